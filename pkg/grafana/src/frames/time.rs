//! Time-based results as Grafana frames: `trend` and `energy-trend` as wide
//! time series, `regression` as an alert-ready long table.
//!
//! - `trend`: a `time` field, then one `bt_score` field per model labelled
//!   `model=<id>` (and `bt_ci_low` / `bt_ci_high` per model when the query asks
//!   for CIs). A model without a fit at a step has a null there.
//! - `energy-trend` by model: a `time` field, then for each of `wh`, `gco2e`,
//!   `wh_per_1k_tokens`, `output_tokens` and `sides_without_tokens` one field
//!   per model, labelled `model=<id>`. Dashboards pick a metric with a
//!   `byName` matcher (Grafana matches the field name) and set its unit there.
//! - `energy-trend` in total: the same metrics plus `sides_with_tokens` and
//!   `tokens_without_energy`, unlabelled, so they carry their units
//!   (`watth`, `massg`) in the field config.
//! - `regression`: string fields `model`, `organization`, `metric` and one
//!   number field `value`: Grafana alerting makes one alert instance per row,
//!   labelled by the string fields.
//!
//! Labelled fields carry no config: SDK 0.5 drops the labels of a field that
//! has both (see the module above).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use grafana_plugin_sdk::data::{Field, FieldConfig, Frame};
use grafana_plugin_sdk::prelude::*;
use serde_json::{Map, Value};

use super::{info, metadata, FrameContext};
use arenawatt_engine::{EnergyTrendRow, RegressionRow, RegressionWindows, TrendRow};

pub(super) fn time_field(times: &[i64]) -> Field {
    times
        .iter()
        .map(|&ms| {
            Utc.timestamp_millis_opt(ms)
                .single()
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        })
        .collect::<Vec<_>>()
        .into_field("time")
}

/// Distinct step times in order, and each model in order of first appearance.
fn axes<'a>(rows: impl Iterator<Item = (i64, &'a str)>) -> (Vec<i64>, Vec<String>) {
    let mut times = std::collections::BTreeSet::new();
    let mut models: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (t, m) in rows {
        times.insert(t);
        if seen.insert(m.to_string()) {
            models.push(m.to_string());
        }
    }
    (times.into_iter().collect(), models)
}

fn labelled(name: &str, model: &str, values: Vec<Option<f64>>) -> Field {
    let mut labels = BTreeMap::new();
    labels.insert("model".to_string(), model.to_string());
    values.into_opt_field(name).with_labels(labels)
}

/// One column per model of `value(row)`, aligned on `times`.
fn wide<R>(
    rows: &[R],
    times: &[i64],
    models: &[String],
    key: fn(&R) -> (i64, &str),
    value: impl Fn(&R) -> Option<f64>,
) -> Vec<Vec<Option<f64>>> {
    let time_index: BTreeMap<i64, usize> = times.iter().enumerate().map(|(i, &t)| (t, i)).collect();
    let model_index: std::collections::HashMap<&str, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut columns = vec![vec![None; times.len()]; models.len()];
    for row in rows {
        let (t, m) = key(row);
        if let (Some(&ti), Some(&mi)) = (time_index.get(&t), model_index.get(m)) {
            columns[mi][ti] = value(row).filter(|v| v.is_finite());
        }
    }
    columns
}

pub fn trend_frame(
    rows: &[TrendRow],
    include_ci: bool,
    step_days: u32,
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let (times, models) = axes(rows.iter().map(|r| (r.time_ms, r.model.as_str())));
    let key: fn(&TrendRow) -> (i64, &str) = |r| (r.time_ms, r.model.as_str());
    let mut frame = Frame::new("trend");
    frame.add_field(time_field(&times));
    let mut metrics: Vec<(&str, fn(&TrendRow) -> Option<f64>)> =
        vec![("bt_score", |r| Some(r.bt_score))];
    if include_ci {
        metrics.push(("bt_ci_low", |r| r.bt_ci_low));
        metrics.push(("bt_ci_high", |r| r.bt_ci_high));
    }
    for (name, value) in metrics {
        for (model, column) in models.iter().zip(wide(rows, &times, &models, key, value)) {
            frame.add_field(labelled(name, model, column));
        }
    }
    let mut custom = Map::new();
    custom.insert("stepDays".into(), Value::from(step_days));
    custom.insert("models".into(), Value::from(models.len()));
    frame.meta = Some(metadata(
        custom,
        notices.iter().cloned().map(info).collect(),
        None,
        context,
    ));
    frame
}

