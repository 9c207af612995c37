//! IAM's evaluation of a trust policy against one request context, in three-valued logic.
//!
//! Statements OR, an applicable Deny wins, conditions in a statement AND, values of one key OR
//! (AND for negated operators). A missing key makes positive operators false, negated operators,
//! `…IfExists` and `ForAllValues:` true, and `ForAnyValue:` false (with `…IfExists` too).

use std::{borrow::Cow, net::IpAddr};

use crate::{
    contexts::{is_time_key, Caller, Foreign, KeyValue, RequestContext, Stranger},
    pattern::{
        arn_fields, arn_like, arn_matches_everything, glob, globs_meet, has_variable, has_wildcard, matches_everything,
        names_any_account, of_another_partition, strip_prefix_ignore_case,
    },
    policy::{covers, BaseOperator, Condition, Effect, Operator, Principals, SetQualifier, Statement, Version},
    validity::{holds_opaque, OPAQUE_PREFIX},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    False,
    Unknown,
    True,
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }
    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }
    pub fn not(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
            Tri::True => Tri::False,
        }
    }
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
    fn rank(self) -> u8 {
        self as u8
    }
    fn min(self, other: Tri) -> Tri {
        if self.rank() <= other.rank() {
            self
        } else {
            other
        }
    }
    fn max(self, other: Tri) -> Tri {
        if self.rank() >= other.rank() {
            self
        } else {
            other
        }
    }
}

/// Does the statement's principal element name this caller?
///
/// A wildcard never counts as naming a *service* in an Allow: whether `{"AWS":"*"}` lets Lambda in
/// is undocumented, so a role that relies on it is reported, not trusted. In a Deny it does count.
pub(crate) fn names(principals: &Principals, caller: Caller, effect: Effect) -> bool {
    // Asked only where it decides: a Lambda statement's principals are read on every check.
    let wildcard = || principals.aws.iter().any(|p| names_any_account(p));
    let service_listed = |service: &str| principals.service.iter().any(|s| s == service);
    if principals.negated {
        // NotPrincipal: everyone except those listed; `{"AWS":"*"}` there excludes everyone.
        // Like a wildcard, it never counts as naming a service in an Allow.
        let excluded = match caller {
            Caller::Service(_) if effect == Effect::Allow => true,
            Caller::Service(service) => service_listed(service) || wildcard(),
            Caller::Stranger(_) => wildcard(),
        };
        return !excluded;
    }
    match caller {
        Caller::Service(service) => service_listed(service) || (effect == Effect::Deny && wildcard()),
        // A stranger of a wildcard: `{"AWS": "*"}` is taken to mean the same callers in an Allow
        // and in a Deny, federated ones included, failing closed in the Allow. A Deny of it is
        // never taken to guard an identity provider's or a service's own callers
        // ([`crate::checks::denies_everyone_of`]).
        Caller::Stranger(_) => wildcard(),
    }
}

/// Do an Allow statement's conditions hold in the context?
pub(crate) fn conditions_hold(conditions: &[Condition], ctx: &RequestContext, version: Version) -> Tri {
    conditions_hold_in(conditions, ctx, version, Effect::Allow)
}

/// Does the statement apply to this caller performing `action` in the context?
pub(crate) fn applies(statement: &Statement, ctx: &RequestContext, action: &str, version: Version) -> Tri {
    if !covers(&statement.actions, action) {
        return Tri::False;
    }
    applies_to_caller(statement, ctx, version)
}

/// [`applies`] whatever the statement's actions: does it name this caller, and do its conditions
/// hold in the context?
pub(crate) fn applies_to_caller(statement: &Statement, ctx: &RequestContext, version: Version) -> Tri {
    if !names(&statement.principals, ctx.caller, statement.effect) {
        return Tri::False;
    }
    conditions_hold_in(&statement.conditions, ctx, version, statement.effect)
}

/// The conditions of a statement with `effect`. What the caller chooses (their own tags, the
/// request's keys, the name of their role) goes their way: it meets an Allow's conditions and
/// escapes a Deny's.
fn conditions_hold_in(conditions: &[Condition], ctx: &RequestContext, version: Version, effect: Effect) -> Tri {
    let mut result = Tri::True;
    for condition in conditions {
        result = result.and(condition_holds_in(condition, ctx, version, effect));
        if result == Tri::False {
            break;
        }
    }
    result
}

/// What `aws:PrincipalType` is for a stranger who calls `sts:AssumeRole`: one of their role's
/// sessions, or one of their IAM users.
const STRANGER_PRINCIPAL_TYPES: [&str; 2] = ["AssumedRole", "User"];

/// One condition of an Allow statement.
pub(crate) fn condition_holds(condition: &Condition, ctx: &RequestContext, version: Version) -> Tri {
    condition_holds_in(condition, ctx, version, Effect::Allow)
}

/// What a plain `IpAddress` or `NotIpAddress` of `aws:SourceIp` with private ranges only gives
/// every request (false, true), or `None` for any other condition.
fn private_source_ip_outcome(
    condition: &Condition,
    base: BaseOperator,
    set: Option<SetQualifier>,
    if_exists: bool,
) -> Option<bool> {
    let negated = match base {
        BaseOperator::IpAddress => false,
        BaseOperator::NotIpAddress => true,
        _ => return None,
    };
    let private = |v: &Cow<str>| parse_cidr(v).is_some_and(|(address, bits)| is_private(address, bits));
    (set.is_none()
        && !if_exists
        && condition.key.eq_ignore_ascii_case("aws:SourceIp")
        && !condition.values.is_empty()
        && condition.values.iter().all(private))
    .then_some(negated)
}

/// [`private_source_ip_outcome`] of any condition: `Some(false)` for an `IpAddress`, which no
/// request meets, `Some(true)` for a `NotIpAddress`, which every request does.
pub(crate) fn private_source_ip(condition: &Condition) -> Option<bool> {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return None;
    };
    private_source_ip_outcome(condition, base, set, if_exists)
}

fn condition_holds_in(condition: &Condition, ctx: &RequestContext, version: Version, effect: Effect) -> Tri {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return Tri::Unknown;
    };
    let values = &condition.values;
    if let Some(now) = ctx.now.filter(|_| is_time_key(&condition.key)) {
        return time_condition(condition, base, now, ctx.caller, effect);
    }
    if let Some((sent, missing)) = null_comparison(condition, version) {
        return null_values(condition.key.as_ref(), sent, missing, ctx, effect);
    }
    // `aws:SourceIp` holds a public address, and no value through a VPC endpoint: a private range
    // is in no request ("Deny unless from 10.0.0.0/8" stops everyone).
    if let Some(holds) = private_source_ip_outcome(condition, base, set, if_exists) {
        return Tri::from_bool(holds);
    }
    let value = ctx.condition_value(&condition.key);
    // An organization id or path no organization has (`O-ABC123DEFG`) is in no request, whoever
    // sends the key or not (Lambda's aws:SourceOrgID, the role's own aws:ResourceOrgID). In a
    // template, whose value may be a default its deployers replace, only where a service may send
    // it: a Lambda trust so written is broken as deployed, and saying so widens no trust.
    if !ctx.proposed || value == KeyValue::Unknown {
        if crate::organizations::holds_for_no_request(condition) {
            return Tri::False;
        }
        if crate::organizations::holds_for_every_request(condition) {
            return Tri::True;
        }
    }
    match value {
        // Whether a service sends the key or not (Lambda's aws:SourceOrgID), a value it nulls
        // (a variable of a key its request lacks, no default) matches no value it could send,
        // and no value at all either.
        KeyValue::Unknown
            if set.is_none()
                && !if_exists
                && compares_text(base)
                && base != BaseOperator::Null
                && nulled_for_service(values, ctx, version) =>
        {
            Tri::from_bool(base.is_negated())
        }
        KeyValue::Unknown => Tri::Unknown,
        // A stranger signs as one of their roles or users: `aws:PrincipalType` is `AssumedRole`
        // or `User`, as suits them (a federated user's session calls no STS action but
        // `GetCallerIdentity`, and an account's root assumes no role).
        KeyValue::CallerChosen
            if condition.key.eq_ignore_ascii_case("aws:PrincipalType") && !values.iter().any(|v| has_variable(v)) =>
        {
            let [role, user] = STRANGER_PRINCIPAL_TYPES.map(|actual| known_value(base, actual, values, ctx.proposed));
            match effect {
                Effect::Allow => role.or(user),
                Effect::Deny => role.and(user),
            }
        }
        // They send the key or not: a `Null` test of both (`["true", "false"]`) holds either way.
        // Not under a set qualifier: `ForAnyValue:` holds for no request without the key.
        KeyValue::CallerChosen if base == BaseOperator::Null && set.is_none() => null_values(
            &condition.key,
            null_check(true, values),
            null_check(false, values),
            ctx,
            effect,
        ),
        // They send what they like, or nothing, and so meet an Allow and escape a Deny; of an
        // external id only what STS takes, which a condition may leave no choice of.
        KeyValue::CallerChosen => match caller_choices(condition) {
            Some(choices) => Tri::from_bool(match effect {
                Effect::Allow => choices.some_meet,
                Effect::Deny => choices.all_meet,
            }),
            None => Tri::from_bool(effect == Effect::Allow),
        },
        KeyValue::OwnClaim => own_claim(condition, effect, version),
        KeyValue::Unsent if effect == Effect::Allow => missing_key(base, set, if_exists, values),
        // A Deny on it is taken to stop nobody: failing closed, as for a key the caller sets.
        KeyValue::Unsent => Tri::False,
        KeyValue::RoleOwn => {
            // Each value on its own, joined as IAM joins a key's values: any for a positive
            // operator, all for a negated one (a literal beside `${aws:PrincipalOrgID}` still
            // holds for everyone).
            let of_value = |value: &Cow<str>| match caller_variables(std::slice::from_ref(value), ctx, version) {
                // Compared with literals, or with what the caller sets (`${aws:PrincipalTag/org}`),
                // it holds as the owner meant, for everyone alike.
                CallerVariables::None | CallerVariables::Chosen => Tri::from_bool(effect == Effect::Allow),
                // Compared with the caller's identity (`${aws:PrincipalOrgID}`), it ties the caller
                // to the role's own value, which is not known here.
                // A negated operator holds for them: their identity is never the role's.
                CallerVariables::Identity if base.is_negated() => Tri::True,
                // And a Deny that demands it stops none of them: they come in.
                CallerVariables::Identity if effect == Effect::Deny => Tri::False,
                CallerVariables::Identity | CallerVariables::Unknown => Tri::Unknown,
                // A key a service's request doesn't have (Lambda's organization), with no default:
                // a null value, which a positive operator never matches and a negated one always
                // does (see `resolved_for_known`), whether the role has the key compared or not;
                // unless `…IfExists` or a set qualifier tell those apart, the role's own value
                // unknown here.
                CallerVariables::Absent if matches!(ctx.caller, Caller::Service(_)) && !has_default(value) => {
                    match set.is_none() && !if_exists {
                        true => Tri::from_bool(base.is_negated()),
                        false => Tri::Unknown,
                    }
                }
                // With a default, the default is the value (`${aws:PrincipalOrgID, 'o-abc123defg'}`
                // of a caller in no organization): compared as a literal, as the owner meant.
                // A default the key never holds (`''`, where no organization's id is empty) is
                // compared as a null is, where no qualifier asks whether the role has the key.
                CallerVariables::Absent if has_default(value) => {
                    let defaulted = with_variables(value, |_, variable, out| {
                        out.push_str(variable_default(variable)?);
                        Some(())
                    });
                    // (In a template, not a default written as an organization's, `o-…`: it may be
                    // a placeholder deployers replace, `o-xxxxxxxx`.)
                    let placeholder =
                        |v: &str| ctx.proposed && v.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("o-"));
                    let null = defaulted.is_some_and(|v| {
                        crate::organizations::never_held(&condition.key, base, &v) && !placeholder(&v)
                    });
                    // As a null is: no value equals it, a negated operator holds; with a qualifier
                    // that tells whether the role has the key, as the owner meant.
                    match null && set.is_none() && !if_exists {
                        true => Tri::from_bool(base.is_negated()),
                        false => Tri::from_bool(effect == Effect::Allow),
                    }
                }
                // For a stranger, as the condition on that key.
                CallerVariables::Absent => missing_key(base, set, if_exists, std::slice::from_ref(value)),
            };
            let mut each = values.iter().map(of_value);
            let first = each.next().unwrap_or(Tri::from_bool(effect == Effect::Allow));
            match base.is_negated() {
                true => each.fold(first, Tri::and),
                false => each.fold(first, Tri::or),
            }
        }
        KeyValue::Absent => missing_key(base, set, if_exists, values),
        KeyValue::Known(actual) => match resolved_for_known(values, !base.is_negated() && !if_exists, ctx, version) {
            Resolved::Values(values) => known_value(base, actual, &values, ctx.proposed),
            // The caller sets the variable's key to whatever meets the condition.
            Resolved::CallerChosen => Tri::from_bool(effect == Effect::Allow),
            // The role's own values on both sides (`aws:ResourceAccount` against a tag of the
            // role): it tells no caller from another, so it holds as its owner set it, for
            // everyone alike, as a role's own key compared with literals does.
            Resolved::RoleOwn => Tri::from_bool(effect == Effect::Allow),
            Resolved::Unknown => Tri::Unknown,
        },
        KeyValue::Foreign(foreign @ (Foreign::Network | Foreign::VpcAddress)) => {
            // Sent (the context says which way the call goes), from a network of theirs, never
            // one of yours, which they pick to get in or to escape a Deny: values naming only your
            // networks match them never, a wildcard or everyone's addresses as they like (a
            // variable the caller fills, `${aws:PrincipalTag/vpce}`, is a wildcard), and values
            // that cover every network always. As IAM's "public" reads it, an Allow only from
            // your VPC, endpoint or addresses is not public.
            // Every network, by the values as written: a variable the caller fills can also miss.
            let every = covers_every_network(&condition.key, base, values);
            // A `*` as written is a wildcard only to an operator that reads wildcards (to
            // `StringEquals`, `vpce-*` is a name no endpoint has, whatever a variable beside it
            // holds); a variable the caller fills is theirs under any operator (values resolve
            // one for one), and one of the role's own, or any before 2012-10-17, is not.
            let (written, reads_wildcards) = (values, base.reads_wildcards());
            let (base, values) = variables_resolved(base, values, ctx, version);
            if base == BaseOperator::Null {
                return null_check(true, &values);
            }
            // A `*` or `?` written outside variables, or escaped (`${*}`); not one in a
            // variable's default.
            let literal_wildcard = |v: &str| {
                let literal = with_variables(v, |name, _, out| {
                    if matches!(name, "*" | "?") {
                        out.push_str(name);
                    }
                    Some(())
                });
                literal.map_or_else(|| has_wildcard(v), |text| has_wildcard(&text))
            };
            let wildcard = |(now, written): (&Cow<str>, &Cow<str>)| {
                if reads_wildcards {
                    // Text still holding a variable (the role's own, or any before 2012-10-17)
                    // is matched as written: no network id has a `${`.
                    has_wildcard(now) && !now.contains("${")
                } else {
                    !literal_wildcard(written) && network_of_callers(written, ctx, version)
                }
            };
            // An address inside their VPC is any they like.
            let theirs = every
                || foreign == Foreign::VpcAddress
                || values
                    .iter()
                    .zip(written)
                    .any(|pair| wildcard(pair) || holds_anyones_addresses(pair.0))
                || together_hold_anyones_addresses(&values);
            // An Allow holds if they can make it hold, a Deny applies if they can't escape it.
            let (can_match, must_match) = (theirs, every);
            Tri::from_bool(match (effect, base.is_negated()) {
                (Effect::Allow, false) => can_match,
                (Effect::Allow, true) => !must_match,
                (Effect::Deny, false) => must_match,
                (Effect::Deny, true) => !can_match,
            })
        }
        KeyValue::Foreign(foreign) => {
            // Their identity against values each of which they fill (`${aws:PrincipalTag/org}`):
            // they set them to differ from it, so a positive operator's Deny misses them and a
            // negated operator's Allow lets them in, whatever the rest of each value says.
            let theirs_to_set = version == Version::V2012
                && !values.is_empty()
                && values
                    .iter()
                    .all(|v| caller_variables(std::slice::from_ref(v), ctx, version) == CallerVariables::Chosen);
            if theirs_to_set && compares_text(base) && base != BaseOperator::Null {
                match (effect, base.is_negated()) {
                    (Effect::Deny, false) => return Tri::False,
                    (Effect::Allow, true) => return Tri::True,
                    _ => {}
                }
            }
            // Only values as written can cover every identity: a variable the caller fills
            // resolves to a wildcard, which `o${aws:userid}` is not.
            let identity_key = (version != Version::V2012 || !values.iter().any(|v| has_variable(v)))
                .then_some(condition.key.as_ref());
            let (base, values) = variables_resolved(base, values, ctx, version);
            let identity = Identity {
                key: identity_key,
                partition: ctx.partition,
            };
            match effect {
                _ if !compares_text(base) => foreign_value_of_another_type(base, foreign, &values, effect),
                Effect::Allow => foreign_value(identity, base, foreign, &values, version),
                Effect::Deny => foreign_value_escaping(identity, base, foreign, &values, version),
            }
        }
    }
}

