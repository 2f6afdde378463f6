//! Downlink channel estimation on the cell-specific reference signals.
//!
//! Least squares at each CRS resource element (Y·r*, |r| = 1), then interpolation in two
//! separable passes:
//! - **Frequency** (per CRS symbol), [`FreqInterp`]: `Linear` — optional [1 2 1]/4 smoothing
//!   across neighbouring CRS, linear interpolation between CRS, held flat beyond the
//!   outermost ones; or `Wiener` — an L-tap MMSE filter over the nearest CRS of the symbol,
//!   designed for an exponential or uniform power-delay profile of given RMS delay spread
//!   and an assumed SNR. The filter taps depend only on the offset of the target
//!   subcarrier from the first CRS of its window, so one table of (6L + 5) × L taps serves
//!   every symbol, port, CRS shift and bandwidth.
//! - **Time** (per subcarrier), [`TimeInterp`]: `Linear` between the two CRS symbols that
//!   bracket a symbol (extrapolated at the ends), or `Wiener` over all CRS symbols of the
//!   subframe with a Jakes (J₀) time correlation for a given Doppler frequency. Both are a
//!   real weight matrix (output symbol × CRS symbol), so the pass is a few real-scaled
//!   row additions over contiguous memory.
//!
//! All taps and weights are computed once in [`Estimator::new`]; [`Estimator::estimate_into`]
//! reuses the caller's [`ChannelEstimate`] and the estimator's scratch, so a subframe costs
//! no allocation. The free function [`estimate`] (linear, one call) keeps the simple API.
//!
//! The noise variance per resource element is estimated from the port-0 LS values: the
//! residual e(m) = h(m) − (h(m−1) + h(m+1))/2 has variance 1.5·σ² on a channel that is
//! locally linear in frequency.
//!
//! Output layout: `h[(p · n_sym + l) · n_sc + k]` for port p, symbol l, subcarrier k. With
//! several receive antennas, one [`ChannelEstimate`] per antenna grid
//! ([`Estimator::estimate_rx`]).
//!
//! The grid has no DC subcarrier, so two CRS that straddle DC are 7, not 6, subcarriers
//! apart; both interpolators ignore this (a phase slope error of 1/6 of a CRS spacing
//! across one gap).
//!
//! # References
//! 3GPP TS 36.211 §6.10.1; J.-J. van de Beek et al., "On channel estimation in OFDM
//! systems", VTC 1995 (LS, linear and MMSE interpolation); P. Hoeher, S. Kaiser,
//! P. Robertson, "Two-dimensional pilot-symbol-aided channel estimation by Wiener
//! filtering", ICASSP 1997 (separable 2×1-D Wiener filters); W. C. Jakes, *Microwave
//! Mobile Communications*, 1974 (J₀ time correlation).

use num_complex::Complex64;

use crate::grid::ResourceGrid;
use crate::numerology::CyclicPrefix;
use crate::refsig::crs::Crs;
use crate::{Complex32, Error, Result};

/// Estimated channel of one subframe for each transmit port, and the noise variance.
#[derive(Debug, Clone, Default)]
pub struct ChannelEstimate {
    /// Subcarriers per symbol.
    pub n_sc: usize,
    /// Symbols in the subframe.
    pub n_sym: usize,
    /// Ports estimated.
    pub ports: usize,
    /// Channel per (port, symbol, subcarrier), layout in the module docs.
    pub h: Vec<Complex32>,
    /// Noise variance per resource element (same scale as the grid), ≥ 1e-12.
    pub noise_var: f32,
    /// Mean |h_LS|² of port 0 at its CRS (received reference power per RE plus noise,
    /// grid scale).
    pub rsrp: f32,
}

impl ChannelEstimate {
    /// Channel of `port` at (k, l).
    ///
    /// # Panics
    /// Out of range.
    #[inline]
    pub fn at(&self, port: usize, k: usize, l: usize) -> Complex32 {
        self.h[(port * self.n_sym + l) * self.n_sc + k]
    }
    /// The channel of `port` in symbol `l`, all subcarriers.
    ///
    /// # Panics
    /// Out of range.
    pub fn row(&self, port: usize, l: usize) -> &[Complex32] {
        let s = (port * self.n_sym + l) * self.n_sc;
        &self.h[s..s + self.n_sc]
    }
    /// SNR per RE of port 0, dB (`rsrp / noise_var`).
    pub fn snr_db(&self) -> f32 {
        10.0 * (self.rsrp / self.noise_var).max(1e-6).log10()
    }
    /// Reference signal received power per RE with the noise removed (`rsrp − noise_var`,
    /// at least 1e-12 of `rsrp`), grid scale.
    pub fn rsrp_signal(&self) -> f32 {
        (self.rsrp - self.noise_var).max(self.rsrp * 1e-12)
    }
}

