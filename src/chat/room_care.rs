//! Room care (issue 16): topic, rename, archive and restore, delete, who may
//! pin. An archived room is read-only: nothing new goes in until an owner
//! restores it.

use crate::error::{Error, Result};
use crate::storage::RoomAccess;

/// Refuses a change to an archived room's content with one clear sentence.
pub(super) fn refuse_if_archived(access: &RoomAccess) -> Result<()> {
    if access.archived {
        return Err(Error::conflict(
            "room_archived",
            "This room is archived and read-only; an owner can restore it.",
        ));
    }
    Ok(())
}
