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
//! LTE carrier fits come from the PHY numerology (one source of truth): in a single TV
//! channel the candidates are [`phy::numerology::tv_channel_plan`]'s standard fit (the
//! widest 36.101 bandwidth whose channel bandwidth fits, 5 MHz in 6/7/8 MHz channels), its
//! TVWS fill fit when the device asks for one ([`Device::fill_guard_hz`]: as many PRBs as
//! fit with that guard to each edge), and every narrower [`phy::numerology::Bandwidth`]; in
//! a block of bonded channels, every [`phy::numerology::Bandwidth`] whose channel bandwidth
//! fits the block. The occupied width is N_PRB·180 kHz, centred in the block.
//!
//! Several sites that must share one carrier (the simulator's co-channel network) are
//! chosen together by [`choose_common`]: the same channels and bandwidth at every site,
//! ranked by the weakest site's EIRP. [`offers_from_spec`] turns a PAWS spectrum spec into
//! the current constraints and per-channel offers.
//!
//! # References
//! RFC 7545 §5.9–§5.11 (schedules, profiles, resolutionBwHz); ETSI EN 301 598 V2.1.1 §4.2.4
//! (ACLR by emission class, out-of-block floor); 3GPP TS 36.101 Table 5.6-1 (channel
//! bandwidths).

use phy::numerology::{tv_channel_plan, Bandwidth, TvFit, SC_PER_RB, SUBCARRIER_SPACING_HZ};
use phy::tv::TvRaster;

use super::paws::{Spectrum, SpectrumProfilePoint, SpectrumSpec};
use super::timestamp;

/// Resource block width, Hz (12 subcarriers of 15 kHz).
pub const PRB_HZ: f64 = SC_PER_RB as f64 * SUBCARRIER_SPACING_HZ;

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
    /// Also consider the numerology's TVWS fill fit in single channels, with this guard to
    /// each channel edge, Hz (`None`: standard LTE bandwidths only).
    pub fill_guard_hz: Option<u32>,
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
    /// LTE nominal channel bandwidth, Hz (for the TVWS fill fit: the TV channel width).
    pub lte_bandwidth_hz: f64,
    /// Number of PRBs.
    pub n_prb: u32,
    /// FFT size of the numerology (its sample rate is `fft_size`·15 kHz).
    pub fft_size: usize,
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

/// One LTE carrier that fits a channel block: nominal bandwidth (Hz), PRBs, FFT size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Nominal channel bandwidth, Hz.
    pub bandwidth_hz: f64,
    /// Resource blocks.
    pub n_prb: u32,
    /// FFT size.
    pub fft_size: usize,
}

/// The raster whose channel `o.channel` has exactly `o`'s edges, if any.
pub fn raster_of_offer(o: &ChannelOffer) -> Option<TvRaster> {
    [TvRaster::Us6, TvRaster::Eu8Uhf, TvRaster::Eu7Vhf]
        .into_iter()
        .find(|r| {
            r.edges_hz(o.channel)
                .is_ok_and(|(a, b)| (a - o.low_hz).abs() < 1.0 && (b - o.high_hz).abs() < 1.0)
        })
}

/// LTE carriers that fit a block of `n_channels` contiguous channels starting at `first`
/// (see the module docs), narrowest first.
pub fn fits(first: &ChannelOffer, n_channels: usize, fill_guard_hz: Option<u32>) -> Vec<Fit> {
    let width = (first.high_hz - first.low_hz) * n_channels as f64;
    let mut out: Vec<Fit> = Bandwidth::ALL
        .into_iter()
        .filter(|b| b.channel_hz() <= width + 1.0)
        .map(|b| Fit {
            bandwidth_hz: b.channel_hz(),
            n_prb: b.n_prb() as u32,
            fft_size: b.fft_size(),
        })
        .collect();
    if n_channels == 1 {
        if let Some(raster) = raster_of_offer(first) {
            let mut plans = vec![TvFit::Standard];
            if let Some(g) = fill_guard_hz {
                plans.push(TvFit::Fill { min_guard_hz: g });
            }
            for fit in plans {
                let Ok(p) = tv_channel_plan(raster, first.channel, fit) else {
                    continue;
                };
                let n_prb = p.numerology.n_prb() as u32;
                let f = Fit {
                    bandwidth_hz: match fit {
                        TvFit::Standard => Bandwidth::from_n_prb(n_prb as usize)
                            .map_or(width, Bandwidth::channel_hz),
                        TvFit::Fill { .. } => width,
                    },
                    n_prb,
                    fft_size: p.numerology.fft_size(),
                };
                if !out.iter().any(|o| o.n_prb == f.n_prb) {
                    out.push(f);
                }
            }
        }
    }
    out.sort_by_key(|f| f.n_prb);
    out
}

/// Pick the channel block and LTE bandwidth that maximise usable EIRP, then availability
/// time, then bandwidth, among blocks of up to `device.max_channels` contiguous offered
/// channels. `None` when nothing fits.
pub fn choose(spectra: &[Spectrum], offers: &[ChannelOffer], device: &Device) -> Option<Choice> {
    let site = SiteGrant {
        spectra,
        offers,
        device: *device,
    };
    choose_common(&[site]).map(|mut v| v.remove(0))
}

/// What one site was granted, and its radio.
#[derive(Debug, Clone, Copy)]
pub struct SiteGrant<'a> {
    /// The constraints in force (several resolution bandwidths).
    pub spectra: &'a [Spectrum],
    /// The channels on offer.
    pub offers: &'a [ChannelOffer],
    /// The site's radio and antenna (`max_channels` and `fill_guard_hz` are taken from the
    /// first site).
    pub device: Device,
}

