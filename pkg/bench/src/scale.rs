//! `arenawatt-bench scale` (`cargo run --release -p arenawatt-bench --
//! scale`): the figures of docs/scale.md, side by side in one run.
//!
//! 1. **Pair-count Parquet import**: a year of daily counts for every pair
//!    of `--models` models (200 models: 19,900 pairs × 365 days ≈ 7.3M
//!    cells), written as an aggregation job would (one `day=…/` folder per
//!    day), imported exactly as `arenawatt import --format
//!    pair-counts-parquet` does; cells per second, read and write apart.
//! 2. **Scatter over that year, uncached**: the engine's `scatter` query
//!    with the result cache bypassed, median of `--runs`.
//! 3. **DuckDB recipe against `arenawatt import`** on the same `--votes`
//!    simulated votes (ISO timestamps, as `arenawatt simulate` writes): the
//!    docs/scale.md recipe run by DuckDB (`--python`, a Python with the
//!    duckdb package) plus the import of its Parquet, against the direct
//!    CSV import. `--votes 0` skips it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rand::{Rng, SeedableRng};

use arenawatt_cli::import::{catalog_with_custom_models, import_file, ImportArgs};
use arenawatt_engine::{Engine, Query};
use arenawatt_store::import_service::{self, ImportInput, ImportOptions};
use arenawatt_store::ingest::Format;
use arenawatt_store::Store;

#[derive(Debug, clap::Args)]
pub struct ScaleBenchArgs {
    /// Models of the pair-count year (cells per day = models × (models − 1) / 2).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub models: u32,
    /// Days of pair counts, ending today.
    #[arg(long, default_value_t = 365, value_name = "N")]
    pub days: u32,
    /// Votes for the DuckDB recipe against `arenawatt import` (0: skip).
    #[arg(long, default_value_t = 10_000_000, value_name = "N")]
    pub votes: u64,
    /// A Python with the duckdb package (default: `target/duckdb-venv`,
    /// which `.ci/install-duckdb.sh` makes).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Uncached scatter runs.
    #[arg(long, default_value_t = 9, value_name = "N")]
    pub runs: usize,
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Folder for the files (default: a temporary folder, deleted afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: ScaleBenchArgs) -> anyhow::Result<()> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("arenawatt-bench-scale-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = measure(&dir, &args);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn measure(dir: &Path, args: &ScaleBenchArgs) -> anyhow::Result<()> {
    println!("load average at start: {}", load_average());
    let counts = dir.join("pair_counts");
    let _ = std::fs::remove_dir_all(&counts);
    let start = Instant::now();
    let cells = write_year(&counts, args)?;
    println!(
        "wrote {cells} cells ({} models, {} days) as day=… Parquet folders in {:.1} s",
        args.models,
        args.days,
        start.elapsed().as_secs_f64()
    );

    let db = dir.join("pair-counts-year.db");
    remove_store(&db);
    let mut store = Store::open(&db)?;
    let catalog = catalog_with_custom_models(&store)?;
    let options = ImportOptions::default();
    let start = Instant::now();
    let prepared = import_service::prepare(
        &catalog,
        ImportInput::File {
            path: &counts,
            format: Format::PairCountsParquet,
        },
        &options,
    )?;
    let read = start.elapsed();
    let report = prepared.write(&mut store)?;
    let total = start.elapsed();
    drop(store);
    let per_second = |d: Duration| report.rows_read as f64 / d.as_secs_f64();
    println!("pair-counts-parquet import (one transaction):");
    println!(
        "  {} cells ({} matches) in {:.2} s: {:.0} cells/s (read + resolve {:.2} s, write {:.2} s)",
        report.rows_read,
        report.votes_inserted,
        total.as_secs_f64(),
        per_second(total),
        read.as_secs_f64(),
        (total - read).as_secs_f64()
    );
    println!(
        "  store file {:.1} MB; load average now {}",
        file_size(&db) as f64 / 1e6,
        load_average()
    );

    scatter(&db, args.runs)?;

    if args.votes > 0 {
        duckdb_against_import(dir, args)?;
    }
    Ok(())
}

/// The uncached scatter over the whole year, and over its last 30 days.
fn scatter(db: &Path, runs: usize) -> anyhow::Result<()> {
    let query: Query = arenawatt_engine::parse_query(&serde_json::json!({"queryType": "scatter"}))?;
    let engine = Engine::new(db);
    engine.execute_uncached(&query, None)?;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        engine.execute_uncached(&query, None)?;
        times.push(start.elapsed());
    }
    let (low, median, high) = crate::query::summary(times);
    println!(
        "scatter over the year, uncached ({} runs): median {median:.1} ms (min {low:.1}, max {high:.1})",
        runs.max(1)
    );
    Ok(())
}

