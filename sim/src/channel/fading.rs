//! The block-streaming tapped-delay-line channel: time-varying paths, band-limited tap
//! placement, timing offset, carrier frequency offset and AWGN on `Complex32` sample blocks.
//!
//! # Model
//! Path `i` has a delay `τ_i` and a complex gain that is a finite sum of rotating phasors,
//! `g_i(t) = Σ_k c_ik · exp(j2π f_ik t)` ([`FadingPath`]): one fixed phasor for a static
//! path, one at the path's Doppler shift for a ray-traced path seen by a moving receiver, a
//! sum of sinusoids for a Rayleigh tap ([`super::sos`]). At sample `n` the output is
//!
//! ```text
//! y[n] = e^{j2π Δf n/fs} · Σ_m h_m[n] · x[n − m] + w[n],   h_m[n] = Σ_i g_i(n/fs) · k_i[m],
//! ```
//!
//! where `k_i` places path `i` on the sample grid ([`Placement`]: the nearest sample, or the
//! Kaiser-windowed sinc of [`super::interp`] at its exact delay plus the timing offset),
//! `Δf` is the carrier frequency offset and `w` complex white Gaussian noise.
//!
//! # Time variation
//! The taps are evaluated exactly at every `K`-th sample of the stream (absolute sample index
//! `n = gK`) and interpolated linearly in between; `K ≤ 256` is chosen so that the fastest
//! phasor turns by at most 0.01 rad per interval, which bounds the interpolation error at
//! `0.01²/8 ≈ 1.3e-5` of the tap amplitude (−98 dB). Between exact evaluations the phasors
//! advance by a complex multiplication and are re-anchored to the exact phase every 64
//! intervals. Everything (taps, CFO phasor, noise stream) is a function of the absolute
//! sample index and is carried across calls, so a stream cut into blocks in any way gives
//! bit-identical output.
//!
//! Delays are frozen at their initial values: the Doppler phase rotation is modelled, the
//! slow drift of the delays of a moving receiver (`v/c`, 0.1 µs per second at 30 m/s) is
//! not, which holds for runs much shorter than `c/(v·B)` (seconds for 10 MHz at road speed).

use std::collections::BTreeMap;
use std::f64::consts::PI;

use num_complex::{Complex32, Complex64};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::interp::{fractional_taps, DEFAULT_HALF_WIDTH};
use super::sos::{rayleigh_components, DEFAULT_SINUSOIDS};
use super::tdl::TdlConfig;
use super::ChannelError;
use crate::propagation::Polarization;
use crate::raytrace::{Cir, Path, Tdl};

/// One rotating phasor of a path gain: `amplitude · exp(j2π doppler_hz · t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Component {
    /// Complex amplitude at `t = 0` (dimensionless field gain).
    pub amplitude: Complex64,
    /// Frequency of rotation, Hz (Doppler shift of this component).
    pub doppler_hz: f64,
}

/// A propagation path: a delay and a gain `g(t) = Σ_k c_k exp(j2π f_k t)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FadingPath {
    /// Delay, s (relative to the start of the channel; ≥ 0).
    pub delay_s: f64,
    /// The phasors whose sum is the path gain; empty means a zero-gain path.
    pub components: Vec<Component>,
}

impl FadingPath {
    /// A static path of complex gain `gain`.
    pub fn fixed(delay_s: f64, gain: Complex64) -> FadingPath {
        FadingPath::doppler(delay_s, gain, 0.0)
    }

    /// A path of gain `gain` at `t = 0` turning at `doppler_hz`.
    pub fn doppler(delay_s: f64, gain: Complex64, doppler_hz: f64) -> FadingPath {
        FadingPath {
            delay_s,
            components: vec![Component {
                amplitude: gain,
                doppler_hz,
            }],
        }
    }

    /// The path gain at time `t_s`, s (direct evaluation of the sum).
    pub fn gain_at(&self, t_s: f64) -> Complex64 {
        self.components
            .iter()
            .map(|c| c.amplitude * Complex64::from_polar(1.0, 2.0 * PI * c.doppler_hz * t_s))
            .sum()
    }

    /// Average power `Σ_k |c_k|²` (the time average of `|g(t)|²` when the frequencies differ).
    pub fn average_power(&self) -> f64 {
        self.components.iter().map(|c| c.amplitude.norm_sqr()).sum()
    }
}

/// How a path's delay is put on the sample grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The nearest sample (delays rounded to `1/fs`), one tap per path: the cheapest, and
    /// exact when the delays are multiples of the sample period.
    Nearest,
    /// Band-limited: the Kaiser-windowed sinc of [`super::interp`] with this half-width
    /// (samples) at the exact delay; off-grid paths cost `2·half_width` taps and the output
    /// is delayed by `half_width` samples ([`Channel::latency_samples`]).
    Sinc {
        /// Half-width of the kernel, samples (1..=1024).
        half_width: usize,
    },
}

impl Default for Placement {
    /// [`Placement::Sinc`] with the default half-width of 16 samples.
    fn default() -> Self {
        Placement::Sinc {
            half_width: DEFAULT_HALF_WIDTH,
        }
    }
}

/// Receiver motion for [`Channel::from_paths`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion {
    /// Receiver velocity, m/s, in the scene's ENU frame (x east, y north, z up).
    pub velocity_mps: [f64; 3],
    /// Carrier frequency, Hz (sets the wavelength of the Doppler shift).
    pub carrier_hz: f64,
}

