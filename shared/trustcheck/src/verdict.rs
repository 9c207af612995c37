//! The verdict for Config and the annotation it carries.

use serde::{Deserialize, Serialize};

use crate::{
    findings::{Finding, FindingId, Severity},
    sources::EventSource,
};

/// The three answers AWS Config accepts from a custom rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// An exemption that was asked for but refused, because a finding can never be exempted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption_refused: Option<String>,
    /// The event source mappings that the Lambda findings stop, most important first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stopped: Vec<EventSource>,
}

/// Where a role stands before its findings are weighed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    Evaluated,
    /// Deleted, another resource type, service-linked: nothing to judge.
    NotApplicable(String),
    /// Exempt by tag or ARN pattern: NOT_APPLICABLE unless a finding can't be exempted.
    Exempt(String),
}

impl Verdict {
    /// NOT_APPLICABLE without evaluating a policy: a deleted role, another resource type.
    pub fn not_applicable(reason: impl Into<String>) -> Verdict {
        decide(Vec::new(), Severity::Medium, Standing::NotApplicable(reason.into()))
    }

    /// Findings at or above the threshold: the ones that make the role NON_COMPLIANT.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| is_failing(f, self.threshold))
    }

    /// The verdict with each finding's text as `edit` rewrites it (what a reader knows better
    /// than the engine: why a document is missing, an account to fill in), decided again so that
    /// the annotation says the same.
    pub fn edited(mut self, edit: impl FnMut(&mut Finding)) -> Verdict {
        self.findings.iter_mut().for_each(edit);
        self.suppressing(|_| false).0
    }

    /// Sets aside the findings `suppressed` selects (a documented exception, such as template
    /// metadata naming finding ids) and decides again on the rest, by the same rules as `check`.
    /// Returns the new verdict and the findings set aside, so a caller can still show them.
    pub fn suppressing(self, suppressed: impl Fn(&Finding) -> bool) -> (Verdict, Vec<Finding>) {
        let (set_aside, kept): (Vec<Finding>, Vec<Finding>) = self.findings.into_iter().partition(|f| suppressed(f));
        let standing = match (self.not_applicable_because, self.exemption_refused) {
            // Exempt with nothing unexemptable left is NOT_APPLICABLE again, as is a role with no findings.
            (Some(reason), _) | (None, Some(reason)) => Standing::Exempt(reason),
            (None, None) => Standing::Evaluated,
        };
        let stops_lambda = kept.iter().any(|f| f.id.stops_lambda());
        let mut verdict = decide(kept, self.threshold, standing);
        if stops_lambda {
            verdict.stopped = self.stopped;
        }
        (verdict, set_aside)
    }
}

fn is_failing(finding: &Finding, threshold: Severity) -> bool {
    finding.id.fails_at(finding.severity, threshold)
}

impl FindingId {
    /// Whether a finding of this id and severity makes a role NON_COMPLIANT at `threshold`: the
    /// one rule every reporter follows. An unreadable policy, or one the engine failed on, fails
    /// at any threshold: the rule fails closed.
    pub fn fails_at(self, severity: Severity, threshold: Severity) -> bool {
        severity >= threshold || matches!(self, FindingId::PolicyUnparseable | FindingId::EvaluationFailed)
    }
}

impl Finding {
    /// Findings no exemption hides (nor a template's skip, nor a scan's baseline): every CRITICAL
    /// one (a role anyone can assume, a Lambda trust whose break loses stream records for good),
    /// and a document the engine could not read or failed on (what it would have found is
    /// unknown: accepting that today accepts whatever the document becomes).
    pub fn is_never_exempt(&self) -> bool {
        self.severity == Severity::Critical
            || matches!(self.id, FindingId::EvaluationFailed | FindingId::PolicyUnparseable)
    }
}

