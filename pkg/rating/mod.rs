//! Bradley–Terry ratings fitted on pair counts.
//!
//! CONTRACT (skeleton): the types below are the interface the query engine
//! codes against. The rating work fills in the estimator, documents it here
//! (estimator, tie policies, gauges, CI methods and why), and may add fields,
//! but keeps these names.

use serde::{Deserialize, Serialize};

/// Outcomes of one unordered pair of models. `lo < hi` index [`PairTable::models`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCount {
    pub lo: usize,
    pub hi: usize,
    pub wins_lo: u64,
    pub wins_hi: u64,
    /// Ties where both answers were judged good (or unqualified ties).
    pub ties: u64,
    /// Ties where both answers were judged bad.
    pub ties_both_bad: u64,
}

/// The sufficient statistics of a Bradley–Terry fit: counts per unordered pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairTable {
    pub models: Vec<String>,
    pub pairs: Vec<PairCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TiePolicy {
    /// A tie (of either kind) is half a win for each side (LMSYS, compar:IA).
    #[default]
    Half,
    /// Ties are discarded.
    Drop,
    /// Davidson's tie model, with a fitted tie parameter.
    Davidson,
}

/// How the arbitrary additive constant of BT scores is fixed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub enum Gauge {
    /// Scores average 1000 (compar:IA).
    #[default]
    Mean,
    /// One model is pinned to a score (LMSYS: mixtral-8x7b-instruct-v0.1 = 1114).
    Anchor { model: String, score: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CiMethod {
    #[default]
    Sandwich,
    Fisher,
    Bootstrap,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RatingOptions {
    pub ties: TiePolicy,
    pub gauge: Gauge,
    pub ci: CiMethod,
    /// Bootstrap rounds (only for [`CiMethod::Bootstrap`]).
    pub rounds: u32,
    pub seed: u64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Convergence tolerance on the score update (natural-log scale).
    pub tolerance: f64,
    pub max_iterations: u32,
}

impl Default for RatingOptions {
    fn default() -> Self {
        Self {
            ties: TiePolicy::Half,
            gauge: Gauge::Mean,
            ci: CiMethod::Sandwich,
            rounds: 1000,
            seed: 42,
            level: 0.95,
            tolerance: 1e-10,
            max_iterations: 100,
        }
    }
}

/// Why a model's score is not an ordinary finite estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingStatus {
    Ok,
    /// Won every comparison: the MLE is +∞, so no score is given.
    NeverLost,
    /// Lost every comparison: the MLE is −∞, so no score is given.
    NeverWon,
    /// Not connected to the main comparison graph; index of its component.
    Disconnected {
        component: usize,
    },
}

/// One model's result. Scores are on the Elo-like scale (400 per factor 10 in odds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRating {
    pub model: String,
    /// `None` when `status` is not `Ok`.
    pub bt_score: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Standard error of `bt_score` on the same scale (sandwich/fisher/bootstrap).
    pub std_error: Option<f64>,
    /// 1 = best. Models without a score are ranked after all others.
    pub rank: u32,
    pub rank_low: u32,
    pub rank_high: u32,
    pub votes: u64,
    pub wins: u64,
    pub losses: u64,
    pub ties: u64,
    /// (wins + ties/2) / votes.
    pub win_rate: f64,
    pub status: RatingStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ratings {
    /// Sorted by score, best first.
    pub models: Vec<ModelRating>,
    pub iterations: u32,
    pub converged: bool,
    /// Davidson's ν, when the Davidson policy was used.
    pub tie_parameter: Option<f64>,
    /// Connected components of the comparison graph (model names), largest first.
    pub components: Vec<Vec<String>>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RatingError {
    #[error("no votes to rate: the pair table is empty")]
    Empty,
    #[error("anchor model {0:?} is not among the rated models")]
    UnknownAnchor(String),
    #[error("invalid option: {0}")]
    InvalidOption(String),
    #[error("pair ({lo}, {hi}) is out of range for {models} models or not ordered lo < hi")]
    BadPair { lo: usize, hi: usize, models: usize },
}

/// Fits BT scores, CIs and ranks. (Skeleton: implemented by the rating work.)
pub fn rate(table: &PairTable, options: &RatingOptions) -> Result<Ratings, RatingError> {
    rate_from(table, options, None)
}

/// Same as [`rate`], warm-started from previous natural-log strengths keyed by
/// model name (used by trends, where each step starts from the previous fit).
pub fn rate_from(
    table: &PairTable,
    options: &RatingOptions,
    start: Option<&std::collections::HashMap<String, f64>>,
) -> Result<Ratings, RatingError> {
    let _ = (table, options, start);
    Err(RatingError::InvalidOption(
        "rating engine not implemented yet".into(),
    ))
}
