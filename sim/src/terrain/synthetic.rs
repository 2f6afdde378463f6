//! Deterministic synthetic rural terrain: the embedded default when a scenario names no DEM.
//!
//! The height is a pure function of `(seed, x_km, y_km)`, with `x` east and `y` north of the
//! centre on a local tangent plane (`y = Δlat·111.195 km`, `x = Δlon·111.195·cos(lat₀) km`):
//!
//! | component | shape | size |
//! |---|---|---|
//! | base level | constant | 380 m |
//! | rolling hills | 6-octave fractal gradient (Perlin-type) noise, 14 km base wavelength, gain ½ | ±~120 m |
//! | rugged detail | ridged noise `(1 − |n|)²`, 1.6 km wavelength | 0–40 m |
//! | ridges | 3 wavy Gaussian ridges, 16–40 km long, 0.8–1.8 km wide, crest modulated by noise | 100–200 m |
//! | valley | one meandering broad valley through the area | −80 m |
//!
//! which gives heights of roughly 200–700 m. Because every sample depends only on its own
//! coordinates and the seed (no global normalisation, no shared RNG state), the grid is
//! bit-identical for the same parameters whatever the thread count, and the same point has
//! the same height whatever the extent asked for. Random parameters come from SplitMix64
//! seeded by `seed`; noise gradients from a 64-bit integer hash of (seed, octave, lattice
//! point).
//!
//! # References
//! K. Perlin, "Improving noise", SIGGRAPH 2002 (quintic fade, gradient noise);
//! F. K. Musgrave, "Texturing and Modeling: A Procedural Approach", ch. 16 (fBm, ridged
//! multifractal); S. Vigna, SplitMix64.

use rayon::prelude::*;

use super::{Dem, TerrainError, EARTH_RADIUS_M};

/// Kilometres per degree of latitude on the sphere of radius [`EARTH_RADIUS_M`].
const KM_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0 / 1000.0;

/// Largest grid the generator makes, samples (the spacing grows beyond it).
const MAX_SAMPLES: f64 = 12.0e6;

/// Margin added around the requested extent, km (so a profile to the edge stays inside).
const MARGIN_KM: f64 = 1.0;

/// Parameters of a synthetic terrain grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Seed of the terrain.
    pub seed: u64,
    /// Centre latitude, degrees (|lat| ≤ 80).
    pub center_lat_deg: f64,
    /// Centre longitude, degrees.
    pub center_lon_deg: f64,
    /// Half-width of the square area covered, km (0 < h ≤ 500); the grid adds a 1 km margin.
    pub half_extent_km: f64,
    /// Sample spacing in arc-seconds (latitude; longitude the same in degrees). Default 1″
    /// (~31 m), coarsened automatically so the grid stays under 12 million samples.
    pub step_arcsec: f64,
}

impl Params {
    /// Parameters with the default 1″ spacing.
    pub fn new(seed: u64, center_lat_deg: f64, center_lon_deg: f64, half_extent_km: f64) -> Self {
        Params {
            seed,
            center_lat_deg,
            center_lon_deg,
            half_extent_km,
            step_arcsec: 1.0,
        }
    }

