//! Runs the real `arenawatt` binary in a test's folder and keeps everything it
//! printed, so a failed assertion can show the whole run.

use std::path::Path;
use std::process::Command;

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
