//! What IAM would refuse in a role trust policy (`TRUST_POLICY_INVALID`, for documents IAM has
//! not accepted yet), and statements that can never apply (`STATEMENT_NEVER_APPLIES`). IAM Access
//! Analyzer's policy checks for role trust policies are the reference; docs/findings.md maps each
//! rule here to its counterpart there.

use std::borrow::Cow;

use crate::{
    checks::{
        allows_session_action_to, describe_condition, first_false_condition, is_eks_issuer, never_carried, oidc_host,
        oidc_url, same_principal, Findings, KeyPrefix, ProviderHosts, Subject, GITHUB_ACTIONS,
    },
    contexts::{
        is_source_key, sends_no_source_keys, KeyValue, SessionAction, UnsentKey, EDGE_LAMBDA, LAMBDA, ROLES_ANYWHERE,
    },
    evaluate::{missing_key, time_from_now, Tri},
    findings::{FindingId, Severity},
    pattern::{
        arn_fields, glob, has_variable, has_wildcard, is_account_id, is_saml_provider, strip_prefix_ignore_case,
    },
    pods::POD_IDENTITY,
    policy::{
        covers, covers_any_assume, BaseOperator, Condition, Effect, Operator, Policy, PrincipalKind, Statement,
        Version, ASSUME_ACTIONS, ASSUME_ROLE, ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY,
        SET_SOURCE_IDENTITY, TAG_SESSION,
    },
    text::text,
};

/// The text that stands for a value a template or plan doesn't determine (an unresolved
/// intrinsic, a computed attribute). It matches no pattern and names no account, and no check
/// calls it (or a value holding it) invalid: IAM will see the real value.
pub fn opaque(what: &str) -> String {
    let clean: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._-/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{OPAQUE_PREFIX}{clean})")
}

/// How an [`opaque`] marker begins; its text holds no parenthesis, so `)` ends it.
pub const OPAQUE_PREFIX: &str = "UNRESOLVED(";

/// The region of the stack a template deploys, when the scan isn't given it: `AWS::Region` as
/// [`opaque`] writes it.
pub(crate) const STACK_REGION: &str = "UNRESOLVED(AWS__Region)";

/// The OIDC issuer URL that stands in for an EKS cluster a template makes (its logical id
/// `cluster`) in `region` (`None`: not given, so the stack's, undetermined):
/// `https://oidc.eks.REGION.amazonaws.com/id/UNRESOLVED(GetAtt CLUSTER.OpenIdConnectIssuerUrl)`.
/// An EKS issuer lets in the cluster's service accounts only, which a wholly unresolved value
/// would not say (an IRSA role scoped by audience alone is MEDIUM, not an undetermined provider's
/// CRITICAL); its id, which exists once the cluster does, stays undetermined: a key written with
/// the real id may be this issuer's, another cluster's of the template is not.
pub fn template_eks_issuer(region: Option<&str>, cluster: &str) -> String {
    let suffix = if region.is_some_and(|r| r.starts_with("cn-")) {
        ".cn"
    } else {
        ""
    };
    let region = region.unwrap_or(STACK_REGION);
    let cluster_id = opaque(&format!("GetAtt {cluster}.OpenIdConnectIssuerUrl"));
    format!("https://oidc.eks.{region}.amazonaws.com{suffix}/id/{cluster_id}")
}

/// Whether an EKS issuer's id is one [`template_eks_issuer`] stands in with.
pub(crate) fn is_template_cluster_id(id: &str) -> bool {
    id.strip_prefix(OPAQUE_PREFIX)
        .is_some_and(|rest| rest.starts_with("GetAtt ") && rest.ends_with(".OpenIdConnectIssuerUrl)"))
}

/// Whether `text` holds a value [`opaque`] made: a reader can't take it for a name.
pub fn holds_opaque(text: &str) -> bool {
    text.contains(OPAQUE_PREFIX)
}

/// A template parameter's value (`!Ref TrustedAccount`), which the deployer chooses; not a pseudo
/// parameter (`AWS::…`) nor an import, an attribute or a resource's id, which name what exists
/// already, nor a parameter whose type or pattern allows no wildcard (the reader writes those
/// `Ref NAME constrained`; a name holds no space). A dynamic reference (`{{resolve:ssm:…}}`,
/// `Ref resolve_ssm_…`) is one: its value is whatever the parameter store holds.
pub(crate) fn is_parameter(text: &str) -> bool {
    matches!(parameter_kind(text), Some(Chosen::Anything | Chosen::NamedOwner))
}

/// [`is_parameter`] where it stands for a subject's owner (`repo:${Repo}:…`, `OWNER/REPO`): not
/// one whose pattern lets no wildcard through before its first `/` (`Ref NAME owner`), which
/// names one owner whatever the deployer passes after it (`acme/*`).
pub(crate) fn is_parameter_as_owner(text: &str) -> bool {
    parameter_kind(text) == Some(Chosen::Anything)
}

/// A template parameter's value that may be any account: [`is_parameter`], or one whose pattern
/// lets through account ids only. Not another parameter without wildcards: a role's ARN, say.
pub(crate) fn is_chosen_by_deployer(text: &str) -> bool {
    matches!(
        parameter_kind(text),
        Some(Chosen::Anything | Chosen::AccountIds | Chosen::NamedOwner)
    )
}

/// A template parameter's value of any kind: in an ARN's account field, whatever the deployer
/// passes is an account.
pub(crate) fn is_any_parameter(text: &str) -> bool {
    parameter_kind(text).is_some()
}

/// A template parameter's value whose pattern lets through account ids only.
pub(crate) fn is_account_parameter(text: &str) -> bool {
    parameter_kind(text) == Some(Chosen::AccountIds)
}

/// What the template's reader says a parameter may hold, by the tag after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chosen {
    /// `Ref NAME`: anything, `*` too.
    Anything,
    /// `Ref NAME constrained`: no wildcard (its type or pattern keeps one out).
    NoWildcard,
    /// `Ref NAME account`: account ids only.
    AccountIds,
    /// `Ref NAME owner`: no wildcard before its first `/` (`OWNER/REPO` with `*` allowed for the
    /// repository); anything but an owner's name reads it as [`Chosen::Anything`].
    NamedOwner,
}

/// The kind of a whole marker `UNRESOLVED(Ref NAME[ TAG])` of a template parameter: not a pseudo
/// parameter (`AWS__…`), nor a list, nor a name with a space.
fn parameter_kind(text: &str) -> Option<Chosen> {
    parameter_and_kind(text).map(|(_, kind)| kind)
}

/// The template parameter a whole marker `UNRESOLVED(Ref NAME[ TAG])` stands for, its tag (what
/// the deployer may pass) aside: `NAME`. `None` for any other text, a pseudo parameter's too.
pub fn marker_parameter(text: &str) -> Option<&str> {
    parameter_and_kind(text).map(|(name, _)| name)
}

/// The one reading of a marker's name and tag ([`parameter_kind`], [`marker_parameter`]).
fn parameter_and_kind(text: &str) -> Option<(&str, Chosen)> {
    let name = text
        .strip_prefix(OPAQUE_PREFIX)
        .and_then(|rest| rest.strip_prefix("Ref "))
        .and_then(|rest| rest.strip_suffix(')'))
        .filter(|name| !name.starts_with("AWS__") && !name.is_empty() && !name.contains(','))?;
    let (name, kind) = if let Some(name) = name.strip_suffix(" constrained") {
        (name, Chosen::NoWildcard)
    } else if let Some(name) = name.strip_suffix(" account") {
        (name, Chosen::AccountIds)
    } else if let Some(name) = name.strip_suffix(" owner") {
        (name, Chosen::NamedOwner)
    } else {
        (name, Chosen::Anything)
    };
    (!name.is_empty() && !name.contains(' ')).then_some((name, kind))
}

/// `pattern` with each template parameter in it ([`is_parameter`]) as `*`, the pattern a deployer
/// may pass; what else a template leaves undetermined stays as written.
pub(crate) fn parameters_as_wildcard(pattern: &str) -> Cow<'_, str> {
    markers_as_wildcard(pattern, is_parameter)
}

/// [`parameters_as_wildcard`] where the text is an owner (`acme-${Team}`): only the parameters
/// whose pattern lets a wildcard in before their first `/` ([`is_parameter_as_owner`]) become
/// `*`; one that keeps it out names one owner.
pub(crate) fn owner_parameters_as_wildcard(owner: &str) -> Cow<'_, str> {
    markers_as_wildcard(owner, is_parameter_as_owner)
}

/// Whether `text` holds a template parameter ([`is_parameter`]) anywhere in it.
pub(crate) fn holds_parameter(text: &str) -> bool {
    let mut rest = text;
    while let Some(marker) = rest.find(OPAQUE_PREFIX).and_then(|at| rest.get(at..)) {
        // As [`markers_as_wildcard`] reads a marker: to its `)`, or to the end.
        let end = marker.find(')').map_or(marker.len(), |end| end + 1);
        if marker.get(..end).is_some_and(is_parameter) {
            return true;
        }
        rest = marker.get(end..).unwrap_or_default();
    }
    false
}

pub(crate) fn is_opaque(text: &str) -> bool {
    // Each marker has a `(` or a `_`; most principals have neither, and the search costs.
    text.bytes().any(|c| c == b'(' || c == b'_') && (text.contains(OPAQUE_PREFIX) || crate::fix::is_fill_in(text))
}

/// `pattern` with each value a template leaves undetermined (`UNRESOLVED(…)`) as `*`.
pub(crate) fn undetermined_as_wildcard(pattern: &str) -> Cow<'_, str> {
    markers_as_wildcard(pattern, |_| true)
}

/// [`undetermined_as_wildcard`], or `None` when an unknown holds a parenthesis of its own or has
/// no end: where it ends is then not certain.
pub(crate) fn certain_unknowns_as_wildcard(pattern: &str) -> Option<Cow<'_, str>> {
    let certain = pattern
        .split(OPAQUE_PREFIX)
        .skip(1)
        .all(|inside| inside.find(')').is_some_and(|end| !inside[..end].contains('(')));
    certain.then(|| undetermined_as_wildcard(pattern))
}

/// `pattern` with each marker `which` picks as `*`; a marker without its `)` runs to the end.
fn markers_as_wildcard(pattern: &str, which: impl Fn(&str) -> bool) -> Cow<'_, str> {
    if !pattern.contains(OPAQUE_PREFIX) {
        return Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find(OPAQUE_PREFIX) {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(')').map_or(rest.len(), |end| at + end + 1);
        let marker = &rest[at..end];
        match which(marker) {
            true => out.push('*'),
            false => out.push_str(marker),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

pub(crate) fn run(policy: &Policy, subject: &Subject, out: &mut Findings) {
    if subject.proposed {
        refused(policy, subject, out);
        too_long(policy, out);
    }
    for (index, statement) in policy.statements.iter().enumerate() {
        let dead = never_applies(policy, index, subject);
        if let Some(first) = dead.first() {
            out.add(FindingId::StatementNeverApplies, Some(index), || {
                never_applies_text(index, statement, first, &dead)
            });
        }
    }
}

/// The longest role trust policy IAM takes, in characters without whitespace: its quota
/// (`ACLSizePerRole`) is 2,048 by default and can be raised to 4,096, no further.
const MAX_TRUST_POLICY_CHARS: usize = 4096;
/// The quota of an account that never raised it.
pub(crate) const DEFAULT_TRUST_POLICY_CHARS: usize = 2048;

/// `TRUST_POLICY_INVALID` for a document longer than any account's quota lets IAM take. One
/// between the default quota and the highest is refused only where the quota was not raised:
/// not reported, as the account's quota is not known here.
fn too_long(policy: &Policy, out: &mut Findings) {
    if let Some(chars) = length_past_quota(policy.text) {
        out.add(FindingId::TrustPolicyInvalid, None, || {
            (
                text!(
                    "the policy is ",
                    chars,
                    " characters long without whitespace: IAM takes a role trust policy of at most 4,096 (2,048 unless the quota was raised) and would refuse this one (LimitExceeded)"
                ),
                "shorten it: join statements that differ only in their principals, or split the callers over roles".to_owned(),
            )
        });
    }
}

/// The length of a document without whitespace, when it is past the highest quota IAM allows.
pub(crate) fn length_past_quota(text: &str) -> Option<usize> {
    length_past(text, MAX_TRUST_POLICY_CHARS)
}

/// The length of a document without whitespace, when it is past IAM's default quota (2,048).
pub(crate) fn length_past_default_quota(text: &str) -> Option<usize> {
    length_past(text, DEFAULT_TRUST_POLICY_CHARS)
}

fn length_past(text: &str, quota: usize) -> Option<usize> {
    // Fewer bytes than the quota's characters can't be past it: most documents stop here.
    if text.len() <= quota {
        return None;
    }
    let chars = chars_outside_markers(text);
    (chars > quota).then_some(chars)
}

/// Characters without whitespace, a value the template doesn't determine (`UNRESOLVED(…)`)
/// counting for none: its real length is unknown, and a short one is as likely.
fn chars_outside_markers(text: &str) -> usize {
    let counted = |part: &str| part.chars().filter(|c| !c.is_whitespace()).count();
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(OPAQUE_PREFIX) {
        count += counted(&rest[..at]);
        let marker = &rest[at..];
        rest = marker
            .get(marker_len(marker).unwrap_or(marker.len())..)
            .unwrap_or_default();
    }
    count + counted(rest)
}

/// The length of the marker `text` begins with (`UNRESOLVED(…)`), to its closing parenthesis:
/// markers nest (`UNRESOLVED(Sub UNRESOLVED(Ref P))`). `None` without one.
pub fn marker_len(text: &str) -> Option<usize> {
    let mut depth = 0_usize;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A statement's elements in IAM's policy grammar.
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The grammar's statement element that `element` misspells by case (`condition` is `Condition`).
pub(crate) fn meant_element(element: &str) -> Option<&'static str> {
    STATEMENT_ELEMENTS.into_iter().find(|e| e.eq_ignore_ascii_case(element))
}

/// `has `x`, which is no element …, read as absent`.
fn unknown_element_text(element: &str, meant: Option<&str>) -> String {
    match meant {
        Some(meant) => text!(
            "has `",
            element,
            "`, which is no element (names are case-sensitive: `",
            meant,
            "`), read as absent"
        ),
        None => text!(
            "has `",
            element,
            "`, which is no element of the policy grammar, read as absent"
        ),
    }
}

/// `TRUST_POLICY_INVALID`: one finding per statement, naming everything IAM would refuse in it.
fn refused(policy: &Policy, subject: &Subject, out: &mut Findings) {
    if !policy.unknown_elements.is_empty() {
        out.add(FindingId::TrustPolicyInvalid, None, || {
            let problems: Vec<String> = (policy.unknown_elements.iter())
                .map(|element| {
                    let meant = ["Version", "Id", "Statement"]
                        .into_iter()
                        .find(|e| e.eq_ignore_ascii_case(element));
                    unknown_element_text(element, meant)
                })
                .collect();
            (
                text!(
                    "the policy ",
                    problems.join("; "),
                    ": IAM would refuse this trust policy (MalformedPolicyDocument)"
                ),
                "write the policy's elements as the grammar spells them: Version, Id and Statement".to_owned(),
            )
        });
    }
    if let Some(character) = beyond_latin1(policy.text) {
        out.add(FindingId::TrustPolicyInvalid, None, || {
            (
                format!(
                    "the policy holds the character {character:?} (U+{:04X}), but IAM takes only tabs, line breaks and the characters from U+0020 to U+00FF in a trust policy: it would refuse it (ValidationError, \"Member must satisfy regular expression pattern\")",
                    u32::from(character)
                ),
                "write the character as IAM takes it (a JSON escape, \\u2014, keeps its meaning) or replace it (a typographic dash or quote pasted in is the usual one)".to_owned(),
            )
        });
    }
    if policy.statements.is_empty() {
        out.add(FindingId::TrustPolicyInvalid, None, || {
            (
                "the policy has no statement (`\"Statement\": []`): IAM would refuse this trust policy (MalformedPolicyDocument)".to_owned(),
                "write the statements that let in who assumes the role".to_owned(),
            )
        });
    }
    for (index, s) in policy.statements.iter().enumerate() {
        let mut problems: Vec<String> = Vec::new();
        // The role's partition, when a principal is of another.
        let mut partition_wanted: Option<&str> = None;
        // What the fix says beyond each part below: a Principal IAM takes, elements it knows.
        let mut principal_refused = false;
        // Service names with a slip, and the service each was meant as.
        let mut slipped: Vec<(&str, &str)> = Vec::new();
        let mut elements_refused = !s.unknown_elements.is_empty() || !s.written.action;
        if !s.written.principal {
            principal_refused = true;
            problems.push("has no Principal, which a trust policy statement requires".into());
        } else if s.principals.entries().next().is_none() {
            principal_refused = true;
            // `{}`, `{"AWS": []}`, or every branch of a template's `Fn::If` gone (`AWS::NoValue`):
            // "The passed in policy has a statement with no principals!"
            problems.push("names no principal (an empty Principal or empty lists), which IAM refuses".into());
        }
        if !s.written.action {
            problems.push("has no Action or NotAction, which every statement requires".into());
        }
        if s.written.resource {
            problems.push("has Resource or NotResource, which a trust policy can't hold".into());
        }
        for element in &s.unknown_elements {
            problems.push(unknown_element_text(element, meant_element(element)));
        }
        if s.principals.negated {
            problems.push("uses NotPrincipal, which role trust policies don't support".into());
        }
        if s.principals.bare_wildcard {
            principal_refused = true;
            problems.push("uses the bare \"Principal\": \"*\", which role trust policies don't support".into());
        }
        let mut refused_actions = false;
        for action in s.actions.patterns.iter().filter(|_| !s.actions.negated) {
            if let Some(why) = refused_action(action) {
                refused_actions = true;
                problems.push(format!("names the action {action:?}, which {why}"));
            }
        }
        for (kind, principal) in s.principals.entries() {
            let meant = (kind == PrincipalKind::Service)
                .then(|| crate::services::service_meant(principal))
                .flatten();
            if let Some(meant) = meant {
                slipped.push((principal, meant));
                problems.push(format!(
                    "Service principal {principal:?} is no AWS service's ({meant} was meant?), and IAM checks that the service exists (\"Invalid principal in policy\")"
                ));
            } else if let Some(why) = refused_principal(kind, principal) {
                principal_refused = true;
                problems.push(format!("{} principal {principal:?} {why}", kind.as_str()));
            } else if let Some((theirs, ours)) = other_partition(principal, subject) {
                partition_wanted = Some(ours);
                problems.push(format!(
                    "{} principal {principal:?} is of partition {theirs}, but the role is in {ours}: IAM takes no principal of another partition (\"Invalid principal in policy\")",
                    kind.as_str()
                ));
            }
        }
        // Cognito: "IAM requires that roles for identity pools have at least one trust policy
        // condition" (identity pools' security best practices).
        let open_identity_pool = (s.effect == Effect::Allow
            && s.conditions.is_empty()
            && covers(&s.actions, crate::policy::ASSUME_ROLE_WITH_WEB_IDENTITY))
        .then(|| {
            (s.principals.federated.iter())
                .map(|p| oidc_host(p))
                .find(|host| crate::checks::is_cognito(host))
        })
        .flatten();
        let names_itself = s.principals.aws.iter().any(|p| names_role_before_it_exists(p, subject));
        if names_itself {
            problems.push("names the role itself, a principal that doesn't exist until this change creates it".into());
        }
        if let Some(pool) = &open_identity_pool {
            problems.push(format!(
                "lets in {pool} with no condition, which IAM requires of an identity pool's role"
            ));
        }
        // Said once where a CRITICAL TRUST_OIDC_UNSCOPED of the same provider asks for a key IAM's
        // control counts: it fails the deploy's check anyway (a lower one would let this HIGH
        // refusal pass, one asking for another key mislead); an identity pool with no condition
        // at all has its own words above.
        let unscoped_asks_it = |issuer: &str, control: ProviderControl| {
            // One for each of the statement's providers, so that one is of this provider.
            // (Another account's provider has none: it lets nobody in.)
            let judged = (s.principals.federated.iter())
                .filter(|p| oidc_provider_of_another_account(p, subject).is_none())
                .count();
            out.count_at(FindingId::TrustOidcUnscoped, index, Severity::Critical) >= judged
                && (control.keys(issuer).iter())
                    .any(|k| k.eq_ignore_ascii_case(&crate::checks::subject_key(&oidc_host(issuer))))
        };
        let uncontrolled = uncontrolled_provider(s).filter(|(issuer, control)| {
            !unscoped_asks_it(issuer, *control)
                && !open_identity_pool
                    .as_deref()
                    .is_some_and(|pool| pool.eq_ignore_ascii_case(issuer))
        });
        if let Some((issuer, control)) = uncontrolled {
            problems.push(text!(
                "lets in ",
                issuer,
                " without ",
                control.asks(issuer),
                ", which IAM requires of a role that trusts it"
            ));
        }
        // IAM: "Statement IDs (SID) must be alpha-numeric", and "not unique" when one repeats.
        if let Some(sid) = s.sid.as_deref().filter(|sid| !sid.is_empty() && !is_opaque(sid)) {
            if !is_valid_sid(sid) {
                elements_refused = true;
                problems.push(format!(
                    "has Sid {sid:?}, but IAM takes only letters and digits (A-Z, a-z, 0-9)"
                ));
            }
            // Every statement sharing the Sid is flagged, so the findings don't depend on order.
            if let Some(other) = (0..policy.statements.len())
                .find(|&other| other != index && policy.statements[other].sid.as_deref() == Some(sid))
            {
                elements_refused = true;
                problems.push(format!(
                    "shares the Sid {sid:?} with statement {other}, but IAM wants each Sid unique"
                ));
            }
        }
        if problems.is_empty() {
            continue;
        }
        out.add(FindingId::TrustPolicyInvalid, Some(index), || {
            // What IAM takes, for each kind of problem the statement has (a Sid's slip is not
            // answered with a lecture on principals).
            let mut remedies: Vec<String> = Vec::new();
            for (written, meant) in &slipped {
                remedies.push(text!(*meant, " for ", *written));
            }
            if principal_refused {
                remedies.push("an explicit Principal of AWS account, role or user ARNs, service names or identity providers".into());
            }
            if s.written.resource {
                remedies.push("no Resource".into());
            }
            if s.principals.negated {
                remedies.push("no NotPrincipal (for an exception in a Deny, use Principal {\"AWS\": \"*\"} with a condition on aws:PrincipalArn)".into());
            }
            if elements_refused {
                remedies.push("the elements IAM knows (Sid of letters and digits, unique; Effect; Principal; Action or NotAction; Condition)".into());
            }
            if refused_actions {
                remedies.push(text!("only the trust actions (", TRUST_ACTIONS.join(", "), "), spelt as documented"));
            }
            if let Some((issuer, control)) = uncontrolled {
                remedies.push(text!("StringEquals ", control.keys(issuer).first().map_or("", String::as_str), " naming who may assume it"));
            }
            if let Some(pool) = &open_identity_pool {
                remedies.push(format!("for an identity pool StringEquals {pool}:aud naming the pool"));
            }
            if let Some(ours) = partition_wanted {
                remedies.push(format!("principals of the role's partition (arn:{ours}:…), whose accounts are accounts of their own"));
            }
            if names_itself {
                remedies.push("for the role itself {\"AWS\": \"*\"} with a condition that aws:PrincipalArn is the role's ARN, which IAM takes before the role exists".into());
            }
            (
                text!("statement ", index, " ", problems.join("; "), ": IAM would refuse this trust policy (MalformedPolicyDocument)"),
                match remedies.is_empty() {
                    true => text!("rewrite statement ", index, " as IAM accepts it"),
                    false => text!("rewrite statement ", index, " as IAM accepts it: ", remedies.join(", ")),
                },
            )
        });
    }
}

/// The actions IAM takes in a role trust policy ("AssumeRole policy may only specify STS
/// AssumeRole actions"): the ways to assume a role and what its session may carry.
const TRUST_ACTIONS: [&str; 6] = [
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    ASSUME_ROLE_WITH_SAML,
    TAG_SESSION,
    SET_SOURCE_IDENTITY,
    "sts:SetContext",
];

/// The trust actions' names, without their `sts:`.
fn trust_action_names() -> impl Iterator<Item = &'static str> + Clone {
    TRUST_ACTIONS.iter().filter_map(|action| action.strip_prefix("sts:"))
}

/// An action as written, or with the `sts:` it left out (`AssumeRole`).
fn with_its_service(action: &str) -> Cow<'_, str> {
    match action.contains(':') {
        true => Cow::Borrowed(action),
        false => Cow::Owned(text!("sts:", action)),
    }
}

/// Why IAM refuses action `pattern` in a role trust policy, or `None` when it takes it or may
/// (`*`, a wildcard in the action's name, a value a template leaves open).
pub(crate) fn refused_action(pattern: &str) -> Option<&'static str> {
    if pattern == "*" || holds_opaque(pattern) {
        return None;
    }
    let Some((service, name)) = pattern.split_once(':') else {
        return Some(
            "has no service prefix (sts:), which IAM requires (\"Actions/Conditions must be prefaced by a vendor\")",
        );
    };
    if has_wildcard(service) {
        return None;
    }
    if !service.eq_ignore_ascii_case("sts") {
        return Some("is not an STS action, and a trust policy takes only the STS trust actions (\"AssumeRole policy may only specify STS AssumeRole actions\")");
    }
    let documented = |name: &str| trust_action_names().any(|own| own.eq_ignore_ascii_case(name));
    (!has_wildcard(name) && !documented(name))
        .then_some("is no STS trust action (\"AssumeRole policy may only specify STS AssumeRole actions\")")
}

/// The trust action `pattern` was surely meant to be, when IAM refuses it ([`refused_action`]):
/// written with the `sts:` it left out (`AssumeRole`, `Assume*`), or the one documented name a
/// typo or two away (`sts:TagSessions`). `None` for another service's action, or when unclear.
pub(crate) fn trust_action_correction(pattern: &str) -> Option<String> {
    let trimmed = pattern.trim();
    let with_service = with_its_service(trimmed);
    // Another service's action, or another of STS's (`AssumeRoot`), is no typo of a trust action.
    if is_other_service_action(&with_service) {
        return None;
    }
    if !trimmed.contains(':') && refused_action(&with_service).is_none() {
        return Some(with_service.into_owned());
    }
    let written = with_service.to_ascii_lowercase();
    let distances: Vec<(usize, &'static str)> = TRUST_ACTIONS
        .iter()
        .map(|action| {
            (
                crate::policy::edit_distance(&written, &action.to_ascii_lowercase()),
                *action,
            )
        })
        .collect();
    let best = distances.iter().map(|(d, _)| *d).min()?;
    // Clear only when no other name is nearly as close.
    if best > 2 || distances.iter().filter(|(d, _)| *d < best + 2).count() > 1 {
        return None;
    }
    distances
        .iter()
        .find(|(d, _)| *d == best)
        .map(|(_, action)| (*action).to_owned())
}

/// Whether action `pattern` may have been meant as a trust action, whatever its service: its name
/// a typo or two from one's (`st:AssumeRole`, `iam:AssumeRole`, `sts:AssumeRoel`), or a pattern
/// that matches one (`Assume*`). Dropping such an action from a guard would drop what it stops.
pub(crate) fn may_mean_trust_action(pattern: &str) -> bool {
    // An `sts:` action (or one without its service) that is none of STS's other actions.
    if !is_other_service_action(&with_its_service(pattern.trim())) {
        return true;
    }
    let name = pattern
        .rsplit(':')
        .next()
        .unwrap_or(pattern)
        .trim()
        .to_ascii_lowercase();
    let names = trust_action_names();
    let near = |own: &str| crate::policy::edit_distance(&name, &own.to_ascii_lowercase()) <= 2;
    // A pattern that writes some of a name (`Assume*`), not another service's every action (`*`).
    let written = name.bytes().any(|b| b.is_ascii_alphabetic());
    names.clone().any(near) || (has_wildcard(&name) && written && names.into_iter().any(|own| glob(&name, own, true)))
}

/// STS's actions that are no trust action: a trust policy can't name them (`sts:AssumeRoot` is
/// not a typo of `sts:AssumeRole`).
const OTHER_STS_ACTIONS: [&str; 8] = [
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetServiceBearerToken",
    "GetSessionToken",
];

/// Whether `pattern` is another service's action (`s3:GetObject`), or another of STS's: none of a
/// trust policy's, and no typo of one.
pub(crate) fn is_other_service_action(pattern: &str) -> bool {
    pattern.split_once(':').is_some_and(|(service, name)| {
        let service = service.trim();
        (!has_wildcard(service) && !service.eq_ignore_ascii_case("sts"))
            || (service.eq_ignore_ascii_case("sts")
                && OTHER_STS_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(name.trim())))
    })
}

