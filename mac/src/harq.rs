//! Hybrid ARQ.
//!
//! # References
//! 3GPP TS 36.321 §5.3.2; redundancy-version order of TS 36.213 §7.1 / 36.321 §5.3.2.2.

/// Redundancy versions used on successive (re)transmissions of a transport block.
pub const RV_SEQUENCE: [u8; 4] = [0, 2, 3, 1];

/// Redundancy version of transmission number `tx` (0 = first transmission).
pub fn rv_for_transmission(tx: usize) -> u8 {
    RV_SEQUENCE[tx % RV_SEQUENCE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rv_cycle() {
        let rvs: Vec<u8> = (0..6).map(rv_for_transmission).collect();
        assert_eq!(rvs, [0, 2, 3, 1, 0, 2]);
    }
}
