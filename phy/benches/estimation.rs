//! CRS channel estimation of one 20 MHz subframe (100 PRB, 2 ports, 1 RX antenna):
//! the free function `estimation::estimate` (what the PDSCH receiver calls), a planned
//! `Estimator` reusing its output (linear; Wiener in frequency; Wiener in both
//! directions), and, side by side, `v1`: the implementation this module replaced
//! (per-call CRS iteration, per-element division in the frequency pass, indexed time
//! pass, zeroed output), kept here only as the "before" figure. Throughput: subframes/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_phy::estimation::{
    self, ChannelEstimate, Config, Estimator, FreqInterp, Pdp, TimeInterp,
};
use lastmile_phy::grid::ResourceGrid;
use lastmile_phy::numerology::{CyclicPrefix, Numerology};
use lastmile_phy::refsig::crs::Crs;
use lastmile_phy::Complex32;

/// The previous estimator (linear, smoothed), for the before/after comparison only.
fn v1(
    grid: &ResourceGrid<Vec<Complex32>>,
    crs: &Crs,
    subframe: usize,
    ports: usize,
) -> Vec<Complex32> {
    let n_sc = grid.n_sc();
    let n_sym = grid.n_symbols();
    let nsym_slot = n_sym / 2;
    let n_prb = n_sc / 12;
    let mut h = vec![Complex32::default(); ports * n_sym * n_sc];
    let mut ls: Vec<(usize, Complex32)> = Vec::with_capacity(2 * n_prb);
    let mut sm: Vec<Complex32> = Vec::with_capacity(2 * n_prb);
    for p in 0..ports {
        let mut crs_syms = Vec::with_capacity(4);
        for slot in 0..2 {
            for l in 0..nsym_slot {
                if !crs.has_crs(p, l) {
                    continue;
                }
                let ll = slot * nsym_slot + l;
                let y = grid.symbol(ll);
                ls.clear();
                ls.extend(
                    crs.res(p, 2 * subframe + slot, l, n_prb)
                        .map(|(k, r)| (k, y[k] * r.conj())),
                );
                sm.clear();
                let n = ls.len();
                for m in 0..n {
                    let a = ls[m.saturating_sub(1)].1;
                    let c = ls[(m + 1).min(n - 1)].1;
                    sm.push((a + ls[m].1 * 2.0 + c) * 0.25);
                }
                let row = &mut h[(p * n_sym + ll) * n_sc..(p * n_sym + ll + 1) * n_sc];
                for x in row.iter_mut().take(ls[0].0) {
                    *x = sm[0];
                }
                for i in 0..n {
                    let k0 = ls[i].0;
                    if i + 1 == n {
                        for x in row.iter_mut().skip(k0) {
                            *x = sm[i];
                        }
                        break;
                    }
                    let k1 = ls[i + 1].0;
                    let d = (k1 - k0) as f32;
                    for (k, r) in row.iter_mut().enumerate().take(k1).skip(k0) {
                        *r = sm[i] + (sm[i + 1] - sm[i]) * ((k - k0) as f32 / d);
                    }
                }
                crs_syms.push(ll);
            }
        }
        for l in 0..n_sym {
            if crs_syms.contains(&l) {
                continue;
            }
            let mut a = crs_syms[0];
            let mut b = crs_syms[1];
            for w in crs_syms.windows(2) {
                if l > w[0] {
                    a = w[0];
                    b = w[1];
                }
            }
            let t = (l as f32 - a as f32) / (b as f32 - a as f32);
            for k in 0..n_sc {
                let ha = h[(p * n_sym + a) * n_sc + k];
                let hb = h[(p * n_sym + b) * n_sc + k];
                h[(p * n_sym + l) * n_sc + k] = ha + (hb - ha) * t;
            }
        }
    }
    h
}

fn bench(c: &mut Criterion) {
    let num = Numerology::new(100, 2048, CyclicPrefix::Normal).unwrap();
    let crs = Crs::new(42, CyclicPrefix::Normal);
    let mut grid = ResourceGrid::zeros(&num);
    for (i, v) in grid.as_mut_slice().iter_mut().enumerate() {
        *v = Complex32::new((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos());
    }
    let mut g = c.benchmark_group("crs_estimation_20mhz_2port");
    g.throughput(Throughput::Elements(1));
    g.bench_function("v1_before", |b| b.iter(|| v1(&grid, &crs, 1, 2)));
    g.bench_function("free_fn_linear", |b| {
        b.iter(|| estimation::estimate(&grid, &crs, 1, 2, true))
    });
    let configs = [
        (
            "estimator_linear",
            FreqInterp::Linear { smooth: true },
            TimeInterp::Linear,
        ),
        (
            "estimator_wiener_freq8",
            FreqInterp::Wiener {
                pdp: Pdp::Exponential,
                rms_delay_s: 300e-9,
                snr_db: 10.0,
                taps: 8,
            },
            TimeInterp::Linear,
        ),
        (
            "estimator_wiener_freq8_time",
            FreqInterp::Wiener {
                pdp: Pdp::Exponential,
                rms_delay_s: 300e-9,
                snr_db: 10.0,
                taps: 8,
            },
            TimeInterp::Wiener {
                doppler_hz: 70.0,
                snr_db: 15.0,
            },
        ),
    ];
    for (name, freq, time) in configs {
        let cfg = Config {
            ports: 2,
            freq,
            time,
        };
        let mut e = Estimator::new(100, &crs, CyclicPrefix::Normal, &cfg).unwrap();
        let mut out = ChannelEstimate::default();
        g.bench_function(name, |b| {
            b.iter(|| e.estimate_into(&grid, 1, &mut out).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
