//! The EcoLogits computation itself: validating inputs, running the model
//! once per end of the uncertainty range, and combining the two runs.
//!
//! EcoLogits propagates uncertainty with interval arithmetic in which every
//! operation is monotone and combines lower ends with lower ends. So the whole
//! range is obtained by two plain runs: one with every input at its low end
//! (smallest parameter counts, PUE, WUE, and the −1.96σ coefficients of 0.8),
//! one with every input at its high end. A result is `[low.min, high.max]`,
//! and its mean is the middle of that range.
//!
//! Two readings of details no published test vector covers:
//! - a measured speed is used only when both `tps` and `ttft` are known
//!   (and only by the 0.11 profile); it replaces the modelled latency and is
//!   still capped by the request latency;
//! - under 0.8, a request latency cap applies to each end of the ±1.96σ
//!   latency band separately.

use super::profiles::{
    EmbodiedImpacts, GpuCountRule, GpuModel, Profile, COMPARIA_TOKENS, ECOLOGITS_0_11,
    ECOLOGITS_0_8,
};
use super::zones::{self, ElectricityMix};
use super::{Bounds, EnergyContext, EnergyError, Impacts, Methodology, ModelSize, ParamCount};

/// Which end of the uncertainty range a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Low,
    High,
}

impl End {
    fn pick(self, value: ParamCount) -> f64 {
        match self {
            End::Low => value.min(),
            End::High => value.max(),
        }
    }
    /// −1 or +1: the side of a ±zσ band.
    fn sign(self) -> f64 {
        match self {
            End::Low => -1.0,
            End::High => 1.0,
        }
    }
}

/// Inputs of one run, all scalar.
#[derive(Debug, Clone, Copy)]
struct RunInputs {
    active_params_b: f64,
    total_params_b: f64,
    tokens: f64,
    pue: f64,
    wue_site: f64,
    /// +∞ when there is no cap.
    request_latency_s: f64,
    /// Measured (tokens per second, seconds to first token).
    measured_speed: Option<(f64, f64)>,
    end: End,
}

/// Every value one run produces, in EcoLogits' own units (kWh, kg, s).
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    memory_gb: f64,
    gpu_count: f64,
    gpu_energy_kwh: f64,
    latency_s: f64,
    server_energy_kwh: f64,
    it_energy_kwh: f64,
    energy_kwh: f64,
    pue: f64,
    usage_gwp_kg: f64,
    usage_adpe_kgsbeq: f64,
    usage_pe_mj: f64,
    wcf_l: Option<f64>,
    hardware_embodied_gwp_kg: f64,
    embodied_gwp_kg: f64,
    embodied_adpe_kgsbeq: f64,
    embodied_pe_mj: f64,
}

impl Run {
    /// Scales the quantities that grow with the number of tokens.
    fn scaled(mut self, factor: f64) -> Run {
        for value in [
            &mut self.gpu_energy_kwh,
            &mut self.latency_s,
            &mut self.server_energy_kwh,
            &mut self.it_energy_kwh,
            &mut self.energy_kwh,
            &mut self.usage_gwp_kg,
            &mut self.usage_adpe_kgsbeq,
            &mut self.usage_pe_mj,
            &mut self.embodied_gwp_kg,
            &mut self.embodied_adpe_kgsbeq,
            &mut self.embodied_pe_mj,
        ] {
            *value *= factor;
        }
        self.wcf_l = self.wcf_l.map(|w| w * factor);
        self
    }
}

fn gpu_count(profile: &Profile, memory_gb: f64) -> f64 {
    let gpus = (memory_gb / profile.gpu_memory_gb).ceil();
    match profile.gpu_count_rule {
        GpuCountRule::Ceil => gpus,
        GpuCountRule::PowerOfTwo => 2f64.powf(gpus.log2().ceil()),
    }
}

