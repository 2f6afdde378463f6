//! Forward error correction and the transport-channel building blocks.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`crc`] | CRC24A/24B/16/8 | 36.212 §5.1.1 |
//! | [`convolutional`] | tail-biting CC 133/171/165, wrap-around Viterbi | 36.212 §5.1.3.1 |
//! | [`segmentation`] | code block segmentation (filler bits, CRC24B) and concatenation | 36.212 §5.1.2, §5.1.5 |
//! | [`turbo`] | QPP interleaver, turbo encoder, f32 and SIMD i16 decoders | 36.212 §5.1.3.2 |
//! | [`subblock`] | sub-block interleavers (turbo and convolutional) | 36.212 §5.1.4.1.1, §5.1.4.2.1 |
//! | [`ratematch`] | rate matching / dematching, turbo (rv, N_cb) and convolutional | 36.212 §5.1.4.1, §5.1.4.2 |
//! | [`harq`] | HARQ soft buffer: saturating i16 incremental-redundancy combining | 36.212 §5.1.4.1.2, 36.321 §5.3.2 |

pub mod convolutional;
pub mod crc;
pub mod harq;
pub mod ratematch;
pub mod segmentation;
pub mod subblock;
pub mod turbo;
