//! The aggregates an import maintains in its transaction: per-day model
//! tokens (relational, one row per model and day), and the packed per-day
//! rows with each day's pair counts and the running totals that make
//! time-range reads O(pairs) (see [`super::packed`]). The packed daily BLOB
//! is the only copy of a day's pair counts (schema 3 dropped the relational
//! `pair_counts_daily`, which held the same numbers one SQL row per pair and
//! day and made writing a year of counts cost millions of rows).
//!
//! Rebuilding the running totals reads every daily BLOB from the first day an
//! import touched, so it is also where the import checks, before it commits,
//! that those days keep the invariants readers rely on (`lo < hi`, counts
//! below 2^63, totals that do not overflow).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::fast_hash::FastMap;
use super::packed;
use super::StoreError;

/// Wins of the lower id, wins of the higher id, ties, both-bad ties.
pub(super) type Counts = [u64; 4];
/// Answers with tokens, output tokens, answers without tokens.
pub(super) type TokenCounts = [u64; 3];

/// Adds per-day pair counts to the packed daily rows (a new day gets a row
/// whose running totals [`rebuild_cumulative`] then writes); returns the
/// first day touched per source.
pub(super) fn add_daily_pairs(
    tx: &Transaction<'_>,
    pairs: FastMap<(u32, i64, u32, u32), Counts>,
) -> Result<HashMap<u32, i64>, StoreError> {
    let mut rows: Vec<_> = pairs.into_iter().collect();
    rows.sort_unstable_by_key(|(key, _)| *key);
    let mut first_days: HashMap<u32, i64> = HashMap::new();
    let mut start = 0;
    while start < rows.len() {
        let ((source, day, _, _), _) = rows[start];
        let end = start
            + rows[start..]
                .iter()
                .take_while(|((s, d, _, _), _)| (*s, *d) == (source, day))
                .count();
        let added = rows[start..end]
            .iter()
            .map(|&((_, _, lo, hi), counts)| (lo, hi, counts));
        let cells = match stored_daily(tx, source, day)? {
            None => added.collect(),
            Some(stored) => merge_cells(&stored, added).map_err(|reason| {
                StoreError::InvalidVote(format!("source id {source}, day {day}: {reason}"))
            })?,
        };
        put_daily(tx, source, day, &cells)?;
        let first = first_days.entry(source).or_insert(day);
        *first = (*first).min(day);
        start = end;
    }
    Ok(first_days)
}

/// The decoded daily cells of one source and day, if the store has the day.
pub(super) fn stored_daily(
    tx: &Transaction<'_>,
    source: u32,
    day: i64,
) -> Result<Option<Vec<packed::PackedPair>>, StoreError> {
    let blob: Option<Vec<u8>> = tx
        .prepare_cached("SELECT daily FROM pair_counts_packed WHERE source_id = ?1 AND day = ?2")?
        .query_row(params![source, day], |row| row.get(0))
        .optional()?;
    let Some(blob) = blob else {
        return Ok(None);
    };
    let mut cells = Vec::new();
    packed::decode(&blob, |cell| cells.push(cell)).map_err(StoreError::Corrupt)?;
    Ok(Some(cells))
}

/// Writes one source's day of pair counts (sorted by pair) as its packed
/// daily row, keeping the row's running totals until they are rebuilt; no
/// cells removes the day.
pub(super) fn put_daily(
    tx: &Transaction<'_>,
    source: u32,
    day: i64,
    cells: &[packed::PackedPair],
) -> Result<(), StoreError> {
    if cells.is_empty() {
        tx.prepare_cached("DELETE FROM pair_counts_packed WHERE source_id = ?1 AND day = ?2")?
            .execute(params![source, day])?;
        return Ok(());
    }
    let blob = packed::encode(cells.iter().copied());
    tx.prepare_cached(
        "INSERT INTO pair_counts_packed (source_id, day, daily, cumulative) VALUES (?1, ?2, ?3, x'')
         ON CONFLICT (source_id, day) DO UPDATE SET daily = excluded.daily",
    )?
    .execute(params![source, day, blob])?;
    Ok(())
}