/// Power-delay-profile model of the frequency-direction Wiener filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pdp {
    /// p(τ) ∝ e^{−τ/τ_rms}, τ ≥ 0: correlation 1/(1 + j2πΔf·τ_rms).
    Exponential,
    /// Uniform on [0, √12·τ_rms]: correlation e^{−jπΔfτ_max}·sinc(Δf·τ_max).
    Uniform,
}

/// Frequency-direction interpolation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FreqInterp {
    /// Linear between CRS; `smooth` applies [1 2 1]/4 across CRS first.
    Linear {
        /// Smooth the LS values first.
        smooth: bool,
    },
    /// Wiener (MMSE) filter over the `taps` nearest CRS of the symbol.
    Wiener {
        /// Delay profile model.
        pdp: Pdp,
        /// RMS delay spread, s (e.g. 43e-9 EPA, 991e-9 ETU).
        rms_delay_s: f64,
        /// Assumed SNR per RE at the CRS, dB.
        snr_db: f64,
        /// Filter length in CRS (2…24; 8 is a good default).
        taps: usize,
    },
}

/// Time-direction interpolation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeInterp {
    /// Linear between the bracketing CRS symbols.
    Linear,
    /// Wiener over all CRS symbols of the subframe, Jakes correlation.
    Wiener {
        /// Maximum Doppler frequency, Hz.
        doppler_hz: f64,
        /// Assumed SNR per RE after the frequency pass, dB.
        snr_db: f64,
    },
}

/// Estimator settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Antenna ports to estimate (1, 2 or 4).
    pub ports: usize,
    /// Frequency pass.
    pub freq: FreqInterp,
    /// Time pass.
    pub time: TimeInterp,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ports: 1,
            freq: FreqInterp::Linear { smooth: true },
            time: TimeInterp::Linear,
        }
    }
}

/// Time weights: per output symbol, (index into the CRS rows, weight).
type TimeWeights = Vec<Vec<(usize, f32)>>;

#[derive(Debug, Clone)]
struct Plan {
    n_prb: usize,
    n_sc: usize,
    n_sym: usize,
    nsym_slot: usize,
    ports: usize,
    freq: FreqInterp,
    /// Wiener frequency taps, `taps[(d + 5) · L + t]`, empty for linear.
    ftaps: Vec<Complex32>,
    flen: usize,
    /// CRS symbols (subframe index) and time weights for ports 0/1 and ports 2/3.
    crs_syms: [Vec<usize>; 2],
    tw: [TimeWeights; 2],
}

impl Plan {
    fn new(n_prb: usize, cp: CyclicPrefix, cfg: &Config) -> Result<Plan> {
        if !matches!(cfg.ports, 1 | 2 | 4) {
            return Err(Error::Unsupported {
                what: "CRS ports",
                value: cfg.ports.to_string(),
            });
        }
        if n_prb == 0 || n_prb > crate::numerology::N_RB_MAX_DL {
            return Err(Error::Unsupported {
                what: "PRB count",
                value: n_prb.to_string(),
            });
        }
        let nsym_slot = cp.symbols_per_slot();
        let n_sym = 2 * nsym_slot;
        let (ftaps, flen) = match cfg.freq {
            FreqInterp::Linear { .. } => (Vec::new(), 0),
            FreqInterp::Wiener {
                pdp,
                rms_delay_s,
                snr_db,
                taps,
            } => {
                if !(2..=24).contains(&taps) || taps > 2 * n_prb {
                    return Err(Error::Unsupported {
                        what: "Wiener filter length (2…24, ≤ CRS per symbol)",
                        value: taps.to_string(),
                    });
                }
                if !(rms_delay_s.is_finite() && rms_delay_s >= 0.0 && snr_db.is_finite()) {
                    return Err(Error::Unsupported {
                        what: "Wiener delay spread / SNR",
                        value: format!("{rms_delay_s} s, {snr_db} dB"),
                    });
                }
                (wiener_freq_taps(pdp, rms_delay_s, snr_db, taps), taps)
            }
        };
        let mut crs_syms = [Vec::new(), Vec::new()];
        let mut tw = [Vec::new(), Vec::new()];
        for (g, port) in [0usize, 2].into_iter().enumerate() {
            let syms: Vec<usize> = (0..n_sym)
                .filter(|&l| {
                    let ls = l % nsym_slot;
                    if port == 0 {
                        ls == 0 || ls == nsym_slot - 3
                    } else {
                        ls == 1
                    }
                })
                .collect();
            tw[g] = match cfg.time {
                TimeInterp::Linear => linear_time_weights(&syms, n_sym),
                TimeInterp::Wiener { doppler_hz, snr_db } => {
                    if !(doppler_hz.is_finite() && doppler_hz >= 0.0 && snr_db.is_finite()) {
                        return Err(Error::Unsupported {
                            what: "Wiener Doppler / SNR",
                            value: format!("{doppler_hz} Hz, {snr_db} dB"),
                        });
                    }
                    let t_sym = 1e-3 / n_sym as f64;
                    wiener_time_weights(&syms, n_sym, doppler_hz * t_sym, snr_db)
                }
            };
            crs_syms[g] = syms;
        }
        Ok(Plan {
            n_prb,
            n_sc: 12 * n_prb,
            n_sym,
            nsym_slot,
            ports: cfg.ports,
            freq: cfg.freq,
            ftaps,
            flen,
            crs_syms,
            tw,
        })
    }
}

