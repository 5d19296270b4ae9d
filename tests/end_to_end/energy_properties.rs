//! Properties every methodology must keep, checked on random inputs:
//! energy never decreases with active parameters, an MoE costs at most the
//! dense model of the same total size, a range contains the runs at its
//! endpoints, energy does not depend on the zone, and bad input is an error,
//! never a NaN.

use arenawatt::energy::{
    estimate, estimate_with_datacenter, Bounds, EnergyContext, Impacts, Methodology, ModelSize,
    ParamCount,
};
use proptest::prelude::*;

fn size(total: ParamCount, active: ParamCount) -> ModelSize {
    ModelSize {
        total_params: total,
        active_params: active,
        quantization: None,
        tps: None,
        ttft: None,
    }
}

fn context(methodology: Methodology, zone: &str, latency_s: Option<f64>) -> EnergyContext {
    EnergyContext {
        methodology,
        zone: zone.into(),
        latency_s,
        ..EnergyContext::default()
    }
}

fn methodology() -> impl Strategy<Value = Methodology> {
    prop_oneof![
        Just(Methodology::Ecologits011),
        Just(Methodology::Ecologits08),
        Just(Methodology::Comparia202602),
    ]
}

fn zone() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("WOR"),
        Just("FRA"),
        Just("USA"),
        Just("DEU"),
        Just("CHN")
    ]
}

/// (name, bounds) of every impact, for field-by-field checks.
fn fields(impacts: &Impacts) -> Vec<(&'static str, Bounds)> {
    let mut all = vec![
        ("energy_wh", impacts.energy_wh),
        ("gwp_gco2eq", impacts.gwp_gco2eq),
        ("adpe_kgsbeq", impacts.adpe_kgsbeq),
        ("pe_mj", impacts.pe_mj),
        ("usage_gwp_gco2eq", impacts.usage_gwp_gco2eq),
        ("embodied_gwp_gco2eq", impacts.embodied_gwp_gco2eq),
        ("embodied_adpe_kgsbeq", impacts.embodied_adpe_kgsbeq),
        ("embodied_pe_mj", impacts.embodied_pe_mj),
        ("gpu_count", impacts.gpu_count),
        ("latency_s", impacts.latency_s),
    ];
    if let Some(water) = impacts.wcf_l {
        all.push(("wcf_l", water));
    }
    all
}

