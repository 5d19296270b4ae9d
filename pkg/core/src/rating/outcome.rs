//! The outcome of one vote, the one type every crate uses for it: the
//! readers produce it, the store keeps it, and [`super::PairTableBuilder`]
//! counts it.
//!
//! It lives in the core's `rating` because it is a fact of a vote, the input
//! of a Bradley–Terry fit, before any storage: the store (which depends on
//! the core) re-exports it as `arenawatt_store::Outcome`, and `arenawatt
//! rank` can count a file's votes without a store. Its serde names (`a`,
//! `b`, `tie`, `both_bad`) are the store's and `POST votes`' `outcome`
//! values.

use serde::{Deserialize, Serialize};

/// A vote's outcome, from side A's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// `model_a` won.
    A,
    /// `model_b` won.
    B,
    /// A tie where both answers were good (or an unqualified tie).
    Tie,
    /// A tie where both answers were bad.
    BothBad,
}
