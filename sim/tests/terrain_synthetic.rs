//! Synthetic terrain (determinism across thread counts, realistic relief), profiles on a tilted
//! plane, and great-circle helpers against published worked examples.

use lastmile_sim::terrain::{azimuth_deg, destination, distance_m, Dem, Terrain};

const SEED: u64 = 20_261_128;

fn dms(d: f64, m: f64, s: f64) -> f64 {
    d.signum() * (d.abs() + m / 60.0 + s / 3600.0)
}

fn synth_in_pool(threads: usize) -> Dem {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| {
            Terrain::synthetic(SEED, 40.5, -99.5, 8.0)
                .unwrap()
                .dem()
                .unwrap()
                .clone()
        })
}

#[test]
fn synthetic_is_bit_identical_across_thread_counts() {
    let a = synth_in_pool(1);
    let b = synth_in_pool(3);
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.cols, b.cols);
    assert!(a
        .data
        .iter()
        .zip(&b.data)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
    // Same seed, same point, whatever the extent asked for.
    let small = Terrain::synthetic(SEED, 40.5, -99.5, 2.0).unwrap();
    let big = Terrain::synthetic(SEED, 40.5, -99.5, 8.0).unwrap();
    let (sd, bd) = (small.dem().unwrap(), big.dem().unwrap());
    assert_eq!(sd.step_lat_deg, bd.step_lat_deg);
    let (lat, lon) = (40.51, -99.49);
    assert!((small.elevation(lat, lon).unwrap() - big.elevation(lat, lon).unwrap()).abs() < 1e-3);
    // Another seed, other terrain.
    let other = Terrain::synthetic(SEED + 1, 40.5, -99.5, 2.0).unwrap();
    assert!((other.elevation(lat, lon).unwrap() - small.elevation(lat, lon).unwrap()).abs() > 1e-3);
}

