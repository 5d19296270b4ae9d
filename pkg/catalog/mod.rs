//! Model facts: who made a model, under which licence, how large it is, and
//! which names votes use for it.
//!
//! CONTRACT (skeleton): the types below are the interface the store, ingest and
//! the query engine code against. The catalog work builds the bundled data file
//! and fills these in, and may add fields, but keeps these names.

use serde::{Deserialize, Serialize};

use crate::energy::{ModelSize, ParamCount};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    Dense,
    Moe,
    Matformer,
    /// Not disclosed.
    Unknown,
}

impl Architecture {
    pub fn name(&self) -> &'static str {
        match self {
            Architecture::Dense => "dense",
            Architecture::Moe => "moe",
            Architecture::Matformer => "matformer",
            Architecture::Unknown => "unknown",
        }
    }
}

/// Size class by total parameters: XS <15B, S <60B, M <100B, L <400B, XL ≥400B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SizeClass {
    XS,
    S,
    M,
    L,
    XL,
}

impl SizeClass {
    pub fn from_total_params(billions: f64) -> SizeClass {
        if billions < 15.0 {
            SizeClass::XS
        } else if billions < 60.0 {
            SizeClass::S
        } else if billions < 100.0 {
            SizeClass::M
        } else if billions < 400.0 {
            SizeClass::L
        } else {
            SizeClass::XL
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            SizeClass::XS => "XS",
            SizeClass::S => "S",
            SizeClass::M => "M",
            SizeClass::L => "L",
            SizeClass::XL => "XL",
        }
    }
    /// 1 (XS) to 5 (XL): a numeric field for point size.
    pub fn rank(&self) -> u8 {
        *self as u8 + 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum License {
    /// Open weights under the named licence (e.g. "Apache 2.0").
    Open(String),
    Proprietary,
}

impl License {
    pub fn is_open(&self) -> bool {
        matches!(self, License::Open(_))
    }
    /// "open" or "proprietary": the value of the `licenses` filter.
    pub fn kind(&self) -> &'static str {
        if self.is_open() {
            "open"
        } else {
            "proprietary"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogModel {
    /// Canonical id (compar:IA's id when the model is in compar:IA's table).
    pub id: String,
    pub display_name: String,
    pub organization: String,
    pub license: License,
    pub architecture: Architecture,
    /// Billions; `None` when not disclosed.
    pub total_params: Option<ParamCount>,
    pub active_params: Option<ParamCount>,
    pub quantization: Option<String>,
    pub release_date: Option<String>,
    pub tps: Option<f64>,
    pub ttft: Option<f64>,
    /// True when the parameter counts are EcoLogits' estimates for a model
    /// whose size is not public (used only when the user allows estimates).
    pub params_estimated: bool,
    /// Other names votes use for this model (matched case-insensitively).
    pub aliases: Vec<String>,
}

impl CatalogModel {
    pub fn size_class(&self) -> Option<SizeClass> {
        self.total_params
            .map(|p| SizeClass::from_total_params(p.max()))
    }
    /// The energy engine's view of the model, when its size is known.
    pub fn model_size(&self) -> Option<ModelSize> {
        let total = self.total_params?;
        Some(ModelSize {
            total_params: total,
            active_params: self.active_params.unwrap_or(total),
            quantization: self.quantization.clone(),
            tps: self.tps,
            ttft: self.ttft,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog file {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// All known models, with a case-insensitive alias index.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    models: Vec<CatalogModel>,
    index: std::collections::HashMap<String, usize>,
}

impl Catalog {
    /// Builds the index; later models win alias clashes.
    pub fn from_models(models: Vec<CatalogModel>) -> Catalog {
        let mut index = std::collections::HashMap::new();
        for (i, m) in models.iter().enumerate() {
            index.insert(m.id.to_lowercase(), i);
            for a in &m.aliases {
                index.insert(a.to_lowercase(), i);
            }
        }
        Catalog { models, index }
    }
    /// The catalog shipped with arenawatt. (Skeleton: empty until the catalog work lands.)
    pub fn bundled() -> Catalog {
        Catalog::default()
    }
    pub fn models(&self) -> &[CatalogModel] {
        &self.models
    }
    /// Resolves a model name or alias, case-insensitively.
    pub fn resolve(&self, name: &str) -> Option<&CatalogModel> {
        self.index
            .get(&name.to_lowercase())
            .map(|&i| &self.models[i])
    }
}
