//! `trend`: each model's Bradley–Terry score over time.
//!
//! The store's daily pair counts are read once; the engine then walks the
//! steps, adding the days that enter the window (and, for a rolling window,
//! subtracting those that leave it), and refits at each step warm-started from
//! the previous step's strengths. Consecutive fits differ by a day of votes, so
//! Newton's method needs one or two iterations: 180 daily steps cost little
//! more than a few full fits.

use std::collections::HashMap;

use arenawatt_core::catalog::Catalog;
use arenawatt_core::rating::{self, CiMethod, PairCount, PairTable};
use arenawatt_store::DailyCounts;

use super::daily::pairs_between;
use super::filters;
use super::limits;
use super::resolve::{canonical_model, describe_counts, ResolvedQuery};
use super::time::MS_PER_DAY;
use super::{QueryError, QueryResult, TrendRow, Window};

/// Running pair counts over a window of days, in a dense cell per pair of
/// daily model indices (no hashing in the per-day loop).
pub struct RunningTable {
    models: usize,
    /// `lo * models + hi` → cell, or `u32::MAX`.
    cell_of: Vec<u32>,
    cells: Vec<[u64; 4]>,
    keys: Vec<(usize, usize)>,
    /// Cells in (lo, hi) order, refreshed when a cell is added.
    order: Vec<usize>,
    /// Scratch: daily model index → compact index of the current step.
    compact: Vec<usize>,
}

impl RunningTable {
    pub fn new(models: usize) -> RunningTable {
        RunningTable {
            models,
            cell_of: vec![u32::MAX; models * models],
            cells: Vec::new(),
            keys: Vec::new(),
            order: Vec::new(),
            compact: vec![usize::MAX; models],
        }
    }

    pub fn add(&mut self, p: &PairCount, sign: i8) {
        let slot = p.lo * self.models + p.hi;
        let Some(&cell) = self.cell_of.get(slot) else {
            return;
        };
        let cell = if cell == u32::MAX {
            self.cell_of[slot] = self.cells.len() as u32;
            self.cells.push([0; 4]);
            self.keys.push((p.lo, p.hi));
            self.cells.len() - 1
        } else {
            cell as usize
        };
        let counts = [p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad];
        for (c, n) in self.cells[cell].iter_mut().zip(counts) {
            *c = if sign > 0 {
                *c + n
            } else {
                c.saturating_sub(n)
            };
        }
    }

    /// The compact table of the models with votes in the window. Compact
    /// numbers keep the daily order, so the pairs come out sorted by (lo, hi)
    /// as the rating engine wants them.
    pub fn table(&mut self, names: &[String]) -> PairTable {
        if self.order.len() != self.cells.len() {
            self.order = (0..self.cells.len()).collect();
            let keys = &self.keys;
            self.order.sort_unstable_by_key(|&cell| keys[cell]);
        }
        let mut present = vec![false; self.models];
        for &cell in &self.order {
            if self.cells[cell].iter().any(|&n| n > 0) {
                let (lo, hi) = self.keys[cell];
                present[lo] = true;
                present[hi] = true;
            }
        }
        let mut models = Vec::new();
        for (i, &here) in present.iter().enumerate() {
            self.compact[i] = if here {
                models.push(names[i].clone());
                models.len() - 1
            } else {
                usize::MAX
            };
        }
        let mut pairs = Vec::with_capacity(self.cells.len());
        for &cell in &self.order {
            let c = &self.cells[cell];
            if c.iter().all(|&n| n == 0) {
                continue;
            }
            let (lo, hi) = self.keys[cell];
            pairs.push(PairCount {
                lo: self.compact[lo],
                hi: self.compact[hi],
                wins_lo: c[0],
                wins_hi: c[1],
                ties: c[2],
                ties_both_bad: c[3],
            });
        }
        PairTable { models, pairs }
    }
}

