//! The LTE turbo code: QPP interleaver, PCCC encoder with trellis termination, and
//! max-log-MAP / log-MAP decoders.
//!
//! Two decoders with the same interface:
//! - [`scalar::ScalarDecoder`]: f32, full-length forward/backward recursions, max-log-MAP
//!   (optionally with extrinsic scaling) or exact log-MAP. The test oracle.
//! - [`fixed::FixedDecoder`]: i16 (default) or i8 ([`fixed::Precision`]) saturating
//!   arithmetic, 32 (i16) or 64 (i8) trellis windows decoded in parallel (one per SIMD
//!   lane), window boundaries initialised from the previous iteration (next-iteration
//!   initialisation). AVX-512, AVX2, SSE4.1 or portable code, chosen at run time; all
//!   levels with the same lane count give bit-identical results.
//!
//! Stream layout used throughout: `d0 | d1 | d2`, each `D = K + 4` long (36.212 §5.1.3.2.2),
//! bits as `u8` 0/1, LLRs `f32` with LLR = ln P(0)/P(1).
//!
//! # References
//! 3GPP TS 36.212 §5.1.3.2 (encoder, Table 5.1.3-3); C. Berrou et al., "Near Shannon limit
//! error-correcting coding and decoding: turbo-codes", ICC 1993; P. Robertson et al., "A
//! comparison of optimal and sub-optimal MAP decoding algorithms operating in the log
//! domain", ICC 1995; J. Vogt and A. Finger, "Improving the max-log-MAP turbo decoder",
//! Electronics Letters 36(23), 2000 (extrinsic scaling).

pub mod fixed;
#[rustfmt::skip]
mod qpp_table;
pub mod scalar;

use crate::{Error, Result};

/// Number of turbo block sizes in 36.212 Table 5.1.3-3.
pub const NUM_BLOCK_SIZES: usize = 188;
/// Smallest and largest turbo block size.
pub const K_MIN: usize = 40;
/// Largest turbo block size `Z`.
pub const K_MAX: usize = 6144;

/// The QPP parameters `(f1, f2)` of block size `k`, or `None` if `k` is not in
/// 36.212 Table 5.1.3-3.
pub fn qpp_params(k: usize) -> Option<(usize, usize)> {
    let k16 = u16::try_from(k).ok()?;
    qpp_table::QPP
        .binary_search_by_key(&k16, |r| r.0)
        .ok()
        .map(|i| (qpp_table::QPP[i].1 as usize, qpp_table::QPP[i].2 as usize))
}

/// All turbo block sizes `K` in increasing order.
pub fn block_sizes() -> impl Iterator<Item = usize> {
    qpp_table::QPP.iter().map(|r| r.0 as usize)
}

/// The QPP permutation `Π(i) = (f1·i + f2·i²) mod K`, `i = 0..K`: the interleaved sequence
/// is `c'_i = c_{Π(i)}`.
///
/// # Errors
/// [`Error::Unsupported`] if `k` is not a turbo block size.
///
/// # References
/// 36.212 §5.1.3.2.3.
pub fn qpp_permutation(k: usize) -> Result<Vec<u32>> {
    let (f1, f2) = qpp_params(k).ok_or_else(|| Error::Unsupported {
        what: "turbo block size K",
        value: k.to_string(),
    })?;
    // Recurrence without overflow or division: Π(i+1) = Π(i) + g(i), g(i+1) = g(i) + 2·f2,
    // all mod K, with every operand already reduced (so one conditional subtraction each).
    let mut out = Vec::with_capacity(k);
    let step = (2 * f2) % k;
    let (mut p, mut g) = (0usize, (f1 + f2) % k);
    for _ in 0..k {
        out.push(p as u32);
        p += g;
        if p >= k {
            p -= k;
        }
        g += step;
        if g >= k {
            g -= k;
        }
    }
    Ok(out)
}

