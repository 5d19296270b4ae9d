//! The csv vote format: a header, then one vote per line.
//!
//! Required columns: `model_a,model_b,winner,timestamp`. Optional:
//! `id,tokens_a,tokens_b,category,language,country,source` (`category`
//! may hold several, `Code|Math`: see [`super::labels`]) and, for style
//! control, each answer's markdown counts
//! `headers_a,headers_b,bold_a,bold_b,lists_a,lists_b` ([`crate::style`]);
//! other columns are ignored. `winner` is `model_a`, `model_b`, `tie` or `tie (bothbad)`;
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
    /// `headers_a, headers_b, bold_a, bold_b, lists_a, lists_b` (style control).
    markdown: [Option<usize>; 6],
}

/// The optional markdown count columns, in [`crate::markdown::Markdown::columns`] order.
const MARKDOWN_COLUMNS: [&str; 6] = [
    "headers_a",
    "headers_b",
    "bold_a",
    "bold_b",
    "lists_a",
    "lists_b",
];

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
            markdown: MARKDOWN_COLUMNS.map(find),
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

/// The row's markdown counts, each checked (whole, 0 to
/// [`crate::markdown::MAX_MARKDOWN`]).
fn markdown(record: &ByteRecord, layout: &Layout) -> Result<crate::markdown::Markdown, RowProblem> {
    let mut counts = [None; 6];
    if layout.markdown.iter().all(Option::is_none) {
        return Ok(crate::markdown::Markdown::default());
    }
    for (count, (index, column)) in counts
        .iter_mut()
        .zip(layout.markdown.iter().zip(MARKDOWN_COLUMNS))
    {
        if let Some(text) = optional(record, *index, column)? {
            *count = Some(
                crate::markdown::parse_markdown_count(text)
                    .map_err(|reason| RowProblem::new(column, reason))?,
            );
        }
    }
    Ok(crate::markdown::Markdown {
        headers: [counts[0], counts[1]],
        bold: [counts[2], counts[3]],
        lists: [counts[4], counts[5]],
    })
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
        reasons: [crate::reasons::Reasons::NONE; 2],
        markdown: markdown(record, layout)?,
    }))
}

/// Files at least this large are read in two halves at once.
const SPLIT_MIN_BYTES: u64 = 32 << 20;

/// Reads a csv vote file.
///
/// A large file is read by two threads, each converting one half (split at
/// a line break that no quote precedes, so it is a record boundary), and the
/// halves are joined in file order: the votes, ids, errors and line numbers
/// are those of one pass (`two_halves_read_as_one_pass` checks this).
pub fn read(path: &Path, options: &IngestOptions<'_>) -> Result<Ingested, IngestError> {
    read_in_parts(path, options, SPLIT_MIN_BYTES)
}

/// The byte range of a file one reader converts, and the lines before it.
#[derive(Clone, Copy)]
struct Part {
    start: u64,
    end: u64,
    lines_before: u64,
    reports_progress: bool,
}

