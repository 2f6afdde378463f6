//! Transport channels: the DL-SCH and UL-SCH processing chains and the 36.213 MCS/TBS
//! tables.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`bch`] | BCH: MIB, CRC16 + port mask, TBCC, conv rate matching | 36.212 §5.3.1 |
//! | [`tbs`] | I_MCS → (Q_m, I_TBS), (I_TBS, N_PRB) → TBS | 36.213 §7.1.7, §8.6 |
//! | [`dlsch`] | DL-SCH encode/decode: CRC24A, segmentation, turbo, rate matching, scrambling | 36.212 §5.3.2, 36.211 §6.3.1 |
//! | [`ulsch`] | UL-SCH data chain, PUSCH channel interleaver, transform precoding | 36.212 §5.2.2, 36.211 §5.3 |
//!
//! Code-block chain shared by both directions (36.212 §5.1): TB → CRC24A → segmentation
//! (filler, CRC24B) → turbo encoding → rate matching (rv, N_cb) → concatenation.

pub mod bch;
pub mod dlsch;
#[rustfmt::skip]
pub(crate) mod tables;
pub mod tbs;
pub mod ulsch;

use crate::fec::crc::{Crc, CrcKind};
use crate::fec::harq::{SoftBuffer, DEFAULT_SCALE};
use crate::fec::ratematch::{code_block_lengths, n_cb_downlink, TurboRateMatcher};
use crate::fec::segmentation::Segmentation;
use crate::fec::turbo::{self, fixed::FixedDecoder, Algorithm};
use crate::{Error, Result};

/// Soft-buffer size rule for the turbo circular buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoftBufferLimit {
    /// `N_cb = K_w` (uplink; downlink SI-RNTI, P-RNTI, RA-RNTI; no UE limit).
    #[default]
    Unlimited,
    /// Downlink UE soft buffer: `N_cb = min(⌊N_IR/C⌋, K_w)` (36.212 §5.1.4.1.2).
    Limited {
        /// Total soft channel bits of the UE category (36.306 Table 4.1-1).
        n_soft: usize,
        /// `K_C` (1, 2, 5 for categories/capabilities; 1 for most).
        k_c: usize,
        /// `K_MIMO` (2 for TM 3/4/8/9/10, else 1).
        k_mimo: usize,
        /// `M_DL_HARQ` (8 for FDD).
        m_dl_harq: usize,
    },
}

/// Bytes (MSB first) to bits.
pub fn bytes_to_bits(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * bytes.len());
    extend_bits(bytes, &mut out);
    out
}

/// Append the bits of `bytes` (MSB first), one 0/1 per byte, to `out`.
pub(crate) fn extend_bits(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(8 * bytes.len());
    for &b in bytes {
        out.extend_from_slice(&crate::fec::turbo::SPREAD_MSB[usize::from(b)].to_le_bytes());
    }
}

/// Bits (MSB first, length a multiple of 8) to bytes.
pub fn bits_to_bytes(bits: &[u8]) -> Vec<u8> {
    bits.chunks(8)
        .map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | (b & 1)))
        .collect()
}

/// A planned code-block chain for one transport-block size and channel-bit budget.
#[derive(Debug, Clone)]
pub(crate) struct CbChain {
    pub seg: Segmentation,
    /// Rate matcher per code block (blocks of the same size share the plan when filler = 0).
    pub rm: Vec<TurboRateMatcher>,
    /// `E_r` per code block.
    pub e: Vec<usize>,
    /// QPP permutations of the (at most two) block sizes, `(K, Π)`.
    pub perms: Vec<(usize, Vec<u32>)>,
    crc24a: Crc,
    crc24b: Crc,
}

