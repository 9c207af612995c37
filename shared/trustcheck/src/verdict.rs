//! The verdict for Config and the annotation it carries.

use serde::Serialize;

use crate::findings::{Finding, FindingId, Severity};

/// The three answers AWS Config accepts from a custom rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compliance {
    Compliant,
    NonCompliant,
    NotApplicable,
}

impl Compliance {
    pub fn as_str(self) -> &'static str {
        match self {
            Compliance::Compliant => "COMPLIANT",
            Compliance::NonCompliant => "NON_COMPLIANT",
            Compliance::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

impl std::fmt::Display for Compliance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Config's limit on `Annotation`, in characters.
pub const ANNOTATION_MAX_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub compliance: Compliance,
    /// 1–256 characters: exactly what the Config rule writes.
    pub annotation: String,
    /// Most severe first. Also listed for exempt roles, so a suppression stays visible.
    pub findings: Vec<Finding>,
    /// The threshold that decided the verdict.
    #[serde(skip)]
    pub threshold: Severity,
    /// Why the role is NOT_APPLICABLE, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable_because: Option<String>,
}

impl Verdict {
    /// NOT_APPLICABLE without evaluating a policy: a deleted role, another resource type.
    pub fn not_applicable(reason: impl Into<String>) -> Verdict {
        decide(Vec::new(), Severity::Medium, Some(reason.into()))
    }

    /// Findings at or above the threshold: the ones that make the role NON_COMPLIANT.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| is_failing(f, self.threshold))
    }

    /// Sets aside the findings `suppressed` selects (a documented exception, such as template
    /// metadata naming finding ids) and decides again on the rest, by the same rules as `check`.
    /// Returns the new verdict and the findings set aside, so a caller can still show them.
    pub fn suppressing(self, suppressed: impl Fn(&Finding) -> bool) -> (Verdict, Vec<Finding>) {
        let (set_aside, kept): (Vec<Finding>, Vec<Finding>) = self.findings.into_iter().partition(|f| suppressed(f));
        (decide(kept, self.threshold, self.not_applicable_because), set_aside)
    }
}

/// An unreadable policy fails at any threshold: the rule fails closed.
fn is_failing(finding: &Finding, threshold: Severity) -> bool {
    finding.severity >= threshold || finding.id == FindingId::PolicyUnparseable
}

pub(crate) fn decide(findings: Vec<Finding>, threshold: Severity, not_applicable_because: Option<String>) -> Verdict {
    let fails = findings.iter().any(|f| is_failing(f, threshold));
    let compliance = match (&not_applicable_because, fails) {
        (Some(_), _) => Compliance::NotApplicable,
        (None, true) => Compliance::NonCompliant,
        (None, false) => Compliance::Compliant,
    };
    let annotation = annotation(compliance, &findings, threshold, not_applicable_because.as_deref());
    Verdict {
        compliance,
        annotation,
        findings,
        threshold,
        not_applicable_because,
    }
}

/// The one place the annotation is built. Most severe finding first with its message, then the
/// ids of the others, cut to Config's 256 characters.
pub(crate) fn annotation(
    compliance: Compliance,
    findings: &[Finding],
    threshold: Severity,
    not_applicable_because: Option<&str>,
) -> String {
    let ids = |list: &mut dyn Iterator<Item = &Finding>| list.map(|f| f.id.as_str()).collect::<Vec<_>>().join(", ");
    let text = match compliance {
        Compliance::NotApplicable => {
            let reason = not_applicable_because.unwrap_or("not applicable");
            let failing = ids(&mut findings.iter().filter(|f| is_failing(f, threshold)));
            if failing.is_empty() {
                capitalise(reason)
            } else {
                format!("{}; would be NON_COMPLIANT: {failing}", capitalise(reason))
            }
        }
        Compliance::NonCompliant => {
            let mut failing = findings.iter().filter(|f| is_failing(f, threshold));
            let first = failing
                .next()
                .map(|f| format!("{}: {}", f.id, f.message))
                .unwrap_or_default();
            let rest = ids(&mut failing);
            if rest.is_empty() {
                first
            } else {
                format!("{first} [also {rest}]")
            }
        }
        Compliance::Compliant if findings.is_empty() => "No trust-policy findings".to_owned(),
        Compliance::Compliant => format!(
            "No findings at or above {threshold}; below: {}",
            ids(&mut findings.iter())
        ),
    };
    truncate_chars(text, ANNOTATION_MAX_CHARS)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_else(|| "Not applicable".to_owned())
}

