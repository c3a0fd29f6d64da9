//! Slack workspace export (the ZIP from "Export data") to a neutral
//! [`ImportPlan`](crate::import::ImportPlan): users, rooms, and each room's
//! messages with their threads, reactions, edits and file listings.
//!
//! # Use (for `natter admin import-slack EXPORT.zip`)
//!
//! ```text
//! let mut export = SlackExport::open(File::open(path)?, SlackLimits::default())?;
//!     // reads and checks every entry first: a bad export is refused
//!     // before anything is written
//! let plan = export.plan().clone();
//! for user in &plan.users  { upsert by user.key: create without a password
//!                            (deactivated if user.deactivated); an invite
//!                            link lets the person claim it later }
//! for room in &plan.rooms  { upsert by room.key; add room.members }
//! for room in &plan.rooms  {
//!     let history = export.history(&room.key)?;     // one room in memory
//!     for m in &history.messages {
//!         post as m.author with client id m.key.client_id(), time
//!         m.posted_at, in thread m.thread_parent, then m.reactions
//!     }
//! }
//! ```
//!
//! **Idempotency.** Every item has an [`ImportKey`](crate::import::ImportKey)
//! derived from Slack's ids (users, rooms, files) or from channel + `ts`
//! (messages), the same on every run. Messages are posted with their key
//! as client id, so the existing `(author, client id)` rule makes a second
//! run post nothing twice. Users and rooms need the wiring to remember
//! `key -> id` (one small table); reactions are naturally unique per
//! (message, user, emoji).
//!
//! **Never link by name.** A Slack username that equals an existing
//! Natter account's is *not* that person: planned usernames are unique
//! within the plan, and the wiring must make them unique against the
//! server too (as [`crate::oidc`] links by issuer and subject, not names).
//!
//! # What is read
//! `users.json`, `channels.json` (both required), `groups.json`,
//! `dms.json`, `mpims.json` when present, and each conversation's folder
//! of `YYYY-MM-DD.json` day files (the channel's name, or the DM's id). An
//! export zipped again inside one folder is found too. Other entries
//! (integration logs, canvases) are ignored.
//!
//! Messages: `ts` (order and time), `user` / `bot_id`, `text` (converted
//! by [`to_markdown`]), `thread_ts` (reply links; a reply whose first
//! message is missing becomes top-level, with a warning), `reactions`,
//! `files` (listed only: exports hold no file contents, and their URLs
//! carry access tokens, so none are kept), `edited`, and the subtypes
//! `message_changed` (folded into the message), `message_deleted`
//! (removed), `bot_message`, `channel_join`/`leave`, `channel_topic`/
//! `purpose`; other subtypes are kept as notices.
//!
//! # Hostile archives
//! Names with `..`, absolute paths, backslashes or control characters,
//! duplicate names and encrypted entries refuse the archive. Each entry is
//! read at most to [`SlackLimits::max_entry_bytes`] whatever its header
//! claims; entries expanding more than `max_ratio`-fold, more than
//! `max_total_bytes` in all, or too many entries, users, rooms or messages
//! per room are refused with a sentence saying which limit.
//!
//! Natter's renderer has no strikethrough yet: `~~text~~` shows as typed
//! until it does. Natter has no backslash escapes, so a literal `*x*` that
//! Slack showed as typed may render as emphasis.

mod archive;
mod error;
mod history;
mod markup;
mod people;
mod raw;
mod rooms;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek};

pub use archive::SlackLimits;
pub use error::SlackImportError;
pub use markup::{to_markdown, Directory};

use archive::{Archive, Layout};
use history::{plan_history, settle};
use people::{plan_people, People, Stranger};
use rooms::{plan_rooms, Conversation, Listing};

use crate::import::plan::{ImportKey, ImportPlan, RoomHistory};

/// An opened, checked export: its plan, and each room's history on demand.
pub struct SlackExport<R> {
    archive: Archive<R>,
    layout: Layout,
    limits: SlackLimits,
    conversations: Vec<Conversation>,
    people: People,
    names: Directory,
    plan: ImportPlan,
}

