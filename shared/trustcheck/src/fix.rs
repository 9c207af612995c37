//! The suggested policy: the least-privilege trust policy that fixes the findings it is given.
//!
//! Works on the original statements by index (findings point at them), edits or drops them, and
//! appends what is missing. The result is evaluated again in the tests: it must be COMPLIANT.

use std::{borrow::Cow, collections::BTreeSet};

use serde::{ser::SerializeMap, Serialize, Serializer};

use crate::{
    checks::{
        is_effective_source_condition, is_unique_id, oidc_host, root_account, scoped_services, OidcScope, Subject,
    },
    contexts::{is_source_key, EDGE_LAMBDA, LAMBDA},
    evaluate::{applies, Tri},
    findings::{Finding, FindingId, Severity},
    params::RuleParams,
    pattern::has_wildcard,
    policy::{
        covers, Actions, Condition, Effect, Operator, Policy, PrincipalKind, Principals, Statement, Version, Written,
        ASSUME_ROLE, ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY,
    },
    role::Role,
    validity::{never_applies, refused_principal},
    verdict::Verdict,
};

/// A trust policy ready to print or apply. Serialises with elements in the usual order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedPolicy {
    pub statements: Vec<SuggestedStatement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedStatement {
    pub sid: Option<String>,
    pub effect: &'static str,
    /// `(kind, principals)`: `("Service", ["lambda.amazonaws.com"])`.
    pub principal: Vec<(&'static str, Vec<String>)>,
    pub not_principal: bool,
    pub actions: Vec<String>,
    pub not_action: bool,
    /// `(operator, [(key, values)])`.
    pub conditions: Vec<ConditionBlock>,
}

/// One operator of a `Condition` element with its keys and their values.
pub type ConditionBlock = (String, Vec<(String, Vec<String>)>);

/// Written into a suggested policy where the role's account is unknown: a token the reader
/// replaces, never a real-looking account id someone could paste by mistake.
const ACCOUNT_TO_FILL_IN: &str = "ACCOUNT_ID";
/// The same token as an ARN's account field.
const ACCOUNT_FIELD_TO_FILL_IN: &str = ":ACCOUNT_ID:";
/// Starts every other value the reader fills in.
const FILL_IN: &str = "REPLACE_WITH_";

/// A value of a suggested policy that the reader replaces: IAM will see the real one.
pub(crate) fn is_fill_in(text: &str) -> bool {
    text.contains(FILL_IN) || text == ACCOUNT_TO_FILL_IN || text.contains(ACCOUNT_FIELD_TO_FILL_IN)
}

impl SuggestedPolicy {
    pub fn to_json(&self) -> String {
        // Serialising owned strings and vectors into a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl SuggestedPolicy {
    /// The policy as the engine reads its printed form: borrowed, element for element.
    fn model(&self) -> Policy<'_> {
        Policy {
            version: Version::V2012,
            statements: self.statements.iter().map(SuggestedStatement::model).collect(),
        }
    }
}

impl SuggestedStatement {
    fn model(&self) -> Statement<'_> {
        fn text(v: &str) -> Cow<'_, str> {
            Cow::Borrowed(v)
        }
        let mut principals = Principals {
            negated: self.not_principal,
            ..Principals::default()
        };
        for (kind, values) in &self.principal {
            let slot = match PrincipalKind::named(kind) {
                Some(PrincipalKind::Aws) => &mut principals.aws,
                Some(PrincipalKind::Service) => &mut principals.service,
                Some(PrincipalKind::Federated) => &mut principals.federated,
                Some(PrincipalKind::CanonicalUser) | None => &mut principals.canonical_user,
            };
            slot.extend(values.iter().map(|v| text(v)));
        }
        let conditions = self
            .conditions
            .iter()
            .flat_map(|(operator, keys)| {
                keys.iter().map(move |(key, values)| Condition {
                    operator_text: Cow::Borrowed(operator.as_str()),
                    operator: Operator::parse(operator),
                    key: Cow::Borrowed(key.as_str()),
                    values: values.iter().map(|v| text(v)).collect(),
                })
            })
            .collect();
        Statement {
            sid: self.sid.as_deref().map(text),
            effect: if self.effect == "Deny" {
                Effect::Deny
            } else {
                Effect::Allow
            },
            principals,
            actions: Actions::new(self.not_action, self.actions.iter().map(|v| text(v)).collect()),
            conditions,
            // Printed with its principal element always, and never with Resource.
            written: Written {
                principal: true,
                resource: false,
            },
        }
    }
}

