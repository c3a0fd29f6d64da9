//! `natter-bench`: the Natter load generator. The process started by the
//! user is the coordinator (starts or attaches to the server, makes users
//! and rooms, runs the senders, aggregates); it re-executes itself with
//! `--worker` for the receiving clients. See BENCHMARKS.md.

mod api;
mod cli;
mod client;
mod clock;
mod floor;
mod http1;
mod job;
mod lean_ws;
mod live_event;
mod mixed_sender;
mod proc;
mod receiver;
mod report;
mod scenario;
mod sender;
mod seqset;
mod server;
mod stats;
mod worker;
mod workers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if cli.worker {
        return match worker::main() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("natter-bench worker: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(job) = &cli.floor_reader {
        return match floor::reader_main(job) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("natter-bench floor reader: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let scenario = cli.scenario.expect("clap requires a scenario");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(scenario, cli.opts)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("natter-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one scenario, prints and saves its report; true when it was clean.
async fn run(scenario: cli::ScenarioKind, opts: cli::Opts) -> anyhow::Result<bool> {
    let json = opts.json.clone();
    if scenario == cli::ScenarioKind::Floor {
        let report = floor::run(&opts).await?;
        report.print();
        if let Some(path) = json {
            std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
        }
        return Ok(report.lost == 0);
    }
    let report = scenario::run(scenario, opts).await?;
    report.print();
    if let Some(path) = json {
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(report.ok)
}