/// `a <= b` up to rounding.
fn at_most(a: f64, b: f64) -> bool {
    a <= b + 1e-12 * b.abs().max(a.abs())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn energy_is_non_decreasing_in_active_params_at_fixed_total(
        methodology in methodology(),
        total in 1.0f64..2000.0,
        share_low in 0.01f64..1.0,
        share_step in 0.0f64..1.0,
        tokens in 1.0f64..20000.0,
    ) {
        let low = (total * share_low).max(1.0);
        let high = low + (total - low) * share_step;
        let ctx = context(methodology, "WOR", None);
        let small = estimate(&size(ParamCount::Exact(total), ParamCount::Exact(low)), tokens, &ctx).unwrap();
        let large = estimate(&size(ParamCount::Exact(total), ParamCount::Exact(high)), tokens, &ctx).unwrap();
        for part in [|b: Bounds| b.min, |b: Bounds| b.mean, |b: Bounds| b.max] {
            prop_assert!(at_most(part(small.energy_wh), part(large.energy_wh)),
                "{methodology:?} total {total}: active {low} gives {:?}, active {high} gives {:?}", small.energy_wh, large.energy_wh);
        }
    }

    #[test]
    fn moe_costs_at_most_the_dense_model_of_the_same_total(
        methodology in methodology(),
        zone in zone(),
        total in 1.0f64..2000.0,
        share in 0.0f64..1.0,
        tokens in 1.0f64..20000.0,
    ) {
        let active = (total * share).max(1.0).min(total);
        let ctx = context(methodology, zone, None);
        let moe = estimate(&size(ParamCount::Exact(total), ParamCount::Exact(active)), tokens, &ctx).unwrap();
        let dense = estimate(&size(ParamCount::Exact(total), ParamCount::Exact(total)), tokens, &ctx).unwrap();
        for ((name, m), (_, d)) in fields(&moe).into_iter().zip(fields(&dense)) {
            prop_assert!(at_most(m.mean, d.mean) && at_most(m.max, d.max),
                "{methodology:?} {name}: MoE {total}/{active} {m:?} > dense {d:?}");
        }
    }

    #[test]
    fn a_range_contains_both_endpoint_runs(
        methodology in methodology(),
        zone in zone(),
        total_min in 1.0f64..1000.0,
        total_extra in 0.0f64..1000.0,
        active_share_min in 0.05f64..1.0,
        active_share_max in 0.05f64..1.0,
        tokens in 1.0f64..20000.0,
        pue_min in 1.0f64..1.6,
        pue_extra in 0.0f64..0.4,
        latency in prop::option::of(1.0f64..600.0),
    ) {
        let total_max = total_min + total_extra;
        let active_min = (total_min * active_share_min).max(1.0).min(total_min);
        let active_max = (total_max * active_share_max).max(active_min).min(total_max);
        let latency = if methodology == Methodology::Comparia202602 { None } else { latency };
        let ctx = context(methodology, zone, latency);
        let pue = ParamCount::Range { min: pue_min, max: pue_min + pue_extra };
        let wue = ParamCount::Range { min: 0.5, max: 2.0 };
        let range = estimate_with_datacenter(
            &size(ParamCount::Range { min: total_min, max: total_max }, ParamCount::Range { min: active_min, max: active_max }),
            tokens, &ctx, pue, wue).unwrap();
        let low = estimate_with_datacenter(
            &size(ParamCount::Exact(total_min), ParamCount::Exact(active_min)),
            tokens, &ctx, ParamCount::Exact(pue.min()), ParamCount::Exact(wue.min())).unwrap();
        let high = estimate_with_datacenter(
            &size(ParamCount::Exact(total_max), ParamCount::Exact(active_max)),
            tokens, &ctx, ParamCount::Exact(pue.max()), ParamCount::Exact(wue.max())).unwrap();
        for (((name, r), (_, l)), (_, h)) in fields(&range).into_iter().zip(fields(&low)).zip(fields(&high)) {
            for end in [l, h] {
                prop_assert!(at_most(r.min, end.min) && at_most(end.max, r.max),
                    "{methodology:?} {name}: range {r:?} does not contain {end:?}");
            }
            prop_assert!(at_most(r.min, r.mean) && at_most(r.mean, r.max), "{name}: {r:?}");
        }
    }

    #[test]
    fn energy_does_not_depend_on_the_zone(
        methodology in methodology(),
        zone in zone(),
        total in 1.0f64..2000.0,
        tokens in 1.0f64..20000.0,
    ) {
        let model = size(ParamCount::Exact(total), ParamCount::Exact(total));
        let world = estimate(&model, tokens, &context(methodology, "WOR", None)).unwrap();
        let local = estimate(&model, tokens, &context(methodology, zone, None)).unwrap();
        prop_assert_eq!(world.energy_wh, local.energy_wh);
    }

    #[test]
    fn bad_parameters_are_errors_never_nan(
        methodology in methodology(),
        bad in prop_oneof![Just(0.0), Just(-1.0), Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), -1e6f64..0.0],
        good in 1.0f64..100.0,
    ) {
        let ctx = context(methodology, "WOR", None);
        prop_assert!(estimate(&size(ParamCount::Exact(bad), ParamCount::Exact(bad)), 1000.0, &ctx).is_err());
        prop_assert!(estimate(&size(ParamCount::Exact(good), ParamCount::Exact(bad)), 1000.0, &ctx).is_err());
        prop_assert!(estimate(&size(ParamCount::Exact(good), ParamCount::Exact(good)), bad, &ctx).is_err());
        let reversed = ParamCount::Range { min: good + 1.0, max: good };
        prop_assert!(estimate(&size(reversed, reversed), 1000.0, &ctx).is_err());
    }
}

#[test]
fn zero_tps_and_zero_tokens_are_errors() {
    let ctx = EnergyContext::default();
    let mut model = size(ParamCount::Exact(70.0), ParamCount::Exact(70.0));
    model.tps = Some(0.0);
    model.ttft = Some(0.5);
    let error = estimate(&model, 1000.0, &ctx).unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid input: tps (tokens per second) must be positive and finite, got 0"
    );
    let error = estimate(
        &size(ParamCount::Exact(70.0), ParamCount::Exact(70.0)),
        0.0,
        &ctx,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "invalid input: tokens must be a positive, finite number, got 0"
    );
}

#[test]
fn overflowing_inputs_are_errors_not_infinities() {
    let huge = ParamCount::Exact(1e307);
    let error = estimate(
        &size(huge, ParamCount::Exact(1.0)),
        1000.0,
        &EnergyContext::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("inputs too large"), "{error}");
}

#[test]
fn comparia_truncation_to_zero_is_an_error() {
    let ctx = context(Methodology::Comparia202602, "WOR", None);
    let error = estimate(
        &size(ParamCount::Exact(0.5), ParamCount::Exact(0.5)),
        1000.0,
        &ctx,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("0.5 B becomes 0"), "{error}");
}

#[test]
fn every_zone_of_each_methodology_is_usable() {
    for methodology in Methodology::ALL {
        let zones = arenawatt::energy::zones(methodology);
        let expected = if methodology == Methodology::Ecologits011 {
            215
        } else {
            138
        };
        assert_eq!(zones.len(), expected, "{methodology:?}");
        for zone in zones {
            let impacts = estimate(
                &size(ParamCount::Exact(8.0), ParamCount::Exact(8.0)),
                1000.0,
                &context(methodology, &zone, None),
            )
            .unwrap();
            for (name, b) in fields(&impacts) {
                assert!(
                    b.min.is_finite() && b.max.is_finite() && b.min >= 0.0,
                    "{zone} {name}: {b:?}"
                );
            }
        }
    }
}
