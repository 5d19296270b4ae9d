//! The query engine: turns a [`Query`] into rows, from the store's pair
//! counts, the rating engine, the catalog and the energy engine. The CLI and the
//! Grafana plugin are thin shells over [`Engine::execute`].
//!
//! A query flows through one file per stage: [`parse`] (lenient JSON, errors
//! naming the key) → [`resolve`] (defaults, Grafana macros, normalised names:
//! also the cache key) → [`cache`] (keyed by data version and resolved query)
//! → one module per query type ([`leaderboard`], [`variable`], [`trend`],
//! [`energy_trend`], [`regression`]), built from [`rows`], [`filters`] and
//! [`pareto`]. Row filters never change which votes a fit uses: the fit always
//! uses every model's votes in the sources and dates asked for.
//!
//! Simulated votes and the demo store live in `arenawatt-sim`, which builds on
//! this crate.
//!
//! CONTRACT (skeleton): [`Query`], [`ModelRow`], [`QueryResult`] and
//! [`Engine::execute`] are what the frames, plugin and CLI code against. The
//! query work implements them; it may add fields and variants but keeps these
//! names.

pub mod annotations;
pub mod cache;
pub mod columns;
pub mod daily;
pub mod energy_trend;
mod engine;
pub mod filters;
pub mod fitting;
pub mod head_to_head;
pub mod keys;
pub mod leaderboard;
pub mod limits;
pub mod model;
pub mod pareto;
pub mod parse;
pub mod preferences;
pub mod regression;
pub mod resolve;
pub mod rows;
pub mod schema;
pub mod slices;
pub mod subset;
pub mod time;
pub mod trend;
pub mod variable;

pub use model::{GroupBy, Query, QueryType, Step, Style, Subset, VariableOf, Window};
pub use parse::{parse_query, parse_query_text, ParseError};

use serde::Serialize;

/// One model's record: the row of `scatter`, `leaderboard` and `model`.
/// Each field is a column of [`columns::MODEL_COLUMNS`] (its name, type, unit
/// and doc), in the same order: a field added here goes there too, or the
/// registry's tests fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    pub model: String,
    pub display_name: String,
    pub organization: String,
    /// `open` licence name, or `proprietary`.
    pub license: String,
    pub architecture: String,
    pub size_class: Option<String>,
    /// 1 (XS) .. 5 (XL), for point size.
    pub size_rank: Option<u8>,
    /// 1 dense, 2 moe, 3 matformer, 0 unknown: for colour.
    pub arch_code: u8,
    pub total_params_b: Option<f64>,
    pub active_params_b: Option<f64>,
    pub votes: u64,
    pub bt_score: Option<f64>,
    pub bt_ci_low: Option<f64>,
    pub bt_ci_high: Option<f64>,
    /// The plain fit's score (as `bt_score` without style control).
    pub bt_score_raw: Option<f64>,
    /// The style-controlled score; null unless the query asks `style:
    /// "controlled"` and the votes carry a style feature.
    pub bt_score_controlled: Option<f64>,
    pub rank: Option<u32>,
    pub rank_low: Option<u32>,
    pub rank_high: Option<u32>,
    /// With a slice filter: the rank over all votes with the same other
    /// filters (`None` without a slice filter, or unranked overall).
    pub rank_overall: Option<u32>,
    /// `rank_overall − rank`: positive when the model ranks better in the slice.
    pub rank_delta: Option<i32>,
    /// LMArena's Rank (UB): 1 + the models whose lower bound is above this
    /// model's upper bound (the same figure as `rank_low`).
    pub rank_ub: Option<u32>,
    /// Score class, 1 = best (compar:IA's rule, `rating::tiers`), over the
    /// models the query fits.
    pub tier: Option<u32>,
    pub wh_per_1k_tokens: Option<f64>,
    pub wh_min: Option<f64>,
    pub wh_max: Option<f64>,
    pub gco2e_per_1k_tokens: Option<f64>,
    /// compar:IA's energy class A–F of `wh_per_1k_tokens` (per million
    /// output tokens, under `energy_methodology`); `None` when the energy
    /// is null (`energy_note` says why).
    pub energy_class: Option<&'static str>,
    pub energy_methodology: String,
    /// Why energy is null ("parameters not disclosed", "not in catalog"), or
    /// "estimated parameters (whose estimate)"; empty when energy is a plain
    /// estimate.
    pub energy_note: String,
    pub pareto: bool,
    pub selected: bool,
}

/// `text`/`value` pairs for a template variable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariableValue {
    pub text: String,
    pub value: String,
}

