//! Runs the real `arenawatt` binary in a test's folder and keeps everything it
//! printed, so a failed assertion can show the whole run. Each test file uses
//! only some of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What one run of the binary did.
pub struct Outcome {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "success: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.success, self.stdout, self.stderr
        )
    }
}

/// Runs `arenawatt ARGS` in `dir`, ignoring any `ARENAWATT_DB` of the caller.
pub fn arenawatt(dir: &Path, args: &[&str]) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_arenawatt"))
        .current_dir(dir)
        .env_remove("ARENAWATT_DB")
        .args(args)
        .output()
        .unwrap();
    Outcome {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs `arenawatt --db DB ARGS…` and returns its output; panics with
/// everything it printed when the exit status is not `success` or when the
/// binary panicked.
pub fn arenawatt_on(db: &Path, args: &[&str], success: bool) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_arenawatt"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the arenawatt binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() != success || stderr.contains("panicked") {
        panic!(
            "arenawatt {args:?} exited with {:?} (expected success = {success})\nstdout:\n{}\nstderr:\n{stderr}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
        );
    }
    output
}
