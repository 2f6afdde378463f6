//! Sub-block interleavers of the rate-matching stage.
//!
//! The turbo-code interleaver (three streams, the third with the extra column offset) and the
//! convolutional-code interleaver (all three streams alike). Both write a stream of `D` bits
//! row by row into a matrix of 32 columns, padded at the front with `N_D` `<NULL>` bits,
//! permute the columns and read column by column.
//!
//! The functions here return *index maps*: `map[k]` is the index into the input stream `d`
//! that becomes output bit `v_k`, or `None` for a `<NULL>` padding bit. Rate matching
//! ([`crate::fec::ratematch`]) composes them once per code-block size and never interleaves
//! bit by bit at run time.
//!
//! # References
//! 3GPP TS 36.212 §5.1.4.1.1 (Table 5.1.4-1) and §5.1.4.2.1 (Table 5.1.4-2).

/// Number of columns `C_TC^subblock` (= `C_CC^subblock`) of the sub-block interleaver matrix.
pub const COLUMNS: usize = 32;

/// Inter-column permutation pattern of the turbo-code sub-block interleaver (Table 5.1.4-1).
pub const P_TURBO: [usize; COLUMNS] = [
    0, 16, 8, 24, 4, 20, 12, 28, 2, 18, 10, 26, 6, 22, 14, 30, 1, 17, 9, 25, 5, 21, 13, 29, 3, 19,
    11, 27, 7, 23, 15, 31,
];

/// Inter-column permutation pattern of the convolutional-code sub-block interleaver
/// (Table 5.1.4-2).
pub const P_CONV: [usize; COLUMNS] = [
    1, 17, 9, 25, 5, 21, 13, 29, 3, 19, 11, 27, 7, 23, 15, 31, 0, 16, 8, 24, 4, 20, 12, 28, 2, 18,
    10, 26, 6, 22, 14, 30,
];

/// Matrix geometry for a stream of `d` bits: rows `R`, size `K_Π = 32·R` and the number of
/// `<NULL>` padding bits `N_D = K_Π − D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Stream length `D` in bits.
    pub d: usize,
    /// Rows `R` = ⌈D/32⌉.
    pub rows: usize,
    /// Interleaver size `K_Π` = 32·R.
    pub k_pi: usize,
    /// Leading `<NULL>` bits `N_D` = K_Π − D.
    pub n_null: usize,
}

impl Geometry {
    /// Geometry of a stream of `d` bits.
    pub const fn new(d: usize) -> Self {
        let rows = d.div_ceil(COLUMNS);
        let k_pi = rows * COLUMNS;
        Geometry {
            d,
            rows,
            k_pi,
            n_null: k_pi - d,
        }
    }

    #[inline]
    fn source(&self, y: usize) -> Option<u32> {
        (y >= self.n_null).then(|| (y - self.n_null) as u32)
    }
}

fn column_read(g: &Geometry, p: &[usize; COLUMNS]) -> Vec<Option<u32>> {
    let mut out = Vec::with_capacity(g.k_pi);
    for &col in p {
        for r in 0..g.rows {
            out.push(g.source(r * COLUMNS + col));
        }
    }
    out
}

/// Index map of the turbo sub-block interleaver for stream `stream` (0, 1 or 2) of `d` bits.
///
/// Streams 0 and 1 use the column permutation directly; stream 2 uses
/// `π(k) = (P(⌊k/R⌋) + 32·(k mod R) + 1) mod K_Π`.
///
/// # Panics
/// If `stream > 2` (a programming error, not data-dependent).
///
/// # References
/// 36.212 §5.1.4.1.1.
pub fn turbo_map(d: usize, stream: usize) -> Vec<Option<u32>> {
    assert!(stream <= 2, "turbo_map: stream {stream} > 2");
    let g = Geometry::new(d);
    if stream < 2 {
        return column_read(&g, &P_TURBO);
    }
    (0..g.k_pi)
        .map(|k| {
            let y = (P_TURBO[k / g.rows] + COLUMNS * (k % g.rows) + 1) % g.k_pi;
            g.source(y)
        })
        .collect()
}

