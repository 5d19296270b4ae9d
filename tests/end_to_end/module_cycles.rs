//! No circles between modules: within each crate under `pkg/`, no module may
//! use a module that (directly or through others) uses it back, so each can
//! be read, tested and moved after the ones it builds on.
//!
//! The check reads the sources, not the compiler's view: every `use crate::…`
//! and `use super::…` (brace groups expanded) and every `crate::a::b` or
//! `super::a` path in code, outside comments and outside the `#[cfg(test)]`
//! module at the end of a file. A path names the longest module prefix it
//! has among the crate's files (`ingest/csv.rs` is `ingest::csv`). A module
//! using its parent, child or itself is not counted: a parent declares and
//! re-exports its children. A two-module circle is reported as the pair with
//! the lines that import each way; a longer one as the chain of modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside its crate: `["ingest", "csv"]`; the crate root is `[]`.
type ModulePath = Vec<String>;

/// Where an import of another module was seen: `file:line: text`.
type Evidence = String;

fn module_path(relative: &Path) -> ModulePath {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn show(module: &[String]) -> String {
    if module.is_empty() {
        "(crate root)".into()
    } else {
        module.join("::")
    }
}

/// The code of a file that is checked: comment lines blanked (line numbers
/// kept), and the trailing `#[cfg(test)] mod … { … }` dropped.
fn checked_code(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        if !line.trim_start().starts_with("//") {
            code.push_str(line);
        }
        code.push('\n');
    }
    let mut search = 0;
    while let Some(found) = code[search..].find("#[cfg(test)]") {
        let at = search + found;
        let rest = code[at + "#[cfg(test)]".len()..].trim_start();
        let block_module = rest.starts_with("mod ")
            && rest
                .find(['{', ';'])
                .is_some_and(|end| rest.as_bytes()[end] == b'{');
        if block_module {
            code.truncate(at);
            break;
        }
        search = at + 1;
    }
    code
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Expands a use tree (`super::{a, b::{c, d as e}}`) into paths.
fn expand_use_tree(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    expand_use_tree(prefix, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand_use_tree(prefix, &inner[start..], out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    match tree.split_once("::") {
        Some((head, rest)) => {
            let mut longer = prefix.to_vec();
            longer.push(head.trim().to_string());
            expand_use_tree(&longer, rest, out);
        }
        None => {
            let name = tree.split(" as ").next().unwrap_or(tree).trim();
            let mut path = prefix.to_vec();
            path.push(name.to_string());
            out.push(path);
        }
    }
}

/// Every `crate::`/`super::` path of `code`, with the line it starts on.
fn crate_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
    let mut paths = Vec::new();
    // `use` items, brace groups expanded.
    let mut search = 0;
    while let Some(found) = code[search..].find("use ") {
        let at = search + found;
        search = at + 4;
        let boundary = code[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !is_ident_char(c) && c != ':');
        if !boundary {
            continue;
        }
        let Some(length) = code[at..].find(';') else {
            break;
        };
        let mut expanded = Vec::new();
        expand_use_tree(&[], &code[at + 4..at + length], &mut expanded);
        paths.extend(expanded.into_iter().map(|p| (line_of(at), p)));
    }
    // Paths in expressions and types: `super::limits::check(…)`.
    for root in ["crate::", "super::"] {
        let mut search = 0;
        while let Some(found) = code[search..].find(root) {
            let at = search + found;
            search = at + root.len();
            let boundary = code[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !is_ident_char(c) && c != ':' && c != '$');
            if !boundary {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(is_ident_char(c) || c == ':'))
                .map_or(code.len(), |e| at + e);
            let segments: Vec<String> = code[at..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            paths.push((line_of(at), segments));
        }
    }
    paths
}

/// The module a path names, seen from `from`: the longest prefix of the
/// resolved path that is a module of the crate.
fn target_module(
    from: &[String],
    path: &[String],
    modules: &BTreeSet<ModulePath>,
) -> Option<ModulePath> {
    let (mut base, mut rest): (Vec<String>, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("super") => (from.to_vec(), path),
        _ => return None,
    };
    while rest.first().map(String::as_str) == Some("super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    (0..=base.len())
        .rev()
        .map(|k| base[..k].to_vec())
        .find(|prefix| modules.contains(prefix))
}

/// Edges `module → module it uses` of one crate, each with its evidence.
/// `files` maps a file (relative to `src`) to its text.
fn module_graph(
    files: &BTreeMap<PathBuf, String>,
) -> BTreeMap<ModulePath, BTreeMap<ModulePath, Evidence>> {
    let modules: BTreeSet<ModulePath> = files.keys().map(|f| module_path(f)).collect();
    let mut graph: BTreeMap<ModulePath, BTreeMap<ModulePath, Evidence>> = BTreeMap::new();
    for (file, text) in files {
        let from = module_path(file);
        let code = checked_code(text);
        for (line, path) in crate_paths(&code) {
            let Some(to) = target_module(&from, &path, &modules) else {
                continue;
            };
            let related = to.starts_with(&from) || from.starts_with(&to);
            if related {
                continue;
            }
            let text = text.lines().nth(line - 1).unwrap_or("").trim();
            graph
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert_with(|| format!("{}:{line}: {text}", file.display()));
        }
    }
    graph
}

/// The circles of a graph, in words: each pair that uses each other, with
/// both lines, then each longer chain that comes back to its start.
fn circles(graph: &BTreeMap<ModulePath, BTreeMap<ModulePath, Evidence>>) -> Vec<String> {
    let mut found = Vec::new();
    for (a, uses) in graph {
        for (b, a_to_b) in uses {
            if a < b {
                if let Some(b_to_a) = graph.get(b).and_then(|u| u.get(a)) {
                    found.push(format!(
                        "{} and {} use each other:\n    {a_to_b}\n    {b_to_a}",
                        show(a),
                        show(b)
                    ));
                }
            }
        }
    }
    // Longer circles: a depth-first search from every module, reporting each
    // circle once (from its smallest module) and skipping the pairs above.
    for start in graph.keys() {
        let mut stack: Vec<(ModulePath, Vec<ModulePath>)> =
            vec![(start.clone(), vec![start.clone()])];
        let mut seen: BTreeSet<ModulePath> = BTreeSet::new();
        while let Some((module, chain)) = stack.pop() {
            for next in graph.get(&module).into_iter().flat_map(|u| u.keys()) {
                if next == start && chain.len() > 2 {
                    let mut words: Vec<String> = chain.iter().map(|m| show(m)).collect();
                    words.push(show(start));
                    found.push(format!("circle: {}", words.join(" -> ")));
                } else if next > start && seen.insert(next.clone()) {
                    let mut longer = chain.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found
}

fn rust_files(src: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                let relative = path.strip_prefix(src).unwrap_or(&path).to_path_buf();
                files.insert(relative, text);
            }
        }
    }
    files
}

#[test]
fn no_module_of_any_crate_uses_a_module_that_uses_it_back() {
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg");
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(&pkg).expect("pkg/ lists") {
        let folder = entry.expect("pkg/ entry").path();
        if folder.join("Cargo.toml").is_file() && folder.join("src").is_dir() {
            crates.push(folder);
        }
    }
    crates.sort();
    assert!(
        crates.len() >= 6,
        "expected the workspace's crates under {}, found {crates:?}",
        pkg.display()
    );
    let mut problems = Vec::new();
    let mut edges = 0;
    for folder in &crates {
        let graph = module_graph(&rust_files(&folder.join("src")));
        edges += graph.values().map(BTreeMap::len).sum::<usize>();
        let name = folder.file_name().unwrap_or_default().to_string_lossy();
        for circle in circles(&graph) {
            problems.push(format!("pkg/{name}: {circle}"));
        }
    }
    // The reader found the crates' imports at all (the engine alone has dozens).
    assert!(
        edges > 50,
        "only {edges} imports between modules were found"
    );
    assert!(
        problems.is_empty(),
        "modules that import each other:\n{}",
        problems.join("\n")
    );
}

fn files(list: &[(&str, &str)]) -> BTreeMap<PathBuf, String> {
    list.iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_string()))
        .collect()
}

#[test]
fn a_pair_that_imports_each_other_is_named_with_both_lines() {
    let crate_files = files(&[
        ("lib.rs", "pub mod resolve;\npub mod regression;\npub mod model;\n"),
        (
            "resolve.rs",
            "//! Uses regression::METRICS in a comment: not counted.\nuse super::model::Query;\nfn check() { let _ = super::regression::METRICS; }\n",
        ),
        (
            "regression.rs",
            "use super::{model, resolve::{canonical_model, ResolvedQuery as Resolved}};\n",
        ),
        ("model.rs", "pub struct Query;\n#[cfg(test)]\nmod tests {\n    use crate::resolve::check;\n}\n"),
    ]);
    let found = circles(&module_graph(&crate_files));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("regression and resolve use each other"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("resolve.rs:3:"), "{}", found[0]);
    assert!(found[0].contains("regression.rs:1:"), "{}", found[0]);
}

#[test]
fn a_longer_circle_is_named_as_a_chain_and_parents_do_not_count() {
    let crate_files = files(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use a::A;\n"),
        ("a.rs", "use crate::b::B;\nuse super::A as Parent;\n"),
        ("b.rs", "use crate::c::C;\n"),
        ("c.rs", "use crate::a::A;\n"),
        ("ingest/mod.rs", "mod csv;\nuse csv::Reader;\n"),
        ("ingest/csv.rs", "use super::Options;\nuse crate::a::A;\n"),
    ]);
    let found = circles(&module_graph(&crate_files));
    assert_eq!(found, vec!["circle: a -> b -> c -> a".to_string()]);
}
