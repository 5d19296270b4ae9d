//! EcoLogits inference impacts, as named methodology profiles.
//!
//! CONTRACT (skeleton): the types below are the interface the query engine and
//! the catalog code against. The energy work fills in the methodology and
//! documents it here, and may add fields, but keeps these names.

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

/// Impacts of generating `tokens` output tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impacts {
    pub methodology: Methodology,
    pub zone: String,
    pub tokens: f64,
    pub energy_wh: Bounds,
    pub gwp_gco2eq: Bounds,
    pub adpe_kgsbeq: Bounds,
    pub pe_mj: Bounds,
    pub wcf_l: Bounds,
    pub usage_energy_wh: Bounds,
    pub usage_gwp_gco2eq: Bounds,
    pub embodied_gwp_gco2eq: Bounds,
    pub embodied_adpe_kgsbeq: Bounds,
    pub embodied_pe_mj: Bounds,
    pub gpu_count: Bounds,
    pub latency_s: Bounds,
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
}

/// Estimates the impacts of generating `tokens` output tokens.
/// (Skeleton: implemented by the energy work.)
pub fn estimate(
    size: &ModelSize,
    tokens: f64,
    context: &EnergyContext,
) -> Result<Impacts, EnergyError> {
    let _ = (size, tokens, context);
    Err(EnergyError::InvalidInput(
        "energy engine not implemented yet".into(),
    ))
}

/// The electricity zone codes available to a methodology, sorted.
pub fn zones(methodology: Methodology) -> Vec<String> {
    let _ = methodology;
    Vec::new()
}
