//! Modulation mapping and soft demapping.
//!
//! Gray-mapped square constellations of TS 36.211 §7.1 with unit average power. Each axis is
//! an independent PAM: the even-indexed bits b0, b2, … of a symbol select the in-phase level
//! and the odd-indexed bits b1, b3, … the quadrature level (BPSK excepted).
//!
//! Soft demapping is max-log: for bit i, LLR = (min_{s: b_i=1} |y−s|² − min_{s: b_i=0} |y−s|²) / N0,
//! positive for a likely 0. The scalar demapper here is the reference (oracle) implementation.
//!
//! # References
//! 3GPP TS 36.211 §7.1.1–7.1.5.

use num_complex::Complex32;

/// A modulation scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modulation {
    Bpsk,
    Qpsk,
    Qam16,
    Qam64,
    Qam256,
}

impl Modulation {
    /// Bits per symbol Q_m.
    pub const fn bits_per_symbol(self) -> usize {
        match self {
            Modulation::Bpsk => 1,
            Modulation::Qpsk => 2,
            Modulation::Qam16 => 4,
            Modulation::Qam64 => 6,
            Modulation::Qam256 => 8,
        }
    }

    /// The scheme with `qm` bits per symbol, if any.
    pub const fn from_bits_per_symbol(qm: usize) -> Option<Self> {
        match qm {
            1 => Some(Modulation::Bpsk),
            2 => Some(Modulation::Qpsk),
            4 => Some(Modulation::Qam16),
            6 => Some(Modulation::Qam64),
            8 => Some(Modulation::Qam256),
            _ => None,
        }
    }

    /// Normalisation 1/sqrt(2(M_axis²−1)/3) that gives unit average power.
    fn scale(self) -> f32 {
        match self {
            Modulation::Bpsk | Modulation::Qpsk => std::f32::consts::FRAC_1_SQRT_2,
            Modulation::Qam16 => 1.0 / 10f32.sqrt(),
            Modulation::Qam64 => 1.0 / 42f32.sqrt(),
            Modulation::Qam256 => 1.0 / 170f32.sqrt(),
        }
    }

    /// Bits per axis (Q_m / 2; BPSK maps its one bit to both axes).
    fn axis_bits(self) -> usize {
        match self {
            Modulation::Bpsk => 1,
            m => m.bits_per_symbol() / 2,
        }
    }
}

/// Unnormalised PAM level for the axis bits (b0, b2, …) given MSB first:
/// level = s0·(2^(n−1) − s1·(2^(n−2) − s2·(…))), with s_k = 1 − 2·b_k.
#[inline]
fn pam_level(axis_bits: &[u8]) -> f32 {
    let n = axis_bits.len();
    let mut v = 1.0f32;
    for k in (1..n).rev() {
        let s = 1.0 - 2.0 * f32::from(axis_bits[k] & 1);
        v = (1u32 << (n - k)) as f32 - s * v;
    }
    (1.0 - 2.0 * f32::from(axis_bits[0] & 1)) * v
}

/// Map bits (one per byte, `len` a multiple of Q_m) to symbols.
///
/// # Panics
/// If `bits.len() != symbols.len() * Q_m`.
pub fn map(m: Modulation, bits: &[u8], symbols: &mut [Complex32]) {
    let qm = m.bits_per_symbol();
    assert_eq!(bits.len(), symbols.len() * qm, "modulation::map: length");
    let scale = m.scale();
    let nb = m.axis_bits();
    let mut ib = [0u8; 4];
    let mut qb = [0u8; 4];
    for (chunk, s) in bits.chunks_exact(qm).zip(symbols.iter_mut()) {
        if m == Modulation::Bpsk {
            let v = (1.0 - 2.0 * f32::from(chunk[0] & 1)) * scale;
            *s = Complex32::new(v, v);
            continue;
        }
        for k in 0..nb {
            ib[k] = chunk[2 * k];
            qb[k] = chunk[2 * k + 1];
        }
        *s = Complex32::new(pam_level(&ib[..nb]) * scale, pam_level(&qb[..nb]) * scale);
    }
}

