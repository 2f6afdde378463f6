//! # lastmile-sdr — real radios and IQ files
//!
//! ## Module map
//!
//! | module | what |
//! |---|---|
//! | [`iq`] | raw IQ files: `cf32` and `ci16`, read zero-copy into `Complex32` |
//! | `soapy` (feature `soapy`) | SoapySDR device enumeration |
//!
//! ## Example
//!
//! ```
//! use lastmile_sdr::iq::{decode_iq, IqFormat};
//! let bytes: Vec<u8> = [1.0f32, -1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let s = decode_iq(&bytes, IqFormat::Cf32).unwrap();
//! assert_eq!((s[0].re, s[0].im), (1.0, -1.0));
//! ```

pub mod iq;
#[cfg(feature = "soapy")]
pub mod soapy;
