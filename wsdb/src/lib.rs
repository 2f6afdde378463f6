//! # lastmile-wsdb — a PAWS white-space database
//!
//! The server side of RFC 7545 (Protocol to Access White-Space databases): incumbent
//! inputs, protected contours computed with [`sim`]'s propagation seam, the FCC and ETSI
//! rules, a registration store that survives restarts, and JSON-RPC 2.0 over HTTP. The
//! message types, validation and the device-side lease live in `mac::spectrum`.
//!
//! ## Module map
//!
//! | module | what |
//! |---|---|
//! | [`rules`] | regulatory constants of the FCC and ETSI rules; FCC separation table |
//! | [`config`] | the database's TOML configuration (raw → validated) |
//! | [`incumbents`] | TV stations from CSV |
//! | [`contours`] | terrain, radial profiles, field strength, protected contours on radials |
//! | [`db`] | the availability engine (contours cached, rules per channel, PAWS spectra) |
//! | [`store`] | registrations, persisted atomically (temp file + fsync + rename) |
//! | [`rpc`] | JSON-RPC dispatch of the six PAWS methods, every error path |
//! | [`server`] | HTTP (axum): `/paws`, body limit, rate limit, graceful shutdown |
//! | [`client`] | a blocking PAWS client |
//!
//! ## Example
//!
//! ```
//! use lastmile_wsdb::rules::{fcc_separation_km, ETSI_MASTER_STOP_S};
//! assert_eq!(ETSI_MASTER_STOP_S, 60);
//! assert_eq!(fcc_separation_km(20.0).unwrap(), (11.1, 1.2));
//! assert!(fcc_separation_km(60.0).is_err()); // beyond the 2012 table: refused
//! ```

pub mod client;
pub mod config;
pub mod contours;
pub mod db;
pub mod incumbents;
pub mod rpc;
pub mod rules;
pub mod server;
pub mod store;

/// Errors of the database crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad or unreadable configuration.
    #[error("{path}: {what}")]
    Config { path: String, what: String },
    /// Bad stations file.
    #[error("{path}:{line}: {what}")]
    Stations {
        path: String,
        line: usize,
        what: String,
    },
    /// Terrain missing or unreadable.
    #[error("terrain: {0}")]
    Terrain(String),
    /// A propagation model failed.
    #[error("propagation: {0}")]
    Propagation(String),
    /// The registration store failed.
    #[error("registration store {path}: {what}")]
    Store { path: String, what: String },
}
