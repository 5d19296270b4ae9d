//! The shared read-only store of docs/scale.md: two `gpx_arenawatt`
//! processes (two Grafana replicas) serve queries at once from one store
//! opened with `readOnly` (SQLite `immutable=1`), while `arenawatt snapshot`
//! refreshes that store from a live one that keeps being imported into.
//! No query may fail, and both replicas end up serving the last snapshot.

use std::path::{Path, PathBuf};

use grafana_plugin_sdk::pluginv2::PluginContext;
use serde_json::{json, Value};

use crate::support::cli::arenawatt_on;
use crate::support::plugin::*;

fn simulate_into(live: &Path, dir: &Path, round: u32) {
    let votes = dir.join(format!("votes-{round}.csv"));
    let seed = (round + 1).to_string();
    let prefix = format!("round{round}-");
    arenawatt_on(
        live,
        &[
            "simulate",
            "--votes",
            "3000",
            "--days",
            "20",
            "--seed",
            &seed,
            "--id-prefix",
            &prefix,
            "--out",
            votes.to_str().unwrap(),
        ],
        true,
    );
    arenawatt_on(
        live,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );
}

fn snapshot(live: &Path, shared: &Path) {
    let run = arenawatt_on(live, &["snapshot", "--out", shared.to_str().unwrap()], true);
    assert!(run.stdout.contains("snapshot"), "{run}");
}

/// The sum of the leaderboard's `votes` field (twice the matches).
async fn served_votes(plugin: &Plugin, context: PluginContext) -> f64 {
    let responses = query_data(
        plugin,
        query_request(
            context,
            vec![
                data_query("board", &json!({"queryType": "leaderboard"})),
                data_query("trend", &json!({"queryType": "trend", "step": "day"})),
            ],
        ),
    )
    .await;
    let trend = frames_of(&responses, "trend");
    assert!(!trend.is_empty(), "no trend frames");
    let board = frames_of(&responses, "board");
    board[0]
        .field("votes")
        .numbers()
        .into_iter()
        .flatten()
        .sum()
}

fn read_only_context(shared: &Path) -> PluginContext {
    context(
        &json!({"path": shared.display().to_string(), "readOnly": true}),
        Some("Viewer"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_plugins_serve_one_read_only_store_while_a_snapshot_refreshes_it() {
    let dir = tempfile::tempdir().unwrap();
    let live: PathBuf = dir.path().join("live.db");
    let shared: PathBuf = dir.path().join("shared.db");
    simulate_into(&live, dir.path(), 0);
    snapshot(&live, &shared);

    let replicas = [Plugin::start(), Plugin::start()];
    for plugin in &replicas {
        let health = check_health(plugin, read_only_context(&shared)).await;
        assert!(
            health.message.contains("read-only, immutable"),
            "{}",
            health.message
        );
        let details: Value = serde_json::from_slice(&health.json_details).unwrap();
        assert_eq!(details["mode"], "read-only, immutable");
    }

    // Each refresh waits until the replicas have answered at least one more
    // round of queries, so queries and refreshes interleave however slow
    // the machine is.
    let rounds = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let refresher = {
        let (live, shared, dir) = (live.clone(), shared.clone(), dir.path().to_path_buf());
        let rounds = rounds.clone();
        tokio::task::spawn_blocking(move || {
            for round in 1..=4 {
                let before = rounds.load(std::sync::atomic::Ordering::SeqCst);
                let waited = std::time::Instant::now();
                while rounds.load(std::sync::atomic::Ordering::SeqCst) == before
                    && waited.elapsed() < std::time::Duration::from_secs(120)
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                simulate_into(&live, &dir, round);
                snapshot(&live, &shared);
            }
        })
    };
    let mut served = 0u32;
    while !refresher.is_finished() {
        for plugin in &replicas {
            let votes = served_votes(plugin, read_only_context(&shared)).await;
            assert!(votes >= 6000.0, "a replica served {votes} votes");
            served += 1;
        }
        rounds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    refresher.await.unwrap();
    assert!(
        served >= 4,
        "only {served} rounds of queries ran during the refreshes"
    );

    // Both replicas now serve the last snapshot: all five rounds of votes.
    for plugin in &replicas {
        let votes = served_votes(plugin, read_only_context(&shared)).await;
        assert_eq!(votes, 2.0 * 15_000.0, "{}", plugin.stderr());
    }
}
