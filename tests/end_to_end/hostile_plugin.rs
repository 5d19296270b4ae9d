//! The hostile-input suite, plugin side (issue 12, sections 4, 6, 7, 8 and 9):
//! the real `gpx_arenawatt` over gRPC, fed what a hostile or careless user
//! would give it. Each test is named after the defect it guards against:
//! a time range the SDK cannot convert, an oversized query, a store replaced
//! or deleted under the running plugin, a store path that is a directory, a
//! FIFO, a corrupt file or sits in a read-only folder, a demo folder another
//! user can write to, and a megabyte resource URL.
//!
//! Timeouts here only guard against hangs; none asserts a speed.

use crate::support::plugin;

use std::path::{Path, PathBuf};
use std::time::Duration;

use grafana_plugin_sdk::pluginv2::{self, check_health_response::HealthStatus};
use plugin::*;
use serde_json::json;

/// Generous: a hang fails the test instead of blocking the suite.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn store_context(path: &Path, role: Option<&str>) -> pluginv2::PluginContext {
    context(&json!({"path": path.display().to_string()}), role)
}

async fn demo_ready(plugin: &Plugin) {
    let response = check_health(plugin, demo_context(Some("Admin"))).await;
    assert_eq!(response.status, 1, "demo store: {}", response.message);
}

fn error_of(
    responses: &std::collections::HashMap<String, pluginv2::DataResponse>,
    ref_id: &str,
) -> String {
    let response = responses
        .get(ref_id)
        .unwrap_or_else(|| panic!("no response for {ref_id}; got {:?}", responses.keys()));
    assert!(
        !response.error.is_empty(),
        "refId {ref_id} should have failed; status {} with {} frames",
        response.status,
        response.frames.len()
    );
    assert!(
        response.frames.is_empty(),
        "refId {ref_id} failed but has frames"
    );
    response.error.clone()
}

/// The models a leaderboard query of this store lists.
async fn leaderboard_models(plugin: &Plugin, store: &Path) -> Result<Vec<String>, String> {
    let request = query_request(
        store_context(store, Some("Viewer")),
        vec![data_query("A", &json!({"queryType": "leaderboard"}))],
    );
    let responses = query_data(plugin, request).await;
    let response = &responses["A"];
    if !response.error.is_empty() {
        return Err(response.error.clone());
    }
    let frames = frames_of(&responses, "A");
    Ok(frames[0]
        .field("model")
        .strings()
        .into_iter()
        .flatten()
        .collect())
}

