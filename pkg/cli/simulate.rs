//! `arenawatt simulate`. (Skeleton: implemented by the work that owns this command.)

/// Flags of `arenawatt simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("`arenawatt simulate` is not implemented yet")
}
