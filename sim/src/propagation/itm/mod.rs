//! NTIA/ITS Irregular Terrain Model (Longley-Rice) v1.4: point-to-point and area mode.
//!
//! Written from Hufford's "The ITS Irregular Terrain Model, version 1.2.2: the algorithm"
//! and NTIA's v1.4 changes (removed `mdp` state machine, warnings as a bit field, inputs
//! validated up front with numbered errors). Results, warnings, return codes and intermediate
//! values match NTIA's v1.4 build; see `sim/tests/itm_*.rs` for the reference checks.
//!
//! | entry point | NTIA function |
//! |---|---|
//! | [`p2p_tls`] / [`p2p_cr`] | `ITM_P2P_TLS_Ex` / `ITM_P2P_CR_Ex` (profile as elevations + spacing) |
//! | [`p2p_pfl_tls`] / [`p2p_pfl_cr`] | the same with an NTIA PFL array `[np, spacing, z0..z_np]` |
//! | [`area_tls`] / [`area_cr`] | `ITM_AREA_TLS_Ex` / `ITM_AREA_CR_Ex` |
//! | [`Itm`] | the point-to-point model behind [`crate::propagation::PathLoss`] |
//! | [`core`] | the building blocks (`LongleyRice`, `Variability`, `QuickPfl`, …) |
//!
//! Percentages (`time`, `location`, `situation`, `confidence`, `reliability`) are in percent,
//! 0 < x < 100, as in NTIA's API. Frequencies are in MHz, heights and distances in metres
//! unless a name says `_km`.
//!
//! Speed: the profile entry points allocate nothing and pass over the profile three times
//! (system height, horizons, least-squares fit); Δh uses at most 245 resampled points on the
//! stack. `lastmile bench itm` reports profiles/s/core.
//!
//! # References
//! G. A. Hufford, "The ITS Irregular Terrain Model, version 1.2.2: the algorithm", NTIA/ITS
//! (1995); NTIA/ITS ITM v1.4 (github.com/NTIA/itm, 2024), ERRORS_AND_WARNINGS.md.

// Input checks are written `!(x > lo)` so that NaN inputs are rejected (NTIA's C++ lets
// them through and returns NaN); clippy's preferred form would hide that intent.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod core;

use self::core::{CalcMode, PropMode};
use super::{Link, LossReport, PathLoss, Polarization, PropagationError};

/// Warning bits, as NTIA ITM v1.4 sets them.
pub mod warn {
    /// TX terminal height near its limits (outside 1–1000 m).
    pub const TX_TERMINAL_HEIGHT: u32 = 0x0001;
    /// RX terminal height near its limits.
    pub const RX_TERMINAL_HEIGHT: u32 = 0x0002;
    /// Frequency near its limits (outside 40–10,000 MHz).
    pub const FREQUENCY: u32 = 0x0004;
    /// Path distance near its upper limit (> 1000 km).
    pub const PATH_DISTANCE_TOO_BIG_1: u32 = 0x0008;
    /// Path distance large (> 2000 km).
    pub const PATH_DISTANCE_TOO_BIG_2: u32 = 0x0010;
    /// Path distance near its lower limit (< |h_e,tx − h_e,rx| / 0.2).
    pub const PATH_DISTANCE_TOO_SMALL_1: u32 = 0x0020;
    /// Path distance small (< 1 km).
    pub const PATH_DISTANCE_TOO_SMALL_2: u32 = 0x0040;
    /// TX horizon angle large (> 200 mrad).
    pub const TX_HORIZON_ANGLE: u32 = 0x0080;
    /// RX horizon angle large.
    pub const RX_HORIZON_ANGLE: u32 = 0x0100;
    /// TX horizon distance < 0.1 × smooth-earth horizon distance.
    pub const TX_HORIZON_DISTANCE_1: u32 = 0x0200;
    /// RX horizon distance < 0.1 × smooth-earth horizon distance.
    pub const RX_HORIZON_DISTANCE_1: u32 = 0x0400;
    /// TX horizon distance > 3 × smooth-earth horizon distance.
    pub const TX_HORIZON_DISTANCE_2: u32 = 0x0800;
    /// RX horizon distance > 3 × smooth-earth horizon distance.
    pub const RX_HORIZON_DISTANCE_2: u32 = 0x1000;
    /// A variability deviate is far in the tail (|z| > 3.1).
    pub const EXTREME_VARIABILITIES: u32 = 0x2000;
    /// Computed surface refractivity small (150 ≤ N_s < 250).
    pub const SURFACE_REFRACTIVITY: u32 = 0x4000;
}

