//! The `arenawatt` command line: one file per command, each owning its flags
//! (defined once with their help text) and its output formats.

pub mod catalog;
pub mod demo;
pub mod energy;
pub mod import;
pub mod plot;
pub mod query;
pub mod rank;
pub mod schema;
pub mod simulate;
pub mod snapshot;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Human satisfaction (Bradley–Terry scores from pairwise votes) next to the
/// energy cost (EcoLogits) of large language models.
#[derive(Debug, Parser)]
#[command(name = "arenawatt", version, about, long_about = None)]
pub struct Cli {
    /// The SQLite store [default: arenawatt.db; for `demo`, arenawatt-demo.db].
    /// `demo` builds the store this names, so a following `query` with the
    /// same `--db` reads it.
    #[arg(long, global = true, env = "ARENAWATT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rank models from a vote file directly, without a store.
    Rank(rank::RankArgs),
    /// Estimate the energy and emissions of generating tokens (EcoLogits).
    Energy(energy::EnergyArgs),
    /// Import vote files into the store, in one transaction per file.
    Import(import::ImportArgs),
    /// List or extend the model catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Run a query against the store (the same engine Grafana uses).
    Query(query::QueryArgs),
    /// Draw the satisfaction-energy scatter (compar:IA's graph) as an SVG file.
    Plot(plot::PlotArgs),
    /// Print the query model as JSON (keys, values, defaults, row columns).
    Schema(schema::SchemaArgs),
    /// Write a simulated vote stream (CSV) for demos and benchmarks.
    Simulate(simulate::SimulateArgs),
    /// Build the demo store from bundled data and print the scatter table.
    Demo(demo::DemoArgs),
    /// Write a consistent, compacted copy of the store (for read-only replicas).
    Snapshot(snapshot::SnapshotArgs),
}

/// The store of every command but `demo` when neither `--db` nor
/// `ARENAWATT_DB` names one.
pub const DEFAULT_STORE: &str = "arenawatt.db";

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let given = cli.db;
    let db = &given
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE));
    match cli.command {
        Command::Rank(args) => rank::run(args),
        Command::Energy(args) => energy::run(db, args),
        Command::Import(args) => import::run(db, args),
        Command::Catalog(cmd) => catalog::run(db, cmd),
        Command::Query(args) => query::run(db, args),
        Command::Plot(args) => plot::run(db, args),
        Command::Schema(args) => schema::run(args),
        Command::Simulate(args) => simulate::run(args),
        // The demo has a default store of its own.
        Command::Demo(args) => demo::run(given.as_deref(), args),
        Command::Snapshot(args) => snapshot::run(db, args),
    }
}
