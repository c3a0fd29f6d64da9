//! Natter: real-time team chat as one binary. See DESIGN in the docs for the
//! shape: `http` (routes) -> `chat` (use-cases) -> `storage` (SQL).

pub mod app;
mod app_files;
pub mod backup;
pub mod bus;
pub mod chat;
pub mod config;
pub mod domain;
pub mod error;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod import;
pub mod log_caps;
pub mod notify;
pub mod oidc;
pub mod ops;
pub mod outbound;
pub mod outhooks;
pub mod push;
pub mod realtime;
mod reject;
pub mod search;
pub mod storage;

pub use app::App;
pub use config::Config;
