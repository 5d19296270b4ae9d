//! [`super::rate_from`]: validates, analyses the graph, fits, computes the
//! intervals and ranks, and assembles [`Ratings`]. The maths lives in the
//! sibling modules; this file only sequences it.

use std::collections::HashMap;

use super::bootstrap::{self, Replicates};
use super::covariance::{variances, VarianceKind};
use super::davidson::initial_log_nu;
use super::fit::{newton_with, Fit};
use super::graph::{analyse, GraphAnalysis};
use super::likelihood::{Cells, Model};
use super::ranks::{normal_quantile, point_ranks, quantile_sorted, rank_intervals};
use super::table::{tallies, validate, Tally};
use super::PairCount;
use super::{
    BootstrapSummary, CiMethod, Gauge, ModelRating, PairTable, RatingError, RatingOptions,
    RatingStatus, Ratings,
};

/// Elo points per unit of natural-log strength: 400 per factor 10 in odds.
pub const ELO_PER_NAT: f64 = 400.0 / std::f64::consts::LN_10;
/// Score of the average model under the mean gauge.
pub const MEAN_SCORE: f64 = 1000.0;

fn check_options(options: &RatingOptions) -> Result<(), RatingError> {
    let bad = |m: String| Err(RatingError::InvalidOption(m));
    if !(options.level > 0.0 && options.level < 1.0) {
        return bad(format!(
            "confidence level {} is not between 0 and 1",
            options.level
        ));
    }
    if !(options.tolerance > 0.0 && options.tolerance.is_finite()) {
        return bad(format!(
            "tolerance {} is not a positive number",
            options.tolerance
        ));
    }
    if options.max_iterations == 0 {
        return bad("max_iterations must be at least 1".into());
    }
    if options.ci == CiMethod::Bootstrap && options.rounds < 2 {
        return bad(format!(
            "bootstrap needs at least 2 rounds, got {}",
            options.rounds
        ));
    }
    if let Gauge::Anchor { score, .. } = &options.gauge {
        if !score.is_finite() {
            return bad(format!("anchor score {score} is not a finite number"));
        }
    }
    Ok(())
}

/// Per-model interval results on the natural-log scale, gauged.
struct Intervals {
    low: Vec<f64>,
    high: Vec<f64>,
    std_error: Vec<f64>,
    rank_quantiles: Option<Vec<(u32, u32)>>,
    tie_log_interval: Option<(f64, f64)>,
    bootstrap: Option<BootstrapSummary>,
}

/// What every fit does before fitting: the options checked, the pairs
/// validated and tallied, the comparison graph analysed, and the anchor
/// (index among the fitted models, score) resolved.
pub(super) struct Prepared {
    pub pairs: Vec<PairCount>,
    pub tally: Vec<Tally>,
    pub graph: GraphAnalysis,
    pub anchor: Option<(usize, f64)>,
}

pub(super) fn prepare(table: &PairTable, options: &RatingOptions) -> Result<Prepared, RatingError> {
    check_options(options)?;
    let pairs = validate(table)?;
    if pairs.is_empty() {
        return Err(RatingError::Empty);
    }
    let tally = tallies(table.models.len(), &pairs);
    let graph = analyse(&table.models, &pairs, options.ties);
    if graph.components.is_empty() {
        return Err(RatingError::Empty);
    }

    let anchor = match &options.gauge {
        Gauge::Mean => None,
        Gauge::Anchor { model, score } => {
            let index = table
                .models
                .iter()
                .position(|m| m == model)
                .ok_or_else(|| RatingError::UnknownAnchor(model.clone()))?;
            if graph.status[index] != RatingStatus::Ok {
                return Err(RatingError::UnratedAnchor {
                    model: model.clone(),
                    status: graph.status[index].label(),
                });
            }
            let fitted_index =
                graph
                    .fitted
                    .binary_search(&index)
                    .map_err(|_| RatingError::UnratedAnchor {
                        model: model.clone(),
                        status: graph.status[index].label(),
                    })?;
            Some((fitted_index, *score))
        }
    };

    Ok(Prepared {
        pairs,
        tally,
        graph,
        anchor,
    })
}

