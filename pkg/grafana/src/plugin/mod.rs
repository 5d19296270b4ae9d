//! The Grafana backend plugin: the SDK's data, diagnostics and resource
//! services over the query engine, and the data source instance settings.
//!
//! The plugin is a thin shell, like the CLI: every answer comes from
//! [`arenawatt_engine::Engine::execute`] and is shaped by [`crate::frames`]. What
//! lives here is what only Grafana needs:
//!
//! - [`settings`]: the instance's `jsonData` (store path, query defaults);
//! - [`instance`]: one engine per configured data source, reused across requests;
//! - [`demo`]: the bundled demo store for data sources without a `path`;
//! - [`data`]: QueryData, one result or one error per refId;
//! - [`health`]: CheckHealth, with an actionable message and JSON details;
//! - [`resources`]: CallResource, lists for the query editor and vote uploads;
//! - [`metrics`]: Prometheus counters for CollectMetrics;
//! - [`protocol`]: the gRPC server, and the repairs that keep one bad part of
//!   a request (an unknown role, one bad query) from failing all of it.
//!
//! Logs go to stderr in the SDK's hclog JSON format, which Grafana reads; each
//! query logs its type and duration at debug level.

pub mod data;
pub mod demo;
pub mod health;
pub mod instance;
pub mod metrics;
pub mod protocol;
pub mod resources;
pub mod settings;
pub mod votes;

use std::sync::Arc;

use grafana_plugin_sdk::prelude::*;

/// The plugin id in `plugin.json`.
pub const PLUGIN_ID: &str = "arenawatt-energy-datasource";

/// The services' shared state: the open data source instances.
#[derive(Clone, Default, GrafanaPlugin)]
#[grafana_plugin(plugin_type = "datasource")]
pub struct ArenawattPlugin {
    instances: Arc<instance::Instances>,
    metrics: Arc<metrics::Metrics>,
}

impl std::fmt::Debug for ArenawattPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArenawattPlugin").finish_non_exhaustive()
    }
}

impl ArenawattPlugin {
    pub fn new() -> Self {
        Self::default()
    }

    /// The instance for a request's settings. Opening may build the demo
    /// store or touch the disk, so it runs off the async threads.
    async fn instance(
        &self,
        settings: Option<
            grafana_plugin_sdk::backend::DataSourceInstanceSettings<
                serde_json::Value,
                serde_json::Value,
            >,
        >,
    ) -> Result<Arc<instance::Instance>, instance::InstanceError> {
        let instances = Arc::clone(&self.instances);
        tokio::task::spawn_blocking(move || instances.get(settings.as_ref()))
            .await
            .unwrap_or_else(|e| Err(instance::InstanceError::Internal(e.to_string())))
    }
}

/// Installs the hclog JSON logger on stderr. `RUST_LOG` overrides the
/// default filter (info, and debug for arenawatt's own events).
pub fn init_logging() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,arenawatt=debug"));
    let _ = tracing_subscriber::registry()
        .with(grafana_plugin_sdk::backend::layer())
        .with(filter)
        .try_init();
}
