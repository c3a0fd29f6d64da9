//! What can go wrong signing in with an OpenID provider, split by who can
//! fix it: the admin's configuration, the provider, or this one attempt.

use crate::outbound::OutboundError;

/// Why an ID token was refused. Every one of these ends the sign-in: a
/// token that fails any check proves nothing about who is signing in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("the ID token is malformed: {0}")]
    Malformed(String),
    /// `none`, HMAC algorithms and anything else outside the allow list.
    #[error("the ID token is signed with {0:?}, which is not accepted")]
    UnsupportedAlgorithm(String),
    /// No key in the provider's JWKS (even after fetching it again) has the
    /// token's `kid` and algorithm.
    #[error("the ID token is signed with a key the provider does not publish")]
    UnknownKey,
    #[error("the ID token's signature does not verify")]
    BadSignature,
    #[error("the ID token was issued by {found:?}, not by {expected:?}")]
    WrongIssuer { expected: String, found: String },
    #[error("the ID token is not meant for this server (audience)")]
    WrongAudience,
    /// Several audiences and `azp` is missing or names another client.
    #[error("the ID token was not issued to this server (authorized party)")]
    WrongAuthorizedParty,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token is not valid yet")]
    NotYetValid,
    #[error("the ID token claims to be issued in the future")]
    IssuedInFuture,
    /// Missing, or not the nonce of this login attempt (a replayed token).
    #[error("the ID token does not belong to this sign-in (nonce)")]
    WrongNonce,
    #[error("the ID token has no usable subject")]
    BadSubject,
}

/// A sign-in that did not complete.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The admin's settings cannot work (a bad issuer URL, say).
    #[error("OpenID Connect settings: {0}")]
    Config(String),
    /// The provider's discovery document or keys are unusable.
    #[error("the sign-in provider's configuration is unusable: {0}")]
    Discovery(String),
    /// The provider answered in a way we cannot use (a 5xx, or a token
    /// response without an ID token).
    #[error("the sign-in provider answered in a way we cannot use: {0}")]
    BadResponse(String),
    /// The provider could not be reached (or its address is not allowed).
    #[error("the sign-in provider could not be reached: {0}")]
    Unreachable(#[from] OutboundError),
    /// The provider answered with an OAuth error (`access_denied` when the
    /// person said no, `invalid_grant` for a bad code or PKCE verifier).
    #[error("the sign-in provider refused: {code}{}", describe(.description.as_deref()))]
    Provider {
        code: String,
        description: Option<String>,
    },
    /// The callback's `state` is not this browser's login attempt: a forged
    /// or crossed callback.
    #[error("this sign-in was not started from this browser; please start again")]
    StateMismatch,
    /// The login attempt is too old, or its sealed form was tampered with.
    #[error("this sign-in has expired; please start again")]
    AttemptExpired,
    /// The callback has neither a code nor an error.
    #[error("the sign-in callback is malformed: {0}")]
    BadCallback(String),
    #[error(transparent)]
    Token(#[from] TokenRefusal),
}

fn describe(description: Option<&str>) -> String {
    description.map(|d| format!(" ({d})")).unwrap_or_default()
}

/// A failed attempt is the person's to retry (401 with the sentence); a
/// provider that cannot be used is the admin's to fix, so it is logged and
/// shown as unavailable.
impl From<OidcError> for crate::error::Error {
    fn from(err: OidcError) -> Self {
        match err {
            OidcError::Config(_)
            | OidcError::Discovery(_)
            | OidcError::BadResponse(_)
            | OidcError::Unreachable(_) => {
                tracing::warn!(error = %err, "OpenID Connect sign-in unavailable");
                Self::Unavailable(
                    "Signing in with the identity provider is unavailable right now.".into(),
                )
            }
            other => Self::Unauthenticated {
                code: "oidc_sign_in_failed",
                message: format!("Sign-in failed: {other}."),
            },
        }
    }
}
