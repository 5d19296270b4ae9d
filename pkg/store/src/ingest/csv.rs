//! The csv vote format: a header, then one vote per line.
//!
//! Required columns: `model_a,model_b,winner,timestamp`. Optional:
//! `id,tokens_a,tokens_b,category,language,country,source` (`category`
//! may hold several, `Code|Math`: see [`super::labels`]); other columns are
//! ignored. `winner` is `model_a`, `model_b`, `tie` or `tie (bothbad)`;
//! `timestamp` is unix seconds or ISO 8601. Without `id`, the store derives
//! the vote's id from its content. Rows are read as bytes and checked for
//! UTF-8 field by field, so an error names the exact line and column; this is
//! also the fast path (10M-vote benchmark), hence no per-row allocation.

use std::path::Path;

use ::csv::{ByteRecord, ReaderBuilder};

use super::collector::{RowProblem, RowVote};
use super::labels;
use super::row::{parse_timestamp, parse_tokens, parse_winner};
use super::{display_name, Collector, IngestError, IngestOptions, Ingested};

/// The source of csv votes without a `source` column or `--source` flag.
pub const DEFAULT_SOURCE: &str = "csv";

/// Positions of the known columns in the header.
struct Layout {
    model_a: usize,
    model_b: usize,
    winner: usize,
    timestamp: usize,
    id: Option<usize>,
    tokens_a: Option<usize>,
    tokens_b: Option<usize>,
    category: Option<usize>,
    language: Option<usize>,
    country: Option<usize>,
    source: Option<usize>,
}

impl Layout {
    fn locate(file: &str, header: &ByteRecord) -> Result<Layout, IngestError> {
        let mut names = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let name = std::str::from_utf8(raw).map_err(|_| IngestError::Row {
                file: file.to_string(),
                row: 1,
                column: format!("column {}", i + 1),
                reason: "header is not valid UTF-8".into(),
            })?;
            names.push(
                name.trim()
                    .trim_start_matches('\u{feff}')
                    .to_ascii_lowercase(),
            );
        }
        let find = |name: &str| names.iter().position(|n| n == name);
        let need = |name: &str| {
            find(name).ok_or_else(|| IngestError::File {
                file: file.to_string(),
                reason: format!(
                    "missing column {name:?} (the header has: {}; required: model_a, model_b, winner, timestamp)",
                    names.join(", ")
                ),
            })
        };
        Ok(Layout {
            model_a: need("model_a")?,
            model_b: need("model_b")?,
            winner: need("winner")?,
            timestamp: need("timestamp")?,
            id: find("id"),
            tokens_a: find("tokens_a"),
            tokens_b: find("tokens_b"),
            category: find("category"),
            language: find("language"),
            country: find("country"),
            source: find("source"),
        })
    }
}

fn field<'r>(record: &'r ByteRecord, index: usize, column: &str) -> Result<&'r str, RowProblem> {
    let bytes = record.get(index).unwrap_or_default();
    std::str::from_utf8(bytes).map_err(|e| {
        RowProblem::new(
            column,
            format!(
                "not valid UTF-8 (invalid byte {:#04x} at byte {} of the field)",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ),
        )
    })
}

fn optional<'r>(
    record: &'r ByteRecord,
    index: Option<usize>,
    column: &str,
) -> Result<Option<&'r str>, RowProblem> {
    match index {
        None => Ok(None),
        Some(i) => {
            let value = field(record, i, column)?.trim();
            Ok((!value.is_empty()).then_some(value))
        }
    }
}

fn convert<'r>(record: &'r ByteRecord, layout: &Layout) -> Result<Option<RowVote<'r>>, RowProblem> {
    let winner = field(record, layout.winner, "winner")?;
    let timestamp = field(record, layout.timestamp, "timestamp")?;
    let tokens = |index, column| match optional(record, index, column)? {
        None => Ok(None),
        Some(text) => parse_tokens(text).map_err(|reason| RowProblem::new(column, reason)),
    };
    Ok(Some(RowVote {
        source_id: optional(record, layout.id, "id")?,
        source: optional(record, layout.source, "source")?,
        timestamp: parse_timestamp(timestamp)
            .map_err(|reason| RowProblem::new("timestamp", reason))?,
        model_a: field(record, layout.model_a, "model_a")?,
        model_b: field(record, layout.model_b, "model_b")?,
        outcome: parse_winner(winner).map_err(|reason| RowProblem::new("winner", reason))?,
        tokens_a: tokens(layout.tokens_a, "tokens_a")?,
        tokens_b: tokens(layout.tokens_b, "tokens_b")?,
        categories: labels::borrowed(labels::piped(
            "category",
            optional(record, layout.category, "category")?,
        )?),
        language: labels::single("language", optional(record, layout.language, "language")?)?,
        country: labels::single("country", optional(record, layout.country, "country")?)?,
    }))
}

/// Reads a csv vote file.
pub fn read(path: &Path, options: &IngestOptions<'_>) -> Result<Ingested, IngestError> {
    let file = display_name(path);
    let io = |cause| IngestError::Io {
        file: file.clone(),
        cause,
    };
    let handle = std::fs::File::open(path).map_err(io)?;
    let total = handle.metadata().map_err(io)?.len();
    let mut reader = ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(handle);
    let header = reader.byte_headers().map_err(|e| IngestError::File {
        file: file.clone(),
        reason: format!("cannot read the header: {e}"),
    })?;
    let layout = Layout::locate(&file, header)?;
    let mut collector = Collector::new(file.clone(), options, DEFAULT_SOURCE);
    let mut record = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let row = record.position().map_or(0, |p| p.line());
                collector.row(row, convert(&record, &layout))?;
            }
            Err(error) => {
                let row = error.position().map_or(0, |p| p.line());
                match error.into_kind() {
                    ::csv::ErrorKind::Io(cause) => return Err(io(cause)),
                    ::csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => collector.row(
                        row,
                        Err(RowProblem::new(
                            "-",
                            format!("{len} fields where the header has {expected_len}"),
                        )),
                    )?,
                    other => collector.row(row, Err(RowProblem::new("-", format!("{other:?}"))))?,
                }
            }
        }
        if collector.out.rows_read % 65_536 == 0 {
            collector.progress(reader.position().byte(), total);
        }
    }
    collector.progress(total, total);
    Ok(collector.finish())
}
