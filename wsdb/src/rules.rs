//! Regulatory constants.
//!
//! # References
//! ETSI EN 301 598 V1.1.1 §4.2.6.4 (a master device shall stop within T_Update of losing
//! the database; a slave within 5 s of losing its master).

/// Seconds within which an ETSI master device must cease transmission after losing contact
/// with the database (T_Update default, 60 s).
pub const ETSI_MASTER_STOP_S: u32 = 60;

/// Seconds within which an ETSI slave device must cease transmission after losing its master.
pub const ETSI_SLAVE_STOP_S: u32 = 5;
