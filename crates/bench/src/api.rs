//! The JSON API as the bench uses it: sign up, rooms, send, history.

use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::{header, StatusCode, Url};
use serde::Deserialize;
use serde_json::json;

use crate::http1::Conn;

/// One signed-up user.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub token: String,
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Url,
}

#[derive(Deserialize)]
struct RoomReply {
    room: IdOnly,
}

#[derive(Deserialize)]
struct IdOnly {
    id: i64,
}

#[derive(Deserialize)]
struct MessageReply {
    message: Seqd,
}

#[derive(Deserialize)]
pub struct Seqd {
    pub seq: i64,
}

#[derive(Deserialize)]
pub struct HistoryPage {
    pub messages: Vec<Seqd>,
    pub has_more: bool,
}

impl Api {
    pub fn new(base: Url) -> Self {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(4096)
            .tcp_nodelay(true)
            .build()
            .expect("an HTTP client");
        Self { http, base }
    }

    /// A lean keep-alive connection to the server (see `http1`).
    pub fn conn(&self) -> Result<Conn> {
        Conn::new(&self.base)
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("a valid API path")
    }

    /// Signs up `username`; the session token comes back in the cookie.
    pub async fn sign_up(&self, username: &str) -> Result<Account> {
        let res = self
            .http
            .post(self.url("/api/v1/users"))
            .json(&json!({ "username": username }))
            .send()
            .await?;
        if res.status() != StatusCode::CREATED {
            bail!(
                "sign-up of {username}: {} {}",
                res.status(),
                res.text().await.unwrap_or_default()
            );
        }
        let token = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("natter_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
            .ok_or_else(|| anyhow!("sign-up of {username} set no session cookie"))?;
        Ok(Account {
            username: username.to_owned(),
            token,
        })
    }

    /// Signs up `count` users named `<prefix><n>`, `concurrency` at a time.
    pub async fn sign_up_many(
        &self,
        prefix: &str,
        count: usize,
        concurrency: usize,
    ) -> Result<Vec<Account>> {
        stream::iter(0..count)
            .map(|n| {
                let name = format!("{prefix}{n}");
                async move { self.sign_up(&name).await }
            })
            .buffered(concurrency.max(1))
            .try_collect()
            .await
    }

    pub async fn create_room(&self, token: &str, name: &str) -> Result<i64> {
        let res = self
            .http
            .post(self.url("/api/v1/rooms"))
            .bearer_auth(token)
            .json(&json!({ "name": name, "kind": "public" }))
            .send()
            .await?;
        if res.status() != StatusCode::CREATED {
            bail!(
                "creating room {name}: {} {}",
                res.status(),
                res.text().await.unwrap_or_default()
            );
        }
        Ok(res.json::<RoomReply>().await?.room.id)
    }

    pub async fn join(&self, token: &str, room: i64) -> Result<()> {
        let res = self
            .http
            .post(self.url(&format!("/api/v1/rooms/{room}/join")))
            .bearer_auth(token)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!(
                "joining room {room}: {} {}",
                res.status(),
                res.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// Joins every (token, room) pair, `concurrency` at a time.
    pub async fn join_many(&self, pairs: Vec<(Arc<str>, i64)>, concurrency: usize) -> Result<()> {
        stream::iter(pairs)
            .map(|(token, room)| async move { self.join(&token, room).await })
            .buffer_unordered(concurrency.max(1))
            .try_collect::<()>()
            .await
    }

    /// The last seq handed out in `room`: every room event up to it is stored.
    pub async fn last_seq(&self, token: &str, room: i64) -> Result<i64> {
        let res = self
            .http
            .get(self.url(&format!("/api/v1/rooms/{room}")))
            .bearer_auth(token)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("reading room {room}: {}", res.status());
        }
        let v: serde_json::Value = res.json().await?;
        v["room"]["last_seq"]
            .as_i64()
            .ok_or_else(|| anyhow!("room {room} came without last_seq: {v}"))
    }

    /// Sends a message over a lean connection; the seq once it is committed.
    pub async fn post_on(
        conn: &mut Conn,
        token: &str,
        room: i64,
        client_id: &str,
        body: &str,
    ) -> Result<i64> {
        let json = serde_json::to_vec(&json!({ "body": body, "client_id": client_id }))?;
        let path = format!("/api/v1/rooms/{room}/messages");
        let reply = conn.call("POST", &path, token, Some(&json)).await?;
        if reply.status != StatusCode::CREATED.as_u16() {
            bail!(
                "send {client_id}: {} {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        Ok(serde_json::from_slice::<MessageReply>(&reply.body)?
            .message
            .seq)
    }

    /// One history page over a lean connection: the newest, or the one
    /// before `before`.
    pub async fn history_on(
        conn: &mut Conn,
        token: &str,
        room: i64,
        before: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage> {
        let path = match before {
            Some(b) => format!("/api/v1/rooms/{room}/messages?limit={limit}&before={b}"),
            None => format!("/api/v1/rooms/{room}/messages?limit={limit}"),
        };
        let reply = conn.call("GET", &path, token, None).await?;
        if reply.status != StatusCode::OK.as_u16() {
            bail!("history of room {room}: {}", reply.status);
        }
        serde_json::from_slice(&reply.body).context("a history page")
    }
}
