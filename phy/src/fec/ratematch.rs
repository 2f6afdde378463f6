//! Rate matching and dematching for the turbo code (circular buffer, redundancy versions,
//! soft-buffer limit `N_cb`) and for the tail-biting convolutional code.
//!
//! Both matchers are *planned once* per code-block size: the sub-block interleavers, the bit
//! collection and the `<NULL>` (padding and filler) positions are folded into one table
//! `w_map` that lists, in circular-buffer order, the index into the encoder output of every
//! non-`<NULL>` bit. Matching is then a gather (`e_k = d[w_map[(s_rv + k) mod L]]`) and
//! dematching a scatter-add, with no interleaving work per bit. The fast paths use the
//! matrix structure instead of the table: [`TurboRateMatcher::rate_match_packed`] takes the
//! encoder output as bit rows of the interleaver matrices and transposes them
//! (32×32 bit blocks), [`TurboRateMatcher::dematch`] sums LLRs into the circular buffer in
//! contiguous runs and transposes back in 8-row blocks; both equal the table forms bit
//! for bit (tested).
//!
//! Encoder output layout (the input of [`TurboRateMatcher::rate_match`]): the three streams
//! `d0 | d1 | d2` concatenated, each `D = K + 4` bits long (turbo) or `D = K` (convolutional),
//! as produced by [`crate::fec::turbo::encode`]. Filler bits (the first `F` bits of the first
//! code block, 36.212 §5.1.2) are `<NULL>` in `d0` and `d1` and are skipped.
//!
//! # References
//! 3GPP TS 36.212 §5.1.4.1 (turbo: sub-block interleaving, bit collection, selection and
//! pruning, `k0` and `N_cb`) and §5.1.4.2 (convolutional).

use std::sync::Arc;

use super::subblock;
use crate::{Error, Result};

/// Number of redundancy versions.
pub const NUM_RV: usize = 4;

/// Soft-buffer size per code block for the downlink, `N_cb = min(⌊N_IR / C⌋, K_w)` with
/// `N_IR = ⌊N_soft / (K_C · K_MIMO · min(M_DL_HARQ, M_limit))⌋` and `M_limit = 8`.
///
/// For SI-RNTI/P-RNTI/RA-RNTI transmissions (no soft-buffer limit) use `N_cb = K_w`, i.e.
/// [`TurboRateMatcher::k_w`].
///
/// # Errors
/// [`Error::Unsupported`] if `c`, `k_c`, `k_mimo` or `m_dl_harq` is zero.
///
/// # References
/// 36.212 §5.1.4.1.2; 36.306 Table 4.1-1 for `N_soft`.
pub fn n_cb_downlink(
    n_soft: usize,
    k_c: usize,
    k_mimo: usize,
    m_dl_harq: usize,
    c: usize,
    k_w: usize,
) -> Result<usize> {
    if c == 0 || k_c == 0 || k_mimo == 0 || m_dl_harq == 0 {
        return Err(Error::Unsupported {
            what: "soft-buffer parameter (C, K_C, K_MIMO, M_DL_HARQ must be > 0)",
            value: format!("C={c} K_C={k_c} K_MIMO={k_mimo} M_DL_HARQ={m_dl_harq}"),
        });
    }
    let n_ir = n_soft / (k_c * k_mimo * m_dl_harq.min(8));
    Ok((n_ir / c).min(k_w))
}

/// Rate-matching output lengths `E_r` of the `c` code blocks of a transport block with `g`
/// coded bits, `qm` bits per symbol and `n_l` layers (2 for transmit diversity, else the
/// number of layers).
///
/// # Errors
/// [`Error::Unsupported`] if `c`, `qm` or `n_l` is zero or `g` is not a multiple of
/// `n_l · qm`.
///
/// # References
/// 36.212 §5.1.4.1.2.
pub fn code_block_lengths(g: usize, c: usize, qm: usize, n_l: usize) -> Result<Vec<usize>> {
    if c == 0 || qm == 0 || n_l == 0 || !g.is_multiple_of(n_l * qm) {
        return Err(Error::Unsupported {
            what: "rate-matching lengths (G, C, Q_m, N_L)",
            value: format!("G={g} C={c} Q_m={qm} N_L={n_l}"),
        });
    }
    let gp = g / (n_l * qm);
    let gamma = gp % c;
    Ok((0..c)
        .map(|r| {
            if r + gamma < c {
                n_l * qm * (gp / c)
            } else {
                n_l * qm * gp.div_ceil(c)
            }
        })
        .collect())
}

