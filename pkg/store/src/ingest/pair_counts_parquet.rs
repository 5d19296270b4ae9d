//! Reader of the pair-counts Parquet format (`--format pair-counts-parquet`):
//! daily pair counts aggregated by another engine (DuckDB, Spark) from raw
//! votes, so that arenawatt never has to see the billions of votes
//! themselves. `docs/scale.md` documents the schema and the SQL that writes it.
//!
//! One row is one **cell**: the counts of one unordered pair of models on one
//! day, for one source, over all its votes or over one slice:
//!
//! | column | type | |
//! |---|---|---|
//! | `day` | DATE, or text `YYYY-MM-DD` | or a Hive partition folder `day=YYYY-MM-DD/` |
//! | `model_a`, `model_b` | text | `model_a < model_b` byte-wise, as written |
//! | `wins_a`, `wins_b`, `ties`, `ties_both_bad` | integers ≥ 0 | |
//! | `source` | text | or a partition folder `source=…/`, or `--source` |
//! | `answers_with_tokens_a`, `output_tokens_a`, `answers_with_tokens_b`, `output_tokens_b` | integers ≥ 0, optional | answers of each side that had an output-token count, and the sum of those counts |
//! | `category`, `language`, `country` | text, optional | null on the overall counts; a sliced row sets one of them (see below) |
//!
//! A path is one file or a folder: every `*.parquet` file under it (files and
//! folders whose names start with `.` or `_`, such as Spark's `_SUCCESS`,
//! are skipped), in path order, with `key=value` folder names read as
//! columns (Hive partitioning, as DuckDB's `PARTITION_BY` and Spark's
//! `partitionBy` write it; `NULL` and `__HIVE_DEFAULT_PARTITION__` are null).
//!
//! Refused, naming the file, the row (1-based in its file) and the column:
//! a negative, null or non-integer count (floats included: cast sums to
//! BIGINT), a day that is not a date in the plausible window, a model
//! against itself, a pair written out of order (`model_a > model_b`), more
//! answers with tokens than the cell has votes, an unknown column. A cell
//! given twice is refused where the second one is, naming the first, unless
//! the caller asks to sum cells ([`PairCountsParquetOptions::sum_cells`]);
//! with it, unordered cells are turned around too.
//!
//! Rows whose slice columns are all null are the overall counts. A row that
//! sets one slice column holds the counts of that slice's votes: `language`
//! or `country` one label, `category` the vote's whole *set* of categories,
//! `|`-separated (`Code|Math`; order and repeats do not matter), so that a
//! union of categories stays an exact sum, as in the store
//! (`crate::slices`). A row setting two slice columns is refused: the store
//! keeps no cross-slices. Labels follow the import rules of
//! [`super::labels`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int64Array, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Date32Type, Int64Type, UInt64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::parquet::decoder_call;
use super::IngestError;
use crate::slices::Dimension;

/// The columns a cell must have (in the file or as a partition folder).
pub const REQUIRED_COLUMNS: [&str; 7] = [
    "day",
    "model_a",
    "model_b",
    "wins_a",
    "wins_b",
    "ties",
    "ties_both_bad",
];
/// Optional token sums, in [`DailyCell::tokens`] order.
pub const TOKEN_COLUMNS: [&str; 4] = [
    "answers_with_tokens_a",
    "output_tokens_a",
    "answers_with_tokens_b",
    "output_tokens_b",
];
/// Optional slice columns, in [`Dimension::ALL`] order.
pub const SLICE_COLUMNS: [&str; 3] = ["category", "language", "country"];
/// The source column (required unless `--source` is given).
pub const SOURCE_COLUMN: &str = "source";

/// Where a cell came from, for messages: index into
/// [`PairCountsParquet::files`] and the 1-based row in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellOrigin {
    pub file: u32,
    pub row: u64,
}

