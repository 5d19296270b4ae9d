//! `arenawatt-bench trend` (`cargo run --release -p arenawatt-bench -- --db
//! FILE trend`): latency of a `trend` query (daily steps, every
//! model, cumulative window) inside the process, cache bypassed. Each step's
//! fit is warm-started from the previous step's.

use std::path::Path;

use arenawatt_engine::{time, Engine, Query, QueryResult};

use crate::query::{ensure_bench_store, print_times, timed};

#[derive(Debug, clap::Args)]
pub struct TrendBenchArgs {
    /// Daily steps, ending on the store's last day.
    #[arg(long, value_name = "N", default_value_t = 180)]
    pub steps: u32,
    /// Window: cumulative or rolling.
    #[arg(long, value_name = "WINDOW", default_value = "cumulative")]
    pub window: String,
    /// Add sandwich confidence intervals to every point.
    #[arg(long)]
    pub include_ci: bool,
    /// Vote sources (comma-separated; default all).
    #[arg(long, value_name = "SOURCE,...")]
    pub sources: Option<String>,
    /// Timed runs.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: u32,
    /// When the store does not exist, first fill it with this many simulated votes.
    #[arg(long, value_name = "N")]
    pub simulate: Option<u64>,
}

pub fn run(db: &Path, args: TrendBenchArgs) -> anyhow::Result<()> {
    ensure_bench_store(db, args.simulate)?;
    let engine = Engine::new(db);
    let stats = engine.stats()?;
    let Some(last) = stats.last_day else {
        anyhow::bail!("{}: the store holds no votes", db.display());
    };
    let first = last - args.steps.max(1) as i64 + 1;
    let mut json = serde_json::json!({
        "queryType": "trend",
        "window": args.window,
        "from": time::format_day(first),
        "to": time::format_day(last),
        "includeCi": args.include_ci,
    });
    if let Some(sources) = &args.sources {
        json["sources"] = serde_json::Value::String(sources.clone());
    }
    let query: Query = arenawatt_engine::parse_query(&json)?;
    println!(
        "store {}: {} votes, {} models; trend of {} daily steps {}..{} ({} window{})",
        db.display(),
        stats.votes,
        stats.models,
        args.steps,
        time::format_day(first),
        time::format_day(last),
        args.window,
        if args.include_ci {
            ", with sandwich CIs"
        } else {
            ""
        }
    );
    let (mut times, mut cpu_times) = (Vec::new(), Vec::new());
    let mut points = 0;
    let mut models = 0;
    for _ in 0..args.runs.max(1) {
        let (result, wall, cpu) = timed(|| engine.execute_uncached(&query, None));
        let result = result?;
        times.push(wall);
        cpu_times.push(cpu);
        if let QueryResult::Trend { rows, .. } = &result {
            points = rows.len();
            let mut names: Vec<&str> = rows.iter().map(|r| r.model.as_str()).collect();
            names.sort();
            names.dedup();
            models = names.len();
        }
    }
    let store = arenawatt_store::Store::open_read_only(db)?;
    let filter = arenawatt_store::CountFilter {
        sources: args
            .sources
            .as_deref()
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        from_day: None,
        to_day: Some(last),
        ..arenawatt_store::CountFilter::default()
    };
    let (daily, read_wall, read_cpu) = timed(|| store.daily_counts(&filter));
    let daily = daily?;
    println!("  {points} points ({models} models)");
    print_times(
        "trend query, inside the process, uncached",
        times,
        cpu_times,
    );
    print_times(
        &format!(
            "of which reading the daily counts ({} day-pair rows)",
            daily.pairs.len()
        ),
        vec![read_wall],
        vec![read_cpu],
    );
    Ok(())
}