/// Why a day's decoded cells would break a reader: pairs not ordered
/// `lo < hi`, not sorted or repeated, or counts past SQLite's integer.
fn check_daily_cells(cells: &[packed::PackedPair]) -> Result<(), String> {
    for (i, &(lo, hi, counts)) in cells.iter().enumerate() {
        if lo >= hi {
            return Err(format!(
                "pair ({lo}, {hi}) is not ordered lo < hi (a model against itself?)"
            ));
        }
        if i > 0 && (cells[i - 1].0, cells[i - 1].1) >= (lo, hi) {
            return Err(format!("pair ({lo}, {hi}) is out of order or repeated"));
        }
        if counts.iter().any(|&c| c > i64::MAX as u64) {
            return Err(format!(
                "a count of pair ({lo}, {hi}) is not an integer between 0 and {}",
                i64::MAX
            ));
        }
    }
    Ok(())
}

/// Sorted cells plus more cells (sorted), with checked sums.
fn merge_cells(
    stored: &[packed::PackedPair],
    added: impl Iterator<Item = packed::PackedPair>,
) -> Result<Vec<packed::PackedPair>, String> {
    let added: Vec<packed::PackedPair> = added.collect();
    let mut merged = Vec::with_capacity(stored.len().max(added.len()));
    merge_sorted(stored, &added, &mut merged).map_err(|(lo, hi)| {
        format!(
            "the count of pair ({lo}, {hi}) passes the store's limit of {}",
            i64::MAX
        )
    })?;
    Ok(merged)
}

/// Writes into `out` the sum of two lists of cells sorted by pair, in one
/// pass; a sum past SQLite's integer is refused with its pair.
pub(super) fn merge_sorted(
    a: &[packed::PackedPair],
    b: &[packed::PackedPair],
    out: &mut Vec<packed::PackedPair>,
) -> Result<(), (u32, u32)> {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => (x.0, x.1).cmp(&(y.0, y.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (lo, hi, mut total) = a[i];
                for (t, add) in total.iter_mut().zip(b[j].2) {
                    *t = t
                        .checked_add(add)
                        .filter(|&sum| sum <= i64::MAX as u64)
                        .ok_or((lo, hi))?;
                }
                out.push((lo, hi, total));
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
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

/// Rewrites the running totals of `source` for every day ≥ `from_day` that
/// has data, from the last earlier day's, checking each day's cells.
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
    // The running totals as a list sorted by pair; each day (sorted too) is
    // merged into it in one pass.
    let mut running: Vec<packed::PackedPair> = Vec::new();
    if let Some(base) = base {
        packed::decode(&base, |cell| running.push(cell)).map_err(StoreError::Corrupt)?;
    }
    let days: Vec<(i64, Vec<u8>)> = {
        let mut daily = tx.prepare_cached(
            "SELECT day, daily FROM pair_counts_packed WHERE source_id = ?1 AND day >= ?2
             ORDER BY day",
        )?;
        let rows = daily.query_map(params![source, from_day], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut update = tx.prepare_cached(
        "UPDATE pair_counts_packed SET cumulative = ?3 WHERE source_id = ?1 AND day = ?2",
    )?;
    let mut cells: Vec<packed::PackedPair> = Vec::new();
    let mut merged: Vec<packed::PackedPair> = Vec::new();
    for (day, blob) in days {
        cells.clear();
        packed::decode(&blob, |cell| cells.push(cell)).map_err(StoreError::Corrupt)?;
        // The invariants every reader relies on, checked before the import
        // commits: ordered, distinct pairs and counts that fit the store.
        check_daily_cells(&cells).map_err(|reason| {
            StoreError::InvalidVote(format!(
                "source id {source}, day {day}: {reason}; nothing was written"
            ))
        })?;
        merge_sorted(&running, &cells, &mut merged).map_err(|(lo, hi)| {
            StoreError::InvalidVote(format!(
                "source id {source}, day {day}: the running total of pair ({lo}, {hi}) passes \
                 the store's limit of {}; nothing was written",
                i64::MAX
            ))
        })?;
        std::mem::swap(&mut running, &mut merged);
        update.execute(params![
            source,
            day,
            packed::encode(running.iter().copied())
        ])?;
    }
    Ok(())
}
