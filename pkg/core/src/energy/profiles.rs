//! The versioned constants of each EcoLogits methodology.
//!
//! A methodology is data, not code: each profile below is the set of fitted
//! coefficients and hardware assumptions one EcoLogits release uses. The
//! computation in [`super::estimate`] reads them, so a new EcoLogits release
//! is a new profile, and an old figure can always be reproduced by naming the
//! profile that produced it.
//!
//! Sources (facts and figures, read from the EcoLogits library and its
//! published methodology, MPL-2.0):
//! - 0.10.x–0.11.x: GPU energy `α·e^{β·B}·P_a + γ` Wh per token per GPU,
//!   latency `α_L·P_a + β_L·B + γ_L` s per token, batch size B = 64,
//!   16-bit weights, GPU count rounded up to a power of two, server 1.2 kW,
//!   hardware lifespan 3 years.
//! - 0.8.x: GPU energy `α·P_a + β ± 1.96σ` kWh per token, latency
//!   `α_L·P_a + β_L ± 1.96σ_L` s per token, 4-bit weights, server 1 kW, no
//!   batch division, PUE 1.2 built in, A100/p4de embodied impacts, 5-year
//!   lifespan, no water model.

/// How the energy drawn by one GPU, and the generation latency, are modelled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GpuModel {
    /// EcoLogits ≥ 0.9: coefficients fitted on batched inference benchmarks.
    Batched {
        /// Wh per token per GPU: `alpha·e^{beta·batch}·P_a + gamma`.
        energy_alpha: f64,
        energy_beta: f64,
        energy_gamma: f64,
        /// s per token: `alpha·P_a + beta·batch + gamma`.
        latency_alpha: f64,
        latency_beta: f64,
        latency_gamma: f64,
        batch_size: f64,
    },
    /// EcoLogits 0.8: linear fits with a ±`z`·σ band, no batching.
    Linear {
        /// kWh per token: `alpha·P_a + beta`, standard deviation `stdev`.
        energy_alpha: f64,
        energy_beta: f64,
        energy_stdev: f64,
        /// s per token: `alpha·P_a + beta`, standard deviation `stdev`.
        latency_alpha: f64,
        latency_beta: f64,
        latency_stdev: f64,
        /// Width of the band in standard deviations (1.96: 95 %).
        z: f64,
    },
}

/// How many GPUs a model needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GpuCountRule {
    /// `ceil(memory / gpu_memory)`.
    Ceil,
    /// `2^ceil(log2(ceil(memory / gpu_memory)))`: tensor parallelism uses
    /// powers of two.
    PowerOfTwo,
}

/// Embodied impacts of one piece of hardware over its whole life.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmbodiedImpacts {
    pub gwp_kgco2eq: f64,
    pub adpe_kgsbeq: f64,
    pub pe_mj: f64,
}

/// Every constant one methodology uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub gpu: GpuModel,
    /// Bits per parameter used to size the model in memory.
    pub quantization_bits: f64,
    /// Memory overhead factor over the raw weights.
    pub memory_overhead: f64,
    /// GB of memory per GPU.
    pub gpu_memory_gb: f64,
    pub gpu_count_rule: GpuCountRule,
    /// GPUs in one server.
    pub server_gpu_count: f64,
    /// Server power draw without its GPUs, kW.
    pub server_power_kw: f64,
    /// Whether the server's energy and embodied impacts are shared by the
    /// requests of one batch (divided by the batch size).
    pub divide_server_by_batch: bool,
    /// `Some(pue)` when the methodology fixes the PUE and ignores the caller's.
    pub fixed_pue: Option<f64>,
    /// Whether water consumption is modelled.
    pub models_water: bool,
    pub server_embodied: EmbodiedImpacts,
    pub gpu_embodied: EmbodiedImpacts,
    /// Hardware lifespan, seconds.
    pub hardware_lifespan_s: f64,
}

/// EcoLogits 0.10.x–0.11.x.
pub const ECOLOGITS_0_11: Profile = Profile {
    gpu: GpuModel::Batched {
        energy_alpha: 1.166_527_317_045_191_4e-6,
        energy_beta: -0.011_205_921_025_579_175,
        energy_gamma: 4.052_928_146_734_005e-5,
        latency_alpha: 6.785_088_094_353_663e-4,
        latency_beta: 3.119_310_311_688_259e-4,
        latency_gamma: 0.019_473_717_579_473_387,
        batch_size: 64.0,
    },
    quantization_bits: 16.0,
    memory_overhead: 1.2,
    gpu_memory_gb: 80.0,
    gpu_count_rule: GpuCountRule::PowerOfTwo,
    server_gpu_count: 8.0,
    server_power_kw: 1.2,
    divide_server_by_batch: true,
    fixed_pue: None,
    models_water: true,
    server_embodied: EmbodiedImpacts {
        gwp_kgco2eq: 5700.0,
        adpe_kgsbeq: 0.37,
        pe_mj: 70000.0,
    },
    gpu_embodied: EmbodiedImpacts {
        gwp_kgco2eq: 273.0,
        adpe_kgsbeq: 0.00895,
        pe_mj: 3721.0,
    },
    hardware_lifespan_s: 3.0 * 365.0 * 24.0 * 3600.0,
};

/// EcoLogits 0.8.x (0.8.2 is the release behind compar:IA's Feb-2026 graph).
pub const ECOLOGITS_0_8: Profile = Profile {
    gpu: GpuModel::Linear {
        energy_alpha: 8.91e-8,
        energy_beta: 1.43e-6,
        energy_stdev: 5.19e-7,
        latency_alpha: 8.02e-4,
        latency_beta: 2.23e-2,
        latency_stdev: 7.00e-6,
        z: 1.96,
    },
    quantization_bits: 4.0,
    memory_overhead: 1.2,
    gpu_memory_gb: 80.0,
    gpu_count_rule: GpuCountRule::Ceil,
    server_gpu_count: 8.0,
    server_power_kw: 1.0,
    divide_server_by_batch: false,
    fixed_pue: Some(1.2),
    models_water: false,
    server_embodied: EmbodiedImpacts {
        gwp_kgco2eq: 3000.0,
        adpe_kgsbeq: 0.24,
        pe_mj: 38000.0,
    },
    gpu_embodied: EmbodiedImpacts {
        gwp_kgco2eq: 143.0,
        adpe_kgsbeq: 5.1e-3,
        pe_mj: 1828.0,
    },
    hardware_lifespan_s: 5.0 * 365.0 * 24.0 * 3600.0,
};

/// compar:IA computes its figure for one million tokens and divides it.
pub const COMPARIA_TOKENS: f64 = 1e6;

/// The electricity zone compar:IA's graph uses.
pub const COMPARIA_ZONE: &str = "WOR";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifespans_are_three_and_five_years() {
        assert_eq!(ECOLOGITS_0_11.hardware_lifespan_s, 94_608_000.0);
        assert_eq!(ECOLOGITS_0_8.hardware_lifespan_s, 157_680_000.0);
    }
}
