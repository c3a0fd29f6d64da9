//! Extractors: who is asking (`CurrentUser`, `MaybeUser`) and request parts
//! whose failures answer in our JSON error shape (`ApiJson`, `ApiQuery`, `ApiPath`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

use super::AppState;
use crate::chat::{SessionToken, TOKEN_PREFIX};
use crate::domain::{Grant, User};
use crate::error::Error;
use crate::reject::{self, Part, Refusal};

pub const SESSION_COOKIE: &str = "natter_session";
const SESSION_MAX_AGE_SECS: u64 = 400 * 24 * 3600;

/// The signed-in user and the session token they came with; or, for an
/// API token (`natter_...`), the user it acts as and what it may do (the
/// route's scope and room are already checked).
pub struct CurrentUser {
    pub user: User,
    pub token: SessionToken,
    pub grant: Option<Grant>,
}

impl CurrentUser {
    /// Whether a token limited to some rooms leaves `room` out (lists
    /// narrow themselves with this).
    pub fn outside_grant(&self, room: crate::domain::RoomId) -> bool {
        self.grant.as_ref().is_some_and(|g| !g.room_allowed(room))
    }
}

/// A page that works signed in or out. An unknown token counts as signed
/// out here (pages send people to sign in); the API uses `CurrentUser`,
/// which tells an ended session apart from none.
pub struct MaybeUser(pub Option<CurrentUser>);

/// Whether the request carries its credential in `Authorization: Bearer`
/// (not a cookie a browser adds by itself, so no cross-site check needed).
pub fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
}

/// The session token of a request: a bearer token (bots, other clients) or
/// the session cookie (browsers).
fn token_of(headers: &HeaderMap) -> Option<SessionToken> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = auth.strip_prefix("Bearer ") {
            return Some(SessionToken::from_client(token.trim()));
        }
    }
    cookie(headers, SESSION_COOKIE).map(SessionToken::from_client)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token_of(&parts.headers).ok_or_else(|| Error::Unauthenticated {
            code: "signed_out",
            message: "Sign in first.".into(),
        })?;
        if token.expose().starts_with(TOKEN_PREFIX) {
            return api_token(parts, state, token).await;
        }
        match state.chat.authenticate(&token).await? {
            Some(user) => {
                tracing::Span::current().record("user_id", user.id.0); // the access log's
                super::sessions::seen(state, parts, &token);
                Ok(CurrentUser {
                    user,
                    token,
                    grant: None,
                })
            }
            None => Err(Error::Unauthenticated {
                code: "session_ended",
                message: "Your session has ended; sign in again.".into(),
            }),
        }
    }
}

/// A request with an API token: its user, once the token's rate limit,
/// scopes and rooms allow this route.
async fn api_token(
    parts: &Parts,
    state: &AppState,
    token: SessionToken,
) -> Result<CurrentUser, Error> {
    let Some((user, grant)) = state.chat.authenticate_token(token.expose()).await? else {
        return Err(Error::Unauthenticated {
            code: "token_invalid",
            message: "This API token is unknown or has been revoked.".into(),
        });
    };
    tracing::Span::current().record("user_id", user.id.0);
    super::token_scope::check(parts, &grant)?;
    Ok(CurrentUser {
        user,
        token,
        grant: Some(grant),
    })
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = token_of(&parts.headers) else {
            return Ok(MaybeUser(None));
        };
        // Pages are for people: an API token reads as signed out here.
        let user = state.chat.authenticate(&token).await?;
        Ok(MaybeUser(user.map(|user| CurrentUser {
            user,
            token,
            grant: None,
        })))
    }
}

/// `Set-Cookie` for a new session: HttpOnly (scripts never see it),
/// SameSite=Lax (not sent on cross-site posts), Secure behind HTTPS.
pub fn session_cookie(token: &SessionToken, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={SESSION_MAX_AGE_SECS}; HttpOnly; SameSite=Lax{secure}",
        token.expose()
    ))
    .expect("a base64url token is a valid header value")
}

pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("static header value")
}

/// The caller's network address, as a rate-limit key. Set by our
/// connection loop; a request without it (never in practice) shares one key.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        Ok(ClientIp(ip))
    }
}

/// The largest request body, as configured (set by the router), so that a
/// 413 can say what the limit is.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// JSON body whose failures are our errors with a sentence (`reject`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Error::invalid(
                "invalid_content_type",
                "Send the body as JSON with Content-Type: application/json.",
            ));
        }
        let limit = req.extensions().get::<BodyLimit>().copied();
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(limit),
                _ => Error::invalid("invalid_body", "The request body could not be read."),
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body, or Slack's form-encoded `payload=<json>` (what Slack's
/// incoming-webhook clients may send), with `ApiJson`'s errors.
pub struct JsonOrSlackForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonOrSlackForm<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|e| {
                e.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form {
            return ApiJson::from_request(req, state)
                .await
                .map(|ApiJson(t)| Self(t));
        }
        let limit = req.extensions().get::<BodyLimit>().copied();
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(limit),
                _ => Error::invalid("invalid_body", "The request body could not be read."),
            }
        })?;
        let payload = form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == "payload")
            .map(|(_, value)| value.into_owned())
            .ok_or_else(|| {
                Error::invalid(
                    "invalid_body",
                    "A form-encoded post carries its JSON in a `payload` field, as Slack's does.",
                )
            })?;
        parse_json(payload.as_bytes()).map(Self)
    }
}

/// `application/json`, or a `+json` type, with any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5 && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

fn too_large(limit: Option<BodyLimit>) -> Error {
    Error::TooLarge {
        code: "body_too_large",
        message: match limit {
            Some(BodyLimit(bytes)) => {
                format!("The request body is too large: the limit is {bytes} bytes.")
            }
            None => "The request body is too large.".into(),
        },
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid(
            "invalid_json",
            "The request body is empty; send a JSON object.",
        ));
    }
    reject::from_json(bytes, Part::Body).map_err(|refusal| match refusal {
        Refusal::NotJson(why) => Error::invalid("invalid_json", why),
        Refusal::WrongShape(why) => Error::invalid("invalid_body", why),
    })
}

/// Query string whose failures are our errors with a sentence.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                Error::invalid(
                    "invalid_query",
                    reject::wrong_shape(Part::Query, &e.path().to_string(), &e.inner().to_string()),
                )
            })
    }
}

/// Path parameters whose failures are our errors: an id that is not a
/// number names nothing, so it is 404 like any other unknown address.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| Error::not_found("There is nothing at this address."))
    }
}