/// Index map of the convolutional-code sub-block interleaver for a stream of `d` bits
/// (identical for the three streams).
///
/// # References
/// 36.212 §5.1.4.2.1.
pub fn conv_map(d: usize) -> Vec<Option<u32>> {
    column_read(&Geometry::new(d), &P_CONV)
}

/// Apply an index map: `out[k] = input[map[k]]`, or `null` for a `<NULL>` entry.
///
/// # Panics
/// If `out.len() != map.len()` or a map entry is out of range of `input`.
pub fn apply<T: Copy>(map: &[Option<u32>], input: &[T], null: T, out: &mut [T]) {
    assert_eq!(out.len(), map.len(), "subblock::apply: output length");
    for (o, m) in out.iter_mut().zip(map) {
        *o = m.map_or(null, |i| input[i as usize]);
    }
}

/// Transpose a 32×32 bit matrix in place: on input `a[i]` is row `i` with column 0 in the
/// MSB; on output `a[j]` is column `j` with row 0 in the MSB (five butterfly stages of
/// swapped sub-blocks, H. S. Warren, *Hacker's Delight*, 2nd ed., §7-3).
pub fn transpose32(a: &mut [u32; 32]) {
    let mut j = 16usize;
    let mut m = 0x0000_ffffu32;
    while j != 0 {
        let mut k = 0usize;
        while k < 32 {
            let t = (a[k] ^ (a[k + j] >> j)) & m;
            a[k] ^= t;
            a[k + j] ^= t << j;
            k = (k + j + 1) & !j;
        }
        j >>= 1;
        m ^= m << j;
    }
}

/// Largest number of 32-row blocks of a turbo interleaver matrix (`R ≤ 193` for
/// `D ≤ 6148`).
const MAX_ROW_BLOCKS: usize = 8;

/// `SPREAD_EVEN[b]`: the bits of `b`, MSB first, in bytes 0, 2, …, 14 (as 0/1) of a
/// little-endian `u128`.
static SPREAD_EVEN: [u128; 256] = {
    let mut t = [0u128; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            t[b] |= (((b >> (7 - i)) & 1) as u128) << (16 * i);
            i += 1;
        }
        b += 1;
    }
    t
};

/// Write the bits of `col` (MSB first, `32·col.len()` of them) as 0/1 bytes at `out[pos..]`.
#[inline(always)]
fn unpack_column(col: &[u32], out: &mut [u8], pos: usize) {
    let spread = &crate::fec::turbo::SPREAD_MSB;
    for (b, &x) in col.iter().enumerate() {
        let o = &mut out[pos + 32 * b..pos + 32 * b + 32];
        for (t, o8) in o.chunks_exact_mut(8).enumerate() {
            let byte = (x >> (24 - 8 * t)) & 0xff;
            o8.copy_from_slice(&spread[byte as usize].to_le_bytes());
        }
    }
}

/// Write the bits of `a` and `b` (MSB first) interleaved, `a` first, as 0/1 bytes at
/// `out[pos..]` (`64·a.len()` bytes).
#[inline(always)]
fn unpack_pair(a: &[u32], b: &[u32], out: &mut [u8], pos: usize) {
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let o = &mut out[pos + 64 * i..pos + 64 * i + 64];
        for (t, o16) in o.chunks_exact_mut(16).enumerate() {
            let sh = 24 - 8 * t;
            let v = SPREAD_EVEN[((x >> sh) & 0xff) as usize]
                | SPREAD_EVEN[((y >> sh) & 0xff) as usize] << 8;
            o16.copy_from_slice(&v.to_le_bytes());
        }
    }
}

