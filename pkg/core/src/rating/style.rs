//! Style control: the contextual Bradley–Terry model, which fits the model
//! strengths jointly with the effect of the answers' style (length, markdown
//! headers, bold, lists), so that a score says how much people prefer a model
//! with the style of the two answers held equal.
//!
//! # Model
//! For a vote between models lo and hi with style difference vector `d`,
//!
//! ```text
//! logit P(lo beats hi) = θ_lo − θ_hi + Σ_k β_k · z_k,   z_k = r_k / σ_k
//! r_k = (x_k,lo − x_k,hi) / (x_k,lo + x_k,hi)       (0 when both are 0)
//! ```
//!
//! where `x_k,side` is the side's count of feature k (output tokens, headers,
//! bold spans, list items). `r` is the relative difference `arena-rank`'s
//! style-control example uses, and `σ_k` its scale: `arena-rank`'s
//! `ContextualPairDataset` standardises each feature column to mean 0 and
//! population standard deviation 1 (ddof 0) over the battles, with the two
//! sides in the order they were shown. That order is random, so the mean
//! tends to 0; here cells are stored as (lo, hi) by model index, an order
//! that is not random, so the standardisation is taken over both
//! orientations of every vote (r and −r): the mean is exactly 0 and
//! `σ_k = √(mean of r_k²)`. This keeps the fit independent of how models are
//! numbered, and matches `arena-rank`'s normalisation up to its sample mean.
//! `β_k` is in log-odds per standard deviation of the relative difference,
//! as `arena-rank` reports its coefficients. A vote whose input lacks
//! feature k has `z_k = 0`: it neither informs β_k nor is adjusted by it, and
//! σ_k is taken over the votes that have it. A feature whose relative
//! difference is 0 in every fitted vote (σ = 0) cannot be fitted and is left
//! out with a reason.
//!
//! Unlike `arena-rank`, the fit is the plain maximum-likelihood estimate: no
//! L2 penalty on β (its default `reg = 1` on the *mean* loss shrinks a true
//! β of 0.3 to about 0.05) and no reweighting of pairs by their frequency.
//!
//! # Ties
//! The tie policies of the plain fit carry over: `half` counts a tie as half
//! a win of each side (arena-rank's soft label 0.5), `drop` ignores ties, and
//! `davidson` gives a tie the probability ν/(e^{Δ/2} + e^{−Δ/2} + ν) with Δ
//! the full logit above.
//!
//! # Fit and intervals
//! Newton's method on (θ, β[, ln ν]) jointly, from the plain fit's strengths,
//! with the gauge term of [`super::fit`] on the θ block so the strengths keep
//! summing to zero. Each step is one pass over the cells: a cell is a group
//! of votes with one pair and one style vector, so the exact input (one cell
//! per vote) and a binned one (votes with equal rounded differences merged)
//! go through the same code. The sandwich H⁺BH⁺ (B = Σ over votes of the
//! score's outer product) and the Fisher H⁺ cover the scores and the
//! coefficients alike; the bootstrap resamples every cell's counts (Poisson)
//! and refits. With no feature the fit is the plain one: the tests check the
//! strengths against [`super::rate`] to 1e-12.

use super::engine::{assemble, prepare, Prepared, RatedModel, ELO_PER_NAT, MEAN_SCORE};
use super::lane_rng::{LaneRng, LANES};
use super::linalg::Cholesky;
use super::poisson::{CountLaws, DrawScratch};
use super::ranks::{normal_quantile, quantile_sorted};
use super::{
    BootstrapSummary, CiMethod, PairCount, PairTable, RatingError, RatingOptions, Ratings,
    TiePolicy,
};
use serde::{Deserialize, Serialize};

/// Votes with their style: counts per cell, a cell being one pair of models
/// and one vector of relative differences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StyleTable {
    pub models: Vec<String>,
    /// Names of the style features, e.g. `output_tokens`, `headers`.
    pub features: Vec<String>,
    /// The counts of each cell (`lo < hi` index `models`).
    pub cells: Vec<PairCount>,
    /// Row-major `cells.len() × features.len()`: per cell, the relative
    /// difference [`relative_difference`] of each feature, lo minus hi, in
    /// [−1, 1]; NaN when the cell's votes do not have the feature.
    pub differences: Vec<f64>,
}

/// Tables of more cells than this are fitted binned ([`StyleTable::for_fit`]).
pub const BIN_ABOVE: usize = 50_000;
/// The binning step of large tables: relative differences to 1/64.
pub const BIN_STEP: f64 = 1.0 / 64.0;

/// A relative difference rounded to the nearest multiple of [`BIN_STEP`]
/// (NaN stays NaN): the rounding of [`StyleTable::binned`], for readers that
/// bin as they read.
pub fn bin_difference(d: f64) -> f64 {
    bin_to(d, (1.0 / BIN_STEP).round())
}

