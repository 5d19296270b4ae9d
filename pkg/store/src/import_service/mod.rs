//! The one import service: `arenawatt import`, the plugin's `POST votes` and
//! the demo store builder all write votes through [`import`], so the audit
//! row, the sha256, the catalog resolution and the reader of each format are
//! the same whoever imports.
//!
//! An import has two steps, which [`import`] runs back to back:
//! 1. [`prepare`] reads the whole input with the reader of its format
//!    ([`crate::ingest`]), resolves model names through the catalog, and
//!    computes the input's sha256 (a file is hashed on a second thread while
//!    it is parsed). Nothing is written: a bad row fails here.
//! 2. [`PreparedImport::write`] writes what was read in one store
//!    transaction, with its `imports` audit row, and fills the
//!    [`ImportReport`].
//!
//! A caller that must check something between the two (the plugin refuses to
//! recreate a deleted store, but reports a bad body first) calls them one
//! after the other. Either step failing leaves the store as it was.
//!
//! The catalog is the caller's: [`store_catalog`] is the bundled catalog
//! merged with the store's custom models, which `arenawatt import` uses; the
//! plugin passes its engine's (the same merge, kept current), the demo the
//! bundled one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arenawatt_core::catalog::Catalog;

use crate::ingest::comparia_conversations::{self, ConversationFacts};
use crate::ingest::json_lines::{self, JsonLinesError};
use crate::ingest::{self, Format, IngestError, IngestOptions, Ingested};
use crate::{
    sha256_hex, sha256_of_file, ImportAudit, PairCountBatch, Store, StoreError, Vote, VoteBuffer,
    VoteTokens,
};

/// What an import reads.
pub enum ImportInput<'a> {
    /// A vote file in one of the `arenawatt import --format` formats.
    File { path: &'a Path, format: Format },
    /// JSON lines held in memory ([`crate::ingest::json_lines`], the body of
    /// `POST votes`), recorded in the audit trail under `name`. All or
    /// nothing: `skip_invalid` does not apply.
    JsonLines { name: &'a str, body: &'a [u8] },
    /// Votes or pair counts the program made itself (the demo store), with
    /// model names already resolved: written as given. `content` is what the
    /// audit row's sha256 covers (the bundled data, or the simulation's
    /// settings), `format` what the audit row calls it.
    Generated {
        name: String,
        format: &'a str,
        content: &'a [u8],
        batch: GeneratedBatch,
    },
}

/// The data of [`ImportInput::Generated`].
pub enum GeneratedBatch {
    Votes(Vec<Vote>),
    PairCounts(PairCountBatch),
}

/// How to import: the flags of `arenawatt import`.
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// `--source`: stores the votes under this source name instead of the
    /// format's default (or the file's, or each line's).
    pub source: Option<String>,
    /// `--date YYYY-MM-DD`: the day pair counts are attributed to
    /// (pair-counts only; required there).
    pub date: Option<String>,
    /// `--skip-invalid`: import the valid rows and report the rejected ones,
    /// instead of failing the whole file on the first malformed row.
    pub skip_invalid: bool,
    /// `--sum-cells` (pair-counts-parquet only): cells given twice are
    /// summed, and pairs written out of order turned around, instead of
    /// refused.
    pub sum_cells: bool,
    /// The token counts read from `--conversations` files
    /// ([`conversation_tokens`]), attached to comparia-votes through
    /// `conversation_pair_id`.
    pub conversation_tokens: Option<&'a HashMap<String, ConversationFacts>>,
    /// Called now and then while a file is read, with (work done, total
    /// work), in bytes or rows.
    pub progress: Option<&'a dyn Fn(u64, u64)>,
}

