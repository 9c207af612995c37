//! The checks: one function per question, each turning evaluation results into findings.

use std::borrow::Cow;

use crate::{
    contexts::{
        is_federation_key, is_identity_key, is_organization_key, is_source_key, sends_no_source_keys, Caller,
        RequestContext, SessionAction, SessionActions, Stranger, EDGE_LAMBDA, LAMBDA,
    },
    evaluate::{
        applies, condition_holds, conditions_hold, holds_callers_variable, names, shut_by_time, variables_filled, Tri,
    },
    findings::{Finding, FindingId, Severity},
    params::RuleParams,
    pattern::{
        arn_account, arn_fields, glob, has_variable, has_wildcard, is_account_id, is_saml_provider, matches_everything,
        names_any_account, names_nothing, strip_prefix_ignore_case,
    },
    policy::{
        covers, covers_any_assume, BaseOperator, Condition, Effect, Operator, Policy, PrincipalKind, SetQualifier,
        Statement, Version, ASSUME_ACTIONS, ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY,
    },
    role::FunctionRef,
    sources::EventSource,
    text::{text, Piece as _},
};

/// What the checks know about the role.
pub(crate) struct Subject<'r> {
    pub account: Option<&'r str>,
    pub arn: Option<&'r str>,
    pub functions: Vec<FunctionRef<'r>>,
    /// Those CloudFront runs at the edge (see [`crate::Role::edge_functions`]), also in `functions`.
    pub edge_functions: Vec<FunctionRef<'r>>,
    /// The event source mappings of those functions.
    pub event_sources: &'r [EventSource],
    /// The mappings could not be listed (see [`crate::Role::event_sources_unknown`]).
    pub event_sources_unknown: bool,
    /// Not yet accepted by IAM (a template, a plan, a file): what IAM would refuse is reported.
    pub proposed: bool,
    /// The change creates the role (see [`crate::Role::to_be_created`]).
    pub to_be_created: bool,
    /// When the role is judged ([`RuleParams::evaluated_at`]).
    pub now: Option<i64>,
    /// The role's partition (`aws` when its ARN is unknown): the one whose root ARN a bare
    /// account id in its trust policy stands for.
    pub partition: &'r str,
    /// `account` stands in for an unknown one ([`crate::Role::account_is_stand_in`]).
    pub account_is_stand_in: bool,
    /// `partition` stands in for an unknown one ([`crate::Role::partition_is_stand_in`]).
    pub partition_is_stand_in: bool,
    /// The role's tags, when they are all known ([`crate::Role::tags_known`]).
    pub role_tags: Option<crate::contexts::RoleTags<'r>>,
}

impl<'r> Subject<'r> {
    /// The role's account where it is known for sure: not a stand-in, which another account
    /// written in the policy may be the role's own.
    pub fn account_for_sure(&self) -> Option<&'r str> {
        self.account.filter(|_| !self.account_is_stand_in)
    }

    /// The role's partition where it is known for sure: its ARN is, and the partition is no
    /// stand-in (a template's role whose region is unknown).
    pub fn partition_for_sure(&self) -> Option<&'r str> {
        (self.arn.is_some() && !self.partition_is_stand_in).then_some(self.partition)
    }

    /// A function uses the role, or its trust names Lambda or Lambda@Edge.
    pub fn is_lambda_role(&self, policy: &Policy) -> bool {
        !self.functions.is_empty()
            || policy.statements.iter().any(|s| {
                s.effect == Effect::Allow && s.principals.service.iter().any(|p| p == LAMBDA || p == EDGE_LAMBDA)
            })
    }

    /// Lambda@Edge's two ways of asking for `function` at `now`: with its source keys as Lambda
    /// sends them, and with none (which keys Lambda@Edge sends is not documented).
    pub fn edge_contexts(&self, function: &FunctionRef<'r>, now: Option<i64>) -> [RequestContext<'r>; 2] {
        [false, true].map(|withholding| {
            RequestContext::edge(self.account, function.account, function.arn, withholding)
                .at(now)
                .against_proposed(self.proposed)
                .with_role_tags(self.role_tags)
        })
    }

    /// `service` assuming this role for a resource we know nothing about.
    pub fn service_context<'c>(&self, service: &'c str) -> RequestContext<'c>
    where
        'r: 'c,
    {
        RequestContext::service(service, self.account)
            .against_proposed(self.proposed)
            .with_role_tags(self.role_tags)
    }

    /// One Lambda request context per function; one with an unknown `aws:SourceArn` when none is known.
    pub fn lambda_contexts(&self) -> impl Iterator<Item = (Option<FunctionRef<'r>>, RequestContext<'r>)> + '_ {
        let unknown = self.functions.is_empty().then(|| {
            let ctx = RequestContext::lambda(self.account, None, None).at(self.now);
            (None, ctx.against_proposed(self.proposed).with_role_tags(self.role_tags))
        });
        let known = self.functions.iter().map(|f| {
            (
                Some(*f),
                RequestContext::lambda(self.account, f.account, f.arn)
                    .at(self.now)
                    .against_proposed(self.proposed)
                    .with_role_tags(self.role_tags),
            )
        });
        unknown.into_iter().chain(known)
    }
}

/// The severity of a Lambda finding that stops these mappings: CRITICAL when an enabled one
/// reads a stream whose records expire (data lost for good), HIGH otherwise.
fn severity_of_stopping(stopped: &[&EventSource]) -> Severity {
    if stopped.iter().any(|s| s.loses_data()) {
        Severity::Critical
    } else {
        Severity::High
    }
}

/// Appends what a Lambda finding stops: `; stops: …; used by a, b (+3)` naming the most important
/// event source mapping first, as a 256-character annotation keeps it.
fn write_impact<'r>(text: &mut String, stopped: &[&EventSource], functions: &[FunctionRef<'r>]) {
    text.reserve(64);
    if let Some(first) = stopped.first() {
        text.push_str("; stops: ");
        text.push_str(&first.describe());
        match stopped.len() {
            1 => {}
            2 => text.push_str(" (+1 more mapping)"),
            n => {
                text.push_str(" (+");
                (n - 1).push_to(text);
                text.push_str(" more mappings)");
            }
        }
    }
    // A function's versions (each listed, with the role) are one function: by its unqualified
    // ARN (two regions' `worker`s are two), named by its name. The first two are named.
    let key = |function: &FunctionRef<'r>| -> &'r str { function.arn.unwrap_or(function.name) };
    let mut named: Vec<(&str, &str)> = Vec::with_capacity(2);
    for function in functions {
        if named.len() == 2 {
            break;
        }
        if !named.iter().any(|(k, _)| *k == key(function)) {
            named.push((key(function), function.name));
        }
    }
    for (i, (_, name)) in named.iter().enumerate() {
        text.push_str(if i == 0 { "; used by " } else { ", " });
        text.push_str(name);
    }
    // The rest counted, sorted: a role may have tens of thousands of versions.
    let count = if functions.len() <= 2 {
        named.len()
    } else {
        let mut keys: Vec<&str> = functions.iter().map(key).collect();
        crate::order::sort_list_dedup(&mut keys);
        keys.len()
    };
    if count > 2 {
        text.push_str(" (+");
        (count - 2).push_to(text);
        text.push(')');
    }
}

/// Where the checks put what they find. A finding's text costs more than finding it, and only a
/// verdict shows it: the fixer, checking its own suggestion again, asks only what is left.
pub(crate) struct Findings {
    list: Vec<Finding>,
    render: bool,
}

impl Findings {
    fn new(render: bool) -> Self {
        Findings {
            list: Vec::new(),
            render,
        }
    }

    /// Adds a finding at its catalog severity; `text` writes its message and fix.
    pub fn add(&mut self, id: FindingId, statement: Option<usize>, text: impl FnOnce() -> (String, String)) {
        self.add_at(id.default_severity(), id, statement, text);
    }

    /// Adds a finding at `severity` (the Lambda findings' depends on what they stop).
    pub fn add_at(
        &mut self,
        severity: Severity,
        id: FindingId,
        statement: Option<usize>,
        text: impl FnOnce() -> (String, String),
    ) {
        let (message, fix) = if self.render {
            text()
        } else {
            (String::new(), String::new())
        };
        self.list.push(Finding {
            id,
            severity,
            statement,
            message,
            fix,
        });
    }

    fn has(&self, wanted: impl Fn(FindingId) -> bool) -> bool {
        self.list.iter().any(|f| wanted(f.id))
    }

    /// How many times finding `id` was reported of statement `index` at `severity` or above.
    pub(crate) fn count_at(&self, id: FindingId, index: usize, severity: Severity) -> usize {
        (self.list.iter())
            .filter(|f| f.id == id && f.statement == Some(index) && f.severity >= severity)
            .count()
    }

    /// Most severe first, then by statement.
    fn sorted(mut self) -> Vec<Finding> {
        crate::order::sort_small_by(&mut self.list, |a, b| {
            b.severity.cmp(&a.severity).then(a.statement.cmp(&b.statement)).is_lt()
        });
        self.list
    }
}

/// Every check's findings with their text, and the event source mappings the Lambda findings
/// stop, most important first.
pub(crate) fn run_with_impact(
    policy: &Policy,
    subject: &Subject,
    params: &RuleParams,
) -> (Vec<Finding>, Vec<EventSource>) {
    let mut out = Findings::new(true);
    let affected = run_into(policy, subject, params, &mut out);
    let stopped = if subject.event_sources.is_empty() {
        Vec::new()
    } else {
        crate::sources::stopped(subject.event_sources, &affected)
            .into_iter()
            .cloned()
            .collect()
    };
    (out.sorted(), stopped)
}

/// Which findings the policy has, without their text (empty messages and fixes).
pub(crate) fn remaining(policy: &Policy, subject: &Subject, params: &RuleParams) -> Vec<Finding> {
    let mut out = Findings::new(false);
    run_into(policy, subject, params, &mut out);
    out.sorted()
}

/// Runs every check; returns the functions the Lambda findings stop.
fn run_into<'s>(
    policy: &Policy,
    subject: &Subject<'s>,
    params: &RuleParams,
    out: &mut Findings,
) -> Vec<FunctionRef<'s>> {
    unknown_operators(policy, out);
    let mut affected = Vec::new();
    if subject.is_lambda_role(policy) {
        affected = lambda_trust(policy, subject, out);
        // A function kept out now is said to be; only the others can lose the role on a date
        // (one blocked beside one whose window closes). With no function known, that is said
        // only while Lambda is kept out for none.
        let some_known = !subject.functions.is_empty();
        if !out.has(|id| id == FindingId::LambdaTrustMissing) && (some_known || !out.has(FindingId::stops_lambda)) {
            lambda_trust_expiring(policy, subject, &affected, out);
        }
        lambda_extra_trust(policy, subject, out);
        lambda_edge_trust(policy, subject, out);
    }
    public_trust(policy, subject, out);
    oidc_unscoped(policy, subject, out);
    cross_account(policy, subject, out);
    confused_deputy(policy, subject, params, out);
    broad_actions(policy, out);
    dangling_principals(policy, out);
    crate::validity::run(policy, subject, out);
    affected
}

/// Whether stranger `ctx`, whom Allow `s` lets in past each of `denies` judged on its own, gets
/// in by one request: a value they choose (a tag of theirs, an external id, their principal's
/// type) is one value, the same for every statement, so two Denies may together stop every
/// choice (`Null … true` and `Null … false`; users and roles). Each value the statements name
/// for such a key is tried, its absence and one they name none of; a principal's type is one of
/// those that assume a role. Only keys of one value whose conditions compare whole values
/// (string equality, `StringLike` without wildcards but a bare `*`, or `Bool` and `Null` alone;
/// no set qualifier, variable or empty list) and
/// that no variable names: other keys keep each statement's own best choice, as before (fail
/// closed).
fn let_in_by_one_request(
    s: &Statement,
    denies: &[&Statement],
    ctx: &RequestContext,
    action: &str,
    version: Version,
) -> bool {
    use BaseOperator::{Bool, Null, StringEquals, StringLike, StringNotEquals, StringNotLike};
    // Past this many combinations, each statement's own best choice, as before: a crafted policy of many Allows and
    // Denies on many keys must not stall a sweep (the benchmark's `crafted` group).
    const MOST_TRIED: usize = 64;
    let conditions = || s.conditions.iter().chain(denies.iter().flat_map(|d| &d.conditions));
    let whole_values = |c: &Condition| match c.operator {
        Operator::Known { base, set: None, .. } => {
            let plain = |v: &Cow<str>| !has_variable(v) && !crate::validity::holds_opaque(v);
            // (An empty list's meaning is not documented.)
            !c.values.is_empty()
                && c.values.iter().all(plain)
                && match base {
                    StringEquals | StringNotEquals | Bool | Null => true,
                    // `*` matches every value the key has, the same for each one tried.
                    StringLike | StringNotLike => !c.values.iter().any(|v| v != "*" && has_wildcard(v)),
                    _ => false,
                }
        }
        Operator::Known { .. } | Operator::Unknown => false,
    };
    // A role's session or a user signs: through a service, the caller is the service.
    // (A bare `"*"` or a NotPrincipal lets in services too, whose type is neither.)
    let signed_by_principal = action == ASSUME_ROLE
        && !s.principals.bare_wildcard
        && !s.principals.negated
        && matches!(ctx.caller, crate::contexts::Caller::Stranger(stranger) if !stranger.via_service);
    // The keys a Deny reads that the stranger chooses, each with the values to try.
    let mut keys: Vec<(&str, Vec<Option<&str>>)> = Vec::new();
    for c in denies.iter().flat_map(|d| &d.conditions) {
        let key = c.key.as_ref();
        // A value tried stands in for every other only where none holds a variable of the key
        // (`${aws:PrincipalTag/acct}` is the stranger's own account when they so tag).
        let named_by_variable = || {
            conditions()
                .flat_map(|c| &c.values)
                .flat_map(|v| crate::evaluate::variable_names(v))
                .any(|name| name.eq_ignore_ascii_case(key))
        };
        if keys.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
            || !is_single_valued_request_key(key)
            || ctx.value(key) != crate::contexts::KeyValue::CallerChosen
            || named_by_variable()
        {
            continue;
        }
        let on_key = || conditions().filter(|c| c.key.eq_ignore_ascii_case(key));
        if !on_key().all(whole_values) {
            continue;
        }
        let base_is = |c: &Condition, bases: &[BaseOperator]| matches!(c.operator, Operator::Known { base, .. } if bases.contains(&base));
        // `Bool` ignores case, the string operators don't: `TRUE` meets one and not the other,
        // which no value tried stands for. Such a key is left to each statement's own choice.
        let mixed = on_key().any(|c| base_is(c, &[Bool])) && !on_key().all(|c| base_is(c, &[Bool, Null]));
        let tried: Vec<Option<&str>> = if key.eq_ignore_ascii_case("aws:PrincipalType") {
            if !signed_by_principal {
                continue;
            }
            crate::validity::CALLER_TYPES.iter().map(|t| Some(*t)).collect()
        } else if mixed {
            continue;
        } else if on_key().all(|c| base_is(c, &[Bool, Null])) {
            // `Bool` compares text ignoring case: every spelling of a value is one value to it,
            // and a value a statement names (`yes`) is a tag's to hold. AWS's own flags hold
            // `true` or `false` only.
            let flag = BOOLEAN_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key));
            let mut tried = vec![None, Some("true"), Some("false")];
            if !flag {
                tried.push(Some(NAMED_BY_NONE));
                for v in on_key().filter(|c| base_is(c, &[Bool])).flat_map(|c| &c.values) {
                    if v == NAMED_BY_NONE {
                        tried.clear();
                        break;
                    }
                    if !tried.iter().flatten().any(|t| t.eq_ignore_ascii_case(v)) {
                        tried.push(Some(v.as_ref()));
                    }
                }
                if tried.is_empty() {
                    continue;
                }
            }
            tried
        } else {
            let named = on_key().filter(|c| !base_is(c, &[Null]));
            let mut tried: Vec<Option<&str>> = vec![None, Some(NAMED_BY_NONE)];
            for v in named.flat_map(|c| &c.values) {
                if v == NAMED_BY_NONE {
                    // Not apart from the values named: the key keeps the old reading.
                    tried.clear();
                    break;
                }
                if !tried.contains(&Some(v.as_ref())) {
                    tried.push(Some(v.as_ref()));
                }
            }
            if tried.is_empty() {
                continue;
            }
            tried
        };
        keys.push((key, tried));
    }
    let combinations = keys.iter().try_fold(1usize, |n, (_, tried)| n.checked_mul(tried.len()));
    if keys.is_empty() || combinations.is_none_or(|n| n > MOST_TRIED) {
        return true;
    }
    let mut at = vec![0usize; keys.len()];
    loop {
        let chosen: Vec<(&str, Option<&str>)> = (keys.iter().zip(&at))
            .filter_map(|((k, tried), &i)| Some((*k, *tried.get(i)?)))
            .collect();
        let request = ctx.choosing(&chosen);
        let denied = (denies.iter()).fold(Tri::False, |acc, d| acc.or(applies(d, &request, action, version)));
        if conditions_hold(&s.conditions, &request, version) == Tri::True && denied == Tri::False {
            return true;
        }
        // The next combination, as an odometer turns: the first wheel not at its end moves on,
        // the ones before it back to their start.
        let mut turned = false;
        for (wheel, (_, tried)) in at.iter_mut().zip(&keys) {
            if *wheel + 1 < tried.len() {
                *wheel += 1;
                turned = true;
                break;
            }
            *wheel = 0;
        }
        if !turned {
            return false;
        }
    }
}

/// A value no statement names, for a key the caller chooses ([`let_in_by_one_request`]): a
/// character no policy value has keeps it apart from all of them.
const NAMED_BY_NONE: &str = "\u{1}";

/// Keys AWS sends as `true` or `false` (a tag may hold any text).
const BOOLEAN_KEYS: [&str; 4] = [
    "aws:MultiFactorAuthPresent",
    "aws:SecureTransport",
    "aws:ViaAWSService",
    "aws:PrincipalIsAWSService",
];

/// Whether a request holds at most one value of `key`: those a stranger chooses
/// ([`is_single_valued_request_key`]), who they are and where they call from, a token's subject.
fn holds_one_value(key: &str) -> bool {
    let named = [
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:userid",
        "aws:username",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
    ];
    is_single_valued_request_key(key)
        || named.iter().any(|k| k.eq_ignore_ascii_case(key))
        || (key.rsplit_once(':'))
            .is_some_and(|(_, claim)| claim.eq_ignore_ascii_case("sub") && key_issuer(key).is_some())
}

/// Whether a request holds at most one value of `key`, which a stranger chooses or AWS sets for
/// them: their principal's tags and the session's, the external id, session name and source
/// identity, their principal's type, their user agent, MFA, the transport and AWS's own flags. Not keys of several values (`aws:TagKeys`,
/// `sts:TransitiveTagKeys`) nor a token's claims, which may be lists.
fn is_single_valued_request_key(key: &str) -> bool {
    let prefixed = |prefix: &str| strip_prefix_ignore_case(key, prefix).is_some_and(|rest| !rest.is_empty());
    prefixed("aws:PrincipalTag/")
        || prefixed("aws:RequestTag/")
        || BOOLEAN_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        || [
            "sts:ExternalId",
            "sts:RoleSessionName",
            "sts:SourceIdentity",
            "aws:PrincipalType",
            "aws:UserAgent",
        ]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

/// The fix text that every Lambda finding shares.
fn lambda_statement_fix(account: Option<&str>) -> String {
    text!(
        "allow {\"Service\": \"",
        LAMBDA,
        "\"} the action sts:AssumeRole with the condition StringEquals aws:SourceAccount = ",
        account.unwrap_or("your account id")
    )
}

/// IAM rejects unknown condition operators; a policy that has one is not valid grammar.
fn unknown_operators(policy: &Policy, out: &mut Findings) {
    for (index, statement) in policy.statements.iter().enumerate() {
        if let Some(c) = statement.conditions.iter().find(|c| c.operator == Operator::Unknown) {
            out.add(FindingId::PolicyUnparseable, Some(index), || (
                text!("statement ", index, ": `", c.operator_text, "` is not an IAM condition operator"),
                "use an operator IAM documents (StringEquals, ArnLike, ...), with an optional IfExists suffix and ForAnyValue:/ForAllValues: prefix".into(),
            ));
        }
    }
}

fn lambda_statements<'p, 'a>(policy: &'p Policy<'a>) -> impl Iterator<Item = (usize, &'p Statement<'a>)> {
    policy.statements.iter().enumerate().filter(|(_, s)| {
        s.effect == Effect::Allow
            && names(&s.principals, Caller::Service(LAMBDA), Effect::Allow)
            && covers(&s.actions, ASSUME_ROLE)
    })
}

/// Why Lambda@Edge can't assume the role for a function CloudFront runs at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKeptOut {
    /// No Allow names `edgelambda.amazonaws.com` with `sts:AssumeRole`.
    NotNamed,
    /// Each Allow that does has a condition that is false (the first such statement).
    Conditions(usize),
    /// A Deny stops it.
    Denied(usize),
}

/// Whether Lambda@Edge is kept out for some function CloudFront runs at the edge, why (for the
/// first such function), and the functions it is kept out for. Kept out only when it is so
/// whether Lambda@Edge sends the function's source keys or none: which it does is not documented.
pub(crate) fn edge_kept_out<'s>(policy: &Policy, subject: &Subject<'s>) -> Option<(EdgeKeptOut, Vec<FunctionRef<'s>>)> {
    edge_kept_out_at(policy, subject, subject.now)
}

/// [`edge_kept_out`] at the moment `now`.
fn edge_kept_out_at<'s>(
    policy: &Policy,
    subject: &Subject<'s>,
    now: Option<i64>,
) -> Option<(EdgeKeptOut, Vec<FunctionRef<'s>>)> {
    if subject.edge_functions.is_empty() {
        return None;
    }
    let grants = || {
        (policy.statements.iter().enumerate()).filter(|(_, s)| {
            s.effect == Effect::Allow
                && names(&s.principals, Caller::Service(EDGE_LAMBDA), Effect::Allow)
                && covers(&s.actions, ASSUME_ROLE)
        })
    };
    if grants().next().is_none() {
        return Some((EdgeKeptOut::NotNamed, subject.edge_functions.clone()));
    }
    let mut why = None;
    let mut kept_out = Vec::new();
    for function in &subject.edge_functions {
        // The reason in the first way of asking; let in by either, it is not kept out.
        let mut reason = None;
        let let_in = subject.edge_contexts(function, now).into_iter().any(|ctx| {
            let granted = grants().find(|(_, s)| conditions_hold(&s.conditions, &ctx, policy.version) != Tri::False);
            let found = match (granted, deny_of_lambda(policy, &ctx)) {
                (Some(_), None) => return true,
                (_, Some(deny)) => EdgeKeptOut::Denied(deny),
                (None, None) => EdgeKeptOut::Conditions(grants().next().map_or(0, |(index, _)| index)),
            };
            reason.get_or_insert(found);
            false
        });
        if !let_in {
            why = why.or(reason);
            kept_out.push(*function);
        }
    }
    why.map(|why| (why, kept_out))
}

/// Whether Deny `s` stops Lambda@Edge for some function CloudFront runs at the edge, in either
/// way of asking.
pub(crate) fn denies_edge(s: &Statement, policy: &Policy, subject: &Subject) -> bool {
    s.effect == Effect::Deny
        && (subject.edge_functions.iter())
            .flat_map(|function| subject.edge_contexts(function, subject.now))
            .any(|ctx| denies_lambda_in(s, &ctx, policy.version))
}

/// CloudFront runs functions that use the role at the edge, and Lambda@Edge can't assume it.
fn lambda_edge_trust(policy: &Policy, subject: &Subject, out: &mut Findings) {
    let Some((why, functions)) = edge_kept_out(policy, subject) else {
        return;
    };
    let statement = match why {
        EdgeKeptOut::NotNamed => None,
        EdgeKeptOut::Conditions(index) | EdgeKeptOut::Denied(index) => Some(index),
    };
    out.add(FindingId::LambdaEdgeTrustMissing, statement, || {
        let mut message = match why {
            EdgeKeptOut::NotNamed => text!("no statement allows ", EDGE_LAMBDA, " sts:AssumeRole"),
            EdgeKeptOut::Conditions(index) => text!(
                "statement ",
                index,
                " allows ",
                EDGE_LAMBDA,
                " only under conditions that are false when it assumes the role"
            ),
            EdgeKeptOut::Denied(index) => text!("Deny statement ", index, " stops ", EDGE_LAMBDA),
        };
        message.push_str(
            ", and CloudFront runs the role's functions at the edge (Lambda@Edge): it refuses to associate them, and an association made before answers viewers 502",
        );
        write_impact(&mut message, &[], &functions);
        let fix = match why {
            EdgeKeptOut::Denied(index) => text!(
                "narrow Deny statement ",
                index,
                " so that it does not match Lambda@Edge (StringNotEquals aws:PrincipalServiceName = ",
                EDGE_LAMBDA,
                ")"
            ),
            _ => text!(
                "allow {\"Service\": \"",
                EDGE_LAMBDA,
                "\"} the action sts:AssumeRole beside Lambda, without conditions"
            ),
        };
        (message, fix)
    });
}

/// The Lambda findings; returns the functions they stop.
fn lambda_trust<'s>(policy: &Policy, subject: &Subject<'s>, out: &mut Findings) -> Vec<FunctionRef<'s>> {
    let fix = || lambda_statement_fix(subject.account);
    let mut lambda_finding = |id, statement, affected: &[FunctionRef], text: &dyn Fn() -> (String, String)| {
        let stopped = crate::sources::stopped(subject.event_sources, affected);
        let severity = if subject.event_sources_unknown {
            Severity::Critical
        } else {
            severity_of_stopping(&stopped)
        };
        out.add_at(severity, id, statement, || {
            let (mut message, fix) = text();
            if subject.event_sources_unknown {
                message.push_str("; its functions' event source mappings could not be listed");
            }
            write_impact(&mut message, &stopped, affected);
            (message, fix)
        });
    };
    let missing = lambda_statements(policy).next().is_none();
    if missing {
        let why = why_lambda_missing(policy);
        lambda_finding(
            FindingId::LambdaTrustMissing,
            why.statement(),
            &subject.functions,
            &|| (why.message(), fix()),
        );
    }
    let mut blocked: Vec<FunctionRef> = Vec::new();
    let mut blocking: Option<(usize, &Statement, RequestContext)> = None;
    let mut denied: Vec<FunctionRef> = Vec::new();
    let mut denying: Option<usize> = None;
    for (function, ctx) in subject.lambda_contexts() {
        let mut allow = Tri::False;
        let mut first_false = None;
        for (index, statement) in lambda_statements(policy) {
            let holds = conditions_hold(&statement.conditions, &ctx, policy.version);
            allow = allow.or(holds);
            if holds == Tri::False && first_false.is_none() {
                first_false = Some((index, statement));
            }
        }
        if allow == Tri::False {
            if let Some((index, statement)) = first_false {
                blocked.extend(function);
                blocking.get_or_insert((index, statement, ctx));
            }
        }
        if let Some(index) = deny_of_lambda(policy, &ctx) {
            denied.extend(function);
            denying.get_or_insert(index);
        }
    }
    if let Some((index, statement, ctx)) = blocking {
        lambda_finding(FindingId::LambdaTrustConditionBlocks, Some(index), &blocked, &|| {
            let false_condition = first_false_condition(statement, &ctx, policy.version);
            let condition = false_condition.map_or_else(|| "its conditions hold".into(), describe_condition);
            // A grant pinned to some functions stays pinned, as the suggested policy keeps it:
            // the others are added to it, when nothing else keeps them out.
            let only_false = statement
                .conditions
                .iter()
                .filter(|c| condition_holds(c, &ctx, policy.version) == Tri::False)
                .count()
                == 1;
            let pins = only_false
                && false_condition.is_some_and(|c| c.key.eq_ignore_ascii_case("aws:SourceArn"))
                && pinned_functions(policy, subject).is_some();
            let arns: Option<Vec<&str>> = blocked.iter().map(|f| f.arn).collect();
            // An organization id or path none has (`O-ABC123DEFG`) is the slip to point at.
            let organization_slip = false_condition.filter(|c| crate::organizations::holds_for_no_request(c));
            // A `*` under StringEquals is compared as written: the pattern it was meant as is
            // ArnLike's, as the suggested policy writes it.
            let literal_star = false_condition.is_some_and(|c| {
                matches!(
                    c.operator,
                    Operator::Known {
                        base: BaseOperator::StringEquals,
                        ..
                    }
                ) && c.values.iter().any(|v| has_wildcard(v))
            });
            let fix = match arns.filter(|arns| pins && !arns.is_empty()) {
                Some(arns) if literal_star => text!(
                    "write that condition with ArnLike (StringEquals compares its * as written) and add ",
                    arns.join(", "),
                    " to its values"
                ),
                Some(arns) => text!("add ", arns.join(", "), " to the values of that condition"),
                // An organization id or path with a slip: what was meant, as the other way.
                None => match organization_slip {
                    Some(c) => text!(
                        "remove that condition; ",
                        fix(),
                        " (or ",
                        crate::organizations::fix_text(c, index),
                        ")"
                    ),
                    None => text!("remove that condition; ", fix()),
                },
            };
            let why = match organization_slip {
                Some(_) => ", which no request meets: no organization's id or path is written so",
                None => ", which is false when Lambda assumes the role",
            };
            (
                text!("statement ", index, " allows Lambda only if ", condition, why),
                fix,
            )
        });
    }
    if let Some(index) = denying {
        lambda_finding(FindingId::LambdaTrustDenied, Some(index), &denied, &|| {
            // As the suggested policy spares them: when every function that uses the role has
            // an ARN to add.
            let arns: Option<Vec<&str>> = denied.iter().map(|f| f.arn).collect();
            let every_arn_known = subject.functions.iter().all(|f| f.arn.is_some());
            let exception = function_exception(&policy.statements[index]).filter(|_| every_arn_known);
            let fix = match (exception, arns.filter(|arns| !arns.is_empty())) {
                (Some(c), Some(arns)) => text!(
                    "add ",
                    arns.join(", "),
                    " to the values of ",
                    c.operator_text,
                    " ",
                    c.key,
                    " in Deny statement ",
                    index
                ),
                _ => text!(
                    "narrow Deny statement ",
                    index,
                    " so that it does not match Lambda (for example add StringNotEquals aws:PrincipalServiceName = ",
                    LAMBDA,
                    ")"
                ),
            };
            (
                text!(
                    "Deny statement ",
                    index,
                    " stops lambda.amazonaws.com from assuming the role"
                ),
                fix,
            )
        });
    }
    if missing {
        return subject.functions.clone();
    }
    for d in denied {
        if !blocked.iter().any(|b| b.name == d.name && b.arn == d.arn) {
            blocked.push(d);
        }
    }
    blocked
}