/// A year of daily counts for every pair, one Parquet file per day folder.
fn write_year(folder: &Path, args: &ScaleBenchArgs) -> anyhow::Result<u64> {
    let models = args.models.max(2) as usize;
    let names: Vec<String> = (0..models).map(|i| format!("bench-model-{i:03}")).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    let strengths: Vec<f64> = (0..models).map(|_| rng.random_range(-2.0..2.0)).collect();
    let today = arenawatt_engine::time::today();
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut cells = 0u64;
    for offset in 0..args.days as i64 {
        let day = today - args.days as i64 + 1 + offset;
        let day_folder = folder.join(format!("day={}", arenawatt_engine::time::format_day(day)));
        std::fs::create_dir_all(&day_folder)?;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut counts: [Vec<i64>; 8] = Default::default();
        for i in 0..models {
            for j in i + 1..models {
                let n: i64 = rng.random_range(1..40);
                let p = 1.0 / (1.0 + (strengths[j] - strengths[i]).exp());
                let ties = n / 10;
                let wins_a = ((n - ties) as f64 * p).round() as i64;
                let values = [
                    wins_a,
                    n - ties - wins_a,
                    ties - ties / 4,
                    ties / 4,
                    n,
                    n * 600,
                    n,
                    n * 700,
                ];
                for (column, value) in counts.iter_mut().zip(values) {
                    column.push(value);
                }
                a.push(names[i].as_str());
                b.push(names[j].as_str());
            }
        }
        cells += a.len() as u64;
        let mut columns: Vec<(&str, ArrayRef)> = vec![
            ("model_a", Arc::new(StringArray::from(a))),
            ("model_b", Arc::new(StringArray::from(b))),
        ];
        let names = [
            "wins_a",
            "wins_b",
            "ties",
            "ties_both_bad",
            "answers_with_tokens_a",
            "output_tokens_a",
            "answers_with_tokens_b",
            "output_tokens_b",
        ];
        for (name, values) in names.into_iter().zip(counts) {
            columns.push((name, Arc::new(Int64Array::from(values))));
        }
        columns.push((
            "source",
            Arc::new(StringArray::from(vec!["bench-counts"; columns[0].1.len()])),
        ));
        let batch = RecordBatch::try_from_iter(columns)?;
        let file = std::fs::File::create(day_folder.join("part-0.parquet"))?;
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties.clone()))?;
        writer.write(&batch)?;
        writer.close()?;
    }
    Ok(cells)
}

