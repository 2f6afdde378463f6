//! Channel, bandwidth and power choice from a granted spectrum schedule.
//!
//! Input: the spectra a database granted for "now" (several resolution bandwidths, each a
//! constraint), the TV raster, the device's antenna gain, cable loss, maximum conducted
//! power and (ETSI) emission class. Output: a [`Choice`]: which contiguous TV channel(s),
//! which LTE bandwidth centred in them, the usable EIRP, the conducted power per PRB, and a
//! compliance report against every resolution bandwidth and the adjacent-channel limits.
//!
//! The EIRP masks are power spectral densities: a profile value `dbm` at resolution
//! bandwidth `B` limits the power in any `B`-wide window. For a flat transmission of total
//! EIRP `P` over occupied width `W`, the power in a `B` window is `P·min(B, W)/W`, so each
//! spectrum allows `P ≤ min_mask + 10·log10(W / min(B, W))`, the minimum taken over the
//! occupied range (piecewise-linear masks reach their minimum at a break point or an end).
//!
//! LTE channel fits use a local table of the 36.101 bandwidths (1.4/3/5/10/15/20 MHz,
//! 6/15/25/50/75/100 PRB, occupied N_PRB·180 kHz): a bandwidth fits a block of contiguous
//! TV channels when its nominal channel bandwidth does not exceed the block. (The OFDM
//! numerology module will own this table; this one is the interim, documented choice.)
//!
//! # References
//! RFC 7545 §5.11 (profiles, resolutionBwHz); ETSI EN 301 598 V2.1.1 §4.2.4 (ACLR by
//! emission class, out-of-block floor); 3GPP TS 36.101 Table 5.6-1 (channel bandwidths).

use super::paws::{Spectrum, SpectrumProfilePoint};

/// LTE channel bandwidths: (nominal Hz, N_PRB) — 3GPP TS 36.101 Table 5.6-1.
pub const LTE_BANDWIDTHS: [(f64, u32); 6] = [
    (1.4e6, 6),
    (3e6, 15),
    (5e6, 25),
    (10e6, 50),
    (15e6, 75),
    (20e6, 100),
];

/// Resource block width, Hz.
pub const PRB_HZ: f64 = 180e3;

/// ETSI EN 301 598 ACLR by emission class 1–5 for adjacent channel offsets n = ±1, ±2,
/// |n| ≥ 3, dB.
pub const ETSI_ACLR_DB: [[f64; 3]; 5] = [
    [74.0, 79.0, 84.0],
    [74.0, 74.0, 74.0],
    [64.0, 74.0, 84.0],
    [54.0, 64.0, 74.0],
    [43.0, 53.0, 64.0],
];

/// ETSI out-of-block floor, dBm per 100 kHz.
pub const ETSI_OOB_FLOOR_DBM_PER_100KHZ: f64 = -84.0;

/// ACLR of an ETSI emission class at channel offset `n` (n ≠ 0), dB; `None` for a class
/// outside 1–5 or n = 0.
pub fn etsi_aclr_db(class: u8, n: i32) -> Option<f64> {
    if !(1..=5).contains(&class) || n == 0 {
        return None;
    }
    let k = (n.unsigned_abs() as usize).min(3) - 1;
    Some(ETSI_ACLR_DB[usize::from(class - 1)][k])
}

/// ETSI out-of-block EIRP limit in channel offset `n` for in-block EIRP `p_ib_dbm`
/// (dBm per 8 MHz): max(P_IB − ACLR(n), −84) dBm per 100 kHz.
pub fn etsi_oob_limit_dbm_per_100khz(p_ib_dbm: f64, class: u8, n: i32) -> Option<f64> {
    Some((p_ib_dbm - etsi_aclr_db(class, n)?).max(ETSI_OOB_FLOOR_DBM_PER_100KHZ))
}

/// Mask value of one profile at `hz`, dBm per resolution bandwidth, or `None` outside it.
/// First frequency inclusive, last exclusive; at a step (two points at one frequency) the
/// second point's value applies from that frequency on.
pub fn profile_at(profile: &[SpectrumProfilePoint], hz: f64) -> Option<f64> {
    let first = profile.first()?;
    let last = profile.last()?;
    if hz < first.hz || hz >= last.hz {
        return None;
    }
    // Last segment whose start is ≤ hz (so a step's second point wins at the step).
    let mut i = 0;
    for j in 0..profile.len() - 1 {
        if profile[j].hz <= hz && hz < profile[j + 1].hz {
            i = j;
        }
    }
    let (a, b) = (profile[i], profile[i + 1]);
    if b.hz == a.hz {
        return Some(b.dbm);
    }
    Some(a.dbm + (b.dbm - a.dbm) * (hz - a.hz) / (b.hz - a.hz))
}

/// Mask value of a spectrum at `hz` (the profile that covers it), or `None`.
pub fn spectrum_at(s: &Spectrum, hz: f64) -> Option<f64> {
    s.profiles.iter().find_map(|p| profile_at(p, hz))
}

