//! GeoTIFF rasters in EPSG:4326: the Float32 writer for result maps (`coverage.tif`,
//! `sinr.tif`) and its reader.
//!
//! A [`GeoRaster`] is north-up: row 0 is the northern row of pixels, column 0 the western
//! column. Pixels are areas (GeoTIFF *PixelIsArea*): pixel `(r, c)` covers longitudes
//! `west_deg + c·pixel_deg_x … + (c+1)·pixel_deg_x` and latitudes
//! `north_deg − (r+1)·pixel_deg_y … north_deg − r·pixel_deg_y`, its value belonging to its
//! centre. This is GDAL's geotransform `(west, pixel_deg_x, 0, north, 0, −pixel_deg_y)`.
//!
//! The file written is a baseline little-endian TIFF, one Float32 band, uncompressed strips,
//! with the GeoTIFF tags ModelPixelScale (33550) `[pixel_deg_x, pixel_deg_y, 0]`,
//! ModelTiepoint (33922) `[0, 0, 0, west, north, 0]`, GeoKeyDirectory (34735) with
//! GTModelType = 2 (geographic), GTRasterType = 1 (PixelIsArea), GeographicType = 4326,
//! GeogAngularUnits = 9102 (degree), and GDAL_NODATA (42113) as ASCII. It is written to a
//! temporary file in the destination directory, synced, then renamed over the destination, so
//! readers never see half a file.
//!
//! # References
//! OGC GeoTIFF 1.1 (19-008r4) §7 (tags, keys, raster space); TIFF 6.0 (Adobe, 1992);
//! GDAL's GeoTIFF driver documentation for `GDAL_NODATA`.

use std::io::{BufWriter, Write};
use std::path::Path;

use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;

/// Errors reading or writing GeoTIFFs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoTiffError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a readable TIFF (or the encoder failed).
    #[error("{path}: not a readable TIFF: {source}")]
    Tiff {
        path: String,
        #[source]
        source: tiff::TiffError,
    },
    /// A valid TIFF, but not a GeoTIFF this reader accepts (projected CRS, several bands,
    /// rotation, missing georeferencing, unsupported sample type…).
    #[error("{path}: {what}")]
    Unsupported { path: String, what: String },
    /// The raster handed to the writer is inconsistent.
    #[error("invalid raster: {0}")]
    InvalidRaster(String),
}

/// A north-up single-band raster in EPSG:4326 (see the module docs for the pixel geometry).
#[derive(Debug, Clone, PartialEq)]
pub struct GeoRaster {
    /// Longitude of the western edge of column 0, degrees.
    pub west_deg: f64,
    /// Latitude of the northern edge of row 0, degrees.
    pub north_deg: f64,
    /// Pixel width, degrees of longitude (> 0).
    pub pixel_deg_x: f64,
    /// Pixel height, degrees of latitude (> 0; rows go south).
    pub pixel_deg_y: f64,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `height × width` values, row-major, row 0 north.
    pub data: Vec<f32>,
    /// The value that marks "no data" (NaN allowed; NaN when a file read has none).
    pub nodata: f32,
}

impl GeoRaster {
    /// Centre of pixel (row, col): `(lat_deg, lon_deg)`.
    pub fn pixel_center(&self, row: usize, col: usize) -> (f64, f64) {
        (
            self.north_deg - (row as f64 + 0.5) * self.pixel_deg_y,
            self.west_deg + (col as f64 + 0.5) * self.pixel_deg_x,
        )
    }

    /// Check sizes and geometry.
    ///
    /// # Errors
    /// [`GeoTiffError::InvalidRaster`] naming what is wrong.
    pub fn validate(&self) -> Result<(), GeoTiffError> {
        let bad = |w: String| Err(GeoTiffError::InvalidRaster(w));
        if self.width == 0 || self.height == 0 {
            return bad(format!("empty raster {}×{}", self.width, self.height));
        }
        if self.width > u32::MAX as usize || self.height > u32::MAX as usize {
            return bad(format!("raster {}×{} too large", self.width, self.height));
        }
        if self.data.len() != self.width * self.height {
            return bad(format!(
                "{} values for a {}×{} raster",
                self.data.len(),
                self.width,
                self.height
            ));
        }
        let pos = |x: f64| x.is_finite() && x > 0.0;
        if !pos(self.pixel_deg_x) || !pos(self.pixel_deg_y) {
            return bad(format!(
                "pixel size {}° × {}° must be positive",
                self.pixel_deg_x, self.pixel_deg_y
            ));
        }
        if !self.west_deg.is_finite() || !self.north_deg.is_finite() {
            return bad("origin is not finite".into());
        }
        Ok(())
    }
}

