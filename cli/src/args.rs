//! The command line: subcommands, flags and their validation.

use std::path::PathBuf;

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use trustcheck::Severity;

#[derive(Parser)]
#[command(
    name = "trustcheck",
    version,
    about = "Finds IAM role trust policies that break Lambda or let strangers in."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Evaluate one trust policy document (JSON or percent-encoded JSON).
    Policy(PolicyArgs),
    /// Evaluate every role of CloudFormation or SAM templates (JSON or YAML).
    Template(TemplateArgs),
    /// Evaluate every aws_iam_role of Terraform plans (terraform show -json).
    Terraform(TerraformArgs),
    /// Evaluate every role of an account: offline from authorization details, or --live.
    Account(AccountArgs),
}

/// How findings are judged and printed; shared by every subcommand.
#[derive(clap::Args)]
pub(crate) struct RuleArgs {
    /// Rule parameters as JSON, as the Config rule's InputParameters.
    #[arg(long, value_name = "JSON")]
    pub params: Option<String>,
    /// Exit 1 when a finding at or above this severity counts: LOW, MEDIUM, HIGH or CRITICAL
    /// (sets nonCompliantAt; default: nonCompliantAt of --params, else MEDIUM).
    #[arg(long, value_name = "SEVERITY", value_parser = severity)]
    pub fail_on: Option<Severity>,
    /// Output format.
    #[arg(long, value_enum, ignore_case = true, default_value_t = Format::Text)]
    pub format: Format,
    /// Scans only (template, terraform, account; refused by policy): an earlier `--format json`
    /// report whose findings are accepted (listed as skipped); only new findings count and fail
    /// the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE (repeatable: `--output sarif=trustcheck.sarif
    /// --output json=report.json`), besides --format on standard output; never an input, nor a
    /// file named twice.
    #[arg(long = "output", value_name = "FORMAT=FILE", value_parser = output)]
    pub outputs: Vec<(Format, PathBuf)>,
    /// Judge time conditions (aws:CurrentTime, aws:EpochTime) as of TIME instead of now: an ISO
    /// 8601 date or time (2026-12-01, 2026-12-01T09:30:00Z) or epoch seconds. Reproduces a
    /// report, or looks ahead (a trust window that will have closed).
    #[arg(long, value_name = "TIME", value_parser = moment)]
    pub at: Option<i64>,
}

#[derive(clap::Args)]
pub(crate) struct PolicyArgs {
    /// The role's account (default: from --role-arn or the function ARNs).
    #[arg(long, value_parser = account_id)]
    pub account_id: Option<String>,
    /// The role's ARN: its account, path and name.
    #[arg(long, value_parser = arn_of("iam", ":role/"))]
    pub role_arn: Option<String>,
    /// A function that uses the role as its execution role (repeatable).
    #[arg(long = "lambda-function", value_name = "ARN", value_parser = arn_of("lambda", ":function:"))]
    pub lambda_functions: Vec<String>,
    #[command(flatten)]
    pub rule: RuleArgs,
    /// The policy file, or - for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,
}

/// Where a template or plan would be deployed: the account and region of what it creates.
#[derive(clap::Args)]
pub(crate) struct StackArgs {
    /// The account deployed to: a template's AWS::AccountId, a plan's new roles and functions
    /// (default: templates use the placeholder 123456789012, plans their aws_caller_identity or a
    /// known ARN; either is noted).
    #[arg(long, value_parser = account_id)]
    pub account_id: Option<String>,
    /// The region deployed to: a template's AWS::Region, a plan's resources whose provider
    /// doesn't say (default: us-east-1, which then decides no template condition).
    #[arg(long, value_parser = region)]
    pub region: Option<String>,
}

#[derive(clap::Args)]
pub(crate) struct TemplateArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// A template parameter's value, over its Default (repeatable).
    #[arg(long = "parameter", value_name = "NAME=VALUE", value_parser = parameter)]
    pub parameters: Vec<(String, String)>,
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Template files (.yaml, .yml, .json, .template), directories to search for templates
    /// (recognised by content; node_modules, .git, cdk.out, .terraform, .aws-sam and Python
    /// environments are skipped unless named), or quoted globs ('infra/**/*.yaml').
    #[arg(required = true, value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// Leave out named files that aren't templates, and find none without an error (for hooks
    /// that pass every changed YAML and JSON file); a quoted glob that matches no file at all is
    /// still an error.
    #[arg(long)]
    pub only_templates: bool,
}