/// The shared OIDC providers of IAM's table ("Identity-provider controls for shared OIDC
/// providers", IAM User Guide) other than GitHub Actions, by issuer, and the claim a role trust
/// policy that names one must evaluate: `role creation or update would fail` without it. A key of
/// its own where the claim is no claim of the issuer's (Azure Sentinel's session name).
const SHARED_PROVIDERS: [(&str, &str); 21] = [
    ("cognito-identity.amazonaws.com", "aud"),
    (crate::checks::SENTINEL_ISSUER, "sts:RoleSessionName"),
    ("agent.buildkite.com", "sub"),
    ("oidc.codefresh.io", "sub"),
    ("studio.datachain.ai/api", "sub"),
    ("oidc-configuration.audit-log.githubusercontent.com", "sub"),
    ("vstoken.actions.githubusercontent.com", "sub"),
    ("gitlab.com", "sub"),
    (
        "rh-oidc.s3.us-east-1.amazonaws.com/22ejnvnnturfmt6km08idd0nt4hekbn7",
        "sub",
    ),
    (
        "rh-oidc.s3.us-east-1.amazonaws.com/23e3sd27sju1hoou6ohfs68vbno607tr",
        "sub",
    ),
    (
        "rh-oidc.s3.us-east-1.amazonaws.com/23ne21h005qjl3n33d8dui5dlrmv2tmg",
        "sub",
    ),
    (
        "rh-oidc.s3.us-east-1.amazonaws.com/24jrf12m5dj7ljlfb4ta2frhrcoadm26",
        "sub",
    ),
    ("oidc.op1.openshiftapps.com/2f785sojlpb85i7402pk3qogugim5nfb", "sub"),
    ("oidc.op1.openshiftapps.com/2c51blsaqa9gkjt0o9rt11mle8mmropu", "sub"),
    ("api.pulumi.com/oidc", "aud"),
    ("sandboxes.cloud", "aud"),
    ("scalr.io", "sub"),
    ("tokens.cloud.shisho.dev", "sub"),
    ("app.terraform.io", "sub"),
    ("proidc.upbound.io", "sub"),
    ("oidc.vercel.com", "aud"),
];

/// The condition IAM requires of a role trust policy that lets a provider in, when a role is
/// created or its trust policy updated (a role stored before keeps working).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProviderControl {
    /// GitHub Actions (any issuer that begins with its host): its `sub` or `job_workflow_ref`,
    /// against a value that doesn't begin with `*` ("must evaluate, using StringEquals, StringLike
    /// or StringEqualsIgnoreCase, …:sub or …:job_workflow_ref which is not scoped to all").
    GitHub,
    /// Another shared provider of IAM's table: its claim, against no value that is `*` alone.
    Shared(&'static str),
    /// Google, Login with Amazon, Facebook: `StringEquals` on one of these claims, spelt exactly
    /// ("Policy trusting … requires a StringEquals condition on an application id").
    ApplicationId(&'static [&'static str]),
}

impl ProviderControl {
    /// The control IAM requires of a trust of `issuer` (an OIDC provider's URL), if any.
    pub(crate) fn of(issuer: &str) -> Option<ProviderControl> {
        if strip_prefix_ignore_case(issuer, GITHUB_ACTIONS).is_some() {
            return Some(ProviderControl::GitHub);
        }
        // A provider URL written with a trailing `/` names the same issuer.
        let unslashed = issuer.strip_suffix('/').unwrap_or(issuer);
        if let Some((_, claim)) = SHARED_PROVIDERS.iter().find(|(i, _)| i.eq_ignore_ascii_case(unslashed)) {
            return Some(ProviderControl::Shared(claim));
        }
        match issuer {
            "accounts.google.com" => Some(ProviderControl::ApplicationId(&["aud", "oaud", "sub"])),
            "www.amazon.com" | "graph.facebook.com" => Some(ProviderControl::ApplicationId(&["app_id", "sub"])),
            _ => None,
        }
    }

    /// The condition keys that may carry it for `issuer`, the first the one to suggest.
    pub(crate) fn keys(self, issuer: &str) -> Vec<String> {
        let shared;
        let claims: &[&str] = match self {
            ProviderControl::GitHub => &["sub", "job_workflow_ref"],
            ProviderControl::Shared(claim) if claim.starts_with("sts:") => return vec![claim.to_owned()],
            ProviderControl::Shared(claim) => {
                shared = [claim];
                &shared
            }
            ProviderControl::ApplicationId(claims) => claims,
        };
        claims.iter().map(|claim| text!(issuer, ":", claim)).collect()
    }

    /// Whether a condition of `operator` on `key` with `values` meets it for `issuer`. A value a
    /// template leaves open may be any.
    pub(crate) fn met_by(self, issuer: &str, operator: Operator, key: &str, values: &[&str]) -> bool {
        use BaseOperator::{StringEquals, StringEqualsIgnoreCase, StringLike};
        let Operator::Known {
            base, if_exists: false, ..
        } = operator
        else {
            return false;
        };
        let keys = self.keys(issuer);
        match self {
            // Read as IAM's older check reads them: the key as spelt, no pattern, any value.
            ProviderControl::ApplicationId(_) => {
                matches!(base, StringEquals | StringEqualsIgnoreCase) && keys.iter().any(|k| k == key)
            }
            ProviderControl::GitHub | ProviderControl::Shared(_) => {
                let named = keys.iter().any(|k| k.eq_ignore_ascii_case(key));
                let scoped = |v: &&str| {
                    holds_opaque(v)
                        || match self {
                            ProviderControl::GitHub => !v.starts_with('*') && !v.trim().is_empty(),
                            _ => *v != "*",
                        }
                };
                // IAM takes an empty list; of several values, GitHub's one scoped, the others' all.
                let values_scoped = match self {
                    ProviderControl::GitHub => values.is_empty() || values.iter().any(scoped),
                    _ => values.iter().all(scoped),
                };
                matches!(base, StringEquals | StringLike | StringEqualsIgnoreCase) && named && values_scoped
            }
        }
    }

    /// What IAM asks, for a finding's message.
    fn asks(self, issuer: &str) -> String {
        let keys = self.keys(issuer).join(" or ");
        match self {
            ProviderControl::GitHub => text!(
                "its ", keys, " evaluated with StringEquals, StringLike or StringEqualsIgnoreCase against a value that doesn't begin with * (\"must evaluate … which is not scoped to all\")"
            ),
            ProviderControl::Shared(_) => text!(
                keys, " evaluated with StringEquals, StringLike or StringEqualsIgnoreCase against no value that is * alone (\"must evaluate … which is not scoped to all\")"
            ),
            ProviderControl::ApplicationId(_) => text!(
                "StringEquals on its application id, ", keys, " spelt so (\"requires a StringEquals condition on an application id\")"
            ),
        }
    }
}

/// The provider Allow `s` lets in (`sts:AssumeRoleWithWebIdentity`) without the control IAM
/// requires of it ([`ProviderControl`]), with its issuer and that control. Per statement, as IAM
/// checks it; a provider a template leaves open may be any.
pub(crate) fn uncontrolled_provider<'p>(s: &'p Statement) -> Option<(&'p str, ProviderControl)> {
    if s.effect != Effect::Allow || !covers(&s.actions, ASSUME_ROLE_WITH_WEB_IDENTITY) {
        return None;
    }
    (s.principals.federated.iter()).find_map(|p| {
        let issuer = oidc_url(p);
        let control = ProviderControl::of(issuer).filter(|_| !holds_opaque(p))?;
        let met = (s.conditions.iter()).any(|c| {
            let values: Vec<&str> = c.values.iter().map(|v| v.as_ref()).collect();
            control.met_by(issuer, c.operator, &c.key, &values)
        });
        (!met).then_some((issuer, control))
    })
}

/// The first character of `text` IAM refuses in a policy document: it takes tabs, line breaks
/// and U+0020 to U+00FF (CreateRole's and UpdateAssumeRolePolicy's pattern
/// `[\u0009\u000A\u000D\u0020-\u00FF]+`). JSON's grammar keeps other control characters out.
pub(crate) fn beyond_latin1(text: &str) -> Option<char> {
    if text.is_ascii() {
        return None;
    }
    text.chars().find(|&c| c > '\u{FF}')
}

/// A role ARN's account and name (its path aside).
pub(crate) fn role_account_and_name(arn: &str) -> Option<(&str, &str)> {
    match arn_fields::<6>(arn)? {
        ["arn", _, "iam", "", account, resource] => {
            Some((account, resource.strip_prefix("role/")?.rsplit('/').next()?))
        }
        _ => None,
    }
}

/// Whether AWS principal `p` is a role of the role's account and name while the change creates
/// the role: IAM reads the trust policy before the role exists. A role's name is unique in its
/// account whatever its path or case (CreateRole), so no other role of that name exists either
/// (or the role can't be created); and a role of another partition is no principal IAM takes.
pub(crate) fn names_role_before_it_exists(p: &str, subject: &Subject) -> bool {
    if !subject.to_be_created {
        return false;
    }
    let (Some((account, name)), Some((own_account, own_name))) =
        (role_account_and_name(p), subject.arn.and_then(role_account_and_name))
    else {
        return false;
    };
    account == own_account && name.eq_ignore_ascii_case(own_name)
}

/// The partition of ARN principal `p` and the role's, when they differ: a role of GovCloud or
/// China can trust no `arn:aws:` principal, nor the reverse (vendors' templates that hard-code
/// `arn:aws:` fail there with MalformedPolicyDocument). Only when the role's ARN says its
/// partition (not a stand-in's), and both are written out.
pub(crate) fn other_partition<'p>(p: &'p str, subject: &Subject<'p>) -> Option<(&'p str, &'p str)> {
    if subject.partition_is_stand_in {
        return None;
    }
    let partition_of = |arn: &'p str| match arn_fields::<3>(arn)? {
        ["arn", partition, _] if is_partition_name(partition) => Some(partition),
        _ => None,
    };
    let (theirs, ours) = (partition_of(p)?, partition_of(subject.arn?)?);
    (theirs != ours).then_some((theirs, ours))
}

/// A partition's name as written out (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, …): not a
/// wildcard, a variable or a value a template leaves open.
fn is_partition_name(text: &str) -> bool {
    text == "aws" || (text.starts_with("aws-") && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
}

/// A `Sid` IAM accepts: letters and digits only (empty too).
pub(crate) fn is_valid_sid(sid: &str) -> bool {
    sid.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// Why IAM refuses this principal in a role trust policy, or `None` when it accepts it.
pub(crate) fn refused_principal(kind: PrincipalKind, principal: &str) -> Option<&'static str> {
    if is_opaque(principal) {
        // What is written before the first value the template leaves open may already say what
        // it is: a group's ARN with a name CloudFormation generates is refused whatever the name.
        let written = principal.find(OPAQUE_PREFIX).and_then(|at| principal.get(..at));
        return written
            .filter(|_| kind == PrincipalKind::Aws)
            .and_then(aws_arn_of_written_type);
    }
    match kind {
        PrincipalKind::Aws => aws_principal(principal),
        PrincipalKind::Service if !is_service_name(principal) => {
            Some("is not a service principal name (like lambda.amazonaws.com)")
        }
        PrincipalKind::Service => crate::services::service_meant(principal).is_some().then_some(
            "is no AWS service's principal, and IAM checks that the service exists (\"Invalid principal in policy\")",
        ),
        PrincipalKind::Federated => (!is_identity_provider(principal))
            .then_some("is not an OIDC or SAML provider ARN or an identity provider's domain"),
        PrincipalKind::CanonicalUser => Some("can't be trusted by a role (S3 canonical users are for bucket policies)"),
    }
}

fn aws_principal(principal: &str) -> Option<&'static str> {
    if principal == "*" || is_account_id(principal) || crate::checks::is_unique_id(principal) {
        return None;
    }
    let Some([arn, _partition, service, region, account, resource]) = arn_fields(principal) else {
        return Some("is not an account id or an ARN");
    };
    if has_wildcard(principal) {
        return Some("has a wildcard, which IAM allows only as the whole principal \"*\"");
    }
    let kinds: &[&str] = match service {
        "iam" => &["user/", "role/"],
        "sts" => &["assumed-role/", "federated-user/"],
        _ => &[],
    };
    let valid = arn == "arn"
        && region.is_empty()
        && is_account_id(account)
        && ((service == "iam" && resource == "root") || kinds.iter().any(|k| resource.starts_with(k)));
    if !valid {
        return Some("is not the ARN of an account root, user, role or session");
    }
    (!names_what_iam_can_have(service, resource))
        .then_some("names a user or role IAM can't have: a name is 1 to 64 letters, digits and +=,.@_- (an empty one: a variable left empty?), after a path without spaces")
}

/// Whether an IAM user's or role's ARN resource (`role/PATH/NAME`) names one IAM can have: a name
/// of 1 to 64 of the characters CreateRole and CreateUser take, after a path of the characters
/// they take (`!` to DEL). IAM resolves each such principal when it saves the policy and refuses
/// one that can't exist ("Invalid principal in policy"). A session's ARN is not judged: whether
/// IAM checks its session name is unverified.
fn names_what_iam_can_have(service: &str, resource: &str) -> bool {
    let name = |text: &str| {
        (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    };
    let path = |text: &str| text.bytes().all(|b| (0x21..=0x7f).contains(&b));
    match service {
        "iam" if resource != "root" => {
            let (kind_and_path, last) = resource.rsplit_once('/').unwrap_or((resource, ""));
            name(last) && path(kind_and_path)
        }
        _ => true,
    }
}

/// Why IAM refuses an AWS principal that begins with `written` and goes on with what a template
/// leaves open, when `written` already holds the ARN's service, region, account and resource
/// type: an ARN of another service, or of another IAM resource than a user or a role (a group's).
fn aws_arn_of_written_type(written: &str) -> Option<&'static str> {
    let [arn, _partition, service, region, account, resource] = arn_fields(written)?;
    let accepted: &[&str] = match service {
        "iam" => &["user", "role"],
        "sts" => &["assumed-role", "federated-user"],
        _ => &[],
    };
    let of_another_type = match resource.split_once('/') {
        Some((kind, _)) => !accepted.contains(&kind),
        // The type is left open too (`…:UNRESOLVED(…)`), unless the service has none IAM takes.
        None => accepted.is_empty(),
    };
    let refused = arn == "arn" && (!region.is_empty() || !is_account_id(account) || of_another_type);
    refused.then_some("is not the ARN of an account root, user, role or session")
}

/// `arn:aws:sts::ACCOUNT:federated-user/NAME`: a `GetFederationToken` session.
fn is_federated_user(principal: &str) -> bool {
    // Every AWS principal of every statement is asked: the cheap tests first.
    let Some((_partition, rest)) = principal.strip_prefix("arn:").and_then(|rest| rest.split_once(':')) else {
        return false;
    };
    (rest.strip_prefix("sts::").and_then(|rest| rest.split_once(':')))
        .is_some_and(|(_account, resource)| resource.starts_with("federated-user/"))
}

/// `lambda.amazonaws.com`, `states.eu-west-1.amazonaws.com`, `ec2.amazonaws.com.cn`.
fn is_service_name(principal: &str) -> bool {
    const SUFFIXES: [&str; 5] = [
        ".amazonaws.com",
        ".amazonaws.com.cn",
        ".amazon.com",
        ".c2s.ic.gov",
        ".sc2s.sgov.gov",
    ];
    SUFFIXES
        .iter()
        .any(|s| principal.len() > s.len() && principal.ends_with(s))
        && is_domain(principal)
}

/// An identity provider ARN, or the domain of one IAM knows by name (accounts.google.com,
/// cognito-identity.amazonaws.com, graph.facebook.com, www.amazon.com).
/// A `Federated` value that may name an identity provider: not `*` (nor any other text without a
/// domain) or the ARN of something else (a role's), which IAM refuses and which name no
/// provider. A provider's domain in capitals, or a provider ARN IAM would refuse for another
/// reason, is judged as the provider: whether IAM takes it is unverified.
pub(crate) fn may_name_provider(principal: &str) -> bool {
    // In any case: a provider's ARN in capitals is judged as the provider, as its domain is.
    let has = |part: &str| {
        principal
            .as_bytes()
            .windows(part.len())
            .any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
    };
    let named = match principal.get(..4).is_some_and(|arn| arn.eq_ignore_ascii_case("arn:")) {
        true => has(":oidc-provider/") || has(":saml-provider/"),
        false => principal.contains('.'),
    };
    named || is_opaque(principal)
}

fn is_identity_provider(principal: &str) -> bool {
    match arn_fields(principal) {
        Some(["arn", _, "iam", "", account, resource]) => {
            is_account_id(account)
                && !has_wildcard(principal)
                && (resource.starts_with("saml-provider/") || resource.starts_with("oidc-provider/"))
        }
        _ => is_domain(principal),
    }
}

fn is_domain(text: &str) -> bool {
    text.contains('.')
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
}