#[inline]
fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::Length {
            what,
            expected,
            got,
        })
    }
}

/// Gather `e_k = d[w_map[(start + k) mod L]]` for `k < e.len()`.
fn gather<T: Copy>(w_map: &[u32], start: usize, d: &[T], e: &mut [T]) {
    let mut pos = start;
    let mut k = 0;
    while k < e.len() {
        let n = (w_map.len() - pos).min(e.len() - k);
        for (o, &i) in e[k..k + n].iter_mut().zip(&w_map[pos..pos + n]) {
            *o = d[i as usize];
        }
        k += n;
        pos = 0;
    }
}

/// Scatter-add `d[w_map[(start + k) mod L]] ⊕= e_k` with the given combining function.
#[inline(always)]
fn scatter<T: Copy>(w_map: &[u32], start: usize, e: &[T], d: &mut [T], add: impl Fn(T, T) -> T) {
    let mut pos = start;
    let mut k = 0;
    while k < e.len() {
        let n = (w_map.len() - pos).min(e.len() - k);
        for (&x, &i) in e[k..k + n].iter().zip(&w_map[pos..pos + n]) {
            let slot = &mut d[i as usize];
            *slot = add(*slot, x);
        }
        k += n;
        pos = 0;
    }
}

/// Turbo-code rate matcher for one code-block size (36.212 §5.1.4.1).
///
/// Plan once with [`TurboRateMatcher::new`], then [`rate_match`](Self::rate_match) and
/// [`dematch_add`](Self::dematch_add) any number of blocks of that size.
#[derive(Debug, Clone)]
pub struct TurboRateMatcher {
    k: usize,
    filler: usize,
    rows: usize,
    k_pi: usize,
    n_cb: usize,
    /// Encoder-output index (into `d0|d1|d2`) of every non-`<NULL>` bit of the circular
    /// buffer `w[0..N_cb]`, in buffer order.
    w_map: Arc<[u32]>,
    /// For each rv, the position in `w_map` of the first non-`<NULL>` bit at or after `k0`.
    start: [usize; NUM_RV],
    k0: [usize; NUM_RV],
    /// The non-`<NULL>` runs of `w[0..N_cb]` in buffer order (the compacted buffer is their
    /// concatenation).
    runs: Arc<[Run]>,
}

/// A maximal run of non-`<NULL>` circular-buffer positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// First position in the circular buffer `w` (`<NULL>`s counted).
    pub w: u32,
    /// First position in the compacted buffer.
    pub c: u32,
    /// Length.
    pub len: u32,
}

/// Walk `n` compacted-buffer positions cyclically from `start` as contiguous runs, handing
/// each `(w position, compacted position, range of the n)` to `f`.
#[inline]
fn for_w_runs(
    runs: &[Run],
    start: usize,
    n: usize,
    mut f: impl FnMut(usize, usize, std::ops::Range<usize>),
) {
    let mut i = runs.partition_point(|r| (r.c + r.len) as usize <= start);
    let mut off = start - runs[i].c as usize;
    let mut k = 0;
    while k < n {
        let r = runs[i];
        let m = (r.len as usize - off).min(n - k);
        f(r.w as usize + off, r.c as usize + off, k..k + m);
        k += m;
        off = 0;
        i += 1;
        if i == runs.len() {
            i = 0;
        }
    }
}

