//! Slack's mrkdwn to Natter's Markdown, case by case.

use std::collections::HashMap;

use crate::import::slack::{to_markdown, Directory};

fn names() -> Directory {
    Directory {
        users: HashMap::from([
            ("U1".into(), "alice".into()),
            ("U2".into(), "bob_smith".into()),
        ]),
        channels: HashMap::from([("C1".into(), "general".into())]),
    }
}

fn md(text: &str) -> String {
    to_markdown(text, &names())
}

#[test]
fn mentions_and_room_links_use_natter_names() {
    assert_eq!(md("hi <@U1> and <@U2|bob>"), "hi @alice and @bob_smith");
    assert_eq!(md("<@U9|gone> <@U8>"), "@gone @U8");
    assert_eq!(
        md("see <#C1|old-name> or <#C9|elsewhere> or <#C1>"),
        "see #general or #elsewhere or #general"
    );
    assert_eq!(
        md("<!here> <!channel|channel> <!everyone>"),
        "@here @channel @everyone"
    );
    assert_eq!(
        md("<!subteam^S1|@devs> at <!date^1392734382^{date}|Feb 18, 2014>"),
        "@devs at Feb 18, 2014"
    );
}

#[test]
fn links_become_markdown_links_or_bare_urls() {
    assert_eq!(
        md("<https://example.com|the site>"),
        "[the site](https://example.com)"
    );
    assert_eq!(md("<https://example.com>"), "https://example.com");
    assert_eq!(
        md("<https://example.com|https://example.com>"),
        "https://example.com"
    );
    assert_eq!(md("<mailto:a@b.org|a@b.org>"), "[a@b.org](mailto:a@b.org)");
    assert_eq!(md("<mailto:a@b.org>"), "[a@b.org](mailto:a@b.org)");
    assert_eq!(
        md("<https://x.org/?a=1&amp;b=2|A &amp; B>"),
        "[A & B](https://x.org/?a=1&b=2)"
    );
    assert_eq!(
        md("<https://x.org/f(1) 2|wiki>"),
        "[wiki](https://x.org/f%281%29%202)"
    );
    assert_eq!(md("<https://x.org|[x]>"), "[x] (https://x.org)");
    assert_eq!(md("<javascript:alert(1)|click>"), "click");
}

#[test]
fn emphasis_is_converted_only_where_slack_would_show_it() {
    assert_eq!(md("*bold* _it_ ~gone~"), "**bold** *it* ~~gone~~");
    assert_eq!(
        md("a *bold move*, then _more_."),
        "a **bold move**, then *more*."
    );
    assert_eq!(md("*_both_*"), "***both***");
    assert_eq!(
        md("snake_case_name and 2*3*4 and * loose *"),
        "snake_case_name and 2*3*4 and * loose *"
    );
    assert_eq!(md("*not\nacross lines*"), "*not\nacross lines*");
    assert_eq!(md("*<@U1>*"), "**@alice**");
    assert_eq!(
        md("<https://x.org/a_b_c|a_b_c>"),
        "[a_b_c](https://x.org/a_b_c)"
    );
}

#[test]
fn entities_are_unescaped_and_html_stays_text() {
    assert_eq!(
        md("a &amp; b &lt;script&gt; &amp;lt;"),
        "a & b <script> &lt;"
    );
    assert_eq!(md("x &nbsp; y"), "x &nbsp; y");
}

#[test]
fn code_is_kept_as_written() {
    assert_eq!(
        md("run `rm *all* &amp; <@U1>` now"),
        "run `rm *all* & @alice` now"
    );
    assert_eq!(
        md("look:```let *x* = a &lt; b;\n<https://x.org>```after *it*"),
        "look:\n```\nlet *x* = a < b;\nhttps://x.org\n```\nafter **it**"
    );
    assert_eq!(md("```\nfn main() {}\n```"), "```\nfn main() {}\n```\n");
    assert_eq!(md("unclosed ```*code"), "unclosed ```*code");
}

#[test]
fn odd_input_is_copied_not_lost() {
    assert_eq!(md(""), "");
    assert_eq!(md("é ü 日本 <unclosed"), "é ü 日本 <unclosed");
    assert_eq!(md("`unclosed *b*"), "`unclosed **b**");
}

#[test]
fn a_long_line_of_unmatched_markers_is_copied_whole() {
    // Each marker looks ahead at most a bounded span for its closer, so
    // this costs linear time rather than quadratic.
    let hostile: String = "*a _b ~c ".repeat(5_000);
    assert_eq!(md(&hostile), hostile);
}