fn unit_config(unit: &str, description: &str) -> FieldConfig {
    let mut config = FieldConfig::default();
    config.unit = Some(unit.to_string());
    config.description = Some(description.to_string());
    config
}

type EnergyMetric = (
    &'static str,
    fn(&EnergyTrendRow) -> Option<f64>,
    &'static str,
    &'static str,
);

const ENERGY_METRICS: [EnergyMetric; 7] = [
    (
        "wh",
        |r| r.wh,
        "watth",
        "energy of generating the voted answers' output tokens, Wh",
    ),
    (
        "gco2e",
        |r| r.gco2e,
        "massg",
        "emissions of that energy in the query's zone, gCO2e",
    ),
    (
        "wh_per_1k_tokens",
        |r| r.wh_per_1k_tokens,
        "watth",
        "traffic-weighted Wh per 1000 output tokens",
    ),
    (
        "output_tokens",
        |r| Some(r.output_tokens as f64),
        "none",
        "output tokens of the voted answers",
    ),
    (
        "sides_without_tokens",
        |r| Some(r.sides_without_tokens as f64),
        "none",
        "answers without a token count (not in wh)",
    ),
    (
        "sides_with_tokens",
        |r| Some(r.sides_with_tokens as f64),
        "none",
        "answers with a token count",
    ),
    (
        "tokens_without_energy",
        |r| Some(r.tokens_without_energy as f64),
        "none",
        "output tokens of models without an energy estimate (not in wh)",
    ),
];

pub fn energy_trend_frame(
    rows: &[EnergyTrendRow],
    methodology: &str,
    zone: &str,
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let (times, models) = axes(rows.iter().map(|r| (r.time_ms, r.model.as_str())));
    let total = !models.is_empty() && models.iter().all(|m| m == "total");
    let key: fn(&EnergyTrendRow) -> (i64, &str) = |r| (r.time_ms, r.model.as_str());
    let mut frame = Frame::new("energy-trend");
    frame.add_field(time_field(&times));
    for (i, (name, value, unit, description)) in ENERGY_METRICS.iter().enumerate() {
        let columns = wide(rows, &times, &models, key, *value);
        if total {
            if let Some(column) = columns.into_iter().next() {
                frame.add_field(
                    column
                        .into_opt_field(*name)
                        .with_config(unit_config(unit, description)),
                );
            }
        } else if i < 5 {
            for (model, column) in models.iter().zip(columns) {
                frame.add_field(labelled(name, model, column));
            }
        }
    }
    let mut custom = Map::new();
    custom.insert("methodology".into(), Value::from(methodology));
    custom.insert("zone".into(), Value::from(zone));
    custom.insert(
        "groupBy".into(),
        Value::from(if total { "total" } else { "model" }),
    );
    let mut all_notices = vec![info(format!(
        "energy figures follow methodology {methodology}, electricity zone {zone}"
    ))];
    all_notices.extend(notices.iter().cloned().map(info));
    frame.meta = Some(metadata(custom, all_notices, None, context));
    frame
}

pub fn regression_frame(
    rows: &[RegressionRow],
    windows: &RegressionWindows,
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new("regression");
    frame.add_field(
        rows.iter()
            .map(|r| r.model.as_str())
            .collect::<Vec<_>>()
            .into_field("model"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.organization.as_str())
            .collect::<Vec<_>>()
            .into_field("organization"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.metric.as_str())
            .collect::<Vec<_>>()
            .into_field("metric"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.value)
            .collect::<Vec<_>>()
            .into_field("value"),
    );
    let mut custom = Map::new();
    for (k, v) in [
        ("latestFrom", &windows.latest_from),
        ("latestTo", &windows.latest_to),
        ("previousFrom", &windows.previous_from),
        ("previousTo", &windows.previous_to),
    ] {
        custom.insert(k.into(), Value::from(v.as_str()));
    }
    let mut all_notices = vec![info(format!(
        "latest window {} to {}, previous window {} to {}",
        windows.latest_from, windows.latest_to, windows.previous_from, windows.previous_to
    ))];
    all_notices.extend(notices.iter().cloned().map(info));
    frame.meta = Some(metadata(custom, all_notices, None, context));
    frame
}
