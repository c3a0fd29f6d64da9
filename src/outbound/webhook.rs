//! One outgoing webhook's sender: signs an event's body, POSTs it through
//! the [`OutboundClient`], and says whether the receiver took it. It is the
//! [`Deliver`]er a [`super::DeliveryWorker`] drives for a hook.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use url::Url;

use super::client::{OutboundClient, OutboundError, Reply};
use super::delivery::{Deliver, Delivered, Failure, OutboundEvent};
use super::retry::parse_retry_after;
use super::signing::{sign, WebhookSecret};
use crate::domain::{RoomId, Seq};

/// Names the event's room, so a receiver can de-duplicate by (room, seq)
/// without parsing the body.
pub const ROOM_HEADER: &str = "Natter-Room";
/// The event's seq in its room.
pub const SEQ_HEADER: &str = "Natter-Seq";
/// How many events a batched delivery carries.
pub const EVENTS_HEADER: &str = "Natter-Events";

const BATCH_OPEN: &[u8] = br#"{"events":["#;
const BATCH_CLOSE: &[u8] = b"]}";

/// Where a hook delivers and the secret it signs with.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: Url,
    pub secret: WebhookSecret,
}

/// Sends events to one hook.
#[derive(Clone)]
pub struct WebhookSender {
    client: OutboundClient,
    target: WebhookTarget,
}

impl WebhookSender {
    pub fn new(client: OutboundClient, target: WebhookTarget) -> Self {
        Self { client, target }
    }

    /// The signed headers for `body` at `timestamp` (unix seconds): also what
    /// a slash-command call sends.
    pub fn headers(
        secret: &WebhookSecret,
        timestamp: i64,
        room: Option<(RoomId, Seq)>,
        body: &[u8],
    ) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let signature =
            HeaderValue::from_str(&sign(secret, timestamp, body)).expect("the signature is ASCII");
        headers.insert(HeaderName::from_static("natter-signature"), signature);
        if let Some((room, seq)) = room {
            headers.insert(
                HeaderName::from_static("natter-room"),
                HeaderValue::from(room.0),
            );
            headers.insert(
                HeaderName::from_static("natter-seq"),
                HeaderValue::from(seq.0),
            );
        }
        headers
    }

    /// A signed call that is not a room event (a slash command): POSTs
    /// `body` with the signature and returns the reply, whatever its status.
    pub async fn call(&self, body: &[u8]) -> Result<Reply, OutboundError> {
        let headers = Self::headers(&self.target.secret, unix_now(), None, body);
        self.client
            .post(&self.target.url, headers, body.to_vec())
            .await
    }

    /// POSTs one signed event. A 2xx is delivered; anything else, or no
    /// answer, is a [`Failure`] (permanent for a refused URL or 410 Gone).
    pub async fn send(&self, event: &OutboundEvent) -> Result<Delivered, Failure> {
        // Shares the event's bytes: no copy per attempt.
        let body = Bytes::from_owner(Arc::clone(&event.body));
        self.post_signed(Some((event.room, event.seq)), None, body)
            .await
    }

    /// POSTs several events as one signed body, `{"events":[...]}` with each
    /// event's own JSON in order (every body must be one JSON object). The
    /// headers name the last event's room and seq, `Natter-Events` how
    /// many there are; a receiver de-duplicates each element by its
    /// (`room_id`, `seq`). Judged as one: a 2xx takes them all.
    pub async fn send_many(&self, events: &[OutboundEvent]) -> Result<Delivered, Failure> {
        let Some(last) = events.last() else {
            return Ok(Delivered {
                status: 0,
                latency: Duration::ZERO,
                reply: Vec::new(),
            });
        };
        let size = events.iter().map(|e| e.body.len() + 1).sum::<usize>();
        let mut body = Vec::with_capacity(size + BATCH_OPEN.len() + BATCH_CLOSE.len());
        body.extend_from_slice(BATCH_OPEN);
        for (i, event) in events.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&event.body);
        }
        body.extend_from_slice(BATCH_CLOSE);
        self.post_signed(
            Some((last.room, last.seq)),
            Some(events.len()),
            Bytes::from(body),
        )
        .await
    }

    async fn post_signed(
        &self,
        place: Option<(RoomId, Seq)>,
        batch_of: Option<usize>,
        body: Bytes,
    ) -> Result<Delivered, Failure> {
        let now = unix_now();
        let mut headers = Self::headers(&self.target.secret, now, place, &body);
        if let Some(count) = batch_of {
            headers.insert(
                HeaderName::from_static("natter-events"),
                HeaderValue::from(count),
            );
        }
        match self.client.post(&self.target.url, headers, body).await {
            Ok(reply) => judge(reply, now),
            Err(e) => Err(Failure {
                status: None,
                retry_after: None,
                permanent: e.is_refused(),
                message: e.to_string(),
            }),
        }
    }
}

#[async_trait]
impl Deliver for WebhookSender {
    async fn deliver(&self, event: &OutboundEvent) -> Result<Delivered, Failure> {
        self.send(event).await
    }

    async fn deliver_many(&self, events: &[OutboundEvent]) -> Result<Delivered, Failure> {
        self.send_many(events).await
    }
}

fn judge(reply: Reply, now: i64) -> Result<Delivered, Failure> {
    let status = reply.status.as_u16();
    if reply.status.is_success() {
        // A truncated reply is no reply: half a JSON document is not a message.
        let body = if reply.truncated {
            Vec::new()
        } else {
            reply.body
        };
        return Ok(Delivered {
            status,
            latency: reply.elapsed,
            reply: body,
        });
    }
    let retry_after = reply
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    let message = match status {
        410 => "the receiver answered 410 Gone: it no longer wants these events".to_owned(),
        300..=399 => format!(
            "the receiver answered {status} (redirects are not followed; update the hook's URL)"
        ),
        _ => format!("the receiver answered {status}"),
    };
    Err(Failure {
        status: Some(status),
        retry_after,
        permanent: status == 410,
        message,
    })
}

/// Seconds since the epoch, as signatures carry them.
pub fn unix_now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}
