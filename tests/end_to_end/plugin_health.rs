//! The real `gpx_arenawatt` over gRPC: handshake, logs and CheckHealth with a
//! good store (demo and configured), a missing store, a corrupt store and
//! settings that cannot work.

use crate::support::plugin;

use grafana_plugin_sdk::pluginv2::check_health_response::HealthStatus;
use plugin::*;
use serde_json::{json, Value};

fn details(response: &grafana_plugin_sdk::pluginv2::CheckHealthResponse) -> Value {
    serde_json::from_slice(&response.json_details).unwrap_or(Value::Null)
}

#[tokio::test]
async fn handshake_is_go_plugin_v2_over_tcp_and_logs_are_hclog_json() {
    let plugin = Plugin::start();
    assert!(
        plugin.handshake.starts_with("1|2|tcp|127.0.0.1:"),
        "{}",
        plugin.handshake
    );
    assert!(plugin.handshake.ends_with("|grpc"), "{}", plugin.handshake);
    // Ask something so the plugin logs a debug event with the duration.
    let responses = demo_queries(
        &plugin,
        &[("A", json!({"queryType": "variable", "of": "methodologies"}))],
    )
    .await;
    frames_of(&responses, "A");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let stderr = plugin.stderr();
    let events: Vec<Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("stderr line is not JSON ({e}): {l}"))
        })
        .collect();
    for e in &events {
        assert!(
            e.get("@level").is_some()
                && e.get("@message").is_some()
                && e.get("@timestamp").is_some(),
            "{e}"
        );
    }
    let query_event = events
        .iter()
        .find(|e| e["@message"] == "query")
        .unwrap_or_else(|| panic!("no query log event in:\n{stderr}"));
    // go-plugin reads levels case-insensitively (hclog.LevelFromString).
    assert!(
        query_event["@level"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("debug"),
        "{query_event}"
    );
    assert_eq!(query_event["query_type"], "variable", "{query_event}");
    assert!(
        query_event["duration_ms"].as_f64().is_some(),
        "{query_event}"
    );
}

#[tokio::test]
async fn health_is_ok_on_the_demo_data_with_details() {
    let plugin = Plugin::start();
    let response = check_health(&plugin, demo_context(Some("Admin"))).await;
    let d = details(&response);
    assert_eq!(
        response.status,
        HealthStatus::Ok as i32,
        "{}: {d}",
        response.message
    );
    assert!(response.message.contains("demo"), "{}", response.message);
    assert!(d["schemaVersion"].as_u64().unwrap() >= 1, "{d}");
    assert!(d["models"].as_u64().unwrap() > 50, "{d}");
    assert!(d["votes"].as_u64().unwrap() >= 200_000, "{d}");
    assert_eq!(
        d["sources"].as_u64().unwrap(),
        d["sourceNames"].as_array().unwrap().len() as u64
    );
    assert!(d["dataVersion"].as_u64().unwrap() >= 1, "{d}");
    assert_eq!(d["methodology"], "ecologits-0.11", "{d}");
    assert_eq!(d["zone"], "WOR", "{d}");
    let coverage = &d["catalogCoverage"];
    let voted = coverage["votedModels"].as_u64().unwrap();
    let with = coverage["withEnergy"].as_u64().unwrap();
    let without = coverage["withoutEnergy"].as_u64().unwrap();
    assert!(voted > 0 && with > 0 && without > 0, "{coverage}");
    assert_eq!(voted, with + without, "{coverage}");
    assert_eq!(
        coverage["modelsWithoutEnergy"].as_array().unwrap().len() as u64,
        without
    );
    assert!(
        coverage["modelsWithoutEnergy"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| !m["reason"].as_str().unwrap().is_empty()),
        "every model without energy says why: {coverage}"
    );
}

#[tokio::test]
async fn health_is_ok_on_a_configured_store_and_follows_the_settings() {
    let plugin = Plugin::start();
    check_health(&plugin, demo_context(None)).await; // builds the demo store
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let settings =
        json!({"path": store.display().to_string(), "methodology": "ecologits-0.8", "zone": "FRA"});
    let response = check_health(&plugin, context(&settings, Some("Admin"))).await;
    let d = details(&response);
    assert_eq!(
        response.status,
        HealthStatus::Ok as i32,
        "{}: {d}",
        response.message
    );
    assert_eq!(d["store"], store.display().to_string());
    assert_eq!(d["demo"], false);
    assert_eq!(d["methodology"], "ecologits-0.8");
    assert_eq!(d["zone"], "FRA");
}

