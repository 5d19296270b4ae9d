//! Simulated votes and the bundled demo store.
//!
//! [`simulate`] draws a vote stream from known Bradley–Terry strengths (by
//! default compar:IA's published Feb-2026 medians), so recovery can be
//! tested and the demo has something true to show; [`demo`] builds the demo
//! store from the real Chatbot Arena pair counts plus simulated compar:IA-like
//! votes. Simulated votes are never passed off as real ones: their source is
//! named `simulated` and every caller says so.

pub mod demo;
pub mod simulate;
pub mod slices;
