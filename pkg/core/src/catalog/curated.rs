//! Reader for arenawatt's own hand-curated catalog data
//! (`pkg/data/catalog/models.json` and `aliases.json`).
//!
//! `models.json` adds models that neither compar:IA nor EcoLogits list (mostly
//! the open models of the Chatbot Arena data), with facts from their public
//! model cards and the card's address in `source`. A model without
//! `total_params` has no public size. `aliases.json` maps a canonical id to
//! the other names votes and databases use for the same model.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Architecture, CatalogError, CatalogModel, License};
use crate::energy::ParamCount;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CuratedModel {
    id: String,
    display_name: String,
    organization: String,
    /// `proprietary` or the open licence's name.
    license: String,
    architecture: Architecture,
    #[serde(default)]
    total_params: Option<ParamCount>,
    #[serde(default)]
    active_params: Option<ParamCount>,
    #[serde(default)]
    release_date: Option<String>,
    /// Where the facts come from (a model card or announcement URL).
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct CuratedFile {
    models: Vec<CuratedModel>,
}

#[derive(Debug, Clone, Deserialize)]
struct AliasFile {
    /// Canonical id → other names.
    aliases: BTreeMap<String, Vec<String>>,
}

fn invalid(path: &str, reason: String) -> CatalogError {
    CatalogError::Invalid {
        path: path.to_string(),
        reason,
    }
}

fn check_count(
    path: &str,
    id: &str,
    field: &str,
    value: Option<ParamCount>,
) -> Result<(), CatalogError> {
    if let Some(v) = value {
        let ok = [v.min(), v.max()].iter().all(|x| x.is_finite() && *x > 0.0) && v.min() <= v.max();
        if !ok {
            return Err(invalid(
                path,
                format!(
                    "model {id:?}: {field}: expected positive billions with min <= max, got {v:?}"
                ),
            ));
        }
    }
    Ok(())
}

/// Parses the curated models file.
pub fn read_models(path: &str, text: &str) -> Result<Vec<CatalogModel>, CatalogError> {
    let file: CuratedFile = serde_json::from_str(text).map_err(|e| invalid(path, e.to_string()))?;
    file.models
        .into_iter()
        .map(|m| {
            check_count(path, &m.id, "total_params", m.total_params)?;
            check_count(path, &m.id, "active_params", m.active_params)?;
            Ok(CatalogModel {
                license: if m.license.eq_ignore_ascii_case("proprietary") {
                    License::Proprietary
                } else {
                    License::Open(m.license)
                },
                architecture: m.architecture,
                total_params: m.total_params,
                active_params: m.active_params,
                quantization: None,
                release_date: m.release_date,
                tps: None,
                ttft: None,
                params_estimated: false,
                aliases: m.aliases,
                params_source: m.total_params.and(m.source),
                comparia_estimate: None,
                id: m.id,
                display_name: m.display_name,
                organization: m.organization,
            })
        })
        .collect()
}

/// Parses the alias file: canonical id → other names.
pub fn read_aliases(path: &str, text: &str) -> Result<BTreeMap<String, Vec<String>>, CatalogError> {
    let file: AliasFile = serde_json::from_str(text).map_err(|e| invalid(path, e.to_string()))?;
    Ok(file.aliases)
}
