//! Simulated vote streams with known true strengths, for the demo, the
//! benchmarks and the tests that check the fit recovers what went in.
//!
//! Outcomes are drawn so that the default fit (a tie is half a win) recovers
//! the true strengths: with a BT win probability `p` and a tie probability
//! `τ`, side A wins with `p − τ/2`, loses with `1 − p − τ/2`, and ties with
//! `τ`, where `τ` is clamped to at most `2·min(p, 1 − p)`. The expected score
//! of A is then `p − τ/2 + τ/2 = p`, whatever `τ` is; ties drawn independently
//! of `p` would instead pull every expected score towards ½ and compress the
//! fitted scale.
//!
//! Models are paired with probabilities proportional to their weight (by
//! default compar:IA's match counts), timestamps are spread evenly over the
//! days asked for, and each answer's output tokens follow a per-model
//! log-normal distribution around the model's mean. A model can be made to
//! degrade (lose BT points) in the last days, to give trends and regression
//! alerts something true to find.
//!
//! With a length effect ([`SimulationOptions::length_effect`], `β`), the
//! answers' output tokens move the outcome: the logit of A winning is
//! `(s_a − s_b)·ln 10/400 + β·(t_a − t_b)/(t_a + t_b)`, so models that write
//! long answers win more than their strength says, by a known amount. With
//! [`SimulationOptions::markdown_effect`] each answer also gets markdown
//! counts (Poisson around a per-model mean: headers 0.5–6 per answer, bold
//! spans 1 + headers/2, list items 2 + headers), and the headers' relative
//! difference adds its own `β_h·(h_a − h_b)/(h_a + h_b)` to the logit.
//!
//! Each answer is also judged with compar:IA's qualifiers ([`REASON_RATES`]):
//! the answer that won ticks each positive qualifier with its "won" rate,
//! the one that lost each negative qualifier with its "lost" rate, and
//! the other qualifiers with a small rate; a tie counts as half a win for
//! both, a tie where both were bad as a loss for both. So a model's
//! positive-reasons ratio follows its win rate. These draws use their own
//! random stream, so the outcomes do not depend on them.

use std::io::Write;

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

use arenawatt_store::{Outcome, Reasons, Vote};

use crate::slices::{SliceDraws, SliceSimulation, VoteSlices};

use arenawatt_engine::time::{format_seconds, SECONDS_PER_DAY};

/// The bundled strengths: compar:IA's published Feb-2026 BT medians of the 59
/// open models on its energy graph and of the proprietary models.
pub const BUNDLED_STRENGTHS: &str = include_str!("../../data/demo/comparia_strengths_20260211.csv");
pub const BUNDLED_STRENGTHS_NAME: &str = "comparia_strengths_20260211.csv (bundled)";

/// Spread of output tokens around a model's mean (log-normal σ).
const TOKENS_SIGMA: f64 = 0.6;
/// Share of ties drawn as "both bad".
const BOTH_BAD_SHARE: f64 = 0.3;

/// Per qualifier of [`arenawatt_store::REASONS`]: how often an answer that
/// won, and one that lost, gets it (simulated rates, of the order of those
/// in compar:IA's published model file).
pub const REASON_RATES: [(f64, f64); 7] = [
    (0.45, 0.05), // useful
    (0.15, 0.02), // creative
    (0.25, 0.05), // clear_formatting
    (0.30, 0.04), // complete
    (0.04, 0.30), // incorrect
    (0.05, 0.25), // superficial
    (0.02, 0.15), // instructions_not_followed
];

/// Seeds the markdown counts' random stream apart from the outcomes'.
const MARKDOWN_STREAM: u64 = 0x4d41_524b_444f_574e;

/// A model's mean markdown counts per answer: headers from 0.5 to 6, in an
/// order unrelated to its strength (a stride through the models); bold
/// spans and list items follow the headers.
fn markdown_means(model: usize, models: usize) -> [f64; 3] {
    let slot = (model * 7 + 3) % models.max(1);
    let headers = 0.5 + 5.5 * slot as f64 / (models.max(2) - 1) as f64;
    [headers, 1.0 + headers / 2.0, 2.0 + headers]
}

