//! ITM point-to-point throughput (profiles/s) on the reference profile of ARCHITECTURE.md
//! (30 km, 1001 points, 600 MHz; NTIA's C++ v1.4 does ~83,000/s per core on this machine
//! class), on NTIA's published 28 km profile, and area mode; plus the profile pass alone.
//!
//! Run: `cargo bench -p lastmile-sim --bench itm`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use lastmile_sim::propagation::itm::{self, core};

fn bench(c: &mut Criterion) {
    let e = itm::bench_profile();
    let p = itm::bench_params();
    let mut g = c.benchmark_group("itm");
    g.throughput(Throughput::Elements(1));
    g.bench_function("p2p_1001pt_30km", |b| {
        b.iter(|| {
            itm::p2p_tls(
                30.0,
                10.0,
                black_box(&e),
                itm::BENCH_SPACING_M,
                &p,
                50.0,
                50.0,
                50.0,
            )
        })
    });
    let gamma_e = 157e-9 * (1.0 - 0.04665 * (301.0f64 / 179.3).exp());
    g.bench_function("quick_pfl_1001pt", |b| {
        b.iter(|| core::quick_pfl(black_box(&e), itm::BENCH_SPACING_M, gamma_e, [30.0, 10.0]))
    });
    // a 3001-point variant (30 km at 10 m), NTIA: ~34,000/s
    let e3: Vec<f64> = (0..3001)
        .map(|i| {
            let x = i as f64 * 10.0;
            300.0
                + 60.0 * (x / 2300.0).sin()
                + 25.0 * (x / 700.0 + 1.0).sin()
                + 10.0 * (x / 210.0).sin()
        })
        .collect();
    g.bench_function("p2p_3001pt_30km", |b| {
        b.iter(|| itm::p2p_tls(30.0, 10.0, black_box(&e3), 10.0, &p, 50.0, 50.0, 50.0))
    });
    g.bench_function("area", |b| {
        b.iter(|| {
            itm::area_tls(
                30.0,
                10.0,
                0,
                0,
                black_box(30.0),
                90.0,
                &p,
                50.0,
                50.0,
                50.0,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