/// ITM error, with NTIA's numeric code from [`ItmError::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ItmError {
    /// TX terminal height outside 0.5–3000 m (1000).
    #[error("TX terminal height is out of range")]
    TxTerminalHeight,
    /// RX terminal height outside 0.5–3000 m (1001).
    #[error("RX terminal height is out of range")]
    RxTerminalHeight,
    /// Radio climate not 1..=7 (1002).
    #[error("invalid radio climate")]
    InvalidRadioClimate,
    /// Time percentage outside (0, 100) (1003).
    #[error("time percentage is out of range")]
    InvalidTime,
    /// Location percentage outside (0, 100) (1004).
    #[error("location percentage is out of range")]
    InvalidLocation,
    /// Situation percentage outside (0, 100) (1005).
    #[error("situation percentage is out of range")]
    InvalidSituation,
    /// Confidence percentage outside (0, 100) (1006).
    #[error("confidence percentage is out of range")]
    InvalidConfidence,
    /// Reliability percentage outside (0, 100) (1007).
    #[error("reliability percentage is out of range")]
    InvalidReliability,
    /// N_0 outside 250–400 N-units (1008).
    #[error("refractivity is out of range")]
    Refractivity,
    /// Frequency outside 20–20,000 MHz (1009).
    #[error("frequency is out of range")]
    Frequency,
    /// Polarisation not 0 or 1 (1010).
    #[error("invalid polarization")]
    Polarization,
    /// ε_r < 1 (1011).
    #[error("epsilon is out of range")]
    Epsilon,
    /// σ ≤ 0 (1012).
    #[error("sigma is out of range")]
    Sigma,
    /// Imaginary part of the ground impedance larger than the real part (1013).
    #[error("the imaginary part of the ground impedance is larger than the real part")]
    GroundImpedance,
    /// mdvar not in 0–3, 10–13, 20–23, 30–33 (1014).
    #[error("invalid mode of variability")]
    Mdvar,
    /// Effective earth radius outside 4,000–13,333 km (1016).
    #[error("computed effective earth radius is invalid")]
    EffectiveEarth,
    /// Path distance out of range (1017); also a profile with fewer than two points or a
    /// spacing that is not positive.
    #[error("path distance is out of range")]
    PathDistance,
    /// Δh < 0 (1018).
    #[error("terrain irregularity parameter delta_h is out of range")]
    DeltaH,
    /// TX siting criteria not 0, 1 or 2 (1019).
    #[error("invalid TX siting criteria")]
    TxSitingCriteria,
    /// RX siting criteria not 0, 1 or 2 (1020).
    #[error("invalid RX siting criteria")]
    RxSitingCriteria,
    /// Surface refractivity below 150 N-units (1021).
    #[error("computed surface refractivity is too small")]
    SurfaceRefractivitySmall,
    /// Surface refractivity above 400 N-units (1022).
    #[error("computed surface refractivity is too large")]
    SurfaceRefractivityLarge,
}

