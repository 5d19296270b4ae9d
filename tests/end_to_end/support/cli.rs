//! The one CLI runner: runs the real `arenawatt` binary and keeps the exit
//! status and everything it printed in a [`Run`]. A failed assertion can show
//! the whole run with `{run}`.
#![allow(dead_code)]

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::process::{Command, ExitStatus};

pub const BIN: &str = env!("CARGO_BIN_EXE_arenawatt");

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    pub status: ExitStatus,
    /// The exit code, -1 when a signal ended the process.
    pub code: i32,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

fn run(mut command: Command, line: String) -> Run {
    let output = command
        .env_remove("ARENAWATT_DB")
        .output()
        .expect("the arenawatt binary runs");
    Run {
        command: line,
        status: output.status,
        code: output.status.code().unwrap_or(-1),
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `arenawatt ARGS` in `dir`, ignoring any `ARENAWATT_DB` of the caller.
pub fn arenawatt(dir: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args);
    run(command, format!("arenawatt {}", args.join(" ")))
}

/// Runs `arenawatt ARGS` in `dir` with extra environment variables.
pub fn arenawatt_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied());
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    run(
        command,
        format!("{} arenawatt {}", shown.join(" "), args.join(" ")),
    )
}

/// Runs `arenawatt --db DB ARGS…`; panics with everything it printed when
/// the exit status is not `success` or when the binary panicked.
pub fn arenawatt_on(db: &Path, args: &[&str], success: bool) -> Run {
    let mut command = Command::new(BIN);
    command.arg("--db").arg(db).args(args);
    let run = run(
        command,
        format!("arenawatt --db {} {}", db.display(), args.join(" ")),
    );
    if run.success != success || run.stderr.contains("panicked") {
        panic!("expected success = {success}:\n{run}");
    }
    run
}

/// Runs in `dir` and returns stdout; panics with everything printed on
/// failure.
pub fn run_ok(dir: &Path, args: &[&str]) -> String {
    let run = arenawatt(dir, args);
    assert!(run.success, "command failed:\n{run}");
    run.stdout
}

/// Runs a command expected to fail; returns (stdout, stderr).
pub fn run_err(dir: &Path, args: &[&str]) -> (String, String) {
    let run = arenawatt(dir, args);
    assert!(!run.success, "command should have failed:\n{run}");
    (run.stdout, run.stderr)
}

/// What a process that a test spawned itself printed, as text (lossy
/// UTF-8); a [`Run`] already holds text.
pub fn printed(output: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(output)
}
