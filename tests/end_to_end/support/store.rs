//! Temporary stores: a fresh scratch folder per test, and the demo store
//! built once per test binary with `arenawatt demo`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::cli::run_ok;

/// A scratch folder under cargo's test tmp dir, fresh for this name.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("arenawatt-query-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The demo store, built once per test binary with `arenawatt demo`, and
/// what the command printed.
pub fn demo_store() -> &'static (PathBuf, String) {
    static STORE: OnceLock<(PathBuf, String)> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = scratch(&format!("demo-{}", std::process::id()));
        let stdout = run_ok(&dir, &["demo", "--store", "demo.db"]);
        (dir.join("demo.db"), stdout)
    })
}
