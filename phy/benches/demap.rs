//! Soft demapping throughput (symbols per second): scalar oracle vs the SIMD fast path.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_phy::modulation::{demap_maxlog, demap_maxlog_fast, Modulation};
use lastmile_phy::Complex32;

fn bench(c: &mut Criterion) {
    let n = 8192;
    let syms: Vec<Complex32> = (0..n)
        .map(|i| {
            Complex32::new(
                ((i * 37) % 101) as f32 / 60.0 - 0.8,
                ((i * 53) % 97) as f32 / 60.0 - 0.8,
            )
        })
        .collect();
    let mut g = c.benchmark_group("demap");
    g.throughput(Throughput::Elements(n as u64));
    for m in [
        Modulation::Qpsk,
        Modulation::Qam16,
        Modulation::Qam64,
        Modulation::Qam256,
    ] {
        let mut llr = vec![0f32; n * m.bits_per_symbol()];
        g.bench_function(format!("{m:?}_fast"), |b| {
            b.iter(|| demap_maxlog_fast(m, &syms, 0.1, &mut llr))
        });
        g.bench_function(format!("{m:?}_scalar"), |b| {
            b.iter(|| demap_maxlog(m, &syms, 0.1, &mut llr))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
