//! The OpenAPI document: its header here, its paths from the handlers'
//! `#[utoipa::path]` attributes, served at `/api/v1/openapi.json`. The
//! answers every route of a kind can give (a route with a body can get 400
//! and 413, one with a session 401, ...) are added here once, from what
//! each route declares, so no route can forget one.

use std::sync::Arc;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::OpenApi;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Natter API",
        description = "Real-time team chat. Sign in with the session cookie (browsers) or \
`Authorization: Bearer <token>`. Errors are `{\"error\":{\"code\",\"message\"}}`. Besides the \
answers each route lists, any route may answer 500 when the server itself fails (logged; the \
message is a generic sentence).",
    ),
    tags(
        (name = "accounts", description = "Sign up, sign in, sessions, passwords"),
        (name = "rooms", description = "Public and private rooms, members, direct messages"),
        (name = "messages", description = "Sending and reading messages"),
        (name = "stream", description = "Live events: the WebSocket stream and long-poll"),
        (name = "operations", description = "Health and readiness checks for load balancers"),
        (name = "admin", description = "Running the server: admins, accounts, sign-up mode, invite links"),
        (name = "files", description = "Uploading attachments and downloading them"),
        (name = "search", description = "Full-text search over the messages I can read"),
        (name = "push", description = "Web Push: the server's key and this device's subscriptions"),
        (name = "integrations", description = "Bots, API tokens and incoming webhooks"),
    )
)]
struct ApiDoc;

/// The routes that never touch the database (so never answer 503).
const WITHOUT_STORAGE: &[&str] = &["server_info", "health"];

pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("natter_session"))),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    doc
}

/// Adds to every operation the answers its kind can give, and the error
/// body to every error answer.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, changes) in operations {
            if let Some(operation) = operation {
                complete_operation(operation, changes);
            }
        }
    }
}

fn complete_operation(op: &mut Operation, changes_state: bool) {
    let has = |place: ParameterIn| {
        op.parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let id = op.operation_id.as_deref().unwrap_or_default();
    // Every route: the host check (only with --public-url).
    // And every route: the per-address connection cap, answered before the
    // request is read (http/server.rs), so any route can see it.
    let mut answers = vec![
        (
            "421",
            "The request is addressed to a host name this server does not answer for (with --public-url)",
        ),
        (
            "429",
            "Too many open connections from your address (--max-connections-per-ip); see Retry-After",
        ),
    ];
    if changes_state {
        answers.push((
            "403",
            "A browser page from another origin may not change anything",
        ));
    }
    if op.request_body.is_some() {
        answers.push((
            "400",
            "The body is not JSON, not of the expected shape, or not sent as application/json",
        ));
        answers.push((
            "413",
            "The body is larger than --max-body-bytes (the answer says the limit)",
        ));
    }
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        answers.push(("401", "No session, or the session has ended"));
        // Any route a token reaches: its scopes and rooms, its rate limit.
        answers.push((
            "403",
            "An API token without the scope this needs, or one that may not use this route",
        ));
        answers.push((
            "429",
            "An API token made more than --token-requests-per-minute requests (with Retry-After)",
        ));
    }
    if has(ParameterIn::Path) {
        answers.push((
            "404",
            "Nothing at this address (an id that is not a number names nothing)",
        ));
    }
    if has(ParameterIn::Query) {
        answers.push(("400", "A query parameter is not valid"));
    }
    if !WITHOUT_STORAGE.contains(&id) {
        answers.push((
            "503",
            "The database cannot take this now (disk full, locked); try again soon",
        ));
    }
    for (status, why) in answers {
        add_error(op, status, why);
    }
    for (status, response) in &mut op.responses.responses {
        if let RefOr::T(response) = response {
            describe_error(status, response);
        }
    }
}

/// Adds the answer if the route does not list it yet, or appends `why` to
/// the reasons of the one it lists.
fn add_error(op: &mut Operation, status: &str, why: &str) {
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(why) {
                existing.description = if existing.description.is_empty() {
                    why.to_owned()
                } else {
                    format!("{}; or: {why}", existing.description)
                };
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses.responses.insert(
                status.to_owned(),
                RefOr::T(ResponseBuilder::new().description(why).build()),
            );
        }
    }
}

/// Every 4xx and 5xx answer carries the error body; a 429 carries
/// `Retry-After` where the wait is known (rate limits and the connection cap,
/// whose answer says 5 seconds).
fn describe_error(status: &str, response: &mut Response) {
    if !(status.starts_with('4') || status.starts_with('5')) {
        return;
    }
    if response.content.is_empty() {
        response.content.insert(
            "application/json".to_owned(),
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
    }
    if status == "429" && response.description.contains("Retry-After") {
        response.headers.insert(
            "Retry-After".to_owned(),
            HeaderBuilder::new()
                .schema(whole_seconds())
                .description(Some(
                    "Whole seconds to wait, rounded up: a retry after exactly this long is let through",
                ))
                .build(),
        );
    }
}

/// The schema of `Retry-After`: whole seconds, 1 or more.
fn whole_seconds() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(1))
        .build()
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