impl ItmError {
    /// NTIA's numeric return code (1000–1022).
    pub fn code(self) -> i32 {
        use ItmError::*;
        match self {
            TxTerminalHeight => 1000,
            RxTerminalHeight => 1001,
            InvalidRadioClimate => 1002,
            InvalidTime => 1003,
            InvalidLocation => 1004,
            InvalidSituation => 1005,
            InvalidConfidence => 1006,
            InvalidReliability => 1007,
            Refractivity => 1008,
            Frequency => 1009,
            Polarization => 1010,
            Epsilon => 1011,
            Sigma => 1012,
            GroundImpedance => 1013,
            Mdvar => 1014,
            EffectiveEarth => 1016,
            PathDistance => 1017,
            DeltaH => 1018,
            TxSitingCriteria => 1019,
            RxSitingCriteria => 1020,
            SurfaceRefractivitySmall => 1021,
            SurfaceRefractivityLarge => 1022,
        }
    }
}

/// A failed ITM call: the error and the warnings set before it was detected (NTIA returns both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("ITM error {code}: {kind}", code = .kind.code())]
pub struct ItmFailure {
    /// What went wrong.
    pub kind: ItmError,
    /// Warning bits ([`warn`]) set before the error.
    pub warnings: u32,
}

impl ItmFailure {
    /// NTIA's return code.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }
}

/// Inputs shared by both modes, raw as NTIA takes them (so that invalid values produce
/// NTIA's error codes rather than a Rust type error).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItmParams {
    /// Radio climate 1..=7 (1 equatorial, 2 continental subtropical, 3 maritime subtropical,
    /// 4 desert, 5 continental temperate, 6 maritime temperate over land, 7 … over sea).
    pub climate: i32,
    /// Minimum monthly mean surface refractivity at sea level, N-units (250–400).
    pub n_0: f64,
    /// Frequency, MHz (20–20,000).
    pub f_mhz: f64,
    /// Polarisation: 0 horizontal, 1 vertical.
    pub pol: i32,
    /// Relative permittivity of the ground.
    pub epsilon: f64,
    /// Ground conductivity, S/m.
    pub sigma: f64,
    /// Mode of variability: 0 single message, 1 accidental, 2 mobile, 3 broadcast; +10 drops
    /// location variability, +20 drops direct situation variability.
    pub mdvar: i32,
}

/// Intermediate values of one ITM call (NTIA's `IntermediateValues`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Intermediate {
    /// Reference attenuation (median loss relative to free space), dB.
    pub a_ref_db: f64,
    /// Free-space loss, dB.
    pub a_fs_db: f64,
    /// Path distance, km.
    pub d_km: f64,
    /// Horizon angles `[tx, rx]`, radians.
    pub theta_hzn: [f64; 2],
    /// Horizon distances `[tx, rx]`, m.
    pub d_hzn_m: [f64; 2],
    /// Effective heights `[tx, rx]`, m.
    pub h_e_m: [f64; 2],
    /// Surface refractivity, N-units.
    pub n_s: f64,
    /// Terrain irregularity parameter, m.
    pub delta_h_m: f64,
}

/// A successful ITM call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItmResult {
    /// Basic transmission loss, dB.
    pub a_db: f64,
    /// Warning bits ([`warn`]); 0 if none.
    pub warnings: u32,
    /// Propagation mode.
    pub mode: PropMode,
    /// Intermediate values.
    pub inter: Intermediate,
}

impl ItmResult {
    /// NTIA's return code: 0 success, 1 success with warnings.
    pub fn rtn(&self) -> i32 {
        i32::from(self.warnings != 0)
    }
}

