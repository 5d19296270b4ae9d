//! The SQLite store: one file holding votes and their daily pair-count
//! aggregates, written only through transactions.
//!
//! CONTRACT (skeleton): the types and method signatures below are what ingest
//! and the query engine code against. They keep their names; the store adds
//! methods and fields.
//!
//! # Why it looks like this
//! Queries never read raw votes: a Bradley–Terry fit needs only the counts per
//! unordered pair, so every import updates aggregates in the same transaction
//! as the votes, and reads touch only aggregates.
//!
//! # Schema (version [`schema::SCHEMA_VERSION`], `PRAGMA user_version`)
//! | table | holds |
//! |---|---|
//! | `meta` | `data_version`, bumped by every import that changes data |
//! | `sources` | one row per vote source (`comparia`, `simulated`, …) with match counters |
//! | `models` | compact integer ids for model names (catalog ids when the catalog knew the name) |
//! | `aliases` | names written in vote files that the catalog resolved to another id → model id |
//! | `labels` | compact ids for categories and languages |
//! | `votes` | a rowid table keyed by a 64-bit hash of (source, the source's vote id); models, labels and outcome as small integers, so a vote takes about 35–45 bytes on disk |
//! | `pair_counts_packed` | per (source, day with data): that day's pair counts and the running totals up to it, each packed in one BLOB ([`packed`]) |
//! | `model_tokens_daily` | per (source, day, model): answers with and without token counts, output tokens |
//! | (`votes` also keeps each answer's markdown counts, for style control: [`style`]) | |
//! | `model_reasons_daily` | per (source, day, model): answers judged and each voters' qualifier ticked ([`reasons`]) |
//! | `imports` | the audit trail: file, sha256, format, rows accepted and rejected, times |
//! | `catalog_models` | models added with `arenawatt catalog import`, as JSON |
//!
//! # Reading a time range in O(pairs)
//! `pair_counts_packed` holds, for each source and each day `d` that has
//! votes, the running totals of every pair up to and including `d`, packed in
//! one BLOB. The counts of `[from, to]` are `cumulative(last day ≤ to) −
//! cumulative(last day < from)`: two indexed row reads and a decode of one
//! entry per pair, whatever the number of days. The same rows carry each
//! day's own counts, so a trend's per-day series decodes one BLOB per day
//! instead of stepping through one SQL row per pair and day. An import
//! rewrites the packed rows from the first day it touched onwards (appending
//! a new day rewrites one row).
//!
//! # Importing
//! Votes come in through one service, [`import_service::import`]: it runs the
//! reader of the input's format ([`ingest`]), resolves names through the
//! catalog, hashes the input for the audit row and writes everything in one
//! transaction. `arenawatt import`, the plugin's `POST votes` and the demo
//! store builder all call it.
//!
//! # Consistency
//! The file is in WAL mode. An import runs in one `BEGIN IMMEDIATE`
//! transaction, so a crash (even `kill -9`) leaves the old data, and a reader,
//! whose reads each run in one read transaction, sees the old or the new data,
//! never half of an import.

mod aggregates;
mod buffer;
mod catalog_models;
pub(crate) mod fast_hash;
mod import;
pub mod import_service;
pub mod ingest;
mod key;
pub mod markdown;
mod outcome_codes;
mod packed;
mod pair_totals;
mod read;
pub mod reasons;
mod replace_days;
mod schema;
mod sha256;
pub mod slices;
mod snapshot;
pub mod style;
mod tokens;

pub use buffer::{BufferedVote, VoteBuffer};
pub use key::{content_key, id_key, stored_key};
pub use reasons::{ModelReasons, Reason, Reasons, REASONS};
pub use schema::SCHEMA_VERSION;
pub use sha256::{sha256_hex, sha256_of_file};
pub use slices::{Dimension, SliceFilter, SliceValue};
pub use snapshot::SnapshotReport;
pub use tokens::{AttachSummary, VoteTokens};

use serde::{Deserialize, Serialize};

use arenawatt_core::rating::PairTable;