    /// Generate the grid (rayon-parallel over rows; identical on any thread count).
    ///
    /// # Errors
    /// [`TerrainError::InvalidInput`] for a non-finite or polar centre (|lat| > 80°), an
    /// extent outside (0, 500] km, or a spacing outside (0, 3600]″.
    pub fn generate(&self) -> Result<Dem, TerrainError> {
        let p = self;
        let bad = |w: String| Err(TerrainError::InvalidInput(w));
        if !(p.center_lat_deg.is_finite()
            && p.center_lat_deg.abs() <= 80.0
            && p.center_lon_deg.is_finite())
        {
            return bad(format!(
                "synthetic terrain centre {}°, {}° must be finite with |lat| ≤ 80°",
                p.center_lat_deg, p.center_lon_deg
            ));
        }
        if !(p.half_extent_km > 0.0 && p.half_extent_km <= 500.0) {
            return bad(format!(
                "synthetic terrain half extent {} km must be in (0, 500]",
                p.half_extent_km
            ));
        }
        if !(p.step_arcsec > 0.0 && p.step_arcsec <= 3600.0) {
            return bad(format!(
                "synthetic terrain spacing {}″ must be in (0, 3600]",
                p.step_arcsec
            ));
        }
        let h_km = p.half_extent_km + MARGIN_KM;
        let coslat = p.center_lat_deg.to_radians().cos();
        let half_lat = h_km / KM_PER_DEG;
        let half_lon = h_km / (KM_PER_DEG * coslat);
        let mut step = p.step_arcsec / 3600.0;
        let samples = |s: f64| (2.0 * half_lat / s + 1.0) * (2.0 * half_lon / s + 1.0);
        if samples(step) > MAX_SAMPLES {
            step *= (samples(step) / MAX_SAMPLES).sqrt();
        }
        // Samples on the global lattice of multiples of `step` (so the same point gets the
        // same samples whatever the extent), covering at least the asked area.
        let i_south = ((p.center_lat_deg - half_lat) / step).floor();
        let i_north = ((p.center_lat_deg + half_lat) / step).ceil();
        let i_west = ((p.center_lon_deg - half_lon) / step).floor();
        let i_east = ((p.center_lon_deg + half_lon) / step).ceil();
        let rows = (i_north - i_south) as usize + 1;
        let cols = (i_east - i_west) as usize + 1;
        let south = i_south * step;
        let west = i_west * step;
        let field = Field::new(p.seed);
        let (lat0, lon0) = (p.center_lat_deg, p.center_lon_deg);
        let mut data = vec![0.0f32; rows * cols];
        data.par_chunks_mut(cols).enumerate().for_each(|(r, row)| {
            let lat = (i_north - r as f64) * step;
            let y = (lat - lat0) * KM_PER_DEG;
            for (c, z) in row.iter_mut().enumerate() {
                let lon = (i_west + c as f64) * step;
                let x = (lon - lon0) * KM_PER_DEG * coslat;
                *z = field.height_m(x, y) as f32;
            }
        });
        Ok(Dem {
            south_deg: south,
            west_deg: west,
            step_lat_deg: step,
            step_lon_deg: step,
            rows,
            cols,
            data,
        })
    }
}

/// SplitMix64 step.
#[inline(always)]
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    mix(*state)
}

#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in [lo, hi) from the SplitMix64 stream.
fn uniform(state: &mut u64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * (splitmix(state) >> 11) as f64 / (1u64 << 53) as f64
}

/// 16 unit gradients at multiples of 22.5°.
const GRADS: [(f64, f64); 16] = [
    (1.0, 0.0),
    (0.923_879_532_511_286_7, 0.382_683_432_365_089_8),
    (
        std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ),
    (0.382_683_432_365_089_8, 0.923_879_532_511_286_7),
    (0.0, 1.0),
    (-0.382_683_432_365_089_8, 0.923_879_532_511_286_7),
    (
        -std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ),
    (-0.923_879_532_511_286_7, 0.382_683_432_365_089_8),
    (-1.0, 0.0),
    (-0.923_879_532_511_286_7, -0.382_683_432_365_089_8),
    (
        -std::f64::consts::FRAC_1_SQRT_2,
        -std::f64::consts::FRAC_1_SQRT_2,
    ),
    (-0.382_683_432_365_089_8, -0.923_879_532_511_286_7),
    (0.0, -1.0),
    (0.382_683_432_365_089_8, -0.923_879_532_511_286_7),
    (
        std::f64::consts::FRAC_1_SQRT_2,
        -std::f64::consts::FRAC_1_SQRT_2,
    ),
    (0.923_879_532_511_286_7, -0.382_683_432_365_089_8),
];

/// 2-D gradient noise in about [−1, 1], zero at lattice points.
#[inline(always)]
fn noise(key: u64, x: f64, y: f64) -> f64 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (ix, iy) = (x0 as i64 as u64, y0 as i64 as u64);
    let g = |i: u64, j: u64, dx: f64, dy: f64| {
        let h = mix(key
            ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ j.wrapping_mul(0xC2B2_AE3D_27D4_EB4F));
        let (gx, gy) = GRADS[(h >> 60) as usize];
        gx * dx + gy * dy
    };
    let n00 = g(ix, iy, fx, fy);
    let n10 = g(ix.wrapping_add(1), iy, fx - 1.0, fy);
    let n01 = g(ix, iy.wrapping_add(1), fx, fy - 1.0);
    let n11 = g(ix.wrapping_add(1), iy.wrapping_add(1), fx - 1.0, fy - 1.0);
    let fade = |t: f64| t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
    let (u, v) = (fade(fx), fade(fy));
    let a = n00 + u * (n10 - n00);
    let b = n01 + u * (n11 - n01);
    // 2-D gradient noise with unit gradients peaks at ±√½; scale to about ±1.
    std::f64::consts::SQRT_2 * (a + v * (b - a))
}

#[derive(Debug, Clone, Copy)]
struct Ridge {
    cx: f64,
    cy: f64,
    /// Unit vector along the crest.
    ux: f64,
    uy: f64,
    half_len_km: f64,
    width_km: f64,
    height_m: f64,
    key: u64,
}

