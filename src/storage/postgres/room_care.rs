//! Room care in PostgreSQL (issue 16): topic, name, archive, pin policy and
//! roles are room events, logged in the writer's transaction; deleting a
//! room takes everything in it (the schema cascades).

use async_trait::async_trait;
use postgres::GenericClient;

use super::memberships;
use super::room_log::{log_event, next_seq};
use super::PgStore;
use crate::domain::{
    Changed, Event, MembershipChange, PinPolicy, Reactor, Role, RoomCare, RoomChange, RoomEvent,
    RoomId, RoomSettings, RoomUpdate, Timestamp, UserId,
};
use crate::storage::{RoomCaretaking, StoreError, StoreResult};

/// `NotFound` when there is no room.
pub fn room_settings(c: &mut impl GenericClient, room: RoomId) -> StoreResult<RoomSettings> {
    let row = c
        .query_opt(
            "SELECT topic, archived_at IS NOT NULL, pin_policy FROM rooms WHERE id = $1",
            &[&room.0],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok(RoomSettings {
        topic: row.try_get(0)?,
        archived: row.try_get(1)?,
        pin_policy: PinPolicy::from_db(row.try_get(2)?),
    })
}

pub fn care_for_room(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    change: &RoomCare,
    who: &Reactor,
) -> StoreResult<RoomSettings> {
    let now = Timestamp::now();
    let what = match change {
        RoomCare::Rename { name, key } => {
            c.execute(
                "UPDATE rooms SET name = $2, name_key = $3 WHERE id = $1",
                &[&room.0, name, key],
            )?;
            RoomUpdate::Renamed
        }
        RoomCare::Topic(topic) => {
            c.execute(
                "UPDATE rooms SET topic = $2 WHERE id = $1",
                &[&room.0, topic],
            )?;
            RoomUpdate::Topic
        }
        RoomCare::Archive => {
            c.execute(
                "UPDATE rooms SET archived_at = $2 WHERE id = $1",
                &[&room.0, &now.millis()],
            )?;
            RoomUpdate::Archived
        }
        RoomCare::Restore => {
            c.execute(
                "UPDATE rooms SET archived_at = NULL WHERE id = $1",
                &[&room.0],
            )?;
            RoomUpdate::Restored
        }
        RoomCare::PinPolicy(policy) => {
            c.execute(
                "UPDATE rooms SET pin_policy = $2 WHERE id = $1",
                &[&room.0, &policy.as_str()],
            )?;
            RoomUpdate::PinPolicy
        }
    };
    let settings = room_settings(c, room)?;
    let name: Option<String> = c
        .query_opt("SELECT name FROM rooms WHERE id = $1", &[&room.0])?
        .ok_or(StoreError::NotFound)?
        .try_get(0)?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::RoomUpdated {
            change: what,
            user_id: who.user_id,
            username: who.username.clone(),
            name,
            topic: settings.topic.clone(),
            archived: settings.archived,
            pin_policy: settings.pin_policy,
        },
    };
    log_event(c, events, event, now)?;
    // Archive and restore change what sends may do.
    events.push(Event::Changed(Changed::RoomAccess(room)));
    Ok(settings)
}

/// Everything in the room goes with its row (messages and their search
/// entries, events, members, reactions, pins and bookmarks cascade); each
/// member is told they left.
pub fn delete_room(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
) -> StoreResult<()> {
    let members = memberships::members(c, room)?;
    let deleted = c.execute("DELETE FROM rooms WHERE id = $1", &[&room.0])?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    events.extend(members.into_iter().map(|member| {
        Event::Membership(MembershipChange {
            room_id: room,
            member,
            joined: false,
            // The room and its log are gone: told without a seq.
            logged: false,
        })
    }));
    // Non-members' answers too: the room is gone.
    events.push(Event::Changed(Changed::RoomAccess(room)));
    Ok(())
}

#[async_trait]
impl RoomCaretaking for PgStore {
    async fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings> {
        self.readers.read(move |c| room_settings(c, room)).await
    }

    async fn care_for_room(
        &self,
        room: RoomId,
        change: RoomCare,
        who: Reactor,
    ) -> StoreResult<RoomSettings> {
        self.writer
            .write(move |c, ev| care_for_room(c, ev, room, &change, &who))
            .await
    }

    async fn delete_room(&self, room: RoomId) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| delete_room(c, ev, room))
            .await
    }

    async fn change_role(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        by: Reactor,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| {
                let changed = memberships::change_role(c, ev, room, user, role, &by)?;
                if changed {
                    ev.push(Event::Changed(Changed::RoomAccess(room)));
                }
                Ok(changed)
            })
            .await
    }
}
