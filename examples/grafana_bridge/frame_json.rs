//! Arrow IPC frame → Grafana's data-frame JSON, as the Grafana server sends
//! it to the browser in `/api/ds/query` answers.
//!
//! A backend plugin answers QueryData with one Arrow IPC *file* per frame.
//! Grafana decodes it and re-encodes it with the Go SDK's frame JSON encoder
//! (`data.FrameToJSON`), which the frontend's `dataFrameFromJSON` reads. This
//! module does the same conversion with arrow-rs so that Node tests (and the
//! headless browser) see exactly what a Grafana frontend would see:
//!
//! - `schema`: `name` and `refId` (only when non-empty), `meta` (the schema
//!   metadata's JSON), and per field `name`, `type` (`number`, `string`,
//!   `boolean`, `time`), `typeInfo` (`frame`: the Go item type such as
//!   `float64` or `time.Time`; `nullable: true` only for nullable fields),
//!   `labels` and `config` (the field metadata's JSON, when present);
//! - `data.values`: one array per field; times as epoch milliseconds, nulls as
//!   `null`;
//! - `data.entities`: present only when a float is NaN or ±Inf; one entry per
//!   field (`null` or `{"NaN":[rows],"Inf":[rows],"NegInf":[rows]}`), the
//!   value itself written as `null`;
//! - `data.nanos`: present only when a time has sub-millisecond nanoseconds;
//!   one entry per field (`null` or the nanoseconds past each millisecond).

use std::io::Cursor;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimeUnit, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow::ipc::reader::FileReader;
use serde_json::{json, Map, Value};

/// Grafana's simple field type and the Go SDK's item type for an Arrow type.
pub fn grafana_types(data_type: &DataType) -> Option<(&'static str, &'static str)> {
    let types = match data_type {
        DataType::Int8 => ("number", "int8"),
        DataType::Int16 => ("number", "int16"),
        DataType::Int32 => ("number", "int32"),
        DataType::Int64 => ("number", "int64"),
        DataType::UInt8 => ("number", "uint8"),
        DataType::UInt16 => ("number", "uint16"),
        DataType::UInt32 => ("number", "uint32"),
        DataType::UInt64 => ("number", "uint64"),
        DataType::Float16 | DataType::Float32 => ("number", "float32"),
        DataType::Float64 => ("number", "float64"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ("string", "string"),
        DataType::Boolean => ("boolean", "bool"),
        DataType::Timestamp(..) => ("time", "time.Time"),
        _ => return None,
    };
    Some(types)
}

/// Converts one frame, as the plugin wrote it (Arrow IPC file bytes), to
/// Grafana's frame JSON. Errors name the field that could not be converted.
pub fn frame_json(arrow_file: &[u8]) -> Result<Value, String> {
    let reader = FileReader::try_new(Cursor::new(arrow_file), None)
        .map_err(|e| format!("frame is not an arrow ipc file: {e}"))?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("reading the frame's record batches: {e}"))?;

    let mut schema_json = Map::new();
    let metadata = schema.metadata();
    for key in ["name", "refId"] {
        if let Some(text) = metadata.get(key).filter(|t| !t.is_empty()) {
            schema_json.insert(key.into(), Value::String(text.clone()));
        }
    }
    if let Some(meta) = metadata.get("meta") {
        let meta: Value = serde_json::from_str(meta)
            .map_err(|e| format!("frame metadata \"meta\" is not json: {e}"))?;
        schema_json.insert("meta".into(), meta);
    }

    let mut fields = Vec::new();
    let mut values = Vec::new();
    let mut entities = Vec::new();
    let mut nanos = Vec::new();
    for (index, field) in schema.fields().iter().enumerate() {
        let context = |what: String| format!("field {index} {:?}: {what}", field.name());
        let (simple_type, item_type) = grafana_types(field.data_type())
            .ok_or_else(|| context(format!("unsupported arrow type {}", field.data_type())))?;
        let mut field_json = Map::new();
        field_json.insert("name".into(), Value::String(field.name().clone()));
        field_json.insert("type".into(), Value::String(simple_type.into()));
        let mut type_info = Map::new();
        type_info.insert("frame".into(), Value::String(item_type.into()));
        if field.is_nullable() {
            type_info.insert("nullable".into(), Value::Bool(true));
        }
        field_json.insert("typeInfo".into(), Value::Object(type_info));
        for key in ["labels", "config"] {
            if let Some(text) = field.metadata().get(key) {
                let parsed: Value = serde_json::from_str(text)
                    .map_err(|e| context(format!("metadata {key:?} is not json: {e}")))?;
                field_json.insert(key.into(), parsed);
            }
        }
        fields.push(Value::Object(field_json));

        let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(index).as_ref()).collect();
        let column = if arrays.is_empty() {
            arrow::array::new_empty_array(field.data_type())
        } else {
            arrow::compute::concat(&arrays).map_err(|e| context(format!("joining batches: {e}")))?
        };
        let converted = column_json(&column).map_err(context)?;
        values.push(Value::Array(converted.values));
        entities.push(converted.entities);
        nanos.push(converted.nanos);
    }
    schema_json.insert("fields".into(), Value::Array(fields));

    let mut data = Map::new();
    data.insert("values".into(), Value::Array(values));
    if entities.iter().any(Option::is_some) {
        let entities = entities.into_iter().map(|e| e.unwrap_or(Value::Null));
        data.insert("entities".into(), Value::Array(entities.collect()));
    }
    if nanos.iter().any(Option::is_some) {
        let nanos = nanos.into_iter().map(|n| n.unwrap_or(Value::Null));
        data.insert("nanos".into(), Value::Array(nanos.collect()));
    }
    Ok(json!({ "schema": schema_json, "data": data }))
}