impl Serialize for SuggestedPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("Version", "2012-10-17")?;
        map.serialize_entry("Statement", &self.statements)?;
        map.end()
    }
}

impl Serialize for SuggestedStatement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid)?;
        }
        map.serialize_entry("Effect", self.effect)?;
        let principal_key = if self.not_principal {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let principal: Vec<(&str, OneOrMany)> = self.principal.iter().map(|(k, v)| (*k, OneOrMany(v))).collect();
        map.serialize_entry(principal_key, &OrderedMap(principal.as_slice()))?;
        let action_key = if self.not_action { "NotAction" } else { "Action" };
        map.serialize_entry(action_key, &OneOrMany(&self.actions))?;
        if !self.conditions.is_empty() {
            let blocks: Vec<(&str, Vec<(&str, OneOrMany)>)> = self
                .conditions
                .iter()
                .map(|(op, keys)| {
                    (
                        op.as_str(),
                        keys.iter().map(|(k, v)| (k.as_str(), OneOrMany(v))).collect(),
                    )
                })
                .collect();
            let nested: Vec<(&str, OrderedMap<&str, OneOrMany>)> = blocks
                .iter()
                .map(|(op, keys)| (*op, OrderedMap(keys.as_slice())))
                .collect();
            map.serialize_entry("Condition", &OrderedMap(nested.as_slice()))?;
        }
        map.end()
    }
}

struct OrderedMap<'a, K, V>(&'a [(K, V)]);

impl<K: Serialize, V: Serialize> Serialize for OrderedMap<'_, K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One value prints as a scalar, several as a list, as people write them.
struct OneOrMany<'a>(&'a [String]);

impl Serialize for OneOrMany<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

/// The suggested policy for a NON_COMPLIANT role, from the evaluation already made (`policy` as
/// read, `None` when unreadable): every finding fixed, the hardening below the threshold too,
/// since the policy is being rewritten anyway. One fix can expose another (dropping an unknown
/// operator from a Deny makes it match Lambda), so the fixed policy is evaluated and fixed again
/// until nothing is left to fix. `None` when an unreadable policy leaves no intent to keep.
pub(crate) fn suggested(
    policy: Option<&Policy>,
    verdict: &Verdict,
    role: &Role,
    params: &RuleParams,
) -> Option<SuggestedPolicy> {
    const MAX_ROUNDS: usize = 4;
    #[cfg(test)]
    crate::injected::fire(&crate::injected::FIXER);
    let subject = crate::subject(role);
    let mut fixed = fix_once(policy, &verdict.findings, &subject)?;
    for _ in 0..MAX_ROUNDS {
        // The fixed policy as the engine reads it, without printing and parsing it again; the
        // tests hold its printed form to the same verdict.
        let model = fixed.model();
        let findings = crate::checks::remaining(&model, &subject, params);
        let next = fix_once(Some(&model), &findings, &subject);
        match next {
            Some(next) if next != fixed => fixed = next,
            _ => break,
        }
    }
    Some(fixed)
}

/// Fixes every finding of one evaluation.
fn fix_once(policy: Option<&Policy>, findings: &[Finding], subject: &Subject) -> Option<SuggestedPolicy> {
    let findings: Vec<&Finding> = findings.iter().collect();
    match policy {
        Some(policy) => suggest(policy, subject, &findings, subject.is_lambda_role(policy)),
        // Unreadable: only a role that functions use has a known intent, the Lambda trust.
        None if !subject.functions.is_empty() => {
            let empty = Policy {
                version: Version::V2012,
                statements: Vec::new(),
            };
            let missing = Finding {
                id: FindingId::LambdaTrustMissing,
                severity: Severity::High,
                statement: None,
                message: String::new(),
                fix: String::new(),
            };
            suggest(&empty, subject, &[&missing], true)
        }
        None => None,
    }
}

