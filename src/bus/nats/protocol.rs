//! The few lines of the NATS client protocol natter speaks: what the server
//! sends (parsed here, tested below) and what the client writes. Text
//! commands end in CRLF; a message's payload follows its `MSG` line.
//! See https://docs.nats.io/reference/reference-protocols/nats-protocol.

use std::fmt::Write as _;

/// A line from the server.
#[derive(Debug, PartialEq, Eq)]
pub enum ServerLine {
    /// `INFO {json}`: the largest payload the server takes.
    Info {
        max_payload: usize,
    },
    /// `MSG <subject> <sid> [reply-to] <#bytes>`: a payload of `len` bytes
    /// (and CRLF) follows.
    Msg {
        subject: String,
        len: usize,
    },
    Ping,
    Pong,
    Ok,
    Err(String),
}

/// The server's default, used until its INFO says otherwise.
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

/// Parses one line (without its CRLF); `None` for what natter does not know.
pub fn parse(line: &str) -> Option<ServerLine> {
    let (op, rest) = line.split_once(' ').unwrap_or((line, ""));
    match op.to_ascii_uppercase().as_str() {
        "MSG" => {
            let parts: Vec<&str> = rest.split_ascii_whitespace().collect();
            // subject, sid, optional reply-to, length
            if !(3..=4).contains(&parts.len()) {
                return None;
            }
            let len = parts.last()?.parse().ok()?;
            Some(ServerLine::Msg {
                subject: parts[0].to_owned(),
                len,
            })
        }
        "INFO" => {
            #[derive(serde::Deserialize)]
            struct Info {
                max_payload: Option<usize>,
            }
            let info: Info = serde_json::from_str(rest.trim()).ok()?;
            Some(ServerLine::Info {
                max_payload: info.max_payload.unwrap_or(DEFAULT_MAX_PAYLOAD),
            })
        }
        "PING" => Some(ServerLine::Ping),
        "PONG" => Some(ServerLine::Pong),
        "+OK" => Some(ServerLine::Ok),
        "-ERR" => Some(ServerLine::Err(rest.trim().trim_matches('\'').to_owned())),
        _ => None,
    }
}

/// The CONNECT line: no echo of our own messages (a node never needs
/// them), no acknowledgement of each command, and the URL's user and
/// password if it has them.
pub fn connect(name: &str, user: Option<&str>, pass: Option<&str>) -> String {
    let mut fields = serde_json::json!({
        "verbose": false,
        "pedantic": false,
        "echo": false,
        "name": name,
        "lang": "rust",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": 1,
    });
    if let Some(user) = user {
        fields["user"] = user.into();
        fields["pass"] = pass.unwrap_or_default().into();
    }
    format!("CONNECT {fields}\r\nPING\r\n")
}

pub fn publish(subject: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("PUB {subject} {}\r\n", payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
    out
}

pub fn subscribe(out: &mut String, subject: &str, sid: &str) {
    let _ = write!(out, "SUB {subject} {sid}\r\n");
}

pub fn unsubscribe(out: &mut String, sid: &str) {
    let _ = write!(out, "UNSUB {sid}\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_line_gives_its_subject_and_length_with_or_without_reply_subject() {
        assert_eq!(
            parse("MSG natter.room.7 r7 42"),
            Some(ServerLine::Msg {
                subject: "natter.room.7".into(),
                len: 42
            })
        );
        assert_eq!(
            parse("MSG natter.users u _INBOX.x 5"),
            Some(ServerLine::Msg {
                subject: "natter.users".into(),
                len: 5
            })
        );
        assert_eq!(parse("MSG natter.users 5"), None);
        assert_eq!(parse("MSG a b c d e"), None);
    }

    #[test]
    fn the_servers_other_lines_are_told_apart() {
        assert_eq!(
            parse(r#"INFO {"server_id":"x","max_payload":2048}"#),
            Some(ServerLine::Info { max_payload: 2048 })
        );
        assert_eq!(parse("PING"), Some(ServerLine::Ping));
        assert_eq!(parse("PONG"), Some(ServerLine::Pong));
        assert_eq!(parse("+OK"), Some(ServerLine::Ok));
        assert_eq!(
            parse("-ERR 'Authorization Violation'"),
            Some(ServerLine::Err("Authorization Violation".into()))
        );
        assert_eq!(parse("HELLO"), None);
    }

    #[test]
    fn a_publish_carries_its_length_and_payload() {
        assert_eq!(publish("s.1", b"hey"), b"PUB s.1 3\r\nhey\r\n".to_vec());
        let connect = connect("natter", Some("u"), Some("p"));
        assert!(connect.starts_with("CONNECT {"));
        assert!(connect.contains(r#""echo":false"#));
        assert!(connect.ends_with("PING\r\n"));
    }
}
