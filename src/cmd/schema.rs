//! `lastmile schema`: the JSON Schema of the scenario format on stdout.

use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_a: Args) -> CmdResult {
    let schema = sim::scenario::json_schema();
    let text = serde_json::to_string_pretty(&schema).map_err(CliError::runtime)?;
    println!("{text}");
    Ok(())
}
