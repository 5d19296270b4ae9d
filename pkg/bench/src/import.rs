//! `arenawatt-bench import` (`cargo run --release -p arenawatt-bench --
//! import`): writes a simulated vote CSV, imports it exactly
//! as `arenawatt import --format csv` does, and prints the throughput, the
//! store's size per vote, and the latency of the store's aggregate reads
//! (a whole-range and a 30-day pair table, tokens, per-day series).
//!
//! The generator is deliberately simple (uniform pairs, Bradley–Terry
//! outcomes with 10 % ties, uniform timestamps and token counts); its job is
//! volume with the shape of real data (ids, ties, tokens, 6 months of days).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::{Rng, SeedableRng};

use arenawatt_cli::import::{catalog_with_custom_models, import_file, ImportArgs};
use arenawatt_store::ingest::Format;
use arenawatt_store::{CountFilter, Store};

#[derive(Debug, clap::Args)]
pub struct ImportBenchArgs {
    /// Votes to simulate and import.
    #[arg(long, default_value_t = 10_000_000, value_name = "N")]
    pub votes: u64,
    /// Models in the simulated arena (pairs = models × (models − 1) / 2).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub models: u32,
    /// Days the votes are spread over, ending today.
    #[arg(long, default_value_t = 180, value_name = "N")]
    pub days: u32,
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Give each vote categories (20, a quarter of votes in 2 or more), a
    /// language (30) and a country (10), as the slices budget is stated for.
    #[arg(long)]
    pub slices: bool,
    /// Folder for the CSV and the store (default: a temporary folder, deleted
    /// afterwards). With a folder, both files are kept for `bench query`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes `votes` simulated votes as CSV with every optional column.
pub fn write_simulated_csv(
    path: &Path,
    votes: u64,
    models: u32,
    days: u32,
    seed: u64,
    slices: bool,
) -> anyhow::Result<()> {
    let models = models.max(2);
    let slice_set = arenawatt_sim::slices::SliceSimulation::benchmark();
    let mut slice_draws = arenawatt_sim::slices::SliceDraws::new(&slice_set, seed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let strengths: Vec<f64> = (0..models).map(|_| rng.random_range(-2.0..2.0)).collect();
    let names: Vec<String> = (0..models).map(|i| format!("bench-model-{i:03}")).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(1_780_000_000);
    let span = days.max(1) as i64 * 86_400;
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write!(
        out,
        "id,model_a,model_b,winner,timestamp,tokens_a,tokens_b,source"
    )?;
    writeln!(
        out,
        "{}",
        if slices {
            ",category,language,country"
        } else {
            ""
        }
    )?;
    for i in 0..votes {
        let a = rng.random_range(0..models) as usize;
        let mut b = rng.random_range(0..models - 1) as usize;
        if b >= a {
            b += 1;
        }
        let p = 1.0 / (1.0 + (strengths[b] - strengths[a]).exp());
        let tie = 0.1f64.min(2.0 * p.min(1.0 - p));
        let u: f64 = rng.random();
        let winner = if u < p - tie / 2.0 {
            "model_a"
        } else if u < 1.0 - tie {
            "model_b"
        } else if u < 1.0 - tie / 4.0 {
            "tie"
        } else {
            "tie (bothbad)"
        };
        let timestamp = now - span + rng.random_range(0..span);
        let tokens_a: u32 = rng.random_range(50..2000);
        let tokens_b: u32 = rng.random_range(50..2000);
        write!(
            out,
            "bench-{i},{},{},{winner},{timestamp},{tokens_a},{tokens_b},simulated",
            names[a], names[b]
        )?;
        if slices {
            let drawn = slice_draws.draw();
            let categories: Vec<&str> = drawn
                .category_indices()
                .map(|c| slice_set.categories[c].as_str())
                .collect();
            write!(
                out,
                ",{},{},{}",
                categories.join("|"),
                slice_set.languages[drawn.language as usize].0,
                slice_set.countries[drawn.country as usize].0
            )?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}

/// CPU seconds (user + system) used by this process so far, on Linux
/// (`/proc/self/stat`, in clock ticks of 1/100 s); `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Median wall time of `runs` calls.
fn median_time(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

pub fn run(args: ImportBenchArgs) -> anyhow::Result<()> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("arenawatt-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = measure(&dir, &args);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn measure(dir: &Path, args: &ImportBenchArgs) -> anyhow::Result<()> {
    let csv = dir.join(format!("bench-{}-votes.csv", args.votes));
    let db = dir.join(format!("bench-{}-votes.db", args.votes));
    for stale in [
        db.clone(),
        dir.join(format!("bench-{}-votes.db-wal", args.votes)),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    println!(
        "simulating {} votes between {} models over {} days (seed {}) …",
        args.votes, args.models, args.days, args.seed
    );
    let start = Instant::now();
    write_simulated_csv(
        &csv,
        args.votes,
        args.models,
        args.days,
        args.seed,
        args.slices,
    )?;
    println!(
        "  wrote {} ({:.1} MB) in {:.1} s",
        csv.display(),
        file_size(&csv) as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut store = Store::open(&db)?;
    let catalog = catalog_with_custom_models(&store)?;
    let import_args = ImportArgs {
        format: Format::Csv,
        files: vec![csv.clone()],
        source: None,
        date: None,
        conversations: Vec::new(),
        skip_invalid: false,
        sum_cells: false,
    };
    let report = import_file(&mut store, &catalog, &csv, &import_args, None)?;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_start.zip(cpu_seconds()).map(|(a, b)| b - a);
    drop(store);
    let on_disk =
        file_size(&db) + file_size(&dir.join(format!("bench-{}-votes.db-wal", args.votes)));
    println!("import (sha256 + parse + one transaction + checkpoint):");
    println!(
        "  {} votes added in {elapsed:.2} s wall: {:.0} votes/s",
        report.votes_inserted,
        report.votes_inserted as f64 / elapsed
    );
    if let Some(cpu) = cpu {
        println!(
            "  CPU time {cpu:.2} s (user + system): {:.0} votes per CPU-second (the wall figure is lower when other processes share the cores)",
            report.votes_inserted as f64 / cpu
        );
    }
    println!(
        "  store file {:.1} MB: {:.1} bytes/vote (database + write-ahead log)",
        on_disk as f64 / 1e6,
        on_disk as f64 / report.votes_inserted.max(1) as f64
    );

    let store = Store::open_read_only(&db)?;
    let stats = store.stats()?;
    let last = stats.last_day.unwrap_or(0);
    let whole = CountFilter::default();
    let month = CountFilter {
        sources: vec!["simulated".into()],
        from_day: Some(last - 29),
        to_day: Some(last),
        ..CountFilter::default()
    };
    let pairs = store.pair_table(&whole)?.pairs.len();
    println!(
        "aggregate reads (median of 20, {} pairs, {} days):",
        pairs, args.days
    );
    let t = median_time(20, || Ok(store.pair_table(&whole).map(|_| ())?))?;
    println!("  pair_table, whole range:        {}", ms(t));
    let t = median_time(20, || Ok(store.pair_table(&month).map(|_| ())?))?;
    println!("  pair_table, last 30 days:       {}", ms(t));
    let t = median_time(20, || Ok(store.model_tokens(&whole).map(|_| ())?))?;
    println!("  model_tokens, whole range:      {}", ms(t));
    let t = median_time(5, || Ok(store.daily_counts(&whole).map(|_| ())?))?;
    println!("  daily_counts, every day:        {}", ms(t));
    if args.dir.is_some() {
        println!("kept {} and {}", csv.display(), db.display());
    }
    Ok(())
}
