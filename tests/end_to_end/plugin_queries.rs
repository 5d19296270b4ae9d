//! QueryData through the real plugin: every query type's frame (names, Arrow
//! types, units, values, metadata), per-refId errors, alert requests, the
//! `range` window and the `None` role.

use crate::support::plugin;

use std::collections::HashSet;

use arrow::datatypes::DataType;
use plugin::*;
use serde_json::{json, Value};

/// The scatter fields the dashboards rely on, with their Arrow types.
const SCATTER_FIELDS: [(&str, &str); 19] = [
    ("model", "text"),
    ("display_name", "text"),
    ("organization", "text"),
    ("license", "text"),
    ("architecture", "text"),
    ("size_class", "text"),
    ("size_rank", "number"),
    ("arch_code", "number"),
    ("votes", "number"),
    ("bt_score", "number"),
    ("bt_ci_low", "number"),
    ("bt_ci_high", "number"),
    ("rank", "number"),
    ("wh_per_1k_tokens", "number"),
    ("wh_min", "number"),
    ("wh_max", "number"),
    ("gco2e_per_1k_tokens", "number"),
    ("pareto", "bool"),
    ("selected", "bool"),
];

fn kind(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 => "text",
        DataType::Boolean => "bool",
        t if t.is_numeric() => "number",
        DataType::Timestamp(_, _) => "time",
        _ => "other",
    }
}

async fn model_ids(plugin: &Plugin) -> Vec<String> {
    let responses = demo_queries(
        plugin,
        &[("V", json!({"queryType": "variable", "of": "models"}))],
    )
    .await;
    let frames = frames_of(&responses, "V");
    frames[0]
        .field("value")
        .strings()
        .into_iter()
        .flatten()
        .collect()
}

#[tokio::test]
async fn scatter_frame_has_every_field_with_units_and_methodology() {
    let plugin = Plugin::start();
    let responses = demo_queries(&plugin, &[("A", json!({"queryType": "scatter"}))]).await;
    let frames = frames_of(&responses, "A");
    assert_eq!(frames.len(), 1);
    let frame = &frames[0];
    assert_eq!(frame.ref_id, "A");
    assert_eq!(frame.name, "scatter");
    assert!(frame.rows >= 10, "scatter has {} rows", frame.rows);
    for (name, expected) in SCATTER_FIELDS {
        let field = frame.field(name);
        assert_eq!(
            kind(&field.data_type),
            expected,
            "field {name} is {}",
            field.data_type
        );
        assert!(
            field
                .labels
                .as_ref()
                .map_or(true, |l| l.as_object().unwrap().is_empty()),
            "{name} labels"
        );
        assert!(field.config.is_some(), "field {name} has no config");
    }
    // Display names and units live in the field config.
    assert_eq!(
        frame.field("wh_per_1k_tokens").unit().as_deref(),
        Some("watth")
    );
    assert_eq!(frame.field("wh_min").unit().as_deref(), Some("watth"));
    assert_eq!(
        frame.field("gco2e_per_1k_tokens").unit().as_deref(),
        Some("massg")
    );
    assert_eq!(frame.field("bt_score").unit().as_deref(), Some("none"));
    // Display names would break dashboards' name matchers: the field name is the display name.
    assert_eq!(frame.field("wh_per_1k_tokens").display_name(), None);
    let description = frame.field("wh_per_1k_tokens").config.as_ref().unwrap()["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        description.contains("1000 tokens") && description.contains("Wh"),
        "{description}"
    );
    // Scatter plots open models with an energy estimate: no nulls there.
    for name in [
        "wh_per_1k_tokens",
        "wh_min",
        "wh_max",
        "gco2e_per_1k_tokens",
        "bt_score",
        "size_rank",
    ] {
        assert_eq!(
            frame.field(name).non_null(),
            frame.rows,
            "{name} has nulls in scatter"
        );
    }
    let licenses = frame.field("license").strings();
    assert!(
        licenses.iter().all(|l| l.as_deref() != Some("proprietary")),
        "{licenses:?}"
    );
    // Values are coherent.
    let bt = frame.field("bt_score").numbers();
    let lo = frame.field("bt_ci_low").numbers();
    let hi = frame.field("bt_ci_high").numbers();
    let wh = frame.field("wh_per_1k_tokens").numbers();
    let wh_min = frame.field("wh_min").numbers();
    let wh_max = frame.field("wh_max").numbers();
    for i in 0..frame.rows {
        let (b, l, h) = (bt[i].unwrap(), lo[i].unwrap(), hi[i].unwrap());
        assert!(l <= b && b <= h, "row {i}: ci {l}..{h} around {b}");
        assert!(
            wh_min[i].unwrap() <= wh[i].unwrap() && wh[i].unwrap() <= wh_max[i].unwrap(),
            "row {i} energy range"
        );
        assert!(wh[i].unwrap() > 0.0);
    }
    let size_ranks: HashSet<i64> = frame
        .field("size_rank")
        .numbers()
        .iter()
        .map(|v| v.unwrap() as i64)
        .collect();
    assert!(
        size_ranks.iter().all(|r| (1..=5).contains(r)),
        "{size_ranks:?}"
    );
    assert!(
        frame
            .field("pareto")
            .bools()
            .iter()
            .any(|p| *p == Some(true)),
        "no Pareto point"
    );
    assert!(
        frame
            .field("selected")
            .bools()
            .iter()
            .all(|p| *p == Some(false)),
        "nothing was selected"
    );
    // The methodology is in the metadata and a notice.
    let meta = frame.meta.as_ref().expect("frame meta");
    assert_eq!(meta["custom"]["methodology"], "ecologits-0.11", "{meta}");
    assert_eq!(meta["custom"]["zone"], "WOR", "{meta}");
    let notices = meta["notices"].as_array().expect("notices");
    assert!(
        notices
            .iter()
            .any(|n| n["text"].as_str().unwrap().contains("ecologits-0.11")),
        "{meta}"
    );
    let methodology = frame.field("energy_methodology").strings();
    assert!(
        methodology
            .iter()
            .all(|m| m.as_deref() == Some("ecologits-0.11")),
        "{methodology:?}"
    );
}