fn bin_to(d: f64, levels: f64) -> f64 {
    if d.is_nan() {
        d
    } else {
        // `+ 0.0` turns −0 into 0, so equal differences have equal bits.
        ((d.clamp(-1.0, 1.0) * levels).round() / levels).clamp(-1.0, 1.0) + 0.0
    }
}

impl StyleTable {
    /// The table a fit should use: as it is up to [`BIN_ABOVE`] cells, else
    /// [`StyleTable::binned`] to [`BIN_STEP`] (on 1.67M simulated votes with
    /// a length effect, 1.67M cells become 0.30M, the fit with sandwich CIs
    /// takes 71 ms instead of 424 ms, and the scores move by at most 0.015 BT
    /// points and β by 0.0002: `arenawatt-bench style`). Also says whether
    /// it binned.
    pub fn for_fit(self) -> (StyleTable, bool) {
        if self.cells.len() <= BIN_ABOVE {
            (self, false)
        } else {
            (self.binned(BIN_STEP), true)
        }
    }

    /// The same votes with every relative difference rounded to the nearest
    /// multiple of `step` (NaN stays NaN), cells that then coincide merged:
    /// far fewer cells for a fit whose features are few. Rounding moves a
    /// difference by at most `step / 2`; `arenawatt-bench style` measures
    /// what that does to the scores and coefficients.
    pub fn binned(&self, step: f64) -> StyleTable {
        let k = self.features.len();
        let levels = (1.0 / step).round();
        let mut out = StyleTable {
            models: self.models.clone(),
            features: self.features.clone(),
            cells: Vec::new(),
            differences: Vec::new(),
        };
        // A cell's key packs the pair (16 bits each) and each rounded
        // difference (16 bits, 0 for NaN) into 128 bits; tables that do not
        // fit (more than 65,535 models, 6 features or 32,766 levels) are
        // returned as they are.
        if k > 6 || self.models.len() > u16::MAX as usize || levels > 32_766.0 || levels < 1.0 {
            return self.clone();
        }
        let quantise = |d: f64| -> u128 {
            if d.is_nan() {
                0
            } else {
                ((d.clamp(-1.0, 1.0) * levels).round() + levels + 1.0) as u128
            }
        };
        let mut slots: std::collections::HashMap<u128, usize, BuildKeyHasher> =
            std::collections::HashMap::with_capacity_and_hasher(
                self.cells.len() / 4,
                BuildKeyHasher,
            );
        for (i, cell) in self.cells.iter().enumerate() {
            let row = &self.differences[i * k..(i + 1) * k];
            let mut key = (cell.lo as u128) << 112 | (cell.hi as u128) << 96;
            for (j, &d) in row.iter().enumerate() {
                key |= quantise(d) << (16 * j);
            }
            match slots.entry(key) {
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let into = &mut out.cells[*slot.get()];
                    into.wins_lo += cell.wins_lo;
                    into.wins_hi += cell.wins_hi;
                    into.ties += cell.ties;
                    into.ties_both_bad += cell.ties_both_bad;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(out.cells.len());
                    out.cells.push(*cell);
                    out.differences
                        .extend(row.iter().map(|&d| bin_to(d, levels)));
                }
            }
        }
        out
    }
}

/// Hashes the packed 128-bit cell keys of [`StyleTable::binned`] with one
/// multiply-fold (the keys are not adversarial: they come from the table).
#[derive(Default, Clone, Copy)]
struct BuildKeyHasher;

