//! For the outgoing webhook tests: a receiver on 127.0.0.1 (a tiny axum
//! server) that records every request, can fail a number of times first,
//! and can answer with a reply for the room.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub room: i64,
    pub seq: i64,
    pub signature: String,
    pub body: Vec<u8>,
    /// Whether the receiver took it (answered 2xx).
    pub taken: bool,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inbox {
    hits: Mutex<Vec<Hit>>,
    failures_left: AtomicUsize,
    fail_status: AtomicUsize,
    /// Answer a message with this body text by posting `reply.1`.
    reply: Mutex<Option<(String, String)>>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Self {
        let inbox = Arc::new(Inbox::default());
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&inbox));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, inbox, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/natter", self.addr)
    }

    /// The next `times` requests are answered with `status`.
    pub fn fail(&self, times: usize, status: u16) {
        self.inbox
            .fail_status
            .store(status.into(), Ordering::SeqCst);
        self.inbox.failures_left.store(times, Ordering::SeqCst);
    }

    /// A message whose body is `when` is answered with `{"text": text}`.
    pub fn reply(&self, when: &str, text: &str) {
        *self.inbox.reply.lock().unwrap() = Some((when.to_owned(), text.to_owned()));
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.inbox.hits.lock().unwrap().clone()
    }

    /// The seqs of new messages a receiver keeps when it drops every
    /// event at or below the last seq it took (de-duplicating by seq).
    pub fn kept_message_seqs(&self) -> Vec<i64> {
        let mut last = 0;
        let mut kept = Vec::new();
        for hit in self.hits().iter().filter(|h| h.taken) {
            if hit.seq <= last {
                continue;
            }
            last = hit.seq;
            if hit.json()["type"] == "message.created" {
                kept.push(hit.seq);
            }
        }
        kept
    }

    /// Waits (up to 60 s) until `done` holds for the hits.
    pub async fn until(&self, what: &str, done: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        for _ in 0..3000 {
            let hits = self.hits();
            if done(&hits) {
                return hits;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the receiver never got {what}: {:?}", self.hits());
    }
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let failing = inbox
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    inbox.hits.lock().unwrap().push(Hit {
        room: header("natter-room").parse().unwrap_or(-1),
        seq: header("natter-seq").parse().unwrap_or(-1),
        signature: header("natter-signature"),
        body: body.to_vec(),
        taken: !failing,
    });
    if failing {
        let status = u16::try_from(inbox.fail_status.load(Ordering::SeqCst)).unwrap();
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    let event: Value = serde_json::from_slice(&body).unwrap_or_default();
    let reply = inbox.reply.lock().unwrap().clone();
    if let Some((when, text)) = reply {
        if event["message"]["body"] == when.as_str() {
            return axum::Json(serde_json::json!({ "text": text })).into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}