/// How far ahead a time condition that ends Lambda's trust is reported.
const EXPIRY_WARNING_SECS: i64 = 30 * 86_400;

/// Lambda can assume the role now, but a time condition keeps it out from a moment within
/// [`EXPIRY_WARNING_SECS`]: the silent failure, on a date. Looked for at each second a time
/// condition changes (the second its value falls in, and the next), earliest first.
fn lambda_trust_expiring(policy: &Policy, subject: &Subject, kept_out_now: &[FunctionRef], out: &mut Findings) {
    let Some(now) = subject.now else { return };
    let horizon = now.saturating_add(EXPIRY_WARNING_SECS);
    let mut moments: Vec<i64> = policy
        .statements
        .iter()
        .flat_map(|s| &s.conditions)
        .filter(|c| crate::contexts::is_time_key(&c.key))
        .flat_map(|c| c.values.iter().filter_map(|v| crate::time::second_of(v)))
        .flat_map(|t| [t, t.saturating_add(1)])
        .filter(|t| (now.saturating_add(1)..=horizon).contains(t))
        .collect();
    crate::order::sort_small_dedup(&mut moments);
    // Lambda's, and Lambda@Edge's (for a role CloudFront runs at the edge), each the first
    // moment it comes; Lambda@Edge's not again where Lambda's names its statement.
    let mut lambda_said: Option<usize> = None;
    let mut edge_said = subject.edge_functions.is_empty();
    let mut edge_said_at: Option<usize> = None;
    for at in moments {
        if lambda_said.is_some() && edge_said {
            break;
        }
        let mut stopped_by = None;
        let mut stopped = Vec::new();
        let kept_out_already = |f: &Option<FunctionRef>| {
            f.is_some_and(|f| kept_out_now.iter().any(|k| k.name == f.name && k.arn == f.arn))
        };
        for (function, ctx) in
            (subject.lambda_contexts()).filter(|(function, _)| lambda_said.is_none() && !kept_out_already(function))
        {
            // Kept out from `at` on, not for that second alone (`DateNotEquals`): a moment that
            // passes stops nothing. By the grant that let it in the second before: the one whose
            // window closes then.
            let kept_out =
                |moment: i64| lambda_kept_out(policy, &ctx.at(Some(at.saturating_sub(1))), &ctx.at(Some(moment)));
            if let Some(index) = kept_out(at).filter(|_| kept_out(at.saturating_add(1)).is_some()) {
                stopped_by.get_or_insert(index);
                stopped.extend(function);
            }
        }
        // Said already by Lambda@Edge's, in the same statement.
        if let Some(index) = stopped_by.filter(|index| edge_said_at == Some(*index)) {
            lambda_said = Some(index);
        }
        if let Some(index) = stopped_by.filter(|_| lambda_said.is_none()) {
            lambda_said = Some(index);
            let mappings = crate::sources::stopped(subject.event_sources, &stopped);
            out.add(FindingId::LambdaTrustExpiring, Some(index), || {
                let days = (at - now).div_euclid(86_400);
                let mut message = format!(
                    "Lambda can assume this role now, but not from {} (in {days} day(s)): a time condition in statement {index} keeps it out",
                    crate::time::format_time(at)
                );
                write_impact(&mut message, &mappings, &stopped);
                let statement = &policy.statements[index];
                let edge_too = !subject.edge_functions.is_empty()
                    && names(&statement.principals, Caller::Service(EDGE_LAMBDA), statement.effect);
                let fix = match statement.effect {
                    Effect::Allow => text!("remove the time condition from statement ", index),
                    Effect::Deny if edge_too => text!(
                        "narrow Deny statement ",
                        index,
                        " so that it does not match Lambda or Lambda@Edge"
                    ),
                    Effect::Deny => text!("narrow Deny statement ", index, " so that it does not match Lambda"),
                };
                (message, fix)
            });
        }
        if !edge_said {
            edge_said_at = edge_trust_expiring(policy, subject, now, at, lambda_said, out);
            edge_said = edge_said_at.is_some();
        }
    }
}

/// Lambda@Edge can assume the role `now` but is kept out from `at` on (and the second after):
/// reported as Lambda's trust expiring is, naming Lambda@Edge. The statement it was said of.
fn edge_trust_expiring(
    policy: &Policy,
    subject: &Subject,
    now: i64,
    at: i64,
    lambda_said: Option<usize>,
    out: &mut Findings,
) -> Option<usize> {
    let kept_out = |moment: i64| edge_kept_out_at(policy, subject, Some(moment));
    if subject.edge_functions.is_empty() || edge_kept_out_at(policy, subject, Some(now)).is_some() {
        return None;
    }
    let (Some((why, functions)), Some(_)) = (kept_out(at), kept_out(at.saturating_add(1))) else {
        return None;
    };
    let index = match why {
        EdgeKeptOut::Denied(index) => index,
        // The grant that lets it in until then and not from then: the one whose window closes.
        EdgeKeptOut::Conditions(first) => {
            let [ctx, _] = subject.edge_contexts(functions.first()?, None);
            let holds =
                |s: &Statement, moment: i64| conditions_hold(&s.conditions, &ctx.at(Some(moment)), policy.version);
            (policy.statements.iter().enumerate())
                .find(|(_, s)| {
                    s.effect == Effect::Allow
                        && names(&s.principals, Caller::Service(EDGE_LAMBDA), Effect::Allow)
                        && holds(s, at.saturating_sub(1)) != Tri::False
                        && holds(s, at) == Tri::False
                })
                .map_or(first, |(index, _)| index)
        }
        EdgeKeptOut::NotNamed => return None,
    };
    // Said already, by Lambda's own expiry in the same statement.
    if lambda_said == Some(index) {
        return Some(index);
    }
    out.add(FindingId::LambdaTrustExpiring, Some(index), || {
        let days = (at - now).div_euclid(86_400);
        let mut message = format!(
            "Lambda@Edge can assume this role now, but not from {} (in {days} day(s)): a time condition in statement {index} keeps it out, and CloudFront runs the role's functions at the edge",
            crate::time::format_time(at)
        );
        write_impact(&mut message, &[], &functions);
        let fix = match policy.statements[index].effect {
            Effect::Allow => text!("remove the time condition from statement ", index),
            Effect::Deny => text!("narrow Deny statement ", index, " so that it does not match Lambda@Edge"),
        };
        (message, fix)
    });
    Some(index)
}

/// The statement that keeps Lambda out `later` though not `now` (two contexts of one request): a
/// Deny that applies then, or, when no Lambda statement holds then, the first that holds now.
fn lambda_kept_out(policy: &Policy, now: &RequestContext, later: &RequestContext) -> Option<usize> {
    if let Some(deny) = deny_of_lambda(policy, later) {
        return Some(deny);
    }
    let mut allow = Tri::False;
    let mut ended = None;
    for (index, statement) in lambda_statements(policy) {
        let holds_later = conditions_hold(&statement.conditions, later, policy.version);
        allow = allow.or(holds_later);
        if ended.is_none() && conditions_hold(&statement.conditions, now, policy.version) != Tri::False {
            ended = Some(index);
        }
    }
    ended.filter(|_| allow == Tri::False)
}

/// The first Deny that applies to Lambda's request `ctx`.
fn deny_of_lambda(policy: &Policy, ctx: &RequestContext) -> Option<usize> {
    policy
        .statements
        .iter()
        .position(|s| s.effect == Effect::Deny && denies_lambda_in(s, ctx, policy.version))
}

/// Whether Deny `s` stops Lambda in `ctx`: it covers `sts:AssumeRole` (failing closed, may cover
/// it, when a template leaves its actions undetermined), names Lambda, and its conditions hold.
pub(crate) fn denies_lambda_in(s: &Statement, ctx: &RequestContext, version: Version) -> bool {
    s.actions.may_cover(ASSUME_ROLE) && crate::evaluate::applies_to_caller(s, ctx, version) == Tri::True
}

/// The function ARNs (patterns) the Lambda grants pin `aws:SourceArn` to, with those of the
/// functions that use the role: `None` when a grant lets every function of its account in (no
/// pin, or a value that is not a whole function ARN: `arn:aws:lambda:eu-west-1:111122223333:*`
/// lets functions in that may not be known here), or a function is known only by name. The
/// author narrowed the trust to some functions; a fix that lets the rest of the account in would
/// loosen it, and one that drops a value would shut functions out.
pub(crate) fn pinned_functions(policy: &Policy, subject: &Subject) -> Option<Vec<String>> {
    use BaseOperator::*;
    let mut pinned: Vec<String> = Vec::new();
    let mut grants = 0;
    for (_, s) in lambda_statements(policy) {
        grants += 1;
        let before = pinned.len();
        for c in s
            .conditions
            .iter()
            .filter(|c| c.key.eq_ignore_ascii_case("aws:SourceArn"))
        {
            // A set qualifier reads the one source ARN Lambda sends as the plain operator does.
            let Operator::Known { base, .. } = c.operator else {
                continue;
            };
            if !matches!(base, ArnLike | ArnEquals | StringEquals | StringLike) {
                continue;
            }
            // A `*` under StringEquals, compared as written, was meant as the pattern it is
            // carried as (ArnLike), as the fix writes such a slip for other services: pinned to
            // it, the grant stays far narrower than the account it would fall back to.
            if !c.values.iter().all(|v| is_function_arn(v)) {
                return None;
            }
            pinned.extend(c.values.iter().map(|v| v.to_string()));
        }
        if pinned.len() == before {
            return None;
        }
    }
    if grants == 0 {
        return None;
    }
    for function in &subject.functions {
        pinned.push(function.arn?.to_owned());
    }
    crate::order::sort_list_dedup(&mut pinned);
    Some(pinned)
}

/// The condition by which a Deny spares the functions it names (`ArnNotLike aws:SourceArn` with
/// function ARNs): a function it stops is spared by adding its ARN there, not by sparing every
/// function of the account. Each value added makes the condition, and so the Deny, false for it.
pub(crate) fn function_exception<'p, 'a>(deny: &'p Statement<'a>) -> Option<&'p Condition<'a>> {
    use BaseOperator::*;
    deny.conditions.iter().find(|c| {
        c.key.eq_ignore_ascii_case("aws:SourceArn")
            && matches!(
                c.operator,
                Operator::Known {
                    base: ArnNotLike | ArnNotEquals | StringNotEquals | StringNotLike,
                    set: None,
                    ..
                }
            )
            && c.values.iter().any(|v| is_function_arn(v))
    })
}

/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`, fields possibly wildcards.
pub(crate) fn is_function_arn(text: &str) -> bool {
    matches!(arn_fields::<7>(text), Some(["arn", _, "lambda", _, _, "function", _]))
}

/// Why Lambda can't assume the role, pointing at the statement that nearly made it.
enum LambdaMissing<'p> {
    /// A misspelt principal (` Lambda.amazonaws.com`), which IAM does not match.
    Misspelt { statement: usize, written: &'p str },
    /// Lambda is named without `sts:AssumeRole`.
    NoAssumeRole { statement: usize },
    /// Only Lambda@Edge is trusted.
    EdgeOnly { statement: usize },
    /// Lambda is named nowhere.
    NotNamed,
}

impl LambdaMissing<'_> {
    fn statement(&self) -> Option<usize> {
        match *self {
            LambdaMissing::Misspelt { statement, .. }
            | LambdaMissing::NoAssumeRole { statement }
            | LambdaMissing::EdgeOnly { statement } => Some(statement),
            LambdaMissing::NotNamed => None,
        }
    }
}

impl LambdaMissing<'_> {
    fn message(&self) -> String {
        match *self {
            LambdaMissing::Misspelt { statement, written } => format!(
                "statement {statement} names {written:?}, which IAM does not match; lambda.amazonaws.com can't assume this role"
            ),
            LambdaMissing::NoAssumeRole { statement } => text!(
                "statement ",
                statement,
                " names lambda.amazonaws.com but does not allow sts:AssumeRole"
            ),
            LambdaMissing::EdgeOnly { .. } => {
                "only edgelambda.amazonaws.com is trusted; lambda.amazonaws.com can't assume this role".to_owned()
            }
            LambdaMissing::NotNamed => "lambda.amazonaws.com can't assume this role".to_owned(),
        }
    }
}

fn why_lambda_missing<'p>(policy: &'p Policy) -> LambdaMissing<'p> {
    for (index, s) in policy.statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        if let Some(near) = s
            .principals
            .service
            .iter()
            .find(|p| p.trim().eq_ignore_ascii_case(LAMBDA) && *p != LAMBDA)
        {
            return LambdaMissing::Misspelt {
                statement: index,
                written: near,
            };
        }
        if s.principals.service.iter().any(|p| p == LAMBDA) && !covers(&s.actions, ASSUME_ROLE) {
            return LambdaMissing::NoAssumeRole { statement: index };
        }
    }
    let edge_only = policy
        .statements
        .iter()
        .position(|s| s.effect == Effect::Allow && s.principals.service.iter().any(|p| p == EDGE_LAMBDA));
    match edge_only {
        Some(statement) => LambdaMissing::EdgeOnly { statement },
        None => LambdaMissing::NotNamed,
    }
}

/// The first of the statement's conditions that is false in the context.
pub(crate) fn first_false_condition<'p>(
    statement: &'p Statement,
    ctx: &RequestContext,
    version: Version,
) -> Option<&'p Condition<'p>> {
    statement
        .conditions
        .iter()
        .find(|c| condition_holds(c, ctx, version) == Tri::False)
}

/// `StringEquals aws:SourceAccount 111122223333 or 444455556666`.
pub(crate) fn describe_condition(c: &Condition) -> String {
    // A value with a space at either end is quoted: the space may be the slip that breaks it.
    if c.values.iter().any(|v| v.trim() != v.as_ref() || v.is_empty()) {
        let quoted: Vec<String> = c.values.iter().map(|v| text!("\"", v, "\"")).collect();
        return text!(c.operator_text, " ", c.key, " ", quoted.join(" or "));
    }
    text!(c.operator_text, " ", c.key, " ", c.values.join(" or "))
}

fn lambda_extra_trust(policy: &Policy, subject: &Subject, out: &mut Findings) {
    for (index, s) in policy.statements.iter().enumerate() {
        let extra = extra_principals(policy, s, subject);
        let Some(&(_, first)) = extra.first() else {
            continue;
        };
        // A service may be using the role now (API Gateway's integration credentials on the
        // function's own role, as Zappa writes it): its own role comes first, or it stops.
        let only_services = extra.iter().all(|&(kind, _)| kind == PrincipalKind::Service);
        out.add(FindingId::LambdaRoleExtraTrust, Some(index), || {
            // Two named, the rest counted: the annotation has room for 256 characters.
            let (comma, second) = extra.get(1).map_or(("", ""), |&(_, p)| (", ", p));
            let more = match extra.len().saturating_sub(2) {
                0 => String::new(),
                n => text!(" (+", n, ")"),
            };
            let fix = match only_services {
                true => text!(
                    "give ",
                    first,
                    comma,
                    second,
                    more,
                    " a role of their own, then remove them from statement ",
                    index
                ),
                false => text!(
                    "remove ",
                    first,
                    comma,
                    second,
                    more,
                    " from statement ",
                    index,
                    " and give them a role of their own"
                ),
            };
            (
                text!(
                    "this Lambda execution role also trusts ",
                    first,
                    comma,
                    second,
                    more,
                    " in statement ",
                    index
                ),
                fix,
            )
        });
    }
}

/// The principals of Allow statement `s` of a Lambda execution role that
/// `LAMBDA_ROLE_EXTRA_TRUST` reports: whoever it lets in besides Lambda, Lambda@Edge and the role
/// itself.
fn extra_principals<'p>(policy: &Policy, s: &'p Statement, subject: &Subject) -> Vec<(PrincipalKind, &'p str)> {
    if s.effect != Effect::Allow || s.principals.negated || !covers_any_assume(&s.actions) {
        return Vec::new();
    }
    // A role no function uses that names Lambda beside another service (API Gateway's
    // integration role, as its guide writes it) is that service's too: only a person, an
    // account or a provider is extra there. Once functions use it, every other is.
    let shared_with_a_service = |kind: PrincipalKind| subject.functions.is_empty() && kind == PrincipalKind::Service;
    let named =
        (s.principals.entries()).filter(|&(kind, p)| !is_extra_allowed(p, subject.arn) && !shared_with_a_service(kind));
    // The roles and users a wildcard is pinned to are as named (a wildcard in the partition or
    // region names the same one, the role itself included); a root's or a session's ARN is no
    // caller's aws:PrincipalArn that can assume a role, nor one of another partition.
    let of_another_partition = |p: &str| {
        (subject.partition_for_sure()).is_some_and(|partition| crate::pattern::of_another_partition(p, true, partition))
    };
    let is_role_or_user = |p: &str| {
        arn_fields::<6>(p).is_some_and(|fields| fields[5].starts_with("role/") || fields[5].starts_with("user/"))
            && !of_another_partition(p)
    };
    let pinned = (s.principals.aws.iter().any(|p| names_any_account(p)))
        .then(|| pinned_principals(s, subject.account_for_sure()))
        .flatten()
        .unwrap_or_default()
        .iter()
        .map(|p| (PrincipalKind::Aws, p.as_ref()))
        .filter(|&(_, p)| {
            is_account_id(p) || (!subject.arn.is_some_and(|own| crate::pattern::arn_like(p, own)) && is_role_or_user(p))
        });
    let mut extra: Vec<_> = named.chain(pinned).collect();
    // The costlier tests only when someone besides Lambda is named (most statements of a Lambda
    // execution role name Lambda alone). Nobody gets in through a statement whose window has
    // closed or that a Deny covers; only the role itself when the caller's ARN is pinned to it
    // (self-trust written through its account, as AWS's guide allows).
    if extra.is_empty() || lets_nobody_in(policy, s, subject) || pins_caller_to_role(s, subject.arn) {
        return Vec::new();
    }
    // Nobody comes in through a principal the statement doesn't give its way of assuming the
    // role (STATEMENT_NEVER_APPLIES says so). A value the template doesn't determine may be
    // either kind of provider (as in `never_applies`): it may use the statement.
    let cannot_use = |kind: PrincipalKind, p: &str| {
        let no_action = crate::validity::action_needed_by(kind, p).is_some_and(|needed| !covers(&s.actions, needed))
            && !crate::validity::is_opaque(p)
            && !has_wildcard(p);
        // Nor through one a Deny always stops (a deployer role beside Lambda, under a Deny
        // unless aws:SourceAccount, which no role sends), nor an account or ARN kept to AWS
        // services, which its callers never are.
        let kept_to_services =
            || kind == PrincipalKind::Aws && p != "*" && crate::validity::asks_for_a_service(s).is_some();
        no_action
            || kept_to_services()
            || crate::validity::covering_deny_for(policy, s, Some((kind, p)), subject).is_some()
    };
    extra.retain(|&(kind, p)| !cannot_use(kind, p));
    extra
}

/// Whether a condition of `s` lets in no caller but the role itself: `aws:PrincipalArn` (sent by
/// every IAM principal, and for a role's session its role's ARN) equal to the role's ARN. Not
/// `…IfExists`: a service sends no `aws:PrincipalArn`, and would pass.
fn pins_caller_to_role(s: &Statement, role_arn: Option<&str>) -> bool {
    let Some(arn) = role_arn else {
        return false;
    };
    s.conditions.iter().any(|c| {
        c.key.eq_ignore_ascii_case("aws:PrincipalArn")
            && matches!(
                c.operator,
                Operator::Known {
                    base: BaseOperator::StringEquals
                        | BaseOperator::ArnEquals
                        | BaseOperator::StringLike
                        | BaseOperator::ArnLike,
                    set: None,
                    if_exists: false,
                }
            )
            && !c.values.is_empty()
            && c.values.iter().all(|v| v == arn)
    })
}

/// Principals a Lambda execution role may trust besides Lambda. Wildcards and dangling ids have findings of their own.
fn is_extra_allowed(principal: &str, role_arn: Option<&str>) -> bool {
    // A name no service has is no trust at all (`lamda.amazonaws.com`: STATEMENT_NEVER_APPLIES
    // or TRUST_POLICY_INVALID says it).
    principal.trim().eq_ignore_ascii_case(LAMBDA)
        || crate::services::service_meant(principal).is_some()
        || principal == EDGE_LAMBDA
        || is_regional_lambda(principal)
        || role_arn == Some(principal)
        || has_wildcard(principal)
        || is_unique_id(principal)
        || role_arn.is_some_and(|role| is_session_of(principal, role))
}

/// Lambda's name in one region (`lambda.me-south-1.amazonaws.com`), which a trust policy names
/// for calls from an opt-in region to another: Lambda still, no other principal.
fn is_regional_lambda(principal: &str) -> bool {
    (principal
        .strip_prefix("lambda.")
        .and_then(|rest| rest.strip_suffix(".amazonaws.com")))
    .is_some_and(crate::pattern::is_region)
}

/// Whether `principal` is a session of the role `role_arn`
/// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`, the role's name without its path): only a
/// caller that has assumed the role already holds one, so trusting it lets nobody new in.
fn is_session_of(principal: &str, role_arn: &str) -> bool {
    // Most principals are no session: told by one search before any ARN is read.
    if !principal.contains(":assumed-role/") {
        return false;
    }
    let (Some(["arn", partition, "sts", _, account, resource]), Some([_, own_partition, _])) =
        (arn_fields::<6>(principal), arn_fields::<3>(role_arn))
    else {
        return false;
    };
    let session_of = resource
        .strip_prefix("assumed-role/")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(_, session)| !session.is_empty() && !session.contains('/'))
        .map(|(name, _)| name);
    partition == own_partition
        && crate::validity::role_account_and_name(role_arn)
            .is_some_and(|(own_account, own_name)| account == own_account && session_of == Some(own_name))
}

/// A wildcard principal (or NotPrincipal) in an Allow: public when some stranger is let in after
/// every Deny, in one of the contexts strangers can present (with and without an organization, a
/// service in between or not); narrowed only by conditions otherwise; and nothing at all here when
/// a Deny shuts it for everyone (`STATEMENT_NEVER_APPLIES` says so).
fn public_trust(policy: &Policy, subject: &Subject, out: &mut Findings) {
    let denies = || policy.statements.iter().filter(|d| d.effect == Effect::Deny);
    for (index, s) in policy.statements.iter().enumerate() {
        if s.effect != Effect::Allow || !names(&s.principals, Caller::Stranger(Stranger::DIRECT), Effect::Allow) {
            continue;
        }
        // Any way of assuming the role counts: a wildcard is never meant for the federated actions
        // either, and a Deny of one of them leaves the others open.
        let actions = || ASSUME_ACTIONS.into_iter().filter(|a| covers(&s.actions, a));
        if actions().next().is_none() {
            continue;
        }
        // Each wildcard's callers on their own: a service the statement also names is no
        // stranger. A NotPrincipal's everyone as a whole.
        let covered = |only| crate::validity::covering_deny_for(policy, s, only, subject).is_some();
        let all_covered = match s.principals.negated {
            true => covered(None),
            false => (s.principals.aws.iter())
                .filter(|p| names_any_account(p))
                .all(|p| covered(Some((PrincipalKind::Aws, p.as_ref())))),
        };
        if all_covered {
            continue;
        }
        // A variable reads its key as a condition on that key does: `${aws:VpceAccount}` makes a
        // call through an endpoint of their own one more way to come. So does one with a default,
        // which a caller without the key gets (`${aws:PrincipalOrgID, 'o-abc123defg'}`).
        let keys = (s.conditions.iter().chain(denies().flat_map(|d| &d.conditions))).flat_map(|c| {
            let variables = (c.values.iter()).flat_map(|v| {
                (crate::evaluate::variable_names(v)).filter(|name| {
                    crate::evaluate::has_default(v) || crate::contexts::theirs_on_some_calls_as(&c.key, v, name)
                })
            });
            std::iter::once(c.key.as_ref()).chain(variables)
        });
        let denies_for_admitted: Vec<Cow<Statement>> = denies().map(|d| deny_for_admitted(d, s)).collect();
        let mut admitted_without_organization = None;
        let mut guarded = false;
        let read = (s.conditions.iter().chain(denies().flat_map(|d| &d.conditions)))
            .filter_map(|c| SessionAction::needed_to_send(&c.key));
        let contexts = RequestContext::strangers(subject.account, keys, session_actions(policy, s, read));
        let contexts = contexts.map(|c| {
            c.at(subject.now)
                .against_proposed(subject.proposed)
                .with_role_tags(subject.role_tags)
                .in_partition(subject.partition_for_sure())
        });
        for stranger in contexts {
            // Let in when some way of assuming the role is denied to them by no Deny. Each way
            // sends its own keys: a signed call who the caller is, a federated one a token's claims.
            let mut let_in = false;
            for action in actions() {
                let stranger = stranger.assuming(action);
                let holds = conditions_hold(&s.conditions, &stranger, policy.version);
                // `{"AWS": "*"}` "does not allow web identity session principals, SAML session
                // principals" (the IAM guide's Principal element): a token's call the bare `"*"`
                // (or a NotPrincipal) lets in escapes a Deny of it. An Allow of `{"AWS": "*"}` is
                // read to let such callers in only to fail closed: a Deny of the same principal
                // stops the same callers.
                let everyone = s.principals.bare_wildcard || s.principals.negated;
                let escapes = |d: &Statement| {
                    everyone
                        && action != ASSUME_ROLE
                        && !d.principals.bare_wildcard
                        && !d.principals.negated
                        && d.principals.federated.is_empty()
                };
                let deny = (denies_for_admitted.iter())
                    .filter(|d| !escapes(d))
                    .fold(Tri::False, |acc, d| {
                        acc.or(applies(d, &stranger, action, policy.version))
                    });
                // Judged each on its own, the Denies let the stranger choose a value for each; one
                // request has one value of each key they choose, tried so where Denies read one.
                let past_each = holds == Tri::True && deny == Tri::False;
                let past_all = past_each && {
                    let denies: Vec<&Statement> = (denies_for_admitted.iter())
                        .filter(|d| !escapes(d))
                        .map(|d| d.as_ref())
                        .collect();
                    let_in_by_one_request(s, &denies, &stranger, action, policy.version)
                };
                guarded |= deny != Tri::False || past_each != past_all;
                let_in |= past_all;
            }
            if let_in {
                let Caller::Stranger(who) = stranger.caller else {
                    continue;
                };
                let alone = !who.in_organization;
                admitted_without_organization = Some(admitted_without_organization.unwrap_or(true) && alone);
            }
        }
        let what = || {
            if s.principals.negated {
                "uses NotPrincipal with Allow, so everyone not listed".to_owned()
            } else {
                let wildcard = s
                    .principals
                    .aws
                    .iter()
                    .find(|p| names_any_account(p))
                    .map_or("*", |p| p.as_ref());
                format!("trusts the wildcard principal {wildcard:?}, so any AWS account")
            }
        };
        if let Some(only_alone) = admitted_without_organization {
            out.add(FindingId::TrustPublic, Some(index), || {
                let via = match (s.conditions.is_empty(), only_alone) {
                    (true, _) => String::new(),
                    (false, alone) => {
                        let how = if alone {
                            " let in a caller whose account is in no organization)"
                        } else if (s.conditions.iter()).all(|c| {
                            reads_the_role_alone(&c.key) && !c.values.iter().any(|v| crate::evaluate::has_default(v))
                        }) {
                            // The role's own values (its account, tags, organization) are the
                            // same for every caller: nothing the caller meets, no guard at all.
                            " read the role's own values, the same for every caller, not the caller's)"
                        } else {
                            " can be met by the caller)"
                        };
                        text!(" (its conditions on ", condition_keys(&s.conditions), how)
                    }
                };
                // A Deny guard (one that names strangers and the ways the Allow lets them in)
                // whose conditions read the role's own values (its tags, its organization) is not
                // counted on: those values, unknown here, may exempt the role. Said, so that a
                // perimeter with a tag exception isn't a mystery; a tag the role is known to lack
                // was read as missing, and says no more.
                let guards = |d: &Statement| {
                    d.effect == Effect::Deny
                        && names(&d.principals, Caller::Stranger(Stranger::DIRECT), Effect::Deny)
                        && actions().any(|a| covers(&d.actions, a))
                };
                // (Compared with a caller's variable with a default, it is the default a caller
                // without the key gets that lets them through: said by the Allow's own terms.)
                let unread = |c: &&Condition| {
                    crate::contexts::is_role_own_key(&c.key)
                        && !crate::contexts::lacks_tag(&c.key, subject.role_tags)
                        && !c.values.iter().any(|v| crate::evaluate::has_default(v))
                };
                let on_own = (policy.statements.iter().enumerate())
                    .filter(|(_, d)| guards(d))
                    .find_map(|(at, d)| d.conditions.iter().find(unread).map(|c| (at, c)))
                    .map(|(at, c)| {
                        text!(
                            "; Deny statement ",
                            at,
                            " is not counted on: its condition on ",
                            c.key.as_ref(),
                            " reads the role's own value, which may exempt it"
                        )
                    })
                    .unwrap_or_default();
                (
                    text!("statement ", index, " ", what(), " can assume this role", via, on_own),
                    text!(
                        "replace the wildcard in statement ",
                        index,
                        " with the exact principals that need the role"
                    ),
                )
            });
        } else if pinned_principals(s, subject.account_for_sure()).is_none()
            // An external id no request carries, or a value no request has, lets nobody in:
            // STATEMENT_NEVER_APPLIES says so.
            && !no_request_has_its_values(policy, s, subject)
            && crate::validity::wildcard_kept_to_no_caller(s, subject.partition_for_sure()).is_none()
        {
            let narrowed_by = if s.conditions.iter().any(|c| is_identity_key(&c.key)) || guarded {
                "identity conditions or a Deny guard"
            } else {
                "conditions"
            };
            out.add(FindingId::TrustPublicConditioned, Some(index), || {
                (
                    text!(
                        "statement ",
                        index,
                        " ",
                        what(),
                        " may assume this role unless ",
                        narrowed_by,
                        " stop it",
                        conditions_written(&s.conditions, denies().filter(|_| guarded).flat_map(|d| &d.conditions))
                    ),
                    text!(
                        "name the principals in statement ",
                        index,
                        " explicitly; keep the conditions as defence in depth"
                    ),
                )
            });
        }
    }
}

