//! What every end-to-end test shares, declared once:
//!
//! - [`cli`]: the one way to run the real `arenawatt` binary and keep all it
//!   printed;
//! - [`plugin`]: the plugin harness (spawns `gpx_arenawatt` with Grafana's
//!   environment, reads the handshake, calls the pluginv2 services, decodes
//!   the Arrow frames);
//! - [`store`]: temporary folders and the demo store built once per run;
//! - [`data`]: the bundled fixtures and reading CSV output.

pub mod cli;
pub mod data;
pub mod plugin;
pub mod store;