/// Why a statement never applies to some of its principals.
#[derive(Debug, Clone)]
pub(crate) enum Dead<'p> {
    /// The principal can assume a role only with `needs`, which the statement doesn't allow.
    WrongAction { principal: &'p str, needs: &'static str },
    /// A federated user's session (`arn:aws:sts::ACCOUNT:federated-user/NAME`, made by
    /// `GetFederationToken`), which calls no STS operation but `GetCallerIdentity`.
    FederatedUser { principal: &'p str },
    /// The service or identity provider (`sender`, as the message names it) never sends what
    /// `condition` asks for.
    NeverSent {
        principal: &'p str,
        sender: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` needs a key no request to STS carries, whoever calls (`aws:PrincipleOrgID`,
    /// `s3:prefix`): [`crate::contexts::never_sent`].
    KeyNeverSent {
        principal: &'p str,
        condition: &'p Condition<'p>,
        unsent: UnsentKey,
    },
    /// `condition` compares a `*` literally (`StringEquals … sub repo:acme/*`) where no value the
    /// provider (`sender`) sends has one: meant as `StringLike`, it matches no token.
    LiteralWildcard {
        principal: &'p str,
        sender: &'p str,
        condition: &'p Condition<'p>,
    },
    /// A Deny covers every principal and action of this Allow, unconditionally or with a
    /// condition on a source key (`unsent`) that holds for callers who never send it.
    /// `literal`: the Deny does so only for a variable IAM reads as text before 2012-10-17
    /// ([`denies_by_literal_variable`]). `organization`: its condition on an organization key
    /// that holds for every request, as no organization has its values
    /// ([`crate::organizations::holds_for_every_request`]). `other_kind`: its negated condition
    /// on `aws:SourceArn` that names no ARN the Allow's one service sends ([`sends_none_of`]),
    /// with that service.
    DeniedForEveryone {
        deny: usize,
        unsent: Option<&'p str>,
        literal: bool,
        organization: Option<&'p Condition<'p>>,
        other_kind: Option<(&'p Condition<'p>, &'p str)>,
        /// Its condition on a key the caller sets that every value STS takes meets
        /// (`StringNotLike sts:RoleSessionName "ci session*"`: [`crate::evaluate::caller_choices`]).
        caller_set: Option<&'p Condition<'p>>,
        /// Its condition, holding where the key is missing, on a token's claim or a SAML
        /// attribute, which the Allow's services never send (an IRSA subject left beside Pod
        /// Identity): with the services it names, whether the Deny names no one else.
        unsent_claim: Option<UnsentClaim<'p>>,
        /// Its negated condition on a Pod Identity tag with values no pod has
        /// ([`crate::pods::holds_for_every_session`]).
        pod_tag: Option<(&'p Condition<'p>, crate::pods::PodTag)>,
        /// Its `NotIpAddress aws:SourceIp` of private ranges only, which holds for every request
        /// ([`crate::evaluate::private_source_ip`]).
        private_ip: Option<&'p Condition<'p>>,
        /// Its negated condition on `aws:PrincipalArn` whose exceptions are none of the Allow's
        /// callers' ARNs (a role's session's, which the key never holds: [`excepts_none_of`]).
        arn_exception: Option<&'p Condition<'p>>,
        /// Its negated condition on `aws:PrincipalType` whose exceptions are none of the Allow's
        /// callers' types (`StringNotEquals … Role`: [`names_no_caller_type`]).
        principal_type: Option<&'p Condition<'p>>,
        /// Its negated condition on a token's claim whose exceptions no token of the Allow's
        /// providers has (`StringNotLike …:sub repo:acme/app:ref:main`: [`excepts_no_token`]), with
        /// why, and the first provider's URL.
        claim_exception: Option<(&'p Condition<'p>, ExceptionSlip, &'p str)>,
        /// Its condition on another issuer's claim (a sibling cluster's `…/id/OTHER:sub`), which
        /// no token of the Allow's one provider carries, holding where the key is missing: with
        /// that provider.
        other_issuer: Option<(&'p Condition<'p>, &'p str)>,
    },
    /// A Deny covers the callers of this one principal, whatever else the statement names.
    DeniedFor {
        principal: &'p str,
        deny: usize,
        /// The Deny's negated condition on a token's claim that excepts no token of this
        /// provider ([`first_claim_exception`]), with why.
        claim_exception: Option<(&'p Condition<'p>, ExceptionSlip)>,
    },
    /// `condition` asks for a key that no request that gets in carries: a source identity or
    /// session tags, when no statement allows `action`.
    Unsendable {
        principal: &'p str,
        condition: &'p Condition<'p>,
        action: SessionAction,
    },
    /// IAM Roles Anywhere sets a source identity and session tags on every session it asks for,
    /// and no statement allows `action`: IAM refuses each request.
    SessionActionMissing { principal: &'p str, action: SessionAction },
    /// `condition` on `aws:PrincipalAccount` admits no caller of the principal: every one of them
    /// is of `account`.
    OtherAccount {
        principal: &'p str,
        account: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` asks `aws:PrincipalArn` for ARNs no caller that can assume a role has (a role's
    /// sessions, a root, a federated user: [`crate::pattern::names_no_assuming_caller`]): it
    /// holds the calling role's or user's own ARN.
    NoCallerArn {
        principal: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` asks `aws:PrincipalArn` for IAM Identity Center's roles without the path they
    /// are under (`role/AWSReservedSSO_…`: [`identity_center_path_left_out`]).
    IdentityCenterPath {
        principal: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` asks `aws:PrincipalArn` for ARNs of another partition than the role's
    /// ([`principal_arn_of_another_partition`]): IAM takes no principal of another partition.
    OtherPartitionArn {
        principal: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` asks for an AWS service as the caller (`Bool aws:PrincipalIsAWSService true`)
    /// of an AWS principal, whose callers are IAM users and roles ([`asks_for_a_service`]).
    AsksForAService {
        principal: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` asks `aws:PrincipalType` for types no caller that can assume a role has
    /// (`Role`, `IAMUser`, `Account`: [`principal_type_excludes_callers_of`]).
    NoCallerType {
        principal: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` asks `aws:SourceIp` for private ranges only ([`private_source_ip`]).
    PrivateSourceIp { condition: &'p Condition<'p> },
    /// An OIDC provider of `account`, not the role's: STS looks a token's issuer up among the
    /// role's account's providers, whose ARN is what the request's principal is.
    ProviderOfAnotherAccount { principal: &'p str, account: &'p str },
    /// The service principal is no service's: a slip for `meant` ([`crate::services::service_meant`]).
    NoSuchService { principal: &'p str, meant: &'static str },
    /// A service's name in the China Regions (`ec2.amazonaws.com.cn`) in a role of another
    /// partition, where the service assumes roles under its global name.
    ChinaServiceName { principal: &'p str },
    /// `condition` asks `aws:PrincipalArn` for the ARNs of other roles or users than any the
    /// principal names ([`principal_arn_names_another`]).
    AnotherCallerArn {
        principal: &'p str,
        condition: &'p Condition<'p>,
    },
    /// `condition` compares `sts:ExternalId` or `sts:RoleSessionName` with values STS takes as
    /// none (`"*"` under `StringEquals`, a space): no request of any caller meets it
    /// ([`crate::evaluate::CallerSet`]).
    NoValueStsTakes { condition: &'p Condition<'p> },
    /// `condition` compares an organization key with values no organization id or path is
    /// ([`crate::organizations::organization_none_has`]): no request of any caller meets it.
    NoSuchOrganization { condition: &'p Condition<'p> },
    /// Each value of `condition` holds `parameter`, a CloudFormation pseudo parameter left as
    /// written (`${AWS::AccountId}` without `Fn::Sub`): a variable no request has, which no
    /// value equals or is like.
    UnsubstitutedParameter {
        condition: &'p Condition<'p>,
        parameter: &'p str,
    },
    /// Each value of `condition` holds a policy variable (`${aws:ResourceAccount}`) that IAM reads
    /// as text under `2008-10-17` or without a `Version`, and no value AWS fills from the caller
    /// has that text.
    LiteralVariable { condition: &'p Condition<'p> },
    /// No token of the provider (`sender`) has a claim `condition` asks for: every one of them
    /// has it in `shape`, which no value of `condition` is ([`claim_no_token_has`]).
    NoTokenHas {
        principal: &'p str,
        sender: &'p str,
        condition: &'p Condition<'p>,
        shape: ClaimShape,
    },
    /// No session EKS Pod Identity asks for has a value of its session tag `tag` that
    /// `condition` asks for ([`crate::pods::tag_none_has`]).
    NoPodSessionHas {
        principal: &'p str,
        condition: &'p Condition<'p>,
        tag: crate::pods::PodTag,
    },
    /// No ARN the service sends as `aws:SourceArn` meets `condition`, for `why`.
    SourceNeverMatches {
        principal: &'p str,
        condition: &'p Condition<'p>,
        why: SourceMismatch,
    },
}

/// Why no resource's ARN can meet an `aws:SourceArn` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceMismatch {
    /// The value is no ARN (`ArnLike aws:SourceArn 111122223333`).
    NotAnArn,
    /// `StringEquals` compares a `*` or `?` literally where no ARN has one (its partition,
    /// service, region or account).
    LiteralWildcard,
    /// The same in the resource's name, of a service whose names never hold one
    /// ([`names_without_wildcards`]).
    LiteralWildcardInName,
    /// The same in a resource part of wildcards alone (`…:datasync:us-east-1:111122223333:*`),
    /// which is no resource's name, whichever the service.
    WildcardsAlone,
    /// The ARN's account is none of the statement's `aws:SourceAccount`: AWS sends the account
    /// of the resource whose ARN it sends.
    OtherAccount,
    /// The ARN's partition is not the role's: a service sends its own partition's ARNs.
    OtherPartition,
    /// The ARN's account is no account id (`11112222333`, `ACCOUNT_ID`): a resource's ARN holds
    /// its account's 12-digit id, or none.
    AccountNotAnId,
    /// An `aws:SourceAccount` value is no account id (`"123456789012:"`).
    NotAnAccount,
    /// The value names another kind of resource than the only one the service sends
    /// ([`crate::services::source_arn_kind`]): a Scheduler schedule, not its group.
    OtherKind,
}

impl Dead<'_> {
    /// The principal this is about, or `None` for the whole statement.
    pub fn principal(&self) -> Option<&str> {
        match self {
            Dead::WrongAction { principal, .. }
            | Dead::FederatedUser { principal }
            | Dead::NoSuchService { principal, .. }
            | Dead::ChinaServiceName { principal }
            | Dead::ProviderOfAnotherAccount { principal, .. } => Some(principal),
            Dead::NeverSent { principal, .. }
            | Dead::KeyNeverSent { principal, .. }
            | Dead::LiteralWildcard { principal, .. }
            | Dead::DeniedFor { principal, .. }
            | Dead::Unsendable { principal, .. }
            | Dead::SessionActionMissing { principal, .. }
            | Dead::OtherAccount { principal, .. }
            | Dead::NoCallerArn { principal, .. }
            | Dead::OtherPartitionArn { principal, .. }
            | Dead::AsksForAService { principal, .. }
            | Dead::NoCallerType { principal, .. }
            | Dead::IdentityCenterPath { principal, .. }
            | Dead::AnotherCallerArn { principal, .. }
            | Dead::NoTokenHas { principal, .. }
            | Dead::NoPodSessionHas { principal, .. }
            | Dead::SourceNeverMatches { principal, .. } => Some(principal),
            Dead::DeniedForEveryone { .. }
            | Dead::PrivateSourceIp { .. }
            | Dead::NoValueStsTakes { .. }
            | Dead::NoSuchOrganization { .. }
            | Dead::UnsubstitutedParameter { .. }
            | Dead::LiteralVariable { .. } => None,
        }
    }
}

/// A Deny's condition on a token's claim or a SAML attribute that holds where the key is missing,
/// of an Allow of services alone, none of which sends it ([`Dead::DeniedForEveryone`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnsentClaim<'p> {
    pub condition: &'p Condition<'p>,
    /// The Deny names those services and no one else: it guards nobody but them.
    pub theirs_alone: bool,
    /// The Deny's every condition is such a claim: it stops every request of theirs.
    pub claims_only: bool,
}

/// Whether Deny condition `c` holds for every request of each of `services`: one on a token's
/// claim or a SAML attribute, which they never send, under an operator that holds where the key
/// is missing.
pub(crate) fn holds_for_unsent_claim<P: AsRef<str>>(c: &Condition, services: &[P]) -> bool {
    matches!(c.operator, Operator::Known { base, set, if_exists }
        if missing_key(base, set, if_exists, &c.values) == Tri::True)
        && services
            .iter()
            .all(|p| crate::contexts::is_federation_key_of_another(&c.key, p.as_ref()))
}

/// The [`UnsentClaim`] of Deny `d` over the Allow `s`, if any.
fn unsent_claim<'p>(s: &Statement, d: &'p Statement<'p>) -> Option<UnsentClaim<'p>> {
    let services = &s.principals.service;
    if s.principals.negated || services.is_empty() || s.principals.entries().count() != services.len() {
        return None;
    }
    let claims = || d.conditions.iter().filter(|c| holds_for_unsent_claim(c, services));
    // Of several, the one that says whom the Deny spared: an IRSA subject's, not its audience.
    let subject = claims().find(|c| {
        c.key
            .rsplit_once(':')
            .is_some_and(|(_, claim)| claim.eq_ignore_ascii_case("sub"))
    });
    let condition = subject.or_else(|| claims().next())?;
    let theirs_alone = !d.principals.negated
        && !d.principals.bare_wildcard
        && (d.principals.entries()).all(|(kind, p)| kind == PrincipalKind::Service && services.iter().any(|s| s == p));
    Some(UnsentClaim {
        condition,
        theirs_alone,
        claims_only: claims().count() == d.conditions.len(),
    })
}

/// Whether `condition` of `s` shuts `service` out by asking for a key it never sends
/// (`aws:SourceAccount` of EC2, `aws:PrincipalOrgID` of any service), or for a call through
/// another service (`aws:ViaAWSService`): a scope meant for it, not a choice of whom to let in,
/// which the suggested policy drops to let the service in as the statement meant.
pub(crate) fn never_sent_by_service(s: &Statement, service: &str, condition: &Condition, subject: &Subject) -> bool {
    let ctx = subject.service_context(service).for_source_in(&s.conditions);
    // The role's own tag is the owner's gate (one `iam:TagRole` opens it), not a key of the
    // service's: it stays.
    s.principals.service.iter().any(|p| p == service)
        && !crate::contexts::is_role_own_key(&condition.key)
        && (matches!(ctx.condition_value(&condition.key), KeyValue::Absent)
            || condition.key.eq_ignore_ascii_case("aws:ViaAWSService"))
}

/// What in statement `index` can never apply: the principals it can't serve, or the whole
/// statement. Empty for a statement that can apply to each of its principals.
pub(crate) fn never_applies<'p>(policy: &'p Policy, index: usize, subject: &Subject) -> Vec<Dead<'p>> {
    let s = &policy.statements[index];
    if s.effect != Effect::Allow || !covers_any_assume(&s.actions) {
        // A Deny never grants, but one of a service with a slip in its name stops nobody (its
        // author meant to stop the service: the Allow lets in more than meant). A statement
        // without an assume action is a companion (sts:TagSession) of one that grants it; a
        // service granted session actions alone, by no statement sts:AssumeRole, never gets in
        // (Lambda's and Lambda@Edge's own checks say so of them).
        if s.effect != Effect::Deny {
            // Granted by a statement that names it, or may (a service a template leaves open, a
            // wildcard, `"*"` or `{"AWS": "*"}`, which services are not known to be kept out of).
            let assumes = |service: &str| {
                (policy.statements.iter()).any(|other| {
                    let may_name = |p: &str| p == service || is_opaque(p) || has_wildcard(p);
                    other.effect == Effect::Allow
                        && covers(&other.actions, ASSUME_ROLE)
                        && (other.principals.bare_wildcard
                            || other.principals.negated
                            || other.principals.service.iter().any(|p| may_name(p))
                            || other.principals.aws.iter().any(|p| p == "*"))
                })
            };
            return (s.principals.service.iter())
                .filter(|_| s.effect == Effect::Allow && !s.principals.negated)
                .filter(|p| !judged_by_its_own_check(p, subject))
                .filter(|p| !is_opaque(p) && !has_wildcard(p) && !assumes(p))
                .map(|principal| Dead::WrongAction {
                    principal,
                    needs: ASSUME_ROLE,
                })
                .collect();
        }
        let slipped_services = (s.principals.service.iter())
            .filter(|_| !subject.proposed)
            .filter_map(|p| crate::services::service_meant(p).map(|meant| Dead::NoSuchService { principal: p, meant }));
        // Nor does one of a provider whose condition asks for a subject no token has
        // (`repo:acme/app:ref:feature/*`): the Allows let in what it was to stop.
        let subject_none_has = (s.principals.federated.iter()).filter_map(|provider| {
            let host = oidc_host(provider);
            (s.conditions.iter()).find_map(|c| {
                claim_no_token_has(&host, c).map(|shape| Dead::NoTokenHas {
                    principal: provider,
                    sender: oidc_url(provider),
                    condition: c,
                    shape,
                })
            })
        });
        let mut dead: Vec<Dead> = slipped_services.chain(subject_none_has).collect();
        // Nor does one that needs a key no request carries (`Bool MultiFactorAuthPresent false`,
        // written without `aws:`): the guard its author meant stops nobody. A slip only where
        // the key meant is clear; renamed, a Deny stops more, never less.
        let guard_never_met = needs_key_never_sent(s)
            .filter(|(_, unsent)| !s.principals.negated && (unsent.is_certain() || unsent.meant().is_some()));
        if let Some((condition, unsent)) = guard_never_met {
            for (_, principal) in s.principals.entries() {
                if !dead.iter().any(|d| d.principal() == Some(principal)) {
                    dead.push(Dead::KeyNeverSent {
                        principal,
                        condition,
                        unsent,
                    });
                }
            }
        }
        // Nor, for a provider's callers, one that needs what their requests never carry (`Bool
        // aws:MultiFactorAuthPresent false`: a federated sign-in signs with no AWS credentials).
        let hosts = ProviderHosts::of(&s.principals.federated);
        for provider in (s.principals.federated.iter()).filter(|_| !s.principals.negated) {
            let host = &oidc_host(provider);
            let condition = (s.conditions.iter()).find(|c| never_carried(host, c, &hosts));
            if let Some(condition) = condition.filter(|_| !dead.iter().any(|d| d.principal() == Some(provider))) {
                dead.push(Dead::NeverSent {
                    principal: provider,
                    sender: oidc_url(provider),
                    condition,
                });
            }
        }
        return dead;
    }
    // Lambda's own checks say more about Lambda (LAMBDA_TRUST_DENIED, LAMBDA_TRUST_CONDITION_BLOCKS).
    let lambda_only = s.principals.entries().all(|(_, p)| p == LAMBDA);
    if let Some(deny) = (!lambda_only).then(|| covering_deny(policy, s, subject)).flatten() {
        let conditions = &policy.statements[deny].conditions;
        // A source key none of its callers sends, or a signer's key of a federated sign-in's,
        // which signs with no AWS credentials (`BoolIfExists aws:MultiFactorAuthPresent false`).
        let unsent = (conditions.iter())
            .find(|c| is_source_key(&c.key) || crate::contexts::never_sent(&c.key).is_some_and(UnsentKey::is_certain))
            .or_else(|| {
                (federated_only(s))
                    .then(|| conditions.iter().find(|c| crate::contexts::is_signer_key(&c.key)))
                    .flatten()
            });
        return vec![Dead::DeniedForEveryone {
            deny,
            unsent: unsent.map(|c| c.key.as_ref()),
            literal: denies_by_literal_variable(policy, deny),
            // Said only where the Allow's callers may be in an organization: a service's never
            // is, and the Deny stops it whatever the id.
            organization: (s.principals.negated || !s.principals.aws.is_empty())
                .then(|| (conditions.iter()).find(|c| crate::organizations::holds_for_every_request(c)))
                .flatten(),
            other_kind: match (
                s.principals.negated,
                s.principals.entries().next(),
                s.principals.entries().nth(1),
            ) {
                (false, Some((PrincipalKind::Service, service)), None) => (conditions.iter())
                    .find(|c| c.operator.is_negated() && sends_none_of(c, service))
                    .map(|c| (c, service)),
                _ => None,
            },
            caller_set: (conditions.iter())
                .find(|c| crate::evaluate::caller_choices(c).is_some_and(|choices| choices.all_meet)),
            unsent_claim: unsent_claim(s, &policy.statements[deny]),
            pod_tag: (s.principals.service.iter().all(|p| p == POD_IDENTITY) && !s.principals.service.is_empty())
                .then(|| (conditions.iter()).find_map(crate::pods::tag_every_session_meets))
                .flatten(),
            private_ip: (conditions.iter()).find(|c| crate::evaluate::private_source_ip(c) == Some(true)),
            arn_exception: (!s.principals.negated && !s.principals.aws.is_empty())
                .then(|| {
                    (conditions.iter()).find(|c| {
                        (s.principals.entries())
                            .all(|(kind, p)| kind == PrincipalKind::Aws && excepts_none_of(c, p, subject))
                    })
                })
                .flatten(),
            principal_type: (conditions.iter()).find(|c| {
                c.operator.is_negated()
                    && !s.principals.negated
                    && !s.principals.aws.is_empty()
                    && (s.principals.entries())
                        .all(|(kind, p)| kind == PrincipalKind::Aws && names_no_caller_type(c, caller_types_of(p)))
            }),
            other_issuer: match (
                s.principals.negated,
                s.principals.entries().next(),
                s.principals.entries().nth(1),
            ) {
                (false, Some((PrincipalKind::Federated, provider)), None) => (conditions.iter())
                    .find(|c| crate::checks::holds_for_another_issuers_key(&oidc_host(provider), c))
                    .map(|c| (c, provider)),
                _ => None,
            },
            claim_exception: match s.principals.federated.first() {
                Some(provider) if federated_only(s) => first_claim_exception(&policy.statements[deny], provider)
                    .filter(|(c, _)| (s.principals.federated.iter()).all(|p| excepts_no_token(c, p).is_some()))
                    .map(|(c, slip)| (c, slip, oidc_url(provider))),
                _ => None,
            },
        }];
    }
    // Not for Lambda, nor Lambda@Edge for a role CloudFront runs at the edge: their own checks
    // say it (LAMBDA_TRUST_CONDITION_BLOCKS, LAMBDA_EDGE_TRUST_MISSING).
    let judged_elsewhere = || (s.principals.entries()).all(|(_, p)| judged_by_its_own_check(p, subject));
    if let Some(condition) = unmeetable_caller_value(s).filter(|_| !judged_elsewhere()) {
        return vec![Dead::NoValueStsTakes { condition }];
    }
    if let Some((condition, parameter)) = unsubstituted_parameter(s, policy.version).filter(|_| !judged_elsewhere()) {
        return vec![Dead::UnsubstitutedParameter { condition, parameter }];
    }
    // After the pseudo parameters (above), which keep their Fn::Sub fix.
    if let Some(condition) = literal_variable(s, policy.version).filter(|_| !judged_elsewhere()) {
        return vec![Dead::LiteralVariable { condition }];
    }
    if let Some(condition) = crate::organizations::organization_none_has(s).filter(|_| !judged_elsewhere()) {
        return vec![Dead::NoSuchOrganization { condition }];
    }
    // A wildcard narrowed so is TRUST_PUBLIC_CONDITIONED's to say, as other conditions that keep
    // every stranger out.
    let names_anyone =
        || s.principals.bare_wildcard || s.principals.negated || s.principals.entries().any(|(_, p)| has_wildcard(p));
    if let Some(condition) = private_source_ip(s).filter(|_| !judged_elsewhere() && !names_anyone()) {
        return vec![Dead::PrivateSourceIp { condition }];
    }
    if s.principals.negated {
        return Vec::new();
    }
    let mut dead = Vec::new();
    for (kind, principal) in s.principals.entries() {
        // A value the template doesn't determine may be either kind of provider; a wildcard is
        // everyone, whichever way they come.
        if is_opaque(principal) || has_wildcard(principal) {
            continue;
        }
        if kind == PrincipalKind::Aws && is_federated_user(principal) {
            dead.push(Dead::FederatedUser { principal });
            continue;
        }
        let Some(needs) = action_needed_by(kind, principal) else {
            continue;
        };
        // A provider IAM refuses (`*`, a role's ARN) has no way in to judge: TRUST_POLICY_INVALID.
        if !covers(&s.actions, needs) && (kind != PrincipalKind::Federated || may_name_provider(principal)) {
            dead.push(Dead::WrongAction { principal, needs });
        }
    }
    // Lambda@Edge's own check says more of a role CloudFront runs at the edge
    // (LAMBDA_EDGE_TRUST_MISSING), as Lambda's does of Lambda.
    for service in (s.principals.service.iter()).filter(|p| !judged_by_its_own_check(p, subject)) {
        if dead.iter().any(|d| d.principal() == Some(service)) {
            continue;
        }
        // A stored role's (IAM checks a new one's services: TRUST_POLICY_INVALID says it).
        if let Some(meant) = crate::services::service_meant(service).filter(|_| !subject.proposed) {
            dead.push(Dead::NoSuchService {
                principal: service,
                meant,
            });
            continue;
        }
        // China's name of a service, in a role known to be of another partition (not one IAM
        // refuses in any, which TRUST_POLICY_INVALID says; nor beside the global name, as a
        // template for every partition lists both).
        let other_partition = subject.partition_for_sure().is_some_and(|p| p != "aws-cn");
        let refused = || crate::services::service_meant(service).is_some();
        let beside_global = || {
            let global = global_service_name(service);
            (policy.statements.iter())
                .filter(|other| other.effect == Effect::Allow)
                .any(|other| other.principals.service.iter().any(|p| *p == global))
        };
        if other_partition && service.ends_with(".amazonaws.com.cn") && !refused() && !beside_global() {
            dead.push(Dead::ChinaServiceName { principal: service });
            continue;
        }
        let ctx = subject.service_context(service).for_source_in(&s.conditions);
        if let Some(first) = first_false_condition(s, &ctx, policy.version) {
            // Of an IRSA trust moved to Pod Identity, its subject (false too): the fix names
            // the tags that ask for the same service account.
            let irsa_subject = || (s.conditions.iter()).find(|c| crate::pods::irsa_subject_as_tags(c).is_some());
            let condition = match *service == POD_IDENTITY {
                true => irsa_subject().unwrap_or(first),
                false => first,
            };
            dead.push(Dead::NeverSent {
                principal: service,
                sender: service,
                condition,
            });
        } else if let Some((condition, why)) = source_never_matches(s, subject) {
            dead.push(Dead::SourceNeverMatches {
                principal: service,
                condition,
                why,
            });
        } else if let Some(condition) = source_of_another_kind(s, service) {
            dead.push(Dead::SourceNeverMatches {
                principal: service,
                condition,
                why: SourceMismatch::OtherKind,
            });
        } else if let Some((condition, tag)) = (*service == POD_IDENTITY)
            .then(|| crate::pods::tag_none_has(s))
            .flatten()
        {
            dead.push(Dead::NoPodSessionHas {
                principal: service,
                condition,
                tag,
            });
        }
    }
    // The account every caller of an AWS principal is of, which `aws:PrincipalAccount` holds.
    for principal in s.principals.aws.iter() {
        let Some((account, condition)) = principal_account_excludes(s, principal) else {
            continue;
        };
        if !dead.iter().any(|d| d.principal() == Some(principal)) {
            dead.push(Dead::OtherAccount {
                principal,
                account,
                condition,
            });
        }
    }
    // Whoever an AWS principal names calls as a role or a user, whose own ARN `aws:PrincipalArn`
    // holds and whose type `aws:PrincipalType` is: a condition asking for a session's, a root's or
    // a federated user's ARN, for Identity Center's roles without their path, or for another type
    // (`Role`) lets none in; so does a pattern of their ARNs compared as written (`StringEquals
    // aws:PrincipalArn …:role/ci-*`: IAM's role and user names take no `*` or `?`; a path may).
    // They judge `{"AWS": "*"}` too ([`wildcard_kept_to_no_caller`]).
    type NoCaller<'p> = (
        fn(&'p Statement<'p>, &str) -> Option<&'p Condition<'p>>,
        fn(&'p str, &'p Condition<'p>) -> Dead<'p>,
    );
    let no_caller: [NoCaller<'p>; 5] = [
        (
            |s, _| principal_arn_excludes_every_caller(s),
            |principal, condition| Dead::NoCallerArn { principal, condition },
        ),
        (
            |s, _| identity_center_path_left_out(s),
            |principal, condition| Dead::IdentityCenterPath { principal, condition },
        ),
        (principal_type_excludes_callers_of, |principal, condition| {
            Dead::NoCallerType { principal, condition }
        }),
        (
            |s, p| if p == "*" { None } else { asks_for_a_service(s) },
            |principal, condition| Dead::AsksForAService { principal, condition },
        ),
        (
            |s, _| principal_arn_taken_literally(s),
            |principal, condition| Dead::LiteralWildcard {
                principal,
                sender: principal,
                condition,
            },
        ),
    ];
    let signed_wildcard = |p: &str| p == "*" && signs_alone(s);
    // Most statements ask neither key: told by one pass over the conditions.
    let asks_the_caller = || {
        (s.conditions.iter()).any(|c| {
            ["aws:PrincipalArn", "aws:PrincipalType", "aws:PrincipalIsAWSService"]
                .iter()
                .any(|key| c.key.eq_ignore_ascii_case(key))
        })
    };
    for (find, dead_as) in no_caller
        .into_iter()
        .filter(|_| !s.principals.aws.is_empty() && asks_the_caller())
    {
        for principal in (s.principals.aws.iter()).filter(|p| !has_wildcard(p) || signed_wildcard(p)) {
            if dead.iter().any(|d| d.principal() == Some(principal)) {
                continue;
            }
            if let Some(condition) = find(s, principal) {
                dead.push(dead_as(principal, condition));
            }
        }
    }
    // A wildcard's callers asked to be of another partition: a named principal's are asked to be
    // others than it names (below).
    if let Some(condition) = (s.principals.aws.iter().any(|p| signed_wildcard(p)))
        .then(|| principal_arn_of_another_partition(s, subject.partition_for_sure()))
        .flatten()
    {
        for principal in (s.principals.aws.iter()).filter(|p| signed_wildcard(p)) {
            if !dead.iter().any(|d| d.principal() == Some(principal)) {
                dead.push(Dead::OtherPartitionArn { principal, condition });
            }
        }
    }
    // The role or user an AWS principal names, or its account's, asked to be another.
    for principal in s.principals.aws.iter() {
        if dead.iter().any(|d| d.principal() == Some(principal)) {
            continue;
        }
        if let Some(condition) = principal_arn_names_another(s, principal, subject) {
            dead.push(Dead::AnotherCallerArn { principal, condition });
        }
    }
    // IAM users and roles, and accounts' principals, call sts:AssumeRole themselves: no service
    // acts for a resource of theirs, so they send no source key, nor an assertion's `SAML:aud`
    // (a SAML session of theirs carries three other keys), and a condition that needs one lets
    // none of them in.
    if let Some(condition) = (!s.principals.aws.is_empty())
        .then(|| needs_key_principals_never_send(s))
        .flatten()
    {
        // A value a template leaves open is an account or an ARN too (not `*`, which may stand
        // for a stranger through a service of theirs: TRUST_PUBLIC's model).
        let named = (s.principals.aws.iter()).filter(|p| !has_wildcard(p));
        for principal in named {
            if !dead.iter().any(|d| d.principal() == Some(principal)) {
                dead.push(Dead::NeverSent {
                    principal,
                    sender: principal,
                    condition,
                });
            }
        }
    }
    // A key no request to STS carries, whoever calls (`aws:PrincipleOrgID`, `s3:prefix`): a
    // condition that needs it lets nobody in, a stranger through `*` no more than one named.
    // A service may send keys of its own (`glue:RoleAssumedBy`), so only one in no request for
    // sure (`SourceArn`, written without `aws:`) is said of it; Lambda's own checks judge Lambda.
    if let Some((condition, unsent)) = needs_key_never_sent(s).filter(|_| !s.principals.negated) {
        let services = (s.principals.service.iter())
            .filter(|p| unsent.is_certain() && !judged_by_its_own_check(p, subject) && !is_opaque(p));
        let callers = (s.principals.aws.iter())
            .chain(&s.principals.federated)
            .chain(&s.principals.canonical_user)
            .chain(services);
        // A slip or a service's key is only likely no key: a wildcard's strangers are taken to
        // send it (fail closed). A slip is said where the key meant is clear and one the
        // principal sends (not `aws:SourceAcount` of an account's).
        let named = |p: &&Cow<str>| match unsent {
            _ if unsent.is_certain() => true,
            UnsentKey::Slip(meant) if meant.is_none_or(is_source_key) => false,
            _ => !has_wildcard(p) && !is_opaque(p),
        };
        for principal in callers.filter(named) {
            if !dead.iter().any(|d| d.principal() == Some(principal)) {
                dead.push(Dead::KeyNeverSent {
                    principal,
                    condition,
                    unsent,
                });
            }
        }
    }
    // Lambda is judged by its functions (LAMBDA_TRUST_CONDITION_BLOCKS); with none known, a
    // source ARN no function has is said here.
    if let Some(lambda) = s.principals.service.iter().find(|p| *p == LAMBDA) {
        if subject.functions.is_empty() {
            // With the role's account known, Lambda's check judges `aws:SourceAccount` by it.
            let judged_by_lambda = |why| why == SourceMismatch::NotAnAccount && subject.account.is_some();
            if let Some((condition, why)) = source_never_matches(s, subject).filter(|(_, why)| !judged_by_lambda(*why))
            {
                dead.push(Dead::SourceNeverMatches {
                    principal: lambda,
                    condition,
                    why,
                });
            }
        }
    }
    // Roles Anywhere needs sts:SetSourceIdentity and sts:TagSession besides sts:AssumeRole (its
    // trust model says the trust policy must grant all three): the certificate's common name is
    // the session's source identity, its fields the session's tags.
    if let Some(service) = s.principals.service.iter().find(|p| *p == ROLES_ANYWHERE) {
        let missing = [SessionAction::SetSourceIdentity, SessionAction::TagSession]
            .into_iter()
            .find(|action| !allows_session_action_to(policy, *action, s, Some((PrincipalKind::Service, service))));
        if let Some(action) = missing.filter(|_| !dead.iter().any(|d| d.principal() == Some(service))) {
            dead.push(Dead::SessionActionMissing {
                principal: service,
                action,
            });
        }
    }
    if let Some((condition, action)) = asks_for_unsendable_key(policy, s) {
        // A provider's token or assertion, or a service, that carries tags or a source identity
        // is refused the same way, and one that carries none leaves the key missing. Lambda's
        // own checks say more about Lambda.
        let services = (s.principals.service.iter()).filter(|p| !judged_by_its_own_check(p, subject));
        // A provider that can't send the key is refused whatever the actions (below).
        let providers = (s.principals.federated.iter())
            .filter(|p| !crate::checks::asks_for_claim_never_sent(&oidc_host(p), condition));
        for principal in s.principals.aws.iter().chain(providers).chain(services) {
            if !dead.iter().any(|d| d.principal() == Some(principal)) {
                dead.push(Dead::Unsendable {
                    principal,
                    condition,
                    action,
                });
            }
        }
    }
    let hosts = ProviderHosts::of(&s.principals.federated);
    for provider in &s.principals.federated {
        let host = &oidc_host(provider);
        if dead.iter().any(|d| d.principal() == Some(provider)) {
            continue;
        }
        if let Some(account) = oidc_provider_of_another_account(provider, subject) {
            dead.push(Dead::ProviderOfAnotherAccount {
                principal: provider,
                account,
            });
            continue;
        }
        // The conditions first: most statements ask nothing of SAML:aud or SAML:doc.
        let assertion_lacks = (s.conditions.iter())
            .find(|c| is_saml_recipient_none_has(c))
            .map(|c| (c, ClaimShape::SamlRecipient))
            .or_else(|| {
                (s.conditions.iter())
                    .find(|c| saml_doc_of_another(provider, c))
                    .map(|c| (c, ClaimShape::SamlDoc))
            })
            .or_else(|| {
                (s.conditions.iter())
                    .find(|c| is_saml_sub_type_none_has(c))
                    .map(|c| (c, ClaimShape::SamlSubType))
            })
            .filter(|_| is_saml_provider(provider));
        if let Some((condition, shape)) = assertion_lacks {
            dead.push(Dead::NoTokenHas {
                principal: provider,
                sender: provider,
                condition,
                shape,
            });
            continue;
        }
        // A claim the provider never sends, or another provider's (another EKS cluster's issuer).
        if let Some(condition) = (s.conditions.iter()).find(|c| never_carried(host, c, &hosts)) {
            dead.push(Dead::NeverSent {
                principal: provider,
                sender: oidc_url(provider),
                condition,
            });
        } else if let Some(condition) = s.conditions.iter().find(|c| wildcard_taken_literally(host, c)) {
            dead.push(Dead::LiteralWildcard {
                principal: provider,
                sender: oidc_url(provider),
                condition,
            });
        } else if let Some((condition, shape)) =
            (s.conditions.iter()).find_map(|c| claim_no_token_has(host, c).map(|shape| (c, shape)))
        {
            dead.push(Dead::NoTokenHas {
                principal: provider,
                sender: oidc_url(provider),
                condition,
                shape,
            });
        }
    }
    // A Deny of some of its principals (a provider's kill switch beside a deployer role).
    // Lambda's own checks say more about Lambda.
    if policy.statements.iter().any(|d| d.effect == Effect::Deny) {
        for (kind, principal) in s.principals.entries().filter(|(_, p)| *p != LAMBDA) {
            if dead.iter().any(|d| d.principal() == Some(principal)) {
                continue;
            }
            if let Some(deny) = covering_deny_for(policy, s, Some((kind, principal)), subject) {
                let claim_exception = match kind {
                    PrincipalKind::Federated => first_claim_exception(&policy.statements[deny], principal),
                    _ => None,
                };
                dead.push(Dead::DeniedFor {
                    principal,
                    deny,
                    claim_exception,
                });
            }
        }
    }
    dead
}

/// Whether statement `s` names identity providers alone, whose callers sign with no AWS
/// credentials.
pub(crate) fn federated_only(s: &Statement) -> bool {
    !s.principals.negated
        && !s.principals.federated.is_empty()
        && s.principals.entries().all(|(kind, _)| kind == PrincipalKind::Federated)
}

/// The account of AWS principal `p` and a condition of `s` on `aws:PrincipalAccount` that admits
/// none of its callers: an account's root, user or role (or its id) names principals of that one
/// account, whose id every signed request carries in that key.
pub(crate) fn principal_account_excludes<'s, 'p>(
    s: &'s Statement<'p>,
    p: &'s str,
) -> Option<(&'s str, &'s Condition<'p>)> {
    use crate::policy::BaseOperator::{
        NumericEquals, NumericNotEquals, StringEquals, StringEqualsIgnoreCase, StringLike, StringNotEquals,
        StringNotEqualsIgnoreCase, StringNotLike,
    };
    let on_key = |c: &Condition| c.key.eq_ignore_ascii_case("aws:PrincipalAccount");
    // Most statements have none: told before the principal is read.
    if !s.conditions.iter().any(on_key) {
        return None;
    }
    let account = crate::checks::aws_principal_account(p)?;
    // Every signed request carries the key, with one value: `…IfExists` and a set qualifier read
    // as the plain operator.
    let excludes = |c: &Condition| {
        let Operator::Known { base, .. } = c.operator else {
            return false;
        };
        let literal = |v: &str| !has_variable(v) && !holds_opaque(v);
        let like = matches!(base, StringLike | StringNotLike);
        let matches = |v: &str| literal(v) && if like { glob(v, account, false) } else { v == account };
        // Compared as numbers, an account id is one whatever zeros lead it; a value that is no
        // number is not judged.
        let number = |v: &str| crate::pattern::account_as_number(v).filter(|_| literal(v));
        let same_number = |v: &str| number(v).is_some_and(|n| n == account);
        let ours = match base {
            StringEquals | StringEqualsIgnoreCase | StringLike => c.values.iter().all(|v| literal(v) && !matches(v)),
            StringNotEquals | StringNotEqualsIgnoreCase | StringNotLike => c.values.iter().any(|v| matches(v)),
            NumericEquals => c.values.iter().all(|v| number(v).is_some() && !same_number(v)),
            NumericNotEquals => c.values.iter().any(|v| same_number(v)),
            _ => false,
        };
        on_key(c) && !c.values.is_empty() && ours
    };
    s.conditions.iter().find(|c| excludes(c)).map(|c| (account, c))
}

/// A condition of `s` on `aws:PrincipalArn` that none of AWS principal `p`'s callers meets: every
/// value names another account's roles and users, or another role or user than the one `p`
/// names (`Principal` `role/deploy` beside `aws:PrincipalArn` `role/other`) ([`names_none_of`]).
pub(crate) fn principal_arn_names_another<'s, 'p>(
    s: &'s Statement<'p>,
    p: &str,
    subject: &Subject,
) -> Option<&'s Condition<'p>> {
    // Most statements have none: told before the principal is read. A wildcard narrowed so is
    // TRUST_PUBLIC_CONDITIONED's to say, as other conditions that keep every stranger out.
    if !s
        .conditions
        .iter()
        .any(|c| c.key.eq_ignore_ascii_case("aws:PrincipalArn"))
        || has_wildcard(p)
    {
        return None;
    }
    (s.conditions.iter()).find(|c| names_none_of(c, p, false, subject))
}

/// Whether `c`, a Deny's condition on `aws:PrincipalArn` under a negated operator, holds for
/// every caller of AWS principal `p`: none of its values, the exceptions, is any of theirs
/// (`ArnNotEquals` a role's session's ARN, which the key never holds) ([`names_none_of`]).
pub(crate) fn excepts_none_of(c: &Condition, p: &str, subject: &Subject) -> bool {
    names_none_of(c, p, true, subject)
}

/// Whether `c` compares `aws:PrincipalArn` as text or ARNs (by a negated operator when
/// `negated`, else a positive one) with values each of which names
/// another account's roles and users, or another role or user than AWS principal `p` names. The
/// key holds the calling role's or user's own ARN, in every signed request: `…IfExists` reads as
/// the plain operator; a set qualifier is not judged. Compared ignoring case, and a role or user
/// named without a path may have any, so that only a caller who can't be the one named is judged.
/// A wildcard's callers are of the role's partition, where it is known for sure: a value of
/// another names none of them ([`crate::pattern::of_another_partition`]).
fn names_none_of(c: &Condition, p: &str, negated: bool, subject: &Subject) -> bool {
    use crate::policy::BaseOperator::{
        ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, StringEqualsIgnoreCase, StringLike, StringNotEqualsIgnoreCase,
        StringNotLike,
    };
    let Operator::Known { base, set: None, .. } = c.operator else {
        return false;
    };
    if !c.key.eq_ignore_ascii_case("aws:PrincipalArn")
        || !base.compares_text()
        || base.is_negated() != negated
        || c.values.is_empty()
    {
        return false;
    }
    // Any account's roles and users: values that name none of them.
    if p == "*" {
        let arn_operator = matches!(base, ArnEquals | ArnLike | ArnNotEquals | ArnNotLike);
        // Compared ignoring case, `…:ROLE/DEPLOY` is `role/deploy`'s ARN. (A template's marker
        // is told before folding: it is written in capitals.)
        let folds = matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
        let of_another_partition = |v: &str| {
            (subject.partition_for_sure()).is_some_and(|partition| {
                !has_variable(v) && crate::pattern::of_another_partition(v, arn_operator, partition)
            })
        };
        return (c.values.iter()).all(|v| {
            let folded = match folds {
                true => Cow::Owned(v.to_ascii_lowercase()),
                false => Cow::Borrowed(v.as_ref()),
            };
            !holds_opaque(v)
                && (crate::pattern::names_no_assuming_caller(&folded, arn_operator) || of_another_partition(&folded))
        });
    }
    // The suggested policy's principal to fill in is judged as whom the reader names there.
    if has_wildcard(p) || holds_opaque(p) || crate::fix::is_fill_in(p) {
        return false;
    }
    let Some((partition_named, account, resources)) = arn_callers_of(p) else {
        return false;
    };
    // A partition a template's scan stands in for (no region given) tells no ARN apart.
    let partition_named = (partition_named.filter(|_| !subject.partition_is_stand_in)).map(str::to_ascii_lowercase);
    // Under StringLike a `*` before the resource may span colons: its fields are not known.
    let spans_colons = matches!(base, StringLike | StringNotLike);
    let pattern = matches!(base, StringLike | StringNotLike | ArnLike | ArnNotLike);
    let names_another = |v: &str| {
        if has_variable(v) || holds_opaque(v) || crate::fix::is_fill_in(v) || (!pattern && has_wildcard(v)) {
            return false;
        }
        let v = v.to_ascii_lowercase();
        let Some([arn_head, partition, service, region, arn_account, resource]) = arn_fields::<6>(&v) else {
            return false;
        };
        if spans_colons
            && [arn_head, partition, service, region, arn_account]
                .iter()
                .any(|f| has_wildcard(f))
        {
            return false;
        }
        // A partition's principals' ARNs are of that partition (`arn:aws-cn:…`).
        !glob(service, "iam", false)
            || partition_named
                .as_ref()
                .is_some_and(|named| !glob(partition, named, false))
            || !glob(arn_account, account, false)
            || !resources
                .iter()
                .any(|caller| crate::pattern::globs_meet(resource, caller))
    };
    c.values.iter().all(|v| names_another(v))
}

/// The partition (an ARN's) and account of the callers AWS principal `p` names, and their ARNs'
/// resources as patterns in lower case, as `aws:PrincipalArn` holds them: any role's or user's of
/// the account, or the one role or user it names (a role's session's: its role), at any path when
/// it names none. `None` for what it can't tell.
fn arn_callers_of(p: &str) -> Option<(Option<&str>, &str, Vec<String>)> {
    if is_account_id(p) {
        return Some((None, p, vec!["role/*".to_owned(), "user/*".to_owned()]));
    }
    let ["arn", partition, service, _, account, resource] = arn_fields::<6>(p)? else {
        return None;
    };
    if !is_account_id(account) {
        return None;
    }
    let at = |kind: &str, path_and_name: &str| {
        let named = text!(kind, "/", path_and_name.to_ascii_lowercase());
        match path_and_name.contains('/') {
            true => vec![named],
            false => vec![text!(kind, "/*/", path_and_name.to_ascii_lowercase()), named],
        }
    };
    let resources = match (service, resource.split_once('/')) {
        ("iam", None) if resource == "root" => vec!["role/*".to_owned(), "user/*".to_owned()],
        ("iam", Some(("role", rest))) => at("role", rest),
        ("iam", Some(("user", rest))) => at("user", rest),
        ("sts", Some(("assumed-role", rest))) => at("role", rest.split('/').next()?),
        _ => return None,
    };
    Some((Some(partition).filter(|p| !has_wildcard(p)), account, resources))
}

