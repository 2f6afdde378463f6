//! Physical control format indicator channel (CFI → number of control symbols).
//!
//! CFI 1/2/3 → a 32-bit code word (36.212 Table 5.3.4-1), scrambled with
//! c_init = (⌊ns/2⌋ + 1)(2N_ID + 1)·2⁹ + N_ID, QPSK, transmit diversity, mapped to four
//! REGs of symbol 0: quadruplet i to the REG holding subcarrier
//! k̄ + ⌊i·N_RB/2⌋·6 (mod 12·N_RB), k̄ = 6·(N_ID mod 2N_RB).
//! Control symbols = CFI, or CFI + 1 when N_RB ≤ 10 (36.211 Table 6.7-1).
//!
//! # References
//! 3GPP TS 36.211 §6.7; TS 36.212 §5.3.4.

use crate::estimation::ChannelEstimate;
use crate::grid::ResourceGrid;
use crate::pdcch::Reg;
use crate::sequence::Gold;
use crate::Complex32;

/// The 32-bit CFI code word of CFI 1…3.
pub fn codeword(cfi: u8) -> [u8; 32] {
    let pat: [u8; 3] = match cfi {
        1 => [0, 1, 1],
        2 => [1, 0, 1],
        _ => [1, 1, 0],
    };
    let mut w = [0u8; 32];
    for (i, b) in w.iter_mut().enumerate() {
        *b = pat[i % 3];
    }
    w
}

/// Number of OFDM symbols of the control region for `cfi` on a cell of `n_prb` PRBs.
pub fn control_symbols(cfi: u8, n_prb: usize) -> usize {
    usize::from(cfi) + usize::from(n_prb <= 10)
}

/// The four PCFICH REGs of symbol 0 (in quadruplet order), as indices into the symbol-0
/// REG list (REG r covers subcarriers 6r … 6r + 5).
pub fn reg_indices(n_prb: usize, pci: u16) -> [usize; 4] {
    let n_sc = 12 * n_prb;
    let kbar = 6 * (usize::from(pci) % (2 * n_prb));
    let mut out = [0usize; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = ((kbar + (i * n_prb / 2) * 6) % n_sc) / 6;
    }
    out
}

fn c_init(subframe: usize, pci: u16) -> u32 {
    let id = u32::from(pci);
    (subframe as u32 % 10 + 1) * (2 * id + 1) * 512 + id
}

/// Decode the CFI. `regs0` are the REGs of symbol 0 (from [`crate::pdcch::regs_in_symbol`]).
/// Returns (CFI, normalised correlation of the best code word in −1…1).
pub fn decode<T: AsRef<[Complex32]>>(
    grid: &ResourceGrid<T>,
    est: &ChannelEstimate,
    regs0: &[Reg],
    n_prb: usize,
    pci: u16,
    ports: usize,
    subframe: usize,
) -> (u8, f32) {
    let res: Vec<(usize, usize)> = reg_indices(n_prb, pci)
        .iter()
        .flat_map(|&r| regs0[r].k.iter().map(move |&k| (k, 0usize)))
        .collect();
    let eq = crate::pdcch::equalize_res(grid, est, &res, ports);
    let mut llr = crate::pbch::qpsk_llrs(&eq);
    Gold::new(c_init(subframe, pci)).descramble_llrs(&mut llr);
    let norm: f32 = llr.iter().map(|v| v.abs()).sum::<f32>().max(1e-12);
    let mut best = (1u8, f32::NEG_INFINITY);
    for cfi in 1..=3u8 {
        let w = codeword(cfi);
        let s: f32 = llr
            .iter()
            .zip(&w)
            .map(|(l, &b)| if b == 0 { *l } else { -*l })
            .sum();
        if s > best.1 {
            best = (cfi, s);
        }
    }
    (best.0, best.1 / norm)
}

/// Map the PCFICH for `cfi` onto the symbol 0 of each port's grid.
pub fn map<T: AsRef<[Complex32]> + AsMut<[Complex32]>>(
    grids: &mut [ResourceGrid<T>],
    regs0: &[Reg],
    cfi: u8,
    n_prb: usize,
    pci: u16,
    ports: usize,
    subframe: usize,
) {
    let mut bits = codeword(cfi).to_vec();
    Gold::new(c_init(subframe, pci)).scramble_bits(&mut bits);
    let mut x = vec![Complex32::default(); 16];
    crate::modulation::map(crate::modulation::Modulation::Qpsk, &bits, &mut x);
    let res: Vec<usize> = reg_indices(n_prb, pci)
        .iter()
        .flat_map(|&r| regs0[r].k.to_vec())
        .collect();
    crate::pdcch::map_res(
        grids,
        &x,
        &res.iter().map(|&k| (k, 0)).collect::<Vec<_>>(),
        ports,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codewords_and_regs() {
        assert_eq!(&codeword(2)[..6], &[1, 0, 1, 1, 0, 1]);
        assert_eq!(control_symbols(3, 6), 4);
        assert_eq!(control_symbols(2, 50), 2);
        assert_eq!(reg_indices(6, 1), [1, 4, 7, 10]);
    }
}
