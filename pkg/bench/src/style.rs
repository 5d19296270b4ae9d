//! `arenawatt-bench style`: how fast the style-controlled fit is. Votes are
//! simulated with a known length effect (`arenawatt simulate
//! --length-effect`), written as csv, read into an exact style table (one
//! cell per pair and relative difference of output tokens, as `arenawatt
//! rank --style controlled` reads it), then fitted with sandwich CIs
//! several times; the plain fit of the same votes is timed beside it. With
//! `--csv-out` the votes are kept, so `scripts/arena_rank_agreement.py
//! --csv` can time arena-rank on exactly the same votes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use arenawatt_core::rating::{rate, rate_styled, CiMethod, RatingOptions};
use arenawatt_sim::simulate::{self, SimulationOptions};

#[derive(Debug, clap::Args)]
pub struct StyleBenchArgs {
    /// Simulated votes (default: as many as the bundled Chatbot Arena counts).
    #[arg(long, default_value_t = 1_670_250, value_name = "N")]
    pub votes: u64,
    /// True length effect, log-odds per unit of relative difference.
    #[arg(long, default_value_t = 0.6, value_name = "BETA")]
    pub length_effect: f64,
    /// Timed fits.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub runs: u32,
    /// Keep the simulated votes here (csv).
    #[arg(long, value_name = "FILE")]
    pub csv_out: Option<PathBuf>,
}

/// The binning step of the fast fit.
const STEP: f64 = 1.0 / 64.0;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn run(args: StyleBenchArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("arenawatt-style-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = args
        .csv_out
        .clone()
        .unwrap_or_else(|| dir.join("votes.csv"));
    let options = SimulationOptions {
        votes: args.votes,
        days: 30,
        end_day: 20_000,
        tie_rate: 0.2,
        seed: 11,
        degrade: None,
        id_prefix: "sim-".into(),
        slices: None,
        length_effect: args.length_effect,
        markdown_effect: None,
    };
    let strengths = simulate::bundled_strengths();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    simulate::write_csv(&strengths, &options, &mut file, &path.display().to_string())?;
    drop(file);
    let table = arenawatt_cli::rank::read_votes_csv(&path)?;
    let styled = arenawatt_cli::rank::read_style_csv(&path, &table)?
        .ok_or_else(|| anyhow::anyhow!("the simulated csv has no token columns"))?;
    let rating = RatingOptions {
        ci: CiMethod::Sandwich,
        ..RatingOptions::default()
    };
    println!(
        "{} simulated votes of {} models, length effect {}: {} style cells (exact), {} pairs; {} cores",
        args.votes,
        table.models.len(),
        args.length_effect,
        styled.cells.len(),
        table.pairs.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (mut styled_times, mut plain_times) = (Vec::new(), Vec::new());
    let mut beta = 0.0;
    let mut iterations = 0;
    for _ in 0..args.runs.max(1) {
        // Alternating, so both see the same machine load.
        let start = Instant::now();
        let fit = rate_styled(&styled, &rating)?;
        styled_times.push(start.elapsed());
        beta = fit
            .coefficients
            .first()
            .map_or(f64::NAN, |c| c.beta / c.std);
        iterations = fit.ratings.iterations;
        let start = Instant::now();
        rate(&table, &rating)?;
        plain_times.push(start.elapsed());
    }
    // Binned: relative differences rounded to 1/64, equal cells merged.
    let exact = rate_styled(&styled, &rating)?;
    let mut binned_times = Vec::new();
    let mut binned_fit = None;
    let mut binned_cells = 0;
    let mut binning_times = Vec::new();
    for _ in 0..args.runs.max(1) {
        let start = Instant::now();
        let binned = styled.binned(STEP);
        binning_times.push(start.elapsed());
        binned_cells = binned.cells.len();
        let start = Instant::now();
        let fit = rate_styled(&binned, &rating)?;
        binned_times.push(start.elapsed());
        binned_fit = Some(fit);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    if let Some(binned) = binned_fit {
        let score_gap = exact
            .ratings
            .models
            .iter()
            .zip(&binned.ratings.models)
            .filter_map(|(a, b)| Some((a.bt_score? - b.bt_score?).abs()))
            .fold(0.0, f64::max);
        let beta_gap = exact
            .coefficients
            .iter()
            .zip(&binned.coefficients)
            .map(|(a, b)| (a.beta / a.std - b.beta / b.std).abs())
            .fold(0.0, f64::max);
        println!(
            "binned to 1/{}: {binned_cells} cells (binning {:.1} ms), fit + sandwich CIs median {:.1} ms ({}); largest score difference from the exact fit {score_gap:.4} BT points, β difference {beta_gap:.5} per unit",
            (1.0 / STEP) as u32,
            ms(median(binning_times)),
            ms(median(binned_times.clone())),
            binned_times.iter().map(|d| format!("{:.1}", ms(*d))).collect::<Vec<_>>().join(", ")
        );
    }
    println!(
        "style-controlled fit + sandwich CIs: median {:.1} ms over {} runs ({}); fitted β {beta:.4} per unit, {iterations} Newton iterations",
        ms(median(styled_times.clone())),
        styled_times.len(),
        styled_times.iter().map(|d| format!("{:.1}", ms(*d))).collect::<Vec<_>>().join(", ")
    );
    println!(
        "plain fit + sandwich CIs of the same votes: median {:.1} ms",
        ms(median(plain_times))
    );
    if args.csv_out.is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
