//! Downlink resource allocation: which physical resource blocks a DCI assigns.
//!
//! - Type 0 (36.213 §7.1.6.1): a bitmap over resource-block groups of P PRBs (P from
//!   [`rbg_size`]), most significant bit = RBG 0; the last RBG holds N mod P PRBs when P
//!   does not divide N.
//! - Type 1 (36.213 §7.1.6.2): the same ⌈N/P⌉ bits hold ⌈log₂P⌉ bits of RBG subset p,
//!   one shift bit and a bitmap of N_RB^TYPE1 = ⌈N/P⌉ − ⌈log₂P⌉ − 1 PRBs inside the subset;
//!   bit i addresses VRB ⌊(i + Δ)/P⌋·P² + p·P + (i + Δ) mod P with Δ = 0 (no shift) or
//!   N_RB^RBGsubset(p) − N_RB^TYPE1.
//! - Type 2 (36.213 §7.1.6.3): a contiguous run of virtual resource blocks from a RIV,
//!   localized (VRB n = PRB n) or distributed (36.211 §6.2.3.2): the VRBs go through a
//!   4-column block interleaver of N_row = ⌈Ñ_VRB/(4P)⌉·P rows (written row by row, read
//!   column by column, N_null = 4·N_row − Ñ_VRB nulls in the last N_null/2 rows of columns
//!   1 and 3), the second slot is shifted by Ñ_VRB/2, and interleaved indices from Ñ_VRB/2
//!   up are moved up by N_gap − Ñ_VRB/2 (N_gap from Table 6.2.3.2-1).
//!
//! An [`Allocation`] lists the PRBs of each slot, increasing (distributed VRB pairs sit on
//! different PRBs in the two slots).
//!
//! # References
//! 3GPP TS 36.211 §6.2.3 (Table 6.2.3.2-1); TS 36.213 §7.1.6.1–§7.1.6.3 (Table 7.1.6.1-1);
//! TS 36.212 §5.3.3.1.2, §5.3.3.1.3, §5.3.3.1.4.

use crate::dci::{self, Dci};
use crate::{Error, Result};

/// RBG size P (36.213 Table 7.1.6.1-1) for N_RB^DL = `n_prb`.
pub fn rbg_size(n_prb: usize) -> usize {
    dci::rbg_size(n_prb)
}

/// The PRBs of one downlink assignment, per slot of the subframe, each increasing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// PRBs of slot 0 and slot 1.
    pub prbs: [Vec<usize>; 2],
}

impl Allocation {
    /// The same PRBs in both slots (types 0, 1 and localized type 2).
    pub fn same(mut prbs: Vec<usize>) -> Self {
        prbs.sort_unstable();
        prbs.dedup();
        Allocation {
            prbs: [prbs.clone(), prbs],
        }
    }

    /// Number of VRB pairs (the N_PRB of the TBS table).
    pub fn n_prb(&self) -> usize {
        self.prbs[0].len()
    }
}

fn bad(what: &'static str, value: String) -> Error {
    Error::Unsupported { what, value }
}

fn check_n_prb(n_prb: usize) -> Result<()> {
    if (6..=110).contains(&n_prb) {
        Ok(())
    } else {
        Err(bad("N_RB^DL", n_prb.to_string()))
    }
}

/// Type 0: PRBs of the RBG `bitmap` (⌈N/P⌉ bits, RBG 0 first).
///
/// # Errors
/// [`Error::Length`] for a bitmap that is not ⌈N/P⌉ bits; [`Error::Unsupported`] for
/// N outside 6…110.
pub fn type0(bitmap: &[u8], n_prb: usize) -> Result<Allocation> {
    check_n_prb(n_prb)?;
    let p = rbg_size(n_prb);
    let n_rbg = n_prb.div_ceil(p);
    if bitmap.len() != n_rbg {
        return Err(Error::Length {
            what: "type 0 bitmap",
            expected: n_rbg,
            got: bitmap.len(),
        });
    }
    let prbs = bitmap
        .iter()
        .enumerate()
        .filter(|(_, &b)| b & 1 == 1)
        .flat_map(|(j, _)| p * j..(p * j + p).min(n_prb))
        .collect();
    Ok(Allocation::same(prbs))
}

