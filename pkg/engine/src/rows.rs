//! Model rows: one model's rating joined with its catalog facts and its energy
//! estimate. Shared by `scatter`, `leaderboard` and `model`.
//!
//! Energy is never made up: a model whose size is not disclosed gets null
//! energy with the reason "parameters not disclosed", and a model the catalog
//! does not know gets "not in catalog". Energy is estimated for the query's
//! `tokens` and reported per 1000 tokens.

use std::collections::HashMap;

use arenawatt_core::catalog::{Architecture, Catalog, CatalogModel, License};
use arenawatt_core::energy::classes::EnergyClass;
use arenawatt_core::energy::{self, Impacts};
use arenawatt_core::rating::{ModelRating, Ratings};

use super::filters;
use super::pareto;
use super::resolve::{EnergyKey, ResolvedQuery};
use super::{ModelRow, QueryError};

pub const NOT_IN_CATALOG: &str = "not in catalog";
pub const NOT_DISCLOSED: &str = "parameters not disclosed";

/// Energy of one model per 1000 output tokens, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEnergy {
    pub wh_per_1k_tokens: Option<f64>,
    pub wh_min: Option<f64>,
    pub wh_max: Option<f64>,
    pub gco2e_per_1k_tokens: Option<f64>,
    pub note: String,
}

impl ModelEnergy {
    fn none(note: &str) -> ModelEnergy {
        ModelEnergy {
            wh_per_1k_tokens: None,
            wh_min: None,
            wh_max: None,
            gco2e_per_1k_tokens: None,
            note: note.to_string(),
        }
    }
}

/// Estimates a model's energy under the query's methodology.
pub fn model_energy(
    model: Option<&CatalogModel>,
    key: &EnergyKey,
) -> Result<ModelEnergy, QueryError> {
    let Some(model) = model else {
        return Ok(ModelEnergy::none(NOT_IN_CATALOG));
    };
    // A proprietary model's size is never disclosed: any count the catalog
    // holds for it is an estimate, used only when the query allows estimates.
    let estimated = model.params_estimated || !model.license.is_open();
    if estimated && !key.allow_estimates {
        return Ok(ModelEnergy::none(NOT_DISCLOSED));
    }
    let context = key.context();
    let Ok((size, source)) = model.energy_size_under(true, context.methodology) else {
        return Ok(ModelEnergy::none(NOT_DISCLOSED));
    };
    let impacts: Impacts = energy::estimate(&size, key.tokens, &context)?;
    let per_1k = 1000.0 / key.tokens;
    Ok(ModelEnergy {
        wh_per_1k_tokens: Some(impacts.energy_wh.mean * per_1k),
        wh_min: Some(impacts.energy_wh.min * per_1k),
        wh_max: Some(impacts.energy_wh.max * per_1k),
        gco2e_per_1k_tokens: Some(impacts.gwp_gco2eq.mean * per_1k),
        note: if estimated {
            // A proprietary model's counts are estimates even when the
            // catalog does not say whose.
            arenawatt_core::catalog::estimated_note(source.as_deref())
        } else {
            String::new()
        },
    })
}

/// Memoises [`model_energy`] within one query (trends ask for each model many times).
pub struct EnergyCache<'a> {
    catalog: &'a Catalog,
    key: &'a EnergyKey,
    cache: HashMap<String, ModelEnergy>,
}

impl<'a> EnergyCache<'a> {
    pub fn new(catalog: &'a Catalog, key: &'a EnergyKey) -> Self {
        EnergyCache {
            catalog,
            key,
            cache: HashMap::new(),
        }
    }
    pub fn get(&mut self, model: &str) -> Result<&ModelEnergy, QueryError> {
        if !self.cache.contains_key(model) {
            let energy = model_energy(self.catalog.resolve(model), self.key)?;
            self.cache.insert(model.to_string(), energy);
        }
        Ok(&self.cache[model])
    }
}