/// Minimum of a spectrum's mask over `[lo, hi)`, or `None` if any part is uncovered.
pub fn spectrum_min_over(s: &Spectrum, lo: f64, hi: f64) -> Option<f64> {
    if hi <= lo {
        return None;
    }
    // Check coverage on a fine grid plus every break point inside the range.
    let mut pts: Vec<f64> = s
        .profiles
        .iter()
        .flatten()
        .map(|p| p.hz)
        .filter(|&f| f > lo && f < hi)
        .collect();
    let n = 64;
    pts.extend((0..n).map(|i| lo + (hi - lo) * i as f64 / n as f64));
    pts.push(hi - (hi - lo) * 1e-9);
    let mut m = f64::INFINITY;
    for f in pts {
        m = m.min(spectrum_at(s, f)?);
        // Just below a step, the lower segment's end value also applies.
        if let Some(v) = spectrum_at(s, f - 1e-3).filter(|_| f - 1e-3 >= lo) {
            m = m.min(v);
        }
    }
    Some(m)
}

/// Largest total EIRP (dBm) of a flat transmission over `[lo, hi)` allowed by every
/// spectrum at once; `None` if any spectrum leaves part of the range uncovered.
pub fn max_eirp_dbm(spectra: &[Spectrum], lo: f64, hi: f64) -> Option<f64> {
    let w = hi - lo;
    let mut best = f64::INFINITY;
    for s in spectra {
        let m = spectrum_min_over(s, lo, hi)?;
        best = best.min(m + 10.0 * (w / s.resolution_bw_hz.min(w)).log10());
    }
    if spectra.is_empty() {
        None
    } else {
        Some(best)
    }
}

/// Device parameters for the choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Device {
    /// Antenna gain, dBi.
    pub antenna_gain_dbi: f64,
    /// Cable and connector loss, dB.
    pub cable_loss_db: f64,
    /// Maximum conducted power at the radio port, dBm.
    pub max_conducted_dbm: f64,
    /// ETSI emission class 1–5 (`None` for FCC devices).
    pub emission_class: Option<u8>,
    /// Largest number of contiguous TV channels to bond.
    pub max_channels: u32,
}

/// A candidate TV channel with the time it stays available.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelOffer {
    /// Channel number.
    pub channel: u32,
    /// Lower edge, Hz.
    pub low_hz: f64,
    /// Upper edge, Hz.
    pub high_hz: f64,
    /// Available until, Unix s.
    pub until_s: i64,
}

/// Compliance against one constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintCheck {
    /// What: `"rbw 6000000 Hz"` or `"adjacent n=+1 (ch 22)"`.
    pub what: String,
    /// Limit minus what the choice emits, dB (≥ 0 is compliant).
    pub margin_db: f64,
}

/// The chosen operating point.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// TV channels used (contiguous).
    pub channels: Vec<u32>,
    /// LTE nominal bandwidth, Hz.
    pub lte_bandwidth_hz: f64,
    /// Number of PRBs.
    pub n_prb: u32,
    /// Carrier centre, Hz.
    pub center_hz: f64,
    /// EIRP the masks allow, dBm (total over the occupied width).
    pub mask_eirp_dbm: f64,
    /// EIRP used: the mask limit or the radio's maximum, whichever is lower, dBm.
    pub eirp_dbm: f64,
    /// Conducted power at the radio port, dBm.
    pub conducted_dbm: f64,
    /// Conducted power per PRB, dBm.
    pub conducted_per_prb_dbm: f64,
    /// Until when every channel used stays available, Unix s.
    pub until_s: i64,
    /// One check per resolution bandwidth and per adjacent channel with a limit.
    pub checks: Vec<ConstraintCheck>,
}

impl Choice {
    /// Whether every check has a non-negative margin.
    pub fn compliant(&self) -> bool {
        self.checks.iter().all(|c| c.margin_db >= -1e-9)
    }
}

