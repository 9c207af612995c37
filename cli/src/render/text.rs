//! `--format text`: for one policy, the verdict, each finding with its statement and fix, then the
//! fixed policy; for a scan, a summary by severity, then each role (failing roles first) with its
//! place, findings and their lines, skipped findings and their reasons.

use std::io::{self, Write};

use trustcheck::{Compliance, Finding, Severity};

use crate::{
    inputs::NameKind,
    scan::{Report, RoleReport, Scope},
};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        self.wrap(code, &format!("{:<8}", severity.as_str()))
    }
    fn compliance(&self, compliance: Compliance) -> String {
        self.compliance_padded(compliance, compliance.as_str())
    }
    /// `text` is the compliance, padded: escapes go around the padding so columns line up.
    fn compliance_padded(&self, compliance: Compliance, text: &str) -> String {
        let code = match compliance {
            Compliance::Compliant => "1;32",
            Compliance::NonCompliant => "1;31",
            Compliance::NotApplicable => "1;37",
        };
        self.wrap(code, text)
    }
}

/// `--format text`: one policy as its verdict; a scan as a summary, then every role.
pub(crate) fn text(out: &mut impl Write, report: &Report, colour: bool) -> io::Result<()> {
    let paint = Paint { on: colour };
    if let (Scope::Policy, [role]) = (report.scope, report.roles.as_slice()) {
        return policy_text(out, role, &report.notes, &paint);
    }
    let summary = report.summary();
    if report.roles.is_empty() {
        writeln!(out, "trustcheck: no IAM roles found")?;
    } else {
        writeln!(
            out,
            "trustcheck: {} role(s): {} {}, {} {}, {} {} (NON_COMPLIANT at {} and above)",
            report.roles.len(),
            summary.non_compliant,
            paint.compliance(Compliance::NonCompliant),
            summary.compliant,
            paint.compliance(Compliance::Compliant),
            summary.not_applicable,
            paint.compliance(Compliance::NotApplicable),
            report.threshold
        )?;
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .map(|s| format!("{} {}", s.as_str(), summary.findings[*s as usize]))
            .collect();
        writeln!(out, "findings: {}; skipped: {}", counts.join(", "), summary.skipped)?;
    }
    for note in &report.notes {
        writeln!(out, "note: {}", shown(note))?;
    }
    for input in &report.unread {
        writeln!(out, "{}: {}", paint.wrap("1;31", "not read"), shown(input))?;
    }
    // The worst first: a public role before the cross-account ones every member account has.
    let mut failing: Vec<&RoleReport> = (report.roles.iter())
        .filter(|r| r.compliance == Compliance::NonCompliant)
        .collect();
    failing.sort_by_key(|r| std::cmp::Reverse(r.findings.iter().map(|f| f.severity).max()));
    let rest = report.roles.iter().filter(|r| r.compliance != Compliance::NonCompliant);
    for role in failing.into_iter().chain(rest) {
        writeln!(out)?;
        role_text(out, role, &paint)?;
    }
    Ok(())
}

/// One policy: the verdict, each finding with its statement and fix, then the fixed policy.
fn policy_text(out: &mut impl Write, role: &RoleReport, notes: &[String], paint: &Paint) -> io::Result<()> {
    writeln!(
        out,
        "{}  {}",
        paint.compliance(role.compliance),
        shown(&role.origin.name)
    )?;
    writeln!(out, "  {}", shown(&role.annotation))?;
    for note in notes {
        writeln!(out, "  note: {}", shown(note))?;
    }
    skipped_text(out, role, paint)?;
    if role.findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    for finding in &role.findings {
        finding_text(out, role, finding, paint, false)?;
    }
    if let Some(fixed) = &role.suggested_policy {
        writeln!(out)?;
        // The fixer fixes every finding, the ones below the threshold too.
        writeln!(out, "Suggested trust policy (fixes every finding above):")?;
        for step in &fixed.before_applying {
            writeln!(out, "Before applying it: {}", shown(step))?;
        }
        for line in fixed.to_json().lines() {
            writeln!(out, "{}", shown(line))?;
        }
    }
    Ok(())
}