#[allow(clippy::too_many_arguments)]
fn validate_inputs(
    h_tx: f64,
    h_rx: f64,
    p: &ItmParams,
    time: f64,
    location: f64,
    situation: f64,
    warnings: &mut u32,
) -> Result<(), ItmError> {
    // `!(a >= b)` style keeps NaN inputs on the error side, as NTIA's comparisons do not.
    if !(1.0..=1000.0).contains(&h_tx) {
        *warnings |= warn::TX_TERMINAL_HEIGHT;
    }
    if !(0.5..=3000.0).contains(&h_tx) {
        return Err(ItmError::TxTerminalHeight);
    }
    if !(1.0..=1000.0).contains(&h_rx) {
        *warnings |= warn::RX_TERMINAL_HEIGHT;
    }
    if !(0.5..=3000.0).contains(&h_rx) {
        return Err(ItmError::RxTerminalHeight);
    }
    if !(1..=7).contains(&p.climate) {
        return Err(ItmError::InvalidRadioClimate);
    }
    if !(250.0..=400.0).contains(&p.n_0) {
        return Err(ItmError::Refractivity);
    }
    if !(40.0..=10000.0).contains(&p.f_mhz) {
        *warnings |= warn::FREQUENCY;
    }
    if !(20.0..=20000.0).contains(&p.f_mhz) {
        return Err(ItmError::Frequency);
    }
    if p.pol != 0 && p.pol != 1 {
        return Err(ItmError::Polarization);
    }
    if !(p.epsilon >= 1.0) {
        return Err(ItmError::Epsilon);
    }
    if !(p.sigma > 0.0) {
        return Err(ItmError::Sigma);
    }
    if !matches!(p.mdvar, 0..=3 | 10..=13 | 20..=23 | 30..=33) {
        return Err(ItmError::Mdvar);
    }
    if !(situation > 0.0 && situation < 100.0) {
        return Err(ItmError::InvalidSituation);
    }
    if !(time > 0.0 && time < 100.0) {
        return Err(ItmError::InvalidTime);
    }
    if !(location > 0.0 && location < 100.0) {
        return Err(ItmError::InvalidLocation);
    }
    Ok(())
}

/// Point-to-point ITM, time/location/situation form.
///
/// * `h_tx_m`, `h_rx_m`: antenna heights above ground, m.
/// * `elevations_m`: terrain from TX (index 0) to RX (last), m above sea level, at least two
///   points at uniform `spacing_m` (> 0).
/// * `time`, `location`, `situation`: percent, 0 < x < 100.
///
/// # Errors
/// [`ItmFailure`] with NTIA's error code; a profile with fewer than two points or a spacing
/// that is not positive is [`ItmError::PathDistance`].
///
/// # References
/// NTIA ITM v1.4 `ITM_P2P_TLS_Ex`.
#[allow(clippy::too_many_arguments)]
pub fn p2p_tls(
    h_tx_m: f64,
    h_rx_m: f64,
    elevations_m: &[f64],
    spacing_m: f64,
    params: &ItmParams,
    time: f64,
    location: f64,
    situation: f64,
) -> Result<ItmResult, ItmFailure> {
    let mut warnings = 0u32;
    let fail = |kind, warnings| ItmFailure { kind, warnings };
    validate_inputs(
        h_tx_m,
        h_rx_m,
        params,
        time,
        location,
        situation,
        &mut warnings,
    )
    .map_err(|k| fail(k, warnings))?;
    if elevations_m.len() < 2 || !(spacing_m > 0.0) {
        return Err(fail(ItmError::PathDistance, warnings));
    }
    let e = elevations_m;
    let np = e.len() - 1;

    // mean height of the path, ignoring the first and last 10 %
    let p10 = (0.1 * np as f64) as usize;
    let h_sys = core::sum4(&e[p10..=np - p10]) / (np - 2 * p10 + 1) as f64;

    let (z_g, gamma_e, n_s) = core::initialize_point_to_point(
        params.f_mhz,
        h_sys,
        params.n_0,
        params.pol == 1,
        params.epsilon,
        params.sigma,
    );
    let h = [h_tx_m, h_rx_m];
    let g = core::quick_pfl(e, spacing_m, gamma_e, h);
    let (a_ref, mode) = core::longley_rice(
        g.theta_hzn,
        params.f_mhz,
        z_g,
        g.d_hzn_m,
        g.h_e_m,
        gamma_e,
        n_s,
        g.delta_h_m,
        h,
        g.d_m,
        CalcMode::PointToPoint,
        &mut warnings,
    )
    .map_err(|k| fail(k, warnings))?;
    let a_fs = core::free_space_loss_db(g.d_m, params.f_mhz);
    let a_db = core::variability(
        time,
        location,
        situation,
        g.h_e_m,
        g.delta_h_m,
        params.f_mhz,
        g.d_m,
        a_ref,
        params.climate,
        params.mdvar,
        &mut warnings,
    ) + a_fs;
    Ok(ItmResult {
        a_db,
        warnings,
        mode,
        inter: Intermediate {
            a_ref_db: a_ref,
            a_fs_db: a_fs,
            d_km: g.d_m / 1000.0,
            theta_hzn: g.theta_hzn,
            d_hzn_m: g.d_hzn_m,
            h_e_m: g.h_e_m,
            n_s,
            delta_h_m: g.delta_h_m,
        },
    })
}

