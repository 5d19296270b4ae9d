//! Keeps the frontend's `src/types.ts` in step with the Rust query model.
//!
//! The query JSON has one source of truth, `pkg/query/model.rs`; the frontend
//! mirrors it by hand. This test reads the literals of `types.ts` (the default
//! query, the default settings and the lists of enum values) and compares them
//! with what serde produces for the Rust types, so a key or a value added,
//! renamed or removed on one side only fails here, naming the difference. It
//! also checks the settings keys and resource names against the plugin.

use std::collections::BTreeSet;
use std::path::PathBuf;

use arenawatt::catalog::{Architecture, License, SizeClass};
use arenawatt::energy::Methodology;
use arenawatt::query::{GroupBy, Query, QueryDefaults, QueryType, Step, VariableOf, Window};
use arenawatt::rating::{CiMethod, TiePolicy};
use serde_json::Value;

mod ts_literal {
    //! Just enough of TypeScript's literal syntax to read `export const NAME = <literal>`:
    //! objects with identifier keys, arrays, single- or double-quoted strings,
    //! numbers, `true`, `false` and `null`, with `//` comments and trailing commas.

    use serde_json::{Map, Number, Value};

    pub fn exported_const(source: &str, name: &str) -> Result<Value, String> {
        let marker = format!("export const {name}");
        let start = source
            .find(&marker)
            .ok_or_else(|| format!("no `{marker}` in src/types.ts"))?;
        let rest = &source[start + marker.len()..];
        // Skip a type annotation: the literal starts after the first `=` that is
        // followed by `{` or `[`.
        let mut search = 0;
        let body = loop {
            let eq = rest[search..]
                .find('=')
                .ok_or_else(|| format!("`{name}` has no literal value"))?
                + search;
            let after = rest[eq + 1..].trim_start();
            if after.starts_with('{') || after.starts_with('[') {
                break after;
            }
            search = eq + 1;
        };
        let mut parser = Parser {
            text: body.as_bytes(),
            pos: 0,
        };
        parser
            .value()
            .map_err(|e| format!("{name}: {e} at byte {}", parser.pos))
    }

    struct Parser<'a> {
        text: &'a [u8],
        pos: usize,
    }

    impl Parser<'_> {
        fn skip(&mut self) {
            loop {
                while self.pos < self.text.len() && self.text[self.pos].is_ascii_whitespace() {
                    self.pos += 1;
                }
                if self.text[self.pos..].starts_with(b"//") {
                    while self.pos < self.text.len() && self.text[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                } else {
                    return;
                }
            }
        }

        fn peek(&mut self) -> Option<u8> {
            self.skip();
            self.text.get(self.pos).copied()
        }

        fn expect(&mut self, byte: u8) -> Result<(), String> {
            if self.peek() == Some(byte) {
                self.pos += 1;
                Ok(())
            } else {
                Err(format!("expected {:?}", byte as char))
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            match self.peek() {
                Some(b'{') => self.object(),
                Some(b'[') => self.array(),
                Some(b'\'') | Some(b'"') => self.string().map(Value::String),
                Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
                Some(_) => {
                    let word = self.identifier()?;
                    match word.as_str() {
                        "true" => Ok(Value::Bool(true)),
                        "false" => Ok(Value::Bool(false)),
                        "null" => Ok(Value::Null),
                        other => Err(format!("unsupported value {other:?} (use a plain literal)")),
                    }
                }
                None => Err("unexpected end".into()),
            }
        }

        fn object(&mut self) -> Result<Value, String> {
            self.expect(b'{')?;
            let mut map = Map::new();
            loop {
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                let key = match self.peek() {
                    Some(b'\'') | Some(b'"') => self.string()?,
                    _ => self.identifier()?,
                };
                self.expect(b':')?;
                let value = self.value()?;
                if map.insert(key.clone(), value).is_some() {
                    return Err(format!("duplicate key {key:?}"));
                }
                if self.peek() == Some(b',') {
                    self.pos += 1;
                }
            }
        }

        fn array(&mut self) -> Result<Value, String> {
            self.expect(b'[')?;
            let mut items = Vec::new();
            loop {
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                items.push(self.value()?);
                if self.peek() == Some(b',') {
                    self.pos += 1;
                }
            }
        }

        fn string(&mut self) -> Result<String, String> {
            let quote = self.text[self.pos];
            self.pos += 1;
            let start = self.pos;
            while self.pos < self.text.len() && self.text[self.pos] != quote {
                if self.text[self.pos] == b'\\' {
                    return Err("escapes are not supported".into());
                }
                self.pos += 1;
            }
            let text = std::str::from_utf8(&self.text[start..self.pos])
                .map_err(|e| e.to_string())?
                .to_string();
            self.pos += 1;
            Ok(text)
        }

        fn number(&mut self) -> Result<Value, String> {
            let start = self.pos;
            while self.pos < self.text.len()
                && matches!(
                    self.text[self.pos],
                    b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                )
            {
                self.pos += 1;
            }
            let text =
                std::str::from_utf8(&self.text[start..self.pos]).map_err(|e| e.to_string())?;
            if let Ok(n) = text.parse::<u64>() {
                return Ok(Value::Number(n.into()));
            }
            let f: f64 = text.parse().map_err(|_| format!("bad number {text:?}"))?;
            Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("bad number {text:?}"))
        }

        fn identifier(&mut self) -> Result<String, String> {
            self.skip();
            let start = self.pos;
            while self.pos < self.text.len()
                && (self.text[self.pos].is_ascii_alphanumeric() || self.text[self.pos] == b'_')
            {
                self.pos += 1;
            }
            if start == self.pos {
                return Err("expected an identifier".into());
            }
            Ok(String::from_utf8_lossy(&self.text[start..self.pos]).into_owned())
        }
    }
}

