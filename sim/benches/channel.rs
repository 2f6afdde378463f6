//! Fading-channel throughput (samples/s, one core): EVA 70 Hz at 15.36 Msps (10 MHz LTE),
//! nearest-sample taps, in 1 ms blocks (15,360 samples); the same with AWGN and CFO; EVA with
//! band-limited (windowed-sinc) taps; and the static two-path channel of a traced link.
//!
//! Run: `cargo bench -p lastmile-sim --bench channel`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use lastmile_sim::channel::{Channel, FadingPath, Placement, TdlConfig};
use num_complex::{Complex32, Complex64};

const FS: f64 = 15.36e6;
const BLOCK: usize = 15_360;

fn input() -> Vec<Complex32> {
    (0..BLOCK)
        .map(|i| {
            let t = i as f32;
            Complex32::new((0.013 * t).cos(), (0.029 * t).sin())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let x = input();
    let mut y = vec![Complex32::default(); BLOCK];
    let mut g = c.benchmark_group("channel");
    g.throughput(Throughput::Elements(BLOCK as u64));
    let mut eva = Channel::tdl(TdlConfig::EVA70, FS, Placement::Nearest, 1, 0).unwrap();
    g.bench_function("eva70_nearest_15M36", |b| {
        b.iter(|| eva.process(black_box(&x), &mut y).unwrap())
    });
    let mut eva_imp = Channel::tdl(TdlConfig::EVA70, FS, Placement::Nearest, 1, 0)
        .unwrap()
        .with_cfo(250.0)
        .unwrap()
        .with_awgn(10.0, 1.0, 1, 0)
        .unwrap();
    g.bench_function("eva70_nearest_cfo_awgn_15M36", |b| {
        b.iter(|| eva_imp.process(black_box(&x), &mut y).unwrap())
    });
    let mut eva_sinc = Channel::tdl(TdlConfig::EVA70, FS, Placement::default(), 1, 0).unwrap();
    g.bench_function("eva70_sinc16_15M36", |b| {
        b.iter(|| eva_sinc.process(black_box(&x), &mut y).unwrap())
    });
    let mut two_ray = Channel::new(
        vec![
            FadingPath::doppler(0.0, Complex64::new(1e-4, 0.0), 20.0),
            FadingPath::doppler(39e-9, Complex64::new(-6e-5, 1e-5), -9.0),
        ],
        FS,
        Placement::default(),
    )
    .unwrap();
    g.bench_function("two_ray_doppler_sinc16_15M36", |b| {
        b.iter(|| two_ray.process(black_box(&x), &mut y).unwrap())
    });
    let unit = || {
        Channel::new(
            vec![FadingPath::fixed(0.0, Complex64::new(1.0, 0.0))],
            FS,
            Placement::Nearest,
        )
        .unwrap()
    };
    let mut cfo_only = unit().with_cfo(250.0).unwrap();
    g.bench_function("unit_cfo_only_15M36", |b| {
        b.iter(|| cfo_only.process(black_box(&x), &mut y).unwrap())
    });
    let mut awgn_only = unit().with_awgn(10.0, 1.0, 1, 0).unwrap();
    g.bench_function("unit_awgn_only_15M36", |b| {
        b.iter(|| awgn_only.process(black_box(&x), &mut y).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