#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::BuildHasher for BuildKeyHasher {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7cc1_b727_220a_95);
        }
    }
    fn write_u128(&mut self, value: u128) {
        let folded = (value as u64) ^ ((value >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let product = u128::from(folded) * 0x2d35_8dcc_aa6c_78a5_u128;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

/// The most style features a [`StyleTableBuilder`] keeps per vote.
pub const MAX_STYLE_FEATURES: usize = 4;

/// Single votes with their style, gathered into the cells of a
/// [`StyleTable`]: one per pair (`lo < hi` by model index) and vector of
/// relative differences, lo minus hi, each rounded with [`bin_difference`]
/// when `binned`. The hasher is the caller's (the store has a faster one).
pub struct StyleTableBuilder<S = std::collections::hash_map::RandomState> {
    cells: std::collections::HashMap<(usize, usize, [u64; MAX_STYLE_FEATURES]), [u64; 4], S>,
    binned: bool,
}

impl<S: std::hash::BuildHasher + Default> StyleTableBuilder<S> {
    pub fn new(binned: bool) -> Self {
        StyleTableBuilder {
            cells: std::collections::HashMap::default(),
            binned,
        }
    }

    /// Adds one vote between the models of indices `a` and `b`, with each
    /// feature's counts on A's and B's answer (`None` where the input lacks
    /// it: a NaN difference). Returns the pair `(lo, hi)` and the count slot
    /// the vote went to (wins of lo, wins of hi, ties, ties both bad).
    pub fn add(
        &mut self,
        (a, b): (usize, usize),
        outcome: super::Outcome,
        values: [Option<(f64, f64)>; MAX_STYLE_FEATURES],
    ) -> (usize, usize, usize) {
        use super::Outcome;
        let a_is_lo = a < b;
        let key = values.map(|value| match value {
            None => f64::NAN.to_bits(),
            Some((xa, xb)) => {
                let (lo, hi) = if a_is_lo { (xa, xb) } else { (xb, xa) };
                let d = relative_difference(lo, hi);
                if self.binned { bin_difference(d) } else { d }.to_bits()
            }
        });
        let slot = match (outcome, a_is_lo) {
            (Outcome::A, true) | (Outcome::B, false) => 0,
            (Outcome::A, false) | (Outcome::B, true) => 1,
            (Outcome::Tie, _) => 2,
            (Outcome::BothBad, _) => 3,
        };
        let (lo, hi) = if a_is_lo { (a, b) } else { (b, a) };
        self.cells.entry((lo, hi, key)).or_default()[slot] += 1;
        (lo, hi, slot)
    }

    /// The table of `models` and `features` (at most
    /// [`MAX_STYLE_FEATURES`]): the gathered cells in (lo, hi, differences)
    /// order, then `rest`, counts per pair without style.
    pub fn build(
        self,
        models: Vec<String>,
        features: &[&str],
        rest: impl IntoIterator<Item = ((usize, usize), [u64; 4])>,
    ) -> StyleTable {
        let k = features.len().min(MAX_STYLE_FEATURES);
        let cell = |(lo, hi): (usize, usize), c: [u64; 4]| PairCount {
            lo,
            hi,
            wins_lo: c[0],
            wins_hi: c[1],
            ties: c[2],
            ties_both_bad: c[3],
        };
        let mut styled: Vec<_> = self.cells.into_iter().collect();
        styled.sort_unstable_by_key(|((lo, hi, key), _)| (*lo, *hi, *key));
        let mut rest: Vec<_> = rest
            .into_iter()
            .filter(|(_, c)| c.iter().any(|&n| n > 0))
            .collect();
        rest.sort_unstable_by_key(|(pair, _)| *pair);
        let mut table = StyleTable {
            models,
            features: features[..k].iter().map(|f| f.to_string()).collect(),
            cells: Vec::with_capacity(styled.len() + rest.len()),
            differences: Vec::with_capacity((styled.len() + rest.len()) * k),
        };
        for ((lo, hi, key), counts) in styled {
            table.cells.push(cell((lo, hi), counts));
            table
                .differences
                .extend(key[..k].iter().map(|&bits| f64::from_bits(bits)));
        }
        for (pair, counts) in rest {
            table.cells.push(cell(pair, counts));
            table.differences.extend(std::iter::repeat_n(f64::NAN, k));
        }
        table
    }
}

/// `(a − b) / (a + b)`, 0 when both are 0: the relative difference of a
/// feature between the two answers (counts are never negative).
pub fn relative_difference(a: f64, b: f64) -> f64 {
    let sum = a + b;
    if sum > 0.0 {
        (a - b) / sum
    } else {
        0.0
    }
}

/// One fitted style coefficient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleCoefficient {
    pub feature: String,
    /// Log-odds per standard deviation of the feature's relative difference.
    pub beta: f64,
    /// The same in BT points (400 per factor 10 in odds).
    pub beta_points: f64,
    pub std_error: Option<f64>,
    /// Interval of `beta` (log-odds), at the ratings' level.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The normalisation: the standard deviation of the relative difference
    /// over both orientations of the fitted votes that have the feature.
    pub std: f64,
    /// Fitted votes (under the tie policy) that have the feature.
    pub votes: f64,
}

/// A feature the fit could not use, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedFeature {
    pub feature: String,
    pub reason: String,
}

/// A style-controlled fit.
#[derive(Debug, Clone, PartialEq)]
pub struct StyledRatings {
    /// The controlled scores, intervals and ranks.
    pub ratings: Ratings,
    pub coefficients: Vec<StyleCoefficient>,
    pub unused: Vec<UnusedFeature>,
}

/// Fits the contextual Bradley–Terry model (see the module documentation).
pub fn rate_styled(
    table: &StyleTable,
    options: &RatingOptions,
) -> Result<StyledRatings, RatingError> {
    let k_all = table.features.len();
    if table.differences.len() != table.cells.len() * k_all {
        return Err(RatingError::InvalidOption(format!(
            "{} style differences for {} cells of {} features",
            table.differences.len(),
            table.cells.len(),
            k_all
        )));
    }
    if let Some(bad) = table
        .differences
        .iter()
        .find(|d| !d.is_nan() && !(-1.0..=1.0).contains(*d))
    {
        return Err(RatingError::InvalidOption(format!(
            "style difference {bad} is outside [-1, 1]"
        )));
    }
    let collapsed = PairTable {
        models: table.models.clone(),
        pairs: table.cells.clone(),
    };
    let Prepared {
        tally,
        graph,
        anchor,
        ..
    } = prepare(&collapsed, options)?;
    let components: Vec<Vec<String>> = graph
        .components
        .iter()
        .map(|c| c.iter().map(|&i| table.models[i].clone()).collect())
        .collect();

    let (cells, coefficients_base, unused) = StyleCells::build(table, &graph.fitted, options.ties);
    let m = cells.models;
    if m == 0 {
        let models = assemble(
            &collapsed,
            &tally,
            &graph.status,
            &graph.fitted,
            &[],
            options,
        );
        return Ok(StyledRatings {
            ratings: Ratings {
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
            },
            coefficients: Vec::new(),
            unused,
        });
    }
    let davidson = options.ties == TiePolicy::Davidson;
    let mut x0 = vec![0.0; cells.dim(davidson)];
    if davidson {
        let ties: f64 = cells.ties.iter().sum();
        let total: f64 =
            ties + cells.wins_lo.iter().sum::<f64>() + cells.wins_hi.iter().sum::<f64>();
        if ties <= 0.0 || ties >= total {
            return Err(RatingError::InvalidOption(
                "the davidson tie policy needs both ties and decisive votes among the rated models"
                    .into(),
            ));
        }
        let share = ties / total;
        x0[cells.dim(false)] = (2.0 * share / (1.0 - share)).ln();
    }
    let fit = newton(
        &cells,
        davidson,
        options.ties,
        x0,
        options.tolerance,
        options.max_iterations,
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
    let z = normal_quantile(0.5 + options.level / 2.0);
    let k = cells.features;
    let lambda = davidson.then_some(m + k);

    // Per parameter: (low offset, high offset, std error), natural log,
    // gauged for the strengths.
    let mut bootstrap_summary = None;
    let spreads: Option<Vec<(f64, f64, f64)>> = match options.ci {
        CiMethod::None => None,
        CiMethod::Fisher | CiMethod::Sandwich => {
            let covariance = covariance(&cells, &fit, davidson, options.ties, options.ci);
            let dim = fit.x.len();
            Some(
                (0..dim)
                    .map(|i| {
                        let var = match anchor_fitted {
                            Some(a) if i < m => {
                                covariance[i * dim + i] - 2.0 * covariance[i * dim + a]
                                    + covariance[a * dim + a]
                            }
                            _ => covariance[i * dim + i],
                        };
                        let se = var.max(0.0).sqrt();
                        (-z * se, z * se, se)
                    })
                    .collect(),
            )
        }
        CiMethod::Bootstrap => {
            let (spreads, summary) = bootstrap(&cells, &fit, davidson, options, anchor_fitted);
            bootstrap_summary = Some(summary);
            Some(spreads)
        }
    };

    let rated: Vec<RatedModel> = (0..m)
        .map(|i| {
            let spread = spreads
                .as_ref()
                .map(|s| s[i])
                .filter(|s| s.0.is_finite() && s.1.is_finite());
            RatedModel {
                score: scores[i],
                ci: spread.map(|(lo, hi, _)| {
                    (scores[i] + ELO_PER_NAT * lo, scores[i] + ELO_PER_NAT * hi)
                }),
                std_error: spread.map(|s| ELO_PER_NAT * s.2).filter(|s| s.is_finite()),
                rank_quantiles: None,
            }
        })
        .collect();
    let models = assemble(
        &collapsed,
        &tally,
        &graph.status,
        &graph.fitted,
        &rated,
        options,
    );
    let coefficients = coefficients_base
        .into_iter()
        .enumerate()
        .map(|(j, base)| {
            let beta = fit.x[m + j];
            let spread = spreads
                .as_ref()
                .map(|s| s[m + j])
                .filter(|s| s.0.is_finite());
            StyleCoefficient {
                beta,
                beta_points: ELO_PER_NAT * beta,
                std_error: spread.map(|s| s.2),
                ci_low: spread.map(|s| beta + s.0),
                ci_high: spread.map(|s| beta + s.1),
                ..base
            }
        })
        .collect();
    let tie_interval = lambda.and_then(|l| {
        spreads
            .as_ref()
            .map(|s| ((fit.x[l] + s[l].0).exp(), (fit.x[l] + s[l].1).exp()))
    });
    Ok(StyledRatings {
        ratings: Ratings {
            models,
            iterations: fit.iterations,
            converged: fit.converged,
            tie_parameter: lambda.map(|l| fit.x[l].exp()),
            tie_parameter_ci_low: tie_interval.map(|t| t.0),
            tie_parameter_ci_high: tie_interval.map(|t| t.1),
            components,
            ci: options.ci,
            level: options.level,
            bootstrap: bootstrap_summary,
        },
        coefficients,
        unused,
    })
}

/// The fitted models' cells, with the standardised differences of the used
/// features (0 where a vote lacks one).
#[derive(Debug, Clone)]
struct StyleCells {
    models: usize,
    features: usize,
    lo: Vec<u32>,
    hi: Vec<u32>,
    wins_lo: Vec<f64>,
    wins_hi: Vec<f64>,
    ties: Vec<f64>,
    /// Row-major `len × features`.
    z: Vec<f64>,
}

impl StyleCells {
    fn len(&self) -> usize {
        self.lo.len()
    }

    fn dim(&self, davidson: bool) -> usize {
        self.models + self.features + usize::from(davidson)
    }

    /// Keeps the cells of the fitted models, renumbered, standardises each
    /// feature over the votes that count under `ties`, and leaves out the
    /// features that cannot be fitted.
    fn build(
        table: &StyleTable,
        fitted: &[usize],
        ties: TiePolicy,
    ) -> (Self, Vec<StyleCoefficient>, Vec<UnusedFeature>) {
        let k_all = table.features.len();
        let mut new_index = vec![u32::MAX; table.models.len()];
        for (k, &i) in fitted.iter().enumerate() {
            new_index[i] = k as u32;
        }
        let keep: Vec<usize> = table
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                new_index[c.lo] != u32::MAX
                    && new_index[c.hi] != u32::MAX
                    && c.wins_lo + c.wins_hi + c.ties + c.ties_both_bad > 0
            })
            .map(|(i, _)| i)
            .collect();
        let weight = |c: &PairCount| match ties {
            TiePolicy::Drop => (c.wins_lo + c.wins_hi) as f64,
            _ => (c.wins_lo + c.wins_hi + c.ties + c.ties_both_bad) as f64,
        };
        let mut used = Vec::new();
        let mut coefficients = Vec::new();
        let mut unused = Vec::new();
        for f in 0..k_all {
            let (mut votes, mut squares) = (0.0, 0.0);
            for &i in &keep {
                let r = table.differences[i * k_all + f];
                if !r.is_nan() {
                    let w = weight(&table.cells[i]);
                    votes += w;
                    squares += w * r * r;
                }
            }
            let feature = table.features[f].clone();
            if votes == 0.0 {
                unused.push(UnusedFeature {
                    feature,
                    reason: "no fitted vote has it".into(),
                });
                continue;
            }
            let std = (squares / votes).sqrt();
            if std < 1e-9 {
                unused.push(UnusedFeature {
                    feature,
                    reason: "both answers have the same value in every fitted vote that has it"
                        .into(),
                });
                continue;
            }
            used.push((f, std));
            coefficients.push(StyleCoefficient {
                feature,
                beta: 0.0,
                beta_points: 0.0,
                std_error: None,
                ci_low: None,
                ci_high: None,
                std,
                votes,
            });
        }
        let features = used.len();
        let mut cells = StyleCells {
            models: fitted.len(),
            features,
            lo: Vec::with_capacity(keep.len()),
            hi: Vec::with_capacity(keep.len()),
            wins_lo: Vec::with_capacity(keep.len()),
            wins_hi: Vec::with_capacity(keep.len()),
            ties: Vec::with_capacity(keep.len()),
            z: Vec::with_capacity(keep.len() * features),
        };
        for &i in &keep {
            let c = &table.cells[i];
            cells.lo.push(new_index[c.lo]);
            cells.hi.push(new_index[c.hi]);
            cells.wins_lo.push(c.wins_lo as f64);
            cells.wins_hi.push(c.wins_hi as f64);
            cells.ties.push((c.ties + c.ties_both_bad) as f64);
            for &(f, std) in &used {
                let r = table.differences[i * k_all + f];
                cells.z.push(if r.is_nan() { 0.0 } else { r / std });
            }
        }
        (cells, coefficients, unused)
    }
}

