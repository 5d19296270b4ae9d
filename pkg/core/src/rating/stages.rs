//! The stages of [`rate`](super::rate), one at a time, for benchmarks and
//! diagnostics: check the table, analyse the comparison graph, fit by
//! Newton's method, and compute the variances given a fit.
//!
//! `rate` runs these stages in one call and hides how long each takes; a
//! benchmark (`cargo run --release -p arenawatt-bench -- rating`) wants to time
//! them apart. This module lets it do so through a small public API, so the
//! modules that do the maths (`table`, `graph`, `likelihood`, `fit`,
//! `covariance`) stay private to the rating engine. The types here are opaque:
//! they run the same code `rate` runs, and expose only what a caller can read
//! off a stage (iteration counts, convergence, variances).

use super::covariance::variances;
use super::davidson::initial_log_nu;
use super::fit::{newton, Fit};
use super::graph::{analyse, GraphAnalysis};
use super::likelihood::{Cells, Model};
use super::table::validate;
use super::{PairCount, PairTable, RatingError, TiePolicy};

pub use super::covariance::VarianceKind;

/// A pair table checked and analysed for one tie policy, with the counts of
/// its rated models laid out for the fit: everything `rate` does before
/// Newton's method.
#[derive(Debug, Clone)]
pub struct PreparedTable {
    models: Vec<String>,
    pairs: Vec<PairCount>,
    ties: TiePolicy,
    graph: GraphAnalysis,
    model: Model,
    cells: Cells,
}

/// What the graph analysis found, in counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphSummary {
    /// Connected components of the comparison graph.
    pub components: usize,
    /// Models that get a score (the strongly connected main component).
    pub rated: usize,
}

/// The result of [`PreparedTable::fit_from_zero`]: a Newton fit of the rated
/// models' strengths.
#[derive(Debug, Clone)]
pub struct PointFit {
    fit: Fit,
}

impl PointFit {
    /// Newton iterations used.
    pub fn iterations(&self) -> u32 {
        self.fit.iterations
    }

    /// Whether the last step was below the tolerance.
    pub fn converged(&self) -> bool {
        self.fit.converged
    }

    /// The log-likelihood at the fitted strengths.
    pub fn loglik(&self) -> f64 {
        self.fit.loglik
    }
}

impl PreparedTable {
    /// Validates `table` and analyses its comparison graph under `ties`, as
    /// [`rate`](super::rate) does. Fails as `rate` does on an invalid or
    /// empty table.
    pub fn new(table: &PairTable, ties: TiePolicy) -> Result<Self, RatingError> {
        let pairs = validate(table)?;
        if pairs.is_empty() {
            return Err(RatingError::Empty);
        }
        let graph = analyse(&table.models, &pairs, ties);
        if graph.components.is_empty() {
            return Err(RatingError::Empty);
        }
        let cells = Cells::from_pairs(&pairs, &graph.fitted, table.models.len());
        Ok(Self {
            models: table.models.clone(),
            pairs,
            ties,
            graph,
            model: Model::for_policy(ties),
            cells,
        })
    }

    /// The graph analysis of [`PreparedTable::new`], run again (to time it).
    pub fn analyse_graph(&self) -> GraphSummary {
        let graph = analyse(&self.models, &self.pairs, self.ties);
        GraphSummary {
            components: graph.components.len(),
            rated: graph.fitted.len(),
        }
    }

    /// The graph analysis kept from [`PreparedTable::new`].
    pub fn graph(&self) -> GraphSummary {
        GraphSummary {
            components: self.graph.components.len(),
            rated: self.graph.fitted.len(),
        }
    }

    /// Fits the rated models' strengths by Newton's method from all zeros
    /// (Davidson's ν from its moment estimate), with the final factorisation
    /// the intervals need.
    pub fn fit_from_zero(
        &self,
        tolerance: f64,
        max_iterations: u32,
    ) -> Result<PointFit, RatingError> {
        let models = self.cells.models;
        let mut start = vec![0.0; self.model.dim(models)];
        if self.model == Model::Davidson {
            start[models] = initial_log_nu(&self.cells).ok_or_else(|| {
                RatingError::InvalidOption(
                    "the davidson tie policy needs both ties and decisive votes among the rated models"
                        .into(),
                )
            })?;
        }
        newton(self.model, &self.cells, start, tolerance, max_iterations)
            .map(|fit| PointFit { fit })
            .ok_or_else(|| {
                RatingError::Numerical("the information matrix is not positive definite".into())
            })
    }

    /// Variances (natural-log scale, mean gauge) of every rated model's score
    /// given `fit`, by `kind`.
    pub fn variances(&self, kind: VarianceKind, fit: &PointFit) -> Vec<f64> {
        variances(kind, self.model, &self.cells, &fit.fit, None).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::{rate, RatingOptions};

    fn table() -> PairTable {
        let pair = |lo, hi, wins_lo, wins_hi, ties| PairCount {
            lo,
            hi,
            wins_lo,
            wins_hi,
            ties,
            ties_both_bad: 0,
        };
        PairTable {
            models: vec!["a".into(), "b".into(), "c".into()],
            pairs: vec![
                pair(0, 1, 6, 4, 2),
                pair(1, 2, 5, 5, 1),
                pair(0, 2, 7, 3, 0),
            ],
        }
    }

    #[test]
    fn the_stages_agree_with_rate() {
        let table = table();
        let options = RatingOptions::default();
        let prepared = PreparedTable::new(&table, TiePolicy::Half).unwrap();
        assert_eq!(
            prepared.graph(),
            GraphSummary {
                components: 1,
                rated: 3
            }
        );
        assert_eq!(prepared.analyse_graph(), prepared.graph());
        let fit = prepared
            .fit_from_zero(options.tolerance, options.max_iterations)
            .unwrap();
        let ratings = rate(&table, &options).unwrap();
        assert!(fit.converged());
        assert_eq!(fit.iterations(), ratings.iterations);
        // Standard errors of the sandwich, on the Elo-like scale.
        let se: Vec<f64> = prepared
            .variances(VarianceKind::Sandwich, &fit)
            .iter()
            .map(|v| v.sqrt() * 400.0 / std::f64::consts::LN_10)
            .collect();
        let mut expected: Vec<f64> = table
            .models
            .iter()
            .map(|name| {
                let rated = ratings.models.iter().find(|m| &m.model == name).unwrap();
                rated.std_error.unwrap()
            })
            .collect();
        for (got, want) in se.iter().zip(expected.drain(..)) {
            assert!((got - want).abs() < 1e-9, "{got} != {want}");
        }
        let fisher = prepared.variances(VarianceKind::Fisher, &fit);
        assert_eq!(fisher.len(), 3);
        assert!(fisher.iter().all(|v| v.is_finite() && *v > 0.0));
    }

    #[test]
    fn an_empty_table_is_refused_as_rate_refuses_it() {
        let empty = PairTable::default();
        assert_eq!(
            PreparedTable::new(&empty, TiePolicy::Half).unwrap_err(),
            RatingError::Empty
        );
    }
}
