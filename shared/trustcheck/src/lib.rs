//! trustcheck: evaluate an IAM role's trust policy the way IAM would, and report what is broken
//! (Lambda can't assume its execution role) or dangerous (anyone can).
//!
//! Pure: no I/O, no async, no AWS SDK. The facade is [`check`] and [`suggested_policy`]; the
//! engine behind it decodes, normalises, evaluates modelled request contexts and runs the checks.
//!
//! ```
//! use trustcheck::{check, Compliance, Role, RuleParams};
//! let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
//!     "Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
//! let role = Role {
//!     functions: vec!["arn:aws:lambda:eu-west-1:123456789012:function:orders".into()],
//!     ..Role::default()
//! };
//! let verdict = check(policy, &role, &RuleParams::default());
//! assert_eq!(verdict.compliance, Compliance::NonCompliant);
//! assert!(verdict.annotation.starts_with("LAMBDA_TRUST_MISSING"));
//! ```

mod checks;
mod contexts;
mod decode;
mod error;
mod evaluate;
mod findings;
mod fix;
mod normalise;
mod params;
mod pattern;
mod policy;
mod role;
mod verdict;

pub use error::{ParamsError, PolicyError};
pub use findings::{Finding, FindingId, Severity};
pub use fix::{ConditionBlock, SuggestedPolicy, SuggestedStatement};
pub use params::{RuleParams, DEFAULT_EXEMPT_TAG_KEY};
pub use role::Role;
pub use verdict::{Compliance, Verdict, ANNOTATION_MAX_CHARS};

use checks::Subject;
use role::FunctionRef;
use verdict::Standing;

/// Evaluates one trust policy document (plain or percent-encoded JSON) for a role.
///
/// Never fails: an unreadable document is NON_COMPLIANT with `POLICY_UNPARSEABLE`, and a document
/// the engine itself fails on (a defect) is NON_COMPLIANT with `EVALUATION_FAILED`, so one role
/// can only ever break its own verdict. That guard needs `panic = "unwind"` in the profile.
pub fn check(document: &str, role: &Role, params: &RuleParams) -> Verdict {
    isolated(|| evaluate(document, role, params)).unwrap_or_else(|| evaluation_failed(role, params))
}

fn evaluate(document: &str, role: &Role, params: &RuleParams) -> Verdict {
    if role.is_service_linked() {
        return verdict::decide(
            Vec::new(),
            params.non_compliant_at,
            Standing::NotApplicable("service-linked role: AWS manages its trust policy".into()),
        );
    }
    let subject = subject(role);
    let findings = match decode::json_text(document) {
        Ok(json) => match normalise::parse(&json) {
            Ok(policy) => checks::run(&policy, &subject, params),
            Err(error) => vec![unparseable(&error, &subject)],
        },
        Err(error) => vec![unparseable(&error, &subject)],
    };
    verdict::decide(findings, params.non_compliant_at, standing(role, params))
}

fn standing(role: &Role, params: &RuleParams) -> Standing {
    match params.exemption(role.arn.as_deref(), &role.tag_keys) {
        Some(reason) => Standing::Exempt(reason),
        None => Standing::Evaluated,
    }
}

/// Runs the engine so that a defect on one document can't take the process (and with it every
/// other role of a sweep or scan) down. `None` when it panicked.
fn isolated<T>(engine: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(engine)).ok()
}

/// The fail-closed verdict for a document the engine failed on.
fn evaluation_failed(role: &Role, params: &RuleParams) -> Verdict {
    let finding = Finding {
        id: FindingId::EvaluationFailed,
        severity: FindingId::EvaluationFailed.default_severity(),
        statement: None,
        message: "the engine failed on this trust policy (a trustcheck defect); the role fails closed".into(),
        fix: "review the trust policy by hand and report the defect with the role id".into(),
    };
    verdict::decide(vec![finding], params.non_compliant_at, standing(role, params))
}

