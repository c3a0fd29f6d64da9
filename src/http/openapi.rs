//! The OpenAPI document: its header here, its paths from the handlers'
//! `#[utoipa::path]` attributes, served at `/api/v1/openapi.json`.

use std::sync::Arc;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Natter API",
        description = "Real-time team chat. Sign in with the session cookie (browsers) or \
`Authorization: Bearer <token>`. Errors are `{\"error\":{\"code\",\"message\"}}`.",
    ),
    tags(
        (name = "accounts", description = "Sign up, sign in, sessions, passwords"),
        (name = "rooms", description = "Public and private rooms, members, direct messages"),
        (name = "messages", description = "Sending and reading messages"),
        (name = "stream", description = "Live events: the WebSocket stream and long-poll"),
        (name = "operations", description = "Health and readiness checks for load balancers"),
    )
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn routes(spec: Arc<String>) -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || {
            let spec = Arc::clone(&spec);
            async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    spec.as_str().to_owned(),
                )
            }
        }),
    )
}
