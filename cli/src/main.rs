//! `trustcheck`: the trust-policy rule of the Config rule, run in CI before anything is deployed.

mod render;

use std::{
    io::{self, IsTerminal, Read, Write},
    path::PathBuf,
    process::ExitCode,
};

use clap::{error::ErrorKind, Parser, Subcommand, ValueEnum};
use trustcheck::{check, suggested_policy, Compliance, Role, RuleParams};

#[derive(Parser)]
#[command(
    name = "trustcheck",
    version,
    about = "Finds IAM role trust policies that break Lambda or let strangers in."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate one trust policy document (JSON or percent-encoded JSON).
    Policy(PolicyArgs),
}

#[derive(clap::Args)]
struct PolicyArgs {
    /// The role's account (default: from --role-arn or the function ARNs).
    #[arg(long, value_parser = account_id)]
    account_id: Option<String>,
    /// The role's ARN: its account, path and name.
    #[arg(long, value_parser = arn_of("iam", ":role/"))]
    role_arn: Option<String>,
    /// A function that uses the role as its execution role (repeatable).
    #[arg(long = "lambda-function", value_name = "ARN", value_parser = arn_of("lambda", ":function:"))]
    lambda_functions: Vec<String>,
    /// Rule parameters as JSON, as the Config rule's InputParameters.
    #[arg(long, value_name = "JSON")]
    params: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The policy file, or - for standard input.
    #[arg(default_value = "-")]
    file: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|c| c.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("an account id is 12 digits".to_owned())
    }
}

fn arn_of(service: &'static str, marker: &'static str) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |text: &str| {
        let service_part = text.split(':').nth(2);
        if text.starts_with("arn:") && service_part == Some(service) && text.contains(marker) {
            Ok(text.to_owned())
        } else {
            Err(format!("expected an ARN like arn:aws:{service}:…{marker}NAME"))
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line on stderr: clap's first line without its "error: " prefix.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "trustcheck: {} (see trustcheck --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    let Command::Policy(args) = cli.command;
    match run_policy(&args, &mut io::stdout().lock()) {
        Ok(Compliance::NonCompliant) => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("trustcheck: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_policy(args: &PolicyArgs, out: &mut impl Write) -> Result<Compliance, String> {
    let params = match &args.params {
        Some(json) => RuleParams::from_json(json).map_err(|e| format!("--params: {e}"))?,
        None => RuleParams::default(),
    };
    let (document, source) = read_input(&args.file)?;
    let role = Role {
        arn: args.role_arn.clone(),
        account_id: args.account_id.clone(),
        functions: args.lambda_functions.clone(),
        ..Role::default()
    };
    let verdict = check(&document, &role, &params);
    let fixed = suggested_policy(&document, &role, &params);
    let written = match args.format {
        Format::Json => render::json(out, &verdict, fixed.as_ref()),
        Format::Sarif => render::sarif(out, &verdict, &source, &document),
        Format::Text => {
            let colour = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::text(out, &verdict, fixed.as_ref(), &source, colour)
        }
    };
    written.map_err(|e| format!("cannot write the report: {e}"))?;
    Ok(verdict.compliance)
}

/// The document and the name to show for it.
fn read_input(path: &PathBuf) -> Result<(String, String), String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok((text, "stdin".to_owned()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok((text, path.display().to_string()))
}
