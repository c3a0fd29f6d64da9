//! `natter admin import-slack`: an [`ImportPlan`] written into the
//! database, in bounded batches (one transaction each), idempotent through
//! `import_keys`: every imported user, room, message and reaction is stored
//! with its source key, and a second run finds each key and adds nothing.
//! Messages keep their original times and order; a running server hears
//! each batch's events like any other command's (see `outside.rs`).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{cli, outside};
use crate::domain::{Event, Role, RoomId, RoomKind, Timestamp, User, UserId, Username};
use crate::import::{ImportKey, ImportPlan, PlannedRoom, PlannedUser};
use crate::storage::sqlite::{accounts, finish, memberships, rooms, server};
use crate::storage::NewRoom;

/// Rows written per transaction: a running server's writes wait at most
/// one batch.
pub const BATCH: usize = 500;
/// How long a claim link works.
const CLAIM_SECS: i64 = 14 * 24 * 3600;

/// A person's link to claim their imported account (choose a password).
#[derive(Debug, Clone)]
pub struct ClaimLink {
    pub username: String,
    /// The one-time code (only its hash is stored).
    pub code: String,
}

#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub users: u64,
    pub rooms: u64,
    pub messages: u64,
    pub reactions: u64,
    pub claim_links: Vec<ClaimLink>,
    pub warnings: Vec<String>,
}

/// The ids of what the plan's keys became.
#[derive(Default)]
pub(super) struct Ids {
    pub(super) users: HashMap<ImportKey, (UserId, String)>,
}

pub(super) fn known(c: &Connection, kind: &str, key: &str) -> anyhow::Result<Option<i64>> {
    Ok(
        c.prepare_cached("SELECT local_id FROM import_keys WHERE kind = ?1 AND key = ?2")?
            .query_row(params![kind, key], |r| r.get(0))
            .optional()?,
    )
}

pub(super) fn remember(c: &Connection, kind: &str, key: &str, id: i64) -> anyhow::Result<()> {
    c.prepare_cached("INSERT INTO import_keys (kind, key, local_id) VALUES (?1, ?2, ?3)")?
        .execute(params![kind, key, id])?;
    Ok(())
}

/// Writes `work` in one immediate transaction, with its events for a
/// running server.
pub(super) fn batch<T>(
    conn: &mut Connection,
    work: impl FnOnce(&Connection, &mut Vec<Event>, Timestamp) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = Timestamp::now();
    let mut events = Vec::new();
    let out = work(&tx, &mut events, now)?;
    outside::record(&tx, &events, now)?;
    tx.commit().context("cannot commit an import batch")?;
    Ok(out)
}

/// A free username like `wanted` (`alice`, `alice-2`, …): an existing
/// account of the same name is never taken to be the same person.
fn free_username(c: &Connection, wanted: &str) -> anyhow::Result<Username> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            wanted.to_owned()
        } else {
            let suffix = format!("-{n}");
            let keep = wanted.len().min(crate::domain::USERNAME_MAX - suffix.len());
            let mut cut = keep;
            while !wanted.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}{suffix}", &wanted[..cut])
        };
        let Ok(name) = Username::parse(&candidate) else {
            continue;
        };
        let taken = c
            .prepare_cached("SELECT 1 FROM users WHERE username_key = ?1")?
            .query_row([name.key()], |_| Ok(()))
            .optional()?
            .is_some();
        if !taken {
            return Ok(name);
        }
    }
    anyhow::bail!("no free username like {wanted}")
}

fn user(
    c: &Connection,
    events: &mut Vec<Event>,
    planned: &PlannedUser,
    now: Timestamp,
    done: &mut Imported,
) -> anyhow::Result<(UserId, String)> {
    if let Some(id) = known(c, "user", planned.key.as_str())? {
        let name: String = c.query_row("SELECT username FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
        return Ok((UserId(id), name));
    }
    let name = free_username(c, &planned.username)?;
    let User { id, username, .. } =
        accounts::create_user(c, events, name.as_str(), &name.key(), None, now)?;
    if planned.deactivated {
        server::set_deactivated(c, events, id, true, now)?;
    } else if !planned.is_bot {
        // Their way in: a one-time link to choose a password.
        let (made, code_hash) = crate::chat::MadeResetLink::generate();
        let expires = Timestamp(now.millis() + CLAIM_SECS * 1000);
        finish::resets::create(c, id, &code_hash, expires, now)?;
        done.claim_links.push(ClaimLink {
            username: username.clone(),
            code: made.code,
        });
    }
    remember(c, "user", planned.key.as_str(), id.0)?;
    done.users += 1;
    Ok((id, username))
}

fn free_room_name(c: &Connection, wanted: &str) -> anyhow::Result<String> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            wanted.to_owned()
        } else {
            format!("{wanted}-{n}")
        };
        let taken = c
            .prepare_cached("SELECT 1 FROM rooms WHERE kind = 'public' AND name_key = ?1")?
            .query_row([candidate.to_lowercase()], |_| Ok(()))
            .optional()?
            .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
    anyhow::bail!("no free room name like {wanted}")
}

