//! The end-to-end tests: one test binary that drives the real `arenawatt` and
//! `gpx_arenawatt` binaries (and the library where a test needs its types),
//! with one module per concern and the shared support modules declared once:
//!
//! - [`common`]: the plugin harness (spawns `gpx_arenawatt` with Grafana's
//!   environment, reads the handshake, calls the pluginv2 services, decodes
//!   the Arrow frames);
//! - [`cli_support`]: running the CLI against a temporary store;
//! - [`query_support`]: the demo store shared by the query tests.
//!
//! One binary links the workspace once instead of once per file.

mod cli_support;
mod common;
mod query_support;

mod alert_rule;
mod catalog_bundled;
mod catalog_cli;
mod dashboards_contract;
mod dashboards_time;
mod demo_cli;
mod energy_cli;
mod energy_comparia;
mod energy_properties;
mod energy_vectors;
mod grafana_bridge_frames;
mod hostile_import;
mod hostile_plugin;
mod hostile_queries;
mod hostile_votes;
mod import_bad_input;
mod import_crash;
mod import_formats;
mod module_cycles;
mod plot_cli;
mod plugin_catalog;
mod plugin_health;
mod plugin_queries;
mod plugin_resources;
mod query_cli;
mod query_model_drift;
mod rating_cli;
mod rating_golden;
mod rating_properties;
mod reader_fuzz;
mod simulate_cli;
mod store_aggregates;
mod time_queries;
