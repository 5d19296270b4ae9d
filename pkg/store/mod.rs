//! The SQLite store: one file holding votes and their daily pair-count
//! aggregates, written only through transactions.
//!
//! CONTRACT (skeleton): the types and method signatures below are what ingest
//! and the query engine code against. The store work implements them (schema,
//! migrations, WAL, cumulative aggregates) and documents the schema here; it may
//! add methods and fields but keeps these names.

use serde::{Deserialize, Serialize};

use crate::rating::PairTable;

/// A vote's outcome, from side A's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    A,
    B,
    Tie,
    BothBad,
}

/// One normalised vote. Model names are already resolved to catalog ids where
/// the catalog knows them; unknown names are kept as they came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vote {
    pub source: String,
    /// Unique per source; re-importing a vote with the same id is a no-op.
    /// `None`: the store derives an id from the vote's content.
    pub source_id: Option<String>,
    /// Unix seconds, UTC.
    pub timestamp: i64,
    pub model_a: String,
    pub model_b: String,
    pub outcome: Outcome,
    pub tokens_a: Option<u64>,
    pub tokens_b: Option<u64>,
    pub category: Option<String>,
    pub language: Option<String>,
}

/// Already-aggregated counts attributed to one day (the `pair-counts` format).
#[derive(Debug, Clone, PartialEq)]
pub struct PairCountBatch {
    pub source: String,
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    pub table: PairTable,
}

/// Audit facts about the file an import came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportAudit {
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub rows_rejected: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ImportSummary {
    /// Votes (or counted matches) newly written.
    pub votes_inserted: u64,
    /// Votes already in the store (same source and id), skipped.
    pub votes_duplicate: u64,
    pub data_version: u64,
}

/// Which votes a read covers. Empty `sources` = every source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CountFilter {
    pub sources: Vec<String>,
    /// First day included (days since epoch, UTC).
    pub from_day: Option<i64>,
    /// Last day included.
    pub to_day: Option<i64>,
}

/// Output tokens of one model's answers over a filter.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ModelTokens {
    pub model: String,
    /// Answers (vote sides) that carried a token count.
    pub sides_with_tokens: u64,
    pub output_tokens: u64,
    /// Answers without a token count: reported, never treated as zero.
    pub sides_without_tokens: u64,
}

/// Per-day aggregates, for trends.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DailyCounts {
    /// Model names; `PairCount::lo/hi` index this list.
    pub models: Vec<String>,
    /// (day, counts) sorted by day.
    pub pairs: Vec<(i64, crate::rating::PairCount)>,
    /// (day, model index, tokens) sorted by day.
    pub tokens: Vec<(i64, usize, ModelTokens)>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct StoreStats {
    pub schema_version: u32,
    pub data_version: u64,
    pub models: u64,
    pub votes: u64,
    pub sources: Vec<String>,
    pub first_day: Option<i64>,
    pub last_day: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not an arenawatt store (not a SQLite database, or corrupt): {reason}")]
    NotAStore { path: String, reason: String },
    #[error("{path}: store not found")]
    Missing { path: String },
    #[error("{path}: schema version {found} is newer than this arenawatt supports ({supported})")]
    TooNew {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// An open store. (Skeleton: implemented by the store work.)
pub struct Store {
    _private: (),
}

impl Store {
    /// Opens (creating and migrating if needed) a store for writing.
    pub fn open(path: &std::path::Path) -> Result<Store, StoreError> {
        Err(StoreError::Missing {
            path: path.display().to_string(),
        })
    }
    /// Opens an existing store read-only; never creates or migrates.
    pub fn open_read_only(path: &std::path::Path) -> Result<Store, StoreError> {
        Err(StoreError::Missing {
            path: path.display().to_string(),
        })
    }
    /// Writes votes and updates the aggregates in one transaction.
    pub fn import_votes(
        &mut self,
        votes: &[Vote],
        audit: &ImportAudit,
    ) -> Result<ImportSummary, StoreError> {
        let _ = (votes, audit);
        unimplemented!("store")
    }
    /// Writes pre-aggregated counts in one transaction.
    pub fn import_pair_counts(
        &mut self,
        batch: &PairCountBatch,
        audit: &ImportAudit,
    ) -> Result<ImportSummary, StoreError> {
        let _ = (batch, audit);
        unimplemented!("store")
    }
    /// Bumped by every import that changes data.
    pub fn data_version(&self) -> Result<u64, StoreError> {
        unimplemented!("store")
    }
    /// Pair counts summed over the filter, read from aggregates only.
    pub fn pair_table(&self, filter: &CountFilter) -> Result<PairTable, StoreError> {
        let _ = filter;
        unimplemented!("store")
    }
    /// Output tokens per model summed over the filter.
    pub fn model_tokens(&self, filter: &CountFilter) -> Result<Vec<ModelTokens>, StoreError> {
        let _ = filter;
        unimplemented!("store")
    }
    /// Per-day aggregates over the filter, for trends.
    pub fn daily_counts(&self, filter: &CountFilter) -> Result<DailyCounts, StoreError> {
        let _ = filter;
        unimplemented!("store")
    }
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        unimplemented!("store")
    }
}