/// A small store of two models, written by the real CLI.
fn two_model_store(dir: &Path) -> PathBuf {
    let csv = dir.join("votes.csv");
    let day = chrono::Utc::now() - chrono::Duration::days(3);
    let stamp = day.format("%Y-%m-%dT12:00:00Z");
    let mut text = String::from("model_a,model_b,winner,timestamp,id\n");
    for i in 0..40 {
        let winner = if i % 3 == 0 { "model_b" } else { "model_a" };
        text.push_str(&format!("glm-4.5,llama-3.1-405b,{winner},{stamp},v{i}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let store = dir.join("new.sqlite");
    crate::support::cli::arenawatt_on(
        &store,
        &[
            "import",
            "--format",
            "csv",
            csv.to_str().expect("utf-8 path"),
        ],
        true,
    );
    store
}

fn remove_store_files(store: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = store.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

#[tokio::test]
async fn a_time_range_the_sdk_cannot_convert_fails_only_its_own_ref_id() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let mut bad = data_query("BAD", &json!({"queryType": "scatter"}));
    // JavaScript's minimum date: the SDK panicked converting it, and every
    // refId of the request was lost.
    bad.time_range = Some(pluginv2::TimeRange {
        from_epoch_ms: -8_640_000_000_000_000,
        to_epoch_ms: chrono::Utc::now().timestamp_millis(),
    });
    let mut reversed = data_query("REVERSED", &json!({"queryType": "scatter"}));
    reversed.time_range = Some(pluginv2::TimeRange {
        from_epoch_ms: 1_700_000_000_000,
        to_epoch_ms: 1_600_000_000_000,
    });
    let good = data_query("GOOD", &json!({"queryType": "scatter"}));
    let request = query_request(demo_context(Some("Viewer")), vec![bad, reversed, good]);
    let responses = query_data(&plugin, request).await;
    let error = error_of(&responses, "BAD");
    assert!(
        error.contains("fromEpochMS -8640000000000000 is outside 0001-01-01..9999-12-31"),
        "{error}"
    );
    assert_eq!(responses["BAD"].status, 400);
    let error = error_of(&responses, "REVERSED");
    assert!(error.contains("is after toEpochMS"), "{error}");
    let frames = frames_of(&responses, "GOOD");
    assert!(frames[0].rows > 50, "the good query still answers");
    assert!(!plugin.stderr().contains("panicked"), "{}", plugin.stderr());
}

#[tokio::test]
async fn a_50_mb_query_fails_alone_before_any_work_and_memory_stays_bounded() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let models = vec!["a"; 25 * 1024 * 1024].join(",");
    let huge = data_query("HUGE", &json!({"queryType": "scatter", "models": models}));
    assert!(huge.json.len() > 50_000_000);
    // Under the JSON cap, but a list no catalog could need.
    let long_list = vec!["gpt-4o"; 20_000].join(",");
    let long = data_query(
        "LONG",
        &json!({"queryType": "scatter", "models": long_list}),
    );
    let good = data_query("GOOD", &json!({"queryType": "leaderboard"}));
    let request = query_request(demo_context(Some("Viewer")), vec![huge, long, good]);
    let client = plugin.data().await;
    let responses = client
        .max_encoding_message_size(64 << 20)
        .query_data(request)
        .await
        .unwrap_or_else(|s| panic!("the whole request failed: {s}"))
        .into_inner()
        .responses;
    let error = error_of(&responses, "HUGE");
    assert!(error.contains("over the cap of 1048576 bytes"), "{error}");
    let error = error_of(&responses, "LONG");
    assert!(
        error.contains("models: 20000 items exceed the cap of 10000"),
        "{error}"
    );
    assert!(frames_of(&responses, "GOOD")[0].rows > 50);
    // It built a 314 MB answer and peaked at 2.96 GB before.
    let peak = peak_memory_kib(plugin.pid());
    assert!(peak < 1024 * 1024, "plugin peak memory {peak} KiB");
}

/// VmHWM of a process, in KiB.
fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in /proc/{pid}/status:\n{status}"))
}

#[tokio::test]
async fn a_store_replaced_under_the_plugin_is_served_from_the_new_file() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let before = leaderboard_models(&plugin, &store).await.unwrap();
    assert!(before.len() > 50, "{} models", before.len());
    let health = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    assert_eq!(health.status, HealthStatus::Ok as i32, "{}", health.message);

    let replacement = two_model_store(dir.path());
    // As `mv new.db store.db` does: the old file's -wal and -shm stay.
    std::fs::rename(&replacement, &store).unwrap();
    // Before, 190 of 200 answers still came from the old file.
    for round in 0..5 {
        let after = leaderboard_models(&plugin, &store).await.unwrap();
        assert_eq!(after.len(), 2, "round {round}: {after:?}");
    }
    let health = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    assert_eq!(health.status, HealthStatus::Ok as i32, "{}", health.message);
    assert!(health.message.contains("40 votes"), "{}", health.message);
}

#[tokio::test]
async fn a_deleted_store_is_reported_and_post_votes_does_not_create_a_new_one() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    assert!(leaderboard_models(&plugin, &store).await.is_ok());
    remove_store_files(&store);

    let error = leaderboard_models(&plugin, &store).await.unwrap_err();
    assert!(
        error.contains(&store.display().to_string())
            && (error.contains("deleted or moved away") || error.contains("store not found")),
        "{error}"
    );
    let health = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    assert_health_error(&health);
    assert!(
        health.message.contains(&store.display().to_string()),
        "{}",
        health.message
    );
    let line = json!({
        "source": "grafana-upload", "source_id": "after-delete",
        "timestamp": chrono::Utc::now().timestamp() - 3600,
        "model_a": "glm-4.5", "model_b": "llama-3.1-405b", "outcome": "a",
    })
    .to_string();
    let (status, body) = call_resource(
        &plugin,
        store_context(&store, Some("Editor")),
        "POST",
        "votes",
        line.into_bytes(),
    )
    .await;
    // Before: 200, and a new empty store that queries never read.
    assert_eq!(status, 409, "{body}");
    assert!(
        body.to_string().contains(&store.display().to_string()),
        "{body}"
    );
    assert!(!store.exists(), "POST votes created {}", store.display());
}

