//! `arenawatt query`. (Skeleton: implemented by the work that owns this command.)

/// Flags of `arenawatt query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {}

pub fn run(db: &std::path::Path, args: QueryArgs) -> anyhow::Result<()> {
    let _ = db;
    let _ = args;
    anyhow::bail!("`arenawatt query` is not implemented yet")
}
