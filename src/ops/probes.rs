//! What `/metrics` reads from the app's parts when scraped: counts those
//! parts keep anyway (the hub's listeners, deliveries and cut-offs, open
//! connections, rate-limit refusals), the database's size and the
//! process's own figures. Nothing here runs per message.

use std::path::PathBuf;
use std::sync::Arc;

use super::metrics::{names, Metrics};
use crate::chat::Chat;
use crate::http::server::Connections;
use crate::realtime::hub::Catchup;
use crate::realtime::Hub;

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
pub fn observe(
    metrics: &Metrics,
    hub: &Arc<Hub>,
    chat: &Arc<Chat>,
    connections: &Arc<Connections>,
    // The SQLite file (PostgreSQL's size is its own server's to report).
    database: Option<PathBuf>,
) {
    let hub = Arc::downgrade(hub);
    metrics.probe(move |m| {
        let Some(hub) = hub.upgrade() else { return };
        let stats = hub.stats();
        m.gauge(names::STREAM_LISTENERS, &[])
            .set(stats.listeners as f64);
        m.gauge(names::ROOMS_WITH_LISTENERS, &[])
            .set(stats.rooms as f64);
        m.counter(names::DELIVERIES, &[]).absolute(stats.deliveries);
        m.counter(names::CUT_OFFS, &[]).absolute(stats.cut_off);
        for (from, count) in Catchup::KINDS.into_iter().zip(stats.catchups) {
            m.counter(names::CATCHUPS, &[("from", from)])
                .absolute(count);
        }
    });
    let connections = Arc::downgrade(connections);
    metrics.probe(move |m| {
        let Some(connections) = connections.upgrade() else {
            return;
        };
        let counts = connections.counts();
        m.gauge(names::CONNECTIONS, &[("kind", "http")])
            .set(counts.http as f64);
        m.gauge(names::CONNECTIONS, &[("kind", "websocket")])
            .set(counts.websocket as f64);
        m.counter(names::RATE_LIMITED, &[("limit", "connections_per_ip")])
            .absolute(counts.refused);
    });
    let chat = Arc::downgrade(chat);
    metrics.probe(move |m| {
        let Some(chat) = chat.upgrade() else { return };
        for (limit, refused) in chat.rate_limit_refusals() {
            m.counter(names::RATE_LIMITED, &[("limit", limit)])
                .absolute(refused);
        }
    });
    let Some(database) = database else {
        super::process::observe(metrics);
        return;
    };
    metrics.probe(move |m| {
        let mut wal = database.clone().into_os_string();
        wal.push("-wal");
        let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let bytes = size(&database) + size(std::path::Path::new(&wal));
        m.gauge(names::DATABASE_BYTES, &[]).set(bytes as f64);
    });
    super::process::observe(metrics);
}
