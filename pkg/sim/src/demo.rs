//! The demo store: everything `arenawatt demo` (and the Grafana plugin, when
//! its store path is empty) needs, built from bundled data only.
//!
//! Two sources:
//! - `chatbot-arena-2024-08-14`: the real Chatbot Arena battles up to
//!   2024-08-14, as pair counts attributed to that day;
//! - `simulated`: 200,000 compar:IA-like votes over the last 6 months, with
//!   output tokens, drawn from compar:IA's published Feb-2026 BT medians (the
//!   59 open models of its energy graph and the proprietary models). One model
//!   ([`DEGRADED_MODEL`]) loses [`DEGRADED_POINTS`] BT points in the last
//!   [`DEGRADED_DAYS`] days, so trends and regression alerts have something
//!   true to show. Each answer carries simulated voters' reasons
//!   ([`crate::simulate::REASON_RATES`]). These votes are simulated, and
//!   every output says so.
//!
//! Both are written through the store's import service
//! ([`arenawatt_store::import_service`]), each with its audit row, as
//! `arenawatt import` writes a file.
//!
//! The store is built in a side file and moved into place, so a reader never
//! sees half of it. An existing demo store is reused while its simulated votes
//! still end today; otherwise it is rebuilt, so "the last 6 months" stays true.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arenawatt_core::catalog::Catalog;
use arenawatt_core::rating::{PairCount, PairTable};
use arenawatt_store::import_service::{
    self, GeneratedBatch, ImportError, ImportInput, ImportOptions,
};
use arenawatt_store::{PairCountBatch, Store, StoreError};

use crate::simulate::{self, Degradation, SimulateError, SimulationOptions};
use arenawatt_engine::resolve::canonical_model;
use arenawatt_engine::time;

pub const ARENA_SOURCE: &str = "chatbot-arena-2024-08-14";
pub const SIMULATED_SOURCE: &str = "simulated";
/// 2024-08-14, the day the arena counts are attributed to.
pub const ARENA_DAY: i64 = 19_949;
pub const ARENA_PAIRS: &str = include_str!("../../data/lmsys/chatbotarena_pairs_20240814.json");
pub const DEMO_VOTES: u64 = 200_000;
/// About six months.
pub const DEMO_DAYS: u32 = 182;
pub const DEMO_SEED: u64 = 20_260_211;
/// compar:IA's share of `both_equal` votes is of this order.
pub const DEMO_TIE_RATE: f64 = 0.2;
/// Pairing weights are compar:IA's match counts, floored here so that every
/// model has enough votes per month for trends and regressions to mean something.
pub const DEMO_MIN_WEIGHT: f64 = 1500.0;
pub const DEGRADED_MODEL: &str = "llama-3.3-70b";
pub const DEGRADED_POINTS: f64 = 100.0;
pub const DEGRADED_DAYS: u32 = 30;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Simulate(#[from] SimulateError),
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("bundled arena pair counts: {0}")]
    ArenaData(String),
}

/// What [`build_demo_store`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub path: PathBuf,
    /// False when an up-to-date demo store was reused.
    pub rebuilt: bool,
    pub simulated_votes: u64,
    pub arena_battles: u64,
    /// First and last day of the simulated votes.
    pub first_day: i64,
    pub last_day: i64,
    pub degradation: Degradation,
}

/// The simulation behind the demo's `simulated` source, ending on `end_day`.
pub fn demo_simulation(end_day: i64) -> SimulationOptions {
    SimulationOptions {
        votes: DEMO_VOTES,
        days: DEMO_DAYS,
        end_day,
        tie_rate: DEMO_TIE_RATE,
        seed: DEMO_SEED,
        degrade: Some(demo_degradation()),
        id_prefix: "demo-".into(),
        slices: Some(crate::slices::SliceSimulation::demo()),
        length_effect: 0.0,
        markdown_effect: None,
    }
}

pub fn demo_degradation() -> Degradation {
    Degradation {
        model: DEGRADED_MODEL.into(),
        points: DEGRADED_POINTS,
        days: DEGRADED_DAYS,
    }
}

/// The bundled strengths with the demo's weight floor.
pub fn demo_strengths() -> Vec<simulate::Strength> {
    let mut strengths = simulate::bundled_strengths();
    for s in &mut strengths {
        s.weight = s.weight.max(DEMO_MIN_WEIGHT);
    }
    strengths
}

fn io_error(path: &Path, error: std::io::Error) -> DemoError {
    DemoError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

fn side_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn remove_if_present(path: &Path) -> Result<(), DemoError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(path, e)),
        _ => Ok(()),
    }
}

/// Whether `path` already holds a demo store of this schema whose simulated
/// votes end on `end_day` (a store built before voters' reasons is rebuilt).
fn is_current(path: &Path, end_day: i64) -> bool {
    let Ok(store) = Store::open_read_only(path) else {
        return false;
    };
    let Ok(stats) = store.stats() else {
        return false;
    };
    stats.schema_version == arenawatt_store::SCHEMA_VERSION
        && stats.sources.iter().any(|s| s == ARENA_SOURCE)
        && stats.sources.iter().any(|s| s == SIMULATED_SOURCE)
        && stats.last_day == Some(end_day)
        && stats.votes >= DEMO_VOTES
}

/// Builds (or reuses, when current) the demo store at `path`, ending today.
pub fn build_demo_store(path: &Path) -> Result<DemoSummary, DemoError> {
    build_demo_store_ending(path, time::today())
}