fn log2_ceil(x: usize) -> usize {
    (usize::BITS - (x.max(1) - 1).leading_zeros()) as usize
}

/// N_RB^RBGsubset(p): PRBs in RBG subset `p` (36.213 §7.1.6.2).
pub fn rbg_subset_size(p_subset: usize, n_prb: usize) -> usize {
    let p = rbg_size(n_prb);
    let base = (n_prb - 1) / (p * p) * p;
    let last = ((n_prb - 1) / p) % p;
    match p_subset.cmp(&last) {
        std::cmp::Ordering::Less => base + p,
        std::cmp::Ordering::Equal => base + (n_prb - 1) % p + 1,
        std::cmp::Ordering::Greater => base,
    }
}

/// N_RB^TYPE1 = ⌈N/P⌉ − ⌈log₂P⌉ − 1: bitmap bits of a type-1 allocation.
pub fn type1_bits(n_prb: usize) -> usize {
    let p = rbg_size(n_prb);
    n_prb.div_ceil(p) - log2_ceil(p) - 1
}

/// Type 1: PRBs of the ⌈N/P⌉-bit resource-block field (subset, shift, bitmap).
///
/// # Errors
/// [`Error::Length`] for a wrong field length; [`Error::Unsupported`] for N ≤ 10 (no type
/// 1 there), a subset ≥ P, or a bit addressing a PRB outside the subset.
pub fn type1(field: &[u8], n_prb: usize) -> Result<Allocation> {
    check_n_prb(n_prb)?;
    if n_prb <= 10 {
        return Err(bad("type 1 allocation with N_RB^DL", n_prb.to_string()));
    }
    let p = rbg_size(n_prb);
    let want = n_prb.div_ceil(p);
    if field.len() != want {
        return Err(Error::Length {
            what: "type 1 field",
            expected: want,
            got: field.len(),
        });
    }
    let hb = log2_ceil(p);
    let subset = field[..hb]
        .iter()
        .fold(0usize, |v, &b| (v << 1) | usize::from(b & 1));
    if subset >= p {
        return Err(bad("RBG subset", subset.to_string()));
    }
    let shift = field[hb] & 1 == 1;
    let n_t1 = type1_bits(n_prb);
    let n_sub = rbg_subset_size(subset, n_prb);
    let delta = if shift { n_sub.saturating_sub(n_t1) } else { 0 };
    let mut prbs = Vec::new();
    for (i, &b) in field[hb + 1..].iter().enumerate() {
        if b & 1 == 0 {
            continue;
        }
        let j = i + delta;
        if j >= n_sub {
            return Err(bad("type 1 bit", format!("{i} beyond subset {subset}")));
        }
        prbs.push(j / p * p * p + subset * p + j % p);
    }
    Ok(Allocation::same(prbs))
}

/// The type-1 field (⌈N/P⌉ bits) for `subset`, `shift` and the subset-relative indices
/// `bits` set (the transmit side of [`type1`]).
///
/// # Errors
/// [`Error::Unsupported`] for N ≤ 10, a subset ≥ P or an index ≥ N_RB^TYPE1.
pub fn type1_emit(subset: usize, shift: bool, bits: &[usize], n_prb: usize) -> Result<Vec<u8>> {
    check_n_prb(n_prb)?;
    let p = rbg_size(n_prb);
    if n_prb <= 10 || subset >= p {
        return Err(bad("type 1 subset", format!("{subset} (N = {n_prb})")));
    }
    let hb = log2_ceil(p);
    let mut f: Vec<u8> = (0..hb).rev().map(|i| ((subset >> i) & 1) as u8).collect();
    f.push(u8::from(shift));
    let n_t1 = type1_bits(n_prb);
    let mut map = vec![0u8; n_t1];
    for &i in bits {
        *map.get_mut(i)
            .ok_or_else(|| bad("type 1 bit index", i.to_string()))? = 1;
    }
    f.extend(map);
    Ok(f)
}