/// A condition of `s` on `aws:PrincipalArn` that no caller able to assume a role meets: each of
/// its values (written out) names a role's sessions, a root, a federated user, or anything but a
/// role or a user.
fn principal_arn_excludes_every_caller<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    principal_arn_kept_to(s, crate::pattern::names_no_assuming_caller)
}

/// A condition of `s` on `aws:PrincipalArn` each of whose values is an ARN of another partition
/// than the role's, `partition` (`arn:aws-cn:iam::*:role/deploy` on a role in `aws`): IAM takes
/// no principal of another partition, so no caller that can assume the role has such an ARN
/// ([`crate::pattern::of_another_partition`]). `None` where the partition is not known.
fn principal_arn_of_another_partition<'p>(s: &'p Statement<'p>, partition: Option<&str>) -> Option<&'p Condition<'p>> {
    let partition = partition?;
    // (Not a value with a variable: a stranger's own value put in it is judged as theirs.)
    principal_arn_kept_to(s, |v, arn_operator| {
        !has_variable(v) && crate::pattern::of_another_partition(v, arn_operator, partition)
    })
}

/// The positive comparison of `aws:PrincipalArn` in `s` (as ARNs, or as text) each of whose
/// values, written out, is one `no_caller` says no caller's ARN matches (under an ARN operator
/// when its second argument is true). Every signed request carries the key, with one value:
/// `…IfExists` reads as the plain operator, and a set qualifier compares it as one.
fn principal_arn_kept_to<'p>(
    s: &'p Statement<'p>,
    no_caller: impl Fn(&str, bool) -> bool,
) -> Option<&'p Condition<'p>> {
    use crate::policy::BaseOperator::{ArnEquals, ArnLike, StringEquals, StringLike};
    s.conditions.iter().find(|c| {
        let Operator::Known { base, .. } = c.operator else {
            return false;
        };
        let arn_operator = matches!(base, ArnEquals | ArnLike);
        c.key.eq_ignore_ascii_case("aws:PrincipalArn")
            && matches!(base, ArnEquals | ArnLike | StringEquals | StringLike)
            && !c.values.is_empty()
            && c.values.iter().all(|v| !holds_opaque(v) && no_caller(v, arn_operator))
    })
}

/// Whether every principal of `s` is an AWS one, whose callers sign their requests and so always
/// send `aws:PrincipalArn` (a bare `"*"` names services too).
pub(crate) fn signs_alone(s: &Statement) -> bool {
    !s.principals.negated
        && !s.principals.bare_wildcard
        && s.principals.federated.is_empty()
        && s.principals.service.is_empty()
}

/// The condition of an Allow of `{"AWS": "*"}` that keeps it to ARNs no caller has: a session's,
/// a root's, anything but a role's or a user's ([`principal_arn_excludes_every_caller`]), an
/// Identity Center role without its path, a pattern compared as written, ARNs of another
/// partition than the role's, `partition` (when known); or to a type no caller is (`Account`).
/// Every caller that signs sends both keys, so nobody gets in: no public trust, but a statement
/// that never applies.
pub(crate) fn wildcard_kept_to_no_caller<'p>(
    s: &'p Statement<'p>,
    partition: Option<&str>,
) -> Option<&'p Condition<'p>> {
    (s.effect == Effect::Allow && signs_alone(s) && s.principals.aws.iter().any(|p| p == "*"))
        .then(|| kept_to_no_signer(s, partition))
        .flatten()
}

/// The condition of `s` that keeps it to ARNs or types no caller that signs has, or to AWS
/// services, whoever its AWS principals are ([`wildcard_kept_to_no_caller`]'s kinds, and
/// [`asks_for_a_service`]).
pub(crate) fn kept_to_no_caller<'p>(s: &'p Statement<'p>, partition: Option<&str>) -> Option<&'p Condition<'p>> {
    kept_to_no_signer(s, partition).or_else(|| asks_for_a_service(s))
}

/// [`kept_to_no_caller`] by the ARNs and types of the callers that sign.
fn kept_to_no_signer<'p>(s: &'p Statement<'p>, partition: Option<&str>) -> Option<&'p Condition<'p>> {
    principal_arn_excludes_every_caller(s)
        .or_else(|| identity_center_path_left_out(s))
        .or_else(|| principal_type_excludes_callers_of(s, "*"))
        .or_else(|| principal_arn_taken_literally(s))
        .or_else(|| principal_arn_of_another_partition(s, partition))
}

/// A condition of `s` that asks for an AWS service as the caller: `Bool
/// aws:PrincipalIsAWSService true`, which every signed request carries, `false` for an IAM user's
/// or role's, the callers an account or ARN names (a service is named as a `Service` principal);
/// also under a set qualifier, or compared as text with anything but `false`. Not `…IfExists`,
/// which a federated sign-in without the key meets. Not judged of
/// `{"AWS": "*"}`: that it admits no service rests on one sentence of the IAM guide, which is
/// not taken to lower a public trust.
pub(crate) fn asks_for_a_service<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    use crate::policy::BaseOperator::{Bool, StringEquals, StringEqualsIgnoreCase};
    s.conditions.iter().find(|c| {
        // Compared as the key's one value is (a set qualifier changes nothing): `Bool` with
        // `true`, a string comparison with anything but `false`, which is never the caller's.
        let Operator::Known {
            base, if_exists: false, ..
        } = c.operator
        else {
            return false;
        };
        let never_false = |v: &str| {
            !has_variable(v)
                && !holds_opaque(v)
                && match base {
                    Bool => v.eq_ignore_ascii_case("true"),
                    StringEquals => v != "false",
                    StringEqualsIgnoreCase => !v.eq_ignore_ascii_case("false"),
                    _ => false,
                }
        };
        c.key.eq_ignore_ascii_case("aws:PrincipalIsAWSService")
            && !c.values.is_empty()
            && c.values.iter().all(|v| never_false(v))
    })
}

/// The path IAM Identity Center's roles are under, before the identity source's region (none in
/// us-east-1): "Referencing permission sets in resource policies", Identity Center's guide.
pub(crate) const IDENTITY_CENTER_PATH: &str = "aws-reserved/sso.amazonaws.com/";

/// A positive condition of `s` on `aws:PrincipalArn` each of whose values names an Identity
/// Center role without its path (`arn:aws:iam::ACCOUNT:role/AWSReservedSSO_Admin_…`) or at one no
/// such role has ([`identity_center_role_without_path`]): the key holds
/// `…:role/aws-reserved/sso.amazonaws.com/[REGION/]AWSReservedSSO_…`, which no such value
/// matches (`…:role/*AWSReservedSSO_*`, whose wildcard may span the path, is not judged).
pub(crate) fn identity_center_path_left_out<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    s.conditions.iter().find(|c| {
        let Operator::Known { base, set: None, .. } = c.operator else {
            return false;
        };
        c.key.eq_ignore_ascii_case("aws:PrincipalArn")
            && base.compares_text()
            && !base.is_negated()
            && !c.values.is_empty()
            && c.values.iter().all(|v| identity_center_role_without_path(v).is_some())
    })
}

/// The role's name, from `AWSReservedSSO_`, where `arn` names an Identity Center role at a path
/// no such role has: the root (`arn:aws:iam::ACCOUNT:role/AWSReservedSSO_Admin_0123`), or another
/// host than `sso.amazonaws.com` (`…/sso.amazon.com/…`), compared ignoring case. `None` for any
/// other, and for a path with a wildcard. (A `us-east-1` segment is not judged: Identity
/// Center's guide says such roles have none, and writes one in its KMS key policies.)
pub(crate) fn identity_center_role_without_path(arn: &str) -> Option<&str> {
    const NAME: &str = "AWSReservedSSO_";
    let ["arn", _, "iam", "", account, resource] = arn_fields::<6>(arn)? else {
        return None;
    };
    let path_and_name = strip_prefix_ignore_case(resource, "role/")?;
    let at = path_and_name.rfind('/').map_or(0, |slash| slash + 1);
    let (path, name) = (path_and_name.get(..at)?, path_and_name.get(at..)?);
    let reserved = name
        .get(..NAME.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(NAME));
    let region = strip_prefix_ignore_case(path, IDENTITY_CENTER_PATH).map(|rest| rest.trim_end_matches('/'));
    let their_path = region.is_some_and(|region| !region.contains('/'));
    let judged = !has_wildcard(account) && !has_wildcard(path) && !holds_opaque(arn) && !has_variable(arn);
    (reserved && judged && !their_path).then_some(name)
}

/// The types `aws:PrincipalType` holds for the callers that can assume a role: a role's session
/// and an IAM user ("Principal key values", IAM's condition keys reference).
pub(crate) const CALLER_TYPES: [&str; 2] = ["AssumedRole", "User"];

/// The types of AWS principal `p`'s callers ([`CALLER_TYPES`]): a role's (or a role session's)
/// `AssumedRole`, a user's `User`, an account's either.
pub(crate) fn caller_types_of(p: &str) -> &'static [&'static str] {
    match arn_fields::<6>(p) {
        Some([_, _, "iam", _, _, resource]) if resource.starts_with("role/") => &["AssumedRole"],
        Some([_, _, "sts", _, _, resource]) if resource.starts_with("assumed-role/") => &["AssumedRole"],
        Some([_, _, "iam", _, _, resource]) if resource.starts_with("user/") => &["User"],
        _ => &CALLER_TYPES,
    }
}

/// A positive condition of `s` on `aws:PrincipalType` none of whose values is a type of AWS
/// principal `p`'s callers ([`caller_types_of`]; `Account`, a root, and `FederatedUser` can't
/// assume a role, `Role` and `IAMUser` are no type), compared as its operator compares. Every
/// signed request carries the key: `…IfExists` reads as the plain operator; a set qualifier is
/// not judged.
fn principal_type_excludes_callers_of<'p>(s: &'p Statement<'p>, p: &str) -> Option<&'p Condition<'p>> {
    (s.conditions.iter()).find(|c| !c.operator.is_negated() && names_no_caller_type(c, caller_types_of(p)))
}

/// Whether `c` compares `aws:PrincipalType`, without a set qualifier, with values none of which
/// is one of `types` (of callers that can assume a role: [`CALLER_TYPES`]), as its operator
/// compares: a positive operator then holds for none of those callers, a negated one (a Deny's
/// `StringNotEquals aws:PrincipalType Role`) for every one.
pub(crate) fn names_no_caller_type(c: &Condition, types: &[&str]) -> bool {
    let Operator::Known { base, set: None, .. } = c.operator else {
        return false;
    };
    let Some((like, fold)) = (base.positive_string_comparison()).or_else(|| base.negated_string_comparison()) else {
        return false;
    };
    c.key.eq_ignore_ascii_case("aws:PrincipalType")
        && !c.values.is_empty()
        && c.values.iter().all(|v| {
            !has_variable(v)
                && !holds_opaque(v)
                && !crate::fix::is_fill_in(v)
                && !types.iter().any(|caller_type| type_matches(v, caller_type, like, fold))
        })
}

/// Whether `c`, a positive comparison of `aws:PrincipalType` without a set qualifier, holds for
/// each of `types` (a Deny `StringEquals aws:PrincipalType ["User", "AssumedRole"]` stops every
/// caller of an account). Every signed request carries the key: `…IfExists` changes nothing.
pub(crate) fn names_every_caller_type(c: &Condition, types: &[&str]) -> bool {
    let Operator::Known { base, set: None, .. } = c.operator else {
        return false;
    };
    let Some((like, fold)) = base.positive_string_comparison() else {
        return false;
    };
    c.key.eq_ignore_ascii_case("aws:PrincipalType")
        && !types.is_empty()
        && (types.iter()).all(|caller_type| c.values.iter().any(|v| type_matches(v, caller_type, like, fold)))
}

/// Whether value `v` of a condition on `aws:PrincipalType` matches `caller_type`, as a pattern
/// (`like`) or ignoring case (`fold`) where its operator says.
fn type_matches(v: &str, caller_type: &str, like: bool, fold: bool) -> bool {
    match (like, fold) {
        (true, _) => glob(v, caller_type, false),
        (false, true) => v.eq_ignore_ascii_case(caller_type),
        (false, false) => v == caller_type,
    }
}

/// The values `condition` on `aws:PrincipalType` was meant to have, for the callers of Allow
/// `allow` ([`principal_type_meant`]); `None` where one can't be told.
pub(crate) fn principal_types_meant(condition: &Condition, allow: &Statement) -> Option<Vec<String>> {
    let named = || allow.principals.aws.iter().map(|p| p.as_ref());
    (condition.values.iter())
        .map(|v| principal_type_meant(v, named()).map(str::to_owned))
        .collect()
}

/// The caller type a value of `aws:PrincipalType` no caller has was meant as: the one type of
/// the callers of the AWS principals `named` (a wildcard's none), else `Role` a role's session's
/// (`AssumedRole`), `IAMUser` a user's (`User`).
fn principal_type_meant<'a>(value: &str, named: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut types = named.into_iter().filter(|p| !has_wildcard(p)).map(caller_types_of);
    if let Some(first) = types.next() {
        if let ([only], true) = (first, types.all(|t| t == first)) {
            return Some(only);
        }
    }
    match value.to_ascii_lowercase().as_str() {
        "role" | "assumedrole" | "assumed-role" | "iamrole" => Some("AssumedRole"),
        "iamuser" | "user" | "iam-user" => Some("User"),
        _ => None,
    }
}

/// A condition of `s` on a key the caller sets (`sts:ExternalId`, `sts:RoleSessionName`) that no
/// caller's request meets: every value it asks for is one STS refuses (`StringEquals
/// sts:ExternalId "*"`, meant as "any"; a session name with a space).
pub(crate) fn unmeetable_caller_value<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    (s.conditions.iter()).find(|c| crate::evaluate::caller_choices(c).is_some_and(|choices| !choices.some_meet))
}

/// A condition of `s` that no request meets because each of its values holds a CloudFormation
/// pseudo parameter left as written (`${AWS::AccountId}` where `Fn::Sub` was forgotten), and
/// the first such parameter. IAM reads it as a policy variable of a key no request has: "the
/// value is effectively null. There is no equal or like value" (the IAM guide's "Policy
/// variables with no value"). Only a positive comparison of text that fails where the key is
/// missing: a negated one, `…IfExists` or `ForAllValues:` hold for some request.
pub(crate) fn unsubstituted_parameter<'p>(
    s: &'p Statement<'p>,
    version: Version,
) -> Option<(&'p Condition<'p>, &'p str)> {
    let condition = (s.conditions.iter())
        .find(|c| crate::evaluate::null_comparison(c, version) == Some((Tri::False, Tri::False)))?;
    let parameter = crate::evaluate::unsubstituted_parameter(condition.values.first()?)?;
    Some((condition, parameter))
}

/// The account of an OIDC provider's ARN that is not the role's (both known): STS finds the
/// provider of a token's issuer in the role's own account, so no request names another's.
pub(crate) fn oidc_provider_of_another_account<'p>(provider: &'p str, subject: &Subject) -> Option<&'p str> {
    let own = subject.account?;
    // Most name the role's own account in the commercial partition: told by one comparison.
    if provider.get(13..25) == Some(own) {
        return None;
    }
    let ["arn", _, "iam", "", account, resource] = arn_fields::<6>(provider)? else {
        return None;
    };
    let theirs = resource.starts_with("oidc-provider/") && is_account_id(account) && is_account_id(own);
    (theirs && account != own).then_some(account)
}

/// `ACCOUNT/NAME` of a SAML provider's ARN (`arn:aws:iam::ACCOUNT:saml-provider/NAME`), as
/// `SAML:doc` holds it: "the principal that was used to assume the role … account-ID/
/// provider-friendly-name" (the IAM guide's SAML keys).
pub(crate) fn saml_doc_of(provider: &str) -> Option<String> {
    let ["arn", _, "iam", "", account, resource] = arn_fields::<6>(provider)? else {
        return None;
    };
    let name = resource.strip_prefix("saml-provider/")?;
    (is_account_id(account) && !name.is_empty() && !has_wildcard(name)).then(|| text!(account, "/", name))
}

/// Whether `c` asks `SAML:doc` for another provider than `provider` (a SAML provider's ARN):
/// a positive string comparison, without `…IfExists` or a set qualifier, none of whose values
/// is `provider`'s `ACCOUNT/NAME` ([`saml_doc_of`]). A value with a variable, or one a template
/// leaves open, may be any.
fn saml_doc_of_another(provider: &str, c: &Condition) -> bool {
    use crate::policy::BaseOperator::{StringEquals, StringEqualsIgnoreCase, StringLike};
    if !c.key.eq_ignore_ascii_case("saml:doc") {
        return false;
    }
    let Operator::Known {
        base: base @ (StringEquals | StringEqualsIgnoreCase | StringLike),
        set: None,
        if_exists: false,
    } = c.operator
    else {
        return false;
    };
    let Some(doc) = saml_doc_of(provider) else {
        return false;
    };
    let names_it = |v: &str| match base {
        StringLike => glob(v, &doc, false),
        StringEqualsIgnoreCase => v.eq_ignore_ascii_case(&doc),
        _ => v == doc,
    };
    !c.values.is_empty()
        && c.values
            .iter()
            .all(|v| !(has_variable(v) || holds_opaque(v) || names_it(v)))
}

/// A condition on `SAML:aud` that no assertion meets: each value is no URL (`urn:amazon:webservices`,
/// the assertion's Audience, written for its Recipient), or one of no AWS sign-in endpoint (the
/// identity provider's own, the console's, `…/static/saml-metadata.xml`). `SAML:aud` holds the
/// Recipient, the AWS sign-in endpoint the assertion is posted to
/// (`https://signin.aws.amazon.com/saml`, a region's or a partition's, `…/saml/acs/ID` for a
/// provider's own). A pattern is judged by what it writes before its first wildcard; a variable
/// and a value a template leaves open are not judged.
fn is_saml_recipient_none_has(c: &Condition) -> bool {
    const SCHEME: &str = "https://";
    let Operator::Known { base, .. } = c.operator else {
        return false;
    };
    let positive = matches!(
        base,
        BaseOperator::StringEquals | BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringLike
    );
    let left_open = |v: &str| has_variable(v) || holds_opaque(v) || crate::fix::is_fill_in(v);
    let never = |v: &str| {
        let like = base == BaseOperator::StringLike && has_wildcard(v);
        let written = match like {
            true => v.split(['*', '?']).next().unwrap_or_default(),
            false => v,
        };
        let Some(url) = strip_prefix_ignore_case(written, SCHEME) else {
            // No URL, nor a pattern's start of one.
            return !SCHEME
                .get(..written.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(written));
        };
        // A host and path written out: an AWS sign-in endpoint's, or none.
        let Some((host, path)) = url.split_once('/').filter(|_| !like) else {
            return false;
        };
        // `signin.DOMAIN` or `REGION.signin.DOMAIN`: every partition's sign-in endpoint is so
        // named (`signin.aws.amazon.com`, `signin.amazonaws.cn`, `signin.amazonaws-us-gov.com`,
        // and those of the partitions whose domains are not public).
        let host = host.to_ascii_lowercase();
        let sign_in = host.starts_with("signin.") || host.contains(".signin.");
        let path = match base == BaseOperator::StringEqualsIgnoreCase {
            true => path.to_ascii_lowercase(),
            false => path.to_owned(),
        };
        let saml_path = path == "saml" || path.starts_with("saml/") || path == "static/saml";
        !(sign_in && saml_path)
    };
    positive
        && c.key.eq_ignore_ascii_case("SAML:aud")
        && !c.values.is_empty()
        && c.values.iter().all(|v| !left_open(v) && never(v))
}

/// The subject formats STS writes without their `urn:oasis:names:tc:SAML:2.0:nameid-format:`
/// prefix (`AssumeRoleWithSAML`'s `SubjectType`: the prefix is removed; any other format's URI is
/// written whole).
const SAML_SHORT_FORMATS: [&str; 5] = ["persistent", "transient", "entity", "kerberos", "encrypted"];

/// A condition on `SAML:sub_type` that no assertion meets: each value is neither a SAML 2.0
/// format's short name ([`SAML_SHORT_FORMATS`]) nor a format's URI (IAM's SAML federation guide:
/// "persistent, transient, or the full Format URI"), as its operator compares (`Persistent`
/// under `StringEquals`, `persistant`). A pattern, a variable and a value a template leaves open
/// are not judged.
fn is_saml_sub_type_none_has(c: &Condition) -> bool {
    let Operator::Known { base, set: None, .. } = c.operator else {
        return false;
    };
    let Some((like, fold)) = base.positive_string_comparison() else {
        return false;
    };
    let is = |v: &str, short: &str| {
        if fold {
            v.eq_ignore_ascii_case(short)
        } else {
            v == short
        }
    };
    let never = |v: &str| {
        !(has_variable(v)
            || holds_opaque(v)
            || crate::fix::is_fill_in(v)
            || (like && has_wildcard(v))
            || v.contains(':')
            || SAML_SHORT_FORMATS.iter().any(|short| is(v, short)))
    };
    c.key.eq_ignore_ascii_case("SAML:sub_type") && !c.values.is_empty() && c.values.iter().all(|v| never(v))
}

/// What a value of `SAML:sub_type` no assertion has was meant as: a slip of `persistent` or
/// `transient` (its case, a letter).
pub(crate) fn saml_sub_type_meant(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    SAML_SHORT_FORMATS
        .into_iter()
        .find(|short| crate::policy::edit_distance(&lower, short) <= 1)
}

/// A condition of `s` on `aws:SourceIp` that no request meets: `IpAddress` of private ranges
/// only (10.0.0.0/8, fd00::/8, …). The key holds the caller's public address, and is missing
/// from a call through a VPC endpoint ("can only be used for public IP address ranges", IAM's
/// global condition keys; `aws:VpcSourceIp` holds the private one).
pub(crate) fn private_source_ip<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    (s.conditions.iter()).find(|c| crate::evaluate::private_source_ip(c) == Some(false))
}

/// A condition of `s` that no request meets because, under `2008-10-17` or without a `Version`,
/// each of its values is a policy variable's text (`${aws:ResourceAccount}`), which no value AWS
/// fills from the caller's identity or source has ([`crate::evaluate::null_comparison`]).
pub(crate) fn literal_variable<'p>(s: &'p Statement<'p>, version: Version) -> Option<&'p Condition<'p>> {
    if version == Version::V2012 {
        return None;
    }
    (s.conditions.iter()).find(|c| crate::evaluate::null_comparison(c, version) == Some((Tri::False, Tri::False)))
}

/// Whether a condition of `s` lets no request in because its values are null or text no
/// request has: a pseudo parameter left as written ([`unsubstituted_parameter`]), a variable
/// read as text before 2012-10-17 ([`literal_variable`]), or a key no request to STS carries
/// ([`needs_key_never_sent`]). STATEMENT_NEVER_APPLIES says so.
pub(crate) fn nobody_has_its_values(s: &Statement, version: Version) -> bool {
    unsubstituted_parameter(s, version).is_some()
        || literal_variable(s, version).is_some()
        || needs_key_never_sent(s).is_some_and(|(_, unsent)| unsent.is_certain())
}

