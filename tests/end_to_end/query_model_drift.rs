//! Keeps the committed query-model schema, the plugin and the model-row
//! column registry in step with the Rust code.
//!
//! The query JSON has one source of truth, the engine's query model
//! (`pkg/engine/src/model.rs`, `keys.rs`, `columns.rs`). `arenawatt schema`
//! prints it as JSON, committed as `src/generated/queryModel.json`; the jest
//! test `src/types.test.ts` compares `src/types.ts` (the default query, the
//! default settings, the value lists, the resources it asks for) with that
//! file. This test checks the other half: that the committed file is what the
//! real binary prints now, and that the plugin's settings keys and resources
//! agree with the schema. Together they fail when a key or value is added,
//! renamed or removed on one side only.
//!
//! It also checks, on the real demo data, that the frame fields, the CSV
//! header and the JSON keys of model rows are the column registry's names in
//! the registry's order.

use crate::support::plugin;
use std::path::Path;

use std::collections::BTreeSet;
use std::path::PathBuf;

use arenawatt::query::columns::{csv_columns, MODEL_COLUMNS};
use arenawatt::query::schema::{query_model_schema, query_model_schema_text, SCHEMA_FILE};
use arenawatt::query::{Query, QueryType};
use serde_json::{json, Value};

fn committed_schema_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_FILE);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run `arenawatt schema > {SCHEMA_FILE}`",
            path.display()
        )
    })
}

fn committed_schema() -> Value {
    serde_json::from_str(&committed_schema_text()).unwrap_or_else(|e| {
        panic!("{SCHEMA_FILE} is not JSON ({e}); run `arenawatt schema > {SCHEMA_FILE}`")
    })
}

fn run_arenawatt(args: &[&str]) -> String {
    crate::support::cli::run_ok(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// The top-level sections in which two schemas differ.
fn differing_sections(now: &Value, committed: &Value) -> Vec<String> {
    let (Value::Object(now), Value::Object(committed)) = (now, committed) else {
        return vec!["the file is not a JSON object".into()];
    };
    let sections: BTreeSet<&String> = now.keys().chain(committed.keys()).collect();
    sections
        .into_iter()
        .filter(|s| now.get(*s) != committed.get(*s))
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn the_committed_schema_is_what_arenawatt_schema_prints_now() {
    let printed = run_arenawatt(&["schema"]);
    assert_eq!(
        printed,
        query_model_schema_text(),
        "`arenawatt schema` prints something other than the engine's schema"
    );
    let committed = committed_schema();
    let stale = differing_sections(&query_model_schema(), &committed);
    assert!(
        stale.is_empty() && committed_schema_text() == printed,
        "{SCHEMA_FILE} is stale (sections {stale:?} differ from the code): run `arenawatt schema > {SCHEMA_FILE}`, then make src/types.ts agree (npx jest src/types.test.ts)"
    );
}

#[test]
fn the_schema_default_query_is_the_serde_default_of_query() {
    let rust = serde_json::to_value(Query::default()).expect("Query serialises");
    assert_eq!(
        committed_schema()["defaultQuery"],
        rust,
        "{SCHEMA_FILE} defaultQuery vs pkg/engine/src/model.rs Query::default(): run `arenawatt schema > {SCHEMA_FILE}`"
    );
}

#[test]
fn list_keys_are_exactly_the_keys_with_list_values() {
    let schema = committed_schema();
    let with_list_defaults: BTreeSet<String> = schema["defaultQuery"]
        .as_object()
        .expect("defaultQuery is an object")
        .iter()
        .filter(|(_, v)| v.is_array())
        .map(|(k, _)| k.clone())
        .collect();
    let of_kind_list: BTreeSet<String> = schema["keys"]
        .as_array()
        .expect("keys is a list")
        .iter()
        .filter(|k| k["kind"] == "list")
        .map(|k| k["key"].as_str().expect("key name").to_string())
        .collect();
    assert_eq!(
        with_list_defaults, of_kind_list,
        "keys with list defaults vs keys of kind list in pkg/engine/src/keys.rs"
    );
}

/// `path` and `readOnly` are the plugin's own settings (which store, and how
/// to open it); every other setting is a query default. `src/types.test.ts`
/// checks `DEFAULT_SETTINGS` against the same split.
const PLUGIN_ONLY_SETTINGS: [&str; 2] = ["path", "readOnly"];

#[test]
fn the_plugin_reads_the_schema_settings_plus_its_own() {
    let mut expected: BTreeSet<String> = committed_schema()["settingsDefaults"]
        .as_object()
        .expect("settingsDefaults is an object")
        .keys()
        .cloned()
        .collect();
    expected.extend(PLUGIN_ONLY_SETTINGS.map(str::to_string));
    let plugin: BTreeSet<String> = arenawatt::plugin::settings::SETTING_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        plugin, expected,
        "pkg/grafana/src/plugin/settings.rs SETTING_KEYS vs {SCHEMA_FILE} settingsDefaults plus {PLUGIN_ONLY_SETTINGS:?}"
    );
}

#[test]
fn the_plugin_serves_a_list_resource_for_every_variable_query() {
    // src/types.test.ts checks that src/resources.ts asks only for these names.
    let variable_ofs: Vec<String> = committed_schema()["enums"]["variableOfs"]
        .as_array()
        .expect("variableOfs is a list")
        .iter()
        .map(|v| v.as_str().expect("a name").to_string())
        .collect();
    let mut served = Vec::new();
    for (name, of) in arenawatt::plugin::resources::LIST_RESOURCES {
        assert_eq!(
            serde_json::to_value(of).expect("VariableOf serialises"),
            json!(name),
            "resource {name:?} lists another variable"
        );
        served.push(name.to_string());
    }
    let served: BTreeSet<String> = served.into_iter().collect();
    let variable_ofs: BTreeSet<String> = variable_ofs.into_iter().collect();
    assert_eq!(
        served, variable_ofs,
        "pkg/grafana/src/plugin/resources.rs LIST_RESOURCES vs {SCHEMA_FILE} enums.variableOfs"
    );
}

#[test]
fn query_type_names_agree_with_their_serde_names() {
    // The CLI prints `QueryType::name`; Grafana sends the serde name. They must be one vocabulary.
    for query_type in QueryType::ALL {
        assert_eq!(
            serde_json::to_value(query_type).expect("QueryType serialises"),
            json!(query_type.name())
        );
    }
}

/// The keys of each model row of `arenawatt query --format json`, in the
/// order they were written (`serde_json::Value` would sort them).
fn row_keys_in_order(text: &str) -> Vec<Vec<String>> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(Keys(keys))
                }
            }
            deserializer.deserialize_map(Visitor)
        }
    }
    #[derive(serde::Deserialize)]
    struct Models {
        rows: Vec<Keys>,
    }
    let models: Models =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not a models result ({e}):\n{text}"));
    models.rows.into_iter().map(|Keys(keys)| keys).collect()
}

