//! EcoLogits inference impacts, as named methodology profiles.
//!
//! Why this module exists: an LLM's energy per answer is not measured by the
//! arenas that rank it, so arenawatt estimates it with the public EcoLogits
//! methodology from the model's parameter counts. The methodology changed a
//! lot between releases (compar:IA's Feb-2026 graph uses 0.8.2; 0.9+ models
//! batching and gives figures 5–30× lower), so every figure names the
//! [`Methodology`] profile that produced it, and old figures stay reproducible.
//!
//! CONTRACT: the types below are the interface the query engine and the
//! catalog code against ([`estimate()`], [`zones()`], [`ModelSize`],
//! [`EnergyContext`], [`Impacts`]).
//!
//! How an estimate is made (P_a/P_t: active/total parameters in billions,
//! T: output tokens; constants in [`profiles`]):
//! - GPU energy per GPU, GPU count from the memory the weights need, the
//!   generation latency (modelled, or `T/tps + ttft` when the model's measured
//!   speed is known, capped by the request latency), and the server energy
//!   over that latency;
//! - energy = PUE × (server + GPUs); usage impacts = energy × the zone's
//!   electricity mix ([`zones`](mod@zones)); water = IT energy × (WUE + PUE × zone WUE);
//!   embodied impacts = the hardware's share of its lifespan;
//! - a parameter range runs the model at both ends: every result is a
//!   [`Bounds`] `{min, max, mean}` (the `estimate` submodule explains why).
//!
//! Profiles:
//! - `ecologits-0.11` (default): EcoLogits 0.10.x–0.11.x; the caller's PUE
//!   and WUE; 215 zones.
//! - `ecologits-0.8`: EcoLogits 0.8.2, ±1.96σ ranges, PUE 1.2 built in (the
//!   context's PUE/WUE are ignored), no water model (`wcf_l` is `None`),
//!   138 zones; measured speeds are not used (0.8 predates them).
//! - `comparia-2026-02`: compar:IA's graph: `ecologits-0.8` after `int()`
//!   truncation of both parameter counts and halving for `q8` models,
//!   computed for 1e6 tokens and scaled to the requested tokens; compar:IA
//!   plots the `mean` of the range (for the WOR zone; energy itself does not
//!   depend on the zone). No request latency cap.

pub mod classes;
pub mod estimate;
pub mod profiles;
pub mod zones;

pub use estimate::estimate_with_datacenter;

use serde::{Deserialize, Serialize};

/// A parameter count in billions: exact, or a `{min, max}` range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamCount {
    Exact(f64),
    Range { min: f64, max: f64 },
}

impl ParamCount {
    pub fn min(&self) -> f64 {
        match *self {
            ParamCount::Exact(v) => v,
            ParamCount::Range { min, .. } => min,
        }
    }
    pub fn max(&self) -> f64 {
        match *self {
            ParamCount::Exact(v) => v,
            ParamCount::Range { max, .. } => max,
        }
    }
    pub fn mean(&self) -> f64 {
        (self.min() + self.max()) / 2.0
    }
}

/// A methodology version. Every result names the profile that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Methodology {
    /// EcoLogits 0.10.x–0.11.x (the default).
    #[default]
    #[serde(rename = "ecologits-0.11")]
    Ecologits011,
    /// EcoLogits 0.8.2: ±1.96σ ranges, PUE 1.2, the 0.8.2 electricity mixes.
    #[serde(rename = "ecologits-0.8")]
    Ecologits08,
    /// compar:IA's Feb-2026 graph: ecologits-0.8 plus int() truncation, q8
    /// halving, zone WOR, 1e6 tokens and the mean of the range.
    #[serde(rename = "comparia-2026-02")]
    Comparia202602,
}

impl Methodology {
    pub const ALL: [Methodology; 3] = [
        Methodology::Ecologits011,
        Methodology::Ecologits08,
        Methodology::Comparia202602,
    ];
    pub fn name(&self) -> &'static str {
        match self {
            Methodology::Ecologits011 => "ecologits-0.11",
            Methodology::Ecologits08 => "ecologits-0.8",
            Methodology::Comparia202602 => "comparia-2026-02",
        }
    }
}

impl std::str::FromStr for Methodology {
    type Err = EnergyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Methodology::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| EnergyError::UnknownMethodology(s.to_string()))
    }
}

