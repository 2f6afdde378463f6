//! Cell search: from raw downlink samples at any LTE rate to cells with PCI, frame timing,
//! CFO, SNR and (when the capture holds a PBCH) the MIB.
//!
//! Steps (all on the central 6 PRBs, which carry PSS, SSS and PBCH for every bandwidth):
//! 1. Ideal low-pass decimation to 1.92 Msps in the frequency domain (one FFT of the whole
//!    capture, keep the central bins, one inverse FFT).
//! 2. PSS correlation (FFT based) against the three roots under a grid of CFO hypotheses
//!    (default ±7.5 kHz in 2.5 kHz steps: at most 1.25 kHz residual, < 0.3 dB loss),
//!    each also shifted by q·15 kHz for |q| ≤ `max_integer_cfo` (default 2, so ±37.5 kHz
//!    in all). An integer shift is free: at 1.92 Msps, q·15 kHz is q/128 of the sample
//!    rate, so it is a circular shift of the capture's spectrum by q·L/128 bins of the
//!    length-L correlation FFT. The metric is normalised by the window energy and
//!    accumulated over all 5 ms half-frames of the capture (modulo 9600 samples), so
//!    detection works at low SNR.
//! 3. Fractional CFO from the phase between the two halves of each PSS (range ±15 kHz),
//!    averaged over half-frames. Integer CFO (multiples of 15 kHz) explicitly in the
//!    frequency domain: after removing the fractional part, the received PSS subcarriers
//!    are correlated against the PSS shifted by q subcarriers, accumulated over
//!    half-frames; the best q is [`Cell::cfo_integer`].
//! 4. SSS: coherent detection with the PSS as the channel reference, for both CP lengths,
//!    all 168 N_ID^(1) and both half-frame parities, accumulated over half-frames; gives
//!    N_ID^(1), the CP type and subframe 0/5.
//! 5. CFO refinement on the CRS (phase between CRS symbols 0 and 4 of a slot, using both
//!    frequency neighbours so a timing offset adds no bias; range ±1.75 kHz).
//!    The same subframes give RSRP (CRS power per RE, noise removed), RSSI (all REs of
//!    the port-0 CRS symbols in the 6 central PRBs) and RSRQ = N·RSRP/RSSI, N = 6
//!    (36.214 §5.1.1, §5.1.3). Powers are in dB relative to a unit-amplitude sample
//!    (dBFS; the captures are not calibrated): a resource element of power P on the
//!    unitary grid of an N-point FFT is P/N of sample power.
//! 6. PBCH/MIB: for every complete subframe 0, channel estimate for 1, 2 and 4 ports,
//!    SFBC combining, and BCH decoding at each of the four positions in the 40 ms TTI;
//!    the CRC mask gives the port count and the position the SFN's two LSBs.
//! 7. The sample offset is refined at the capture's own rate by a local PSS correlation.
//!
//! Not covered: several cells that share N_ID^(2)
//! (the strongest one per N_ID^(2) is reported), TDD (PSS in the third symbol of subframes
//! 1/6).
//!
//! # References
//! 3GPP TS 36.211 §6.6, §6.10.1, §6.11; TS 36.212 §5.3.1; K. Manolakis et al., "A Closer
//! Look at LTE Cell Search", IEEE VTC 2009; TS 36.214 §5.1.1 (RSRP), §5.1.3 (RSRQ).

use rustfft::FftPlanner;

use crate::estimation;
use crate::fec::convolutional::Viterbi;
use crate::grid::ResourceGrid;
use crate::mib::Mib;
use crate::numerology::{CyclicPrefix, Numerology};
use crate::ofdm::OfdmDemodulator;
use crate::refsig::crs::Crs;
use crate::sync::{pss, sss};
use crate::transport::bch;
use crate::{pbch, Complex32, Error, Result};

/// Rate of the search, samples/s.
pub const SEARCH_RATE_HZ: f64 = 1.92e6;
const N: usize = 128;
const HALF_FRAME: usize = 9600;
const SUBCARRIER_HZ: f64 = 15e3;