fn read_source(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn ts_const_in(file: &str, name: &str) -> Value {
    ts_literal::exported_const(&read_source(file), name).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn ts_const(name: &str) -> Value {
    ts_const_in("src/types.ts", name)
}

fn ts_strings(name: &str) -> Vec<String> {
    strings_of(name, ts_const(name))
}

fn strings_of(name: &str, value: Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => panic!("src/types.ts: {name} holds a non-string {other}"),
            })
            .collect(),
        other => panic!("src/types.ts: {name} is not an array: {other}"),
    }
}

fn serde_names<T: serde::Serialize>(values: &[T]) -> Vec<String> {
    values
        .iter()
        .map(|v| match serde_json::to_value(v) {
            Ok(Value::String(s)) => s,
            other => panic!("enum value does not serialise to a string: {other:?}"),
        })
        .collect()
}

/// Compares two objects key by key and lists every difference.
fn object_differences(rust: &Value, ts: &Value) -> Vec<String> {
    let (Value::Object(rust), Value::Object(ts)) = (rust, ts) else {
        return vec![format!("not two objects: rust {rust}, ts {ts}")];
    };
    let keys: BTreeSet<&String> = rust.keys().chain(ts.keys()).collect();
    let mut differences = Vec::new();
    for key in keys {
        match (rust.get(key), ts.get(key)) {
            (Some(_), None) => differences.push(format!("{key}: in Rust, missing from types.ts")),
            (None, Some(_)) => differences.push(format!("{key}: in types.ts, unknown to Rust")),
            (Some(r), Some(t)) if !same_value(r, t) => {
                differences.push(format!("{key}: Rust default {r}, types.ts default {t}"))
            }
            _ => {}
        }
    }
    differences
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        _ => a == b,
    }
}

#[test]
fn default_query_keys_and_values_match_the_rust_query_model() {
    let rust = serde_json::to_value(Query::default()).expect("Query serialises");
    let ts = ts_const("DEFAULT_QUERY");
    let differences = object_differences(&rust, &ts);
    assert!(
        differences.is_empty(),
        "src/types.ts DEFAULT_QUERY drifted from pkg/query/model.rs Query:\n  {}\nrust: {rust}\nts:   {ts}",
        differences.join("\n  ")
    );
}