/// One run of the EcoLogits model with scalar inputs.
fn run(profile: &Profile, inputs: &RunInputs, mix: &ElectricityMix) -> Run {
    let tokens = inputs.tokens;
    let active = inputs.active_params_b;
    let (gpu_energy_kwh, modelled_latency_s, batch_size) = match profile.gpu {
        GpuModel::Batched {
            energy_alpha,
            energy_beta,
            energy_gamma,
            latency_alpha,
            latency_beta,
            latency_gamma,
            batch_size,
        } => {
            let wh_per_token =
                energy_alpha * (energy_beta * batch_size).exp() * active + energy_gamma;
            let s_per_token = latency_alpha * active + latency_beta * batch_size + latency_gamma;
            (
                tokens * wh_per_token / 1000.0,
                tokens * s_per_token,
                batch_size,
            )
        }
        GpuModel::Linear {
            energy_alpha,
            energy_beta,
            energy_stdev,
            latency_alpha,
            latency_beta,
            latency_stdev,
            z,
        } => {
            let side = inputs.end.sign() * z;
            let kwh_per_token = energy_alpha * active + energy_beta + side * energy_stdev;
            let s_per_token = latency_alpha * active + latency_beta + side * latency_stdev;
            (
                (tokens * kwh_per_token).max(0.0),
                (tokens * s_per_token).max(0.0),
                1.0,
            )
        }
    };
    let generation_latency_s = match (inputs.measured_speed, profile.gpu) {
        (Some((tps, ttft)), GpuModel::Batched { .. }) => tokens / tps + ttft,
        _ => modelled_latency_s,
    };
    let latency_s = generation_latency_s.min(inputs.request_latency_s);

    let memory_gb =
        profile.memory_overhead * inputs.total_params_b * profile.quantization_bits / 8.0;
    let gpus = gpu_count(profile, memory_gb);
    let server_share = gpus / profile.server_gpu_count;
    let batch_share = if profile.divide_server_by_batch {
        1.0 / batch_size
    } else {
        1.0
    };
    let server_energy_kwh =
        latency_s / 3600.0 * profile.server_power_kw * server_share * batch_share;
    let it_energy_kwh = server_energy_kwh + gpus * gpu_energy_kwh;
    let pue = profile.fixed_pue.unwrap_or(inputs.pue);
    let energy_kwh = pue * it_energy_kwh;

    let wcf_l = match (profile.models_water, mix.wue) {
        (true, Some(zone_wue)) => Some(it_energy_kwh * (inputs.wue_site + pue * zone_wue)),
        _ => None,
    };

    let hardware = |pick: fn(&EmbodiedImpacts) -> f64| {
        server_share * pick(&profile.server_embodied) + gpus * pick(&profile.gpu_embodied)
    };
    let life_share = latency_s * batch_share / profile.hardware_lifespan_s;

    Run {
        memory_gb,
        gpu_count: gpus,
        gpu_energy_kwh,
        latency_s,
        server_energy_kwh,
        it_energy_kwh,
        energy_kwh,
        pue,
        usage_gwp_kg: energy_kwh * mix.gwp,
        usage_adpe_kgsbeq: energy_kwh * mix.adpe,
        usage_pe_mj: energy_kwh * mix.pe,
        wcf_l,
        hardware_embodied_gwp_kg: hardware(|i| i.gwp_kgco2eq),
        embodied_gwp_kg: life_share * hardware(|i| i.gwp_kgco2eq),
        embodied_adpe_kgsbeq: life_share * hardware(|i| i.adpe_kgsbeq),
        embodied_pe_mj: life_share * hardware(|i| i.pe_mj),
    }
}

fn bounds(low: f64, high: f64, unit_factor: f64) -> Bounds {
    let (min, max) = (low * unit_factor, high * unit_factor);
    Bounds {
        min,
        max,
        mean: (min + max) / 2.0,
    }
}