/// Linear time weights (identity on CRS symbols).
fn linear_time_weights(syms: &[usize], n_sym: usize) -> TimeWeights {
    (0..n_sym)
        .map(|l| {
            if let Some(j) = syms.iter().position(|&s| s == l) {
                return vec![(j, 1.0)];
            }
            if syms.len() == 1 {
                return vec![(0, 1.0)];
            }
            // The two CRS symbols that bracket l, or the nearest two at the ends.
            let a = syms[..syms.len() - 1]
                .iter()
                .rposition(|&s| l > s)
                .unwrap_or(0);
            let (la, lb) = (syms[a] as f32, syms[a + 1] as f32);
            let t = (l as f32 - la) / (lb - la);
            vec![(a, 1.0 - t), (a + 1, t)]
        })
        .collect()
}

/// Zeroth-order Bessel function of the first kind (power series; |x| ≤ 40 here).
fn bessel_j0(x: f64) -> f64 {
    let q = -(x * x) / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..200 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term.abs() < 1e-17 * sum.abs().max(1e-300) {
            break;
        }
    }
    sum
}

/// Wiener time weights: w_l = (R + σ²I)⁻¹ r_l with Jakes correlation J₀(2π·f_d·Δt);
/// `fd_t` is the Doppler frequency times the symbol duration.
fn wiener_time_weights(syms: &[usize], n_sym: usize, fd_t: f64, snr_db: f64) -> TimeWeights {
    let n = syms.len();
    let s2 = 10f64.powf(-snr_db / 10.0);
    let rho = |d: f64| bessel_j0(2.0 * std::f64::consts::PI * fd_t * d);
    let r: Vec<Complex64> = (0..n * n)
        .map(|i| {
            let (a, b) = (i / n, i % n);
            let v = rho(syms[a] as f64 - syms[b] as f64) + if a == b { s2 } else { 0.0 };
            Complex64::new(v, 0.0)
        })
        .collect();
    (0..n_sym)
        .map(|l| {
            let rhs: Vec<Complex64> = syms
                .iter()
                .map(|&s| Complex64::new(rho(l as f64 - s as f64), 0.0))
                .collect();
            let w = solve(&r, &rhs, n);
            w.iter()
                .enumerate()
                .map(|(j, v)| (j, v.re as f32))
                .collect()
        })
        .collect()
}

/// Frequency correlation r_f(Δf) of the PDP model.
fn freq_corr(pdp: Pdp, rms_delay_s: f64, df_hz: f64) -> Complex64 {
    use std::f64::consts::PI;
    match pdp {
        Pdp::Exponential => Complex64::new(1.0, 2.0 * PI * df_hz * rms_delay_s).inv(),
        Pdp::Uniform => {
            let tm = 12f64.sqrt() * rms_delay_s;
            let x = PI * df_hz * tm;
            let sinc = if x.abs() < 1e-12 { 1.0 } else { x.sin() / x };
            Complex64::from_polar(sinc, -x)
        }
    }
}

/// The Wiener tap table: for target offset d (−5 … 6L−1) from the first CRS of an L-CRS
/// window (CRS at 0, 6, …, 6(L−1)), w_d = R_pp⁻ᵀ r_d, `taps[(d + 5)·L + t]`.
fn wiener_freq_taps(pdp: Pdp, rms_delay_s: f64, snr_db: f64, l: usize) -> Vec<Complex32> {
    const DF: f64 = 15e3;
    let s2 = 10f64.powf(-snr_db / 10.0);
    // R_pp[t][u] = r_f(6(t−u)Δf) + σ²δ; the normal equations use its transpose.
    let rt: Vec<Complex64> = (0..l * l)
        .map(|i| {
            let (t, u) = (i / l, i % l);
            let v = freq_corr(pdp, rms_delay_s, 6.0 * (u as f64 - t as f64) * DF);
            v + if t == u { s2 } else { 0.0 }
        })
        .collect();
    let mut out = Vec::with_capacity((6 * l + 5) * l);
    for d in -5..(6 * l as i64) {
        let rhs: Vec<Complex64> = (0..l)
            .map(|t| freq_corr(pdp, rms_delay_s, (d as f64 - 6.0 * t as f64) * DF))
            .collect();
        let w = solve(&rt, &rhs, l);
        out.extend(w.iter().map(|v| Complex32::new(v.re as f32, v.im as f32)));
    }
    out
}

