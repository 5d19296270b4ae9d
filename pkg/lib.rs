//! arenawatt: human satisfaction (Bradley–Terry scores fitted from pairwise
//! votes) next to energy cost (EcoLogits estimates) for large language models,
//! served to Grafana by a backend data source plugin and to a terminal by a CLI.
//!
//! The data flows in one direction:
//!
//! ```text
//! vote files ──ingest──▶ store (SQLite: votes + daily pair counts)
//!                              │ pair counts for a time range and sources
//!                              ▼
//!   catalog (model facts) ──▶ query engine ──▶ rows ──▶ frames ──▶ plugin (gRPC)
//!   energy  (EcoLogits)   ──▶   (rating)            └──────────▶ cli (table/csv/json)
//! ```
//!
//! Each module owns one concept and knows nothing of the modules downstream:
//!
//! | module | owns |
//! |---|---|
//! | [`rating`] | Bradley–Terry fits on pair counts, confidence intervals, ranks |
//! | [`energy`] | the EcoLogits methodology, as versioned profiles, and electricity zones |
//! | [`catalog`] | model facts: parameters, architecture, licence, aliases, size class |
//! | [`store`] | the SQLite file: schema, migrations, transactional imports, aggregate reads |
//! | [`ingest`] | one reader per vote file format, with errors that name file, row and column |
//! | [`query`] | the query model shared by the CLI and Grafana, and the engine that answers it |
//! | [`frames`] | query rows turned into Grafana data frames |
//! | [`plugin`] | the Grafana SDK services: data, health, resources |
//! | [`cli`] | the `arenawatt` command line |
//!
//! `rating` and `energy` are pure functions over plain data; the plugin and the
//! CLI are thin shells over `query`, so both give the same answer to the same
//! query.

pub mod catalog;
pub mod cli;
pub mod energy;
pub mod frames;
pub mod ingest;
pub mod plugin;
pub mod query;
pub mod rating;
pub mod store;