/// Builds the suggested policy, or `None` when no finding needs it.
fn suggest(policy: &Policy, subject: &Subject, findings: &[&Finding], is_lambda_role: bool) -> Option<SuggestedPolicy> {
    if findings.is_empty() {
        return None;
    }
    let ids: BTreeSet<FindingId> = findings.iter().map(|f| f.id).collect();
    let at = |id: FindingId| -> BTreeSet<usize> {
        findings
            .iter()
            .filter(|f| f.id == id)
            .filter_map(|f| f.statement)
            .collect()
    };
    let account = subject.account.unwrap_or(ACCOUNT_TO_FILL_IN);
    let mut statements: Vec<Option<SuggestedStatement>> =
        policy.statements.iter().map(|s| Some(to_suggested(s))).collect();
    let mut appended: Vec<SuggestedStatement> = Vec::new();

    for i in at(FindingId::PolicyUnparseable) {
        // An operator IAM doesn't know: the condition can't be kept, as IAM would reject it.
        if let Some(s) = statements[i].as_mut() {
            s.conditions.retain(|(op, _)| Operator::parse(op) != Operator::Unknown);
        }
    }
    for i in at(FindingId::TrustPolicyInvalid) {
        let original = &policy.statements[i];
        if original.principals.negated && original.effect == Effect::Deny {
            // A guard: keep it, written as IAM accepts it.
            statements[i] = statements[i].take().map(|s| deny_all_but(s, &original.principals));
        } else if !original.written.principal || original.principals.negated {
            // Nothing IAM accepts is left to keep: no principal, or an Allow for everyone but some.
            statements[i] = None;
        } else {
            let intended = statements[i].clone();
            edit_principals(&mut statements[i], |kind, p| {
                PrincipalKind::named(kind).is_none_or(|kind| refused_principal(kind, p).is_none())
            });
            if statements[i].is_none() && !is_lambda_role {
                // Nobody IAM accepts is left: keep the grant, for a principal the reader names.
                statements[i] = intended.map(|s| for_trusted_role(s, account));
            }
        }
    }
    for i in at(FindingId::StatementNeverApplies) {
        let dead = never_applies(policy, i, subject);
        if dead.iter().any(|d| d.principal().is_none()) {
            statements[i] = None;
        } else {
            edit_principals(&mut statements[i], |_, p| {
                !dead.iter().any(|d| d.principal() == Some(p))
            });
        }
    }
    if ids.contains(&FindingId::DanglingPrincipal) {
        for i in at(FindingId::DanglingPrincipal) {
            edit_principals(&mut statements[i], |_, p| !is_unique_id(p));
        }
    }
    if ids.contains(&FindingId::TrustPublic) || ids.contains(&FindingId::TrustPublicConditioned) {
        for i in at(FindingId::TrustPublic).union(&at(FindingId::TrustPublicConditioned)) {
            drop_wildcards(&mut statements[*i], is_lambda_role, account);
        }
    }
    if ids.contains(&FindingId::LambdaRoleExtraTrust) {
        for i in at(FindingId::LambdaRoleExtraTrust) {
            edit_principals(&mut statements[i], |_, p| {
                p == LAMBDA || p == EDGE_LAMBDA || subject.arn == Some(p)
            });
        }
    }
    for i in at(FindingId::TrustOidcUnscoped) {
        if let Some(s) = statements[i].as_mut() {
            for provider in s
                .principal
                .iter()
                .filter(|(k, _)| *k == "Federated")
                .flat_map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
            {
                let host = oidc_host(&provider);
                let scope = OidcScope::of(host);
                let key = format!("{host}:{}", scope.keys[0]);
                add_condition(s, "StringEquals", &key, scope.fill_in);
            }
        }
    }
    for i in at(FindingId::CrossAccountUnconditioned) {
        if let Some(s) = statements[i].as_mut() {
            add_condition(s, "StringEquals", "sts:ExternalId", "REPLACE_WITH_EXTERNAL_ID");
        }
    }
    let lambda_broken = [
        FindingId::LambdaTrustMissing,
        FindingId::LambdaTrustConditionBlocks,
        FindingId::LambdaTrustDenied,
    ]
    .iter()
    .any(|id| ids.contains(id));
    if lambda_broken {
        // Replace every Lambda grant with the canonical one, and keep Denies from matching Lambda.
        for (slot, original) in statements.iter_mut().zip(&policy.statements) {
            match original.effect {
                Effect::Allow => edit_principals(slot, |kind, p| {
                    !(kind == "Service" && p.trim().eq_ignore_ascii_case(LAMBDA))
                }),
                Effect::Deny if denies_lambda(original, policy, subject) => {
                    if let Some(s) = slot.as_mut() {
                        add_condition(s, "StringNotEquals", "aws:PrincipalServiceName", LAMBDA);
                    }
                }
                Effect::Deny => {}
            }
        }
        appended.push(lambda_statement(subject));
    }
    for i in at(FindingId::BroadTrustAction) {
        narrow_actions(&mut statements[i], &policy.statements[i]);
    }
    for i in at(FindingId::ConfusedDeputyUnscoped).union(&at(FindingId::ConfusedDeputyIneffective)) {
        if let Some(split) = scope_to_account(&mut statements[*i], &policy.statements[*i], account) {
            appended.push(split);
        }
    }
    let statements: Vec<SuggestedStatement> = statements.into_iter().flatten().chain(appended).collect();
    Some(SuggestedPolicy { statements })
}

