//! PHICH resource mapping: which REGs of the control region the PHICH groups occupy (the
//! PDCCH uses the rest).
//!
//! N_group = ⌈N_g·N_RB/8⌉ (×2 for extended CP); normal duration: group m′ takes the three
//! symbol-0 REGs n̄_i = (N_ID + m′ + ⌊i·n′₀/3⌋) mod n′₀, i = 0, 1, 2, counted among the n′₀
//! symbol-0 REGs not used by the PCFICH, in frequency order.
//!
//! Not done: extended PHICH duration (REGs spread over symbols 0–2), HI encoding.
//!
//! # References
//! 3GPP TS 36.211 §6.9, §6.9.3.

use crate::mib::PhichResource;
use crate::numerology::CyclicPrefix;

/// Number of PHICH groups.
pub fn n_groups(res: PhichResource, n_prb: usize, cp: CyclicPrefix) -> usize {
    let (num, den) = res.ng();
    let g = (num * n_prb).div_ceil(8 * den);
    match cp {
        CyclicPrefix::Normal => g,
        CyclicPrefix::Extended => 2 * g,
    }
}

/// Indices (into the symbol-0 REG list) of all PHICH REGs, normal duration.
/// `pcfich` are the four PCFICH REG indices, `n_reg0` the number of symbol-0 REGs.
pub fn reg_indices(n_reg0: usize, pcfich: &[usize; 4], groups: usize, pci: u16) -> Vec<usize> {
    let free: Vec<usize> = (0..n_reg0).filter(|r| !pcfich.contains(r)).collect();
    let n0 = free.len();
    let mut out = Vec::with_capacity(3 * groups);
    if n0 == 0 {
        return out;
    }
    for m in 0..groups {
        for i in 0..3 {
            let nb = (usize::from(pci) + m + i * n0 / 3) % n0;
            out.push(free[nb]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(n_groups(PhichResource::One, 6, CyclicPrefix::Normal), 1);
        assert_eq!(n_groups(PhichResource::One, 50, CyclicPrefix::Normal), 7);
        assert_eq!(
            n_groups(PhichResource::OneSixth, 25, CyclicPrefix::Normal),
            1
        );
        let r = reg_indices(12, &[1, 4, 7, 10], 1, 1);
        assert_eq!(r, vec![2, 5, 9]);
    }
}
