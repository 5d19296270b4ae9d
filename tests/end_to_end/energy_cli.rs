//! `arenawatt energy`, driven as users and the checks call it: single
//! estimates, ranges, catalog models (open, proprietary, estimated), batch
//! files with bad lines, and every kind of bad input.

use serde_json::Value;

use crate::support::cli::arenawatt;

fn energy_json(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["energy"];
    all.extend_from_slice(args);
    let outcome = arenawatt(dir.path(), &all);
    assert!(outcome.success, "{outcome}");
    serde_json::from_str(&outcome.stdout).unwrap_or_else(|e| panic!("{e}\n{outcome}"))
}

fn energy_fails(args: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["energy"];
    all.extend_from_slice(args);
    let outcome = arenawatt(dir.path(), &all);
    assert!(
        !outcome.success,
        "expected a failure for {args:?}\n{outcome}"
    );
    assert!(
        outcome.stderr.contains(expected),
        "expected {expected:?} in stderr for {args:?}\n{outcome}"
    );
    assert!(!outcome.stderr.contains("panicked"), "{outcome}");
}

const KEYS: [&str; 12] = [
    "energy_wh",
    "gwp_gco2eq",
    "adpe_kgsbeq",
    "pe_mj",
    "wcf_l",
    "usage_energy_wh",
    "usage_gwp_gco2eq",
    "embodied_gwp_gco2eq",
    "embodied_adpe_kgsbeq",
    "embodied_pe_mj",
    "gpu_count",
    "latency_s",
];

fn mean(value: &Value, key: &str) -> f64 {
    value[key]["mean"]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key}.mean in {value}"))
}

#[test]
fn a_model_by_its_chatbot_arena_name_under_comparia() {
    let result = energy_json(&[
        "--model",
        "llama-3.1-405b-instruct",
        "--methodology",
        "comparia-2026-02",
    ]);
    assert_eq!(result["model"], "llama-3.1-405b", "{result}");
    assert_eq!(result["methodology"], "comparia-2026-02");
    assert_eq!(result["zone"], "WOR");
    assert_eq!(format!("{:.2}", mean(&result, "energy_wh")), "237.93");
    for key in KEYS {
        if key == "wcf_l" {
            assert!(result[key].is_null(), "0.8 has no water model: {result}");
            continue;
        }
        for part in ["min", "max", "mean"] {
            assert!(
                result[key][part].as_f64().is_some_and(f64::is_finite),
                "{key}.{part} in {result}"
            );
        }
    }
}

#[test]
fn parameters_and_ranges_from_flags() {
    let glm = energy_json(&[
        "--total-params",
        "355",
        "--active-params",
        "32",
        "--pue",
        "1.15",
    ]);
    assert_eq!(glm["methodology"], "ecologits-0.11");
    assert_eq!(format!("{:.2}", mean(&glm, "energy_wh")), "1.81");
    assert!(glm.get("model").is_none(), "{glm}");
    for key in KEYS {
        assert!(glm[key]["mean"].is_f64(), "{key} in {glm}");
    }

    let range = energy_json(&[
        "--total-params",
        "440",
        "--active-params",
        "44:132",
        "--zone",
        "fra",
    ]);
    assert_eq!(range["zone"], "FRA");
    let energy = &range["energy_wh"];
    let (min, max) = (
        energy["min"].as_f64().unwrap(),
        energy["max"].as_f64().unwrap(),
    );
    assert!(min < max, "{range}");
    assert!((energy["mean"].as_f64().unwrap() - (min + max) / 2.0).abs() < 1e-12);

    let measured = energy_json(&[
        "--total-params",
        "70",
        "--tokens",
        "500",
        "--tps",
        "50",
        "--ttft",
        "0.5",
    ]);
    assert!(
        (mean(&measured, "latency_s") - 10.5).abs() < 1e-9,
        "{measured}"
    );
}

#[test]
fn proprietary_models_have_null_energy_unless_estimates_are_allowed() {
    let claude = energy_json(&["--model", "claude-3-5-sonnet-20240620"]);
    assert_eq!(
        claude["energy_note"], "parameters not disclosed",
        "{claude}"
    );
    for key in KEYS {
        assert!(claude[key].is_null(), "{key} in {claude}");
    }
    let gpt = energy_json(&["--model", "gpt-4o-2024-08-06"]);
    assert!(gpt["energy_wh"].is_null(), "{gpt}");
    let estimated = energy_json(&["--model", "gpt-4o-2024-08-06", "--allow-estimates"]);
    assert_eq!(estimated["params_estimated"], true, "{estimated}");
    assert_eq!(
        estimated["energy_note"],
        "estimated parameters (EcoLogits' estimate)"
    );
    assert!(mean(&estimated, "energy_wh") > 0.0);
}

