//! Vote file readers, one submodule per format, turning rows into normalised
//! votes (collected in a [`crate::VoteBuffer`]) or pair counts, with
//! errors that name the file, the row and the column.
//!
//! | format | module | source (default) |
//! |---|---|---|
//! | `csv` | [`csv`] | the `source` column, else `csv` |
//! | `comparia-votes` (parquet or jsonl) | [`comparia_votes`] | `comparia` |
//! | `comparia-conversations` (parquet or jsonl) | [`comparia_conversations`] | tokens for `comparia` votes |
//! | `comparia-reactions` (parquet or jsonl) | [`comparia_reactions`] | `comparia-reactions` |
//! | `arena-battles` (json or jsonl) | [`arena_battles`] | `chatbot-arena` |
//! | `pair-counts` (json) | [`pair_counts`] | the file name without extension |
//! | `pair-counts-parquet` (a parquet file or a folder of them) | [`pair_counts_parquet`] | the `source` column |
//! | JSON lines in memory (`POST votes`) | [`json_lines`] | the `source` key, else `grafana-upload` |
//!
//! Readers never write: they read the whole file first, so that a bad row
//! fails the import before the store is touched. With `skip_invalid`, bad rows
//! are counted and the first reasons kept instead. Model names go through the
//! catalog ([`arenawatt_core::catalog::Catalog::resolve`]); unknown names are kept as
//! they came and counted.
//!
//! Every reader applies the same refusals ([`row`] documents them): a time
//! outside the plausible window (2000-01-01T00:00:00Z to one day past now,
//! epoch numbers read by magnitude whether integer or float), a vote whose
//! two sides resolve to one model, a model name with a control character, a
//! count or token count past what the store holds. A UTF-8 byte order mark
//! at the start of a text file is accepted by every format.

pub mod arena_battles;
mod collector;
pub mod comparia_conversations;
pub mod comparia_reactions;
pub mod comparia_votes;
pub mod csv;
pub mod json_lines;
pub mod labels;
pub mod pair_counts;
pub mod pair_counts_parquet;
mod parquet;
mod row;

use std::collections::BTreeSet;
use std::path::Path;

pub(crate) use collector::Collector;
pub use collector::RowVote;
pub(crate) use row::format_utc;
/// The winner values every reader accepts, for `arenawatt rank`'s csv.
pub use row::parse_winner;

use crate::VoteBuffer;
use arenawatt_core::catalog::Catalog;

/// An input format of `arenawatt import --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    ComparIaVotes,
    ComparIaConversations,
    ComparIaReactions,
    ArenaBattles,
    PairCounts,
    PairCountsParquet,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Csv,
        Format::ComparIaVotes,
        Format::ComparIaConversations,
        Format::ComparIaReactions,
        Format::ArenaBattles,
        Format::PairCounts,
        Format::PairCountsParquet,
    ];
    pub fn name(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::ComparIaVotes => "comparia-votes",
            Format::ComparIaConversations => "comparia-conversations",
            Format::ComparIaReactions => "comparia-reactions",
            Format::ArenaBattles => "arena-battles",
            Format::PairCounts => "pair-counts",
            Format::PairCountsParquet => "pair-counts-parquet",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format {s:?} (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// One row is malformed; `row` is the line (text formats) or the 1-based
    /// row number (parquet, JSON arrays).
    #[error("{file}:{row}:{column}: {reason}")]
    Row {
        file: String,
        row: u64,
        column: String,
        reason: String,
    },
    /// The file as a whole is unusable (truncated, wrong format, missing column).
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    /// The I/O error is in the message, not chained as a `source`, so that
    /// printing the chain does not repeat it.
    #[error("{file}: cannot read: {cause}")]
    Io { file: String, cause: std::io::Error },
    #[error(transparent)]
    PairCounts(#[from] pair_counts::PairCountsError),
}

/// How to read a file.
pub struct IngestOptions<'a> {
    pub catalog: &'a Catalog,
    /// Overrides the format's (or the file's) source name.
    pub source: Option<String>,
    /// Count and skip malformed rows instead of failing.
    pub skip_invalid: bool,
    /// Called now and then with (work done, total work), in bytes or rows.
    pub progress: Option<&'a dyn Fn(u64, u64)>,
}

impl<'a> IngestOptions<'a> {
    pub fn new(catalog: &'a Catalog) -> IngestOptions<'a> {
        IngestOptions {
            catalog,
            source: None,
            skip_invalid: false,
            progress: None,
        }
    }
}

/// How many of the first rejected rows keep their reason.
pub const KEPT_REJECTIONS: usize = 10;

/// What a reader produced.
#[derive(Debug, Default)]
pub struct Ingested {
    pub buffer: VoteBuffer,
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows rejected (only with `skip_invalid`).
    pub rows_rejected: u64,
    /// The first [`KEPT_REJECTIONS`] rejection reasons.
    pub rejections: Vec<IngestError>,
    /// Rows that are valid but carry no match (a reaction without like or dislike).
    pub rows_without_match: u64,
    /// Votes naming at least one model the catalog does not know.
    pub votes_with_unknown_models: u64,
    /// Those models, as named in the file.
    pub unknown_models: BTreeSet<String>,
}

/// The file name used in messages: the path as given.
pub(crate) fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// True when the file starts with parquet's magic bytes.
pub(crate) fn is_parquet(path: &Path) -> Result<bool, IngestError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|cause| IngestError::Io {
        file: display_name(path),
        cause,
    })?;
    let mut magic = [0u8; 4];
    let read = file.read(&mut magic).map_err(|cause| IngestError::Io {
        file: display_name(path),
        cause,
    })?;
    Ok(read == 4 && &magic == b"PAR1")
}

