//! The layering, the error sentences and the documentation of the options.

use std::collections::HashMap;

use super::options;
use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

fn load(args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<Loaded> {
    let args = std::iter::once("natter").chain(args.iter().copied());
    Config::from_args(args, &env_of(env))
}

fn source_of(loaded: &Loaded, name: &str) -> Source {
    let i = options::all().iter().position(|o| o.name == name).unwrap();
    loaded.sources[i].clone()
}

#[test]
fn flags_override_the_environment_which_overrides_the_file_which_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natter.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\nmax_message_chars = 100\nws_queue = 7\n",
    )
    .unwrap();
    let loaded = load(
        &[
            "--config",
            file.to_str().unwrap(),
            "--max-message-chars",
            "300",
        ],
        &[
            ("NATTER_MAX_MESSAGE_CHARS", "200"),
            ("NATTER_WS_QUEUE", "9"),
        ],
    )
    .unwrap();
    let config = &loaded.config;
    assert_eq!(config.listen.port(), 9000);
    assert_eq!(config.max_message_chars, 300);
    assert_eq!(config.stream.queue_bound, 9);
    assert_eq!(config.data_dir, PathBuf::from("natter-data"));
    assert_eq!(source_of(&loaded, "listen"), Source::File);
    assert_eq!(
        source_of(&loaded, "max_message_chars"),
        Source::Flag("max-message-chars".into())
    );
    assert_eq!(
        source_of(&loaded, "ws_queue"),
        Source::Env("NATTER_WS_QUEUE".into())
    );
    assert_eq!(source_of(&loaded, "data_dir"), Source::Default);
}

#[test]
fn the_defaults_are_the_documented_ones() {
    let config = Config::default();
    assert_eq!(config.listen, SocketAddr::from(([127, 0, 0, 1], 8080)));
    assert_eq!(config.data_dir, PathBuf::from("natter-data"));
    assert_eq!(config.stream.ping_interval, Duration::from_secs(20));
    assert_eq!(config.connections.idle_timeout, Duration::from_secs(75));
    assert!(config.limits.enabled);
}

#[test]
fn an_unknown_key_in_the_file_is_an_error_naming_it_not_silence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natter.toml");
    std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
    let err = load(&["--config", file.to_str().unwrap()], &[]).unwrap_err();
    assert!(
        format!("{err:#}").contains("unknown setting `lisen`"),
        "{err:#}"
    );
}

#[test]
fn a_bad_value_names_the_option_where_it_came_from_and_what_was_expected() {
    let err = load(&[], &[("NATTER_WS_QUEUE", "lots")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "NATTER_WS_QUEUE: expected a whole number, got \"lots\""
    );
    let err = load(&["--listen", "localhost"], &[]).unwrap_err();
    assert!(
        err.to_string().starts_with("--listen: expected an address"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natter.toml");
    std::fs::write(&file, "rate_limits = \"sometimes\"\n").unwrap();
    let err = load(&["--config", file.to_str().unwrap()], &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("rate_limits in the config file"),
        "{err}"
    );
}

#[test]
fn values_wrong_together_are_refused_with_one_sentence() {
    let err = load(&["--ws-ping-secs", "60", "--ws-idle-timeout", "30"], &[]).unwrap_err();
    assert!(
        err.to_string().contains("--ws-idle-timeout must be longer"),
        "{err}"
    );
}

#[test]
fn lists_repeat_as_flags_and_split_on_commas_in_the_environment() {
    let loaded = load(
        &[
            "--allowed-origin",
            "https://a.example",
            "--allowed-origin",
            "https://b.example",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(loaded.config.allowed_origins.len(), 2);
    let loaded = load(
        &[],
        &[(
            "NATTER_ALLOWED_ORIGINS",
            "https://a.example, https://b.example",
        )],
    )
    .unwrap();
    assert_eq!(
        loaded.config.allowed_origins,
        vec![
            "https://a.example".to_owned(),
            "https://b.example".to_owned()
        ]
    );
}

#[test]
fn a_switch_alone_means_true_and_takes_a_value_too() {
    assert!(
        load(&["--require-password"], &[])
            .unwrap()
            .config
            .require_password
    );
    let off = load(&["--rate-limits", "false"], &[]).unwrap().config;
    assert!(!off.limits.enabled);
    assert_eq!(
        off.stream.commands_per_second, 0,
        "the stream's budget follows"
    );
}

#[test]
fn print_config_shows_every_option_with_its_source() {
    let loaded = load(&["--listen", "127.0.0.1:9999"], &[("NATTER_LOG", "debug")]).unwrap();
    let text = loaded.describe();
    assert!(
        text.contains("listen = \"127.0.0.1:9999\"  # flag --listen"),
        "{text}"
    );
    assert!(
        text.contains("log = \"debug\"  # environment NATTER_LOG"),
        "{text}"
    );
    assert!(
        text.contains("# public_url is not set  # default"),
        "{text}"
    );
    assert_eq!(text.lines().count(), options::all().len() + 1);
}

#[test]
fn https_public_url_makes_cookies_secure_and_trusts_its_origin() {
    let config = Config {
        public_url: Some("https://chat.example.com/x".into()),
        ..Config::default()
    };
    assert!(config.secure_cookies());
    assert_eq!(
        config.trusted_origins(),
        vec!["https://chat.example.com".to_owned()]
    );
}

/// README's table is what people read; each option must be in it with its
/// flag, variable and default as the code has them.
#[test]
fn the_readme_lists_every_option_with_its_flag_variable_and_default() {
    let readme = include_str!("../../README.md");
    let defaults = Config::default();
    for opt in options::all() {
        let row = readme
            .lines()
            .find(|l| {
                l.starts_with(&format!("| `--{} ", opt.flag()))
                    || l.starts_with(&format!("| `--{}`", opt.flag()))
            })
            .unwrap_or_else(|| panic!("README has no row for --{}", opt.flag()));
        assert!(
            row.contains(&format!("`{}`", opt.env())),
            "README's row for --{} lacks {}",
            opt.flag(),
            opt.env()
        );
        if let Some(default) = (opt.show)(&defaults).filter(|_| !opt.secret && !opt.list) {
            let default = default.trim_matches('"');
            assert!(
                row.contains(&format!("`{default}`"))
                    || (opt.switch && default == "false" && row.contains("off")),
                "README's row for --{} does not give the default {default}",
                opt.flag()
            );
        }
    }
}
