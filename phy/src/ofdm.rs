//! OFDM modulation and demodulation with cyclic prefix.
//!
//! Scaling: both directions are unitary (FFT scaled by 1/√N), so a unit-power resource
//! element gives unit power per subcarrier after demodulation and the time signal of a full
//! grid has mean power n_sc/N.
//!
//! The demodulator places its FFT window `backoff` samples before the end of the CP (inside
//! the CP, default a quarter of the short CP), so a receiver that is a little late still sees
//! no inter-symbol interference, and removes the resulting linear phase per subcarrier.
//!
//! Plan once (`new` takes the planner), caller-owned scratch, no allocation per symbol.
//!
//! # References
//! 3GPP TS 36.211 §6.12 (OFDM baseband signal generation).

use std::sync::Arc;

use rustfft::{Fft, FftPlanner};

use crate::numerology::Numerology;
use crate::{Complex32, Error, Result};

/// Turns subframe sample blocks into resource grids.
#[derive(Clone)]
pub struct OfdmDemodulator {
    num: Numerology,
    fft: Arc<dyn Fft<f32>>,
    backoff: usize,
    /// Per-subcarrier phase correction for the window backoff, with the 1/√N scale folded in.
    ramp: Vec<Complex32>,
}

impl std::fmt::Debug for OfdmDemodulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfdmDemodulator")
            .field("num", &self.num)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl OfdmDemodulator {
    /// A demodulator for `num` with its own FFT planner (callers that plan several sizes
    /// should share one planner through [`Self::new`]).
    pub fn plan(num: &Numerology) -> Self {
        Self::new(num, &mut FftPlanner::new())
    }

    /// A demodulator for `num` with the default window backoff (¼ of the short CP).
    pub fn new(num: &Numerology, planner: &mut FftPlanner<f32>) -> Self {
        let short_cp = num.cp_len(num.symbols_per_slot() - 1);
        Self::with_backoff(num, planner, short_cp / 4)
    }

    /// A demodulator whose FFT window starts `backoff` samples into the CP before the body.
    ///
    /// # Panics
    /// If `backoff` exceeds the shortest CP.
    pub fn with_backoff(num: &Numerology, planner: &mut FftPlanner<f32>, backoff: usize) -> Self {
        let short_cp = num.cp_len(num.symbols_per_slot() - 1);
        assert!(backoff <= short_cp, "backoff longer than the CP");
        let n = num.fft_size();
        let scale = 1.0 / (n as f32).sqrt();
        let ramp = (0..num.n_sc())
            .map(|k| {
                let bin = num.bin_of(k) as f64;
                // Window starts `backoff` early: X_early[b] = X[b]·e^{-j2πb·backoff/N}.
                let ph = 2.0 * std::f64::consts::PI * bin * backoff as f64 / n as f64;
                Complex32::new(ph.cos() as f32, ph.sin() as f32) * scale
            })
            .collect();
        OfdmDemodulator {
            num: *num,
            fft: planner.plan_fft_forward(n),
            backoff,
            ramp,
        }
    }

    /// The numerology.
    pub fn numerology(&self) -> &Numerology {
        &self.num
    }

    /// Scratch length needed by [`Self::demodulate_symbol`] and [`Self::demodulate`].
    pub fn scratch_len(&self) -> usize {
        self.num.fft_size() + self.fft.get_inplace_scratch_len()
    }

    /// Demodulate one symbol whose useful part starts at `body` within `input`, writing the
    /// n_sc subcarriers to `out`.
    ///
    /// # Panics
    /// If `body < backoff`, `input` is too short, `out.len() != n_sc` or `scratch` is
    /// shorter than [`Self::scratch_len`].
    pub fn demodulate_symbol(
        &self,
        input: &[Complex32],
        body: usize,
        out: &mut [Complex32],
        scratch: &mut [Complex32],
    ) {
        let n = self.num.fft_size();
        let (buf, fs) = scratch.split_at_mut(n);
        let start = body - self.backoff;
        buf.copy_from_slice(&input[start..start + n]);
        self.fft.process_with_scratch(buf, fs);
        // Subcarriers below DC are the top bins, those above are bins 1…n_sc/2 (see
        // `Numerology::bin_of`): two contiguous runs, no per-subcarrier index arithmetic.
        let half = self.num.n_sc() / 2;
        let (lo, hi) = out.split_at_mut(half);
        let (rlo, rhi) = self.ramp.split_at(half);
        for ((o, b), r) in lo.iter_mut().zip(&buf[n - half..]).zip(rlo) {
            *o = b * r;
        }
        for ((o, b), r) in hi.iter_mut().zip(&buf[1..=half]).zip(rhi) {
            *o = b * r;
        }
    }

    /// Demodulate one subframe of samples (`input.len() == subframe_len`) into `grid`
    /// (n_sc × symbols_per_subframe, layout of [`crate::grid`]).
    ///
    /// # Errors
    /// [`Error::Length`] on wrong buffer lengths.
    pub fn demodulate(
        &self,
        input: &[Complex32],
        grid: &mut [Complex32],
        scratch: &mut [Complex32],
    ) -> Result<()> {
        check_len("subframe samples", self.num.subframe_len(), input.len())?;
        check_len(
            "grid",
            self.num.n_sc() * self.num.symbols_per_subframe(),
            grid.len(),
        )?;
        if scratch.len() < self.scratch_len() {
            return Err(Error::Length {
                what: "scratch",
                expected: self.scratch_len(),
                got: scratch.len(),
            });
        }
        let n_sc = self.num.n_sc();
        for (l, out) in grid.chunks_exact_mut(n_sc).enumerate() {
            self.demodulate_symbol(input, self.num.symbol_body(l), out, scratch);
        }
        Ok(())
    }
}

