//! SRTM `.hgt` directories: stitching across a tile edge, missing tiles, voids, corrupt and
//! short files. Tiles are written here into temporary directories.

use std::io::Write;
use std::path::Path;

use lastmile_sim::terrain::{Dem, Terrain, TerrainError, HGT_VOID};

const N3: usize = 1201;

/// Write an SRTM tile of `n × n` big-endian samples `f(row, col)`.
fn write_hgt(dir: &Path, name: &str, n: usize, f: impl Fn(usize, usize) -> i16) {
    let mut buf = Vec::with_capacity(n * n * 2);
    for r in 0..n {
        for c in 0..n {
            buf.extend_from_slice(&f(r, c).to_be_bytes());
        }
    }
    std::fs::File::create(dir.join(name))
        .unwrap()
        .write_all(&buf)
        .unwrap();
}

/// The plane z = 300 + G + 2·R in global SRTM3 sample indices (G east from 100°W, R south
/// from 41°N): integer at every sample, so bilinear interpolation reproduces it exactly.
fn plane(lat: f64, lon: f64) -> f64 {
    300.0 + (lon + 100.0) * 1200.0 + 2.0 * (41.0 - lat) * 1200.0
}

/// Tile with south-west corner (40, west) sampled from [`plane`].
fn plane_tile(dir: &Path, west: i32) {
    let name = lastmile_sim::terrain::tile_name(40, west);
    let g0 = ((west + 100) * 1200) as usize;
    write_hgt(dir, &name, N3, |r, c| (300 + g0 + c + 2 * r) as i16);
}

fn two_tiles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    plane_tile(dir.path(), -100);
    plane_tile(dir.path(), -99);
    dir
}

#[test]
fn stitched_across_tile_edge() {
    let dir = two_tiles();
    let t = Terrain::srtm_dir(dir.path()).unwrap();
    // Points on both sides of, and exactly on, the 99°W edge.
    for &(lat, lon) in &[
        (40.3, -99.0001),
        (40.3, -99.0),
        (40.3, -98.9999),
        (40.77, -99.5),
        (40.77, -98.5),
        (41.0, -99.0),
        (40.0, -98.0),
    ] {
        let z = t.elevation(lat, lon).unwrap();
        assert!((z - plane(lat, lon)).abs() < 1e-6, "{lat},{lon}: {z}");
    }
    // A profile across the edge, sampled exactly along a parallel-crossing great circle.
    let p = t.profile(40.3, -99.4, 40.35, -98.6, Some(50.0)).unwrap();
    let n = p.elevations_m.len();
    assert!(n > 1000);
    assert!((p.elevations_m[0] - plane(40.3, -99.4)).abs() < 1e-6);
    assert!((p.elevations_m[n - 1] - plane(40.35, -98.6)).abs() < 1e-6);
    // No jump at the seam: consecutive points differ by at most the plane's slope × spacing.
    let max_step = p
        .elevations_m
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f64::max);
    // |∇z| ≈ 1200 m/° east and 2400 m/° south; 50 m is at most ~0.00059° of longitude.
    assert!(max_step < 1.0, "max step {max_step} m");
    assert_eq!(t.input_files().len(), 2);
    let b = t.bounds();
    assert_eq!(
        (b.south_deg, b.north_deg, b.west_deg, b.east_deg),
        (40.0, 41.0, -100.0, -98.0)
    );
    // SRTM3 native spacing: 3″ of latitude, and the east–west one at 40.5°.
    let ns = 6_371_000.0 * (3.0f64 / 3600.0).to_radians();
    assert!((t.spacing_along_m(40.5, 0.0) - ns).abs() < 1e-6);
    assert!((t.spacing_m(40.5) - ns * 40.5f64.to_radians().cos()).abs() < 1e-6);
}

#[test]
fn missing_neighbour_names_the_tile() {
    let dir = two_tiles();
    let t = Terrain::srtm_dir(dir.path()).unwrap();
    let e = t.elevation(40.5, -97.5).unwrap_err();
    match &e {
        TerrainError::MissingTile { expected, .. } => {
            assert_eq!(expected, &dir.path().join("N40W098.hgt"))
        }
        other => panic!("expected MissingTile, got {other:?}"),
    }
    assert!(e.to_string().contains("N40W098.hgt"), "{e}");
    // A profile running off the east edge fails the same way, never flat.
    let e = t.profile(40.5, -98.5, 40.5, -97.5, None).unwrap_err();
    assert!(e.to_string().contains("N40W098.hgt"), "{e}");
    // North of the tiles.
    let e = t.elevation(41.5, -99.5).unwrap_err();
    assert!(e.to_string().contains("N41W100.hgt"), "{e}");
}

