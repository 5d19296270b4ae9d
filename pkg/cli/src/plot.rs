//! `arenawatt plot`: compar:IA's "BT satisfaction score vs energy per 1000
//! output tokens" graph as an SVG file, for people without Grafana.
//!
//! It takes every query flag of `arenawatt query` (the same registry, so
//! `--sources`, `--licenses`, `--selected`, `--methodology`, `--zone`,
//! `--min-votes`, … all work) with the query type forced to `scatter`, asks the
//! same engine the plugin asks, and draws the rows the plugin turns into
//! frames: one point per row at (`wh_per_1k_tokens`, `bt_score`), coloured by
//! architecture, sized by size class, the `pareto` rows joined by a line, the
//! `selected` rows ringed in red and named. The caption says which votes are
//! shown — each source, how many votes, and whether they are real or
//! simulated — and the energy methodology and zone.
//!
//! SVG only: a PNG would need a rasteriser and fonts, which the SVG does not
//! (`rsvg-convert` turns the file into a PNG). The layout lives in [`draw`].

pub mod draw;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Arg, ArgAction, ArgMatches};

use arenawatt_engine::resolve::ResolvedQuery;
use arenawatt_engine::time::format_day;
use arenawatt_engine::{Engine, ModelRow, QueryResult, QueryType};
use arenawatt_sim::demo::{ARENA_SOURCE, SIMULATED_SOURCE};
use arenawatt_store::{CountFilter, Store};

use self::draw::{Figure, Point, XScale};
use super::query::{build_query, QueryArgs};

/// Flags of `arenawatt plot`: the query flags of `arenawatt query` plus the
/// picture's own.
#[derive(Debug, Clone)]
pub struct PlotArgs {
    pub query: QueryArgs,
    pub out: PathBuf,
    pub x_scale: XScale,
    pub width: u32,
    pub height: u32,
    pub title: Option<String>,
    pub no_whiskers: bool,
}

const OUT: &str = "out";
const X_SCALE: &str = "x-scale";
const WIDTH: &str = "width";
const HEIGHT: &str = "height";
const TITLE: &str = "title";
const NO_WHISKERS: &str = "no-whiskers";
/// The query flags `plot` fixes: the type is `scatter`, the output is a picture.
const QUERY_TYPE_ID: &str = "queryType";
const QUERY_FORMAT_ID: &str = "format";

const DEFAULT_TITLE: &str = "Satisfaction vs energy per 1000 output tokens";

/// The end of `arenawatt plot --help`: what the picture shows.
const PLOT_HELP: &str = "\
What it draws, from the rows of `arenawatt query --type scatter` with the same flags \
(the rows the plugin turns into frames): one point per open model with a known energy \
at (Wh per 1000 output tokens, Bradley-Terry score); colour by architecture (dense, MoE, \
MatFormer, unknown) and radius by size class (XS <15B, S <60B, M <100B, L <400B, \
XL >=400B total parameters), both keyed beside the graph; each score's 95% CI as a \
whisker; the Pareto frontier as a line through the `pareto` rows by increasing energy; \
the `--selected` models ringed in red and named. The caption names each vote source, \
its vote count, and whether its votes are real or SIMULATED (the demo's `simulated` \
source), with the energy methodology and zone.

SVG only (no PNG): `rsvg-convert graph.svg -o graph.png` makes a PNG.

Example: arenawatt --db arenawatt-demo.db plot --out graph.svg --sources simulated --selected glm-4.5";

impl clap::Args for PlotArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        QueryArgs::augment_args(cmd)
            .after_long_help(PLOT_HELP)
            .mut_arg(QUERY_TYPE_ID, |arg| {
                arg.hide(true)
                    .help("Always scatter: plot draws the satisfaction-energy scatter")
            })
            .mut_arg(QUERY_FORMAT_ID, |arg| arg.hide(true))
            .arg(
                Arg::new(OUT)
                    .long(OUT)
                    .value_name("FILE.svg")
                    .required(true)
                    .value_parser(clap::value_parser!(PathBuf))
                    .help("Where to write the picture (SVG only; the name must end in .svg)"),
            )
            .arg(
                Arg::new(X_SCALE)
                    .long(X_SCALE)
                    .value_name("SCALE")
                    .value_parser(clap::builder::EnumValueParser::<XScale>::new())
                    .default_value("log")
                    .help("Scale of the energy axis (compar:IA's graph is log)"),
            )
            .arg(
                Arg::new(WIDTH)
                    .long(WIDTH)
                    .value_name("PIXELS")
                    .value_parser(clap::value_parser!(u32).range(960..=8000))
                    .default_value("1200")
                    .help("Width of the picture (at least 960, so the key and the caption fit)"),
            )
            .arg(
                Arg::new(HEIGHT)
                    .long(HEIGHT)
                    .value_name("PIXELS")
                    .value_parser(clap::value_parser!(u32).range(640..=8000))
                    .default_value("800")
                    .help("Height of the picture (at least 640)"),
            )
            .arg(
                Arg::new(TITLE)
                    .long(TITLE)
                    .value_name("TEXT")
                    .help(format!("Title above the graph [default: {DEFAULT_TITLE}, plus \"(SIMULATED votes)\" when they are]")),
            )
            .arg(
                Arg::new(NO_WHISKERS)
                    .long(NO_WHISKERS)
                    .action(ArgAction::SetTrue)
                    .help("Do not draw each score's confidence interval (95% unless --level)"),
            )
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for PlotArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingRequiredArgument);
        Ok(PlotArgs {
            query: QueryArgs::from_arg_matches(matches)?,
            out: matches
                .get_one::<PathBuf>(OUT)
                .cloned()
                .ok_or_else(missing)?,
            x_scale: matches
                .get_one::<XScale>(X_SCALE)
                .copied()
                .unwrap_or_default(),
            width: matches.get_one::<u32>(WIDTH).copied().unwrap_or(1200),
            height: matches.get_one::<u32>(HEIGHT).copied().unwrap_or(800),
            title: matches.get_one::<String>(TITLE).cloned(),
            no_whiskers: matches.get_flag(NO_WHISKERS),
        })
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

