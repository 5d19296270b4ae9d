//! Golden test: every case computed with the real EcoLogits Python library
//! (0.11.3 and 0.8.2, `tests/fixtures/vectors-*.json`) is reproduced to 1e-9
//! relative, including the intermediate values of the 0.11 computation graph.

use arenawatt::energy::{
    estimate_with_datacenter, Bounds, EnergyContext, Impacts, Methodology, ModelSize, ParamCount,
};
use serde_json::Value;

const TOLERANCE: f64 = 1e-9;

fn param(value: &Value) -> ParamCount {
    match value {
        Value::Object(range) => ParamCount::Range {
            min: range["min"].as_f64().unwrap(),
            max: range["max"].as_f64().unwrap(),
        },
        other => ParamCount::Exact(other.as_f64().unwrap()),
    }
}

fn optional_param(value: Option<&Value>, default: f64) -> ParamCount {
    match value {
        None | Some(Value::Null) => ParamCount::Exact(default),
        Some(v) => param(v),
    }
}

/// `null`, `"inf"` or a number of seconds.
fn latency(inputs: &Value) -> Option<f64> {
    let value = inputs
        .get("request_latency")
        .or_else(|| inputs.get("latency"))?;
    match value {
        Value::Null => None,
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        other => other.as_f64(),
    }
}

fn run_case(case: &Value, methodology: Methodology) -> Impacts {
    let inputs = &case["inputs"];
    let size = ModelSize {
        total_params: param(&inputs["total"]),
        active_params: param(&inputs["active"]),
        quantization: None,
        tps: inputs.get("tps").and_then(Value::as_f64),
        ttft: inputs.get("ttft").and_then(Value::as_f64),
    };
    let tokens = inputs
        .get("output_token_count")
        .or_else(|| inputs.get("tokens"))
        .and_then(Value::as_f64)
        .unwrap();
    let context = EnergyContext {
        methodology,
        zone: case["zone"].as_str().unwrap().to_string(),
        latency_s: latency(inputs),
        ..EnergyContext::default()
    };
    let pue = optional_param(inputs.get("datacenter_pue"), 1.0);
    let wue = optional_param(inputs.get("datacenter_wue"), 0.0);
    estimate_with_datacenter(&size, tokens, &context, pue, wue)
        .unwrap_or_else(|e| panic!("case {case}: {e}"))
}

/// Our value for one expected key, as (min, max) in EcoLogits' units.
fn ours(impacts: &Impacts, key: &str) -> Option<(f64, f64)> {
    let kilo = |b: Bounds| (b.min / 1000.0, b.max / 1000.0);
    let same = |b: Bounds| (b.min, b.max);
    Some(match key {
        "energy_kWh" | "request_energy" => kilo(impacts.energy_wh),
        "gwp_kgCO2eq" => kilo(impacts.gwp_gco2eq),
        "adpe_kgSbeq" => same(impacts.adpe_kgsbeq),
        "pe_MJ" => same(impacts.pe_mj),
        "wcf_L" | "request_usage_wcf" => same(impacts.wcf_l?),
        "usage_gwp" | "request_usage_gwp" => kilo(impacts.usage_gwp_gco2eq),
        "embodied_gwp" | "request_embodied_gwp" => kilo(impacts.embodied_gwp_gco2eq),
        "usage_adpe" => same(impacts.usage_adpe_kgsbeq),
        "embodied_adpe" => same(impacts.embodied_adpe_kgsbeq),
        "usage_pe" => same(impacts.usage_pe_mj),
        "embodied_pe" => same(impacts.embodied_pe_mj),
        "model_required_memory" => same(impacts.memory_gb),
        "gpu_required_count" => same(impacts.gpu_count),
        "gpu_energy" => kilo(impacts.gpu_energy_wh),
        "generation_latency" => same(impacts.latency_s),
        "server_energy" => kilo(impacts.server_energy_wh),
        "request_it_energy" => kilo(impacts.it_energy_wh),
        "server_gpu_embodied_gwp" => same(impacts.hardware_embodied_gwp_kgco2eq),
        _ => return None,
    })
}

fn relative_error(actual: f64, expected: f64) -> f64 {
    if expected == 0.0 {
        actual.abs()
    } else {
        ((actual - expected) / expected).abs()
    }
}

/// Checks every case of a vector file; returns (values checked, failures).
fn check_file(text: &str, methodology: Methodology) -> (usize, Vec<String>) {
    let file: Value = serde_json::from_str(text).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (index, case) in file["cases"].as_array().unwrap().iter().enumerate() {
        let impacts = run_case(case, methodology);
        for (key, expected) in case["expected"].as_object().unwrap() {
            let Some((min, max)) = ours(&impacts, key) else {
                failures.push(format!(
                    "case {index}: no counterpart for expected key {key}"
                ));
                continue;
            };
            let (expected_min, expected_max) = match expected {
                Value::Object(r) => (r["min"].as_f64().unwrap(), r["max"].as_f64().unwrap()),
                v => (v.as_f64().unwrap(), v.as_f64().unwrap()),
            };
            for (end, actual, wanted) in [("min", min, expected_min), ("max", max, expected_max)] {
                checked += 1;
                let error = relative_error(actual, wanted);
                if error > TOLERANCE || !actual.is_finite() {
                    failures.push(format!(
                        "case {index} ({} / {}): {key}.{end} = {actual:e}, expected {wanted:e} (relative error {error:e})",
                        case["label"], case.get("config").unwrap_or(&Value::Null)
                    ));
                }
            }
        }
    }
    (checked, failures)
}

#[test]
fn reproduces_every_ecologits_0_11_3_vector() {
    let (checked, failures) = check_file(
        include_str!("../fixtures/vectors-0.11.3.json"),
        Methodology::Ecologits011,
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} values differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 113 * 10, "only {checked} values checked");
}

#[test]
fn reproduces_every_ecologits_0_8_2_vector() {
    let (checked, failures) = check_file(
        include_str!("../fixtures/vectors-0.8.2.json"),
        Methodology::Ecologits08,
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} values differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, 33 * 10 * 2);
}
