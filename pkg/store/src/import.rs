//! Writing imports: votes and pre-aggregated pair counts, each import in one
//! `BEGIN IMMEDIATE` transaction that also updates the daily and cumulative
//! aggregates, the source counters, the data version and the audit trail.
//!
//! An import that adds nothing (every vote already stored, or the same
//! pair-count file for the same day again) rolls back: the store is left
//! byte-for-byte as it was, with no audit row and no new data version.
//!
//! Counts are added with checked arithmetic and never pass [`MAX_COUNT`]
//! (2^63 − 1, SQLite's integer; beyond it SQLite would turn a sum into a
//! float). The store-wide total of the sources' `matches` counters bounds
//! every pair count and every sum of them a query makes, so it is checked
//! against the limit before anything is written, and the invariants a reader relies on (pairs ordered `lo < hi`, integer
//! counts and token sums) are checked inside the transaction, before the
//! commit: an import that would break them fails and leaves the store as it
//! was.

use std::collections::HashMap;

use super::fast_hash::FastMap;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::aggregates::{
    add_daily_pairs, add_daily_tokens, rebuild_cumulative, Counts, TokenCounts,
};
use super::buffer::{VoteBuffer, NO_LABEL, NO_TOKENS};
use super::key::{repeat_key, stored_key};
use super::outcome_codes::outcome_code;
use super::reasons::ReasonCounts;
use super::slices::{pair_slot, SliceAggregates};
use super::{BufferedVote, ImportAudit, ImportSummary, PairCountBatch, Store, StoreError};

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(super) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(super) fn import_buffer(
    store: &mut Store,
    mut buffer: VoteBuffer,
    audit: &ImportAudit,
) -> Result<ImportSummary, StoreError> {
    let started_at = now();
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    remap_to_store_ids(&tx, &mut buffer)?;
    number_repeated_votes(&mut buffer);

    // The aggregates are summed on other threads while this one inserts,
    // assuming every vote is new; the votes found to be duplicates are
    // subtracted afterwards from the overall counts, and the slices are
    // summed again without them (usually there are none).
    let votes = &buffer.votes;
    let (inserted, aggregates, slices) = std::thread::scope(|scope| {
        let summing = scope.spawn(move || {
            let mut aggregates = Aggregates::default();
            for vote in votes {
                aggregates.add(vote, 1)?;
            }
            Ok::<_, StoreError>(aggregates)
        });
        let slicing = scope.spawn(move || SliceAggregates::sum(votes, &|_| false));
        let inserted = insert_votes(&tx, votes, &buffer.markdown);
        (inserted, summing.join(), slicing.join())
    });
    let (mut summary, duplicates) = inserted?;
    let joined = |what: &str| StoreError::Corrupt(format!("summing the import's {what} failed"));
    let mut aggregates = aggregates
        .map_err(|_| joined("votes"))?
        .map_err(in_file(&audit.file_name))?;
    let mut slices = slices.map_err(|_| joined("slices"))?;
    for &index in &duplicates {
        aggregates
            .add(&votes[index], -1)
            .map_err(in_file(&audit.file_name))?;
    }
    if !duplicates.is_empty() {
        let mut skipped = vec![false; votes.len()];
        for &index in &duplicates {
            skipped[index] = true;
        }
        slices = SliceAggregates::sum(votes, &|i| skipped[i]);
    }
    let Aggregates {
        pairs,
        tokens,
        reasons,
        per_source,
    } = aggregates;
    if summary.votes_inserted == 0 {
        summary.data_version = super::read::data_version(&tx)?;
        tx.rollback()?;
        return Ok(summary);
    }
    let mut written = Vec::new();
    for (&source, &inserted) in &per_source {
        if inserted > 0 {
            add_to_source_counters(&tx, source, inserted, inserted, &audit.file_name)?;
            written.push(tx.query_row(
                "SELECT name FROM sources WHERE id = ?1",
                [source],
                |row| row.get::<_, String>(0),
            )?);
        }
    }
    written.sort();
    let written = written.join(", ");
    let first_days = add_daily_pairs(&tx, pairs)?;
    add_daily_tokens(&tx, tokens)?;
    super::reasons::write_daily(&tx, reasons)?;
    super::slices::write(&tx, slices).map_err(in_file(&audit.file_name))?;
    for (&source, &first_day) in &first_days {
        rebuild_cumulative(&tx, source as i64, first_day).map_err(in_file(&audit.file_name))?;
        check_daily_tokens(&tx, source, first_day).map_err(in_file(&audit.file_name))?;
    }
    let rows_accepted = buffer.votes.len() as u64;
    summary.data_version = finish(
        &tx,
        audit,
        Some(written.as_str()),
        None,
        rows_accepted,
        &summary,
        started_at,
    )?;
    tx.commit()?;
    store.fold_wal();
    Ok(summary)
}

