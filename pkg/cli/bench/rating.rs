//! `arenawatt bench rating`. (Skeleton: implemented by the work that owns this engine.)

#[derive(Debug, clap::Args)]
pub struct RatingBenchArgs {}

pub fn run(args: RatingBenchArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("`arenawatt bench rating` is not implemented yet")
}
