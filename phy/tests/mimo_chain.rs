//! MIMO end to end: our layer mapping and precoding → 2×N frequency-selective Rayleigh
//! channel + AWGN on the resource grid (CRS on ports 0 and 1) → channel estimates of
//! `phy::estimation` per receive antenna → ZF/MMSE detection → SINR-scaled LLRs.
//! Also symbol-level checks with perfect channel knowledge on i.i.d. Rayleigh 2×2.

use lastmile_phy::estimation::{ChannelEstimate, Config, Estimator, FreqInterp, TimeInterp};
use lastmile_phy::grid::ResourceGrid;
use lastmile_phy::mimo::{self, Detector, RxView, Scheme};
use lastmile_phy::modulation::{map, Modulation};
use lastmile_phy::numerology::{Bandwidth, CyclicPrefix, Numerology};
use lastmile_phy::refsig::crs::Crs;
use lastmile_phy::Complex32;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x31_3140;

fn cgauss(rng: &mut ChaCha8Rng, var: f32) -> Complex32 {
    let u1: f64 = rng.gen_range(1e-12..1.0);
    let u2: f64 = rng.gen();
    let r = (-var as f64 * u1.ln()).sqrt();
    let ph = 2.0 * std::f64::consts::PI * u2;
    Complex32::new((r * ph.cos()) as f32, (r * ph.sin()) as f32)
}

fn random_bits(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.gen_range(0..2u8)).collect()
}

fn bit_errors(bits: &[u8], llr: &[f32]) -> usize {
    bits.iter()
        .zip(llr)
        .filter(|(b, l)| (**l < 0.0) != (**b == 1))
        .count()
}

/// Result of one grid-level transmission.
struct Run {
    bits: usize,
    errors: usize,
}

