//! The layers: defaults < TOML file < `NATTER_*` environment < flags, each
//! option's source remembered for `--print-config`; and the `clap` command
//! (`--help`, the man page) built from the same table.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Arg, ArgAction, ArgMatches, Command};

use super::options::{self, Opt};
use super::Config;

/// Where an option's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env(String),
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("config file"),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::Flag(flag) => write!(f, "flag --{flag}"),
        }
    }
}

/// The settings in force, with where each came from.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
    /// One per option, in table order.
    pub sources: Vec<Source>,
    /// `--print-config` was given.
    pub print: bool,
}

const ABOUT: &str = "Natter: real-time team chat in one binary";
const LONG_ABOUT: &str = "Natter: real-time team chat in one binary.\n\n\
Every option can also be set with the environment variable shown, or in a TOML file given \
with --config (keys as the long option names, with underscores: listen, data_dir, ...). \
Precedence: defaults < file < environment < flags.";

/// The command line: `--help`, `--version` and the man page come from it.
pub fn command() -> Command {
    let defaults = Config::default();
    let mut cmd = Command::new("natter")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .long_about(LONG_ABOUT)
        .arg(Arg::new("config").long("config").value_name("FILE").help(
            "TOML file with settings; the environment and flags override it [env: NATTER_CONFIG]",
        ))
        .arg(
            Arg::new("print-config")
                .long("print-config")
                .action(ArgAction::SetTrue)
                .help("Print the settings in force, each with where it came from, and exit"),
        );
    for opt in options::all() {
        let help = opt
            .help
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let default = match (opt.show)(&defaults) {
            Some(_) if opt.secret => "none".to_owned(),
            Some(v) if v == "[]" => "none".to_owned(),
            Some(v) => v.trim_matches('"').to_owned(),
            None => "none".to_owned(),
        };
        let mut arg = Arg::new(opt.name)
            .long(opt.flag())
            .value_name(opt.metavar)
            .help(format!("{help} [env: {}] [default: {default}]", opt.env()));
        if opt.list {
            arg = arg.action(ArgAction::Append);
        } else if opt.switch {
            arg = arg.num_args(0..=1).default_missing_value("true");
        }
        cmd = cmd.arg(arg);
    }
    cmd.subcommand(admin_command())
}

/// `natter [--data-dir DIR] admin …`: server administration on the data
/// directory, safe while the server runs (see storage::sqlite::admin).
fn admin_command() -> Command {
    let user = || Arg::new("username").required(true).value_name("USERNAME");
    Command::new("admin")
        .about("Administer the server in --data-dir (works while it runs)")
        .subcommand_required(true)
        .subcommand(
            Command::new("promote")
                .about("Make a user one of the server's admins")
                .arg(user()),
        )
        .subcommand(
            Command::new("demote")
                .about("Make an admin a plain member again")
                .arg(user()),
        )
        .subcommand(Command::new("list-users").about("List every account with its role"))
        .subcommands(crate::config::operations_commands())
        .subcommand(
            Command::new("reset-password")
                .about("Print a one-time link (valid a day) for a user to choose a new password")
                .arg(user()),
        )
        .subcommand(
            Command::new("backup")
                .about("Copy the database and files into one archive, consistently, while the server runs")
                .arg(
                    Arg::new("to")
                        .long("to")
                        .required(true)
                        .value_name("FILE")
                        .help("The archive to write (must not exist yet)"),
                ),
        )
        .subcommand(
            Command::new("restore")
                .about("Restore a backup into --data-dir, which must be empty or absent (server stopped)")
                .arg(
                    Arg::new("from")
                        .long("from")
                        .required(true)
                        .value_name("FILE")
                        .help("An archive made by natter admin backup"),
                ),
        )
}

impl Loaded {
    /// The settings from parsed flags, the environment (`env` looks a
    /// variable up) and the file they name. Errors are one sentence naming
    /// the option and where the bad value came from.
    pub fn from_matches(
        matches: &ArgMatches,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let file = matches
            .get_one::<String>("config")
            .cloned()
            .or_else(|| env("NATTER_CONFIG").filter(|v| !v.is_empty()))
            .map(PathBuf::from);
        let table = options::all();
        let mut config = Config::default();
        let mut sources = vec![Source::Default; table.len()];
        if let Some(path) = &file {
            apply_file(&mut config, &mut sources, &table, path)?;
        }
        for (i, opt) in table.iter().enumerate() {
            let name = opt.env();
            if let Some(text) = env(&name).filter(|v| !v.trim().is_empty()) {
                let texts = if opt.list {
                    text.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect()
                } else {
                    vec![text]
                };
                (opt.set)(&mut config, &texts).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
                sources[i] = Source::Env(name);
            }
            if let Some(values) = matches.get_many::<String>(opt.name) {
                let texts: Vec<String> = values.cloned().collect();
                (opt.set)(&mut config, &texts)
                    .map_err(|e| anyhow::anyhow!("--{}: {e}", opt.flag()))?;
                sources[i] = Source::Flag(opt.flag());
            }
        }
        config.finish()?;
        Ok(Self {
            config,
            file,
            sources,
            print: matches.get_flag("print-config"),
        })
    }

    /// The settings as a TOML file would hold them, each with its source;
    /// secrets are never shown.
    pub fn describe(&self) -> String {
        let file = self.file.as_ref().map_or_else(
            || "no config file".to_owned(),
            |p| format!("config file: {}", p.display()),
        );
        let mut lines = vec![format!("# The settings in force ({file})")];
        for (opt, source) in options::all().iter().zip(&self.sources) {
            lines.push(match (opt.show)(&self.config) {
                Some(_) if opt.secret => format!("{} = \"(redacted)\"  # {source}", opt.name),
                Some(value) => format!("{} = {value}  # {source}", opt.name),
                None => format!("# {} is not set  # {source}", opt.name),
            });
        }
        lines.join("\n") + "\n"
    }
}

fn apply_file(
    config: &mut Config,
    sources: &mut [Source],
    table: &[Opt],
    path: &Path,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let values: toml::Table = toml::from_str(&text)
        .with_context(|| format!("the config file {} is not valid TOML", path.display()))?;
    for (key, value) in values {
        let Some(i) = table.iter().position(|o| o.name == key) else {
            anyhow::bail!(
                "the config file {} has an unknown setting `{key}` (see natter --help for the names)",
                path.display()
            );
        };
        let opt = &table[i];
        file_texts(&value, opt.list)
            .and_then(|texts| (opt.set)(config, &texts))
            .map_err(|e| anyhow::anyhow!("{key} in the config file {}: {e}", path.display()))?;
        sources[i] = Source::File;
    }
    Ok(())
}

/// A TOML value as the texts a flag would have given.
fn file_texts(value: &toml::Value, list: bool) -> Result<Vec<String>, String> {
    let one = |v: &toml::Value| match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        _ => Err("expected a string, a number or true/false".to_owned()),
    };
    match value {
        toml::Value::Array(items) if list => items.iter().map(one).collect(),
        toml::Value::Array(_) => Err("expected one value, not a list".to_owned()),
        other => Ok(vec![one(other)?]),
    }
}
