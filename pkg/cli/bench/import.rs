//! `arenawatt bench import`. (Skeleton: implemented by the work that owns this engine.)

#[derive(Debug, clap::Args)]
pub struct ImportBenchArgs {}

pub fn run(db: &std::path::Path, args: ImportBenchArgs) -> anyhow::Result<()> {
    let _ = db;
    let _ = args;
    anyhow::bail!("`arenawatt bench import` is not implemented yet")
}