fn arch_code(architecture: Architecture) -> u8 {
    match architecture {
        Architecture::Dense => 1,
        Architecture::Moe => 2,
        Architecture::Matformer => 3,
        Architecture::Unknown => 0,
    }
}

/// A row for one rated model, before the Pareto flag.
pub fn model_row(
    rating: &ModelRating,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<ModelRow, QueryError> {
    let facts = catalog.resolve(&rating.model);
    let energy = model_energy(facts, &query.energy)?;
    let id = facts
        .map(|f| f.id.clone())
        .unwrap_or_else(|| rating.model.clone());
    let selected = query.selected.contains(&id.to_lowercase());
    let scored = rating.bt_score.is_some();
    Ok(ModelRow {
        display_name: facts
            .map(|f| f.display_name.clone())
            .unwrap_or_else(|| id.clone()),
        organization: facts.map(|f| f.organization.clone()).unwrap_or_default(),
        license: match facts.map(|f| &f.license) {
            Some(License::Open(name)) => name.clone(),
            Some(License::Proprietary) => "proprietary".into(),
            None => String::new(),
        },
        architecture: facts
            .map(|f| f.architecture.name())
            .unwrap_or("unknown")
            .to_string(),
        size_class: facts
            .and_then(|f| f.size_class())
            .map(|s| s.name().to_string()),
        size_rank: facts.and_then(|f| f.size_class()).map(|s| s.rank()),
        arch_code: facts.map(|f| arch_code(f.architecture)).unwrap_or(0),
        total_params_b: facts.and_then(|f| f.total_params).map(|p| p.mean()),
        active_params_b: facts
            .and_then(|f| f.active_params.or(f.total_params))
            .map(|p| p.mean()),
        votes: rating.votes,
        bt_score: rating.bt_score,
        bt_ci_low: rating.ci_low,
        bt_ci_high: rating.ci_high,
        bt_score_raw: rating.bt_score,
        bt_score_controlled: None,
        rank: scored.then_some(rating.rank),
        rank_low: scored.then_some(rating.rank_low),
        rank_high: scored.then_some(rating.rank_high),
        rank_overall: None,
        rank_delta: None,
        rank_ub: scored.then_some(rating.rank_low),
        tier: rating.tier,
        wh_per_1k_tokens: energy.wh_per_1k_tokens,
        wh_min: energy.wh_min,
        wh_max: energy.wh_max,
        gco2e_per_1k_tokens: energy.gco2e_per_1k_tokens,
        energy_class: energy
            .wh_per_1k_tokens
            .and_then(EnergyClass::of_wh_per_thousand)
            .map(EnergyClass::letter),
        energy_methodology: query.energy.methodology.name().to_string(),
        energy_note: energy.note,
        pareto: false,
        selected,
        model: id,
    })
}

/// Rows of every rated model that passes the row filters, best first, with the
/// Pareto flag computed among the rows returned. `open_with_energy` keeps only
/// open models with a known energy (the scatter).
pub fn model_rows(
    ratings: &Ratings,
    catalog: &Catalog,
    query: &ResolvedQuery,
    open_with_energy: bool,
) -> Result<Vec<ModelRow>, QueryError> {
    let mut rows = Vec::new();
    for rating in &ratings.models {
        if !filters::keep(&rating.model, rating.votes, catalog, &query.rows) {
            continue;
        }
        let row = model_row(rating, catalog, query)?;
        if open_with_energy
            && (row.license == "proprietary"
                || row.license.is_empty()
                || row.wh_per_1k_tokens.is_none())
        {
            continue;
        }
        rows.push(row);
    }
    mark_pareto(&mut rows);
    Ok(rows)
}

pub fn mark_pareto(rows: &mut [ModelRow]) {
    let points: Vec<_> = rows
        .iter()
        .map(|r| (r.bt_score, r.wh_per_1k_tokens))
        .collect();
    for (row, on) in rows.iter_mut().zip(pareto::frontier(&points)) {
        row.pareto = on;
    }
}