#[tokio::test]
async fn selected_models_are_flagged_and_options_change_the_energy() {
    let plugin = Plugin::start();
    let scatter = demo_queries(&plugin, &[("A", json!({"queryType": "scatter"}))]).await;
    let frame = &frames_of(&scatter, "A")[0];
    let models: Vec<String> = frame
        .field("model")
        .strings()
        .into_iter()
        .flatten()
        .collect();
    let pick = models[models.len() / 2].clone();
    let responses = demo_queries(
        &plugin,
        &[
            ("S", json!({"queryType": "scatter", "selected": [pick]})),
            (
                "M",
                json!({"queryType": "scatter", "methodology": "ecologits-0.8", "zone": "FRA"}),
            ),
        ],
    )
    .await;
    let s = &frames_of(&responses, "S")[0];
    let selected: Vec<String> = s
        .field("model")
        .strings()
        .into_iter()
        .zip(s.field("selected").bools())
        .filter(|(_, sel)| *sel == Some(true))
        .map(|(m, _)| m.unwrap())
        .collect();
    assert_eq!(selected, vec![pick]);
    let m = &frames_of(&responses, "M")[0];
    assert_eq!(
        m.meta.as_ref().unwrap()["custom"]["methodology"],
        "ecologits-0.8"
    );
    assert_eq!(m.meta.as_ref().unwrap()["custom"]["zone"], "FRA");
    let old: Vec<_> = m.field("wh_per_1k_tokens").numbers();
    let new: Vec<_> = frame.field("wh_per_1k_tokens").numbers();
    assert_ne!(old, new, "ecologits-0.8 and 0.11 give different energy");
}

