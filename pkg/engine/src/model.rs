//! The query model: one serde type shared by the CLI flags, Grafana's query
//! JSON and the frontend's `src/types.ts` (a test keeps them in step).
//!
//! Parsing is lenient: unknown keys are ignored and missing keys take their
//! defaults, so old dashboards keep working. A known key with a value of the
//! wrong type is an error that names the key.

use serde::{Deserialize, Serialize};

use arenawatt_core::rating::{CiMethod, TiePolicy};

/// What a query asks for. Serialised names are the `queryType` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryType {
    /// Open models with known energy: the compar:IA satisfaction/energy graph.
    #[default]
    Scatter,
    /// Every model, proprietary included, energy null with a reason.
    Leaderboard,
    /// One model's full record (`model` key).
    Model,
    /// Values for a Grafana template variable (`of` key).
    Variable,
    /// BT score of each model over time.
    Trend,
    /// Energy and emissions of the voted traffic over time.
    EnergyTrend,
    /// Alert-ready regressions between the latest and the previous window.
    Regression,
    /// "Where each model wins": each model's score in every value of one
    /// slice dimension (`of`), beside its overall score.
    SliceScores,
    /// Win fractions, battle counts and BT-predicted win probabilities of
    /// every ordered pair of the top models (or the selected ones).
    HeadToHead,
    /// Voters' reasons per model: each qualifier's rate among the votes in
    /// which the model was judged, and the positive-reasons ratio.
    Preferences,
    /// Imports and catalog changes, as Grafana annotations.
    Annotations,
}

impl QueryType {
    pub const ALL: [QueryType; 11] = [
        QueryType::Scatter,
        QueryType::Leaderboard,
        QueryType::Model,
        QueryType::Variable,
        QueryType::Trend,
        QueryType::EnergyTrend,
        QueryType::Regression,
        QueryType::SliceScores,
        QueryType::HeadToHead,
        QueryType::Preferences,
        QueryType::Annotations,
    ];
    pub fn name(&self) -> &'static str {
        match self {
            QueryType::Scatter => "scatter",
            QueryType::Leaderboard => "leaderboard",
            QueryType::Model => "model",
            QueryType::Variable => "variable",
            QueryType::Trend => "trend",
            QueryType::EnergyTrend => "energy-trend",
            QueryType::Regression => "regression",
            QueryType::SliceScores => "slice-scores",
            QueryType::HeadToHead => "head-to-head",
            QueryType::Preferences => "preferences",
            QueryType::Annotations => "annotations",
        }
    }
}

/// Which of a `scatter`/`leaderboard` result's rows a query returns. The fit,
/// the ranks and the Pareto flag are always computed on every row the filters
/// keep; a subset only chooses the rows sent back, so panels can draw the
/// frontier, the selected model and each architecture as their own frames
/// without a Grafana transformation (see [`super::subset`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Subset {
    /// Every row.
    #[default]
    All,
    /// The Pareto frontier, cheapest first (the order a line is drawn in).
    Pareto,
    /// The rows of the `selected` models.
    Selected,
    /// One architecture's rows.
    Dense,
    Moe,
    Matformer,
    Unknown,
}

impl Subset {
    pub const NAMES: &'static [&'static str] = &[
        "all",
        "pareto",
        "selected",
        "dense",
        "moe",
        "matformer",
        "unknown",
    ];
}

/// Which Bradley–Terry score the rating queries report: the plain fit, or
/// the style-controlled one (answers' length and markdown held equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    #[default]
    Raw,
    Controlled,
}

impl Style {
    pub const NAMES: &'static [&'static str] = &["raw", "controlled"];
}

/// Which votes a query covers in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Window {
    /// All data (default for scatter, leaderboard, model), narrowed by `from`/`to`.
    #[default]
    All,
    /// Grafana's dashboard or alert time range.
    Range,
    /// Trends: every vote up to each step.
    Cumulative,
    /// Trends: the `windowDays` days up to each step.
    Rolling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    #[default]
    Day,
    Week,
    /// Follow Grafana's `intervalMs`, rounded up to whole days.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupBy {
    #[default]
    Model,
    Total,
}

/// What a `variable` query lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VariableOf {
    Sources,
    Organizations,
    Licenses,
    Architectures,
    Sizes,
    #[default]
    Models,
    Methodologies,
    Zones,
    /// Slice values with their vote counts.
    Categories,
    Languages,
    Countries,
}

