//! `arenawatt simulate`: writes a simulated vote stream as CSV in the import
//! `csv` format (source `simulated`), for demos and benchmarks. The outcome
//! rules that let the default fit recover the true strengths are documented
//! in [`arenawatt_sim::simulate`].

use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::Context;

use arenawatt_engine::time;
use arenawatt_sim::simulate::{self, Degradation, SimulationOptions};
use arenawatt_sim::slices::SliceSimulation;

/// Flags of `arenawatt simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// True strengths: CSV with `model,bt_score` and optionally `n_match`
    /// (pairing weight), `mean_output_tokens` (default: compar:IA's published
    /// Feb-2026 BT medians, bundled).
    #[arg(long, value_name = "FILE")]
    pub strengths: Option<PathBuf>,
    /// Number of votes to write.
    #[arg(long, value_name = "N")]
    pub votes: u64,
    /// Days the votes are spread over, ending with --end.
    #[arg(long, value_name = "D", default_value_t = 182)]
    pub days: u32,
    /// Last day of the stream, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Wanted tie probability, clamped per pair to 2·min(p, 1−p).
    #[arg(long, value_name = "R", default_value_t = 0.2)]
    pub tie_rate: f64,
    /// Random seed: the same seed gives the same stream.
    #[arg(long, value_name = "S")]
    pub seed: u64,
    /// Make this model lose BT points in the last --degrade-days days.
    #[arg(long, value_name = "MODEL")]
    pub degrade: Option<String>,
    /// BT points the degraded model loses.
    #[arg(
        long,
        value_name = "POINTS",
        default_value_t = 100.0,
        requires = "degrade"
    )]
    pub degrade_points: f64,
    /// Length of the degraded period, in days.
    #[arg(long, value_name = "DAYS", default_value_t = 30, requires = "degrade")]
    pub degrade_days: u32,
    /// Prefix of the vote ids (ids are PREFIX and a number).
    #[arg(long, value_name = "PREFIX", default_value = "sim-")]
    pub id_prefix: String,
    /// Give each vote categories, a language and a country, with
    /// per-category strength shifts: `demo` (8 categories, 4 languages,
    /// 4 countries) or `benchmark` (20, 30, 10). Default: none.
    #[arg(long, value_name = "SET", value_parser = ["demo", "benchmark"])]
    pub slices: Option<String>,
    /// Output CSV file (`-` for standard output).
    /// The answers' length effect on the outcome (the true style-control
    /// β): log-odds per unit of the relative difference of output tokens,
    /// (t_a − t_b)/(t_a + t_b). 0: length does not matter
    #[arg(
        long,
        value_name = "BETA",
        default_value_t = 0.0,
        allow_hyphen_values = true
    )]
    pub length_effect: f64,
    /// Also draw each answer's markdown counts (columns headers_a … lists_b)
    /// and give the headers this effect on the outcome: log-odds per unit of
    /// their relative difference (0: counts without effect)
    #[arg(long, value_name = "BETA", allow_hyphen_values = true)]
    pub markdown_effect: Option<f64>,
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let strengths = match &args.strengths {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read strengths file {}", path.display()))?;
            simulate::parse_strengths(&text, &path.display().to_string())?
        }
        None => simulate::bundled_strengths(),
    };
    let end_day = match &args.end {
        Some(text) => time::parse_date(text)
            .with_context(|| format!("--end: cannot read date {text:?} (expected YYYY-MM-DD)"))?,
        None => time::today(),
    };
    let options = SimulationOptions {
        votes: args.votes,
        days: args.days,
        end_day,
        tie_rate: args.tie_rate,
        seed: args.seed,
        degrade: args.degrade.as_ref().map(|model| Degradation {
            model: model.clone(),
            points: args.degrade_points,
            days: args.degrade_days,
        }),
        id_prefix: args.id_prefix.clone(),
        slices: match args.slices.as_deref() {
            Some("demo") => Some(SliceSimulation::demo()),
            Some(_) => Some(SliceSimulation::benchmark()),
            None => None,
        },
        length_effect: args.length_effect,
        markdown_effect: args.markdown_effect,
    };
    let shown = args.out.display().to_string();
    let written = if shown == "-" {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        simulate::write_csv(&strengths, &options, &mut out, "standard output")?
    } else {
        let file =
            std::fs::File::create(&args.out).with_context(|| format!("cannot create {shown}"))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        simulate::write_csv(&strengths, &options, &mut out, &shown)?
    };
    if shown != "-" {
        eprintln!(
            "wrote {written} simulated votes (source `simulated`) of {} models from {} to {} to {shown}",
            strengths.len(),
            time::format_day(end_day - args.days as i64 + 1),
            time::format_day(end_day)
        );
    }
    Ok(())
}