#[test]
fn default_settings_match_query_defaults_plus_the_store_path() {
    let mut rust =
        serde_json::to_value(QueryDefaults::default()).expect("QueryDefaults serialises");
    // `path` is the plugin's own setting (the store); every other key is a query default.
    rust.as_object_mut()
        .expect("QueryDefaults is an object")
        .insert("path".into(), Value::String(String::new()));
    // `readOnly` is the plugin's too: how the store file is opened.
    rust.as_object_mut()
        .expect("QueryDefaults is an object")
        .insert("readOnly".into(), Value::Bool(false));
    let ts = ts_const("DEFAULT_SETTINGS");
    let differences = object_differences(&rust, &ts);
    assert!(
        differences.is_empty(),
        "src/types.ts DEFAULT_SETTINGS drifted from pkg/query/mod.rs QueryDefaults:\n  {}\nrust: {rust}\nts:   {ts}",
        differences.join("\n  ")
    );
}

#[test]
fn default_settings_are_the_keys_the_plugin_reads() {
    let ts: BTreeSet<String> = ts_const("DEFAULT_SETTINGS")
        .as_object()
        .expect("DEFAULT_SETTINGS is an object")
        .keys()
        .cloned()
        .collect();
    let plugin: BTreeSet<String> = arenawatt::plugin::settings::SETTING_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        ts, plugin,
        "src/types.ts DEFAULT_SETTINGS vs pkg/plugin/settings.rs SETTING_KEYS"
    );
}

#[test]
fn the_editors_ask_only_for_resources_the_plugin_serves() {
    let wanted = strings_of("RESOURCES", ts_const_in("src/resources.ts", "RESOURCES"));
    let served: Vec<&str> = arenawatt::plugin::resources::LIST_RESOURCES
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|w| !served.contains(&w.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "src/resources.ts asks for {missing:?}, which pkg/plugin/resources.rs does not serve ({served:?})"
    );
}

#[test]
fn list_keys_are_exactly_the_keys_with_list_values() {
    let rust = serde_json::to_value(Query::default()).expect("Query serialises");
    let rust_lists: BTreeSet<String> = rust
        .as_object()
        .expect("Query is an object")
        .iter()
        .filter(|(_, v)| v.is_array())
        .map(|(k, _)| k.clone())
        .collect();
    let ts_lists: BTreeSet<String> = ts_strings("LIST_KEYS").into_iter().collect();
    assert_eq!(rust_lists, ts_lists, "LIST_KEYS in src/types.ts");
}

/// Each list below is built with an exhaustive `match`, so a variant added in
/// Rust stops this test from compiling until it is listed here (and, through
/// the comparison, in `types.ts`).
fn all_ties() -> Vec<TiePolicy> {
    let all = vec![TiePolicy::Half, TiePolicy::Drop, TiePolicy::Davidson];
    for t in &all {
        match t {
            TiePolicy::Half | TiePolicy::Drop | TiePolicy::Davidson => {}
        }
    }
    all
}

fn all_ci_methods() -> Vec<CiMethod> {
    let all = vec![
        CiMethod::Sandwich,
        CiMethod::Fisher,
        CiMethod::Bootstrap,
        CiMethod::None,
    ];
    for c in &all {
        match c {
            CiMethod::Sandwich | CiMethod::Fisher | CiMethod::Bootstrap | CiMethod::None => {}
        }
    }
    all
}

fn all_windows() -> Vec<Window> {
    let all = vec![
        Window::All,
        Window::Range,
        Window::Cumulative,
        Window::Rolling,
    ];
    for w in &all {
        match w {
            Window::All | Window::Range | Window::Cumulative | Window::Rolling => {}
        }
    }
    all
}

fn all_steps() -> Vec<Step> {
    let all = vec![Step::Day, Step::Week, Step::Auto];
    for s in &all {
        match s {
            Step::Day | Step::Week | Step::Auto => {}
        }
    }
    all
}

