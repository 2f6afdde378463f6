//! Shared helpers of the phy integration tests. Each test crate uses only some of them.
#![allow(dead_code)]

use std::path::PathBuf;

use lastmile_phy::mib::PhichResource;
use lastmile_phy::numerology::CyclicPrefix;
use lastmile_phy::pdsch::{CellConfig, Transmitter};
use lastmile_phy::Complex32;

/// Reads a little-endian cf32 capture from `../shared/refdata/lte/iq/NAME`. Outside CI a
/// missing file skips the test (returns `None` with a printed reason); under `CI=true` it fails.
pub fn capture(name: &str) -> Option<Vec<Complex32>> {
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

/// One frame (ten subframes) from our transmitter at 1.92 Msps: 6 PRB, normal CP, PHICH one,
/// `ports` antenna ports summed with unit gains, SFN 3, CFI `cfi`, no PDSCH.
pub fn synthetic_frame(pci: u16, ports: usize, cfi: u8) -> Vec<Complex32> {
    let cell = CellConfig {
        pci,
        n_prb: 6,
        cp: CyclicPrefix::Normal,
        ports,
        phich_resource: PhichResource::One,
    };
    let mut tx = Transmitter::new(cell, 1.92e6).unwrap();
    let gains = vec![Complex32::new(1.0, 0.0); ports];
    (0..10)
        .flat_map(|sf| tx.subframe(sf, 3, cfi, &gains, None).unwrap())
        .collect()
}
