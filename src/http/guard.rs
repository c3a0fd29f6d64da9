//! The request guard that applies to every route: requests to foreign host
//! names and cross-origin state changes are refused (`origin`), and every
//! answer carries the browser security headers.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::Error;

/// The guards in one middleware (one layer per request instead of three):
/// refuses a request addressed to a host name this server does not answer
/// for (DNS rebinding), and a state-changing request that a browser sent
/// from another site (CSRF); adds the browser security headers to every
/// answer, refusals included. Requests without `Origin` or `Sec-Fetch-Site`
/// come from non-browser clients, which hold their own credentials, and
/// pass the origin check; so do requests whose credential is a bearer
/// token (no cookie a browser would add on its own) and posts to an
/// incoming webhook (its secret is in the address).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut response = if !state.origins.host_allowed(request.headers()) {
        Error::WrongHost(state.origins.wrong_host_message()).into_response()
    } else if !safe
        && !state.origins.same_origin(request.headers())
        && !super::extract::has_bearer(request.headers())
        && !request.uri().path().starts_with("/hooks/")
    {
        Error::Forbidden("Cross-origin requests cannot change anything here.".into())
            .into_response()
    } else {
        next.run(request).await
    };
    add_security_headers(&mut response, state.secure_cookies);
    response
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers that make the browser refuse inline script, sniffing and framing.
fn add_security_headers(response: &mut Response, https: bool) {
    let h = response.headers_mut();
    // A download brings its own, stricter policy (files::download_headers).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
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
