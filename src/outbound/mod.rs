//! Outgoing HTTP to user-given URLs (webhooks, slash commands, Web Push):
//! the SSRF guard, the bounded client, webhook signatures, the retry policy
//! and the per-target delivery worker. Knows nothing of storage or routes.
//!
//! # How the pieces fit (for the code that wires issue 19 in)
//!
//! ```text
//! OutboundConfig { policy: AddressPolicy::parse(&admin_cidrs)?, ..Default::default() }
//!   -> OutboundClient::new(config)?                       one per server, cheap to clone
//! hook made:   client.check_url(&url).await?              early, clear refusal (400)
//!              WebhookSecret::generate()                  shown once, stored as expose()
//! per hook:    WebhookSender::new(client.clone(), WebhookTarget { url, secret })
//!              DeliveryWorker::new(TargetId(hook_id), store, source, Arc::new(sender))
//!                  .observer(log).spawn()                 -> WorkerHandle
//! on commit:   handle.wake()                              after the transaction commits
//! on pause:    DeliveryObserver::paused                   mark paused, tell the owner
//! each try:    DeliveryObserver::attempted                the hook's delivery log
//! bot reply:   Delivered::reply                           {"text": ...} posted as the bot
//! slash cmd:   WebhookSender::call(&json).await           signed, reply returned
//! ```
//!
//! - **SSRF guard** ([`AddressPolicy`], [`GuardedResolver`]): the client
//!   resolves every name through [`GuardedResolver`] and connects to exactly
//!   the addresses it returned, so what is checked is what is reached (no
//!   second lookup, no DNS rebinding). Address literals are checked before
//!   sending; proxies from the environment are ignored; redirects are not
//!   followed unless `max_redirects > 0`, and then each hop is checked.
//! - **Bounds**: connect and total timeouts, at most `max_response_bytes` of
//!   a reply read.
//! - **HTTP and TLS**: reqwest (already built for the tests and the bench)
//!   rather than hyper-util's bare client: it brings the connection pool,
//!   connect and total timeouts, a redirect policy hook and, above all, a
//!   resolver seam that the connector honours. TLS is rustls on `ring` (no
//!   OpenSSL, no CMake-built aws-lc) with the Mozilla roots (webpki-roots)
//!   compiled in, so https works the same on any machine; extra roots for
//!   private CAs. No gzip: a reply is read as sent, so the cap is real.
//! - **Signatures** ([`sign`], [`verify`]): `Natter-Signature:
//!   t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; see
//!   `docs/webhooks.md`.
//! - **Delivery** ([`DeliveryWorker`]): at least once, in seq order per room,
//!   resumable from the stored cursor; backoff with full jitter
//!   ([`RetryPolicy`]), then [`Paused`]. One request per event by default;
//!   `per_request` (with `gather`) sends several in one signed
//!   `{"events":[...]}` body, for receivers that opted in: a request costs
//!   the server ~14 µs of CPU whatever it carries (BENCHMARKS.md, issue 19).

mod client;
mod delivery;
mod guard;
mod memory;
mod resolve;
mod retry;
mod signing;
mod webhook;
mod worker_handle;

#[cfg(test)]
pub(crate) mod tests;

pub use client::{parse_target, OutboundClient, OutboundConfig, OutboundError, Reply};
pub use delivery::{
    Cursor, CursorStore, Deliver, Delivered, DeliveryObserver, DeliveryWorker, EventSource,
    Failure, OutboundEvent, Paused, TargetId, WorkerHandle,
};
pub use guard::{is_localhost_name, AddressPolicy, Refused};
pub use memory::{MemoryCursorStore, MemoryEventSource};
pub use resolve::{GuardedResolver, ResolveError, Resolver, StaticResolver, SystemResolver};
pub use retry::{parse_retry_after, Retry, RetryPolicy};
pub use signing::{
    sign, verify, SignatureError, WebhookSecret, DEFAULT_TOLERANCE, SIGNATURE_HEADER,
};
pub use webhook::{unix_now, WebhookSender, WebhookTarget, EVENTS_HEADER, ROOM_HEADER, SEQ_HEADER};
