//! The token exchange: the authorization code and PKCE verifier traded at
//! the provider's token endpoint for an ID token, the client authenticated
//! with `client_secret_basic` or `client_secret_post`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use url::form_urlencoded::{byte_serialize, Serializer};
use url::Url;

use super::error::OidcError;
use crate::outbound::OutboundClient;

/// How the client proves itself to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the id and secret (the spec's default).
    Basic,
    /// The id and secret in the form body.
    Post,
}

impl ClientAuth {
    /// Basic unless the provider lists only `client_secret_post`.
    pub fn preferred(supported: Option<&[String]>) -> Self {
        match supported {
            Some(methods)
                if !methods.iter().any(|m| m == "client_secret_basic")
                    && methods.iter().any(|m| m == "client_secret_post") =>
            {
                Self::Post
            }
            _ => Self::Basic,
        }
    }
}

/// What the exchange needs to send.
pub(super) struct Exchange<'a> {
    pub token_endpoint: &'a Url,
    pub auth: ClientAuth,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub code: &'a str,
    pub redirect_uri: &'a str,
    pub pkce_verifier: &'a str,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Trades the code for the (not yet verified) ID token.
pub(super) async fn exchange(
    client: &OutboundClient,
    request: &Exchange<'_>,
) -> Result<String, OidcError> {
    let mut form = Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", request.code)
        .append_pair("redirect_uri", request.redirect_uri)
        .append_pair("code_verifier", request.pkce_verifier);
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    match request.auth {
        ClientAuth::Basic => {
            // RFC 6749 section 2.3.1: each part form-encoded, then Basic.
            let id: String = byte_serialize(request.client_id.as_bytes()).collect();
            let secret: String = byte_serialize(request.client_secret.as_bytes()).collect();
            let mut value = HeaderValue::try_from(format!(
                "Basic {}",
                STANDARD.encode(format!("{id}:{secret}"))
            ))
            .map_err(|_| OidcError::Config("the client id or secret cannot be sent".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        ClientAuth::Post => {
            form.append_pair("client_id", request.client_id)
                .append_pair("client_secret", request.client_secret);
        }
    }
    let reply = client
        .post(request.token_endpoint, headers, form.finish().into_bytes())
        .await?;
    if reply.truncated {
        return Err(OidcError::BadResponse(
            "the token response is too large".into(),
        ));
    }
    if reply.status.is_client_error() {
        return Err(match serde_json::from_slice::<ErrorResponse>(&reply.body) {
            Ok(err) => OidcError::Provider {
                code: err.error,
                description: err.error_description,
            },
            Err(_) => {
                OidcError::BadResponse(format!("the token endpoint answered {}", reply.status))
            }
        });
    }
    if !reply.status.is_success() {
        return Err(OidcError::BadResponse(format!(
            "the token endpoint answered {}",
            reply.status
        )));
    }
    let body: TokenResponse = serde_json::from_slice(&reply.body)
        .map_err(|e| OidcError::BadResponse(format!("the token response is not valid: {e}")))?;
    body.id_token
        .ok_or_else(|| OidcError::BadResponse("the token response has no ID token".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_chosen_unless_the_provider_offers_only_post() {
        let list = |m: &[&str]| m.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(ClientAuth::preferred(None), ClientAuth::Basic);
        let both = list(&["client_secret_post", "client_secret_basic"]);
        assert_eq!(ClientAuth::preferred(Some(&both)), ClientAuth::Basic);
        let post = list(&["client_secret_post", "private_key_jwt"]);
        assert_eq!(ClientAuth::preferred(Some(&post)), ClientAuth::Post);
    }
}
