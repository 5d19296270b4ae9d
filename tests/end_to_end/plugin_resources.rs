//! CallResource through the real plugin: the editor lists, vote uploads and
//! their rules (roles, body limit, all-or-nothing batches), unknown paths, and
//! QueryData calls running while an upload writes.

use crate::support::plugin;

use plugin::*;
use serde_json::{json, Value};

async fn demo_ready(plugin: &Plugin) {
    let response = check_health(plugin, demo_context(Some("Admin"))).await;
    assert_eq!(response.status, 1, "demo store: {}", response.message);
}

fn store_context(
    path: &std::path::Path,
    role: Option<&str>,
) -> grafana_plugin_sdk::pluginv2::PluginContext {
    context(&json!({"path": path.display().to_string()}), role)
}

fn vote_line(id: &str, a: &str, b: &str, outcome: &str) -> String {
    json!({
        "source": "grafana-upload",
        "source_id": id,
        "timestamp": chrono::Utc::now().timestamp() - 3600,
        "model_a": a,
        "model_b": b,
        "outcome": outcome,
        "tokens_a": 420,
        "tokens_b": 380,
    })
    .to_string()
}

async fn two_models(plugin: &Plugin) -> (String, String) {
    let (status, body) = call_resource(
        plugin,
        demo_context(Some("Viewer")),
        "GET",
        "models",
        vec![],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let list = body.as_array().unwrap();
    (
        list[0]["value"].as_str().unwrap().to_string(),
        list[1]["value"].as_str().unwrap().to_string(),
    )
}

async fn sources_of(
    plugin: &Plugin,
    context: grafana_plugin_sdk::pluginv2::PluginContext,
) -> Vec<String> {
    let (status, body) = call_resource(plugin, context, "GET", "sources", vec![]).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn editor_lists_are_json_value_label_pairs() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    for (path, must_contain) in [
        ("models", None),
        ("organizations", None),
        ("sources", Some("simulated")),
        ("zones", Some("FRA")),
        ("methodologies", Some("ecologits-0.11")),
        ("licenses", None),
        ("architectures", Some("moe")),
        ("sizes", None),
    ] {
        let (status, body) =
            call_resource(&plugin, demo_context(Some("Viewer")), "GET", path, vec![]).await;
        assert_eq!(status, 200, "{path}: {body}");
        let list = body
            .as_array()
            .unwrap_or_else(|| panic!("{path}: not a list: {body}"));
        assert!(!list.is_empty(), "{path} is empty");
        for item in list {
            assert!(
                item["value"].is_string() && item["label"].is_string(),
                "{path}: {item}"
            );
        }
        if let Some(value) = must_contain {
            assert!(
                list.iter().any(|i| i["value"] == value),
                "{path} lacks {value}: {body}"
            );
        }
    }
    // Query-string keys filter like query keys.
    let (_, all) = call_resource(
        &plugin,
        demo_context(Some("Viewer")),
        "GET",
        "models",
        vec![],
    )
    .await;
    let (status, some) = call_resource(
        &plugin,
        demo_context(Some("Viewer")),
        "GET",
        "models?licenses=proprietary",
        vec![],
    )
    .await;
    assert_eq!(status, 200, "{some}");
    assert!(!some.as_array().unwrap().is_empty());
    assert!(some.as_array().unwrap().len() < all.as_array().unwrap().len());
    let (status, zones08) = call_resource(
        &plugin,
        demo_context(Some("Viewer")),
        "GET",
        "zones?methodology=ecologits-0.8",
        vec![],
    )
    .await;
    assert_eq!(status, 200, "{zones08}");
}

#[tokio::test]
async fn unknown_paths_and_methods_are_refused() {
    let plugin = Plugin::start();
    let (status, body) = call_resource(
        &plugin,
        demo_context(Some("Admin")),
        "GET",
        "nothing-here",
        vec![],
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("nothing-here"),
        "{body}"
    );
    let (status, body) = call_resource(
        &plugin,
        demo_context(Some("Admin")),
        "DELETE",
        "models",
        vec![],
    )
    .await;
    assert_eq!(status, 405, "{body}");
    let (status, body) =
        call_resource(&plugin, demo_context(Some("Admin")), "GET", "votes", vec![]).await;
    assert_eq!(status, 405, "{body}");
}

#[tokio::test]
async fn only_editors_and_admins_may_post_votes() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (a, b) = two_models(&plugin).await;
    for (role, expected) in [
        (Some("Viewer"), 403),
        (Some("None"), 403),
        (None, 403),
        (Some("Editor"), 200),
        (Some("Admin"), 200),
    ] {
        let body = vote_line(&format!("vote-{role:?}"), &a, &b, "a");
        let (status, answer) = call_resource(
            &plugin,
            store_context(&store, role),
            "POST",
            "votes",
            body.into_bytes(),
        )
        .await;
        assert_eq!(status, expected, "{role:?}: {answer}");
        if expected == 403 {
            let message = answer["error"].as_str().unwrap();
            assert!(message.contains("Editor or Admin"), "{message}");
            if role == Some("None") {
                assert!(
                    message.contains("None"),
                    "the message names the None role: {message}"
                );
            }
        } else {
            assert_eq!(answer["inserted"], 1, "{answer}");
        }
    }
    // Writes to the bundled demo data are refused even for admins.
    let (status, answer) = call_resource(
        &plugin,
        demo_context(Some("Admin")),
        "POST",
        "votes",
        vote_line("x", &a, &b, "b").into_bytes(),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
}

#[tokio::test]
async fn uploaded_votes_are_visible_to_queries_and_duplicates_are_skipped() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (a, b) = two_models(&plugin).await;
    assert!(!sources_of(&plugin, store_context(&store, Some("Viewer")))
        .await
        .contains(&"grafana-upload".to_string()));
    let body: String = (0..25)
        .map(|i| {
            vote_line(
                &format!("u{i}"),
                &a,
                &b,
                if i % 2 == 0 { "a" } else { "tie" },
            ) + "\n"
        })
        .collect();
    let (status, answer) = call_resource(
        &plugin,
        store_context(&store, Some("Editor")),
        "POST",
        "votes",
        body.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inserted"], 25, "{answer}");
    let version = answer["dataVersion"].as_u64().unwrap();
    assert!(sources_of(&plugin, store_context(&store, Some("Viewer")))
        .await
        .contains(&"grafana-upload".to_string()));
    let responses = query_data(
        &plugin,
        query_request(
            store_context(&store, Some("Viewer")),
            vec![data_query(
                "A",
                &json!({"queryType": "leaderboard", "sources": ["grafana-upload"]}),
            )],
        ),
    )
    .await;
    let frame = &frames_of(&responses, "A")[0];
    let votes: f64 = frame.field("votes").numbers().iter().flatten().sum();
    assert_eq!(votes, 50.0, "25 votes, counted once for each side");
    let (status, again) = call_resource(
        &plugin,
        store_context(&store, Some("Admin")),
        "POST",
        "votes",
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["inserted"], 0, "{again}");
    assert_eq!(again["duplicates"], 25, "{again}");
    assert!(again["dataVersion"].as_u64().unwrap() >= version);
}

#[tokio::test]
async fn a_malformed_line_rejects_the_whole_batch() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (a, b) = two_models(&plugin).await;
    let before = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    let before: Value = serde_json::from_slice(&before.json_details).unwrap();
    let body = [
        vote_line("m1", &a, &b, "a"),
        vote_line("m2", &a, &b, "b"),
        vote_line("m3", &a, &b, "maybe"),
        vote_line("m4", &a, &b, "a"),
    ]
    .join("\n");
    let (status, answer) = call_resource(
        &plugin,
        store_context(&store, Some("Editor")),
        "POST",
        "votes",
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let message = answer["error"].as_str().unwrap();
    assert!(
        message.contains("line 3") && message.contains("maybe"),
        "{message}"
    );
    let (status, answer) = call_resource(
        &plugin,
        store_context(&store, Some("Editor")),
        "POST",
        "votes",
        b"{\"source\": \"x\"".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let after = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    let after: Value = serde_json::from_slice(&after.json_details).unwrap();
    assert_eq!(before["votes"], after["votes"], "nothing was written");
    assert_eq!(
        before["dataVersion"], after["dataVersion"],
        "nothing was written"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (a, b) = two_models(&plugin).await;
    let line = vote_line("big", &a, &b, "a") + "\n";
    let body = line.repeat(9 * 1024 * 1024 / line.len() + 1);
    assert!(body.len() > 8 * 1024 * 1024);
    let (status, answer) = call_resource(
        &plugin,
        store_context(&store, Some("Admin")),
        "POST",
        "votes",
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("at most"),
        "{answer}"
    );
}

#[tokio::test]
async fn fifty_concurrent_queries_while_an_import_runs() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (a, b) = two_models(&plugin).await;
    let body: String = (0..20_000)
        .map(|i| vote_line(&format!("c{i}"), &a, &b, if i % 3 == 0 { "b" } else { "a" }) + "\n")
        .collect();
    let plugin = std::sync::Arc::new(plugin);
    let import = {
        let plugin = std::sync::Arc::clone(&plugin);
        let store = store.clone();
        tokio::spawn(async move {
            call_resource(
                &plugin,
                store_context(&store, Some("Editor")),
                "POST",
                "votes",
                body.into_bytes(),
            )
            .await
        })
    };
    let mut queries = Vec::new();
    for i in 0..50 {
        let plugin = std::sync::Arc::clone(&plugin);
        let store = store.clone();
        queries.push(tokio::spawn(async move {
            let q = match i % 3 {
                0 => json!({"queryType": "scatter", "minVotes": i}),
                1 => json!({"queryType": "leaderboard"}),
                _ => json!({"queryType": "variable", "of": "models"}),
            };
            let responses = query_data(
                &plugin,
                query_request(
                    store_context(&store, Some("Viewer")),
                    vec![data_query("Q", &q)],
                ),
            )
            .await;
            frames_of(&responses, "Q")[0].rows
        }));
    }
    for q in queries {
        assert!(q.await.unwrap() > 0);
    }
    let (status, answer) = import.await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inserted"], 20_000, "{answer}");
    // After the import, the new votes are counted.
    let responses = query_data(
        &plugin,
        query_request(
            store_context(&store, Some("Viewer")),
            vec![data_query(
                "A",
                &json!({"queryType": "leaderboard", "sources": ["grafana-upload"]}),
            )],
        ),
    )
    .await;
    let votes: f64 = frames_of(&responses, "A")[0]
        .field("votes")
        .numbers()
        .iter()
        .flatten()
        .sum();
    assert_eq!(votes, 40_000.0);
}
