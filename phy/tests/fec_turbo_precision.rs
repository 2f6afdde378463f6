//! The i8 SIMD turbo decoder against the i16 one and against the transmitted bits: noiseless
//! round trips for every block size, bit-identical SIMD levels for equal lane counts,
//! agreement with i16 on converged noisy blocks, and no panics on extreme LLRs.

use lastmile_phy::fec::turbo::{
    self,
    fixed::{FixedDecoder, Precision, SimdLevel},
    Algorithm,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn gauss(rng: &mut impl Rng) -> f32 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// A random K-bit block, its code word and BPSK/AWGN channel LLRs at `ebn0_db` (rate 1/3).
fn noisy_block(k: usize, ebn0_db: f32, rng: &mut ChaCha8Rng) -> (Vec<u8>, Vec<f32>) {
    let c: Vec<u8> = (0..k).map(|_| rng.gen_range(0..2u8)).collect();
    let mut d = vec![0u8; 3 * (k + 4)];
    turbo::encode(&c, &mut d).unwrap();
    let esn0 = 10f32.powf(ebn0_db / 10.0) * k as f32 / d.len() as f32;
    let sigma2 = 1.0 / (2.0 * esn0);
    let llr = d
        .iter()
        .map(|&b| 2.0 / sigma2 * (1.0 - 2.0 * f32::from(b) + sigma2.sqrt() * gauss(rng)))
        .collect();
    (c, llr)
}

/// Every (level, lanes) the i8 decoder accepts on this CPU.
fn i8_levels() -> Vec<(SimdLevel, usize)> {
    let mut v = vec![(SimdLevel::Portable, 32), (SimdLevel::Portable, 64)];
    for lv in [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Sse41] {
        if lv.is_supported() {
            v.push((lv, Precision::I8.default_lanes(lv)));
        }
    }
    v
}

#[test]
fn i8_noiseless_roundtrip_every_block_size() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x18);
    for k in turbo::block_sizes() {
        let c: Vec<u8> = (0..k).map(|_| rng.gen_range(0..2u8)).collect();
        let mut d = vec![0u8; 3 * (k + 4)];
        turbo::encode(&c, &mut d).unwrap();
        let llr: Vec<f32> = d.iter().map(|&b| 4.0 - 8.0 * f32::from(b)).collect();
        let mut dec = FixedDecoder::with_precision(k, Precision::I8).unwrap();
        assert_eq!(dec.precision(), Precision::I8);
        let mut out = vec![0u8; k];
        for alg in [Algorithm::MaxLog, Algorithm::MaxLogScaled] {
            dec.decode(&llr, 0, 2, alg, &mut out, None).unwrap();
            assert_eq!(out, c, "K={k} {alg:?}");
        }
    }
    // The other levels and lane counts on a representative set.
    for k in [40usize, 512, 1056, 4096, 6144] {
        let c: Vec<u8> = (0..k).map(|_| rng.gen_range(0..2u8)).collect();
        let mut d = vec![0u8; 3 * (k + 4)];
        turbo::encode(&c, &mut d).unwrap();
        let llr: Vec<f32> = d.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
        for (lv, lanes) in i8_levels() {
            let mut dec = FixedDecoder::with_options(k, lv, lanes, Precision::I8).unwrap();
            let mut out = vec![0u8; k];
            dec.decode(&llr, 0, 2, Algorithm::MaxLogScaled, &mut out, None)
                .unwrap();
            assert_eq!(out, c, "K={k} {lv:?} {lanes}");
        }
    }
}