#[derive(clap::Args)]
pub(crate) struct TerraformArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Plan files (the output of terraform show -json PLANFILE), directories of them (.terraform
    /// skipped unless named), or quoted globs.
    #[arg(required = true, value_name = "PLAN.json|DIR")]
    pub plans: Vec<PathBuf>,
    /// Leave out named files that aren't plans, and find none without an error (for hooks that
    /// pass every changed JSON file); a quoted glob that matches no file at all is still an error.
    #[arg(long)]
    pub only_plans: bool,
}

#[derive(clap::Args)]
#[command(group(ArgGroup::new("source").required(true).args(["auth_details", "live"])))]
pub(crate) struct AccountArgs {
    /// Output of aws iam get-account-authorization-details (offline audit).
    #[arg(long, value_name = "FILE")]
    pub auth_details: Option<PathBuf>,
    /// Output of aws lambda list-functions: which roles are execution roles of which functions.
    /// Repeat it for each region's listing.
    #[arg(long, value_name = "FILE", requires = "auth_details")]
    pub functions: Vec<PathBuf>,
    /// Output of aws lambda list-event-source-mappings: what each function consumes, and so what a
    /// broken trust stops (needs --functions). Repeat it for each region's listing.
    #[arg(long, value_name = "FILE", requires = "functions")]
    pub event_source_mappings: Vec<PathBuf>,
    /// Output of aws cloudfront list-distributions: which function versions run at the edge
    /// (Lambda@Edge), each as the role --functions lists it with (needs --functions).
    #[arg(long, value_name = "FILE", requires = "functions")]
    pub distributions: Vec<PathBuf>,
    /// The account of the current AWS credentials, through the scheduled rule's sweep (which also
    /// reads every function's event source mappings).
    #[arg(long, conflicts_with_all = ["auth_details", "functions", "event_source_mappings", "distributions"])]
    pub live: bool,
    #[command(flatten)]
    pub rule: RuleArgs,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    Sarif,
}

fn output(text: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = text
        .split_once('=')
        .filter(|(_, file)| !file.is_empty())
        .ok_or("expected FORMAT=FILE, like sarif=trustcheck.sarif")?;
    let format =
        Format::from_str(format, true).map_err(|_| format!("unknown format {format:?}: text, json or sarif"))?;
    Ok((format, PathBuf::from(file)))
}

fn account_id(text: &str) -> Result<String, String> {
    if trustcheck::is_account_id(text) {
        Ok(text.to_owned())
    } else {
        Err("an account id is 12 digits".to_owned())
    }
}

/// A region's code as AWS writes it: lower-case words and a number, joined by hyphens
/// (`eu-west-1`, `us-gov-west-1`, `us-isob-east-1`, `eusc-de-east-1`). A typo (`eu-west1`,
/// `EU-WEST-1`) would put a region no function is in into every function's ARN.
fn region(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let well_formed = match parts.as_slice() {
        [first, words @ .., number] if !words.is_empty() => {
            (2..=4).contains(&first.len())
                && first.bytes().all(|b| b.is_ascii_lowercase())
                && words
                    .iter()
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    };
    match well_formed {
        true => Ok(text.to_owned()),
        false => Err("a region's code, such as eu-west-1 or us-gov-west-1".to_owned()),
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

fn severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text).ok_or_else(|| "expected one of LOW, MEDIUM, HIGH, CRITICAL".to_owned())
}

fn moment(text: &str) -> Result<i64, String> {
    trustcheck::parse_moment(text).ok_or_else(|| {
        "expected an ISO 8601 date or time (2026-12-01, 2026-12-01T09:30:00Z) or epoch seconds (not four to eight digits, which may be a year or a date)".to_owned()
    })
}

fn parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err("expected NAME=VALUE".to_owned()),
    }
}