/// Per-cell terms along the cell's logit Δ and ln ν: the gradient, the
/// information (or the sandwich's meat) as a 2×2 block (ΔΔ, Δλ, λλ).
#[derive(Debug, Clone, Copy, Default)]
struct CellTerms {
    loglik: f64,
    g_delta: f64,
    g_lambda: f64,
    dd: f64,
    dl: f64,
    ll: f64,
}

/// The logit of cell `c` at `x`.
#[inline]
fn logit(cells: &StyleCells, x: &[f64], c: usize) -> f64 {
    let (m, k) = (cells.models, cells.features);
    let mut delta = x[cells.lo[c] as usize] - x[cells.hi[c] as usize];
    for (j, z) in cells.z[c * k..(c + 1) * k].iter().enumerate() {
        delta += x[m + j] * z;
    }
    delta
}

/// The information terms (`meat = false`) or the meat terms of cell `c`.
#[inline]
fn cell_terms(
    cells: &StyleCells,
    x: &[f64],
    c: usize,
    davidson: bool,
    ties: TiePolicy,
    meat: bool,
) -> CellTerms {
    let delta = logit(cells, x, c);
    let (wl, wh, t) = (cells.wins_lo[c], cells.wins_hi[c], cells.ties[c]);
    if davidson {
        let nu = x[cells.models + cells.features].exp();
        let (pl, ph, pt) = super::davidson::probabilities(delta, nu);
        let total = wl + wh + t;
        let diff = pl - ph;
        let mut loglik = 0.0;
        for (count, p) in [(wl, pl), (wh, ph), (t, pt)] {
            if count > 0.0 {
                loglik += count * p.ln();
            }
        }
        if meat {
            // Per-vote scores along (Δ, λ) for each outcome.
            let (sl, sh, st) = (0.5 - 0.5 * diff, -0.5 - 0.5 * diff, -0.5 * diff);
            return CellTerms {
                loglik,
                dd: wl * sl * sl + wh * sh * sh + t * st * st,
                dl: wl * sl * -pt + wh * sh * -pt + t * st * (1.0 - pt),
                ll: (wl + wh) * pt * pt + t * (1.0 - pt) * (1.0 - pt),
                ..CellTerms::default()
            };
        }
        CellTerms {
            loglik,
            g_delta: 0.5 * (wl - wh) - 0.5 * total * diff,
            g_lambda: t - total * pt,
            dd: total * (0.25 * (pl + ph) - 0.25 * diff * diff),
            dl: -0.5 * total * diff * pt,
            ll: total * pt * (1.0 - pt),
        }
    } else {
        let (wl, wh, tie_weight) = match ties {
            TiePolicy::Drop => (wl, wh, 0.0),
            _ => (wl + 0.5 * t, wh + 0.5 * t, 1.0),
        };
        // p, ln p and ln(1 − p) without cancellation, from one exponential
        // (e ≤ 1, so ln(1 + e) loses nothing the line search could see).
        let e = (-delta.abs()).exp();
        let l = (1.0 + e).ln();
        let (p, ln_p, ln_q) = if delta >= 0.0 {
            (1.0 / (1.0 + e), -l, -delta - l)
        } else {
            (e / (1.0 + e), delta - l, -l)
        };
        let loglik = wl * ln_p + wh * ln_q;
        if meat {
            let raw_lo = cells.wins_lo[c];
            let raw_hi = cells.wins_hi[c];
            return CellTerms {
                loglik,
                dd: raw_lo * (1.0 - p) * (1.0 - p)
                    + raw_hi * p * p
                    + tie_weight * t * (0.5 - p) * (0.5 - p),
                ..CellTerms::default()
            };
        }
        CellTerms {
            loglik,
            g_delta: wl - (wl + wh) * p,
            dd: (wl + wh) * p * (1.0 - p),
            ..CellTerms::default()
        }
    }
}

