//! Bots and API tokens: a person makes bots (user rows of kind bot that
//! they own) and tokens that act as themselves or one of their bots, with
//! scopes and, if they like, a list of rooms. A token is shown once and
//! kept as its SHA-256; it is not a session: signing out everywhere leaves
//! it, revoking it or deactivating its maker ends it at once.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::limits::Limits;
use super::Chat;
use crate::domain::{
    Bot, Emoji, Grant, RoomId, Scope, Timestamp, TokenInfo, User, UserId, Username,
};
use crate::error::{Error, Result};
use crate::storage::{NewToken, StoreError};

/// What every API token starts with, so a leaked one is easy to spot
/// (secret scanners) and never mistaken for a session token.
pub const TOKEN_PREFIX: &str = "natter_";
/// How many characters of a token lists show.
const SHOWN_PREFIX: usize = 12;
/// The longest token name.
pub const TOKEN_NAME_MAX: usize = 80;
/// Tokens one person may hold at once (theirs and their bots').
pub const MAX_TOKENS: usize = 100;
/// Bots one person may own.
pub const MAX_BOTS: usize = 25;
/// How stale a token's "last used" may be, in milliseconds.
const USE_WRITTEN_EVERY_MS: i64 = 60_000;

/// A new random secret: 256 bits, base64url, behind `prefix`.
pub(super) fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub(super) fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// When each token's use was last written (bounded like the sessions').
#[derive(Debug, Default)]
pub struct TokenClock(Mutex<HashMap<i64, i64>>);

impl TokenClock {
    pub(super) fn due(&self, token: i64, now: Timestamp) -> bool {
        let mut written = self.0.lock().expect("token clock");
        if written
            .get(&token)
            .is_some_and(|at| now.millis().saturating_sub(*at) < USE_WRITTEN_EVERY_MS)
        {
            return false;
        }
        if written.len() >= 100_000 {
            written.clear();
        }
        written.insert(token, now.millis());
        true
    }
}

/// A token as asked for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// `None`: every room its user is in.
    pub rooms: Option<Vec<RoomId>>,
    /// Act as this bot of mine, not as me.
    pub bot: Option<UserId>,
}

/// A token just made: the only time the token itself is shown.
#[derive(Debug, Clone)]
pub struct MadeToken {
    pub token: String,
    pub info: TokenInfo,
}

impl Chat {
    /// The user and grant of an API token (`natter_...`), counted against
    /// the token's rate limit; `None` for an unknown, revoked or ended one.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<(User, Grant)>> {
        let Some((user, grant)) = self.store.user_for_token(sha256(token)).await? else {
            return Ok(None);
        };
        Limits::take(
            self.limits.requests_per_token.as_ref(),
            &grant.token_id.to_string(),
        )?;
        let now = Timestamp::now();
        if self.token_clock.due(grant.token_id, now) {
            if let Err(e) = self.store.token_used(grant.token_id, now).await {
                tracing::warn!(error = %e, "cannot record when a token was last used");
            }
        }
        Ok(Some((user, grant)))
    }

    /// Makes a bot owned by `owner`.
    pub async fn make_bot(&self, owner: &User, name: &str, avatar: Option<&str>) -> Result<Bot> {
        refuse_bot(owner)?;
        let name = Username::parse(name)?;
        let avatar = match avatar.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Some(Emoji::parse(a)?.as_str().to_owned()),
            None => None,
        };
        if self.store.bots_of(owner.id).await?.len() >= MAX_BOTS {
            return Err(Error::TooMany {
                code: "too_many_bots",
                message: format!("You can own at most {MAX_BOTS} bots."),
            });
        }
        self.store
            .create_bot(
                owner.id,
                name.as_str(),
                &name.key(),
                avatar,
                Timestamp::now(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict => {
                    Error::conflict("username_taken", "That name is taken; choose another.")
                }
                other => other.into(),
            })
    }

    pub async fn my_bots(&self, owner: &User) -> Result<Vec<Bot>> {
        Ok(self.store.bots_of(owner.id).await?)
    }

    /// One of the owner's bots, as a user (404 for anyone else's).
    pub(super) async fn my_bot(&self, owner: &User, bot: UserId) -> Result<User> {
        let mine = self.store.bots_of(owner.id).await?;
        if !mine.iter().any(|b| b.user_id == bot) {
            return Err(Error::not_found("You have no bot with that id."));
        }
        let record = self.store.user_by_id(bot).await?;
        Ok(record
            .ok_or_else(|| Error::not_found("You have no bot with that id."))?
            .user)
    }

    /// Makes a token for me or one of my bots. Its rooms must be rooms I
    /// am in (404 otherwise, as for any room I cannot see).
    pub async fn make_token(&self, maker: &User, request: TokenRequest) -> Result<MadeToken> {
        refuse_bot(maker)?;
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > TOKEN_NAME_MAX {
            return Err(Error::invalid(
                "token_name_invalid",
                format!("Give the token a name of 1 to {TOKEN_NAME_MAX} characters."),
            ));
        }
        let mut scopes = request.scopes.clone();
        scopes.sort_by_key(|s| *s as u8);
        scopes.dedup();
        if scopes.is_empty() {
            return Err(Error::invalid(
                "scopes_empty",
                "Choose at least one scope: read, post or manage_rooms.",
            ));
        }
        if let Some(rooms) = &request.rooms {
            if rooms.is_empty() {
                return Err(Error::invalid(
                    "rooms_empty",
                    "List at least one room, or leave rooms out for every room.",
                ));
            }
            for room in rooms {
                self.member_access(maker, *room).await?;
            }
        }
        let user = match request.bot {
            Some(bot) => self.my_bot(maker, bot).await?.id,
            None => maker.id,
        };
        if self.store.tokens_made_by(maker.id).await?.len() >= MAX_TOKENS {
            return Err(Error::TooMany {
                code: "too_many_tokens",
                message: format!("You can hold at most {MAX_TOKENS} tokens; revoke one first."),
            });
        }
        let token = random_secret(TOKEN_PREFIX);
        let info = self
            .store
            .create_token(NewToken {
                hash: sha256(&token),
                prefix: token.chars().take(SHOWN_PREFIX).collect(),
                user,
                made_by: maker.id,
                name: name.to_owned(),
                scopes,
                rooms: request.rooms,
                now: Timestamp::now(),
            })
            .await?;
        Ok(MadeToken { token, info })
    }

    pub async fn my_tokens(&self, maker: &User) -> Result<Vec<TokenInfo>> {
        Ok(self.store.tokens_made_by(maker.id).await?)
    }

    /// Revokes a token I made: it stops working at once, and connections
    /// opened with it close.
    pub async fn revoke_token(&self, maker: &User, id: i64) -> Result<()> {
        if !self
            .store
            .revoke_token(maker.id, id, Timestamp::now())
            .await?
        {
            return Err(Error::not_found("You have no token with that id."));
        }
        Ok(())
    }
}

/// Bots do not make bots, tokens or webhooks (their tokens cannot reach
/// these routes; this keeps it so for any other way in).
pub(super) fn refuse_bot(user: &User) -> Result<()> {
    if user.bot {
        return Err(Error::Forbidden("A bot cannot do this.".into()));
    }
    Ok(())
}
