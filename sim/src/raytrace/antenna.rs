//! Antenna patterns and polarisation vectors for the two ends of a path.
//!
//! Directions are unit vectors in the local ENU frame. The polarisation basis for a wave
//! travelling along `k` is `h = ẑ × k / |ẑ × k|` (horizontal) and `v = k × h` (vertical, up
//! for a horizontal `k`).

use super::geom::Vec3;
use super::RaytraceError;
use crate::propagation::Polarization;

/// A gain pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// 0 dBi in every direction.
    Isotropic,
    /// Short dipole along the vertical: gain `1.76 + 20·log10(cos el)` dBi.
    VerticalShortDipole,
    /// A measured or computed table, see [`TabulatedPattern`].
    Table(TabulatedPattern),
}

/// A gain table in dBi on a regular azimuth × elevation grid relative to the boresight:
/// azimuth `0, step, …, 360 − step` (clockwise), elevation `−90, −90 + step, …, +90`.
/// `gains_dbi[e · n_az + a]`; bilinear interpolation between samples.
#[derive(Debug, Clone, PartialEq)]
pub struct TabulatedPattern {
    az_step_deg: f64,
    el_step_deg: f64,
    n_az: usize,
    n_el: usize,
    gains_dbi: Vec<f64>,
}

impl TabulatedPattern {
    /// A table with the given steps.
    ///
    /// # Errors
    /// [`RaytraceError::AntennaPattern`] when a step does not divide 360° / 180°, or the table
    /// has the wrong number of entries, or holds a non-finite gain.
    pub fn new(
        az_step_deg: f64,
        el_step_deg: f64,
        gains_dbi: Vec<f64>,
    ) -> Result<Self, RaytraceError> {
        let n_az = (360.0 / az_step_deg).round();
        let n_el = (180.0 / el_step_deg).round() + 1.0;
        if !(az_step_deg > 0.0 && el_step_deg > 0.0)
            || (n_az * az_step_deg - 360.0).abs() > 1e-6
            || ((n_el - 1.0) * el_step_deg - 180.0).abs() > 1e-6
        {
            return Err(RaytraceError::AntennaPattern(format!(
                "steps {az_step_deg}° × {el_step_deg}° must divide 360° × 180°"
            )));
        }
        let (n_az, n_el) = (n_az as usize, n_el as usize);
        if gains_dbi.len() != n_az * n_el {
            return Err(RaytraceError::AntennaPattern(format!(
                "{} gains given; a {az_step_deg}° × {el_step_deg}° table needs {n_az} × {n_el} = {}",
                gains_dbi.len(),
                n_az * n_el
            )));
        }
        if gains_dbi.iter().any(|g| !g.is_finite()) {
            return Err(RaytraceError::AntennaPattern(
                "pattern holds a non-finite gain".into(),
            ));
        }
        Ok(TabulatedPattern {
            az_step_deg,
            el_step_deg,
            n_az,
            n_el,
            gains_dbi,
        })
    }

    fn gain_dbi(&self, az_deg: f64, el_deg: f64) -> f64 {
        let a = az_deg.rem_euclid(360.0) / self.az_step_deg;
        let e = ((el_deg + 90.0) / self.el_step_deg).clamp(0.0, (self.n_el - 1) as f64);
        let a0 = (a.floor() as usize) % self.n_az;
        let a1 = (a0 + 1) % self.n_az;
        let e0 = (e.floor() as usize).min(self.n_el - 2);
        let (fa, fe) = (a - a.floor(), e - e0 as f64);
        let g = |ai: usize, ei: usize| self.gains_dbi[ei * self.n_az + ai];
        (g(a0, e0) * (1.0 - fa) + g(a1, e0) * fa) * (1.0 - fe)
            + (g(a0, e0 + 1) * (1.0 - fa) + g(a1, e0 + 1) * fa) * fe
    }
}

/// An antenna: pattern, orientation and polarisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Antenna {
    /// Gain pattern.
    pub pattern: Pattern,
    /// Boresight azimuth, degrees clockwise from north.
    pub azimuth_deg: f64,
    /// Boresight elevation (negative = down-tilt), degrees.
    pub elevation_deg: f64,
    /// Polarisation.
    pub polarization: Polarization,
}

impl Antenna {
    /// An isotropic antenna with the given polarisation.
    pub fn isotropic(polarization: Polarization) -> Antenna {
        Antenna {
            pattern: Pattern::Isotropic,
            azimuth_deg: 0.0,
            elevation_deg: 0.0,
            polarization,
        }
    }

    /// Gain in dBi towards the unit ENU direction `dir`.
    pub fn gain_dbi(&self, dir: Vec3) -> f64 {
        let (az, el) = dir.az_el_deg();
        match &self.pattern {
            Pattern::Isotropic => 0.0,
            Pattern::VerticalShortDipole => 1.76 + 20.0 * el.to_radians().cos().max(1e-6).log10(),
            Pattern::Table(t) => t.gain_dbi(az - self.azimuth_deg, el - self.elevation_deg),
        }
    }

    /// Unit polarisation vector of this antenna for a wave along `k`.
    pub fn pol_vector(&self, k: Vec3) -> Vec3 {
        let (h, v) = pol_basis(k);
        match self.polarization {
            Polarization::Horizontal => h,
            Polarization::Vertical => v,
        }
    }
}

/// The (horizontal, vertical) polarisation basis for a wave travelling along unit `k`.
pub fn pol_basis(k: Vec3) -> (Vec3, Vec3) {
    let z = Vec3::new(0.0, 0.0, 1.0);
    let mut h = z.cross(k);
    if h.norm() < 1e-12 {
        h = Vec3::new(1.0, 0.0, 0.0);
    }
    let h = h.normalized();
    (h, k.cross(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_size_table_is_an_error() {
        let e = TabulatedPattern::new(10.0, 10.0, vec![0.0; 36 * 19 - 1]).unwrap_err();
        assert!(e.to_string().contains("needs 36 × 19"), "{e}");
        assert!(TabulatedPattern::new(7.0, 10.0, vec![0.0; 10]).is_err());
        let ok = TabulatedPattern::new(90.0, 90.0, (0..12).map(f64::from).collect()).unwrap();
        // Row el = 0 holds 4..7 at az 0, 90, 180, 270; halfway 0°–90° is 4.5.
        assert!((ok.gain_dbi(45.0, 0.0) - 4.5).abs() < 1e-12);
        assert!((ok.gain_dbi(315.0, 0.0) - 5.5).abs() < 1e-12);
    }

    #[test]
    fn basis_is_orthonormal() {
        let k = Vec3::new(0.3, -0.8, 0.2).normalized();
        let (h, v) = pol_basis(k);
        assert!(h.dot(v).abs() < 1e-12 && h.dot(k).abs() < 1e-12 && v.dot(k).abs() < 1e-12);
        assert!(h.z.abs() < 1e-12 && v.z > 0.0);
    }
}
