//! Sign-ins that succeed, and the provider-level behaviour around them:
//! client authentication, key rotation, discovery, state and attempt age.

use std::time::Duration;

use super::idp::{Setup, TestIdp};
use super::keys::TestKey;
use super::{authorize, begun, client, config, provider, sign_in, Begun};
use crate::oidc::{Algorithm, ClientAuth, KeyCachePolicy, OidcError, OidcProvider};
use crate::outbound::{AddressPolicy, OutboundClient, OutboundConfig};

#[tokio::test]
async fn a_person_signs_in_through_the_whole_code_flow_and_gets_the_issuer_subject_pair() {
    let idp = TestIdp::start(Setup::default()).await;
    let provider = provider(&idp).await;
    let identity = sign_in(&provider).await.unwrap();
    assert_eq!(identity.issuer, idp.issuer);
    assert_eq!(identity.subject, "user-248289761001");
    assert_eq!(identity.email.as_deref(), Some("ada@example.org"));
    assert!(identity.email_verified);
    assert_eq!(identity.preferred_username.as_deref(), Some("ada"));
    assert_eq!(identity.name.as_deref(), Some("Ada Lovelace"));
    let seen = idp.seen();
    assert_eq!(
        (seen.token_requests, seen.client_auth.as_slice()),
        (1, &["basic"][..])
    );
    // A second sign-in uses the cached keys.
    sign_in(&provider).await.unwrap();
    assert_eq!(idp.seen().jwks_fetches, 1);
}

#[tokio::test]
async fn tokens_signed_with_every_accepted_algorithm_verify() {
    for alg in Algorithm::ALL {
        let idp = TestIdp::start(Setup {
            published: vec![TestKey::new("k-1", alg)],
            ..Setup::default()
        })
        .await;
        let identity = sign_in(&provider(&idp).await).await;
        assert!(identity.is_ok(), "{alg:?}: {identity:?}");
    }
}

#[tokio::test]
async fn client_secret_post_is_used_when_the_provider_offers_only_that() {
    let idp = TestIdp::start(Setup {
        auth_methods: vec!["client_secret_post"],
        ..Setup::default()
    })
    .await;
    sign_in(&provider(&idp).await).await.unwrap();
    // And a forced method the provider does not take is its refusal, shown.
    let mut forced = config(&idp);
    forced.client_auth = Some(ClientAuth::Basic);
    let provider = OidcProvider::discover(forced, client()).await.unwrap();
    let err = sign_in(&provider).await.unwrap_err();
    assert!(
        matches!(&err, OidcError::Provider { code, .. } if code == "invalid_client"),
        "{err}"
    );
    assert_eq!(idp.seen().client_auth, ["post", "basic"]);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_when_a_token_first_names_it() {
    let idp = TestIdp::start(Setup::default()).await;
    let mut settings = config(&idp);
    settings.keys = KeyCachePolicy {
        min_refetch: Duration::ZERO,
        ..KeyCachePolicy::default()
    };
    let provider = OidcProvider::discover(settings, client()).await.unwrap();
    sign_in(&provider).await.unwrap();
    idp.change(|setup| {
        setup
            .published
            .insert(0, TestKey::new("ec-2", Algorithm::ES256));
    });
    sign_in(&provider).await.unwrap();
    assert_eq!(idp.seen().jwks_fetches, 2);
}

#[tokio::test]
async fn tokens_naming_unknown_keys_refetch_the_keys_at_most_once_per_interval() {
    let stranger = TestKey::new("stranger", Algorithm::ES256);
    let idp = TestIdp::start(Setup {
        tweak: Box::new(move |plan| {
            plan.signer = stranger.clone();
            plan.header["kid"] = "stranger".into();
            plan.header["alg"] = "ES256".into();
        }),
        ..Setup::default()
    })
    .await;
    let provider = provider(&idp).await;
    for _ in 0..3 {
        assert!(sign_in(&provider).await.is_err());
    }
    // The first fetch, and no more inside the default 30 s.
    assert_eq!(idp.seen().jwks_fetches, 1);
}

#[tokio::test]
async fn discovery_refuses_a_provider_that_names_another_issuer() {
    let idp = TestIdp::start(Setup {
        claimed_issuer: Some("https://evil.example".into()),
        ..Setup::default()
    })
    .await;
    let err = OidcProvider::discover(config(&idp), client())
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::Discovery(_)), "{err}");
    assert!(err.to_string().contains("https://evil.example"), "{err}");
    // A trailing slash is another issuer too: the match is exact.
    let idp_ok = TestIdp::start(Setup::default()).await;
    let mut other = config(&idp_ok);
    other.issuer.push('/');
    let err = OidcProvider::discover(other, client()).await.unwrap_err();
    assert!(matches!(err, OidcError::Discovery(_)), "{err}");
}

#[tokio::test]
async fn a_provider_outside_the_allowed_addresses_is_not_contacted() {
    let idp = TestIdp::start(Setup::default()).await;
    let public_only = OutboundClient::new(OutboundConfig {
        policy: AddressPolicy::public_only(),
        ..OutboundConfig::default()
    })
    .unwrap();
    let err = OidcProvider::discover(config(&idp), public_only)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OidcError::Unreachable(ref e) if e.is_refused()),
        "{err}"
    );
}

#[tokio::test]
async fn a_callback_with_another_attempts_state_is_refused_before_any_exchange() {
    let idp = TestIdp::start(Setup::default()).await;
    let provider = provider(&idp).await;
    let mine = provider.begin_login();
    let theirs = provider.begin_login();
    let their_query = authorize(&theirs.url).await;
    let err = provider
        .finish_login(&mine.attempt, &their_query)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::StateMismatch), "{err}");
    assert_eq!(idp.seen().token_requests, 0);
}

#[tokio::test]
async fn an_attempt_older_than_its_limit_is_refused() {
    let Begun {
        idp,
        provider,
        mut request,
        query,
    } = begun().await;
    request.attempt.created_at -= 11 * 60;
    let err = provider
        .finish_login(&request.attempt, &query)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::AttemptExpired), "{err}");
    assert_eq!(idp.seen().token_requests, 0);
}

#[tokio::test]
async fn a_code_is_good_for_one_sign_in() {
    // The provider keeps running while `_idp` lives.
    let Begun {
        idp: _idp,
        provider,
        request,
        query,
    } = begun().await;
    provider
        .finish_login(&request.attempt, &query)
        .await
        .unwrap();
    let err = provider
        .finish_login(&request.attempt, &query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::Provider { code, .. } if code == "invalid_grant"),
        "{err}"
    );
}