/// For a NON_COMPLIANT role, the least-privilege trust policy that fixes its findings: every one
/// at or above the threshold, and the hardening below it too, since the policy is being rewritten
/// anyway. `None` when nothing needs fixing, or when an unreadable policy leaves no intent to keep.
pub fn suggested_policy(document: &str, role: &Role, params: &RuleParams) -> Option<SuggestedPolicy> {
    isolated(|| suggest(document, role, params)).flatten()
}

fn suggest(document: &str, role: &Role, params: &RuleParams) -> Option<SuggestedPolicy> {
    if evaluate(document, role, params).compliance != Compliance::NonCompliant {
        return None;
    }
    // One fix can expose another (dropping an unknown operator from a Deny makes it match Lambda),
    // so fix the fixed policy again until it has nothing left to fix.
    const MAX_ROUNDS: usize = 4;
    let mut fixed = fix_once(document, role, params)?;
    for _ in 0..MAX_ROUNDS {
        match fix_once(&fixed.to_json(), role, params) {
            Some(next) if next != fixed => fixed = next,
            _ => break,
        }
    }
    Some(fixed)
}

/// Fixes every finding of one evaluation of `document`.
fn fix_once(document: &str, role: &Role, params: &RuleParams) -> Option<SuggestedPolicy> {
    let verdict = evaluate(document, role, params);
    let findings: Vec<&Finding> = verdict.findings.iter().collect();
    let subject = subject(role);
    let parsed = decode::json_text(document).ok();
    match parsed.as_deref().map(normalise::parse) {
        Some(Ok(policy)) => {
            let lambda = subject.is_lambda_role(&policy);
            fix::suggest(&policy, &subject, &findings, lambda)
        }
        // Unreadable: only a role that functions use has a known intent, the Lambda trust.
        _ if !subject.functions.is_empty() => {
            let empty = policy::Policy {
                version: policy::Version::V2012,
                statements: Vec::new(),
            };
            let missing = Finding {
                id: FindingId::LambdaTrustMissing,
                severity: Severity::High,
                statement: None,
                message: String::new(),
                fix: String::new(),
            };
            fix::suggest(&empty, &subject, &[&missing], true)
        }
        _ => None,
    }
}

fn subject(role: &Role) -> Subject<'_> {
    Subject {
        account: role.account(),
        arn: role.arn.as_deref(),
        functions: role.functions.iter().map(|f| FunctionRef::parse(f)).collect(),
    }
}

fn unparseable(error: &PolicyError, subject: &Subject) -> Finding {
    let used_by = if subject.functions.is_empty() {
        String::new()
    } else {
        format!("; {} function(s) use this role", subject.functions.len())
    };
    Finding {
        id: FindingId::PolicyUnparseable,
        severity: FindingId::PolicyUnparseable.default_severity(),
        statement: None,
        message: format!("{error}{used_by}"),
        fix: "rewrite the trust policy as valid IAM JSON; see the suggested policy when functions use the role".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_engine_fails_only_its_own_role_closed() {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the expected panic out of the test output
        let caught = isolated(|| -> Verdict { panic!("engine defect") });
        std::panic::set_hook(previous);
        assert!(caught.is_none());
        let params = RuleParams::default();
        let role = Role::default();
        let failed = caught.unwrap_or_else(|| evaluation_failed(&role, &params));
        assert_eq!(failed.compliance, Compliance::NonCompliant);
        assert_eq!(failed.findings[0].id, FindingId::EvaluationFailed);
        assert!(
            failed.annotation.starts_with("EVALUATION_FAILED: "),
            "{}",
            failed.annotation
        );
        // Fail closed at any threshold, like an unreadable policy.
        let lenient = RuleParams::from_json(r#"{"nonCompliantAt":"CRITICAL"}"#).unwrap();
        assert_eq!(evaluation_failed(&role, &lenient).compliance, Compliance::NonCompliant);
        assert_eq!(isolated(|| 7), Some(7));
    }
}
