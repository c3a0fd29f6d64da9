//! The one place an `Error` becomes an HTTP status and a JSON body:
//! `{"error":{"code":"...","message":"..."}}`.

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{seconds_up, Error};

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `username_taken`, `not_found`, ...
    pub code: String,
    /// A sentence for a person.
    pub message: String,
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Invalid { .. } => StatusCode::BAD_REQUEST,
            Error::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::WrongHost(_) => StatusCode::MISDIRECTED_REQUEST,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited { .. } | Error::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = self.public_message();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::RateLimited { retry_after } = self {
            if let Ok(v) = HeaderValue::from_str(&seconds_up(retry_after).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// The answer for an address no route serves.
pub async fn no_route() -> Error {
    Error::not_found("There is nothing at this address.")
}

/// The answer for a route asked with a method it does not take (axum adds
/// the `Allow` header with the ones it does).
pub async fn wrong_method(method: Method) -> Error {
    Error::MethodNotAllowed(method.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        for (wait_ms, header) in [(1, "1"), (1000, "1"), (1001, "2"), (1999, "2"), (6000, "6")] {
            let response = Error::RateLimited {
                retry_after: Duration::from_millis(wait_ms),
            }
            .into_response();
            assert_eq!(
                response.headers()[header::RETRY_AFTER],
                header,
                "{wait_ms} ms"
            );
        }
    }
}
