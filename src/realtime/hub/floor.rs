//! How far this node's listeners of a room have got: the bus's watermark
//! compares it with the store's newest seq.

use super::Hub;
use crate::domain::{RoomId, Seq};
use crate::realtime::cursor::RoomCursor;

impl Hub {
    /// The lowest seq sent to the room's live listeners here (`None`: no
    /// listener is live in it yet).
    pub fn room_floor(&self, room: RoomId) -> Option<Seq> {
        let state = self.state.read().expect("hub lock");
        state
            .rooms
            .get(&room)?
            .listeners
            .iter()
            .filter_map(|l| l.cursor(room))
            .map(RoomCursor::delivered)
            .min()
    }
}
