//! `arenawatt-bench rating` (`cargo run --release -p arenawatt-bench --
//! rating`): how fast the rating engine is on a real pair table (by default
//! the bundled Chatbot Arena counts: 129 models, 3,460 pairs, 1.67M votes).
//! Each stage is timed separately and repeatedly, and the median and 90th
//! percentile are printed, with the machine's cores. The stages are those of
//! `rate`, reached through `arenawatt_core::rating::stages`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

use arenawatt_core::rating::stages::{PreparedTable, VarianceKind};
use arenawatt_core::rating::{rate, CiMethod, RatingOptions, TiePolicy};
use arenawatt_store::ingest::pair_counts::read_pair_counts;

#[derive(Debug, clap::Args)]
pub struct RatingBenchArgs {
    /// Pair-counts JSON to rate. Default: the bundled Chatbot Arena table.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Repetitions of each fast stage (fit, CIs).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub repeats: u32,
    /// Repetitions of the bootstrap stage.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub bootstrap_repeats: u32,
    /// Bootstrap rounds per repetition.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub rounds: u32,
}

fn bundled_arena() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/lmsys/chatbotarena_pairs_20240814.json")
}

struct Timing {
    median: Duration,
    p90: Duration,
    runs: usize,
    /// Mean CPU time of the whole process per run (all threads), when known.
    cpu_per_run: Option<Duration>,
}

/// CPU time used by this process so far (all threads). On a machine shared
/// with other jobs, wall-clock figures swing with the load; CPU time does not
/// (much), so both are printed.
#[cfg(unix)]
fn process_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes to it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn process_cpu_time() -> Option<Duration> {
    None
}

fn time<T>(repeats: u32, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut samples = Vec::with_capacity(repeats as usize);
    let mut last = None;
    let cpu_start = process_cpu_time();
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let v = std::hint::black_box(f());
        samples.push(start.elapsed());
        last = Some(v);
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let cpu_per_run = match (cpu_start, process_cpu_time()) {
        (Some(a), Some(b)) => Some((b.saturating_sub(a)) / samples.len() as u32),
        _ => None,
    };
    let timing = Timing {
        median: at(0.5),
        p90: at(0.9),
        runs: samples.len(),
        cpu_per_run,
    };
    // `repeats.max(1)` guarantees one run.
    (timing, last.unwrap_or_else(|| unreachable!()))
}

fn print(label: &str, t: &Timing, note: &str) {
    let cpu = t.cpu_per_run.map_or("n/a".to_string(), |c| {
        format!("{:.3} ms", c.as_secs_f64() * 1e3)
    });
    println!(
        "{label:<44} wall median {:>9.3} ms  p90 {:>9.3} ms  cpu/run {cpu:>11}  ({} runs){note}",
        t.median.as_secs_f64() * 1e3,
        t.p90.as_secs_f64() * 1e3,
        t.runs
    );
}

pub fn run(args: RatingBenchArgs) -> anyhow::Result<()> {
    let path = args.input.clone().unwrap_or_else(bundled_arena);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let (parse_time, table) = time(20, || read_pair_counts(&path));
    let table = table?;
    let votes: u64 = table
        .pairs
        .iter()
        .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
        .sum();
    let load = std::fs::read_to_string("/proc/loadavg").ok();
    let load = load
        .as_deref()
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("n/a");
    println!(
        "rating benchmark on {}: {} models, {} pairs, {} votes; {} cores (available_parallelism), load average {}; {} build",
        path.display(),
        table.models.len(),
        table.pairs.len(),
        votes,
        cores,
        load,
        if cfg!(debug_assertions) { "DEBUG (figures not representative)" } else { "release" }
    );
    print("read + parse pair-counts JSON", &parse_time, "");

    // The stages, as `rate` runs them, timed one by one.
    let prepared = PreparedTable::new(&table, TiePolicy::Half).context("invalid table")?;
    let defaults = RatingOptions::default();
    let (fit_time, fit) = time(args.repeats, || {
        prepared.fit_from_zero(defaults.tolerance, defaults.max_iterations)
    });
    let fit = fit.context("fit failed")?;
    print(
        "fit: Newton from zero (ties half, tol 1e-10)",
        &fit_time,
        &format!(
            "  {} iterations, converged {}",
            fit.iterations(),
            fit.converged()
        ),
    );
    let (sandwich_time, _) = time(args.repeats, || {
        prepared.variances(VarianceKind::Sandwich, &fit)
    });
    print("sandwich CIs given the fit", &sandwich_time, "");
    let (fisher_time, _) = time(args.repeats, || {
        prepared.variances(VarianceKind::Fisher, &fit)
    });
    print("fisher CIs given the fit", &fisher_time, "");
    let (graph_time, _) = time(args.repeats, || prepared.analyse_graph());
    print("graph analysis (components, statuses)", &graph_time, "");

    let sandwich = RatingOptions::default();
    let (rate_time, _) = time(args.repeats, || rate(&table, &sandwich));
    print("rate(): whole call, sandwich CIs", &rate_time, "");
    let davidson = RatingOptions {
        ties: TiePolicy::Davidson,
        ..RatingOptions::default()
    };
    let (davidson_time, _) = time(args.repeats.min(50), || rate(&table, &davidson));
    print(
        "rate(): whole call, Davidson ties, sandwich",
        &davidson_time,
        "",
    );

    let bootstrap = RatingOptions {
        ci: CiMethod::Bootstrap,
        rounds: args.rounds,
        ..RatingOptions::default()
    };
    let (boot_time, result) = time(args.bootstrap_repeats, || rate(&table, &bootstrap));
    let summary = result?.bootstrap;
    print(
        &format!("rate(): whole call, bootstrap {} rounds", args.rounds),
        &boot_time,
        &summary.map_or(String::new(), |b| {
            format!("  {cores} threads, {} not converged", b.non_converged)
        }),
    );
    let one_thread = RatingOptions {
        threads: 1,
        ..bootstrap
    };
    let (single_time, _) = time(args.bootstrap_repeats.min(5), || rate(&table, &one_thread));
    print(
        &format!("rate(): bootstrap {} rounds, 1 thread", args.rounds),
        &single_time,
        "",
    );
    Ok(())
}