fn tls_to_cr(f: ItmFailure) -> ItmFailure {
    let kind = match f.kind {
        ItmError::InvalidTime => ItmError::InvalidReliability,
        ItmError::InvalidSituation => ItmError::InvalidConfidence,
        k => k,
    };
    ItmFailure { kind, ..f }
}

/// Point-to-point ITM, confidence/reliability form: time = reliability, location = 50 %,
/// situation = confidence (percent).
///
/// # Errors
/// As [`p2p_tls`], with time/situation errors reported as reliability/confidence errors.
///
/// # References
/// NTIA ITM v1.4 `ITM_P2P_CR_Ex`.
#[allow(clippy::too_many_arguments)]
pub fn p2p_cr(
    h_tx_m: f64,
    h_rx_m: f64,
    elevations_m: &[f64],
    spacing_m: f64,
    params: &ItmParams,
    confidence: f64,
    reliability: f64,
) -> Result<ItmResult, ItmFailure> {
    p2p_tls(
        h_tx_m,
        h_rx_m,
        elevations_m,
        spacing_m,
        params,
        reliability,
        50.0,
        confidence,
    )
    .map_err(tls_to_cr)
}

/// Split an NTIA PFL array `[np, spacing_m, z_0, …, z_np]` into `(elevations, spacing)`.
/// Values after `z_np` are ignored, as NTIA does. `None` when the array is shorter than its
/// header says or `np` is not a whole number ≥ 1.
pub fn split_pfl(pfl: &[f64]) -> Option<(&[f64], f64)> {
    let np = *pfl.first()?;
    let spacing = *pfl.get(1)?;
    if !(np >= 1.0) || np.fract() != 0.0 || np > (pfl.len() - 2) as f64 {
        return None;
    }
    let np = np as usize;
    Some((&pfl[2..np + 3], spacing))
}

/// [`p2p_tls`] on an NTIA PFL array.
///
/// # Errors
/// As [`p2p_tls`]; a malformed PFL array is [`ItmError::PathDistance`].
#[allow(clippy::too_many_arguments)]
pub fn p2p_pfl_tls(
    h_tx_m: f64,
    h_rx_m: f64,
    pfl: &[f64],
    params: &ItmParams,
    time: f64,
    location: f64,
    situation: f64,
) -> Result<ItmResult, ItmFailure> {
    let (e, xi) = split_pfl(pfl).unwrap_or((&[], 0.0));
    p2p_tls(h_tx_m, h_rx_m, e, xi, params, time, location, situation)
}

/// [`p2p_cr`] on an NTIA PFL array.
///
/// # Errors
/// As [`p2p_cr`]; a malformed PFL array is [`ItmError::PathDistance`].
pub fn p2p_pfl_cr(
    h_tx_m: f64,
    h_rx_m: f64,
    pfl: &[f64],
    params: &ItmParams,
    confidence: f64,
    reliability: f64,
) -> Result<ItmResult, ItmFailure> {
    let (e, xi) = split_pfl(pfl).unwrap_or((&[], 0.0));
    p2p_cr(h_tx_m, h_rx_m, e, xi, params, confidence, reliability)
}

