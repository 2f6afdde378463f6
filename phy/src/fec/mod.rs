//! Forward error correction and the transport-channel building blocks.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`crc`] | CRC24A/24B/16/8 | 36.212 §5.1.1 |

pub mod crc;