/// Solve A·x = b (n × n, row-major), Gaussian elimination with partial pivoting.
fn solve(a: &[Complex64], b: &[Complex64], n: usize) -> Vec<Complex64> {
    let mut m: Vec<Complex64> = a.to_vec();
    let mut x: Vec<Complex64> = b.to_vec();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| m[i * n + c].norm().total_cmp(&m[j * n + c].norm()))
            .unwrap_or(c);
        if p != c {
            for k in 0..n {
                m.swap(c * n + k, p * n + k);
            }
            x.swap(c, p);
        }
        let piv = m[c * n + c];
        if piv.norm() < 1e-300 {
            continue;
        }
        for r in c + 1..n {
            let f = m[r * n + c] / piv;
            if f.norm() == 0.0 {
                continue;
            }
            for k in c..n {
                let v = m[c * n + k];
                m[r * n + k] -= f * v;
            }
            let v = x[c];
            x[r] -= f * v;
        }
    }
    for c in (0..n).rev() {
        let mut s = x[c];
        for k in c + 1..n {
            s -= m[c * n + k] * x[k];
        }
        let piv = m[c * n + c];
        x[c] = if piv.norm() < 1e-300 {
            Complex64::default()
        } else {
            s / piv
        };
    }
    x
}

/// Reusable buffers of one estimation.
#[derive(Debug, Clone, Default)]
struct Scratch {
    ls: Vec<Complex32>,
    /// Conjugated CRS of the current symbol.
    crs: Vec<Complex32>,
    /// Frequency-interpolated CRS rows of the current port: `rows[j · n_sc + k]`.
    rows: Vec<Complex32>,
    /// Wiener polyphase buffers: CRS re, im; output re, im (6 phases).
    wf: [Vec<f32>; 4],
}

/// Run the estimation; `crs_of(port, ns, l, out)` writes the conjugated CRS values of
/// (port, slot ns, symbol l) for the grid's PRBs into `out` and returns their shift.
fn run<T, F>(
    plan: &Plan,
    grid: &ResourceGrid<T>,
    subframe: usize,
    mut crs_of: F,
    sc: &mut Scratch,
    out: &mut ChannelEstimate,
) where
    T: AsRef<[Complex32]>,
    F: FnMut(usize, usize, usize, &mut Vec<Complex32>) -> usize,
{
    let (n_sc, n_sym, nsym_slot) = (plan.n_sc, plan.n_sym, plan.nsym_slot);
    out.n_sc = n_sc;
    out.n_sym = n_sym;
    out.ports = plan.ports;
    out.h.clear();
    out.h.reserve(plan.ports * n_sym * n_sc);
    let mut noise_acc = 0f64;
    let mut noise_n = 0usize;
    let mut rsrp_acc = 0f64;
    let mut rsrp_n = 0usize;
    for p in 0..plan.ports {
        let g = usize::from(p >= 2);
        let syms = &plan.crs_syms[g];
        // Every element is overwritten by the frequency pass; resize only changes the length.
        sc.rows.resize(syms.len() * n_sc, Complex32::default());
        for (j, &ll) in syms.iter().enumerate() {
            let ns = 2 * (subframe % 10) + ll / nsym_slot;
            let shift = crs_of(p, ns, ll % nsym_slot, &mut sc.crs);
            let y = grid.symbol(ll);
            sc.ls.clear();
            sc.ls
                .extend(sc.crs.iter().enumerate().map(|(m, r)| y[6 * m + shift] * r));
            if p == 0 {
                for w in sc.ls.windows(3) {
                    let e = w[1] - (w[0] + w[2]) * 0.5;
                    noise_acc += f64::from(e.norm_sqr());
                }
                noise_n += sc.ls.len().saturating_sub(2);
                rsrp_acc += sc.ls.iter().map(|v| f64::from(v.norm_sqr())).sum::<f64>();
                rsrp_n += sc.ls.len();
            }
            let row = &mut sc.rows[j * n_sc..(j + 1) * n_sc];
            match plan.freq {
                FreqInterp::Linear { smooth } => {
                    if smooth && sc.ls.len() >= 3 {
                        smooth121(&mut sc.ls);
                    }
                    interp_linear(&sc.ls, shift, row);
                }
                FreqInterp::Wiener { .. } => {
                    interp_wiener(&sc.ls, shift, &plan.ftaps, plan.flen, row, &mut sc.wf);
                }
            }
        }
        // Time pass: out row l = Σ_j w[l][j] · rows[j].
        for wl in &plan.tw[g] {
            let start = out.h.len();
            let (j0, w0) = wl[0];
            let r0 = &sc.rows[j0 * n_sc..(j0 + 1) * n_sc];
            if w0 == 1.0 && wl.len() == 1 {
                out.h.extend_from_slice(r0);
                continue;
            }
            if let [_, (j1, w1)] = wl[..] {
                // The common two-weight case (linear) in one pass.
                let r1 = &sc.rows[j1 * n_sc..(j1 + 1) * n_sc];
                out.h.extend(
                    r0.iter()
                        .zip(r1)
                        .map(|(a, b)| Complex32::new(w0 * a.re + w1 * b.re, w0 * a.im + w1 * b.im)),
                );
                continue;
            }
            out.h.extend(r0.iter().map(|v| v * w0));
            let dst: &mut [f32] = bytemuck::cast_slice_mut(&mut out.h[start..]);
            for &(j, w) in &wl[1..] {
                let src: &[f32] = bytemuck::cast_slice(&sc.rows[j * n_sc..(j + 1) * n_sc]);
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += w * s;
                }
            }
        }
    }
    let noise_var = if noise_n > 0 {
        (noise_acc / noise_n as f64 / 1.5) as f32
    } else {
        1e-12
    };
    out.noise_var = noise_var.max(1e-12);
    out.rsrp = if rsrp_n > 0 {
        (rsrp_acc / rsrp_n as f64) as f32
    } else {
        0.0
    };
}

