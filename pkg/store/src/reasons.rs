//! Voters' reasons: the qualifiers a compar:IA voter ticks for each answer
//! (useful, creative, clear formatting, complete; incorrect, superficial,
//! instructions not followed), kept per vote side and summed per model.
//!
//! # What is kept
//! A side of a vote carries a [`Reasons`]: one bit per qualifier and a bit
//! saying the side was judged at all (its row had at least one qualifier
//! column with a value). The `votes` table keeps it per side
//! (`reasons_a`, `reasons_b`, NULL when not judged), and every import adds
//! the sides it inserts to `model_reasons_daily`: per (source, day, model),
//! the judged sides and the count of each qualifier. Reads of a time range
//! sum those rows; a read with a slice filter scans the votes of the range
//! instead (the daily rows are not split by slice).
//!
//! A compar:IA vote judges both answers; a reaction judges the one answer it
//! refers to. Chatbot Arena battles and CSV files carry no qualifiers.
//!
//! # The positive-reasons ratio
//! compar:IA's model file publishes, per model, the count of each qualifier,
//! their total `total_prefs`, and `positive_prefs_ratio`: the positive
//! qualifiers' share of all qualifiers ticked,
//! `(useful + creative + clear_formatting + complete) / total_prefs`.
//! [`positive_ratio`] computes the same; it is null when no qualifier was
//! ticked.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use crate::fast_hash::FastMap;
use crate::StoreError;

/// One qualifier: its name (the suffix of compar:IA's `conv_<name>_a` vote
/// columns, and the reaction column) and whether it praises the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub name: &'static str,
    pub positive: bool,
}

/// The qualifiers, in the order of their bits and of the store's columns.
pub const REASONS: [Reason; 7] = [
    Reason {
        name: "useful",
        positive: true,
    },
    Reason {
        name: "creative",
        positive: true,
    },
    Reason {
        name: "clear_formatting",
        positive: true,
    },
    Reason {
        name: "complete",
        positive: true,
    },
    Reason {
        name: "incorrect",
        positive: false,
    },
    Reason {
        name: "superficial",
        positive: false,
    },
    Reason {
        name: "instructions_not_followed",
        positive: false,
    },
];

const JUDGED: u8 = 0x80;

/// The qualifiers of one answer; the default is "not judged".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Reasons(u8);

impl Reasons {
    /// Not judged: the row had no qualifier for this side.
    pub const NONE: Reasons = Reasons(0);

    /// From one value per qualifier of [`REASONS`] (`None`: column absent or
    /// null). Judged when any value is present.
    pub fn from_marks(marks: [Option<bool>; 7]) -> Reasons {
        if marks.iter().all(Option::is_none) {
            return Reasons::NONE;
        }
        let bits = marks
            .iter()
            .enumerate()
            .filter(|(_, m)| **m == Some(true))
            .fold(JUDGED, |bits, (i, _)| bits | (1 << i));
        Reasons(bits)
    }
    pub fn is_judged(self) -> bool {
        self.0 & JUDGED != 0
    }
    /// Whether qualifier `index` of [`REASONS`] was ticked.
    pub fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
    /// The qualifier bits as stored (NULL when not judged).
    pub(crate) fn stored(self) -> Option<u8> {
        self.is_judged().then_some(self.0 & !JUDGED)
    }
    pub(crate) fn from_stored(value: Option<u8>) -> Reasons {
        value.map_or(Reasons::NONE, |bits| Reasons((bits & !JUDGED) | JUDGED))
    }
}

/// Judged sides, then one count per qualifier of [`REASONS`].
pub(crate) type ReasonCounts = [u64; 8];

/// A model's qualifiers over a filter.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ModelReasons {
    pub model: String,
    /// Votes (and reactions) in which this model's answer was judged.
    pub judged: u64,
    /// How often each qualifier of [`REASONS`] was ticked for it.
    pub counts: [u64; 7],
}

