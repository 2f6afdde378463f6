//! Cell search on the real eNB captures of ../shared/refdata/lte/iq (see its README).

use std::path::PathBuf;

use lastmile_phy::cellsearch::{search, Cell, SearchConfig};
use lastmile_phy::mib::{PhichDuration, PhichResource};
use lastmile_phy::Complex32;

fn capture(name: &str) -> Option<Vec<Complex32>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/refdata/lte/iq")
        .join(name);
    if !p.exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("capture missing under CI: {}", p.display());
        }
        eprintln!("skipping: {} not found (outside CI)", p.display());
        return None;
    }
    let b = std::fs::read(p).unwrap();
    Some(
        b.chunks_exact(8)
            .map(|c| {
                Complex32::new(
                    f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                    f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
                )
            })
            .collect(),
    )
}

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
