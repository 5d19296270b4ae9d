//! Custom catalog models reach a running plugin: `arenawatt catalog import`
//! (the real CLI) writes to the store while the real `gpx_arenawatt` serves
//! it, and the same plugin instance answers the next queries and `POST votes`
//! with the new models, without a restart or a settings change.

use crate::support::plugin;

use std::collections::HashMap;
use std::path::Path;

use crate::support::cli::arenawatt_on;
use plugin::*;
use serde_json::{json, Value};

fn store_context(path: &Path, role: Option<&str>) -> grafana_plugin_sdk::pluginv2::PluginContext {
    context(&json!({"path": path.display().to_string()}), role)
}

/// Votes between bundled models and `extra`, over the last days, written as
/// a csv file and imported with `arenawatt import`.
fn import_votes(dir: &Path, db: &Path, extra: &str) {
    let models = ["llama-3.1-8b", "llama-3.1-405b", "glm-4.5", extra];
    let now = chrono::Utc::now().timestamp();
    let mut csv = String::from("model_a,model_b,winner,timestamp,id\n");
    let mut n = 0;
    for (i, a) in models.iter().enumerate() {
        for b in &models[i + 1..] {
            for k in 0..6 {
                let winner = if k % 3 == 2 { "model_b" } else { "model_a" };
                n += 1;
                csv.push_str(&format!(
                    "{a},{b},{winner},{},v{n}\n",
                    now - 86_400 * (k + 1)
                ));
            }
        }
    }
    let file = dir.join("votes.csv");
    std::fs::write(&file, csv).unwrap();
    arenawatt_on(
        db,
        &["import", "--format", "csv", file.to_str().unwrap()],
        true,
    );
}

fn catalog_import(db: &Path, format: &str, file: &Path, text: &str) -> String {
    std::fs::write(file, text).unwrap();
    let output = arenawatt_on(
        db,
        &[
            "catalog",
            "import",
            "--format",
            format,
            file.to_str().unwrap(),
        ],
        true,
    );
    output.stdout.clone()
}

/// The plugin's leaderboard rows by model: (votes, wh_per_1k_tokens,
/// energy_note, organization).
type Rows = HashMap<String, (f64, Option<f64>, String, String)>;

async fn leaderboard(plugin: &Plugin, db: &Path) -> Rows {
    let responses = query_data(
        plugin,
        query_request(
            store_context(db, Some("Viewer")),
            vec![data_query("A", &json!({"queryType": "leaderboard"}))],
        ),
    )
    .await;
    let frame = &frames_of(&responses, "A")[0];
    let models = frame.field("model").strings();
    let votes = frame.field("votes").numbers();
    let wh = frame.field("wh_per_1k_tokens").numbers();
    let notes = frame.field("energy_note").strings();
    let organizations = frame.field("organization").strings();
    let mut rows = HashMap::new();
    for i in 0..models.len() {
        let model = models[i].clone().unwrap_or_default();
        let twice = rows.insert(
            model.clone(),
            (
                votes[i].unwrap_or(0.0),
                wh[i],
                notes[i].clone().unwrap_or_default(),
                organizations[i].clone().unwrap_or_default(),
            ),
        );
        assert!(twice.is_none(), "{model} is listed twice: {models:?}");
    }
    rows
}

async fn data_version(plugin: &Plugin, db: &Path) -> u64 {
    let health = check_health(plugin, store_context(db, Some("Admin"))).await;
    assert_eq!(health.status, 1, "{}", health.message);
    let details: Value = serde_json::from_slice(&health.json_details).unwrap();
    details["dataVersion"]
        .as_u64()
        .unwrap_or_else(|| panic!("no dataVersion in {details}"))
}

