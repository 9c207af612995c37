//! The case table in `fixtures/cases.json`: every form of the IAM policy grammar the engine reads
//! (statement and value shapes, principal and action forms, condition operators and missing keys,
//! Deny, policy versions, percent-encoding; the semantics are described in `docs/findings.md`,
//! "Identity keys a stranger's request carries") and, for every finding of the catalog in `docs/findings.md`, a policy that triggers it
//! and a near miss that must not.

use serde::Deserialize;
use serde_json::Value;
use trustcheck::{check, evaluate, Compliance, FindingId, Role, RuleParams};

#[derive(Deserialize)]
struct Case {
    name: String,
    source: String,
    role: CaseRole,
    policy: Value,
    #[serde(default)]
    params: Option<Value>,
    expect: Vec<String>,
    compliance: String,
    #[serde(default)]
    message_contains: std::collections::BTreeMap<String, String>,
    /// A text the finding's fix must hold (`true`) or must not (`false`), by id.
    #[serde(default)]
    fix_says: std::collections::BTreeMap<String, (String, bool)>,
    /// Severities that differ from the catalog's default (event sources raise Lambda findings).
    #[serde(default)]
    severity: std::collections::BTreeMap<String, String>,
    /// The sources of the mappings the verdict says stop, in its order.
    #[serde(default)]
    stopped: Option<Vec<String>>,
    /// When the role is judged (epoch seconds): time conditions are judged against it.
    #[serde(default)]
    now: Option<i64>,
    /// No suggested policy, and why: what the author meant is theirs to say.
    #[serde(default)]
    no_suggestion_because: Option<String>,
    /// Texts the suggested policy's JSON must hold: the scope its author meant, kept.
    #[serde(default)]
    suggested_has: Vec<String>,
}

#[derive(Deserialize)]
struct CaseRole {
    arn: Option<String>,
    /// The account of a role known by no ARN (Config's `awsAccountId`).
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    functions: Vec<String>,
    /// Those CloudFront runs at the edge.
    #[serde(default)]
    edge_functions: Vec<String>,
    #[serde(default)]
    tag_keys: Vec<String>,
    /// `tag_keys` are all the role's tags (an authorization-details entry's).
    #[serde(default)]
    tags_known: bool,
    /// The values of those tags the reader read, by key.
    #[serde(default)]
    tag_values: Vec<(String, String)>,
    /// A template's or plan's document, not IAM's stored copy.
    #[serde(default)]
    proposed: bool,
    /// The plan creates the role: it doesn't exist yet when IAM reads the document.
    #[serde(default)]
    to_be_created: bool,
    /// The role's account stands in for one the reader doesn't know (a template scanned without it).
    #[serde(default)]
    account_is_stand_in: bool,
    /// The partition in its ARN stands in for one the reader doesn't know (no region given).
    #[serde(default)]
    partition_is_stand_in: bool,
    #[serde(default)]
    event_sources: Vec<trustcheck::EventSource>,
}