fn read_in_parts(
    path: &Path,
    options: &IngestOptions<'_>,
    split_min_bytes: u64,
) -> Result<Ingested, IngestError> {
    let file = display_name(path);
    let io = |cause| IngestError::Io {
        file: file.clone(),
        cause,
    };
    let handle = std::fs::File::open(path).map_err(io)?;
    let total = handle.metadata().map_err(io)?.len();
    let mut reader = ReaderBuilder::new().has_headers(true).from_reader(handle);
    let header = reader.byte_headers().map_err(|e| IngestError::File {
        file: file.clone(),
        reason: format!("cannot read the header: {e}"),
    })?;
    let layout = Layout::locate(&file, header)?;
    let fields = header.len();
    let data_start = reader.position().byte();
    let header_lines = reader.position().line() - 1;
    let whole = Part {
        start: data_start,
        end: total,
        lines_before: header_lines,
        reports_progress: true,
    };
    let split = if total >= split_min_bytes {
        split_point(path, data_start, total).map_err(io)?
    } else {
        None
    };
    let Some((at, lines_before)) = split else {
        return read_part(path, &file, &layout, fields, whole, total, options);
    };
    let first = Part { end: at, ..whole };
    let second = Part {
        start: at,
        end: total,
        lines_before,
        reports_progress: false,
    };
    let (catalog, source, skip_invalid) = (
        options.catalog,
        options.source.clone(),
        options.skip_invalid,
    );
    let (first, second) = std::thread::scope(|scope| {
        let later = scope.spawn(|| {
            // The progress callback stays on this thread, with the first half.
            let quiet = IngestOptions {
                catalog,
                source,
                skip_invalid,
                progress: None,
            };
            read_part(path, &file, &layout, fields, second, total, &quiet)
        });
        let first = read_part(path, &file, &layout, fields, first, total, options);
        (first, later.join())
    });
    // An error of the first half comes first in the file.
    let mut first = first?;
    let second = second.map_err(|_| IngestError::File {
        file: file.clone(),
        reason: "reading the second half of the file failed".into(),
    })??;
    first.buffer.append(second.buffer);
    first.rows_read += second.rows_read;
    first.rows_rejected += second.rows_rejected;
    first.rows_without_match += second.rows_without_match;
    first.votes_with_unknown_models += second.votes_with_unknown_models;
    first.unknown_models.extend(second.unknown_models);
    for rejection in second.rejections {
        if first.rejections.len() < super::KEPT_REJECTIONS {
            first.rejections.push(rejection);
        }
    }
    options.progress.inspect(|progress| progress(total, total));
    Ok(first)
}

/// Where to split the data (starting at `data_start`) in two: just after
/// the first line break past the middle, with the lines before it, or
/// `None` when a quote comes before that point (a quoted field may hold line
/// breaks, so the break might not end a record) or there is no such break.
fn split_point(path: &Path, data_start: u64, total: u64) -> std::io::Result<Option<(u64, u64)>> {
    use std::io::Read;
    let middle = data_start + (total - data_start) / 2;
    let mut bytes = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut chunk = vec![0u8; 1 << 20];
    let (mut offset, mut lines) = (0u64, 0u64);
    loop {
        let read = bytes.read(&mut chunk)?;
        if read == 0 {
            return Ok(None);
        }
        for (i, &byte) in chunk[..read].iter().enumerate() {
            match byte {
                b'"' => return Ok(None),
                b'\n' => {
                    lines += 1;
                    let after = offset + i as u64 + 1;
                    if after > middle && after < total {
                        return Ok(Some((after, lines)));
                    }
                }
                _ => {}
            }
        }
        offset += read as u64;
    }
}

