//! coverage.png: hillshaded terrain under colour-mapped received power, with a colour bar in
//! dBm, site markers, a scale bar and a title; and the transparent overlay for the KMZ.
//!
//! The map is drawn at the grid's own pixels (nearest neighbour, scaled so the long side is
//! [`PANEL_PX`]); north is up. The hillshade is the usual Lambertian shade of the DEM normal
//! under a sun at azimuth 315°, altitude 45°, with 2× vertical exaggeration.

use plotters::prelude::*;

use sim::coverage::{Coverage, Grid, M_PER_DEG};
use sim::scenario::Scenario;

use super::colormap::turbo;

/// Long side of the map panel, pixels.
pub const PANEL_PX: usize = 900;
const LEFT: usize = 24;
const TOP: usize = 64;
const RIGHT: usize = 150;
const BOTTOM: usize = 64;

/// The signal range shown, dBm: from the lowest threshold up to the 99th percentile rounded
/// up to 10 dB (at least 30 dB wide).
pub fn signal_range(sc: &Scenario, cov: &Coverage) -> (f64, f64) {
    let lo = sc
        .coverage
        .thresholds_dbm
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let mut v: Vec<f32> = cov
        .best_dbm
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    v.sort_by(f32::total_cmp);
    let p99 = if v.is_empty() {
        lo + 30.0
    } else {
        f64::from(v[((v.len() as f64 * 0.99) as usize).min(v.len() - 1)])
    };
    let hi = (lo + 30.0).max((p99 / 10.0).ceil() * 10.0);
    (lo, hi)
}

/// Hillshade in [0, 1] at every grid pixel (NaN elevation → NaN).
pub fn hillshade(grid: &Grid, z: &[f32]) -> Vec<f32> {
    let (rows, cols) = (grid.rows, grid.cols);
    let h_m = grid.dlat_deg * M_PER_DEG;
    let (az, alt) = (315f64.to_radians(), 45f64.to_radians());
    let light = [az.sin() * alt.cos(), az.cos() * alt.cos(), alt.sin()];
    let exaggeration = 2.0;
    let mut out = vec![f32::NAN; rows * cols];
    for r in 0..rows {
        let w_m = grid.dlon_deg * M_PER_DEG * grid.lat(r).to_radians().cos();
        let (ru, rd) = (r.saturating_sub(1), (r + 1).min(rows - 1));
        for c in 0..cols {
            let (cl, cr) = (c.saturating_sub(1), (c + 1).min(cols - 1));
            let at = |rr: usize, cc: usize| f64::from(z[rr * cols + cc]);
            let dzdx = (at(r, cr) - at(r, cl)) / (w_m * (cr - cl).max(1) as f64);
            let dzdy = (at(ru, c) - at(rd, c)) / (h_m * (rd - ru).max(1) as f64);
            let n = [-dzdx * exaggeration, -dzdy * exaggeration, 1.0];
            let norm = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            let s = (n[0] * light[0] + n[1] * light[1] + n[2] * light[2]) / norm;
            out[r * cols + c] = s.max(0.0) as f32;
        }
    }
    out
}

fn text_style(size: f64) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

