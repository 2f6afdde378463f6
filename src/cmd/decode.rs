//! `lastmile decode IQFILE --rate HZ [--format cf32|ci16] [--rnti N]`: full downlink receive
//! (cell search, PCFICH, PDCCH blind search over the common and — with `--rnti` a C-RNTI —
//! UE-specific spaces, DCI 1/1A/1C with allocation types 0/1/2, PDSCH, DL-SCH) of a raw IQ
//! capture;
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
    let out = decode_samples(&x, a.rate, &rntis)?;
    println!("{out}");
    Ok(())
}

/// The whole receive of `x` at `rate` as the command's JSON value (progress on stderr).
fn decode_samples(
    x: &[phy::Complex32],
    rate: f64,
    rntis: &[u16],
) -> Result<serde_json::Value, CliError> {
    let cells = search(x, rate, &SearchConfig::default()).map_err(CliError::usage)?;
    let Some(cell) = cells.first() else {
        return Ok(serde_json::json!({"cell": null, "blocks": []}));
    };
    let (cfg, sfs) = receive_capture(x, rate, cell, rntis, false).map_err(CliError::runtime)?;
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
    Ok(serde_json::json!({"cell": cell_json(cell), "blocks": blocks}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use phy::dci::Dci;
    use phy::mib::PhichResource;
    use phy::numerology::CyclicPrefix;
    use phy::pdcch::{self, ControlRegion, SearchSpace};
    use phy::pdsch::{CellConfig, Transmitter, TxDci};
    use phy::Complex32;

    /// Our transmitter sends a TB with DCI format 1 (allocation type 0) to a C-RNTI in its
    /// UE-specific search space; `decode --rnti` recovers it with CRC ok, and without
    /// `--rnti` (SI/P/RA only) reports no block.
    #[test]
    fn dci1_type0_block_from_our_transmitter() {
        let cell = CellConfig {
            pci: 222,
            n_prb: 15,
            cp: CyclicPrefix::Normal,
            ports: 2,
            phich_resource: PhichResource::One,
        };
        let rate = 3.84e6;
        let (rnti, sf, cfi) = (0x3C01u16, 7usize, 2u8);
        let n_ctrl = phy::pcfich::control_symbols(cfi, cell.n_prb);
        let groups = phy::phich::n_groups(cell.phich_resource, cell.n_prb, cell.cp);
        let n_cce = ControlRegion::new(cell.n_prb, cell.ports, cell.pci, n_ctrl, groups).n_cce;
        let cce = pdcch::candidates(SearchSpace::UeSpecific, n_cce, rnti, sf)[0];
        // 15 PRB: P = 2, 8 RBGs; RBGs 1, 2, 6 → PRBs 2–5, 12, 13.
        let dci = Dci::F1 {
            alloc_type1: false,
            bitmap: vec![0, 1, 1, 0, 0, 0, 1, 0],
            mcs: 10,
            harq: 0,
            ndi: true,
            rv: 0,
            tpc: 0,
        };
        let a = phy::pdsch::assignment(&dci, rnti, cell.n_prb)
            .unwrap()
            .unwrap();
        assert_eq!(a.alloc.prbs[0], vec![2, 3, 4, 5, 12, 13]);
        let payload: Vec<u8> = (0..a.tbs).map(|i| ((i * 5 + 1) % 3 % 2) as u8).collect();
        let mut tx = Transmitter::new(cell, rate).unwrap();
        let gains = [Complex32::new(0.9, 0.1), Complex32::new(0.2, -0.6)];
        let mut x = vec![Complex32::default(); 321];
        for s in 0..10 {
            let d = TxDci {
                rnti,
                dci: dci.clone(),
                payload: payload.clone(),
                cce,
                rv_unsignalled: 0,
            };
            let dcis = if s == sf { vec![d] } else { vec![] };
            x.extend(tx.subframe_dci(s, 100, cfi, &gains, &dcis).unwrap());
        }
        let v = decode_samples(&x, rate, &[rnti]).unwrap();
        assert_eq!(v["cell"]["pci"], 222);
        let blocks = v["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 1, "{v}");
        assert_eq!(blocks[0]["rnti"], u64::from(rnti));
        assert_eq!(blocks[0]["dci"], "1");
        assert_eq!(blocks[0]["tbs"], a.tbs);
        assert_eq!(blocks[0]["crc_ok"], true);
        assert_eq!(blocks[0]["hex"], hex(&payload));
        let v = decode_samples(&x, rate, &[]).unwrap();
        assert!(v["blocks"].as_array().unwrap().is_empty());
    }
}