/// Area-mode ITM, time/location/situation form.
///
/// * `tx_site`, `rx_site`: siting criteria, 0 random, 1 careful, 2 very careful.
/// * `d_km`: path distance, km (> 0). `delta_h_m`: terrain irregularity parameter, m (≥ 0).
///
/// # Errors
/// [`ItmFailure`] with NTIA's error code.
///
/// # References
/// NTIA ITM v1.4 `ITM_AREA_TLS_Ex`.
#[allow(clippy::too_many_arguments)]
pub fn area_tls(
    h_tx_m: f64,
    h_rx_m: f64,
    tx_site: i32,
    rx_site: i32,
    d_km: f64,
    delta_h_m: f64,
    params: &ItmParams,
    time: f64,
    location: f64,
    situation: f64,
) -> Result<ItmResult, ItmFailure> {
    let mut warnings = 0u32;
    let fail = |kind, warnings| ItmFailure { kind, warnings };
    validate_inputs(
        h_tx_m,
        h_rx_m,
        params,
        time,
        location,
        situation,
        &mut warnings,
    )
    .map_err(|k| fail(k, warnings))?;
    if !(d_km > 0.0) {
        return Err(fail(ItmError::PathDistance, warnings));
    }
    if !(delta_h_m >= 0.0) {
        return Err(fail(ItmError::DeltaH, warnings));
    }
    if !(0..=2).contains(&tx_site) {
        return Err(fail(ItmError::TxSitingCriteria, warnings));
    }
    if !(0..=2).contains(&rx_site) {
        return Err(fail(ItmError::RxSitingCriteria, warnings));
    }
    let h = [h_tx_m, h_rx_m];
    let (z_g, gamma_e, n_s) = core::initialize_point_to_point(
        params.f_mhz,
        0.0,
        params.n_0,
        params.pol == 1,
        params.epsilon,
        params.sigma,
    );
    let (h_e, d_hzn, theta_hzn) = core::initialize_area([tx_site, rx_site], gamma_e, delta_h_m, h);
    let d_m = d_km * 1000.0;
    let (a_ref, mode) = core::longley_rice(
        theta_hzn,
        params.f_mhz,
        z_g,
        d_hzn,
        h_e,
        gamma_e,
        n_s,
        delta_h_m,
        h,
        d_m,
        CalcMode::Area,
        &mut warnings,
    )
    .map_err(|k| fail(k, warnings))?;
    let a_fs = core::free_space_loss_db(d_m, params.f_mhz);
    let a_db = a_fs
        + core::variability(
            time,
            location,
            situation,
            h_e,
            delta_h_m,
            params.f_mhz,
            d_m,
            a_ref,
            params.climate,
            params.mdvar,
            &mut warnings,
        );
    Ok(ItmResult {
        a_db,
        warnings,
        mode,
        inter: Intermediate {
            a_ref_db: a_ref,
            a_fs_db: a_fs,
            d_km,
            theta_hzn,
            d_hzn_m: d_hzn,
            h_e_m: h_e,
            n_s,
            delta_h_m,
        },
    })
}

/// Area-mode ITM, confidence/reliability form (time = reliability, location = 50 %,
/// situation = confidence).
///
/// # Errors
/// As [`area_tls`], with time/situation errors reported as reliability/confidence errors.
///
/// # References
/// NTIA ITM v1.4 `ITM_AREA_CR_Ex`.
#[allow(clippy::too_many_arguments)]
pub fn area_cr(
    h_tx_m: f64,
    h_rx_m: f64,
    tx_site: i32,
    rx_site: i32,
    d_km: f64,
    delta_h_m: f64,
    params: &ItmParams,
    confidence: f64,
    reliability: f64,
) -> Result<ItmResult, ItmFailure> {
    area_tls(
        h_tx_m,
        h_rx_m,
        tx_site,
        rx_site,
        d_km,
        delta_h_m,
        params,
        reliability,
        50.0,
        confidence,
    )
    .map_err(tls_to_cr)
}

