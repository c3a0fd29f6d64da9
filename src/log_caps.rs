//! What libraries may write to the log, whatever `NATTER_LOG` asks for: no
//! log level may carry a message body, a session token or a password, and
//! some libraries log exactly those at debug and trace (tungstenite logs
//! every frame it reads and writes, with its payload; axum logs rejected
//! input). Their targets are capped here, below the levels that do.

use tracing::Level;
use tracing_subscriber::filter::Targets;

/// Targets and the most verbose level each may log at.
const CAPS: &[(&str, Level)] = &[
    // Frames with their payloads ("Received message {..}") at trace, close
    // reasons at debug.
    ("tungstenite", Level::INFO),
    ("tokio_tungstenite", Level::INFO),
    // Request and response heads (headers carry cookies and bearer tokens).
    ("hyper", Level::INFO),
    ("hyper_util", Level::INFO),
    ("h2", Level::INFO),
    // Rejected input, as its body text, at trace.
    ("axum::rejection", Level::DEBUG),
    ("tower_http", Level::INFO),
    // Handshakes and their secrets, should TLS be added.
    ("rustls", Level::INFO),
];

/// A filter that lets everything through except what the caps hold back;
/// combine it with the operator's filter (both must let an event through).
pub fn library_caps() -> Targets {
    CAPS.iter().fold(
        Targets::new().with_default(Level::TRACE),
        |t, (target, level)| t.with_target(*target, *level),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_frames_are_held_back_and_natter_is_not() {
        let caps = library_caps();
        assert!(!caps.would_enable("tungstenite::protocol", &Level::TRACE));
        assert!(!caps.would_enable("tungstenite::protocol", &Level::DEBUG));
        assert!(caps.would_enable("tungstenite::protocol", &Level::WARN));
        assert!(!caps.would_enable("hyper::proto::h1::role", &Level::TRACE));
        assert!(!caps.would_enable("axum::rejection", &Level::TRACE));
        assert!(caps.would_enable("natter::realtime::hub", &Level::TRACE));
    }
}
