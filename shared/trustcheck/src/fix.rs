//! The suggested policy: the least-privilege trust policy that fixes the findings it is given.
//!
//! Works on the original statements by index (findings point at them), edits or drops them, and
//! appends what is missing. The result is evaluated again in the tests: it must be COMPLIANT.

use std::{borrow::Cow, cell::LazyCell, collections::BTreeSet};

use serde::{ser::SerializeMap, Serialize, Serializer};

use crate::{
    checks::{
        account_principal, admits_every_external_id, admits_every_principal_of_a_kind, amr_key, cognito_kind_open,
        delivers_for_other_accounts, fixed_without_external_id, function_exception, google_audience_open,
        guard_conditions_for, is_cognito, is_effective_source_condition, is_oidc_scoped, is_unique_id, key_issuer,
        narrows_cross_account, oidc_host, oidc_url, pinned_functions, root_account, scoped_services, OidcScope,
        Subject, GITHUB_ACTIONS, GOOGLE, GOOGLE_AUDIENCE,
    },
    contexts::{is_source_key, sends_no_source_keys, EDGE_LAMBDA, LAMBDA},
    evaluate::{missing_key, Tri},
    findings::{Finding, FindingId, Severity},
    params::RuleParams,
    pattern::{
        arn_account, arn_fields, glob, has_wildcard, is_account_id, is_saml_provider, names_any_account,
        strip_prefix_ignore_case,
    },
    pods::{IrsaTags, Mend, CLUSTER_NAME_KEY, CLUSTER_TO_FILL_IN, POD_IDENTITY},
    policy::{
        covers, Actions, BaseOperator, Condition, Effect, Operator, Policy, PrincipalKind, Principals, SetQualifier,
        Statement, Version, Written, ASSUME_ACTIONS, ASSUME_ROLE, ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY,
        SET_SOURCE_IDENTITY, TAG_SESSION,
    },
    text::text,
    validity::{
        is_opaque, is_valid_sid, names_role_before_it_exists, never_applies, never_sent_by_service, refused_action,
        refused_principal, swapped_audience, Dead, SourceMismatch,
    },
    verdict::Verdict,
};

/// A trust policy ready to print or apply. Serialises with elements in the usual order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedPolicy {
    pub statements: Vec<SuggestedStatement>,
    /// What to do before applying it, or something that assumes the role today stops (a
    /// service that shares a Lambda role, and that the policy no longer lets in). Not part of
    /// the document: reporters show it beside it.
    pub before_applying: Vec<String>,
    /// The callers a round of fixes dropped from a Lambda role, made a step of
    /// `before_applying` once every round is done (those the original let in).
    dropped_callers: Vec<String>,
}

impl SuggestedPolicy {
    /// The policy with `account`, a stand-in that the reader of a template assumed, replaced by
    /// the account to fill in wherever it is a whole value or an ARN's account field: pasted as
    /// it is, the stand-in would name an account that is not the deployer's.
    pub fn with_account_to_fill_in(mut self, account: &str) -> SuggestedPolicy {
        let field = format!(":{account}:");
        let fill_in = |value: &mut String| {
            if value == account {
                *value = ACCOUNT_TO_FILL_IN.to_owned();
            } else if value.contains(&field) {
                *value = value.replace(&field, ACCOUNT_FIELD_TO_FILL_IN);
            }
        };
        for statement in &mut self.statements {
            for (_, values) in &mut statement.principal {
                values.iter_mut().for_each(fill_in);
            }
            for (_, keys) in &mut statement.conditions {
                for (_, values) in keys {
                    values.iter_mut().for_each(fill_in);
                }
            }
        }
        self
    }
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

/// Statements that differ only in their principals, joined into the first of them (its place
/// and `Sid`): the same grant, written shorter. Not a `NotPrincipal` one, whose list says who is
/// left out.
fn join_alike(statements: Vec<SuggestedStatement>) -> Vec<SuggestedStatement> {
    let mut joined: Vec<SuggestedStatement> = Vec::new();
    for s in statements {
        let alike = joined.iter_mut().find(|j| {
            !j.not_principal
                && !s.not_principal
                && j.effect == s.effect
                && j.not_action == s.not_action
                && j.actions == s.actions
                && j.conditions == s.conditions
        });
        let Some(into) = alike else {
            joined.push(s);
            continue;
        };
        for (kind, principals) in s.principal {
            match into.principal.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, list)) => {
                    for p in principals {
                        if !list.contains(&p) {
                            list.push(p);
                        }
                    }
                }
                None => into.principal.push((kind, principals)),
            }
        }
    }
    joined
}

/// Written into a suggested policy where the role's account is unknown: a token the reader
/// replaces, never a real-looking account id someone could paste by mistake.
pub(crate) const ACCOUNT_TO_FILL_IN: &str = "ACCOUNT_ID";
/// The same token as an ARN's account field.
const ACCOUNT_FIELD_TO_FILL_IN: &str = ":ACCOUNT_ID:";
/// Starts every other value the reader fills in.
const FILL_IN: &str = "REPLACE_WITH_";
/// The external id the reader fills in. Not one STS takes (its spaces and parentheses): applied
/// as it is, it lets nobody in, where a valid one, printed in every suggestion and these docs,
/// would let in whoever of the trusted account sends it.
pub(crate) const EXTERNAL_ID_TO_FILL_IN: &str = "REPLACE_WITH_EXTERNAL_ID (no caller can send this)";

/// A value of a suggested policy that the reader replaces: IAM will see the real one.
pub(crate) fn is_fill_in(text: &str) -> bool {
    text.contains(FILL_IN) || text == ACCOUNT_TO_FILL_IN || text.contains(ACCOUNT_FIELD_TO_FILL_IN)
}

impl SuggestedPolicy {
    /// The policy as IAM takes it: a character past U+00FF, which IAM refuses written as it is,
    /// as a JSON escape (the same text once read).
    pub fn to_json(&self) -> String {
        // Serialising owned strings and vectors into a String cannot fail.
        let json = serde_json::to_string_pretty(self).unwrap_or_default();
        if json.is_ascii() {
            return json;
        }
        let mut escaped = String::with_capacity(json.len());
        for c in json.chars() {
            if c <= '\u{FF}' {
                escaped.push(c);
                continue;
            }
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        }
        escaped
    }
}

