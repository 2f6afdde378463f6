//! `lastmile cell-search IQFILE --rate HZ [--format cf32|ci16]`: LTE cell search (PSS/SSS,
//! CFO, MIB) on a raw IQ capture; prints `{"cells": [...]}` with the contract fields and,
//! beyond them, `cfo_integer` (subcarriers), `rsrp_dbfs`, `rssi_dbfs`, `rsrq_db` (null
//! without a complete subframe).

use std::path::PathBuf;

use phy::cellsearch::{search, Cell, SearchConfig};
use sdr_bridge::iq::{read_iq_file, IqError, IqFormat};

use super::{parse_f64, CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Raw IQ file.
    file: PathBuf,
    /// Sample rate, Hz (N·15 kHz, e.g. 1.92e6, 15.36e6, 23.04e6, 30.72e6).
    #[arg(long, value_parser = parse_f64)]
    rate: f64,
    /// Sample format: cf32 (default) or ci16.
    #[arg(long, default_value = "cf32")]
    format: String,
}

/// Read a capture, mapping errors to the exit-code classes (bad file → 2, I/O → 1).
pub fn load(
    file: &std::path::Path,
    format: &str,
    rate: f64,
) -> Result<Vec<phy::Complex32>, CliError> {
    let format: IqFormat = format.parse().map_err(CliError::usage)?;
    if rate <= 0.0 || rate.is_nan() {
        return Err(CliError::usage(anyhow::anyhow!("--rate must be positive")));
    }
    phy::numerology::Numerology::fft_size_for_rate(rate).map_err(CliError::usage)?;
    read_iq_file(file, format).map_err(|e| match e {
        IqError::Io { .. } => CliError::runtime(e),
        _ => CliError::usage(e),
    })
}

/// The contract's JSON object for one cell.
pub fn cell_json(c: &Cell) -> serde_json::Value {
    let mib = c.mib.map(|m| {
        serde_json::json!({
            "bandwidth_prb": m.mib.n_prb,
            "phich_duration": m.mib.phich_duration.as_str(),
            "phich_resource": m.mib.phich_resource.as_str(),
            "sfn": m.sfn,
            "ports": m.ports,
        })
    });
    serde_json::json!({
        "pci": c.pci,
        "n_id_1": c.n_id_1,
        "n_id_2": c.n_id_2,
        "subframe": c.subframe,
        "sample_offset": c.sample_offset,
        "cfo_hz": (c.cfo_hz * 10.0).round() / 10.0,
        "snr_db": (f64::from(c.snr_db) * 100.0).round() / 100.0,
        "mib": mib,
        "cfo_integer": c.cfo_integer,
        "rsrp_dbfs": c.rsrp_dbfs.map(round2),
        "rssi_dbfs": c.rssi_dbfs.map(round2),
        "rsrq_db": c.rsrq_db.map(round2),
    })
}

fn round2(v: f32) -> f64 {
    (f64::from(v) * 100.0).round() / 100.0
}

pub fn run(a: Args) -> CmdResult {
    let x = load(&a.file, &a.format, a.rate)?;
    let cells = search(&x, a.rate, &SearchConfig::default()).map_err(CliError::usage)?;
    for c in &cells {
        eprintln!(
            "cell PCI {} ({:?} CP): PSS metric {:.3}, SSS ratio {:.2}, CFO {:.1} Hz (integer {}), SNR {:.1} dB, RSRQ {} dB, MIB {}",
            c.pci,
            c.cp,
            c.pss_metric,
            c.sss_ratio,
            c.cfo_hz,
            c.cfo_integer,
            c.snr_db,
            c.rsrq_db.map_or("-".to_string(), |v| format!("{v:.1}")),
            if c.mib.is_some() { "decoded" } else { "none" }
        );
    }
    let out = serde_json::json!({ "cells": cells.iter().map(cell_json).collect::<Vec<_>>() });
    println!("{out}");
    Ok(())
}
