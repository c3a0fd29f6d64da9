//! Sign-ins against a real OpenID provider that the tests run on loopback,
//! through the real guarded outbound client: the whole flow, and every
//! refusal a tampered, misdirected or replayed token must meet.

mod flow;
mod idp;
mod keys;
mod refusals;

use url::Url;

use crate::oidc::{AuthorizationRequest, Identity, OidcConfig, OidcError, OidcProvider};
use crate::outbound::{AddressPolicy, OutboundClient, OutboundConfig};
use idp::{Setup, TestIdp, CLIENT_ID, CLIENT_SECRET};

pub(crate) const REDIRECT_URI: &str = "https://chat.example/api/v1/auth/oidc/callback";

/// The outbound client as the wiring makes it: the admin's allow list
/// holds the provider's address (loopback here).
fn client() -> OutboundClient {
    OutboundClient::new(OutboundConfig {
        policy: AddressPolicy::parse(&["127.0.0.0/8"]).unwrap(),
        ..OutboundConfig::default()
    })
    .unwrap()
}

fn config(idp: &TestIdp) -> OidcConfig {
    OidcConfig::new(&idp.issuer, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
}

async fn provider(idp: &TestIdp) -> OidcProvider {
    OidcProvider::discover(config(idp), client()).await.unwrap()
}

/// What a browser does: open the authorization URL, take the redirect's
/// query (the provider's answer) without following it.
async fn authorize(url: &Url) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let reply = browser.get(url.clone()).send().await.unwrap();
    assert_eq!(
        reply.status(),
        reqwest::StatusCode::SEE_OTHER,
        "{:?}",
        reply.text().await
    );
    let location = reply.headers()["location"].to_str().unwrap();
    let back = Url::parse(location).unwrap();
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    back.query().unwrap_or_default().to_owned()
}

/// A provider with default settings and a sign-in begun at it whose
/// redirect came back: the test finishes it, or tampers with it first.
struct Begun {
    idp: TestIdp,
    provider: OidcProvider,
    request: AuthorizationRequest,
    query: String,
}

async fn begun() -> Begun {
    let idp = TestIdp::start(Setup::default()).await;
    let provider = provider(&idp).await;
    let request = provider.begin_login();
    let query = authorize(&request.url).await;
    Begun {
        idp,
        provider,
        request,
        query,
    }
}

/// A whole sign-in: begin, the provider's redirect, finish.
async fn sign_in(provider: &OidcProvider) -> Result<Identity, OidcError> {
    let request = provider.begin_login();
    let query = authorize(&request.url).await;
    provider.finish_login(&request.attempt, &query).await
}
