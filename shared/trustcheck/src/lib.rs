//! trustcheck: evaluate an IAM role's trust policy the way IAM would, and report what is broken
//! (Lambda can't assume its execution role) or dangerous (anyone can).
//!
//! Pure: no I/O, no async, no AWS SDK. The facade is [`evaluate`] (verdict and suggested policy)
//! and [`check`] (the verdict alone); the engine behind it decodes, normalises, evaluates modelled
//! request contexts and runs the checks.
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
mod order;
mod organizations;
mod params;
mod pattern;
mod pods;
mod policy;
mod role;
mod services;
mod sources;
mod text;
mod time;
mod validity;
mod verdict;

pub use error::{quoting_briefly, ParamsError, PolicyError};
pub use findings::{Finding, FindingId, Severity};
pub use fix::{ConditionBlock, SuggestedPolicy, SuggestedStatement};
pub use params::{RuleParams, DEFAULT_EXEMPT_TAG_KEY};
pub use pattern::{arn_account, is_account_id, is_region};
pub use role::{Naming, Role};
pub use sources::{unqualified_function, EventSource, Listed, SourceKind};
pub use validity::{holds_opaque, marker_len, marker_parameter, opaque, template_eks_issuer, OPAQUE_PREFIX};
pub use verdict::{Compliance, Verdict, ANNOTATION_MAX_CHARS};

use checks::Subject;
use role::{FunctionRef, RoleRead};
use verdict::Standing;

/// One role's evaluation: the verdict and, for a NON_COMPLIANT role, the suggested policy,
/// derived from the same reading of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub suggested_policy: Option<SuggestedPolicy>,
}

/// Evaluates one trust policy document (plain or percent-encoded JSON) for a role, and suggests
/// the policy that fixes a NON_COMPLIANT one (see [`Evaluation`]). Decodes, parses and checks the
/// document once; only fixing a fix (one fix can expose another) evaluates the fixed text again.
///
/// Never fails: an unreadable document is NON_COMPLIANT with `POLICY_UNPARSEABLE`, and a document
/// the engine itself fails on (a defect) is NON_COMPLIANT with `EVALUATION_FAILED`, so one role
/// can only ever break its own verdict. That guard needs `panic = "unwind"` in the profile.
pub fn evaluate(document: &str, role: &Role, params: &RuleParams) -> Evaluation {
    let evaluation = isolated(|| {
        evaluated(document, role, params, |policy, subject, verdict| {
            let suggested_policy = match verdict.compliance {
                // A defect in the fixer costs only the suggestion, not the verdict.
                Compliance::NonCompliant => isolated(|| fix::suggested(policy, &verdict, subject, params)).flatten(),
                _ => None,
            };
            Evaluation {
                verdict,
                suggested_policy,
            }
        })
    });
    evaluation.unwrap_or_else(|| Evaluation {
        verdict: evaluation_failed(role, params),
        suggested_policy: None,
    })
}

/// The verdict alone, as the Config rule needs it: [`evaluate`] without the suggested policy.
pub fn check(document: &str, role: &Role, params: &RuleParams) -> Verdict {
    isolated(|| evaluated(document, role, params, |_, _, verdict| verdict))
        .unwrap_or_else(|| evaluation_failed(role, params))
}

/// A moment as IAM's date conditions read it, in seconds since the epoch: an ISO 8601 date or
/// time (`2026-12-01`, `2026-12-01T09:30:00Z`, with an offset) or epoch seconds. `None` for
/// anything else, and for four to eight digits, a year or a compact date (`20261220`) as much as
/// epoch seconds. What [`RuleParams::evaluated_at`] takes from a reader's "as of" option.
pub fn parse_moment(text: &str) -> Option<i64> {
    time::parse_time(text)
}

/// Why `document` can't be read as a trust policy (the error its `POLICY_UNPARSEABLE` finding
/// reports), or `None` when it can. For a reader that wrote the document from a file of its own
/// (a template's YAML) and places the parser's position there ([`PolicyError::json_position`]).
pub fn unreadable(document: &str) -> Option<PolicyError> {
    isolated(|| match decode::json_text(document) {
        Err(error) => Some(error),
        Ok(json) => normalise::parse(&json).err(),
    })
    .flatten()
}

