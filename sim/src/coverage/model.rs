//! The propagation model a scenario names, built from its parameters.

use crate::propagation::itm::{Climate, Itm, Quantiles};
use crate::propagation::p526::DeltaBullington;
use crate::propagation::two_ray::TwoRay;
use crate::propagation::{FreeSpace, PathLoss};
use crate::raytrace::{EarthModel, Raytracer};
use crate::scenario::{ModelId, ModelSpec, Variability};

/// Why a model cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The model is not available in this build.
    #[error("model '{0}' is not available in this build")]
    Unavailable(&'static str),
}

/// Build the scenario's model (or `id` instead of the scenario's, for `lastmile path --model`).
///
/// # Errors
/// [`ModelError::Unavailable`] for a model this build lacks (none at present; kept for
/// models behind cargo features).
pub fn build(spec: &ModelSpec, id: ModelId) -> Result<Box<dyn PathLoss>, ModelError> {
    match id {
        ModelId::Fspl => Ok(Box::new(FreeSpace)),
        ModelId::Itm => Ok(Box::new(Itm {
            climate: climate(spec.climate),
            n_0: spec.n0,
            quantiles: match spec.variability {
                Variability::TimeLocationSituation {
                    time_pct,
                    location_pct,
                    situation_pct,
                } => Quantiles::Tls {
                    time_pct,
                    location_pct,
                    situation_pct,
                },
                Variability::ReliabilityConfidence {
                    reliability_pct,
                    confidence_pct,
                } => Quantiles::Cr {
                    reliability_pct,
                    confidence_pct,
                },
            },
            mdvar: i32::from(spec.mdvar),
        })),
        ModelId::P526 => Ok(Box::new(DeltaBullington {
            effective_earth_radius_km: spec.k_factor * 6371.0,
        })),
        ModelId::TwoRay => Ok(Box::new(TwoRay)),
        ModelId::Raytrace => {
            let model = Raytracer {
                earth: EarthModel::EffectiveRadius { k: spec.k_factor },
                reflections: true,
            };
            Ok(match &spec.land_cover {
                Some(lc) => Box::new(crate::raytrace::landcover::LandCoverRaytracer {
                    model,
                    cover: lc.cover.clone(),
                }),
                None => Box::new(model),
            })
        }
    }
}

fn climate(c: u8) -> Climate {
    match c {
        1 => Climate::Equatorial,
        2 => Climate::ContinentalSubtropical,
        3 => Climate::MaritimeSubtropical,
        4 => Climate::Desert,
        6 => Climate::MaritimeTemperateOverLand,
        7 => Climate::MaritimeTemperateOverSea,
        _ => Climate::ContinentalTemperate,
    }
}
