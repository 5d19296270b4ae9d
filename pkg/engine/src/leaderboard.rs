//! `scatter`, `leaderboard` and `model`: one Bradley–Terry fit over every
//! model's votes in the sources and dates asked for, then rows for the models
//! the filters keep.
//!
//! `scatter` is compar:IA's graph (open models with a known energy);
//! `leaderboard` shows every model, proprietary ones with null energy and the
//! reason; `model` is one model's full record.

use arenawatt_core::catalog::Catalog;
use arenawatt_core::rating::{ModelRating, RatingStatus, Ratings};
use arenawatt_store::Store;

use super::resolve::{describe_counts, ResolvedQuery};
use super::rows::{self, NOT_IN_CATALOG};
use super::{QueryError, QueryResult};

pub use super::fitting::fit;

fn fit_notices(ratings: &Ratings, catalog: &Catalog) -> Vec<String> {
    let mut notices = Vec::new();
    if !ratings.converged {
        notices.push(format!(
            "the Bradley-Terry fit did not converge in {} iterations; scores are approximate",
            ratings.iterations
        ));
    }
    if ratings.components.len() > 1 {
        notices.push(format!(
            "the comparison graph has {} disconnected parts; only models compared with the largest part ({} models) get a score",
            ratings.components.len(),
            ratings.components[0].len()
        ));
    }
    let unknown: Vec<&str> = ratings
        .models
        .iter()
        .filter(|m| catalog.resolve(&m.model).is_none())
        .map(|m| m.model.as_str())
        .collect();
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
        notices.push(format!(
            "{} models are {NOT_IN_CATALOG}, so their energy is null: {}{}",
            unknown.len(),
            shown.join(", "),
            if unknown.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    let unrated = ratings
        .models
        .iter()
        .filter(|m| m.status != RatingStatus::Ok)
        .count();
    if unrated > 0 {
        notices.push(format!(
            "{unrated} models have no score (never won, never lost, or not connected to the others)"
        ));
    }
    notices
}

/// `scatter` (`open_with_energy`) and `leaderboard`.
pub fn models(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
    open_with_energy: bool,
) -> Result<QueryResult, QueryError> {
    let (rows, notices) = match fit(store, query)? {
        None => (
            Vec::new(),
            vec![format!("no votes for {}", describe_counts(query))],
        ),
        Some(ratings) => {
            let mut rows = rows::model_rows(&ratings, catalog, query, open_with_energy)?;
            super::slices::add_overall_ranks(store, query, &mut rows)?;
            (rows, fit_notices(&ratings, catalog))
        }
    };
    Ok(QueryResult::Models {
        rows,
        methodology: query.energy.methodology.name().to_string(),
        zone: query.energy.zone.clone(),
        notices,
    })
}

/// `model`: one model's record (with a null score when it has no votes).
pub fn one_model(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let Some(wanted) = query.model.as_deref() else {
        return Err(QueryError::BadQuery(
            "model: a `model` query needs the model to show (e.g. --model llama-3.1-405b)".into(),
        ));
    };
    let ratings = fit(store, query)?;
    let mut all = match &ratings {
        Some(r) => {
            let mut everyone = query.clone();
            everyone.rows = Default::default();
            rows::model_rows(r, catalog, &everyone, false)?
        }
        None => Vec::new(),
    };
    let found = all
        .iter()
        .position(|r| r.model.eq_ignore_ascii_case(wanted));
    let row = match found {
        Some(i) => all.swap_remove(i),
        None => {
            // Known to the catalog but without votes here: its facts and energy.
            let facts = catalog
                .resolve(wanted)
                .ok_or_else(|| QueryError::UnknownModel(wanted.to_string()))?;
            let unrated = ModelRating {
                model: facts.id.clone(),
                bt_score: None,
                ci_low: None,
                ci_high: None,
                std_error: None,
                rank: 0,
                rank_low: 0,
                rank_high: 0,
                votes: 0,
                wins: 0,
                losses: 0,
                ties: 0,
                win_rate: 0.0,
                status: RatingStatus::Ok,
                bootstrap_rank_low: None,
                bootstrap_rank_high: None,
                tier: None,
            };
            rows::model_row(&unrated, catalog, query)?
        }
    };
    let mut row = row;
    super::slices::add_overall_ranks(store, query, std::slice::from_mut(&mut row))?;
    let mut notices = ratings
        .as_ref()
        .map(|r| fit_notices(r, catalog))
        .unwrap_or_default();
    if row.votes == 0 {
        notices.push(format!(
            "{} has no votes for {}",
            row.model,
            describe_counts(query)
        ));
    }
    Ok(QueryResult::Models {
        rows: vec![row],
        methodology: query.energy.methodology.name().to_string(),
        zone: query.energy.zone.clone(),
        notices,
    })
}