/// Whether some Allow of `policy` grants `action` to the callers `s` lets in: `s` itself, or a
/// statement that names one of its principals (for its AWS principals, the wildcard too), and no
/// Deny of that action names it without a condition. IAM authorises the session action for the
/// caller who asks: a grant to another principal doesn't serve it (`sts:TagSession` allowed to a
/// CI role leaves a SAML provider's or Roles Anywhere's sessions refused).
pub(crate) fn allows_session_action_to(
    policy: &Policy,
    action: SessionAction,
    s: &Statement,
    only: Option<(PrincipalKind, &str)>,
) -> bool {
    let covers_action = |a: &Statement| a.actions.may_cover(action.action());
    // A NotPrincipal lists whom it leaves out: its callers are everyone else, as a wildcard's.
    let everyone = [(PrincipalKind::Aws, "*")];
    let callers: Vec<(PrincipalKind, &str)> = match s.principals.negated {
        true => everyone.to_vec(),
        false => s.principals.entries().collect(),
    };
    (callers.into_iter())
        .filter(|entry| only.is_none_or(|only| only == *entry))
        .any(|(kind, p)| {
            let granted = (policy.statements.iter()).any(|a| {
                a.effect == Effect::Allow
                    && covers_action(a)
                    && (std::ptr::eq(a, s) || (!a.principals.negated && names_session_caller(a, kind, p, true)))
            });
            granted && !denies_session_action(policy, action, kind, p)
        })
}

/// Whether a Deny of `policy` without a condition refuses `action` to the callers principal `p`
/// names: one whose principal names them all (a Deny of one role leaves a wildcard's other
/// callers their session action).
pub(crate) fn denies_session_action(policy: &Policy, action: SessionAction, kind: PrincipalKind, p: &str) -> bool {
    (policy.statements.iter()).any(|d| {
        d.effect == Effect::Deny
            && !d.principals.negated
            && d.conditions.is_empty()
            // Surely: an action a template leaves open may be another.
            && covers(&d.actions, action.action())
            && names_session_caller(d, kind, p, false)
    })
}

/// Whether statement `a` names the callers principal `p` names. A grant fails closed: an AWS
/// wildcard on `either_side` (the callers it names include the other's).
fn names_session_caller(a: &Statement, kind: PrincipalKind, p: &str, either_side: bool) -> bool {
    a.principals.bare_wildcard
        || (a.principals.entries()).any(|(k, q)| {
            k == kind && (q == p || (kind == PrincipalKind::Aws && (q == "*" || (either_side && p == "*"))))
        })
}

/// The session actions `policy` allows the callers of `s` ([`allows_session_action_to`]: an
/// explicit Deny takes one away), of those that conditions `read` (asked only then: it reads
/// every statement); the rest count as allowed, which no condition tells apart.
fn session_actions(policy: &Policy, s: &Statement, read: impl Iterator<Item = SessionAction>) -> SessionActions {
    read.fold(SessionActions::ALL, |allowed, action| {
        match allowed.allows(action) && !allows_session_action_to(policy, action, s, None) {
            true => allowed.without(action),
            false => allowed,
        }
    })
}

/// The exact roles and users a wildcard is narrowed to by `aws:PrincipalArn` (an account written
/// out, no wildcard in the resource), or else the other accounts it is narrowed to by
/// `aws:PrincipalAccount`: as if it named them (an account by its id, its root), which is no
/// public trust, and whom a Lambda role's check counts as named and the cross-account check
/// judges. terraform-aws-modules writes a role's trust in itself this way, since IAM refuses a
/// role naming itself before it exists; a partner's role is pinned so, by teams whose trust must
/// outlive the partner recreating it. Not a pattern (`role/*`) nor `aws:PrincipalAccount` of the
/// role's own account (or an unknown one): there a wildcard lets every principal it matches in
/// with no identity policy of theirs allowing it, which the account's root never does. Another
/// account's principals need such a policy whichever way the trust names them (IAM asks both
/// sides of a cross-account request), so there the wildcard is its root.
pub(crate) fn pinned_principals<'s, 'a>(s: &'s Statement<'a>, own_account: Option<&str>) -> Option<&'s [Cow<'a, str>]> {
    use BaseOperator::*;
    if s.principals.negated {
        return None;
    }
    // Only AWS principals, who sign their requests and so always send aws:PrincipalArn: there an
    // `…IfExists` or `ForAllValues:` operator is the plain one.
    let signed_only = crate::validity::signs_alone(s);
    let pins = |c: &Condition| {
        // Positive, and failing for a caller without the key (a federated one).
        let Operator::Known {
            base: StringEquals | StringLike | ArnEquals | ArnLike,
            set,
            if_exists,
        } = c.operator
        else {
            return false;
        };
        // `ForAnyValue:` fails on a missing key as the plain one does; the other two hold there.
        if !signed_only && crate::evaluate::holds_when_missing(set, if_exists) {
            return false;
        }
        // One role or user: the account written out, no wildcard in the resource (one in the
        // partition names the same principal, which lives in one partition). A value a template
        // leaves open is whoever the deployer passes, `*` included.
        let exact = |value: &str| {
            !has_variable(value)
                && !crate::validity::is_opaque(value)
                && arn_fields::<6>(value).is_some_and(|[arn, _, _, _, account, resource]| {
                    arn == "arn" && is_account_id(account) && !has_wildcard(resource)
                })
        };
        c.key.eq_ignore_ascii_case("aws:PrincipalArn") && !c.values.is_empty() && c.values.iter().all(|v| exact(v))
    };
    // Accounts other than the role's, each written out (`StringLike` without a wildcard is the
    // plain comparison). Not `NumericEquals`: its reading of a padded id is IAM's to document.
    let other_accounts = |c: &Condition| {
        let Operator::Known {
            base: StringEquals | StringEqualsIgnoreCase | StringLike,
            set,
            if_exists,
        } = c.operator
        else {
            return false;
        };
        let other = |v: &str| is_account_id(v) && own_account.is_some_and(|own| own != v);
        c.key.eq_ignore_ascii_case("aws:PrincipalAccount")
            && (signed_only || !crate::evaluate::holds_when_missing(set, if_exists))
            && !c.values.is_empty()
            && c.values.iter().all(|v| other(v))
    };
    (s.conditions.iter().find(|c| pins(c)))
        .or_else(|| s.conditions.iter().find(|c| other_accounts(c)))
        .map(|c| c.values.as_slice())
}

/// The other accounts a wildcard of `s` is narrowed to by `aws:PrincipalAccount`, whose roots it
/// trusts ([`pinned_principals`]); none when it is pinned to roles and users, or not at all.
pub(crate) fn pinned_accounts<'s>(s: &'s Statement, own_account: Option<&str>) -> impl Iterator<Item = &'s str> {
    // Most statements have no condition on the key: asked first, it spares reading each principal.
    let on_the_key = || (s.conditions.iter()).any(|c| c.key.eq_ignore_ascii_case("aws:PrincipalAccount"));
    (on_the_key() && s.principals.aws.iter().any(|p| names_any_account(p)))
        .then(|| pinned_principals(s, own_account))
        .flatten()
        .unwrap_or_default()
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| is_account_id(p))
}

/// ` (Operator key values; …; Deny Operator key values)`: the conditions as written, the Allow's
/// and its guarding Denies', which are all that keeps a wildcard's callers out; a report (and a
/// baseline, which accepts a finding by its message) tells one organization, endpoint or network
/// from another by them. Empty without conditions.
fn conditions_written<'c>(allow: &[Condition], denies: impl Iterator<Item = &'c Condition<'c>>) -> String {
    let written_as = |c: &Condition, prefix: &str| text!(prefix, c.operator_text, " ", c.key, " ", c.values.join(", "));
    let written: Vec<String> = (allow.iter().map(|c| written_as(c, "")))
        .chain(denies.map(|c| written_as(c, "Deny ")))
        .collect();
    if written.is_empty() {
        String::new()
    } else {
        text!(" (", written.join("; "), ")")
    }
}

fn condition_keys(conditions: &[Condition]) -> String {
    let mut keys: Vec<&str> = conditions.iter().map(|c| c.key.as_ref()).collect();
    keys.dedup();
    keys.join(", ")
}

/// Whether a condition of the Allow `s` asks for values no request has: an external id or
/// session name STS refuses, a value null or read as text in every request
/// ([`crate::validity::nobody_has_its_values`]), or, in a stored policy, an organization id or
/// path none has (in a proposed one the value may be a template parameter's default that
/// deployers replace: the trust it guards is judged as it would be with their value). It lets
/// nobody in, which STATEMENT_NEVER_APPLIES says.
fn no_request_has_its_values(policy: &Policy, s: &Statement, subject: &Subject) -> bool {
    crate::validity::unmeetable_caller_value(s).is_some()
        || crate::validity::nobody_has_its_values(s, policy.version)
        || (!subject.proposed && crate::organizations::organization_none_has(s).is_some())
}

/// An Allow whose time window has closed, whose condition no request meets (a pseudo parameter
/// left as written), or that a Deny shuts for everyone from the subject's `now` on.
fn lets_nobody_in(policy: &Policy, allow: &Statement, subject: &Subject) -> bool {
    shut_by_time(allow, subject.now)
        || crate::validity::nobody_has_its_values(allow, policy.version)
        || crate::validity::covering_deny(policy, allow, subject).is_some()
}

/// A condition of `s` that keeps its callers to a VPC or VPC endpoint it names
/// (`StringEquals aws:SourceVpce vpce-1a2b3c4d`, `aws:SourceVpc`, `ArnEquals aws:SourceVpcArn`):
/// exact values, and failing where the key is missing (a call over the internet has none: the
/// IAM guide's "VPC condition keys to control federated access" lists them for
/// `AssumeRoleWithWebIdentity` through an STS endpoint). Nobody outside that network meets it.
/// Not `aws:SourceIp`: a public range may be a CI service's, shared by all its customers.
fn within_own_network<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    use BaseOperator::{ArnEquals, ArnLike, StringEquals, StringEqualsIgnoreCase, StringLike};
    s.conditions.iter().find(|c| {
        let Operator::Known { base, set, if_exists } = c.operator else {
            return false;
        };
        ["aws:SourceVpce", "aws:SourceVpc", "aws:SourceVpcArn"]
            .iter()
            .any(|key| c.key.eq_ignore_ascii_case(key))
            && matches!(
                base,
                StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike
            )
            && crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::False
            && !c.values.is_empty()
            && (c.values.iter()).all(|v| !has_wildcard(v) && !has_variable(v) && !crate::validity::holds_opaque(v))
    })
}

fn oidc_unscoped(policy: &Policy, subject: &Subject, out: &mut Findings) {
    for (index, s) in policy.statements.iter().enumerate() {
        if s.effect != Effect::Allow || s.principals.negated || !covers(&s.actions, ASSUME_ROLE_WITH_WEB_IDENTITY) {
            continue;
        }
        // Nobody to scope: shut by time or a Deny, or asking for session tags or a source
        // identity that nothing allows sending (STATEMENT_NEVER_APPLIES says so).
        if s.principals.federated.is_empty()
            || lets_nobody_in(policy, s, subject)
            || crate::validity::asks_for_unsendable_key(policy, s).is_some()
        {
            continue;
        }
        // A value that names no provider (`*`, a role's ARN) lets nobody in: IAM refuses it
        // (TRUST_POLICY_INVALID).
        let providers = s.principals.federated.iter();
        // Whether the statement's conditions scope a provider it doesn't determine: the same for
        // each such provider, so decided once (it pairs every condition with the others).
        let mut scoped_when_opaque: Option<bool> = None;
        let hosts = ProviderHosts::of(&s.principals.federated);
        for provider in providers.filter(|p| !is_saml_provider(p) && crate::validity::may_name_provider(p)) {
            // A Deny that stops this provider's callers whatever else the statement names.
            let only = Some((PrincipalKind::Federated, provider.as_ref()));
            if crate::validity::covering_deny_for(policy, s, only, subject).is_some() {
                continue;
            }
            let host = &oidc_host(provider);
            // A provider the template doesn't determine: scoped when a condition scopes the
            // provider its key names (the key's host is the provider IAM will see), of those it
            // may be (not another EKS cluster than one the template makes). Not by an `…IfExists`
            // or `ForAllValues:` one: were the provider another, the key would be absent, and
            // they hold then.
            let scoped_as = |host: &str| {
                let strict: Vec<Condition> = s
                    .conditions
                    .iter()
                    .filter(|c| match c.operator {
                        Operator::Known { if_exists, set, .. } => !crate::evaluate::holds_when_missing(set, if_exists),
                        Operator::Unknown => true,
                    })
                    .cloned()
                    .collect();
                strict
                    .iter()
                    .filter_map(|c| c.key.rsplit_once(':'))
                    .filter(|(named, _)| !another_eks_cluster(host, named))
                    .any(|(named, _)| is_oidc_scoped(named, &strict, &hosts, policy.version))
            };
            let scoped = if !crate::validity::is_opaque(host) {
                is_oidc_scoped(host, &s.conditions, &hosts, policy.version)
            } else if s.conditions.iter().any(|c| never_carried(host, c, &hosts)) {
                // A condition on a key this provider never carries (another EKS cluster's, when
                // it is one the template makes) lets none of its tokens in (STATEMENT_NEVER_APPLIES).
                true
            } else if is_eks_issuer(host) {
                scoped_as(host)
            } else {
                // The same for each such provider, so decided once (it pairs every condition with
                // the others).
                *scoped_when_opaque.get_or_insert_with(|| scoped_as(""))
            };
            // A Deny guard of this provider may scope what the Allow leaves open.
            let guards = || guard_conditions_for(policy, s, Some((PrincipalKind::Federated, provider)), subject);
            // Another account's provider names no request's principal: it lets nobody in
            // (STATEMENT_NEVER_APPLIES says so), so none of its identities.
            let of_another_account = || crate::validity::oidc_provider_of_another_account(provider, subject).is_some();
            if !scoped && !is_oidc_scoped(host, &guards(), &hosts, policy.version) && !of_another_account() {
                // An issuer of one cluster, workspace or organization lets in only its own
                // identities: every one of them is too many, but none is a stranger.
                let tenant = tenant_issuer(host).or_else(|| tenant_audience(host, &s.conditions, policy.version));
                // Kept to your VPC or its endpoint: a stranger's token must come from inside your
                // network, as a wildcard so kept is TRUST_PUBLIC_CONDITIONED's.
                let network = within_own_network(s);
                let severity = match (tenant, network) {
                    (None, None) => FindingId::TrustOidcUnscoped.default_severity(),
                    _ => Severity::Medium,
                };
                let opaque = crate::validity::is_opaque(host);
                out.add_at(severity, FindingId::TrustOidcUnscoped, Some(index), || {
                    let scope = OidcScope::at(host, &s.conditions);
                    let key = subject_key(host);
                    // Which provider, and so which keys, is up to the deployment, unless it is
                    // one cluster's (an EKS cluster the template makes, its id undetermined).
                    if opaque && tenant.is_none() {
                        return (
                            text!("statement ", index, " trusts an identity provider the template or plan leaves undetermined (", host, "): no condition scopes its identities whichever it is"),
                            text!("name the provider in statement ", index, ", or scope it with StringEquals (or StringLike) on its subject key, e.g. token.actions.githubusercontent.com:sub for GitHub"),
                        );
                    }
                    if is_sentinel_issuer(host) {
                        return (
                            text!("statement ", index, " lets any Microsoft Sentinel workspace assume this role (", host, " issues the same tokens for every customer): no condition on sts:RoleSessionName narrows it"),
                            text!("add StringEquals sts:RoleSessionName = ", SENTINEL_SESSION, " to statement ", index, ", with your workspace's id"),
                        );
                    }
                    let mut message = text!("statement ", index, " lets any identity of ", host);
                    if let Some(whom) = tenant {
                        message.push_str(" (");
                        message.push_str(whom);
                        message.push(')');
                    }
                    if let Some(c) = network {
                        message.push_str(&text!(" that calls STS through your network (", describe_condition(c), ")"));
                    }
                    // A subject left to a template parameter is whatever the deployer passes.
                    let on_key = |c: &&Condition| scope.claim_of(host, &c.key).is_some();
                    let parameter = (s.conditions.iter().filter(on_key))
                        .flat_map(|c| c.values.iter().map(move |v| (&c.key, v)))
                        .find(|(_, v)| crate::validity::is_parameter(v));
                    if let Some((key, parameter)) = parameter {
                        message.push_str(&text!(" assume this role: ", key, " is ", parameter, ", a template parameter or a value known only after apply, which may name anyone"));
                        return (
                            message,
                            text!("name the exact ", scope.names, " in statement ", index, ", or give the value to have it checked (a template's --parameter; a plan's, on the plan after it is applied)"),
                        );
                    }
                    let string_operator = |c: &&Condition| {
                        use BaseOperator::{StringEquals, StringEqualsIgnoreCase, StringLike};
                        matches!(c.operator, Operator::Known { base: StringEquals | StringEqualsIgnoreCase | StringLike, .. })
                    };
                    // An owner left to a parameter (`repo:${GitHubOrg}/…`): the value that opens
                    // it, on its own key.
                    let partly = (s.conditions.iter().filter(on_key).filter(string_operator))
                        .filter(|c| is_effective_positive(c))
                        .find_map(|c| {
                            let claim = scope.claim_of(host, &c.key)?;
                            let like = matches!(c.operator, Operator::Known { base, .. } if base.reads_wildcards());
                            // Or a value a parameter is part of (`system:serviceaccount:${Namespace}:*`).
                            let opens = |v: &&Cow<str>| {
                                (owner_is_parameter(claim, v) || crate::validity::holds_parameter(v))
                                    && OidcScope::opened_by(host, claim, v, like, policy.version)
                            };
                            // (An audience, a Cognito pool's id, has no owner.)
                            let owner = |v: &str| claim != "aud" && owner_is_parameter(claim, v);
                            c.values.iter().find(opens).map(|v| (c, v, owner(v)))
                        });
                    if let Some((c, value, owner)) = partly {
                        let whose = if owner { ", whose owner is" } else { ", part of which is" };
                        message.push_str(&text!(" assume this role: ", c.key, " is ", value, whose, " a template parameter or a value known only after apply, which may name anyone"));
                        return (
                            message,
                            text!("name the exact ", scope.names, " in statement ", index, ", or give the values to have them checked (a template's --parameter; a plan's, on the plan after they are applied)"),
                        );
                    }
                    // A condition on the scope's keys that admits them all is named, so that
                    // nobody takes the finding for a missed condition.
                    let quoted = (s.conditions.iter().filter(on_key).filter(string_operator)).find(|c| is_effective_positive(c));
                    if let Some(c) = quoted {
                        // The value that opens it, not one beside it that names someone.
                        let claim = scope.claim_of(host, &c.key).unwrap_or("sub");
                        let like = matches!(c.operator, Operator::Known { base, .. } if base.reads_wildcards());
                        let opens = |v: &&Cow<str>| OidcScope::opened_by(host, claim, v, like, policy.version);
                        let value = c.values.iter().find(opens).or(c.values.first()).map_or("", |v| v.as_ref());
                        let names = if claim == "email" { "email of one service account" } else { scope.names };
                        // A service account of one name in every namespace of one cluster: said
                        // as such, not as every identity of it. (A shared issuer's is any
                        // customer's: every identity, as said below.)
                        if tenant.is_some() && claim == "sub" && !every_service_account(value) && in_every_namespace(value) {
                            let (whom, why) = match value.ends_with(":default") {
                                true => ("the default service account of every namespace", ", which each pod that names none runs as"),
                                false => ("a service account of one name in any namespace", ": whoever may create one in any namespace can name it so"),
                            };
                            return (
                                text!("statement ", index, " lets ", whom, " of ", host, " assume this role: ", c.operator_text, " ", c.key, " ", value, why),
                                text!("narrow ", c.key, " in statement ", index, " to the exact ", names),
                            );
                        }
                        message.push_str(&text!(" assume this role: ", c.operator_text, " ", c.key, " ", value));
                        message.push_str(", which names nobody in particular");
                        return (message, text!("narrow ", c.key, " in statement ", index, " to the exact ", names));
                    }
                    message.push_str(" assume this role: no condition on ");
                    message.push_str(&key);
                    // The other keys short: the annotation has room for 256 characters.
                    for (i, other) in scope.keys.iter().skip(1).enumerate() {
                        message.push_str(if i == 0 { " (or :" } else { ", :" });
                        message.push_str(other);
                    }
                    if scope.keys.len() > 1 {
                        message.push(')');
                    }
                    message.push_str(" narrows it");
                    // Google's, Amazon's and Facebook's application id IAM takes under StringEquals only.
                    let application_id = matches!(
                        crate::validity::ProviderControl::of(host),
                        Some(crate::validity::ProviderControl::ApplicationId(_))
                    );
                    let operator = match (scope.like, application_id) {
                        (true, _) => "StringLike ",
                        (false, true) => "StringEquals ",
                        (false, false) => "StringEquals (or StringLike) ",
                    };
                    (message, text!("add ", operator, key, " naming the exact ", scope.names))
                });
            } else if host == GOOGLE && google_audience_open(policy, s, subject) {
                out.add_at(Severity::Low, FindingId::TrustOidcUnscoped, Some(index), || {
                    (
                        text!("statement ", index, " names a Google identity but not whom its token was issued to: whoever receives one of its ID tokens (a site it signs in to, a service its tokens are sent to) can replay it here; no condition on ", GOOGLE, ":oaud, or :aud naming your app's client id"),
                        text!("add StringEquals ", GOOGLE, ":oaud = the audience your workload asks Google for to statement ", index, " (or ", GOOGLE, ":aud = your app's OAuth client id, …apps.googleusercontent.com)"),
                    )
                });
            } else if is_cognito(host) && cognito_kind_open(policy, s, host, subject) {
                out.add_at(Severity::Medium, FindingId::TrustOidcUnscoped, Some(index), || {
                    let amr = amr_key(host);
                    let which = if s.conditions.iter().any(|c| c.key.eq_ignore_ascii_case(&amr)) {
                        text!(": its condition on ", amr, " admits both (authenticated and unauthenticated)")
                    } else {
                        text!(": no condition on ", amr, " says which (authenticated, unauthenticated)")
                    };
                    (
                        text!("statement ", index, " lets every identity of its Cognito identity pool assume this role, guests included where the pool allows them", which),
                        text!("add ForAnyValue:StringLike ", amr, " = authenticated to statement ", index, " (unauthenticated in the pool's guest role)"),
                    )
                });
            }
        }
    }
}

pub(crate) const COGNITO: &str = "cognito-identity.amazonaws.com";
/// Cognito identity pools' principal in each partition: GovCloud (US-West) and GovCloud
/// (US-East) name their own ("Amazon Cognito in AWS GovCloud (US)"); China's is the commercial
/// one. Each names its keys after itself (`cognito-identity-us-gov.amazonaws.com:aud`).
const COGNITO_HOSTS: [&str; 3] = [
    COGNITO,
    "cognito-identity-us-gov.amazonaws.com",
    "cognito-identity.us-gov-east-1.amazonaws.com",
];

/// Whether `host` (lower case) is a Cognito identity pool's principal, in any partition.
pub(crate) fn is_cognito(host: &str) -> bool {
    COGNITO_HOSTS.contains(&host)
}
pub(crate) const GOOGLE: &str = "accounts.google.com";
pub(crate) const GOOGLE_AUDIENCE: &str = "accounts.google.com:oaud";

/// Whether an Allow of Google's names an identity bound to no audience: neither its conditions nor
/// a Deny guarding it ([`google_audience_bound`]).
pub(crate) fn google_audience_open(policy: &Policy, allow: &Statement, subject: &Subject) -> bool {
    let only = Some((PrincipalKind::Federated, GOOGLE));
    !google_audience_bound(&allow.conditions)
        && !google_audience_bound(&guard_conditions_for(policy, allow, only, subject))
}

/// Whether a Google trust's `conditions` (an Allow's, or what a Deny guards it with) bind whom the
/// token was issued to: `:oaud` (the token's audience), or
/// `:aud` (STS gives it the token's authorised party, `azp`) naming an OAuth client of yours
/// (`….apps.googleusercontent.com`). A person's or a service account's identity alone (`:sub`,
/// `:email`, or `:aud` as a service account's numeric id, the `azp` of every token it mints)
/// holds in each token Google issues it, for any audience. A value a template leaves
/// undetermined is taken as binding (it may be a client id).
fn google_audience_bound(conditions: &[Condition]) -> bool {
    conditions.iter().filter(|c| is_effective_positive(c)).any(|c| {
        let Some(claim) = strip_prefix_ignore_case(&c.key, "accounts.google.com:") else {
            return false;
        };
        let client = |v: &Cow<str>| {
            crate::validity::is_opaque(v)
                || (v.ends_with(".apps.googleusercontent.com") && !has_wildcard(v) && !is_public_google_client(v))
        };
        let public = |v: &Cow<str>| is_public_google_client(v);
        (claim.eq_ignore_ascii_case("oaud") && !c.values.iter().any(public))
            || (claim.eq_ignore_ascii_case("aud") && !c.values.is_empty() && c.values.iter().all(client))
    })
}

/// Whether a Cognito identity pool's trust lets the pool's guests in beside its signed-in
/// identities: no condition on `amr` keeps them apart (`authenticated`, a login provider, or
/// `unauthenticated` for the pool's guest role), and none names one identity (`sub`). A pool with
/// guest access and the basic flow gives anyone an identity and its token, so a role meant for
/// signed-in users that guests also meet is anyone's; AWS asks for `amr` beside `aud` in every
/// role that trusts a pool. A guest's `amr` is `["unauthenticated"]`; a signed-in identity's is
/// `authenticated` and its provider.
pub(crate) fn cognito_kind_open(policy: &Policy, allow: &Statement, host: &str, subject: &Subject) -> bool {
    let only = Some((PrincipalKind::Federated, host));
    let guards = guard_conditions_for(policy, allow, only, subject);
    let names_identity = |list: &[Condition]| {
        let on_sub: Vec<Condition> = (list.iter())
            .filter(|c| OidcScope::of(host).claim_of(host, &c.key) == Some("sub"))
            .cloned()
            .collect();
        names_some_identities(host, &on_sub, policy.version)
    };
    let amr = amr_key(host);
    let amr_admits = |c: &Condition| amr_admits(c, &amr, policy.version);
    let keeps_kinds_apart = |c: &Condition| amr_admits(c).is_some_and(|(guests, others)| !(guests && others));
    let guests_denied = || {
        // A Deny of the pool's callers whose one condition picks out guests (and nothing else that
        // could fail for them) shuts every guest out.
        policy.statements.iter().any(|d| {
            denies_callers_of(d, allow, only, subject.partition)
                && covers(&d.actions, ASSUME_ROLE_WITH_WEB_IDENTITY)
                && d.conditions.iter().any(|c| amr_admits(c) == Some((true, false)))
                && d.conditions.iter().all(|c| {
                    amr_admits(c).is_some() || holds_for_every_admitted(c, allow, only, policy.version, subject)
                })
        })
    };
    // A condition on another provider's key, or on one no federated request carries, that fails
    // where it is missing lets no pool identity in.
    let hosts = ProviderHosts::of(&allow.principals.federated);
    // So does an audience no pool's tokens carry (an app client's id).
    let shut = |c: &Condition| never_carried(host, c, &hosts) || crate::validity::claim_no_token_has(host, c).is_some();
    !(allow.conditions.iter().chain(&guards).any(keeps_kinds_apart)
        || allow.conditions.iter().any(shut)
        || names_identity(&allow.conditions)
        || names_identity(&guards)
        || guests_denied())
}

/// The key of a pool's `amr` claim under the pool's principal `host`.
pub(crate) fn amr_key(host: &str) -> String {
    text!(host, ":amr")
}

/// For a condition on a pool's `amr` (`amr`, its key) that holds for callers it matches: whether
/// it holds for the pool's guests, and for anyone else (signed-in identities). `None` for another
/// key, or one whose values the caller chooses.
fn amr_admits(c: &Condition, amr: &str, version: Version) -> Option<(bool, bool)> {
    use BaseOperator::*;
    // A pool's token always holds `amr`: `…IfExists` reads as the operator alone.
    let Operator::Known { base, .. } = c.operator else {
        return None;
    };
    if !c.key.eq_ignore_ascii_case(amr) || c.values.is_empty() {
        return None;
    }
    if c.values.iter().any(|v| holds_callers_variable(v, version)) {
        return Some((true, true));
    }
    let ignore_case = matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
    let matches = |text: &str| {
        c.values.iter().any(|v| match base.reads_wildcards() {
            true => glob(v, text, false),
            false if ignore_case => v.eq_ignore_ascii_case(text),
            false => v == text,
        })
    };
    let guests = matches("unauthenticated");
    // Any value a signed-in identity's `amr` holds: `authenticated`, or a provider named.
    let others = matches("authenticated") || c.values.iter().any(|v| !glob(v, "unauthenticated", ignore_case));
    match base {
        StringEquals | StringEqualsIgnoreCase | StringLike => Some((guests, others)),
        // A negated operator holds for the callers its values don't match: a guest's only value
        // matched keeps guests out; a signed-in identity has other values, kept out only by a
        // value that matches everything.
        StringNotEquals | StringNotEqualsIgnoreCase | StringNotLike => {
            let everything = base == StringNotLike && c.values.iter().any(|v| matches_everything(v));
            Some((!guests, !everything))
        }
        _ => None,
    }
}

/// `arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com` → the host (with its path),
/// as written; bare hosts stay.
pub(crate) fn oidc_url(provider: &str) -> &str {
    const MARKER: &str = ":oidc-provider/";
    (provider.as_bytes().windows(MARKER.len()))
        .position(|w| w.eq_ignore_ascii_case(MARKER.as_bytes()))
        .and_then(|at| provider.get(at + MARKER.len()..))
        .unwrap_or(provider)
}

/// [`oidc_url`] with its domain in lower case: a provider written in capitals is judged as that
/// provider (DNS names ignore case), by its own rules, not as an unknown one's looser ones.
pub(crate) fn oidc_host(provider: &str) -> Cow<'_, str> {
    let url = oidc_url(provider);
    let domain = url.split('/').next().unwrap_or(url);
    // A value a template leaves undetermined keeps its marker as written.
    if domain.bytes().any(|b| b.is_ascii_uppercase()) && !crate::validity::holds_opaque(url) {
        Cow::Owned(text!(
            domain.to_ascii_lowercase(),
            url.get(domain.len()..).unwrap_or_default()
        ))
    } else {
        Cow::Borrowed(url)
    }
}

pub(crate) const GITHUB_ACTIONS: &str = "token.actions.githubusercontent.com";
/// The claims of a GitHub token STS reads as condition keys: the standard ones and, since January
/// 2026, these of GitHub's own ("AWS STS supports validation of identity provider claims").
/// Any other (`repository_owner`, a misspelt `subject`) is absent from every request.
const GITHUB_CLAIMS_STS_READS: [&str; 13] = [
    "sub",
    "aud",
    "amr",
    "actor",
    "actor_id",
    "job_workflow_ref",
    "repository",
    "repository_id",
    "repository_owner_id",
    "workflow",
    "ref",
    "environment",
    "enterprise_id",
];