/// A condition on a claim of the stranger's own token, signed by the provider the key names, or
/// on no token at all, as they choose. In an Allow, one naming some of your identities there (as
/// `TRUST_OIDC_UNSCOPED` reads them) never matches theirs, and they meet any other (`…IfExists`
/// and `ForAllValues:` with no token). A Deny unless the claim names yours (`StringNotLike …:sub
/// repo:acme/*`, `IfExists` or `ForAllValues:`) applies to every one of them: their claim is never
/// yours, and a missing key is no match to a negated operator. Any other Deny they escape.
fn own_claim(condition: &Condition, effect: Effect, version: Version) -> Tri {
    let Operator::Known { set, if_exists, .. } = condition.operator else {
        return Tri::Unknown;
    };
    let Some(host) = crate::checks::key_issuer(&condition.key) else {
        return Tri::from_bool(effect == Effect::Allow);
    };
    // As a provider's URL is read: its domain ignores case.
    let host = crate::checks::oidc_host(host);
    let names_yours = |c: &Condition| crate::checks::names_some_identities(&host, std::slice::from_ref(c), version);
    match effect {
        // `ForAnyValue:` is false without the claim, `…IfExists` or not.
        Effect::Allow if set == Some(SetQualifier::ForAnyValue) || (!if_exists && set.is_none()) => {
            Tri::from_bool(!names_yours(condition))
        }
        // `ForAllValues:` holds for their one value and for none, as the plain operator does;
        // `ForAnyValue:` for no missing key, so a caller without a token escapes it.
        Effect::Deny => match crate::checks::positive_of(condition, false) {
            Some((positive, _)) => Tri::from_bool(names_yours(&Condition {
                operator: Operator::Known {
                    base: positive,
                    set: None,
                    if_exists: false,
                },
                ..condition.clone()
            })),
            None => Tri::False,
        },
        _ => Tri::from_bool(effect == Effect::Allow),
    }
}

/// Whether a statement's time conditions keep every caller out from `now` on: an Allow with a
/// window that has closed ([`closed_window`]), or a Deny whose every condition is on the time
/// and holds at every time from now. `false` when the clock is unknown.
pub(crate) fn shut_by_time(statement: &Statement, now: Option<i64>) -> bool {
    match statement.effect {
        Effect::Allow => closed_window(statement, now).is_some(),
        Effect::Deny => {
            !statement.conditions.is_empty()
                && statement
                    .conditions
                    .iter()
                    .all(|c| time_from_now(c, now, Effect::Deny) == Some(Tri::True))
        }
    }
}

/// The time condition of an Allow that holds at no time from `now` on (a window that closed in
/// 2020): nobody is let in, now or later.
fn closed_window<'s, 'a>(statement: &'s Statement<'a>, now: Option<i64>) -> Option<&'s Condition<'a>> {
    statement
        .conditions
        .iter()
        .find(|c| time_from_now(c, now, Effect::Allow) == Some(Tri::False))
}

/// A condition on the time judged for whoever may come from `now` on; `None` for other conditions.
pub(crate) fn time_from_now(c: &Condition, now: Option<i64>, effect: Effect) -> Option<Tri> {
    match (c.operator, now) {
        (Operator::Known { base, .. }, Some(now)) if is_time_key(&c.key) => {
            Some(time_condition(c, base, now, Caller::Stranger(Stranger::DIRECT), effect))
        }
        _ => None,
    }
}

/// A condition on the request's time (`aws:CurrentTime`, `aws:EpochTime`) when the evaluation
/// knows it (`now`, seconds since the epoch). A service's request is judged at `now`. A stranger
/// may come now or later: an Allow lets them in when it holds at some time from now on (a window
/// that closed in 2020 lets nobody in), a Deny keeps them out only when it holds at every such
/// time. Several values of a positive operator are judged one by one, which can only take a Deny
/// for narrower than it is.
fn time_condition(condition: &Condition, base: BaseOperator, now: i64, caller: Caller, effect: Effect) -> Tri {
    use BaseOperator::*;
    let numeric = matches!(
        base,
        NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals
    );
    let comparison = match base {
        Null => return null_check(true, &condition.values),
        DateLessThan | NumericLessThan => TimeComparison::Before,
        DateLessThanEquals | NumericLessThanEquals => TimeComparison::NotAfter,
        DateGreaterThan | NumericGreaterThan => TimeComparison::After,
        DateGreaterThanEquals | NumericGreaterThanEquals => TimeComparison::NotBefore,
        DateEquals | NumericEquals => TimeComparison::At,
        DateNotEquals | NumericNotEquals => TimeComparison::NotAt,
        // A string or other operator on the time: a stranger picks the moment that meets an
        // Allow or escapes a Deny, as without a clock; for a service it stays unknown.
        _ => {
            return match caller {
                Caller::Stranger(_) => Tri::from_bool(effect == Effect::Allow),
                Caller::Service(_) => Tri::Unknown,
            }
        }
    };
    let later = matches!(caller, Caller::Stranger(_));
    // A stranger who picks the time meets these at some later time, or escapes them at some
    // later time, whatever the value says.
    if later {
        use TimeComparison::*;
        match (effect, comparison) {
            (Effect::Allow, After | NotBefore | NotAt) => return Tri::True,
            (Effect::Deny, Before | NotAfter | At) => return Tri::False,
            _ => {}
        }
    }
    // aws:CurrentTime is a date, which a numeric operator can't read; a numeric operator reads
    // numbers only, integer or decimal (IAM's numeric operators take both).
    let current_time = condition.key.eq_ignore_ascii_case("aws:CurrentTime");
    // A negated operator ANDs its values, a positive one ORs them.
    let negated = base.is_negated();
    let mut result = Tri::from_bool(negated);
    for value in &condition.values {
        // The moments the value can mean (a number IAM may read as a year or as epoch seconds
        // has two): decided where every reading agrees.
        let times = match numeric {
            true if current_time => None,
            // Left unknown when not a plain number, which never takes a Deny for a guard.
            true => crate::time::plain_decimal(value).map(|n| (n, n)),
            false => crate::time::readings(value).map(|(a, b)| (a as f64, b as f64)),
        };
        let holds = match (times, later, effect) {
            // IAM can't compare it. The engine leans on that for nobody: a stranger is let in
            // by the Allow and not stopped by the Deny; for Lambda the value stays unknown.
            (None, false, _) => Tri::Unknown,
            (None, true, Effect::Allow) => Tri::True,
            (None, true, Effect::Deny) => Tri::False,
            (Some((a, b)), false, _) => match (comparison.holds_at(now, a), comparison.holds_at(now, b)) {
                (at_a, at_b) if at_a == at_b => Tri::from_bool(at_a),
                _ => Tri::Unknown,
            },
            (Some((a, b)), true, Effect::Allow) => {
                Tri::from_bool(comparison.holds_some_time_from(now, a) || comparison.holds_some_time_from(now, b))
            }
            (Some((a, b)), true, Effect::Deny) => {
                Tri::from_bool(comparison.holds_every_time_from(now, a) && comparison.holds_every_time_from(now, b))
            }
        };
        result = if negated { result.and(holds) } else { result.or(holds) };
    }
    result
}

/// How a date operator compares the request's time with a value.
#[derive(Clone, Copy)]
enum TimeComparison {
    Before,
    NotAfter,
    After,
    NotBefore,
    At,
    NotAt,
}

/// Request times are whole seconds: `time` is compared with `now` and the seconds after it. A
/// decimal value (`NumericLessThan aws:EpochTime 1735689600.5`) is never equal to one.
impl TimeComparison {
    fn holds_at(self, now: i64, time: f64) -> bool {
        let now = now as f64;
        match self {
            TimeComparison::Before => now < time,
            TimeComparison::NotAfter => now <= time,
            TimeComparison::After => now > time,
            TimeComparison::NotBefore => now >= time,
            TimeComparison::At => now == time,
            TimeComparison::NotAt => now != time,
        }
    }

