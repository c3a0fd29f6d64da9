//! How a stream connection ends: the close codes (RFC 6455 §7.4.1 and our
//! 4000 range, all listed in docs/protocol.md), which one a client's bad
//! frame earns, and the goodbye itself — the close frame written ahead of
//! whatever was still waiting, then a clean TCP close (no reset).

use std::time::Duration;

use axum::body::Bytes;
use tokio::net::TcpStream;
use tungstenite::error::ProtocolError;

use super::socket::SocketOut;

/// The client closed and we answer its close (the code it sent).
pub const NORMAL: u16 = 1000;
/// The peer stopped answering pings.
pub const GOING_AWAY: u16 = 1001;
/// A frame RFC 6455 does not allow: unmasked, RSV bits without an
/// extension, an unknown opcode, a fragmented control frame, a
/// continuation without a start, a malformed close.
pub const PROTOCOL_ERROR: u16 = 1002;
/// A binary frame: the protocol is JSON text.
pub const UNSUPPORTED_DATA: u16 = 1003;
/// A text frame that is not UTF-8.
pub const INVALID_DATA: u16 = 1007;
/// A client that floods the socket with commands.
pub const POLICY: u16 = 1008;
/// A message or frame over `--ws-max-message-bytes`.
pub const TOO_BIG: u16 = 1009;
/// Something failed in the server.
pub const INTERNAL: u16 = 1011;
/// The server is restarting: reconnect (with backoff) and resume.
pub const RESTART: u16 = 1012;
/// The session was signed out: do not reconnect without signing in.
pub const SESSION_ENDED: u16 = 4001;
/// Cut off for not reading fast enough: reconnect and resume.
pub const TOO_SLOW: u16 = 4008;

/// How long the goodbye may take to reach a client that reads slowly (it
/// can only be written once the client has read what the kernel already
/// holds for it). On shutdown the server's own deadline may cut it shorter.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait, after the close has gone out, for the client's answer
/// and the end of its stream, before the socket is dropped.
const LINGER: Duration = Duration::from_secs(2);

/// The close code and reason for a frame the reader refused, or `None`
/// when the peer is simply gone (nothing can be sent any more).
pub fn for_read_error(e: &tungstenite::Error) -> Option<(u16, &'static str)> {
    use tungstenite::Error as E;
    match e {
        E::ConnectionClosed
        | E::AlreadyClosed
        | E::Io(_)
        | E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        E::Capacity(_) => Some((TOO_BIG, "message too big")),
        E::Utf8(_) => Some((INVALID_DATA, "text must be UTF-8")),
        E::Protocol(_) => Some((PROTOCOL_ERROR, "protocol error")),
        _ => Some((INTERNAL, "internal error")),
    }
}

/// A close frame with a code and a (short, static) reason.
pub fn frame(code: u16, reason: &str) -> Bytes {
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(reason.as_bytes());
    super::frame::frame(0x88, &payload)
}

/// The answer to a client's close: its own code back, or an empty close
/// when it sent none.
pub fn reply(code: Option<u16>) -> Bytes {
    match code {
        Some(code) => frame(code, ""),
        None => super::frame::frame(0x88, &[]),
    }
}

/// Ends the connection politely: `last` (the close frame, after `reconnect`
/// on a restart) replaces whatever was still waiting to be written (the
/// client resumes from its cursors, so nothing is lost), and goes out as
/// soon as the socket takes it; then the server closes its side and reads
/// until the client closes too. Reading throughout keeps the receive
/// buffer empty, so closing never resets the connection (a reset can make
/// the client's kernel drop the close it had not read yet).
pub async fn goodbye(socket: &SocketOut, tcp: &TcpStream, last: &[Bytes]) {
    socket.close_with(last);
    let reading = discard_until_end(tcp);
    let mut reading = std::pin::pin!(reading);
    let mut ended = false;
    let flushed = tokio::time::timeout(FLUSH_TIMEOUT, async {
        loop {
            tokio::select! {
                r = socket.flush() => return r.is_ok(),
                () = &mut reading, if !ended => ended = true,
            }
        }
    })
    .await
    .unwrap_or(false);
    if !flushed {
        // The kernel still sends what it holds, then the end of stream.
        return;
    }
    socket.shut_down_writing();
    if !ended {
        let _ = tokio::time::timeout(LINGER, reading).await;
    }
}

/// Reads and drops what the client sends until its end of stream (or an
/// error).
async fn discard_until_end(tcp: &TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        if tcp.readable().await.is_err() {
            return;
        }
        match tcp.try_read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_frames_get_the_codes_rfc_6455_gives_them() {
        use tungstenite::error::CapacityError;
        use tungstenite::Error as E;
        let code = |e: E| for_read_error(&e).map(|(c, _)| c);
        assert_eq!(code(E::Utf8("bad".into())), Some(INVALID_DATA));
        for p in [
            ProtocolError::UnmaskedFrameFromClient,
            ProtocolError::NonZeroReservedBits,
            ProtocolError::UnknownDataFrameType(3),
            ProtocolError::UnknownControlFrameType(11),
            ProtocolError::FragmentedControlFrame,
            ProtocolError::UnexpectedContinueFrame,
            ProtocolError::InvalidCloseSequence,
        ] {
            assert_eq!(code(E::Protocol(p)), Some(PROTOCOL_ERROR));
        }
        assert_eq!(
            code(E::Capacity(CapacityError::MessageTooLong {
                size: 2,
                max_size: 1
            })),
            Some(TOO_BIG)
        );
        assert_eq!(code(E::ConnectionClosed), None);
        assert_eq!(
            code(E::Protocol(ProtocolError::ResetWithoutClosingHandshake)),
            None
        );
    }

    #[test]
    fn a_close_frame_carries_its_code_and_reason() {
        assert_eq!(&frame(1000, "ok")[..], &[0x88, 4, 3, 232, b'o', b'k']);
        assert_eq!(&reply(None)[..], &[0x88, 0]);
        assert_eq!(&reply(Some(1001))[..], &[0x88, 2, 3, 233]);
    }
}