/// The overall counts of one pair of models on one day for one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCell {
    /// Index into [`PairCountsParquet::sources`].
    pub source: u32,
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// Indices into [`PairCountsParquet::models`], as written.
    pub model_a: u32,
    pub model_b: u32,
    /// wins of a, wins of b, ties, both-bad ties.
    pub counts: [u64; 4],
    /// answers with tokens of a, their output tokens, the same for b.
    pub tokens: [u64; 4],
    /// Index into [`PairCountsParquet::slices`]; `None`: the overall counts.
    pub slice: Option<u32>,
    pub origin: CellOrigin,
}

impl DailyCell {
    /// The votes of the cell (every outcome).
    pub fn matches(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The slice a sliced cell counts: a dimension and its labels (one for a
/// language or a country; a category set's labels, sorted, for a category).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SliceKey {
    pub dimension: Dimension,
    pub labels: Vec<String>,
}

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct PairCountsParquetOptions {
    /// `--source`: every cell's source, instead of the `source` column.
    pub source: Option<String>,
    /// `--sum-cells`: cells given more than once are summed, and cells
    /// written `model_a > model_b` turned around, instead of refused.
    pub sum_cells: bool,
}

/// What the reader produced: the overall cells, with the names they index.
#[derive(Debug, Default)]
pub struct PairCountsParquet {
    /// The files read, as named in messages.
    pub files: Vec<String>,
    pub sources: Vec<String>,
    pub models: Vec<String>,
    pub cells: Vec<DailyCell>,
    /// The slices sliced cells count.
    pub slices: Vec<SliceKey>,
    /// Rows read, sliced ones included.
    pub rows_read: u64,
}

impl PairCountsParquet {
    /// `file:row` of a cell, for messages.
    pub fn place(&self, origin: CellOrigin) -> String {
        format!("{}:{}", self.files[origin.file as usize], origin.row)
    }
}

/// Reads one Parquet file or every Parquet file under a folder.
///
/// A folder of several files is read by two threads, each taking a
/// contiguous half of the files in order, and the halves are joined in file
/// order with the second's names given the ids one pass would have given
/// them; an error of the first half wins, as it comes first.
pub fn read(
    path: &Path,
    options: &PairCountsParquetOptions,
) -> Result<PairCountsParquet, IngestError> {
    let files = parquet_files(path)?;
    let mut whole = if files.len() < 2 {
        read_files(&files, 0, options)?
    } else {
        let (first, second) = files.split_at(files.len() / 2);
        let (first, second) = std::thread::scope(|scope| {
            let later = scope.spawn(|| read_files(second, first.len() as u32, options));
            (read_files(first, 0, options), later.join())
        });
        let mut first = first?;
        let second = second.map_err(|_| IngestError::File {
            file: path.display().to_string(),
            reason: "reading the second half of the files failed".into(),
        })??;
        first.append(second);
        first
    };
    whole.out.models = whole.names.names;
    whole.out.sources = whole.sources.names;
    check_cells(&mut whole.out, options.sum_cells)?;
    Ok(whole.out)
}

/// What reading some of the files gave, with the names its ids index.
struct Read {
    out: PairCountsParquet,
    names: Interner,
    sources: Interner,
    slices: HashMap<SliceKey, u32>,
}

fn read_files(
    files: &[(PathBuf, Partitions)],
    first_index: u32,
    options: &PairCountsParquetOptions,
) -> Result<Read, IngestError> {
    let mut read = Read {
        out: PairCountsParquet::default(),
        names: Interner::default(),
        sources: Interner::default(),
        slices: HashMap::new(),
    };
    for (offset, (file_path, partitions)) in files.iter().enumerate() {
        let file = file_path.display().to_string();
        read.out.files.push(file.clone());
        read_file(
            file_path,
            &file,
            first_index + offset as u32,
            partitions,
            options,
            &mut read.names,
            &mut read.sources,
            &mut read.slices,
            &mut read.out,
        )?;
    }
    Ok(read)
}

impl Read {
    /// Adds what the files after these gave.
    fn append(&mut self, later: Read) {
        let models: Vec<u32> = later.names.names.iter().map(|n| self.names.id(n)).collect();
        let sources: Vec<u32> = later
            .sources
            .names
            .iter()
            .map(|n| self.sources.id(n))
            .collect();
        let slices: Vec<u32> = later
            .out
            .slices
            .into_iter()
            .map(|key| {
                let next = self.out.slices.len() as u32;
                *self.slices.entry(key.clone()).or_insert_with(|| {
                    self.out.slices.push(key);
                    next
                })
            })
            .collect();
        self.out.files.extend(later.out.files);
        self.out.rows_read += later.out.rows_read;
        self.out.cells.reserve(later.out.cells.len());
        for cell in later.out.cells {
            self.out.cells.push(DailyCell {
                source: sources[cell.source as usize],
                model_a: models[cell.model_a as usize],
                model_b: models[cell.model_b as usize],
                slice: cell.slice.map(|s| slices[s as usize]),
                ..cell
            });
        }
    }
}

/// Compact ids for names.
#[derive(Default)]
struct Interner {
    ids: crate::fast_hash::FastMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }
}

/// The Parquet files [`read`] reads from `path`, in order.
pub fn parquet_file_paths(path: &Path) -> Result<Vec<PathBuf>, IngestError> {
    Ok(parquet_files(path)?.into_iter().map(|(p, _)| p).collect())
}

/// A partition folder's `key=value`, value percent-decoded (`None`: null).
type Partitions = Vec<(String, Option<String>)>;

/// The Parquet files of a path, each with the partition values of its folders.
fn parquet_files(path: &Path) -> Result<Vec<(PathBuf, Partitions)>, IngestError> {
    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|cause| IngestError::Io {
        file: shown.clone(),
        cause,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![(path.to_path_buf(), Vec::new())]);
    }
    let mut found = Vec::new();
    walk(path, &mut Vec::new(), &mut found)?;
    if found.is_empty() {
        return Err(IngestError::File {
            file: shown,
            reason: "the folder holds no .parquet file".into(),
        });
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

fn walk(
    folder: &Path,
    partitions: &mut Partitions,
    found: &mut Vec<(PathBuf, Partitions)>,
) -> Result<(), IngestError> {
    let io = |cause| IngestError::Io {
        file: folder.display().to_string(),
        cause,
    };
    for entry in std::fs::read_dir(folder).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            let pushed = match name.split_once('=') {
                Some((key, value)) => {
                    let value = percent_decode(value);
                    let value =
                        (value != "NULL" && value != "__HIVE_DEFAULT_PARTITION__").then_some(value);
                    partitions.push((key.to_string(), value));
                    true
                }
                None => false,
            };
            walk(&path, partitions, found)?;
            if pushed {
                partitions.pop();
            }
        } else if name.ends_with(".parquet") {
            found.push((path, partitions.clone()));
        }
    }
    Ok(())
}

