//! Reporters: the same verdict rendered for people (text), for programs (JSON) and for
//! code-scanning UIs (SARIF 2.1.0).

mod sarif;
mod text;

pub(crate) use sarif::sarif;
pub(crate) use text::text;

use std::io::{self, Write};

use serde::Serialize;
use trustcheck::{Finding, SuggestedPolicy, Verdict};

/// `--format json`: exactly one object, the shape SPEC.md's CLI contract gives.
#[derive(Serialize)]
struct JsonReport<'a> {
    compliance: &'static str,
    annotation: &'a str,
    findings: &'a [Finding],
    suggested_policy: Option<&'a SuggestedPolicy>,
}

pub(crate) fn json(out: &mut impl Write, verdict: &Verdict, fixed: Option<&SuggestedPolicy>) -> io::Result<()> {
    let report = JsonReport {
        compliance: verdict.compliance.as_str(),
        annotation: &verdict.annotation,
        findings: &verdict.findings,
        suggested_policy: fixed,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
