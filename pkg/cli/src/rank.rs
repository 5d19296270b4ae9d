//! `arenawatt rank`: rank the models of one vote file directly, without a
//! store — the quickest way to see what the rating engine makes of a data set,
//! and the command the rating checks call.
//!
//! Inputs: `pair-counts` JSON (see [`arenawatt_store::ingest::pair_counts`]) or a `csv`
//! of single votes with at least `model_a,model_b,winner` columns, `winner`
//! being `model_a`, `model_b`, `tie` or `tie (bothbad)` (Chatbot Arena's
//! battle convention), read by the rule every vote reader shares
//! ([`arenawatt_store::ingest::parse_winner`], which also takes `arenawatt
//! import`'s short forms `a`, `b` and `both_bad`). Outputs: an aligned table
//! for people, or csv / json.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Serialize;

use arenawatt_core::rating::{
    rate, rate_styled, CiMethod, Gauge, ModelRating, PairTable, PairTableBuilder, RatingError,
    RatingOptions, RatingStatus, Ratings, StyleCoefficient, StyleTable, StyleTableBuilder,
    TiePolicy, UnusedFeature,
};
use arenawatt_store::ingest::pair_counts::read_pair_counts;
use arenawatt_store::ingest::parse_winner;

/// Flags of `arenawatt rank`.
#[derive(Debug, clap::Args)]
pub struct RankArgs {
    /// Vote file to rank.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Format of FILE: pair-counts (JSON counts per pair of models) or csv (one
    /// vote per row). Default: from the extension (.json or .csv).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// How ties count: half a win for each side (LMSYS, compar:IA), dropped,
    /// or Davidson's tie model (reports its tie parameter).
    #[arg(long, value_enum, default_value = "half", value_name = "POLICY")]
    pub ties: TiesArg,
    /// Pin one model's score, e.g. mixtral-8x7b-instruct-v0.1=1114 (LMSYS).
    /// Without it the scores average 1000 (compar:IA).
    #[arg(long, value_name = "MODEL=SCORE", value_parser = parse_anchor)]
    pub anchor: Option<Anchor>,
    /// Confidence intervals: sandwich (robust), fisher, bootstrap, or none.
    #[arg(long, value_enum, default_value = "sandwich", value_name = "METHOD")]
    pub ci: CiArg,
    /// Bootstrap rounds (with --ci bootstrap).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub rounds: u32,
    /// Bootstrap seed; the same seed gives the same intervals on any machine
    /// and thread count.
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// Confidence level of the intervals, between 0 and 1.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub level: f64,
    /// raw (the plain fit) or controlled: style control, a contextual
    /// Bradley–Terry fit holding the answers' length and markdown equal,
    /// from the csv columns tokens_a, tokens_b, headers_a, headers_b,
    /// bold_a, bold_b, lists_a, lists_b where present.
    #[arg(long, value_enum, default_value = "raw", value_name = "STYLE")]
    pub style: StyleArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", value_name = "FORMAT")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StyleArg {
    Raw,
    Controlled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    PairCounts,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TiesArg {
    Half,
    Drop,
    Davidson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CiArg {
    Sandwich,
    Fisher,
    Bootstrap,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// `MODEL=SCORE` of `--anchor`.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    pub model: String,
    pub score: f64,
}

fn parse_anchor(text: &str) -> Result<Anchor, String> {
    let (model, score) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("anchor {text:?} is not MODEL=SCORE"))?;
    let model = model.trim();
    if model.is_empty() {
        return Err(format!("anchor {text:?} has no model name"));
    }
    let score: f64 = score
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite())
        .ok_or_else(|| format!("anchor score {:?} is not a number", score.trim()))?;
    Ok(Anchor {
        model: model.to_string(),
        score,
    })
}