/// `%2F` → `/` (Hive escapes such characters in partition folder names).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A column of one batch, typed once per batch, or a partition value that
/// holds for every row.
enum Values {
    Text(StringArray),
    Constant(Option<String>),
    Integer(Int64Array),
    Unsigned(UInt64Array),
    Date(Date32Array),
    Absent,
}

fn column_values(name: &str, array: &ArrayRef) -> Result<Values, String> {
    use arrow::compute::cast;
    let cast_to = |to: &DataType| cast(array, to).map_err(|e| format!("column {name:?}: {e}"));
    Ok(match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _) => {
            Values::Text(cast_to(&DataType::Utf8)?.as_string::<i32>().clone())
        }
        DataType::UInt64 => Values::Unsigned(array.as_primitive::<UInt64Type>().clone()),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => Values::Integer(
            cast_to(&DataType::Int64)?
                .as_primitive::<Int64Type>()
                .clone(),
        ),
        DataType::Date32 => Values::Date(array.as_primitive::<Date32Type>().clone()),
        DataType::Date64 => Values::Date(
            cast_to(&DataType::Date32)?
                .as_primitive::<Date32Type>()
                .clone(),
        ),
        other => {
            return Err(format!(
                "holds {other}, a type the pair-counts schema does not use"
            ))
        }
    })
}

