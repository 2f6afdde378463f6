//! GeoTIFF DEMs in EPSG:4326, read with the pure-Rust `tiff` crate (no GDAL).
//!
//! Accepted: one band of int16, uint16, int32, float32 or float64 samples, in strips or tiles,
//! uncompressed, LZW or Deflate (what the `tiff` crate decodes), north-up georeferencing by
//! ModelPixelScale (33550) + one ModelTiepoint (33922), and a GeoKeyDirectory (34735) that says
//! geographic (GTModelType 2) WGS 84 (GeographicType 4326). GDAL_NODATA (42113) marks voids.
//!
//! Refused with a clear error: projected CRSs (reproject first:
//! `gdalwarp -t_srs EPSG:4326`), other geographic CRSs, a missing GeoKeyDirectory,
//! ModelTransformation (34264) georeferencing, several tiepoints (GCPs), several bands,
//! south-up rasters.
//!
//! **Pixel geometry.** GTRasterType (key 1025) says whether raster coordinate (0, 0) is the
//! corner of the first pixel (PixelIsArea, 1, the default) or its centre (PixelIsPoint, 2;
//! SRTM-derived DEMs usually are). Either way the [`Dem`] samples sit at pixel centres: for
//! PixelIsArea, sample (r, c) is at `(Y − (r + ½ − J)·sy, X + (c + ½ − I)·sx)`; for
//! PixelIsPoint at `(Y − (r − J)·sy, X + (c − I)·sx)`, with the tiepoint `(I, J, ·, X, Y, ·)` and
//! scale `(sx, sy, ·)`. This matches GDAL's reading (a PixelIsPoint SRTM tile exported by GDAL
//! has its corner samples on whole degrees).
//!
//! # References
//! OGC GeoTIFF 1.1 (19-008r4) §7.2–7.5 (model space, raster space, keys) and Annex B.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

use super::Dem;
use crate::geotiff::GeoTiffError;

/// Whether raster coordinates address pixel corners or centres (GTRasterTypeGeoKey).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RasterType {
    /// Raster (0, 0) is the outer corner of the first pixel (value 1, the default).
    PixelIsArea,
    /// Raster (0, 0) is the centre of the first pixel (value 2).
    PixelIsPoint,
}

/// A decoded single-band GeoTIFF with its georeferencing normalised to pixel-area edges.
#[derive(Debug, Clone)]
pub struct RawRaster {
    /// Columns and rows.
    pub width: usize,
    pub height: usize,
    /// Samples as f32, row-major, row 0 north (nodata values kept as stored).
    pub data: Vec<f32>,
    /// The GDAL_NODATA value, if the file has one.
    pub nodata: Option<f64>,
    /// Western edge of column 0 and northern edge of row 0, degrees.
    pub west_edge_deg: f64,
    pub north_edge_deg: f64,
    /// Pixel size, degrees (> 0).
    pub pixel_deg_x: f64,
    pub pixel_deg_y: f64,
    /// The raster type the file declared.
    pub raster_type: RasterType,
    /// The stored sample type (`"int16"`, `"float32"`, …).
    pub sample_type: &'static str,
}

/// GeoKey ids used here (OGC 19-008r4 Annex B).
const GT_MODEL_TYPE: u16 = 1024;
const GT_RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const GEOG_GEODETIC_DATUM: u16 = 2050;
const GEOG_ANGULAR_UNITS: u16 = 2054;
const PROJECTED_CS_TYPE: u16 = 3072;

