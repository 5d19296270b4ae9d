//! Model facts: who made a model, under which licence, how large it is, and
//! which names votes use for it.
//!
//! Why this module exists: votes name models in many ways
//! (`llama-3.1-405b-instruct` on Chatbot Arena, `llama-3.1-405b` on
//! compar:IA, `meta-llama/Meta-Llama-3.1-405B-Instruct` in EcoLogits), and an
//! energy estimate needs the model's parameter counts. The catalog resolves
//! every name to one entry holding those facts.
//!
//! CONTRACT: the types below are the interface the store, ingest and the query
//! engine code against.
//!
//! The bundled catalog ([`Catalog::bundled`], built in [`bundled`]) merges,
//! in this order of precedence:
//! 1. compar:IA's model table (canonical ids, facts, licences);
//! 2. hand-curated entries from public model cards (`pkg/data/catalog/models.json`),
//!    mostly open models of the Chatbot Arena data;
//! 3. EcoLogits' model database (parameter counts, measured speeds, and
//!    estimated sizes of proprietary models);
//!
//! plus curated aliases (`pkg/data/catalog/aliases.json`) mapping other
//! names to those ids.
//!
//! Proprietary models and models whose size is not public have no energy:
//! [`CatalogModel::energy`] returns a null result with the reason
//! "parameters not disclosed". With `allow_estimates`, a size estimate
//! (EcoLogits' where it has one, else compar:IA's) is used and the result is
//! flagged as estimated.

pub mod bundled;
pub mod comparia;
pub mod curated;
pub mod ecologits;

use serde::{Deserialize, Serialize};

use crate::energy::{EnergyContext, EnergyError, Impacts, ModelSize, ParamCount};

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
    /// Where the parameter counts come from ("compar:IA", "EcoLogits",
    /// "EcoLogits' estimate", a model card URL, "custom"...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params_source: Option<String>,
    /// compar:IA's own guess of a proprietary model's size (total, active),
    /// kept when EcoLogits' estimate replaced it in the bundled catalog: the
    /// `comparia-2026-02` methodology uses it first, as compar:IA does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparia_estimate: Option<(ParamCount, Option<ParamCount>)>,
}

/// Where compar:IA's own size guesses are named from.
pub const COMPARIA_ESTIMATE: &str = "compar:IA's estimate";

/// Why a model has no energy figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoEnergyReason {
    /// Proprietary, or the size is not public (and estimates were not allowed,
    /// or none exists).
    ParametersNotDisclosed,
}

impl NoEnergyReason {
    /// The reason shown to users, e.g. in `energy_note`.
    pub fn message(&self) -> &'static str {
        match self {
            NoEnergyReason::ParametersNotDisclosed => "parameters not disclosed",
        }
    }
}

impl std::fmt::Display for NoEnergyReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// A model's energy: the impacts, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelEnergy {
    /// `None` when the parameters are not disclosed.
    pub impacts: Option<Impacts>,
    /// Set when `impacts` is `None`.
    pub null_reason: Option<NoEnergyReason>,
    /// True when the impacts come from estimated parameter counts.
    pub params_estimated: bool,
    /// Whose estimate, when `params_estimated` ("compar:IA's estimate",
    /// "EcoLogits' estimate").
    pub estimate_source: Option<String>,
}

impl ModelEnergy {
    /// "" for a plain estimate, "estimated parameters (whose estimate)", or
    /// the null reason: the value of the query rows' `energy_note`.
    pub fn note(&self) -> String {
        match (self.null_reason, self.params_estimated) {
            (Some(reason), _) => reason.message().to_string(),
            (None, true) => estimated_note(self.estimate_source.as_deref()),
            (None, false) => String::new(),
        }
    }
}

/// `estimated parameters (compar:IA's estimate)`: the energy note of a
/// figure from estimated sizes, naming whose estimate it is.
pub fn estimated_note(source: Option<&str>) -> String {
    match source {
        Some(source) => format!("estimated parameters ({source})"),
        None => "estimated parameters".to_string(),
    }
}

