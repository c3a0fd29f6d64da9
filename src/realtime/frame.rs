//! The server's frames on the wire (RFC 6455 §5.2), made once and shared
//! by every recipient: a server's frames are unmasked, so the same bytes
//! go to everyone.

use axum::body::Bytes;

/// A text frame from the server (FIN, opcode 1, unmasked: a server's
/// frames are the same bytes for every client, so they are framed once).
pub fn text_frame(payload: &[u8]) -> Bytes {
    frame(0x81, payload)
}

/// An empty ping.
pub fn ping_frame() -> Bytes {
    Bytes::from_static(&[0x89, 0x00])
}

/// A whole frame from the server: `first` is FIN and the opcode.
pub fn frame(first: u8, payload: &[u8]) -> Bytes {
    let len = payload.len();
    let mut out = Vec::with_capacity(len + 10);
    out.push(first);
    if len < 126 {
        out.push(u8::try_from(len).expect("below 126"));
    } else if let Ok(short) = u16::try_from(len) {
        out.push(126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_the_length_in_the_smallest_form() {
        assert_eq!(&text_frame(b"hi")[..], &[0x81, 2, b'h', b'i']);
        let mid = text_frame(&[b'a'; 300]);
        assert_eq!(&mid[..4], &[0x81, 126, 1, 44]);
        assert_eq!(mid.len(), 304);
        let big = text_frame(&vec![b'a'; 70_000]);
        assert_eq!(&big[..2], &[0x81, 127]);
        assert_eq!(u64::from_be_bytes(big[2..10].try_into().unwrap()), 70_000);
    }
}