/// Per-day pair counts, per-day model tokens and vote counts per source
/// (the slices are summed apart, by [`SliceAggregates::sum`]).
#[derive(Default)]
struct Aggregates {
    pairs: FastMap<(u32, i64, u32, u32), Counts>,
    tokens: FastMap<(u32, i64, u32), TokenCounts>,
    /// Voters' reasons per (source, day, model), for judged sides only.
    reasons: FastMap<(u32, i64, u32), ReasonCounts>,
    per_source: FastMap<u32, u64>,
}

impl Aggregates {
    /// Adds (`sign` 1) or removes (`sign` -1) one vote's contribution.
    fn add(&mut self, vote: &BufferedVote, sign: i64) -> Result<(), StoreError> {
        let apply = |value: &mut u64, delta: u64| -> Result<(), StoreError> {
            let changed = if sign > 0 {
                value.checked_add(delta)
            } else {
                value.checked_sub(delta)
            };
            *value = changed.ok_or_else(|| {
                StoreError::InvalidVote(format!(
                    "the import's counts for day {} overflow",
                    vote.timestamp.div_euclid(86_400)
                ))
            })?;
            Ok(())
        };
        apply(self.per_source.entry(vote.source).or_default(), 1)?;
        let day = vote.timestamp.div_euclid(86_400);
        let (lo, hi, slot) = pair_slot(vote);
        let counts = self.pairs.entry((vote.source, day, lo, hi)).or_default();
        apply(&mut counts[slot], 1)?;
        for (model, side_tokens) in [(vote.model_a, vote.tokens_a), (vote.model_b, vote.tokens_b)] {
            let entry = self.tokens.entry((vote.source, day, model)).or_default();
            if side_tokens == NO_TOKENS {
                apply(&mut entry[2], 1)?;
            } else {
                apply(&mut entry[0], 1)?;
                apply(&mut entry[1], side_tokens as u64)?;
            }
        }
        if vote.reasons_a.is_judged() || vote.reasons_b.is_judged() {
            let sides = [
                (vote.model_a, vote.reasons_a),
                (vote.model_b, vote.reasons_b),
            ];
            super::reasons::add_vote(&mut self.reasons, (vote.source, day), sides, sign);
        }
        Ok(())
    }
}

/// Prefixes an invalid-data error with the file the import came from, so
/// every refusal names its input.
pub(super) fn in_file(file: &str) -> impl Fn(StoreError) -> StoreError + '_ {
    move |error| match error {
        StoreError::InvalidVote(reason) => StoreError::InvalidVote(format!("{file}: {reason}")),
        other => other,
    }
}

/// The largest count the store holds: SQLite's integer (a larger sum would
/// become a float).
pub(super) const MAX_COUNT: u64 = i64::MAX as u64;

