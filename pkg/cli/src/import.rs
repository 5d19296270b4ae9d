//! `arenawatt import`: reads vote files in any supported format and writes
//! each one into the store in its own transaction, then prints a summary.
//!
//! A file is read completely before the store is written, so a malformed row
//! (reported as `file:row:column: reason`) leaves the store unchanged, unless
//! `--skip-invalid` asks to import the valid rows and report the others.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};

use arenawatt_core::catalog::Catalog;
use arenawatt_store::import_service::{
    self, ImportError, ImportInput, ImportOptions, ImportReport,
};
use arenawatt_store::ingest::comparia_conversations::ConversationFacts;
use arenawatt_store::ingest::{self, Format};
use arenawatt_store::Store;

/// Flags of `arenawatt import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Input format: csv, comparia-votes, comparia-conversations,
    /// comparia-reactions, arena-battles, pair-counts or pair-counts-parquet
    /// (a Parquet file, or a folder of them partitioned `day=…/`, whose
    /// (source, day)s replace the store's; see docs/scale.md).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Format,
    /// Files to import, each in its own transaction (a folder, for
    /// pair-counts-parquet).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Store the votes under this source name instead of the format's default
    /// (csv: the `source` column, else `csv`; comparia-votes: `comparia`;
    /// comparia-reactions: `comparia-reactions`; arena-battles:
    /// `chatbot-arena`; pair-counts: the file name without extension).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// The day pair counts are attributed to (pair-counts only).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// compar:IA conversations file(s) whose output tokens are attached to
    /// comparia-votes through `conversation_pair_id`.
    #[arg(long, value_name = "FILE")]
    pub conversations: Vec<PathBuf>,
    /// Import the valid rows and report the rejected ones, instead of failing
    /// the whole file on the first malformed row.
    #[arg(long)]
    pub skip_invalid: bool,
    /// pair-counts-parquet: sum cells given more than once (same source, day
    /// and pair) and turn around pairs written model_a > model_b, instead of
    /// refusing them.
    #[arg(long)]
    pub sum_cells: bool,
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

pub fn run(db: &Path, args: ImportArgs) -> anyhow::Result<()> {
    if args.format == Format::PairCounts && args.date.is_none() {
        bail!("--date YYYY-MM-DD is required with --format pair-counts (the day the counts are attributed to)");
    }
    if args.sum_cells && args.format != Format::PairCountsParquet {
        bail!("--sum-cells only applies to --format pair-counts-parquet");
    }
    if !args.conversations.is_empty() && args.format != Format::ComparIaVotes {
        bail!("--conversations only applies to --format comparia-votes");
    }
    let tokens = import_service::conversation_tokens(&args.conversations)?;
    let tokens = (!tokens.is_empty()).then_some(&tokens);
    let created = NewStoreGuard::before_opening(db);
    let mut store = match Store::open(db) {
        Ok(store) => store,
        Err(error) => {
            created.remove();
            return Err(error).with_context(|| format!("cannot open store {}", db.display()));
        }
    };
    let result = import_all(&mut store, db, &args, tokens);
    if result.is_err() {
        // A store this run created and that holds nothing is removed, so
        // "the store is unchanged" stays true (`--db` names no store again).
        let empty = store.data_version().is_ok_and(|version| version == 0)
            && store.imports().is_ok_and(|imports| imports.is_empty());
        drop(store);
        if empty {
            created.remove();
        }
    }
    result
}

/// Remembers whether `--db` named no file before this run opened (and so
/// created) it, to remove the new store again when nothing went into it; a
/// store that existed before is never removed.
struct NewStoreGuard<'p> {
    path: Option<&'p Path>,
}

impl<'p> NewStoreGuard<'p> {
    fn before_opening(db: &'p Path) -> NewStoreGuard<'p> {
        NewStoreGuard {
            path: (!db.exists()).then_some(db),
        }
    }
    /// Deletes the store file and its WAL and shared-memory companions.
    fn remove(self) {
        if let Some(path) = self.path {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(name));
            }
        }
    }
}

