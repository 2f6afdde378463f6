//! Bit-exact checks of the channel-coding building blocks against the 36.212 reference
//! vectors in `../shared/refdata/lte/spec/` (CRC, QPP, turbo encoder, sub-block
//! interleavers, turbo and convolutional rate matching).

use std::path::PathBuf;

use lastmile_phy::fec::crc::{Crc, CrcKind};
use lastmile_phy::fec::ratematch::{ConvRateMatcher, TurboRateMatcher};
use lastmile_phy::fec::{subblock, turbo};
use lastmile_phy::sequence::gold_sequence;
use serde_json::Value;

/// The refdata directory, or `None` (with a printed reason) outside CI when it is absent.
/// Under `CI=true` a missing directory fails the test.
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

fn json(rel: &str) -> Option<Value> {
    let p = refdata()?.join(rel);
    let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Some(serde_json::from_str(&s).expect("valid JSON"))
}

fn bits(v: &Value) -> Vec<u8> {
    v.as_str()
        .expect("bit string")
        .bytes()
        .map(|b| b - b'0')
        .collect()
}

fn usize_of(v: &Value) -> usize {
    v.as_u64()
        .map(|x| x as usize)
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .expect("integer")
}

#[test]
fn crc_vectors() {
    let Some(j) = json("lte/spec/crc_36212_5.1.1.json") else {
        return;
    };
    let mut n = 0;
    for v in j["vectors"].as_array().unwrap() {
        let kind = match v["crc"].as_str().unwrap() {
            "CRC24A" => CrcKind::Crc24A,
            "CRC24B" => CrcKind::Crc24B,
            "CRC16" => CrcKind::Crc16,
            "CRC8" => CrcKind::Crc8,
            k => panic!("unknown {k}"),
        };
        let m = bits(&v["message_bits"]);
        let want = u32::from_str_radix(
            v["value_hex"].as_str().unwrap().trim_start_matches("0x"),
            16,
        )
        .unwrap();
        assert_eq!(Crc::new(kind).checksum_bits(&m), want, "{v}");
        n += 1;
    }
    assert!(n >= 16, "only {n} CRC vectors");
}

#[test]
fn qpp_table_matches_csv() {
    let Some(r) = refdata() else { return };
    let s = std::fs::read_to_string(r.join("lte/spec/turbo_qpp_36212_table_5.1.3-3.csv")).unwrap();
    let mut n = 0;
    for line in s.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<usize> = line.split(',').map(|x| x.trim().parse().unwrap()).collect();
        assert_eq!(turbo::qpp_params(f[1]), Some((f[2], f[3])), "K={}", f[1]);
        n += 1;
    }
    assert_eq!(n, 188);
    assert_eq!(turbo::block_sizes().count(), 188);
}

#[test]
fn turbo_encoder_vectors() {
    let Some(j) = json("lte/spec/turbo_encoder_36212_5.1.3.2.json") else {
        return;
    };
    let vs = j["vectors"].as_array().unwrap();
    assert!(vs.len() >= 4);
    for v in vs {
        let k = usize_of(&v["K"]);
        let c = bits(&v["input"]);
        assert_eq!(c, gold_sequence(k as u32, k), "input source K={k}");
        let mut d = vec![0u8; 3 * (k + 4)];
        turbo::encode(&c, &mut d).unwrap();
        let dl = k + 4;
        assert_eq!(d[..dl], bits(&v["d0"])[..], "d0 K={k}");
        assert_eq!(d[dl..2 * dl], bits(&v["d1"])[..], "d1 K={k}");
        assert_eq!(d[2 * dl..], bits(&v["d2"])[..], "d2 K={k}");
    }
}

