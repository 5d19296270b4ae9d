//! The plugin benchmark: QueryData `scatter` (sandwich CIs) through gRPC from
//! this client process to the real `gpx_arenawatt`, as Grafana calls it.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/targets/release cargo bench --bench plugin_grpc -- \
//!     --store /path/to/10M-votes.sqlite [--requests 1000]
//! ```
//!
//! Two phases of `--requests` calls each:
//! - cold: every request has a new time range (`window: "range"`, distinct
//!   first/last days), so the engine's result cache cannot answer;
//! - warm: the same request repeated, answered from the cache.
//!
//! It prints p50/p90/p99/max latency per phase and the plugin's resident
//! memory (VmRSS now, VmHWM peak) read from /proc.

#[path = "../tests/end_to_end/support/plugin.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

struct Args {
    store: Option<String>,
    requests: usize,
}

fn args() -> Args {
    let mut out = Args {
        store: None,
        requests: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--store" => out.store = it.next(),
            "--requests" => {
                out.requests = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| fail("--requests needs a number"))
            }
            "--bench" => {}
            other => fail(&format!(
                "unknown argument {other:?} (expected --store PATH, --requests N)"
            )),
        }
    }
    out
}

fn fail(message: &str) -> ! {
    eprintln!("plugin_grpc: {message}");
    std::process::exit(2)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(phase: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{phase:<6} n={:<5} p50 {:>8.2} ms  p90 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
    );
}

fn memory(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .map(|l| l[key.len()..].trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "plugin memory: VmRSS {}, VmHWM (peak) {}",
        get("VmRSS:"),
        get("VmHWM:")
    )
}

#[tokio::main]
async fn main() {
    let args = args();
    let plugin = Plugin::start_with(&[("RUST_LOG", "warn,arenawatt::plugin::data=debug")]);
    println!(
        "handshake after {:.1} ms: {}",
        plugin.handshake_after.as_secs_f64() * 1000.0,
        plugin.handshake
    );
    let settings = match &args.store {
        Some(path) => json!({"path": path, "ci": "sandwich"}),
        None => json!({"ci": "sandwich"}),
    };
    let ctx = context(&settings, Some("Viewer"));
    let health = check_health(&plugin, ctx.clone()).await;
    println!("store: {}", health.message);
    let details: serde_json::Value =
        serde_json::from_slice(&health.json_details).unwrap_or_default();
    let day = 86_400_000i64;
    let now = chrono::Utc::now().timestamp_millis();
    let span_days = 180i64;
    let mut client = plugin.data().await;
    let scatter = json!({"queryType": "scatter", "window": "range", "ci": "sandwich"});
    let call = |from: i64, to: i64| {
        let mut q = data_query("A", &scatter);
        q.time_range = Some(grafana_plugin_sdk::pluginv2::TimeRange {
            from_epoch_ms: from,
            to_epoch_ms: to,
        });
        query_request(ctx.clone(), vec![q])
    };
    // Warm-up: connection, instance, first fit.
    let warm_up = call(now - span_days * day, now);
    let r = client
        .query_data(warm_up)
        .await
        .expect("warm-up query")
        .into_inner();
    let first = &r.responses["A"];
    if !first.error.is_empty() {
        fail(&format!("scatter failed: {}", first.error));
    }
    let pid = plugin_pid(&plugin);
    // Transport overhead: calls that do almost no work.
    let mut health_times = Vec::new();
    let mut diagnostics = plugin.diagnostics().await;
    for _ in 0..50 {
        let started = Instant::now();
        let _ = diagnostics
            .collect_metrics(grafana_plugin_sdk::pluginv2::CollectMetricsRequest {
                plugin_context: Some(ctx.clone()),
            })
            .await;
        health_times.push(started.elapsed());
    }
    report("metrics", health_times);
    println!(
        "votes in store: {}, models: {}",
        details["votes"], details["models"]
    );

    let mut cold = Vec::with_capacity(args.requests);
    for i in 0..args.requests as i64 {
        // Distinct (first day, last day) pairs: no two requests share a cache key.
        let from = now - span_days * day + (i % 40) * day;
        let to = now - (i / 40) * day;
        let request = call(from, to);
        let started = Instant::now();
        let r = client
            .query_data(request)
            .await
            .expect("cold query")
            .into_inner();
        cold.push(started.elapsed());
        assert!(
            r.responses["A"].error.is_empty(),
            "{}",
            r.responses["A"].error
        );
    }
    report("cold", cold);
    server_side("cold", &plugin, 1..args.requests + 1);
    println!("{}", memory(pid));

    let mut warm = Vec::with_capacity(args.requests);
    for _ in 0..args.requests {
        let request = call(now - span_days * day, now - 3 * day);
        let started = Instant::now();
        let r = client
            .query_data(request)
            .await
            .expect("warm query")
            .into_inner();
        warm.push(started.elapsed());
        assert!(
            r.responses["A"].error.is_empty(),
            "{}",
            r.responses["A"].error
        );
    }
    report("warm", warm);
    server_side("warm", &plugin, args.requests + 1..2 * args.requests + 1);
    println!("{}", memory(pid));
}

/// The engine time the plugin logged for the requests of `range` (its
/// `query` debug events, in order): what is left is gRPC, frames and Arrow.
fn server_side(phase: &str, plugin: &Plugin, range: std::ops::Range<usize>) {
    std::thread::sleep(Duration::from_millis(300));
    let durations: Vec<Duration> = plugin
        .stderr()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["@message"] == "query")
        .filter_map(|e| e["duration_ms"].as_f64())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .collect();
    if durations.len() >= range.end {
        report(&format!("{phase}:engine"), durations[range].to_vec());
    }
}

fn plugin_pid(plugin: &Plugin) -> u32 {
    plugin.pid()
}