/// The height field of one seed.
#[derive(Debug, Clone)]
pub struct Field {
    keys: [u64; 8],
    ridges: [Ridge; 3],
    valley: (f64, f64, f64, f64, f64), // cx, cy, ux, uy, phase
}

impl Field {
    /// The field for `seed`.
    pub fn new(seed: u64) -> Field {
        let mut st = seed ^ 0x6C61_7374_6D69_6C65; // "lastmile"
        let mut keys = [0u64; 8];
        for k in &mut keys {
            *k = splitmix(&mut st);
        }
        let mut ridge = || {
            let th = uniform(&mut st, 0.0, std::f64::consts::PI);
            Ridge {
                cx: uniform(&mut st, -18.0, 18.0),
                cy: uniform(&mut st, -18.0, 18.0),
                ux: th.cos(),
                uy: th.sin(),
                half_len_km: uniform(&mut st, 8.0, 20.0),
                width_km: uniform(&mut st, 0.8, 1.8),
                height_m: uniform(&mut st, 100.0, 200.0),
                key: splitmix(&mut st),
            }
        };
        let ridges = [ridge(), ridge(), ridge()];
        let th = uniform(&mut st, 0.0, std::f64::consts::PI);
        let valley = (
            uniform(&mut st, -8.0, 8.0),
            uniform(&mut st, -8.0, 8.0),
            th.cos(),
            th.sin(),
            uniform(&mut st, 0.0, std::f64::consts::TAU),
        );
        Field {
            keys,
            ridges,
            valley,
        }
    }

    /// Height in metres at `x_km` east and `y_km` north of the centre.
    pub fn height_m(&self, x_km: f64, y_km: f64) -> f64 {
        // Rolling hills: fBm, each octave shifted to break lattice alignment.
        let mut fbm = 0.0;
        let (mut amp, mut freq) = (1.0, 1.0 / 14.0);
        for (o, &k) in self.keys[..6].iter().enumerate() {
            let shift = 17.3 * o as f64;
            fbm += amp * noise(k, x_km * freq + shift, y_km * freq - shift);
            amp *= 0.5;
            freq *= 2.0;
        }
        let mut z = 380.0 + 120.0 * fbm;
        // Rugged detail.
        let n = noise(self.keys[6], x_km / 1.6, y_km / 1.6);
        z += 40.0 * (1.0 - n.abs()).powi(2);
        // Ridges.
        for r in &self.ridges {
            let (dx, dy) = (x_km - r.cx, y_km - r.cy);
            let s = dx * r.ux + dy * r.uy; // along the crest
            let along = s / r.half_len_km;
            if along.abs() > 2.0 {
                continue;
            }
            let wobble = 0.8 * noise(r.key, s / 6.0, 0.5);
            let d = -dx * r.uy + dy * r.ux - wobble; // across
            let w = r.width_km;
            if d.abs() > 6.0 * w {
                continue;
            }
            let crest = 0.75 + 0.25 * noise(r.key ^ 1, s / 3.0, 1.5);
            let a6 = along * along * along;
            z += r.height_m * crest * (-(a6 * a6)).exp() * (-(d * d) / (2.0 * w * w)).exp();
        }
        // A meandering valley.
        let (vx, vy, ux, uy, ph) = self.valley;
        let (dx, dy) = (x_km - vx, y_km - vy);
        let s = dx * ux + dy * uy;
        let meander = 1.5 * (s / 5.0 + ph).sin() + 0.8 * noise(self.keys[7], s / 4.0, 2.5);
        let d = -dx * uy + dy * ux - meander;
        z -= 80.0 * (-(d * d) / (2.0 * 1.5 * 1.5)).exp();
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_bounded_and_zero_on_lattice() {
        let k = 12345;
        assert_eq!(noise(k, 3.0, -7.0), 0.0);
        let mut st = 1u64;
        for _ in 0..10_000 {
            let (x, y) = (uniform(&mut st, -50.0, 50.0), uniform(&mut st, -50.0, 50.0));
            let n = noise(k, x, y);
            assert!(n.abs() <= 1.0 + 1e-9, "{n}");
        }
    }

    #[test]
    fn seeds_differ() {
        let (a, b) = (Field::new(1), Field::new(2));
        assert_ne!(a.height_m(3.3, 4.4), b.height_m(3.3, 4.4));
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(Params::new(1, 85.0, 0.0, 10.0).generate().is_err());
        assert!(Params::new(1, 40.0, f64::NAN, 10.0).generate().is_err());
        assert!(Params::new(1, 40.0, 0.0, 0.0).generate().is_err());
        assert!(Params::new(1, 40.0, 0.0, 501.0).generate().is_err());
    }
}
