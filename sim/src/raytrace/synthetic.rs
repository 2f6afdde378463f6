//! The synthetic rural tile of the peer comparison (`peer_synthetic/README.md` in the shared
//! reference data), generated in-process so benchmarks and examples need no Python.
//!
//! SRTM-3 tile `N40W100`: 1201 × 1201 samples, row 0 at 41°N, column 0 at 100°W, 3″ spacing,
//! with local km coordinates `y = (lat − 40.5)·111.2`, `x = (lon + 99.5)·111.2·cos 40.5°` and
//! `z = 400 + 0.8x + 0.5y + Σ hills + ridge + 12·sin(x/1.7)·cos(y/2.3)`, rounded half-to-even
//! to integer metres. The operations follow the reference script's order so the result is
//! bit-identical to its `.hgt` (checked by a test against `make_tile.py`).

use crate::terrain::Dem;

/// Samples per side.
pub const N: usize = 1201;
/// TX of the peer links: latitude, longitude (degrees), height above ground (m).
pub const PEER_TX: (f64, f64, f64) = (40.5, -99.5, 30.0);

const HILLS: [(f64, f64, f64, f64); 5] = [
    (8.0, 5.0, 250.0, 3.0),
    (-10.0, -6.0, 320.0, 4.0),
    (15.0, -12.0, 180.0, 2.5),
    (-18.0, 14.0, 400.0, 5.0),
    (3.0, -20.0, 220.0, 3.0),
];

/// Elevation (m, before rounding) of the generator at row `r`, column `c`.
pub fn elevation_raw(r: usize, c: usize) -> f64 {
    let lat = 41.0 - r as f64 / 1200.0;
    let lon = -100.0 + c as f64 / 1200.0;
    let y = (lat - 40.5) * 111.2;
    let x = (lon + 99.5) * 111.2 * 40.5f64.to_radians().cos();
    let mut z = 400.0 + 0.8 * x + 0.5 * y;
    for (hx, hy, h, s) in HILLS {
        z += h * (-((x - hx).powi(2) + (y - hy).powi(2)) / (2.0 * s * s)).exp();
    }
    z += 150.0
        * (-((x + 5.0).powi(2)) / (2.0 * 1.2f64.powi(2))).exp()
        * (-((y - 2.0).powi(2)) / (2.0 * 15f64.powi(2))).exp();
    z + 12.0 * (x / 1.7).sin() * (y / 2.3).cos()
}

/// The tile as big-endian int16 `.hgt` bytes (2,884,802 bytes).
pub fn hgt_bytes() -> Vec<u8> {
    let mut out = Vec::with_capacity(N * N * 2);
    for r in 0..N {
        for c in 0..N {
            let v = elevation_raw(r, c).round_ties_even() as i16;
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out
}

/// The tile as a [`Dem`] (same values as reading the `.hgt`).
pub fn dem() -> Dem {
    let mut data = Vec::with_capacity(N * N);
    for r in 0..N {
        for c in 0..N {
            data.push(f32::from(elevation_raw(r, c).round_ties_even() as i16));
        }
    }
    Dem {
        south_deg: 40.0,
        west_deg: -100.0,
        step_lat_deg: 1.0 / 1200.0,
        step_lon_deg: 1.0 / 1200.0,
        rows: N,
        cols: N,
        data,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn readme_facts() {
        let d = super::dem();
        assert_eq!(d.at(600, 600), 406.0);
        let (lo, hi) = d
            .data
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        assert_eq!((lo, hi), (331.0, 804.0));
    }
}
