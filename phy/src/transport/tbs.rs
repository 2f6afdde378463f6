//! MCS and transport-block-size lookup (3GPP TS 36.213).
//!
//! The tables are embedded from `scripts/gen_lte_tables.py` (`tables.rs`, `@generated`);
//! `phy/tests/fec_tables.rs` re-reads the reference CSVs and checks every entry.

use super::tables;
use crate::modulation::Modulation;
use crate::{Error, Result};

/// Which MCS table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McsTable {
    /// PDSCH, 36.213 Table 7.1.7.1-1 (up to 64QAM).
    Pdsch,
    /// PDSCH with 256QAM, Table 7.1.7.1-1A.
    Pdsch256Qam,
    /// PUSCH, Table 8.6.1-1 (`Q'_m` before UE-category capping).
    Pusch,
}

/// `(modulation, I_TBS)` of `i_mcs` in `table`.
///
/// # Errors
/// [`Error::Unsupported`] if `i_mcs` is out of range or reserved (retransmission-only
/// entries have no I_TBS).
pub fn mcs(table: McsTable, i_mcs: usize) -> Result<(Modulation, usize)> {
    let t: &[(u8, i8)] = match table {
        McsTable::Pdsch => &tables::MCS_PDSCH,
        McsTable::Pdsch256Qam => &tables::MCS_PDSCH_256QAM,
        McsTable::Pusch => &tables::MCS_PUSCH,
    };
    let err = || Error::Unsupported {
        what: "I_MCS (out of range or reserved)",
        value: i_mcs.to_string(),
    };
    let &(qm, itbs) = t.get(i_mcs).ok_or_else(err)?;
    let m = Modulation::from_bits_per_symbol(qm as usize).ok_or_else(err)?;
    let itbs = usize::try_from(itbs).map_err(|_| err())?;
    Ok((m, itbs))
}

/// TBS in bits for `i_tbs` (0..=33) and `n_prb` (1..=110), 36.213 Table 7.1.7.2.1-1.
///
/// # Errors
/// [`Error::Unsupported`] outside those ranges.
pub fn tbs(i_tbs: usize, n_prb: usize) -> Result<usize> {
    if i_tbs > 33 || !(1..=110).contains(&n_prb) {
        return Err(Error::Unsupported {
            what: "(I_TBS, N_PRB)",
            value: format!("({i_tbs}, {n_prb})"),
        });
    }
    Ok(tables::TBS[i_tbs][n_prb - 1] as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_checks() {
        assert_eq!(tbs(26, 100).unwrap(), 75_376);
        assert_eq!(tbs(6, 3).unwrap(), 256);
        assert_eq!(tbs(33, 110).unwrap(), 97_896);
        assert!(tbs(34, 1).is_err() && tbs(0, 0).is_err() && tbs(0, 111).is_err());
        assert_eq!(mcs(McsTable::Pdsch, 6).unwrap(), (Modulation::Qpsk, 6));
        assert_eq!(mcs(McsTable::Pdsch, 28).unwrap(), (Modulation::Qam64, 26));
        assert!(mcs(McsTable::Pdsch, 29).is_err());
        assert!(mcs(McsTable::Pusch, 31).is_err());
        assert!(mcs(McsTable::Pdsch, 32).is_err());
    }
}
