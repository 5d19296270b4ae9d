//! `arenawatt catalog`: list the model catalog (bundled plus the store's
//! custom models), and import custom models from an EcoLogits or compar:IA
//! file into the store.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{json, Value};

use arenawatt_core::catalog::{Catalog, CatalogFormat, CatalogModel};
use arenawatt_core::energy::{EnergyContext, Methodology, ParamCount};
use arenawatt_store::Store;

/// Output formats of `arenawatt catalog list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
}

/// Formats `arenawatt catalog import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// EcoLogits' models.json.
    Ecologits,
    /// compar:IA's generated-models_*.json.
    Comparia,
}

impl From<ImportFormat> for CatalogFormat {
    fn from(format: ImportFormat) -> CatalogFormat {
        match format {
            ImportFormat::Ecologits => CatalogFormat::Ecologits,
            ImportFormat::Comparia => CatalogFormat::Comparia,
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// List the catalog (bundled plus custom models), with each model's
    /// energy per 1000 output tokens.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table", value_name = "FORMAT")]
        format: ListFormat,
        /// Methodology of the `wh_per_1k_tokens` column (zone WOR, PUE 1.15):
        /// ecologits-0.11, ecologits-0.8 or comparia-2026-02.
        #[arg(long, default_value = "ecologits-0.11", value_name = "NAME")]
        methodology: String,
    },
    /// Add or replace models (by id) in the store's custom catalog.
    Import {
        /// The file's format.
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: ImportFormat,
        /// The catalog file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(db: &Path, command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::List {
            format,
            methodology,
        } => list(db, format, &methodology),
        CatalogCommand::Import { format, file } => import(db, format.into(), &file),
    }
}

fn import(db: &Path, format: CatalogFormat, file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{}: cannot read catalog file", file.display()))?;
    let models = format.read(&file.display().to_string(), &text)?;
    if models.is_empty() {
        anyhow::bail!("{}: no models in the file", file.display());
    }
    let bundled = Catalog::bundled_ref();
    let replacing = models
        .iter()
        .filter(|m| bundled.resolve(&m.id).is_some())
        .count();
    let mut store = Store::open(db)?;
    store.upsert_catalog_models(&models)?;
    println!(
        "imported {} models from {} into {} ({} replace bundled entries); data version {}",
        models.len(),
        file.display(),
        db.display(),
        replacing,
        store.data_version()?
    );
    Ok(())
}

/// Bundled models, then custom ones, with where each comes from.
fn entries(db: &Path) -> anyhow::Result<(Catalog, Vec<String>)> {
    let bundled = Catalog::bundled_ref();
    let custom = if db.exists() {
        Store::open_read_only(db)?.custom_catalog_models()?
    } else {
        Vec::new()
    };
    let custom_ids: Vec<String> = custom.iter().map(|m| m.id.clone()).collect();
    Ok((bundled.with_custom(custom), custom_ids))
}

fn count_text(value: Option<ParamCount>) -> String {
    match value {
        None => String::new(),
        Some(ParamCount::Exact(v)) => format!("{v}"),
        Some(ParamCount::Range { min, max }) => format!("{min}:{max}"),
    }
}

/// One listed row, typed for JSON.
fn row(model: &CatalogModel, custom: bool, context: &EnergyContext) -> Value {
    let energy = model.energy(1000.0, context, false);
    let (wh, note) = match &energy {
        Ok(e) => (
            e.impacts.as_ref().map(|i| i.energy_wh.mean),
            e.note().to_string(),
        ),
        Err(error) => (None, error.to_string()),
    };
    json!({
        "id": model.id,
        "display_name": model.display_name,
        "organization": model.organization,
        "license": match &model.license {
            arenawatt_core::catalog::License::Open(name) => name.clone(),
            arenawatt_core::catalog::License::Proprietary => "proprietary".into(),
        },
        "license_kind": model.license.kind(),
        "architecture": model.architecture.name(),
        "total_params_b": model.total_params,
        "active_params_b": model.active_params.or(model.total_params),
        "params_estimated": model.params_estimated,
        "params_source": model.params_source,
        "size_class": model.size_class().map(|s| s.name()),
        "quantization": model.quantization,
        "release_date": model.release_date,
        "origin": if custom { "custom" } else { "bundled" },
        "wh_per_1k_tokens": wh,
        "energy_methodology": context.methodology.name(),
        "energy_note": note,
        "aliases": model.aliases,
    })
}

const CSV_COLUMNS: [&str; 18] = [
    "id",
    "display_name",
    "organization",
    "license",
    "license_kind",
    "architecture",
    "total_params_b",
    "active_params_b",
    "params_estimated",
    "params_source",
    "size_class",
    "quantization",
    "release_date",
    "origin",
    "wh_per_1k_tokens",
    "energy_methodology",
    "energy_note",
    "aliases",
];

fn csv_field(model: &CatalogModel, row: &Value, column: &str) -> String {
    match column {
        "total_params_b" => count_text(model.total_params),
        "active_params_b" => count_text(model.active_params.or(model.total_params)),
        "aliases" => model.aliases.join(";"),
        _ => match &row[column] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

fn list(db: &Path, format: ListFormat, methodology: &str) -> anyhow::Result<()> {
    let context = EnergyContext {
        methodology: methodology.parse::<Methodology>()?,
        ..EnergyContext::default()
    };
    let (catalog, custom_ids) = entries(db)?;
    let rows: Vec<(&CatalogModel, Value)> = catalog
        .models()
        .iter()
        .map(|m| (m, row(m, custom_ids.contains(&m.id), &context)))
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        ListFormat::Json => {
            let values: Vec<&Value> = rows.iter().map(|(_, v)| v).collect();
            serde_json::to_writer_pretty(&mut out, &values)?;
            use std::io::Write;
            writeln!(out)?;
        }
        ListFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_COLUMNS)?;
            for (model, value) in &rows {
                writer.write_record(CSV_COLUMNS.iter().map(|c| csv_field(model, value, c)))?;
            }
            writer.flush()?;
        }
        ListFormat::Table => {
            use std::io::Write;
            writeln!(
                out,
                "{:<44} {:<11} {:<9} {:>12} {:>12} {:<4} {:>14}  note",
                "id", "licence", "arch", "total (B)", "active (B)", "size", "Wh/1k tokens"
            )?;
            for (model, value) in &rows {
                let wh = value["wh_per_1k_tokens"]
                    .as_f64()
                    .map_or_else(|| "-".to_string(), |w| format!("{w:.3}"));
                writeln!(
                    out,
                    "{:<44} {:<11} {:<9} {:>12} {:>12} {:<4} {:>14}  {}",
                    model.id,
                    model.license.kind(),
                    model.architecture.name(),
                    count_text(model.total_params),
                    count_text(model.active_params.or(model.total_params)),
                    model.size_class().map_or("", |s| s.name()),
                    wh,
                    value["energy_note"].as_str().unwrap_or(""),
                )?;
            }
            writeln!(
                out,
                "{} models; energy: {}, zone WOR, PUE 1.15, per 1000 output tokens",
                rows.len(),
                context.methodology.name()
            )?;
        }
    }
    Ok(())
}