/// The DuckDB recipe (plus the import of its output) against the direct
/// import of the same simulated votes.
fn duckdb_against_import(dir: &Path, args: &ScaleBenchArgs) -> anyhow::Result<()> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| workspace.join("target/duckdb-venv/bin/python"));
    if !python.exists() {
        bail!(
            "no Python with DuckDB at {} (run .ci/install-duckdb.sh, or pass --python)",
            python.display()
        );
    }
    let csv = dir.join(format!("simulated-{}.csv", args.votes));
    let start = Instant::now();
    {
        use arenawatt_sim::simulate::{self, SimulationOptions};
        let options = SimulationOptions {
            votes: args.votes,
            days: 180,
            end_day: arenawatt_engine::time::today(),
            tie_rate: 0.2,
            seed: args.seed,
            degrade: None,
            id_prefix: "sim-".into(),
            slices: None,
            length_effect: 0.0,
            markdown_effect: None,
        };
        let file = std::fs::File::create(&csv)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        simulate::write_csv(
            &simulate::bundled_strengths(),
            &options,
            &mut out,
            &csv.display().to_string(),
        )?;
    }
    println!(
        "simulated {} votes (arenawatt simulate's CSV, {:.0} MB) in {:.1} s",
        args.votes,
        file_size(&csv) as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );

    let doc = std::fs::read_to_string(workspace.join("docs/scale.md"))?;
    let sql = recipe(&doc, "duckdb-csv")?;
    let counts = dir.join("duckdb_counts");
    let _ = std::fs::remove_dir_all(&counts);
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "''"));
    let sql = sql
        .replace("'votes.csv'", &quote(&csv))
        .replace("'pair_counts'", &quote(&counts));
    let script = dir.join("recipe.sql");
    std::fs::write(&script, sql)?;
    println!("load average before DuckDB: {}", load_average());
    let start = Instant::now();
    let status = std::process::Command::new(&python)
        .arg("-c")
        .arg("import duckdb, sys; duckdb.connect().execute(open(sys.argv[1]).read())")
        .arg(&script)
        .status()?;
    if !status.success() {
        bail!("the DuckDB recipe failed ({status})");
    }
    let duckdb = start.elapsed();

    let counted = dir.join("duckdb-counts.db");
    remove_store(&counted);
    let mut store = Store::open(&counted)?;
    let catalog = catalog_with_custom_models(&store)?;
    let start = Instant::now();
    let report = import_service::import(
        &mut store,
        &catalog,
        ImportInput::File {
            path: &counts,
            format: Format::PairCountsParquet,
        },
        &ImportOptions::default(),
    )?;
    let counts_import = start.elapsed();
    drop(store);

    let direct = dir.join("direct.db");
    remove_store(&direct);
    println!("load average before the direct import: {}", load_average());
    let mut store = Store::open(&direct)?;
    let import_args = ImportArgs {
        format: Format::Csv,
        files: vec![csv.clone()],
        source: None,
        date: None,
        conversations: Vec::new(),
        skip_invalid: false,
        sum_cells: false,
    };
    let start = Instant::now();
    let direct_report = import_file(&mut store, &catalog, &csv, &import_args, None)?;
    let direct_time = start.elapsed();
    println!("{} votes, side by side:", args.votes);
    println!(
        "  DuckDB recipe (CSV → daily pair-count Parquet): {:.2} s, {} cells",
        duckdb.as_secs_f64(),
        report.rows_read
    );
    println!(
        "  + arenawatt import --format pair-counts-parquet: {:.2} s (total {:.2} s)",
        counts_import.as_secs_f64(),
        (duckdb + counts_import).as_secs_f64()
    );
    println!(
        "  arenawatt import --format csv (every vote): {:.2} s, {} votes",
        direct_time.as_secs_f64(),
        direct_report.votes_inserted
    );
    println!("load average at the end: {}", load_average());
    Ok(())
}

/// The SQL block after `<!-- recipe: NAME` in docs/scale.md.
fn recipe(doc: &str, name: &str) -> anyhow::Result<String> {
    let start = doc
        .find(&format!("<!-- recipe: {name}"))
        .with_context(|| format!("docs/scale.md has no recipe {name}"))?;
    let rest = &doc[start..];
    let open = rest.find("```sql\n").context("no sql block")? + 7;
    let close = rest[open..].find("```").context("unterminated sql block")? + open;
    Ok(rest[open..close].to_string())
}

fn remove_store(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
