//! A throwaway PostgreSQL schema for one test: made on the server that
//! `NATTER_TEST_POSTGRES_URL` names (scripts/test starts one when it is not
//! given), reached through a URL whose `search_path` is that schema, and
//! dropped with everything in it afterwards. A schema, not a database:
//! making one is a few milliseconds, so every test gets a fresh store.

/// The server the PostgreSQL tests use, when one is given.
pub fn server_url() -> Option<String> {
    std::env::var("NATTER_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub struct ScratchSchema {
    /// Connects to the server with the schema as the search path.
    pub url: String,
    server: String,
    name: String,
}

impl ScratchSchema {
    /// Makes a fresh, empty schema on `server`.
    pub fn new(server: &str) -> Self {
        let name = format!("natter_test_{:016x}", rand::random::<u64>());
        run_sql(server, &format!("CREATE SCHEMA {name}"));
        let joiner = if server.contains('?') { '&' } else { '?' };
        Self {
            url: format!("{server}{joiner}options=-csearch_path%3D{name}"),
            server: server.to_owned(),
            name,
        }
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        run_sql(&self.server, &format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

/// Runs `sql` on its own thread: the blocking client must not run on an
/// async test's runtime thread.
fn run_sql(server: &str, sql: &str) {
    let (server, sql) = (server.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut client =
            postgres::Client::connect(&server, postgres::NoTls).expect("the test PostgreSQL");
        client.batch_execute(&sql).expect("scratch schema SQL");
    })
    .join()
    .expect("scratch schema thread");
}