impl RankArgs {
    /// The engine options these flags ask for.
    pub fn options(&self) -> RatingOptions {
        RatingOptions {
            ties: match self.ties {
                TiesArg::Half => TiePolicy::Half,
                TiesArg::Drop => TiePolicy::Drop,
                TiesArg::Davidson => TiePolicy::Davidson,
            },
            gauge: match &self.anchor {
                Some(a) => Gauge::Anchor {
                    model: a.model.clone(),
                    score: a.score,
                },
                None => Gauge::Mean,
            },
            ci: match self.ci {
                CiArg::Sandwich => CiMethod::Sandwich,
                CiArg::Fisher => CiMethod::Fisher,
                CiArg::Bootstrap => CiMethod::Bootstrap,
                CiArg::None => CiMethod::None,
            },
            rounds: self.rounds,
            seed: self.seed,
            level: self.level,
            ..RatingOptions::default()
        }
    }
}

pub fn run(args: RankArgs) -> anyhow::Result<()> {
    let format = match args.input_format {
        Some(f) => f,
        None => match args.input.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => InputFormat::PairCounts,
            Some("csv") => InputFormat::Csv,
            _ => bail!(
                "cannot tell the format of {}: pass --input-format pair-counts or --input-format csv",
                args.input.display()
            ),
        },
    };
    let table = match format {
        InputFormat::PairCounts => read_pair_counts(&args.input)?,
        InputFormat::Csv => read_votes_csv(&args.input)?,
    };
    let options = args.options();
    let (ratings, style) = if args.style == StyleArg::Controlled {
        let styled_table = match format {
            InputFormat::Csv => read_style_csv(&args.input, &table)?,
            InputFormat::PairCounts => None,
        };
        match styled_table {
            Some(styled_table) => {
                let (styled_table, binned) = styled_table.for_fit();
                if binned {
                    eprintln!(
                        "note: style differences rounded to 1/{} ({} cells) for speed, as `arenawatt query --style controlled` rounds them as it reads",
                        (1.0 / arenawatt_core::rating::BIN_STEP).round(),
                        styled_table.cells.len()
                    );
                }
                match rate_styled(&styled_table, &options) {
                    Ok(styled) => {
                        if styled.coefficients.is_empty() {
                            eprintln!(
                                "note: no style feature could be fitted: these are the raw scores"
                            );
                        }
                        (styled.ratings, Some((styled.coefficients, styled.unused)))
                    }
                    Err(RatingError::Numerical(reason)) => {
                        eprintln!(
                            "note: style control could not be fitted on these votes ({reason}; the style features may predict the outcomes perfectly): these are the raw scores"
                        );
                        let ratings = rate(&table, &options)
                            .with_context(|| format!("cannot rank {}", args.input.display()))?;
                        (ratings, Some((Vec::new(), Vec::new())))
                    }
                    Err(other) => {
                        return Err(anyhow::Error::from(other)
                            .context(format!("cannot rank {}", args.input.display())))
                    }
                }
            }
            None => {
                eprintln!(
                    "note: {} carries no style feature (csv columns tokens_a/tokens_b, headers_a/headers_b, bold_a/bold_b, lists_a/lists_b): these are the raw scores",
                    args.input.display()
                );
                let ratings = rate(&table, &options)
                    .with_context(|| format!("cannot rank {}", args.input.display()))?;
                (ratings, Some((Vec::new(), Vec::new())))
            }
        }
    } else {
        let ratings = rate(&table, &options)
            .with_context(|| format!("cannot rank {}", args.input.display()))?;
        (ratings, None)
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        OutputFormat::Table => write_table(&mut out, &ratings, &options).and_then(|()| {
            if let Some((coefficients, _)) = &style {
                for c in coefficients {
                    writeln!(
                        out,
                        "style: {} β = {:.4} log-odds per SD of the relative difference ({:+.1} Elo pts){}",
                        c.feature,
                        c.beta,
                        c.beta_points,
                        match (c.ci_low, c.ci_high) {
                            (Some(lo), Some(hi)) => format!(", CI [{lo:.4}, {hi:.4}]"),
                            _ => String::new(),
                        }
                    )?;
                }
            }
            Ok(())
        }),
        OutputFormat::Csv => write_csv(&mut out, &ratings),
        OutputFormat::Json => write_json(&mut out, &ratings, &options, &args.input, style.as_ref()),
    }
    .and_then(|()| out.flush().map_err(anyhow::Error::from));
    match written {
        // `arenawatt rank … | head` closes the pipe early: not an error.
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            match cause.downcast_ref::<csv::Error>() {
                Some(e) => match e.kind() {
                    csv::ErrorKind::Io(io) => Some(io),
                    _ => None,
                },
                None => None,
            }
        });
        let json_kind = cause
            .downcast_ref::<serde_json::Error>()
            .and_then(|e| e.io_error_kind());
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || json_kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Reads a CSV of single votes into a pair table. Errors are
/// `FILE:ROW:COLUMN: reason`, ROW being the line number (header = 1) and
/// COLUMN the 1-based field number.
pub fn read_votes_csv(path: &Path) -> anyhow::Result<PairTable> {
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {name}"))?;
    let headers = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{name}:1: invalid csv header: {e}"))?
        .clone();
    let column = |wanted: &str| {
        headers
            .iter()
            .position(|h| h.trim() == wanted)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{name}:1: missing column {wanted:?} in header (found: {})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                )
            })
    };
    let (a_col, b_col, winner_col) = (column("model_a")?, column("model_b")?, column("winner")?);
    let mut builder = PairTableBuilder::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{name}:{line}: invalid csv: {e}")
        })?;
        if !more {
            break;
        }
        let row = record.position().map_or(0, |p| p.line());
        let field = |col: usize, label: &str| -> anyhow::Result<&str> {
            record.get(col).map(str::trim).ok_or_else(|| {
                anyhow::anyhow!(
                    "{name}:{row}:{}: missing field {label:?} (row has {} fields)",
                    col + 1,
                    record.len()
                )
            })
        };
        let model_a = field(a_col, "model_a")?;
        let model_b = field(b_col, "model_b")?;
        let winner = field(winner_col, "winner")?;
        for (value, col, label) in [(model_a, a_col, "model_a"), (model_b, b_col, "model_b")] {
            if value.is_empty() {
                bail!(
                    "{name}:{row}:{}: empty model name in column {label}",
                    col + 1
                );
            }
        }
        if model_a == model_b {
            bail!(
                "{name}:{row}:{}: model {model_a:?} is compared with itself",
                b_col + 1
            );
        }
        // The winner values of every vote reader; this command's own message.
        let outcome = parse_winner(winner).map_err(|_| {
            anyhow::anyhow!(
                "{name}:{row}:{}: unknown winner {winner:?} (expected model_a, model_b, tie or \"tie (bothbad)\")",
                winner_col + 1
            )
        })?;
        builder
            .add(model_a, model_b, outcome)
            .map_err(|e| anyhow::anyhow!("{name}:{row}:{}: {e}", a_col + 1))?;
    }
    Ok(builder.build())
}

