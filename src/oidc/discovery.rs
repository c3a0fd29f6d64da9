//! OpenID Provider discovery: the issuer URL the admin configured, the
//! `/.well-known/openid-configuration` document, and the checks that make
//! its endpoints safe to use.

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::{Host, Url};

use super::error::OidcError;
use crate::outbound::{is_localhost_name, parse_target, OutboundClient};

/// The provider's endpoints and capabilities, as discovery found them.
#[derive(Debug, Clone)]
pub struct ProviderMetadata {
    /// Exactly the configured issuer (discovery refuses any other).
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    /// `None` when the document does not say (the spec's default is
    /// `client_secret_basic`).
    pub token_endpoint_auth_methods: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Document {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    response_types_supported: Option<Vec<String>>,
}

/// Checks an issuer URL as the admin typed it: https (http only on this
/// machine, for development), a host, no query or fragment. The text is
/// kept as typed, since ID tokens must name it exactly.
pub fn parse_issuer(issuer: &str) -> Result<Url, OidcError> {
    let url = secure_url("issuer", issuer).map_err(OidcError::Config)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(OidcError::Config(format!(
            "the issuer {issuer:?} must not have a query or fragment"
        )));
    }
    Ok(url)
}

/// Fetches and checks the provider's discovery document.
pub async fn discover(
    client: &OutboundClient,
    issuer: &str,
) -> Result<ProviderMetadata, OidcError> {
    parse_issuer(issuer)?;
    // OpenID Connect Discovery 1.0, section 4: drop a trailing `/` before
    // appending the well-known path.
    let address = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let url = Url::parse(&address).map_err(|e| OidcError::Config(e.to_string()))?;
    let doc: Document = get_json(client, &url, "discovery document").await?;
    // Section 4.3: the issuer in the document must be identical to the one
    // asked for, or a provider could speak for another.
    if doc.issuer != issuer {
        return Err(OidcError::Discovery(format!(
            "it names its issuer {:?}, but the configured issuer is {issuer:?}",
            doc.issuer
        )));
    }
    if let Some(methods) = &doc.code_challenge_methods_supported {
        if !methods.iter().any(|m| m == "S256") {
            return Err(OidcError::Discovery(
                "it does not support PKCE with S256".into(),
            ));
        }
    }
    if let Some(types) = &doc.response_types_supported {
        if !types.iter().any(|t| t == "code") {
            return Err(OidcError::Discovery(
                "it does not support the authorization code flow".into(),
            ));
        }
    }
    let endpoint = |name, text: &str| secure_url(name, text).map_err(OidcError::Discovery);
    Ok(ProviderMetadata {
        authorization_endpoint: endpoint("authorization_endpoint", &doc.authorization_endpoint)?,
        token_endpoint: endpoint("token_endpoint", &doc.token_endpoint)?,
        jwks_uri: endpoint("jwks_uri", &doc.jwks_uri)?,
        token_endpoint_auth_methods: doc.token_endpoint_auth_methods_supported,
        issuer: doc.issuer,
    })
}

/// An absolute URL that is https, or http to this machine only: secrets
/// and tokens never cross a network in the clear.
fn secure_url(name: &str, text: &str) -> Result<Url, String> {
    let url = parse_target(text).map_err(|e| format!("{name}: {e}"))?;
    let local = match url.host() {
        Some(Host::Domain(host)) => is_localhost_name(host),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() != "https" && !local {
        return Err(format!("{name} {text:?} must use https"));
    }
    Ok(url)
}

/// GETs a JSON document through the guarded client: a 200 with a whole
/// body (not cut at the client's size cap) that parses as `T`.
pub(super) async fn get_json<T: DeserializeOwned>(
    client: &OutboundClient,
    url: &Url,
    what: &str,
) -> Result<T, OidcError> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let reply = client.get(url, headers).await?;
    if !reply.status.is_success() {
        return Err(OidcError::Discovery(format!(
            "its {what} at {url} answered {}",
            reply.status
        )));
    }
    if reply.truncated {
        return Err(OidcError::Discovery(format!("its {what} is too large")));
    }
    serde_json::from_slice(&reply.body)
        .map_err(|e| OidcError::Discovery(format!("its {what} is not valid: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_use_https_unless_on_this_machine() {
        assert!(parse_issuer("https://id.example.com").is_ok());
        assert!(parse_issuer("https://id.example.com/realms/team").is_ok());
        assert!(parse_issuer("http://127.0.0.1:8081").is_ok());
        assert!(parse_issuer("http://localhost:8081/realms/dev").is_ok());
        for bad in [
            "http://id.example.com",
            "ftp://id.example.com",
            "https://user:pw@id.example.com",
            "https://id.example.com/?tenant=1",
            "id.example.com",
        ] {
            let err = parse_issuer(bad).unwrap_err();
            assert!(matches!(err, OidcError::Config(_)), "{bad}: {err}");
        }
    }
}
