//! What the Trends and Regressions dashboards draw, checked against the real
//! `gpx_arenawatt` on the demo data, beyond the generic dashboard contract
//! (`dashboards_contract.rs`):
//!
//! - time series panels keep, after their `filterFieldsByName`, a time field
//!   and numeric series named as listed, one per selected model and labelled
//!   `model=<id>` where the legend shows `${__field.labels.model}`, with the
//!   unit the panel gives them (Wh → `watth`, gCO2e → `massg`);
//! - the BT panel shows the demo's change point: the degraded model's rolling
//!   score falls in its last month;
//! - the "whole range" stat, with the interval Grafana derives from its min
//!   interval, is one step whose figures equal the sums of the daily steps;
//! - every Regressions table holds only its metric, and its thresholds colour
//!   the degraded model red.

use crate::support::plugin;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use arenawatt::sim::demo::DEGRADED_MODEL;
use grafana_plugin_sdk::pluginv2;
use plugin::*;
use serde_json::{json, Value};

const DAY_MS: i64 = 86_400_000;

fn dashboard(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("dashboards")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn panel<'a>(dashboard: &'a Value, id: u64) -> &'a Value {
    dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no panel {id}"))
}

type Vars = HashMap<String, Vec<String>>;

/// Replaces `$name` and `${name}` in strings; a list item that is exactly one
/// variable becomes one item per value (as Grafana does for multi-values).
fn substitute(value: &Value, vars: &Vars) -> Value {
    let whole = |s: &str| {
        let name = s
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .or_else(|| s.strip_prefix('$'))?;
        vars.get(name)
    };
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .flat_map(|item| match item.as_str().and_then(whole) {
                    Some(values) => values.iter().cloned().map(Value::String).collect(),
                    None => vec![substitute(item, vars)],
                })
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars)))
                .collect(),
        ),
        Value::String(s) => {
            let mut out = s.clone();
            let mut names: Vec<&String> = vars.keys().collect();
            names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            for name in names {
                let joined = vars[name].join(",");
                out = out
                    .replace(&format!("${{{name}}}"), &joined)
                    .replace(&format!("${name}"), &joined);
            }
            Value::String(out)
        }
        other => other.clone(),
    }
}

/// The variables' default values; "All" takes what the variable's query lists.
async fn variables(plugin: &Plugin, dashboard: &Value) -> Vars {
    let mut vars = Vars::new();
    for var in dashboard["templating"]["list"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap().to_string();
        let current = &var["current"]["value"];
        let values: Vec<String> = match current {
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
            Value::String(s) => vec![s.clone()],
            other => panic!("variable {name}: current value {other}"),
        };
        let values = if values == ["$__all"] {
            let query = substitute(&var["query"], &vars);
            let responses = demo_queries(plugin, &[("V", query)]).await;
            frames_of(&responses, "V")[0]
                .field("value")
                .strings()
                .into_iter()
                .flatten()
                .collect()
        } else {
            values
        };
        assert!(!values.is_empty(), "variable {name} has no value");
        vars.insert(name, values);
    }
    vars
}

/// `now-6M`, `now-90d` → epoch milliseconds.
fn relative(text: &str, now: i64) -> i64 {
    let Some(rest) = text.strip_prefix("now-") else {
        assert_eq!(text, "now");
        return now;
    };
    let (digits, unit) = rest.split_at(rest.len() - 1);
    let n: i64 = digits.parse().unwrap();
    now - n * match unit {
        "d" => DAY_MS,
        "M" => 30 * DAY_MS,
        "y" => 365 * DAY_MS,
        other => panic!("time unit {other}"),
    }
}

