//! One configured OpenID provider: its settings, what discovery found, its
//! key cache, and the two steps of a sign-in (begin, finish).

use std::time::Duration;

use url::Url;

use super::claims::{self, Expected, Identity};
use super::discovery::{discover, ProviderMetadata};
use super::error::OidcError;
use super::jwks::{KeyCache, KeyCachePolicy};
use super::jws;
use super::login::{
    authorization_request, state_matches, AuthorizationRequest, Callback, LoginAttempt,
};
use super::token::{exchange, ClientAuth, Exchange};
use crate::outbound::{unix_now, OutboundClient};

/// The admin's settings for one provider.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL, exactly as the provider names itself.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Our callback URL, registered with the provider; the provider sends
    /// the browser back here with `?code=…&state=…`.
    pub redirect_uri: String,
    /// Space-separated; must include `openid`.
    pub scopes: String,
    /// `None`: chosen from what discovery says the provider supports.
    pub client_auth: Option<ClientAuth>,
    /// Clock skew allowed on the token's times.
    pub leeway: Duration,
    /// How long a person may take at the provider before the attempt is
    /// refused as expired.
    pub attempt_max_age: Duration,
    pub keys: KeyCachePolicy,
}

impl OidcConfig {
    /// Settings with the defaults: scopes `openid email profile`, 60 s of
    /// leeway, 10 minutes per attempt.
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
            scopes: "openid email profile".into(),
            client_auth: None,
            leeway: Duration::from_mins(1),
            attempt_max_age: Duration::from_mins(10),
            keys: KeyCachePolicy::default(),
        }
    }
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// A provider ready for sign-ins. Build one at start-up (discovery talks to
/// the provider) and share it (`Arc`) between requests.
pub struct OidcProvider {
    config: OidcConfig,
    metadata: ProviderMetadata,
    auth: ClientAuth,
    keys: KeyCache,
    client: OutboundClient,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("config", &self.config)
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

impl OidcProvider {
    /// Checks the settings and runs discovery through `client` (whose
    /// address policy must allow the provider).
    pub async fn discover(config: OidcConfig, client: OutboundClient) -> Result<Self, OidcError> {
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(OidcError::Config(
                "the client id and secret must be set".into(),
            ));
        }
        if !config.scopes.split(' ').any(|s| s == "openid") {
            return Err(OidcError::Config("the scopes must include openid".into()));
        }
        Url::parse(&config.redirect_uri).map_err(|e| {
            OidcError::Config(format!(
                "the redirect URI {:?} is not a URL: {e}",
                config.redirect_uri
            ))
        })?;
        let metadata = discover(&client, &config.issuer).await?;
        let auth = config.client_auth.unwrap_or_else(|| {
            ClientAuth::preferred(metadata.token_endpoint_auth_methods.as_deref())
        });
        let keys = KeyCache::new(client.clone(), metadata.jwks_uri.clone(), config.keys);
        Ok(Self {
            config,
            metadata,
            auth,
            keys,
            client,
        })
    }

    pub fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    pub fn issuer(&self) -> &str {
        &self.metadata.issuer
    }

    /// Step 1: a fresh attempt and the URL to send the browser to. Keep
    /// `attempt` (sealed cookie or server row) until the callback.
    pub fn begin_login(&self) -> AuthorizationRequest {
        authorization_request(
            &self.metadata.authorization_endpoint,
            &self.config.client_id,
            &self.config.redirect_uri,
            &self.config.scopes,
            unix_now(),
        )
    }

    /// Step 2, on the callback: checks `state` against the attempt and the
    /// attempt's age, trades the code (with the PKCE verifier) for an ID
    /// token and verifies it. The attempt must be discarded afterwards,
    /// whatever the outcome: each is good for one callback.
    pub async fn finish_login(
        &self,
        attempt: &LoginAttempt,
        callback_query: &str,
    ) -> Result<Identity, OidcError> {
        let callback = Callback::from_query(callback_query)?;
        if !state_matches(attempt, &callback.state) {
            return Err(OidcError::StateMismatch);
        }
        let age = unix_now().saturating_sub(attempt.created_at);
        let max_age = i64::try_from(self.config.attempt_max_age.as_secs()).unwrap_or(i64::MAX);
        if !(0..=max_age).contains(&age) {
            return Err(OidcError::AttemptExpired);
        }
        let id_token = exchange(
            &self.client,
            &Exchange {
                token_endpoint: &self.metadata.token_endpoint,
                auth: self.auth,
                client_id: &self.config.client_id,
                client_secret: &self.config.client_secret,
                code: &callback.code,
                redirect_uri: &self.config.redirect_uri,
                pkce_verifier: &attempt.pkce_verifier,
            },
        )
        .await?;
        self.verify_id_token(&id_token, &attempt.nonce).await
    }

    /// Verifies an ID token: an allowed algorithm, a signature by one of the
    /// provider's keys, then issuer, audience (and `azp`), times and nonce.
    pub async fn verify_id_token(&self, token: &str, nonce: &str) -> Result<Identity, OidcError> {
        let signed = jws::parse(token)?;
        self.keys.verify(&signed).await?;
        let expected = Expected {
            issuer: &self.metadata.issuer,
            client_id: &self.config.client_id,
            nonce,
            now: unix_now(),
            leeway: i64::try_from(self.config.leeway.as_secs()).unwrap_or(i64::MAX),
        };
        Ok(claims::check(&signed.payload, &expected)?)
    }
}