/// Read and decode a GeoTIFF, checking that it is a single-band EPSG:4326 raster.
///
/// # Errors
/// [`GeoTiffError::Io`] if the file cannot be opened, [`GeoTiffError::Tiff`] if it is not a
/// decodable TIFF (truncated, not a TIFF, unsupported compression), and
/// [`GeoTiffError::Unsupported`] naming the reason otherwise.
pub fn read_raster(path: &Path) -> Result<RawRaster, GeoTiffError> {
    let p = path.display().to_string();
    let tf = |source| GeoTiffError::Tiff {
        path: p.clone(),
        source,
    };
    let unsupported = |what: String| GeoTiffError::Unsupported {
        path: p.clone(),
        what,
    };
    let file = File::open(path).map_err(|source| GeoTiffError::Io {
        path: p.clone(),
        source,
    })?;
    let mut dec = Decoder::new(BufReader::new(file))
        .map_err(tf)?
        .with_limits(Limits::unlimited());
    let (w, h) = dec.dimensions().map_err(tf)?;
    let (width, height) = (w as usize, h as usize);
    if width == 0 || height == 0 {
        return Err(unsupported(format!("empty raster {width}×{height}")));
    }
    let bands: u16 = dec
        .find_tag_unsigned(Tag::SamplesPerPixel)
        .map_err(tf)?
        .unwrap_or(1);
    if bands != 1 {
        return Err(unsupported(format!(
            "{bands} bands per pixel; only single-band rasters are supported"
        )));
    }
    if dec
        .find_tag(Tag::ModelTransformationTag)
        .map_err(tf)?
        .is_some()
    {
        return Err(unsupported(
            "georeferenced by ModelTransformation (34264); only ModelPixelScale + ModelTiepoint \
             north-up rasters are supported"
                .into(),
        ));
    }
    let scale = dec
        .find_tag(Tag::ModelPixelScaleTag)
        .map_err(tf)?
        .ok_or_else(|| {
            unsupported("no ModelPixelScale tag (33550): not a georeferenced GeoTIFF".into())
        })?
        .into_f64_vec()
        .map_err(tf)?;
    let tie = dec
        .find_tag(Tag::ModelTiepointTag)
        .map_err(tf)?
        .ok_or_else(|| {
            unsupported("no ModelTiepoint tag (33922): not a georeferenced GeoTIFF".into())
        })?
        .into_f64_vec()
        .map_err(tf)?;
    if scale.len() < 2 || tie.len() < 6 {
        return Err(unsupported(format!(
            "malformed georeferencing: ModelPixelScale has {} values, ModelTiepoint {}",
            scale.len(),
            tie.len()
        )));
    }
    if tie.len() > 6 {
        return Err(unsupported(format!(
            "{} tiepoints (ground control points); only one tiepoint + pixel scale is supported",
            tie.len() / 6
        )));
    }
    let (sx, sy) = (scale[0], scale[1]);
    if !(sx.is_finite() && sx > 0.0 && sy.is_finite() && sy > 0.0) {
        return Err(unsupported(format!(
            "pixel scale {sx} × {sy}: only north-up rasters with positive scales are supported"
        )));
    }
    let keys = dec
        .find_tag(Tag::GeoKeyDirectoryTag)
        .map_err(tf)?
        .ok_or_else(|| {
            unsupported("no GeoKeyDirectory (34735): cannot confirm the CRS is EPSG:4326".into())
        })?
        .into_u16_vec()
        .map_err(tf)?;
    let raster_type = check_geokeys(&keys).map_err(unsupported)?;
    let nodata =
        match dec.find_tag(Tag::GdalNodata).map_err(tf)? {
            None => None,
            Some(v) => {
                let s = v.into_string().map_err(tf)?;
                let t = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
                Some(parse_nodata(t).ok_or_else(|| {
                    unsupported(format!("GDAL_NODATA value {t:?} is not a number"))
                })?)
            }
        };
    let (data, sample_type): (Vec<f32>, &'static str) = match dec.read_image().map_err(tf)? {
        DecodingResult::I16(v) => (v.into_iter().map(f32::from).collect(), "int16"),
        DecodingResult::U16(v) => (v.into_iter().map(f32::from).collect(), "uint16"),
        DecodingResult::I32(v) => (v.into_iter().map(|x| x as f32).collect(), "int32"),
        DecodingResult::F32(v) => (v, "float32"),
        DecodingResult::F64(v) => (v.into_iter().map(|x| x as f32).collect(), "float64"),
        other => {
            return Err(unsupported(format!(
                "sample type {} is not supported (int16, uint16, int32, float32, float64)",
                result_name(&other)
            )))
        }
    };
    if data.len() != width * height {
        return Err(unsupported(format!(
            "decoded {} samples for a {width}×{height} raster",
            data.len()
        )));
    }
    let (i, j, x, y) = (tie[0], tie[1], tie[3], tie[4]);
    // Raster space → model space: (i, j) ↦ (x + (i' − I)·sx, y − (j' − J)·sy). For PixelIsPoint
    // the pixel centres are at integer raster coordinates, so the area edges are half a pixel
    // out.
    let half = match raster_type {
        RasterType::PixelIsArea => 0.0,
        RasterType::PixelIsPoint => 0.5,
    };
    let west_edge_deg = x - (i + half) * sx;
    let north_edge_deg = y + (j + half) * sy;
    if !(west_edge_deg.is_finite() && north_edge_deg.is_finite()) {
        return Err(unsupported("tiepoint is not finite".into()));
    }
    Ok(RawRaster {
        width,
        height,
        data,
        nodata,
        west_edge_deg,
        north_edge_deg,
        pixel_deg_x: sx,
        pixel_deg_y: sy,
        raster_type,
        sample_type,
    })
}