/// GitLab's claims STS reads besides the standard ones (the service authorization reference's
/// condition keys of `sts:AssumeRoleWithWebIdentity`).
const GITLAB_CLAIMS_STS_READS: [&str; 12] = [
    "sub",
    "aud",
    "amr",
    "namespace_id",
    "pipeline_source",
    "project_id",
    "ref_protected",
    "runner_environment",
    "user_access_level",
    "user_email",
    "user_id",
    "user_login",
];

/// Buildkite's, likewise.
const BUILDKITE_CLAIMS_STS_READS: [&str; 10] = [
    "sub",
    "aud",
    "amr",
    "build_branch",
    "cluster_id",
    "cluster_name",
    "organization_id",
    "organization_slug",
    "pipeline_id",
    "pipeline_slug",
];

/// A key no federated request to the provider at `host` (an OIDC host, or a SAML provider's ARN)
/// carries: one of a signed request's (the caller's AWS identity and tags, an external id), of a service's
/// (the resource it acts for), or, at an OIDC provider, a SAML attribute: the caller signs nothing
/// and no service calls.
pub(crate) fn never_in_federated_request(host: &str, key: &str) -> bool {
    // Each of them starts `aws:`, `sts:` or `saml:`: most keys here are a provider's, told at once.
    let namespace = |prefix: &str| strip_prefix_ignore_case(key, prefix).is_some();
    (namespace("aws:") || namespace("sts:") || namespace("saml:"))
        && ((crate::contexts::is_signer_key(key) && !key.eq_ignore_ascii_case("aws:userid"))
            || key.eq_ignore_ascii_case("sts:ExternalId")
            || is_source_key(key)
            || (!is_saml_provider(host) && namespace("saml:")))
}

/// A condition on a key a federated request to the provider at `host` (an OIDC host, or a SAML
/// provider's ARN) never carries, and so holds for no caller: it fails on the missing key
/// (`StringEquals …:repository_owner`, a claim STS doesn't read), whatever the values.
pub(crate) fn asks_for_claim_never_sent(host: &str, c: &Condition) -> bool {
    let Operator::Known { base, set, if_exists } = c.operator else {
        return false;
    };
    if never_in_federated_request(host, &c.key) && !crate::validity::is_opaque(host) && !has_wildcard(host) {
        return crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::False;
    }
    if token_never_carries(host, &c.key) {
        return crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::False;
    }
    // A provider's keys are its URL without the scheme (`token.actions.githubusercontent.com:sub`);
    // one written with the scheme or the provider's ARN before it (common slips) is no request's key.
    if prefixed_provider_key(&c.key).is_some() {
        return crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::False;
    }
    let Some(reads) = claims_sts_reads(host) else {
        return false;
    };
    let Some(claim) = strip_prefix_ignore_case(&c.key, host).and_then(|rest| rest.strip_prefix(':')) else {
        return false;
    };
    !reads.iter().any(|k| k.eq_ignore_ascii_case(claim))
        && crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::False
}

/// A key of session tags or a source identity asked of GitHub or an EKS cluster, whose tokens
/// carry a fixed set of claims without either (`https://aws.amazon.com/tags`, `…/source_identity`,
/// the claims STS would take them from; a Kubernetes service account's token has only its own):
/// in no request of theirs, whichever actions the statement allows.
pub(crate) fn token_never_carries(host: &str, key: &str) -> bool {
    // The key first: it is asked of every condition of a provider's statement.
    SessionAction::needed_to_send(key).is_some() && (host.eq_ignore_ascii_case(GITHUB_ACTIONS) || is_eks_issuer(host))
}

/// Whether the OIDC issuer at `host` may bring session tags (`https://aws.amazon.com/tags`):
/// a Cognito identity pool (its attributes for access control) or an issuer of one's own. Not
/// the issuers whose claims are fixed and known (GitHub's, an EKS cluster's, the shared CI
/// services', Google's, Facebook's, Login with Amazon's): a tag asked of them is no slip to mend.
pub(crate) fn may_send_session_tags(host: &str) -> bool {
    is_cognito(host)
        || (claims_sts_reads(host).is_none()
            && !host.eq_ignore_ascii_case(GOOGLE)
            && !host.to_ascii_lowercase().contains("githubusercontent.com"))
}

/// The claims STS reads as condition keys from the providers whose keys it documents: GitHub's
/// ([`GITHUB_CLAIMS_STS_READS`]), those of the providers IAM knows by name that the IAM
/// reference lists for web identity federation, GitLab's and Buildkite's that the service
/// authorization reference lists as condition keys of `sts:AssumeRoleWithWebIdentity`
/// (`gitlab.com:project_id`, `agent.buildkite.com:organization_slug`), and the standard ones of
/// the other shared CI issuers and of EKS clusters, so `gitlab.com:project_path` or
/// `app.terraform.io:organization` is in no request. Not Google's: STS reads "select"
/// Google claims, which no list here can be sure of. `None` for any other issuer, whose keys are
/// not judged.
pub(crate) fn claims_sts_reads(host: &str) -> Option<&'static [&'static str]> {
    match host {
        GITHUB_ACTIONS => Some(&GITHUB_CLAIMS_STS_READS),
        _ if is_cognito(host) => Some(&["aud", "amr", "sub"]),
        "graph.facebook.com" => Some(&["app_id", "id"]),
        "www.amazon.com" => Some(&["app_id", "user_id"]),
        "gitlab.com" => Some(&GITLAB_CLAIMS_STS_READS),
        "agent.buildkite.com" => Some(&BUILDKITE_CLAIMS_STS_READS),
        // GitHub's legacy issuer is left unjudged: whether STS reads GitHub's claims there too
        // is not documented.
        "vstoken.actions.githubusercontent.com" => None,
        _ if SHARED_CI_ISSUERS.iter().any(|(issuer, _)| *issuer == host) => Some(&["sub", "aud", "amr"]),
        // An EKS cluster's: a Kubernetes service account's token, whose claims of its own (the
        // namespace and pod under `kubernetes.io`) STS doesn't read; the IRSA guide scopes by
        // `sub` and `aud`.
        _ if is_eks_issuer(host) => Some(&["sub", "aud", "amr"]),
        _ => None,
    }
}
/// Pulumi Cloud's issuer for its cloud logins (ESC, Deployments): one for every customer, with the
/// organization as the token's audience (`aws:ORG`). Custom audiences come from another issuer
/// (`api.pulumi.com/oidc/v2`), which this is not.
const PULUMI: &str = "api.pulumi.com/oidc";
/// Vercel's global issuer, every team's (in team mode each team has its own, `oidc.vercel.com/TEAM_SLUG`).
const VERCEL: &str = "oidc.vercel.com";
/// GitHub's audit-log streaming to S3, every enterprise's: the subject is
/// `https://github.com/ENTERPRISE_SLUG`.
const GITHUB_AUDIT_LOG: &str = "oidc-configuration.audit-log.githubusercontent.com";
/// Sandboxes.cloud's one issuer, whose audience is the customer's organization name.
const SANDBOXES: &str = "sandboxes.cloud";
/// A shared issuer whose subject names the customer within its first `fields` fields (split on
/// `separator`): a wildcard there is any customer's.
struct PrefixScoped {
    hosts: &'static [&'static str],
    separator: char,
    fields: usize,
    names: &'static str,
    fill_in: &'static str,
}

const SHARED_ISSUERS_BY_PREFIX: [PrefixScoped; 3] = [
    // Modal's one issuer, every workspace's: `modal:workspace_id:ID:environment_name:ENV:…:
    // container_id:ID`, and `aud` is `oidc.modal.com` in every token.
    PrefixScoped {
        hosts: &["oidc.modal.com"],
        separator: ':',
        fields: 3,
        names: "workspace, e.g. modal:workspace_id:WORKSPACE_ID:* (each container has its own id)",
        fill_in: "modal:workspace_id:REPLACE_WITH_WORKSPACE_ID:*",
    },
    // Depot CI's one issuer: `spiffe://identity.depot.dev/org/ORG_ID/ci/github/OWNER/REPO/…`.
    PrefixScoped {
        hosts: &["identity.depot.dev"],
        separator: '/',
        fields: 5,
        names: "organization, e.g. spiffe://identity.depot.dev/org/ORG_ID/* (each run has its own sandbox)",
        fill_in: "spiffe://identity.depot.dev/org/REPLACE_WITH_ORG_ID/*",
    },
    // IBM Turbonomic SaaS's clusters, each signing its tenants' service accounts
    // (`system:serviceaccount:TENANT_ID:NAME`): shared issuers, as AWS's resource control policy
    // examples list them ("Shared-Issuers.json").
    PrefixScoped {
        hosts: &[
            // The first SaaS release's (2020) EKS cluster, still in its customers' accounts.
            "oidc.eks.us-east-1.amazonaws.com/id/0D5AD0CE5E60A15A7B51B2187357542B",
            "rh-oidc.s3.us-east-1.amazonaws.com/22ejnvnnturfmt6km08idd0nt4hekbn7",
            "rh-oidc.s3.us-east-1.amazonaws.com/23e3sd27sju1hoou6ohfs68vbno607tr",
            "rh-oidc.s3.us-east-1.amazonaws.com/23ne21h005qjl3n33d8dui5dlrmv2tmg",
            "rh-oidc.s3.us-east-1.amazonaws.com/24jrf12m5dj7ljlfb4ta2frhrcoadm26",
            "oidc.op1.openshiftapps.com/2f785sojlpb85i7402pk3qogugim5nfb",
            "oidc.op1.openshiftapps.com/2c51blsaqa9gkjt0o9rt11mle8mmropu",
        ],
        separator: ':',
        fields: 3,
        names: "tenant, e.g. system:serviceaccount:TENANT_ID:*",
        fill_in: "system:serviceaccount:REPLACE_WITH_TENANT_ID:*",
    },
];

fn prefix_scoped(host: &str) -> Option<&'static PrefixScoped> {
    SHARED_ISSUERS_BY_PREFIX.iter().find(|p| p.hosts.contains(&host))
}

/// How trust in a web-identity provider is narrowed to some of its identities: the keys that do
/// it (`<host>:<key>`), the first being the one a fix adds, and what its value names. AWS
/// documents keys of their own for Cognito identity pools (`aud`, the pool id), Google (`aud`,
/// the app's client id), Facebook and Login with Amazon (`app_id`); every other OIDC provider
/// (GitHub, GitLab, EKS, …) is narrowed by `sub`.
pub(crate) struct OidcScope {
    pub keys: &'static [&'static str],
    pub names: &'static str,
    pub fill_in: &'static str,
    /// The fill-in is a pattern: the subject holds a part that changes from run to run (a
    /// commit, a step, a run phase, the user who started it), so no exact value lasts.
    pub like: bool,
}

impl OidcScope {
    pub fn of(host: &str) -> OidcScope {
        let (keys, names, fill_in): (&'static [&'static str], _, _) = match host {
            _ if is_cognito(host) => (
                &["aud", "sub"],
                "identity pool id (REGION:GUID)",
                "REPLACE_WITH_IDENTITY_POOL_ID",
            ),
            // `email` names one Google account (a GKE workload's service account): read by STS
            // since January 2026 or, if not, letting nobody in; a pattern of it opens it.
            "accounts.google.com" => (
                &["aud", "sub", "email"],
                "client id of your app",
                "REPLACE_WITH_CLIENT_ID",
            ),
            "graph.facebook.com" => (&["app_id", "id"], "id of your app", "REPLACE_WITH_APP_ID"),
            "www.amazon.com" => (&["app_id", "user_id"], "id of your app", "REPLACE_WITH_APP_ID"),
            // STS reads these claims as keys of their own since January 2026; the ones that name
            // a repository or an enterprise scope like the subject.
            PULUMI => (
                &["sub"],
                "subject, e.g. pulumi:environments:org:ORG:env:PROJECT/ENVIRONMENT",
                "pulumi:environments:org:REPLACE_WITH_ORG:env:REPLACE_WITH_PROJECT/REPLACE_WITH_ENVIRONMENT",
            ),
            GITHUB_AUDIT_LOG => (
                &["sub"],
                "enterprise, https://github.com/ENTERPRISE_SLUG",
                "https://github.com/REPLACE_WITH_ENTERPRISE_SLUG",
            ),
            SANDBOXES => (
                &["aud"],
                "organization, its name as the audience",
                "REPLACE_WITH_ORG_NAME",
            ),
            GITHUB_ACTIONS => (
                &[
                    "sub",
                    "repository",
                    "repository_id",
                    "repository_owner_id",
                    "enterprise_id",
                ],
                "subject, e.g. repo:OWNER/REPO:ref:refs/heads/main",
                "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/heads/main",
            ),
            // Its AWS tokens' subject is one of Teleport's own services (`system:proxy`,
            // `system:auth`): the integration is named by the audience Teleport writes.
            _ if is_teleport_cloud(host) => (&["aud"], "integration, discover.teleport", "discover.teleport"),
            _ if is_eks_issuer(host) => (
                &["sub"],
                "service account, system:serviceaccount:NAMESPACE:NAME",
                "system:serviceaccount:REPLACE_WITH_NAMESPACE:REPLACE_WITH_SERVICE_ACCOUNT",
            ),
            _ => match Self::changing_subject(host) {
                Some((names, fill_in)) => {
                    return OidcScope {
                        keys: Self::subject_and_owner_claims(host),
                        names,
                        fill_in,
                        like: true,
                    };
                }
                None => (
                    Self::subject_and_owner_claims(host),
                    "subject",
                    "REPLACE_WITH_ALLOWED_SUBJECT",
                ),
            },
        };
        OidcScope {
            keys,
            names,
            fill_in,
            like: false,
        }
    }

    /// [`OidcScope::of`] for a statement with `conditions`: at Pulumi's issuer, an audience that
    /// is the organization's name alone is Deployments' or ESC's default project's (ESC's other
    /// projects' is `aws:ORG`), whose subjects differ: the fix names both. The suggestion keeps
    /// ESC's, the one Pulumi recommends.
    pub fn at(host: &str, conditions: &[Condition]) -> OidcScope {
        let bare_audience = || {
            (conditions.iter())
                .filter(|c| !c.operator.is_negated())
                .filter(|c| strip_prefix_ignore_case(&c.key, PULUMI).is_some_and(|k| k.eq_ignore_ascii_case(":aud")))
                .flat_map(|c| c.values.iter())
                .any(|a| strip_prefix_ignore_case(a, "aws:").is_none())
        };
        if host == PULUMI && bare_audience() {
            return OidcScope {
                names: "subject: pulumi:environments:org:ORG:env:PROJECT/ENVIRONMENT for ESC, or pulumi:deploy:org:ORG:project:PROJECT:stack:STACK:* under StringLike for Deployments (whose tokens have the organization's name alone as their audience, as ESC's default project's do)",
                ..OidcScope::of(host)
            };
        }
        OidcScope::of(host)
    }

    /// The CI services whose subject ends in a part that changes from run to run, with what
    /// their own guides write (a `StringLike` pattern): an exact subject would let one run in.
    /// The subject, and the claims STS reads of a shared CI issuer that name one customer's
    /// project or organization by an id or name no other has (the service authorization
    /// reference's keys of `sts:AssumeRoleWithWebIdentity`).
    fn subject_and_owner_claims(host: &str) -> &'static [&'static str] {
        match host {
            "gitlab.com" => &["sub", "project_id", "namespace_id"],
            "agent.buildkite.com" => &["sub", "organization_id", "organization_slug", "pipeline_id"],
            _ => &["sub"],
        }
    }

    fn changing_subject(host: &str) -> Option<(&'static str, &'static str)> {
        if host == "app.terraform.io" {
            Some((
                "workspace, e.g. organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:* (each run has a plan and an apply phase)",
                "organization:REPLACE_WITH_ORG:project:REPLACE_WITH_PROJECT:workspace:REPLACE_WITH_WORKSPACE:run_phase:*",
            ))
        } else if host == "agent.buildkite.com" {
            Some((
                "pipeline, e.g. organization:ORG:pipeline:PIPELINE:ref:refs/heads/main:commit:*:step:* (each build has its own commit and steps)",
                "organization:REPLACE_WITH_ORG:pipeline:REPLACE_WITH_PIPELINE:ref:refs/heads/main:commit:*:step:*",
            ))
        } else if is_bitbucket_workspace(host) {
            Some((
                "repository, e.g. {REPOSITORY_UUID}:* (each step has its own id; {REPOSITORY_UUID}{ENVIRONMENT_UUID}:* for one deployment environment)",
                "{REPLACE_WITH_REPOSITORY_UUID}:*",
            ))
        } else if let Some(shared) = prefix_scoped(host) {
            Some((shared.names, shared.fill_in))
        } else if let Some((_, _, names, fill_in)) = SHARED_ISSUERS_BY_OWNER.iter().find(|(issuer, ..)| *issuer == host)
        {
            Some((names, fill_in))
        } else if host.starts_with(CIRCLECI_ISSUER) {
            Some((
                "project, e.g. org/ORG_ID/project/PROJECT_ID/user/* (the user is whoever starts the run)",
                "org/REPLACE_WITH_ORG_ID/project/REPLACE_WITH_PROJECT_ID/user/*",
            ))
        } else {
            None
        }
    }

    /// The scoping claim a condition key names for the provider at `host` (`HOST:sub` → `sub`),
    /// as the table spells it.
    pub fn claim_of(&self, host: &str, key: &str) -> Option<&'static str> {
        let after_host = strip_prefix_ignore_case(key, host)?.strip_prefix(':')?;
        self.keys.iter().copied().find(|k| k.eq_ignore_ascii_case(after_host))
    }

    /// Does a value of `key` (compared with `StringLike` when `like`) leave the provider's
    /// identities open? In the subject of an issuer every customer shares (`claim:value:…`), the
    /// first claim must name the owner, whatever the operator: a repository's admin chooses
    /// GitHub's claims, so `environment:production` is anyone's production environment, and
    /// `job_workflow_ref:acme/…` any caller of acme's workflow. With `StringLike`, a wildcard
    /// in that claim's name or in its value up to the first `/` opens it too (`repo:acme*` is
    /// also `repo:acme-evil/…`; `repo:acme/*` and `repository_owner:acme:*` name the owner), as
    /// does a wildcard at the start of any other subject and any wildcard in an id the provider
    /// assigns (a pool, an app, a Cognito or Google user).
    pub fn opened_by(host: &str, key: &str, value: &str, like: bool, version: Version) -> bool {
        // A value the caller fills in is met as the pattern it makes.
        match variables_filled(value, version) {
            // A literal `*` or `?` (`${*}`): no token's claim has one, so the value names none.
            Some((pattern, _)) if pattern.contains(crate::evaluate::NO_VALUE_HAS) => false,
            Some((pattern, callers)) => Self::opened_by_written(host, key, &pattern, like || callers),
            None => Self::opened_by_written(host, key, value, like),
        }
    }

    /// [`OidcScope::opened_by`] for a value without the caller's policy variables.
    fn opened_by_written<'v>(host: &str, key: &str, value: &'v str, like: bool) -> bool {
        let assigned_sub = host == GOOGLE || is_cognito(host) || is_login_service(host);
        // A pattern a template leaves to a parameter, whole or in part (`acme-${Team}`), is
        // whatever the deployer passes, `*` too.
        let wild = |text: &str| like && has_wildcard(&crate::validity::parameters_as_wildcard(text));
        // An owner left to a parameter is anyone's whatever the operator, unless its pattern keeps
        // a wildcard out of it (`OWNER/*` allowed: one owner's repositories).
        let opens_owner = |owner: &str| {
            (like && has_wildcard(&crate::validity::owner_parameters_as_wildcard(owner)))
                || crate::validity::is_parameter_as_owner(owner)
        };
        // `modal:workspace_id:ID:…`: a wildcard up to the customer is anyone's.
        if let Some(shared) = prefix_scoped(host).filter(|_| key == "sub") {
            return (value.splitn(shared.fields + 1, shared.separator))
                .take(shared.fields)
                .any(wild);
        }
        match key {
            "aud" if host == GOOGLE && is_public_google_client(value) => true,
            "sub" if assigned_sub => wild(value),
            // `pulumi:KIND:org:ORG:…`: a wildcard up to the organization is anyone's.
            "sub" if host == PULUMI => value.splitn(5, ':').take(4).any(wild),
            // The enterprise is the whole subject.
            "sub" if host == GITHUB_AUDIT_LOG => wild(value),
            // `org/ORG_ID/project/PROJECT_ID/user/USER_ID`, at an organization's own issuer: a
            // wildcard up to the project id is every project of it, as trusting the issuer whole
            // is (a wildcard spans the `/`s after it).
            "sub" if host.starts_with(CIRCLECI_ISSUER) => {
                // An id CircleCI assigns is a UUID, of one length: a wildcard right after a whole
                // one (`project/PROJECT_ID*`) adds to that project's subjects only.
                // Not the organization's: `org/ORG_ID*` spans every project of it.
                let anchored = |segment: &str| {
                    let end = segment.find(['*', '?']).unwrap_or(segment.len());
                    is_uuid(&segment[..end])
                };
                (value.splitn(5, '/').take(4).enumerate())
                    .any(|(i, segment)| wild(segment) && !(i == 3 && anchored(segment)))
            }
            "sub" if is_spacelift_issuer(host) => like && !names_spacelift_caller(value),
            // `{REPOSITORY_UUID}[{ENVIRONMENT_UUID}]:{STEP_UUID}`, at a workspace's own issuer: a
            // wildcard before the repository's UUID is closed (`{*}:*`, `{1111*`) is every
            // repository of the workspace, as trusting the issuer whole is.
            "sub" if is_bitbucket_workspace(host) => {
                wild(value) && value != OidcScope::of(host).fill_in && !names_bitbucket_repository(value)
            }
            "sub" => match owner_claims_of(host) {
                // The suggested policy's fill-in, exactly: it is judged as what the reader puts
                // there (as written, no token's subject is that). Any other value holding it is
                // judged as written: `*REPLACE_WITH_*` is every repository.
                Some(_) if value == OidcScope::of(host).fill_in => false,
                Some(owner_claims) => {
                    let (name, owner) = first_claim(value);
                    // Claim names ignore case here: a name no token has matches nothing, which
                    // opens nothing either (`StringEqualsIgnoreCase … Repo:acme/…`). An owner a
                    // template leaves to a parameter (`repo:${GitHubOrg}/…`) is whoever the
                    // deployer passes, `*` included, as a whole subject left to one is.
                    let named = |owner: &'v str| named_owner(host, owner);
                    !owner_claims.iter().any(|c| c.eq_ignore_ascii_case(name))
                        || wild(name)
                        || owner.is_some_and(|owner| opens_owner(named(owner)))
                }
                None => {
                    // A self-hosted GitLab, Terraform Enterprise or GitHub Enterprise Server
                    // writes its subjects as the shared service does: a wildcard in the owner
                    // (`project_path:*`, `project_path:acme*`) is every project of the instance,
                    // as trusting the issuer whole is.
                    let (name, owner) = first_claim(value);
                    // As a token's claim names are written (`project_*` is project_path too).
                    let ci_shaped = SHARED_CI_ISSUERS
                        .iter()
                        .any(|(_, claims)| claims.iter().any(|c| glob(name, c, false)));
                    // A whole subject left to a parameter may be `*`, and so may a namespace
                    // (`system:serviceaccount:${Namespace}:*`).
                    let open = crate::validity::parameters_as_wildcard(value);
                    like && (value.starts_with('*')
                        || crate::validity::is_parameter(value)
                        || value.starts_with("repo:*")
                        || names_nothing(value)
                        || every_service_account(&open)
                        || in_every_namespace(&open)
                        || every_user_of_a_login(&open)
                        || (ci_shaped
                            && (wild(name) || owner.is_some_and(|owner| opens_owner(named_owner(host, owner))))))
                }
            },
            // `OWNER/REPO`: the owner is what a stranger can't have.
            "repository" if host == GITHUB_ACTIONS => (value.split('/').next()).is_some_and(opens_owner),
            _ => wild(value),
        }
    }
}

/// The owner's name in a subject's owner claim. GitHub's immutable subjects (github.com's issuer
/// and an enterprise's own, `…/ENTERPRISE_SLUG`) give it as `NAME@ID` (`repo:acme@123/app@456:…`),
/// and no owner's name holds an `@`: a wildcard past it is within `NAME`'s.
fn named_owner<'v>(host: &str, owner: &'v str) -> &'v str {
    let github = host
        .strip_prefix(GITHUB_ACTIONS)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    match owner.split_once('@') {
        Some((name, _)) if github => name,
        _ => owner,
    }
}

/// An Okta organization's, an Auth0 tenant's or a Microsoft Entra tenant's issuer
/// (`ORG.okta.com/oauth2/default`, `TENANT.us.auth0.com/`, `sts.windows.net/TENANT_ID/`): its
/// subject is an id it assigns to each user (Okta's `00u…`, Auth0's `CONNECTION|ID`, Entra's
/// pairwise id, or a service principal's object id in an app-only token), so a wildcard in it is
/// every user or application that can sign in, sign-ups and third-party apps included.
fn is_login_service(host: &str) -> bool {
    let domain = host.split('/').next().unwrap_or(host);
    const ENTRA: [&str; 6] = [
        "sts.windows.net",
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "sts.chinacloudapi.cn",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    ];
    ENTRA.contains(&domain)
        || [".okta.com", ".oktapreview.com", ".okta-emea.com", ".auth0.com"]
            .iter()
            .any(|suffix| domain.len() > suffix.len() && domain.ends_with(suffix))
}

/// Does a `StringLike` subject of an issuer this catalog doesn't know admit every user of a
/// login service on a domain of its own (Auth0's and Okta's custom domains sign with it)? Auth0's
/// `CONNECTION|ID` with a wildcard in it (`google-oauth2|*`: every Google user who can sign in),
/// or a wildcard in Okta's `00u…` user id.
fn every_user_of_a_login(pattern: &str) -> bool {
    let okta_user = pattern.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("00u"))
        && pattern.get(..20).unwrap_or(pattern).contains(['*', '?']);
    // In the connection's name, or right after a `|` (`google-oauth2|*`, `ad|Corp-LDAP|*`): a
    // whole user id followed by a wildcard is that user's.
    let auth0_connection = pattern.contains('|')
        && pattern.find(['*', '?']).is_some_and(|at| {
            let before = &pattern[..at];
            !before.contains('|') || before.ends_with('|')
        });
    okta_user || auth0_connection
}

/// A Bitbucket workspace's issuer (`api.bitbucket.org/2.0/workspaces/WORKSPACE/…`).
fn is_bitbucket_workspace(host: &str) -> bool {
    host.starts_with("api.bitbucket.org/2.0/workspaces/")
}

/// Whether a Bitbucket subject pattern names one repository: it begins with a whole UUID in
/// braces (the repository's, `{8a1b2c3d-…}…`), or what comes before its `:` ends with one (a
/// deployment environment's, which belongs to one repository: `*{ENVIRONMENT_UUID}:*`).
fn names_bitbucket_repository(value: &str) -> bool {
    let braced = |text: &str| {
        text.strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .is_some_and(is_uuid)
    };
    let head = value.split(':').next().unwrap_or(value);
    let environment = head
        .len()
        .checked_sub(38)
        .and_then(|at| head.get(at..))
        .is_some_and(braced);
    value.get(..38).is_some_and(braced) || environment
}

/// The subject a suggestion writes for a provider whose scope is `fill_in` to fill in: a CircleCI
/// organization's issuer names its organization, which its subjects must name too (another is
/// no token's), so only the project is left to fill in.
pub(crate) fn subject_to_fill_in(host: &str, fill_in: &str) -> String {
    match circleci_organization(host).filter(|org| is_uuid(org)) {
        Some(org) => fill_in.replace("REPLACE_WITH_ORG_ID", org),
        None => fill_in.to_owned(),
    }
}

/// The organization a CircleCI issuer (`oidc.circleci.com/org/ORG_ID`) is its own.
pub(crate) fn circleci_organization(host: &str) -> Option<&str> {
    host.strip_prefix(CIRCLECI_ISSUER)
}

/// `8a1b2c3d-1111-2222-3333-444455556666`: 36 characters, hex digits in five dashed groups.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A CI subject's first claim and its owner (`repo:acme/app:ref:…` → `repo`, `acme`).
/// Whether the owner a subject or a repository names (`repo:OWNER/…`, `OWNER/REPO`) is a template
/// parameter, whoever the deployer passes. Not an import, a pseudo parameter or a fill-in, which
/// name what exists or no one.
fn owner_is_parameter(claim: &str, value: &str) -> bool {
    let owner = match claim {
        "repository" => value.split('/').next(),
        _ => first_claim(value).1,
    };
    owner.is_some_and(crate::validity::is_parameter_as_owner)
}

fn first_claim(subject: &str) -> (&str, Option<&str>) {
    let mut claim = subject.splitn(3, ':');
    let name = claim.next().unwrap_or_default();
    let owner = claim.next().map(|v| v.split('/').next().unwrap_or(v));
    (name, owner)
}

/// An EKS cluster's issuer, exactly `oidc.eks.REGION.amazonaws.com[.cn]/id/ID`: a lookalike
/// (`oidc.eks.us-east-1.amazonaws.com.attacker.com/id/x`) is anyone's.
pub(crate) fn is_eks_issuer(host: &str) -> bool {
    let Some((domain, id)) = host.split_once("/id/") else {
        return false;
    };
    let region = domain.strip_prefix("oidc.eks.").and_then(|rest| {
        // The isolated partitions' domains too (`oidc.eks.us-iso-east-1.c2s.ic.gov/id/…`).
        [".amazonaws.com", ".amazonaws.com.cn", ".c2s.ic.gov", ".sc2s.sgov.gov"]
            .iter()
            .find_map(|domain| rest.strip_suffix(domain))
    });
    let label = |text: &str| !text.is_empty() && text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
    // A cluster a template makes has an id once it exists: undetermined, but an EKS issuer's (its
    // region too, the stack's own, when the scan isn't given one; not a parameter's, which may
    // hold a host of its own).
    let undetermined = |text: &str| text.starts_with(crate::validity::OPAQUE_PREFIX) && text.ends_with(')');
    region.is_some_and(|r| label(r) || r == crate::validity::STACK_REGION) && (label(id) || undetermined(id))
}

