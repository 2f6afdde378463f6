//! DL-SCH encode of the largest 64QAM TB (TBS 75 376 bits: I_TBS 26, 100 PRB) and decode of
//! a smaller one from clean LLRs.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_phy::modulation::Modulation;
use lastmile_phy::transport::dlsch::{self, Params};
use lastmile_phy::transport::SoftBufferLimit;

fn bench(c: &mut Criterion) {
    let tbs = 75_376;
    let p = Params {
        tbs,
        modulation: Modulation::Qam64,
        rv: 0,
        g: 100 * 12 * 11 * 6, // 100 PRB, 11 data symbols
        n_l: 1,
        soft_buffer: SoftBufferLimit::Unlimited,
        c_init: Some(dlsch::pdsch_c_init(61, 0, 2, 1)),
    };
    let tb: Vec<u8> = (0..tbs / 8).map(|i| (i * 13 % 256) as u8).collect();
    let mut enc = dlsch::Encoder::new();
    let mut out = Vec::new();
    let mut g = c.benchmark_group("dlsch");
    g.throughput(Throughput::Elements(tbs as u64));
    g.bench_function("encode_tbs75376", |b| {
        b.iter(|| enc.encode(&tb, &p, &mut out).unwrap())
    });
    enc.encode(&tb, &p, &mut out).unwrap();
    let llr: Vec<f32> = out
        .iter()
        .map(|&x| if x == 0 { 4.0 } else { -4.0 })
        .collect();
    let mut dec = dlsch::Decoder::new();
    g.sample_size(10);
    g.bench_function("decode_tbs75376_clean", |b| {
        b.iter(|| assert!(dec.decode(&llr, &p, 8, None).unwrap().crc_ok))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