pub fn trend(
    daily: &DailyCounts,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let rolling = query.time.window == Window::Rolling;
    let window_days = query.time.window_days as i64;
    let step = query.time.step_days.max(1) as i64;
    let read_from = match (rolling, query.counts.from_day) {
        (true, Some(from)) => Some(from - window_days + 1),
        _ => None,
    };
    let pairs = pairs_between(daily, read_from, query.counts.to_day);
    let mut notices = Vec::new();
    let Some((first, last)) = step_range(&pairs, query, step) else {
        notices.push(format!("no votes for {}", describe_counts(query)));
        return Ok(empty(query, notices));
    };

    let mut options = query.rating.options();
    if !query.time.include_ci {
        options.ci = CiMethod::None;
    }
    let bootstrap_rounds = (options.ci == CiMethod::Bootstrap).then_some(options.rounds);
    limits::check_trend_steps(
        "trend",
        limits::step_count(first, last, step),
        query.time.step_days.max(1),
        bootstrap_rounds,
    )?;
    // Each step starts from the previous step's optimum, one day of votes
    // away: Newton's method then lands within 1e-6 (natural-log units, under
    // a thousandth of a BT point) in two iterations, where 1e-10 takes three.
    options.tolerance = options.tolerance.max(1e-6);

    // Per daily model: its row id and whether the catalog filters keep it.
    let index_of: HashMap<&str, usize> = daily
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let canonical: Vec<String> = daily
        .models
        .iter()
        .map(|m| canonical_model(catalog, m))
        .collect();
    let shown: Vec<bool> = daily
        .models
        .iter()
        .map(|m| filters::keep(m, u64::MAX, catalog, &query.rows))
        .collect();

    let mut running = RunningTable::new(daily.models.len());
    let (mut added, mut removed) = (0usize, 0usize);
    let mut start: Option<HashMap<String, f64>> = None;
    let mut rows = Vec::new();
    let mut unconverged = 0;
    let mut step_start = first;
    while step_start <= last {
        limits::checkpoint("trend")?;
        let step_end = (step_start + step - 1).min(last);
        while added < pairs.len() && pairs[added].0 <= step_end {
            running.add(&pairs[added].1, 1);
            added += 1;
        }
        if rolling {
            let window_start = step_end - window_days + 1;
            while removed < added && pairs[removed].0 < window_start {
                running.add(&pairs[removed].1, -1);
                removed += 1;
            }
        }
        let table = running.table(&daily.models);
        if !table.pairs.is_empty() {
            let ratings = rating::rate_from(&table, &options, start.as_ref())?;
            unconverged += usize::from(!ratings.converged);
            for m in &ratings.models {
                let Some(score) = m.bt_score else { continue };
                let Some(&i) = index_of.get(m.model.as_str()) else {
                    continue;
                };
                if !shown[i] || m.votes < query.rows.min_votes {
                    continue;
                }
                rows.push(TrendRow {
                    time_ms: step_start * MS_PER_DAY,
                    model: canonical[i].clone(),
                    bt_score: score,
                    bt_ci_low: if query.time.include_ci {
                        m.ci_low
                    } else {
                        None
                    },
                    bt_ci_high: if query.time.include_ci {
                        m.ci_high
                    } else {
                        None
                    },
                    votes: m.votes,
                });
            }
            limits::check_trend_points("trend", rows.len())?;
            start = Some(ratings.strengths());
        }
        step_start += step;
    }
    if unconverged > 0 {
        notices.push(format!(
            "{unconverged} steps did not converge; their scores are approximate"
        ));
    }
    Ok(QueryResult::Trend {
        rows,
        include_ci: query.time.include_ci,
        step_days: query.time.step_days,
        notices,
    })
}

/// The first and last step days of a trend over `pairs` (day, counts),
/// `None` without votes. Steps that end before the first vote fit nothing
/// and add no row: the range starts at the first step (on the grid of the
/// query's `from`) whose window can hold a vote.
fn step_range(pairs: &[(i64, PairCount)], query: &ResolvedQuery, step: i64) -> Option<(i64, i64)> {
    let (data_first, data_last) = (pairs.first()?.0, pairs.last()?.0);
    let first = query.counts.from_day.unwrap_or(data_first);
    let last = query.counts.to_day.unwrap_or(data_last);
    let first_useful = data_first.saturating_sub(step - 1);
    let first = if first < first_useful {
        first + (first_useful - first) / step * step
    } else {
        first
    };
    Some((first, last))
}

/// The most steps a style-controlled trend fits: each step reads and fits
/// its window's votes with their style (no warm start over running counts).
pub const MAX_STYLED_STEPS: i64 = 60;