/// Does a `StringLike` subject admit every service account of a Kubernetes cluster
/// (`system:serviceaccount:*`, `s*`, `*:*`)? Every subject a cluster signs (EKS, or one run
/// by hand, or an issuer a template leaves undetermined) is `system:serviceaccount:NAMESPACE:NAME`:
/// a pattern met by two that share nothing beyond that form is taken to be met by all.
fn every_service_account(pattern: &str) -> bool {
    ["system:serviceaccount:0:1", "system:serviceaccount:23-45:67-89"]
        .iter()
        .all(|subject| glob(pattern, subject, false))
}

/// Does a `StringLike` subject admit a service account of its name in every namespace
/// (`system:serviceaccount:*:default`, `…:*:ebs-csi-controller-sa`)? Kubernetes makes a
/// `default` one in each, which a pod that names none runs as; and whoever may create a service
/// account in any namespace, their team's own, may give it the name asked for. Told by the name
/// as written (a wildcard in it as `x`) in two namespaces that share nothing. Not one with a
/// policy variable, which a token's request may not have (and then matches nothing).
fn in_every_namespace(pattern: &str) -> bool {
    let Some(rest) = pattern
        .strip_prefix("system:serviceaccount:")
        .filter(|_| !has_variable(pattern))
    else {
        return false;
    };
    let name: String = (rest.rsplit(':').next().unwrap_or(rest))
        .chars()
        .map(|c| if c == '*' || c == '?' { 'x' } else { c })
        .collect();
    ["0", "23-45"]
        .iter()
        .all(|namespace| glob(pattern, &text!("system:serviceaccount:", namespace, ":", name), false))
}

/// Each Teleport Cloud cluster signs its AWS integration's tokens with an issuer of its own, its
/// proxy's address (`TENANT.teleport.sh`).
fn is_teleport_cloud(host: &str) -> bool {
    host.strip_suffix(".teleport.sh").is_some_and(|tenant| {
        !tenant.is_empty()
            && !tenant.starts_with('-')
            && !tenant.ends_with('-')
            && (tenant.bytes()).all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    })
}

/// Each Spacelift account signs with an issuer of its own (`ACCOUNT.app.spacelift.io`).
fn is_spacelift_issuer(host: &str) -> bool {
    host.strip_suffix(".app.spacelift.io")
        .is_some_and(|account| !account.is_empty() && account.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
}

/// A Spacelift subject pattern (`space:SPACE:stack:STACK:run_type:TYPE:scope:SCOPE`, `module:`
/// for a module) that writes out a space, stack or module: it names some of the account's runs,
/// wherever its wildcards are (`*:stack:prod-db:*`, as Spacelift's guide writes it). Or a space
/// below the root written out in its path, which a customized subject template holds
/// (`*:space_path:/root/production/*`, `/root/production/*`: Spacelift's "Customizing the OIDC
/// Subject Claim").
fn names_spacelift_caller(value: &str) -> bool {
    const ROOT: &str = "/root/";
    let below_root = value.match_indices(ROOT).any(|(at, _)| {
        let rest = value.get(at + ROOT.len()..).unwrap_or_default();
        let end = rest.find(['/', ':', '|']).unwrap_or(rest.len());
        let space = rest.get(..end).unwrap_or_default();
        !space.is_empty() && !has_wildcard(space) && !crate::validity::is_parameter(space)
    });
    if below_root {
        return true;
    }
    let claims: Vec<&str> = value.split(':').collect();
    claims.windows(2).any(|pair| {
        let [name, id] = pair else {
            return false;
        };
        // Not the `root` or `legacy` space: many accounts keep every stack there.
        let shared_space = *name == "space" && matches!(*id, "root" | "legacy");
        matches!(*name, "space" | "stack" | "module")
            && !shared_space
            && !id.is_empty()
            && !has_wildcard(id)
            && !crate::validity::is_parameter(id)
    })
}

/// GitHub Enterprise Server's issuer: the company's own server (`HOSTNAME/_services/token`).
pub(crate) fn is_github_enterprise_server(host: &str) -> bool {
    host.strip_suffix("/_services/token")
        .is_some_and(|server| !server.is_empty() && !server.contains('/'))
}

/// GitHub Enterprise Cloud with data residency: the enterprise's own subdomain
/// (`token.actions.SUBDOMAIN.ghe.com`).
pub(crate) fn is_github_data_residency(host: &str) -> bool {
    host.strip_prefix("token.actions.")
        .and_then(|rest| rest.strip_suffix(".ghe.com"))
        .is_some_and(|subdomain| !subdomain.is_empty() && !subdomain.contains(['.', '/']))
}

/// An issuer that signs the tokens of one customer only, and whose: every identity it has is
/// that customer's (an EKS cluster's service accounts, a Bitbucket workspace's or a CircleCI
/// organization's pipelines). What trusting it whole lets in, or `None` for other issuers.
pub(crate) fn tenant_issuer(host: &str) -> Option<&'static str> {
    if prefix_scoped(host).is_some() {
        // A vendor's cluster that signs every customer's service accounts (Turbonomic SaaS's
        // EKS cluster): strangers' identities.
        None
    } else if is_eks_issuer(host) {
        Some("every service account of that EKS cluster")
    } else if host
        .strip_prefix("container.googleapis.com/v1/projects/")
        .is_some_and(|rest| rest.contains("/clusters/"))
    {
        // A GKE cluster's issuer (`…/projects/P/locations/L/clusters/C`).
        Some("every service account of that GKE cluster")
    } else if host
        .split_once(".oic.prod-aks.azure.com/")
        .is_some_and(|(region, cluster)| !region.is_empty() && !region.contains('/') && !cluster.is_empty())
    {
        // An AKS cluster's issuer (`REGION.oic.prod-aks.azure.com/TENANT/CLUSTER/`).
        Some("every service account of that AKS cluster")
    } else if is_bitbucket_workspace(host) {
        Some("every pipeline of that Bitbucket workspace")
    } else if host.starts_with(CIRCLECI_ISSUER) {
        Some("every project of that CircleCI organization")
    } else if is_spacelift_issuer(host) {
        Some("every stack of that Spacelift account")
    } else if is_teleport_cloud(host) {
        Some("every integration of that Teleport Cloud cluster")
    } else if host
        .strip_prefix("vstoken.dev.azure.com/")
        .is_some_and(|organization| !organization.is_empty() && !organization.contains('/'))
    {
        // Azure DevOps signs with an issuer per organization (`vstoken.dev.azure.com/ORG_GUID`).
        Some("every pipeline of that Azure DevOps organization")
    } else if is_github_enterprise_server(host) {
        Some("every workflow of that GitHub Enterprise Server")
    } else if host
        .strip_prefix("oidc.vercel.com/")
        .is_some_and(|team| !team.is_empty() && !team.contains('/'))
    {
        // Vercel's issuer in team mode, one per team (`oidc.vercel.com/TEAM_SLUG`).
        Some("every project of that Vercel team")
    } else if host
        .strip_prefix(GITHUB_ACTIONS)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|enterprise| !enterprise.is_empty())
    {
        // GitHub Enterprise Cloud's issuer of an enterprise's own (`…/ENTERPRISE_SLUG`).
        Some("every workflow of that GitHub enterprise")
    } else if is_github_data_residency(host) {
        Some("every workflow of that GitHub enterprise")
    } else if host.strip_prefix("oidc.fly.io/").is_some_and(one_segment) {
        // Fly.io signs with an issuer per organization (`oidc.fly.io/ORG_SLUG`).
        Some("every machine of that Fly.io organization")
    } else if host
        .strip_prefix("app.harness.io/ng/api/oidc/account/")
        .is_some_and(one_segment)
    {
        // Harness signs with an issuer per account (`app.harness.io/ng/api/oidc/account/ID`).
        Some("every pipeline of that Harness account")
    } else {
        None
    }
}

/// One segment of a path: a slug, an id.
fn one_segment(rest: &str) -> bool {
    !rest.is_empty() && !rest.contains('/')
}

/// An issuer every customer shares whose audience names the customer (Pulumi's `aws:ORG`,
/// Vercel's global issuer's `https://vercel.com/TEAM_SLUG`, which every token of it carries for
/// its own team: a custom audience comes from the team's issuer): a condition that demands such
/// audiences lets in that customer's identities only, every one of them. What it lets in,
/// or `None`.
fn tenant_audience(host: &str, conditions: &[Condition], version: Version) -> Option<&'static str> {
    let (names_customer, whom): (fn(&str) -> bool, _) = match host {
        PULUMI => (|_| true, "every stack and environment of that Pulumi organization"),
        VERCEL => (
            |audience| audience.strip_prefix("https://vercel.com/").is_some_and(one_segment),
            "every project of that Vercel team",
        ),
        _ => return None,
    };
    let key = format!("{host}:aud");
    conditions
        .iter()
        .any(|c| {
            c.key.eq_ignore_ascii_case(&key)
                && matches!(
                    c.operator,
                    Operator::Known {
                        base: BaseOperator::StringEquals | BaseOperator::StringLike,
                        set: None,
                        if_exists: false,
                    }
                )
                && !c.values.is_empty()
                && (c.values.iter())
                    .all(|v| names_customer(v) && !has_wildcard(v) && !holds_callers_variable(v, version))
        })
        .then_some(whom)
}

/// Whether the issuer at `host` (lower case) is one only its operator runs, whose claims this
/// engine reads by name: a stranger's token from it names their own identities there. Any other
/// host (a lookalike, a typo, a domain anyone may serve) may be the stranger's own issuer.
pub(crate) fn is_known_issuer(host: &str) -> bool {
    matches!(
        host,
        GOOGLE | "graph.facebook.com" | "www.amazon.com" | PULUMI | GITHUB_ACTIONS
    ) || is_cognito(host)
        || is_eks_issuer(host)
        || OidcScope::changing_subject(host).is_some()
        || owner_claims_of(host).is_some()
        || matches!(host, GITHUB_AUDIT_LOG | SANDBOXES)
        // Not GitHub Enterprise Server's: any host can serve `/_services/token`.
        || (tenant_issuer(host).is_some() && !host.ends_with("/_services/token"))
}

/// OAuth clients of Google's own that anyone signs in to (among them the gcloud CLI, application
/// default credentials, the OAuth Playground), by project number: a token issued to one is anyone's.
const PUBLIC_GOOGLE_CLIENTS: [&str; 3] = ["32555940559", "764086051850", "407408718192"];

pub(crate) fn is_public_google_client(value: &str) -> bool {
    let project = value.split(['-', '.']).next().unwrap_or(value);
    PUBLIC_GOOGLE_CLIENTS.contains(&project)
}

/// CI services whose one issuer signs the tokens of every customer, with the claims that name
/// the customer at the start of a subject (`repo:OWNER/…`, `project_path:GROUP/…`,
/// `organization:ORG:…`; GitHub's subject claims are the repository's choice, and these are the
/// ones bound to an owner, a repository or an enterprise). An issuer of one's own (an EKS cluster,
/// a tenant, a CircleCI organization) is scoped by the issuer itself.
const SHARED_CI_ISSUERS: [(&str, &[&str]); 8] = [
    (GITHUB_ACTIONS, GITHUB_OWNER_CLAIMS),
    (
        "gitlab.com",
        &["project_path", "project_id", "namespace_path", "namespace_id"],
    ),
    ("app.terraform.io", &["organization"]),
    ("agent.buildkite.com", &["organization"]),
    // Vercel's global issuer, every team's: `owner:TEAM:project:PROJECT:environment:ENV`.
    (VERCEL, &["owner"]),
    // Upbound's, every customer's control planes: `mcp:ORG/CONTROL_PLANE:provider:PROVIDER`.
    ("proidc.upbound.io", &["mcp"]),
    // Scalr's, every customer's: `account:ACCOUNT:environment:ENV:workspace:WORKSPACE:…`.
    ("scalr.io", &["account"]),
    // GitHub's legacy issuer, still accepted: the same subjects.
    ("vstoken.actions.githubusercontent.com", GITHUB_OWNER_CLAIMS),
];

/// The claims that name the customer at the start of a subject of the shared issuer at `host`:
/// the CI services' above and the other services' below.
fn owner_claims_of(host: &str) -> Option<&'static [&'static str]> {
    shared_issuers_by_owner()
        .find(|(issuer, _)| *issuer == host)
        .map(|(_, claims)| claims)
}

fn shared_issuers_by_owner() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    (SHARED_CI_ISSUERS.iter().copied()).chain(
        SHARED_ISSUERS_BY_OWNER
            .iter()
            .map(|(issuer, claims, ..)| (*issuer, *claims)),
    )
}

/// Shared issuers whose subject starts with the customer's claim, with what a fix names (a
/// pattern: the subject may end in a part each run has its own of). Shisho Cloud's, Codefresh's
/// and DataChain Studio's (AWS's resource control policy examples, "Shared-Issuers.json", with
/// each one's guide), RWX's and Gitpod's (Ona's) (their OIDC guides).
const SHARED_ISSUERS_BY_OWNER: [(&str, &[&str], &str, &str); 5] = [
    (
        "tokens.cloud.shisho.dev",
        &["job"],
        "organization, e.g. job:ORG_ID:* (each job has its own id)",
        "job:REPLACE_WITH_ORG_ID:*",
    ),
    (
        "oidc.codefresh.io",
        &["account"],
        "account, e.g. account:ACCOUNT_ID:* (each pipeline run has its own ids)",
        "account:REPLACE_WITH_ACCOUNT_ID:*",
    ),
    (
        "studio.datachain.ai/api",
        &["credentials"],
        "team, e.g. credentials:TEAM/*",
        "credentials:REPLACE_WITH_TEAM/*",
    ),
    // `mint:ORG_UUID:VAULT`.
    (
        "cloud.rwx.com/mint",
        &["mint"],
        "vault, mint:ORG_UUID:VAULT",
        "mint:REPLACE_WITH_ORG_UUID:REPLACE_WITH_VAULT",
    ),
    // `org:ORG_ID/prj:PROJECT_ID/env:ENV_ID` (also `/user:…`, `/rnr:…`), or in its third version
    // `organization_id:ORG_ID:project_id:PROJECT_ID`.
    (
        "app.gitpod.io",
        &["org", "organization_id"],
        "organization, e.g. org:ORG_ID/* (each environment has its own id)",
        "org:REPLACE_WITH_ORG_ID/*",
    ),
];

/// The claims that name a GitHub repository's owner at the start of a subject.
const GITHUB_OWNER_CLAIMS: &[&str] = &[
    "repo",
    // The calling workflow's own file, `OWNER/REPO/.github/workflows/…` (unlike
    // job_workflow_ref, a reusable workflow's, which any caller may run).
    "workflow_ref",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "enterprise",
    "enterprise_id",
];

/// Is the provider narrowed: a condition names some of its identities, or shuts all of them
/// out? A key of another provider the statement trusts (`gitlab.com:sub` beside GitHub's and
/// GitLab's providers) is absent from this provider's tokens, so a condition on it that fails on
/// a missing key admits none of them.
pub(crate) fn is_oidc_scoped(
    host: &str,
    conditions: &[Condition],
    providers: &ProviderHosts,
    version: Version,
) -> bool {
    names_some_identities(host, conditions, version)
        || conditions.iter().any(|c| {
            never_carried(host, c, providers)
                || crate::validity::wildcard_taken_literally(host, c)
                || crate::validity::claim_no_token_has(host, c).is_some()
        })
}

/// A condition no token of the provider at `host` meets, on a key it never carries: a claim it
/// never sends ([`asks_for_claim_never_sent`]) or another provider's ([`shuts_out_provider`]).
pub(crate) fn never_carried(host: &str, c: &Condition, providers: &ProviderHosts) -> bool {
    asks_for_claim_never_sent(host, c) || shuts_out_provider(host, c, providers)
}

/// The hosts of a statement's identity providers that it determines, read once: each provider is
/// checked against each condition's key, and a statement may list many of both.
pub(crate) struct ProviderHosts<'a>(Vec<Cow<'a, str>>);

impl<'a> ProviderHosts<'a> {
    pub(crate) fn of<P: AsRef<str>>(providers: &'a [P]) -> ProviderHosts<'a> {
        // One provider: the only host to find is the one asked about, which is told apart first
        // ([`shuts_out_provider`]); most statements name one.
        if providers.len() < 2 {
            return ProviderHosts(Vec::new());
        }
        let mut hosts: Vec<Cow<'a, str>> = (providers.iter())
            .map(|p| oidc_host(p.as_ref()))
            .filter(|host| !crate::validity::is_opaque(host))
            .map(|host| match host.bytes().any(|b| b.is_ascii_uppercase()) {
                true => Cow::Owned(host.to_ascii_lowercase()),
                false => host,
            })
            .collect();
        crate::order::sort_small_dedup(&mut hosts);
        ProviderHosts(hosts)
    }

    fn has(&self, issuer: &str) -> bool {
        let lower = |b: &u8| b.to_ascii_lowercase();
        (self.0)
            .binary_search_by(|host| host.bytes().cmp(issuer.as_bytes().iter().map(lower)))
            .is_ok()
    }
}

/// The issuer of a CircleCI organization's tokens, before the organization's id.
pub(crate) const CIRCLECI_ISSUER: &str = "oidc.circleci.com/org/";

/// Whether Deny condition `c` holds for every token of the provider at `host`: it asks for a
/// claim of another issuer (`gitlab.com:sub` of GitHub's callers, a sibling cluster's
/// `…/id/OTHER:sub`), which their tokens never carry, under an operator that holds where the key
/// is missing. Not where a template leaves either issuer undetermined.
pub(crate) fn holds_for_another_issuers_key(host: &str, c: &Condition) -> bool {
    let Operator::Known { base, set, if_exists } = c.operator else {
        return false;
    };
    let Some(issuer) = key_issuer(&c.key) else {
        return false;
    };
    !issuer.eq_ignore_ascii_case(host)
        && crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::True
        && !crate::validity::is_opaque(issuer)
        && !crate::validity::is_opaque(host)
}

fn shuts_out_provider(host: &str, c: &Condition, providers: &ProviderHosts) -> bool {
    let Operator::Known { base, set, if_exists } = c.operator else {
        return false;
    };
    let Some((issuer, _)) = c.key.rsplit_once(':') else {
        return false;
    };
    // The cheap tests first: most keys are the provider's own, and asked for on every check.
    if issuer.eq_ignore_ascii_case(host) || crate::evaluate::missing_key(base, set, if_exists, &c.values) != Tri::False
    {
        return false;
    }
    if crate::validity::is_opaque(host) {
        // A provider the template leaves undetermined may be the key's own, unless it is an EKS
        // cluster the template makes and the key another cluster's.
        return another_eks_cluster(host, issuer);
    }
    // Another of the statement's providers, or any issuer host. A key a template leaves
    // unresolved is no token's, and a provider it leaves undetermined may be the key's own.
    (key_issuer(&c.key).is_some() && !crate::validity::is_opaque(issuer)) || providers.has(issuer)
}

/// Whether `issuer` is another EKS cluster's than `host`, an EKS cluster a template makes
/// ([`crate::template_eks_issuer`], its id undetermined): another cluster the
/// template makes. An id the template leaves to a parameter or an import, or written out, may be
/// this cluster's own; so may another region's, as the host's region may be one a template reader
/// stands in with (`${AWS::Region}` unless the scan is given it).
fn another_eks_cluster(host: &str, issuer: &str) -> bool {
    fn id(issuer: &str) -> Option<&str> {
        issuer.split_once("/id/").map(|(_, id)| id)
    }
    let made_by_template = crate::validity::is_template_cluster_id;
    if !crate::validity::is_opaque(host) || !is_eks_issuer(host) || !is_eks_issuer(issuer) {
        return false;
    }
    match (id(host), id(issuer)) {
        (Some(ours), Some(theirs)) => {
            made_by_template(ours) && made_by_template(theirs) && !ours.eq_ignore_ascii_case(theirs)
        }
        _ => false,
    }
}

/// What a provider's condition key was written with before its host: two common slips, neither
/// of which any request's key starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPrefix {
    /// The URL's scheme: `https://token.actions…:sub`.
    Scheme,
    /// The provider's ARN (`arn:aws:iam::ID:oidc-provider/oidc.eks…:sub`), as a template builds
    /// the key from the provider's ARN attribute instead of its URL.
    ProviderArn,
}

/// A provider's key written with a [`KeyPrefix`], and the key as STS names it (`token.actions…:sub`).
/// Read only at the start: keys of the `aws:` namespace may hold either in a tag's name
/// (`aws:PrincipalTag/https://…`).
pub(crate) fn prefixed_provider_key(key: &str) -> Option<(&str, KeyPrefix)> {
    if let Some(rest) = ["https://", "http://"]
        .iter()
        .find_map(|scheme| strip_prefix_ignore_case(key, scheme))
    {
        return Some((rest, KeyPrefix::Scheme));
    }
    let [arn, _partition, service, _region, _account, resource] = arn_fields::<6>(key)?;
    if !arn.eq_ignore_ascii_case("arn") || !service.eq_ignore_ascii_case("iam") {
        return None;
    }
    strip_prefix_ignore_case(resource, "oidc-provider/").map(|rest| (rest, KeyPrefix::ProviderArn))
}

/// The provider `issuer`'s own key that `key` writes with a [`KeyPrefix`], as STS sends it
/// (`token.actions…:sub` of `https://token.actions…:sub` at `token.actions.githubusercontent.com`);
/// `None` for any other key, another provider's among them (which stays dead without its prefix).
pub(crate) fn prefixed_key_of<'k>(key: &'k str, issuer: &str) -> Option<(&'k str, KeyPrefix)> {
    prefixed_provider_key(key)
        .filter(|(sent, _)| (sent.rsplit_once(':')).is_some_and(|(host, _)| host.eq_ignore_ascii_case(issuer)))
}

/// The issuer host of an identity provider's condition key (`token.actions.githubusercontent.com`
/// of `token.actions.githubusercontent.com:sub`): a dot and no colon before the claim. A tag key
/// with a dot (`aws:ResourceTag/acme.com:env`) has a colon before its last one.
pub(crate) fn key_issuer(key: &str) -> Option<&str> {
    let (issuer, _) = key.rsplit_once(':')?;
    (issuer.contains('.') && !issuer.contains(':')).then_some(issuer)
}

/// Session tags an issuer fills in from its own claims that name the customer (Buildkite's
/// `session-tags`, env0's `principal_tags`, in the token's `https://aws.amazon.com/tags` claim).
/// With `sts:AssumeRoleWithWebIdentity` the caller can't add tags of their own: `aws:RequestTag/…`
/// is the issuer's word there, as a claim is.
const OWNER_SESSION_TAGS: [(&str, &[&str]); 3] = [
    ("agent.buildkite.com", &["organization_slug", "organization_id"]),
    // env0's issuer is `https://login.app.env0.com/`, its slash part of the provider's name.
    ("login.app.env0.com/", &["organizationId"]),
    ("login.app.env0.com", &["organizationId"]),
];

fn is_owner_session_tag(host: &str, key: &str) -> bool {
    let Some(tag) = strip_prefix_ignore_case(key, "aws:RequestTag/") else {
        return false;
    };
    OWNER_SESSION_TAGS
        .iter()
        .any(|(issuer, tags)| *issuer == host && tags.iter().any(|t| t.eq_ignore_ascii_case(tag)))
}

/// The condition key TRUST_OIDC_UNSCOPED asks to be narrowed for the provider at `host`: its
/// scope's first claim (`token.actions.githubusercontent.com:sub`), Sentinel's session name.
pub(crate) fn subject_key(host: &str) -> String {
    match is_sentinel_issuer(host) {
        true => "sts:RoleSessionName".to_owned(),
        false => text!(host, ":", OidcScope::of(host).keys.first().copied().unwrap_or("sub")),
    }
}

/// The session name Microsoft Sentinel's service sets, its workspace's id to fill in.
pub(crate) const SENTINEL_SESSION: &str = "MicrosoftSentinel_REPLACE_WITH_WORKSPACE_ID";

/// Microsoft Sentinel's issuer (Microsoft's own tenant), with or without the trailing `/` of its
/// documented provider URL.
pub(crate) const SENTINEL_ISSUER: &str = "sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d";

pub(crate) fn is_sentinel_issuer(host: &str) -> bool {
    host.strip_suffix('/')
        .unwrap_or(host)
        .eq_ignore_ascii_case(SENTINEL_ISSUER)
}

pub(crate) fn names_some_identities(host: &str, conditions: &[Condition], version: Version) -> bool {
    let scope = OidcScope::of(host);
    let sentinel = is_sentinel_issuer(host);
    conditions.iter().any(|c| {
        let Operator::Known { base, set, if_exists } = c.operator else {
            return false;
        };
        // A web identity's source identity is its token's claim
        // `https://aws.amazon.com/source_identity`, which the provider sets, not the caller (IAM
        // User Guide, "Monitor and control actions taken with assumed roles"): it names the
        // provider's users as a session tag the provider sets does.
        // Microsoft Sentinel's tokens come from Microsoft's own tenant, the same for every
        // customer: the session name its service sets, `MicrosoftSentinel_<workspace id>`, is
        // what tells one customer's workspace apart (the control IAM's table names for it).
        let sentinel_session = sentinel && c.key.eq_ignore_ascii_case("sts:RoleSessionName");
        if is_owner_session_tag(host, &c.key) || c.key.eq_ignore_ascii_case("sts:SourceIdentity") || sentinel_session {
            let like = base == BaseOperator::StringLike;
            let positive = matches!(base, BaseOperator::StringEquals | BaseOperator::StringEqualsIgnoreCase) || like;
            // A value a template leaves to a parameter is whatever the deployer passes, `*` too.
            let opens = |v: &str| {
                (like && has_wildcard(&crate::validity::parameters_as_wildcard(v)))
                    || holds_callers_variable(v, version)
            };
            // A token without tags has none: `…IfExists` lets it in.
            return positive
                && set.is_none()
                && !if_exists
                && !c.values.is_empty()
                && !c.values.iter().any(|v| opens(v));
        }
        // Sentinel's own claims are the same for every customer: only its session name narrows.
        if sentinel {
            return false;
        }
        let Some(key) = scope.claim_of(host, &c.key) else {
            return false;
        };
        // GitHub puts enterprise_id only in an enterprise's tokens, Google email only in those
        // asked for with it: `…IfExists` and `ForAllValues:` hold for everyone else's. The
        // other keys are in every token.
        let not_in_every_token = key == "enterprise_id" || (key == "email" && host == "accounts.google.com");
        if not_in_every_token && crate::evaluate::holds_when_missing(set, if_exists) {
            return false;
        }
        let like = matches!(base, BaseOperator::StringLike);
        let positive = matches!(base, BaseOperator::StringEquals | BaseOperator::StringEqualsIgnoreCase) || like;
        let opens = |v: &str| OidcScope::opened_by(host, key, v, like, version);
        positive && !c.values.is_empty() && !c.values.iter().any(|v| opens(v))
    })
}

fn cross_account(policy: &Policy, subject: &Subject, out: &mut Findings) {
    let Some(own) = subject.account else {
        // Without the role's account every account root could be its own: no finding rather than a false one.
        return;
    };
    for (index, s) in policy.statements.iter().enumerate() {
        if s.effect != Effect::Allow
            || s.principals.negated
            || !covers(&s.actions, ASSUME_ROLE)
            || shut_by_time(s, subject.now)
        {
            continue;
        }
        let trusted = |p: &str| !denied_or_narrowed(policy, s, p, subject);
        let mut foreign: Vec<&str> = (s.principals.aws.iter())
            .filter_map(|p| Some((p, account_principal(p)?)))
            .filter(|(p, account)| *account != own && trusted(p))
            .map(|(_, account)| account)
            .collect();
        // A wildcard narrowed to other accounts by `aws:PrincipalAccount` trusts their roots.
        foreign.extend(pinned_accounts(s, subject.account_for_sure()).filter(|account| trusted(account)));
        // Each account on its own: `aws:PrincipalArn` may pin one to a role and admit every role of
        // another.
        let foreign: Vec<&str> = (foreign.into_iter())
            .filter(|account| {
                !s.conditions
                    .iter()
                    .any(|c| narrows_cross_account(c, policy.version, account))
            })
            .collect();
        let deputies = deputies_with_any_external_id(policy, s, subject, own);
        if foreign.is_empty() && deputies.is_empty() {
            continue;
        }
        // Asked last: it reads every condition's key. A statement nobody meets trusts nobody
        // (STATEMENT_NEVER_APPLIES says so).
        if crate::validity::asks_for_unsendable_key(policy, s).is_some()
            || no_request_has_its_values(policy, s, subject)
            || crate::validity::kept_to_no_caller(s, subject.partition_for_sure()).is_some()
        {
            continue;
        }
        let sibling = match s.conditions.iter().any(is_external_id_condition) {
            true => None,
            false => (deputies.first()).and_then(|p| sibling_asking_external_id(policy, s, p, subject)),
        };
        if foreign.is_empty() {
            out.add(FindingId::CrossAccountUnconditioned, Some(index), || {
                let why = ": a vendor's role serves all its customers, and the external id is what tells you from them";
                let deputies = deputies.join(", ");
                match sibling {
                    Some(sibling) => (
                        text!(
                            "statement ",
                            index,
                            " trusts ",
                            deputies,
                            " of another account without the sts:ExternalId condition statement ",
                            sibling,
                            " asks of it",
                            why
                        ),
                        text!(
                            "ask for the external id of statement ",
                            sibling,
                            " in statement ",
                            index,
                            " too (StringEquals sts:ExternalId), or let them in by statement ",
                            sibling,
                            " alone"
                        ),
                    ),
                    None => (
                        text!(
                            "statement ",
                            index,
                            " trusts ",
                            deputies,
                            " of another account with an sts:ExternalId condition that admits any external id",
                            why
                        ),
                        text!(
                            "write the exact external id the other account gave you (StringEquals sts:ExternalId) in statement ",
                            index
                        ),
                    ),
                }
            });
            continue;
        }
        out.add(FindingId::CrossAccountUnconditioned, Some(index), || {
            let wide = too_wide(s, policy.version, &foreign);
            (
                text!(
                    "statement ",
                    index,
                    " trusts every principal of account ",
                    foreign.join(", "),
                    if foreign.iter().any(|a| crate::validity::is_chosen_by_deployer(a)) {
                        " (a template parameter, or a value known only after apply: any account may be passed)"
                    } else {
                        ""
                    },
                    if wide {
                        " with no sts:ExternalId or aws:PrincipalArn condition that narrows it (a pattern admits every role or user of the account, or other customers' external ids)"
                    } else if s.conditions.iter().any(|c| is_narrowing_key(&c.key)) {
                        " with no sts:ExternalId or aws:PrincipalArn condition that narrows it"
                    } else {
                        " with no sts:ExternalId or aws:PrincipalArn condition"
                    },
                    if s.conditions.iter().any(|c| is_organization_key(&c.key)) {
                        " (its organization condition admits the whole account or none of it)"
                    } else {
                        ""
                    },
                    if s.conditions.iter().any(|c| crate::fix::is_misspelt_external_id(&c.key)) {
                        " (its external id is under a key IAM doesn't know: the key is sts:ExternalId)"
                    } else {
                        ""
                    }
                ),
                // As the suggestion does: a statement whose callers send an external id already
                // (`StringLike sts:ExternalId "*"`) is asked for the exact one.
                if deputies.is_empty() && fixed_without_external_id(policy, s, subject) {
                    text!(
                        "name the users or roles of account ",
                        foreign.join(", "),
                        " that may assume it (ArnLike aws:PrincipalArn in statement ",
                        index,
                        "), each ARN with its role's path (role/service-role/NAME); they can't send an external id",
                        control_tower_exemption(subject)
                    )
                } else if wide {
                    text!(
                        "write the exact external id (StringEquals sts:ExternalId) or the roles' ARNs in place of the pattern in statement ",
                        index
                    )
                } else {
                    text!(
                        "add StringEquals sts:ExternalId to statement ",
                        index,
                        ", or name the exact role ARN instead of the account"
                    )
                },
            )
        });
    }
}

