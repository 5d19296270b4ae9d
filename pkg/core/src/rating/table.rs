//! Building and checking pair tables: the one place where votes become the
//! sufficient statistics of a fit (counts per unordered pair), and where a
//! table handed in by a caller is validated and merged before any maths.

use std::collections::HashMap;

use super::{Outcome, PairCount, PairTable, RatingError};

/// Accumulates votes into a [`PairTable`]. Pure: no I/O, no allocation per vote
/// beyond the first sight of a pair. Model order in the built table is sorted
/// by name, so the result does not depend on the order votes arrive in.
#[derive(Debug, Default, Clone)]
pub struct PairTableBuilder {
    index: HashMap<String, usize>,
    names: Vec<String>,
    cells: HashMap<(usize, usize), [u64; 4]>,
}

/// Why a vote could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteError {
    #[error("model name is empty")]
    EmptyModel,
    #[error("model {0:?} is compared with itself")]
    SelfComparison(String),
}

impl PairTableBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn intern(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// Records one vote.
    pub fn add(&mut self, model_a: &str, model_b: &str, outcome: Outcome) -> Result<(), VoteError> {
        self.add_count(model_a, model_b, outcome, 1)
    }

    /// Records `count` identical votes.
    pub fn add_count(
        &mut self,
        model_a: &str,
        model_b: &str,
        outcome: Outcome,
        count: u64,
    ) -> Result<(), VoteError> {
        if model_a.is_empty() || model_b.is_empty() {
            return Err(VoteError::EmptyModel);
        }
        if model_a == model_b {
            return Err(VoteError::SelfComparison(model_a.to_string()));
        }
        let a = self.intern(model_a);
        let b = self.intern(model_b);
        let (key, a_is_first) = if a < b {
            ((a, b), true)
        } else {
            ((b, a), false)
        };
        let cell = self.cells.entry(key).or_insert([0; 4]);
        let slot = match (outcome, a_is_first) {
            (Outcome::A, true) | (Outcome::B, false) => 0,
            (Outcome::B, true) | (Outcome::A, false) => 1,
            (Outcome::Tie, _) => 2,
            (Outcome::BothBad, _) => 3,
        };
        cell[slot] += count;
        Ok(())
    }

    /// Number of votes recorded so far.
    pub fn votes(&self) -> u64 {
        self.cells.values().map(|c| c.iter().sum::<u64>()).sum()
    }

    /// The table, models sorted by name, pairs sorted by (lo, hi).
    pub fn build(self) -> PairTable {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&x, &y| self.names[x].cmp(&self.names[y]));
        let mut new_index = vec![0usize; self.names.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut pairs: Vec<PairCount> = self
            .cells
            .iter()
            .map(|(&(a, b), c)| {
                let (na, nb) = (new_index[a], new_index[b]);
                if na < nb {
                    PairCount {
                        lo: na,
                        hi: nb,
                        wins_lo: c[0],
                        wins_hi: c[1],
                        ties: c[2],
                        ties_both_bad: c[3],
                    }
                } else {
                    PairCount {
                        lo: nb,
                        hi: na,
                        wins_lo: c[1],
                        wins_hi: c[0],
                        ties: c[2],
                        ties_both_bad: c[3],
                    }
                }
            })
            .collect();
        pairs.sort_by_key(|p| (p.lo, p.hi));
        let models = order.into_iter().map(|i| self.names[i].clone()).collect();
        PairTable { models, pairs }
    }
}

/// Raw per-model tallies, whatever the tie policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub votes: u64,
    pub wins: u64,
    pub losses: u64,
    /// Both kinds of tie.
    pub ties: u64,
}

impl Tally {
    /// (wins + ties/2) / votes, 0 without votes.
    pub fn win_rate(&self) -> f64 {
        if self.votes == 0 {
            0.0
        } else {
            (self.wins as f64 + 0.5 * self.ties as f64) / self.votes as f64
        }
    }
}