impl TurboRateMatcher {
    /// Plan rate matching for code blocks of `k` information bits, of which the first
    /// `filler` are filler bits, with a circular buffer of `n_cb` bits (`None`: `N_cb = K_w`,
    /// the no-limit case of the uplink and of SI/P-RNTI/RA-RNTI downlink transmissions).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not a turbo block size (36.212 Table 5.1.3-3),
    /// `filler >= k`, or `n_cb` is 0 or exceeds `K_w = 3·K_Π`.
    pub fn new(k: usize, filler: usize, n_cb: Option<usize>) -> Result<Self> {
        if crate::fec::turbo::qpp_params(k).is_none() {
            return Err(Error::Unsupported {
                what: "turbo block size K",
                value: k.to_string(),
            });
        }
        if filler >= k {
            return Err(Error::Unsupported {
                what: "filler bits (must be < K)",
                value: filler.to_string(),
            });
        }
        let d = k + 4;
        let g = subblock::Geometry::new(d);
        let k_w = 3 * g.k_pi;
        let n_cb = n_cb.unwrap_or(k_w);
        if n_cb == 0 || n_cb > k_w {
            return Err(Error::Unsupported {
                what: "N_cb (must be 1..=K_w)",
                value: format!("{n_cb} (K_w = {k_w})"),
            });
        }
        let v0 = subblock::turbo_map(d, 0);
        let v1 = subblock::turbo_map(d, 1);
        let v2 = subblock::turbo_map(d, 2);
        let is_filler = |i: u32| (i as usize) < filler;
        let mut w: Vec<Option<u32>> = Vec::with_capacity(k_w);
        w.extend(v0.iter().map(|m| m.filter(|&i| !is_filler(i))));
        for (a, b) in v1.iter().zip(&v2) {
            w.push(a.filter(|&i| !is_filler(i)).map(|i| i + d as u32));
            w.push(b.map(|i| i + 2 * d as u32));
        }
        let mut w_map = Vec::with_capacity(n_cb);
        let mut runs: Vec<Run> = Vec::new();
        let mut k0 = [0usize; NUM_RV];
        let mut start = [0usize; NUM_RV];
        for (rv, k0r) in k0.iter_mut().enumerate() {
            *k0r = g.rows * (2 * n_cb.div_ceil(8 * g.rows) * rv + 2);
        }
        for (j, m) in w[..n_cb].iter().enumerate() {
            for rv in 0..NUM_RV {
                if k0[rv] == j {
                    start[rv] = w_map.len();
                }
            }
            if let Some(i) = m {
                match runs.last_mut() {
                    Some(r) if (r.w + r.len) as usize == j => r.len += 1,
                    _ => runs.push(Run {
                        w: j as u32,
                        c: w_map.len() as u32,
                        len: 1,
                    }),
                }
                w_map.push(*i);
            }
        }
        if w_map.is_empty() {
            return Err(Error::Unsupported {
                what: "N_cb (holds only <NULL> bits)",
                value: n_cb.to_string(),
            });
        }
        for rv in 0..NUM_RV {
            // k0 can lie past the last non-NULL bit of a short buffer: wrap to the start.
            if k0[rv] >= n_cb || start[rv] >= w_map.len() {
                start[rv] = if k0[rv] >= n_cb {
                    // k0 mod N_cb, counted in non-NULL bits.
                    let kk = k0[rv] % n_cb;
                    w[..kk].iter().filter(|m| m.is_some()).count() % w_map.len()
                } else {
                    0
                };
            }
        }
        Ok(TurboRateMatcher {
            k,
            filler,
            rows: g.rows,
            k_pi: g.k_pi,
            n_cb,
            w_map: w_map.into(),
            start,
            k0,
            runs: runs.into(),
        })
    }

    /// Code-block size `K`.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Filler bits `F` at the start of this block.
    pub fn filler(&self) -> usize {
        self.filler
    }
    /// Length `D = K + 4` of each encoder output stream.
    pub fn d(&self) -> usize {
        self.k + 4
    }
    /// Rows `R_TC` of the sub-block interleaver.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Sub-block interleaver size `K_Π`.
    pub fn k_pi(&self) -> usize {
        self.k_pi
    }
    /// Circular-buffer length without limit, `K_w = 3·K_Π`.
    pub fn k_w(&self) -> usize {
        3 * self.k_pi
    }
    /// Circular-buffer length in use, `N_cb`.
    pub fn n_cb(&self) -> usize {
        self.n_cb
    }
    /// Starting position `k0` of redundancy version `rv` (0..=3) in the circular buffer.
    ///
    /// # Panics
    /// If `rv > 3`.
    pub fn k0(&self, rv: usize) -> usize {
        self.k0[rv]
    }

