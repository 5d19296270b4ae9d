//! The aggregates an import maintains in its transaction: per-day pair
//! counts and per-day model tokens (relational, one row per pair or model and
//! day), and the packed per-day rows with each day's counts and the running
//! totals that make time-range reads O(pairs) (see [`super::packed`]).
//!
//! Rebuilding the running totals reads every daily row from the first day an
//! import touched, so it is also where the import checks, before it commits,
//! that those rows keep the invariants readers rely on (`lo < hi`, integer
//! counts below 2^63, totals that do not overflow).

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, OptionalExtension, Transaction};

use super::fast_hash::FastMap;
use super::packed;
use super::StoreError;

/// Wins of the lower id, wins of the higher id, ties, both-bad ties.
pub(super) type Counts = [u64; 4];
/// Answers with tokens, output tokens, answers without tokens.
pub(super) type TokenCounts = [u64; 3];

/// Adds per-day pair counts; returns the first day touched per source.
pub(super) fn add_daily_pairs(
    tx: &Transaction<'_>,
    pairs: FastMap<(u32, i64, u32, u32), Counts>,
) -> Result<HashMap<u32, i64>, StoreError> {
    let mut rows: Vec<_> = pairs.into_iter().collect();
    rows.sort_unstable_by_key(|(key, _)| *key);
    let mut upsert = tx.prepare_cached(
        "INSERT INTO pair_counts_daily
             (source_id, day, model_lo, model_hi, wins_lo, wins_hi, ties, ties_both_bad)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (source_id, day, model_lo, model_hi) DO UPDATE SET
             wins_lo = wins_lo + excluded.wins_lo,
             wins_hi = wins_hi + excluded.wins_hi,
             ties = ties + excluded.ties,
             ties_both_bad = ties_both_bad + excluded.ties_both_bad",
    )?;
    let mut first_days: HashMap<u32, i64> = HashMap::new();
    for ((source, day, lo, hi), c) in rows {
        upsert.execute(params![source, day, lo, hi, c[0], c[1], c[2], c[3]])?;
        let first = first_days.entry(source).or_insert(day);
        *first = (*first).min(day);
    }
    Ok(first_days)
}

pub(super) fn add_daily_tokens(
    tx: &Transaction<'_>,
    tokens: FastMap<(u32, i64, u32), TokenCounts>,
) -> Result<(), StoreError> {
    let mut rows: Vec<_> = tokens.into_iter().collect();
    rows.sort_unstable_by_key(|(key, _)| *key);
    let mut upsert = tx.prepare_cached(
        "INSERT INTO model_tokens_daily
             (source_id, day, model_id, sides_with_tokens, output_tokens, sides_without_tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (source_id, day, model_id) DO UPDATE SET
             sides_with_tokens = sides_with_tokens + excluded.sides_with_tokens,
             output_tokens = output_tokens + excluded.output_tokens,
             sides_without_tokens = sides_without_tokens + excluded.sides_without_tokens",
    )?;
    for ((source, day, model), t) in rows {
        upsert.execute(params![source, day, model, t[0], t[1], t[2]])?;
    }
    Ok(())
}

/// Rewrites the packed rows of `source` for every day ≥ `from_day` that has
/// data: each day's counts, and the running totals from the last earlier day.
pub(super) fn rebuild_cumulative(
    tx: &Transaction<'_>,
    source: i64,
    from_day: i64,
) -> Result<(), StoreError> {
    let base: Option<Vec<u8>> = tx
        .query_row(
            "SELECT cumulative FROM pair_counts_packed WHERE source_id = ?1 AND day < ?2
             ORDER BY day DESC LIMIT 1",
            params![source, from_day],
            |row| row.get(0),
        )
        .optional()?;
    let mut running: BTreeMap<(u32, u32), Counts> = BTreeMap::new();
    if let Some(base) = base {
        packed::decode(&base, |(lo, hi, counts)| {
            running.insert((lo, hi), counts);
        })
        .map_err(StoreError::Corrupt)?;
    }
    tx.execute(
        "DELETE FROM pair_counts_packed WHERE source_id = ?1 AND day >= ?2",
        params![source, from_day],
    )?;
    let mut daily = tx.prepare_cached(
        "SELECT day, model_lo, model_hi, wins_lo, wins_hi, ties, ties_both_bad
         FROM pair_counts_daily WHERE source_id = ?1 AND day >= ?2
         ORDER BY day, model_lo, model_hi",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO pair_counts_packed (source_id, day, daily, cumulative) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut day_pairs: Vec<packed::PackedPair> = Vec::new();
    let mut flush = |day: i64,
                     day_pairs: &mut Vec<packed::PackedPair>,
                     running: &BTreeMap<(u32, u32), Counts>|
     -> Result<(), StoreError> {
        let daily_blob = packed::encode(day_pairs.drain(..));
        let cumulative_blob = packed::encode(running.iter().map(|(&(lo, hi), &c)| (lo, hi, c)));
        insert.execute(params![source, day, daily_blob, cumulative_blob])?;
        Ok(())
    };
    let mut rows = daily.query(params![source, from_day])?;
    let mut current_day: Option<i64> = None;
    while let Some(row) = rows.next()? {
        let day: i64 = row.get(0)?;
        if let Some(previous) = current_day {
            if previous != day {
                flush(previous, &mut day_pairs, &running)?;
            }
        }
        current_day = Some(day);
        // The invariants every reader relies on, checked before the import
        // commits: ordered pairs and integer counts that fit the store.
        let broken = |reason: String| {
            StoreError::InvalidVote(format!(
                "source id {source}, day {day}: {reason}; nothing was written"
            ))
        };
        let (lo, hi): (u32, u32) = (row.get(1)?, row.get(2)?);
        if lo >= hi {
            return Err(broken(format!(
                "pair ({lo}, {hi}) is not ordered lo < hi (a model against itself?)"
            )));
        }
        let mut counts: Counts = [0; 4];
        for (slot, count) in counts.iter_mut().enumerate() {
            *count = row
                .get::<_, i64>(slot + 3)
                .ok()
                .and_then(|c| u64::try_from(c).ok())
                .ok_or_else(|| {
                    broken(format!(
                        "a count of pair ({lo}, {hi}) is not an integer between 0 and {}",
                        i64::MAX
                    ))
                })?;
        }
        day_pairs.push((lo, hi, counts));
        let total = running.entry((lo, hi)).or_default();
        for (t, c) in total.iter_mut().zip(counts) {
            *t = t
                .checked_add(c)
                .filter(|&sum| sum <= i64::MAX as u64)
                .ok_or_else(|| {
                    broken(format!(
                        "the running total of pair ({lo}, {hi}) passes the store's limit of {}",
                        i64::MAX
                    ))
                })?;
        }
    }
    if let Some(day) = current_day {
        flush(day, &mut day_pairs, &running)?;
    }
    Ok(())
}