/// A condition of `s` that holds for no request without its key, on a key no request to STS
/// carries ([`crate::contexts::never_sent`]).
fn needs_key_never_sent<'p>(s: &'p Statement<'p>) -> Option<(&'p Condition<'p>, UnsentKey)> {
    let mut found = s.conditions.iter().filter_map(|c| {
        let needs_it = matches!(c.operator, Operator::Known { base, set, if_exists }
            if missing_key(base, set, if_exists, &c.values) == Tri::False);
        needs_it
            .then(|| crate::contexts::never_sent(&c.key))
            .flatten()
            .map(|unsent| (c, unsent))
    });
    // One in no request for sure before one only likely so, wherever each is written.
    let first = found.next()?;
    match first.1.is_certain() {
        true => Some(first),
        false => Some(found.find(|(_, unsent)| unsent.is_certain()).unwrap_or(first)),
    }
}

/// Whether Deny `deny` of `policy` applies to everyone only for a variable IAM reads as text
/// before 2012-10-17 (`StringNotEquals aws:PrincipalAccount ${aws:ResourceAccount}`, a perimeter
/// under 2012-10-17): some condition of it compares such text, and holds for every caller.
pub(crate) fn denies_by_literal_variable(policy: &Policy, deny: usize) -> bool {
    // A pseudo parameter stops everyone under 2012-10-17 too: no Version makes it a variable.
    let pseudo = |c: &Condition| (c.values.iter()).any(|v| crate::evaluate::unsubstituted_parameter(v).is_some());
    policy.version != Version::V2012
        && policy.statements.get(deny).is_some_and(|d| {
            (d.conditions.iter()).any(|c| {
                matches!(
                    crate::evaluate::null_comparison(c, policy.version),
                    Some((Tri::True, _))
                ) && !pseudo(c)
            })
        })
}

/// A condition of `s` on a key no account's principal sends when it calls `sts:AssumeRole`, that
/// fails where the key is missing: a source key (`aws:SourceAccount`, `aws:SourceArn`, …: only a
/// service acting for a resource sends one), or a SAML attribute no SAML session carries into its
/// later calls (`SAML:aud`: only `AssumeRoleWithSAML` has it; a session carries `SAML:sub`,
/// `SAML:sub_type` and `SAML:namequalifier`).
pub(crate) fn needs_key_principals_never_send<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    let saml_only = |key: &str| {
        strip_prefix_ignore_case(key, "saml:").is_some() && crate::contexts::saml_key_a_session_carries(key).is_none()
    };
    s.conditions.iter().find(|c| {
        (is_source_key(&c.key) || saml_only(&c.key))
            && matches!(c.operator, Operator::Known { base, set, if_exists }
                if missing_key(base, set, if_exists, &c.values) == Tri::False)
    })
}

/// Whether no resource of `service` whose ARN ends in `resource` has a `*` or `?` in its name, by
/// the service's naming rules: an S3 bucket (lowercase letters, digits, dots, hyphens), a Lambda
/// function, alias or version, a Step Functions state machine (its names "must not contain"
/// `?` or `*`), an EventBridge rule or event bus, a Scheduler schedule group, an SNS topic, an
/// SQS queue (letters, digits, hyphens, underscores, dots). Another service's names may
/// (a log group's ARN as CloudWatch Logs lists it ends in `:*`).
fn names_without_wildcards(service: &str, resource: &str) -> bool {
    match service {
        // A bucket's ARN, not an object's (a key may hold anything).
        "s3" => !resource.contains('/'),
        "lambda" | "states" | "events" | "scheduler" | "sns" | "sqs" | "datasync" => true,
        // A flow log's id (`fl-…`), a knowledge base's, an agent's (`[0-9a-zA-Z]+`).
        "ec2" => resource.starts_with("vpc-flow-log/"),
        "bedrock" => ["knowledge-base/", "agent/", "agent-alias/"]
            .iter()
            .any(|kind| resource.starts_with(kind)),
        _ => false,
    }
}

/// A condition of `s` on `aws:SourceArn` that no ARN `service` sends meets, for a service that
/// sends one kind of resource's ARN only ([`crate::services::source_arn_kind`]): each value names
/// another service's resource, or another kind of its own (`…:schedule/default/nightly` for
/// EventBridge Scheduler, which sends `…:schedule-group/default`). A pattern is judged by what
/// it writes before its first wildcard; a value with a variable, or one a template leaves open,
/// may be any.
fn source_of_another_kind<'p>(s: &'p Statement<'p>, service: &str) -> Option<&'p Condition<'p>> {
    use crate::policy::BaseOperator::{ArnEquals, ArnLike, StringEquals, StringEqualsIgnoreCase, StringLike};
    s.conditions.iter().find(|c| {
        matches!(
            c.operator,
            Operator::Known {
                base: StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike,
                set: None,
                if_exists: false,
            }
        ) && sends_none_of(c, service)
    })
}

/// Whether `c`, a comparison of `aws:SourceArn` without a set qualifier, names no ARN `service`
/// sends, for a service that sends one kind of resource's ARN only
/// ([`crate::services::source_arn_kind`]): a positive operator then holds for none of its
/// requests, a negated one for all of them (the service always sends the key). A Deny
/// `StringNotEquals aws:SourceArn …:schedule/default/nightly` stops every Scheduler call.
pub(crate) fn sends_none_of(c: &Condition, service: &str) -> bool {
    use crate::policy::BaseOperator::{StringEqualsIgnoreCase, StringLike, StringNotEqualsIgnoreCase, StringNotLike};
    let Operator::Known { base, set: None, .. } = c.operator else {
        return false;
    };
    let Some(sent) = c
        .key
        .eq_ignore_ascii_case("aws:SourceArn")
        .then(|| crate::services::source_arn_kind(service))
        .flatten()
    else {
        return false;
    };
    if !base.compares_text() {
        return false;
    }
    let pattern = base.reads_wildcards();
    let fold = matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
    let spans = matches!(base, StringLike | StringNotLike);
    let same = |a: &str, b: &str| if fold { a.eq_ignore_ascii_case(b) } else { a == b };
    let may_be_sent = |v: &str| {
        if has_variable(v) || holds_opaque(v) {
            return true;
        }
        // No ARN at all is `source_never_matches`'s to say.
        let Some([_, _, arn_service, _, _, resource]) = arn_fields::<6>(v) else {
            return true;
        };
        // Under StringLike a `*` before the resource may span colons: judged only by what no
        // ARN of the kind sent holds anywhere (`:schedule/`: a group's name has no `:` or `/`).
        let before = v.get(..v.len() - resource.len()).unwrap_or(v);
        if spans && has_wildcard(before) {
            return !sent
                .never_holds
                .is_some_and(|never| v.split(['*', '?']).any(|written| written.contains(never)));
        }
        if !((pattern && has_wildcard(arn_service)) || same(arn_service, sent.service)) {
            return false;
        }
        let written = match pattern {
            true => resource.split(['*', '?']).next().unwrap_or_default(),
            false => resource,
        };
        // What it writes must start as the sent kind does, or be that kind's start.
        let common = written.len().min(sent.resource.len());
        let starts_alike = written
            .get(..common)
            .zip(sent.resource.get(..common))
            .is_some_and(|(a, b)| same(a, b));
        let kind_not_sent =
            (sent.not_sent.iter()).any(|kind| written.get(..kind.len()).is_some_and(|start| same(start, kind)));
        starts_alike && (pattern || written.len() > sent.resource.len()) && !kind_not_sent
    };
    !c.values.is_empty() && c.values.iter().all(|v| !may_be_sent(v))
}

/// What to write for `condition` of statement `index`, which names no ARN `service` sends:
/// the group's ARN of each schedule it names, or the kind of ARN it sends; `others`: the
/// statement names other principals, which the condition may pin.
fn source_fix_text(condition: &Condition, service: &str, index: usize, others: bool) -> String {
    let mut meant: Vec<String> = Vec::new();
    for value in condition
        .values
        .iter()
        .filter_map(|v| source_arn_meant(service, v, !others))
    {
        if !meant.contains(&value) {
            meant.push(value);
        }
    }
    let example = crate::services::source_arn_kind(service).map_or("", |k| k.example);
    match (meant.is_empty(), others) {
        (false, _) => text!("write ", meant.join(", "), " in aws:SourceArn in statement ", index),
        (true, true) => text!(
            "pin ",
            service,
            " in a statement of its own to the ARN it sends (",
            example,
            "), and keep this aws:SourceArn to the other services of statement ",
            index
        ),
        (true, false) => text!(
            "write the ARN ",
            service,
            " sends in aws:SourceArn in statement ",
            index,
            " (",
            example,
            ")"
        ),
    }
}

/// The values of `condition` with each schedule `service` never sends written as its group's
/// ([`source_arn_meant`]), each once.
pub(crate) fn source_values_meant(condition: &Condition, service: &str, alone: bool) -> Vec<String> {
    let mut meant: Vec<String> = Vec::new();
    for value in condition.values.iter() {
        let value = source_arn_meant(service, value, alone).unwrap_or_else(|| value.to_string());
        if !meant.contains(&value) {
            meant.push(value);
        }
    }
    meant
}

/// The ARN of the kind `service` sends ([`crate::services::source_arn_kind`]) that `value` was
/// meant as: a Scheduler schedule's (`…:schedule/GROUP/NAME`, `…:schedule/GROUP/*`) as its
/// group's (`…:schedule-group/GROUP`), a VPC's or subnet's as the account's flow logs
/// (`…:vpc-flow-log/*`), a resource type in another case as written (`eventdataStore/`), an
/// event bus's as one of its rules to fill in, a Roles Anywhere profile's as a trust anchor to
/// fill in, and, where the statement names the service
/// `alone`, another service's resource as one of its own to fill in. `None` otherwise.
pub(crate) fn source_arn_meant(service: &str, value: &str, alone: bool) -> Option<String> {
    let sent = crate::services::source_arn_kind(service)?;
    let [arn, partition, arn_service, region, account, resource] = arn_fields::<6>(value)?;
    // The same account and region, the service's own resource (its name as written, if it is).
    let own = |service: &str, resource: &str| {
        text!(arn, ":", partition, ":", service, ":", region, ":", account, ":", resource)
    };
    let same_service = arn_service.eq_ignore_ascii_case(sent.service);
    // Another service's resource, where the statement names no other service it may pin.
    if let Some(to_fill_in) = sent.to_fill_in.filter(|_| alone && !same_service) {
        return Some(own(sent.service, to_fill_in));
    }
    if !same_service {
        return None;
    }
    // Another resource of the service's own whose resource sent can't be told (a Step Functions
    // activity, an EventBridge archive): one to fill in, where the statement pins no other
    // service.
    let to_fill_in = || {
        sent.to_fill_in
            .filter(|_| alone)
            .map(|resource| own(arn_service, resource))
    };
    let meant = match sent.resource {
        // A schedule's group.
        "schedule-group/" => text!(
            sent.resource,
            strip_prefix_ignore_case(resource, "schedule/")?
                .split('/')
                .next()
                .filter(|group| !group.is_empty())?
        ),
        // A state machine's, its resource type written in another case, or an execution's
        // (`execution:MACHINE:ID`, `express:MACHINE:…`): its machine's.
        "stateMachine:" => match strip_prefix_ignore_case(resource, sent.resource) {
            Some(machine) => text!(sent.resource, machine),
            None => {
                let execution = (resource.split_once(':'))
                    .filter(|(kind, _)| kind.eq_ignore_ascii_case("execution") || kind.eq_ignore_ascii_case("express"))
                    .and_then(|(_, rest)| rest.split(':').next())
                    .filter(|machine| !machine.is_empty());
                match execution {
                    Some(machine) => text!(sent.resource, machine),
                    None => return to_fill_in(),
                }
            }
        },
        // An event data store's, its resource type written in another case.
        "eventdatastore/" => text!(sent.resource, strip_prefix_ignore_case(resource, sent.resource)?),
        // Which flow log of the account and region is not known: any (the VPC guide's pattern).
        "vpc-flow-log/" => text!(sent.resource, "*"),
        // A trust anchor's, its resource type in another case; a profile's anchor (or another
        // resource's) is not told by its ARN: one to fill in.
        "trust-anchor/" => match strip_prefix_ignore_case(resource, sent.resource) {
            Some(anchor) => text!(sent.resource, anchor),
            None => text!(sent.resource, "REPLACE_WITH_TRUST_ANCHOR_ID"),
        },
        // A rule of the bus named, its name to fill in.
        "" if sent.service == "events" => {
            match strip_prefix_ignore_case(resource, "event-bus/").filter(|bus| !bus.is_empty()) {
                Some("default") => text!("rule/REPLACE_WITH_RULE"),
                Some(bus) => text!("rule/", bus, "/REPLACE_WITH_RULE"),
                None => return to_fill_in(),
            }
        }
        _ => return None,
    };
    Some(own(arn_service, &meant))
}

/// Lambda, and Lambda@Edge for a role CloudFront runs at the edge: their own checks
/// (LAMBDA_TRUST_MISSING, LAMBDA_EDGE_TRUST_MISSING and the others) say more of them.
fn judged_by_its_own_check(service: &str, subject: &Subject) -> bool {
    service == LAMBDA || (service == EDGE_LAMBDA && !subject.edge_functions.is_empty())
}

/// A service's global name for its name in the China Regions: `ec2.amazonaws.com` for
/// `ec2.amazonaws.com.cn`, `logs.amazonaws.com` for `logs.cn-north-1.amazonaws.com.cn` (a China
/// Region is no other partition's).
pub(crate) fn global_service_name(principal: &str) -> String {
    let name = principal.strip_suffix(".amazonaws.com.cn").unwrap_or(principal);
    let service = match name.split_once('.') {
        Some((service, region)) if region.starts_with("cn-") && crate::pattern::is_region(region) => service,
        _ => name,
    };
    format!("{service}.amazonaws.com")
}

/// The key a service sends an account in, as its condition names it: `aws:SourceAccount`, or
/// Firehose's `sts:ExternalId` ([`source_never_matches`]).
fn account_key(condition: &Condition) -> &'static str {
    match condition.key.eq_ignore_ascii_case("sts:ExternalId") {
        true => "sts:ExternalId",
        false => "aws:SourceAccount",
    }
}

/// A positive `aws:SourceArn` (or `aws:SourceAccount`) condition of `s` that no value a service
/// sends can meet, and why: each of its values is no ARN, compares a wildcard literally where
/// an ARN has none, names another account than the statement's `aws:SourceAccount`, or (for a
/// role IAM holds, whose ARN is real) another partition than the role's; else an
/// `aws:SourceAccount` condition none of whose values is an account id, or such an
/// `sts:ExternalId` of Firehose, which passes the stream's account as its external id. Values a
/// template leaves open or that hold a policy variable may be anything.
pub(crate) fn source_never_matches<'p>(
    s: &'p Statement<'p>,
    subject: &Subject,
) -> Option<(&'p Condition<'p>, SourceMismatch)> {
    use crate::policy::BaseOperator::{ArnEquals, ArnLike, StringEquals, StringEqualsIgnoreCase, StringLike};
    let plain = |c: &Condition, bases: &[crate::policy::BaseOperator]| matches!(c.operator, Operator::Known { base, set: None, if_exists: false } if bases.contains(&base));
    let on_source_arn = |c: &&Condition| c.key.eq_ignore_ascii_case("aws:SourceArn");
    // A service sends a 12-digit account id (`"123456789012:"` is a slip no request meets).
    let no_account = |base, value: &str| {
        !(value.is_empty()
            || is_account_id(value)
            || has_variable(value)
            || holds_opaque(value)
            // The account a suggestion asks you to fill in.
            || crate::fix::is_fill_in(value)
            || (base == StringLike && has_wildcard(value)))
    };
    // Firehose's documented guard: the account of the stream as the external id it passes.
    let firehose =
        || crate::checks::firehose_alone(s) && s.principals.service.iter().any(|p| crate::checks::is_firehose(p));
    let malformed_account = || {
        (s.conditions.iter())
            .filter(|c| {
                c.key.eq_ignore_ascii_case("aws:SourceAccount")
                    || (c.key.eq_ignore_ascii_case("sts:ExternalId") && firehose())
            })
            .find(|c| {
                let Operator::Known { base, .. } = c.operator else {
                    return false;
                };
                plain(c, &[StringEquals, StringEqualsIgnoreCase, StringLike])
                    && !c.values.is_empty()
                    && c.values.iter().all(|v| no_account(base, v))
            })
            .map(|c| (c, SourceMismatch::NotAnAccount))
    };
    // Most statements have no source ARN: told before anything else is read.
    if !s.conditions.iter().any(|c| on_source_arn(&c)) {
        return malformed_account();
    }
    // The accounts `aws:SourceAccount` admits, when it names them exactly.
    let accounts = (s.conditions.iter())
        .filter(|c| c.key.eq_ignore_ascii_case("aws:SourceAccount") && plain(c, &[StringEquals]))
        .find(|c| c.values.iter().all(|v| is_account_id(v)))
        .map(|c| &c.values);
    // A template's or plan's role is in its partition too, when the region it is deployed to is known.
    let partition = subject.partition_for_sure();
    let never = |base, value: &str| -> Option<SourceMismatch> {
        if value.is_empty() || has_variable(value) || holds_opaque(value) {
            return None;
        }
        let fields = arn_fields::<6>(value);
        let literal = matches!(base, StringEquals | StringEqualsIgnoreCase);
        if fields.is_none() && (literal || !has_wildcard(value)) {
            return Some(SourceMismatch::NotAnArn);
        }
        let [arn, partition_field, service, region, account, resource] = fields?;
        if literal
            && [partition_field, service, region, account]
                .iter()
                .any(|f| has_wildcard(f))
        {
            return Some(SourceMismatch::LiteralWildcard);
        }
        // A resource of wildcards alone (`…:datasync:us-east-1:111122223333:*`, a guide's
        // StringLike value) is no resource's name, whichever the service.
        if literal && has_wildcard(resource) && resource.bytes().all(|b| b == b'*' || b == b'?') {
            return Some(SourceMismatch::WildcardsAlone);
        }
        if literal && has_wildcard(resource) && names_without_wildcards(service, resource) {
            return Some(SourceMismatch::LiteralWildcardInName);
        }
        // Under StringLike a `*` before the account may span colons: its fields are not known.
        let before_resource = [arn, partition_field, service, region, account];
        if base == StringLike && before_resource.iter().any(|f| has_wildcard(f)) {
            return None;
        }
        // An ARN names its account by its 12-digit id, or by none (an S3 bucket's), or AWS's own
        // resources by `aws`: an 11-digit slip or a placeholder left in (`ACCOUNT_ID`) is no
        // resource's.
        // (The suggested policy's account to fill in, `ACCOUNT_ID`, is judged as the id written there.)
        let no_id = !account.is_empty() && !account.eq_ignore_ascii_case("aws") && !is_account_id(account);
        if no_id && !has_wildcard(account) && !crate::fix::is_fill_in(value) {
            return Some(SourceMismatch::AccountNotAnId);
        }
        if is_account_id(account) && accounts.is_some_and(|a| !a.iter().any(|v| v == account)) {
            return Some(SourceMismatch::OtherAccount);
        }
        let same = |p: &str| match base {
            StringEqualsIgnoreCase => p.eq_ignore_ascii_case(partition_field),
            _ => p == partition_field,
        };
        if !has_wildcard(partition_field) && partition.is_some_and(|p| !same(p)) {
            return Some(SourceMismatch::OtherPartition);
        }
        None
    };
    (s.conditions.iter())
        .filter(on_source_arn)
        .find_map(|c| {
            let Operator::Known { base, .. } = c.operator else {
                return None;
            };
            if !plain(
                c,
                &[StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike],
            ) {
                return None;
            }
            let mut why = c.values.iter().map(|v| never(base, v));
            let first = why.next()??;
            why.all(|w| w.is_some()).then_some((c, first))
        })
        .or_else(malformed_account)
}

/// A condition of `s` that no request meets, for it asks for a key whose session action nothing
/// allows (absent from every request that gets in), and that action: the statement lets none of
/// the AWS principals, providers and services it names in (Lambda is judged by its own checks).
pub(crate) fn asks_for_unsendable_key<'p>(
    policy: &Policy,
    s: &'p Statement<'p>,
) -> Option<(&'p Condition<'p>, SessionAction)> {
    if s.principals.aws.is_empty()
        && s.principals.federated.is_empty()
        && s.principals.service.iter().all(|p| p == LAMBDA)
    {
        return None;
    }
    let missing_fails = |c: &Condition| {
        matches!(c.operator, Operator::Known { base, set, if_exists }
            if missing_key(base, set, if_exists, &c.values) == Tri::False)
    };
    (s.conditions.iter()).find_map(|c| {
        let action = SessionAction::needed_to_send(&c.key)?;
        (missing_fails(c) && !allows_session_action_to(policy, action, s, None)).then_some((c, action))
    })
}

/// `StringEquals` (`…IfExists` or under a set qualifier too) on the subject of GitHub Actions, an EKS cluster, GitLab, Terraform Cloud,
/// Bitbucket, CircleCI or Buildkite, every value with a `*` where that subject can have none: a
/// GitHub owner, repository, context or git ref (`repo:acme/*`, `repo:acme/app:*`,
/// `repo:acme/app:ref:refs/heads/*`), any part of a Kubernetes service account's. The operator compares it literally, so no token matches: a
/// slip for `StringLike` (aws-actions/configure-aws-credentials#1137).
pub(crate) fn wildcard_taken_literally(host: &str, c: &Condition) -> bool {
    use crate::policy::BaseOperator::{StringEquals, StringEqualsIgnoreCase};
    // Every token of these providers has its `sub`, one value: `…IfExists` and a set qualifier
    // compare it as the plain operator does.
    let Operator::Known {
        base: StringEquals | StringEqualsIgnoreCase,
        ..
    } = c.operator
    else {
        return false;
    };
    // `:sub` first: most keys end otherwise, told without reading the host.
    let on_subject = (c.key.len().checked_sub(4))
        .and_then(|at| c.key.get(at..))
        .is_some_and(|end| end.eq_ignore_ascii_case(":sub"))
        && strip_prefix_ignore_case(&c.key, host)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|claim| claim.eq_ignore_ascii_case("sub"));
    let never_has = |value: &str| {
        if has_variable(value) {
            false
        } else if host == GITHUB_ACTIONS {
            // `repo:OWNER/REPO:CONTEXT:…`: no owner, repository or context (`ref`, `environment`,
            // `pull_request`, a claim's name) holds a `*`, nor a git ref (git-check-ref-format);
            // an environment's name, or another claim's value after the ref, may. A subject a
            // repository customizes starts with a claim's name too (`repository_owner:…`), never
            // with a `*`; its owner's and repository's names hold none either.
            if value.starts_with('*') || customized_owner_has_wildcard(value) {
                return true;
            }
            let Some(rest) = value.strip_prefix("repo:") else {
                return false;
            };
            let mut parts = rest.splitn(4, ':');
            let (repository, context, first) = (parts.next(), parts.next(), parts.next());
            repository.is_some_and(|r| r.contains('*'))
                || context.is_some_and(|c| c.contains('*'))
                || (context == Some("ref") && first.is_some_and(|git_ref| git_ref.contains('*')))
        } else if host == "agent.buildkite.com" {
            // `organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:KEY`: slugs, a git ref
            // and a commit before the step's key, which is the pipeline author's to name.
            value.split(":step:").next().is_some_and(|before| before.contains('*'))
        } else {
            // Subjects made of names and ids that never hold a `*`: a Kubernetes service
            // account, a GitLab project path and git ref, a Terraform workspace and run phase, a
            // Bitbucket or CircleCI UUID.
            let starless = is_eks_issuer(host)
                || matches!(host, "gitlab.com" | "app.terraform.io")
                || host == "oidc.vercel.com"
                || host.starts_with("oidc.vercel.com/")
                || host.starts_with("api.bitbucket.org/2.0/workspaces/")
                || host.starts_with(crate::checks::CIRCLECI_ISSUER);
            starless && value.contains('*')
        }
    };
    on_subject && !c.values.is_empty() && c.values.iter().all(|v| never_has(v))
}

/// The first condition of Deny `deny` that excepts no token of `provider` ([`excepts_no_token`]),
/// with why.
pub(crate) fn first_claim_exception<'p>(
    deny: &'p Statement<'p>,
    provider: &str,
) -> Option<(&'p Condition<'p>, ExceptionSlip)> {
    (deny.conditions.iter()).find_map(|c| excepts_no_token(c, provider).map(|slip| (c, slip)))
}

/// Why a Deny's exception on a token's claim excepts no token ([`excepts_no_token`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExceptionSlip {
    /// No token's claim has such a value (`repo:acme/app:ref:main`).
    Shape(ClaimShape),
    /// `StringNotEquals` compares a `*` literally where the claim never has one
    /// (`repo:acme/app:ref:refs/heads/*`): meant as `StringNotLike`.
    LiteralWildcard,
}

impl ExceptionSlip {
    /// Why no token of the provider at `sender` is excepted, as the message says it.
    fn described(self, sender: &str) -> String {
        match self {
            ExceptionSlip::Shape(shape) => {
                let of = match shape {
                    ClaimShape::SamlRecipient | ClaimShape::SamlDoc | ClaimShape::SamlSubType => "no assertion of ",
                    _ => "no token of ",
                };
                text!(of, sender, " has such a value: ", shape.described())
            }
            ExceptionSlip::LiteralWildcard => text!(
                "it compares the * literally, and no subject ",
                sender,
                " sends has one (StringNotLike matches a pattern)"
            ),
        }
    }
}

/// The values a Deny's exception no token has (`condition`, of a claim of `shape`) was meant as:
/// each as the provider writes it where that can be told, else the value to fill in (until
/// then the Deny stops every caller, as it did).
pub(crate) fn claim_exception_mended(condition: &Condition, shape: ClaimShape, partition: &str) -> Vec<String> {
    // An assertion's Recipient is the sign-in endpoint of the role's partition.
    if shape == ClaimShape::SamlRecipient {
        return vec![saml_recipient_of(partition).to_owned()];
    }
    // A CircleCI organization's subjects name the issuer's own organization: a project written
    // without it (`project/PROJECT_ID/user/*`) is that organization's, and only the rest of a
    // subject is left to fill in.
    let organization = (shape == ClaimShape::CircleCiSubject)
        .then(|| condition.key.rsplit_once(':'))
        .flatten()
        .and_then(|(host, _)| crate::checks::circleci_organization(host));
    let mut meant: Vec<String> = (condition.values.iter())
        .map(|v| {
            subject_with_its_start(shape, v)
                .or_else(|| {
                    organization
                        .filter(|_| v.starts_with("project/"))
                        .map(|org| text!("org/", org, "/", v))
                })
                .unwrap_or_else(|| match organization {
                    Some(org) => shape.value_to_fill_in().replace("REPLACE_WITH_ORG_ID", org),
                    None => shape.value_to_fill_in().to_owned(),
                })
        })
        .collect();
    meant.dedup();
    meant
}

/// What to write in Deny statement `deny` for its exception no token has.
fn claim_exception_fix_text(condition: &Condition, slip: ExceptionSlip, deny: usize) -> String {
    let shape = match slip {
        ExceptionSlip::Shape(shape) => shape,
        ExceptionSlip::LiteralWildcard => {
            return text!(
                "write StringNotLike for ",
                condition.operator_text.as_ref(),
                " in Deny statement ",
                deny,
                ", which compares the * of ",
                condition.key.as_ref(),
                " literally"
            )
        }
    };
    let values = match claim_values_meant(condition, shape) {
        Some(meant) => meant.join(", "),
        None => shape.fill_in().to_owned(),
    };
    text!(
        "write ",
        condition.key.as_ref(),
        " in Deny statement ",
        deny,
        " as the provider sends it: ",
        values
    )
}

/// Why `c`, a negated comparison of a token's claim (a Deny's `StringNotLike …:sub
/// repo:acme/app:ref:main`) or of a SAML assertion's attribute, excepts no token of the identity
/// `provider`: none has its values
/// ([`claim_no_token_has`]), or `StringNotEquals` compares a `*` literally
/// ([`wildcard_taken_literally`]). It then holds for every request of the provider.
pub(crate) fn excepts_no_token(c: &Condition, provider: &str) -> Option<ExceptionSlip> {
    let Operator::Known { set, if_exists, .. } = c.operator else {
        return None;
    };
    // The positive twin of the operator, on the same values: it holds for no token, so this one
    // holds for every token. (The claims judged are in every token, with one value.)
    let (positive, _) = crate::checks::positive_of(c, true).filter(|(base, _)| {
        matches!(
            base,
            BaseOperator::StringEquals | BaseOperator::StringLike | BaseOperator::StringEqualsIgnoreCase
        )
    })?;
    let saml = is_saml_provider(provider);
    if !is_web_identity_provider(provider) && !saml {
        return None;
    }
    let twin = Condition {
        operator_text: Cow::Borrowed(""),
        operator: Operator::Known {
            base: positive,
            set,
            if_exists,
        },
        key: Cow::Borrowed(&c.key),
        values: c.values.iter().map(|v| Cow::Borrowed(v.as_ref())).collect(),
    };
    // An assertion's attributes, as the Allow's are judged ([`never_applies`]). Not `saml:doc`:
    // a Deny unless another provider's is most often written to keep this one out.
    if saml {
        let shape = if is_saml_recipient_none_has(&twin) {
            ClaimShape::SamlRecipient
        } else if is_saml_sub_type_none_has(&twin) {
            ClaimShape::SamlSubType
        } else {
            return None;
        };
        return Some(ExceptionSlip::Shape(shape));
    }
    let host = oidc_host(provider);
    // A `*` under `StringNotEquals` first: the slip, whatever else the value holds.
    if positive != BaseOperator::StringLike && wildcard_taken_literally(&host, &twin) {
        return Some(ExceptionSlip::LiteralWildcard);
    }
    // (A Cognito `amr`'s many values are not judged so.)
    claim_no_token_has(&host, &twin)
        .filter(|shape| *shape != ClaimShape::SignedInAmr)
        .map(ExceptionSlip::Shape)
}

