//! Running a server on PostgreSQL: readiness and durability, server roles,
//! deactivation, the sign-up mode and invite links (as
//! `storage/sqlite/server.rs`). Several nodes write here at once, so what
//! SQLite's single writer made safe by itself (the first admin, an
//! invite's last use) is one statement each.

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::{accounts, PgStore};
use crate::domain::{
    Account, Changed, EndedSessions, Event, Invite, RoomId, SessionsEnded, SignUpMode, Standing,
    Timestamp, User, UserId,
};
use crate::storage::{Durability, NewInvite, Server, StoreError, StoreResult};

pub fn standing(c: &mut impl GenericClient, user: UserId) -> StoreResult<Option<Standing>> {
    c.query_opt(
        "SELECT server_role, deactivated_at FROM users WHERE id = $1",
        &[&user.0],
    )?
    .map(|r| {
        Ok(Standing {
            is_admin: r.try_get::<_, &str>(0)? == "admin",
            deactivated: r.try_get::<_, Option<i64>>(1)?.is_some(),
        })
    })
    .transpose()
}

/// Makes `user` the admin if they are the server's first account and
/// there is no admin yet. Returns whether they became it.
///
/// One statement, safe with several nodes: the claim is also the row
/// `first_admin` in `server_settings`, whose primary key lets only one
/// transaction ever insert it (a second waits for the first and then finds
/// it there). Without it, two accounts committing at once could each see
/// itself as the first (the other's row not yet visible) and no admin yet.
pub fn claim_first_admin(c: &mut impl GenericClient, user: UserId) -> StoreResult<bool> {
    let n = c.execute(
        "WITH claimed AS (
             INSERT INTO server_settings (key, value)
             SELECT 'first_admin', $1::bigint::text
             WHERE $1::bigint = (SELECT min(id) FROM users)
               AND NOT EXISTS (SELECT 1 FROM users WHERE server_role = 'admin')
             ON CONFLICT (key) DO NOTHING
             RETURNING value
         )
         UPDATE users SET server_role = 'admin'
         WHERE id = $1 AND EXISTS (SELECT 1 FROM claimed)",
        &[&user.0],
    )?;
    Ok(n == 1)
}

pub fn set_admin(c: &mut impl GenericClient, user: UserId, admin: bool) -> StoreResult<()> {
    let role = if admin { "admin" } else { "member" };
    let n = c.execute(
        "UPDATE users SET server_role = $2 WHERE id = $1",
        &[&user.0, &role],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deactivating also ends every session of the user in the same
/// transaction; the `SessionsEnded` event closes their live connections.
pub fn set_deactivated(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    deactivated: bool,
    now: Timestamp,
) -> StoreResult<()> {
    let n = c.execute(
        "UPDATE users SET deactivated_at = $2 WHERE id = $1",
        &[&user.0, &deactivated.then_some(now.millis())],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    events.push(Event::Changed(Changed::Account(user)));
    if deactivated {
        c.execute("DELETE FROM sessions WHERE user_id = $1", &[&user.0])?;
        events.push(Event::Sessions(SessionsEnded {
            user,
            which: EndedSessions::AllBut(None),
        }));
        end_tokens_made_by(c, events, user, now)?;
    }
    Ok(())
}

/// Revokes the API tokens `maker` made (theirs and their bots'): a
/// deactivated person acts through none of them.
fn end_tokens_made_by(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    maker: UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let ended = c.query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE made_by = $1 AND revoked_at IS NULL
         RETURNING user_id, token_hash",
        &[&maker.0, &now.millis()],
    )?;
    for row in ended {
        let hash: Vec<u8> = row.try_get(1)?;
        if let Ok(hash) = <[u8; 32]>::try_from(hash) {
            events.push(Event::Sessions(SessionsEnded {
                user: UserId(row.try_get(0)?),
                which: EndedSessions::One(hash),
            }));
        }
    }
    Ok(())
}

/// Accounts whose name contains `query` (lower-cased), by name.
pub fn accounts(c: &mut impl GenericClient, query: &str, limit: u32) -> StoreResult<Vec<Account>> {
    let pattern = format!(
        "%{}%",
        query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = c.query(
        "SELECT id, username, server_role, deactivated_at, created_at FROM users
         WHERE username_key LIKE $1 ESCAPE '\\' ORDER BY username_key LIMIT $2",
        &[&pattern, &i64::from(limit)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Account {
                user_id: UserId(r.try_get(0)?),
                username: r.try_get(1)?,
                is_admin: r.try_get::<_, &str>(2)? == "admin",
                deactivated: r.try_get::<_, Option<i64>>(3)?.is_some(),
                created_at: Timestamp(r.try_get(4)?),
            })
        })
        .collect()
}

pub fn sign_up_mode(c: &mut impl GenericClient) -> StoreResult<SignUpMode> {
    let value = c.query_opt(
        "SELECT value FROM server_settings WHERE key = 'sign_up_mode'",
        &[],
    )?;
    Ok(match value {
        Some(row) => SignUpMode::from_db(row.try_get(0)?),
        None => SignUpMode::default(),
    })
}

pub fn set_sign_up_mode(c: &mut impl GenericClient, mode: SignUpMode) -> StoreResult<()> {
    c.execute(
        "INSERT INTO server_settings (key, value) VALUES ('sign_up_mode', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&mode.as_str()],
    )?;
    Ok(())
}

const INVITE_SELECT: &str = "SELECT i.id, u.username, i.created_at, i.expires_at, i.max_uses,
    i.uses, i.room_id, i.revoked_at FROM invites i JOIN users u ON u.id = i.created_by";

fn invite_row(r: &Row) -> StoreResult<Invite> {
    let count = |at: usize| -> StoreResult<u32> {
        u32::try_from(r.try_get::<_, i64>(at)?)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("an invite's count: {e}")))
    };
    Ok(Invite {
        id: r.try_get(0)?,
        created_by: r.try_get(1)?,
        created_at: Timestamp(r.try_get(2)?),
        expires_at: Timestamp(r.try_get(3)?),
        max_uses: count(4)?,
        uses: count(5)?,
        room_id: r.try_get::<_, Option<i64>>(6)?.map(RoomId),
        revoked: r.try_get::<_, Option<i64>>(7)?.is_some(),
    })
}

