//! Web Push wired in (issue 16): the server's VAPID key kept in the store,
//! browsers' subscriptions, and the pushes made after each commit for the
//! members a message would notify and who have no stream open.
//!
//! ```text
//! store commit -> tap (try_send, never blocks) -> dispatcher task
//!   -> who: members at commit time (not the author) with a subscription,
//!      whose level and do-not-disturb let it through, with no stream open
//!   -> push_queue rows (bounded per subscription) -> wake that worker
//! worker per subscription (outbound::DeliveryWorker, stored cursor):
//!   at least once, in order, backoff; 404/410 from the service deletes
//!   the subscription
//! ```
//!
//! The decision is taken once, just after the commit, from the commit
//! stream of the node that made it (the tap sits between the store and the
//! bus, so other nodes' events are not pushed twice). A crash between a
//! commit and its queueing loses that push (never the message); once
//! queued, a push survives restarts. "Has a stream open" is this node's
//! hub: with several nodes a user connected elsewhere may also get a push.

mod delivery;
mod dispatch;
mod payload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde::Serialize;
use utoipa::ToSchema;

pub use dispatch::{tap, Gate, Tap, TapReceiver};
pub use payload::{PushPayload, EXCERPT_CHARS};

use crate::chat::SessionToken;
use crate::domain::{Timestamp, User, UserId};
use crate::error::{Error, Result};
use crate::outbound::{AddressPolicy, OutboundClient, OutboundConfig, WorkerHandle};
use crate::push::{PushSender, Subscription, VapidKey};
use crate::realtime::Hub;
use crate::storage::{NewPushSubscription, PushSubscriptionRecord, Store, StoreError};

/// The most push subscriptions (devices) one person may keep.
pub const MAX_SUBSCRIPTIONS_PER_USER: u32 = 10;
/// Pushes one subscription keeps waiting; older ones are dropped first.
pub const QUEUE_PER_SUBSCRIPTION: u32 = 100;
/// The contact when none is configured and the public URL is not https.
const PLACEHOLDER_CONTACT: &str = "mailto:webmaster@localhost";

/// Outgoing requests: which private blocks may be reached (none by
/// default: the SSRF guard), extra CA roots, and the VAPID contact.
#[derive(Debug, Clone, Default)]
pub struct OutboundSettings {
    pub allow: Vec<String>,
    pub extra_roots: Vec<PathBuf>,
    pub push_contact: Option<String>,
    /// Outgoing webhooks' retries: the first wait's ceiling (ms) and the
    /// attempts before pausing.
    pub hook_retry_ms: u64,
    pub hook_attempts: u32,
}

impl OutboundSettings {
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        AddressPolicy::parse(self.allow.as_slice())
            .map_err(|e| anyhow::anyhow!("--outbound-allow: {e}"))?;
        if self.hook_attempts == 0 {
            anyhow::bail!("--outhook-attempts must be at least 1");
        }
        if let Some(contact) = &self.push_contact {
            crate::push::check_contact(contact).map_err(|_| {
                anyhow::anyhow!("--push-contact must be a mailto: or https: URL (got {contact})")
            })?;
        }
        Ok(())
    }

    pub(crate) fn client(&self) -> anyhow::Result<OutboundClient> {
        Ok(OutboundClient::new(self.config()?)?)
    }

    /// The bounds of outgoing requests with the admin's allow list and
    /// trust roots filled in (callers tighten timeouts and caps of their own).
    pub(crate) fn config(&self) -> anyhow::Result<OutboundConfig> {
        let mut extra_roots_pem = Vec::new();
        for file in &self.extra_roots {
            extra_roots_pem.push(
                std::fs::read(file).with_context(|| {
                    format!("cannot read --outbound-ca-file {}", file.display())
                })?,
            );
        }
        let policy = AddressPolicy::parse(self.allow.as_slice()).map_err(|e| anyhow::anyhow!(e))?;
        Ok(OutboundConfig {
            policy,
            extra_roots_pem,
            ..OutboundConfig::default()
        })
    }
}

/// A subscription as the API shows it (never its keys).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PushSubscriptionJson {
    pub id: i64,
    pub endpoint: String,
    pub created_at: Timestamp,
}

impl From<PushSubscriptionRecord> for PushSubscriptionJson {
    fn from(r: PushSubscriptionRecord) -> Self {
        Self {
            id: r.id,
            endpoint: r.endpoint,
            created_at: r.created_at,
        }
    }
}

/// Web Push for one server: the sender, the subscriptions' use-cases and
/// the running delivery workers.
pub struct Pushes {
    store: Arc<dyn Store>,
    sender: PushSender,
    client: OutboundClient,
    hub: Arc<Hub>,
    workers: Mutex<HashMap<i64, WorkerHandle>>,
    gate: Arc<Gate>,
}