/// What importing one input did: the counts `arenawatt import` prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// The file as named (or the in-memory input's name).
    pub file: String,
    pub format: String,
    pub sha256: String,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// Valid rows that carry no match (a reaction without like or dislike).
    pub rows_without_match: u64,
    /// Matches (votes or counted pairs) newly written.
    pub votes_inserted: u64,
    /// Already in the store; for comparia-conversations, votes that already
    /// had their token counts.
    pub votes_duplicate: u64,
    /// Matches naming at least one model the catalog does not know.
    pub votes_with_unknown_models: u64,
    /// Those models, as named in the input.
    pub unknown_models: Vec<String>,
    /// The first rejected rows (with `skip_invalid`), `file:row:column: reason`.
    pub rejections: Vec<String>,
    pub data_version: u64,
    /// Only for comparia-conversations: votes given token counts.
    pub votes_updated: u64,
    /// Only for comparia-conversations: conversations with no stored vote.
    pub votes_missing: u64,
}

/// Why an import failed; the store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read, or a row of it is malformed.
    #[error(transparent)]
    Read(#[from] IngestError),
    /// A JSON-lines body is malformed.
    #[error(transparent)]
    JsonLines(#[from] JsonLinesError),
    /// An option that the format does not take.
    #[error("{0}")]
    Option(String),
    /// `--date` is missing or not a plausible day (pair-counts).
    #[error("--date: {0}")]
    Date(String),
    /// The file could not be read to compute its sha256.
    #[error("cannot read {file}")]
    Hash {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("computing the file's sha256 failed")]
    HashFailed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The catalog `arenawatt import` resolves names with: the bundled catalog
/// plus the models added with `arenawatt catalog import`.
pub fn store_catalog(store: &Store) -> Result<Catalog, StoreError> {
    Ok(Catalog::bundled_ref().with_custom(store.custom_catalog_models()?))
}

/// The token counts of compar:IA conversations files (`--conversations`),
/// keyed by `conversation_pair_id`; later files win.
pub fn conversation_tokens(
    paths: &[PathBuf],
) -> Result<HashMap<String, ConversationFacts>, IngestError> {
    let mut tokens: HashMap<String, ConversationFacts> = HashMap::new();
    for path in paths {
        tokens.extend(comparia_conversations::read_tokens(path)?);
    }
    Ok(tokens)
}

/// Reads `input` and writes it into `store` in one transaction with its
/// audit row ([`prepare`], then [`PreparedImport::write`]).
pub fn import(
    store: &mut Store,
    catalog: &Catalog,
    input: ImportInput<'_>,
    options: &ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    prepare(catalog, input, options)?.write(store)
}

/// An input read, checked and hashed, not yet written.
pub struct PreparedImport {
    /// The counts known before writing; `write` adds the store's.
    report: ImportReport,
    audit: ImportAudit,
    data: Prepared,
}

/// What [`PreparedImport::write`] hands to the store.
enum Prepared {
    /// Rows of a vote file, compact.
    Buffer(VoteBuffer),
    /// JSON lines or generated votes.
    Votes(Vec<Vote>),
    PairCounts(PairCountBatch),
    /// Daily cells of pair-counts-parquet, which replace their days.
    Days(ingest::pair_counts_parquet::PairCountsParquet),
    /// Token counts of comparia-conversations for stored votes of `source`.
    Tokens {
        source: String,
        entries: Vec<VoteTokens>,
    },
}

/// Reads the whole input (see the module doc); nothing is written.
pub fn prepare(
    catalog: &Catalog,
    input: ImportInput<'_>,
    options: &ImportOptions<'_>,
) -> Result<PreparedImport, ImportError> {
    match input {
        ImportInput::File {
            path,
            format: Format::PairCountsParquet,
        } => prepare_days(catalog, path, options),
        ImportInput::File { path, format } => prepare_file(catalog, path, format, options),
        ImportInput::JsonLines { name, body } => prepare_json_lines(catalog, name, body, options),
        ImportInput::Generated {
            name,
            format,
            content,
            batch,
        } => Ok(prepare_generated(name, format, content, batch)),
    }
}

impl PreparedImport {
    /// The votes the write will store, for vote files (a progress message).
    pub fn votes_to_write(&self) -> Option<usize> {
        match &self.data {
            Prepared::Buffer(buffer) => Some(buffer.len()),
            _ => None,
        }
    }

    /// Writes what was read in one transaction, with its audit row.
    pub fn write(self, store: &mut Store) -> Result<ImportReport, ImportError> {
        let PreparedImport {
            mut report,
            audit,
            data,
        } = self;
        match data {
            Prepared::Buffer(buffer) => {
                let summary = store.import_buffer(buffer, &audit)?;
                report.votes_inserted = summary.votes_inserted;
                report.votes_duplicate = summary.votes_duplicate;
                report.data_version = summary.data_version;
            }
            Prepared::Votes(votes) => {
                let summary = store.import_votes(&votes, &audit)?;
                report.votes_inserted = summary.votes_inserted;
                report.votes_duplicate = summary.votes_duplicate;
                report.data_version = summary.data_version;
            }
            Prepared::PairCounts(batch) => {
                let summary = store.import_pair_counts(&batch, &audit)?;
                report.votes_inserted = summary.votes_inserted;
                report.votes_duplicate = summary.votes_duplicate;
                report.data_version = summary.data_version;
            }
            Prepared::Days(days) => {
                let summary = store.replace_pair_count_days(&days, &audit)?;
                report.votes_inserted = summary.votes_inserted;
                report.votes_duplicate = summary.votes_duplicate;
                report.data_version = summary.data_version;
            }
            Prepared::Tokens { source, entries } => {
                let summary = store.attach_tokens(&source, &entries, &audit)?;
                report.votes_updated = summary.votes_updated;
                report.votes_duplicate = summary.votes_unchanged;
                report.votes_missing = summary.votes_missing;
                report.data_version = summary.data_version;
            }
        }
        Ok(report)
    }
}

/// The audit row of an input.
fn audit_of(report: &ImportReport) -> ImportAudit {
    ImportAudit {
        file_name: report.file.clone(),
        sha256: report.sha256.clone(),
        format: report.format.clone(),
        rows_rejected: report.rows_rejected,
    }
}

fn prepared(report: ImportReport, data: Prepared) -> PreparedImport {
    PreparedImport {
        audit: audit_of(&report),
        report,
        data,
    }
}

/// Reads one file with the reader of its format; its sha256 (for the audit
/// trail) is computed while it is parsed.
fn prepare_file(
    catalog: &Catalog,
    path: &Path,
    format: Format,
    options: &ImportOptions<'_>,
) -> Result<PreparedImport, ImportError> {
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| {
            sha256_of_file(path).map_err(|source| ImportError::Hash {
                file: path.display().to_string(),
                source,
            })
        });
        read_file(catalog, path, format, options, hashing)
    })
}

