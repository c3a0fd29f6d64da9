//! Slack's export format as documented ("Export your workspace data"):
//! only the fields the import uses, each optional where exports vary.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Profile {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub real_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// An entry of `users.json`.
#[derive(Debug, Deserialize)]
pub(super) struct User {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub real_name: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub profile: Profile,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Text {
    #[serde(default)]
    pub value: String,
}

/// An entry of `channels.json`, `groups.json`, `dms.json` or `mpims.json`.
#[derive(Debug, Deserialize)]
pub(super) struct Channel {
    pub id: String,
    /// Absent for DMs.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub creator: Option<String>,
    #[serde(default)]
    pub is_archived: bool,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub topic: Option<Text>,
    #[serde(default)]
    pub purpose: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Reaction {
    pub name: String,
    #[serde(default)]
    pub users: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct File {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub mimetype: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    /// `tombstone` for a deleted file, `hidden_by_limit` past a free plan's.
    #[serde(default)]
    pub mode: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Edited {
    #[serde(default)]
    pub ts: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct BotProfile {
    #[serde(default)]
    pub name: Option<String>,
}

/// One message of a room's day file.
#[derive(Debug, Deserialize)]
#[allow(clippy::struct_field_names)] // `message` is Slack's name for the nested one
pub(super) struct Message {
    #[serde(default)]
    pub ts: String,
    #[serde(default)]
    pub subtype: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    /// A bot message's display name.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub bot_profile: Option<BotProfile>,
    #[serde(default)]
    pub user_profile: Option<UserProfile>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub thread_ts: Option<String>,
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    #[serde(default)]
    pub files: Vec<File>,
    #[serde(default)]
    pub edited: Option<Edited>,
    /// The new version, for `message_changed`.
    #[serde(default)]
    pub message: Option<Box<Message>>,
    /// The message removed, for `message_deleted`.
    #[serde(default)]
    pub deleted_ts: Option<String>,
    /// The new topic or purpose, for `channel_topic` / `channel_purpose`.
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
}

/// The author's profile as embedded in messages of users who left the
/// workspace before the export (and so may be missing from `users.json`).
#[derive(Debug, Default, Deserialize)]
pub(super) struct UserProfile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub real_name: Option<String>,
}

impl Message {
    /// Who wrote it, as the source names them: a user id, or `bot:<id>`
    /// for integrations that post without a user.
    pub fn author_id(&self) -> Option<String> {
        match (&self.user, &self.bot_id) {
            (Some(user), _) if !user.is_empty() => Some(user.clone()),
            (_, Some(bot)) if !bot.is_empty() => Some(format!("bot:{bot}")),
            _ => None,
        }
    }
}

/// Slack's `ts` (`"1512085950.000216"`) as microseconds since the epoch,
/// the order messages sort in; `None` if it is not one.
pub(super) fn ts_micros(ts: &str) -> Option<i64> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    if secs.is_empty()
        || frac.len() > 6
        || !secs.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let frac: i64 = format!("{frac:0<6}").parse().ok()?;
    secs.checked_mul(1_000_000)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::ts_micros;

    #[test]
    fn slack_timestamps_sort_by_their_microseconds() {
        assert_eq!(ts_micros("1512085950.000216"), Some(1_512_085_950_000_216));
        assert_eq!(ts_micros("1512085950.5"), Some(1_512_085_950_500_000));
        assert_eq!(ts_micros("1512085950"), Some(1_512_085_950_000_000));
        for bad in ["", ".5", "abc.def", "1.1234567", "-1.0", "1e9"] {
            assert_eq!(ts_micros(bad), None, "{bad}");
        }
    }
}
