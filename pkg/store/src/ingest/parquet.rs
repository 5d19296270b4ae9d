//! Reading parquet files (compar:IA's published format) row by row through
//! the [`Row`] trait, so that each format converts rows once for parquet and
//! JSON alike. Only the columns a format asks for are decoded.
//!
//! The parquet decoder can panic on a corrupt file (an out-of-range index in
//! a damaged dictionary page, found by `tests/reader_fuzz.rs`). Every call
//! into it goes through [`decoder_call`], which turns such a panic into an
//! error naming the file and the last row read, and keeps the panic message
//! off stderr (only for that thread, only during that call).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit, UInt64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use super::collector::RowProblem;
use super::row::{
    epoch_float_seconds, epoch_integer_seconds, float_text, parse_timestamp, plausible_seconds_in,
    Row,
};
use super::IngestError;

/// One decoded column of a record batch, normalised to a few shapes.
enum Column {
    Text(ArrayRef),
    Integer(ArrayRef),
    /// `UInt64`, kept apart because values of 2^63 and more do not fit the
    /// `Int64` the other integer types are cast to (the cast would make them
    /// null).
    Unsigned(ArrayRef),
    Float(ArrayRef),
    Boolean(ArrayRef),
    /// A list of texts, cast to `List<Utf8>`.
    TextList(ArrayRef),
    /// Timestamps with their unit, as raw integers.
    Timestamp(ArrayRef, TimeUnit),
    Other(DataType),
}

fn normalise(array: &ArrayRef) -> Column {
    use arrow::compute::cast;
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            match cast(array, &DataType::Utf8) {
                Ok(a) => Column::Text(a),
                Err(_) => Column::Other(array.data_type().clone()),
            }
        }
        DataType::UInt64 => Column::Unsigned(Arc::clone(array)),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => match cast(array, &DataType::Int64) {
            Ok(a) => Column::Integer(a),
            Err(_) => Column::Other(array.data_type().clone()),
        },
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            match cast(array, &DataType::Float64) {
                Ok(a) => Column::Float(a),
                Err(_) => Column::Other(array.data_type().clone()),
            }
        }
        DataType::Boolean => Column::Boolean(Arc::clone(array)),
        DataType::Timestamp(unit, _) => match cast(array, &DataType::Int64) {
            Ok(a) => Column::Timestamp(a, *unit),
            Err(_) => Column::Other(array.data_type().clone()),
        },
        DataType::List(item) | DataType::LargeList(item)
            if matches!(
                item.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            let target = DataType::List(Arc::new(arrow::datatypes::Field::new(
                "item",
                DataType::Utf8,
                true,
            )));
            match cast(array, &target) {
                Ok(a) => Column::TextList(a),
                Err(_) => Column::Other(array.data_type().clone()),
            }
        }
        other => Column::Other(other.clone()),
    }
}

/// Row `index` of a decoded batch.
pub(crate) struct BatchRow<'b> {
    columns: &'b HashMap<String, Column>,
    index: usize,
}

impl BatchRow<'_> {
    fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name)
    }
    fn wrong_type(name: &str, expected: &str, column: &Column) -> RowProblem {
        let found = match column {
            Column::Text(_) => "text".to_string(),
            Column::Integer(_) | Column::Unsigned(_) => "integers".to_string(),
            Column::Float(_) => "floats".to_string(),
            Column::Boolean(_) => "booleans".to_string(),
            Column::TextList(_) => "lists of text".to_string(),
            Column::Timestamp(..) => "timestamps".to_string(),
            Column::Other(t) => format!("{t}"),
        };
        RowProblem::new(
            name,
            format!("expected {expected}, but the column holds {found}"),
        )
    }
}

