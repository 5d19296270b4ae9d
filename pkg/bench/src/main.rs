//! `arenawatt bench`: performance figures printed, never asserted in tests.
//! One subcommand per engine, each in its own module.

pub mod import;
pub mod query;
pub mod rating;
pub mod trend;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Rating engine: fit, sandwich CIs and bootstrap on a pair-count file.
    Rating(rating::RatingBenchArgs),
    /// Import throughput and bytes per vote on a simulated CSV.
    Import(import::ImportBenchArgs),
    /// Query engine latency on a store.
    Query(query::QueryBenchArgs),
    /// Trend query latency on a store.
    Trend(trend::TrendBenchArgs),
}

pub fn run(db: &std::path::Path, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Rating(args) => rating::run(args),
        BenchCommand::Import(args) => import::run(db, args),
        BenchCommand::Query(args) => query::run(db, args),
        BenchCommand::Trend(args) => trend::run(db, args),
    }
}