impl Motion {
    /// A receiver at rest.
    pub fn stationary(carrier_hz: f64) -> Motion {
        Motion {
            velocity_mps: [0.0; 3],
            carrier_hz,
        }
    }

    /// Doppler shift of a wave arriving from the unit direction `arrival` (pointing from the
    /// receiver back along the incoming ray): `f_d = v · k̂ / λ`, positive when the receiver
    /// moves towards where the wave comes from.
    pub fn doppler_hz(&self, arrival: [f64; 3]) -> f64 {
        let v = self.velocity_mps;
        let dot = v[0] * arrival[0] + v[1] * arrival[1] + v[2] * arrival[2];
        dot * self.carrier_hz / SPEED_OF_LIGHT_MPS
    }
}

/// Speed of light, m/s.
pub const SPEED_OF_LIGHT_MPS: f64 = 299_792_458.0;

/// Largest tap index (delay plus timing offset plus kernel, in samples) a channel may have.
pub const MAX_TAP_INDEX: usize = 1 << 22;

/// Longest update interval, samples.
const MAX_INTERVAL: usize = 256;
/// Exact re-anchoring period of the phasor recurrences, in update intervals.
const REANCHOR: u64 = 64;
/// Exact re-anchoring period of the CFO phasor, samples.
const CFO_REANCHOR: u64 = 4096;

#[derive(Debug, Clone)]
struct Cfo {
    cycles_per_sample: f64,
    /// `exp(j2πν·64·h)`, h = 0..64 (steps of 64 samples within a re-anchoring period).
    coarse: Vec<Complex64>,
    /// `exp(j2πν·l)`, l = 0..64.
    fine: Vec<Complex32>,
    /// `exp(j2πν·n₀)` at the last multiple `n₀` of [`CFO_REANCHOR`], exact.
    anchor: Complex64,
}

#[derive(Debug, Clone)]
struct Noise {
    std_per_dim: f64,
    rng: ChaCha8Rng,
    bits: Vec<u64>,
}

/// The streaming channel. Build it with [`Channel::new`] or one of the `from_*`/[`Channel::tdl`]
/// constructors, add impairments with the `with_*` methods, then feed blocks to
/// [`Channel::process`].
///
/// # References
/// 3GPP TS 36.104 Annex B.2 and TS 36.101 Annex B.2 (TDL models); Y. R. Zheng, C. Xiao,
/// IEEE Trans. Commun. 51(6), 2003 (sum of sinusoids); T. I. Laakso et al., IEEE SP Mag.
/// 13(1), 1996 (fractional delay).
#[derive(Debug, Clone)]
pub struct Channel {
    fs: f64,
    paths: Vec<FadingPath>,
    placement: Placement,
    timing_offset: f64,
    bulk_delay_s: f64,
    // Components, flattened; path i owns comp_start[i]..comp_start[i + 1].
    comp_start: Vec<usize>,
    comp_amp: Vec<Complex64>,
    comp_cycles: Vec<f64>,
    comp_step: Vec<Complex64>,
    phasor: Vec<Complex64>,
    phasor_grid: u64,
    dynamic: bool,
    interval: usize,
    // Taps, CSR: tap j sits at tap_index[j] and is Σ weight · g_path over
    // tap_entries[tap_ptr[j]..tap_ptr[j + 1]].
    tap_index: Vec<usize>,
    tap_ptr: Vec<usize>,
    tap_entries: Vec<(usize, f64)>,
    latency: usize,
    // Stream state.
    n: u64,
    // Delay line and scratch, split into real and imaginary parts (vectorisable loops).
    history_re: Vec<f32>,
    history_im: Vec<f32>,
    work_re: Vec<f32>,
    work_im: Vec<f32>,
    acc_re: Vec<f32>,
    acc_im: Vec<f32>,
    gains: Vec<Complex64>,
    h_now: Vec<Complex64>,
    h_next: Vec<Complex64>,
    h0: Vec<Complex32>,
    dh: Vec<Complex32>,
    loaded_grid: Option<u64>,
    cfo: Option<Cfo>,
    noise: Option<Noise>,
}

fn check_rate(fs: f64) -> Result<(), ChannelError> {
    if fs.is_finite() && fs > 0.0 {
        Ok(())
    } else {
        Err(ChannelError::SampleRate(fs))
    }
}

