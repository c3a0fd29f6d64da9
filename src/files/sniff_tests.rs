use super::*;
use proptest::prelude::*;

/// The first bytes of real files of each kind.
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR";
const GIF: &[u8] = b"GIF89a\x01\0\x01\0";
const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 ";
const MP4: &[u8] = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2";
const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
const SVG: &[u8] =
    b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
const HTML: &[u8] = b"<!DOCTYPE html><html><script>alert(document.cookie)</script>";

#[test]
fn pictures_and_plain_media_are_served_inline_as_themselves() {
    for (head, mime) in [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (GIF, "image/gif"),
        (WEBP, "image/webp"),
        (MP4, "video/mp4"),
    ] {
        let kind = ContentKind::sniff(head);
        assert_eq!(kind.mime, mime);
        assert!(kind.inline(), "{mime}");
        assert_eq!(kind.served_type(), mime);
    }
    assert!(ContentKind::sniff(PNG).is_image());
    assert!(!ContentKind::sniff(MP4).is_image());
}

#[test]
fn svg_html_pdf_and_unknown_bytes_are_only_ever_downloaded() {
    for head in [
        SVG,
        HTML,
        PDF,
        b"MZ\x90\0 a Windows program",
        b"plain words",
        b"",
    ] {
        let kind = ContentKind::sniff(head);
        assert!(!kind.inline(), "{:?}", kind.mime);
        assert!(!kind.is_image());
        assert_eq!(kind.served_type(), "application/octet-stream");
    }
    // The sniffed type is still known, for the client's icon.
    assert_eq!(ContentKind::sniff(PDF).mime, "application/pdf");
}

#[test]
fn html_claiming_to_be_a_png_is_judged_by_its_bytes() {
    // The client's name and type never reach `sniff`: only bytes do.
    let kind = ContentKind::sniff(HTML);
    assert_ne!(kind.mime, "image/png");
    assert!(!kind.inline());
}

#[test]
fn a_stored_type_can_never_widen_what_is_inline() {
    assert_eq!(
        ContentKind::from_stored("image/png"),
        ContentKind::sniff(PNG)
    );
    for stored in [
        "text/html",
        "image/svg+xml",
        "application/pdf",
        "",
        "image/png; x",
    ] {
        let kind = ContentKind::from_stored(stored);
        assert!(!kind.inline(), "{stored}");
        assert_eq!(kind.served_type(), "application/octet-stream");
    }
}

fn header<'a>(headers: &'a [(HeaderName, HeaderValue)], name: &str) -> &'a str {
    let found: Vec<_> = headers.iter().filter(|(n, _)| n == name).collect();
    assert_eq!(found.len(), 1, "exactly one {name}");
    found[0].1.to_str().expect("visible ASCII")
}

#[test]
fn every_download_carries_the_full_set_of_safety_headers() {
    for head in [JPEG, SVG, HTML, PDF] {
        let kind = ContentKind::sniff(head);
        let headers = download_headers(&kind, &DisplayName::sanitise("x.bin"), 1234);
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&headers, "content-security-policy"),
            "sandbox; default-src 'none'"
        );
        assert_eq!(header(&headers, "content-length"), "1234");
        assert_eq!(
            header(&headers, "cross-origin-resource-policy"),
            "same-origin"
        );
        assert!(header(&headers, "cache-control").starts_with("private"));
        let disposition = header(&headers, "content-disposition");
        assert_eq!(
            disposition.starts_with("inline;"),
            kind.inline(),
            "{disposition}"
        );
        assert_eq!(header(&headers, "content-type"), kind.served_type());
    }
    let svg = download_headers(&ContentKind::sniff(SVG), &DisplayName::sanitise("a.svg"), 1);
    assert!(header(&svg, "content-disposition").starts_with("attachment;"));
}

#[test]
fn the_file_name_is_given_in_utf8_and_as_an_ascii_fallback() {
    let name = DisplayName::sanitise("naïve \"résumé\" 100%.pdf");
    assert_eq!(
        content_disposition(false, &name),
        "attachment; filename=\"na_ve _r_sum__ 100_.pdf\"; \
         filename*=UTF-8''na%C3%AFve%20%22r%C3%A9sum%C3%A9%22%20100%25.pdf"
    );
}

/// Undoes the RFC 5987 encoding of a `filename*` value.
fn percent_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex: String = [bytes.next(), bytes.next()]
                .iter()
                .map(|b| char::from(b.expect("two hex digits")))
                .collect();
            out.push(u8::from_str_radix(&hex, 16).expect("hex"));
        } else {
            out.push(b);
        }
    }
    out
}

proptest! {
    #[test]
    fn any_name_gives_a_valid_header_that_decodes_to_the_display_name(raw in any::<String>()) {
        let name = DisplayName::sanitise(&raw);
        let value = content_disposition(false, &name);
        let text = value.to_str().expect("visible ASCII only");
        let (fallback, encoded) = text
            .strip_prefix("attachment; filename=\"")
            .and_then(|t| t.split_once("\"; filename*=UTF-8''"))
            .expect("both parameters");
        prop_assert!(!fallback.contains(['"', '\\', '%']));
        prop_assert!(!encoded.contains([' ', '"', '\'', ';', ',']));
        prop_assert_eq!(percent_decode(encoded), name.as_str().as_bytes());
    }
}
