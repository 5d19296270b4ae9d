//! arenawatt: human satisfaction (Bradley–Terry scores fitted from pairwise
//! votes) next to energy cost (EcoLogits estimates) for large language models,
//! served to Grafana by a backend data source plugin and to a terminal by a CLI.
//!
//! The work is split into the workspace's crates under `pkg/`, each owning one
//! concept and knowing nothing of the crates downstream:
//!
//! ```text
//! vote files ──arenawatt-store (ingest)──▶ SQLite store (votes + daily pair counts)
//!                                               │ pair counts for a time range
//!                                               ▼
//!   arenawatt-core (rating, energy, catalog) ─▶ arenawatt-engine ─▶ rows
//!                                                    │             ├─▶ arenawatt-grafana (frames, plugin: gpx_arenawatt)
//!                                 arenawatt-sim (demo)┘             └─▶ arenawatt-cli (arenawatt)
//! ```
//!
//! This root package holds the two binaries and the tests that drive them; it
//! re-exports the crates under their old module names for those tests.

pub use arenawatt_cli as cli;
pub use arenawatt_core::{catalog, energy, rating};
pub use arenawatt_engine as query;
pub use arenawatt_grafana::{frames, plugin};
pub use arenawatt_sim as sim;
pub use arenawatt_store as store;
pub use arenawatt_store::ingest;
