//! HARQ soft buffer: incremental-redundancy combining of turbo-coded transmissions.
//!
//! One [`SoftBuffer`] holds the soft bits of one code block as saturating `i16` **in the
//! compacted circular-buffer domain**: entry `j` is the `j`-th non-`<NULL>` bit of the first
//! `N_cb` positions of the circular buffer `w` (length `L = TurboRateMatcher::w_len`, ≤ `3·D`).
//! A transmission of redundancy version `rv` reads `w` from `k0(rv)` on, cyclically, so in
//! this domain it is a sequence of at most `⌈E/L⌉ + 1` *contiguous runs*: combining is a
//! saturating add of two contiguous slices (SSE2 `paddsw`, or AVX2 `vpaddsw` when the CPU has
//! it), fused with the f32 → i16 quantisation. The sub-block deinterleave to the
//! encoder-output domain (`d0|d1|d2`, `3·(K+4)` values) is done once per decode attempt
//! in [`SoftBuffer::llrs`] instead of once per transmission: the runs are expanded to the
//! full circular buffer and the 32-column sub-block matrices transposed back in 8-row
//! blocks (AVX2 8×8 transposes where available), no scatter. Since rate matching is a
//! bijection between the non-`<NULL>` circular-buffer positions and the encoder-output
//! positions, the result equals scatter-combining in the `d` domain, bit for bit.
//! Saturation bounds the buffer: an LLR never wraps however many times it is repeated.
//!
//! Quantisation: `q = round(LLR · scale)` (ties to even) clamped to ±32767, NaN → 0 (`scale` is fixed per buffer so
//! that transmissions add in the same unit; 16 per natural-log unit is the default).
//!
//! # References
//! 3GPP TS 36.212 §5.1.4.1.2 (circular buffer, `N_cb`); TS 36.321 §5.3.2 (HARQ process);
//! D. Chase, IEEE Trans. Commun. 33(5), 1985 (soft combining).

use super::ratematch::TurboRateMatcher;
use crate::{Error, Result};

/// Default quantisation: i16 steps per natural-log LLR unit.
pub const DEFAULT_SCALE: f32 = 16.0;

/// 1.5 · 2²³: adding and subtracting it rounds an f32 with |y| < 2²² to the nearest integer
/// (ties to even) under the default rounding mode.
const MAGIC: f32 = 12_582_912.0;
/// Bit pattern of [`MAGIC`].
const MAGIC_BITS: i32 = 0x4B40_0000;

/// One quantised LLR: `round(x · scale)` clamped to ±32767, NaN → 0, ties to even.
///
/// After the clamp, `y + 1.5·2²³` holds `round(y)` in its low mantissa bits (exponent fixed
/// at 2²³), so the integer is read from the bit pattern by an integer subtract: no
/// float→int conversion (whose saturating NaN semantics defeat vectorisation), only
/// selects, adds and a pack — 8 (SSE2) or 16 (AVX2) lanes per step.
#[inline(always)]
fn q1(x: f32, scale: f32) -> i16 {
    let y = (x * scale).clamp(-32767.0, 32767.0);
    let y = if y.is_nan() { 0.0 } else { y };
    // Exact: |y| ≤ 32767 < 2²², so the sum's exponent is 2²³ and its bits are MAGIC_BITS + round(y).
    ((y + MAGIC).to_bits() as i32 - MAGIC_BITS) as i16
}

/// `q[i] = round(e[i] · scale)` clamped to ±32767, NaN → 0, ties to even.
///
/// Branch-free and without a libm call so that it vectorises on plain SSE2: the value is
/// clamped first (NaN → 0), then rounded by adding 1.5·2²³ (exact for |y| < 2²², the FPU's
/// round-to-nearest-even does the rounding) and reading the integer from the bits (see `q1`).
#[cfg(test)]
fn quantise(e: &[f32], scale: f32, q: &mut [i16]) {
    for (o, &x) in q.iter_mut().zip(e) {
        *o = q1(x, scale);
    }
}

/// `acc[i] = acc[i] ⊕ q1(e[i])` (saturating) — portable body, auto-vectorised.
#[inline(always)]
fn quantise_add_generic(e: &[f32], scale: f32, acc: &mut [i16]) {
    for (a, &x) in acc.iter_mut().zip(e) {
        *a = a.saturating_add(q1(x, scale));
    }
}