#[test]
fn subblock_interleaver_maps() {
    let Some(j) = json("lte/spec/subblock_interleaver_36212_5.1.4.json") else {
        return;
    };
    let p: Vec<usize> = j["P_turbo_table_5.1.4-1"]
        .as_array()
        .unwrap()
        .iter()
        .map(usize_of)
        .collect();
    assert_eq!(p, subblock::P_TURBO);
    let p: Vec<usize> = j["P_conv_table_5.1.4-2"]
        .as_array()
        .unwrap()
        .iter()
        .map(usize_of)
        .collect();
    assert_eq!(p, subblock::P_CONV);
    let to_map = |v: &Value| -> Vec<Option<u32>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let i = x.as_i64().unwrap();
                (i >= 0).then_some(i as u32)
            })
            .collect()
    };
    let ex = j["examples"].as_array().unwrap();
    assert_eq!(ex.len(), 4);
    for e in ex {
        let d = usize_of(&e["D"]);
        let g = subblock::Geometry::new(d);
        assert_eq!(g.rows, usize_of(&e["R_TC"]));
        assert_eq!(g.k_pi, usize_of(&e["K_PI"]));
        assert_eq!(g.n_null, usize_of(&e["N_D"]));
        assert_eq!(
            subblock::turbo_map(d, 0),
            to_map(&e["v01_source_index"]),
            "D={d}"
        );
        assert_eq!(
            subblock::turbo_map(d, 1),
            to_map(&e["v01_source_index"]),
            "D={d}"
        );
        assert_eq!(
            subblock::turbo_map(d, 2),
            to_map(&e["v2_source_index"]),
            "D={d}"
        );
    }
}

#[test]
fn turbo_rate_matching_vectors() {
    let Some(j) = json("lte/spec/rate_matching_turbo_36212_5.1.4.1.json") else {
        return;
    };
    let vs = j["vectors"].as_array().unwrap();
    assert_eq!(vs.len(), 40);
    for v in vs {
        let k = usize_of(&v["K"]);
        let e_len = usize_of(&v["E"]);
        let rv = usize_of(&v["rv"]);
        let c = gold_sequence(k as u32, k);
        let mut d = vec![0u8; 3 * (k + 4)];
        turbo::encode(&c, &mut d).unwrap();
        let rm = TurboRateMatcher::new(k, 0, Some(usize_of(&v["N_cb"]))).unwrap();
        assert_eq!(rm.rows(), usize_of(&v["R_TC"]));
        assert_eq!(rm.k_pi(), usize_of(&v["K_PI"]));
        assert_eq!(rm.k_w(), usize_of(&v["K_w"]));
        assert_eq!(rm.k0(rv), usize_of(&v["k0"]));
        let mut e = vec![0u8; e_len];
        rm.rate_match(&d, rv, &mut e).unwrap();
        assert_eq!(e, bits(&v["e"]), "K={k} E={e_len} rv={rv}");
        // Dematching puts every received bit back where it came from.
        let llr: Vec<f32> = e.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
        let mut dl = vec![0f32; d.len()];
        rm.dematch_add(&llr, rv, &mut dl).unwrap();
        for (x, b) in dl.iter().zip(&d) {
            assert!(
                *x == 0.0 || (*x < 0.0) == (*b == 1),
                "K={k} E={e_len} rv={rv}"
            );
        }
    }
}

#[test]
fn conv_rate_matching_bch_vectors() {
    let Some(j) = json("lte/spec/bch_pbch_36212_5.3.1.json") else {
        return;
    };
    let vs = j["vectors"].as_array().unwrap();
    assert!(vs.len() >= 18);
    for v in vs {
        let d0 = bits(&v["d0"]);
        let mut d = d0.clone();
        d.extend(bits(&v["d1"]));
        d.extend(bits(&v["d2"]));
        let want = bits(&v["e"]);
        let rm = ConvRateMatcher::new(d0.len()).unwrap();
        let mut e = vec![0u8; want.len()];
        rm.rate_match(&d, &mut e).unwrap();
        assert_eq!(e, want, "{}", v["description"]);
        let llr: Vec<f32> = e.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
        let mut dl = vec![0f32; d.len()];
        rm.dematch_add(&llr, &mut dl).unwrap();
        for (x, b) in dl.iter().zip(&d) {
            assert!((*x < 0.0) == (*b == 1) && *x != 0.0);
        }
    }
}