/// Read a GeoTIFF DEM as a [`Dem`] of pixel-centre samples, nodata (and NaN) as voids
/// (not filled; [`super::Terrain::geotiff`] fills small ones).
///
/// # Errors
/// As [`read_raster`], plus [`GeoTiffError::Unsupported`] for a raster smaller than 2×2.
pub fn read_dem(path: &Path) -> Result<Dem, GeoTiffError> {
    let r = read_raster(path)?;
    if r.width < 2 || r.height < 2 {
        return Err(GeoTiffError::Unsupported {
            path: path.display().to_string(),
            what: format!(
                "a DEM needs at least 2×2 samples, got {}×{}",
                r.width, r.height
            ),
        });
    }
    let mut data = r.data;
    if let Some(nd) = r.nodata {
        let nd = nd as f32;
        for v in &mut data {
            if *v == nd {
                *v = f32::NAN;
            }
        }
    }
    Ok(Dem {
        south_deg: r.north_edge_deg - (r.height as f64 - 0.5) * r.pixel_deg_y,
        west_deg: r.west_edge_deg + 0.5 * r.pixel_deg_x,
        step_lat_deg: r.pixel_deg_y,
        step_lon_deg: r.pixel_deg_x,
        rows: r.height,
        cols: r.width,
        data,
    })
}

fn parse_nodata(t: &str) -> Option<f64> {
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        s => s.parse().ok(),
    }
}

fn result_name(r: &DecodingResult) -> &'static str {
    match r {
        DecodingResult::U8(_) => "uint8",
        DecodingResult::U16(_) => "uint16",
        DecodingResult::U32(_) => "uint32",
        DecodingResult::U64(_) => "uint64",
        DecodingResult::F32(_) => "float32",
        DecodingResult::F64(_) => "float64",
        DecodingResult::I8(_) => "int8",
        DecodingResult::I16(_) => "int16",
        DecodingResult::I32(_) => "int32",
        DecodingResult::I64(_) => "int64",
    }
}

/// Check a GeoKeyDirectory says geographic EPSG:4326 in degrees; return the raster type.
fn check_geokeys(keys: &[u16]) -> Result<RasterType, String> {
    if keys.len() < 4 {
        return Err("GeoKeyDirectory is too short".into());
    }
    let n = keys[3] as usize;
    if keys.len() < 4 + 4 * n {
        return Err(format!(
            "GeoKeyDirectory declares {n} keys but holds {}",
            (keys.len() - 4) / 4
        ));
    }
    let mut model = None;
    let mut raster = RasterType::PixelIsArea;
    let mut gcs = None;
    for k in keys[4..4 + 4 * n].chunks_exact(4) {
        let (id, loc, value) = (k[0], k[1], k[3]);
        // Only SHORT keys stored inline (location 0) matter here.
        if loc != 0 {
            continue;
        }
        match id {
            GT_MODEL_TYPE => model = Some(value),
            GT_RASTER_TYPE => {
                raster = match value {
                    1 => RasterType::PixelIsArea,
                    2 => RasterType::PixelIsPoint,
                    v => return Err(format!("unknown GTRasterType {v}")),
                }
            }
            GEOGRAPHIC_TYPE => gcs = Some(value),
            GEOG_GEODETIC_DATUM if gcs == Some(32767) && value != 6326 => {
                return Err(format!(
                    "geodetic datum EPSG:{value} is not WGS 84 (6326); reproject to EPSG:4326"
                ))
            }
            GEOG_ANGULAR_UNITS if value != 9102 => {
                return Err(format!("angular unit EPSG:{value} is not degrees (9102)"))
            }
            PROJECTED_CS_TYPE => {
                return Err(format!(
                    "projected CRS EPSG:{value}; only geographic EPSG:4326 DEMs are supported \
                     (reproject with gdalwarp -t_srs EPSG:4326)"
                ))
            }
            _ => {}
        }
    }
    match model {
        Some(2) => {}
        Some(1) => {
            return Err(
                "GTModelType is projected; only geographic EPSG:4326 DEMs are supported \
                 (reproject with gdalwarp -t_srs EPSG:4326)"
                    .into(),
            )
        }
        Some(v) => return Err(format!("GTModelType {v} is not geographic (2)")),
        None => return Err("GeoKeyDirectory has no GTModelType; cannot confirm EPSG:4326".into()),
    }
    match gcs {
        Some(4326) => Ok(raster),
        Some(v) => Err(format!(
            "geographic CRS EPSG:{v} is not WGS 84 (EPSG:4326); reproject with gdalwarp -t_srs \
             EPSG:4326"
        )),
        None => Err("GeoKeyDirectory has no GeographicType; cannot confirm EPSG:4326".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geokeys() {
        let ok = [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 2, 2048, 0, 1, 4326];
        assert_eq!(check_geokeys(&ok), Ok(RasterType::PixelIsPoint));
        let projected = [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32614];
        assert!(check_geokeys(&projected).unwrap_err().contains("32614"));
        let nad83 = [1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 4269];
        assert!(check_geokeys(&nad83).unwrap_err().contains("4269"));
        assert!(check_geokeys(&[1, 1, 0, 5, 1024, 0, 1, 2]).is_err());
    }

    #[test]
    fn nodata_values() {
        assert_eq!(parse_nodata("-32768"), Some(-32768.0));
        assert!(parse_nodata("nan").unwrap().is_nan());
        assert_eq!(parse_nodata("x"), None);
    }
}
