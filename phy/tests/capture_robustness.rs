//! The acceptance list's modified captures, swept: the Amarisoft capture's SI block (CRC ok,
//! the README's bytes) and the srsRAN capture's PCI/MIB under a frequency offset of
//! −5…+5 kHz, sample offsets both ways (samples prepended or dropped), scale changes over
//! 10⁻³…10³ and added white Gaussian noise, stepping the SNR down until the CRC fails. The
//! threshold found is printed (`--nocapture`) and must be at or below the asserted SNR.

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::pdsch::receive_capture;
use lastmile_phy::Complex32;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;
use common::capture;

const RATE: f64 = 1.92e6;
const SI_HEX: &str = "00800c61bc8ca883d601ba01000408019739dcb2d5425c700308518b613a9690";

fn hex(bits: &[u8]) -> String {
    bits.chunks(8)
        .map(|c| format!("{:02x}", c.iter().fold(0u8, |v, &b| (v << 1) | b)))
        .collect()
}

/// `x` with `offset` zero samples prepended (negative: that many dropped), a CFO, a scale
/// and complex white Gaussian noise at `snr_db` below the capture's mean power.
fn modify(
    x: &[Complex32],
    cfo_hz: f64,
    offset: i64,
    scale: f32,
    snr_db: f32,
    rng: &mut ChaCha8Rng,
) -> Vec<Complex32> {
    let p = x.iter().map(|v| v.norm_sqr()).sum::<f32>() / x.len() as f32;
    let sigma = (p / 10f32.powf(snr_db / 10.0) / 2.0).sqrt();
    let mut y: Vec<Complex32> = if offset >= 0 {
        let mut y = vec![Complex32::default(); offset as usize];
        y.extend_from_slice(x);
        y
    } else {
        x[(-offset) as usize..].to_vec()
    };
    let mut g = || {
        let (a, b): (f32, f32) = (rng.gen_range(1e-7..1.0), rng.gen_range(0.0..1.0));
        (-2.0 * a.ln()).sqrt() * (std::f32::consts::TAU * b).cos()
    };
    for (i, v) in y.iter_mut().enumerate() {
        let ph = std::f64::consts::TAU * cfo_hz * i as f64 / RATE;
        let n = Complex32::new(g(), g()) * sigma;
        *v = (*v * Complex32::new(ph.cos() as f32, ph.sin() as f32) + n) * scale;
    }
    y
}

fn si_ok(y: &[Complex32]) -> bool {
    let Ok(cells) = search(y, RATE, &SearchConfig::default()) else {
        return false;
    };
    let Some(c) = cells.first().filter(|c| c.pci == 1) else {
        return false;
    };
    let Ok((_, sfs)) = receive_capture(y, RATE, c, &[0xFFFF], false) else {
        return false;
    };
    sfs.iter()
        .flat_map(|s| s.rx.blocks.iter())
        .any(|b| b.crc_ok && b.tbs == 256 && hex(&b.payload) == SI_HEX)
}

#[test]
fn amarisoft_si_survives_cfo_offset_scale_and_noise() {
    let Some(x) = capture("signal.1.92M.amar.dat") else {
        return;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
    // Every modification on its own, noise-free.
    for (cfo, offset, scale) in [
        (5000.0, 0i64, 1.0f32),
        (-5000.0, 0, 1.0),
        (2500.0, 0, 1.0),
        (-1234.5, 0, 1.0),
        (0.0, 1, 1.0),
        (0.0, 4321, 1.0),
        (0.0, -37, 1.0),
        (0.0, -960, 1.0),
        (0.0, 0, 1e-3),
        (0.0, 0, 1e3),
    ] {
        let y = modify(&x, cfo, offset, scale, 60.0, &mut rng);
        assert!(si_ok(&y), "cfo {cfo} offset {offset} scale {scale}");
    }
    // All at once, stepping the SNR down to the first failure.
    for (cfo, offset, scale) in [(5000.0, 777i64, 40.0f32), (-5000.0, -333, 0.02)] {
        let mut lowest_ok = None;
        for snr in (-4..=3).rev().map(|s| 2.0 * s as f32) {
            if si_ok(&modify(&x, cfo, offset, scale, snr, &mut rng)) {
                lowest_ok = Some(snr);
            } else {
                break;
            }
        }
        eprintln!("amarisoft SI, cfo {cfo} Hz, offset {offset}, scale {scale}: CRC ok down to SNR {lowest_ok:?} dB (vs capture power)");
        assert!(
            lowest_ok.is_some_and(|s| s <= -2.0),
            "cfo {cfo}: CRC ok only down to {lowest_ok:?} dB"
        );
    }
}

/// The srsRAN capture is 5 ms and its only PBCH lies within its first few hundred samples,
/// so its sample offsets are prepended samples only (the Amarisoft test drops samples too).
#[test]
fn srsran_mib_survives_cfo_offset_scale_and_noise() {
    let Some(x) = capture("signal.1.92M.dat") else {
        return;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EEE);
    for (cfo, offset, scale, snr) in [
        (5000.0, 0i64, 1.0f32, 60.0f32),
        (-5000.0, 500, 1e3, 60.0),
        (3000.0, 200, 1e-3, 60.0),
        (-5000.0, 123, 5.0, 6.0),
        (5000.0, 77, 0.5, 6.0),
    ] {
        let y = modify(&x, cfo, offset, scale, snr, &mut rng);
        let cells = search(&y, RATE, &SearchConfig::default()).unwrap();
        let c = cells.first().unwrap_or_else(|| {
            panic!("no cell: cfo {cfo} offset {offset} scale {scale} snr {snr}")
        });
        assert_eq!(c.pci, 150, "cfo {cfo} offset {offset}");
        let m = c
            .mib
            .unwrap_or_else(|| panic!("no MIB: cfo {cfo} offset {offset} scale {scale} snr {snr}"));
        assert_eq!((m.mib.n_prb, m.ports, m.sfn), (50, 2, 28), "cfo {cfo}");
    }
}
