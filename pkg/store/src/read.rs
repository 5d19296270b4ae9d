//! Reading the store: aggregated pair counts and tokens for a filter, per-day
//! series for trends, statistics and the audit trail.
//!
//! Each public read runs inside one read transaction, so that all its SELECTs
//! see the same snapshot even while an import commits.

use std::collections::HashMap;

use super::fast_hash::FastMap;
use super::pair_totals::PairTotals;
use rusqlite::{params, Connection, OptionalExtension};

use super::slices::{self, Dimension, SliceIds, SliceValue};
use super::{CountFilter, DailyCounts, ImportRecord, ModelTokens, StoreError, StoreStats, Vote};
use arenawatt_core::rating::{PairCount, PairTable};

type Counts = [u64; 4];

pub(super) fn data_version(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row(
        "SELECT value FROM meta WHERE key = 'data_version'",
        [],
        |row| row.get(0),
    )?)
}

/// The ids of the filter's sources (every source when the list is empty).
/// Unknown names select nothing.
pub(crate) fn source_ids(conn: &Connection, filter: &CountFilter) -> Result<Vec<i64>, StoreError> {
    if filter.sources.is_empty() {
        let mut stmt = conn.prepare_cached("SELECT id FROM sources ORDER BY id")?;
        let ids = stmt.query_map([], |row| row.get(0))?;
        return Ok(ids.collect::<Result<_, _>>()?);
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM sources WHERE name = ?1")?;
    let mut ids = Vec::new();
    for name in &filter.sources {
        if let Some(id) = stmt.query_row([name], |row| row.get(0)).optional()? {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

pub(crate) fn model_names(conn: &Connection) -> Result<HashMap<i64, String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM models")?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Dense indices for a set of model ids, ordered by model name.
struct ModelIndex {
    names: Vec<String>,
    /// Position of each store model id (ids are small dense integers).
    position: Vec<usize>,
}

impl ModelIndex {
    fn new(ids: impl IntoIterator<Item = i64>, names: &HashMap<i64, String>) -> ModelIndex {
        let mut seen: Vec<bool> = Vec::new();
        for id in ids {
            let id = id.max(0) as usize;
            if id >= seen.len() {
                seen.resize(id + 1, false);
            }
            seen[id] = true;
        }
        let mut named: Vec<(String, usize)> = seen
            .iter()
            .enumerate()
            .filter(|(_, &used)| used)
            .map(|(id, _)| {
                (
                    names
                        .get(&(id as i64))
                        .cloned()
                        .unwrap_or_else(|| format!("#{id}")),
                    id,
                )
            })
            .collect();
        named.sort();
        let mut position = vec![usize::MAX; seen.len()];
        for (i, (_, id)) in named.iter().enumerate() {
            position[*id] = i;
        }
        ModelIndex {
            names: named.into_iter().map(|(name, _)| name).collect(),
            position,
        }
    }
    fn at(&self, id: i64) -> usize {
        self.position[id.max(0) as usize]
    }
    /// The pair in index space with `lo < hi`, counts swapped if needed.
    fn pair(&self, lo_id: i64, hi_id: i64, c: Counts) -> PairCount {
        let (a, b) = (self.at(lo_id), self.at(hi_id));
        if a < b {
            PairCount {
                lo: a,
                hi: b,
                wins_lo: c[0],
                wins_hi: c[1],
                ties: c[2],
                ties_both_bad: c[3],
            }
        } else {
            PairCount {
                lo: b,
                hi: a,
                wins_lo: c[1],
                wins_hi: c[0],
                ties: c[2],
                ties_both_bad: c[3],
            }
        }
    }
}

/// The running totals of `source` at the last day with data ≤ `at_most`.
fn cumulative_at(
    conn: &Connection,
    source: i64,
    at_most: Option<i64>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT cumulative FROM pair_counts_packed WHERE source_id = ?1 AND day <= ?2
         ORDER BY day DESC LIMIT 1",
    )?;
    Ok(stmt
        .query_row(params![source, at_most.unwrap_or(i64::MAX)], |row| {
            row.get(0)
        })
        .optional()?)
}

fn add_packed(blob: &[u8], sign: i64, totals: &mut PairTotals) -> Result<(), StoreError> {
    super::packed::decode(blob, |(lo, hi, counts)| totals.add(lo, hi, counts, sign))
        .map_err(StoreError::Corrupt)
}

/// How a filter's counts are read: the overall aggregates, one slice
/// dimension's aggregates, or the votes themselves (several dimensions).
enum SliceRead {
    Overall,
    One(Dimension, Vec<u32>),
    Votes(SliceIds),
}

fn slice_read(conn: &Connection, filter: &CountFilter) -> Result<SliceRead, StoreError> {
    if filter.slices.is_empty() {
        return Ok(SliceRead::Overall);
    }
    let ids = slices::resolve(conn, &filter.slices)?;
    Ok(match ids.single() {
        Some((dimension, values)) => SliceRead::One(dimension, values.to_vec()),
        None => SliceRead::Votes(ids),
    })
}

/// Sums the per-day pair blobs of a sliced read into totals.
fn add_blobs(blobs: &[(i64, Vec<u8>)], totals: &mut PairTotals) -> Result<(), StoreError> {
    for (_, blob) in blobs {
        add_packed(blob, 1, totals)?;
    }
    Ok(())
}

pub(crate) fn pair_table(conn: &Connection, filter: &CountFilter) -> Result<PairTable, StoreError> {
    let tx = conn.unchecked_transaction()?;
    pair_table_in(&tx, filter)
}

/// [`pair_table`] inside a read transaction the caller holds.
pub(crate) fn pair_table_in(
    tx: &Connection,
    filter: &CountFilter,
) -> Result<PairTable, StoreError> {
    let mut totals = PairTotals::for_models(max_model_id(&tx)?);
    let empty_range =
        matches!((filter.from_day, filter.to_day), (Some(from), Some(to)) if from > to);
    let sources = if empty_range {
        Vec::new()
    } else {
        source_ids(&tx, filter)?
    };
    match slice_read(&tx, filter)? {
        SliceRead::Overall => {}
        SliceRead::One(dimension, values) => {
            slices::pair_totals(
                &tx,
                &sources,
                (dimension, &values),
                (filter.from_day, filter.to_day),
                &mut totals,
            )?;
            return table_from_totals(&tx, totals);
        }
        SliceRead::Votes(ids) => {
            let (blobs, _) = slices::scan_votes(&tx, &sources, &ids, day_bounds(filter))?;
            add_blobs(&blobs, &mut totals)?;
            return table_from_totals(&tx, totals);
        }
    }
    for source in sources {
        let Some(last) = cumulative_at(&tx, source, filter.to_day)? else {
            continue;
        };
        add_packed(&last, 1, &mut totals)?;
        if let Some(from) = filter.from_day {
            if let Some(before) = cumulative_at(&tx, source, Some(from.saturating_sub(1)))? {
                add_packed(&before, -1, &mut totals)?;
            }
        }
    }
    table_from_totals(&tx, totals)
}

/// The largest model id of the store (sizes the pair accumulator).
fn max_model_id(conn: &Connection) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT max(id) FROM models")?
        .query_row([], |row| row.get(0))?)
}

/// The pair table of summed totals (store model ids), models by name.
fn table_from_totals(tx: &Connection, totals: PairTotals) -> Result<PairTable, StoreError> {
    let totals = totals.into_counts();
    let names = model_names(tx)?;
    let index = ModelIndex::new(totals.iter().flat_map(|&((lo, hi), _)| [lo, hi]), &names);
    let mut pairs: Vec<PairCount> = totals
        .into_iter()
        .map(|((lo, hi), c)| index.pair(lo, hi, c))
        .collect();
    pairs.sort_unstable_by_key(|p| (p.lo, p.hi));
    Ok(PairTable {
        models: index.names,
        pairs,
    })
}

pub(crate) fn day_bounds(filter: &CountFilter) -> (i64, i64) {
    (
        filter.from_day.unwrap_or(i64::MIN),
        filter.to_day.unwrap_or(i64::MAX),
    )
}

pub(super) fn model_tokens(
    conn: &Connection,
    filter: &CountFilter,
) -> Result<Vec<ModelTokens>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let (from, to) = day_bounds(filter);
    let mut totals: FastMap<i64, [u64; 3]> = FastMap::default();
    let sliced = match slice_read(&tx, filter)? {
        SliceRead::Overall => None,
        SliceRead::One(dimension, values) => Some(slices::daily_rows(
            &tx,
            &source_ids(&tx, filter)?,
            (dimension, &values),
            (from, to),
        )?),
        SliceRead::Votes(ids) => Some(slices::scan_votes(
            &tx,
            &source_ids(&tx, filter)?,
            &ids,
            (from, to),
        )?),
    };
    if let Some((_, token_rows)) = sliced {
        for ((_, model), t) in token_rows {
            let total = totals.entry(model).or_default();
            for (total, value) in total.iter_mut().zip(t) {
                *total += value;
            }
        }
    } else {
        let mut stmt = tx.prepare_cached(
            "SELECT model_id, sum(sides_with_tokens), sum(output_tokens), sum(sides_without_tokens)
             FROM model_tokens_daily WHERE source_id = ?1 AND day BETWEEN ?2 AND ?3
             GROUP BY model_id",
        )?;
        for source in source_ids(&tx, filter)? {
            let mut rows = stmt.query(params![source, from, to])?;
            while let Some(row) = rows.next()? {
                let total = totals.entry(row.get(0)?).or_default();
                for (i, t) in total.iter_mut().enumerate() {
                    *t += row.get::<_, u64>(1 + i)?;
                }
            }
        }
    }
    let names = model_names(&tx)?;
    let mut result: Vec<ModelTokens> = totals
        .into_iter()
        .map(|(id, t)| ModelTokens {
            model: names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
            sides_with_tokens: t[0],
            output_tokens: t[1],
            sides_without_tokens: t[2],
        })
        .collect();
    result.sort_by(|a, b| a.model.cmp(&b.model));
    Ok(result)
}