fn room(
    c: &Connection,
    events: &mut Vec<Event>,
    planned: &PlannedRoom,
    ids: &Ids,
    now: Timestamp,
    done: &mut Imported,
) -> anyhow::Result<i64> {
    if let Some(id) = known(c, "room", planned.key.as_str())? {
        return Ok(id);
    }
    let members: Vec<UserId> = planned
        .members
        .iter()
        .filter_map(|k| ids.users.get(k).map(|u| u.0))
        .collect();
    let creator = planned
        .created_by
        .as_ref()
        .and_then(|k| ids.users.get(k).map(|u| u.0))
        .or_else(|| members.first().copied());
    let creator = match creator {
        Some(who) => who,
        None => UserId(c.query_row("SELECT min(id) FROM users", [], |r| r.get(0))?),
    };
    let id = match (planned.kind, members.as_slice()) {
        (RoomKind::Direct, [a, b]) => rooms::direct_room(c, events, *a, *b, now)?.id.0,
        (kind, _) => {
            // A direct room that did not come out as two people is private.
            let kind = if kind == RoomKind::Direct {
                RoomKind::Private
            } else {
                kind
            };
            let name = if kind == RoomKind::Public {
                free_room_name(c, &planned.name)?
            } else {
                planned.name.clone()
            };
            let new = NewRoom {
                kind,
                name_key: name.to_lowercase(),
                name,
                created_by: creator,
                members: members.iter().copied().filter(|m| *m != creator).collect(),
            };
            rooms::create_room(c, events, &new, now)?.id.0
        }
    };
    c.execute(
        "UPDATE rooms SET created_at = ?2, topic = coalesce(?3, topic) WHERE id = ?1",
        params![id, planned.created_at.millis(), planned.topic],
    )?;
    for member in &members {
        memberships::add_member(c, events, RoomId(id), *member, Role::Member, now)?;
    }
    remember(c, "room", planned.key.as_str(), id)?;
    done.rooms += 1;
    Ok(id)
}

/// Imports the export at `zip` into the database file.
pub fn import_slack(database: &Path, zip: &Path) -> anyhow::Result<Imported> {
    use crate::import::slack::{SlackExport, SlackLimits};
    let file =
        std::fs::File::open(zip).with_context(|| format!("cannot open {}", zip.display()))?;
    // Every entry is read and checked before anything is written.
    let mut export = SlackExport::open(std::io::BufReader::new(file), SlackLimits::default())
        .with_context(|| format!("cannot import {}", zip.display()))?;
    let plan: ImportPlan = export.plan().clone();
    let mut conn = server::offline::open(database)?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    let mut done = Imported::default();
    let mut ids = Ids::default();
    for chunk in plan.users.chunks(BATCH) {
        batch(&mut conn, |c, events, now| {
            for planned in chunk {
                let made = user(c, events, planned, now, &mut done)?;
                ids.users.insert(planned.key.clone(), made);
            }
            Ok(())
        })?;
    }
    let mut room_ids = Vec::with_capacity(plan.rooms.len());
    for chunk in plan.rooms.chunks(BATCH) {
        batch(&mut conn, |c, events, now| {
            for planned in chunk {
                room_ids.push(room(c, events, planned, &ids, now, &mut done)?);
            }
            Ok(())
        })?;
    }
    for (planned, room_id) in plan.rooms.iter().zip(room_ids) {
        let h = export
            .history(&planned.key)
            .with_context(|| format!("cannot read the history of {}", planned.name))?;
        done.warnings.extend(h.warnings.iter().cloned());
        super::import_messages::history(&mut conn, RoomId(room_id), &h, &ids, &mut done)?;
        if planned.archived {
            conn.execute(
                "UPDATE rooms SET archived_at = coalesce(archived_at, ?2) WHERE id = ?1",
                params![room_id, Timestamp::now().millis()],
            )?;
        }
    }
    let target = format!(
        "slack export {}: {} users, {} rooms, {} messages, {} reactions",
        zip.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        done.users,
        done.rooms,
        done.messages,
        done.reactions
    );
    cli::audit(&conn, "import", &target, None, Timestamp::now())?;
    Ok(done)
}
