//! `arenawatt query`: the engine Grafana uses, from a terminal.
//!
//! Every key of the query model is a flag of the same name in kebab-case
//! (`minVotes` → `--min-votes`; `queryType` is `--type`), generated from the
//! registry in [`arenawatt_engine::keys`], so the flags cannot drift from the
//! model. The flag values become the same JSON Grafana sends, and go through
//! the same lenient parser: the CLI and a dashboard give the same answer to
//! the same query.

pub mod output;

use std::path::Path;

use anyhow::Context;
use clap::{Arg, ArgAction, ArgMatches};
use serde_json::{Map, Value};

use arenawatt_engine::keys::{KeyKind, QUERY_KEYS};
use arenawatt_engine::{parse_query, Engine, Query};

/// Output formats of `arenawatt query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns with units, for reading.
    #[default]
    Table,
    /// Comma-separated values with a header, for tools.
    Csv,
    /// The engine's result as JSON.
    Json,
}

/// Flags of `arenawatt query`: the query-model registry plus output options.
#[derive(Debug, Clone, Default)]
pub struct QueryArgs {
    /// Query JSON built from the flags given (string values, as from Grafana).
    pub flags: Map<String, Value>,
    /// A whole query as JSON text, or `@FILE`; flags override its keys.
    pub query_json: Option<String>,
    pub format: OutputFormat,
}

const QUERY_JSON: &str = "query-json";
const FORMAT: &str = "format";

impl clap::Args for QueryArgs {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for key in QUERY_KEYS {
            let arg = Arg::new(key.key).long(key.flag).help(key.help);
            let arg = match key.kind {
                KeyKind::Switch => arg.action(ArgAction::SetTrue),
                KeyKind::Choice(values) => arg.value_name(key.placeholder).value_parser(
                    clap::builder::PossibleValuesParser::new(values.iter().copied()),
                ),
                _ => arg.value_name(key.placeholder).allow_hyphen_values(true),
            };
            cmd = cmd.arg(arg);
        }
        cmd.arg(
            Arg::new(QUERY_JSON)
                .long(QUERY_JSON)
                .value_name("JSON|@FILE")
                .help("A whole query as Grafana sends it (JSON text, or @ and a file name); flags override its keys"),
        )
        .arg(
            Arg::new(FORMAT)
                .long(FORMAT)
                .value_name("FORMAT")
                .value_parser(clap::builder::EnumValueParser::<OutputFormat>::new())
                .default_value("table")
                .help("Output format"),
        )
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for QueryArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = QueryArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for key in QUERY_KEYS {
            match key.kind {
                KeyKind::Switch => {
                    if matches.get_flag(key.key) {
                        self.flags.insert(key.key.into(), Value::Bool(true));
                    }
                }
                _ => {
                    if let Some(value) = matches.get_one::<String>(key.key) {
                        self.flags
                            .insert(key.key.into(), Value::String(value.clone()));
                    }
                }
            }
        }
        if let Some(json) = matches.get_one::<String>(QUERY_JSON) {
            self.query_json = Some(json.clone());
        }
        if let Some(format) = matches.get_one::<OutputFormat>(FORMAT) {
            self.format = *format;
        }
        Ok(())
    }
}

/// The query the flags describe, parsed by the engine's lenient parser.
/// Errors name the flag.
pub fn build_query(args: &QueryArgs) -> anyhow::Result<Query> {
    let mut object = match &args.query_json {
        None => Map::new(),
        Some(text) => {
            let text = match text.strip_prefix('@') {
                Some(file) => std::fs::read_to_string(file)
                    .with_context(|| format!("--query-json: cannot read {file}"))?,
                None => text.clone(),
            };
            let value: Value =
                serde_json::from_str(&text).context("--query-json: not valid JSON")?;
            match value {
                Value::Object(object) => object,
                _ => anyhow::bail!("--query-json: expected a JSON object"),
            }
        }
    };
    for (key, value) in &args.flags {
        object.insert(key.clone(), value.clone());
    }
    parse_query(&Value::Object(object)).map_err(|e| {
        let from_flag = args.flags.contains_key(&e.key);
        match QUERY_KEYS.iter().find(|k| k.key == e.key) {
            Some(key) if from_flag => anyhow::anyhow!("--{}: {}", key.flag, e.reason),
            _ => anyhow::anyhow!("{e}"),
        }
    })
}

