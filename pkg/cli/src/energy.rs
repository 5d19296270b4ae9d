//! `arenawatt energy`: EcoLogits impacts of generating tokens, for a catalog
//! model, for given parameter counts, or for a JSON-lines batch of cases.
//!
//! Flags give the defaults of a batch: a line's own keys override them. Each
//! result is one JSON object whose impacts are `{min, max, mean}` objects and
//! which names its `methodology` and `zone`; a catalog model whose size is not
//! public gets `null` impacts and `energy_note: "parameters not disclosed"`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use arenawatt_core::catalog::{Catalog, CatalogModel};
use arenawatt_core::energy::{
    estimate_with_datacenter, Bounds, EnergyContext, Impacts, Methodology, ModelSize, ParamCount,
};

/// Output formats of `arenawatt energy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnergyFormat {
    /// One pretty-printed JSON object (one object per line with `--input`).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// A table with units, for people.
    Table,
}

/// Flags of `arenawatt energy`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["model", "total_params", "input"])))]
pub struct EnergyArgs {
    /// A catalog model id or alias (e.g. llama-3.1-405b-instruct); custom
    /// models imported into the store (--db) are found too.
    #[arg(long, value_name = "ID")]
    pub model: Option<String>,
    /// Total parameters in billions: `70`, or a range `70:120`.
    #[arg(long, value_name = "B")]
    pub total_params: Option<String>,
    /// Active parameters in billions (MoE models; default: the total).
    #[arg(long, value_name = "B", requires = "total_params")]
    pub active_params: Option<String>,
    /// A JSON-lines file of cases, one object per line with any of the keys
    /// model, total_params, active_params, tokens, methodology, zone, pue, wue,
    /// latency, tps, ttft (a parameter is a number or {"min":..,"max":..}).
    #[arg(long, value_name = "CASES.jsonl")]
    pub input: Option<PathBuf>,
    /// Output tokens generated.
    #[arg(long, value_name = "N", default_value_t = 1000.0)]
    pub tokens: f64,
    /// Methodology profile: ecologits-0.11 (EcoLogits 0.10–0.11), ecologits-0.8
    /// (EcoLogits 0.8.2) or comparia-2026-02 (compar:IA's Feb-2026 graph).
    #[arg(long, value_name = "NAME", default_value = "ecologits-0.11")]
    pub methodology: String,
    /// Electricity zone: ISO 3166 alpha-3 code, WOR (world) or EEE (Europe).
    #[arg(long, value_name = "CODE", default_value = "WOR")]
    pub zone: String,
    /// Datacenter power usage effectiveness (default 1.15), or a range `1.09:1.14`.
    /// Not accepted by the 0.8 profiles, which fix it at 1.2.
    #[arg(long, value_name = "PUE")]
    pub pue: Option<String>,
    /// Datacenter water usage effectiveness, L/kWh (default 1.8), or a range.
    #[arg(long, value_name = "L_PER_KWH")]
    pub wue: Option<String>,
    /// Request latency cap, seconds.
    #[arg(long, value_name = "S")]
    pub latency: Option<f64>,
    /// Measured speed, tokens per second (replaces the modelled latency).
    #[arg(long, value_name = "X", requires = "ttft")]
    pub tps: Option<f64>,
    /// Measured time to first token, seconds.
    #[arg(long, value_name = "Y", requires = "tps")]
    pub ttft: Option<f64>,
    /// Use size estimates (EcoLogits', else compar:IA's) for models whose size
    /// is not public; such results are flagged `params_estimated`.
    #[arg(long)]
    pub allow_estimates: bool,
    /// Output format (default: json, or jsonl with --input).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<EnergyFormat>,
}

/// One case: either a catalog model or explicit parameter counts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    model: Option<String>,
    total_params: Option<ParamCount>,
    active_params: Option<ParamCount>,
    tokens: Option<f64>,
    methodology: Option<String>,
    zone: Option<String>,
    pue: Option<ParamCount>,
    wue: Option<ParamCount>,
    latency: Option<f64>,
    tps: Option<f64>,
    ttft: Option<f64>,
}

