//! The one error type of the server. Use-cases and storage speak it; the HTTP
//! layer turns each variant into a status in exactly one place (`http::error`).

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is malformed or breaks a rule (400).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// No session, or the session has ended (401).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// Signed in, but this action is not yours to take (403).
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or present but not visible to this user: the two look the same
    /// so that private rooms do not leak (404).
    #[error("{0}")]
    NotFound(String),
    /// Addressed to a host name this server does not answer for (421).
    #[error("{0}")]
    WrongHost(String),
    /// The address exists, but not for this method (405).
    #[error("This address does not answer {0} requests.")]
    MethodNotAllowed(String),
    /// Clashes with what is stored (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Too large (413).
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    /// Slow down (429, with Retry-After).
    #[error("Too many requests; try again in {} s.", seconds_up(*retry_after))]
    RateLimited { retry_after: Duration },
    /// A cap on how many of something one may hold (429).
    #[error("{message}")]
    TooMany { code: &'static str, message: String },
    /// The server cannot take writes right now (503).
    #[error("{0}")]
    Unavailable(String),
    /// A service the request depends on (a slash command's URL) failed or
    /// did not answer in time (502).
    #[error("{message}")]
    Upstream { code: &'static str, message: String },
    /// A bug or an outage; logged in full, shown as a generic sentence (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whole seconds, rounded up and at least 1: what `Retry-After` says, so
/// that a client waiting exactly that long is let through.
pub fn seconds_up(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

impl Error {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn room_not_found() -> Self {
        Self::NotFound("Room not found.".into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { code, .. }
            | Error::Unauthenticated { code, .. }
            | Error::Conflict { code, .. }
            | Error::TooLarge { code, .. }
            | Error::TooMany { code, .. }
            | Error::Upstream { code, .. } => code,
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::MethodNotAllowed(_) => "method_not_allowed",
            Error::WrongHost(_) => "wrong_host",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    /// The sentence to show: the error itself, except for internal errors,
    /// whose cause chain goes to the log and never to the client.
    pub fn public_message(&self) -> String {
        match self {
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                "Something went wrong on the server; it has been logged.".to_owned()
            }
            other => other.to_string(),
        }
    }
}