impl ModelReasons {
    /// All qualifiers ticked (compar:IA's `total_prefs`).
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The positive qualifiers' share of all qualifiers ticked (compar:IA's
/// `positive_prefs_ratio`); `None` when none was ticked.
pub fn positive_ratio(counts: &[u64; 7]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    let positive: u64 = REASONS
        .iter()
        .zip(counts)
        .filter(|(r, _)| r.positive)
        .map(|(_, c)| c)
        .sum();
    (total > 0).then(|| positive as f64 / total as f64)
}

/// Adds (`sign` 1) or removes (`sign` -1) the judged sides of one vote
/// (its source, its day, and each side's model and reasons) to
/// per-(source, day, model) counts.
pub(crate) fn add_vote(
    into: &mut FastMap<(u32, i64, u32), ReasonCounts>,
    (source, day): (u32, i64),
    sides: [(u32, Reasons); 2],
    sign: i64,
) {
    for (model, reasons) in sides {
        if !reasons.is_judged() {
            continue;
        }
        let counts = into.entry((source, day, model)).or_default();
        let step = |c: &mut u64| {
            *c = if sign > 0 {
                c.saturating_add(1)
            } else {
                c.saturating_sub(1)
            }
        };
        step(&mut counts[0]);
        for (i, count) in counts[1..].iter_mut().enumerate() {
            if reasons.has(i) {
                step(count);
            }
        }
    }
}

/// Adds an import's per-day counts to `model_reasons_daily`.
pub(crate) fn write_daily(
    tx: &Transaction<'_>,
    counts: FastMap<(u32, i64, u32), ReasonCounts>,
) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO model_reasons_daily (source_id, day, model_id, judged, useful, creative,
             clear_formatting, complete, incorrect, superficial, instructions_not_followed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (source_id, day, model_id) DO UPDATE SET
             judged = judged + excluded.judged, useful = useful + excluded.useful,
             creative = creative + excluded.creative,
             clear_formatting = clear_formatting + excluded.clear_formatting,
             complete = complete + excluded.complete, incorrect = incorrect + excluded.incorrect,
             superficial = superficial + excluded.superficial,
             instructions_not_followed = instructions_not_followed + excluded.instructions_not_followed",
    )?;
    for ((source, day, model), c) in counts {
        if c[0] == 0 {
            continue;
        }
        let c: Vec<i64> = c.iter().map(|&v| v.min(i64::MAX as u64) as i64).collect();
        upsert.execute(params![
            source, day, model, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
        ])?;
    }
    Ok(())
}

/// Whether the store has reasons at all (a read-only open of a store older
/// than schema 4 has none).
pub(crate) fn stored(conn: &Connection) -> Result<bool, StoreError> {
    let tables: u32 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE name = 'model_reasons_daily'",
        [],
        |row| row.get(0),
    )?;
    Ok(tables > 0)
}

/// Per model id, summed counts of the sources and days of a read.
pub(crate) fn sum_daily(
    conn: &Connection,
    sources: &[i64],
    (from, to): (i64, i64),
) -> Result<BTreeMap<i64, ReasonCounts>, StoreError> {
    if !stored(conn)? {
        return Ok(BTreeMap::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT model_id, sum(judged), sum(useful), sum(creative), sum(clear_formatting),
                sum(complete), sum(incorrect), sum(superficial), sum(instructions_not_followed)
         FROM model_reasons_daily WHERE source_id = ?1 AND day BETWEEN ?2 AND ?3
         GROUP BY model_id",
    )?;
    let mut totals: BTreeMap<i64, ReasonCounts> = BTreeMap::new();
    for &source in sources {
        let mut rows = stmt.query(params![source, from, to])?;
        while let Some(row) = rows.next()? {
            let total = totals.entry(row.get(0)?).or_default();
            for (i, t) in total.iter_mut().enumerate() {
                let value: i64 = row.get(1 + i)?;
                let value = u64::try_from(value).map_err(|_| {
                    StoreError::Corrupt(format!("a stored reason count is negative ({value})"))
                })?;
                *t = t.saturating_add(value);
            }
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_side_is_judged_when_any_qualifier_has_a_value() {
        assert_eq!(Reasons::from_marks([None; 7]), Reasons::NONE);
        let none_ticked = Reasons::from_marks([Some(false); 7]);
        assert!(none_ticked.is_judged());
        assert!((0..7).all(|i| !none_ticked.has(i)));
        let mut marks = [None; 7];
        marks[2] = Some(true);
        marks[6] = Some(true);
        let r = Reasons::from_marks(marks);
        assert!(r.is_judged() && r.has(2) && r.has(6) && !r.has(0));
        assert_eq!(Reasons::from_stored(r.stored()), r);
        assert_eq!(Reasons::from_stored(none_ticked.stored()), none_ticked);
        assert_eq!(Reasons::from_stored(None), Reasons::NONE);
    }

    #[test]
    fn the_positive_ratio_is_the_positive_share_of_all_ticks() {
        // Apertus 70B in compar:IA's Feb-2026 model file.
        let counts = [252, 46, 155, 174, 132, 183, 78];
        let ratio = positive_ratio(&counts).unwrap();
        assert!((ratio - 0.6147058823529412).abs() < 1e-15, "{ratio}");
        assert_eq!(positive_ratio(&[0; 7]), None);
    }
}