fn joined(
    hashing: std::thread::ScopedJoinHandle<'_, Result<String, ImportError>>,
) -> Result<String, ImportError> {
    hashing.join().map_err(|_| ImportError::HashFailed)?
}

fn read_file(
    catalog: &Catalog,
    path: &Path,
    format: Format,
    options: &ImportOptions<'_>,
    hashing: std::thread::ScopedJoinHandle<'_, Result<String, ImportError>>,
) -> Result<PreparedImport, ImportError> {
    let mut reading = IngestOptions::new(catalog);
    reading.source = options.source.clone();
    reading.skip_invalid = options.skip_invalid;
    reading.progress = options.progress;
    let mut report = ImportReport {
        file: path.display().to_string(),
        format: format.name().to_string(),
        ..ImportReport::default()
    };
    let ingested: Ingested = match format {
        Format::Csv => ingest::csv::read(path, &reading)?,
        Format::ComparIaVotes => {
            ingest::comparia_votes::read(path, &reading, options.conversation_tokens)?
        }
        Format::ComparIaReactions => ingest::comparia_reactions::read(path, &reading)?,
        Format::ArenaBattles => ingest::arena_battles::read(path, &reading)?,
        Format::ComparIaConversations => {
            let read = comparia_conversations::read_tokens(path)?;
            let mut entries: Vec<VoteTokens> = read
                .into_iter()
                .map(|(source_id, side)| VoteTokens {
                    source_id,
                    tokens_a: side.tokens_a,
                    tokens_b: side.tokens_b,
                })
                .collect();
            entries.sort_by(|a, b| a.source_id.cmp(&b.source_id));
            let source = options
                .source
                .as_deref()
                .unwrap_or(ingest::comparia_votes::DEFAULT_SOURCE)
                .to_string();
            report.sha256 = joined(hashing)?;
            report.rows_read = entries.len() as u64;
            return Ok(prepared(report, Prepared::Tokens { source, entries }));
        }
        Format::PairCountsParquet => {
            return Err(ImportError::Option(
                "pair-counts-parquet is read by its own reader (prepare_days)".into(),
            ))
        }
        Format::PairCounts => {
            let table = ingest::pair_counts::read_pair_counts(path).map_err(IngestError::from)?;
            let date = options.date.as_deref().unwrap_or_default();
            let day = ingest::parse_day(date).map_err(ImportError::Date)?;
            let source = options.source.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "pair-counts".into())
            });
            let mut table = table;
            let unknown = ingest::pair_counts::resolve_models(
                &mut table,
                catalog,
                &path.display().to_string(),
            )
            .map_err(IngestError::from)?;
            let rows = table.pairs.len() as u64;
            let batch = PairCountBatch { source, day, table };
            report.sha256 = joined(hashing)?;
            report.rows_read = rows;
            report.votes_with_unknown_models = batch
                .table
                .pairs
                .iter()
                .filter(|p| {
                    unknown.contains(&batch.table.models[p.lo])
                        || unknown.contains(&batch.table.models[p.hi])
                })
                .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
                .sum();
            report.unknown_models = unknown;
            return Ok(prepared(report, Prepared::PairCounts(batch)));
        }
    };
    report.rows_read = ingested.rows_read;
    report.rows_rejected = ingested.rows_rejected;
    report.rows_without_match = ingested.rows_without_match;
    report.votes_with_unknown_models = ingested.votes_with_unknown_models;
    report.unknown_models = ingested.unknown_models.iter().cloned().collect();
    report.rejections = ingested.rejections.iter().map(|e| e.to_string()).collect();
    report.sha256 = joined(hashing)?;
    Ok(prepared(report, Prepared::Buffer(ingested.buffer)))
}

