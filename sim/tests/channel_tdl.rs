//! The 3GPP TDL models through the streaming channel: tap powers and RMS delay spread of
//! TS 36.104 Annex B.2, unit average power, Jakes autocorrelation J0(2π f_d τ), Rayleigh
//! envelope, determinism by seed. Tolerances are stated per check; every statistic is over
//! independent realisations (one per `link` number of one seed).

use std::f64::consts::PI;

use lastmile_sim::channel::{Channel, Placement, TdlConfig, TdlModel};
use num_complex::{Complex32, Complex64};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x7D1_5EED;

/// J0(x) = (1/π) ∫₀^π cos(x sin θ) dθ (midpoint rule, 4000 points; error < 1e-12 for x ≤ 10).
fn j0(x: f64) -> f64 {
    let n = 4000;
    (0..n)
        .map(|i| (x * (PI * (i as f64 + 0.5) / n as f64).sin()).cos())
        .sum::<f64>()
        / n as f64
}

const CONFIGS: [TdlConfig; 3] = [TdlConfig::EPA5, TdlConfig::EVA70, TdlConfig::ETU300];

/// At 100 Msps every table delay (multiples of 10 ns) is on the sample grid, so the impulse
/// response measured at the output shows each tap at its own delay.
#[test]
fn measured_power_delay_profile_matches_the_tables() {
    let fs = 100e6;
    let realisations = 3000u64;
    for cfg in CONFIGS {
        let delays = cfg.model.delays_s();
        let powers = cfg.model.powers();
        let len = (delays.last().unwrap() * fs).round() as usize + 1;
        let mut impulse = vec![Complex32::default(); len];
        impulse[0] = Complex32::new(1.0, 0.0);
        let mut pdp = vec![0.0f64; len];
        for link in 0..realisations {
            let mut ch = Channel::tdl(cfg, fs, Placement::Nearest, SEED, link).unwrap();
            for (p, y) in pdp.iter_mut().zip(ch.apply(&impulse)) {
                *p += f64::from(y.norm_sqr()) / realisations as f64;
            }
        }
        let total: f64 = pdp.iter().sum();
        let total_db = 10.0 * total.log10();
        let mut worst_tap_db = 0.0f64;
        for (d, p) in delays.iter().zip(&powers) {
            let m = (d * fs).round() as usize;
            worst_tap_db = worst_tap_db.max((10.0 * (pdp[m] / p).log10()).abs());
        }
        let on_taps: f64 = delays.iter().map(|d| pdp[(d * fs).round() as usize]).sum();
        let taus: Vec<f64> = (0..len).map(|m| m as f64 / fs).collect();
        let rms = lastmile_sim::channel::tdl::rms_delay_spread_s(&taus, &pdp);
        let want = match cfg.model {
            TdlModel::Epa => 43e-9,
            TdlModel::Eva => 357e-9,
            TdlModel::Etu => 991e-9,
        };
        eprintln!(
            "{cfg}: total {total_db:+.3} dB, worst tap {worst_tap_db:.3} dB off the table, \
             RMS delay spread {:.1} ns (table {:.0} ns, {:+.2} %)",
            rms * 1e9,
            want * 1e9,
            100.0 * (rms / want - 1.0)
        );
        assert!(total_db.abs() < 0.2, "{cfg}: total {total_db} dB");
        assert!(worst_tap_db < 0.5, "{cfg}: tap off by {worst_tap_db} dB");
        assert!(
            (on_taps - total).abs() < 1e-9 * total,
            "power off the table delays"
        );
        assert!((rms / want - 1.0).abs() < 0.05, "{cfg}: {rms:e}");
    }
}

/// Unit average power at 15.36 Msps with nearest-sample placement (taps closer than a
/// sample merge, their powers add): white unit-power input, output power over realisations.
#[test]
fn average_power_is_unity() {
    let fs = 15.36e6;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let x: Vec<Complex32> = (0..2048)
        .map(|_| {
            let ph = rng.gen_range(0.0..2.0 * std::f32::consts::PI);
            Complex32::from_polar(1.0, ph)
        })
        .collect();
    for cfg in CONFIGS {
        let realisations = 2000u64;
        let mut acc = 0.0f64;
        let skip = 100; // past the delay line's start-up (ETU: 77 samples)
        for link in 0..realisations {
            let mut ch = Channel::tdl(cfg, fs, Placement::Nearest, SEED ^ 1, link).unwrap();
            let y = ch.apply(&x);
            acc += y[skip..]
                .iter()
                .map(|v| f64::from(v.norm_sqr()))
                .sum::<f64>()
                / (y.len() - skip) as f64;
        }
        let db = 10.0 * (acc / realisations as f64).log10();
        eprintln!("{cfg}: average output power {db:+.3} dB over {realisations} realisations");
        assert!(db.abs() < 0.2, "{cfg}: {db} dB");
    }
}