fn document(policy: &Value) -> String {
    match policy {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn cases() -> Vec<Case> {
    serde_json::from_str(include_str!("fixtures/cases.json")).unwrap()
}

/// Every finding of the catalog is triggered by some case, except the engine's own failure, which
/// only a defect produces (the rule crate's fault-injection test covers it).
#[test]
fn the_table_triggers_every_finding() {
    let cases = cases();
    let untriggered: Vec<FindingId> = FindingId::ALL
        .into_iter()
        .filter(|id| *id != FindingId::EvaluationFailed)
        .filter(|id| {
            !cases
                .iter()
                .flat_map(|c| &c.expect)
                .any(|e| e.split('@').next() == Some(id.as_str()))
        })
        .collect();
    assert!(untriggered.is_empty(), "no case triggers {untriggered:?}");
}

#[test]
fn every_case_in_the_table() {
    let cases = cases();
    assert!(cases.len() >= 80, "the table lost cases");
    let mut failures = Vec::new();
    for case in &cases {
        let role = Role {
            arn: case.role.arn.clone(),
            account_id: case.role.account_id.clone(),
            functions: case.role.functions.clone(),
            edge_functions: case.role.edge_functions.clone(),
            tag_keys: case.role.tag_keys.clone(),
            tags_known: case.role.tags_known,
            tag_values: case.role.tag_values.clone(),
            proposed: case.role.proposed,
            to_be_created: case.role.to_be_created,
            account_is_stand_in: case.role.account_is_stand_in,
            partition_is_stand_in: case.role.partition_is_stand_in,
            event_sources: case.role.event_sources.clone(),
            ..Role::default()
        };
        let mut params = match &case.params {
            Some(p) => RuleParams::from_json(&p.to_string()).unwrap(),
            None => RuleParams::default(),
        };
        params.evaluated_at = case.now;
        let doc = document(&case.policy);
        let verdict = check(&doc, &role, &params);
        let mut got: Vec<String> = verdict
            .findings
            .iter()
            .map(|f| match f.statement {
                Some(i) => format!("{}@{i}", f.id),
                None => f.id.to_string(),
            })
            .collect();
        got.sort();
        let mut problems = Vec::new();
        if got != case.expect {
            problems.push(format!("findings {got:?}, expected {:?}", case.expect));
        }
        if verdict.compliance.as_str() != case.compliance {
            problems.push(format!(
                "compliance {}, expected {}",
                verdict.compliance, case.compliance
            ));
        }
        if let Some(expected) = &case.stopped {
            let got: Vec<&str> = verdict.stopped.iter().map(|s| s.source_name()).collect();
            if got != *expected {
                problems.push(format!("stopped mappings {got:?}, expected {expected:?}"));
            }
        }
        for (id, severity) in &case.severity {
            let got = verdict
                .findings
                .iter()
                .find(|f| f.id.as_str() == id)
                .map(|f| f.severity.as_str());
            if got != Some(severity.as_str()) {
                problems.push(format!("{id} severity {got:?}, expected {severity}"));
            }
        }
        for (id, text) in &case.message_contains {
            let message = verdict
                .findings
                .iter()
                .find(|f| f.id.as_str() == id)
                .map(|f| f.message.as_str());
            if !message.is_some_and(|m| m.contains(text.as_str())) {
                problems.push(format!("{id} message {message:?} lacks {text:?}"));
            }
        }
        for (id, (text, said)) in &case.fix_says {
            let fix = verdict
                .findings
                .iter()
                .find(|f| f.id.as_str() == id)
                .map(|f| f.fix.as_str());
            if fix.map(|f| f.contains(text.as_str())) != Some(*said) {
                problems.push(format!("{id} fix {fix:?}: holding {text:?} should be {said}"));
            }
        }
        let chars = verdict.annotation.chars().count();
        if !(1..=256).contains(&chars) {
            problems.push(format!("annotation has {chars} characters"));
        }
        if verdict.compliance == Compliance::NonCompliant {
            match evaluate(&doc, &role, &params).suggested_policy {
                Some(fixed) => {
                    let json = fixed.to_json();
                    for text in case.suggested_has.iter().filter(|t| !json.contains(t.as_str())) {
                        problems.push(format!("suggested policy without {text:?}: {json}"));
                    }
                    let again = check(&json, &role, &params);
                    // A role whose exemption a CRITICAL finding overrode is exempt again once fixed.
                    let fixed_compliance = match verdict.exemption_refused {
                        Some(_) => Compliance::NotApplicable,
                        None => Compliance::Compliant,
                    };
                    if again.compliance != fixed_compliance || !again.findings.is_empty() {
                        problems.push(format!(
                            "suggested policy is {} ({}): {}",
                            again.compliance,
                            again.annotation,
                            fixed.to_json()
                        ));
                    }
                }
                None if case.expect.iter().any(|e| e.starts_with("POLICY_UNPARSEABLE"))
                    && role.functions.is_empty() => {}
                // An operator IAM doesn't know, whose meaning isn't clear: no suggestion.
                None if case.expect.iter().any(|e| e.starts_with("POLICY_UNPARSEABLE@")) => {}
                // An identity provider a template leaves undetermined: no key of its to name.
                None if doc.contains("\"Federated\"")
                    && doc.contains("UNRESOLVED(")
                    && case.expect.iter().any(|e| e.starts_with("TRUST_OIDC_UNSCOPED@")) => {}
                None if case.no_suggestion_because.is_some() => {}
                None => problems.push("no suggested policy".into()),
            }
            if case.no_suggestion_because.is_some() && evaluate(&doc, &role, &params).suggested_policy.is_some() {
                problems.push("a suggested policy where none is expected".into());
            }
        } else {
            if !case.suggested_has.is_empty() {
                problems.push("suggested_has, but no suggestion: the role is not NON_COMPLIANT".into());
            }
            if evaluate(&doc, &role, &params).suggested_policy.is_some() {
                problems.push("a suggested policy for a role that needs none".into());
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{} ({}):\n  {}", case.name, case.source, problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