pub fn rate_from(
    table: &PairTable,
    options: &RatingOptions,
    start: Option<&HashMap<String, f64>>,
) -> Result<Ratings, RatingError> {
    let Prepared {
        pairs,
        tally,
        graph,
        anchor,
    } = prepare(table, options)?;
    let n = table.models.len();

    let model = Model::for_policy(options.ties);
    let cells = Cells::from_pairs(&pairs, &graph.fitted, n);
    let m = cells.models;
    let components: Vec<Vec<String>> = graph
        .components
        .iter()
        .map(|c| c.iter().map(|&i| table.models[i].clone()).collect())
        .collect();

    if m == 0 {
        let models = assemble(table, &tally, &graph.status, &graph.fitted, &[], options);
        return Ok(Ratings {
            models,
            iterations: 0,
            converged: true,
            tie_parameter: None,
            tie_parameter_ci_low: None,
            tie_parameter_ci_high: None,
            components,
            ci: options.ci,
            level: options.level,
            bootstrap: None,
        });
    }

    let mut x0 = vec![0.0; model.dim(m)];
    if let Some(start) = start {
        let known: Vec<f64> = graph
            .fitted
            .iter()
            .filter_map(|&i| {
                start
                    .get(&table.models[i])
                    .copied()
                    .filter(|v| v.is_finite())
            })
            .collect();
        let fill = if known.is_empty() {
            0.0
        } else {
            known.iter().sum::<f64>() / known.len() as f64
        };
        for (k, &i) in graph.fitted.iter().enumerate() {
            x0[k] = start
                .get(&table.models[i])
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or(fill);
        }
    }
    if model == Model::Davidson {
        x0[m] = initial_log_nu(&cells).ok_or_else(|| {
            RatingError::InvalidOption(
                "the davidson tie policy needs both ties and decisive votes among the rated models"
                    .into(),
            )
        })?;
    }

    // Without intervals only the point is used: skip the last factorisation.
    let final_factor = options.ci != CiMethod::None;
    let fit = newton_with(
        model,
        &cells,
        x0,
        options.tolerance,
        options.max_iterations,
        final_factor,
    )
    .ok_or_else(|| {
        RatingError::Numerical("the information matrix is not positive definite".into())
    })?;

    let anchor_fitted = anchor.map(|(a, _)| a);
    let offset = match anchor {
        Some((a, score)) => score - ELO_PER_NAT * fit.x[a],
        None => MEAN_SCORE,
    };
    let scores: Vec<f64> = fit.x[..m]
        .iter()
        .map(|v| ELO_PER_NAT * v + offset)
        .collect();

    let intervals = intervals(model, &cells, &fit, anchor_fitted, options);
    let mut rated: Vec<RatedModel> = (0..m)
        .map(|k| RatedModel {
            score: scores[k],
            ci: None,
            std_error: None,
            rank_quantiles: None,
        })
        .collect();
    if let Some(iv) = &intervals {
        for (k, r) in rated.iter_mut().enumerate() {
            // Intervals are natural-log deviations from the point strength.
            // A bootstrap where (almost) no replicate converged has no
            // interval: leave it empty rather than print NaN.
            let (low, high) = (iv.low[k], iv.high[k]);
            if low.is_finite() && high.is_finite() {
                r.ci = Some((
                    scores[k] + ELO_PER_NAT * low,
                    scores[k] + ELO_PER_NAT * high,
                ));
                r.std_error = Some(ELO_PER_NAT * iv.std_error[k]).filter(|s| s.is_finite());
                r.rank_quantiles = iv.rank_quantiles.as_ref().map(|q| q[k]);
            }
        }
    }
    let models = assemble(table, &tally, &graph.status, &graph.fitted, &rated, options);
    let tie_parameter = (model == Model::Davidson).then(|| fit.x[m].exp());
    let tie_interval = intervals.as_ref().and_then(|iv| iv.tie_log_interval);
    Ok(Ratings {
        models,
        iterations: fit.iterations,
        converged: fit.converged,
        tie_parameter,
        tie_parameter_ci_low: tie_interval.map(|t| t.0.exp()),
        tie_parameter_ci_high: tie_interval.map(|t| t.1.exp()),
        components,
        ci: options.ci,
        level: options.level,
        bootstrap: intervals.and_then(|iv| iv.bootstrap),
    })
}

