//! Land-cover raster in the ray tracer: a class GeoTIFF (written and read back) gives the
//! scene its per-cell ground constants (a reflection over water uses fresh water's Fresnel
//! coefficient) and its canopy (a path through forest gets P.833's excess loss with the
//! forest class's specific attenuation).

use lastmile_sim::geotiff::{write_f32, GeoRaster};
use lastmile_sim::propagation::{Polarization, C_M_PER_S};
use lastmile_sim::raytrace::fresnel::{complex_permittivity, reflection};
use lastmile_sim::raytrace::landcover::{scene_with_land_cover, ClassTable, LandCover};
use lastmile_sim::raytrace::scene::{enu_offset_m, METRES_PER_DEG};
use lastmile_sim::raytrace::{
    EarthModel, GroundClass, Heightfield, RaytraceError, SceneOptions, Site, TraceConfig, Tracer,
};

const LAT0: f64 = 40.0;
const LON0: f64 = -100.0;
const F_HZ: f64 = 600e6;

/// A 3 × 3 km class raster centred on the scene origin, 10 m pixels: open (1) everywhere,
/// water (5) south of y = −600 m, north of it a forest (3) band from x = +100 m to +300 m.
fn raster() -> GeoRaster {
    let coslat = LAT0.to_radians().cos();
    let px = 10.0;
    let (w, h) = (300, 300);
    let pdx = px / (METRES_PER_DEG * coslat);
    let pdy = px / METRES_PER_DEG;
    let west = LON0 - 150.0 * pdx;
    let north = LAT0 + 150.0 * pdy;
    let mut data = vec![1.0f32; w * h];
    for r in 0..h {
        for c in 0..w {
            let lat = north - (r as f64 + 0.5) * pdy;
            let lon = west + (c as f64 + 0.5) * pdx;
            let (x, y) = enu_offset_m(LAT0, LON0, lat, lon);
            if y < -600.0 {
                data[r * w + c] = 5.0;
            } else if (100.0..300.0).contains(&x) {
                data[r * w + c] = 3.0;
            }
        }
    }
    GeoRaster {
        west_deg: west,
        north_deg: north,
        pixel_deg_x: pdx,
        pixel_deg_y: pdy,
        width: w,
        height: h,
        data,
        nodata: -1.0,
    }
}

fn flat() -> Heightfield {
    Heightfield::from_fn(-1000.0, -1000.0, 20.0, 20.0, 101, 101, |_, _| 100.0)
}

#[test]
fn land_cover_geotiff_sets_ground_and_canopy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cover.tif");
    write_f32(&path, &raster()).unwrap();
    let cover = LandCover::read_geotiff(&path, LAT0, LON0, ClassTable::rural_uhf()).unwrap();
    assert_eq!(cover.class_at(200.0, 0.0).unwrap().name, "forest");
    assert_eq!(cover.class_at(0.0, -800.0).unwrap().name, "water");
    assert_eq!(cover.class_at(-500.0, 0.0).unwrap().name, "open");
    assert!(cover.class_at(5000.0, 0.0).is_none());
    let opts = SceneOptions {
        earth: EarthModel::Flat,
        ..SceneOptions::default()
    };
    let scene = scene_with_land_cover(flat(), &opts, cover, GroundClass::Average, None).unwrap();

    // Canopy: antennas 5 m above ground, 1 km apart across the 200 m forest band.
    let mut cfg = TraceConfig::new(F_HZ);
    cfg.rays = 0;
    cfg.max_depth = 0;
    let tr = Tracer::new(&scene, &cfg).unwrap();
    let out = tr
        .trace(&Site::agl(-400.0, 3.3, 5.0), &[Site::agl(600.0, 3.3, 5.0)])
        .unwrap();
    let p = &out[0].paths[0];
    let am = 0.18 * (F_HZ / 1e6).powf(0.752);
    let expect = am * (1.0 - (-200.0 * 0.15 / am).exp());
    // Sampling at half the grid spacing: the band's edges are within one step (10 m).
    let edge = am * (1.0 - (-10.0 * 0.15 / am).exp());
    assert!(
        (p.excess_loss_db - expect).abs() < edge,
        "{} vs {expect}",
        p.excess_loss_db
    );
    // Above the canopy nothing.
    let out = tr
        .trace(
            &Site::agl(-400.0, 3.3, 30.0),
            &[Site::agl(600.0, 3.3, 30.0)],
        )
        .unwrap();
    assert_eq!(out[0].paths[0].excess_loss_db, 0.0);

    // Ground: a reflection over the water (south of y = −600 m) uses fresh water's constants.
    let mut cfg = TraceConfig::new(F_HZ);
    cfg.rays = 0;
    cfg.max_depth = 1;
    let tr = Tracer::new(&scene, &cfg).unwrap();
    let (h1, h2, d) = (30.0, 10.0, 1000.0);
    let out = tr
        .trace(
            &Site::agl(-500.0, -800.0, h1),
            &[Site::agl(500.0, -800.0, h2)],
        )
        .unwrap();
    let refl = out[0].paths.iter().find(|p| p.reflections() == 1).unwrap();
    let r2 = (d * d + (h1 + h2).powi(2)).sqrt();
    let (gte, _) = reflection(
        (h1 + h2) / r2,
        complex_permittivity(GroundClass::FreshWater.ground(), F_HZ),
    );
    let a2 = gte.norm() * C_M_PER_S / F_HZ / (4.0 * std::f64::consts::PI * r2);
    let g = refl
        .gain(Polarization::Horizontal, Polarization::Horizontal)
        .norm();
    assert!((g / a2 - 1.0).abs() < 1e-6, "{g} vs {a2}");
    // …and differs from average ground's there.
    let (gavg, _) = reflection(
        (h1 + h2) / r2,
        complex_permittivity(GroundClass::Average.ground(), F_HZ),
    );
    assert!((gavg.norm() - gte.norm()).abs() > 1e-3);
}

