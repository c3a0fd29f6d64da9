//! A small OpenID provider on loopback for the tests: discovery, JWKS, an
//! authorize endpoint that redirects back with a code, and a token endpoint
//! that checks the client, the code, the redirect URI and the PKCE verifier
//! before returning a signed ID token carrying the nonce. Tests bend what
//! it does through [`TokenPlan`] and [`Setup`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

use super::keys::TestKey;
use crate::oidc::{pkce_challenge, Algorithm};
use crate::outbound::unix_now;

pub(crate) const CLIENT_ID: &str = "natter-test";
pub(crate) const CLIENT_SECRET: &str = "s3cret:with/odd&chars";

/// The ID token the token endpoint will make: change it to test refusals.
pub(crate) struct TokenPlan {
    pub header: Value,
    pub claims: Value,
    pub signer: Arc<TestKey>,
    /// Send `alg: none` with an empty signature.
    pub unsigned: bool,
}

type Tweak = Box<dyn Fn(&mut TokenPlan) + Send + Sync>;

/// How the provider presents itself.
pub(crate) struct Setup {
    /// Keys in the JWKS; the first signs tokens unless a tweak says.
    pub published: Vec<Arc<TestKey>>,
    /// The `issuer` its discovery document names (its own URL when `None`).
    pub claimed_issuer: Option<String>,
    /// `token_endpoint_auth_methods_supported`.
    pub auth_methods: Vec<&'static str>,
    pub tweak: Tweak,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            published: vec![TestKey::new("rsa-1", Algorithm::RS256)],
            claimed_issuer: None,
            auth_methods: vec!["client_secret_basic", "client_secret_post"],
            tweak: Box::new(|_| {}),
        }
    }
}

struct Grant {
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

/// What the provider saw, for assertions.
#[derive(Default, Clone, Debug)]
pub(crate) struct Seen {
    pub jwks_fetches: usize,
    pub token_requests: usize,
    /// `basic` or `post`, per token request.
    pub client_auth: Vec<&'static str>,
}

struct Inner {
    issuer: String,
    setup: Setup,
    grants: HashMap<String, Grant>,
    seen: Seen,
}

type Shared = Arc<Mutex<Inner>>;

pub(crate) struct TestIdp {
    pub issuer: String,
    inner: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestIdp {
    pub async fn start(setup: Setup) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let inner = Arc::new(Mutex::new(Inner {
            issuer: issuer.clone(),
            setup,
            grants: HashMap::new(),
            seen: Seen::default(),
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(Arc::clone(&inner));
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            issuer,
            inner,
            server,
        }
    }

    pub fn seen(&self) -> Seen {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Changes the provider while it runs (key rotation, say).
    pub fn change(&self, f: impl FnOnce(&mut Setup)) {
        f(&mut self.inner.lock().unwrap().setup);
    }
}

async fn discovery(State(inner): State<Shared>) -> Json<Value> {
    let inner = inner.lock().unwrap();
    let base = &inner.issuer;
    Json(json!({
        "issuer": inner.setup.claimed_issuer.clone().unwrap_or_else(|| base.clone()),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": inner.setup.auth_methods,
    }))
}

async fn jwks(State(inner): State<Shared>) -> Json<Value> {
    let mut inner = inner.lock().unwrap();
    inner.seen.jwks_fetches += 1;
    let keys: Vec<Value> = inner.setup.published.iter().map(|k| k.jwk()).collect();
    Json(json!({ "keys": keys }))
}

/// Signs the person in at once (there is no one to ask) and sends the
/// browser back with a fresh code.
async fn authorize(
    State(inner): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ok = q.get("response_type").map(String::as_str) == Some("code")
        && q.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && q.get("code_challenge_method").map(String::as_str) == Some("S256")
        && q.get("scope")
            .is_some_and(|s| s.split(' ').any(|s| s == "openid"));
    if !ok {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let redirect_uri = q["redirect_uri"].clone();
    let mut back = url::Url::parse(&redirect_uri).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &q["state"]);
    inner.lock().unwrap().grants.insert(
        code,
        Grant {
            redirect_uri,
            challenge: q["code_challenge"].clone(),
            nonce: q["nonce"].clone(),
        },
    );
    Redirect::to(back.as_str()).into_response()
}

fn oauth_error(status: StatusCode, code: &str) -> Response {
    (
        status,
        Json(json!({"error": code, "error_description": format!("test idp: {code}")})),
    )
        .into_response()
}

/// The client as the request authenticates it: `(method, id, secret)`.
fn client_of(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(&'static str, String, String)> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let encoded = value.to_str().ok()?.strip_prefix("Basic ")?;
        let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some(("basic", unescape(id)?, unescape(secret)?));
    }
    Some((
        "post",
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ))
}

async fn token(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.seen.token_requests += 1;
    let Some((method, id, secret)) = client_of(&headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    inner.seen.client_auth.push(method);
    if id != CLIENT_ID
        || secret != CLIENT_SECRET
        || !inner.setup.auth_methods.iter().any(|m| m.ends_with(method))
    {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    // A code is good once.
    let Some(grant) = form.get("code").and_then(|c| inner.grants.remove(c)) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let verifier_ok = form
        .get("code_verifier")
        .is_some_and(|v| pkce_challenge(v) == grant.challenge);
    if !verifier_ok || form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let now = unix_now();
    let signer = Arc::clone(&inner.setup.published[0]);
    let mut plan = TokenPlan {
        header: json!({"alg": signer.alg.name(), "kid": signer.kid, "typ": "JWT"}),
        claims: json!({
            "iss": inner.issuer, "sub": "user-248289761001", "aud": CLIENT_ID,
            "iat": now, "exp": now + 300, "nonce": grant.nonce,
            "email": "ada@example.org", "email_verified": true,
            "preferred_username": "ada", "name": "Ada Lovelace",
        }),
        signer,
        unsigned: false,
    };
    (inner.setup.tweak)(&mut plan);
    Json(json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "id_token": sign(&plan)}))
        .into_response()
}

/// The compact JWS of the plan.
pub(crate) fn sign(plan: &TokenPlan) -> String {
    let mut header = plan.header.clone();
    if plan.unsigned {
        header["alg"] = json!("none");
    }
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!("{}.{}", enc(&header), enc(&plan.claims));
    let sig = if plan.unsigned {
        Vec::new()
    } else {
        plan.signer.sign(input.as_bytes())
    };
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}
