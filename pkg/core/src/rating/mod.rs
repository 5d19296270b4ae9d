//! Bradley–Terry ratings fitted on pair counts: scores, confidence intervals
//! and ranks for a set of models from human pairwise votes.
//!
//! CONTRACT: the public types of this file ([`PairTable`], [`RatingOptions`],
//! [`Ratings`], [`rate`], [`rate_from`], …) are what the query engine, the CLI
//! and the trends code use. Names stay; fields may be added.
//!
//! # Estimator
//! Each model i has a strength θᵢ (natural log); model i beats model j with
//! probability σ(θᵢ − θⱼ) = 1 / (1 + e^{θⱼ−θᵢ}). The scores are the exact
//! maximum-likelihood estimate, computed on the counts per unordered pair —
//! the sufficient statistics — so a fit costs the number of pairs, never the
//! number of votes. Newton's method with the full Hessian (`fit`) converges
//! quadratically (about six iterations on Chatbot Arena) to a step below
//! `tolerance` (1e-10 by default); [`Ratings::converged`] and
//! [`Ratings::iterations`] say how it went. Scores are reported on the Elo-like
//! scale: `bt_score = 400·log10(e)·θ + c`, i.e. 400 points per factor 10 in
//! odds, as LMSYS and compar:IA do. The MLE exists only on a strongly
//! connected comparison graph; `graph` finds the models outside it and gives
//! them a status instead of an infinite score.
//!
//! # Tie policies ([`TiePolicy`])
//! * `half` (default): a tie, of either kind, is half a win for each side.
//!   This is what LMSYS and compar:IA publish, so our numbers are comparable
//!   with theirs; it keeps the information ties carry (the two are close).
//! * `drop`: ties are discarded; the classical BT on decisive votes only.
//! * `davidson`: Davidson's model (`davidson`) gives a tie its own
//!   probability ν·√(πᵢπⱼ)/(πᵢ + πⱼ + ν√(πᵢπⱼ)); ν is fitted jointly and
//!   reported as [`Ratings::tie_parameter`]. It is a proper likelihood for data
//!   with ties, where `half` is a convenient convention.
//!
//! # Gauges ([`Gauge`])
//! Scores are defined up to an additive constant. `mean` (default, compar:IA)
//! makes the rated models average 1000; `anchor MODEL=SCORE` (LMSYS pins
//! mixtral-8x7b-instruct-v0.1 at 1114) makes one model's score exact, so a
//! leaderboard lines up with a published one. Confidence intervals are those
//! of the gauged score: the anchor has a zero-width interval, and the others'
//! intervals are for their difference to it.
//!
//! # Confidence intervals ([`CiMethod`], level 0.95 by default)
//! * `sandwich` (default): the robust covariance H⁻¹BH⁻¹ (`covariance`).
//!   Valid when the model is not exactly true (ties counted as halves, votes
//!   correlated within prompts), and costs one matrix inverse.
//! * `fisher`: the inverse information H⁻¹, the textbook model-based variance.
//! * `bootstrap`: a seeded Poisson resampling of the cell counts
//!   (`bootstrap`, exact sampler in `poisson`), percentile intervals of
//!   the gauged scores, each replicate warm-started from the full fit and
//!   refitted by chord steps that reuse the full-data information matrix;
//!   replicates go four at a time through SIMD lanes (`lane_rng`,
//!   `lane_chord`, `fastmath`). Also gives rank quantiles, and counts
//!   replicates that did not converge ([`Ratings::bootstrap`]). Reproducible
//!   for a seed whatever the thread count. Chosen when one wants intervals
//!   free of the normal approximation, or rank quantiles; on Chatbot Arena
//!   its median half-width is within 2% of the sandwich's.
//! * `none`: scores only.
//!
//! Sandwich and Fisher intervals are `score ± z·se` with z the normal quantile.
//!
//! # Ranks (`ranks`)
//! `rank` is 1 + the number of rated models with a strictly higher score.
//! `rank_low` (best plausible) is 1 + the number of models whose CI lower bound
//! is above this model's upper bound; `rank_high` (worst plausible) is N − the
//! number of models whose upper bound is below this model's lower bound. Models
//! without a score are ranked N + 1, after all rated ones.
//!
//! # Stages ([`stages`])
//! The maths modules are private: callers use [`rate`] and [`rate_from`].
//! [`stages`] runs the steps of `rate` one at a time (check and graph
//! analysis, Newton fit, variances) so `arenawatt-bench rating` can time each.

// The maths, private to the rating engine: callers use `rate`/`rate_from`
// and the types below, and a benchmark times the stages through `stages`.
mod bootstrap;
mod cells;
mod covariance;
mod davidson;
mod engine;
mod fastmath;
mod fit;
mod graph;
mod lane_chord;
mod lane_rng;
mod likelihood;
mod linalg;
mod outcome;
mod poisson;
mod ranks;
pub mod stages;
mod style;
mod table;
pub mod tiers;