fn to_suggested(s: &Statement) -> SuggestedStatement {
    let principal = [
        ("AWS", &s.principals.aws),
        ("Service", &s.principals.service),
        ("Federated", &s.principals.federated),
        ("CanonicalUser", &s.principals.canonical_user),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.iter().map(|p| p.to_string()).collect()))
    .collect();
    let mut conditions: Vec<ConditionBlock> = Vec::new();
    for c in &s.conditions {
        let values = c.values.iter().map(|v| v.to_string()).collect();
        match conditions.iter_mut().find(|(op, _)| *op == c.operator_text) {
            Some((_, keys)) => keys.push((c.key.to_string(), values)),
            None => conditions.push((c.operator_text.to_string(), vec![(c.key.to_string(), values)])),
        }
    }
    SuggestedStatement {
        sid: s.sid.as_ref().map(|s| s.to_string()),
        effect: match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        },
        principal,
        not_principal: s.principals.negated,
        actions: s.actions.patterns.iter().map(|a| a.to_string()).collect(),
        not_action: s.actions.negated,
        conditions,
    }
}

/// Keeps the principals for which `keep(kind, principal)` holds; drops the statement when none remain.
fn edit_principals(slot: &mut Option<SuggestedStatement>, keep: impl Fn(&str, &str) -> bool) {
    let Some(s) = slot.as_mut() else { return };
    for (kind, values) in &mut s.principal {
        values.retain(|p| keep(kind, p));
    }
    s.principal.retain(|(_, v)| !v.is_empty());
    if s.principal.is_empty() {
        *slot = None;
    }
}

/// Removes wildcard principals. On a role that isn't Lambda's, a statement left with nobody gets a
/// placeholder for the principal it was meant for, so the intent stays visible.
fn drop_wildcards(slot: &mut Option<SuggestedStatement>, is_lambda_role: bool, account: &str) {
    let Some(s) = slot.as_mut() else { return };
    if s.not_principal {
        s.not_principal = false;
        s.principal.clear();
    }
    for (kind, values) in &mut s.principal {
        if *kind == "AWS" {
            values.retain(|p| !has_wildcard(p));
        }
    }
    s.principal.retain(|(_, v)| !v.is_empty());
    if s.principal.is_empty() {
        if is_lambda_role {
            *slot = None;
        } else {
            *s = for_trusted_role(s.clone(), account);
        }
    }
}

/// `Deny` + `NotPrincipal` (which IAM refuses in a trust policy) as `Deny` for `{"AWS": "*"}`
/// unless the caller is one of those listed: its ARN (`aws:PrincipalArn`), its account (for an
/// account root), its service (`aws:PrincipalServiceName`). Conditions AND, and each one exempts
/// only its own kind, so a listed caller stays exempt. Federated and canonical-user exceptions
/// can't be written so and are dropped: the Deny then covers them too, never fewer callers.
fn deny_all_but(s: SuggestedStatement, excepted: &Principals) -> SuggestedStatement {
    let mut arns = Vec::new();
    let mut accounts = Vec::new();
    for principal in &excepted.aws {
        match root_account(principal) {
            Some(account) => accounts.push(account.to_owned()),
            None => arns.push(principal.to_string()),
        }
    }
    let services: Vec<String> = excepted.service.iter().map(|p| p.to_string()).collect();
    let mut conditions = s.conditions.clone();
    let mut guard = |operator: &str, key: &str, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        match conditions.iter_mut().find(|(op, _)| op == operator) {
            Some((_, keys)) => keys.push((key.to_owned(), values)),
            None => conditions.push((operator.to_owned(), vec![(key.to_owned(), values)])),
        }
    };
    guard("ArnNotEquals", "aws:PrincipalArn", arns);
    guard("StringNotEquals", "aws:PrincipalAccount", accounts);
    guard("StringNotEquals", "aws:PrincipalServiceName", services);
    SuggestedStatement {
        principal: vec![("AWS", vec!["*".to_owned()])],
        not_principal: false,
        conditions,
        ..s
    }
}

