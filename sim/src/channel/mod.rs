//! Link-level channel: tapped-delay-line fading channels on complex baseband sample
//! blocks, fed by the ray tracer or by the 3GPP TDL models, with AWGN, carrier frequency
//! offset and timing offset.
//!
//! | module | what |
//! |---|---|
//! | [`fading`] | the streaming channel [`Channel`]: time-varying paths, tap placement, impairments, block-invariant state |
//! | [`tdl`] | 3GPP EPA / EVA / ETU delay profiles (TS 36.104 Annex B.2, TS 36.101 Annex B.2) and their Doppler combinations |
//! | [`sos`] | Rayleigh fading with the classical Doppler spectrum by a sum of sinusoids (Zheng–Xiao) |
//! | [`interp`] | Kaiser-windowed sinc fractional-delay kernel (band-limited tap placement) |
//!
//! Three ways in:
//! * [`Channel::from_tdl`] on a [`crate::raytrace::Tdl`] (from [`crate::raytrace::Cir::to_tdl`]
//!   or [`crate::raytrace::Cir::to_tdl_windowed`]): the static band-limited taps of a traced
//!   link;
//! * [`Channel::from_paths`] on traced [`crate::raytrace::Path`]s with a receiver
//!   [`Motion`]: every path turns at its own Doppler shift `f_d,i = v · k̂_i / λ`, placed at its
//!   exact delay by per-path fractional-delay filtering;
//! * [`Channel::tdl`] with a [`TdlConfig`] (`EPA5`, `EVA70`, `ETU300`, …): independent
//!   Rayleigh taps, seeded per link.
//!
//! Samples are `num_complex::Complex32`, processed block by block with the state carried
//! across calls: a stream gives the same output however it is cut into blocks.
//!
//! `SimRadio` (the simulated `phy::radio::Radio` of the architecture) is built on this module
//! once the `Radio` trait exists.
//!
//! ```
//! use lastmile_sim::channel::{Channel, Placement, TdlConfig};
//! use num_complex::Complex32;
//! let mut ch = Channel::tdl(TdlConfig::EVA70, 15.36e6, Placement::Nearest, 1, 0)
//!     .unwrap()
//!     .with_cfo(150.0)
//!     .unwrap()
//!     .with_awgn(20.0, 1.0, 1, 0)
//!     .unwrap();
//! let x = vec![Complex32::new(1.0, 0.0); 1920];
//! let mut y = vec![Complex32::default(); x.len()];
//! ch.process(&x, &mut y).unwrap();
//! assert_eq!(ch.position(), 1920);
//! ```
//!
//! # References
//! 3GPP TS 36.104 Annex B.2 and TS 36.101 Annex B.2 (propagation conditions, EPA/EVA/ETU);
//! Y. R. Zheng, C. Xiao, "Simulation models with correct statistical properties for Rayleigh
//! fading channels", IEEE Trans. Commun. 51(6), 2003; M. Pätzold, *Mobile Fading Channels*,
//! Wiley 2002 (sum-of-sinusoids channel simulators); T. I. Laakso et al., "Splitting the
//! unit delay", IEEE SP Magazine 13(1), 1996.

pub mod fading;
pub mod interp;
pub mod sos;
pub mod tdl;

pub use fading::{Channel, Component, FadingPath, Motion, Placement};
pub use tdl::{TdlConfig, TdlModel};

/// Errors of the channel simulator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The sample rate is not a finite positive number.
    #[error("sample rate {0} Hz is not a finite positive number")]
    SampleRate(f64),
    /// The SNR is not a finite number.
    #[error("SNR {0} dB is not a finite number")]
    Snr(f64),
    /// The channel (or the tapped delay line it was built from) has no taps.
    #[error("the channel has no paths or taps")]
    Empty,
    /// Input and output blocks differ in length.
    #[error("input block has {input} samples but the output block {output}")]
    LengthMismatch {
        /// Input samples.
        input: usize,
        /// Output samples.
        output: usize,
    },
    /// Another argument is out of range.
    #[error("channel: {0}")]
    InvalidInput(String),
}