pub(super) fn daily_counts(
    conn: &Connection,
    filter: &CountFilter,
) -> Result<DailyCounts, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let (from, to) = day_bounds(filter);
    let sources = source_ids(&tx, filter)?;
    match slice_read(&tx, filter)? {
        SliceRead::Overall => {}
        SliceRead::One(dimension, values) => {
            let (blobs, tokens) =
                slices::daily_rows(&tx, &sources, (dimension, &values), (from, to))?;
            return assemble_daily(&tx, blobs, tokens, true);
        }
        SliceRead::Votes(ids) => {
            let (blobs, tokens) = slices::scan_votes(&tx, &sources, &ids, (from, to))?;
            return assemble_daily(&tx, blobs, tokens, false);
        }
    }
    // (day, packed daily counts) of every source, in day order.
    let mut blobs: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut token_rows: Vec<((i64, i64), [u64; 3])> = Vec::new();
    {
        let mut pairs = tx.prepare_cached(
            "SELECT day, daily FROM pair_counts_packed
             WHERE source_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
        )?;
        let mut tokens = tx.prepare_cached(
            "SELECT day, model_id, sides_with_tokens, output_tokens, sides_without_tokens
             FROM model_tokens_daily WHERE source_id = ?1 AND day BETWEEN ?2 AND ?3",
        )?;
        for &source in &sources {
            let mut rows = pairs.query(params![source, from, to])?;
            while let Some(row) = rows.next()? {
                blobs.push((row.get(0)?, row.get(1)?));
            }
            let mut rows = tokens.query(params![source, from, to])?;
            while let Some(row) = rows.next()? {
                token_rows.push((
                    (row.get(0)?, row.get(1)?),
                    [row.get(2)?, row.get(3)?, row.get(4)?],
                ));
            }
        }
    }
    let several = sources.len() > 1;
    assemble_daily(&tx, blobs, token_rows, several)
}

