//! `lastmile decode IQFILE --rate HZ [--format cf32|ci16] [--rnti N]`: full downlink receive
//! (cell search, PCFICH, PDCCH blind search, DCI, PDSCH, DL-SCH) of a raw IQ capture;
//! prints `{"cell": {...}, "blocks": [...]}` (`{"cell": null, "blocks": []}` when no cell).

use std::path::PathBuf;

use phy::cellsearch::{search, SearchConfig};
use phy::pdsch::receive_capture;

use super::cell_search::{cell_json, load};
use super::{parse_f64, parse_u32_dec_or_hex, CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Raw IQ file.
    file: PathBuf,
    /// Sample rate, Hz (N·15 kHz).
    #[arg(long, value_parser = parse_f64)]
    rate: f64,
    /// Sample format: cf32 (default) or ci16.
    #[arg(long, default_value = "cf32")]
    format: String,
    /// Only DCIs for this RNTI (decimal or 0x-hex); default: SI-, P- and RA-RNTIs.
    #[arg(long, value_parser = parse_u32_dec_or_hex)]
    rnti: Option<u32>,
}

fn hex(bits: &[u8]) -> String {
    bits.chunks(8)
        .map(|c| {
            format!(
                "{:02x}",
                c.iter().fold(0u8, |v, &b| (v << 1) | b) << (8 - c.len())
            )
        })
        .collect()
}

pub fn run(a: Args) -> CmdResult {
    let rntis: Vec<u16> = match a.rnti {
        Some(r) => vec![u16::try_from(r)
            .map_err(|_| CliError::usage(anyhow::anyhow!("--rnti {r} does not fit 16 bits")))?],
        None => vec![],
    };
    let x = load(&a.file, &a.format, a.rate)?;
    let cells = search(&x, a.rate, &SearchConfig::default()).map_err(CliError::usage)?;
    let Some(cell) = cells.first() else {
        println!("{}", serde_json::json!({"cell": null, "blocks": []}));
        return Ok(());
    };
    let (cfg, sfs) = receive_capture(&x, a.rate, cell, &rntis, false).map_err(CliError::runtime)?;
    eprintln!(
        "cell PCI {}: {} PRB, {} port(s), {} subframe(s) received",
        cfg.pci,
        cfg.n_prb,
        cfg.ports,
        sfs.len()
    );
    let mut blocks = Vec::new();
    for s in &sfs {
        eprintln!(
            "subframe {} (#{} in frame): CFI {} (corr {:.2}), SNR {:.1} dB, {} DCI(s)",
            s.index,
            s.rx.subframe,
            s.rx.cfi.0,
            s.rx.cfi.1,
            s.rx.snr_db,
            s.rx.blocks.len()
        );
        for b in &s.rx.blocks {
            blocks.push(serde_json::json!({
                "subframe": s.index,
                "rnti": b.rnti,
                "dci": b.dci.format().name(),
                "tbs": b.tbs,
                "crc_ok": b.crc_ok,
                "hex": hex(&b.payload),
            }));
        }
    }
    println!(
        "{}",
        serde_json::json!({"cell": cell_json(cell), "blocks": blocks})
    );
    Ok(())
}
