//! Outgoing webhooks wired in (issue 19): each hook's room events POSTed to
//! its URL, signed, at least once and in seq order, from the durable room
//! log by a stored cursor (`crate::outbound` does the HTTP, the signing,
//! the SSRF guard and the retries).
//!
//! ```text
//! store commit -> Tap (wakes the room's workers; never waits) -> bus
//! worker per hook (outbound::DeliveryWorker):
//!   events_after(room, cursor) from the log -> sign, POST (bounded in
//!   flight) -> cursor and attempt into the Ledger -> written 4x a second
//!   too many failures -> paused in the store, its maker told by its bot
//! ```
//!
//! A receiver that is down holds up only its own worker: the commit path
//! pays an atomic load (no hooks) or a lock and a `Notify` per batch.
//! With several nodes on one database each hook is delivered by one node
//! at a time, the one holding its lease (`owner`). A bot's hook (no room)
//! reads every room its bot is in (`bot_source`), woken by any commit.

mod bot_source;
mod ledger;
mod owner;
mod payload;
mod registry;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

pub use ledger::LOG_KEEP;
pub use payload::MAX_PAYLOAD_BYTES;
pub use registry::{tap, Registry, Tap};

use crate::chat::{Chat, OutHookRequest, OutHookScope, URL_MAX};
use crate::domain::{DeliveryAttempt, OutHookInfo, Timestamp, User, UserId};
use crate::error::{Error, Result};
use crate::outbound::{OutboundClient, RetryPolicy, WebhookSecret};
use crate::storage::{OutHook, Store};
use ledger::Ledger;

/// Requests to receivers in flight at once, across all hooks.
pub const MAX_IN_FLIGHT: usize = 32;

/// A hook just made: the only time its secret is shown.
#[derive(Debug, Clone)]
pub struct MadeOutHook {
    pub info: OutHookInfo,
    pub secret: String,
}

/// The outgoing webhooks of this server: the use-cases that start and stop
/// workers, and the running workers.
pub struct Deliveries {
    chat: Arc<Chat>,
    store: Arc<dyn Store>,
    client: OutboundClient,
    registry: Arc<Registry>,
    ledger: Arc<Ledger>,
    permits: Semaphore,
    retry: RetryPolicy,
    /// This node's name in the hooks' leases.
    node: String,
    /// Taken by whatever starts or stops workers, so a claim never
    /// restarts a hook being paused here.
    claims: tokio::sync::Mutex<owner::Claims>,
    /// On a cluster other nodes commit events too, and this node's commits
    /// wake its workers only for its own: each renewal wakes them all.
    cluster: bool,
}

impl Deliveries {
    /// Starts the workers of the hooks this node holds (every hook not
    /// paused, with one node), resuming each from its stored cursor, and
    /// keeps holding them.
    pub async fn start(
        chat: Arc<Chat>,
        store: Arc<dyn Store>,
        config: &crate::config::Config,
        registry: Arc<Registry>,
    ) -> anyhow::Result<Arc<Self>> {
        let settings = &config.outbound;
        let ledger = Ledger::new(Arc::clone(&store));
        ledger.start();
        let deliveries = Arc::new(Self {
            chat,
            client: settings.client()?,
            registry,
            ledger,
            permits: Semaphore::new(MAX_IN_FLIGHT),
            retry: RetryPolicy {
                base: Duration::from_millis(settings.hook_retry_ms.max(1)),
                max_attempts: settings.hook_attempts.max(1),
                ..RetryPolicy::default()
            },
            store,
            node: owner::node_name(),
            claims: tokio::sync::Mutex::default(),
            cluster: !config.bus_url.is_none(),
        });
        deliveries.claim().await;
        deliveries.keep_claiming();
        Ok(deliveries)
    }