/// N_gap (36.211 Table 6.2.3.2-1): `gap2` selects N_gap,2 (N ≥ 50 only).
///
/// # Errors
/// [`Error::Unsupported`] for N outside 6…110 or gap 2 below 50 PRBs.
pub fn n_gap(n_prb: usize, gap2: bool) -> Result<usize> {
    check_n_prb(n_prb)?;
    Ok(match (n_prb, gap2) {
        (6..=10, false) => n_prb.div_ceil(2),
        (11, false) => 4,
        (12..=19, false) => 8,
        (20..=26, false) => 12,
        (27..=44, false) => 18,
        (45..=63, false) => 27,
        (64..=79, false) => 32,
        (80..=110, false) => 48,
        (50..=63, true) => 9,
        (64..=110, true) => 16,
        _ => return Err(bad("N_gap,2 with N_RB^DL", n_prb.to_string())),
    })
}

/// N_VRB^DL of distributed VRBs: 2·min(N_gap, N − N_gap) for gap 1,
/// ⌊N/(2·N_gap)⌋·2·N_gap for gap 2.
///
/// # Errors
/// As [`n_gap`].
pub fn n_vrb_distributed(n_prb: usize, gap2: bool) -> Result<usize> {
    let g = n_gap(n_prb, gap2)?;
    Ok(if gap2 {
        n_prb / (2 * g) * 2 * g
    } else {
        2 * g.min(n_prb - g)
    })
}

/// PRB of distributed VRB `n_vrb` in slot `slot` (0/1) of a cell of `n_prb` PRBs.
///
/// # Errors
/// As [`n_gap`], or a VRB ≥ N_VRB^DL.
pub fn distributed_prb(n_vrb: usize, slot: usize, n_prb: usize, gap2: bool) -> Result<usize> {
    let gap = n_gap(n_prb, gap2)?;
    let n_vrb_dl = n_vrb_distributed(n_prb, gap2)?;
    if n_vrb >= n_vrb_dl {
        return Err(bad("distributed VRB", format!("{n_vrb} of {n_vrb_dl}")));
    }
    let nt = if gap2 { 2 * gap } else { n_vrb_dl };
    let p = rbg_size(n_prb);
    let n_row = nt.div_ceil(4 * p) * p;
    let n_null = 4 * n_row - nt;
    let v = n_vrb % nt;
    let block = nt * (n_vrb / nt);
    // Position of v in the column-by-column read of the interleaver matrix.
    let tail = n_null > 0 && v >= nt - n_null;
    let t = if tail {
        // The last N_null/2 rows hold two VRBs each, in columns 0 and 2.
        let r = n_row - n_null / 2 + (v - (nt - n_null)) / 2;
        if v.is_multiple_of(2) {
            r
        } else {
            2 * n_row - n_null / 2 + r
        }
    } else {
        let (r, c) = (v / 4, v % 4);
        // Column c is preceded by columns 0…c−1; columns 1 and 3 lose N_null/2 nulls.
        let nulls_before = match c {
            0 | 1 => 0,
            2 | 3 => n_null / 2,
            _ => unreachable!(),
        };
        c * n_row + r - nulls_before
    };
    let t = if slot % 2 == 1 { (t + nt / 2) % nt } else { t };
    let t = t + block;
    let t_in = t - block;
    Ok(if t_in < nt / 2 { t } else { t + gap - nt / 2 })
}