#[tokio::test]
async fn a_directory_as_the_store_path_is_named_as_a_directory() {
    let plugin = Plugin::start();
    let dir = tempfile::tempdir().unwrap();
    let health = check_health(&plugin, store_context(dir.path(), Some("Admin"))).await;
    assert_health_error(&health);
    // Before: "sqlite: disk I/O error", with no path.
    assert!(
        health
            .message
            .contains(&format!("{}: is a directory", dir.path().display())),
        "{}",
        health.message
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_fifo_as_the_store_path_is_refused_without_hanging_a_worker() {
    let plugin = Plugin::start();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("store.sqlite");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    // Before, the health check hung here.
    let health = tokio::time::timeout(
        HANG_GUARD,
        check_health(&plugin, store_context(&fifo, Some("Admin"))),
    )
    .await
    .expect("the health check hung on a FIFO");
    assert_health_error(&health);
    assert!(
        health.message.contains(&fifo.display().to_string())
            && health.message.contains("is not a regular file"),
        "{}",
        health.message
    );
    let responses = tokio::time::timeout(
        HANG_GUARD,
        query_data(
            &plugin,
            query_request(
                store_context(&fifo, Some("Viewer")),
                vec![data_query("A", &json!({"queryType": "scatter"}))],
            ),
        ),
    )
    .await
    .expect("a query hung on a FIFO");
    assert!(error_of(&responses, "A").contains("is not a regular file"));
}

#[tokio::test]
async fn a_store_with_8_kb_of_corrupt_pages_fails_the_health_check() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let mut bytes = std::fs::read(&store).unwrap();
    // Two 4 KiB pages in the middle of the file, where the tables are.
    let middle = bytes.len() / 2 / 4096 * 4096;
    for (i, b) in bytes[middle..middle + 8192].iter_mut().enumerate() {
        *b = (i * 131 % 251) as u8;
    }
    std::fs::write(&store, bytes).unwrap();
    let health = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    // Before: OK.
    assert_health_error(&health);
    assert!(
        health.message.contains(&store.display().to_string())
            && health.message.contains("quick_check"),
        "{}",
        health.message
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_store_in_a_read_only_folder_without_its_shm_file_names_the_fix_and_read_only_serves_it()
{
    use std::os::unix::fs::PermissionsExt;
    // Root ignores folder permissions: run the plugin as `nobody` then.
    let uid = (unsafe { libc::geteuid() } == 0).then_some(65_534);
    let plugin = Plugin::start_as(&[], uid);
    {
        // The demo store must exist before it is copied.
        let maker = Plugin::start();
        demo_ready(&maker).await;
    }
    let parent = tempfile::Builder::new()
        .prefix("arenawatt-ro-")
        .tempdir_in(std::env::temp_dir())
        .unwrap();
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let folder = parent.path().join("read-only");
    std::fs::create_dir(&folder).unwrap();
    let store = copy_of_demo_store(&folder);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
    }
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();

    let health = check_health(&plugin, store_context(&store, Some("Admin"))).await;
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_health_error(&health);
    // Before: "attempt to write a readonly database; check that Grafana's
    // user can read the file" (it can).
    assert!(
        health.message.contains(&folder.display().to_string())
            && health.message.contains("-shm")
            && health.message.contains("readOnly"),
        "{}",
        health.message
    );

    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let read_only = context(
        &json!({"path": store.display().to_string(), "readOnly": true}),
        Some("Admin"),
    );
    let health = check_health(&plugin, read_only.clone()).await;
    let request = query_request(
        read_only,
        vec![data_query("A", &json!({"queryType": "leaderboard"}))],
    );
    let responses = query_data(&plugin, request).await;
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(health.status, HealthStatus::Ok as i32, "{}", health.message);
    assert!(frames_of(&responses, "A")[0].rows > 50);
}

#[cfg(unix)]
#[tokio::test]
async fn a_demo_folder_other_users_can_write_to_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let cache = tempfile::tempdir().unwrap();
    let planted = cache.path().join("arenawatt");
    std::fs::create_dir(&planted).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o777)).unwrap();
    let plugin = Plugin::start_with(&[
        ("ARENAWATT_DEMO_STORE", ""),
        ("XDG_CACHE_HOME", cache.path().to_str().unwrap()),
    ]);
    let health = check_health(&plugin, demo_context(Some("Admin"))).await;
    // Before: the demo was built in the shared /tmp/arenawatt-<version>,
    // whoever had created it.
    assert_health_error(&health);
    assert!(
        health.message.contains(&format!(
            "refusing the demo cache folder {}",
            planted.display()
        )) && health.message.contains("writable by other users"),
        "{}",
        health.message
    );
    assert!(
        std::fs::read_dir(&planted).unwrap().next().is_none(),
        "nothing was built in the refused folder"
    );
}

#[tokio::test]
async fn a_1_mb_resource_url_is_not_echoed_in_full() {
    let plugin = Plugin::start();
    let url = format!("models?zone={}", "A".repeat(1024 * 1024));
    let (status, body) = call_resource(
        &plugin,
        demo_context(Some("Viewer")),
        "GET",
        &url,
        Vec::new(),
    )
    .await;
    assert_eq!(
        status,
        400,
        "{}",
        &body.to_string()[..200.min(body.to_string().len())]
    );
    let message = body["error"].as_str().unwrap_or_default().to_string();
    assert!(
        message.len() < 2_000,
        "the error echoes {} bytes",
        message.len()
    );
    assert!(
        message.contains("models?zone=AAAA") && message.contains('…'),
        "{message}"
    );
}
