//! UL-SCH (data only): transport block ⇄ PUSCH bits, the PUSCH channel interleaver, PUSCH
//! scrambling, and transform precoding (DFT spreading) of SC-FDMA.
//!
//! Chain: TB → CRC24A → segmentation → turbo → rate matching (`N_cb = K_w`) →
//! concatenation → channel interleaver (data only: no CQI/RI/HARQ-ACK multiplexing) →
//! scrambling. Decode mirrors it from LLRs *before descrambling* (`c_init: None` for
//! already-descrambled LLRs).
//!
//! Not covered: multiplexing of UCI (CQI/PMI, RI, HARQ-ACK) on PUSCH.
//!
//! # References
//! 3GPP TS 36.212 §5.2.2 (§5.2.2.7 data multiplexing, §5.2.2.8 channel interleaver);
//! TS 36.211 §5.3.1 (scrambling), §5.3.3 (transform precoding).

use std::sync::Arc;

use num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use super::{CbChain, CbDecoder, EncodeScratch, SoftBufferLimit, TbDecoded, TbSoftBuffer};
use crate::modulation::Modulation;
use crate::sequence::Gold;
use crate::{Error, Result};

/// PUSCH scrambling initialisation `c_init = n_RNTI·2¹⁴ + ⌊n_s/2⌋·2⁹ + N_ID^cell`
/// (36.211 §5.3.1).
pub fn pusch_c_init(rnti: u16, ns: u8, cell_id: u16) -> u32 {
    (u32::from(rnti) << 14) + (u32::from(ns / 2) << 9) + u32::from(cell_id)
}

/// Parameters of one UL-SCH transmission.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Transport block size in bits.
    pub tbs: usize,
    /// PUSCH modulation.
    pub modulation: Modulation,
    /// Redundancy version 0..=3.
    pub rv: usize,
    /// SC-FDMA data symbols in the subframe `N_symb^PUSCH` (12 normal CP, 10 extended,
    /// one less with SRS): the channel interleaver's column count.
    pub n_symb: usize,
    /// Allocated subcarriers `M_sc^PUSCH` (12 × PRBs).
    pub m_sc: usize,
    /// PUSCH scrambling `c_init` ([`pusch_c_init`]), or `None`.
    pub c_init: Option<u32>,
}

impl Params {
    /// Coded bits `G = N_symb · M_sc · Q_m`.
    pub fn g(&self) -> usize {
        self.n_symb * self.m_sc * self.modulation.bits_per_symbol()
    }
    fn chain(&self) -> Result<CbChain> {
        if self.rv > 3 || self.n_symb == 0 || self.m_sc == 0 {
            return Err(Error::Unsupported {
                what: "UL-SCH parameters (rv ≤ 3, N_symb > 0, M_sc > 0)",
                value: format!("rv={} n_symb={} m_sc={}", self.rv, self.n_symb, self.m_sc),
            });
        }
        CbChain::new(
            self.tbs,
            self.g(),
            self.modulation.bits_per_symbol(),
            1,
            SoftBufferLimit::Unlimited,
        )
    }
}

/// Channel-interleaver read order (data only): output vector `j` (of `Q_m` bits) is input
/// vector `order[j]`. The `H'` vectors are written row by row into `C_mux = n_symb` columns
/// and read column by column.
fn interleaver_order(h: usize, c_mux: usize) -> Vec<usize> {
    let r = h / c_mux;
    let mut o = Vec::with_capacity(h);
    for col in 0..c_mux {
        for row in 0..r {
            o.push(row * c_mux + col);
        }
    }
    o
}

/// UL-SCH encoder.
#[derive(Debug, Default)]
pub struct Encoder {
    cache: Option<(Params, CbChain, Vec<usize>)>,
    f: Vec<u8>,
    scratch: EncodeScratch,
}

