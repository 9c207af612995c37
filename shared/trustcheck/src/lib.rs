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

/// Evaluates one trust policy document (plain or percent-encoded JSON) for a role.
///
/// Never fails: an unreadable document is NON_COMPLIANT with `POLICY_UNPARSEABLE`.
pub fn check(document: &str, role: &Role, params: &RuleParams) -> Verdict {
    if role.is_service_linked() {
        return verdict::decide(
            Vec::new(),
            params.non_compliant_at,
            Some("service-linked role: AWS manages its trust policy".into()),
        );
    }
    let exemption = params.exemption(role.arn.as_deref(), &role.tag_keys);
    let subject = subject(role);
    let findings = match decode::json_text(document) {
        Ok(json) => match normalise::parse(&json) {
            Ok(policy) => checks::run(&policy, &subject, params),
            Err(error) => vec![unparseable(&error, &subject)],
        },
        Err(error) => vec![unparseable(&error, &subject)],
    };
    verdict::decide(findings, params.non_compliant_at, exemption)
}

/// For a NON_COMPLIANT role, the least-privilege trust policy that fixes its findings: every one
/// at or above the threshold, and the hardening below it too, since the policy is being rewritten
/// anyway. `None` when nothing needs fixing, or when an unreadable policy leaves no intent to keep.
pub fn suggested_policy(document: &str, role: &Role, params: &RuleParams) -> Option<SuggestedPolicy> {
    if check(document, role, params).compliance != Compliance::NonCompliant {
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
    let verdict = check(document, role, params);
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
