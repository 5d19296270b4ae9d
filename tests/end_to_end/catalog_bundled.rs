//! The bundled catalog against the real data it must serve: compar:IA's energy
//! graph (59 open models), the Chatbot Arena battles (129 names), and
//! EcoLogits' database. The Chatbot Arena test prints what has no energy and
//! why.

use std::collections::{HashMap, HashSet};

use arenawatt::catalog::{bundled, Catalog, License, SizeClass};
use arenawatt::energy::{EnergyContext, Methodology};

fn arena_names() -> Vec<String> {
    let text = include_str!("../../pkg/data/lmsys/chatbotarena_pairs_20240814.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    value["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// (id, shown_on_energy_graph, wh_per_1000_tokens) from compar:IA's CSV.
fn comparia_csv() -> Vec<(String, bool, f64)> {
    let mut reader = csv::Reader::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/comparia/models_20260211.csv"
    ))
    .unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, shown, wh) = (
        column("id"),
        column("shown_on_energy_graph"),
        column("wh_per_1000_tokens"),
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[id].to_string(),
                &r[shown] == "True",
                r[wh].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn bundled_catalog_parses_and_is_shared() {
    let catalog = bundled::try_catalog().unwrap();
    assert!(std::ptr::eq(catalog, Catalog::bundled_ref()));
    // 116 compar:IA + curated + EcoLogits models not merged into them.
    assert!(
        catalog.models().len() > 116 + 100,
        "{} models",
        catalog.models().len()
    );
    let ids: HashSet<String> = catalog
        .models()
        .iter()
        .map(|m| m.id.to_lowercase())
        .collect();
    assert_eq!(ids.len(), catalog.models().len(), "duplicate ids");
}

#[test]
fn every_open_model_of_the_comparia_energy_graph_resolves_with_its_published_energy() {
    let catalog = Catalog::bundled_ref();
    let context = EnergyContext {
        methodology: Methodology::Comparia202602,
        ..EnergyContext::default()
    };
    let shown: Vec<_> = comparia_csv()
        .into_iter()
        .filter(|(_, shown, _)| *shown)
        .collect();
    assert_eq!(shown.len(), 59);
    for (id, _, wh_per_1k) in shown {
        let model = catalog
            .resolve(&id)
            .unwrap_or_else(|| panic!("{id} does not resolve"));
        assert!(model.license.is_open(), "{id}");
        assert!(model.has_disclosed_size(), "{id}");
        let energy = model.energy(1000.0, &context, false).unwrap();
        let ours = energy.impacts.unwrap().energy_wh.mean;
        assert!(
            (ours - wh_per_1k).abs() < 1e-4,
            "{id}: ours {ours} Wh, compar:IA's table {wh_per_1k} Wh"
        );
    }
}

#[test]
fn size_classes_match_comparia() {
    for model in bundled::comparia_models().unwrap() {
        let ours = SizeClass::from_total_params(model.params.unwrap());
        assert_eq!(
            Some(ours.name()),
            model.friendly_size.as_deref(),
            "{}",
            model.id
        );
    }
}

#[test]
fn chatbot_arena_names_resolve_and_open_models_have_energy() {
    let catalog = Catalog::bundled_ref();
    let context = EnergyContext::default();
    let names = arena_names();
    assert_eq!(names.len(), 129);
    let mut unresolved = Vec::new();
    let mut without_energy = Vec::new();
    let mut targets: HashMap<String, Vec<String>> = HashMap::new();
    for name in &names {
        let Some(model) = catalog.resolve(name) else {
            unresolved.push(name.clone());
            continue;
        };
        targets
            .entry(model.id.clone())
            .or_default()
            .push(name.clone());
        let energy = model.energy(1000.0, &context, false).unwrap();
        match (&model.license, &energy.impacts) {
            (License::Open(_), Some(impacts)) => {
                assert!(impacts.energy_wh.mean > 0.0, "{name}");
                assert!(
                    model.params_source.is_some(),
                    "{name}: no source for its parameters"
                );
            }
            (License::Open(_), None) => panic!("{name}: open model without energy"),
            (License::Proprietary, Some(_)) => panic!("{name}: proprietary model with energy"),
            (License::Proprietary, None) => {
                assert_eq!(energy.note(), "parameters not disclosed");
                without_energy.push(format!(
                    "{name} ({}): parameters not disclosed",
                    model.organization
                ));
            }
        }
    }
    println!(
        "unresolved Chatbot Arena names ({}): {unresolved:?}",
        unresolved.len()
    );
    println!(
        "without energy ({}):\n  {}",
        without_energy.len(),
        without_energy.join("\n  ")
    );
    assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
    // Distinct Chatbot Arena models must stay distinct catalog entries, or
    // their votes would be merged.
    let merged: Vec<_> = targets.iter().filter(|(_, n)| n.len() > 1).collect();
    assert!(
        merged.is_empty(),
        "several arena names resolve to one entry: {merged:?}"
    );
    assert_eq!(without_energy.len(), 46, "proprietary arena models changed");
    assert_eq!(
        names.len() - without_energy.len(),
        83,
        "open arena models changed"
    );
}

#[test]
fn chatbot_arena_names_reach_comparia_entries() {
    let catalog = Catalog::bundled_ref();
    for (arena, comparia) in [
        ("llama-3.1-405b-instruct", "llama-3.1-405b"),
        ("llama-3-70b-instruct", "Meta-Llama-3-70B-Instruct"),
        ("mixtral-8x7b-instruct-v0.1", "mixtral-8x7b-instruct-v0.1"),
        ("qwen2-72b-instruct", "Qwen2-72b-instruct"),
        ("phi-3-mini-4k-instruct", "phi-3-mini-4k"),
        ("gemma-2-27b-it", "gemma-2-27b-it"),
        ("GPT-4O-2024-08-06", "gpt-4o-2024-08-06"),
    ] {
        assert_eq!(
            catalog.resolve(arena).map(|m| m.id.as_str()),
            Some(comparia),
            "{arena}"
        );
    }
}

#[test]
fn proprietary_estimates_prefer_ecologits_and_are_flagged() {
    let catalog = Catalog::bundled_ref();
    let gpt4o = catalog.resolve("gpt-4o-2024-08-06").unwrap();
    assert_eq!(gpt4o.params_source.as_deref(), Some("EcoLogits' estimate"));
    assert!(gpt4o.params_estimated && gpt4o.energy_size(false).is_err());
    let claude = catalog.resolve("claude-3-7-sonnet").unwrap();
    assert_eq!(
        claude.params_source.as_deref(),
        Some("compar:IA's estimate")
    );
    let energy = claude
        .energy(1000.0, &EnergyContext::default(), true)
        .unwrap();
    assert!(energy.params_estimated && energy.impacts.is_some());
    assert_eq!(energy.note(), "estimated parameters (compar:IA's estimate)");
}

#[test]
fn ecologits_names_resolve() {
    let catalog = Catalog::bundled_ref();
    let text = include_str!("../../pkg/data/ecologits/models.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    for record in value["models"].as_array().unwrap() {
        let name = record["name"].as_str().unwrap();
        assert!(catalog.resolve(name).is_some(), "{name}");
    }
    for record in value["aliases"].as_array().unwrap() {
        let alias = record["name"].as_str().unwrap();
        let target = record["alias"].as_str().unwrap();
        assert_eq!(
            catalog.resolve(alias).map(|m| &m.id),
            catalog.resolve(target).map(|m| &m.id),
            "{alias}"
        );
    }
    let llama = catalog
        .resolve("meta-llama/Meta-Llama-3.1-405B-Instruct")
        .unwrap();
    assert_eq!(llama.id, "llama-3.1-405b");
}
