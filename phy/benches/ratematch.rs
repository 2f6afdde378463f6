//! Rate dematching + HARQ combining throughput (LLRs per second), K = 6144, E = 18444.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_phy::fec::harq::{SoftBuffer, DEFAULT_SCALE};
use lastmile_phy::fec::ratematch::TurboRateMatcher;

fn bench(c: &mut Criterion) {
    let k = 6144;
    let rm = TurboRateMatcher::new(k, 0, None).unwrap();
    let e_len = 18_444;
    let e: Vec<f32> = (0..e_len).map(|i| ((i * 37) % 17) as f32 - 8.0).collect();
    let eq: Vec<i16> = e.iter().map(|&x| (x * 16.0) as i16).collect();
    let mut g = c.benchmark_group("ratematch");
    g.throughput(Throughput::Elements(e_len as u64));
    let mut d = vec![0f32; 3 * (k + 4)];
    g.bench_function("dematch_add_f32", |b| {
        b.iter(|| rm.dematch_add(&e, 2, &mut d).unwrap())
    });
    let mut w = Vec::new();
    g.bench_function("dematch_f32_runwise", |b| {
        b.iter(|| rm.dematch(&e, 2, &mut d, &mut w).unwrap())
    });
    let mut sb = SoftBuffer::new(3 * (k + 4), DEFAULT_SCALE).unwrap();
    g.bench_function("harq_combine_i16", |b| {
        b.iter(|| sb.combine_i16(&rm, &eq, 3).unwrap())
    });
    g.bench_function("harq_combine_f32_quantise", |b| {
        b.iter(|| sb.combine(&rm, &e, 1).unwrap())
    });
    let mut d_out = vec![0f32; 3 * (k + 4)];
    g.bench_function("harq_llrs_deinterleave", |b| {
        b.iter(|| sb.llrs(&mut d_out).unwrap())
    });
    let bits: Vec<u8> = (0..3 * (k + 4)).map(|i| (i % 5 == 0) as u8).collect();
    let mut out = vec![0u8; e_len];
    g.bench_function("rate_match_bits", |b| {
        b.iter(|| rm.rate_match(&bits, 0, &mut out).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
