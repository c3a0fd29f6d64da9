//! Slack conversations (`channels.json`, `groups.json`, `dms.json`,
//! `mpims.json`) to planned rooms: kind, a plan-unique name, topic, members.

use std::collections::{HashMap, HashSet};

use super::markup::{to_markdown, Directory};
use super::people::{user_key, People};
use super::raw;
use crate::domain::{RoomKind, RoomName, Timestamp};
use crate::import::plan::{ImportKey, PlannedRoom};

/// `RoomName::parse`'s limit (the tests parse every name made here).
const ROOM_NAME_MAX: usize = 64;

/// Which listing a conversation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Listing {
    Channels,
    Groups,
    Dms,
    Mpims,
}

impl Listing {
    pub const ALL: [(Self, &'static str); 4] = [
        (Self::Channels, "channels.json"),
        (Self::Groups, "groups.json"),
        (Self::Dms, "dms.json"),
        (Self::Mpims, "mpims.json"),
    ];
}

/// A conversation as listed, before it is planned.
pub(super) struct Conversation {
    pub listing: Listing,
    pub raw: raw::Channel,
}

impl Conversation {
    /// Its folder in the export: the name, or the id for DMs.
    pub fn folder(&self) -> &str {
        match (&self.listing, &self.raw.name) {
            (Listing::Dms, _) | (_, None) => &self.raw.id,
            (_, Some(name)) => name,
        }
    }

    pub fn key(&self) -> ImportKey {
        ImportKey::derive("slack", &[&self.raw.id])
    }
}

/// Plans the rooms, sorted by kind then name, and the names that Slack's
/// `<@U…>` and `<#C…>` stand for. `counts[i]` is the number of messages of
/// `conversations[i]`.
pub(super) fn plan_rooms(
    conversations: &[Conversation],
    counts: &[usize],
    people: &People,
) -> (Vec<PlannedRoom>, Directory) {
    let mut rooms: Vec<PlannedRoom> = conversations
        .iter()
        .zip(counts)
        .map(|(conversation, &count)| plan_room(conversation, count, people))
        .collect();
    let rank = |kind: RoomKind| match kind {
        RoomKind::Public => 0,
        RoomKind::Private => 1,
        RoomKind::Direct => 2,
    };
    rooms.sort_by(|a, b| (rank(a.kind), &a.name, &a.key).cmp(&(rank(b.kind), &b.name, &b.key)));
    let mut taken = HashSet::new();
    for room in &mut rooms {
        room.name = unique_name(&room.name, &mut taken);
    }
    let by_key: HashMap<&ImportKey, &str> =
        rooms.iter().map(|r| (&r.key, r.name.as_str())).collect();
    let names = Directory {
        users: people.usernames.clone(),
        channels: conversations
            .iter()
            .map(|c| (c.raw.id.clone(), by_key[&c.key()].to_owned()))
            .collect(),
    };
    // Topics can mention people and rooms, so they wait for the names.
    for room in &mut rooms {
        room.topic = room
            .topic
            .take()
            .map(|t| to_markdown(&t, &names))
            .filter(|t| !t.trim().is_empty());
    }
    (rooms, names)
}

/// The room, its topic still in Slack's markup.
fn plan_room(conversation: &Conversation, count: usize, people: &People) -> PlannedRoom {
    let raw = &conversation.raw;
    let mut members: Vec<ImportKey> = raw
        .members
        .iter()
        .filter(|id| people.knows(id))
        .map(|id| user_key(id))
        .collect();
    members.sort();
    members.dedup();
    let usernames = || {
        let mut list: Vec<&str> = raw
            .members
            .iter()
            .filter_map(|id| people.usernames.get(id).map(String::as_str))
            .collect();
        list.sort_unstable();
        list.dedup();
        list.join(", ")
    };
    let (kind, name) = match conversation.listing {
        Listing::Channels => (RoomKind::Public, raw.name.clone().unwrap_or_default()),
        Listing::Groups => (RoomKind::Private, raw.name.clone().unwrap_or_default()),
        // A DM with oneself, or with someone not in the export, is a
        // private room: Natter's direct rooms hold exactly two people.
        Listing::Dms if members.len() == 2 => (RoomKind::Direct, usernames()),
        Listing::Dms | Listing::Mpims => (RoomKind::Private, usernames()),
    };
    let text = |t: &Option<raw::Text>| {
        t.as_ref()
            .map(|t| t.value.clone())
            .filter(|t| !t.trim().is_empty())
    };
    PlannedRoom {
        key: conversation.key(),
        name: if name.trim().is_empty() {
            raw.id.clone()
        } else {
            name
        },
        kind,
        topic: text(&raw.topic).or_else(|| text(&raw.purpose)),
        members,
        created_at: Timestamp(raw.created.unwrap_or(0).saturating_mul(1000)),
        created_by: raw
            .creator
            .as_deref()
            .filter(|id| people.knows(id))
            .map(user_key),
        archived: raw.is_archived,
        message_count: count,
    }
}

/// `name` as a valid room name not yet in `taken` (case-insensitive).
fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control())
        .filter(|c| RoomName::parse(&c.to_string()).is_ok() || c.is_whitespace())
        .collect();
    let clean = clean.trim();
    let base: String = clean.chars().take(ROOM_NAME_MAX).collect();
    let base = if base.trim().is_empty() {
        "room".to_owned()
    } else {
        base.trim().to_owned()
    };
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate.to_lowercase()) {
        n += 1;
        let suffix = format!(" ({n})");
        let keep = ROOM_NAME_MAX - suffix.chars().count();
        candidate = format!(
            "{}{suffix}",
            base.chars().take(keep).collect::<String>().trim_end()
        );
    }
    debug_assert!(RoomName::parse(&candidate).is_ok(), "{candidate}");
    taken.insert(candidate.to_lowercase());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_made_valid_and_unique() {
        let mut taken = HashSet::new();
        let long = "r".repeat(80);
        let names: Vec<String> = [
            "general",
            "General",
            "a\u{202E}b\u{0007}c",
            "   ",
            &long,
            &long,
        ]
        .iter()
        .map(|n| unique_name(n, &mut taken))
        .collect();
        assert_eq!(names[..4], ["general", "General (2)", "abc", "room"]);
        assert_eq!(names[4].chars().count(), 64);
        assert!(names[5].ends_with("r (2)") && names[5].chars().count() == 64);
        for name in &names {
            assert!(RoomName::parse(name).is_ok(), "{name}");
        }
    }
}