/// The roles and users of other accounts that statement `s` names with an `sts:ExternalId`
/// condition that narrows nothing (`*`, `…IfExists`, a negated operator), or with none where
/// another Allow asks them for one: the author meant the external id, and a vendor's role or user
/// serves every customer of the vendor, each of whom could have it assume this role (the confused
/// deputy). Named without any external id condition, and by no statement that asks for one, they
/// are no finding: a partner's one role needs no secret. A wildcard pinned to another account by
/// `aws:PrincipalAccount` names that account.
pub(crate) fn deputies_with_any_external_id<'s>(
    policy: &Policy,
    s: &'s Statement,
    subject: &Subject,
    own: &str,
) -> Vec<&'s str> {
    let asks = s.conditions.iter().any(is_external_id_condition);
    if s.principals.aws.is_empty()
        || !(policy.statements.iter()).any(|t| t.conditions.iter().any(is_external_id_condition))
    {
        return Vec::new();
    }
    // A wildcard pinned to roles or users by `aws:PrincipalArn` names them ([`pinned_principals`]),
    // as does a root so narrowed where another statement asks them for an external id.
    let pinned = (!asks || s.principals.aws.iter().any(|p| names_any_account(p)))
        .then(|| pinned_principals(s, Some(own)))
        .flatten()
        .unwrap_or_default();
    let mut candidates: Vec<&'s str> = Vec::new();
    for p in s.principals.aws.iter().chain(pinned) {
        // A role, user or role session of another account, or its root narrowed to one by
        // `aws:PrincipalArn` (a root that isn't is CROSS_ACCOUNT_UNCONDITIONED anyway).
        let Some(account) = aws_principal_account(p).filter(|account| *account != own) else {
            continue;
        };
        let deputy = asks || (root_account(p).is_none() && sibling_asking_external_id(policy, s, p, subject).is_some());
        // Narrowed otherwise (an exact external id, a token's claim, a tag the vendor sets): no
        // other customer of the vendor meets it. `aws:PrincipalArn` names the deputy.
        let narrowed = || {
            (s.conditions.iter())
                .filter(|c| !c.key.eq_ignore_ascii_case("aws:PrincipalArn"))
                .any(|c| narrows_cross_account(c, policy.version, account))
        };
        // Every `aws:PrincipalArn` condition must let a role or user in: two are ANDed, and one
        // that names only another (`StringEquals … ops` beside a pin of both) keeps it out.
        // (A role to fill in, or one a template leaves open, may be any.)
        let iam_arn = p.contains(":iam::") && root_account(p).is_none() && !crate::validity::is_opaque(p);
        let arn_admits = || {
            (s.conditions.iter())
                .filter(|c| c.key.eq_ignore_ascii_case("aws:PrincipalArn"))
                .all(|c| match c.operator {
                    Operator::Known { base, .. } => {
                        crate::evaluate::known_value(base, p, &c.values, false) != Tri::False
                    }
                    Operator::Unknown => true,
                })
        };
        if deputy
            && !candidates.contains(&p.as_ref())
            && (!iam_arn || arn_admits())
            && !narrowed()
            && !denied_or_narrowed(policy, s, p, subject)
        {
            candidates.push(p);
        }
    }
    if candidates.is_empty() {
        return candidates;
    }
    // People switching roles (a condition that demands MFA: one that admits a caller without it,
    // `Bool … false` or `…IfExists`, admits a vendor's automation too) and the tools that pass no
    // id: not a deputy's. A Deny that mentions MFA says so only where it stops every caller
    // without it (`NumericGreaterThan aws:MultiFactorAuthAge` stops nobody who has no MFA).
    let people = match s.conditions.iter().any(asks_for_mfa) {
        true => s.conditions.iter().any(demands_mfa),
        false => refuses_external_ids(policy, s, subject) || denies_callers_without_mfa(policy, s, subject),
    };
    if people {
        candidates.clear();
    }
    candidates
}

fn is_external_id_condition(c: &Condition) -> bool {
    c.key.eq_ignore_ascii_case("sts:ExternalId")
}

/// The Allow other than `s` that names role or user `p` (or its account's root, or pins a
/// wildcard or that root to it) and asks it for an external id (not `Null … true`, which refuses
/// one): where `s` lets it in without one, a vendor's other customers get in too. Not one shut for
/// good by its time conditions. A role's name is unique in its account whatever its case.
pub(crate) fn sibling_asking_external_id(policy: &Policy, s: &Statement, p: &str, subject: &Subject) -> Option<usize> {
    let same = |q: &str| q.trim().eq_ignore_ascii_case(p.trim());
    // Asked of its whole account (the root named, with an external id) is asked of it too.
    let account = aws_principal_account(p);
    // Any but one (`StringNotEquals`) asks for one too; not a suggestion's id to fill in: the
    // suggestion asks it, the author didn't.
    let asks_for_one = |c: &Condition| {
        is_external_id_condition(c)
            && external_id_sent(c) != Some(false)
            && !c.values.iter().all(|v| crate::fix::is_fill_in(v))
    };
    policy.statements.iter().position(|t| {
        !std::ptr::eq(t, s)
            && t.effect == Effect::Allow
            && covers(&t.actions, ASSUME_ROLE)
            && t.conditions.iter().any(asks_for_one)
            && !shut_by_time(t, subject.now)
            && ((t.principals.aws.iter()).any(|q| same(q) || account.is_some_and(|a| root_account(q) == Some(a)))
                || (t
                    .principals
                    .aws
                    .iter()
                    .any(|q| names_any_account(q) || root_account(q).is_some())
                    && pinned_principals(t, subject.account).is_some_and(|pins| pins.iter().any(|q| same(q)))))
    })
}

/// Whether a condition admits only callers signed in with MFA: `Bool aws:MultiFactorAuthPresent
/// true`, or an upper bound on `aws:MultiFactorAuthAge`, neither with `…IfExists` (long-term keys
/// send no MFA key at all).
fn demands_mfa(c: &Condition) -> bool {
    let Operator::Known {
        base,
        set: None,
        if_exists: false,
    } = c.operator
    else {
        return false;
    };
    let is = |key: &str| c.key.eq_ignore_ascii_case(key);
    match base {
        BaseOperator::Bool => {
            is("aws:MultiFactorAuthPresent") && c.values.iter().all(|v| v.eq_ignore_ascii_case("true"))
        }
        BaseOperator::NumericLessThan | BaseOperator::NumericLessThanEquals => is("aws:MultiFactorAuthAge"),
        _ => false,
    }
}

/// The keys a condition narrows another account's principals by ([`narrows_cross_account`]).
fn is_narrowing_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("sts:ExternalId") || key.eq_ignore_ascii_case("aws:PrincipalArn")
}

/// Whether the statement would narrow `accounts` by an external id or `aws:PrincipalArn` but for
/// a pattern that admits them all ([`admits_whole_trusted_account`]): what the finding says then.
fn too_wide(s: &Statement, version: Version, accounts: &[&str]) -> bool {
    s.conditions.iter().any(|c| {
        is_narrowing_key(&c.key)
            && is_positive_guard(c, c.key.eq_ignore_ascii_case("aws:PrincipalArn"))
            && accounts
                .iter()
                .any(|account| admits_whole_trusted_account(c, version, account))
    })
}

/// Whether a Deny stops or narrows the callers of AWS principal `p` of Allow `s`. Each account
/// on its own: a Deny does so whatever else the statement names (a service beside it, which a
/// Deny of `{"AWS": "*"}` doesn't guard).
pub(crate) fn denied_or_narrowed(policy: &Policy, s: &Statement, p: &str, subject: &Subject) -> bool {
    let only = Some((PrincipalKind::Aws, p));
    // A condition on a key they never send, or on another account, lets no account's principal
    // in (STATEMENT_NEVER_APPLIES).
    crate::validity::needs_key_principals_never_send(s).is_some()
        || crate::validity::principal_account_excludes(s, p).is_some()
        || crate::validity::covering_deny_for(policy, s, only, subject).is_some()
        || guard_conditions_for(policy, s, only, subject)
            .iter()
            .any(|c| narrows_cross_account(c, policy.version, account_principal(p).unwrap_or("*")))
}

/// Callers the statement itself says pass no external id: people switching roles in the console
/// (an MFA condition says the statement is theirs, or a Deny of its callers that mentions MFA:
/// what the fix asks of them, where whether a vendor's automation is stopped too is
/// [`denies_callers_without_mfa`]'s to say), and
/// callers the policy lets in only without one (`Null sts:ExternalId true`, or a Deny of whoever
/// sends one): an external id demanded there would let nobody in. Said by the policy, not by the
/// role's name, which its creator chooses: so it also keeps a vendor's deputy from being reported.
pub(crate) fn cannot_send_external_id(policy: &Policy, s: &Statement, subject: &Subject) -> bool {
    s.conditions.iter().any(asks_for_mfa)
        || refuses_external_ids(policy, s, subject)
        || denies_callers_of_assume(policy, s, subject, |d| d.conditions.iter().any(asks_for_mfa))
}

fn asks_for_mfa(c: &Condition) -> bool {
    strip_prefix_ignore_case(&c.key, "aws:MultiFactorAuth").is_some()
}

/// Callers the policy lets in only without an external id: `Null sts:ExternalId true`, or a Deny
/// of whoever sends one.
fn refuses_external_ids(policy: &Policy, s: &Statement, subject: &Subject) -> bool {
    s.conditions.iter().any(|c| external_id_sent(c) == Some(false)) || denies_external_ids(policy, s, subject)
}

/// Whether a Deny of `sts:AssumeRole` for the callers of Allow `s` that `which` picks is there.
fn denies_callers_of_assume(
    policy: &Policy,
    s: &Statement,
    subject: &Subject,
    which: impl Fn(&Statement) -> bool,
) -> bool {
    (policy.statements.iter())
        .any(|d| denies_callers_of(d, s, None, subject.partition) && covers(&d.actions, ASSUME_ROLE) && which(d))
}

/// Whether a Deny stops every caller of `s` signed in without MFA: each of its conditions is on
/// an MFA key and holds for a role session without MFA (`aws:MultiFactorAuthPresent` is `false`,
/// no age) and, unless `s` lets in roles and sessions only (named, or pinned by
/// `aws:PrincipalArn`), for long-term keys, which send neither key (IAM's global condition
/// keys); or it holds for every caller that signs its own `sts:AssumeRole` (`aws:ViaAWSService`
/// and `aws:PrincipalIsAWSService` false, as AWS's own MFA-enforcing Deny adds).
fn denies_callers_without_mfa(policy: &Policy, s: &Statement, subject: &Subject) -> bool {
    let is_role_or_session = |p: &Cow<str>| p.contains(":role/") || p.contains(":assumed-role/");
    let sessions_only = || {
        s.principals.federated.is_empty()
            && s.principals.service.is_empty()
            && !s.principals.bare_wildcard
            && !s.principals.negated
            && ((s.principals.aws.iter()).all(is_role_or_session)
                || pinned_principals(s, subject.account)
                    .is_some_and(|pins| !pins.is_empty() && pins.iter().all(is_role_or_session)))
    };
    let holds_without_mfa = |c: &Condition| {
        let Operator::Known { base, set, if_exists } = c.operator else {
            return false;
        };
        let flag_false = || base == BaseOperator::Bool && c.values.iter().any(|v| v.eq_ignore_ascii_case("false"));
        // Every request a principal signs carries these two, `false` for its own call.
        if ["aws:ViaAWSService", "aws:PrincipalIsAWSService"]
            .iter()
            .any(|k| c.key.eq_ignore_ascii_case(k))
        {
            return flag_false();
        }
        let missing = crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::True;
        // One value, so a set qualifier reads it as the plain operator does.
        let in_session = match c.key.eq_ignore_ascii_case("aws:MultiFactorAuthPresent") {
            true => crate::evaluate::known_value(base, "false", &c.values, false) == Tri::True,
            false => missing,
        };
        asks_for_mfa(c) && in_session && (missing || sessions_only())
    };
    denies_callers_of_assume(policy, s, subject, |d| {
        d.conditions.iter().any(asks_for_mfa) && d.conditions.iter().all(holds_without_mfa)
    })
}

/// Whether the fix for another account's trust names its users or roles rather than asking for
/// an external id: [`cannot_send_external_id`], or a role that AWS or another tool makes for its
/// own cross-account calls, which pass none. AWS Organizations, Control Tower, StackSets and
/// Systems Manager Automation reach the roles they create in member accounts so; the CDK CLI
/// and CDK Pipelines the roles `cdk bootstrap` makes; AWS Copilot its environment manager and DNS
/// delegation roles (its CLI, pipelines and custom resources); the CDK's Route 53 zone delegation
/// role its custom resource; the Landing Zone Accelerator its `AWSAccelerator-…` roles (its
/// pipeline and custom resources call `AssumeRole` with a role ARN and a session name only), and
/// org-formation its build access role. Known by name only, so they shape the fix and nothing
/// else: a vendor's deputy on a role so named is still reported.
pub(crate) fn fixed_without_external_id(policy: &Policy, s: &Statement, subject: &Subject) -> bool {
    const MANAGED_BY_AWS: [&str; 8] = [
        "OrganizationAccountAccessRole",
        "AWSControlTowerExecution",
        // Account Factory for Terraform: its management account's AWSAFTAdmin assumes them with
        // a role ARN and a session name only (its `aft_common` library).
        "AWSAFTExecution",
        "AWSAFTService",
        // Self-managed StackSets: the administration role's account assumes it.
        "AWSCloudFormationStackSetExecutionRole",
        // Systems Manager Automation across accounts: the administration role's account assumes it
        // ("Running automations in multiple AWS Regions and accounts").
        "AWS-SystemsManager-AutomationExecutionRole",
        // CloudWatch's cross-account console: the monitoring account's people switch to them.
        "CloudWatch-CrossAccountSharingRole",
        "CloudWatch-CrossAccountSharing-ListAccountsRole",
    ];
    /// The roles `cdk bootstrap` makes (`cdk-QUALIFIER-deploy-role-ACCOUNT-REGION`, …).
    const CDK_BOOTSTRAP: [&str; 4] = [
        "-deploy-role-",
        "-file-publishing-role-",
        "-image-publishing-role-",
        "-lookup-role-",
    ];
    /// AWS Copilot's (`APP-ENV-EnvManagerRole`, `APP-DNSDelegationRole`).
    const COPILOT_SUFFIXES: [&str; 2] = ["-EnvManagerRole", "-DNSDelegationRole"];
    let name = role_name(subject);
    cannot_send_external_id(policy, s, subject)
        || MANAGED_BY_AWS.contains(&name)
        || name.starts_with("stacksets-exec-")
        || (name.starts_with("cdk-") && CDK_BOOTSTRAP.iter().any(|role| name.contains(role)))
        || COPILOT_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
        || name.contains("CrossAccountZoneDelegationRole")
        // The Landing Zone Accelerator's prefix, as it ships (`AWSAccelerator-TgwPeeringRole`).
        || name.starts_with("AWSAccelerator-")
        || name.ends_with("OrganizationFormationBuildAccessRole")
}

/// The role's name, the last part of its ARN (empty when the ARN is unknown).
fn role_name<'s>(subject: &Subject<'s>) -> &'s str {
    subject.arn.and_then(|arn| arn.rsplit('/').next()).unwrap_or_default()
}

/// What a fix adds for a role Control Tower sets up ([`is_control_tower_role`]): that the change
/// is refused, and the way to accept the finding instead. Empty for any other role.
fn control_tower_exemption(subject: &Subject) -> &'static str {
    match is_control_tower_role(subject) {
        true => ". Control Tower's mandatory controls refuse changes to its roles' trust: if you accept it, exempt the role by name (exemptRoleArnPatterns)",
        false => "",
    }
}

/// A role Control Tower sets up in a member account (`AWSControlTowerExecution`,
/// `aws-controltower-…`), whose trust its mandatory control "Disallow changes to IAM roles set up
/// by AWS Control Tower" (an SCP) keeps as it is. Not the management account's roles, where no
/// SCP applies and whose trust the Control Tower guide recommends narrowing ("Optional
/// conditions for your role trust relationships").
fn is_control_tower_role(subject: &Subject) -> bool {
    const MANAGEMENT_ACCOUNT_ROLES: [&str; 4] = [
        "AWSControlTowerAdmin",
        "AWSControlTowerCloudTrailRole",
        "AWSControlTowerStackSetRole",
        "AWSControlTowerConfigAggregatorRoleForOrganizations",
    ];
    let name = role_name(subject);
    (name.contains("AWSControlTower") || name.starts_with("aws-controltower-"))
        && !MANAGEMENT_ACCOUNT_ROLES.contains(&name)
}

/// Whether a condition on `sts:ExternalId` holds for every caller that sends one
/// (`Some(true)`: `Null false`, a pattern of `*` alone) or for none (`Some(false)`: `Null true`, a
/// negated pattern of `*` alone); `None` otherwise, or for another key.
fn external_id_sent(c: &Condition) -> Option<bool> {
    use BaseOperator::*;
    let Operator::Known { base, set: None, .. } = c.operator else {
        return None;
    };
    if !c.key.eq_ignore_ascii_case("sts:ExternalId") {
        return None;
    }
    let every = || !c.values.is_empty() && c.values.iter().any(|v| matches_everything(v));
    match base {
        Null => match c.values.as_slice() {
            [only] if only.eq_ignore_ascii_case("true") => Some(false),
            [only] if only.eq_ignore_ascii_case("false") => Some(true),
            _ => None,
        },
        StringLike if every() => Some(true),
        StringNotLike if every() => Some(false),
        _ => None,
    }
}

/// A Deny of the statement's callers (everyone, or each principal it names) and of
/// `sts:AssumeRole` whose one condition holds for every caller that sends an external id.
fn denies_external_ids(policy: &Policy, allow: &Statement, subject: &Subject) -> bool {
    denies_callers_of_assume(
        policy,
        allow,
        subject,
        |d| matches!(d.conditions.as_slice(), [only] if external_id_sent(only) == Some(true)),
    )
}

/// Whether two principal entries name the same principal: the same text, or one account written
/// as its id and as its root ARN in `partition`, the role's (IAM stores the id as that ARN), so
/// that a root in another partition never passes for it.
pub(crate) fn same_principal(
    (kind, p): (PrincipalKind, &str),
    (other_kind, q): (PrincipalKind, &str),
    partition: &str,
) -> bool {
    let in_partition = |arn: &str| {
        (arn.strip_prefix("arn:"))
            .and_then(|rest| rest.strip_prefix(partition))
            .is_some_and(|rest| rest.starts_with(':'))
    };
    let id_and_its_root = |id: &str, arn: &str| is_account_id(id) && in_partition(arn) && root_account(arn) == Some(id);
    // Two values a template leaves undetermined are one only when they name the same parameter,
    // import or attribute.
    kind == other_kind
        && (crate::evaluate::same_value(p, q)
            || (kind == PrincipalKind::Aws && (id_and_its_root(p, q) || id_and_its_root(q, p))))
}

/// The account of an account principal: a bare id or `arn:PARTITION:iam::ID:root`.
/// The account every caller of AWS principal `p` is of: an account id written out, or the account
/// of its root's, user's, role's or role session's ARN.
pub(crate) fn aws_principal_account(p: &str) -> Option<&str> {
    Some(arn_account(p).unwrap_or(p)).filter(|account| is_account_id(account))
}

pub(crate) fn root_account(principal: &str) -> Option<&str> {
    if is_account_id(principal) {
        return Some(principal);
    }
    match arn_fields::<6>(principal)? {
        ["arn", _, "iam", _, account, resource]
            if (resource == "root" || resource.ends_with(":root")) && is_account_id(account) =>
        {
            Some(account)
        }
        _ => None,
    }
}

/// The account an account principal names: its id, or a template parameter's marker.
pub(crate) fn account_principal(principal: &str) -> Option<&str> {
    root_account(principal).or_else(|| parameter_account(principal))
}

/// The account of an account principal that a template leaves to a parameter
/// (`!Sub arn:aws:iam::${TrustedAccount}:root`, `!Ref TrustedAccount`): the deployer may pass
/// any account, so it is taken as another one. So is a parameter whose pattern allows account
/// ids only (`AllowedPattern: \d{12}`, `Ref NAME account`): any account's id.
fn parameter_account(principal: &str) -> Option<&str> {
    use crate::validity::{is_any_parameter, is_chosen_by_deployer};
    match arn_fields::<6>(principal) {
        // In an ARN's account field a parameter of any kind holds an account; a resource left to
        // one may be `root`.
        Some(["arn", _, "iam", "", account, resource]) => {
            (is_any_parameter(account) && (resource == "root" || is_any_parameter(resource))).then_some(account)
        }
        // Alone, only one that may hold an account id: not one constrained to a role's ARN.
        _ => is_chosen_by_deployer(principal).then_some(principal),
    }
}

/// Whether condition `c` narrows the principals of another `account` the statement trusts to some.
pub(crate) fn narrows_cross_account(c: &Condition, version: Version, account: &str) -> bool {
    // A token's claim or a SAML attribute: an account's principal signing sts:AssumeRole sends
    // one only from a session its provider made, so a positive condition on one admits only
    // those sessions (none, when no such provider trusts that account's roles).
    // Whatever its values, `*` too: only such a session has the key at all.
    if is_federation_key(&c.key) {
        return demands_the_key(c, false);
    }
    // `aws:userid` of a role's session is `ROLE-ID:SESSION`, set by AWS: a unique id written out
    // pins one role of the trusted account (a wildcard or variable in it pins none).
    let user_id = c.key.eq_ignore_ascii_case("aws:userid");
    let pins_unique_ids = || {
        c.values.iter().all(|v| {
            let id = v.split(':').next().unwrap_or(v);
            !id.is_empty() && !has_wildcard(id) && !has_variable(id)
        })
    };
    // Not `aws:PrincipalOrgID` or `…OrgPaths`: every principal of an account has its account's,
    // so they admit the whole trusted account or none of it.
    // A principal tag is the trusted account's to set, as its roles' names are: a tag demanded
    // (`StringEquals aws:PrincipalTag/user-role admin`) admits only the principals it tags.
    let principal_tag = strip_prefix_ignore_case(&c.key, "aws:PrincipalTag/").is_some_and(|tag| !tag.is_empty());
    let key_ok = is_narrowing_key(&c.key) || principal_tag || (user_id && pins_unique_ids());
    // aws:PrincipalArn and aws:userid are in every request a principal signs: `…IfExists`
    // changes nothing there.
    let always_sent = c.key.eq_ignore_ascii_case("aws:PrincipalArn") || user_id;
    // A value the caller fills in (`arn:aws:iam::${aws:PrincipalAccount}:*`) is met as the
    // pattern it makes; an external id made of the caller's own values is no secret.
    // A role's own variable is one value, its owner's, or its default where the role lacks the
    // tag: `${aws:ResourceTag/p, '*'}` read as a pattern is every principal.
    let reads_wildcards = matches!(c.operator, Operator::Known { base, .. } if base.reads_wildcards());
    let filled_in_by_caller = |v: &Cow<str>| match variables_filled(v, version) {
        None => false,
        Some((_, true)) if c.key.eq_ignore_ascii_case("sts:ExternalId") => true,
        // A tag compared with a value of the caller's (`${aws:PrincipalAccount}`) under a plain
        // operator holds for the principals the account tags so; compared with itself, or with a
        // pattern any value meets, for all it tags.
        Some((pattern, _)) if principal_tag => {
            let itself = text!("${", c.key.as_ref()).to_ascii_lowercase();
            v.to_ascii_lowercase().contains(&itself) || (reads_wildcards && admits_whole(&c.key, &pattern, account))
        }
        Some((pattern, callers)) => (callers || reads_wildcards) && admits_whole(&c.key, &pattern, account),
    };
    key_ok
        && is_positive_guard(c, always_sent)
        && !admits_whole_trusted_account(c, version, account)
        && !c.values.iter().any(filled_in_by_caller)
}

/// A pattern that admits every principal of a kind of the trusted `account`: `aws:PrincipalArn`
/// patterns that together admit every role, every user or every IAM Identity Center user of it
/// ([`admits_a_whole_kind`]), an external id with no text before its wildcard, or an
/// organization id with a wildcard (`o-*` is every account in any organization). Only `…Like`
/// and `ArnEquals` read wildcards; a caller's variable is the pattern it makes.
fn admits_whole_trusted_account(c: &Condition, version: Version, account: &str) -> bool {
    let Operator::Known { base, .. } = c.operator else {
        return false;
    };
    // IAM reads wildcards in ArnEquals as in ArnLike.
    if !base.reads_wildcards() {
        return false;
    }
    let filled: Vec<Cow<str>> = (c.values.iter())
        .map(|v| variables_filled(v, version).map_or(Cow::Borrowed(v.as_ref()), |(f, _)| Cow::Owned(f)))
        .collect();
    if c.key.eq_ignore_ascii_case("aws:PrincipalArn") {
        return admits_a_whole_kind(&filled, account);
    }
    filled.iter().any(|v| admits_whole(&c.key, v, account))
}

/// Principals of each kind an `aws:PrincipalArn` pattern may admit all of, as its resource names
/// them: names no pattern of some of them (`role/deploy-*`, one permission set's
/// `…/AWSReservedSSO_Admin_*`) meets by chance, and no two of a kind sharing a character of their
/// own. IAM Identity Center's roles are its users.
const ROLE_SAMPLES: [&str; 2] = ["role/Zq9-x_7", "role/a1/b2/Mw4"];
const USER_SAMPLES: [&str; 2] = ["user/Kj3.y_8", "user/h0/Vz2"];
/// Two permission sets' roles, after `…/sso.amazonaws.com/` and the region (AWS writes none where
/// the identity source is in us-east-1, and that one region elsewhere: an account's roles are all
/// of one form).
const IDENTITY_CENTER_SAMPLES: [&str; 2] = [
    "AWSReservedSSO_Ops_13579bdf13579bdf",
    "AWSReservedSSO_Dev_02468ace02468ace",
];
const IDENTITY_CENTER: &str = "role/aws-reserved/sso.amazonaws.com/";

/// An `aws:PrincipalArn` pattern's resource: `*` when it has no six fields (`arn:*`,
/// `arn:aws:iam::444455556666*`), which every principal of the account meets.
fn resource_of(value: &str) -> &str {
    value.splitn(6, ':').nth(5).unwrap_or("*")
}

/// Do `aws:PrincipalArn` patterns together admit every role, every user or every IAM Identity
/// Center user of `account` (`role/*`, `r*`, `user/*`, `…/sso.amazonaws.com/*`)? In an account
/// whose people come in through roles, every role is everyone. Only the patterns of that
/// account count, and those of any account (`arn:aws:iam::*:…`, a variable, a parameter);
/// all of them for an account a template leaves open.
fn admits_a_whole_kind(values: &[Cow<str>], account: &str) -> bool {
    let any_account = |a: &str| a.is_empty() || has_wildcard(a) || crate::validity::is_opaque(a);
    let of_it: Vec<&str> = (values.iter())
        .filter(|v| {
            let own = v.split(':').nth(4).unwrap_or("*");
            own == account || any_account(own) || any_account(account)
        })
        .map(|v| resource_of(v))
        .collect();
    let meet = |samples: &[&str]| {
        samples
            .iter()
            .all(|sample| of_it.iter().any(|r| glob(r, sample, false)))
    };
    of_it
        .iter()
        .any(|r| matches_everything(r) || names_nothing(r) || wholly_undetermined(r))
        || meet(&ROLE_SAMPLES)
        || meet(&USER_SAMPLES)
        || every_identity_center_user(&of_it)
}

/// Do `aws:PrincipalArn` resource patterns admit every permission set's role of one form: without
/// a region, or with a region some pattern writes (or another)?
fn every_identity_center_user(patterns: &[&str]) -> bool {
    let written = patterns.iter().filter_map(|p| {
        let region = p.strip_prefix(IDENTITY_CENTER)?.split('/').next()?;
        (region.contains('-') && !has_wildcard(region)).then_some(region)
    });
    let regions = [None, Some("eu-west-1")].into_iter().chain(written.map(Some));
    regions.into_iter().any(|region| {
        IDENTITY_CENTER_SAMPLES.iter().all(|name| {
            let sample = match region {
                Some(region) => text!(IDENTITY_CENTER, region, "/", *name),
                None => text!(IDENTITY_CENTER, *name),
            };
            patterns.iter().any(|p| glob(p, &sample, false))
        })
    })
}

/// Whether `aws:PrincipalArn` pattern `value` admits every role, user or IAM Identity Center user
/// of the account it names.
pub(crate) fn admits_every_principal_of_a_kind(value: &str) -> bool {
    let account = value.split(':').nth(4).unwrap_or("*");
    admits_a_whole_kind(&[Cow::Borrowed(value)], account)
}

/// Whether external id pattern `value` has a wildcard before any text of its own (`*-prod`):
/// every customer's id that ends so.
pub(crate) fn admits_every_external_id(value: &str) -> bool {
    value.starts_with(['*', '?']) && value != "?"
}

