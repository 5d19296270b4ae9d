//! `arenawatt-bench`: performance figures of arenawatt's engines, printed,
//! never asserted in tests. One subcommand per engine, each in its own module:
//!
//! ```text
//! cargo run --release -p arenawatt-bench -- rating
//! cargo run --release -p arenawatt-bench -- import --votes 10000000
//! cargo build --release && cargo run --release -p arenawatt-bench -- --db big.db query
//! cargo run --release -p arenawatt-bench -- --db big.db trend
//! cargo run --release -p arenawatt-bench -- scale --models 200 --days 365 --votes 10000000
//! ```
//!
//! It is a workspace member of its own, not a subcommand of `arenawatt`, so
//! the product binary does not ship it, and it reaches the engines only
//! through their crates' public API (the rating stages through
//! `arenawatt_core::rating::stages`). `query` also times the whole
//! `arenawatt query` process, so it needs the `arenawatt` binary: by default
//! the one built next to this one (`cargo build --release` at the top builds
//! both), or `--arenawatt PATH`.

mod import;
mod query;
mod rating;
mod scale;
mod style;
mod trend;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Performance figures of arenawatt's engines (printed, never asserted).
#[derive(Debug, Parser)]
#[command(name = "arenawatt-bench", version, about, long_about = None)]
struct Cli {
    /// The SQLite store (`query`, `trend`), as `arenawatt --db`.
    #[arg(
        long,
        global = true,
        env = "ARENAWATT_DB",
        default_value = "arenawatt.db",
        value_name = "PATH"
    )]
    db: PathBuf,
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Rating engine: fit, sandwich CIs and bootstrap on a pair-count file.
    Rating(rating::RatingBenchArgs),
    /// Import throughput and bytes per vote on a simulated CSV.
    Import(import::ImportBenchArgs),
    /// Query engine latency on a store.
    Query(query::QueryBenchArgs),
    /// Trend query latency on a store.
    Trend(trend::TrendBenchArgs),
    /// Past one machine: pair-count Parquet import of a year, the scatter
    /// over it, the DuckDB recipe against `arenawatt import` (docs/scale.md).
    Scale(scale::ScaleBenchArgs),
    /// Style control: the contextual fit with sandwich CIs on simulated votes
    /// with a known length effect.
    Style(style::StyleBenchArgs),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        BenchCommand::Rating(args) => rating::run(args),
        BenchCommand::Import(args) => import::run(args),
        BenchCommand::Scale(args) => scale::run(args),
        BenchCommand::Style(args) => style::run(args),
        BenchCommand::Query(args) => query::run(&cli.db, args),
        BenchCommand::Trend(args) => trend::run(&cli.db, args),
    }
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", arenawatt_cli::import::error_chain(&error));
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_flags_are_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_engine_has_its_subcommand_with_the_old_flags() {
        let cli = Cli::try_parse_from([
            "arenawatt-bench",
            "--db",
            "big.db",
            "query",
            "--type",
            "leaderboard",
            "--ci",
            "fisher",
            "--runs",
            "3",
        ])
        .unwrap();
        assert_eq!(cli.db, PathBuf::from("big.db"));
        match cli.command {
            BenchCommand::Query(args) => {
                assert_eq!(args.query_type, "leaderboard");
                assert_eq!(args.ci, "fisher");
                assert_eq!(args.runs, 3);
            }
            other => panic!("parsed as {other:?}"),
        }
        for name in ["rating", "import", "query", "trend"] {
            assert!(
                Cli::try_parse_from(["arenawatt-bench", name, "--help"])
                    .unwrap_err()
                    .kind()
                    == clap::error::ErrorKind::DisplayHelp,
                "no subcommand {name}"
            );
        }
    }
}
