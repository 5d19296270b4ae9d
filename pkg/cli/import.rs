//! `arenawatt import`. (Skeleton: implemented by the work that owns this command.)

/// Flags of `arenawatt import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {}

pub fn run(db: &std::path::Path, args: ImportArgs) -> anyhow::Result<()> {
    let _ = db;
    let _ = args;
    anyhow::bail!("`arenawatt import` is not implemented yet")
}