pub fn create_invite(
    c: &mut impl GenericClient,
    new: &NewInvite,
    now: Timestamp,
) -> StoreResult<Invite> {
    let id: i64 = c
        .query_one(
            "INSERT INTO invites (code_hash, created_by, created_at, expires_at, max_uses, room_id)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &&new.code_hash[..],
                &new.created_by.0,
                &now.millis(),
                &new.expires_at.millis(),
                &i64::from(new.max_uses),
                &new.room.map(|r| r.0),
            ],
        )?
        .try_get(0)?;
    let row = c.query_one(&format!("{INVITE_SELECT} WHERE i.id = $1"), &[&id])?;
    invite_row(&row)
}

/// The newest invites first, at most 200.
pub fn invites(c: &mut impl GenericClient) -> StoreResult<Vec<Invite>> {
    c.query(
        &format!("{INVITE_SELECT} ORDER BY i.id DESC LIMIT 200"),
        &[],
    )?
    .iter()
    .map(invite_row)
    .collect()
}

pub fn revoke_invite(c: &mut impl GenericClient, id: i64, now: Timestamp) -> StoreResult<()> {
    let n = c.execute(
        "UPDATE invites SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
        &[&id, &now.millis()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Signs up through an invite, in one transaction: takes one use of a
/// valid invite (not revoked, not expired, uses left), creates the user and
/// adds them to the invite's room. `NotFound` when the invite is not valid;
/// a taken name rolls the use back with everything else. The use is taken
/// by one `UPDATE … WHERE uses < max_uses`: the row lock makes a second
/// node's sign-up wait and then see the count it left, so an invite is
/// never used more often than it may be.
pub fn create_user_with_invite(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    username: &str,
    key: &str,
    password_hash: Option<&str>,
    code_hash: &[u8; 32],
    now: Timestamp,
) -> StoreResult<User> {
    let room = c
        .query_opt(
            "UPDATE invites SET uses = uses + 1
             WHERE code_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses
             RETURNING room_id",
            &[&&code_hash[..], &now.millis()],
        )?
        .ok_or(StoreError::NotFound)?
        .try_get::<_, Option<i64>>(0)?;
    let user = accounts::create_user(c, events, username, key, password_hash, now)?;
    if let Some(room) = room {
        accounts::add_new_user_to(c, events, RoomId(room), &user, now)?;
    }
    Ok(user)
}

#[async_trait]
impl Server for PgStore {
    fn durability(&self) -> Durability {
        Durability {
            storage: "postgresql",
            journal_mode: "wal".into(),
            commits: "group commit",
            flush: "synchronous_commit=on before acknowledgement",
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .read(|c| {
                c.simple_query("SELECT 1")?;
                Ok(())
            })
            .await
    }

    async fn standing(&self, user: UserId) -> StoreResult<Option<Standing>> {
        self.readers.read(move |c| standing(c, user)).await
    }

    async fn claim_first_admin(&self, user: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |tx, _| claim_first_admin(tx, user))
            .await
    }

    async fn set_admin(&self, user: UserId, admin: bool) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| set_admin(tx, user, admin))
            .await
    }

    async fn set_deactivated(&self, user: UserId, deactivated: bool) -> StoreResult<()> {
        let now = Timestamp::now();
        self.writer
            .write(move |tx, ev| set_deactivated(tx, ev, user, deactivated, now))
            .await
    }

    async fn accounts(&self, query_key: &str, limit: u32) -> StoreResult<Vec<Account>> {
        let query = query_key.to_owned();
        self.readers.read(move |c| accounts(c, &query, limit)).await
    }

    async fn sign_up_mode(&self) -> StoreResult<SignUpMode> {
        self.readers.read(|c| sign_up_mode(c)).await
    }

    async fn set_sign_up_mode(&self, mode: SignUpMode) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| set_sign_up_mode(tx, mode))
            .await
    }

    async fn create_invite(&self, invite: NewInvite) -> StoreResult<Invite> {
        let now = Timestamp::now();
        self.writer
            .write(move |tx, _| create_invite(tx, &invite, now))
            .await
    }

    async fn invites(&self) -> StoreResult<Vec<Invite>> {
        self.readers.read(|c| invites(c)).await
    }

    async fn revoke_invite(&self, id: i64) -> StoreResult<()> {
        let now = Timestamp::now();
        self.writer
            .write(move |tx, _| revoke_invite(tx, id, now))
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
            .write(move |tx, ev| {
                create_user_with_invite(
                    tx,
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
