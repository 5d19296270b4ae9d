//! Attaching output tokens to votes already in the store (compar:IA publishes
//! token counts in a separate `conversations` dataset, which may arrive after
//! the votes). The per-model token aggregates are corrected in the same
//! transaction, with checked arithmetic, and checked to stay non-negative
//! integers before it commits.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::key::{id_key, stored_key};
use super::{ImportAudit, ImportSummary, Store, StoreError};

/// Output tokens for both sides of the vote with this source id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteTokens {
    pub source_id: String,
    pub tokens_a: Option<u64>,
    pub tokens_b: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct AttachSummary {
    /// Votes whose token counts changed.
    pub votes_updated: u64,
    /// Votes that already had these token counts.
    pub votes_unchanged: u64,
    /// Ids with no vote of that source in the store.
    pub votes_missing: u64,
    pub data_version: u64,
}

/// (answers with tokens, output tokens, answers without tokens) deltas.
type Delta = [i64; 3];

/// The change of one side's aggregates; `None` when a count does not fit
/// the store's integers.
fn side_delta(old: Option<u64>, new: Option<u64>) -> Option<Delta> {
    let count = |t: Option<u64>| match t {
        Some(t) => i64::try_from(t).ok().map(|t| [1, t, 0]),
        None => Some([0, 0, 1]),
    };
    let (o, n) = (count(old)?, count(new)?);
    Some([
        n[0].checked_sub(o[0])?,
        n[1].checked_sub(o[1])?,
        n[2].checked_sub(o[2])?,
    ])
}

impl Store {
    /// Sets the token counts of stored votes of `source`, in one transaction.
    /// A count given as `None` leaves the stored value alone.
    pub fn attach_tokens(
        &mut self,
        source: &str,
        tokens: &[VoteTokens],
        audit: &ImportAudit,
    ) -> Result<AttachSummary, StoreError> {
        let started_at = super::import::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = AttachSummary::default();
        let source_id: Option<i64> = tx
            .query_row("SELECT id FROM sources WHERE name = ?1", [source], |row| {
                row.get(0)
            })
            .optional()?;
        let mut deltas: HashMap<(i64, i64), Delta> = HashMap::new();
        if let Some(source_id) = source_id {
            let mut find = tx.prepare_cached(
                "SELECT timestamp, model_a, model_b, tokens_a, tokens_b FROM votes
                 WHERE source_id = ?1 AND vote_key = ?2",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE votes SET tokens_a = ?3, tokens_b = ?4 WHERE source_id = ?1 AND vote_key = ?2",
            )?;
            for entry in tokens {
                let key = stored_key(source, id_key(&entry.source_id)) as i64;
                let found = find
                    .query_row(params![source_id, key], |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, i64>(1)?,
                            row.get::<_, i64>(2)?,
                            row.get::<_, Option<u64>>(3)?,
                            row.get::<_, Option<u64>>(4)?,
                        ))
                    })
                    .optional()?;
                let Some((timestamp, model_a, model_b, old_a, old_b)) = found else {
                    summary.votes_missing += 1;
                    continue;
                };
                let new_a = entry.tokens_a.or(old_a);
                let new_b = entry.tokens_b.or(old_b);
                if (new_a, new_b) == (old_a, old_b) {
                    summary.votes_unchanged += 1;
                    continue;
                }
                update.execute(params![source_id, key, new_a, new_b])?;
                summary.votes_updated += 1;
                let day = timestamp.div_euclid(86_400);
                for (model, old, new) in [(model_a, old_a, new_a), (model_b, old_b, new_b)] {
                    let too_large = || {
                        StoreError::InvalidVote(format!(
                            "{}: the token counts of vote {:?} do not fit the store's integers",
                            audit.file_name, entry.source_id
                        ))
                    };
                    let delta = side_delta(old, new).ok_or_else(too_large)?;
                    let total = deltas.entry((day, model)).or_default();
                    for (t, d) in total.iter_mut().zip(delta) {
                        *t = t.checked_add(d).ok_or_else(too_large)?;
                    }
                }
            }
            let mut adjust = tx.prepare_cached(
                "UPDATE model_tokens_daily SET
                     sides_with_tokens = sides_with_tokens + ?4,
                     output_tokens = output_tokens + ?5,
                     sides_without_tokens = sides_without_tokens + ?6
                 WHERE source_id = ?1 AND day = ?2 AND model_id = ?3",
            )?;
            for ((day, model), d) in &deltas {
                adjust.execute(params![source_id, day, model, d[0], d[1], d[2]])?;
            }
            let first_day = deltas.keys().map(|&(day, _)| day).min().unwrap_or(0);
            super::import::check_daily_tokens(&tx, source_id as u32, first_day)
                .map_err(super::import::in_file(&audit.file_name))?;
        }
        if summary.votes_updated == 0 {
            summary.data_version = super::read::data_version(&tx)?;
            tx.rollback()?;
            return Ok(summary);
        }
        // The audit row of a token import: no vote inserted or skipped.
        let version = super::import::finish(
            &tx,
            audit,
            Some(source),
            None,
            tokens.len() as u64,
            &ImportSummary::default(),
            started_at,
        )?;
        tx.commit()?;
        summary.data_version = version;
        Ok(summary)
    }
}
