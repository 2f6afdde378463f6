//! `lastmile path --plot`: the terrain profile drawn on an earth of effective radius k·a
//! (terrain raised by the bulge d₁d₂/(2ka) against the straight antenna-to-antenna line),
//! the line of sight, and the first Fresnel zone around it.

use plotters::prelude::*;

use crate::cmd::path::PathReport;

/// Render the plot as PNG bytes (1000 × 520).
///
/// # Errors
/// Drawing or encoding errors.
pub fn render(pr: &PathReport, title: &str) -> anyhow::Result<Vec<u8>> {
    super::register_font();
    let (w, h) = (1000u32, 520u32);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    let n = pr.profile.elevations_m.len();
    let pts = |f: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
        (0..n).map(|i| (pr.d_at(i) / 1000.0, f(i))).collect()
    };
    let ground = pts(&|i| pr.profile.elevations_m[i] + pr.bulge(i));
    let los = pts(&|i| pr.los(i));
    let f_hi = pts(&|i| pr.los(i) + pr.fresnel_r1(i));
    let f_lo = pts(&|i| pr.los(i) - pr.fresnel_r1(i));
    let ymin = ground
        .iter()
        .chain(&f_lo)
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min);
    let ymax = ground
        .iter()
        .chain(&f_hi)
        .map(|p| p.1)
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = (ymax - ymin).max(10.0) * 0.08;
    let dx = pr.d_m / 1000.0;
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let de = |e: DrawingAreaErrorKind<_>| anyhow::anyhow!("drawing: {e:?}");
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..dx, (ymin - pad)..(ymax + pad))
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_desc("distance from TX (km)")
            .y_desc("elevation (m AMSL, k-earth)")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(de)?;
        let base = ymin - pad;
        chart
            .draw_series(AreaSeries::new(
                ground.clone(),
                base,
                RGBColor(150, 120, 80).mix(0.6),
            ))
            .map_err(de)?
            .label("terrain + earth bulge")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 16, y + 5)],
                    RGBColor(150, 120, 80).filled(),
                )
            });
        chart
            .draw_series(LineSeries::new(los, BLUE.stroke_width(2)))
            .map_err(de)?
            .label("line of sight")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(f_hi, GREEN))
            .map_err(de)?
            .label("first Fresnel zone")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], GREEN));
        chart
            .draw_series(LineSeries::new(f_lo, GREEN))
            .map_err(de)?;
        let blocked: Vec<(f64, f64)> = (1..n.saturating_sub(1))
            .filter(|&i| pr.profile.elevations_m[i] + pr.bulge(i) >= pr.los(i))
            .map(|i| ground[i])
            .collect();
        chart
            .draw_series(blocked.into_iter().map(|p| Circle::new(p, 2, RED.filled())))
            .map_err(de)?;
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(de)?;
        root.present().map_err(de)?;
    }
    super::encode_png(w, h, false, &buf)
}