/// Imports every file of `args`, each in its own transaction, then prints
/// the store's totals.
fn import_all(
    store: &mut Store,
    db: &Path,
    args: &ImportArgs,
    tokens: Option<&HashMap<String, ConversationFacts>>,
) -> anyhow::Result<()> {
    let catalog = catalog_with_custom_models(store)?;
    for (i, path) in args.files.iter().enumerate() {
        let report = import_file(store, &catalog, path, args, tokens).map_err(|error| {
            let earlier = if i == 0 {
                String::new()
            } else {
                format!(" (the {i} file(s) before it were imported)")
            };
            let bad_row = matches!(error, ImportError::Read(ingest::IngestError::Row { .. }));
            let error = anyhow::Error::from(error);
            let hint = if bad_row && !args.skip_invalid {
                "; --skip-invalid imports the valid rows and reports the others"
            } else {
                ""
            };
            anyhow::anyhow!(
                "{}\nnothing was imported from {}: the store is unchanged{earlier}{hint}",
                error_chain(&error),
                path.display()
            )
        })?;
        print_report(&report);
    }
    let stats = store.stats()?;
    println!(
        "store {}: data version {}, {} matches ({} individual votes) from {} source(s), {} models",
        db.display(),
        stats.data_version,
        stats.votes,
        stats.vote_rows,
        stats.sources.len(),
        stats.models
    );
    Ok(())
}

/// The error and its causes joined by `: `, skipping a cause whose text the
/// message already holds (an I/O error that an outer error quotes, then
/// chains as its source, would otherwise be printed twice).
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}

/// The bundled catalog plus the models added with `arenawatt catalog import`.
pub fn catalog_with_custom_models(store: &Store) -> anyhow::Result<Catalog> {
    Ok(import_service::store_catalog(store)?)
}

/// The hex sha256 of a file.
pub fn sha256_of(path: &Path) -> anyhow::Result<String> {
    arenawatt_store::sha256_of_file(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A progress bar on stderr, only when stderr is a terminal.
fn progress_bar(path: &Path) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("reading {}", path.display()));
    Some(bar)
}

/// Imports one file in one transaction (through the store's import
/// service, with a progress bar on a terminal) and says what happened.
pub fn import_file(
    store: &mut Store,
    catalog: &Catalog,
    path: &Path,
    args: &ImportArgs,
    tokens: Option<&HashMap<String, ConversationFacts>>,
) -> Result<ImportReport, ImportError> {
    let bar = progress_bar(path);
    let on_progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let options = ImportOptions {
        source: args.source.clone(),
        date: args.date.clone(),
        skip_invalid: args.skip_invalid,
        sum_cells: args.sum_cells,
        conversation_tokens: tokens,
        progress: Some(&on_progress),
    };
    let input = ImportInput::File {
        path,
        format: args.format,
    };
    let prepared = import_service::prepare(catalog, input, &options)?;
    if let (Some(bar), Some(votes)) = (&bar, prepared.votes_to_write()) {
        bar.set_message(format!("writing {votes} votes"));
    }
    let report = prepared.write(store)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    Ok(report)
}

fn print_report(report: &ImportReport) {
    let short_sha = report.sha256.get(..12).unwrap_or(&report.sha256);
    if report.format == Format::ComparIaConversations.name() {
        println!(
            "{} ({}, sha256 {short_sha}…): {} conversations read, token counts attached to {} votes, {} already had them, {} have no stored vote",
            report.file, report.format, report.rows_read, report.votes_updated, report.votes_duplicate, report.votes_missing
        );
        return;
    }
    if report.format == Format::PairCountsParquet.name() {
        if report.votes_inserted > 0 {
            println!(
                "{} ({}, sha256 {short_sha}…): {} cells read; their days now hold {} matches (each source and day in the input replaces the store's)",
                report.file, report.format, report.rows_read, report.votes_inserted
            );
        } else {
            println!(
                "{} ({}, sha256 {short_sha}…): {} cells read; every day already held these counts, nothing changed",
                report.file, report.format, report.rows_read
            );
        }
    } else {
        println!(
            "{} ({}, sha256 {short_sha}…): {} rows read, {} matches added, {} already in the store, {} rows rejected",
            report.file, report.format, report.rows_read, report.votes_inserted, report.votes_duplicate, report.rows_rejected
        );
    }
    if report.rows_without_match > 0 {
        println!(
            "  {} rows carry no match (a reaction without like or dislike)",
            report.rows_without_match
        );
    }
    if !report.rejections.is_empty() {
        println!("  first rejected rows:");
        for reason in &report.rejections {
            println!("    {reason}");
        }
    }
    if report.votes_with_unknown_models > 0 {
        let shown: Vec<&str> = report
            .unknown_models
            .iter()
            .take(10)
            .map(String::as_str)
            .collect();
        let more = report.unknown_models.len().saturating_sub(shown.len());
        println!(
            "  {} matches name {} model(s) missing from the catalog (kept under their own names; their energy is unknown): {}{}",
            report.votes_with_unknown_models,
            report.unknown_models.len(),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        );
    }
}