/// Tuning of the search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// CFO hypotheses for the PSS correlation, Hz.
    pub cfo_hypotheses_hz: Vec<f64>,
    /// Smallest accumulated normalised PSS metric (0…1) to look further.
    pub min_pss_metric: f32,
    /// Smallest ratio between the best and the second-best SSS hypothesis to accept a cell
    /// without a decoded MIB.
    pub min_sss_ratio: f32,
    /// Largest integer CFO searched, in subcarriers (15 kHz); 0 searches only
    /// `cfo_hypotheses_hz`.
    pub max_integer_cfo: u8,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            cfo_hypotheses_hz: (-3..=3).map(|i| f64::from(i) * 2500.0).collect(),
            min_pss_metric: 0.02,
            min_sss_ratio: 1.6,
            max_integer_cfo: 2,
        }
    }
}

/// A decoded MIB with what the BCH told besides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MibInfo {
    /// The MIB fields.
    pub mib: Mib,
    /// Full SFN (0…1023) of the radio frame that starts at `sample_offset`.
    pub sfn: u16,
    /// Antenna ports from the CRC mask.
    pub ports: usize,
}

/// A detected cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Physical cell identity 3·N_ID^(1) + N_ID^(2).
    pub pci: u16,
    /// N_ID^(1) (0…167).
    pub n_id_1: u16,
    /// N_ID^(2) (0…2).
    pub n_id_2: u8,
    /// CP type.
    pub cp: CyclicPrefix,
    /// Subframe (0 or 5) of the first detected SSS.
    pub subframe: u8,
    /// Sample index (capture rate) of the subframe-0 start of the radio frame holding the
    /// first detected PSS; may be negative.
    pub sample_offset: i64,
    /// Received minus nominal carrier frequency, Hz.
    pub cfo_hz: f64,
    /// The integer part of the CFO in subcarriers (15 kHz), from the frequency-domain PSS
    /// correlation: `cfo_hz` = 15 kHz · `cfo_integer` + a fractional part in ±7.5 kHz.
    pub cfo_integer: i32,
    /// RSRP: CRS received power per resource element (port 0, noise removed), dBFS;
    /// `None` without a complete subframe.
    pub rsrp_dbfs: Option<f32>,
    /// RSSI: total received power per OFDM symbol with port-0 CRS over the 6 central
    /// PRBs, dBFS; `None` without a complete subframe.
    pub rssi_dbfs: Option<f32>,
    /// RSRQ = 6·RSRP/RSSI, dB; `None` without a complete subframe.
    pub rsrq_db: Option<f32>,
    /// SNR per resource element on the CRS, dB.
    pub snr_db: f32,
    /// Accumulated normalised PSS metric (0…1).
    pub pss_metric: f32,
    /// Best-to-second SSS metric ratio.
    pub sss_ratio: f32,
    /// The MIB, if a PBCH decoded.
    pub mib: Option<MibInfo>,
}

/// The minimum capture length at `rate_hz` for one PSS/SSS pair (two OFDM symbols).
///
/// # Errors
/// As [`Numerology::fft_size_for_rate`].
pub fn min_samples(rate_hz: f64) -> Result<usize> {
    let n = Numerology::fft_size_for_rate(rate_hz)?;
    Ok(2 * (n + n * 160 / 2048) + n / 128)
}

