//! Writes the `natter(1)` man page (roff) to standard output, generated
//! from the same command definition as `natter --help`, so the two never
//! differ. Used when building the Debian package (see `.ci/run`).

fn main() -> std::io::Result<()> {
    clap_mangen::Man::new(natter::config::command()).render(&mut std::io::stdout())
}
