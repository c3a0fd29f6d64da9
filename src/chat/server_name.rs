//! The server's name: shown in the page titles and on the sign-in page
//! (default "Natter"); admins change it.

use super::Chat;
use crate::domain::User;
use crate::error::{Error, Result};
use crate::storage::AuditedChange;

/// The name of a server nobody named.
pub const DEFAULT_SERVER_NAME: &str = "Natter";
/// The longest name, in characters.
pub const SERVER_NAME_MAX: usize = 60;

impl Chat {
    /// The name to show (never empty).
    pub async fn server_name(&self) -> Result<String> {
        Ok(self
            .store
            .server_name()
            .await?
            .unwrap_or_else(|| DEFAULT_SERVER_NAME.to_owned()))
    }

    /// Names the server (admins; audited). An empty name goes back to the
    /// default. Returns the name now shown.
    pub async fn set_server_name(&self, admin: &User, name: &str) -> Result<String> {
        self.require_admin(admin).await?;
        let name = name.trim();
        if name.chars().count() > SERVER_NAME_MAX || name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "server_name_invalid",
                format!("A server name is one line of at most {SERVER_NAME_MAX} characters."),
            ));
        }
        let shown = if name.is_empty() {
            DEFAULT_SERVER_NAME
        } else {
            name
        };
        let change = AuditedChange::ServerName(name.to_owned());
        self.audited(admin, "server_name", shown, None, change)
            .await?;
        Ok(shown.to_owned())
    }
}
