//! The test harness: a real server on a random port with its own temporary
//! data directory, and an HTTP client that keeps cookies like a browser.

use std::process::{Child, Command, Stdio};

use natter::{App, Config};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;

use crate::scratch_postgres::ScratchSchema;

pub struct TestApp {
    pub base: String,
    /// `http://` and the `--metrics-listen` address, when one was asked for.
    pub metrics_base: Option<String>,
    pub hub: std::sync::Arc<natter::realtime::Hub>,
    dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The PostgreSQL schema the app keeps its data in, when the tests run
    /// on PostgreSQL (`NATTER_TEST_BACKEND=postgres`). Dropped after the
    /// app is told to stop.
    _schema: Option<ScratchSchema>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Runs the real application in this process, configured by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    // Tests sign up many users from one address and send fast; the limits
    // have tests of their own, which turn them back on.
    config.limits.enabled = false;
    let schema = on_postgres().map(|server| ScratchSchema::new(&server));
    if let Some(schema) = &schema {
        config.database_url = Some(schema.url.parse().expect("a PostgreSQL URL"));
        config.single_node = true;
    }
    tweak(&mut config);
    let app = App::build(&config).await.expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics_base = app.metrics_addr().map(|a| format!("http://{a}"));
    let hub = app.hub();
    let (stop, stop_rx) = oneshot::channel::<()>();
    let stopped = tokio::spawn(app.run_until(async {
        let _ = stop_rx.await;
    }));
    TestApp {
        base,
        metrics_base,
        hub,
        dir,
        stop: Some(stop),
        stopped: Some(stopped),
        _schema: schema,
    }
}