/// The turbo circular buffer `w = v0 | v1₀ v2₀ v1₁ v2₁ …` (36.212 §5.1.4.1.2), `<NULL>`s
/// included as 0, one bit per byte, built from the three sub-block interleaver matrices
/// given as bit rows: `y[s]` holds stream `s`'s matrix, row `r` in word `r` (column 0 in the
/// MSB; `<NULL>` padding as 0), at least `32·⌈R/32⌉` words with the rows past `R` zero —
/// the layout [`crate::fec::turbo::encode_packed`] writes with `lead = N_D`.
///
/// The column-wise read-out is a bit-matrix transpose ([`transpose32`] per 32×32 block);
/// each column is then spread to bytes eight bits per table lookup. Only the columns that
/// meet `need` (a range of `w` positions) are written; the rest of `w` is left as it was.
/// `w` is resized to `3·K_Π + 64` (the tail beyond `3·K_Π` is scratch).
///
/// # Panics
/// If `rows` is 0 or above 256, or a `y[s]` is shorter than `32·⌈rows/32⌉` words.
pub fn turbo_w_from_rows(
    rows: usize,
    y: [&[u32]; 3],
    need: std::ops::Range<usize>,
    w: &mut Vec<u8>,
) {
    assert!(
        rows > 0 && rows <= 32 * MAX_ROW_BLOCKS,
        "turbo_w_from_rows: rows"
    );
    let nb = rows.div_ceil(32);
    let k_pi = COLUMNS * rows;
    if w.len() != 3 * k_pi + 64 {
        w.resize(3 * k_pi + 64, 0);
    }
    // cols[s][c][b]: column c of stream s, rows 32b..32b+32, row 32b in the MSB.
    let mut cols = [[[0u32; MAX_ROW_BLOCKS]; COLUMNS]; 3];
    let parity = need.end > k_pi;
    for (s, ys) in y.iter().enumerate() {
        if s > 0 && !parity {
            break;
        }
        for b in 0..nb {
            let mut a: [u32; 32] = ys[32 * b..32 * b + 32].try_into().expect("32 rows");
            transpose32(&mut a);
            for (c, &x) in a.iter().enumerate() {
                cols[s][c][b] = x;
            }
        }
    }
    // Stream 2's column read at P(j) = 31 is column 0 advanced by one row (row 0 last).
    let mut rot = [0u32; MAX_ROW_BLOCKS];
    {
        let c0 = &cols[2][0];
        for b in 0..nb {
            rot[b] = (c0[b] << 1) | (c0.get(b + 1).copied().unwrap_or(0) >> 31);
        }
        let first = c0[0] >> 31;
        let last = rows - 1;
        rot[last / 32] |= first << (31 - last % 32);
    }
    // Successive columns overlap by up to 32·nb − R bytes; they are written in order, so
    // the next column overwrites the previous one's padding.
    let meets = |a: usize, len: usize| a < need.end && a + len > need.start;
    for (j, &p) in P_TURBO.iter().enumerate() {
        if meets(j * rows, rows) {
            unpack_column(&cols[0][p][..nb], w, j * rows);
        }
    }
    for (j, &p) in P_TURBO.iter().enumerate() {
        if !meets(k_pi + 2 * j * rows, 2 * rows) {
            continue;
        }
        let v2 = if p + 1 < COLUMNS {
            &cols[2][p + 1][..nb]
        } else {
            &rot[..nb]
        };
        unpack_pair(&cols[1][p][..nb], v2, w, k_pi + 2 * j * rows);
    }
}

/// The inverse of the turbo sub-block interleaving and bit collection: from the full
/// circular buffer `w` (`3·K_Π` values, `<NULL>` positions ignored) to the encoder-output
/// order `d = d0 | d1 | d2` (`3·D` values, `D = K_Π − N_D`).
///
/// Each stream's matrix is written back row by row from its 32 column runs of `w`
/// (stride 1 for `v0`, 2 for the interlaced `v1`/`v2`): a blocked transpose, eight rows
/// at a time, so the reads stay in 32 sequential streams and the writes in one contiguous
/// block of `d`.
///
/// # Panics
/// If `w.len() < 3·32·rows`, or `d.len()` is not `3·D` with `32·rows − 32 < D ≤ 32·rows`.
pub fn turbo_w_to_d<T: Copy>(rows: usize, w: &[T], d: &mut [T]) {
    w_to_d_with(rows, w, d, None);
}

