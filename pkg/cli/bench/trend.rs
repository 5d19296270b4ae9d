//! `arenawatt bench trend`. (Skeleton: implemented by the work that owns this engine.)

#[derive(Debug, clap::Args)]
pub struct TrendBenchArgs {}

pub fn run(db: &std::path::Path, args: TrendBenchArgs) -> anyhow::Result<()> {
    let _ = db;
    let _ = args;
    anyhow::bail!("`arenawatt bench trend` is not implemented yet")
}