/// A vote's outcome, from side A's point of view: the core's one type (a
/// fact of a vote, which `arenawatt rank` counts without a store), kept here
/// under its old path.
pub use arenawatt_core::rating::Outcome;

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
    /// Every category the vote belongs to (multi-label; empty: none).
    #[serde(default)]
    pub categories: Vec<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    /// The voter's qualifiers of answers A and B ([`reasons`]); not part of
    /// the JSON form (only compar:IA's files carry them).
    #[serde(skip)]
    pub reasons: [Reasons; 2],
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
    /// Which slices' votes (empty: every vote, the overall counts).
    #[serde(default)]
    pub slices: SliceFilter,
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
    pub pairs: Vec<(i64, arenawatt_core::rating::PairCount)>,
    /// (day, model index, tokens) sorted by day.
    pub tokens: Vec<(i64, usize, ModelTokens)>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct StoreStats {
    pub schema_version: u32,
    pub data_version: u64,
    pub models: u64,
    /// Matches counted in the aggregates (votes, reactions and imported pair counts).
    pub votes: u64,
    /// Individual votes stored in the `votes` table.
    pub vote_rows: u64,
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
    #[error("{path}: cannot open store: {reason}")]
    CannotOpen { path: String, reason: String },
    #[error("invalid vote: {0}")]
    InvalidVote(String),
    #[error("the store is corrupt: {0}")]
    Corrupt(String),
    #[error("{path}: catalog model {id:?} stored in the store is unreadable: {reason}")]
    BadCatalogModel {
        path: String,
        id: String,
        reason: String,
    },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// One row of the `imports` audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub votes_inserted: u64,
    pub votes_duplicate: u64,
    /// Unix seconds, UTC.
    pub started_at: i64,
    pub finished_at: i64,
    pub data_version: u64,
    /// The source the import wrote to, when it was one (a csv file may name
    /// several in its `source` column).
    pub source: Option<String>,
}

impl StoreError {
    /// Maps an SQLite error met while opening `path` to a user-facing error.
    fn opening(path: &std::path::Path, error: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        let display = path.display().to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
                StoreError::NotAStore {
                    path: display,
                    reason: error.to_string(),
                }
            }
            Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::PermissionDenied)
            | Some(ErrorCode::ReadOnly) => StoreError::CannotOpen {
                path: display,
                reason: error.to_string(),
            },
            _ => StoreError::Sqlite(error),
        }
    }
}

/// An open store. Not `Sync`: share it behind a mutex, or open one per thread.
pub struct Store {
    conn: rusqlite::Connection,
    path: String,
}