/// Intervals as offsets from the point strength (natural log), gauged.
fn intervals(
    model: Model,
    cells: &Cells,
    fit: &Fit,
    anchor: Option<usize>,
    options: &RatingOptions,
) -> Option<Intervals> {
    let m = cells.models;
    let z = normal_quantile(0.5 + options.level / 2.0);
    let from_variances = |kind| {
        let (var, tie_var) = variances(kind, model, cells, fit, anchor);
        let std_error: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();
        Intervals {
            low: std_error.iter().map(|s| -z * s).collect(),
            high: std_error.iter().map(|s| z * s).collect(),
            std_error,
            rank_quantiles: None,
            tie_log_interval: tie_var.map(|v| (fit.x[m] - z * v.sqrt(), fit.x[m] + z * v.sqrt())),
            bootstrap: None,
        }
    };
    match options.ci {
        CiMethod::None => None,
        CiMethod::Fisher => Some(from_variances(VarianceKind::Fisher)),
        CiMethod::Sandwich => Some(from_variances(VarianceKind::Sandwich)),
        CiMethod::Bootstrap => {
            let threads = if options.threads == 0 {
                std::thread::available_parallelism().map_or(1, |t| t.get())
            } else {
                options.threads
            };
            let reps = bootstrap::run(
                model,
                cells,
                fit,
                options.rounds,
                options.seed,
                anchor,
                threads,
            );
            Some(summarise(&reps, fit, anchor, options))
        }
    }
}

fn summarise(
    reps: &Replicates,
    fit: &Fit,
    anchor: Option<usize>,
    options: &RatingOptions,
) -> Intervals {
    let m = reps.models;
    let rounds = reps.rounds();
    let alpha = (1.0 - options.level) / 2.0;
    let point: Vec<f64> = {
        let reference = anchor.map_or(0.0, |a| fit.x[a]);
        fit.x[..m].iter().map(|v| v - reference).collect()
    };
    let mut low = vec![0.0; m];
    let mut high = vec![0.0; m];
    let mut std_error = vec![0.0; m];
    let mut column = vec![0.0; rounds];
    for k in 0..m {
        for (r, c) in column.iter_mut().enumerate() {
            *c = reps.strengths[r * m + k];
        }
        let mean = column.iter().sum::<f64>() / rounds.max(1) as f64;
        let var = column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>()
            / (rounds.max(2) - 1) as f64;
        column.sort_by(f64::total_cmp);
        low[k] = quantile_sorted(&column, alpha) - point[k];
        high[k] = quantile_sorted(&column, 1.0 - alpha) - point[k];
        std_error[k] = var.sqrt();
    }
    // Rank quantiles: the workers ranked every replicate; ranks are 1..=m,
    // so the order statistics come from a histogram per model.
    let lower_index = (alpha * rounds.saturating_sub(1) as f64).floor() as usize;
    let upper_index = ((1.0 - alpha) * rounds.saturating_sub(1) as f64).ceil() as usize;
    let mut histogram = vec![0usize; m + 1];
    let rank_quantiles = (0..m)
        .map(|k| {
            if rounds == 0 {
                return (1, m as u32);
            }
            histogram.iter_mut().for_each(|h| *h = 0);
            for r in 0..rounds {
                let rank = reps.ranks[r * m + k] as usize;
                histogram[rank.min(m)] += 1;
            }
            // The rank at sorted position `index`.
            let at = |index: usize| {
                let mut seen = 0;
                for (rank, &count) in histogram.iter().enumerate() {
                    seen += count;
                    if seen > index {
                        return rank as u32;
                    }
                }
                m as u32
            };
            (at(lower_index), at(upper_index))
        })
        .collect();
    let tie_log_interval = (!reps.log_tie.is_empty()).then(|| {
        let mut t = reps.log_tie.clone();
        t.sort_by(f64::total_cmp);
        (quantile_sorted(&t, alpha), quantile_sorted(&t, 1.0 - alpha))
    });
    Intervals {
        low,
        high,
        std_error,
        rank_quantiles: Some(rank_quantiles),
        tie_log_interval,
        bootstrap: Some(BootstrapSummary {
            rounds: options.rounds,
            converged_rounds: rounds as u32,
            non_converged: reps.non_converged,
            seed: options.seed,
        }),
    }
}

