//! The pure core of arenawatt: what can be computed from plain data, with no
//! file, database, network or Grafana in sight, so it can be tested exhaustively
//! and benchmarked alone.
//!
//! | module | owns |
//! |---|---|
//! | [`rating`] | Bradley–Terry fits on pair counts, confidence intervals, ranks |
//! | [`energy`] | the EcoLogits methodology, as versioned profiles, and electricity zones |
//! | [`catalog`] | model facts: parameters, architecture, licence, aliases, size class |
//!
//! The catalog depends on `energy` (parameter counts, zone names); `rating`
//! depends on nothing else here. The crate has no SQLite, Arrow, gRPC or SDK
//! dependency, which the workspace's manifests make a compile-time fact.

pub mod catalog;
pub mod energy;
pub mod rating;
