//! The `arenawatt` command line.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = arenawatt::cli::Cli::parse();
    match arenawatt::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
