//! The search route: full-text search over the messages the reader can read.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiQuery, CurrentUser};
use super::AppState;
use crate::chat::SearchRequest;
use crate::domain::{Message, RoomId};
use crate::error::Result;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for: words (all must match), `"a phrase"`, `word*`,
    /// `-word`, `a OR b`, and the filters `in:room`, `from:user`,
    /// `before:2026-12-01`, `after:2026-11-01`, `has:file`. Never a syntax
    /// error: anything else is searched as words.
    pub q: Option<String>,
    /// Only this room (its id).
    pub room: Option<i64>,
    /// Only messages by this user (username).
    pub author: Option<String>,
    /// Sent before this UTC day (`YYYY-MM-DD`).
    pub before: Option<String>,
    /// Sent on or after this UTC day.
    pub after: Option<String>,
    /// Only messages with files.
    pub has_file: Option<bool>,
    /// `newest` (default) or `best`.
    pub order: Option<String>,
    /// The previous page's `next`.
    pub cursor: Option<String>,
    /// Results per page, 1–50 (default 20).
    pub limit: Option<u32>,
}

/// A piece of a result's snippet; put `text` in as text, and mark `hit`s.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub message: Message,
    /// The words around the matches, matched words marked.
    pub snippet: Vec<SnippetPart>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub results: Vec<SearchResult>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The display names and avatars of their authors who set one.
    pub authors: Vec<crate::domain::PersonProfile>,
}

/// GET /api/v1/search — messages of the rooms I am in now that match,
/// newest or best first, a page at a time. Rooms I never joined, or left,
/// are never searched; a filter naming one simply matches nothing.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = SearchResponse),
        (status = 400, body = ErrorBody, description = "A date or cursor that does not parse"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
    ))]
pub async fn search(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>> {
    let request = SearchRequest {
        text: p.q.unwrap_or_default(),
        room: p.room.map(RoomId),
        author: p.author,
        before: p.before,
        after: p.after,
        has_file: p.has_file.unwrap_or(false),
        best_first: p.order.as_deref() == Some("best"),
        cursor: p.cursor,
        limit: p.limit,
    };
    let page = state.chat.search(&me.user, request).await?;
    let names = page.hits.iter().map(|h| h.message.author.clone());
    let authors = state.chat.authors_named(names).await?;
    Ok(Json(SearchResponse {
        authors,
        results: page
            .hits
            .into_iter()
            .map(|hit| SearchResult {
                message: hit.message,
                snippet: hit
                    .snippet
                    .into_iter()
                    .map(|f| SnippetPart {
                        text: f.text,
                        hit: f.hit,
                    })
                    .collect(),
            })
            .collect(),
        next: page.next,
    }))
}