/// What every token of the provider at `host` has as the claim `c` asks about, when no value of
/// `c` can be it: a Kubernetes service account's subject that is none
/// (`sts.amazonaws.com`, the audience written in its place), a GitHub subject that starts with no
/// claim's name (`acme/app:*`), an identity pool's audience that is no pool's id (a user pool's or
/// an app client's). The claim is in every token, with one value: `…IfExists` and a set qualifier
/// compare it as the plain operator does. Values a template leaves open, variables, and patterns
/// that may reach the claim's shape are not judged.
pub(crate) fn claim_no_token_has(host: &str, c: &Condition) -> Option<ClaimShape> {
    use crate::policy::BaseOperator::{StringEquals, StringEqualsIgnoreCase, StringLike};
    let Operator::Known {
        base: base @ (StringEquals | StringEqualsIgnoreCase | StringLike),
        set,
        ..
    } = c.operator
    else {
        return None;
    };
    // `HOST:sub`: the claim and the provider told first, each by a comparison or two; the key's
    // host last (most keys are of the provider they are asked of).
    let (issuer, claim) = c.key.split_at_checked(c.key.len().checked_sub(4)?)?;
    let claim = claim.strip_prefix(':')?;
    let is = |name: &str| claim.eq_ignore_ascii_case(name);
    // github.com's issuer (an enterprise's own too), GitHub Enterprise Server's and GHE.com's:
    // their subjects are written alike.
    let github = || {
        host == GITHUB_ACTIONS
            || host
                .strip_prefix(GITHUB_ACTIONS)
                .is_some_and(|rest| rest.starts_with('/'))
            || crate::checks::is_github_enterprise_server(host)
            || crate::checks::is_github_data_residency(host)
    };
    let cognito = || crate::checks::is_cognito(host);
    let shape = if is("sub") && github() {
        ClaimShape::GitHubSubject
    } else if is("sub") && host.starts_with("oidc.eks.") && is_eks_issuer(host) {
        ClaimShape::ServiceAccount
    } else if is("aud") && cognito() {
        ClaimShape::IdentityPoolId
    } else if is("amr") && set == Some(crate::policy::SetQualifier::ForAllValues) && cognito() {
        ClaimShape::SignedInAmr
    } else if is("sub") && host == "gitlab.com" {
        ClaimShape::GitLabSubject
    } else if is("sub") && host == "app.terraform.io" {
        ClaimShape::TerraformSubject
    } else if is("sub") && host.starts_with(crate::checks::CIRCLECI_ISSUER) {
        ClaimShape::CircleCiSubject
    } else {
        return None;
    };
    if !issuer.eq_ignore_ascii_case(host) {
        return None;
    }
    let whole = |v: &str| base != StringLike || !has_wildcard(v);
    // The suggested policy's values to fill in are judged as what the reader writes there.
    // How IAM folds case beyond ASCII is not documented: such a value is not judged. (Asked
    // last: most values are of the claim's shape.)
    let judged = |v: &str| {
        !(has_variable(v)
            || holds_opaque(v)
            || crate::fix::is_fill_in(v)
            || (base == StringEqualsIgnoreCase && !v.is_ascii()))
    };
    let never = |v: &str| {
        match shape {
            ClaimShape::ServiceAccount => {
                const PREFIX: &str = "system:serviceaccount:";
                let known = ClaimText::written(base, v).known;
                let prefixed = known.len() >= PREFIX.len()
                    && known
                        .get(..PREFIX.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX));
                if !prefixed {
                    // A pattern may still grow into the prefix (`system:*`, `*:app`).
                    return !PREFIX.get(..known.len()).is_some_and(|p| p.eq_ignore_ascii_case(known)) || whole(v);
                }
                // `system:serviceaccount:NAMESPACE:NAME`, neither empty nor holding a `:`.
                let names_one = |rest: &str| matches!(rest.split_once(':'), Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains(':'));
                // Each a Kubernetes name (lowercase, no `_`), as EKS Pod Identity's tags hold them.
                let like = base == StringLike;
                let folds = base == StringEqualsIgnoreCase;
                let no_such_names = |rest: &str| {
                    rest.split_once(':').is_some_and(|(namespace, name)| {
                        !crate::pods::PodTag::Namespace.may_hold(namespace, like, folds)
                            || !crate::pods::PodTag::ServiceAccount.may_hold(name, like, folds)
                    })
                };
                let rest = v.get(PREFIX.len()..);
                (whole(v) && !rest.is_some_and(names_one)) || rest.is_some_and(no_such_names)
            }
            ClaimShape::GitHubSubject => {
                // `CLAIM:VALUE…`, the first claim's name one GitHub's tokens have.
                let subject = ClaimText::written(base, v);
                let (first, complete) = subject.parts().next().unwrap_or_default();
                match (subject.known.len() > first.len(), complete) {
                    (true, _) if first == "repo" => github_repo_subject_never(subject),
                    (true, _) => no_github_claim(first, true, subject.fold),
                    // No `:` at all: only a subject customized to the `context` claim alone, which
                    // is `pull_request` for a pull request (`environment:NAME`, `ref:REF`
                    // otherwise).
                    (false, true) => subject.none_of(first, true, &["pull_request"]),
                    (false, false) => no_github_claim(first, false, subject.fold),
                }
            }
            ClaimShape::IdentityPoolId => whole(v) && !v.contains(':'),
            ClaimShape::GitLabSubject => gitlab_subject_never(ClaimText::written(base, v)),
            // `org/ORG_ID/project/PROJECT_ID/user/USER_ID`, the organization the issuer's own: a
            // subject that starts otherwise (another organization's id, `project/…` alone) or
            // ends before the project's id.
            ClaimShape::CircleCiSubject => {
                let organization = crate::checks::circleci_organization(host).unwrap_or_default();
                let start = text!("org/", organization, "/project/");
                let subject = ClaimText::written(base, v);
                match subject.known.len() > start.len() {
                    true => !subject.starts(subject.known, &start, false),
                    false => !subject.starts(&start, subject.known, false) || subject.whole,
                }
            }
            ClaimShape::TerraformSubject => {
                let subject = ClaimText::written(base, v);
                // A pattern's end is written out too: `…:run_phase:planning` ends whatever it matches.
                let end = v.rsplit(['*', '?']).next().unwrap_or(v);
                terraform_subject_never(subject)
                    || (!subject.whole
                        && (end.rsplit_once(":run_phase:")).is_some_and(|(_, phase)| {
                            !phase.contains(':') && subject.none_of(phase, true, &RUN_PHASES)
                        }))
            }
            // Only `authenticated`: no guest's `amr` (`unauthenticated`) meets it, nor a
            // signed-in identity's, which names its provider besides.
            ClaimShape::SignedInAmr => v.eq_ignore_ascii_case("authenticated"),
            // Judged by [`is_saml_recipient_none_has`], [`saml_doc_of_another`] and
            // [`is_saml_sub_type_none_has`], of a SAML provider's statements.
            ClaimShape::SamlRecipient | ClaimShape::SamlDoc | ClaimShape::SamlSubType => false,
        }
    };
    (!c.values.is_empty() && c.values.iter().all(|v| never(v) && judged(v))).then_some(shape)
}

/// The names of the claims of GitHub's tokens, which a subject customized by
/// `include_claim_keys` writes before their values (GitHub's OIDC reference), and `ref`,
/// `environment` and `pull_request`, which its `context` writes (the default subject's).
const GITHUB_SUBJECT_KEYS: [&str; 30] = [
    "actor",
    "actor_id",
    "base_ref",
    "check_run_id",
    "enterprise",
    "enterprise_id",
    "environment",
    "environment_node_id",
    "event_name",
    "head_ref",
    "job_workflow_ref",
    "job_workflow_sha",
    "pull_request",
    "ref",
    "ref_protected",
    "ref_type",
    "repo",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "run_attempt",
    "run_id",
    "run_number",
    "runner_environment",
    "sha",
    "workflow",
    "workflow_ref",
    "workflow_sha",
];

/// What a condition's value says of a subject for sure: all of it (`whole`), or under
/// `StringLike` what it writes before its first wildcard; compared ignoring case (`fold`) under
/// `StringEqualsIgnoreCase` only, as IAM compares.
#[derive(Clone, Copy)]
struct ClaimText<'v> {
    known: &'v str,
    whole: bool,
    fold: bool,
}

impl<'v> ClaimText<'v> {
    fn written(base: BaseOperator, v: &'v str) -> Self {
        let like = base == BaseOperator::StringLike;
        let end = match like {
            true => v.bytes().position(|b| b == b'*' || b == b'?').unwrap_or(v.len()),
            false => v.len(),
        };
        ClaimText {
            known: v.get(..end).unwrap_or(v),
            whole: end == v.len(),
            fold: base == BaseOperator::StringEqualsIgnoreCase,
        }
    }

    /// The parts between its `:`s, each with whether it is all there is of it (a `:` or the
    /// value's end follows).
    fn parts(self) -> impl Iterator<Item = (&'v str, bool)> {
        let mut parts = self.known.split(':').peekable();
        std::iter::from_fn(move || {
            let part = parts.next()?;
            Some((part, self.whole || parts.peek().is_some()))
        })
    }

    /// Whether `written` (all of a part when `complete`, else its start) can be none of `values`.
    fn none_of(self, written: &str, complete: bool, values: &[&str]) -> bool {
        !values.iter().any(|v| self.starts(v, written, complete))
    }

    /// Whether `value` is `written` (when `complete`), or starts with it.
    fn starts(self, value: &str, written: &str, complete: bool) -> bool {
        let same = |a: &str, b: &str| if self.fold { a.eq_ignore_ascii_case(b) } else { a == b };
        match complete {
            true => same(value, written),
            false => value.get(..written.len()).is_some_and(|start| same(start, written)),
        }
    }
}

/// Whether `key` (all of it when `complete`, else its start) is the name of no claim a GitHub
/// subject writes: [`GITHUB_SUBJECT_KEYS`], or a repository's custom property
/// (`repo_property_NAME`, "Filtering on a repository custom property").
fn no_github_claim(key: &str, complete: bool, fold: bool) -> bool {
    const PROPERTY: &str = "repo_property_";
    let subject = ClaimText {
        known: key,
        whole: complete,
        fold,
    };
    let property = match complete {
        true => key.len() > PROPERTY.len() && subject.starts(key, PROPERTY, false),
        false => subject.starts(PROPERTY, key, false) || subject.starts(key, PROPERTY, false),
    };
    !property && subject.none_of(key, complete, &GITHUB_SUBJECT_KEYS)
}

/// Whether no GitHub subject that begins `repo:` can be `subject`: `repo:OWNER/REPO` (a
/// repository's full name, one `/`), then claims and their values (`ref:refs/heads/main`,
/// `environment:prod`, `pull_request`, or a claim a customized subject adds:
/// [`no_github_claim`]), and a `ref` always a full ref (`refs/heads/…`, `refs/tags/…`,
/// `refs/pull/…`). Catches `repo:acme/app:ref:main`, `…:branch:main`, `…:refs/heads/main`,
/// `…:push`, `repo:acme/app/*`, `repo:acme:*`. A claim whose value may hold a `:` (a workflow's
/// or an environment's name) ends the reading: what follows is not judged.
fn github_repo_subject_never(subject: ClaimText) -> bool {
    let mut parts = subject.parts();
    let _repo = parts.next();
    let Some((repository, complete)) = parts.next() else {
        return false;
    };
    let slashes = repository.matches('/').count();
    if slashes > 1 || (slashes == 0 && complete) {
        return true;
    }
    while let Some((key, complete)) = parts.next() {
        if no_github_claim(key, complete, subject.fold) {
            return true;
        }
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        if !complete || is("pull_request") {
            continue;
        }
        // Free text, which may hold a `:`: what follows is not read.
        if is("workflow") || is("environment") {
            return false;
        }
        match parts.next() {
            Some((git_ref, complete)) if is("ref") => {
                let full = subject.starts(git_ref, "refs/", false);
                if !full && subject.none_of(git_ref, complete, &["refs/"]) {
                    return true;
                }
            }
            Some(_) => {}
            None => return false,
        }
    }
    false
}

/// The condition of `s` on the audience of the provider at `host` that holds what its subject
/// should (`aud` = `system:serviceaccount:…` beside `sub` = `sts.amazonaws.com`): the two values
/// written the wrong way round.
pub(crate) fn swapped_audience<'p>(
    s: &'p Statement<'p>,
    host: &str,
    subject: &Condition,
    shape: ClaimShape,
) -> Option<&'p Condition<'p>> {
    let subject_starts = match shape {
        ClaimShape::ServiceAccount => "system:serviceaccount:",
        ClaimShape::GitHubSubject => "repo:",
        ClaimShape::GitLabSubject => "project_path:",
        ClaimShape::TerraformSubject => "organization:",
        ClaimShape::CircleCiSubject => "org/",
        ClaimShape::IdentityPoolId
        | ClaimShape::SignedInAmr
        | ClaimShape::SamlRecipient
        | ClaimShape::SamlDoc
        | ClaimShape::SamlSubType => return None,
    };
    // An audience as written in the subject's place: `sts.amazonaws.com`, a URL (GitHub's older
    // default, `https://github.com/OWNER`), a domain; not a name (`app`), which no token's
    // audience would be once swapped.
    let audience_like = |v: &str| {
        v.starts_with("https://") || (v.contains('.') && !v.contains(':') && !v.contains('/') && !v.contains(' '))
    };
    if !subject.values.iter().all(|v| audience_like(v)) {
        return None;
    }
    (s.conditions.iter()).find(|c| {
        let claim = strip_prefix_ignore_case(&c.key, host).and_then(|rest| rest.strip_prefix(':'));
        // Only an audience asked for: one excluded (`StringNotLike … repo:evil/*`) swapped into
        // the subject would let in whom the author kept out.
        let asked = matches!(c.operator, Operator::Known { base, .. }
            if matches!(base, BaseOperator::StringEquals | BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringLike));
        claim.is_some_and(|claim| claim.eq_ignore_ascii_case("aud"))
            && asked
            && !c.values.is_empty()
            && c.values.iter().all(|v| v.starts_with(subject_starts))
    })
}

/// The values `condition` meant, each as the provider writes it ([`subject_with_its_start`]), when
/// every one of them can be told.
pub(crate) fn claim_values_meant(condition: &Condition, shape: ClaimShape) -> Option<Vec<String>> {
    (condition.values.iter())
        .map(|v| subject_with_its_start(shape, v))
        .collect()
}

/// A subject no token has written as one with its start left out, as the suggested policy
/// writes it: `acme/app:ref:refs/heads/main` → `repo:acme/app:ref:refs/heads/main` (an owner and
/// a repository, and what follows them), `prod:app` or `serviceaccount:prod:app` →
/// `system:serviceaccount:prod:app`. `None` where the subject meant can't be told.
pub(crate) fn subject_with_its_start(shape: ClaimShape, value: &str) -> Option<String> {
    let name =
        |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.*?".contains(&b));
    match shape {
        ClaimShape::GitHubSubject if value.starts_with("repo:") => github_repo_subject_meant(value),
        ClaimShape::GitHubSubject => {
            // The repository's URL for its name (`https://github.com/acme/app:*`).
            let value = value.strip_prefix("https://github.com/").unwrap_or(value);
            let (repository, context) = value.split_once(':')?;
            let (owner, repo) = repository.split_once('/')?;
            (name(owner) && name(repo) && !context.is_empty()).then(|| text!("repo:", value))
        }
        ClaimShape::ServiceAccount => {
            // Names in capitals: Kubernetes' are lowercase, so the ones meant.
            if let Some(rest) = value.strip_prefix("system:serviceaccount:") {
                let lower = rest.to_ascii_lowercase();
                let (namespace, account) = lower.split_once(':')?;
                let kubernetes_names = crate::pods::PodTag::Namespace.may_hold(namespace, true, false)
                    && crate::pods::PodTag::ServiceAccount.may_hold(account, true, false);
                return (lower != rest && kubernetes_names).then(|| text!("system:serviceaccount:", lower));
            }
            let rest = value.strip_prefix("serviceaccount:").unwrap_or(value);
            let (namespace, account) = rest.split_once(':')?;
            (name(namespace) && name(account)).then(|| text!("system:serviceaccount:", rest))
        }
        ClaimShape::TerraformSubject => terraform_subject_meant(value),
        // Which organization's project was meant, the issuer's or the one written, only the
        // author knows.
        ClaimShape::CircleCiSubject => None,
        // A project's path with `project_path:` left out, or written as GitHub's `repo:`; a
        // branch as its full ref (GitLab's `ref` is its short name, after its type).
        ClaimShape::GitLabSubject => {
            let path_and_rest = (value.strip_prefix("project_path:"))
                .or_else(|| value.strip_prefix("repo:"))
                .unwrap_or(value);
            let (path, rest) = path_and_rest.split_once(':').unwrap_or((path_and_rest, ""));
            let rest = match rest.strip_prefix("ref:refs/heads/") {
                Some(branch) => text!("ref_type:branch:ref:", branch),
                None => rest.replacen(":ref:refs/heads/", ":ref:", 1),
            };
            let meant = match rest.is_empty() {
                true => text!("project_path:", path),
                false => text!("project_path:", path, ":", rest),
            };
            (path.contains('/') && path.split('/').all(name) && meant != value).then_some(meant)
        }
        ClaimShape::SamlSubType => saml_sub_type_meant(value).map(str::to_owned),
        // The sign-in endpoint is the role's partition's: [`saml_recipient_of`].
        ClaimShape::SamlRecipient | ClaimShape::SamlDoc | ClaimShape::IdentityPoolId | ClaimShape::SignedInAmr => None,
    }
}

/// A run's phases, as HCP Terraform's subjects write them.
const RUN_PHASES: [&str; 2] = ["plan", "apply"];

/// Whether no GitLab subject can be `known` ([`subject_parts`]): it starts `project_path:` (a
/// subject without it, or GitHub's `repo:…`, is none), and its `ref_type` is `branch` or `tag`
/// (GitLab's ID token reference; `mr`, `merge_request_event` are no ref type). A project's
/// path and a git ref hold no `:`, so the parts are claims and values, in whatever order a
/// project's customized subject writes them.
fn gitlab_subject_never(subject: ClaimText) -> bool {
    let mut parts = subject.parts();
    // Every subject starts with the project's path, however a project customizes the rest.
    if (parts.next()).is_some_and(|(first, complete)| subject.none_of(first, complete, &["project_path"])) {
        return true;
    }
    while let Some((part, complete)) = parts.next() {
        let Some((value, value_complete)) = (complete && (part == "ref_type" || part == "ref"))
            .then(|| parts.next())
            .flatten()
        else {
            continue;
        };
        let never = match part {
            "ref_type" => subject.none_of(value, value_complete, &["branch", "tag"]),
            // A branch's short name, which GitLab never lets start so (its GitRefValidator).
            _ => ["refs/heads/", "refs/remotes/"]
                .iter()
                .any(|prefix| subject.starts(value, prefix, false)),
        };
        if never {
            return true;
        }
    }
    false
}

/// Whether no HCP Terraform subject can be `subject`: one written without the workspace's
/// project (`organization:ORG:workspace:…`, the form before projects came, which tokens stopped
/// matching: HashiCorp's "Updating Workload Identity for Projects"), or a run phase other than
/// `plan` or `apply`. Names of organizations, projects and workspaces hold no `:`.
fn terraform_subject_never(subject: ClaimText) -> bool {
    let mut parts = subject.parts();
    if !parts
        .next()
        .is_some_and(|(first, complete)| complete && first == "organization")
    {
        return false;
    }
    let _organization = parts.next();
    if (parts.next()).is_some_and(|(key, complete)| complete && subject.starts(key, "workspace", true)) {
        return true;
    }
    while let Some((part, complete)) = parts.next() {
        if complete && part == "run_phase" {
            if let Some((phase, complete)) = parts.next() {
                if subject.none_of(phase, complete, &RUN_PHASES) {
                    return true;
                }
            }
        }
    }
    false
}

/// An HCP Terraform subject of the form before projects (`organization:ORG:workspace:…`) with its
/// project to fill in, the rest kept.
fn terraform_subject_meant(value: &str) -> Option<String> {
    let (organization, rest) = value.strip_prefix("organization:")?.split_once(':')?;
    rest.starts_with("workspace:")
        .then(|| text!("organization:", organization, ":project:REPLACE_WITH_PROJECT:", rest))
}

/// A GitHub subject no token has ([`github_repo_subject_never`]) as it was surely meant: a ref
/// written as its short name (`ref:main`, `branch:main` → `ref:refs/heads/main`, `tag:v1` →
/// `ref:refs/tags/v1`) or without its claim (`repo:acme/app:refs/heads/main`), a repository
/// followed by a path (`repo:acme/app/*` → `repo:acme/app:*`). `None` for what can't be told
/// (`repo:acme:*`: which repository; `repo:acme/app:push`: which refs).
fn github_repo_subject_meant(value: &str) -> Option<String> {
    let rest = value.strip_prefix("repo:")?;
    let Some((repository, context)) = rest.split_once(':') else {
        let (owner_and_repo, path) = rest.rsplit_once('/')?;
        return (path == "*" && owner_and_repo.matches('/').count() == 1).then(|| text!("repo:", owner_and_repo, ":*"));
    };
    if repository.matches('/').count() != 1 {
        return None;
    }
    let full_ref =
        |prefix: &str, name: &str| (!name.is_empty()).then(|| text!("repo:", repository, ":ref:", prefix, name));
    if let Some(name) = context.strip_prefix("ref:").filter(|name| !name.starts_with("refs/")) {
        full_ref("refs/heads/", name)
    } else if let Some(name) = context.strip_prefix("branch:") {
        full_ref("refs/heads/", name)
    } else if let Some(name) = context.strip_prefix("tag:") {
        full_ref("refs/tags/", name)
    } else if context.starts_with("refs/") {
        full_ref("", context)
    } else {
        None
    }
}

/// The AWS sign-in endpoint a SAML assertion is posted to in `partition`, as `SAML:aud` holds it.
pub(crate) fn saml_recipient_of(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "https://signin.amazonaws.cn/saml",
        "aws-us-gov" => "https://signin.amazonaws-us-gov.com/saml",
        _ => "https://signin.aws.amazon.com/saml",
    }
}

/// The shape of a claim every token of a provider has ([`claim_no_token_has`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClaimShape {
    /// An EKS cluster's `sub`: `system:serviceaccount:NAMESPACE:NAME`.
    ServiceAccount,
    /// GitHub's `sub`: a claim's name and its value, `repo:OWNER/REPO:…` unless customized.
    GitHubSubject,
    /// A Cognito identity pool's `aud`: the pool's id, `REGION:ID`.
    IdentityPoolId,
    /// A SAML assertion's Recipient, as `SAML:aud` holds it: the AWS sign-in endpoint.
    SamlRecipient,
    /// The format of a SAML assertion's subject, as `SAML:sub_type` holds it: `persistent`,
    /// `transient`, or the format's URI.
    SamlSubType,
    /// The SAML provider a request came through, as `SAML:doc` holds it: `ACCOUNT/NAME`.
    SamlDoc,
    /// A Cognito identity pool's `amr` under `ForAllValues:`, which needs each of its values to
    /// match: a signed-in identity's holds `authenticated` and its provider
    /// (`cognito-idp.REGION.amazonaws.com/POOL`, `…:CLIENT:SUB`), a guest's `unauthenticated`.
    SignedInAmr,
    /// GitLab's `sub`: `project_path:GROUP/PROJECT:ref_type:TYPE:ref:REF`, its `ref_type`
    /// `branch` or `tag`.
    GitLabSubject,
    /// HCP Terraform's `sub`: `organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:PHASE`.
    TerraformSubject,
    /// CircleCI's `sub`: `org/ORG_ID/project/PROJECT_ID/user/USER_ID`, of the issuer's own
    /// organization (`oidc.circleci.com/org/ORG_ID`).
    CircleCiSubject,
}

impl ClaimShape {
    /// A value of the claim's shape for the reader to fill in ([`crate::fix::is_fill_in`]).
    pub(crate) fn value_to_fill_in(self) -> &'static str {
        match self {
            ClaimShape::ServiceAccount => "system:serviceaccount:REPLACE_WITH_NAMESPACE:REPLACE_WITH_NAME",
            ClaimShape::GitHubSubject => "repo:REPLACE_WITH_OWNER/REPLACE_WITH_REPO:ref:refs/heads/REPLACE_WITH_BRANCH",
            ClaimShape::IdentityPoolId => "REPLACE_WITH_IDENTITY_POOL_ID",
            ClaimShape::GitLabSubject => {
                "project_path:REPLACE_WITH_GROUP/REPLACE_WITH_PROJECT:ref_type:branch:ref:REPLACE_WITH_BRANCH"
            }
            ClaimShape::TerraformSubject => {
                "organization:REPLACE_WITH_ORG:project:REPLACE_WITH_PROJECT:workspace:REPLACE_WITH_WORKSPACE:run_phase:REPLACE_WITH_PHASE"
            }
            ClaimShape::CircleCiSubject => "org/REPLACE_WITH_ORG_ID/project/REPLACE_WITH_PROJECT_ID/user/REPLACE_WITH_USER_ID",
            ClaimShape::SignedInAmr | ClaimShape::SamlRecipient | ClaimShape::SamlDoc | ClaimShape::SamlSubType => {
                "REPLACE_WITH_VALUE"
            }
        }
    }

    /// The claim's shape, as the fix says to write it.
    pub(crate) fn fill_in(self) -> &'static str {
        match self {
            ClaimShape::ServiceAccount => "system:serviceaccount:NAMESPACE:NAME",
            ClaimShape::GitHubSubject => "repo:OWNER/REPO:ref:refs/heads/BRANCH (or :environment:NAME)",
            ClaimShape::IdentityPoolId => "the identity pool's id, REGION:ID",
            ClaimShape::SignedInAmr => "authenticated, under ForAnyValue:StringLike",
            ClaimShape::SamlRecipient => {
                "the sign-in endpoint of the role's partition, https://signin.aws.amazon.com/saml (https://signin.amazonaws.cn/saml in China, https://signin.amazonaws-us-gov.com/saml in GovCloud)"
            }
            ClaimShape::SamlDoc => "the provider's account and name, ACCOUNT/NAME",
            ClaimShape::SamlSubType => "persistent, transient, or the subject's format URI (urn:oasis:names:tc:SAML:…)",
            ClaimShape::GitLabSubject => "project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH (ref_type:tag for a tag)",
            ClaimShape::TerraformSubject => "organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:PHASE (plan or apply)",
            ClaimShape::CircleCiSubject => "org/ORG_ID/project/PROJECT_ID/user/USER_ID, ORG_ID the issuer's own",
        }
    }

    /// The shape, as the finding's text says it.
    pub(crate) fn described(self) -> &'static str {
        match self {
            ClaimShape::ServiceAccount => {
                "an EKS cluster's tokens name a Kubernetes service account, system:serviceaccount:NAMESPACE:NAME (Kubernetes' names: lowercase letters, digits, - and .)"
            }
            ClaimShape::GitHubSubject => {
                "GitHub's subjects are claims' names, each with its value, as in repo:OWNER/REPO:ref:refs/heads/main (a repository as OWNER/REPO, a ref in full)"
            }
            ClaimShape::IdentityPoolId => {
                "an identity pool's tokens carry the pool's id, REGION:ID (us-east-1:1a2b3c4d-…), not a user pool's or an app client's"
            }
            ClaimShape::SignedInAmr => {
                "ForAllValues needs each of amr's values to match, and a signed-in identity's amr also names its provider (a guest's is unauthenticated)"
            }
            ClaimShape::SamlRecipient => {
                "SAML:aud holds the assertion's Recipient, the AWS sign-in endpoint it is posted to (https://signin.aws.amazon.com/saml, or a region's), not its Audience (urn:amazon:webservices)"
            }
            ClaimShape::SamlDoc => {
                "SAML:doc holds the provider the request came through, as its account and name (ACCOUNT/NAME)"
            }
            ClaimShape::SamlSubType => {
                "SAML:sub_type holds persistent, transient, or the full format URI of the assertion's subject, in lower case as written"
            }
            ClaimShape::GitLabSubject => {
                "GitLab's subjects are project_path:GROUP/PROJECT:ref_type:TYPE:ref:REF, whose ref_type is branch or tag"
            }
            ClaimShape::TerraformSubject => {
                "HCP Terraform's subjects name the workspace's project (organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:PHASE, since projects came in 2023), and a run's phase is plan or apply"
            }
            ClaimShape::CircleCiSubject => {
                "CircleCI's subjects are org/ORG_ID/project/PROJECT_ID/user/USER_ID, and an organization's issuer (oidc.circleci.com/org/ORG_ID) signs only its own"
            }
        }
    }
}

