//! `lastmile`: the command-line front end. Thin: argument parsing, progress, files; the work
//! happens in the library crates. Exit codes: 0 success, 1 runtime failure, 2 bad usage or a
//! bad input file. JSON goes to stdout, diagnostics and progress to stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod output;

/// lastmile: rural last-mile wireless — LTE-style PHY/MAC, terrain-aware coverage and
/// network simulation, live SDR.
#[derive(Debug, Parser)]
#[command(name = "lastmile", version, about, long_about = None)]
struct Cli {
    /// More log output on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode raw IQ files to check their format and print sample statistics.
    IqInfo(cmd::iq_info::Args),
    /// Benchmark a kernel; prints one JSON object.
    Bench(cmd::bench::Args),
    /// Run a scenario: coverage maps, summary and run record into results/<name>/.
    Run(cmd::run::Args),
    /// Parse and check a scenario; diagnostics at file:line:col.
    Validate(cmd::validate::Args),
    /// Print the JSON Schema of the scenario format.
    Schema(cmd::schema::Args),
    /// Point-to-point report between a scenario site and a point (JSON).
    Path(cmd::path::Args),
    /// NTIA ITM (Longley-Rice) v1.4 on reference-format CSV inputs.
    Itm(cmd::itm::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::IqInfo(a) => cmd::iq_info::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Validate(a) => cmd::validate::run(a),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Path(a) => cmd::path::run(a),
        Command::Itm(a) => cmd::itm::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LASTMILE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
