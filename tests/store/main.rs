//! The `Store` contract: what every storage backend must do, written once
//! against `&dyn Store` and run against each backend: SQLite, and
//! PostgreSQL when `NATTER_TEST_POSTGRES_URL` names a server (scripts/test
//! starts a throwaway one when it is not given), each test in a fresh
//! schema.
//! Each backend is used through the cached layer, as the server uses it, so
//! the suite also holds a backend to announcing what the caches must forget.
//! One test binary; one file per area.

mod accounts;
mod batched_sends;
mod caretaking;
mod commands;
mod conversations;
mod disappearing;
#[path = "../support/disk_copy.rs"]
mod disk_copy;
mod doomed_slices;
mod files;
mod groups;
mod integrations;
mod member_events;
mod messages;
mod nodes;
mod operations;
mod outhook_log;
mod outhooks;
mod people;
mod postgres_nodes;
mod push;
mod rooms;
#[path = "../support/scratch_postgres.rs"]
mod scratch_postgres;
mod search;
mod search_slices;
mod send_limits;
mod send_rates;
mod server;
mod server_finish;
mod social;

use std::future::Future;
use std::sync::{Arc, Mutex};

use natter::domain::{ClientId, Event, Mentions, MessageBody, Posted, RoomId, Timestamp, User};
use natter::ops::metrics::CommitMetrics;
use natter::storage::cached::{CachedStore, Caches};
use natter::storage::postgres::PgStore;
use natter::storage::sqlite::SqliteStore;
use natter::storage::{Listeners, NewMessage, Publisher, SendLimits, Store};

/// A backend under test, with what its fan-out heard.
pub struct Backend {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    pub heard: Arc<Heard>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<scratch_postgres::ScratchSchema>,
}

/// Dropping the store before its directory. Having a `Drop` also makes a
/// test's `async move` block take the whole backend: without it, the block
/// takes only the fields it names, and the directory (`_dir`) would be
/// deleted as soon as the test's future is made.
impl Drop for Backend {
    fn drop(&mut self) {}
}

impl Backend {
    /// Another node on the same database, for backends that several nodes
    /// share (PostgreSQL); `None` for SQLite, which has one.
    pub fn second_node(&self) -> Option<Arc<dyn Store>> {
        let schema = self.schema.as_ref()?;
        let caches = Arc::new(Caches::default());
        let listeners = Listeners {
            invalidate: caches.clone(),
            fanout: Arc::new(Heard::default()),
        };
        let store = PgStore::open(&schema.url, listeners, CommitMetrics::default()).unwrap();
        Some(Arc::new(CachedStore::new(store, caches)))
    }
}

/// The events a store's fan-out was told, in order.
#[derive(Default)]
pub struct Heard(Mutex<Vec<Event>>);

impl Publisher for Heard {
    fn publish(&self, events: &[Event]) {
        self.0.lock().unwrap().extend_from_slice(events);
    }
}

impl Heard {
    /// What was heard once `enough` says it is all there: the fan-out is
    /// told after the writers are answered, on a thread of its own.
    pub async fn until(&self, enough: impl Fn(&[Event]) -> bool) -> Vec<Event> {
        for _ in 0..2000 {
            let events = self.0.lock().unwrap().clone();
            if enough(&events) {
                return events;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the fan-out never heard what was committed");
    }
}

fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let heard = Arc::new(Heard::default());
    Backend {
        name: "sqlite",
        store: sqlite_at(dir.path(), heard.clone()),
        heard,
        _dir: Some(dir),
        schema: None,
    }
}

/// A SQLite store on the database in `dir`, as the server opens it.
pub fn sqlite_at(dir: &std::path::Path, heard: Arc<Heard>) -> Arc<dyn Store> {
    let caches = Arc::new(Caches::default());
    let listeners = Listeners {
        invalidate: caches.clone(),
        fanout: heard,
    };
    let store = SqliteStore::open_observed(dir, listeners, CommitMetrics::default()).unwrap();
    Arc::new(CachedStore::new(store, caches))
}

fn postgres(server: &str) -> Backend {
    let schema = scratch_postgres::ScratchSchema::new(server);
    let heard = Arc::new(Heard::default());
    let caches = Arc::new(Caches::default());
    let listeners = Listeners {
        invalidate: caches.clone(),
        fanout: heard.clone(),
    };
    let store = PgStore::open(&schema.url, listeners, CommitMetrics::default()).unwrap();
    Backend {
        name: "postgres",
        store: Arc::new(CachedStore::new(store, caches)),
        heard,
        _dir: None,
        schema: Some(schema),
    }
}

/// A fresh, empty store of every backend (each with its `general` room).
fn backends() -> Vec<Backend> {
    let mut all = vec![sqlite()];
    if let Some(server) = scratch_postgres::server_url() {
        all.push(postgres(&server));
    }
    all
}

/// Runs `check` against a fresh store of every backend.
pub async fn each_backend<F, Fut>(check: F)
where
    F: Fn(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("backend: {}", backend.name);
        check(backend).await;
    }
}

/// The room every new user joins.
pub const GENERAL: RoomId = RoomId(1);

pub fn now() -> Timestamp {
    Timestamp::now()
}

pub async fn user(store: &dyn Store, name: &str) -> User {
    store
        .create_user(name, &name.to_lowercase(), None, now())
        .await
        .unwrap()
}

pub fn message(room: RoomId, author: &User, client_id: &str, text: &str) -> NewMessage {
    NewMessage {
        room,
        author: author.id,
        author_name: author.username.clone(),
        author_bot: author.bot,
        sent_as: None,
        client_id: ClientId::parse(client_id).unwrap(),
        body: MessageBody::parse(text, 4000).unwrap(),
        files: Vec::new(),
        thread: None,
        mentions: Mentions::default(),
        limits: SendLimits::default(),
    }
}

pub async fn post(store: &dyn Store, room: RoomId, author: &User, client_id: &str) -> Posted {
    store
        .post_message(message(room, author, client_id, client_id))
        .await
        .unwrap()
}
