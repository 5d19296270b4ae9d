//! `arenawatt energy`. (Skeleton: implemented by the work that owns this command.)

/// Flags of `arenawatt energy`.
#[derive(Debug, clap::Args)]
pub struct EnergyArgs {}

pub fn run(args: EnergyArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("`arenawatt energy` is not implemented yet")
}