#[tokio::test]
async fn leaderboard_includes_proprietary_models_with_null_energy_and_a_reason() {
    let plugin = Plugin::start();
    let responses = demo_queries(&plugin, &[("L", json!({"queryType": "leaderboard"}))]).await;
    let frame = &frames_of(&responses, "L")[0];
    assert_eq!(frame.name, "leaderboard");
    let licenses = frame.field("license").strings();
    let wh = frame.field("wh_per_1k_tokens").numbers();
    let notes = frame.field("energy_note").strings();
    let proprietary: Vec<usize> = (0..frame.rows)
        .filter(|&i| licenses[i].as_deref() == Some("proprietary"))
        .collect();
    assert!(
        !proprietary.is_empty(),
        "the demo data has proprietary models"
    );
    for i in proprietary {
        assert_eq!(wh[i], None, "row {i}: proprietary energy must be null");
        assert!(
            !notes[i].as_deref().unwrap_or_default().is_empty(),
            "row {i}: null energy needs a reason"
        );
    }
    let ranks: Vec<i64> = frame
        .field("rank")
        .numbers()
        .iter()
        .flatten()
        .map(|r| *r as i64)
        .collect();
    assert!(ranks.contains(&1), "{ranks:?}");
    let scatter = demo_queries(&plugin, &[("A", json!({"queryType": "scatter"}))]).await;
    assert!(
        frames_of(&scatter, "A")[0].rows < frame.rows,
        "leaderboard lists more models than scatter"
    );
}

#[tokio::test]
async fn model_query_returns_one_row() {
    let plugin = Plugin::start();
    let ids = model_ids(&plugin).await;
    let pick = &ids[0];
    let responses = demo_queries(
        &plugin,
        &[("M", json!({"queryType": "model", "model": pick}))],
    )
    .await;
    let frame = &frames_of(&responses, "M")[0];
    assert_eq!(frame.rows, 1);
    assert_eq!(
        frame.field("model").strings()[0].as_deref(),
        Some(pick.as_str())
    );
    assert!(frame.field("votes").numbers()[0].unwrap() > 0.0);
}

#[tokio::test]
async fn variable_queries_list_each_kind_as_text_and_value() {
    let plugin = Plugin::start();
    let kinds = [
        "sources",
        "organizations",
        "licenses",
        "architectures",
        "sizes",
        "models",
        "methodologies",
        "zones",
    ];
    let queries: Vec<(&str, Value)> = kinds
        .iter()
        .map(|k| (*k, json!({"queryType": "variable", "of": k})))
        .collect();
    let responses = demo_queries(&plugin, &queries).await;
    for kind in kinds {
        let frame = &frames_of(&responses, kind)[0];
        assert_eq!(frame.field_names(), ["text", "value"], "{kind}");
        assert_eq!(kind_of(frame, "text"), "text");
        assert!(frame.rows > 0, "{kind} is empty");
        let values: Vec<String> = frame
            .field("value")
            .strings()
            .into_iter()
            .flatten()
            .collect();
        let unique: HashSet<&String> = values.iter().collect();
        assert_eq!(
            unique.len(),
            values.len(),
            "{kind} has duplicates: {values:?}"
        );
        match kind {
            "methodologies" => {
                assert!(values.contains(&"ecologits-0.11".to_string()), "{values:?}")
            }
            "zones" => assert!(
                values.contains(&"WOR".to_string()) && values.contains(&"FRA".to_string()),
                "{values:?}"
            ),
            "sources" => assert!(values.len() >= 2, "{values:?}"),
            "models" => assert!(values.len() >= 10, "{values:?}"),
            _ => {}
        }
    }
}

fn kind_of(frame: &DecodedFrame, name: &str) -> &'static str {
    kind(&frame.field(name).data_type)
}

#[tokio::test]
async fn variable_query_type_can_come_from_the_protocol_field() {
    let plugin = Plugin::start();
    let query = raw_query(
        "V",
        serde_json::to_vec(&json!({"of": "methodologies"})).unwrap(),
        "variable",
    );
    let responses = query_data(
        &plugin,
        query_request(demo_context(Some("Viewer")), vec![query]),
    )
    .await;
    let frame = &frames_of(&responses, "V")[0];
    assert_eq!(frame.field_names(), ["text", "value"]);
}

