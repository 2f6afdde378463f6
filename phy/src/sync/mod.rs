//! Synchronisation signals and time/frequency synchronisation.
//!
//! | module | what | reference |
//! |---|---|---|
//! | [`pss`] | primary synchronisation signal (Zadoff–Chu) | 36.211 §6.11.1 |
//! | [`sss`] | secondary synchronisation signal (m-sequences) | 36.211 §6.11.2 |

pub mod pss;
pub mod sss;
