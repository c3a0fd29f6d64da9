//! Web Push (issue 16): the server's key, this device's subscription, and
//! the two files that make the page installable and able to show pushes
//! with no tab open: the service worker at the root scope and the web app
//! manifest.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::error::Result;
use crate::notify::PushSubscriptionJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push_key))
        .routes(routes!(subscriptions, subscribe))
        .routes(routes!(unsubscribe))
        // Outside `/assets` and the API document: a worker's scope is the
        // folder it is served from, so at `/sw.js` it may control `/chat`.
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PushKeyResponse {
    /// The server's VAPID public key (uncompressed P-256 point, base64url):
    /// the `applicationServerKey` to subscribe with.
    pub public_key: String,
}

/// `PushSubscription.toJSON()` as the browser gives it. Only the API
/// document's shape: the body is read by `push::Subscription`, whose
/// refusals say which part is wrong.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct PushSubscriptionRequest {
    /// The push service's https URL for this browser.
    pub endpoint: String,
    pub keys: PushKeys,
}

#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct PushKeys {
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The 16-byte auth secret, base64url.
    pub auth: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PushSubscriptionsResponse {
    pub subscriptions: Vec<PushSubscriptionJson>,
}

/// GET /api/v1/push/key — the server's Web Push public key.
#[utoipa::path(get, path = "/api/v1/push/key", tag = "push",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = PushKeyResponse),
        (status = 401, body = ErrorBody, description = "Not signed in"),
    ))]
pub async fn push_key(State(state): State<AppState>, _me: CurrentUser) -> Json<PushKeyResponse> {
    Json(PushKeyResponse {
        public_key: state.pushes.public_key(),
    })
}

/// GET /api/v1/push/subscriptions — my devices that get pushes.
#[utoipa::path(get, path = "/api/v1/push/subscriptions", tag = "push",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = PushSubscriptionsResponse),
        (status = 401, body = ErrorBody, description = "Not signed in"),
    ))]
pub async fn subscriptions(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<PushSubscriptionsResponse>> {
    Ok(Json(PushSubscriptionsResponse {
        subscriptions: state.pushes.subscriptions(&me.user).await?,
    }))
}

/// POST /api/v1/push/subscriptions — push to this browser; the
/// subscription belongs to this session and goes when it signs out.
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "push",
    request_body = PushSubscriptionRequest, security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = PushSubscriptionJson, description = "Kept (the same endpoint again replaces its keys)"),
        (status = 400, body = ErrorBody, description = "Not a push subscription, not https, bad keys, or an endpoint the server may not reach"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 429, body = ErrorBody, description = "Already the most devices one person may have"),
    ))]
pub async fn subscribe(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<PushSubscriptionJson>)> {
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let made = state.pushes.subscribe(&me.user, &me.token, &json).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// DELETE /api/v1/push/subscriptions/{id} — stop pushing to that device.
#[utoipa::path(delete, path = "/api/v1/push/subscriptions/{id}", tag = "push",
    params(("id" = i64, Path, description = "Subscription id")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 404, body = ErrorBody, description = "No such subscription of mine"),
    ))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state.pushes.unsubscribe(&me.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /sw.js — the service worker, revalidated on every load (browsers
/// check it for updates), allowed to control the whole site.
async fn service_worker(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut response = state.assets.serve("sw.js", &headers, false);
    response
        .headers_mut()
        .insert("service-worker-allowed", HeaderValue::from_static("/"));
    response
}

/// GET /manifest.webmanifest — name, colours and icons for installing.
async fn manifest(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut response = state.assets.serve("manifest.webmanifest", &headers, false);
    if response.status() == StatusCode::OK {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    response
}
