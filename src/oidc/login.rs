//! Starting a sign-in (the authorization URL with PKCE S256, `state` and
//! `nonce`) and reading the provider's redirect back to us.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use super::error::OidcError;

/// What must be kept between sending the person to the provider and their
/// return: in a short-lived server-side row keyed by `state`, or in a
/// cookie sealed with [`super::AttemptSealer`]. Holds a secret (the PKCE
/// verifier), so it is never logged and never put in a URL.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttempt {
    /// Sent to the provider and echoed back; ties the callback to this
    /// browser's attempt (CSRF).
    pub state: String,
    /// Sent to the provider and echoed in the ID token; ties the token to
    /// this attempt (replay).
    pub nonce: String,
    /// The PKCE secret; only its SHA-256 went to the provider.
    pub pkce_verifier: String,
    /// A path to return to after signing in, if the wiring wants one. Not
    /// checked here: keep it a local path.
    pub return_to: Option<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

impl std::fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("state", &self.state)
            .field("return_to", &self.return_to)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Where to send the browser (a 302 to `url`), and what to keep.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub url: Url,
    pub attempt: LoginAttempt,
}

/// 32 random bytes, base64url: 43 characters, inside PKCE's 43–128 and
/// unguessable for `state` and `nonce` alike.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge for `verifier` (RFC 7636, section 4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Makes a fresh attempt and the authorization URL that carries it.
pub(super) fn authorization_request(
    authorization_endpoint: &Url,
    client_id: &str,
    redirect_uri: &str,
    scopes: &str,
    now: i64,
) -> AuthorizationRequest {
    let attempt = LoginAttempt {
        state: random_token(),
        nonce: random_token(),
        pkce_verifier: random_token(),
        return_to: None,
        created_at: now,
    };
    let mut url = authorization_endpoint.clone();
    // Appended, so a query the provider put in its endpoint stays.
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", scopes)
        .append_pair("state", &attempt.state)
        .append_pair("nonce", &attempt.nonce)
        .append_pair("code_challenge", &pkce_challenge(&attempt.pkce_verifier))
        .append_pair("code_challenge_method", "S256");
    AuthorizationRequest { url, attempt }
}

/// The query of the provider's redirect to our callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub code: String,
    pub state: String,
}

impl Callback {
    /// Reads `code` and `state`, or turns the provider's `error` (the
    /// person said no, say) into [`OidcError::Provider`].
    pub fn from_query(query: &str) -> Result<Self, OidcError> {
        let (mut code, mut state, mut error, mut description) = (None, None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            // A repeated parameter is ambiguous; the first would be a guess.
            if slot.replace(value.into_owned()).is_some() {
                return Err(OidcError::BadCallback(format!("{key} is repeated")));
            }
        }
        if let Some(code) = error {
            return Err(OidcError::Provider { code, description });
        }
        match (code, state) {
            (Some(code), Some(state)) if !code.is_empty() => Ok(Self { code, state }),
            (_, None) => Err(OidcError::BadCallback("state is missing".into())),
            _ => Err(OidcError::BadCallback("code is missing".into())),
        }
    }
}

/// True when the callback's `state` is this attempt's. Compared as
/// digests so the time taken says nothing about the expected value.
pub(super) fn state_matches(attempt: &LoginAttempt, state: &str) -> bool {
    Sha256::digest(attempt.state.as_bytes()) == Sha256::digest(state.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_url_carries_pkce_state_and_nonce_but_not_the_verifier() {
        let endpoint = Url::parse("https://id.example/authorize?tenant=t1").unwrap();
        let request = authorization_request(
            &endpoint,
            "natter",
            "https://chat.example/cb",
            "openid email",
            7,
        );
        let query: std::collections::HashMap<_, _> =
            request.url.query_pairs().into_owned().collect();
        let attempt = &request.attempt;
        assert_eq!(query["tenant"], "t1");
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["redirect_uri"], "https://chat.example/cb");
        assert_eq!(query["state"], attempt.state);
        assert_eq!(query["nonce"], attempt.nonce);
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(
            query["code_challenge"],
            pkce_challenge(&attempt.pkce_verifier)
        );
        assert!(!request.url.as_str().contains(&attempt.pkce_verifier));
        assert!(!format!("{attempt:?}").contains(&attempt.pkce_verifier));
        assert_eq!(attempt.pkce_verifier.len(), 43);
        let again =
            authorization_request(&endpoint, "natter", "https://chat.example/cb", "openid", 7);
        assert_ne!(again.attempt.state, attempt.state);
        assert_ne!(again.attempt.nonce, attempt.nonce);
    }

    #[test]
    fn pkce_challenge_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            pkce_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn callbacks_give_the_code_or_the_providers_refusal() {
        let ok = Callback::from_query("code=abc&state=s%2B1&iss=x").unwrap();
        assert_eq!((ok.code.as_str(), ok.state.as_str()), ("abc", "s+1"));
        let denied =
            Callback::from_query("error=access_denied&error_description=no+thanks&state=s");
        assert_eq!(
            denied.unwrap_err().to_string(),
            "the sign-in provider refused: access_denied (no thanks)"
        );
        for bad in [
            "state=s",
            "code=abc",
            "code=&state=s",
            "code=a&code=b&state=s",
        ] {
            assert!(
                matches!(Callback::from_query(bad), Err(OidcError::BadCallback(_))),
                "{bad}"
            );
        }
    }
}