impl Row for BatchRow<'_> {
    fn text_list(&self, name: &str) -> Result<Option<Vec<&str>>, RowProblem> {
        match self.column(name) {
            None => Ok(None),
            Some(Column::TextList(a)) => {
                let list = a.as_list::<i32>();
                if list.is_null(self.index) {
                    return Ok(None);
                }
                let offsets = list.value_offsets();
                let (start, end) = (
                    offsets[self.index] as usize,
                    offsets[self.index + 1] as usize,
                );
                let values = list.values().as_string::<i32>();
                Ok(Some(
                    (start..end)
                        .filter(|&i| !values.is_null(i))
                        .map(|i| values.value(i))
                        .collect(),
                ))
            }
            Some(other) => Err(Self::wrong_type(name, "lists of text", other)),
        }
    }
    fn text(&self, name: &str) -> Result<Option<&str>, RowProblem> {
        match self.column(name) {
            None => Ok(None),
            Some(Column::Text(a)) => {
                let a = a.as_string::<i32>();
                Ok((!a.is_null(self.index)).then(|| a.value(self.index)))
            }
            Some(other) => Err(Self::wrong_type(name, "text", other)),
        }
    }
    fn integer(&self, name: &str) -> Result<Option<i64>, RowProblem> {
        match self.column(name) {
            None => Ok(None),
            Some(Column::Integer(a)) => {
                let a = a.as_primitive::<Int64Type>();
                Ok((!a.is_null(self.index)).then(|| a.value(self.index)))
            }
            Some(Column::Unsigned(a)) => {
                let a = a.as_primitive::<UInt64Type>();
                if a.is_null(self.index) {
                    return Ok(None);
                }
                let value = a.value(self.index);
                i64::try_from(value).map(Some).map_err(|_| {
                    RowProblem::new(
                        name,
                        format!("integer {value} is too large (at most {})", i64::MAX),
                    )
                })
            }
            Some(Column::Float(a)) => {
                let a = a.as_primitive::<Float64Type>();
                if a.is_null(self.index) {
                    return Ok(None);
                }
                let value = a.value(self.index);
                if value.fract() == 0.0 && value.abs() < 9e15 {
                    Ok(Some(value as i64))
                } else {
                    Err(RowProblem::new(
                        name,
                        format!("expected an integer, found {value}"),
                    ))
                }
            }
            Some(other) => Err(Self::wrong_type(name, "integers", other)),
        }
    }
    fn boolean(&self, name: &str) -> Result<Option<bool>, RowProblem> {
        match self.column(name) {
            None => Ok(None),
            Some(Column::Boolean(a)) => {
                let a = a.as_boolean();
                Ok((!a.is_null(self.index)).then(|| a.value(self.index)))
            }
            Some(other) => Err(Self::wrong_type(name, "booleans", other)),
        }
    }
    fn timestamp(&self, name: &str) -> Result<Option<i64>, RowProblem> {
        let checked = |result: Result<i64, String>| {
            result
                .map(Some)
                .map_err(|reason| RowProblem::new(name, reason))
        };
        match self.column(name) {
            Some(Column::Timestamp(a, unit)) => {
                let a = a.as_primitive::<Int64Type>();
                if a.is_null(self.index) {
                    return Ok(None);
                }
                let value = a.value(self.index);
                let (seconds, unit_name) = match unit {
                    TimeUnit::Second => (value, "seconds"),
                    TimeUnit::Millisecond => (value.div_euclid(1_000), "milliseconds"),
                    TimeUnit::Microsecond => (value.div_euclid(1_000_000), "microseconds"),
                    TimeUnit::Nanosecond => (value.div_euclid(1_000_000_000), "nanoseconds"),
                };
                checked(plausible_seconds_in(seconds, value, unit_name))
            }
            Some(Column::Integer(_) | Column::Unsigned(_)) => match self.integer(name)? {
                None => Ok(None),
                Some(value) => checked(epoch_integer_seconds(value)),
            },
            Some(Column::Float(a)) => {
                let a = a.as_primitive::<Float64Type>();
                if a.is_null(self.index) {
                    return Ok(None);
                }
                let value = a.value(self.index);
                checked(epoch_float_seconds(value, &float_text(value)))
            }
            Some(Column::Text(_)) => match self.text(name)? {
                None => Ok(None),
                Some(text) => checked(parse_timestamp(text)),
            },
            None => Ok(None),
            Some(other) => Err(Self::wrong_type(name, "timestamps", other)),
        }
    }
    fn id(&self, name: &str) -> Result<Option<String>, RowProblem> {
        match self.column(name) {
            Some(Column::Integer(_)) => Ok(self.integer(name)?.map(|v| v.to_string())),
            Some(Column::Unsigned(a)) => {
                let a = a.as_primitive::<UInt64Type>();
                Ok((!a.is_null(self.index)).then(|| a.value(self.index).to_string()))
            }
            _ => Ok(self.text(name)?.map(str::to_string)),
        }
    }
}

/// Calls `each(row_number, row, total_rows)` for every row of the parquet file
/// at `path`, decoding only `wanted` columns (those present). `required`
/// columns must exist, or the file is refused before any row is read.
pub(crate) fn for_each_row(
    path: &Path,
    file: &str,
    wanted: &[&str],
    required: &[&str],
    mut each: impl FnMut(u64, &BatchRow<'_>, u64) -> Result<(), IngestError>,
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
    let total = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let fields: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for name in required {
        if !fields.iter().any(|f| f == name) {
            return Err(unreadable(format!(
                "missing column {name:?} (the file has: {})",
                fields.join(", ")
            )));
        }
    }
    let roots: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| wanted.contains(&f.as_str()))
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let mut reader = decoder_call(|| {
        builder
            .with_projection(mask)
            .with_batch_size(65_536)
            .build()
    })
    .map_err(|panic| unreadable(format!("cannot read parquet data (corrupt): {panic}")))?
    .map_err(|e| unreadable(format!("cannot read parquet data: {e}")))?;
    let mut row_number = 0u64;
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
        let schema = batch.schema();
        let columns: HashMap<String, Column> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, array)| (field.name().clone(), normalise(array)))
            .collect();
        for index in 0..batch.num_rows() {
            row_number += 1;
            each(
                row_number,
                &BatchRow {
                    columns: &columns,
                    index,
                },
                total,
            )?;
        }
    }
    Ok(())
}

thread_local! {
    /// Set while this thread is inside the parquet decoder.
    static IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs one call into the parquet decoder; a panic in it becomes `Err` with
/// the panic's message. The panic hook installed once here stays silent for
/// such panics and passes every other one to the previous hook.
pub(crate) fn decoder_call<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    IN_DECODER.with(|flag| flag.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    IN_DECODER.with(|flag| flag.set(false));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        format!("the parquet decoder failed: {message}")
    })
}