/// Calls `each(row_number, row, done, total)` for every record of a file that
/// may be parquet (detected by its magic bytes) or JSON / JSON Lines. For
/// parquet, `required` columns are checked once up front; for JSON, the
/// converters report missing fields per row.
pub(crate) fn for_each_record(
    path: &Path,
    file: &str,
    wanted: &[&str],
    required: &[&str],
    mut each: impl FnMut(
        u64,
        Result<&dyn row::Row, collector::RowProblem>,
        u64,
        u64,
    ) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    if is_parquet(path)? {
        parquet::for_each_row(path, file, wanted, required, |n, row, total| {
            each(n, Ok(row), n, total)
        })
    } else {
        row::for_each_json_object(path, file, |n, object, done, total| match object {
            Ok(object) => each(n, Ok(&row::JsonRow(object)), done, total),
            Err(problem) => each(n, Err(problem), done, total),
        })
    }
}

/// The loop the dataset readers (Chatbot Arena battles, compar:IA votes and
/// reactions) share: every record of a parquet or JSON file, its vote id
/// taken from the first of `id_columns` that has a value, converted by
/// `convert` and collected (messages about the models name `model_columns`);
/// progress every 65,536 records.
pub(crate) fn read_votes_with_ids(
    path: &Path,
    options: &IngestOptions<'_>,
    default_source: &str,
    (columns, required_columns): (&[&str], &[&str]),
    id_columns: [&str; 2],
    model_columns: [&'static str; 2],
    mut convert: impl for<'r> FnMut(
        &'r dyn row::Row,
        Option<&'r str>,
    )
        -> Result<Option<collector::RowVote<'r>>, collector::RowProblem>,
) -> Result<Ingested, IngestError> {
    let file = display_name(path);
    let mut collector =
        Collector::new(file.clone(), options, default_source).with_model_columns(model_columns);
    for_each_record(
        path,
        &file,
        columns,
        required_columns,
        |n, row, done, total| {
            if n % 65_536 == 0 {
                collector.progress(done, total);
            }
            let with_id = row.and_then(|row| {
                let id = match row.id(id_columns[0])? {
                    Some(id) => Some(id),
                    None => row.id(id_columns[1])?,
                };
                Ok((row, id))
            });
            match with_id {
                Ok((row, id)) => collector.row(n, convert(row, id.as_deref())),
                Err(problem) => collector.row(n, Err(problem)),
            }
        },
    )?;
    Ok(collector.finish())
}

/// A required field, or a problem naming it.
pub(crate) fn required<T>(value: Option<T>, column: &str) -> Result<T, collector::RowProblem> {
    value.ok_or_else(|| collector::RowProblem::new(column, "missing value"))
}

/// Days since 1970-01-01 for a `YYYY-MM-DD` date, which must fall in the
/// plausible window of vote times (see the module doc of `ingest/row.rs`).
pub fn parse_day(text: &str) -> Result<i64, String> {
    row::parse_plausible_day(text)
}