/// Reads a pair-counts Parquet file or folder, resolves its model names
/// through the catalog and checks the cells again under the resolved names
/// (two aliases of one model are a model against itself; two spellings of
/// one pair are one cell given twice).
fn prepare_days(
    catalog: &Catalog,
    path: &Path,
    options: &ImportOptions<'_>,
) -> Result<PreparedImport, ImportError> {
    use ingest::pair_counts_parquet as parquet_counts;
    if options.skip_invalid {
        return Err(ImportError::Option(
            "--skip-invalid does not apply to pair-counts-parquet: a day with rows left out \
             would replace the whole day"
                .into(),
        ));
    }
    let reading = parquet_counts::PairCountsParquetOptions {
        source: options.source.clone(),
        sum_cells: options.sum_cells,
    };
    let mut days = parquet_counts::read(path, &reading)?;
    let mut resolved_names: Vec<String> = Vec::new();
    let mut resolved_ids: HashMap<String, u32> = HashMap::new();
    let mut unknown = std::collections::BTreeSet::new();
    let remap: Vec<u32> = days
        .models
        .iter()
        .map(|name| {
            let resolved = match catalog.resolve(name) {
                Some(model) => model.id.clone(),
                None => {
                    unknown.insert(name.clone());
                    name.clone()
                }
            };
            let next = resolved_names.len() as u32;
            *resolved_ids.entry(resolved.clone()).or_insert_with(|| {
                resolved_names.push(resolved);
                next
            })
        })
        .collect();
    let is_unknown: Vec<bool> = days.models.iter().map(|m| unknown.contains(m)).collect();
    let mut votes_with_unknown_models = 0u64;
    for cell in &mut days.cells {
        let (a, b) = (remap[cell.model_a as usize], remap[cell.model_b as usize]);
        if a == b {
            return Err(ImportError::Read(ingest::IngestError::Row {
                file: days.files[cell.origin.file as usize].clone(),
                row: cell.origin.row,
                column: "model_b".into(),
                reason: format!(
                    "{:?} and {:?} are the same model {:?} in the catalog",
                    days.models[cell.model_a as usize],
                    days.models[cell.model_b as usize],
                    resolved_names[a as usize]
                ),
            }));
        }
        if is_unknown[cell.model_a as usize] || is_unknown[cell.model_b as usize] {
            votes_with_unknown_models += cell.matches();
        }
        cell.model_a = a;
        cell.model_b = b;
    }
    days.models = resolved_names;
    parquet_counts::check_cells(&mut days, options.sum_cells)?;
    let report = ImportReport {
        file: path.display().to_string(),
        format: Format::PairCountsParquet.name().to_string(),
        sha256: sha256_of_path(path)?,
        rows_read: days.rows_read,
        votes_with_unknown_models,
        unknown_models: unknown.into_iter().collect(),
        ..ImportReport::default()
    };
    Ok(prepared(report, Prepared::Days(days)))
}

