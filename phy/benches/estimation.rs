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

#[path = "support/estimation_v1.rs"]
mod estimation_v1;
use estimation_v1::v1;

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