pub(crate) fn decide(findings: Vec<Finding>, threshold: Severity, standing: Standing) -> Verdict {
    let (not_applicable_because, exemption_refused) = match standing {
        Standing::Evaluated => (None, None),
        Standing::NotApplicable(reason) => (Some(reason), None),
        Standing::Exempt(reason) if findings.iter().any(Finding::is_never_exempt) => (None, Some(reason)),
        Standing::Exempt(reason) => (Some(reason), None),
    };
    let fails = findings.iter().any(|f| is_failing(f, threshold));
    let compliance = match (&not_applicable_because, fails) {
        (Some(_), _) => Compliance::NotApplicable,
        (None, true) => Compliance::NonCompliant,
        (None, false) => Compliance::Compliant,
    };
    let annotation = annotation(
        compliance,
        &findings,
        threshold,
        not_applicable_because.as_deref().or(exemption_refused.as_deref()),
    );
    Verdict {
        compliance,
        annotation,
        findings,
        threshold,
        not_applicable_because,
        exemption_refused,
        stopped: Vec::new(),
    }
}

/// The one place the annotation is built. Most severe finding first with its message, then the
/// ids of the others, cut to Config's 256 characters. `because` is why the role is NOT_APPLICABLE,
/// or, on a NON_COMPLIANT role, the exemption that was refused.
pub(crate) fn annotation(
    compliance: Compliance,
    findings: &[Finding],
    threshold: Severity,
    because: Option<&str>,
) -> String {
    let failing = || findings.iter().filter(move |f| is_failing(f, threshold));
    let mut text = String::new();
    match compliance {
        Compliance::NotApplicable => {
            text.push_str(&capitalise(because.unwrap_or("not applicable")));
            push_ids(&mut text, "; would be NON_COMPLIANT: ", failing());
        }
        Compliance::NonCompliant => {
            text.reserve(ANNOTATION_MAX_CHARS);
            let mut failing = failing();
            if let Some(first) = failing.next() {
                // The id leads even when an exemption was refused: readers key on it.
                text.push_str(first.id.as_str());
                text.push_str(": ");
                if let Some(reason) = because {
                    text.push_str(reason);
                    text.push_str(match first.id {
                        FindingId::EvaluationFailed => ", still reported: an evaluation failure is never exempt; ",
                        FindingId::PolicyUnparseable => {
                            ", still reported: an unreadable trust policy is never exempt; "
                        }
                        _ => ", still reported: CRITICAL findings are never exempt; ",
                    });
                }
                text.push_str(&first.message);
            }
            let head = text.len();
            if push_ids(&mut text, " [also ", failing) {
                text.push(']');
            }
            // The other findings' ids outlast the first one's message: pages and readers key on
            // ids, and a long message must not cut them off.
            if text.len() > ANNOTATION_MAX_CHARS && chars_in(&text[..head]) + (text.len() - head) > ANNOTATION_MAX_CHARS
            {
                let also = text.split_off(head);
                let room = ANNOTATION_MAX_CHARS.saturating_sub(also.len());
                if room >= ANNOTATION_MAX_CHARS / 4 {
                    text = truncate_chars(text, room);
                }
                text.push_str(&also);
            }
        }
        Compliance::Compliant if findings.is_empty() => text.push_str("No trust-policy findings"),
        Compliance::Compliant => {
            text.push_str("No findings at or above ");
            text.push_str(threshold.as_str());
            push_ids(&mut text, "; below: ", findings.iter());
        }
    }
    truncate_chars(text, ANNOTATION_MAX_CHARS)
}

/// Appends `lead` and then the ids, comma-separated, when there are any; says whether there were.
fn push_ids<'f>(text: &mut String, lead: &str, findings: impl Iterator<Item = &'f Finding>) -> bool {
    let mut any = false;
    for finding in findings {
        text.push_str(if any { ", " } else { lead });
        text.push_str(finding.id.as_str());
        any = true;
    }
    any
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_else(|| "Not applicable".to_owned())
}