/// One step of the constituent encoder (8-state RSC, g0 = 13, g1 = 15 octal).
///
/// State `s = 4·s1 + 2·s2 + s3` (s1 the most recent register). Returns `(parity, next)`.
#[inline]
pub(crate) const fn rsc_step(s: u8, u: u8) -> (u8, u8) {
    let (s1, s2, s3) = ((s >> 2) & 1, (s >> 1) & 1, s & 1);
    let a = u ^ s2 ^ s3;
    let z = a ^ s1 ^ s3;
    (z, (a << 2) | (s >> 1))
}

/// Tail input that drives the register towards zero from state `s` (the feedback bit).
#[inline]
pub(crate) const fn tail_input(s: u8) -> u8 {
    ((s >> 1) ^ s) & 1
}

/// Encode one code block: `c` (K bits, filler bits given as 0) into `d = d0|d1|d2`
/// (3·(K+4) bits) including the 12 tail bits mapped as in 36.212 §5.1.3.2.2.
///
/// # Errors
/// [`Error::Unsupported`] if `c.len()` is not a turbo block size; [`Error::Length`] if
/// `d.len() != 3·(K+4)`.
///
/// # References
/// 36.212 §5.1.3.2.
pub fn encode(c: &[u8], d: &mut [u8]) -> Result<()> {
    let k = c.len();
    let perm = qpp_permutation(k)?;
    encode_with(c, &perm, d)
}

/// [`encode`] with a precomputed [`qpp_permutation`] (no allocation).
///
/// # Errors
/// As [`encode`]; also [`Error::Length`] if `perm.len() != c.len()`.
pub fn encode_with(c: &[u8], perm: &[u32], d: &mut [u8]) -> Result<()> {
    let k = c.len();
    if qpp_params(k).is_none() {
        return Err(Error::Unsupported {
            what: "turbo block size K",
            value: k.to_string(),
        });
    }
    if perm.len() != k {
        return Err(Error::Length {
            what: "turbo encode: QPP permutation",
            expected: k,
            got: perm.len(),
        });
    }
    let dl = k + 4;
    if d.len() != 3 * dl {
        return Err(Error::Length {
            what: "turbo encode: d0|d1|d2",
            expected: 3 * dl,
            got: d.len(),
        });
    }
    let (d0, rest) = d.split_at_mut(dl);
    let (d1, d2) = rest.split_at_mut(dl);
    // Eight trellis steps per table lookup (every K is a multiple of 8): pack eight input
    // bits, look up parity byte and next state, spread the parity byte back to 0/1 bytes.
    let (mut s1, mut s2) = (0u8, 0u8);
    for (j, (((cb, o0), o1), o2)) in c
        .chunks_exact(8)
        .zip(d0.chunks_exact_mut(8))
        .zip(d1.chunks_exact_mut(8))
        .zip(d2.chunks_exact_mut(8))
        .enumerate()
    {
        let u = u64::from_le_bytes(cb.try_into().expect("8 bytes")) & BYTE_LSBS;
        o0.copy_from_slice(&u.to_le_bytes());
        let p = &perm[8 * j..8 * j + 8];
        let v = u64::from_le_bytes(std::array::from_fn(|t| c[p[t] as usize])) & BYTE_LSBS;
        let e1 = RSC8[usize::from(s1) << 8 | usize::from(pack8_msb_first(u))];
        let e2 = RSC8[usize::from(s2) << 8 | usize::from(pack8_msb_first(v))];
        s1 = (e1 & 7) as u8;
        s2 = (e2 & 7) as u8;
        o1.copy_from_slice(&SPREAD_MSB[usize::from(e1 >> 3)].to_le_bytes());
        o2.copy_from_slice(&SPREAD_MSB[usize::from(e2 >> 3)].to_le_bytes());
    }
    let t1 = tail_bits(&mut s1);
    let t2 = tail_bits(&mut s2);
    // t = [x_K, z_K, x_K+1, z_K+1, x_K+2, z_K+2]
    d0[k] = t1[0];
    d1[k] = t1[1];
    d2[k] = t1[2];
    d0[k + 1] = t1[3];
    d1[k + 1] = t1[4];
    d2[k + 1] = t1[5];
    d0[k + 2] = t2[0];
    d1[k + 2] = t2[1];
    d2[k + 2] = t2[2];
    d0[k + 3] = t2[3];
    d1[k + 3] = t2[4];
    d2[k + 3] = t2[5];
    Ok(())
}