/// Log-likelihood at `x`, with the gradient and the information (row-major
/// `dim × dim`, upper triangle and diagonal) added into `grad` and `info`;
/// with `meat`, `info` receives the sandwich's meat B instead.
///
/// Large tables are summed on two threads (each over half of the cells, into
/// its own gradient and matrix, added at the end): the sums are the same up
/// to floating-point order.
fn accumulate(
    cells: &StyleCells,
    x: &[f64],
    davidson: bool,
    ties: TiePolicy,
    meat: bool,
    grad: &mut [f64],
    info: Option<&mut [f64]>,
) -> f64 {
    const PARALLEL_FROM: usize = 100_000;
    let n = cells.len();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get().min(2));
    if n < PARALLEL_FROM || threads < 2 {
        return accumulate_range(cells, x, davidson, ties, meat, 0..n, grad, info);
    }
    let half = n / 2;
    let dim = x.len();
    let with_info = info.is_some();
    let mut info = info;
    let (first, second) = std::thread::scope(|scope| {
        let handle = scope.spawn(move || {
            let mut grad_b = vec![0.0; dim];
            let mut info_b = if with_info {
                vec![0.0; dim * dim]
            } else {
                Vec::new()
            };
            let loglik = accumulate_range(
                cells,
                x,
                davidson,
                ties,
                meat,
                half..n,
                &mut grad_b,
                with_info.then_some(info_b.as_mut_slice()),
            );
            (loglik, grad_b, info_b)
        });
        let first = accumulate_range(
            cells,
            x,
            davidson,
            ties,
            meat,
            0..half,
            grad,
            info.as_deref_mut(),
        );
        (first, handle.join())
    });
    let (second_loglik, grad_b, info_b) = match second {
        Ok(sums) => sums,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    for (g, b) in grad.iter_mut().zip(&grad_b) {
        *g += b;
    }
    if let Some(info) = info {
        for (a, b) in info.iter_mut().zip(&info_b) {
            *a += b;
        }
    }
    first + second_loglik
}