/// Search `samples` (at `rate_hz`) for cells.
///
/// # Errors
/// [`Error::Unsupported`] for a rate that matches no numerology; [`Error::Length`] for a
/// capture shorter than one PSS/SSS pair; [`Error::Unsupported`] for non-finite samples.
/// "No cell" is `Ok(vec![])`.
pub fn search(samples: &[Complex32], rate_hz: f64, cfg: &SearchConfig) -> Result<Vec<Cell>> {
    let n_fft = Numerology::fft_size_for_rate(rate_hz)?;
    let min = min_samples(rate_hz)?;
    if samples.len() < min {
        return Err(Error::Length {
            what: "capture (one PSS/SSS pair)",
            expected: min,
            got: samples.len(),
        });
    }
    if let Some(i) = samples
        .iter()
        .position(|s| !(s.re.is_finite() && s.im.is_finite()))
    {
        return Err(Error::Unsupported {
            what: "sample value",
            value: format!("non-finite at index {i}"),
        });
    }
    let d = n_fft / N;
    let mut planner = FftPlanner::<f32>::new();
    let x = decimate(samples, d, &mut planner);
    if x.len() < 2 * (N + 10) {
        return Ok(vec![]);
    }
    let mut cells = Vec::new();
    for cand in pss_candidates(&x, cfg, &mut planner) {
        if cand.metric < cfg.min_pss_metric {
            continue;
        }
        if let Some(c) = finish_cell(samples, &x, d, &cand, cfg, &mut planner) {
            if !cells.iter().any(|o: &Cell| o.pci == c.pci) {
                cells.push(c);
            }
        }
    }
    cells.sort_by(|a, b| b.pss_metric.total_cmp(&a.pss_metric));
    Ok(cells)
}

/// Frequency-domain decimation by `d` (an integer) of the whole capture.
fn decimate(x: &[Complex32], d: usize, planner: &mut FftPlanner<f32>) -> Vec<Complex32> {
    if d == 1 {
        return x.to_vec();
    }
    let lp = x.len().div_ceil(d) * d;
    let m = lp / d;
    let mut buf = x.to_vec();
    buf.resize(lp, Complex32::default());
    planner.plan_fft_forward(lp).process(&mut buf);
    let mut out = vec![Complex32::default(); m];
    let half = m / 2;
    out[..half].copy_from_slice(&buf[..half]);
    out[half..].copy_from_slice(&buf[lp - (m - half)..]);
    planner.plan_fft_inverse(m).process(&mut out);
    let s = 1.0 / lp as f32;
    for v in &mut out {
        *v *= s;
    }
    out
}

/// Time-domain PSS (useful part) at `n` samples per symbol, unit energy.
fn pss_time(n_id_2: u8, n: usize, planner: &mut FftPlanner<f32>) -> Vec<Complex32> {
    let d = pss::sequence(n_id_2);
    let mut buf = vec![Complex32::default(); n];
    for (i, v) in d.iter().enumerate() {
        let k = i as isize - 31 + isize::from(i >= 31);
        buf[k.rem_euclid(n as isize) as usize] = *v;
    }
    planner.plan_fft_inverse(n).process(&mut buf);
    let e: f32 = buf.iter().map(|v| v.norm_sqr()).sum::<f32>().sqrt();
    for v in &mut buf {
        *v /= e;
    }
    buf
}

#[derive(Debug, Clone, Copy)]
struct PssCandidate {
    n_id_2: u8,
    /// First PSS body position at 1.92 Msps.
    tau: usize,
    cfo_hz: f64,
    metric: f32,
}

fn rotate(x: &[Complex32], f_hz: f64, fs: f64, start: usize) -> Vec<Complex32> {
    let w = -2.0 * std::f64::consts::PI * f_hz / fs;
    x.iter()
        .enumerate()
        .map(|(i, v)| {
            let ph = w * (i + start) as f64;
            v * Complex32::new(ph.cos() as f32, ph.sin() as f32)
        })
        .collect()
}

