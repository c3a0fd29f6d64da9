//! Directory routes: find people by the start of their name (for starting a
//! conversation, or adding someone to a room).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiQuery, CurrentUser};
use super::AppState;
use crate::domain::Person;
use crate::error::Result;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PeopleQuery {
    /// The start of a username (case ignored; a leading `@` is allowed).
    /// Empty or absent: everyone, by name.
    pub query: Option<String>,
    /// How many to return, 1–50 (default 20).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeopleResponse {
    /// By username.
    pub users: Vec<Person>,
}

/// GET /api/v1/users — people whose username starts with `query`.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(PeopleQuery),
    responses(
        (status = 200, body = PeopleResponse),
        (status = 400, body = ErrorBody, description = "`limit` is not a number"),
        (status = 401, body = ErrorBody),
    ))]
pub async fn find_people(
    State(state): State<AppState>,
    _me: CurrentUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<Json<PeopleResponse>> {
    let users = state
        .chat
        .find_people(q.query.as_deref().unwrap_or_default(), q.limit)
        .await?;
    Ok(Json(PeopleResponse { users }))
}
