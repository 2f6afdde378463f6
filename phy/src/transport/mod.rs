//! Transport channels: coding chains between MAC transport blocks and physical channels.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`bch`] | BCH: MIB, CRC16 + port mask, TBCC, conv rate matching | 36.212 §5.3.1 |
//! | `tables` | TBS and MCS tables (generated) | 36.213 §7.1.7 |

pub mod bch;
// The 256QAM and PUSCH MCS tables serve the channel-coding branch's DL-SCH/UL-SCH users.
#[allow(dead_code)]
pub(crate) mod tables;
