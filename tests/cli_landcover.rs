//! `[model] land_cover` on the command line: `lastmile path --model raytrace` and
//! `lastmile run` with a forest land cover, and a bad class table rejected with exit 2 and
//! nothing written.

use std::path::Path;
use std::process::Command;

use sim::geotiff::{write_f32, GeoRaster};

const BIN: &str = env!("CARGO_BIN_EXE_lastmile");

const SCENARIO: &str = r#"name = "forest"
seed = 3

[[sites]]
name = "bs"
lat_deg = 40.0
lon_deg = -100.0
height_m = 10.0
eirp_dbm = 40.0

[carrier]
tv_channel = 30

[coverage]
radius_m = 2000.0
resolution_m = 250.0
rx_height_m = 5.0

[model]
kind = "raytrace"
"#;

/// 0.2° × 0.2° around the site, every pixel class `code`.
fn write_cover(dir: &Path, code: f32) {
    let (w, h) = (100, 100);
    let r = GeoRaster {
        west_deg: -100.1,
        north_deg: 40.1,
        pixel_deg_x: 0.002,
        pixel_deg_y: 0.002,
        width: w,
        height: h,
        data: vec![code; w * h],
        nodata: -1.0,
    };
    write_f32(&dir.join("cover.tif"), &r).unwrap();
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn path_loss(dir: &Path, scenario: &str) -> serde_json::Value {
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    let o = run_in(
        dir,
        &[
            "path",
            "s.toml",
            "--to",
            "40.0,-99.985,5",
            "--model",
            "raytrace",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Forest (the default table's class 3: 15 m canopy, 0.15 dB/m) around both antennas: the
/// profile loss and the traced paths both lose more than without the land cover.
#[test]
fn path_raytrace_through_forest_loses_more() {
    let tmp = tempfile::tempdir().unwrap();
    write_cover(tmp.path(), 3.0);
    let plain = path_loss(tmp.path(), SCENARIO);
    let forest = path_loss(
        tmp.path(),
        &format!("{SCENARIO}land_cover = \"cover.tif\"\n"),
    );
    let (l0, l1) = (
        plain["loss_db"].as_f64().unwrap(),
        forest["loss_db"].as_f64().unwrap(),
    );
    eprintln!("path loss: open {l0:.2} dB, forest {l1:.2} dB");
    assert!(l1 > l0 + 5.0, "forest {l1} dB vs open {l0} dB");
    let best = |j: &serde_json::Value| {
        j["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["power_db"].as_f64().unwrap())
            .fold(f64::NEG_INFINITY, f64::max)
    };
    assert!(best(&forest) < best(&plain) - 5.0, "{forest}");
    let veg = forest["paths"][0]["excess_loss_db"].as_f64().unwrap();
    assert!(veg > 5.0, "{}", forest["paths"][0]);
    // Open ground (class 1) everywhere: the same loss as no land cover.
    write_cover(tmp.path(), 1.0);
    let open = path_loss(
        tmp.path(),
        &format!("{SCENARIO}land_cover = \"cover.tif\"\n"),
    );
    assert!((open["loss_db"].as_f64().unwrap() - l0).abs() < 1e-6);
}

/// `run` with the land cover works; a class table that lacks the raster's code, or a land
/// cover with another model, exits 2 with the reason on stderr and writes nothing.
#[test]
fn run_with_land_cover_and_bad_table() {
    let tmp = tempfile::tempdir().unwrap();
    write_cover(tmp.path(), 3.0);
    let good = format!("{SCENARIO}land_cover = \"cover.tif\"\n");
    std::fs::write(tmp.path().join("s.toml"), &good).unwrap();
    let o = run_in(tmp.path(), &["run", "s.toml", "-o", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(tmp.path().join("out").is_dir());
    for bad in [
        format!("{good}\n[[model.land_cover_classes]]\ncode = 1\n"),
        good.replace("kind = \"raytrace\"", "kind = \"itm\""),
    ] {
        std::fs::write(tmp.path().join("bad.toml"), bad).unwrap();
        let o = run_in(tmp.path(), &["run", "bad.toml", "-o", "bad-out"]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("land"), "{err}");
        assert!(!tmp.path().join("bad-out").exists());
    }
}
