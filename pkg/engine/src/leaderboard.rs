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
use super::fitting::{fit_with_style, Fitted};

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
    let (rows, notices, style) = match fit_with_style(store, query)? {
        None => (
            Vec::new(),
            vec![format!("no votes for {}", describe_counts(query))],
            None,
        ),
        Some(fitted) => {
            let mut rows = rows::model_rows(&fitted.ratings, catalog, query, open_with_energy)?;
            add_both_scores(&fitted, catalog, &mut rows);
            super::slices::add_overall_ranks(store, query, &mut rows)?;
            let mut notices = fitted.notices.clone();
            notices.extend(fit_notices(&fitted.ratings, catalog));
            (rows, notices, fitted.style)
        }
    };
    Ok(QueryResult::Models {
        rows,
        methodology: query.energy.methodology.name().to_string(),
        zone: query.energy.zone.clone(),
        notices,
        style,
    })
}

/// Under style control, each row's plain score (`bt_score_raw`) and its
/// controlled one (`bt_score_controlled`, when the fit was controlled).
fn add_both_scores(fitted: &Fitted, catalog: &Catalog, rows: &mut [super::ModelRow]) {
    let Some(raw) = &fitted.raw else {
        return;
    };
    let controlled = fitted.controlled();
    // Rows carry catalog ids; the fits, the names the store keeps.
    let by_id: std::collections::HashMap<String, Option<f64>> = raw
        .models
        .iter()
        .map(|m| {
            let id = catalog
                .resolve(&m.model)
                .map_or_else(|| m.model.clone(), |f| f.id.clone());
            (id.to_lowercase(), m.bt_score)
        })
        .collect();
    for row in rows.iter_mut() {
        let plain = by_id.get(&row.model.to_lowercase()).copied().flatten();
        if controlled {
            row.bt_score_controlled = row.bt_score;
        }
        row.bt_score_raw = plain;
    }
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
    let fitted = fit_with_style(store, query)?;
    let ratings = fitted.as_ref().map(|f| f.ratings.clone());
    let mut all = match &fitted {
        Some(f) => {
            let mut everyone = query.clone();
            everyone.rows = Default::default();
            let mut rows = rows::model_rows(&f.ratings, catalog, &everyone, false)?;
            add_both_scores(f, catalog, &mut rows);
            rows
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
        style: fitted.and_then(|f| f.style),
    })
}