    fn holds_some_time_from(self, now: i64, time: f64) -> bool {
        let now = now as f64;
        match self {
            TimeComparison::Before => now < time,
            TimeComparison::NotAfter => now <= time,
            TimeComparison::At => now <= time && time.fract() == 0.0,
            TimeComparison::After | TimeComparison::NotBefore | TimeComparison::NotAt => true,
        }
    }

    fn holds_every_time_from(self, now: i64, time: f64) -> bool {
        let now = now as f64;
        match self {
            TimeComparison::Before | TimeComparison::NotAfter | TimeComparison::At => false,
            TimeComparison::After => now > time,
            TimeComparison::NotBefore => now >= time,
            TimeComparison::NotAt => time < now || time.fract() != 0.0,
        }
    }
}

/// Is the policy variable `name` one of the role's own, the same for every caller: the resource's
/// keys (`aws:ResourceTag/…`, `aws:ResourceAccount`, …) and IAM's name for the role's tags
/// (`iam:ResourceTag/…`)? Escapes (`*`, `?`, `$`) are nobody's.
pub(crate) fn is_role_own_variable(name: &str) -> bool {
    strip_prefix_ignore_case(name, "aws:Resource").is_some()
        || strip_prefix_ignore_case(name, "iam:ResourceTag/").is_some()
}

/// Does `value` hold a policy variable of the caller's? 2012-10-17 fills it in from the request
/// (`repo:${token.actions.githubusercontent.com:repository}:*`, `${sts:ExternalId}`), so whoever
/// asks meets it: it names nobody in particular.
pub(crate) fn holds_callers_variable(value: &str, version: Version) -> bool {
    variables_filled(value, version).is_some_and(|(_, callers)| callers)
}

/// `value` with its 2012-10-17 policy variables put in as what each can be, and whether one is
/// the caller's; `None` when it holds none. The caller's is whatever they have, `*`: the literal
/// around it still narrows (`repo:acme/app:ref:${…:ref}` is acme/app's, any ref). The role's own
/// is one value its owner sets, with no `:` or `/` to shift the fields around it
/// (`repo:${aws:ResourceTag/owner}*` is `repo:acme*`), or its default when that has a wildcard
/// (the value where the role lacks the tag). `${$}` is a `$`; `${*}` and `${?}` are a literal `*`
/// and `?`, which no subject or ARN has, so they stand for what no value has (never a wildcard).
pub(crate) fn variables_filled(value: &str, version: Version) -> Option<(String, bool)> {
    if version != Version::V2012 || !has_variable(value) {
        return None;
    }
    let (mut any, mut callers) = (false, false);
    let filled = with_variables(value, |name, variable, out| {
        any = true;
        match name {
            "*" | "?" => out.push(NO_VALUE_HAS),
            "$" => out.push('$'),
            _ if is_role_own_variable(name) => {
                let default = variable.split_once(',').map(|(_, d)| d.trim().trim_matches('\''));
                match default.filter(|d| has_wildcard(d)) {
                    Some(default) => out.push_str(default),
                    None => out.push_str("ROLE_OWN_VALUE"),
                }
            }
            _ => {
                callers = true;
                out.push('*');
            }
        }
        Some(())
    })?;
    any.then_some((filled, callers))
}

/// The names of the policy variables in `value` (`${name}`, `${name, 'default'}`).
pub(crate) fn variable_names(value: &str) -> impl Iterator<Item = &str> {
    value
        .split("${")
        .skip(1)
        .filter_map(|after| after.split_once('}'))
        .map(|(variable, _)| variable.split_once(',').map_or(variable, |(name, _)| name).trim())
}

/// `value` with each 2012-10-17 policy variable (`${name}`, `${name, 'default'}`) replaced by what
/// `put` writes for its name and whole text; `None` when `put` gives up. A `${` with no `}` is
/// text, as IAM reads it.
pub(crate) fn with_variables(
    value: &str,
    mut put: impl FnMut(&str, &str, &mut String) -> Option<()>,
) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some((before, after)) = rest.split_once("${") {
        out.push_str(before);
        let Some((variable, after)) = after.split_once('}') else {
            out.push_str("${");
            rest = after;
            continue;
        };
        let name = variable.split_once(',').map_or(variable, |(name, _)| name).trim();
        put(name, variable, &mut out)?;
        rest = after;
    }
    out.push_str(rest);
    Some(out)
}

/// Condition values compared with a key the context knows, their policy variables put in.
enum Resolved<'v> {
    Values(Cow<'v, [Cow<'v, str>]>),
    /// A variable the caller sets (their tags, an external id).
    CallerChosen,
    /// A variable this context can't tell (the role's organization, a key it may lack).
    Unknown,
    /// A variable of the role's own (its tags, its organization): the comparison is between the
    /// role's own values, the same for every caller, as its owner set them.
    RoleOwn,
}

/// `values` with their 2012-10-17 policy variables resolved in `ctx`: a known key by its value
/// (`${aws:ResourceAccount}` is the role's account), the caller's own identity by a character no
/// value of ours has (theirs is never ours), a literal `${*}` by another such character.
fn resolved_for_known<'v>(
    values: &'v [Cow<'v, str>],
    matches_nothing_if_absent: bool,
    ctx: &RequestContext,
    version: Version,
) -> Resolved<'v> {
    if version != Version::V2012 || !values.iter().any(|v| has_variable(v)) {
        return Resolved::Values(Cow::Borrowed(values));
    }
    let mut resolved = Vec::with_capacity(values.len());
    let (mut chosen, mut role_own) = (false, false);
    let service = matches!(ctx.caller, Caller::Service(_));
    for value in values {
        let mut own_here = false;
        let put = |name: &str, variable: &str, out: &mut String| {
            match (name, ctx.value(name)) {
                ("$", _) => out.push('$'),
                ("*" | "?", _) | (_, KeyValue::Foreign(_)) => out.push(NO_VALUE_HAS),
                (_, KeyValue::Known(known)) => out.push_str(known),
                (_, KeyValue::CallerChosen | KeyValue::OwnClaim | KeyValue::Unsent) => chosen = true,
                (_, KeyValue::RoleOwn) => own_here = true,
                // A key this caller's request doesn't have (Lambda's aws:PrincipalAccount): its
                // default, when the variable gives one; else its value "is effectively null", which
                // no value equals or is like, and which "inverted condition operators like
                // StringNotEquals or StringNotLike do match" (the IAM guide's "Policy variables
                // with no value"), `…IfExists` or not: the key compared is there. So for a
                // service, whose break is what is judged. For a stranger, only a positive
                // operator's no-match is taken: a Deny that held would hide a caller it lets in.
                (_, KeyValue::Absent) => match variable_default(variable) {
                    Some(default) => out.push_str(default),
                    None if matches_nothing_if_absent || service => out.push(NO_VALUE_HAS),
                    None => return None,
                },
                _ => return None,
            }
            Some(())
        };
        let Some(out) = with_variables(value, put) else {
            return Resolved::Unknown;
        };
        // A value that also holds the stranger's identity is never ours, whatever the role's
        // own part says: it stays, matching nothing.
        role_own |= own_here && !out.contains(NO_VALUE_HAS);
        resolved.push(Cow::Owned(out));
    }
    match (chosen, role_own) {
        (true, _) => Resolved::CallerChosen,
        (false, true) => Resolved::RoleOwn,
        (false, false) => Resolved::Values(Cow::Owned(resolved)),
    }
}

/// For a comparison of text whose every value holds a CloudFormation pseudo parameter left as
/// written ([`unsubstituted_parameter`]), null in every request: whether it holds where the
/// request has the key, and where it doesn't. "There is no equal or like value", and "inverted
/// condition operators like StringNotEquals or StringNotLike do match against a null value" (the
/// IAM guide's "Policy variables with no value"): what the key holds is never compared. `None`
/// for any other condition. Before 2012-10-17 (or without a `Version`) IAM reads no variable: a
/// value that holds one is its literal text, which no account id, organization id or path, or
/// unique id AWS fills from the caller's identity or source has (`${aws:ResourceAccount}` is no
/// account id: [`holds_no_variable_text`]), so it compares alike there. An ARN may (a role's path
/// takes `$`, `{` and `}`), and a key the caller sets may carry that text: neither is judged so.
pub(crate) fn null_comparison(c: &Condition, version: Version) -> Option<(Tri, Tri)> {
    let Operator::Known { base, set, if_exists } = c.operator else {
        return None;
    };
    // Asked of every condition evaluated: the operator first, then the first value, which
    // decides for nearly all.
    if base == BaseOperator::Null || !compares_text(base) {
        return None;
    }
    let nulled = !c.values.is_empty()
        && match version {
            Version::V2012 => c.values.iter().all(|v| unsubstituted_parameter(v).is_some()),
            _ => holds_no_variable_text(&c.key) && c.values.iter().all(|v| names_a_variable(v)),
        };
    nulled.then(|| {
        (
            Tri::from_bool(base.is_negated()),
            missing_key(base, set, if_exists, &c.values),
        )
    })
}

/// Whether no value AWS puts in `key` can hold a policy variable's text (`$`, `{`, `}`): an
/// account id, an organization's id or path, a principal's unique id and session name.
pub(crate) fn holds_no_variable_text(key: &str) -> bool {
    [
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",
        "aws:SourceAccount",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
    ]
    .iter()
    .any(|k| key.eq_ignore_ascii_case(k))
}

/// Whether `value` names a policy variable (`${aws:ResourceAccount}`, `${AWS::AccountId}`): a
/// key's name holds a `:`; `${*}`, `${?}` and `${$}` are 2012-10-17's escapes of characters.
pub(crate) fn names_a_variable(value: &str) -> bool {
    has_variable(value) && variable_names(value).any(|name| name.contains(':'))
}

/// A [`null_comparison`] of `key` in `ctx`: as it holds where the key is `present` or `absent`.
fn null_values(key: &str, present: Tri, absent: Tri, ctx: &RequestContext, effect: Effect) -> Tri {
    match ctx.condition_value(key) {
        KeyValue::Known(_) | KeyValue::Foreign(_) | KeyValue::OwnClaim => present,
        KeyValue::Absent => absent,
        // A key the caller can't send here: absent for an Allow; a Deny on it is taken to stop
        // nobody, as everywhere.
        KeyValue::Unsent if effect == Effect::Allow => absent,
        KeyValue::Unsent => Tri::False,
        // They send it or not, as suits them: into an Allow, out of a Deny.
        KeyValue::CallerChosen if effect == Effect::Allow => present.or(absent),
        KeyValue::CallerChosen => present.and(absent),
        KeyValue::Unknown | KeyValue::RoleOwn if present == absent => present,
        KeyValue::Unknown | KeyValue::RoleOwn => Tri::Unknown,
    }
}

/// Whether every value is null in a service's request: each holds a variable of a key the
/// request lacks, with no default (IAM: "effectively null. There is no equal or like value").
fn nulled_for_service(values: &[Cow<str>], ctx: &RequestContext, version: Version) -> bool {
    matches!(ctx.caller, Caller::Service(_))
        && !values.is_empty()
        && values.iter().all(|v| {
            !has_default(v) && caller_variables(std::slice::from_ref(v), ctx, version) == CallerVariables::Absent
        })
}

/// The first CloudFormation pseudo parameter that `value` holds as a policy variable without a
/// default (`${AWS::AccountId}`, where `Fn::Sub` was forgotten), whose value is null for every
/// caller ([`crate::contexts::is_cloudformation_pseudo_parameter`]).
pub(crate) fn unsubstituted_parameter(value: &str) -> Option<&str> {
    let mut found = None;
    if has_variable(value) {
        with_variables(value, |name, variable, _| {
            if found.is_none()
                && crate::contexts::is_cloudformation_pseudo_parameter(name)
                && variable_default(variable).is_none()
            {
                found = value.find(variable).and_then(|at| value.get(at..at + variable.len()));
            }
            Some(())
        });
    }
    found
}

/// Whether a variable of `value` gives a default for a missing key.
pub(crate) fn has_default(value: &str) -> bool {
    let mut any = false;
    with_variables(value, |_, variable, _| {
        any |= variable_default(variable).is_some();
        Some(())
    });
    any
}

