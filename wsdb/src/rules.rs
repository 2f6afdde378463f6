//! Regulatory constants of the FCC and ETSI white-space rules, and the FCC separation
//! distances by antenna height.
//!
//! # References
//! 47 CFR Part 15 Subpart H (§15.707 channels, §15.709 power, §15.711/§15.712 protection,
//! 2012 separation table); ETSI EN 301 598 V2.1.1 (§4.2.4 ACLR classes, §4.2.6 timing);
//! Ofcom TV white spaces framework (36 dBm per 8 MHz in-block cap); RFC 7545 §9.1
//! (ruleset ids). Values are pinned by tests against `../shared/refdata/tvws/README.md`.

pub use mac::spectrum::choice::{
    etsi_aclr_db, ETSI_ACLR_DB, ETSI_OOB_FLOOR_DBM_PER_100KHZ as ETSI_OOB_FLOOR_DBM,
};
pub use mac::spectrum::lease::{
    ETSI_L_VAL_M, ETSI_SLAVE_STOP_S as ETSI_SLAVE_STOP_S_I64, ETSI_T_UPDATE_S, ETSI_T_VAL_S,
    FCC_LOCATION_RECHECK_S, FCC_MAX_LOCATION_CHANGE_M, FCC_MAX_POLLING_S,
};
pub use mac::spectrum::paws::{RULESET_ETSI, RULESET_FCC};

/// Seconds within which an ETSI master device must cease transmission after losing contact
/// with the database (T_Update default, 60 s).
pub const ETSI_MASTER_STOP_S: u32 = 60;

/// Seconds within which an ETSI slave device must cease transmission after losing its master.
pub const ETSI_SLAVE_STOP_S: u32 = 5;

/// Ofcom maximum in-block EIRP, dBm per 8 MHz (P1 cap).
pub const OFCOM_MAX_EIRP_DBM_PER_8MHZ: f64 = 36.0;

/// FCC fixed device maximum EIRP, dBm per 6 MHz.
pub const FCC_FIXED_EIRP_DBM: f64 = 36.0;
/// FCC fixed device maximum EIRP in "less congested" areas (2020 order), dBm per 6 MHz.
pub const FCC_FIXED_LESS_CONGESTED_EIRP_DBM: f64 = 42.0;
/// FCC portable device maximum EIRP, dBm per 6 MHz.
pub const FCC_PORTABLE_EIRP_DBM: f64 = 20.0;
/// FCC portable device EIRP inside an adjacent-channel protected contour, dBm per 6 MHz.
pub const FCC_PORTABLE_ADJACENT_EIRP_DBM: f64 = 16.0;
/// FCC fixed device maximum antenna HAAT, m (500 m in less congested areas).
pub const FCC_FIXED_MAX_HAAT_M: f64 = 250.0;
/// FCC fixed device maximum antenna HAAT in less congested areas, m.
pub const FCC_FIXED_LESS_CONGESTED_MAX_HAAT_M: f64 = 500.0;
/// FCC geolocation accuracy the separations assume, m (they grow by any excess).
pub const FCC_GEOLOCATION_ACCURACY_M: f64 = 50.0;

/// FCC protected DTV contour thresholds, F(50,90), dBµV/m.
pub const FCC_CONTOUR_UHF_DBU: f64 = 41.0;
/// High VHF (channels 7–13).
pub const FCC_CONTOUR_HIGH_VHF_DBU: f64 = 36.0;
/// Low VHF (channels 2–6).
pub const FCC_CONTOUR_LOW_VHF_DBU: f64 = 28.0;

/// Wireless microphone (low-power auxiliary) protection radius, fixed devices, km.
pub const FCC_WIRELESS_MIC_FIXED_KM: f64 = 1.0;
/// Wireless microphone protection radius, portable devices, km.
pub const FCC_WIRELESS_MIC_PORTABLE_KM: f64 = 0.4;
/// MVPD receive site keyhole: co-channel (80 km within ±30°, 8 km elsewhere), km.
pub const FCC_MVPD_CO_KM: (f64, f64) = (80.0, 8.0);
/// MVPD receive site keyhole: adjacent channel (20 km within ±30°, 2 km elsewhere), km.
pub const FCC_MVPD_ADJ_KM: (f64, f64) = (20.0, 2.0);
/// Radio astronomy site protection radius, km.
pub const FCC_RADIO_ASTRONOMY_KM: f64 = 2.4;

/// The FCC 2012 separation table: (HAAT upper bound exclusive m, co-channel km, adjacent km).
pub const FCC_SEPARATION_TABLE: [(f64, f64, f64); 4] = [
    (3.0, 4.0, 0.4),
    (10.0, 7.3, 0.7),
    (30.0, 11.1, 1.2),
    (50.0, 14.3, 1.8),
];

/// Why a rule cannot be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The antenna's HAAT is beyond the table this database implements.
    #[error(
        "antenna HAAT {haat_m:.1} m is at or above {limit_m} m, the top of the FCC 2012 \
         separation table this database implements (47 CFR §15.712(a)(2)); the current \
         FCC table for higher antennas is not implemented, so the request is refused"
    )]
    HaatBeyondTable { haat_m: f64, limit_m: f64 },
    /// A negative or non-finite HAAT.
    #[error("antenna HAAT {0} m is not a valid height")]
    BadHaat(f64),
}

/// FCC separation distances beyond the protected contour for an antenna HAAT:
/// `(co_channel_km, adjacent_channel_km)`.
///
/// # Errors
/// [`RuleError::HaatBeyondTable`] for HAAT ≥ 50 m; [`RuleError::BadHaat`] for a
/// non-finite HAAT. A HAAT below 0 (a valley site) uses the first row.
pub fn fcc_separation_km(haat_m: f64) -> Result<(f64, f64), RuleError> {
    if !haat_m.is_finite() {
        return Err(RuleError::BadHaat(haat_m));
    }
    FCC_SEPARATION_TABLE
        .iter()
        .find(|(lim, _, _)| haat_m < *lim)
        .map(|&(_, co, adj)| (co, adj))
        .ok_or(RuleError::HaatBeyondTable {
            haat_m,
            limit_m: FCC_SEPARATION_TABLE[FCC_SEPARATION_TABLE.len() - 1].0,
        })
}

/// FCC protected-contour threshold for a US TV channel, dBµV/m.
pub fn fcc_contour_dbu(channel: u32) -> f64 {
    match channel {
        2..=6 => FCC_CONTOUR_LOW_VHF_DBU,
        7..=13 => FCC_CONTOUR_HIGH_VHF_DBU,
        _ => FCC_CONTOUR_UHF_DBU,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separation_rows() {
        assert_eq!(fcc_separation_km(0.0).unwrap(), (4.0, 0.4));
        assert_eq!(fcc_separation_km(2.99).unwrap(), (4.0, 0.4));
        assert_eq!(fcc_separation_km(3.0).unwrap(), (7.3, 0.7));
        assert_eq!(fcc_separation_km(29.9).unwrap(), (11.1, 1.2));
        assert_eq!(fcc_separation_km(49.9).unwrap(), (14.3, 1.8));
        assert!(matches!(
            fcc_separation_km(50.0),
            Err(RuleError::HaatBeyondTable { .. })
        ));
        assert!(fcc_separation_km(f64::NAN).is_err());
        assert_eq!(fcc_separation_km(-5.0).unwrap(), (4.0, 0.4));
    }
}