impl Case {
    /// This case with the flags' values wherever it has none.
    fn or(self, defaults: &Case) -> Case {
        let d = defaults.clone();
        let explicit_size = self.model.is_some() || self.total_params.is_some();
        Case {
            model: if explicit_size { self.model } else { d.model },
            total_params: if explicit_size {
                self.total_params
            } else {
                d.total_params
            },
            active_params: if explicit_size {
                self.active_params
            } else {
                d.active_params
            },
            tokens: self.tokens.or(d.tokens),
            methodology: self.methodology.or(d.methodology),
            zone: self.zone.or(d.zone),
            pue: self.pue.or(d.pue),
            wue: self.wue.or(d.wue),
            latency: self.latency.or(d.latency),
            tps: self.tps.or(d.tps),
            ttft: self.ttft.or(d.ttft),
        }
    }
}

/// Parses `70` or `70:120` (billions, PUE, WUE).
pub fn parse_count(text: &str) -> Result<ParamCount, String> {
    let number = |s: &str| -> Result<f64, String> {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("not a number: {s:?} (expected e.g. 70 or 70:120)"))
    };
    match text.split_once(':') {
        Some((min, max)) => Ok(ParamCount::Range {
            min: number(min)?,
            max: number(max)?,
        }),
        None => Ok(ParamCount::Exact(number(text)?)),
    }
}

fn flag_count(flag: &str, value: &Option<String>) -> anyhow::Result<Option<ParamCount>> {
    value
        .as_deref()
        .map(|text| parse_count(text).map_err(|e| anyhow::anyhow!("--{flag}: {e}")))
        .transpose()
}

/// The catalog: bundled, plus the store's custom models when the store exists.
fn load_catalog(db: &Path) -> anyhow::Result<Catalog> {
    let bundled = Catalog::bundled_ref();
    if !db.exists() {
        return Ok(bundled.clone());
    }
    let store = arenawatt_store::Store::open_read_only(db)?;
    Ok(bundled.with_custom(store.custom_catalog_models()?))
}

/// Answers one case as a JSON object, or an error message.
fn answer(case: &Case, catalog: &Catalog, allow_estimates: bool) -> Result<Value, String> {
    let methodology: Methodology = case
        .methodology
        .as_deref()
        .unwrap_or("ecologits-0.11")
        .parse()
        .map_err(|e: arenawatt_core::energy::EnergyError| e.to_string())?;
    let fixed_pue = methodology != Methodology::Ecologits011;
    if fixed_pue && (case.pue.is_some() || case.wue.is_some()) {
        return Err(format!(
            "{} fixes the PUE at 1.2 and has no water model; remove pue/wue",
            methodology.name()
        ));
    }
    let context = EnergyContext {
        methodology,
        zone: case.zone.clone().unwrap_or_else(|| "WOR".into()),
        latency_s: case.latency,
        ..EnergyContext::default()
    };
    let tokens = case.tokens.unwrap_or(1000.0);
    let pue = case.pue.unwrap_or(ParamCount::Exact(context.pue));
    let wue = case.wue.unwrap_or(ParamCount::Exact(context.wue));

    // (model, size, whose estimate the size is: `None` when disclosed)
    let (model, size, estimated) = match (&case.model, case.total_params) {
        (Some(_), Some(_)) => return Err("give either model or total_params, not both".into()),
        (None, None) => return Err("give a model or total_params".into()),
        (Some(name), None) => {
            if case.active_params.is_some() {
                return Err("active_params needs total_params, not model".into());
            }
            let model = resolve(catalog, name)?;
            match model.energy_size_under(allow_estimates, methodology) {
                Ok((size, source)) => (
                    Some(model),
                    size,
                    model.params_estimated.then(|| source.unwrap_or_default()),
                ),
                Err(reason) => return Ok(null_result(model, &context, tokens, reason.message())),
            }
        }
        (None, Some(total)) => {
            let size = ModelSize {
                total_params: total,
                active_params: case.active_params.unwrap_or(total),
                quantization: None,
                tps: None,
                ttft: None,
            };
            (None, size, None)
        }
    };
    let size = match (case.tps, case.ttft) {
        (None, None) => size,
        (Some(tps), Some(ttft)) => ModelSize {
            tps: Some(tps),
            ttft: Some(ttft),
            ..size
        },
        _ => return Err("tps and ttft go together: give both or neither".into()),
    };
    let impacts =
        estimate_with_datacenter(&size, tokens, &context, pue, wue).map_err(|e| e.to_string())?;
    Ok(result(model, &impacts, estimated))
}