/// Per-day pair blobs and token rows (store ids) as [`DailyCounts`]; rows of
/// one day and model from several sources or slice values are summed when
/// `several`.
fn assemble_daily(
    tx: &Connection,
    mut blobs: Vec<(i64, Vec<u8>)>,
    token_rows: Vec<((i64, i64), [u64; 3])>,
    several: bool,
) -> Result<DailyCounts, StoreError> {
    blobs.sort_by_key(|(day, _)| *day);
    let token_rows = merge_sorted(token_rows, several);
    // First pass: which models appear, to number them by name.
    let mut ids: Vec<i64> = token_rows.iter().map(|&((_, m), _)| m).collect();
    for (_, blob) in &blobs {
        super::packed::decode(blob, |(lo, hi, _)| ids.extend([lo as i64, hi as i64]))
            .map_err(StoreError::Corrupt)?;
    }
    let index = ModelIndex::new(ids, &model_names(tx)?);
    // Second pass: each day's pairs in index space, sorted (and summed when
    // several sources have data that day).
    let mut pairs: Vec<(i64, PairCount)> = Vec::new();
    let mut start = 0;
    while start < blobs.len() {
        let day = blobs[start].0;
        let end = start + blobs[start..].iter().take_while(|(d, _)| *d == day).count();
        let first = pairs.len();
        for (_, blob) in &blobs[start..end] {
            super::packed::decode(blob, |(lo, hi, counts)| {
                pairs.push((day, index.pair(lo as i64, hi as i64, counts)));
            })
            .map_err(StoreError::Corrupt)?;
        }
        let today = &mut pairs[first..];
        today.sort_unstable_by_key(|(_, p)| (p.lo, p.hi));
        if end - start > 1 {
            let mut merged: Vec<(i64, PairCount)> = Vec::with_capacity(today.len());
            for &(d, p) in today.iter() {
                match merged.last_mut() {
                    Some((_, last)) if (last.lo, last.hi) == (p.lo, p.hi) => {
                        last.wins_lo += p.wins_lo;
                        last.wins_hi += p.wins_hi;
                        last.ties += p.ties;
                        last.ties_both_bad += p.ties_both_bad;
                    }
                    _ => merged.push((d, p)),
                }
            }
            pairs.truncate(first);
            pairs.extend(merged);
        }
        start = end;
    }
    let mut tokens: Vec<(i64, usize, ModelTokens)> = token_rows
        .into_iter()
        .map(|((day, model), t)| {
            let position = index.at(model);
            let tokens = ModelTokens {
                model: index.names[position].clone(),
                sides_with_tokens: t[0],
                output_tokens: t[1],
                sides_without_tokens: t[2],
            };
            (day, position, tokens)
        })
        .collect();
    tokens.sort_unstable_by_key(|(day, position, _)| (*day, *position));
    Ok(DailyCounts {
        models: index.names,
        pairs,
        tokens,
    })
}

