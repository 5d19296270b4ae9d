//! Writing daily pair counts aggregated elsewhere (the pair-counts Parquet
//! format): each (source, day) the input holds **replaces** what the store
//! held for that source and day, so re-running an aggregation job and
//! importing its output again is safe — the day ends up with the job's
//! numbers, never twice them.
//!
//! The sliced cells of a day (one category set, language or country per
//! cell) replace that day's slice aggregates the same way; a sliced day must
//! come with its overall cells, and no slice of a dimension may hold more
//! votes of a pair than the pair's overall cell.
//!
//! Days whose cells (and token sums) equal the stored ones are left alone;
//! when no day changes, the import rolls back and the store stays byte for
//! byte as it was, like every other import that adds nothing. A source that
//! holds individual votes is refused: replacing its days would part the
//! aggregates from the votes they are sums of.

use rusqlite::{params, Transaction, TransactionBehavior};

use std::collections::BTreeMap;

use super::aggregates::{put_daily, rebuild_cumulative, stored_daily, Counts, TokenCounts};
use super::fast_hash::FastMap;
use super::import::{ensure_category_sets, ensure_names, finish, in_file, now, MAX_COUNT};
use super::ingest::pair_counts_parquet::PairCountsParquet;
use super::slices::{Dimension, SlicedDay};
use super::{ImportAudit, ImportSummary, Store, StoreError};

/// One stored cell: model ids (lo < hi) and the counts from lo's side.
type StoredCell = (u32, u32, Counts);

/// Per (source id, day): the cells sorted by (lo, hi), and the token sums per model.
struct Day {
    cells: Vec<StoredCell>,
    tokens: Vec<(u32, TokenCounts)>,
    matches: u64,
}

pub(super) fn replace_days(
    store: &mut Store,
    input: &PairCountsParquet,
    audit: &ImportAudit,
) -> Result<ImportSummary, StoreError> {
    let started_at = now();
    let file = &audit.file_name;
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let source_ids = ensure_names(&tx, "sources", &input.sources)?;
    for (name, &id) in input.sources.iter().zip(&source_ids) {
        let vote_rows: i64 =
            tx.query_row("SELECT vote_rows FROM sources WHERE id = ?1", [id], |row| {
                row.get(0)
            })?;
        if vote_rows > 0 {
            return Err(StoreError::InvalidVote(format!(
                "{file}: source {name:?} holds {vote_rows} individual votes; pair counts replace \
                 whole days of a source that holds only counts, so import them under another \
                 source name (--source)"
            )));
        }
    }
    let model_ids = ensure_names(&tx, "models", &input.models)?;
    let days = group_by_day(input, &source_ids, &model_ids, file)?;
    let sliced = sliced_days(&tx, input, &source_ids, &model_ids, &days)?;

    let mut total_matches = 0u64;
    let mut changed_from: FastMap<u32, i64> = FastMap::default();
    let mut matches_delta: FastMap<u32, i128> = FastMap::default();
    for (&(source, day), new) in &days {
        total_matches = total_matches.saturating_add(new.matches);
        let (old, old_matches) = stored_day(&tx, source, day)?;
        if old.cells == new.cells && old.tokens == new.tokens {
            continue;
        }
        let first = changed_from.entry(source).or_insert(day);
        *first = (*first).min(day);
        *matches_delta.entry(source).or_default() += new.matches as i128 - old_matches as i128;
        write_day(&tx, source, day, new)?;
    }
    let mut slices_changed = false;
    for (source, slice_days) in &sliced {
        slices_changed |= super::slices::replace_days(&tx, *source, slice_days)?;
    }
    if changed_from.is_empty() && !slices_changed {
        let summary = ImportSummary {
            votes_inserted: 0,
            votes_duplicate: total_matches,
            data_version: super::read::data_version(&tx)?,
        };
        tx.rollback()?;
        return Ok(summary);
    }
    update_matches(&tx, &matches_delta, file)?;
    for (&source, &from) in &changed_from {
        rebuild_cumulative(&tx, source as i64, from).map_err(in_file(file))?;
        super::import::check_daily_tokens(&tx, source, from).map_err(in_file(file))?;
    }
    let summary = ImportSummary {
        votes_inserted: total_matches,
        votes_duplicate: 0,
        data_version: 0,
    };
    let single_source = (input.sources.len() == 1).then(|| input.sources[0].as_str());
    let version = finish(
        &tx,
        audit,
        single_source,
        None,
        input.cells.len() as u64,
        &summary,
        started_at,
    )?;
    tx.commit()?;
    store.fold_wal();
    Ok(ImportSummary {
        data_version: version,
        ..summary
    })
}

