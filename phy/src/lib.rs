//! # lastmile-phy — the LTE-style OFDMA physical layer
//!
//! Signal processing only: no files, no sockets, no clocks. Every kernel borrows its
//! input and output buffers, plans once and does not allocate per symbol.
//!
//! ## Module map (named after the chapters of the standard)
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`sequence`] | the length-31 Gold pseudo-random sequence c(n) | 3GPP TS 36.211 §7.2 |
//! | [`fec::crc`] | CRC24A/24B/16/8 attachment and checking | 36.212 §5.1.1 |
//! | [`fec`] | segmentation, turbo code (SIMD decoder), rate matching, HARQ buffer | 36.212 §5.1 |
//! | [`transport`] | DL-SCH / UL-SCH chains, MCS/TBS tables, transform precoding | 36.212 §5.2.2, §5.3.2; 36.213 §7.1.7 |
//! | [`modulation`] | BPSK…256QAM mapping and max-log soft demapping | 36.211 §7.1 |
//! | [`tv`] | TV channel rasters (US 6 MHz, EU 8 MHz UHF, EU 7 MHz VHF) | FCC 47 CFR §73.603, GE06 |
//! | [`numerology`] | bandwidths, FFT sizes, CP, FDD/TDD frame timing, LTE-in-TV-channel plans | 36.211 §4, §6.12 |
//! | [`ofdm`] | OFDM modulator/demodulator with CP | 36.211 §6.12 |
//! | [`grid`] | zero-copy resource-grid view of a subframe | 36.211 §6.2 |
//! | [`sync`] | PSS, SSS, timing and CFO synchronisation | 36.211 §6.11 |
//! | [`pbch`] | PBCH mapping, scrambling, receive to BCH soft bits | 36.211 §6.6 |
//! | [`pcfich`] | CFI coding and PCFICH mapping | 36.211 §6.7, 36.212 §5.3.4 |
//! | [`phich`] | PHICH group resource mapping | 36.211 §6.9.3 |
//! | [`pdcch`] | REGs, quadruplet interleaving, CCE extraction/mapping, common and UE-specific search spaces | 36.211 §6.8, 36.213 §9.1.1 |
//! | [`dci`] | DCI sizes, RNTI-masked CRC, blind candidate decoding, formats 0/1/1A/1C/2A | 36.212 §5.3.3 |
//! | [`ra`] | downlink resource allocation types 0/1/2, distributed VRB→PRB mapping | 36.213 §7.1.6, 36.211 §6.2.3 |
//! | [`pdsch`] | PDSCH RE demapping, TB decode, subframe/capture receive pipeline | 36.211 §6.3–6.4, 36.212 §5.3.2 |
//! | [`mib`] | master information block parse/emit | 36.331 §6.2.2 |
//! | [`transport::bch`] | BCH coding chain | 36.212 §5.3.1 |
//! | [`estimation`] | LS channel estimation on CRS, linear and Wiener interpolation, noise, several RX antennas | 36.211 §6.10.1 |
//! | [`equalize`] | ZF/MMSE, SFBC transmit-diversity combining | 36.211 §6.3.4.3 |
//! | [`mimo`] | layer mapping, precoding (TxD, TM3 CDD, TM4 codebook), ZF/MMSE MIMO receivers | 36.211 §6.3.3–6.3.4 |
//! | [`cellsearch`] | PSS/SSS/CRS cell search, fractional and integer CFO, RSRP/RSSI/RSRQ, MIB on any capture rate | 36.211 §6.11, §6.6 |
//! | [`refsig`] | cell-specific reference signals | 36.211 §6.10.1 |
//!
//! ## Example
//!
//! ```
//! use lastmile_phy::fec::crc::{Crc, CrcKind};
//! let crc = Crc::new(CrcKind::Crc24A);
//! // ASCII "123456789", one bit per byte, MSB first.
//! let bits: Vec<u8> = b"123456789".iter().flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1)).collect();
//! assert_eq!(crc.checksum_bits(&bits), 0xCDE703);
//! ```
//!
//! Bit conventions: a "bit slice" is `&[u8]` holding one bit (0 or 1) per byte, first
//! transmitted bit first. LLRs are `f32` (or `i16`/`i8` in fixed-point kernels) with the
//! convention LLR = ln P(b=0)/P(b=1): positive means 0.

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod cellsearch;
pub mod dci;
pub mod equalize;
pub mod estimation;
pub mod fec;
pub mod grid;
pub mod mib;
pub mod mimo;
pub mod modulation;
pub mod numerology;
pub mod ofdm;
pub mod pbch;
pub mod pcfich;
pub mod pdcch;
pub mod pdsch;
pub mod phich;
pub mod ra;
pub mod refsig;
pub mod sequence;
pub mod sync;
pub mod transport;
pub mod tv;

pub use num_complex::Complex32;

/// Errors of the physical layer's APIs (bad lengths, unsupported parameters).
///
/// A failed CRC or a cell not found is an outcome in a return value, never an `Error`.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A buffer had the wrong length for the operation.
    #[error("{what}: expected length {expected}, got {got}")]
    Length {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// A parameter is outside what the standard (or this implementation) supports.
    #[error("unsupported {what}: {value}")]
    Unsupported { what: &'static str, value: String },
}

/// Result alias for the physical layer.
pub type Result<T> = std::result::Result<T, Error>;
