//! File routes: upload (the body is the file, streamed to the file store),
//! and downloads of a file or its preview, for those who may read it.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiPath, ApiQuery, CurrentUser, MaybeUser};
use super::AppState;
use crate::chat::Download;
use crate::domain::Attachment;
use crate::error::{Error, Result};
use crate::files::download_headers;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name on the sender's device, kept for display only.
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadResponse {
    /// Send its `id` in a message's `files` to attach it.
    pub file: Attachment,
}

/// POST /api/v1/uploads?name=… — the request body is the file's bytes
/// (any `Content-Type`; the server decides the type from the content).
/// Answered 413 as soon as the declared `Content-Length` or the bytes
/// streamed pass `--max-upload-bytes` or the uploader's quota. The upload
/// waits, unattached, for a message of its uploader to take it.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "files", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = UploadResponse, description = "Stored; not yet part of any message"),
        (status = 400, body = ErrorBody, description = "The upload stopped before its end"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 413, body = ErrorBody, description = "Larger than the limit, or than what is left of the quota"),
        (status = 503, body = ErrorBody, description = "The file store is full or unavailable"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<UploadResponse>)> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let file = state
        .chat
        .upload_file(
            &me.user,
            q.name.as_deref().unwrap_or_default(),
            body.into_data_stream(),
            declared,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UploadResponse { file })))
}

/// GET /api/v1/files/{id} — a file, to members of the room it was posted
/// in (and to its uploader before it is sent); 404 to anyone else and
/// without a session. Served with `nosniff`, a sandboxing CSP, the type the
/// server sniffed, and `Content-Disposition: attachment` except for plain
/// images, audio and video.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files",
    // No `security`: without a session the answer is 404, as for a
    // stranger (the cookie or bearer token is what makes it readable).
    params(("id" = String, Path, description = "The file's id (from a message's `files`)")),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody, description = "No such file, or not one I may read"),
    ))]
pub async fn download(
    State(state): State<AppState>,
    me: MaybeUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response> {
    serve(&state, me, &id, false).await
}

/// GET /api/v1/files/{id}/preview — an image's preview (JPEG or PNG, at
/// most 480 pixels a side, EXIF removed), to the same readers as the file.
#[utoipa::path(get, path = "/api/v1/files/{id}/preview", tag = "files",
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The preview image", content_type = "image/jpeg"),
        (status = 404, body = ErrorBody, description = "No such file or preview, or not one I may read"),
    ))]
pub async fn preview(
    State(state): State<AppState>,
    me: MaybeUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response> {
    serve(&state, me, &id, true).await
}

async fn serve(state: &AppState, me: MaybeUser, id: &str, preview: bool) -> Result<Response> {
    // No session reads as no file: nothing tells a stranger a file exists.
    let me = me.0.ok_or_else(|| Error::not_found("File not found."))?;
    let Download { kind, name, file } = state.chat.open_file(&me.user, id, preview).await?;
    let mut response = Body::from_stream(file.bytes).into_response();
    for (name, value) in download_headers(&kind, &name, file.len) {
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}