/// What the model is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSize {
    pub total_params: ParamCount,
    /// Equal to `total_params` for dense models.
    pub active_params: ParamCount,
    /// e.g. "q8" (compar:IA halves parameter counts of q8 models).
    pub quantization: Option<String>,
    /// Measured speed, tokens per second, if known.
    pub tps: Option<f64>,
    /// Measured time to first token, seconds, if known.
    pub ttft: Option<f64>,
}

/// Where and how the inference runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyContext {
    pub methodology: Methodology,
    /// Electricity zone code (ISO 3166 alpha-3, WOR, EEE).
    pub zone: String,
    pub pue: f64,
    pub wue: f64,
    /// Request latency cap in seconds; `None` = no cap.
    pub latency_s: Option<f64>,
}

impl Default for EnergyContext {
    fn default() -> Self {
        Self {
            methodology: Methodology::Ecologits011,
            zone: "WOR".into(),
            pue: 1.15,
            wue: 1.8,
            latency_s: None,
        }
    }
}

/// A value with its uncertainty range.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Bounds {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Impacts of generating `tokens` output tokens. The unit of each field is
/// the suffix of its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impacts {
    pub methodology: Methodology,
    /// Upper-case zone code.
    pub zone: String,
    pub tokens: f64,
    /// Total energy drawn from the grid (= `usage_energy_wh`).
    pub energy_wh: Bounds,
    /// Global warming potential, usage + embodied.
    pub gwp_gco2eq: Bounds,
    /// Abiotic resource depletion (elements), usage + embodied.
    pub adpe_kgsbeq: Bounds,
    /// Primary energy, usage + embodied.
    pub pe_mj: Bounds,
    /// Water consumption footprint; `None` for methodologies without a water
    /// model (`ecologits-0.8`, `comparia-2026-02`).
    pub wcf_l: Option<Bounds>,
    pub usage_energy_wh: Bounds,
    pub usage_gwp_gco2eq: Bounds,
    pub usage_adpe_kgsbeq: Bounds,
    pub usage_pe_mj: Bounds,
    pub embodied_gwp_gco2eq: Bounds,
    pub embodied_adpe_kgsbeq: Bounds,
    pub embodied_pe_mj: Bounds,
    pub gpu_count: Bounds,
    pub latency_s: Bounds,
    /// Memory the weights need, GB.
    pub memory_gb: Bounds,
    /// Energy of one GPU over the generation.
    pub gpu_energy_wh: Bounds,
    /// Energy of the server (without GPUs), this request's share.
    pub server_energy_wh: Bounds,
    /// Server + GPUs, before the PUE.
    pub it_energy_wh: Bounds,
    /// Embodied GWP of the server share and GPUs over their whole life.
    pub hardware_embodied_gwp_kgco2eq: Bounds,
    /// The PUE applied (1.2 under the 0.8 profiles).
    pub pue: Bounds,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EnergyError {
    #[error(
        "unknown methodology {0:?} (expected ecologits-0.11, ecologits-0.8 or comparia-2026-02)"
    )]
    UnknownMethodology(String),
    #[error("unknown electricity zone {zone:?}; closest valid codes: {suggestions}")]
    UnknownZone { zone: String, suggestions: String },
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The data compiled into the binary is unreadable (a build problem).
    #[error("bundled energy data: {0}")]
    BundledData(String),
}

/// Estimates the impacts of generating `tokens` output tokens with the
/// context's methodology, zone, PUE, WUE and latency cap.
///
/// Errors (never NaN): non-positive or non-finite parameter counts or tokens,
/// a range with min > max, active > total parameters, `tps` ≤ 0, PUE < 1,
/// an unknown zone (listing the closest codes).
pub fn estimate(
    size: &ModelSize,
    tokens: f64,
    context: &EnergyContext,
) -> Result<Impacts, EnergyError> {
    estimate_with_datacenter(
        size,
        tokens,
        context,
        ParamCount::Exact(context.pue),
        ParamCount::Exact(context.wue),
    )
}

/// The electricity zone codes available to a methodology, sorted.
pub fn zones(methodology: Methodology) -> Vec<String> {
    zones::mixes(methodology)
        .map(|table| table.keys().cloned().collect())
        .unwrap_or_default()
}