/// Whether the verdict can depend on which function uses the role beyond its account: a
/// condition reads `aws:SourceArn` (a function's region and name), as its key or in a policy
/// variable, or `sts:RoleSessionName` (Lambda names the session after the function). One made-up
/// function can't stand in for the functions of a region that could not be listed then: a real
/// one may match a Deny's or miss an Allow's pattern. `true` for a document the engine can't read
/// or fails on: in doubt, it can.
pub fn reads_function_arn(document: &str) -> bool {
    isolated(|| {
        let Ok(json) = decode::json_text(document) else {
            return true;
        };
        let Ok(policy) = normalise::parse(&json) else {
            return true;
        };
        let names_it = |text: &str| text.to_ascii_lowercase().contains("${aws:sourcearn");
        policy.statements.iter().flat_map(|s| &s.conditions).any(|c| {
            c.key.eq_ignore_ascii_case("aws:SourceArn")
                || c.key.eq_ignore_ascii_case("sts:RoleSessionName")
                || c.values.iter().any(|v| pattern::has_variable(v) && names_it(v))
        })
    })
    .unwrap_or(true)
}

/// Decodes, parses and checks `document` once, and hands `then` the policy as read (`None` when
/// it is unreadable or not evaluated at all) with the role as the checks saw it and the verdict.
pub(crate) fn evaluated<R>(
    document: &str,
    role: &Role,
    params: &RuleParams,
    then: impl FnOnce(Option<&policy::Policy>, &Subject, Verdict) -> R,
) -> R {
    #[cfg(test)]
    injected::fire(&injected::ENGINE);
    let read = role.read();
    let subject = subject_in(role, read, params.evaluated_at);
    let decoded = decode::json_text(document);
    // AWS writes a service-linked role's trust: one that can't be read was not (a corrupt or
    // edited record), and fails closed below as any other.
    let readable = || decoded.as_ref().is_ok_and(|json| normalise::parse(json).is_ok());
    if role.is_service_linked_at(read.path) && readable() {
        let standing = Standing::NotApplicable("service-linked role: AWS manages its trust policy".into());
        return then(
            None,
            &subject,
            verdict::decide(Vec::new(), params.non_compliant_at, standing),
        );
    }
    let (policy, findings, stopped) = match &decoded {
        Ok(json) => match normalise::parse(json) {
            Ok(policy) => {
                let (findings, stopped) = checks::run_with_impact(&policy, &subject, params);
                (Some(policy), findings, stopped)
            }
            Err(error) => (None, vec![unparseable(&error, &subject)], Vec::new()),
        },
        Err(error) => (None, vec![unparseable(error, &subject)], Vec::new()),
    };
    let mut verdict = verdict::decide(findings, params.non_compliant_at, standing(role, params));
    verdict.stopped = stopped;
    then(policy.as_ref(), &subject, verdict)
}

