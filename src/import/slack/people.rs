//! Slack users (and authors missing from `users.json`: bots without a user,
//! people who left) to planned Natter users with plan-unique usernames.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::raw;
use crate::domain::Username;
use crate::import::plan::{ImportKey, PlannedUser};

/// `Username::parse`'s limit (the tests parse every name made here).
const USERNAME_MAX: usize = 32;

/// An author met in messages but absent from `users.json`, with the name
/// the first message that named them gave.
#[derive(Debug, Clone)]
pub(super) struct Stranger {
    pub name: Option<String>,
    pub display: Option<String>,
}

/// The key of a Slack user id (or `bot:<id>` author id).
pub(super) fn user_key(author_id: &str) -> ImportKey {
    match author_id.strip_prefix("bot:") {
        Some(bot) => ImportKey::derive("slack-bot", &[bot]),
        None => ImportKey::derive("slack", &[author_id]),
    }
}

/// The planned users, and each Slack author id's username.
pub(super) struct People {
    pub users: Vec<PlannedUser>,
    pub usernames: HashMap<String, String>,
}

impl People {
    pub fn knows(&self, author_id: &str) -> bool {
        self.usernames.contains_key(author_id)
    }
}

pub(super) fn plan_people(listed: Vec<raw::User>, strangers: BTreeMap<String, Stranger>) -> People {
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let mut candidates: Vec<(String, String, PlannedUser)> = listed
        .into_iter()
        .map(|user| {
            let display = nonempty(user.profile.display_name)
                .or(nonempty(user.profile.real_name))
                .or(nonempty(user.real_name))
                .unwrap_or_else(|| user.name.clone());
            let planned = PlannedUser {
                key: user_key(&user.id),
                username: String::new(),
                display_name: display,
                is_bot: user.is_bot || user.id == "USLACKBOT",
                deactivated: user.deleted,
                email: nonempty(user.profile.email),
            };
            (user.id, user.name, planned)
        })
        .collect();
    for (id, stranger) in strangers {
        let is_bot = id.starts_with("bot:") || id == "USLACKBOT";
        let hint = stranger.name.clone().unwrap_or_else(|| {
            if id == "USLACKBOT" {
                "slackbot".to_owned()
            } else {
                id.trim_start_matches("bot:").to_owned()
            }
        });
        let planned = PlannedUser {
            key: user_key(&id),
            username: String::new(),
            display_name: nonempty(stranger.display).unwrap_or_else(|| hint.clone()),
            is_bot,
            // Not in the workspace any more (or never a person): nobody
            // should be able to claim a bot's or a leaver's account as is.
            deactivated: !is_bot,
            email: None,
        };
        candidates.push((id, hint, planned));
    }
    // People keep their names before bots and leavers take theirs.
    candidates.sort_by(|a, b| {
        let rank = |u: &PlannedUser| u8::from(u.is_bot) + 2 * u8::from(u.deactivated);
        (rank(&a.2), &a.2.key).cmp(&(rank(&b.2), &b.2.key))
    });
    let mut taken = HashSet::new();
    let mut usernames = HashMap::new();
    let users = candidates
        .into_iter()
        .map(|(id, hint, mut planned)| {
            planned.username = unique_username(&hint, &mut taken);
            usernames.insert(id, planned.username.clone());
            planned
        })
        .collect();
    People { users, usernames }
}

/// `hint` made into a valid username not yet in `taken` (case-insensitive):
/// other characters dropped, spaces as `-`, then `-2`, `-3`, … if needed.
fn unique_username(hint: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = hint
        .trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .take(USERNAME_MAX)
        .collect();
    if base.is_empty() {
        base = "user".into();
    }
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate.to_ascii_lowercase()) {
        n += 1;
        let suffix = format!("-{n}");
        let keep = USERNAME_MAX - suffix.len();
        candidate = format!("{}{suffix}", &base[..base.len().min(keep)]);
    }
    debug_assert!(Username::parse(&candidate).is_ok(), "{candidate}");
    taken.insert(candidate.to_ascii_lowercase());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_made_valid_and_unique_without_regard_to_case() {
        let mut taken = HashSet::new();
        let names: Vec<String> = [
            "alice",
            "Alice",
            "alice",
            "José Müller",
            "日本",
            "",
            &"x".repeat(40),
            &"x".repeat(40),
        ]
        .iter()
        .map(|hint| unique_username(hint, &mut taken))
        .collect();
        let long = "x".repeat(32);
        let long2 = format!("{}-2", "x".repeat(30));
        assert_eq!(
            names,
            [
                "alice",
                "Alice-2",
                "alice-3",
                "Jos-Mller",
                "user",
                "user-2",
                long.as_str(),
                long2.as_str()
            ]
        );
        for name in &names {
            assert!(Username::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn people_keep_their_names_before_bots_and_leavers() {
        let user = |id: &str, name: &str, deleted: bool| raw::User {
            id: id.into(),
            name: name.into(),
            real_name: None,
            deleted,
            is_bot: false,
            profile: raw::Profile::default(),
        };
        let strangers = BTreeMap::from([(
            "bot:B1".to_owned(),
            Stranger {
                name: Some("sam".into()),
                display: None,
            },
        )]);
        let people = plan_people(
            vec![user("U9", "sam", true), user("U2", "sam", false)],
            strangers,
        );
        assert_eq!(people.usernames["U2"], "sam");
        assert_eq!(people.usernames["bot:B1"], "sam-2");
        assert_eq!(people.usernames["U9"], "sam-3");
        let keys: Vec<&str> = people.users.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(keys, ["slack-U2", "slack-bot-B1", "slack-U9"]);
    }
}
