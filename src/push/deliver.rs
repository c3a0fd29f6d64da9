//! One push subscription as a delivery target, so pushes go through the
//! same [`DeliveryWorker`](crate::outbound::DeliveryWorker) as webhooks: a
//! stored cursor per subscription, at least once, in order, retried with
//! backoff, paused (for the caller to delete) when the subscription is gone.

use std::time::Instant;

use async_trait::async_trait;

use super::sender::{PushError, PushOptions, PushSender};
use super::subscription::Subscription;
use crate::outbound::{Deliver, Delivered, Failure, OutboundEvent};

/// A subscription and how to push to it; the event's body is the payload
/// (a small JSON document the service worker shows, at most
/// [`super::MAX_PLAINTEXT`] bytes: a longer one pauses the target).
#[derive(Clone)]
pub struct PushTarget {
    pub sender: PushSender,
    pub subscription: Subscription,
    pub options: PushOptions,
}

#[async_trait]
impl Deliver for PushTarget {
    async fn deliver(&self, event: &OutboundEvent) -> Result<Delivered, Failure> {
        let started = Instant::now();
        match self
            .sender
            .send(&self.subscription, &event.body, &self.options)
            .await
        {
            Ok(accepted) => Ok(Delivered {
                status: accepted.status,
                latency: started.elapsed(),
                reply: Vec::new(),
            }),
            Err(err) => Err(failure(&err)),
        }
    }
}

/// A push error as the worker sees it: retried when the service may take
/// it later, else permanent, so the worker pauses (and the observer can
/// delete a gone subscription: [`Failure::status`] is 404 or 410).
fn failure(err: &PushError) -> Failure {
    let status = match err {
        PushError::Gone { status }
        | PushError::Unavailable { status, .. }
        | PushError::Rejected { status, .. } => Some(*status),
        PushError::RateLimited { .. } => Some(429),
        PushError::TooLarge => Some(413),
        PushError::Transport(_) | PushError::BadOptions(_) => None,
    };
    let retry = err.retry();
    Failure {
        status,
        retry_after: retry.flatten(),
        permanent: retry.is_none(),
        message: err.to_string(),
    }
}
