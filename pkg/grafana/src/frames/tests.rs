//! Unit tests of the frame layout: column registry against the CSV header,
//! field types, units and metadata.

use super::*;

fn row(model: &str, wh: Option<f64>, selected: bool) -> ModelRow {
    ModelRow {
        model: model.into(),
        display_name: format!("{model} display"),
        organization: "Org".into(),
        license: "apache-2.0".into(),
        architecture: "moe".into(),
        size_class: Some("L".into()),
        size_rank: Some(4),
        arch_code: 2,
        total_params_b: Some(355.0),
        active_params_b: Some(32.0),
        votes: 1234,
        bt_score: Some(1012.5),
        bt_ci_low: Some(1001.0),
        bt_ci_high: Some(1024.0),
        rank: Some(3),
        rank_low: Some(1),
        rank_high: Some(6),
        rank_overall: None,
        rank_delta: None,
        rank_ub: Some(1),
        tier: Some(1),
        wh_per_1k_tokens: wh,
        wh_min: wh.map(|w| w * 0.5),
        wh_max: wh.map(|w| w * 1.5),
        gco2e_per_1k_tokens: wh.map(|w| w * 0.4),
        energy_class: None,
        energy_methodology: "ecologits-0.11".into(),
        energy_note: if wh.is_none() {
            "parameters not disclosed".into()
        } else {
            String::new()
        },
        pareto: true,
        selected,
        bt_score_controlled: None,
        bt_score_raw: None,
    }
}

/// The CSV header `arenawatt query` writes for a [`ModelRow`] (serde order).
fn csv_header() -> Vec<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.serialize(row("a", Some(1.0), false)).unwrap();
    let bytes = writer.into_inner().unwrap();
    let text = String::from_utf8(bytes).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

#[test]
fn model_columns_match_csv_header() {
    let names: Vec<String> = MODEL_COLUMNS.iter().map(|c| c.name.to_string()).collect();
    assert_eq!(names, csv_header());
}

#[test]
fn model_frame_has_one_field_per_column_with_units_and_no_labels() {
    let rows = vec![row("a", Some(2.0), true), row("b", None, false)];
    let frame = model_frame(
        &rows,
        "ecologits-0.11",
        "WOR",
        &[],
        &FrameContext::default(),
    );
    check(&frame).unwrap();
    assert_eq!(frame.fields().len(), MODEL_COLUMNS.len());
    for (field, spec) in frame.fields().iter().zip(MODEL_COLUMNS) {
        assert_eq!(field.name, spec.name);
        assert!(
            field.labels.is_empty(),
            "{} has labels and config",
            field.name
        );
        let config = field.config.as_ref().unwrap();
        assert_eq!(
            config.unit.as_deref(),
            spec.unit.grafana_id(),
            "{}",
            field.name
        );
        assert_eq!(
            config.display_name_from_ds, None,
            "{}: display names break name matchers",
            field.name
        );
        assert_eq!(config.display_name, None);
        assert!(config
            .description
            .as_deref()
            .unwrap()
            .starts_with(spec.human_name));
        assert_eq!(field.values().len(), 2);
    }
    let unit = |name: &str| {
        frame
            .fields()
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .config
            .as_ref()
            .unwrap()
            .unit
            .clone()
    };
    assert_eq!(unit("wh_per_1k_tokens").as_deref(), Some("watth"));
    assert_eq!(unit("gco2e_per_1k_tokens").as_deref(), Some("massg"));
    assert_eq!(unit("bt_score").as_deref(), Some("none"));
    let wh = frame
        .fields()
        .iter()
        .find(|f| f.name == "wh_per_1k_tokens")
        .unwrap();
    assert_eq!(
        wh.values().null_count(),
        1,
        "the proprietary model's energy is null"
    );
}

#[test]
fn model_frame_names_its_methodology() {
    let context = FrameContext {
        query_type: Some(QueryType::Scatter),
        executed_query: Some("{}".into()),
    };
    let frame = model_frame(
        &[row("a", Some(1.0), false)],
        "ecologits-0.8",
        "FRA",
        &["n1".into()],
        &context,
    );
    assert_eq!(frame.name, "scatter");
    let meta = frame.meta.as_ref().unwrap();
    let custom = meta.custom.as_ref().unwrap();
    assert_eq!(custom["methodology"], "ecologits-0.8");
    assert_eq!(custom["zone"], "FRA");
    let notices = meta.notices.as_ref().unwrap();
    assert!(notices[0].text.contains("ecologits-0.8"), "{notices:?}");
    assert_eq!(notices[1].text, "n1");
}

