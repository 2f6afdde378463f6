//! Cell search on the real eNB captures of ../shared/refdata/lte/iq (see its README).

use lastmile_phy::cellsearch::{search, Cell, SearchConfig};
use lastmile_phy::mib::{PhichDuration, PhichResource};
use lastmile_phy::Complex32;

mod common;
use common::capture;

fn find(x: &[Complex32], rate: f64) -> Vec<Cell> {
    let cells = search(x, rate, &SearchConfig::default()).unwrap();
    for c in &cells {
        eprintln!("{c:?}");
    }
    cells
}

#[test]
fn srsran_capture_pci150_mib() {
    let Some(x) = capture("signal.1.92M.dat") else {
        return;
    };
    let cells = find(&x, 1.92e6);
    let c = &cells[0];
    assert_eq!((c.pci, c.n_id_1, c.n_id_2), (150, 50, 0));
    assert_eq!(c.subframe, 0);
    assert_eq!(c.sample_offset, 0);
    assert!((c.cfo_hz + 253.0).abs() < 150.0, "cfo {}", c.cfo_hz);
    let m = c.mib.expect("MIB");
    assert_eq!(m.mib.n_prb, 50);
    assert_eq!(m.mib.phich_duration, PhichDuration::Normal);
    assert_eq!(m.mib.phich_resource, PhichResource::One);
    assert_eq!(m.sfn, 28);
    assert_eq!(m.ports, 2);
}

#[test]
fn srsran_10mhz_capture_pci150_no_mib() {
    let Some(x) = capture("signal.10M.dat") else {
        return;
    };
    let cells = find(&x, 15.36e6);
    let c = &cells[0];
    assert_eq!(c.pci, 150);
    assert_eq!(c.subframe, 0);
    assert!(
        (c.sample_offset + 4).abs() <= 1,
        "offset {}",
        c.sample_offset
    );
    assert!(c.mib.is_none());
}

#[test]
fn amarisoft_capture_pci1() {
    let Some(x) = capture("signal.1.92M.amar.dat") else {
        return;
    };
    let cells = find(&x, 1.92e6);
    let c = &cells[0];
    assert_eq!((c.pci, c.n_id_1, c.n_id_2), (1, 0, 1));
    assert_eq!(c.sample_offset, 0);
    let m = c.mib.expect("MIB");
    assert_eq!(m.mib.n_prb, 6);
    assert_eq!(m.ports, 1);
}

fn hex(bits: &[u8]) -> String {
    bits.chunks(8)
        .map(|c| format!("{:02x}", c.iter().fold(0u8, |v, &b| (v << 1) | b)))
        .collect()
}

/// The refdata README says CFI 2 for this file, but srsRAN's own `pcfich_file_test`
/// (lib/src/phy/phch/test/pcfich_file_test.c) exits 0 only for `cfi == 1` with a
/// correlation above 2.8, and our decoder finds CFI 1 with all 32 code bits agreeing for
/// 2 ports (every other port/subframe hypothesis correlates below 0.5). We follow srsRAN's
/// test and the data.
#[test]
fn srsran_10mhz_capture_cfi() {
    let Some(x) = capture("signal.10M.dat") else {
        return;
    };
    let cells = find(&x, 15.36e6);
    let (cfg, sfs) =
        lastmile_phy::pdsch::receive_capture(&x, 15.36e6, &cells[0], &[], true).unwrap();
    eprintln!("{cfg:?} {sfs:?}");
    assert_eq!(cfg.n_prb, 50);
    assert!(!sfs.is_empty());
    assert_eq!(cfg.ports, 2);
    assert_eq!(sfs[0].rx.cfi.0, 1);
    assert!(sfs[0].rx.cfi.1 > 0.9);
}

#[test]
fn amarisoft_cfi3_and_sib_decode() {
    let Some(x) = capture("signal.1.92M.amar.dat") else {
        return;
    };
    let cells = find(&x, 1.92e6);
    let (cfg, sfs) =
        lastmile_phy::pdsch::receive_capture(&x, 1.92e6, &cells[0], &[0xFFFF], false).unwrap();
    for s in &sfs {
        eprintln!(
            "sf {} cfi {:?} blocks {:?}",
            s.index,
            s.rx.cfi,
            s.rx.blocks
                .iter()
                .map(|b| (b.rnti, b.tbs, b.crc_ok, hex(&b.payload)))
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(cfg.ports, 1);
    assert!(sfs.iter().all(|s| s.rx.cfi.0 == 3));
    let sf2 = sfs.iter().find(|s| s.index == 2).unwrap();
    let b = sf2
        .rx
        .blocks
        .iter()
        .find(|b| b.rnti == 0xFFFF)
        .expect("SI DCI");
    assert_eq!(b.dci.format().name(), "1A");
    assert_eq!(b.cce.0, 0);
    assert_eq!(b.tbs, 256);
    assert!(b.crc_ok);
    assert_eq!(
        hex(&b.payload),
        "00800c61bc8ca883d601ba01000408019739dcb2d5425c700308518b613a9690"
    );
}

/// The captures modified: ±5 kHz frequency offset, a sample offset, a scale change and
/// added white noise; the PCI, MIB and (Amarisoft) SI block must survive.
#[test]
fn modified_captures_still_decode() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0xCAFE);
    let modify = |x: &[Complex32],
                  cfo_hz: f64,
                  delay: usize,
                  scale: f32,
                  noise: f32,
                  rng: &mut rand_chacha::ChaCha8Rng| {
        let mut y: Vec<Complex32> = vec![Complex32::default(); delay];
        y.extend_from_slice(x);
        for (i, v) in y.iter_mut().enumerate() {
            let ph = 2.0 * std::f64::consts::PI * cfo_hz * i as f64 / 1.92e6;
            let n =
                Complex32::new(rng.gen_range(-1.0f32..1.0), rng.gen_range(-1.0f32..1.0)) * noise;
            *v = (*v * Complex32::new(ph.cos() as f32, ph.sin() as f32) + n) * scale;
        }
        y
    };
    if let Some(x) = capture("signal.1.92M.dat") {
        let p: f32 = x.iter().map(|v| v.norm_sqr()).sum::<f32>() / x.len() as f32;
        for cfo in [-5000.0, 5000.0] {
            let y = modify(&x, cfo, 0, 0.01, 0.1 * p.sqrt(), &mut rng);
            let c = &find(&y, 1.92e6)[0];
            assert_eq!(c.pci, 150);
            assert_eq!(c.mib.expect("MIB").sfn, 28, "cfo {cfo}");
        }
    }
    if let Some(x) = capture("signal.1.92M.amar.dat") {
        let p: f32 = x.iter().map(|v| v.norm_sqr()).sum::<f32>() / x.len() as f32;
        for (cfo, delay) in [(5000.0, 1234usize), (-5000.0, 77)] {
            let y = modify(&x, cfo, delay, 300.0, 0.3 * p.sqrt(), &mut rng);
            let cells = find(&y, 1.92e6);
            assert_eq!(cells[0].pci, 1);
            let (_, sfs) =
                lastmile_phy::pdsch::receive_capture(&y, 1.92e6, &cells[0], &[0xFFFF], false)
                    .unwrap();
            let b = sfs
                .iter()
                .flat_map(|s| s.rx.blocks.iter())
                .find(|b| b.tbs == 256)
                .expect("SI block");
            assert!(b.crc_ok, "cfo {cfo}");
            assert_eq!(
                hex(&b.payload),
                "00800c61bc8ca883d601ba01000408019739dcb2d5425c700308518b613a9690"
            );
        }
    }
}
