//! Integer ids wrapped so a room id can never be passed where a user id goes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A user's id.
    UserId
);
id_type!(
    /// A room's id (public, private or direct).
    RoomId
);
id_type!(
    /// A message's id, unique across rooms.
    MessageId
);
id_type!(
    /// Position of an event in its room: each one is exactly one more than the
    /// last, assigned in the insert's transaction. Doubles as the history and
    /// resume cursor.
    Seq
);