/// `acc[i] = acc[i] ⊕ e[i]` (saturating) — portable body, auto-vectorised to `paddsw`.
#[inline(always)]
fn sat_add_generic(e: &[i16], acc: &mut [i16]) {
    for (a, &x) in acc.iter_mut().zip(e) {
        *a = a.saturating_add(x);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    /// AVX2 build of [`super::quantise_add_generic`] (same code, 256-bit lanes).
    ///
    /// # Safety
    /// The CPU must support AVX2 (checked by the caller with `is_x86_feature_detected!`).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn quantise_add(e: &[f32], scale: f32, acc: &mut [i16]) {
        super::quantise_add_generic(e, scale, acc);
    }

    /// AVX2 build of [`super::sat_add_generic`] (`vpaddsw`).
    ///
    /// # Safety
    /// The CPU must support AVX2 (checked by the caller with `is_x86_feature_detected!`).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn sat_add(e: &[i16], acc: &mut [i16]) {
        super::sat_add_generic(e, acc);
    }
}

#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Fused quantise + saturating add of contiguous slices (lengths equal).
fn quantise_add(e: &[f32], scale: f32, acc: &mut [i16]) {
    debug_assert_eq!(e.len(), acc.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 support was just detected at run time.
        unsafe { x86::quantise_add(e, scale, acc) };
        return;
    }
    quantise_add_generic(e, scale, acc);
}

/// Saturating add of contiguous slices (lengths equal).
fn sat_add(e: &[i16], acc: &mut [i16]) {
    debug_assert_eq!(e.len(), acc.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 support was just detected at run time.
        unsafe { x86::sat_add(e, acc) };
        return;
    }
    sat_add_generic(e, acc);
}

/// Split `E` values read cyclically from `start` in a buffer of length `l` into contiguous
/// runs and hand each `(buffer range start, e range)` to `f`.
#[inline]
fn for_runs(
    l: usize,
    start: usize,
    e_len: usize,
    mut f: impl FnMut(usize, std::ops::Range<usize>),
) {
    let mut pos = start;
    let mut k = 0;
    while k < e_len {
        let n = (l - pos).min(e_len - k);
        f(pos, k..k + n);
        k += n;
        pos = 0;
    }
}

/// `(K, F, N_cb)` of the rate matcher a buffer is bound to.
type Geometry = (usize, usize, usize);

/// Soft buffer of one code block (see the module docs).
#[derive(Debug, Clone)]
pub struct SoftBuffer {
    /// `3·(K+4)` entries: the compacted circular-buffer soft bits in `[..L]`, zeros after.
    buf: Vec<i16>,
    /// `3·(K+4)`: the encoder-output length this buffer deinterleaves to.
    d_len: usize,
    /// The matcher geometry `(K, F, N_cb)` and the matcher (its plan is shared), bound at
    /// the first combine.
    bound: Option<(Geometry, TurboRateMatcher)>,
    scale: f32,
    transmissions: usize,
    /// Scratch of [`llrs`](Self::llrs): the full circular buffer.
    w: Vec<f32>,
}