/// Pick the channel block and LTE bandwidth that maximise usable EIRP, then availability
/// time, then bandwidth, among blocks of up to `device.max_channels` contiguous offered
/// channels. `None` when nothing fits.
pub fn choose(spectra: &[Spectrum], offers: &[ChannelOffer], device: &Device) -> Option<Choice> {
    let mut offers = offers.to_vec();
    offers.sort_by(|a, b| a.low_hz.total_cmp(&b.low_hz));
    let mut best: Option<Choice> = None;
    for start in 0..offers.len() {
        for len in 1..=device.max_channels.max(1) as usize {
            let block = match offers.get(start..start + len) {
                Some(b) => b,
                None => break,
            };
            if block
                .windows(2)
                .any(|w| (w[1].low_hz - w[0].high_hz).abs() > 1.0)
            {
                break;
            }
            let (lo, hi) = (block[0].low_hz, block[len - 1].high_hz);
            let until_s = block.iter().map(|o| o.until_s).min().unwrap_or(0);
            for &(bw, n_prb) in LTE_BANDWIDTHS.iter().filter(|(bw, _)| *bw <= hi - lo + 1.0) {
                let center = 0.5 * (lo + hi);
                let occ = f64::from(n_prb) * PRB_HZ;
                let Some(mask) = max_eirp_dbm(spectra, center - occ / 2.0, center + occ / 2.0)
                else {
                    continue;
                };
                let radio_eirp =
                    device.max_conducted_dbm + device.antenna_gain_dbi - device.cable_loss_db;
                let eirp = mask.min(radio_eirp);
                let conducted = eirp - device.antenna_gain_dbi + device.cable_loss_db;
                let c = Choice {
                    channels: block.iter().map(|o| o.channel).collect(),
                    lte_bandwidth_hz: bw,
                    n_prb,
                    center_hz: center,
                    mask_eirp_dbm: mask,
                    eirp_dbm: eirp,
                    conducted_dbm: conducted,
                    conducted_per_prb_dbm: conducted - 10.0 * f64::from(n_prb).log10(),
                    until_s,
                    checks: Vec::new(),
                };
                let better = match &best {
                    None => true,
                    Some(b) => {
                        let key =
                            |x: &Choice| ((x.eirp_dbm * 10.0).round() as i64, x.until_s, x.n_prb);
                        key(&c) > key(b)
                    }
                };
                if better {
                    best = Some(c);
                }
            }
        }
    }
    let mut c = best?;
    c.checks = check(&c, spectra, device);
    Some(c)
}

/// Check a choice against every spectrum (each resolution bandwidth) and, for ETSI
/// devices, the leakage of its emission class into neighbouring 8 MHz channels against
/// any narrow-band (≤ 1 MHz resolution) limits the database gave there.
pub fn check(c: &Choice, spectra: &[Spectrum], device: &Device) -> Vec<ConstraintCheck> {
    let occ = f64::from(c.n_prb) * PRB_HZ;
    let (lo, hi) = (c.center_hz - occ / 2.0, c.center_hz + occ / 2.0);
    let mut out = Vec::new();
    for s in spectra {
        let b = s.resolution_bw_hz;
        let emitted = c.eirp_dbm - 10.0 * (occ / b.min(occ)).log10();
        let margin = spectrum_min_over(s, lo, hi).map_or(f64::NEG_INFINITY, |m| m - emitted);
        out.push(ConstraintCheck {
            what: format!("rbw {b} Hz"),
            margin_db: margin,
        });
    }
    if let Some(class) = device.emission_class {
        let width: f64 = 8e6;
        // In-block EIRP per 8 MHz.
        let p_ib = c.eirp_dbm + 10.0 * (width.min(occ) / occ).log10();
        for n in [-3i32, -2, -1, 1, 2, 3] {
            let Some(aclr) = etsi_aclr_db(class, n) else {
                continue;
            };
            let leak_100k = p_ib - aclr; // dBm / 100 kHz (EN 301 598 definition)
            let (a, b) = if n < 0 {
                (lo + f64::from(n) * width, lo + f64::from(n + 1) * width)
            } else {
                (hi + f64::from(n - 1) * width, hi + f64::from(n) * width)
            };
            for s in spectra.iter().filter(|s| s.resolution_bw_hz <= 1e6) {
                if let Some(m) = spectrum_min_over(s, a, b) {
                    let leak = leak_100k + 10.0 * (s.resolution_bw_hz / 100e3).log10();
                    out.push(ConstraintCheck {
                        what: format!("adjacent n={n:+} rbw {} Hz", s.resolution_bw_hz),
                        margin_db: m - leak,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(hz: f64, dbm: f64) -> SpectrumProfilePoint {
        SpectrumProfilePoint { hz, dbm }
    }

    #[test]
    fn step_semantics() {
        let prof = [
            p(470e6, 36.0),
            p(476e6, 36.0),
            p(476e6, 20.0),
            p(482e6, 20.0),
        ];
        assert_eq!(profile_at(&prof, 470e6), Some(36.0));
        assert_eq!(profile_at(&prof, 475.9e6), Some(36.0));
        assert_eq!(profile_at(&prof, 476e6), Some(20.0));
        assert_eq!(profile_at(&prof, 482e6), None);
        assert_eq!(profile_at(&prof, 469e6), None);
    }

    #[test]
    fn aclr_table_and_floor() {
        assert_eq!(etsi_aclr_db(1, 1), Some(74.0));
        assert_eq!(etsi_aclr_db(5, -2), Some(53.0));
        assert_eq!(etsi_aclr_db(3, 7), Some(84.0));
        assert_eq!(etsi_aclr_db(6, 1), None);
        assert_eq!(etsi_oob_limit_dbm_per_100khz(36.0, 5, 1), Some(-7.0));
        assert_eq!(etsi_oob_limit_dbm_per_100khz(0.0, 1, 3), Some(-84.0));
    }
}
