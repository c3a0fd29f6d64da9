//! Running a server in SQLite: server roles, deactivation, the sign-up mode
//! and invite links.

use rusqlite::{params, Connection, OptionalExtension};

use super::SqliteStore;
use crate::domain::{
    Account, Changed, EndedSessions, Event, Invite, Role, RoomId, SessionsEnded, SignUpMode,
    Standing, Timestamp, User, UserId,
};
use crate::storage::{Durability, Server};
use crate::storage::{NewInvite, StoreError, StoreResult};
use async_trait::async_trait;

pub fn standing(c: &Connection, user: UserId) -> StoreResult<Option<Standing>> {
    Ok(
        c.prepare_cached("SELECT server_role, deactivated_at FROM users WHERE id = ?1")?
            .query_row([user.0], |r| {
                Ok(Standing {
                    is_admin: r.get::<_, String>(0)? == "admin",
                    deactivated: r.get::<_, Option<i64>>(1)?.is_some(),
                })
            })
            .optional()?,
    )
}

/// Makes `user` the admin if they are the server's first account and
/// there is no admin yet. Returns whether they became it.
pub fn claim_first_admin(c: &Connection, user: UserId) -> StoreResult<bool> {
    let n = c
        .prepare_cached(
            "UPDATE users SET server_role = 'admin'
             WHERE id = ?1 AND id = (SELECT min(id) FROM users)
               AND NOT EXISTS (SELECT 1 FROM users WHERE server_role = 'admin')",
        )?
        .execute([user.0])?;
    Ok(n == 1)
}