/// Adds to a source's `matches` and `vote_rows` counters, refusing (before
/// writing) a store-wide total of matches past [`MAX_COUNT`]. Every pair
/// count, and every sum of them over sources that a query makes, is at most
/// that total, so this bounds them all. `file` names the import in the
/// message.
pub(super) fn add_to_source_counters(
    tx: &Transaction<'_>,
    source: u32,
    matches: u64,
    vote_rows: u64,
    file: &str,
) -> Result<(), StoreError> {
    let unreadable = |e: rusqlite::Error| {
        StoreError::Corrupt(format!("the sources' match counters are unreadable: {e}"))
    };
    let mut counters = tx.prepare_cached("SELECT id, name, matches, vote_rows FROM sources")?;
    let mut rows = counters.query([])?;
    let (mut stored_total, mut name, mut stored_rows) = (0u64, String::new(), 0u64);
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0).map_err(unreadable)?;
        let matches_here: i64 = row.get(2).map_err(unreadable)?;
        stored_total = u64::try_from(matches_here)
            .ok()
            .and_then(|m| stored_total.checked_add(m))
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "the sources' match counters add up to more than {MAX_COUNT}"
                ))
            })?;
        if id == i64::from(source) {
            name = row.get(1).map_err(unreadable)?;
            stored_rows =
                u64::try_from(row.get::<_, i64>(3).map_err(unreadable)?).unwrap_or(u64::MAX);
        }
    }
    let over = |stored: u64, added: u64, what: &str| {
        StoreError::InvalidVote(format!(
            "{file}: the store holds {stored} {what}; adding {added} for source {name:?} would pass the store's limit of {MAX_COUNT}"
        ))
    };
    stored_total
        .checked_add(matches)
        .filter(|&total| total <= MAX_COUNT)
        .ok_or_else(|| over(stored_total, matches, "matches"))?;
    stored_rows
        .checked_add(vote_rows)
        .filter(|&total| total <= MAX_COUNT)
        .ok_or_else(|| over(stored_rows, vote_rows, "individual votes"))?;
    tx.execute(
        "UPDATE sources SET matches = matches + ?2, vote_rows = vote_rows + ?3 WHERE id = ?1",
        params![source, matches as i64, vote_rows as i64],
    )?;
    Ok(())
}

/// Checks that the per-day token sums of `source` from `from_day` on are
/// still non-negative integers (SQLite turns an overflowing sum into a
/// float), before the import commits.
pub(super) fn check_daily_tokens(
    tx: &Transaction<'_>,
    source: u32,
    from_day: i64,
) -> Result<(), StoreError> {
    let broken: Option<(i64, String)> = tx
        .query_row(
            "SELECT t.day, m.name FROM model_tokens_daily t JOIN models m ON m.id = t.model_id
             WHERE t.source_id = ?1 AND t.day >= ?2
               AND (typeof(t.sides_with_tokens) <> 'integer' OR typeof(t.output_tokens) <> 'integer'
                    OR typeof(t.sides_without_tokens) <> 'integer' OR t.sides_with_tokens < 0
                    OR t.output_tokens < 0 OR t.sides_without_tokens < 0)
             LIMIT 1",
            params![source, from_day],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match broken {
        None => Ok(()),
        Some((day, model)) => Err(StoreError::InvalidVote(format!(
            "the output tokens of model {model:?} on day {day} would leave the range 0 to {MAX_COUNT}"
        ))),
    }
}

/// Inserts the sorted votes; returns the summary and the indices of the votes
/// that were not inserted (repeated in the buffer, or already stored).
fn insert_votes(
    tx: &Transaction<'_>,
    votes: &[BufferedVote],
    markdown: &[super::markdown::Markdown],
) -> Result<(ImportSummary, Vec<usize>), StoreError> {
    let mut summary = ImportSummary::default();
    let mut duplicates = Vec::new();
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO votes (source_id, vote_key, timestamp, model_a, model_b,
             outcome, tokens_a, tokens_b, category_set_id, language_id, country_id,
             reasons_a, reasons_b, headers_a, headers_b, bold_a, bold_b, lists_a, lists_b)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                 ?14, ?15, ?16, ?17, ?18, ?19)",
    )?;
    let optional = |value: u32, none: u32| (value != none).then_some(value);
    let mut previous: Option<u64> = None;
    for (index, vote) in votes.iter().enumerate() {
        if previous == Some(vote.key) {
            summary.votes_duplicate += 1;
            duplicates.push(index);
            continue;
        }
        previous = Some(vote.key);
        // Raw binding: this loop runs once per vote (10M in the benchmark).
        insert.raw_bind_parameter(1, vote.source)?;
        insert.raw_bind_parameter(2, vote.key as i64)?;
        insert.raw_bind_parameter(3, vote.timestamp)?;
        insert.raw_bind_parameter(4, vote.model_a)?;
        insert.raw_bind_parameter(5, vote.model_b)?;
        insert.raw_bind_parameter(6, outcome_code(vote.outcome))?;
        insert.raw_bind_parameter(7, optional(vote.tokens_a, NO_TOKENS))?;
        insert.raw_bind_parameter(8, optional(vote.tokens_b, NO_TOKENS))?;
        insert.raw_bind_parameter(9, optional(vote.category, NO_LABEL))?;
        insert.raw_bind_parameter(10, optional(vote.language, NO_LABEL))?;
        insert.raw_bind_parameter(11, optional(vote.country, NO_LABEL))?;
        insert.raw_bind_parameter(12, vote.reasons_a.stored())?;
        insert.raw_bind_parameter(13, vote.reasons_b.stored())?;
        let counts = if vote.markdown == NO_LABEL {
            [None; 6]
        } else {
            markdown[vote.markdown as usize].columns()
        };
        for (i, count) in counts.into_iter().enumerate() {
            insert.raw_bind_parameter(14 + i, count)?;
        }
        if insert.raw_execute()? == 0 {
            summary.votes_duplicate += 1;
            duplicates.push(index);
        } else {
            summary.votes_inserted += 1;
        }
    }
    Ok((summary, duplicates))
}