/// Transmit `scheme` with modulation `m` over a 25-PRB subframe, `n_rx` antennas, each
/// (antenna, port) an independent 3-tap Rayleigh channel (delays 0, 0.13, 0.39 µs, like a
/// short EPA), SNR per RE and antenna `snr_db`; receive with the estimator and `det`.
fn grid_chain(
    scheme: Scheme,
    m: Modulation,
    n_rx: usize,
    snr_db: f32,
    det: Detector,
    rng: &mut ChaCha8Rng,
) -> Run {
    let num = Numerology::lte(Bandwidth::Mhz5, CyclicPrefix::Normal);
    let (n_sc, n_sym) = (num.n_sc(), num.symbols_per_subframe());
    let crs = Crs::new(77, CyclicPrefix::Normal);
    let sf = 2;
    let ports = scheme.ports();
    // Data on every symbol without CRS of ports 0/1.
    let data_syms: Vec<usize> = (0..n_sym).filter(|l| ![0, 4, 7, 11].contains(l)).collect();
    let n_re = data_syms.len() * n_sc;
    let v = scheme.layers();
    let n_layer_syms = if matches!(scheme, Scheme::SinglePort | Scheme::TxDiversity { .. }) {
        n_re
    } else {
        n_re * v
    };
    let qm = m.bits_per_symbol();
    let bits = random_bits(rng, n_layer_syms * qm);
    let mut d = vec![Complex32::default(); n_layer_syms];
    map(m, &bits, &mut d);
    let x = mimo::layer_map(scheme, &[&d]).unwrap();
    let mut y = vec![Vec::new(); ports];
    assert_eq!(mimo::precode(scheme, &x, &mut y).unwrap(), n_re);
    // Per-port grids: CRS of ports 0 and 1 (2-port cell), data.
    let mut tx: Vec<ResourceGrid<Vec<Complex32>>> =
        (0..2).map(|_| ResourceGrid::zeros(&num)).collect();
    for (p, g) in tx.iter_mut().enumerate() {
        for slot in 0..2 {
            for l in 0..7 {
                for (k, r) in crs.res(p, 2 * sf + slot, l, num.n_prb()) {
                    g.set(k, slot * 7 + l, r);
                }
            }
        }
        if p < ports {
            for (i, &l) in data_syms.iter().enumerate() {
                g.symbol_mut(l)
                    .copy_from_slice(&y[p][i * n_sc..(i + 1) * n_sc]);
            }
        }
    }
    // Channel per (antenna, port, subcarrier), static over the subframe.
    let fs = num.sample_rate_hz();
    let taps = [(0.0f64, 0.5f32), (0.13e-6, 0.3), (0.39e-6, 0.2)];
    let sigma2 = 10f32.powf(-snr_db / 10.0);
    let mut rx = Vec::new();
    for _ in 0..n_rx {
        let mut g = ResourceGrid::zeros(&num);
        for txg in &tx {
            let a: Vec<Complex32> = taps.iter().map(|t| cgauss(rng, t.1)).collect();
            let h: Vec<Complex32> = (0..n_sc)
                .map(|k| {
                    let f = (k as f64 - n_sc as f64 / 2.0) * 15e3;
                    taps.iter()
                        .zip(&a)
                        .map(|(t, ai)| {
                            let ph = -2.0 * std::f64::consts::PI * f * t.0;
                            ai * Complex32::new(ph.cos() as f32, ph.sin() as f32)
                        })
                        .sum()
                })
                .collect();
            for l in 0..n_sym {
                for (o, (s, hk)) in g.symbol_mut(l).iter_mut().zip(txg.symbol(l).iter().zip(&h)) {
                    *o += hk * s;
                }
            }
        }
        for o in g.as_mut_slice() {
            *o += cgauss(rng, sigma2);
        }
        rx.push(g);
    }
    let _ = fs;
    // Receive.
    let cfg = Config {
        ports: 2,
        freq: FreqInterp::Linear { smooth: true },
        time: TimeInterp::Linear,
    };
    let mut est = Estimator::new(num.n_prb(), &crs, CyclicPrefix::Normal, &cfg).unwrap();
    let mut ests: Vec<ChannelEstimate> = Vec::new();
    est.estimate_rx(&rx, sf, &mut ests).unwrap();
    let yv: Vec<Vec<Complex32>> = rx
        .iter()
        .map(|g| {
            data_syms
                .iter()
                .flat_map(|&l| g.symbol(l).to_vec())
                .collect()
        })
        .collect();
    let hv: Vec<Vec<Complex32>> = (0..n_rx * ports)
        .map(|i| {
            let (r, p) = (i / ports, i % ports);
            data_syms
                .iter()
                .flat_map(|&l| ests[r].row(p, l).to_vec())
                .collect()
        })
        .collect();
    let yr: Vec<&[Complex32]> = yv.iter().map(|v| v.as_slice()).collect();
    let hr: Vec<&[Complex32]> = hv.iter().map(|v| v.as_slice()).collect();
    let view = RxView {
        y: &yr,
        h: &hr,
        noise_var: ests[0].noise_var,
    };
    let mut out = vec![(Complex32::default(), 0f32); x.len()];
    mimo::detect(scheme, det, &view, &mut out).unwrap();
    let mut llr = vec![0f32; out.len() * qm];
    mimo::llrs(m, &out, &mut llr).unwrap();
    Run {
        bits: bits.len(),
        errors: bit_errors(&bits, &llr[..bits.len()]),
    }
}

#[test]
fn every_scheme_through_an_estimated_frequency_selective_channel() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut schemes = vec![
        Scheme::SinglePort,
        Scheme::TxDiversity { ports: 2 },
        Scheme::LargeDelayCdd,
    ];
    schemes.extend((0..4).map(|codebook| Scheme::ClosedLoop {
        layers: 1,
        codebook,
    }));
    schemes.extend((0..3).map(|codebook| Scheme::ClosedLoop {
        layers: 2,
        codebook,
    }));
    for s in schemes {
        let mut tot = Run { bits: 0, errors: 0 };
        for _ in 0..4 {
            let r = grid_chain(s, Modulation::Qam16, 2, 30.0, Detector::Mmse, &mut rng);
            tot.bits += r.bits;
            tot.errors += r.errors;
        }
        let ber = tot.errors as f64 / tot.bits as f64;
        eprintln!("{s:?}: 16QAM, 2 RX, 30 dB, estimated channel: BER {ber:.2e}");
        // Two layers on two antennas keep diversity order 1 (and see the estimation
        // error of both ports): measured ≈ 5e-3 here; one layer has diversity 2: ≈ 0.
        let limit = if s.layers() == 2 && s.ports() == 2 && !matches!(s, Scheme::TxDiversity { .. })
        {
            2e-2
        } else {
            1e-3
        };
        assert!(ber < limit, "{s:?}: BER {ber}");
    }
}

