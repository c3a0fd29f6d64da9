//! Which backend keeps the data: `--database-url` names it by its scheme.
//! `sqlite://PATH` (or nothing: `natter.db` in the data directory) is the
//! embedded SQLite store; `postgres://…` is the PostgreSQL store, for
//! several nodes on one database. Anything else is refused with a sentence
//! rather than starting on something else (never an empty SQLite file made
//! from a typo).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use super::cached::{CachedStore, Caches};
use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use super::{Listeners, Publisher, Store};
use crate::ops::metrics::CommitMetrics;

/// A parsed `--database-url`. Shown and debugged without its password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as given.
    Postgres(String),
}

/// Said when a `postgres://` URL is given where only a SQLite file will do.
pub const POSTGRES_NOT_HERE: &str = "this command works on a SQLite database only: \
    leave --database-url out (or give a sqlite:// URL)";

/// Said when a `postgres://` URL is given without `--single-node`.
pub const POSTGRES_NEEDS_BUS: &str = "a PostgreSQL database is meant for several natter \
    nodes, and nodes on one database without a bus would miss each other's messages; \
    give --single-node if this natter is the only one using it";

impl FromStr for DatabaseUrl {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        if let Some(path) = text.strip_prefix("sqlite://") {
            return if path.is_empty() {
                Err(())
            } else {
                Ok(Self::Sqlite(PathBuf::from(path)))
            };
        }
        let postgres = text.starts_with("postgres://") || text.starts_with("postgresql://");
        let has_host = |url: url::Url| url.host_str().is_some_and(|h| !h.is_empty());
        if postgres && url::Url::parse(text).is_ok_and(has_host) {
            return Ok(Self::Postgres(text.to_owned()));
        }
        Err(())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(text) => {
                let mut url = url::Url::parse(text).map_err(|_| fmt::Error)?;
                url.set_password(None).map_err(|()| fmt::Error)?;
                write!(f, "{url}")
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

impl DatabaseUrl {
    /// The SQLite database file `url` names (`None`: the data directory's
    /// own); an error sentence for a backend this build does not have.
    pub fn sqlite_file(url: Option<&Self>, data_dir: &Path) -> anyhow::Result<PathBuf> {
        match url {
            None => Ok(data_dir.join("natter.db")),
            Some(Self::Sqlite(path)) => Ok(path.clone()),
            Some(Self::Postgres(_)) => anyhow::bail!("{POSTGRES_NOT_HERE}"),
        }
    }
}

/// An opened backend behind the cached layer.
pub struct Opened {
    pub store: Arc<dyn Store>,
    /// Where the data is, for the start-up log (without a password).
    pub shown: String,
    /// The SQLite file, for the size metrics.
    pub file: Option<PathBuf>,
}

/// Where to open and how.
pub struct Opening<'a> {
    pub url: Option<&'a DatabaseUrl>,
    pub data_dir: &'a Path,
    /// `--single-node`: this natter is the only one on a shared database.
    pub single_node: bool,
}

/// Opens the backend `url` names (default: SQLite in `data_dir`) with the
/// caches in front of it: `caches` forget what each commit changed before
/// its writers are answered, then `fanout` hears it.
pub fn open(
    at: &Opening<'_>,
    caches: Arc<Caches>,
    fanout: Arc<dyn Publisher>,
    commits: CommitMetrics,
) -> anyhow::Result<Opened> {
    let listeners = Listeners {
        invalidate: caches.clone(),
        fanout,
    };
    // Generic over the backend type, so the cached layer calls it directly.
    if let Some(url @ DatabaseUrl::Postgres(text)) = at.url {
        if !at.single_node {
            anyhow::bail!("{POSTGRES_NEEDS_BUS}");
        }
        let store = PgStore::open(text, listeners, commits)?;
        return Ok(Opened {
            store: Arc::new(CachedStore::new(store, caches)),
            shown: url.to_string(),
            file: None,
        });
    }
    let file = DatabaseUrl::sqlite_file(at.url, at.data_dir)?;
    let store = SqliteStore::open_file(at.data_dir, &file, listeners, commits)?;
    Ok(Opened {
        store: Arc::new(CachedStore::new(store, caches)),
        shown: file.display().to_string(),
        file: Some(file),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend_and_anything_else_is_refused() {
        let sqlite: DatabaseUrl = "sqlite:///var/lib/natter/chat.db".parse().unwrap();
        assert_eq!(
            sqlite,
            DatabaseUrl::Sqlite("/var/lib/natter/chat.db".into())
        );
        let relative: DatabaseUrl = "sqlite://chat.db".parse().unwrap();
        assert_eq!(relative, DatabaseUrl::Sqlite("chat.db".into()));
        assert!(matches!(
            "postgres://natter@db.example/natter".parse(),
            Ok(DatabaseUrl::Postgres(_))
        ));
        for bad in [
            "",
            "sqlite://",
            "mysql://x@y/z",
            "/var/lib/natter.db",
            "postgres://",
        ] {
            assert!(bad.parse::<DatabaseUrl>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_postgres_password_is_never_shown() {
        let url: DatabaseUrl = "postgres://natter:hunter2@db.example/natter"
            .parse()
            .unwrap();
        assert!(!url.to_string().contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(url.to_string().contains("natter@db.example"));
    }

    #[test]
    fn a_postgres_url_is_refused_where_only_a_sqlite_file_will_do() {
        let url: DatabaseUrl = "postgres://natter@db.example/natter".parse().unwrap();
        let err = DatabaseUrl::sqlite_file(Some(&url), Path::new("d")).unwrap_err();
        assert_eq!(err.to_string(), POSTGRES_NOT_HERE);
    }

    #[test]
    fn a_postgres_url_without_single_node_is_refused_before_connecting() {
        let url: DatabaseUrl = "postgres://natter@db.invalid/natter".parse().unwrap();
        let at = Opening {
            url: Some(&url),
            data_dir: Path::new("d"),
            single_node: false,
        };
        let fanout: Arc<dyn Publisher> = Arc::new(super::super::cached::Caches::default());
        let err = open(&at, Arc::default(), fanout, CommitMetrics::default())
            .err()
            .unwrap();
        assert_eq!(err.to_string(), POSTGRES_NEEDS_BUS);
    }
}