#[allow(clippy::too_many_arguments)]
fn accumulate_range(
    cells: &StyleCells,
    x: &[f64],
    davidson: bool,
    ties: TiePolicy,
    meat: bool,
    range: std::ops::Range<usize>,
    grad: &mut [f64],
    info: Option<&mut [f64]>,
) -> f64 {
    let (m, k) = (cells.models, cells.features);
    let dim = x.len();
    let lambda = m + k;
    let mut loglik = 0.0;
    let mut info = info;
    for c in range {
        let t = cell_terms(cells, x, c, davidson, ties, meat);
        loglik += t.loglik;
        let (lo, hi) = (cells.lo[c] as usize, cells.hi[c] as usize);
        let z = &cells.z[c * k..(c + 1) * k];
        grad[lo] += t.g_delta;
        grad[hi] -= t.g_delta;
        for (j, zj) in z.iter().enumerate() {
            grad[m + j] += t.g_delta * zj;
        }
        if davidson {
            grad[lambda] += t.g_lambda;
        }
        let Some(info) = info.as_deref_mut() else {
            continue;
        };
        // The design vector along Δ is (e_lo − e_hi, z); along λ it is e_λ.
        // Only the upper triangle is written (lo < hi < m ≤ m + j < λ).
        info[lo * dim + lo] += t.dd;
        info[hi * dim + hi] += t.dd;
        info[lo * dim + hi] -= t.dd;
        for (j, zj) in z.iter().enumerate() {
            let col = m + j;
            info[lo * dim + col] += t.dd * zj;
            info[hi * dim + col] -= t.dd * zj;
            for (i, zi) in z.iter().enumerate().skip(j) {
                info[col * dim + m + i] += t.dd * zj * zi;
            }
        }
        if davidson {
            info[lo * dim + lambda] += t.dl;
            info[hi * dim + lambda] -= t.dl;
            for (j, zj) in z.iter().enumerate() {
                info[(m + j) * dim + lambda] += t.dl * zj;
            }
            info[lambda * dim + lambda] += t.ll;
        }
    }
    loglik
}

