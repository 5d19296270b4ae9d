//! The provisioned alert rule (`provisioning/alerting/arenawatt-regressions.yaml`)
//! against the real plugin, the way Grafana's alert engine would run it.
//!
//! The rule file is read with a small YAML reader (below: block mappings and
//! sequences, plain and quoted scalars, comments; anything else is an error
//! naming the line), checked against Grafana's file-provisioning format for
//! alert rules, and its arenawatt query (refId A) is sent to `gpx_arenawatt`
//! over the plugin protocol with the `FromAlert: true` header and the time
//! range its `relativeTimeRange` gives. The answer must have the shape
//! Grafana's alerting reads as a set of numbers: exactly one frame, one numeric
//! field, every other field a string, no time field, one distinct label set per
//! row. The rule's own expressions (reduce, then threshold) are then applied to
//! those numbers: on the demo data, the simulated degraded model must fire.

use crate::support::plugin;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use arenawatt::sim::demo::DEGRADED_MODEL;
use grafana_plugin_sdk::pluginv2;
use plugin::*;
use serde_json::Value;

/// Reads a provisioning file with a YAML 1.2 parser (yaml-rust2) into JSON
/// values, so the checks below read Grafana's files as Grafana does. Errors
/// name the line.
fn parse_yaml(source: &str) -> Result<Value, String> {
    let documents = yaml_rust2::YamlLoader::load_from_str(source).map_err(|e| e.to_string())?;
    match documents.as_slice() {
        [one] => yaml_to_json(one),
        other => Err(format!("expected one YAML document, found {}", other.len())),
    }
}

fn yaml_to_json(yaml: &yaml_rust2::Yaml) -> Result<Value, String> {
    use yaml_rust2::Yaml;
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{text:?} is not a finite number"))?,
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => {
            Value::Array(items.iter().map(yaml_to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Hash(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => return Err(format!("unsupported mapping key {other:?}")),
                };
                out.insert(key, yaml_to_json(value)?);
            }
            Value::Object(out)
        }
        other => return Err(format!("unsupported YAML node {other:?}")),
    })
}

fn rule_file() -> (PathBuf, Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("provisioning/alerting/arenawatt-regressions.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = parse_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, value)
}

fn text<'a>(value: &'a Value, key: &str, at: &str) -> &'a str {
    value[key]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "{at}: `{key}` must be a non-empty string, got {}",
                value[key]
            )
        })
}

/// The one rule of the file, after checking the file-provisioning format.
fn checked_rule(file: &Value) -> Value {
    assert_eq!(file["apiVersion"], 1, "apiVersion");
    let groups = file["groups"].as_array().expect("`groups` is a list");
    assert_eq!(groups.len(), 1, "one rule group");
    let group = &groups[0];
    text(group, "name", "group");
    text(group, "folder", "group");
    let interval = text(group, "interval", "group");
    assert!(is_duration(interval), "group interval {interval:?}");
    let rules = group["rules"].as_array().expect("`rules` is a list");
    assert_eq!(rules.len(), 1, "one rule");
    let rule = &rules[0];
    for key in [
        "uid",
        "title",
        "condition",
        "noDataState",
        "execErrState",
        "for",
    ] {
        text(rule, key, "rule");
    }
    assert!(is_duration(text(rule, "for", "rule")));
    assert!(
        ["NoData", "Alerting", "OK", "KeepLast"].contains(&text(rule, "noDataState", "rule")),
        "noDataState {}",
        rule["noDataState"]
    );
    assert!(
        ["Error", "Alerting", "OK", "KeepLast"].contains(&text(rule, "execErrState", "rule")),
        "execErrState {}",
        rule["execErrState"]
    );
    assert!(rule["labels"].is_object() && rule["annotations"].is_object());
    for (k, v) in rule["labels"]
        .as_object()
        .unwrap()
        .iter()
        .chain(rule["annotations"].as_object().unwrap())
    {
        assert!(
            v.is_string(),
            "label/annotation {k} must be a string, got {v}"
        );
    }
    let data = rule["data"].as_array().expect("`data` is a list");
    let ref_ids: Vec<&str> = data.iter().map(|d| text(d, "refId", "data item")).collect();
    assert_eq!(
        ref_ids.iter().collect::<HashSet<_>>().len(),
        ref_ids.len(),
        "refIds are unique: {ref_ids:?}"
    );
    assert!(
        ref_ids.contains(&text(rule, "condition", "rule")),
        "the condition names a refId"
    );
    for item in data {
        let at = format!("data {}", item["refId"]);
        text(item, "datasourceUid", &at);
        assert!(item["model"].is_object(), "{at}: model is a mapping");
        assert_eq!(item["model"]["refId"], item["refId"], "{at}: model.refId");
        if item["datasourceUid"] == "__expr__" {
            let kind = text(&item["model"], "type", &at);
            assert!([
                "reduce",
                "threshold",
                "math",
                "resample",
                "classic_conditions"
            ]
            .contains(&kind));
            let input = text(&item["model"], "expression", &at);
            assert!(
                ref_ids.contains(&input),
                "{at}: expression {input:?} is not a refId"
            );
            assert_eq!(item["model"]["datasource"]["uid"], "__expr__", "{at}");
        } else {
            let range = &item["relativeTimeRange"];
            let (from, to) = (range["from"].as_i64(), range["to"].as_i64());
            assert!(
                matches!((from, to), (Some(f), Some(t)) if f > t && t >= 0),
                "{at}: relativeTimeRange needs from > to >= 0 seconds, got {range}"
            );
        }
    }
    rule.clone()
}