/// Seeds the qualifiers' random stream apart from the outcomes'.
const REASONS_STREAM: u64 = 0x5245_4153_4f4e_5321;

/// Draws the qualifiers of one answer that won (`won` 1), tied (0.5) or lost (0).
fn draw_reasons(rng: &mut impl Rng, won: f64) -> Reasons {
    let mut marks = [Some(false); 7];
    for (mark, (if_won, if_lost)) in marks.iter_mut().zip(REASON_RATES) {
        let rate = won * if_won + (1.0 - won) * if_lost;
        *mark = Some(rng.random::<f64>() < rate);
    }
    Reasons::from_marks(marks)
}

/// One model's true strength and traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    pub model: String,
    /// True BT score (400 per factor of 10 in odds).
    pub bt_score: f64,
    /// Relative pairing frequency.
    pub weight: f64,
    /// Mean output tokens of one answer.
    pub mean_output_tokens: f64,
    /// Published interval, when known (for recovery checks).
    pub published_ci: Option<(f64, f64)>,
    /// `open` or `proprietary`, when known.
    pub license: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SimulateError {
    #[error("{file}:{row}:{column}: {reason}")]
    BadStrengths {
        file: String,
        row: usize,
        column: String,
        reason: String,
    },
    #[error("{file}: {reason}")]
    Strengths { file: String, reason: String },
    #[error("invalid option: {0}")]
    InvalidOption(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Reads a strengths CSV: `model,bt_score` and optionally `n_match` (weight),
/// `mean_output_tokens`, `bt_ci_low`, `bt_ci_high`, `license`.
pub fn parse_strengths(text: &str, file: &str) -> Result<Vec<Strength>, SimulateError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| SimulateError::Strengths {
            file: file.into(),
            reason: e.to_string(),
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let model_col = column("model").ok_or_else(|| SimulateError::Strengths {
        file: file.into(),
        reason:
            "missing column `model` (expected a header model,bt_score[,n_match,mean_output_tokens])"
                .into(),
    })?;
    let score_col = column("bt_score").ok_or_else(|| SimulateError::Strengths {
        file: file.into(),
        reason: "missing column `bt_score`".into(),
    })?;
    let weight_col = column("n_match").or_else(|| column("weight"));
    let tokens_col = column("mean_output_tokens");
    let (low_col, high_col, license_col) =
        (column("bt_ci_low"), column("bt_ci_high"), column("license"));
    let mut strengths = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2; // 1-based, after the header
        let record = record.map_err(|e| SimulateError::BadStrengths {
            file: file.into(),
            row,
            column: "-".into(),
            reason: e.to_string(),
        })?;
        let number = |col: Option<usize>,
                      name: &str,
                      default: Option<f64>|
         -> Result<Option<f64>, SimulateError> {
            let Some(col) = col else { return Ok(default) };
            let text = record.get(col).unwrap_or("");
            if text.is_empty() {
                return Ok(default);
            }
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| SimulateError::BadStrengths {
                    file: file.into(),
                    row,
                    column: name.into(),
                    reason: format!("not a number: {text:?}"),
                })
        };
        let model = record.get(model_col).unwrap_or("").to_string();
        if model.is_empty() {
            return Err(SimulateError::BadStrengths {
                file: file.into(),
                row,
                column: "model".into(),
                reason: "empty model name".into(),
            });
        }
        let bt_score = number(Some(score_col), "bt_score", None)?.ok_or_else(|| {
            SimulateError::BadStrengths {
                file: file.into(),
                row,
                column: "bt_score".into(),
                reason: "empty score".into(),
            }
        })?;
        let weight = number(weight_col, "n_match", Some(1.0))?.unwrap_or(1.0);
        let mean_output_tokens =
            number(tokens_col, "mean_output_tokens", Some(800.0))?.unwrap_or(800.0);
        if weight <= 0.0 || mean_output_tokens <= 0.0 {
            return Err(SimulateError::BadStrengths {
                file: file.into(),
                row,
                column: if weight <= 0.0 {
                    "n_match"
                } else {
                    "mean_output_tokens"
                }
                .into(),
                reason: "must be positive".into(),
            });
        }
        let published_ci = match (
            number(low_col, "bt_ci_low", None)?,
            number(high_col, "bt_ci_high", None)?,
        ) {
            (Some(low), Some(high)) => Some((low, high)),
            _ => None,
        };
        strengths.push(Strength {
            model,
            bt_score,
            weight,
            mean_output_tokens,
            published_ci,
            license: license_col
                .and_then(|c| record.get(c))
                .map(str::to_string)
                .filter(|l| !l.is_empty()),
        });
    }
    if strengths.len() < 2 {
        return Err(SimulateError::Strengths {
            file: file.into(),
            reason: format!("needs at least 2 models, found {}", strengths.len()),
        });
    }
    Ok(strengths)
}

