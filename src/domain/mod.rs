//! Chat vocabulary: id newtypes, parse-validated input and the records the
//! rest of the server passes around. Nothing here knows HTTP or SQL.

mod commands;
mod conversation;
mod device;
mod directory;
mod emoji;
mod event;
mod files;
mod ids;
mod input;
mod integrations;
mod model;
mod outhooks;
mod profile;
mod rate;
mod reactions_pins;
mod reports;
mod server;
mod status;
mod time;

pub use commands::{
    CommandName, CommandTarget, FeedCursor, SlashCommandInfo, BUILT_IN_COMMANDS,
    COMMAND_DESCRIPTION_MAX, FEED_CURSOR_MAX_ROOMS,
};
pub use conversation::{
    mentioned_names, MentionEntry, Mentions, NotificationLevel, ThreadPlace, ThreadSummary,
    MAX_MENTIONS, THREAD_PEOPLE_SHOWN,
};
pub use device::Device;
pub use directory::{Person, RoomAbout, RoomDetails};
pub use emoji::{emoji_catalogue, Emoji, EmojiEntry};
pub use event::{
    Changed, EndedSessions, Event, LeaveReason, MembershipChange, PastRoomEvent, RoomChange,
    RoomEvent, RoomUpdate, SessionsEnded,
};
pub use files::{Attachment, PreviewSize};
pub use ids::{MessageId, RoomId, Seq, UserId};
pub use input::{ClientId, MessageBody, Password, RoomName, Username, ROOM_NAME_MAX, USERNAME_MAX};
pub use integrations::{Bot, Grant, HookInfo, HookTarget, Need, Place, Scope, TokenInfo};
pub use model::{
    Member, Message, MessageJson, Posted, Role, Room, RoomKind, RoomListing, RoomSummary, Theme,
    User,
};
pub use outhooks::{DeliveryAttempt, OutHookInfo};
pub use profile::{
    AvatarFiles, PersonChange, PersonChanged, PersonProfile, Profile, ProfileName, Profiled,
    DISPLAY_NAME_MAX,
};
pub use rate::{Buckets, Rate, TokenBucket};
pub use reactions_pins::{
    Pin, PinPolicy, ReactionGroup, Reactor, RoomCare, RoomSettings, SavedMessage,
};
pub use reports::{Report, ReportReason, ReportState, REPORT_REASON_MAX};
pub use server::{Account, AuditRecord, Invite, SignUpMode, Standing};
pub use status::{MemberStatus, UserStatus, STATUS_MAX};
pub use time::Timestamp;