fn is_duration(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && ["s", "m", "h", "d"].contains(&&text[digits.len()..])
}

fn data_item<'a>(rule: &'a Value, ref_id: &str) -> &'a Value {
    rule["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["refId"] == ref_id)
        .unwrap_or_else(|| panic!("no data item {ref_id}"))
}

/// One alert instance candidate: Grafana's labels (the string fields) and number.
#[derive(Debug, Clone, PartialEq)]
struct Instance {
    labels: BTreeMap<String, String>,
    value: Option<f64>,
}

/// Reads the frames of one query the way Grafana's expression engine does for
/// a table: exactly one frame, one numeric field, the others strings.
fn number_set(frames: &[DecodedFrame]) -> Vec<Instance> {
    assert_eq!(
        frames.len(),
        1,
        "alerting reads a table only from a single frame"
    );
    let frame = &frames[0];
    let numeric: Vec<&DecodedField> = frame.fields.iter().filter(|f| f.is_numeric()).collect();
    let strings: Vec<&DecodedField> = frame
        .fields
        .iter()
        .filter(|f| f.strings_opt().is_some())
        .collect();
    assert_eq!(
        numeric.len(),
        1,
        "exactly one numeric field (fields: {:?})",
        frame.field_names()
    );
    assert_eq!(
        numeric.len() + strings.len(),
        frame.fields.len(),
        "every other field is a string, none is a time or boolean (fields: {:?})",
        frame
            .fields
            .iter()
            .map(|f| format!("{} {}", f.name, f.data_type))
            .collect::<Vec<_>>()
    );
    let values = numeric[0].numbers();
    let columns: Vec<(String, Vec<Option<String>>)> = strings
        .iter()
        .map(|f| (f.name.clone(), f.strings()))
        .collect();
    (0..frame.rows)
        .map(|row| Instance {
            labels: columns
                .iter()
                .map(|(name, column)| (name.clone(), column[row].clone().unwrap_or_default()))
                .collect(),
            value: values[row],
        })
        .collect()
}