/// The bundled compar:IA strengths.
pub fn bundled_strengths() -> Vec<Strength> {
    // The bundled file is checked by a test; an error here is a build defect.
    parse_strengths(BUNDLED_STRENGTHS, BUNDLED_STRENGTHS_NAME).unwrap_or_default()
}

/// A model that loses BT points in the last days of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Degradation {
    pub model: String,
    /// BT points lost (positive = worse).
    pub points: f64,
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimulationOptions {
    pub votes: u64,
    pub days: u32,
    /// Last day of the stream (days since the epoch, UTC), included.
    pub end_day: i64,
    /// Wanted tie probability before clamping.
    pub tie_rate: f64,
    pub seed: u64,
    pub degrade: Option<Degradation>,
    /// Prefix of vote ids (ids are `<prefix><n>`).
    pub id_prefix: String,
    /// Categories, languages and countries per vote, with per-category
    /// strength shifts (see [`crate::slices`]); `None`: votes without slices.
    pub slices: Option<SliceSimulation>,
    /// The answers' length effect on the outcome, in log-odds per unit of the
    /// relative difference of output tokens (`(t_a − t_b) / (t_a + t_b)`):
    /// the true `β` that style control should recover. 0: length does not
    /// matter (the default; the demo).
    pub length_effect: f64,
    /// Draw each answer's markdown counts (headers, bold spans, list items)
    /// and give headers this effect on the outcome, in log-odds per unit of
    /// their relative difference; `None`: no markdown counts (the default).
    pub markdown_effect: Option<f64>,
}

/// One simulated vote; models index the strengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedVote {
    pub number: u64,
    pub timestamp: i64,
    pub model_a: usize,
    pub model_b: usize,
    pub outcome: Outcome,
    pub tokens_a: u64,
    pub tokens_b: u64,
    /// Empty (all `u8::MAX`... see [`VoteSlices`]) without slices.
    pub slices: VoteSlices,
    /// The voter's qualifiers of answers A and B.
    pub reasons: [Reasons; 2],
    /// With [`SimulationOptions::markdown_effect`]: headers, bold spans and
    /// list items of answer A, then of answer B.
    pub markdown: Option<[[u32; 3]; 2]>,
}

