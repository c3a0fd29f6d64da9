//! `natter admin` commands that change accounts, export and import: they
//! act on the database file, and a running server applies what they
//! changed within moments (see storage/sqlite/operations/outside.rs); the
//! command says whether it did.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use clap::ArgMatches;

use crate::domain::{Password, Username};
use crate::storage::sqlite::cli::{self, Reached};
use crate::storage::sqlite::export::{self, ExportScope};
use crate::storage::sqlite::import;

/// The commands this module answers.
pub const COMMANDS: &[&str] = &[
    "create-user",
    "promote",
    "demote",
    "deactivate",
    "reactivate",
    "export",
    "import-slack",
];

fn username(args: &ArgMatches) -> &str {
    args.get_one::<String>("username")
        .map_or("", String::as_str)
}

/// One line about the running server, if there is one.
fn tell(reached: Reached) {
    match reached {
        Reached::NoServer => {}
        Reached::Applied => println!("The running server has applied it."),
        Reached::NotYet => eprintln!(
            "natter: the running server has not applied this yet; it will when it catches up"
        ),
    }
}

/// Runs `name` (one of `COMMANDS`); `public_url` starts printed links.
pub fn run(
    database: &Path,
    public_url: Option<&str>,
    name: &str,
    args: &ArgMatches,
) -> anyhow::Result<()> {
    let base = public_url.unwrap_or("").trim_end_matches('/');
    match name {
        "create-user" => create_user(database, base, args),
        "promote" | "demote" => {
            let promote = name == "promote";
            let reached = cli::set_admin(database, username(args), promote)?;
            println!(
                "{} is now {}",
                username(args).trim(),
                if promote { "an admin" } else { "a member" }
            );
            tell(reached);
            Ok(())
        }
        "deactivate" | "reactivate" => {
            let off = name == "deactivate";
            let reached = cli::set_deactivated(database, username(args), off)?;
            println!(
                "{} is {}",
                username(args).trim(),
                if off {
                    "deactivated; their sessions are ended"
                } else {
                    "active again"
                }
            );
            tell(reached);
            Ok(())
        }
        "export" => run_export(database, args),
        "import-slack" => run_import(database, base, args),
        _ => bail!("unknown admin command; see natter admin --help"),
    }
}

fn create_user(database: &Path, base: &str, args: &ArgMatches) -> anyhow::Result<()> {
    let name = Username::parse(username(args)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = if args.get_flag("password-stdin") {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = Password::parse(line.trim_end_matches(['\r', '\n']))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Some(hash(password)?)
    } else {
        None
    };
    let with_password = hash.is_some();
    let (user, reached) =
        cli::create_user(database, &name, hash.as_deref(), args.get_flag("admin"))?;
    println!("created {}", user.username);
    if !with_password {
        let (made, code_hash) = crate::chat::MadeResetLink::generate();
        crate::storage::sqlite::admin::create_reset_link(
            database,
            &user.username,
            &code_hash,
            made.expires_at,
        )?;
        println!(
            "{base}/?reset={}\nA one-time link for {} to choose a password; it works for a day.",
            made.code, user.username
        );
    }
    tell(reached);
    Ok(())
}

/// Argon2 on a blocking thread of the runtime `natter` runs in.
fn hash(password: Password) -> anyhow::Result<String> {
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| handle.block_on(crate::chat::hash_password(password)))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn run_export(database: &Path, args: &ArgMatches) -> anyhow::Result<()> {
    let scope = match args.get_one::<String>("room") {
        Some(room) => ExportScope::Room(room.clone()),
        None => ExportScope::All,
    };
    let private = args.get_flag("include-private");
    let done = if let Some(to) = args.get_one::<String>("to") {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(to)
            .with_context(|| format!("cannot create {to} (it must not exist yet)"))?;
        let mut out = std::io::BufWriter::new(file);
        let done = export::export(database, &scope, private, &mut out)?;
        out.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .sync_all()?;
        done
    } else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let done = export::export(database, &scope, private, &mut out)?;
        out.flush()?;
        done
    };
    eprintln!(
        "exported {} rooms, {} messages, {} reactions",
        done.rooms, done.messages, done.reactions
    );
    Ok(())
}

fn run_import(database: &Path, base: &str, args: &ArgMatches) -> anyhow::Result<()> {
    let zip = args.get_one::<String>("export").map_or("", String::as_str);
    let done = import::import_slack(database, Path::new(zip))?;
    println!(
        "imported {} users, {} rooms, {} messages, {} reactions (what an earlier run imported is not imported again)",
        done.users, done.rooms, done.messages, done.reactions
    );
    for warning in &done.warnings {
        eprintln!("natter: warning: {warning}");
    }
    if !done.claim_links.is_empty() {
        println!("One-time links for each person to claim their account (they work for 14 days):");
        for link in &done.claim_links {
            println!("{}\t{base}/?reset={}", link.username, link.code);
        }
    }
    Ok(())
}