    /// Makes a hook in a room I moderate (or for a bot of mine), after the
    /// SSRF guard took its URL.
    pub async fn make(
        self: &Arc<Self>,
        me: &User,
        scope: OutHookScope,
        name: &str,
        url: &str,
        bot: Option<UserId>,
        batch: bool,
    ) -> Result<MadeOutHook> {
        let url = url.trim();
        if url.len() > URL_MAX {
            return Err(Error::invalid(
                "url_too_long",
                format!("A webhook URL may be at most {URL_MAX} characters."),
            ));
        }
        let checked = self.client.check_url(url).await.map_err(|e| {
            if e.is_refused() || matches!(e, crate::outbound::OutboundError::Resolve(_)) {
                Error::invalid(
                    "url_not_allowed",
                    format!("The server cannot deliver to this URL: {e}"),
                )
            } else {
                e.into()
            }
        })?;
        let secret = WebhookSecret::generate();
        let request = OutHookRequest {
            name: name.to_owned(),
            url: checked.to_string(),
            bot,
            secret: secret.expose().to_owned(),
            batch,
        };
        let hook = match scope {
            OutHookScope::Room(room) => self.chat.make_out_hook(me, room, request).await?,
            OutHookScope::Bot(bot) => self.chat.make_bot_out_hook(me, bot, request).await?,
        };
        // Started by the node that takes it (this one, unless another
        // node's renewal came first).
        self.claim().await;
        Ok(MadeOutHook {
            info: hook.info,
            secret: secret.expose().to_owned(),
        })
    }

    pub async fn list(&self, me: &User, scope: OutHookScope) -> Result<Vec<OutHookInfo>> {
        match scope {
            OutHookScope::Room(room) => self.chat.room_out_hooks(me, room).await,
            OutHookScope::Bot(bot) => self.chat.bot_out_hooks(me, bot).await,
        }
    }

    /// Pauses or resumes a hook; resuming starts from its cursor. On
    /// another node holding it, it stops or starts at that node's next
    /// renewal.
    pub async fn set_paused(
        self: &Arc<Self>,
        me: &User,
        scope: OutHookScope,
        id: i64,
        paused: bool,
    ) -> Result<OutHookInfo> {
        // Checked before anything stops: a caller who may not manage the
        // hook changes nothing.
        self.chat.managed_out_hook(me, scope, id).await?;
        let info = {
            let _claims = self.claims.lock().await;
            if paused {
                self.registry.remove(id, false);
                self.ledger.flush(id).await;
            }
            self.chat.pause_out_hook(me, scope, id, paused).await?
        };
        if !paused {
            self.claim().await;
        }
        Ok(info)
    }

    pub async fn delete(&self, me: &User, scope: OutHookScope, id: i64) -> Result<()> {
        self.chat.managed_out_hook(me, scope, id).await?;
        let _claims = self.claims.lock().await;
        self.registry.remove(id, false);
        self.ledger.forget(id);
        self.chat.delete_out_hook(me, scope, id).await
    }

    /// The hook's newest attempts (newest first), those not yet written
    /// included.
    pub async fn log(
        &self,
        me: &User,
        scope: OutHookScope,
        id: i64,
    ) -> Result<Vec<DeliveryAttempt>> {
        self.chat.managed_out_hook(me, scope, id).await?;
        self.ledger.flush(id).await;
        self.chat.out_hook_log(me, scope, id, LOG_KEEP).await
    }

    /// Starts the hook's worker (a hook whose stored URL or secret no longer
    /// parses is paused instead, with the reason).
    fn run(self: &Arc<Self>, hook: OutHook) {
        let (id, room) = (hook.info.id, hook.info.room_id);
        match worker::worker(self, hook.info, &hook.secret) {
            Ok(worker) => {
                let handle = worker.spawn();
                handle.wake();
                self.registry.insert(id, room, handle);
            }
            Err(why) => {
                let store = Arc::clone(&self.store);
                tokio::spawn(async move {
                    let paused = Some((Timestamp::now(), format!("Cannot deliver: {why}")));
                    if let Err(e) = store.set_out_hook_paused(id, paused).await {
                        tracing::warn!(hook = id, error = %e, "outgoing webhook: cannot pause");
                    }
                });
            }
        }
    }
}
