//! `lastmile wsdb map`: the channel-count map is written as an EPSG:4326 GeoTIFF whose pixels
//! agree with the ASCII grid and the summary written beside it.

use std::process::Command;

#[test]
fn map_writes_geotiff_matching_ascii_grid_and_summary() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("map");
    let st = Command::new(env!("CARGO_BIN_EXE_lastmile"))
        .args(["wsdb", "map", "--config"])
        .arg(format!("{root}/scenarios/tvws/wsdb.toml"))
        .arg("-o")
        .arg(&out)
        .args(["--step-deg", "0.1"])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let r = sim::geotiff::read_f32(&out.join("channels.tif")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("map.json")).unwrap()).unwrap();
    assert_eq!(r.width as u64, summary["width"].as_u64().unwrap());
    assert_eq!(r.height as u64, summary["height"].as_u64().unwrap());
    assert!((r.pixel_deg_x - 0.1).abs() < 1e-12 && (r.pixel_deg_y - 0.1).abs() < 1e-12);
    assert_eq!(r.nodata, -9999.0);
    // Same values as the ASCII grid, cell by cell.
    let asc = std::fs::read_to_string(out.join("channels.asc")).unwrap();
    let cells: Vec<f32> = asc
        .lines()
        .skip(6)
        .flat_map(|l| l.split_whitespace().map(|v| v.parse::<f32>().unwrap()))
        .collect();
    assert_eq!(cells, r.data);
    // The summary's mean over the valid pixels.
    let valid: Vec<f64> = r
        .data
        .iter()
        .filter(|&&v| v != -9999.0)
        .map(|&v| f64::from(v))
        .collect();
    assert!(!valid.is_empty());
    let mean = valid.iter().sum::<f64>() / valid.len() as f64;
    assert!((mean - summary["mean_channels"].as_f64().unwrap()).abs() < 0.006);
}