impl CatalogModel {
    pub fn size_class(&self) -> Option<SizeClass> {
        self.total_params
            .map(|p| SizeClass::from_total_params(p.max()))
    }
    /// The energy engine's view of the model, when the catalog holds a size
    /// for it, disclosed or estimated (check `params_estimated`, or use
    /// [`CatalogModel::energy_size`], which refuses estimates unless allowed).
    pub fn model_size(&self) -> Option<ModelSize> {
        self.energy_size(true).ok()
    }
    /// The size to estimate energy with: the disclosed counts, or (with
    /// `allow_estimates`) the estimated ones; otherwise why there is none.
    pub fn energy_size(&self, allow_estimates: bool) -> Result<ModelSize, NoEnergyReason> {
        let total = self
            .total_params
            .ok_or(NoEnergyReason::ParametersNotDisclosed)?;
        if self.params_estimated && !allow_estimates {
            return Err(NoEnergyReason::ParametersNotDisclosed);
        }
        Ok(ModelSize {
            total_params: total,
            active_params: self.active_params.unwrap_or(total),
            quantization: self.quantization.clone(),
            tps: self.tps,
            ttft: self.ttft,
        })
    }
    /// As [`CatalogModel::energy_size`], under a methodology, with whose
    /// estimate the size is (`None` when disclosed): `comparia-2026-02`
    /// takes compar:IA's own guess first where the catalog keeps one, the
    /// EcoLogits profiles take EcoLogits' estimate first.
    pub fn energy_size_under(
        &self,
        allow_estimates: bool,
        methodology: crate::energy::Methodology,
    ) -> Result<(ModelSize, Option<String>), NoEnergyReason> {
        let mut size = self.energy_size(allow_estimates)?;
        if !self.params_estimated {
            return Ok((size, None));
        }
        if let (crate::energy::Methodology::Comparia202602, Some((total, active))) =
            (methodology, self.comparia_estimate)
        {
            size.total_params = total;
            size.active_params = active.unwrap_or(total);
            return Ok((size, Some(COMPARIA_ESTIMATE.to_string())));
        }
        Ok((size, self.params_source.clone()))
    }
    /// Whether an energy figure exists without estimates.
    pub fn has_disclosed_size(&self) -> bool {
        self.total_params.is_some() && !self.params_estimated
    }
    /// The impacts of `tokens` output tokens, or a null result with its
    /// reason ("parameters not disclosed"). Never makes up a number: estimated
    /// sizes are used only with `allow_estimates`, and flagged.
    pub fn energy(
        &self,
        tokens: f64,
        context: &EnergyContext,
        allow_estimates: bool,
    ) -> Result<ModelEnergy, EnergyError> {
        match self.energy_size_under(allow_estimates, context.methodology) {
            Err(reason) => Ok(ModelEnergy {
                impacts: None,
                null_reason: Some(reason),
                params_estimated: false,
                estimate_source: None,
            }),
            Ok((size, source)) => Ok(ModelEnergy {
                impacts: Some(crate::energy::estimate(&size, tokens, context)?),
                null_reason: None,
                params_estimated: self.params_estimated,
                estimate_source: source,
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog file {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// Which reader a catalog file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CatalogFormat {
    /// EcoLogits' `models.json`.
    Ecologits,
    /// compar:IA's `generated-models_*.json`.
    Comparia,
}

impl CatalogFormat {
    /// Parses a catalog file of this format; `path` names it in errors.
    pub fn read(&self, path: &str, text: &str) -> Result<Vec<CatalogModel>, CatalogError> {
        match self {
            CatalogFormat::Ecologits => ecologits::read_catalog(path, text),
            CatalogFormat::Comparia => comparia::read_catalog(path, text),
        }
    }
}

/// All known models, with a case-insensitive alias index.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    models: Vec<CatalogModel>,
    index: std::collections::HashMap<String, usize>,
}

impl Catalog {
    /// Builds the index. A model's own id always resolves to it; among
    /// aliases, later models win clashes.
    pub fn from_models(models: Vec<CatalogModel>) -> Catalog {
        let mut index = std::collections::HashMap::new();
        for (i, m) in models.iter().enumerate() {
            for a in &m.aliases {
                index.insert(a.trim().to_lowercase(), i);
            }
        }
        for (i, m) in models.iter().enumerate() {
            index.insert(m.id.trim().to_lowercase(), i);
        }
        Catalog { models, index }
    }
    /// The catalog shipped with arenawatt (compiled into the binary). Parsed
    /// once; later calls clone the parsed catalog (use [`Catalog::bundled_ref`]
    /// to avoid the clone).
    pub fn bundled() -> Catalog {
        Catalog::bundled_ref().clone()
    }
    /// The bundled catalog, parsed on first use and shared.
    pub fn bundled_ref() -> &'static Catalog {
        bundled::catalog()
    }
    /// This catalog extended with custom models (e.g. from the store): a
    /// custom model replaces a bundled one with the same id, and its aliases
    /// win clashes with bundled aliases (never with another model's id).
    pub fn with_custom(&self, custom: Vec<CatalogModel>) -> Catalog {
        let custom_ids: std::collections::HashSet<String> =
            custom.iter().map(|m| m.id.to_lowercase()).collect();
        let mut models: Vec<CatalogModel> = self
            .models
            .iter()
            .filter(|m| !custom_ids.contains(&m.id.to_lowercase()))
            .cloned()
            .collect();
        models.extend(custom);
        Catalog::from_models(models)
    }
    pub fn models(&self) -> &[CatalogModel] {
        &self.models
    }
    /// The `limit` ids closest to an unknown name, for "did you mean"
    /// errors: names containing every word of it first (`llama 405` finds
    /// `llama-3.1-405b`), then by edit distance over ids and aliases.
    pub fn suggest(&self, name: &str, limit: usize) -> Vec<String> {
        let wanted = name.trim().to_lowercase();
        let words: Vec<&str> = wanted
            .split(|c: char| !c.is_alphanumeric() && c != '.')
            .filter(|w| !w.is_empty())
            .collect();
        let compact_wanted: String = wanted.chars().filter(|c| c.is_alphanumeric()).collect();
        let mut best: std::collections::HashMap<usize, (usize, usize)> =
            std::collections::HashMap::new();
        for (candidate, &index) in &self.index {
            let compact_candidate: String =
                candidate.chars().filter(|c| c.is_alphanumeric()).collect();
            let missing_words = if compact_candidate.contains(&compact_wanted) {
                0
            } else {
                words.iter().filter(|w| !candidate.contains(**w)).count()
            };
            let distance = crate::energy::zones::edit_distance(candidate, &wanted);
            let score = (missing_words, distance);
            let entry = best.entry(index).or_insert(score);
            *entry = (*entry).min(score);
        }
        let mut ranked: Vec<((usize, usize), &str)> = best
            .into_iter()
            .map(|(index, score)| (score, self.models[index].id.as_str()))
            .collect();
        ranked.sort();
        ranked
            .into_iter()
            .take(limit)
            .map(|(_, id)| id.to_string())
            .collect()
    }
    /// Resolves a model name or alias, case-insensitively.
    pub fn resolve(&self, name: &str) -> Option<&CatalogModel> {
        self.index
            .get(&name.trim().to_lowercase())
            .map(|&i| &self.models[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, aliases: &[&str], total: Option<f64>) -> CatalogModel {
        CatalogModel {
            id: id.into(),
            display_name: id.into(),
            organization: "org".into(),
            license: License::Open("MIT".into()),
            architecture: Architecture::Dense,
            total_params: total.map(ParamCount::Exact),
            active_params: None,
            quantization: None,
            release_date: None,
            tps: None,
            ttft: None,
            params_estimated: false,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            params_source: None,
            comparia_estimate: None,
        }
    }

    #[test]
    fn ids_win_over_aliases_and_lookups_ignore_case_and_spaces() {
        let catalog = Catalog::from_models(vec![
            model("a", &["b-alias"], Some(7.0)),
            model("B-alias", &[], Some(8.0)),
        ]);
        assert_eq!(
            catalog.resolve(" b-ALIAS ").map(|m| m.id.as_str()),
            Some("B-alias")
        );
        assert_eq!(catalog.resolve("A").map(|m| m.id.as_str()), Some("a"));
        assert!(catalog.resolve("c").is_none());
    }

    #[test]
    fn custom_models_replace_bundled_ones_with_the_same_id() {
        let bundled =
            Catalog::from_models(vec![model("a", &["x"], Some(7.0)), model("b", &[], None)]);
        let merged = bundled.with_custom(vec![model("A", &["y"], Some(70.0))]);
        assert_eq!(merged.models().len(), 2);
        assert_eq!(
            merged.resolve("a").and_then(|m| m.total_params),
            Some(ParamCount::Exact(70.0))
        );
        assert_eq!(merged.resolve("y").map(|m| m.id.as_str()), Some("A"));
        assert!(
            merged.resolve("x").is_none(),
            "the replaced model's aliases go with it"
        );
    }

    #[test]
    fn suggestions_prefer_names_containing_every_word() {
        let catalog = Catalog::from_models(vec![
            model("llama-3.1-405b", &["llama-3.1-405b-instruct"], Some(405.0)),
            model("llama-13b", &[], Some(13.0)),
            model("mixtral-8x7b-instruct-v0.1", &[], Some(46.7)),
        ]);
        assert_eq!(catalog.suggest("llama 405", 1), vec!["llama-3.1-405b"]);
        assert_eq!(
            catalog.suggest("mixtral8x7b", 1),
            vec!["mixtral-8x7b-instruct-v0.1"]
        );
    }

    #[test]
    fn energy_needs_a_disclosed_size_unless_estimates_are_allowed() {
        let open = model("open", &[], Some(8.0));
        let context = EnergyContext::default();
        let energy = open.energy(1000.0, &context, false).unwrap();
        assert!(energy.impacts.is_some() && energy.note().is_empty());

        let mut guessed = model("guessed", &[], Some(400.0));
        guessed.license = License::Proprietary;
        guessed.params_estimated = true;
        let energy = guessed.energy(1000.0, &context, false).unwrap();
        assert_eq!(
            (energy.impacts.is_none(), energy.note()),
            (true, "parameters not disclosed".to_string())
        );
        let energy = guessed.energy(1000.0, &context, true).unwrap();
        assert_eq!(
            (energy.impacts.is_some(), energy.note()),
            (true, "estimated parameters".to_string())
        );

        // EcoLogits' estimate first under its profiles, compar:IA's own guess
        // first under compar:IA's, each named.
        guessed.params_source = Some("EcoLogits' estimate".into());
        guessed.comparia_estimate = Some((ParamCount::Exact(200.0), None));
        let ecologits = guessed.energy(1000.0, &context, true).unwrap();
        assert_eq!(
            ecologits.note(),
            "estimated parameters (EcoLogits' estimate)"
        );
        let comparia_context = EnergyContext {
            methodology: crate::energy::Methodology::Comparia202602,
            ..EnergyContext::default()
        };
        let comparia = guessed.energy(1000.0, &comparia_context, true).unwrap();
        assert_eq!(
            comparia.note(),
            "estimated parameters (compar:IA's estimate)"
        );
        let size_200 = ModelSize {
            total_params: ParamCount::Exact(200.0),
            active_params: ParamCount::Exact(200.0),
            quantization: None,
            tps: guessed.tps,
            ttft: guessed.ttft,
        };
        assert_eq!(
            comparia.impacts.unwrap().energy_wh.mean,
            crate::energy::estimate(&size_200, 1000.0, &comparia_context)
                .unwrap()
                .energy_wh
                .mean
        );

        let unknown = model("unknown", &[], None);
        let energy = unknown.energy(1000.0, &context, true).unwrap();
        assert_eq!(
            energy.null_reason,
            Some(NoEnergyReason::ParametersNotDisclosed)
        );
    }
}
