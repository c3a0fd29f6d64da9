use axum::http::header::{IF_NONE_MATCH, IF_RANGE, RANGE};
use axum::http::{HeaderMap, HeaderValue};

use super::{parse, wanted, Wanted};

const fn part(start: u64, len: u64) -> Wanted {
    Wanted::Part { start, len }
}

#[test]
fn one_range_in_each_of_its_three_forms_is_cut_to_the_file() {
    assert_eq!(parse("bytes=0-499", 1000), part(0, 500));
    assert_eq!(parse("bytes=500-", 1000), part(500, 500));
    assert_eq!(parse("bytes=-300", 1000), part(700, 300));
    assert_eq!(parse("bytes=900-5000", 1000), part(900, 100));
    assert_eq!(parse("bytes=-5000", 1000), part(0, 1000));
    assert_eq!(parse(" bytes=10-10 ", 1000), part(10, 1));
}

#[test]
fn a_range_past_the_end_is_unsatisfiable() {
    assert_eq!(parse("bytes=1000-", 1000), Wanted::Unsatisfiable);
    assert_eq!(parse("bytes=1000-2000", 1000), Wanted::Unsatisfiable);
    assert_eq!(parse("bytes=-0", 1000), Wanted::Unsatisfiable);
    assert_eq!(parse("bytes=0-", 0), Wanted::Unsatisfiable);
    assert_eq!(parse("bytes=-5", 0), Wanted::Unsatisfiable);
}

#[test]
fn what_is_not_one_well_formed_byte_range_gets_the_whole_file() {
    for range in [
        "bytes=5-1",
        "bytes=+5-",
        "bytes=a-b",
        "bytes=-",
        "bytes=0-1,5-6",
        "items=0-5",
        "bytes 0-5",
        "bytes=18446744073709551616-",
        "",
    ] {
        assert_eq!(parse(range, 1000), Wanted::Whole, "{range:?}");
    }
}

fn headers(pairs: &[(axum::http::HeaderName, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.append(name, HeaderValue::from_str(value).unwrap());
    }
    h
}

#[test]
fn if_range_with_another_tag_or_a_date_gets_the_whole_file() {
    let etag = HeaderValue::from_static("\"abc\"");
    let same = headers(&[(RANGE, "bytes=0-9"), (IF_RANGE, "\"abc\"")]);
    assert_eq!(wanted(&same, &etag, 100), part(0, 10));
    let other = headers(&[(RANGE, "bytes=0-9"), (IF_RANGE, "\"old\"")]);
    assert_eq!(wanted(&other, &etag, 100), Wanted::Whole);
    let date = headers(&[
        (RANGE, "bytes=0-9"),
        (IF_RANGE, "Sat, 05 Dec 2026 21:00:00 GMT"),
    ]);
    assert_eq!(wanted(&date, &etag, 100), Wanted::Whole);
}

#[test]
fn if_none_match_with_the_tag_is_not_modified() {
    let etag = HeaderValue::from_static("\"abc\"");
    let h = headers(&[(IF_NONE_MATCH, "\"x\", \"abc\"")]);
    assert_eq!(wanted(&h, &etag, 100), Wanted::NotModified);
    let h = headers(&[(IF_NONE_MATCH, "\"x\"")]);
    assert_eq!(wanted(&h, &etag, 100), Wanted::Whole);
}