/// One column's JSON values, with its entity lookup and nanosecond offsets
/// when it needs them.
struct ColumnJson {
    values: Vec<Value>,
    entities: Option<Value>,
    nanos: Option<Value>,
}

fn column_json(column: &ArrayRef) -> Result<ColumnJson, String> {
    let mut out = ColumnJson {
        values: Vec::with_capacity(column.len()),
        entities: None,
        nanos: None,
    };
    macro_rules! integers {
        ($arrow_type:ty) => {{
            let array = column.as_primitive::<$arrow_type>();
            for row in 0..array.len() {
                out.values.push(if array.is_null(row) {
                    Value::Null
                } else {
                    Value::from(array.value(row))
                });
            }
        }};
    }
    match column.data_type() {
        DataType::Int8 => integers!(Int8Type),
        DataType::Int16 => integers!(Int16Type),
        DataType::Int32 => integers!(Int32Type),
        DataType::Int64 => integers!(Int64Type),
        DataType::UInt8 => integers!(UInt8Type),
        DataType::UInt16 => integers!(UInt16Type),
        DataType::UInt32 => integers!(UInt32Type),
        DataType::UInt64 => integers!(UInt64Type),
        DataType::Float16 => {
            let array = column.as_primitive::<Float16Type>();
            let floats = (0..array.len())
                .map(|r| (!array.is_null(r)).then(|| shortest_f32(array.value(r).to_f32())));
            out.entities = push_floats(&mut out.values, floats);
        }
        DataType::Float32 => {
            let array = column.as_primitive::<Float32Type>();
            let floats =
                (0..array.len()).map(|r| (!array.is_null(r)).then(|| shortest_f32(array.value(r))));
            out.entities = push_floats(&mut out.values, floats);
        }
        DataType::Float64 => {
            let array = column.as_primitive::<Float64Type>();
            let floats = (0..array.len()).map(|r| (!array.is_null(r)).then(|| array.value(r)));
            out.entities = push_floats(&mut out.values, floats);
        }
        DataType::Utf8 => {
            let array = column.as_string::<i32>();
            for row in 0..array.len() {
                out.values.push(if array.is_null(row) {
                    Value::Null
                } else {
                    Value::String(array.value(row).to_string())
                });
            }
        }
        DataType::LargeUtf8 => {
            let array = column.as_string::<i64>();
            for row in 0..array.len() {
                out.values.push(if array.is_null(row) {
                    Value::Null
                } else {
                    Value::String(array.value(row).to_string())
                });
            }
        }
        DataType::Utf8View => {
            let array = column.as_string_view();
            for row in 0..array.len() {
                out.values.push(if array.is_null(row) {
                    Value::Null
                } else {
                    Value::String(array.value(row).to_string())
                });
            }
        }
        DataType::Boolean => {
            let array = column.as_boolean();
            for row in 0..array.len() {
                out.values.push(if array.is_null(row) {
                    Value::Null
                } else {
                    Value::Bool(array.value(row))
                });
            }
        }
        DataType::Timestamp(unit, _) => {
            let nanos_per_unit: i64 = match unit {
                TimeUnit::Second => 1_000_000_000,
                TimeUnit::Millisecond => 1_000_000,
                TimeUnit::Microsecond => 1_000,
                TimeUnit::Nanosecond => 1,
            };
            let cast = arrow::compute::cast(column, &DataType::Int64)
                .map_err(|e| format!("reading timestamps: {e}"))?;
            let raw = cast.as_primitive::<Int64Type>();
            let mut offsets = Vec::with_capacity(raw.len());
            for row in 0..raw.len() {
                if raw.is_null(row) {
                    out.values.push(Value::Null);
                    offsets.push(0);
                    continue;
                }
                let nanos = raw
                    .value(row)
                    .checked_mul(nanos_per_unit)
                    .ok_or_else(|| format!("row {row}: timestamp out of range"))?;
                // Go truncates toward zero, as does Rust's integer division.
                out.values.push(Value::from(nanos / 1_000_000));
                offsets.push(nanos % 1_000_000);
            }
            if offsets.iter().any(|&n| n != 0) {
                out.nanos = Some(Value::from(offsets));
            }
        }
        other => return Err(format!("unsupported arrow type {other}")),
    }
    Ok(out)
}

