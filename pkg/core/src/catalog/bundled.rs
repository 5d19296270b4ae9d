//! The catalog shipped inside the binaries: compar:IA's table, the curated
//! entries and EcoLogits' database, merged once on first use.
//!
//! Merge rules:
//! - compar:IA's entries come first and keep their ids and facts;
//! - curated entries add models compar:IA does not list;
//! - an EcoLogits model whose name is already an id or alias (ignoring case)
//!   becomes an alias of that entry; when that entry's size is only compar:IA's
//!   guess, EcoLogits' estimate (and measured speed) replaces it, as the
//!   estimate `--allow-estimates` uses; other EcoLogits models are added as
//!   entries of their own;
//! - `aliases.json` then attaches the names votes use.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{comparia, curated, ecologits, Catalog, CatalogError, CatalogModel};

const COMPARIA_PATH: &str = "pkg/data/comparia/generated-models_20260211.json";
const COMPARIA: &str = include_str!("../../../data/comparia/generated-models_20260211.json");
const CURATED_PATH: &str = "pkg/data/catalog/models.json";
const CURATED: &str = include_str!("../../../data/catalog/models.json");
const ALIASES_PATH: &str = "pkg/data/catalog/aliases.json";
const ALIASES: &str = include_str!("../../../data/catalog/aliases.json");
const ECOLOGITS_PATH: &str = "pkg/data/ecologits/models.json";
const ECOLOGITS: &str = include_str!("../../../data/ecologits/models.json");

/// The raw compar:IA records bundled with arenawatt (with its published
/// `wh_per_million_token`), for reproduction checks.
pub fn comparia_models() -> Result<Vec<comparia::ComparIaModel>, CatalogError> {
    comparia::read_models(COMPARIA_PATH, COMPARIA)
}

/// Builds the bundled catalog from the embedded files.
pub fn build() -> Result<Catalog, CatalogError> {
    let mut models: Vec<CatalogModel> = comparia::read_catalog(COMPARIA_PATH, COMPARIA)?;
    let mut names: HashMap<String, usize> = HashMap::new();
    let register = |names: &mut HashMap<String, usize>, model: &CatalogModel, index: usize| {
        names.insert(model.id.to_lowercase(), index);
        for alias in &model.aliases {
            names.insert(alias.to_lowercase(), index);
        }
    };
    for (index, model) in models.iter().enumerate() {
        register(&mut names, model, index);
    }
    for model in curated::read_models(CURATED_PATH, CURATED)? {
        if let Some(&existing) = names.get(&model.id.to_lowercase()) {
            return Err(CatalogError::Invalid {
                path: CURATED_PATH.into(),
                reason: format!(
                    "model {:?} is already in the catalog as {:?}",
                    model.id, models[existing].id
                ),
            });
        }
        register(&mut names, &model, models.len());
        models.push(model);
    }
    let aliases = curated::read_aliases(ALIASES_PATH, ALIASES)?;
    for (id, others) in &aliases {
        let Some(&index) = names.get(&id.to_lowercase()) else {
            return Err(CatalogError::Invalid {
                path: ALIASES_PATH.into(),
                reason: format!("aliases given for {id:?}, which is not in the catalog"),
            });
        };
        for other in others {
            names.insert(other.to_lowercase(), index);
        }
        models[index].aliases.extend(others.iter().cloned());
    }
    for model in ecologits::read_catalog(ECOLOGITS_PATH, ECOLOGITS)? {
        match names.get(&model.id.to_lowercase()) {
            Some(&index) => merge_ecologits(&mut models[index], model),
            None => {
                register(&mut names, &model, models.len());
                models.push(model);
            }
        }
    }
    Ok(Catalog::from_models(models))
}

/// Folds an EcoLogits record into the entry it names.
fn merge_ecologits(entry: &mut CatalogModel, record: CatalogModel) {
    if entry.params_estimated && record.params_estimated {
        // compar:IA's guess stays beside EcoLogits' estimate, for the
        // `comparia-2026-02` methodology.
        if entry.params_source.as_deref() == Some(super::COMPARIA_ESTIMATE) {
            if let Some(total) = entry.total_params {
                entry.comparia_estimate = Some((total, entry.active_params));
            }
        }
        entry.total_params = record.total_params;
        entry.active_params = record.active_params;
        entry.tps = record.tps;
        entry.ttft = record.ttft;
        entry.params_source = record.params_source.clone();
    }
    let known = |name: &str, entry: &CatalogModel| {
        entry.id.eq_ignore_ascii_case(name)
            || entry.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    };
    for name in std::iter::once(record.id).chain(record.aliases) {
        if !known(&name, entry) {
            entry.aliases.push(name);
        }
    }
}

/// The bundled catalog, parsed once. An unreadable bundle (a build problem,
/// caught by the tests) yields the error on every call.
pub fn try_catalog() -> Result<&'static Catalog, CatalogError> {
    static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
    CATALOG
        .get_or_init(|| build().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|reason| CatalogError::Invalid {
            path: "bundled catalog".into(),
            reason: reason.clone(),
        })
}

/// The bundled catalog, or an empty one if the bundle is unreadable.
pub fn catalog() -> &'static Catalog {
    static EMPTY: OnceLock<Catalog> = OnceLock::new();
    try_catalog().unwrap_or_else(|_| EMPTY.get_or_init(Catalog::default))
}