/// Max-log soft demapping (scalar reference).
///
/// `noise_var` is N0 (complex noise variance per symbol, E|n|²); `llrs` gets Q_m values per
/// symbol in bit order b0, b1, …; LLR > 0 means bit 0 is more likely.
///
/// # Panics
/// If `llrs.len() != symbols.len() * Q_m`.
pub fn demap_maxlog(m: Modulation, symbols: &[Complex32], noise_var: f32, llrs: &mut [f32]) {
    let qm = m.bits_per_symbol();
    assert_eq!(llrs.len(), symbols.len() * qm, "modulation::demap: length");
    let inv_n0 = 1.0 / noise_var.max(f32::MIN_POSITIVE);
    let scale = m.scale();
    if m == Modulation::Bpsk {
        // Both axes carry the bit: distance difference is 4·scale·(re+im).
        for (y, l) in symbols.iter().zip(llrs.iter_mut()) {
            *l = 4.0 * scale * (y.re + y.im) * inv_n0;
        }
        return;
    }
    let nb = m.axis_bits();
    let levels = 1usize << nb;
    // Table of (level value, bits) for one axis.
    let mut table = [(0f32, 0u8); 16];
    let mut bb = [0u8; 4];
    for (code, t) in table.iter_mut().enumerate().take(levels) {
        for (k, b) in bb.iter_mut().enumerate().take(nb) {
            *b = ((code >> (nb - 1 - k)) & 1) as u8;
        }
        *t = (pam_level(&bb[..nb]) * scale, code as u8);
    }
    for (y, out) in symbols.iter().zip(llrs.chunks_exact_mut(qm)) {
        for (axis, v) in [y.re, y.im].into_iter().enumerate() {
            for k in 0..nb {
                let (mut d0, mut d1) = (f32::INFINITY, f32::INFINITY);
                for &(lv, code) in &table[..levels] {
                    let d = (v - lv) * (v - lv);
                    if (code >> (nb - 1 - k)) & 1 == 0 {
                        d0 = d0.min(d);
                    } else {
                        d1 = d1.min(d);
                    }
                }
                out[2 * k + axis] = (d1 - d0) * inv_n0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_points() {
        let mut s = [Complex32::default(); 1];
        map(Modulation::Qam64, &[0, 0, 0, 0, 0, 0], &mut s);
        assert!((s[0].re - 3.0 / 42f32.sqrt()).abs() < 1e-6);
        map(Modulation::Qam256, &[0; 8], &mut s);
        assert!((s[0].re - 5.0 / 170f32.sqrt()).abs() < 1e-6);
        map(Modulation::Qam16, &[0, 0, 1, 0], &mut s);
        assert!((s[0].re - 3.0 / 10f32.sqrt()).abs() < 1e-6);
        assert!((s[0].im - 1.0 / 10f32.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn unit_power_and_hard_decisions_roundtrip() {
        for m in [
            Modulation::Bpsk,
            Modulation::Qpsk,
            Modulation::Qam16,
            Modulation::Qam64,
            Modulation::Qam256,
        ] {
            let qm = m.bits_per_symbol();
            let n = 1usize << qm;
            let bits: Vec<u8> = (0..n)
                .flat_map(|c| (0..qm).rev().map(move |i| ((c >> i) & 1) as u8))
                .collect();
            let mut syms = vec![Complex32::default(); n];
            map(m, &bits, &mut syms);
            let p: f32 = syms.iter().map(|s| s.norm_sqr()).sum::<f32>() / n as f32;
            assert!((p - 1.0).abs() < 1e-5, "{m:?} power {p}");
            let mut llr = vec![0f32; bits.len()];
            demap_maxlog(m, &syms, 0.1, &mut llr);
            for (b, l) in bits.iter().zip(&llr) {
                assert_eq!(*b, u8::from(*l < 0.0), "{m:?}");
            }
        }
    }
}

// ----- fast soft demapper (SIMD, runtime dispatch; `demap_maxlog` is its oracle) -----

/// Max-log soft demapping, vectorised: same result as [`demap_maxlog`] bit for bit (the
/// same distances and minima, computed 16 symbols at a time so the compiler can use
/// AVX-512 / AVX2 / SSE lanes, chosen at run time).
///
/// Shapes and units as [`demap_maxlog`]: `llrs.len() == symbols.len() · Q_m`, LLR =
/// ln P(0)/P(1) scaled by `1/noise_var`.
///
/// # Panics
/// If `llrs.len() != symbols.len() · Q_m`.
///
/// # References
/// 3GPP TS 36.211 §7.1; the max-log approximation as in [`demap_maxlog`].
pub fn demap_maxlog_fast(m: Modulation, symbols: &[Complex32], noise_var: f32, llrs: &mut [f32]) {
    let qm = m.bits_per_symbol();
    assert_eq!(llrs.len(), symbols.len() * qm, "modulation::demap: length");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected on this CPU just above.
            unsafe { demap_avx512(m, symbols, noise_var, llrs) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected on this CPU just above.
            unsafe { demap_avx2(m, symbols, noise_var, llrs) };
            return;
        }
    }
    demap_dispatch(m, symbols, noise_var, llrs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::incompatible_msrv)] // AVX-512 target features: rustc ≥ 1.89
unsafe fn demap_avx512(m: Modulation, symbols: &[Complex32], noise_var: f32, llrs: &mut [f32]) {
    demap_dispatch(m, symbols, noise_var, llrs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn demap_avx2(m: Modulation, symbols: &[Complex32], noise_var: f32, llrs: &mut [f32]) {
    demap_dispatch(m, symbols, noise_var, llrs)
}

#[inline(always)]
fn demap_dispatch(m: Modulation, symbols: &[Complex32], noise_var: f32, llrs: &mut [f32]) {
    match m {
        Modulation::Bpsk => demap_maxlog(m, symbols, noise_var, llrs),
        Modulation::Qpsk => demap_block::<1>(m, symbols, noise_var, llrs),
        Modulation::Qam16 => demap_block::<2>(m, symbols, noise_var, llrs),
        Modulation::Qam64 => demap_block::<3>(m, symbols, noise_var, llrs),
        Modulation::Qam256 => demap_block::<4>(m, symbols, noise_var, llrs),
    }
}

const DEMAP_BLOCK: usize = 16;

/// Per-axis tables of the fast demapper for `NB` bits per axis (`H = 2^(NB−1)` positive
/// levels): the positive level magnitudes `mag[i]` (computed exactly as the scalar
/// demapper's levels), and for each bit `k ≥ 1` of the axis which magnitudes carry a 1.
struct AxisTables<const H: usize> {
    mag: [f32; H],
    /// `ones[k][i]`: magnitude `i` has bit `k` set (`k = 1..NB`; row 0 unused).
    ones: [[bool; H]; 4],
    /// The smallest magnitude (nearest level across the sign boundary).
    m_min: f32,
}

impl<const H: usize> AxisTables<H> {
    fn new(m: Modulation, nb: usize) -> Self {
        let scale = m.scale();
        let mut mag = [0f32; H];
        let mut ones = [[false; H]; 4];
        let mut bb = [0u8; 4];
        // Codes with b0 = 0 (the MSB of the axis code) are the positive levels; the negative
        // level of the same lower bits has the same magnitude (pam_level is odd in s0).
        for (code, slot) in mag.iter_mut().enumerate() {
            for (k, b) in bb.iter_mut().enumerate().take(nb) {
                *b = ((code >> (nb - 1 - k)) & 1) as u8;
            }
            *slot = pam_level(&bb[..nb]) * scale;
            for (k, row) in ones.iter_mut().enumerate().take(nb).skip(1) {
                row[code] = bb[k] == 1;
            }
        }
        let m_min = mag.iter().copied().fold(f32::INFINITY, f32::min);
        AxisTables { mag, ones, m_min }
    }
}

/// `min` as a single packed instruction (`a < b ? a : b`); equal to `f32::min` for the
/// non-NaN distances it is used on.
#[inline(always)]
fn fmin(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// Max-log LLRs of the `NB` bits of one axis for `DEMAP_BLOCK` values `v` (lane-parallel),
/// bit `k` of lane `j` into `out[k][j]`, in the magnitude form: with `a = |v|`, the nearest
/// level of every bit subset is found among the levels of `v`'s own sign (the subsets of
/// bits ≥ 1 are symmetric, and the mirrored level is never nearer), so only the `H`
/// distances `(a − mag_i)²` and the one across zero, `(a + m_min)²`, are needed. Every
/// distance equals, as a float, the scalar demapper's `(v − level)²` for the same level
/// (rounding is sign-symmetric), and a minimum is one of its operands, so the result is
/// the scalar one bit for bit (for non-NaN input).
#[inline(always)]
fn demap_axis<const NB: usize, const H: usize>(
    t: &AxisTables<H>,
    v: &[f32; DEMAP_BLOCK],
    inv_n0: f32,
    out: &mut [[f32; DEMAP_BLOCK]; NB],
) {
    let mut a = [0f32; DEMAP_BLOCK];
    for (x, &y) in a.iter_mut().zip(v) {
        *x = y.abs();
    }
    let mut d = [[0f32; DEMAP_BLOCK]; H];
    for (di, &m) in d.iter_mut().zip(&t.mag) {
        for (x, &y) in di.iter_mut().zip(&a) {
            *x = (y - m) * (y - m);
        }
    }
    for j in 0..DEMAP_BLOCK {
        let dn = (a[j] + t.m_min) * (a[j] + t.m_min);
        let mut near = d[0][j];
        for di in &d[1..] {
            near = fmin(near, di[j]);
        }
        out[0][j] = if v[j] < 0.0 { near - dn } else { dn - near } * inv_n0;
    }
    for (k, o) in out.iter_mut().enumerate().skip(1) {
        let mut d0 = [f32::INFINITY; DEMAP_BLOCK];
        let mut d1 = [f32::INFINITY; DEMAP_BLOCK];
        for (di, &one) in d.iter().zip(&t.ones[k]) {
            let tgt = if one { &mut d1 } else { &mut d0 };
            for (x, &y) in tgt.iter_mut().zip(di) {
                *x = fmin(*x, y);
            }
        }
        for j in 0..DEMAP_BLOCK {
            o[j] = (d1[j] - d0[j]) * inv_n0;
        }
    }
}

#[inline(always)]
fn demap_block<const NB: usize>(
    m: Modulation,
    symbols: &[Complex32],
    noise_var: f32,
    llrs: &mut [f32],
) {
    match NB {
        1 => demap_block_h::<1, 1>(m, symbols, noise_var, llrs),
        2 => demap_block_h::<2, 2>(m, symbols, noise_var, llrs),
        3 => demap_block_h::<3, 4>(m, symbols, noise_var, llrs),
        _ => demap_block_h::<4, 8>(m, symbols, noise_var, llrs),
    }
}

#[inline(always)]
fn demap_block_h<const NB: usize, const H: usize>(
    m: Modulation,
    symbols: &[Complex32],
    noise_var: f32,
    llrs: &mut [f32],
) {
    let qm = 2 * NB;
    let inv_n0 = 1.0 / noise_var.max(f32::MIN_POSITIVE);
    let t = AxisTables::<H>::new(m, NB);
    let mut chunks = symbols.chunks_exact(DEMAP_BLOCK);
    let mut out_chunks = llrs.chunks_exact_mut(DEMAP_BLOCK * qm);
    for (sy, out) in (&mut chunks).zip(&mut out_chunks) {
        // Lane-parallel: all 16 symbols' axis LLRs into bit-major arrays, then interleave.
        let mut li = [[0f32; DEMAP_BLOCK]; NB];
        let mut lq = [[0f32; DEMAP_BLOCK]; NB];
        let mut vi = [0f32; DEMAP_BLOCK];
        let mut vq = [0f32; DEMAP_BLOCK];
        for ((i, q), s) in vi.iter_mut().zip(vq.iter_mut()).zip(sy) {
            *i = s.re;
            *q = s.im;
        }
        demap_axis::<NB, H>(&t, &vi, inv_n0, &mut li);
        demap_axis::<NB, H>(&t, &vq, inv_n0, &mut lq);
        for (j, o) in out.chunks_exact_mut(qm).enumerate() {
            for k in 0..NB {
                o[2 * k] = li[k][j];
                o[2 * k + 1] = lq[k][j];
            }
        }
    }
    let rs = chunks.remainder();
    if !rs.is_empty() {
        let n = symbols.len() - rs.len();
        demap_maxlog(m, rs, noise_var, &mut llrs[n * qm..]);
    }
}

#[cfg(test)]
mod fast_tests {
    use super::*;

    #[test]
    fn fast_matches_scalar_bit_for_bit() {
        let mut s = 12345u32;
        let mut rnd = || {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (s >> 8) as f32 / (1u32 << 24) as f32 * 3.0 - 1.5
        };
        let mut syms: Vec<Complex32> = (0..1003).map(|_| Complex32::new(rnd(), rnd())).collect();
        // Exact levels, midpoints, zeros of both signs and large values.
        for (i, v) in [
            0.0f32,
            -0.0,
            1.0 / 42f32.sqrt(),
            2.0 / 42f32.sqrt(),
            -4.0 / 42f32.sqrt(),
            1e15,
            -1e15,
        ]
        .into_iter()
        .enumerate()
        {
            syms[i * 16] = Complex32::new(v, -v);
            syms[i * 16 + 1] = Complex32::new(-v, v * 0.5);
        }
        for m in [
            Modulation::Bpsk,
            Modulation::Qpsk,
            Modulation::Qam16,
            Modulation::Qam64,
            Modulation::Qam256,
        ] {
            let qm = m.bits_per_symbol();
            let mut a = vec![0f32; syms.len() * qm];
            let mut b = vec![0f32; syms.len() * qm];
            demap_maxlog(m, &syms, 0.07, &mut a);
            demap_maxlog_fast(m, &syms, 0.07, &mut b);
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{m:?}"
            );
            demap_dispatch(m, &syms, 0.07, &mut b);
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{m:?}"
            );
        }
    }
}
