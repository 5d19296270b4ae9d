//! `arenawatt bench query`. (Skeleton: implemented by the work that owns this engine.)

#[derive(Debug, clap::Args)]
pub struct QueryBenchArgs {}

pub fn run(db: &std::path::Path, args: QueryBenchArgs) -> anyhow::Result<()> {
    let _ = db;
    let _ = args;
    anyhow::bail!("`arenawatt bench query` is not implemented yet")
}
