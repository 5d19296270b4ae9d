//! `arenawatt catalog list` and `catalog import`, run as a user would, in a
//! temporary folder with its own store.

use std::path::Path;

use serde_json::Value;

use crate::support::cli::arenawatt;

fn list_json(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["catalog", "list", "--format", "json"];
    args.extend_from_slice(extra);
    let outcome = arenawatt(dir, &args);
    assert!(outcome.success, "{outcome}");
    serde_json::from_str(&outcome.stdout).unwrap_or_else(|e| panic!("{e}\n{outcome}"))
}

fn find<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed"))
}

#[test]
fn list_shows_facts_and_energy_with_its_methodology() {
    let dir = tempfile::tempdir().unwrap();
    let rows = list_json(dir.path(), &[]);
    let llama = find(&rows, "llama-3.1-405b");
    assert_eq!(llama["license_kind"], "open");
    assert_eq!(llama["size_class"], "XL");
    assert_eq!(llama["origin"], "bundled");
    assert_eq!(llama["energy_methodology"], "ecologits-0.11");
    assert_eq!(
        format!("{:.2}", llama["wh_per_1k_tokens"].as_f64().unwrap()),
        "8.75"
    );
    assert!(llama["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "llama-3.1-405b-instruct"));
    let claude = find(&rows, "claude-3-7-sonnet");
    assert!(claude["wh_per_1k_tokens"].is_null());
    assert_eq!(claude["energy_note"], "parameters not disclosed");

    let comparia = list_json(dir.path(), &["--methodology", "comparia-2026-02"]);
    let glm = find(&comparia, "glm-4.5");
    assert_eq!(
        format!("{:.2}", glm["wh_per_1k_tokens"].as_f64().unwrap()),
        "21.41"
    );
    assert!(
        !dir.path().join("arenawatt.db").exists(),
        "listing must not create a store"
    );
}

#[test]
fn list_as_csv_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = arenawatt(dir.path(), &["catalog", "list", "--format", "csv"]);
    assert!(outcome.success, "{outcome}");
    let mut reader = csv::Reader::from_reader(outcome.stdout.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let gpt4o = records.iter().find(|r| &r[0] == "gpt-4o").unwrap();
    assert_eq!(&gpt4o[column("active_params_b")], "44:132");
    assert_eq!(&gpt4o[column("params_estimated")], "true");
    assert!(records.len() > 216, "{} rows", records.len());

    let table = arenawatt(dir.path(), &["catalog", "list"]);
    assert!(table.success, "{table}");
    assert!(table.stdout.contains("Wh/1k tokens"), "{table}");
    assert!(
        table
            .stdout
            .contains("energy: ecologits-0.11, zone WOR, PUE 1.15, per 1000 output tokens"),
        "{table}"
    );
}

#[test]
fn import_adds_custom_models_that_energy_and_list_use() {
    let dir = tempfile::tempdir().unwrap();
    let comparia = r#"{"timestamp": 0, "models": {
        "my-moe": {"id": "my-moe", "simple_name": "My MoE", "organisation": "Me", "license": "Apache 2.0",
                   "arch": "moe", "params": 355, "active_params": 32, "quantization": null, "release_date": "01/2026"},
        "glm-4.5": {"id": "glm-4.5", "simple_name": "GLM 4.5 (mine)", "organisation": "Zhipu", "license": "MIT",
                   "arch": "dense", "params": 355, "active_params": null}}}"#;
    std::fs::write(dir.path().join("mine.json"), comparia).unwrap();
    let outcome = arenawatt(
        dir.path(),
        &["catalog", "import", "--format", "comparia", "mine.json"],
    );
    assert!(outcome.success, "{outcome}");
    assert!(
        outcome.stdout.contains("imported 2 models from mine.json"),
        "{outcome}"
    );
    assert!(
        outcome.stdout.contains("1 replace bundled entries"),
        "{outcome}"
    );
    // A catalog import is a write: it bumps the data version query caches use.
    assert!(outcome.stdout.contains("data version 1"), "{outcome}");

    let rows = list_json(dir.path(), &[]);
    let mine = find(&rows, "my-moe");
    assert_eq!(mine["origin"], "custom");
    assert_eq!(
        format!("{:.2}", mine["wh_per_1k_tokens"].as_f64().unwrap()),
        "1.81"
    );
    let glm = find(&rows, "glm-4.5");
    assert_eq!(glm["origin"], "custom");
    assert_eq!(glm["architecture"], "dense");

    let energy = arenawatt(
        dir.path(),
        &["energy", "--model", "my-moe", "--format", "jsonl"],
    );
    assert!(energy.success, "{energy}");
    let value: Value = serde_json::from_str(energy.stdout.trim()).unwrap();
    assert_eq!(value["model"], "my-moe");

    let ecologits = r#"{"models": [{"provider": "huggingface_hub", "name": "me/tiny-8b",
        "architecture": {"type": "dense", "parameters": 8.03}, "warnings": null,
        "deployment": {"tps": null, "ttft": null}}]}"#;
    std::fs::write(dir.path().join("eco.json"), ecologits).unwrap();
    let outcome = arenawatt(
        dir.path(),
        &["catalog", "import", "--format", "ecologits", "eco.json"],
    );
    assert!(outcome.success, "{outcome}");
    assert!(outcome.stdout.contains("data version 2"), "{outcome}");
    let rows = list_json(dir.path(), &[]);
    assert_eq!(find(&rows, "me/tiny-8b")["origin"], "custom");
}