pub fn run(db: &Path, args: QueryArgs) -> anyhow::Result<()> {
    let query = build_query(&args)?;
    let engine = Engine::open(db, Default::default())?;
    let result = engine.execute(&query, None)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::write(&mut out, &result, args.format)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, FromArgMatches};

    fn parse(argv: &[&str]) -> Result<QueryArgs, clap::Error> {
        let cmd = QueryArgs::augment_args(clap::Command::new("query").no_binary_name(true));
        let matches = cmd.try_get_matches_from(argv)?;
        QueryArgs::from_arg_matches(&matches)
    }

    #[test]
    fn every_flag_reaches_the_query_model() {
        let args = parse(&[
            "--type",
            "leaderboard",
            "--sources",
            "simulated,comparia-votes",
            "--licenses",
            "open",
            "--min-votes",
            "100",
            "--ties",
            "drop",
            "--ci",
            "fisher",
            "--zone",
            "FRA",
            "--include-ci",
            "--tokens",
            "500",
            "--from",
            "2026-01-01",
            "--format",
            "csv",
        ])
        .unwrap();
        assert_eq!(args.format, OutputFormat::Csv);
        let query = build_query(&args).unwrap();
        assert_eq!(query.query_type, arenawatt_engine::QueryType::Leaderboard);
        assert_eq!(query.sources, ["simulated", "comparia-votes"]);
        assert_eq!(query.licenses, ["open"]);
        assert_eq!(query.min_votes, 100);
        assert_eq!(query.ties, Some(arenawatt_core::rating::TiePolicy::Drop));
        assert_eq!(query.ci, Some(arenawatt_core::rating::CiMethod::Fisher));
        assert_eq!(query.zone.as_deref(), Some("FRA"));
        assert!(query.include_ci);
        assert_eq!(query.tokens, Some(500.0));
        assert_eq!(query.from.as_deref(), Some("2026-01-01"));
    }

    #[test]
    fn every_registry_key_is_a_flag_with_its_placeholder() {
        let cmd = QueryArgs::augment_args(clap::Command::new("query"));
        for key in QUERY_KEYS {
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(key.flag))
                .unwrap_or_else(|| panic!("no flag --{}", key.flag));
            let names: Vec<String> = arg
                .get_value_names()
                .unwrap_or_default()
                .iter()
                .map(|n| n.to_string())
                .collect();
            if key.kind == KeyKind::Switch {
                assert!(names.is_empty(), "--{} takes no value", key.flag);
            } else {
                assert_eq!(names, [key.placeholder], "placeholder of --{}", key.flag);
            }
        }
        let mut longs: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
        let count = longs.len();
        longs.sort_unstable();
        longs.dedup();
        assert_eq!(longs.len(), count, "duplicate flags");
    }

    #[test]
    fn a_bad_flag_value_names_the_flag() {
        let args = parse(&["--min-votes", "many"]).unwrap();
        let error = build_query(&args).unwrap_err().to_string();
        assert_eq!(
            error,
            "--min-votes: expected a non-negative whole number, got \"many\""
        );
        assert!(parse(&["--ties", "coin"]).is_err());
    }

    #[test]
    fn query_json_is_overridden_by_flags() {
        let args = parse(&[
            "--query-json",
            r#"{"queryType":"trend","minVotes":5,"refId":"A"}"#,
            "--min-votes",
            "7",
        ])
        .unwrap();
        let query = build_query(&args).unwrap();
        assert_eq!(query.query_type, arenawatt_engine::QueryType::Trend);
        assert_eq!(query.min_votes, 7);
    }
}