impl<R: Read + Seek> SlackExport<R> {
    /// Reads and checks the whole export (every entry, within `limits`) and
    /// plans its users and rooms.
    pub fn open(reader: R, limits: SlackLimits) -> Result<Self, SlackImportError> {
        let (mut archive, layout) = Archive::open(reader, limits)?;
        let users: Vec<raw::User> = match layout.top.get("users.json") {
            Some(&index) => archive.read_json(index)?,
            None => return Err(SlackImportError::Missing("users.json")),
        };
        if users.len() > limits.max_users {
            return Err(SlackImportError::TooLarge(format!(
                "{} users, the limit is {}",
                users.len(),
                limits.max_users
            )));
        }
        if !layout.top.contains_key("channels.json") {
            return Err(SlackImportError::Missing("channels.json"));
        }
        let mut conversations = Vec::new();
        let mut seen = HashSet::new();
        for (listing, file) in Listing::ALL {
            let Some(&index) = layout.top.get(file) else {
                continue;
            };
            let listed: Vec<raw::Channel> = archive.read_json(index)?;
            for raw in listed {
                // A conversation listed twice is planned once.
                if seen.insert(raw.id.clone()) {
                    conversations.push(Conversation { listing, raw });
                }
            }
            if conversations.len() > limits.max_rooms {
                return Err(SlackImportError::TooLarge(format!(
                    "more than {} conversations",
                    limits.max_rooms
                )));
            }
        }
        let listed: HashSet<String> = users.iter().map(|u| u.id.clone()).collect();
        let mut strangers = BTreeMap::new();
        let mut counts = Vec::with_capacity(conversations.len());
        for conversation in &conversations {
            let messages = read_room(&mut archive, &layout, &limits, conversation.folder())?;
            let (settled, _) = settle(messages);
            for s in &settled {
                let Some(id) = s.message.author_id() else {
                    continue;
                };
                if !listed.contains(&id) {
                    strangers.entry(id).or_insert_with(|| stranger(&s.message));
                }
            }
            counts.push(settled.len());
        }
        let people = plan_people(users, strangers);
        let (rooms, names) = plan_rooms(&conversations, &counts, &people);
        let plan = ImportPlan {
            users: people.users.clone(),
            rooms,
        };
        Ok(Self {
            archive,
            layout,
            limits,
            conversations,
            people,
            names,
            plan,
        })
    }

    /// The users and rooms to create, in order.
    pub fn plan(&self) -> &ImportPlan {
        &self.plan
    }

    /// One room's messages, in order. Reads that room's day files again.
    pub fn history(&mut self, room: &ImportKey) -> Result<RoomHistory, SlackImportError> {
        let conversation = self
            .conversations
            .iter()
            .find(|c| &c.key() == room)
            .ok_or_else(|| SlackImportError::UnknownRoom(room.to_string()))?;
        self.archive.restart_total();
        let messages = read_room(
            &mut self.archive,
            &self.layout,
            &self.limits,
            conversation.folder(),
        )?;
        let (settled, dropped) = settle(messages);
        Ok(plan_history(
            room,
            &conversation.raw.id,
            &settled,
            dropped,
            &self.people,
            &self.names,
        ))
    }
}

/// All day files of one conversation's folder, in date order.
fn read_room<R: Read + Seek>(
    archive: &mut Archive<R>,
    layout: &Layout,
    limits: &SlackLimits,
    folder: &str,
) -> Result<Vec<raw::Message>, SlackImportError> {
    let mut messages = Vec::new();
    for (_, index) in layout.folders.get(folder).into_iter().flatten() {
        let day: Vec<raw::Message> = archive.read_json(*index)?;
        messages.extend(day);
        if messages.len() > limits.max_messages_per_room {
            return Err(SlackImportError::TooLarge(format!(
                "{folder} has more than {} messages",
                limits.max_messages_per_room
            )));
        }
    }
    Ok(messages)
}

/// The name an author missing from `users.json` goes by.
fn stranger(message: &raw::Message) -> Stranger {
    let profile = message.user_profile.as_ref();
    let bot = message.bot_profile.as_ref().and_then(|b| b.name.clone());
    Stranger {
        name: profile
            .and_then(|p| p.name.clone())
            .or_else(|| message.username.clone())
            .or(bot),
        display: profile.and_then(|p| p.display_name.clone().or(p.real_name.clone())),
    }
}