/// Does the pattern `value` of `key` admit every principal of the trusted `account` (of a kind,
/// for `aws:PrincipalArn`)?
fn admits_whole(key: &str, value: &str, account: &str) -> bool {
    let is = |name: &str| key.eq_ignore_ascii_case(name);
    if is("aws:PrincipalArn") {
        admits_a_whole_kind(&[Cow::Borrowed(value)], account)
    } else if is("sts:ExternalId") {
        // A wildcard before any text of its own (`*`, the default a role without its tag gets,
        // `*-prod`): every customer's id of a vendor that ends them so. Text first is one
        // customer's prefix (Spacelift's `ACCOUNT@*`, built from the caller's own account name).
        // A pattern a template leaves to a parameter may be `*`.
        admits_every_external_id(value) || wholly_parameter(value)
    } else if is("aws:PrincipalOrgID") {
        has_wildcard(value) || wholly_parameter(value)
    } else if is("aws:PrincipalOrgPaths") {
        value
            .split('/')
            .next()
            .is_some_and(|org| has_wildcard(org) || wholly_parameter(org))
    } else if strip_prefix_ignore_case(key, "aws:PrincipalTag/").is_some() {
        // Any value of the tag: every principal the account tags with it at all. A pattern a
        // template leaves undetermined may be `*`.
        matches_everything(value) || names_nothing(value) || wholly_undetermined(value)
    } else {
        false
    }
}

/// A pattern of nothing but template parameters ([`crate::validity::is_parameter`]) and
/// wildcards: the deployer may pass `*`.
fn wholly_parameter(value: &str) -> bool {
    value.contains(crate::validity::OPAQUE_PREFIX)
        && crate::validity::parameters_as_wildcard(value)
            .bytes()
            .all(|b| b == b'*' || b == b'?')
}

/// A pattern of nothing but what a template leaves undetermined and wildcards
/// (`UNRESOLVED(Ref Tag)`, `UNRESOLVED(Ref Tag)*`): it may be anything, `*` too. Text of its own
/// beside them (`team-UNRESOLVED(Ref T)`) stays.
fn wholly_undetermined(value: &str) -> bool {
    value.contains(crate::validity::OPAQUE_PREFIX)
        && crate::validity::undetermined_as_wildcard(value)
            .bytes()
            .all(|b| b == b'*' || b == b'?')
}

/// A positive, always-evaluated condition whose values don't match everything.
fn is_effective_positive(c: &Condition) -> bool {
    is_positive_guard(c, false)
}

/// [`is_effective_positive`], where `always_sent` says the key is in every request, so that an
/// `…IfExists` operator is evaluated all the same.
fn is_positive_guard(c: &Condition, always_sent: bool) -> bool {
    let like = matches!(c.operator, Operator::Known { base, .. } if base.reads_wildcards());
    demands_the_key(c, always_sent)
        && !c
            .values
            .iter()
            .any(|v| like && (matches_everything(v) || names_nothing(v)))
}

/// A positive operator that fails where the key is missing (no `…IfExists` nor `ForAllValues:`
/// unless the key is `always_sent`: one value, always there, which either compares as the plain
/// operator does), whatever values it is given.
fn demands_the_key(c: &Condition, always_sent: bool) -> bool {
    let Operator::Known { base, set, if_exists } = c.operator else {
        return false;
    };
    let positive = matches!(
        base,
        BaseOperator::StringEquals
            | BaseOperator::StringEqualsIgnoreCase
            | BaseOperator::StringLike
            | BaseOperator::ArnEquals
            | BaseOperator::ArnLike
    );
    positive
        && (always_sent
            || (set != Some(SetQualifier::ForAllValues) && !crate::evaluate::holds_when_missing(set, if_exists)))
        && !c.values.is_empty()
}

/// The service principals of a statement that should carry a source condition.
pub(crate) fn scoped_services<'s>(s: &'s Statement) -> impl Iterator<Item = &'s str> {
    s.principals
        .service
        .iter()
        .map(|p| p.as_ref())
        // A misspelt principal (" Lambda.amazonaws.com", `ecs-tasks`, `*`) matches no service:
        // nothing to scope.
        .filter(|p| *p == p.trim() && p.contains('.') && !p.bytes().any(|c| c.is_ascii_uppercase()))
        // Nor a name no service has (`lamda.amazonaws.com`: STATEMENT_NEVER_APPLIES says it).
        .filter(|p| crate::services::service_meant(p).is_none())
        // Nor does a wildcard, which IAM refuses in a service principal (TRUST_POLICY_INVALID).
        .filter(|p| !has_wildcard(p))
        // Demanding the source keys would break these (Lambda@Edge: said not to send them either,
        // unverified, so not asked for, and not judged dead when asked for).
        .filter(|p| *p != EDGE_LAMBDA && !sends_no_source_keys(p))
}

/// [`scoped_services`] that the statement may let in, for some resource: not a service one of its
/// conditions always shuts out (`aws:PrincipalOrgID`, which no service has). A source key's
/// condition never does: the resource, and so the source, is any.
fn let_in_services<'s>(s: &'s Statement, subject: &Subject, version: Version) -> Vec<&'s str> {
    let services = scoped_services(s);
    if s.conditions.iter().all(|c| is_source_key(&c.key)) {
        return services.collect();
    }
    services
        .filter(|service| first_false_condition(s, &subject.service_context(service), version).is_none())
        .collect()
}

/// A source condition that actually ties the request to an account.
pub(crate) fn is_effective_source_condition(c: &Condition, version: Version) -> bool {
    // An account id reads as a number too: `NumericEquals` names that account, as `StringEquals`
    // does (the catalog says so of every account key).
    let numeric = Operator::Known {
        base: BaseOperator::NumericEquals,
        set: None,
        if_exists: false,
    };
    if c.key.eq_ignore_ascii_case("aws:SourceAccount") && c.operator == numeric {
        // Without the zeros an account id may lead with (`11122223333` is 011122223333).
        return !c.values.is_empty() && c.values.iter().all(|v| crate::pattern::account_as_number(v).is_some());
    }
    if !is_source_key(&c.key) || !is_effective_positive(c) {
        return false;
    }
    let like = matches!(c.operator, Operator::Known { base, .. } if base.reads_wildcards());
    let is = |key: &str| c.key.eq_ignore_ascii_case(key);
    if is("aws:SourceArn") {
        // An ARN pattern with a wildcard account admits every account's resources; an ARN with
        // no account (an S3 bucket's) names none, and AWS asks for aws:SourceAccount beside it.
        // Under a string operator, a field that is no account id means a `*` before it spans the
        // account too (`arn:aws:lambda:*:function:orders`); an ARN operator reads field by field.
        let by_fields = matches!(
            c.operator,
            Operator::Known {
                base: BaseOperator::ArnEquals | BaseOperator::ArnLike,
                ..
            }
        );
        // `StringEqualsIgnoreCase` reads `ARN:AWS:…` as `arn:aws:…`: the account is the same.
        let ignore_case = matches!(
            c.operator,
            Operator::Known {
                base: BaseOperator::StringEqualsIgnoreCase,
                ..
            }
        );
        c.values.iter().all(|v| {
            let (v, _) = source_value_read(v, version);
            // Only the `arn:` prefix: an unresolved value (`UNRESOLVED(…)`) keeps its marker.
            let v = match v.get(..4) {
                Some(prefix) if ignore_case && prefix != "arn:" && prefix.eq_ignore_ascii_case("arn:") => {
                    Cow::Owned(text!("arn:", &v[4..]))
                }
                _ => v,
            };
            // Under `StringLike`, a `*` before the account field with nothing but wildcards after
            // it (`arn:aws:logs:*:111122223333:*`) stretches over a stranger's account into their
            // resource's name: a log group named `111122223333` in any account matches. A `?` is
            // one character, which can't hold a stranger's account (`us-east-?`).
            let spanned = || {
                !by_fields
                    && like
                    && arn_fields::<6>(&v)
                        .is_some_and(|f| f[..4].iter().any(|p| p.contains('*')) && matches_everything(f[5]))
            };
            let names_account = arn_account(&v).is_some_and(|a| match has_wildcard(a) {
                false => !a.is_empty() && (by_fields || is_account_id(a) || crate::validity::is_opaque(a)),
                // An account id has twelve digits: beside twelve written ones a `*` matches only the
                // empty text within a field an ARN operator reads on its own (`*111122223333`).
                true => by_fields && crate::pattern::pins_one_account(a),
            });
            (names_account && !spanned()) || is_codecatalyst_space(&v)
        })
    } else if c.values.iter().any(|v| source_value_read(v, version).1) {
        // `StringEquals aws:SourceAccount ${aws:SourceAccount}` holds for every account.
        false
    } else if is("aws:SourceAccount") || is("aws:SourceOrgID") {
        // An id with a wildcard admits others (`o-*` every organization) under a `…Like`
        // operator; `StringEquals` reads `*` as itself, which no account is. Not a whole account
        // id followed by `*`s: an account id has twelve digits, so that is the one account.
        let one_account = |v: &str| is("aws:SourceAccount") && crate::pattern::pins_one_account(v);
        !(like && c.values.iter().any(|v| has_wildcard(v) && !one_account(v)))
    } else if is("aws:SourceOrgPaths") {
        // A path whose organization is a wildcard (`o-*/*`) admits every organization.
        !(like && c.values.iter().any(|v| v.split('/').next().is_some_and(has_wildcard)))
    } else {
        true
    }
}

/// A CodeCatalyst space's ARN (`arn:aws:codecatalyst:::space/SPACE_ID/project/*`), the source
/// its trust model documents: it has no account field, but the space id is one CodeCatalyst
/// assigns, so it names one space, unlike a bucket name another account may take.
fn is_codecatalyst_space(arn: &str) -> bool {
    let Some([_, partition, "codecatalyst", region, account, resource]) = arn_fields::<6>(arn) else {
        return false;
    };
    let space = resource.strip_prefix("space/").and_then(|r| r.split('/').next());
    ![partition, region, account].into_iter().any(has_wildcard)
        && space.is_some_and(|id| !id.is_empty() && !has_wildcard(id))
}

/// A source condition's value as a static reading sees it, and whether the calling resource
/// fills part of it in: `${aws:ResourceAccount}` is the role's own account (an account id); a
/// key of the calling resource (`${aws:SourceAccount}`, read in 2012-10-17) is `*`, since every
/// caller's resource meets it; other variables stay as written.
fn source_value_read(value: &str, version: Version) -> (Cow<'_, str>, bool) {
    if !has_variable(value) {
        return (Cow::Borrowed(value), false);
    }
    let mut filled = false;
    let read = crate::evaluate::with_variables(value, |name, variable, out| {
        if name.eq_ignore_ascii_case("aws:ResourceAccount") {
            out.push_str("111111111111");
        } else if version == Version::V2012 && is_source_key(name) {
            filled = true;
            out.push('*');
        } else {
            out.push_str("${");
            out.push_str(variable);
            out.push('}');
        }
        Some(())
    });
    (read.map_or(Cow::Borrowed(value), Cow::Owned), filled)
}

/// The conditions Deny guards add to `allow`. A Deny of every principal the Allow names (or of
/// everyone) and every way of assuming it grants, with one negated condition, shuts out every
/// caller its condition holds for: the Allow then admits only those the positive form lets in
/// (`Deny … StringNotLike sub repo:acme/*` scopes like `Allow … StringLike sub repo:acme/*`).
/// The Deny's other conditions must hold for every caller the Allow admits (see
/// [`holds_for_every_admitted`]); a Deny whose other conditions may fail shuts out only some of
/// them: no scope. With `only`, for the callers of that one principal of the Allow: a Deny of
/// that principal guards it, whatever else the Allow names.
pub(crate) fn guard_conditions_for<'p>(
    policy: &'p Policy,
    allow: &Statement,
    only: Option<(PrincipalKind, &str)>,
    subject: &Subject,
) -> Vec<Condition<'p>> {
    policy
        .statements
        .iter()
        .filter(|d| {
            denies_callers_of(d, allow, only, subject.partition) && crate::validity::denies_every_way_of(d, allow, only)
        })
        .filter_map(|d| {
            // A time condition that holds from now on (`DateGreaterThan aws:CurrentTime` a past
            // date) holds for every caller too.
            let holds = |c: &Condition| {
                holds_for_every_admitted(c, allow, only, policy.version, subject)
                    || crate::evaluate::time_from_now(c, subject.now, Effect::Deny) == Some(Tri::True)
            };
            let positive = |c: &Condition| positive_of(c, sent_by_every_caller(&c.key, allow, only) == Some(true));
            // A negated condition every admitted caller meets (an exception list of accounts
            // the Allow doesn't name) is no guard, only a condition that holds.
            let mut guards = d.conditions.iter().filter(|c| positive(c).is_some() && !holds(c));
            let guard = guards.next()?;
            let others_hold = d.conditions.iter().filter(|c| !std::ptr::eq(*c, guard)).all(holds);
            // Two guards shut out only callers who meet both: neither alone scopes.
            if guards.next().is_some() || !others_hold {
                return None;
            }
            let (base, name) = positive(guard)?;
            Some(Condition {
                operator_text: name.into(),
                operator: Operator::Known {
                    base,
                    set: None,
                    if_exists: false,
                },
                key: guard.key.clone(),
                values: guard.values.clone(),
            })
        })
        .collect()
}

/// Whether `d` is a Deny of the callers `allow` admits: of everyone, or of each principal the Allow
/// names (of `only`, when given).
fn denies_callers_of(d: &Statement, allow: &Statement, only: Option<(PrincipalKind, &str)>, partition: &str) -> bool {
    let names = |principal| (d.principals.entries()).any(|denied| same_principal(denied, principal, partition));
    let all_aws = match only {
        Some((kind, _)) => kind == PrincipalKind::Aws,
        None => allow.principals.entries().all(|(kind, _)| kind == PrincipalKind::Aws),
    };
    d.effect == Effect::Deny
        && !d.principals.negated
        && (denies_everyone_of(d, all_aws)
            || match only {
                Some(principal) => names(principal),
                None => !allow.principals.is_empty() && allow.principals.entries().all(names),
            })
}

/// Whether Deny `d` names every caller of an Allow whose principals are AWS principals only
/// (`all_aws`) or not. `{"AWS": "*"}` names every AWS principal but no identity provider's
/// caller nor a service (the IAM guide's Principal element: it "does not allow web identity
/// session principals, SAML session principals, or service principals"), so as a guard it keeps
/// out only AWS principals; the bare `"*"` names everyone.
pub(crate) fn denies_everyone_of(d: &Statement, all_aws: bool) -> bool {
    d.principals.aws.iter().any(|p| p == "*") && (all_aws || d.principals.bare_wildcard)
}

/// The positive form of a negated condition a Deny guards with. Negated operators hold when the
/// key is missing, with `IfExists` or without: the Allow then needs the key, as the positive
/// operator does. `one_value_sent`: every caller guarded sends the key, with one value.
pub(crate) fn positive_of(c: &Condition, one_value_sent: bool) -> Option<(BaseOperator, &'static str)> {
    use BaseOperator::*;
    // `ForAllValues:` holds when the key is missing too, and for a caller's one value as the
    // plain operator does; `ForAnyValue:` holds for no missing key: a caller without one escapes,
    // unless every caller sends it, one value that the plain operator reads alike.
    let base = match c.operator {
        Operator::Known {
            base,
            set: None | Some(SetQualifier::ForAllValues),
            ..
        } => base,
        Operator::Known {
            base,
            set: Some(SetQualifier::ForAnyValue),
            ..
        } if one_value_sent => base,
        _ => return None,
    };
    Some(match base {
        StringNotEquals => (StringEquals, "StringEquals"),
        StringNotEqualsIgnoreCase => (StringEqualsIgnoreCase, "StringEqualsIgnoreCase"),
        StringNotLike => (StringLike, "StringLike"),
        ArnNotEquals => (ArnEquals, "ArnEquals"),
        ArnNotLike => (ArnLike, "ArnLike"),
        NumericNotEquals => (NumericEquals, "NumericEquals"),
        _ => return None,
    })
}

/// Whether the Allow demands `c` or more (the same key): `c` holds for every caller it lets in.
/// Under the same positive operator each value the Allow takes is one of `c`'s, or one of `c`'s
/// patterns matches it whole (`role/ci-*` of `role/ci-deployer`, `*` of `*` too, the `*`s of the
/// Allow's value inside those of `c`'s); a value the Allow's `StringEquals` takes, `c`'s
/// `StringEqualsIgnoreCase` or `StringLike` may take too. Under a negated one the operator and
/// the values are the same.
fn demanded_by(allow: &Statement, c: &Condition) -> bool {
    let within = |these: &[Cow<str>], those: &[Cow<str>]| {
        these
            .iter()
            .all(|v| those.iter().any(|w| crate::evaluate::same_value(v, w)))
    };
    let same_values = |a: &Condition| within(&a.values, &c.values) && within(&c.values, &a.values);
    let Operator::Known { base, set, if_exists } = c.operator else {
        return false;
    };
    // A pattern without `?` that matches the Allow's value as text matches every value it takes:
    // each `*` of it falls within a `*` of the pattern. Not a value with a variable.
    let covers = |pattern: &str, value: &str| {
        let plain = !pattern.contains(['?', '$']) && !value.contains('$');
        plain
            && match base {
                BaseOperator::StringLike => glob(pattern, value, false),
                BaseOperator::ArnLike => crate::pattern::arn_like(pattern, value),
                _ => false,
            }
    };
    // The one value an Allow's `StringEquals` takes, met by `c` under another operator: the same
    // letters ignoring case (`Ops` of `ops`; beyond ASCII IAM's folding is not documented), or a
    // pattern that matches it.
    let exact_value_taken = |v: &str, w: &str| match base {
        BaseOperator::StringEqualsIgnoreCase => {
            !v.contains('$') && !w.contains('$') && v.is_ascii() && v.eq_ignore_ascii_case(w)
        }
        BaseOperator::StringLike => covers(w, v),
        _ => false,
    };
    let taken_by_c = |a: &Condition, a_base: BaseOperator| {
        (a.values.iter()).all(|v| {
            (c.values.iter()).any(|w| match a_base == base {
                true => crate::evaluate::same_value(v, w) || covers(w, v),
                false => a_base == BaseOperator::StringEquals && exact_value_taken(v, w),
            })
        })
    };
    (allow.conditions.iter()).any(|a| {
        let Operator::Known {
            base: a_base,
            set: a_set,
            if_exists: a_if_exists,
        } = a.operator
        else {
            return false;
        };
        // `c`'s `…IfExists` holds where the key is missing too: for every caller of an Allow
        // without one, who has the key.
        let if_exists_alike = a_if_exists == if_exists || (!a_if_exists && !base.is_negated());
        a.key.eq_ignore_ascii_case(&c.key)
            && a_set == set
            && if_exists_alike
            && match base.is_negated() {
                true => a_base == base && same_values(a),
                false => !a.values.is_empty() && taken_by_c(a, a_base),
            }
    })
}

/// Whether `c`, a Deny's negated comparison of whole values (`StringNotEquals`, or
/// `StringNotLike`), holds for every caller the Allow lets in: the Allow demands one of its own
/// values of the key (`StringEquals`, no set qualifier or `…IfExists`), none of which is one of
/// `c`'s exceptions. `aws:PrincipalAccount` 444455556666 in the Allow, "unless 111122223333" in
/// the Deny: every caller let in is stopped.
fn excepts_none_demanded(allow: &Statement, c: &Condition) -> bool {
    use BaseOperator::{StringEquals, StringNotEquals, StringNotLike};
    let Operator::Known {
        base: base @ (StringNotEquals | StringNotLike),
        set: None,
        ..
    } = c.operator
    else {
        return false;
    };
    // A value the suggestion leaves to the reader is whatever they write there.
    // Not a `?`: which characters IAM counts as one beyond the BMP is not documented.
    let plain = |v: &Cow<str>| {
        !has_variable(v) && !crate::validity::holds_opaque(v) && !crate::fix::is_fill_in(v) && !v.contains('?')
    };
    let excepted = |v: &str| {
        (c.values.iter()).any(|w| match base {
            StringNotLike => glob(w, v, false),
            _ => w.as_ref() == v,
        })
    };
    // A key of several values (`aws:TagKeys`, a token's `amr`) meets the Allow by one and
    // escapes the Deny by another.
    holds_one_value(&c.key)
        && !c.values.is_empty()
        && c.values.iter().all(plain)
        && (allow.conditions.iter()).any(|a| {
            matches!(
                a.operator,
                Operator::Known {
                    base: StringEquals,
                    set: None,
                    if_exists: false
                }
            ) && a.key.eq_ignore_ascii_case(&c.key)
                && !a.values.is_empty()
                && a.values.iter().all(|v| plain(v) && !excepted(v))
        })
}

/// A Deny as it applies to the callers `allow` lets in: without the conditions the Allow demands
/// itself, which they all meet. A caller picks one value of a key for the whole request: one
/// that meets the Allow's `ArnLike aws:PrincipalArn …:role/ci-deployer` meets the Deny's too.
fn deny_for_admitted<'d>(deny: &'d Statement<'d>, allow: &Statement) -> Cow<'d, Statement<'d>> {
    if !deny.conditions.iter().any(|c| demanded_by(allow, c)) {
        return Cow::Borrowed(deny);
    }
    let mut narrowed = deny.clone();
    narrowed.conditions.retain(|c| !demanded_by(allow, c));
    Cow::Owned(narrowed)
}

/// Does a Deny's condition hold for every caller `allow` admits (of `only`, when given)? When the
/// Allow demands the same (`StringEquals …:aud sts.amazonaws.com` in both), when it says the
/// caller is no AWS service (`BoolIfExists aws:PrincipalIsAWSService false`, AWS's data-perimeter
/// guard) while the callers are IAM users and roles: principals named by account or ARN, and when
/// it excepts accounts (`StringNotEquals[IfExists] aws:PrincipalAccount`, the perimeter's
/// exception list) none of which is a caller's, or names accounts (`StringEquals
/// aws:PrincipalAccount`, a Deny kept to one partner) among which is each caller's: the account
/// of each principal named.
pub(crate) fn holds_for_every_admitted(
    c: &Condition,
    allow: &Statement,
    only: Option<(PrincipalKind, &str)>,
    version: Version,
    subject: &Subject,
) -> bool {
    let demanded = demanded_by(allow, c);
    let callers_are_iam_principals = || {
        let iam_principal = |(kind, p): (PrincipalKind, &str)| kind == PrincipalKind::Aws && p != "*";
        match only {
            Some(principal) => iam_principal(principal),
            None => !allow.principals.negated && allow.principals.entries().all(iam_principal),
        }
    };
    // `Bool aws:PrincipalIsAWSService <said>`: the condition asks whether the caller is a service.
    let says_aws_service = |said: &str| {
        matches!(
            c.operator,
            Operator::Known {
                base: BaseOperator::Bool,
                set: None,
                ..
            }
        ) && c.key.eq_ignore_ascii_case("aws:PrincipalIsAWSService")
            && !c.values.is_empty()
            && c.values.iter().all(|v| v.eq_ignore_ascii_case(said))
    };
    let no_service = says_aws_service("false");
    // Whether `holds` holds of each caller the Allow admits (of `only`, when given); none when it
    // names nobody or everyone but some.
    let every_caller = |holds: &dyn Fn((PrincipalKind, &str)) -> bool| match only {
        Some(principal) => holds(principal),
        None => !allow.principals.negated && !allow.principals.is_empty() && allow.principals.entries().all(holds),
    };
    // An identity provider's callers ask unsigned (`AssumeRoleWithWebIdentity`, `…WithSAML`):
    // their requests have none of the keys AWS fills from a signing principal, which
    // `BoolIfExists aws:PrincipalIsAWSService false` and a negated operator on
    // `aws:PrincipalAccount` hold for.
    let callers_ask_unsigned =
        || every_caller(&|(kind, p)| kind == PrincipalKind::Federated && !crate::validity::is_opaque(p));
    let if_exists = matches!(c.operator, Operator::Known { if_exists: true, .. });
    // Whether `holds` holds of the account of each caller: AWS principals named by account or ARN.
    let each_callers_account = |holds: &dyn Fn(&str) -> bool| {
        every_caller(&|(kind, p)| {
            let account = if kind == PrincipalKind::Aws {
                root_account(p).or_else(|| arn_account(p))
            } else {
                None
            };
            account.is_some_and(|a| is_account_id(a) && holds(a))
        })
    };
    let named = |account: &str| {
        c.values.iter().any(|v| match c.operator {
            Operator::Known { base, .. } if base.reads_wildcards() => glob(v, account, false),
            // An account id compared as a number: whatever zeros lead either.
            Operator::Known {
                base: BaseOperator::NumericEquals | BaseOperator::NumericNotEquals,
                ..
            } => crate::pattern::account_as_number(v).is_some_and(|n| n == account),
            _ => v.as_ref() == account,
        })
    };
    // `aws:PrincipalAccount` is in every request an AWS principal signs: `…IfExists` changes
    // nothing, and an account id has no letters for `IgnoreCase` to fold.
    let numeric = matches!(
        c.operator,
        Operator::Known {
            base: BaseOperator::NumericEquals | BaseOperator::NumericNotEquals,
            ..
        }
    );
    // One value in each such request: a set qualifier compares it as the plain operator does.
    let on_accounts = |bases: &[BaseOperator]| {
        matches!(c.operator, Operator::Known { base, .. } if bases.contains(&base))
            && c.key.eq_ignore_ascii_case("aws:PrincipalAccount")
            && !c.values.is_empty()
            // A variable, or a template's value not known here, may be any account.
            && !c.values.iter().any(|v| has_variable(v) || crate::validity::is_opaque(v))
            // A value that is no number is not judged as one.
            && (!numeric || c.values.iter().all(|v| crate::pattern::account_as_number(v).is_some()))
    };
    use BaseOperator::{
        NumericEquals, NumericNotEquals, StringEquals, StringEqualsIgnoreCase, StringLike, StringNotEquals,
        StringNotEqualsIgnoreCase, StringNotLike,
    };
    let excepts_accounts = on_accounts(&[
        StringNotEquals,
        StringNotLike,
        StringNotEqualsIgnoreCase,
        NumericNotEquals,
    ]);
    let pins_accounts = on_accounts(&[StringEquals, StringLike, StringEqualsIgnoreCase, NumericEquals]);
    // AWS's guard on a source-key Deny (`Null aws:SourceAccount false`: only for requests that
    // carry the key) holds for a service that sends it.
    let null_test = matches!(
        c.operator,
        Operator::Known {
            base: BaseOperator::Null,
            set: None,
            ..
        }
    );
    let says = |said: &str| c.values.iter().any(|v| v.eq_ignore_ascii_case(said));
    let key_present = null_test && !c.values.is_empty() && c.values.iter().all(|v| v.eq_ignore_ascii_case("false"));
    // `Null` of both (`["true", "false"]`): whether the key is there or not, it holds.
    let key_either = null_test && says("true") && says("false");
    // AWS's confused-deputy guard (`Bool aws:PrincipalIsAWSService true`, or the service named in
    // `aws:PrincipalServiceName`) holds for every caller that is a service it names.
    let callers_are_services =
        |holds: &dyn Fn(&str) -> bool| every_caller(&|(kind, p)| kind == PrincipalKind::Service && holds(p));
    let is_service = says_aws_service("true");
    let service_named = |service: &str| match c.operator {
        Operator::Known {
            base: base @ (StringEquals | StringLike | StringEqualsIgnoreCase),
            set: None,
            ..
        } if c.key.eq_ignore_ascii_case("aws:PrincipalServiceName") => c.values.iter().any(|v| match base {
            StringLike => glob(v, service, false),
            StringEqualsIgnoreCase => v.eq_ignore_ascii_case(service),
            _ => v.as_ref() == service,
        }),
        _ => false,
    };
    // A key only a signing principal's request has (its organization, ARN, tags), under an
    // operator that holds where the key is missing (`StringNotEqualsIfExists aws:PrincipalOrgID`):
    // it holds for an identity provider's callers, who ask unsigned.
    let holds_when_absent = matches!(c.operator, Operator::Known { base, set, if_exists }
        if crate::evaluate::missing_key(base, set, if_exists, &c.values) == Tri::True);
    // A key no request to STS carries (`aws:PrincipleOrgID`): missing for every caller.
    if holds_when_absent && crate::contexts::never_sent(&c.key).is_some_and(crate::contexts::UnsentKey::is_certain) {
        return true;
    }
    // A pattern every value of an identity key meets, under an operator that holds where the key
    // is missing (`StringLikeIfExists aws:PrincipalOrgID o-*`): no request escapes it.
    let every_request = || {
        matches!(c.operator, Operator::Known { base: StringLike, set, if_exists }
            if crate::evaluate::holds_when_missing(set, if_exists))
            && (c.values.iter()).any(|v| crate::evaluate::covers_every_identity_value(&c.key, v))
    };
    // An external id the condition leaves no caller a choice to escape (`StringNotEquals
    // sts:ExternalId "*"`: no external id is `*`, and none sent meets it too).
    let every_external_id = || crate::evaluate::caller_choices(c).is_some_and(|choices| choices.all_meet);
    // A pattern every value meets, on a key every caller sends one of (a token's `sub`).
    let every_value_sent = || {
        matches!(
            c.operator,
            Operator::Known {
                base: StringLike,
                set: None,
                ..
            }
        ) && c.values.iter().any(|v| matches_everything(v))
            && sent_by_every_caller(&c.key, allow, only).is_some()
    };
    // Values null in every request (`StringNotEquals aws:PrincipalAccount ${AWS::AccountId}`,
    // `Fn::Sub` forgotten): a negated operator matches them where the key is sent, and holds
    // where it is missing unless a set qualifier asks for a value.
    let null_matched = || match crate::evaluate::null_comparison(c, version) {
        Some((Tri::True, Tri::True)) => true,
        Some((Tri::True, _)) => sent_by_every_caller(&c.key, allow, only).is_some(),
        _ => false,
    };
    demanded
        || key_either
        || null_matched()
        || (no_service && callers_are_iam_principals())
        || (no_service && if_exists && callers_ask_unsigned())
        || (holds_when_absent && crate::contexts::is_signer_key(&c.key) && callers_ask_unsigned())
        // A service principal is in no organization and has no tags (Roles Anywhere maps a
        // certificate's fields to its sessions' tags) or MFA.
        || (holds_when_absent
            && crate::contexts::is_principal_attribute(&c.key)
            && callers_are_services(&|p| p != crate::contexts::ROLES_ANYWHERE))
        // Nor a token's claim or a SAML attribute: a service asks with its own credentials.
        || (holds_when_absent
            && crate::contexts::is_federation_key(&c.key)
            && callers_are_services(&|p| crate::contexts::is_federation_key_of_another(&c.key, p)))
        // Nor a Pod Identity tag that no pod's session has (`StringNotEquals … "Prod"`).
        || (crate::pods::holds_for_every_session(c) && callers_are_services(&|p| p == crate::pods::POD_IDENTITY))
        // Nor do they send an external id: only `AssumeRole` takes one.
        || (holds_when_absent && c.key.eq_ignore_ascii_case("sts:ExternalId") && callers_ask_unsigned())
        // Missing in their requests: `ForAnyValue` holds for no missing key.
        || (excepts_accounts && holds_when_absent && callers_ask_unsigned())
        || (is_service && callers_are_services(&|_| true))
        || callers_are_services(&service_named)
        || (excepts_accounts && each_callers_account(&|a| !named(a)))
        // Types that name each of a named principal's callers' (`User`, `AssumedRole`).
        || every_caller(&|(kind, p)| {
            kind == PrincipalKind::Aws
                && !has_wildcard(p)
                && !crate::validity::is_opaque(p)
                && crate::validity::names_every_caller_type(c, crate::validity::caller_types_of(p))
        })
        // Types, none of them a caller's (`Role`: a role's session's is `AssumedRole`).
        || (c.operator.is_negated()
            && c.key.eq_ignore_ascii_case("aws:PrincipalType")
            && every_caller(&|(kind, p)| {
                kind == PrincipalKind::Aws
                    && crate::validity::names_no_caller_type(c, crate::validity::caller_types_of(p))
            }))
        // Exceptions none of the values the Allow demands (`StringNotEquals aws:PrincipalAccount`
        // the role's own account, of an Allow kept to a partner's).
        || excepts_none_demanded(allow, c)
        // Another issuer's claim, which no token of the callers' providers carries.
        || every_caller(&|(kind, p)| {
            kind == PrincipalKind::Federated
                && crate::validity::is_web_identity_provider(p)
                && holds_for_another_issuers_key(&oidc_host(p), c)
        })
        // Every Cognito token's amr has a value besides `authenticated` (a guest's
        // `unauthenticated`, a signed-in identity's provider).
        || every_caller(&|(kind, p)| kind == PrincipalKind::Federated && every_amr_has_another_value(&oidc_host(p), c))
        // Exceptions no token of the callers' providers has (`StringNotLike …:sub
        // repo:acme/app:ref:main`: GitHub writes `ref:refs/heads/main`).
        || (c.operator.is_negated()
            && every_caller(&|(kind, p)| {
                kind == PrincipalKind::Federated && crate::validity::excepts_no_token(c, p).is_some()
            }))
        // Exceptions none of whose ARNs is a caller's (a role's session's, which the key never holds).
        || (c.key.eq_ignore_ascii_case("aws:PrincipalArn")
            && every_caller(&|(kind, p)| kind == PrincipalKind::Aws && crate::validity::excepts_none_of(c, p, subject)))
        || (pins_accounts && each_callers_account(&named))
        || (key_present && sent_by_every_caller(&c.key, allow, only).is_some())
        || every_request()
        || every_value_sent()
        || every_external_id()
        || crate::organizations::holds_for_every_request(c)
        // Of IAM principals named: a wildcard so guarded is TRUST_PUBLIC_CONDITIONED's to say
        // (aws:VpcSourceIp in its place would let any account's endpoint through), and a service
        // calls through no endpoint of yours.
        || (crate::evaluate::private_source_ip(c) == Some(true) && callers_are_iam_principals())
        // A negated source ARN of a kind the callers never send (a Scheduler schedule's).
        || (c.operator.is_negated() && callers_are_services(&|service| crate::validity::sends_none_of(c, service)))
}

