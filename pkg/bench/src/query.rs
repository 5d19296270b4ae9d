//! `arenawatt-bench query` (`cargo build --release && cargo run --release -p
//! arenawatt-bench -- --db FILE query`): latency of the query engine on a
//! store, inside the process (engine only, cache bypassed) and for the whole
//! process (`arenawatt query` run as a child, including start-up, store open
//! and output). The child is the `arenawatt` binary built next to this one,
//! or the one `--arenawatt` names; without it the bench stops before timing
//! anything, saying where it looked.
//!
//! Figures are printed, never asserted. A 10M-vote store for the README's
//! figures: `arenawatt simulate --votes 10000000 --seed 1 --out votes.csv`, then
//! `arenawatt --db big.db import --format csv votes.csv`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use arenawatt_engine::{Engine, Query, QueryResult, QueryType};

#[derive(Debug, clap::Args)]
pub struct QueryBenchArgs {
    /// Query type to time.
    #[arg(long = "type", value_name = "TYPE", default_value = "scatter")]
    pub query_type: String,
    /// Confidence intervals (as `arenawatt query --ci`).
    #[arg(long, value_name = "METHOD", default_value = "sandwich")]
    pub ci: String,
    /// Vote sources (comma-separated; default all).
    #[arg(long, value_name = "SOURCE,...")]
    pub sources: Option<String>,
    /// Timed runs of each kind.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub runs: u32,
    /// When the store does not exist, first fill it with this many simulated
    /// votes (180 days, bundled strengths, source `simulated`, with the
    /// benchmark's slices: 20 categories, 30 languages, 10 countries).
    #[arg(long, value_name = "N")]
    pub simulate: Option<u64>,
    /// The `arenawatt` binary whose whole process is timed (default: the one
    /// next to this executable, as `cargo build` puts them).
    #[arg(long, value_name = "PATH", env = "ARENAWATT_BIN")]
    pub arenawatt: Option<PathBuf>,
    /// More query keys, as a JSON object merged into the query (e.g.
    /// `{"categories":["Code"]}` for a one-category scatter).
    #[arg(long, value_name = "JSON")]
    pub extra: Option<String>,
}

/// The `arenawatt` binary to time: `given`, or the one next to this
/// executable. Fails, naming the path and how to build it, when it is missing.
fn arenawatt_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None => {
            let exe =
                std::env::current_exe().context("cannot find the arenawatt-bench executable")?;
            let folder = exe
                .parent()
                .context("the arenawatt-bench executable has no folder")?;
            folder.join(format!("arenawatt{}", std::env::consts::EXE_SUFFIX))
        }
    };
    if !path.is_file() {
        anyhow::bail!(
            "no arenawatt binary at {} to time `arenawatt query` with: build it (`cargo build --release --bin arenawatt`) or pass --arenawatt PATH",
            path.display()
        );
    }
    Ok(path)
}

