//! Profile routes (issue 17): my display name and avatar, and avatars for
//! any signed-in user (avatars are public within the server).

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::AppState;
use crate::domain::PersonProfile;
use crate::error::{Error, Result};

/// The routes of this file; the avatar upload streams its body under its
/// own limit, not the JSON body limit.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_profile, set_profile))
        .routes(routes!(avatar))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(set_avatar, remove_avatar))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileResponse {
    pub user: PersonProfile,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileRequest {
    /// 1–64 characters after trimming, one line, no control or
    /// text-direction characters; `null` removes it; absent leaves it.
    // Three cases the JSON has: absent, `null` and a name.
    #[allow(clippy::option_option)]
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
}

/// A field that is there, even as `null`, is `Some`.
#[allow(clippy::option_option)]
fn present<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// GET /api/v1/me/profile — my display name and avatar.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "accounts",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse),
        (status = 401, body = ErrorBody, description = "Not signed in"),
    ))]
pub async fn my_profile(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<ProfileResponse>> {
    Ok(Json(ProfileResponse {
        user: state.chat.profile(&me.user).await?,
    }))
}

/// PATCH /api/v1/me/profile — set or remove my display name. Everyone who
/// shares a room with me gets `profile.changed`.
#[utoipa::path(patch, path = "/api/v1/me/profile", tag = "accounts", request_body = ProfileRequest,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse),
        (status = 400, body = ErrorBody, description = "Empty, longer than 64 characters, or with control or text-direction characters"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
    ))]
pub async fn set_profile(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<ProfileRequest>,
) -> Result<Json<ProfileResponse>> {
    let user = match req.display_name {
        Some(name) => {
            state
                .chat
                .set_display_name(&me.user, name.as_deref())
                .await?
        }
        None => state.chat.profile(&me.user).await?,
    };
    Ok(Json(ProfileResponse { user }))
}

/// PUT /api/v1/me/avatar — the body is a JPEG, PNG, GIF or WebP picture
/// (any `Content-Type`; the server looks at the bytes). Its centre square
/// becomes my avatar at 256 and 64 pixels, turned as its EXIF says, with
/// all metadata removed; the picture itself is not kept.
#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "accounts",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The picture's bytes"),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse, description = "The new avatar is in `avatar_url`"),
        (status = 400, body = ErrorBody, description = "Not a JPEG, PNG, GIF or WebP image (SVG is not taken), damaged, or the upload stopped"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 413, body = ErrorBody, description = "Larger than 10 MB (or the upload limit), or more pixels than an image may have"),
        (status = 503, body = ErrorBody, description = "The image workers or the file store are busy; try again"),
    ))]
pub async fn set_avatar(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ProfileResponse>> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let user = state
        .chat
        .set_avatar(&me.user, body.into_data_stream(), declared)
        .await?;
    Ok(Json(ProfileResponse { user }))
}

/// DELETE /api/v1/me/avatar — back to initials.
#[utoipa::path(delete, path = "/api/v1/me/avatar", tag = "accounts",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse),
        (status = 401, body = ErrorBody, description = "Not signed in"),
    ))]
pub async fn remove_avatar(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<ProfileResponse>> {
    Ok(Json(ProfileResponse {
        user: state.chat.remove_avatar(&me.user).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvatarQuery {
    /// `64` for the small avatar; otherwise the 256-pixel one.
    pub size: Option<u32>,
}

/// GET /api/v1/avatars/{key} — an avatar, as `avatar_url` names it, to any
/// signed-in user. The key changes with the picture, so it is cached
/// for a year as immutable.
#[utoipa::path(get, path = "/api/v1/avatars/{key}", tag = "accounts",
    params(("key" = String, Path, description = "From `avatar_url`"), AvatarQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The avatar", content_type = "image/jpeg"),
        (status = 304, description = "`If-None-Match` names it"),
        (status = 400, body = ErrorBody, description = "A size other than 64 or 256"),
        (status = 401, body = ErrorBody, description = "Not signed in"),
        (status = 404, body = ErrorBody, description = "Not a current avatar (replaced or removed)"),
    ))]
pub async fn avatar(
    State(state): State<AppState>,
    _me: CurrentUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<AvatarQuery>,
    asked: HeaderMap,
) -> Result<Response> {
    let small = match q.size {
        None | Some(crate::chat::AVATAR_SIDE) => false,
        Some(crate::chat::AVATAR_SMALL_SIDE) => true,
        Some(_) => {
            return Err(Error::invalid(
                "avatar_size",
                "Avatars come in two sizes: 64 and 256 pixels.",
            ))
        }
    };
    let avatar = state.chat.open_avatar(&key, small).await?;
    let etag = format!("\"{}\"", avatar.key);
    let same = asked
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if same {
        (StatusCode::NOT_MODIFIED, Body::empty()).into_response()
    } else {
        let mut r = Body::from_stream(avatar.file.bytes).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(avatar.file.len));
        if let Ok(mime) = HeaderValue::from_str(&avatar.mime) {
            h.insert(header::CONTENT_TYPE, mime);
        }
        r
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, tag);
    }
    Ok(response)
}