/// `ForAnyValue:StringNotLike cognito-identity.amazonaws.com:amr authenticated` (or another
/// negated string comparison) of a Cognito identity pool's tokens: it holds for each, as every
/// token's amr has a value other than `authenticated` (a guest's is `unauthenticated`, a
/// signed-in identity's names its provider beside `authenticated`).
fn every_amr_has_another_value(host: &str, c: &Condition) -> bool {
    let Operator::Known {
        base,
        set: Some(SetQualifier::ForAnyValue),
        ..
    } = c.operator
    else {
        return false;
    };
    base.negated_string_comparison().is_some()
        && is_cognito(host)
        && strip_prefix_ignore_case(&c.key, host).is_some_and(|claim| claim.eq_ignore_ascii_case(":amr"))
        && !c.values.is_empty()
        && c.values.iter().all(|v| v.eq_ignore_ascii_case("authenticated"))
}

/// Whether every caller `allow` admits (of `only`, when given) sends `key`: a service its source
/// account, an OIDC provider's token its `sub` and `aud` (required claims of an ID token), an IAM
/// principal its ARN and account. `Some(true)` when the key holds one value in every such request:
/// all of them but `aud`, which a token may give as a list.
fn sent_by_every_caller(key: &str, allow: &Statement, only: Option<(PrincipalKind, &str)>) -> Option<bool> {
    let is = |name: &str| key.eq_ignore_ascii_case(name);
    // Per caller: None when it may not send the key, else whether it sends one value.
    let sends = |(kind, p): (PrincipalKind, &str)| match kind {
        PrincipalKind::Service => {
            (is("aws:SourceAccount") && p != EDGE_LAMBDA && !sends_no_source_keys(p)).then_some(true)
        }
        PrincipalKind::Federated if !is_saml_provider(p) && !crate::validity::is_opaque(p) => {
            let host = &oidc_host(p);
            let claim = strip_prefix_ignore_case(key, host).and_then(|claim| claim.strip_prefix(':'))?;
            let listed = claims_sts_reads(host);
            // Condition keys ignore case (`graph.facebook.com:APP_ID`).
            match claim.to_ascii_lowercase().as_str() {
                // A claim STS never reads for this provider is in no request (Facebook and Login
                // with Amazon have no `sub` or `aud` key at all).
                claim if listed.is_some_and(|keys| !keys.contains(&claim)) => None,
                "sub" => Some(true),
                "aud" => Some(false),
                // Facebook's and Login with Amazon's own ids: one of each in every request.
                "app_id" | "id" | "user_id" if matches!(host.as_ref(), "graph.facebook.com" | "www.amazon.com") => {
                    Some(true)
                }
                _ => None,
            }
        }
        PrincipalKind::Aws => (p != "*" && (is("aws:PrincipalArn") || is("aws:PrincipalAccount"))).then_some(true),
        _ => None,
    };
    match only {
        Some(principal) => sends(principal),
        None if allow.principals.negated || allow.principals.is_empty() => None,
        None => allow
            .principals
            .entries()
            // Every caller asked, no short cut once one value is ruled out: one that never sends
            // the key makes it `None`, whatever came before it.
            .try_fold(true, |one, caller| {
                let sent_one = sends(caller)?;
                Some(one && sent_one)
            }),
    }
}

fn confused_deputy(policy: &Policy, subject: &Subject, params: &RuleParams, out: &mut Findings) {
    let severity = if params.require_source_account {
        Severity::Medium
    } else {
        Severity::Low
    };
    // Each statement with the services it may let in, read once.
    let candidates: Vec<(usize, &Statement, Vec<&str>)> = policy
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Allow && !s.principals.negated && covers(&s.actions, ASSUME_ROLE))
        .map(|(index, s)| (index, s, let_in_services(s, subject, policy.version)))
        .filter(|(_, _, services)| !services.is_empty())
        // A source condition no resource's ARN meets lets no service in to be a deputy
        // (STATEMENT_NEVER_APPLIES says so).
        .filter(|(_, s, _)| crate::validity::source_never_matches(s, subject).is_none())
        .collect();
    for (index, s, let_in) in &candidates {
        let (index, s) = (*index, *s);
        let scoped_services = |_| let_in.iter().copied();
        let effective = |c: &Condition| is_effective_source_condition(c, policy.version);
        // A Deny guards each service on its own: its `Null aws:SourceAccount false` holds for a
        // service that sends the key, whoever else the statement names.
        let guarded = || {
            scoped_services(s).all(|service| {
                let only = Some((PrincipalKind::Service, service));
                (guard_conditions_for(policy, s, only, subject).iter()).any(effective)
            })
        };
        if s.conditions.iter().any(effective) || guarded() || external_id_names_the_account(s) {
            continue;
        }
        // A service the statement never lets in (a session action it lacks, a key it never
        // sends, a Deny) is no deputy: STATEMENT_NEVER_APPLIES says why. Asked only of a statement
        // that would be reported and that has something to shut a service out with: a condition,
        // a Deny beside it, or Roles Anywhere's session actions.
        let may_be_dead = !s.conditions.is_empty()
            || policy.statements.iter().any(|d| d.effect == Effect::Deny)
            || let_in.contains(&crate::contexts::ROLES_ANYWHERE);
        let dead = match may_be_dead {
            true => crate::validity::never_applies(policy, index, subject),
            false => Vec::new(),
        };
        if dead.iter().any(|d| d.principal().is_none()) {
            continue;
        }
        let live: Vec<&str> = (let_in.iter().copied())
            .filter(|service| !dead.iter().any(|d| d.principal() == Some(service)))
            .collect();
        if live.is_empty() {
            continue;
        }
        let services = || live.iter().copied();
        let guarded_sibling = candidates.iter().find(|(other, o, theirs)| {
            *other != index
                && o.conditions.iter().any(effective)
                && theirs.iter().any(|svc| services().any(|mine| mine == *svc))
        });
        let weak = s
            .conditions
            .iter()
            .find(|c| is_source_key(&c.key) || c.key.eq_ignore_ascii_case("aws:ResourceAccount"));
        let id = match (guarded_sibling, weak) {
            (None, None) => FindingId::ConfusedDeputyUnscoped,
            _ => FindingId::ConfusedDeputyIneffective,
        };
        out.add_at(severity, id, Some(index), || {
            let service_list = services().collect::<Vec<_>>().join(", ");
            let message = match (guarded_sibling, weak) {
                (Some((other, _, _)), _) => text!(
                    "statement ",
                    index,
                    " trusts ",
                    service_list,
                    " without a source condition, so the one in statement ",
                    other,
                    " does nothing"
                ),
                (None, Some(c)) => text!(
                    "statement ",
                    index,
                    ": ",
                    c.operator_text,
                    " ",
                    c.key,
                    " does not keep ",
                    service_list,
                    " to one account's resources"
                ),
                (None, None) => text!(
                    "statement ",
                    index,
                    " trusts ",
                    service_list,
                    " with no aws:SourceAccount or aws:SourceArn condition"
                ),
            };
            // The statement's other principals (people, roles, EC2; Lambda@Edge may not either)
            // send no aws:SourceAccount: the condition would shut them out, so the services move.
            let others = s
                .principals
                .entries()
                .any(|(_, p)| !services().any(|scoped| scoped == p));
            // Firehose documents its own guard: the account as the external id it passes.
            let key = if firehose_alone(s) {
                "sts:ExternalId"
            } else {
                "aws:SourceAccount"
            };
            // The accounts whose resources its conditions name, as the suggested policy keeps
            // them (a topic of another account), else the role's own.
            let named = source_accounts_named(s);
            let accounts = match named.is_empty() {
                true => subject.account.unwrap_or("your account id").to_owned(),
                false => named.join(", "),
            };
            let guard = text!("StringEquals ", key, " = ", accounts);
            let fix = if others {
                // Lambda@Edge is said apart where it is one of them: whether it sends a source
                // key is not documented.
                let edge =
                    (s.principals.service.iter()).any(|p| p == EDGE_LAMBDA && !services().any(|scoped| scoped == p));
                text!(
                    "move ",
                    service_list,
                    " to a statement of its own with ",
                    guard,
                    ": on statement ",
                    index,
                    " it would shut out the other principals, which send none",
                    if edge { " (or, Lambda@Edge, may not)" } else { "" }
                )
            } else {
                text!("put ", guard, " on statement ", index)
            };
            let others_deliver = match services().any(delivers_for_other_accounts) {
                true => CROSS_ACCOUNT_LOG_DELIVERY,
                false => "",
            };
            (message, text!(fix, others_deliver, control_tower_exemption(subject)))
        });
    }
}

/// A key whose value is the role's own (`aws:ResourceAccount`, `aws:ResourceTag/…`, the role's
/// organization), whoever calls.
fn reads_the_role_alone(key: &str) -> bool {
    key.eq_ignore_ascii_case("aws:ResourceAccount") || crate::contexts::is_role_own_key(key)
}

/// What the source-account guard of a CloudWatch Logs principal must name beside the role's own.
pub(crate) const CROSS_ACCOUNT_LOG_DELIVERY: &str = ". CloudWatch Logs assumes the role for the account whose log group sends the events: if this is a cross-account destination's role, list each sending account too, or their delivery stops";

/// CloudWatch Logs (`logs.amazonaws.com`, `logs.REGION.amazonaws.com`), which delivers a
/// subscription's events to a destination of another account "on the source account's behalf":
/// its `aws:SourceAccount` is the sender's, not always the role's.
pub(crate) fn delivers_for_other_accounts(service: &str) -> bool {
    !has_wildcard(service)
        && (service.strip_prefix("logs."))
            .is_some_and(|rest| rest.ends_with("amazonaws.com") || rest.ends_with("amazonaws.com.cn"))
}

/// Three services pass an external id of their own making, which their guides have the role
/// demand. Firehose passes the account of the stream it delivers for ("This ensures that only you
/// can request Kinesis Data Firehose to assume the IAM role"); Clean Rooms one that names the
/// membership a query runs for ("In AWS Clean Rooms, you also have to compare against the
/// `sts:ExternalId` condition key", its "Cross-service confused deputy prevention"); Redshift
/// the ARN of the database user who runs a `COPY` or `UNLOAD`
/// (`arn:aws:redshift:REGION:ACCOUNT:dbuser:CLUSTER/USER`: its management guide's "Restricting
/// an IAM role to specific database users"). For a statement whose services are all one of them,
/// that ties the request to an account, a membership or a cluster as `aws:SourceAccount` does.
fn external_id_names_the_account(s: &Statement) -> bool {
    let on_external_id = |c: &Condition| c.key.eq_ignore_ascii_case("sts:ExternalId") && is_effective_positive(c);
    let names_accounts = |c: &&Condition| c.values.iter().all(|v| is_account_id(v));
    // Clean Rooms' id ends in the membership's (`arn:aws:*:us-east-1:*:dbuser:*/MEMBERSHIP*`): a
    // value whose part after its last `/` is wildcards alone names every membership.
    let names_membership = |v: &Cow<str>| {
        v.rsplit_once('/')
            .is_some_and(|(_, id)| id.chars().any(|c| c != '*' && c != '?'))
    };
    let names_something = |c: &&Condition| !c.values.is_empty() && c.values.iter().all(names_membership);
    let mut guards = s.conditions.iter().filter(|c| on_external_id(c));
    if firehose_alone(s) {
        guards.any(|c| names_accounts(&c))
    } else if scoped_services(s).all(|service| service == "cleanrooms.amazonaws.com") {
        guards.any(|c| names_something(&c))
    } else if scoped_services(s).all(|service| service == "redshift.amazonaws.com") {
        // An account's database user, written out to the account at least.
        let names_db_user = |v: &Cow<str>| {
            arn_fields::<6>(v).is_some_and(|[head, _, service, _, account, resource]| {
                head == "arn" && service == "redshift" && is_account_id(account) && resource.starts_with("dbuser:")
            })
        };
        guards.any(|c| !c.values.is_empty() && c.values.iter().all(names_db_user))
    } else {
        false
    }
}

/// Whether the services a statement should tie to an account are Amazon Data Firehose alone
/// (also under its name in the China regions), which documents a guard of its own: the account
/// as the external id it passes.
pub(crate) fn firehose_alone(s: &Statement) -> bool {
    scoped_services(s).all(is_firehose)
}

/// Amazon Data Firehose's principal (also its name in the China regions).
pub(crate) fn is_firehose(service: &str) -> bool {
    service.strip_suffix(".cn").unwrap_or(service) == "firehose.amazonaws.com"
}

fn broad_actions(policy: &Policy, out: &mut Findings) {
    for (index, s) in policy.statements.iter().enumerate() {
        // A statement that grants no way of assuming the role grants nothing in a trust policy.
        if s.effect != Effect::Allow || s.principals.is_empty() || !covers_any_assume(&s.actions) {
            continue;
        }
        // Only a pattern that grants a way of assuming the role (`sts:Tag*` grants none).
        let wildcard = s
            .actions
            .patterns
            .iter()
            .find(|p| has_wildcard(p) && ASSUME_ACTIONS.iter().any(|a| glob(p, a, true)));
        if !s.actions.negated && wildcard.is_none() {
            continue;
        }
        out.add(FindingId::BroadTrustAction, Some(index), || {
            let what = match wildcard {
                Some(pattern) if !s.actions.negated => format!("allows the action pattern {:?}", pattern.as_ref()),
                _ => "uses NotAction, which allows every other action".to_owned(),
            };
            // The way its principals assume a role: a SAML or OIDC provider's, not sts:AssumeRole.
            // A SAML provider's ARN says so whatever its name (one a template leaves undetermined).
            let mut meant: Vec<&str> = s
                .principals
                .entries()
                .filter(|(_, p)| (!crate::validity::is_opaque(p) || is_saml_provider(p)) && !has_wildcard(p))
                .filter_map(|(kind, p)| crate::validity::action_needed_by(kind, p))
                .collect();
            crate::order::sort_small_dedup(&mut meant);
            let meant = if meant.is_empty() {
                ASSUME_ROLE.to_owned()
            } else {
                meant.join(" and ")
            };
            (
                text!("statement ", index, " ", what, " where ", meant, " is meant"),
                text!(
                    "list the actions in statement ",
                    index,
                    ": ",
                    meant,
                    " (plus sts:TagSession or sts:SetSourceIdentity if used)"
                ),
            )
        });
    }
}

/// `AROA…` (role) or `AIDA…` (user): what IAM shows after the principal was deleted.
pub(crate) fn is_unique_id(principal: &str) -> bool {
    (principal.starts_with("AROA") || principal.starts_with("AIDA"))
        && principal.len() >= 16
        && principal.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn dangling_principals(policy: &Policy, out: &mut Findings) {
    for (index, s) in policy.statements.iter().enumerate() {
        let ids = || s.principals.aws.iter().map(|p| p.as_ref()).filter(|p| is_unique_id(p));
        if ids().next().is_some() {
            out.add(FindingId::DanglingPrincipal, Some(index), || {
                let ids = ids().collect::<Vec<_>>().join(", ");
                (
                    text!(
                        "statement ",
                        index,
                        " names ",
                        ids,
                        ", the id of a deleted principal; it matches nobody"
                    ),
                    text!(
                        "remove ",
                        ids,
                        " from statement ",
                        index,
                        ", or put back the ARN of the principal you meant"
                    ),
                )
            });
        }
    }
}

/// The accounts a statement's source conditions name exactly: `aws:SourceAccount` ids and the
/// account fields of `aws:SourceArn` values, without wildcards, in order, each once: the
/// accounts whose resources the author meant (a topic of another account, with `IfExists`).
pub(crate) fn source_accounts_named(statement: &Statement) -> Vec<String> {
    let mut accounts: Vec<String> = Vec::new();
    // Only what a positive operator names is let in (`ArnNotLike` names the one kept out).
    let positive = |c: &&Condition| matches!(c.operator, Operator::Known { base, .. } if !base.is_negated() && base != BaseOperator::Null);
    for c in statement
        .conditions
        .iter()
        .filter(|c| is_source_key(&c.key))
        .filter(positive)
    {
        let source_arn = c.key.eq_ignore_ascii_case("aws:SourceArn");
        if !source_arn && !c.key.eq_ignore_ascii_case("aws:SourceAccount") {
            continue;
        }
        for value in &c.values {
            let named = if source_arn {
                arn_account(value)
            } else {
                Some(value.as_ref())
            };
            if let Some(id) = named.filter(|id| is_account_id(id)) {
                if !accounts.iter().any(|a| a == id) {
                    accounts.push(id.to_owned());
                }
            }
        }
    }
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_key_written_with_a_prefix_is_told_with_the_key_sts_sends() {
        for (key, sent, prefix) in [
            (
                "https://token.actions.githubusercontent.com:sub",
                "token.actions.githubusercontent.com:sub",
                KeyPrefix::Scheme,
            ),
            ("HTTP://gitlab.com:sub", "gitlab.com:sub", KeyPrefix::Scheme),
            (
                "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB12:sub",
                "oidc.eks.us-east-1.amazonaws.com/id/AB12:sub",
                KeyPrefix::ProviderArn,
            ),
            (
                "ARN:aws-cn:IAM::111122223333:OIDC-PROVIDER/token.actions.githubusercontent.com:aud",
                "token.actions.githubusercontent.com:aud",
                KeyPrefix::ProviderArn,
            ),
        ] {
            assert_eq!(prefixed_provider_key(key), Some((sent, prefix)), "{key}");
        }
        // Keys that start otherwise, a SAML provider's ARN and a tag's name holding a URL among them.
        for key in [
            "token.actions.githubusercontent.com:sub",
            "arn:aws:iam::111122223333:saml-provider/okta:aud",
            "arn:aws:sts::111122223333:oidc-provider/x:sub",
            "aws:PrincipalTag/https://example.com:team",
            "aws:PrincipalTag/arn:aws:iam::1:oidc-provider/x:sub",
            "arn:aws:iam::111122223333",
        ] {
            assert_eq!(prefixed_provider_key(key), None, "{key}");
        }
        // Only the provider's own key: another's stays dead without its prefix.
        let github = "token.actions.githubusercontent.com";
        assert_eq!(
            prefixed_key_of("https://TOKEN.actions.githubusercontent.com:sub", github),
            Some(("TOKEN.actions.githubusercontent.com:sub", KeyPrefix::Scheme))
        );
        assert_eq!(prefixed_key_of("https://gitlab.com:sub", github), None);
        assert_eq!(prefixed_key_of("token.actions.githubusercontent.com:sub", github), None);
    }

    #[test]
    fn lambda_by_its_regional_name_and_the_role_s_own_sessions_are_no_extra_trust() {
        for name in [
            "lambda.me-south-1.amazonaws.com",
            "lambda.us-gov-west-1.amazonaws.com",
            "lambda.eusc-de-east-1.amazonaws.com",
        ] {
            assert!(is_regional_lambda(name), "{name}");
        }
        for name in [
            "lambda.amazonaws.com",
            "lambda.us-east-1.amazonaws.com.evil.com",
            "lambda.cn-north-1.amazonaws.com.cn",
            "lambda.US-EAST-1.amazonaws.com",
            "lambda.east-1.amazonaws.com",
            "lambda.us-east-x.amazonaws.com",
            "states.me-south-1.amazonaws.com",
        ] {
            assert!(!is_regional_lambda(name), "{name}");
        }
        let role = "arn:aws:iam::111122223333:role/service/orders-role";
        assert!(is_session_of(
            "arn:aws:sts::111122223333:assumed-role/orders-role/orders",
            role
        ));
        for other in [
            "arn:aws:sts::444455556666:assumed-role/orders-role/orders",
            "arn:aws-cn:sts::111122223333:assumed-role/orders-role/orders",
            "arn:aws:sts::111122223333:assumed-role/deploy-role/orders",
            "arn:aws:sts::111122223333:assumed-role/orders-role/",
            "arn:aws:sts::111122223333:assumed-role/orders-role/a/b",
            "arn:aws:iam::111122223333:assumed-role/orders-role/orders",
            "arn:aws:sts::111122223333:federated-user/orders-role",
        ] {
            assert!(!is_session_of(other, role), "{other}");
        }
    }

    /// The fix text names the accounts the suggested policy writes: a topic of another account
    /// keeps working (red team of the suggestions, 2026-12-05).
    #[test]
    fn a_confused_deputy_fix_names_the_account_its_conditions_name() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:us-east-1:444455556666:alerts"}}}]}"#;
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..crate::Role::default()
        };
        let finding = crate::finding_of(policy, &role, FindingId::ConfusedDeputyIneffective).unwrap();
        assert_eq!(
            finding.fix,
            "put StringEquals aws:SourceAccount = 444455556666 on statement 0"
        );
    }

    #[test]
    fn only_an_eks_clusters_own_issuer_is_a_tenant_issuer() {
        for host in [
            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
            "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC123",
            // A cluster a template makes: its id is known once it exists.
            "oidc.eks.us-east-1.amazonaws.com/id/UNRESOLVED(GetAtt Cluster.OpenIdConnectIssuerUrl)",
            "oidc.eks.UNRESOLVED(AWS__Region).amazonaws.com/id/UNRESOLVED(GetAtt Cluster.OpenIdConnectIssuerUrl)",
        ] {
            assert!(is_eks_issuer(host), "{host}");
        }
        for host in [
            "oidc.eks.us-east-1.amazonaws.com.attacker.com/id/x",
            "oidc.eks.attacker.io/id/.amazonaws.com",
            "oidc.eks.us-east-1.amazonaws.com/id/x/y",
            "oidc.eks.evil.com/id/x",
            "oidc.eks..amazonaws.com/id/x",
            "oidc.eks.us-east-1.amazonaws.com/id/",
            "oidc.eks.us-east-1.amazonaws.com/id/UNRESOLVED(x)/y",
            "oidc.eks.us-east-1.amazonaws.com/id/xUNRESOLVED(y)",
        ] {
            assert!(!is_eks_issuer(host), "{host}");
        }
    }

    #[test]
    fn the_source_condition_fix_keeps_services_that_send_no_source_keys_apart() {
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..crate::Role::default()
        };
        let fix_for = |services: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":{services}}},"Action":"sts:AssumeRole"}}]}}"#
            );
            crate::finding_of(&doc, &role, FindingId::ConfusedDeputyUnscoped).map_or_else(String::new, |f| f.fix)
        };
        // Lambda@Edge, which the condition would shut out, shares the statement: Lambda moves.
        let shared = fix_for(r#"["lambda.amazonaws.com","edgelambda.amazonaws.com"]"#);
        assert!(
            shared.starts_with("move lambda.amazonaws.com to a statement of its own"),
            "{shared}"
        );
        // A role shares it: the same.
        let with_role = fix_for(r#"["lambda.amazonaws.com"],"AWS":"arn:aws:iam::111122223333:role/deployer""#);
        assert!(with_role.starts_with("move lambda.amazonaws.com"), "{with_role}");
        let alone = fix_for(r#""lambda.amazonaws.com""#);
        assert!(alone.starts_with("put StringEquals aws:SourceAccount"), "{alone}");
    }

    /// Control Tower's mandatory controls refuse any change to its roles' trust: the fix says so,
    /// and how to accept the finding instead (red team: `requireSourceAccount` on its roles).
    #[test]
    fn a_control_tower_role_s_source_condition_fix_says_the_change_is_refused() {
        let params = RuleParams::from_json(r#"{"requireSourceAccount":true}"#).unwrap();
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        for (name, refused) in [
            ("aws-controltower-ConfigRecorderRole", true),
            ("AWSControlTower_VPCFlowLogsRole", true),
            ("config-recorder", false),
        ] {
            let role = crate::Role {
                arn: Some(format!("arn:aws:iam::111122223333:role/{name}")),
                ..crate::Role::default()
            };
            let verdict = crate::check(doc, &role, &params);
            let finding = verdict
                .findings
                .iter()
                .find(|f| f.id == FindingId::ConfusedDeputyUnscoped);
            let fix = finding.map(|f| f.fix.as_str()).unwrap_or_default();
            assert!(fix.starts_with("put StringEquals aws:SourceAccount"), "{name}: {fix}");
            assert_eq!(
                fix.contains("exempt the role by name (exemptRoleArnPatterns)"),
                refused,
                "{name}: {fix}"
            );
        }
    }

    #[test]
    fn a_service_beside_lambda_gets_its_own_role_before_it_leaves_the_functions() {
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:app".into()],
            ..crate::Role::default()
        };
        let fix_for = |principal: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
            );
            crate::finding_of(&doc, &role, FindingId::LambdaRoleExtraTrust).map_or_else(String::new, |f| f.fix)
        };
        // Zappa's role: API Gateway's integration uses it now, and stops if removed first.
        let zappa =
            fix_for(r#"{"Service":["apigateway.amazonaws.com","lambda.amazonaws.com","events.amazonaws.com"]}"#);
        assert_eq!(
            zappa,
            "give apigateway.amazonaws.com, events.amazonaws.com a role of their own, then remove them from statement 0"
        );
        // A person comes in by themselves: out first.
        let person = fix_for(r#"{"Service":"lambda.amazonaws.com","AWS":"arn:aws:iam::111122223333:role/admin"}"#);
        assert_eq!(
            person,
            "remove arn:aws:iam::111122223333:role/admin from statement 0 and give them a role of their own"
        );
    }

    #[test]
    fn an_owner_left_to_a_parameter_is_quoted_on_its_own_key_and_only_when_it_opens() {
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/ci".into()),
            ..crate::Role::default()
        };
        let message_for = |conditions: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{conditions}}}]}}"#
            );
            crate::finding_of(&doc, &role, FindingId::TrustOidcUnscoped).map_or_else(String::new, |f| f.message)
        };
        let repository = message_for(
            r#"{"StringEquals":{"token.actions.githubusercontent.com:repository":"UNRESOLVED(Ref GitHubOrg)/app"}}"#,
        );
        assert!(
            repository.ends_with("token.actions.githubusercontent.com:repository is UNRESOLVED(Ref GitHubOrg)/app, whose owner is a template parameter or a value known only after apply, which may name anyone"),
            "{repository}"
        );
        // The exclusion holds a parameter, the grant opens it: the grant is quoted.
        let excluded = message_for(
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"},"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:UNRESOLVED(Ref GitHubOrg)/*"}}"#,
        );
        assert!(
            excluded.ends_with(
                "StringLike token.actions.githubusercontent.com:sub repo:*, which names nobody in particular"
            ),
            "{excluded}"
        );
    }

    #[test]
    fn callers_named_by_arn_are_named_with_their_path() {
        // Control Tower's caller is role/service-role/AWSControlTowerAdmin: an ARN without the
        // path would lock it out.
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/AWSControlTowerExecution".into()),
            ..crate::Role::default()
        };
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}"#;
        let fix = crate::finding_of(doc, &role, FindingId::CrossAccountUnconditioned).map(|f| f.fix);
        assert_eq!(
            fix.as_deref().unwrap_or_default(),
            "name the users or roles of account 999988887777 that may assume it (ArnLike aws:PrincipalArn in statement 0), each ARN with its role's path (role/service-role/NAME); they can't send an external id. Control Tower's mandatory controls refuse changes to its roles' trust: if you accept it, exempt the role by name (exemptRoleArnPatterns)"
        );
        // Organizations' role can be changed: no such advice.
        let organizations = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/OrganizationAccountAccessRole".into()),
            ..crate::Role::default()
        };
        let fix = crate::finding_of(doc, &organizations, FindingId::CrossAccountUnconditioned).map(|f| f.fix);
        assert!(
            fix.as_deref()
                .is_some_and(|f| f.ends_with("they can't send an external id")),
            "{fix:?}"
        );
    }
}
