//! The application: opens the store, builds the router and binds its own
//! listener (port 0 works, for tests), then serves until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::bus::{Bus, InProcess, NatsBus};
use crate::chat::{Chat, Policy};
use crate::config::Config;
use crate::http::server::{ConnectionLimits, Connections};
use crate::http::{self, AppState, AssetStore, OriginPolicy, Shared};
use crate::notify::Pushes;
use crate::ops::tls::TlsFront;
use crate::ops::{self, metrics::Metrics};
use crate::outhooks::Deliveries;
use crate::realtime::Hub;
use crate::storage::backend;
use crate::storage::cached::Caches;

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    hub: Arc<Hub>,
    shutdown_timeout: Duration,
    limits: ConnectionLimits,
    connections: Arc<Connections>,
    metrics: Metrics,
    metrics_listener: Option<TcpListener>,
    /// With TLS: the public listener, its certificate, and the listener
    /// for plain HTTP redirects (the connection loop then serves a
    /// loopback listener of its own).
    tls: Option<TlsListener>,
}

struct TlsListener {
    listener: TcpListener,
    front: Arc<TlsFront>,
    redirect: Option<TcpListener>,
    public_url: Option<String>,
}

/// The client custom slash commands call their URLs with: they answer
/// while a person waits, so a short timeout and a small answer
/// (docs/integrations.md).
fn commands_client(config: &Config) -> anyhow::Result<crate::outbound::OutboundClient> {
    Ok(crate::outbound::OutboundClient::new(
        crate::outbound::OutboundConfig {
            connect_timeout: std::time::Duration::from_secs(3),
            total_timeout: std::time::Duration::from_secs(5),
            max_response_bytes: 16 * 1024,
            ..config.outbound.config()?
        },
    )?)
}