impl Pushes {
    /// Loads (or makes and keeps) the VAPID key, starts the dispatcher on
    /// `commits`, and restarts the workers of subscriptions with pushes
    /// waiting from before a restart.
    pub async fn start(
        store: Arc<dyn Store>,
        config: &crate::config::Config,
        hub: Arc<Hub>,
        commits: TapReceiver,
    ) -> anyhow::Result<Arc<Self>> {
        let (settings, public_url) = (&config.outbound, config.public_url.as_deref());
        let pem = store
            .push_key_or(VapidKey::generate().to_pem())
            .await
            .context("cannot keep the Web Push key")?;
        let key = VapidKey::from_pem(&pem)
            .map_err(|e| anyhow::anyhow!("the stored Web Push key: {e}"))?;
        let contact = settings
            .push_contact
            .clone()
            .or_else(|| {
                public_url
                    .filter(|u| u.starts_with("https://"))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| PLACEHOLDER_CONTACT.to_owned());
        let client = settings.client()?;
        let sender = PushSender::new(client.clone(), key, &contact).map_err(|_| {
            anyhow::anyhow!("the Web Push contact {contact} is not mailto: or https:")
        })?;
        let pushes = Arc::new(Self {
            store,
            sender,
            client,
            hub,
            workers: Mutex::default(),
            gate: Arc::clone(&commits.gate),
        });
        for id in pushes.store.subscriptions_with_queued_pushes().await? {
            pushes.wake(id);
        }
        pushes.gate.set(pushes.store.any_push_subscription().await?);
        dispatch::spawn(Arc::clone(&pushes), commits.messages);
        Ok(pushes)
    }

    /// The server's public key (base64url), the page's `applicationServerKey`.
    pub fn public_key(&self) -> String {
        self.sender.public_key_base64()
    }

    /// Keeps the browser's subscription (its `toJSON()`) for this session.
    pub async fn subscribe(
        &self,
        user: &User,
        session: &SessionToken,
        json: &[u8],
    ) -> Result<PushSubscriptionJson> {
        let sub = Subscription::from_json(json)?;
        // Refused early with a sentence, not found out at the first push.
        // (A name that does not resolve right now is kept: DNS may be back
        // by the first push, and the worker checks again then.)
        match self.client.check_url(sub.endpoint().as_str()).await {
            Err(e) if e.is_refused() => {
                return Err(Error::invalid(
                    "endpoint_refused",
                    format!("This push endpoint cannot be reached from the server: {e}"),
                ));
            }
            _ => {}
        }
        // Open before the row exists: a message committed from now on may
        // have someone to go to.
        let _change = self.gate.change.lock().await;
        self.gate.set(true);
        let new = NewPushSubscription {
            user_id: user.id,
            session_hash: session.hash(),
            endpoint: sub.endpoint().to_string(),
            p256dh: sub.p256dh_base64(),
            auth: sub.auth_base64(),
        };
        match self
            .store
            .add_push_subscription(new, MAX_SUBSCRIPTIONS_PER_USER)
            .await
        {
            Ok(record) => Ok(record.into()),
            Err(StoreError::Conflict) => Err(Error::TooMany {
                code: "too_many_subscriptions",
                message: format!(
                    "You can get notifications on at most {MAX_SUBSCRIPTIONS_PER_USER} devices; turn them off on one first."
                ),
            }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn subscriptions(&self, user: &User) -> Result<Vec<PushSubscriptionJson>> {
        Ok(self
            .store
            .push_subscriptions_of(user.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Removes one of `user`'s subscriptions; someone else's is a 404.
    pub async fn unsubscribe(&self, user: &User, id: i64) -> Result<()> {
        if !self
            .store
            .delete_push_subscription(id, Some(user.id))
            .await?
        {
            return Err(Error::not_found("No such push subscription of yours."));
        }
        self.stop(id);
        self.close_gate_if_nobody_subscribes().await;
        Ok(())
    }

    /// Closes the tap's gate when the store holds no subscription any more
    /// (subscriptions also go with their sessions, so this is asked after
    /// unsubscribing and when a dispatch finds nobody; a wrong "yes" only
    /// costs a read per message until the next check).
    pub(super) async fn close_gate_if_nobody_subscribes(&self) {
        let _change = self.gate.change.lock().await;
        if let Ok(false) = self.store.any_push_subscription().await {
            self.gate.set(false);
        }
    }

    /// Whether `user` has a stream open on this node (then the page itself
    /// shows the message, and no push is needed).
    fn online(&self, user: UserId) -> bool {
        self.hub.connections_of(user) > 0
    }

    /// Wakes the subscription's worker, starting one if it is not running.
    fn wake(self: &Arc<Self>, id: i64) {
        let mut workers = self.workers.lock().expect("push workers lock");
        if let Some(worker) = workers.get(&id).filter(|w| !w.is_finished()) {
            worker.wake();
            return;
        }
        let worker = delivery::worker(self, id).spawn();
        worker.wake();
        workers.insert(id, worker);
    }

    fn stop(&self, id: i64) {
        if let Some(worker) = self.workers.lock().expect("push workers lock").remove(&id) {
            worker.stop();
        }
    }
}
