//! Downlink reference signals.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`crs`] | cell-specific reference signals, ports 0–3 | 36.211 §6.10.1 |

pub mod crs;