#[test]
fn variable_frame_has_text_and_value() {
    let values = vec![
        VariableValue {
            text: "GLM 4.5".into(),
            value: "glm-4.5".into(),
        },
        VariableValue {
            text: "Llama".into(),
            value: "llama".into(),
        },
    ];
    let frame = variable_frame(&values, &FrameContext::default());
    check(&frame).unwrap();
    let names: Vec<_> = frame.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["text", "value"]);
    assert_eq!(frame.fields()[0].values().len(), 2);
}

fn trend_row(time_ms: i64, model: &str, bt: f64) -> arenawatt_engine::TrendRow {
    arenawatt_engine::TrendRow {
        time_ms,
        model: model.into(),
        bt_score: bt,
        bt_ci_low: Some(bt - 10.0),
        bt_ci_high: Some(bt + 10.0),
        votes: 5,
    }
}

#[test]
fn trend_frames_are_wide_with_nulls_where_a_model_has_no_fit() {
    let day = 86_400_000;
    let rows = vec![
        trend_row(0, "a", 1000.0),
        trend_row(0, "b", 990.0),
        trend_row(day, "a", 1005.0),
        trend_row(2 * day, "b", 980.0),
    ];
    let frame = time::trend_frame(&rows, true, 1, &[], &FrameContext::default());
    check(&frame).unwrap();
    let names: Vec<&str> = frame.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "time",
            "bt_score",
            "bt_score",
            "bt_ci_low",
            "bt_ci_low",
            "bt_ci_high",
            "bt_ci_high"
        ]
    );
    let models: Vec<Option<&str>> = frame
        .fields()
        .iter()
        .map(|f| f.labels.get("model").map(String::as_str))
        .collect();
    assert_eq!(
        models,
        [
            None,
            Some("a"),
            Some("b"),
            Some("a"),
            Some("b"),
            Some("a"),
            Some("b")
        ]
    );
    for field in &frame.fields()[1..] {
        assert!(
            field.config.is_none(),
            "labelled fields carry no config (the SDK would drop the labels)"
        );
        assert_eq!(field.values().len(), 3, "three distinct steps");
    }
    // a has no fit at step 3, b none at step 2.
    assert_eq!(frame.fields()[1].values().null_count(), 1);
    assert_eq!(frame.fields()[2].values().null_count(), 1);
    let without_ci = time::trend_frame(&rows, false, 1, &[], &FrameContext::default());
    assert_eq!(without_ci.fields().len(), 3);
}

#[test]
fn regression_frames_have_one_number_field() {
    let rows = vec![arenawatt_engine::RegressionRow {
        model: "m".into(),
        organization: "o".into(),
        metric: "bt_z".into(),
        value: -4.2,
    }];
    let windows = arenawatt_engine::RegressionWindows {
        latest_from: "2026-10-29".into(),
        latest_to: "2026-11-27".into(),
        previous_from: "2026-09-29".into(),
        previous_to: "2026-10-28".into(),
    };
    let frame = time::regression_frame(&rows, &windows, &[], &FrameContext::default());
    check(&frame).unwrap();
    let names: Vec<&str> = frame.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["model", "organization", "metric", "value"]);
    let custom = frame.meta.as_ref().unwrap().custom.as_ref().unwrap();
    assert_eq!(custom["latestFrom"], "2026-10-29");
}

#[test]
fn model_fields_keep_their_arrow_types() {
    let rows = vec![row("a", Some(2.0), true), row("b", None, false)];
    let frame = model_frame(
        &rows,
        "ecologits-0.11",
        "WOR",
        &[],
        &FrameContext::default(),
    );
    let types: Vec<(String, String)> = frame
        .fields()
        .iter()
        .map(|f| (f.name.clone(), format!("{:?}", f.values().data_type())))
        .collect();
    let type_of = |name: &str| {
        types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no field {name}: {types:?}"))
    };
    assert_eq!(type_of("model"), "Utf8");
    assert_eq!(type_of("size_class"), "Utf8");
    assert_eq!(type_of("size_rank"), "UInt8");
    assert_eq!(type_of("arch_code"), "UInt8");
    assert_eq!(type_of("votes"), "UInt64");
    assert_eq!(type_of("rank"), "UInt32");
    assert_eq!(type_of("bt_score"), "Float64");
    assert_eq!(type_of("wh_per_1k_tokens"), "Float64");
    assert_eq!(type_of("pareto"), "Boolean");
    assert_eq!(type_of("selected"), "Boolean");
}

#[test]
fn non_finite_floats_are_sent_as_nulls() {
    let mut nan = row("a", Some(f64::NAN), false);
    nan.bt_score = Some(f64::INFINITY);
    let frame = model_frame(
        &[nan],
        "ecologits-0.11",
        "WOR",
        &[],
        &FrameContext::default(),
    );
    for name in ["wh_per_1k_tokens", "bt_score"] {
        let field = frame.fields().iter().find(|f| f.name == name).unwrap();
        assert_eq!(field.values().null_count(), 1, "{name}");
    }
}