/// Replaces the buffer's local ids by the store's ids, creating missing rows.
fn remap_to_store_ids(tx: &Transaction<'_>, buffer: &mut VoteBuffer) -> Result<(), StoreError> {
    let sources = ensure_names(tx, "sources", &buffer.sources.names)?;
    let models = ensure_names(tx, "models", &buffer.models.names)?;
    let labels = ensure_names(tx, "labels", &buffer.labels.names)?;
    let category_sets = ensure_category_sets(tx, &buffer.category_sets.sets, &labels)?;
    for vote in &mut buffer.votes {
        vote.key = stored_key(&buffer.sources.names[vote.source as usize], vote.key);
        vote.source = sources[vote.source as usize];
        vote.model_a = models[vote.model_a as usize];
        vote.model_b = models[vote.model_b as usize];
        if vote.category != NO_LABEL {
            vote.category = category_sets[vote.category as usize];
        }
        if vote.language != NO_LABEL {
            vote.language = labels[vote.language as usize];
        }
        if vote.country != NO_LABEL {
            vote.country = labels[vote.country as usize];
        }
    }
    let mut alias =
        tx.prepare_cached("INSERT OR IGNORE INTO aliases (alias, model_id) VALUES (?1, ?2)")?;
    for (name, model) in &buffer.aliases {
        alias.execute(params![name, models[*model as usize]])?;
    }
    Ok(())
}

/// The store ids of the buffer's category sets (given as local label ids),
/// inserting the missing ones. A set is stored as its sorted store label ids.
pub(super) fn ensure_category_sets(
    tx: &Transaction<'_>,
    sets: &[Vec<u32>],
    labels: &[u32],
) -> Result<Vec<u32>, StoreError> {
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO category_sets (labels) VALUES (?1)")?;
    let mut select = tx.prepare_cached("SELECT id FROM category_sets WHERE labels = ?1")?;
    sets.iter()
        .map(|set| {
            let mut ids: Vec<u32> = set.iter().map(|&local| labels[local as usize]).collect();
            ids.sort_unstable();
            ids.dedup();
            let key = ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            insert.execute([&key])?;
            Ok(select.query_row([&key], |row| row.get(0))?)
        })
        .collect()
}

/// The store ids of `names` in `table` (sources, models or labels), inserting
/// the missing ones.
pub(super) fn ensure_names(
    tx: &Transaction<'_>,
    table: &str,
    names: &[String],
) -> Result<Vec<u32>, StoreError> {
    let mut insert =
        tx.prepare_cached(&format!("INSERT OR IGNORE INTO {table} (name) VALUES (?1)"))?;
    let mut select = tx.prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?;
    names
        .iter()
        .map(|name| {
            insert.execute([name])?;
            let id: i64 = select.query_row([name], |row| row.get(0))?;
            Ok(id as u32)
        })
        .collect()
}

