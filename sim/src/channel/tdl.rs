//! The 3GPP E-UTRA multipath fading models: EPA, EVA and ETU tapped delay lines with the
//! classical (Jakes) Doppler spectrum at 5, 70 and 300 Hz.
//!
//! Tap delays and relative powers are those of 3GPP TS 36.104 Annex B.2 (Tables B.2-2 to
//! B.2-4), identical to TS 36.101 Annex B.2.1 (Tables B.2.1-2 to B.2.1-4). Every tap fades
//! independently (Rayleigh, [`super::sos`]); the powers are normalised to a unit sum so the
//! channel has unit average power gain.
//!
//! | model | taps | max delay | RMS delay spread | Doppler of the standard combinations |
//! |---|---|---|---|---|
//! | EPA | 7 | 410 ns | 43 ns | 5 Hz (`epa5`) |
//! | EVA | 9 | 2510 ns | 357 ns | 5, 70 Hz (`eva5`, `eva70`) |
//! | ETU | 9 | 5000 ns | 991 ns | 70, 300 Hz (`etu70`, `etu300`) |
//!
//! # References
//! 3GPP TS 36.104 Annex B.2 "Multi-path fading propagation conditions"; 3GPP TS 36.101
//! Annex B.2.1 (Tables B.2.1-1 to B.2.1-4).

use std::fmt;
use std::str::FromStr;

use super::ChannelError;

/// A 3GPP E-UTRA delay profile (TS 36.104 Table B.2-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TdlModel {
    /// Extended Pedestrian A (low delay spread).
    Epa,
    /// Extended Vehicular A (medium delay spread).
    Eva,
    /// Extended Typical Urban (high delay spread).
    Etu,
}

/// EPA: (excess tap delay ns, relative power dB), TS 36.104 Table B.2-2.
const EPA: [(f64, f64); 7] = [
    (0.0, 0.0),
    (30.0, -1.0),
    (70.0, -2.0),
    (90.0, -3.0),
    (110.0, -8.0),
    (190.0, -17.2),
    (410.0, -20.8),
];

/// EVA, TS 36.104 Table B.2-3.
const EVA: [(f64, f64); 9] = [
    (0.0, 0.0),
    (30.0, -1.5),
    (150.0, -1.4),
    (310.0, -3.6),
    (370.0, -0.6),
    (710.0, -9.1),
    (1090.0, -7.0),
    (1730.0, -12.0),
    (2510.0, -16.9),
];

/// ETU, TS 36.104 Table B.2-4.
const ETU: [(f64, f64); 9] = [
    (0.0, -1.0),
    (50.0, -1.0),
    (120.0, -1.0),
    (200.0, 0.0),
    (230.0, 0.0),
    (500.0, 0.0),
    (1600.0, -3.0),
    (2300.0, -5.0),
    (5000.0, -7.0),
];

impl TdlModel {
    /// The table: (excess delay ns, relative power dB) per tap, in the standard's order.
    pub fn table(self) -> &'static [(f64, f64)] {
        match self {
            TdlModel::Epa => &EPA,
            TdlModel::Eva => &EVA,
            TdlModel::Etu => &ETU,
        }
    }

    /// Tap delays, s.
    pub fn delays_s(self) -> Vec<f64> {
        self.table().iter().map(|&(d, _)| d * 1e-9).collect()
    }

    /// Tap powers, linear, normalised to a unit sum.
    pub fn powers(self) -> Vec<f64> {
        let lin: Vec<f64> = self
            .table()
            .iter()
            .map(|&(_, p)| 10f64.powf(p / 10.0))
            .collect();
        let total: f64 = lin.iter().sum();
        lin.into_iter().map(|p| p / total).collect()
    }

    /// RMS delay spread of the table, s: `√(Σp τ² / Σp − (Σp τ / Σp)²)`.
    pub fn rms_delay_spread_s(self) -> f64 {
        rms_delay_spread_s(&self.delays_s(), &self.powers())
    }

    /// The model's short name (`"EPA"`, `"EVA"`, `"ETU"`).
    pub fn name(self) -> &'static str {
        match self {
            TdlModel::Epa => "EPA",
            TdlModel::Eva => "EVA",
            TdlModel::Etu => "ETU",
        }
    }
}