/// The style features a csv may carry, each as its two columns.
const STYLE_COLUMNS: [(&str, [&str; 2]); 4] = [
    ("output_tokens", ["tokens_a", "tokens_b"]),
    ("headers", ["headers_a", "headers_b"]),
    ("bold", ["bold_a", "bold_b"]),
    ("lists", ["lists_a", "lists_b"]),
];

/// The votes of a csv as a style table (one cell per pair and vector of
/// relative differences, NaN where a vote lacks a feature), with the models
/// of `table` (read from the same file); `None` when the file has none of
/// the style columns. A count must be a whole number from 0 to 10^9.
pub fn read_style_csv(path: &Path, table: &PairTable) -> anyhow::Result<Option<StyleTable>> {
    use std::collections::HashMap;
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {name}"))?;
    let headers = reader.headers()?.clone();
    let find = |wanted: &str| headers.iter().position(|h| h.trim() == wanted);
    let columns: Vec<Option<[usize; 2]>> = STYLE_COLUMNS
        .iter()
        .map(|(_, [a, b])| Some([find(a)?, find(b)?]))
        .collect();
    if columns.iter().all(Option::is_none) {
        return Ok(None);
    }
    let (a_col, b_col, winner_col) = (
        find("model_a").context("model_a")?,
        find("model_b").context("model_b")?,
        find("winner").context("winner")?,
    );
    let index: HashMap<&str, usize> = table
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut cells: StyleTableBuilder = StyleTableBuilder::new(false);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let row = record.position().map_or(0, |p| p.line());
        let get = |col: usize| record.get(col).map(str::trim).unwrap_or("");
        let (Some(&ia), Some(&ib)) = (index.get(get(a_col)), index.get(get(b_col))) else {
            continue;
        };
        let outcome = parse_winner(get(winner_col))
            .map_err(|e| anyhow::anyhow!("{name}:{row}:{}: {e}", winner_col + 1))?;
        let mut values = [None; 4];
        for (value, cols) in values.iter_mut().zip(&columns) {
            let Some([ca, cb]) = cols else { continue };
            let count = |col: usize| -> anyhow::Result<Option<f64>> {
                let text = get(col);
                if text.is_empty() {
                    return Ok(None);
                }
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 1e9 => {
                        Ok(Some(v))
                    }
                    _ => bail!(
                        "{name}:{row}:{}: {:?} is not a count (a whole number from 0 to 10^9)",
                        col + 1,
                        text
                    ),
                }
            };
            if let (Some(xa), Some(xb)) = (count(*ca)?, count(*cb)?) {
                *value = Some((xa, xb));
            }
        }
        cells.add((ia, ib), outcome, values);
    }
    let features: Vec<&str> = STYLE_COLUMNS.iter().map(|(f, _)| *f).collect();
    let styled = cells.build(table.models.clone(), &features, []);
    Ok(Some(styled))
}