impl SuggestedPolicy {
    /// The policy as the engine reads its printed form: borrowed, element for element.
    fn model(&self) -> Policy<'_> {
        Policy {
            text: "",
            version: Version::V2012,
            statements: self.statements.iter().map(SuggestedStatement::model).collect(),
            unknown_elements: Vec::new(),
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
        let effect = if self.effect == "Deny" {
            Effect::Deny
        } else {
            Effect::Allow
        };
        Statement {
            sid: self.sid.as_deref().map(text),
            effect,
            principals,
            actions: Actions::new(self.not_action, self.actions.iter().map(|v| text(v)).collect())
                .in_statement_of(effect),
            // Read as the parser reads them (`ForAnyValue:` on a single-valued key, `IfExists`
            // beside `Null false`): the rounds judge what the printed policy will be judged as.
            conditions: crate::normalise::operators_settled(conditions),
            // Printed with its principal and action elements always, and never with Resource.
            written: Written {
                principal: true,
                action: true,
                resource: false,
            },
            // Printed with the grammar's elements only.
            unknown_elements: Vec::new(),
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
    subject: &Subject,
    params: &RuleParams,
) -> Option<SuggestedPolicy> {
    const MAX_ROUNDS: usize = 4;
    #[cfg(test)]
    crate::injected::fire(&crate::injected::FIXER);
    // An element the grammar doesn't have was read as absent, and a policy without it could lose
    // what its author meant (a Deny of everyone left without its condition, a guard dropped for
    // its misspelt action): which element was meant is theirs to say. Only where the suggestion
    // leaves it as absent as IAM would is it made: a misspelt `Sid` or `Resource`, and an Allow's
    // misspelt principal or action (the grant goes, or waits for a principal the reader names).
    let harmless = |s: &Statement, element: &str| match crate::validity::meant_element(element) {
        Some("Sid" | "Resource" | "NotResource") => true,
        Some("Principal" | "NotPrincipal" | "Action" | "NotAction") => s.effect == Effect::Allow,
        _ => false,
    };
    // A misspelt `version` or `statement` at the top: what was meant is theirs to say too.
    if policy.is_some_and(|p| {
        !p.unknown_elements.is_empty()
            || p.statements
                .iter()
                .any(|s| s.unknown_elements.iter().any(|e| !harmless(s, e)))
    }) {
        return None;
    }
    // A service granted session actions alone beside a wildcard that may let it assume the role
    // is no dead statement; once a round names the wildcard's callers, it must not become one to
    // revive with sts:AssumeRole, which the policy never gave it.
    let wildcard_assumes = policy.is_some_and(|p| {
        (p.statements.iter()).any(|s| {
            s.effect == Effect::Allow
                && covers(&s.actions, ASSUME_ROLE)
                && (s.principals.bare_wildcard || s.principals.negated || s.principals.aws.iter().any(|a| a == "*"))
        })
    });
    let revive_services = !wildcard_assumes;
    let mut fixed = fix_once(policy, &verdict.findings, subject, revive_services)?;
    let mut round = 0;
    let left = loop {
        // The fixed policy as the engine reads it, without printing and parsing it again; the
        // tests hold its printed form to the same verdict.
        let model = fixed.model();
        let findings = crate::checks::remaining(&model, subject, params);
        round += 1;
        match fix_once(Some(&model), &findings, subject, revive_services) {
            Some(mut next) if next.statements != fixed.statements && round <= MAX_ROUNDS => {
                // The steps of every round: a later one no longer sees what an earlier dropped.
                for (earlier, later) in [
                    (&mut fixed.before_applying, &mut next.before_applying),
                    (&mut fixed.dropped_callers, &mut next.dropped_callers),
                ] {
                    let mut all = std::mem::take(earlier);
                    add_new(&mut all, later.drain(..));
                    *later = all;
                }
                fixed = next;
            }
            _ => break findings,
        }
    };
    // Only a policy that passes is suggested: one that still fails (a provider the template
    // leaves undetermined, which no edit of ours can scope) would read as the fix.
    if left.iter().any(|f| f.id.fails_at(f.severity, params.non_compliant_at)) {
        return None;
    }
    // A caller the original never let in (a provider given the wrong action, which a round gave
    // the right one before the next dropped it) stops nothing.
    // Only a statement the verdict says has principals that never get in needs asking which.
    let with_dead: Vec<usize> = (verdict.findings.iter())
        .filter(|f| f.id == FindingId::StatementNeverApplies)
        .filter_map(|f| f.statement)
        .collect();
    let dropped: Vec<String> = std::mem::take(&mut fixed.dropped_callers)
        .into_iter()
        .filter(|caller| policy.is_some_and(|p| lets_in(p, caller, subject, &with_dead)))
        .collect();
    if !dropped.is_empty() {
        fixed.before_applying.insert(
            0,
            format!(
                "give {} a role of their own and point what uses this role for them at it: this policy no longer lets them assume it",
                dropped.join(", ")
            ),
        );
    }
    // A wildcard that became the role's own account: the account's callers then need
    // sts:AssumeRole on the role in their own policies (a trust of an account delegates to them),
    // which the wildcard, naming them, did not ask of a caller of the role's account.
    let own_root = subject
        .account
        .map(|account| format!("arn:{}:iam::{account}:root", subject.partition));
    let names = |p: &Policy, principal: &str| {
        p.statements
            .iter()
            .any(|s| s.principals.aws.iter().any(|a| a == principal))
    };
    if let (Some(root), Some(original)) = (&own_root, policy) {
        let became_own = names(&fixed.model(), root) && !names(original, root) && names(original, "*");
        if became_own {
            fixed.before_applying.push(format!(
                "grant sts:AssumeRole on this role in the policies of the callers of {root} that assume it (Identity Center permission sets included): trusting the account delegates to its policies, which the wildcard didn't ask of them"
            ));
        }
    }
    within_quota(fixed, policy.map_or("", |p| p.text))
}

/// Whether some Allow of `policy` names `caller` and may let it in (`with_dead`: the statements
/// that have principals that never get in): as a principal, or as one a wildcard's conditions
/// name (`aws:PrincipalArn` its ARN, an account its root stands for), which an earlier round
/// trusted in the wildcard's place.
fn lets_in(policy: &Policy, caller: &str, subject: &Subject, with_dead: &[usize]) -> bool {
    let names_callers = |c: &&Condition| {
        (c.key.eq_ignore_ascii_case("aws:PrincipalArn") || c.key.eq_ignore_ascii_case("aws:PrincipalAccount"))
            && matches!(c.operator, Operator::Known { base, .. } if !base.is_negated())
    };
    let named_by_conditions = |s: &Statement| {
        s.principals.aws.iter().any(|p| p == "*")
            && (s.conditions.iter().filter(names_callers).flat_map(|c| &c.values)).any(|v| {
                v == caller
                    || root_account(caller).is_some_and(|account| v == account || arn_account(v) == Some(account))
            })
    };
    (policy.statements.iter().enumerate()).any(|(i, s)| {
        s.effect == Effect::Allow
            && !s.principals.negated
            && (s.principals.entries().any(|(_, p)| p == caller) || named_by_conditions(s))
            && (!with_dead.contains(&i)
                || !never_applies(policy, i, subject)
                    .iter()
                    .any(|d| d.principal() == Some(caller)))
    })
}

/// At least as many characters (whitespace aside) as the suggestion's JSON has: every string with
/// its quotes, a comma and its escapes, and generously the names and brackets around them.
fn chars_at_most(policy: &SuggestedPolicy) -> usize {
    // First as if every byte were escaped (`\u0001` for one), which spares counting escapes in the
    // short suggestions most are.
    let worst = chars_at_most_with(policy, |s| 6 * s.len() + 3);
    if worst <= crate::validity::DEFAULT_TRUST_POLICY_CHARS {
        return worst;
    }
    chars_at_most_with(policy, |s| {
        // A character past U+00FF is printed as an escape: six characters, twelve past U+FFFF.
        let past_latin1: usize = match s.is_ascii() {
            true => 0,
            false => (s.chars().filter(|c| *c > '\u{FF}'))
                .map(|c| if c > '\u{FFFF}' { 12 } else { 6 })
                .sum(),
        };
        s.len() + 3 + 5 * s.bytes().filter(|b| matches!(b, b'"' | b'\\' | 0..=0x1f)).count() + past_latin1
    })
}

fn chars_at_most_with(policy: &SuggestedPolicy, string: impl Fn(&str) -> usize) -> usize {
    let strings = |list: &[String]| list.iter().map(|s| string(s)).sum::<usize>();
    let statement = |s: &SuggestedStatement| {
        100 + s.sid.as_deref().map_or(0, &string)
            + s.principal
                .iter()
                .map(|(_, values)| 20 + strings(values))
                .sum::<usize>()
            + strings(&s.actions)
            + (s.conditions.iter())
                .map(|(operator, keys)| {
                    10 + string(operator)
                        + keys
                            .iter()
                            .map(|(key, values)| 6 + string(key) + strings(values))
                            .sum::<usize>()
                })
                .sum::<usize>()
    };
    50 + policy.statements.iter().map(statement).sum::<usize>()
}

/// The suggestion as IAM's size quota lets it be written: past the highest quota, its alike
/// statements joined, or none (no policy this fixer writes fits; the callers need roles of their
/// own). Past only the default one where the original was not, with a step that says so.
fn within_quota(mut fixed: SuggestedPolicy, original: &str) -> Option<SuggestedPolicy> {
    use crate::validity::{length_past_default_quota, length_past_quota, DEFAULT_TRUST_POLICY_CHARS};
    // Most suggestions are a few hundred characters: told without writing them out.
    if chars_at_most(&fixed) <= DEFAULT_TRUST_POLICY_CHARS {
        return Some(fixed);
    }
    if length_past_quota(&fixed.to_json()).is_some() {
        fixed.statements = join_alike(fixed.statements);
        if length_past_quota(&fixed.to_json()).is_some() {
            return None;
        }
    }
    if let Some(chars) = length_past_default_quota(&fixed.to_json()) {
        if length_past_default_quota(original).is_none() {
            fixed.before_applying.push(format!(
                "raise the account's role trust policy quota (ACLSizePerRole) from 2,048 characters, or split the callers over roles: this policy is {chars} long without whitespace"
            ));
        }
    }
    Some(fixed)
}

/// Fixes every finding of one evaluation.
fn fix_once(
    policy: Option<&Policy>,
    findings: &[Finding],
    subject: &Subject,
    revive_services: bool,
) -> Option<SuggestedPolicy> {
    let findings: Vec<&Finding> = findings.iter().collect();
    match policy {
        Some(policy) => suggest(
            policy,
            subject,
            &findings,
            subject.is_lambda_role(policy),
            revive_services,
        ),
        // Unreadable: only a role that functions use has a known intent, the Lambda trust.
        None if !subject.functions.is_empty() => {
            let empty = Policy {
                text: "",
                version: Version::V2012,
                statements: Vec::new(),
                unknown_elements: Vec::new(),
            };
            let missing = |id| Finding {
                id,
                severity: Severity::High,
                statement: None,
                message: String::new(),
                fix: String::new(),
            };
            let lambda = missing(FindingId::LambdaTrustMissing);
            let edge = missing(FindingId::LambdaEdgeTrustMissing);
            match subject.edge_functions.is_empty() {
                true => suggest(&empty, subject, &[&lambda], true, revive_services),
                false => suggest(&empty, subject, &[&lambda, &edge], true, revive_services),
            }
        }
        None => None,
    }
}

/// Builds the suggested policy, or `None` when no finding needs it.
/// `revive_services`: whether a service granted session actions alone may be given the assume
/// action it needs (not where the original policy's wildcard may have let it in).
fn suggest(
    policy: &Policy,
    subject: &Subject,
    findings: &[&Finding],
    is_lambda_role: bool,
    revive_services: bool,
) -> Option<SuggestedPolicy> {
    if findings.is_empty() {
        return None;
    }
    // A character past U+00FF in a document not yet deployed: written as an escape, it reaches
    // IAM as itself all the same through CloudFormation and Terraform, which write the document
    // again; which character was meant is the author's to say.
    if subject.proposed && crate::validity::beyond_latin1(policy.text).is_some() {
        return None;
    }
    // A policy has a handful of findings: a scan is cheaper than building sets.
    let has = |id: FindingId| findings.iter().any(|f| f.id == id);
    // The statements that findings of these kinds point at, in order, each once.
    let at_any = |ids: &[FindingId]| -> Vec<usize> {
        let mut at: Vec<usize> = findings
            .iter()
            .filter(|f| ids.contains(&f.id))
            .filter_map(|f| f.statement)
            .collect();
        crate::order::sort_small_dedup(&mut at);
        at
    };
    let at = |id: FindingId| at_any(&[id]);
    let account = subject.account.unwrap_or(ACCOUNT_TO_FILL_IN);
    // Only some fixes name a role to fill in.
    let trusted = LazyCell::new(|| trusted_role_to_fill_in(subject, account));
    let mut statements: Vec<Option<SuggestedStatement>> =
        policy.statements.iter().map(|s| Some(to_suggested(s))).collect();
    let mut appended: Vec<SuggestedStatement> = Vec::new();

    for i in at(FindingId::PolicyUnparseable) {
        // An operator IAM doesn't know, which IAM would reject: corrected when what was meant is
        // clear, otherwise no suggestion. Dropping the condition would widen an Allow (an MFA
        // requirement gone) or a Deny (a guard that locks everyone out).
        if let Some(s) = statements[i].as_mut() {
            let mut corrected: Vec<ConditionBlock> = Vec::new();
            for (op, keys) in std::mem::take(&mut s.conditions) {
                let op = match Operator::parse(&op) {
                    Operator::Unknown => Operator::correction(&op)?,
                    Operator::Known { .. } => op,
                };
                match corrected.iter_mut().find(|(o, _)| *o == op) {
                    // The same key under the same operator twice: which one IAM would keep is
                    // not for us to guess.
                    Some((_, same))
                        if keys
                            .iter()
                            .any(|(k, _)| same.iter().any(|(s, _)| s.eq_ignore_ascii_case(k))) =>
                    {
                        return None;
                    }
                    Some((_, same)) => same.extend(keys),
                    None => corrected.push((op, keys)),
                }
            }
            s.conditions = corrected;
        }
    }
    for i in at(FindingId::TrustPolicyInvalid) {
        let original = &policy.statements[i];
        // A guard that names a trust action misspelt (a wrong service, a typo, no `sts:`) and
        // principals IAM doesn't take either: rewriting its principals reads its actions as
        // written, so which callers and which ways in it stops is the author's to say.
        let principals_taken = original.written.principal
            && !original.principals.bare_wildcard
            && !original.principals.negated
            && (original.principals.entries()).all(|(kind, p)| refused_principal(kind, p).is_none());
        let misspelt_trust_action = !original.actions.negated
            && (original.actions.patterns.iter())
                .any(|a| refused_action(a).is_some() && crate::validity::may_mean_trust_action(a));
        if original.effect == Effect::Deny && misspelt_trust_action && !principals_taken {
            return None;
        }
        if !original.written.action && original.effect == Effect::Allow {
            // It never applied (no action matches nothing), and IAM refuses it: it goes, rather
            // than guess which actions were meant.
            statements[i] = None;
        } else if !original.written.action {
            // A guard written without its actions (as if it were a resource policy's): dropping
            // it would let in whom it was written to stop. It denies the ways in the Allows give.
            // Only the ways in its principals take: `{"AWS": "*"}` with the web-identity action
            // would stop the provider's callers too, which no principal of its named.
            let principals = &original.principals;
            let for_everyone = !original.written.principal || principals.bare_wildcard || principals.negated;
            let federated = for_everyone || !principals.federated.is_empty();
            let signed = for_everyone || !principals.aws.is_empty() || !principals.service.is_empty();
            let mut allowed = allowed_actions(policy);
            allowed.retain(|action| {
                let takes = |needs: &str| action.eq_ignore_ascii_case(needs);
                if takes(ASSUME_ROLE_WITH_WEB_IDENTITY) || takes(ASSUME_ROLE_WITH_SAML) {
                    federated
                } else {
                    signed || !takes(ASSUME_ROLE)
                }
            });
            statements[i] = (statements[i].take())
                .filter(|_| !allowed.is_empty())
                .map(|s| SuggestedStatement {
                    actions: allowed,
                    not_action: false,
                    ..s
                });
            // Without a principal too (or the bare `"*"`): a guard for everyone, as below.
            if !original.written.principal || principals.bare_wildcard {
                statements[i] = (statements[i].take())
                    .map(|s| trusting(s, "*"))
                    .map(|s| also_denying_who_allows_name(s, original, policy, |_, _| true));
            }
        } else if original.principals.negated && original.effect == Effect::Deny {
            // A guard: keep it, written as IAM accepts it. An excepted SAML provider is told
            // apart by no key of its own: the other SAML providers the Allows let in get a Deny
            // of their own, as the original denied them.
            let other_saml = other_saml_providers(original, policy);
            if !other_saml.is_empty() {
                appended.extend(statements[i].clone().map(|s| SuggestedStatement {
                    principal: vec![("Federated", other_saml.clone())],
                    not_principal: false,
                    ..s
                }));
            }
            statements[i] = (statements[i].take())
                .map(|s| deny_all_but(s, &original.principals))
                .map(|s| also_denying_who_allows_name(s, original, policy, |_, _| true));
            // Under `Null saml:aud` it denies no SAML caller: naming one there only misleads.
            if original.principals.federated.iter().any(|p| is_saml_provider(p)) {
                edit_principals(&mut statements[i], |kind, p| {
                    kind != "Federated" || !is_saml_provider(p)
                });
            }
        } else if original.effect == Effect::Deny && (!original.written.principal || original.principals.bare_wildcard)
        {
            // A guard for everyone, written without a principal (as in an identity policy) or as
            // the bare `"*"`: `{"AWS": "*"}` alone would stop guarding providers and services.
            statements[i] = (statements[i].take())
                .map(|s| trusting(s, "*"))
                .map(|s| also_denying_who_allows_name(s, original, policy, |_, _| true));
        } else if !original.written.principal || original.principals.negated {
            // Nothing IAM accepts is left to keep: no principal, or an Allow for everyone but
            // some. The grant stays for a principal the reader names (none on Lambda's role).
            statements[i] = statements[i]
                .take()
                .filter(|_| !is_lambda_role)
                .map(|s| for_a_principal_to_fill_in(s, subject, account, &trusted));
        } else {
            let mut meaning_kept = true;
            if let Some(s) = statements[i].as_mut() {
                correct_principal_names(s);
                meaning_kept = correct_actions(s);
            }
            // A guard whose misspelt action no correction is sure of: which way in it was to stop
            // is the author's to say.
            if !meaning_kept && original.effect == Effect::Deny {
                return None;
            }
            // Left with no action IAM takes in a trust policy, it never granted or denied a way in.
            statements[i] = statements[i].take().filter(|s| s.not_action || !s.actions.is_empty());
            let intended = statements[i].clone();
            // The ARN patterns IAM refuses as principals are matched by `aws:PrincipalArn`
            // instead. A Deny keeps guarding, in a Deny of everyone (dropping them would let in
            // the very callers it stops). An Allow of a pattern in a named account
            // (`…:111122223333:role/deploy-*`) keeps its grant: that account, narrowed to them.
            let patterns: Vec<String> = (original.principals.aws.iter())
                .filter(|p| {
                    p.starts_with("arn:")
                        && has_wildcard(p)
                        && (original.effect == Effect::Deny || !names_any_account(p))
                })
                .map(|p| p.to_string())
                .collect();
            if !patterns.is_empty() {
                let is_pattern = |kind: &str, p: &str| kind == "AWS" && patterns.iter().any(|q| q == p);
                let arns: Vec<String> = patterns.iter().flat_map(|p| principal_arn_patterns(p)).collect();
                let principals = match original.effect {
                    Effect::Deny => vec!["*".to_owned()],
                    Effect::Allow => {
                        let partition = subject.arn.and_then(arn_fields::<6>).map_or("aws", |fields| fields[1]);
                        let mut roots: Vec<String> =
                            patterns.iter().filter_map(|p| account_root(p, partition)).collect();
                        crate::order::sort_small_dedup(&mut roots);
                        roots
                    }
                };
                apart(&mut statements[i], &mut appended, is_pattern, |s| {
                    s.principal = vec![("AWS", principals)];
                    pin_principal_arn(s, &arns);
                });
            }
            // The role itself while the change creates it (IAM refuses a principal that doesn't
            // exist yet): everyone, narrowed by aws:PrincipalArn to the role's ARN as it will be,
            // as terraform-aws-modules writes self-trust. The account's root would also need the
            // role's identity policy to allow it.
            let names_itself = |p: &str| names_role_before_it_exists(p, subject);
            if let Some(own) = subject
                .arn
                .filter(|_| original.principals.aws.iter().any(|p| names_itself(p)))
            {
                apart(
                    &mut statements[i],
                    &mut appended,
                    |kind, p| kind == "AWS" && names_itself(p),
                    |s| {
                        s.principal = vec![("AWS", vec!["*".to_owned()])];
                        pin_principal_arn(s, &[own.to_owned()]);
                    },
                );
            }
            // As IAM refuses them: a principal of another partition than the role's too.
            edit_principals(&mut statements[i], |kind, p| {
                PrincipalKind::named(kind).is_none_or(|kind| refused_principal(kind, p).is_none())
                    && crate::validity::other_partition(p, subject).is_none()
            });
            // A Deny of providers or services by a pattern IAM refuses (`{"Federated": "*"}`)
            // keeps guarding the ones the Allows let in that it matches: dropping it would let in
            // the very callers it stops.
            let refused_patterns: Vec<(PrincipalKind, &str)> = (original.principals.entries())
                .filter(|(kind, p)| {
                    matches!(kind, PrincipalKind::Federated | PrincipalKind::Service)
                        && has_wildcard(p)
                        && refused_principal(*kind, p).is_some()
                })
                .collect();
            if original.effect == Effect::Deny && !refused_patterns.is_empty() {
                let guard = (statements[i].take()).or_else(|| {
                    intended.clone().map(|s| SuggestedStatement {
                        principal: Vec::new(),
                        ..s
                    })
                });
                let matched = |kind: PrincipalKind, p: &str| {
                    refused_patterns
                        .iter()
                        .any(|(k, pattern)| *k == kind && glob(pattern, p, true))
                };
                statements[i] = guard
                    .map(|s| also_denying_who_allows_name(s, original, policy, matched))
                    .filter(|s| !s.principal.is_empty());
            }
            // A Deny of nobody IAM accepts matched nobody: it goes. An Allow's grant stays.
            if statements[i].is_none() && original.effect == Effect::Allow && !is_lambda_role {
                // Nobody IAM accepts is left: keep the grant, for a principal the reader names,
                // of the kind its action serves.
                statements[i] = intended.map(|s| for_a_principal_to_fill_in(s, subject, account, &trusted));
            }
        }
    }
    // A trust that expires is fixed as the broken one it becomes: by its Allow's window, or by the
    // Deny that starts.
    let expiring = at(FindingId::LambdaTrustExpiring);
    let expires_by = |effect: Effect| expiring.iter().any(|&i| policy.statements[i].effect == effect);
    let lambda_broken = [
        FindingId::LambdaTrustMissing,
        FindingId::LambdaTrustConditionBlocks,
        FindingId::LambdaTrustDenied,
    ]
    .iter()
    .any(|id| has(*id))
        || !expiring.is_empty();
    // Only a Deny in the way: the Allows let Lambda in as they are, and their conditions (an
    // `aws:SourceArn` naming the function) are never loosened into the canonical grant.
    let allows_work = !has(FindingId::LambdaTrustMissing)
        && !has(FindingId::LambdaTrustConditionBlocks)
        && !expires_by(Effect::Allow);
    for i in at(FindingId::StatementNeverApplies) {
        let dead = never_applies(policy, i, subject);
        // An external id STS refuses (`"*"` for "any"): the id agreed with its callers, to fill
        // in, keeps whom the statement was for. Only for accounts and their users and roles,
        // which send one; not beside a wildcard, which no id narrows.
        if let [Dead::NoValueStsTakes { condition }] = dead.as_slice() {
            let principals = &policy.statements[i].principals;
            let named_accounts = !principals.negated
                && (principals.entries())
                    .all(|(kind, p)| kind == PrincipalKind::Aws && !crate::pattern::names_any_account(p));
            let external_id = condition.key.eq_ignore_ascii_case("sts:ExternalId");
            if let Some(s) = statements[i].as_mut().filter(|_| named_accounts && external_id) {
                // Every condition on it goes: the id filled in is the whole test.
                retain_condition_values(s, |_| true, "sts:ExternalId", |_| false);
                add_condition(s, "StringEquals", "sts:ExternalId", EXTERNAL_ID_TO_FILL_IN);
                continue;
            }
        }
        // An organization's id or path with a slip of form (capitals, spaces, a path's last `/`):
        // as AWS Organizations writes it. Another value was meant as some organization's, which
        // only its author knows: the statement goes with the other dead ones below.
        if let [Dead::NoSuchOrganization { condition }] = dead.as_slice() {
            if let (Some(mended), Some(s)) = (crate::organizations::mended(condition), statements[i].as_mut()) {
                if set_values(s, condition, &mended) {
                    continue;
                }
            }
        }
        // A perimeter Deny with such a slip stops everyone: mended, it stops whom it was meant to.
        if let [Dead::DeniedForEveryone {
            deny,
            organization: Some(_),
            ..
        }] = dead.as_slice()
        {
            // Each such condition of the Deny: one left as it was would still stop everyone.
            let slips: Vec<&Condition> = (policy.statements[*deny].conditions.iter())
                .filter(|c| crate::organizations::holds_for_every_request(c))
                .collect();
            let mended: Option<Vec<Vec<String>>> = slips.iter().map(|c| crate::organizations::mended(c)).collect();
            if let (Some(mended), Some(d)) = (mended, statements[*deny].as_mut()) {
                if (slips.iter().zip(&mended)).all(|(c, values)| set_values(d, c, values)) {
                    continue;
                }
            }
        }
        // A Deny "unless from 10.0.0.0/8" on aws:SourceIp, a public address: on the private
        // address of a call through a VPC endpoint, it stops whom it was meant to.
        if let [Dead::DeniedForEveryone {
            deny,
            private_ip: Some(condition),
            ..
        }] = dead.as_slice()
        {
            if statements[*deny]
                .as_mut()
                .is_some_and(|d| rename_key(d, condition, "aws:VpcSourceIp"))
            {
                continue;
            }
        }
        // A Deny unless a role's session's ARN, which aws:PrincipalArn never holds: unless the
        // role's, as the Allow names it (with its path), else at any path a pattern can say.
        if let [Dead::DeniedForEveryone {
            deny,
            arn_exception: Some(condition),
            ..
        }] = dead.as_slice()
        {
            let allowed = &policy.statements[i].principals.aws;
            let named: Option<Vec<String>> = (condition.values.iter())
                .map(|v| session_role_named(v, allowed))
                .collect();
            // Else the roles and users the Allow names, where it names them exactly: the Deny
            // then stops everyone else, as it was to.
            let exact = |p: &Cow<str>| {
                arn_fields::<6>(p).is_some_and(|[head, _, service, _, _, resource]| {
                    head == "arn"
                        && service == "iam"
                        && (resource.starts_with("role/") || resource.starts_with("user/"))
                        && !has_wildcard(p)
                })
            };
            let allowed_exactly = (!allowed.is_empty() && allowed.iter().all(exact))
                .then(|| allowed.iter().map(|p| p.to_string()).collect::<Vec<_>>());
            // Else another account's (or partition's) roles and users, where the Allow names one
            // account (its root or its id): the same ones in it, whom the Allow lets in.
            // Not from an account another Allow trusts: the Deny lets its callers in there, and
            // moved, it would stop them (and let in this Allow's account, which it stopped).
            let trusted_elsewhere = |theirs: &str| {
                (policy.statements.iter().enumerate()).any(|(j, s)| {
                    j != i
                        && s.effect == Effect::Allow
                        && (s.principals.aws.iter()).any(|p| {
                            account_named(p, subject.partition).is_some_and(|(_, a)| a == theirs)
                                || crate::pattern::arn_account(p) == Some(theirs)
                        })
                })
            };
            let moved = || {
                let mut accounts = allowed.iter().map(|p| account_named(p, subject.partition));
                let (partition, account) = accounts.next()??;
                if !accounts.all(|a| a == Some((partition, account))) {
                    return None;
                }
                (condition.values.iter())
                    .map(|v| match arn_fields::<6>(v) {
                        Some(["arn", _, "iam", "", theirs, resource])
                            if (resource.starts_with("role/") || resource.starts_with("user/"))
                                && !trusted_elsewhere(theirs) =>
                        {
                            Some(format!("arn:{partition}:iam::{account}:{resource}"))
                        }
                        _ => None,
                    })
                    .collect::<Option<Vec<String>>>()
            };
            let mended = match named.or(allowed_exactly).or_else(moved) {
                Some(roles) => statements[*deny]
                    .as_mut()
                    .is_some_and(|d| set_values(d, condition, &roles)),
                None => as_role_arns(&mut statements[*deny], condition),
            };
            if mended {
                continue;
            }
        }
        // A Deny unless `Role` (no type): unless the type of the Allow's callers.
        if let [Dead::DeniedForEveryone {
            deny,
            principal_type: Some(condition),
            ..
        }] = dead.as_slice()
        {
            let meant = crate::validity::principal_types_meant(condition, &policy.statements[i]);
            if let (Some(meant), Some(d)) = (meant, statements[*deny].as_mut()) {
                if set_values(d, condition, &meant) {
                    continue;
                }
            }
        }
        // A Deny on a sibling cluster's claim (`…/id/OTHER:sub`), which no token of the Allow's
        // provider carries: on the provider's own claim of that name, as meant. Another kind of
        // provider's (`gitlab.com:sub` of GitHub's callers) can't be told: left as it is.
        if let [Dead::DeniedForEveryone {
            deny,
            other_issuer: Some((condition, provider)),
            ..
        }] = dead.as_slice()
        {
            let host = crate::checks::oidc_host(provider);
            let sibling = (condition.key.rsplit_once(':'))
                .filter(|(issuer, _)| {
                    let eks = |h: &str| crate::checks::is_eks_issuer(&h.to_ascii_lowercase());
                    eks(issuer) && eks(&host)
                })
                .map(|(_, claim)| text!(host.as_ref(), ":", claim));
            if let (Some(own), Some(d)) = (sibling, statements[*deny].as_mut()) {
                if rename_key(d, condition, &own) {
                    continue;
                }
            }
        }
        // A Deny unless a subject no token has (`repo:acme/app:ref:main`): unless the subject
        // meant, or the one to fill in where that can't be told (the Deny stops everyone until
        // then, as it did; never left out, which would let in more than it was to).
        if let [Dead::DeniedForEveryone {
            deny,
            claim_exception: Some(_),
            ..
        }] = dead.as_slice()
        {
            let providers = &policy.statements[i].principals.federated;
            if mend_claim_exceptions(
                &policy.statements[*deny],
                &mut statements[*deny],
                providers,
                subject.partition,
            ) {
                continue;
            }
        }
        // A Deny "unless MFA" (or on another key of a signer's) of identity providers, whose
        // sign-ins sign with no AWS credentials: it stops each of them, who go from it.
        if let [Dead::DeniedForEveryone {
            deny,
            unsent: Some(key),
            ..
        }] = dead.as_slice()
        {
            let allow = &policy.statements[i];
            let denied = &policy.statements[*deny].principals;
            let providers = &allow.principals.federated;
            let named_in_deny =
                !denied.bare_wildcard && !denied.negated && providers.iter().all(|p| denied.federated.contains(p));
            if crate::contexts::is_signer_key(key) && crate::validity::federated_only(allow) && named_in_deny {
                edit_principals(&mut statements[*deny], |kind, p| {
                    !(kind == "Federated" && providers.iter().any(|q| q == p))
                });
                continue;
            }
        }
        // A Deny unless a schedule's ARN, which Scheduler never sends: unless its group's.
        if let [Dead::DeniedForEveryone {
            deny,
            other_kind: Some((condition, service)),
            ..
        }] = dead.as_slice()
        {
            let mendable =
                (condition.values.iter()).any(|v| crate::validity::source_arn_meant(service, v, true).is_some());
            let meant = crate::validity::source_values_meant(condition, service, true);
            if let Some(d) = statements[*deny].as_mut().filter(|_| mendable) {
                if set_values(d, condition, &meant) {
                    continue;
                }
            }
        }
        // A Deny on a token's claim the Allow's services never carry (an IRSA subject left when
        // the trust moved to Pod Identity): for them that condition always holds.
        if let [Dead::DeniedForEveryone {
            deny,
            unsent_claim: Some(claim),
            ..
        }] = dead.as_slice()
        {
            let services: Vec<&str> = policy.statements[i]
                .principals
                .service
                .iter()
                .map(|p| p.as_ref())
                .collect();
            if !claim.claims_only {
                // Without them, a Deny of theirs alone stops them as before, by its other
                // conditions (the next round judges those). One that guards others too is left
                // as it is.
                let claims: Vec<&Condition> = (policy.statements[*deny].conditions.iter())
                    .filter(|c| crate::validity::holds_for_unsent_claim(c, &services))
                    .collect();
                if let Some(d) = statements[*deny].as_mut().filter(|_| claim.theirs_alone) {
                    let mut removed = false;
                    for c in &claims {
                        removed |= remove_condition(d, c);
                    }
                    if removed {
                        continue;
                    }
                }
            } else {
                // It stopped every request of theirs. Whom it spared, Pod Identity's Allow asks for
                // by the tags that name them; where none of them can get in beside what the Allow
                // asks already, the Allow goes with the dead (below) and the Deny stays.
                // (An IRSA audience spared any service account of its cluster: the cluster's name.)
                let tags = crate::pods::tags_meant(claim.condition, true).unwrap_or_else(IrsaTags::no_scope);
                let scoped = !services.contains(&POD_IDENTITY)
                    || scope_by_tags(
                        &mut statements[i],
                        &mut appended,
                        None,
                        &tags,
                        issued_by_eks(claim.condition),
                    );
                if scoped {
                    match claim.theirs_alone {
                        true => statements[*deny] = None,
                        false => edit_principals(&mut statements[*deny], |kind, p| {
                            !(kind == "Service" && services.contains(&p))
                        }),
                    }
                    continue;
                }
            }
        }
        // A Deny of a Pod Identity tag value no pod has (`StringNotEquals … "Prod"`): mended,
        // it stops whom it was meant to (a value to fill in where no slip explains it).
        if let [Dead::DeniedForEveryone {
            deny,
            pod_tag: Some((condition, tag)),
            ..
        }] = dead.as_slice()
        {
            if pod_tag_mended(&mut statements[*deny], condition, *tag) {
                continue;
            }
        }
        // A pseudo parameter left as written (`${AWS::AccountId}` without `Fn::Sub`): the value
        // CloudFormation would have put in, where the role says what it is.
        if let [Dead::UnsubstitutedParameter { .. }] = dead.as_slice() {
            if let Some(s) = statements[i].as_mut() {
                if with_parameters_filled_in(s, subject) {
                    continue;
                }
            }
        }
        // A key no request carries where the one meant is clear (`aws:PrincipleOrgID`,
        // `sts:ExtrenalId`, `PrincipalOrgID`), in the statement or in the Deny that stops it:
        // written as AWS names it.
        // A provider's claim written without it (`sub`): its own.
        let key_meant = |d: &'_ Dead<'_>| -> Option<(String, String)> {
            match d {
                Dead::KeyNeverSent { condition, unsent, .. } => {
                    let meant = (unsent.meant().map(str::to_owned))
                        .or_else(|| crate::validity::claim_meant(&policy.statements[i], &condition.key))?;
                    Some((condition.key.to_string(), meant))
                }
                _ => None,
            }
        };
        if !dead.is_empty() && dead.iter().all(|d| key_meant(d).is_some()) {
            let owned: Vec<(String, String)> = dead.iter().filter_map(key_meant).collect();
            let renames: Vec<(&str, String)> = (owned.iter())
                .map(|(written, meant)| (written.as_str(), meant.clone()))
                .collect();
            if keys_renamed(&mut statements[i], &renames) {
                continue;
            }
        }
        // A provider's name as the key (`token.actions.githubusercontent.com`) compared with
        // subjects (`repo:acme/app:*`, `system:serviceaccount:ns:sa`: a subject names its parts
        // with colons, an audience such as `sts.amazonaws.com` none): its subject.
        if let [Dead::KeyNeverSent {
            principal,
            condition,
            unsent: crate::contexts::UnsentKey::NoClaim,
        }] = dead.as_slice()
        {
            let subjects = !condition.values.is_empty() && condition.values.iter().all(|v| v.contains(':'));
            if subjects && oidc_host(principal).eq_ignore_ascii_case(&condition.key) {
                let subject_key = text!(condition.key, ":sub");
                if keys_renamed(&mut statements[i], &[(&condition.key, subject_key)]) {
                    continue;
                }
            }
        }
        if let [Dead::DeniedForEveryone {
            deny,
            unsent: Some(key),
            ..
        }] = dead.as_slice()
        {
            let meant = (crate::contexts::never_sent(key).and_then(crate::contexts::UnsentKey::meant))
                .map(str::to_owned)
                .or_else(|| crate::validity::claim_meant(&policy.statements[i], key));
            if meant.is_some_and(|meant| keys_renamed(&mut statements[*deny], &[(key, meant)])) {
                continue;
            }
        }
        // A provider's keys written with its URL's scheme or its ARN before the host: the keys
        // as STS writes them, and the statement applies as meant (scoped, where it is not, by
        // the findings of the next round).
        let is_a_prefixed_key = |d: &Dead| match d {
            Dead::NeverSent { condition, sender, .. } => {
                crate::checks::prefixed_key_of(&condition.key, sender).is_some()
            }
            _ => false,
        };
        if !dead.is_empty() && dead.iter().all(is_a_prefixed_key) {
            let senders: Vec<&str> = (dead.iter())
                .filter_map(|d| match d {
                    Dead::NeverSent { sender, .. } => Some(*sender),
                    _ => None,
                })
                .collect();
            let as_sent = |key: &str| -> Option<String> {
                (senders.iter())
                    .find_map(|sender| crate::checks::prefixed_key_of(key, sender))
                    .map(|(sent, _)| sent.to_owned())
            };
            // Written both ways with other values, what was meant is not the suggestion's to
            // guess (both to hold, or one a stale copy): the older way below says the rest.
            if let Some(s) = statements[i].as_mut().filter(|s| alike_as_sent(s, as_sent)) {
                for (_, block) in &mut s.conditions {
                    let mut written: Vec<String> = Vec::new();
                    // A key once a block (IAM refuses it twice): a copy with the same values goes.
                    block.retain_mut(|(key, _)| {
                        let sent = as_sent(key).unwrap_or_else(|| key.clone());
                        if written.iter().any(|k| k.eq_ignore_ascii_case(&sent)) {
                            return false;
                        }
                        written.push(sent.clone());
                        *key = sent;
                        true
                    });
                }
                continue;
            }
        }
        // Keys of another issuer (a sibling cluster's `oidc.eks.…/id/OTHER:sub`, copied from its
        // role; the other provider's claims in a statement of two): each provider asks its own.
        let of_another_issuer = |d: &Dead| match d {
            Dead::NeverSent { condition, sender, .. } => {
                issuer_and_claim(&condition.key).is_some_and(|(issuer, _)| !issuer.eq_ignore_ascii_case(sender))
            }
            _ => false,
        };
        // (With a provider stopped by a Deny unless a subject no token has beside them: that
        // Deny's exceptions written as meant too.)
        let claim_denied = |d: &Dead| {
            matches!(
                d,
                Dead::DeniedFor {
                    claim_exception: Some(_),
                    ..
                }
            )
        };
        if dead.iter().any(of_another_issuer)
            && dead.iter().all(|d| of_another_issuer(d) || claim_denied(d))
            && own_keys_apart(&mut statements[i], &mut appended)
        {
            for d in &dead {
                if let Dead::DeniedFor {
                    principal,
                    deny,
                    claim_exception: Some(_),
                } = d
                {
                    let deny_statement = &policy.statements[*deny];
                    mend_claim_exceptions(
                        deny_statement,
                        &mut statements[*deny],
                        std::slice::from_ref(principal),
                        subject.partition,
                    );
                }
            }
            continue;
        }
        // A variable IAM reads as text before 2012-10-17, in the statement or in the Deny that
        // covers it: the suggestion is 2012-10-17, where it is the variable meant
        // ([`literal_dollars`]), and the statement applies as written.
        let literal = |d: &Dead| match d {
            Dead::LiteralVariable { .. } => true,
            Dead::DeniedForEveryone { literal, .. } => *literal,
            _ => false,
        };
        if !dead.is_empty() && dead.iter().all(literal) {
            continue;
        }
        if dead.iter().any(|d| d.principal().is_none()) {
            // The Deny that covers it will spare Lambda (below): Lambda's grant stays as written,
            // and the principals it still stops go.
            let denied = dead.iter().any(|d| matches!(d, Dead::DeniedForEveryone { .. }));
            let names_lambda = policy.statements[i].principals.service.iter().any(|p| p == LAMBDA);
            if lambda_broken && allows_work && denied && names_lambda {
                edit_principals(&mut statements[i], |kind, p| kind == "Service" && p == LAMBDA);
            } else {
                statements[i] = None;
            }
            continue;
        }
        // An identity provider given the wrong action gets the one it uses (a GitHub provider
        // written with sts:AssumeRole was meant for sts:AssumeRoleWithWebIdentity), scoped by the
        // findings of the next round; so does a service given session actions alone (no assume
        // action in its statement: its companion statement was left out), which can use a role
        // no other way, its source guarded by the next round. An account, role or service given
        // a federation action never had the role (a service beside a provider, most likely a
        // slip): handing it sts:AssumeRole would grant what the policy never did, so it is left
        // out with the rest of the dead, which no action or condition of ours can revive.
        // Not when the statement excluded that action by name (NotAction): that was meant.
        let excluded = policy.statements[i].actions.negated;
        let sessions_alone = !crate::policy::covers_any_assume(&policy.statements[i].actions);
        let revived = |kind: &str, p: &str, needs: Option<&str>| {
            !excluded
                && (kind == "Federated" || (kind == "Service" && sessions_alone && revive_services))
                && dead.iter().any(|d| {
                    matches!(d, Dead::WrongAction { principal, needs: n } if *principal == p && needs.is_none_or(|needs| *n == needs))
                })
        };
        for needs in ASSUME_ACTIONS {
            let wrong = |kind: &str, p: &str| revived(kind, p, Some(needs));
            // The session actions the original grants (a NotAction's list is what it doesn't).
            let granted = &policy.statements[i].actions;
            apart(&mut statements[i], &mut appended, wrong, |s| {
                // A service's sts:SetContext too (Q Business asks for it beside sts:AssumeRole).
                let service = s.principal.iter().any(|(kind, _)| *kind == "Service");
                let sessions = (SESSION_ACTIONS.iter())
                    .chain(service.then_some(&SERVICE_SESSION_ACTION))
                    .filter(|x| covers(granted, x));
                s.actions = std::iter::once(needs)
                    .chain(sessions.copied())
                    .map(str::to_owned)
                    .collect();
                s.not_action = false;
            });
        }
        // A source identity or session tags asked for that nobody may send: allowing their
        // session action lets the callers it names in as its author meant (the next round
        // judges them).
        // A caller to whom a Deny of the policy refuses that action never gets in (the Deny
        // wins): it goes, and the others get the action.
        let refused_to = |p: &str| {
            dead.iter().any(|d| {
                matches!(d, Dead::Unsendable { principal, action, .. }
                    if *principal == p && (policy.statements[i].principals.entries())
                        .any(|(kind, q)| q == p && crate::checks::denies_session_action(policy, *action, kind, q)))
            })
        };
        edit_principals(&mut statements[i], |_, p| !refused_to(p));
        let unsendable = |d: &Dead| matches!(d, Dead::Unsendable { .. } | Dead::SessionActionMissing { .. });
        // Not beside a value the template leaves open: were it `*`, the grant would let anyone in.
        let open_principal = policy.statements[i]
            .principals
            .aws
            .iter()
            .any(|p| crate::validity::holds_opaque(p));
        let sendable = !excluded && !open_principal && dead.iter().any(unsendable);
        let allow = |s: &mut SuggestedStatement, actions: &[&str]| {
            for action in actions {
                if !s.actions.iter().any(|a| a.eq_ignore_ascii_case(action)) {
                    s.actions.push((*action).to_owned());
                }
            }
        };
        if let Some(s) = statements[i].as_mut().filter(|_| sendable) {
            // The statement's condition asks every caller of it for what the action lets them send.
            for d in &dead {
                if let Dead::Unsendable { action, .. } = d {
                    allow(s, &[action.action()]);
                }
            }
        }
        // Roles Anywhere needs both session actions, and only it: the others of its statement
        // (`ec2.amazonaws.com` beside it) keep theirs.
        let anywhere = |_: &str, p: &str| {
            (dead.iter()).any(|d| matches!(d, Dead::SessionActionMissing { principal, .. } if *principal == p))
        };
        if sendable {
            apart(&mut statements[i], &mut appended, anywhere, |s| {
                allow(s, &[SET_SOURCE_IDENTITY, TAG_SESSION]);
            });
        }
        // A pattern's `*` compared literally was meant as a pattern: written as one, the provider
        // it scopes gets in as its author meant (the next round judges the pattern). A source ARN
        // no resource has (another account's, no ARN at all) was meant to name the resource that
        // uses the role: without it the service gets in, and the next round scopes it by account
        // if nothing else does.
        let mut patterned: Vec<&str> = Vec::new();
        // A condition rewritten for the whole statement is rewritten for each principal it shut
        // out (two services under one mistyped aws:SourceAccount): the next finds it done.
        // (Told apart by address: the same condition of the policy, not an equal one elsewhere.)
        let mut rewritten_for_all: Vec<usize> = Vec::new();
        let mut for_all = |done: bool, condition: &Condition| {
            let at = std::ptr::from_ref(condition).addr();
            let already = rewritten_for_all.contains(&at);
            if done && !already {
                rewritten_for_all.push(at);
            }
            done || already
        };
        for d in &dead {
            let tag_rename = match d {
                Dead::NeverSent {
                    principal, condition, ..
                } => crate::validity::tag_as_sent(&policy.statements[i], principal, &condition.key),
                _ => None,
            };
            let rewritten = match d {
                // A provider beside other principals, stopped by a Deny unless a subject no token
                // has: the Deny's exceptions written as meant.
                Dead::DeniedFor {
                    principal,
                    deny,
                    claim_exception: Some(_),
                } => mend_claim_exceptions(
                    &policy.statements[*deny],
                    &mut statements[*deny],
                    std::slice::from_ref(principal),
                    subject.partition,
                )
                .then_some(principal),
                // An identity provider a Deny "unless MFA" names beside others: the provider's
                // sign-ins sign with no AWS credentials, so it goes from the Deny.
                Dead::DeniedFor { principal, deny, .. }
                    if policy.statements[i].principals.federated.iter().any(|p| p == principal)
                        && (policy.statements[*deny].principals.federated.iter()).any(|p| p == principal)
                        && (policy.statements[*deny].conditions.iter())
                            .any(|c| crate::contexts::is_signer_key(&c.key)) =>
                {
                    edit_principals(&mut statements[*deny], |kind, p| {
                        !(kind == "Federated" && p == *principal)
                    });
                    Some(principal)
                }
                Dead::LiteralWildcard {
                    principal, condition, ..
                }
                | Dead::SourceNeverMatches {
                    principal,
                    condition,
                    why:
                        SourceMismatch::LiteralWildcard
                        | SourceMismatch::LiteralWildcardInName
                        | SourceMismatch::WildcardsAlone,
                } => for_all(as_pattern(&mut statements[i], condition, "StringLike"), condition).then_some(principal),
                // A source ARN whose account is no id (a digit missing) keeps its resource: the
                // account the statement names, or one to fill in, goes in its place. Dropped,
                // the pin would give way to the whole account's resources.
                Dead::SourceNeverMatches {
                    principal,
                    condition,
                    why: SourceMismatch::AccountNotAnId,
                } => {
                    let account = named_source_account(&policy.statements[i]).unwrap_or(ACCOUNT_TO_FILL_IN);
                    let meant: Vec<String> = (condition.values.iter())
                        .map(|v| with_arn_account(v, account))
                        .collect();
                    let done = statements[i].as_mut().is_some_and(|s| set_values(s, condition, &meant));
                    for_all(done, condition).then_some(principal)
                }
                // A Scheduler schedule's ARN for its group's: the group's, the other values kept
                // (for the statement's other services).
                Dead::SourceNeverMatches {
                    principal,
                    condition,
                    why: SourceMismatch::OtherKind,
                } if condition.values.iter().any(|v| {
                    crate::validity::source_arn_meant(principal, v, alone_in(&policy.statements[i], principal))
                        .is_some()
                }) =>
                {
                    let alone = alone_in(&policy.statements[i], principal);
                    let meant = crate::validity::source_values_meant(condition, principal, alone);
                    let done = statements[i].as_mut().is_some_and(|s| set_values(s, condition, &meant));
                    for_all(done, condition).then_some(principal)
                }
                // Another service's ARN: it pins that service, which keeps it. Which of this
                // service's resources was meant only the author knows, and letting it in without
                // the pin would let in all of them: it goes (below), as the statement never let it in.
                Dead::SourceNeverMatches {
                    why: SourceMismatch::OtherKind,
                    ..
                } => None,
                // Firehose's external id, no account: the others of its statement (a vendor's
                // role) keep the id they pass; Firehose moves to a statement without it (the next
                // round asks for the stream's account as its id).
                Dead::SourceNeverMatches {
                    principal,
                    condition,
                    why: SourceMismatch::NotAnAccount,
                } if condition.key.eq_ignore_ascii_case("sts:ExternalId") => {
                    let mut done = false;
                    let firehose = |kind: &str, p: &str| kind == "Service" && crate::checks::is_firehose(p);
                    apart(&mut statements[i], &mut appended, firehose, |s| {
                        done = remove_condition(s, condition);
                    });
                    done.then_some(principal)
                }
                Dead::SourceNeverMatches {
                    principal, condition, ..
                } => for_all(without_condition(&mut statements[i], condition), condition).then_some(principal),
                // A subject no token has: the audience's value where they were swapped, or the
                // subject with its start written (`repo:` left out), else none (the next round
                // scopes the provider with the subject to fill in).
                // Of several providers, the one `SAML:doc` doesn't name goes (below): the
                // condition chose the other.
                Dead::NoTokenHas {
                    shape: crate::validity::ClaimShape::SamlDoc,
                    ..
                } if policy.statements[i].principals.federated.len() > 1 => None,
                Dead::NoTokenHas {
                    principal,
                    condition,
                    shape,
                    ..
                } => {
                    let host = crate::checks::oidc_host(principal);
                    let meant: Option<Vec<String>> = match shape {
                        crate::validity::ClaimShape::SamlRecipient => {
                            Some(vec![crate::validity::saml_recipient_of(subject.partition).to_owned()])
                        }
                        // The statement's own provider, which `SAML:doc` restates.
                        crate::validity::ClaimShape::SamlDoc => {
                            crate::validity::saml_doc_of(principal).map(|doc| vec![doc])
                        }
                        _ => crate::validity::claim_values_meant(condition, *shape),
                    };
                    let done = match (swapped_audience(&policy.statements[i], &host, condition, *shape), meant) {
                        (Some(audience), _) => statements[i]
                            .as_mut()
                            .is_some_and(|s| swap_values(s, audience, condition)),
                        (None, Some(meant)) => statements[i].as_mut().is_some_and(|s| set_values(s, condition, &meant)),
                        // A Deny's condition left out would stop every caller: the Deny, which
                        // stopped nobody, goes instead.
                        (None, None) if policy.statements[i].effect == Effect::Deny => false,
                        (None, None) => without_condition(&mut statements[i], condition),
                    };
                    for_all(done, condition).then_some(principal)
                }
                // A service's name with a slip: the service meant, with the statement's conditions.
                Dead::NoSuchService { principal, meant } => {
                    rename_principal(&mut statements[i], "Service", principal, meant).then_some(principal)
                }
                Dead::ChinaServiceName { principal } => {
                    let global = crate::validity::global_service_name(principal);
                    rename_principal(&mut statements[i], "Service", principal, &global).then_some(principal)
                }
                // Another account's OIDC provider was meant as the role's own account's (the
                // provider to create there, for the same issuer).
                Dead::ProviderOfAnotherAccount { principal, account } => {
                    let own = subject
                        .account
                        .map(|own| principal.replacen(&format!(":{account}:"), &format!(":{own}:"), 1));
                    own.is_some_and(|own| rename_principal(&mut statements[i], "Federated", principal, &own))
                        .then_some(principal)
                }
                // An Identity Center role without its path: with it, whatever the region, and
                // compared as a pattern (the region is one segment, or none).
                Dead::IdentityCenterPath { principal, condition } => {
                    let meant: Option<Vec<String>> = (condition.values.iter())
                        .map(|v| {
                            let name = crate::validity::identity_center_role_without_path(v)?;
                            let [_, partition, _, _, account, _] = arn_fields::<6>(v)?;
                            let path = crate::validity::IDENTITY_CENTER_PATH;
                            // The name's start as Identity Center writes it (a pattern compares case).
                            let rest = name.get("AWSReservedSSO_".len()..)?;
                            Some(format!(
                                "arn:{partition}:iam::{account}:role/{path}*AWSReservedSSO_{rest}"
                            ))
                        })
                        .collect();
                    let pattern = match condition.operator {
                        crate::policy::Operator::Known { base, .. } if base.reads_wildcards() => None,
                        _ => Some("StringLike"),
                    };
                    let done = meant.is_some_and(|meant| {
                        (statements[i].as_mut()).is_some_and(|s| set_values(s, condition, &meant))
                            && pattern.is_none_or(|pattern| as_pattern(&mut statements[i], condition, pattern))
                    });
                    for_all(done, condition).then_some(principal)
                }
                // `Role` meant a role's sessions (`AssumedRole`), `IAMUser` a user (`User`).
                Dead::NoCallerType { principal, condition } => {
                    let meant = crate::validity::principal_types_meant(condition, &policy.statements[i]);
                    let done = meant
                        .is_some_and(|meant| statements[i].as_mut().is_some_and(|s| set_values(s, condition, &meant)));
                    for_all(done, condition).then_some(principal)
                }
                // A role's sessions were meant as the role: named by its ARN, they get in.
                Dead::NoCallerArn { principal, condition } => {
                    for_all(as_role_arns(&mut statements[i], condition), condition).then_some(principal)
                }
                // A Deny's never met: dropped below (without it nobody more gets in), never
                // loosened into one that stops everyone.
                Dead::NeverSent { .. } if policy.statements[i].effect == Effect::Deny => None,
                // Pod Identity or a provider asked for its tags as the caller's: asked as it sends
                // them, the statement keeps the scope its author meant (a namespace, a department).
                Dead::NeverSent {
                    principal, condition, ..
                } if tag_rename.is_some() => {
                    let (as_sent, kind) = tag_rename.clone().unwrap_or_default();
                    let mut renamed = false;
                    apart(
                        &mut statements[i],
                        &mut appended,
                        |k, p| k == kind && p == *principal,
                        |s| renamed = rename_key(s, condition, &as_sent),
                    );
                    renamed.then_some(principal)
                }
                // A token's claim asked of Pod Identity, which sends no token (an IRSA subject kept
                // when the trust moved to it): the session tags that name the same service
                // accounts (to fill in where none is read), for Pod Identity alone. Never without
                // a scope: dropped, the condition would let every pod of the account in.
                Dead::NeverSent {
                    principal, condition, ..
                } if *principal == POD_IDENTITY && crate::contexts::is_federation_key(&condition.key) => {
                    let tags = crate::pods::tags_meant(condition, false).unwrap_or_else(IrsaTags::no_scope);
                    let cluster = issued_by_eks(condition);
                    scope_by_tags(&mut statements[i], &mut appended, Some(condition), &tags, cluster)
                        .then_some(principal)
                }
                // A Pod Identity tag with a slip of form (capitals, a `*` meant as a pattern, a
                // cluster's ARN asked of its name): as EKS sets it. Another value is one to fill
                // in, which keeps Pod Identity and the tag's scope.
                Dead::NoPodSessionHas {
                    principal,
                    condition,
                    tag,
                } => {
                    let done = pod_tag_mended(&mut statements[i], condition, *tag);
                    for_all(done, condition).then_some(principal)
                }
                // A service shut out by a key it never sends (EC2 asked for aws:SourceAccount) gets
                // in without it, apart from the principals it still scopes; the next round scopes
                // the service by account where it sends one. So does a provider asked for a claim
                // STS doesn't read (`repository_owner_id`): the statement, often the role's only
                // trust, is kept without that condition, and scoped where nothing else scopes it.
                Dead::NeverSent {
                    principal, condition, ..
                } if never_sent_by_service(&policy.statements[i], principal, condition, subject)
                    || crate::validity::asks_provider_for_what_it_never_sends(principal, &condition.key) =>
                {
                    let mut removed = false;
                    apart(
                        &mut statements[i],
                        &mut appended,
                        |kind, p| matches!(kind, "Service" | "Federated") && p == *principal,
                        |s| removed = remove_condition(s, condition),
                    );
                    removed.then_some(principal)
                }
                _ => None,
            };
            patterned.extend(rewritten.copied());
        }
        edit_principals(&mut statements[i], |kind, p| {
            revived(kind, p, None)
                || patterned.contains(&p)
                || dead
                    .iter()
                    .any(|d| sendable && d.principal() == Some(p) && unsendable(d))
                || !dead.iter().any(|d| d.principal() == Some(p))
        });
    }
    for i in at(FindingId::DanglingPrincipal) {
        edit_principals(&mut statements[i], |_, p| !is_unique_id(p));
    }
    // Whom a wildcard let in that the suggestion can't name or lets in another way: a step says so.
    let mut unnamed_steps: Vec<String> = Vec::new();
    for i in at_any(&[FindingId::TrustPublic, FindingId::TrustPublicConditioned]) {
        // Whom a Deny guard lets through counts as the statement's own conditions do: a role to
        // fill in where the guard shuts it out would be one nobody can use.
        // A wildcard the check found guarded (conditions, Deny guards) was for some callers.
        let guarded = at(FindingId::TrustPublicConditioned).contains(&i);
        let step = drop_wildcards(&mut statements[i], subject, (i, is_lambda_role, guarded), |s| {
            let guards = guard_conditions_for(policy, &policy.statements[i], None, subject);
            let guards = guards.iter().map(|c| -> ConditionBlock {
                (
                    c.operator_text.to_string(),
                    vec![(c.key.to_string(), c.values.iter().map(|v| v.to_string()).collect())],
                )
            });
            // Whom the wildcard was for, read from the actions and conditions alone: the
            // principals beside it are others (`{"AWS": "*"}` is no service, no provider).
            let guarded = SuggestedStatement {
                conditions: s.conditions.iter().cloned().chain(guards).collect(),
                principal: Vec::new(),
                ..s.clone()
            };
            principal_to_fill_in_for_a_wildcard(&guarded, subject, account, &trusted)
        });
        unnamed_steps.extend(step);
    }
    // The callers dropped, each once however many statements named it: one may be using the
    // role now (API Gateway's integration credentials or an EventBridge rule's role on the
    // function's own role, as Zappa writes them; a deploy pipeline's provider, another account),
    // and stops unless it has a role of its own first.
    let mut dropped: Vec<String> = Vec::new();
    for i in at(FindingId::LambdaRoleExtraTrust) {
        // Lambda's own, and a service of a role no function uses, which is that service's role
        // too (the check doesn't report it). What else goes is extra, or has a fix of its own
        // (a wildcard, a deleted principal).
        let kept = |kind: &str, p: &str| {
            p == LAMBDA
                || p == EDGE_LAMBDA
                || subject.arn == Some(p)
                || (kind == "Service" && subject.functions.is_empty())
        };
        // The callers that go and may be using the role now: what the statement still names
        // here lets them in (the fixes above took out the principals that never apply, corrected
        // services' names, and left a wildcard's grant to a principal the reader fills in).
        // A wildcard pinned to exact roles lets those in, as if it named them.
        let pinned = (statements[i].iter())
            .filter(|s| {
                s.principal
                    .iter()
                    .any(|(kind, values)| *kind == "AWS" && values.iter().any(|p| p == "*"))
            })
            .flat_map(exact_principal_arns)
            .flatten();
        // One pinned to other accounts lets in their roots.
        let wildcard_left = (statements[i].iter().flat_map(|s| &s.principal))
            .any(|(kind, values)| *kind == "AWS" && values.iter().any(|p| p == "*"));
        let pinned_roots = crate::checks::pinned_accounts(&policy.statements[i], subject.account_for_sure())
            .filter(|_| wildcard_left)
            .map(|account| format!("arn:{}:iam::{account}:root", subject.partition));
        let named = (statements[i].iter().flat_map(|s| &s.principal))
            .flat_map(|(kind, values)| values.iter().filter(|p| !kept(kind, p) && *p != "*" && !is_fill_in(p)))
            .cloned();
        let callers: Vec<String> = named
            .chain(pinned)
            .chain(pinned_roots)
            .filter(|p| subject.arn != Some(p.as_str()))
            .collect();
        add_new(&mut dropped, callers);
        // A wildcard pinned to the role itself among others: the role keeps trusting itself, now
        // by name (a trust the check accepts, as when it was named).
        if let (Some(own), Some(s)) = (subject.arn, statements[i].as_mut()) {
            if exact_principal_arns(s).is_some_and(|arns| arns.iter().any(|a| a == own)) {
                for (_, values) in s.principal.iter_mut().filter(|(kind, _)| *kind == "AWS") {
                    for value in values.iter_mut().filter(|v| *v == "*") {
                        *value = own.to_owned();
                    }
                }
                // The pin's other callers go with the wildcard (a Deny's exceptions stay).
                use BaseOperator::*;
                let pins = |op: &str| operator_is(op, &[StringEquals, StringLike, ArnEquals, ArnLike]);
                retain_condition_values(s, pins, "aws:PrincipalArn", |v| v == own);
            }
        }
        edit_principals(&mut statements[i], kept);
    }
    for i in at(FindingId::TrustOidcUnscoped) {
        let original = &policy.statements[i];
        let hosts = crate::checks::ProviderHosts::of(&original.principals.federated);
        // As the check judges them: a provider a Deny of its own scopes needs nothing more.
        let unscoped = original.principals.federated.iter().filter(|p| {
            let only = Some((PrincipalKind::Federated, p.as_ref()));
            let guards = || guard_conditions_for(policy, original, only, subject);
            crate::validity::covering_deny_for(policy, original, only, subject).is_none()
                && !is_saml_provider(p)
                && !is_oidc_scoped(&oidc_host(p), &original.conditions, &hosts, policy.version)
                && !is_oidc_scoped(&oidc_host(p), &guards(), &hosts, policy.version)
        });
        // A Cognito pool's trust that doesn't say which of its identities: the signed-in ones.
        // The pools' principals (one a partition) whose identities it doesn't tell apart.
        let mut cognito_open: Vec<Cow<str>> = (original.principals.federated.iter())
            .map(|p| oidc_host(p))
            .filter(|host| is_cognito(host) && cognito_kind_open(policy, original, host, subject))
            .collect();
        cognito_open.dedup();
        // Which of a pool's identities: its guests in the pool's guest role (the console and
        // Amplify name it `…Unauth_Role`, `…unauthRole`), its signed-in ones in any other.
        let amr = match subject.arn.and_then(|arn| arn.rsplit('/').next()) {
            Some(name) if name.to_ascii_lowercase().contains("unauth") => "unauthenticated",
            _ => "authenticated",
        };
        let google_open = original.principals.federated.iter().any(|p| oidc_host(p) == GOOGLE)
            && google_audience_open(policy, original, subject);
        let mut cognito_fixed: Vec<&str> = Vec::new();
        for provider in unscoped {
            // Each provider's key alone: a GitHub token carries no gitlab.com:sub.
            let host = &oidc_host(provider);
            // A provider the template leaves undetermined has no key we could name, unless it is
            // an EKS cluster the template makes, whose keys the template writes from its issuer.
            if crate::validity::holds_opaque(host) && !crate::checks::is_eks_issuer(host) {
                return None;
            }
            let scope = OidcScope::of(host);
            let key = crate::checks::subject_key(host);
            let provider = |kind: &str, p: &str| kind == "Federated" && p == provider.as_ref();
            let kind_too = cognito_open.iter().any(|open| open == host);
            if kind_too {
                cognito_fixed.extend(cognito_open.iter().find(|open| *open == host).map(|open| open.as_ref()));
            }
            let sentinel = crate::checks::is_sentinel_issuer(host);
            apart(&mut statements[i], &mut appended, provider, |s| {
                // The values that name someone stay; only when none is left is one filled in.
                // Sentinel's workspace is named by the session name its service sets.
                if sentinel {
                    add_condition(s, "StringEquals", &key, crate::checks::SENTINEL_SESSION);
                } else {
                    let subjects = subjects_keeping_context(s, host);
                    if !keep_scoping_values(s, host, &scope, policy.version) {
                        // One block for them all: two blocks on one key must both hold.
                        let like = scope.like || subjects.iter().any(|v| has_wildcard(v));
                        let operator = if like { "StringLike" } else { "StringEquals" };
                        match subjects.is_empty() {
                            true => add_condition(
                                s,
                                operator,
                                &key,
                                &crate::checks::subject_to_fill_in(host, scope.fill_in),
                            ),
                            false => add_condition_values(s, operator, &key, &subjects),
                        }
                    }
                }
                if kind_too {
                    add_condition(s, "ForAnyValue:StringLike", &amr_key(host), amr);
                }
            });
        }
        for host in cognito_open
            .iter()
            .filter(|open| !cognito_fixed.contains(&open.as_ref()))
        {
            let cognito = |kind: &str, p: &str| kind == "Federated" && oidc_host(p) == host.as_ref();
            apart(&mut statements[i], &mut appended, cognito, |s| {
                add_condition(s, "ForAnyValue:StringLike", &amr_key(host), amr)
            });
        }
        // A Google identity bound to no audience: the audience its workload asks Google for.
        if google_open {
            let google = |kind: &str, p: &str| kind == "Federated" && oidc_host(p) == GOOGLE;
            apart(&mut statements[i], &mut appended, google, |s| {
                without_public_google_clients(s);
                add_condition(s, "StringEquals", GOOGLE_AUDIENCE, "REPLACE_WITH_AUDIENCE")
            });
        }
    }
    for i in at(FindingId::CrossAccountUnconditioned) {
        // Only the other accounts are asked for an external id: a role of the role's own account
        // can't pass one when switching roles in the console.
        let own = subject.account;
        let original = &policy.statements[i];
        // An account a Deny already narrows keeps its trust as it is: an external id of our own
        // beside the Deny's would have to equal it, and a new value there would shut it out.
        // So does one the statement's own conditions narrow (`role/ci/*` of it, beside `user/*` of
        // another account).
        let unguarded = |p: &str| {
            !crate::checks::denied_or_narrowed(policy, original, p, subject)
                && !account_principal(p).is_some_and(|account| {
                    (original.conditions.iter()).any(|c| narrows_cross_account(c, policy.version, account))
                })
        };
        // A vendor's role or user named with an external id that narrows nothing gets the real one
        // too (CROSS_ACCOUNT_UNCONDITIONED says so of them).
        let deputies = own.map_or_else(Vec::new, |own| {
            crate::checks::deputies_with_any_external_id(policy, original, subject, own)
        });
        // A wildcard narrowed to other accounts (`aws:PrincipalAccount`) is their roots.
        let pinned: Vec<&str> = crate::checks::pinned_accounts(original, subject.account_for_sure())
            .filter(|account| unguarded(account))
            .collect();
        // A deputy the statement names by `aws:PrincipalArn` is its wildcard's caller.
        let pinned_deputy = deputies.iter().any(|d| !original.principals.aws.iter().any(|p| p == d));
        let is_foreign_account = |kind: &str, p: &str| {
            kind == "AWS"
                && ((account_principal(p).is_some_and(|a| Some(a) != own) && unguarded(p))
                    || deputies.iter().any(|d| d.trim() == p.trim())
                    || (!pinned.is_empty() && names_any_account(p))
                    || (pinned_deputy
                        && (names_any_account(p) || account_principal(p).is_some_and(|a| Some(a) != own))))
        };
        // A wildcard pinned to a deputy beside others (a role of the role's own account, a
        // partner's): the others keep their trust as it was, in a copy of the statement pinned to
        // them alone.
        // (Pinned by `aws:PrincipalArn`: a wildcard pinned to accounts has no ARN to split by.)
        let pinned_others: Vec<String> = match (pinned_deputy, own) {
            (true, Some(own)) => crate::checks::pinned_principals(original, Some(own))
                .unwrap_or_default()
                .iter()
                .filter(|q| !is_account_id(q) && !deputies.iter().any(|d| d.trim().eq_ignore_ascii_case(q.trim())))
                .map(|q| q.to_string())
                .collect(),
            _ => Vec::new(),
        };
        if let Some(s) = statements[i].as_mut().filter(|_| !pinned_others.is_empty()) {
            use BaseOperator::{ArnEquals, ArnLike, StringEquals, StringLike};
            let pins = |op: &str| operator_is(op, &[ArnEquals, ArnLike, StringEquals, StringLike]);
            let other = |v: &str| pinned_others.iter().any(|o| o == v);
            let mut for_others = SuggestedStatement { sid: None, ..s.clone() };
            retain_condition_values(&mut for_others, pins, "aws:PrincipalArn", other);
            retain_condition_values(s, pins, "aws:PrincipalArn", |v| !other(v));
            appended.push(for_others);
        }
        // A pattern of every role or user of an account (`role/*`): written for the account's
        // people, who switch roles without an external id.
        let arn_patterns = |op: &str| {
            operator_is(
                op,
                &[BaseOperator::ArnLike, BaseOperator::ArnEquals, BaseOperator::StringLike],
            )
        };
        let wide_arn_pattern = original.conditions.iter().any(|c| {
            c.key.eq_ignore_ascii_case("aws:PrincipalArn")
                && arn_patterns(&c.operator_text)
                && c.values.iter().any(|v| admits_every_principal_of_a_kind(v))
        });
        // Who can't send an external id is narrowed to the users or roles of the other accounts
        // they are, one value per account (`…:user/NAME` or `…:role/NAME` to fill in), in place
        // of such a pattern.
        // A vendor's deputy is asked for the external id whatever else the statement says.
        if deputies.is_empty() && (fixed_without_external_id(policy, original, subject) || wide_arn_pattern) {
            let foreign: BTreeSet<&str> = (original.principals.aws.iter().map(|p| p.as_ref()))
                .filter(|p| unguarded(p))
                .filter_map(account_principal)
                .filter(|account| Some(*account) != own)
                .chain(pinned.iter().copied())
                .collect();
            let principals: Vec<String> = foreign
                .iter()
                .map(|account| arn_to_fill_in(subject, account, &format!("{FILL_IN}USER_OR_ROLE")))
                .collect();
            apart(&mut statements[i], &mut appended, is_foreign_account, |s| {
                retain_condition_values(s, arn_patterns, "aws:PrincipalArn", |v| {
                    !admits_every_principal_of_a_kind(v)
                });
                add_condition_values(s, "ArnLike", "aws:PrincipalArn", &principals)
            });
        } else if let Some(ids) = external_ids_misspelt(original) {
            // The external id written under a key IAM doesn't know (`aws:ExternalId`, a padded
            // `sts:ExternalId `): no request carries it, so beside the placeholder it would lock
            // the partner out. Its id, demanded under the real key.
            apart(&mut statements[i], &mut appended, is_foreign_account, |s| {
                for (_, keys) in &mut s.conditions {
                    keys.retain(|(key, _)| !is_misspelt_external_id(key));
                }
                s.conditions.retain(|(_, keys)| !keys.is_empty());
                retain_condition_values(s, |_| true, "sts:ExternalId", |_| false);
                add_condition_values(s, "StringEquals", "sts:ExternalId", &ids);
            });
        } else if let Some((operator, ids)) = external_ids_named(original) {
            // The external id the statement already names, where a caller may leave it out
            // (`StringEqualsIfExists`): demanded now. A placeholder beside it would have to equal
            // it too, and a new value there would shut the partner out.
            apart(&mut statements[i], &mut appended, is_foreign_account, |s| {
                retain_condition_values(s, |op| op == operator, "sts:ExternalId", |_| false);
                add_condition_values(s, "StringEquals", "sts:ExternalId", &ids);
            });
        } else {
            // One the statement demands only of callers who send one, or that no caller can send
            // (empty, a template's `${…}` left over): replaced, not kept beside the placeholder,
            // which a caller's id would have to equal too.
            // An id, or a pattern with text before its wildcard (`acme-*`), is one customer's: kept
            // under a plain `StringLike`, where it narrows, beside no placeholder; a pattern that
            // begins with a wildcard (`*-prod`) goes.
            let prefixed: Vec<String> = (original.conditions.iter())
                .filter(|c| {
                    c.key.eq_ignore_ascii_case("sts:ExternalId")
                        && operator_is(&c.operator_text, &[BaseOperator::StringLike])
                })
                .flat_map(|c| &c.values)
                .filter(|v| v.len() >= 2 && !admits_every_external_id(v) && !v.contains("${") && !is_opaque(v))
                .map(|v| v.to_string())
                .collect();
            // A deputy let in here without the external id another statement asks of it: that id.
            // The same for every deputy here, or the placeholder (two vendors' ids are not one).
            let ids_asked: Vec<Vec<String>> = (deputies.iter())
                .map(|p| {
                    crate::checks::sibling_asking_external_id(policy, original, p, subject)
                        .and_then(|t| policy.statements.get(t))
                        .map(exact_external_ids)
                        .unwrap_or_default()
                })
                .collect();
            // Nor where another account's root shares the statement: its principals send no
            // vendor's id.
            let other_accounts = (original.principals.aws.iter()).any(|p| {
                account_principal(p).is_some_and(|a| Some(a) != own) && unguarded(p) && !deputies.contains(&p.as_ref())
            });
            let sibling_ids = match ids_asked.split_first() {
                Some((first, rest)) if !other_accounts && rest.iter().all(|ids| ids == first) => first.clone(),
                _ => Vec::new(),
            };
            apart(&mut statements[i], &mut appended, is_foreign_account, |s| {
                // Negated ones too: `StringNotEquals` admits every other id, and beside the
                // placeholder the id you fill in would meet both or neither.
                retain_condition_values(s, |_| true, "sts:ExternalId", |_| false);
                if !sibling_ids.is_empty() {
                    add_condition_values(s, "StringEquals", "sts:ExternalId", &sibling_ids);
                } else if prefixed.is_empty() {
                    add_condition(s, "StringEquals", "sts:ExternalId", EXTERNAL_ID_TO_FILL_IN);
                } else {
                    add_condition_values(s, "StringLike", "sts:ExternalId", &prefixed);
                }
            });
        }
    }
    if lambda_broken {
        // Replace every Lambda grant with the canonical one, and keep Denies from matching Lambda.
        // The ARNs of the functions that use the role, when each is known by one.
        let function_arns: Option<Vec<String>> = (subject.functions.iter())
            .map(|f| f.arn.map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .filter(|arns| !arns.is_empty());
        for (slot, original) in statements.iter_mut().zip(&policy.statements) {
            match original.effect {
                Effect::Allow if allows_work => {}
                // Lambda@Edge's grant goes with Lambda's, for one of its own (below).
                Effect::Allow => edit_principals(slot, |kind, p| {
                    let edge = !subject.edge_functions.is_empty() && p.trim().eq_ignore_ascii_case(EDGE_LAMBDA);
                    !(kind == "Service" && (p.trim().eq_ignore_ascii_case(LAMBDA) || edge))
                }),
                Effect::Deny
                    if denies_lambda(original, policy, subject)
                        // The Deny an expiry names is one: only its time changes from now.
                        || (!expiring.is_empty() && may_deny_lambda_later(original, subject)) =>
                {
                    // A Deny of Lambda alone (and Lambda@Edge, for a role CloudFront runs at the
                    // edge, which is spared too) that would spare it denies nobody: it goes.
                    let lambda_alone = !original.principals.negated
                        && (original.principals.entries()).all(|(kind, p)| {
                            kind == PrincipalKind::Service
                                && (p.trim().eq_ignore_ascii_case(LAMBDA)
                                    || (p.trim().eq_ignore_ascii_case(EDGE_LAMBDA)
                                        && !subject.edge_functions.is_empty()))
                        });
                    if lambda_alone && function_exception(original).is_none() {
                        *slot = None;
                        continue;
                    }
                    let Some(s) = slot.as_mut() else { continue };
                    // A Deny that spares the functions it names spares these too; only a Deny
                    // that names no function is kept from Lambda as a whole.
                    match (function_exception(original), function_arns.as_ref()) {
                        (Some(c), Some(arns)) if expiring.is_empty() => {
                            add_condition_values(s, &c.operator_text, &c.key, arns)
                        }
                        // Lambda@Edge as well, for a role CloudFront runs at the edge.
                        _ if !subject.edge_functions.is_empty() => add_condition_values(
                            s,
                            "StringNotEquals",
                            "aws:PrincipalServiceName",
                            &[LAMBDA.to_owned(), EDGE_LAMBDA.to_owned()],
                        ),
                        _ => add_condition(s, "StringNotEquals", "aws:PrincipalServiceName", LAMBDA),
                    }
                }
                Effect::Deny => {}
            }
        }
        if !allows_work {
            appended.push(as_the_author_wrote_it(
                lambda_statement(subject, pinned_functions(policy, subject)),
                policy,
                subject,
            ));
        }
    }
    let edge_regranted = lambda_broken && !allows_work && !subject.edge_functions.is_empty();
    if has(FindingId::LambdaEdgeTrustMissing) || edge_regranted {
        // Denies spare it, as they spare Lambda.
        for (slot, original) in statements.iter_mut().zip(&policy.statements) {
            if let Some(s) = slot
                .as_mut()
                .filter(|_| crate::checks::denies_edge(original, policy, subject))
            {
                add_condition(s, "StringNotEquals", "aws:PrincipalServiceName", EDGE_LAMBDA);
            }
        }
        appended.push(lambda_edge_statement());
    }
    for i in at(FindingId::BroadTrustAction) {
        narrow_actions(&mut statements[i], &policy.statements[i]);
    }
    for i in at_any(&[FindingId::ConfusedDeputyUnscoped, FindingId::ConfusedDeputyIneffective]) {
        let split = scope_to_account(&mut statements[i], &policy.statements[i], policy.version, account);
        // CloudWatch Logs, scoped by the suggestion to the accounts it names, may deliver for
        // others too (a cross-account destination's senders): a step says so, by its name.
        let scoped_logs = (statements[i].iter().chain(&split))
            .filter(|s| (s.conditions.iter()).any(|(_, keys)| keys.iter().any(|(key, _)| key == "aws:SourceAccount")))
            .flat_map(|s| &s.principal)
            .filter(|(kind, _)| *kind == "Service")
            .flat_map(|(_, values)| values)
            .find(|p| delivers_for_other_accounts(p));
        if let Some(logs) = scoped_logs {
            add_new(
                &mut unnamed_steps,
                [text!(
                    "the aws:SourceAccount that keeps ",
                    logs,
                    " names only the accounts written",
                    crate::checks::CROSS_ACCOUNT_LOG_DELIVERY
                )],
            );
        }
        appended.extend(split);
    }
    let mut statements: Vec<SuggestedStatement> = statements.into_iter().flatten().chain(appended).collect();
    // An edit that moved every principal of a kind elsewhere leaves an empty list, which IAM
    // refuses; a statement left with no principal grants nothing.
    for s in &mut statements {
        s.principal.retain(|(_, principals)| !principals.is_empty());
    }
    statements.retain(|s| !s.principal.is_empty());
    with_provider_controls(&mut statements, policy);
    if policy.version != Version::V2012 {
        literal_dollars(&mut statements);
    }
    // Past IAM's size quota: the statements that differ only in whom they let in, joined; still
    // past it, no policy this fixer can write fits (the callers need roles of their own).
    if subject.proposed && crate::validity::length_past_quota(policy.text).is_some() {
        statements = join_alike(statements);
        let joined = SuggestedPolicy {
            statements,
            before_applying: Vec::new(),
            dropped_callers: Vec::new(),
        };
        if crate::validity::length_past_quota(&joined.to_json()).is_some() {
            return None;
        }
        statements = joined.statements;
    }
    unique_sids(&mut statements);
    // Nothing left to grant (the only ways in were actions their principals can't use, or none
    // at all): a policy without statements is one IAM refuses, so the role to fill in gets it.
    if statements.is_empty() {
        statements.push(SuggestedStatement {
            sid: None,
            effect: "Allow",
            principal: vec![("AWS", vec![(*trusted).clone()])],
            not_principal: false,
            actions: vec![ASSUME_ROLE.to_owned()],
            not_action: false,
            conditions: Vec::new(),
        });
    }
    Some(SuggestedPolicy {
        statements,
        before_applying: unnamed_steps,
        dropped_callers: dropped,
    })
}

/// Drops the values of the provider's scoping keys that leave it open (`environment:prod`,
/// `repo:*`), and says whether a positive condition still scopes it with the values left.
fn keep_scoping_values(s: &mut SuggestedStatement, host: &str, scope: &OidcScope, version: Version) -> bool {
    let mut scoped = false;
    for (op, keys) in &mut s.conditions {
        // `ForAnyValue:` and `ForAllValues:` test the claim's values against the same patterns: a
        // `*` among them opens the provider alike. (`…IfExists` scopes nothing: a token without
        // the claim gets in.)
        use BaseOperator::{StringEquals, StringEqualsIgnoreCase, StringLike};
        let Operator::Known {
            base, if_exists: false, ..
        } = Operator::parse(op)
        else {
            continue;
        };
        let like = base == StringLike;
        if ![StringLike, StringEquals, StringEqualsIgnoreCase].contains(&base) {
            continue;
        }
        for (key, values) in keys.iter_mut() {
            let Some(claim) = scope.claim_of(host, key) else {
                continue;
            };
            values.retain(|v| !OidcScope::opened_by(host, claim, v, like, version));
            scoped |= !values.is_empty();
        }
        keys.retain(|(_, values)| !values.is_empty());
    }
    s.conditions.retain(|(_, keys)| !keys.is_empty());
    scoped
}

/// The GitHub subjects to fill in for those of `s` that name the branch, tag, environment or pull
/// request but leave any repository in (`repo:*/*:ref:refs/heads/corgi`, `repo:*:ref:refs/tags/v*`
/// under `StringLike`): the repository to fill in, the rest as the author wrote it, so that the
/// workflows it was written for still get in; a cluster's, the service account's name
/// ([`service_accounts_keeping_names`]). Empty for another provider, or where no subject names
/// one of those. Read before the subjects that leave the provider open are taken out.
fn subjects_keeping_context(s: &SuggestedStatement, host: &str) -> Vec<String> {
    if crate::checks::is_eks_issuer(&host.to_ascii_lowercase()) {
        return service_accounts_keeping_names(s, host);
    }
    if !host.eq_ignore_ascii_case(crate::checks::GITHUB_ACTIONS) {
        return Vec::new();
    }
    // The repository part of the subject GitHub's fill-in names (`REPLACE_WITH_OWNER/…`).
    let Some(repository) = (OidcScope::of(host).fill_in.strip_prefix("repo:"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(repository, _)| repository)
    else {
        return Vec::new();
    };
    let subject_key = text!(host, ":sub");
    let mut subjects: Vec<String> = Vec::new();
    // A pattern's wildcards are kept only where it was one (`StringEquals` reads them literally).
    let values = (s.conditions.iter())
        .filter(|(op, _)| matches!(op.as_str(), "StringLike" | "StringEquals"))
        .flat_map(|(op, keys)| keys.iter().map(move |key| (op == "StringLike", key)))
        .filter(|(_, (key, _))| key.eq_ignore_ascii_case(&subject_key))
        .flat_map(|(like, (_, values))| values.iter().map(move |value| (like, value)));
    for (like, value) in values {
        // Called only when every subject written leaves the provider open: the repository part
        // is never kept.
        let context = (value.strip_prefix("repo:"))
            .and_then(|rest| rest.split_once(':'))
            .map(|(_, context)| context)
            .filter(|context| {
                (context.starts_with("ref:refs/") || context.starts_with("environment:") || *context == "pull_request")
                    && !context.contains('$')
                    && (like || !has_wildcard(context))
            });
        if let Some(context) = context {
            let subject = text!("repo:", repository, ":", context);
            if !subjects.contains(&subject) {
                subjects.push(subject);
            }
        }
    }
    subjects
}

/// A cluster's subjects that name a service account in any namespace
/// (`system:serviceaccount:*:NAME`), with the namespace to fill in and the name kept: the fill-in
/// would lose which service account was meant.
fn service_accounts_keeping_names(s: &SuggestedStatement, host: &str) -> Vec<String> {
    let subject_key = text!(host, ":sub");
    let mut subjects: Vec<String> = Vec::new();
    let values = (s.conditions.iter())
        .filter(|(op, _)| matches!(op.as_str(), "StringLike" | "StringEquals"))
        .flat_map(|(_, keys)| keys.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case(&subject_key))
        .flat_map(|(_, values)| values.iter());
    for value in values {
        let name = (value.strip_prefix("system:serviceaccount:"))
            .and_then(|rest| rest.split_once(':'))
            .filter(|(namespace, _)| has_wildcard(namespace))
            .map(|(_, name)| name)
            .filter(|name| !name.is_empty() && !has_wildcard(name) && !name.contains('$') && !name.contains(':'));
        if let Some(name) = name {
            let subject = text!("system:serviceaccount:REPLACE_WITH_NAMESPACE:", name);
            if !subjects.contains(&subject) {
                subjects.push(subject);
            }
        }
    }
    subjects
}

/// Adds a condition `(operator, key, value)` for the principals `pick(kind, principal)` selects
/// only: the condition would shut the others out.
/// The external ids a statement names exactly under an operator that lets a caller without one
/// in (`StringEqualsIfExists`, `StringLikeIfExists` without wildcards), with that operator.
fn external_ids_named(statement: &Statement) -> Option<(String, Vec<String>)> {
    statement.conditions.iter().find_map(|c| {
        // `ForAllValues:` holds for a caller who sends none too; the key has one value.
        let equality = matches!(
            c.operator,
            Operator::Known {
                base: BaseOperator::StringEquals | BaseOperator::StringLike,
                set: None,
                if_exists: true,
            } | Operator::Known {
                base: BaseOperator::StringEquals | BaseOperator::StringLike,
                set: Some(SetQualifier::ForAllValues),
                ..
            }
        );
        let exact = !c.values.is_empty()
            && c.values
                .iter()
                .all(|v| !v.is_empty() && !has_wildcard(v) && !v.contains("${"));
        (equality && exact && c.key.eq_ignore_ascii_case("sts:ExternalId")).then(|| {
            (
                c.operator_text.to_string(),
                c.values.iter().map(|v| v.to_string()).collect(),
            )
        })
    })
}

/// The external ids a statement names, each written out: under `StringEquals`, its `IfExists`
/// form, or `StringLike` without a wildcard (a pattern is no one id; `…IgnoreCase` takes ids in
/// other cases, which `StringEquals` would shut out).
fn exact_external_ids(statement: &Statement) -> Vec<String> {
    use BaseOperator::{StringEquals, StringLike};
    let mut ids: Vec<String> = (statement.conditions.iter())
        .filter(|c| {
            c.key.eq_ignore_ascii_case("sts:ExternalId")
                && matches!(
                    c.operator,
                    Operator::Known {
                        base: StringEquals | StringLike,
                        set: None | Some(SetQualifier::ForAnyValue),
                        ..
                    }
                )
        })
        .flat_map(|c| &c.values)
        .filter(|v| crate::evaluate::is_sendable_external_id(v) && !v.contains("${") && !has_wildcard(v))
        .map(|v| v.to_string())
        .collect();
    crate::order::sort_small_dedup(&mut ids);
    ids
}

/// `aws:ExternalId` (IAM has no such key), `sts:ExternalId` padded with spaces, or a typo or two
/// of it in the `sts:` keys (`sts:ExtrenalId`; the other `sts:` keys are further off): the
/// external id meant, under a key no request carries.
pub(crate) fn is_misspelt_external_id(key: &str) -> bool {
    let typo = || {
        strip_prefix_ignore_case(key, "sts:").is_some() && !key.eq_ignore_ascii_case("sts:ExternalId") && {
            crate::policy::edit_distance(&key.to_ascii_lowercase(), "sts:externalid") <= 2
        }
    };
    key.eq_ignore_ascii_case("aws:ExternalId")
        || (key.trim() != key && key.trim().eq_ignore_ascii_case("sts:ExternalId"))
        || (key.len() <= 20 && typo())
}

/// The exact ids a statement names under a misspelt external-id key ([`is_misspelt_external_id`])
/// with a positive operator.
fn external_ids_misspelt(statement: &Statement) -> Option<Vec<String>> {
    let ids: Vec<String> = (statement.conditions.iter())
        .filter(|c| {
            is_misspelt_external_id(&c.key)
                && matches!(
                    c.operator,
                    Operator::Known {
                        base: BaseOperator::StringEquals | BaseOperator::StringLike,
                        ..
                    }
                )
        })
        .flat_map(|c| &c.values)
        .filter(|v| !v.is_empty() && !has_wildcard(v) && !v.contains("${"))
        .map(|v| v.to_string())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// Writes the role's account and partition for `${AWS::AccountId}` and `${AWS::Partition}` in
/// the conditions of `s`; whether no other CloudFormation pseudo parameter is left in them
/// (then nothing is changed).
fn with_parameters_filled_in(s: &mut SuggestedStatement, subject: &Subject) -> bool {
    // A stand-in account is written as the account to fill in, as everywhere in a suggestion.
    let Some(account) = subject.account else {
        return false;
    };
    // Named as the detection names them: IAM reads variable names in any case.
    let filled = |v: &str| {
        crate::evaluate::with_variables(v, |name, variable, out| {
            if name.eq_ignore_ascii_case("AWS::AccountId") {
                out.push_str(account);
            } else if name.eq_ignore_ascii_case("AWS::Partition") {
                out.push_str(subject.partition);
            } else {
                out.push_str("${");
                out.push_str(variable);
                out.push('}');
            }
            Some(())
        })
        .unwrap_or_else(|| v.to_owned())
    };
    let filled_in: Vec<String> = (s.conditions.iter())
        .flat_map(|(_, keys)| keys)
        .flat_map(|(_, values)| values)
        .map(|v| filled(v))
        .collect();
    if filled_in
        .iter()
        .any(|v| crate::evaluate::unsubstituted_parameter(v).is_some())
    {
        return false;
    }
    let slots = s
        .conditions
        .iter_mut()
        .flat_map(|(_, keys)| keys)
        .flat_map(|(_, values)| values);
    for (slot, value) in slots.zip(filled_in) {
        *slot = value;
    }
    true
}

/// Keeps, of `key`'s values under the operators `under` selects, those `kept` selects; a key left
/// without values goes, and an operator left without keys (IAM refuses an empty list).
fn retain_condition_values(
    s: &mut SuggestedStatement,
    under: impl Fn(&str) -> bool,
    key: &str,
    kept: impl Fn(&str) -> bool,
) {
    for (_, keys) in s.conditions.iter_mut().filter(|(op, _)| under(op)) {
        for (_, values) in keys.iter_mut().filter(|(k, _)| k.eq_ignore_ascii_case(key)) {
            values.retain(|v| kept(v));
        }
        keys.retain(|(_, values)| !values.is_empty());
    }
    s.conditions.retain(|(_, keys)| !keys.is_empty());
}

/// Whether `op` is one of `bases`, whatever its set qualifier and `…IfExists`.
fn operator_is(op: &str, bases: &[BaseOperator]) -> bool {
    matches!(Operator::parse(op), Operator::Known { base, .. } if bases.contains(&base))
}

/// Each OIDC provider of the statement in a statement of its own, asking its own keys only (a
/// key is its issuer's, `ISSUER:claim`), each other issuer's key read as [`stray_key`] says.
/// `false`, the statement unchanged, where it trusts anything but OIDC providers it determines.
fn own_keys_apart(slot: &mut Option<SuggestedStatement>, appended: &mut Vec<SuggestedStatement>) -> bool {
    let Some(s) = slot.as_ref() else { return false };
    let mut providers: Vec<&String> = Vec::new();
    for (kind, values) in &s.principal {
        if *kind != "Federated" || s.not_principal {
            return false;
        }
        providers.extend(values);
    }
    if providers.is_empty() || providers.iter().any(|p| is_saml_provider(p) || is_opaque(p)) {
        return false;
    }
    let hosts: Vec<Cow<str>> = providers.iter().map(|p| oidc_host(p)).collect();
    let named = |issuer: &str| hosts.iter().any(|h| h.eq_ignore_ascii_case(issuer));
    let keys = || {
        (s.conditions.iter()).flat_map(|(operator, keys)| {
            (keys.iter()).map(move |(key, values)| (key.as_str(), scopes(operator, values.iter().map(String::as_str))))
        })
    };
    let mut own_statements: Vec<SuggestedStatement> = Vec::new();
    for (provider, host) in providers.iter().zip(&hosts) {
        let reading = |key: &str| stray_key(host, key, &named, keys());
        let mut own = SuggestedStatement {
            principal: vec![("Federated", vec![(*provider).clone()])],
            ..s.clone()
        };
        for (_, keys) in &mut own.conditions {
            let mut written: Vec<String> = Vec::new();
            keys.retain_mut(|(key, _)| {
                match reading(key) {
                    Some((StrayKey::Renamed, own_key)) => *key = own_key,
                    Some((StrayKey::OtherProviders | StrayKey::Redundant | StrayKey::Dropped, _)) => return false,
                    None => {}
                }
                // A key once a block: IAM refuses it twice.
                if written.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    return false;
                }
                written.push(key.clone());
                true
            });
        }
        own.conditions.retain(|(_, keys)| !keys.is_empty());
        own_statements.push(own);
    }
    let mut own_statements = own_statements.into_iter();
    *slot = own_statements.next();
    appended.extend(own_statements.map(|s| SuggestedStatement { sid: None, ..s }));
    true
}

/// The issuer and the claim of a provider's key (`token.actions…:sub`), where the issuer is one a
/// template determines.
pub(crate) fn issuer_and_claim(key: &str) -> Option<(&str, &str)> {
    let issuer = key_issuer(key).filter(|issuer| !is_opaque(issuer))?;
    Some((issuer, key.rsplit_once(':')?.1))
}

/// Whether a condition under `operator` with `values` narrows whom it lets in: a positive
/// comparison with a value other than `*`.
pub(crate) fn scopes<'v>(operator: &str, mut values: impl Iterator<Item = &'v str>) -> bool {
    !Operator::parse(operator).is_negated() && values.any(|v| v != "*")
}

/// What the suggestion makes of a key of another issuer than `host`'s, its provider's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrayKey {
    /// Another provider's of the statement (`named`): it goes with that provider.
    OtherProviders,
    /// The provider's own key of the claim already narrows it: the stray goes.
    Redundant,
    /// Another EKS cluster's, the only one of its claim (copied from a sibling's role): read as
    /// this cluster's.
    Renamed,
    /// Any other: it goes, and the provider is scoped as any other (a placeholder where nothing
    /// scopes it). Two strays of one claim would be ANDed into one key no token meets.
    Dropped,
}

/// How the suggestion reads `key` at the provider of `host`, and the provider's own key of its
/// claim, or `None` for a key of no other issuer: the one decision the fix text and the
/// suggestion share. `named` tells the statement's other providers; `keys` are the statement's
/// condition keys, each with whether its condition narrows whom it lets in ([`scopes`]).
pub(crate) fn stray_key<'k>(
    host: &str,
    key: &str,
    named: &dyn Fn(&str) -> bool,
    keys: impl Iterator<Item = (&'k str, bool)> + Clone,
) -> Option<(StrayKey, String)> {
    let (issuer, claim) = issuer_and_claim(key).filter(|(issuer, _)| !issuer.eq_ignore_ascii_case(host))?;
    let own_key = text!(host, ":", claim);
    let own_scoping = keys
        .clone()
        .any(|(k, scoping)| scoping && k.eq_ignore_ascii_case(&own_key));
    let strays = keys
        .filter_map(|(k, _)| issuer_and_claim(k))
        .filter(|(i, c)| !i.eq_ignore_ascii_case(host) && !named(i) && c.eq_ignore_ascii_case(claim))
        .count();
    let eks = |h: &str| crate::checks::is_eks_issuer(&h.to_ascii_lowercase());
    let reading = match () {
        _ if named(issuer) => StrayKey::OtherProviders,
        _ if own_scoping => StrayKey::Redundant,
        _ if eks(host) && eks(issuer) && strays == 1 => StrayKey::Renamed,
        _ => StrayKey::Dropped,
    };
    Some((reading, own_key))
}

/// Applies `edit` to the principals `pick(kind, principal)` selects only. When the statement has
/// others, the picked ones move to a statement of their own (same actions and conditions, no
/// `Sid`), appended, and `edit` applies to that one.
fn apart(
    slot: &mut Option<SuggestedStatement>,
    appended: &mut Vec<SuggestedStatement>,
    pick: impl Fn(&str, &str) -> bool,
    edit: impl FnOnce(&mut SuggestedStatement),
) {
    let Some(s) = slot.as_mut() else { return };
    let picked: Vec<(&'static str, Vec<String>)> = s
        .principal
        .iter()
        .map(|(kind, values)| {
            (
                *kind,
                values.iter().filter(|p| pick(kind, p)).cloned().collect::<Vec<_>>(),
            )
        })
        .filter(|(_, values)| !values.is_empty())
        .collect();
    let count = |principal: &[(&str, Vec<String>)]| principal.iter().map(|(_, v)| v.len()).sum::<usize>();
    if picked.is_empty() {
        return;
    }
    if count(&picked) == count(&s.principal) {
        edit(s);
        return;
    }
    let mut alone = SuggestedStatement {
        sid: None,
        principal: picked,
        ..s.clone()
    };
    edit(&mut alone);
    appended.push(alone);
    edit_principals(slot, |kind, p| !pick(kind, p));
}

/// The suggested policy is `2012-10-17`, where `${…}` is a policy variable; under the original's
/// `2008-10-17` (or no `Version`) it was text. Kept values say the same as before: IAM's `${$}` is
/// a literal `$`, so `${aws:username}` as text becomes `${$}{aws:username}`. Not where the text
/// shut everyone out, a key whose every value AWS fills (an account or organization id) compared,
/// every value a variable's text, so that no value matches it (an Allow's `StringEquals
/// aws:PrincipalAccount ${aws:ResourceAccount}`, a Deny's `StringNotEquals`): that was meant as
/// the variable the suggestion now reads. Where the text changed nothing (an Allow's negated
/// comparison, a value beside it that is no variable), it stays text, as it worked.
fn literal_dollars(statements: &mut [SuggestedStatement]) {
    let escape = |v: &mut String| {
        if v.contains("${") {
            *v = v.replace("${", "${$}{");
        }
    };
    for s in statements {
        s.principal.iter_mut().flat_map(|(_, v)| v.iter_mut()).for_each(escape);
        let deny = s.effect == "Deny";
        for (operator, keys) in &mut s.conditions {
            // An Allow's comparison no value meets, a Deny's negated one every value does (what
            // the engine reads as null there: `crate::evaluate::null_comparison`). Not a
            // CloudFormation pseudo parameter's, no variable under 2012-10-17 either.
            let shuts_out = operator.contains("Not") == deny;
            let meant_as_variable = |key: &str, values: &[String]| {
                shuts_out
                    && crate::evaluate::holds_no_variable_text(key)
                    && values.iter().all(|v| {
                        crate::evaluate::names_a_variable(v) && crate::evaluate::unsubstituted_parameter(v).is_none()
                    })
            };
            (keys.iter_mut())
                .filter(|(key, values)| !meant_as_variable(key, values))
                .flat_map(|(_, values)| values.iter_mut())
                .for_each(escape);
        }
    }
}

/// Whether each condition key of `s` that `as_sent` writes anew (a provider's key with a
/// prefix) has, in its block, the values of every other entry that is the same key once written
/// so: then the copies can go, and the key stands once with the values meant.
fn alike_as_sent(s: &SuggestedStatement, as_sent: impl Fn(&str) -> Option<String>) -> bool {
    s.conditions.iter().all(|(operator, block)| {
        // `…IgnoreCase` compares values in any capitals.
        let folded = operator.contains("IgnoreCase");
        let mut seen: Vec<(String, Vec<String>)> = Vec::new();
        block.iter().all(|(key, values)| {
            let sent = as_sent(key).unwrap_or_else(|| key.clone()).to_ascii_lowercase();
            let mut values: Vec<String> = (values.iter())
                .map(|v| if folded { v.to_lowercase() } else { v.clone() })
                .collect();
            crate::order::sort_small_dedup(&mut values);
            match seen.iter().find(|(k, _)| *k == sent) {
                Some((_, earlier)) => *earlier == values,
                None => {
                    seen.push((sent, values));
                    true
                }
            }
        })
    })
}

/// IAM takes a `Sid` of letters and digits only, and each one unique: a Sid loses the other
/// characters (none left, no Sid), and a repeated one (the canonical Lambda statement's, or a
/// split statement's) gets a number. Policies are short, and repeats rare: no set is built.
fn unique_sids(statements: &mut [SuggestedStatement]) {
    for statement in statements.iter_mut() {
        if let Some(sid) = statement
            .sid
            .as_deref()
            .filter(|sid| !is_valid_sid(sid) && !is_opaque(sid))
        {
            let letters_and_digits: String = sid.chars().filter(char::is_ascii_alphanumeric).collect();
            statement.sid = (!letters_and_digits.is_empty()).then_some(letters_and_digits);
        }
    }
    for i in 1..statements.len() {
        let Some(sid) = statements[i].sid.as_deref() else {
            continue;
        };
        if !statements[..i].iter().any(|s| s.sid.as_deref() == Some(sid)) {
            continue;
        }
        let taken = |candidate: &str| statements.iter().any(|s| s.sid.as_deref() == Some(candidate));
        let unique = (2..)
            .map(|n| format!("{sid}{n}"))
            .find(|candidate| !taken(candidate))
            .unwrap_or_default();
        statements[i].sid = Some(unique);
    }
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

/// Moves `condition` (a `StringEquals` whose `*` IAM compares literally) under `pattern`
/// (`StringLike`; `StringNotLike` for a `StringNotEquals`). `false` when the statement no longer
/// has it, or when its key is under `pattern` already: which of the two was meant is the
/// author's to say.
fn as_pattern(slot: &mut Option<SuggestedStatement>, condition: &Condition, pattern: &str) -> bool {
    let Some(s) = slot.as_mut() else { return false };
    let same_key = |key: &String| key.eq_ignore_ascii_case(&condition.key);
    if (s.conditions.iter()).any(|(op, keys)| op == pattern && keys.iter().any(|(key, _)| same_key(key))) {
        return false;
    }
    let Some(block) = s.conditions.iter().position(|(op, _)| *op == condition.operator_text) else {
        return false;
    };
    let Some(at) = s.conditions[block].1.iter().position(|(key, _)| same_key(key)) else {
        return false;
    };
    let entry = s.conditions[block].1.remove(at);
    if s.conditions[block].1.is_empty() {
        s.conditions.remove(block);
    }
    match s.conditions.iter_mut().find(|(op, _)| op == pattern) {
        Some((_, keys)) => keys.push(entry),
        None => s.conditions.push((pattern.to_owned(), vec![entry])),
    }
    true
}

/// Writes each of `condition`'s values, a role's sessions (`arn:aws:sts::A:assumed-role/NAME/…`),
/// as that role's ARN, what `aws:PrincipalArn` holds for them: `arn:aws:iam::A:role/NAME`, and
/// under an operator that reads patterns `arn:aws:iam::A:role/*/NAME` too, for the path a
/// session's ARN doesn't show (Identity Center's roles are under `aws-reserved/…`). Whether every
/// value was one to rewrite.
fn as_role_arns(slot: &mut Option<SuggestedStatement>, condition: &Condition) -> bool {
    let patterns = matches!(condition.operator, crate::policy::Operator::Known { base, .. } if base.reads_wildcards());
    let role_of = |session: &str| {
        let [arn, partition, service, region, account, resource] = crate::pattern::arn_fields::<6>(session)?;
        let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
        let written_out = (arn == "arn" && service == "sts" && region.is_empty())
            && ![partition, account].iter().any(|f| has_wildcard(f) || f.is_empty())
            && !role.trim_matches(['*', '?']).is_empty()
            && (patterns || !has_wildcard(role));
        let at = |path: &str| format!("arn:{partition}:iam::{account}:role/{path}{role}");
        written_out.then(|| match patterns {
            true => vec![at(""), at("*/")],
            false => vec![at("")],
        })
    };
    let Some(roles) = (condition.values.iter().map(|v| role_of(v)))
        .collect::<Option<Vec<_>>>()
        .map(|roles| roles.concat())
    else {
        return false;
    };
    let Some(s) = slot.as_mut() else { return false };
    let entry = (s.conditions.iter_mut())
        .filter(|(op, _)| *op == condition.operator_text)
        .flat_map(|(_, keys)| keys.iter_mut())
        .find(|(key, _)| key.eq_ignore_ascii_case(&condition.key));
    match entry {
        Some((_, values)) => {
            *values = roles;
            true
        }
        None => false,
    }
}

/// Removes `condition`'s key from the statement's block of its operator; whether it was there.
fn without_condition(slot: &mut Option<SuggestedStatement>, condition: &Condition) -> bool {
    slot.as_mut().is_some_and(|s| remove_condition(s, condition))
}

/// Writes `condition`'s key as it is sent (`as_sent`: a tag asked for as the caller's, or
/// `aws:VpcSourceIp` for `aws:SourceIp`); where its block has that key already, the dead copy goes
/// when their values are the same (other values: what was meant is not the suggestion's to pick,
/// and nothing changes).
fn rename_key(s: &mut SuggestedStatement, condition: &Condition, as_sent: &str) -> bool {
    let Some((_, keys)) = s.conditions.iter_mut().find(|(op, _)| *op == condition.operator_text) else {
        return false;
    };
    let values = |key: &str| {
        let found = keys
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone());
        found.map(|mut v| {
            crate::order::sort_small(&mut v);
            v
        })
    };
    match (values(as_sent), values(&condition.key)) {
        (Some(sent), Some(asked)) if sent == asked => {
            keys.retain(|(key, _)| !key.eq_ignore_ascii_case(&condition.key));
            true
        }
        (Some(_), _) => false,
        (None, _) => match keys
            .iter_mut()
            .find(|(key, _)| key.eq_ignore_ascii_case(&condition.key))
        {
            Some((key, _)) => {
                *key = as_sent.to_owned();
                true
            }
            None => false,
        },
    }
}

/// Swaps the values of two of the statement's conditions (an audience and a subject written the
/// wrong way round), each under its own operator.
fn swap_values(s: &mut SuggestedStatement, a: &Condition, b: &Condition) -> bool {
    let values_of = |s: &SuggestedStatement, c: &Condition| {
        (s.conditions.iter())
            .filter(|(op, _)| *op == c.operator_text)
            .flat_map(|(_, keys)| keys.iter())
            .find(|(key, _)| key.eq_ignore_ascii_case(&c.key))
            .map(|(_, values)| values.clone())
    };
    let (Some(of_a), Some(of_b)) = (values_of(s, a), values_of(s, b)) else {
        return false;
    };
    for (op, keys) in &mut s.conditions {
        for (key, values) in keys.iter_mut() {
            if *op == a.operator_text && key.eq_ignore_ascii_case(&a.key) {
                values.clone_from(&of_b);
            } else if *op == b.operator_text && key.eq_ignore_ascii_case(&b.key) {
                values.clone_from(&of_a);
            }
        }
    }
    true
}

/// The one account a statement's `StringEquals aws:SourceAccount` names.
fn named_source_account<'p>(s: &'p Statement<'p>) -> Option<&'p str> {
    let named = (s.conditions.iter()).find(|c| {
        c.key.eq_ignore_ascii_case("aws:SourceAccount")
            && matches!(
                c.operator,
                Operator::Known {
                    base: crate::policy::BaseOperator::StringEquals,
                    set: None,
                    ..
                }
            )
    })?;
    match named.values.as_slice() {
        [one] if is_account_id(one) => Some(one),
        _ => None,
    }
}

/// `value` with `account` in its ARN's account field, where that holds no account id (an empty
/// one, AWS's own `aws` and a wildcard stay).
fn with_arn_account(value: &str, account: &str) -> String {
    match arn_fields::<6>(value) {
        Some([arn, partition, service, region, written, resource])
            if !written.is_empty()
                && !written.eq_ignore_ascii_case("aws")
                && !has_wildcard(written)
                && !is_account_id(written) =>
        {
            text!(arn, ":", partition, ":", service, ":", region, ":", account, ":", resource)
        }
        _ => value.to_owned(),
    }
}

/// Writes `meant` for the principal `written` of kind `of_kind`, once (a statement naming both
/// keeps one).
fn rename_principal(slot: &mut Option<SuggestedStatement>, of_kind: &str, written: &str, meant: &str) -> bool {
    let Some(s) = slot.as_mut() else { return false };
    let mut renamed = false;
    for (kind, values) in &mut s.principal {
        if *kind == of_kind && values.iter().any(|v| v == written) {
            values.retain(|v| v != meant);
            for value in values.iter_mut().filter(|v| *v == written) {
                meant.clone_into(value);
                renamed = true;
            }
            values.dedup();
        }
    }
    renamed
}

/// Whether `principal` is all statement `s` names: no other principal's resources its
/// conditions may pin.
fn alone_in(s: &Statement, principal: &str) -> bool {
    s.principals.entries().all(|(_, p)| p == principal)
}

/// The ARN among `principals` of the role whose session `arn` is
/// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`): of its account and name, at any path.
fn session_role_named(arn: &str, principals: &[Cow<str>]) -> Option<String> {
    // The session's account may be a pattern (`arn:aws:sts::*:assumed-role/deployer/*`).
    let ["arn", partition, "sts", _, account, resource] = arn_fields::<6>(arn)? else {
        return None;
    };
    let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    let mut roles = principals.iter().filter(|p| {
        arn_fields::<6>(p).is_some_and(|[head, p_partition, service, _, p_account, p_resource]| {
            head == "arn"
                && p_partition == partition
                && service == "iam"
                && glob(account, p_account, false)
                && (p_resource.strip_prefix("role/")).is_some_and(|path| path.rsplit('/').next() == Some(name))
        })
    });
    // One role of that name, or the suggestion can't tell which was meant.
    match (roles.next(), roles.next()) {
        (Some(role), None) => Some(role.to_string()),
        _ => None,
    }
}

/// The partition and account of AWS principal `p` when it names a whole account (its root, or its
/// id, in the role's `partition`).
fn account_named<'a>(p: &'a str, partition: &'a str) -> Option<(&'a str, &'a str)> {
    match arn_fields::<6>(p) {
        Some(["arn", partition, "iam", "", account, "root"]) => Some((partition, account)),
        _ if is_account_id(p) => Some((partition, p)),
        _ => None,
    }
}

/// Writes `values` for those of one of the statement's conditions.
fn set_values(s: &mut SuggestedStatement, c: &Condition, values: &[String]) -> bool {
    let mut set = false;
    for (op, keys) in &mut s.conditions {
        for (key, written) in keys.iter_mut() {
            if *op == c.operator_text && key.eq_ignore_ascii_case(&c.key) {
                written.clone_from(&values.to_vec());
                set = true;
            }
        }
    }
    set
}

/// Asks statement `s` for `tags` under `operator`, ANDed with what it asks of the same keys
/// already: only the values some request may meet beside those (a value to fill in beside one
/// written gives way to it); and, for an IRSA issuer's claim (`cluster`, one cluster's), the
/// cluster's name to fill in unless the statement keeps to a cluster already. `false` when no pod
/// can meet them beside what it asks, or they can't be written without widening it.
fn add_tags(s: &mut SuggestedStatement, operator: &str, tags: &[(&str, Vec<String>)], cluster: bool) -> bool {
    let pinned = (s.conditions.iter()).any(|(op, keys)| keys.iter().any(|(k, v)| crate::pods::pins_cluster(op, k, v)));
    let pin = (cluster && !pinned).then(|| (CLUSTER_NAME_KEY, vec![CLUSTER_TO_FILL_IN.to_owned()]));
    for (key, values) in tags.iter().cloned().chain(pin) {
        let asked: Vec<(&String, &Vec<String>)> = (s.conditions.iter())
            .flat_map(|(op, keys)| {
                (keys.iter())
                    .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(move |(_, v)| (op, v))
            })
            .collect();
        // A value to fill in gives way to one the statement asks for exactly already.
        let exactly = asked.iter().any(|(op, written)| crate::pods::asks_exactly(op, written));
        if exactly && values.iter().all(|v| is_fill_in(v)) {
            continue;
        }
        // (A value to fill in is the reader's to make meet them.)
        let values: Vec<String> = (values.into_iter())
            .filter(|v| is_fill_in(v) || asked.iter().all(|(op, written)| crate::pods::may_meet(op, written, v)))
            .collect();
        if values.is_empty() {
            return false;
        }
        let Some((_, keys)) = s.conditions.iter_mut().find(|(op, _)| op == operator) else {
            s.conditions.push((operator.to_owned(), vec![(key.to_owned(), values)]));
            continue;
        };
        match keys.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            None => keys.push((key.to_owned(), values)),
            // One key a block: ours in its place only where each is within what it asked.
            Some((_, written)) if values.iter().all(|v| crate::pods::within(operator, written, v)) => *written = values,
            Some(_) => return false,
        }
    }
    true
}

/// Scopes Pod Identity in the statement of `slot` by `tags`, in place of `remove` (a condition on
/// a token's claim it never carries): a statement a group of tags, each further one a copy
/// appended, and those no pod can meet beside what the statement asks already left out. `false`
/// where none can be written (the statement stays dead, and goes with the dead).
fn scope_by_tags(
    slot: &mut Option<SuggestedStatement>,
    appended: &mut Vec<SuggestedStatement>,
    remove: Option<&Condition>,
    tags: &IrsaTags,
    cluster: bool,
) -> bool {
    let mut done = false;
    let mut copies = Vec::new();
    apart(
        slot,
        appended,
        |kind, p| kind == "Service" && p == POD_IDENTITY,
        |s| {
            let mut original = s.clone();
            if remove.is_some_and(|c| !remove_condition(&mut original, c)) {
                return;
            }
            let mut scoped = Vec::new();
            for group in &tags.groups {
                let mut copy = original.clone();
                if add_tags(&mut copy, &tags.operator, group, cluster) {
                    scoped.push(copy);
                }
            }
            let mut scoped = scoped.into_iter();
            let Some(first) = scoped.next() else { return };
            *s = first;
            copies.extend(scoped.map(|copy| SuggestedStatement { sid: None, ..copy }));
            done = true;
        },
    );
    appended.extend(copies);
    done
}

/// Writes `condition`, on Pod Identity's `tag` with values no pod has, as [`crate::pods::mended`]
/// says it was meant, in an Allow or a Deny (a pattern under `StringNotLike` for a negated one).
/// Whether the statement had it to mend.
/// Renames each condition key of `s` written as the first of a pair to the second, and says
/// whether any was; none where a block has a key it would be renamed to already (what was meant
/// is not the suggestion's to guess).
fn keys_renamed(s: &mut Option<SuggestedStatement>, renames: &[(&str, String)]) -> bool {
    let Some(s) = s.as_mut() else {
        return false;
    };
    let clash = |block: &ConditionBlock| {
        (renames.iter()).any(|(_, meant)| block.1.iter().any(|(key, _)| key.eq_ignore_ascii_case(meant)))
    };
    if s.conditions.iter().any(clash) {
        return false;
    }
    let mut renamed = false;
    for (_, block) in &mut s.conditions {
        for (key, _) in block.iter_mut() {
            if let Some((_, meant)) = renames.iter().find(|(written, _)| written == key) {
                key.clone_from(meant);
                renamed = true;
            }
        }
    }
    renamed
}

fn pod_tag_mended(slot: &mut Option<SuggestedStatement>, condition: &Condition, tag: crate::pods::PodTag) -> bool {
    let pattern = match condition.operator {
        Operator::Known { base, .. } if base.is_negated() => "StringNotLike",
        _ => "StringLike",
    };
    match crate::pods::mended(condition, tag) {
        Mend::Pattern => as_pattern(slot, condition, pattern),
        Mend::Values(values) => slot.as_mut().is_some_and(|s| set_values(s, condition, &values)),
        Mend::FillIn(value) => slot
            .as_mut()
            .is_some_and(|s| set_values(s, condition, &[value.to_owned()])),
        Mend::Key(key) => slot.as_mut().is_some_and(|s| rename_key(s, condition, key)),
    }
}

/// Whether `condition`'s key is a claim of an EKS cluster's issuer (`oidc.eks.…/id/…:sub`).
fn issued_by_eks(condition: &Condition) -> bool {
    crate::checks::key_issuer(&condition.key)
        .is_some_and(|issuer| crate::checks::is_eks_issuer(&issuer.to_ascii_lowercase()))
}

/// [`without_condition`] of a statement that is there.
fn remove_condition(s: &mut SuggestedStatement, condition: &Condition) -> bool {
    let Some(block) = s.conditions.iter().position(|(op, _)| *op == condition.operator_text) else {
        return false;
    };
    let keys = &mut s.conditions[block].1;
    let before = keys.len();
    keys.retain(|(key, _)| !key.eq_ignore_ascii_case(&condition.key));
    let removed = keys.len() < before;
    if keys.is_empty() {
        s.conditions.remove(block);
    }
    removed
}

/// Removes wildcard principals. On a role that isn't Lambda's, a statement left with nobody gets a
/// placeholder for the principal it was meant for, so the intent stays visible.
fn drop_wildcards(
    slot: &mut Option<SuggestedStatement>,
    subject: &Subject,
    (index, is_lambda_role, guarded): (usize, bool, bool),
    to_fill_in: impl Fn(&SuggestedStatement) -> (&'static str, Vec<String>),
) -> Option<String> {
    let s = slot.as_mut()?;
    let dropped_from_lambda_role = |whom: String| {
        format!(
            "statement {index}'s wildcard let in {whom}, and this Lambda role's policy no longer does: give them a role of their own first"
        )
    };
    if s.not_principal {
        s.not_principal = false;
        s.principal.clear();
    }
    let mut dropped = false;
    for (kind, values) in &mut s.principal {
        if *kind == "AWS" {
            let before = values.len();
            values.retain(|p| !has_wildcard(p));
            dropped |= values.len() != before;
        }
    }
    s.principal.retain(|(_, v)| !v.is_empty());
    // Whom a guarded wildcard let in, as its conditions say (`None`: unguarded, everyone's, so
    // nobody's in particular).
    let whom = |s: &SuggestedStatement| {
        let admitted: Vec<String> = (s.conditions.iter())
            .flat_map(|(operator, keys)| {
                keys.iter()
                    .map(move |(key, values)| format!("{operator} {key} {}", values.join(" or ")))
            })
            .collect();
        match (admitted.is_empty(), guarded) {
            (true, false) => None,
            (true, true) => Some("the callers its Deny guards let through".to_owned()),
            (false, _) => Some(format!("every caller {} admits", admitted.join(" and "))),
        }
    };
    // A Lambda role's statement that keeps other principals (Lambda's own grant beside the
    // wildcard, a partner the next edits drop and name): the wildcard's callers go unnamed.
    if dropped && is_lambda_role && !s.principal.is_empty() {
        return whom(s).map(dropped_from_lambda_role);
    }
    // Whom the wildcard was for: the exact ARNs its condition names, else a role to fill in (in
    // the account the condition names, if it names one), also beside other principals (those
    // it names were let in besides whom the wildcard was for: an organization's callers).
    let no_aws_left = !s.principal.iter().any(|(kind, _)| *kind == "AWS");
    if s.principal.is_empty() || (dropped && !is_lambda_role && (guarded || no_aws_left)) {
        if let Some(named) = exact_principal_arns(s) {
            trust_too(s, "AWS", named);
        } else if is_lambda_role {
            // The accounts the conditions name stand for the callers they let in: the next round
            // drops them as extra trust, and a step names them. Nobody named (an organization,
            // an endpoint, a Deny guard's exceptions): a step says whom the statement let in.
            let accounts = accounts_the_conditions_name(s, subject.account);
            if !accounts.is_empty() && accounts.iter().all(|a| is_account_id(a)) {
                let roots = accounts.iter().map(|a| arn_to_fill_in(subject, a, "root")).collect();
                s.principal.insert(0, ("AWS", roots));
            } else {
                let whom = whom(s);
                *slot = None;
                return whom.map(dropped_from_lambda_role);
            }
        } else {
            let (kind, principals) = to_fill_in(s);
            // A provider in place of the role sessions that carried its claims (role chaining,
            // `sts:AssumeRole` or a pattern that covers it): who gets in changes, and the reader
            // is told so.
            let names_assume_role = s.actions.iter().any(|a| crate::pattern::glob(a, ASSUME_ROLE, true));
            let provider_instead = kind == "Federated" && names_assume_role != s.not_action;
            // A provider or service to fill in beside one of its kind the statement names (a
            // SAML provider's placeholder beside Okta) invites adding one that never existed:
            // the named one is whom the wildcard's actions and conditions were for.
            let named_alike = |fill_in: &String| {
                is_fill_in(fill_in)
                    && s.principal.iter().any(|(k, named)| {
                        *k == kind
                            && kind != "AWS"
                            && named
                                .iter()
                                .any(|p| !is_fill_in(p) && is_saml_provider(p) == is_saml_provider(fill_in))
                    })
            };
            if !principals.iter().all(named_alike) {
                // A SAML provider for a grant of sts:AssumeRole alone (the assertion's keys it
                // reads came with no signed request): the provider's own action, as it was meant.
                let saml = kind == "Federated" && principals.iter().all(|p| is_saml_provider(p));
                let step = provider_instead.then(|| {
                    format!(
                        "statement {index}'s wildcard let in with sts:AssumeRole the role sessions that carry {}'s claims (role chaining); this policy trusts the provider itself instead: a pipeline that chains into this role needs its own role named here",
                        principals.join(", ")
                    )
                });
                trust_too(s, kind, principals);
                if saml && !s.not_action {
                    for action in s.actions.iter_mut().filter(|a| a.eq_ignore_ascii_case(ASSUME_ROLE)) {
                        *action = ASSUME_ROLE_WITH_SAML.to_owned();
                    }
                    let mut seen = Vec::new();
                    s.actions.retain(|a| {
                        let first = !seen.iter().any(|x: &String| x.eq_ignore_ascii_case(a));
                        seen.push(a.clone());
                        first
                    });
                }
                return step;
            }
        }
    }
    None
}

/// Adds `principals` of `kind` to the statement's, into the entry of that kind if it has one:
/// a principal key written twice is a policy IAM's own readers disagree on.
fn trust_too(s: &mut SuggestedStatement, kind: &'static str, principals: Vec<String>) {
    match s.principal.iter_mut().find(|(k, _)| *k == kind) {
        Some((_, values)) => add_new(values, principals),
        None => s.principal.insert(0, (kind, principals)),
    }
}

/// The one account that the statement's positive conditions on `aws:PrincipalAccount` or
/// `aws:PrincipalArn` name, when they name exactly one (values with a wildcard account name none).
fn account_the_conditions_name(s: &SuggestedStatement, own: Option<&str>) -> Option<String> {
    match accounts_the_conditions_name(s, own).as_slice() {
        // Also one a template leaves to a parameter of account ids (`UNRESOLVED(Ref Account
        // account)`): the trusted role is in the account the deployer passes, not this role's.
        [one] if is_account_id(one) || crate::validity::is_account_parameter(one) => Some(one.clone()),
        _ => None,
    }
}

/// Whether a plain positive condition keeps the statement to callers its `aws:PrincipalArn`
/// values name, each in an account it names.
/// For AWS principals alone, who always send the key (one value), `…IfExists` and the set
/// qualifiers are the plain operator.
fn names_callers_by_arn(s: &SuggestedStatement) -> bool {
    use BaseOperator::*;
    let signed_only = s.principal.iter().all(|(kind, _)| *kind == "AWS");
    s.conditions.iter().any(|(op, keys)| {
        let plain = match Operator::parse(op) {
            Operator::Known {
                base: StringEquals | StringLike | ArnEquals | ArnLike,
                set,
                if_exists,
            } => (set.is_none() && !if_exists) || signed_only,
            _ => false,
        };
        plain
            && keys.iter().any(|(key, values)| {
                key.eq_ignore_ascii_case("aws:PrincipalArn")
                    && !values.is_empty()
                    && values
                        .iter()
                        .all(|v| arn_fields::<6>(v).is_some_and(|fields| is_account_id(fields[4])))
            })
    })
}

/// Every account (each once, in order) that the statement's positive conditions on
/// `aws:PrincipalAccount` or `aws:PrincipalArn` name; values with a wildcard account name none.
/// `own` is the role's account, which `${aws:ResourceAccount}` names.
fn accounts_the_conditions_name(s: &SuggestedStatement, own: Option<&str>) -> Vec<String> {
    use BaseOperator::*;
    let positive = |op: &str| {
        operator_is(
            op,
            &[StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike],
        )
    };
    // An account id compared as a number names that account as well.
    let numeric =
        |op: &str, key: &str| operator_is(op, &[NumericEquals]) && key.eq_ignore_ascii_case("aws:PrincipalAccount");
    let accounts = s
        .conditions
        .iter()
        .flat_map(|(op, keys)| keys.iter().map(move |key| (op, key)))
        .filter(|(op, (key, _))| positive(op) || numeric(op, key))
        .flat_map(|(op, (key, values))| {
            // `${aws:ResourceAccount}` is the role's account; any other variable names none. A
            // number is the account of its twelve digits.
            let as_number = numeric(op, key);
            (values.iter()).filter_map(move |value| match as_number {
                true => crate::pattern::account_as_number(value),
                false => account_of_value(key, value, own.unwrap_or(VARIABLE_ACCOUNT)),
            })
        })
        .filter(|account| !has_wildcard(account) && !account.contains(VARIABLE_ACCOUNT));
    let mut named: Vec<String> = Vec::new();
    for account in accounts {
        if !named.contains(&account) {
            named.push(account);
        }
    }
    named
}

/// Stands for a policy variable in an account: no account named outright.
const VARIABLE_ACCOUNT: &str = "(variable)";

/// The account a value of `aws:PrincipalAccount` or `aws:PrincipalArn` (`key`) is in, its policy
/// variables put in first (a variable's own colon would shift an ARN's fields):
/// `${aws:ResourceAccount}` as `resource_account`, any other as [`VARIABLE_ACCOUNT`]. `None` for
/// another key, or a value that is no ARN.
fn account_of_value(key: &str, value: &str, resource_account: &str) -> Option<String> {
    let value = crate::evaluate::with_variables(value, |name, _, out| {
        out.push_str(match name.eq_ignore_ascii_case("aws:ResourceAccount") {
            true => resource_account,
            false => VARIABLE_ACCOUNT,
        });
        Some(())
    })?;
    if key.eq_ignore_ascii_case("aws:PrincipalAccount") {
        Some(value)
    } else if key.eq_ignore_ascii_case("aws:PrincipalArn") {
        arn_fields::<6>(&value).map(|fields| fields[4].to_owned())
    } else {
        None
    }
}

/// `arn` (an IAM ARN) in `account` instead of its own.
fn in_account(arn: &str, account: &str) -> String {
    match arn_fields::<6>(arn) {
        Some([prefix, partition, service, region, _, resource]) => {
            format!("{prefix}:{partition}:{service}:{region}:{account}:{resource}")
        }
        None => arn.to_owned(),
    }
}

/// The roles and users an exact `aws:PrincipalArn` condition (values without wildcards)
/// of the statement names, when every value is one of them, without wildcard or variable.
fn exact_principal_arns(s: &SuggestedStatement) -> Option<Vec<String>> {
    let named = |v: &String| {
        matches!(arn_fields::<6>(v), Some(["arn", _, "iam", "", account, resource])
            if account.len() == 12 && (resource.starts_with("role/") || resource.starts_with("user/")))
            && !has_wildcard(v)
            && !v.contains("${")
    };
    // Under a `…Like` operator too: a value without a wildcard is exact; with `…IfExists` or a
    // set qualifier, it still names no one else. The first condition on the key whose every
    // value names one principal (a pattern beside it narrows no further).
    let positive = |op: &str| {
        use BaseOperator::*;
        matches!(
            Operator::parse(op),
            Operator::Known {
                base: StringEquals | StringLike | ArnEquals | ArnLike,
                ..
            }
        )
    };
    s.conditions
        .iter()
        .filter(|(op, _)| positive(op))
        .flat_map(|(_, keys)| keys)
        .filter(|(k, _)| k.eq_ignore_ascii_case("aws:PrincipalArn"))
        .find(|(_, values)| !values.is_empty() && values.iter().all(named))
        .map(|(_, values)| values.clone())
}

/// `Deny` + `NotPrincipal` (which IAM refuses in a trust policy) as `Deny` for `{"AWS": "*"}`
/// unless the caller is one of those listed: its ARN (`aws:PrincipalArn`), its account (for an
/// account root), its service (`aws:PrincipalServiceName`). Conditions AND, and each one exempts
/// only its own kind, so a listed caller stays exempt. An identity provider is excepted by a key
/// only its tokens carry (`Null <host>:sub = true`: the Deny applies to callers without one; SAML's
/// keys are every SAML provider's), so the guard never shuts out the provider it was written for.
/// Canonical-user exceptions can't be written so and are dropped: the Deny covers them too.
fn deny_all_but(mut s: SuggestedStatement, excepted: &Principals) -> SuggestedStatement {
    let mut arns: Vec<String> = Vec::new();
    let mut session_roles: Vec<String> = Vec::new();
    let mut accounts = Vec::new();
    // Trimmed: IAM refuses an exception padded with spaces, and its ARN matches no caller.
    for principal in excepted.aws.iter().map(|p| p.trim()) {
        match (root_account(principal), session_role(principal)) {
            (Some(account), _) => accounts.push(account.to_owned()),
            // aws:PrincipalArn holds a session's role, with a path the session ARN doesn't show.
            (None, Some((prefix, role))) => {
                session_roles.push(format!("{prefix}:role/{role}"));
                session_roles.push(format!("{prefix}:role/*/{role}"));
            }
            (None, None) => arns.push(principal.to_string()),
        }
    }
    // AWS has a NotPrincipal Deny list a role's account beside the role (the account's own
    // requests pass as the account): there it is only the role's companion, and excepting the
    // whole account would let everyone in it pass the guard.
    let excepted_account = |account: &str| {
        arns.iter()
            .chain(&session_roles)
            .any(|arn| arn_account(arn) == Some(account))
    };
    accounts.retain(|account| !excepted_account(account));
    let services = excepted.service.iter().map(|p| p.to_string()).collect();
    for provider in &excepted.federated {
        let key = if is_saml_provider(provider) {
            "saml:aud".to_owned()
        } else {
            let host = &oidc_host(provider);
            format!("{host}:{}", OidcScope::of(host).keys[0])
        };
        add_condition(&mut s, "Null", &key, "true");
    }
    // Each exception joins the list its key may already have: a negated operator's values add up.
    for (operator, key, values) in [
        ("ArnNotEquals", "aws:PrincipalArn", arns),
        ("ArnNotLike", "aws:PrincipalArn", session_roles),
        ("StringNotEquals", "aws:PrincipalAccount", accounts),
        ("StringNotEquals", "aws:PrincipalServiceName", services),
    ] {
        if !values.is_empty() {
            add_condition_values(&mut s, operator, key, &values);
        }
    }
    trusting(s, "*")
}

/// The SAML providers the Allows let in that a `NotPrincipal` Deny excepting a SAML provider
/// denies: its rewrite tells SAML callers from others (`Null saml:aud`), not one provider's from
/// another's.
fn other_saml_providers(deny: &Statement, policy: &Policy) -> Vec<String> {
    let excepted = &deny.principals.federated;
    if !excepted.iter().any(|p| is_saml_provider(p)) {
        return Vec::new();
    }
    let mut others: Vec<String> = Vec::new();
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && !s.principals.negated)
    {
        for p in s.principals.federated.iter().filter(|p| is_saml_provider(p)) {
            if !excepted.iter().any(|e| e == p) && !others.iter().any(|o| o == p) {
                others.push(p.to_string());
            }
        }
    }
    others
}

/// A Deny of everyone rewritten as one of `{"AWS": "*"}`, which no identity provider's caller
/// nor service matches: it also names the providers and services the policy's Allows let in
/// whose way of assuming the role `deny` denies, so that it keeps doing to them what it was
/// written to (a repository pattern in `StringNotLike …:sub`, a date after which nobody comes in,
/// an exception for one provider). Not a caller that one of its conditions would shut out for
/// good, by holding on a key that caller never sends (EC2 under an `aws:SourceAccount` guard,
/// GitLab under GitHub's `sub`), nor Lambda, whose own fix decides what a Deny may do to it.
/// Only those `denied` selects.
fn also_denying_who_allows_name(
    mut s: SuggestedStatement,
    deny: &Statement,
    policy: &Policy,
    denied: impl Fn(PrincipalKind, &str) -> bool,
) -> SuggestedStatement {
    let allowed = (policy.statements.iter())
        .filter(|a| a.effect == Effect::Allow && !a.principals.negated)
        .flat_map(|a| a.principals.entries())
        .filter(|(kind, principal)| denied(*kind, principal));
    for (kind, principal) in allowed {
        let name = match kind {
            PrincipalKind::Federated => "Federated",
            PrincipalKind::Service if principal != LAMBDA => "Service",
            _ => continue,
        };
        let shut_out = deny.conditions.iter().any(|c| {
            let holds_when_missing = matches!(c.operator, Operator::Known { base, set, if_exists }
                if missing_key(base, set, if_exists, &c.values) == Tri::True);
            holds_when_missing && !sends_key(kind, principal, &c.key)
        });
        let denied = crate::validity::action_needed_by(kind, principal).is_some_and(|a| deny.actions.may_cover(a));
        if shut_out || !denied || refused_principal(kind, principal).is_some() {
            continue;
        }
        match s.principal.iter_mut().find(|(k, _)| *k == name) {
            Some((_, list)) if list.iter().any(|p| p == principal) => {}
            Some((_, list)) => list.push(principal.to_owned()),
            None => s.principal.push((name, vec![principal.to_owned()])),
        }
    }
    s
}

/// The actions the Allows grant, each once (of a `NotAction`, the ways to assume the role it
/// leaves): the ways in a guard written without actions denies.
fn allowed_actions(policy: &Policy) -> Vec<String> {
    let mut actions: Vec<String> = Vec::new();
    let allows = || policy.statements.iter().filter(|a| a.effect == Effect::Allow);
    let listed = (allows().filter(|a| !a.actions.negated)).flat_map(|a| a.actions.patterns.iter().map(|p| p.as_ref()));
    let left = (allows().filter(|a| a.actions.negated)).flat_map(|a| {
        (ASSUME_ACTIONS.iter().zip(a.actions.assume))
            .filter(|(_, covered)| *covered)
            .map(|(action, _)| *action)
    });
    for action in listed.chain(left) {
        if !actions.iter().any(|a| a.eq_ignore_ascii_case(action)) {
            actions.push(action.to_string());
        }
    }
    actions
}

/// Whether an identity provider's or a service's requests carry `key`: every request's own (the
/// time, the transport, the region, the address), a provider's claims (`host:…`) or SAML
/// attributes, a service's source keys when it sends them.
fn sends_key(kind: PrincipalKind, principal: &str, key: &str) -> bool {
    const EVERY_REQUEST: [&str; 6] = [
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:SecureTransport",
        "aws:RequestedRegion",
        "aws:SourceIp",
        "aws:UserAgent",
    ];
    if EVERY_REQUEST.iter().any(|k| key.eq_ignore_ascii_case(k)) {
        return true;
    }
    match kind {
        PrincipalKind::Federated if is_saml_provider(principal) => strip_prefix_ignore_case(key, "saml:").is_some(),
        PrincipalKind::Federated => {
            strip_prefix_ignore_case(key, &oidc_host(principal)).is_some_and(|claim| claim.starts_with(':'))
        }
        PrincipalKind::Service => is_source_key(key) && principal != EDGE_LAMBDA && !sends_no_source_keys(principal),
        PrincipalKind::Aws | PrincipalKind::CanonicalUser => false,
    }
}

/// `arn:aws:sts::111122223333:assumed-role/ci/session` → (`arn:aws:iam::111122223333`, `ci`).
fn session_role(arn: &str) -> Option<(String, &str)> {
    let [_, partition, "sts", _, account, resource] = arn_fields::<6>(arn)? else {
        return None;
    };
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some((format!("arn:{partition}:iam::{account}"), role))
}

/// Principals IAM refuses only for a slip, written as it takes them: a service name that surely
/// means one (`ecs-tasks` is `ecs-tasks.amazonaws.com`, `" Lambda.amazonaws.com"` and
/// `lamda.amazonaws.com` are `lambda.amazonaws.com`: [`crate::services::service_meant`]), and an
/// AWS principal padded with spaces (` arn:aws:iam::…:user/Admin`, as an IAM guide's own example
/// has it) trimmed.
fn correct_principal_names(s: &mut SuggestedStatement) {
    for (kind, values) in &mut s.principal {
        for value in values.iter_mut() {
            let corrected = match *kind {
                "AWS" => value.trim().to_owned(),
                "Service" => {
                    let mut corrected = value.trim().to_ascii_lowercase();
                    if !corrected.contains('.') && !corrected.is_empty() {
                        corrected.push_str(".amazonaws.com");
                    }
                    match crate::services::service_meant(&corrected) {
                        Some(meant) => meant.to_owned(),
                        None => corrected,
                    }
                }
                _ => continue,
            };
            let principal_kind = if *kind == "AWS" {
                PrincipalKind::Aws
            } else {
                PrincipalKind::Service
            };
            if refused_principal(principal_kind, value).is_some()
                && refused_principal(principal_kind, &corrected).is_none()
            {
                *value = corrected;
            }
        }
        // Each once: `lamda` corrected beside `lambda` is the one service, a trimmed ARN beside
        // the same written out the one principal.
        let mut seen: Vec<String> = Vec::new();
        values.retain(|v| {
            let first = !seen.contains(v);
            if first {
                seen.push(v.clone());
            }
            first
        });
    }
}

/// The actions IAM refuses in a trust policy ([`refused_action`]) as they were surely meant
/// (`sts:TagSessions`, `Assume*`), or gone (another service's); each once. Whether each that may
/// have been a trust action kept its meaning: a guard that lost one would stop less than its
/// author meant.
fn correct_actions(s: &mut SuggestedStatement) -> bool {
    if s.not_action {
        return true;
    }
    let mut kept_meaning = true;
    let mut corrected: Vec<String> = Vec::new();
    for action in &s.actions {
        let meant = match refused_action(action) {
            None => Some(action.clone()),
            Some(_) => {
                let meant = crate::validity::trust_action_correction(action);
                // Another service's action never named a way in; one that may have meant a trust
                // action (`st:AssumeRole`, `iam:AssumeRole`) lost its meaning.
                kept_meaning &= meant.is_some() || !crate::validity::may_mean_trust_action(action);
                meant
            }
        };
        if let Some(meant) = meant.filter(|m| !corrected.iter().any(|c| c.eq_ignore_ascii_case(m))) {
            corrected.push(meant);
        }
    }
    s.actions = corrected;
    kept_meaning
}

/// Each Allow that lets a provider in evaluates the claim IAM requires of a role created or
/// updated with it ([`crate::validity::ProviderControl`]): for GitHub, the subjects a Deny of the
/// policy alone keeps it to (`StringNotLike` becomes `StringLike`), else the value to fill in. In
/// a statement of its own when others are trusted beside it, whose tokens carry no such claim.
fn with_provider_controls(statements: &mut Vec<SuggestedStatement>, policy: &Policy) {
    use crate::validity::{uncontrolled_provider, ProviderControl};
    let github_key = format!("{GITHUB_ACTIONS}:sub");
    // A Deny of GitHub whose one condition is a negated subject test: the subjects it lets by.
    let kept_to = policy.statements.iter().find_map(|d| {
        let [c] = d.conditions.as_slice() else {
            return None;
        };
        let positive = match c.operator {
            Operator::Known {
                base: BaseOperator::StringNotLike,
                set: None,
                if_exists: false,
            } => "StringLike",
            Operator::Known {
                base: BaseOperator::StringNotEquals,
                set: None,
                if_exists: false,
            } => "StringEquals",
            _ => return None,
        };
        let github = |p: &Cow<str>| ProviderControl::of(oidc_url(p)) == Some(ProviderControl::GitHub);
        (d.effect == Effect::Deny
            && !d.principals.negated
            && d.principals.federated.iter().any(github)
            && covers(&d.actions, ASSUME_ROLE_WITH_WEB_IDENTITY)
            && c.key.eq_ignore_ascii_case(&github_key)
            && c.values.iter().all(|v| !v.trim().is_empty() && !v.starts_with('*')))
        .then(|| {
            (
                positive,
                c.values.iter().map(|v| v.to_string()).collect::<Vec<String>>(),
            )
        })
    });
    let mut appended = Vec::new();
    for s in statements
        .iter_mut()
        .filter(|s| s.principal.iter().any(|(kind, _)| *kind == "Federated"))
    {
        // One provider at a time, as the check reads the suggestion, until each has its control,
        // in a statement of its own when others are trusted beside it.
        for _ in 0..s.principal.iter().map(|(_, ps)| ps.len()).sum::<usize>() {
            let model = s.model();
            let Some((issuer, control)) = uncontrolled_provider(&model).map(|(i, c)| (i.to_owned(), c)) else {
                break;
            };
            let provider = |kind: &str, p: &str| kind == "Federated" && oidc_url(p).eq_ignore_ascii_case(&issuer);
            let kept_to = kept_to.as_ref().filter(|_| issuer.eq_ignore_ascii_case(GITHUB_ACTIONS));
            let mut slot = Some(s.clone());
            apart(&mut slot, &mut appended, provider, |piece| {
                give_control(piece, &issuer, control, kept_to)
            });
            match slot {
                Some(edited) => *s = edited,
                None => break,
            }
        }
    }
    statements.extend(appended);
}

/// Gives `s`, which trusts the provider of `issuer` alone, the condition IAM requires of it
/// (`control`): a test written under `…IfExists` (which IAM doesn't count) without it, as every
/// token of the provider carries the claim; an application id's key in other capitals (which
/// IAM's older check doesn't read) spelt as it reads it; else the subjects a Deny keeps GitHub
/// to (`kept_to`), or the value to fill in.
fn give_control(
    s: &mut SuggestedStatement,
    issuer: &str,
    control: crate::validity::ProviderControl,
    kept_to: Option<&(&str, Vec<String>)>,
) {
    use crate::validity::{uncontrolled_provider, ProviderControl};
    let keys = control.keys(issuer);
    without_if_exists(s, &keys);
    if matches!(control, ProviderControl::ApplicationId(_)) {
        respelt(s, &keys);
    }
    let Some(key) = keys.first().filter(|_| uncontrolled_provider(&s.model()).is_some()) else {
        return;
    };
    match kept_to {
        Some((operator, subjects)) => {
            if let Some(operator) = free_operator(s, operator, key) {
                add_condition_values(s, &operator, key, subjects);
            }
        }
        None if matches!(control, ProviderControl::GitHub) => {
            let (operator, subject) = github_subject_from_claims(s, issuer);
            if let Some(operator) = free_operator(s, operator, key) {
                add_condition_values(s, &operator, key, &[subject]);
            }
        }
        None => {
            let scope = OidcScope::of(issuer);
            let claim = key.rsplit(':').next().unwrap_or_default();
            let fill_in = match scope.keys.first() {
                Some(own) if own.eq_ignore_ascii_case(claim) => {
                    crate::checks::subject_to_fill_in(issuer, scope.fill_in)
                }
                _ => format!("{FILL_IN}{}", claim.to_ascii_uppercase()),
            };
            add_condition(s, "StringEquals", key, &fill_in);
        }
    }
}

/// The GitHub subject the claims `s` already pins imply, for IAM's control: the repository (in
/// either form GitHub writes it, `acme/app` or with its ids, `acme@1/app@2`) and the environment
/// or ref, the rest a pattern; the repository to fill in where no claim names it. Never wider
/// than those claims, which stay beside it.
fn github_subject_from_claims(s: &SuggestedStatement, issuer: &str) -> (&'static str, String) {
    let pinned = |claim: &str| -> Option<&str> {
        let key = text!(issuer, ":", claim);
        let block =
            (s.conditions.iter()).filter(|(op, _)| matches!(op.as_str(), "StringEquals" | "StringEqualsIgnoreCase"));
        match block
            .flat_map(|(_, keys)| keys)
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            Some((_, values)) => match values.as_slice() {
                [one] if !has_wildcard(one) && !is_opaque(one) && !one.contains(['$', ':']) => Some(one.as_str()),
                _ => None,
            },
            None => None,
        }
    };
    let repository = match pinned("repository").and_then(|r| r.split_once('/')) {
        Some((owner, repo)) => text!(owner, "*/", repo, "*"),
        None => "REPLACE_WITH_OWNER/REPLACE_WITH_REPO".to_owned(),
    };
    let context = match (pinned("environment"), pinned("ref")) {
        (Some(environment), _) => text!("environment:", environment),
        (None, Some(git_ref)) => text!("ref:", git_ref),
        (None, None) => "*".to_owned(),
    };
    ("StringLike", text!("repo:", repository, ":", context))
}

