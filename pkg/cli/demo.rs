//! `arenawatt demo`. (Skeleton: implemented by the work that owns this command.)

/// Flags of `arenawatt demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("`arenawatt demo` is not implemented yet")
}