#[test]
fn bad_catalog_files_are_named_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = arenawatt(
        dir.path(),
        &["catalog", "import", "--format", "comparia", "nope.json"],
    );
    assert!(
        !missing.success
            && missing
                .stderr
                .contains("nope.json: cannot read catalog file"),
        "{missing}"
    );

    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"models": {"x": {"id": "x", "license": "MIT", "params": -3}}}"#,
    )
    .unwrap();
    let bad = arenawatt(
        dir.path(),
        &["catalog", "import", "--format", "comparia", "bad.json"],
    );
    assert!(!bad.success, "{bad}");
    assert!(
        bad.stderr
            .contains("catalog file bad.json: model \"x\": field params"),
        "{bad}"
    );

    std::fs::write(
        dir.path().join("wrong.json"),
        r#"{"models": [{"id": "x", "license": "MIT"}]}"#,
    )
    .unwrap();
    let wrong = arenawatt(
        dir.path(),
        &["catalog", "import", "--format", "ecologits", "wrong.json"],
    );
    assert!(!wrong.success, "{wrong}");
    assert!(
        wrong
            .stderr
            .contains("catalog file wrong.json: not an EcoLogits model database"),
        "{wrong}"
    );
    assert!(
        !dir.path().join("arenawatt.db").exists(),
        "a failed import must not create a store"
    );

    let methodology = arenawatt(dir.path(), &["catalog", "list", "--methodology", "nope"]);
    assert!(
        !methodology.success && methodology.stderr.contains("unknown methodology \"nope\""),
        "{methodology}"
    );
}

#[test]
fn queries_use_the_custom_models_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let comparia = r#"{"timestamp": 0, "models": {
        "my-moe": {"id": "my-moe", "simple_name": "My MoE", "organisation": "Me", "license": "Apache 2.0",
                   "arch": "moe", "params": 355, "active_params": 32, "quantization": null, "release_date": "01/2026"}}}"#;
    std::fs::write(dir.path().join("mine.json"), comparia).unwrap();
    let imported = arenawatt(
        dir.path(),
        &["catalog", "import", "--format", "comparia", "mine.json"],
    );
    assert!(imported.success, "{imported}");
    let votes = "model_a,model_b,winner,timestamp\n\
                 my-moe,llama-3.1-8b,model_a,2026-01-01T00:00:00Z\n\
                 my-moe,llama-3.1-8b,model_b,2026-01-02T00:00:00Z\n\
                 my-moe,llama-3.1-8b,model_a,2026-01-03T00:00:00Z\n";
    std::fs::write(dir.path().join("votes.csv"), votes).unwrap();
    let voted = arenawatt(dir.path(), &["import", "--format", "csv", "votes.csv"]);
    assert!(voted.success, "{voted}");
    let query = arenawatt(
        dir.path(),
        &[
            "query", "--type", "model", "--model", "my-moe", "--format", "json",
        ],
    );
    assert!(query.success, "{query}");
    assert!(!query.stdout.contains("not in catalog"), "{query}");
    assert!(query.stdout.contains("My MoE"), "{query}");
}