/// Copies the upper triangle of a row-major symmetric matrix to the lower.
fn symmetrise(a: &mut [f64], dim: usize) {
    for i in 0..dim {
        for j in 0..i {
            a[i * dim + j] = a[j * dim + i];
        }
    }
}

struct StyleFit {
    x: Vec<f64>,
    iterations: u32,
    converged: bool,
    /// Factor of the information at `x` plus the gauge term.
    factor: Cholesky,
    shift: f64,
}

/// The gauge term's size: the mean diagonal of the strengths block over the
/// number of models, as in [`super::fit`].
fn gauge_shift(info: &[f64], dim: usize, models: usize) -> f64 {
    let mean = (0..models).map(|i| info[i * dim + i]).sum::<f64>() / models as f64;
    if mean > 0.0 {
        mean / models as f64
    } else {
        1.0
    }
}

fn center(x: &mut [f64], models: usize) {
    let mean = x[..models].iter().sum::<f64>() / models as f64;
    x[..models].iter_mut().for_each(|v| *v -= mean);
}

/// Newton's method from `x` with backtracking; `None` if the information
/// matrix is singular.
fn newton(
    cells: &StyleCells,
    davidson: bool,
    ties: TiePolicy,
    mut x: Vec<f64>,
    tolerance: f64,
    max_iterations: u32,
) -> Option<StyleFit> {
    let m = cells.models;
    let dim = x.len();
    center(&mut x, m);
    let evaluate = |x: &[f64]| {
        let mut grad = vec![0.0; dim];
        let mut info = vec![0.0; dim * dim];
        let loglik = accumulate(cells, x, davidson, ties, false, &mut grad, Some(&mut info));
        (loglik, grad, info)
    };
    let (mut loglik, mut grad, mut info) = evaluate(&x);
    let mut shift = gauge_shift(&info, dim, m);
    let mut factor = Cholesky::factor_shifted(&info, dim, m, shift, None)?;
    let (mut iterations, mut converged) = (0, false);
    while iterations < max_iterations {
        let mut step = grad.clone();
        factor.solve_in_place(&mut step);
        let mut scale = 1.0;
        let (trial_x, trial) = loop {
            let trial_x: Vec<f64> = x.iter().zip(&step).map(|(a, s)| a + scale * s).collect();
            let trial = evaluate(&trial_x);
            if trial.0 >= loglik - 1e-12 * loglik.abs().max(1.0) || scale < 1e-8 {
                break (trial_x, trial);
            }
            scale *= 0.5;
        };
        iterations += 1;
        let moved = step.iter().map(|s| (scale * s).abs()).fold(0.0, f64::max);
        x = trial_x;
        (loglik, grad, info) = trial;
        shift = gauge_shift(&info, dim, m);
        factor = Cholesky::factor_shifted(&info, dim, m, shift, Some(factor))?;
        converged = moved < tolerance;
        if converged || !moved.is_finite() {
            break;
        }
    }
    center(&mut x, m);
    Some(StyleFit {
        x,
        iterations,
        converged,
        factor,
        shift,
    })
}

/// The covariance of all parameters (row-major), Fisher H⁺ or sandwich
/// H⁺BH⁺, in the sum-to-zero gauge of the strengths.
fn covariance(
    cells: &StyleCells,
    fit: &StyleFit,
    davidson: bool,
    ties: TiePolicy,
    ci: CiMethod,
) -> Vec<f64> {
    let m = cells.models;
    let dim = fit.x.len();
    // (A + a·vvᵀ)⁻¹ = A⁺ + vvᵀ/(a·m²), v the ones of the strengths block.
    let pseudo_inverse = super::covariance::gauged_inverse(&fit.factor, fit.shift, m);
    if ci != CiMethod::Sandwich {
        return pseudo_inverse;
    }
    let mut grad = vec![0.0; dim];
    let mut meat = vec![0.0; dim * dim];
    accumulate(
        cells,
        &fit.x,
        davidson,
        ties,
        true,
        &mut grad,
        Some(&mut meat),
    );
    symmetrise(&mut meat, dim);
    multiply(&multiply(&pseudo_inverse, &meat, dim), &pseudo_inverse, dim)
}

