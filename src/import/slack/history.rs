//! One room's day files to its planned messages: sorted by `ts`, edits
//! (`message_changed`) folded into the message they change, deletions
//! applied, thread replies linked to their first message, subtypes named.

use std::collections::{HashMap, HashSet};

use super::markup::{to_markdown, Directory};
use super::people::{user_key, People};
use super::raw::{self, ts_micros};
use crate::domain::Timestamp;
use crate::import::plan::{
    ImportKey, MessageKind, PlannedFile, PlannedMessage, PlannedReaction, RoomHistory,
};

/// A message as it stands at the end of the export (last edit applied).
pub(super) struct Settled {
    pub micros: i64,
    pub message: raw::Message,
    /// The time of the last edit, from `edited.ts` or a `message_changed`.
    pub edited: Option<String>,
}

/// The room's messages in order, each once, as they stand at the end.
/// Returns how many entries were dropped (no usable `ts`, no author).
pub(super) fn settle(messages: Vec<raw::Message>) -> (Vec<Settled>, usize) {
    let mut dropped = 0;
    let mut timed: Vec<(i64, raw::Message)> = Vec::with_capacity(messages.len());
    for message in messages {
        match ts_micros(&message.ts) {
            Some(micros) => timed.push((micros, message)),
            None => dropped += 1,
        }
    }
    // Stable: among equal times, the export's own order.
    timed.sort_by_key(|(micros, _)| *micros);
    let mut settled: Vec<Option<Settled>> = Vec::with_capacity(timed.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    for (micros, mut message) in timed {
        match message.subtype.as_deref() {
            Some("message_changed") => {
                let Some(new) = message.message.take() else {
                    continue;
                };
                if let Some(Some(old)) = at.get(&new.ts).map(|&i| settled[i].as_mut()) {
                    old.edited = new
                        .edited
                        .as_ref()
                        .and_then(|e| e.ts.clone())
                        .or(Some(message.ts));
                    old.message.text = new.text;
                }
            }
            Some("message_deleted") => {
                if let Some(&i) = message.deleted_ts.as_ref().and_then(|ts| at.get(ts)) {
                    settled[i] = None;
                }
            }
            _ if at.contains_key(&message.ts) => {}
            _ if message.author_id().is_none() => dropped += 1,
            _ => {
                at.insert(message.ts.clone(), settled.len());
                let edited = message.edited.as_ref().and_then(|e| e.ts.clone());
                settled.push(Some(Settled {
                    micros,
                    message,
                    edited,
                }));
            }
        }
    }
    (settled.into_iter().flatten().collect(), dropped)
}

/// The planned messages of a settled room.
pub(super) fn plan_history(
    room: &ImportKey,
    channel_id: &str,
    settled: &[Settled],
    dropped: usize,
    people: &People,
    names: &Directory,
) -> RoomHistory {
    let key_of = |ts: &str| ImportKey::derive("slack", &[channel_id, &ts.replace('.', "-")]);
    let mut warnings = Vec::new();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} entries of {room} have no time or author and were left out"
        ));
    }
    let present: HashSet<&str> = settled.iter().map(|s| s.message.ts.as_str()).collect();
    let mut orphans = 0;
    let mut messages = Vec::with_capacity(settled.len());
    for Settled {
        micros,
        message,
        edited,
    } in settled
    {
        let author_id = message
            .author_id()
            .expect("settle keeps only authored messages");
        let thread_parent = match message.thread_ts.as_deref() {
            Some(first) if first != message.ts && present.contains(first) => Some(key_of(first)),
            Some(first) if first != message.ts => {
                orphans += 1;
                None
            }
            _ => None,
        };
        let files = planned_files(&message.files);
        let mut body = to_markdown(&message.text, names);
        if body.trim().is_empty() {
            body = files
                .iter()
                .map(|f| format!("📎 {}", f.name))
                .collect::<Vec<_>>()
                .join("\n");
        }
        if body.trim().is_empty() {
            body = "(a message without text)".into();
        }
        messages.push(PlannedMessage {
            key: key_of(&message.ts),
            author: user_key(&author_id),
            posted_at: Timestamp(micros / 1000),
            kind: kind(message, names),
            body,
            thread_parent,
            edited_at: edited
                .as_deref()
                .and_then(ts_micros)
                .map(|m| Timestamp(m / 1000)),
            reactions: reactions(&message.reactions, people),
            files,
        });
    }
    if orphans > 0 {
        warnings.push(format!(
            "{orphans} replies in {room} whose thread start is not in the export are top-level messages"
        ));
    }
    RoomHistory {
        room: room.clone(),
        messages,
        warnings,
    }
}

fn kind(message: &raw::Message, names: &Directory) -> MessageKind {
    let topic = |text: Option<&String>| MessageKind::TopicChanged {
        topic: text.map(|t| to_markdown(t, names)).unwrap_or_default(),
    };
    match message.subtype.as_deref() {
        None | Some("thread_broadcast" | "me_message" | "file_share" | "reply_broadcast") => {
            if message.user.is_none() {
                MessageKind::Bot
            } else {
                MessageKind::Message
            }
        }
        Some("bot_message") => MessageKind::Bot,
        Some("channel_join" | "group_join") => MessageKind::Joined,
        Some("channel_leave" | "group_leave") => MessageKind::Left,
        Some("channel_topic" | "group_topic") => topic(message.topic.as_ref()),
        Some("channel_purpose" | "group_purpose") => topic(message.purpose.as_ref()),
        Some(other) => MessageKind::Notice {
            subtype: other.to_owned(),
        },
    }
}

fn reactions(raw: &[raw::Reaction], people: &People) -> Vec<PlannedReaction> {
    raw.iter()
        .filter_map(|reaction| {
            let mut users: Vec<ImportKey> = Vec::new();
            for id in reaction.users.iter().filter(|id| people.knows(id)) {
                let key = user_key(id);
                if !users.contains(&key) {
                    users.push(key);
                }
            }
            (!users.is_empty() && !reaction.name.is_empty()).then(|| PlannedReaction {
                emoji: reaction.name.clone(),
                users,
            })
        })
        .collect()
}

/// Listed files with an id and a name; deleted ones (`tombstone`) are gone.
fn planned_files(raw: &[raw::File]) -> Vec<PlannedFile> {
    raw.iter()
        .filter(|f| f.mode.as_deref() != Some("tombstone"))
        .filter_map(|f| {
            let (id, name) = (f.id.as_deref()?, f.name.clone().filter(|n| !n.is_empty())?);
            Some(PlannedFile {
                key: ImportKey::derive("slack-file", &[id]),
                name,
                title: f.title.clone().filter(|t| !t.is_empty()),
                mimetype: f.mimetype.clone(),
                size: f.size,
            })
        })
        .collect()
}