/// Checks the indices of a table and merges duplicate pairs, so the rest of
/// the engine sees each unordered pair once with `lo < hi`.
pub fn validate(table: &PairTable) -> Result<Vec<PairCount>, RatingError> {
    let n = table.models.len();
    {
        let mut seen = std::collections::HashSet::with_capacity(n);
        for name in &table.models {
            if !seen.insert(name.as_str()) {
                return Err(RatingError::DuplicateModel(name.clone()));
            }
        }
    }
    // Fast path: pairs already strictly ordered by (lo, hi) and in range (as
    // the store and the trend's running table give them) need no merging.
    let in_order = table
        .pairs
        .windows(2)
        .all(|w| (w[0].lo, w[0].hi) < (w[1].lo, w[1].hi));
    if in_order && table.pairs.iter().all(|p| p.lo < p.hi && p.hi < n) {
        return Ok(table
            .pairs
            .iter()
            .filter(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad > 0)
            .copied()
            .collect());
    }
    let mut merged: HashMap<(usize, usize), PairCount> = HashMap::with_capacity(table.pairs.len());
    for p in &table.pairs {
        if p.lo >= p.hi || p.hi >= n {
            return Err(RatingError::BadPair {
                lo: p.lo,
                hi: p.hi,
                models: n,
            });
        }
        merged
            .entry((p.lo, p.hi))
            .and_modify(|m| {
                m.wins_lo += p.wins_lo;
                m.wins_hi += p.wins_hi;
                m.ties += p.ties;
                m.ties_both_bad += p.ties_both_bad;
            })
            .or_insert(*p);
    }
    let mut pairs: Vec<PairCount> = merged
        .into_values()
        .filter(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad > 0)
        .collect();
    pairs.sort_by_key(|p| (p.lo, p.hi));
    Ok(pairs)
}

/// Per-model raw tallies over validated pairs.
pub fn tallies(models: usize, pairs: &[PairCount]) -> Vec<Tally> {
    let mut t = vec![Tally::default(); models];
    for p in pairs {
        let ties = p.ties + p.ties_both_bad;
        let votes = p.wins_lo + p.wins_hi + ties;
        let lo = &mut t[p.lo];
        lo.votes += votes;
        lo.wins += p.wins_lo;
        lo.losses += p.wins_hi;
        lo.ties += ties;
        let hi = &mut t[p.hi];
        hi.votes += votes;
        hi.wins += p.wins_hi;
        hi.losses += p.wins_lo;
        hi.ties += ties;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_orients_pairs_and_sorts_models() {
        let mut b = PairTableBuilder::new();
        b.add("zeta", "alpha", Outcome::A).unwrap();
        b.add("alpha", "zeta", Outcome::A).unwrap();
        b.add("alpha", "zeta", Outcome::B).unwrap();
        b.add("zeta", "alpha", Outcome::BothBad).unwrap();
        b.add("alpha", "beta", Outcome::Tie).unwrap();
        assert_eq!(b.votes(), 5);
        let t = b.build();
        assert_eq!(t.models, vec!["alpha", "beta", "zeta"]);
        assert_eq!(
            t.pairs,
            vec![
                PairCount {
                    lo: 0,
                    hi: 1,
                    wins_lo: 0,
                    wins_hi: 0,
                    ties: 1,
                    ties_both_bad: 0
                },
                PairCount {
                    lo: 0,
                    hi: 2,
                    wins_lo: 1,
                    wins_hi: 2,
                    ties: 0,
                    ties_both_bad: 1
                },
            ]
        );
    }

    #[test]
    fn builder_refuses_self_comparison_and_empty_names() {
        let mut b = PairTableBuilder::new();
        assert_eq!(
            b.add("a", "a", Outcome::Tie),
            Err(VoteError::SelfComparison("a".into()))
        );
        assert_eq!(b.add("", "a", Outcome::Tie), Err(VoteError::EmptyModel));
    }

    #[test]
    fn validate_merges_duplicates_and_rejects_bad_indices() {
        let t = PairTable {
            models: vec!["a".into(), "b".into()],
            pairs: vec![
                PairCount {
                    lo: 0,
                    hi: 1,
                    wins_lo: 1,
                    wins_hi: 0,
                    ties: 0,
                    ties_both_bad: 0,
                },
                PairCount {
                    lo: 0,
                    hi: 1,
                    wins_lo: 2,
                    wins_hi: 3,
                    ties: 1,
                    ties_both_bad: 0,
                },
            ],
        };
        let v = validate(&t).unwrap();
        assert_eq!(
            v,
            vec![PairCount {
                lo: 0,
                hi: 1,
                wins_lo: 3,
                wins_hi: 3,
                ties: 1,
                ties_both_bad: 0
            }]
        );
        let bad = PairTable {
            models: t.models.clone(),
            pairs: vec![PairCount {
                lo: 1,
                hi: 0,
                ..t.pairs[0]
            }],
        };
        assert_eq!(
            validate(&bad),
            Err(RatingError::BadPair {
                lo: 1,
                hi: 0,
                models: 2
            })
        );
        let dup = PairTable {
            models: vec!["a".into(), "a".into()],
            pairs: vec![],
        };
        assert_eq!(validate(&dup), Err(RatingError::DuplicateModel("a".into())));
    }
}