#[test]
fn synthetic_relief_is_rural_hills_not_flat() {
    let t = Terrain::synthetic(SEED, 40.5, -99.5, 20.0).unwrap();
    let dem = t.dem().unwrap();
    // Covers the asked extent (20 km each way) at 1″.
    let b = t.bounds();
    assert!(distance_m(40.5, -99.5, b.north_deg, -99.5) > 20_000.0);
    assert!(distance_m(40.5, -99.5, 40.5, b.east_deg) > 20_000.0);
    assert!((dem.step_lat_deg - 1.0 / 3600.0).abs() < 1e-15);
    let n = dem.data.len() as f64;
    let mean = dem.data.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let sd = (dem
        .data
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let (lo, hi) = dem
        .data
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    eprintln!("synthetic 40×40 km: mean {mean:.0} m, sd {sd:.0} m, range {lo:.0}–{hi:.0} m");
    assert!(dem.data.iter().all(|v| v.is_finite()));
    assert!(
        (150.0..=300.0).contains(&lo) && (550.0..=800.0).contains(&hi),
        "{lo}..{hi}"
    );
    assert!(sd > 40.0, "sd {sd}");
    // Rolling, not noisy: slopes between neighbouring 1″ samples stay moderate.
    let cols = dem.cols;
    let max_step = (0..dem.rows)
        .flat_map(|r| (1..cols).map(move |c| (r, c)))
        .map(|(r, c)| (dem.at(r, c) - dem.at(r, c - 1)).abs())
        .fold(0.0f32, f32::max);
    assert!(max_step < 15.0, "max step {max_step} m per 1″"); // < ~27° slope at ~24 m
}

/// z = 100 + 1000·lat + 2000·lon (m, degrees): exactly linear along a meridian and along the
/// equator, so profiles there must be exactly linear in distance.
fn tilted_plane() -> Terrain {
    let (rows, cols, s) = (201, 201, 0.005);
    let (south, west) = (-0.5, 10.0);
    let north = south + (rows - 1) as f64 * s;
    let data = (0..rows * cols)
        .map(|i| {
            let lat = north - (i / cols) as f64 * s;
            let lon = west + (i % cols) as f64 * s;
            (100.0 + 1000.0 * lat + 2000.0 * lon) as f32
        })
        .collect();
    Terrain::from_dem(Dem {
        south_deg: south,
        west_deg: west,
        step_lat_deg: s,
        step_lon_deg: s,
        rows,
        cols,
        data,
    })
    .unwrap()
}

#[test]
fn plane_profiles_are_exactly_linear() {
    let t = tilted_plane();
    // Along the meridian 10.3°E from 0.1°S to 0.4°N.
    let p = t.profile(-0.1, 10.3, 0.4, 10.3, Some(100.0)).unwrap();
    let d = distance_m(-0.1, 10.3, 0.4, 10.3);
    let n = (d / 100.0).ceil() as usize + 1;
    assert_eq!(p.elevations_m.len(), n);
    assert!((p.spacing_m - d / (n - 1) as f64).abs() < 1e-9);
    let (z0, z1) = (100.0 - 100.0 + 20_600.0, 100.0 + 400.0 + 20_600.0);
    for (i, z) in p.elevations_m.iter().enumerate() {
        let expect = z0 + (z1 - z0) * i as f64 / (n - 1) as f64;
        // f32 storage of ~21 km values limits the exactness to about 1 mm.
        assert!((z - expect).abs() < 2e-3, "{i}: {z} vs {expect}");
    }
    // Along the equator, eastward, with the default (native) spacing: 0.005° ≈ 556 m.
    let p = t.profile(0.0, 10.2, 0.0, 10.8, None).unwrap();
    let native = 6_371_000.0 * 0.005f64.to_radians();
    assert!((p.spacing_m - native).abs() < 1e-6, "{}", p.spacing_m);
    let n = p.elevations_m.len();
    assert_eq!(n, 121);
    for (i, z) in p.elevations_m.iter().enumerate() {
        let expect = 100.0 + 2000.0 * (10.2 + 0.6 * i as f64 / 120.0);
        assert!((z - expect).abs() < 2e-3, "{i}: {z} vs {expect}");
    }
    // radial_into gives the same samples.
    let mut buf = Vec::new();
    let sp = t.radial_into(
        0.0,
        10.2,
        90.0,
        distance_m(0.0, 10.2, 0.0, 10.8),
        native,
        &mut buf,
    );
    assert!((sp.unwrap() - p.spacing_m).abs() < 1e-9);
    assert_eq!(buf.len(), n);
    assert!(buf
        .iter()
        .zip(&p.elevations_m)
        .all(|(a, b)| (a - b).abs() < 1e-6));
}

/// Worked examples of C. Veness, "Calculate distance, bearing and more between
/// latitude/longitude points" (Movable Type Scripts), R = 6371 km.
#[test]
fn great_circle_known_values() {
    let (lat0, lon0) = (dms(50.0, 3.0, 59.0), -dms(5.0, 42.0, 53.0));
    let (lat1, lon1) = (dms(58.0, 38.0, 38.0), -dms(3.0, 4.0, 12.0));
    let d = distance_m(lat0, lon0, lat1, lon1);
    assert!((d - 968_900.0).abs() < 50.0, "{d}"); // "968.9 km"
    let az = azimuth_deg(lat0, lon0, lat1, lon1);
    assert!((az - dms(9.0, 7.0, 11.0)).abs() < 0.5 / 3600.0, "{az}"); // 009°07′11″
                                                                      // Destination: from 53°19′14″N 001°43′47″W, 096°01′18″, 124.8 km → 53°11′18″N 000°08′00″E.
    let (la, lo) = destination(
        dms(53.0, 19.0, 14.0),
        -dms(1.0, 43.0, 47.0),
        dms(96.0, 1.0, 18.0),
        124_800.0,
    );
    assert!((la - dms(53.0, 11.0, 18.0)).abs() < 0.5 / 3600.0, "{la}");
    assert!((lo - dms(0.0, 8.0, 0.0)).abs() < 0.5 / 3600.0, "{lo}");
    // A quarter of the equator.
    let q = distance_m(0.0, 0.0, 0.0, 90.0);
    assert!((q - 6_371_000.0 * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
}