#[test]
fn voids_small_filled_large_reported() {
    let dir = tempfile::tempdir().unwrap();
    let small = |r: usize, c: usize| (500..503).contains(&r) && (600..604).contains(&c);
    let large = |r: usize, c: usize| (100..140).contains(&r) && (100..140).contains(&c);
    write_hgt(dir.path(), "N40W100.hgt", N3, |r, c| {
        if small(r, c) || large(r, c) {
            HGT_VOID
        } else {
            (300 + c + 2 * r) as i16
        }
    });
    let t = Terrain::srtm_dir(dir.path()).unwrap();
    // Inside the small void: filled from the plane around it (exactly, see voids docs).
    let (lat, lon) = (41.0 - 501.5 / 1200.0, -100.0 + 601.5 / 1200.0);
    let z = t.elevation(lat, lon).unwrap();
    assert!(
        (z - plane(lat, lon)).abs() < 1e-3,
        "{z} vs {}",
        plane(lat, lon)
    );
    // Inside the large void: an error naming the tile, never 0.
    let (lat, lon) = (41.0 - 120.0 / 1200.0, -100.0 + 120.0 / 1200.0);
    let e = t.elevation(lat, lon).unwrap_err();
    assert!(matches!(e, TerrainError::Void { .. }), "{e:?}");
    assert!(e.to_string().contains("N40W100.hgt"), "{e}");
    // Next to it, fine.
    let (lat, lon) = (41.0 - 150.0 / 1200.0, -100.0 + 120.0 / 1200.0);
    assert!((t.elevation(lat, lon).unwrap() - plane(lat, lon)).abs() < 1e-6);
    // Dem::read_hgt keeps raw voids as NaN.
    let dem = Dem::read_hgt(&dir.path().join("N40W100.hgt")).unwrap();
    assert!(dem.at(501, 601).is_nan());
}

#[test]
fn short_and_corrupt_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("N40W100.hgt");
    std::fs::write(&path, vec![0u8; 1000]).unwrap();
    let e = Terrain::srtm_dir(dir.path()).unwrap_err();
    assert!(matches!(e, TerrainError::Format { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("N40W100.hgt") && msg.contains("1000 bytes"),
        "{msg}"
    );
    let e = Dem::read_hgt(&path).unwrap_err();
    assert!(e.to_string().contains("1000 bytes"), "{e}");

    // A truncated SRTM3 tile (one sample short).
    std::fs::write(&path, vec![0u8; N3 * N3 * 2 - 2]).unwrap();
    assert!(Terrain::srtm_dir(dir.path())
        .unwrap_err()
        .to_string()
        .contains("truncated"));

    // Right size, wrong byte order: 406 m little-endian reads as −27135 m big-endian.
    let mut buf = Vec::with_capacity(N3 * N3 * 2);
    for _ in 0..N3 * N3 {
        buf.extend_from_slice(&406i16.to_le_bytes());
    }
    std::fs::write(&path, &buf).unwrap();
    let t = Terrain::srtm_dir(dir.path()).unwrap(); // sizes and names are fine…
    let e = t.elevation(40.5, -99.5).unwrap_err(); // …the samples are not
    assert!(matches!(e, TerrainError::Format { .. }), "{e:?}");
    assert!(
        e.to_string().contains("N40W100.hgt") && e.to_string().contains("corrupt"),
        "{e}"
    );
    assert!(Dem::read_hgt(&path).is_err());

    // Not a tile name.
    std::fs::remove_file(&path).unwrap();
    std::fs::write(dir.path().join("dem.hgt"), vec![0u8; N3 * N3 * 2]).unwrap();
    let e = Terrain::srtm_dir(dir.path()).unwrap_err();
    assert!(e.to_string().contains("N40W100.hgt"), "{e}"); // says what a name looks like

    // No tiles, no directory.
    let empty = tempfile::tempdir().unwrap();
    assert!(Terrain::srtm_dir(empty.path())
        .unwrap_err()
        .to_string()
        .contains("no SRTM"));
    assert!(matches!(
        Terrain::srtm_dir(empty.path().join("nope")).unwrap_err(),
        TerrainError::Io { .. }
    ));
}

#[test]
fn srtm1_tile_and_mixed_resolutions() {
    let dir = tempfile::tempdir().unwrap();
    // SRTM1 (1″) tile N40W100 with z = 100 + c − r (global 1″ indices), SRTM3 tile east of it.
    write_hgt(dir.path(), "N40W100.hgt", 3601, |r, c| {
        (4000 + c as i32 - r as i32) as i16
    });
    write_hgt(dir.path(), "N40W099.hgt", N3, |_, _| 250);
    let t = Terrain::srtm_dir(dir.path()).unwrap();
    let z1 = |lat: f64, lon: f64| 4000.0 + (lon + 100.0) * 3600.0 - (41.0 - lat) * 3600.0;
    for &(lat, lon) in &[(40.5, -99.5), (40.123_456, -99.987_654), (41.0, -100.0)] {
        assert!((t.elevation(lat, lon).unwrap() - z1(lat, lon)).abs() < 1e-6);
    }
    assert_eq!(t.elevation(40.5, -98.5).unwrap(), 250.0);
    let (slat, _) = t.step_deg();
    assert!((slat - 1.0 / 3600.0).abs() < 1e-15);
}

#[test]
fn shared_across_threads() {
    let dir = two_tiles();
    let t = Terrain::srtm_dir(dir.path()).unwrap();
    let results: Vec<f64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let t = &t;
                s.spawn(move || t.elevation(40.1 + 0.2 * i as f64, -99.3).unwrap())
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, z) in results.iter().enumerate() {
        assert!((z - plane(40.1 + 0.2 * i as f64, -99.3)).abs() < 1e-6);
    }
}
