//! `head-to-head`: FastChat's monitor view of the top models, one row per
//! ordered pair (A, B): the battles between them, A's win fraction among
//! the decisive ones, and the probability the fitted Bradley–Terry scores
//! give A. Reading the two side by side shows where the model's one number
//! per model hides a matchup that goes otherwise.
//!
//! The models are the `top` best-scored ones of the fit (the query's
//! sources, dates and slices) that pass the row filters (organizations,
//! licenses, architectures, sizes, models, `minVotes`: "the 10 best open
//! models"), or the `selected` ones that have a score and pass them, in
//! rank order. As everywhere, the filters choose rows, never the votes: the
//! scores and predictions are those of the whole fit. The counts are the
//! store's pair counts of the same votes the fit used.

use std::collections::HashMap;

use arenawatt_core::catalog::Catalog;
use arenawatt_core::rating::{ModelRating, RatingStatus};
use arenawatt_store::Store;

use super::filters;
use super::resolve::ResolvedQuery;
use super::{HeadToHeadRow, QueryError, QueryResult};

/// BT points per factor 10 in odds.
const POINTS_PER_DECADE: f64 = 400.0;

pub fn head_to_head(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let mut notices = Vec::new();
    let Some(fitted) = super::fitting::fit_with_style(store, query)? else {
        notices.push("no votes in the query's sources and dates".to_string());
        return Ok(QueryResult::HeadToHead {
            rows: Vec::new(),
            notices,
        });
    };
    notices.extend(fitted.notices.iter().cloned());
    let ratings = fitted.ratings;
    let id_of = |name: &str| {
        catalog
            .resolve(name)
            .map(|f| f.id.clone())
            .unwrap_or_else(|| name.to_string())
    };
    let rated: Vec<&ModelRating> = ratings
        .models
        .iter()
        .filter(|m| m.status == RatingStatus::Ok && m.bt_score.is_some())
        .filter(|m| filters::keep(&m.model, m.votes, catalog, &query.rows))
        .collect();
    let chosen: Vec<&ModelRating> = if query.selected.is_empty() {
        rated.iter().take(query.top as usize).copied().collect()
    } else {
        let picked: Vec<&ModelRating> = rated
            .iter()
            .filter(|m| query.selected.contains(&id_of(&m.model).to_lowercase()))
            .copied()
            .collect();
        let missing: Vec<&str> = query
            .selected
            .iter()
            .filter(|s| !picked.iter().any(|m| id_of(&m.model).to_lowercase() == **s))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            notices.push(format!(
                "no score in these votes for {}: left out",
                missing.join(", ")
            ));
        }
        picked
    };
    let table = store.pair_table(&query.counts)?;
    let index: HashMap<&str, usize> = table
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let counts: HashMap<(usize, usize), [u64; 4]> = table
        .pairs
        .iter()
        .map(|p| {
            (
                (p.lo, p.hi),
                [p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad],
            )
        })
        .collect();
    let display = |name: &str| {
        catalog
            .resolve(name)
            .map(|f| f.display_name.clone())
            .unwrap_or_else(|| id_of(name))
    };
    let mut rows = Vec::with_capacity(chosen.len() * chosen.len());
    for a in &chosen {
        for b in &chosen {
            let mut row = HeadToHeadRow {
                model_a: id_of(&a.model),
                display_name_a: display(&a.model),
                rank_a: a.rank,
                model_b: id_of(&b.model),
                display_name_b: display(&b.model),
                rank_b: b.rank,
                battles: None,
                wins_a: None,
                wins_b: None,
                ties: None,
                win_fraction_a: None,
                predicted_win_a: None,
            };
            if a.model != b.model {
                let (ia, ib) = (index.get(a.model.as_str()), index.get(b.model.as_str()));
                let [wins_a, wins_b, ties, both_bad] = match (ia, ib) {
                    (Some(&ia), Some(&ib)) if ia < ib => {
                        counts.get(&(ia, ib)).copied().unwrap_or([0; 4])
                    }
                    (Some(&ia), Some(&ib)) => {
                        let [lo, hi, t, bb] = counts.get(&(ib, ia)).copied().unwrap_or([0; 4]);
                        [hi, lo, t, bb]
                    }
                    _ => [0; 4],
                };
                let decisive = wins_a + wins_b;
                row.battles = Some(decisive + ties + both_bad);
                row.wins_a = Some(wins_a);
                row.wins_b = Some(wins_b);
                row.ties = Some(ties + both_bad);
                row.win_fraction_a = (decisive > 0).then(|| wins_a as f64 / decisive as f64);
                row.predicted_win_a = match (a.bt_score, b.bt_score) {
                    (Some(sa), Some(sb)) => {
                        Some(1.0 / (1.0 + 10f64.powf((sb - sa) / POINTS_PER_DECADE)))
                    }
                    _ => None,
                };
            }
            rows.push(row);
        }
    }
    Ok(QueryResult::HeadToHead { rows, notices })
}
