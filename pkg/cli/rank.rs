//! `arenawatt rank`. (Skeleton: implemented by the work that owns this command.)

/// Flags of `arenawatt rank`.
#[derive(Debug, clap::Args)]
pub struct RankArgs {}

pub fn run(args: RankArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("`arenawatt rank` is not implemented yet")
}
