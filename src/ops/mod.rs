//! Running Natter in production: metrics, logs, the client's address
//! behind reverse proxies, TLS. Knows nothing of chat rules.

pub mod admin_cli;
pub mod logs;
pub mod metrics;
pub mod probes;
pub mod process;
pub mod proxy;
pub mod tls;