impl Channel {
    /// A channel of `paths` at `sample_rate_hz`, paths placed by `placement`.
    ///
    /// # Errors
    /// [`ChannelError::SampleRate`] for a rate that is not finite and positive,
    /// [`ChannelError::Empty`] for no paths, [`ChannelError::InvalidInput`] for a negative or
    /// non-finite delay, a non-finite amplitude or Doppler, a Doppler at or beyond `fs/2`, a
    /// half-width outside 1..=1024, or a delay beyond [`MAX_TAP_INDEX`] samples.
    pub fn new(
        paths: Vec<FadingPath>,
        sample_rate_hz: f64,
        placement: Placement,
    ) -> Result<Channel, ChannelError> {
        check_rate(sample_rate_hz)?;
        if paths.is_empty() {
            return Err(ChannelError::Empty);
        }
        if let Placement::Sinc { half_width } = placement {
            if !(1..=1024).contains(&half_width) {
                return Err(ChannelError::InvalidInput(format!(
                    "sinc half-width {half_width} outside 1..=1024"
                )));
            }
        }
        let fs = sample_rate_hz;
        let mut comp_start = vec![0];
        let mut comp_amp = Vec::new();
        let mut comp_cycles = Vec::new();
        for (i, p) in paths.iter().enumerate() {
            if !(p.delay_s.is_finite() && p.delay_s >= 0.0) {
                return Err(ChannelError::InvalidInput(format!(
                    "path {i}: delay {} s is not a finite non-negative number",
                    p.delay_s
                )));
            }
            for c in &p.components {
                if !(c.amplitude.re.is_finite() && c.amplitude.im.is_finite()) {
                    return Err(ChannelError::InvalidInput(format!(
                        "path {i}: amplitude {} is not finite",
                        c.amplitude
                    )));
                }
                if !(c.doppler_hz.is_finite() && c.doppler_hz.abs() < 0.5 * fs) {
                    return Err(ChannelError::InvalidInput(format!(
                        "path {i}: Doppler {} Hz is not finite or not below fs/2",
                        c.doppler_hz
                    )));
                }
                comp_amp.push(c.amplitude);
                comp_cycles.push(c.doppler_hz / fs);
            }
            comp_start.push(comp_amp.len());
        }
        let f_max = comp_cycles.iter().fold(0.0f64, |m, c| m.max(c.abs()));
        let dynamic = f_max > 0.0;
        let interval = if dynamic {
            // At most 0.01 rad per interval: 2π f_max K ≤ 0.01.
            ((0.01 / (2.0 * PI * f_max)).floor() as usize).clamp(1, MAX_INTERVAL)
        } else {
            64
        };
        let comp_step = comp_cycles
            .iter()
            .map(|&c| Complex64::from_polar(1.0, 2.0 * PI * c * interval as f64))
            .collect();
        let n_comp = comp_amp.len();
        let n_paths = paths.len();
        let mut ch = Channel {
            fs,
            paths,
            placement,
            timing_offset: 0.0,
            bulk_delay_s: 0.0,
            comp_start,
            comp_amp,
            comp_cycles,
            comp_step,
            phasor: vec![Complex64::new(1.0, 0.0); n_comp],
            phasor_grid: 0,
            dynamic,
            interval,
            tap_index: Vec::new(),
            tap_ptr: Vec::new(),
            tap_entries: Vec::new(),
            latency: 0,
            n: 0,
            history_re: Vec::new(),
            history_im: Vec::new(),
            work_re: Vec::new(),
            work_im: Vec::new(),
            acc_re: Vec::new(),
            acc_im: Vec::new(),
            gains: vec![Complex64::default(); n_paths],
            h_now: Vec::new(),
            h_next: Vec::new(),
            h0: Vec::new(),
            dh: Vec::new(),
            loaded_grid: None,
            cfo: None,
            noise: None,
        };
        ch.build_taps()?;
        Ok(ch)
    }

    /// The static channel of a tapped delay line ([`Cir::to_tdl`] or
    /// [`Cir::to_tdl_windowed`]): tap `l` at `tdl.delays_s[l]` with weight `tdl.taps[l]`.
    /// Taps on the sample grid (the `Cir` conversions put them there) need no interpolation;
    /// any other delay is placed by the windowed sinc. The TDL's absolute `offset_s` is a
    /// bulk delay, reported by [`Channel::bulk_delay_s`], not applied.
    ///
    /// # Errors
    /// [`ChannelError::Empty`] for a TDL without taps; as [`Channel::new`] otherwise.
    pub fn from_tdl(tdl: &Tdl, sample_rate_hz: f64) -> Result<Channel, ChannelError> {
        check_rate(sample_rate_hz)?;
        if tdl.taps.is_empty() {
            return Err(ChannelError::Empty);
        }
        if tdl.delays_s.len() != tdl.taps.len() {
            return Err(ChannelError::InvalidInput(format!(
                "TDL has {} delays but {} taps",
                tdl.delays_s.len(),
                tdl.taps.len()
            )));
        }
        let paths = tdl
            .delays_s
            .iter()
            .zip(&tdl.taps)
            .map(|(&d, &g)| FadingPath::fixed(d, g))
            .collect();
        let mut ch = Channel::new(paths, sample_rate_hz, Placement::default())?;
        ch.bulk_delay_s = tdl.offset_s;
        Ok(ch)
    }

    /// The static channel of a continuous-time impulse response: path delays relative to
    /// the first path, placed by `placement`. The first path's absolute delay is reported by
    /// [`Channel::bulk_delay_s`].
    ///
    /// # Errors
    /// [`ChannelError::Empty`] for a CIR without paths; as [`Channel::new`] otherwise.
    pub fn from_cir(
        cir: &Cir,
        sample_rate_hz: f64,
        placement: Placement,
    ) -> Result<Channel, ChannelError> {
        let t0 = cir.delays_s.iter().copied().fold(f64::INFINITY, f64::min);
        let paths = cir
            .delays_s
            .iter()
            .zip(&cir.gains)
            .map(|(&d, &g)| FadingPath::fixed(d - t0, g))
            .collect();
        let mut ch = Channel::new(paths, sample_rate_hz, placement)?;
        ch.bulk_delay_s = t0;
        Ok(ch)
    }

