//! Reporters: the same verdict (one policy) or report (many roles) rendered for people (text),
//! for programs (JSON) and for code-scanning UIs (SARIF 2.1.0).

mod sarif;
mod text;

pub(crate) use sarif::{report_sarif, sarif};
pub(crate) use text::{report_text, text};

use std::io::{self, Write};

use serde::{ser::SerializeMap, Serialize, Serializer};
use trustcheck::{Finding, FindingId, Severity, SuggestedPolicy, Verdict};

use crate::scan::{Report, RoleReport};

/// `--format json`: exactly one object, the shape docs/cli.md documents.
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

/// `--format json` of a scan: `{"roles": [...], "summary": {...}, "notes": [...]}`.
#[derive(Serialize)]
struct JsonScan<'a> {
    roles: Vec<JsonRole<'a>>,
    summary: JsonSummary,
    notes: &'a [String],
}

/// One role; the name goes under `logical_id`, `address` or `name` as its input calls it.
struct JsonRole<'a>(&'a RoleReport);

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    line: Option<usize>,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    id: FindingId,
    severity: Severity,
    statement: Option<usize>,
    message: &'a str,
    reason: &'a str,
    line: Option<usize>,
}

#[derive(Serialize)]
struct JsonSummary {
    compliance: &'static str,
    threshold: Severity,
    roles: usize,
    compliant: usize,
    non_compliant: usize,
    not_applicable: usize,
    findings: JsonCounts,
    skipped: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "UPPERCASE")]
struct JsonCounts {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
}

impl Serialize for JsonRole<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let role = self.0;
        let findings: Vec<JsonFinding> = role
            .findings
            .iter()
            .map(|finding| JsonFinding {
                finding,
                line: role.line_of(finding),
            })
            .collect();
        let skipped: Vec<JsonSkipped> = role
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                id: s.finding.id,
                severity: s.finding.severity,
                statement: s.finding.statement,
                message: &s.finding.message,
                reason: &s.reason,
                line: role.line_of(&s.finding),
            })
            .collect();
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("source", &role.origin.source)?;
        map.serialize_entry(role.origin.kind.key(), &role.origin.name)?;
        map.serialize_entry("line", &role.origin.line)?;
        if let Some(arn) = &role.origin.arn {
            map.serialize_entry("arn", arn)?;
        }
        map.serialize_entry("functions", &role.functions)?;
        map.serialize_entry("compliance", role.compliance.as_str())?;
        map.serialize_entry("annotation", &role.annotation)?;
        map.serialize_entry("findings", &findings)?;
        map.serialize_entry("skipped", &skipped)?;
        map.serialize_entry("notes", &role.notes)?;
        map.serialize_entry("suggested_policy", &role.suggested_policy)?;
        map.end()
    }
}

pub(crate) fn report_json(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let summary = report.summary();
    let [low, medium, high, critical] = summary.findings;
    let scan = JsonScan {
        roles: report.roles.iter().map(JsonRole).collect(),
        summary: JsonSummary {
            compliance: report.compliance().as_str(),
            threshold: report.threshold,
            roles: report.roles.len(),
            compliant: summary.compliant,
            non_compliant: summary.non_compliant,
            not_applicable: summary.not_applicable,
            findings: JsonCounts {
                critical,
                high,
                medium,
                low,
            },
            skipped: summary.skipped,
        },
        notes: &report.notes,
    };
    serde_json::to_writer_pretty(&mut *out, &scan)?;
    writeln!(out)
}