#[test]
fn table_format_names_units_and_methodology() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = arenawatt(
        dir.path(),
        &["energy", "--model", "glm-4.5", "--format", "table"],
    );
    assert!(outcome.success, "{outcome}");
    assert!(
        outcome
            .stdout
            .contains("methodology ecologits-0.11, zone WOR"),
        "{outcome}"
    );
    assert!(
        outcome.stdout.contains("Wh") && outcome.stdout.contains("gCO2eq"),
        "{outcome}"
    );
}

#[test]
fn bad_inputs_are_clear_errors() {
    energy_fails(
        &["--total-params", "0"],
        "total parameters must be a positive, finite number of billions, got 0",
    );
    energy_fails(&["--total-params=-5"], "got -5");
    energy_fails(&["--total-params", "nan"], "got NaN");
    energy_fails(&["--total-params", "inf"], "got inf");
    energy_fails(
        &["--total-params", "seventy"],
        "--total-params: not a number: \"seventy\"",
    );
    energy_fails(&["--total-params", "120:70"], "range 120:70 has min > max");
    energy_fails(
        &["--total-params", "70", "--active-params", "80"],
        "active parameters (80 B) exceed total parameters (70 B)",
    );
    energy_fails(
        &["--total-params", "70", "--tokens", "0"],
        "tokens must be a positive, finite number, got 0",
    );
    energy_fails(
        &["--total-params", "70", "--tps", "0", "--ttft", "0.5"],
        "tps (tokens per second) must be positive and finite, got 0",
    );
    energy_fails(
        &["--total-params", "70", "--pue", "0.9"],
        "pue must be a finite number of at least 1, got 0.9",
    );
    energy_fails(
        &["--total-params", "70", "--latency", "0"],
        "request latency must be a positive number of seconds, got 0",
    );
    energy_fails(
        &[
            "--total-params",
            "70",
            "--methodology",
            "ecologits-0.8",
            "--pue",
            "1.1",
        ],
        "ecologits-0.8 fixes the PUE at 1.2",
    );
    energy_fails(
        &["--total-params", "70", "--methodology", "ecologits-9"],
        "unknown methodology \"ecologits-9\"",
    );
    energy_fails(
        &["--total-params", "70", "--zone", "FRN"],
        "unknown electricity zone \"FRN\"; closest valid codes: FRA",
    );
    energy_fails(
        &[
            "--total-params",
            "70",
            "--methodology",
            "ecologits-0.8",
            "--zone",
            "ABW",
        ],
        "unknown electricity zone \"ABW\"",
    );
    energy_fails(
        &["--model", "llama-405"],
        "unknown model \"llama-405\"; closest catalog ids: llama-3.1-405b",
    );
    energy_fails(
        &["--model", "glm-4.5", "--total-params", "3"],
        "cannot be used with",
    );
    energy_fails(&["--total-params", "70", "--tps", "40"], "--ttft");
    energy_fails(&[], "required");
}

#[test]
fn batch_answers_every_line_in_order_and_fails_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        r#"{"model": "glm-4.5"}"#,
        r#"{"total_params": 440, "active_params": {"min": 44, "max": 132}, "zone": "USA"}"#,
        r#"{"total_params": 0}"#,
        r#"{"model": "gpt-4o-2024-08-06"}"#,
        r#"not json"#,
        r#"{"model": "glm-4.5", "colour": "red"}"#,
        r#"{"model": "glm-4.5", "methodology": "comparia-2026-02", "tokens": 1000000}"#,
    ];
    std::fs::write(dir.path().join("cases.jsonl"), cases.join("\n")).unwrap();
    let outcome = arenawatt(
        dir.path(),
        &["energy", "--input", "cases.jsonl", "--zone", "FRA"],
    );
    assert!(!outcome.success, "{outcome}");
    assert!(outcome.stderr.contains("3 of 7 cases failed"), "{outcome}");
    let lines: Vec<Value> = outcome
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{outcome}")))
        .collect();
    assert_eq!(lines.len(), 7, "{outcome}");
    assert_eq!(lines[0]["model"], "glm-4.5");
    assert_eq!(
        lines[0]["zone"], "FRA",
        "flags are the defaults of each line"
    );
    assert_eq!(lines[1]["zone"], "USA");
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("cases.jsonl:3: invalid input: total parameters"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3]["energy_note"], "parameters not disclosed");
    assert!(
        lines[4]["error"]
            .as_str()
            .unwrap()
            .starts_with("cases.jsonl:5: "),
        "{}",
        lines[4]
    );
    assert!(
        lines[5]["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{}",
        lines[5]
    );
    assert_eq!(format!("{:.2}", mean(&lines[6], "energy_wh")), "21407.82");
}
