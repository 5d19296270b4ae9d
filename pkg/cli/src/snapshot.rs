//! `arenawatt snapshot --out FILE`: writes a consistent, compacted copy of a
//! live store (SQLite's `VACUUM INTO`) for Grafana replicas that read it
//! with the data source's `readOnly` setting; see docs/scale.md.

use std::path::{Path, PathBuf};

use anyhow::Context;

use arenawatt_store::Store;

/// Flags of `arenawatt snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// The copy to write; an existing file is replaced atomically (the copy
    /// is written next to it, then renamed over it).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(db: &Path, args: SnapshotArgs) -> anyhow::Result<()> {
    let store =
        Store::open_read_only(db).with_context(|| format!("cannot open store {}", db.display()))?;
    let report = store
        .snapshot_into(&args.out)
        .with_context(|| format!("cannot write the snapshot {}", args.out.display()))?;
    println!(
        "snapshot {} of store {}: {} bytes, data version {}, schema version {} (rollback journal: open it with readOnly)",
        args.out.display(),
        db.display(),
        report.bytes,
        report.data_version,
        report.schema_version
    );
    Ok(())
}