/// [1 2 1]/4 smoothing in place, edges replicated.
fn smooth121(v: &mut [Complex32]) {
    let n = v.len();
    let mut prev = v[0];
    for m in 0..n {
        let cur = v[m];
        let next = v[(m + 1).min(n - 1)];
        v[m] = (prev + cur * 2.0 + next) * 0.25;
        prev = cur;
    }
}

/// Linear interpolation of CRS values `v` (at subcarriers 6m + shift) onto `row`, flat
/// beyond the outermost CRS.
fn interp_linear(v: &[Complex32], shift: usize, row: &mut [Complex32]) {
    let n = row.len();
    if v.is_empty() {
        return;
    }
    const FR: [f32; 6] = [0.0, 1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0, 4.0 / 6.0, 5.0 / 6.0];
    let head = shift.min(n);
    row[..head].fill(v[0]);
    let mut chunks = row[head..].chunks_mut(6);
    for w in v.windows(2) {
        let Some(c) = chunks.next() else { return };
        let d = w[1] - w[0];
        for (o, f) in c.iter_mut().zip(FR) {
            *o = w[0] + d * f;
        }
    }
    let last = v[v.len() - 1];
    for c in chunks {
        c.fill(last);
    }
}

/// Wiener interpolation with the tap table (see [`wiener_freq_taps`]). Inside the band
/// every window is a full one, so the filter is a 6-phase polyphase FIR: for phase j the
/// outputs 6m + shift + j are Σ_t T_j[t]·v[m − L/2 + 1 + t], computed as real axpy passes
/// over split re/im arrays (vectorised by the compiler); the few edge outputs use the
/// per-subcarrier form [`interp_wiener_scalar`], which is also the test oracle.
fn interp_wiener(
    v: &[Complex32],
    shift: usize,
    taps: &[Complex32],
    l: usize,
    row: &mut [Complex32],
    wf: &mut [Vec<f32>; 4],
) {
    let n_p = v.len();
    if n_p < l || row.len() != 6 * n_p {
        interp_wiener_scalar(v, shift, taps, l, row, 0..row.len());
        return;
    }
    let half = l / 2 - 1;
    let n_m = n_p - l + 1;
    let [vr, vi, ar, ai] = wf;
    vr.clear();
    vr.extend(v.iter().map(|c| c.re));
    vi.clear();
    vi.extend(v.iter().map(|c| c.im));
    ar.clear();
    ar.resize(6 * n_m, 0.0);
    ai.clear();
    ai.resize(6 * n_m, 0.0);
    for j in 0..6 {
        let d = 6 * half + j + 5;
        let tw = &taps[d * l..d * l + l];
        let oar = &mut ar[j * n_m..(j + 1) * n_m];
        let oai = &mut ai[j * n_m..(j + 1) * n_m];
        for (t, tc) in tw.iter().enumerate() {
            let (xr, xi) = (&vr[t..t + n_m], &vi[t..t + n_m]);
            for (((o_r, o_i), a), b) in oar.iter_mut().zip(oai.iter_mut()).zip(xr).zip(xi) {
                *o_r += tc.re * a - tc.im * b;
                *o_i += tc.re * b + tc.im * a;
            }
        }
    }
    let k_lo = 6 * half + shift;
    let k_hi = k_lo + 6 * n_m;
    for (mi, out6) in row[k_lo..k_hi].chunks_exact_mut(6).enumerate() {
        for (j, o) in out6.iter_mut().enumerate() {
            *o = Complex32::new(ar[j * n_m + mi], ai[j * n_m + mi]);
        }
    }
    interp_wiener_scalar(v, shift, taps, l, row, 0..k_lo);
    let n = row.len();
    interp_wiener_scalar(v, shift, taps, l, row, k_hi..n);
}

