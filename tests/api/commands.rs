//! Custom slash commands against the real server and a bot's URL on
//! loopback: signed calls, answers to the room or to the caller only,
//! clear errors when the URL fails, and who may make, see and run them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Client, TestApp};
use crate::integrations_support::{bot, room, token, with_token};

/// One call the bot's URL received: its signature header and body.
type Call = (String, Vec<u8>);

/// The bot's command URL on 127.0.0.1: answers each call with `answer`
/// (status, body, delay) and records it.
struct BotServer {
    url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    answer: Arc<Mutex<(u16, String, Duration)>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BotServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BotServer {
    async fn start() -> Self {
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let answer = Arc::new(Mutex::new((200, String::new(), Duration::ZERO)));
        let (c, a) = (calls.clone(), answer.clone());
        let handler = move |headers: HeaderMap, body: axum::body::Bytes| {
            let (c, a) = (c.clone(), a.clone());
            async move {
                let signature = headers
                    .get("natter-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                c.lock().unwrap().push((signature, body.to_vec()));
                let (status, text, delay) = a.lock().unwrap().clone();
                tokio::time::sleep(delay).await;
                (AxumStatus::from_u16(status).unwrap(), text)
            }
        };
        let router = axum::Router::new().route("/cmd", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/cmd", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url,
            calls,
            answer,
            task,
        }
    }

    fn answer(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_owned(), Duration::ZERO);
    }
}

/// A server that may call loopback addresses (`--outbound-allow`).
async fn app() -> TestApp {
    spawn_app_with(|c| c.outbound.allow = vec!["127.0.0.0/8".into()]).await
}

/// Alice's bot `deployer` answers `/deploy` in `room`; returns (command id, secret).
async fn deploy_command(alice: &Client, room: i64, url: &str) -> (i64, String) {
    let id = bot(alice, "deployer").await;
    let r = alice
        .post(
            &format!("/api/v1/rooms/{room}/commands"),
            json!({"name": "deploy", "description": "ship a version", "url": url, "bot_id": id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.body["command"]["id"].as_i64().unwrap(),
        r.body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn run(c: &Client, room: i64, name: &str, text: &str) -> crate::helpers::Answer {
    c.post(
        &format!("/api/v1/rooms/{room}/commands/{name}"),
        json!({ "text": text }),
    )
    .await
}

#[tokio::test]
async fn a_bots_command_is_called_signed_and_its_answer_is_posted_as_the_bot() {
    let app = app().await;
    let bot_url = BotServer::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (_, secret) = deploy_command(&alice, 1, &bot_url.url).await;
    bot_url.answer(
        200,
        r#"{"text": "Deploying **v2**", "response_type": "in_channel"}"#,
    );

    let r = run(&bob, 1, "deploy", "v2").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["visibility"], "room");
    assert_eq!(r.body["message"]["author"], "deployer");
    assert_eq!(r.body["message"]["bot"], true);
    let history = bob.all_messages(1).await;
    assert_eq!(history.last().unwrap()["body"], "Deploying **v2**");

    let calls = bot_url.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    let (signature, body) = &calls[0];
    let secret = natter::outbound::WebhookSecret::parse(&secret).unwrap();
    let now = natter::outbound::unix_now();
    natter::outbound::verify(
        &[&secret],
        signature,
        body,
        now,
        natter::outbound::DEFAULT_TOLERANCE,
    )
    .expect("the call is signed with the command's secret");
    let call: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(call["command"], "/deploy");
    assert_eq!(call["text"], "v2");
    assert_eq!(call["username"], "bob");
    assert_eq!(call["room_id"], 1);
}

#[tokio::test]
async fn an_ephemeral_answer_goes_to_the_caller_only() {
    let app = app().await;
    let bot_url = BotServer::start().await;
    let alice = app.user("alice").await;
    deploy_command(&alice, 1, &bot_url.url).await;
    let before = alice.all_messages(1).await.len();

    bot_url.answer(200, r#"{"text": "Only you can see this"}"#);
    let r = run(&alice, 1, "deploy", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["visibility"], "caller");
    assert_eq!(r.body["text"], "Only you can see this");
    assert!(r.body["message"].is_null());
    // Plain text is an answer for the caller too.
    bot_url.answer(200, "plain words");
    let r = run(&alice, 1, "deploy", "").await;
    assert_eq!(r.body["text"], "plain words");
    assert_eq!(
        alice.all_messages(1).await.len(),
        before,
        "nothing was posted"
    );
}

#[tokio::test]
async fn a_failing_or_silent_command_url_gives_the_caller_a_sentence() {
    let app = app().await;
    let bot_url = BotServer::start().await;
    let alice = app.user("alice").await;
    deploy_command(&alice, 1, &bot_url.url).await;

    bot_url.answer(500, "oops");
    let r = run(&alice, 1, "deploy", "v3").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(r.error_code(), "command_failed");
    assert!(r.error_message().contains("/deploy"), "{}", r.text);
    assert!(r.error_message().contains("500"), "{}", r.text);

    bot_url.answer(200, "{half a json");
    let r = run(&alice, 1, "deploy", "v3").await;
    assert_eq!(r.error_code(), "command_failed");

    *bot_url.answer.lock().unwrap() = (200, String::new(), Duration::from_secs(30));
    let r = run(&alice, 1, "deploy", "v3").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(r.error_code(), "command_timeout");
    assert!(
        r.error_message().contains("did not answer in time"),
        "{}",
        r.text
    );

    // The URL's server gone altogether.
    drop(bot_url);
    let r = run(&alice, 1, "deploy", "v3").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
}

#[tokio::test]
async fn members_see_a_rooms_commands_without_their_urls_and_others_see_nothing() {
    let app = app().await;
    let bot_url = BotServer::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let ops = room(&alice, "ops", "private").await;
    deploy_command(&alice, ops, &bot_url.url).await;

    let list = alice.get(&format!("/api/v1/rooms/{ops}/commands")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let first = &list.body["commands"][0];
    assert_eq!(first["name"], "deploy");
    assert_eq!(first["description"], "ship a version");
    assert_eq!(first["bot"], "deployer");
    assert!(!list.text.contains(&bot_url.url), "the URL is not shown");
    assert!(!list.text.contains("whsec_"), "the secret is not shown");

    // Bob is not in the private room: it is not there for him.
    assert_eq!(
        bob.get(&format!("/api/v1/rooms/{ops}/commands"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        run(&bob, ops, "deploy", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(bot_url.calls.lock().unwrap().is_empty(), "no call was made");
    // An unknown command in a room I am in.
    let r = run(&alice, ops, "nope", "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error_message().contains("/nope"), "{}", r.text);
}

#[tokio::test]
async fn bad_commands_are_refused_and_only_the_maker_or_an_owner_deletes_one() {
    let app = app().await;
    let bot_url = BotServer::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (id, _) = deploy_command(&alice, 1, &bot_url.url).await;
    let bot_id = alice.get("/api/v1/bots").await.body["bots"][0]["user_id"].clone();
    let make = |name: &str, url: &str| json!({"name": name, "url": url, "bot_id": bot_id, "description": ""});
    for (body, code) in [
        (make("me", &bot_url.url), "command_name_taken"),
        (make("two words", &bot_url.url), "command_name_invalid"),
        (
            make("metadata", "http://169.254.169.254/latest"),
            "url_not_allowed",
        ),
        (make("files", "file:///etc/passwd"), "url_not_allowed"),
    ] {
        let r = alice.post("/api/v1/rooms/1/commands", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert_eq!(r.error_code(), code, "{}", r.text);
    }
    let r = alice
        .post("/api/v1/rooms/1/commands", make("deploy", &bot_url.url))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Bob's bot is not Alice's to use.
    let r = bob
        .post("/api/v1/rooms/1/commands", make("other", &bot_url.url))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    let r = bob.delete(&format!("/api/v1/rooms/1/commands/{id}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = alice
        .delete(&format!("/api/v1/rooms/1/commands/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        run(&alice, 1, "deploy", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_token_needs_post_to_run_a_command_and_cannot_make_one() {
    let app = app().await;
    let bot_url = BotServer::start().await;
    let alice = app.user("alice").await;
    deploy_command(&alice, 1, &bot_url.url).await;
    bot_url.answer(200, r#"{"text": "ok"}"#);
    let poster = token(&alice, json!({"scopes": ["post"]})).await;
    let reader = token(&alice, json!({"scopes": ["read"]})).await;
    let path = "/api/v1/rooms/1/commands/deploy";
    let r = with_token(
        &app,
        &poster,
        Method::POST,
        path,
        Some(json!({"text": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = with_token(
        &app,
        &reader,
        Method::POST,
        path,
        Some(json!({"text": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let listed = with_token(&app, &reader, Method::GET, "/api/v1/rooms/1/commands", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let make = json!({"name": "x", "url": bot_url.url, "bot_id": 1});
    let r = with_token(
        &app,
        &poster,
        Method::POST,
        "/api/v1/rooms/1/commands",
        Some(make),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}