/// Render coverage.png (RGB PNG bytes).
///
/// # Errors
/// Drawing or encoding errors.
pub fn render_png(sc: &Scenario, cov: &Coverage, terrain_desc: &str) -> anyhow::Result<Vec<u8>> {
    super::register_font();
    let g = &cov.grid;
    let scale = PANEL_PX as f64 / g.rows.max(g.cols) as f64;
    let pw = ((g.cols as f64 * scale).round() as usize).max(1);
    let ph = ((g.rows as f64 * scale).round() as usize).max(1);
    let (w, h) = (LEFT + pw + RIGHT, TOP + ph + BOTTOM);
    let mut buf = vec![255u8; w * h * 3];
    let (lo, hi) = signal_range(sc, cov);
    let shade = hillshade(g, &cov.elevation_m);

    for y in 0..ph {
        let r = ((y as f64 / scale) as usize).min(g.rows - 1);
        for x in 0..pw {
            let c = ((x as f64 / scale) as usize).min(g.cols - 1);
            let i = r * g.cols + c;
            let s = f64::from(shade[i]);
            let v = f64::from(cov.best_dbm[i]);
            let px = if !s.is_finite() {
                [255, 255, 255]
            } else if v.is_finite() && v >= lo {
                let col = turbo((v - lo) / (hi - lo));
                let k = 0.55 + 0.45 * s;
                col.map(|ch| (f64::from(ch) * k).round().min(255.0) as u8)
            } else {
                let grey = (70.0 + 170.0 * s).round() as u8;
                [grey, grey, grey]
            };
            let o = ((TOP + y) * w + LEFT + x) * 3;
            buf[o..o + 3].copy_from_slice(&px);
        }
    }

    {
        let root = BitMapBackend::with_buffer(&mut buf, (w as u32, h as u32)).into_drawing_area();
        let de = |e: DrawingAreaErrorKind<_>| anyhow::anyhow!("drawing: {e:?}");
        // Frame.
        root.draw(&Rectangle::new(
            [
                (LEFT as i32 - 1, TOP as i32 - 1),
                ((LEFT + pw) as i32, (TOP + ph) as i32),
            ],
            BLACK.stroke_width(1),
        ))
        .map_err(de)?;
        // Title.
        let title = format!(
            "{} — received power (best server), {:.1} MHz, {}",
            sc.name,
            sc.carrier.center_hz / 1e6,
            sc.model.id.as_str().to_uppercase()
        );
        root.draw(&Text::new(title, (LEFT as i32, 14), text_style(22.0)))
            .map_err(de)?;
        let sub = format!(
            "{} site(s), Rx {:.0} m AGL, {:.0} m pixels, terrain: {}",
            sc.sites.len(),
            sc.coverage.rx_height_m,
            sc.coverage.resolution_m,
            terrain_desc
        );
        root.draw(&Text::new(sub, (LEFT as i32, 40), text_style(14.0)))
            .map_err(de)?;

        // Colour bar.
        let bx = (LEFT + pw + 30) as i32;
        let (by0, by1) = (TOP as i32 + 10, (TOP + ph) as i32 - 10);
        for y in by0..by1 {
            let t = f64::from(by1 - 1 - y) / f64::from(by1 - by0 - 1);
            let col = turbo(t);
            root.draw(&Rectangle::new(
                [(bx, y), (bx + 24, y + 1)],
                RGBColor(col[0], col[1], col[2]).filled(),
            ))
            .map_err(de)?;
        }
        root.draw(&Rectangle::new(
            [(bx, by0), (bx + 24, by1)],
            BLACK.stroke_width(1),
        ))
        .map_err(de)?;
        let mut v = lo;
        while v <= hi + 1e-9 {
            let y = by1 - ((v - lo) / (hi - lo) * f64::from(by1 - by0)).round() as i32;
            root.draw(&PathElement::new(vec![(bx + 24, y), (bx + 30, y)], BLACK))
                .map_err(de)?;
            root.draw(&Text::new(
                format!("{v:.0}"),
                (bx + 33, y - 7),
                text_style(13.0),
            ))
            .map_err(de)?;
            v += 10.0;
        }
        root.draw(&Text::new("dBm", (bx - 2, by0 - 26), text_style(15.0)))
            .map_err(de)?;

        // Sites.
        for s in &sc.sites {
            let x = LEFT as f64 + (s.lon_deg - g.west_deg) / g.dlon_deg * scale;
            let y = TOP as f64 + (g.north_deg - s.lat_deg) / g.dlat_deg * scale;
            let (x, y) = (x.round() as i32, y.round() as i32);
            let tri = vec![(x, y - 9), (x - 8, y + 6), (x + 8, y + 6)];
            root.draw(&Polygon::new(tri.clone(), WHITE.filled()))
                .map_err(de)?;
            let mut outline = tri;
            outline.push((x, y - 9));
            root.draw(&PathElement::new(outline, BLACK.stroke_width(2)))
                .map_err(de)?;
            root.draw(&Text::new(
                s.name.clone(),
                (x + 11, y - 8),
                text_style(14.0),
            ))
            .map_err(de)?;
        }

        // Scale bar (ground distance at the map's centre latitude).
        let mid_lat = g.north_deg - 0.5 * g.rows as f64 * g.dlat_deg;
        let m_per_px = g.dlon_deg * M_PER_DEG * mid_lat.to_radians().cos() / scale;
        let target_m = m_per_px * pw as f64 / 4.0;
        let nice = [
            100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 10e3, 20e3, 50e3, 100e3, 200e3,
        ];
        let len_m = nice
            .iter()
            .copied()
            .filter(|&n| n <= target_m)
            .fold(nice[0], f64::max);
        let len_px = (len_m / m_per_px).round() as i32;
        let sx = LEFT as i32;
        let sy = (TOP + ph) as i32 + 24;
        root.draw(&Rectangle::new(
            [(sx, sy), (sx + len_px / 2, sy + 6)],
            BLACK.filled(),
        ))
        .map_err(de)?;
        root.draw(&Rectangle::new(
            [(sx + len_px / 2, sy), (sx + len_px, sy + 6)],
            WHITE.filled(),
        ))
        .map_err(de)?;
        root.draw(&Rectangle::new(
            [(sx, sy), (sx + len_px, sy + 6)],
            BLACK.stroke_width(1),
        ))
        .map_err(de)?;
        let label = if len_m >= 1000.0 {
            format!("{:.0} km", len_m / 1000.0)
        } else {
            format!("{len_m:.0} m")
        };
        root.draw(&Text::new(
            label,
            (sx + len_px + 8, sy - 5),
            text_style(14.0),
        ))
        .map_err(de)?;
        root.draw(&Text::new(
            format!(
                "N ↑   {:.4}°…{:.4}°N  {:.4}°…{:.4}°E   grey: below {lo:.0} dBm",
                g.north_deg - g.rows as f64 * g.dlat_deg,
                g.north_deg,
                g.west_deg,
                g.west_deg + g.cols as f64 * g.dlon_deg
            ),
            (sx + len_px + 80, sy - 5),
            text_style(13.0),
        ))
        .map_err(de)?;
        root.present().map_err(de)?;
    }
    super::encode_png(w as u32, h as u32, false, &buf)
}

/// The KMZ overlay: one RGBA pixel per grid pixel, coloured where the signal is at or above
/// the lowest threshold, transparent elsewhere.
///
/// # Errors
/// Encoding errors.
pub fn render_overlay(sc: &Scenario, cov: &Coverage) -> anyhow::Result<Vec<u8>> {
    let g = &cov.grid;
    let (lo, hi) = signal_range(sc, cov);
    let mut buf = vec![0u8; g.rows * g.cols * 4];
    for (i, &v) in cov.best_dbm.iter().enumerate() {
        let v = f64::from(v);
        if v.is_finite() && v >= lo {
            let c = turbo((v - lo) / (hi - lo));
            buf[i * 4..i * 4 + 4].copy_from_slice(&[c[0], c[1], c[2], 170]);
        }
    }
    super::encode_png(g.cols as u32, g.rows as u32, true, &buf)
}