/// Encode one code block given as packed bytes into packed bit streams, the input form of
/// the fast rate matcher ([`crate::fec::ratematch::TurboRateMatcher::rate_match_packed`]).
///
/// `c` holds the `K` information bits MSB first (`K/8` bytes; every turbo `K` is a multiple
/// of 8), filler bits as 0; `perm` is [`qpp_permutation`]`(K)`; `scratch` is reused (grown to
/// `K` bytes). Stream `s` (`d_s`, `K + 4` bits with the tail of 36.212 §5.1.3.2.2) is
/// written MSB first into `y[s]` starting at bit `lead` (`0..32`); the `lead` bits before it
/// and every bit after it are zeroed. With `lead = N_D` (the sub-block interleaver's `<NULL>`
/// count) `y[s]` are the rows of the interleaver matrix, one `u32` per row, column 0 in the
/// MSB. Each `y[s]` must hold at least `⌈(lead + K + 4)/32⌉` words.
///
/// Bit-identical to [`encode_with`] (tested on all 188 sizes).
///
/// `perm` must be [`qpp_permutation`]`(K)` (not re-checked per call: entries `≥ K` are
/// clamped, giving wrong bits but never a panic or an out-of-bounds access).
///
/// # Errors
/// [`Error::Unsupported`] if `8·c.len()` is not a turbo block size or `lead ≥ 32`;
/// [`Error::Length`] if `perm` or a `y[s]` has the wrong length.
///
/// # References
/// 36.212 §5.1.3.2.
pub fn encode_packed(
    c: &[u8],
    perm: &[u32],
    lead: usize,
    scratch: &mut Vec<u8>,
    y: [&mut [u32]; 3],
) -> Result<()> {
    let k = 8 * c.len();
    if qpp_params(k).is_none() || lead >= 32 {
        return Err(Error::Unsupported {
            what: "packed turbo encode: K (a turbo block size) and lead (< 32)",
            value: format!("K={k} lead={lead}"),
        });
    }
    if perm.len() != k {
        return Err(Error::Length {
            what: "turbo encode: QPP permutation",
            expected: k,
            got: perm.len(),
        });
    }
    let words = (lead + k + 4).div_ceil(32);
    for ys in &y {
        if ys.len() < words {
            return Err(Error::Length {
                what: "packed turbo encode: stream words",
                expected: words,
                got: ys.len(),
            });
        }
    }
    // The information bits one per byte (plus 4 bytes of padding for 32-bit gathers), for
    // the interleaver's gathers.
    let kb = c.len();
    const PAD: usize = 16;
    scratch.clear();
    scratch.resize(k + 4 + kb + 3 * (kb + 5 + PAD), 0);
    let (cu, rest) = scratch.split_at_mut(k + 4);
    for (o, &b) in cu.chunks_exact_mut(8).zip(c) {
        o.copy_from_slice(&SPREAD_MSB[usize::from(b)].to_le_bytes());
    }
    // The interleaved input bytes, then three byte streams, each with four leading zero
    // bytes (for the lead shift), the tail nibble and padding: s0 = c, s1 = parity 1,
    // s2 = parity 2.
    let (ci, rest) = rest.split_at_mut(kb);
    let (s0, rest) = rest.split_at_mut(kb + 5 + PAD);
    let (s1, s2) = rest.split_at_mut(kb + 5 + PAD);
    s0[4..4 + kb].copy_from_slice(c);
    interleave_bytes(cu, perm, ci);
    // The constituent code is linear over GF(2): eight steps from state s with input byte u
    // give next = A(s) ⊕ N(u) and parity = P(s) ⊕ Q(u). Only the state recursion is
    // serial, and its step is a 3-bit map read from a register constant; the parity bytes
    // are then independent lookups. s1/s2 first receive the state before each byte.
    let (mut st1, mut st2) = (0u8, 0u8);
    for ((&u, &v), (p1, p2)) in c
        .iter()
        .zip(ci.iter())
        .zip(s1[4..4 + kb].iter_mut().zip(s2[4..4 + kb].iter_mut()))
    {
        *p1 = st1;
        *p2 = st2;
        st1 = zero_input_next(st1) ^ ZS_NEXT[usize::from(u)];
        st2 = zero_input_next(st2) ^ ZS_NEXT[usize::from(v)];
    }
    for ((&u, &v), (p1, p2)) in c
        .iter()
        .zip(ci.iter())
        .zip(s1[4..4 + kb].iter_mut().zip(s2[4..4 + kb].iter_mut()))
    {
        *p1 = ZI_PAR[usize::from(*p1 & 7)] ^ ZS_PAR[usize::from(u)];
        *p2 = ZI_PAR[usize::from(*p2 & 7)] ^ ZS_PAR[usize::from(v)];
    }
    // Tails, [x_K, z_K, x_K+1, z_K+1, x_K+2, z_K+2] per encoder, mapped as in `encode_with`.
    let t1 = tail_bits(&mut st1);
    let t2 = tail_bits(&mut st2);
    let nib = |a: u8, b: u8, c: u8, d: u8| a << 7 | b << 6 | c << 5 | d << 4;
    s0[4 + kb] = nib(t1[0], t1[3], t2[0], t2[3]);
    s1[4 + kb] = nib(t1[1], t1[4], t2[1], t2[4]);
    s2[4 + kb] = nib(t1[2], t1[5], t2[2], t2[5]);
    let [y0, y1, y2] = y;
    let nbits = k + 4;
    shift_into_words(s0, lead, nbits, y0);
    shift_into_words(s1, lead, nbits, y1);
    shift_into_words(s2, lead, nbits, y2);
    Ok(())
}