/// Type 2: `len` VRBs from `start`, localized (`distributed = None`) or distributed with
/// gap 1/2 (`Some(gap2)`).
///
/// # Errors
/// [`Error::Unsupported`] for an empty or out-of-range run.
pub fn type2(
    start: usize,
    len: usize,
    distributed: Option<bool>,
    n_prb: usize,
) -> Result<Allocation> {
    check_n_prb(n_prb)?;
    let n_vrb = match distributed {
        None => n_prb,
        Some(g2) => n_vrb_distributed(n_prb, g2)?,
    };
    if len == 0 || start + len > n_vrb {
        return Err(bad("type 2 run", format!("{start}+{len} of {n_vrb}")));
    }
    match distributed {
        None => Ok(Allocation::same((start..start + len).collect())),
        Some(g2) => {
            let mut prbs = [Vec::with_capacity(len), Vec::with_capacity(len)];
            for (slot, s) in prbs.iter_mut().enumerate() {
                for v in start..start + len {
                    s.push(distributed_prb(v, slot, n_prb, g2)?);
                }
                s.sort_unstable();
            }
            Ok(Allocation { prbs })
        }
    }
}

/// The format 1C step N_RB^step: 2 below 50 PRBs, else 4.
pub fn step_1c(n_prb: usize) -> usize {
    if n_prb < 50 {
        2
    } else {
        4
    }
}

/// N'_VRB^DL = ⌊N_VRB,gap1^DL / N_RB^step⌋, the RIV range of format 1C.
///
/// # Errors
/// As [`n_gap`].
pub fn n_vrb_1c(n_prb: usize) -> Result<usize> {
    Ok(n_vrb_distributed(n_prb, false)? / step_1c(n_prb))
}