/// Runs a panel's targets as Grafana would (variables applied, the
/// dashboard's time range, `intervalMs` when given) and returns the frames.
async fn run_panel(
    plugin: &Plugin,
    dashboard: &Value,
    panel: &Value,
    vars: &Vars,
    interval_ms: Option<i64>,
) -> Vec<DecodedFrame> {
    let now = chrono::Utc::now().timestamp_millis();
    let range = pluginv2::TimeRange {
        from_epoch_ms: relative(dashboard["time"]["from"].as_str().unwrap(), now),
        to_epoch_ms: relative(dashboard["time"]["to"].as_str().unwrap(), now),
    };
    let mut queries = Vec::new();
    for target in panel["targets"].as_array().unwrap() {
        let mut json = substitute(target, vars);
        if let Some(ms) = interval_ms {
            json["intervalMs"] = json!(ms);
        }
        let mut q = data_query(target["refId"].as_str().unwrap(), &json);
        q.time_range = Some(range.clone());
        queries.push(q);
    }
    let refs: Vec<String> = queries.iter().map(|q| q.ref_id.clone()).collect();
    let responses = query_data(plugin, query_request(demo_context(Some("Viewer")), queries)).await;
    refs.iter().flat_map(|r| frames_of(&responses, r)).collect()
}

/// The unit Grafana shows for a field: a `byName` override, else the panel's
/// default, else the field's own config.
fn unit_of(panel: &Value, field: &DecodedField) -> Option<String> {
    let overrides = panel["fieldConfig"]["overrides"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for o in overrides {
        if o["matcher"]["id"] == "byName" && o["matcher"]["options"] == field.name.as_str() {
            for p in o["properties"].as_array().unwrap() {
                if p["id"] == "unit" {
                    return p["value"].as_str().map(str::to_string);
                }
            }
        }
    }
    panel["fieldConfig"]["defaults"]["unit"]
        .as_str()
        .map(str::to_string)
        .or_else(|| field.unit())
}

fn expected_unit(name: &str) -> &'static str {
    match name {
        "wh" | "wh_per_1k_tokens" => "watth",
        "gco2e" => "massg",
        "bt_score" => "none",
        other => panic!("no expected unit for {other}"),
    }
}