/// The statement with a placeholder for the principal it was meant for, so the intent stays visible.
fn for_trusted_role(s: SuggestedStatement, account: &str) -> SuggestedStatement {
    SuggestedStatement {
        principal: vec![(
            "AWS",
            vec![format!("arn:aws:iam::{account}:role/{FILL_IN}TRUSTED_ROLE")],
        )],
        not_principal: false,
        ..s
    }
}

fn add_condition(s: &mut SuggestedStatement, operator: &str, key: &str, value: &str) {
    let entry = (key.to_owned(), vec![value.to_owned()]);
    match s.conditions.iter_mut().find(|(op, _)| op == operator) {
        Some((_, keys)) => {
            keys.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
            keys.push(entry);
        }
        None => s.conditions.push((operator.to_owned(), vec![entry])),
    }
}

fn denies_lambda(statement: &Statement, policy: &Policy, subject: &Subject) -> bool {
    subject
        .lambda_contexts()
        .any(|(_, ctx)| applies(statement, &ctx, ASSUME_ROLE, policy.version) == Tri::True)
}

/// The canonical Lambda trust: the service, one action, pinned to the functions' account(s).
fn lambda_statement(subject: &Subject) -> SuggestedStatement {
    let mut accounts: Vec<String> = subject
        .functions
        .iter()
        .filter_map(|f| f.account)
        .map(str::to_owned)
        .collect();
    accounts.extend(subject.account.map(str::to_owned));
    accounts.sort();
    accounts.dedup();
    if accounts.is_empty() {
        accounts.push(ACCOUNT_TO_FILL_IN.to_owned());
    }
    SuggestedStatement {
        sid: Some("LambdaAssumeRole".into()),
        effect: "Allow",
        principal: vec![("Service", vec![LAMBDA.to_owned()])],
        not_principal: false,
        actions: vec![ASSUME_ROLE.to_owned()],
        not_action: false,
        conditions: vec![("StringEquals".into(), vec![("aws:SourceAccount".into(), accounts)])],
    }
}

/// Replaces weak source conditions with `StringEquals aws:SourceAccount`. Services that never send
/// the key move to a statement of their own, which is returned.
fn scope_to_account(
    slot: &mut Option<SuggestedStatement>,
    original: &Statement,
    account: &str,
) -> Option<SuggestedStatement> {
    let s = slot.as_mut()?;
    let keep_services: Vec<String> = scoped_services(original).map(str::to_owned).collect();
    let mut split = None;
    if let Some((_, services)) = s.principal.iter_mut().find(|(k, _)| *k == "Service") {
        let unscopable: Vec<String> = services
            .iter()
            .filter(|p| !keep_services.contains(p))
            .cloned()
            .collect();
        if !unscopable.is_empty() {
            services.retain(|p| keep_services.contains(p));
            split = Some(SuggestedStatement {
                sid: None,
                principal: vec![("Service", unscopable)],
                ..s.clone()
            });
        }
    }
    let weak: Vec<(String, String)> = original
        .conditions
        .iter()
        .filter(|c| {
            (is_source_key(&c.key) && !is_effective_source_condition(c))
                || c.key.eq_ignore_ascii_case("aws:ResourceAccount")
        })
        .map(|c| (c.operator_text.to_string(), c.key.to_string()))
        .collect();
    for (op, keys) in &mut s.conditions {
        keys.retain(|(k, _)| !weak.iter().any(|(wop, wk)| wop == op && wk == k));
    }
    s.conditions.retain(|(_, keys)| !keys.is_empty());
    add_condition(s, "StringEquals", "aws:SourceAccount", account);
    split
}

