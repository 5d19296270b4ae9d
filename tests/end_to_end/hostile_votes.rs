//! The hostile-input suite of `POST votes` (issue 12): the plugin's upload
//! follows the import's rules (plausible-time window, two sides that are one
//! model, token counts that fit, model names without control characters, a
//! byte order mark), each refusal naming its line and leaving the store as
//! it was. Runs the real `gpx_arenawatt` against a store built by the real
//! `arenawatt` in a temporary folder.

use crate::support::plugin;

use std::path::{Path, PathBuf};

use arenawatt::store::{CountFilter, Store};
use plugin::*;
use serde_json::json;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A store with 30 recent csv votes, and its folder.
fn seeded_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let csv = dir.path().join("seed.csv");
    let mut text = String::from("id,model_a,model_b,winner,timestamp\n");
    for i in 0..30 {
        let (a, b) = if i % 2 == 0 {
            ("llama-3.1-405b", "glm-4.5")
        } else {
            ("glm-4.5", "llama-3.1-405b")
        };
        text.push_str(&format!(
            "s{i},{a},{b},model_a,{}\n",
            now() - 86_400 + i * 60
        ));
    }
    std::fs::write(&csv, text).unwrap();
    crate::support::cli::arenawatt_on(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        true,
    );
    (dir, db)
}

/// What a reader of the store sees.
fn snapshot(db: &Path) -> (u64, arenawatt::rating::PairTable, usize) {
    let store = Store::open_read_only(db).unwrap();
    (
        store.data_version().unwrap(),
        store.pair_table(&CountFilter::default()).unwrap(),
        store.imports().unwrap().len(),
    )
}

fn line(timestamp: serde_json::Value, a: &str, b: &str, tokens_a: serde_json::Value) -> String {
    json!({"id": "up", "model_a": a, "model_b": b, "winner": "model_a", "timestamp": timestamp, "tokens_a": tokens_a})
        .to_string()
}

/// Posts `body` as an Editor; returns (status, error text or the answer).
async fn post(plugin: &Plugin, db: &Path, body: String) -> (i32, String) {
    let context = context(&json!({"path": db.display().to_string()}), Some("Editor"));
    let (status, answer) = call_resource(plugin, context, "POST", "votes", body.into_bytes()).await;
    let text = answer["error"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| answer.to_string());
    (status, text)
}

/// Posts a body that must be refused with 400 and `expected` in its message,
/// leaving the store unchanged.
async fn refused(plugin: &Plugin, db: &Path, body: String, expected: &str) {
    let before = snapshot(db);
    let (status, message) = post(plugin, db, body).await;
    assert_eq!(status, 400, "{message}");
    assert!(
        message.contains(expected),
        "expected {expected:?} in: {message}"
    );
    assert_eq!(snapshot(db), before, "the store changed: {message}");
}

fn good_line() -> String {
    line(json!(now() - 600), "glm-4.5", "llama-3.1-405b", json!(12))
}

#[tokio::test]
async fn posted_vote_in_year_9999_is_rejected_with_its_line() {
    let (_dir, db) = seeded_store();
    let plugin = Plugin::start();
    let body = [
        good_line(),
        line(
            json!("9999-12-31T23:59:59Z"),
            "glm-4.5",
            "llama-3.1-405b",
            json!(1),
        ),
    ]
    .join("\n");
    refused(
        &plugin,
        &db,
        body,
        "line 2: timestamp: timestamp 9999-12-31T23:59:59Z is outside the plausible window 2000-01-01T00:00:00Z to ",
    )
    .await;
    let body = line(json!(1e300), "glm-4.5", "llama-3.1-405b", json!(1));
    refused(
        &plugin,
        &db,
        body,
        "line 1: timestamp: timestamp 1e+300 is outside the plausible window",
    )
    .await;
    let body = line(json!(i64::MIN), "glm-4.5", "llama-3.1-405b", json!(1));
    refused(&plugin, &db, body, "line 1: timestamp: timestamp -9223372036854775808 (read as nanoseconds: 1677-09-21T00:12:43Z) is outside").await;
}

#[tokio::test]
async fn posted_vote_whose_sides_are_aliases_of_one_model_is_rejected_naming_both() {
    let (_dir, db) = seeded_store();
    let plugin = Plugin::start();
    let body = [
        good_line(),
        line(
            json!(now() - 60),
            "llama-3.1-405b-instruct",
            "llama-3.1-405b",
            json!(1),
        ),
    ]
    .join("\n");
    refused(
        &plugin,
        &db,
        body,
        "line 2: model_b: model_a \"llama-3.1-405b-instruct\" and model_b \"llama-3.1-405b\" are the same model \"llama-3.1-405b\"",
    )
    .await;
}

#[tokio::test]
async fn posted_tokens_of_2_pow_32_are_rejected_with_their_line() {
    let (_dir, db) = seeded_store();
    let plugin = Plugin::start();
    let body = [
        good_line(),
        good_line().replace("\"up\"", "\"up2\""),
        line(
            json!(now() - 60),
            "glm-4.5",
            "llama-3.1-405b",
            json!(4_294_967_296u64),
        ),
    ]
    .join("\n");
    refused(
        &plugin,
        &db,
        body,
        "line 3: tokens_a: token count 4294967296 is too large (at most 4294967294)",
    )
    .await;
}

#[tokio::test]
async fn posted_model_name_with_a_nul_byte_is_rejected_with_its_line() {
    let (_dir, db) = seeded_store();
    let plugin = Plugin::start();
    let body = line(json!(now() - 60), "glm\u{0}4.5", "llama-3.1-405b", json!(1));
    refused(
        &plugin,
        &db,
        body,
        "line 1: model_a: model name \"glm\\04.5\" contains the control character U+0000",
    )
    .await;
}

#[tokio::test]
async fn posted_body_with_a_byte_order_mark_is_accepted() {
    let (_dir, db) = seeded_store();
    let plugin = Plugin::start();
    let (status, answer) = post(&plugin, &db, format!("\u{feff}{}\n", good_line())).await;
    assert_eq!(status, 200, "{answer}");
    let store = Store::open_read_only(&db).unwrap();
    let vote = store.find_vote("grafana-upload", "up").unwrap();
    assert_eq!(vote.map(|v| v.tokens_a), Some(Some(12)), "{answer}");
}

#[tokio::test]
async fn health_check_keeps_working_after_an_import_that_would_overflow_the_matches_counter() {
    let (dir, db) = seeded_store();
    let plugin = Plugin::start();
    let pairs = |name: &str, counts: &str| {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!(r#"{{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[{counts}]}}"#),
        )
        .unwrap();
        file
    };
    let first = pairs("first.json", "[5000000000000000000,0,0,0]");
    let second = pairs("second.json", "[0,5000000000000000000,0,0]");
    for (file, date, success) in [(&first, "2024-08-14", true), (&second, "2024-08-15", false)] {
        crate::support::cli::arenawatt_on(
            &db,
            &[
                "import",
                "--format",
                "pair-counts",
                "--source",
                "huge",
                "--date",
                date,
                file.to_str().unwrap(),
            ],
            success,
        );
    }
    let health = check_health(
        &plugin,
        context(&json!({"path": db.display().to_string()}), Some("Admin")),
    )
    .await;
    assert_eq!(health.status, 1, "health: {}", health.message);
    let details: serde_json::Value = serde_json::from_slice(&health.json_details).unwrap();
    assert_eq!(
        details["votes"],
        json!(5_000_000_000_000_000_030u64),
        "{details}"
    );
}