/// Turns resource grids into subframe sample blocks (with CP).
#[derive(Clone)]
pub struct OfdmModulator {
    num: Numerology,
    ifft: Arc<dyn Fft<f32>>,
}

impl std::fmt::Debug for OfdmModulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfdmModulator")
            .field("num", &self.num)
            .finish()
    }
}

impl OfdmModulator {
    /// A modulator for `num`.
    pub fn new(num: &Numerology, planner: &mut FftPlanner<f32>) -> Self {
        OfdmModulator {
            num: *num,
            ifft: planner.plan_fft_inverse(num.fft_size()),
        }
    }

    /// Scratch length needed by [`Self::modulate`].
    pub fn scratch_len(&self) -> usize {
        self.num.fft_size() + self.ifft.get_inplace_scratch_len()
    }

    /// Modulate a subframe `grid` into `out` (`subframe_len` samples, CP included).
    ///
    /// # Errors
    /// [`Error::Length`] on wrong buffer lengths.
    pub fn modulate(
        &self,
        grid: &[Complex32],
        out: &mut [Complex32],
        scratch: &mut [Complex32],
    ) -> Result<()> {
        let n = self.num.fft_size();
        let n_sc = self.num.n_sc();
        check_len("grid", n_sc * self.num.symbols_per_subframe(), grid.len())?;
        check_len("subframe samples", self.num.subframe_len(), out.len())?;
        if scratch.len() < self.scratch_len() {
            return Err(Error::Length {
                what: "scratch",
                expected: self.scratch_len(),
                got: scratch.len(),
            });
        }
        let (buf, fs) = scratch.split_at_mut(n);
        let scale = 1.0 / (n as f32).sqrt();
        for (l, sym) in grid.chunks_exact(n_sc).enumerate() {
            buf.fill(Complex32::default());
            for (k, v) in sym.iter().enumerate() {
                buf[self.num.bin_of(k)] = v * scale;
            }
            self.ifft.process_with_scratch(buf, fs);
            let start = self.num.symbol_start(l);
            let cp = self.num.cp_len(l % self.num.symbols_per_slot());
            out[start..start + cp].copy_from_slice(&buf[n - cp..]);
            out[start + cp..start + cp + n].copy_from_slice(buf);
        }
        Ok(())
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::Length {
            what,
            expected,
            got,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerology::{Bandwidth, CyclicPrefix};

    #[test]
    fn roundtrip_all_bandwidths_and_delay() {
        let mut planner = FftPlanner::new();
        for bw in [Bandwidth::Mhz1_4, Bandwidth::Mhz5, Bandwidth::Mhz15] {
            for cp in [CyclicPrefix::Normal, CyclicPrefix::Extended] {
                let num = Numerology::lte(bw, cp);
                let m = OfdmModulator::new(&num, &mut planner);
                let d = OfdmDemodulator::new(&num, &mut planner);
                let grid: Vec<Complex32> = (0..num.n_sc() * num.symbols_per_subframe())
                    .map(|i| Complex32::new(((i * 7) % 5) as f32 - 2.0, ((i * 3) % 4) as f32 - 1.5))
                    .collect();
                let mut s = vec![Complex32::default(); num.subframe_len()];
                let mut scr = vec![Complex32::default(); m.scratch_len().max(d.scratch_len())];
                m.modulate(&grid, &mut s, &mut scr).unwrap();
                let mut back = vec![Complex32::default(); grid.len()];
                d.demodulate(&s, &mut back, &mut scr).unwrap();
                let err = grid
                    .iter()
                    .zip(&back)
                    .map(|(a, b)| (a - b).norm())
                    .fold(0f32, f32::max);
                assert!(err < 1e-3, "{bw:?} {cp:?}: {err}");
            }
        }
    }

    #[test]
    fn wrong_lengths_are_errors() {
        let mut planner = FftPlanner::new();
        let num = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        let d = OfdmDemodulator::new(&num, &mut planner);
        let mut scr = vec![Complex32::default(); d.scratch_len()];
        let mut g = vec![Complex32::default(); 72 * 14];
        assert!(d
            .demodulate(&[Complex32::default(); 10], &mut g, &mut scr)
            .is_err());
    }
}