/// Best PSS position per N_ID^(2), over CFO hypotheses, accumulated over half-frames.
fn pss_candidates(
    x: &[Complex32],
    cfg: &SearchConfig,
    planner: &mut FftPlanner<f32>,
) -> Vec<PssCandidate> {
    let m = x.len();
    let valid = m - N + 1; // correlation lags
    let lc = (m + N).next_power_of_two();
    let fwd = planner.plan_fft_forward(lc);
    let inv = planner.plan_fft_inverse(lc);
    let mut xf = x.to_vec();
    xf.resize(lc, Complex32::default());
    fwd.process(&mut xf);
    // Sliding window energy.
    let mut energy = vec![0f32; valid];
    let mut e: f64 = x[..N].iter().map(|v| f64::from(v.norm_sqr())).sum();
    for t in 0..valid {
        energy[t] = e as f32;
        if t + N < m {
            e += f64::from(x[t + N].norm_sqr()) - f64::from(x[t].norm_sqr());
        }
    }
    let fold = valid.min(HALF_FRAME);
    let mut acc_e = vec![0f32; fold];
    for (t, &en) in energy.iter().enumerate() {
        acc_e[t % fold] += en;
    }
    let mut best: Vec<PssCandidate> = Vec::new();
    let mut corr = vec![Complex32::default(); lc];
    let mut repf = vec![Complex32::default(); lc];
    let mut acc = vec![0f32; fold];
    // (fractional hypothesis, integer shift q): distinct totals only.
    let qmax = i32::from(cfg.max_integer_cfo);
    let mut hyps: Vec<(f64, i32)> = Vec::new();
    for q in -qmax..=qmax {
        for &f in &cfg.cfo_hypotheses_hz {
            let tot = f + f64::from(q) * SUBCARRIER_HZ;
            if !hyps
                .iter()
                .any(|&(g, r)| (g + f64::from(r) * SUBCARRIER_HZ - tot).abs() < 1.0)
            {
                hyps.push((f, q));
            }
        }
    }
    let bins_per_sc = lc / N;
    let mut fft_scratch = vec![
        Complex32::default();
        fwd.get_inplace_scratch_len()
            .max(inv.get_inplace_scratch_len())
    ];
    for id in 0..3u8 {
        let base = pss_time(id, N, planner);
        let mut cand = PssCandidate {
            n_id_2: id,
            tau: 0,
            cfo_hz: 0.0,
            metric: 0.0,
        };
        let mut last_f = f64::NAN;
        for &(f, q) in &hyps {
            if f != last_f {
                // Replica shifted by +f: correlating with it equals derotating x by f.
                let rep = rotate(&base, -f, SEARCH_RATE_HZ, 0);
                repf.fill(Complex32::default());
                repf[..N].copy_from_slice(&rep);
                fwd.process_with_scratch(&mut repf, &mut fft_scratch);
                last_f = f;
            }
            // Derotating x by q·15 kHz shifts its spectrum down by q·lc/128 bins.
            let sh = (q.rem_euclid(N as i32) as usize) * bins_per_sc;
            let (xa, xb) = xf.split_at(sh);
            for (c, (xv, r)) in corr.iter_mut().zip(xb.iter().chain(xa).zip(&repf)) {
                *c = xv * r.conj();
            }
            inv.process_with_scratch(&mut corr, &mut fft_scratch);
            acc.fill(0.0);
            for chunk in corr[..valid].chunks(fold) {
                for (a, c) in acc.iter_mut().zip(chunk) {
                    *a += c.norm_sqr();
                }
            }
            let norm = 1.0 / (lc as f32 * lc as f32);
            for t in 0..fold {
                let mtr = acc[t] * norm / acc_e[t].max(1e-30);
                if mtr > cand.metric {
                    cand = PssCandidate {
                        n_id_2: id,
                        tau: t,
                        cfo_hz: f + f64::from(q) * SUBCARRIER_HZ,
                        metric: mtr,
                    };
                }
            }
        }
        best.push(cand);
    }
    best.sort_by(|a, b| b.metric.total_cmp(&a.metric));
    best
}