/// `out` = `lead` zero bits, then the `nbits` bits of `src[4..]` (MSB first), then zeros.
/// `src` has four leading zero bytes and at least eight bytes after the data.
fn shift_into_words(src: &[u8], lead: usize, nbits: usize, out: &mut [u32]) {
    let words = (lead + nbits).div_ceil(32);
    // Output bit q is source bit q − lead, i.e. bit q − lead + 32 of `src`.
    for (i, o) in out[..words].iter_mut().enumerate() {
        let pos = 32 * i + 32 - lead;
        let (byte, sh) = (pos / 8, pos % 8);
        let x = u64::from_be_bytes(src[byte..byte + 8].try_into().expect("8 bytes"));
        *o = ((x << sh) >> 32) as u32;
    }
    // Clear the bits past the data in the last word, and every later word.
    let end = lead + nbits;
    if !end.is_multiple_of(32) {
        out[words - 1] &= !0u32 << (32 - end % 32);
    }
    out[words..].fill(0);
}

/// `out[j]` = the bits `cu[perm[8j..8j+8]]` packed MSB first (`cu`: one 0/1 bit per byte,
/// `K + 4` bytes, the last 4 padding; `perm.len() = K`). Entries `≥ K` are clamped to
/// `K − 1` (never out of bounds, whatever `perm` holds).
fn interleave_bytes(cu: &[u8], perm: &[u32], out: &mut [u8]) {
    assert!(cu.len() >= perm.len() + 4 && out.len() * 8 == perm.len() && !perm.is_empty());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected just above; the length and index contracts are those
        // of `interleave_bytes_avx2`, which its caller `encode_packed` establishes.
        unsafe { interleave_bytes_avx2(cu, perm, out) };
        return;
    }
    interleave_bytes_portable(cu, perm, out);
}

/// Portable body of [`interleave_bytes`] (the oracle of the SIMD one).
fn interleave_bytes_portable(cu: &[u8], perm: &[u32], out: &mut [u8]) {
    let last = perm.len() - 1;
    for (o, p) in out.iter_mut().zip(perm.chunks_exact(8)) {
        let v = u64::from_le_bytes(std::array::from_fn(|t| cu[(p[t] as usize).min(last)]));
        *o = pack8_msb_first(v & BYTE_LSBS);
    }
}

