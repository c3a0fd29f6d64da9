//! Builds Slack exports in the documented format, as ZIP bytes: a small
//! workspace with every feature the import handles, and raw entries for
//! hostile archives.

use std::io::{Cursor, Write};

use serde_json::{json, Value};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Entries in the order they go into the archive.
#[derive(Default, Clone)]
pub(crate) struct Export {
    entries: Vec<(String, Vec<u8>)>,
}

impl Export {
    pub fn json(mut self, name: &str, value: &Value) -> Self {
        self.entries
            .push((name.to_owned(), serde_json::to_vec_pretty(value).unwrap()));
        self
    }

    pub fn raw(mut self, name: &str, bytes: Vec<u8>) -> Self {
        self.entries.push((name.to_owned(), bytes));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.entries.retain(|(n, _)| n != name);
        self
    }

    /// The ZIP, deflated.
    pub fn zip(&self) -> Vec<u8> {
        self.zip_with(SimpleFileOptions::default().compression_method(CompressionMethod::Deflated))
    }

    pub fn zip_with(&self, options: SimpleFileOptions) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in &self.entries {
            if name.ends_with('/') {
                zip.add_directory(name.as_str(), options).unwrap();
            } else {
                zip.start_file(name.as_str(), options).unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }
}

fn msg(user: &str, ts: &str, text: &str) -> Value {
    json!({"type": "message", "user": user, "text": text, "ts": ts})
}

/// A workspace: four users (one a bot user, one deactivated), two public
/// channels, a private channel, a DM and a group DM; in #general a join, a
/// thread with two replies (one edited later), reactions, a bot message,
/// an edited message, a shared file and a deleted message. Day files go in
/// out of date order, to show the import sorts them.
pub(crate) fn sample() -> Export {
    let users = json!([
        {"id": "U01", "name": "alice", "real_name": "Alice Liddell", "deleted": false,
         "profile": {"display_name": "", "real_name": "Alice Liddell", "email": "alice@example.org"}},
        {"id": "U02", "name": "bob", "deleted": false, "profile": {"display_name": "Bobby"}},
        {"id": "U03", "name": "carol", "deleted": true, "profile": {"real_name": "Carol"}},
        {"id": "U04", "name": "deploybot", "is_bot": true, "profile": {"real_name": "Deploy Bot"}},
    ]);
    let channels = json!([
        {"id": "C01", "name": "general", "created": 1_511_000_000, "creator": "U01",
         "is_archived": false, "is_general": true, "members": ["U02", "U01", "U03", "U99"],
         "topic": {"value": "Company-wide, see <#C02|random> &amp; <@U02>", "creator": "U01", "last_set": 0},
         "purpose": {"value": "Everything", "creator": "U01", "last_set": 0}},
        {"id": "C02", "name": "random", "created": 1_511_000_100, "creator": "U02",
         "members": ["U01", "U02"], "topic": {"value": ""}, "purpose": {"value": "Off topic"}},
    ]);
    let groups = json!([{"id": "G01", "name": "secret-plans", "created": 1_511_000_200,
                         "creator": "U01", "members": ["U01", "U02"]}]);
    let dms = json!([{"id": "D01", "created": 1_511_000_300, "members": ["U01", "U02"]}]);
    let mpims = json!([{"id": "G02", "name": "mpdm-alice--bob--carol-1", "created": 1_511_000_400,
                        "creator": "U01", "members": ["U01", "U02", "U03"]}]);
    let thread = "1512000100.000200";
    let mut hello = msg(
        "U01",
        thread,
        "Hello *team* &amp; _friends_ ~old~ see <https://example.com/a?b=1&amp;c=2|the site>",
    );
    hello["thread_ts"] = json!(thread);
    hello["reply_count"] = json!(2);
    hello["reactions"] = json!([{"name": "thumbsup", "users": ["U02", "U03"], "count": 2},
                                {"name": "tada", "users": ["U99"], "count": 1}]);
    let mut reply1 = msg("U02", "1512000200.000300", "Reply one <@U01>");
    reply1["thread_ts"] = json!(thread);
    let mut reply2 = msg("U03", "1512086400.000100", "Reply _two_");
    reply2["thread_ts"] = json!(thread);
    let mut join = msg("U02", "1512000000.000100", "<@U02> has joined the channel");
    join["subtype"] = json!("channel_join");
    let day1 = json!([join, hello, reply1]);
    let bot = json!({"type": "message", "subtype": "bot_message", "bot_id": "B01", "username": "CI",
                     "text": "Build *passed*", "ts": "1512086500.000000"});
    let mut edited = msg("U01", "1512086600.000000", "Edited text");
    edited["edited"] = json!({"user": "U01", "ts": "1512086700.000000"});
    let mut file = msg("U02", "1512086800.000000", "");
    file["subtype"] = json!("file_share");
    file["files"] = json!([{"id": "F01", "name": "plan.pdf", "title": "The plan", "mimetype": "application/pdf",
                            "size": 12345, "url_private": "https://files.slack.com/plan.pdf?t=xoxe-secret-token"},
                           {"id": "F02", "mode": "tombstone"}]);
    let changed = json!({"type": "message", "subtype": "message_changed", "ts": "1512086900.000000",
                         "message": {"type": "message", "user": "U02", "text": "Reply one, fixed <@U01>",
                                     "ts": "1512000200.000300", "thread_ts": thread,
                                     "edited": {"user": "U02", "ts": "1512086900.000000"}}});
    let oops = msg("U02", "1512087000.000000", "oops, wrong room");
    let deleted = json!({"type": "message", "subtype": "message_deleted", "hidden": true,
                         "deleted_ts": "1512087000.000000", "ts": "1512087001.000000"});
    let day2 = json!([reply2, bot, edited, file, changed, oops, deleted]);
    let mut deploy = msg("U04", "1512090100.000000", "deployed v2");
    deploy["subtype"] = json!("bot_message");
    deploy["bot_id"] = json!("B04");
    Export::default()
        .json("users.json", &users)
        .json("channels.json", &channels)
        .json("groups.json", &groups)
        .json("dms.json", &dms)
        .json("mpims.json", &mpims)
        .json("integration_logs.json", &json!({"logs": []}))
        .raw("general/", Vec::new())
        .json("general/2017-12-01.json", &day2)
        .json("general/2017-11-30.json", &day1)
        .json(
            "random/2017-12-01.json",
            &json!([
                msg("U02", "1512090000.000000", "random thought in <#C01>"),
                deploy
            ]),
        )
        .json(
            "secret-plans/2017-12-02.json",
            &json!([msg("U01", "1512172800.000000", "top secret")]),
        )
        .json(
            "D01/2017-12-02.json",
            &json!([msg("U02", "1512172900.000000", "hi alice")]),
        )
        .json(
            "mpdm-alice--bob--carol-1/2017-12-02.json",
            &json!([msg("U03", "1512173000.000000", "group hello")]),
        )
}