impl SimulatedVote {
    /// The names of the vote's categories, language and country.
    pub fn slice_names<'s>(&self, slices: &'s SliceSimulation) -> (Vec<&'s str>, &'s str, &'s str) {
        (
            self.slices
                .category_indices()
                .map(|c| slices.categories[c].as_str())
                .collect(),
            slices.languages[self.slices.language as usize].0.as_str(),
            slices.countries[self.slices.country as usize].0.as_str(),
        )
    }
    /// The vote as the store takes it: under `source`, with the id
    /// `id_prefix` + its number and its models named by `names` (indexed
    /// like the strengths it was drawn from).
    pub fn to_vote(
        &self,
        source: &str,
        id_prefix: &str,
        names: &[String],
        slices: Option<&SliceSimulation>,
    ) -> Vote {
        let (categories, language, country) = match slices {
            Some(slices) => {
                let (c, l, n) = self.slice_names(slices);
                (
                    c.into_iter().map(str::to_string).collect(),
                    Some(l.to_string()),
                    Some(n.to_string()),
                )
            }
            None => (Vec::new(), None, None),
        };
        Vote {
            source: source.into(),
            source_id: Some(format!("{id_prefix}{}", self.number)),
            timestamp: self.timestamp,
            model_a: names[self.model_a].clone(),
            model_b: names[self.model_b].clone(),
            outcome: self.outcome,
            tokens_a: Some(self.tokens_a),
            tokens_b: Some(self.tokens_b),
            categories,
            country,
            language,
            reasons: self.reasons,
        }
    }
}

/// BT probability that a beats b.
pub fn win_probability(score_a: f64, score_b: f64) -> f64 {
    1.0 / (1.0 + 10f64.powf((score_b - score_a) / 400.0))
}

