//! `arenawatt demo`: the first command a new user runs. Builds (or reuses)
//! the demo store from bundled data only, then prints compar:IA's
//! satisfaction/energy table for the simulated source, saying plainly that
//! those votes are simulated.

use std::path::PathBuf;

use arenawatt_sim::demo::{self, SIMULATED_SOURCE};
use arenawatt_engine::{time, Engine, Query, QueryResult, QueryType};

use super::query::output;

/// Flags of `arenawatt demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to build the demo store.
    #[arg(long, value_name = "PATH", default_value = "arenawatt-demo.db")]
    pub store: PathBuf,
    /// Print the table as CSV (the `arenawatt query` columns) instead.
    #[arg(long)]
    pub csv: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let summary = demo::build_demo_store(&args.store)?;
    let path = args.store.display();
    if summary.rebuilt {
        eprintln!(
            "built the demo store {path} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        eprintln!("reusing the demo store {path} (up to date)");
    }
    let engine = Engine::new(&args.store);
    let query = Query {
        query_type: QueryType::Scatter,
        sources: vec![SIMULATED_SOURCE.into()],
        ..Query::default()
    };
    let result = engine.execute(&query, None)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.csv {
        return output::write(&mut out, &result, super::query::OutputFormat::Csv);
    }
    use std::io::Write;
    writeln!(
        out,
        "SIMULATED VOTES: {} compar:IA-like votes from {} to {}, drawn from compar:IA's published Feb-2026 BT medians \
         (not real votes). {} is made to lose {} BT points in the last {} days.",
        summary.simulated_votes,
        time::format_day(summary.first_day),
        time::format_day(summary.last_day),
        summary.degradation.model,
        summary.degradation.points,
        summary.degradation.days
    )?;
    writeln!(
        out,
        "The store also holds {} real Chatbot Arena battles (source {}).",
        summary.arena_battles,
        demo::ARENA_SOURCE
    )?;
    writeln!(out)?;
    if let QueryResult::Models {
        rows,
        methodology,
        zone,
        notices,
    } = &result
    {
        writeln!(
            out,
            "Satisfaction vs energy, source `simulated`: {} open models with a known energy",
            rows.len()
        )?;
        for line in output::models_table(rows, methodology, zone) {
            writeln!(out, "{line}")?;
        }
        for notice in notices {
            writeln!(out, "note: {notice}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Next: arenawatt --db {path} query --type leaderboard --sources {}   (or --type trend, regression; see --help)",
        demo::ARENA_SOURCE
    )?;
    Ok(())
}