impl App {
    // The one place the parts are put together, in their order (the
    // backend's opening grew with PostgreSQL, outgoing webhooks added two).
    #[allow(clippy::too_many_lines)]
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // The app's own metrics recorder (see ops::metrics).
        let metrics = Metrics::new();
        // The hub hears every commit of the store, in commit order.
        let hub = Hub::new();
        hub.start_heartbeat(config.stream.ping_interval);
        // The caches in front of the store forget what each commit changed
        // before its writers are answered; then the bus hands it to the
        // hub (and, on a cluster, to the other nodes, whose changes it
        // feeds to these caches and this hub). The hub tells the bus which
        // rooms have listeners here.
        let caches = Arc::new(Caches::default());
        let (bus, nats) = open_bus(config, &hub, &caches)?;
        // Web Push hears this node's commits on their way to the bus.
        let (bus, to_push) = crate::notify::tap(bus);
        // Outgoing webhooks' workers are woken by this node's commits.
        let (bus, hook_workers) = crate::outhooks::tap(bus);
        let opening = backend::Opening {
            url: config.database_url.as_ref(),
            data_dir: &config.data_dir,
            single_node: config.single_node,
            bus: nats.is_some(),
        };
        let opened = backend::open(&opening, caches, bus, metrics.commits())?;
        if let Some(nats) = &nats {
            nats.attach_store(&opened.store, hub.clone());
        }
        let (store, database) = (opened.store, opened.file);
        tracing::info!(database = %opened.shown, durability = %store.durability(), "storage ready");
        let policy = Policy {
            max_message_chars: config.max_message_chars,
            require_password: config.require_password,
        };
        let pushes = Pushes::start(Arc::clone(&store), config, Arc::clone(&hub), to_push).await?;
        let mut chat = Chat::new(Arc::clone(&store), policy, &config.limits);
        chat.observe_sends(metrics.sends());
        chat.call_commands_with(commands_client(config)?);
        crate::app_files::keep_files(&mut chat, config)?;
        // Messages that disappeared while the server was down go before
        // anything is served.
        let gone = chat.expire_overdue().await?;
        if gone > 0 {
            tracing::info!(
                messages = gone,
                "removed messages that disappeared while stopped"
            );
        }
        let chat = Arc::new(chat);
        chat.start_expiry();
        chat.end_idle_sessions(config.session_idle);
        chat.follow_outside_changes().await?;
        crate::app_files::sweep_orphans_now_and_then(&chat, config.orphan_upload_age);
        let outhooks = Deliveries::start(Arc::clone(&chat), store, config, hook_workers).await?;
        let connections = Arc::new(Connections::default());
        ops::probes::observe(&metrics, &hub, &chat, &connections, database);
        let state = AppState::new(Shared {
            chat,
            hub: Arc::clone(&hub),
            stream: Arc::new(config.stream.clone()),
            secure_cookies: config.secure_cookies(),
            origins: OriginPolicy::new(config.public_url.as_deref(), &config.trusted_origins())?,
            assets: AssetStore::new(config.assets_dir.clone()),
            metrics: metrics.clone(),
            metrics_token: config.metrics_token.clone(),
            pushes,
            outhooks,
        });
        let router = http::router(state, config.max_body_bytes);
        let public = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let (listener, tls) = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => {
                let front = Arc::new(TlsFront::load(cert, key)?);
                let inner = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
                let redirect =
                    match config.http_redirect_listen {
                        Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| {
                            format!("cannot listen for HTTP redirects on {addr}")
                        })?),
                        None => None,
                    };
                let public_url = config.public_url.clone();
                (
                    inner,
                    Some(TlsListener {
                        listener: public,
                        front,
                        redirect,
                        public_url,
                    }),
                )
            }
            _ => (public, None),
        };
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for metrics on {addr}"))?,
            ),
            None => None,
        };
        Ok(Self {
            listener,
            router,
            hub,
            shutdown_timeout: config.shutdown_timeout,
            limits: config.connections.clone(),
            connections,
            metrics,
            metrics_listener,
            tls,
        })
    }

    /// The address people connect to (HTTPS with TLS, else HTTP).
    pub fn local_addr(&self) -> SocketAddr {
        self.tls
            .as_ref()
            .map_or(&self.listener, |t| &t.listener)
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The certificate in force, to read again on SIGHUP (with TLS).
    pub fn tls(&self) -> Option<Arc<TlsFront>> {
        self.tls.as_ref().map(|t| Arc::clone(&t.front))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Where `/metrics` is served without a token, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
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
        self.metrics.start_upkeep();
        if let Some(listener) = self.metrics_listener {
            serve_beside(
                listener,
                http::metrics_only(self.metrics.clone()),
                &stopping,
            );
        }
        if let Some(tls) = self.tls {
            let inner = self.listener.local_addr()?;
            let port = tls.listener.local_addr()?.port();
            if let Some(redirect) = tls.redirect {
                serve_beside(
                    redirect,
                    ops::tls::redirect_router(tls.public_url, port),
                    &stopping,
                );
            }
            tokio::spawn(ops::tls::serve(
                tls.listener,
                tls.front,
                inner,
                self.connections.tls_peers(),
                self.limits.header_read_timeout,
                stopping.clone(),
            ));
        }
        let signal = async move {
            shutdown.await;
            hub.shut_down();
            stopping_tx.send_replace(true);
        };
        let serve = http::server::serve(
            self.listener,
            self.router,
            self.limits,
            self.connections,
            signal,
        );
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

/// The bus, and the NATS one again when it is that (to be given the store).
type OpenedBus = (Arc<dyn Bus>, Option<Arc<NatsBus>>);

/// The bus `--bus-url` names: in process (one node) or NATS; the hub
/// reports to it which rooms have listeners here.
fn open_bus(config: &Config, hub: &Arc<Hub>, caches: &Arc<Caches>) -> anyhow::Result<OpenedBus> {
    let (bus, nats): OpenedBus = if config.bus_url.is_none() {
        (Arc::new(InProcess::new(hub.clone())), None)
    } else {
        let nats = NatsBus::start(
            config.bus_url.clone(),
            &config.bus_prefix,
            hub.clone(),
            Arc::clone(caches),
        )?;
        (nats.clone(), Some(nats))
    };
    hub.report_interest_to(bus.clone());
    Ok((bus, nats))
}

/// Serves a small side router (metrics, redirects) until the app stops.
fn serve_beside(
    listener: TcpListener,
    router: axum::Router,
    stopping: &tokio::sync::watch::Receiver<bool>,
) {
    let mut stop = stopping.clone();
    tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(stopped)
            .await;
    });
}
