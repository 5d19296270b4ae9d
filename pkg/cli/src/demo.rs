//! `arenawatt demo`: the first command a new user runs. Builds (or reuses)
//! the demo store from bundled data only, then prints compar:IA's
//! satisfaction/energy table for the simulated source, saying plainly that
//! those votes are simulated.
//!
//! The store is the one the global `--db` (or `ARENAWATT_DB`) names, so that
//! `arenawatt --db X demo` then `arenawatt --db X query` read the same file;
//! `demo --store X` says the same thing and wins when both are given.
//! Without either it is `./arenawatt-demo.db`, apart from the `arenawatt.db`
//! other commands default to, so the demo never fills a real store.

use std::path::{Path, PathBuf};

use arenawatt_engine::{time, Engine, Query, QueryResult, QueryType};
use arenawatt_sim::demo::{self, SIMULATED_SOURCE};

use super::query::output;

/// Flags of `arenawatt demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to build the demo store, as the global --db does [default:
    /// arenawatt-demo.db].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Print the table as CSV (the `arenawatt query` columns) instead.
    #[arg(long)]
    pub csv: bool,
}

/// Where the demo store is built when neither `--store` nor `--db` says.
pub const DEFAULT_DEMO_STORE: &str = "arenawatt-demo.db";

/// The demo store: `--store`, else the global `--db`, else
/// [`DEFAULT_DEMO_STORE`].
pub fn demo_store_path(db: Option<&Path>, args: &DemoArgs) -> PathBuf {
    args.store
        .clone()
        .or_else(|| db.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DEMO_STORE))
}

/// Runs `arenawatt demo`; `db` is the global `--db`, when given.
pub fn run(db: Option<&Path>, args: DemoArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let store = demo_store_path(db, &args);
    let summary = demo::build_demo_store(&store)?;
    let path = store.display();
    if summary.rebuilt {
        eprintln!(
            "built the demo store {path} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        eprintln!("reusing the demo store {path} (up to date)");
    }
    let engine = Engine::new(&store);
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
        ..
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::Parser;

    /// The demo store a command line builds.
    fn store_of(args: &[&str]) -> PathBuf {
        let cli = Cli::try_parse_from(args).unwrap();
        match cli.command {
            Command::Demo(demo) => demo_store_path(cli.db.as_deref(), &demo),
            other => panic!("{args:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn the_global_db_chooses_the_demo_store() {
        assert_eq!(
            store_of(&["arenawatt", "--db", "x.db", "demo"]),
            PathBuf::from("x.db")
        );
        assert_eq!(
            store_of(&["arenawatt", "demo", "--db", "x.db"]),
            PathBuf::from("x.db")
        );
    }

    #[test]
    fn store_is_an_alias_that_wins_and_the_default_stays() {
        assert_eq!(
            store_of(&["arenawatt", "demo", "--store", "s.db"]),
            PathBuf::from("s.db")
        );
        assert_eq!(
            store_of(&["arenawatt", "--db", "x.db", "demo", "--store", "s.db"]),
            PathBuf::from("s.db")
        );
        // Only when ARENAWATT_DB is unset does the default apply.
        if std::env::var_os("ARENAWATT_DB").is_none() {
            assert_eq!(
                store_of(&["arenawatt", "demo"]),
                PathBuf::from(DEFAULT_DEMO_STORE)
            );
        }
    }
}