/// The input's cells in store ids, per (source, day) in key order.
fn group_by_day(
    input: &PairCountsParquet,
    source_ids: &[u32],
    model_ids: &[u32],
    file: &str,
) -> Result<BTreeMap<(u32, i64), Day>, StoreError> {
    let mut days: BTreeMap<(u32, i64), Day> = Default::default();
    for cell in input.cells.iter().filter(|c| c.slice.is_none()) {
        let (a, b) = (
            model_ids[cell.model_a as usize],
            model_ids[cell.model_b as usize],
        );
        let source = source_ids[cell.source as usize];
        let day = days.entry((source, cell.day)).or_insert_with(|| Day {
            cells: Vec::new(),
            tokens: Vec::new(),
            matches: 0,
        });
        let counts = cell.counts;
        let stored = if a < b {
            (a, b, counts)
        } else {
            (b, a, [counts[1], counts[0], counts[2], counts[3]])
        };
        day.cells.push(stored);
        let matches = cell.matches();
        day.matches = day
            .matches
            .checked_add(matches)
            .filter(|&m| m <= MAX_COUNT)
            .ok_or_else(|| {
                StoreError::InvalidVote(format!(
                    "{file}: the cells of one day add up past the store's limit of {MAX_COUNT} \
                     (at {})",
                    input.place(cell.origin)
                ))
            })?;
        for (model, with_tokens, output) in [
            (a, cell.tokens[0], cell.tokens[1]),
            (b, cell.tokens[2], cell.tokens[3]),
        ] {
            day.tokens.push((
                model,
                [with_tokens, output, matches.saturating_sub(with_tokens)],
            ));
        }
    }
    for day in days.values_mut() {
        day.cells.sort_unstable_by_key(|&(lo, hi, _)| (lo, hi));
        day.tokens.sort_unstable_by_key(|&(model, _)| model);
        let mut merged: Vec<(u32, TokenCounts)> = Vec::with_capacity(day.tokens.len());
        for (model, counts) in day.tokens.drain(..) {
            match merged.last_mut() {
                Some((previous, sum)) if *previous == model => {
                    for (s, c) in sum.iter_mut().zip(counts) {
                        *s = s
                            .checked_add(c)
                            .filter(|&v| v <= MAX_COUNT)
                            .ok_or_else(|| {
                                StoreError::InvalidVote(format!(
                                    "{file}: the output tokens of one model on one day pass the \
                                 store's limit of {MAX_COUNT}"
                                ))
                            })?;
                    }
                }
                _ => merged.push((model, counts)),
            }
        }
        day.tokens = merged;
    }
    Ok(days)
}

