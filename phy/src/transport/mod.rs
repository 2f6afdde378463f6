//! Transport channels: coding chains between MAC transport blocks and physical channels.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`bch`] | BCH: MIB, CRC16 + port mask, TBCC, conv rate matching | 36.212 §5.3.1 |
//! | `tables` | TBS and MCS tables (generated) | 36.213 §7.1.7 |

pub mod bch;
pub mod tables;
