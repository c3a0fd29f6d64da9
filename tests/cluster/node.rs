//! A cluster of natter processes for one test: a scratch schema, NATS
//! subjects of its own, and a person's HTTP client that can talk to any
//! node with the same session.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::scratch_postgres::{self, ScratchSchema};

pub struct Cluster {
    pub nodes: Vec<Option<Node>>,
    args: Vec<String>,
    data: tempfile::TempDir,
    // Dropped last: the nodes go first.
    _schema: ScratchSchema,
}

pub struct Node {
    pub base: String,
    child: Child,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// SIGKILL: no shutdown code runs.
    pub fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().unwrap();
    }

    /// Waits for the process to end by itself (a crash hook).
    pub fn wait_for_exit(mut self) {
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the node did not die"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The servers the tests need, or `None` (and a message) to skip.
pub fn servers() -> Option<(String, String)> {
    let postgres = scratch_postgres::server_url();
    let nats = std::env::var("NATTER_TEST_NATS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if let (Some(p), Some(n)) = (postgres, nats) {
        return Some((p, n));
    }
    eprintln!(
        "NATTER_TEST_POSTGRES_URL and NATTER_TEST_NATS_URL are needed: skipping a cluster test"
    );
    None
}

impl Cluster {
    /// `count` nodes on a fresh schema, talking over `nats`, without rate
    /// limits.
    pub fn start(postgres: &str, nats: &str, count: usize) -> Self {
        Self::start_with(postgres, nats, count, &["--rate-limits", "false"])
    }

    /// `start`, each node with the arguments `extra` (given once per node:
    /// a flag cannot be given twice).
    pub fn start_with(postgres: &str, nats: &str, count: usize, extra: &[&str]) -> Self {
        let schema = ScratchSchema::new(postgres);
        let prefix = format!("test{:016x}", rand::random::<u64>());
        let mut args = vec![
            "--database-url".to_owned(),
            schema.url.clone(),
            "--bus-url".to_owned(),
            nats.to_owned(),
            "--bus-prefix".to_owned(),
            prefix,
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut cluster = Self {
            nodes: Vec::new(),
            args,
            data: tempfile::tempdir().unwrap(),
            _schema: schema,
        };
        for _ in 0..count {
            let node = cluster.spawn(&[], &[]);
            cluster.nodes.push(Some(node));
        }
        cluster
    }

    /// Starts one more node (not kept in `nodes`) with extra arguments
    /// and environment.
    pub fn spawn(&self, extra: &[&str], env: &[(&str, &str)]) -> Node {
        let dir = self
            .data
            .path()
            .join(format!("node-{:08x}", rand::random::<u32>()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_natter"));
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir)
            .args(&self.args)
            .args(extra)
            .env("NATTER_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("natter starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        for line in lines.by_ref() {
            let line = line.unwrap_or_default();
            if let Some(at) = line.find("listening on http") {
                let rest = &line[at + "listening on ".len()..];
                let base = rest.split_whitespace().next().unwrap().to_owned();
                std::thread::spawn(move || for _ in lines {});
                return Node { base, child };
            }
        }
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        panic!("a node did not start ({status}): {err}");
    }

    pub fn base(&self, node: usize) -> String {
        self.nodes[node]
            .as_ref()
            .expect("a running node")
            .base
            .clone()
    }
}

/// A person: their session token, usable on every node.
#[derive(Clone)]
pub struct Person {
    pub token: String,
    http: reqwest::Client,
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Person {
    /// Signs up on the node at `base`.
    pub async fn sign_up(base: &str, name: &str) -> Self {
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{base}/api/v1/users"))
            .json(&json!({ "username": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "sign up {name}");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        let token = cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_owned();
        Self { token, http }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> Option<Answer> {
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.ok()?;
        let status = r.status();
        let body = r.json().await.unwrap_or(Value::Null);
        Some(Answer { status, body })
    }

    pub async fn post(&self, base: &str, path: &str, body: Value) -> Answer {
        self.call(reqwest::Method::POST, format!("{base}{path}"), Some(body))
            .await
            .expect("the node answers")
    }

    pub async fn delete(&self, base: &str, path: &str) -> Answer {
        self.call(reqwest::Method::DELETE, format!("{base}{path}"), None)
            .await
            .expect("the node answers")
    }

    /// Sends `body` with `client_id` through `base`; the seq if acknowledged.
    pub async fn say(&self, base: &str, room: i64, client_id: &str, body: &str) -> Option<i64> {
        let r = self
            .call(
                reqwest::Method::POST,
                format!("{base}/api/v1/rooms/{room}/messages"),
                Some(json!({ "client_id": client_id, "body": body })),
            )
            .await?;
        (r.status == StatusCode::CREATED || r.status == StatusCode::OK)
            .then(|| r.body["message"]["seq"].as_i64().expect("a seq"))
    }

    /// Opens a stream on `base` subscribed to `room` after `after`.
    pub async fn listen(&self, base: &str, room: i64, after: i64) -> Listening {
        let mut ws = crate::ws::connect(base, &self.token).await;
        let replay = ws.subscribe(room, after).await;
        let mut listening = Listening {
            ws,
            room,
            seqs: Vec::new(),
            bodies: Vec::new(),
        };
        for frame in replay {
            listening.take(&frame);
        }
        listening
    }
}

/// A stream and the room events it has had, in the order they came.
pub struct Listening {
    pub ws: crate::ws::Ws,
    room: i64,
    pub seqs: Vec<i64>,
    pub bodies: Vec<String>,
}

impl Listening {
    fn take(&mut self, frame: &Value) {
        if frame["room_id"] == self.room {
            if let Some(seq) = frame["seq"].as_i64() {
                self.seqs.push(seq);
                if frame["type"] == "message.created" {
                    self.bodies.push(
                        frame["message"]["body"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
        }
    }

    /// Reads until the room's events reach `seq` or `within` passes;
    /// whether they did.
    pub async fn until_seq(&mut self, seq: i64, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while self.seqs.last().copied().unwrap_or(0) < seq {
            let Ok(next) = tokio::time::timeout_at(deadline, self.ws.next_or_close()).await else {
                return false;
            };
            match next {
                Ok(frame) => self.take(&frame),
                Err(_) => return false,
            }
        }
        true
    }

    /// Reads for `within` and returns the frames' types that came (or
    /// `closed` when the stream ended).
    pub async fn frames_for(&mut self, within: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + within;
        let mut kinds = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next_or_close()).await {
                Err(_) => return kinds,
                Ok(Ok(frame)) => {
                    self.take(&frame);
                    kinds.push(frame["type"].as_str().unwrap_or_default().to_owned());
                }
                Ok(Err(_)) => {
                    kinds.push("closed".to_owned());
                    return kinds;
                }
            }
        }
    }
}

/// Each seq once, in order, with nothing missing from `first` to `last`.
pub fn assert_gap_free(seqs: &[i64], first: i64, last: i64) {
    let want: Vec<i64> = (first..=last).collect();
    assert_eq!(seqs, want.as_slice(), "every event once, in seq order");
}