/// The default a policy variable gives for a missing key (`${aws:PrincipalTag/team, 'none'}`).
fn variable_default(variable: &str) -> Option<&str> {
    variable
        .split_once(',')
        .map(|(_, default)| default.trim().trim_matches('\''))
}

/// Stands for what no value of ours has, in a resolved value: a literal `${*}` or `${?}`, or a
/// stranger's own identity. A noncharacter, which no ARN, id or tag contains.
pub(crate) const NO_VALUE_HAS: char = '\u{FFFF}';

/// What the policy variables of a condition's values (2012-10-17 fills them in) say of the caller,
/// from the weakest to the strongest: the order decides when a value has several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CallerVariables {
    /// None of the caller's.
    None,
    /// One the caller sets as they like (their own tags, a request key).
    Chosen,
    /// One AWS fills in from who the caller is: a stranger's, never the role's.
    Identity,
    /// One whose value the context knows or can't tell (Lambda's aws:SourceAccount), which may
    /// be the role's own.
    Unknown,
    /// One this caller's request doesn't have.
    Absent,
}

fn caller_variables(values: &[Cow<str>], ctx: &RequestContext, version: Version) -> CallerVariables {
    let mut strongest = CallerVariables::None;
    if version != Version::V2012 {
        return strongest;
    }
    for value in values.iter().filter(|v| has_variable(v)) {
        with_variables(value, |name, _, _| {
            let what = match ctx.value(name) {
                _ if matches!(name, "*" | "?" | "$") => CallerVariables::None,
                // The role's own keys (`${aws:ResourceAccount}` too) say nothing of the caller.
                _ if is_role_own_variable(name) => CallerVariables::None,
                KeyValue::RoleOwn => CallerVariables::None,
                KeyValue::CallerChosen | KeyValue::OwnClaim | KeyValue::Unsent => CallerVariables::Chosen,
                KeyValue::Absent => CallerVariables::Absent,
                KeyValue::Foreign(_) => CallerVariables::Identity,
                KeyValue::Known(_) | KeyValue::Unknown => CallerVariables::Unknown,
            };
            strongest = strongest.max(what);
            Some(())
        });
    }
    strongest
}

/// Values compared with a stranger's identity, their policy variables (2012-10-17) put in: one
/// the context knows (`${aws:ResourceAccount}`) by its value; one that is the caller's own or
/// theirs to choose by a wildcard (`arn:aws:iam::${aws:PrincipalAccount}:role/deploy` is met by
/// a role of that name in any account), and an exact operator then matches as its pattern form
/// does; any other (the resource's own keys, unknown) stays as written and matches nothing.
fn variables_resolved<'v>(
    base: BaseOperator,
    values: &'v [Cow<'v, str>],
    ctx: &RequestContext,
    version: Version,
) -> (BaseOperator, Cow<'v, [Cow<'v, str>]>) {
    use BaseOperator::*;
    if version != Version::V2012 || !values.iter().any(|v| has_variable(v)) {
        return (base, Cow::Borrowed(values));
    }
    let mut wildcard = false;
    let resolved = values
        .iter()
        .map(|value| {
            let put = |name: &str, variable: &str, out: &mut String| {
                match (name, ctx.value(name)) {
                    // A literal `*` or `?`, which no identity contains: a character no pattern
                    // reads as a wildcard and no value has stands for it.
                    ("*" | "?", _) => out.push(NO_VALUE_HAS),
                    ("$", _) => out.push('$'),
                    (_, KeyValue::Known(known)) => out.push_str(known),
                    _ if fills(name, ctx) => {
                        out.push('*');
                        wildcard = true;
                    }
                    // The role's own, with a default that has a wildcard: what a role without
                    // the tag gets (`arn:aws:iam::${aws:ResourceTag/acct, '*'}:role/x` is any
                    // account's `x`), read by the operator as written.
                    _ if is_role_own_variable(name) && variable_default(variable).is_some_and(has_wildcard) => {
                        out.push_str(variable_default(variable).unwrap_or_default());
                    }
                    _ => {
                        out.push_str("${");
                        out.push_str(variable);
                        out.push('}');
                    }
                }
                Some(())
            };
            Cow::Owned(with_variables(value, put).unwrap_or_default())
        })
        .collect();
    let base = match base {
        StringEquals | StringEqualsIgnoreCase | BinaryEquals if wildcard => StringLike,
        StringNotEquals | StringNotEqualsIgnoreCase if wildcard => StringNotLike,
        other => other,
    };
    (base, Cow::Owned(resolved))
}

/// Whether the caller fills the variable `name` (their tags, their account): what
/// [`variables_resolved`] puts in as a `*`. The resource's own keys (`${aws:ResourceOrgID}`) are
/// the role's, never the caller's: unknown, they stay as written and match nothing.
fn fills(name: &str, ctx: &RequestContext) -> bool {
    !is_role_own_variable(name)
        && matches!(
            ctx.value(name),
            KeyValue::Foreign(_) | KeyValue::CallerChosen | KeyValue::OwnClaim | KeyValue::Unsent
        )
}

/// Whether `value` holds a variable that puts a network of the caller's choosing in it: one they
/// set (their tags, an external id) or the request's own network key (2012-10-17 only: before
/// it, variables are text). Their identity (account, ARN, organization) or the time names no
/// endpoint, VPC or address.
fn network_of_callers(value: &str, ctx: &RequestContext, version: Version) -> bool {
    let mut filled = false;
    if version == Version::V2012 && has_variable(value) {
        with_variables(value, |name, _, _| {
            filled |= !matches!(name, "*" | "?" | "$")
                && !is_time_key(name)
                && !is_role_own_variable(name)
                && matches!(
                    ctx.value(name),
                    KeyValue::CallerChosen
                        | KeyValue::OwnClaim
                        | KeyValue::Unsent
                        | KeyValue::Foreign(Foreign::Network | Foreign::VpcAddress)
                );
            Some(())
        });
    }
    filled
}

/// Whether a positive operator with qualifier `set` holds where its key is missing: `ForAllValues:`
/// does, and `…IfExists` unless it is also `ForAnyValue:`, which asks for a value that matches
/// and so is false without the key, `…IfExists` or not (an Allow of
/// `ForAnyValue:StringEqualsIfExists` on a key the request lacks allows nothing: re:Post
/// QU9HFmDzP0QGuU-fd7rS6B7w).
pub(crate) fn holds_when_missing(set: Option<SetQualifier>, if_exists: bool) -> bool {
    match set {
        Some(SetQualifier::ForAllValues) => true,
        Some(SetQualifier::ForAnyValue) => false,
        None => if_exists,
    }
}

pub(crate) fn missing_key(
    base: BaseOperator,
    set: Option<SetQualifier>,
    if_exists: bool,
    values: &[std::borrow::Cow<str>],
) -> Tri {
    if base == BaseOperator::Null {
        return null_check(false, values);
    }
    // A plain negated operator holds where its key is missing; the rest as `holds_when_missing`
    // says.
    Tri::from_bool((set.is_none() && base.is_negated()) || holds_when_missing(set, if_exists))
}

/// `Null: {key: "true"}` holds when the key is absent, `"false"` when present.
fn null_check(present: bool, values: &[std::borrow::Cow<str>]) -> Tri {
    let mut result = Tri::False;
    for value in values {
        let holds = if value.eq_ignore_ascii_case("true") {
            Tri::from_bool(!present)
        } else if value.eq_ignore_ascii_case("false") {
            Tri::from_bool(present)
        } else {
            // `true` and `false` are the operator's only values (IAM's condition operators): any
            // other one tests for nothing, and matches no request (fail closed: a Deny on it
            // guards nobody).
            Tri::False
        };
        result = result.or(holds);
    }
    result
}

/// A single known value. `ForAnyValue:` / `ForAllValues:` over a one-element set reduce to this.
pub(crate) fn known_value(base: BaseOperator, actual: &str, values: &[std::borrow::Cow<str>], proposed: bool) -> Tri {
    if base == BaseOperator::Null {
        return null_check(true, values);
    }
    let mut any_match = Tri::False;
    // Each policy variable is resolved already: a `${` left is text (`${$}{x}` is the literal
    // `${x}`), compared as written.
    for expected in values {
        // A value a template leaves to its deployer (`UNRESOLVED(Ref Acct)`) may be this one or
        // not, unless both hold the same unknowns (a function's ARN built from the same
        // parameter): then the rest decides, as one value fills both.
        let unknowns = proposed && (holds_unresolved(expected) || holds_unresolved(actual));
        let m = match unknowns && !(same_unknowns(actual, expected) && same_unknowns(expected, actual)) {
            true => undetermined_match(base, actual, expected),
            false => matches(base, actual, expected),
        };
        any_match = any_match.or(m);
        if any_match == Tri::True {
            break;
        }
    }
    if base.is_negated() {
        any_match.not()
    } else {
        any_match
    }
}

/// Whether `actual` matches `expected`, which holds values a template leaves undetermined: no
/// when the text around them already rules it out, whatever they hold (a Lambda trust kept to
/// `function:${AWS::StackName}-worker` never lets `billing-api` in, nor `${Env}-processor`),
/// else unknown. Each unknown is taken for `*` and every wildcard may cross a `:`: a pattern that
/// matches more than any filling of the value could, so its "no" holds for every filling.
fn undetermined_match(base: BaseOperator, actual: &str, expected: &str) -> Tri {
    use BaseOperator::*;
    let textual = base.compares_text();
    // The unknowns become `*` first: their markers are upper case. An unknown may hold any case;
    // the text around it keeps its own, unless the operator folds case as `matches` does.
    let fold = matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
    fn widened(value: &str, fold: bool) -> Option<Cow<'_, str>> {
        crate::validity::certain_unknowns_as_wildcard(value).map(|wide| match fold {
            true => Cow::Owned(wide.to_lowercase()),
            false => wide,
        })
    }
    let widest = |value| widened(value, fold);
    let ruled_out = match (textual, holds_unresolved(actual)) {
        (false, _) => false,
        (true, false) => match (widest(expected), widest(actual)) {
            (Some(expected), Some(actual)) => !glob(&expected, &actual, false),
            _ => false,
        },
        // Unknowns on both sides (a function named `${AWS::StackName}-api`): no text both fill in.
        (true, true) => match (widest(expected), widest(actual)) {
            (Some(expected), Some(actual)) => !globs_meet(&expected, &actual),
            _ => false,
        },
    };
    match ruled_out {
        true => Tri::False,
        false => Tri::Unknown,
    }
}

/// Whether a value holds a template's or plan's unknown (`UNRESOLVED(…)`); found by its `(`
/// first, as few values have one.
fn holds_unresolved(value: &str) -> bool {
    value.as_bytes().contains(&b'(') && holds_opaque(value)
}

/// Whether two written values are one value: the same text, whose unknowns each name one value
/// (`UNRESOLVED(Ref P)`), not a description two different values share
/// (`UNRESOLVED(ImportValue)` of two computed names).
pub(crate) fn same_value(a: &str, b: &str) -> bool {
    // Every marker has a `(`; most values have none, and a substring search costs.
    a == b && (!a.as_bytes().contains(&b'(') || !a.contains(OPAQUE_PREFIX) || same_unknowns(a, b))
}

/// Whether every unknown of `expected` (`UNRESOLVED(…)`, whose text holds no parenthesis) is in
/// `actual` too, and names one value: a parameter, an import, an attribute (`Ref P`,
/// `ImportValue N`, `GetAtt R.A`), not a description two values share (`Select from a list …`).
fn same_unknowns(actual: &str, expected: &str) -> bool {
    expected.match_indices(OPAQUE_PREFIX).all(|(at, _)| {
        let unknown = match expected[at..].find(')') {
            Some(end) => &expected[at..=at + end],
            None => return false,
        };
        // The stack's region, where a template reader left it undetermined, is one value too.
        let names_one = ["Ref ", "ImportValue ", "GetAtt "]
            .iter()
            .any(|kind| unknown[OPAQUE_PREFIX.len()..].starts_with(kind))
            || unknown == crate::validity::STACK_REGION;
        names_one && actual.contains(unknown)
    })
}