impl Encoder {
    /// A new encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Encode `tb` into the `G` scrambled PUSCH bits `out` (in SC-FDMA symbol order: the
    /// `Q_m`-bit groups of symbol 0's subcarriers first).
    ///
    /// # Errors
    /// As [`crate::transport::dlsch::Encoder::encode`]; [`Error::Unsupported`] for bad
    /// `n_symb`/`m_sc`.
    pub fn encode(&mut self, tb: &[u8], p: &Params, out: &mut Vec<u8>) -> Result<()> {
        if self.cache.as_ref().is_none_or(|(q, _, _)| q != p) {
            let qm = p.modulation.bits_per_symbol();
            let order = interleaver_order(p.g() / qm, p.n_symb);
            self.cache = Some((p.clone(), p.chain()?, order));
        }
        let (_, chain, order) = self.cache.as_ref().expect("set above");
        chain.encode(tb, p.rv, &mut self.f, &mut self.scratch, None)?;
        let qm = p.modulation.bits_per_symbol();
        out.clear();
        for &j in order {
            out.extend_from_slice(&self.f[j * qm..(j + 1) * qm]);
        }
        if let Some(c) = p.c_init {
            Gold::new(c).scramble_bits(out);
        }
        Ok(())
    }
}

/// UL-SCH decoder.
#[derive(Debug, Default)]
pub struct Decoder {
    cache: Option<(Params, CbChain, Vec<usize>)>,
    inner: CbDecoder,
    llr: Vec<f32>,
    f: Vec<f32>,
}

impl Decoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode from `G` PUSCH LLRs in transmission order, before descrambling (see the
    /// module docs). Early stop on CRC; optional HARQ combining.
    ///
    /// # Errors
    /// [`Error::Length`] if `llrs.len() != G`; [`Error::Unsupported`] for bad parameters.
    pub fn decode(
        &mut self,
        llrs: &[f32],
        p: &Params,
        iterations: usize,
        harq: Option<&mut TbSoftBuffer>,
    ) -> Result<TbDecoded> {
        if self.cache.as_ref().is_none_or(|(q, _, _)| q != p) {
            let qm = p.modulation.bits_per_symbol();
            let order = interleaver_order(p.g() / qm, p.n_symb);
            self.cache = Some((p.clone(), p.chain()?, order));
        }
        let (_, chain, order) = self.cache.as_ref().expect("set above");
        if llrs.len() != p.g() {
            return Err(Error::Length {
                what: "PUSCH LLRs (G)",
                expected: p.g(),
                got: llrs.len(),
            });
        }
        self.llr.clear();
        self.llr.extend_from_slice(llrs);
        if let Some(c) = p.c_init {
            Gold::new(c).descramble_llrs(&mut self.llr);
        }
        let qm = p.modulation.bits_per_symbol();
        self.f.clear();
        self.f.resize(self.llr.len(), 0.0);
        for (i, &j) in order.iter().enumerate() {
            self.f[j * qm..(j + 1) * qm].copy_from_slice(&self.llr[i * qm..(i + 1) * qm]);
        }
        self.inner.decode(chain, &self.f, p.rv, iterations, harq)
    }
}

/// Transform precoding of SC-FDMA (36.211 §5.3.3): per SC-FDMA symbol, an `M_sc`-point DFT
/// scaled by `1/√M_sc`; and its inverse for the receiver. Planned once per `M_sc`.
pub struct TransformPrecoder {
    m_sc: usize,
    fwd: Arc<dyn Fft<f32>>,
    inv: Arc<dyn Fft<f32>>,
    scratch: Vec<Complex32>,
}

impl std::fmt::Debug for TransformPrecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformPrecoder")
            .field("m_sc", &self.m_sc)
            .finish()
    }
}

impl TransformPrecoder {
    /// Plan for `m_sc = 12·N_PRB` subcarriers; `N_PRB` must be `2^a·3^b·5^c`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `m_sc` is not 12 times such a number.
    pub fn new(m_sc: usize) -> Result<Self> {
        let ok = m_sc > 0 && m_sc.is_multiple_of(12) && {
            let mut n = m_sc / 12;
            for f in [2, 3, 5] {
                while n.is_multiple_of(f) {
                    n /= f;
                }
            }
            n == 1
        };
        if !ok {
            return Err(Error::Unsupported {
                what: "M_sc^PUSCH (12 · 2^a·3^b·5^c)",
                value: m_sc.to_string(),
            });
        }
        let mut planner = FftPlanner::new();
        let fwd = planner.plan_fft_forward(m_sc);
        let inv = planner.plan_fft_inverse(m_sc);
        let n = fwd
            .get_inplace_scratch_len()
            .max(inv.get_inplace_scratch_len());
        Ok(TransformPrecoder {
            m_sc,
            fwd,
            inv,
            scratch: vec![Complex32::default(); n],
        })
    }

