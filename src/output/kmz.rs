//! coverage.kmz: a zip holding `doc.kml` (one GroundOverlay over the grid's box) and the
//! overlay PNG. Every entry carries the fixed DOS timestamp 1980-01-01 00:00, so the same
//! inputs give the same bytes.
//!
//! # References
//! OGC KML 2.2 (`GroundOverlay`, `LatLonBox`); Google Earth's KMZ convention (the first
//! `.kml` in the archive, named `doc.kml`).

use std::io::{Cursor, Write};

use sim::coverage::Grid;
use zip::write::SimpleFileOptions;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The KML document.
pub fn kml(name: &str, grid: &Grid, sites: &[(String, f64, f64)], range: (f64, f64)) -> String {
    let south = grid.north_deg - grid.rows as f64 * grid.dlat_deg;
    let east = grid.west_deg + grid.cols as f64 * grid.dlon_deg;
    let mut placemarks = String::new();
    for (n, lat, lon) in sites {
        placemarks.push_str(&format!(
            "    <Placemark><name>{}</name><Point><coordinates>{lon:.7},{lat:.7},0</coordinates></Point></Placemark>\n",
            xml_escape(n)
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
  <Document>
    <name>{name}</name>
    <GroundOverlay>
      <name>{name}: received power {lo:.0}…{hi:.0} dBm</name>
      <color>ffffffff</color>
      <Icon><href>overlay.png</href></Icon>
      <LatLonBox>
        <north>{north:.9}</north>
        <south>{south:.9}</south>
        <east>{east:.9}</east>
        <west>{west:.9}</west>
      </LatLonBox>
    </GroundOverlay>
{placemarks}  </Document>
</kml>
"#,
        name = xml_escape(name),
        lo = range.0,
        hi = range.1,
        north = grid.north_deg,
        west = grid.west_deg,
    )
}

/// Zip `doc.kml` and `overlay.png` with fixed timestamps.
///
/// # Errors
/// Zip errors.
pub fn write_kmz(kml: &str, overlay_png: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    z.start_file("doc.kml", opts)?;
    z.write_all(kml.as_bytes())?;
    z.start_file(
        "overlay.png",
        opts.compression_method(zip::CompressionMethod::Stored),
    )?;
    z.write_all(overlay_png)?;
    Ok(z.finish()?.into_inner())
}