/// `operator`, or where `s` holds `key` under it already its `ForAnyValue:` or `ForAllValues:`
/// form (a block of its own, so that both tests hold; on a claim with one value each reads it as
/// the plain operator does). `None` when all three hold it.
fn free_operator(s: &SuggestedStatement, operator: &str, key: &str) -> Option<String> {
    let holds = |op: &str| {
        (s.conditions.iter()).any(|(o, keys)| o == op && keys.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)))
    };
    [String::new(), "ForAnyValue:".to_owned(), "ForAllValues:".to_owned()]
        .into_iter()
        .map(|set| format!("{set}{operator}"))
        .find(|op| !holds(op))
}

/// Moves the values of `keys` from an `…IfExists` string operator to the operator without it
/// ([`free_operator`]: never merged into, or replacing, a test of the same key there).
fn without_if_exists(s: &mut SuggestedStatement, keys: &[String]) {
    use BaseOperator::{StringEquals, StringEqualsIgnoreCase, StringLike};
    let mut moved: Vec<(String, String, Vec<String>)> = Vec::new();
    for (op, block) in s.conditions.iter_mut() {
        let Operator::Known {
            base, if_exists: true, ..
        } = Operator::parse(op)
        else {
            continue;
        };
        let Some(plain) = op.strip_suffix("IfExists") else {
            continue;
        };
        if !matches!(base, StringEquals | StringLike | StringEqualsIgnoreCase) {
            continue;
        }
        block.retain(|(key, values)| {
            let controls = keys.iter().any(|k| k.eq_ignore_ascii_case(key));
            if controls {
                moved.push((plain.to_owned(), key.clone(), values.clone()));
            }
            !controls
        });
    }
    s.conditions.retain(|(_, block)| !block.is_empty());
    for (op, key, values) in &moved {
        match free_operator(s, op, key) {
            Some(op) => add_condition_values(s, &op, key, values),
            // Nowhere free: kept as written.
            None => add_condition_values(s, &format!("{op}IfExists"), key, values),
        }
    }
}