/// Whether the API tests run on PostgreSQL (`NATTER_TEST_BACKEND=postgres`).
pub fn on_postgres_backend() -> bool {
    std::env::var("NATTER_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// Ends a test that is about SQLite's own file (it opens, locks or
/// measures it) when the API tests run on PostgreSQL, saying why; on
/// SQLite it does nothing.
#[macro_export]
macro_rules! sqlite_only {
    ($why:literal) => {
        if $crate::helpers::on_postgres_backend() {
            eprintln!(concat!("skipped on PostgreSQL: ", $why));
            return;
        }
    };
}

/// The PostgreSQL server to run the app on, when the API tests are asked
/// to run on PostgreSQL rather than SQLite.
fn on_postgres() -> Option<String> {
    if !on_postgres_backend() {
        return None;
    }
    let server = crate::scratch_postgres::server_url();
    assert!(
        server.is_some(),
        "NATTER_TEST_BACKEND=postgres needs NATTER_TEST_POSTGRES_URL"
    );
    server
}

impl TestApp {
    /// The server's data directory.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// Asks the server to shut down, as SIGTERM does, and waits until it has.
    pub async fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            stopped.await.unwrap().unwrap();
        }
    }

    /// A new user: their browser-like client and their bearer token.
    pub async fn user_with_token(&self, username: &str) -> (Client, String) {
        let c = self.client();
        let r = c
            .post("/api/v1/users", json!({ "username": username }))
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "sign up {username}: {}",
            r.text
        );
        (c, session_token(&r))
    }

    /// A new user who has set the password "correct horse".
    pub async fn user_with_password(&self, username: &str) -> Client {
        let c = self.user(username).await;
        let r = c
            .put(
                "/api/v1/me/password",
                json!({ "new_password": "correct horse" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        c
    }

    /// Another browser signed in to `username` with "correct horse".
    pub async fn second_device(&self, username: &str) -> (Client, Answer) {
        let c = self.client();
        let r = c
            .post(
                "/api/v1/session",
                json!({ "username": username, "password": "correct horse" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        (c, r)
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A new client signed up as `username`.
    pub async fn user(&self, username: &str) -> Client {
        let c = self.client();
        let r = c
            .post("/api/v1/users", json!({ "username": username }))
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "sign up {username}: {}",
            r.body
        );
        c
    }
}

/// An HTTP client with its own cookie jar, like one browser.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The `code` of an error answer.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

impl Client {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: base.to_owned(),
            http,
        }
    }

    /// The same browser (cookies and all) pointed at another address.
    pub fn with_base(&self, base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: self.http.clone(),
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.request(method, path, headers);
        if let Some(body) = body {
            req = req.json(&body);
        }
        read(req.send().await.expect("request sent")).await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Answer {
        read(
            self.request(method, path, headers)
                .body(body)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    /// Like `send`, but `None` when the server cannot be reached at all.
    pub async fn http_try(
        &self,
        method: Method,
        path: &str,
        body: Value,
    ) -> Option<(StatusCode, Value)> {
        let r = self
            .request(method, path, &[])
            .json(&body)
            .send()
            .await
            .ok()?;
        let status = r.status();
        let v = r.json().await.unwrap_or(Value::Null);
        Some((status, v))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Sends a message with a fresh client id; returns the answer.
    pub async fn say(&self, room: i64, body: &str) -> Answer {
        let id = uuid::Uuid::new_v4().to_string();
        self.post(
            &format!("/api/v1/rooms/{room}/messages"),
            json!({ "body": body, "client_id": id }),
        )
        .await
    }

    /// Changes the text of the message at `seq`; returns the answer.
    pub async fn edit(&self, room: i64, seq: i64, body: &str) -> Answer {
        self.send(
            Method::PATCH,
            &format!("/api/v1/rooms/{room}/messages/{seq}"),
            Some(json!({ "body": body })),
            &[],
        )
        .await
    }

    /// Every message in the room, oldest first, paging back from the newest.
    pub async fn all_messages(&self, room: i64) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        let mut path = format!("/api/v1/rooms/{room}/messages?limit=200");
        loop {
            let r = self.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let page = r.body["messages"].as_array().unwrap().clone();
            let first = page.first().map(|m| m["seq"].as_i64().unwrap());
            all.splice(0..0, page);
            match (first, r.body["has_more"].as_bool().unwrap()) {
                (Some(seq), true) => {
                    path = format!("/api/v1/rooms/{room}/messages?limit=200&before={seq}");
                }
                _ => return all,
            }
        }
    }
}

async fn read(r: reqwest::Response) -> Answer {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

/// The real `natter` binary as a child process, for tests that kill it.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(data_dir: &std::path::Path, extra: &[&str]) -> Result<Self, String> {
        Self::start_under(&[], data_dir, extra)
    }

    /// Starts natter under a wrapper command (e.g. `prlimit --fsize=...`).
    pub fn start_under(
        wrapper: &[&str],
        data_dir: &std::path::Path,
        extra: &[&str],
    ) -> Result<Self, String> {
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg("--").arg(env!("CARGO_BIN_EXE_natter"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_natter")),
        };
        let mut child = command
            .args([
                "--listen",
                "127.0.0.1:0",
                "--rate-limits",
                "false",
                "--data-dir",
            ])
            .arg(data_dir)
            .args(extra)
            .env("NATTER_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("natter starts");
        // The server logs its address once it is listening; that is our readiness check.
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        for line in lines.by_ref() {
            let line = line.unwrap_or_default();
            // "listening on http://..." (or https:// with TLS).
            if let Some(at) = line.find("listening on http") {
                let rest = &line[at + "listening on ".len()..];
                let base = rest.split_whitespace().next().unwrap().to_owned();
                // Keep draining the log so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return Ok(Self { child, base });
            }
        }
        let status = child.wait().expect("natter exited");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        Err(format!("exit {status}: {err}"))
    }

    /// SIGKILL: no shutdown code runs, like a crash or power cut.
    pub fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().unwrap();
    }
}

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The session token from a sign-up or sign-in answer's cookie.
pub fn session_token(r: &Answer) -> String {
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    cookie
        .trim_start_matches("natter_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

impl Client {
    /// A GET whose body is bytes (a file), with its status and headers.
    pub async fn bytes(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self
            .request(Method::GET, path, &[])
            .send()
            .await
            .expect("request sent");
        let (status, headers) = (r.status(), r.headers().clone());
        (
            status,
            headers,
            r.bytes().await.unwrap_or_default().to_vec(),
        )
    }
}