/// The field names a `filterFieldsByName` transformation keeps, if any.
fn kept_names(panel: &Value) -> Option<Vec<String>> {
    panel["transformations"]
        .as_array()?
        .iter()
        .find(|t| t["id"] == "filterFieldsByName")
        .map(|t| {
            t["options"]["include"]["names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect()
        })
}

#[tokio::test]
async fn trends_time_series_draw_one_labelled_series_per_model_with_units() {
    let plugin = Plugin::start();
    let board = dashboard("trends.json");
    let vars = variables(&plugin, &board).await;
    let selected: BTreeSet<String> = vars["model"].iter().cloned().collect();
    assert!(
        selected.contains(DEGRADED_MODEL),
        "default models {selected:?}"
    );
    let mut checked = 0;
    for panel in board["panels"].as_array().unwrap() {
        if panel["type"] != "timeseries" {
            continue;
        }
        checked += 1;
        let title = panel["title"].as_str().unwrap();
        let frames = run_panel(&plugin, &board, panel, &vars, None).await;
        let kept = kept_names(panel);
        let by_model = panel["fieldConfig"]["defaults"]["displayName"] == "${__field.labels.model}";
        let mut series = Vec::new();
        for frame in &frames {
            let time = frame.fields.iter().filter(|f| f.name == "time").count();
            assert_eq!(
                time,
                1,
                "{title}: one time field in {:?}",
                frame.field_names()
            );
            for field in frame.fields.iter().filter(|f| f.name != "time") {
                if kept.as_ref().is_some_and(|k| !k.contains(&field.name)) {
                    continue;
                }
                assert!(
                    field.is_numeric(),
                    "{title}: {} is {}",
                    field.name,
                    field.data_type
                );
                assert!(field.non_null() > 0, "{title}: {} has no value", field.name);
                assert_eq!(
                    unit_of(panel, field).as_deref(),
                    Some(expected_unit(&field.name)),
                    "{title}: unit of {}",
                    field.name
                );
                let model = field
                    .labels
                    .as_ref()
                    .and_then(|l| l["model"].as_str())
                    .map(str::to_string);
                series.push((field.name.clone(), model, field.numbers()));
            }
        }
        if let Some(kept) = &kept {
            for name in kept.iter().filter(|n| *n != "time") {
                assert!(
                    series.iter().any(|(n, _, _)| n == name),
                    "{title}: filterFieldsByName keeps {name:?}, which no frame has"
                );
            }
        }
        assert!(!series.is_empty(), "{title}: nothing to draw");
        if by_model {
            let models: BTreeSet<String> = series
                .iter()
                .map(|(name, model, _)| {
                    model
                        .clone()
                        .unwrap_or_else(|| panic!("{title}: {name} has no model label"))
                })
                .collect();
            assert_eq!(models.len(), series.len(), "{title}: one series per model");
            assert_eq!(models, selected, "{title}: the selected models");
        }
        if title.starts_with("BT score") {
            // The demo's change point: the degraded model's rolling score in
            // its last days against 40 days earlier (the window is 30 days).
            let (_, _, values) = series
                .iter()
                .find(|(_, m, _)| m.as_deref() == Some(DEGRADED_MODEL))
                .unwrap();
            let known: Vec<f64> = values.iter().flatten().copied().collect();
            assert!(known.len() > 100, "{title}: {} points", known.len());
            let last = known[known.len() - 1];
            let before = known[known.len() - 41];
            assert!(
                before - last > 50.0,
                "{title}: {DEGRADED_MODEL} went from {before:.1} to {last:.1}; the demo degrades it by 100 BT points"
            );
        }
    }
    assert_eq!(checked, 4, "time series panels of trends.json");
}

#[tokio::test]
async fn the_whole_range_stat_is_one_step_equal_to_the_sum_of_the_days() {
    let plugin = Plugin::start();
    let board = dashboard("trends.json");
    let vars = variables(&plugin, &board).await;
    let stat = panel(&board, 5);
    let interval = stat["interval"].as_str().unwrap();
    let interval_days: i64 = interval.strip_suffix('d').unwrap().parse().unwrap();
    assert!(interval_days >= 3650, "min interval {interval}");
    // Grafana's interval is at least the panel's min interval.
    let frames = run_panel(&plugin, &board, stat, &vars, Some(interval_days * DAY_MS)).await;
    assert_eq!(frames.len(), 1);
    let whole = &frames[0];
    assert_eq!(
        whole.rows,
        1,
        "one step over the range: {:?}",
        whole.field("time").values
    );
    let one = |name: &str| whole.field(name).numbers()[0].unwrap();

    // The same query day by day.
    let mut daily_target = stat["targets"][0].clone();
    daily_target["step"] = json!("day");
    let mut daily_panel = stat.clone();
    daily_panel["targets"] = json!([daily_target]);
    let frames = run_panel(&plugin, &board, &daily_panel, &vars, None).await;
    let daily = &frames[0];
    assert!(daily.rows > 150, "{} days", daily.rows);
    let sum = |name: &str| -> f64 { daily.field(name).numbers().iter().flatten().sum() };
    let priced = sum("output_tokens") - sum("tokens_without_energy");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(
        close(one("wh"), sum("wh")),
        "wh {} vs {}",
        one("wh"),
        sum("wh")
    );
    assert!(
        close(one("gco2e"), sum("gco2e")),
        "gco2e {} vs {}",
        one("gco2e"),
        sum("gco2e")
    );
    let mix = sum("wh") / priced * 1000.0;
    assert!(
        close(one("wh_per_1k_tokens"), mix),
        "mix Wh per 1000 tokens {} vs {mix}",
        one("wh_per_1k_tokens")
    );
    // Every field the stat shows has its unit.
    let pattern = stat["options"]["reduceOptions"]["fields"].as_str().unwrap();
    for name in ["wh", "gco2e", "wh_per_1k_tokens"] {
        // Grafana matches reduceOptions.fields against display names (the
        // render contract in src/render checks the match itself).
        let shown = stat["fieldConfig"]["overrides"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["matcher"]["options"] == name)
            .flat_map(|o| o["properties"].as_array().cloned().unwrap_or_default())
            .find(|p| p["id"] == "displayName")
            .and_then(|p| p["value"].as_str().map(str::to_string))
            .unwrap_or_else(|| name.to_string());
        let first_word = shown.split(' ').next().unwrap_or_default();
        assert!(pattern.contains(first_word), "{pattern} vs {shown}");
        assert_eq!(
            unit_of(stat, whole.field(name)).as_deref(),
            Some(expected_unit(name))
        );
    }
}

/// The colour a threshold list gives a value (Grafana: the last step whose
/// value is null or at most the value).
fn colour(thresholds: &Value, value: f64) -> String {
    let mut colour = String::new();
    for step in thresholds["steps"].as_array().unwrap() {
        if step["value"].is_null() || step["value"].as_f64().unwrap() <= value {
            colour = step["color"].as_str().unwrap().to_string();
        }
    }
    colour
}

#[tokio::test]
async fn regression_tables_hold_their_metric_and_colour_the_degraded_model_red() {
    let plugin = Plugin::start();
    let board = dashboard("regressions.json");
    let vars = variables(&plugin, &board).await;
    let mut red_for_degraded = Vec::new();
    for panel in board["panels"].as_array().unwrap() {
        if panel["type"] != "table" {
            continue;
        }
        let title = panel["title"].as_str().unwrap();
        let metric = panel["targets"][0]["metrics"][0].as_str().unwrap();
        let frames = run_panel(&plugin, &board, panel, &vars, None).await;
        assert_eq!(frames.len(), 1, "{title}");
        let frame = &frames[0];
        assert!(frame.rows > 0, "{title}: no rows");
        let metrics = frame.field("metric").strings();
        assert!(
            metrics.iter().all(|m| m.as_deref() == Some(metric)),
            "{title}: {metrics:?}"
        );
        let models = frame.field("model").strings();
        let values = frame.field("value").numbers();
        let thresholds = &panel["fieldConfig"]["defaults"]["thresholds"];
        let colours: Vec<(String, f64, String)> = models
            .iter()
            .zip(&values)
            .map(|(m, v)| {
                let v = v.unwrap();
                (m.clone().unwrap(), v, colour(thresholds, v))
            })
            .collect();
        if let Some((_, value, c)) = colours.iter().find(|(m, _, _)| m == DEGRADED_MODEL) {
            if c == "red" {
                red_for_degraded.push(metric.to_string());
            }
            if metric == "bt_z" {
                assert!(*value < -3.0, "{title}: {DEGRADED_MODEL} bt_z {value}");
                assert_eq!(c, "red", "{title}");
                let red = colours.iter().filter(|(_, _, c)| c == "red").count();
                assert!(red <= 3, "{title}: {red} red rows: {colours:?}");
            }
        }
    }
    assert_eq!(
        red_for_degraded,
        ["bt_z", "bt_delta", "rank_delta"],
        "tables where {DEGRADED_MODEL} is red"
    );

    // The count stat: bt_z rows below -3 after its filterByValue.
    let stat = panel(&board, 1);
    let filter = &stat["transformations"][0]["options"]["filters"][0];
    assert_eq!(filter["config"]["id"], "lower");
    let limit = filter["config"]["options"]["value"].as_f64().unwrap();
    assert_eq!(limit, -3.0);
    let frames = run_panel(&plugin, &board, stat, &vars, None).await;
    let frame = &frames[0];
    let below: Vec<String> = frame
        .field("model")
        .strings()
        .into_iter()
        .zip(frame.field("value").numbers())
        .filter(|(_, v)| v.unwrap() < limit)
        .map(|(m, _)| m.unwrap())
        .collect();
    assert!(
        below.iter().any(|m| m == DEGRADED_MODEL),
        "below -3: {below:?}"
    );
    assert_eq!(
        colour(
            &stat["fieldConfig"]["defaults"]["thresholds"],
            below.len() as f64
        ),
        "red"
    );
}
