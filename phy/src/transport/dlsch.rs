//! DL-SCH: transport block ⇄ scrambled PDSCH bits (before modulation) and LLRs.
//!
//! Encode: TB → CRC24A → segmentation → turbo → rate matching (rv, N_cb) → concatenation →
//! PDSCH scrambling (36.211 §6.3.1). Decode mirrors it from PDSCH LLRs.
//!
//! **LLR convention for [`Decoder::decode`]:** the input is the demapped PDSCH LLRs *before
//! descrambling* (LLR = ln P(b=0)/P(b=1) of the scrambled bit `b`, one per coded bit, G in
//! all, in transmission order), and `Params::c_init` gives the scrambling sequence; pass
//! `c_init: None` when the LLRs are already descrambled (then the encoder, too, outputs
//! unscrambled bits).
//!
//! Example (the SI message of the Amarisoft capture, PCI 1, subframe 2):
//! ```
//! use lastmile_phy::transport::dlsch::{self, Params};
//! use lastmile_phy::modulation::Modulation;
//! let p = Params {
//!     tbs: 256, modulation: Modulation::Qpsk, rv: 3, g: 1368, n_l: 1,
//!     soft_buffer: Default::default(), // SI-RNTI: N_cb = K_w
//!     c_init: Some(dlsch::pdsch_c_init(0xFFFF, 0, 4, 1)),
//! };
//! let tb = [0x5au8; 32];
//! let mut b = Vec::new();
//! dlsch::Encoder::new().encode(&tb, &p, &mut b).unwrap();
//! let llr: Vec<f32> = b.iter().map(|&x| if x == 0 { 4.0 } else { -4.0 }).collect();
//! let out = dlsch::Decoder::new().decode(&llr, &p, 8, None).unwrap();
//! assert!(out.crc_ok);
//! assert_eq!(out.tb, tb);
//! ```
//!
//! # References
//! 3GPP TS 36.212 §5.3.2, §5.1; TS 36.211 §6.3.1.

use super::{
    CbChain, CbDecoder, EncodeScratch, EncodeStages, Lap, SoftBufferLimit, TbDecoded, TbSoftBuffer,
};
use crate::modulation::Modulation;
use crate::sequence::Gold;
use crate::{Error, Result};

/// PDSCH scrambling initialisation
/// `c_init = n_RNTI·2¹⁴ + q·2¹³ + ⌊n_s/2⌋·2⁹ + N_ID^cell` (36.211 §6.3.1).
///
/// `q` is the codeword (0 or 1), `ns` the slot number (0..=19).
pub fn pdsch_c_init(rnti: u16, q: u8, ns: u8, cell_id: u16) -> u32 {
    (u32::from(rnti) << 14)
        + (u32::from(q & 1) << 13)
        + (u32::from(ns / 2) << 9)
        + u32::from(cell_id)
}

/// Parameters of one DL-SCH transport block transmission.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Transport block size in bits (36.213 Table 7.1.7.2.1-1; a multiple of 8).
    pub tbs: usize,
    /// PDSCH modulation (`Q_m` enters the code-block lengths `E_r`).
    pub modulation: Modulation,
    /// Redundancy version 0..=3.
    pub rv: usize,
    /// Coded bits `G` available for the TB (PDSCH REs × Q_m × N_L for this codeword).
    pub g: usize,
    /// `N_L`: layers of the codeword (2 for transmit diversity).
    pub n_l: usize,
    /// Soft-buffer rule (`Unlimited` = `N_cb = K_w`, right for SI/P/RA-RNTI).
    pub soft_buffer: SoftBufferLimit,
    /// PDSCH scrambling `c_init` ([`pdsch_c_init`]), or `None` for no scrambling.
    pub c_init: Option<u32>,
}

impl Params {
    fn chain(&self) -> Result<CbChain> {
        if self.rv > 3 {
            return Err(Error::Unsupported {
                what: "redundancy version",
                value: self.rv.to_string(),
            });
        }
        CbChain::new(
            self.tbs,
            self.g,
            self.modulation.bits_per_symbol(),
            self.n_l,
            self.soft_buffer,
        )
    }
}

/// DL-SCH encoder (plans are cached by parameters).
#[derive(Debug, Default)]
pub struct Encoder {
    cache: Option<(Params, CbChain)>,
    scratch: EncodeScratch,
}

impl Encoder {
    /// A new encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Encode `tb` (TBS/8 bytes, MSB first) into the `G` (scrambled) PDSCH bits `out`.
    ///
    /// # Errors
    /// [`Error::Length`] if `tb` is not TBS/8 bytes; [`Error::Unsupported`] for rv > 3,
    /// a TBS that is not a positive multiple of 8, or a `G` not divisible by `N_L·Q_m`.
    pub fn encode(&mut self, tb: &[u8], p: &Params, out: &mut Vec<u8>) -> Result<()> {
        self.encode_inner(tb, p, out, None)
    }

    /// [`encode`](Self::encode), adding the time of each stage to `stages` (profiling).
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn encode_profiled(
        &mut self,
        tb: &[u8],
        p: &Params,
        out: &mut Vec<u8>,
        stages: &mut EncodeStages,
    ) -> Result<()> {
        self.encode_inner(tb, p, out, Some(stages))
    }

    fn encode_inner(
        &mut self,
        tb: &[u8],
        p: &Params,
        out: &mut Vec<u8>,
        mut clock: Option<&mut EncodeStages>,
    ) -> Result<()> {
        if self.cache.as_ref().is_none_or(|(q, _)| q != p) {
            self.cache = Some((p.clone(), p.chain()?));
        }
        let (_, chain) = self.cache.as_ref().expect("set above");
        chain.encode(tb, p.rv, out, &mut self.scratch, clock.as_deref_mut())?;
        let mut lap = Lap::start(clock.is_some());
        if let Some(c) = p.c_init {
            Gold::new(c).scramble_bits(out);
        }
        lap.add(&mut clock, |c| &mut c.scramble_s);
        Ok(())
    }
}

/// DL-SCH decoder (turbo decoders and plans cached).
#[derive(Debug, Default)]
pub struct Decoder {
    cache: Option<(Params, CbChain)>,
    inner: CbDecoder,
    llr: Vec<f32>,
}

impl Decoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode one transmission from its `G` PDSCH LLRs (see the module docs for the
    /// scrambling convention), with at most `iterations` full turbo iterations per code
    /// block (early stop on CRC24B / CRC24A). With `harq`, the LLRs are combined into that
    /// soft buffer first (call [`TbSoftBuffer::reset`] for new data).
    ///
    /// # Errors
    /// [`Error::Length`] if `llrs.len() != G`; [`Error::Unsupported`] as for
    /// [`Encoder::encode`] or for `iterations == 0`. A failed CRC is not an error
    /// (`crc_ok == false`).
    pub fn decode(
        &mut self,
        llrs: &[f32],
        p: &Params,
        iterations: usize,
        harq: Option<&mut TbSoftBuffer>,
    ) -> Result<TbDecoded> {
        if self.cache.as_ref().is_none_or(|(q, _)| q != p) {
            self.cache = Some((p.clone(), p.chain()?));
        }
        let (_, chain) = self.cache.as_ref().expect("set above");
        self.llr.clear();
        self.llr.extend_from_slice(llrs);
        if let Some(c) = p.c_init {
            Gold::new(c).descramble_llrs(&mut self.llr);
        }
        self.inner.decode(chain, &self.llr, p.rv, iterations, harq)
    }
}
