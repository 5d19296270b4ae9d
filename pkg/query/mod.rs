//! The query engine: turns a [`Query`] into rows, from the store's pair
//! counts, the rating engine, the catalog and the energy engine. The CLI and the
//! Grafana plugin are thin shells over [`Engine::execute`].
//!
//! CONTRACT (skeleton): [`Query`], [`ModelRow`], [`QueryResult`] and
//! [`Engine::execute`] are what the frames, plugin and CLI code against. The
//! query work implements them; it may add fields and variants but keeps these
//! names.

pub mod model;

pub use model::{GroupBy, Query, QueryType, Step, VariableOf, Window};

use serde::Serialize;

/// One model's record: the row of `scatter`, `leaderboard` and `model`.
/// Field names are the CSV columns of `arenawatt query` and the frame fields.
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
    pub rank: Option<u32>,
    pub rank_low: Option<u32>,
    pub rank_high: Option<u32>,
    pub wh_per_1k_tokens: Option<f64>,
    pub wh_min: Option<f64>,
    pub wh_max: Option<f64>,
    pub gco2e_per_1k_tokens: Option<f64>,
    pub energy_methodology: String,
    /// Why energy is null ("parameters not disclosed", "not in catalog"), or
    /// "estimated parameters"; empty when energy is a plain estimate.
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
    },
    Variable {
        values: Vec<VariableValue>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The query itself is wrong (maps to a 400-class status).
    #[error("bad query: {0}")]
    BadQuery(String),
    #[error("unknown model {0:?}")]
    UnknownModel(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Rating(#[from] crate::rating::RatingError),
    #[error(transparent)]
    Energy(#[from] crate::energy::EnergyError),
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
    pub ties: crate::rating::TiePolicy,
    pub ci: crate::rating::CiMethod,
    pub bootstrap_rounds: u32,
}

impl Default for QueryDefaults {
    fn default() -> Self {
        QueryDefaults {
            methodology: "ecologits-0.11".into(),
            zone: "WOR".into(),
            pue: 1.15,
            wue: 1.8,
            ties: crate::rating::TiePolicy::Half,
            ci: crate::rating::CiMethod::Sandwich,
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

/// The engine. Send + Sync: the plugin shares one across requests.
pub struct Engine {
    _private: (),
}

impl Engine {
    /// (Skeleton: implemented by the query work.)
    pub fn execute(
        &self,
        query: &Query,
        time_range: Option<TimeRange>,
    ) -> Result<QueryResult, QueryError> {
        let _ = (query, time_range);
        Err(QueryError::BadQuery(
            "query engine not implemented yet".into(),
        ))
    }
}
