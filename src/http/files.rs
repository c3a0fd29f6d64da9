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
use super::ranges::{self, Wanted};
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
/// images, audio and video. One byte range (`Range: bytes=…`, with
/// `If-Range` and the `ETag`) is answered 206, so media seek and big
/// downloads resume.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files",
    // No `security`: without a session the answer is 404, as for a
    // stranger (the cookie or bearer token is what makes it readable).
    params(
        ("id" = String, Path, description = "The file's id (from a message's `files`)"),
        ("Range" = Option<String>, Header, description = "One range: `bytes=0-499`, `bytes=500-`, `bytes=-500`"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` the range was taken from; any other value gets the whole file"),
    ),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 206, description = "The range asked for, with `Content-Range`", content_type = "application/octet-stream"),
        (status = 304, description = "`If-None-Match` names this file's `ETag`"),
        (status = 404, body = ErrorBody, description = "No such file, or not one I may read"),
        (status = 416, body = ErrorBody, description = "The range starts past the end; `Content-Range: bytes */length`"),
    ))]
pub async fn download(
    State(state): State<AppState>,
    me: MaybeUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    serve(&state, me, &id, false, &headers).await
}

/// GET /api/v1/files/{id}/preview — an image's preview (JPEG or PNG, at
/// most 480 pixels a side, EXIF removed), to the same readers as the file.
#[utoipa::path(get, path = "/api/v1/files/{id}/preview", tag = "files",
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The preview image", content_type = "image/jpeg"),
        (status = 206, description = "A range of it (as for the file)", content_type = "image/jpeg"),
        (status = 404, body = ErrorBody, description = "No such file or preview, or not one I may read"),
        (status = 416, body = ErrorBody, description = "The range starts past the end"),
    ))]
pub async fn preview(
    State(state): State<AppState>,
    me: MaybeUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    serve(&state, me, &id, true, &headers).await
}

async fn serve(
    state: &AppState,
    me: MaybeUser,
    id: &str,
    preview: bool,
    asked: &HeaderMap,
) -> Result<Response> {
    // No session reads as no file: nothing tells a stranger a file exists.
    let me = me.0.ok_or_else(|| Error::not_found("File not found."))?;
    let download = state.chat.open_file(&me.user, id, preview).await?;
    let etag = ranges::etag_of(download.key.as_str());
    let total = download.file.len;
    let wanted = ranges::wanted(asked, &etag, total);
    let mut response = match wanted {
        Wanted::Whole | Wanted::Part { .. } => {
            let (
                Download {
                    kind, name, file, ..
                },
                part,
            ) = match wanted {
                Wanted::Part { start, len } => {
                    let from = state.chat.reopen_file_from(download, start).await?;
                    let file = from.file.take(len);
                    (Download { file, ..from }, Some((start, len)))
                }
                _ => (download, None),
            };
            let len = file.len;
            let mut response = Body::from_stream(file.bytes).into_response();
            let headers = response.headers_mut();
            for (name, value) in download_headers(&kind, &name, len) {
                headers.insert(name, value);
            }
            if part.is_some() {
                headers.insert(header::CONTENT_RANGE, ranges::content_range(part, total));
            }
            response
        }
        Wanted::Unsatisfiable => {
            let refusal = Error::invalid(
                "range_not_satisfiable",
                format!("The range asked for starts past the end of the file ({total} bytes)."),
            );
            let mut response = refusal.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_RANGE, ranges::content_range(None, total));
            response
        }
        Wanted::NotModified => Body::empty().into_response(),
    };
    *response.status_mut() = ranges::status(wanted);
    ranges::range_headers(response.headers_mut(), etag);
    Ok(response)
}