/// A GitHub subject a repository customizes (`repository_owner:acme:repository:acme/app:…`)
/// whose owner or repository holds a `*`, which GitHub's names never do. Read from the start,
/// claim by claim, only as far as claims whose values hold no `:` (ids and names); a free-text
/// claim (`workflow`, `environment`, `context`) may hold anything after it, another claim's name
/// included, so the reading stops there. `job_workflow_ref` is read as far as its `OWNER/REPO`.
fn customized_owner_has_wildcard(value: &str) -> bool {
    // Claims whose values never hold a `:`: ids, logins, slugs, enums and git refs
    // (git-check-ref-format refuses `:`).
    const WITHOUT_COLON: [&str; 19] = [
        "repository_owner_id",
        "repository_id",
        "repository_visibility",
        "actor",
        "actor_id",
        "ref",
        "base_ref",
        "head_ref",
        "ref_type",
        "ref_protected",
        "enterprise",
        "enterprise_id",
        "event_name",
        "runner_environment",
        "job_workflow_sha",
        "workflow_sha",
        "run_id",
        "run_number",
        "run_attempt",
    ];
    let mut parts = value.split(':');
    while let (Some(claim), Some(claimed)) = (parts.next(), parts.next()) {
        match claim {
            "repo" | "repository_owner" | "repository" if claimed.contains('*') => return true,
            "repo" | "repository_owner" | "repository" => {}
            "job_workflow_ref" => return claimed.splitn(3, '/').take(2).any(|name| name.contains('*')),
            claim if WITHOUT_COLON.contains(&claim) => {}
            _ => return false,
        }
    }
    false
}

/// The one way `principal` assumes a role: AWS principals and services sign `sts:AssumeRole`, a
/// SAML provider's users `sts:AssumeRoleWithSAML`, an OIDC provider's `…WithWebIdentity`.
/// `None` for a canonical user, which assumes no role.
pub(crate) fn action_needed_by(kind: PrincipalKind, principal: &str) -> Option<&'static str> {
    match kind {
        PrincipalKind::Aws | PrincipalKind::Service => Some(ASSUME_ROLE),
        PrincipalKind::Federated if is_saml_provider(principal) => Some(ASSUME_ROLE_WITH_SAML),
        PrincipalKind::Federated => Some(ASSUME_ROLE_WITH_WEB_IDENTITY),
        PrincipalKind::CanonicalUser => None,
    }
}

/// A Deny that applies to every caller this Allow admits, whoever they are: no conditions, or
/// only conditions that hold for each of them ([`holds_for_every_caller_of`]), every principal
/// the Allow names (or `"*"`), every way of assuming the role it grants.
pub(crate) fn covering_deny(policy: &Policy, allow: &Statement, subject: &Subject) -> Option<usize> {
    covering_deny_for(policy, allow, None, subject)
}

/// Whether `denied`, a Deny's principal, is the account of `allowed`, a role or user an Allow
/// names: a Deny of an account stops every principal of it.
fn is_account_of((denied_kind, denied): (PrincipalKind, &str), (allowed_kind, allowed): (PrincipalKind, &str)) -> bool {
    fn partition(arn: &str) -> Option<&str> {
        arn_fields::<6>(arn).map(|[_, partition, ..]| partition)
    }
    denied_kind == PrincipalKind::Aws
        && allowed_kind == PrincipalKind::Aws
        && !has_wildcard(allowed)
        && !holds_opaque(allowed)
        && (allowed.contains(":role/") || allowed.contains(":user/"))
        && crate::checks::root_account(denied).is_some_and(|account| {
            crate::pattern::arn_account(allowed) == Some(account)
                && (is_account_id(denied) || partition(denied) == partition(allowed))
        })
}

/// [`covering_deny`] for the callers of one principal of the Allow (`only`), whatever else the
/// statement names.
pub(crate) fn covering_deny_for(
    policy: &Policy,
    allow: &Statement,
    only: Option<(PrincipalKind, &str)>,
    subject: &Subject,
) -> Option<usize> {
    let negated = only.is_none() && allow.principals.negated;
    let callers = || callers_of(allow, only);
    policy.statements.iter().position(|d| {
        // The cheap tests first: most statements are Allows, and most Denies have conditions.
        if d.effect != Effect::Deny || d.principals.negated {
            return false;
        }
        let holds = |c: &Condition| crate::checks::holds_for_every_admitted(c, allow, only, policy.version, subject);
        if !holds_for_every_caller_of(d, allow, callers, negated, subject.now, holds) {
            return false;
        }
        // `{"AWS": "*"}` covers AWS principals only, not an identity provider's or a service's
        // callers ([`crate::checks::denies_everyone_of`]), whom the bare `"*"` names too.
        let bare = (allow.principals.bare_wildcard || allow.principals.negated) && !d.principals.bare_wildcard;
        let names_everyone = || {
            let all_aws = !bare && callers().all(|(kind, _)| kind == PrincipalKind::Aws);
            crate::checks::denies_everyone_of(d, all_aws)
        };
        let names_each = || {
            !negated
                && !bare
                && callers().next().is_some()
                && callers().all(|allowed| {
                    (d.principals.entries()).any(|denied| {
                        same_principal(denied, allowed, subject.partition) || is_account_of(denied, allowed)
                    })
                })
        };
        (names_everyone() || names_each()) && denies_every_way_of(d, allow, only)
    })
}

/// The principals of `allow` whose callers a Deny must stop: `only`, when given, else all.
fn callers_of<'s>(
    allow: &'s Statement,
    only: Option<(PrincipalKind, &'s str)>,
) -> impl Iterator<Item = (PrincipalKind, &'s str)> {
    let all = only.is_none().then(|| allow.principals.entries());
    only.into_iter().chain(all.into_iter().flatten())
}

/// Whether Deny `d` denies every way the callers of `allow` (of `only`, when given) assume the
/// role through it. Each principal assumes a role one way ([`action_needed_by`]): a root beside
/// a SAML provider signs only `sts:AssumeRole`, which is all a Deny must cover for it. A
/// wildcard, a value the template doesn't determine, or a `NotPrincipal` may come any way.
pub(crate) fn denies_every_way_of(d: &Statement, allow: &Statement, only: Option<(PrincipalKind, &str)>) -> bool {
    let anyone = only.is_none() && (allow.principals.negated || allow.principals.is_empty());
    let may_come_by = |action: &str| {
        anyone
            || callers_of(allow, only)
                .any(|(kind, p)| has_wildcard(p) || is_opaque(p) || action_needed_by(kind, p) == Some(action))
    };
    ASSUME_ACTIONS
        .iter()
        .all(|a| !covers(&allow.actions, a) || covers(&d.actions, a) || !may_come_by(a))
}

/// Whether every condition of Deny `d` holds for each of `callers` of Allow `allow` (a `NotPrincipal`'s when
/// `negated`): on the time, from `now` on, or on a source key (`StringNotEquals
/// aws:SourceAccount`, met when the key is missing) while none of them sends one. Only a service
/// sends source keys, for the resource it acts for: IAM users and roles, accounts and federated
/// users never do, nor do the services that send none (EC2). `"*"` and a `NotPrincipal` may be
/// any service. Or as `admitted` says ([`crate::checks::holds_for_every_admitted`]: the Allow
/// demands it, or it excepts no caller's account, or names each one's).
fn holds_for_every_caller_of<'p, I>(
    d: &Statement,
    allow: &Statement,
    callers: impl Fn() -> I,
    negated: bool,
    now: Option<i64>,
    admitted: impl Fn(&Condition) -> bool,
) -> bool
where
    I: Iterator<Item = (PrincipalKind, &'p str)>,
{
    // A service that sends none may send them for the resources the Allow names (CloudTrail
    // for a Lake event data store).
    let never_sends_source_keys = || {
        !negated
            && callers().all(|(kind, p)| match kind {
                PrincipalKind::Aws => p != "*",
                PrincipalKind::Federated | PrincipalKind::CanonicalUser => true,
                PrincipalKind::Service => {
                    sends_no_source_keys(p) && !crate::contexts::sends_source_keys_for(p, &allow.conditions)
                }
            })
    };
    d.conditions.iter().all(|c| {
        let on_time = || time_from_now(c, now, Effect::Deny) == Some(Tri::True);
        let missing_source = || {
            is_source_key(&c.key)
                && matches!(c.operator, Operator::Known { base, set, if_exists }
                    if missing_key(base, set, if_exists, &c.values) == Tri::True)
                && never_sends_source_keys()
        };
        on_time() || missing_source() || admitted(c)
    })
}

/// Whether `key` is a claim of the OIDC provider `principal` (`gitlab.com:project_id` of
/// `…:oidc-provider/gitlab.com`): a key of its own host.
pub(crate) fn is_provider_claim(principal: &str, key: &str) -> bool {
    principal.contains(":oidc-provider/")
        && strip_prefix_ignore_case(key, &crate::checks::oidc_host(principal)).is_some_and(|rest| rest.starts_with(':'))
}

/// A condition on a key a provider's tokens never carry, the statement to be kept without it: a
/// claim of its that STS doesn't read, or session tags or a source identity GitHub can't send.
pub(crate) fn asks_provider_for_what_it_never_sends(principal: &str, key: &str) -> bool {
    // A signed request's key, or a service's (`aws:SourceAccount` at GitHub, `aws:PrincipalArn`
    // at a SAML provider): the provider stays, scoped by what its tokens or assertions carry.
    let oidc_never_carries = || {
        let host = oidc_host(principal);
        crate::checks::token_never_carries(&host, key) || crate::checks::never_in_federated_request(&host, key)
    };
    is_provider_claim(principal, key)
        || (is_web_identity_provider(principal) && oidc_never_carries())
        || (is_saml_provider(principal) && crate::checks::never_in_federated_request(principal, key))
}

/// The claim a key written without its provider (`sub`, `aud`) was meant as, where statement `s`
/// trusts one OIDC provider whose tokens STS reads it from: `token.actions.githubusercontent.com:sub`.
pub(crate) fn claim_meant(s: &Statement, key: &str) -> Option<String> {
    if key.contains(':') || s.principals.negated || s.principals.federated.iter().any(|p| is_saml_provider(p)) {
        return None;
    }
    let mut hosts = (s.principals.federated.iter())
        .filter(|p| is_web_identity_provider(p) && !is_opaque(p))
        .map(|p| oidc_host(p));
    let host = hosts.next()?;
    if hosts.any(|other| other != host) {
        return None;
    }
    let claim = key.to_ascii_lowercase();
    let read = match crate::checks::claims_sts_reads(&host) {
        Some(claims) => claims.contains(&claim.as_str()),
        None => matches!(claim.as_str(), "sub" | "aud"),
    };
    read.then(|| text!(host.as_ref(), ":", claim))
}

/// An OIDC provider: one of the account's (its ARN) or one IAM knows by name.
pub(crate) fn is_web_identity_provider(principal: &str) -> bool {
    principal.contains(":oidc-provider/") || crate::fix::is_provider_known_by_name(principal)
}

/// A tag asked of an identity provider as the caller's (`aws:PrincipalTag/team`, a signer's key no
/// federated call has): the key its session tags come as (`aws:RequestTag/team`, from a SAML
/// assertion's `PrincipalTag:` attributes, a token's `https://aws.amazon.com/tags` claim, a
/// Cognito pool's attributes for access control), where its tokens can carry them
/// ([`crate::checks::may_send_session_tags`]), when `statement` names `principal` as an identity
/// provider (`"Service": "cognito-identity.amazonaws.com"` is none). EKS Pod Identity's own tags
/// likewise ([`crate::pods::tag_as_sent`]). With the kind of principal it is, as the
/// suggested policy's `Principal` writes it.
pub(crate) fn tag_as_sent(statement: &Statement, principal: &str, key: &str) -> Option<(String, &'static str)> {
    if !statement.principals.federated.iter().any(|p| p == principal) {
        return crate::pods::tag_as_sent(principal, key).map(|sent| (sent, "Service"));
    }
    let tag = strip_prefix_ignore_case(key, "aws:PrincipalTag/")?;
    let carries_tags = is_saml_provider(principal)
        || (is_web_identity_provider(principal) && crate::checks::may_send_session_tags(&oidc_host(principal)));
    carries_tags.then(|| (format!("aws:RequestTag/{tag}"), "Federated"))
}

/// A condition comparing `aws:PrincipalArn` for equality with values that each hold a `*` or `?`
/// outside a path (and nothing a template or a variable leaves open): a role's or user's name
/// takes neither, nor an account id. A path may (IAM's pattern for one is any printable ASCII),
/// so one there is not judged.
fn principal_arn_taken_literally<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    use crate::policy::BaseOperator::{StringEquals, StringEqualsIgnoreCase};
    let outside_path = |v: &str| {
        let (head, name) = match (v.split_once('/'), v.rsplit_once('/')) {
            (Some((head, _)), Some((_, name))) => (head, name),
            _ => (v, ""),
        };
        head.contains(['*', '?']) || name.contains(['*', '?'])
    };
    (s.conditions.iter()).find(|c| {
        c.key.eq_ignore_ascii_case("aws:PrincipalArn")
            && matches!(
                c.operator,
                Operator::Known {
                    base: StringEquals | StringEqualsIgnoreCase,
                    set: None,
                    ..
                }
            )
            && !c.values.is_empty()
            && (c.values.iter()).all(|v| outside_path(v) && !has_variable(v) && !is_opaque(v))
    })
}