/// Writes each condition key of `s` that is one of `keys` in other capitals as `keys` spell it.
fn respelt(s: &mut SuggestedStatement, keys: &[String]) {
    for (key, _) in s.conditions.iter_mut().flat_map(|(_, block)| block.iter_mut()) {
        if let Some(spelt) = keys.iter().find(|k| k.eq_ignore_ascii_case(key) && *k != key) {
            key.clone_from(spelt);
        }
    }
}

/// The statement granted to [`principal_to_fill_in`] alone.
fn for_a_principal_to_fill_in(
    s: SuggestedStatement,
    subject: &Subject,
    account: &str,
    trusted_role: &str,
) -> SuggestedStatement {
    let (kind, principal) = principal_to_fill_in(&s, subject, account, trusted_role);
    SuggestedStatement {
        principal: vec![(kind, vec![principal])],
        not_principal: false,
        ..s
    }
}

/// The principal to fill in for a statement that IAM would take none of the principals of: an
/// OIDC provider for `sts:AssumeRoleWithWebIdentity` (the one whose keys the conditions read, when
/// they read one), a SAML provider for `sts:AssumeRoleWithSAML`, else a role.
fn principal_to_fill_in(
    s: &SuggestedStatement,
    subject: &Subject,
    account: &str,
    trusted_role: &str,
) -> (&'static str, String) {
    // That action, and none but the session actions beside it.
    let only = |action: &str| {
        let is = |a: &String, name: &str| a.eq_ignore_ascii_case(name);
        !s.not_action
            && s.actions.iter().any(|a| is(a, action))
            && s.actions
                .iter()
                .all(|a| is(a, action) || SESSION_ACTIONS.iter().any(|x| is(a, x)))
    };
    // Both federated actions and no sts:AssumeRole: a provider, of the kind the conditions read
    // (`SAML:aud`), else an OIDC one. No role could take either action.
    let takes = |action: &str| s.actions.iter().any(|a| crate::pattern::glob(a, action, true));
    let federation_only =
        !s.not_action && !takes(ASSUME_ROLE) && takes(ASSUME_ROLE_WITH_WEB_IDENTITY) && takes(ASSUME_ROLE_WITH_SAML);
    let reads_saml = s
        .conditions
        .iter()
        .flat_map(|(_, keys)| keys)
        .any(|(key, _)| key.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("saml:")));
    // A provider's claims (`token.actions.githubusercontent.com:sub`) or SAML's keys read by a
    // statement that grants its federated action among others (`sts:*`): written for that
    // provider, whose callers alone carry them (no role session does).
    // Only where nothing narrows it to role sessions too (a key only they send), and for one
    // provider: mixed, the conditions are the author's to sort out, and a role to fill in keeps
    // them.
    let keys = || {
        s.conditions
            .iter()
            .flat_map(|(_, keys)| keys)
            .map(|(key, _)| key.as_str())
    };
    let mut issuers: Vec<&str> = keys().filter_map(key_issuer).collect();
    crate::order::sort_small_dedup(&mut issuers);
    let for_sessions = keys().any(is_session_key);
    let reads_claims = issuers.len() == 1 && !for_sessions;
    // Or an assertion's keys under `sts:AssumeRole` alone, which no signed request carries (a
    // SAML session carries only its subject and name qualifier on): the provider's trust with its
    // action mistaken (the next round corrects the action).
    // Asks for it to be there: a positive operator, or `Null … false` (not `Null … true`, which
    // asks for a request without it).
    let asks_for = |op: &str, values: &[String]| {
        use BaseOperator::*;
        operator_is(op, &[StringEquals, StringEqualsIgnoreCase, StringLike])
            || (operator_is(op, &[Null]) && values.iter().all(|v| v.eq_ignore_ascii_case("false")))
    };
    let reads_assertion = (s.conditions.iter()).any(|(op, keys)| {
        keys.iter().any(|(key, values)| {
            asks_for(op, values)
                && strip_prefix_ignore_case(key, "saml:").is_some()
                && crate::contexts::saml_key_a_session_carries(key).is_none()
        })
    });
    let saml_meant = takes(ASSUME_ROLE_WITH_SAML) || (only(ASSUME_ROLE) && reads_assertion);
    if reads_saml && saml_meant && issuers.is_empty() && !for_sessions {
        return (
            "Federated",
            arn_to_fill_in(subject, account, &format!("saml-provider/{FILL_IN}PROVIDER_NAME")),
        );
    }
    // A provider's claims read under `sts:AssumeRole` alone, which no token's caller takes and no
    // role session's request carries them for: the provider's trust with its action mistaken
    // (the next round corrects the action).
    if only(ASSUME_ROLE_WITH_WEB_IDENTITY)
        || (federation_only && !reads_saml)
        || (reads_claims && (takes(ASSUME_ROLE_WITH_WEB_IDENTITY) || only(ASSUME_ROLE)))
    {
        let host = s
            .conditions
            .iter()
            .flat_map(|(_, keys)| keys)
            .filter_map(|(key, _)| key_issuer(key))
            // A key's issuer with a wildcard (`.*:sub`) names no provider IAM takes.
            .find(|host| !has_wildcard(host))
            .map_or_else(|| format!("{FILL_IN}PROVIDER_HOST"), str::to_owned);
        // The providers IAM knows by name are trusted by it, not by an ARN of yours.
        if PROVIDERS_KNOWN_BY_NAME.contains(&host.as_str()) || is_cognito(&host) {
            return ("Federated", host);
        }
        return (
            "Federated",
            arn_to_fill_in(subject, account, &format!("oidc-provider/{host}")),
        );
    }
    if only(ASSUME_ROLE_WITH_SAML) || federation_only {
        return (
            "Federated",
            arn_to_fill_in(subject, account, &format!("saml-provider/{FILL_IN}PROVIDER_NAME")),
        );
    }
    // Written for a service (its only principals, or the keys only a service sends): a service
    // to name, not a role the conditions would shut out.
    // `Bool aws:PrincipalIsAWSService true` admits services alone.
    let services_only = s.conditions.iter().any(|(op, keys)| {
        op.eq_ignore_ascii_case("Bool")
            && keys.iter().any(|(key, values)| {
                key.eq_ignore_ascii_case("aws:PrincipalIsAWSService")
                    && !values.is_empty()
                    && values.iter().all(|v| v.eq_ignore_ascii_case("true"))
            })
    });
    // A key only a service sends, asked for: not under `…IfExists`, which a caller without it
    // meets (an IAM role through the account's endpoint, beside a service's account).
    let if_exists = |op: &str| matches!(Operator::parse(op), Operator::Known { if_exists: true, .. });
    let asks_for_a_service_key = (s.conditions.iter())
        .filter(|(op, _)| !if_exists(op))
        .flat_map(|(op, keys)| keys.iter().map(move |key| (op, key)))
        .any(|(op, (key, values))| {
            (is_source_key(key) || is_service_call_key(key))
                && !(operator_is(op, &[BaseOperator::Null]) && values.iter().any(|v| v.eq_ignore_ascii_case("true")))
        });
    let for_a_service = (!s.principal.is_empty() && s.principal.iter().all(|(kind, _)| *kind == "Service"))
        || (asks_for_a_service_key && !for_sessions)
        || (services_only && !for_sessions);
    if for_a_service && only(ASSUME_ROLE) {
        let named = service_the_conditions_name(s);
        return (
            "Service",
            named.unwrap_or_else(|| format!("{FILL_IN}SERVICE.amazonaws.com")),
        );
    }
    ("AWS", role_to_fill_in(s, trusted_role, subject.account))
}

