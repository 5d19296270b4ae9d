//! `arenawatt catalog`. (Skeleton: implemented by the catalog work.)

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// List the catalog (bundled plus custom models).
    List {},
}

pub fn run(db: &std::path::Path, command: CatalogCommand) -> anyhow::Result<()> {
    let _ = (db, command);
    anyhow::bail!("`arenawatt catalog` is not implemented yet")
}