/// Per-subcarrier Wiener interpolation of `row[range]`.
fn interp_wiener_scalar(
    v: &[Complex32],
    shift: usize,
    taps: &[Complex32],
    l: usize,
    row: &mut [Complex32],
    range: std::ops::Range<usize>,
) {
    let n_p = v.len();
    if n_p < l {
        // Too few CRS for the filter (cannot happen for a validated plan).
        interp_linear(v, shift, row);
        return;
    }
    let half = (l / 2) as i64 - 1;
    for (k, o) in row.iter_mut().enumerate().take(range.end).skip(range.start) {
        let m = (k as i64 - shift as i64).div_euclid(6);
        let s = (m - half).clamp(0, (n_p - l) as i64) as usize;
        let d = k as i64 - (6 * s + shift) as i64;
        let tw = &taps[(d + 5) as usize * l..(d + 5) as usize * l + l];
        let mut acc = Complex32::default();
        for (t, p) in tw.iter().zip(&v[s..s + l]) {
            acc += t * p;
        }
        *o = acc;
    }
}

/// A channel estimator for one cell, bandwidth and configuration: CRS, filter taps and
/// time weights precomputed; scratch owned.
#[derive(Debug, Clone)]
pub struct Estimator {
    plan: Plan,
    crs: Crs,
    /// Conjugated CRS for (slot, port, symbol-in-slot): `crs_tab[idx]` start offsets.
    crs_tab: Vec<Complex32>,
    /// (shift, start) per (ns · 4 + p) · nsym_slot + l; start = usize::MAX if none.
    crs_idx: Vec<(usize, usize)>,
    scratch: Scratch,
}

impl Estimator {
    /// Plan an estimator for a grid of `n_prb` PRBs (centred on the carrier: CRS index
    /// offset N_RB^max − N_RB) of the cell `crs`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a port count other than 1, 2, 4, a PRB count outside
    /// 1…110, or Wiener parameters out of range (filter length 2…24 and ≤ 2·n_prb,
    /// non-finite or negative delay spread/Doppler).
    pub fn new(n_prb: usize, crs: &Crs, cp: CyclicPrefix, cfg: &Config) -> Result<Self> {
        let plan = Plan::new(n_prb, cp, cfg)?;
        let nsl = plan.nsym_slot;
        let mut crs_tab = Vec::new();
        let mut crs_idx = vec![(0, usize::MAX); 20 * 4 * nsl];
        for ns in 0..20 {
            for p in 0..plan.ports {
                for l in 0..nsl {
                    if !crs.has_crs(p, l) {
                        continue;
                    }
                    let start = crs_tab.len();
                    crs_tab.extend(crs.res(p, ns, l, n_prb).map(|(_, r)| r.conj()));
                    crs_idx[(ns * 4 + p) * nsl + l] = (crs.shift(p, ns, l), start);
                }
            }
        }
        Ok(Estimator {
            plan,
            crs: crs.clone(),
            crs_tab,
            crs_idx,
            scratch: Scratch::default(),
        })
    }

    /// The cell's CRS.
    pub fn crs(&self) -> &Crs {
        &self.crs
    }

    /// Estimate subframe `subframe` (0…9) of `grid` into `out` (its buffer reused).
    ///
    /// # Errors
    /// [`Error::Length`] if the grid's size does not match the plan.
    pub fn estimate_into<T: AsRef<[Complex32]>>(
        &mut self,
        grid: &ResourceGrid<T>,
        subframe: usize,
        out: &mut ChannelEstimate,
    ) -> Result<()> {
        if grid.n_sc() != self.plan.n_sc || grid.n_symbols() != self.plan.n_sym {
            return Err(Error::Length {
                what: "resource grid (subcarriers × symbols)",
                expected: self.plan.n_sc * self.plan.n_sym,
                got: grid.n_sc() * grid.n_symbols(),
            });
        }
        let nsl = self.plan.nsym_slot;
        let len = 2 * self.plan.n_prb;
        let (tab, idx) = (&self.crs_tab, &self.crs_idx);
        run(
            &self.plan,
            grid,
            subframe,
            |p, ns, l, buf| {
                let (shift, start) = idx[(ns * 4 + p) * nsl + l];
                buf.clear();
                buf.extend_from_slice(&tab[start..start + len]);
                shift
            },
            &mut self.scratch,
            out,
        );
        Ok(())
    }

