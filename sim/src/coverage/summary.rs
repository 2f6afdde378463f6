//! Area summaries of a [`Coverage`]: km² at or above received-power thresholds, per site and
//! for the best server, and percentiles over the mapped pixels.
//!
//! Areas sum each pixel's own ground area (it shrinks with cos(latitude)); percentiles are
//! nearest-rank over pixel values (not area-weighted), computed after a total-order sort, so
//! the summary is identical for any thread count.

use serde::Serialize;

use super::Coverage;
use crate::scenario::Scenario;

/// Percentiles reported, %.
pub const PERCENTILES: [f64; 5] = [5.0, 10.0, 50.0, 90.0, 95.0];

/// Area at or above one threshold.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThresholdArea {
    /// Threshold, dBm (or dB for SINR).
    pub threshold: f64,
    /// Area, km².
    pub area_km2: f64,
}

/// Summary of one raster.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RasterSummary {
    /// Pixels with a value.
    pub pixels: usize,
    /// Their area, km².
    pub area_km2: f64,
    /// Area at or above each threshold.
    pub above: Vec<ThresholdArea>,
    /// `[percent, value]` pairs.
    pub percentiles: Vec<[f64; 2]>,
    /// Mean of the values (dB domain).
    pub mean: Option<f64>,
}

/// One site's summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SiteSummary {
    /// Site name.
    pub name: String,
    /// Its received power, dBm.
    pub rx_dbm: RasterSummary,
    /// Area where it is the best server, km².
    pub best_server_area_km2: f64,
}

/// The whole summary (summary.json).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Grid rows and columns.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Pixel size, m.
    pub resolution_m: f64,
    /// Thermal noise, dBm.
    pub noise_dbm: f64,
    /// Per site.
    pub sites: Vec<SiteSummary>,
    /// Best-server received power, dBm.
    pub overall_rx_dbm: RasterSummary,
    /// SINR of the best server, dB (thresholds −5, 0, 5, 10, 20 dB).
    pub sinr_db: RasterSummary,
    /// Pixels where the model or terrain failed.
    pub failed_pixels: usize,
}

/// SINR thresholds reported, dB.
pub const SINR_THRESHOLDS_DB: [f64; 5] = [-5.0, 0.0, 5.0, 10.0, 20.0];

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

/// Summarise one raster against thresholds.
pub fn summarize(cov: &Coverage, values: &[f32], thresholds: &[f64]) -> RasterSummary {
    let g = &cov.grid;
    let mut pixels = 0usize;
    let mut area = 0.0;
    let mut above = vec![0.0; thresholds.len()];
    let mut sum = 0.0;
    let mut finite: Vec<f32> = Vec::new();
    for r in 0..g.rows {
        let a = g.pixel_area_km2(r);
        for &v in &values[r * g.cols..(r + 1) * g.cols] {
            if !v.is_finite() {
                continue;
            }
            pixels += 1;
            area += a;
            sum += f64::from(v);
            finite.push(v);
            for (k, t) in thresholds.iter().enumerate() {
                if f64::from(v) >= *t {
                    above[k] += a;
                }
            }
        }
    }
    finite.sort_by(f32::total_cmp);
    let percentiles = if finite.is_empty() {
        Vec::new()
    } else {
        PERCENTILES
            .iter()
            .map(|&p| {
                let rank = ((p / 100.0) * finite.len() as f64).ceil().max(1.0) as usize;
                [p, round(f64::from(finite[rank - 1]), 3)]
            })
            .collect()
    };
    RasterSummary {
        pixels,
        area_km2: round(area, 4),
        above: thresholds
            .iter()
            .zip(above)
            .map(|(&t, a)| ThresholdArea {
                threshold: t,
                area_km2: round(a, 4),
            })
            .collect(),
        percentiles,
        mean: (pixels > 0).then(|| round(sum / pixels as f64, 3)),
    }
}

/// The summary of a run.
pub fn summary(sc: &Scenario, cov: &Coverage) -> Summary {
    let th = &sc.coverage.thresholds_dbm;
    let g = &cov.grid;
    let sites = sc
        .sites
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut best_area = 0.0;
            for r in 0..g.rows {
                let a = g.pixel_area_km2(r);
                best_area += a * cov.best_site[r * g.cols..(r + 1) * g.cols]
                    .iter()
                    .filter(|&&b| usize::from(b) == k)
                    .count() as f64;
            }
            SiteSummary {
                name: s.name.clone(),
                rx_dbm: summarize(cov, &cov.site_dbm[k], th),
                best_server_area_km2: round(best_area, 4),
            }
        })
        .collect();
    Summary {
        scenario: sc.name.clone(),
        rows: g.rows,
        cols: g.cols,
        resolution_m: sc.coverage.resolution_m,
        noise_dbm: round(cov.noise_dbm, 3),
        sites,
        overall_rx_dbm: summarize(cov, &cov.best_dbm, th),
        sinr_db: summarize(cov, &cov.sinr_db, &SINR_THRESHOLDS_DB),
        failed_pixels: cov.failed_pixels,
    }
}
