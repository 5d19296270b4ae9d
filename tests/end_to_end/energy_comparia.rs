//! compar:IA's energy graph, reproduced: every `wh_per_million_token` of its
//! Feb-2026 model table under `comparia-2026-02`, and the Llama 3.1 405B vs
//! GLM 4.5 comparison under both methodologies.

use arenawatt::catalog::{bundled, Catalog};
use arenawatt::energy::{estimate, EnergyContext, Methodology, ModelSize, ParamCount};

fn comparia_context() -> EnergyContext {
    EnergyContext {
        methodology: Methodology::Comparia202602,
        zone: "WOR".into(),
        ..EnergyContext::default()
    }
}

#[test]
fn reproduces_all_116_published_wh_per_million_token() {
    let models = bundled::comparia_models().unwrap();
    assert_eq!(models.len(), 116);
    let mut failures = Vec::new();
    for model in &models {
        let published = model.wh_per_million_token.unwrap();
        let total = ParamCount::Exact(model.params.unwrap());
        let size = ModelSize {
            total_params: total,
            active_params: model.active_params.map_or(total, ParamCount::Exact),
            quantization: model.quantization.clone(),
            tps: None,
            ttft: None,
        };
        let impacts = estimate(&size, 1e6, &comparia_context()).unwrap();
        let ours = impacts.energy_wh.mean;
        let error = ((ours - published) / published).abs();
        if error > 1e-9 {
            failures.push(format!(
                "{}: ours {ours} Wh, published {published} Wh (relative error {error:e})",
                model.id
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 116 differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The same figures, through the catalog: open models straight away,
/// proprietary ones only when estimates are allowed (compar:IA's own guess
/// where EcoLogits has none).
#[test]
fn catalog_entries_of_open_comparia_models_give_the_published_figures() {
    let catalog = Catalog::bundled_ref();
    let mut checked = 0;
    for model in bundled::comparia_models().unwrap() {
        let entry = catalog.resolve(&model.id).unwrap();
        assert_eq!(entry.id, model.id);
        if !entry.license.is_open() {
            let energy = entry.energy(1000.0, &comparia_context(), false).unwrap();
            assert!(
                energy.impacts.is_none(),
                "{}: proprietary model got energy",
                model.id
            );
            assert_eq!(energy.note(), "parameters not disclosed");
            continue;
        }
        let energy = entry.energy(1000.0, &comparia_context(), false).unwrap();
        let wh_per_1k = energy.impacts.unwrap().energy_wh.mean;
        let published = model.wh_per_million_token.unwrap() / 1000.0;
        assert!(
            ((wh_per_1k - published) / published).abs() < 1e-9,
            "{}: {wh_per_1k} vs {published}",
            model.id
        );
        checked += 1;
    }
    assert_eq!(checked, 86);
}

fn wh_per_1k(id: &str, context: &EnergyContext) -> f64 {
    let entry = Catalog::bundled_ref().resolve(id).unwrap();
    entry
        .energy(1000.0, context, false)
        .unwrap()
        .impacts
        .unwrap()
        .energy_wh
        .mean
}

#[test]
fn llama_405b_vs_glm_4_5_under_both_methodologies() {
    let comparia = comparia_context();
    let llama = wh_per_1k("llama-3.1-405b", &comparia);
    let glm = wh_per_1k("glm-4.5", &comparia);
    assert_eq!(format!("{llama:.2} {glm:.2}"), "237.93 21.41");
    assert!((llama / glm - 11.1).abs() < 0.05, "ratio {}", llama / glm);

    let current = EnergyContext {
        pue: 1.15,
        ..EnergyContext::default()
    };
    assert_eq!(current.methodology, Methodology::Ecologits011);
    let llama = wh_per_1k("llama-3.1-405b", &current);
    let glm = wh_per_1k("glm-4.5", &current);
    assert_eq!(format!("{llama:.2} {glm:.2}"), "8.75 1.81");
    assert!((llama / glm - 4.8).abs() < 0.05, "ratio {}", llama / glm);
}