/// The benchmark profile of `lastmile bench itm` (ARCHITECTURE.md), as elevations in metres:
/// 30 km at 30 m spacing (1001 points),
/// `300 + 60 sin(x/2300) + 25 sin(x/700 + 1) + 10 sin(x/210)` with x in metres from the TX.
/// Run it with h_tx 30 m, h_rx 10 m, 600 MHz, climate 5, N_0 301, ε 15, σ 0.005,
/// horizontal, mdvar 1, 50/50/50 ([`BENCH_SPACING_M`], [`bench_params`]).
pub fn bench_profile() -> Vec<f64> {
    (0..1001)
        .map(|i| {
            let x = i as f64 * BENCH_SPACING_M;
            300.0
                + 60.0 * (x / 2300.0).sin()
                + 25.0 * (x / 700.0 + 1.0).sin()
                + 10.0 * (x / 210.0).sin()
        })
        .collect()
}

/// Spacing of [`bench_profile`], m.
pub const BENCH_SPACING_M: f64 = 30.0;

/// ITM parameters of the benchmark link (see [`bench_profile`]).
pub fn bench_params() -> ItmParams {
    ItmParams {
        climate: 5,
        n_0: 301.0,
        f_mhz: 600.0,
        pol: 0,
        epsilon: 15.0,
        sigma: 0.005,
        mdvar: 1,
    }
}

/// Radio climate (ITM's seven climates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Climate {
    /// 1.
    Equatorial = 1,
    /// 2.
    ContinentalSubtropical = 2,
    /// 3.
    MaritimeSubtropical = 3,
    /// 4.
    Desert = 4,
    /// 5: the usual choice for inland temperate areas.
    #[default]
    ContinentalTemperate = 5,
    /// 6.
    MaritimeTemperateOverLand = 6,
    /// 7.
    MaritimeTemperateOverSea = 7,
}

/// How the quantiles of the loss are specified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantiles {
    /// Time, location and situation percentages (0 < x < 100).
    Tls {
        /// Time availability, %.
        time_pct: f64,
        /// Location availability, %.
        location_pct: f64,
        /// Situation (confidence over the ensemble), %.
        situation_pct: f64,
    },
    /// Reliability and confidence percentages (0 < x < 100).
    Cr {
        /// Reliability, %.
        reliability_pct: f64,
        /// Confidence, %.
        confidence_pct: f64,
    },
}

impl Default for Quantiles {
    /// Medians: 50/50/50.
    fn default() -> Self {
        Quantiles::Tls {
            time_pct: 50.0,
            location_pct: 50.0,
            situation_pct: 50.0,
        }
    }
}

/// ITM point-to-point mode as a [`PathLoss`] model. Frequency, heights, polarisation, ground
/// constants and the terrain profile come from the [`Link`].
///
/// Warnings are passed through in [`LossReport::warnings`] (bits of [`warn`]); an ITM error
/// is [`PropagationError::Model`] with NTIA's code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Itm {
    /// Radio climate.
    pub climate: Climate,
    /// Surface refractivity at sea level N_0, N-units (250–400; 301 is the usual default).
    pub n_0: f64,
    /// Quantiles of the prediction.
    pub quantiles: Quantiles,
    /// Mode of variability (see [`ItmParams::mdvar`]).
    pub mdvar: i32,
}

impl Default for Itm {
    /// Climate 5, N_0 301, medians, mdvar 12 (mobile without location variability, as
    /// SPLAT! uses).
    fn default() -> Self {
        Itm {
            climate: Climate::ContinentalTemperate,
            n_0: 301.0,
            quantiles: Quantiles::default(),
            mdvar: 12,
        }
    }
}

impl Itm {
    /// The raw ITM parameters for a link.
    pub fn params(&self, link: &Link<'_>) -> ItmParams {
        ItmParams {
            climate: self.climate as i32,
            n_0: self.n_0,
            f_mhz: link.frequency_hz / 1e6,
            pol: match link.polarization {
                Polarization::Horizontal => 0,
                Polarization::Vertical => 1,
            },
            epsilon: link.ground.epsilon_r,
            sigma: link.ground.sigma_s_per_m,
            mdvar: self.mdvar,
        }
    }

