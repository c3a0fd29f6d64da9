//! Report routes: a member reports a message to the admins; admins list
//! reports and resolve or dismiss them (audited).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::AppState;
use crate::domain::{Report, ReportState, RoomId, Seq};
use crate::error::{Error, Result};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportRequest {
    /// Why, in the reporter's words (1–500 characters).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reported {
    /// The report's id.
    pub id: i64,
}

/// POST /api/v1/rooms/{id}/messages/{seq}/report — tell the admins about
/// a message I can read. Reporting it again while my report is open
/// answers 200 with the same report.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages/{seq}/report", tag = "messages",
    request_body = ReportRequest,
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = Reported, description = "Reported"),
        (status = 200, body = Reported, description = "Already reported by me, still open"),
        (status = 400, body = ErrorBody, description = "No reason given"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I cannot read"),
        (status = 413, body = ErrorBody, description = "The reason is longer than 500 characters"),
        (status = 429, body = ErrorBody, description = "I have 50 open reports already"),
    ))]
pub async fn report_message(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<Reported>)> {
    let (id, new) = state
        .chat
        .report_message(&me.user, RoomId(id), Seq(seq), &req.reason)
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Reported { id })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
    /// `open` (the default), `resolved` or `dismissed`.
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsResponse {
    /// Newest first, at most 200.
    pub reports: Vec<Report>,
}

fn state_named(name: &str) -> Result<ReportState> {
    match name {
        "open" => Ok(ReportState::Open),
        "resolved" => Ok(ReportState::Resolved),
        "dismissed" => Ok(ReportState::Dismissed),
        _ => Err(Error::invalid(
            "report_state",
            "A report's state is open, resolved or dismissed.",
        )),
    }
}

/// GET /api/v1/admin/reports?state=open — reports with the message as it
/// is now, who reported it and why (admins only).
#[utoipa::path(get, path = "/api/v1/admin/reports", tag = "admin", params(ReportsQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReportsResponse),
        (status = 400, body = ErrorBody, description = "An unknown state"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn reports(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<ReportsQuery>,
) -> Result<Json<ReportsResponse>> {
    let wanted = state_named(q.state.as_deref().unwrap_or("open"))?;
    Ok(Json(ReportsResponse {
        reports: state.chat.reports(&me.user, wanted).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseReport {
    /// `resolved` (acted on it) or `dismissed` (nothing to do).
    pub state: String,
}

/// PUT /api/v1/admin/reports/{id} — resolve or dismiss an open report; the
/// audit log records who did which.
#[utoipa::path(put, path = "/api/v1/admin/reports/{id}", tag = "admin", request_body = CloseReport,
    params(("id" = i64, Path, description = "Report id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = Report, description = "Closed"),
        (status = 400, body = ErrorBody, description = "A state other than resolved or dismissed"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
        (status = 404, body = ErrorBody, description = "No open report of that id"),
    ))]
pub async fn close_report(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CloseReport>,
) -> Result<Json<Report>> {
    let outcome = state_named(&req.state)?;
    Ok(Json(state.chat.close_report(&me.user, id, outcome).await?))
}

/// This area's routes, registered with one line in `router`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_message))
        .routes(routes!(reports))
        .routes(routes!(close_report))
}