/// A role's skipped findings, each with its reason.
fn skipped_text(out: &mut impl Write, role: &RoleReport, paint: &Paint) -> io::Result<()> {
    for skipped in &role.skipped {
        let finding = &skipped.finding;
        writeln!(
            out,
            "  {} {} ({}): {}",
            paint.wrap("2", "skipped "),
            finding.id,
            finding.severity,
            shown(&skipped.reason)
        )?;
        writeln!(out, "           {}", shown(&finding.message))?;
    }
    Ok(())
}

fn role_text(out: &mut impl Write, role: &RoleReport, paint: &Paint) -> io::Result<()> {
    let origin = &role.origin;
    let place = match (&origin.source, origin.line, &origin.arn) {
        (Some(source), Some(line), _) => format!("{source}:{line}"),
        (Some(source), None, _) => source.clone(),
        // Named by its ARN beside (a live account's role): no place of its own to repeat it.
        (None, _, Some(_)) if origin.kind == NameKind::RoleName => String::new(),
        (None, _, Some(arn)) => arn.clone(),
        (None, _, None) => String::new(),
    };
    let status = format!("{:<14}", role.compliance.as_str());
    let status = paint.compliance_padded(role.compliance, &status);
    // An account's roles by ARN: one name may be two accounts' roles, or two paths'.
    let name = match (origin.kind, &origin.arn) {
        (NameKind::RoleName, Some(arn)) => crate::scan::account_role_key(arn, &origin.name),
        _ => origin.name.clone(),
    };
    writeln!(out, "{status} {}  {}", shown(&place), paint.wrap("1", &shown(&name)))?;
    writeln!(out, "  {}", shown(&role.annotation))?;
    if !role.functions.is_empty() {
        writeln!(out, "  used by: {}", shown(&role.functions.join(", ")))?;
    }
    for mapping in &role.stopped {
        writeln!(out, "  stops: {}", shown(&mapping.describe()))?;
    }
    for finding in &role.findings {
        finding_text(out, role, finding, paint, true)?;
    }
    skipped_text(out, role, paint)?;
    for note in &role.notes {
        writeln!(out, "  note: {}", shown(note))?;
    }
    if let Some(fixed) = &role.suggested_policy {
        writeln!(out, "  Suggested trust policy (fixes every finding above):")?;
        for step in &fixed.before_applying {
            writeln!(out, "  Before applying it: {}", shown(step))?;
        }
        for line in fixed.to_json().lines() {
            writeln!(out, "    {}", shown(line))?;
        }
    }
    Ok(())
}

/// A finding with its place (the statement, and with `with_line` the line in its source), its
/// message and its fix.
fn finding_text(
    out: &mut impl Write,
    role: &RoleReport,
    finding: &Finding,
    paint: &Paint,
    with_line: bool,
) -> io::Result<()> {
    let mut place = Vec::new();
    if let Some(i) = finding.statement {
        place.push(format!("statement {i}"));
    }
    if let (Some(line), true) = (role.line_of(finding), with_line && role.origin.source.is_some()) {
        place.push(format!("line {line}"));
    }
    let place = if place.is_empty() {
        String::new()
    } else {
        format!("  ({})", place.join(", "))
    };
    writeln!(
        out,
        "  {} {}{place}",
        paint.severity(finding.severity),
        paint.wrap("1", finding.id.as_str())
    )?;
    writeln!(out, "           {}", shown(&finding.message))?;
    writeln!(out, "           fix: {}", shown(&finding.fix))
}

/// Text from the inputs (a role's name, a principal in a message, a file's path) as it may be
/// shown on a terminal or in a CI log: control characters (a terminal's escape sequences, a line
/// break that would forge a line of the report) and the characters that reorder text are
/// written as escapes, so nothing in a template can erase, recolour or fake a line.
pub(crate) fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            escaped.extend(c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    std::borrow::Cow::Owned(escaped)
}