/// Integer CFO in the frequency domain: with the fractional part of `cfo` removed,
/// correlate the received PSS subcarriers against the PSS shifted by q subcarriers,
/// |q| ≤ `max_integer_cfo`, non-coherently over the half-frames. Sets `cfo` to
/// 15 kHz·q + fractional part and returns q.
fn integer_cfo(
    x: &[Complex32],
    positions: &[usize],
    n_id_2: u8,
    cfo: &mut f64,
    cfg: &SearchConfig,
    planner: &mut FftPlanner<f32>,
) -> i32 {
    let q0 = (*cfo / SUBCARRIER_HZ).round();
    let frac = *cfo - q0 * SUBCARRIER_HZ;
    let qmax = i32::from(cfg.max_integer_cfo).max(q0.abs() as i32);
    let d = pss::sequence(n_id_2);
    let fft = planner.plan_fft_forward(N);
    let mut metric = vec![0f32; (2 * qmax + 1) as usize];
    for &t in positions {
        let mut buf = rotate(&x[t..t + N], frac, SEARCH_RATE_HZ, t);
        fft.process(&mut buf);
        for (mi, q) in (-qmax..=qmax).enumerate() {
            let c: Complex32 = d
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let k = i as i32 - 31 + i32::from(i >= 31) + q;
                    buf[k.rem_euclid(N as i32) as usize] * v.conj()
                })
                .sum();
            metric[mi] += c.norm_sqr();
        }
    }
    let best = metric
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(q0 as i32, |(i, _)| i as i32 - qmax);
    *cfo = f64::from(best) * SUBCARRIER_HZ + frac;
    best
}

fn fft_symbol(x: &[Complex32], body: usize, planner: &mut FftPlanner<f32>) -> Vec<Complex32> {
    let mut buf = x[body..body + N].to_vec();
    planner.plan_fft_forward(N).process(&mut buf);
    // Central 62 subcarriers in PSS/SSS order (n = 0…61).
    (0..62)
        .map(|i| {
            let k = i as isize - 31 + isize::from(i >= 31);
            buf[k.rem_euclid(N as isize) as usize]
        })
        .collect()
}

