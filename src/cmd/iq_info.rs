//! `lastmile iq-info FILE --rate HZ [--format cf32|ci16]`: check that a raw IQ file decodes
//! and print its length, duration, mean power and peak, as JSON.

use std::path::PathBuf;

use sdr_bridge::iq::{read_iq_file, IqError, IqFormat};

use super::{parse_f64, CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Raw IQ file.
    file: PathBuf,
    /// Sample rate, Hz.
    #[arg(long, value_parser = parse_f64)]
    rate: f64,
    /// Sample format: cf32 (default) or ci16.
    #[arg(long, default_value = "cf32")]
    format: String,
}

pub fn run(a: Args) -> CmdResult {
    let format: IqFormat = a.format.parse().map_err(CliError::usage)?;
    if a.rate <= 0.0 {
        return Err(CliError::usage(anyhow::anyhow!("--rate must be positive")));
    }
    let s = read_iq_file(&a.file, format).map_err(|e| match e {
        IqError::Io { .. } => CliError::runtime(e),
        _ => CliError::usage(e),
    })?;
    let n = s.len();
    let power = s.iter().map(|x| f64::from(x.norm_sqr())).sum::<f64>() / n.max(1) as f64;
    let peak = s.iter().map(|x| x.norm()).fold(0f32, f32::max);
    let out = serde_json::json!({
        "samples": n,
        "duration_s": n as f64 / a.rate,
        "mean_power_dbfs": 10.0 * power.max(1e-30).log10(),
        "peak": peak,
    });
    println!("{out}");
    Ok(())
}