/// Fills a new store with `votes` simulated votes over 180 days ending today,
/// in chunks of one transaction each (the benchmark store). Does nothing when
/// the store exists.
pub fn ensure_bench_store(db: &Path, votes: Option<u64>) -> anyhow::Result<()> {
    let Some(votes) = votes else { return Ok(()) };
    if db.exists() {
        println!("store {} exists: not simulating", db.display());
        return Ok(());
    }
    use arenawatt_sim::simulate::{self, SimulationOptions};
    use arenawatt_store::{ImportAudit, Store, Vote};
    let catalog = arenawatt_core::catalog::Catalog::bundled();
    let strengths = simulate::bundled_strengths();
    let names: Vec<String> = strengths
        .iter()
        .map(|s| arenawatt_engine::resolve::canonical_model(&catalog, &s.model))
        .collect();
    let options = SimulationOptions {
        votes,
        days: 180,
        end_day: arenawatt_engine::time::today(),
        tie_rate: 0.2,
        seed: 1,
        degrade: None,
        id_prefix: "bench-".into(),
        slices: Some(arenawatt_sim::slices::SliceSimulation::benchmark()),
        length_effect: 0.0,
        markdown_effect: None,
    };
    let started = Instant::now();
    let mut store = Store::open(db)?;
    let mut batch: Vec<Vote> = Vec::with_capacity(500_000);
    let flush = |batch: &mut Vec<Vote>, store: &mut Store| -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        store.import_votes(
            batch,
            &ImportAudit {
                file_name: "bench simulation".into(),
                sha256: String::new(),
                format: "simulated".into(),
                rows_rejected: 0,
            },
        )?;
        batch.clear();
        Ok(())
    };
    let mut failure = None;
    simulate::simulate(&strengths, &options, |v| {
        batch.push(v.to_vote(
            "simulated",
            &options.id_prefix,
            &names,
            options.slices.as_ref(),
        ));
        if batch.len() == 500_000 && failure.is_none() {
            if let Err(e) = flush(&mut batch, &mut store) {
                failure = Some(e);
            }
        }
        Ok(())
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    flush(&mut batch, &mut store)?;
    println!(
        "simulated {votes} votes into {} in {:.1} s",
        db.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// CPU time this thread has run, from Linux's `/proc/thread-self/schedstat`
/// (nanoseconds on the CPU). On a shared machine the wall clock also counts
/// the time spent waiting for a core; this does not. `None` elsewhere.
pub fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// CPU time (user + system) of this process's waited-for children, from
/// `/proc/self/stat` (clock ticks of 10 ms). `None` elsewhere.
pub fn children_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of stat, 14 and 15 after the name.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs `work`, returning its wall-clock and CPU durations.
pub fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration, Option<Duration>) {
    let cpu_before = thread_cpu_time();
    let started = Instant::now();
    let value = work();
    let wall = started.elapsed();
    let cpu = match (cpu_before, thread_cpu_time()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    (value, wall, cpu)
}

/// Prints one line of min/median/max for wall-clock and CPU times.
pub fn print_times(label: &str, wall: Vec<Duration>, cpu: Vec<Option<Duration>>) {
    let runs = wall.len();
    let (min, median, max) = summary(wall);
    print!("  {label}: wall min {min:8.2} ms  median {median:8.2} ms  max {max:8.2} ms");
    let cpu: Option<Vec<Duration>> = cpu.into_iter().collect();
    if let Some(cpu) = cpu.filter(|c| !c.is_empty()) {
        let (min, median, _) = summary(cpu);
        print!("  | CPU min {min:8.2} ms  median {median:8.2} ms");
    }
    println!("  ({runs} runs)");
}

/// Min, median and max of durations, in milliseconds.
pub fn summary(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    match (times.first(), times.last()) {
        (Some(&first), Some(&last)) => (ms(first), ms(times[times.len() / 2]), ms(last)),
        _ => (0.0, 0.0, 0.0),
    }
}

pub fn rows_of(result: &QueryResult) -> usize {
    match result {
        QueryResult::Models { rows, .. } => rows.len(),
        QueryResult::Variable { values } => values.len(),
        QueryResult::Trend { rows, .. } => rows.len(),
        QueryResult::EnergyTrend { rows, .. } => rows.len(),
        QueryResult::Regression { rows, .. } => rows.len(),
        QueryResult::SliceScores { rows, .. } => rows.len(),
        QueryResult::HeadToHead { rows, .. } => rows.len(),
        QueryResult::Preferences { rows, .. } => rows.len(),
        QueryResult::Annotations { rows, .. } => rows.len(),
    }
}

pub fn run(db: &Path, args: QueryBenchArgs) -> anyhow::Result<()> {
    let mut json = serde_json::json!({"queryType": args.query_type, "ci": args.ci});
    if let Some(sources) = &args.sources {
        json["sources"] = serde_json::Value::String(sources.clone());
    }
    if let Some(extra) = &args.extra {
        let extra: serde_json::Value =
            serde_json::from_str(extra).map_err(|e| anyhow::anyhow!("--extra: not JSON: {e}"))?;
        let Some(extra) = extra.as_object() else {
            anyhow::bail!("--extra: expected a JSON object");
        };
        for (key, value) in extra {
            json[key] = value.clone();
        }
    }
    let query: Query = arenawatt_engine::parse_query(&json)?;
    let exe = arenawatt_binary(args.arenawatt.as_deref())?;
    ensure_bench_store(db, args.simulate)?;
    let runs = args.runs.max(1);
    let engine = Engine::new(db);
    let stats = engine.stats()?;
    println!(
        "store {}: {} votes, {} models, days {:?}..{:?}, sources {}",
        db.display(),
        stats.votes,
        stats.models,
        stats.first_day.map(arenawatt_engine::time::format_day),
        stats.last_day.map(arenawatt_engine::time::format_day),
        stats.sources.join(", ")
    );

    let started = Instant::now();
    let first = engine.execute_uncached(&query, None)?;
    let cold = started.elapsed();
    let (mut inside, mut inside_cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (result, wall, cpu) = timed(|| engine.execute_uncached(&query, None));
        result?;
        inside.push(wall);
        inside_cpu.push(cpu);
    }
    engine.execute(&query, None)?;
    let (mut cached, mut cached_cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (result, wall, cpu) = timed(|| engine.execute(&query, None));
        result?;
        cached.push(wall);
        cached_cpu.push(cpu);
    }

    let (mut whole, mut whole_cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs.min(10) {
        let mut command = std::process::Command::new(&exe);
        command.arg("--db").arg(db).args([
            "query",
            "--type",
            &args.query_type,
            "--ci",
            &args.ci,
            "--format",
            "csv",
        ]);
        if let Some(sources) = &args.sources {
            command.args(["--sources", sources]);
        }
        let before = children_cpu_time();
        let started = Instant::now();
        let output = command.output().context("cannot run arenawatt query")?;
        whole.push(started.elapsed());
        whole_cpu.push(match (before, children_cpu_time()) {
            (Some(b), Some(a)) => Some(a.saturating_sub(b)),
            _ => None,
        });
        if !output.status.success() {
            anyhow::bail!(
                "arenawatt query failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    let kind = if query.query_type == QueryType::Scatter {
        "scatter"
    } else {
        args.query_type.as_str()
    };
    println!(
        "query --type {kind} --ci {}: {} rows",
        args.ci,
        rows_of(&first)
    );
    println!(
        "  first run (opens the store):     {:8.2} ms",
        cold.as_secs_f64() * 1000.0
    );
    print_times("inside the process, uncached   ", inside, inside_cpu);
    print_times("inside the process, cached     ", cached, cached_cpu);
    let children: Vec<Option<Duration>> = whole_cpu;
    print_times("whole process (arenawatt query)", whole, children);
    println!("  (CPU: time on a core, from /proc; the wall clock also counts waiting for a core on a busy machine)");
    Ok(())
}
