//! `--format sarif`: SARIF 2.1.0, one rule per finding id with its help text, one result per
//! finding, located at the line where its statement starts (one policy), or at the role in its
//! template, plan or account (a scan). Skipped findings are results with a suppression and its
//! justification, so code-scanning UIs show them as dismissed rather than not at all.

use std::io::{self, Write};

use serde_json::{json, Value};
use trustcheck::{Finding, FindingId, Severity, Verdict};

use crate::scan::{Report, RoleReport, Skipped, SkippedBy};

/// One rule per finding id, in catalog order (a result's `ruleIndex` is the id's position).
fn rules(threshold: Severity) -> Vec<Value> {
    FindingId::ALL
        .iter()
        .map(|id| {
            json!({
                "id": id.as_str(),
                "name": id.as_str(),
                "shortDescription": {"text": id.title()},
                "fullDescription": {"text": id.help()},
                "help": {"text": id.help()},
                "defaultConfiguration": {"level": level(id.default_severity(), threshold)},
                "properties": {"tags": ["security", "iam"], "security-severity": security_severity(id.default_severity())}
            })
        })
        .collect()
}

fn rule_index(id: FindingId) -> Option<usize> {
    FindingId::ALL.iter().position(|known| *known == id)
}

fn log(rules: Vec<Value>, results: Vec<Value>, notes: &[String]) -> Value {
    let mut run = json!({
        "tool": {"driver": {
            "name": "trustcheck",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://example.invalid/trustcheck",
            "rules": rules
        }},
        "results": results
    });
    if !notes.is_empty() {
        let notifications: Vec<Value> = notes
            .iter()
            .map(|note| json!({"level": "note", "message": {"text": note}}))
            .collect();
        run["invocations"] = json!([{"executionSuccessful": true, "toolExecutionNotifications": notifications}]);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run]
    })
}

pub(crate) fn report_sarif(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let mut results = Vec::new();
    for role in &report.roles {
        for finding in &role.findings {
            results.push(role_result(role, finding, report.threshold, None));
        }
        for skipped in &role.skipped {
            results.push(role_result(role, &skipped.finding, report.threshold, Some(skipped)));
        }
    }
    let log = log(rules(report.threshold), results, &report.notes);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn role_result(role: &RoleReport, finding: &Finding, threshold: Severity, skipped: Option<&Skipped>) -> Value {
    let origin = &role.origin;
    let mut location = json!({"logicalLocations": [{
        "name": origin.name,
        "fullyQualifiedName": origin.arn.as_deref().unwrap_or(&origin.name),
        "kind": "resource"
    }]});
    if let Some(source) = &origin.source {
        let mut physical = json!({"artifactLocation": {"uri": uri(source)}});
        if let Some(line) = role.line_of(finding) {
            physical["region"] = json!({"startLine": line});
        }
        location["physicalLocation"] = physical;
    }
    let mut result = json!({
        "ruleId": finding.id.as_str(),
        "ruleIndex": rule_index(finding.id),
        "level": level(finding.severity, threshold),
        "message": {"text": format!("{}: {} Fix: {}", origin.name, finding.message, finding.fix)},
        "locations": [location],
        "properties": {
            "severity": finding.severity.as_str(),
            "statement": finding.statement,
            "compliance": role.compliance.as_str(),
            "notes": role.notes
        }
    });
    if let Some(skipped) = skipped {
        let kind = match skipped.by {
            SkippedBy::Metadata => "inSource",
            SkippedBy::Exemption => "external",
        };
        result["suppressions"] = json!([{"kind": kind, "justification": skipped.reason}]);
    }
    result
}

/// A path as a URI reference: relative paths stay relative (code scanning resolves them against
/// the repository), absolute ones become `file://` URIs.
fn uri(path: &str) -> String {
    let mut text = String::with_capacity(path.len());
    for c in path.replace('\\', "/").chars() {
        match c {
            ' ' => text.push_str("%20"),
            '#' => text.push_str("%23"),
            '?' => text.push_str("%3F"),
            '%' => text.push_str("%25"),
            c => text.push(c),
        }
    }
    if text.starts_with('/') {
        format!("file://{text}")
    } else {
        text
    }
}

pub(crate) fn sarif(out: &mut impl Write, verdict: &Verdict, source: &str, document: &str) -> io::Result<()> {
    let lines = statement_lines(document);
    let rules = rules(verdict.threshold);
    let results: Vec<Value> = verdict
        .findings
        .iter()
        .map(|f| {
            let line = f.statement.and_then(|i| lines.get(i).copied()).unwrap_or(1);
            json!({
                "ruleId": f.id.as_str(),
                "ruleIndex": rule_index(f.id),
                "level": level(f.severity, verdict.threshold),
                "message": {"text": format!("{} Fix: {}", f.message, f.fix)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": source},
                    "region": {"startLine": line}
                }}],
                "properties": {"severity": f.severity.as_str(), "statement": f.statement}
            })
        })
        .collect();
    let log = log(rules, results, &[]);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Failing findings are errors; the rest are warnings (MEDIUM and up) or notes.
fn level(severity: Severity, threshold: Severity) -> &'static str {
    if severity >= threshold {
        "error"
    } else if severity >= Severity::Medium {
        "warning"
    } else {
        "note"
    }
}

/// GitHub code scanning reads this 0-10 score to rank security alerts.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The 1-based line on which each statement of `Statement` begins (one entry for an object).
/// A small JSON scanner: strings and escapes are skipped, nesting is counted.
fn statement_lines(document: &str) -> Vec<usize> {
    let bytes = document.as_bytes();
    let mut lines = Vec::new();
    let (mut i, mut line, mut depth) = (0, 1, 0usize);
    let mut expect_statement = false;
    // Depth of the `Statement` value once entered, and whether it is a list of statements.
    let mut statement: Option<(usize, bool)> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let end = i.min(bytes.len());
                let is_key = document[end..]
                    .get(1..)
                    .is_some_and(|rest| rest.trim_start().starts_with(':'));
                if is_key && depth == 1 && statement.is_none() {
                    expect_statement = &document[start..end] == "Statement";
                }
            }
            open @ (b'{' | b'[') => {
                depth += 1;
                if std::mem::take(&mut expect_statement) {
                    statement = Some((depth, open == b'['));
                    if open == b'{' {
                        lines.push(line);
                    }
                } else if statement == Some((depth - 1, true)) && open == b'{' {
                    lines.push(line);
                }
            }
            b'}' | b']' => {
                if statement.is_some_and(|(d, _)| d == depth) {
                    break;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::statement_lines;

    #[test]
    fn finds_statement_lines() {
        let doc = "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Effect\": \"Allow\",\n   \"Principal\": {\"AWS\": \"*\"}},\n  {\"Sid\": \"a{\\\"b\"}\n ]\n}";
        assert_eq!(statement_lines(doc), vec![4, 6]);
        let single = "{\"Statement\":\n{\"Effect\":\"Allow\"}}";
        assert_eq!(statement_lines(single), vec![2]);
        assert_eq!(statement_lines("%7B"), Vec::<usize>::new());
    }
}
