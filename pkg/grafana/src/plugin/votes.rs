//! `POST votes`: the plugin's side of an upload. The body is JSON lines in
//! the csv import schema, read by the store's JSON-lines reader
//! ([`arenawatt_store::ingest::json_lines`], which documents the keys and
//! rules) and written through the store's import service
//! ([`arenawatt_store::import_service`]) in one transaction, so a bad line
//! leaves the store untouched.
//!
//! What stays here is what only the plugin knows: names resolve through the
//! data source's current catalog (the bundled models plus the store's custom
//! ones, `arenawatt catalog import`, even one made while the plugin runs), the
//! audit row names the resource, and a store that is gone is never recreated.
//! The HTTP status of each error is chosen by the resource handler.

use std::path::Path;

use arenawatt_core::catalog::Catalog;
use arenawatt_store::import_service::{
    self, ImportError, ImportInput, ImportOptions, ImportReport,
};
use arenawatt_store::{Store, StoreError};

/// The source of uploaded votes that name none.
pub use arenawatt_store::ingest::json_lines::DEFAULT_SOURCE;

/// The file name of an upload in the `imports` audit trail.
const AUDIT_NAME: &str = "grafana resource POST votes";

/// Validates the whole body, resolving model names with `catalog` (the
/// engine's current one, custom models included), then writes it in one
/// transaction. A bad body is reported before a missing store.
pub fn import_json_lines(
    path: &Path,
    body: &[u8],
    catalog: &Catalog,
) -> Result<ImportReport, ImportError> {
    let input = ImportInput::JsonLines {
        name: AUDIT_NAME,
        body,
    };
    let prepared = import_service::prepare(catalog, input, &ImportOptions::default())?;
    // Store::open creates a missing file: a store that the data source's
    // engine does not read (it holds the deleted file's inode, or none).
    if !path.is_file() {
        return Err(ImportError::Store(StoreError::CannotOpen {
            path: path.display().to_string(),
            reason: "the store is gone (deleted or moved); POST votes never creates a new store, \
                     which this data source would not read: restore the file, or create it with `arenawatt import`"
                .into(),
        }));
    }
    let mut store = Store::open(path)?;
    prepared.write(&mut store)
}