    /// The channel of traced paths ([`crate::raytrace::LinkPaths::paths`]) for TX
    /// polarisation `tx` and RX polarisation `rx`, seen by a receiver moving as `motion`:
    /// path `i` keeps its complex amplitude and turns at its own Doppler shift
    /// `f_d,i = v · k̂_i / λ` from its arrival direction `k̂_i`. Delays are relative to the
    /// first path ([`Channel::bulk_delay_s`] is its absolute delay).
    ///
    /// # Errors
    /// [`ChannelError::Empty`] for no paths; [`ChannelError::InvalidInput`] for a carrier
    /// or velocity that is not finite (or a carrier ≤ 0); as [`Channel::new`] otherwise.
    pub fn from_paths(
        paths: &[Path],
        tx: Polarization,
        rx: Polarization,
        motion: &Motion,
        sample_rate_hz: f64,
        placement: Placement,
    ) -> Result<Channel, ChannelError> {
        check_rate(sample_rate_hz)?;
        if paths.is_empty() {
            return Err(ChannelError::Empty);
        }
        if !(motion.carrier_hz.is_finite() && motion.carrier_hz > 0.0)
            || motion.velocity_mps.iter().any(|v| !v.is_finite())
        {
            return Err(ChannelError::InvalidInput(format!(
                "motion {motion:?}: carrier must be positive and velocity finite"
            )));
        }
        let t0 = paths
            .iter()
            .map(|p| p.delay_s)
            .fold(f64::INFINITY, f64::min);
        let fading = paths
            .iter()
            .map(|p| {
                let a = p.arrival;
                FadingPath::doppler(
                    p.delay_s - t0,
                    p.gain(tx, rx),
                    motion.doppler_hz([a.x, a.y, a.z]),
                )
            })
            .collect();
        let mut ch = Channel::new(fading, sample_rate_hz, placement)?;
        ch.bulk_delay_s = t0;
        Ok(ch)
    }