/// An 8-row block kernel of [`turbo_w_to_d`]: `(w, column bases, stride, r0, out)` writes
/// rows `r0..r0+8` (32 values each) into `out`.
type BlockKernel<T> = fn(&[T], &[usize; COLUMNS], usize, usize, &mut [T]);

/// [`turbo_w_to_d`] for `f32`, with an AVX2 8×8 transpose kernel where the CPU has AVX2.
/// `w` must hold at least `3·K_Π + 16` values (the stride-2 loads read one past the last).
///
/// # Panics
/// As [`turbo_w_to_d`], or if `w` is shorter than `3·K_Π + 16`.
pub fn turbo_w_to_d_f32(rows: usize, w: &[f32], d: &mut [f32]) {
    assert!(
        w.len() >= 3 * COLUMNS * rows + 16,
        "turbo_w_to_d_f32: w length"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        w_to_d_with(rows, w, d, Some(x86::block_avx2_checked));
        return;
    }
    w_to_d_with(rows, w, d, None);
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::COLUMNS;
    use std::arch::x86_64::*;

    /// Safe wrapper: only handed out by `turbo_w_to_d_f32` after AVX2 was detected.
    pub(super) fn block_avx2_checked(
        w: &[f32],
        base: &[usize; COLUMNS],
        stride: usize,
        r0: usize,
        out: &mut [f32],
    ) {
        // SAFETY: this function pointer is only used after `is_x86_feature_detected!("avx2")`.
        unsafe { block_avx2(w, base, stride, r0, out) }
    }

    /// Rows `r0..r0+8` of one stream: per group of 8 columns, eight column vectors
    /// (stride 1: one load; stride 2: two loads and an even-lane shuffle) transposed in
    /// registers and stored as row pieces.
    ///
    /// # Safety
    /// The CPU must support AVX2. Memory accesses are bounds-checked slices.
    #[target_feature(enable = "avx2")]
    unsafe fn block_avx2(
        w: &[f32],
        base: &[usize; COLUMNS],
        stride: usize,
        r0: usize,
        out: &mut [f32],
    ) {
        let out = &mut out[..8 * COLUMNS];
        for cb in 0..COLUMNS / 8 {
            let mut v = [_mm256_setzero_ps(); 8];
            for (i, vi) in v.iter_mut().enumerate() {
                let b = base[cb * 8 + i] + stride * r0;
                *vi = if stride == 1 {
                    let src = &w[b..b + 8];
                    // SAFETY: `src` is 8 in-bounds f32 (unaligned load).
                    unsafe { _mm256_loadu_ps(src.as_ptr()) }
                } else {
                    let src = &w[b..b + 16];
                    // SAFETY: `src` is 16 in-bounds f32 (two unaligned loads).
                    let (lo, hi) = unsafe {
                        (
                            _mm256_loadu_ps(src.as_ptr()),
                            _mm256_loadu_ps(src.as_ptr().add(8)),
                        )
                    };
                    // Even lanes: a0 a2 b0 b2 | a4 a6 b4 b6, then 64-bit lanes 0 2 1 3.
                    let e = _mm256_shuffle_ps::<0x88>(lo, hi);
                    _mm256_castpd_ps(_mm256_permute4x64_pd::<0xD8>(_mm256_castps_pd(e)))
                };
            }
            transpose8(&mut v);
            for (t, vt) in v.iter().enumerate() {
                let dst = &mut out[t * COLUMNS + cb * 8..t * COLUMNS + cb * 8 + 8];
                // SAFETY: `dst` is 8 in-bounds f32 (unaligned store).
                unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), *vt) };
            }
        }
    }

    /// 8×8 transpose of eight row vectors.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn transpose8(r: &mut [__m256; 8]) {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        r[0] = _mm256_permute2f128_ps::<0x20>(u0, u4);
        r[1] = _mm256_permute2f128_ps::<0x20>(u1, u5);
        r[2] = _mm256_permute2f128_ps::<0x20>(u2, u6);
        r[3] = _mm256_permute2f128_ps::<0x20>(u3, u7);
        r[4] = _mm256_permute2f128_ps::<0x31>(u0, u4);
        r[5] = _mm256_permute2f128_ps::<0x31>(u1, u5);
        r[6] = _mm256_permute2f128_ps::<0x31>(u2, u6);
        r[7] = _mm256_permute2f128_ps::<0x31>(u3, u7);
    }
}

