//! Cell-search measurements on our own transmitter's signal: integer CFO beyond ±7.5 kHz,
//! and RSRP/RSSI/RSRQ against the value computed from the known transmitted grid and the
//! known noise (36.214 §5.1.3).

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::grid::ResourceGrid;
use lastmile_phy::mib::PhichResource;
use lastmile_phy::numerology::{CyclicPrefix, Numerology};
use lastmile_phy::ofdm::OfdmDemodulator;
use lastmile_phy::pdsch::{CellConfig, Transmitter};
use lastmile_phy::refsig::crs::Crs;
use lastmile_phy::Complex32;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;
use common::capture;

const SEED: u64 = 0xCF0_1234;

fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = rng.gen_range(1e-12..1.0);
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
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

/// `frames` noise-free radio frames at 1.92 Msps, unit gain on every port.
fn clean(c: CellConfig, frames: usize) -> Vec<Complex32> {
    let mut tx = Transmitter::new(c, 1.92e6).unwrap();
    let gains = vec![Complex32::new(1.0, 0.0); c.ports];
    let mut x = Vec::new();
    for f in 0..frames {
        for sf in 0..10 {
            x.extend(tx.subframe(sf, 40 + f as u16, 2, &gains, None).unwrap());
        }
    }
    x
}

/// Delay, CFO and AWGN of variance 10^(−snr/10) per resource element.
fn impair(
    x: &[Complex32],
    delay: usize,
    cfo_hz: f64,
    snr_db: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Complex32> {
    let sigma = (10f64.powf(-snr_db / 10.0) / 2.0).sqrt() as f32;
    let w = 2.0 * std::f64::consts::PI * cfo_hz / 1.92e6;
    let mut y = vec![Complex32::default(); delay];
    y.extend_from_slice(x);
    for (i, v) in y.iter_mut().enumerate() {
        let ph = w * i as f64;
        *v = *v * Complex32::new(ph.cos() as f32, ph.sin() as f32)
            + Complex32::new(gauss(rng), gauss(rng)) * sigma;
    }
    y
}

#[test]
fn integer_cfo_beyond_half_a_subcarrier() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let cfg = SearchConfig::default();
    for (i, cfo) in [22_500.0, -22_500.0, 31_000.0, -31_000.0, 16_000.0]
        .into_iter()
        .enumerate()
    {
        let pci = [17u16, 250, 401, 3, 98][i];
        let ports = [1usize, 2, 1, 2, 4][i];
        let x = impair(
            &clean(cell(pci, ports), 2),
            333 + 100 * i,
            cfo,
            5.0,
            &mut rng,
        );
        let cells = search(&x, 1.92e6, &cfg).unwrap();
        let c = cells
            .iter()
            .find(|c| c.pci == pci)
            .unwrap_or_else(|| panic!("CFO {cfo}: PCI {pci} not found in {cells:?}"));
        assert!(
            (c.cfo_hz - cfo).abs() < 100.0,
            "CFO {cfo}: estimated {}",
            c.cfo_hz
        );
        let q = (cfo / 15e3).round() as i32;
        if (cfo / 15e3).fract().abs() != 0.5 {
            assert_eq!(c.cfo_integer, q, "CFO {cfo}");
        }
        let mib = c.mib.expect("MIB");
        assert_eq!(mib.ports, ports, "CFO {cfo}");
        assert_eq!(mib.sfn, 40, "CFO {cfo}");
    }
}

#[test]
fn integer_cfo_search_can_be_switched_off() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let x = impair(&clean(cell(123, 1), 2), 50, 30_000.0, 5.0, &mut rng);
    let cfg = SearchConfig {
        max_integer_cfo: 0,
        ..SearchConfig::default()
    };
    let found = search(&x, 1.92e6, &cfg).unwrap();
    assert!(found.iter().all(|c| c.mib.is_none()), "{found:?}");
    let c = &search(&x, 1.92e6, &SearchConfig::default()).unwrap()[0];
    assert_eq!((c.pci, c.cfo_integer), (123, 2));
}