/// The streaming output follows the exact taps: impulses sent every 20,000 samples through
/// ETU 300 Hz (the fastest fading) show `taps_at(n)` within 1e-4 of the tap amplitude.
#[test]
fn output_follows_the_exact_taps() {
    let fs = 15.36e6;
    let mut ch = Channel::tdl(TdlConfig::ETU300, fs, Placement::Nearest, SEED, 9).unwrap();
    let period = 20_000usize;
    let mut x = vec![Complex32::default(); period];
    x[0] = Complex32::new(1.0, 0.0);
    let mut worst = 0.0f64;
    for probe in 0..40u64 {
        let n0 = probe * period as u64;
        let taps = ch.taps_at(n0);
        let y = ch.apply(&x);
        let scale = taps.iter().map(|(_, h)| h.norm()).fold(0.0, f64::max);
        for (m, h) in taps {
            // Tap m of the impulse at n0 appears at n0 + m and was evaluated there.
            let exact = ch
                .taps_at(n0 + m as u64)
                .into_iter()
                .find(|(k, _)| *k == m)
                .unwrap()
                .1;
            let got = Complex64::new(f64::from(y[m].re), f64::from(y[m].im));
            worst = worst.max((got - exact).norm() / scale);
            assert!((exact - h).norm() < 0.05 * scale + 1e-12);
        }
    }
    eprintln!("ETU300: worst deviation of the output from the exact taps {worst:.2e} (relative)");
    assert!(worst < 1e-4, "{worst}");
}

/// Autocorrelation of each tap over the ensemble, normalised by the tap power, against
/// J0(2π f_d τ) at lags where J0 = 0.94, 0.77, 0 (first zero), −0.40 (first minimum) and
/// 0.30: within ±0.05 (3000 realisations × taps, standard error ≈ 0.01).
#[test]
fn tap_autocorrelation_follows_j0() {
    let fs = 15.36e6;
    for cfg in CONFIGS {
        let fd = cfg.doppler_hz;
        let mut worst = 0.0f64;
        for x in [0.5, 1.0, 2.404_825_557_7, 3.831_705_970_2, 6.0] {
            let lag = (x / (2.0 * PI * fd) * fs).round() as u64;
            let xr = 2.0 * PI * fd * lag as f64 / fs;
            let (mut acc, mut count) = (Complex64::default(), 0.0);
            for link in 0..300u64 {
                let ch = Channel::tdl(cfg, fs, Placement::Nearest, SEED, link).unwrap();
                for t0 in [0u64, 50_000_000] {
                    let a = ch.path_gains_at(t0);
                    let b = ch.path_gains_at(t0 + lag);
                    for (i, p) in ch.paths().iter().enumerate() {
                        acc += b[i] * a[i].conj() / p.average_power();
                        count += 1.0;
                    }
                }
            }
            let r = acc / count;
            let err = (r - Complex64::new(j0(xr), 0.0)).norm();
            worst = worst.max(err);
            assert!(
                err < 0.05,
                "{cfg} at 2πf_dτ = {xr:.3}: R = {r:.4}, J0 = {:.4}",
                j0(xr)
            );
        }
        eprintln!("{cfg}: autocorrelation within {worst:.4} of J0 at 5 lags");
    }
}

/// The envelope is Rayleigh: P(|g|² < q·p) = 1 − e^{−q} within ±0.015 at q = 0.1, 0.5, 1, 2.
#[test]
fn envelope_is_rayleigh() {
    let fs = 15.36e6;
    let mut samples = Vec::new();
    for link in 0..500u64 {
        let ch = Channel::tdl(TdlConfig::EVA70, fs, Placement::Nearest, SEED ^ 7, link).unwrap();
        for t in [0u64, 10_000_000, 20_000_000] {
            let g = ch.path_gains_at(t);
            for (gi, p) in g.iter().zip(ch.paths()) {
                samples.push(gi.norm_sqr() / p.average_power());
            }
        }
    }
    for q in [0.1, 0.5, 1.0, 2.0] {
        let frac = samples.iter().filter(|&&s| s < q).count() as f64 / samples.len() as f64;
        let want = 1.0 - (-q).exp();
        eprintln!("P(|g|²/p < {q}) = {frac:.4} (Rayleigh {want:.4})");
        assert!((frac - want).abs() < 0.015, "q={q}: {frac} vs {want}");
    }
}

#[test]
fn realisations_are_determined_by_seed_and_link() {
    let fs = 15.36e6;
    let x: Vec<Complex32> = (0..5000)
        .map(|i| Complex32::new((i as f32 * 0.1).cos(), (i as f32 * 0.37).sin()))
        .collect();
    let run = |seed, link| {
        Channel::tdl(TdlConfig::EVA70, fs, Placement::default(), seed, link)
            .unwrap()
            .with_awgn(20.0, 1.0, seed, link)
            .unwrap()
            .apply(&x)
    };
    assert_eq!(run(SEED, 3), run(SEED, 3));
    assert_ne!(run(SEED, 3), run(SEED, 4));
    assert_ne!(run(SEED, 3), run(SEED + 1, 3));
}