    /// `L`: the number of non-`<NULL>` bits in the first `N_cb` circular-buffer positions,
    /// i.e. the length of the compacted circular buffer (`≤ 3·D`).
    pub fn w_len(&self) -> usize {
        self.w_map.len()
    }

    /// Where redundancy version `rv` starts reading in the compacted circular buffer
    /// (`0..L`; `k0` with the `<NULL>`s before it skipped).
    ///
    /// # Panics
    /// If `rv > 3`.
    pub fn w_start(&self, rv: usize) -> usize {
        self.start[rv]
    }

    /// The compacted circular buffer → encoder output map: entry `j < L` is the index into
    /// `d0|d1|d2` of the `j`-th non-`<NULL>` circular-buffer bit (shared, cheap to clone).
    pub fn w_map(&self) -> &Arc<[u32]> {
        &self.w_map
    }

    fn check(&self, rv: usize, d_len: usize, e_len: usize) -> Result<()> {
        if rv >= NUM_RV {
            return Err(Error::Unsupported {
                what: "redundancy version",
                value: rv.to_string(),
            });
        }
        if e_len == 0 {
            return Err(Error::Unsupported {
                what: "rate-matched length E",
                value: "0".into(),
            });
        }
        check_len("turbo rate matching: d0|d1|d2", 3 * self.d(), d_len)
    }

    /// Rate-match one encoded block: `d` is `d0|d1|d2` (length `3·(K+4)`), `e` receives
    /// the `E = e.len()` output bits of redundancy version `rv`.
    ///
    /// # Errors
    /// [`Error::Length`] if `d` has the wrong length; [`Error::Unsupported`] if `rv > 3` or
    /// `E = 0`.
    pub fn rate_match<T: Copy>(&self, d: &[T], rv: usize, e: &mut [T]) -> Result<()> {
        self.check(rv, d.len(), e.len())?;
        gather(&self.w_map, self.start[rv], d, e);
        Ok(())
    }

    /// The circular-buffer position of compacted position `j < L`.
    fn w_pos(&self, j: usize) -> usize {
        let i = self.runs.partition_point(|r| (r.c + r.len) as usize <= j);
        let r = self.runs[i];
        r.w as usize + j - r.c as usize
    }

    /// Rows of packed stream words [`rate_match_packed`](Self::rate_match_packed) takes per
    /// stream: `32·⌈R/32⌉`.
    pub fn packed_stream_words(&self) -> usize {
        32 * self.rows.div_ceil(32)
    }

    /// `<NULL>` padding bits `N_D = K_Π − D` at the head of each interleaver matrix: the
    /// `lead` to give [`crate::fec::turbo::encode_packed`].
    pub fn n_null(&self) -> usize {
        self.k_pi - self.d()
    }

    /// [`rate_match`](Self::rate_match) from packed encoder output, bit-identical: `y` are
    /// the three streams as written by [`crate::fec::turbo::encode_packed`] with
    /// `lead = `[`n_null`](Self::n_null) (interleaver-matrix rows, at least
    /// [`packed_stream_words`](Self::packed_stream_words) words each); `e` receives `E`
    /// bits, one per byte. The sub-block interleaving is a bit-matrix transpose
    /// ([`subblock::turbo_w_from_rows`]) into `w` (reusable scratch), and bit selection
    /// copies contiguous runs of it.
    ///
    /// # Errors
    /// [`Error::Length`] if a stream is too short; [`Error::Unsupported`] if `rv > 3` or
    /// `E = 0`.
    pub fn rate_match_packed(
        &self,
        y: [&[u32]; 3],
        rv: usize,
        e: &mut [u8],
        w: &mut Vec<u8>,
    ) -> Result<()> {
        self.check(rv, 3 * self.d(), e.len())?;
        let words = self.packed_stream_words();
        if let Some(short) = y.iter().find(|s| s.len() < words) {
            return Err(Error::Length {
                what: "packed rate matching: stream words",
                expected: words,
                got: short.len(),
            });
        }
        // The part of w that E reads: one span, unless it wraps around the buffer.
        let (start, l) = (self.start[rv], self.w_len());
        let need = if start + e.len() > l {
            0..3 * self.k_pi
        } else {
            self.w_pos(start)..self.w_pos(start + e.len() - 1) + 1
        };
        subblock::turbo_w_from_rows(self.rows, y, need, w);
        for_w_runs(&self.runs, self.start[rv], e.len(), |wp, _, r| {
            let n = r.len();
            e[r].copy_from_slice(&w[wp..wp + n]);
        });
        Ok(())
    }