async fn list(plugin: &Plugin, db: &Path, what: &str) -> Vec<String> {
    let (status, body) = call_resource(
        plugin,
        store_context(db, Some("Viewer")),
        "GET",
        what,
        vec![],
    )
    .await;
    assert_eq!(status, 200, "{what}: {body}");
    body.as_array()
        .unwrap_or_else(|| panic!("{what}: not a list: {body}"))
        .iter()
        .map(|v| v["value"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `wh_per_1k_tokens` of `model` as a fresh `arenawatt query` process
/// computes it on the same store.
/// `POST votes` with one JSON object a line, as an editor; the answer of a
/// 200 response (any other status fails the test).
async fn post_votes(plugin: &Plugin, db: &Path, votes: impl Iterator<Item = Value>) -> Value {
    let body: String = votes.map(|v| v.to_string() + "\n").collect();
    let (status, answer) = call_resource(
        plugin,
        store_context(db, Some("Editor")),
        "POST",
        "votes",
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

fn cli_wh(db: &Path, model: &str) -> String {
    let output = arenawatt_on(
        db,
        &["query", "--type", "leaderboard", "--format", "csv"],
        true,
    );
    let text = output.stdout.clone();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column in {text}"))
    };
    let (model_at, wh_at) = (column("model"), column("wh_per_1k_tokens"));
    reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[model_at] == model)
        .unwrap_or_else(|| panic!("{model} not in {text}"))[wh_at]
        .to_string()
}

const ACME_MEGA: &str = r#"{"timestamp": 0, "models": {
    "acme-mega-70b": {"id": "acme-mega-70b", "simple_name": "Acme Mega 70B", "organisation": "Acme Labs",
        "license": "Apache 2.0", "arch": "dense", "params": 70, "active_params": null,
        "quantization": null, "release_date": "03/2026"}}}"#;

#[tokio::test]
async fn a_catalog_import_reaches_the_running_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    import_votes(dir.path(), &db, "acme-mega-70b");
    let plugin = Plugin::start();

    // Before: the votes count, but the catalog does not know the model.
    let before = leaderboard(&plugin, &db).await;
    let (votes, wh, note, _) = before
        .get("acme-mega-70b")
        .unwrap_or_else(|| panic!("acme-mega-70b not ranked: {before:?}"));
    assert_eq!(*votes, 18.0, "{before:?}");
    assert_eq!((*wh, note.as_str()), (None, "not in catalog"), "{before:?}");
    assert!(!list(&plugin, &db, "organizations")
        .await
        .contains(&"Acme Labs".to_string()));
    let version_before = data_version(&plugin, &db).await;

    // The catalog import bumps the data version …
    let printed = catalog_import(&db, "comparia", &dir.path().join("acme.json"), ACME_MEGA);
    let version_after = data_version(&plugin, &db).await;
    assert_eq!(version_after, version_before + 1, "{printed}");
    assert!(
        printed.contains(&format!("data version {version_after}")),
        "{printed}"
    );

    // … so the same running instance serves the model with its energy.
    let after = leaderboard(&plugin, &db).await;
    let (votes, wh, note, organization) = after
        .get("acme-mega-70b")
        .unwrap_or_else(|| panic!("acme-mega-70b not ranked: {after:?}\n{}", plugin.stderr()));
    assert_eq!(*votes, 18.0, "{after:?}");
    assert_ne!(note, "not in catalog", "{after:?}");
    assert_eq!(organization, "Acme Labs", "{after:?}");
    let wh = wh.unwrap_or_else(|| panic!("no energy for acme-mega-70b: {after:?}"));
    assert!(wh > 0.0, "{wh}");
    let expected: f64 = cli_wh(&db, "acme-mega-70b").parse().unwrap();
    assert!(
        (wh - expected).abs() <= 1e-9 * expected,
        "plugin {wh} Wh/1k tokens, arenawatt query {expected}"
    );
    // Bundled models keep their figures.
    assert_eq!(before["glm-4.5"].1, after["glm-4.5"].1);

    // The scatter and the editor lists see it too.
    let responses = query_data(
        &plugin,
        query_request(
            store_context(&db, Some("Viewer")),
            vec![data_query("S", &json!({"queryType": "scatter"}))],
        ),
    )
    .await;
    let scatter = &frames_of(&responses, "S")[0];
    let at = scatter
        .field("model")
        .strings()
        .iter()
        .position(|m| m.as_deref() == Some("acme-mega-70b"))
        .expect("acme-mega-70b in the scatter");
    assert_eq!(scatter.field("wh_per_1k_tokens").numbers()[at], Some(wh));
    assert!(list(&plugin, &db, "organizations")
        .await
        .contains(&"Acme Labs".to_string()));

    // POST votes on the running instance resolves names with the new model
    // (the catalog matches names case-insensitively).
    let votes = (0..4).map(|i| {
        json!({
            "model_a": "ACME-Mega-70B",
            "model_b": "llama-3.1-8b",
            "winner": "model_a",
            "timestamp": chrono::Utc::now().timestamp() - 3600,
            "id": format!("post-{i}"),
        })
    });
    let answer = post_votes(&plugin, &db, votes).await;
    assert_eq!(answer["inserted"], 4, "{answer}");
    let posted = leaderboard(&plugin, &db).await;
    assert_eq!(posted["acme-mega-70b"].0, 22.0, "{posted:?}");
    assert!(!posted.contains_key("ACME-Mega-70B"), "{posted:?}");
}

#[tokio::test]
async fn posted_votes_resolve_aliases_of_custom_models() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    import_votes(dir.path(), &db, "gpt-4o");
    // An EcoLogits file whose alias record names the model another way.
    let ecologits = r#"{"aliases": [{"type": "alias", "provider": "huggingface_hub",
            "name": "acme/tiny-chat", "alias": "acme/tiny-8b"}],
        "models": [{"provider": "huggingface_hub", "name": "acme/tiny-8b",
            "architecture": {"type": "dense", "parameters": 8.03}, "warnings": null,
            "deployment": {"tps": null, "ttft": null}}]}"#;
    catalog_import(&db, "ecologits", &dir.path().join("eco.json"), ecologits);
    let plugin = Plugin::start();

    let now = chrono::Utc::now().timestamp();
    let votes = (0..10).map(|i| {
        json!({
            "model_a": if i % 2 == 0 { "acme/tiny-chat" } else { "acme/tiny-8b" },
            "model_b": "llama-3.1-8b",
            "winner": if i % 3 == 0 { "model_b" } else { "model_a" },
            "timestamp": now - 3600 * (i + 1),
            "id": format!("tiny-{i}"),
        })
    });
    let answer = post_votes(&plugin, &db, votes).await;
    assert_eq!(answer["inserted"], 10, "{answer}");

    let rows = leaderboard(&plugin, &db).await;
    assert!(
        !rows.contains_key("acme/tiny-chat"),
        "the alias was stored as a model of its own: {rows:?}"
    );
    let (votes, wh, note, organization) = rows
        .get("acme/tiny-8b")
        .unwrap_or_else(|| panic!("acme/tiny-8b not ranked: {rows:?}"));
    assert_eq!(*votes, 10.0, "{rows:?}");
    assert_eq!(organization, "acme", "{rows:?}");
    assert!(wh.is_some_and(|w| w > 0.0), "{note}: {rows:?}");
}