/// Sorts votes by stored key and gives the k-th repeat of a vote without
/// source id its own key, so identical votes in one file all count.
fn number_repeated_votes(buffer: &mut VoteBuffer) {
    let order = |v: &super::BufferedVote| v.key;
    buffer.votes.sort_unstable_by_key(order);
    let mut renumbered = false;
    let mut run_start = 0;
    for i in 1..=buffer.votes.len() {
        let run_ends =
            i == buffer.votes.len() || order(&buffer.votes[i]) != order(&buffer.votes[run_start]);
        if !run_ends {
            continue;
        }
        if i - run_start > 1 {
            for (occurrence, vote) in buffer.votes[run_start..i].iter_mut().enumerate() {
                if vote.derived && occurrence > 0 {
                    vote.key = repeat_key(vote.key, occurrence as u64);
                    renumbered = true;
                }
            }
        }
        run_start = i;
    }
    if renumbered {
        buffer.votes.sort_unstable_by_key(order);
    }
}

/// Moves the data version on (every write that changes query results does,
/// in its own transaction, so caches keyed by it are invalidated); returns
/// the new version.
pub(super) fn bump_data_version(tx: &Transaction<'_>) -> Result<u64, StoreError> {
    Ok(tx.query_row(
        "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value",
        [],
        |row| row.get(0),
    )?)
}

/// Bumps the data version and writes the audit row; returns the new version.
pub(super) fn finish(
    tx: &Transaction<'_>,
    audit: &ImportAudit,
    source: Option<&str>,
    day: Option<i64>,
    rows_accepted: u64,
    summary: &ImportSummary,
    started_at: i64,
) -> Result<u64, StoreError> {
    let version = bump_data_version(tx)?;
    tx.execute(
        "INSERT INTO imports (file_name, sha256, format, source, day, rows_accepted, rows_rejected,
             votes_inserted, votes_duplicate, started_at, finished_at, data_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            audit.file_name,
            audit.sha256,
            audit.format,
            source,
            day,
            rows_accepted,
            audit.rows_rejected,
            summary.votes_inserted,
            summary.votes_duplicate,
            started_at,
            now(),
            version,
        ],
    )?;
    Ok(version)
}

