//! The dashboard contract: every panel of every provisioned dashboard in
//! `dashboards/*.json`, with its variables set to their defaults, is sent to the
//! real `gpx_arenawatt` through the protocol harness, and every field the panel
//! maps must exist in the returned frames with the right type and hold values
//! on the demo data:
//!
//! - xychart: each series' x, y, colour and size, in the frame its
//!   `frame` matcher picks, after the panel's `filterByValue` transformations
//!   (so the "selected model" and "Pareto frontier" series are not empty);
//! - table: every column named by an override, `organize` or `sortBy`;
//! - stat: the fields of `reduceOptions.fields`, with a non-null value;
//! - timeseries: a time field and numeric series;
//! - every panel: `pluginVersion` ≥ 11.1, and every `byName` override names a
//!   real field.
//!
//! Variables set to "All" take their custom `allValue` when they have one
//! (Grafana sends it as it is), otherwise every value their own `variable` query lists,
//! as Grafana does.

use crate::support::plugin;

use std::collections::HashMap;
use std::path::PathBuf;

use grafana_plugin_sdk::pluginv2;
use plugin::*;
use serde_json::{json, Value};

const DATASOURCE_UID: &str = "arenawatt";

fn dashboards() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            value,
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Panels, including those nested in rows.
fn panels(dashboard: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().cloned().unwrap_or_default() {
        if let Some(inner) = panel["panels"].as_array() {
            out.extend(inner.iter().cloned());
        }
        out.push(panel);
    }
    out
}

fn version_at_least(version: &str, major: u64, minor: u64) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (a, b) >= (major, minor)
}

/// A variable's default values; "All" is resolved later.
#[derive(Debug, Clone)]
enum Default_ {
    Values(Vec<String>),
    All,
}

fn as_strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
        Value::String(s) => vec![s.clone()],
        Value::Null => vec![],
        other => vec![other.to_string()],
    }
}

fn variable_defaults(dashboard: &Value) -> Vec<(String, Default_, Value)> {
    let mut out = Vec::new();
    for var in dashboard["templating"]["list"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let name = var["name"].as_str().unwrap_or_default().to_string();
        let values = as_strings(&var["current"]["value"]);
        let default = if values.iter().any(|v| v == "$__all") {
            Default_::All
        } else if values.is_empty() {
            // No current value: Grafana takes the first option.
            let first = var["options"]
                .as_array()
                .and_then(|o| o.first())
                .map(|o| as_strings(&o["value"]));
            match (first, var["type"].as_str()) {
                (Some(v), _) => Default_::Values(v),
                (None, Some("custom")) => Default_::Values(
                    var["query"]
                        .as_str()
                        .unwrap_or_default()
                        .split(',')
                        .take(1)
                        .map(|s| s.trim().to_string())
                        .collect(),
                ),
                _ => Default_::Values(vec![]),
            }
        } else {
            Default_::Values(values)
        };
        out.push((name, default, var));
    }
    out
}

/// Replaces `$name`, `${name}` and `${name:format}` in every string; a list
/// item that is exactly one multi-value variable becomes one item per value.
fn substitute(value: &Value, vars: &HashMap<String, Vec<String>>) -> Value {
    match value {
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                if let Value::String(s) = item {
                    if let Some(values) = whole_variable(s, vars) {
                        out.extend(values.iter().cloned().map(Value::String));
                        continue;
                    }
                }
                out.push(substitute(item, vars));
            }
            Value::Array(out)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars)))
                .collect(),
        ),
        Value::String(s) => Value::String(replace_text(s, vars)),
        other => other.clone(),
    }
}

fn variable_name(text: &str) -> Option<&str> {
    let inner = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .map(|t| t.split(':').next().unwrap_or(t));
    inner.or_else(|| text.strip_prefix('$'))
}

fn whole_variable<'a>(
    text: &str,
    vars: &'a HashMap<String, Vec<String>>,
) -> Option<&'a Vec<String>> {
    variable_name(text).and_then(|name| vars.get(name))
}

fn replace_text(text: &str, vars: &HashMap<String, Vec<String>>) -> String {
    let mut out = text.to_string();
    // Longest names first, so `$model` does not eat `$models`.
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        let joined = vars[name].join(",");
        for pattern in [format!("${{{name}}}"), format!("${name}")] {
            out = out.replace(&pattern, &joined);
        }
    }
    out
}

fn uses_arenawatt(panel: &Value, target: &Value) -> bool {
    let ds = if target["datasource"].is_object() {
        &target["datasource"]
    } else {
        &panel["datasource"]
    };
    ds["uid"] == DATASOURCE_UID || ds["type"] == "arenawatt-energy-datasource"
}

