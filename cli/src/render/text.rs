//! `--format text`: the verdict, each finding with its statement and fix, then the fixed policy.

use std::io::{self, Write};

use trustcheck::{Compliance, Severity, SuggestedPolicy, Verdict};

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
        let code = match compliance {
            Compliance::Compliant => "1;32",
            Compliance::NonCompliant => "1;31",
            Compliance::NotApplicable => "1;37",
        };
        self.wrap(code, compliance.as_str())
    }
}

pub(crate) fn text(
    out: &mut impl Write,
    verdict: &Verdict,
    fixed: Option<&SuggestedPolicy>,
    source: &str,
    colour: bool,
) -> io::Result<()> {
    let paint = Paint { on: colour };
    writeln!(out, "{}  {source}", paint.compliance(verdict.compliance))?;
    writeln!(out, "  {}", verdict.annotation)?;
    if verdict.findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    for finding in &verdict.findings {
        let place = finding
            .statement
            .map(|i| format!("  (statement {i})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {}{place}",
            paint.severity(finding.severity),
            paint.wrap("1", finding.id.as_str())
        )?;
        writeln!(out, "           {}", finding.message)?;
        writeln!(out, "           fix: {}", finding.fix)?;
    }
    if let Some(fixed) = fixed {
        writeln!(out)?;
        writeln!(
            out,
            "Suggested trust policy (fixes every finding at or above {}):",
            verdict.threshold
        )?;
        writeln!(out, "{}", fixed.to_json())?;
    }
    Ok(())
}
