//! `marketdesk`: the local stack and operator commands.

mod alerts;
mod chaos;
mod check;
mod dev;
mod quarantine;
mod report;
mod sla;
mod token;
mod web;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "marketdesk",
    version,
    about = "marketdesk: helpdesk backend for e-commerce sellers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local stack: AWS emulator, table and queues from the SAM template, demo tenant,
    /// the API on loopback. Ctrl-C stops everything.
    Dev(dev::DevArgs),
    /// Mint a development token for the local stack's API.
    Token(token::TokenArgs),
    /// Check a reply read from standard input against the channel's rules; prints the same JSON
    /// as POST /v1/compliance/check and exits 1 on a blocking verdict.
    Check(check::CheckArgs),
    /// SLA tools: preview what a policy does with a buyer message.
    Sla(sla::SlaArgs),
    /// What the running local stack could not process: quarantined payloads and DLQ depths.
    Quarantine(quarantine::QuarantineArgs),
    /// Print the API's OpenAPI document (what /v1/openapi.json serves); the web app's typed
    /// client is generated from it.
    Openapi,
    /// Every SLA alert the running local stack sent to Slack (its sink's `GET /posts`).
    Alerts(alerts::AlertsArgs),
    /// A report of the running local stack: the same JSON (or CSV) as GET /v1/reports/<kind>.
    Report(report::ReportArgs),
    /// The local stack under a seeded load with faults, redeliveries, throttling and worker
    /// kills; prints one summary line and exits 1 on any lost or duplicated message, reply or
    /// alert (`make chaos`).
    Chaos(chaos::ChaosArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Dev(args) => dev::run(args)
            .await
            .map_err(|e| e as Box<dyn std::error::Error>),
        Command::Token(args) => token::run(args),
        Command::Check(args) => check::run(args).map_err(Into::into),
        Command::Sla(args) => sla::run(args).map_err(Into::into),
        Command::Quarantine(args) => quarantine::run(args).await,
        Command::Openapi => {
            println!("{}", api::openapi::json());
            Ok(())
        }
        Command::Alerts(args) => alerts::run(args).await.map_err(Into::into),
        Command::Report(args) => report::run(args).await,
        Command::Chaos(args) => chaos::run(args)
            .await
            .map_err(|e| e as Box<dyn std::error::Error>),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("marketdesk: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to standard error; `RUST_LOG` decides what (`RUST_LOG=info`, `RUST_LOG=ingest=debug`).
/// Without it: warnings, the escalator's one info line per SLA alert (channel, ticket,
/// threshold, level), which is what `make dev` shows while it runs, and the line saying the demo
/// history is seeded (the browser tests wait for it).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,alerts=info,escalator=info,demo_history=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
