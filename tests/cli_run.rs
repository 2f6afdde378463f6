//! `lastmile run` and `lastmile path`: thread-count independence, the output-directory
//! rules, the outputs themselves, and the point-to-point report.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lastmile");

/// Two co-channel sites (one sector, one isotropic) on synthetic terrain, small and coarse
/// so that it runs in a second in the dev profile.
const SMALL: &str = r#"name = "small"
seed = 7

[[sites]]
name = "north"
lat_deg = 40.02
lon_deg = -100.0
height_m = 30.0
eirp_dbm = 40.0
antenna = { kind = "sector", azimuth_deg = 180.0, tilt_deg = 2.0 }

[[sites]]
name = "south"
lat_deg = 39.98
lon_deg = -100.0
height_m = 20.0
tx_power_dbm = 30.0

[carrier]
tv_channel = 30

[coverage]
radius_m = 4000.0
resolution_m = 250.0

[model]
kind = "itm"
"#;

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn files_of(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn threads_1_and_2_give_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), SMALL).unwrap();
    for (t, out) in [("1", "t1"), ("2", "t2")] {
        let o = run_in(tmp.path(), &["run", "s.toml", "-o", out, "--threads", t]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let names = files_of(&tmp.path().join("t1"));
    assert_eq!(
        names,
        [
            "coverage.kmz",
            "coverage.png",
            "coverage.tif",
            "run.json",
            "sinr.tif",
            "summary.json"
        ]
    );
    assert_eq!(names, files_of(&tmp.path().join("t2")));
    for n in &names {
        if n == "run.json" {
            continue;
        }
        let a = std::fs::read(tmp.path().join("t1").join(n)).unwrap();
        let b = std::fs::read(tmp.path().join("t2").join(n)).unwrap();
        assert!(a == b, "{n} differs between --threads 1 and 2");
    }
    // run.json records the threads and the resolved scenario with its hash.
    let rj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("t2/run.json")).unwrap()).unwrap();
    assert_eq!(rj["threads"], 2);
    assert_eq!(rj["seed"], 7);
    assert_eq!(rj["models"]["propagation"], "itm");
    assert_eq!(rj["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(rj["scenario"]["carrier"]["center_hz"], 569e6);
    assert!(rj["git_sha"].is_string());

    // The summary: both sites cover something, areas are ordered by threshold.
    let sj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("t1/summary.json")).unwrap())
            .unwrap();
    let sites = sj["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 2);
    let overall = &sj["overall_rx_dbm"];
    let above: Vec<f64> = overall["above"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["area_km2"].as_f64().unwrap())
        .collect();
    assert!(above.windows(2).all(|w| w[0] <= w[1]), "{above:?}");
    // Two 4 km circles 4.4 km apart: about 2·π·16 km² minus the overlap.
    let area = overall["area_km2"].as_f64().unwrap();
    assert!((70.0..101.0).contains(&area), "{area}");
    let best: f64 = sites
        .iter()
        .map(|s| s["best_server_area_km2"].as_f64().unwrap())
        .sum();
    assert!((best - area).abs() < 1e-3 * area, "{best} vs {area}");

    // The KMZ is a zip whose first entry is doc.kml with a GroundOverlay.
    let kmz = std::fs::read(tmp.path().join("t1/coverage.kmz")).unwrap();
    assert_eq!(&kmz[..4], b"PK\x03\x04");
    assert_eq!(&kmz[30..37], b"doc.kml");
}

#[test]
fn geotiff_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), SMALL).unwrap();
    let o = run_in(tmp.path(), &["run", "s.toml", "-o", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = sim::geotiff::read_f32(&tmp.path().join("out/coverage.tif")).unwrap();
    let rj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("out/run.json")).unwrap()).unwrap();
    assert_eq!(r.width as u64, rj["grid"]["cols"].as_u64().unwrap());
    assert_eq!(r.height as u64, rj["grid"]["rows"].as_u64().unwrap());
    assert!((r.north_deg - rj["grid"]["north_deg"].as_f64().unwrap()).abs() < 1e-9);
    let valid: Vec<f32> = r.data.iter().copied().filter(|&v| v != r.nodata).collect();
    assert!(valid.len() > r.data.len() / 2);
    // Received power near 40 dBm EIRP sites within 4 km: well above the noise, below EIRP.
    assert!(valid.iter().all(|&v| (-200.0..40.0).contains(&v)));
}