/// Combines the low and high runs into the reported impacts.
fn combine(methodology: Methodology, zone: String, tokens: f64, low: &Run, high: &Run) -> Impacts {
    let b = |f: fn(&Run) -> f64, unit_factor: f64| bounds(f(low), f(high), unit_factor);
    let total = |r: &Run| r.usage_gwp_kg + r.embodied_gwp_kg;
    Impacts {
        methodology,
        zone,
        tokens,
        energy_wh: b(|r| r.energy_kwh, 1000.0),
        gwp_gco2eq: b(total, 1000.0),
        adpe_kgsbeq: b(|r| r.usage_adpe_kgsbeq + r.embodied_adpe_kgsbeq, 1.0),
        pe_mj: b(|r| r.usage_pe_mj + r.embodied_pe_mj, 1.0),
        wcf_l: match (low.wcf_l, high.wcf_l) {
            (Some(l), Some(h)) => Some(bounds(l, h, 1.0)),
            _ => None,
        },
        usage_energy_wh: b(|r| r.energy_kwh, 1000.0),
        usage_gwp_gco2eq: b(|r| r.usage_gwp_kg, 1000.0),
        usage_adpe_kgsbeq: b(|r| r.usage_adpe_kgsbeq, 1.0),
        usage_pe_mj: b(|r| r.usage_pe_mj, 1.0),
        embodied_gwp_gco2eq: b(|r| r.embodied_gwp_kg, 1000.0),
        embodied_adpe_kgsbeq: b(|r| r.embodied_adpe_kgsbeq, 1.0),
        embodied_pe_mj: b(|r| r.embodied_pe_mj, 1.0),
        gpu_count: b(|r| r.gpu_count, 1.0),
        latency_s: b(|r| r.latency_s, 1.0),
        memory_gb: b(|r| r.memory_gb, 1.0),
        gpu_energy_wh: b(|r| r.gpu_energy_kwh, 1000.0),
        server_energy_wh: b(|r| r.server_energy_kwh, 1000.0),
        it_energy_wh: b(|r| r.it_energy_kwh, 1000.0),
        hardware_embodied_gwp_kgco2eq: b(|r| r.hardware_embodied_gwp_kg, 1.0),
        pue: b(|r| r.pue, 1.0),
    }
}

fn check_params(what: &str, value: ParamCount) -> Result<(), EnergyError> {
    for v in [value.min(), value.max()] {
        if !v.is_finite() || v <= 0.0 {
            return Err(EnergyError::InvalidInput(format!(
                "{what} parameters must be a positive, finite number of billions, got {v}"
            )));
        }
    }
    if value.min() > value.max() {
        return Err(EnergyError::InvalidInput(format!(
            "{what} parameter range {}:{} has min > max",
            value.min(),
            value.max()
        )));
    }
    Ok(())
}

fn check_size(size: &ModelSize) -> Result<(), EnergyError> {
    check_params("total", size.total_params)?;
    check_params("active", size.active_params)?;
    for end in [End::Low, End::High] {
        let (active, total) = (end.pick(size.active_params), end.pick(size.total_params));
        if active > total {
            return Err(EnergyError::InvalidInput(format!(
                "active parameters ({active} B) exceed total parameters ({total} B)"
            )));
        }
    }
    if let Some(tps) = size.tps {
        if !tps.is_finite() || tps <= 0.0 {
            return Err(EnergyError::InvalidInput(format!(
                "tps (tokens per second) must be positive and finite, got {tps}"
            )));
        }
    }
    if let Some(ttft) = size.ttft {
        if !ttft.is_finite() || ttft < 0.0 {
            return Err(EnergyError::InvalidInput(format!(
                "ttft (time to first token) must be a non-negative, finite number of seconds, got {ttft}"
            )));
        }
    }
    Ok(())
}

fn check_datacenter(pue: ParamCount, wue: ParamCount) -> Result<(), EnergyError> {
    for v in [pue.min(), pue.max()] {
        if !v.is_finite() || v < 1.0 {
            return Err(EnergyError::InvalidInput(format!(
                "pue must be a finite number of at least 1, got {v}"
            )));
        }
    }
    for v in [wue.min(), wue.max()] {
        if !v.is_finite() || v < 0.0 {
            return Err(EnergyError::InvalidInput(format!(
                "wue must be a non-negative, finite number of litres per kWh, got {v}"
            )));
        }
    }
    for (name, value) in [("pue", pue), ("wue", wue)] {
        if value.min() > value.max() {
            return Err(EnergyError::InvalidInput(format!(
                "{name} range {}:{} has min > max",
                value.min(),
                value.max()
            )));
        }
    }
    Ok(())
}

fn check_tokens(tokens: f64) -> Result<(), EnergyError> {
    if !tokens.is_finite() || tokens <= 0.0 {
        return Err(EnergyError::InvalidInput(format!(
            "tokens must be a positive, finite number, got {tokens}"
        )));
    }
    Ok(())
}