pub(super) struct RatedModel {
    pub score: f64,
    pub ci: Option<(f64, f64)>,
    pub std_error: Option<f64>,
    pub rank_quantiles: Option<(u32, u32)>,
}

fn status_order(s: &RatingStatus) -> (u8, usize) {
    match s {
        RatingStatus::Ok => (0, 0),
        RatingStatus::NeverLost => (1, 0),
        RatingStatus::NeverWon => (2, 0),
        RatingStatus::Unbounded => (3, 0),
        RatingStatus::Disconnected { component } => (4, *component),
        RatingStatus::NoVotes => (5, 0),
    }
}

pub(super) fn assemble(
    table: &PairTable,
    tally: &[Tally],
    status: &[RatingStatus],
    fitted: &[usize],
    rated: &[RatedModel],
    options: &RatingOptions,
) -> Vec<ModelRating> {
    let scores: Vec<f64> = rated.iter().map(|r| r.score).collect();
    let ranks = point_ranks(&scores);
    let intervals: Option<Vec<(u32, u32)>> =
        if options.ci != CiMethod::None && rated.iter().all(|r| r.ci.is_some()) {
            let lows: Vec<f64> = rated
                .iter()
                .map(|r| r.ci.map_or(r.score, |c| c.0))
                .collect();
            let highs: Vec<f64> = rated
                .iter()
                .map(|r| r.ci.map_or(r.score, |c| c.1))
                .collect();
            Some(rank_intervals(&lows, &highs))
        } else {
            None
        };
    let unrated_rank = rated.len() as u32 + 1;
    let mut fitted_of = vec![None; table.models.len()];
    for (k, &i) in fitted.iter().enumerate() {
        fitted_of[i] = Some(k);
    }
    let mut out: Vec<ModelRating> = table
        .models
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let t = tally[i];
            let base = ModelRating {
                model: name.clone(),
                bt_score: None,
                ci_low: None,
                ci_high: None,
                std_error: None,
                rank: unrated_rank,
                rank_low: unrated_rank,
                rank_high: unrated_rank,
                votes: t.votes,
                wins: t.wins,
                losses: t.losses,
                ties: t.ties,
                win_rate: t.win_rate(),
                status: status[i].clone(),
                bootstrap_rank_low: None,
                bootstrap_rank_high: None,
                tier: None,
            };
            match fitted_of[i] {
                Some(k) if status[i] == RatingStatus::Ok => {
                    let r = &rated[k];
                    let (rank_low, rank_high) =
                        intervals.as_ref().map_or((ranks[k], ranks[k]), |iv| iv[k]);
                    ModelRating {
                        bt_score: Some(r.score),
                        ci_low: r.ci.map(|c| c.0),
                        ci_high: r.ci.map(|c| c.1),
                        std_error: r.std_error,
                        rank: ranks[k],
                        rank_low,
                        rank_high,
                        bootstrap_rank_low: r.rank_quantiles.map(|q| q.0),
                        bootstrap_rank_high: r.rank_quantiles.map(|q| q.1),
                        ..base
                    }
                }
                _ => base,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let sa = a.bt_score.unwrap_or(f64::NEG_INFINITY);
        let sb = b.bt_score.unwrap_or(f64::NEG_INFINITY);
        status_order(&a.status)
            .cmp(&status_order(&b.status))
            .then_with(|| sb.total_cmp(&sa))
            .then_with(|| a.model.cmp(&b.model))
    });
    let with_interval: Vec<usize> = (0..out.len())
        .filter(|&i| {
            out[i].status == RatingStatus::Ok && out[i].ci_low.is_some() && out[i].ci_high.is_some()
        })
        .collect();
    let bounds: Vec<(f64, f64)> = with_interval
        .iter()
        .map(|&i| {
            (
                out[i].ci_low.unwrap_or(f64::NAN),
                out[i].ci_high.unwrap_or(f64::NAN),
            )
        })
        .collect();
    for (&i, tier) in with_interval.iter().zip(super::tiers::tiers(&bounds)) {
        out[i].tier = Some(tier);
    }
    out
}
