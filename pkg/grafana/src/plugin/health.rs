//! CheckHealth ("Save & test" in Grafana): either OK with a summary of the
//! store, or an error that says what to change. Settings that cannot work (an
//! unknown zone, a missing store file) are reported here rather than by the
//! first query.
//!
//! The JSON details give the store's schema and data versions, its models,
//! votes and sources, the catalog coverage (voted models without an energy
//! estimate, with the reason), and the methodology and zone in use.

use grafana_plugin_sdk::backend;
use serde_json::{json, Value};

use super::instance::Instance;
use super::settings::DataSourceSettings;
use super::ArenawattPlugin;
use arenawatt_engine::{Query, QueryResult, QueryType};

/// What the health check found, before it becomes a response.
#[derive(Debug)]
pub struct HealthReport {
    pub ok: bool,
    pub message: String,
    pub details: Value,
}

/// The store summary and catalog coverage of a working instance.
pub fn inspect(instance: &Instance) -> Result<HealthReport, String> {
    let stats = instance.engine.stats().map_err(|e| e.to_string())?;
    let leaderboard = Query {
        query_type: QueryType::Leaderboard,
        ..Query::default()
    };
    let (rows, methodology, zone) = match instance.engine.execute(&leaderboard, None) {
        Ok(QueryResult::Models {
            rows,
            methodology,
            zone,
            ..
        }) => (rows, methodology, zone),
        Ok(_) => return Err("the engine answered a leaderboard query with another shape".into()),
        Err(e) => return Err(format!("the store opens but cannot be ranked: {e}")),
    };
    let voted: Vec<_> = rows.iter().filter(|r| r.votes > 0).collect();
    let without_energy: Vec<Value> = voted
        .iter()
        .filter(|r| r.wh_per_1k_tokens.is_none())
        .map(|r| json!({ "model": r.model, "reason": r.energy_note }))
        .collect();
    let mode = open_mode(instance);
    let details = json!({
        "mode": mode,
        "schemaVersion": stats.schema_version,
        "dataVersion": stats.data_version,
        "models": stats.models,
        "votes": stats.votes,
        "sources": stats.sources.len(),
        "sourceNames": stats.sources,
        "store": instance.store_path.display().to_string(),
        "demo": instance.demo,
        "methodology": methodology,
        "zone": zone,
        "catalogCoverage": {
            "votedModels": voted.len(),
            "withEnergy": voted.len() - without_energy.len(),
            "withoutEnergy": without_energy.len(),
            "modelsWithoutEnergy": without_energy,
        },
    });
    let what = if instance.demo {
        "bundled demo data".to_string()
    } else {
        format!("store {}", instance.store_path.display())
    };
    let message = format!(
        "arenawatt {what} ({mode}): {} models, {} votes from {} sources (data version {}); \
         {} of {} voted models have an energy estimate ({methodology}, zone {zone})",
        stats.models,
        stats.votes,
        stats.sources.len(),
        stats.data_version,
        voted.len() - without_energy.len(),
        voted.len(),
    );
    Ok(HealthReport {
        ok: true,
        message,
        details,
    })
}

/// How the store is opened: `readOnly` opens it immutable (no locks, no
/// `-shm`: shareable by Grafana replicas, see docs/scale.md); otherwise it is
/// read through SQLite's WAL beside the importer.
pub fn open_mode(instance: &Instance) -> &'static str {
    if instance.settings.read_only {
        "read-only, immutable"
    } else {
        "read-only, WAL"
    }
}

fn error(message: String, settings: &Value) -> HealthReport {
    HealthReport {
        ok: false,
        message,
        details: json!({ "settings": settings }),
    }
}

#[backend::async_trait]
impl backend::DiagnosticsService for ArenawattPlugin {
    type CheckHealthError = std::convert::Infallible;

    async fn check_health(
        &self,
        request: backend::CheckHealthRequest<Self>,
    ) -> Result<backend::CheckHealthResponse, Self::CheckHealthError> {
        let settings = request.plugin_context.instance_settings;
        let json = settings
            .as_ref()
            .map(|s| s.json_data.clone())
            .unwrap_or(Value::Null);
        let report = match DataSourceSettings::from_json(&json).and_then(|s| s.validate()) {
            Err(e) => error(format!("invalid data source settings: {e}"), &json),
            Ok(_) => match self.instance(settings).await {
                Err(e) => error(e.to_string(), &json),
                Ok(instance) => tokio::task::spawn_blocking(move || inspect(&instance))
                    .await
                    .unwrap_or_else(|e| Err(format!("health check worker failed: {e}")))
                    .unwrap_or_else(|m| error(m, &json)),
            },
        };
        tracing::debug!(ok = report.ok, message = %report.message, "health check");
        let response = if report.ok {
            backend::CheckHealthResponse::ok(report.message)
        } else {
            backend::CheckHealthResponse::error(report.message)
        };
        Ok(response.with_json_details(report.details))
    }

    type CollectMetricsError = std::convert::Infallible;

    async fn collect_metrics(
        &self,
        _request: backend::CollectMetricsRequest<Self>,
    ) -> Result<backend::CollectMetricsResponse, Self::CollectMetricsError> {
        let text = self.metrics.render().into_bytes();
        Ok(backend::CollectMetricsResponse::new(Some(
            backend::MetricsPayload::prometheus(text),
        )))
    }
}
