//! Spectrum access for TV white space: the device side of PAWS (RFC 7545).
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`paws`] | typed PAWS 1.0 messages, JSON-RPC 2.0 envelopes, error codes | RFC 7545 §4–§5 |
//! | [`validate`] | every RFC 7545 rule on received messages, with dotted paths | RFC 7545 §5 |
//! | [`timestamp`] | `YYYY-MM-DDThh:mm:ssZ` ↔ Unix seconds | RFC 7545 §5.15 |
//! | [`lease`] | per-channel grant state machine, polling, location triggers, stop deadlines | ETSI EN 301 598 §4.2.6, 47 CFR §15.711 |
//! | [`choice`] | TV channel, LTE bandwidth and per-PRB power from a granted schedule | RFC 7545 §5.11, ETSI EN 301 598 §4.2.4 |
//!
//! Everything here is pure logic: no sockets, no clocks. Time is passed in as Unix seconds.

pub mod choice;
pub mod lease;
pub mod paws;
pub mod timestamp;
pub mod validate;