fn request_latency_cap(latency_s: Option<f64>) -> Result<f64, EnergyError> {
    match latency_s {
        None => Ok(f64::INFINITY),
        Some(v) if v == f64::INFINITY => Ok(v),
        Some(v) if v.is_finite() && v > 0.0 => Ok(v),
        Some(v) => Err(EnergyError::InvalidInput(format!(
            "request latency must be a positive number of seconds, got {v}"
        ))),
    }
}

/// compar:IA's parameter preparation: `int()` truncation, then halving for
/// `q8` models.
fn comparia_params(
    value: ParamCount,
    quantization: Option<&str>,
) -> Result<ParamCount, EnergyError> {
    let halve = quantization.is_some_and(|q| q.eq_ignore_ascii_case("q8"));
    let prepare = |v: f64| -> Result<f64, EnergyError> {
        let truncated = v.trunc();
        if truncated <= 0.0 {
            return Err(EnergyError::InvalidInput(format!(
                "comparia-2026-02 truncates parameter counts to whole billions, and {v} B becomes 0"
            )));
        }
        Ok(if halve { truncated / 2.0 } else { truncated })
    };
    Ok(match value {
        ParamCount::Exact(v) => ParamCount::Exact(prepare(v)?),
        ParamCount::Range { min, max } => ParamCount::Range {
            min: prepare(min)?,
            max: prepare(max)?,
        },
    })
}

/// Estimates impacts with the datacenter's PUE and WUE given as values or
/// ranges (as EcoLogits' provider configurations do).
pub fn estimate_with_datacenter(
    size: &ModelSize,
    tokens: f64,
    context: &EnergyContext,
    pue: ParamCount,
    wue: ParamCount,
) -> Result<Impacts, EnergyError> {
    check_size(size)?;
    check_tokens(tokens)?;
    check_datacenter(pue, wue)?;
    let request_latency_s = request_latency_cap(context.latency_s)?;
    let methodology = context.methodology;
    let mix = zones::lookup(methodology, &context.zone)?;
    let zone = context.zone.trim().to_uppercase();

    let (profile, size, run_tokens) = match methodology {
        Methodology::Ecologits011 => (&ECOLOGITS_0_11, size.clone(), tokens),
        Methodology::Ecologits08 => (&ECOLOGITS_0_8, size.clone(), tokens),
        Methodology::Comparia202602 => {
            if request_latency_s.is_finite() {
                return Err(EnergyError::InvalidInput(
                    "comparia-2026-02 has no request latency cap; leave the latency unset".into(),
                ));
            }
            let quantization = size.quantization.as_deref();
            let prepared = ModelSize {
                total_params: comparia_params(size.total_params, quantization)?,
                active_params: comparia_params(size.active_params, quantization)?,
                ..size.clone()
            };
            (&ECOLOGITS_0_8, prepared, COMPARIA_TOKENS)
        }
    };
    let measured_speed = match (size.tps, size.ttft) {
        (Some(tps), Some(ttft)) => Some((tps, ttft)),
        _ => None,
    };
    let inputs = |end: End| RunInputs {
        active_params_b: end.pick(size.active_params),
        total_params_b: end.pick(size.total_params),
        tokens: run_tokens,
        pue: end.pick(pue),
        wue_site: end.pick(wue),
        request_latency_s,
        measured_speed,
        end,
    };
    let factor = tokens / run_tokens;
    let low = run(profile, &inputs(End::Low), &mix);
    let high = run(profile, &inputs(End::High), &mix);
    let (low, high) = if factor == 1.0 {
        (low, high)
    } else {
        (low.scaled(factor), high.scaled(factor))
    };
    let impacts = combine(methodology, zone, tokens, &low, &high);
    let finite = [
        impacts.energy_wh,
        impacts.gwp_gco2eq,
        impacts.adpe_kgsbeq,
        impacts.pe_mj,
        impacts.gpu_count,
        impacts.latency_s,
    ]
    .iter()
    .chain(impacts.wcf_l.iter())
    .all(|b| b.min.is_finite() && b.max.is_finite() && b.mean.is_finite());
    if !finite {
        return Err(EnergyError::InvalidInput(format!(
            "inputs too large: {} B total parameters and {tokens} tokens overflow the computation",
            size.total_params.max()
        )));
    }
    Ok(impacts)
}