/// Equal lane counts give bit-identical decisions on every level (noisy blocks, where
/// saturation and normalisation are exercised), and converged blocks agree with i16.
#[test]
fn i8_levels_bit_identical_and_agree_with_i16() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0008);
    for (k, ebn0) in [(1024usize, 1.0f32), (6144, 0.8), (6144, 1.5), (40, 3.0)] {
        let (c, llr) = noisy_block(k, ebn0, &mut rng);
        let mut outs: Vec<(usize, Vec<u8>)> = Vec::new();
        for (lv, lanes) in i8_levels() {
            let mut dec = FixedDecoder::with_options(k, lv, lanes, Precision::I8).unwrap();
            let mut out = vec![0u8; k];
            dec.decode(&llr, 0, 6, Algorithm::MaxLogScaled, &mut out, None)
                .unwrap();
            if let Some((_, o)) = outs.iter().find(|(l, _)| *l == lanes) {
                assert_eq!(
                    o, &out,
                    "K={k} {lv:?} differs from the other {lanes}-lane level"
                );
            }
            outs.push((lanes, out));
        }
        if ebn0 >= 1.0 {
            let mut i16_out = vec![0u8; k];
            FixedDecoder::new(k)
                .unwrap()
                .decode(&llr, 0, 6, Algorithm::MaxLogScaled, &mut i16_out, None)
                .unwrap();
            assert_eq!(i16_out, c, "i16 converged at K={k} {ebn0} dB");
            for (lanes, o) in &outs {
                assert_eq!(o, &i16_out, "i8 ({lanes} lanes) vs i16 at K={k} {ebn0} dB");
            }
        }
    }
}

/// Early stop and filler bits behave as on the i16 path.
#[test]
fn i8_filler_and_early_stop() {
    let k = 1024;
    let filler = 24;
    let mut c: Vec<u8> = (0..k).map(|i| ((i * 5 + i / 7) % 3 == 0) as u8).collect();
    c[..filler].fill(0);
    let mut d = vec![0u8; 3 * (k + 4)];
    turbo::encode(&c, &mut d).unwrap();
    let mut llr: Vec<f32> = d.iter().map(|&b| 2.0 - 4.0 * f32::from(b)).collect();
    let dl = k + 4;
    for i in 0..filler {
        llr[i] = 0.0;
        llr[dl + i] = 0.0;
    }
    let mut dec = FixedDecoder::with_precision(k, Precision::I8).unwrap();
    let mut out = vec![0u8; k];
    let mut calls = 0;
    let mut stop = |b: &[u8]| {
        calls += 1;
        b == c.as_slice()
    };
    let o = dec
        .decode(
            &llr,
            filler,
            8,
            Algorithm::MaxLog,
            &mut out,
            Some(&mut stop),
        )
        .unwrap();
    assert!(o.stopped_early && o.iterations == 1, "{o:?}");
    assert_eq!(calls, 1);
    assert_eq!(out, c);
}

#[test]
fn i8_bad_inputs_are_errors() {
    let mut dec = FixedDecoder::with_precision(40, Precision::I8).unwrap();
    let mut out = vec![0u8; 40];
    let llr = vec![0f32; 132];
    assert!(dec
        .decode(&llr[..131], 0, 1, Algorithm::MaxLog, &mut out, None)
        .is_err());
    assert!(dec
        .decode(&llr, 0, 0, Algorithm::MaxLog, &mut out, None)
        .is_err());
    assert!(dec
        .decode(&llr, 40, 1, Algorithm::MaxLog, &mut out, None)
        .is_err());
    assert!(dec
        .decode(&llr, 0, 1, Algorithm::LogMap, &mut out, None)
        .is_err());
    assert!(FixedDecoder::with_precision(41, Precision::I8).is_err());
    // i8 lane counts are not i16 ones and vice versa.
    assert!(FixedDecoder::with_options(40, SimdLevel::Portable, 16, Precision::I8).is_err());
    assert!(FixedDecoder::with_options(40, SimdLevel::Portable, 64, Precision::I16).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn i8_never_panics(
        vals in proptest::collection::vec(prop_oneof![
            Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY), Just(f32::MAX),
            Just(-f32::MAX), Just(0.0f32), Just(f32::MIN_POSITIVE), -1e6f32..1e6f32], 3 * 516),
        filler in 0usize..64,
        iters in 1usize..4,
    ) {
        let mut out = vec![0u8; 40];
        for (lv, lanes) in i8_levels() {
            let mut dec = FixedDecoder::with_options(40, lv, lanes, Precision::I8).unwrap();
            dec.decode(&vals[..132], filler % 40, iters, Algorithm::MaxLog, &mut out, None).unwrap();
            prop_assert!(out.iter().all(|&b| b <= 1));
        }
        let mut out = vec![0u8; 512];
        let mut dec = FixedDecoder::with_precision(512, Precision::I8).unwrap();
        dec.decode(&vals, filler, iters, Algorithm::MaxLogScaled, &mut out, None).unwrap();
        prop_assert!(out.iter().all(|&b| b <= 1));
    }
}