/// AVX2 body of [`interleave_bytes`]: eight 32-bit gathers per output byte (the low byte of
/// each gathered word is the wanted bit), the indices reversed so that `movemask` yields
/// the byte MSB first.
///
/// # Safety
/// The CPU must support AVX2; `cu.len() ≥ perm.len() + 4 > 4` (indices are clamped to
/// `perm.len() − 1` and every gather reads four bytes from there), `out.len() · 8 ≤
/// perm.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn interleave_bytes_avx2(cu: &[u8], perm: &[u32], out: &mut [u8]) {
    use std::arch::x86_64::*;
    let rev = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    let last = _mm256_set1_epi32((perm.len() - 1) as i32);
    let base = cu.as_ptr().cast::<i32>();
    for (o, p) in out.iter_mut().zip(perm.chunks_exact(8)) {
        // SAFETY: `p` is 8 u32s (32 bytes, unaligned load allowed); after the unsigned
        // clamp each gather reads cu[i..i + 4] with i ≤ K − 1, in bounds as cu has K + 4
        // bytes (contract).
        let idx = unsafe { _mm256_loadu_si256(p.as_ptr().cast()) };
        let idx = _mm256_min_epu32(idx, last);
        let idx = _mm256_permutevar8x32_epi32(idx, rev);
        let v = unsafe { _mm256_i32gather_epi32::<1>(base, idx) };
        let m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<31>(v)));
        *o = m as u8;
    }
}

/// The three tail steps from state `s`: `[x_K, z_K, x_K+1, z_K+1, x_K+2, z_K+2]`.
fn tail_bits(s: &mut u8) -> [u8; 6] {
    let mut xz = [0u8; 6];
    for j in 0..3 {
        let x = tail_input(*s);
        let (z, n) = rsc_step(*s, x);
        *s = n;
        xz[2 * j] = x;
        xz[2 * j + 1] = z;
    }
    xz
}

/// The low bit of every byte of a `u64`.
const BYTE_LSBS: u64 = 0x0101_0101_0101_0101;

/// Pack eight 0/1 bytes (little-endian `u64`, byte 0 first in time) into one byte with the
/// first bit as its MSB. The multiply moves byte `i`'s bit to bit `63 − i` without carries.
#[inline(always)]
fn pack8_msb_first(x: u64) -> u8 {
    (x.wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8
}

/// Eight steps of the constituent encoder: `RSC8[s << 8 | u]` for state `s` and eight input
/// bits `u` (first bit in the MSB) is `parity << 3 | next_state`, parity first bit in the MSB.
static RSC8: [u16; 8 * 256] = {
    let mut t = [0u16; 8 * 256];
    let mut i = 0;
    while i < 8 * 256 {
        let mut s = (i >> 8) as u8;
        let mut par = 0u16;
        let mut k = 0;
        while k < 8 {
            let (z, n) = rsc_step(s, ((i >> (7 - k)) & 1) as u8);
            par = (par << 1) | z as u16;
            s = n;
            k += 1;
        }
        t[i] = (par << 3) | s as u16;
        i += 1;
    }
    t
};

/// Zero-state response of eight encoder steps to input byte `u` (first bit in the MSB):
/// the next state.
static ZS_NEXT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut u = 0;
    while u < 256 {
        t[u] = (RSC8[u] & 7) as u8;
        u += 1;
    }
    t
};

/// Zero-state response of eight encoder steps to input byte `u`: the parity byte.
static ZS_PAR: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut u = 0;
    while u < 256 {
        t[u] = (RSC8[u] >> 3) as u8;
        u += 1;
    }
    t
};

/// Zero-input response of eight encoder steps from state `s`: the parity byte.
static ZI_PAR: [u8; 8] = {
    let mut t = [0u8; 8];
    let mut s = 0;
    while s < 8 {
        t[s] = (RSC8[s << 8] >> 3) as u8;
        s += 1;
    }
    t
};

/// Zero-input next states after eight steps, state `s` in bits `4s..4s+3`.
const ZI_NEXT: u32 = {
    let mut c = 0u32;
    let mut s = 0;
    while s < 8 {
        c |= ((RSC8[s << 8] & 7) as u32) << (4 * s);
        s += 1;
    }
    c
};

