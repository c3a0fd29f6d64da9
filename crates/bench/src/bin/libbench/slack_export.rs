//! `slack-export`: a Slack export of `--messages` messages in Slack's
//! documented format (`users.json`, `channels.json`, one JSON file per
//! channel and day), for timing `natter admin import-slack` on a large
//! one (issue 18). Every tenth message starts a thread that the next
//! message replies to, every seventh has a reaction, and each carries a
//! word of its own (`word<n>`) so a search can find any one of them.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

#[derive(clap::Args)]
pub struct ExportOpts {
    /// Where the zip is written
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    messages: usize,
    #[arg(long, default_value_t = 20)]
    channels: usize,
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Messages in one day's file of a channel
    #[arg(long, default_value_t = 500)]
    per_day: usize,
}

/// The first day of the export, at midnight UTC (2017-11-19).
const FIRST_DAY: i64 = 1_511_049_600;

/// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
fn date_of(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn run(o: &ExportOpts) -> anyhow::Result<()> {
    let started = Instant::now();
    let users: Vec<Value> = (0..o.users.max(2))
        .map(|u| {
            json!({"id": format!("U{u:05}"), "name": format!("person{u}"), "deleted": false,
                   "profile": {"real_name": format!("Person {u}")}})
        })
        .collect();
    let members: Vec<String> = (0..o.users.max(2)).map(|u| format!("U{u:05}")).collect();
    let channels: Vec<Value> = (0..o.channels.max(1))
        .map(|c| {
            json!({"id": format!("C{c:05}"), "name": format!("channel-{c}"),
                   "created": 1_510_000_000, "creator": "U00000", "members": members,
                   "topic": {"value": ""}, "purpose": {"value": ""}})
        })
        .collect();
    let file = std::fs::File::create(&o.out)?;
    let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
    let options = SimpleFileOptions::default();
    zip.start_file("users.json", options)?;
    zip.write_all(&serde_json::to_vec(&users)?)?;
    zip.start_file("channels.json", options)?;
    zip.write_all(&serde_json::to_vec(&channels)?)?;
    let per_channel = o.messages.div_ceil(o.channels.max(1));
    let per_day = o.per_day.max(1);
    let spacing = 86_400 / i64::try_from(per_day)?.min(86_400);
    let mut n = 0;
    for c in 0..o.channels.max(1) {
        let count = per_channel.min(o.messages - n);
        let mut parent = String::new();
        for (day, first) in (0..count).step_by(per_day).enumerate() {
            let day = i64::try_from(day)?;
            let mut messages = Vec::with_capacity(per_day);
            for (j, i) in (first..(first + per_day).min(count)).enumerate() {
                let ts = format!(
                    "{}.{:06}",
                    FIRST_DAY + day * 86_400 + i64::try_from(j)? * spacing,
                    n % 1_000_000
                );
                messages.push(message(n, i, &ts, &parent, o.users.max(2)));
                parent = ts;
                n += 1;
            }
            zip.start_file(
                format!("channel-{c}/{}.json", date_of(FIRST_DAY / 86_400 + day)),
                options,
            )?;
            zip.write_all(&serde_json::to_vec(&messages)?)?;
        }
    }
    zip.finish()?.flush()?;
    println!(
        "{} messages in {} channels by {} people: {} ({} bytes) in {:.1} s",
        o.messages,
        o.channels.max(1),
        o.users.max(2),
        o.out.display(),
        std::fs::metadata(&o.out)?.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Message `n` overall, the `i`th of its channel, posted at `ts` right
/// after the one at `previous`.
fn message(n: usize, i: usize, ts: &str, previous: &str, users: usize) -> Value {
    let mut m = json!({"type": "message", "user": format!("U{:05}", n % users), "ts": ts,
        "text": format!("message {n} about the quarterly plan, see word{n} and <@U{:05}>", (n + 1) % users)});
    if i.is_multiple_of(10) {
        m["thread_ts"] = json!(ts);
    } else if i % 10 == 1 {
        m["thread_ts"] = json!(previous);
    }
    if n.is_multiple_of(7) {
        m["reactions"] = json!([{"name": "thumbsup", "users": [format!("U{:05}", (n + 2) % users)], "count": 1}]);
    }
    m
}
