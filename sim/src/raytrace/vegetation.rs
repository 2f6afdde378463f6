//! Vegetation (woodland, clutter) as polygons with a canopy height and a specific attenuation,
//! with the excess loss of ITU-R P.833.
//!
//! For a path that crosses `d` metres of canopy with specific attenuation `γ` (dB/m, the
//! length-weighted mean over the patches crossed), the excess loss is
//! `A_ev = A_m · (1 − exp(−d·γ / A_m))` (P.833-9 eq. 1), where `A_m` is the maximum attenuation
//! for one terminal in woodland, `A_m = A1·f^α` with `A1 = 0.18 dB`, `α = 0.752`, `f` in MHz
//! (P.833-9 eq. 2) unless the layer sets its own.
//!
//! # References
//! ITU-R P.833-9 §2 (terminal within woodland), §3 (one terminal in woodland).

use super::geom::Vec3;
use super::landcover::LandCover;
use super::scene::Heightfield;

/// One vegetation polygon (flat-frame ENU metres), canopy from the ground up to `height_m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// Polygon vertices (x, y), m; closed implicitly.
    pub polygon: Vec<(f64, f64)>,
    /// Canopy height above ground, m.
    pub height_m: f64,
    /// Specific attenuation γ, dB/m (P.833-9 Fig. 2 gives typical values by frequency).
    pub specific_db_per_m: f64,
}

impl Patch {
    fn contains(&self, x: f64, y: f64) -> bool {
        let p = &self.polygon;
        let mut inside = false;
        let mut j = p.len().wrapping_sub(1);
        for i in 0..p.len() {
            let (xi, yi) = p[i];
            let (xj, yj) = p[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }
}

/// A vegetation layer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vegetation {
    /// Patches; where they overlap the first one wins.
    pub patches: Vec<Patch>,
    /// Maximum attenuation `A_m`, dB; `None` uses P.833's `0.18·f_MHz^0.752`.
    pub max_db: Option<f64>,
    /// Canopy from a land-cover raster, where no patch covers the point.
    pub land_cover: Option<LandCover>,
}

impl Vegetation {
    /// Excess loss (dB) of the flat-frame straight segment `a → b` (x, y, z above datum) at
    /// `frequency_hz`, sampled every `step_m` metres against the height field.
    pub fn segment_loss_db(
        &self,
        a: Vec3,
        b: Vec3,
        hf: &Heightfield,
        frequency_hz: f64,
        step_m: f64,
    ) -> f64 {
        let (depth, atten) = self.depth(a, b, hf, step_m);
        self.excess_db(depth, atten, frequency_hz)
    }

    /// Canopy depth (m) and the summed `γ·length` (dB) along a segment.
    pub fn depth(&self, a: Vec3, b: Vec3, hf: &Heightfield, step_m: f64) -> (f64, f64) {
        if self.patches.is_empty() && self.land_cover.is_none() {
            return (0.0, 0.0);
        }
        let len = (b - a).norm();
        let n = ((len / step_m).ceil() as usize).max(1);
        let ds = len / n as f64;
        let (mut depth, mut db) = (0.0, 0.0);
        for i in 0..n {
            let p = a + (b - a) * ((i as f64 + 0.5) / n as f64);
            let Some(g) = hf.height_at(p.x, p.y) else {
                continue;
            };
            let canopy = match self.patches.iter().find(|q| q.contains(p.x, p.y)) {
                Some(patch) => Some((patch.height_m, patch.specific_db_per_m)),
                None => self.land_cover.as_ref().and_then(|c| c.canopy_at(p.x, p.y)),
            };
            if let Some((height_m, gamma)) = canopy {
                if p.z <= g + height_m {
                    depth += ds;
                    db += ds * gamma;
                }
            }
        }
        (depth, db)
    }

    /// P.833 excess loss for canopy `depth_m` with accumulated `γ·d` of `linear_db`.
    pub fn excess_db(&self, depth_m: f64, linear_db: f64, frequency_hz: f64) -> f64 {
        if depth_m <= 0.0 {
            return 0.0;
        }
        let am = self
            .max_db
            .unwrap_or_else(|| 0.18 * (frequency_hz / 1e6).powf(0.752));
        am * (1.0 - (-linear_db / am).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p833_saturates_at_am() {
        let veg = Vegetation {
            patches: vec![Patch {
                polygon: vec![(0.0, -50.0), (100.0, -50.0), (100.0, 50.0), (0.0, 50.0)],
                height_m: 15.0,
                specific_db_per_m: 0.2,
            }],
            max_db: None,
            land_cover: None,
        };
        let hf = Heightfield::from_fn(-200.0, -200.0, 10.0, 10.0, 41, 41, |_, _| 0.0);
        // 100 m of canopy at 2 m height: γ d = 20 dB; A_m(600 MHz) = 0.18·600^0.752 ≈ 22.2 dB.
        let l = veg.segment_loss_db(
            Vec3::new(-100.0, 0.0, 2.0),
            Vec3::new(150.0, 0.0, 2.0),
            &hf,
            600e6,
            1.0,
        );
        let am = 0.18 * 600f64.powf(0.752);
        let expect = am * (1.0 - (-20.0 / am).exp());
        assert!((l - expect).abs() < 0.3, "{l} vs {expect}");
        // Above the canopy: nothing.
        let l = veg.segment_loss_db(
            Vec3::new(-100.0, 0.0, 20.0),
            Vec3::new(150.0, 0.0, 20.0),
            &hf,
            600e6,
            1.0,
        );
        assert_eq!(l, 0.0);
    }
}
