//! HARQ soft buffer: incremental-redundancy combining of turbo-coded transmissions.
//!
//! One [`SoftBuffer`] holds the soft bits of one code block in the encoder-output domain
//! (`d0|d1|d2`, `3·(K+4)` values) as saturating `i16`. Each (re)transmission, whatever its
//! redundancy version (usually rv 0, 2, 3, 1), is dematched and *added* into it; since rate
//! matching is a bijection between the non-`<NULL>` circular-buffer positions and the
//! encoder-output positions, combining here equals combining in the `N_cb` circular buffer.
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

/// `q[i] = round(e[i] · scale)` clamped to ±32767, NaN → 0, ties to even.
///
/// Branch-free and without a libm call so that it vectorises on plain SSE2: the value is
/// clamped first, then rounded by adding and subtracting 1.5·2²³ (exact for |y| < 2²², the
/// FPU's round-to-nearest-even does the rounding), and the float→int `as` maps NaN to 0.
#[inline]
fn quantise(e: &[f32], scale: f32, q: &mut [i16]) {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
    for (o, &x) in q.iter_mut().zip(e) {
        let y = (x * scale).clamp(-32767.0, 32767.0);
        *o = ((y + MAGIC) - MAGIC) as i16;
    }
}

/// Soft buffer of one code block (see the module docs).
#[derive(Debug, Clone)]
pub struct SoftBuffer {
    buf: Vec<i16>,
    scratch: Vec<i16>,
    scale: f32,
    transmissions: usize,
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
            scratch: Vec::new(),
            scale,
            transmissions: 0,
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

    /// The stored soft bits (`d0|d1|d2`, quantised).
    pub fn as_i16(&self) -> &[i16] {
        &self.buf
    }

    /// Combine one transmission: `e` holds its `E` rate-matched LLRs (f32, descrambled),
    /// `rv` its redundancy version.
    ///
    /// # Errors
    /// As [`TurboRateMatcher::dematch_add_i16`] (wrong buffer length, rv > 3, E = 0).
    pub fn combine(&mut self, rm: &TurboRateMatcher, e: &[f32], rv: usize) -> Result<()> {
        self.scratch.clear();
        self.scratch.resize(e.len(), 0);
        quantise(e, self.scale, &mut self.scratch);
        rm.dematch_add_i16(&self.scratch, rv, &mut self.buf)?;
        self.transmissions += 1;
        Ok(())
    }

    /// Combine already-quantised LLRs (same `scale` as the buffer).
    ///
    /// # Errors
    /// As [`combine`](Self::combine).
    pub fn combine_i16(&mut self, rm: &TurboRateMatcher, e: &[i16], rv: usize) -> Result<()> {
        rm.dematch_add_i16(e, rv, &mut self.buf)?;
        self.transmissions += 1;
        Ok(())
    }

    /// The combined LLRs in natural-log units, written to `out` (length `3·(K+4)`).
    ///
    /// # Errors
    /// [`Error::Length`] if `out` has the wrong length.
    pub fn llrs(&self, out: &mut [f32]) -> Result<()> {
        if out.len() != self.buf.len() {
            return Err(Error::Length {
                what: "HARQ soft buffer output",
                expected: self.buf.len(),
                got: out.len(),
            });
        }
        let inv = 1.0 / self.scale;
        for (o, &q) in out.iter_mut().zip(&self.buf) {
            *o = f32::from(q) * inv;
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
