//! The rooms a connection is live in, with its cursor in each: a sorted
//! vector rather than a hash map. Most connections are live in one room or
//! a few, and every idle connection keeps this: a `HashMap` is 48 bytes in
//! the listener plus a 4-bucket table (~96 bytes) for one room, this is 24
//! bytes plus 16 per room; and a fan-out's lookup is a binary search over a
//! handful of entries instead of a SipHash.

use super::cursor::RoomCursor;
use crate::domain::RoomId;

#[derive(Default)]
pub struct LiveRooms(Vec<(RoomId, RoomCursor)>);

/// Up to this many rooms the vector grows one entry at a time (no spare
/// capacity in the common case of one room); beyond, it doubles as usual,
/// so a subscribe to a thousand rooms stays linear.
const EXACT_UP_TO: usize = 4;

impl LiveRooms {
    fn find(&self, room: RoomId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&room, |(r, _)| *r)
    }

    pub fn get(&self, room: RoomId) -> Option<RoomCursor> {
        self.find(room).ok().map(|i| self.0[i].1)
    }

    pub fn get_mut(&mut self, room: RoomId) -> Option<&mut RoomCursor> {
        self.find(room).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains(&self, room: RoomId) -> bool {
        self.find(room).is_ok()
    }

    pub fn insert(&mut self, room: RoomId, cursor: RoomCursor) {
        match self.find(room) {
            Ok(i) => self.0[i].1 = cursor,
            Err(i) => {
                if self.0.len() < EXACT_UP_TO {
                    self.0.reserve_exact(1);
                }
                self.0.insert(i, (room, cursor));
            }
        }
    }

    /// Returns whether the room was there.
    pub fn remove(&mut self, room: RoomId) -> bool {
        self.find(room).map(|i| self.0.remove(i)).is_ok()
    }

    pub fn rooms(&self) -> Vec<RoomId> {
        self.0.iter().map(|(r, _)| *r).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Seq;

    #[test]
    fn rooms_are_found_kept_in_order_and_removed() {
        let mut live = LiveRooms::default();
        for room in [5, 1, 9, 3, 7, 2] {
            live.insert(RoomId(room), RoomCursor::from(Seq(room * 10)));
        }
        assert_eq!(
            live.rooms(),
            [1, 2, 3, 5, 7, 9].map(RoomId).to_vec(),
            "sorted"
        );
        assert_eq!(live.get(RoomId(7)), Some(RoomCursor::from(Seq(70))));
        live.get_mut(RoomId(7)).unwrap().sent(Seq(75));
        assert_eq!(live.get(RoomId(7)).unwrap().delivered(), Seq(75));
        live.insert(RoomId(7), RoomCursor::from(Seq(1)));
        assert_eq!(
            live.get(RoomId(7)),
            Some(RoomCursor::from(Seq(1))),
            "replaced"
        );
        assert!(live.remove(RoomId(3)));
        assert!(!live.remove(RoomId(3)));
        assert!(!live.contains(RoomId(3)));
        assert!(live.get(RoomId(4)).is_none());
        assert_eq!(live.rooms().len(), 5);
    }

    #[test]
    fn one_room_takes_no_spare_room() {
        let mut live = LiveRooms::default();
        live.insert(RoomId(1), RoomCursor::from(Seq(0)));
        assert_eq!(live.0.capacity(), 1);
    }
}