    /// Dematch soft bits: add each LLR of `e` (redundancy version `rv`) to its position in
    /// `d_llr` (`d0|d1|d2` order, length `3·(K+4)`). Repeated bits are combined by addition;
    /// positions never transmitted (and filler bits) are left unchanged. Call on a zeroed
    /// buffer for one transmission, or on the previous buffer for HARQ combining.
    ///
    /// # Errors
    /// As [`rate_match`](Self::rate_match).
    pub fn dematch_add(&self, e: &[f32], rv: usize, d_llr: &mut [f32]) -> Result<()> {
        self.check(rv, d_llr.len(), e.len())?;
        scatter(&self.w_map, self.start[rv], e, d_llr, |a, b| a + b);
        Ok(())
    }

    /// Dematch one transmission into `d_llr` (`d0|d1|d2`, length `3·(K+4)`), overwriting
    /// it: repeated bits are summed, positions never transmitted (fillers, beyond `N_cb`,
    /// or not reached by `E`) are 0. Bit-identical to [`dematch_add`](Self::dematch_add)
    /// on a zeroed buffer, but run-wise: the LLRs are summed into the full circular buffer
    /// `w` (reusable scratch, `K_w + 16` values) in contiguous runs, then deinterleaved by a
    /// blocked transpose ([`subblock::turbo_w_to_d`]).
    ///
    /// # Errors
    /// As [`rate_match`](Self::rate_match).
    pub fn dematch(&self, e: &[f32], rv: usize, d_llr: &mut [f32], w: &mut Vec<f32>) -> Result<()> {
        self.check(rv, d_llr.len(), e.len())?;
        w.clear();
        w.resize(self.k_w() + 16, 0.0);
        for_w_runs(&self.runs, self.start[rv], e.len(), |wp, _, r| {
            let n = r.len();
            for (a, &x) in w[wp..wp + n].iter_mut().zip(&e[r]) {
                *a += x;
            }
        });
        subblock::turbo_w_to_d_f32(self.rows, w, d_llr);
        Ok(())
    }

    /// Deinterleave a compacted circular buffer `c` (length [`w_len`](Self::w_len)) to
    /// `d0|d1|d2` order in `d` (length `3·(K+4)`), converting each value with `conv`;
    /// positions outside the compacted buffer become 0. `w` is reusable scratch.
    ///
    /// # Panics
    /// If `c` or `d` has the wrong length.
    pub(crate) fn compacted_to_d<T: Copy>(
        &self,
        c: &[T],
        conv: impl Fn(T) -> f32,
        w: &mut Vec<f32>,
        d: &mut [f32],
    ) {
        assert_eq!(c.len(), self.w_len(), "compacted_to_d: length");
        w.resize(self.k_w() + 16, 0.0);
        // Every position is written once: the runs converted, the gaps (<NULL>s, and the
        // part of w past N_cb) zeroed.
        let mut end = 0;
        for r in self.runs.iter() {
            let (wp, cp, n) = (r.w as usize, r.c as usize, r.len as usize);
            w[end..wp].fill(0.0);
            for (a, &x) in w[wp..wp + n].iter_mut().zip(&c[cp..cp + n]) {
                *a = conv(x);
            }
            end = wp + n;
        }
        w[end..].fill(0.0);
        subblock::turbo_w_to_d_f32(self.rows, w, d);
    }

