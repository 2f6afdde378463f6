//! Propagation models behind one trait, [`PathLoss`].
//!
//! Every model takes a [`Link`]: a terrain profile from transmitter to receiver at uniform
//! spacing, antenna heights above ground, frequency, polarisation and ground constants, and
//! returns a [`LossReport`]: basic transmission loss in dB plus what the model knows
//! (propagation mode, warnings).
//!
//! | model | module |
//! |---|---|
//! | free space | [`FreeSpace`] |
//! | ITM (Longley-Rice) v1.4, point-to-point and area | [`itm`] ([`itm::Itm`]) |
//! | ITU-R P.526 delta-Bullington diffraction, knife-edge J(ν) | [`p526`] ([`p526::DeltaBullington`]) |
//! | flat-earth two-ray with Fresnel reflection | [`two_ray`] ([`two_ray::TwoRay`]) |

pub mod itm;
pub mod p526;
pub mod two_ray;

/// Speed of light in vacuum, m/s.
pub const C_M_PER_S: f64 = 299_792_458.0;

/// A terrain profile from the transmitter (index 0) to the receiver (last index), at uniform
/// horizontal spacing `spacing_m`, elevations in metres above mean sea level.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Horizontal distance between consecutive points, metres (> 0).
    pub spacing_m: f64,
    /// Ground elevation at each point, metres; at least two points.
    pub elevations_m: Vec<f64>,
}

impl Profile {
    /// A profile of `n` points at `spacing_m` with every elevation `elevation_m`.
    pub fn flat(spacing_m: f64, n: usize, elevation_m: f64) -> Self {
        Profile {
            spacing_m,
            elevations_m: vec![elevation_m; n],
        }
    }

    /// Path length in metres.
    pub fn distance_m(&self) -> f64 {
        self.spacing_m * (self.elevations_m.len().saturating_sub(1)) as f64
    }
}

/// Wave polarisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarization {
    #[default]
    Horizontal,
    Vertical,
}

/// Ground electrical constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ground {
    /// Relative permittivity ε_r.
    pub epsilon_r: f64,
    /// Conductivity σ, S/m.
    pub sigma_s_per_m: f64,
}

impl Default for Ground {
    /// Average ground (ε 15, σ 0.005 S/m), as SPLAT! and ITM examples use.
    fn default() -> Self {
        Ground {
            epsilon_r: 15.0,
            sigma_s_per_m: 0.005,
        }
    }
}

/// One link to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    /// Terrain from TX to RX.
    pub profile: &'a Profile,
    /// Transmit antenna height above ground, m.
    pub tx_height_m: f64,
    /// Receive antenna height above ground, m.
    pub rx_height_m: f64,
    /// Carrier frequency, Hz.
    pub frequency_hz: f64,
    /// Polarisation.
    pub polarization: Polarization,
    /// Ground constants.
    pub ground: Ground,
}

impl<'a> Link<'a> {
    /// A link with horizontal polarisation and average ground.
    pub fn new(
        profile: &'a Profile,
        tx_height_m: f64,
        rx_height_m: f64,
        frequency_hz: f64,
    ) -> Self {
        Link {
            profile,
            tx_height_m,
            rx_height_m,
            frequency_hz,
            polarization: Polarization::Horizontal,
            ground: Ground::default(),
        }
    }

    /// Straight-line distance between the two antennas, metres (flat earth).
    pub fn slant_distance_m(&self) -> f64 {
        let p = self.profile;
        let z0 = p.elevations_m.first().copied().unwrap_or(0.0) + self.tx_height_m;
        let z1 = p.elevations_m.last().copied().unwrap_or(0.0) + self.rx_height_m;
        (p.distance_m().powi(2) + (z1 - z0).powi(2)).sqrt()
    }
}

/// What a model returns for one link.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LossReport {
    /// Basic transmission loss, dB.
    pub loss_db: f64,
    /// Propagation mode where the model has one (ITM: 1 line of sight, 2 diffraction,
    /// 3 troposcatter).
    pub mode: Option<u8>,
    /// Model warnings as a bit field (ITM's warning flags), 0 if none.
    pub warnings: u32,
}

/// Why a model could not evaluate a link.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum PropagationError {
    /// An input is outside the model's domain (e.g. frequency range).
    #[error("{model}: {what}")]
    OutOfRange { model: &'static str, what: String },
    /// The model itself reported an error code.
    #[error("{model}: error code {code}: {message}")]
    Model {
        model: &'static str,
        code: i32,
        message: String,
    },
}

/// A propagation model: basic transmission loss for a link.
pub trait PathLoss: Send + Sync {
    /// Short stable identifier (`"fspl"`, `"itm"`, …), recorded in run.json.
    fn id(&self) -> &'static str;
    /// Evaluate one link.
    ///
    /// # Errors
    /// [`PropagationError`] when the link is outside the model's domain.
    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError>;
    /// Evaluate a link whose profile was sampled on the straight latitude/longitude line
    /// between the ends in `ends`; models with geographic layers (the ray tracer's land
    /// cover) override it, the others evaluate [`PathLoss::loss`].
    ///
    /// # Errors
    /// As [`PathLoss::loss`].
    fn loss_on_ground(
        &self,
        link: &Link<'_>,
        ends: &GroundPath,
    ) -> Result<LossReport, PropagationError> {
        let _ = ends;
        self.loss(link)
    }
}

/// The geographic ends of a link, degrees (WGS84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroundPath {
    /// TX latitude.
    pub tx_lat_deg: f64,
    /// TX longitude, east.
    pub tx_lon_deg: f64,
    /// RX latitude.
    pub rx_lat_deg: f64,
    /// RX longitude, east.
    pub rx_lon_deg: f64,
}

/// Free-space basic transmission loss, 20·log10(4πd/λ), over the slant distance.
///
/// # References
/// ITU-R P.525-4 eq. (1).
#[derive(Debug, Clone, Copy, Default)]
pub struct FreeSpace;

/// Free-space loss in dB at distance `d_m` and frequency `f_hz`.
pub fn free_space_loss_db(d_m: f64, f_hz: f64) -> f64 {
    20.0 * (4.0 * std::f64::consts::PI * d_m * f_hz / C_M_PER_S).log10()
}

impl PathLoss for FreeSpace {
    fn id(&self) -> &'static str {
        "fspl"
    }

    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        if link.frequency_hz.is_nan() || link.frequency_hz <= 0.0 {
            return Err(PropagationError::OutOfRange {
                model: "fspl",
                what: format!("frequency {} Hz must be positive", link.frequency_hz),
            });
        }
        Ok(LossReport {
            loss_db: free_space_loss_db(link.slant_distance_m().max(1e-3), link.frequency_hz),
            mode: None,
            warnings: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ITU-R P.525: L = 32.45 + 20 log f(MHz) + 20 log d(km).
    #[test]
    fn free_space_matches_p525() {
        let l = free_space_loss_db(10_000.0, 600e6);
        let p525 = 32.45 + 20.0 * 600f64.log10() + 20.0 * 10f64.log10();
        assert!((l - p525).abs() < 0.01, "{l} vs {p525}");
    }
}
