//! The Grafana side of arenawatt: query rows turned into Grafana data frames
//! ([`frames`]) and the backend plugin's SDK services ([`plugin`]: data,
//! health, resources, metrics) that the `gpx_arenawatt` binary serves.
//!
//! This is the only crate that depends on tonic and on `grafana-plugin-sdk`.
//! It is a thin shell over `arenawatt-engine`, so the plugin and the CLI give
//! the same answer to the same query.

pub mod frames;
pub mod plugin;