#[test]
fn rank1_tm4_works_with_one_rx_antenna() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    for codebook in 0..4 {
        let s = Scheme::ClosedLoop {
            layers: 1,
            codebook,
        };
        let mut tot = Run { bits: 0, errors: 0 };
        for _ in 0..4 {
            let r = grid_chain(s, Modulation::Qpsk, 1, 25.0, Detector::Zf, &mut rng);
            tot.bits += r.bits;
            tot.errors += r.errors;
        }
        let ber = tot.errors as f64 / tot.bits as f64;
        eprintln!("{s:?}: QPSK, 1 RX, 25 dB: BER {ber:.2e}");
        assert!(ber < 5e-3, "{s:?}: BER {ber}");
    }
}

/// Symbol-level: 2 layers over i.i.d. Rayleigh 2×2 per RE, perfect channel knowledge.
fn iid_2x2(
    scheme: Scheme,
    m: Modulation,
    det: Detector,
    snr_db: f32,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let qm = m.bits_per_symbol();
    let bits = random_bits(rng, 2 * n * qm);
    let mut d = vec![Complex32::default(); 2 * n];
    map(m, &bits, &mut d);
    let x = mimo::layer_map(scheme, &[&d]).unwrap();
    let mut y = vec![Vec::new(); 2];
    mimo::precode(scheme, &x, &mut y).unwrap();
    let hv: Vec<Vec<Complex32>> = (0..4)
        .map(|_| (0..n).map(|_| cgauss(rng, 1.0)).collect())
        .collect();
    let hr: Vec<&[Complex32]> = hv.iter().map(|v| v.as_slice()).collect();
    let mut rxv = vec![Vec::new(); 2];
    mimo::apply_channel(&y, &hr, &mut rxv).unwrap();
    let s2 = 10f32.powf(-snr_db / 10.0);
    for v in rxv.iter_mut().flatten() {
        *v += cgauss(rng, s2);
    }
    let yr: Vec<&[Complex32]> = rxv.iter().map(|v| v.as_slice()).collect();
    let view = RxView {
        y: &yr,
        h: &hr,
        noise_var: s2,
    };
    let mut out = vec![(Complex32::default(), 0f32); 2 * n];
    mimo::detect(scheme, det, &view, &mut out).unwrap();
    let mut llr = vec![0f32; 2 * n * qm];
    mimo::llrs(m, &out, &mut llr).unwrap();
    bit_errors(&bits, &llr) as f64 / bits.len() as f64
}

#[test]
fn two_layer_16qam_rayleigh_high_snr_is_error_free() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for s in [
        Scheme::LargeDelayCdd,
        Scheme::ClosedLoop {
            layers: 2,
            codebook: 1,
        },
    ] {
        for det in [Detector::Zf, Detector::Mmse] {
            let ber = iid_2x2(s, Modulation::Qam16, det, 45.0, 20_000, &mut rng);
            eprintln!("{s:?} {det:?}: 16QAM 2x2 Rayleigh 45 dB: BER {ber:.2e}");
            assert!(ber < 1e-3, "{s:?} {det:?}: BER {ber}");
        }
    }
}

#[test]
fn mmse_beats_zf_at_low_snr() {
    let s = Scheme::ClosedLoop {
        layers: 2,
        codebook: 2,
    };
    for snr in [0.0f32, 5.0, 10.0] {
        // Same seed for both: same bits, channel and noise.
        let zf = iid_2x2(
            s,
            Modulation::Qam16,
            Detector::Zf,
            snr,
            20_000,
            &mut ChaCha8Rng::seed_from_u64(SEED + 3),
        );
        let mmse = iid_2x2(
            s,
            Modulation::Qam16,
            Detector::Mmse,
            snr,
            20_000,
            &mut ChaCha8Rng::seed_from_u64(SEED + 3),
        );
        eprintln!("{snr} dB: BER ZF {zf:.4}, MMSE {mmse:.4}");
        assert!(mmse < zf, "{snr} dB: MMSE {mmse} !< ZF {zf}");
    }
}