impl CbChain {
    pub fn new(
        tbs: usize,
        g: usize,
        qm: usize,
        n_l: usize,
        limit: SoftBufferLimit,
    ) -> Result<Self> {
        if tbs == 0 || !tbs.is_multiple_of(8) {
            return Err(Error::Unsupported {
                what: "transport block size (bits, a positive multiple of 8)",
                value: tbs.to_string(),
            });
        }
        let seg = Segmentation::new(tbs + 24)?;
        let e = code_block_lengths(g, seg.c, qm, n_l)?;
        let mut rm = Vec::with_capacity(seg.c);
        for r in 0..seg.c {
            let k = seg.k(r);
            let k_w = 3 * crate::fec::subblock::Geometry::new(k + 4).k_pi;
            let n_cb = match limit {
                SoftBufferLimit::Unlimited => k_w,
                SoftBufferLimit::Limited {
                    n_soft,
                    k_c,
                    k_mimo,
                    m_dl_harq,
                } => n_cb_downlink(n_soft, k_c, k_mimo, m_dl_harq, seg.c, k_w)?,
            };
            rm.push(TurboRateMatcher::new(k, seg.filler_of(r), Some(n_cb))?);
        }
        let mut perms: Vec<(usize, Vec<u32>)> = Vec::new();
        for r in 0..seg.c {
            let k = seg.k(r);
            if !perms.iter().any(|(kk, _)| *kk == k) {
                perms.push((k, turbo::qpp_permutation(k)?));
            }
        }
        Ok(CbChain {
            seg,
            rm,
            e,
            perms,
            crc24a: Crc::new(CrcKind::Crc24A),
            crc24b: Crc::new(CrcKind::Crc24B),
        })
    }

    /// TB bytes → rate-matched, concatenated bits (G), with reusable buffers `s`; with
    /// `clock`, the time of each stage is added to it.
    ///
    /// Packed throughout: the CRCs run over bytes (slice-by-8), the turbo encoder reads
    /// each code block as bytes and writes its three streams as bit rows of the sub-block
    /// interleaver matrices, rate matching transposes those bit matrices and copies runs
    /// of the circular buffer into `out` (one bit per byte, the API's form).
    pub fn encode(
        &self,
        tb: &[u8],
        rv: usize,
        out: &mut Vec<u8>,
        s: &mut EncodeScratch,
        mut clock: Option<&mut EncodeStages>,
    ) -> Result<()> {
        let tbs = self.seg.b - 24;
        if tb.len() * 8 != tbs {
            return Err(Error::Length {
                what: "transport block bytes",
                expected: tbs / 8,
                got: tb.len(),
            });
        }
        let mut lap = Lap::start(clock.is_some());
        let crc = self.crc24a.checksum_bytes(tb);
        s.bytes.clear();
        s.bytes.extend_from_slice(tb);
        s.bytes.extend_from_slice(&crc.to_be_bytes()[1..]);
        lap.add(&mut clock, |c| &mut c.crc_s);
        let g: usize = self.e.iter().sum();
        out.resize(g, 0);
        let seg = &self.seg;
        let mut off = 0;
        for r in 0..seg.c {
            // Segmentation (36.212 §5.1.2). TBS is a multiple of 8, hence so are B, every
            // K, L and F: each block is whole bytes — filler bytes (zero), the payload
            // bytes, and the CRC24B taken over the payload bytes (leading filler zeros
            // leave a zero-initialised CRC at zero).
            let (start, n) = seg.payload_range(r);
            let payload = &s.bytes[start / 8..(start + n) / 8];
            s.blk.clear();
            s.blk.resize(seg.filler_of(r) / 8, 0);
            s.blk.extend_from_slice(payload);
            if seg.l > 0 {
                let c = self.crc24b.checksum_bytes(payload);
                s.blk.extend_from_slice(&c.to_be_bytes()[1..]);
            }
            lap.add(&mut clock, |c| &mut c.crc_s);
            let k = 8 * s.blk.len();
            let rm = &self.rm[r];
            let perm = &self
                .perms
                .iter()
                .find(|(kk, _)| *kk == k)
                .expect("planned for every block size")
                .1;
            let words = rm.packed_stream_words();
            s.y.resize(3 * words, 0);
            let (y0, rest) = s.y.split_at_mut(words);
            let (y1, y2) = rest.split_at_mut(words);
            turbo::encode_packed(&s.blk, perm, rm.n_null(), &mut s.cu, [y0, y1, y2])?;
            lap.add(&mut clock, |c| &mut c.turbo_s);
            let (y0, rest) = s.y.split_at(words);
            let (y1, y2) = rest.split_at(words);
            let e = &mut out[off..off + self.e[r]];
            rm.rate_match_packed([y0, y1, y2], rv, e, &mut s.w)?;
            off += self.e[r];
            lap.add(&mut clock, |c| &mut c.rate_match_s);
        }
        Ok(())
    }
}