/// The sha256 of a file, or of a folder's Parquet files: the hash of each
/// file's path below the folder and sha256, in path order.
fn sha256_of_path(path: &Path) -> Result<String, ImportError> {
    let hash = |file: &Path| {
        sha256_of_file(file).map_err(|source| ImportError::Hash {
            file: file.display().to_string(),
            source,
        })
    };
    if !path.is_dir() {
        return hash(path);
    }
    let mut listing = String::new();
    for file in ingest::pair_counts_parquet::parquet_file_paths(path)? {
        let relative = file.strip_prefix(path).unwrap_or(&file);
        listing.push_str(&format!("{}\t{}\n", relative.display(), hash(&file)?));
    }
    Ok(sha256_hex(listing.as_bytes()))
}

/// Reads a JSON-lines body; `options.source` overrides every line's source.
fn prepare_json_lines(
    catalog: &Catalog,
    name: &str,
    body: &[u8],
    options: &ImportOptions<'_>,
) -> Result<PreparedImport, ImportError> {
    let mut votes = json_lines::parse_json_lines(body, catalog)?;
    if let Some(source) = &options.source {
        for vote in &mut votes {
            vote.source.clone_from(source);
        }
    }
    let report = ImportReport {
        file: name.to_string(),
        format: "jsonl".into(),
        sha256: sha256_hex(body),
        rows_read: votes.len() as u64,
        ..ImportReport::default()
    };
    Ok(prepared(report, Prepared::Votes(votes)))
}

fn prepare_generated(
    name: String,
    format: &str,
    content: &[u8],
    batch: GeneratedBatch,
) -> PreparedImport {
    let (rows_read, data) = match batch {
        GeneratedBatch::Votes(votes) => (votes.len() as u64, Prepared::Votes(votes)),
        GeneratedBatch::PairCounts(batch) => {
            (batch.table.pairs.len() as u64, Prepared::PairCounts(batch))
        }
    };
    let report = ImportReport {
        file: name,
        format: format.to_string(),
        sha256: sha256_hex(content),
        rows_read,
        ..ImportReport::default()
    };
    prepared(report, data)
}

#[cfg(test)]
mod tests;
