//! GeoTIFF rasters of a run, through `sim::geotiff::write_f32` (Float32, EPSG:4326,
//! PixelIsArea, nodata −9999; NaN pixels are written as nodata).

use std::path::Path;

use sim::coverage::Grid;

/// Nodata value written for pixels without a value.
pub const NODATA: f32 = -9999.0;

/// Write one raster of `grid` (row-major, NaN = no value) to `path`.
///
/// # Errors
/// Writer errors.
pub fn write(path: &Path, grid: &Grid, values: &[f32]) -> anyhow::Result<()> {
    let raster = sim::geotiff::GeoRaster {
        west_deg: grid.west_deg,
        north_deg: grid.north_deg,
        pixel_deg_x: grid.dlon_deg,
        pixel_deg_y: grid.dlat_deg,
        width: grid.cols,
        height: grid.rows,
        data: values
            .iter()
            .map(|&v| if v.is_finite() { v } else { NODATA })
            .collect(),
        nodata: NODATA,
    };
    sim::geotiff::write_f32(path, &raster)?;
    Ok(())
}