/// RSRP and RSSI of the known signal: the transmitted grid (noise-free, demodulated at
/// the known timing) plus 72·σ² of noise per symbol.
fn reference(x: &[Complex32], pci: u16, noise_var: f64) -> (f64, f64, f64) {
    let num = Numerology::new(6, 128, CyclicPrefix::Normal).unwrap();
    let mut planner = rustfft::FftPlanner::new();
    let demod = OfdmDemodulator::new(&num, &mut planner);
    let mut scratch = vec![Complex32::default(); demod.scratch_len()];
    let crs = Crs::new(pci, CyclicPrefix::Normal);
    let (mut rsrp, mut rssi, mut n) = (0f64, 0f64, 0usize);
    for (sf, s) in x.chunks_exact(1920).enumerate() {
        let mut g = ResourceGrid::zeros(&num);
        demod.demodulate(s, g.as_mut_slice(), &mut scratch).unwrap();
        for l in [0usize, 4, 7, 11] {
            let ns = 2 * (sf % 10) + l / 7;
            let res: Vec<f64> = crs
                .res(0, ns, l % 7, 6)
                .map(|(k, _)| f64::from(g.re(k, l).norm_sqr()))
                .collect();
            rsrp += res.iter().sum::<f64>() / res.len() as f64;
            rssi += g
                .symbol(l)
                .iter()
                .map(|v| f64::from(v.norm_sqr()))
                .sum::<f64>()
                + 72.0 * noise_var;
            n += 1;
        }
    }
    let (rsrp, rssi) = (rsrp / n as f64, rssi / n as f64);
    let db = |p: f64| 10.0 * (p / 128.0).log10();
    (db(rsrp), db(rssi), 10.0 * (6.0 * rsrp / rssi).log10())
}

#[test]
fn rsrq_matches_the_known_signal() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for (pci, ports, snr_db) in [(150u16, 2usize, 10.0f64), (7, 1, 0.0), (300, 4, 20.0)] {
        let x = clean(cell(pci, ports), 2);
        let noise_var = 10f64.powf(-snr_db / 10.0);
        let (rsrp, rssi, rsrq) = reference(&x, pci, noise_var);
        let y = impair(&x, 0, 0.0, snr_db, &mut rng);
        let c = search(&y, 1.92e6, &SearchConfig::default()).unwrap()[0].clone();
        assert_eq!(c.pci, pci);
        let (m_rsrp, m_rssi, m_rsrq) = (
            c.rsrp_dbfs.unwrap(),
            c.rssi_dbfs.unwrap(),
            c.rsrq_db.unwrap(),
        );
        eprintln!(
            "PCI {pci}, {ports} port(s), SNR {snr_db} dB: RSRQ {m_rsrq:.2} dB (known {rsrq:.2}), \
             RSRP {m_rsrp:.2} ({rsrp:.2}) dBFS, RSSI {m_rssi:.2} ({rssi:.2}) dBFS"
        );
        assert!(
            (f64::from(m_rsrq) - rsrq).abs() < 0.5,
            "RSRQ {m_rsrq} vs {rsrq}"
        );
        assert!(
            (f64::from(m_rssi) - rssi).abs() < 0.3,
            "RSSI {m_rssi} vs {rssi}"
        );
        assert!(
            (f64::from(m_rsrp) - rsrp).abs() < 0.5,
            "RSRP {m_rsrp} vs {rsrp}"
        );
    }
}

/// Real eNB captures: RSRQ in the plausible range (−3 … −20 dB) and consistent with
/// RSRP and RSSI (RSRQ = 10·log10(6) + RSRP − RSSI), integer CFO 0.
#[test]
fn captures_give_plausible_rsrq() {
    for name in ["signal.1.92M.dat", "signal.1.92M.amar.dat"] {
        let Some(x) = capture(name) else {
            return;
        };
        let c = search(&x, 1.92e6, &SearchConfig::default()).unwrap()[0].clone();
        let (rsrp, rssi, rsrq) = (
            c.rsrp_dbfs.unwrap(),
            c.rssi_dbfs.unwrap(),
            c.rsrq_db.unwrap(),
        );
        eprintln!("{name}: RSRP {rsrp:.2} dBFS, RSSI {rssi:.2} dBFS, RSRQ {rsrq:.2} dB");
        assert!((-20.0..=-3.0).contains(&rsrq), "{name}: RSRQ {rsrq}");
        assert!((rssi - rsrp - (10.0 * 6f32.log10() - rsrq)).abs() < 1e-3);
        assert_eq!(c.cfo_integer, 0, "{name}");
    }
    // 0.5 ms: no complete subframe, so no RSRQ.
    if let Some(x) = capture("signal.10M.dat") {
        let c = &search(&x, 15.36e6, &SearchConfig::default()).unwrap()[0];
        assert_eq!(c.rsrq_db, None);
    }
}