/// Time spent per stage of a transport-block encode, seconds (accumulated over calls), for
/// profiling (`lastmile bench dlsch`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EncodeStages {
    /// TB CRC24A and code-block CRC24B (with segmentation).
    pub crc_s: f64,
    /// Turbo encoding.
    pub turbo_s: f64,
    /// Sub-block interleaving, bit collection and selection.
    pub rate_match_s: f64,
    /// Scrambling (and, for the UL-SCH, the channel interleaver).
    pub scramble_s: f64,
}

/// Stage stopwatch: a no-op unless enabled.
pub(crate) struct Lap(Option<std::time::Instant>);

impl Lap {
    pub(crate) fn start(on: bool) -> Self {
        Lap(on.then(std::time::Instant::now))
    }
    /// Add the time since the last lap to the field `f` picks of `clock`.
    pub(crate) fn add(
        &mut self,
        clock: &mut Option<&mut EncodeStages>,
        f: impl FnOnce(&mut EncodeStages) -> &mut f64,
    ) {
        if let (Some(t), Some(c)) = (self.0.as_mut(), clock.as_deref_mut()) {
            let now = std::time::Instant::now();
            *f(c) += (now - *t).as_secs_f64();
            *t = now;
        }
    }
}

/// Reusable buffers of [`CbChain::encode`] (no allocation per call once warm).
#[derive(Debug, Clone, Default)]
pub(crate) struct EncodeScratch {
    /// TB bytes followed by the CRC24A.
    bytes: Vec<u8>,
    /// One code block, packed.
    blk: Vec<u8>,
    /// The code block one bit per byte (turbo interleaver gathers).
    cu: Vec<u8>,
    /// The three interleaver matrices as bit rows.
    y: Vec<u32>,
    /// The circular buffer, one bit per byte.
    w: Vec<u8>,
}

/// Per-TB HARQ soft buffers (one per code block), for [`dlsch::Decoder`] and
/// [`ulsch::Decoder`].
#[derive(Debug, Clone, Default)]
pub struct TbSoftBuffer {
    blocks: Vec<SoftBuffer>,
}

impl TbSoftBuffer {
    /// An empty buffer; sized on first use.
    pub fn new() -> Self {
        Self::default()
    }
    /// Drop all soft bits (new transport block).
    pub fn reset(&mut self) {
        self.blocks.clear();
    }
    /// Transmissions combined so far (0 when empty).
    pub fn transmissions(&self) -> usize {
        self.blocks.first().map_or(0, SoftBuffer::transmissions)
    }
}

/// Result of decoding one transport block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TbDecoded {
    /// Transport block bytes (TBS/8), valid only if `crc_ok`.
    pub tb: Vec<u8>,
    /// Whether the TB CRC24A checks.
    pub crc_ok: bool,
    /// Per code block: whether its CRC24B (or, for C = 1, the TB CRC) checks.
    pub cb_crc_ok: Vec<bool>,
    /// Largest number of full turbo iterations any code block needed.
    pub iterations: usize,
}

/// Decoder state shared by DL-SCH and UL-SCH: planned chains and turbo decoders by size.
#[derive(Debug, Default)]
pub(crate) struct CbDecoder {
    decoders: Vec<FixedDecoder>,
    d_llr: Vec<f32>,
    /// Circular-buffer scratch of the dematcher.
    w: Vec<f32>,
}

impl CbDecoder {
    fn decoder(&mut self, k: usize) -> Result<&mut FixedDecoder> {
        if let Some(i) = self.decoders.iter().position(|d| d.k() == k) {
            return Ok(&mut self.decoders[i]);
        }
        self.decoders.push(FixedDecoder::new(k)?);
        Ok(self.decoders.last_mut().expect("just pushed"))
    }