/// What a query returns. Time-based variants are added by the time work.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueryResult {
    Models {
        rows: Vec<ModelRow>,
        /// The energy methodology, zone and tie policy used, for frame meta.
        methodology: String,
        zone: String,
        notices: Vec<String>,
        /// Style control's coefficients, when the query asked for it.
        style: Option<fitting::StyleSummary>,
    },
    Variable {
        values: Vec<VariableValue>,
    },
    /// `trend`: long rows (one per step and model); frames make them wide.
    Trend {
        rows: Vec<TrendRow>,
        /// Whether `bt_ci_low`/`bt_ci_high` are filled (the query's `includeCi`).
        include_ci: bool,
        step_days: u32,
        notices: Vec<String>,
    },
    /// `energy-trend`: per step, per model or in total.
    EnergyTrend {
        rows: Vec<EnergyTrendRow>,
        methodology: String,
        zone: String,
        notices: Vec<String>,
    },
    /// `regression`: string fields model, organization, metric and one number.
    Regression {
        rows: Vec<RegressionRow>,
        windows: RegressionWindows,
        notices: Vec<String>,
    },
    /// `head-to-head`: every ordered pair of the chosen models.
    HeadToHead {
        rows: Vec<HeadToHeadRow>,
        notices: Vec<String>,
    },
    /// `preferences`: voters' reasons per model.
    Preferences {
        rows: Vec<PreferenceRow>,
        notices: Vec<String>,
    },
    /// `annotations`: imports and catalog changes, for Grafana's annotations.
    Annotations {
        rows: Vec<AnnotationRow>,
        notices: Vec<String>,
    },
    /// `slice-scores`: each model's score per value of one slice dimension.
    SliceScores {
        /// `category`, `language` or `country`.
        dimension: String,
        rows: Vec<SliceScoreRow>,
        notices: Vec<String>,
    },
}

impl QueryResult {
    /// The result's notices (a variable has none).
    pub fn notices_mut(&mut self) -> Option<&mut Vec<String>> {
        match self {
            QueryResult::Models { notices, .. }
            | QueryResult::Trend { notices, .. }
            | QueryResult::EnergyTrend { notices, .. }
            | QueryResult::Regression { notices, .. }
            | QueryResult::SliceScores { notices, .. }
            | QueryResult::HeadToHead { notices, .. }
            | QueryResult::Preferences { notices, .. }
            | QueryResult::Annotations { notices, .. } => Some(notices),
            QueryResult::Variable { .. } => None,
        }
    }
}

/// One model's voters' reasons ([`preferences`]): counts and rates follow
/// [`arenawatt_store::REASONS`] (useful, creative, clear_formatting,
/// complete, incorrect, superficial, instructions_not_followed). Its JSON
/// has the keys of the CSV columns: `useful`, `useful_rate`, ….
#[derive(Debug, Clone, PartialEq)]
pub struct PreferenceRow {
    pub model: String,
    pub display_name: String,
    /// Votes (and reactions) in which the model's answer was judged.
    pub judged: u64,
    /// How often each qualifier was ticked for the model's answers.
    pub counts: [u64; 7],
    /// `count / judged` per qualifier.
    pub rates: [f64; 7],
    /// Every qualifier ticked (compar:IA's `total_prefs`).
    pub total_reasons: u64,
    /// The positive qualifiers' share of all ticked (compar:IA's
    /// `positive_prefs_ratio`); null when none was ticked.
    pub positive_ratio: Option<f64>,
}

impl Serialize for PreferenceRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(6 + 2 * self.counts.len()))?;
        map.serialize_entry("model", &self.model)?;
        map.serialize_entry("display_name", &self.display_name)?;
        map.serialize_entry("judged", &self.judged)?;
        for (i, reason) in arenawatt_store::REASONS.iter().enumerate() {
            map.serialize_entry(reason.name, &self.counts[i])?;
            map.serialize_entry(&format!("{}_rate", reason.name), &self.rates[i])?;
        }
        map.serialize_entry("total_reasons", &self.total_reasons)?;
        map.serialize_entry("positive_ratio", &self.positive_ratio)?;
        map.end()
    }
}

/// One event for Grafana's annotations ([`annotations`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotationRow {
    /// Unix milliseconds.
    pub time_ms: i64,
    pub title: String,
    pub text: String,
    /// `import` and the sources written, or `catalog`.
    pub tags: Vec<String>,
    /// Imports: the votes they added.
    pub votes_added: Option<u64>,
}

/// One ordered pair (A, B) of a head-to-head: what the votes say, and what
/// the fitted scores predict. The diagonal (A = B) is null throughout; an
/// unplayed pair has 0 battles and a null win fraction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadToHeadRow {
    pub model_a: String,
    pub display_name_a: String,
    pub rank_a: u32,
    pub model_b: String,
    pub display_name_b: String,
    pub rank_b: u32,
    /// Votes between A and B, ties included.
    pub battles: Option<u64>,
    pub wins_a: Option<u64>,
    pub wins_b: Option<u64>,
    /// Ties of either kind (both good, both bad).
    pub ties: Option<u64>,
    /// `wins_a / (wins_a + wins_b)`: A's share of the decisive battles
    /// (FastChat's win fraction); null without one.
    pub win_fraction_a: Option<f64>,
    /// The Bradley–Terry probability that A beats B in a decisive battle:
    /// `1 / (1 + 10^((score_b − score_a) / 400))`.
    pub predicted_win_a: Option<f64>,
}