impl Values {
    fn text(&self, index: usize) -> Result<Option<&str>, String> {
        match self {
            Values::Text(a) => Ok((!a.is_null(index)).then(|| a.value(index))),
            Values::Constant(v) => Ok(v.as_deref()),
            Values::Absent => Ok(None),
            _ => Err("expected text".into()),
        }
    }

    /// A count: a non-negative integer below 2^63.
    fn count(&self, index: usize, optional: bool) -> Result<u64, String> {
        let value: Option<i128> = match self {
            Values::Integer(a) => (!a.is_null(index)).then(|| a.value(index) as i128),
            Values::Unsigned(a) => (!a.is_null(index)).then(|| a.value(index) as i128),
            Values::Absent => None,
            Values::Constant(Some(text)) => Some(
                text.parse::<i128>()
                    .map_err(|_| format!("partition value {text:?} is not an integer"))?,
            ),
            Values::Constant(None) => None,
            Values::Text(_) | Values::Date(_) => {
                return Err("expected integers (cast counts to BIGINT)".into())
            }
        };
        match value {
            None if optional => Ok(0),
            None => Err("missing count (null)".into()),
            Some(v) if v < 0 => Err(format!("count {v} is negative")),
            Some(v) if v > i64::MAX as i128 => Err(format!(
                "count {v} is above the store's limit of {}",
                i64::MAX
            )),
            Some(v) => Ok(v as u64),
        }
    }

    /// A day: DATE, or `YYYY-MM-DD` text, in the plausible window.
    fn day(&self, index: usize, last: &mut Option<(String, i64)>) -> Result<i64, String> {
        let text = match self {
            Values::Date(a) => {
                if a.is_null(index) {
                    return Err("missing day (null)".into());
                }
                let days = a.value(index) as i64;
                let shown = super::row::format_utc(days * 86_400);
                return super::parse_day(shown.get(..10).unwrap_or(&shown));
            }
            other => other
                .text(index)
                .map_err(|_| "expected a DATE or a YYYY-MM-DD text".to_string())?
                .ok_or_else(|| "missing day (null)".to_string())?,
        };
        if let Some((previous, day)) = last {
            if previous == text {
                return Ok(*day);
            }
        }
        let day = super::parse_day(text)?;
        *last = Some((text.to_string(), day));
        Ok(day)
    }
}

