//! Reporters: one report (one policy, or the roles of a scan) rendered for people (text), for
//! programs (JSON) and for code-scanning UIs (SARIF 2.1.0). One renderer per format.

mod sarif;
mod text;

pub(crate) use sarif::sarif;
pub(crate) use text::{shown, text};

use std::io::{self, Write};

use serde::{ser::SerializeMap, Serialize, Serializer};
use trustcheck::{EventSource, Finding, FindingId, Severity, SuggestedPolicy};

use crate::scan::{Report, RoleReport, Scope};

/// `--format json` of one policy: exactly the object docs/cli.md documents.
#[derive(Serialize)]
struct JsonPolicy<'a> {
    compliance: &'static str,
    annotation: &'a str,
    findings: &'a [Finding],
    /// An exempt role's findings (`exemptRoleArnPatterns`), which don't count: each as a finding,
    /// with why and what skipped it (the sandbox writes the same).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<JsonPolicySkipped<'a>>,
    suggested_policy: Option<&'a SuggestedPolicy>,
    /// What to do before applying the suggested policy ([`SuggestedPolicy::before_applying`]).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    before_applying: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

/// A skipped finding of one policy: the finding as `findings` lists it, its reason and what
/// skipped it.
#[derive(Serialize)]
struct JsonPolicySkipped<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    reason: &'a str,
    by: &'static str,
}

/// `--format json` of a scan: `{"roles": [...], "summary": {...}, "notes": [...]}`.
#[derive(Serialize)]
struct JsonScan<'a> {
    roles: Vec<JsonRole<'a>>,
    summary: JsonSummary,
    notes: &'a [String],
    /// Inputs not read (`path: why`): their roles are missing from `roles`.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unread: &'a [String],
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
    /// What skipped it: `metadata`, `exemption` or `baseline` (a later run's baseline carries
    /// on only the last).
    by: &'static str,
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
        let skipped: Vec<JsonSkipped> = (role.skipped.iter())
            .map(|s| JsonSkipped {
                id: s.finding.id,
                severity: s.finding.severity,
                statement: s.finding.statement,
                message: &s.finding.message,
                reason: &s.reason,
                by: s.by.as_str(),
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
        let stopped: Vec<serde_json::Value> = role.stopped.iter().map(mapping).collect();
        map.serialize_entry("stopped_mappings", &stopped)?;
        map.serialize_entry("suggested_policy", &role.suggested_policy)?;
        map.serialize_entry("before_applying", before_applying(role.suggested_policy.as_ref()))?;
        map.end()
    }
}

/// The steps to take before applying a suggested policy; none without one.
fn before_applying(suggested: Option<&SuggestedPolicy>) -> &[String] {
    suggested.map_or(&[], |policy| &policy.before_applying)
}

/// A mapping a broken trust stops, as JSON and SARIF show it: what, where, and the risk.
pub(crate) fn mapping(source: &EventSource) -> serde_json::Value {
    serde_json::json!({
        "function": source.function,
        "source": source.source,
        "source_type": source.kind.label(),
        "state": source.state,
        "last_processing_result": source.last_result,
        "failing_now": source.is_failing(),
        "risk": source.kind.risk(),
        "summary": source.describe(),
    })
}

/// `--format json`: one object; for one policy its verdict, for a scan
/// `{"roles": [...], "summary": {...}, "notes": [...]}`.
pub(crate) fn json(out: &mut impl Write, report: &Report) -> io::Result<()> {
    match (report.scope, report.roles.as_slice()) {
        (Scope::Policy, [role]) => {
            let policy = JsonPolicy {
                compliance: role.compliance.as_str(),
                annotation: &role.annotation,
                findings: &role.findings,
                skipped: (role.skipped.iter())
                    .map(|s| JsonPolicySkipped {
                        finding: &s.finding,
                        reason: &s.reason,
                        by: s.by.as_str(),
                    })
                    .collect(),
                suggested_policy: role.suggested_policy.as_ref(),
                before_applying: before_applying(role.suggested_policy.as_ref()),
                notes: &report.notes,
            };
            serde_json::to_writer_pretty(&mut *out, &policy)?;
        }
        _ => serde_json::to_writer_pretty(&mut *out, &scan_json(report))?,
    }
    writeln!(out)
}

fn scan_json(report: &Report) -> JsonScan<'_> {
    let summary = report.summary();
    let [low, medium, high, critical] = summary.findings;
    JsonScan {
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
        unread: &report.unread,
    }
}