/// The PRBs a downlink DCI assigns (formats 1, 1A, 1C and 2A; format 0 is an uplink
/// grant). `rnti` decides the format 1A distributed gap bit: for a C-RNTI on ≥ 50 PRBs
/// the most significant bit of the resource field selects N_gap,2 (36.212 §5.3.3.1.3).
///
/// # Errors
/// [`Error::Unsupported`] for format 0, a RIV outside the table, an invalid type-1 field.
pub fn from_dci(d: &Dci, n_prb: usize, rnti: u16) -> Result<Allocation> {
    check_n_prb(n_prb)?;
    match d {
        Dci::F0 { .. } => Err(bad("downlink allocation of DCI format", "0".into())),
        Dci::F1 {
            alloc_type1,
            bitmap,
            ..
        }
        | Dci::F2A {
            alloc_type1,
            bitmap,
            ..
        } => {
            if *alloc_type1 {
                type1(bitmap, n_prb)
            } else {
                type0(bitmap, n_prb)
            }
        }
        Dci::F1A {
            distributed, riv, ..
        } => {
            let rb = log2_ceil(n_prb * (n_prb + 1) / 2);
            let (gap2, riv) = if *distributed && n_prb >= 50 && crate::pdcch::is_c_rnti(rnti) {
                ((riv >> (rb - 1)) & 1 == 1, riv & ((1 << (rb - 1)) - 1))
            } else {
                (false, *riv)
            };
            let (start, len) =
                dci::riv_decode(riv, n_prb).ok_or_else(|| bad("format 1A RIV", riv.to_string()))?;
            type2(start, len, distributed.then_some(gap2), n_prb)
        }
        Dci::F1C { gap, riv, .. } => {
            let n = n_vrb_1c(n_prb)?;
            let (s, l) =
                dci::riv_decode(*riv, n).ok_or_else(|| bad("format 1C RIV", riv.to_string()))?;
            let step = step_1c(n_prb);
            type2(step * s, step * l, Some(*gap), n_prb)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interleaver written out as a matrix (the spec's description), as an oracle.
    fn matrix_prbs(n_prb: usize, gap2: bool, slot: usize) -> Vec<usize> {
        let gap = n_gap(n_prb, gap2).unwrap();
        let n_vrb = n_vrb_distributed(n_prb, gap2).unwrap();
        let nt = if gap2 { 2 * gap } else { n_vrb };
        let p = rbg_size(n_prb);
        let n_row = nt.div_ceil(4 * p) * p;
        let n_null = 4 * n_row - nt;
        let mut out = vec![usize::MAX; n_vrb];
        for b in 0..n_vrb / nt {
            // Write row by row, skipping nulls.
            let mut m = vec![vec![None; 4]; n_row];
            let mut v = 0;
            for (r, row) in m.iter_mut().enumerate() {
                for (c, x) in row.iter_mut().enumerate() {
                    let null = r >= n_row - n_null / 2 && (c == 1 || c == 3);
                    if !null {
                        *x = Some(v);
                        v += 1;
                    }
                }
            }
            assert_eq!(v, nt);
            let read: Vec<usize> = (0..4)
                .flat_map(|c| m.iter().filter_map(move |row| row[c]))
                .collect();
            for (t, &vv) in read.iter().enumerate() {
                let t = if slot == 1 { (t + nt / 2) % nt } else { t };
                let prb = if t < nt / 2 { t } else { t + gap - nt / 2 };
                out[b * nt + vv] = b * nt + prb;
            }
        }
        out
    }

    #[test]
    fn distributed_mapping_matches_the_interleaver_matrix() {
        for n in 6..=110 {
            for gap2 in [false, true] {
                if gap2 && n < 50 {
                    continue;
                }
                for slot in 0..2 {
                    let want = matrix_prbs(n, gap2, slot);
                    let got: Vec<usize> = (0..want.len())
                        .map(|v| distributed_prb(v, slot, n, gap2).unwrap())
                        .collect();
                    assert_eq!(got, want, "N {n} gap2 {gap2} slot {slot}");
                    assert!(got.iter().all(|&x| x < n));
                }
            }
        }
    }

    #[test]
    fn distributed_by_hand_6_and_25_prb() {
        // 6 PRB: N_gap = 3, Ñ = 6, P = 1, N_row = 2, N_null = 2. Matrix rows
        // [0 1 2 3], [4 · 5 ·]; read by column: 0 4 1 2 5 3 → PRB of VRB 0…5 in slot 0:
        // 0 2 3 5 1 4 (all < 3 stay, ≥ 3 move by N_gap − 3 = 0).
        let s0: Vec<usize> = (0..6)
            .map(|v| distributed_prb(v, 0, 6, false).unwrap())
            .collect();
        assert_eq!(s0, vec![0, 2, 3, 5, 1, 4]);
        // Slot 1 shifts the interleaved index by 3.
        let s1: Vec<usize> = (0..6)
            .map(|v| distributed_prb(v, 1, 6, false).unwrap())
            .collect();
        assert_eq!(s1, vec![3, 5, 0, 2, 4, 1]);
        // 25 PRB: N_gap = 12, N_VRB = 24, P = 2, N_row = 6, N_null = 0. VRB v at row v/4,
        // column v%4 → index 6·(v%4) + v/4; indices ≥ 12 move up by 12 − 12 = 0.
        for v in 0..24 {
            assert_eq!(
                distributed_prb(v, 0, 25, false).unwrap(),
                6 * (v % 4) + v / 4
            );
        }
        // 50 PRB, gap 1: N_gap = 27, N_VRB = 46, Ñ/2 = 23: indices ≥ 23 move up by 4,
        // leaving PRBs 23–26 unused.
        let used: std::collections::BTreeSet<usize> = (0..46)
            .map(|v| distributed_prb(v, 0, 50, false).unwrap())
            .collect();
        assert!((23..27).all(|k| !used.contains(&k)));
        assert_eq!(used.len(), 46);
    }

    #[test]
    fn type0_bitmaps() {
        // 25 PRB: P = 2, 13 RBGs, the last holds PRB 24 only.
        let mut b = vec![0u8; 13];
        b[0] = 1;
        b[5] = 1;
        b[12] = 1;
        assert_eq!(type0(&b, 25).unwrap().prbs[0], vec![0, 1, 10, 11, 24]);
        // 50 PRB: P = 3, 17 RBGs, the last holds 48, 49.
        let mut b = vec![0u8; 17];
        b[1] = 1;
        b[16] = 1;
        assert_eq!(type0(&b, 50).unwrap().prbs[0], vec![3, 4, 5, 48, 49]);
        // 100 PRB: P = 4, 25 RBGs.
        let b = vec![1u8; 25];
        assert_eq!(type0(&b, 100).unwrap().n_prb(), 100);
        assert!(type0(&[1, 0], 25).is_err());
    }

    #[test]
    fn type1_subsets_and_shift() {
        // 25 PRB: P = 2, ⌈log₂2⌉ = 1 subset bit, 1 shift bit, N_TYPE1 = 13 − 2 = 11.
        // Subset 0 = RBGs 0, 2, 4, … → PRBs 0,1, 4,5, 8,9, 12,13, 16,17, 20,21, 24 (13 PRBs);
        // subset 1 → PRBs 2,3, 6,7, …, 22,23 (12 PRBs).
        assert_eq!(type1_bits(25), 11);
        assert_eq!(rbg_subset_size(0, 25), 13);
        assert_eq!(rbg_subset_size(1, 25), 12);
        let all: Vec<usize> = (0..11).collect();
        let f = type1_emit(0, false, &all, 25).unwrap();
        assert_eq!(f.len(), 13);
        assert_eq!(
            type1(&f, 25).unwrap().prbs[0],
            vec![0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20]
        );
        // Shift: Δ = 13 − 11 = 2, so bit 0 is the subset's third PRB.
        let f = type1_emit(0, true, &all, 25).unwrap();
        assert_eq!(
            type1(&f, 25).unwrap().prbs[0],
            vec![4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24]
        );
        // Subset 1 shifted: Δ = 12 − 11 = 1.
        let f = type1_emit(1, true, &[0, 10], 25).unwrap();
        assert_eq!(type1(&f, 25).unwrap().prbs[0], vec![3, 23]);
        // 100 PRB: P = 4, 25 − 2 − 1 = 22 bits; subset 3, bit 5 → ⌊5/4⌋·16 + 12 + 1 = 29.
        assert_eq!(type1_bits(100), 22);
        let f = type1_emit(3, false, &[5], 100).unwrap();
        assert_eq!(type1(&f, 100).unwrap().prbs[0], vec![29]);
        // Subset sizes of 100 PRB sum to 100.
        assert_eq!((0..4).map(|p| rbg_subset_size(p, 100)).sum::<usize>(), 100);
        assert!(type1(&f[..5], 100).is_err());
        assert!(type1_emit(0, false, &[0], 6).is_err());
    }

    #[test]
    fn dci_driven_allocations() {
        // 1A localized.
        let d = Dci::F1A {
            distributed: false,
            riv: dci::riv_encode(2, 3, 6),
            mcs: 0,
            harq: 0,
            ndi: false,
            rv: 0,
            tpc: 0,
        };
        assert_eq!(from_dci(&d, 6, 0xFFFF).unwrap().prbs[0], vec![2, 3, 4]);
        // 1C on 6 PRB: N' = 6/2 = 3; RIV of (1, 2) in units of 2 → VRBs 2…5.
        let d = Dci::F1C {
            gap: false,
            riv: dci::riv_encode(1, 2, 3),
            tbs_index: 3,
        };
        let a = from_dci(&d, 6, 0xFFFF).unwrap();
        let want: Vec<usize> = {
            let mut v: Vec<usize> = (2..6)
                .map(|v| distributed_prb(v, 0, 6, false).unwrap())
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(a.prbs[0], want);
        assert_eq!(a.prbs[0], vec![1, 3, 4, 5]);
        // 1A distributed with a C-RNTI on 100 PRB: the RIV MSB picks gap 2.
        let rb = 13;
        let riv = (1 << (rb - 1)) | dci::riv_encode(0, 4, 100);
        let d = Dci::F1A {
            distributed: true,
            riv,
            mcs: 0,
            harq: 0,
            ndi: false,
            rv: 0,
            tpc: 0,
        };
        let a = from_dci(&d, 100, 0x1234).unwrap();
        let want: Vec<usize> = {
            let mut v: Vec<usize> = (0..4)
                .map(|v| distributed_prb(v, 0, 100, true).unwrap())
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(a.prbs[0], want);
    }
}