fn standing(role: &Role, params: &RuleParams) -> Standing {
    if let Some(reason) = params.exemption(None, &role.tag_keys) {
        return Standing::Exempt(reason);
    }
    if params.exempt_role_arn_patterns.is_empty() {
        return Standing::Evaluated;
    }
    // Every name the role may have once deployed exempt, by the pattern of the first.
    let arns = role.exemption_arns();
    let exempting = |arn: &std::borrow::Cow<str>| params.exempting_pattern(arn);
    match arns.iter().map(exempting).collect::<Option<Vec<_>>>().as_deref() {
        Some([first, ..]) => Standing::Exempt(format!("exempt by pattern {first}")),
        _ => Standing::Evaluated,
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

/// The role as the checks see it, with what its ARN says ([`Role::read`]). A function of another
/// account than the role's is none of its users: Lambda refuses another account's execution role
/// ("Cross-account pass role is not allowed").
pub(crate) fn subject_in<'r>(role: &'r Role, read: RoleRead<'r>, now: Option<i64>) -> Subject<'r> {
    let own = |f: &FunctionRef| !matches!((f.account, read.account), (Some(theirs), Some(ours)) if theirs != ours);
    Subject {
        now,
        account: read.account,
        arn: role.arn.as_deref(),
        functions: (role.functions.iter())
            .chain(role.edge_functions.iter().filter(|e| !role.functions.contains(e)))
            .map(|f| FunctionRef::parse(f))
            .filter(own)
            .collect(),
        edge_functions: role
            .edge_functions
            .iter()
            .map(|f| FunctionRef::parse(f))
            .filter(own)
            .collect(),
        event_sources: &role.event_sources,
        event_sources_unknown: role.event_sources_unknown,
        proposed: role.proposed,
        to_be_created: role.proposed && role.to_be_created,
        partition: read.partition,
        account_is_stand_in: role.account_is_stand_in,
        partition_is_stand_in: role.partition_is_stand_in,
        role_tags: role.tags_known.then_some(contexts::RoleTags {
            keys: &role.tag_keys,
            values: &role.tag_values,
        }),
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
        statement: error.statement(),
        message: format!("{error}{used_by}"),
        fix: "rewrite the trust policy as valid IAM JSON; see the suggested policy when functions use the role".into(),
    }
}

/// Test builds only: a panic on demand inside the engine or the fixer, so that the tests can
/// show that [`check`] and [`evaluate`] contain it.
/// Test builds only: the finding `id` of `document` checked for `role` at the default parameters.
#[cfg(test)]
pub(crate) fn finding_of(document: &str, role: &Role, id: FindingId) -> Option<Finding> {
    check(document, role, &RuleParams::default())
        .findings
        .into_iter()
        .find(|f| f.id == id)
}

#[cfg(test)]
pub(crate) mod injected {
    use std::{cell::Cell, thread::LocalKey};

    thread_local! {
        pub static ENGINE: Cell<bool> = const { Cell::new(false) };
        pub static FIXER: Cell<bool> = const { Cell::new(false) };
    }

    /// Panics once when `fault` was set on this thread.
    pub fn fire(fault: &'static LocalKey<Cell<bool>>) {
        if fault.with(|armed| armed.replace(false)) {
            panic!("injected fault");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "arn:aws:lambda:eu-west-1:123456789012:function:orders";
    const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
    const EDGE_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn check_and_evaluate_contain_a_panic_in_the_engine_or_the_fixer() {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the expected panics out of the test output
        let role = Role {
            functions: vec![FUNCTION.into()],
            ..Role::default()
        };
        let params = RuleParams::default();

        injected::ENGINE.set(true);
        let checked = check(LAMBDA_TRUST, &role, &params);
        injected::ENGINE.set(true);
        let evaluated = evaluate(LAMBDA_TRUST, &role, &params);
        // A fixer defect costs the suggestion only: the verdict stands.
        injected::FIXER.set(true);
        let unfixed = evaluate(EDGE_ONLY, &role, &params);
        std::panic::set_hook(previous);

        for verdict in [&checked, &evaluated.verdict] {
            assert_eq!(verdict.compliance, Compliance::NonCompliant);
            assert_eq!(verdict.findings[0].id, FindingId::EvaluationFailed);
        }
        assert_eq!(evaluated.suggested_policy, None);
        assert_eq!(unfixed.verdict.findings[0].id, FindingId::LambdaTrustMissing);
        assert_eq!(unfixed.suggested_policy, None);
        // The next role on the same thread is judged as usual, and gets its fix.
        assert_eq!(check(LAMBDA_TRUST, &role, &params).compliance, Compliance::Compliant);
        assert!(evaluate(EDGE_ONLY, &role, &params).suggested_policy.is_some());
    }

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

    #[test]
    fn a_condition_on_the_function_s_arn_is_found_as_key_or_variable() {
        assert!(!reads_function_arn(LAMBDA_TRUST));
        let key = LAMBDA_TRUST.replace(
            r#""StringEquals":{"aws:SourceAccount":"123456789012"}"#,
            r#""ArnLike":{"AWS:SOURCEARN":"arn:aws:lambda:*:123456789012:function:orders-*"}"#,
        );
        assert!(reads_function_arn(&key));
        let variable = LAMBDA_TRUST.replace(r#""123456789012""#, r#""${aws:SourceArn}""#);
        assert!(reads_function_arn(&variable));
        let encoded: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
        assert!(reads_function_arn(&encoded));
        assert!(reads_function_arn("{not json"), "in doubt, it can");
    }
}