#[test]
fn land_cover_bad_codes_are_errors() {
    let mut r = raster();
    r.data[5] = 42.0; // not in the table
    let e = LandCover::from_raster(&r, LAT0, LON0, ClassTable::rural_uhf()).unwrap_err();
    assert!(matches!(e, RaytraceError::InvalidInput(_)));
    assert!(e.to_string().contains("code 42"), "{e}");
    r.data[5] = 2.5;
    assert!(LandCover::from_raster(&r, LAT0, LON0, ClassTable::rural_uhf()).is_err());
    // No-data pixels are allowed.
    r.data[5] = -1.0;
    let c = LandCover::from_raster(&r, LAT0, LON0, ClassTable::rural_uhf()).unwrap();
    assert!(c.class_at(0.0, 0.0).is_some());
    let e = LandCover::read_geotiff(
        std::path::Path::new("no/such/cover.tif"),
        LAT0,
        LON0,
        ClassTable::rural_uhf(),
    )
    .unwrap_err();
    assert!(matches!(e, RaytraceError::Terrain(_)), "{e:?}");
}

const SCENARIO: &str = "[[sites]]\nlat_deg = 40.0\nlon_deg = -100.0\nheight_m = 5\neirp_dbm = 36\n\n[carrier]\ntv_channel = 35\n\n[coverage]\nradius_m = 1000\nresolution_m = 50\nrx_height_m = 5\n\n[model]\nkind = \"raytrace\"\nland_cover = \"cover.tif\"\n";

fn scenario_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_f32(&dir.path().join("cover.tif"), &raster()).unwrap();
    dir
}

/// `[model] land_cover` in a scenario: the ray-tracing model it builds adds P.833 loss on a
/// link through the forest band (east of the site) and nothing on one over open ground
/// (west), and the same model without the key does not.
#[test]
fn scenario_land_cover_adds_forest_loss() {
    use lastmile_sim::coverage::model;
    use lastmile_sim::propagation::{GroundPath, Link, Profile};
    use lastmile_sim::scenario::{ModelId, Scenario};
    let dir = scenario_dir();
    let sc = Scenario::from_text(SCENARIO, "lc", dir.path()).unwrap();
    let lc = sc.model.land_cover.as_ref().expect("land cover parsed");
    assert_eq!(lc.path, dir.path().join("cover.tif"));
    assert!(sc.input_files.contains(&lc.path));
    let with = model::build(&sc.model, ModelId::Raytrace).unwrap();
    let plain_sc = Scenario::from_text(
        &SCENARIO.replace("land_cover = \"cover.tif\"\n", ""),
        "p",
        dir.path(),
    )
    .unwrap();
    assert!(plain_sc.model.land_cover.is_none());
    let without = model::build(&plain_sc.model, ModelId::Raytrace).unwrap();
    let f = sc.carrier.center_hz;
    let profile = Profile {
        spacing_m: 10.0,
        elevations_m: vec![100.0; 101],
    };
    let link = Link::new(&profile, 5.0, 5.0, f);
    let coslat = LAT0.to_radians().cos();
    let to = |x_m: f64| GroundPath {
        tx_lat_deg: LAT0,
        tx_lon_deg: LON0,
        rx_lat_deg: LAT0,
        rx_lon_deg: LON0 + x_m / (METRES_PER_DEG * coslat),
    };
    let east = with.loss_on_ground(&link, &to(1000.0)).unwrap().loss_db;
    let west = with.loss_on_ground(&link, &to(-1000.0)).unwrap().loss_db;
    let base = without.loss_on_ground(&link, &to(1000.0)).unwrap().loss_db;
    assert_eq!(without.loss(&link).unwrap().loss_db, base);
    assert!((west - base).abs() < 1e-9, "open ground: {west} vs {base}");
    // 200 m of forest at 0.15 dB/m: P.833 A_m (1 − exp(−30/A_m)) on every ray (direct and
    // ground reflection alike at 5 m), within a sampling step at the band's edges.
    let am = 0.18 * (f / 1e6).powf(0.752);
    let expect = am * (1.0 - (-200.0 * 0.15 / am).exp());
    let edge = am * (1.0 - (-10.0 * 0.15 / am).exp());
    assert!(
        (east - base - expect).abs() < edge,
        "forest adds {} dB, P.833 {expect:.2} dB",
        east - base
    );
}

