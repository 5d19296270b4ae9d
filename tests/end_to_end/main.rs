//! The end-to-end tests: one test binary that drives the real `arenawatt` and
//! `gpx_arenawatt` binaries (and the library where a test needs its types),
//! with one module per concern and the shared support modules declared once:
//!
//! - [`support`]: one CLI runner, one plugin harness, one temporary-store
//!   helper and the bundled data.
//!
//! One binary links the workspace once instead of once per file.

mod support;

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
mod head_to_head;
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
mod preferences;
mod query_cli;
mod query_model_drift;
mod rating_cli;
mod rating_golden;
mod rating_properties;
mod reader_fuzz;
mod scale_pair_counts;
mod scale_recipes;
mod scale_shared_store;
mod simulate_cli;
mod slices;
mod store_aggregates;
mod style_control;
mod time_queries;