/// The exact CSV header of `--format csv`.
pub const CSV_HEADER: [&str; 12] = [
    "model",
    "bt_score",
    "ci_low",
    "ci_high",
    "rank",
    "rank_low",
    "rank_high",
    "votes",
    "wins",
    "losses",
    "ties",
    "status",
];

fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(String::new, |x| format!("{x:.decimals$}"))
}

fn write_csv(out: &mut impl Write, ratings: &Ratings) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for m in &ratings.models {
        w.write_record([
            m.model.clone(),
            fmt_opt(m.bt_score, 4),
            fmt_opt(m.ci_low, 4),
            fmt_opt(m.ci_high, 4),
            m.rank.to_string(),
            m.rank_low.to_string(),
            m.rank_high.to_string(),
            m.votes.to_string(),
            m.wins.to_string(),
            m.losses.to_string(),
            m.ties.to_string(),
            m.status.label(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// One line describing how the scores were made (scale, ties, gauge, CIs).
pub fn describe(ratings: &Ratings, options: &RatingOptions) -> String {
    let ties = match options.ties {
        TiePolicy::Half => "ties count half a win".to_string(),
        TiePolicy::Drop => "ties dropped".to_string(),
        TiePolicy::Davidson => match ratings.tie_parameter {
            Some(nu) => format!("Davidson ties, ν = {nu:.4}"),
            None => "Davidson ties".to_string(),
        },
    };
    let gauge = match &options.gauge {
        Gauge::Mean => "mean score 1000".to_string(),
        Gauge::Anchor { model, score } => format!("{model} = {score}"),
    };
    let ci = match options.ci {
        CiMethod::Sandwich => format!("{:.0}% CI: sandwich", options.level * 100.0),
        CiMethod::Fisher => format!("{:.0}% CI: fisher", options.level * 100.0),
        CiMethod::Bootstrap => match ratings.bootstrap {
            Some(b) => format!(
                "{:.0}% CI: bootstrap, {} rounds (seed {}, {} not converged)",
                options.level * 100.0,
                b.rounds,
                b.seed,
                b.non_converged
            ),
            None => "bootstrap".to_string(),
        },
        CiMethod::None => "no CI".to_string(),
    };
    format!(
        "Bradley–Terry MLE in Elo points (400 per factor 10 in odds); {ties}; {gauge}; {ci}; {} after {} Newton iterations",
        if ratings.converged { "converged" } else { "NOT converged" },
        ratings.iterations
    )
}

fn write_table(
    out: &mut impl Write,
    ratings: &Ratings,
    options: &RatingOptions,
) -> anyhow::Result<()> {
    let level = format!("{:.0}%", options.level * 100.0);
    let header = [
        "rank".to_string(),
        "model".to_string(),
        "bt_score (Elo pts)".to_string(),
        format!("{level} CI (Elo pts)"),
        "rank range".to_string(),
        "votes".to_string(),
        "win rate (%)".to_string(),
        "status".to_string(),
    ];
    let rows: Vec<[String; 8]> = ratings.models.iter().map(table_row).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w - c.chars().count();
                // Text columns left-aligned, numbers right-aligned.
                if i == 1 || i == 7 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out, "{}", line(&header))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", describe(ratings, options))?;
    if ratings.components.len() > 1 {
        writeln!(
            out,
            "the comparison graph has {} components; only the first ({} models) is rated:",
            ratings.components.len(),
            ratings.components[0].len()
        )?;
        for (i, c) in ratings.components.iter().enumerate().skip(1) {
            writeln!(out, "  component {i}: {}", c.join(", "))?;
        }
    }
    Ok(())
}

fn table_row(m: &ModelRating) -> [String; 8] {
    let rated = m.status == RatingStatus::Ok;
    [
        if rated {
            m.rank.to_string()
        } else {
            "-".into()
        },
        m.model.clone(),
        fmt_opt(m.bt_score, 1),
        match (m.ci_low, m.ci_high) {
            (Some(lo), Some(hi)) => format!("[{lo:.1}, {hi:.1}]"),
            _ => String::new(),
        },
        if rated {
            format!("{}–{}", m.rank_low, m.rank_high)
        } else {
            String::new()
        },
        m.votes.to_string(),
        format!("{:.1}", 100.0 * m.win_rate),
        m.status.label(),
    ]
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    input: String,
    scale: &'static str,
    method: String,
    ties: TiePolicy,
    gauge: &'a Gauge,
    #[serde(flatten)]
    ratings: &'a Ratings,
    /// With `--style controlled`: the coefficients with their intervals, and
    /// the features left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    style: Option<JsonStyle<'a>>,
}

#[derive(Serialize)]
struct JsonStyle<'a> {
    coefficients: &'a [StyleCoefficient],
    unused: &'a [UnusedFeature],
}

type StyleResult = (Vec<StyleCoefficient>, Vec<UnusedFeature>);

fn write_json(
    out: &mut impl Write,
    ratings: &Ratings,
    options: &RatingOptions,
    input: &Path,
    style: Option<&StyleResult>,
) -> anyhow::Result<()> {
    let doc = JsonOutput {
        input: input.display().to_string(),
        scale: "elo points: 400 per factor 10 in odds",
        method: describe(ratings, options),
        ties: options.ties,
        gauge: &options.gauge,
        ratings,
        style: style.map(|(coefficients, unused)| JsonStyle {
            coefficients,
            unused,
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_parses_model_and_score() {
        assert_eq!(
            parse_anchor("mixtral-8x7b-instruct-v0.1=1114"),
            Ok(Anchor {
                model: "mixtral-8x7b-instruct-v0.1".into(),
                score: 1114.0
            })
        );
        assert!(parse_anchor("mixtral").unwrap_err().contains("MODEL=SCORE"));
        assert!(parse_anchor("m=abc")
            .unwrap_err()
            .contains("\"abc\" is not a number"));
        assert!(parse_anchor("=3").unwrap_err().contains("no model name"));
    }

    #[test]
    fn csv_winners_follow_the_readers_rule_with_rank_s_own_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votes.csv");
        std::fs::write(
            &path,
            "model_a,model_b,winner\nx,y,model_a\ny,x,b\nx,y,tie\nx,y,tie (bothbad)\ny,x,both_bad\n",
        )
        .unwrap();
        let table = read_votes_csv(&path).unwrap();
        assert_eq!(table.models, vec!["x", "y"]);
        let pair = table.pairs[0];
        assert_eq!(
            (pair.wins_lo, pair.wins_hi, pair.ties, pair.ties_both_bad),
            (2, 0, 1, 2)
        );
        std::fs::write(&path, "model_a,model_b,winner\nx,y,model_a\nx,y, draw \n").unwrap();
        let error = read_votes_csv(&path).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "{}:3:3: unknown winner \"draw\" (expected model_a, model_b, tie or \"tie (bothbad)\")",
                path.display()
            )
        );
    }
}
