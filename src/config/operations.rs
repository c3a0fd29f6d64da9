//! The `natter admin` subcommands for operating a server: accounts made
//! and switched off from the command line, exports and imports.

use clap::{Arg, ArgAction, ArgGroup, Command};

/// `create-user`, `deactivate`, `reactivate`, `export`, `import-slack`.
pub fn operations_commands() -> Vec<Command> {
    let user = || Arg::new("username").required(true).value_name("USERNAME");
    vec![
        Command::new("create-user")
            .about("Create an account; prints a one-time link to choose a password unless --password-stdin")
            .arg(user())
            .arg(
                Arg::new("password-stdin")
                    .long("password-stdin")
                    .action(ArgAction::SetTrue)
                    .help("Read the password from the first line of standard input"),
            )
            .arg(
                Arg::new("admin")
                    .long("admin")
                    .action(ArgAction::SetTrue)
                    .help("Make the account one of the server's admins"),
            ),
        Command::new("deactivate")
            .about("Switch an account off: its sessions end (on a running server too) and it cannot sign in")
            .arg(user()),
        Command::new("reactivate")
            .about("Let a deactivated account sign in again")
            .arg(user()),
        Command::new("export")
            .about("Write rooms as JSON Lines (messages, edits, reactions, files listed); audited")
            .arg(
                Arg::new("room")
                    .long("room")
                    .value_name("NAME|ID")
                    .help("The room to export"),
            )
            .arg(
                Arg::new("all")
                    .long("all")
                    .action(ArgAction::SetTrue)
                    .help("Export every public room (and private ones with --include-private)"),
            )
            .group(ArgGroup::new("which").args(["room", "all"]).required(true))
            .arg(
                Arg::new("include-private")
                    .long("include-private")
                    .action(ArgAction::SetTrue)
                    .help("Also private rooms and direct conversations (left out otherwise)"),
            )
            .arg(
                Arg::new("to")
                    .long("to")
                    .value_name("FILE")
                    .help("Write here instead of standard output (must not exist yet)"),
            ),
        Command::new("import-slack")
            .about("Import a Slack workspace export (ZIP): rooms, users (claim links printed), messages; safe to run twice")
            .arg(
                Arg::new("export")
                    .required(true)
                    .value_name("EXPORT.zip"),
            ),
    ]
}
