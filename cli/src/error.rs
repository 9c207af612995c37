//! What can go wrong in the CLI itself (as opposed to a finding in a policy). Every error is
//! printed as one line and exits 2; each says what was wrong and where, and keeps its cause.

use std::io;

use trustcheck::ParamsError;

use crate::inputs::yaml::YamlError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error("--params: {0}")]
    Params(#[source] ParamsError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[cfg(feature = "live")]
    #[error("{0}")]
    Aws(#[from] trustcheck_aws::AwsError),
    #[cfg(feature = "live")]
    #[error("cannot start the runtime for AWS calls: {0}")]
    Runtime(#[source] io::Error),
    #[cfg(not(feature = "live"))]
    #[error("account --live needs the AWS SDK, and this trustcheck was built without it (the lean build): reinstall with the default features (`cargo install --path cli`), or pass --auth-details FILE")]
    LiveNotBuilt,
    #[error("cannot write the report: {0}")]
    Write(#[source] io::Error),
    #[error("{0}")]
    Usage(&'static str),
    #[error("--parameter {0} is given twice: give each parameter one value")]
    RepeatedParameter(String),
    /// No template that declares the parameter allows the value given (`path:line:column: why`).
    #[error("{0}")]
    ParameterRefused(String),
    #[error("--output {path}: {why}")]
    Output { path: String, why: &'static str },
    /// Inputs of a scan not read; the report of the others was written, and names them.
    #[error("{count} input(s) could not be read, {reported}; the first: {first}")]
    Unread {
        count: usize,
        first: String,
        reported: &'static str,
    },
}

/// An input that can't be read as what its subcommand expects.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputError {
    #[error("{path}: not a baseline: expected the JSON report of a scan (`--format json`, with \"roles\")")]
    NotABaseline { path: String },
    #[error("{path}: no {what} found in this directory (or below it){skipped}")]
    NothingFound {
        path: String,
        what: String,
        /// The directories below it that a search skips unless named, as a hint (`cdk.out`).
        skipped: String,
    },
    #[error("{pattern}: no file matches this pattern (read as a shell with globstar reads it: `*`, `?` and `[…]` within a name, `**` across directories, no leading dot unless written; a `[…]` in a directory's name before the first `*` or `?` is taken as written)")]
    NoMatch { pattern: String },
    #[error("{pattern}: not a pattern: {why} (character {at})")]
    BadPattern {
        pattern: String,
        /// Where in it, counted from 1.
        at: usize,
        why: &'static str,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}:{}:{}: {source}", .source.pos.line, .source.pos.column)]
    Yaml {
        path: String,
        #[source]
        source: YamlError,
    },
    // serde_json's column 0 is before the line's first character (an empty file's end):
    // editors and problem matchers count from 1.
    #[error("{path}:{}:{}: {}", .source.line(), .source.column().max(1), json_message(.source))]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// Readable, but not what it should be: a template without resources, a bad skip list.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Shape { path: String, message: String },
}

/// serde_json's message without its trailing " at line L column C", which the path prefix holds,
/// and what kind of problem it is.
fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    match error.classify() {
        serde_json::error::Category::Data => format!("unexpected content: {message}"),
        // Valid JSON, deeper than the reader goes: not a mistake in the file's syntax.
        _ if message == "recursion limit exceeded" => {
            "nested more than 128 levels deep, deeper than trustcheck reads".to_owned()
        }
        _ => format!("not valid JSON: {message}"),
    }
}