impl Store {
    /// Opens (creating and migrating if needed) a store for writing.
    pub fn open(path: &std::path::Path) -> Result<Store, StoreError> {
        schema::open_for_writing(path)
    }
    /// Opens an existing store read-only; never creates or migrates.
    pub fn open_read_only(path: &std::path::Path) -> Result<Store, StoreError> {
        schema::open_read_only(path, false)
    }
    /// Opens an existing store read-only and immutable (SQLite's
    /// `immutable=1`): no lock, no `-shm` file, so a store in a read-only
    /// folder can be read; changes made while it is open are not seen
    /// reliably.
    pub fn open_immutable(path: &std::path::Path) -> Result<Store, StoreError> {
        schema::open_read_only(path, true)
    }
    /// `PRAGMA quick_check`: the problems found (at most `max`), empty when
    /// the file is sound. Reads every page, so it costs about one full read
    /// of the file.
    pub fn quick_check(&self, max: u32) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("PRAGMA quick_check({})", max.max(1)))?;
        let lines = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.into_iter().filter(|line| line != "ok").collect())
    }
    /// A fresh store in memory, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        schema::open_in_memory()
    }
    /// The path the store was opened from (`:memory:` for in-memory stores).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// Writes votes and updates the aggregates in one transaction.
    pub fn import_votes(
        &mut self,
        votes: &[Vote],
        audit: &ImportAudit,
    ) -> Result<ImportSummary, StoreError> {
        let mut buffer = VoteBuffer::new();
        for vote in votes {
            buffer.push_vote(vote).map_err(StoreError::InvalidVote)?;
        }
        self.import_buffer(buffer, audit)
    }
    /// Writes pre-aggregated counts in one transaction.
    pub fn import_pair_counts(
        &mut self,
        batch: &PairCountBatch,
        audit: &ImportAudit,
    ) -> Result<ImportSummary, StoreError> {
        import::import_pair_counts(self, batch, audit)
    }
    /// Writes daily pair counts read from Parquet, replacing each (source,
    /// day) they hold (see `replace_days.rs`): one transaction, nothing
    /// written when no day changes.
    pub fn replace_pair_count_days(
        &mut self,
        input: &ingest::pair_counts_parquet::PairCountsParquet,
        audit: &ImportAudit,
    ) -> Result<ImportSummary, StoreError> {
        replace_days::replace_days(self, input, audit)
    }
    /// Writes the votes collected in `buffer` (see [`VoteBuffer`]) and updates
    /// the aggregates, in one transaction. This is the fast path for large files.
    pub fn import_buffer(
        &mut self,
        buffer: VoteBuffer,
        audit: &ImportAudit,
    ) -> Result<ImportSummary, StoreError> {
        import::import_buffer(self, buffer, audit)
    }
    /// Bumped by every import that changes data.
    pub fn data_version(&self) -> Result<u64, StoreError> {
        read::data_version(&self.conn)
    }
    /// Pair counts summed over the filter, read from aggregates only, in
    /// O(pairs) whatever the length of the time range.
    pub fn pair_table(&self, filter: &CountFilter) -> Result<PairTable, StoreError> {
        read::pair_table(&self.conn, filter)
    }
    /// Output tokens per model summed over the filter.
    pub fn model_tokens(&self, filter: &CountFilter) -> Result<Vec<ModelTokens>, StoreError> {
        read::model_tokens(&self.conn, filter)
    }
    /// Per-day aggregates over the filter, for trends.
    pub fn daily_counts(&self, filter: &CountFilter) -> Result<DailyCounts, StoreError> {
        read::daily_counts(&self.conn, filter)
    }
    /// Every value of a slice dimension with its matches over the filter's
    /// sources and days (its slice filter is ignored), sorted by name.
    pub fn slice_values(
        &self,
        dimension: Dimension,
        filter: &CountFilter,
    ) -> Result<Vec<SliceValue>, StoreError> {
        read::slice_values(&self.conn, dimension, filter)
    }
    /// The names of a slice dimension's values that some stored vote
    /// carries, sorted (no counting: cheap enough for every query).
    pub fn slice_names(&self, dimension: Dimension) -> Result<Vec<String>, StoreError> {
        slices::names(&self.conn, dimension)
    }
    /// The filter's votes as a style table for a style-controlled fit, with
    /// their plain pair table (read in one transaction) and how many carry
    /// each feature ([`style`]).
    pub fn style_table(
        &self,
        filter: &CountFilter,
    ) -> Result<
        (
            PairTable,
            arenawatt_core::rating::StyleTable,
            style::StyleCoverage,
        ),
        StoreError,
    > {
        style::style_table(&self.conn, filter)
    }
    /// Voters' reasons per model over the filter ([`reasons`]), sorted by
    /// model; models never judged are left out.
    pub fn model_reasons(&self, filter: &CountFilter) -> Result<Vec<ModelReasons>, StoreError> {
        read::model_reasons(&self.conn, filter)
    }
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        read::stats(&self.conn)
    }
    /// The audit trail, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        read::imports(&self.conn)
    }
    /// When each model added with [`Store::upsert_catalog_models`] was last
    /// written: (model id, Unix seconds), oldest first.
    pub fn catalog_changes(&self) -> Result<Vec<(String, i64)>, StoreError> {
        read::catalog_changes(&self.conn)
    }
    /// The stored vote whose source id is `source_id`, if any (the store keeps
    /// a 64-bit hash of the id, not the id itself, so `source_id` is `None` in
    /// the result).
    pub fn find_vote(&self, source: &str, source_id: &str) -> Result<Option<Vote>, StoreError> {
        read::find_vote(&self.conn, source, source_id)
    }
    /// Adds or replaces catalog models (by id) imported by `arenawatt catalog import`.
    pub fn upsert_catalog_models(
        &mut self,
        models: &[arenawatt_core::catalog::CatalogModel],
    ) -> Result<(), StoreError> {
        catalog_models::upsert(&mut self.conn, models)
    }
    /// The models added with [`Store::upsert_catalog_models`], sorted by id.
    pub fn custom_catalog_models(
        &self,
    ) -> Result<Vec<arenawatt_core::catalog::CatalogModel>, StoreError> {
        catalog_models::list(&self.conn, &self.path)
    }
}