#[tokio::test]
async fn bad_queries_fail_alone_with_a_400_status() {
    let plugin = Plugin::start();
    let queries = vec![
        data_query("good", &json!({"queryType": "scatter"})),
        raw_query("badjson", b"{\"queryType\": \"scatter\",".to_vec(), ""),
        data_query("badtype", &json!({"queryType": "pie-chart"})),
        data_query(
            "badmodel",
            &json!({"queryType": "model", "model": "no-such-model-xyz"}),
        ),
        data_query(
            "badkey",
            &json!({"queryType": "scatter", "minVotes": "many"}),
        ),
        data_query(
            "badmethod",
            &json!({"queryType": "scatter", "methodology": "ecologits-9"}),
        ),
        data_query("good2", &json!({"queryType": "variable", "of": "sources"})),
    ];
    let responses = query_data(
        &plugin,
        query_request(demo_context(Some("Editor")), queries),
    )
    .await;
    assert_eq!(responses.len(), 7, "{:?}", responses.keys());
    assert!(frames_of(&responses, "good")[0].rows > 0);
    assert!(frames_of(&responses, "good2")[0].rows > 0);
    let expect = [
        ("badjson", "not valid"),
        ("badtype", "pie-chart"),
        ("badmodel", "no-such-model-xyz"),
        ("badkey", "minVotes"),
        ("badmethod", "ecologits-9"),
    ];
    for (ref_id, named) in expect {
        let r = &responses[ref_id];
        assert!(
            (400..500).contains(&r.status),
            "{ref_id}: status {} ({})",
            r.status,
            r.error
        );
        assert!(
            r.error.contains(named),
            "{ref_id}: {:?} should name {named:?}",
            r.error
        );
        assert!(r.frames.is_empty(), "{ref_id}");
    }
}

#[tokio::test]
async fn a_broken_data_source_fails_each_query_with_its_reason() {
    let plugin = Plugin::start();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.sqlite");
    let queries = vec![
        data_query("A", &json!({"queryType": "scatter"})),
        data_query("B", &json!({})),
    ];
    let responses = query_data(
        &plugin,
        query_request(
            context(&json!({"path": missing.display().to_string()}), None),
            queries,
        ),
    )
    .await;
    for ref_id in ["A", "B"] {
        let r = &responses[ref_id];
        assert!(r.status >= 400, "{ref_id}: {}", r.status);
        assert!(r.error.contains("not found"), "{ref_id}: {}", r.error);
    }
}

#[tokio::test]
async fn alert_requests_without_a_user_work_the_same() {
    let plugin = Plugin::start();
    let mut request = query_request(
        demo_context(None),
        vec![data_query("A", &json!({"queryType": "scatter"}))],
    );
    request.headers.insert("FromAlert".into(), "true".into());
    let alert = query_data(&plugin, request).await;
    let dashboard = demo_queries(&plugin, &[("A", json!({"queryType": "scatter"}))]).await;
    let a = &frames_of(&alert, "A")[0];
    let d = &frames_of(&dashboard, "A")[0];
    assert_eq!(a.field_names(), d.field_names());
    assert_eq!(a.field("bt_score").numbers(), d.field("bt_score").numbers());
}

#[tokio::test]
async fn none_role_users_can_query() {
    let plugin = Plugin::start();
    let request = query_request(
        demo_context(Some("None")),
        vec![data_query(
            "A",
            &json!({"queryType": "variable", "of": "sources"}),
        )],
    );
    let responses = query_data(&plugin, request).await;
    assert!(frames_of(&responses, "A")[0].rows > 0);
}

#[tokio::test]
async fn the_range_window_follows_grafanas_time_range() {
    let plugin = Plugin::start();
    let now = chrono::Utc::now().timestamp_millis();
    let day = 86_400_000;
    let mut all = data_query(
        "all",
        &json!({"queryType": "leaderboard", "sources": ["simulated"]}),
    );
    all.time_range = Some(grafana_plugin_sdk::pluginv2::TimeRange {
        from_epoch_ms: now - 7 * day,
        to_epoch_ms: now,
    });
    let mut recent = data_query(
        "week",
        &json!({"queryType": "leaderboard", "window": "range", "sources": ["simulated"]}),
    );
    recent.time_range = all.time_range;
    let responses = query_data(
        &plugin,
        query_request(demo_context(Some("Viewer")), vec![all, recent]),
    )
    .await;
    let votes = |ref_id: &str| -> f64 {
        frames_of(&responses, ref_id)[0]
            .field("votes")
            .numbers()
            .iter()
            .flatten()
            .sum()
    };
    let (all_votes, week_votes) = (votes("all"), votes("week"));
    assert!(
        week_votes > 0.0,
        "the demo store has votes in the last week"
    );
    assert!(
        week_votes < all_votes / 5.0,
        "a week of six months: {week_votes} vs {all_votes}"
    );
}