fn resolve<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a CatalogModel, String> {
    catalog.resolve(name).ok_or_else(|| {
        format!(
            "unknown model {name:?}; closest catalog ids: {} (`arenawatt catalog list` shows all)",
            catalog.suggest(name, 5).join(", ")
        )
    })
}

/// The impact keys of a result, in output order.
pub const IMPACT_KEYS: [&str; 12] = [
    "energy_wh",
    "gwp_gco2eq",
    "adpe_kgsbeq",
    "pe_mj",
    "wcf_l",
    "usage_energy_wh",
    "usage_gwp_gco2eq",
    "embodied_gwp_gco2eq",
    "embodied_adpe_kgsbeq",
    "embodied_pe_mj",
    "gpu_count",
    "latency_s",
];

fn result(model: Option<&CatalogModel>, impacts: &Impacts, estimated: Option<String>) -> Value {
    let mut object = match serde_json::to_value(impacts) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(model) = model {
        object.insert("model".into(), json!(model.id));
    }
    object.insert("params_estimated".into(), json!(estimated.is_some()));
    let note = match estimated.as_deref() {
        Some("") => arenawatt_core::catalog::estimated_note(None),
        Some(source) => arenawatt_core::catalog::estimated_note(Some(source)),
        None => String::new(),
    };
    object.insert("energy_note".into(), json!(note));
    Value::Object(object)
}

fn null_result(model: &CatalogModel, context: &EnergyContext, tokens: f64, reason: &str) -> Value {
    let mut object = Map::new();
    object.insert("model".into(), json!(model.id));
    object.insert("methodology".into(), json!(context.methodology.name()));
    object.insert("zone".into(), json!(context.zone.trim().to_uppercase()));
    object.insert("tokens".into(), json!(tokens));
    for key in IMPACT_KEYS {
        object.insert(key.into(), Value::Null);
    }
    object.insert("params_estimated".into(), json!(false));
    object.insert("energy_note".into(), json!(reason));
    Value::Object(object)
}

/// Rows of the table format: (label, key, unit).
const TABLE_ROWS: [(&str, &str, &str); 16] = [
    ("energy", "energy_wh", "Wh"),
    ("GWP", "gwp_gco2eq", "gCO2eq"),
    ("  usage", "usage_gwp_gco2eq", "gCO2eq"),
    ("  embodied", "embodied_gwp_gco2eq", "gCO2eq"),
    ("abiotic depletion", "adpe_kgsbeq", "kgSbeq"),
    ("  embodied", "embodied_adpe_kgsbeq", "kgSbeq"),
    ("primary energy", "pe_mj", "MJ"),
    ("  embodied", "embodied_pe_mj", "MJ"),
    ("water", "wcf_l", "L"),
    ("GPUs", "gpu_count", "GPUs"),
    ("latency", "latency_s", "s"),
    ("model memory", "memory_gb", "GB"),
    ("energy per GPU", "gpu_energy_wh", "Wh"),
    ("server energy", "server_energy_wh", "Wh"),
    ("IT energy", "it_energy_wh", "Wh"),
    ("PUE", "pue", "-"),
];

