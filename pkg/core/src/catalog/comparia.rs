//! Reader for compar:IA's model table (`generated-models_*.json`, the file
//! behind its ranking page and energy graph).
//!
//! Each record gives the model's facts (id, name, organisation, licence,
//! architecture, parameter counts, quantization, release date, size class)
//! and compar:IA's published results, of which we keep
//! `wh_per_million_token` so tests can check our reproduction of its graph.
//! compar:IA also lists guessed sizes for proprietary models; those become
//! estimated parameters (`params_estimated`), never plain facts.

use serde::Deserialize;

use super::{Architecture, CatalogError, CatalogModel, License};
use crate::energy::ParamCount;

/// One model as compar:IA lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ComparIaModel {
    pub id: String,
    pub simple_name: Option<String>,
    pub organisation: Option<String>,
    /// `proprietary` or the open licence's name.
    pub license: String,
    /// `dense`, `moe`, `matformer`, `maybe-dense`, `maybe-moe` or `na`.
    pub arch: Option<String>,
    /// Total parameters, billions.
    pub params: Option<f64>,
    /// Active parameters, billions (MoE and MatFormer models).
    pub active_params: Option<f64>,
    pub quantization: Option<String>,
    /// `MM/YYYY`.
    pub release_date: Option<String>,
    pub friendly_size: Option<String>,
    /// compar:IA's published energy for 1e6 output tokens (EcoLogits 0.8.2).
    pub wh_per_million_token: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ModelList {
    ById(std::collections::BTreeMap<String, ComparIaModel>),
    List(Vec<ComparIaModel>),
}

#[derive(Deserialize)]
struct ComparIaFile {
    models: ModelList,
}

/// Parses a compar:IA model file; `path` names it in errors.
pub fn read_models(path: &str, text: &str) -> Result<Vec<ComparIaModel>, CatalogError> {
    let file: ComparIaFile = serde_json::from_str(text).map_err(|e| CatalogError::Invalid {
        path: path.to_string(),
        reason: format!(
            "not a compar:IA model file (expected {{\"models\": {{id: {{id, license, params, ...}}}}}}): {e}"
        ),
    })?;
    Ok(match file.models {
        ModelList::ById(map) => map.into_values().collect(),
        ModelList::List(list) => list,
    })
}

fn architecture(arch: Option<&str>) -> Architecture {
    match arch {
        Some("dense") => Architecture::Dense,
        Some("moe") => Architecture::Moe,
        Some("matformer") => Architecture::Matformer,
        // "maybe-dense", "maybe-moe", "na": compar:IA's guesses.
        _ => Architecture::Unknown,
    }
}

/// `MM/YYYY` → `YYYY-MM`; other shapes are kept as they are.
fn iso_month(date: &str) -> String {
    match date.split_once('/') {
        Some((month, year)) if month.len() == 2 && year.len() == 4 => format!("{year}-{month}"),
        _ => date.to_string(),
    }
}

fn billions(
    path: &str,
    id: &str,
    field: &str,
    value: Option<f64>,
) -> Result<Option<ParamCount>, CatalogError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v > 0.0 => Ok(Some(ParamCount::Exact(v))),
        Some(v) => Err(CatalogError::Invalid {
            path: path.to_string(),
            reason: format!(
                "model {id:?}: field {field}: expected a positive number of billions, got {v}"
            ),
        }),
    }
}

impl ComparIaModel {
    /// The catalog entry for this model. Sizes of proprietary models are
    /// compar:IA's guesses and are marked as estimates.
    pub fn to_catalog_model(&self, path: &str) -> Result<CatalogModel, CatalogError> {
        if self.id.trim().is_empty() {
            return Err(CatalogError::Invalid {
                path: path.to_string(),
                reason: "a model has an empty id".into(),
            });
        }
        let license = if self.license.eq_ignore_ascii_case("proprietary") {
            License::Proprietary
        } else {
            License::Open(self.license.clone())
        };
        let total_params = billions(path, &self.id, "params", self.params)?;
        let active_params = billions(path, &self.id, "active_params", self.active_params)?;
        let params_estimated = !license.is_open() && total_params.is_some();
        Ok(CatalogModel {
            id: self.id.clone(),
            display_name: self.simple_name.clone().unwrap_or_else(|| self.id.clone()),
            organization: self.organisation.clone().unwrap_or_default(),
            license,
            architecture: architecture(self.arch.as_deref()),
            total_params,
            active_params,
            quantization: self.quantization.clone().filter(|q| !q.is_empty()),
            release_date: self.release_date.as_deref().map(iso_month),
            tps: None,
            ttft: None,
            params_estimated,
            aliases: Vec::new(),
            params_source: Some(if params_estimated {
                super::COMPARIA_ESTIMATE.to_string()
            } else {
                "compar:IA".to_string()
            }),
            comparia_estimate: None,
        })
    }
}

/// Reads a compar:IA file straight into catalog entries.
pub fn read_catalog(path: &str, text: &str) -> Result<Vec<CatalogModel>, CatalogError> {
    read_models(path, text)?
        .iter()
        .map(|m| m.to_catalog_model(path))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_record_and_marks_proprietary_sizes_as_estimates() {
        let text = r#"{"models": {
            "glm-4.5": {"id": "glm-4.5", "simple_name": "GLM 4.5", "organisation": "Zhipu",
                "license": "MIT", "arch": "moe", "params": 355, "active_params": 32,
                "quantization": null, "release_date": "07/2025", "wh_per_million_token": 21410.0},
            "gpt-5": {"id": "gpt-5", "license": "proprietary", "arch": "maybe-moe",
                "params": 300, "active_params": 94}}}"#;
        let models = read_catalog("test.json", text).unwrap();
        let glm = models.iter().find(|m| m.id == "glm-4.5").unwrap();
        assert_eq!(glm.architecture, Architecture::Moe);
        assert_eq!(glm.release_date.as_deref(), Some("2025-07"));
        assert!(!glm.params_estimated);
        let gpt = models.iter().find(|m| m.id == "gpt-5").unwrap();
        assert_eq!(gpt.license, License::Proprietary);
        assert_eq!(gpt.architecture, Architecture::Unknown);
        assert!(gpt.params_estimated);
        assert!(gpt.energy_size(false).is_err() && gpt.model_size().is_some());
    }

    #[test]
    fn a_negative_parameter_count_names_the_model_and_field() {
        let text = r#"{"models": [{"id": "x", "license": "MIT", "params": -3}]}"#;
        let error = read_catalog("bad.json", text).unwrap_err().to_string();
        assert!(
            error.contains("bad.json")
                && error.contains("\"x\"")
                && error.contains("params")
                && error.contains("-3"),
            "{error}"
        );
    }

    #[test]
    fn a_file_of_another_shape_is_rejected_with_its_name() {
        let error = read_catalog("other.json", "[1, 2]")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("catalog file other.json: not a compar:IA model file"),
            "{error}"
        );
    }
}