fn labels_of(field: &DecodedField) -> Option<String> {
    field
        .labels
        .as_ref()?
        .get("model")?
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn trend_is_a_wide_time_series_labelled_by_model() {
    let plugin = Plugin::start();
    let responses = demo_queries(
        &plugin,
        &[
            ("T", json!({"queryType": "trend", "sources": ["simulated"], "window": "cumulative", "step": "week"})),
            ("C", json!({"queryType": "trend", "sources": ["simulated"], "window": "rolling", "windowDays": 30, "step": "week", "includeCi": true, "models": ["llama-3.3-70b"]})),
        ],
    )
    .await;
    let frame = &frames_of(&responses, "T")[0];
    assert_eq!(frame.name, "trend");
    assert_eq!(frame.fields[0].name, "time");
    assert!(
        matches!(frame.fields[0].data_type, DataType::Timestamp(_, _)),
        "{}",
        frame.fields[0].data_type
    );
    assert!(
        frame.rows >= 20,
        "26 weekly steps over six months, got {}",
        frame.rows
    );
    let series: Vec<&DecodedField> = frame.fields.iter().skip(1).collect();
    assert!(series.len() >= 10, "one series per model: {}", series.len());
    let mut models = HashSet::new();
    for field in &series {
        assert_eq!(field.name, "bt_score");
        assert!(field.is_numeric());
        let model = labels_of(field)
            .unwrap_or_else(|| panic!("bt_score without a model label: {:?}", field.labels));
        assert!(models.insert(model.clone()), "two series for {model}");
        assert!(field.non_null() > 0, "{model} has no score");
    }
    let c = &frames_of(&responses, "C")[0];
    let names: Vec<String> = c.field_names();
    assert_eq!(
        names,
        ["time", "bt_score", "bt_ci_low", "bt_ci_high"],
        "{names:?}"
    );
    for field in c.fields.iter().skip(1) {
        assert_eq!(labels_of(field).as_deref(), Some("llama-3.3-70b"));
    }
    // The demo's degraded model loses points in its last month.
    let scores: Vec<f64> = c
        .field("bt_score")
        .numbers()
        .into_iter()
        .flatten()
        .collect();
    let last = scores[scores.len() - 1];
    let earlier = scores[scores.len() / 2];
    assert!(
        last < earlier - 30.0,
        "llama-3.3-70b degrades: {earlier} then {last}"
    );
}

#[tokio::test]
async fn energy_trend_carries_units_in_total_and_labels_by_model() {
    let plugin = Plugin::start();
    let responses = demo_queries(
        &plugin,
        &[
            ("T", json!({"queryType": "energy-trend", "sources": ["simulated"], "groupBy": "total", "step": "week"})),
            ("M", json!({"queryType": "energy-trend", "sources": ["simulated"], "step": "week"})),
        ],
    )
    .await;
    let total = &frames_of(&responses, "T")[0];
    assert_eq!(total.fields[0].name, "time");
    assert_eq!(total.field("wh").unit().as_deref(), Some("watth"));
    assert_eq!(total.field("gco2e").unit().as_deref(), Some("massg"));
    assert_eq!(
        total.field("wh_per_1k_tokens").unit().as_deref(),
        Some("watth")
    );
    let wh: Vec<f64> = total.field("wh").numbers().into_iter().flatten().collect();
    assert!(
        !wh.is_empty() && wh.iter().all(|w| *w >= 0.0) && wh.iter().sum::<f64>() > 0.0,
        "{wh:?}"
    );
    let meta = total.meta.as_ref().unwrap();
    assert_eq!(meta["custom"]["methodology"], "ecologits-0.11");
    let by_model = &frames_of(&responses, "M")[0];
    let wh_fields: Vec<&DecodedField> = by_model.fields.iter().filter(|f| f.name == "wh").collect();
    assert!(wh_fields.len() >= 5, "one wh series per model");
    assert!(wh_fields
        .iter()
        .all(|f| labels_of(f).is_some() && f.config.is_none()));
    // The per-model series add up to the total at each step (models without energy count nothing).
    let mut per_step = vec![0.0; by_model.rows];
    for f in &wh_fields {
        for (i, v) in f.numbers().iter().enumerate() {
            per_step[i] += v.unwrap_or(0.0);
        }
    }
    let totals = total.field("wh").numbers();
    assert_eq!(totals.len(), per_step.len());
    for (t, s) in totals.iter().zip(&per_step) {
        let t = t.unwrap_or(0.0);
        assert!(
            (t - s).abs() <= 1e-6 * t.abs().max(1.0),
            "total {t} vs sum of models {s}"
        );
    }
}

#[tokio::test]
async fn regression_is_alert_ready_and_flags_the_degraded_model() {
    let plugin = Plugin::start();
    let mut request = query_request(
        demo_context(None),
        vec![data_query(
            "R",
            &json!({"queryType": "regression", "sources": ["simulated"], "latestDays": 30}),
        )],
    );
    request.headers.insert("FromAlert".into(), "true".into());
    let responses = query_data(&plugin, request).await;
    let frame = &frames_of(&responses, "R")[0];
    let numeric: Vec<&str> = frame
        .fields
        .iter()
        .filter(|f| f.is_numeric())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(numeric, ["value"], "exactly one numeric field");
    for name in ["model", "organization", "metric"] {
        assert_eq!(kind_of(frame, name), "text", "{name}");
    }
    let models = frame.field("model").strings();
    let metrics = frame.field("metric").strings();
    let values = frame.field("value").numbers();
    let z_of = |model: &str| {
        (0..frame.rows)
            .find(|&i| models[i].as_deref() == Some(model) && metrics[i].as_deref() == Some("bt_z"))
            .and_then(|i| values[i])
    };
    let z = z_of("llama-3.3-70b").expect("a bt_z row for the degraded model");
    assert!(z < -3.0, "degraded model bt_z {z}");
    let meta = frame.meta.as_ref().unwrap();
    assert!(meta["custom"]["latestFrom"].is_string(), "{meta}");
}

/// The plugin and `arenawatt query` are shells over one engine: the CSV's
/// columns are frame fields, and the rows hold the same values.
#[tokio::test]
async fn plugin_frames_match_the_cli_csv() {
    let plugin = Plugin::start();
    let responses = demo_queries(&plugin, &[("A", json!({"queryType": "scatter"}))]).await;
    let frame = &frames_of(&responses, "A")[0];
    let stdout = crate::support::cli::arenawatt_on(
        &demo_store_path(),
        &["query", "--type", "scatter", "--format", "csv"],
        true,
    )
    .stdout;
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    for column in &header {
        assert!(
            frame.try_field(column).is_some(),
            "CSV column {column:?} is not a frame field: {:?}",
            frame.field_names()
        );
    }
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), frame.rows, "same number of models\n{stdout}");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let models = frame.field("model").strings();
    let bt = frame.field("bt_score").numbers();
    let wh = frame.field("wh_per_1k_tokens").numbers();
    for (i, record) in records.iter().enumerate() {
        assert_eq!(
            Some(&record[column("model")]),
            models[i].as_deref(),
            "row {i}"
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
        let csv_bt: f64 = record[column("bt_score")].parse().unwrap();
        let csv_wh: f64 = record[column("wh_per_1k_tokens")].parse().unwrap();
        assert!(
            close(csv_bt, bt[i].unwrap()),
            "row {i}: bt {csv_bt} vs {:?}",
            bt[i]
        );
        assert!(
            close(csv_wh, wh[i].unwrap()),
            "row {i}: wh {csv_wh} vs {:?}",
            wh[i]
        );
    }
}