/// An f32 as the f64 with the same shortest decimal form, as Go prints it
/// (`0.1f32` stays 0.1 rather than 0.10000000149011612).
fn shortest_f32(value: f32) -> f64 {
    if value.is_finite() {
        value.to_string().parse().unwrap_or(f64::from(value))
    } else {
        f64::from(value)
    }
}

/// Pushes floats as JSON numbers; NaN and ±Inf become `null` and are listed
/// in the returned entity lookup (`None` when every value is finite or null).
fn push_floats(
    values: &mut Vec<Value>,
    floats: impl Iterator<Item = Option<f64>>,
) -> Option<Value> {
    let (mut nan, mut inf, mut neg_inf) = (Vec::new(), Vec::new(), Vec::new());
    for (row, value) in floats.enumerate() {
        match value {
            None => values.push(Value::Null),
            Some(v) if v.is_nan() => {
                nan.push(row);
                values.push(Value::Null);
            }
            Some(v) if v == f64::INFINITY => {
                inf.push(row);
                values.push(Value::Null);
            }
            Some(v) if v == f64::NEG_INFINITY => {
                neg_inf.push(row);
                values.push(Value::Null);
            }
            Some(v) => {
                values.push(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
            }
        }
    }
    if nan.is_empty() && inf.is_empty() && neg_inf.is_empty() {
        return None;
    }
    let mut lookup = Map::new();
    for (key, rows) in [("NaN", nan), ("Inf", inf), ("NegInf", neg_inf)] {
        if !rows.is_empty() {
            lookup.insert(key.into(), Value::from(rows));
        }
    }
    Some(Value::Object(lookup))
}
