//! Where a bot's hook reads its events: every room its bot is in now
//! (membership read at each step, never remembered), each room from its
//! delivered seq or the bot's join, in seq order per room.

use super::payload;
use super::Deliveries;
use crate::domain::OutHookInfo;
use crate::error::Result;
use crate::outbound::{Cursor, OutboundEvent};

/// Up to `limit` events for the bot's hook `info` after `cursors`.
pub(super) async fn events_after(
    deliveries: &Deliveries,
    info: &OutHookInfo,
    cursors: &[Cursor],
    limit: usize,
) -> Result<Vec<OutboundEvent>> {
    let delivered: Vec<_> = cursors.iter().map(|c| (c.room, c.seq)).collect();
    let rooms = deliveries
        .chat
        .bot_hook_rooms(info.bot_id, &delivered)
        .await?;
    let mut out = Vec::new();
    for (room, after) in rooms {
        let left = limit.saturating_sub(out.len());
        if left == 0 {
            break;
        }
        let left = u32::try_from(left).unwrap_or(u32::MAX);
        let logged = deliveries
            .store
            .logged_events_after(room, after, left)
            .await?;
        out.extend(logged.into_iter().map(|event| {
            OutboundEvent {
                room,
                seq: event.seq(),
                // Empty: an event the hook skips (its bot's own message).
                body: payload::encode_logged(info.id, info.bot_id, room, event)
                    .unwrap_or_default()
                    .into(),
            }
        }));
    }
    Ok(out)
}