    fn check(&self, n: usize) -> Result<()> {
        if !n.is_multiple_of(self.m_sc) {
            return Err(Error::Length {
                what: "transform precoding input (a multiple of M_sc)",
                expected: n.div_ceil(self.m_sc) * self.m_sc,
                got: n,
            });
        }
        Ok(())
    }

    /// In place: each block of `M_sc` symbols `d` becomes `z(k) = 1/√M Σ d(i) e^{−j2πik/M}`.
    ///
    /// # Errors
    /// [`Error::Length`] if the length is not a multiple of `M_sc`.
    pub fn precode(&mut self, x: &mut [Complex32]) -> Result<()> {
        self.check(x.len())?;
        let s = 1.0 / (self.m_sc as f32).sqrt();
        self.fwd.process_with_scratch(x, &mut self.scratch);
        x.iter_mut().for_each(|v| *v *= s);
        Ok(())
    }

    /// In place: the inverse of [`precode`](Self::precode).
    ///
    /// # Errors
    /// [`Error::Length`] if the length is not a multiple of `M_sc`.
    pub fn deprecode(&mut self, x: &mut [Complex32]) -> Result<()> {
        self.check(x.len())?;
        let s = 1.0 / (self.m_sc as f32).sqrt();
        self.inv.process_with_scratch(x, &mut self.scratch);
        x.iter_mut().for_each(|v| *v *= s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaver_is_a_permutation_and_transform_roundtrips() {
        let o = interleaver_order(24, 12);
        assert_eq!(&o[..4], &[0, 12, 1, 13]);
        let mut s = o.clone();
        s.sort_unstable();
        assert_eq!(s, (0..24).collect::<Vec<_>>());
        let mut tp = TransformPrecoder::new(36).unwrap();
        assert!(TransformPrecoder::new(84).is_err());
        let orig: Vec<Complex32> = (0..72)
            .map(|i| Complex32::new((i as f32).sin(), (i as f32 * 0.3).cos()))
            .collect();
        let mut x = orig.clone();
        tp.precode(&mut x).unwrap();
        // Unitary: energy preserved.
        let e0: f32 = orig.iter().map(|v| v.norm_sqr()).sum();
        let e1: f32 = x.iter().map(|v| v.norm_sqr()).sum();
        assert!((e0 - e1).abs() < 1e-3 * e0);
        // DC bin of block 0 is the scaled sum.
        let sum: Complex32 = orig[..36].iter().sum();
        assert!((x[0] - sum / 6.0).norm() < 1e-4);
        tp.deprecode(&mut x).unwrap();
        for (a, b) in x.iter().zip(&orig) {
            assert!((a - b).norm() < 1e-5);
        }
        assert!(tp.precode(&mut x[..10]).is_err());
    }

    #[test]
    fn ulsch_roundtrip_with_interleaver_and_scrambling() {
        let p = Params {
            tbs: 1000,
            modulation: Modulation::Qam16,
            rv: 0,
            n_symb: 12,
            m_sc: 36,
            c_init: Some(pusch_c_init(0x1234, 6, 77)),
        };
        let tb: Vec<u8> = (0..125u8).map(|i| i.wrapping_mul(37)).collect();
        let mut bits = Vec::new();
        Encoder::new().encode(&tb, &p, &mut bits).unwrap();
        assert_eq!(bits.len(), p.g());
        let llr: Vec<f32> = bits.iter().map(|&b| 3.0 - 6.0 * f32::from(b)).collect();
        let out = Decoder::new().decode(&llr, &p, 4, None).unwrap();
        assert!(out.crc_ok);
        assert_eq!(out.tb, tb);
    }
}