#[allow(clippy::too_many_arguments)]
fn read_file(
    path: &Path,
    file: &str,
    file_index: u32,
    partitions: &Partitions,
    options: &PairCountsParquetOptions,
    names: &mut Interner,
    sources: &mut Interner,
    slices: &mut HashMap<SliceKey, u32>,
    out: &mut PairCountsParquet,
) -> Result<(), IngestError> {
    let unreadable = |reason: String| IngestError::File {
        file: file.to_string(),
        reason,
    };
    let handle = std::fs::File::open(path).map_err(|cause| IngestError::Io {
        file: file.to_string(),
        cause,
    })?;
    let builder = decoder_call(|| ParquetRecordBatchReaderBuilder::try_new(handle))
        .map_err(|panic| unreadable(format!("not a readable parquet file (corrupt): {panic}")))?
        .map_err(|e| {
            unreadable(format!(
                "not a readable parquet file (truncated or corrupt?): {e}"
            ))
        })?;
    let in_file: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let known = |name: &str| {
        REQUIRED_COLUMNS.contains(&name)
            || TOKEN_COLUMNS.contains(&name)
            || SLICE_COLUMNS.contains(&name)
            || name == SOURCE_COLUMN
    };
    if let Some(unknown) = in_file.iter().find(|name| !known(name)) {
        return Err(unreadable(format!(
            "unknown column {unknown:?} (the pair-counts schema has: {}, {}, {}, {})",
            REQUIRED_COLUMNS.join(", "),
            SOURCE_COLUMN,
            TOKEN_COLUMNS.join(", "),
            SLICE_COLUMNS.join(", ")
        )));
    }
    let partition = |name: &str| partitions.iter().rev().find(|(k, _)| k == name);
    for (key, _) in partitions {
        if !known(key) {
            return Err(unreadable(format!(
                "unknown partition folder {key}=… (partition by day, source or a slice column)"
            )));
        }
        if in_file.iter().any(|c| c == key) {
            return Err(unreadable(format!(
                "{key:?} is both a partition folder and a column of the file"
            )));
        }
    }
    for name in REQUIRED_COLUMNS {
        if !in_file.iter().any(|c| c == name) && partition(name).is_none() {
            return Err(unreadable(format!(
                "missing column {name:?} (the file has: {})",
                in_file.join(", ")
            )));
        }
    }
    let has_source =
        in_file.iter().any(|c| c == SOURCE_COLUMN) || partition(SOURCE_COLUMN).is_some();
    if !has_source && options.source.is_none() {
        return Err(unreadable(
            "missing column \"source\" (or give the source with --source)".into(),
        ));
    }
    let mut reader = decoder_call(|| builder.with_batch_size(65_536).build())
        .map_err(|panic| unreadable(format!("cannot read parquet data (corrupt): {panic}")))?
        .map_err(|e| unreadable(format!("cannot read parquet data: {e}")))?;

    let mut row_number = 0u64;
    let mut last_day: Option<(String, i64)> = None;
    let mut last_source: Option<(String, u32)> = None;
    let mut last_models: [Option<(String, u32)>; 2] = [None, None];
    let fixed_source = options.source.as_deref().map(|s| sources.id(s));
    loop {
        let next = decoder_call(|| reader.next()).map_err(|panic| {
            unreadable(format!(
                "cannot decode rows after row {row_number} (corrupt file): {panic}"
            ))
        })?;
        let Some(batch) = next else { break };
        let batch = batch.map_err(|e| {
            unreadable(format!(
                "cannot decode rows after row {row_number} (truncated or corrupt?): {e}"
            ))
        })?;
        let column = |name: &str| -> Result<Values, IngestError> {
            match batch.column_by_name(name) {
                Some(array) => column_values(name, array).map_err(|reason| IngestError::Row {
                    file: file.to_string(),
                    row: row_number + 1,
                    column: name.to_string(),
                    reason,
                }),
                None => Ok(match partition(name) {
                    Some((_, value)) => Values::Constant(value.clone()),
                    None => Values::Absent,
                }),
            }
        };
        let day = column("day")?;
        let [model_a, model_b] = [column("model_a")?, column("model_b")?];
        let counts = [
            column("wins_a")?,
            column("wins_b")?,
            column("ties")?,
            column("ties_both_bad")?,
        ];
        let tokens = [
            column(TOKEN_COLUMNS[0])?,
            column(TOKEN_COLUMNS[1])?,
            column(TOKEN_COLUMNS[2])?,
            column(TOKEN_COLUMNS[3])?,
        ];
        let slice_values = [
            column(SLICE_COLUMNS[0])?,
            column(SLICE_COLUMNS[1])?,
            column(SLICE_COLUMNS[2])?,
        ];
        let source = column(SOURCE_COLUMN)?;
        for index in 0..batch.num_rows() {
            row_number += 1;
            let bad = |column: &str, reason: String| IngestError::Row {
                file: file.to_string(),
                row: row_number,
                column: column.to_string(),
                reason,
            };
            let day = day.day(index, &mut last_day).map_err(|r| bad("day", r))?;
            let mut sides = [0u32; 2];
            let mut written = ["", ""];
            for (side, (values, column)) in [(&model_a, "model_a"), (&model_b, "model_b")]
                .into_iter()
                .enumerate()
            {
                let name = values
                    .text(index)
                    .map_err(|r| bad(column, r))?
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| bad(column, "missing model name".into()))?;
                written[side] = name;
                // Rows come grouped by model: the previous row's name of a
                // side (already checked) is the usual case.
                sides[side] = match &last_models[side] {
                    Some((previous, id)) if previous == name => *id,
                    _ => {
                        let id = match names.ids.get(name) {
                            Some(&id) => id,
                            None => {
                                super::row::check_model_name(name).map_err(|r| bad(column, r))?;
                                names.id(name)
                            }
                        };
                        last_models[side] = Some((name.to_string(), id));
                        id
                    }
                };
            }
            if written[0] == written[1] {
                return Err(bad(
                    "model_b",
                    format!("model {:?} is paired with itself", written[0]),
                ));
            }
            let mut cell_counts = [0u64; 4];
            for (slot, (values, column)) in counts.iter().zip(&REQUIRED_COLUMNS[3..]).enumerate() {
                cell_counts[slot] = values.count(index, false).map_err(|r| bad(column, r))?;
            }
            let mut cell_tokens = [0u64; 4];
            for (slot, (values, column)) in tokens.iter().zip(TOKEN_COLUMNS).enumerate() {
                cell_tokens[slot] = values.count(index, true).map_err(|r| bad(column, r))?;
            }
            let matches = cell_counts
                .iter()
                .try_fold(0u64, |sum, &c| sum.checked_add(c))
                .filter(|&sum| sum <= i64::MAX as u64)
                .ok_or_else(|| {
                    bad(
                        "ties_both_bad",
                        format!("the cell's counts add up past {}", i64::MAX),
                    )
                })?;
            for slot in [0, 2] {
                if cell_tokens[slot] > matches {
                    return Err(bad(
                        TOKEN_COLUMNS[slot],
                        format!(
                            "{} answers with tokens, but the cell has only {matches} votes",
                            cell_tokens[slot]
                        ),
                    ));
                }
            }
            let source_id = match fixed_source {
                Some(id) => id,
                None => {
                    let name = source
                        .text(index)
                        .map_err(|r| bad(SOURCE_COLUMN, r))?
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .ok_or_else(|| bad(SOURCE_COLUMN, "missing source".into()))?;
                    match &last_source {
                        Some((previous, id)) if previous == name => *id,
                        _ => {
                            super::row::check_model_name(name)
                                .map_err(|r| bad(SOURCE_COLUMN, r.replace("model", "source")))?;
                            let id = sources.id(name);
                            last_source = Some((name.to_string(), id));
                            id
                        }
                    }
                }
            };
            let mut slice: Option<SliceKey> = None;
            for (values, dimension) in slice_values.iter().zip(Dimension::ALL) {
                let column = dimension.name();
                let Some(text) = values.text(index).map_err(|r| bad(column, r))? else {
                    continue;
                };
                let labels = match dimension {
                    Dimension::Category => {
                        let mut set: Vec<String> = super::labels::piped(column, Some(text))
                            .map_err(|p| bad(column, p.reason))?
                            .into_iter()
                            .map(str::to_string)
                            .collect();
                        set.sort_unstable();
                        set.dedup();
                        set
                    }
                    Dimension::Language | Dimension::Country => {
                        super::labels::single(column, Some(text))
                            .map_err(|p| bad(column, p.reason))?
                            .map(|l| vec![l.to_string()])
                            .unwrap_or_default()
                    }
                };
                if labels.is_empty() {
                    continue;
                }
                if let Some(first) = &slice {
                    return Err(bad(
                        column,
                        format!(
                            "the row sets both {} and {column}: a sliced row counts one slice \
                             column (the store keeps no cross-slices); write one row per slice",
                            first.dimension.name()
                        ),
                    ));
                }
                slice = Some(SliceKey { dimension, labels });
            }
            let slice = slice.map(|key| {
                let next = slices.len() as u32;
                *slices.entry(key.clone()).or_insert_with(|| {
                    out.slices.push(key);
                    next
                })
            });
            let cell = DailyCell {
                source: source_id,
                day,
                model_a: sides[0],
                model_b: sides[1],
                counts: cell_counts,
                tokens: cell_tokens,
                slice,
                origin: CellOrigin {
                    file: file_index,
                    row: row_number,
                },
            };
            if written[0] > written[1] && !options.sum_cells {
                return Err(bad(
                    "model_b",
                    format!(
                        "pair {:?} vs {:?} is out of order: write model_a < model_b \
                         (least() and greatest() in SQL), or pass --sum-cells",
                        written[0], written[1]
                    ),
                ));
            }
            out.cells.push(cell);
        }
    }
    out.rows_read += row_number;
    Ok(())
}