pub(super) fn import_pair_counts(
    store: &mut Store,
    batch: &PairCountBatch,
    audit: &ImportAudit,
) -> Result<ImportSummary, StoreError> {
    let started_at = now();
    let table = &batch.table;
    let file = &audit.file_name;
    let mut seen = HashMap::with_capacity(table.models.len());
    for (k, name) in table.models.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), k) {
            return Err(StoreError::InvalidVote(format!(
                "{file}: models[{k}] and models[{first}] are the same model {name:?}"
            )));
        }
    }
    let mut matches = 0u64;
    for (k, pair) in table.pairs.iter().enumerate() {
        if pair.lo >= pair.hi || pair.hi >= table.models.len() {
            return Err(StoreError::InvalidVote(format!(
                "{file}: pair {k} ({}, {}) is out of range for {} models or not ordered lo < hi",
                pair.lo,
                pair.hi,
                table.models.len()
            )));
        }
        matches = [pair.wins_lo, pair.wins_hi, pair.ties, pair.ties_both_bad]
            .into_iter()
            .try_fold(matches, u64::checked_add)
            .filter(|&total| total <= MAX_COUNT)
            .ok_or_else(|| {
                StoreError::InvalidVote(format!(
                    "{file}: the counts up to pair {k} ({:?} vs {:?}) add up to more than the store's limit of {MAX_COUNT}",
                    table.models[pair.lo], table.models[pair.hi]
                ))
            })?;
    }
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let already: Option<i64> = tx
        .query_row(
            "SELECT id FROM imports WHERE sha256 = ?1 AND format = ?2 AND source = ?3 AND day = ?4",
            params![audit.sha256, audit.format, batch.source, batch.day],
            |row| row.get(0),
        )
        .optional()?;
    if already.is_some() || matches == 0 {
        let summary = ImportSummary {
            votes_inserted: 0,
            votes_duplicate: matches,
            data_version: super::read::data_version(&tx)?,
        };
        tx.rollback()?;
        return Ok(summary);
    }
    let source = ensure_names(&tx, "sources", std::slice::from_ref(&batch.source))?[0];
    let models = ensure_names(&tx, "models", &table.models)?;
    let mut pairs: FastMap<(u32, i64, u32, u32), Counts> = FastMap::default();
    for pair in &table.pairs {
        let (a, b) = (models[pair.lo], models[pair.hi]);
        let (lo, hi, counts) = if a < b {
            (
                a,
                b,
                [pair.wins_lo, pair.wins_hi, pair.ties, pair.ties_both_bad],
            )
        } else {
            (
                b,
                a,
                [pair.wins_hi, pair.wins_lo, pair.ties, pair.ties_both_bad],
            )
        };
        // Names are distinct (checked above), so each pair comes once.
        pairs.insert((source, batch.day, lo, hi), counts);
    }
    add_to_source_counters(&tx, source, matches, 0, file)?;
    add_daily_pairs(&tx, pairs)?;
    rebuild_cumulative(&tx, source as i64, batch.day).map_err(in_file(file))?;
    let summary = ImportSummary {
        votes_inserted: matches,
        votes_duplicate: 0,
        data_version: 0,
    };
    let version = finish(
        &tx,
        audit,
        Some(&batch.source),
        Some(batch.day),
        table.pairs.len() as u64,
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

impl Store {
    /// Copies the write-ahead log back into the main file and truncates it, when
    /// no reader holds an old snapshot (otherwise SQLite does it later).
    pub(super) fn fold_wal(&self) {
        let _ = self.conn.busy_timeout(std::time::Duration::from_millis(50));
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        let _ = self.conn.busy_timeout(std::time::Duration::from_secs(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arenawatt_core::rating::{PairCount, PairTable};

    fn batch(models: &[&str], wins_lo: u64, day: i64) -> PairCountBatch {
        PairCountBatch {
            source: "s".into(),
            day,
            table: PairTable {
                models: models.iter().map(|m| m.to_string()).collect(),
                pairs: vec![PairCount {
                    lo: 0,
                    hi: 1,
                    wins_lo,
                    wins_hi: 1,
                    ties: 0,
                    ties_both_bad: 0,
                }],
            },
        }
    }

    fn audit(name: &str) -> ImportAudit {
        ImportAudit {
            file_name: name.into(),
            sha256: name.into(),
            format: "pair-counts".into(),
            rows_rejected: 0,
        }
    }

    #[test]
    fn a_table_naming_one_model_twice_is_refused_before_writing() {
        let mut store = Store::open_in_memory().unwrap();
        let error = store
            .import_pair_counts(&batch(&["a", "a"], 3, 20_000), &audit("twice.json"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid vote: twice.json: models[1] and models[0] are the same model \"a\""
        );
        assert_eq!(store.data_version().unwrap(), 0);
    }

    #[test]
    fn counters_that_would_pass_2_pow_63_are_refused_and_the_store_stays_readable() {
        let mut store = Store::open_in_memory().unwrap();
        let five = 5_000_000_000_000_000_000;
        store
            .import_pair_counts(&batch(&["a", "b"], five, 20_000), &audit("one.json"))
            .unwrap();
        let before = store.stats().unwrap();
        let error = store
            .import_pair_counts(&batch(&["a", "b"], five, 20_001), &audit("two.json"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("invalid vote: two.json: the store holds {} matches; adding {} for source \"s\" would pass the store's limit of {MAX_COUNT}", five + 1, five + 1)
        );
        assert_eq!(store.stats().unwrap(), before);
        let overflowing = store
            .import_pair_counts(&batch(&["a", "b"], u64::MAX, 20_002), &audit("max.json"))
            .unwrap_err();
        assert!(
            overflowing
                .to_string()
                .starts_with("invalid vote: max.json: the counts up to pair 0"),
            "{overflowing}"
        );
        assert_eq!(store.stats().unwrap(), before);
    }
}