fn finish_cell(
    samples: &[Complex32],
    x: &[Complex32],
    d: usize,
    cand: &PssCandidate,
    cfg: &SearchConfig,
    planner: &mut FftPlanner<f32>,
) -> Option<Cell> {
    let m = x.len();
    let positions: Vec<usize> = (0..)
        .map(|i| cand.tau + i * HALF_FRAME)
        .take_while(|&t| t + N <= m)
        .collect();
    // Fractional CFO from the two PSS halves.
    let y = rotate(x, cand.cfo_hz, SEARCH_RATE_HZ, 0);
    let rep = pss_time(cand.n_id_2, N, planner);
    let mut acc = Complex32::default();
    for &t in &positions {
        let c1: Complex32 = (0..N / 2).map(|n| y[t + n] * rep[n].conj()).sum();
        let c2: Complex32 = (N / 2..N).map(|n| y[t + n] * rep[n].conj()).sum();
        acc += c2 * c1.conj();
    }
    let fine =
        f64::from(acc.arg()) / (2.0 * std::f64::consts::PI * (N / 2) as f64 / SEARCH_RATE_HZ);
    let mut cfo = cand.cfo_hz + fine;
    let cfo_integer = integer_cfo(x, &positions, cand.n_id_2, &mut cfo, cfg, planner);
    let z = rotate(x, cfo, SEARCH_RATE_HZ, 0);

    // SSS over both CP types, 168 N_ID_1, 2 parities.
    let dp = pss::sequence(cand.n_id_2);
    let seqs: Vec<[[i8; 62]; 2]> = (0..168u16)
        .map(|n1| {
            [
                sss::sequence(n1, cand.n_id_2, false),
                sss::sequence(n1, cand.n_id_2, true),
            ]
        })
        .collect();
    let mut best = (f32::NEG_INFINITY, 0usize, 0usize, 0usize); // metric, cp, n1, h0
    let mut second = [f32::NEG_INFINITY; 2];
    let mut best_cp = [f32::NEG_INFINITY; 2];
    for (ci, cp_len) in [(0usize, 9usize), (1, 32)] {
        let mut score = vec![[0f32; 2]; 168];
        let mut used = 0;
        for (i, &t) in positions.iter().enumerate() {
            if t < N + cp_len {
                continue;
            }
            used += 1;
            let yp = fft_symbol(&z, t, planner);
            let ys = fft_symbol(&z, t - N - cp_len, planner);
            let zz: Vec<Complex32> = ys
                .iter()
                .zip(yp.iter().zip(&dp))
                .map(|(s, (p, r))| s * (p * r.conj()).conj())
                .collect();
            for (sc, sq) in score.iter_mut().zip(&seqs) {
                for (h0, slot) in sc.iter_mut().enumerate() {
                    let sf5 = (h0 + i) % 2;
                    let v: f32 = zz
                        .iter()
                        .zip(&sq[sf5])
                        .map(|(a, &b)| a.re * f32::from(b))
                        .sum();
                    *slot += v;
                }
            }
        }
        if used == 0 {
            continue;
        }
        let mut flat: Vec<(f32, usize, usize)> = score
            .iter()
            .enumerate()
            .flat_map(|(n1, s)| [(s[0], n1, 0), (s[1], n1, 1)])
            .collect();
        flat.sort_by(|a, b| b.0.total_cmp(&a.0));
        best_cp[ci] = flat[0].0;
        second[ci] = flat[1].0;
        if flat[0].0 > best.0 {
            best = (flat[0].0, ci, flat[0].1, flat[0].2);
        }
    }
    if !best.0.is_finite() || best.0 <= 0.0 {
        return None;
    }
    let ci = best.1;
    let sss_ratio = best.0 / second[ci].max(best_cp[1 - ci].max(1e-30)).max(1e-30);
    let cp = if ci == 0 {
        CyclicPrefix::Normal
    } else {
        CyclicPrefix::Extended
    };
    let n_id_1 = best.2 as u16;
    let pci = 3 * n_id_1 + u16::from(cand.n_id_2);
    let first_sf: u8 = if best.3 == 1 { 5 } else { 0 };
    let num = Numerology::new(6, N, cp).ok()?;
    let pss_body = num.symbol_body(num.symbols_per_slot() - 1);
    // Subframe-0 start of the frame with the first PSS, at 1.92 Msps.
    let sf0 = cand.tau as i64 - pss_body as i64 - if first_sf == 5 { 5 * 1920 } else { 0 };

    // CRS-based CFO refinement and SNR.
    let crs = Crs::new(pci, cp);
    let demod = OfdmDemodulator::new(&num, planner);
    let mut scratch = vec![Complex32::default(); demod.scratch_len()];
    let mut snr_db = f32::NAN;
    let mut meas = None;
    for _ in 0..2 {
        let z = rotate(x, cfo, SEARCH_RATE_HZ, 0);
        let mut a = Complex32::default();
        let mut snr_acc = (0f64, 0usize);
        // RSRP (noise removed) and RSSI per CRS symbol, grid scale, summed over subframes.
        let mut pw = (0f64, 0f64);
        let ns_syms = num.symbols_per_slot();
        for (sfi, start) in subframes(sf0, m, &num) {
            let mut g = ResourceGrid::zeros(&num);
            if demod
                .demodulate(&z[start..start + 1920], g.as_mut_slice(), &mut scratch)
                .is_err()
            {
                continue;
            }
            let l1 = ns_syms - 3;
            for slot in 0..2 {
                let ns = 2 * sfi + slot;
                let h0: Vec<(usize, Complex32)> = crs
                    .res(0, ns, 0, 6)
                    .map(|(k, r)| (k, g.re(k, slot * ns_syms) * r.conj()))
                    .collect();
                for (k, r) in crs.res(0, ns, l1, 6) {
                    let h1 = g.re(k, slot * ns_syms + l1) * r.conj();
                    let lo = h0.iter().find(|e| e.0 + 3 == k);
                    let hi = h0.iter().find(|e| e.0 == k + 3);
                    if let (Some(lo), Some(hi)) = (lo, hi) {
                        a += h1 * (lo.1 + hi.1).conj();
                    }
                }
            }
            let est = estimation::estimate(&g, &crs, sfi, 1, false);
            snr_acc.0 += f64::from(est.snr_db());
            snr_acc.1 += 1;
            pw.0 += f64::from(est.rsrp_signal());
            pw.1 += rssi_per_symbol(&g, ns_syms);
        }
        if snr_acc.1 == 0 {
            break;
        }
        snr_db = (snr_acc.0 / snr_acc.1 as f64) as f32;
        meas = Some((pw.0 / snr_acc.1 as f64, pw.1 / snr_acc.1 as f64));
        let dt = (num.symbol_body(num.symbols_per_slot() - 3) - num.symbol_body(0)) as f64
            / SEARCH_RATE_HZ;
        cfo += f64::from(a.arg()) / (2.0 * std::f64::consts::PI * dt);
    }

    // MIB.
    let z = rotate(x, cfo, SEARCH_RATE_HZ, 0);
    let mib = decode_mib(&z, sf0, &num, &crs, &demod, &mut scratch);
    if mib.is_none() && sss_ratio < cfg.min_sss_ratio {
        return None;
    }
    if snr_db.is_nan() {
        // No full subframe: SNR from the PSS fit.
        let t = cand.tau;
        let yp = fft_symbol(&z, t, planner);
        let sig: f32 = yp
            .iter()
            .zip(&dp)
            .map(|(a, b)| a * b.conj())
            .sum::<Complex32>()
            .norm_sqr()
            / 62.0;
        let tot: f32 = yp.iter().map(|v| v.norm_sqr()).sum();
        snr_db = 10.0 * (sig / (tot - sig).max(1e-12)).max(1e-6).log10();
    }
    // Sample offset at the capture rate.
    let sample_offset = if d == 1 {
        sf0
    } else {
        let n_full = N * d;
        let numf = Numerology::new(6, n_full, cp).ok()?;
        let pss_body_full = numf.symbol_body(numf.symbols_per_slot() - 1) as i64;
        let coarse = cand.tau as i64 * d as i64;
        let rep = pss_time(cand.n_id_2, n_full, planner);
        let fs = SEARCH_RATE_HZ * d as f64;
        let mut best_t = coarse;
        let mut best_v = -1f32;
        for t in coarse - 2 * d as i64..=coarse + 2 * d as i64 {
            if t < 0 || t as usize + n_full > samples.len() {
                continue;
            }
            let t = t as usize;
            let w = -2.0 * std::f64::consts::PI * cfo / fs;
            let c: Complex32 = (0..n_full)
                .map(|n| {
                    let ph = w * (t + n) as f64;
                    samples[t + n]
                        * Complex32::new(ph.cos() as f32, ph.sin() as f32)
                        * rep[n].conj()
                })
                .sum();
            if c.norm_sqr() > best_v {
                best_v = c.norm_sqr();
                best_t = t as i64;
            }
        }
        best_t
            - pss_body_full
            - if first_sf == 5 {
                5 * 1920 * d as i64
            } else {
                0
            }
    };
    Some(Cell {
        pci,
        n_id_1,
        n_id_2: cand.n_id_2,
        cp,
        subframe: first_sf,
        sample_offset,
        cfo_hz: cfo,
        snr_db,
        pss_metric: cand.metric,
        sss_ratio,
        mib,
        cfo_integer,
        rsrp_dbfs: meas.map(|m| to_dbfs(m.0)),
        rssi_dbfs: meas.map(|m| to_dbfs(m.1)),
        rsrq_db: meas.map(|m| (10.0 * (6.0 * m.0 / m.1.max(1e-30)).log10()) as f32),
    })
}