/// Applies the rule's expressions (reduce and threshold) to refId A's numbers.
fn evaluate(rule: &Value, numbers: &[Instance]) -> Vec<(Instance, bool)> {
    let condition = text(rule, "condition", "rule").to_string();
    let mut results: HashMap<String, Vec<(Instance, Option<f64>)>> = HashMap::new();
    results.insert(
        "A".into(),
        numbers.iter().map(|n| (n.clone(), n.value)).collect(),
    );
    // Expressions in file order; each reads an earlier result.
    for item in rule["data"].as_array().unwrap() {
        if item["datasourceUid"] != "__expr__" {
            continue;
        }
        let model = &item["model"];
        let input = results[text(model, "expression", "expression")].clone();
        let output: Vec<(Instance, Option<f64>)> = match text(model, "type", "expression") {
            // A number reduces to itself; dropNN drops what is not a number.
            "reduce" => {
                let drop = model["settings"]["mode"] == "dropNN";
                input
                    .into_iter()
                    .filter(|(_, v)| !drop || v.is_some_and(f64::is_finite))
                    .collect()
            }
            "threshold" => {
                let evaluator = &model["conditions"][0]["evaluator"];
                let limit = evaluator["params"][0]
                    .as_f64()
                    .expect("threshold parameter");
                let kind = evaluator["type"].as_str().unwrap_or_default().to_string();
                input
                    .into_iter()
                    .map(|(n, v)| {
                        let fired = v.map(|v| match kind.as_str() {
                            "lt" => v < limit,
                            "gt" => v > limit,
                            other => panic!("threshold type {other} not modelled here"),
                        });
                        (n, fired.map(|f| if f { 1.0 } else { 0.0 }))
                    })
                    .collect()
            }
            other => panic!("expression type {other} not modelled here"),
        };
        results.insert(text(item, "refId", "expression").to_string(), output);
    }
    results[&condition]
        .iter()
        .map(|(n, v)| (n.clone(), *v == Some(1.0)))
        .collect()
}

fn alert_request(rule: &Value, headers: &[(&str, &str)]) -> pluginv2::QueryDataRequest {
    let query = data_item(rule, "A");
    let now = chrono::Utc::now().timestamp_millis();
    let range = &query["relativeTimeRange"];
    let seconds = |key: &str| range[key].as_i64().unwrap_or(0) * 1000;
    let mut q = raw_query(
        "A",
        serde_json::to_vec(&query["model"]).unwrap(),
        query["queryType"].as_str().unwrap_or_default(),
    );
    // What Grafana's alert engine sends: the rule's range, its defaults for
    // interval and data points.
    q.time_range = Some(pluginv2::TimeRange {
        from_epoch_ms: now - seconds("from"),
        to_epoch_ms: now - seconds("to"),
    });
    q.interval_ms = 1000;
    q.max_data_points = 43_200;
    let mut request = query_request(demo_context(None), vec![q]);
    request.headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    request
}

#[test]
fn the_rule_file_follows_the_provisioning_format_and_queries_arenawatt_for_bt_z() {
    let (path, file) = rule_file();
    let rule = checked_rule(&file);
    let query = data_item(&rule, "A");
    assert_eq!(query["datasourceUid"], "arenawatt", "{}", path.display());
    assert_eq!(query["model"]["datasource"]["uid"], "arenawatt");
    assert_eq!(
        query["model"]["datasource"]["type"],
        "arenawatt-energy-datasource"
    );
    assert_eq!(query["model"]["queryType"], "regression");
    assert_eq!(
        query["model"]["metrics"],
        serde_json::json!(["bt_z"]),
        "the threshold applies to every row: the query must ask for bt_z alone"
    );
    // The condition is `bt_z < -3`.
    let condition = data_item(&rule, rule["condition"].as_str().unwrap());
    assert_eq!(condition["model"]["type"], "threshold");
    let evaluator = &condition["model"]["conditions"][0]["evaluator"];
    assert_eq!(evaluator["type"], "lt", "{evaluator}");
    assert_eq!(evaluator["params"][0].as_f64(), Some(-3.0), "{evaluator}");
}

