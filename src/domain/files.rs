//! Files attached to messages, as messages carry them and clients see them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A file attached to a message. Its bytes are served at
/// `/api/v1/files/{id}` (and an image's preview at `/api/v1/files/{id}/preview`)
/// to members of the message's room only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// The server-made key (32 hex digits), never derived from the client's name.
    pub id: String,
    /// The client's file name, sanitised for display (no path, no controls,
    /// no bidi overrides, at most 120 characters). Show it as text only.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// What the server found the content to be (sniffed), e.g. `image/png`;
    /// `application/octet-stream` when unknown.
    pub mime: String,
    /// For images: the size as displayed (EXIF orientation applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// For images with a preview: its size, so a client reserves the space
    /// before it loads (no layout jump).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewSize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreviewSize {
    pub width: u32,
    pub height: u32,
}
