//! `arenawatt schema`: prints the query model as JSON (keys, kinds, allowed
//! values, defaults, data source defaults and the model-row columns), for the
//! frontend's checks.
//!
//! The output is committed as `src/generated/queryModel.json`; jest compares
//! `src/types.ts` with it, and `tests/query_model_drift.rs` fails when the
//! committed file is not what this command prints now.

use std::io::Write;

use arenawatt_engine::schema::query_model_schema_text;

/// Flags of `arenawatt schema` (none: the schema has one form).
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {}

/// Prints the schema to standard output.
pub fn run(_args: SchemaArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(query_model_schema_text().as_bytes())?;
    out.flush()?;
    Ok(())
}
