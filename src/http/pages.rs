//! The pages: `/` (pick a username or sign in) and `/chat`, rendered from
//! their HTML templates with an auto-escaping engine, and the asset routes.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment, Value};
use serde::Serialize;

use super::extract::MaybeUser;
use super::AppState;
use crate::domain::{RoomSummary, User};
use crate::error::{Error, Result};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(welcome))
        .route("/chat", get(chat))
        .route("/assets/v/{version}/{*path}", get(versioned_asset))
        .route("/assets/{*path}", get(asset))
}

/// GET / — pick a username, or sign in; someone signed in goes on to `/chat`.
async fn welcome(State(state): State<AppState>, me: MaybeUser) -> Result<Response> {
    if me.0.is_some() {
        return Ok(Redirect::to("/chat").into_response());
    }
    let policy = state.chat.policy();
    render(
        &state,
        "welcome.html",
        context! {
            // Server-made (a path and a hex hash): nothing to escape.
            assets => Value::from_safe_string(state.assets.prefix()),
            require_password => policy.require_password,
            server_name => state.chat.server_name().await?,
        },
    )
}

/// What the chat page's script starts from, so its first paint needs no
/// extra round trips.
#[derive(Serialize)]
struct Bootstrap<'a> {
    user: &'a User,
    rooms: &'a [RoomSummary],
    server: ServerSettings,
}

#[derive(Serialize)]
struct ServerSettings {
    require_password: bool,
    max_message_chars: usize,
    /// Whether this user may make invite links (the menu offers it).
    can_invite: bool,
}

/// GET /chat — the chat page; signed-out visitors go to `/` first.
async fn chat(State(state): State<AppState>, me: MaybeUser) -> Result<Response> {
    let Some(me) = me.0 else {
        return Ok(Redirect::to("/").into_response());
    };
    let rooms = state.chat.my_rooms(&me.user).await?;
    let policy = state.chat.policy();
    let bootstrap = Bootstrap {
        user: &me.user,
        rooms: &rooms,
        server: ServerSettings {
            require_password: policy.require_password,
            max_message_chars: policy.max_message_chars,
            can_invite: state.chat.may_invite(&me.user).await?,
        },
    };
    render(
        &state,
        "chat.html",
        context! {
            // Server-made (a path and a hex hash): nothing to escape.
            assets => Value::from_safe_string(state.assets.prefix()),
            user => &me.user,
            rooms => &rooms,
            theme => me.user.theme.as_str(),
            server_name => state.chat.server_name().await?,
            bootstrap => Value::from_safe_string(script_json(&bootstrap)),
        },
    )
}

/// The names a template includes: `{% include "name" %}`.
fn included(source: &str) -> impl Iterator<Item = &str> {
    source
        .split("{% include \"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
}

/// JSON that is safe inside `<script type="application/json">`: `<`, `>`
/// and `&` are written as `\u003c` etc., so no text can close the element.
fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .expect("bootstrap serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Renders a template from the assets. Every `{{ value }}` is HTML-escaped
/// (the engine escapes by the `.html` name); only `script_json` output is
/// marked safe. A page may `{% include "part.html" %}` other files of the
/// assets (one level deep), so no page grows into one long file.
fn render(state: &AppState, name: &str, ctx: Value) -> Result<Response> {
    let text = |name: &str| {
        state
            .assets
            .get(name)
            .map(|a| String::from_utf8_lossy(&a.data).into_owned())
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("{name} is missing")))
    };
    let source = text(name)?;
    let parts = included(&source)
        .map(|part| Ok((part, text(part)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (part, text) in &parts {
        env.add_template(part, text)
            .map_err(|e| Error::Internal(anyhow::anyhow!("template {part}: {e}")))?;
    }
    let template = env
        .template_from_named_str(name, &source)
        .map_err(|e| Error::Internal(anyhow::anyhow!("template {name}: {e}")))?;
    let html = template
        .render(ctx)
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e}")))?;
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response())
}

async fn versioned_asset(
    State(state): State<AppState>,
    Path((version, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let current = version == state.assets.version();
    serve_asset(state, path, headers, current).await
}

async fn asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve_asset(state, path, headers, false).await
}

/// A file not yet compressed is compressed off the async runtime (tens of
/// milliseconds, once per file and process); the rest are served at once.
async fn serve_asset(state: AppState, path: String, headers: HeaderMap, current: bool) -> Response {
    if state.assets.is_ready(&path) {
        return state.assets.serve(&path, &headers, current);
    }
    tokio::task::spawn_blocking(move || state.assets.serve(&path, &headers, current))
        .await
        .unwrap_or_else(|e| {
            Error::Internal(anyhow::anyhow!("serving an asset: {e}")).into_response()
        })
}

#[cfg(test)]
mod tests {
    use super::script_json;

    #[test]
    fn bootstrap_json_cannot_close_its_script_element() {
        let json = script_json(&serde_json::json!({"name": "</script><script>alert(1)</script>&"}));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>&");
    }
}
