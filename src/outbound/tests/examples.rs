//! The verification examples of `docs/webhooks.md`, run as written against
//! signatures from the Rust signer: a receiver that copies them gets
//! working code.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::outbound::{sign, WebhookSecret};

const DOC: &str = include_str!("../../../docs/webhooks.md");

/// The first fenced block of `language` in the doc.
fn example(language: &str) -> &'static str {
    let start = DOC
        .find(&format!("```{language}\n"))
        .unwrap_or_else(|| panic!("no {language} example"))
        + language.len()
        + 4;
    let len = DOC[start..].find("```").expect("the example's block ends");
    &DOC[start..start + len]
}

/// (secret, header, body, now, should verify)
fn cases() -> Vec<(String, String, String, i64, bool)> {
    let secret = WebhookSecret::generate();
    let other = WebhookSecret::generate();
    let body = r#"{"type":"message","room":7,"seq":42,"text":"naïve café ✓"}"#;
    let t = 1_700_000_000;
    let good = sign(&secret, t, body.as_bytes());
    let rotated = format!(
        "{},v1={}",
        sign(&other, t, body.as_bytes()),
        &good[good.find("v1=").unwrap() + 3..]
    );
    let s = |w: &WebhookSecret| w.expose().to_owned();
    vec![
        (s(&secret), good.clone(), body.to_owned(), t + 10, true),
        (s(&secret), rotated, body.to_owned(), t, true),
        (s(&secret), good.clone(), body.replace("42", "43"), t, false),
        (s(&other), good.clone(), body.to_owned(), t, false),
        (s(&secret), good.clone(), body.to_owned(), t + 301, false),
        (
            s(&secret),
            good.replace("t=", "t=x"),
            body.to_owned(),
            t,
            false,
        ),
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw2ZqEDkMbUWw".to_owned(),
            "t=1700000000,v1=e73813c101d5aba748925d3d736186127b1c332162c5cdf5e151f04a847c32e8"
                .to_owned(),
            r#"{"room":7,"seq":42}"#.to_owned(),
            t,
            true,
        ),
    ]
}

/// Runs `program` with `code` on stdin; each output line is one case's verdict.
fn run(program: &str, args: &[&str], code: &str) -> Option<Vec<bool>> {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("skipping: {program} is not available ({e})");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(code.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{program} failed");
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.trim() == "true")
            .collect(),
    )
}

fn expected() -> Vec<bool> {
    cases().iter().map(|c| c.4).collect()
}

#[test]
fn the_python_example_verifies_what_the_rust_signer_signs() {
    let cases = cases();
    let mut code = example("python").to_owned();
    code.push_str("\nimport json\n");
    writeln!(
        code,
        "cases = json.loads({:?})",
        serde_json::to_string(&cases).unwrap()
    )
    .unwrap();
    code.push_str("for secret, header, body, now, _ in cases:\n");
    code.push_str(
        "    print(str(verify_natter_signature(secret, header, body.encode(), now=now)).lower())\n",
    );
    if let Some(verdicts) = run("python3", &["-"], &code) {
        assert_eq!(verdicts, expected());
    }
}

#[test]
fn the_javascript_example_verifies_what_the_rust_signer_signs() {
    let cases = cases();
    let mut code = example("javascript").to_owned();
    writeln!(
        code,
        "\nconst cases = {};",
        serde_json::to_string(&cases).unwrap()
    )
    .unwrap();
    code.push_str("for (const [secret, header, body, now] of cases) {\n");
    code.push_str("  console.log(String(verifyNatterSignature(secret, header, Buffer.from(body), 300, now)));\n}\n");
    if let Some(verdicts) = run("node", &["-"], &code) {
        assert_eq!(verdicts, expected());
    }
}