fn write_table(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let model = text("model");
    writeln!(
        out,
        "{}methodology {}, zone {}, {} output tokens{}",
        if model.is_empty() {
            String::new()
        } else {
            format!("{model}: ")
        },
        text("methodology"),
        text("zone"),
        value.get("tokens").and_then(Value::as_f64).unwrap_or(0.0),
        match value["energy_note"].as_str() {
            Some(note) if !note.is_empty() => format!(" ({note})"),
            _ => String::new(),
        },
    )?;
    if value.get("energy_wh").is_some_and(Value::is_null) {
        return writeln!(out, "  energy: null ({})", text("energy_note"));
    }
    writeln!(
        out,
        "  {:<18} {:>12} {:>12} {:>12}  unit",
        "", "min", "mean", "max"
    )?;
    for (label, key, unit) in TABLE_ROWS {
        let bounds: Option<Bounds> = value
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        match bounds {
            Some(b) => writeln!(
                out,
                "  {label:<18} {:>12} {:>12} {:>12}  {unit}",
                significant(b.min),
                significant(b.mean),
                significant(b.max)
            )?,
            None => writeln!(
                out,
                "  {label:<18} {:>12} {:>12} {:>12}  {unit} (not modelled)",
                "-", "-", "-"
            )?,
        }
    }
    Ok(())
}

/// Four significant digits, in plain notation where it stays readable.
fn significant(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 {
        "0".into()
    } else if (1e-3..1e7).contains(&magnitude) {
        let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
        format!("{value:.decimals$}")
    } else {
        format!("{value:.3e}")
    }
}

fn emit(out: &mut impl Write, value: &Value, format: EnergyFormat) -> anyhow::Result<()> {
    match format {
        EnergyFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(value)?)?,
        EnergyFormat::Jsonl => writeln!(out, "{value}")?,
        EnergyFormat::Table => write_table(out, value)?,
    }
    Ok(())
}

pub fn run(db: &Path, args: EnergyArgs) -> anyhow::Result<()> {
    let defaults = Case {
        model: args.model.clone(),
        total_params: flag_count("total-params", &args.total_params)?,
        active_params: flag_count("active-params", &args.active_params)?,
        tokens: Some(args.tokens),
        methodology: Some(args.methodology.clone()),
        zone: Some(args.zone.clone()),
        pue: flag_count("pue", &args.pue)?,
        wue: flag_count("wue", &args.wue)?,
        latency: args.latency,
        tps: args.tps,
        ttft: args.ttft,
    };
    let catalog = load_catalog(db)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let Some(input) = &args.input else {
        let value =
            answer(&defaults, &catalog, args.allow_estimates).map_err(anyhow::Error::msg)?;
        return emit(&mut out, &value, args.format.unwrap_or(EnergyFormat::Json));
    };
    let format = match args.format {
        None | Some(EnergyFormat::Json) => EnergyFormat::Jsonl,
        Some(other) => other,
    };
    let file =
        std::fs::File::open(input).with_context(|| format!("{}: cannot open", input.display()))?;
    let (mut answered, mut failed) = (0usize, 0usize);
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line_no = index + 1;
        let line = line.with_context(|| format!("{}:{line_no}: cannot read", input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let outcome = serde_json::from_str::<Case>(&line)
            .map_err(|e| format!("{}:{line_no}: {e}", input.display()))
            .and_then(|case| {
                answer(&case.or(&defaults), &catalog, args.allow_estimates)
                    .map_err(|e| format!("{}:{line_no}: {e}", input.display()))
            });
        match outcome {
            Ok(value) => {
                answered += 1;
                emit(&mut out, &value, format)?;
            }
            Err(message) => {
                failed += 1;
                emit(&mut out, &json!({ "error": message }), format)?;
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        anyhow::bail!(
            "{}: {failed} of {} cases failed (see the \"error\" lines)",
            input.display(),
            answered + failed
        );
    }
    Ok(())
}