/// The positive sense of the operator: does `actual` match the policy value `expected`?
fn matches(base: BaseOperator, actual: &str, expected: &str) -> Tri {
    use BaseOperator::*;
    match base {
        StringEquals | StringNotEquals | BinaryEquals => Tri::from_bool(actual == expected),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            Tri::from_bool(actual.to_lowercase() == expected.to_lowercase())
        }
        StringLike | StringNotLike => Tri::from_bool(glob(expected, actual, false)),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Tri::from_bool(arn_like(expected, actual)),
        Bool => Tri::from_bool(actual.eq_ignore_ascii_case(expected)),
        // A stranger's identity put in (`NumericNotEquals aws:ResourceAccount
        // ${aws:PrincipalAccount}`): another account than ours, as a number too.
        NumericEquals | NumericNotEquals if expected.contains(NO_VALUE_HAS) && actual.parse::<f64>().is_ok() => {
            Tri::False
        }
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => compare(base, actual.parse::<f64>().ok(), expected.parse::<f64>().ok()),
        DateEquals | DateNotEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => {
            compare(base, crate::time::parse_time(actual), crate::time::parse_time(expected))
        }
        IpAddress | NotIpAddress => match (actual.parse::<IpAddr>(), parse_cidr(expected)) {
            (Ok(ip), Some((net, bits))) => Tri::from_bool(in_network(ip, net, bits)),
            (_, None) => Tri::Unknown,
            (Err(_), _) => Tri::False,
        },
        Null => Tri::Unknown,
    }
}

fn compare<T: PartialOrd>(base: BaseOperator, actual: Option<T>, expected: Option<T>) -> Tri {
    use BaseOperator::*;
    let Some(e) = expected else {
        return Tri::Unknown;
    };
    let Some(a) = actual else {
        return Tri::False;
    };
    Tri::from_bool(match base {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => a == e,
        NumericLessThan | DateLessThan => a < e,
        NumericLessThanEquals | DateLessThanEquals => a <= e,
        NumericGreaterThan | DateGreaterThan => a > e,
        _ => a >= e,
    })
}

/// Values that every network's value of `key` meets: `*`, every endpoint or VPC id (`vpce-*`,
/// `vpc-*`), or, for `aws:SourceIp`, both whole address families (`0.0.0.0/0` and `::/0`).
fn covers_every_network(key: &str, base: BaseOperator, values: &[Cow<str>]) -> bool {
    let is = |name: &str| key.eq_ignore_ascii_case(name);
    if matches!(base, BaseOperator::IpAddress | BaseOperator::NotIpAddress) {
        let whole = |v4: bool| {
            (values.iter().filter_map(|v| parse_cidr(v))).any(|(address, bits)| bits == 0 && address.is_ipv4() == v4)
        };
        return (is("aws:SourceIp") || is("aws:VpcSourceIp")) && whole(true) && whole(false);
    }
    let id_prefix = if is("aws:SourceVpce") {
        "vpce-"
    } else if is("aws:SourceVpc") {
        "vpc-"
    } else {
        ""
    };
    base.reads_wildcards()
        && values.iter().any(|v| {
            matches_everything(v)
                || v.strip_prefix(id_prefix)
                    .is_some_and(|rest| !id_prefix.is_empty() && matches_everything(rest))
        })
}

/// A range others hold addresses in: wider than an IPv4 /16 or an IPv6 /48 (a site's; AWS gives
/// each VPC a /56 of pools of /33 to /40), which internet providers and clouds hand out to their customers (any AWS customer can have an Elastic IP in
/// 3.0.0.0/8), unless it lies in private space, which is nobody's on the internet (10.0.0.0/8,
/// 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10; IPv6 unique local fc00::/7 and link-local
/// fe80::/10).
fn holds_anyones_addresses(range: &str) -> bool {
    parse_cidr(range).is_some_and(|(address, bits)| {
        let widest = if address.is_ipv4() { 16 } else { 48 };
        bits < widest && !is_private(address, bits)
    })
}

/// Ranges that are each a site's but together as wide as a range that isn't (eight /16s are a
/// /13): their addresses outside private space, counted once, at least those of an IPv4 /15 or
/// an IPv6 /47, as [`holds_anyones_addresses`] draws the line for one range (a site's /16 and
/// one more address are still a site's).
fn together_hold_anyones_addresses(ranges: &[Cow<str>]) -> bool {
    let mut v4: Vec<(u128, u128)> = Vec::new();
    let mut v6: Vec<(u128, u128)> = Vec::new();
    for (address, bits) in ranges.iter().filter_map(|r| parse_cidr(r)) {
        if is_private(address, bits) {
            continue;
        }
        let (start, width, family) = match address {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32, &mut v4),
            IpAddr::V6(a) => (u128::from(a), 128, &mut v6),
        };
        let size = 1u128.checked_shl(width - bits).unwrap_or(u128::MAX);
        let start = if size == u128::MAX { 0 } else { start & !(size - 1) };
        family.push((start, start.saturating_add(size)));
    }
    covered(v4) >= 1 << 17 || covered(v6) >= 1 << 81
}

/// How many addresses the ranges `[start, end)` cover, each counted once.
fn covered(mut ranges: Vec<(u128, u128)>) -> u128 {
    crate::order::sort_small(&mut ranges);
    let (mut total, mut reach) = (0u128, 0u128);
    for (start, end) in ranges {
        let start = start.max(reach);
        if end > start {
            total = total.saturating_add(end - start);
            reach = end;
        }
    }
    total
}

/// Private (RFC 1918), shared carrier-grade NAT (RFC 6598), loopback and link-local IPv4 space,
/// IPv6 unique local and link-local space: nobody's on the internet.
pub(crate) fn is_private(address: IpAddr, bits: u32) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            (bits >= 8 && (a == 10 || a == 127))
                || (bits >= 12 && a == 172 && b & 0xf0 == 16)
                || (bits >= 16 && a == 192 && b == 168)
                || (bits >= 16 && a == 169 && b == 254)
                || (bits >= 10 && a == 100 && b & 0xc0 == 64)
        }
        IpAddr::V6(v6) => {
            (bits >= 7 && v6.octets()[0] & 0xfe == 0xfc) || (bits >= 10 && v6.segments()[0] & 0xffc0 == 0xfe80)
        }
    }
}

pub(crate) fn parse_cidr(text: &str) -> Option<(IpAddr, u32)> {
    let (addr, bits) = match text.split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, bits.parse::<u32>().ok()?),
        None => {
            let addr = text.parse::<IpAddr>().ok()?;
            (addr, if addr.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((addr, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    let mask = |width: u32| if bits == 0 { 0 } else { u128::MAX << (width - bits) };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = mask(32) as u32;
            u32::from(a) & m == u32::from(n) & m
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = mask(128);
            u128::from(a) & m == u128::from(n) & m
        }
        _ => false,
    }
}

/// Does the operator compare text (an identity value's type), or test for the key?
fn compares_text(base: BaseOperator) -> bool {
    use BaseOperator::*;
    matches!(
        base,
        Null | StringEquals
            | StringEqualsIgnoreCase
            | BinaryEquals
            | StringLike
            | ArnEquals
            | ArnLike
            | StringNotEquals
            | StringNotEqualsIgnoreCase
            | StringNotLike
            | ArnNotEquals
            | ArnNotLike
    )
}

/// A stranger's identity value (an account id, an ARN, an organization) compared as another type.
/// It is never a Boolean nor an IP address, so `Bool` and `IpAddress` match nothing: an Allow lets
/// nobody in, a Deny stops nobody. An account id (and only that: not an ARN, an organization or
/// a user id) reads as a number: `NumericEquals` one is not a stranger's, as with `StringEquals`,
/// and `NumericNotEquals` one is. How IAM orders it as a
/// number or a date, or places it outside a network, is not documented: a stranger is taken to
/// meet the Allow and escape the Deny, so a decoy Deny (`NumericLessThan aws:PrincipalAccount 0`)
/// guards nothing. So does `NumericNotEquals` against what is no number (`"abc"`, nothing at
/// all): IAM can't compare it as one.
fn foreign_value_of_another_type(
    base: BaseOperator,
    foreign: Foreign,
    values: &[std::borrow::Cow<str>],
    effect: Effect,
) -> Tri {
    let accounts_as_numbers = foreign == Foreign::Account
        && !values.is_empty()
        && values.iter().all(|v| crate::time::plain_decimal(v).is_some());
    match base {
        BaseOperator::Bool | BaseOperator::IpAddress => Tri::False,
        BaseOperator::NumericEquals if accounts_as_numbers => Tri::False,
        BaseOperator::NumericNotEquals if accounts_as_numbers => Tri::True,
        _ => Tri::from_bool(effect == Effect::Allow),
    }
}

/// A stranger's identity key (present: [`RequestContext::strangers`] has a context for its
/// absence): it matches a pattern only when the pattern leaves their account
/// (or organization) open, and escapes a negated condition unless that covers every value.
fn foreign_value(
    identity: Identity,
    base: BaseOperator,
    foreign: Foreign,
    values: &[std::borrow::Cow<str>],
    version: Version,
) -> Tri {
    use BaseOperator::*;
    let arn_operator = matches!(base, ArnEquals | ArnLike | ArnNotEquals | ArnNotLike);
    match base {
        Null => null_check(true, values),
        StringEquals | StringEqualsIgnoreCase | BinaryEquals => Tri::False,
        StringLike | ArnEquals | ArnLike => Tri::from_bool(
            values
                .iter()
                .any(|v| stranger_may_match(v, foreign, arn_operator, identity, version)),
        ),
        StringNotEquals | StringNotEqualsIgnoreCase => Tri::True,
        StringNotLike | ArnNotEquals | ArnNotLike => Tri::from_bool(!meet_every_value(values, arn_operator, identity)),
        _ => Tri::Unknown, // other types: `foreign_value_of_another_type`
    }
}

/// The identity key compared, when its values were written out (no variable put in), and the
/// role's partition when known for sure: what tells whether a pattern meets every value of a
/// stranger's.
#[derive(Clone, Copy)]
struct Identity<'a> {
    key: Option<&'a str>,
    partition: Option<&'a str>,
}

/// Whether every value of a stranger's meets one of the patterns `values` ([`meets_every_value`]),
/// or, for `aws:PrincipalArn`, the patterns together: one for every role's ARN beside one for
/// every user's (`…:role/*` and `…:user/*`), as a stranger calls as one or the other.
fn meet_every_value(values: &[std::borrow::Cow<str>], arn_operator: bool, identity: Identity) -> bool {
    values.iter().any(|v| meets_every_value(v, arn_operator, identity))
        || (identity.is_principal_arn()
            && STRANGER_ARN_TYPES.iter().all(|kind| {
                (values.iter()).any(|v| covers_every_principal_arn(v, arn_operator, identity.partition, Some(kind)))
            }))
}

/// The resource types of the ARNs a stranger calls `sts:AssumeRole` with (`aws:PrincipalArn`).
const STRANGER_ARN_TYPES: [&str; 2] = ["role", "user"];

impl Identity<'_> {
    fn is_principal_arn(&self) -> bool {
        self.key.is_some_and(|key| key.eq_ignore_ascii_case("aws:PrincipalArn"))
    }
}

/// Whether every value of a stranger's meets pattern `v`: every ARN under an `Arn*` operator,
/// otherwise `*`, or every value of the identity key (`o-*`; every principal ARN a stranger
/// calls with, `arn:aws:iam::*:*`).
fn meets_every_value(v: &str, arn_operator: bool, identity: Identity) -> bool {
    if identity.is_principal_arn() && covers_every_principal_arn(v, arn_operator, identity.partition, None) {
        return true;
    }
    if arn_operator {
        arn_matches_everything(v)
    } else {
        matches_everything(v) || identity.key.is_some_and(|key| covers_every_identity_value(key, v))
    }
}

/// Whether `pattern` meets every `aws:PrincipalArn` a stranger can call `sts:AssumeRole` with: a
/// role's or a user's ARN (`arn:PARTITION:iam::ACCOUNT:role/…`, `…:user/…`) of any account in the
/// role's partition (`partition`, when known for sure; else the pattern's must be a wildcard). A
/// federated user's session can call no STS action but `GetCallerIdentity`, and an account's root
/// can't assume a role. `arn_operator`: `ArnLike` matches field by field, `StringLike` the whole.
/// `of`: only those of one resource type (`role`), by a resource `role/*` or `role*`.
fn covers_every_principal_arn(pattern: &str, arn_operator: bool, partition: Option<&str>, of: Option<&str>) -> bool {
    let stars = matches_everything;
    let every_account = |text: &str| covers_every_identity_value("aws:PrincipalAccount", text);
    let in_partition = |text: &str| stars(text) || partition.is_some_and(|known| text == known);
    let every_resource = |resource: &str| {
        stars(resource)
            || of.is_some_and(|kind| {
                (resource.strip_prefix(kind)).is_some_and(|rest| stars(rest.strip_prefix('/').unwrap_or(rest)))
            })
    };
    if arn_operator {
        return arn_fields::<6>(pattern).is_some_and(|[arn, part, service, region, account, resource]| {
            (arn == "arn" || stars(arn))
                && in_partition(part)
                && (service == "iam" || stars(service))
                && (region.is_empty() || stars(region))
                && every_account(account)
                && every_resource(resource)
        });
    }
    // As one text: the fixed start of every such ARN, or part of it, then wildcards alone, or
    // the account and the resource as two (`arn:aws:iam::*:*`).
    let start = match partition {
        Some(partition) => crate::text::text!("arn:", partition, ":iam::"),
        None => "arn:".to_owned(),
    };
    let wildcards_after = |rest: &str| {
        let account_and_resource = || {
            (rest.split_once(':')).is_some_and(|(account, resource)| every_account(account) && every_resource(resource))
        };
        stars(rest) || (partition.is_some() && account_and_resource())
    };
    match pattern.strip_prefix(start.as_str()) {
        Some(rest) => wildcards_after(rest),
        None => (0..start.len()).any(|at| {
            start
                .get(..at)
                .and_then(|prefix| pattern.strip_prefix(prefix))
                .is_some_and(stars)
        }),
    }
}