/// Turns cells around to `model_a < model_b` (as written) and finds cells
/// given twice: refused (naming both rows), or summed with `sum_cells`.
pub fn check_cells(out: &mut PairCountsParquet, sum_cells: bool) -> Result<(), IngestError> {
    let models = &out.models;
    // Each model's place in name order, so that a cell's order is two
    // integer comparisons.
    let mut by_name: Vec<u32> = (0..models.len() as u32).collect();
    by_name.sort_unstable_by(|&a, &b| models[a as usize].cmp(&models[b as usize]));
    let mut rank = vec![0u32; models.len()];
    for (place, &model) in by_name.iter().enumerate() {
        rank[model as usize] = place as u32;
    }
    for cell in &mut out.cells {
        if rank[cell.model_a as usize] > rank[cell.model_b as usize] {
            std::mem::swap(&mut cell.model_a, &mut cell.model_b);
            cell.counts.swap(0, 1);
            cell.tokens = [
                cell.tokens[2],
                cell.tokens[3],
                cell.tokens[0],
                cell.tokens[1],
            ];
        }
    }
    let key = |c: &DailyCell| (c.source, c.day, c.slice, c.model_a, c.model_b);
    // Cells usually arrive in this order already (files by day, rows by
    // pair); the origin breaks ties, so the unstable sort is deterministic.
    let order = |c: &DailyCell| (key(c), c.origin.file, c.origin.row);
    if !out.cells.is_sorted_by_key(order) {
        out.cells.sort_unstable_by_key(order);
    }
    let mut merged: Vec<DailyCell> = Vec::with_capacity(out.cells.len());
    for cell in std::mem::take(&mut out.cells) {
        match merged.last_mut() {
            Some(previous) if key(previous) == key(&cell) => {
                if !sum_cells {
                    return Err(IngestError::Row {
                        file: out.files[cell.origin.file as usize].clone(),
                        row: cell.origin.row,
                        column: "model_b".into(),
                        reason: format!(
                            "cell {:?} vs {:?} on {} of source {:?}{} repeats {} (group by day, \
                             source, slice and pair, or pass --sum-cells)",
                            models[cell.model_a as usize],
                            models[cell.model_b as usize],
                            super::row::format_utc(cell.day * 86_400)
                                .get(..10)
                                .unwrap_or_default(),
                            out.sources[cell.source as usize],
                            cell.slice.map_or(String::new(), |s| {
                                let key = &out.slices[s as usize];
                                format!(" in {} {:?}", key.dimension.name(), key.labels.join("|"))
                            }),
                            out.place(previous.origin)
                        ),
                    });
                }
                let file = out.files[cell.origin.file as usize].clone();
                let overflow = |what: &str| IngestError::Row {
                    file: file.clone(),
                    row: cell.origin.row,
                    column: what.to_string(),
                    reason: format!("the summed cell passes the store's limit of {}", i64::MAX),
                };
                for (slot, value) in cell.counts.iter().enumerate() {
                    previous.counts[slot] = previous.counts[slot]
                        .checked_add(*value)
                        .filter(|&v| v <= i64::MAX as u64)
                        .ok_or_else(|| overflow(REQUIRED_COLUMNS[3 + slot]))?;
                }
                for (slot, value) in cell.tokens.iter().enumerate() {
                    previous.tokens[slot] = previous.tokens[slot]
                        .checked_add(*value)
                        .filter(|&v| v <= i64::MAX as u64)
                        .ok_or_else(|| overflow(TOKEN_COLUMNS[slot]))?;
                }
            }
            _ => merged.push(cell),
        }
    }
    out.cells = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `day=…/cells.parquet` with one row per (model_a, model_b,
    /// wins_a, category).
    fn write_day(folder: &Path, day: &str, rows: &[(&str, &str, i64, Option<&str>)]) {
        use arrow::array::{Int64Array, StringArray};
        use arrow::record_batch::RecordBatch;
        use std::sync::Arc;
        let dir = folder.join(format!("day={day}"));
        std::fs::create_dir_all(&dir).unwrap();
        let text = |values: Vec<Option<&str>>| Arc::new(StringArray::from(values)) as ArrayRef;
        let counts = |values: Vec<i64>| Arc::new(Int64Array::from(values)) as ArrayRef;
        let n = rows.len();
        let batch = RecordBatch::try_from_iter([
            ("model_a", text(rows.iter().map(|r| Some(r.0)).collect())),
            ("model_b", text(rows.iter().map(|r| Some(r.1)).collect())),
            ("wins_a", counts(rows.iter().map(|r| r.2).collect())),
            ("wins_b", counts(vec![1; n])),
            ("ties", counts(vec![0; n])),
            ("ties_both_bad", counts(vec![0; n])),
            ("source", text(vec![Some("jobs"); n])),
            ("category", text(rows.iter().map(|r| r.3).collect())),
        ])
        .unwrap();
        let file = std::fs::File::create(dir.join("cells.parquet")).unwrap();
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    /// A folder read in two halves at once gives what one pass gives: the
    /// same names, ids, slices and cells, and the first bad row of the files.
    #[test]
    fn two_halves_of_the_files_read_as_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        write_day(
            folder,
            "2026-01-01",
            &[("a", "b", 3, None), ("a", "b", 1, Some("Code"))],
        );
        write_day(folder, "2026-01-02", &[("a", "c", 2, None)]);
        // Models, a slice and a category set first seen in the second half.
        write_day(
            folder,
            "2026-01-03",
            &[("c", "d", 4, None), ("c", "d", 2, Some("Math"))],
        );
        write_day(
            folder,
            "2026-01-04",
            &[("b", "e", 5, None), ("b", "e", 1, Some("Code|Math"))],
        );
        let options = PairCountsParquetOptions::default();
        let halves = read(folder, &options).unwrap();
        let files = parquet_files(folder).unwrap();
        let mut one = read_files(&files, 0, &options).unwrap();
        one.out.models = one.names.names;
        one.out.sources = one.sources.names;
        check_cells(&mut one.out, false).unwrap();
        assert_eq!(halves.models, ["a", "b", "c", "d", "e"]);
        assert_eq!(halves.slices.len(), 3);
        assert_eq!(halves.cells.len(), 7);
        assert_eq!(format!("{halves:?}"), format!("{:?}", one.out));

        // Bad rows in both halves: the error is the first one's.
        write_day(folder, "2026-01-01", &[("a", "a", 3, None)]);
        write_day(folder, "2026-01-04", &[("b", "b", 5, None)]);
        let error = read(folder, &options).unwrap_err().to_string();
        assert!(
            error.contains("day=2026-01-01") && error.contains(":1:"),
            "{error}"
        );
    }

    #[test]
    fn partition_values_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("2026-01-02"), "2026-01-02");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
