//! The checks on an ID token's claims once its signature holds (OpenID
//! Connect Core 1.0, section 3.1.3.7), and the [`Identity`] they yield.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::TokenRefusal;

/// Who signed in, as the provider vouches for it.
///
/// **Link accounts by `(issuer, subject)` and nothing else.** The subject is
/// the provider's stable, never-reassigned id for the person. `email` and
/// `preferred_username` are profile data the person (or another tenant of
/// the provider) can change or make collide with someone else's, so they
/// may pre-fill a new account's name but must never select an existing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The provider's issuer URL, exactly as configured.
    pub issuer: String,
    /// The provider's id for the person (at most 255 characters).
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider says it checked `email`.
    pub email_verified: bool,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
}

/// What this sign-in expects of the token.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Now, in seconds since the epoch.
    pub now: i64,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    pub leeway: i64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Some providers send `email_verified` as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Audience,
    #[serde(default)]
    azp: Option<String>,
    exp: f64,
    iat: f64,
    #[serde(default)]
    nbf: Option<f64>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Flag>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// Checks the claims of a token whose signature has been verified.
pub fn check(payload: &[u8], expected: &Expected<'_>) -> Result<Identity, TokenRefusal> {
    let claims: Claims = serde_json::from_slice(payload).map_err(|e| {
        TokenRefusal::Malformed(format!("its claims are missing or of the wrong type: {e}"))
    })?;
    if claims.iss != expected.issuer {
        return Err(TokenRefusal::WrongIssuer {
            expected: expected.issuer.to_owned(),
            found: claims.iss,
        });
    }
    let audiences = match claims.aud {
        Audience::One(one) => vec![one],
        Audience::Many(many) => many,
    };
    if !audiences.iter().any(|a| a == expected.client_id) {
        return Err(TokenRefusal::WrongAudience);
    }
    // With several audiences the token must say it was issued to us; an
    // `azp` naming another client is wrong whatever the audience.
    let azp_ok = match claims.azp.as_deref() {
        Some(azp) => azp == expected.client_id,
        None => audiences.len() == 1,
    };
    if !azp_ok {
        return Err(TokenRefusal::WrongAuthorizedParty);
    }
    #[allow(clippy::cast_precision_loss)]
    let (now, leeway) = (expected.now as f64, expected.leeway as f64);
    if now >= claims.exp + leeway {
        return Err(TokenRefusal::Expired);
    }
    if claims.nbf.is_some_and(|nbf| now + leeway < nbf) {
        return Err(TokenRefusal::NotYetValid);
    }
    if claims.iat > now + leeway {
        return Err(TokenRefusal::IssuedInFuture);
    }
    // Compared as digests so the time taken says nothing about the nonce.
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    match claims.nonce.as_deref() {
        Some(nonce) if digest(nonce) == digest(expected.nonce) => {}
        _ => return Err(TokenRefusal::WrongNonce),
    }
    if claims.sub.is_empty() || claims.sub.len() > 255 || claims.sub.chars().any(char::is_control) {
        return Err(TokenRefusal::BadSubject);
    }
    Ok(Identity {
        issuer: claims.iss,
        subject: claims.sub,
        email: claims.email,
        email_verified: match claims.email_verified {
            Some(Flag::Bool(flag)) => flag,
            Some(Flag::Text(text)) => text == "true",
            None => false,
        },
        preferred_username: claims.preferred_username,
        name: claims.name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const NOW: i64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://id.example",
            client_id: "natter",
            nonce: "n-1",
            now: NOW,
            leeway: 60,
        }
    }

    fn claims(change: impl FnOnce(&mut Value)) -> Result<Identity, TokenRefusal> {
        let mut claims = json!({
            "iss": "https://id.example", "sub": "248289761001", "aud": "natter",
            "exp": NOW + 300, "iat": NOW - 10, "nonce": "n-1",
            "email": "ada@example.org", "email_verified": true, "name": "Ada",
        });
        change(&mut claims);
        check(claims.to_string().as_bytes(), &expected())
    }

    #[test]
    fn a_good_token_yields_the_issuer_subject_pair_and_profile() {
        let id = claims(|_| {}).unwrap();
        assert_eq!(
            (id.issuer.as_str(), id.subject.as_str()),
            ("https://id.example", "248289761001")
        );
        assert_eq!(
            (id.email.as_deref(), id.email_verified),
            (Some("ada@example.org"), true)
        );
        assert_eq!(
            (id.name.as_deref(), id.preferred_username),
            (Some("Ada"), None)
        );
        let id = claims(|c| c["email_verified"] = json!("false")).unwrap();
        assert!(!id.email_verified);
    }

    #[test]
    fn several_audiences_need_an_azp_naming_this_client() {
        let many = json!(["natter", "other"]);
        assert!(claims(|c| c["aud"] = many.clone())
            .is_err_and(|e| e == TokenRefusal::WrongAuthorizedParty));
        assert!(claims(|c| {
            c["aud"] = many.clone();
            c["azp"] = json!("natter");
        })
        .is_ok());
        assert_eq!(
            claims(|c| c["azp"] = json!("other")),
            Err(TokenRefusal::WrongAuthorizedParty)
        );
        assert_eq!(
            claims(|c| c["aud"] = json!(["other"])),
            Err(TokenRefusal::WrongAudience)
        );
    }

    #[test]
    fn times_are_checked_with_the_leeway_and_no_more() {
        assert!(claims(|c| c["exp"] = json!(NOW - 59)).is_ok());
        assert_eq!(
            claims(|c| c["exp"] = json!(NOW - 60)),
            Err(TokenRefusal::Expired)
        );
        assert!(claims(|c| c["nbf"] = json!(NOW + 60)).is_ok());
        assert_eq!(
            claims(|c| c["nbf"] = json!(NOW + 61)),
            Err(TokenRefusal::NotYetValid)
        );
        assert_eq!(
            claims(|c| c["iat"] = json!(NOW + 61)),
            Err(TokenRefusal::IssuedInFuture)
        );
        assert!(claims(|c| c["exp"] = json!(1.8e9 + 300.5)).is_ok());
    }

    #[test]
    fn missing_claims_and_odd_subjects_are_refused() {
        for name in ["iss", "sub", "aud", "exp", "iat"] {
            let err = claims(|c| {
                c.as_object_mut().unwrap().remove(name);
            });
            assert!(matches!(err, Err(TokenRefusal::Malformed(_))), "{name}");
        }
        let no_nonce = claims(|c| {
            c.as_object_mut().unwrap().remove("nonce");
        });
        assert_eq!(no_nonce, Err(TokenRefusal::WrongNonce));
        assert_eq!(
            claims(|c| c["sub"] = json!("")),
            Err(TokenRefusal::BadSubject)
        );
        assert_eq!(
            claims(|c| c["sub"] = json!("x".repeat(256))),
            Err(TokenRefusal::BadSubject)
        );
        assert_eq!(
            claims(|c| c["sub"] = json!("a\nb")),
            Err(TokenRefusal::BadSubject)
        );
    }
}