/// A stranger's identity key in a Deny: the part of the value that is theirs (a role's name, an
/// organization's units) is chosen to escape it. It applies to them only when they can't help
/// matching (a pattern that matches every value) or can't match the exception (a negated
/// condition that names no value of theirs).
fn foreign_value_escaping(
    identity: Identity,
    base: BaseOperator,
    foreign: Foreign,
    values: &[std::borrow::Cow<str>],
    version: Version,
) -> Tri {
    use BaseOperator::*;
    let arn_operator = matches!(base, ArnEquals | ArnLike | ArnNotEquals | ArnNotLike);
    match base {
        Null => null_check(true, values),
        StringEquals | StringEqualsIgnoreCase | BinaryEquals => Tri::False,
        StringLike | ArnEquals | ArnLike => Tri::from_bool(meet_every_value(values, arn_operator, identity)),
        StringNotEquals | StringNotEqualsIgnoreCase => Tri::True,
        StringNotLike | ArnNotEquals | ArnNotLike => Tri::from_bool(
            !values
                .iter()
                .any(|v| stranger_may_match(v, foreign, arn_operator, identity, version)),
        ),
        _ => Tri::Unknown,
    }
}

/// [`admits_stranger`], and for `aws:PrincipalArn` in the role's partition (when known), the only
/// one a stranger calls from: a pattern of another (`arn:aws-cn:…` of a role in `aws`) matches
/// none of their ARNs.
fn stranger_may_match(v: &str, foreign: Foreign, arn_operator: bool, identity: Identity, version: Version) -> bool {
    let principal_arn = identity.is_principal_arn();
    let of_another_partition = || (identity.partition).is_some_and(|role| of_another_partition(v, arn_operator, role));
    admits_stranger(v, foreign, arn_operator, principal_arn, version) && !(principal_arn && of_another_partition())
}

/// Whether a `StringLike` pattern matches every value AWS can put in `key` from a caller's
/// identity, so that nobody who has the key escapes a Deny of it: `*`; for an organization id
/// (`o-` and ten to thirty-two characters) `o-*`, `o*`, `?*`; for an organization path, which
/// starts with one, the same, and `o-*/*`; for an account id (twelve digits) wildcards of at most
/// twelve `?` with a `*`, or exactly twelve `?`.
pub(crate) fn covers_every_identity_value(key: &str, pattern: &str) -> bool {
    if matches_everything(pattern) {
        return true;
    }
    let wildcards = |text: &str| text.bytes().all(|b| b == b'*' || b == b'?');
    let single = |text: &str| text.bytes().filter(|b| *b == b'?').count();
    // Wildcards after `o-`, `o` or nothing that no organization id is too short for.
    let every_organization_id = |pattern: &str| {
        let rest = (pattern.strip_prefix("o-"))
            .or_else(|| pattern.strip_prefix('o'))
            .unwrap_or(pattern);
        wildcards(rest) && rest.contains('*') && pattern.len() - rest.len() + single(rest) <= 12
    };
    let is = |names: [&str; 3]| names.iter().any(|name| key.eq_ignore_ascii_case(name));
    if is(["aws:PrincipalOrgID", "aws:SourceOrgID", "aws:VpceOrgID"]) {
        every_organization_id(pattern)
    } else if is(["aws:PrincipalOrgPaths", "aws:SourceOrgPaths", "aws:VpceOrgPaths"]) {
        match pattern.split_once('/') {
            None => every_organization_id(pattern),
            Some((organization, rest)) => every_organization_id(organization) && rest.bytes().all(|b| b == b'*'),
        }
    } else if is(["aws:PrincipalAccount", "aws:SourceAccount", "aws:VpceAccount"]) {
        wildcards(pattern) && single(pattern) <= 12 && (pattern.contains('*') || single(pattern) == 12)
    } else {
        false
    }
}

/// A request key whose value the caller sets, within what STS takes: `AssumeRole`'s
/// `ExternalId` (2 to 1,224 characters of `[\w+=,.@:/-]`) and `RoleSessionName` (2 to 64 of
/// `[\w+=,.@-]`). Either may be missing from a request: a caller sends no external id, and
/// whether a service's request has `sts:RoleSessionName` as a key is not documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallerSet {
    pub key: &'static str,
    /// What a value is called, in a finding's texts: bare, with its article, and in full.
    pub name: &'static str,
    pub a_name: &'static str,
    pub full_name: &'static str,
    /// What STS takes, in a finding's text.
    pub form: &'static str,
    pub lengths: (usize, usize),
    pub others: &'static [u8],
}

pub(crate) const EXTERNAL_ID: CallerSet = CallerSet {
    key: "sts:ExternalId",
    name: "external id",
    a_name: "an external id",
    full_name: "an external id",
    form: "2 to 1,224 letters, digits and _+=,.@:/-",
    lengths: (2, 1224),
    others: b"_+=,.@:/-",
};

pub(crate) const ROLE_SESSION_NAME: CallerSet = CallerSet {
    key: "sts:RoleSessionName",
    name: "session name",
    a_name: "a session name",
    full_name: "a role session name",
    form: "2 to 64 letters, digits and _+=,.@-",
    lengths: (2, 64),
    others: b"_+=,.@-",
};

impl CallerSet {
    /// The key `condition` compares, a key the caller sets: [`EXTERNAL_ID`] for any other (the
    /// texts of conditions [`caller_choices`] judged).
    pub fn of_condition(condition: &Condition) -> CallerSet {
        CallerSet::of(&condition.key).unwrap_or(EXTERNAL_ID)
    }

    pub fn of(key: &str) -> Option<CallerSet> {
        // Asked of most conditions' keys: two comparisons, which tell lengths apart first.
        if key.eq_ignore_ascii_case(EXTERNAL_ID.key) {
            Some(EXTERNAL_ID)
        } else if key.eq_ignore_ascii_case(ROLE_SESSION_NAME.key) {
            Some(ROLE_SESSION_NAME)
        } else {
            None
        }
    }

    /// Whether STS takes `value`: what a caller can send.
    pub fn takes(self, value: &str) -> bool {
        (self.lengths.0..=self.lengths.1).contains(&value.len()) && value.bytes().all(|b| self.takes_byte(b))
    }

    fn takes_byte(self, b: u8) -> bool {
        b.is_ascii_alphanumeric() || self.others.contains(&b)
    }
}

/// Whether STS takes `value` as an external id: what a caller can send as `sts:ExternalId`.
pub(crate) fn is_sendable_external_id(value: &str) -> bool {
    EXTERNAL_ID.takes(value)
}

/// Whether some, and whether every, choice a caller has for a key it sets ([`CallerSet`]: none,
/// where it may send none, or any value STS takes) meets a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choices {
    pub some_meet: bool,
    pub all_meet: bool,
}

/// [`Choices`] of a string condition on a key the caller sets ([`CallerSet`]); `None` for another
/// key or operator. A literal `*` or a space is in no external id or session name:
/// `StringEquals sts:ExternalId "*"` lets nobody in, and a Deny of `StringNotEquals` it stops
/// everyone. A value with a variable, or one a template leaves open, may be any.
pub(crate) fn caller_choices(c: &Condition) -> Option<Choices> {
    use BaseOperator::*;
    let Operator::Known { base, set, if_exists } = c.operator else {
        return None;
    };
    let key = CallerSet::of(&c.key)?;
    // What IAM's case folding makes of a character beyond ASCII is not documented: such a value
    // under `…IgnoreCase` may be any.
    let folds = matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
    let open = |v: &str| has_variable(v) || crate::validity::is_opaque(v) || (folds && !v.is_ascii());
    let some_value_sendable = || c.values.iter().any(|v| open(v) || key.takes(v));
    // A pattern some value matches: its other characters are a value's; and one every value
    // matches: wildcards alone, with a `*` and no more `?` than the shortest value has.
    let may_match = |v: &str| {
        open(v)
            || ((v.contains('*') || v.len() >= key.lengths.0)
                && v.bytes().filter(|b| *b != b'*').count() <= key.lengths.1
                && v.bytes().all(|b| b == b'*' || b == b'?' || key.takes_byte(b)))
    };
    let matches_all = |v: &str| {
        v.contains('*')
            && v.bytes().all(|b| b == b'*' || b == b'?')
            && v.bytes().filter(|b| *b == b'?').count() <= key.lengths.0
    };
    // The key sent: a single value, so a set qualifier reads it as the plain operator does.
    let (some_present, all_present) = match base {
        StringEquals | StringEqualsIgnoreCase => (some_value_sendable(), false),
        StringNotEquals | StringNotEqualsIgnoreCase => (true, !some_value_sendable()),
        StringLike => (
            c.values.iter().any(|v| may_match(v)),
            c.values.iter().any(|v| matches_all(v)),
        ),
        StringNotLike => (
            !c.values.iter().any(|v| matches_all(v)),
            !c.values.iter().any(|v| may_match(v)),
        ),
        _ => return None,
    };
    let absent = missing_key(base, set, if_exists, &c.values) == Tri::True;
    Some(Choices {
        some_meet: absent || some_present,
        all_meet: absent && all_present,
    })
}

/// Can a stranger's value match this pattern? Only when a wildcard reaches into the part that is
/// theirs: the account field of an ARN (the resource's name when it has no account, as an S3
/// bucket's), the organization at the start of a path, any of an id, the unique id before a
/// session name. `ArnLike` matches each ARN field on its own, so only a wildcard in the account
/// field counts; a `StringLike` `*` before it can span colons (a role's path may hold them), so
/// any wildcard up to the account field counts there. `principal_arn`: the key is
/// `aws:PrincipalArn`, whose value is a role's or a user's ARN.
fn admits_stranger(pattern: &str, foreign: Foreign, arn_operator: bool, principal_arn: bool, version: Version) -> bool {
    // Under 2012-10-17 a variable still in the text is the role's own, whose value may be digits.
    let variables = version == Version::V2012;
    // A part a template leaves to a parameter is whatever the deployer passes, `*` too.
    let pattern = &*crate::validity::parameters_as_wildcard(pattern);
    match foreign {
        Foreign::Account => admits_other_account(pattern, variables, false),
        Foreign::Id => has_wildcard(pattern) && !pins_an_organization(pattern),
        Foreign::Network | Foreign::VpcAddress => has_wildcard(pattern),
        Foreign::UserId => has_wildcard(pattern.split(':').next().unwrap_or(pattern)),
        Foreign::OrgPath => {
            let organization = pattern.split('/').next().unwrap_or(pattern);
            has_wildcard(organization) && !pins_an_organization(organization)
        }
        Foreign::Arn => match arn_fields::<5>(pattern) {
            Some([arn, partition, service, region, rest]) => {
                let (account, resource) = rest.split_once(':').unwrap_or((rest, ""));
                // A role session's ARN is never `aws:PrincipalArn`, which holds its role's ARN
                // ("Do not specify the assumed role session ARN"): a pattern of sessions matches
                // no caller, when nothing before its account field is a wildcard (a `StringLike`
                // `*` there could reach into a role's path, which may hold colons).
                let written_out = ![arn, partition, service, region].iter().any(|f| has_wildcard(f));
                if written_out && service == "sts" && resource.starts_with("assumed-role/") {
                    return false;
                }
                // Nor, of `aws:PrincipalArn`, is a root's or a federated user's, nor any but a
                // role's or a user's: a stranger calls as one of those.
                if principal_arn && crate::pattern::names_no_assuming_caller(pattern, arn_operator) {
                    return false;
                }
                // A resource named in no account (an S3 bucket: `arn:aws:s3:::name`) has a
                // name anyone may register: a wildcard in it matches a stranger's. Not one in an
                // object's key (`my-bucket/*`): a bucket's name holds no `/`.
                let name = resource.split('/').next().unwrap_or(resource);
                let global_name = account.is_empty() && has_wildcard(name);
                admits_other_account(account, variables, !arn_operator)
                    || global_name
                    || (!arn_operator && [arn, partition, service, region].iter().any(|f| has_wildcard(f)))
            }
            None => has_wildcard(pattern),
        },
    }
}