fn yaml_file(relative: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn grafana_loads_the_rule_next_to_the_provisioned_data_source_and_dashboards() {
    let (_, file) = rule_file();
    let rule = checked_rule(&file);
    let group = &file["groups"][0];
    // The data source the rule queries is the provisioned one.
    let datasources = yaml_file("provisioning/datasources/arenawatt.yaml");
    let uid = &data_item(&rule, "A")["datasourceUid"];
    let provisioned = datasources["datasources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| &d["uid"] == uid)
        .unwrap_or_else(|| panic!("no provisioned data source with uid {uid}"));
    assert_eq!(provisioned["type"], "arenawatt-energy-datasource");
    // The rule's folder is the dashboards' folder.
    let dashboards = yaml_file("provisioning/dashboards/arenawatt.yaml");
    assert_eq!(dashboards["providers"][0]["folder"], group["folder"]);
    // docker-compose.yaml mounts provisioning/ where Grafana reads it, so
    // provisioning/alerting/ is loaded too.
    let compose = yaml_file("docker-compose.yaml");
    let volumes = compose["services"]["grafana"]["volumes"]
        .as_array()
        .unwrap();
    assert!(
        volumes.iter().any(|v| v
            .as_str()
            .is_some_and(|v| v.starts_with("./provisioning:/etc/grafana/provisioning"))),
        "volumes: {volumes:?}"
    );
}

#[tokio::test]
async fn the_alert_query_returns_a_number_table_and_fires_for_the_degraded_model() {
    let (_, file) = rule_file();
    let rule = checked_rule(&file);
    let plugin = Plugin::start();
    let responses = query_data(&plugin, alert_request(&rule, &[("FromAlert", "true")])).await;
    let frames = frames_of(&responses, "A");
    let numbers = number_set(&frames);
    let seen = || {
        numbers
            .iter()
            .map(|n| format!("{:?} {:?}", n.labels, n.value))
            .collect::<Vec<_>>()
            .join("\n")
    };

    // One alert instance per row: label sets must be distinct.
    let label_sets: HashSet<_> = numbers.iter().map(|n| n.labels.clone()).collect();
    assert_eq!(
        label_sets.len(),
        numbers.len(),
        "duplicate label sets:\n{}",
        seen()
    );
    assert!(
        numbers.len() >= 20,
        "bt_z for every model of the demo:\n{}",
        seen()
    );
    for n in &numbers {
        assert_eq!(
            n.labels.get("metric").map(String::as_str),
            Some("bt_z"),
            "{n:?}"
        );
        assert!(
            n.labels.get("model").is_some_and(|m| !m.is_empty()),
            "{n:?}"
        );
        assert!(n.labels.contains_key("organization"), "{n:?}");
        assert!(n.value.is_some_and(f64::is_finite), "{n:?}");
    }

    let evaluated = evaluate(&rule, &numbers);
    let firing: Vec<&Instance> = evaluated
        .iter()
        .filter(|(_, f)| *f)
        .map(|(n, _)| n)
        .collect();
    let degraded = firing
        .iter()
        .find(|n| n.labels["model"] == DEGRADED_MODEL)
        .unwrap_or_else(|| {
            panic!(
                "{DEGRADED_MODEL} does not fire; bt_z per model:\n{}",
                seen()
            )
        });
    assert!(degraded.value.unwrap() < -3.0);
    // A steady model has bt_z < -3 with probability Φ(-3) ≈ 0.00135. With the
    // demo's ~90 models, 0.12 false alarms are expected and 3 or more have
    // probability ≈ 3e-4; so at most 2 other models may fire.
    let others: Vec<&&Instance> = firing
        .iter()
        .filter(|n| n.labels["model"] != DEGRADED_MODEL)
        .collect();
    assert!(
        others.len() <= 2,
        "false alarms beyond the rate: {others:?}"
    );

    // Alert evaluation works the same without the header (nothing depends on
    // the frontend or on who asks).
    let plain = query_data(&plugin, alert_request(&rule, &[])).await;
    assert_eq!(number_set(&frames_of(&plain, "A")), numbers);
    println!(
        "{} bt_z rows, firing: {:?}",
        numbers.len(),
        firing
            .iter()
            .map(|n| (n.labels["model"].as_str(), n.value))
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_yaml_reader_reads_provisioning_yaml_and_names_the_line_of_an_error() {
    let good = "a:\n  - b: 1\n    c: 'x # y'\n  - -3\nd: \"q\\\"z\" # comment\ne:\n- f\n";
    let value = parse_yaml(good).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"a": [{"b": 1, "c": "x # y"}, -3], "d": "q\"z", "e": ["f"]})
    );
    for (bad, expected) in [
        ("a:\n\t- b\n", "line 2"),
        ("a:\n  b: 1\n c: 2\n", "line 3"),
        ("a: [1, 2\n", "line 2"),
    ] {
        let error = parse_yaml(bad).unwrap_err();
        assert!(error.contains(expected), "{bad:?}: {error}");
    }
}