/// The state eight zero-input steps after `s` (a register shift, no memory access).
#[inline(always)]
fn zero_input_next(s: u8) -> u8 {
    ((ZI_NEXT >> (4 * u32::from(s & 7))) & 7) as u8
}

/// `SPREAD_MSB[b]`: the bits of `b`, MSB first, as eight 0/1 bytes (little-endian `u64`).
pub(crate) static SPREAD_MSB: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            t[b] |= (((b >> (7 - i)) & 1) as u64) << (8 * i);
            i += 1;
        }
        b += 1;
    }
    t
};

/// Soft inputs of one constituent decoder's tail: `[x_K, z_K, x_K+1, z_K+1, x_K+2, z_K+2]`
/// LLRs for encoder 1 (`second = false`) or encoder 2, taken from `d0|d1|d2` soft values.
pub(crate) fn tail_llrs<T: Copy>(d: &[T], k: usize, second: bool) -> [T; 6] {
    let dl = k + 4;
    let (d0, d1, d2) = (&d[..dl], &d[dl..2 * dl], &d[2 * dl..]);
    let o = if second { 2 } else { 0 };
    [
        d0[k + o],
        d1[k + o],
        d2[k + o],
        d0[k + 1 + o],
        d1[k + 1 + o],
        d2[k + 1 + o],
    ]
}

/// The MAP algorithm of a decoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Algorithm {
    /// Max-log-MAP without extrinsic scaling.
    MaxLog,
    /// Max-log-MAP with the extrinsic information multiplied by 0.75 (Vogt & Finger).
    MaxLogScaled,
    /// Exact log-MAP (Jacobian logarithm); scalar decoder only.
    LogMap,
}

/// Extrinsic scaling factor of [`Algorithm::MaxLogScaled`].
pub const EXTRINSIC_SCALE: f32 = 0.75;

/// Optional early-stop check: called with the hard decisions after each full iteration;
/// returning `true` ends decoding (e.g. a CRC check passed).
pub type EarlyStop<'a> = Option<&'a mut dyn FnMut(&[u8]) -> bool>;

/// What a decode call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOutcome {
    /// Full iterations run (each = two constituent MAP passes).
    pub iterations: usize,
    /// Whether the early-stop check (e.g. a CRC) accepted the decision; `false` when no
    /// check was given or it never passed.
    pub stopped_early: bool,
}

