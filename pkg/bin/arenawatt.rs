//! The `arenawatt` command line: parses the flags, runs the command, and
//! prints an error's chain of causes once each.
//!
//! Output to a closed pipe (`arenawatt import … | head -1`) ends the process
//! quietly, as for any Unix filter: SIGPIPE gets its default action back
//! (Rust ignores it, which turns the next `println!` into a panic). Nothing
//! is lost by this: output is printed between transactions, so every file
//! is either imported whole or not at all.

use clap::Parser;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    let cli = arenawatt_cli::Cli::parse();
    match arenawatt_cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", arenawatt_cli::import::error_chain(&error));
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
fn restore_default_sigpipe() {
    // SAFETY: called first thing in `main`, before any other thread exists;
    // setting a signal's disposition to SIG_DFL installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_default_sigpipe() {}