    /// A 3GPP TDL fading channel ([`TdlConfig`], e.g. [`TdlConfig::EVA70`]): each tap an
    /// independent Rayleigh process of the table's power (normalised to a unit sum) with the
    /// classical Doppler spectrum, [`DEFAULT_SINUSOIDS`] sinusoids per tap. The random
    /// parameters come from `ChaCha8Rng::seed_from_u64(seed)` on stream `2·link` (tap by
    /// tap, in table order), so each `(seed, link)` pair is one reproducible realisation.
    ///
    /// # Errors
    /// [`ChannelError::InvalidInput`] for a Doppler that is negative or not finite; as
    /// [`Channel::new`] otherwise.
    pub fn tdl(
        config: TdlConfig,
        sample_rate_hz: f64,
        placement: Placement,
        seed: u64,
        link: u64,
    ) -> Result<Channel, ChannelError> {
        check_rate(sample_rate_hz)?;
        if !(config.doppler_hz.is_finite() && config.doppler_hz >= 0.0) {
            return Err(ChannelError::InvalidInput(format!(
                "Doppler {} Hz is not a finite non-negative number",
                config.doppler_hz
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(link.wrapping_mul(2));
        let paths = config
            .model
            .delays_s()
            .into_iter()
            .zip(config.model.powers())
            .map(|(d, p)| FadingPath {
                delay_s: d,
                components: rayleigh_components(p, config.doppler_hz, DEFAULT_SINUSOIDS, &mut rng),
            })
            .collect();
        Channel::new(paths, sample_rate_hz, placement)
    }

    /// Adds complex white Gaussian noise of power `reference_power · 10^(−snr_db/10)` per
    /// sample (so `snr_db` is the SNR of a signal of power `reference_power` after a channel
    /// of unit average gain, e.g. the TDL models with a unit-power input). The noise comes
    /// from `ChaCha8Rng::seed_from_u64(seed)` on stream `2·link + 1` (Marsaglia's polar
    /// method), independent of the fading of the same `(seed, link)`.
    ///
    /// # Errors
    /// [`ChannelError::Snr`] for a non-finite SNR; [`ChannelError::InvalidInput`] for a
    /// reference power that is not finite and positive.
    pub fn with_awgn(
        mut self,
        snr_db: f64,
        reference_power: f64,
        seed: u64,
        link: u64,
    ) -> Result<Channel, ChannelError> {
        if !snr_db.is_finite() {
            return Err(ChannelError::Snr(snr_db));
        }
        if !(reference_power.is_finite() && reference_power > 0.0) {
            return Err(ChannelError::InvalidInput(format!(
                "reference power {reference_power} is not finite and positive"
            )));
        }
        let var = reference_power * 10f64.powf(-snr_db / 10.0);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(link.wrapping_mul(2).wrapping_add(1));
        self.noise = Some(Noise {
            std_per_dim: (0.5 * var).sqrt(),
            rng,
            bits: Vec::new(),
        });
        Ok(self)
    }

    /// Adds a carrier frequency offset: the output is multiplied by `exp(j2π cfo_hz · n/fs)`
    /// (`n` the absolute sample index, from 0).
    ///
    /// # Errors
    /// [`ChannelError::InvalidInput`] for an offset that is not finite or not below `fs/2`.
    pub fn with_cfo(mut self, cfo_hz: f64) -> Result<Channel, ChannelError> {
        if !(cfo_hz.is_finite() && cfo_hz.abs() < 0.5 * self.fs) {
            return Err(ChannelError::InvalidInput(format!(
                "CFO {cfo_hz} Hz is not finite or not below fs/2"
            )));
        }
        let c = cfo_hz / self.fs;
        self.cfo = Some(Cfo {
            cycles_per_sample: c,
            coarse: (0..CFO_REANCHOR / 64)
                .map(|h| exact_phasor(c, h * 64))
                .collect(),
            fine: (0..64)
                .map(|l| {
                    let p = exact_phasor(c, l);
                    Complex32::new(p.re as f32, p.im as f32)
                })
                .collect(),
            anchor: Complex64::new(1.0, 0.0),
        });
        Ok(self)
    }

    /// Adds a timing offset of `samples` (integer and fractional part, ≥ 0): every path is
    /// delayed by it; a fractional offset is applied with the windowed sinc (under
    /// [`Placement::Nearest`] each path stays at its nearest sample and is then shifted by
    /// the exact offset).
    ///
    /// # Errors
    /// [`ChannelError::InvalidInput`] for an offset that is negative, not finite or beyond
    /// [`MAX_TAP_INDEX`].
    pub fn with_timing_offset(mut self, samples: f64) -> Result<Channel, ChannelError> {
        if !(samples.is_finite() && samples >= 0.0 && samples < MAX_TAP_INDEX as f64) {
            return Err(ChannelError::InvalidInput(format!(
                "timing offset {samples} samples is not finite, non-negative and in range"
            )));
        }
        self.timing_offset = samples;
        self.build_taps()?;
        Ok(self)
    }

    fn build_taps(&mut self) -> Result<(), ChannelError> {
        let fs = self.fs;
        let off = self.timing_offset;
        let centres: Vec<f64> = self
            .paths
            .iter()
            .map(|p| {
                let raw = p.delay_s * fs;
                match self.placement {
                    Placement::Nearest => raw.round() + off,
                    Placement::Sinc { .. } => raw + off,
                }
            })
            .collect();
        if let Some(c) = centres
            .iter()
            .find(|c| c.is_nan() || **c >= MAX_TAP_INDEX as f64)
        {
            return Err(ChannelError::InvalidInput(format!(
                "a path at {c} samples is beyond the {MAX_TAP_INDEX}-sample limit"
            )));
        }
        let fractional = centres.iter().any(|c| (c - c.round()).abs() >= 1e-9);
        let half_width = match self.placement {
            Placement::Sinc { half_width } => half_width,
            Placement::Nearest => DEFAULT_HALF_WIDTH,
        };
        let lead = if fractional { half_width } else { 0 };
        let mut map: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
        for (i, c) in centres.iter().enumerate() {
            for (m, w) in fractional_taps(c + lead as f64, half_width) {
                map.entry(m).or_default().push((i, w));
            }
        }
        self.tap_index.clear();
        self.tap_ptr = vec![0];
        self.tap_entries.clear();
        for (m, entries) in map {
            self.tap_index.push(m);
            self.tap_entries.extend(entries);
            self.tap_ptr.push(self.tap_entries.len());
        }
        self.latency = lead;
        let n_taps = self.tap_index.len();
        let max_tap = self.tap_index.last().copied().unwrap_or(0);
        self.history_re = vec![0.0; max_tap];
        self.history_im = vec![0.0; max_tap];
        self.h_now = vec![Complex64::default(); n_taps];
        self.h_next = vec![Complex64::default(); n_taps];
        self.h0 = vec![Complex32::default(); n_taps];
        self.dh = vec![Complex32::default(); n_taps];
        self.loaded_grid = None;
        self.n = 0;
        Ok(())
    }

    /// Sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.fs
    }

    /// The paths (delays relative to the start of the channel).
    pub fn paths(&self) -> &[FadingPath] {
        &self.paths
    }

    /// Absolute delay of the channel's time origin (the first path of a traced or CIR
    /// channel, the TDL's `offset_s`), s; not applied to the samples.
    pub fn bulk_delay_s(&self) -> f64 {
        self.bulk_delay_s
    }

    /// Extra delay of the output, samples: the half-width of the interpolation kernel when
    /// any path (after the timing offset) is off the sample grid, else 0.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// Samples processed so far (the absolute index of the next input sample).
    pub fn position(&self) -> u64 {
        self.n
    }

    /// Samples between exact tap evaluations (`K`; 64 for a static channel).
    pub fn update_interval(&self) -> usize {
        self.interval
    }

    /// Number of non-zero taps per output sample.
    pub fn tap_count(&self) -> usize {
        self.tap_index.len()
    }

    /// The path gains at absolute sample `n`, evaluated exactly (the genie channel state a
    /// link simulator may give its receiver), `[paths]`.
    pub fn path_gains_at(&self, n: u64) -> Vec<Complex64> {
        let mut g = vec![Complex64::default(); self.paths.len()];
        for (i, gi) in g.iter_mut().enumerate() {
            for k in self.comp_start[i]..self.comp_start[i + 1] {
                *gi += self.comp_amp[k] * exact_phasor(self.comp_cycles[k], n);
            }
        }
        g
    }

    /// The taps `(m, h_m)` at absolute sample `n`, exact, sorted by `m` (delays in samples
    /// including the timing offset and [`Channel::latency_samples`]).
    pub fn taps_at(&self, n: u64) -> Vec<(usize, Complex64)> {
        let g = self.path_gains_at(n);
        (0..self.tap_index.len())
            .map(|j| {
                let h = self.tap_entries[self.tap_ptr[j]..self.tap_ptr[j + 1]]
                    .iter()
                    .map(|&(i, w)| g[i] * w)
                    .sum();
                (self.tap_index[j], h)
            })
            .collect()
    }

    /// The channel's frequency response at baseband frequency `freq_hz` and sample `n`,
    /// relative to the latency-shifted time origin: `Σ_m h_m[n] e^{−j2πf(m − L)/fs}`
    /// (`L` = [`Channel::latency_samples`]; CFO and noise excluded).
    pub fn frequency_response_at(&self, n: u64, freq_hz: f64) -> Complex64 {
        let l = self.latency as f64;
        self.taps_at(n)
            .into_iter()
            .map(|(m, h)| {
                h * Complex64::from_polar(1.0, -2.0 * PI * freq_hz * (m as f64 - l) / self.fs)
            })
            .sum()
    }

    fn advance_phasors(&mut self) {
        self.phasor_grid += 1;
        if self.phasor_grid.is_multiple_of(REANCHOR) {
            let n = self.phasor_grid * self.interval as u64;
            for (p, &c) in self.phasor.iter_mut().zip(&self.comp_cycles) {
                *p = exact_phasor(c, n);
            }
        } else {
            for (p, s) in self.phasor.iter_mut().zip(&self.comp_step) {
                *p *= s;
            }
        }
    }

    fn taps_from_phasors(&mut self, next: bool) {
        for (i, g) in self.gains.iter_mut().enumerate() {
            let r = self.comp_start[i]..self.comp_start[i + 1];
            *g = self.comp_amp[r.clone()]
                .iter()
                .zip(&self.phasor[r])
                .map(|(a, p)| a * p)
                .sum();
        }
        let out = if next {
            &mut self.h_next
        } else {
            &mut self.h_now
        };
        for (j, h) in out.iter_mut().enumerate() {
            *h = self.tap_entries[self.tap_ptr[j]..self.tap_ptr[j + 1]]
                .iter()
                .map(|&(i, w)| self.gains[i] * w)
                .sum();
        }
    }

    /// Make `h0`/`dh` describe update interval `g` (sequential in `g`).
    fn load_grid(&mut self, g: u64) {
        match self.loaded_grid {
            Some(prev) if prev + 1 == g => {
                std::mem::swap(&mut self.h_now, &mut self.h_next);
                self.advance_phasors();
                self.taps_from_phasors(true);
            }
            _ => {
                let n = g * self.interval as u64;
                for (p, &c) in self.phasor.iter_mut().zip(&self.comp_cycles) {
                    *p = exact_phasor(c, n);
                }
                self.phasor_grid = g;
                self.taps_from_phasors(false);
                self.advance_phasors();
                self.taps_from_phasors(true);
            }
        }
        let k = self.interval as f64;
        for j in 0..self.h0.len() {
            let a = self.h_now[j];
            let d = (self.h_next[j] - a) / k;
            self.h0[j] = Complex32::new(a.re as f32, a.im as f32);
            self.dh[j] = Complex32::new(d.re as f32, d.im as f32);
        }
        self.loaded_grid = Some(g);
    }

    /// Runs one block of the stream through the channel: `output[i]` is the channel output
    /// at the absolute sample `position() + i`. State (delay line, fading phase, CFO phase,
    /// noise stream) carries to the next call.
    ///
    /// # Errors
    /// [`ChannelError::LengthMismatch`] when the slices differ in length (nothing is
    /// processed).
    pub fn process(
        &mut self,
        input: &[Complex32],
        output: &mut [Complex32],
    ) -> Result<(), ChannelError> {
        if input.len() != output.len() {
            return Err(ChannelError::LengthMismatch {
                input: input.len(),
                output: output.len(),
            });
        }
        let len = input.len();
        if len == 0 {
            return Ok(());
        }
        let hist = self.history_re.len();
        let mut wr = std::mem::take(&mut self.work_re);
        let mut wi = std::mem::take(&mut self.work_im);
        wr.clear();
        wi.clear();
        wr.extend_from_slice(&self.history_re);
        wi.extend_from_slice(&self.history_im);
        wr.extend(input.iter().map(|v| v.re));
        wi.extend(input.iter().map(|v| v.im));
        let k = self.interval as u64;
        let mut pos = 0;
        while pos < len {
            let n = self.n;
            let (r, chunk) = if self.dynamic {
                let r = (n % k) as usize;
                (r, (self.interval - r).min(len - pos))
            } else {
                (0, len - pos)
            };
            let g = if self.dynamic { n / k } else { 0 };
            if self.loaded_grid != Some(g) {
                self.load_grid(g);
            }
            self.acc_re.clear();
            self.acc_re.resize(chunk, 0.0);
            self.acc_im.clear();
            self.acc_im.resize(chunk, 0.0);
            for (j, &m) in self.tap_index.iter().enumerate() {
                let at = hist + pos - m;
                let (xr, xi) = (&wr[at..at + chunk], &wi[at..at + chunk]);
                if self.dynamic {
                    mac_ramp(
                        &mut self.acc_re,
                        &mut self.acc_im,
                        xr,
                        xi,
                        self.h0[j],
                        self.dh[j],
                        r,
                    );
                } else {
                    mac_const(&mut self.acc_re, &mut self.acc_im, xr, xi, self.h0[j]);
                }
            }
            for ((o, &re), &im) in output[pos..pos + chunk]
                .iter_mut()
                .zip(&self.acc_re)
                .zip(&self.acc_im)
            {
                *o = Complex32::new(re, im);
            }
            pos += chunk;
            self.n += chunk as u64;
        }
        self.history_re.copy_from_slice(&wr[len..len + hist]);
        self.history_im.copy_from_slice(&wi[len..len + hist]);
        self.work_re = wr;
        self.work_im = wi;
        let n_start = self.n - len as u64;
        if let Some(cfo) = &mut self.cfo {
            // Phase at sample n = anchor(n₀) · coarse[(n − n₀)/64] · fine[n mod 64]: a
            // function of n alone, no recurrence across samples.
            let mut i = 0;
            while i < len {
                let n = n_start + i as u64;
                if n.is_multiple_of(CFO_REANCHOR) {
                    cfo.anchor = exact_phasor(cfo.cycles_per_sample, n);
                }
                let t = n % CFO_REANCHOR;
                let lo = (t % 64) as usize;
                let seg = (64 - lo).min(len - i);
                let c = cfo.anchor * cfo.coarse[(t / 64) as usize];
                let c = Complex32::new(c.re as f32, c.im as f32);
                for (o, f) in output[i..i + seg].iter_mut().zip(&cfo.fine[lo..lo + seg]) {
                    *o *= c * f;
                }
                i += seg;
            }
        }
        if let Some(noise) = &mut self.noise {
            let std = noise.std_per_dim as f32;
            noise.bits.clear();
            noise.bits.extend((0..len).map(|_| noise.rng.next_u64()));
            for (o, &b) in output.iter_mut().zip(&noise.bits) {
                *o += gaussian_pair(b) * std;
            }
        }
        Ok(())
    }

    /// Convenience: runs `input` as the next block and returns the output.
    pub fn apply(&mut self, input: &[Complex32]) -> Vec<Complex32> {
        let mut out = vec![Complex32::default(); input.len()];
        // Lengths match by construction.
        let _ = self.process(input, &mut out);
        out
    }
}

/// Two independent standard normal deviates (as re, im) from 64 random bits, by the
/// Box–Muller transform: radius `√(−2 ln u1)` with `u1 = (hi31 + 1)/2³¹` ∈ (0, 1] (the
/// tails reach 6.55 σ), angle uniform from the low 32 bits (two bits pick the quadrant, 30
/// bits the angle within ±π/4). Logarithm, sine and cosine are branch-free polynomials
/// (errors ≤ 2e-7) so the loop over a block vectorises.
///
/// # References
/// G. E. P. Box, M. E. Muller, "A note on the generation of random normal deviates", Ann.
/// Math. Statist. 29(2), 1958.
#[inline]
fn gaussian_pair(bits: u64) -> Complex32 {
    const TWO_M31: f32 = 1.0 / 2_147_483_648.0;
    // i32 → f32 conversions (one instruction, vectorisable); u64 → f32 is not.
    let u1 = (((bits >> 33) as i32) as f32 + 1.0) * TWO_M31;
    let r = (-2.0 * ln_approx(u1)).max(0.0).sqrt();
    let lo = bits as u32;
    let quadrant = lo >> 30;
    // φ ∈ [−π/4, π/4): 30 bits.
    let phi = (((lo & 0x3fff_ffff) as i32) as f32 * (1.0 / 1_073_741_824.0) - 0.5)
        * std::f32::consts::FRAC_PI_2;
    let (s, c) = sin_cos_quarter(phi);
    // Rotate by quadrant · π/2, branch-free: an odd quadrant turns (c, s) into (−s, c), the
    // upper bit negates both.
    let odd = (quadrant & 1) as f32;
    let sign = 1.0 - 2.0 * (quadrant >> 1) as f32;
    let x = c + odd * (-s - c);
    let y = s + odd * (c - s);
    Complex32::new(r * sign * x, r * sign * y)
}

/// Natural logarithm of a positive normal `f32`: exponent and mantissa `m` ∈ [√½, √2), then
/// `ln m = 2 atanh((m − 1)/(m + 1))` by its series to the 9th power (error ≤ 2e-7 · max(1, |ln x|), the f32
/// rounding of the result).
#[inline]
fn ln_approx(x: f32) -> f32 {
    let bits = x.to_bits();
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    // Branch-free: halve m (one off the exponent field) and count it in e when m > √2.
    let big = u32::from(m > std::f32::consts::SQRT_2);
    let e = ((bits >> 23) & 0xff) as i32 - 127 + big as i32;
    let m = f32::from_bits(m.to_bits() - (big << 23));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let p = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    e as f32 * std::f32::consts::LN_2 + 2.0 * s * p
}

/// `(sin φ, cos φ)` for `|φ| ≤ π/4` by Taylor polynomials to φ⁹ and φ⁸ (error ≤ 3e-8).
#[inline]
fn sin_cos_quarter(phi: f32) -> (f32, f32) {
    let x2 = phi * phi;
    let s = phi
        * (1.0
            + x2 * (-1.0 / 6.0
                + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362_880.0)))));
    let c = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40_320.0))));
    (s, c)
}

