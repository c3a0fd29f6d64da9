//! The application: opens the store, builds the router and binds its own
//! listener (port 0 works, for tests), then serves until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::chat::{Chat, Policy};
use crate::config::Config;
use crate::http::server::ConnectionLimits;
use crate::http::{self, AppState, AssetStore, OriginPolicy, Shared};
use crate::realtime::Hub;
use crate::storage::sqlite::SqliteStore;
use crate::storage::Store;

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    hub: Arc<Hub>,
    shutdown_timeout: Duration,
    limits: ConnectionLimits,
}

impl App {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // The hub hears every commit of the store, in commit order.
        let hub = Hub::new();
        hub.start_heartbeat(config.stream.ping_interval);
        let store = SqliteStore::open(&config.data_dir, hub.clone())?;
        tracing::info!(database = %store.path().display(), durability = %store.durability(), "storage ready");
        let policy = Policy {
            max_message_chars: config.max_message_chars,
            require_password: config.require_password,
        };
        let chat = Arc::new(Chat::new(Arc::new(store), policy, &config.limits));
        let state = AppState::new(Shared {
            chat,
            hub: Arc::clone(&hub),
            stream: config.stream.clone(),
            secure_cookies: config.secure_cookies(),
            origins: OriginPolicy::new(config.public_url.as_deref(), &config.trusted_origins())?,
            assets: AssetStore::new(config.assets_dir.clone()),
        });
        let router = http::router(state, config.max_body_bytes);
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self {
            listener,
            router,
            hub,
            shutdown_timeout: config.shutdown_timeout,
            limits: config.connections.clone(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn hub(&self) -> Arc<Hub> {
        Arc::clone(&self.hub)
    }

    /// Serves until `shutdown` completes. Then it stops accepting, tells
    /// stream clients to reconnect, lets in-flight requests (and so their
    /// commits) finish, and returns within the shutdown timeout.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let hub = Arc::clone(&self.hub);
        let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
        let signal = async move {
            shutdown.await;
            hub.shut_down();
            stopping_tx.send_replace(true);
        };
        let serve = http::server::serve(self.listener, self.router, self.limits, signal);
        let timeout = self.shutdown_timeout;
        let deadline = async move {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(timeout).await;
        };
        tokio::select! {
            () = serve => Ok(()),
            () = deadline => {
                tracing::warn!("shutdown timeout reached; exiting with work in flight");
                Ok(())
            }
        }
    }
}