/// One model in one slice value: "where each model wins".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceScoreRow {
    /// The slice value (a category, language or country).
    pub slice: String,
    pub model: String,
    pub display_name: String,
    /// The model's votes in the slice.
    pub votes: u64,
    pub bt_score: Option<f64>,
    pub bt_ci_low: Option<f64>,
    pub bt_ci_high: Option<f64>,
    /// Rank in the slice.
    pub rank: u32,
    /// Score and rank over every slice (the same sources, dates and other
    /// slice filters); `None` when the model is unrated overall.
    pub overall_score: Option<f64>,
    pub overall_rank: Option<u32>,
    /// `bt_score − overall_score`: each fit has the same gauge (mean 1000,
    /// or the anchor), so this compares positions, not absolute strength.
    pub score_delta: Option<f64>,
    /// `overall_rank − rank`: positive when the model ranks better here.
    pub rank_delta: Option<i32>,
}

/// One model's BT score at one step of a trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendRow {
    /// Start of the step, Unix milliseconds (UTC midnight). The score uses the
    /// votes up to the end of the step (cumulative) or of the rolling window
    /// ending with the step.
    pub time_ms: i64,
    pub model: String,
    pub bt_score: f64,
    pub bt_ci_low: Option<f64>,
    pub bt_ci_high: Option<f64>,
    /// Votes of the model in the fit of this step.
    pub votes: u64,
}

/// Energy of the traffic the votes represent, for one step (and model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyTrendRow {
    /// Start of the step, Unix milliseconds (UTC midnight).
    pub time_ms: i64,
    /// The model id, or `total`.
    pub model: String,
    /// Output tokens of the answers (both sides of every vote) in the step.
    pub output_tokens: u64,
    /// Answers with a token count.
    pub sides_with_tokens: u64,
    /// Answers without a token count: counted here, never treated as zero.
    pub sides_without_tokens: u64,
    /// Output tokens of models without an energy estimate (not in `wh`).
    pub tokens_without_energy: u64,
    /// Wh of generating `output_tokens` (null when the model's energy is unknown).
    pub wh: Option<f64>,
    /// gCO2e of generating `output_tokens`, in the query's zone.
    pub gco2e: Option<f64>,
    /// Traffic-weighted Wh per 1000 output tokens.
    pub wh_per_1k_tokens: Option<f64>,
    pub energy_methodology: String,
    /// Why `wh` is null, for a model row.
    pub energy_note: String,
}

/// One alert-ready number: Grafana makes one alert instance per row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionRow {
    /// The model id, or `mix` for the traffic mix's `wh_delta_pct`.
    pub model: String,
    pub organization: String,
    /// `bt_delta`, `bt_z`, `rank_delta` or `wh_delta_pct`.
    pub metric: String,
    pub value: f64,
}

/// The two windows a regression compares (inclusive `YYYY-MM-DD` days).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionWindows {
    pub latest_from: String,
    pub latest_to: String,
    pub previous_from: String,
    pub previous_to: String,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The query itself is wrong (maps to a 400-class status).
    #[error("bad query: {0}")]
    BadQuery(String),
    #[error("unknown model {0:?}")]
    UnknownModel(String),
    #[error(transparent)]
    Store(#[from] arenawatt_store::StoreError),
    #[error(transparent)]
    Rating(#[from] arenawatt_core::rating::RatingError),
    #[error(transparent)]
    Energy(#[from] arenawatt_core::energy::EnergyError),
    /// Nobody waits for the answer any more (see [`limits::checkpoint`]).
    #[error("{0}")]
    Cancelled(String),
}

/// Defaults a data source instance (or the CLI) applies to queries that leave
/// an option unset.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryDefaults {
    pub methodology: String,
    pub zone: String,
    pub pue: f64,
    pub wue: f64,
    pub ties: arenawatt_core::rating::TiePolicy,
    pub ci: arenawatt_core::rating::CiMethod,
    pub bootstrap_rounds: u32,
}

impl Default for QueryDefaults {
    fn default() -> Self {
        QueryDefaults {
            methodology: "ecologits-0.11".into(),
            zone: "WOR".into(),
            pue: 1.15,
            wue: 1.8,
            ties: arenawatt_core::rating::TiePolicy::Half,
            ci: arenawatt_core::rating::CiMethod::Sandwich,
            bootstrap_rounds: 200,
        }
    }
}

/// Grafana's time range, when the query runs inside a dashboard or an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    pub from_ms: i64,
    pub to_ms: i64,
}

pub use engine::Engine;
