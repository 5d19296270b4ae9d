//! Style features of the answers, for style control (the contextual
//! Bradley–Terry fit of [`arenawatt_core::rating::style`]): each answer's
//! output tokens (kept since schema 1) and, since schema 5, its markdown
//! counts (headers, bold spans, list items) where the input has them.
//!
//! # Why votes, not aggregates
//! The rest of the store sums votes into counts on write. Style features
//! are continuous: two votes of one pair with different lengths are not the
//! same observation, so they do not sum. A style read therefore scans the
//! votes of its sources and days that carry a feature (one cell per pair and
//! vector of rounded relative differences),
//! and takes every other vote of the fit from the pair-count aggregates as
//! cells without features. The fit thus uses exactly the votes the plain fit
//! uses. Each relative difference is rounded to 1/64 as it is read
//! ([`arenawatt_core::rating::bin_difference`]), so votes of one pair with nearly equal styles share
//! a cell: on 1.67M simulated votes this moves scores by at most 0.015 BT
//! points (`arenawatt-bench style`). The cost is one pass over the range's
//! votes (see docs/store.md).

use std::collections::HashMap;

use rusqlite::{params, Connection};

use std::hash::BuildHasherDefault;

use arenawatt_core::rating::{PairTable, StyleTable, StyleTableBuilder};

use crate::fast_hash::{FastHasher, FastMap};
use crate::{CountFilter, StoreError};

/// The style features a fit can use, in the order of [`StyleTable::features`].
pub const FEATURES: [&str; 4] = ["output_tokens", "headers", "bold", "lists"];

/// What a style read found: how many of the fit's votes carry each feature.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StyleCoverage {
    /// Votes in the fit (every source, day and slice of the filter).
    pub votes: u64,
    /// Per feature of [`FEATURES`]: votes whose two answers both have it.
    pub with_feature: [u64; 4],
}

/// The votes of `filter` as a style table: the votes that carry a feature
/// as cells with their relative differences, every other vote (pair
/// counts, votes without features) as cells without ([`StyleTable`]'s NaN).
/// Also the plain pair table of the same votes, read in the same
/// transaction, for the raw fit beside the controlled one.
pub(crate) fn style_table(
    conn: &Connection,
    filter: &CountFilter,
) -> Result<(PairTable, StyleTable, StyleCoverage), StoreError> {
    let tx = conn.unchecked_transaction()?;
    let plain = crate::read::pair_table_in(&tx, filter)?;
    let position: HashMap<&str, usize> = plain
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let names = crate::read::model_names(&tx)?;
    let by_id: HashMap<i64, usize> = names
        .iter()
        .filter_map(|(id, name)| position.get(name.as_str()).map(|&p| (*id, p)))
        .collect();
    let mut remaining: FastMap<(usize, usize), [u64; 4]> = plain
        .pairs
        .iter()
        .map(|p| {
            (
                (p.lo, p.hi),
                [p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad],
            )
        })
        .collect();
    let mut coverage = StyleCoverage {
        votes: remaining.values().map(|c| c.iter().sum::<u64>()).sum(),
        ..StyleCoverage::default()
    };
    let ids = if filter.slices.is_empty() {
        None
    } else {
        Some(crate::slices::resolve(&tx, &filter.slices)?)
    };
    let (from, to) = crate::read::day_bounds(filter);
    let first = from.saturating_mul(86_400);
    let last = to.saturating_mul(86_400).saturating_add(86_399);
    let mut styled: StyleTableBuilder<BuildHasherDefault<FastHasher>> =
        StyleTableBuilder::new(true);
    // A read-only open of a store older than schema 5 has no markdown
    // columns: its votes are read with their output tokens only.
    let has_markdown: bool = tx.query_row(
        "SELECT count(*) FROM pragma_table_info('votes') WHERE name = 'headers_a'",
        [],
        |row| row.get::<_, u32>(0).map(|n| n > 0),
    )?;
    let sql = if has_markdown {
        "SELECT source_id, timestamp, model_a, model_b, outcome, tokens_a, tokens_b,
                category_set_id, language_id, country_id,
                headers_a, headers_b, bold_a, bold_b, lists_a, lists_b
         FROM votes WHERE source_id = ?1 AND timestamp BETWEEN ?2 AND ?3
           AND ((tokens_a IS NOT NULL AND tokens_b IS NOT NULL)
                OR headers_a IS NOT NULL OR bold_a IS NOT NULL OR lists_a IS NOT NULL)"
    } else {
        "SELECT source_id, timestamp, model_a, model_b, outcome, tokens_a, tokens_b,
                category_set_id, language_id, country_id,
                NULL, NULL, NULL, NULL, NULL, NULL
         FROM votes WHERE source_id = ?1 AND timestamp BETWEEN ?2 AND ?3
           AND tokens_a IS NOT NULL AND tokens_b IS NOT NULL"
    };
    let mut stmt = tx.prepare_cached(sql)?;
    for source in crate::read::source_ids(&tx, filter)? {
        let mut rows = stmt.query(params![source, first, last])?;
        while let Some(row) = rows.next()? {
            let vote = crate::slices::stored_vote(row)?;
            if ids.as_ref().is_some_and(|ids| !ids.admits(&vote)) {
                continue;
            }
            let side = |i: usize| -> rusqlite::Result<Option<f64>> {
                Ok(row.get::<_, Option<u32>>(i)?.map(f64::from))
            };
            let mut values = [None; 4];
            for (k, (ia, ib)) in [(5, 6), (10, 11), (12, 13), (14, 15)]
                .into_iter()
                .enumerate()
            {
                if let (Some(a), Some(b)) = (side(ia)?, side(ib)?) {
                    values[k] = Some((a, b));
                }
            }
            let (Some(&pa), Some(&pb)) = (
                by_id.get(&i64::from(vote.model_a)),
                by_id.get(&i64::from(vote.model_b)),
            ) else {
                continue;
            };
            if values.iter().all(Option::is_none) {
                continue;
            }
            for (k, value) in values.iter().enumerate() {
                coverage.with_feature[k] += u64::from(value.is_some());
            }
            let (lo, hi, slot) = styled.add((pa, pb), vote.outcome, values);
            let left = remaining.get_mut(&(lo, hi)).and_then(|c| {
                c[slot] = c[slot].checked_sub(1)?;
                Some(())
            });
            if left.is_none() {
                return Err(StoreError::Corrupt(format!(
                    "a stored vote between {} and {} is missing from the pair counts",
                    plain.models[lo], plain.models[hi]
                )));
            }
        }
    }
    let table = styled.build(plain.models.clone(), &FEATURES, remaining);
    Ok((plain, table, coverage))
}
