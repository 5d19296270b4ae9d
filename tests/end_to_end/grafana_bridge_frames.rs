//! The bridge's Arrow → frame JSON conversion (`examples/grafana_bridge/
//! frame_json.rs`), which the jest and browser tests rely on to see what
//! Grafana's frontend sees: on the real plugin's frames it must agree value
//! by value with the harness's own Arrow decoding, and on a hand-built frame
//! it must write NaN/±Inf entities, sub-millisecond nanos and nulls the way
//! the Go SDK's `FrameToJSON` does.

use crate::support::plugin;
#[path = "../../examples/grafana_bridge/frame_json.rs"]
mod frame_json;

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, StringArray, TimestampNanosecondArray,
    UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use plugin::*;
use serde_json::{json, Value};

/// Compares one converted frame with the harness's decoding of the same bytes.
fn assert_same_frame(bytes: &[u8]) {
    let decoded = decode_frame(bytes);
    let converted = frame_json::frame_json(bytes).expect("frame converts");
    let schema = &converted["schema"];
    let text = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(text("name"), decoded.name);
    assert_eq!(text("refId"), decoded.ref_id);
    assert_eq!(schema.get("meta").cloned(), decoded.meta);
    let fields = schema["fields"].as_array().expect("fields array");
    let values = converted["data"]["values"]
        .as_array()
        .expect("values array");
    assert_eq!(fields.len(), decoded.fields.len());
    assert_eq!(values.len(), decoded.fields.len());
    for ((field, column), expected) in fields.iter().zip(values).zip(&decoded.fields) {
        let name = &expected.name;
        assert_eq!(field["name"], json!(name));
        let (simple, item) = frame_json::grafana_types(&expected.data_type)
            .unwrap_or_else(|| panic!("{name}: no grafana type for {}", expected.data_type));
        assert_eq!(field["type"], json!(simple), "{name}");
        assert_eq!(field["typeInfo"]["frame"], json!(item), "{name}");
        assert_eq!(
            field["typeInfo"].get("nullable").is_some(),
            expected.nullable,
            "{name}"
        );
        assert_eq!(field.get("config").cloned(), expected.config, "{name}");
        assert_eq!(field.get("labels").cloned(), expected.labels, "{name}");
        let column = column.as_array().expect("column array");
        assert_eq!(column.len(), decoded.rows, "{name}");
        let expected_json: Vec<Value> = match &expected.data_type {
            DataType::Utf8 | DataType::LargeUtf8 => {
                expected.strings().into_iter().map(|s| json!(s)).collect()
            }
            DataType::Boolean => expected.bools().into_iter().map(|b| json!(b)).collect(),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                let cast = arrow::compute::cast(&expected.values, &DataType::Int64).unwrap();
                let nanos = cast
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>()
                    .unwrap();
                nanos
                    .iter()
                    .map(|n| json!(n.map(|n| n / 1_000_000)))
                    .collect()
            }
            _ => expected
                .numbers()
                .into_iter()
                .map(|n| json!(n.filter(|v| v.is_finite())))
                .collect(),
        };
        if expected.is_numeric() {
            let got: Vec<Option<f64>> = column.iter().map(Value::as_f64).collect();
            let want: Vec<Option<f64>> = expected_json.iter().map(Value::as_f64).collect();
            assert_eq!(got, want, "{name}");
        } else {
            assert_eq!(column, &expected_json, "{name}");
        }
    }
}

#[tokio::test]
async fn the_plugins_frames_convert_value_by_value() {
    let plugin = Plugin::start();
    let responses = demo_queries(
        &plugin,
        &[
            (
                "A",
                json!({"queryType": "scatter", "sources": ["simulated"]}),
            ),
            ("B", json!({"queryType": "variable", "of": "models"})),
            (
                "T",
                json!({"queryType": "trend", "models": ["llama-3.3-70b"], "window": "rolling"}),
            ),
            (
                "L",
                json!({"queryType": "leaderboard", "licenses": ["open"]}),
            ),
        ],
    )
    .await;
    let mut kinds = HashMap::new();
    for ref_id in ["A", "B", "T", "L"] {
        let response = &responses[ref_id];
        assert!(response.error.is_empty(), "{ref_id}: {}", response.error);
        assert!(!response.frames.is_empty(), "{ref_id} has frames");
        for bytes in &response.frames {
            assert_same_frame(bytes);
            let converted = frame_json::frame_json(bytes).unwrap();
            for field in converted["schema"]["fields"].as_array().unwrap() {
                *kinds
                    .entry(field["type"].as_str().unwrap().to_string())
                    .or_insert(0) += 1;
            }
        }
    }
    // Every Grafana field type the plugin uses was exercised.
    for kind in ["number", "string", "boolean", "time"] {
        assert!(kinds.contains_key(kind), "no {kind} field in {kinds:?}");
    }
}

