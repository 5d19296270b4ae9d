//! Slices: the votes of some categories, languages or countries, kept as
//! their own sufficient statistics so that a slice query reads aggregates,
//! as the overall query does.
//!
//! # What a slice is
//! A vote carries a set of categories (multi-label: a compar:IA conversation
//! with four categories is in four category slices), at most one language and
//! at most one country ([`crate::ingest::labels`] says how each format writes
//! them). A filter lists values per [`Dimension`]; within a dimension the
//! values are a union (a vote in `Code` and `Math` counts once for
//! `categories: [Code, Math]`), and across dimensions an intersection.
//!
//! # How they are stored
//! The category dimension is keyed by the vote's *set* of categories (table
//! `category_sets`), not by each category: every vote is in exactly one set,
//! so any union of categories is an exact sum of sets, with no vote counted
//! twice. Languages and countries are keyed by their label.
//!
//! For each (source, dimension, value, day with votes), `slice_daily` holds
//! that day's pair counts and per-model tokens, packed ([`super::packed`]).
//! For each (source, dimension, value, block of [`BLOCK_DAYS`] days with
//! votes), `slice_checkpoints` holds the running totals of every pair through
//! the end of the block. The counts up to day `d` are the checkpoint of the
//! last block before `d`'s block plus the days of `d`'s block up to `d`: one
//! indexed row and at most [`BLOCK_DAYS`] small rows per value, whatever the
//! length of the range. Running totals on every day (as the overall counts
//! keep) would cost `days × pairs` per value, too much for 60 values.
//!
//! A filter on two dimensions at once (French votes about code) has no
//! aggregate of its own: it is read from the `votes` table, exactly, in
//! O(votes of the sources), and the engine says so in a notice. Pair counts
//! imported from Parquet may carry one slice per row (see
//! `ingest::pair_counts_parquet`); [`replace_days`] writes them, replacing
//! whole days as the overall counts of that format are. Votes of such a
//! source are not stored, so a filter on two dimensions finds none of them.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::aggregates::{Counts, TokenCounts};
use super::buffer::{BufferedVote, NO_LABEL, NO_TOKENS};
use super::fast_hash::FastMap;
use super::packed;
use super::reasons::{ReasonCounts, Reasons};
use super::StoreError;

/// Days per checkpoint block.
pub const BLOCK_DAYS: i64 = 64;

/// A slice dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    Category,
    Language,
    Country,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::Category, Dimension::Language, Dimension::Country];
    /// The code in the `dimension` columns.
    pub(crate) fn code(self) -> u8 {
        match self {
            Dimension::Category => 0,
            Dimension::Language => 1,
            Dimension::Country => 2,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Category => "category",
            Dimension::Language => "language",
            Dimension::Country => "country",
        }
    }
    /// The query key and CLI flag: `categories`, `languages`, `countries`.
    pub fn plural(self) -> &'static str {
        match self {
            Dimension::Category => "categories",
            Dimension::Language => "languages",
            Dimension::Country => "countries",
        }
    }
}

/// Which slices a read covers: per dimension, the values (empty = no filter
/// on that dimension).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SliceFilter {
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub countries: Vec<String>,
}