/// The characters of `text`: its bytes when it is ASCII, which a vector compare finds at once.
fn chars_in(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

fn truncate_chars(mut text: String, max: usize) -> String {
    if text.len() <= max {
        // No more bytes than the limit: no more characters either.
        return text;
    }
    // Most annotations are ASCII as far as the limit (a `…` or a name after it aside), where the
    // character at `max - 1` is the byte there.
    let cut = if text.as_bytes()[..max].is_ascii() {
        Some(max - 1)
    } else {
        text.char_indices().nth(max - 1).map(|(at, _)| at)
    };
    if let Some(cut) = cut {
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
            decide(low.clone(), Severity::Medium, Standing::Evaluated).compliance,
            Compliance::Compliant
        );
        assert_eq!(
            decide(low, Severity::Low, Standing::Evaluated).compliance,
            Compliance::NonCompliant
        );
        let bad = vec![f(FindingId::PolicyUnparseable, Severity::High, "x")];
        assert_eq!(
            decide(bad, Severity::Critical, Standing::Evaluated).compliance,
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
            Standing::Evaluated,
        );
        assert_eq!(v.annotation, "TRUST_PUBLIC: anyone [also CROSS_ACCOUNT_UNCONDITIONED]");
        let long = decide(
            vec![f(FindingId::TrustPublic, Severity::Critical, &"é".repeat(400))],
            Severity::Medium,
            Standing::Evaluated,
        );
        assert_eq!(long.annotation.chars().count(), 256);
        assert!(long.annotation.ends_with('…'));
        // A long first message gives way to the other findings' ids.
        let crowded = decide(
            vec![
                f(FindingId::TrustOidcUnscoped, Severity::Critical, &"x".repeat(400)),
                f(FindingId::TrustPublic, Severity::Critical, "anyone"),
            ],
            Severity::Medium,
            Standing::Evaluated,
        );
        assert_eq!(crowded.annotation.chars().count(), 256);
        assert!(
            crowded.annotation.ends_with("… [also TRUST_PUBLIC]"),
            "{}",
            crowded.annotation
        );
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
            Standing::Evaluated,
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
            decide(vec![], Severity::Medium, Standing::Evaluated).annotation,
            "No trust-policy findings"
        );
        let below = decide(
            vec![f(FindingId::BroadTrustAction, Severity::Low, "b")],
            Severity::Medium,
            Standing::Evaluated,
        );
        assert_eq!(
            below.annotation,
            "No findings at or above MEDIUM; below: BROAD_TRUST_ACTION"
        );
        let exempt = decide(
            vec![f(FindingId::CrossAccountUnconditioned, Severity::Medium, "p")],
            Severity::Medium,
            Standing::Exempt("exempt by tag trustcheck:exempt".into()),
        );
        assert_eq!(exempt.compliance, Compliance::NotApplicable);
        assert_eq!(
            exempt.annotation,
            "Exempt by tag trustcheck:exempt; would be NON_COMPLIANT: CROSS_ACCOUNT_UNCONDITIONED"
        );
    }

    #[test]
    fn an_exemption_never_hides_a_critical_finding_or_an_engine_failure() {
        let public = decide(
            vec![
                f(FindingId::TrustPublic, Severity::Critical, "anyone"),
                f(FindingId::CrossAccountUnconditioned, Severity::Medium, "x"),
            ],
            Severity::Medium,
            Standing::Exempt("exempt by tag trustcheck:exempt".into()),
        );
        assert_eq!(public.compliance, Compliance::NonCompliant);
        assert_eq!(public.not_applicable_because, None);
        assert_eq!(
            public.exemption_refused.as_deref(),
            Some("exempt by tag trustcheck:exempt")
        );
        assert_eq!(
            public.annotation,
            "TRUST_PUBLIC: exempt by tag trustcheck:exempt, still reported: CRITICAL findings are never exempt; \
             anyone [also CROSS_ACCOUNT_UNCONDITIONED]"
        );
        let failed = decide(
            vec![f(FindingId::EvaluationFailed, Severity::High, "engine")],
            Severity::Critical,
            Standing::Exempt("exempt by pattern arn:aws:iam::*:role/x".into()),
        );
        assert_eq!(failed.compliance, Compliance::NonCompliant);
        assert!(
            failed.annotation.starts_with("EVALUATION_FAILED: exempt by pattern"),
            "{}",
            failed.annotation
        );
        let unreadable = decide(
            vec![f(FindingId::PolicyUnparseable, Severity::High, "not JSON")],
            Severity::Medium,
            Standing::Exempt("exempt by tag trustcheck:exempt".into()),
        );
        assert_eq!(
            unreadable.annotation,
            "POLICY_UNPARSEABLE: exempt by tag trustcheck:exempt, still reported: an unreadable trust policy is never exempt; not JSON"
        );
        // Suppressing the critical finding (template metadata) lets the exemption apply again.
        let (again, _) = public.suppressing(|f| f.id == FindingId::TrustPublic);
        assert_eq!(again.compliance, Compliance::NotApplicable);
    }
}