/// Sorts by key and sums rows with equal keys (rows of several sources).
fn merge_sorted<K: Ord + Copy, const N: usize>(
    mut rows: Vec<(K, [u64; N])>,
    needs_merge: bool,
) -> Vec<(K, [u64; N])> {
    if !needs_merge {
        return rows;
    }
    rows.sort_unstable_by_key(|(key, _)| *key);
    let mut merged: Vec<(K, [u64; N])> = Vec::with_capacity(rows.len());
    for (key, values) in rows {
        match merged.last_mut() {
            Some((last, totals)) if *last == key => {
                for (t, v) in totals.iter_mut().zip(values) {
                    *t += v;
                }
            }
            _ => merged.push((key, values)),
        }
    }
    merged
}

pub(super) fn stats(conn: &Connection) -> Result<StoreStats, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let schema_version: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let models: u64 = tx.query_row("SELECT count(*) FROM models", [], |row| row.get(0))?;
    let mut stats = StoreStats {
        schema_version,
        data_version: data_version(&tx)?,
        models,
        ..StoreStats::default()
    };
    let mut sources = tx.prepare_cached(
        "SELECT id, name, matches, vote_rows FROM sources WHERE matches > 0 ORDER BY name",
    )?;
    let mut bounds = tx
        .prepare_cached("SELECT min(day), max(day) FROM pair_counts_packed WHERE source_id = ?1")?;
    let mut rows = sources.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        stats.sources.push(row.get(1)?);
        stats.votes += row.get::<_, u64>(2)?;
        stats.vote_rows += row.get::<_, u64>(3)?;
        let (first, last): (Option<i64>, Option<i64>) =
            bounds.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        stats.first_day = min_option(stats.first_day, first);
        stats.last_day = max_option(stats.last_day, last);
    }
    Ok(stats)
}

