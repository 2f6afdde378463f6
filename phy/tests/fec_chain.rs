//! DL-SCH against a real eNB transmission (the SI message of the Amarisoft capture, every
//! stage in `../shared/refdata/lte/dlsch_si_pci1_capture_vector.json`), the embedded
//! 36.213 tables against their CSVs, and property tests of the coding chain.

use std::path::PathBuf;

use lastmile_phy::fec::ratematch::TurboRateMatcher;
use lastmile_phy::fec::turbo::{
    self, fixed::FixedDecoder, fixed::SimdLevel, scalar::ScalarDecoder, Algorithm,
};
use lastmile_phy::modulation::Modulation;
use lastmile_phy::transport::dlsch::{self, Params};
use lastmile_phy::transport::tbs::{self, McsTable};
use lastmile_phy::transport::{bytes_to_bits, SoftBufferLimit, TbSoftBuffer};
use proptest::prelude::*;
use serde_json::Value;

fn refdata() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/refdata");
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and reference data missing at {}", p.display());
    }
    eprintln!("skipping: {} not found", p.display());
    None
}

fn bits(v: &Value) -> Vec<u8> {
    v.as_str().unwrap().bytes().map(|b| b - b'0').collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn capture_vector_every_stage() {
    let Some(r) = refdata() else { return };
    let j: Value = serde_json::from_str(
        &std::fs::read_to_string(r.join("lte/dlsch_si_pci1_capture_vector.json")).unwrap(),
    )
    .unwrap();
    let tb = hex(j["tb_hex"].as_str().unwrap());
    assert_eq!(tb.len() * 8, j["tbs"].as_u64().unwrap() as usize);
    // TB + CRC24A = c (one code block, K = 280).
    let c = bits(&j["c_280"]);
    let mut tbc = bytes_to_bits(&tb);
    lastmile_phy::fec::crc::Crc::new(lastmile_phy::fec::crc::CrcKind::Crc24A).attach_bits(&mut tbc);
    assert_eq!(tbc, c);
    let k = c.len();
    let mut d = vec![0u8; 3 * (k + 4)];
    turbo::encode(&c, &mut d).unwrap();
    assert_eq!(d[..k + 4], bits(&j["d0"])[..]);
    assert_eq!(d[k + 4..2 * k + 8], bits(&j["d1"])[..]);
    assert_eq!(d[2 * k + 8..], bits(&j["d2"])[..]);
    let rv = j["rv"].as_u64().unwrap() as usize;
    let e_len = j["E"].as_u64().unwrap() as usize;
    let rm = TurboRateMatcher::new(k, 0, None).unwrap();
    assert_eq!(rm.k0(rv), j["k0"].as_u64().unwrap() as usize);
    let mut e = vec![0u8; e_len];
    rm.rate_match(&d, rv, &mut e).unwrap();
    assert_eq!(e, bits(&j["e"]));
    // The whole chain: TB → scrambled b.
    let c_init = j["scrambling_c_init"].as_u64().unwrap() as u32;
    assert_eq!(c_init, dlsch::pdsch_c_init(0xFFFF, 0, 4, 1));
    let p = Params {
        tbs: tb.len() * 8,
        modulation: Modulation::Qpsk,
        rv,
        g: e_len,
        n_l: 1,
        soft_buffer: SoftBufferLimit::Unlimited,
        c_init: Some(c_init),
    };
    let want_b = bits(&j["b_scrambled"]);
    let mut b = Vec::new();
    dlsch::Encoder::new().encode(&tb, &p, &mut b).unwrap();
    assert_eq!(
        b, want_b,
        "encoded TB differs from the eNB's scrambled bits"
    );
    // Decode from LLRs of b (moderate reliability, with a few flipped signs).
    let llr: Vec<f32> = want_b
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let v = if x == 0 { 2.0 } else { -2.0 };
            if i % 97 == 5 {
                -v * 0.5
            } else {
                v
            }
        })
        .collect();
    let out = dlsch::Decoder::new().decode(&llr, &p, 8, None).unwrap();
    assert!(out.crc_ok);
    assert_eq!(out.tb, tb);
}