/// GeoKeyDirectory for geographic WGS 84 (EPSG:4326), PixelIsArea, angles in degrees.
const GEOKEYS_4326_AREA: [u16; 20] = [
    1, 1, 0, 4, // version 1.1.0, 4 keys
    1024, 0, 1, 2, // GTModelTypeGeoKey = ModelTypeGeographic
    1025, 0, 1, 1, // GTRasterTypeGeoKey = RasterPixelIsArea
    2048, 0, 1, 4326, // GeographicTypeGeoKey = GCS_WGS_84
    2054, 0, 1, 9102, // GeogAngularUnitsGeoKey = Angular_Degree
];

/// Write `raster` as a Float32 GeoTIFF at `path`, atomically (temporary file in the same
/// directory, then rename).
///
/// # Errors
/// [`GeoTiffError::InvalidRaster`] for an inconsistent raster (nothing is written),
/// [`GeoTiffError::Io`] / [`GeoTiffError::Tiff`] when writing fails (the destination is left
/// as it was).
pub fn write_f32(path: &Path, raster: &GeoRaster) -> Result<(), GeoTiffError> {
    raster.validate()?;
    let p = path.display().to_string();
    let io = |source| GeoTiffError::Io {
        path: p.clone(),
        source,
    };
    let tf = |source| GeoTiffError::Tiff {
        path: p.clone(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".lastmile-")
        .suffix(".tif.tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        let mut enc = TiffEncoder::new(&mut w).map_err(tf)?;
        let mut img = enc
            .new_image::<colortype::Gray32Float>(raster.width as u32, raster.height as u32)
            .map_err(tf)?;
        let scale = [raster.pixel_deg_x, raster.pixel_deg_y, 0.0];
        let tie = [0.0, 0.0, 0.0, raster.west_deg, raster.north_deg, 0.0];
        let nodata = format_nodata(raster.nodata);
        let e = img.encoder();
        e.write_tag(Tag::ModelPixelScaleTag, &scale[..])
            .map_err(tf)?;
        e.write_tag(Tag::ModelTiepointTag, &tie[..]).map_err(tf)?;
        e.write_tag(Tag::GeoKeyDirectoryTag, &GEOKEYS_4326_AREA[..])
            .map_err(tf)?;
        e.write_tag(Tag::GdalNodata, nodata.as_str()).map_err(tf)?;
        img.write_data(&raster.data).map_err(tf)?;
        w.flush().map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// GDAL_NODATA text: shortest round-trip decimal, `nan`/`inf`/`-inf` as GDAL spells them.
fn format_nodata(v: f32) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v}")
    }
}

/// Read a single-band EPSG:4326 GeoTIFF (any layout [`crate::terrain::geotiff_dem`] accepts)
/// as a [`GeoRaster`]; a PixelIsPoint file is converted to pixel-area edges as GDAL does.
/// Integer samples are converted to f32; `nodata` is NaN when the file has no GDAL_NODATA tag.
///
/// # Errors
/// As [`crate::terrain::geotiff_dem::read_dem`].
pub fn read_f32(path: &Path) -> Result<GeoRaster, GeoTiffError> {
    let r = crate::terrain::geotiff_dem::read_raster(path)?;
    Ok(GeoRaster {
        west_deg: r.west_edge_deg,
        north_deg: r.north_edge_deg,
        pixel_deg_x: r.pixel_deg_x,
        pixel_deg_y: r.pixel_deg_y,
        width: r.width,
        height: r.height,
        data: r.data,
        nodata: r.nodata.map_or(f32::NAN, |v| v as f32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster() -> GeoRaster {
        GeoRaster {
            west_deg: -99.75,
            north_deg: 40.75,
            pixel_deg_x: 0.01,
            pixel_deg_y: 0.005,
            width: 5,
            height: 3,
            data: (0..15).map(|i| i as f32 * 1.5 - 100.0).collect(),
            nodata: -9999.0,
        }
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.tif");
        let mut r = raster();
        r.data[7] = r.nodata;
        write_f32(&path, &r).unwrap();
        let back = read_f32(&path).unwrap();
        assert_eq!(back, r);
        // nothing but the result is left in the directory
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn nan_nodata_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.tif");
        let mut r = raster();
        r.nodata = f32::NAN;
        r.data[3] = f32::NAN;
        write_f32(&path, &r).unwrap();
        let back = read_f32(&path).unwrap();
        assert!(back.nodata.is_nan() && back.data[3].is_nan());
        assert_eq!(back.data[4], r.data[4]);
    }

    #[test]
    fn invalid_raster_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.tif");
        let mut r = raster();
        r.data.pop();
        assert!(matches!(
            write_f32(&path, &r),
            Err(GeoTiffError::InvalidRaster(_))
        ));
        r = raster();
        r.pixel_deg_y = -0.01;
        assert!(write_f32(&path, &r).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn nodata_text() {
        assert_eq!(format_nodata(-9999.0), "-9999");
        assert_eq!(format_nodata(-3.5), "-3.5");
        assert_eq!(format_nodata(f32::NAN), "nan");
    }
}