pub use outcome::Outcome;
pub use style::{
    bin_difference, rate_styled, relative_difference, StyleCoefficient, StyleTable,
    StyleTableBuilder, StyledRatings, UnusedFeature, BIN_ABOVE, BIN_STEP, MAX_STYLE_FEATURES,
};
pub use table::{PairTableBuilder, Tally, VoteError};

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
    /// Bootstrap threads; 0 means `available_parallelism`. Results do not
    /// depend on it.
    pub threads: usize,
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
            threads: 0,
        }
    }
}

/// Why a model's score is not an ordinary finite estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingStatus {
    Ok,
    /// Never lost to the rated models (typically: won every comparison): the
    /// MLE is +∞, so no score is given.
    NeverLost,
    /// Never won against the rated models (typically: lost every comparison):
    /// the MLE is −∞, so no score is given.
    NeverWon,
    /// Not connected to the main comparison graph; index of its component in
    /// [`Ratings::components`].
    Disconnected {
        component: usize,
    },
    /// In the main graph but its position relative to the rated models is
    /// unbounded in no single direction (e.g. the middle of a strict chain).
    Unbounded,
    /// No vote that counts under the tie policy (e.g. only ties under `drop`).
    NoVotes,
}

impl RatingStatus {
    /// Short reason for tables and CSV: `ok`, `never_lost`, `disconnected:2`, …
    pub fn label(&self) -> String {
        match self {
            RatingStatus::Ok => "ok".into(),
            RatingStatus::NeverLost => "never_lost".into(),
            RatingStatus::NeverWon => "never_won".into(),
            RatingStatus::Disconnected { component } => format!("disconnected:{component}"),
            RatingStatus::Unbounded => "unbounded".into(),
            RatingStatus::NoVotes => "no_votes".into(),
        }
    }
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
    /// Bootstrap only: the (1−level)/2 and (1+level)/2 quantiles of the
    /// model's rank over the replicates.
    pub bootstrap_rank_low: Option<u32>,
    pub bootstrap_rank_high: Option<u32>,
    /// Score class (1 = best, see [`tiers`]) among the rated models with an
    /// interval; `None` without one.
    pub tier: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ratings {
    /// Sorted by score, best first.
    pub models: Vec<ModelRating>,
    pub iterations: u32,
    pub converged: bool,
    /// Davidson's ν, when the Davidson policy was used.
    pub tie_parameter: Option<f64>,
    /// Confidence interval of ν (Davidson with a CI method), same level.
    pub tie_parameter_ci_low: Option<f64>,
    pub tie_parameter_ci_high: Option<f64>,
    /// Connected components of the comparison graph (model names), largest first.
    pub components: Vec<Vec<String>>,
    /// The CI method and level actually used.
    pub ci: CiMethod,
    pub level: f64,
    /// Bootstrap bookkeeping, when the bootstrap was used.
    pub bootstrap: Option<BootstrapSummary>,
}

impl Ratings {
    /// The rated models' natural-log strengths under the mean gauge, keyed
    /// by name: the `start` of a [`rate_from`] warm-started from this fit
    /// (trends refit each step from the previous one; the regression fits
    /// its latest window from the previous window's).
    pub fn strengths(&self) -> std::collections::HashMap<String, f64> {
        let per_point = std::f64::consts::LN_10 / 400.0;
        self.models
            .iter()
            .filter_map(|m| {
                m.bt_score
                    .map(|s| (m.model.clone(), (s - 1000.0) * per_point))
            })
            .collect()
    }
}

/// How the bootstrap went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapSummary {
    pub rounds: u32,
    /// Replicates used for the intervals (converged).
    pub converged_rounds: u32,
    /// Replicates that did not converge and were left out.
    pub non_converged: u32,
    pub seed: u64,
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
    #[error("model {0:?} is listed twice in the pair table")]
    DuplicateModel(String),
    #[error("anchor model {model:?} has no score (status {status})")]
    UnratedAnchor { model: String, status: String },
    #[error("numerical failure: {0}")]
    Numerical(String),
}

/// Fits BT scores, CIs and ranks.
pub fn rate(table: &PairTable, options: &RatingOptions) -> Result<Ratings, RatingError> {
    rate_from(table, options, None)
}

/// Same as [`rate`], warm-started from previous natural-log strengths keyed by
/// model name (used by trends, where each step starts from the previous fit).
/// Models missing from `start` start at the mean of the others.
pub fn rate_from(
    table: &PairTable,
    options: &RatingOptions,
    start: Option<&std::collections::HashMap<String, f64>>,
) -> Result<Ratings, RatingError> {
    engine::rate_from(table, options, start)
}
