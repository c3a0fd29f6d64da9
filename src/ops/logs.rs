//! Log output: human text or one JSON object per line, filtered by
//! `--log`. What is logged is chosen where it is logged; nothing logs a
//! message body, a password or a token (the access log names the route
//! template, never the URL with its query).

use std::fmt;
use std::str::FromStr;

use tracing_subscriber::filter::FilterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl FromStr for LogFormat {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(()),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
        })
    }
}

/// Installs the process's log subscriber (once, from `main`: logging is
/// the one process-wide thing, as the process has one stdout).
pub fn init(filter: &str, format: LogFormat) {
    let wanted = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Both filters must let an event through: the caps hold back the
    // libraries that log message bodies or tokens, whatever `--log` asks.
    let filter = wanted.and(crate::log_caps::library_caps());
    let registry = tracing_subscriber::registry();
    match format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_filter(filter))
            .init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .flatten_event(true)
                    .with_filter(filter),
            )
            .init(),
    }
}