impl SliceFilter {
    pub fn is_empty(&self) -> bool {
        self.dimensions().is_empty()
    }
    pub fn values(&self, dimension: Dimension) -> &[String] {
        match dimension {
            Dimension::Category => &self.categories,
            Dimension::Language => &self.languages,
            Dimension::Country => &self.countries,
        }
    }
    pub fn values_mut(&mut self, dimension: Dimension) -> &mut Vec<String> {
        match dimension {
            Dimension::Category => &mut self.categories,
            Dimension::Language => &mut self.languages,
            Dimension::Country => &mut self.countries,
        }
    }
    /// The dimensions the filter restricts.
    pub fn dimensions(&self) -> Vec<Dimension> {
        Dimension::ALL
            .into_iter()
            .filter(|&d| !self.values(d).is_empty())
            .collect()
    }
    /// `category Code or Math, country fr`; empty without a filter.
    pub fn describe(&self) -> String {
        self.dimensions()
            .into_iter()
            .map(|d| format!("{} {}", d.name(), self.values(d).join(" or ")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One slice value and its matches over a filter's sources and days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SliceValue {
    pub name: String,
    pub matches: u64,
}

// ---------------------------------------------------------------- writing

/// (source, dimension code, value id, day).
type SliceDay = (u32, u8, u32, i64);

/// One slice day of an import, packed as `slice_daily` stores it.
struct PackedSliceDay {
    key: SliceDay,
    pairs: Vec<u8>,
    tokens: Vec<u8>,
}

/// The slice part of an import's aggregates: one packed row per slice value
/// and day with votes.
///
/// # Why it is summed day by day
/// A vote is in up to three slices (its category set, language and
/// country), so 10M votes make some 30M slice cells, most of them distinct
/// across the whole import. Summing them in one map keyed by (slice, day,
/// pair) spends its time on cache misses. The votes are instead bucketed by
/// day (a counting sort of their indices), and each day is summed in maps
/// that hold only that day's cells and are reused from day to day; each
/// slice day is then packed at once, in pair order.
///
/// It also sums, per slice value, the import's own running totals through
/// each checkpoint block it touches: when the store holds nothing of that
/// value from the import's first block on (a first import, or days appended
/// after the stored ones), the new checkpoints are the stored one before
/// that block plus these, and the import does not read its own rows back.
#[derive(Default)]
pub(crate) struct SliceAggregates {
    days: Vec<PackedSliceDay>,
    /// Per (source, dimension, value): (block, the import's running totals
    /// through that block, sorted by pair), in block order.
    own_checkpoints: BTreeMap<(u32, u8, u32), Vec<(i64, Vec<packed::PackedPair>)>>,
    /// Per dense slice id while summing: the running totals and the block
    /// they have reached.
    running: Vec<(FastMap<(u32, u32), Counts>, i64)>,
}

/// The (dimension code, value id) slices a stored vote is in.
pub(crate) fn slices_of(vote: &BufferedVote) -> impl Iterator<Item = (u8, u32)> {
    [
        (Dimension::Category.code(), vote.category),
        (Dimension::Language.code(), vote.language),
        (Dimension::Country.code(), vote.country),
    ]
    .into_iter()
    .filter(|&(_, value)| value != NO_LABEL)
}

/// Above this many days between an import's first and last, its votes are
/// ordered by day with a comparison sort rather than a counting sort.
const COUNTING_SORT_MAX_DAYS: i64 = 1 << 22;

impl SliceAggregates {
    /// Sums the slice cells of `votes`, leaving out those whose index
    /// `skipped` names (the votes an import found already stored).
    pub(crate) fn sum(votes: &[BufferedVote], skipped: &dyn Fn(usize) -> bool) -> SliceAggregates {
        let day_of = |vote: &BufferedVote| vote.timestamp.div_euclid(86_400);
        let mut order: Vec<u32> = (0..votes.len())
            .filter(|&i| !skipped(i) && slices_of(&votes[i]).next().is_some())
            .map(|i| i as u32)
            .collect();
        let (Some(first), Some(last)) = (
            order.iter().map(|&i| day_of(&votes[i as usize])).min(),
            order.iter().map(|&i| day_of(&votes[i as usize])).max(),
        ) else {
            return SliceAggregates::default();
        };
        if last - first < COUNTING_SORT_MAX_DAYS {
            // Counting sort by day: stable, two passes over the indices.
            let mut starts = vec![0usize; (last - first + 2) as usize];
            for &i in &order {
                starts[(day_of(&votes[i as usize]) - first + 1) as usize] += 1;
            }
            for d in 1..starts.len() {
                starts[d] += starts[d - 1];
            }
            let mut sorted = vec![0u32; order.len()];
            for &i in &order {
                let slot = &mut starts[(day_of(&votes[i as usize]) - first) as usize];
                sorted[*slot] = i;
                *slot += 1;
            }
            order = sorted;
        } else {
            order.sort_by_key(|&i| day_of(&votes[i as usize]));
        }

        // Dense ids of the (source, dimension, value) slices, so the per-day
        // maps key on three u32s.
        let mut slice_ids: FastMap<(u32, u8, u32), u32> = FastMap::default();
        let mut slice_keys: Vec<(u32, u8, u32)> = Vec::new();
        // A day's pair cells as sortable records (slice, lo, hi, slot), so
        // that one sort gives each slice's pairs in the order the packing
        // wants, and summing them is a pass over runs.
        let mut cells: Vec<u128> = Vec::new();
        let mut tokens: FastMap<(u32, u32), TokenCounts> = FastMap::default();
        let mut aggregates = SliceAggregates::default();
        let mut run_start = 0;
        while run_start < order.len() {
            let day = day_of(&votes[order[run_start] as usize]);
            let run_end = run_start
                + order[run_start..]
                    .iter()
                    .take_while(|&&i| day_of(&votes[i as usize]) == day)
                    .count();
            for &i in &order[run_start..run_end] {
                let vote = &votes[i as usize];
                let (lo, hi, slot) = pair_slot(vote);
                for (dimension, value) in slices_of(vote) {
                    let key = (vote.source, dimension, value);
                    let next_id = slice_keys.len() as u32;
                    let slice = *slice_ids.entry(key).or_insert_with(|| {
                        slice_keys.push(key);
                        next_id
                    });
                    cells.push(
                        (u128::from(slice) << 66)
                            | (u128::from(lo) << 34)
                            | (u128::from(hi) << 2)
                            | slot as u128,
                    );
                    for (model, side) in
                        [(vote.model_a, vote.tokens_a), (vote.model_b, vote.tokens_b)]
                    {
                        let entry = tokens.entry((slice, model)).or_default();
                        if side == NO_TOKENS {
                            entry[2] += 1;
                        } else {
                            entry[0] += 1;
                            entry[1] += side as u64;
                        }
                    }
                }
            }
            aggregates.pack_day(day, &slice_keys, &mut cells, &mut tokens);
            run_start = run_end;
        }
        for slice in 0..aggregates.running.len() {
            aggregates.close_block(slice, &slice_keys);
        }
        aggregates
    }

    /// Packs one day's cells (emptying them and the token map for the next
    /// day).
    fn pack_day(
        &mut self,
        day: i64,
        slice_keys: &[(u32, u8, u32)],
        cells: &mut Vec<u128>,
        tokens: &mut FastMap<(u32, u32), TokenCounts>,
    ) {
        cells.sort_unstable();
        let mut day_tokens: Vec<_> = tokens.drain().collect();
        day_tokens.sort_unstable_by_key(|&(key, _)| key);
        let slice_of = |cell: u128| (cell >> 66) as u32;
        let (mut c, mut t) = (0, 0);
        let mut pairs: Vec<packed::PackedPair> = Vec::new();
        while c < cells.len() {
            // Every slice with tokens on a day has pairs on it, and back.
            let slice = slice_of(cells[c]);
            pairs.clear();
            while c < cells.len() && slice_of(cells[c]) == slice {
                let (lo, hi) = ((cells[c] >> 34) as u32, (cells[c] >> 2) as u32);
                match pairs.last_mut() {
                    Some((l, h, counts)) if (*l, *h) == (lo, hi) => {
                        counts[(cells[c] & 3) as usize] += 1
                    }
                    _ => {
                        let mut counts: Counts = [0; 4];
                        counts[(cells[c] & 3) as usize] = 1;
                        pairs.push((lo, hi, counts));
                    }
                }
                c += 1;
            }
            let t_end = t + day_tokens[t..]
                .iter()
                .take_while(|((s, _), _)| *s == slice)
                .count();
            let (source, dimension, value) = slice_keys[slice as usize];
            let block = day.div_euclid(BLOCK_DAYS);
            let slice = slice as usize;
            if self.running.len() <= slice {
                self.running
                    .resize_with(slice + 1, || (FastMap::default(), block));
            }
            if self.running[slice].1 != block {
                self.close_block(slice, slice_keys);
                self.running[slice].1 = block;
            }
            for &(lo, hi, counts) in &pairs {
                let total = self.running[slice].0.entry((lo, hi)).or_default();
                for (t, c) in total.iter_mut().zip(counts) {
                    *t += c;
                }
            }
            self.days.push(PackedSliceDay {
                key: (source, dimension, value, day),
                pairs: packed::encode(pairs.iter().copied()),
                tokens: encode_tokens(day_tokens[t..t_end].iter().map(|&((_, m), c)| (m, c))),
            });
            t = t_end;
        }
        cells.clear();
    }

    /// Records a slice's running totals as the checkpoint of the block they
    /// have reached (nothing for a slice with no votes yet).
    fn close_block(&mut self, slice: usize, slice_keys: &[(u32, u8, u32)]) {
        let (running, block) = &self.running[slice];
        if running.is_empty() {
            return;
        }
        let mut totals: Vec<packed::PackedPair> =
            running.iter().map(|(&(lo, hi), &c)| (lo, hi, c)).collect();
        totals.sort_unstable_by_key(|&(lo, hi, _)| (lo, hi));
        self.own_checkpoints
            .entry(slice_keys[slice])
            .or_default()
            .push((*block, totals));
    }
}

fn checked_add(total: &mut u64, add: u64, what: &dyn Fn() -> String) -> Result<(), StoreError> {
    *total = total
        .checked_add(add)
        .filter(|&t| t <= i64::MAX as u64)
        .ok_or_else(|| {
            StoreError::InvalidVote(format!(
                "{} passes the store's limit of {}",
                what(),
                i64::MAX
            ))
        })?;
    Ok(())
}

/// Packs per-model tokens, in model order: `(model, with, output tokens,
/// without)` varints.
fn encode_tokens(tokens: impl Iterator<Item = (u32, TokenCounts)>) -> Vec<u8> {
    // The pair packing's varints, reused with the model in both id slots.
    packed::encode(tokens.map(|(m, t)| (m, m, [t[0], t[1], t[2], 0])))
}

fn decode_tokens(blob: &[u8], mut each: impl FnMut(u32, TokenCounts)) -> Result<(), StoreError> {
    packed::decode(blob, |(model, _, c)| each(model, [c[0], c[1], c[2]]))
        .map_err(StoreError::Corrupt)
}

/// Adds the import's slice counts to `slice_daily` (merging them into a
/// slice day already stored) and rewrites the checkpoints from the first
/// block each slice value's counts touched.
pub(crate) fn write(tx: &Transaction<'_>, aggregates: SliceAggregates) -> Result<(), StoreError> {
    let mut read = tx.prepare_cached(
        "SELECT pairs, tokens FROM slice_daily
         WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND day = ?4",
    )?;
    let mut upsert = tx.prepare_cached(
        "INSERT OR REPLACE INTO slice_daily (source_id, dimension, value_id, day, pairs, tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    // The values whose checkpoints can be taken from the import's own
    // totals: nothing stored from the block of the import's first day on.
    let mut later_stored = tx.prepare_cached(
        "SELECT 1 FROM slice_daily
         WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND day >= ?4 LIMIT 1",
    )?;
    let mut appended: BTreeMap<(u32, u8, u32), Vec<(i64, Vec<packed::PackedPair>)>> =
        BTreeMap::new();
    for (key @ (source, dimension, value), blocks) in aggregates.own_checkpoints {
        let Some(&(first_block, _)) = blocks.first() else {
            continue;
        };
        let stored_later = later_stored
            .query_row(
                params![source, dimension, value, first_block * BLOCK_DAYS],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !stored_later {
            appended.insert(key, blocks);
        }
    }
    let mut first_days: BTreeMap<(u32, u8, u32), i64> = BTreeMap::new();
    for day_row in aggregates.days {
        let key @ (source, dimension, value, day) = day_row.key;
        let stored: Option<(Vec<u8>, Vec<u8>)> = read
            .query_row(params![source, dimension, value, day], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let (pair_blob, token_blob) = match stored {
            None => (day_row.pairs, day_row.tokens),
            Some((stored_pairs, stored_tokens)) => merge_with_stored(
                key,
                [&day_row.pairs, &stored_pairs],
                [&day_row.tokens, &stored_tokens],
            )?,
        };
        upsert.execute(params![
            source, dimension, value, day, pair_blob, token_blob
        ])?;
        let first = first_days.entry((source, dimension, value)).or_insert(day);
        *first = (*first).min(day);
    }
    for (key, day) in first_days {
        match appended.remove(&key) {
            Some(blocks) => append_checkpoints(tx, key, blocks)?,
            None => rebuild_checkpoints(tx, key, day)?,
        }
    }
    Ok(())
}

/// Writes the checkpoints of a value whose import comes after everything
/// stored of it: each block's checkpoint is the stored checkpoint before the
/// import's first block plus the import's running totals through the block.
fn append_checkpoints(
    tx: &Transaction<'_>,
    (source, dimension, value): (u32, u8, u32),
    blocks: Vec<(i64, Vec<packed::PackedPair>)>,
) -> Result<(), StoreError> {
    let Some(&(first_block, _)) = blocks.first() else {
        return Ok(());
    };
    let before = take_checkpoints_from(tx, (source, dimension, value), first_block)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO slice_checkpoints (source_id, dimension, value_id, block, cumulative)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut totals = Vec::new();
    for (block, own) in blocks {
        super::aggregates::merge_sorted(&before, &own, &mut totals).map_err(|(lo, hi)| {
            StoreError::InvalidVote(format!(
                "the running total of pair ({lo}, {hi}) in slice value {value} passes the \
                 store's limit of {}",
                i64::MAX
            ))
        })?;
        insert.execute(params![
            source,
            dimension,
            value,
            block,
            packed::encode(totals.iter().copied())
        ])?;
    }
    Ok(())
}

/// The sum of two packed forms of one slice day (an import's and the stored
/// one), with checked arithmetic.
fn merge_with_stored(
    (_, _, value, day): SliceDay,
    pair_blobs: [&[u8]; 2],
    token_blobs: [&[u8]; 2],
) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let what = || format!("the counts of slice value {value} on day {day}");
    let mut pairs: BTreeMap<(u32, u32), Counts> = BTreeMap::new();
    let mut tokens: BTreeMap<u32, TokenCounts> = BTreeMap::new();
    let mut overflow = None;
    for blob in pair_blobs {
        packed::decode(blob, |(lo, hi, counts)| {
            let total = pairs.entry((lo, hi)).or_default();
            for (t, c) in total.iter_mut().zip(counts) {
                if let Err(e) = checked_add(t, c, &what) {
                    overflow = Some(e);
                }
            }
        })
        .map_err(StoreError::Corrupt)?;
    }
    for blob in token_blobs {
        decode_tokens(blob, |model, counts| {
            let total = tokens.entry(model).or_default();
            for (t, c) in total.iter_mut().zip(counts) {
                if let Err(e) = checked_add(t, c, &what) {
                    overflow = Some(e);
                }
            }
        })?;
    }
    if let Some(error) = overflow {
        return Err(error);
    }
    Ok((
        packed::encode(pairs.iter().map(|(&(lo, hi), &c)| (lo, hi, c))),
        encode_tokens(tokens.iter().map(|(&m, &c)| (m, c))),
    ))
}

/// One (source, day) of slices as a pair-count import gives them: per
/// (dimension code, value id), the pair counts (by lo < hi) and the tokens
/// per model.
pub(crate) type SlicedDay =
    BTreeMap<(u8, u32), (BTreeMap<(u32, u32), Counts>, BTreeMap<u32, TokenCounts>)>;

/// Replaces the slice aggregates of whole days of one source by `days`
/// (a day absent from `days` is left alone; a day given with no slice loses
/// its slices), then rewrites the checkpoints of every value touched, once,
/// from the first day it changed. Returns whether anything changed.
pub(crate) fn replace_days(
    tx: &Transaction<'_>,
    source: u32,
    days: &BTreeMap<i64, SlicedDay>,
) -> Result<bool, StoreError> {
    let (Some(&first), Some(&last)) = (days.keys().next(), days.keys().next_back()) else {
        return Ok(false);
    };
    type Stored = BTreeMap<(u8, u32), (Vec<u8>, Vec<u8>)>;
    let mut stored: BTreeMap<i64, Stored> = BTreeMap::new();
    {
        let mut query = tx.prepare_cached(
            "SELECT day, dimension, value_id, pairs, tokens FROM slice_daily
             WHERE source_id = ?1 AND day BETWEEN ?2 AND ?3",
        )?;
        let mut rows = query.query(params![source, first, last])?;
        while let Some(row) = rows.next()? {
            let day: i64 = row.get(0)?;
            if days.contains_key(&day) {
                stored
                    .entry(day)
                    .or_default()
                    .insert((row.get(1)?, row.get(2)?), (row.get(3)?, row.get(4)?));
            }
        }
    }
    let mut delete =
        tx.prepare_cached("DELETE FROM slice_daily WHERE source_id = ?1 AND day = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO slice_daily (source_id, dimension, value_id, day, pairs, tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut first_changed: BTreeMap<(u8, u32), i64> = BTreeMap::new();
    for (&day, values) in days {
        let new: Stored = values
            .iter()
            .map(|(&key, (pairs, tokens))| {
                let blob = packed::encode(pairs.iter().map(|(&(lo, hi), &c)| (lo, hi, c)));
                (
                    key,
                    (blob, encode_tokens(tokens.iter().map(|(&m, &c)| (m, c)))),
                )
            })
            .collect();
        let old = stored.remove(&day).unwrap_or_default();
        if old == new {
            continue;
        }
        delete.execute(params![source, day])?;
        for (&(dimension, value), (pairs, tokens)) in &new {
            insert.execute(params![source, dimension, value, day, pairs, tokens])?;
        }
        for key in old.keys().chain(new.keys()) {
            first_changed.entry(*key).or_insert(day);
        }
    }
    for (&(dimension, value), &day) in &first_changed {
        rebuild_checkpoints(tx, (source, dimension, value), day)?;
    }
    Ok(!first_changed.is_empty())
}

/// The checkpoint of one slice value before `first_block` (decoded; empty
/// if none), after deleting its checkpoints from `first_block` on, which the
/// caller rewrites.
fn take_checkpoints_from(
    tx: &Transaction<'_>,
    (source, dimension, value): (u32, u8, u32),
    first_block: i64,
) -> Result<Vec<packed::PackedPair>, StoreError> {
    let base: Option<Vec<u8>> = tx
        .prepare_cached(
            "SELECT cumulative FROM slice_checkpoints
             WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND block < ?4
             ORDER BY block DESC LIMIT 1",
        )?
        .query_row(params![source, dimension, value, first_block], |row| {
            row.get(0)
        })
        .optional()?;
    let mut cells = Vec::new();
    if let Some(base) = base {
        packed::decode(&base, |cell| cells.push(cell)).map_err(StoreError::Corrupt)?;
    }
    tx.prepare_cached(
        "DELETE FROM slice_checkpoints
         WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND block >= ?4",
    )?
    .execute(params![source, dimension, value, first_block])?;
    Ok(cells)
}

/// Rewrites the checkpoints of one slice value from the block of `from_day`.
fn rebuild_checkpoints(
    tx: &Transaction<'_>,
    (source, dimension, value): (u32, u8, u32),
    from_day: i64,
) -> Result<(), StoreError> {
    let first_block = from_day.div_euclid(BLOCK_DAYS);
    // Summed in a hash map (a value's blobs hold millions of cells), sorted
    // once per checkpoint for the packing.
    let mut running: FastMap<(u32, u32), Counts> =
        take_checkpoints_from(tx, (source, dimension, value), first_block)?
            .into_iter()
            .map(|(lo, hi, c)| ((lo, hi), c))
            .collect();
    let mut insert = tx.prepare_cached(
        "INSERT INTO slice_checkpoints (source_id, dimension, value_id, block, cumulative)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut flush = |block: i64, running: &FastMap<(u32, u32), Counts>| {
        let mut sorted: Vec<packed::PackedPair> =
            running.iter().map(|(&(lo, hi), &c)| (lo, hi, c)).collect();
        sorted.sort_unstable_by_key(|&(lo, hi, _)| (lo, hi));
        let blob = packed::encode(sorted);
        insert.execute(params![source, dimension, value, block, blob])
    };
    let mut daily = tx.prepare_cached(
        "SELECT day, pairs FROM slice_daily
         WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND day >= ?4 ORDER BY day",
    )?;
    let mut rows = daily.query(params![source, dimension, value, first_block * BLOCK_DAYS])?;
    let mut current: Option<i64> = None;
    while let Some(row) = rows.next()? {
        let day: i64 = row.get(0)?;
        let blob: Vec<u8> = row.get(1)?;
        let block = day.div_euclid(BLOCK_DAYS);
        if let Some(previous) = current.filter(|&b| b != block) {
            flush(previous, &running)?;
        }
        current = Some(block);
        let mut overflow = None;
        packed::decode(&blob, |(lo, hi, counts)| {
            let total = running.entry((lo, hi)).or_default();
            for (t, c) in total.iter_mut().zip(counts) {
                let what = || format!("the running total of slice value {value} on day {day}");
                if let Err(e) = checked_add(t, c, &what) {
                    overflow = Some(e);
                }
            }
        })
        .map_err(StoreError::Corrupt)?;
        if let Some(error) = overflow {
            return Err(error);
        }
    }
    if let Some(block) = current {
        flush(block, &running)?;
    }
    Ok(())
}

/// Rebuilds every slice aggregate from the `votes` table (the forward
/// migration to slices, and a repair).
pub(crate) fn rebuild_from_votes(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch("DELETE FROM slice_daily; DELETE FROM slice_checkpoints;")?;
    let mut votes = tx.prepare(
        "SELECT source_id, timestamp, model_a, model_b, outcome, tokens_a, tokens_b,
                category_set_id, language_id, country_id
         FROM votes WHERE category_set_id IS NOT NULL OR language_id IS NOT NULL
                       OR country_id IS NOT NULL",
    )?;
    let mut stored = Vec::new();
    let mut rows = votes.query([])?;
    while let Some(row) = rows.next()? {
        stored.push(stored_vote(row)?);
    }
    drop(rows);
    write(tx, SliceAggregates::sum(&stored, &|_| false))
}

/// A `votes` row (columns as [`rebuild_from_votes`] selects them) as a
/// buffered vote in store ids.
pub(crate) fn stored_vote(row: &rusqlite::Row<'_>) -> Result<BufferedVote, StoreError> {
    let label = |i: usize| -> rusqlite::Result<u32> {
        Ok(row.get::<_, Option<u32>>(i)?.unwrap_or(NO_LABEL))
    };
    let tokens = |i: usize| -> rusqlite::Result<u32> {
        Ok(row.get::<_, Option<u32>>(i)?.unwrap_or(NO_TOKENS))
    };
    let code: u8 = row.get(4)?;
    Ok(BufferedVote {
        key: 0,
        source: row.get(0)?,
        timestamp: row.get(1)?,
        model_a: row.get(2)?,
        model_b: row.get(3)?,
        outcome: super::outcome_codes::outcome_from_code(code)
            .ok_or_else(|| StoreError::Corrupt(format!("stored outcome code {code} is unknown")))?,
        tokens_a: tokens(5)?,
        tokens_b: tokens(6)?,
        category: label(7)?,
        language: label(8)?,
        country: label(9)?,
        derived: false,
        reasons_a: Reasons::NONE,
        reasons_b: Reasons::NONE,
        markdown: NO_LABEL,
    })
}

/// The ordered pair of a vote and the count slot its outcome goes to.
pub(crate) fn pair_slot(vote: &BufferedVote) -> (u32, u32, usize) {
    use super::Outcome;
    let (lo, hi, lo_is_a) = if vote.model_a < vote.model_b {
        (vote.model_a, vote.model_b, true)
    } else {
        (vote.model_b, vote.model_a, false)
    };
    let slot = match (vote.outcome, lo_is_a) {
        (Outcome::A, true) | (Outcome::B, false) => 0,
        (Outcome::A, false) | (Outcome::B, true) => 1,
        (Outcome::Tie, _) => 2,
        (Outcome::BothBad, _) => 3,
    };
    (lo, hi, slot)
}

// ---------------------------------------------------------------- reading

/// A filter's values as store ids, per dimension (`None`: not filtered).
/// Unknown names select nothing.
#[derive(Debug, Default)]
pub(crate) struct SliceIds {
    pub(crate) ids: [Option<Vec<u32>>; 3],
}

impl SliceIds {
    fn of(&self, dimension: Dimension) -> Option<&Vec<u32>> {
        self.ids[dimension.code() as usize].as_ref()
    }
    /// The one filtered dimension and its ids, when exactly one is filtered.
    pub(crate) fn single(&self) -> Option<(Dimension, &[u32])> {
        let mut filtered = Dimension::ALL
            .into_iter()
            .filter_map(|d| self.of(d).map(|ids| (d, ids)));
        let first = filtered.next()?;
        filtered
            .next()
            .is_none()
            .then_some((first.0, first.1.as_slice()))
    }
    pub(crate) fn admits(&self, vote: &BufferedVote) -> bool {
        let value = |d: Dimension| match d {
            Dimension::Category => vote.category,
            Dimension::Language => vote.language,
            Dimension::Country => vote.country,
        };
        Dimension::ALL.into_iter().all(|d| match self.of(d) {
            None => true,
            Some(ids) => ids.binary_search(&value(d)).is_ok(),
        })
    }
}

fn label_id(conn: &Connection, name: &str) -> Result<Option<u32>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id FROM labels WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()?)
}

/// Every category set: (set id, its label ids).
fn category_sets(conn: &Connection) -> Result<Vec<(u32, Vec<u32>)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, labels FROM category_sets ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut sets = Vec::new();
    for row in rows {
        let (id, labels) = row?;
        let members = labels
            .split(',')
            .map(|l| l.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| StoreError::Corrupt(format!("category set {id} holds {labels:?}")))?;
        sets.push((id, members));
    }
    Ok(sets)
}

pub(crate) fn resolve(
    conn: &Connection,
    filter: &super::SliceFilter,
) -> Result<SliceIds, StoreError> {
    let mut resolved = SliceIds::default();
    for dimension in filter.dimensions() {
        let mut labels = Vec::new();
        for name in filter.values(dimension) {
            labels.extend(label_id(conn, name.trim())?);
        }
        let mut ids = if dimension == Dimension::Category {
            category_sets(conn)?
                .into_iter()
                .filter(|(_, members)| members.iter().any(|m| labels.contains(m)))
                .map(|(id, _)| id)
                .collect()
        } else {
            labels
        };
        ids.sort_unstable();
        ids.dedup();
        resolved.ids[dimension.code() as usize] = Some(ids);
    }
    Ok(resolved)
}

/// Adds `sign ×` the counts of one slice value through day `through`
/// (every day when `None`) to `totals`.
fn add_through(
    conn: &Connection,
    key: (i64, u8, u32),
    through: Option<i64>,
    sign: i64,
    totals: &mut super::pair_totals::PairTotals,
) -> Result<(), StoreError> {
    visit_through(conn, key, through, |blob| {
        packed::decode(blob, |(lo, hi, counts)| totals.add(lo, hi, counts, sign))
            .map_err(StoreError::Corrupt)
    })
}

/// The matches (all four counts summed over pairs) of one slice value
/// through day `through`, without building its pair table.
fn matches_through(
    conn: &Connection,
    key: (i64, u8, u32),
    through: Option<i64>,
) -> Result<i64, StoreError> {
    let mut sum = 0i64;
    visit_through(conn, key, through, |blob| {
        packed::decode(blob, |(_, _, counts)| {
            sum = counts
                .iter()
                .fold(sum, |s, &c| s.saturating_add(c.min(i64::MAX as u64) as i64));
        })
        .map_err(StoreError::Corrupt)
    })?;
    Ok(sum)
}

/// Calls `add` on the blobs whose sum is the counts of one slice value
/// through day `through` (every day when `None`): a checkpoint and the
/// daily rows of the block after it.
fn visit_through(
    conn: &Connection,
    (source, dimension, value): (i64, u8, u32),
    through: Option<i64>,
    mut add: impl FnMut(&[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    // A day at or after the value's last stored day reads the latest
    // checkpoint alone (the last block's checkpoint holds every stored day
    // of it), instead of that block's daily rows: a query up to now costs
    // one blob per value.
    let through = match through {
        Some(day) => {
            let last_day: Option<i64> = conn
                .prepare_cached(
                    "SELECT max(day) FROM slice_daily
                     WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3",
                )?
                .query_row(params![source, dimension, value], |row| row.get(0))?;
            match last_day {
                None => return Ok(()),
                Some(last) if last <= day => None,
                Some(_) => Some(day),
            }
        }
        None => None,
    };
    let Some(day) = through else {
        let last: Option<Vec<u8>> = conn
            .prepare_cached(
                "SELECT cumulative FROM slice_checkpoints
                 WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3
                 ORDER BY block DESC LIMIT 1",
            )?
            .query_row(params![source, dimension, value], |row| row.get(0))
            .optional()?;
        return last.map_or(Ok(()), |blob| add(&blob));
    };
    let block = day.div_euclid(BLOCK_DAYS);
    let base: Option<Vec<u8>> = conn
        .prepare_cached(
            "SELECT cumulative FROM slice_checkpoints
             WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND block < ?4
             ORDER BY block DESC LIMIT 1",
        )?
        .query_row(params![source, dimension, value, block], |row| row.get(0))
        .optional()?;
    if let Some(blob) = base {
        add(&blob)?;
    }
    let mut days = conn.prepare_cached(
        "SELECT pairs FROM slice_daily
         WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND day BETWEEN ?4 AND ?5",
    )?;
    let mut rows = days.query(params![source, dimension, value, block * BLOCK_DAYS, day])?;
    while let Some(row) = rows.next()? {
        add(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?)?;
    }
    Ok(())
}

/// The pair totals of one filtered dimension over `sources` and
/// `[from, to]`: differences of running totals, per value.
pub(crate) fn pair_totals(
    conn: &Connection,
    sources: &[i64],
    (dimension, values): (Dimension, &[u32]),
    (from, to): (Option<i64>, Option<i64>),
    totals: &mut super::pair_totals::PairTotals,
) -> Result<(), StoreError> {
    for &source in sources {
        for &value in values {
            let key = (source, dimension.code(), value);
            add_through(conn, key, to, 1, totals)?;
            if let Some(from) = from {
                add_through(conn, key, Some(from.saturating_sub(1)), -1, totals)?;
            }
        }
    }
    Ok(())
}

/// The daily rows of one filtered dimension: (day, packed pairs) and
/// ((day, model), tokens), over `sources` and `[from, to]`.
pub(crate) type DailyRows = (Vec<(i64, Vec<u8>)>, Vec<((i64, i64), [u64; 3])>);

pub(crate) fn daily_rows(
    conn: &Connection,
    sources: &[i64],
    (dimension, values): (Dimension, &[u32]),
    (from, to): (i64, i64),
) -> Result<DailyRows, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, pairs, tokens FROM slice_daily
         WHERE source_id = ?1 AND dimension = ?2 AND value_id = ?3 AND day BETWEEN ?4 AND ?5",
    )?;
    let (mut blobs, mut tokens) = (Vec::new(), Vec::new());
    for &source in sources {
        for &value in values {
            let mut rows = stmt.query(params![source, dimension.code(), value, from, to])?;
            while let Some(row) = rows.next()? {
                let day: i64 = row.get(0)?;
                blobs.push((day, row.get(1)?));
                decode_tokens(
                    row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?,
                    |model, t| tokens.push(((day, model as i64), t)),
                )?;
            }
        }
    }
    Ok((blobs, tokens))
}

/// The votes of `sources` in `[from, to]` that the filter admits, summed per
/// day: the exact read for filters on several dimensions.
pub(crate) fn scan_votes(
    conn: &Connection,
    sources: &[i64],
    ids: &SliceIds,
    (from, to): (i64, i64),
) -> Result<DailyRows, StoreError> {
    let mut pairs: BTreeMap<i64, BTreeMap<(u32, u32), Counts>> = BTreeMap::new();
    let mut tokens: BTreeMap<(i64, i64), [u64; 3]> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT source_id, timestamp, model_a, model_b, outcome, tokens_a, tokens_b,
                category_set_id, language_id, country_id
         FROM votes WHERE source_id = ?1 AND timestamp BETWEEN ?2 AND ?3",
    )?;
    let first = from.saturating_mul(86_400);
    let last = to.saturating_mul(86_400).saturating_add(86_399);
    for &source in sources {
        let mut rows = stmt.query(params![source, first, last])?;
        while let Some(row) = rows.next()? {
            let vote = stored_vote(row)?;
            if !ids.admits(&vote) {
                continue;
            }
            let day = vote.timestamp.div_euclid(86_400);
            let (lo, hi, slot) = pair_slot(&vote);
            pairs.entry(day).or_default().entry((lo, hi)).or_default()[slot] += 1;
            for (model, t) in [(vote.model_a, vote.tokens_a), (vote.model_b, vote.tokens_b)] {
                let entry = tokens.entry((day, model as i64)).or_default();
                if t == NO_TOKENS {
                    entry[2] += 1;
                } else {
                    entry[0] += 1;
                    entry[1] += t as u64;
                }
            }
        }
    }
    let blobs = pairs
        .into_iter()
        .map(|(day, day_pairs)| {
            (
                day,
                packed::encode(day_pairs.into_iter().map(|((lo, hi), c)| (lo, hi, c))),
            )
        })
        .collect();
    Ok((blobs, tokens.into_iter().collect()))
}

/// The value ids of `dimension` that have checkpoints (some stored vote
/// carries them), ascending.
fn stored_value_ids(conn: &Connection, dimension: Dimension) -> Result<Vec<u32>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT value_id FROM slice_checkpoints WHERE dimension = ?1 ORDER BY value_id",
    )?;
    let ids = stmt
        .query_map([dimension.code()], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// The names of the values of `dimension` that some stored vote carries,
/// sorted: what a query's unknown values are checked against, without
/// counting anything.
pub(crate) fn names(conn: &Connection, dimension: Dimension) -> Result<Vec<String>, StoreError> {
    let value_ids = stored_value_ids(conn, dimension)?;
    let labels: std::collections::BTreeSet<u32> = if dimension == Dimension::Category {
        let present: std::collections::HashSet<u32> = value_ids.into_iter().collect();
        category_sets(conn)?
            .into_iter()
            .filter(|(id, _)| present.contains(id))
            .flat_map(|(_, members)| members)
            .collect()
    } else {
        value_ids.into_iter().collect()
    };
    let mut name = conn.prepare_cached("SELECT name FROM labels WHERE id = ?1")?;
    let mut result = labels
        .into_iter()
        .map(|label| name.query_row([label], |row| row.get::<_, String>(0)))
        .collect::<Result<Vec<_>, _>>()?;
    result.sort();
    Ok(result)
}

/// Every value of `dimension` with its matches over `sources` and
/// `[from, to]` (a vote in two categories counts in both), by name.
pub(crate) fn values(
    conn: &Connection,
    sources: &[i64],
    dimension: Dimension,
    (from, to): (Option<i64>, Option<i64>),
) -> Result<Vec<SliceValue>, StoreError> {
    let value_ids = stored_value_ids(conn, dimension)?;
    let members: HashMap<u32, Vec<u32>> = if dimension == Dimension::Category {
        category_sets(conn)?.into_iter().collect()
    } else {
        value_ids.iter().map(|&id| (id, vec![id])).collect()
    };
    let mut matches: BTreeMap<u32, u64> = BTreeMap::new();
    for &value in &value_ids {
        let mut count = 0i64;
        for &source in sources {
            let key = (source, dimension.code(), value);
            count += matches_through(conn, key, to)?;
            if let Some(from) = from {
                count -= matches_through(conn, key, Some(from.saturating_sub(1)))?;
            }
        }
        for &label in members.get(&value).into_iter().flatten() {
            *matches.entry(label).or_default() += count.max(0) as u64;
        }
    }
    let mut name = conn.prepare_cached("SELECT name FROM labels WHERE id = ?1")?;
    let mut result = Vec::new();
    for (label, count) in matches {
        let label_name: String = name.query_row([label], |row| row.get(0))?;
        result.push(SliceValue {
            name: label_name,
            matches: count,
        });
    }
    result.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(result)
}

/// Voters' reasons per model id of the votes of `sources` in the days
/// `[from, to]` that a slice filter admits: a scan of the votes (the
/// reasons' daily sums are not split by slice).
pub(crate) fn scan_reasons(
    conn: &Connection,
    sources: &[i64],
    ids: &SliceIds,
    (from, to): (i64, i64),
) -> Result<BTreeMap<i64, ReasonCounts>, StoreError> {
    let mut totals: BTreeMap<i64, ReasonCounts> = BTreeMap::new();
    if !crate::reasons::stored(conn)? {
        return Ok(totals);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT source_id, timestamp, model_a, model_b, outcome, tokens_a, tokens_b,
                category_set_id, language_id, country_id, reasons_a, reasons_b
         FROM votes WHERE source_id = ?1 AND timestamp BETWEEN ?2 AND ?3
           AND (reasons_a IS NOT NULL OR reasons_b IS NOT NULL)",
    )?;
    let first = from.saturating_mul(86_400);
    let last = to.saturating_mul(86_400).saturating_add(86_399);
    let mut counts: FastMap<(u32, i64, u32), ReasonCounts> = FastMap::default();
    for &source in sources {
        let mut rows = stmt.query(params![source, first, last])?;
        while let Some(row) = rows.next()? {
            let vote = stored_vote(row)?;
            if !ids.admits(&vote) {
                continue;
            }
            let sides = [
                (vote.model_a, Reasons::from_stored(row.get(10)?)),
                (vote.model_b, Reasons::from_stored(row.get(11)?)),
            ];
            let day = vote.timestamp.div_euclid(86_400);
            crate::reasons::add_vote(&mut counts, (vote.source, day), sides, 1);
        }
    }
    for ((_, _, model), c) in counts {
        let total = totals.entry(i64::from(model)).or_default();
        for (t, v) in total.iter_mut().zip(c) {
            *t = t.saturating_add(v);
        }
    }
    Ok(totals)
}