impl SoftBuffer {
    /// An empty buffer for `d_len = 3·(K+4)` soft bits with quantisation `scale` (> 0).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `scale` is not a positive finite number.
    pub fn new(d_len: usize, scale: f32) -> Result<Self> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(Error::Unsupported {
                what: "HARQ soft-buffer scale",
                value: scale.to_string(),
            });
        }
        Ok(SoftBuffer {
            buf: vec![0; d_len],
            d_len,
            bound: None,
            scale,
            transmissions: 0,
            w: Vec::new(),
        })
    }

    /// Forget all soft bits (new data indicator toggled).
    pub fn reset(&mut self) {
        self.buf.fill(0);
        self.transmissions = 0;
    }

    /// Transmissions combined since the last reset.
    pub fn transmissions(&self) -> usize {
        self.transmissions
    }

    /// `3·(K+4)`: the number of encoder-output soft bits.
    pub fn d_len(&self) -> usize {
        self.d_len
    }

    /// The stored soft bits, length `3·(K+4)`: the compacted circular-buffer domain in the
    /// first `L` entries (see the module docs), zeros after; see [`to_d_i16`](Self::to_d_i16)
    /// for the encoder-output (`d0|d1|d2`) order.
    pub fn as_i16(&self) -> &[i16] {
        &self.buf
    }

    /// Check `rm` against the buffer and bind it on first use.
    fn bind(&mut self, rm: &TurboRateMatcher, rv: usize, e_len: usize) -> Result<usize> {
        if rv >= crate::fec::ratematch::NUM_RV {
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
        if 3 * rm.d() != self.d_len {
            return Err(Error::Length {
                what: "HARQ soft buffer: d0|d1|d2",
                expected: 3 * rm.d(),
                got: self.d_len,
            });
        }
        let key = (rm.k(), rm.filler(), rm.n_cb());
        match &self.bound {
            Some((k, _)) if *k == key => {}
            Some(_) if self.transmissions > 0 => {
                return Err(Error::Unsupported {
                    what:
                        "HARQ soft buffer: rate matcher changed between transmissions (K, F, N_cb)",
                    value: format!("{key:?}"),
                })
            }
            _ => {
                self.bound = Some((key, rm.clone()));
                self.buf.fill(0);
            }
        }
        Ok(rm.w_start(rv))
    }

    /// Combine one transmission: `e` holds its `E` rate-matched LLRs (f32, descrambled),
    /// `rv` its redundancy version. Quantisation and saturating addition are fused, run by
    /// contiguous run of the circular buffer.
    ///
    /// # Errors
    /// [`Error::Length`] if `rm` is for another block length than the buffer;
    /// [`Error::Unsupported`] if rv > 3, E = 0, or `rm`'s `(K, F, N_cb)` differs from the one
    /// of the transmissions already combined (reset first).
    pub fn combine(&mut self, rm: &TurboRateMatcher, e: &[f32], rv: usize) -> Result<()> {
        let start = self.bind(rm, rv, e.len())?;
        let (buf, scale) = (&mut self.buf[..rm.w_len()], self.scale);
        for_runs(buf.len(), start, e.len(), |p, r| {
            let n = r.len();
            quantise_add(&e[r], scale, &mut buf[p..p + n]);
        });
        self.transmissions += 1;
        Ok(())
    }

    /// Combine already-quantised LLRs (same `scale` as the buffer).
    ///
    /// # Errors
    /// As [`combine`](Self::combine).
    pub fn combine_i16(&mut self, rm: &TurboRateMatcher, e: &[i16], rv: usize) -> Result<()> {
        let start = self.bind(rm, rv, e.len())?;
        let buf = &mut self.buf[..rm.w_len()];
        for_runs(buf.len(), start, e.len(), |p, r| {
            let n = r.len();
            sat_add(&e[r], &mut buf[p..p + n]);
        });
        self.transmissions += 1;
        Ok(())
    }

    fn check_out(&self, got: usize) -> Result<()> {
        if got != self.d_len {
            return Err(Error::Length {
                what: "HARQ soft buffer output",
                expected: self.d_len,
                got,
            });
        }
        Ok(())
    }

    /// The combined soft bits deinterleaved to `d0|d1|d2` order (length `3·(K+4)`),
    /// quantised; positions never transmitted (fillers, beyond `N_cb`) are 0.
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong length.
    pub fn to_d_i16(&self, out: &mut [i16]) -> Result<()> {
        self.check_out(out.len())?;
        out.fill(0);
        if let Some((_, rm)) = &self.bound {
            for (&q, &i) in self.buf.iter().zip(rm.w_map().iter()) {
                out[i as usize] = q;
            }
        }
        Ok(())
    }

    /// The combined LLRs in natural-log units, deinterleaved to `d0|d1|d2` order and written
    /// to `out` (length `3·(K+4)`); positions never transmitted are 0.
    ///
    /// The compacted buffer is expanded to the full circular buffer (run copies with the
    /// i16 → f32 conversion, kept in the buffer's scratch) and deinterleaved by a blocked
    /// transpose ([`crate::fec::subblock::turbo_w_to_d`]), not by a scatter.
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong length.
    pub fn llrs(&mut self, out: &mut [f32]) -> Result<()> {
        self.check_out(out.len())?;
        let inv = 1.0 / self.scale;
        match &self.bound {
            Some((_, rm)) => {
                rm.compacted_to_d(
                    &self.buf[..rm.w_len()],
                    |q| f32::from(q) * inv,
                    &mut self.w,
                    out,
                );
            }
            None => out.fill(0.0),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_adds_and_saturates() {
        let rm = TurboRateMatcher::new(40, 0, None).unwrap();
        let mut sb = SoftBuffer::new(132, DEFAULT_SCALE).unwrap();
        let e = vec![1000.0f32; 400];
        for _ in 0..5 {
            sb.combine(&rm, &e, 0).unwrap();
        }
        assert_eq!(sb.transmissions(), 5);
        assert!(sb.as_i16().iter().all(|&q| q == i16::MAX));
        sb.reset();
        sb.combine(&rm, &[0.5; 60], 0).unwrap();
        sb.combine(&rm, &[0.5; 60], 2).unwrap();
        let mut out = vec![0.0; 132];
        sb.llrs(&mut out).unwrap();
        let total: f32 = out.iter().sum();
        assert!((total - 60.0).abs() < 1e-3, "{total}");
        assert!(SoftBuffer::new(10, 0.0).is_err());
        assert!(sb.combine(&rm, &[0.0; 60], 4).is_err());
    }

    /// The circular-buffer-domain combiner equals quantise + scatter-add in the `d` domain
    /// (the reference), bit for bit, over K, fillers, N_cb limits, all rv and E below and
    /// above L (wrap-around, repeated bits, saturation).
    #[test]
    fn run_combining_equals_d_domain_scatter() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for &(k, filler, n_cb) in &[
            (40usize, 0usize, None),
            (40, 8, None),
            (512, 0, Some(1000usize)),
            (6144, 0, None),
            (6144, 24, Some(12_000)),
        ] {
            let rm = TurboRateMatcher::new(k, filler, n_cb).unwrap();
            let d_len = 3 * rm.d();
            let mut sb = SoftBuffer::new(d_len, DEFAULT_SCALE).unwrap();
            let mut sbq = SoftBuffer::new(d_len, DEFAULT_SCALE).unwrap();
            let mut want = vec![0i16; d_len];
            for (t, rv) in [0usize, 2, 3, 1, 0].into_iter().enumerate() {
                let e_len = [rm.w_len() / 3, rm.w_len(), 2 * rm.w_len() + 7, 13, 5000][t];
                let e: Vec<f32> = (0..e_len)
                    .map(|_| rng.gen_range(-900.0f32..900.0))
                    .collect();
                let mut q = vec![0i16; e_len];
                quantise(&e, DEFAULT_SCALE, &mut q);
                rm.dematch_add_i16(&q, rv, &mut want).unwrap();
                sb.combine(&rm, &e, rv).unwrap();
                sbq.combine_i16(&rm, &q, rv).unwrap();
                let mut got = vec![0i16; d_len];
                sb.to_d_i16(&mut got).unwrap();
                assert_eq!(got, want, "K={k} F={filler} rv={rv} E={e_len}");
                sbq.to_d_i16(&mut got).unwrap();
                assert_eq!(got, want, "i16 path K={k} F={filler} rv={rv} E={e_len}");
            }
            let mut f = vec![1.0f32; d_len];
            sb.llrs(&mut f).unwrap();
            for (x, &w) in f.iter().zip(&want) {
                assert_eq!(*x, f32::from(w) / DEFAULT_SCALE);
            }
        }
    }

    #[test]
    fn rebinding_rules_and_lengths() {
        let rm = TurboRateMatcher::new(40, 0, None).unwrap();
        let rm8 = TurboRateMatcher::new(40, 8, None).unwrap();
        let mut sb = SoftBuffer::new(132, DEFAULT_SCALE).unwrap();
        assert_eq!(sb.as_i16().len(), 132);
        sb.combine(&rm, &[1.0; 50], 0).unwrap();
        assert!(sb.combine(&rm8, &[1.0; 50], 0).is_err());
        sb.reset();
        sb.combine(&rm8, &[1.0; 50], 0).unwrap();
        assert_eq!(sb.as_i16().len(), 132);
        let rm44 = TurboRateMatcher::new(48, 0, None).unwrap();
        assert!(sb.combine(&rm44, &[1.0; 50], 0).is_err());
        assert!(sb.combine_i16(&rm8, &[], 0).is_err());
        assert!(sb.llrs(&mut [0.0; 131]).is_err());
        assert!(sb.to_d_i16(&mut [0; 133]).is_err());
    }

    /// The runtime-dispatched kernels equal the portable ones on every length 0..70
    /// (vector bodies and scalar tails) including saturation and NaN.
    #[test]
    fn dispatched_kernels_equal_portable() {
        for n in 0..70usize {
            let e: Vec<f32> = (0..n)
                .map(|i| match i % 7 {
                    0 => f32::NAN,
                    1 => 3000.0,
                    2 => -3000.0,
                    _ => (i as f32 - 30.0) * 0.37,
                })
                .collect();
            let ei: Vec<i16> = (0..n).map(|i| (i as i16 - 35) * 900).collect();
            let base: Vec<i16> = (0..n)
                .map(|i| (i as i16).wrapping_mul(1237) ^ 0x5a5a)
                .collect();
            let (mut a, mut b) = (base.clone(), base.clone());
            quantise_add(&e, DEFAULT_SCALE, &mut a);
            quantise_add_generic(&e, DEFAULT_SCALE, &mut b);
            assert_eq!(a, b, "quantise_add n={n}");
            let (mut a, mut b) = (base.clone(), base);
            sat_add(&ei, &mut a);
            sat_add_generic(&ei, &mut b);
            assert_eq!(a, b, "sat_add n={n}");
        }
    }

    #[test]
    fn quantise_rounds_clamps_and_maps_nan_to_zero() {
        let e = [
            0.0f32,
            -0.0,
            0.49 / 16.0,
            1.5 / 16.0,
            2.5 / 16.0,
            -1.5 / 16.0,
            -7.3,
            1e9,
            -1e9,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        let mut q = [0i16; 12];
        quantise(&e, 16.0, &mut q);
        assert_eq!(
            q,
            [0, 0, 0, 2, 2, -2, -117, 32767, -32767, 32767, -32767, 0]
        );
    }
}
