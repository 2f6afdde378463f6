//! `lastmile validate`: diagnostics snapshots for bad scenarios (rendered with miette at
//! file:line:col, exit 2), and every scenario in scenarios/ validates.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lastmile");

/// A good small scenario to break in one place at a time.
const GOOD: &str = r#"name = "small"

[[sites]]
name = "a"
lat_deg = 40.0
lon_deg = -100.0
height_m = 30.0
eirp_dbm = 36.0

[carrier]
hz = 600e6
bandwidth_hz = 6e6

[coverage]
radius_m = 2000.0
resolution_m = 200.0

[model]
kind = "itm"
"#;

/// Run `lastmile validate bad.toml` in a temp dir holding `text`; returns (code, stderr).
fn validate(text: &str, setup: impl FnOnce(&Path)) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    setup(dir.path());
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["validate", "bad.toml"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bad(text: &str) -> String {
    let (code, err) = validate(text, |_| {});
    assert_eq!(code, 2, "{err}");
    err
}

#[test]
fn good_scenario_validates() {
    let (code, err) = validate(GOOD, |_| {});
    assert_eq!(code, 0, "{err}");
}

#[test]
fn unknown_key() {
    let err = bad(&GOOD.replace("height_m = 30.0", "height_m = 30.0\nheigth_agl = 3"));
    assert!(err.contains("bad.toml:8:1"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn wrong_type() {
    let err = bad(&GOOD.replace("eirp_dbm = 36.0", "eirp_dbm = \"36 dBm\""));
    insta::assert_snapshot!(err);
}

#[test]
fn out_of_range_value() {
    let err = bad(&GOOD.replace("resolution_m = 200.0", "resolution_m = -5.0"));
    insta::assert_snapshot!(err);
}

#[test]
fn frequency_outside_model_range() {
    let err = bad(&GOOD.replace("hz = 600e6", "hz = 10e6"));
    assert!(err.contains("outside the range of model 'itm'"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn missing_pattern_file() {
    let text = GOOD.replace(
        "eirp_dbm = 36.0",
        "eirp_dbm = 36.0\nantenna = { kind = \"pattern\", file = \"panel.msi\", azimuth_deg = 90.0 }",
    );
    let err = bad(&text);
    insta::assert_snapshot!(err);
}

#[test]
fn site_outside_terrain() {
    let text = GOOD
        .replace(
            "[carrier]",
            "[terrain]\nsource = \"geotiff\"\npath = \"dem.tif\"\n\n[carrier]",
        )
        .replace("lat_deg = 40.0", "lat_deg = 45.0");
    let (code, err) = validate(&text, |dir| {
        // A 0.2° × 0.2° DEM around 40°N 100°W.
        let n = 41;
        let raster = sim::geotiff::GeoRaster {
            west_deg: -100.1,
            north_deg: 40.1,
            pixel_deg_x: 0.2 / n as f64,
            pixel_deg_y: 0.2 / n as f64,
            width: n,
            height: n,
            data: (0..n * n).map(|i| 300.0 + (i % n) as f32).collect(),
            nodata: -9999.0,
        };
        sim::geotiff::write_f32(&dir.join("dem.tif"), &raster).unwrap();
    });
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn conflicting_keys_and_several_problems() {
    let text = GOOD
        .replace("eirp_dbm = 36.0", "eirp_dbm = 36.0\ntx_power_dbm = 30.0")
        .replace("kind = \"itm\"", "kind = \"itm\"\nclimate = 9");
    let err = bad(&text);
    insta::assert_snapshot!(err);
}

#[test]
fn missing_generated_terrain_names_its_script() {
    let text = GOOD.replace(
        "[carrier]",
        "[terrain]\nsource = \"srtm\"\ndir = \"tiles\"\nmade_by = \"scripts/make-tiles.sh\"\n\n[carrier]",
    );
    let err = bad(&text);
    assert!(err.contains("run scripts/make-tiles.sh first"), "{err}");
}

#[test]
fn toml_syntax_error() {
    let err = bad("name = \"x\"\n[[sites]\n");
    assert!(err.contains("bad.toml:2:"), "{err}");
}

/// Every scenario in scenarios/ validates (splat-compare needs its generated tile, so it
/// is checked up to the terrain: the only problem allowed is the missing tile).
#[test]
fn scenarios_all_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        n += 1;
        let out = Command::new(BIN).arg("validate").arg(&p).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            continue;
        }
        let generated_missing = err.contains("scenario::missing_file")
            && err.contains("run scripts/bench-vs-splat.sh first")
            && !dir.join("../results/peer-tile/N40W100.hgt").exists();
        assert!(generated_missing, "{}: {err}", p.display());
    }
    assert!(n >= 2, "expected scenario files in {}", dir.display());
}