/// Draws the votes, calling `sink` for each, in time order.
pub fn simulate(
    strengths: &[Strength],
    options: &SimulationOptions,
    mut sink: impl FnMut(&SimulatedVote) -> Result<(), SimulateError>,
) -> Result<(), SimulateError> {
    if strengths.len() < 2 {
        return Err(SimulateError::InvalidOption(
            "needs at least 2 models".into(),
        ));
    }
    if options.days == 0 {
        return Err(SimulateError::InvalidOption(
            "--days must be at least 1".into(),
        ));
    }
    if !options.length_effect.is_finite() || options.length_effect.abs() > 10.0 {
        return Err(SimulateError::InvalidOption(format!(
            "--length-effect {} is not a log-odds effect between -10 and 10",
            options.length_effect
        )));
    }
    if !(0.0..=1.0).contains(&options.tie_rate) {
        return Err(SimulateError::InvalidOption(format!(
            "--tie-rate {} is not a probability between 0 and 1",
            options.tie_rate
        )));
    }
    let degraded = match &options.degrade {
        Some(d) => Some(
            strengths
                .iter()
                .position(|s| s.model.eq_ignore_ascii_case(&d.model))
                .ok_or_else(|| {
                    SimulateError::InvalidOption(format!("unknown model to degrade {:?}", d.model))
                })?,
        ),
        None => None,
    };
    let mut cumulative = Vec::with_capacity(strengths.len());
    let mut total = 0.0;
    for s in strengths {
        total += s.weight;
        cumulative.push(total);
    }
    let pick = |u: f64| {
        cumulative
            .partition_point(|&c| c <= u * total)
            .min(strengths.len() - 1)
    };
    let token_distributions: Vec<LogNormal<f64>> = strengths
        .iter()
        .map(|s| {
            let mu = s.mean_output_tokens.ln() - TOKENS_SIGMA * TOKENS_SIGMA / 2.0;
            LogNormal::new(mu, TOKENS_SIGMA)
                .map_err(|e| SimulateError::InvalidOption(format!("tokens of {}: {e}", s.model)))
        })
        .collect::<Result<_, _>>()?;

    let end = (options.end_day + 1) * SECONDS_PER_DAY;
    let span = options.days as i64 * SECONDS_PER_DAY;
    let start = end - span;
    let degrade_from = options
        .degrade
        .as_ref()
        .map(|d| end - d.days as i64 * SECONDS_PER_DAY)
        .unwrap_or(i64::MAX);
    let mut rng = rand::rngs::StdRng::seed_from_u64(options.seed);
    let mut reasons_rng = rand::rngs::StdRng::seed_from_u64(options.seed ^ REASONS_STREAM);
    let mut markdown_rng = rand::rngs::StdRng::seed_from_u64(options.seed ^ MARKDOWN_STREAM);
    if let Some(effect) = options.markdown_effect {
        if !effect.is_finite() || effect.abs() > 10.0 {
            return Err(SimulateError::InvalidOption(format!(
                "--markdown-effect {effect} is not a log-odds effect between -10 and 10"
            )));
        }
    }
    let markdown_laws: Vec<[rand_distr::Poisson<f64>; 3]> = match options.markdown_effect {
        None => Vec::new(),
        Some(_) => (0..strengths.len())
            .map(|i| {
                markdown_means(i, strengths.len()).map(|mean| {
                    rand_distr::Poisson::new(mean).expect("markdown means are positive")
                })
            })
            .collect(),
    };
    if let Some(slices) = &options.slices {
        slices.check().map_err(SimulateError::InvalidOption)?;
    }
    let mut slice_draws = options
        .slices
        .as_ref()
        .map(|s| SliceDraws::new(s, options.seed));
    let shifts: Vec<Vec<f64>> = options.slices.as_ref().map_or_else(Vec::new, |s| {
        let models: Vec<String> = strengths.iter().map(|m| m.model.clone()).collect();
        s.shift_table(&models)
    });
    let no_slices = VoteSlices {
        categories: [u8::MAX; 3],
        language: u8::MAX,
        country: u8::MAX,
    };
    for number in 0..options.votes {
        // Stratified: vote n falls in the n-th slice of the span, so the stream is in time order.
        let offset =
            ((number as f64 + rng.random::<f64>()) / options.votes as f64 * span as f64) as i64;
        let timestamp = (start + offset).min(end - 1);
        let a = pick(rng.random::<f64>());
        let b = loop {
            let b = pick(rng.random::<f64>());
            if b != a {
                break b;
            }
        };
        let vote_slices = slice_draws.as_mut().map_or(no_slices, SliceDraws::draw);
        let score = |i: usize| {
            let penalty = match (&options.degrade, degraded) {
                (Some(d), Some(m)) if m == i && timestamp >= degrade_from => d.points,
                _ => 0.0,
            };
            // A vote in several categories takes the mean of their shifts.
            let shift = if shifts.is_empty() {
                0.0
            } else {
                let (sum, n) = vote_slices
                    .category_indices()
                    .fold((0.0, 0), |(sum, n), c| (sum + shifts[i][c], n + 1));
                if n == 0 {
                    0.0
                } else {
                    sum / n as f64
                }
            };
            strengths[i].bt_score - penalty + shift
        };
        // With a length effect the answers' tokens are drawn first, since
        // they move the outcome; without, after it (the demo's stream).
        let early_tokens = (options.length_effect != 0.0).then(|| {
            (
                token_distributions[a].sample(&mut rng).round().max(1.0) as u64,
                token_distributions[b].sample(&mut rng).round().max(1.0) as u64,
            )
        });
        // Markdown counts come from their own stream, so drawing them does
        // not change the outcomes' stream.
        let markdown = options.markdown_effect.map(|_| {
            [a, b].map(|m| markdown_laws[m].map(|law| law.sample(&mut markdown_rng) as u32))
        });
        let markdown_logit = match (options.markdown_effect, markdown) {
            (Some(effect), Some([ma, mb])) if ma[0] + mb[0] > 0 => {
                effect * (ma[0] as f64 - mb[0] as f64) / (ma[0] + mb[0]) as f64
            }
            _ => 0.0,
        };
        let p = match (early_tokens, markdown_logit != 0.0) {
            (None, false) => win_probability(score(a), score(b)),
            (tokens, _) => {
                let length = tokens.map_or(0.0, |(ta, tb)| {
                    options.length_effect * (ta as f64 - tb as f64) / (ta + tb) as f64
                });
                let logit = (score(a) - score(b)) * std::f64::consts::LN_10 / 400.0
                    + length
                    + markdown_logit;
                1.0 / (1.0 + (-logit).exp())
            }
        };
        let tie = options.tie_rate.min(2.0 * p.min(1.0 - p));
        let u: f64 = rng.random();
        let outcome = if u < p - tie / 2.0 {
            Outcome::A
        } else if u < 1.0 - tie {
            Outcome::B
        } else if rng.random::<f64>() < BOTH_BAD_SHARE {
            Outcome::BothBad
        } else {
            Outcome::Tie
        };
        let (tokens_a, tokens_b) = match early_tokens {
            Some(tokens) => tokens,
            None => (
                token_distributions[a].sample(&mut rng).round().max(1.0) as u64,
                token_distributions[b].sample(&mut rng).round().max(1.0) as u64,
            ),
        };
        let won_a = match outcome {
            Outcome::A => 1.0,
            Outcome::B | Outcome::BothBad => 0.0,
            Outcome::Tie => 0.5,
        };
        let won_b = if outcome == Outcome::BothBad {
            0.0
        } else {
            1.0 - won_a
        };
        let reasons = [
            draw_reasons(&mut reasons_rng, won_a),
            draw_reasons(&mut reasons_rng, won_b),
        ];
        sink(&SimulatedVote {
            number,
            timestamp,
            model_a: a,
            model_b: b,
            outcome,
            tokens_a,
            tokens_b,
            slices: vote_slices,
            reasons,
            markdown,
        })?;
    }
    Ok(())
}