/// RMS delay spread of a power delay profile, s: the square root of the power-weighted
/// second central moment of `delays_s`. Zero for an empty or zero-power profile.
pub fn rms_delay_spread_s(delays_s: &[f64], powers: &[f64]) -> f64 {
    let total: f64 = powers.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return 0.0;
    }
    let mean: f64 = delays_s.iter().zip(powers).map(|(d, p)| d * p).sum::<f64>() / total;
    let second: f64 = delays_s
        .iter()
        .zip(powers)
        .map(|(d, p)| d * d * p)
        .sum::<f64>()
        / total;
    (second - mean * mean).max(0.0).sqrt()
}

/// A delay profile with its maximum Doppler frequency: the "EPA 5 Hz" style combinations
/// of TS 36.101 Table B.2.1-1 (any Doppler is allowed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TdlConfig {
    /// Delay profile.
    pub model: TdlModel,
    /// Maximum Doppler frequency, Hz (`v/λ`).
    pub doppler_hz: f64,
}

impl TdlConfig {
    /// EPA, 5 Hz.
    pub const EPA5: TdlConfig = TdlConfig {
        model: TdlModel::Epa,
        doppler_hz: 5.0,
    };
    /// EVA, 5 Hz.
    pub const EVA5: TdlConfig = TdlConfig {
        model: TdlModel::Eva,
        doppler_hz: 5.0,
    };
    /// EVA, 70 Hz.
    pub const EVA70: TdlConfig = TdlConfig {
        model: TdlModel::Eva,
        doppler_hz: 70.0,
    };
    /// ETU, 70 Hz.
    pub const ETU70: TdlConfig = TdlConfig {
        model: TdlModel::Etu,
        doppler_hz: 70.0,
    };
    /// ETU, 300 Hz.
    pub const ETU300: TdlConfig = TdlConfig {
        model: TdlModel::Etu,
        doppler_hz: 300.0,
    };
}

impl fmt::Display for TdlConfig {
    /// `epa5`, `eva70`, `etu300` (the names of the `--channel` option).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.model.name().to_ascii_lowercase(),
            self.doppler_hz
        )
    }
}

impl FromStr for TdlConfig {
    type Err = ChannelError;

    /// Parses `epa5`, `eva70`, `etu300` (case-insensitive): a model name followed by the
    /// maximum Doppler frequency in Hz.
    ///
    /// # Errors
    /// [`ChannelError::InvalidInput`] for an unknown model or a Doppler that is not a
    /// finite non-negative number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let bad = || {
            ChannelError::InvalidInput(format!(
                "unknown TDL model {s:?}; expected e.g. epa5, eva70, etu300"
            ))
        };
        if lower.len() < 4 {
            return Err(bad());
        }
        let model = match &lower[..3] {
            "epa" => TdlModel::Epa,
            "eva" => TdlModel::Eva,
            "etu" => TdlModel::Etu,
            _ => return Err(bad()),
        };
        let doppler_hz: f64 = lower[3..].parse().map_err(|_| bad())?;
        if !(doppler_hz.is_finite() && doppler_hz >= 0.0) {
            return Err(bad());
        }
        Ok(TdlConfig { model, doppler_hz })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_delay_spreads_match_the_standard() {
        // TS 36.104 Table B.2-1: EPA 43 ns, EVA 357 ns, ETU 991 ns (rounded to the ns).
        for (m, want) in [
            (TdlModel::Epa, 43e-9),
            (TdlModel::Eva, 357e-9),
            (TdlModel::Etu, 991e-9),
        ] {
            let got = m.rms_delay_spread_s();
            assert!((got - want).abs() < 1e-9, "{m:?}: {got:e}");
            assert!((m.powers().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn names_parse_and_print() {
        let c: TdlConfig = "ETU300".parse().unwrap();
        assert_eq!(c, TdlConfig::ETU300);
        assert_eq!(c.to_string(), "etu300");
        assert_eq!("epa5".parse::<TdlConfig>().unwrap(), TdlConfig::EPA5);
        assert!("xyz5".parse::<TdlConfig>().is_err());
        assert!("eva-3".parse::<TdlConfig>().is_err());
        assert!("eva".parse::<TdlConfig>().is_err());
    }
}
