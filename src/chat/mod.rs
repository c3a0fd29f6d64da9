//! Use-cases: what a user can do, named with verbs, with the rules that go
//! with each. Knows the `Store` trait and the domain; knows no HTTP and no SQL.

mod accounts;
mod admin;
mod bot_outhooks;
mod commands;
mod credentials;
mod directory;
mod disappearing;
mod expired_files;
mod feed;
mod files;
mod group_dms;
mod hooks;
mod integrations;
mod limits;
mod member_invites;
mod mentions;
mod messages;
mod moderation;
mod outhooks;
mod pins;
mod profiles;
mod reactions;
mod reports;
mod resets;
mod room_care;
mod room_history;
mod rooms;
mod search;
mod seen_writes;
mod server_name;
mod sessions;
mod status;
mod threads;
mod upload_quota;

use std::sync::Arc;

pub use accounts::SignedIn;
pub use admin::{MadeInvite, MAX_INVITE_SECS, MAX_INVITE_USES};
pub use bot_outhooks::MAX_OUT_HOOKS_PER_BOT;
pub use commands::{CommandAnswer, CommandRequest, MadeCommand, Visibility, MAX_COMMANDS_PER_ROOM};
pub use credentials::{hash_password, SessionToken};
pub use disappearing::{ExpiryClock, MAX_DISAPPEAR_SECS};
pub use feed::{FeedPage, FeedRooms, FEED_PAGE};
pub use files::{Attachments, Download, FileSettings, MAX_FILES_PER_MESSAGE};
pub use group_dms::{GROUP_MAX, GROUP_MIN};
pub use hooks::{HookPost, MadeHook};
pub use integrations::{MadeToken, TokenRequest, TOKEN_PREFIX};
pub use limits::LimitSettings;
use limits::Limits;
pub use messages::{HistoryRequest, HistorySlice};
pub use outhooks::{OutHookRequest, OutHookScope, MAX_OUT_HOOKS_PER_ROOM, URL_MAX};
pub use pins::{MAX_PINS, MAX_SAVED};
pub use profiles::{AvatarDownload, AVATAR_SIDE, AVATAR_SMALL_SIDE};
pub use reactions::MAX_EMOJI_PER_MESSAGE;
pub use reports::MAX_OPEN_REPORTS;
pub use resets::{MadeResetLink, RESET_LINK_SECS};
pub use room_care::{RoomCareRequest, TOPIC_MAX};
pub use rooms::GENERAL;
pub use search::{SearchHit, SearchPage, SearchRequest, MAX_SEARCH_PAGE};
pub use server_name::{DEFAULT_SERVER_NAME, SERVER_NAME_MAX};
pub use threads::ThreadSlice;

use crate::storage::Store;

/// Rules that come from configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_message_chars: usize,
    pub require_password: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_message_chars: 4000,
            require_password: false,
        }
    }
}

/// The chat service: every use-case is a method on it.
pub struct Chat {
    store: Arc<dyn Store>,
    policy: Policy,
    limits: Limits,
    /// Time from a send's arrival to its durable answer.
    send_ack: metrics::Histogram,
    /// Wakes the expiry task when a sooner expiry is stored.
    expiry: Arc<ExpiryClock>,
    /// Attachments; `None` until `keep_files`.
    files: Option<std::sync::Arc<files::Attachments>>,
    /// Sessions' last use and idle time.
    sessions: sessions::SessionClock,
    /// API tokens' last use.
    token_clock: integrations::TokenClock,
    /// Calls custom slash commands' URLs; `None` until `call_commands_with`.
    commands_client: Option<crate::outbound::OutboundClient>,
}

impl Chat {
    pub fn new(store: Arc<dyn Store>, policy: Policy, limits: &LimitSettings) -> Self {
        Self {
            store,
            policy,
            limits: Limits::new(limits),
            send_ack: metrics::Histogram::noop(),
            expiry: Arc::default(),
            files: None,
            sessions: sessions::SessionClock::default(),
            token_clock: integrations::TokenClock::default(),
            commands_client: None,
        }
    }

    /// Custom slash commands call their URLs through `client` (SSRF guarded,
    /// with the short timeout and answer cap made for them).
    pub fn call_commands_with(&mut self, client: crate::outbound::OutboundClient) {
        self.commands_client = Some(client);
    }

    /// Records each send's time to acknowledgement in `histogram`.
    pub fn observe_sends(&mut self, histogram: metrics::Histogram) {
        self.send_ack = histogram;
    }

    /// Refusals by each rate limit so far.
    pub fn rate_limit_refusals(&self) -> Vec<(&'static str, u64)> {
        self.limits.refusals()
    }

    /// Whether the storage answers (for readiness checks).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn check_storage(&self) -> crate::error::Result<()> {
        Ok(self.store.ping().await?)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How the store makes writes durable (for operators).
    pub fn durability(&self) -> crate::storage::Durability {
        self.store.durability()
    }
}