/// Whom a wildcard was for: the provider its federated action serves (a role could not take
/// `sts:AssumeRoleWithWebIdentity` or `…WithSAML`), else a role, in the account the conditions
/// name, or the accounts themselves when they name several.
fn principal_to_fill_in_for_a_wildcard(
    s: &SuggestedStatement,
    subject: &Subject,
    account: &str,
    trusted_role: &str,
) -> (&'static str, Vec<String>) {
    if let (kind @ ("Federated" | "Service"), principal) = principal_to_fill_in(s, subject, account, trusted_role) {
        return (kind, vec![principal]);
    }
    // Conditions that name callers in several accounts, or by their ARNs (`role/ci-*`): those
    // accounts, the conditions keeping to the callers they name. One role to fill in would shut
    // out all but one of them.
    let accounts = accounts_the_conditions_name(s, subject.account);
    // A pattern in any account (Landing Zone Accelerator's `arn:aws:iam::*:role/AWSAccelerator*`,
    // or `${aws:PrincipalAccount}` there): roles of other accounts too, in one to fill in, beside
    // the accounts named outright.
    if names_callers_in_any_account(s) {
        let named = accounts.iter().filter(|a| is_account_id(a));
        let mut principals: Vec<String> = named.map(|a| arn_to_fill_in(subject, a, "root")).collect();
        principals.push(in_account(trusted_role, ACCOUNT_TO_FILL_IN));
        return ("AWS", principals);
    }
    // Told by their organization (kept to one, to any, or out of one) and naming no account: its
    // callers are in other accounts as likely as in this one (CloudWatch's cross-account sharing,
    // the Landing Zone Accelerator), so the account is to fill in too, not taken to be the role's.
    let organization = (s.conditions.iter())
        .flat_map(|(_, keys)| keys.iter())
        .any(|(key, _)| crate::contexts::is_organization_key(key));
    if organization && accounts.is_empty() {
        return ("AWS", vec![in_account(trusted_role, ACCOUNT_TO_FILL_IN)]);
    }
    let by_arn = accounts.len() == 1 && names_callers_by_arn(s);
    if (accounts.len() > 1 || by_arn) && accounts.iter().all(|a| is_account_id(a)) {
        return (
            "AWS",
            accounts.iter().map(|a| arn_to_fill_in(subject, a, "root")).collect(),
        );
    }
    ("AWS", vec![role_to_fill_in(s, trusted_role, subject.account)])
}

/// The role to fill in, in the account the statement's conditions name (else `trusted_role`'s).
fn role_to_fill_in(s: &SuggestedStatement, trusted_role: &str, own: Option<&str>) -> String {
    match account_the_conditions_name(s, own) {
        Some(account) => in_account(trusted_role, &account),
        None => trusted_role.to_owned(),
    }
}

/// Whether a positive condition names callers by an ARN or account with a wildcard or a policy
/// variable in the account.
fn names_callers_in_any_account(s: &SuggestedStatement) -> bool {
    use BaseOperator::*;
    let positive = |op: &str| {
        operator_is(
            op,
            &[StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike],
        )
    };
    let reads_wildcards = |op: &str| operator_is(op, &[StringLike, ArnEquals, ArnLike]);
    let conditions = || s.conditions.iter().filter(|(op, _)| positive(op));
    // A variable is an account not spelt out (the caller's, `${aws:PrincipalAccount}`, or one
    // the role's tag names), except `${aws:ResourceAccount}`, this one.
    let account = |key: &str, value: &str| account_of_value(key, value, "THIS_ACCOUNT");
    let any_account =
        |op: &str, account: &str| (reads_wildcards(op) && has_wildcard(account)) || account.contains(VARIABLE_ACCOUNT);
    // A condition beside it that keeps to accounts it names outright pins the pattern to them.
    let pinned = conditions().any(|(op, keys)| {
        (keys.iter()).any(|(key, values)| {
            key.eq_ignore_ascii_case("aws:PrincipalAccount")
                && values
                    .iter()
                    .all(|v| account(key, v).is_none_or(|a| !any_account(op, &a)))
        })
    });
    !pinned
        && conditions().any(|(op, keys)| {
            (keys.iter()).any(|(key, values)| {
                values
                    .iter()
                    .any(|v| account(key, v).is_some_and(|a| any_account(op, &a)))
            })
        })
}

/// A key that only a user's or a role session's signed request carries, never a provider's
/// token nor a service's call: a condition on it is written for role sessions. Not the network
/// keys, which every caller's request carries, nor the keys of a service's own call.
fn is_session_key(key: &str) -> bool {
    const SESSION_KEYS: [&str; 3] = ["aws:userid", "aws:username", "sts:ExternalId"];
    match strip_prefix_ignore_case(key, "aws:Principal") {
        Some(_) => !is_service_call_key(key) && !key.eq_ignore_ascii_case("aws:PrincipalIsAWSService"),
        None => SESSION_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)),
    }
}

/// The one service an exact `aws:PrincipalServiceName` condition names (`events.amazonaws.com`):
/// the service the statement was written for.
fn service_the_conditions_name(s: &SuggestedStatement) -> Option<String> {
    let exact = |op: &str| {
        matches!(
            Operator::parse(op),
            Operator::Known {
                base: BaseOperator::StringEquals,
                set: None,
                if_exists: false
            }
        )
    };
    let mut named = (s.conditions.iter())
        .filter(|(op, _)| exact(op))
        .flat_map(|(_, keys)| keys)
        .filter(|(key, _)| key.eq_ignore_ascii_case("aws:PrincipalServiceName"))
        .map(|(_, values)| values);
    match (named.next()?.as_slice(), named.next()) {
        ([service], None) if service.ends_with(".amazonaws.com") && !has_wildcard(service) => Some(service.clone()),
        _ => None,
    }
}

/// A key only a service principal's call carries: a condition on it is written for a service.
fn is_service_call_key(key: &str) -> bool {
    ["aws:PrincipalServiceName", "aws:PrincipalServiceNamesList"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
}

/// Web identity providers IAM knows by name, trusted as `"Federated": "<name>"`.
const PROVIDERS_KNOWN_BY_NAME: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
];

/// One of [`PROVIDERS_KNOWN_BY_NAME`].
pub(crate) fn is_provider_known_by_name(principal: &str) -> bool {
    PROVIDERS_KNOWN_BY_NAME
        .iter()
        .any(|known| known.eq_ignore_ascii_case(principal))
}

fn trusting(s: SuggestedStatement, principal: &str) -> SuggestedStatement {
    SuggestedStatement {
        principal: vec![("AWS", vec![principal.to_owned()])],
        not_principal: false,
        ..s
    }
}

/// The placeholder for a role the reader names, in the role's partition and account.
fn trusted_role_to_fill_in(subject: &Subject, account: &str) -> String {
    arn_to_fill_in(subject, account, &format!("role/{FILL_IN}TRUSTED_ROLE"))
}

/// An IAM ARN of `account` in the role's partition, its resource (`role/…`, or a placeholder the
/// reader replaces with `user/NAME` or `role/NAME`) as given.
fn arn_to_fill_in(subject: &Subject, account: &str, resource: &str) -> String {
    let partition = subject.arn.and_then(arn_fields::<6>).map_or("aws", |fields| fields[1]);
    format!("arn:{partition}:iam::{account}:{resource}")
}

/// Sets `key` under `operator` to `value`. A negated operator's existing values stay beside it
/// (a Deny's exceptions add up: `StringNotEquals aws:PrincipalServiceName` keeps Lambda@Edge when
/// Lambda is added); a positive one's are replaced (a wrong account by the right one).
/// Drops the audiences of Google's own public clients (gcloud, …) from what `s` requires: they
/// bind nothing, and the audience to fill in takes their place (both kept, nobody's token would
/// meet them, or the reader would fill in gcloud's again).
fn without_public_google_clients(s: &mut SuggestedStatement) {
    for (op, keys) in &mut s.conditions {
        if !matches!(op.as_str(), "StringEquals" | "StringEqualsIgnoreCase" | "StringLike") {
            continue;
        }
        for (key, values) in keys.iter_mut() {
            let audience = ["accounts.google.com:aud", GOOGLE_AUDIENCE]
                .iter()
                .any(|k| key.eq_ignore_ascii_case(k));
            if audience {
                values.retain(|v| !crate::checks::is_public_google_client(v));
            }
        }
        keys.retain(|(_, values)| !values.is_empty());
    }
    s.conditions.retain(|(_, keys)| !keys.is_empty());
}

fn add_condition(s: &mut SuggestedStatement, operator: &str, key: &str, value: &str) {
    add_condition_values(s, operator, key, &[value.to_owned()]);
}

/// [`add_condition`] with several values (any of them matches), each once.
/// Narrows `s` to callers whose `aws:PrincipalArn` is one of `arns`: beside a condition the
/// statement has on it (both must hold), under another operator that reads wildcards alike.
fn pin_principal_arn(s: &mut SuggestedStatement, arns: &[String]) {
    let free = ["ArnLike", "ArnEquals", "StringLike"].into_iter().find(|operator| {
        !s.conditions
            .iter()
            .any(|(op, keys)| op == operator && keys.iter().any(|(k, _)| k.eq_ignore_ascii_case("aws:PrincipalArn")))
    });
    add_condition_values(s, free.unwrap_or("ArnLike"), "aws:PrincipalArn", arns);
}

fn add_condition_values(s: &mut SuggestedStatement, operator: &str, key: &str, added: &[String]) {
    let negated = matches!(Operator::parse(operator), Operator::Known { base, .. } if base.is_negated());
    if !s.conditions.iter().any(|(op, _)| op == operator) {
        s.conditions.push((operator.to_owned(), Vec::new()));
    }
    let Some((_, keys)) = s.conditions.iter_mut().find(|(op, _)| op == operator) else {
        return;
    };
    if !keys.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
        keys.push((key.to_owned(), Vec::new()));
    }
    let Some((_, values)) = keys.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) else {
        return;
    };
    if !negated {
        values.clear();
    }
    add_new(values, added.iter().cloned());
}

/// Appends the `items` that `list` doesn't hold yet, in their order.
fn add_new<T: PartialEq>(list: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

fn denies_lambda(statement: &Statement, policy: &Policy, subject: &Subject) -> bool {
    (subject.lambda_contexts()).any(|(_, ctx)| crate::checks::denies_lambda_in(statement, &ctx, policy.version))
}

/// A Deny that may apply to Lambda at a later time: it names Lambda (or everyone; Lambda@Edge, for
/// a role CloudFront runs at the edge) for sts:AssumeRole, under a condition on the time. Each
/// starts on its own date; all are spared.
fn may_deny_lambda_later(statement: &Statement, subject: &Subject) -> bool {
    let names = |service| {
        crate::evaluate::names(
            &statement.principals,
            crate::contexts::Caller::Service(service),
            Effect::Deny,
        )
    };
    statement
        .conditions
        .iter()
        .any(|c| crate::contexts::is_time_key(&c.key))
        && statement.actions.may_cover(ASSUME_ROLE)
        && (names(LAMBDA) || (!subject.edge_functions.is_empty() && names(EDGE_LAMBDA)))
}

/// Writes each of Deny `deny`'s exceptions that no token of `providers` has as meant
/// ([`crate::validity::claim_exception_mended`]; a literal `*` under `StringNotLike`), in
/// `suggested`, its statement in the suggestion. Whether it wrote one.
fn mend_claim_exceptions<P: AsRef<str>>(
    deny: &Statement,
    suggested: &mut Option<SuggestedStatement>,
    providers: &[P],
    partition: &str,
) -> bool {
    use crate::validity::ExceptionSlip;
    let mut mended = false;
    for condition in &deny.conditions {
        let slip = providers
            .iter()
            .map(|p| crate::validity::excepts_no_token(condition, p.as_ref()))
            .reduce(|a, b| a.filter(|_| b.is_some()))
            .flatten();
        mended |= match slip {
            Some(ExceptionSlip::LiteralWildcard) => {
                // The same operator otherwise (its `…IfExists`, its set qualifier).
                let written = &condition.operator_text;
                let pattern = written
                    .replace("StringNotEqualsIgnoreCase", "StringNotLike")
                    .replace("StringNotEquals", "StringNotLike");
                as_pattern(suggested, condition, &pattern)
            }
            Some(ExceptionSlip::Shape(shape)) => (suggested.as_mut()).is_some_and(|d| {
                set_values(
                    d,
                    condition,
                    &crate::validity::claim_exception_mended(condition, shape, partition),
                )
            }),
            None => false,
        };
    }
    mended
}

/// The canonical Lambda trust: the service, one action, pinned to the functions' account(s), and
/// to the functions themselves when the grants it replaces were (`pinned`).
fn lambda_statement(subject: &Subject, pinned: Option<Vec<String>>) -> SuggestedStatement {
    let mut accounts: Vec<String> = subject
        .functions
        .iter()
        .filter_map(|f| f.account)
        .map(str::to_owned)
        .collect();
    accounts.extend(subject.account.map(str::to_owned));
    crate::order::sort_list_dedup(&mut accounts);
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
        conditions: std::iter::once(("StringEquals".into(), vec![("aws:SourceAccount".into(), accounts)]))
            .chain(pinned.map(|arns| ("ArnLike".into(), vec![("aws:SourceArn".into(), arns)])))
            .collect(),
    }
}

/// The canonical Lambda@Edge trust: the service, one action, no conditions, as AWS documents it
/// (which keys Lambda@Edge sends is not).
fn lambda_edge_statement() -> SuggestedStatement {
    SuggestedStatement {
        sid: Some("LambdaEdgeAssumeRole".into()),
        effect: "Allow",
        principal: vec![("Service", vec![EDGE_LAMBDA.to_owned()])],
        not_principal: false,
        actions: vec![ASSUME_ROLE.to_owned()],
        not_action: false,
        conditions: Vec::new(),
    }
}

/// The canonical Lambda grant with what the policy's one grant to Lambda said beside it that lets
/// every function in: its conditions on other keys that hold for each of them (`Bool
/// aws:SecureTransport true`), its exclusions of source ARNs that none of them meets, and its
/// `Sid` where it granted Lambda alone (it goes with Lambda). Not a time window: the grant that
/// replaces one that expires must not.
fn as_the_author_wrote_it(mut grant: SuggestedStatement, policy: &Policy, subject: &Subject) -> SuggestedStatement {
    let mut grants = (policy.statements.iter()).filter(|s| {
        s.effect == Effect::Allow && !s.principals.negated && s.principals.service.iter().any(|p| p == LAMBDA)
    });
    let (Some(original), None) = (grants.next(), grants.next()) else {
        return grant;
    };
    // Known to hold: a condition the engine can't judge for Lambda (the region asked for, the
    // user agent) may be one that shuts it out. TLS is the one such it always meets.
    let tls = |c: &Condition| {
        c.operator_text == "Bool"
            && c.key.eq_ignore_ascii_case("aws:SecureTransport")
            && c.values.iter().all(|v| v == "true")
    };
    let holds_for_every_function = |c: &Condition| {
        tls(c)
            || (subject.lambda_contexts())
                .all(|(_, ctx)| crate::evaluate::condition_holds(c, &ctx, policy.version) == Tri::True)
    };
    // A source ARN excluded (`ArnNotLike aws:SourceArn …:function:evil-*`) stays excluded: the
    // canonical grant's account and pins would let those functions in.
    let excludes_sources = |c: &Condition| {
        c.key.eq_ignore_ascii_case("aws:SourceArn")
            && matches!(c.operator, crate::policy::Operator::Known { base, .. } if base.is_negated())
    };
    let kept =
        |c: &&Condition| (!is_source_key(&c.key) || excludes_sources(c)) && !crate::contexts::is_time_key(&c.key);
    for c in original.conditions.iter().filter(kept) {
        if holds_for_every_function(c) {
            let values: Vec<String> = c.values.iter().map(|v| v.to_string()).collect();
            add_condition_values(&mut grant, &c.operator_text, &c.key, &values);
        }
    }
    if original.principals.entries().count() == 1 {
        if let Some(sid) = original.sid.as_deref() {
            grant.sid = Some(sid.to_owned());
        }
    }
    grant
}

/// Adds `StringEquals aws:SourceAccount` beside weak source conditions. Services that never send
/// the key, and principals that aren't services, move to statements of their own, returned.
fn scope_to_account(
    slot: &mut Option<SuggestedStatement>,
    original: &Statement,
    version: Version,
    account: &str,
) -> Vec<SuggestedStatement> {
    let mut split = Vec::new();
    let Some(s) = slot.as_mut() else { return split };
    // An earlier fix may have taken the services out (a Lambda role's other trust): what is left
    // calls directly, without aws:SourceAccount, which would then shut it out.
    if !s
        .principal
        .iter()
        .any(|(k, services)| *k == "Service" && !services.is_empty())
    {
        return split;
    }
    let keep_services: Vec<String> = scoped_services(original).map(str::to_owned).collect();
    // Only a service principal's request carries aws:SourceAccount: the account, user, role and
    // provider principals beside it move to a statement of their own, without it.
    let others: Vec<(&'static str, Vec<String>)> =
        s.principal.iter().filter(|(k, _)| *k != "Service").cloned().collect();
    if !others.is_empty() && s.principal.iter().any(|(k, _)| *k == "Service") {
        s.principal.retain(|(k, _)| *k == "Service");
        split.push(SuggestedStatement {
            sid: None,
            principal: others,
            ..s.clone()
        });
    }
    if let Some((_, services)) = s.principal.iter_mut().find(|(k, _)| *k == "Service") {
        let unscopable: Vec<String> = services
            .iter()
            .filter(|p| !keep_services.contains(p))
            .cloned()
            .collect();
        if !unscopable.is_empty() {
            services.retain(|p| keep_services.contains(p));
            split.push(SuggestedStatement {
                sid: None,
                principal: vec![("Service", unscopable)],
                ..s.clone()
            });
        }
    }
    // A weak condition is kept beside the account (every condition must hold, so it can only
    // narrow: an S3 bucket's aws:SourceArn stays, as AWS asks), except one the account's values
    // would join as alternatives (StringEquals aws:SourceAccount) and aws:ResourceAccount.
    let weak: Vec<(String, String)> = original
        .conditions
        .iter()
        .filter(|c| {
            let joined = is_source_key(&c.key)
                && !is_effective_source_condition(c, version)
                && c.operator_text == "StringEquals"
                && c.key.eq_ignore_ascii_case("aws:SourceAccount");
            joined || c.key.eq_ignore_ascii_case("aws:ResourceAccount")
        })
        .map(|c| (c.operator_text.to_string(), c.key.to_string()))
        .collect();
    for (op, keys) in &mut s.conditions {
        keys.retain(|(k, _)| !weak.iter().any(|(wop, wk)| wop == op && wk == k));
    }
    s.conditions.retain(|(_, keys)| !keys.is_empty());
    // The accounts the weak conditions name, if they name any (a topic of another account, with
    // `IfExists`): the integration the author wrote keeps working. Else the role's own.
    let named = crate::checks::source_accounts_named(original);
    // A pattern of another account's (`StringLike aws:SourceAccount 44445555666?`, `…:4444555566*:rule/*`)
    // kept beside the role's own would let nobody in (a source has one account): the account it
    // meant is to fill in, in its place.
    // Of another account: digits and wildcards that the role's account doesn't meet.
    let other_account = |a: &str| {
        has_wildcard(a)
            && a.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'?')
            && a.bytes().any(|b| b.is_ascii_digit())
            && !glob(a, account, false)
    };
    let of_another_account = |c: &Condition| {
        !c.values.is_empty()
            && match c.key.eq_ignore_ascii_case("aws:SourceAccount") {
                true => c.values.iter().all(|v| other_account(v)),
                false => (c.values.iter()).all(|v| arn_fields::<6>(v).is_some_and(|[.., a, _]| other_account(a))),
            }
    };
    let foreign: Vec<&Condition> = (original.conditions.iter())
        .filter(|c| c.key.eq_ignore_ascii_case("aws:SourceAccount") || c.key.eq_ignore_ascii_case("aws:SourceArn"))
        .filter(|c| named.is_empty() && !c.operator.is_negated() && of_another_account(c))
        .collect();
    for c in &foreign {
        if c.key.eq_ignore_ascii_case("aws:SourceAccount") {
            for (op, keys) in &mut s.conditions {
                keys.retain(|(k, _)| !(*op == c.operator_text && k.eq_ignore_ascii_case(&c.key)));
            }
        } else {
            let meant: Vec<String> = (c.values.iter())
                .map(|v| match arn_fields::<6>(v) {
                    Some([arn, partition, service, region, _, resource]) => {
                        text!(
                            arn,
                            ":",
                            partition,
                            ":",
                            service,
                            ":",
                            region,
                            ":",
                            ACCOUNT_TO_FILL_IN,
                            ":",
                            resource
                        )
                    }
                    None => v.to_string(),
                })
                .collect();
            set_values(s, c, &meant);
        }
    }
    s.conditions.retain(|(_, keys)| !keys.is_empty());
    let accounts = match (named.is_empty(), foreign.is_empty()) {
        (true, true) => vec![account.to_owned()],
        (true, false) => vec![ACCOUNT_TO_FILL_IN.to_owned()],
        (false, _) => named,
    };
    // Firehose documents its own guard: the account as the external id it passes.
    let key = if crate::checks::firehose_alone(original) {
        "sts:ExternalId"
    } else {
        "aws:SourceAccount"
    };
    add_condition_values(s, "StringEquals", key, &accounts);
    split
}

/// The root of the account an ARN names: `arn:aws:iam::111122223333:root`, in its partition
/// (`partition` when it has a wildcard there, which IAM refuses in a principal).
fn account_root(arn: &str, partition: &str) -> Option<String> {
    match arn_fields::<6>(arn)? {
        ["arn", written, _, _, account, _] if is_account_id(account) => {
            let partition = if has_wildcard(written) { partition } else { written };
            Some(format!("arn:{partition}:iam::{account}:root"))
        }
        _ => None,
    }
}

/// What `aws:PrincipalArn` holds for the callers a principal pattern names: itself, or for a role
/// session (`arn:aws:sts::ID:assumed-role/ROLE/SESSION`) the role's ARN, with or without a path,
/// or for an account's root (`arn:aws:iam::44445555*:root`, every principal of the accounts it
/// matches) any user, role or federated user of them: a role's session carries the role's ARN,
/// never the root's.
fn principal_arn_patterns(pattern: &str) -> Vec<String> {
    match arn_fields::<6>(pattern) {
        Some(["arn", partition, "iam", "", account, "root"]) => vec![
            format!("arn:{partition}:iam::{account}:*"),
            format!("arn:{partition}:sts::{account}:*"),
        ],
        Some(["arn", partition, "sts", "", account, resource]) => {
            let Some(role) = resource.strip_prefix("assumed-role/").and_then(|r| r.split('/').next()) else {
                return vec![pattern.to_owned()];
            };
            vec![
                format!("arn:{partition}:iam::{account}:role/{role}"),
                format!("arn:{partition}:iam::{account}:role/*/{role}"),
            ]
        }
        _ => vec![pattern.to_owned()],
    }
}

/// The session actions that go with assuming a role.
const SESSION_ACTIONS: [&str; 2] = [TAG_SESSION, SET_SOURCE_IDENTITY];
/// The session action only a service principal uses beside assuming the role.
const SERVICE_SESSION_ACTION: &str = "sts:SetContext";

