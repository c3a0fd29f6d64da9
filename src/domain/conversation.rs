//! Threads, mentions and notification levels: the parts of a conversation
//! that point at a message or a person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Message, RoomId, Seq, Timestamp, UserId};

/// The most people a thread summary names (the most recent repliers).
pub const THREAD_PEOPLE_SHOWN: usize = 10;
/// The most people one message may mention by name.
pub const MAX_MENTIONS: usize = 20;

/// What a thread's first message shows about its replies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ThreadSummary {
    /// Replies that are still there (deleted and expired ones are not counted).
    pub reply_count: u32,
    /// When the newest reply was sent.
    pub last_reply_at: Option<Timestamp>,
    /// The seq of the newest reply.
    pub last_reply_seq: Option<Seq>,
    /// Who replied, most recent first (at most ten).
    pub people: Vec<String>,
}

impl ThreadSummary {
    /// The summary once `author` has replied at `seq`, `at`.
    #[must_use]
    pub fn with_reply(mut self, author: &str, seq: Seq, at: Timestamp) -> Self {
        self.reply_count += 1;
        self.last_reply_at = Some(at);
        self.last_reply_seq = Some(seq);
        self.people.retain(|p| !p.eq_ignore_ascii_case(author));
        self.people.insert(0, author.to_owned());
        self.people.truncate(THREAD_PEOPLE_SHOWN);
        self
    }
}

/// Where a new message goes besides its room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadPlace {
    /// The seq of the thread's first message.
    pub root: Seq,
    /// Also shown in the room's timeline.
    pub also_in_room: bool,
}

/// Who a message mentions, as the server understood it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Members named by `@username` (never the author).
    pub people: Vec<(UserId, String)>,
    /// `@room` or `@here`, by someone allowed to.
    pub room: bool,
}

/// One entry of a user's mentions inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MentionEntry {
    /// The cursor for the next (older) page.
    pub id: i64,
    pub room_id: RoomId,
    /// The room's name (`null` for a direct room).
    pub room_name: Option<String>,
    pub message: Message,
}

/// How much of a room a member wants to be told about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevel {
    /// Every message.
    All,
    /// Mentions of me, and everything in direct messages.
    #[default]
    Mentions,
    /// Nothing.
    Nothing,
}

impl NotificationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mentions => "mentions",
            Self::Nothing => "nothing",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "all" => Self::All,
            "nothing" => Self::Nothing,
            _ => Self::Mentions,
        }
    }
}

/// The `@name` words of a text, lower-cased, each once, in order, at most
/// `MAX_MENTIONS` (and `room`/`here` among them when written). A name is
/// what a username may hold; an `@` inside a word (an e-mail address) or
/// inside code does not count.
pub fn mentioned_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if !text.contains('@') {
        return names;
    }
    let mut in_code = false;
    let mut prev: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
        } else if c == '@' && !in_code && !prev.is_some_and(is_name_char) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_name_char(chars[end]) {
                end += 1;
            }
            // A sentence may end right after a name: "thanks @ann."
            while end > start && chars[end - 1] == '.' {
                end -= 1;
            }
            if end > start && end - start <= super::USERNAME_MAX {
                let name: String = chars[start..end].iter().collect::<String>().to_lowercase();
                if !names.contains(&name) {
                    names.push(name);
                }
                if names.len() >= MAX_MENTIONS {
                    break;
                }
            }
            prev = Some(chars[end.max(start) - 1]);
            i = end.max(start);
            continue;
        }
        prev = Some(c);
        i += 1;
    }
    names
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_after_an_at_sign_are_found_once_each_in_lower_case() {
        assert_eq!(
            mentioned_names("hi @Ann and @bob.smith, also @ann. @room!"),
            vec!["ann", "bob.smith", "room"]
        );
    }

    #[test]
    fn addresses_code_and_a_lone_at_sign_mention_nobody() {
        assert!(mentioned_names("mail ann@example.com or `@bob` or @ alone").is_empty());
    }

    #[test]
    fn a_thread_summary_names_the_latest_repliers_first_without_repeats() {
        let s = ThreadSummary::default()
            .with_reply("ann", Seq(2), Timestamp(1))
            .with_reply("bob", Seq(3), Timestamp(2))
            .with_reply("Ann", Seq(4), Timestamp(3));
        assert_eq!(s.reply_count, 3);
        assert_eq!(s.people, vec!["Ann", "bob"]);
        assert_eq!(s.last_reply_seq, Some(Seq(4)));
    }
}
