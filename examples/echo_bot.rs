//! A complete Natter bot: it answers every message in its rooms with
//! `echo: <text>`. It follows all its rooms through one feed
//! (`GET /api/v1/feed`, a long poll) and acknowledges what it handled
//! (`POST /api/v1/feed/ack`), so it keeps no state: stop it, restart it,
//! and it answers what was said while it was down, once.
//!
//! ```sh
//! NATTER_URL=http://127.0.0.1:8080 NATTER_TOKEN=natter_… cargo run --example echo_bot
//! ```
//!
//! The token is a bot's, with the `read` and `post` scopes
//! (docs/integrations.md). tests/api/feed.rs runs this file against a
//! real server.

use serde_json::{json, Value};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("NATTER_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let token = std::env::var("NATTER_TOKEN").map_err(|_| anyhow::anyhow!("set NATTER_TOKEN"))?;
    run(&url, &token).await
}

/// Follows the feed and echoes, until an error (a revoked token, say).
pub async fn run(url: &str, token: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let me: Value = http
        .get(format!("{url}/api/v1/me"))
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let my_id = me["user"]["id"].clone();
    loop {
        // No cursor: the server resumes from what this token acknowledged.
        let page: Value = http
            .get(format!("{url}/api/v1/feed?wait=25"))
            .header("authorization", &auth)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for event in page["events"].as_array().into_iter().flatten() {
            let message = &event["message"];
            if event["type"] != "message.created" || message["author_id"] == my_id {
                continue;
            }
            let (room, seq) = (&event["room_id"], &event["seq"]);
            // The client id names the event: if the bot stops after answering
            // but before acknowledging, the answer it sends again is stored once.
            let answer = json!({
                "body": format!("echo: {}", message["body"].as_str().unwrap_or_default()),
                "client_id": format!("echo-{room}-{seq}"),
            });
            http.post(format!("{url}/api/v1/rooms/{room}/messages"))
                .header("authorization", &auth)
                .json(&answer)
                .send()
                .await?
                .error_for_status()?;
        }
        http.post(format!("{url}/api/v1/feed/ack"))
            .header("authorization", &auth)
            .json(&json!({ "cursor": page["cursor"] }))
            .send()
            .await?
            .error_for_status()?;
    }
}