/// Milliseconds for Grafana's relative times (`now`, `now-6M`, `now-7d`, ...).
fn relative_time(text: &str, now: i64) -> i64 {
    let Some(rest) = text.strip_prefix("now") else {
        return text.parse().unwrap_or(now);
    };
    let rest = rest.split('/').next().unwrap_or_default();
    let Some(amount) = rest.strip_prefix('-') else {
        return now;
    };
    let (digits, unit): (String, String) = amount.chars().partition(|c| c.is_ascii_digit());
    let n: i64 = digits.parse().unwrap_or(0);
    let unit_ms: i64 = match unit.as_str() {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" => 30 * 86_400_000,
        "y" => 365 * 86_400_000,
        _ => 86_400_000,
    };
    now - n * unit_ms
}

/// What went wrong in one panel, for a report listing every problem at once.
struct Problems {
    list: Vec<String>,
}

impl Problems {
    fn check(&mut self, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.list.push(message());
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Want {
    Number,
    NumberOrText,
    Any,
}

/// Checks a field exists in `frame`, has the right type and a non-null value.
fn check_field(problems: &mut Problems, at: &str, frame: &FrameView, name: &str, want: Want) {
    let Some(field) = frame.frame.try_field(name) else {
        problems.list.push(format!(
            "{at}: no field {name:?} in frame {:?} (fields: {:?})",
            frame.frame.name,
            frame.frame.field_names()
        ));
        return;
    };
    let type_ok = match want {
        Want::Number => field.is_numeric(),
        Want::NumberOrText => field.is_numeric() || field.strings_opt().is_some(),
        Want::Any => true,
    };
    problems.check(type_ok, || {
        format!(
            "{at}: field {name:?} is {} (want {want:?})",
            field.data_type
        )
    });
    let values = frame
        .rows
        .iter()
        .filter(|&&row| !field.values.is_null(row))
        .count();
    problems.check(values > 0, || {
        format!(
            "{at}: field {name:?} has no value in frame {:?} ({} rows)",
            frame.frame.name,
            frame.rows.len()
        )
    });
}

/// A frame with the rows left by the panel's `filterByValue` transformations.
struct FrameView {
    frame: DecodedFrame,
    rows: Vec<usize>,
    /// Whether its query filtered on a slice (a category, language or
    /// country other than "*", which means all).
    sliced: bool,
}

/// Fields that have values only when the query is sliced (issue #14).
const SLICE_ONLY_FIELDS: [&str; 2] = ["rank_overall", "rank_delta"];

fn is_sliced(target: &Value) -> bool {
    ["categories", "languages", "countries"].iter().any(|key| {
        as_strings(&target[*key])
            .iter()
            .any(|v| !v.is_empty() && v != "*")
    })
}

fn apply_filters(
    frames: &mut [FrameView],
    transformations: &[Value],
    problems: &mut Problems,
    at: &str,
) {
    for t in transformations {
        let id = t["id"].as_str().unwrap_or_default();
        let ref_filter = (t["filter"]["id"] == "byRefId")
            .then(|| t["filter"]["options"].as_str().unwrap_or_default());
        for view in frames.iter_mut() {
            if ref_filter.is_some_and(|r| r != view.frame.ref_id) {
                continue;
            }
            match id {
                "filterByValue" => {
                    let include = t["options"]["type"] != "exclude";
                    let filters = t["options"]["filters"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    for f in &filters {
                        let name = f["fieldName"].as_str().unwrap_or_default();
                        let Some(field) = view.frame.try_field(name) else {
                            problems.list.push(format!(
                                "{at}: filterByValue names {name:?}, not a field of {:?}",
                                view.frame.name
                            ));
                            continue;
                        };
                        if f["config"]["id"] != "equal" {
                            continue;
                        }
                        let wanted = &f["config"]["options"]["value"];
                        let matches: Vec<bool> = if let Some(bools) = field.bools_opt() {
                            bools
                                .iter()
                                .map(|b| b.map(Value::Bool).as_ref() == Some(wanted))
                                .collect()
                        } else if let Some(strings) = field.strings_opt() {
                            strings
                                .iter()
                                .map(|s| s.as_deref().map(Value::from).as_ref() == Some(wanted))
                                .collect()
                        } else {
                            field
                                .numbers()
                                .iter()
                                .map(|n| n.is_some_and(|n| Some(n) == wanted.as_f64()))
                                .collect()
                        };
                        view.rows.retain(|&r| matches[r] == include);
                    }
                }
                "organize" | "sortBy" => {
                    let names: Vec<String> = match id {
                        "organize" => [
                            "excludeByName",
                            "indexByName",
                            "renameByName",
                            "includeByName",
                        ]
                        .iter()
                        .flat_map(|k| {
                            t["options"][k]
                                .as_object()
                                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                                .unwrap_or_default()
                        })
                        .collect(),
                        _ => t["options"]["sort"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|s| s["field"].as_str().map(str::to_string))
                            .collect(),
                    };
                    for name in names {
                        problems.check(view.frame.try_field(&name).is_some(), || {
                            format!(
                                "{at}: {id} names {name:?}, not a field of {:?} ({:?})",
                                view.frame.name,
                                view.frame.field_names()
                            )
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

/// Names a stat panel's `reduceOptions.fields` pattern asks for, when it is a
/// plain list (`/^(a|b)$/` or `/^a$/`).
fn stat_field_names(pattern: &str) -> Option<Vec<String>> {
    let body = pattern.strip_prefix('/')?.strip_suffix('/')?;
    let body = body.strip_prefix('^')?.strip_suffix('$')?;
    let body = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .unwrap_or(body);
    let names: Vec<String> = body.split('|').map(str::to_string).collect();
    names
        .iter()
        .all(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(names)
}

fn frame_by_matcher<'a>(views: &'a [FrameView], matcher: &Value) -> Option<&'a FrameView> {
    match matcher["id"].as_str() {
        Some("byIndex") => views.get(matcher["options"].as_u64().unwrap_or(0) as usize),
        Some("byFrameRefID") => views
            .iter()
            .find(|v| v.frame.ref_id == matcher["options"].as_str().unwrap_or_default()),
        _ => views.first(),
    }
}

/// The `subset` values that choose one architecture's rows.
const ARCHITECTURE_SUBSETS: &[&str] = &["dense", "moe", "matformer", "unknown"];

/// The `subset` key of the panel's target with this refId ("all" when unset).
fn subset_of(panel: &Value, ref_id: &str) -> String {
    panel["targets"]
        .as_array()
        .and_then(|targets| targets.iter().find(|t| t["refId"] == ref_id))
        .and_then(|t| t["subset"].as_str())
        .unwrap_or("all")
        .to_string()
}

fn check_panel(problems: &mut Problems, at: &str, panel: &Value, views: &[FrameView]) {
    let kind = panel["type"].as_str().unwrap_or_default();
    // Overrides by name must name real fields.
    for o in panel["fieldConfig"]["overrides"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        if o["matcher"]["id"] == "byName" {
            let name = o["matcher"]["options"].as_str().unwrap_or_default();
            problems.check(
                views.iter().any(|v| v.frame.try_field(name).is_some()),
                || format!("{at}: override names {name:?}, which no frame has"),
            );
        }
    }
    match kind {
        "xychart" => {
            let series = panel["options"]["series"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            problems.check(!series.is_empty(), || {
                format!("{at}: xychart without series")
            });
            for (i, s) in series.iter().enumerate() {
                let Some(view) = frame_by_matcher(views, &s["frame"]["matcher"]) else {
                    problems.list.push(format!(
                        "{at}: series {i} picks frame {}, which does not exist ({} frames)",
                        s["frame"],
                        views.len()
                    ));
                    continue;
                };
                // One series per architecture: an architecture the data lacks
                // (no `unknown` model in the demo) draws nothing, and says so
                // with an empty frame.
                let subset = subset_of(panel, &view.frame.ref_id);
                if view.rows.is_empty() && ARCHITECTURE_SUBSETS.contains(&subset.as_str()) {
                    continue;
                }
                for dim in ["x", "y", "color", "size"] {
                    let matcher = &s[dim]["matcher"];
                    if matcher["id"] == "byName" {
                        let name = matcher["options"].as_str().unwrap_or_default();
                        if name == "point_size" && view.frame.try_field(name).is_none() {
                            // Sent only when the points hold two size classes
                            // or more (pkg/frames: a constant size draws nothing).
                            let classes: std::collections::BTreeSet<String> = view
                                .frame
                                .field("size_rank")
                                .numbers()
                                .iter()
                                .map(|v| format!("{v:?}"))
                                .collect();
                            problems.check(classes.len() < 2, || {
                                format!("{at} series {i} size: no point_size although the frame holds {} size classes", classes.len())
                            });
                            continue;
                        }
                        check_field(
                            problems,
                            &format!("{at} series {i} {dim}"),
                            view,
                            name,
                            Want::Number,
                        );
                    }
                }
            }
        }
        "stat" | "gauge" | "bargauge" => {
            let pattern = panel["options"]["reduceOptions"]["fields"]
                .as_str()
                .unwrap_or_default();
            let view = views.first();
            match (stat_field_names(pattern), view) {
                (_, None) => problems.list.push(format!("{at}: no frame")),
                (Some(names), Some(view)) => {
                    for name in names {
                        check_field(problems, at, view, &name, Want::NumberOrText);
                    }
                }
                (None, Some(view)) => {
                    let numeric = view.frame.fields.iter().filter(|f| f.is_numeric()).count();
                    problems.check(numeric > 0 && !view.rows.is_empty(), || {
                        format!("{at}: no numeric value for pattern {pattern:?}")
                    });
                }
            }
        }
        "table" => {
            problems.check(views.iter().any(|v| !v.rows.is_empty()), || {
                format!("{at}: the table has no rows")
            });
            for o in panel["fieldConfig"]["overrides"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                if o["matcher"]["id"] == "byName" {
                    let name = o["matcher"]["options"].as_str().unwrap_or_default();
                    let Some(view) = views.iter().find(|v| v.frame.try_field(name).is_some())
                    else {
                        continue;
                    };
                    if SLICE_ONLY_FIELDS.contains(&name) && !view.sliced {
                        // Unsliced, the rank change is empty ("–" in the table).
                        let field = view.frame.field(name);
                        let shown = view
                            .rows
                            .iter()
                            .filter(|&&r| !field.values.is_null(r))
                            .count();
                        problems.check(shown == 0, || {
                            format!("{at} column: {name} has {shown} values without a slice filter")
                        });
                    } else {
                        check_field(problems, &format!("{at} column"), view, name, Want::Any);
                    }
                }
            }
        }
        "timeseries" | "barchart" => {
            for view in views {
                let has_time =
                    view.frame.fields.iter().any(|f| {
                        matches!(f.data_type, arrow::datatypes::DataType::Timestamp(_, _))
                    });
                let numbers = view
                    .frame
                    .fields
                    .iter()
                    .filter(|f| f.is_numeric() && f.non_null() > 0)
                    .count();
                problems.check(kind != "timeseries" || has_time, || {
                    format!("{at}: frame {:?} has no time field", view.frame.name)
                });
                problems.check(numbers > 0, || {
                    format!("{at}: frame {:?} has no numeric values", view.frame.name)
                });
            }
        }
        _ => {
            problems.check(views.iter().all(|v| !v.rows.is_empty()), || {
                format!("{at}: empty frame")
            });
        }
    }
}

/// Runs every panel of one dashboard; returns (panels checked, problems).
async fn check_dashboard(plugin: &Plugin, file: &str, dashboard: &Value) -> (usize, Vec<String>) {
    let context = demo_context(Some("Viewer"));
    let now = chrono::Utc::now().timestamp_millis();
    let mut problems = Problems { list: Vec::new() };
    let mut checked_panels = 0;
    // Variables: defaults, with "All" resolved by the variable's own query.
    let mut vars: HashMap<String, Vec<String>> = HashMap::new();
    for (name, default, var) in variable_defaults(dashboard) {
        let values = match default {
            Default_::Values(v) => v,
            // A custom "All" value is sent as it is (Grafana does not expand it).
            Default_::All if var["allValue"].is_string() => {
                vec![var["allValue"].as_str().unwrap_or_default().to_string()]
            }
            Default_::All => {
                let query = substitute(&var["query"], &vars);
                let responses = query_data(
                    plugin,
                    query_request(context.clone(), vec![data_query("V", &query)]),
                )
                .await;
                let r = &responses["V"];
                problems.check(r.error.is_empty(), || {
                    format!("{file}: variable {name}: {}", r.error)
                });
                r.frames
                    .first()
                    .map(|f| {
                        decode_frame(f)
                            .field("value")
                            .strings()
                            .into_iter()
                            .flatten()
                            .collect()
                    })
                    .unwrap_or_default()
            }
        };
        vars.insert(name, values);
    }
    let from = relative_time(dashboard["time"]["from"].as_str().unwrap_or("now-6M"), now);
    let to = relative_time(dashboard["time"]["to"].as_str().unwrap_or("now"), now);
    for panel in panels(dashboard) {
        let title = panel["title"].as_str().unwrap_or_default();
        let at = format!("{file} / {title:?}");
        let kind = panel["type"].as_str().unwrap_or_default();
        if kind == "row" {
            continue;
        }
        let version = panel["pluginVersion"].as_str().unwrap_or_default();
        problems.check(version_at_least(version, 11, 1), || {
            format!("{at}: pluginVersion {version:?} < 11.1")
        });
        let targets: Vec<Value> = panel["targets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| uses_arenawatt(&panel, t) && t["hide"] != true)
            .collect();
        if targets.is_empty() {
            continue;
        }
        checked_panels += 1;
        let queries: Vec<pluginv2::DataQuery> = targets
            .iter()
            .map(|t| {
                let json = substitute(t, &vars);
                let mut q = data_query(t["refId"].as_str().unwrap_or("A"), &json);
                q.time_range = Some(pluginv2::TimeRange {
                    from_epoch_ms: from,
                    to_epoch_ms: to,
                });
                q
            })
            .collect();
        let responses = query_data(plugin, query_request(context.clone(), queries)).await;
        let mut views = Vec::new();
        for t in &targets {
            let ref_id = t["refId"].as_str().unwrap_or("A");
            let r = &responses[ref_id];
            if !r.error.is_empty() {
                problems.list.push(format!(
                    "{at} {ref_id}: query failed ({}): {} — query {}",
                    r.status,
                    r.error,
                    substitute(t, &vars)
                ));
                continue;
            }
            // A slice-scores row is a slice of its own.
            let sliced = t["queryType"] == "slice-scores" || is_sliced(&substitute(t, &vars));
            for bytes in &r.frames {
                let frame = decode_frame(bytes);
                let rows = (0..frame.rows).collect();
                views.push(FrameView {
                    frame,
                    rows,
                    sliced,
                });
            }
        }
        let transformations = panel["transformations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        apply_filters(&mut views, &transformations, &mut problems, &at);
        check_panel(&mut problems, &at, &panel, &views);
    }
    (checked_panels, problems.list)
}

#[tokio::test]
async fn every_panel_gets_the_fields_it_maps() {
    let all = dashboards();
    assert!(!all.is_empty(), "no dashboards in dashboards/");
    let plugin = Plugin::start();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (file, dashboard) in &all {
        let (panels, found) = check_dashboard(&plugin, file, dashboard).await;
        assert!(
            panels > 0,
            "{file}: no panel queries the arenawatt data source"
        );
        checked += panels;
        problems.extend(found);
    }
    assert!(
        problems.is_empty(),
        "{} problems in the dashboards:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!(
        "{checked} panels checked: {}",
        json!(all.iter().map(|(f, _)| f).collect::<Vec<_>>())
    );
}

/// The contract must be able to fail: a dashboard that maps fields the
/// plugin does not return, selects a model that does not exist, or is too old.
#[tokio::test]
async fn the_contract_catches_broken_panels() {
    let plugin = Plugin::start();
    let ds = json!({"type": "arenawatt-energy-datasource", "uid": "arenawatt"});
    let dashboard = json!({
        "time": {"from": "now-1y", "to": "now"},
        "templating": {"list": [
            {"name": "model", "type": "custom", "current": {"value": "no-such-model"}, "query": "no-such-model"}
        ]},
        "panels": [
            {"type": "xychart", "title": "xy", "pluginVersion": "11.1.0", "datasource": ds,
             "targets": [{"refId": "A", "queryType": "scatter", "selected": ["$model"]}],
             "transformations": [{"id": "filterByValue", "filter": {"id": "byRefId", "options": "A"},
                "options": {"type": "include", "filters": [{"fieldName": "selected", "config": {"id": "equal", "options": {"value": true}}}]}}],
             "options": {"series": [{"frame": {"matcher": {"id": "byIndex", "options": 0}},
                "x": {"matcher": {"id": "byName", "options": "wh_per_1k_tokens"}},
                "y": {"matcher": {"id": "byName", "options": "bt_scoore"}}}]}},
            {"type": "stat", "title": "stat", "pluginVersion": "10.4.0", "datasource": ds,
             "targets": [{"refId": "A", "queryType": "leaderboard"}],
             "options": {"reduceOptions": {"fields": "/^(bt_score|kwh)$/"}}},
            {"type": "table", "title": "table", "pluginVersion": "11.1.0", "datasource": ds,
             "targets": [{"refId": "A", "queryType": "pie"}]}
        ]
    });
    let (panels, problems) = check_dashboard(&plugin, "broken.json", &dashboard).await;
    assert_eq!(panels, 3);
    let all = problems.join("\n");
    for expected in [
        "series 0 x: field \"wh_per_1k_tokens\" has no value",
        "no field \"bt_scoore\"",
        "no field \"kwh\"",
        "pluginVersion \"10.4.0\" < 11.1",
        "query failed (400)",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
}