/// `trend` with `style: "controlled"`: at each step, the style-controlled
/// fit ([`super::fitting::fit_with_style`]) of the votes of the step's
/// window (every vote up to the step, or the rolling window), on the same
/// step grid as the plain trend.
pub fn styled_trend(
    store: &arenawatt_store::Store,
    daily: &DailyCounts,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let rolling = query.time.window == Window::Rolling;
    let window_days = query.time.window_days as i64;
    let step = query.time.step_days.max(1) as i64;
    let pairs = pairs_between(daily, None, query.counts.to_day);
    let mut notices = Vec::new();
    let Some((first, last)) = step_range(&pairs, query, step) else {
        notices.push(format!("no votes for {}", describe_counts(query)));
        return Ok(empty(query, notices));
    };
    let steps = limits::step_count(first, last, step) as i64;
    if steps > MAX_STYLED_STEPS {
        return Err(QueryError::BadQuery(format!(
            "style: a style-controlled trend fits each step's votes on its own, so it takes at most {MAX_STYLED_STEPS} steps; this one has {steps} (use step \"week\" or a shorter range)"
        )));
    }
    let mut windowed = query.clone();
    if !query.time.include_ci {
        windowed.rating.ci = CiMethod::None;
    }
    let bootstrap_rounds =
        (windowed.rating.ci == CiMethod::Bootstrap).then_some(windowed.rating.rounds);
    limits::check_trend_steps(
        "trend",
        steps as u64,
        query.time.step_days.max(1),
        bootstrap_rounds,
    )?;
    let mut raw_steps = 0;
    let mut fitted_steps = 0;
    let mut rows = Vec::new();
    let mut step_start = first;
    let mut first_notices = None;
    while step_start <= last {
        limits::checkpoint("trend")?;
        let step_end = (step_start + step - 1).min(last);
        windowed.counts.from_day = if rolling {
            Some(step_end - window_days + 1)
        } else {
            None
        };
        windowed.counts.to_day = Some(step_end);
        if let Some(fitted) = super::fitting::fit_with_style(store, &windowed)? {
            fitted_steps += 1;
            if fitted.controlled() {
                if first_notices.is_none() {
                    first_notices = Some(fitted.notices.clone());
                }
            } else {
                raw_steps += 1;
            }
            for m in &fitted.ratings.models {
                let Some(score) = m.bt_score else { continue };
                if !filters::keep(&m.model, u64::MAX, catalog, &query.rows)
                    || m.votes < query.rows.min_votes
                {
                    continue;
                }
                rows.push(TrendRow {
                    time_ms: step_start * MS_PER_DAY,
                    model: canonical_model(catalog, &m.model),
                    bt_score: score,
                    bt_ci_low: if query.time.include_ci {
                        m.ci_low
                    } else {
                        None
                    },
                    bt_ci_high: if query.time.include_ci {
                        m.ci_high
                    } else {
                        None
                    },
                    votes: m.votes,
                });
            }
            limits::check_trend_points("trend", rows.len())?;
        }
        step_start += step;
    }
    notices.extend(first_notices.unwrap_or_default());
    if raw_steps > 0 {
        notices.push(format!(
            "style control could not be applied at {raw_steps} of {fitted_steps} steps (no style feature in their votes, or one that predicts every outcome): those steps show raw scores"
        ));
    }
    Ok(QueryResult::Trend {
        rows,
        include_ci: query.time.include_ci,
        step_days: query.time.step_days,
        notices,
    })
}

fn empty(query: &ResolvedQuery, notices: Vec<String>) -> QueryResult {
    QueryResult::Trend {
        rows: Vec::new(),
        include_ci: query.time.include_ci,
        step_days: query.time.step_days,
        notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_table_adds_removes_and_renumbers() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut running = RunningTable::new(3);
        let bc = PairCount {
            lo: 1,
            hi: 2,
            wins_lo: 3,
            wins_hi: 1,
            ties: 2,
            ties_both_bad: 0,
        };
        let ab = PairCount {
            lo: 0,
            hi: 1,
            wins_lo: 1,
            wins_hi: 0,
            ties: 0,
            ties_both_bad: 1,
        };
        running.add(&ab, 1);
        running.add(&bc, 1);
        let table = running.table(&names);
        assert_eq!(table.models, ["a", "b", "c"]);
        assert_eq!(table.pairs.len(), 2);
        running.add(&ab, -1);
        let table = running.table(&names);
        assert_eq!(table.models, ["b", "c"]);
        assert_eq!(
            table.pairs,
            vec![PairCount {
                lo: 0,
                hi: 1,
                wins_lo: 3,
                wins_hi: 1,
                ties: 2,
                ties_both_bad: 0
            }]
        );
    }
}
