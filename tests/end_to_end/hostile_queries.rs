//! The hostile-input suite, query side (issue 12, section 2 and the cache
//! of section 4): queries whose work the query chooses, fed absurd values.
//! A trend over 1970..9999 by the real CLI and through the real plugin, a
//! trend whose client gave up, bootstrap rounds by the billion, and many
//! distinct large queries against the result cache.
//!
//! Timeouts here only guard against hangs (the trend over an absurd range
//! used to run forever); none asserts a speed. Memory is read from the
//! kernel (`VmHWM`, `VmRSS`, `ru_maxrss`) against generous limits.

use crate::support::plugin;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use grafana_plugin_sdk::pluginv2;
use plugin::*;
use serde_json::json;

const HANG_GUARD: Duration = Duration::from_secs(120);

async fn demo_ready(plugin: &Plugin) {
    let response = check_health(plugin, demo_context(Some("Admin"))).await;
    assert_eq!(response.status, 1, "demo store: {}", response.message);
}

fn proc_status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status:\n{status}"))
}

/// Runs the CLI with a hang guard; returns (success, stdout, stderr, peak
/// resident KiB).
#[cfg(unix)]
fn run_cli(args: &[&str], db: &Path) -> (bool, String, String, i64) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_arenawatt"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning arenawatt");
    let pid = child.id() as libc::pid_t;
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    loop {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child, writing into locals.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            return (
                success,
                out.join().unwrap(),
                err.join().unwrap(),
                usage.ru_maxrss,
            );
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("arenawatt {args:?} still running after {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_cli_trend_from_1970_to_9999_refuses_within_bounded_memory() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (ok, _, stderr, peak_kib) = run_cli(
        &[
            "query",
            "--type",
            "trend",
            "--from",
            "1970-01-01",
            "--to",
            "9999-12-31",
        ],
        &store,
    );
    assert!(!ok, "the absurd trend should be refused");
    // Steps before the first vote fit nothing and are skipped; the rest of
    // the range up to 9999 is still millions of daily steps.
    assert!(
        stderr.contains("daily steps exceed the cap of 5,000")
            && stderr.contains("narrow the time range"),
        "{stderr}"
    );
    assert!(peak_kib < 512 * 1024, "peak {peak_kib} KiB");

    // The same trend with weekly steps over the whole data answers.
    let (ok, stdout, stderr, _) = run_cli(
        &[
            "query",
            "--type",
            "trend",
            "--from",
            "1970-01-01",
            "--step",
            "week",
            "--format",
            "csv",
        ],
        &store,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.lines().count() > 100, "{stdout}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_relative_date_of_i64_max_days_is_an_error_not_an_overflow() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let dir = tempfile::tempdir().unwrap();
    let store = copy_of_demo_store(dir.path());
    let (ok, _, stderr, _) = run_cli(
        &[
            "query",
            "--type",
            "scatter",
            "--from",
            "now-9223372036854775807d",
        ],
        &store,
    );
    assert!(!ok);
    // Before: "attempt to multiply with overflow" (a panic) in debug builds.
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("from: \"now-9223372036854775807d\" reaches before any representable date"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_plugin_trend_over_0_to_9999_fails_its_ref_id_and_the_neighbour_answers() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let mut absurd = data_query("TREND", &json!({"queryType": "trend", "window": "range"}));
    absurd.time_range = Some(pluginv2::TimeRange {
        from_epoch_ms: 0,
        to_epoch_ms: 253_402_300_799_000,
    });
    let good = data_query("GOOD", &json!({"queryType": "scatter"}));
    let request = query_request(demo_context(Some("Viewer")), vec![absurd, good]);
    let responses = tokio::time::timeout(HANG_GUARD, query_data(&plugin, request))
        .await
        .expect("the absurd trend hung the request");
    let trend = &responses["TREND"];
    assert!(trend.frames.is_empty());
    assert_eq!(trend.status, 400, "{}", trend.error);
    assert!(
        trend.error.contains("trend: ")
            && trend.error.contains("daily steps exceed the cap of 5,000"),
        "{}",
        trend.error
    );
    assert!(frames_of(&responses, "GOOD")[0].rows > 50);
    // Before: 143 → 919 MB in 25 s.
    let peak = proc_status_kib(plugin.pid(), "VmHWM:");
    assert!(peak < 512 * 1024, "plugin peak {peak} KiB");
}

#[tokio::test]
async fn a_trend_whose_client_gave_up_stops_working() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    // About 400 daily steps, each with 200 bootstrap refits: within the
    // caps, and far longer than the client's one-second deadline.
    let query = data_query(
        "SLOW",
        &json!({
            "queryType": "trend", "window": "range", "includeCi": true,
            "ci": "bootstrap", "rounds": 200
        }),
    );
    let mut request = tonic::Request::new(query_request(demo_context(Some("Viewer")), vec![query]));
    request.set_timeout(Duration::from_secs(1));
    let mut client = plugin.data().await;
    let answer = client.query_data(request).await;
    let status = answer.expect_err("the slow trend answered within its deadline");
    assert!(
        matches!(
            status.code(),
            tonic::Code::DeadlineExceeded | tonic::Code::Cancelled
        ),
        "{status}"
    );
    // The worker notices at its next step and logs that it stopped; before,
    // it ran on for minutes after the deadline.
    let started = Instant::now();
    loop {
        let stderr = plugin.stderr();
        if stderr
            .lines()
            .any(|l| l.contains("query cancelled") && l.contains("SLOW"))
        {
            assert!(stderr.contains("trend: cancelled"), "{stderr}");
            break;
        }
        assert!(
            started.elapsed() < HANG_GUARD,
            "the trend kept working after its client gave up:\n{stderr}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The plugin still answers.
    let responses = demo_queries(&plugin, &[("A", json!({"queryType": "leaderboard"}))]).await;
    assert!(frames_of(&responses, "A")[0].rows > 50);
}

#[tokio::test]
async fn four_billion_bootstrap_rounds_are_refused_not_run() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let request = query_request(
        demo_context(Some("Viewer")),
        vec![
            data_query(
                "ROUNDS",
                &json!({"queryType": "scatter", "ci": "bootstrap", "rounds": 4_294_967_295u32}),
            ),
            data_query(
                "TREND",
                &json!({"queryType": "trend", "window": "range", "includeCi": true,
                        "ci": "bootstrap", "rounds": 5000}),
            ),
            data_query("GOOD", &json!({"queryType": "leaderboard"})),
        ],
    );
    let responses = tokio::time::timeout(HANG_GUARD, query_data(&plugin, request))
        .await
        .expect("four billion rounds hung the request");
    let rounds = &responses["ROUNDS"];
    assert!(
        rounds
            .error
            .contains("rounds: 4,294,967,295 bootstrap rounds exceed the cap of 10,000"),
        "{}",
        rounds.error
    );
    let trend = &responses["TREND"];
    assert!(
        trend.error.contains("bootstrap rounds")
            && trend.error.contains("fits exceed the cap of 200,000"),
        "{}",
        trend.error
    );
    assert!(frames_of(&responses, "GOOD")[0].rows > 50);
}

#[tokio::test]
async fn many_distinct_large_queries_do_not_grow_the_cache_without_bound() {
    let plugin = Plugin::start();
    demo_ready(&plugin).await;
    let baseline = proc_status_kib(plugin.pid(), "VmRSS:");
    // Each query lists 9,000 long (unknown) model names: under the list and
    // JSON caps, and about 900 kB of cache key each.
    let mut client = plugin.data().await;
    for i in 0..150 {
        let models: Vec<String> = (0..9_000)
            .map(|m| format!("query-{i:03}-model-{m:05}-{}", "x".repeat(72)))
            .collect();
        let request = query_request(
            demo_context(Some("Viewer")),
            vec![data_query(
                "A",
                &json!({"queryType": "scatter", "models": models.join(",")}),
            )],
        );
        let response = client
            .query_data(request)
            .await
            .unwrap_or_else(|s| panic!("query {i}: {s}"))
            .into_inner();
        assert!(response.responses.contains_key("A"));
    }
    let after = proc_status_kib(plugin.pid(), "VmRSS:");
    eprintln!("resident memory: {baseline} KiB before, {after} KiB after 150 large queries");
    // Before, 150 such entries stayed cached (about 1.7 MB each).
    assert!(
        after < baseline + 200 * 1024,
        "resident memory grew from {baseline} KiB to {after} KiB"
    );
}
