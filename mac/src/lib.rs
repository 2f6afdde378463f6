//! # lastmile-mac — medium access control
//!
//! MAC logic with no I/O: scheduling, HARQ, link adaptation and spectrum access, and later
//! the eNB/UE node runtimes that drive a [`phy`](lastmile_phy) over any radio.
//!
//! ## Module map
//!
//! | module | what |
//! |---|---|
//! | [`harq`] | HARQ process bookkeeping (stop-and-wait, redundancy-version order) |
//! | [`spectrum`] | TV white space access: PAWS messages and validation, the regulatory lease, channel and power choice |
//!
//! ## Example
//!
//! ```
//! use lastmile_mac::harq::RV_SEQUENCE;
//! assert_eq!(RV_SEQUENCE, [0, 2, 3, 1]);
//! ```

pub mod harq;
pub mod spectrum;