/// Mean total power over the 6 central PRBs (all 72 REs) of the port-0 CRS symbols
/// (l = 0 and N_symb − 3 of each slot), grid scale: the RSSI of 36.214 §5.1.3 per symbol.
fn rssi_per_symbol<T: AsRef<[Complex32]>>(g: &ResourceGrid<T>, ns_syms: usize) -> f64 {
    let ls = [0, ns_syms - 3, ns_syms, 2 * ns_syms - 3];
    ls.iter()
        .map(|&l| {
            g.symbol(l)
                .iter()
                .map(|v| f64::from(v.norm_sqr()))
                .sum::<f64>()
        })
        .sum::<f64>()
        / ls.len() as f64
}

/// Grid-scale power (unitary 128-point FFT at 1.92 Msps) to dB re a unit-amplitude sample.
fn to_dbfs(p: f64) -> f32 {
    (10.0 * (p.max(1e-30) / N as f64).log10()) as f32
}

/// Complete subframes in a capture of `m` samples (1.92 Msps) given the subframe-0 start
/// `sf0`: (subframe index 0…9, start sample).
fn subframes(sf0: i64, m: usize, num: &Numerology) -> Vec<(usize, usize)> {
    let len = num.subframe_len() as i64;
    let first = (-sf0).div_euclid(len) + i64::from((-sf0).rem_euclid(len) != 0);
    (first..)
        .map(|j| (j, sf0 + j * len))
        .take_while(|&(_, s)| s + len <= m as i64)
        .filter(|&(_, s)| s >= 0)
        .map(|(j, s)| (j.rem_euclid(10) as usize, s as usize))
        .collect()
}

