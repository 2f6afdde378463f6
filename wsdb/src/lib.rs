//! # lastmile-wsdb — a PAWS white-space database
//!
//! The server side of RFC 7545 (Protocol to Access White-Space databases): incumbent
//! inputs, protected contours computed with [`sim`](lastmile_sim)'s propagation models, the
//! FCC and ETSI rules, and JSON-RPC 2.0 over HTTP.
//!
//! ## Module map
//!
//! | module | what |
//! |---|---|
//! | [`rules`] | regulatory constants of the FCC and ETSI white-space rules |
//!
//! ## Example
//!
//! ```
//! use lastmile_wsdb::rules::ETSI_MASTER_STOP_S;
//! assert_eq!(ETSI_MASTER_STOP_S, 60);
//! ```

pub mod rules;
