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
}