/// Lists the assume actions the statement's principals can use and the original actually granted,
/// plus the session actions its author named. A statement left with none granted nothing: dropped.
fn narrow_actions(slot: &mut Option<SuggestedStatement>, original: &Statement) {
    let Some(s) = slot.as_mut() else { return };
    let federated: Vec<&String> = s
        .principal
        .iter()
        .filter(|(k, _)| *k == "Federated")
        .flat_map(|(_, v)| v)
        .collect();
    let wanted = [
        (ASSUME_ROLE, s.principal.iter().any(|(k, _)| *k != "Federated")),
        (
            ASSUME_ROLE_WITH_WEB_IDENTITY,
            federated.iter().any(|p| !p.contains(":saml-provider/")),
        ),
        (
            ASSUME_ROLE_WITH_SAML,
            federated.iter().any(|p| p.contains(":saml-provider/")),
        ),
    ];
    let mut actions: Vec<String> = wanted
        .iter()
        .filter(|(action, used)| *used && covers(&original.actions, action))
        .map(|(action, _)| action.to_string())
        .collect();
    if actions.is_empty() {
        *slot = None;
        return;
    }
    if !s.not_action {
        for action in &s.actions {
            if !has_wildcard(action) && !actions.iter().any(|a| a.eq_ignore_ascii_case(action)) {
                actions.push(action.clone());
            }
        }
    }
    s.actions = actions;
    s.not_action = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_field_token_is_the_account_token() {
        assert_eq!(ACCOUNT_FIELD_TO_FILL_IN, format!(":{ACCOUNT_TO_FILL_IN}:"));
        assert!(is_fill_in("arn:aws:iam::ACCOUNT_ID:root") && is_fill_in("ACCOUNT_ID"));
        assert!(!is_fill_in("arn:aws:iam::123456789012:role/ACCOUNT_IDS"));
    }

    /// IAM refuses `NotPrincipal` in a trust policy; a Deny written with it is a guard the fix
    /// keeps, for everyone but those it excepted.
    #[test]
    fn a_not_principal_deny_stays_a_guard() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            proposed: true,
            ..Role::default()
        };
        let document = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/ci","arn:aws:iam::444455556666:role/x"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"e"}}},
            {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/ci","444455556666"]},"Action":"sts:AssumeRole"}]}"#;
        let evaluation = crate::evaluate(document, &role, &RuleParams::default());
        assert!(evaluation
            .verdict
            .findings
            .iter()
            .any(|f| f.id == FindingId::TrustPolicyInvalid));
        let fixed = evaluation.suggested_policy.expect("a suggestion").to_json();
        let again = crate::check(&fixed, &role, &RuleParams::default());
        assert!(again.findings.is_empty(), "{fixed}: {:?}", again.findings);
        let fixed: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        let deny = &fixed["Statement"][1];
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(deny["Principal"], serde_json::json!({"AWS": "*"}));
        assert_eq!(
            deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"],
            "arn:aws:iam::111122223333:role/ci"
        );
        assert_eq!(
            deny["Condition"]["StringNotEquals"]["aws:PrincipalAccount"],
            "444455556666"
        );
    }

    /// `suggested` checks the model instead of the printed text: the two must read the same.
    #[test]
    fn a_suggested_policy_reads_as_its_printed_form() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:orders".into()],
            ..Role::default()
        };
        let documents = [
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            r#"{"Statement":[{"Sid":"x","Effect":"Allow","Principal":"*","Action":["sts:*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]},"Null":{"aws:SourceArn":"false"}}},
                {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/x","Service":"ec2.amazonaws.com"},"NotAction":"sts:TagSession"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com","CanonicalUser":"abc"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        ];
        let params = RuleParams::default();
        for document in documents {
            let subject = crate::subject(&role);
            let verdict = crate::check(document, &role, &params);
            let fixed = suggested(
                crate::normalise::parse(document).ok().as_ref(),
                &verdict,
                &role,
                &params,
            )
            .expect("a broken policy gets a suggestion");
            // Fixed once more without the later rounds: a policy that still has findings.
            let once = crate::normalise::parse(document)
                .ok()
                .and_then(|p| fix_once(Some(&p), &verdict.findings, &subject));
            for policy in [Some(fixed), once].into_iter().flatten() {
                let printed = policy.to_json();
                let parsed = crate::normalise::parse(&printed).unwrap();
                let model = policy.model();
                let read = |p: &Policy| crate::checks::run_with_impact(p, &subject, &params).0;
                assert_eq!(read(&model), read(&parsed), "{printed}");
                assert_eq!(model.statements.len(), parsed.statements.len());
            }
        }
    }
}
