//! Catalog models added by `arenawatt catalog import`, kept in the store as
//! JSON so that the catalog's own format stays the single definition.

use rusqlite::{params, Connection};

use super::StoreError;
use arenawatt_core::catalog::CatalogModel;

pub(super) fn upsert(conn: &mut Connection, models: &[CatalogModel]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO catalog_models (id, model_json, updated_at) VALUES (?1, ?2, unixepoch())
             ON CONFLICT (id) DO UPDATE SET model_json = excluded.model_json, updated_at = excluded.updated_at",
        )?;
        for model in models {
            let json = serde_json::to_string(model).map_err(|e| {
                StoreError::InvalidVote(format!(
                    "catalog model {:?} cannot be written as JSON: {e}",
                    model.id
                ))
            })?;
            upsert.execute(params![model.id, json])?;
        }
    }
    // Model facts change query results: invalidate caches keyed by data version.
    if !models.is_empty() {
        super::import::bump_data_version(&tx)?;
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn list(conn: &Connection, path: &str) -> Result<Vec<CatalogModel>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, model_json FROM catalog_models ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut models = Vec::new();
    for row in rows {
        let (id, json) = row?;
        let model = serde_json::from_str(&json).map_err(|e| StoreError::BadCatalogModel {
            path: path.to_string(),
            id,
            reason: e.to_string(),
        })?;
        models.push(model);
    }
    Ok(models)
}