    /// As [`dematch_add`](Self::dematch_add) for fixed-point LLRs with saturating addition
    /// (the HARQ soft buffer, [`crate::fec::harq`]).
    ///
    /// # Errors
    /// As [`rate_match`](Self::rate_match).
    pub fn dematch_add_i16(&self, e: &[i16], rv: usize, d_llr: &mut [i16]) -> Result<()> {
        self.check(rv, d_llr.len(), e.len())?;
        scatter(&self.w_map, self.start[rv], e, d_llr, i16::saturating_add);
        Ok(())
    }

    /// The positions (into `d0|d1|d2`) that filler bits occupy: the decoder must treat them
    /// as known zeros.
    pub fn filler_positions(&self) -> impl Iterator<Item = usize> + '_ {
        let d = self.d();
        (0..self.filler).flat_map(move |i| [i, d + i])
    }
}

/// Convolutional-code rate matcher for one stream length (36.212 §5.1.4.2), as used by the
/// BCH, PDCCH and UCI on PUSCH.
#[derive(Debug, Clone)]
pub struct ConvRateMatcher {
    d: usize,
    w_map: Vec<u32>,
}

impl ConvRateMatcher {
    /// Plan rate matching of tail-biting convolutional-code output with three streams of
    /// `d` bits each (`d = K`, the number of coded input bits).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `d == 0`.
    pub fn new(d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::Unsupported {
                what: "convolutional stream length D",
                value: "0".into(),
            });
        }
        let v = subblock::conv_map(d);
        let mut w_map = Vec::with_capacity(3 * d);
        for s in 0..3u32 {
            w_map.extend(v.iter().flatten().map(|&i| i + s * d as u32));
        }
        Ok(ConvRateMatcher { d, w_map })
    }

    /// Stream length `D`.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Circular-buffer length `K_w = 3·K_Π` (including `<NULL>` bits).
    pub fn k_w(&self) -> usize {
        3 * subblock::Geometry::new(self.d).k_pi
    }

    fn check(&self, d_len: usize, e_len: usize) -> Result<()> {
        if e_len == 0 {
            return Err(Error::Unsupported {
                what: "rate-matched length E",
                value: "0".into(),
            });
        }
        check_len("conv rate matching: d0|d1|d2", 3 * self.d, d_len)
    }

    /// Rate-match: `d` is `d0|d1|d2` (length `3·D`), `e` receives `E = e.len()` bits.
    ///
    /// # Errors
    /// [`Error::Length`] if `d` has the wrong length; [`Error::Unsupported`] if `E = 0`.
    pub fn rate_match<T: Copy>(&self, d: &[T], e: &mut [T]) -> Result<()> {
        self.check(d.len(), e.len())?;
        gather(&self.w_map, 0, d, e);
        Ok(())
    }

    /// Dematch: add each LLR of `e` to its position in `d_llr` (`d0|d1|d2`, length `3·D`).
    ///
    /// # Errors
    /// As [`rate_match`](Self::rate_match).
    pub fn dematch_add(&self, e: &[f32], d_llr: &mut [f32]) -> Result<()> {
        self.check(d_llr.len(), e.len())?;
        scatter(&self.w_map, 0, e, d_llr, |a, b| a + b);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_errors() {
        assert_eq!(code_block_lengths(1368, 1, 2, 1).unwrap(), vec![1368]);
        assert_eq!(code_block_lengths(12, 2, 2, 1).unwrap(), vec![6, 6]);
        assert_eq!(code_block_lengths(10, 2, 1, 1).unwrap(), vec![5, 5]);
        assert_eq!(code_block_lengths(14, 3, 2, 1).unwrap(), vec![4, 4, 6]);
        assert!(code_block_lengths(13, 3, 2, 1).is_err());
        assert!(TurboRateMatcher::new(41, 0, None).is_err());
        assert!(TurboRateMatcher::new(40, 40, None).is_err());
        assert!(TurboRateMatcher::new(40, 0, Some(1000)).is_err());
        let rm = TurboRateMatcher::new(40, 0, None).unwrap();
        let d = vec![0u8; 132];
        let mut e = vec![0u8; 10];
        assert!(rm.rate_match(&d, 4, &mut e).is_err());
        assert!(rm.rate_match(&d[..131], 0, &mut e).is_err());
        assert!(rm.rate_match(&d, 0, &mut e[..0]).is_err());
    }

    #[test]
    fn every_bit_sent_once_at_e_equals_buffer() {
        for filler in [0usize, 8] {
            let rm = TurboRateMatcher::new(40, filler, None).unwrap();
            let n = rm.w_map.len();
            assert_eq!(n, 3 * 44 - 2 * filler);
            let d: Vec<u32> = (0..132).collect();
            let mut e = vec![0u32; n];
            rm.rate_match(&d, 0, &mut e).unwrap();
            let mut s = e.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), n);
        }
    }

    /// The packed rate matcher and the run-wise dematcher equal the index-map gather and
    /// scatter, over fillers, N_cb limits, every rv and E below and above L.
    #[test]
    fn packed_and_runwise_paths_equal_index_maps() {
        let mut x = 0x1357_9bdfu32;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let (mut w8, mut wf, mut cu) = (Vec::new(), Vec::new(), Vec::new());
        for &(k, filler, n_cb) in &[
            (40usize, 0usize, None),
            (40, 8, None),
            (104, 16, None),
            (512, 0, Some(1000usize)),
            (1056, 0, Some(3000)),
            (6144, 0, None),
            (6144, 24, Some(12_000)),
        ] {
            let rm = TurboRateMatcher::new(k, filler, n_cb).unwrap();
            let mut c: Vec<u8> = (0..k).map(|_| (rnd() & 1) as u8).collect();
            c[..filler].fill(0);
            let perm = crate::fec::turbo::qpp_permutation(k).unwrap();
            let mut d = vec![0u8; 3 * rm.d()];
            crate::fec::turbo::encode_with(&c, &perm, &mut d).unwrap();
            let packed: Vec<u8> = c
                .chunks(8)
                .map(|b| b.iter().fold(0u8, |a, &v| (a << 1) | v))
                .collect();
            let words = rm.packed_stream_words();
            let mut y = vec![0u32; 3 * words];
            let (y0, rest) = y.split_at_mut(words);
            let (y1, y2) = rest.split_at_mut(words);
            crate::fec::turbo::encode_packed(&packed, &perm, rm.n_null(), &mut cu, [y0, y1, y2])
                .unwrap();
            let (y0, rest) = y.split_at(words);
            let (y1, y2) = rest.split_at(words);
            for rv in 0..NUM_RV {
                for e_len in [1, 37, rm.w_len() / 3, rm.w_len(), 2 * rm.w_len() + 11] {
                    let mut want = vec![0u8; e_len];
                    rm.rate_match(&d, rv, &mut want).unwrap();
                    let mut got = vec![9u8; e_len];
                    rm.rate_match_packed([y0, y1, y2], rv, &mut got, &mut w8)
                        .unwrap();
                    assert_eq!(got, want, "K={k} F={filler} rv={rv} E={e_len}");
                    let llr: Vec<f32> = (0..e_len)
                        .map(|_| (rnd() % 2001) as f32 * 0.01 - 10.0)
                        .collect();
                    let mut want = vec![0f32; 3 * rm.d()];
                    rm.dematch_add(&llr, rv, &mut want).unwrap();
                    let mut got = vec![7f32; 3 * rm.d()];
                    rm.dematch(&llr, rv, &mut got, &mut wf).unwrap();
                    assert!(
                        got.iter()
                            .zip(&want)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "dematch K={k} F={filler} rv={rv} E={e_len}"
                    );
                }
            }
            let short = vec![0u32; words - 1];
            let mut e = [0u8; 4];
            assert!(rm
                .rate_match_packed([y0, y1, &short], 0, &mut e, &mut w8)
                .is_err());
            assert!(rm
                .rate_match_packed([y0, y1, y2], 4, &mut e, &mut w8)
                .is_err());
            assert!(rm.dematch(&[0.0; 4], 0, &mut [0.0; 5], &mut wf).is_err());
        }
    }
}