/// The message and fix of `STATEMENT_NEVER_APPLIES`.
fn never_applies_text(index: usize, statement: &Statement, first: &Dead, all: &[Dead]) -> (String, String) {
    let whole = all.len() == statement.principals.entries().count() || first.principal().is_none();
    let why = match first {
        Dead::FederatedUser { principal } => text!(
            principal,
            " is a federated user's session (GetFederationToken), which can call no STS operation but GetCallerIdentity"
        ),
        Dead::WrongAction { principal, needs } => {
            text!(
                principal,
                " assumes a role only with ",
                needs,
                ", which statement ",
                index,
                " doesn't allow"
            )
        }
        Dead::Unsendable { condition, action, .. } => {
            text!(
                "it asks for ",
                describe_condition(condition),
                ", which no request carries: no statement allows ",
                action.action(),
                " to its callers, or a Deny refuses it"
            )
        }
        Dead::SourceNeverMatches {
            principal,
            condition,
            why: SourceMismatch::NotAnAccount,
        } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no account id ",
            principal,
            " sends as ",
            account_key(condition),
            " meets: no value is a 12-digit account id"
        ),
        Dead::SourceNeverMatches { principal, condition, why } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no ARN ",
            principal,
            " sends as aws:SourceArn meets: ",
            match why {
                SourceMismatch::NotAnArn => "it is not an ARN",
                SourceMismatch::LiteralWildcard =>
                    "StringEquals compares * and ? literally, and no ARN has one before its resource",
                SourceMismatch::WildcardsAlone =>
                    "StringEquals compares * and ? literally, and a resource of wildcards alone is no resource's name",
                SourceMismatch::LiteralWildcardInName =>
                    "StringEquals compares * and ? literally, and no name of this service's resources has one",
                SourceMismatch::OtherAccount =>
                    "its account is not the statement's aws:SourceAccount, and AWS sends the account of the resource it names",
                SourceMismatch::OtherPartition => "its partition is not the role's",
                SourceMismatch::AccountNotAnId => "its account is no 12-digit account id",
                SourceMismatch::NotAnAccount => "it is not an account id",
                SourceMismatch::OtherKind => crate::services::source_arn_kind(principal).map_or("", |k| k.described),
            }
        ),
        Dead::LiteralVariable { condition } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which IAM reads as text without \"Version\": \"2012-10-17\" (no policy variables before it), and no caller's value is that text"
        ),
        Dead::NoValueStsTakes { condition } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no request carries: STS takes ",
            crate::evaluate::CallerSet::of_condition(condition).full_name,
            " of ",
            crate::evaluate::CallerSet::of_condition(condition).form,
            " only"
        ),
        Dead::NoPodSessionHas { condition, tag, .. } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no session EKS Pod Identity asks for has: ",
            tag.described()
        ),
        Dead::NoSuchOrganization { condition } => text!(
            "it asks for ",
            describe_condition(condition),
            match crate::organizations::org_key(&condition.key) {
                Some(crate::organizations::OrgKey::Path) =>
                    ", which no request carries: an account's path in its organization is its organization's id, its root's and its units', each followed by / (o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/), in lowercase",
                _ => ", which no request carries: an organization's id is o- and 10 to 32 lowercase letters or digits",
            }
        ),
        Dead::UnsubstitutedParameter { condition, parameter } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no request meets: ${",
            parameter,
            "} is a CloudFormation pseudo parameter left as written (no Fn::Sub), which IAM reads as a policy variable no request has"
        ),
        Dead::SessionActionMissing { principal, action } => text!(
            principal,
            " sets a source identity and session tags on every session it asks for, and no statement allows ",
            action.action(),
            ": IAM refuses each request"
        ),
        // A provider's own claim that STS doesn't read (GitLab's `project_id`): the token may
        // hold it, no request does.
        Dead::NeverSent {
            principal,
            sender,
            condition,
        } if is_provider_claim(principal, &condition.key) => text!(
            "it asks for ",
            describe_condition(condition),
            ", a claim STS doesn't read from ",
            sender,
            "'s tokens: no request carries it",
            match statement.effect {
                Effect::Deny => ", so the Deny stops none of its callers",
                Effect::Allow => "",
            }
        ),
        // The role's own tags, as read: the same for every caller, and the owner's to change.
        Dead::NeverSent { condition, .. } if crate::contexts::is_role_own_key(&condition.key) => text!(
            "it asks for ",
            describe_condition(condition),
            ", which the role's own tags don't meet (the same for every caller, until the tag changes)"
        ),
        Dead::NeverSent { sender, condition, .. } => {
            text!(
                "it asks for ",
                describe_condition(condition),
                ", which ",
                sender,
                " never sends",
                match statement.effect {
                    Effect::Deny => ", so the Deny stops none of its callers",
                    Effect::Allow => "",
                }
            )
        }
        Dead::KeyNeverSent { condition, unsent, .. } => {
            let why = match unsent {
                UnsentKey::NoService(_) => "a key without a service, as IAM's are (service:name)",
                UnsentKey::NoClaim => "a provider's name with no claim after it (such as :sub or :aud)",
                UnsentKey::OtherService => "a key of a service STS is not known to read",
                UnsentKey::WrongService(_) => "a key of another service than the one that has it",
                UnsentKey::Slip(_) => "no key AWS documents",
            };
            // Only likely none: said so, beside a finding that fails closed on it.
            let carried = match unsent.is_certain() {
                true => ", which no request carries",
                false => ", which no request is known to carry",
            };
            let stops = match statement.effect {
                Effect::Deny => ", so the Deny stops nobody",
                Effect::Allow => "",
            };
            let meant = (unsent.meant().map(Cow::Borrowed)).or_else(|| claim_meant(statement, &condition.key).map(Cow::Owned));
            match meant {
                Some(meant) => text!(
                    "it asks for ",
                    describe_condition(condition),
                    ", ",
                    why,
                    " (",
                    meant,
                    " was meant?)",
                    carried,
                    stops
                ),
                None => text!("it asks for ", describe_condition(condition), ", ", why, carried, stops),
            }
        }
        Dead::PrivateSourceIp { condition } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no request meets: aws:SourceIp holds the caller's public address (a call through a VPC endpoint has none), never a private one"
        ),
        Dead::ProviderOfAnotherAccount { principal, account } => text!(
            principal,
            " is account ",
            *account,
            "'s: STS looks a token's issuer up among the role's own account's OIDC providers, so no request names another account's"
        ),
        Dead::NoSuchService { principal, meant } if statement.effect == Effect::Deny => text!(
            "it stops no service: ",
            principal,
            " is no AWS service's principal (",
            meant,
            " was meant?), so the Allows let in what it was to stop"
        ),
        Dead::NoSuchService { principal, meant } => text!(
            "no service assumes a role as ",
            principal,
            ", which is no AWS service's principal (",
            meant,
            " was meant?)"
        ),
        Dead::ChinaServiceName { principal } => text!(
            "no service assumes a role as ",
            principal,
            " outside the China Regions (aws-cn): it is a service's name there, and this role is of another partition, where the service uses its global name"
        ),
        Dead::AnotherCallerArn { principal, condition } => text!(
            "it asks for ",
            describe_condition(condition),
            ", and no caller ",
            principal,
            " names has such an ARN: aws:PrincipalArn holds the calling role's or user's own"
        ),
        Dead::NoTokenHas {
            sender,
            condition,
            shape,
            ..
        } => text!(
            "it asks for ",
            describe_condition(condition),
            match shape {
                ClaimShape::SamlRecipient | ClaimShape::SamlDoc | ClaimShape::SamlSubType => ", which no assertion of ",
                _ => ", which no token of ",
            },
            sender,
            " has: ",
            shape.described()
        ),
        Dead::NoCallerArn { condition, .. } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no caller meets: aws:PrincipalArn holds the ARN of the role or user that calls (a role session's is its role's), and neither an account's root user nor a federated user can assume a role"
        ),
        Dead::IdentityCenterPath { condition, .. } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no caller meets: IAM Identity Center's roles are under the path aws-reserved/sso.amazonaws.com/ (then the identity source's region, none in us-east-1), which aws:PrincipalArn holds"
        ),
        Dead::OtherPartitionArn { condition, .. } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no caller meets: aws:PrincipalArn holds the caller's own ARN, and IAM lets no principal of another partition than the role's assume it"
        ),
        Dead::AsksForAService { condition, .. } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no caller meets: an AWS principal's callers are IAM users and roles, for whom aws:PrincipalIsAWSService is false (a service is named as a Service principal)"
        ),
        Dead::NoCallerType { condition, .. } => text!(
            "it asks for ",
            describe_condition(condition),
            ", which no caller meets: aws:PrincipalType is AssumedRole for a role's session and User for an IAM user, and neither an account's root user (Account) nor a federated user (FederatedUser) can assume a role"
        ),
        Dead::OtherAccount {
            principal,
            account,
            condition,
        } => text!(
            "it asks for ",
            describe_condition(condition),
            ", and every caller ",
            principal,
            " names is of account ",
            account
        ),
        Dead::LiteralWildcard { condition, .. } if condition.key.eq_ignore_ascii_case("aws:PrincipalArn") => {
            text!(
                "it asks for ",
                describe_condition(condition),
                ", which compares the * literally, and no role's or user's name or account has one (StringLike matches a pattern)"
            )
        }
        Dead::LiteralWildcard { sender, condition, .. } => {
            text!(
                "it asks for ",
                describe_condition(condition),
                ", which compares the * literally, and no subject ",
                sender,
                " sends has one (StringLike matches a pattern)"
            )
        }
        Dead::DeniedForEveryone {
            deny, literal: true, ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: IAM reads its ${…} as text without \"Version\": \"2012-10-17\" (no policy variables before it), and no caller's value is that text"
        ),
        Dead::DeniedForEveryone {
            deny,
            organization: Some(condition),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every request, as no organization has ",
            if condition.values.len() == 1 { "that " } else { "those " },
            match crate::organizations::org_key(&condition.key) {
                Some(crate::organizations::OrgKey::Path) => "path",
                _ => "id",
            }
        ),
        Dead::DeniedForEveryone {
            deny,
            other_kind: Some((condition, service)),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every request of ",
            service,
            ", as ",
            crate::services::source_arn_kind(service).map_or("", |k| k.described)
        ),
        Dead::DeniedForEveryone {
            deny,
            caller_set: Some(condition),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every request, as STS takes no ",
            crate::evaluate::CallerSet::of_condition(condition).name,
            " its values match"
        ),
        Dead::DeniedForEveryone {
            deny,
            unsent_claim: Some(UnsentClaim { condition, .. }),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every request of a service, which asks with its own credentials and carries no token's claim or SAML attribute"
        ),
        Dead::DeniedForEveryone {
            deny,
            pod_tag: Some((condition, tag)),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every session EKS Pod Identity asks for, as ",
            tag.described()
        ),
        Dead::DeniedForEveryone {
            deny,
            private_ip: Some(condition),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every request, as aws:SourceIp is the caller's public address, and missing through a VPC endpoint"
        ),
        Dead::DeniedForEveryone {
            deny,
            arn_exception: Some(condition),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " excepts none of them, as aws:PrincipalArn holds the calling role's or user's own ARN (a role session's is its role's)"
        ),
        Dead::DeniedForEveryone {
            deny,
            principal_type: Some(condition),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " excepts none of them, as aws:PrincipalType is AssumedRole for a role's session and User for an IAM user"
        ),
        Dead::DeniedForEveryone {
            deny,
            claim_exception: Some((condition, slip, sender)),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " excepts none of them, as ",
            slip.described(sender)
        ),
        Dead::DeniedForEveryone {
            deny,
            other_issuer: Some((condition, provider)),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: its ",
            describe_condition(condition),
            " holds for every token of ",
            oidc_url(provider),
            ", which carries no other issuer's claims (STS reads a token's claims keyed by its own issuer)"
        ),
        Dead::DeniedForEveryone { deny, unsent: None, .. } => {
            text!("Deny statement ", deny, " applies to every caller it lets in")
        }
        Dead::DeniedFor {
            deny,
            claim_exception: Some((condition, slip)),
            principal,
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller of it: its ",
            describe_condition(condition),
            " excepts none of them, as ",
            slip.described(oidc_url(principal))
        ),
        Dead::DeniedFor { deny, .. } => text!("Deny statement ", deny, " applies to every caller of it"),
        Dead::DeniedForEveryone {
            deny,
            unsent: Some(key),
            ..
        } => text!(
            "Deny statement ",
            deny,
            " applies to every caller it lets in: none of them sends ",
            key,
            ", and its condition on it holds when the key is missing"
        ),
    };
    let more = if all.len() > 1 {
        text!(" (and ", all.len() - 1, " more)")
    } else {
        String::new()
    };
    // A slip with a fix of its own: a key written with the provider's URL scheme, a pattern
    // under StringEquals.
    let slip_fixed = match first {
        // Not beside a wildcard or a value a template leaves open: renamed, the key may be one
        // the caller sends (`sts:ExternalId`), and the statement would let anyone in.
        // A Deny's guard renamed stops more, never less: beside a wildcard too.
        Dead::KeyNeverSent { condition, unsent, .. }
            if !statement.principals.negated
                && (statement.effect == Effect::Deny
                    || !(statement.principals.aws.iter()).any(|p| has_wildcard(p) || is_opaque(p))) =>
        {
            (unsent.meant().map(Cow::Borrowed)).or_else(|| claim_meant(statement, &condition.key).map(Cow::Owned)).map(|meant| {
                text!(
                    "write the key as AWS names it: ",
                    meant,
                    " for ",
                    condition.key,
                    " in statement ",
                    index
                )
            })
        }
        // Not to a wildcard, which the grant would open to everyone, nor under a NotAction.
        // Only where every caller is an AWS principal it names: beside a wildcard, or a value the
        // template leaves open (which may be one), the grant would let anyone in, and a
        // provider's statement may need scoping first (the suggested policy does both).
        Dead::SourceNeverMatches {
            principal,
            condition,
            why: SourceMismatch::OtherKind,
        } => {
            let others = statement.principals.entries().any(|(_, p)| p != *principal);
            Some(source_fix_text(condition, principal, index, others))
        }
        // Firehose's external id beside other principals (a vendor's role), who pass theirs.
        Dead::SourceNeverMatches {
            principal,
            condition,
            why: SourceMismatch::NotAnAccount,
        } if account_key(condition) == "sts:ExternalId"
            && (statement.principals.entries()).any(|(_, p)| !crate::checks::is_firehose(p)) =>
        {
            Some(text!(
                "move ",
                principal,
                " to a statement of its own with the 12-digit id of the account whose streams use the role in sts:ExternalId; the other principals of statement ",
                index,
                " keep theirs"
            ))
        }
        Dead::SourceNeverMatches { condition, why, .. } => Some(match why {
            SourceMismatch::LiteralWildcard | SourceMismatch::LiteralWildcardInName | SourceMismatch::WildcardsAlone => {
                let mut fix = text!(
                    "write StringLike for ",
                    condition.key.as_ref(),
                    " in statement ",
                    index,
                    " (a pattern), or name the exact resource under StringEquals"
                );
                // A pattern of ARNs without an account (S3 buckets') admits every account's.
                let names_no_account = (condition.values.iter())
                    .any(|v| arn_fields::<6>(v).is_some_and(|[.., account, _]| account.is_empty()));
                let account_named =
                    (statement.conditions.iter()).any(|c| c.key.eq_ignore_ascii_case("aws:SourceAccount"));
                if names_no_account && !account_named {
                    fix.push_str(
                        ", with StringEquals aws:SourceAccount beside it: an S3 bucket's ARN names no account",
                    );
                }
                fix
            }
            SourceMismatch::OtherAccount => text!(
                "make aws:SourceArn and aws:SourceAccount in statement ",
                index,
                " name the same account: the one whose resources use the role"
            ),
            SourceMismatch::NotAnArn => text!(
                "write the ARN of the resource that uses the role in aws:SourceArn in statement ",
                index,
                ", or its account in aws:SourceAccount"
            ),
            SourceMismatch::AccountNotAnId => text!(
                "write the 12-digit id of the account whose resource uses the role in aws:SourceArn in statement ",
                index
            ),
            SourceMismatch::OtherPartition => text!(
                "write the role's partition in aws:SourceArn in statement ",
                index,
                " (arn:${AWS::Partition}:… in a template)"
            ),
            SourceMismatch::NotAnAccount => text!(
                "write the 12-digit id of the account whose resources use the role in ",
                account_key(condition),
                " in statement ",
                index
            ),
            // Said above.
            SourceMismatch::OtherKind => String::new(),
        }),
        Dead::SessionActionMissing { .. } if !statement.actions.negated => Some(text!(
            "allow sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession in statement ",
            index,
            ", as IAM Roles Anywhere needs"
        )),
        Dead::Unsendable { action, .. }
            if !statement.actions.negated
                && statement.principals.federated.is_empty()
                && !statement
                    .principals
                    .aws
                    .iter()
                    .any(|p| crate::pattern::names_any_account(p) || holds_opaque(p)) =>
        {
            Some(text!(
                "add ",
                action.action(),
                " to the actions of statement ",
                index,
                ", so that its callers can send ",
                action.carries(),
                " it asks for"
            ))
        }
        // A provider's users get in once it sends what the condition asks for, in its assertion
        // or token, and the statement allows the action that carries it (as the suggested policy
        // allows it).
        Dead::Unsendable { action, principal, .. }
            if !statement.actions.negated
                && statement.principals.aws.is_empty()
                && statement.principals.federated.iter().any(|p| p == principal) =>
        {
            let cognito = crate::checks::is_cognito(&oidc_host(principal));
            let sent_as = match (action, crate::pattern::is_saml_provider(principal)) {
                (SessionAction::SetSourceIdentity, true) => {
                    "the SAML attribute https://aws.amazon.com/SAML/Attributes/SourceIdentity"
                }
                (SessionAction::SetSourceIdentity, false) => "the token's claim https://aws.amazon.com/source_identity",
                (SessionAction::TagSession, true) => {
                    "SAML attributes https://aws.amazon.com/SAML/Attributes/PrincipalTag:KEY"
                }
                // An identity pool's tokens carry the tags its attributes for access control map.
                (SessionAction::TagSession, false) if cognito => {
                    "the identity pool's attributes for access control, which map its providers' claims to tags"
                }
                (SessionAction::TagSession, false) => "the token's claim https://aws.amazon.com/tags",
            };
            Some(text!(
                "add ",
                action.action(),
                " to the actions of statement ",
                index,
                ", and have the identity provider send ",
                action.carries(),
                " it asks for (",
                sent_as,
                ")"
            ))
        }
        // A Deny no caller of a provider meets: kept without that condition it would stop them
        // all, so it goes (MFA is the identity provider's to ask).
        Dead::NeverSent {
            condition,
            sender,
            principal,
        } if statement.effect == Effect::Deny
            && (asks_provider_for_what_it_never_sends(principal, &condition.key)
                || tag_as_sent(statement, principal, &condition.key).is_some()) =>
        {
            let mfa = strip_prefix_ignore_case(&condition.key, "aws:MultiFactorAuth").is_some();
            Some(text!(
                "remove statement ",
                index,
                ", which stops none of ",
                sender,
                "'s callers: their requests never carry ",
                condition.key.as_ref(),
                if mfa { " (ask for MFA at the identity provider)" } else { "" }
            ))
        }
        // Only a key of the provider's own: another's (`https://gitlab.com:sub` at GitHub) stays
        // dead without its scheme.
        Dead::NeverSent {
            condition,
            sender,
            principal,
        } => crate::checks::prefixed_key_of(&condition.key, sender)
            .map(|(key, prefix)| {
                let without = match prefix {
                    KeyPrefix::Scheme => "the URL's scheme",
                    KeyPrefix::ProviderArn => "the provider's ARN before its host",
                };
                text!(
                    "write the condition key without ",
                    without,
                    " in statement ",
                    index,
                    ": ",
                    key
                )
            })
            // Another issuer's key (a sibling cluster's, copied from its role; the other provider's
            // in a statement of two), in a statement of OIDC providers: as the suggestion reads it.
            .or_else(|| {
                use crate::fix::{scopes, stray_key, StrayKey};
                let oidc_only = !statement.principals.negated
                    && (statement.principals.entries())
                        .all(|(kind, p)| kind == PrincipalKind::Federated && !is_saml_provider(p));
                let named = |host: &str| {
                    (statement.principals.federated.iter())
                        .any(|p| crate::checks::oidc_host(p).eq_ignore_ascii_case(host))
                };
                let keys = (statement.conditions.iter())
                    .map(|c| (c.key.as_ref(), scopes(&c.operator_text, c.values.iter().map(|v| v.as_ref()))));
                let (reading, own_key) = stray_key(sender, &condition.key, &named, keys).filter(|_| oidc_only)?;
                Some(match reading {
                    StrayKey::OtherProviders => text!(
                        "give each provider of statement ",
                        index,
                        " a statement of its own with its own keys: STS reads only the claims of the token it takes, keyed by that token's issuer"
                    ),
                    StrayKey::Redundant => text!(
                        "remove ",
                        condition.key.as_ref(),
                        " from statement ",
                        index,
                        ": it is another issuer's key, and ",
                        own_key,
                        " already asks for the claim"
                    ),
                    StrayKey::Dropped => text!(
                        "remove ",
                        condition.key.as_ref(),
                        " from statement ",
                        index,
                        ", another issuer's key, and scope it by a claim of ",
                        sender,
                        "'s tokens if nothing else does"
                    ),
                    StrayKey::Renamed => text!(
                        "write ",
                        own_key,
                        " for ",
                        condition.key.as_ref(),
                        " in statement ",
                        index,
                        ": STS keys a claim by the issuer of the token it takes"
                    ),
                })
            })
            .or_else(|| {
                tag_as_sent(statement, principal, &condition.key).map(|(key, _)| {
                    let sender = match *principal == POD_IDENTITY {
                        true => "EKS Pod Identity sends its tags",
                        false => "an identity provider's tags come",
                    };
                    text!(
                        "write ",
                        key,
                        " in statement ",
                        index,
                        ": ",
                        sender,
                        " as the request's session tags, not the caller's"
                    )
                })
            })
            // Often the role's only trust: the statement is to be kept, scoped by what STS reads.
            .or_else(|| {
                asks_provider_for_what_it_never_sends(principal, &condition.key).then(|| {
                    let (what, carried_by) = match is_saml_provider(principal) {
                        true => ("a SAML key STS reads (SAML:aud, SAML:sub, …)", "assertions"),
                        false => ("a claim STS reads (docs/findings.md lists them)", "tokens"),
                    };
                    text!(
                        "in statement ",
                        index,
                        ", scope by ",
                        what,
                        " instead of ",
                        condition.key.as_ref(),
                        ", which it doesn't read from ",
                        sender,
                        "'s ",
                        carried_by,
                        ", or remove that condition if the others already say whom the statement trusts"
                    )
                })
            })
            // A token's claim or a SAML attribute asked of a service, which asks with its own
            // credentials: Pod Identity names an IRSA subject's service account in its tags.
            .or_else(|| {
                let of_service = statement.principals.service.iter().any(|p| p == principal);
                // An EKS cluster's claim, where the statement keeps to no cluster: the suggestion
                // asks for the cluster's name.
                let unpinned_eks_claim = crate::checks::key_issuer(&condition.key)
                    .is_some_and(|issuer| is_eks_issuer(&issuer.to_ascii_lowercase()))
                    && !(statement.conditions.iter())
                        .any(|c| crate::pods::pins_cluster(&c.operator_text, &c.key, &c.values));
                (of_service && crate::contexts::is_federation_key(&condition.key)).then(|| {
                    match crate::pods::tags_meant(condition, false).filter(|_| *principal == POD_IDENTITY) {
                        Some(tags) => {
                            let (operator, groups) = (&tags.operator, tags.described());
                            let others = match groups.get(1..).unwrap_or_default() {
                                [] => String::new(),
                                others => text!(
                                    " (and in a copy of the statement for each other namespace: ",
                                    others.join("; "),
                                    ")"
                                ),
                            };
                            text!(
                                "in statement ",
                                index,
                                ", ask for ",
                                groups.first().map_or("", String::as_str),
                                others,
                                " under ",
                                operator,
                                match unpinned_eks_claim {
                                    true => ", with the cluster's name in aws:RequestTag/eks-cluster-name,",
                                    false => "",
                                },
                                " in place of ",
                                condition.key.as_ref(),
                                ": EKS Pod Identity sends no token, and names the pod's namespace and service account in its session tags"
                            )
                        }
                        None => text!(
                            "remove the condition on ",
                            condition.key.as_ref(),
                            " from statement ",
                            index,
                            match unpinned_eks_claim && *principal == POD_IDENTITY {
                                true => ", and keep it to the cluster with its name in aws:RequestTag/eks-cluster-name",
                                false => "",
                            },
                            ": ",
                            principal,
                            " asks with its own credentials, never a federated session's, so its request has no token's claim or SAML attribute"
                        ),
                    }
                })
            }),
        Dead::UnsubstitutedParameter { parameter, .. } => Some(text!(
            "write the value ${",
            parameter,
            "} stands for in statement ",
            index,
            " (in a template, put the value in Fn::Sub so that CloudFormation fills it in)"
        )),
        Dead::NoTokenHas {
            principal,
            condition,
            shape,
            ..
        } => Some(match swapped_audience(statement, &oidc_host(principal), condition, *shape) {
            Some(audience) => text!(
                "swap the values of ",
                audience.key.as_ref(),
                " and ",
                condition.key.as_ref(),
                " in statement ",
                index,
                ": each holds what the other is for"
            ),
            None if condition.values.len() == 1
                && (condition.values.first()).is_some_and(|v| subject_with_its_start(*shape, v).is_some()) =>
            {
                let meant = (condition.values.first())
                    .and_then(|v| subject_with_its_start(*shape, v))
                    .unwrap_or_default();
                text!(
                    "write ",
                    condition.key.as_ref(),
                    " in statement ",
                    index,
                    " as the provider sends it: ",
                    meant
                )
            }
            None if *shape == ClaimShape::SignedInAmr => text!(
                "write ForAnyValue:StringLike for ",
                condition.key.as_ref(),
                " in statement ",
                index,
                ": it needs one of amr's values to match"
            ),
            None => text!(
                "write ",
                condition.key.as_ref(),
                " in statement ",
                index,
                " as the provider sends it: ",
                shape.fill_in()
            ),
        }),
        Dead::PrivateSourceIp { .. } => Some(text!(
            "for calls from your networks, write aws:VpcSourceIp in statement ",
            index,
            " together with aws:SourceVpce (or aws:SourceVpc) naming your endpoint; aws:SourceIp takes public ranges"
        )),
        Dead::ProviderOfAnotherAccount { .. } => Some(text!(
            "create the OIDC provider in the role's own account and name that one in statement ",
            index
        )),
        Dead::NoSuchService { principal, meant } => Some(text!(
            "write ", meant, " for ", principal, " in statement ", index
        )),
        Dead::ChinaServiceName { principal } => Some(text!(
            "write ",
            global_service_name(principal),
            " for ",
            principal,
            " in statement ",
            index
        )),
        Dead::AnotherCallerArn { principal, .. } => Some(text!(
            "in statement ",
            index,
            ", make the Principal and aws:PrincipalArn name the same caller: ",
            principal,
            " or the one the condition names"
        )),
        Dead::IdentityCenterPath { .. } => Some(text!(
            "in statement ",
            index,
            ", write the path in aws:PrincipalArn under ArnLike or StringLike: arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_NAME_*"
        )),
        Dead::NoCallerType { .. } => Some(text!(
            "in statement ",
            index,
            ", write AssumedRole (a role's sessions) or User (an IAM user) in aws:PrincipalType, the types of the callers that assume a role"
        )),
        Dead::AsksForAService { .. } => Some(text!(
            "in statement ",
            index,
            ", name the service that assumes the role as a Service principal (\"Service\": \"NAME.amazonaws.com\") in place of the AWS principal, or remove the condition"
        )),
        Dead::OtherPartitionArn { .. } => Some(text!(
            "in statement ",
            index,
            ", name in aws:PrincipalArn the callers' ARNs in the role's partition, or remove the statement: a principal of another partition needs a role there"
        )),
        Dead::NoCallerArn { .. } => Some(text!(
            "in statement ",
            index,
            ", name the calling role's or user's own ARN in aws:PrincipalArn (arn:aws:iam::ACCOUNT:role/NAME, with its path), not its sessions' (arn:aws:sts::ACCOUNT:assumed-role/NAME/…), a root or a federated user"
        )),
        Dead::LiteralVariable { .. } => Some(text!(
            "write \"Version\": \"2012-10-17\" at the top of the policy, so that IAM reads statement ",
            index,
            "'s ${…} as a policy variable"
        )),
        Dead::DeniedForEveryone {
            deny, literal: true, ..
        } => Some(text!(
            "write \"Version\": \"2012-10-17\" at the top of the policy, so that IAM reads Deny statement ",
            deny,
            "'s ${…} as a policy variable"
        )),
        Dead::NoValueStsTakes { condition } => Some(match crate::evaluate::CallerSet::of_condition(condition) {
            key @ crate::evaluate::ROLE_SESSION_NAME => text!(
                "write the session names the callers set in statement ",
                index,
                " (",
                key.form,
                "; StringLike for a pattern, as StringEquals reads no wildcard)"
            ),
            _ => text!(
                "write the external id agreed with the caller in statement ",
                index,
                " (one value: StringEquals reads no wildcard, and STS takes no external id with a * or a space)"
            ),
        }),
        Dead::NoSuchOrganization { condition } => Some(crate::organizations::fix_text(condition, index)),
        Dead::NoPodSessionHas { condition, tag, .. } => Some(crate::pods::fix_text(condition, *tag, index)),
        Dead::DeniedForEveryone {
            deny,
            organization: Some(condition),
            ..
        } => Some(crate::organizations::fix_text(condition, *deny)),
        Dead::DeniedForEveryone {
            deny,
            private_ip: Some(_),
            ..
        } => Some(text!(
            "write aws:VpcSourceIp for aws:SourceIp in Deny statement ",
            deny,
            ": the private address of a call through a VPC endpoint, missing from every other call, which the Deny then stops"
        )),
        Dead::DeniedForEveryone {
            deny,
            other_kind: Some((condition, service)),
            ..
        } => Some(source_fix_text(condition, service, *deny, false)),
        Dead::DeniedForEveryone {
            deny,
            claim_exception: Some((condition, slip, _)),
            ..
        } => Some(claim_exception_fix_text(condition, *slip, *deny)),
        Dead::DeniedForEveryone {
            deny,
            other_issuer: Some((condition, provider)),
            ..
        } => Some(text!(
            "write ",
            condition.key.as_ref(),
            " in Deny statement ",
            deny,
            " with the issuer of ",
            *provider,
            " (",
            oidc_host(provider).as_ref(),
            "), whose tokens' claims STS reads, or remove that condition if it was meant for another provider's Deny"
        )),
        Dead::DeniedForEveryone {
            deny,
            principal_type: Some(_),
            ..
        } => Some(text!(
            "in Deny statement ",
            deny,
            ", write AssumedRole (a role's sessions) or User (an IAM user) in aws:PrincipalType, the types of the callers that assume a role"
        )),
        Dead::DeniedForEveryone {
            deny,
            arn_exception: Some(_),
            ..
        } => Some(text!(
            "except in Deny statement ",
            deny,
            "'s aws:PrincipalArn the ARN of each role or user statement ",
            index,
            " lets in (arn:aws:iam::ACCOUNT:role/NAME with its path, or user/NAME), not a role's sessions' (arn:aws:sts::ACCOUNT:assumed-role/NAME/…), or remove statement ",
            index
        )),
        Dead::DeniedForEveryone {
            deny,
            unsent_claim: Some(claim),
            ..
        } => {
            // Whom the Deny spared, as Pod Identity's tags: asked for in the Allow in its place.
            let spared = (claim.claims_only && statement.principals.service.iter().any(|p| p == POD_IDENTITY))
                .then(|| crate::pods::tags_meant(claim.condition, true))
                .flatten()
                .map(|tags| text!(", and ask for ", tags.described().join(", or "), " in statement ", index))
                .unwrap_or_default();
            let key = claim.condition.key.as_ref();
            Some(match (claim.theirs_alone, claim.claims_only) {
                (true, true) => text!(
                    "remove Deny statement ",
                    deny,
                    ", whose condition on ",
                    key,
                    " holds for every request of the services, as its others do",
                    spared
                ),
                (true, false) => text!(
                    "remove the conditions on tokens' claims (",
                    key,
                    ") from Deny statement ",
                    deny,
                    ": they hold for every request of the services, so the Deny's other conditions decide"
                ),
                (false, _) => text!(
                    "keep the services of statement ",
                    index,
                    " out of Deny statement ",
                    deny,
                    ", whose condition on ",
                    key,
                    " holds for every request of theirs",
                    spared
                ),
            })
        }
        Dead::DeniedForEveryone {
            deny,
            pod_tag: Some((condition, tag)),
            ..
        } => Some(crate::pods::fix_text(condition, *tag, *deny)),
        Dead::DeniedForEveryone {
            deny,
            caller_set: Some(condition),
            ..
        } => Some(text!(
            "write in Deny statement ",
            deny,
            "'s ",
            condition.key.as_ref(),
            " values STS takes (",
            crate::evaluate::CallerSet::of_condition(condition).a_name,
            " is ",
            crate::evaluate::CallerSet::of_condition(condition).form,
            "), or remove statement ",
            index
        )),
        Dead::LiteralWildcard { condition, .. } => Some(text!(
            "write StringLike for ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " (a pattern), or name the exact ",
            if condition.key.eq_ignore_ascii_case("aws:PrincipalArn") { "ARN" } else { "subject" },
            " under StringEquals"
        )),
        Dead::FederatedUser { principal } => Some(text!(
            "remove ",
            principal,
            " from statement ",
            index,
            ", or name the IAM user that asks for its sessions: a federated user can't assume a role"
        )),
        Dead::DeniedForEveryone {
            deny, unsent: Some(key), ..
        } if federated_only(statement) && crate::contexts::is_signer_key(key) => Some(text!(
            "keep the identity providers of statement ",
            index,
            " out of Deny statement ",
            deny,
            ": a federated sign-in signs with no AWS credentials, so it carries no ",
            key,
            if strip_prefix_ignore_case(key, "aws:MultiFactorAuth").is_some() {
                " (ask for MFA at the identity provider)"
            } else {
                ""
            }
        )),
        Dead::DeniedFor {
            deny,
            claim_exception: Some((condition, slip)),
            ..
        } => Some(claim_exception_fix_text(condition, *slip, *deny)),
        Dead::DeniedFor { principal, deny, .. } if !whole => Some(text!(
            "remove ",
            principal,
            " from statement ",
            index,
            ", which Deny statement ",
            deny,
            " stops, or change that Deny if it was meant to let it in"
        )),
        _ => None,
    };
    let to = if whole {
        String::new()
    } else {
        text!(" to ", first.principal().unwrap_or("some principals"))
    };
    let fix = slip_fixed.unwrap_or_else(|| match whole {
        true => text!(
            "remove statement ",
            index,
            ", or correct it so that it can apply (see docs/findings.md)"
        ),
        false => text!(
            "remove the principals statement ",
            index,
            " can never serve, or give them the action and conditions they use"
        ),
    });
    (text!("statement ", index, " never applies", to, ": ", why, more), fix)
}

impl PrincipalKind {
    /// The kind an element name (`"AWS"`, `"Service"`, …) stands for.
    pub fn named(name: &str) -> Option<PrincipalKind> {
        use PrincipalKind::*;
        [Aws, Service, Federated, CanonicalUser]
            .into_iter()
            .find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_s_eks_cluster_stands_in_with_its_region_when_given() {
        assert_eq!(
            template_eks_issuer(Some("eu-west-1"), "Cluster"),
            "https://oidc.eks.eu-west-1.amazonaws.com/id/UNRESOLVED(GetAtt Cluster.OpenIdConnectIssuerUrl)"
        );
        assert_eq!(
            template_eks_issuer(Some("cn-north-1"), "C"),
            "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/UNRESOLVED(GetAtt C.OpenIdConnectIssuerUrl)"
        );
        // Not given: the stack's region, undetermined as a template reader leaves `AWS::Region`.
        assert_eq!(
            template_eks_issuer(None, "C"),
            "https://oidc.eks.UNRESOLVED(AWS__Region).amazonaws.com/id/UNRESOLVED(GetAtt C.OpenIdConnectIssuerUrl)"
        );
        assert_eq!(STACK_REGION, opaque("AWS::Region"));
        assert!(is_template_cluster_id("UNRESOLVED(GetAtt C.OpenIdConnectIssuerUrl)"));
        assert!(!is_template_cluster_id("UNRESOLVED(Ref OidcId)"));
    }

    /// Named callers asked for a source identity nobody may set are told to allow setting one; a
    /// wildcard isn't (the grant would let anyone in), nor a NotAction that excepts it.
    #[test]
    fn only_named_callers_are_told_to_allow_setting_a_source_identity() {
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/app".into()),
            ..crate::Role::default()
        };
        let fix_of = |principal: &str, action: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},{action},"Condition":{{"StringEquals":{{"sts:SourceIdentity":"alice"}}}}}}]}}"#
            );
            crate::finding_of(&doc, &role, FindingId::StatementNeverApplies).map_or_else(String::new, |f| f.fix)
        };
        let named = "arn:aws:iam::444455556666:role/deployer";
        let add = "add sts:SetSourceIdentity to the actions of statement 0";
        assert!(fix_of(named, r#""Action":"sts:AssumeRole""#).starts_with(add));
        assert!(!fix_of("*", r#""Action":"sts:AssumeRole""#).contains("SetSourceIdentity"));
        let excepted = fix_of(named, r#""NotAction":"sts:Set*""#);
        assert!(
            !excepted.is_empty() && !excepted.contains("SetSourceIdentity"),
            "{excepted}"
        );
        // Session tags: the same rule, with their own action.
        let tag_fix_of = |principal: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:RequestTag/team":"ops"}}}}}}]}}"#
            );
            crate::finding_of(&doc, &role, FindingId::StatementNeverApplies).map_or_else(String::new, |f| f.fix)
        };
        assert!(tag_fix_of(named).starts_with(
            "add sts:TagSession to the actions of statement 0, so that its callers can send the session tags"
        ));
        let wildcard = tag_fix_of("*");
        assert!(!wildcard.is_empty() && !wildcard.contains("TagSession"), "{wildcard}");
    }

    #[test]
    fn a_slip_s_fix_says_how_to_correct_it() {
        let role = crate::Role {
            arn: Some("arn:aws:iam::111122223333:role/ci".into()),
            ..crate::Role::default()
        };
        let fix_of = |condition: &str| {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
            );
            crate::finding_of(&doc, &role, FindingId::StatementNeverApplies).map_or_else(String::new, |f| f.fix)
        };
        assert_eq!(
            fix_of(
                r#"{"StringEquals":{"HTTPS://token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}}"#
            ),
            "write the condition key without the URL's scheme in statement 0: token.actions.githubusercontent.com:sub"
        );
        let literal = fix_of(r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#);
        assert!(
            literal.starts_with("write StringLike for token.actions.githubusercontent.com:sub"),
            "{literal}"
        );
        // Another provider's key keeps the general fix.
        let other =
            fix_of(r#"{"StringEquals":{"https://gitlab.com:sub":"project_path:acme/app:ref_type:branch:ref:main"}}"#);
        assert!(other.starts_with("remove statement 0"), "{other}");
        // A claim STS never reads: the statement, often the role's only trust, is kept.
        let unread = fix_of(r#"{"StringEquals":{"token.actions.githubusercontent.com:repository_owner":"acme"}}"#);
        assert_eq!(
            unread,
            "in statement 0, scope by a claim STS reads (docs/findings.md lists them) instead of token.actions.githubusercontent.com:repository_owner, which it doesn't read from token.actions.githubusercontent.com's tokens, or remove that condition if the others already say whom the statement trusts"
        );
    }

    #[test]
    fn a_value_the_template_leaves_open_counts_for_no_length() {
        let long = format!("{{\"Sid\": \"{}\"}}", "a".repeat(5000));
        assert_eq!(length_past_quota(&long), Some(5010));
        let spaced = format!("{{\"Sid\": \"a\"}}{}", " ".repeat(5000));
        assert_eq!(length_past_quota(&spaced), None, "whitespace doesn't count");
        let opaque = format!(
            "{{\"Sid\": \"UNRESOLVED(Sub UNRESOLVED(Ref P){})x\"}}",
            "a".repeat(5000)
        );
        assert_eq!(chars_outside_markers(&opaque), 11);
        assert_eq!(length_past_quota(&opaque), None);
        assert_eq!(chars_outside_markers("UNRESOLVED(never closed"), 0);
    }

    #[test]
    fn principals_iam_accepts_and_refuses() {
        use PrincipalKind::*;
        let accepted = [
            (Aws, "*"),
            (Aws, "123456789012"),
            (Aws, "arn:aws:iam::123456789012:root"),
            (Aws, "arn:aws:iam::123456789012:role/path/deploy"),
            (Aws, "arn:aws-cn:iam::123456789012:user/alice"),
            (Aws, "arn:aws:sts::123456789012:assumed-role/r/s"),
            (Aws, "arn:aws:iam::123456789012:role/service-role/a+b=c,d.e@f_g-h"),
            (Aws, "arn:aws:sts::123456789012:federated-user/bob"),
            (Aws, "AROAEXAMPLEROLEID1234"),
            (Aws, "UNRESOLVED(Fn__ImportValue shared-role)"),
            (Service, "lambda.amazonaws.com"),
            (Service, "states.eu-west-1.amazonaws.com"),
            (Service, "ec2.amazonaws.com.cn"),
            (
                Federated,
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            ),
            (Federated, "arn:aws:iam::123456789012:saml-provider/okta"),
            (Federated, "cognito-identity.amazonaws.com"),
            (Federated, "accounts.google.com"),
        ];
        for (kind, p) in accepted {
            assert_eq!(refused_principal(kind, p), None, "{p}");
        }
        let longest = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(64));
        assert_eq!(refused_principal(Aws, &longest), None);
        let too_long = format!("{longest}r");
        assert!(refused_principal(Aws, &too_long).is_some_and(|why| why.contains("can't have")));
        let refused = [
            (Aws, "arn:aws:iam::*:role/deploy", "wildcard"),
            (Aws, "arn:aws:iam::123456789012:role/*", "wildcard"),
            (Aws, "arn:aws:iam::123456789012:group/admins", "root, user, role"),
            (Aws, "arn:aws:s3:::bucket", "root, user, role"),
            (Aws, "deploy-role", "account id or an ARN"),
            (Aws, "arn:aws:iam::123456789012:role/", "can't have"),
            (Aws, "arn:aws:iam::123456789012:role/has space", "can't have"),
            (Aws, "arn:aws:iam::123456789012:user/${aws:username}", "can't have"),
            (Aws, "arn:aws:iam::123456789012:role/a#b", "can't have"),
            (Aws, "arn:aws:iam::123456789012:role/my path/deploy", "can't have"),
            (Service, "lambda", "service principal name"),
            (Service, " Lambda.amazonaws.com", "service principal name"),
            (Service, "*", "service principal name"),
            (Federated, "arn:aws:iam::123456789012:role/x", "provider"),
            (Federated, "*", "provider"),
            (
                CanonicalUser,
                "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
                "canonical",
            ),
        ];
        for (kind, p, says) in refused {
            let why = refused_principal(kind, p).unwrap_or_else(|| panic!("{p} accepted"));
            assert!(why.contains(says), "{p}: {why}");
        }
        assert_eq!(opaque("Fn::GetAtt Role.Arn"), "UNRESOLVED(Fn__GetAtt Role.Arn)");
        // is_opaque's quick test: every marker has a `(` or a `_`.
        for marked in [
            opaque("x"),
            "REPLACE_WITH_PRINCIPAL_ARN".into(),
            "ACCOUNT_ID".into(),
            "arn:aws:iam::ACCOUNT_ID:root".into(),
        ] {
            assert!(is_opaque(&marked), "{marked}");
        }
        assert!(!is_opaque("arn:aws:iam::123456789012:role/ACCOUNT_IDS"));
    }
}
