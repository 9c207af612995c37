//! `trustcheck`: the trust-policy rule of the Config rule, run in CI before anything is deployed:
//! on one policy, on templates, on Terraform plans and on whole accounts.

mod args;
mod commands;
mod error;
mod inputs;
mod render;
mod scan;

use std::{
    io::{self, BufWriter, Write},
    process::ExitCode,
};

use clap::{error::ErrorKind, Parser};
use trustcheck::Compliance;

// An account scan allocates and frees millions of small strings and vectors; mimalloc does that in
// about half the time glibc's malloc takes (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack the scan runs on. Reading a template recurses through its values (nested intrinsic
/// functions, CDK `CfnJson` values read inside one another), each kind bounded, but their bounds
/// multiply: a crafted template nests deeper than the main thread's 8 MiB allow. Reserved, not
/// used: a real template takes a few hundred kilobytes of it.
const STACK_BYTES: usize = 512 << 20;

fn main() -> ExitCode {
    match std::thread::Builder::new().stack_size(STACK_BYTES).spawn(run) {
        // A panic outside the engine's own guard has printed itself: an error exit.
        Ok(scan) => scan.join().unwrap_or(ExitCode::from(2)),
        // No room for that reserve (a tight `ulimit -v`): the main thread's, which every
        // template short of a crafted one fits.
        Err(_) => run(),
    }
}

fn run() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // Bare `trustcheck`: clap's first paragraph is then the tool's description.
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!(
                "trustcheck: a subcommand is needed: policy, template, terraform or account (see trustcheck --help)"
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            // One line on stderr: clap's first paragraph (what is wrong, and which arguments)
            // without its "error: " prefix, tips and usage.
            // clap's suggestion for a mistyped flag or value ("tip: a similar argument exists")
            // stays on the line.
            let text = e.to_string();
            let first: Vec<&str> = text.lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
            let first = first.join(" ");
            let first = if first.is_empty() { "invalid arguments" } else { &first };
            let tips: Vec<&str> = text.lines().map(str::trim).filter(|l| l.starts_with("tip:")).collect();
            let tips = if tips.is_empty() {
                String::new()
            } else {
                format!("; {}", tips.join("; "))
            };
            // The subcommand's help lists its flags.
            let subcommand = std::env::args_os()
                .skip(1)
                .filter_map(|a| a.into_string().ok())
                .find(|a| ["policy", "template", "terraform", "account"].contains(&a.as_str()));
            let help = subcommand.map_or_else(|| "trustcheck --help".to_owned(), |s| format!("trustcheck {s} --help"));
            eprintln!("trustcheck: {}{tips} (see {help})", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    // Buffered: a scan of thousands of roles is thousands of lines, and stdout flushes per line.
    let mut out = BufWriter::new(io::stdout().lock());
    let outcome = commands::run(&cli.command, &mut out).and_then(|compliance| match out.flush() {
        // The reader went away (`trustcheck … | head`): what it wanted was written, and the
        // verdict still decides the status (`set -o pipefail` must not pass a failing scan).
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(error::CliError::Write(e)),
        _ => Ok(compliance),
    });
    match outcome {
        Ok(Compliance::NonCompliant) => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever the cause printed (AWS errors can span lines).
            let text = error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
            // It may quote the input (a template's key): no escape sequence reaches the terminal.
            eprintln!("trustcheck: {}", render::shown(&text));
            ExitCode::from(2)
        }
    }
}
