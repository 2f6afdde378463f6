//! Forward error correction and the transport-channel building blocks.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`crc`] | CRC24A/24B/16/8 | 36.212 §5.1.1 |
//! | [`convolutional`] | tail-biting CC 133/171/165, wrap-around Viterbi, CC sub-block interleaver | 36.212 §5.1.3.1, §5.1.4.2.1 |

pub mod convolutional;
pub mod crc;