/// `acc += (h0 + dh·(r + t)) · x[t]` for `t` in the chunk (taps interpolated linearly).
#[inline]
fn mac_ramp(
    acc_re: &mut [f32],
    acc_im: &mut [f32],
    xr: &[f32],
    xi: &[f32],
    h0: Complex32,
    dh: Complex32,
    r: usize,
) {
    let n = acc_re.len();
    let (acc_im, xr, xi) = (&mut acc_im[..n], &xr[..n], &xi[..n]);
    let base = r as i32;
    for t in 0..n {
        let tf = (base + t as i32) as f32;
        let hr = h0.re + dh.re * tf;
        let hi = h0.im + dh.im * tf;
        acc_re[t] += hr * xr[t] - hi * xi[t];
        acc_im[t] += hr * xi[t] + hi * xr[t];
    }
}

/// `acc += h · x[t]` for `t` in the chunk (static tap).
#[inline]
fn mac_const(acc_re: &mut [f32], acc_im: &mut [f32], xr: &[f32], xi: &[f32], h: Complex32) {
    let n = acc_re.len();
    let (acc_im, xr, xi) = (&mut acc_im[..n], &xr[..n], &xi[..n]);
    for t in 0..n {
        acc_re[t] += h.re * xr[t] - h.im * xi[t];
        acc_im[t] += h.re * xi[t] + h.im * xr[t];
    }
}

