//! What operators and their tools ask of the server: readiness, the
//! Prometheus metrics, and the layers that log and count every request
//! (one access-log line each, with its route template — never the URL,
//! whose query could hold a secret — status, latency, user and request id).

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnBodyChunk, DefaultOnEos, TraceLayer};
use tracing::Span;

use super::{AppState, ErrorBody};
use crate::config::value::Secret;
use crate::error::Error;
use crate::ops::metrics::{names, Metrics};
use crate::ops::proxy::Client;

/// How long readiness waits for the database before saying it is not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `ready`.
    status: &'static str,
}

/// GET /api/v1/ready — the server can do its work: the database answers
/// (within 2 s). 503 with the reason when it does not; load balancers
/// stop sending people here meanwhile. (`/api/v1/health` only says the
/// process is up.)
#[utoipa::path(get, path = "/api/v1/ready", tag = "operations",
    responses((status = 200, body = Ready), (status = 503, body = ErrorBody)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let problem = match tokio::time::timeout(READY_TIMEOUT, state.chat.check_storage()).await {
        Ok(Ok(())) => return Json(Ready { status: "ready" }).into_response(),
        Ok(Err(e)) => format!("The database is not answering: {e}"),
        Err(_) => format!(
            "The database did not answer within {} s.",
            READY_TIMEOUT.as_secs()
        ),
    };
    tracing::warn!(problem = %problem, "not ready");
    let body = serde_json::json!({ "error": { "code": "not_ready", "message": problem } });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// `/metrics` on the main listener: only for scrapers holding the token;
/// without one configured it is not there at all.
async fn metrics_with_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.metrics_token else {
        return Error::not_found("No such page.").into_response();
    };
    if !bearer_matches(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(serde_json::json!({ "error": {
                "code": "metrics_token",
                "message": "Reading the metrics needs the metrics token (Authorization: Bearer)."
            }})),
        )
            .into_response();
    }
    prometheus_text(&state.metrics)
}

/// Compares digests, so the time taken says nothing about the token.
fn bearer_matches(headers: &HeaderMap, token: &Secret) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.expose().as_bytes())
}

fn prometheus_text(metrics: &Metrics) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

/// `/metrics` behind the token, for the main router.
pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics_with_token))
}

/// The router of the separate metrics listener (`--metrics-listen`): only
/// `/metrics`, no token (the address is meant to be private).
pub fn metrics_only(metrics: Metrics) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move { prometheus_text(&metrics) }),
    )
}

/// Counts every request by method, route template and status, and times
/// it by route (`unmatched` for unknown paths, so scanners cannot grow the
/// number of series).
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = route_of(&request).to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let m = &state.metrics;
    m.counter(
        names::HTTP_REQUESTS,
        &[
            ("method", method.as_str()),
            ("route", &route),
            ("status", status.as_str()),
        ],
    )
    .increment(1);
    m.histogram(names::HTTP_DURATION, &[("route", &route)])
        .record(started.elapsed());
    response
}

fn route_of<B>(request: &axum::http::Request<B>) -> &str {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
}

/// Marks every cookie `Secure` on answers to requests that came over
/// HTTPS (our TLS, or a trusted proxy's `X-Forwarded-Proto: https`), so
/// a browser never sends the session over plain HTTP later.
pub async fn secure_cookies_over_https(request: Request, next: Next) -> Response {
    let https = request
        .extensions()
        .get::<Client>()
        .is_some_and(|c| c.https);
    let mut response = next.run(request).await;
    if https {
        let cookies: Vec<HeaderValue> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        response.headers_mut().remove(header::SET_COOKIE);
        for cookie in cookies {
            let secured = match cookie.to_str() {
                Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
                }
                _ => cookie,
            };
            response.headers_mut().append(header::SET_COOKIE, secured);
        }
    }
    response
}

/// Gives each request an id (`X-Request-Id`, kept if the client sent one,
/// returned on the answer) and logs one line per request when it is
/// answered, in a span that `CurrentUser` adds the user id to.
pub fn access_log<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let client = request
                .extensions()
                .get::<Client>()
                .map(|c| c.ip.to_string())
                .unwrap_or_default();
            tracing::info_span!(
                "request",
                method = %request.method(),
                client,
                route = route_of(request),
                request_id,
                user_id = tracing::field::Empty,
            )
        })
        .on_request(())
        .on_response(|response: &Response, latency: Duration, _: &Span| {
            tracing::info!(
                target: "natter::access",
                status = response.status().as_u16(),
                latency_ms = latency.as_secs_f64() * 1000.0,
                "answered"
            );
        })
        .on_body_chunk(DefaultOnBodyChunk::new())
        .on_eos(DefaultOnEos::new())
        .on_failure(());
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_opens_the_metrics() {
        let token = Secret::new("0123456789abcdef-metrics");
        let mut h = HeaderMap::new();
        assert!(!bearer_matches(&h, &token));
        h.insert(
            header::AUTHORIZATION,
            "Bearer 0123456789abcdef".parse().unwrap(),
        );
        assert!(!bearer_matches(&h, &token));
        h.insert(
            header::AUTHORIZATION,
            "Bearer 0123456789abcdef-metrics".parse().unwrap(),
        );
        assert!(bearer_matches(&h, &token));
    }
}