    /// Decode concatenated, descrambled LLRs `f` (G values) of redundancy version `rv`.
    pub fn decode(
        &mut self,
        chain: &CbChain,
        f: &[f32],
        rv: usize,
        iterations: usize,
        harq: Option<&mut TbSoftBuffer>,
    ) -> Result<TbDecoded> {
        let g: usize = chain.e.iter().sum();
        if f.len() != g {
            return Err(Error::Length {
                what: "transport channel LLRs (G)",
                expected: g,
                got: f.len(),
            });
        }
        if rv > 3 {
            return Err(Error::Unsupported {
                what: "redundancy version",
                value: rv.to_string(),
            });
        }
        let seg = chain.seg;
        let crc24a = Crc::new(CrcKind::Crc24A);
        let crc24b = Crc::new(CrcKind::Crc24B);
        let mut harq = harq;
        if let Some(h) = harq.as_deref_mut() {
            if h.blocks.len() != seg.c
                || h.blocks
                    .iter()
                    .zip(&chain.rm)
                    .any(|(b, r)| b.as_i16().len() != 3 * r.d())
            {
                h.blocks = chain
                    .rm
                    .iter()
                    .map(|r| SoftBuffer::new(3 * r.d(), DEFAULT_SCALE))
                    .collect::<Result<_>>()?;
            }
        }
        let mut blocks = Vec::with_capacity(seg.c);
        let mut cb_ok = Vec::with_capacity(seg.c);
        let mut max_it = 0;
        let mut off = 0;
        for r in 0..seg.c {
            let rm = &chain.rm[r];
            let e = &f[off..off + chain.e[r]];
            off += chain.e[r];
            let mut d_llr = std::mem::take(&mut self.d_llr);
            d_llr.resize(3 * rm.d(), 0.0);
            match harq.as_deref_mut() {
                Some(h) => {
                    h.blocks[r].combine(rm, e, rv)?;
                    h.blocks[r].llrs(&mut d_llr)?;
                }
                None => rm.dematch(e, rv, &mut d_llr, &mut self.w)?,
            }
            let k = seg.k(r);
            let mut bits = vec![0u8; k];
            let single = seg.c == 1;
            let mut check = |b: &[u8]| {
                if single {
                    crc24a.check_bits(&b[seg.filler..])
                } else {
                    crc24b.check_bits(b)
                }
            };
            let out = self.decoder(k)?.decode(
                &d_llr,
                seg.filler_of(r),
                iterations,
                Algorithm::MaxLogScaled,
                &mut bits,
                Some(&mut check),
            )?;
            self.d_llr = d_llr;
            max_it = max_it.max(out.iterations);
            cb_ok.push(out.stopped_early);
            blocks.push(bits);
        }
        let mut b_bits = Vec::with_capacity(seg.b);
        seg.desegment(&blocks, &crc24b, &mut b_bits)?;
        let crc_ok = crc24a.check_bits(&b_bits);
        b_bits.truncate(seg.b - 24);
        Ok(TbDecoded {
            tb: bits_to_bytes(&b_bits),
            crc_ok,
            cb_crc_ok: cb_ok,
            iterations: max_it,
        })
    }
}

#[cfg(test)]
mod chain_tests {
    use super::*;

    /// The byte-wise chain against segment → turbo encode → rate match done step by step,
    /// for transport blocks with several code blocks and filler bits.
    #[test]
    fn encode_matches_stepwise_reference() {
        let mut checked = 0;
        for tbs in (6_160..40_000).step_by(8 * 97) {
            let seg = Segmentation::new(tbs + 24).unwrap();
            if seg.c < 2 {
                continue;
            }
            let g = 2 * 3 * (tbs / 2 + 30);
            let chain = CbChain::new(tbs, g, 2, 1, SoftBufferLimit::Unlimited).unwrap();
            let tb: Vec<u8> = (0..tbs / 8).map(|i| (i * 29 + tbs) as u8).collect();
            let mut got = Vec::new();
            chain
                .encode(&tb, 2, &mut got, &mut EncodeScratch::default(), None)
                .unwrap();
            let mut bits = bytes_to_bits(&tb);
            Crc::new(CrcKind::Crc24A).attach_bits(&mut bits);
            let mut blocks = Vec::new();
            seg.segment(&bits, &Crc::new(CrcKind::Crc24B), &mut blocks)
                .unwrap();
            let mut want = Vec::new();
            for (r, blk) in blocks.iter().enumerate() {
                let mut d = vec![0u8; 3 * (blk.len() + 4)];
                turbo::encode(blk, &mut d).unwrap();
                let mut e = vec![0u8; chain.e[r]];
                chain.rm[r].rate_match(&d, 2, &mut e).unwrap();
                want.extend_from_slice(&e);
            }
            assert_eq!(got, want, "TBS {tbs}");
            checked += usize::from(seg.filler > 0);
        }
        assert!(checked > 0, "no TBS with filler bits was exercised");
    }
}