/// A query. JSON keys are camelCase; every key has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Query {
    pub query_type: QueryType,

    // ---- filters ----
    /// Vote sources; empty = all.
    pub sources: Vec<String>,
    /// First day included: `YYYY-MM-DD`, RFC 3339, epoch milliseconds, or `$__from`.
    pub from: Option<String>,
    /// Last day included: same forms as `from`, or `$__to`.
    pub to: Option<String>,
    pub organizations: Vec<String>,
    /// `open` and/or `proprietary`.
    pub licenses: Vec<String>,
    /// `dense`, `moe`, `matformer`, `unknown`.
    pub architectures: Vec<String>,
    /// `XS`, `S`, `M`, `L`, `XL`.
    pub sizes: Vec<String>,
    /// Model ids or aliases; empty = all.
    pub models: Vec<String>,
    pub min_votes: u64,
    /// Slice filters: which votes are fitted (a union within a dimension, an
    /// intersection across them); empty = every vote.
    pub categories: Vec<String>,
    pub languages: Vec<String>,
    pub countries: Vec<String>,

    // ---- rating options ----
    /// `None`: the data source's default.
    pub ties: Option<TiePolicy>,
    pub ci: Option<CiMethod>,
    pub rounds: Option<u32>,
    pub seed: Option<u64>,
    /// `MODEL=SCORE`; empty = scores average 1000.
    pub anchor: Option<String>,
    pub level: Option<f64>,
    /// `raw` (default) or `controlled` (style control).
    pub style: Style,

    // ---- energy options ----
    /// `ecologits-0.11`, `ecologits-0.8`, `comparia-2026-02`; `None`: the data source's default.
    pub methodology: Option<String>,
    pub zone: Option<String>,
    pub pue: Option<f64>,
    pub wue: Option<f64>,
    /// Output tokens the per-model estimate is for (default 1000).
    pub tokens: Option<f64>,
    /// Use EcoLogits' estimated sizes for undisclosed models, flagged as estimates.
    pub allow_estimates: bool,

    // ---- single model and highlighting ----
    /// For `model` queries.
    pub model: Option<String>,
    /// Models flagged `selected = true` in scatter/leaderboard rows.
    pub selected: Vec<String>,
    /// `head-to-head`: how many of the best-scored models (default 10).
    pub top: Option<u32>,
    /// Which rows of a scatter/leaderboard to return.
    pub subset: Subset,

    // ---- variable ----
    pub of: VariableOf,

    // ---- time ----
    pub window: Window,
    pub window_days: Option<u32>,
    pub step: Step,
    /// Grafana's suggested interval; used when `step` is `auto`.
    pub interval_ms: Option<u64>,
    /// Trends: add CI fields.
    pub include_ci: bool,
    /// Energy trend: per model or total.
    pub group_by: GroupBy,
    /// Regression: length of the latest window in days (default 30).
    pub latest_days: Option<u32>,
    /// Regression: length of the previous window in days (default: same as latest).
    pub previous_days: Option<u32>,
    /// Regression: compare Wh against this methodology instead of the previous window's mix.
    pub compare_methodology: Option<String>,
    /// Regression: only these metrics ([`REGRESSION_METRICS`]); empty = all.
    /// An alert rule asks for the one it tests.
    pub metrics: Vec<String>,
}

/// The regression metric names, in the order rows report them: the values
/// the `metrics` key accepts (`resolve` checks them, `regression` computes
/// them).
pub const REGRESSION_METRICS: &[&str] = &["bt_delta", "bt_z", "rank_delta", "wh_delta_pct"];

impl Default for Query {
    fn default() -> Self {
        Query {
            query_type: QueryType::Scatter,
            sources: Vec::new(),
            from: None,
            to: None,
            organizations: Vec::new(),
            licenses: Vec::new(),
            architectures: Vec::new(),
            sizes: Vec::new(),
            models: Vec::new(),
            min_votes: 0,
            categories: Vec::new(),
            languages: Vec::new(),
            countries: Vec::new(),
            ties: None,
            ci: None,
            rounds: None,
            seed: None,
            anchor: None,
            level: None,
            style: Style::Raw,
            methodology: None,
            zone: None,
            pue: None,
            wue: None,
            tokens: None,
            allow_estimates: false,
            model: None,
            selected: Vec::new(),
            top: None,
            subset: Subset::All,
            of: VariableOf::Models,
            window: Window::All,
            window_days: None,
            step: Step::Day,
            interval_ms: None,
            include_ci: false,
            group_by: GroupBy::Model,
            latest_days: None,
            previous_days: None,
            compare_methodology: None,
            metrics: Vec::new(),
        }
    }
}