fn truncate_chars(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max - 1) {
        if text[cut..].chars().nth(1).is_some() {
            text.truncate(cut);
            text.push('…');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: FindingId, severity: Severity, message: &str) -> Finding {
        Finding {
            id,
            severity,
            statement: None,
            message: message.into(),
            fix: String::new(),
        }
    }

    #[test]
    fn threshold_and_fail_closed() {
        let low = vec![f(FindingId::ConfusedDeputyUnscoped, Severity::Low, "m")];
        assert_eq!(
            decide(low.clone(), Severity::Medium, None).compliance,
            Compliance::Compliant
        );
        assert_eq!(decide(low, Severity::Low, None).compliance, Compliance::NonCompliant);
        let bad = vec![f(FindingId::PolicyUnparseable, Severity::High, "x")];
        assert_eq!(
            decide(bad, Severity::Critical, None).compliance,
            Compliance::NonCompliant
        );
    }

    #[test]
    fn annotation_names_the_worst_first_and_fits() {
        let v = decide(
            vec![
                f(FindingId::TrustPublic, Severity::Critical, "anyone"),
                f(FindingId::BroadTrustAction, Severity::Low, "broad"),
                f(FindingId::CrossAccountUnconditioned, Severity::Medium, "x"),
            ],
            Severity::Medium,
            None,
        );
        assert_eq!(v.annotation, "TRUST_PUBLIC: anyone [also CROSS_ACCOUNT_UNCONDITIONED]");
        let long = decide(
            vec![f(FindingId::TrustPublic, Severity::Critical, &"é".repeat(400))],
            Severity::Medium,
            None,
        );
        assert_eq!(long.annotation.chars().count(), 256);
        assert!(long.annotation.ends_with('…'));
        let exact = truncate_chars("a".repeat(256), 256);
        assert_eq!(exact, "a".repeat(256));
    }

    #[test]
    fn suppressing_decides_again_on_the_rest() {
        let v = decide(
            vec![
                f(FindingId::CrossAccountUnconditioned, Severity::Medium, "x"),
                f(FindingId::BroadTrustAction, Severity::Low, "b"),
            ],
            Severity::Medium,
            None,
        );
        let (v, set_aside) = v.suppressing(|f| f.id == FindingId::CrossAccountUnconditioned);
        assert_eq!(v.compliance, Compliance::Compliant);
        assert_eq!(
            v.annotation,
            "No findings at or above MEDIUM; below: BROAD_TRUST_ACTION"
        );
        assert_eq!(set_aside.len(), 1);
        assert_eq!(set_aside[0].id, FindingId::CrossAccountUnconditioned);
    }

    #[test]
    fn compliant_and_not_applicable_annotations() {
        assert_eq!(
            decide(vec![], Severity::Medium, None).annotation,
            "No trust-policy findings"
        );
        let below = decide(
            vec![f(FindingId::BroadTrustAction, Severity::Low, "b")],
            Severity::Medium,
            None,
        );
        assert_eq!(
            below.annotation,
            "No findings at or above MEDIUM; below: BROAD_TRUST_ACTION"
        );
        let exempt = decide(
            vec![f(FindingId::TrustPublic, Severity::Critical, "p")],
            Severity::Medium,
            Some("exempt by tag trustcheck:exempt".into()),
        );
        assert_eq!(exempt.compliance, Compliance::NotApplicable);
        assert_eq!(
            exempt.annotation,
            "Exempt by tag trustcheck:exempt; would be NON_COMPLIANT: TRUST_PUBLIC"
        );
    }
}