#[test]
fn non_empty_output_without_force_refuses_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), SMALL).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "precious").unwrap();
    let o = run_in(tmp.path(), &["run", "s.toml", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(files_of(&out), ["keep.txt"]);
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "precious"
    );
    // Nothing else appeared next to it either.
    assert_eq!(files_of(tmp.path()), ["out", "s.toml"]);
    // With --force it is replaced.
    let o = run_in(tmp.path(), &["run", "s.toml", "-o", "out", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.join("keep.txt").exists());
    assert!(out.join("run.json").exists());
    assert_eq!(files_of(tmp.path()), ["out", "s.toml"]);
}

#[test]
fn splat_compare_without_tile_names_the_script() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if root.join("results/peer-tile/N40W100.hgt").exists() {
        eprintln!("skip: results/peer-tile exists here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .current_dir(root)
        .args(["run", "scenarios/splat-compare.toml", "-o"])
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("scripts/bench-vs-splat.sh"), "{err}");
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn path_report_keys_and_free_space() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), SMALL).unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "path",
            "s.toml",
            "--to",
            "40.0,-99.97,5",
            "--from",
            "south",
            "--model",
            "fspl",
            "--plot",
            "p.png",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "distance_km",
        "azimuth_deg",
        "model",
        "loss_db",
        "mode",
        "warnings",
        "fresnel_clearance",
        "obstructions",
        "profile",
        "elevation_deg",
        "rx_elevation_deg",
    ] {
        assert!(j.get(k).is_some(), "missing {k}: {j}");
    }
    assert_eq!(j["model"], "fspl");
    assert!(j["mode"].is_null());
    assert_eq!(j["warnings"], 0);
    let d_km = j["distance_km"].as_f64().unwrap();
    // 0.02° north and 0.03° east of 39.98°N: about 3.4 km to the north-east.
    assert!((3.2..3.6).contains(&d_km), "{d_km}");
    let az = j["azimuth_deg"].as_f64().unwrap();
    assert!((40.0..55.0).contains(&az), "{az}");
    let prof = j["profile"].as_array().unwrap();
    assert!(prof.len() > 10);
    assert_eq!(prof[0][0], 0.0);
    // Free space over the slant range: 20 log10(4π d f / c) within rounding of the heights.
    let f = 569e6;
    let fspl = 20.0 * (4.0 * std::f64::consts::PI * d_km * 1e3 * f / 299_792_458.0).log10();
    assert!((j["loss_db"].as_f64().unwrap() - fspl).abs() < 0.05, "{j}");
    let png = std::fs::read(tmp.path().join("p.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    // ITM reports a mode; an unknown site is a usage error.
    let o = run_in(tmp.path(), &["path", "s.toml", "--to", "40.0,-99.97"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(matches!(j["mode"].as_u64(), Some(1..=3)), "{j}");
    let o = run_in(
        tmp.path(),
        &["path", "s.toml", "--to", "40,-100", "--from", "nope"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn schema_is_json_with_the_top_level_keys() {
    let o = Command::new(BIN).arg("schema").output().unwrap();
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let props = j["properties"].as_object().unwrap();
    for k in [
        "name", "seed", "run", "terrain", "sites", "carrier", "coverage", "model",
    ] {
        assert!(props.contains_key(k), "{k}");
    }
    assert_eq!(j["additionalProperties"], false);
}

/// `path --model raytrace` lists the ray tracer's paths: JSON shape, and the line-of-sight
/// path's delay is the antenna-to-antenna distance over c.
#[test]
fn path_raytrace_lists_paths() {
    const C: f64 = 299_792_458.0;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), SMALL).unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "path",
            "s.toml",
            "--to",
            "40.0155,-100.0,10",
            "--from",
            "north",
            "--model",
            "raytrace",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["model"], "raytrace");
    let paths = j["paths"].as_array().expect("paths array");
    assert!(!paths.is_empty(), "{j}");
    for p in paths {
        let delay = p["delay_s"].as_f64().unwrap();
        let len = p["length_m"].as_f64().unwrap();
        assert!((delay * C - len).abs() < 1e-3, "{p}");
        for k in ["hh", "hv", "vh", "vv"] {
            let g = p["gain"][k].as_array().unwrap();
            assert_eq!(g.len(), 2);
            assert!(g.iter().all(|x| x.as_f64().unwrap().is_finite()), "{p}");
        }
        for a in ["aod", "aoa"] {
            let az = p[a]["azimuth_deg"].as_f64().unwrap();
            let el = p[a]["elevation_deg"].as_f64().unwrap();
            assert!(
                (0.0..360.0).contains(&az) && (-90.0..=90.0).contains(&el),
                "{p}"
            );
        }
        for i in p["interactions"].as_array().unwrap() {
            let kind = i["kind"].as_str().unwrap();
            assert!(kind == "reflection" || kind == "diffraction", "{i}");
            assert!(i["east_m"].is_f64() && i["north_m"].is_f64() && i["elev_m"].is_f64());
        }
        assert!(p["power_db"].as_f64().unwrap() < 0.0);
    }
    // The line-of-sight path: no interactions, delay = distance / c.
    let los = paths
        .iter()
        .find(|p| p["line_of_sight"] == true)
        .expect("line of sight over 500 m");
    assert!(los["interactions"].as_array().unwrap().is_empty());
    let prof = j["profile"].as_array().unwrap();
    let z_tx = prof[0][1].as_f64().unwrap() + 30.0;
    let z_rx = prof[prof.len() - 1][1].as_f64().unwrap() + 10.0;
    let d = j["distance_km"].as_f64().unwrap() * 1000.0;
    let dist = (d * d + (z_tx - z_rx).powi(2)).sqrt();
    let delay = los["delay_s"].as_f64().unwrap();
    assert!(
        (delay * C - dist).abs() < 0.5,
        "{} m vs {dist} m",
        delay * C
    );
    // The direct ray is free space.
    let fspl = 20.0
        * (4.0 * std::f64::consts::PI * dist * j["frequency_hz"].as_f64().unwrap() / C).log10();
    assert!(
        (los["power_db"].as_f64().unwrap() + fspl).abs() < 1.0,
        "{los}"
    );
}