/// `exp(j2π · frac(cycles · n))`, the phase reduced before the trigonometry.
fn exact_phasor(cycles_per_sample: f64, n: u64) -> Complex64 {
    let ph = (cycles_per_sample * n as f64).rem_euclid(1.0);
    Complex64::from_polar(1.0, 2.0 * PI * ph)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impulse(len: usize) -> Vec<Complex32> {
        let mut x = vec![Complex32::default(); len];
        x[0] = Complex32::new(1.0, 0.0);
        x
    }

    #[test]
    fn static_taps_appear_at_their_delays() {
        let fs = 1e6;
        let ch = Channel::new(
            vec![
                FadingPath::fixed(0.0, Complex64::new(1.0, 0.0)),
                FadingPath::fixed(3e-6, Complex64::new(0.0, -0.5)),
            ],
            fs,
            Placement::Nearest,
        );
        let mut ch = ch.unwrap();
        let y = ch.apply(&impulse(6));
        assert_eq!(y[0], Complex32::new(1.0, 0.0));
        assert_eq!(y[3], Complex32::new(0.0, -0.5));
        assert_eq!(y[1], Complex32::default());
        assert_eq!(ch.latency_samples(), 0);
    }

    #[test]
    fn integer_timing_offset_is_a_pure_delay() {
        let mut ch = Channel::new(
            vec![FadingPath::fixed(1e-6, Complex64::new(0.5, 0.0))],
            1e6,
            Placement::Nearest,
        )
        .unwrap()
        .with_timing_offset(4.0)
        .unwrap();
        let y = ch.apply(&impulse(8));
        assert_eq!(y[5], Complex32::new(0.5, 0.0));
        assert_eq!(y.iter().filter(|v| v.norm() > 0.0).count(), 1);
    }

    #[test]
    fn rotating_path_follows_its_doppler() {
        let fs = 1e6;
        let fd = 123.0;
        let mut ch = Channel::new(
            vec![FadingPath::doppler(0.0, Complex64::new(1.0, 0.0), fd)],
            fs,
            Placement::Nearest,
        )
        .unwrap();
        let x = vec![Complex32::new(1.0, 0.0); 50_000];
        let y = ch.apply(&x);
        for n in [0usize, 1, 63, 64, 1000, 33_333, 49_999] {
            let want = Complex64::from_polar(1.0, 2.0 * PI * fd * n as f64 / fs);
            let got = Complex64::new(f64::from(y[n].re), f64::from(y[n].im));
            assert!((got - want).norm() < 2e-5, "n={n}: {got} vs {want}");
        }
    }

    #[test]
    fn noise_approximations_match_libm() {
        let mut worst_ln = 0.0f32;
        for i in 1..100_000u32 {
            let x = i as f32 / 100_000.0;
            let tol = x.ln().abs().max(1.0);
            worst_ln = worst_ln.max((ln_approx(x) - x.ln()).abs() / tol);
        }
        assert!(worst_ln < 2e-7, "ln {worst_ln}");
        assert!((ln_approx(1.0 / 4_294_967_296.0) + 22.18071).abs() < 1e-4);
        let mut worst_sc = 0.0f32;
        for i in -1000..=1000 {
            let phi = i as f32 / 1000.0 * std::f32::consts::FRAC_PI_4;
            let (s, c) = sin_cos_quarter(phi);
            worst_sc = worst_sc
                .max((s - phi.sin()).abs())
                .max((c - phi.cos()).abs());
        }
        assert!(worst_sc < 2e-7, "sincos {worst_sc}");
        // Unit-circle directions in all four quadrants.
        for b in [0u64, 1 << 30, 2 << 30, 3 << 30, 0xffff_ffff] {
            let g = gaussian_pair(b | (1 << 40));
            assert!(g.norm() > 0.0);
        }
    }

    #[test]
    fn length_mismatch_is_an_error() {
        let mut ch = Channel::new(
            vec![FadingPath::fixed(0.0, Complex64::new(1.0, 0.0))],
            1e6,
            Placement::Nearest,
        )
        .unwrap();
        let x = [Complex32::default(); 4];
        let mut y = [Complex32::default(); 3];
        assert!(matches!(
            ch.process(&x, &mut y),
            Err(ChannelError::LengthMismatch {
                input: 4,
                output: 3
            })
        ));
    }
}