fn decode_mib(
    z: &[Complex32],
    sf0: i64,
    num: &Numerology,
    crs: &Crs,
    demod: &OfdmDemodulator,
    scratch: &mut [Complex32],
) -> Option<MibInfo> {
    let cp = num.cp();
    let mut vit = Viterbi::new();
    let frame = 10 * num.subframe_len() as i64;
    for (sfi, start) in subframes(sf0, z.len(), num) {
        if sfi != 0 {
            continue;
        }
        let mut g = ResourceGrid::zeros(num);
        demod
            .demodulate(
                &z[start..start + num.subframe_len()],
                g.as_mut_slice(),
                scratch,
            )
            .ok()?;
        for ports in [1usize, 2, 4] {
            let est = estimation::estimate(&g, crs, 0, ports, true);
            let llr = pbch::soft_bits(&g, &est, crs.pci(), cp, ports);
            for pos in 0..4 {
                let buf = pbch::tti_buffer(&llr, pos, crs.pci(), cp);
                if let Ok(Some(dec)) = bch::decode(&buf, &[ports], &mut vit) {
                    let mib = Mib::parse(&dec.mib).ok()?;
                    // SFN of the frame at `start`; report the SFN of the frame at sf0.
                    let frames_after = (start as i64 - sf0).div_euclid(frame);
                    let sfn = (4 * i64::from(mib.sfn_msb) + pos as i64 - frames_after)
                        .rem_euclid(1024) as u16;
                    return Some(MibInfo {
                        mib,
                        sfn,
                        ports: dec.ports,
                    });
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_a_tone() {
        let mut planner = FftPlanner::new();
        let fs = 15.36e6;
        let x: Vec<Complex32> = (0..15360)
            .map(|i| {
                let ph = 2.0 * std::f64::consts::PI * 100e3 * i as f64 / fs;
                Complex32::new(ph.cos() as f32, ph.sin() as f32)
            })
            .collect();
        let y = decimate(&x, 8, &mut planner);
        assert_eq!(y.len(), 1920);
        for (i, v) in y.iter().enumerate().skip(10).take(100) {
            let ph = 2.0 * std::f64::consts::PI * 100e3 * i as f64 / 1.92e6;
            assert!((v - Complex32::new(ph.cos() as f32, ph.sin() as f32)).norm() < 1e-3);
        }
    }

    #[test]
    fn bad_inputs() {
        let cfg = SearchConfig::default();
        assert!(search(&[Complex32::default(); 10], 1.92e6, &cfg).is_err());
        assert!(search(&[Complex32::default(); 1000], 1.0e6, &cfg).is_err());
        let mut v = vec![Complex32::default(); 4000];
        v[5].re = f32::NAN;
        assert!(search(&v, 1.92e6, &cfg).is_err());
        assert_eq!(
            search(&vec![Complex32::default(); 4000], 1.92e6, &cfg).unwrap(),
            vec![]
        );
    }
}