/// [`build_demo_store`] with the last simulated day given (tests pin it).
pub fn build_demo_store_ending(path: &Path, end_day: i64) -> Result<DemoSummary, DemoError> {
    let options = demo_simulation(end_day);
    let mut summary = DemoSummary {
        path: path.to_path_buf(),
        rebuilt: false,
        simulated_votes: DEMO_VOTES,
        arena_battles: 0,
        first_day: end_day - DEMO_DAYS as i64 + 1,
        last_day: end_day,
        degradation: demo_degradation(),
    };
    let catalog = Catalog::bundled();
    let arena = arena_table(&catalog)?;
    summary.arena_battles = arena
        .pairs
        .iter()
        .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
        .sum();
    if is_current(path, end_day) {
        return Ok(summary);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    let building = side_path(path, ".building");
    for p in [
        building.clone(),
        side_path(&building, "-wal"),
        side_path(&building, "-shm"),
    ] {
        remove_if_present(&p)?;
    }
    {
        let mut store = Store::open(&building)?;
        let arena_input = ImportInput::Generated {
            name: "chatbotarena_pairs_20240814.json (bundled)".into(),
            format: "pair-counts",
            content: ARENA_PAIRS.as_bytes(),
            batch: GeneratedBatch::PairCounts(PairCountBatch {
                source: ARENA_SOURCE.into(),
                day: ARENA_DAY,
                table: arena,
            }),
        };
        import_service::import(&mut store, &catalog, arena_input, &ImportOptions::default())?;
        let strengths = demo_strengths();
        let names: Vec<String> = strengths
            .iter()
            .map(|s| canonical_model(&catalog, &s.model))
            .collect();
        let mut votes = Vec::with_capacity(DEMO_VOTES as usize);
        simulate::simulate(&strengths, &options, |v| {
            votes.push(v.to_vote(
                SIMULATED_SOURCE,
                &options.id_prefix,
                &names,
                options.slices.as_ref(),
            ));
            Ok(())
        })?;
        let settings = format!("{options:?}");
        let simulated_input = ImportInput::Generated {
            name: format!(
                "arenawatt demo simulation (seed {DEMO_SEED}, ending {})",
                time::format_day(end_day)
            ),
            format: "simulated",
            content: settings.as_bytes(),
            batch: GeneratedBatch::Votes(votes),
        };
        let no_flags = ImportOptions::default();
        import_service::import(&mut store, &catalog, simulated_input, &no_flags)?;
    }
    for p in [
        path.to_path_buf(),
        side_path(path, "-wal"),
        side_path(path, "-shm"),
    ] {
        remove_if_present(&p)?;
    }
    std::fs::rename(&building, path).map_err(|e| io_error(path, e))?;
    for p in [side_path(&building, "-wal"), side_path(&building, "-shm")] {
        remove_if_present(&p)?;
    }
    summary.rebuilt = true;
    Ok(summary)
}

#[derive(serde::Deserialize)]
struct ArenaPairs {
    models: Vec<String>,
    #[serde(rename = "X")]
    pairs: Vec<[usize; 2]>,
    #[serde(rename = "Y")]
    counts: Vec<[u64; 4]>,
}

/// The bundled Chatbot Arena counts, with names resolved through the catalog
/// (two names of one model are merged).
pub fn arena_table(catalog: &Catalog) -> Result<PairTable, DemoError> {
    let raw: ArenaPairs =
        serde_json::from_str(ARENA_PAIRS).map_err(|e| DemoError::ArenaData(e.to_string()))?;
    if raw.pairs.len() != raw.counts.len() {
        return Err(DemoError::ArenaData(format!(
            "{} pairs but {} count rows",
            raw.pairs.len(),
            raw.counts.len()
        )));
    }
    let mut models: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut slot_of = Vec::with_capacity(raw.models.len());
    for name in &raw.models {
        let id = canonical_model(catalog, name);
        let slot = *index.entry(id.clone()).or_insert_with(|| {
            models.push(id);
            models.len() - 1
        });
        slot_of.push(slot);
    }
    let mut cells: BTreeMap<(usize, usize), [u64; 4]> = BTreeMap::new();
    for (row, ([i, j], [wins_i, wins_j, ties, both_bad])) in
        raw.pairs.iter().zip(&raw.counts).enumerate()
    {
        let (Some(&a), Some(&b)) = (slot_of.get(*i), slot_of.get(*j)) else {
            return Err(DemoError::ArenaData(format!(
                "pair {row}: model index out of range"
            )));
        };
        if a == b {
            continue;
        }
        let (lo, hi, wins_lo, wins_hi) = if a < b {
            (a, b, wins_i, wins_j)
        } else {
            (b, a, wins_j, wins_i)
        };
        let cell = cells.entry((lo, hi)).or_default();
        cell[0] += wins_lo;
        cell[1] += wins_hi;
        cell[2] += ties;
        cell[3] += both_bad;
    }
    Ok(PairTable {
        models,
        pairs: cells
            .into_iter()
            .map(|((lo, hi), c)| PairCount {
                lo,
                hi,
                wins_lo: c[0],
                wins_hi: c[1],
                ties: c[2],
                ties_both_bad: c[3],
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_arena_counts_hold_every_battle() {
        let table = arena_table(&Catalog::default()).unwrap();
        assert_eq!(table.models.len(), 129);
        assert_eq!(table.pairs.len(), 3460);
        let battles: u64 = table
            .pairs
            .iter()
            .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum();
        assert_eq!(battles, 1_670_250);
    }

    #[test]
    fn the_degraded_model_is_simulated() {
        let strengths = simulate::bundled_strengths();
        assert!(strengths.iter().any(|s| s.model == DEGRADED_MODEL));
    }
}
