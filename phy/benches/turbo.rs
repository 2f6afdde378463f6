//! Turbo decoder throughput (information bits per second), K = 6144 and 1024, 4 and 8 full
//! iterations, SIMD i16 and i8 decoders (best level) and the f32 reference.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lastmile_phy::fec::turbo::{
    self,
    fixed::{FixedDecoder, Precision},
    scalar::ScalarDecoder,
    Algorithm,
};

fn noisy_block(k: usize) -> Vec<f32> {
    let c: Vec<u8> = (0..k).map(|i| ((i * 7919) % 13 % 2) as u8).collect();
    let mut d = vec![0u8; 3 * (k + 4)];
    turbo::encode(&c, &mut d).unwrap();
    // Deterministic pseudo-noise (LCG), about 1 dB Eb/N0.
    let mut s = 0x1234_5678u64;
    d.iter()
        .map(|&b| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((s >> 33) as f32 / (1u64 << 31) as f32) - 0.5;
            2.5 * (1.0 - 2.0 * f32::from(b) + 2.0 * u)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("turbo_decode");
    for k in [6144usize, 1024] {
        let llr = noisy_block(k);
        let mut out = vec![0u8; k];
        g.throughput(Throughput::Elements(k as u64));
        for (it, precision) in [
            (4usize, Precision::I16),
            (8, Precision::I16),
            (4, Precision::I8),
            (8, Precision::I8),
        ] {
            let mut dec = FixedDecoder::with_precision(k, precision).unwrap();
            let name = format!("simd_{}_{}_{}it", dec.level().name(), precision.name(), it);
            g.bench_with_input(BenchmarkId::new(name, k), &k, |b, _| {
                b.iter(|| {
                    dec.decode(&llr, 0, it, Algorithm::MaxLogScaled, &mut out, None)
                        .unwrap()
                })
            });
        }
        let mut sc = ScalarDecoder::new(k).unwrap();
        g.bench_with_input(BenchmarkId::new("scalar_f32_8it", k), &k, |b, _| {
            b.iter(|| {
                sc.decode(&llr, 8, Algorithm::MaxLog, &mut out, None)
                    .unwrap()
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("turbo_encode");
    let k = 6144;
    let cbits: Vec<u8> = (0..k).map(|i| (i % 3 == 0) as u8).collect();
    let perm = turbo::qpp_permutation(k).unwrap();
    let mut d = vec![0u8; 3 * (k + 4)];
    g.throughput(Throughput::Elements(k as u64));
    g.bench_function("k6144", |b| {
        b.iter(|| turbo::encode_with(&cbits, &perm, &mut d).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
