//! Shared helpers of the phy integration tests.

use std::path::PathBuf;

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