/// Whether an organization id pattern writes out a whole id before any wildcard (`o-a1b2c3d4e5*`):
/// AWS gives an organization `o-` and 10 to 32 lowercase letters or digits at random, so such a
/// pattern names organizations no stranger can come to have, as twelve written digits pin an
/// account.
fn pins_an_organization(pattern: &str) -> bool {
    pattern.strip_prefix("o-").is_some_and(|id| {
        id.bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            .count()
            >= 10
    })
}

/// Does an account pattern match an account other than one? An account id is twelve digits, so
/// twelve written digits pin it, whatever wildcard follows (`111122223333*`), and a pattern that
/// writes anything but digits (`x*`, `${*}` before 2012-10-17, where it is text) matches none.
/// `variables`: a policy variable left in the text (the role's own, under 2012-10-17) may hold
/// digits, so it is taken to. `spans`: the account field of an ARN compared by `StringLike`,
/// whose `*` may run on through a role's path (which may hold colons).
fn admits_other_account(pattern: &str, variables: bool, spans: bool) -> bool {
    let pinned = pattern
        .as_bytes()
        .get(..12)
        .is_some_and(|id| id.iter().all(u8::is_ascii_digit))
        // `*111122223333`: where a `*` stays within the id, beside twelve digits it matches only
        // the empty text, and the pattern one account.
        || (!spans && crate::pattern::pins_one_account(pattern));
    // A value a template leaves undetermined may be digits, or nothing.
    let undetermined = crate::validity::is_opaque(pattern);
    has_wildcard(pattern)
        && !pinned
        && ((variables && has_variable(pattern)) || undetermined || may_be_an_account(pattern, spans))
}