fn all_group_bys() -> Vec<GroupBy> {
    let all = vec![GroupBy::Model, GroupBy::Total];
    for g in &all {
        match g {
            GroupBy::Model | GroupBy::Total => {}
        }
    }
    all
}

fn all_variable_ofs() -> Vec<VariableOf> {
    use VariableOf::*;
    let all = vec![
        Sources,
        Organizations,
        Licenses,
        Architectures,
        Sizes,
        Models,
        Methodologies,
        Zones,
    ];
    for v in &all {
        match v {
            Sources | Organizations | Licenses | Architectures | Sizes | Models | Methodologies
            | Zones => {}
        }
    }
    all
}

fn all_architectures() -> Vec<Architecture> {
    use Architecture::*;
    let all = vec![Dense, Moe, Matformer, Unknown];
    for a in &all {
        match a {
            Dense | Moe | Matformer | Unknown => {}
        }
    }
    all
}

fn all_size_classes() -> Vec<SizeClass> {
    use SizeClass::*;
    let all = vec![XS, S, M, L, XL];
    for s in &all {
        match s {
            XS | S | M | L | XL => {}
        }
    }
    all
}

/// The values of the `licenses` filter: `License::kind` of each variant.
fn all_license_kinds() -> Vec<String> {
    let all = vec![License::Open("Apache 2.0".into()), License::Proprietary];
    for l in &all {
        match l {
            License::Open(_) | License::Proprietary => {}
        }
    }
    all.iter().map(|l| l.kind().to_string()).collect()
}

#[test]
fn enum_values_match_the_rust_enums() {
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("QUERY_TYPES", serde_names(&QueryType::ALL)),
        ("TIE_POLICIES", serde_names(&all_ties())),
        ("CI_METHODS", serde_names(&all_ci_methods())),
        ("METHODOLOGIES", serde_names(&Methodology::ALL)),
        ("WINDOWS", serde_names(&all_windows())),
        ("STEPS", serde_names(&all_steps())),
        ("GROUP_BYS", serde_names(&all_group_bys())),
        ("VARIABLE_OFS", serde_names(&all_variable_ofs())),
        (
            "ARCHITECTURES",
            all_architectures()
                .iter()
                .map(|a| a.name().to_string())
                .collect(),
        ),
        (
            "SIZE_CLASSES",
            all_size_classes()
                .iter()
                .map(|s| s.name().to_string())
                .collect(),
        ),
        ("LICENSE_KINDS", all_license_kinds()),
    ];
    let mut failures = Vec::new();
    for (name, rust) in cases {
        let ts = ts_strings(name);
        if ts != rust {
            failures.push(format!("{name}: Rust {rust:?}, types.ts {ts:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "enum values drifted:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn query_type_names_agree_with_their_serde_names() {
    // The CLI prints `QueryType::name`; Grafana sends the serde name. They must be one vocabulary.
    for query_type in QueryType::ALL {
        assert_eq!(
            serde_names(&[query_type]),
            vec![query_type.name().to_string()]
        );
    }
}

#[test]
fn the_literal_reader_rejects_what_it_cannot_read() {
    // The drift checks are only as good as the reader: make sure it fails loudly.
    let bad = [
        ("export const X = { a: someVariable };", "unsupported value"),
        ("export const X = { a: 1, a: 2 };", "duplicate key"),
        ("const Y = [];", "no `export const X`"),
        ("export const X = { a: 'x\\'y' };", "escapes"),
    ];
    for (source, expected) in bad {
        let error = ts_literal::exported_const(source, "X").expect_err(source);
        assert!(error.contains(expected), "{source}: {error}");
    }
    let good = ts_literal::exported_const(
        "export const X: Record<string, unknown> = {\n  // comment\n  a: 'q', b: -1.5, c: [\"x\", 2,], d: null, e: true,\n};",
        "X",
    )
    .expect("plain literal");
    assert_eq!(
        good,
        serde_json::json!({"a": "q", "b": -1.5, "c": ["x", 2], "d": null, "e": true})
    );
}
