//! Every ID token (or exchange) that must not sign anyone in, each made by
//! the test provider in the otherwise complete flow.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::json;

use super::idp::{Setup, TestIdp, TokenPlan, CLIENT_SECRET};
use super::keys::TestKey;
use super::{begun, provider, sign_in, Begun};
use crate::oidc::{Algorithm, OidcError, TokenRefusal};
use crate::outbound::unix_now;

/// Signs in against a provider whose tokens `tweak` changes.
async fn refused(tweak: impl Fn(&mut TokenPlan) + Send + Sync + 'static) -> OidcError {
    let idp = TestIdp::start(Setup {
        tweak: Box::new(tweak),
        ..Setup::default()
    })
    .await;
    sign_in(&provider(&idp).await).await.unwrap_err()
}

async fn refused_token(tweak: impl Fn(&mut TokenPlan) + Send + Sync + 'static) -> TokenRefusal {
    match refused(tweak).await {
        OidcError::Token(refusal) => refusal,
        other => panic!("expected a token refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let refusal = refused_token(|plan| plan.claims["iss"] = json!("https://evil.example")).await;
    assert!(
        matches!(refusal, TokenRefusal::WrongIssuer { ref found, .. } if found == "https://evil.example")
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let refusal = refused_token(|plan| plan.claims["aud"] = json!("someone-else")).await;
    assert_eq!(refusal, TokenRefusal::WrongAudience);
}

#[tokio::test]
async fn a_token_with_another_nonce_is_refused() {
    let refusal = refused_token(|plan| plan.claims["nonce"] = json!("replayed-nonce")).await;
    assert_eq!(refusal, TokenRefusal::WrongNonce);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let refusal = refused_token(|plan| {
        let now = unix_now();
        plan.claims["iat"] = json!(now - 900);
        plan.claims["exp"] = json!(now - 120);
    })
    .await;
    assert_eq!(refusal, TokenRefusal::Expired);
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let refusal = refused_token(|plan| plan.claims["nbf"] = json!(unix_now() + 600)).await;
    assert_eq!(refusal, TokenRefusal::NotYetValid);
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_published_kid_is_refused() {
    let impostor = TestKey::new("rsa-1", Algorithm::ES256);
    let refusal = refused_token(move |plan| {
        // The published RSA key's kid, but an EC key's signature: no key of
        // the provider with that kid suits ES256.
        plan.signer = impostor.clone();
        plan.header["alg"] = json!("ES256");
    })
    .await;
    assert_eq!(refusal, TokenRefusal::UnknownKey);
}

#[tokio::test]
async fn a_token_with_a_bad_signature_is_refused() {
    let impostor = TestKey::new("ec-1", Algorithm::ES256);
    let idp = TestIdp::start(Setup {
        published: vec![TestKey::new("ec-1", Algorithm::ES256)],
        tweak: Box::new(move |plan| plan.signer = impostor.clone()),
        ..Setup::default()
    })
    .await;
    let err = sign_in(&provider(&idp).await).await.unwrap_err();
    assert!(
        matches!(err, OidcError::Token(TokenRefusal::BadSignature)),
        "{err}"
    );
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_is_refused() {
    let Begun {
        idp,
        provider,
        request,
        query,
    } = begun().await;
    let identity = provider
        .finish_login(&request.attempt, &query)
        .await
        .unwrap();
    assert_eq!(identity.subject, "user-248289761001");
    // Re-sign nothing: take a genuine token and swap its payload.
    let key = TestKey::new("rsa-1", Algorithm::RS256);
    let header = json!({"alg": "RS256", "kid": "rsa-1"});
    let claims = json!({"iss": idp.issuer, "sub": "user-1", "aud": super::CLIENT_ID,
                        "iat": unix_now(), "exp": unix_now() + 60, "nonce": request.attempt.nonce});
    let genuine = super::idp::sign(&TokenPlan {
        header,
        claims: claims.clone(),
        signer: key,
        unsigned: false,
    });
    let (head, rest) = genuine.split_once('.').unwrap();
    let sig = rest.split_once('.').unwrap().1;
    let mut forged_claims = claims;
    forged_claims["sub"] = json!("admin");
    let forged = format!(
        "{head}.{}.{sig}",
        URL_SAFE_NO_PAD.encode(forged_claims.to_string())
    );
    assert!(provider
        .verify_id_token(&genuine, &request.attempt.nonce)
        .await
        .is_ok());
    let err = provider
        .verify_id_token(&forged, &request.attempt.nonce)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OidcError::Token(TokenRefusal::BadSignature)),
        "{err}"
    );
}

#[tokio::test]
async fn a_token_signed_with_a_key_the_provider_does_not_publish_is_refused() {
    let stranger = TestKey::new("stranger", Algorithm::RS256);
    let refusal = refused_token(move |plan| {
        plan.signer = stranger.clone();
        plan.header["kid"] = json!("stranger");
    })
    .await;
    assert_eq!(refusal, TokenRefusal::UnknownKey);
}

#[tokio::test]
async fn an_unsigned_token_with_alg_none_is_refused() {
    let refusal = refused_token(|plan| plan.unsigned = true).await;
    assert_eq!(refusal, TokenRefusal::UnsupportedAlgorithm("none".into()));
}

#[tokio::test]
async fn a_token_signed_with_the_client_secret_as_hmac_is_refused() {
    let Begun {
        idp,
        provider,
        request,
        ..
    } = begun().await;
    let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!(
        "{}.{}",
        enc(&json!({"alg": "HS256", "kid": "rsa-1"})),
        enc(
            &json!({"iss": idp.issuer, "sub": "x", "aud": super::CLIENT_ID,
                    "iat": unix_now(), "exp": unix_now() + 60, "nonce": request.attempt.nonce})
        )
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let token = format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let err = provider
        .verify_id_token(&token, &request.attempt.nonce)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OidcError::Token(TokenRefusal::UnsupportedAlgorithm(ref a)) if a == "HS256"),
        "{err}"
    );
}

#[tokio::test]
async fn a_pkce_verifier_that_does_not_match_the_challenge_gets_no_token() {
    let Begun {
        idp,
        provider,
        mut request,
        query,
    } = begun().await;
    // An attacker holding a stolen code but not this browser's verifier.
    request.attempt.pkce_verifier = "x".repeat(43);
    let err = provider
        .finish_login(&request.attempt, &query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::Provider { code, .. } if code == "invalid_grant"),
        "{err}"
    );
    assert_eq!(idp.seen().token_requests, 1);
}

#[tokio::test]
async fn a_person_who_declines_at_the_provider_gets_its_reason() {
    let Begun {
        idp: _idp,
        provider,
        request,
        ..
    } = begun().await;
    let query = format!("error=access_denied&state={}", request.attempt.state);
    let err = provider
        .finish_login(&request.attempt, &query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::Provider { code, .. } if code == "access_denied"),
        "{err}"
    );
    let shown = crate::error::Error::from(err);
    assert_eq!(shown.code(), "oidc_sign_in_failed");
}