/// The CSV header written by [`write_csv`] (the `csv` import format).
pub const CSV_HEADER: &str = "model_a,model_b,winner,timestamp,id,tokens_a,tokens_b,source";

/// The `winner` value of the `csv` import format.
pub fn winner_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::A => "model_a",
        Outcome::B => "model_b",
        Outcome::Tie => "tie",
        Outcome::BothBad => "tie (bothbad)",
    }
}

/// Writes the stream as CSV in the import `csv` format, source `simulated`.
pub fn write_csv(
    strengths: &[Strength],
    options: &SimulationOptions,
    out: &mut impl Write,
    path: &str,
) -> Result<u64, SimulateError> {
    let fail = |e: std::io::Error| SimulateError::Write {
        path: path.into(),
        reason: e.to_string(),
    };
    let slices = if options.slices.is_some() {
        ",category,language,country"
    } else {
        ""
    };
    let markdown = if options.markdown_effect.is_some() {
        ",headers_a,headers_b,bold_a,bold_b,lists_a,lists_b"
    } else {
        ""
    };
    writeln!(out, "{CSV_HEADER}{slices}{markdown}").map_err(fail)?;
    let names: Vec<String> = strengths.iter().map(|s| csv_field(&s.model)).collect();
    let mut written = 0;
    simulate(strengths, options, |v| {
        written += 1;
        write!(
            out,
            "{},{},{},{},{}{},{},{},simulated",
            names[v.model_a],
            names[v.model_b],
            winner_name(v.outcome),
            format_seconds(v.timestamp),
            options.id_prefix,
            v.number,
            v.tokens_a,
            v.tokens_b
        )
        .map_err(fail)?;
        if let Some(slices) = &options.slices {
            let (categories, language, country) = v.slice_names(slices);
            write!(
                out,
                ",{},{},{}",
                csv_field(&categories.join("|")),
                csv_field(language),
                csv_field(country)
            )
            .map_err(fail)?;
        }
        if let Some([ma, mb]) = v.markdown {
            write!(
                out,
                ",{},{},{},{},{},{}",
                ma[0], mb[0], ma[1], mb[1], ma[2], mb[2]
            )
            .map_err(fail)?;
        }
        writeln!(out).map_err(fail)
    })?;
    out.flush().map_err(fail)?;
    Ok(written)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(votes: u64, tie_rate: f64) -> SimulationOptions {
        SimulationOptions {
            votes,
            days: 10,
            end_day: 20_000,
            tie_rate,
            seed: 7,
            degrade: None,
            id_prefix: "t-".into(),
            slices: None,
            length_effect: 0.0,
            markdown_effect: None,
        }
    }

    fn two(gap: f64) -> Vec<Strength> {
        ["x", "y"]
            .iter()
            .enumerate()
            .map(|(i, m)| Strength {
                model: m.to_string(),
                bt_score: 1000.0 + if i == 0 { gap } else { 0.0 },
                weight: 1.0,
                mean_output_tokens: 500.0,
                published_ci: None,
                license: None,
            })
            .collect()
    }

    #[test]
    fn bundled_strengths_hold_59_open_models_and_the_proprietary_ones() {
        let strengths = parse_strengths(BUNDLED_STRENGTHS, BUNDLED_STRENGTHS_NAME).unwrap();
        let open = strengths
            .iter()
            .filter(|s| s.license.as_deref() == Some("open"))
            .count();
        assert_eq!(open, 59);
        assert_eq!(strengths.len(), 87);
        assert!(strengths.iter().all(|s| s.published_ci.is_some()));
    }

    #[test]
    fn expected_score_is_the_bt_probability_whatever_the_tie_rate() {
        // Half a win per tie: the mean score of side A must be p.
        for (gap, tie_rate) in [(200.0, 0.3), (400.0, 0.5), (0.0, 0.9)] {
            let strengths = two(gap);
            let mut score = 0.0;
            let mut ties = 0u64;
            let mut count = 0u64;
            let mut seen = (i64::MAX, i64::MIN);
            simulate(&strengths, &options(200_000, tie_rate), |v| {
                let a_is_x = v.model_a == 0;
                let win_x = match v.outcome {
                    Outcome::A => f64::from(a_is_x),
                    Outcome::B => f64::from(!a_is_x),
                    _ => {
                        ties += 1;
                        0.5
                    }
                };
                score += win_x;
                count += 1;
                seen = (seen.0.min(v.timestamp), seen.1.max(v.timestamp));
                Ok(())
            })
            .unwrap();
            let p = win_probability(1000.0 + gap, 1000.0);
            let expected_tie = tie_rate.min(2.0 * p.min(1.0 - p));
            let mean = score / count as f64;
            let tie_share = ties as f64 / count as f64;
            assert!(
                (mean - p).abs() < 0.005,
                "gap {gap}: mean score {mean}, p {p}"
            );
            assert!(
                (tie_share - expected_tie).abs() < 0.005,
                "gap {gap}: ties {tie_share}, want {expected_tie}"
            );
            assert!(
                seen.0 >= 19_991 * 86_400 && seen.1 < 20_001 * 86_400,
                "{seen:?}"
            );
        }
    }

    #[test]
    fn degradation_applies_only_in_the_last_days() {
        let strengths = two(0.0);
        let mut opts = options(100_000, 0.0);
        opts.degrade = Some(Degradation {
            model: "x".into(),
            points: 400.0,
            days: 2,
        });
        let cut = 20_001 * 86_400 - 2 * 86_400;
        let (mut early, mut late) = ((0.0, 0.0), (0.0, 0.0));
        simulate(&strengths, &opts, |v| {
            let x_won = (v.outcome == Outcome::A) == (v.model_a == 0);
            let bucket = if v.timestamp >= cut {
                &mut late
            } else {
                &mut early
            };
            bucket.0 += f64::from(x_won);
            bucket.1 += 1.0;
            Ok(())
        })
        .unwrap();
        assert!((early.0 / early.1 - 0.5).abs() < 0.01, "{early:?}");
        assert!((late.0 / late.1 - 1.0 / 11.0).abs() < 0.01, "{late:?}");
        opts.degrade = Some(Degradation {
            model: "nobody".into(),
            points: 1.0,
            days: 1,
        });
        let error = simulate(&strengths, &opts, |_| Ok(())).unwrap_err();
        assert!(error.to_string().contains("\"nobody\""), "{error}");
    }

    #[test]
    fn bad_strength_files_name_row_and_column() {
        let error = parse_strengths("model,bt_score\na,1000\nb,strong\n", "s.csv").unwrap_err();
        assert_eq!(
            error.to_string(),
            "s.csv:3:bt_score: not a number: \"strong\""
        );
        let error = parse_strengths("name,score\na,1\n", "s.csv").unwrap_err();
        assert!(
            error.to_string().contains("missing column `model`"),
            "{error}"
        );
    }
}