fn min_option(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_option(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

pub(super) fn imports(conn: &Connection) -> Result<Vec<ImportRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, file_name, sha256, format, rows_accepted, rows_rejected, votes_inserted,
                votes_duplicate, started_at, finished_at, data_version, source
         FROM imports ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(ImportRecord {
            id: row.get(0)?,
            file_name: row.get(1)?,
            sha256: row.get(2)?,
            format: row.get(3)?,
            rows_accepted: row.get(4)?,
            rows_rejected: row.get(5)?,
            votes_inserted: row.get(6)?,
            votes_duplicate: row.get(7)?,
            started_at: row.get(8)?,
            finished_at: row.get(9)?,
            data_version: row.get(10)?,
            source: row.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn find_vote(
    conn: &Connection,
    source: &str,
    source_id: &str,
) -> Result<Option<Vote>, StoreError> {
    let key = super::key::stored_key(source, super::key::id_key(source_id)) as i64;
    let found = conn
        .query_row(
            "SELECT v.timestamp, ma.name, mb.name, v.outcome, v.tokens_a, v.tokens_b, cs.labels,
                    l.name, c.name
             FROM votes v
             JOIN sources s ON s.id = v.source_id
             JOIN models ma ON ma.id = v.model_a
             JOIN models mb ON mb.id = v.model_b
             LEFT JOIN category_sets cs ON cs.id = v.category_set_id
             LEFT JOIN labels l ON l.id = v.language_id
             LEFT JOIN labels c ON c.id = v.country_id
             WHERE s.name = ?1 AND v.vote_key = ?2",
            params![source, key],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, u8>(3)?,
                    row.get::<_, Option<u64>>(4)?,
                    row.get::<_, Option<u64>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, Option<String>>(8)?,
                ))
            },
        )
        .optional()?;
    let Some((timestamp, model_a, model_b, code, tokens_a, tokens_b, set, language, country)) =
        found
    else {
        return Ok(None);
    };
    let mut categories = Vec::new();
    let mut label = conn.prepare_cached("SELECT name FROM labels WHERE id = ?1")?;
    for id in set
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let id: i64 = id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("category set {set:?} is unreadable")))?;
        categories.push(label.query_row([id], |row| row.get::<_, String>(0))?);
    }
    categories.sort();
    let outcome = super::outcome_codes::outcome_from_code(code)
        .ok_or_else(|| StoreError::InvalidVote(format!("stored outcome code {code} is unknown")))?;
    Ok(Some(Vote {
        source: source.to_string(),
        source_id: Some(source_id.to_string()),
        timestamp,
        model_a,
        model_b,
        outcome,
        tokens_a,
        tokens_b,
        categories,
        language,
        country,
        reasons: Default::default(),
    }))
}

pub(super) fn slice_values(
    conn: &Connection,
    dimension: Dimension,
    filter: &CountFilter,
) -> Result<Vec<SliceValue>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let sources = source_ids(&tx, filter)?;
    slices::values(&tx, &sources, dimension, (filter.from_day, filter.to_day))
}

/// Voters' reasons per model over the filter ([`crate::reasons`]): the
/// daily sums, or a scan of the votes under a slice filter. Sorted by model.
pub(super) fn model_reasons(
    conn: &Connection,
    filter: &CountFilter,
) -> Result<Vec<crate::ModelReasons>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let (from, to) = day_bounds(filter);
    let sources = source_ids(&tx, filter)?;
    let totals = if filter.slices.is_empty() {
        crate::reasons::sum_daily(&tx, &sources, (from, to))?
    } else {
        let ids = slices::resolve(&tx, &filter.slices)?;
        slices::scan_reasons(&tx, &sources, &ids, (from, to))?
    };
    let names = model_names(&tx)?;
    let mut result: Vec<crate::ModelReasons> = totals
        .into_iter()
        .filter(|(_, c)| c[0] > 0)
        .map(|(id, c)| crate::ModelReasons {
            model: names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
            judged: c[0],
            counts: [c[1], c[2], c[3], c[4], c[5], c[6], c[7]],
        })
        .collect();
    result.sort_by(|a, b| a.model.cmp(&b.model));
    Ok(result)
}

/// When each model added with `arenawatt catalog import` was last written:
/// (model id, Unix seconds), oldest first.
pub(super) fn catalog_changes(conn: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, updated_at FROM catalog_models ORDER BY updated_at, id")?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
