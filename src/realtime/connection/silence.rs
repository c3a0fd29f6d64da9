//! Whether a stream client answered the server's last ping, so that a
//! peer that has gone quiet stops counting as online before its
//! connection times out.

/// Whether the peer answered the server's last ping. A live peer answers
/// within milliseconds, long before the next heartbeat; one that has not
/// answered by then is probably gone (a laptop lid, a lost network), so
/// its user stops counting as online (`Hub::mark_stale`) until it is heard
/// again, while the connection itself waits for the idle timeout. One
/// byte in the connection's future, and no timer of its own.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Silence {
    /// Heard from since the last ping.
    Answered,
    /// A ping is out, unanswered so far.
    Waiting,
    /// A heartbeat came round with the ping unanswered: shown offline.
    Stale,
}

impl Silence {
    pub(super) fn on_ping(self, mark_stale: impl FnOnce()) -> Self {
        match self {
            Self::Answered => Self::Waiting,
            Self::Waiting => {
                mark_stale();
                Self::Stale
            }
            Self::Stale => Self::Stale,
        }
    }

    pub(super) fn on_heard(self, mark_fresh: impl FnOnce()) -> Self {
        if self == Self::Stale {
            mark_fresh();
        }
        Self::Answered
    }
}
