//! The messages of an import: each posted with its original times (one
//! batch of `BATCH` per transaction), its thread, and its reactions, each
//! remembered by its key so a second run adds nothing.

use rusqlite::{params, Connection};

use super::import::{batch, known, remember, Ids, Imported, BATCH};
use crate::domain::{
    Emoji, Event, MessageBody, MessageJson, Reactor, RoomChange, RoomEvent, RoomId, Seq,
    ThreadPlace, Timestamp, UserId,
};
use crate::import::{PlannedMessage, RoomHistory};
use crate::storage::sqlite::{messages, reactions};
use crate::storage::NewMessage;

/// Imported text may be as long as Slack allows (40,000 characters).
const MAX_IMPORTED_CHARS: usize = 40_000;

fn seq_of(c: &Connection, message: i64) -> anyhow::Result<Seq> {
    Ok(Seq(c
        .prepare_cached("SELECT seq FROM messages WHERE id = ?1")?
        .query_row([message], |r| r.get(0))?))
}

/// The text with the files it carried listed under it (exports hold no
/// file contents; a message of only files already lists them).
fn with_files(m: &PlannedMessage) -> String {
    let listed: Vec<String> = m
        .files
        .iter()
        .map(|f| format!("📎 {}", f.name))
        .filter(|line| !m.body.contains(line.as_str()))
        .collect();
    if listed.is_empty() {
        m.body.clone()
    } else {
        format!("{}\n\n{}", m.body, listed.join("\n"))
    }
}

/// Posts one planned message with its original times; returns its seq.
fn post(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    m: &PlannedMessage,
    (author, author_name): &(UserId, String),
    done: &mut Imported,
) -> anyhow::Result<Seq> {
    let thread = match &m.thread_parent {
        Some(parent) => known(c, "message", parent.as_str())?
            .map(|root| seq_of(c, root))
            .transpose()?
            .map(|root| ThreadPlace {
                root,
                also_in_room: false,
            }),
        None => None,
    };
    let new = NewMessage {
        room,
        author: *author,
        author_name: author_name.clone(),
        client_id: m.key.client_id(),
        body: MessageBody::parse(&with_files(m), MAX_IMPORTED_CHARS)
            .map_err(|e| anyhow::anyhow!("{}: {e}", m.key))?,
        files: Vec::new(),
        thread,
        mentions: crate::domain::Mentions::default(),
        // Slack's bots arrive as people without passwords.
        author_bot: false,
        sent_as: None,
        // History is imported as it was, whatever the room's slow mode.
        limits: crate::storage::SendLimits::default(),
    };
    let posted = messages::post_message(c, events, &new)?;
    let mut message = posted.message;
    // The original times, in the row, its JSON and the event a running
    // server publishes.
    message.created_at = m.posted_at;
    message.edited_at = m.edited_at;
    c.prepare_cached(
        "UPDATE messages SET created_at = ?2, edited_at = ?3, json = ?4 WHERE id = ?1",
    )?
    .execute(params![
        message.id.0,
        m.posted_at.millis(),
        m.edited_at.map(Timestamp::millis),
        MessageJson::of(&message).as_str()
    ])?;
    for event in events.iter_mut() {
        if let Event::Room(RoomEvent {
            change: RoomChange::MessageCreated { message: sent },
            ..
        }) = event
        {
            if sent.id == message.id {
                *sent = message.clone();
            }
        }
    }
    remember(c, "message", m.key.as_str(), message.id.0)?;
    if posted.created {
        done.messages += 1;
    }
    Ok(message.seq)
}

/// The message's reactions, each (emoji, person) once ever.
fn react(
    c: &Connection,
    events: &mut Vec<Event>,
    (room, seq): (RoomId, Seq),
    m: &PlannedMessage,
    ids: &Ids,
    done: &mut Imported,
) -> anyhow::Result<()> {
    for reaction in &m.reactions {
        // Skin tones (`+1::skin-tone-2`) are dropped.
        let code = reaction.emoji.split("::").next().unwrap_or_default();
        let Ok(emoji) = Emoji::parse(&format!(":{code}:")) else {
            done.warnings
                .push(format!("{}: no emoji for :{}:", m.key, reaction.emoji));
            continue;
        };
        for who in &reaction.users {
            let key = format!("{}/{}/{}", m.key, reaction.emoji, who);
            let Some((user_id, username)) = ids.users.get(who) else {
                continue;
            };
            if known(c, "reaction", &key)?.is_some() {
                continue;
            }
            let reactor = Reactor {
                user_id: *user_id,
                username: username.clone(),
            };
            reactions::add_reaction(c, events, room, seq, &reactor, &emoji, u32::MAX)?;
            remember(c, "reaction", &key, 0)?;
            done.reactions += 1;
        }
    }
    Ok(())
}

/// One room's messages, `BATCH` to a transaction.
pub(super) fn history(
    conn: &mut Connection,
    room: RoomId,
    history: &RoomHistory,
    ids: &Ids,
    done: &mut Imported,
) -> anyhow::Result<()> {
    for chunk in history.messages.chunks(BATCH) {
        batch(conn, |c, events, _| {
            for m in chunk {
                let Some(author) = ids.users.get(&m.author) else {
                    done.warnings
                        .push(format!("{}: unknown author, left out", m.key));
                    continue;
                };
                let seq = if let Some(id) = known(c, "message", m.key.as_str())? {
                    seq_of(c, id)?
                } else {
                    post(c, events, room, m, author, done)?
                };
                react(c, events, (room, seq), m, ids, done)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