fn read_part(
    path: &Path,
    file: &str,
    layout: &Layout,
    fields: usize,
    part: Part,
    total: u64,
    options: &IngestOptions<'_>,
) -> Result<Ingested, IngestError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |cause| IngestError::Io {
        file: file.to_string(),
        cause,
    };
    let mut handle = std::fs::File::open(path).map_err(io)?;
    handle.seek(SeekFrom::Start(part.start)).map_err(io)?;
    // The length of each record is checked here against the header, as the
    // part after a split has no header of its own.
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(handle.take(part.end - part.start));
    let mut collector = Collector::new(file.to_string(), options, DEFAULT_SOURCE);
    let mut record = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let row = part.lines_before + record.position().map_or(0, |p| p.line());
                let converted = if record.len() == fields {
                    convert(&record, layout)
                } else {
                    Err(RowProblem::new(
                        "-",
                        format!("{} fields where the header has {fields}", record.len()),
                    ))
                };
                collector.row(row, converted)?;
            }
            Err(error) => {
                let row = part.lines_before + error.position().map_or(0, |p| p.line());
                match error.into_kind() {
                    ::csv::ErrorKind::Io(cause) => return Err(io(cause)),
                    other => collector.row(row, Err(RowProblem::new("-", format!("{other:?}"))))?,
                }
            }
        }
        if part.reports_progress && collector.out.rows_read % 65_536 == 0 {
            let done =
                reader.position().byte() * (total - part.start) / (part.end - part.start).max(1);
            collector.progress(part.start + done, total);
        }
    }
    if part.reports_progress {
        collector.progress(total, total);
    }
    Ok(collector.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything an import keeps of a read, in a comparable form.
    fn summary(ingested: &Ingested) -> String {
        let b = &ingested.buffer;
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{} {} {} {} {:?}\n{:?}",
            b.sources.names,
            b.models.names,
            b.labels.names,
            b.category_sets.sets,
            b.aliases,
            b.votes,
            ingested.rows_read,
            ingested.rows_rejected,
            ingested.rows_without_match,
            ingested.votes_with_unknown_models,
            ingested.unknown_models,
            ingested
                .rejections
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
        )
    }

    fn csv_file(body: &str) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(body.as_bytes()).unwrap();
        file
    }

    /// A file with sources, labels, category sets and models that first
    /// appear in the second half, and bad rows in both halves.
    fn mixed_rows(rows: usize) -> String {
        let mut body = String::from(
            "id,model_a,model_b,winner,timestamp,tokens_a,category,language,country,source\n",
        );
        for i in 0..rows {
            let (a, b) = (
                format!("m{}", i % 7),
                format!("m{}", (i % 7 + 1 + i % 5) % (7 + i / (rows / 2).max(1))),
            );
            let winner = ["model_a", "model_b", "tie", "tie (bothbad)"][i % 4];
            let category = ["Code", "Code|Math", "", "Arts|Code", "Math"][i % 5];
            let language = ["fr", "", "en"][i % 3];
            let country = if i > rows / 2 { "dk" } else { "fr" };
            let source = if i > rows * 3 / 4 { "late" } else { "" };
            if i % 97 == 13 {
                body.push_str(&format!("{i},{a},{a},model_a,1700000000\n"));
            } else {
                body.push_str(&format!(
                    "{i},{a},{b},{winner},{},{},{category},{language},{country},{source}\n",
                    1_700_000_000 + i * 3_600,
                    i % 50
                ));
            }
        }
        body
    }

    #[test]
    fn two_halves_read_as_one_pass() {
        let catalog = arenawatt_core::catalog::Catalog::bundled();
        let mut options = IngestOptions::new(&catalog);
        options.skip_invalid = true;
        let file = csv_file(&mixed_rows(2_000));
        let one_pass = read_in_parts(file.path(), &options, u64::MAX).unwrap();
        let split = split_point(
            file.path(),
            0,
            std::fs::metadata(file.path()).unwrap().len(),
        )
        .unwrap();
        assert!(split.is_some(), "the file has no quote, so it splits");
        let halves = read_in_parts(file.path(), &options, 0).unwrap();
        assert!(one_pass.rows_rejected > 10, "bad rows in both halves");
        assert_eq!(summary(&one_pass), summary(&halves));
        // Without skip_invalid, the first bad row of the file is the error.
        options.skip_invalid = false;
        let error = |min| {
            read_in_parts(file.path(), &options, min)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(error(u64::MAX), error(0));
        assert!(error(0).contains(":15:"), "{}", error(0));
    }

    #[test]
    fn a_quote_before_the_middle_keeps_one_pass() {
        let body = "model_a,model_b,winner,timestamp,note\na,c,model_a,1700000000,\"two\nlines\"\nc,d,model_b,1700000001,\nd,d,tie,1700000002,\n";
        let file = csv_file(body);
        assert_eq!(
            split_point(file.path(), 0, body.len() as u64).unwrap(),
            None
        );
        let catalog = arenawatt_core::catalog::Catalog::bundled();
        let options = IngestOptions::new(&catalog);
        let error = read_in_parts(file.path(), &options, 0)
            .unwrap_err()
            .to_string();
        // Header, a record of two lines, one more: the bad row is line 5.
        assert!(error.contains(":5:"), "{error}");
    }
}
