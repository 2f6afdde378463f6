//! Synthetic end-to-end: our transmitter → AWGN + CFO + timing offset → cell search, MIB
//! and the SI path of `decode`. The detection-probability table is the `#[ignore]` test
//! `detection_probability_table` (run with `--ignored --nocapture`).

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::mib::PhichResource;
use lastmile_phy::numerology::CyclicPrefix;
use lastmile_phy::pdsch::{receive_capture, CellConfig, Transmitter, TxBlock};
use lastmile_phy::Complex32;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x5EED_0F0D;

struct Channel {
    snr_db: f64,
    cfo_hz: f64,
    delay: usize,
}

fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = rng.gen_range(1e-12..1.0);
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// `frames` radio frames of a cell at 1.92 Msps through the channel. SNR is per resource
/// element (port-0 RE power 1, noise variance per subcarrier of the unitary OFDM).
fn capture(
    cell: CellConfig,
    frames: usize,
    ch: &Channel,
    block: Option<&TxBlock>,
    rng: &mut ChaCha8Rng,
) -> Vec<Complex32> {
    let fs = 1.92e6;
    let mut tx = Transmitter::new(cell, fs).unwrap();
    let gains: Vec<Complex32> = (0..cell.ports)
        .map(|_| Complex32::from_polar(1.0, rng.gen_range(0.0..std::f32::consts::TAU)))
        .collect();
    let mut x = vec![Complex32::default(); ch.delay];
    for f in 0..frames {
        for sf in 0..10 {
            let b = if sf == 5 { block } else { None };
            x.extend(tx.subframe(sf, 100 + f as u16, 2, &gains, b).unwrap());
        }
    }
    let sigma = (10f64.powf(-ch.snr_db / 10.0) / 2.0).sqrt() as f32;
    let w = 2.0 * std::f64::consts::PI * ch.cfo_hz / fs;
    for (i, v) in x.iter_mut().enumerate() {
        let ph = w * i as f64;
        *v = *v * Complex32::new(ph.cos() as f32, ph.sin() as f32)
            + Complex32::new(gauss(rng), gauss(rng)) * sigma;
    }
    x
}

fn cell(pci: u16, ports: usize) -> CellConfig {
    CellConfig {
        pci,
        n_prb: 6,
        cp: CyclicPrefix::Normal,
        ports,
        phich_resource: PhichResource::One,
    }
}

#[test]
fn every_pci_tried_found_with_mib_under_cfo_and_delay() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for (i, pci) in [0u16, 1, 2, 150, 167, 302, 449, 503]
        .into_iter()
        .enumerate()
    {
        let ports = [1, 2, 4][i % 3];
        let ch = Channel {
            snr_db: 3.0,
            cfo_hz: [-7500.0, 7500.0, -5000.0, 3100.0][i % 4],
            delay: rng.gen_range(0..9600),
        };
        let x = capture(cell(pci, ports), 2, &ch, None, &mut rng);
        let cells = search(&x, 1.92e6, &SearchConfig::default()).unwrap();
        let c = cells
            .first()
            .unwrap_or_else(|| panic!("PCI {pci}: no cell"));
        assert_eq!(c.pci, pci);
        assert!(
            (c.cfo_hz - ch.cfo_hz).abs() < 100.0,
            "PCI {pci}: CFO {} vs {}",
            c.cfo_hz,
            ch.cfo_hz
        );
        assert_eq!(
            c.sample_offset.rem_euclid(19200),
            (ch.delay as i64).rem_euclid(19200),
            "PCI {pci}"
        );
        let m = c.mib.unwrap_or_else(|| panic!("PCI {pci}: no MIB"));
        assert_eq!(m.ports, ports);
        assert_eq!(m.mib.n_prb, 6);
        // SFN of the frame at sample_offset: frames start at `delay` with SFN 100.
        let frames_before = (ch.delay as i64 - c.sample_offset) / 19200;
        assert_eq!(i64::from(m.sfn), 100 - frames_before, "PCI {pci}");
    }
}

#[test]
fn noise_only_finds_nothing() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let x: Vec<Complex32> = (0..19200)
        .map(|_| Complex32::new(gauss(&mut rng), gauss(&mut rng)))
        .collect();
    assert!(search(&x, 1.92e6, &SearchConfig::default())
        .unwrap()
        .is_empty());
}

#[test]
fn own_si_block_roundtrip_through_decode() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for ports in [1usize, 2] {
        let payload: Vec<u8> = (0..256).map(|_| rng.gen_range(0..2u8)).collect();
        let b = TxBlock {
            rnti: 0xFFFF,
            prbs: (0, 6),
            mcs: 6,
            rv: 0,
            payload: payload.clone(),
            cce: (0, 2),
        };
        let ch = Channel {
            snr_db: 12.0,
            cfo_hz: 2000.0,
            delay: 777,
        };
        let x = capture(cell(77, ports), 1, &ch, Some(&b), &mut rng);
        let cells = search(&x, 1.92e6, &SearchConfig::default()).unwrap();
        let (_, sfs) = receive_capture(&x, 1.92e6, &cells[0], &[0xFFFF], false).unwrap();
        let got = sfs
            .iter()
            .flat_map(|s| s.rx.blocks.iter())
            .find(|blk| blk.rnti == 0xFFFF)
            .unwrap_or_else(|| panic!("{ports} ports: no SI DCI"));
        assert!(got.crc_ok, "{ports} ports");
        assert_eq!(got.payload, payload);
        assert!(sfs.iter().all(|s| s.rx.cfi.0 == 2));
    }
}

#[test]
#[ignore = "Monte Carlo table, ~1 min: cargo test -p lastmile-phy --release --test sync_e2e -- --ignored --nocapture"]
fn detection_probability_table() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    let trials = 40;
    println!("| SNR/RE dB | P(cell found, right PCI) | P(MIB decoded) | false PCI |");
    println!("|---|---|---|---|");
    for snr in [-10.0, -8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0] {
        let (mut found, mut mib, mut wrong) = (0, 0, 0);
        for t in 0..trials {
            let pci = rng.gen_range(0..504u16);
            let ch = Channel {
                snr_db: snr,
                cfo_hz: rng.gen_range(-7500.0..7500.0),
                delay: rng.gen_range(0..19200),
            };
            let x = capture(cell(pci, [1, 2][t % 2]), 2, &ch, None, &mut rng);
            let cells = search(&x, 1.92e6, &SearchConfig::default()).unwrap();
            match cells.first() {
                Some(c) if c.pci == pci => {
                    found += 1;
                    mib += usize::from(c.mib.is_some());
                }
                Some(_) => wrong += 1,
                None => {}
            }
        }
        let p = |n: usize| n as f64 / trials as f64;
        println!(
            "| {snr:+.0} | {:.3} | {:.3} | {:.3} |",
            p(found),
            p(mib),
            p(wrong)
        );
    }
}