/// `a·b` for row-major square matrices.
fn multiply(a: &[f64], b: &[f64], dim: usize) -> Vec<f64> {
    let mut out = vec![0.0; dim * dim];
    for i in 0..dim {
        let row = &mut out[i * dim..(i + 1) * dim];
        for (l, &a_il) in a[i * dim..(i + 1) * dim].iter().enumerate() {
            if a_il != 0.0 {
                for (o, &b_lj) in row.iter_mut().zip(&b[l * dim..(l + 1) * dim]) {
                    *o += a_il * b_lj;
                }
            }
        }
    }
    out
}

/// Percentile intervals from Poisson-resampled counts, each replicate refitted
/// by Newton from the full fit. Per parameter: (low − point, high − point,
/// standard deviation), strengths gauged.
fn bootstrap(
    cells: &StyleCells,
    fit: &StyleFit,
    davidson: bool,
    options: &RatingOptions,
    anchor: Option<usize>,
) -> (Vec<(f64, f64, f64)>, BootstrapSummary) {
    let m = cells.models;
    let dim = fit.x.len();
    let n = cells.len();
    let mut means = Vec::with_capacity(3 * n);
    means.extend_from_slice(&cells.wins_lo);
    means.extend_from_slice(&cells.wins_hi);
    means.extend_from_slice(&cells.ties);
    let laws = CountLaws::new(&means);
    let gauge = |x: &[f64]| -> Vec<f64> {
        let reference = anchor.map_or(0.0, |a| x[a]);
        x.iter()
            .enumerate()
            .map(|(i, v)| if i < m { v - reference } else { *v })
            .collect()
    };
    let point = gauge(&fit.x);
    let groups = (options.rounds as usize).div_ceil(LANES);
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |t| t.get())
    } else {
        options.threads
    }
    .clamp(1, groups.max(1));
    // Replicate group g draws from seeds derived from (seed, g) only, so the
    // result does not depend on the thread count.
    let results: Vec<Vec<(usize, Option<Vec<f64>>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (laws, point_x) = (&laws, &fit.x);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    let mut counts = vec![[0.0; LANES]; laws.len()];
                    let mut scratch = DrawScratch::default();
                    for g in (t..groups).step_by(threads) {
                        let seeds: [u64; LANES] = std::array::from_fn(|lane| {
                            splitmix(options.seed ^ splitmix((g * LANES + lane) as u64 + 1))
                        });
                        let mut rng = LaneRng::new(seeds);
                        laws.sample_lanes(&mut rng, &mut counts, &mut scratch);
                        for lane in 0..LANES {
                            if g * LANES + lane >= options.rounds as usize {
                                break;
                            }
                            let mut replicate = cells.clone();
                            for c in 0..n {
                                replicate.wins_lo[c] = counts[c][lane];
                                replicate.wins_hi[c] = counts[n + c][lane];
                                replicate.ties[c] = counts[2 * n + c][lane];
                            }
                            let refit = newton(
                                &replicate,
                                davidson,
                                options.ties,
                                point_x.clone(),
                                options.tolerance.max(1e-8),
                                options.max_iterations,
                            );
                            out.push((
                                g * LANES + lane,
                                refit
                                    .filter(|f| f.converged && f.x.iter().all(|v| v.is_finite()))
                                    .map(|f| f.x),
                            ));
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    // In replicate order, so that the sums below do not depend on the threads.
    let mut indexed: Vec<(usize, Option<Vec<f64>>)> = results.into_iter().flatten().collect();
    indexed.sort_unstable_by_key(|(i, _)| *i);
    let replicates: Vec<Vec<f64>> = indexed
        .into_iter()
        .filter_map(|(_, x)| x)
        .map(|x| gauge(&x))
        .collect();
    let converged = replicates.len();
    let alpha = (1.0 - options.level) / 2.0;
    let spreads = (0..dim)
        .map(|i| {
            let mut column: Vec<f64> = replicates.iter().map(|r| r[i]).collect();
            if column.len() < 2 {
                return (f64::NAN, f64::NAN, f64::NAN);
            }
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            let var = column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>()
                / (column.len() - 1) as f64;
            column.sort_by(f64::total_cmp);
            (
                quantile_sorted(&column, alpha) - point[i],
                quantile_sorted(&column, 1.0 - alpha) - point[i],
                var.sqrt(),
            )
        })
        .collect();
    let summary = BootstrapSummary {
        rounds: options.rounds,
        converged_rounds: converged as u32,
        non_converged: options.rounds - converged as u32,
        seed: options.seed,
    };
    (spreads, summary)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests;