#[test]
fn tables_match_csvs() {
    let Some(r) = refdata() else { return };
    let s = std::fs::read_to_string(r.join("lte/tbs_36213_table_7.1.7.2.1-1.csv")).unwrap();
    let mut n = 0;
    for line in s.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<usize> = line.split(',').map(|x| x.trim().parse().unwrap()).collect();
        for prb in 1..=110 {
            assert_eq!(
                tbs::tbs(f[0], prb).unwrap(),
                f[prb],
                "I_TBS {} N_PRB {prb}",
                f[0]
            );
            n += 1;
        }
    }
    assert_eq!(n, 34 * 110);
    for (t, name) in [
        (McsTable::Pdsch, "mcs_pdsch_36213_table_7.1.7.1-1.csv"),
        (
            McsTable::Pdsch256Qam,
            "mcs_pdsch_256qam_36213_table_7.1.7.1-1A.csv",
        ),
        (McsTable::Pusch, "mcs_pusch_36213_table_8.6.1-1.csv"),
    ] {
        let s = std::fs::read_to_string(r.join("lte/spec").join(name)).unwrap();
        for line in s.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            let i: usize = f[0].parse().unwrap();
            match (f[1].parse::<usize>(), f[2].parse::<usize>()) {
                (Ok(qm), Ok(itbs)) => {
                    let (m, it) = tbs::mcs(t, i).unwrap();
                    assert_eq!((m.bits_per_symbol(), it), (qm, itbs), "{name} {i}");
                }
                _ => assert!(tbs::mcs(t, i).is_err(), "{name} {i} reserved"),
            }
        }
    }
}

#[test]
fn harq_incremental_redundancy_recovers_what_one_rv_cannot() {
    // A high-rate transmission (E < K) that fails alone; rv 0 + 2 combined decodes.
    let p0 = Params {
        tbs: 2984,
        modulation: Modulation::Qpsk,
        rv: 0,
        g: 2400,
        n_l: 1,
        soft_buffer: SoftBufferLimit::Unlimited,
        c_init: Some(1234),
    };
    let tb: Vec<u8> = (0..373u32).map(|i| (i * 89 % 251) as u8).collect();
    let mut enc = dlsch::Encoder::new();
    let mut dec = dlsch::Decoder::new();
    let mut harq = TbSoftBuffer::new();
    let mut llr_of = |rv: usize| {
        let p = Params { rv, ..p0.clone() };
        let mut b = Vec::new();
        enc.encode(&tb, &p, &mut b).unwrap();
        b.iter()
            .map(|&x| if x == 0 { 1.5 } else { -1.5 })
            .collect::<Vec<f32>>()
    };
    let l0 = llr_of(0);
    let l2 = llr_of(2);
    let first = dec.decode(&l0, &p0, 8, Some(&mut harq)).unwrap();
    assert!(!first.crc_ok, "rate > 1 should not decode alone");
    let p2 = Params {
        rv: 2,
        ..p0.clone()
    };
    let second = dec.decode(&l2, &p2, 8, Some(&mut harq)).unwrap();
    assert_eq!(harq.transmissions(), 2);
    assert!(second.crc_ok);
    assert_eq!(second.tb, tb);
}

#[test]
fn segmentation_multi_block_roundtrip_64qam() {
    let t = tbs::tbs(26, 25).unwrap(); // 18336 bits → 3 code blocks
    let p = Params {
        tbs: t,
        modulation: Modulation::Qam64,
        rv: 0,
        g: 25 * 12 * 11 * 6,
        n_l: 1,
        soft_buffer: SoftBufferLimit::Limited {
            n_soft: 1_237_248,
            k_c: 1,
            k_mimo: 1,
            m_dl_harq: 8,
        },
        c_init: Some(dlsch::pdsch_c_init(61, 0, 0, 42)),
    };
    let tb: Vec<u8> = (0..t / 8).map(|i| (i * 31 % 256) as u8).collect();
    let mut b = Vec::new();
    dlsch::Encoder::new().encode(&tb, &p, &mut b).unwrap();
    let llr: Vec<f32> = b.iter().map(|&x| if x == 0 { 5.0 } else { -5.0 }).collect();
    let out = dlsch::Decoder::new().decode(&llr, &p, 4, None).unwrap();
    assert_eq!(out.cb_crc_ok.len(), 3);
    assert!(out.crc_ok && out.cb_crc_ok.iter().all(|&x| x));
    assert_eq!(out.tb, tb);
    // Bad inputs are errors.
    assert!(dlsch::Decoder::new()
        .decode(&llr[1..], &p, 4, None)
        .is_err());
    assert!(dlsch::Encoder::new().encode(&tb[1..], &p, &mut b).is_err());
    let bad = Params { rv: 4, ..p.clone() };
    assert!(dlsch::Encoder::new().encode(&tb, &bad, &mut b).is_err());
}