fn ipc_file(batch: &RecordBatch) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut writer = arrow::ipc::writer::FileWriter::try_new(&mut bytes, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
    drop(writer);
    bytes
}

#[test]
fn entities_nanos_and_nulls_follow_the_go_encoder() {
    let schema = Schema::new(vec![
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            true,
        )
        .with_metadata(HashMap::from([(
            "config".into(),
            r#"{"unit":"dateTimeAsIso"}"#.into(),
        )])),
        Field::new("score", DataType::Float64, true).with_metadata(HashMap::from([(
            "labels".into(),
            r#"{"model":"glm-4.5"}"#.into(),
        )])),
        Field::new("share", DataType::Float32, false),
        Field::new("votes", DataType::UInt64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("pareto", DataType::Boolean, false),
    ])
    .with_metadata(HashMap::from([
        ("name".into(), "hand-made".into()),
        ("refId".into(), "Z".into()),
        ("meta".into(), r#"{"custom":{"why":"test"}}"#.into()),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(TimestampNanosecondArray::from(vec![
            Some(1_700_000_000_123_000_000),
            None,
            Some(1_700_000_000_123_456_789),
        ])),
        Arc::new(Float64Array::from(vec![
            Some(f64::NAN),
            Some(f64::NEG_INFINITY),
            Some(1.5),
        ])),
        Arc::new(Float32Array::from(vec![0.1, f32::INFINITY, 2.0])),
        Arc::new(UInt64Array::from(vec![u64::MAX, 0, 7])),
        Arc::new(StringArray::from(vec![Some("a"), None, Some("c")])),
        Arc::new(BooleanArray::from(vec![true, false, true])),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
    let converted = frame_json::frame_json(&ipc_file(&batch)).unwrap();
    assert_eq!(
        converted,
        json!({
            "schema": {
                "name": "hand-made",
                "refId": "Z",
                "meta": {"custom": {"why": "test"}},
                "fields": [
                    {"name": "time", "type": "time", "typeInfo": {"frame": "time.Time", "nullable": true},
                     "config": {"unit": "dateTimeAsIso"}},
                    {"name": "score", "type": "number", "typeInfo": {"frame": "float64", "nullable": true},
                     "labels": {"model": "glm-4.5"}},
                    {"name": "share", "type": "number", "typeInfo": {"frame": "float32"}},
                    {"name": "votes", "type": "number", "typeInfo": {"frame": "uint64"}},
                    {"name": "name", "type": "string", "typeInfo": {"frame": "string", "nullable": true}},
                    {"name": "pareto", "type": "boolean", "typeInfo": {"frame": "bool"}},
                ],
            },
            "data": {
                "values": [
                    [1_700_000_000_123_i64, null, 1_700_000_000_123_i64],
                    [null, null, 1.5],
                    [0.1, null, 2.0],
                    [u64::MAX, 0, 7],
                    ["a", null, "c"],
                    [true, false, true],
                ],
                "entities": [null, {"NaN": [0], "NegInf": [1]}, {"Inf": [1]}, null, null, null],
                "nanos": [[0, 0, 456_789], null, null, null, null, null],
            },
        })
    );
}

#[test]
fn a_frame_without_special_values_has_no_entities_or_nanos() {
    let schema = Schema::new(vec![Field::new("wh", DataType::Float64, false)]);
    let columns: Vec<ArrayRef> = vec![Arc::new(Float64Array::from(vec![0.25, 3.0]))];
    let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
    let converted = frame_json::frame_json(&ipc_file(&batch)).unwrap();
    assert_eq!(converted["data"], json!({"values": [[0.25, 3.0]]}));
    // No name or refId in the schema when the frame has none, as in Go.
    assert_eq!(
        converted["schema"],
        json!({"fields": [{"name": "wh", "type": "number", "typeInfo": {"frame": "float64"}}]})
    );
}

#[test]
fn bytes_that_are_not_an_arrow_file_are_an_error_not_a_panic() {
    let error = frame_json::frame_json(b"not arrow").unwrap_err();
    assert!(error.contains("not an arrow ipc file"), "{error}");
}
