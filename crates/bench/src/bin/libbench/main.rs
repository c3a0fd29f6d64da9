//! `natter-libbench`: measures the server's building blocks in-process,
//! without HTTP: image previews, streamed uploads to the local disk, and
//! full-text search over a large SQLite database. See BENCHMARKS.md.

mod expiry_seed;
mod images;
mod pg_index_cost;
mod search;
mod search_build;
mod search_insert;
mod slack_export;
mod stats;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "natter-libbench",
    about = "Benchmarks natter's building blocks in-process"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Thumbnails of a 12-megapixel JPEG: CPU time per preview.
    Thumbnail {
        #[arg(long, default_value_t = 30)]
        iterations: usize,
        #[arg(long, default_value_t = 4000)]
        width: u32,
        #[arg(long, default_value_t = 3000)]
        height: u32,
    },
    /// Streamed uploads into the local-disk file store: MB/s.
    Upload {
        #[arg(long, default_value_t = 40)]
        files: usize,
        #[arg(long, default_value_t = 10)]
        size_mib: usize,
        /// Where the store lives (a temporary directory when not given).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// Search latency over a large database, for each candidate schema.
    Search(search::SearchOpts),
    /// What keeping the index in step costs durable inserts.
    IndexCost(search_insert::InsertOpts),
    /// What keeping PostgreSQL's `messages.search` in step costs durable sends.
    PgIndexCost(pg_index_cost::PgIndexOpts),
    /// A data directory with messages all due to disappear at one moment
    /// (for `natter-bench expiry`).
    ExpirySeed(expiry_seed::SeedOpts),
    /// A large Slack export (for timing `natter admin import-slack`).
    SlackExport(slack_export::ExportOpts),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().bench {
        Bench::Thumbnail {
            iterations,
            width,
            height,
        } => images::thumbnail(iterations, width, height),
        Bench::Upload {
            files,
            size_mib,
            dir,
        } => images::upload(files, size_mib, dir),
        Bench::Search(opts) => search::run(&opts),
        Bench::IndexCost(opts) => search_insert::run(&opts),
        Bench::ExpirySeed(opts) => expiry_seed::run(&opts),
        Bench::PgIndexCost(opts) => pg_index_cost::run(&opts),
        Bench::SlackExport(opts) => slack_export::run(&opts),
    }
}