/// Bad land-cover input is a scenario error with the right kind: a raster code missing from
/// the table, a duplicate code, a negative canopy height, the key with another model, a
/// missing file, a table without a raster.
#[test]
fn scenario_land_cover_bad_input_is_rejected() {
    use lastmile_sim::scenario::{ErrorKind, Scenario};
    let dir = scenario_dir();
    let kinds = |text: &str| -> Vec<(ErrorKind, String)> {
        match Scenario::from_text(text, "bad", dir.path()) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.into_iter().map(|e| (e.kind, e.message)).collect(),
        }
    };
    let table = |rows: &str| format!("{SCENARIO}{rows}");
    // The raster has codes 1, 3 and 5: a table without 5 cannot read it.
    let e = kinds(&table(
        "\n[[model.land_cover_classes]]\ncode = 1\n\n[[model.land_cover_classes]]\ncode = 3\nheight_m = 15\nspecific_db_per_m = 0.15\n",
    ));
    assert!(
        matches!(e.as_slice(), [(ErrorKind::BadFile, m)] if m.contains("code 5")),
        "{e:?}"
    );
    // A full custom table is accepted.
    let ok = table(
        "\n[[model.land_cover_classes]]\ncode = 1\nname = \"grass\"\n\n[[model.land_cover_classes]]\ncode = 3\nheight_m = 20\nspecific_db_per_m = 0.2\n\n[[model.land_cover_classes]]\ncode = 5\nground = \"fresh-water\"\n",
    );
    assert!(kinds(&ok).is_empty());
    let e = kinds(&table(
        "\n[[model.land_cover_classes]]\ncode = 1\n\n[[model.land_cover_classes]]\ncode = 1\n",
    ));
    assert!(
        e.iter()
            .any(|(k, m)| *k == ErrorKind::Conflict && m.contains("twice")),
        "{e:?}"
    );
    let e = kinds(&table(
        "\n[[model.land_cover_classes]]\ncode = 3\nheight_m = -2\n",
    ));
    assert!(e.iter().any(|(k, _)| *k == ErrorKind::OutOfRange), "{e:?}");
    let e = kinds(&table(
        "\n[[model.land_cover_classes]]\ncode = 3\ncolour = 1\n",
    ));
    assert!(e.iter().any(|(k, _)| *k == ErrorKind::UnknownKey), "{e:?}");
    let e = kinds(&SCENARIO.replace("kind = \"raytrace\"", "kind = \"itm\""));
    assert!(
        matches!(e.as_slice(), [(ErrorKind::Conflict, m)] if m.contains("raytrace")),
        "{e:?}"
    );
    let e = kinds(&SCENARIO.replace("cover.tif", "missing.tif"));
    assert!(
        matches!(e.as_slice(), [(ErrorKind::MissingFile, _)]),
        "{e:?}"
    );
    std::fs::write(dir.path().join("junk.tif"), b"not a tiff").unwrap();
    let e = kinds(&SCENARIO.replace("cover.tif", "junk.tif"));
    assert!(matches!(e.as_slice(), [(ErrorKind::BadFile, _)]), "{e:?}");
    let e = kinds(&SCENARIO.replace(
        "land_cover = \"cover.tif\"\n",
        "\n[[model.land_cover_classes]]\ncode = 3\n",
    ));
    assert!(matches!(e.as_slice(), [(ErrorKind::Conflict, _)]), "{e:?}");
}
