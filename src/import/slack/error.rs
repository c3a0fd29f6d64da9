//! Why a Slack export was refused, in sentences an admin can act on.

/// A refused export. Nothing is planned from an export that fails: every
/// entry is read and checked by [`super::SlackExport::open`] before any
/// plan is handed out.
#[derive(Debug, thiserror::Error)]
pub enum SlackImportError {
    #[error("the file is not a readable ZIP archive: {0}")]
    NotAZip(String),
    /// A name that could escape a folder, or is ambiguous.
    #[error("the archive holds an unsafe entry name {name:?}: {reason}")]
    UnsafeName { name: String, reason: &'static str },
    /// Past one of the [`super::SlackLimits`].
    #[error("the export is too large: {0}")]
    TooLarge(String),
    #[error(
        "the archive entry {name:?} is encrypted; export the workspace again without a password"
    )]
    Encrypted { name: String },
    #[error("the archive entry {name:?} cannot be read: {detail}")]
    Corrupt { name: String, detail: String },
    #[error("{name} is not valid Slack export JSON: {detail}")]
    BadJson { name: String, detail: String },
    #[error("this is not a Slack workspace export: {0} is missing")]
    Missing(&'static str),
    #[error("the export has no room with key {0}")]
    UnknownRoom(String),
}

impl From<SlackImportError> for crate::error::Error {
    fn from(err: SlackImportError) -> Self {
        match err {
            SlackImportError::TooLarge(_) => Self::TooLarge {
                code: "import_too_large",
                message: format!("The Slack export was refused: {err}."),
            },
            other => Self::invalid(
                "import_invalid",
                format!("The Slack export was refused: {other}."),
            ),
        }
    }
}