#[tokio::test]
async fn frame_fields_csv_header_and_json_keys_are_the_registry_names_in_order() {
    let registry: Vec<String> = MODEL_COLUMNS.iter().map(|c| c.name.to_string()).collect();
    let plugin = plugin::Plugin::start();
    let responses = plugin::demo_queries(
        &plugin,
        &[
            ("L", json!({"queryType": "leaderboard"})),
            ("S", json!({"queryType": "scatter"})),
        ],
    )
    .await;
    let leaderboard = &plugin::frames_of(&responses, "L")[0];
    assert!(
        leaderboard.rows >= 10,
        "leaderboard has {} rows",
        leaderboard.rows
    );
    assert_eq!(
        leaderboard.field_names(),
        registry,
        "leaderboard frame fields"
    );
    let scatter = &plugin::frames_of(&responses, "S")[0];
    let mut with_point_size = registry.clone();
    with_point_size.push("point_size".into());
    assert_eq!(
        scatter.field_names(),
        with_point_size,
        "scatter frame fields: the registry, then point_size"
    );

    // The CLI on the store the plugin just answered from.
    let store = plugin::demo_store_path();
    let store = store.to_str().expect("utf-8 path");
    let csv = run_arenawatt(&[
        "--db",
        store,
        "query",
        "--type",
        "leaderboard",
        "--format",
        "csv",
    ]);
    let header = csv.lines().next().expect("a CSV header");
    let csv_names: Vec<&str> = csv_columns().map(|c| c.name).collect();
    assert_eq!(header, csv_names.join(","), "CSV header");
    assert_eq!(
        csv.lines().count(),
        leaderboard.rows + 1,
        "one CSV line per row:\n{csv}"
    );

    let json = run_arenawatt(&[
        "--db",
        store,
        "query",
        "--type",
        "leaderboard",
        "--format",
        "json",
    ]);
    let rows = row_keys_in_order(&json);
    assert_eq!(rows.len(), leaderboard.rows);
    for keys in rows {
        assert_eq!(keys, registry, "JSON keys of a model row");
    }
}