fn gauss(rng: &mut impl rand::Rng) -> f32 {
    let u1: f32 = 1.0 - rng.gen::<f32>();
    let u2: f32 = rng.gen::<f32>();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

#[test]
fn simd_levels_bit_identical_and_close_to_oracle() {
    use rand::SeedableRng;
    const SEED: u64 = 0x5eed;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
    for k in [1024usize, 6144] {
        let c: Vec<u8> = (0..k).map(|_| rng.gen_range(0..2u8)).collect();
        let mut d = vec![0u8; 3 * (k + 4)];
        turbo::encode(&c, &mut d).unwrap();
        // Eb/N0 ≈ 1.0 dB, rate 1/3.
        let sigma = (1.0f32 / (2.0 * 10f32.powf(0.1) / 3.0)).sqrt();
        let llr: Vec<f32> = d
            .iter()
            .map(|&b| 2.0 / (sigma * sigma) * (1.0 - 2.0 * f32::from(b) + sigma * gauss(&mut rng)))
            .collect();
        let mut outs = Vec::new();
        for (lv, lanes) in [
            (SimdLevel::Portable, 16),
            (SimdLevel::Portable, 32),
            (SimdLevel::Avx2, 16),
            (SimdLevel::Sse41, 16),
            (SimdLevel::Avx512, 32),
        ] {
            let Ok(mut dec) = FixedDecoder::with_level(k, lv, lanes) else {
                eprintln!("{lv:?} not supported here");
                continue;
            };
            let mut out = vec![0u8; k];
            dec.decode(&llr, 0, 6, Algorithm::MaxLogScaled, &mut out, None)
                .unwrap();
            outs.push((lanes, out));
        }
        for (lanes, o) in &outs {
            let same = outs.iter().find(|(l, _)| l == lanes).unwrap();
            assert_eq!(o, &same.1, "levels with {lanes} lanes disagree");
        }
        let mut oracle = ScalarDecoder::new(k).unwrap();
        let mut out = vec![0u8; k];
        oracle
            .decode(&llr, 6, Algorithm::MaxLogScaled, &mut out, None)
            .unwrap();
        assert_eq!(out, c, "oracle at 1 dB");
        for (_, o) in &outs {
            assert_eq!(o, &c, "fixed decoder at 1 dB");
        }
    }
}

use rand::Rng;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn encode_ratematch_dematch_decode_identity(
        ki in 0usize..188, e_extra in 0usize..3000, rv in 0usize..4, seed in any::<u64>()
    ) {
        use rand::SeedableRng;
        let k = turbo::block_sizes().nth(ki).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let c: Vec<u8> = (0..k).map(|_| rng.gen_range(0..2u8)).collect();
        let mut d = vec![0u8; 3 * (k + 4)];
        turbo::encode(&c, &mut d).unwrap();
        let rm = TurboRateMatcher::new(k, 0, None).unwrap();
        // E covers the whole circular buffer from any rv (every bit sent at least once,
        // some repeated), so noiseless decoding must succeed whatever the rv.
        let e_len = rm.n_cb() + e_extra;
        let mut e = vec![0u8; e_len];
        rm.rate_match(&d, rv, &mut e).unwrap();
        let llr: Vec<f32> = e.iter().map(|&b| if b == 0 { 3.0 } else { -3.0 }).collect();
        let mut dl = vec![0f32; d.len()];
        rm.dematch_add(&llr, rv, &mut dl).unwrap();
        let mut out = vec![0u8; k];
        FixedDecoder::new(k).unwrap().decode(&dl, 0, 8, Algorithm::MaxLogScaled, &mut out, None).unwrap();
        prop_assert_eq!(&out, &c);
        let mut out2 = vec![0u8; k];
        ScalarDecoder::new(k).unwrap().decode(&dl, 8, Algorithm::MaxLog, &mut out2, None).unwrap();
        prop_assert_eq!(&out2, &c);
    }

    #[test]
    fn decoders_never_panic(vals in proptest::collection::vec(prop_oneof![
        Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY), Just(f32::MAX),
        Just(-f32::MAX), Just(0.0f32), -1e6f32..1e6f32], 132)) {
        let mut out = vec![0u8; 40];
        FixedDecoder::new(40).unwrap().decode(&vals, 0, 3, Algorithm::MaxLog, &mut out, None).unwrap();
        FixedDecoder::new(40).unwrap().decode(&vals, 7, 2, Algorithm::MaxLogScaled, &mut out, None).unwrap();
        ScalarDecoder::new(40).unwrap().decode(&vals, 2, Algorithm::LogMap, &mut out, None).unwrap();
    }
}