    /// Estimate into a new [`ChannelEstimate`].
    ///
    /// # Errors
    /// As [`Estimator::estimate_into`].
    pub fn estimate<T: AsRef<[Complex32]>>(
        &mut self,
        grid: &ResourceGrid<T>,
        subframe: usize,
    ) -> Result<ChannelEstimate> {
        let mut out = ChannelEstimate::default();
        self.estimate_into(grid, subframe, &mut out)?;
        Ok(out)
    }

    /// One estimate per receive antenna (`grids[r]`), with the noise variance averaged over
    /// the antennas (the receivers of [`crate::mimo`] take one σ²).
    ///
    /// # Errors
    /// As [`Estimator::estimate_into`].
    pub fn estimate_rx<T: AsRef<[Complex32]>>(
        &mut self,
        grids: &[ResourceGrid<T>],
        subframe: usize,
        out: &mut Vec<ChannelEstimate>,
    ) -> Result<()> {
        out.resize_with(grids.len(), ChannelEstimate::default);
        for (g, o) in grids.iter().zip(out.iter_mut()) {
            self.estimate_into(g, subframe, o)?;
        }
        if !out.is_empty() {
            let nv = out.iter().map(|e| e.noise_var).sum::<f32>() / out.len() as f32;
            for o in out.iter_mut() {
                o.noise_var = nv;
            }
        }
        Ok(())
    }
}