/// The input's sliced cells in store ids: per source, per day the input
/// holds (every one of them, so a day without slices loses its stored ones),
/// the slices' pair counts and tokens. Refuses a sliced day without overall
/// cells, and a dimension's slices holding more votes of a pair than its
/// overall cell.
fn sliced_days(
    tx: &Transaction<'_>,
    input: &PairCountsParquet,
    source_ids: &[u32],
    model_ids: &[u32],
    days: &BTreeMap<(u32, i64), Day>,
) -> Result<BTreeMap<u32, BTreeMap<i64, SlicedDay>>, StoreError> {
    let labels: Vec<String> = {
        let mut all: Vec<String> = input.slices.iter().flat_map(|k| k.labels.clone()).collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let label_ids = ensure_names(tx, "labels", &labels)?;
    let local = |label: &String| labels.binary_search(label).unwrap_or_default() as u32;
    let sets: Vec<Vec<u32>> = input
        .slices
        .iter()
        .filter(|k| k.dimension == Dimension::Category)
        .map(|k| k.labels.iter().map(local).collect())
        .collect();
    let mut set_ids = ensure_category_sets(tx, &sets, &label_ids)?.into_iter();
    let slice_values: Vec<(u8, u32)> = input
        .slices
        .iter()
        .map(|k| {
            let value = match k.dimension {
                Dimension::Category => set_ids.next().unwrap_or_default(),
                Dimension::Language | Dimension::Country => label_ids[local(&k.labels[0]) as usize],
            };
            (k.dimension.code(), value)
        })
        .collect();

    let mut out: BTreeMap<u32, BTreeMap<i64, SlicedDay>> = BTreeMap::new();
    for &(source, day) in days.keys() {
        out.entry(source).or_default().entry(day).or_default();
    }
    // Votes of each (source, day, dimension, pair) over its slices.
    let mut per_dimension: BTreeMap<(u32, i64, u8, u32, u32), u64> = BTreeMap::new();
    for cell in &input.cells {
        let Some(slice) = cell.slice else { continue };
        let source = source_ids[cell.source as usize];
        let Some(day) = out.get_mut(&source).and_then(|d| d.get_mut(&cell.day)) else {
            return Err(StoreError::InvalidVote(format!(
                "{}: day {} of source {:?} has sliced cells but no overall cell (the rows with \
                 null category, language and country): write both",
                input.place(cell.origin),
                super::ingest::format_utc(cell.day * 86_400)
                    .get(..10)
                    .unwrap_or_default(),
                input.sources[cell.source as usize]
            )));
        };
        let (a, b) = (
            model_ids[cell.model_a as usize],
            model_ids[cell.model_b as usize],
        );
        let (lo, hi, counts) = if a < b {
            (a, b, cell.counts)
        } else {
            (
                b,
                a,
                [
                    cell.counts[1],
                    cell.counts[0],
                    cell.counts[2],
                    cell.counts[3],
                ],
            )
        };
        let (dimension, value) = slice_values[slice as usize];
        let entry = day.entry((dimension, value)).or_default();
        entry.0.insert((lo, hi), counts);
        let matches = cell.matches();
        for (model, with_tokens, output) in [
            (a, cell.tokens[0], cell.tokens[1]),
            (b, cell.tokens[2], cell.tokens[3]),
        ] {
            let tokens = entry.1.entry(model).or_default();
            for (t, add) in
                tokens
                    .iter_mut()
                    .zip([with_tokens, output, matches.saturating_sub(with_tokens)])
            {
                *t = t
                    .checked_add(add)
                    .filter(|&v| v <= MAX_COUNT)
                    .ok_or_else(|| {
                        StoreError::InvalidVote(format!(
                            "{}: the output tokens of one model in one slice on one day pass the \
                         store's limit of {MAX_COUNT}",
                            input.place(cell.origin)
                        ))
                    })?;
            }
        }
        let total = per_dimension
            .entry((source, cell.day, dimension, lo, hi))
            .or_default();
        *total = total.saturating_add(matches);
        let overall = days[&(source, cell.day)]
            .cells
            .binary_search_by_key(&(lo, hi), |&(l, h, _)| (l, h))
            .map(|i| days[&(source, cell.day)].cells[i].2.iter().sum::<u64>())
            .unwrap_or(0);
        if *total > overall {
            let name = Dimension::ALL
                .iter()
                .find(|d| d.code() == dimension)
                .map_or("slice", |d| d.name());
            return Err(StoreError::InvalidVote(format!(
                "{}: the {name} slices of {:?} vs {:?} hold {total} votes on this day, more than \
                 the pair's overall cell ({overall}); each vote is in at most one {name} slice",
                input.place(cell.origin),
                input.models[cell.model_a as usize],
                input.models[cell.model_b as usize],
            )));
        }
    }
    Ok(out)
}

/// What the store holds for one source and day, and its matches.
fn stored_day(tx: &Transaction<'_>, source: u32, day: i64) -> Result<(Day, u64), StoreError> {
    let cells = stored_daily(tx, source, day)?.unwrap_or_default();
    let mut matches = 0u64;
    for (_, _, counts) in &cells {
        for &count in counts {
            matches = matches.saturating_add(count);
        }
    }
    let mut tokens_query = tx.prepare_cached(
        "SELECT model_id, sides_with_tokens, output_tokens, sides_without_tokens
         FROM model_tokens_daily WHERE source_id = ?1 AND day = ?2 ORDER BY model_id",
    )?;
    let mut tokens = Vec::new();
    let mut rows = tokens_query.query(params![source, day])?;
    while let Some(row) = rows.next()? {
        let mut counts: TokenCounts = [0; 3];
        for (slot, count) in counts.iter_mut().enumerate() {
            *count = u64::try_from(row.get::<_, i64>(slot + 1)?)
                .map_err(|_| StoreError::Corrupt(format!("a negative token count on day {day}")))?;
        }
        tokens.push((row.get(0)?, counts));
    }
    Ok((
        Day {
            cells,
            tokens,
            matches,
        },
        matches,
    ))
}

/// Replaces one source's day: its daily cells and token sums.
fn write_day(tx: &Transaction<'_>, source: u32, day: i64, new: &Day) -> Result<(), StoreError> {
    put_daily(tx, source, day, &new.cells)?;
    tx.execute(
        "DELETE FROM model_tokens_daily WHERE source_id = ?1 AND day = ?2",
        params![source, day],
    )?;
    let mut insert_tokens = tx.prepare_cached(
        "INSERT INTO model_tokens_daily
             (source_id, day, model_id, sides_with_tokens, output_tokens, sides_without_tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for &(model, t) in &new.tokens {
        insert_tokens.execute(params![
            source,
            day,
            model,
            t[0] as i64,
            t[1] as i64,
            t[2] as i64
        ])?;
    }
    Ok(())
}

/// Applies each source's change of matches, refusing a store-wide total past
/// [`MAX_COUNT`].
fn update_matches(
    tx: &Transaction<'_>,
    deltas: &FastMap<u32, i128>,
    file: &str,
) -> Result<(), StoreError> {
    for (&source, &delta) in deltas {
        tx.execute(
            "UPDATE sources SET matches = matches + ?2 WHERE id = ?1",
            params![source, delta as i64],
        )?;
    }
    let total: i128 = {
        let mut query = tx.prepare_cached("SELECT matches FROM sources")?;
        let rows = query.query_map([], |row| row.get::<_, i64>(0))?;
        let mut total = 0i128;
        for matches in rows {
            total += matches? as i128;
        }
        total
    };
    if total > MAX_COUNT as i128 {
        return Err(StoreError::InvalidVote(format!(
            "{file}: the store's matches would add up past its limit of {MAX_COUNT}"
        )));
    }
    Ok(())
}