#[tokio::test]
async fn health_reports_a_missing_store_with_a_hint() {
    let plugin = Plugin::start();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.sqlite");
    let response = check_health(
        &plugin,
        context(
            &json!({"path": missing.display().to_string()}),
            Some("Admin"),
        ),
    )
    .await;
    assert_health_error(&response);
    assert!(
        response.message.contains(&missing.display().to_string()),
        "{}",
        response.message
    );
    assert!(
        response.message.contains("not found"),
        "{}",
        response.message
    );
    assert!(
        response.message.contains("arenawatt import"),
        "hint: {}",
        response.message
    );
    assert!(
        !missing.exists(),
        "the health check must not create the store"
    );
    // The plugin keeps serving.
    let ok = check_health(&plugin, demo_context(Some("Admin"))).await;
    assert_eq!(ok.status, HealthStatus::Ok as i32, "{}", ok.message);
}

#[tokio::test]
async fn health_reports_a_corrupt_store() {
    let plugin = Plugin::start();
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(
        &corrupt,
        b"this is not a sqlite database, just some text that is long enough",
    )
    .unwrap();
    let response = check_health(
        &plugin,
        context(
            &json!({"path": corrupt.display().to_string()}),
            Some("Admin"),
        ),
    )
    .await;
    assert_health_error(&response);
    assert!(
        response.message.contains(&corrupt.display().to_string()),
        "{}",
        response.message
    );
    assert!(
        response.message.contains("not an arenawatt store"),
        "{}",
        response.message
    );
}

#[tokio::test]
async fn health_reports_settings_that_cannot_work() {
    let plugin = Plugin::start();
    let cases = [
        (json!({"zone": "XYZ"}), "XYZ"),
        (json!({"methodology": "ecologits-9"}), "ecologits-9"),
        (json!({"pue": "fast"}), "pue"),
        (json!({"pue": 0.3}), "pue"),
        (json!({"ties": "sometimes"}), "ties"),
    ];
    for (settings, named) in cases {
        let response = check_health(&plugin, context(&settings, Some("Admin"))).await;
        assert_eq!(
            response.status,
            HealthStatus::Error as i32,
            "{settings}: {}",
            response.message
        );
        assert!(
            response.message.contains(named),
            "{settings}: {}",
            response.message
        );
    }
}

#[tokio::test]
async fn health_and_queries_survive_invalid_json_data_and_unknown_roles() {
    let plugin = Plugin::start();
    let mut bad = demo_context(Some("None"));
    bad.data_source_instance_settings
        .as_mut()
        .unwrap()
        .json_data = b"{\"path\": ".to_vec();
    let response = check_health(&plugin, bad).await;
    assert_health_error(&response);
    assert!(
        response.message.contains("not valid JSON"),
        "{}",
        response.message
    );
    // A user with Grafana's `None` role can still check health and query.
    let response = check_health(&plugin, demo_context(Some("None"))).await;
    assert_eq!(
        response.status,
        HealthStatus::Ok as i32,
        "{}",
        response.message
    );
}

#[tokio::test]
async fn collect_metrics_counts_queries_in_prometheus_text() {
    let plugin = Plugin::start();
    let responses = demo_queries(
        &plugin,
        &[
            ("A", json!({"queryType": "variable", "of": "zones"})),
            ("B", json!({"queryType": "pie"})),
        ],
    )
    .await;
    assert!(responses["B"].status >= 400);
    let mut client = plugin.diagnostics().await;
    let response = client
        .collect_metrics(grafana_plugin_sdk::pluginv2::CollectMetricsRequest {
            plugin_context: Some(demo_context(Some("Admin"))),
        })
        .await
        .expect("CollectMetrics")
        .into_inner();
    let text = String::from_utf8(response.metrics.expect("a metrics payload").prometheus).unwrap();
    assert!(
        text.contains("arenawatt_queries_total{query_type=\"variable\",outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE arenawatt_query_seconds_total counter"),
        "{text}"
    );
}