fn w_to_d_with<T: Copy>(rows: usize, w: &[T], d: &mut [T], fast: Option<BlockKernel<T>>) {
    let k_pi = COLUMNS * rows;
    assert!(w.len() >= 3 * k_pi, "turbo_w_to_d: w length");
    assert!(d.len().is_multiple_of(3), "turbo_w_to_d: d length");
    let dl = d.len() / 3;
    assert!(
        dl <= k_pi && dl + COLUMNS > k_pi && dl > 0,
        "turbo_w_to_d: D"
    );
    let n_null = k_pi - dl;
    let mut inv = [0usize; COLUMNS];
    for (j, &p) in P_TURBO.iter().enumerate() {
        inv[p] = j;
    }
    for (s, ds) in d.chunks_exact_mut(dl).enumerate() {
        let (off, stride) = if s == 0 { (0, 1) } else { (k_pi + s - 1, 2) };
        // base[c] + stride·r: where row r ≥ 1 of column c sits in w. Stream 2 reads column
        // P(j) + 1 in v2's column j; column 0 (P(j) = 31) is shifted down by one row, its
        // row 0 being v2's last entry.
        let base: [usize; COLUMNS] = std::array::from_fn(|c| {
            if s < 2 {
                off + stride * inv[c] * rows
            } else if c > 0 {
                off + stride * inv[c - 1] * rows
            } else {
                off + stride * (inv[COLUMNS - 1] * rows - 1)
            }
        });
        for (c, &b) in base.iter().enumerate().skip(n_null) {
            ds[c - n_null] = if s == 2 && c == 0 {
                w[off + stride * (k_pi - 1)]
            } else {
                w[b]
            };
        }
        let mut r0 = 1;
        if let Some(f) = fast {
            // Whole 8-row blocks by the SIMD kernel.
            while r0 + 8 <= rows {
                let blk = &mut ds[r0 * COLUMNS - n_null..(r0 + 8) * COLUMNS - n_null];
                f(w, &base, stride, r0, blk);
                r0 += 8;
            }
        }
        while r0 < rows {
            let nr = (rows - r0).min(8);
            let blk = &mut ds[r0 * COLUMNS - n_null..(r0 + nr) * COLUMNS - n_null];
            for (c, &b) in base.iter().enumerate() {
                let src = &w[b + stride * r0..];
                for t in 0..nr {
                    blk[t * COLUMNS + c] = src[stride * t];
                }
            }
            r0 += nr;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_geometry_and_bijection() {
        let g = Geometry::new(44);
        assert_eq!((g.rows, g.k_pi, g.n_null), (2, 64, 20));
        for d in [1usize, 44, 508, 6148] {
            for s in 0..3 {
                let m = turbo_map(d, s);
                let mut seen = vec![false; d];
                for i in m.iter().flatten() {
                    assert!(!seen[*i as usize]);
                    seen[*i as usize] = true;
                }
                assert!(seen.iter().all(|&x| x), "d={d} stream {s}");
            }
        }
        // Stream 0, first entry of column 0 in row 1: y[32] = d[12] for D=44.
        assert_eq!(turbo_map(44, 0)[1], Some(12));
    }

    #[test]
    fn transpose32_is_the_transpose() {
        let mut x = 0x1234_5678u32;
        let a: [u32; 32] = std::array::from_fn(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        });
        let mut t = a;
        transpose32(&mut t);
        for (i, &row) in a.iter().enumerate() {
            for (j, &col) in t.iter().enumerate() {
                assert_eq!((row >> (31 - j)) & 1, (col >> (31 - i)) & 1, "{i},{j}");
            }
        }
    }

    /// The packed-row circular buffer equals the index-map definition for every D of a
    /// turbo block size.
    #[test]
    fn w_from_rows_matches_index_maps() {
        let mut x = 0x9e37_79b9u32;
        let mut w = Vec::new();
        for k in crate::fec::turbo::block_sizes() {
            let d = k + 4;
            let g = Geometry::new(d);
            let streams: Vec<Vec<u8>> = (0..3)
                .map(|_| {
                    (0..d)
                        .map(|_| {
                            x ^= x << 13;
                            x ^= x >> 17;
                            x ^= x << 5;
                            (x & 1) as u8
                        })
                        .collect()
                })
                .collect();
            let words = 32 * g.rows.div_ceil(32);
            let rows: Vec<Vec<u32>> = streams
                .iter()
                .map(|st| {
                    let mut r = vec![0u32; words];
                    for (i, &b) in st.iter().enumerate() {
                        let p = g.n_null + i;
                        r[p / 32] |= u32::from(b) << (31 - p % 32);
                    }
                    r
                })
                .collect();
            turbo_w_from_rows(
                g.rows,
                [&rows[0], &rows[1], &rows[2]],
                0..3 * g.k_pi,
                &mut w,
            );
            let maps: Vec<_> = (0..3).map(|s| turbo_map(d, s)).collect();
            let val = |s: usize, m: Option<u32>| m.map_or(0, |i| streams[s][i as usize]);
            for kk in 0..g.k_pi {
                assert_eq!(w[kk], val(0, maps[0][kk]), "K={k} v0[{kk}]");
                assert_eq!(w[g.k_pi + 2 * kk], val(1, maps[1][kk]), "K={k} v1[{kk}]");
                assert_eq!(
                    w[g.k_pi + 2 * kk + 1],
                    val(2, maps[2][kk]),
                    "K={k} v2[{kk}]"
                );
            }
        }
    }

    /// `turbo_w_to_d` inverts the index maps for every D of a turbo block size.
    #[test]
    fn w_to_d_inverts_index_maps() {
        let mut d = Vec::new();
        for k in crate::fec::turbo::block_sizes() {
            let dl = k + 4;
            let g = Geometry::new(dl);
            let w: Vec<u32> = (0..3 * g.k_pi as u32).collect();
            d.clear();
            d.resize(3 * dl, u32::MAX);
            turbo_w_to_d(g.rows, &w, &mut d);
            for s in 0..3 {
                let m = turbo_map(dl, s);
                for (kk, mi) in m.iter().enumerate() {
                    if let Some(i) = mi {
                        let pos = if s == 0 { kk } else { g.k_pi + 2 * kk + s - 1 };
                        assert_eq!(d[s * dl + *i as usize], pos as u32, "K={k} s={s} k={kk}");
                    }
                }
            }
        }
    }

    /// The AVX2 f32 kernel (where present) equals the portable transpose.
    #[test]
    fn w_to_d_f32_equals_portable() {
        for k in [40usize, 512, 1056, 6144] {
            let g = Geometry::new(k + 4);
            let w: Vec<f32> = (0..3 * g.k_pi + 16).map(|i| i as f32).collect();
            let mut a = vec![0f32; 3 * (k + 4)];
            let mut b = vec![1f32; 3 * (k + 4)];
            turbo_w_to_d(g.rows, &w, &mut a);
            turbo_w_to_d_f32(g.rows, &w, &mut b);
            assert_eq!(a, b, "K={k}");
        }
    }
}