/// Check the lengths both decoders take: `d_llr` holds d0|d1|d2 of K+4 LLRs each, `bits` K.
pub(crate) fn check_decode_lengths(k: usize, d_llr: &[f32], bits: &[u8]) -> crate::Result<()> {
    if d_llr.len() != 3 * (k + 4) {
        return Err(crate::Error::Length {
            what: "turbo decode: d0|d1|d2 LLRs",
            expected: 3 * (k + 4),
            got: d_llr.len(),
        });
    }
    if bits.len() != k {
        return Err(crate::Error::Length {
            what: "turbo decode: output bits",
            expected: k,
            got: bits.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_permutation() {
        assert_eq!(block_sizes().count(), NUM_BLOCK_SIZES);
        assert_eq!(qpp_params(40), Some((3, 10)));
        assert_eq!(qpp_params(6144), Some((263, 480)));
        assert_eq!(qpp_params(41), None);
        for k in block_sizes() {
            let p = qpp_permutation(k).unwrap();
            let (f1, f2) = qpp_params(k).unwrap();
            let mut seen = vec![false; k];
            for (i, &v) in p.iter().enumerate() {
                assert_eq!(v as usize, (f1 * i + f2 * i * i) % k);
                assert!(!seen[v as usize]);
                seen[v as usize] = true;
            }
        }
    }

    /// `k` pseudo-random bits (one per byte) from a xorshift32 state.
    fn xorshift_bits(x: &mut u32, k: usize) -> Vec<u8> {
        (0..k)
            .map(|_| {
                *x ^= *x << 13;
                *x ^= *x >> 17;
                *x ^= *x << 5;
                (*x & 1) as u8
            })
            .collect()
    }

    /// The table-driven encoder against the bit-serial definition (all 188 sizes).
    #[test]
    fn table_encoder_matches_bit_serial() {
        let mut x = 0x9e37_79b9u32;
        for k in block_sizes() {
            let c = xorshift_bits(&mut x, k);
            let perm = qpp_permutation(k).unwrap();
            let mut d = vec![0u8; 3 * (k + 4)];
            encode_with(&c, &perm, &mut d).unwrap();
            let dl = k + 4;
            let (mut s1, mut s2) = (0u8, 0u8);
            for i in 0..k {
                let (z, n) = rsc_step(s1, c[i]);
                s1 = n;
                let (z2, n2) = rsc_step(s2, c[perm[i] as usize]);
                s2 = n2;
                assert_eq!(
                    (d[i], d[dl + i], d[2 * dl + i]),
                    (c[i], z, z2),
                    "K={k} i={i}"
                );
            }
        }
    }

    /// The packed encoder equals the byte-per-bit one on all 188 sizes, at several leads.
    #[test]
    fn packed_encoder_matches_unpacked() {
        let mut x = 0x2545_f491u32;
        let mut scratch = Vec::new();
        for (n, k) in block_sizes().enumerate() {
            let c = xorshift_bits(&mut x, k);
            let perm = qpp_permutation(k).unwrap();
            let mut d = vec![0u8; 3 * (k + 4)];
            encode_with(&c, &perm, &mut d).unwrap();
            let packed: Vec<u8> = c
                .chunks(8)
                .map(|b| b.iter().fold(0u8, |a, &v| (a << 1) | v))
                .collect();
            let lead = (n * 7) % 32;
            let words = (lead + k + 4).div_ceil(32) + 1;
            let mut y = vec![vec![0xdead_beefu32; words]; 3];
            let [a, b, cc] = &mut y[..] else {
                unreachable!()
            };
            encode_packed(&packed, &perm, lead, &mut scratch, [a, b, cc]).unwrap();
            for s in 0..3 {
                for i in 0..32 * words {
                    let bit = (y[s][i / 32] >> (31 - i % 32)) & 1;
                    let want = if i >= lead && i < lead + k + 4 {
                        u32::from(d[s * (k + 4) + i - lead])
                    } else {
                        0
                    };
                    assert_eq!(bit, want, "K={k} lead={lead} stream {s} bit {i}");
                }
            }
        }
        let mut y = [vec![0u32; 10], vec![0u32; 10], vec![0u32; 10]];
        let [a, b, cc] = &mut y;
        assert!(encode_packed(&[0; 5], &[0; 40], 32, &mut scratch, [a, b, cc]).is_err());
        assert!(encode_packed(&[0; 5], &[0; 39], 0, &mut scratch, [a, b, cc]).is_err());
        assert!(encode_packed(&[0; 6], &[0; 48], 0, &mut scratch, [a, b, cc]).is_ok());
        // A wrong permutation gives wrong bits, never a panic or an out-of-bounds read.
        assert!(encode_packed(&[0; 6], &[u32::MAX; 48], 0, &mut scratch, [a, b, cc]).is_ok());
        let mut short = [0u32; 1];
        assert!(encode_packed(&[0; 6], &[0; 48], 0, &mut scratch, [a, b, &mut short]).is_err());
    }

    /// The dispatched (AVX2 where present) interleaver gather equals the portable one.
    #[test]
    fn interleave_bytes_dispatch_equals_portable() {
        for k in [40usize, 1056, 6144] {
            let perm = qpp_permutation(k).unwrap();
            let mut cu: Vec<u8> = (0..k + 4)
                .map(|i| ((i * 7 + i / 3) % 3 == 0) as u8)
                .collect();
            cu[k..].fill(0xff);
            let (mut a, mut b) = (vec![0u8; k / 8], vec![1u8; k / 8]);
            interleave_bytes(&cu, &perm, &mut a);
            interleave_bytes_portable(&cu, &perm, &mut b);
            assert_eq!(a, b, "K={k}");
        }
    }

    #[test]
    fn tail_terminates() {
        for s in 0..8u8 {
            let mut st = s;
            for _ in 0..3 {
                st = rsc_step(st, tail_input(st)).1;
            }
            assert_eq!(st, 0);
        }
    }
}