pub fn set_admin(c: &Connection, user: UserId, admin: bool) -> StoreResult<()> {
    let n = c
        .prepare_cached("UPDATE users SET server_role = ?2 WHERE id = ?1")?
        .execute(params![user.0, if admin { "admin" } else { "member" }])?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deactivating also ends every session of the user in the same
/// transaction; the `SessionsEnded` event closes their live connections.
pub fn set_deactivated(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    deactivated: bool,
    now: Timestamp,
) -> StoreResult<()> {
    let n = c
        .prepare_cached("UPDATE users SET deactivated_at = ?2 WHERE id = ?1")?
        .execute(params![user.0, deactivated.then_some(now.millis())])?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    events.push(Event::Changed(Changed::Account(user)));
    if deactivated {
        c.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
            .execute([user.0])?;
        events.push(Event::Sessions(SessionsEnded {
            user,
            which: EndedSessions::AllBut(None),
        }));
        super::integrations::end_tokens_made_by(c, events, user, now)?;
    }
    Ok(())
}

/// Accounts whose name contains `query` (lower-cased), by name.
pub fn accounts(c: &Connection, query: &str, limit: u32) -> StoreResult<Vec<Account>> {
    let pattern = format!(
        "%{}%",
        query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = c.prepare_cached(
        "SELECT id, username, server_role, deactivated_at, created_at FROM users
         WHERE username_key LIKE ?1 ESCAPE '\\' ORDER BY username_key LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![pattern, limit], |r| {
            Ok(Account {
                user_id: UserId(r.get(0)?),
                username: r.get(1)?,
                is_admin: r.get::<_, String>(2)? == "admin",
                deactivated: r.get::<_, Option<i64>>(3)?.is_some(),
                created_at: Timestamp(r.get(4)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn sign_up_mode(c: &Connection) -> StoreResult<SignUpMode> {
    let value: Option<String> = c
        .prepare_cached("SELECT value FROM server_settings WHERE key = 'sign_up_mode'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(value
        .as_deref()
        .map_or_else(SignUpMode::default, SignUpMode::from_db))
}

pub fn set_sign_up_mode(c: &Connection, mode: SignUpMode) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO server_settings (key, value) VALUES ('sign_up_mode', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([mode.as_str()])?;
    Ok(())
}

const INVITE_SELECT: &str = "SELECT i.id, u.username, i.created_at, i.expires_at, i.max_uses,
    i.uses, i.room_id, i.revoked_at FROM invites i JOIN users u ON u.id = i.created_by";

fn invite_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invite> {
    Ok(Invite {
        id: r.get(0)?,
        created_by: r.get(1)?,
        created_at: Timestamp(r.get(2)?),
        expires_at: Timestamp(r.get(3)?),
        max_uses: r.get(4)?,
        uses: r.get(5)?,
        room_id: r.get::<_, Option<i64>>(6)?.map(RoomId),
        revoked: r.get::<_, Option<i64>>(7)?.is_some(),
    })
}

pub fn create_invite(c: &Connection, new: &NewInvite, now: Timestamp) -> StoreResult<Invite> {
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO invites (code_hash, created_by, created_at, expires_at, max_uses, room_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![
                &new.code_hash[..],
                new.created_by.0,
                now.millis(),
                new.expires_at.millis(),
                new.max_uses,
                new.room.map(|r| r.0)
            ],
            |r| r.get(0),
        )?;
    Ok(
        c.prepare_cached(&format!("{INVITE_SELECT} WHERE i.id = ?1"))?
            .query_row([id], invite_row)?,
    )
}

/// The newest invites first, at most 200.
pub fn invites(c: &Connection) -> StoreResult<Vec<Invite>> {
    let mut stmt = c.prepare_cached(&format!("{INVITE_SELECT} ORDER BY i.id DESC LIMIT 200"))?;
    let rows = stmt
        .query_map([], invite_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn revoke_invite(c: &Connection, id: i64, now: Timestamp) -> StoreResult<()> {
    let n = c
        .prepare_cached("UPDATE invites SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1")?
        .execute(params![id, now.millis()])?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Signs up through an invite, in one transaction: takes one use of a
/// valid invite (not revoked, not expired, uses left), creates the user and
/// adds them to the invite's room. `NotFound` when the invite is not valid;
/// a taken name rolls the use back with everything else.
pub fn create_user_with_invite(
    c: &Connection,
    events: &mut Vec<Event>,
    username: &str,
    key: &str,
    password_hash: Option<&str>,
    code_hash: &[u8; 32],
    now: Timestamp,
) -> StoreResult<User> {
    let room: Option<Option<i64>> = c
        .prepare_cached(
            "UPDATE invites SET uses = uses + 1
             WHERE code_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2 AND uses < max_uses
             RETURNING room_id",
        )?
        .query_row(params![&code_hash[..], now.millis()], |r| r.get(0))
        .optional()?;
    let Some(room) = room else {
        return Err(StoreError::NotFound);
    };
    let user = super::accounts::create_user(c, events, username, key, password_hash, now)?;
    if let Some(room) = room {
        super::memberships::join_member(c, events, RoomId(room), user.id, Role::Member, now, None)?;
    }
    Ok(user)
}

/// `natter admin`: changes made straight in the database file, without the
/// server's writer, so they work whether or not a server is running on it
/// (WAL lets them commit beside it; the server reads a user's standing
/// fresh on every admin request and sign-in, so it sees them at once).
pub mod offline {
    use std::path::Path;

    use anyhow::{bail, Context};
    use rusqlite::Connection;

    pub use super::super::finish::resets::create_offline as create_reset_link;

    pub(in crate::storage::sqlite) fn open(database: &Path) -> anyhow::Result<Connection> {
        let path = database;
        if !path.exists() {
            bail!("there is no natter database at {}", path.display());
        }
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != super::super::latest_version() {
            bail!(
                "the database {} has schema version {version}; start this natter on it once first",
                path.display()
            );
        }
        Ok(conn)
    }

    /// Promotes (`admin`) or demotes a user by name.
    pub fn set_admin(database: &Path, username: &str, admin: bool) -> anyhow::Result<()> {
        let conn = open(database)?;
        let n = conn.execute(
            "UPDATE users SET server_role = ?2 WHERE username_key = ?1",
            rusqlite::params![
                username.trim().to_ascii_lowercase(),
                if admin { "admin" } else { "member" }
            ],
        )?;
        if n == 0 {
            bail!("there is no user named {}", username.trim());
        }
        Ok(())
    }

    /// Every account: name, role and whether it is deactivated.
    pub fn list_users(database: &Path) -> anyhow::Result<Vec<(String, String, bool)>> {
        let conn = open(database)?;
        let mut stmt = conn.prepare(
            "SELECT username, server_role, deactivated_at IS NOT NULL FROM users ORDER BY username_key",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[async_trait]
impl Server for SqliteStore {
    fn durability(&self) -> Durability {
        Durability {
            storage: "sqlite",
            journal_mode: self.journal_mode.clone(),
            commits: "group commit",
            flush: "fdatasync before acknowledgement",
        }
    }

    /// Reads the schema on a reader, so a locked or unreadable file fails
    /// (a bare `SELECT 1` never touches the file).
    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .read(|c| {
                c.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
                    .map_err(|e| super::classify(&e))
            })
            .await
    }

    async fn standing(&self, user: UserId) -> StoreResult<Option<Standing>> {
        self.readers.read_quick(move |c| standing(c, user)).await
    }

    async fn claim_first_admin(&self, user: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| claim_first_admin(c, user))
            .await
    }

    async fn set_admin(&self, user: UserId, admin: bool) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_admin(c, user, admin))
            .await
    }

    async fn set_deactivated(&self, user: UserId, deactivated: bool) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| set_deactivated(c, ev, user, deactivated, Timestamp::now()))
            .await
    }

    async fn accounts(&self, query_key: &str, limit: u32) -> StoreResult<Vec<Account>> {
        let query = query_key.to_owned();
        self.readers.read(move |c| accounts(c, &query, limit)).await
    }

    async fn sign_up_mode(&self) -> StoreResult<SignUpMode> {
        self.readers.read_quick(sign_up_mode).await
    }

    async fn set_sign_up_mode(&self, mode: SignUpMode) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_sign_up_mode(c, mode))
            .await
    }

    async fn create_invite(&self, invite: NewInvite) -> StoreResult<Invite> {
        self.writer
            .write(move |c, _| create_invite(c, &invite, Timestamp::now()))
            .await
    }

    async fn invites(&self) -> StoreResult<Vec<Invite>> {
        self.readers.read(invites).await
    }

    async fn revoke_invite(&self, id: i64) -> StoreResult<()> {
        self.writer
            .write(move |c, _| revoke_invite(c, id, Timestamp::now()))
            .await
    }

    async fn create_user_with_invite(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        code_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<User> {
        let (name, key) = (username.to_owned(), username_key.to_owned());
        self.writer
            .write(move |c, ev| {
                create_user_with_invite(
                    c,
                    ev,
                    &name,
                    &key,
                    password_hash.as_deref(),
                    &code_hash,
                    now,
                )
            })
            .await
    }
}