    /// Evaluate a link and return ITM's full result.
    ///
    /// # Errors
    /// [`ItmFailure`] with NTIA's code.
    pub fn evaluate(&self, link: &Link<'_>) -> Result<ItmResult, ItmFailure> {
        let p = self.params(link);
        let prof = link.profile;
        match self.quantiles {
            Quantiles::Tls {
                time_pct,
                location_pct,
                situation_pct,
            } => p2p_tls(
                link.tx_height_m,
                link.rx_height_m,
                &prof.elevations_m,
                prof.spacing_m,
                &p,
                time_pct,
                location_pct,
                situation_pct,
            ),
            Quantiles::Cr {
                reliability_pct,
                confidence_pct,
            } => p2p_cr(
                link.tx_height_m,
                link.rx_height_m,
                &prof.elevations_m,
                prof.spacing_m,
                &p,
                confidence_pct,
                reliability_pct,
            ),
        }
    }
}

impl PathLoss for Itm {
    fn id(&self) -> &'static str {
        "itm"
    }

    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        match self.evaluate(link) {
            Ok(r) => Ok(LossReport {
                loss_db: r.a_db,
                mode: Some(r.mode as u8),
                warnings: r.warnings,
            }),
            Err(f) => Err(PropagationError::Model {
                model: "itm",
                code: f.code(),
                message: f.kind.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propagation::{Ground, Profile};

    /// `Itm` through `PathLoss` is `p2p_tls`/`p2p_cr` on the link's own data.
    #[test]
    fn pathloss_matches_low_level_api() {
        let profile = Profile {
            spacing_m: BENCH_SPACING_M,
            elevations_m: bench_profile(),
        };
        let mut link = Link::new(&profile, 30.0, 10.0, 600e6);
        link.polarization = Polarization::Vertical;
        link.ground = Ground {
            epsilon_r: 15.0,
            sigma_s_per_m: 0.005,
        };
        let model = Itm {
            mdvar: 1,
            ..Itm::default()
        };
        let rep = model.loss(&link).unwrap();
        let p = ItmParams {
            pol: 1,
            ..bench_params()
        };
        let want = p2p_tls(
            30.0,
            10.0,
            &profile.elevations_m,
            30.0,
            &p,
            50.0,
            50.0,
            50.0,
        )
        .unwrap();
        assert_eq!(rep.loss_db, want.a_db);
        assert_eq!(rep.mode, Some(want.mode as u8));
        assert_eq!(rep.warnings, want.warnings);

        let cr = Itm {
            quantiles: Quantiles::Cr {
                reliability_pct: 90.0,
                confidence_pct: 50.0,
            },
            ..model
        };
        let want = p2p_cr(30.0, 10.0, &profile.elevations_m, 30.0, &p, 50.0, 90.0).unwrap();
        assert_eq!(cr.loss(&link).unwrap().loss_db, want.a_db);
        // 90 % reliability costs more loss than the median
        assert!(want.a_db > rep.loss_db);
    }

    #[test]
    fn pathloss_reports_ntia_error_code() {
        let profile = Profile::flat(100.0, 101, 200.0);
        let link = Link::new(&profile, 30.0, 10.0, 30e9); // 30 GHz: out of range
        match Itm::default().loss(&link) {
            Err(PropagationError::Model { code, model, .. }) => {
                assert_eq!((model, code), ("itm", 1009))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pfl_split() {
        let pfl = [2.0, 50.0, 1.0, 2.0, 3.0, 99.0];
        assert_eq!(split_pfl(&pfl), Some((&pfl[2..5], 50.0)));
        assert_eq!(split_pfl(&[3.0, 50.0, 1.0, 2.0]), None);
        assert_eq!(split_pfl(&[0.0, 50.0, 1.0]), None);
        assert_eq!(split_pfl(&[1.5, 50.0, 1.0, 2.0]), None);
        assert_eq!(split_pfl(&[]), None);
    }
}