/// Whether some account id, twelve digits, matches the pattern: it writes only digits and
/// wildcards, and no more than twelve digits and `?` (exactly twelve without a `*`); where a `*`
/// `spans` on, only what comes before the first one is the account's.
fn may_be_an_account(pattern: &str, spans: bool) -> bool {
    let digit = |b: &u8| b.is_ascii_digit() || *b == b'?';
    match pattern.split_once('*') {
        Some((before, _)) if spans => before.len() <= 12 && before.as_bytes().iter().all(digit),
        Some(_) => {
            let fixed = pattern.bytes().filter(|b| *b != b'*').count();
            fixed <= 12 && pattern.bytes().all(|b| b == b'*' || digit(&b))
        }
        None => pattern.len() == 12 && pattern.as_bytes().iter().all(digit),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pattern_covers_every_principal_arn_only_when_no_role_or_user_of_the_partition_escapes() {
        let covers =
            |pattern, arn_operator, partition| covers_every_principal_arn(pattern, arn_operator, partition, None);
        for (pattern, arn_operator) in [
            ("arn:aws:iam::*:*", true),
            ("arn:*:*:*:*:*", true),
            ("arn:aws:iam::????????????:*", true),
            ("arn:aws:iam::*:*", false),
            ("arn:*", false),
            ("arn:aws:iam::*", false),
            ("*", false),
        ] {
            assert!(covers(pattern, arn_operator, Some("aws")), "{pattern} {arn_operator}");
        }
        for (pattern, arn_operator, partition) in [
            // A stranger's user, or a stranger's role, escapes.
            ("arn:aws:iam::*:role/*", true, Some("aws")),
            ("arn:aws:iam::*:user/*", false, Some("aws")),
            // Another account left open only in part, another service, another partition.
            ("arn:aws:iam::1111*:*", true, Some("aws")),
            ("arn:aws:sts::*:*", true, Some("aws")),
            ("arn:aws:iam::*:*", true, Some("aws-us-gov")),
            ("arn:aws:iam::*:*", false, Some("aws-cn")),
            // The partition not known for sure: only wildcards there cover.
            ("arn:aws:iam::*:*", true, None),
            ("arn:aws:iam::*:*", false, None),
        ] {
            assert!(
                !covers(pattern, arn_operator, partition),
                "{pattern} {arn_operator} {partition:?}"
            );
        }
        assert!(covers("arn:*", false, None));
        assert!(covers("arn:*:iam::*:*", true, None));
        // Every role's ARN, or every user's, as one of two patterns that cover strangers together.
        let roles =
            |pattern, arn_operator| covers_every_principal_arn(pattern, arn_operator, Some("aws"), Some("role"));
        for (pattern, arn_operator) in [
            ("arn:aws:iam::*:role/*", true),
            ("arn:aws:iam::*:role*", true),
            ("arn:aws:iam::*:role/*", false),
            ("arn:aws:iam::*:*", true),
        ] {
            assert!(roles(pattern, arn_operator), "{pattern} {arn_operator}");
        }
        for (pattern, arn_operator) in [
            ("arn:aws:iam::*:role/app-*", true),
            ("arn:aws:iam::*:user/*", true),
            ("arn:aws:iam::*:Role/*", true),
            ("arn:aws:iam::1111*:role/*", false),
        ] {
            assert!(!roles(pattern, arn_operator), "{pattern} {arn_operator}");
        }
        let identity = Identity {
            key: Some("aws:PrincipalArn"),
            partition: Some("aws"),
        };
        let both: [Cow<str>; 2] = ["arn:aws:iam::*:role/*".into(), "arn:aws:iam::*:user/*".into()];
        assert!(meet_every_value(&both, true, identity));
        assert!(!meet_every_value(&both[..1], true, identity));
        let other_key = Identity {
            key: Some("aws:userid"),
            ..identity
        };
        assert!(!meet_every_value(&both, true, other_key));
    }

    use super::*;
    use crate::{normalise::parse, policy::ASSUME_ROLE, FindingId, Role, RuleParams};

    const ACCOUNT: &str = "111111111111";
    const FUNCTION: &str = "arn:aws:lambda:eu-west-1:111111111111:function:orders";

    /// The one statement of `doc` applied to Lambda assuming the role for `FUNCTION`.
    fn lambda_allowed(doc: &str) -> Tri {
        let policy = parse(doc).unwrap();
        assert_eq!(policy.statements.len(), 1, "{doc}");
        let lambda = RequestContext::lambda(Some(ACCOUNT), Some(ACCOUNT), Some(FUNCTION));
        applies(&policy.statements[0], &lambda, ASSUME_ROLE, policy.version)
    }

    /// The ids of what the engine finds in `doc` for a role of `ACCOUNT` used by `FUNCTION`.
    fn found(doc: &str) -> Vec<FindingId> {
        let role = Role {
            arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/orders")),
            functions: vec![FUNCTION.into()],
            ..Role::default()
        };
        let verdict = crate::check(doc, &role, &RuleParams::default());
        verdict.findings.iter().map(|f| f.id).collect()
    }

    /// Whether some stranger gets in, as the engine reports it: `TRUST_PUBLIC` when one surely
    /// does, `TRUST_PUBLIC_CONDITIONED` when only conditions or a Deny decide.
    fn anyone_allowed(doc: &str) -> Tri {
        let found = found(doc);
        match (
            found.contains(&FindingId::TrustPublic),
            found.contains(&FindingId::TrustPublicConditioned),
        ) {
            (true, false) => Tri::True,
            (false, true) => Tri::False,
            other => panic!("expected one public finding, got {found:?} ({other:?}) for {doc}"),
        }
    }

    fn lambda_with(condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},
            "Action":"sts:AssumeRole","Condition":{condition}}}]}}"#
        )
    }

    fn public_with(condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*",
            "Action":"sts:AssumeRole","Condition":{condition}}}]}}"#
        )
    }

    #[test]
    fn tri_logic() {
        assert_eq!(Tri::True.and(Tri::Unknown), Tri::Unknown);
        assert_eq!(Tri::False.and(Tri::Unknown), Tri::False);
        assert_eq!(Tri::True.or(Tri::Unknown), Tri::True);
        assert_eq!(Tri::False.or(Tri::Unknown), Tri::Unknown);
        assert_eq!(Tri::Unknown.not(), Tri::Unknown);
    }

    #[test]
    fn lambda_conditions_by_operator() {
        let cases = [
            (r#"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#, Tri::True),
            (r#"{"StringEquals":{"AWS:SOURCEACCOUNT":"111111111111"}}"#, Tri::True),
            (r#"{"StringEquals":{"aws:SourceAccount":"222222222222"}}"#, Tri::False),
            (
                r#"{"StringEquals":{"aws:SourceAccount":["222222222222","111111111111"]}}"#,
                Tri::True,
            ),
            (
                r#"{"StringNotEquals":{"aws:SourceAccount":["222222222222","333333333333"]}}"#,
                Tri::True,
            ),
            (
                r#"{"StringNotEquals":{"aws:SourceAccount":["222222222222","111111111111"]}}"#,
                Tri::False,
            ),
            (
                r#"{"StringLike":{"aws:SourceArn":"arn:aws:lambda:*:111111111111:function:*"}}"#,
                Tri::True,
            ),
            (
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:111111111111:function:other"}}"#,
                Tri::False,
            ),
            (
                r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:lambda:eu-west-1:111111111111:function:orders"}}"#,
                Tri::True,
            ),
            (
                r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:lambda:*:*:function:other"}}"#,
                Tri::True,
            ),
            (r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123defg"}}"#, Tri::False),
            (r#"{"StringEquals":{"sts:ExternalId":"x"}}"#, Tri::False),
            (r#"{"StringEqualsIfExists":{"sts:ExternalId":"x"}}"#, Tri::True),
            (r#"{"StringNotLike":{"sts:ExternalId":"x"}}"#, Tri::True),
            (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"x"}}"#, Tri::True),
            (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"x"}}"#, Tri::False),
            (
                r#"{"ForAnyValue:StringNotEqualsIfExists":{"aws:TagKeys":"x"}}"#,
                Tri::False,
            ),
            (
                r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"x"}}"#,
                Tri::False,
            ),
            (
                r#"{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"x"}}"#,
                Tri::True,
            ),
            (r#"{"Null":{"sts:ExternalId":"true"}}"#, Tri::True),
            (r#"{"Null":{"aws:SourceArn":"false"}}"#, Tri::True),
            (r#"{"Null":{"aws:SourceArn":"true"}}"#, Tri::False),
            (r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, Tri::False),
            (r#"{"Bool":{"aws:PrincipalIsAWSService":"true"}}"#, Tri::True),
            (r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#, Tri::True),
            (r#"{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}"#, Tri::False),
            (
                r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
                Tri::Unknown,
            ),
            (r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#, Tri::False),
            (r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#, Tri::True),
            (r#"{"StringEqualz":{"aws:SourceAccount":"111111111111"}}"#, Tri::Unknown),
            // A variable of a key the context knows is that key's value.
            (r#"{"StringEquals":{"aws:SourceArn":"${aws:SourceArn}"}}"#, Tri::True),
            (
                r#"{"StringEquals":{"aws:SourceAccount":"${aws:ResourceAccount}"}}"#,
                Tri::True,
            ),
            // One it can't tell leaves the condition unknown.
            (
                r#"{"StringEquals":{"aws:SourceArn":"${aws:RequestedRegion}"}}"#,
                Tri::Unknown,
            ),
            // One Lambda's request doesn't have is null: no value equals it, `…IfExists` or not
            // (the key compared is there), and a negated operator holds.
            (
                r#"{"StringEquals":{"aws:SourceArn":"${aws:RequestTag/x}"}}"#,
                Tri::False,
            ),
            (
                r#"{"StringEquals":{"aws:SourceAccount":["${aws:PrincipalAccount}"]}}"#,
                Tri::False,
            ),
            (
                r#"{"StringEqualsIfExists":{"sts:RoleSessionName":"${aws:PrincipalTag/x}"}}"#,
                Tri::False,
            ),
            (
                r#"{"StringNotEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}"#,
                Tri::True,
            ),
            (
                r#"{"StringNotEqualsIfExists":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}"#,
                Tri::True,
            ),
            (
                r#"{"StringEquals":{"aws:SourceAccount":"111111111111","aws:SourceArn":"x"}}"#,
                Tri::False,
            ),
            (r#"{"StringEquals":{"aws:SourceOrgID":"o-a1b2c3d4e5"}}"#, Tri::Unknown),
            // No organization has these: sent or not, the key never matches.
            (r#"{"StringEquals":{"aws:SourceOrgID":"o-123"}}"#, Tri::False),
            (r#"{"StringEquals":{"aws:SourceOrgID":"O-A1B2C3D4E5"}}"#, Tri::False),
            (r#"{"StringEquals":{"aws:ResourceOrgID":"O-A1B2C3D4E5"}}"#, Tri::False),
            (
                r#"{"StringLike":{"aws:SourceOrgPaths":"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"}}"#,
                Tri::False,
            ),
            (
                r#"{"StringLike":{"aws:SourceOrgPaths":"o-a1b2c3d4e5/r-ab12/*"}}"#,
                Tri::Unknown,
            ),
            (
                r#"{"StringEqualsIfExists":{"aws:SourceOrgID":"O-A1B2C3D4E5"}}"#,
                Tri::Unknown,
            ),
        ];
        for (condition, expected) in cases {
            assert_eq!(lambda_allowed(&lambda_with(condition)), expected, "{condition}");
        }
    }

    #[test]
    fn variables_are_literal_in_2008() {
        let doc = lambda_with(r#"{"StringEquals":{"aws:SourceArn":"${aws:SourceArn}"}}"#).replace("2012", "2008");
        assert_eq!(lambda_allowed(&doc), Tri::False);
    }

    #[test]
    fn stranger_against_identity_and_request_keys() {
        let cases = [
            ("{}", Tri::True),
            (r#"{"StringEquals":{"sts:ExternalId":"secret"}}"#, Tri::True),
            // Where the call comes from: never one of your networks (and never a private
            // address as aws:SourceIp), with or without the key as they like.
            (r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#, Tri::False),
            (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, Tri::False),
            (r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, Tri::True),
            (r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, Tri::True),
            (r#"{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#, Tri::False),
            (
                r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#,
                Tri::True,
            ),
            (r#"{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#, Tri::True),
            (r#"{"Null":{"aws:SourceVpce":"false"}}"#, Tri::True),
            (r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123defg"}}"#, Tri::False),
            (r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#, Tri::True),
            (
                r#"{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}"#,
                Tri::False,
            ),
            (
                r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}}"#,
                Tri::False,
            ),
            (
                r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy"}}"#,
                Tri::True,
            ),
            (r#"{"StringLike":{"aws:PrincipalArn":"*"}}"#, Tri::True),
            (
                r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123defg"}}"#,
                Tri::True,
            ),
            (r#"{"StringNotLike":{"aws:PrincipalArn":"*"}}"#, Tri::False),
            (r#"{"Null":{"aws:PrincipalOrgID":"true"}}"#, Tri::True),
            // A caller in no organization has no aws:PrincipalOrgID: IfExists lets them in.
            (
                r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123defg"}}"#,
                Tri::True,
            ),
            (
                r#"{"Null":{"aws:PrincipalOrgID":"false"},"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123defg"}}"#,
                Tri::False,
            ),
            (
                r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc123defg/*"}}"#,
                Tri::False,
            ),
            (
                r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:111111111111:t"}}"#,
                Tri::True,
            ),
            (r#"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#, Tri::False),
            (r#"{"Null":{"aws:PrincipalAccount":"true"}}"#, Tri::False),
            (r#"{"StringEquals":{"aws:ResourceAccount":"111111111111"}}"#, Tri::True),
            (r#"{"Bool":{"aws:PrincipalIsAWSService":"true"}}"#, Tri::False),
        ];
        for (condition, expected) in cases {
            assert_eq!(anyone_allowed(&public_with(condition)), expected, "{condition}");
        }
        // Narrowed to exact roles of the role's own account: as if it named them, no finding.
        for own in [
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/orders"}}"#,
            r#"{"StringEquals":{"aws:PrincipalArn":["arn:aws:iam::111111111111:role/a","arn:aws:iam::111111111111:user/b"]}}"#,
        ] {
            let found = found(&public_with(own));
            assert!(
                !found.iter().any(|id| id.as_str().starts_with("TRUST_PUBLIC")),
                "{own}: {found:?}"
            );
        }
    }

    #[test]
    fn deny_wins_and_wildcards_count_only_in_deny() {
        let deny_all = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"*"}]}"#;
        assert!(found(deny_all).contains(&FindingId::LambdaTrustDenied));
        let guard = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-1111111111"}}}]}"#;
        assert_eq!(anyone_allowed(guard), Tri::False);
        let star_only = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        assert!(found(star_only).contains(&FindingId::LambdaTrustMissing));
        let not_principal = r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(anyone_allowed(not_principal), Tri::True);
        let not_action = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"NotAction":"sts:TagSession"}]}"#;
        assert_eq!(lambda_allowed(not_action), Tri::True);
        let case = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"STS:assumerole"}]}"#;
        assert_eq!(lambda_allowed(case), Tri::True);
        let misspelt = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":" Lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(lambda_allowed(misspelt), Tri::False);
        for lambda_lets_in in [not_action, case] {
            let found = found(lambda_lets_in);
            assert!(
                !found.iter().any(|id| id.as_str().starts_with("LAMBDA_TRUST")),
                "{found:?}"
            );
        }
        assert!(found(misspelt).contains(&FindingId::LambdaTrustMissing));
    }

    #[test]
    fn ip_networks() {
        assert_eq!(matches(BaseOperator::IpAddress, "10.1.2.3", "10.0.0.0/8"), Tri::True);
        assert_eq!(matches(BaseOperator::IpAddress, "11.1.2.3", "10.0.0.0/8"), Tri::False);
        assert_eq!(
            matches(BaseOperator::IpAddress, "2001:db8::1", "2001:db8::/32"),
            Tri::True
        );
        assert_eq!(matches(BaseOperator::IpAddress, "1.2.3.4", "0.0.0.0/0"), Tri::True);
        assert_eq!(matches(BaseOperator::IpAddress, "1.2.3.4", "1.2.3.4"), Tri::True);
        assert_eq!(matches(BaseOperator::IpAddress, "1.2.3.4", "bogus"), Tri::Unknown);
        assert_eq!(matches(BaseOperator::IpAddress, "1.2.3.4", "1.2.3.4/33"), Tri::Unknown);
    }

    #[test]
    fn patterns_every_identity_value_meets() {
        // Each pattern against the shortest and longest value of its key, as globs read them.
        let (short, long) = ("o-abcdefghij", "o-0123456789abcdefghijklmnopqrstuv");
        for (key, pattern, every) in [
            ("aws:PrincipalOrgID", "o-*", true),
            ("AWS:principalorgid", "o*", true),
            ("aws:VpceOrgID", "o-??????????*", true),
            ("aws:SourceOrgID", "?*", true),
            ("aws:PrincipalOrgID", "o-??????????", false),
            ("aws:PrincipalOrgID", "o-???????????*", false),
            ("aws:PrincipalOrgID", "o-a*", false),
            ("aws:PrincipalOrgID", "O-*", false),
            ("aws:PrincipalOrgPaths", "o-*/*", true),
            ("aws:PrincipalOrgPaths", "o-*/", true),
            ("aws:PrincipalOrgPaths", "o-*/r-*", false),
        ] {
            assert_eq!(covers_every_identity_value(key, pattern), every, "{key} {pattern}");
            if key.to_ascii_lowercase().ends_with("orgid") {
                let meets = crate::pattern::glob(pattern, short, false) && crate::pattern::glob(pattern, long, false);
                assert!(!every || meets, "{pattern} was said to meet every id but misses one");
            }
        }
        for (pattern, every) in [
            ("????????????", true),
            ("*", true),
            ("??*", true),
            ("???????????", false),
            ("1*", false),
        ] {
            assert_eq!(
                covers_every_identity_value("aws:PrincipalAccount", pattern),
                every,
                "{pattern}"
            );
        }
        // Other keys: only what matches every value at all.
        assert!(covers_every_identity_value("aws:PrincipalArn", "*"));
        assert!(!covers_every_identity_value("aws:PrincipalArn", "arn:*"));
    }

    #[test]
    fn session_name_choices_are_what_sts_takes() {
        assert!(ROLE_SESSION_NAME.takes("john.doe@example.com") && !ROLE_SESSION_NAME.takes("ci/deploy"));
        assert!(!ROLE_SESSION_NAME.takes(&"a".repeat(65)) && !ROLE_SESSION_NAME.takes("a:b"));
        // (condition, some choice meets it, every choice does): a request without the key (a
        // service's may have none) meets `…IfExists` and a negated operator.
        let long = format!("{}*", "a".repeat(65));
        for (condition, some, all) in [
            (
                r#"{"StringEquals":{"sts:RoleSessionName":"John Doe"}}"#.to_owned(),
                false,
                false,
            ),
            (
                r#"{"StringEqualsIfExists":{"sts:RoleSessionName":"John Doe"}}"#.to_owned(),
                true,
                false,
            ),
            (
                r#"{"StringEquals":{"sts:RoleSessionName":"ci-deploy"}}"#.to_owned(),
                true,
                false,
            ),
            (
                r#"{"StringNotEquals":{"sts:RoleSessionName":"John Doe"}}"#.to_owned(),
                true,
                true,
            ),
            (
                r#"{"StringNotLike":{"sts:RoleSessionName":"ci session*"}}"#.to_owned(),
                true,
                true,
            ),
            (
                r#"{"StringLike":{"sts:RoleSessionName":"deploy/*"}}"#.to_owned(),
                false,
                false,
            ),
            (
                format!(r#"{{"StringLike":{{"sts:RoleSessionName":"{long}"}}}}"#),
                false,
                false,
            ),
        ] {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{condition}}}]}}"#
            );
            let policy = parse(&doc).unwrap();
            let choices = caller_choices(&policy.statements[0].conditions[0]).unwrap();
            assert_eq!((choices.some_meet, choices.all_meet), (some, all), "{condition}");
        }
    }

    #[test]
    fn external_id_choices_are_what_sts_takes() {
        assert!(is_sendable_external_id("ab") && is_sendable_external_id("Acme_+=,.@:/-9"));
        assert!(
            !is_sendable_external_id("a") && !is_sendable_external_id("a*") && !is_sendable_external_id("acme corp")
        );
        assert!(!is_sendable_external_id(&"a".repeat(1225)));
        // The suggestion's external id to fill in: left as it is, no caller can send it.
        assert!(!is_sendable_external_id(crate::fix::EXTERNAL_ID_TO_FILL_IN));
        // (condition, some choice meets it, every choice does)
        for (condition, some, all) in [
            (r#"{"StringEquals":{"sts:ExternalId":"secret-1"}}"#, true, false),
            (r#"{"StringEquals":{"sts:ExternalId":["*","x"]}}"#, false, false),
            (
                r#"{"StringEquals":{"sts:ExternalId":"${aws:PrincipalTag/x}"}}"#,
                true,
                false,
            ),
            (r#"{"StringEqualsIfExists":{"sts:ExternalId":"*"}}"#, true, false),
            (r#"{"ForAnyValue:StringEquals":{"sts:ExternalId":"*"}}"#, false, false),
            (r#"{"StringNotEquals":{"sts:ExternalId":"*"}}"#, true, true),
            (r#"{"ForAllValues:StringNotEquals":{"sts:ExternalId":"*"}}"#, true, true),
            (r#"{"StringNotEquals":{"sts:ExternalId":"secret-1"}}"#, true, false),
            (r#"{"StringLike":{"sts:ExternalId":"*"}}"#, true, false),
            (r#"{"StringLikeIfExists":{"sts:ExternalId":"??*"}}"#, true, true),
            (r#"{"StringLikeIfExists":{"sts:ExternalId":"???*"}}"#, true, false),
            (r#"{"StringLike":{"sts:ExternalId":"a b*"}}"#, false, false),
            (r#"{"StringNotLike":{"sts:ExternalId":"*"}}"#, true, false),
            (r#"{"StringNotLike":{"sts:ExternalId":"a b*"}}"#, true, true),
        ] {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{condition}}}]}}"#
            );
            let policy = parse(&doc).unwrap();
            let choices = caller_choices(&policy.statements[0].conditions[0]).unwrap();
            assert_eq!((choices.some_meet, choices.all_meet), (some, all), "{condition}");
        }
    }
}
