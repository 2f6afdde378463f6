//! Soft demapping throughput (symbols per second): scalar oracle vs the SIMD fast path, and
//! the fast path on the input `lastmile bench ofdm-rx` times.

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
    // The input and call of `lastmile bench ofdm-rx` (its `demap_msym_per_s`): the same
    // function on a subframe's worth of 64QAM symbols (100 PRB × 11 symbols).
    let n_rx = 13_200;
    let syms_rx: Vec<Complex32> = (0..n_rx)
        .map(|i| Complex32::new((i % 7) as f32 * 0.2 - 0.6, (i % 5) as f32 * 0.25 - 0.5))
        .collect();
    let mut llr = vec![0f32; n_rx * 6];
    g.throughput(Throughput::Elements(n_rx as u64));
    g.bench_function("Qam64_fast_ofdm_rx_input", |b| {
        b.iter(|| demap_maxlog_fast(Modulation::Qam64, &syms_rx, 1.0, &mut llr))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
