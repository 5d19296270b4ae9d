//! Reader for EcoLogits' model database (`models.json`).
//!
//! EcoLogits lists models per provider with their architecture and parameter
//! counts (a number or a `{min, max}` range; MoE models give `total` and
//! `active`), and measured speeds (`deployment.tps`, `deployment.ttft`).
//! A model carrying the `model-arch-not-released` warning has no published
//! size: its counts are EcoLogits' estimates, so the entry is proprietary and
//! its parameters are marked estimated.

use serde::Deserialize;

use super::{Architecture, CatalogError, CatalogModel, License};
use crate::energy::ParamCount;

const NOT_RELEASED: &str = "model-arch-not-released";

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Count {
    Exact(f64),
    Range { min: f64, max: f64 },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Parameters {
    Moe { total: Count, active: Count },
    Dense(Count),
}

#[derive(Debug, Clone, Deserialize)]
struct ArchitectureRecord {
    #[serde(rename = "type")]
    kind: String,
    parameters: Parameters,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Deployment {
    tps: Option<f64>,
    ttft: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct ModelRecord {
    provider: String,
    name: String,
    architecture: ArchitectureRecord,
    warnings: Option<Vec<String>>,
    #[serde(default)]
    deployment: Option<Deployment>,
}

/// EcoLogits' alias record: `name` is another name for the model `alias`.
#[derive(Debug, Clone, Deserialize)]
struct AliasRecord {
    name: String,
    alias: String,
}

#[derive(Debug, Clone, Deserialize)]
struct DatabaseFile {
    #[serde(default)]
    aliases: Vec<AliasRecord>,
    models: Vec<ModelRecord>,
}

/// The organisation behind a provider key, for display.
fn organization(provider: &str, name: &str) -> String {
    match provider {
        "openai" => "OpenAI".into(),
        "anthropic" => "Anthropic".into(),
        "google_genai" => "Google".into(),
        "mistralai" => "Mistral AI".into(),
        "cohere" => "Cohere".into(),
        // Hugging Face repositories are named `organisation/model`.
        _ => name
            .split_once('/')
            .map_or(provider, |(org, _)| org)
            .to_string(),
    }
}

fn count(path: &str, name: &str, field: &str, value: &Count) -> Result<ParamCount, CatalogError> {
    let parsed = match *value {
        Count::Exact(v) => ParamCount::Exact(v),
        Count::Range { min, max } => ParamCount::Range { min, max },
    };
    let valid = [parsed.min(), parsed.max()]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0)
        && parsed.min() <= parsed.max();
    if valid {
        Ok(parsed)
    } else {
        Err(CatalogError::Invalid {
            path: path.to_string(),
            reason: format!(
                "model {name:?}: {field} parameters must be positive billions with min <= max, got {}:{}",
                parsed.min(),
                parsed.max()
            ),
        })
    }
}

fn to_catalog_model(path: &str, record: &ModelRecord) -> Result<CatalogModel, CatalogError> {
    let name = &record.name;
    let (architecture, total, active) = match &record.architecture.parameters {
        Parameters::Moe { total, active } => (
            Architecture::Moe,
            count(path, name, "total", total)?,
            Some(count(path, name, "active", active)?),
        ),
        Parameters::Dense(total) => {
            let arch = if record.architecture.kind == "moe" {
                Architecture::Moe
            } else {
                Architecture::Dense
            };
            (arch, count(path, name, "total", total)?, None)
        }
    };
    let estimated = record
        .warnings
        .as_ref()
        .is_some_and(|w| w.iter().any(|x| x == NOT_RELEASED));
    let deployment = record.deployment.clone().unwrap_or_default();
    let positive = |v: Option<f64>| v.filter(|x| x.is_finite() && *x > 0.0);
    Ok(CatalogModel {
        id: name.clone(),
        display_name: name.rsplit('/').next().unwrap_or(name).to_string(),
        organization: organization(&record.provider, name),
        // EcoLogits records sizes, not licences: a published size on the
        // Hugging Face hub means downloadable weights; for API providers only
        // the size is known to be public.
        license: if estimated {
            License::Proprietary
        } else if record.provider == "huggingface_hub" {
            License::Open("open weights (licence not recorded by EcoLogits)".into())
        } else {
            License::Open("size published (licence not recorded by EcoLogits)".into())
        },
        architecture: if estimated {
            Architecture::Unknown
        } else {
            architecture
        },
        total_params: Some(total),
        active_params: active,
        quantization: None,
        release_date: None,
        tps: positive(deployment.tps),
        ttft: deployment.ttft.filter(|x| x.is_finite() && *x >= 0.0),
        params_estimated: estimated,
        aliases: Vec::new(),
        params_source: Some(if estimated {
            "EcoLogits' estimate".to_string()
        } else {
            "EcoLogits".to_string()
        }),
        comparia_estimate: None,
    })
}

/// Parses an EcoLogits model database; `path` names it in errors. EcoLogits'
/// own aliases become aliases of the entries they point to.
pub fn read_catalog(path: &str, text: &str) -> Result<Vec<CatalogModel>, CatalogError> {
    let file: DatabaseFile = serde_json::from_str(text).map_err(|e| CatalogError::Invalid {
        path: path.to_string(),
        reason: format!(
            "not an EcoLogits model database (expected {{\"models\": [{{provider, name, architecture: {{type, parameters}}}}]}}): {e}"
        ),
    })?;
    let mut models = file
        .models
        .iter()
        .map(|record| to_catalog_model(path, record))
        .collect::<Result<Vec<_>, _>>()?;
    for alias in &file.aliases {
        if let Some(model) = models.iter_mut().find(|m| m.id == alias.alias) {
            model.aliases.push(alias.name.clone());
        }
    }
    Ok(models)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dense_moe_ranges_and_estimates() {
        let text = r#"{"aliases": [{"type": "alias", "provider": "openai", "name": "gpt-4o-latest", "alias": "gpt-4o"}],
          "models": [
            {"type": "model", "provider": "huggingface_hub", "name": "meta-llama/Meta-Llama-3.1-8B-Instruct",
             "architecture": {"type": "dense", "parameters": 8.03}, "warnings": null, "sources": [],
             "deployment": {"tps": null, "ttft": null}},
            {"type": "model", "provider": "openai", "name": "gpt-4o",
             "architecture": {"type": "moe", "parameters": {"total": 440, "active": {"min": 44, "max": 132}}},
             "warnings": ["model-arch-not-released"], "deployment": {"tps": 74.0, "ttft": 0.61}}]}"#;
        let models = read_catalog("models.json", text).unwrap();
        assert_eq!(models[0].organization, "meta-llama");
        assert_eq!(models[0].total_params, Some(ParamCount::Exact(8.03)));
        assert!(!models[0].params_estimated);
        let gpt = &models[1];
        assert!(gpt.params_estimated);
        assert_eq!(gpt.license, License::Proprietary);
        assert_eq!(
            gpt.active_params,
            Some(ParamCount::Range {
                min: 44.0,
                max: 132.0
            })
        );
        assert_eq!(gpt.tps, Some(74.0));
        assert_eq!(gpt.aliases, vec!["gpt-4o-latest".to_string()]);
    }

    #[test]
    fn a_reversed_range_names_the_model() {
        let text = r#"{"models": [{"provider": "x", "name": "m",
            "architecture": {"type": "dense", "parameters": {"min": 9, "max": 3}}, "warnings": null}]}"#;
        let error = read_catalog("db.json", text).unwrap_err().to_string();
        assert!(
            error.contains("db.json") && error.contains("\"m\"") && error.contains("9:3"),
            "{error}"
        );
    }
}