/// Choose one channel block and LTE carrier shared by several sites, each with its own
/// grant and radio: only blocks every site was offered qualify; candidates are
/// ranked by the smallest per-site EIRP (0.1 dB steps), then the earliest expiry, then
/// the number of PRBs. Returns one [`Choice`] per site (same channels, bandwidth and
/// centre; each site's own EIRP, power and checks), or `None` when no block is common to
/// all sites or `sites` is empty.
pub fn choose_common(sites: &[SiteGrant<'_>]) -> Option<Vec<Choice>> {
    let first = sites.first()?;
    let device = &first.device;
    let mut offers = first.offers.to_vec();
    offers.sort_by(|a, b| a.low_hz.total_cmp(&b.low_hz));
    offers.dedup_by_key(|o| o.channel);
    // Channels every site was offered; availability is the earliest expiry among sites.
    offers.retain_mut(|o| {
        for other in &sites[1..] {
            match other.offers.iter().find(|x| x.channel == o.channel) {
                Some(x) => o.until_s = o.until_s.min(x.until_s),
                None => return false,
            }
        }
        true
    });
    let mut best: Option<((i64, i64, u32), Vec<Choice>)> = None;
    for start in 0..offers.len() {
        for len in 1..=device.max_channels.max(1) as usize {
            let Some(block) = offers.get(start..start + len) else {
                break;
            };
            if block
                .windows(2)
                .any(|w| (w[1].low_hz - w[0].high_hz).abs() > 1.0)
            {
                break;
            }
            let (lo, hi) = (block[0].low_hz, block[len - 1].high_hz);
            let until_s = block.iter().map(|o| o.until_s).min().unwrap_or(0);
            let center = 0.5 * (lo + hi);
            'fit: for fit in fits(&block[0], len, device.fill_guard_hz) {
                let occ = f64::from(fit.n_prb) * PRB_HZ;
                let mut per_site = Vec::with_capacity(sites.len());
                for site in sites {
                    let Some(mask) =
                        max_eirp_dbm(site.spectra, center - occ / 2.0, center + occ / 2.0)
                    else {
                        continue 'fit;
                    };
                    let d = &site.device;
                    let radio_eirp = d.max_conducted_dbm + d.antenna_gain_dbi - d.cable_loss_db;
                    let eirp = mask.min(radio_eirp);
                    let conducted = eirp - d.antenna_gain_dbi + d.cable_loss_db;
                    per_site.push(Choice {
                        channels: block.iter().map(|o| o.channel).collect(),
                        lte_bandwidth_hz: fit.bandwidth_hz,
                        n_prb: fit.n_prb,
                        fft_size: fit.fft_size,
                        center_hz: center,
                        mask_eirp_dbm: mask,
                        eirp_dbm: eirp,
                        conducted_dbm: conducted,
                        conducted_per_prb_dbm: conducted - 10.0 * f64::from(fit.n_prb).log10(),
                        until_s,
                        checks: Vec::new(),
                    });
                }
                let weakest = per_site
                    .iter()
                    .map(|c| c.eirp_dbm)
                    .fold(f64::INFINITY, f64::min);
                let key = ((weakest * 10.0).round() as i64, until_s, fit.n_prb);
                if best.as_ref().is_none_or(|(k, _)| key > *k) {
                    best = Some((key, per_site));
                }
            }
        }
    }
    let (_, mut choices) = best?;
    for (c, site) in choices.iter_mut().zip(sites) {
        c.checks = check(c, site.spectra, &site.device);
    }
    Some(choices)
}

/// The spectra in force now, and each offered channel with its EIRP limit (dBm per
/// channel width).
pub type CurrentOffers = (Vec<Spectrum>, Vec<(ChannelOffer, f64)>);

/// The constraints in force at `now_s` and the channels on offer, from one PAWS spectrum
/// spec: the spectra of the schedule whose interval holds `now_s` (empty when none does),
/// and every channel of `raster` fully inside them, with its EIRP limit over the channel
/// ([`max_eirp_dbm`], dBm per channel width) kept in a [`ChannelOffer`] whose `until_s`
/// runs to the end of the unbroken run of schedules that keep offering it.
///
/// # Errors
/// A timestamp that does not parse (`YYYY-MM-DDThh:mm:ssZ`), as its message.
pub fn offers_from_spec(
    spec: &SpectrumSpec,
    raster: TvRaster,
    now_s: i64,
) -> Result<CurrentOffers, String> {
    let mut times = Vec::with_capacity(spec.spectrum_schedules.len());
    for s in &spec.spectrum_schedules {
        let a = timestamp::parse(&s.event_time.start_time).map_err(|e| e.to_string())?;
        let b = timestamp::parse(&s.event_time.stop_time).map_err(|e| e.to_string())?;
        times.push((a, b));
    }
    let Some(k) = times.iter().position(|&(a, b)| a <= now_s && now_s < b) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let spectra = spec.spectrum_schedules[k].spectra.clone();
    let (lo, hi) = raster.channels();
    let mut out = Vec::new();
    for ch in lo..=hi {
        let Ok((a, b)) = raster.edges_hz(ch) else {
            continue;
        };
        let Some(eirp) = max_eirp_dbm(&spectra, a, b) else {
            continue;
        };
        let mut until = times[k].1;
        for (t, sched) in times.iter().zip(&spec.spectrum_schedules).skip(k + 1) {
            if t.0 != until || max_eirp_dbm(&sched.spectra, a, b).is_none() {
                break;
            }
            until = t.1;
        }
        out.push((
            ChannelOffer {
                channel: ch,
                low_hz: a,
                high_hz: b,
                until_s: until,
            },
            eirp,
        ));
    }
    Ok((spectra, out))
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
