//! The application: opens the store, builds the router and binds its own
//! listener (port 0 works, for tests), then serves until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::chat::{Chat, Policy};
use crate::config::Config;
use crate::http::{self, AppState};
use crate::storage::sqlite::SqliteStore;

pub struct App {
    listener: TcpListener,
    router: axum::Router,
}

impl App {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let store = SqliteStore::open(&config.data_dir)?;
        tracing::info!(database = %store.path().display(), "storage ready");
        let policy = Policy {
            max_message_chars: config.max_message_chars,
            require_password: config.require_password,
        };
        let chat = Arc::new(Chat::new(Arc::new(store), policy));
        let state = AppState {
            chat,
            secure_cookies: config.secure_cookies(),
            trusted_origins: Arc::new(config.trusted_origins()),
        };
        let router = http::router(state, config.max_body_bytes);
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self { listener, router })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("the server stopped with an error")
    }
}