pub fn run(db: &Path, args: PlotArgs) -> anyhow::Result<()> {
    check_out_path(&args.out)?;
    let query = build_query(&args.query)?;
    if query.query_type != QueryType::Scatter {
        let name = serde_json::to_value(query.query_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        anyhow::bail!("--type: plot draws the scatter only, got {name:?}");
    }
    let engine = Engine::open(db, Default::default())?;
    let resolved = engine.resolve(&query, None)?;
    let QueryResult::Models {
        rows,
        methodology,
        zone,
        notices,
        ..
    } = engine.execute(&query, None)?
    else {
        anyhow::bail!("the scatter query returned no model rows");
    };
    let store = Store::open_read_only(engine.path())?;
    let votes = vote_counts(&store, &resolved)?;
    let points: Vec<Point> = rows.iter().filter_map(point).collect();
    if points.is_empty() {
        let why = if notices.is_empty() {
            String::new()
        } else {
            format!(" ({})", notices.join("; "))
        };
        let described = describe_votes(&votes, &resolved);
        if votes.iter().all(|(_, n)| *n == 0) {
            anyhow::bail!("nothing to plot: no votes for {described}{why}");
        }
        anyhow::bail!(
            "nothing to plot: no open model with a score and a known energy passes the filters, in {described}{why}"
        );
    }
    let figure = Figure {
        width: args.width,
        height: args.height,
        title: args.title.clone().unwrap_or_else(|| default_title(&votes)),
        x_title: format!(
            "Energy: Wh per 1000 output tokens ({methodology}, {})",
            args.x_scale.name()
        ),
        y_title: "Satisfaction: Bradley–Terry score".to_string(),
        caption: caption(&votes, &resolved, &rows, points.len(), &methodology, &zone),
        x_scale: args.x_scale,
        whiskers: !args.no_whiskers,
        ci_level: resolved.rating.level,
        points,
    };
    let svg = draw::render_svg(&figure)?;
    std::fs::write(&args.out, svg)
        .with_context(|| format!("--out {}: cannot write the picture", args.out.display()))?;
    eprintln!(
        "wrote {}: {} models ({} on the Pareto frontier, {} selected) from {}",
        args.out.display(),
        figure.points.len(),
        figure.points.iter().filter(|p| p.pareto).count(),
        figure.points.iter().filter(|p| p.selected).count(),
        describe_votes(&votes, &resolved)
    );
    Ok(())
}

/// compar:IA's title, saying up front when the votes are simulated.
fn default_title(votes: &[(String, u64)]) -> String {
    if votes.iter().any(|(source, _)| source == SIMULATED_SOURCE) {
        format!("{DEFAULT_TITLE} (SIMULATED votes)")
    } else {
        DEFAULT_TITLE.to_string()
    }
}

/// Fails before any work when the picture could not be the SVG asked for.
fn check_out_path(out: &Path) -> anyhow::Result<()> {
    let is_svg = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if !is_svg {
        anyhow::bail!(
            "--out {}: plot writes SVG only; give a file name ending in .svg",
            out.display()
        );
    }
    if out.is_dir() {
        anyhow::bail!("--out {}: is a folder, not a file", out.display());
    }
    Ok(())
}

/// A row the graph can place: a score and an energy (positive on a log axis,
/// which every EcoLogits estimate is).
fn point(row: &ModelRow) -> Option<Point> {
    let wh = row
        .wh_per_1k_tokens
        .filter(|wh| *wh > 0.0 && wh.is_finite())?;
    let score = row.bt_score.filter(|s| s.is_finite())?;
    Some(Point {
        label: row.display_name.clone(),
        wh_per_1k_tokens: wh,
        bt_score: score,
        ci: row.bt_ci_low.zip(row.bt_ci_high),
        arch_code: row.arch_code,
        size_rank: row.size_rank,
        pareto: row.pareto,
        selected: row.selected,
    })
}

/// Votes (matches) per source, over the query's dates: what the fit used.
fn vote_counts(store: &Store, query: &ResolvedQuery) -> anyhow::Result<Vec<(String, u64)>> {
    let sources = if query.counts.sources.is_empty() {
        store.stats()?.sources
    } else {
        query.counts.sources.clone()
    };
    let mut counts = Vec::new();
    for source in sources {
        let filter = CountFilter {
            sources: vec![source.clone()],
            ..query.counts.clone()
        };
        let table = store.pair_table(&filter)?;
        let votes = table
            .pairs
            .iter()
            .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum();
        counts.push((source, votes));
    }
    Ok(counts)
}

/// What the votes of a source are, in words: the demo's sources are known to
/// be simulated or real; anything else is what was imported.
fn source_kind(source: &str) -> &'static str {
    if source == SIMULATED_SOURCE {
        "SIMULATED compar:IA-like votes, not real votes"
    } else if source == ARENA_SOURCE {
        "real Chatbot Arena battles (pair counts)"
    } else {
        "imported votes"
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dates(query: &ResolvedQuery) -> String {
    match (query.counts.from_day, query.counts.to_day) {
        (None, None) => String::new(),
        (Some(f), None) => format!(" from {}", format_day(f)),
        (None, Some(t)) => format!(" up to {}", format_day(t)),
        (Some(f), Some(t)) => format!(" from {} to {}", format_day(f), format_day(t)),
    }
}

fn describe_votes(votes: &[(String, u64)], query: &ResolvedQuery) -> String {
    let sources: Vec<String> = votes
        .iter()
        .map(|(source, n)| {
            format!(
                "source {source} ({} {})",
                thousands(*n),
                source_kind(source)
            )
        })
        .collect();
    if sources.is_empty() {
        return "a store with no votes".into();
    }
    format!("{}{}", sources.join(" and "), dates(query))
}

fn caption(
    votes: &[(String, u64)],
    query: &ResolvedQuery,
    rows: &[ModelRow],
    drawn: usize,
    methodology: &str,
    zone: &str,
) -> Vec<String> {
    let mut lines: Vec<String> = votes
        .iter()
        .map(|(source, n)| {
            format!(
                "Votes: source {source}: {} {}{}.",
                thousands(*n),
                source_kind(source),
                dates(query)
            )
        })
        .collect();
    let unplaced = rows.len() - drawn;
    lines.push(format!(
        "{drawn} open models with a known energy{}{}. The Bradley-Terry fit uses every model's votes in these sources.",
        if query.rows.min_votes > 0 {
            format!(" and at least {} votes", query.rows.min_votes)
        } else {
            String::new()
        },
        if unplaced > 0 {
            format!(" ({unplaced} more without a score not drawn)")
        } else {
            String::new()
        }
    ));
    lines.push(format!(
        "Energy: EcoLogits profile {methodology}, zone {zone}. Drawn by arenawatt plot (not by Grafana) with the plugin's query engine."
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, FromArgMatches};

    fn parse(argv: &[&str]) -> Result<PlotArgs, clap::Error> {
        let cmd = PlotArgs::augment_args(clap::Command::new("plot").no_binary_name(true));
        let matches = cmd.try_get_matches_from(argv)?;
        PlotArgs::from_arg_matches(&matches)
    }

    #[test]
    fn query_flags_and_plot_flags_are_both_read() {
        let args = parse(&[
            "--out",
            "g.svg",
            "--sources",
            "simulated",
            "--selected",
            "glm-4.5",
            "--x-scale",
            "linear",
            "--width",
            "1000",
        ])
        .unwrap();
        assert_eq!(args.out, PathBuf::from("g.svg"));
        assert_eq!(args.x_scale, XScale::Linear);
        assert_eq!((args.width, args.height), (1000, 800));
        let query = build_query(&args.query).unwrap();
        assert_eq!(query.query_type, QueryType::Scatter);
        assert_eq!(query.sources, ["simulated"]);
    }

    #[test]
    fn out_is_required_and_must_be_svg() {
        assert!(parse(&["--sources", "simulated"]).is_err());
        assert!(parse(&["--out", "g.svg", "--x-scale", "sqrt"]).is_err());
        assert!(
            parse(&["--out", "g.svg", "--width", "600"]).is_err(),
            "too narrow for the key"
        );
        let error = check_out_path(Path::new("graph.png"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "--out graph.png: plot writes SVG only; give a file name ending in .svg"
        );
        assert!(check_out_path(Path::new("graph.SVG")).is_ok());
    }

    #[test]
    fn the_whole_command_line_with_plot_is_consistent() {
        use clap::CommandFactory;
        crate::Cli::command().debug_assert();
    }

    #[test]
    fn vote_counts_read_with_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(thousands(1_670_250), "1,670,250");
    }
}