/// Lists the assume actions the statement's principals can use and the original actually granted,
/// plus the session actions its author named or granted. A statement left with none granted nothing: dropped.
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
            federated.iter().any(|p| !is_saml_provider(p)),
        ),
        (ASSUME_ROLE_WITH_SAML, federated.iter().any(|p| is_saml_provider(p))),
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
    // Granted by the wildcard and needed with it: SAML and Identity Center pass session tags, EKS
    // Pod Identity and Roles Anywhere tag sessions, and a source identity may be set.
    // Services that propagate a user's identity (Amazon Q Business, trusted identity propagation)
    // also set its context.
    let for_services = s.principal.iter().any(|(k, _)| *k == "Service");
    let sessions = SESSION_ACTIONS
        .iter()
        .chain(for_services.then_some(&SERVICE_SESSION_ACTION));
    for session in sessions {
        if covers(&original.actions, session) && !actions.iter().any(|a| a.eq_ignore_ascii_case(session)) {
            actions.push((*session).to_owned());
        }
    }
    s.actions = actions;
    s.not_action = false;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    #[test]
    fn the_account_field_token_is_the_account_token() {
        assert_eq!(ACCOUNT_FIELD_TO_FILL_IN, format!(":{ACCOUNT_TO_FILL_IN}:"));
        assert!(is_fill_in("arn:aws:iam::ACCOUNT_ID:root") && is_fill_in("ACCOUNT_ID"));
        assert!(!is_fill_in("arn:aws:iam::123456789012:role/ACCOUNT_IDS"));
    }

    const GITHUB_PROVIDER: &str = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

    /// The suggestion for `statements` on a proposed role of account 111122223333 (used by
    /// `functions`), checked to have no finding left, as JSON.
    /// [`crate::evaluate`], and its suggested policy as JSON: there must be one.
    fn evaluated_with_suggestion(
        document: &str,
        role: &Role,
        params: &RuleParams,
    ) -> (crate::Evaluation, serde_json::Value) {
        let evaluation = crate::evaluate(document, role, params);
        let fixed = evaluation.suggested_policy.as_ref().expect("a suggestion").to_json();
        (evaluation, serde_json::from_str(&fixed).unwrap())
    }

    fn fixed_for(statements: &str, functions: &[&str]) -> Option<serde_json::Value> {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            functions: functions.iter().map(|f| f.to_string()).collect(),
            proposed: true,
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap();
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        let fixed = crate::evaluate(&document, &role, &params).suggested_policy?.to_json();
        let again = crate::check(&fixed, &role, &params);
        assert!(again.findings.is_empty(), "{fixed}: {:?}", again.findings);
        Some(serde_json::from_str(&fixed).unwrap())
    }

    /// A service granted a session action alone, beside a wildcard whose callers the suggestion
    /// names, is not given sts:AssumeRole, which the policy never granted it; without a wildcard
    /// it is (its companion statement was left out).
    #[test]
    fn a_service_s_session_action_beside_a_wildcard_grants_it_no_assume_action() {
        let ec2_tags = r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:TagSession"}"#;
        let wildcard = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123defg"}}}"#;
        let ec2_assumes = |fixed: &serde_json::Value| {
            (fixed["Statement"].as_array().unwrap().iter()).any(|s| {
                s["Principal"]["Service"] == "ec2.amazonaws.com" && s["Action"].to_string().contains("sts:AssumeRole")
            })
        };
        let fixed = fixed_for(&format!("{ec2_tags},{wildcard}"), &[]).unwrap();
        assert!(!ec2_assumes(&fixed), "{fixed}");
        let fixed = fixed_for(ec2_tags, &[]).unwrap();
        assert!(ec2_assumes(&fixed), "{fixed}");
    }

    /// An IRSA subject left on Pod Identity, or a Deny on one, becomes the session tags that name
    /// the same service accounts, beside what the statement asks already, and kept to the cluster
    /// the issuer was; never no scope at all.
    #[test]
    fn an_irsa_scope_left_on_pod_identity_is_asked_of_its_tags() {
        const KEY: &str = "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub";
        let allow = |conditions: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Service":"pods.eks.amazonaws.com"}},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{{{conditions}}}}}"#
            )
        };
        let conditions_of = |fixed: &serde_json::Value| -> Vec<serde_json::Value> {
            (fixed["Statement"].as_array().unwrap().iter())
                .filter(|s| s["Effect"] == "Allow")
                .map(|s| s["Condition"].clone())
                .collect()
        };
        // The suggestion for an Allow of Pod Identity kept to the account, beside `deny`.
        let beside = |deny: &str| {
            let allowed = allow(r#""StringEquals":{"aws:SourceAccount":"111122223333"}"#);
            fixed_for(&format!("{allowed},{deny}"), &[]).unwrap()
        };
        let ns = "aws:RequestTag/kubernetes-namespace";
        let sa = "aws:RequestTag/kubernetes-service-account";
        let cluster = "aws:RequestTag/eks-cluster-name";
        // Beside a Null test of the tags (no scope of its own): the tags are asked for too.
        let fixed = fixed_for(&allow(&format!(r#""StringEquals":{{"{KEY}":"system:serviceaccount:prod:app"}},"Null":{{"{ns}":"false","{sa}":"false"}}"#)), &[]).unwrap();
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(condition["StringEquals"][ns], "prod", "{fixed}");
        assert_eq!(condition["StringEquals"][sa], "app", "{fixed}");
        assert_eq!(condition["StringEquals"][cluster], CLUSTER_TO_FILL_IN, "{fixed}");
        assert_eq!(condition["Null"][ns], "false", "{fixed}");
        // Crossed pairs beside a namespace asked already: only the pair that namespace allows.
        let fixed = fixed_for(
            &allow(&format!(
                r#""StringEquals":{{"{KEY}":["system:serviceaccount:a:x","system:serviceaccount:b:y"],"{ns}":"a"}}"#
            )),
            &[],
        )
        .unwrap();
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(condition["StringEquals"][ns], "a", "{fixed}");
        assert_eq!(condition["StringEquals"][sa], "x", "{fixed}");
        // A cluster the statement keeps to already gets no cluster to fill in.
        let fixed = fixed_for(
            &allow(&format!(r#""StringEquals":{{"{KEY}":"system:serviceaccount:prod:app","aws:RequestTag/eks-cluster-arn":"arn:aws:eks:us-east-1:111122223333:cluster/prod"}}"#)),
            &[],
        )
        .unwrap();
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert!(condition["StringEquals"].get(cluster).is_none(), "{fixed}");
        // A cluster only excluded is no cluster kept to: the cluster's name to fill in.
        let fixed = fixed_for(
            &allow(&format!(
                r#""StringEquals":{{"{KEY}":"system:serviceaccount:prod:app"}},"StringNotEquals":{{"{cluster}":"dev"}}"#
            )),
            &[],
        )
        .unwrap();
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(condition["StringEquals"][cluster], CLUSTER_TO_FILL_IN, "{fixed}");
        // A Deny sparing a service account the Allow's namespace leaves out: nobody was let in,
        // and nobody is (the Allow goes, not the Deny).
        let deny = format!(
            r#"{{"Effect":"Deny","Principal":{{"Service":"pods.eks.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"{KEY}":"system:serviceaccount:dev:app"}}}}}}"#
        );
        let fixed = fixed_for(
            &format!(r#"{},{deny}"#, allow(&format!(r#""StringEquals":{{"{ns}":"prod"}}"#))),
            &[],
        )
        .unwrap();
        assert!(conditions_of(&fixed).is_empty(), "{fixed}");
        // A pattern of clusters keeps to no one cluster either.
        let fixed = fixed_for(
            &allow(&format!(
                r#""StringEquals":{{"{KEY}":"system:serviceaccount:prod:app"}},"StringLike":{{"{cluster}":"prod*"}}"#
            )),
            &[],
        )
        .unwrap();
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(condition["StringEquals"][cluster], CLUSTER_TO_FILL_IN, "{fixed}");
        // A Deny whose conditions are all claims (the subject and the audience) stopped every pod:
        // its subject's scope is what the Allow asks for, not none.
        let aud = KEY.replace(":sub", ":aud");
        let deny = format!(
            r#"{{"Effect":"Deny","Principal":{{"Service":"pods.eks.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"{KEY}":"system:serviceaccount:prod:app","{aud}":"sts.amazonaws.com"}}}}}}"#
        );
        let fixed = beside(&deny);
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(
            (&condition["StringEquals"][ns], &condition["StringEquals"][sa]),
            (&"prod".into(), &"app".into()),
            "{fixed}"
        );
        // A GitHub subject names no pod: a namespace and service account to fill in.
        let fixed = fixed_for(
            &allow(r#""StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}"#),
            &[],
        )
        .unwrap();
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(condition["StringEquals"][ns], "REPLACE_WITH_NAMESPACE", "{fixed}");
        // A Deny of Pod Identity alone on an IRSA subject: its spared service account, asked of
        // the Allow; the Deny, which stopped every pod, goes.
        let deny = format!(
            r#"{{"Effect":"Deny","Principal":{{"Service":"pods.eks.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"{KEY}":"system:serviceaccount:prod:app"}}}}}}"#
        );
        let fixed = beside(&deny);
        assert_eq!(fixed["Statement"].as_array().unwrap().len(), 1, "{fixed}");
        let [condition] = conditions_of(&fixed).try_into().unwrap();
        assert_eq!(
            (&condition["StringEquals"][ns], &condition["StringEquals"][sa]),
            (&"prod".into(), &"app".into()),
            "{fixed}"
        );
        // With a second guard, the Deny keeps it (mended: no namespace is `Prod`).
        let deny = format!(
            r#"{{"Effect":"Deny","Principal":{{"Service":"pods.eks.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"{ns}":"Prod"}},"StringNotEqualsIfExists":{{"{KEY}":"system:serviceaccount:prod:app"}}}}}}"#
        );
        let fixed = beside(&deny);
        let kept = (fixed["Statement"].as_array().unwrap().iter())
            .find(|s| s["Effect"] == "Deny")
            .expect("the Deny");
        assert_eq!(
            kept["Condition"],
            serde_json::json!({"StringNotEquals": {ns: "prod"}}),
            "{fixed}"
        );
        // A Deny that guards an IRSA provider too spares Pod Identity and keeps guarding it.
        let provider = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/ABC:aud":"sts.amazonaws.com"}}}"#;
        let deny = format!(
            r#"{{"Effect":"Deny","Principal":{{"Service":"pods.eks.amazonaws.com","Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"}},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"],"Condition":{{"StringNotEquals":{{"{KEY}":"system:serviceaccount:prod:app"}}}}}}"#
        );
        let fixed = fixed_for(
            &format!(
                r#"{provider},{},{deny}"#,
                allow(r#""StringEquals":{"aws:SourceAccount":"111122223333"}"#)
            ),
            &[],
        )
        .unwrap();
        let kept = (fixed["Statement"].as_array().unwrap().iter())
            .find(|s| s["Effect"] == "Deny")
            .expect("the Deny");
        assert!(kept["Principal"].get("Service").is_none(), "{fixed}");
        assert!(kept["Principal"].get("Federated").is_some(), "{fixed}");
        assert!(
            conditions_of(&fixed).iter().any(|c| c["StringEquals"][ns] == "prod"),
            "{fixed}"
        );
    }

    /// A provider asked for a tag as the caller's (`aws:PrincipalTag/…`, in no federated request)
    /// is asked for it as its session tag, not let in without it.
    #[test]
    fn a_provider_s_tag_asked_as_the_caller_s_is_asked_as_a_session_tag() {
        let saml = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml","aws:PrincipalTag/Department":"eng"}}}"#;
        let fixed = fixed_for(saml, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml", "aws:RequestTag/Department": "eng"}}),
            "{fixed}"
        );
        // Asked both ways with other values: which was meant is not the suggestion's to pick.
        let both = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml","aws:PrincipalTag/Department":"eng","aws:RequestTag/Department":"sales"}}}"#;
        let fixed = fixed_for(both, &[]).unwrap();
        assert!(!fixed.to_string().contains("saml-provider/Okta"), "{fixed}");
        // Google's tokens carry no tags to ask for: the condition goes, the provider stays scoped.
        let google = r#"{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"accounts.google.com:aud":"32555940559.apps.googleusercontent.com","accounts.google.com:sub":"110248495921238986420","aws:PrincipalTag/team":"eng"}}}"#;
        let fixed = fixed_for(google, &[]).unwrap();
        assert!(!fixed.to_string().contains("aws:RequestTag"), "{fixed}");
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Federated": "accounts.google.com"}),
            "{fixed}"
        );
    }

    /// A Lambda grant replaced by the canonical one keeps its exclusions of source ARNs that no
    /// function using the role meets: the account alone would let those functions in.
    #[test]
    fn a_lambda_grant_s_excluded_functions_stay_excluded() {
        let f = "arn:aws:lambda:us-east-1:111122223333:function:f";
        let typo = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999988887777"},"ArnNotLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111122223333:function:evil-*"}}}"#;
        let fixed = fixed_for(typo, &[f]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"aws:SourceAccount": "111122223333"},
                               "ArnNotLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:111122223333:function:evil-*"}}),
            "{fixed}"
        );
        // One that shuts out a function using the role is what broke it: it goes.
        let blocking = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnNotLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111122223333:function:*"}}}"#;
        let fixed = fixed_for(blocking, &[f]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"aws:SourceAccount": "111122223333"}}),
            "{fixed}"
        );
    }

    /// An external id under a key a typo or two from `sts:ExternalId` is the id meant, written
    /// under the key STS sends, not kept beside one to fill in.
    #[test]
    fn an_external_id_under_a_misspelt_key_is_written_under_sts_external_id() {
        let typo = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExtrenalId":"acme-ext-7f3"}}}"#;
        let fixed = fixed_for(typo, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": "acme-ext-7f3"}}),
            "{fixed}"
        );
        assert!(is_misspelt_external_id("sts:ExternalIds") && !is_misspelt_external_id("sts:ExternalID"));
        assert!(!is_misspelt_external_id("sts:RoleSessionName") && !is_misspelt_external_id("sts:SourceIdentity"));
    }

    /// A provider asked for a key no federated request carries (a signed request's, a
    /// service's) keeps its grant without that condition, not replaced by a role to fill in.
    #[test]
    fn a_provider_asked_for_a_signed_request_s_key_keeps_its_grant() {
        let saml = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:saml-provider/Okta"}}}"#;
        let fixed = fixed_for(saml, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}),
            "{fixed}"
        );
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}),
            "{fixed}"
        );
        let cognito = r#"{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-1234-1234-1234-123456789012","aws:SourceAccount":"111122223333"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}"#;
        let fixed = fixed_for(cognito, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Federated": "cognito-identity.amazonaws.com"}),
            "{fixed}"
        );
    }

    /// Two services shut out by one condition rewritten for the whole statement (a mistyped
    /// account) both keep the grant: the second used to find the condition done and go.
    #[test]
    fn every_service_a_rewritten_condition_shut_out_keeps_the_grant() {
        let typo = r#"{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","scheduler.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"11112222333"}}}"#;
        let fixed = fixed_for(typo, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Service": ["events.amazonaws.com", "scheduler.amazonaws.com"]}),
            "{fixed}"
        );
        let pattern = r#"{"Effect":"Allow","Principal":{"Service":["sns.amazonaws.com","sqs.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:alerts-*"}}}"#;
        let fixed = fixed_for(pattern, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Service": ["sns.amazonaws.com", "sqs.amazonaws.com"]}),
            "{fixed}"
        );
    }

    /// A Lambda grant pinned to functions keeps its pin, a pattern written under StringEquals
    /// carried as the pattern it was meant as, not widened to every function of the account.
    #[test]
    fn a_lambda_pin_with_a_pattern_under_string_equals_stays_a_pin() {
        let f = "arn:aws:lambda:us-east-1:111122223333:function:f";
        let mixed = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceArn":["arn:aws:lambda:us-east-1:111122223333:function:g","arn:aws:lambda:us-east-1:111122223333:function:h-*"]}}}"#;
        let fixed = fixed_for(mixed, &[f]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"],
            serde_json::json!([
                f,
                "arn:aws:lambda:us-east-1:111122223333:function:g",
                "arn:aws:lambda:us-east-1:111122223333:function:h-*"
            ]),
            "{fixed}"
        );
    }

    /// EKS Pod Identity's tags asked as the caller's (`aws:PrincipalTag/…`) are asked as the
    /// request's session tags: the namespace stays, not every association of the account.
    #[test]
    fn pod_identity_s_tags_asked_as_the_caller_s_are_asked_as_it_sends_them() {
        let pods = |condition: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Service":"pods.eks.amazonaws.com"}},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{{"StringEquals":{{{condition},"aws:SourceAccount":"111122223333"}}}}}}"#
            )
        };
        let kept = |fixed: &serde_json::Value| {
            assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
            let only = &fixed["Statement"][0];
            assert_eq!(
                only["Principal"],
                serde_json::json!({"Service": "pods.eks.amazonaws.com"}),
                "{fixed}"
            );
            assert_eq!(
                only["Condition"],
                serde_json::json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "prod", "aws:SourceAccount": "111122223333"}}),
                "{fixed}"
            );
        };
        kept(&fixed_for(&pods(r#""aws:PrincipalTag/kubernetes-namespace":"prod""#), &[]).unwrap());
        // Asked both ways in one block: the dead copy goes, and Pod Identity stays.
        let both =
            pods(r#""aws:PrincipalTag/kubernetes-namespace":"prod","aws:RequestTag/kubernetes-namespace":"prod""#);
        kept(&fixed_for(&both, &[]).unwrap());
    }

    /// A provider's keys written with its URL's scheme or its ARN before the host (what
    /// Terraform's `"${module.eks.oidc_provider_arn}:sub"` writes) are written as STS sends
    /// them: the provider stays, scoped as meant, not replaced by a role to fill in.
    #[test]
    fn a_provider_key_written_with_a_prefix_is_written_as_sts_sends_it() {
        let eks = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAAA1111";
        for (provider, host, subject) in [
            (
                GITHUB_PROVIDER,
                "token.actions.githubusercontent.com",
                "repo:acme/app:*",
            ),
            (
                eks,
                "oidc.eks.us-east-1.amazonaws.com/id/AAAA1111",
                "system:serviceaccount:app:api",
            ),
        ] {
            for prefix in [format!("{provider}:"), format!("https://{host}:")] {
                let statement = format!(
                    r#"{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{prefix}aud":"sts.amazonaws.com"}},"StringLike":{{"{prefix}sub":"{subject}"}}}}}}"#
                );
                let fixed = fixed_for(&statement, &[]).unwrap();
                let only = &fixed["Statement"][0];
                assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
                assert_eq!(only["Principal"], serde_json::json!({"Federated": provider}), "{fixed}");
                assert_eq!(
                    only["Condition"],
                    serde_json::json!({"StringEquals": {format!("{host}:aud"): "sts.amazonaws.com"},
                                       "StringLike": {format!("{host}:sub"): subject}}),
                    "{fixed}"
                );
            }
            // Beside the key as sent, or written both ways, a prefixed key goes: a block holds a
            // key once.
            let both = format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"https://{host}:aud":"sts.amazonaws.com","{provider}:aud":"sts.amazonaws.com"}},"StringLike":{{"{host}:sub":"{subject}","https://{host}:sub":"{subject}"}}}}}}"#
            );
            let fixed = fixed_for(&both, &[]).unwrap();
            assert_eq!(
                fixed["Statement"][0]["Condition"],
                serde_json::json!({"StringEquals": {format!("{host}:aud"): "sts.amazonaws.com"},
                                   "StringLike": {format!("{host}:sub"): subject}}),
                "{fixed}"
            );
            // With other values each way, the suggestion doesn't pick one: no subject of either
            // is let in by it.
            let other = both.replacen(
                &format!(r#""https://{host}:sub":"{subject}""#),
                &format!(r#""https://{host}:sub":"other-{subject}""#),
                1,
            );
            assert_ne!(other, both);
            let fixed = fixed_for(&other, &[]).unwrap().to_string();
            assert!(!fixed.contains(&format!("other-{subject}")), "{fixed}");
            assert!(!fixed.contains(&format!(r#""{host}:sub":"{subject}""#)), "{fixed}");
            // Under `…IgnoreCase`, values in other capitals are the same values.
            let folded = format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEqualsIgnoreCase":{{"https://{host}:aud":"STS.amazonaws.com","{host}:aud":"sts.amazonaws.com"}},"StringLike":{{"{host}:sub":"{subject}"}}}}}}"#
            );
            let fixed = fixed_for(&folded, &[]).unwrap();
            assert_eq!(
                fixed["Statement"][0]["Principal"],
                serde_json::json!({"Federated": provider}),
                "{fixed}"
            );
            assert_eq!(
                fixed["Statement"][0]["Condition"]["StringEqualsIgnoreCase"],
                serde_json::json!({format!("{host}:aud"): "STS.amazonaws.com"}),
                "{fixed}"
            );
        }
    }

    /// A provider's claim STS doesn't read shuts every token out: the condition goes, not the
    /// statement (often the role's only trust); what is left unscoped is scoped to fill in.
    #[test]
    fn a_claim_sts_never_reads_goes_and_the_provider_stays() {
        let github = |conditions: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{{conditions}}}}}"#
            )
        };
        let scoped = fixed_for(
            &github(r#""StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:repository_owner":"acme"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}"#),
            &[],
        )
        .unwrap();
        assert_eq!(
            scoped["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                               "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}})
        );
        let alone = fixed_for(
            &github(r#""StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:repository_owner":"acme"}"#),
            &[],
        )
        .unwrap();
        let condition = &alone["Statement"][0]["Condition"];
        assert!(condition.to_string().contains("REPLACE_WITH_OWNER"), "{alone}");
        assert!(!condition.to_string().contains("repository_owner"), "{alone}");
    }

    /// A service shut out by a key it never sends was meant to get in: the key goes, not the
    /// service, and only for it (a service beside it that sends the key stays scoped by it).
    #[test]
    fn a_service_asked_for_a_key_it_never_sends_keeps_the_role() {
        let service = |principal: &str, condition: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Service":{principal}}},"Action":"sts:AssumeRole","Condition":{condition}}}"#
            )
        };
        let trusted = |fixed: &serde_json::Value, name: &str| {
            let statements = fixed["Statement"].as_array().cloned().unwrap_or_default();
            statements.into_iter().find(|s| {
                let services = &s["Principal"]["Service"];
                services == name || services.as_array().is_some_and(|list| list.iter().any(|p| p == name))
            })
        };
        let own = r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#;
        let ec2 = fixed_for(&service(r#""ec2.amazonaws.com""#, own), &[]).expect("a suggestion");
        let kept = trusted(&ec2, "ec2.amazonaws.com").expect("EC2 kept");
        assert!(kept.get("Condition").is_none(), "{ec2}");
        // Beside SSM, which sends it: EC2 apart without it, SSM still scoped.
        let both = fixed_for(&service(r#"["ec2.amazonaws.com","ssm.amazonaws.com"]"#, own), &[]).expect("a suggestion");
        assert!(
            trusted(&both, "ec2.amazonaws.com").is_some_and(|s| s.get("Condition").is_none()),
            "{both}"
        );
        let ssm = trusted(&both, "ssm.amazonaws.com").expect("SSM kept");
        assert_eq!(
            ssm["Condition"]["StringEquals"]["aws:SourceAccount"], "111122223333",
            "{both}"
        );
        // A key no service has (an organization's): ECS gets in, scoped by account instead.
        let org = r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123def4"}}"#;
        let ecs = fixed_for(&service(r#""ecs-tasks.amazonaws.com""#, org), &[]).expect("a suggestion");
        let kept = trusted(&ecs, "ecs-tasks.amazonaws.com").expect("ECS kept");
        assert_eq!(
            kept["Condition"],
            serde_json::json!({"StringEquals": {"aws:SourceAccount": "111122223333"}}),
            "{ecs}"
        );
        // A condition a service fails on a value it sends (another service's name) is the
        // author's choice of whom to let in: the service goes.
        let named = r#"{"StringEquals":{"aws:PrincipalServiceName":"states.amazonaws.com"}}"#;
        let other = format!(
            "{},{}",
            service(r#""ecs-tasks.amazonaws.com""#, named),
            service(r#""states.amazonaws.com""#, own)
        );
        let fixed = fixed_for(&other, &[]).expect("a suggestion");
        assert!(trusted(&fixed, "ecs-tasks.amazonaws.com").is_none(), "{fixed}");
    }

    /// A `*` among a set operator's patterns opens the provider as among a plain one's: it goes,
    /// and the subjects named beside it scope the statement (no subject to fill in is added).
    #[test]
    fn a_wildcard_subject_under_a_set_operator_goes_and_the_named_ones_stay() {
        for set in ["ForAnyValue", "ForAllValues"] {
            let github = format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"{set}:StringLike":{{"token.actions.githubusercontent.com:sub":["repo:octo-org/app:*","*"]}}}}}}"#
            );
            let fixed = fixed_for(&github, &[]).expect("a suggestion");
            let condition = &fixed["Statement"][0]["Condition"];
            assert_eq!(
                condition[format!("{set}:StringLike")]["token.actions.githubusercontent.com:sub"],
                "repo:octo-org/app:*",
                "{fixed}"
            );
            assert!(!fixed.to_string().contains("REPLACE_WITH"), "{fixed}");
        }
    }

    /// A service kept out by the role's own tag (a tag it lacks, or another value) is no key the
    /// service fails to send: the suggestion never opens that gate (the statement, through which
    /// nobody gets in now, is left out, as any that never applies).
    #[test]
    fn a_service_behind_the_role_s_own_tag_is_never_let_through_its_gate() {
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:ResourceTag/allow-ec2":"true"}}},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
        for tags in [
            vec![("other".to_owned(), "x".to_owned())],
            vec![("allow-ec2".to_owned(), "false".to_owned())],
        ] {
            let role = Role {
                arn: Some("arn:aws:iam::111122223333:role/app".into()),
                tag_keys: tags.iter().map(|(k, _)| k.clone()).collect(),
                tag_values: tags.clone(),
                tags_known: true,
                ..Role::default()
            };
            for threshold in [r#"{}"#, r#"{"nonCompliantAt":"LOW"}"#] {
                let params = RuleParams::from_json(threshold).unwrap();
                let evaluation = crate::evaluate(document, &role, &params);
                let dead = (evaluation.verdict.findings.iter())
                    .find(|f| f.id == FindingId::StatementNeverApplies)
                    .expect("the gate is shut now");
                assert!(
                    dead.message.contains("the role's own tags don't meet"),
                    "{}",
                    dead.message
                );
                let fixed = evaluation.suggested_policy.expect("a suggestion").to_json();
                let fixed: serde_json::Value = serde_json::from_str(&fixed).unwrap();
                let opened = (fixed["Statement"].as_array().into_iter().flatten()).any(|s| {
                    s["Principal"]["Service"] == "ec2.amazonaws.com"
                        && s["Condition"]["StringEquals"]["aws:ResourceTag/allow-ec2"].is_null()
                });
                assert!(!opened, "{threshold}: {fixed}");
            }
        }
    }

    /// CloudWatch Logs sends the events of another account's log group to a destination's role:
    /// the account the suggestion names may not be the only one, and a step says so.
    #[test]
    fn a_logs_role_kept_to_an_account_is_said_to_stop_other_senders() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/destination".into()),
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"requireSourceAccount":"true"}"#).unwrap();
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logs.eu-west-1.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let evaluation = crate::evaluate(document, &role, &params);
        let finding = &evaluation.verdict.findings[0];
        assert!(finding.fix.contains("cross-account destination"), "{}", finding.fix);
        let suggested = evaluation.suggested_policy.expect("a suggestion");
        assert!(
            (suggested.before_applying.iter()).any(|step| step.contains("list each sending account")),
            "{:?}",
            suggested.before_applying
        );
        let other = document.replace("logs.eu-west-1", "states");
        let suggested = crate::evaluate(&other, &role, &params)
            .suggested_policy
            .expect("a suggestion");
        assert!(suggested.before_applying.is_empty(), "{:?}", suggested.before_applying);
    }

    /// An external id STS refuses (`"*"`, meant as "any") becomes the one to fill in: the statement
    /// keeps whom it was written for. Beside a wildcard, which no id narrows, it goes.
    #[test]
    fn an_external_id_sts_refuses_becomes_one_to_fill_in() {
        let vendor = r#"{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"*"}}}"#;
        let fixed = fixed_for(vendor, &[]).expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": EXTERNAL_ID_TO_FILL_IN}}),
            "{fixed}"
        );
        let public = vendor.replace(r#"{"AWS":"arn:aws:iam::444455556666:root"}"#, r#"{"AWS":"*"}"#);
        let keep = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"vendor-7"}}}"#;
        let fixed = fixed_for(&format!("{public},{keep}"), &[]).expect("a suggestion");
        assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "vendor-7"
        );
        // Every condition on the id goes (the one filled in is the whole test); a service, which
        // sends none, is not given one.
        let beside = vendor.replace(
            r#""StringEquals":{"sts:ExternalId":"*"}"#,
            r#""StringEquals":{"sts:ExternalId":"*"},"StringLike":{"sts:ExternalId":"abc*"}"#,
        );
        let fixed = fixed_for(&beside, &[]).expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": EXTERNAL_ID_TO_FILL_IN}}),
            "{fixed}"
        );
        let service = vendor.replace(
            r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
            r#"{"Service":"ec2.amazonaws.com"}"#,
        );
        let fixed = fixed_for(&format!("{service},{keep}"), &[]).expect("a suggestion");
        assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
    }

    /// A Deny that stops Lambda is kept from matching it; one of Lambda alone then denies nobody
    /// and goes, one that also names a caller stays for that caller.
    #[test]
    fn a_deny_of_lambda_alone_goes_and_one_of_others_spares_lambda() {
        let function = ["arn:aws:lambda:us-east-1:111122223333:function:app"];
        let allow = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#;
        let deny = |principal: &str| {
            format!(
                r#"{allow},{{"Effect":"Deny","Principal":{principal},"Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"aws:SourceAccount":"${{aws:PrincipalAccount}}"}}}}}}"#
            )
        };
        let alone = fixed_for(&deny(r#"{"Service":"lambda.amazonaws.com"}"#), &function).expect("a suggestion");
        assert_eq!(alone["Statement"].as_array().map(Vec::len), Some(1), "{alone}");
        let shared = fixed_for(
            &deny(r#"{"Service":"lambda.amazonaws.com","AWS":"arn:aws:iam::444455556666:root"}"#),
            &function,
        )
        .expect("a suggestion");
        assert_eq!(shared["Statement"][1]["Effect"], "Deny", "{shared}");
        assert_eq!(
            shared["Statement"][1]["Condition"]["StringNotEquals"]["aws:PrincipalServiceName"],
            "lambda.amazonaws.com"
        );
        // Lambda@Edge of a role CloudFront doesn't run at the edge is no Lambda: its Deny stays.
        let edge = fixed_for(
            &deny(r#"{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]}"#),
            &function,
        )
        .expect("a suggestion");
        assert_eq!(edge["Statement"][1]["Effect"], "Deny", "{edge}");
    }

    /// Another account's trust whose condition narrows nothing is narrowed the way its author meant:
    /// its people's roles to fill in for a pattern of every role, its customer's own ids kept, and
    /// an account the statement already narrows left as it was.
    #[test]
    fn a_cross_account_pattern_that_narrows_nothing_is_narrowed_as_meant() {
        let trust = |principal: &str, condition: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":{principal}}},"Action":"sts:AssumeRole","Condition":{condition}}}"#
            )
        };
        let every_role = trust(
            r#""arn:aws:iam::444455556666:root""#,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/*"}}"#,
        );
        let fixed = fixed_for(&every_role, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:REPLACE_WITH_USER_OR_ROLE"}}),
            "{fixed}"
        );
        let ids = trust(
            r#""arn:aws:iam::444455556666:root""#,
            r#"{"StringLike":{"sts:ExternalId":["acme-123","*-prod"]}}"#,
        );
        let fixed = fixed_for(&ids, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringLike": {"sts:ExternalId": "acme-123"}}),
            "{fixed}"
        );
        let two = trust(
            r#"["arn:aws:iam::444455556666:root","arn:aws:iam::555566667777:root"]"#,
            r#"{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::444455556666:role/ci/*","arn:aws:iam::555566667777:user/*"]}}"#,
        );
        let fixed = fixed_for(&two, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::444455556666:root",
            "{fixed}"
        );
        assert!(
            fixed["Statement"][0]["Condition"].to_string().contains("role/ci/*"),
            "{fixed}"
        );
        assert_eq!(
            fixed["Statement"][1]["Principal"]["AWS"], "arn:aws:iam::555566667777:root",
            "{fixed}"
        );
        assert!(
            fixed["Statement"][1]["Condition"].get("StringEquals").is_none(),
            "no external id for people: {fixed}"
        );
    }

    /// A role asked for a source identity nobody may set is allowed to set one, its caller kept.
    #[test]
    fn a_source_identity_nobody_may_set_is_allowed() {
        let asked = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/deployer"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:SourceIdentity":"alice"}}}"#;
        let fixed = fixed_for(asked, &[]).unwrap();
        let statement = &fixed["Statement"][0];
        assert_eq!(
            statement["Action"],
            serde_json::json!(["sts:AssumeRole", "sts:SetSourceIdentity"]),
            "{fixed}"
        );
        assert_eq!(statement["Principal"]["AWS"], "arn:aws:iam::444455556666:role/deployer");
        assert_eq!(statement["Condition"]["StringEquals"]["sts:SourceIdentity"], "alice");
    }

    /// Session tags and a source identity asked for together: both actions are added, once each,
    /// and a provider keeps its token's action.
    #[test]
    fn session_tags_nobody_may_send_are_allowed() {
        let asked = r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:role/a","arn:aws:iam::444455556666:role/b"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestTag/team":"ops","sts:SourceIdentity":"alice"}}}"#;
        let fixed = fixed_for(asked, &[]).unwrap();
        let actions = &fixed["Statement"][0]["Action"];
        assert_eq!(
            actions,
            &serde_json::json!(["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]),
            "{fixed}"
        );
        let provider = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/agent.buildkite.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"agent.buildkite.com:aud":"sts.amazonaws.com","aws:RequestTag/organization_slug":"acme"}}}"#;
        let fixed = fixed_for(provider, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Action"],
            serde_json::json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]),
            "{fixed}"
        );
    }

    /// A Google identity bound to no audience is bound to the one its workload asks for; a
    /// Cognito pool's guest role keeps its guests (`amr` = unauthenticated), any other role of
    /// the pool its signed-in identities.
    #[test]
    fn google_gets_an_audience_and_a_pool_s_guest_role_keeps_its_guests() {
        let sub_only = r#"{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"accounts.google.com:sub":"110248495921238986420"}}}"#;
        let fixed = fixed_for(sub_only, &[]).unwrap();
        let condition = &fixed["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(condition[GOOGLE_AUDIENCE], "REPLACE_WITH_AUDIENCE", "{fixed}");
        assert_eq!(condition["accounts.google.com:sub"], "110248495921238986420", "{fixed}");
        // gcloud's audience binds nothing: the one to fill in takes its place.
        let gcloud = r#"{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"accounts.google.com:sub":"110248495921238986420","accounts.google.com:aud":"32555940559.apps.googleusercontent.com"}}}"#;
        let fixed = fixed_for(gcloud, &[]).unwrap();
        let condition = &fixed["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(condition[GOOGLE_AUDIENCE], "REPLACE_WITH_AUDIENCE", "{fixed}");
        assert_eq!(condition["accounts.google.com:sub"], "110248495921238986420", "{fixed}");
        assert!(condition.get("accounts.google.com:aud").is_none(), "{fixed}");
        let pool = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-1234-1234-1234-123456789012"}}}]}"#;
        for (name, amr) in [
            ("Cognito_MyPoolUnauth_Role", "unauthenticated"),
            ("amplify-app-dev-unauthRole", "unauthenticated"),
            ("Cognito_MyPoolAuth_Role", "authenticated"),
        ] {
            let role = Role {
                arn: Some(format!("arn:aws:iam::111122223333:role/{name}")),
                ..Role::default()
            };
            let (_, fixed) = evaluated_with_suggestion(pool, &role, &RuleParams::default());
            assert_eq!(
                fixed["Statement"][0]["Condition"]["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"], amr,
                "{name}: {fixed}"
            );
        }
        // GovCloud's pools: the key is named after the partition's principal, and the fix names
        // that principal, not the commercial one.
        for host in [
            "cognito-identity-us-gov.amazonaws.com",
            "cognito-identity.us-gov-east-1.amazonaws.com",
        ] {
            let pool = pool.replace("cognito-identity.amazonaws.com", host);
            let role = Role {
                arn: Some("arn:aws-us-gov:iam::111122223333:role/Cognito_MyPoolAuth_Role".into()),
                ..Role::default()
            };
            let (evaluation, fixed) = evaluated_with_suggestion(&pool, &role, &RuleParams::default());
            assert_eq!(evaluation.verdict.findings[0].severity, Severity::Medium, "{host}");
            let statement = &fixed["Statement"][0];
            assert_eq!(statement["Principal"]["Federated"], host, "{fixed}");
            assert_eq!(
                statement["Condition"]["ForAnyValue:StringLike"][format!("{host}:amr")],
                "authenticated",
                "{fixed}"
            );
            assert_eq!(statement["Condition"].as_object().map(|c| c.len()), Some(2), "{fixed}");
            let text = serde_json::to_string(&fixed).unwrap();
            assert!(!text.contains("cognito-identity.amazonaws.com"), "{fixed}");
        }
    }

    /// A Deny IAM would refuse keeps guarding: one of providers or services by a pattern denies
    /// the ones the Allows let in that it matches, one without actions the ways in they give.
    /// Dropped, each would let in whom it was written to stop.
    #[test]
    fn a_deny_iam_refuses_keeps_guarding() {
        let github = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{GITHUB_PROVIDER}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}}"#
        );
        let main_only = r#"{"Effect":"Deny","Principal":{"Federated":"*"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}}}"#;
        let fixed = fixed_for(&format!("{github},{main_only}"), &[]).unwrap();
        assert_eq!(fixed["Statement"][1]["Effect"], "Deny", "{fixed}");
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"Federated": GITHUB_PROVIDER}),
            "{fixed}"
        );
        let sns = r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#;
        let one_topic = r#"{"Effect":"Deny","Principal":{"Service":"*"},"Action":"sts:AssumeRole","Condition":{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic-a"}}}"#;
        let fixed = fixed_for(&format!("{sns},{one_topic}"), &[]).unwrap();
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"Service": "sns.amazonaws.com"}),
            "{fixed}"
        );
        // A pattern that matches none of them guarded nobody: it goes.
        let fixed = fixed_for(&format!("{sns},{main_only}"), &[]).unwrap();
        assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
        let partner = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}"#;
        for no_actions in [r#""#, r#""Action":[],"#] {
            let partners_only = format!(
                r#"{{"Effect":"Deny","Principal":{{"AWS":"*"}},{no_actions}"Condition":{{"ArnNotLike":{{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/partner-*"}}}}}}"#
            );
            let fixed = fixed_for(&format!("{partner},{partners_only}"), &[]).unwrap();
            assert_eq!(fixed["Statement"][1]["Effect"], "Deny", "{fixed}");
            assert_eq!(fixed["Statement"][1]["Action"], "sts:AssumeRole", "{fixed}");
        }
        // Only the ways in its principals take: `{"AWS": "*"}` denies no provider's token.
        let github_and_partner = format!(
            r#"{github},{partner},{{"Effect":"Deny","Principal":{{"AWS":"*"}},"Condition":{{"StringNotEquals":{{"aws:PrincipalOrgID":"o-abc123def4"}}}}}}"#
        );
        let fixed = fixed_for(&github_and_partner, &[]).unwrap();
        let deny = (fixed["Statement"].as_array().unwrap().iter())
            .find(|s| s["Effect"] == "Deny")
            .cloned()
            .unwrap_or_default();
        assert_eq!(deny["Action"], "sts:AssumeRole", "{fixed}");
        // Beside an Allow written with NotAction: the ways to assume the role it leaves.
        let not_tagging = partner.replace(r#""Action":"sts:AssumeRole""#, r#""NotAction":"sts:TagSession""#);
        let partners_only = r#"{"Effect":"Deny","Principal":{"AWS":"*"},"Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/partner-*"}}}"#;
        let fixed = fixed_for(&format!("{not_tagging},{partners_only}"), &[]).unwrap();
        let deny = (fixed["Statement"].as_array().unwrap().iter())
            .find(|s| s["Effect"] == "Deny")
            .cloned()
            .unwrap_or_default();
        assert_eq!(deny["Action"], "sts:AssumeRole", "{fixed}");
        // Without a principal either: a guard for everyone.
        let nobody_named = r#"{"Effect":"Deny","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/partner-*"}}}"#;
        let fixed = fixed_for(&format!("{partner},{nobody_named}"), &[]).unwrap();
        assert_eq!(fixed["Statement"][1]["Effect"], "Deny", "{fixed}");
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"AWS": "*"}),
            "{fixed}"
        );
    }

    /// An external id the statement names where a caller may leave it out is demanded; one no
    /// caller can send is replaced by the placeholder, not kept beside it (no id could equal
    /// both). A role pattern under `…IfExists` narrows a wildcard as the plain operator does:
    /// AWS callers always send aws:PrincipalArn.
    #[test]
    fn conditions_callers_leave_out_are_read_as_iam_reads_them() {
        let partner = |condition: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"sts:AssumeRole","Condition":{condition}}}"#
            )
        };
        let fixed = fixed_for(
            &partner(r#"{"ForAllValues:StringEquals":{"sts:ExternalId":"s3cr3t-x"}}"#),
            &[],
        )
        .unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": "s3cr3t-x"}}),
            "{fixed}"
        );
        for unsendable in ["\"\"", "\"${ExternalId}\""] {
            let condition = format!(r#"{{"StringEqualsIfExists":{{"sts:ExternalId":{unsendable}}}}}"#);
            let fixed = fixed_for(&partner(&condition), &[]).unwrap();
            assert_eq!(
                fixed["Statement"][0]["Condition"],
                serde_json::json!({"StringEquals": {"sts:ExternalId": EXTERNAL_ID_TO_FILL_IN}}),
                "{fixed}"
            );
        }
        let ci = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"}}}"#;
        let fixed = fixed_for(ci, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"AWS": "arn:aws:iam::444455556666:root"}),
            "{fixed}"
        );
    }

    /// On a Lambda role, a wildcard pinned to the role itself and to another caller keeps the
    /// role's trust in itself (by name, as the check accepts it) and names the other caller in
    /// the step before applying.
    #[test]
    fn a_lambda_role_keeps_trusting_itself_through_a_pinned_wildcard() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:f".into()],
            ..Role::default()
        };
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/app","arn:aws:iam::999988887777:role/ci"]},"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::999988887777:role/blocked"}}}]}"#;
        let params = RuleParams::default();
        let (evaluation, fixed) = evaluated_with_suggestion(document, &role, &params);
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/app"}),
            "{fixed}"
        );
        assert_eq!(
            fixed["Statement"][1]["Condition"]["ArnEquals"]["aws:PrincipalArn"], "arn:aws:iam::111122223333:role/app",
            "{fixed}"
        );
        // An exception the statement makes stays as it is.
        assert_eq!(
            fixed["Statement"][1]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"],
            "arn:aws:iam::999988887777:role/blocked",
            "{fixed}"
        );
        let steps = &evaluation.suggested_policy.as_ref().unwrap().before_applying;
        assert!(
            steps.iter().any(|step| step.contains("999988887777:role/ci")),
            "{steps:?}"
        );
        let again = crate::check(&serde_json::to_string(&fixed).unwrap(), &role, &params);
        assert!(again.findings.is_empty(), "{fixed}: {:?}", again.findings);
    }

    /// A wildcard beside a SAML provider, its conditions SAML's: fixed as that provider's trust,
    /// not with a second provider to fill in that never existed.
    #[test]
    fn a_wildcard_beside_the_provider_it_was_for_adds_no_placeholder() {
        let okta = "arn:aws:iam::111122223333:saml-provider/Okta";
        let statement = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{okta}","AWS":"*"}},"Action":["sts:AssumeRoleWithSAML","sts:AssumeRole"],"Condition":{{"StringEquals":{{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}}}}"#
        );
        let fixed = fixed_for(&statement, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Federated": okta}),
            "{fixed}"
        );
    }

    /// A wildcard whose conditions read one provider's claims under `sts:AssumeRole`, which no
    /// role session's request carries: the provider's trust, its action corrected.
    #[test]
    fn a_wildcard_reading_a_provider_s_claims_under_assume_role_is_fixed_for_the_provider() {
        let mistaken = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}"#;
        let fixed = fixed_for(mistaken, &[]).unwrap();
        let statement = &fixed["Statement"][0];
        assert_eq!(
            statement["Principal"],
            serde_json::json!({"Federated": GITHUB_PROVIDER}),
            "{fixed}"
        );
        assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity", "{fixed}");
        assert_eq!(
            statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            "repo:acme/app:*"
        );
        // Services alone, by `aws:PrincipalIsAWSService`: a service to name, not a role that
        // could never meet the condition.
        let services = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:PrincipalIsAWSService":"true"}}}"#;
        let fixed = fixed_for(services, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Service": "REPLACE_WITH_SERVICE.amazonaws.com"}),
            "{fixed}"
        );
    }

    /// A wildcard written for a provider's tokens is fixed by naming the provider (a role can't
    /// take the federated action); a role pattern in a named account, by that account narrowed
    /// to the pattern.
    #[test]
    fn a_wildcard_is_fixed_for_whom_it_was_written() {
        let for_github = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}"#;
        let fixed = fixed_for(for_github, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Federated": GITHUB_PROVIDER}),
            "{fixed}"
        );
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            "repo:acme/app:*"
        );
        // A pattern written as the principal (IAM refuses it), or a wildcard narrowed to it by
        // aws:PrincipalArn: its account, still narrowed to it (a role to fill in would keep one of
        // the ci-* roles).
        let pattern = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ci-*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"a1b2c3"}}}"#;
        let narrowed = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"},"StringEquals":{"sts:ExternalId":"a1b2c3"}}}"#;
        for written in [pattern, narrowed] {
            let fixed = fixed_for(written, &[]).unwrap();
            let statement = &fixed["Statement"][0];
            assert_eq!(
                statement["Principal"],
                serde_json::json!({"AWS": "arn:aws:iam::444455556666:root"}),
                "{fixed}"
            );
            assert_eq!(
                statement["Condition"]["ArnLike"]["aws:PrincipalArn"],
                "arn:aws:iam::444455556666:role/ci-*"
            );
            assert_eq!(statement["Condition"]["StringEquals"]["sts:ExternalId"], "a1b2c3");
        }
    }

    /// A Deny written for everyone as the bare `"*"` (which IAM refuses) keeps guarding the
    /// providers and services the Allows let in: `{"AWS": "*"}` alone matches none of them.
    #[test]
    fn a_bare_wildcard_deny_keeps_guarding_providers_and_services() {
        let saml = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}},{"Sid":"OfficeOnly","Effect":"Deny","Principal":"*","Action":["sts:AssumeRole","sts:AssumeRoleWithSAML"],"Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#;
        let fixed = fixed_for(saml, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"AWS": "*", "Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}),
            "{fixed}"
        );
        assert_eq!(
            fixed["Statement"][1]["Condition"]["NotIpAddress"]["aws:SourceIp"],
            "203.0.113.0/24"
        );
        let ec2 = r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Sid":"Sunset","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#;
        let fixed = fixed_for(ec2, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"AWS": "*", "Service": "ec2.amazonaws.com"}),
            "{fixed}"
        );
    }

    /// A fix that makes the policy longer (a subject to fill in for each of many workflows) is
    /// suggested only as IAM's size quota takes it: past the default quota with the step that
    /// raises it, past the highest not at all.
    #[test]
    fn a_suggestion_fits_iam_s_size_quota() {
        let workflows = |n: usize| {
            (0..n)
                .map(|i| {
                    format!(
                        r#"{{"Effect":"Allow","Principal":{{"Federated":"{GITHUB_PROVIDER}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:job_workflow_ref":"acme/workflows-{i}/.github/workflows/deploy-{i}.yml@refs/heads/main"}}}}}}"#
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let fixed = fixed_for(&workflows(5), &[]).unwrap();
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            proposed: true,
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap();
        let five = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, workflows(5));
        assert!(five.len() < 2048, "the original fits the default quota");
        let suggested = crate::evaluate(&five, &role, &params).suggested_policy.unwrap();
        assert!(
            suggested.to_json().split_whitespace().map(str::len).sum::<usize>() > 2048,
            "{fixed}"
        );
        assert!(
            suggested
                .before_applying
                .iter()
                .any(|step| step.contains("ACLSizePerRole")),
            "{:?}",
            suggested.before_applying
        );
        // The estimate that spares writing out most suggestions is never short of the real length,
        // escapes included.
        let written = |policy: &SuggestedPolicy| policy.to_json().chars().filter(|c| !c.is_whitespace()).count();
        assert!(chars_at_most(&suggested) >= written(&suggested));
        let escaped = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Q","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/q\"\\\u0001":["\"\"\"","\\\\"]}}}]}"#;
        let fixed = crate::evaluate(escaped, &role, &params).suggested_policy.unwrap();
        assert!(fixed.to_json().contains(r#"\u0001"#), "{}", fixed.to_json());
        assert!(chars_at_most(&fixed) >= written(&fixed));
        let nine = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, workflows(9));
        assert!(nine.len() < 4096, "the original fits the highest quota");
        assert_eq!(crate::evaluate(&nine, &role, &params).suggested_policy, None);
    }

    /// A `NotPrincipal` Deny that spares one SAML provider keeps denying the others: its
    /// rewrite tells SAML callers apart from the rest, not one provider's from another's.
    #[test]
    fn a_deny_sparing_one_saml_provider_still_denies_the_others() {
        let two = r#"{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::111122223333:saml-provider/Okta","arn:aws:iam::111122223333:saml-provider/LegacyADFS"]},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}},{"Effect":"Deny","NotPrincipal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML"}"#;
        let fixed = fixed_for(two, &[]).unwrap();
        let legacy = "arn:aws:iam::111122223333:saml-provider/LegacyADFS";
        let denies_legacy_always = fixed["Statement"].as_array().unwrap().iter().any(|s| {
            s["Effect"] == "Deny"
                && s.get("Condition").is_none()
                && (s["Principal"]["Federated"] == legacy || s["Principal"]["Federated"][0] == legacy)
        });
        assert!(denies_legacy_always, "{fixed}");
        let allows_legacy = fixed["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Effect"] == "Allow" && s["Principal"]["Federated"].to_string().contains("LegacyADFS"));
        assert!(!allows_legacy, "{fixed}");
    }

    /// A grant to Lambda that a condition blocks is replaced by the canonical one, which keeps
    /// its Sid and its conditions that let every function in.
    #[test]
    fn a_blocked_lambda_grant_keeps_what_its_author_wrote_beside_it() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:orders";
        let blocked = r#"{"Sid":"Lam","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333","aws:PrincipalTag/team":"x"},"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111122223333:function:other*"},"Bool":{"aws:SecureTransport":"true"},"DateLessThan":{"aws:CurrentTime":"2999-01-01T00:00:00Z"}}}"#;
        let fixed = fixed_for(blocked, &[function]).unwrap();
        let grant = &fixed["Statement"][0];
        assert_eq!(grant["Sid"], "Lam", "{fixed}");
        assert_eq!(grant["Condition"]["Bool"]["aws:SecureTransport"], "true", "{fixed}");
        // A condition the engine can't judge for Lambda may shut it out: it goes.
        let unknown = blocked.replace(
            r#""Bool":{"aws:SecureTransport":"true"}"#,
            r#""Bool":{"aws:SecureTransport":"true"},"StringLike":{"aws:UserAgent":"terraform*"}"#,
        );
        let fixed_unknown = fixed_for(&unknown, &[function]).unwrap();
        assert!(!fixed_unknown.to_string().contains("UserAgent"), "{fixed_unknown}");
        // A condition Lambda can't meet (no principal tag on a service) goes, and so does a time
        // window: the grant that replaces one that expires must not.
        assert!(!fixed.to_string().contains("PrincipalTag"), "{fixed}");
        assert!(!fixed.to_string().contains("CurrentTime"), "{fixed}");
        assert!(fixed.to_string().contains(function), "{fixed}");
    }

    /// A wildcard whose Deny guard lets only one account's callers through is fixed for that
    /// account: a role to fill in in the role's own would be one the guard always shuts out.
    #[test]
    fn a_wildcard_is_fixed_where_its_deny_guard_lets_callers_through() {
        let org = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123def4"}}},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"444455556666"}}}"#;
        let fixed = fixed_for(org, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::444455556666:role/REPLACE_WITH_TRUSTED_ROLE",
            "{fixed}"
        );
        let ci = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"}}}"#;
        let fixed = fixed_for(ci, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::444455556666:root",
            "{fixed}"
        );
        assert_eq!(fixed["Statement"][1]["Effect"], "Deny", "the guard stays: {fixed}");
    }

    /// A wildcard is fixed for whom its conditions say it was written: a provider whose claims
    /// they read, though its actions include sts:AssumeRole (no role session carries them); a
    /// service whose source keys they read.
    #[test]
    fn a_wildcard_is_fixed_for_the_provider_or_service_its_conditions_read() {
        let github = r#"{"Effect":"Allow","Principal":"*","Action":"sts:*","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}"#;
        let fixed = fixed_for(github, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Federated": GITHUB_PROVIDER}),
            "{fixed}"
        );
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            proposed: true,
            ..Role::default()
        };
        // Narrowed to role sessions too (a key only they send): a role, as the author may mean,
        // of an account of the organization to fill in.
        let mixed = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"},"StringEquals":{"aws:PrincipalOrgID":"o-abc123def4"}}}"#;
        let fixed = fixed_for(mixed, &[]).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::ACCOUNT_ID:role/REPLACE_WITH_TRUSTED_ROLE",
            "{fixed}"
        );
        let events = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:111122223333:rule/*"}}}]}"#;
        let suggested = crate::evaluate(events, &role, &RuleParams::default())
            .suggested_policy
            .unwrap();
        assert_eq!(
            suggested.statements[0].principal,
            [("Service", vec!["REPLACE_WITH_SERVICE.amazonaws.com".to_owned()])],
            "{}",
            suggested.to_json()
        );
        let both = events.replace(
            r#""ArnLike""#,
            r#""StringEquals":{"aws:PrincipalAccount":"111122223333"},"ArnLike""#,
        );
        let suggested = crate::evaluate(&both, &role, &RuleParams::default())
            .suggested_policy
            .unwrap();
        assert_eq!(suggested.statements[0].principal[0].0, "AWS", "{}", suggested.to_json());
    }

    /// Whom a wildcard let in is never dropped silently (red team of the suggestions,
    /// 2026-12-05): beside the roles a statement names, an organization's callers get a role to
    /// fill in; on a Lambda role, where the statement goes, a step says whom it let in; a
    /// partner's account compared as a number is where the role to fill in goes.
    #[test]
    fn whom_a_wildcard_let_in_is_kept_or_named() {
        let beside = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::111122223333:role/ops"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc1234567"}}}"#,
            &[],
        )
        .unwrap();
        assert_eq!(
            beside["Statement"][0]["Principal"]["AWS"],
            serde_json::json!([
                "arn:aws:iam::111122223333:role/ops",
                "arn:aws:iam::ACCOUNT_ID:role/REPLACE_WITH_TRUSTED_ROLE"
            ]),
            "{beside}"
        );
        assert_eq!(
            beside["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}}),
            "{beside}"
        );
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:app".into()],
            ..Role::default()
        };
        const LAMBDA_AND_ORG: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc1234567"}}}]}"#;
        let (evaluation, fixed) = evaluated_with_suggestion(LAMBDA_AND_ORG, &role, &RuleParams::default());
        assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert_eq!(
            steps,
            ["statement 1's wildcard let in every caller StringEquals aws:PrincipalOrgID o-abc1234567 admits, and this Lambda role's policy no longer does: give them a role of their own first"]
        );
        // The wildcard written into Lambda's own statement: Lambda's grant stays, a step names
        // whom the wildcard let in (red team round 2).
        const IN_LAMBDA_S: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc1234567"}}}]}"#;
        let (evaluation, _) = evaluated_with_suggestion(IN_LAMBDA_S, &role, &RuleParams::default());
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert!(
            steps[0].starts_with(
                "statement 0's wildcard let in every caller StringEquals aws:PrincipalOrgID o-abc1234567 admits"
            ),
            "{steps:?}"
        );
        // A provider's claims read under sts:AssumeRole (role chaining): the provider is trusted
        // in the sessions' place, and a step says so (red team round 2, N4).
        const CHAINED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"token.actions.githubusercontent.com:repository":"acme/app"}}}]}"#;
        let unused = Role {
            functions: Vec::new(),
            ..role.clone()
        };
        let (evaluation, fixed) = evaluated_with_suggestion(CHAINED, &unused, &RuleParams::default());
        assert_eq!(
            fixed["Statement"][0]["Action"], "sts:AssumeRoleWithWebIdentity",
            "{fixed}"
        );
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("(role chaining); this policy trusts the provider itself instead")),
            "{steps:?}"
        );
        // So with an action pattern that covers sts:AssumeRole.
        for actions in [r#""Action":"sts:*""#, r#""Action":"*""#, r#""Action":"sts:Assume*""#] {
            let chained = CHAINED.replace(r#""Action":"sts:AssumeRole""#, actions);
            let evaluation = crate::evaluate(&chained, &unused, &RuleParams::default());
            let steps = evaluation.suggested_policy.expect("a suggestion").before_applying;
            assert!(
                steps.iter().any(|step| step.contains("(role chaining)")),
                "{actions}: {steps:?}"
            );
        }
        // Whom the suggestion trusts in a wildcard's place: a role to fill in, not a service, for a
        // source key under `…IfExists` (callers that send none meet it); nobody new beside named
        // principals for an unguarded wildcard (it was everyone's); the partner's account for an
        // account compared as a number, its zeros aside.
        let own = "arn:aws:iam::111122223333:role/REPLACE_WITH_TRUSTED_ROLE";
        let partner = "arn:aws:iam::444455556666:role/REPLACE_WITH_TRUSTED_ROLE";
        for (statements, trusted) in [
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1234"}}}"#,
                own,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::111122223333:role/ops"]},"Action":"sts:AssumeRole"}"#,
                "arn:aws:iam::111122223333:role/ops",
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"NumericEquals":{"aws:PrincipalAccount":"0444455556666"}}}"#,
                partner,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"NumericEquals":{"aws:PrincipalAccount":"444455556666"}}}"#,
                partner,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"NumericNotEquals":{"aws:PrincipalAccount":"444455556666"}}}"#,
                partner,
            ),
        ] {
            let fixed = fixed_for(statements, &[]).unwrap();
            assert_eq!(
                fixed["Statement"][0]["Principal"],
                serde_json::json!({ "AWS": trusted }),
                "{statements}: {fixed}"
            );
        }
    }

    /// Zappa's role, shared with API Gateway's integrations and EventBridge's rules: the
    /// suggestion lets Lambda alone in, and says first what would stop otherwise.
    #[test]
    fn services_dropped_from_a_lambda_role_are_named_as_a_step_before_applying() {
        const ZAPPA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["apigateway.amazonaws.com","lambda.amazonaws.com","events.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/zappa".into()),
            functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:app".into()],
            ..Role::default()
        };
        let (evaluation, fixed) = evaluated_with_suggestion(ZAPPA, &role, &RuleParams::default());
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Service": "lambda.amazonaws.com"})
        );
        let steps = &evaluation.suggested_policy.unwrap().before_applying;
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert!(
            steps[0].starts_with("give apigateway.amazonaws.com, events.amazonaws.com a role of their own"),
            "{steps:?}"
        );
        // Two statements naming API Gateway: one step, each service once.
        const SHARED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","apigateway.amazonaws.com"]},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":["apigateway.amazonaws.com","events.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let (evaluation, _) = evaluated_with_suggestion(SHARED, &role, &RuleParams::default());
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert!(
            steps[0].starts_with("give apigateway.amazonaws.com, events.amazonaws.com a role"),
            "{steps:?}"
        );
        // A role no function uses is API Gateway's too: only the deployer goes, named as a
        // step (it may be assuming the role now).
        const UNUSED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","apigateway.amazonaws.com"],"AWS":"arn:aws:iam::111122223333:role/deployer"},"Action":"sts:AssumeRole"}]}"#;
        let unused = Role {
            functions: Vec::new(),
            ..role.clone()
        };
        let (evaluation, fixed) = evaluated_with_suggestion(UNUSED, &unused, &RuleParams::default());
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Service": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]}),
            "{fixed}"
        );
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert_eq!(
            steps,
            ["give arn:aws:iam::111122223333:role/deployer a role of their own and point what uses this role for them at it: this policy no longer lets them assume it"]
        );
        // A deploy pipeline's provider, scoped as it should be, goes the same way, and is named.
        let pipeline = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole"}},{{"Effect":"Allow","Principal":{{"Federated":"{GITHUB_PROVIDER}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}}]}}"#
        );
        let (evaluation, _) = evaluated_with_suggestion(&pipeline, &role, &RuleParams::default());
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert!(
            steps.len() == 1 && steps[0].starts_with(&format!("give {GITHUB_PROVIDER} a role")),
            "{steps:?}"
        );
        // A service that never gets in (EC2 sends no aws:SourceAccount) uses nothing now; a
        // service's name IAM refuses (in a template's policy, which the fixer corrects) is named
        // once, as corrected.
        let proposed = Role {
            proposed: true,
            ..role.clone()
        };
        for (policy, expected) in [
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#,
                Vec::<&str>::new(),
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","events"]},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
                vec!["give events.amazonaws.com a role of their own"],
            ),
        ] {
            let (evaluation, _) = evaluated_with_suggestion(policy, &proposed, &RuleParams::default());
            let steps = evaluation.suggested_policy.unwrap().before_applying;
            assert_eq!(steps.len(), expected.len(), "{policy}: {steps:?}");
            for (step, start) in steps.iter().zip(expected) {
                assert!(step.starts_with(start), "{policy}: {steps:?}");
            }
        }
        // A caller a wildcard's conditions name, trusted in its place by one round and dropped by
        // the next, is named too.
        let wildcard = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci"}}}]}"#;
        let (evaluation, _) = evaluated_with_suggestion(wildcard, &role, &RuleParams::default());
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert!(
            steps.len() == 1 && steps[0].starts_with("give arn:aws:iam::444455556666:role/ci a role"),
            "{steps:?}"
        );
        // Only aws:PrincipalArn and aws:PrincipalAccount name callers: an external id that
        // happens to be a provider's ARN names nobody.
        let external_id = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":"sts:AssumeRoleWithWebIdentity"},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"arn:aws:iam::111122223333:saml-provider/Okta","aws:PrincipalAccount":"444455556666"}}}]}"#;
        let (evaluation, _) = evaluated_with_suggestion(external_id, &role, &RuleParams::default());
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert!(!steps.iter().any(|step| step.contains("Okta")), "{steps:?}");
        // A provider given the wrong action never got in: the round that gives it the right one
        // and the next that drops it from the Lambda role leave nothing to do first.
        let wrong_action = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Okta"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        let (evaluation, _) = evaluated_with_suggestion(
            wrong_action,
            &role,
            &RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap(),
        );
        let steps = evaluation.suggested_policy.unwrap().before_applying;
        assert!(steps.is_empty(), "{steps:?}");
        // Nothing dropped that may be in use, nothing to do first.
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let (evaluation, _) = evaluated_with_suggestion(
            plain,
            &role,
            &RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap(),
        );
        assert!(evaluation.suggested_policy.unwrap().before_applying.is_empty());
    }

    /// A pattern's `*` compared literally (`StringEquals`) is fixed by writing it as a pattern,
    /// not by dropping the trust, even when another finding is what asked for a suggestion.
    #[test]
    fn a_literal_wildcard_is_fixed_as_a_pattern() {
        const TFC: &str = "arn:aws:iam::111122223333:oidc-provider/app.terraform.io";
        let statements = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{TFC}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"app.terraform.io:aud":"aws.workload.identity","app.terraform.io:sub":"organization:acme:project:infra:workspace:prod:run_phase:*"}}}}}},
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"sts:AssumeRole"}}"#
        );
        let fixed = fixed_for(&statements, &[]).unwrap();
        let tfc = &fixed["Statement"][0];
        assert_eq!(tfc["Principal"]["Federated"], TFC, "{fixed}");
        assert_eq!(
            tfc["Condition"],
            serde_json::json!({"StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
                               "StringLike": {"app.terraform.io:sub": "organization:acme:project:infra:workspace:prod:run_phase:*"}}),
            "{fixed}"
        );
    }

    /// A CI service whose subject changes from run to run gets the pattern of its own guide, not
    /// an exact subject that would let one run in.
    #[test]
    fn a_changing_subject_is_filled_in_as_a_pattern() {
        for (host, pattern) in [
            (
                "app.terraform.io",
                "organization:REPLACE_WITH_ORG:project:REPLACE_WITH_PROJECT:workspace:REPLACE_WITH_WORKSPACE:run_phase:*",
            ),
            (
                "agent.buildkite.com",
                "organization:REPLACE_WITH_ORG:pipeline:REPLACE_WITH_PIPELINE:ref:refs/heads/main:commit:*:step:*",
            ),
        ] {
            let unscoped = format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{host}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{host}:aud":"sts.amazonaws.com"}}}}}}"#
            );
            let fixed = fixed_for(&unscoped, &[]).unwrap();
            let condition = &fixed["Statement"][0]["Condition"];
            assert_eq!(condition["StringLike"][format!("{host}:sub")], pattern, "{fixed}");
            assert_eq!(condition["StringEquals"][format!("{host}:aud")], "sts.amazonaws.com");
        }
    }

    #[test]
    fn a_grant_pinned_to_some_functions_stays_pinned_with_the_others_added() {
        const ORDERS: &str = "arn:aws:lambda:us-east-1:111122223333:function:orders";
        const PAYMENTS: &str = "arn:aws:lambda:us-east-1:111122223333:function:payments";
        let pinned = format!(
            r#"{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"ArnLike":{{"aws:SourceArn":"{ORDERS}"}}}}}}"#
        );
        let fixed = fixed_for(&pinned, &[ORDERS, PAYMENTS]).unwrap();
        let conditions = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            conditions["ArnLike"]["aws:SourceArn"],
            serde_json::json!([ORDERS, PAYMENTS]),
            "{fixed}"
        );
        assert_eq!(conditions["StringEquals"]["aws:SourceAccount"], "111122223333");

        // A second grant that lets every function of the account in: nothing to keep pinned.
        let open = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"444455556666"}}}"#;
        let fixed = fixed_for(&format!("{pinned},{open}"), &[ORDERS, PAYMENTS]).unwrap();
        let lambda = fixed["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "LambdaAssumeRole")
            .unwrap();
        assert!(lambda["Condition"].get("ArnLike").is_none(), "{fixed}");

        // A value that is no whole function ARN may let in functions not known here: the pin goes
        // rather than shut them out.
        let regional = pinned.replace(
            &format!(r#""{ORDERS}""#),
            &format!(r#"["{ORDERS}","arn:aws:lambda:eu-west-1:111122223333:*"]"#),
        );
        let fixed = fixed_for(&regional, &[ORDERS, PAYMENTS]).unwrap();
        assert!(fixed["Statement"][0]["Condition"].get("ArnLike").is_none(), "{fixed}");

        // The finding says the same: add the function, don't drop the pin.
        let role = Role {
            functions: vec![ORDERS.into(), PAYMENTS.into()],
            ..Role::default()
        };
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{pinned}]}}"#);
        let verdict = crate::check(&document, &role, &RuleParams::default());
        assert_eq!(verdict.findings[0].id, FindingId::LambdaTrustConditionBlocks);
        assert_eq!(
            verdict.findings[0].fix,
            format!("add {PAYMENTS} to the values of that condition")
        );
        // Not when another condition keeps the function out too.
        let wrong_account = pinned.replace(r#""}}}"#, r#""},"StringEquals":{"aws:SourceAccount":"444455556666"}}}"#);
        assert!(wrong_account.ends_with(r#""444455556666"}}}"#), "{wrong_account}");
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{wrong_account}]}}"#);
        let payments_only = Role {
            functions: vec![PAYMENTS.into()],
            ..Role::default()
        };
        let verdict = crate::check(&document, &payments_only, &RuleParams::default());
        assert!(
            verdict.findings[0].fix.starts_with("remove that condition"),
            "{:?}",
            verdict.findings
        );
    }

    #[test]
    fn a_deny_that_spares_some_functions_spares_the_ones_it_stopped_too() {
        const ORDERS: &str = "arn:aws:lambda:us-east-1:111122223333:function:orders";
        const PAYMENTS: &str = "arn:aws:lambda:us-east-1:111122223333:function:payments";
        let statements = format!(
            r#"{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:SourceAccount":"111122223333"}}}}}},
               {{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{{"ArnNotLike":{{"aws:SourceArn":"{ORDERS}"}}}}}}"#
        );
        let fixed = fixed_for(&statements, &[ORDERS, PAYMENTS]).unwrap();
        let deny = &fixed["Statement"][1];
        assert_eq!(
            deny["Condition"],
            serde_json::json!({"ArnNotLike": {"aws:SourceArn": [ORDERS, PAYMENTS]}}),
            "still a guard for every other function and caller: {fixed}"
        );

        let role = Role {
            functions: vec![ORDERS.into(), PAYMENTS.into()],
            ..Role::default()
        };
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        let verdict = crate::check(&document, &role, &RuleParams::default());
        assert_eq!(verdict.findings[0].id, FindingId::LambdaTrustDenied);
        assert_eq!(
            verdict.findings[0].fix,
            format!("add {PAYMENTS} to the values of ArnNotLike aws:SourceArn in Deny statement 1")
        );
        // A function known only by name can't be added: the Deny is kept from Lambda as a whole,
        // and the fix says so.
        let role = Role {
            functions: vec![ORDERS.into(), PAYMENTS.into(), "reports".into()],
            ..Role::default()
        };
        let verdict = crate::check(&document, &role, &RuleParams::default());
        assert!(
            verdict.findings[0].fix.contains("aws:PrincipalServiceName"),
            "{:?}",
            verdict.findings
        );
    }

    #[test]
    fn a_subject_open_to_any_repository_keeps_the_branch_or_environment_it_names() {
        let statement = |subjects: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:sub":{subjects}}}}}}}"#
            )
        };
        let subject_of = |subjects: &str| {
            let fixed = fixed_for(&statement(subjects), &[]).unwrap();
            fixed["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"].clone()
        };
        assert_eq!(
            subject_of(r#""repo:*/*:ref:refs/heads/corgi""#),
            "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/heads/corgi"
        );
        assert_eq!(
            subject_of(r#"["repo:*:environment:production","repo:*/*:pull_request"]"#),
            serde_json::json!([
                "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:environment:production",
                "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:pull_request"
            ])
        );
        // A pattern among them: all in one StringLike block (two blocks would both have to hold).
        let fixed = fixed_for(
            &statement(r#"["repo:*:ref:refs/tags/v*","repo:*/*:ref:refs/heads/main"]"#),
            &[],
        )
        .unwrap();
        let conditions = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            conditions["StringLike"]["token.actions.githubusercontent.com:sub"],
            serde_json::json!([
                "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/tags/v*",
                "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/heads/main"
            ])
        );
        assert!(conditions["StringEquals"]
            .get("token.actions.githubusercontent.com:sub")
            .is_none());
        // Nothing named beyond the repository: the usual subject to fill in.
        assert_eq!(
            subject_of(r#""repo:*""#),
            "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/heads/main"
        );
    }

    #[test]
    fn a_subject_the_caller_fills_in_is_not_kept_as_scoping() {
        let statement = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":["repo:*","repo:${token.actions.githubusercontent.com:repository}:*"]}}}"#;
        let fixed = fixed_for(statement, &[]).unwrap();
        let conditions = &fixed["Statement"][0]["Condition"];
        assert!(
            !conditions.to_string().contains("${"),
            "every repository's subject kept: {fixed}"
        );
        assert_eq!(
            conditions["StringEquals"]["token.actions.githubusercontent.com:sub"],
            "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/heads/main"
        );
    }

    #[test]
    fn a_vendor_role_s_external_id_that_admits_any_and_a_negated_one_are_replaced() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let vendor = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::197171649850:role/prod-us20-AssumeRoleDelegator"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"*"}}}]}"#;
        let negated = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::464622532012:root"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"sts:ExternalId":"a1b2c3"}}}]}"#;
        for document in [vendor, negated] {
            let (evaluation, fixed) = evaluated_with_suggestion(document, &role, &RuleParams::default());
            let ids: Vec<FindingId> = evaluation.verdict.findings.iter().map(|f| f.id).collect();
            assert_eq!(ids, [FindingId::CrossAccountUnconditioned], "{document}");
            // Only the placeholder: an id filled in beside `StringNotEquals` of itself, or beside
            // `*`, would lock the vendor out or narrow nothing.
            assert_eq!(
                fixed["Statement"][0]["Condition"],
                serde_json::json!({"StringEquals": {"sts:ExternalId": EXTERNAL_ID_TO_FILL_IN}}),
                "{document}"
            );
        }
    }

    #[test]
    fn an_external_id_under_a_misspelt_key_is_demanded_under_the_real_one() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let document = |key: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::464622532012:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"{key}":"a1b2c3"}}}}}}]}}"#
            )
        };
        // `aws:ExternalId` is in no request for sure: the vendor can't get in, which is said, and
        // no more (nobody is let in without an id either).
        let params = RuleParams {
            non_compliant_at: Severity::Low,
            ..RuleParams::default()
        };
        let (evaluation, fixed) = evaluated_with_suggestion(&document("aws:ExternalId"), &role, &params);
        let ids: Vec<FindingId> = evaluation.verdict.findings.iter().map(|f| f.id).collect();
        assert_eq!(ids, [FindingId::StatementNeverApplies]);
        let finding = &evaluation.verdict.findings[0];
        assert!(
            finding.message.contains("(sts:ExternalId was meant?)"),
            "{}",
            finding.message
        );
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": "a1b2c3"}})
        );
        // A key padded with spaces is only likely none: judged as unconditioned (fail closed).
        let (evaluation, fixed) =
            evaluated_with_suggestion(&document("sts:ExternalId "), &role, &RuleParams::default());
        let finding = &evaluation.verdict.findings[0];
        assert_eq!(finding.id, FindingId::CrossAccountUnconditioned);
        assert!(
            finding.message.ends_with("the key is sts:ExternalId)"),
            "{}",
            finding.message
        );
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": "a1b2c3"}})
        );
    }

    #[test]
    fn an_external_id_a_caller_may_leave_out_is_demanded_not_replaced() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"sts:ExternalId":"Acme-7f3a9"}}}]}"#;
        let (evaluation, fixed) = evaluated_with_suggestion(document, &role, &RuleParams::default());
        let ids: Vec<FindingId> = evaluation.verdict.findings.iter().map(|f| f.id).collect();
        assert_eq!(ids, [FindingId::CrossAccountUnconditioned]);
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": "Acme-7f3a9"}}),
            "the partner's id, demanded; no placeholder beside it: {fixed}"
        );
    }

    #[test]
    fn a_deny_of_everyone_rewritten_keeps_guarding_the_providers_the_allows_name() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            proposed: true,
            ..Role::default()
        };
        let github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}}}},
            {{"Effect":"Allow","Principal":{{"Service":"ec2.amazonaws.com"}},"Action":"sts:AssumeRole"}},
            {{"Effect":"Deny","Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringNotLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}}}}]}}"#
        );
        let (_, fixed) = evaluated_with_suggestion(&document, &role, &RuleParams::default());
        let deny = (fixed["Statement"].as_array().unwrap().iter())
            .find(|s| s["Effect"] == "Deny")
            .unwrap_or_else(|| panic!("the guard dropped: {fixed}"));
        // `{"AWS": "*"}` alone matches no GitHub token: the repository pattern would guard nothing.
        // EC2 signs sts:AssumeRole, which this Deny doesn't deny: not named.
        assert_eq!(
            deny["Principal"],
            serde_json::json!({"AWS": "*", "Federated": github}),
            "{fixed}"
        );
        assert_eq!(
            deny["Condition"]["StringNotLike"]["token.actions.githubusercontent.com:sub"],
            "repo:acme/*"
        );

        // Not a caller that never sends a key the Deny reads: the negated condition would hold
        // for it and shut it out for good (review: GitLab under GitHub's `sub`, EC2 under an
        // aws:SourceAccount guard, which it never sends).
        let gitlab = "arn:aws:iam::111122223333:oidc-provider/gitlab.com";
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"Federated":["{github}","{gitlab}"]}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"gitlab.com:sub":"project_path:acme/*"}}}}}},
            {{"Effect":"Allow","Principal":{{"Service":["ec2.amazonaws.com","events.amazonaws.com"]}},"Action":"sts:AssumeRole"}},
            {{"Effect":"Deny","Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringNotLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}}}},
            {{"Effect":"Deny","Action":"sts:AssumeRole","Condition":{{"StringNotEquals":{{"aws:SourceAccount":"111122223333"}}}}}}]}}"#
        );
        let (_, fixed) = evaluated_with_suggestion(&document, &role, &RuleParams::default());
        let denies: Vec<&serde_json::Value> = (fixed["Statement"].as_array().unwrap().iter())
            .filter(|s| s["Effect"] == "Deny")
            .collect();
        assert_eq!(denies.len(), 2, "{fixed}");
        // A date every request carries, and an exception of one provider, keep naming the rest.
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"Federated":["{github}","{gitlab}"]}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"gitlab.com:sub":"project_path:acme/*","token.actions.githubusercontent.com:sub":"repo:acme/*"}}}}}},
            {{"Effect":"Deny","NotPrincipal":{{"Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"DateGreaterThan":{{"aws:CurrentTime":"2027-06-01T00:00:00Z"}}}}}}]}}"#
        );
        let (_, fixed) = evaluated_with_suggestion(&document, &role, &RuleParams::default());
        let deny = (fixed["Statement"].as_array().unwrap().iter())
            .find(|s| s["Effect"] == "Deny")
            .unwrap_or_else(|| panic!("the guard dropped: {fixed}"));
        assert_eq!(
            deny["Principal"],
            serde_json::json!({"AWS": "*", "Federated": [github, gitlab]}),
            "{fixed}"
        );
        assert_eq!(
            denies[0]["Principal"],
            serde_json::json!({"AWS": "*", "Federated": github}),
            "{fixed}"
        );
        assert_eq!(
            denies[1]["Principal"],
            serde_json::json!({"AWS": "*", "Service": "events.amazonaws.com"}),
            "{fixed}"
        );
    }

    #[test]
    fn firehose_is_tied_to_the_account_by_the_external_id_it_passes() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/firehose".into()),
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"requireSourceAccount":"true"}"#).unwrap();
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"firehose.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let (evaluation, fixed) = evaluated_with_suggestion(document, &role, &params);
        assert!(evaluation.verdict.findings[0].fix.contains("sts:ExternalId"));
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": "111122223333"}}),
            "Firehose's documented guard, not aws:SourceAccount: {fixed}"
        );
    }

    #[test]
    fn an_account_a_deny_already_narrows_keeps_its_trust_as_it_is() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::777788889999:root"]},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"sts:ExternalId":"vendor-a-secret"}}}]}"#;
        let (_, fixed) = evaluated_with_suggestion(document, &role, &RuleParams::default());
        let statements = fixed["Statement"].as_array().unwrap();
        let of = |root: &str| {
            statements
                .iter()
                .find(|s| s["Effect"] == "Allow" && s["Principal"]["AWS"] == root)
                .unwrap_or_else(|| panic!("no Allow of {root} alone: {fixed}"))
        };
        // Vendor A's id is its Deny's; a placeholder beside it would shut vendor A out.
        assert_eq!(of("arn:aws:iam::444455556666:root").get("Condition"), None, "{fixed}");
        assert_eq!(
            of("arn:aws:iam::777788889999:root")["Condition"],
            serde_json::json!({"StringEquals": {"sts:ExternalId": EXTERNAL_ID_TO_FILL_IN}}),
            "{fixed}"
        );
    }

    #[test]
    fn a_deny_of_accounts_by_a_root_pattern_keeps_denying_their_roles() {
        // `arn:aws:iam::*:root` (refused as a principal) stood for every principal of every
        // account; as aws:PrincipalArn it must match their roles' and users' ARNs, not the roots'.
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            proposed: true,
            ..Role::default()
        };
        let document = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"acme-7"}}},
            {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123def4"}}}]}"#;
        let fixed = crate::evaluate(document, &role, &RuleParams::default())
            .suggested_policy
            .expect("a suggestion")
            .to_json();
        let fixed: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        let deny = fixed["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Effect"] == "Deny")
            .unwrap_or_else(|| panic!("the guard is kept: {fixed}"));
        assert_eq!(
            deny["Condition"]["ArnLike"]["aws:PrincipalArn"],
            serde_json::json!(["arn:aws:iam::*:*", "arn:aws:sts::*:*"]),
            "{fixed}"
        );
        assert_eq!(
            deny["Condition"]["StringNotEquals"]["aws:PrincipalOrgID"], "o-abc123def4",
            "{fixed}"
        );
    }

    #[test]
    fn a_principal_left_where_a_service_was_taken_out_gets_no_source_account() {
        // ECS tasks share a statement with a role of the account under an organization condition
        // no service meets (the grant never applies to them, and goes); the role's grant stays
        // as it was. aws:SourceAccount on it would shut it out: a role calling directly sends none.
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let document = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"OpsAndTasks","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ops","Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123def4"}}},
            {"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
        let fixed = crate::evaluate(document, &role, &RuleParams::default())
            .suggested_policy
            .expect("a suggestion")
            .to_json();
        let fixed: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        let ops = fixed["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Principal"]["AWS"] == "arn:aws:iam::111122223333:role/ops")
            .unwrap_or_else(|| panic!("the role's grant is kept: {fixed}"));
        assert_eq!(
            ops["Condition"],
            serde_json::json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}),
            "{fixed}"
        );
    }

    #[test]
    fn a_lambda_trust_only_a_deny_blocks_keeps_its_own_conditions() {
        // The Allow names the function; only the Deny of everyone stands in Lambda's way.
        let function = "arn:aws:lambda:us-east-1:111122223333:function:orders";
        let pinned = format!(
            r#"{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"ArnLike":{{"aws:SourceArn":"{function}"}}}}}}"#
        );
        let deny = r#"{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:*"}"#;
        let fixed = fixed_for(&format!("{pinned},{deny}"), &[function]).expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{fixed}");
        assert_eq!(
            statements[0]["Condition"]["ArnLike"]["aws:SourceArn"], function,
            "not loosened: {fixed}"
        );
        assert_eq!(
            statements[1]["Condition"]["StringNotEquals"]["aws:PrincipalServiceName"],
            "lambda.amazonaws.com"
        );
        // Lambda sharing the Allow with a role the Deny stops as well: Lambda keeps its grant.
        let shared = pinned.replace(
            r#""Service":"lambda.amazonaws.com""#,
            r#""Service":"lambda.amazonaws.com","AWS":"arn:aws:iam::111122223333:role/ops""#,
        );
        let fixed = fixed_for(&format!("{shared},{deny}"), &[function]).expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{fixed}");
        assert_eq!(
            statements[0]["Principal"],
            serde_json::json!({"Service": "lambda.amazonaws.com"})
        );
        assert_eq!(
            statements[0]["Condition"]["ArnLike"]["aws:SourceArn"], function,
            "not loosened: {fixed}"
        );
        // A Lambda trust that is missing gets the canonical grant, as before.
        let fixed = fixed_for(deny, &[function]).expect("a suggestion");
        assert!(fixed.to_string().contains("aws:SourceAccount"), "{fixed}");
    }

    #[test]
    fn a_dropped_wildcard_leaves_a_role_to_fill_in_where_its_condition_points() {
        // The account the condition names, not the role's own: filled in, the policy still works.
        // Other positive operators name it too; a wildcard account beside it names none. Roles
        // its aws:PrincipalArn pattern names in one account: that account, narrowed to them.
        for (condition, principal) in [
            (
                r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"}}"#,
                "arn:aws:iam::444455556666:root",
            ),
            // An account a template leaves to a parameter: the deployer's, not the role's own.
            (
                r#"{"StringEquals":{"aws:PrincipalAccount":"UNRESOLVED(Ref Scanner account)"}}"#,
                "arn:aws:iam::UNRESOLVED(Ref Scanner account):role/REPLACE_WITH_TRUSTED_ROLE",
            ),
            // Roles of a pattern in any account (Landing Zone Accelerator's): one to fill in in
            // an account to fill in, not the role's own.
            (
                r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123def4"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/AWSAccelerator*"}}"#,
                "arn:aws:iam::ACCOUNT_ID:role/REPLACE_WITH_TRUSTED_ROLE",
            ),
            // The caller's account as a variable is any account; the role's own is this one.
            (
                r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:role/AWSAccelerator*"}}"#,
                "arn:aws:iam::ACCOUNT_ID:role/REPLACE_WITH_TRUSTED_ROLE",
            ),
            (
                r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:ResourceAccount}:role/AWSAccelerator*"}}"#,
                "arn:aws:iam::111122223333:role/REPLACE_WITH_TRUSTED_ROLE",
            ),
            // A variable elsewhere in the ARN leaves its account named.
            (
                r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/${aws:PrincipalTag/team}-deployer"}}"#,
                "arn:aws:iam::444455556666:root",
            ),
        ] {
            let fixed = fixed_for(
                &format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{condition}}}"#),
                &[],
            )
            .expect("a suggestion");
            assert_eq!(fixed["Statement"][0]["Principal"]["AWS"], principal, "{condition}");
        }
        // Beside another kind of principal, the wildcard's members keep a placeholder too, in an
        // account of the organization to fill in.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"*","Federated":"arn:aws:iam::111122223333:saml-provider/okta"},"Action":["sts:AssumeRole","sts:AssumeRoleWithSAML"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123def4"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let principal = &fixed["Statement"][0]["Principal"];
        assert_eq!(
            principal["AWS"], "arn:aws:iam::ACCOUNT_ID:role/REPLACE_WITH_TRUSTED_ROLE",
            "{fixed}"
        );
        // The SAML provider never got in: its requests carry no aws:PrincipalOrgID (no AWS
        // principal signs them), so the condition shuts it out, and the fix drops it.
        assert_eq!(principal["Federated"], serde_json::Value::Null, "{fixed}");
    }

    /// Whom a wildcard was for is read from its actions and conditions, not from the principals
    /// beside it, and is added to theirs without writing a principal key twice.
    #[test]
    fn a_wildcard_beside_other_principals_is_fixed_for_its_own_callers() {
        let principal_of = |statement: &str| {
            let fixed = fixed_for(statement, &[]).expect("a suggestion");
            fixed["Statement"][0]["Principal"].clone()
        };
        // `{"AWS": "*"}` is no service: a role to fill in beside the service, not a second
        // `Service` key with a service to fill in.
        assert_eq!(
            principal_of(
                r#"{"Effect":"Allow","Principal":{"AWS":"*","Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#
            ),
            serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/REPLACE_WITH_TRUSTED_ROLE", "Service": "ec2.amazonaws.com"})
        );
        // Written for the provider already named beside it: named once.
        assert_eq!(
            principal_of(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"*","Federated":"{GITHUB_PROVIDER}"}},"Action":"sts:*","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}}"#
            )),
            serde_json::json!({"Federated": GITHUB_PROVIDER})
        );
        // Only a service's call carries aws:PrincipalServiceName (the service it names is the one
        // to trust); every caller's carries aws:SourceIp: neither is written for role sessions.
        let service = principal_of(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalServiceName":"events.amazonaws.com"},"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:111122223333:rule/*"}}}"#,
        );
        assert_eq!(service, serde_json::json!({"Service": "events.amazonaws.com"}));
        let saml = principal_of(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"},"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
        );
        assert_eq!(
            saml,
            serde_json::json!({"Federated": "arn:aws:iam::111122223333:saml-provider/REPLACE_WITH_PROVIDER_NAME"})
        );
    }

    /// A Lambda role's wildcard narrowed to callers by pattern or account is dropped, and the
    /// callers it let in are named in a step, as those named by exact ARN are.
    #[test]
    fn callers_a_lambda_role_s_wildcard_named_by_pattern_or_account_are_named_when_dropped() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:f".into()],
            ..Role::default()
        };
        for condition in [
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"}}"#,
            r#"{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}"#,
        ] {
            let document = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:SourceAccount":"111122223333"}}}}}},{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{condition}}}]}}"#
            );
            let (evaluation, fixed) = evaluated_with_suggestion(&document, &role, &RuleParams::default());
            assert_eq!(fixed["Statement"].as_array().map(Vec::len), Some(1), "{fixed}");
            let steps = evaluation.suggested_policy.unwrap().before_applying;
            assert!(
                steps.len() == 1 && steps[0].starts_with("give arn:aws:iam::444455556666:root a role of their own"),
                "{condition}: {steps:?}"
            );
        }
        // Pinned to an exact role, under any positive operator: that role is named.
        for operator in ["StringEquals", "ForAllValues:StringEquals", "StringEqualsIfExists"] {
            let document = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:SourceAccount":"111122223333"}}}}}},{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{{"{operator}":{{"aws:PrincipalArn":"arn:aws:iam::999988887777:role/x"}}}}}}]}}"#
            );
            let (evaluation, _) = evaluated_with_suggestion(&document, &role, &RuleParams::default());
            let steps = evaluation.suggested_policy.unwrap().before_applying;
            assert!(
                steps.len() == 1 && steps[0].starts_with("give arn:aws:iam::999988887777:role/x a role of their own"),
                "{operator}: {steps:?}"
            );
        }
    }

    #[test]
    fn a_principal_iam_refuses_gives_way_to_one_of_the_kind_the_statement_serves() {
        let principal_of = |statement: &str| {
            let fixed = fixed_for(statement, &[]).expect("a suggestion");
            fixed["Statement"][0]["Principal"].clone()
        };
        // A service written short is the service.
        let ecs = principal_of(
            r#"{"Effect":"Allow","Principal":{"Service":"ecs-tasks"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#,
        );
        assert_eq!(ecs["Service"], "ecs-tasks.amazonaws.com");
        // Web identity for everyone, scoped by GitHub's key: GitHub's provider, not a role.
        let github = principal_of(
            r#"{"Effect":"Allow","Principal":{"Federated":"*"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main","token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}"#,
        );
        assert_eq!(
            github["Federated"],
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        );
        // SAML: a SAML provider to fill in.
        let saml = principal_of(
            r#"{"Effect":"Allow","Principal":{"Federated":"okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}"#,
        );
        assert_eq!(
            saml["Federated"],
            "arn:aws:iam::111122223333:saml-provider/REPLACE_WITH_PROVIDER_NAME"
        );
        // Cognito identity pools are trusted by name.
        let cognito = principal_of(
            r#"{"Effect":"Allow","Principal":{"Federated":"*"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-1234-1234-1234-123456789012"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}"#,
        );
        assert_eq!(cognito["Federated"], "cognito-identity.amazonaws.com");
        // Every service, with a key only services send: a service to name, not a role.
        let service = principal_of(
            r#"{"Effect":"Allow","Principal":{"Service":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#,
        );
        assert_eq!(service["Service"], "REPLACE_WITH_SERVICE.amazonaws.com");
        // No principal, a condition naming another account's role: the role to name is there.
        let elsewhere = principal_of(
            r#"{"Effect":"Allow","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci"}}}"#,
        );
        assert_eq!(
            elsewhere["AWS"],
            "arn:aws:iam::444455556666:role/REPLACE_WITH_TRUSTED_ROLE"
        );
        // An Allow for everyone but one: the grant stays, for a role to name (no empty policy).
        let everyone_but = principal_of(
            r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/x"},"Action":"sts:AssumeRole"}"#,
        );
        assert_eq!(
            everyone_but["AWS"],
            "arn:aws:iam::111122223333:role/REPLACE_WITH_TRUSTED_ROLE"
        );
    }

    #[test]
    fn actions_iam_refuses_are_corrected_or_dropped() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ci"},"Action":["sts:AssumeRole","sts:TagSessions","s3:GetObject"],"Condition":{"StringEquals":{"sts:ExternalId":"vendor-1"}}},
               {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*"}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Action"],
            serde_json::json!(["sts:AssumeRole", "sts:TagSession"]),
            "{fixed}"
        );
        assert_eq!(
            fixed["Statement"].as_array().map(Vec::len),
            Some(1),
            "the Deny denied no way in: {fixed}"
        );
        let correction = crate::validity::trust_action_correction;
        assert_eq!(correction("AssumeRole").as_deref(), Some(ASSUME_ROLE));
        assert_eq!(correction("Assume*").as_deref(), Some("sts:Assume*"));
        assert_eq!(
            correction("sts:AssumeRoleWithWebIdendity").as_deref(),
            Some(ASSUME_ROLE_WITH_WEB_IDENTITY)
        );
        assert_eq!(correction("s3:GetObject"), None);
        assert_eq!(correction("sts:GetCallerIdentity"), None);
        // A guard keeps its pattern, written with its service.
        let guarded = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"vendor-1"}}},
               {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"Assume*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(guarded["Statement"][1]["Action"], "sts:Assume*", "{guarded}");
        // One whose misspelt action no correction is sure of gets none: what it stopped is unclear.
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            proposed: true,
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap();
        let unclear = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"vendor-1"}}},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeSomething","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
        assert!(crate::evaluate(unclear, &role, &params).suggested_policy.is_none());
    }

    #[test]
    fn a_github_trust_gets_the_subject_control_iam_requires() {
        // Scoped by its repository alone: IAM refuses to create or update it so. The subject is
        // written from the repository, in either form GitHub writes it, never wider than it.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:repository":"acme/app"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let conditions = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            conditions["StringLike"]["token.actions.githubusercontent.com:sub"], "repo:acme*/app*:*",
            "{fixed}"
        );
        assert_eq!(
            conditions["StringEquals"]["token.actions.githubusercontent.com:repository"], "acme/app",
            "{fixed}"
        );
        // With its environment too: the subject a job of that environment has.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:repository":"acme/app","token.actions.githubusercontent.com:environment":"prod"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            "repo:acme*/app*:environment:prod",
            "{fixed}"
        );
    }

    #[test]
    fn a_provider_control_never_loosens_or_shuts_out_another_test() {
        let github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        // Kept to prod by one test and to acme/app by one under `…IfExists`: written plain, both
        // still hold (not merged into one list, which would let either in).
        let both = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:sub":"*:environment:prod"}},"StringLikeIfExists":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}}"#
        );
        let fixed = fixed_for(&both, &[]).expect("a suggestion");
        let conditions = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            conditions["StringLike"]["token.actions.githubusercontent.com:sub"], "*:environment:prod",
            "{fixed}"
        );
        assert_eq!(
            conditions["ForAnyValue:StringLike"]["token.actions.githubusercontent.com:sub"], "repo:acme/app:*",
            "{fixed}"
        );
        // Beside a role, which sends no GitHub claim: GitHub's test goes to a statement of its own,
        // and the role keeps its way in.
        let beside = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{github}","AWS":"arn:aws:iam::111122223333:role/ci"}},"Action":["sts:AssumeRoleWithWebIdentity","sts:AssumeRole"],"Condition":{{"StringLikeIfExists":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}}"#
        );
        let fixed = fixed_for(&beside, &[]).expect("a suggestion");
        let statements = fixed["Statement"].as_array().expect("statements");
        let of = |kind: &str| {
            (statements.iter())
                .find(|s| s["Principal"].get(kind).is_some())
                .unwrap_or_else(|| panic!("a statement for {kind}: {fixed}"))
        };
        assert_eq!(
            of("AWS")["Principal"]["AWS"],
            "arn:aws:iam::111122223333:role/ci",
            "{fixed}"
        );
        assert!(of("AWS")["Principal"].get("Federated").is_none(), "{fixed}");
        assert_eq!(
            of("Federated")["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            "repo:acme/app:*",
            "{fixed}"
        );
        // `AssumeRoot` written without `sts:` is another of STS's actions, no typo of AssumeRole.
        assert_eq!(crate::validity::trust_action_correction("AssumeRoot"), None);
    }

    #[test]
    fn a_suggestion_writes_characters_iam_refuses_as_escapes() {
        let policy = SuggestedPolicy {
            statements: vec![SuggestedStatement {
                sid: None,
                effect: "Allow",
                principal: vec![("AWS", vec!["arn:aws:iam::444455556666:role/ci".into()])],
                not_principal: false,
                actions: vec![ASSUME_ROLE.into()],
                not_action: false,
                conditions: vec![(
                    "StringEquals".into(),
                    vec![("aws:PrincipalTag/team".into(), vec!["d\u{e9}v\u{2014}\u{1F600}".into()])],
                )],
            }],
            before_applying: Vec::new(),
            dropped_callers: Vec::new(),
        };
        let json = policy.to_json();
        assert!(json.contains("d\u{e9}v\\u2014\\ud83d\\ude00"), "{json}");
        let read: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(
            read["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalTag/team"],
            "d\u{e9}v\u{2014}\u{1F600}"
        );
    }

    #[test]
    fn a_provider_its_own_deny_scopes_is_left_as_it_is() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com","arn:aws:iam::111122223333:oidc-provider/gitlab.com"]},"Action":"sts:AssumeRoleWithWebIdentity"},
               {"Effect":"Deny","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}"#,
            &[],
        )
        .expect("a suggestion for GitLab");
        let text = fixed.to_string();
        assert!(text.contains("gitlab.com:sub"), "{text}");
        assert!(
            !text.contains("REPLACE_WITH_OWNER"),
            "GitHub is scoped by its Deny: {text}"
        );
        assert!(
            !text.contains(r#""token.actions.githubusercontent.com:sub":"REPLACE"#),
            "{text}"
        );
    }

    #[test]
    fn people_of_another_account_are_narrowed_to_their_role_not_asked_for_an_external_id() {
        // An MFA condition: people switching roles in the console, which sends no external id.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let condition = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            condition["ArnLike"]["aws:PrincipalArn"],
            "arn:aws:iam::444455556666:REPLACE_WITH_USER_OR_ROLE"
        );
        assert_eq!(condition["Bool"]["aws:MultiFactorAuthPresent"], "true");
        assert!(condition.get("StringEquals").is_none(), "{fixed}");
        // Several accounts: one principal of each, any of them.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","555566667777"]},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["ArnLike"]["aws:PrincipalArn"],
            serde_json::json!([
                "arn:aws:iam::444455556666:REPLACE_WITH_USER_OR_ROLE",
                "arn:aws:iam::555566667777:REPLACE_WITH_USER_OR_ROLE"
            ])
        );
        // Without one, a vendor calling the API: the external id guards against the confused deputy.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            EXTERNAL_ID_TO_FILL_IN
        );
    }

    #[test]
    fn roles_aws_organizations_and_control_tower_reach_are_narrowed_by_arn() {
        // Organizations, Control Tower, StackSets and the CDK send no external id: asking for one
        // would lock the management (or pipeline) account out of every other account.
        let management = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
        let params = RuleParams::default();
        for name in [
            "AWSControlTowerExecution",
            "OrganizationAccountAccessRole",
            "stacksets-exec-3f1e2d",
            "AWSCloudFormationStackSetExecutionRole",
            // CloudWatch's cross-account console: the monitoring account's people switch roles.
            "CloudWatch-CrossAccountSharingRole",
            "CloudWatch-CrossAccountSharing-ListAccountsRole",
            // `cdk bootstrap --trust`: the CDK CLI and CDK Pipelines send none either.
            "cdk-hnb659fds-deploy-role-111122223333-us-east-1",
            "cdk-hnb659fds-file-publishing-role-111122223333-us-east-1",
            // AWS Copilot's roles in an environment's account, and the CDK's zone delegation role:
            // their CLI, pipelines and custom resources pass none.
            "orders-test-EnvManagerRole",
            "orders-DNSDelegationRole",
            "DnsStack-ZoneCrossAccountZoneDelegationRole4A1B2C3D-9Z8Y7X6W5V4U",
            // The Landing Zone Accelerator's roles and org-formation's build role: their
            // pipelines and custom resources pass none.
            "AWSAccelerator-TgwPeeringRole",
            "AWSAccelerator-EnableCentralEndpointsRole-us-east-1",
            "OrganizationFormationBuildAccessRole",
        ] {
            let role = Role {
                arn: Some(format!("arn:aws:iam::111122223333:role/{name}")),
                ..Role::default()
            };
            let evaluation = crate::evaluate(management, &role, &params);
            let finding = &evaluation.verdict.findings[0];
            assert_eq!(finding.id, FindingId::CrossAccountUnconditioned, "{name}");
            assert!(finding.fix.contains("aws:PrincipalArn"), "{name}: {}", finding.fix);
            assert!(!finding.fix.contains("ExternalId"), "{name}: {}", finding.fix);
            let fixed = evaluation.suggested_policy.expect("a suggestion").to_json();
            assert!(fixed.contains("REPLACE_WITH_USER_OR_ROLE"), "{name}: {fixed}");
            assert!(!fixed.contains("ExternalId"), "{name}: {fixed}");
        }
        // Any other role's vendor is asked for one, a name that only resembles those too.
        for name in [
            "vendor-audit",
            "EnvManagerRole-for-vendor",
            "orders-DNSDelegationRoles",
            "AWSAcceleratorVendor",
        ] {
            let role = Role {
                arn: Some(format!("arn:aws:iam::111122223333:role/{name}")),
                ..Role::default()
            };
            let evaluation = crate::evaluate(management, &role, &params);
            assert!(evaluation.verdict.findings[0].fix.contains("sts:ExternalId"), "{name}");
        }
    }

    /// A wildcard pinned to roles of the role's own account becomes that account's root: its
    /// callers then need sts:AssumeRole in their own policies, which the wildcard didn't ask of
    /// them (a read-only permission set lacks it), and the suggestion says so first.
    #[test]
    fn a_wildcard_that_becomes_the_own_account_says_its_callers_need_a_grant() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/x".into()),
            ..Role::default()
        };
        let pinned = |account: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{{"ArnLike":{{"aws:PrincipalArn":"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_*"}}}}}}]}}"#
            )
        };
        let steps = |document: &str| {
            let fixed = crate::evaluate(document, &role, &RuleParams::default()).suggested_policy;
            fixed.expect("a suggestion").before_applying
        };
        let own = steps(&pinned("111122223333"));
        assert!(
            own.iter().any(|s| s.starts_with(
                "grant sts:AssumeRole on this role in the policies of the callers of arn:aws:iam::111122223333:root"
            )),
            "{own:?}"
        );
        let other = steps(&pinned("444455556666"));
        assert!(
            !other.iter().any(|s| s.starts_with("grant sts:AssumeRole")),
            "{other:?}"
        );
    }

    /// The rounds read the suggestion as its printed form is read: `ForAnyValue:StringEquals` on
    /// `aws:SourceArn` (single-valued) is plain `StringEquals`, under which a `*` is literal and
    /// the statement never applies. Read otherwise, a suggestion that still failed was made.
    #[test]
    fn the_rounds_read_the_suggestion_as_the_printed_policy_is_read() {
        let role = Role {
            account_id: Some("111122223333".into()),
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap();
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":" Lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ForAnyValue:StringEqualz":{"aws:SourceArn":"arn:aws:lambda:*:*:function:*"}}}]}"#;
        let fixed = (crate::evaluate(document, &role, &params).suggested_policy).expect("a suggestion");
        let again = crate::check(&fixed.to_json(), &role, &params);
        assert_eq!(
            again.compliance,
            crate::Compliance::Compliant,
            "{}: {:?}",
            fixed.to_json(),
            again.findings
        );
    }

    #[test]
    fn a_misspelt_operator_is_corrected_or_no_suggestion_is_made() {
        // A Deny keeps its guard, spelt right: dropping it would deny everyone.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/deploy"},"Action":"sts:AssumeRole"},
               {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEqualz":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:role/deploy"
        );
        let condition = &fixed["Statement"][1]["Condition"]["StringNotEquals"];
        assert_eq!(condition["aws:PrincipalOrgID"], "o-a1b2c3d4e5");
        assert_eq!(condition["aws:PrincipalAccount"], "111122223333");
        // An Allow keeps its MFA requirement.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"sts:AssumeRole","Condition":{"bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"],
            "true"
        );
        // Not clear what was meant: no suggestion rather than a wider Allow.
        let unclear = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"sts:AssumeRole","Condition":{"Boolean":{"aws:MultiFactorAuthPresent":"true"}}}"#;
        assert_eq!(fixed_for(unclear, &[]), None);
    }

    #[test]
    fn a_condition_added_for_some_principals_never_shuts_out_the_others() {
        // The external id for the other account only: a role of this account can't send one.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/ops","arn:aws:iam::444455556666:root"]},"Action":"sts:AssumeRole"}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:role/ops"
        );
        assert_eq!(fixed["Statement"][0]["Condition"], serde_json::Value::Null);
        assert_eq!(
            fixed["Statement"][1]["Principal"]["AWS"],
            "arn:aws:iam::444455556666:root"
        );
        assert_eq!(
            fixed["Statement"][1]["Condition"]["StringEquals"]["sts:ExternalId"],
            EXTERNAL_ID_TO_FILL_IN
        );
        // aws:SourceAccount for the service only: a role's request never carries it.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ops","Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Principal"],
            serde_json::json!({"Service": "ecs-tasks.amazonaws.com"})
        );
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "111122223333"
        );
        assert_eq!(
            fixed["Statement"][1]["Principal"],
            serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/ops"})
        );
        assert_eq!(fixed["Statement"][1]["Condition"], serde_json::Value::Null);
        // Only the unscoped provider gets its key, alone: a GitHub token carries no gitlab.com:sub.
        // (`…IfExists` lets GitLab's tokens, which have no GitHub key, through.)
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com","arn:aws:iam::111122223333:oidc-provider/gitlab.com"]},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLikeIfExists":{"token.actions.githubusercontent.com:sub":"repo:acme/orders:*"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{fixed}");
        // GitHub's statement alone, its subject no longer `…IfExists`, which IAM's control for
        // shared providers doesn't count (and every GitHub token has a `sub`).
        assert_eq!(
            statements[0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"], "repo:acme/orders:*",
            "{fixed}"
        );
        assert_eq!(
            statements[0]["Condition"]["StringLikeIfExists"],
            serde_json::Value::Null
        );
        assert_eq!(statements[0]["Condition"]["StringEquals"], serde_json::Value::Null);
        assert_eq!(
            statements[1]["Condition"]["StringEquals"]["gitlab.com:sub"],
            "REPLACE_WITH_ALLOWED_SUBJECT"
        );
    }

    #[test]
    fn a_principal_given_the_wrong_action_gets_the_one_it_uses() {
        let github = GITHUB_PROVIDER;
        let fixed = fixed_for(
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/ops","Federated":"{github}"}},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:sub":"repo:acme/orders:ref:refs/heads/main"}}}}}}"#
            ),
            &[],
        )
        .expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{fixed}");
        assert_eq!(statements[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:role/ops");
        assert_eq!(
            statements[0]["Action"],
            serde_json::json!(["sts:AssumeRole", "sts:TagSession"])
        );
        assert_eq!(statements[1]["Principal"]["Federated"], github);
        assert_eq!(
            statements[1]["Action"],
            serde_json::json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"])
        );
        assert_eq!(
            statements[1]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
            "repo:acme/orders:ref:refs/heads/main"
        );
    }

    #[test]
    fn an_account_given_a_federation_action_is_left_out_never_granted_assume_role() {
        let github = GITHUB_PROVIDER;
        let fixed = fixed_for(
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:role/ci","Service":"ec2.amazonaws.com","Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity"}}"#
            ),
            &[],
        )
        .expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{fixed}");
        assert_eq!(
            statements[0]["Principal"],
            serde_json::json!({"Federated": github}),
            "{fixed}"
        );
        assert_eq!(statements[0]["Action"], "sts:AssumeRoleWithWebIdentity", "{fixed}");
    }

    /// An audience and a subject written the wrong way round are swapped back; a subject no token
    /// has otherwise goes for the subject to fill in.
    #[test]
    fn a_subject_no_token_has_is_swapped_with_the_audience_or_filled_in() {
        let eks = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
        let swapped = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{eks}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"{eks}:aud":"system:serviceaccount:prod:*"}},"StringEquals":{{"{eks}:sub":"sts.amazonaws.com"}}}}}}"#
        );
        let fixed = fixed_for(&swapped, &[]).expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"],
            // The pattern swapped under StringEquals is then written as one (the next round).
            serde_json::json!({"StringLike": {format!("{eks}:aud"): "sts.amazonaws.com", format!("{eks}:sub"): "system:serviceaccount:prod:*"}}),
            "{fixed}"
        );
        let unnamed = format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{eks}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{eks}:aud":"sts.amazonaws.com","{eks}:sub":"app"}}}}}}"#
        );
        let fixed = fixed_for(&unnamed, &[]).expect("a suggestion");
        let subject = &fixed["Statement"][0]["Condition"]["StringEquals"][format!("{eks}:sub")];
        assert!(subject.as_str().is_some_and(is_fill_in), "{fixed}");
        // Its start left out: written with it, not filled in.
        let started = unnamed.replace(r#":sub":"app""#, r#":sub":"prod:app""#);
        let fixed = fixed_for(&started, &[]).expect("a suggestion");
        let subject = &fixed["Statement"][0]["Condition"]["StringEquals"][format!("{eks}:sub")];
        assert_eq!(subject, "system:serviceaccount:prod:app", "{fixed}");
        // A subject as the audience's value only where it is one: a name stays out of `aud`.
        let named = unnamed.replace(
            r#":aud":"sts.amazonaws.com""#,
            r#":aud":"system:serviceaccount:prod:app""#,
        );
        let fixed = fixed_for(&named, &[]).expect("a suggestion");
        let audience = &fixed["Statement"][0]["Condition"]["StringEquals"][format!("{eks}:aud")];
        assert_eq!(audience, "system:serviceaccount:prod:app", "{fixed}");
    }

    /// `SAML:aud` written as the Audience gets the sign-in endpoint of the role's partition.
    #[test]
    fn a_saml_recipient_is_the_role_s_partition_s_endpoint() {
        let role = Role {
            arn: Some("arn:aws-cn:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap();
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws-cn:iam::111122223333:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"urn:amazon:webservices"}}}]}"#;
        let fixed = crate::evaluate(document, &role, &params)
            .suggested_policy
            .unwrap()
            .to_json();
        let fixed: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"], "https://signin.amazonaws.cn/saml",
            "{fixed}"
        );
    }

    /// A source ARN whose account is no id keeps its resource, with the account the statement
    /// names (or one to fill in) in its place: the pin doesn't give way to the whole account.
    #[test]
    fn a_source_arn_without_an_account_id_keeps_its_resource() {
        let named = r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"777788889999","aws:SourceArn":"arn:aws:sns:us-east-1:77778888999:orders-topic"}}}"#;
        let fixed = fixed_for(named, &[]).expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["StringEquals"]["aws:SourceArn"],
            "arn:aws:sns:us-east-1:777788889999:orders-topic",
            "{fixed}"
        );
        let unnamed = r#"{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:events:us-east-1:11112222333:rule/nightly"}}}"#;
        let fixed = fixed_for(unnamed, &[]).expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"],
            "arn:aws:events:us-east-1:ACCOUNT_ID:rule/nightly",
            "{fixed}"
        );
    }

    #[test]
    fn a_weak_source_arn_is_kept_beside_the_account() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::orders-bucket"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let condition = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            condition["ArnLike"]["aws:SourceArn"], "arn:aws:s3:::orders-bucket",
            "{fixed}"
        );
        assert_eq!(
            condition["StringEquals"]["aws:SourceAccount"], "111122223333",
            "{fixed}"
        );
    }

    #[test]
    fn a_weak_source_condition_naming_another_account_is_scoped_to_that_account() {
        // An SNS topic of another account: adding the role's own account would leave a grant no
        // request meets.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:us-east-1:444455556666:alerts"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let condition = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            condition["StringEquals"]["aws:SourceAccount"], "444455556666",
            "{fixed}"
        );
        assert_eq!(
            condition["ArnLikeIfExists"]["aws:SourceArn"], "arn:aws:sns:us-east-1:444455556666:alerts",
            "{fixed}"
        );
    }

    #[test]
    fn a_deny_of_principal_patterns_iam_refuses_keeps_denying_them() {
        // `role/contractor-*` is no principal IAM accepts; dropping it would let the contractors in
        // through the account's Allow.
        let allow =
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}"#;
        let deny = r#"{"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::111122223333:user/bob","arn:aws:iam::111122223333:role/contractor-*"]},"Action":"sts:AssumeRole"}"#;
        let fixed = fixed_for(&format!("{allow},{deny}"), &[]).expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        let denies: Vec<_> = statements.iter().filter(|s| s["Effect"] == "Deny").collect();
        assert_eq!(denies.len(), 2, "{fixed}");
        assert_eq!(
            denies[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:user/bob",
            "{fixed}"
        );
        assert_eq!(denies[1]["Principal"]["AWS"], "*", "{fixed}");
        assert_eq!(
            denies[1]["Condition"]["ArnLike"]["aws:PrincipalArn"], "arn:aws:iam::111122223333:role/contractor-*",
            "{fixed}"
        );
    }

    #[test]
    fn an_account_a_negated_source_condition_names_is_never_the_one_scoped_to() {
        // `ArnNotLike` names the topic kept out: the grant is scoped to the role's own account.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:999988887777:evil"},"StringLikeIfExists":{"aws:SourceAccount":"*"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let condition = &fixed["Statement"][0]["Condition"];
        assert_eq!(
            condition["StringEquals"]["aws:SourceAccount"], "111122223333",
            "{fixed}"
        );
    }

    #[test]
    fn a_deny_of_refused_patterns_keeps_its_own_conditions_and_reads_sessions_as_their_roles() {
        let allow =
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}"#;
        // Its own ArnLike aws:PrincipalArn still holds beside the patterns (both must).
        let deny = r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:role/contractor-*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*-eu"}}}"#;
        let fixed = fixed_for(&format!("{allow},{deny}"), &[]).expect("a suggestion");
        let condition = &fixed["Statement"][1]["Condition"];
        assert_eq!(
            condition["ArnLike"]["aws:PrincipalArn"], "arn:aws:iam::111122223333:role/*-eu",
            "{fixed}"
        );
        assert_eq!(
            condition["ArnEquals"]["aws:PrincipalArn"], "arn:aws:iam::111122223333:role/contractor-*",
            "{fixed}"
        );
        // A role session's aws:PrincipalArn is its role's ARN, with or without a path.
        let deny = r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/contractor/*"},"Action":"sts:AssumeRole"}"#;
        let fixed = fixed_for(&format!("{allow},{deny}"), &[]).expect("a suggestion");
        assert_eq!(
            fixed["Statement"][1]["Condition"]["ArnLike"]["aws:PrincipalArn"],
            serde_json::json!([
                "arn:aws:iam::111122223333:role/contractor",
                "arn:aws:iam::111122223333:role/*/contractor"
            ]),
            "{fixed}"
        );
    }

    #[test]
    fn no_principal_list_is_left_empty() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:*:function:old-name"}}}"#,
            &["arn:aws:lambda:us-east-1:111122223333:function:orders"],
        )
        .expect("a suggestion");
        for statement in fixed["Statement"].as_array().unwrap() {
            for (kind, principals) in statement["Principal"].as_object().expect("a principal") {
                assert!(principals.as_array().is_none_or(|p| !p.is_empty()), "{kind}: {fixed}");
            }
        }
    }

    #[test]
    fn a_not_principal_guard_keeps_its_identity_provider_out_of_the_deny() {
        let github = GITHUB_PROVIDER;
        let fixed = fixed_for(
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}},
                   {{"Effect":"Deny","NotPrincipal":{{"Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity"}}"#
            ),
            &[],
        )
        .expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "the Allow stays: {fixed}");
        assert_eq!(statements[0]["Principal"]["Federated"], github, "{fixed}");
        assert_eq!(
            statements[1]["Condition"]["Null"]["token.actions.githubusercontent.com:sub"], "true",
            "{fixed}"
        );
    }

    #[test]
    fn a_deny_written_without_a_principal_is_kept_for_everyone() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"},
               {"Effect":"Deny","Action":"sts:AssumeRole","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}"#,
            &[],
        )
        .expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "the guard stays: {fixed}");
        assert_eq!(statements[1]["Effect"], "Deny", "{fixed}");
        assert_eq!(statements[1]["Principal"]["AWS"], "*", "{fixed}");
        assert_eq!(
            statements[1]["Condition"]["BoolIfExists"]["aws:MultiFactorAuthPresent"], "false",
            "{fixed}"
        );
    }

    #[test]
    fn a_wildcard_narrowed_to_callers_of_several_accounts_trusts_those_accounts() {
        // One role to fill in would shut out the other account's ci-* roles.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::444455556666:role/ci-*","arn:aws:iam::111122223333:role/admin"]}}}"#,
            &[],
        )
        .expect("a suggestion");
        let statement = &fixed["Statement"][0];
        assert_eq!(
            statement["Principal"]["AWS"],
            serde_json::json!(["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"]),
            "{fixed}"
        );
        assert_eq!(
            statement["Condition"]["ArnLike"]["aws:PrincipalArn"][0], "arn:aws:iam::444455556666:role/ci-*",
            "the conditions keep to the callers they name: {fixed}"
        );
    }

    #[test]
    fn a_wildcard_narrowed_to_exact_principal_arns_is_as_if_it_named_them() {
        // Exact roles of any account, under `ArnEquals`, or `ArnLike` with no wildcard in its
        // value (Datadog's agentless delegate role), even after a pattern: no finding, as for the
        // roles named.
        for condition in [
            r#"{"StringEquals":{"sts:ExternalId":"ext-x"},"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/a","arn:aws:iam::444455556666:role/b"]}}"#,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/DatadogAgentlessScannerRole"}}"#,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"},"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-a"}}"#,
        ] {
            let document = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{condition}}}]}}"#
            );
            let role = Role {
                arn: Some("arn:aws:iam::111122223333:role/app".into()),
                ..Role::default()
            };
            let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW"}"#).unwrap();
            let verdict = crate::check(&document, &role, &params);
            assert!(verdict.findings.is_empty(), "{condition}: {:?}", verdict.findings);
        }
        // A pattern names no role in particular, but the roles of one account: that account,
        // still narrowed to them, as for a pattern written as the principal.
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci-*"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::444455556666:root",
            "{fixed}"
        );
    }

    #[test]
    fn a_2008_policy_s_text_that_looks_like_a_variable_stays_text() {
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let document = r#"{"Version":"2008-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:RoleSessionName":"${aws:username}"}}},
            {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc1234567"}}}]}"#;
        let fixed = crate::evaluate(document, &role, &RuleParams::default())
            .suggested_policy
            .expect("a suggestion")
            .to_json();
        assert!(fixed.contains(r#""2012-10-17""#), "{fixed}");
        assert!(fixed.contains("${$}{aws:username}"), "{fixed}");
    }

    /// Only where the text shut everyone out, on a key no value of which holds it, does the
    /// 2012-10-17 suggestion read a 2008 value as the variable it was meant to be.
    #[test]
    fn a_2008_value_that_shut_everyone_out_becomes_the_variable_meant() {
        let condition = |operator: &str, key: &str, value: &str| {
            (operator.to_owned(), vec![(key.to_owned(), vec![value.to_owned()])])
        };
        let statement = |effect: &'static str, conditions: Vec<ConditionBlock>| SuggestedStatement {
            sid: None,
            effect,
            principal: vec![("AWS", vec!["*".to_owned()])],
            not_principal: false,
            actions: vec!["sts:AssumeRole".to_owned()],
            not_action: false,
            conditions,
        };
        let mut statements = vec![
            statement(
                "Deny",
                vec![
                    condition(
                        "StringNotEqualsIfExists",
                        "aws:PrincipalAccount",
                        "${aws:ResourceAccount}",
                    ),
                    condition("StringNotEquals", "aws:PrincipalOrgID", "${AWS::AccountId}"),
                    condition(
                        "StringNotLike",
                        "aws:PrincipalArn",
                        "arn:aws:iam::*:role/${aws:PrincipalTag/team}/*",
                    ),
                ],
            ),
            statement(
                "Allow",
                vec![
                    condition("StringEquals", "aws:PrincipalAccount", "${aws:ResourceAccount}"),
                    condition("StringNotEquals", "aws:PrincipalOrgID", "${aws:ResourceOrgID}"),
                    condition("StringEquals", "aws:SourceAccount", "${*}"),
                ],
            ),
        ];
        literal_dollars(&mut statements);
        let value = |s: usize, c: usize| statements[s].conditions[c].1[0].1[0].as_str();
        assert_eq!(value(0, 0), "${aws:ResourceAccount}", "a Deny's negated comparison");
        assert_eq!(value(0, 1), "${$}{AWS::AccountId}", "a pseudo parameter is no variable");
        assert_eq!(
            value(0, 2),
            "arn:aws:iam::*:role/${$}{aws:PrincipalTag/team}/*",
            "a role's path may hold it"
        );
        assert_eq!(value(1, 0), "${aws:ResourceAccount}", "an Allow's positive comparison");
        assert_eq!(
            value(1, 1),
            "${$}{aws:ResourceOrgID}",
            "it changed nothing: kept as it worked"
        );
        assert_eq!(value(1, 2), "${$}{*}", "an escape, no variable");
    }

    #[test]
    fn a_subject_that_names_someone_is_kept_when_another_value_opens_the_provider() {
        let github = GITHUB_PROVIDER;
        let fixed = fixed_for(
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"{github}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":["repo:acme/app:ref:refs/heads/main","environment:production"]}}}}}}"#
            ),
            &[],
        )
        .expect("a suggestion");
        let condition = &fixed["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(
            condition["token.actions.githubusercontent.com:sub"], "repo:acme/app:ref:refs/heads/main",
            "{fixed}"
        );
        assert_eq!(
            condition["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com",
            "{fixed}"
        );
    }

    #[test]
    fn a_service_s_narrowed_wildcard_keeps_set_context() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Service":"application.qbusiness.amazonaws.com"},"Action":"sts:*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Action"],
            serde_json::json!([
                "sts:AssumeRole",
                "sts:TagSession",
                "sts:SetSourceIdentity",
                "sts:SetContext"
            ]),
            "{fixed}"
        );
    }

    #[test]
    fn the_placeholder_for_a_trusted_role_is_in_the_role_s_partition() {
        let role = Role {
            arn: Some("arn:aws-cn:iam::111122223333:role/app".into()),
            ..Role::default()
        };
        let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let fixed = crate::evaluate(public, &role, &RuleParams::default())
            .suggested_policy
            .expect("a suggestion")
            .to_json();
        assert!(
            fixed.contains("arn:aws-cn:iam::111122223333:role/REPLACE_WITH_TRUSTED_ROLE"),
            "{fixed}"
        );
    }

    #[test]
    fn a_not_action_statement_never_gets_the_actions_it_excluded() {
        let github = GITHUB_PROVIDER;
        let fixed = fixed_for(
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"{github}"}},"NotAction":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:sub":"repo:acme/orders:ref:refs/heads/main"}}}}}}"#
            ),
            &[],
        )
        .expect("a suggestion");
        for statement in fixed["Statement"].as_array().unwrap() {
            let actions = statement["Action"].to_string();
            assert!(
                !actions.contains("sts:TagSession") && !actions.contains("WithWebIdentity"),
                "{fixed}"
            );
        }
        // The provider's only way in was the action it excluded: IAM refuses a policy without
        // statements, so the role to fill in is what is left.
        assert!(fixed.to_string().contains("REPLACE_WITH_TRUSTED_ROLE"), "{fixed}");
    }

    #[test]
    fn a_corrected_operator_that_collides_with_a_key_gets_no_suggestion() {
        let colliding = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ops"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a"},"StringEqualz":{"aws:PrincipalTag/team":"b"}}}"#;
        assert_eq!(fixed_for(colliding, &[]), None);
    }

    #[test]
    fn narrowed_actions_keep_the_session_actions_the_wildcard_granted() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/okta"},"Action":"sts:*","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}"#,
            &[],
        )
        .expect("a suggestion");
        assert_eq!(
            fixed["Statement"][0]["Action"],
            serde_json::json!(["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"])
        );
    }

    #[test]
    fn a_deny_keeps_its_exceptions_and_sids_stay_unique() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:orders";
        let fixed = fixed_for(
            r#"{"Sid":"LambdaAssumeRole","Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}},
               {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalServiceName":"edgelambda.amazonaws.com"}}}"#,
            &[function],
        )
        .expect("a suggestion");
        let statements = fixed["Statement"].as_array().unwrap();
        let deny = statements.iter().find(|s| s["Effect"] == "Deny").unwrap();
        assert_eq!(
            deny["Condition"]["StringNotEquals"]["aws:PrincipalServiceName"],
            serde_json::json!(["edgelambda.amazonaws.com", "lambda.amazonaws.com"])
        );
        let mut sids: Vec<&str> = statements.iter().filter_map(|s| s["Sid"].as_str()).collect();
        let count = sids.len();
        sids.dedup();
        assert_eq!(sids.len(), count, "{fixed}");
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
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/ci","arn:aws:iam::444455556666:role/x"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}},
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

    #[test]
    fn a_not_principal_deny_excepts_a_role_not_its_whole_account() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ci"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}},
               {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::444455556666:role/ci","arn:aws:iam::444455556666:root","arn:aws:sts::444455556666:assumed-role/deploy/s1"]},"Action":"sts:AssumeRole"}"#,
            &[],
        )
        .expect("a suggestion");
        let deny = &fixed["Statement"][1];
        assert_eq!(
            deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"],
            "arn:aws:iam::444455556666:role/ci"
        );
        // A session's role, whatever its path (an Identity Center role's is aws-reserved/…).
        assert_eq!(
            deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
            serde_json::json!([
                "arn:aws:iam::444455556666:role/deploy",
                "arn:aws:iam::444455556666:role/*/deploy"
            ])
        );
        assert_eq!(deny["Condition"]["StringNotEquals"], serde_json::Value::Null, "{fixed}");
    }

    #[test]
    fn a_not_principal_deny_s_exceptions_join_the_deny_s_own() {
        let fixed = fixed_for(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/deploy"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}},
               {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:sts::444455556666:assumed-role/deploy/s"},"Action":"sts:AssumeRole","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/break-glass"}}}"#,
            &[],
        )
        .expect("a suggestion");
        // One key, one list: written twice, IAM might keep either.
        assert_eq!(
            fixed["Statement"][1]["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
            serde_json::json!([
                "arn:aws:iam::*:role/break-glass",
                "arn:aws:iam::444455556666:role/deploy",
                "arn:aws:iam::444455556666:role/*/deploy"
            ])
        );
        let printed = serde_json::to_string(&fixed).unwrap();
        assert_eq!(printed.matches("aws:PrincipalArn").count(), 1, "{printed}");
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
            r#"{"Statement":[{"Sid":"x","Effect":"Allow","Principal":"*","Action":["sts:*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-1111111111","o-2222222222"]},"Null":{"aws:SourceArn":"false"}}},
                {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/x","Service":"ec2.amazonaws.com"},"NotAction":"sts:TagSession"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com","CanonicalUser":"abc"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        ];
        let params = RuleParams::default();
        for document in documents {
            let subject = crate::subject_in(&role, role.read(), None);
            let verdict = crate::check(document, &role, &params);
            let fixed = suggested(
                crate::normalise::parse(document).ok().as_ref(),
                &verdict,
                &subject,
                &params,
            )
            .expect("a broken policy gets a suggestion");
            // Fixed once more without the later rounds: a policy that still has findings.
            let once = crate::normalise::parse(document)
                .ok()
                .and_then(|p| fix_once(Some(&p), &verdict.findings, &subject, true));
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
