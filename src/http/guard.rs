//! The request guard that applies to every route: cross-origin state
//! changes are refused, and every answer carries the browser security
//! headers.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::Error;

/// Both guards in one middleware (one layer per request instead of two):
/// refuses a state-changing request that a browser sent from another site
/// (CSRF), and adds the browser security headers to every answer, refusals
/// included. Requests without `Origin` or `Sec-Fetch-Site` come from
/// non-browser clients, which hold their own credentials, and pass.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut response = if !safe && !same_origin(request.headers(), &state.trusted_origins) {
        Error::Forbidden("Cross-origin requests cannot change anything here.".into())
            .into_response()
    } else {
        next.run(request).await
    };
    add_security_headers(&mut response, state.secure_cookies);
    response
}

pub(super) fn same_origin(headers: &HeaderMap, trusted: &[String]) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let Some(origin) = origin {
        let origin = origin.trim_end_matches('/');
        if trusted.iter().any(|t| t.eq_ignore_ascii_case(origin)) {
            return true;
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, h)| h);
        return matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h));
    }
    // No Origin: trust the browser's own word where it gave one.
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers that make the browser refuse inline script, sniffing and framing.
fn add_security_headers(response: &mut Response, https: bool) {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_host_origin_passes_and_foreign_origin_does_not() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&ok, &[]));
        let evil = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!same_origin(&evil, &[]));
        assert!(same_origin(&evil, &["http://evil.example".into()]));
        let null = headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]);
        assert!(!same_origin(&null, &[]));
    }

    #[test]
    fn without_origin_the_fetch_site_header_decides() {
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &[]
        ));
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &[]
        ));
        assert!(same_origin(&headers(&[]), &[]));
    }
}