/// Estimate the channel of subframe `subframe` (0…9) for `ports` (1, 2 or 4) transmit ports
/// with linear interpolation (`smooth`: [1 2 1]/4 across CRS first).
///
/// `grid` holds the demodulated subframe; its bandwidth `grid.n_sc()/12` PRBs are taken as
/// centred on the carrier (CRS index offset N_RB^max − N_RB), which is right for a full
/// grid and for the central-6-PRB view of any cell. For repeated use (no allocation per
/// subframe, Wiener filters) plan an [`Estimator`].
///
/// # Panics
/// If `ports` ∉ {1, 2, 4} or the grid is not a whole number of PRBs.
pub fn estimate<T: AsRef<[Complex32]>>(
    grid: &ResourceGrid<T>,
    crs: &Crs,
    subframe: usize,
    ports: usize,
    smooth: bool,
) -> ChannelEstimate {
    let n_prb = grid.n_sc() / 12;
    let cp = if grid.n_symbols() == 14 {
        CyclicPrefix::Normal
    } else {
        CyclicPrefix::Extended
    };
    let cfg = Config {
        ports,
        freq: FreqInterp::Linear { smooth },
        time: TimeInterp::Linear,
    };
    let plan = match Plan::new(n_prb, cp, &cfg) {
        Ok(p) => p,
        Err(e) => panic!("estimation::estimate: {e}"),
    };
    let mut out = ChannelEstimate::default();
    let mut sc = Scratch::default();
    run(
        &plan,
        grid,
        subframe,
        |p, ns, l, buf| {
            buf.clear();
            buf.extend(crs.res(p, ns, l, n_prb).map(|(_, r)| r.conj()));
            crs.shift(p, ns, l)
        },
        &mut sc,
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerology::{Bandwidth, Numerology};

    fn flat_grid(
        num: &Numerology,
        crs: &Crs,
        sf: usize,
        hs: &[Complex32],
    ) -> ResourceGrid<Vec<Complex32>> {
        let mut g = ResourceGrid::zeros(num);
        let n_prb = num.n_sc() / 12;
        let nsl = num.symbols_per_slot();
        for (p, hp) in hs.iter().enumerate() {
            for slot in 0..2 {
                for l in 0..nsl {
                    for (k, r) in crs.res(p, 2 * sf + slot, l, n_prb) {
                        g.set(k, slot * nsl + l, r * hp);
                    }
                }
            }
        }
        g
    }

    #[test]
    fn flat_channel_is_recovered() {
        let num = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        let crs = Crs::new(7, CyclicPrefix::Normal);
        let h0 = Complex32::new(0.3, -0.8);
        let h1 = Complex32::new(-0.5, 0.1);
        let g = flat_grid(&num, &crs, 3, &[h0, h1]);
        let est = estimate(&g, &crs, 3, 2, true);
        for l in 0..14 {
            for k in 0..72 {
                assert!((est.at(0, k, l) - h0).norm() < 1e-5);
                assert!((est.at(1, k, l) - h1).norm() < 1e-5);
            }
        }
        assert!(est.noise_var < 1e-6);
    }

    #[test]
    fn every_config_recovers_a_flat_channel_on_4_ports() {
        let num = Numerology::lte(Bandwidth::Mhz3, CyclicPrefix::Normal);
        let crs = Crs::new(101, CyclicPrefix::Normal);
        let hs = [
            Complex32::new(0.3, -0.8),
            Complex32::new(-0.5, 0.1),
            Complex32::new(0.9, 0.2),
            Complex32::new(0.0, -0.4),
        ];
        let g = flat_grid(&num, &crs, 6, &hs);
        let freqs = [
            FreqInterp::Linear { smooth: false },
            FreqInterp::Wiener {
                pdp: Pdp::Exponential,
                rms_delay_s: 100e-9,
                snr_db: 40.0,
                taps: 8,
            },
            FreqInterp::Wiener {
                pdp: Pdp::Uniform,
                rms_delay_s: 300e-9,
                snr_db: 40.0,
                taps: 6,
            },
        ];
        let times = [
            TimeInterp::Linear,
            TimeInterp::Wiener {
                doppler_hz: 10.0,
                snr_db: 40.0,
            },
        ];
        for freq in freqs {
            for time in times {
                let cfg = Config {
                    ports: 4,
                    freq,
                    time,
                };
                let mut e = Estimator::new(15, &crs, CyclicPrefix::Normal, &cfg).unwrap();
                let est = e.estimate(&g, 6).unwrap();
                for (p, hp) in hs.iter().enumerate() {
                    for l in 0..14 {
                        for k in 0..180 {
                            // Wiener at 40 dB assumed SNR shrinks by ~1e-3 at most.
                            assert!(
                                (est.at(p, k, l) - hp).norm() < 0.03,
                                "{freq:?} {time:?} p{p} ({k},{l}): {}",
                                est.at(p, k, l)
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn free_function_matches_the_estimator() {
        let num = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Extended);
        let crs = Crs::new(33, CyclicPrefix::Extended);
        let mut g = ResourceGrid::zeros(&num);
        for (i, v) in g.as_mut_slice().iter_mut().enumerate() {
            *v = Complex32::new((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos());
        }
        let a = estimate(&g, &crs, 5, 2, true);
        let mut e = Estimator::new(
            6,
            &crs,
            CyclicPrefix::Extended,
            &Config {
                ports: 2,
                ..Config::default()
            },
        )
        .unwrap();
        let b = e.estimate(&g, 5).unwrap();
        assert_eq!(a.h, b.h);
        assert_eq!(a.noise_var, b.noise_var);
        assert!(e
            .estimate(
                &ResourceGrid::zeros(&Numerology::lte(Bandwidth::Mhz3, CyclicPrefix::Extended)),
                0
            )
            .is_err());
        assert!(Estimator::new(
            6,
            &crs,
            CyclicPrefix::Normal,
            &Config {
                ports: 3,
                ..Config::default()
            }
        )
        .is_err());
    }

    #[test]
    fn polyphase_wiener_matches_the_scalar_form() {
        for (l, n_p, shift) in [
            (8usize, 200usize, 0usize),
            (8, 12, 5),
            (6, 50, 3),
            (2, 12, 1),
            (24, 30, 4),
        ] {
            let taps = wiener_freq_taps(Pdp::Exponential, 500e-9, 12.0, l);
            let v: Vec<Complex32> = (0..n_p)
                .map(|i| Complex32::new((i as f32 * 0.7).sin(), (i as f32 * 0.3).cos()))
                .collect();
            let mut a = vec![Complex32::default(); 6 * n_p];
            let mut b = a.clone();
            let mut wf = Default::default();
            interp_wiener(&v, shift, &taps, l, &mut a, &mut wf);
            interp_wiener_scalar(&v, shift, &taps, l, &mut b, 0..6 * n_p);
            for (k, (x, y)) in a.iter().zip(&b).enumerate() {
                assert!(
                    (x - y).norm() < 1e-4,
                    "L {l} n_p {n_p} shift {shift} k {k}: {x} vs {y}"
                );
            }
        }
    }

    #[test]
    fn j0_values() {
        assert!((bessel_j0(0.0) - 1.0).abs() < 1e-15);
        assert!((bessel_j0(1.0) - 0.765_197_686_557_966_6).abs() < 1e-12);
        assert!((bessel_j0(2.404_825_557_695_773).abs()) < 1e-12);
    }
}
