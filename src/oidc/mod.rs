//! Sign in with OpenID Connect: discovery, the authorization-code flow with
//! PKCE (S256), `state` and `nonce`, the token exchange, and ID-token
//! verification against the provider's JWKS. Knows nothing of storage,
//! sessions or routes: it answers "who is this, according to the provider".
//!
//! # How the wiring uses it (issue 18)
//!
//! ```text
//! start-up:  let client = OutboundClient::new(OutboundConfig {
//!                policy: <allows the issuer's address>, max_redirects: 0, .. })?;
//!            let provider = Arc::new(OidcProvider::discover(
//!                OidcConfig::new(issuer, client_id, client_secret,
//!                                "https://chat.example/api/v1/auth/oidc/callback"),
//!                client).await?);                  // Err: one sentence, exit non-zero
//!            let sealer = AttemptSealer::new(&server_secret_32_bytes)?;
//! GET  /api/v1/auth/oidc/start:
//!            let AuthorizationRequest { url, attempt } = provider.begin_login();
//!            Set-Cookie: natter_oidc=<sealer.seal(&attempt)>; HttpOnly; Secure;
//!                        SameSite=Lax; Path=/api/v1/auth/oidc; Max-Age=600
//!            302 Location: url
//! GET  /api/v1/auth/oidc/callback?code=…&state=…:
//!            let attempt = sealer.open(cookie)?;     // then clear the cookie
//!            let identity = provider.finish_login(&attempt, raw_query).await?;
//!            store: user_for_identity(identity.issuer, identity.subject)
//!                   -> existing user: sign in; none: create one (name from
//!                      preferred_username / email, made unique), link, sign in
//! errors:    crate::error::Error::from(OidcError) — 401 for this attempt,
//!            503 (logged) when the provider is unusable.
//! ```
//!
//! `SameSite=Lax` matters: the callback is a top-level GET from the
//! provider's site, which `Strict` would send without the cookie. Instead
//! of a cookie the attempt may be kept server-side keyed by `state` (it is
//! `Serialize`); either way it is good for one callback and 10 minutes.
//!
//! # Linking accounts
//! **Link by `(issuer, subject)`, never by email or username.** `sub` is
//! the provider's stable id for the person; `email`, `preferred_username`
//! and `name` are profile data that can change, and at a multi-tenant
//! provider another person can choose the same value. Matching an existing
//! account by one of those would hand that account to whoever claims the
//! name. Store the pair in its own table with a unique index; show email and
//! name only as profile data. An existing password account is linked only
//! while its owner is signed in (an explicit "link" action), never by
//! matching names.
//!
//! # What is checked, and why
//! - Discovery: `issuer` in the document equals the configured issuer
//!   exactly; endpoints https (http only to this machine, for development);
//!   PKCE S256 and the code flow supported when the document lists methods.
//! - Callback: `state` equals the attempt's (CSRF); the attempt is at most
//!   `attempt_max_age` old; the provider's `error` is shown, not ignored.
//! - Token exchange: code + `code_verifier` + `redirect_uri`, the client
//!   authenticated by `client_secret_basic` (default) or `_post` (when the
//!   provider offers only that, or [`OidcConfig::client_auth`] says so).
//! - ID token: an allowed algorithm (RS256/384/512, PS256, ES256, ES384;
//!   never `none` or HMAC), a signature by a key of the provider's JWKS
//!   with the token's `kid` (JWKS cached; fetched again on an unknown `kid`
//!   at most every 30 s, and after an hour regardless), then `iss`, `aud`
//!   (and `azp` with several audiences), `exp` / `nbf` / `iat` with 60 s of
//!   leeway, `nonce`, and a non-empty `sub` of at most 255 characters.
//!   `at_hash` is not checked: the token comes straight from the token
//!   endpoint over TLS and the access token is not used.
//!
//! # Crates
//! Signatures are checked with `ring`, already built for rustls, so no new
//! crate: its RSA (PKCS#1 v1.5 and PSS, 2048–8192 bits) and ECDSA P-256 /
//! P-384 verifiers are the ones TLS trusts here. `jsonwebtoken` was passed
//! over: version 10 makes one pick aws-lc (a CMake build) or the `rsa`
//! crate, and the claims it checks are not OpenID's (no `nonce`, no `azp`),
//! so it would have saved little of this code. Outgoing HTTP goes through
//! [`crate::outbound::OutboundClient`] (SSRF guard, timeouts, size caps).

mod claims;
mod discovery;
mod error;
mod jwks;
mod jws;
mod login;
mod provider;
mod seal;
mod token;

#[cfg(test)]
mod tests;

pub use claims::Identity;
pub use discovery::{discover, parse_issuer, ProviderMetadata};
pub use error::{OidcError, TokenRefusal};
pub use jwks::KeyCachePolicy;
pub use jws::Algorithm;
pub use login::{pkce_challenge, AuthorizationRequest, Callback, LoginAttempt};
pub use provider::{OidcConfig, OidcProvider};
pub use seal::AttemptSealer;
pub use token::ClientAuth;
