//! EKS Pod Identity (`pods.eks.amazonaws.com`) and the session tags it sets on each session it
//! asks for (EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity" and
//! "Enable or disable session tags"): the request's tags (`aws:RequestTag/kubernetes-namespace`),
//! which a trust policy compares to keep a role to some pods. Their values are Kubernetes' and
//! EKS's names: a namespace is an RFC 1123 label (lowercase letters, digits and `-`, 1 to 63,
//! starting and ending with a letter or digit: Kubernetes' "Object Names and IDs"); a service
//! account's and a pod's name an RFC 1123 subdomain (`.` too, up to 253); a cluster's name
//! letters, digits, `-` and `_`, 1 to 100, starting with a letter or digit (EKS API reference,
//! `CreateCluster`); `eks-cluster-arn` the cluster's ARN. A condition that needs another value
//! lets no pod in. Pod Identity asks with its own credentials, so no IRSA token's claim
//! (`oidc.eks.…:sub`) is in its request: the same service account is named by two of its tags.

use crate::{
    evaluate::{missing_key, Tri},
    pattern::{arn_fields, has_variable, has_wildcard, is_account_id, strip_prefix_ignore_case},
    policy::{BaseOperator, Condition, Operator, Statement},
    text::text,
    validity::holds_opaque,
};

pub(crate) const POD_IDENTITY: &str = "pods.eks.amazonaws.com";

/// A session tag Pod Identity sets, by what its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PodTag {
    ClusterArn,
    ClusterName,
    Namespace,
    ServiceAccount,
    PodName,
    PodUid,
}

const TAGS: [(&str, PodTag); 6] = [
    ("eks-cluster-arn", PodTag::ClusterArn),
    ("eks-cluster-name", PodTag::ClusterName),
    ("kubernetes-namespace", PodTag::Namespace),
    ("kubernetes-service-account", PodTag::ServiceAccount),
    ("kubernetes-pod-name", PodTag::PodName),
    ("kubernetes-pod-uid", PodTag::PodUid),
];

const NAMESPACE_KEY: &str = "aws:RequestTag/kubernetes-namespace";
/// Where a suggestion keeps a trust to the cluster an IRSA issuer was: its id is not its name.
pub(crate) const CLUSTER_NAME_KEY: &str = "aws:RequestTag/eks-cluster-name";
pub(crate) const CLUSTER_TO_FILL_IN: &str = "REPLACE_WITH_CLUSTER_NAME";
const SERVICE_ACCOUNT_KEY: &str = "aws:RequestTag/kubernetes-service-account";

impl PodTag {
    /// The tag a tag's name (`kubernetes-namespace`) is, in any case.
    fn named(tag: &str) -> Option<PodTag> {
        TAGS.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(tag))
            .map(|(_, t)| *t)
    }

    /// The tag a request key (`aws:RequestTag/kubernetes-namespace`) compares.
    fn of_request_key(key: &str) -> Option<PodTag> {
        strip_prefix_ignore_case(key, "aws:RequestTag/").and_then(PodTag::named)
    }

    fn key(self) -> &'static str {
        match self {
            PodTag::ClusterArn => "aws:RequestTag/eks-cluster-arn",
            PodTag::ClusterName => CLUSTER_NAME_KEY,
            PodTag::Namespace => NAMESPACE_KEY,
            PodTag::ServiceAccount => SERVICE_ACCOUNT_KEY,
            PodTag::PodName => "aws:RequestTag/kubernetes-pod-name",
            PodTag::PodUid => "aws:RequestTag/kubernetes-pod-uid",
        }
    }

    /// The value a suggestion writes for the reader to fill in.
    fn to_fill_in(self) -> &'static str {
        match self {
            PodTag::ClusterArn => "REPLACE_WITH_CLUSTER_ARN",
            PodTag::ClusterName => "REPLACE_WITH_CLUSTER_NAME",
            PodTag::Namespace => "REPLACE_WITH_NAMESPACE",
            PodTag::ServiceAccount => "REPLACE_WITH_SERVICE_ACCOUNT",
            PodTag::PodName => "REPLACE_WITH_POD_NAME",
            PodTag::PodUid => "REPLACE_WITH_POD_UID",
        }
    }

    /// What every value of the tag is, as the finding's text says it.
    pub(crate) fn described(self) -> &'static str {
        match self {
            PodTag::Namespace => {
                "a Kubernetes namespace's name is lowercase letters, digits and -, at most 63 characters, starting and ending with a letter or digit"
            }
            PodTag::ServiceAccount => {
                "a Kubernetes service account's name is lowercase letters, digits, - and ., at most 253 characters, starting and ending with a letter or digit"
            }
            PodTag::PodName => {
                "a pod's name is lowercase letters, digits, - and ., at most 253 characters, starting and ending with a letter or digit"
            }
            PodTag::ClusterName => {
                "an EKS cluster's name is letters, digits, - and _, at most 100 characters, starting with a letter or digit (eks-cluster-arn holds its ARN)"
            }
            PodTag::ClusterArn => {
                "eks-cluster-arn holds the cluster's ARN, arn:aws:eks:REGION:ACCOUNT:cluster/NAME (eks-cluster-name holds its name)"
            }
            PodTag::PodUid => "a pod's uid is a UUID",
        }
    }

    /// Whether a character of a value of the tag may be `b`.
    fn holds_byte(self, b: u8) -> bool {
        match self {
            PodTag::Namespace => b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-',
            PodTag::ServiceAccount | PodTag::PodName => {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
            }
            PodTag::ClusterName => b.is_ascii_alphanumeric() || b == b'-' || b == b'_',
            PodTag::ClusterArn | PodTag::PodUid => true,
        }
    }

    /// Whether `value` is a value of the tag, written out.
    fn holds(self, value: &str) -> bool {
        let bytes = value.as_bytes();
        let (lengths, ends_alphanumeric) = match self {
            PodTag::Namespace => (1..=63, true),
            PodTag::ServiceAccount | PodTag::PodName => (1..=253, true),
            PodTag::ClusterName => (1..=100, false),
            PodTag::ClusterArn => return is_cluster_arn(value),
            PodTag::PodUid => return true,
        };
        lengths.contains(&bytes.len())
            && bytes.iter().all(|&b| self.holds_byte(b))
            && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && (!ends_alphanumeric || bytes.last().is_some_and(u8::is_ascii_alphanumeric))
    }

    /// Whether some value of the tag is `value`, or matches it as a `StringLike` pattern
    /// (`like`), or equals it ignoring case (`folds`).
    pub(crate) fn may_hold(self, value: &str, like: bool, folds: bool) -> bool {
        // What IAM's case folding makes of a character beyond ASCII is not documented; the
        // suggested policy's values to fill in are the reader's.
        if has_variable(value) || holds_opaque(value) || crate::fix::is_fill_in(value) || (folds && !value.is_ascii()) {
            return true;
        }
        let lower;
        let value = match folds {
            true => {
                lower = value.to_ascii_lowercase();
                lower.as_str()
            }
            false => value,
        };
        if !(like && has_wildcard(value)) {
            return self.holds(value);
        }
        let wildcard = |b: u8| b == b'*' || b == b'?';
        match self {
            // What a pattern says for sure of an ARN: its start, up to the first wildcard.
            PodTag::ClusterArn => (value.bytes().zip(*b"arn:"))
                .take_while(|(b, _)| !wildcard(*b))
                .all(|(b, wanted)| b == wanted),
            _ => value.bytes().all(|b| wildcard(b) || self.holds_byte(b)),
        }
    }
}

/// `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`.
fn is_cluster_arn(value: &str) -> bool {
    matches!(arn_fields::<6>(value), Some(["arn", partition, "eks", region, account, resource])
        if !partition.is_empty() && !region.is_empty() && is_account_id(account)
            && resource.strip_prefix("cluster/").is_some_and(|name| PodTag::ClusterName.holds(name)))
}

/// A tag of Pod Identity's asked of it as the caller's (`aws:PrincipalTag/kubernetes-namespace`,
/// a key it never sends): the key as it sends the tag (`aws:RequestTag/kubernetes-namespace`).
pub(crate) fn tag_as_sent(service: &str, key: &str) -> Option<String> {
    let tag = strip_prefix_ignore_case(key, "aws:PrincipalTag/")?;
    (service == POD_IDENTITY && PodTag::named(tag).is_some()).then(|| text!("aws:RequestTag/", tag))
}

/// A condition of the Allow `s` that no session Pod Identity asks for meets: a positive string
/// comparison of one of its tags whose every value is none the tag can hold, nor a pattern one
/// matches (`Prod` for a namespace, a cluster's ARN for its name, a `*` under `StringEquals`).
/// Not one under `…IfExists`: with session tags turned off for the association, the tag is
/// missing and that holds.
pub(crate) fn tag_none_has<'p>(s: &'p Statement<'p>) -> Option<(&'p Condition<'p>, PodTag)> {
    s.conditions.iter().find_map(|c| {
        let Operator::Known { base, set, if_exists } = c.operator else {
            return None;
        };
        let folds = match base {
            BaseOperator::StringEquals | BaseOperator::StringLike => false,
            BaseOperator::StringEqualsIgnoreCase => true,
            _ => return None,
        };
        let tag = PodTag::of_request_key(&c.key)?;
        let like = base == BaseOperator::StringLike;
        (!c.values.is_empty()
            && missing_key(base, set, if_exists, &c.values) == Tri::False
            && c.values.iter().all(|v| !tag.may_hold(v, like, folds)))
        .then_some((c, tag))
    })
}

/// Whether `condition` holds for every session Pod Identity asks for: a negated string
/// comparison of one of its tags (`StringNotEquals aws:RequestTag/kubernetes-namespace Prod`)
/// whose every value is none the tag can hold ([`tag_none_has`]), under an operator that holds
/// where the tag is missing too (an association with session tags turned off). A Deny so written
/// stops every pod.
pub(crate) fn holds_for_every_session(condition: &Condition) -> bool {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return false;
    };
    let Some((like, folds)) = base.negated_string_comparison() else {
        return false;
    };
    PodTag::of_request_key(&condition.key).is_some_and(|tag| {
        !condition.values.is_empty()
            && missing_key(base, set, if_exists, &condition.values) == Tri::True
            && condition.values.iter().all(|v| !tag.may_hold(v, like, folds))
    })
}

/// [`holds_for_every_session`], with the tag `condition` compares.
pub(crate) fn tag_every_session_meets<'p>(condition: &'p Condition<'p>) -> Option<(&'p Condition<'p>, PodTag)> {
    holds_for_every_session(condition)
        .then(|| PodTag::of_request_key(&condition.key))
        .flatten()
        .map(|tag| (condition, tag))
}

/// How a condition no Pod Identity session meets was meant, when a slip of form alone made it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mend {
    /// The values in lowercase, without spaces around them: Kubernetes' names.
    Values(Vec<String>),
    /// Under `StringLike` (`StringNotLike` for `StringNotEquals`): a `*` or `?` compared as
    /// written was meant as a wildcard.
    Pattern,
    /// The other cluster tag's key: a cluster's ARN asked of its name, or its name of its ARN.
    Key(&'static str),
    /// No slip of form explains the values (`payments_api`, `<Namespace>`): one to fill in, so
    /// that the statement keeps Pod Identity and its scope.
    FillIn(&'static str),
}

/// How `condition`, on `tag`, which no Pod Identity session meets, was meant: a slip of form
/// mended, else a value to fill in.
pub(crate) fn mended(condition: &Condition, tag: PodTag) -> Mend {
    let Operator::Known { base, .. } = condition.operator else {
        return Mend::FillIn(tag.to_fill_in());
    };
    let like = base.reads_wildcards();
    let all = |held: &dyn Fn(&str) -> bool| condition.values.iter().all(|v| held(v));
    match tag {
        PodTag::ClusterName if all(&is_cluster_arn) => return Mend::Key(PodTag::ClusterArn.key()),
        PodTag::ClusterArn if all(&|v| PodTag::ClusterName.holds(v)) => return Mend::Key(PodTag::ClusterName.key()),
        _ => {}
    }
    let as_written = matches!(base, BaseOperator::StringEquals | BaseOperator::StringNotEquals);
    if as_written && all(&|v| has_wildcard(v) && tag.may_hold(v, true, false)) {
        return Mend::Pattern;
    }
    let kubernetes = matches!(tag, PodTag::Namespace | PodTag::ServiceAccount | PodTag::PodName);
    let lowered: Vec<String> = condition.values.iter().map(|v| v.trim().to_ascii_lowercase()).collect();
    match kubernetes && lowered.iter().all(|v| tag.may_hold(v, like, false)) {
        true => Mend::Values(lowered),
        false => Mend::FillIn(tag.to_fill_in()),
    }
}

/// What to write for `condition` of statement `index`, on `tag`, which no Pod Identity session meets.
pub(crate) fn fix_text(condition: &Condition, tag: PodTag, index: usize) -> String {
    match mended(condition, tag) {
        Mend::Values(values) => text!(
            "write ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " as ",
            values.join(", "),
            ", in lowercase as Kubernetes names are"
        ),
        Mend::Pattern => text!(
            "write StringLike for ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " (a pattern): StringEquals compares * and ? as written"
        ),
        Mend::Key(key) => text!(
            "ask ",
            key,
            " for these values in statement ",
            index,
            ": eks-cluster-name holds the cluster's name, eks-cluster-arn its ARN"
        ),
        Mend::FillIn(_) => text!(
            "write ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " as EKS Pod Identity sets it (",
            tag.described(),
            "), or remove the statement"
        ),
    }
}

/// The session tags an IRSA subject condition is rewritten as for Pod Identity
/// ([`irsa_subject_as_tags`]): the operator to write them under, and groups of `(key, values)`,
/// a statement each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IrsaTags {
    pub operator: String,
    pub groups: Vec<Vec<(&'static str, Vec<String>)>>,
}

impl IrsaTags {
    /// Each group as a text (`aws:RequestTag/kubernetes-namespace = prod and …`), for a fix.
    pub(crate) fn described(&self) -> Vec<String> {
        (self.groups.iter())
            .map(|group| {
                let tags: Vec<String> = (group.iter())
                    .map(|(key, values)| text!(key, " = ", values.join(", ")))
                    .collect();
                tags.join(" and ")
            })
            .collect()
    }

    /// No tags: a condition that kept the role to no pods (an IRSA audience).
    pub(crate) fn no_scope() -> IrsaTags {
        IrsaTags {
            operator: "StringEquals".to_owned(),
            groups: vec![Vec::new()],
        }
    }

    /// The pod's namespace and service account, to fill in: what a condition that names neither
    /// was meant to keep the role to.
    fn to_fill_in() -> IrsaTags {
        IrsaTags {
            operator: "StringEquals".to_owned(),
            groups: vec![vec![
                (NAMESPACE_KEY, vec!["REPLACE_WITH_NAMESPACE".to_owned()]),
                (SERVICE_ACCOUNT_KEY, vec!["REPLACE_WITH_SERVICE_ACCOUNT".to_owned()]),
            ]],
        }
    }
}

/// The session tags that keep Pod Identity to the pods `condition`, on a token's claim it never
/// carries, was meant for: an IRSA subject's service accounts ([`irsa_subject_as_tags`]), none
/// for an IRSA audience (`sts.amazonaws.com`, no scope), and for another provider's claim (a
/// GitHub subject) a namespace and service account to fill in. `deny`: the condition is a
/// Deny's, whose negated comparison names whom it spares (`StringNotEquals … sub
/// system:serviceaccount:prod:app`), read as the positive one. `None` too for an Allow's
/// condition that holds where the claim is missing (it narrows nothing).
pub(crate) fn tags_meant(condition: &Condition, deny: bool) -> Option<IrsaTags> {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return None;
    };
    let (issuer, claim) = condition.key.rsplit_once(':')?;
    let eks = crate::checks::is_eks_issuer(&issuer.to_ascii_lowercase());
    if eks && claim.eq_ignore_ascii_case("aud") {
        return None;
    }
    if !deny {
        if missing_key(base, set, if_exists, &condition.values) != Tri::False {
            return None;
        }
        return irsa_subject_as_tags(condition).or_else(|| Some(IrsaTags::to_fill_in()));
    }
    // The Deny's spared subjects, as an Allow would ask for them.
    let positive = match base {
        BaseOperator::StringNotEquals => Some((BaseOperator::StringEquals, "StringEquals")),
        BaseOperator::StringNotLike => Some((BaseOperator::StringLike, "StringLike")),
        BaseOperator::StringNotEqualsIgnoreCase => {
            Some((BaseOperator::StringEqualsIgnoreCase, "StringEqualsIgnoreCase"))
        }
        _ => None,
    };
    let spared =
        (positive.filter(|_| eks && claim.eq_ignore_ascii_case("sub") && set.is_none())).and_then(|(base, text)| {
            let asked = Condition {
                operator_text: text.into(),
                operator: Operator::Known {
                    base,
                    set: None,
                    if_exists: false,
                },
                key: condition.key.clone(),
                values: condition.values.clone(),
            };
            irsa_subject_as_tags(&asked)
        });
    Some(spared.unwrap_or_else(IrsaTags::to_fill_in))
}

/// Whether a condition (its operator as written, key and values) keeps Pod Identity to one
/// cluster already: a positive comparison, without wildcards, of its cluster tags or of the source
/// ARN (the cluster's). Not `StringNotEquals … "dev"`, a `Null` test or a pattern of clusters.
pub(crate) fn pins_cluster<V: AsRef<str>>(operator: &str, key: &str, values: &[V]) -> bool {
    let cluster_key = matches!(
        PodTag::of_request_key(key),
        Some(PodTag::ClusterName | PodTag::ClusterArn)
    ) || key.eq_ignore_ascii_case("aws:SourceArn");
    // The cluster's ARN is compared as an ARN too.
    let arn = matches!(
        Operator::parse(operator),
        Operator::Known {
            base: BaseOperator::ArnEquals | BaseOperator::ArnLike,
            ..
        }
    );
    cluster_key && positive_without_wildcards(operator, values, arn)
}

/// Whether a condition (its operator as written, its values) asks for values written out: a
/// positive comparison, without a set qualifier, `…IfExists` or wildcards, which a value to fill
/// in beside it gives way to.
pub(crate) fn asks_exactly<V: AsRef<str>>(operator: &str, values: &[V]) -> bool {
    positive_without_wildcards(operator, values, false)
}

/// A positive string comparison (an ARN one too where `arns`), without a set qualifier or
/// `…IfExists`, of values none of which holds a wildcard.
fn positive_without_wildcards<V: AsRef<str>>(operator: &str, values: &[V], arns: bool) -> bool {
    use BaseOperator::{ArnEquals, ArnLike, StringEquals, StringEqualsIgnoreCase, StringLike};
    let positive = match Operator::parse(operator) {
        Operator::Known {
            base,
            set: None,
            if_exists: false,
        } => {
            matches!(base, StringEquals | StringEqualsIgnoreCase | StringLike)
                || (arns && matches!(base, ArnEquals | ArnLike))
        }
        _ => false,
    };
    positive && !values.is_empty() && values.iter().all(|v| !has_wildcard(v.as_ref()))
}

/// Whether some request whose tag holds `ours` (a value, or a pattern under `StringLike`) may meet
/// a condition a statement asks of the same key already (its operator as written, its values):
/// the two are ANDed, and a value none can meet beside it is left out. Another operator, or one
/// that can't be told, may.
pub(crate) fn may_meet(operator: &str, values: &[String], ours: &str) -> bool {
    let Operator::Known { base, .. } = Operator::parse(operator) else {
        return true;
    };
    let pattern = has_wildcard(ours);
    let equal = |v: &String, folds: bool| match pattern {
        true => crate::pattern::glob(ours, v, folds),
        false if folds => v.eq_ignore_ascii_case(ours),
        false => v == ours,
    };
    let like = |v: &String| match pattern {
        true => crate::pattern::globs_meet(v, ours),
        false => crate::pattern::glob(v, ours, false),
    };
    match base {
        BaseOperator::StringEquals => values.iter().any(|v| equal(v, false)),
        BaseOperator::StringEqualsIgnoreCase => values.iter().any(|v| equal(v, true)),
        BaseOperator::StringLike => values.iter().any(like),
        BaseOperator::StringNotEquals if !pattern => values.iter().all(|v| v != ours),
        BaseOperator::StringNotEqualsIgnoreCase if !pattern => values.iter().all(|v| !v.eq_ignore_ascii_case(ours)),
        BaseOperator::StringNotLike if !pattern => values.iter().all(|v| !crate::pattern::glob(v, ours, false)),
        // A tagged session has the tag: `Null` "true" holds for none of them.
        BaseOperator::Null => values.iter().all(|v| v.eq_ignore_ascii_case("false")),
        _ => true,
    }
}

/// Whether every request whose tag holds `ours` meets the same operator's `values` already
/// (`prod` within `pr*`): then `ours` alone says what the two ANDed do.
pub(crate) fn within(operator: &str, values: &[String], ours: &str) -> bool {
    let Operator::Known { base, .. } = Operator::parse(operator) else {
        return false;
    };
    match base {
        BaseOperator::StringEquals => values.iter().any(|v| v == ours),
        BaseOperator::StringEqualsIgnoreCase => values.iter().any(|v| v.eq_ignore_ascii_case(ours)),
        // A pattern within another only where that one is a start and a `*` (`team-*`).
        BaseOperator::StringLike => values.iter().any(|v| match has_wildcard(ours) {
            false => crate::pattern::glob(v, ours, false),
            true => {
                v == ours
                    || v.strip_suffix('*')
                        .is_some_and(|start| !has_wildcard(start) && ours.starts_with(start))
            }
        }),
        _ => false,
    }
}

/// The session tags that name the service accounts an IRSA subject condition asks Pod Identity
/// for (`oidc.eks.…:sub` = `system:serviceaccount:NAMESPACE:NAME`), which sends no token: the
/// namespaces and names, in groups that each keep the pairs the subjects named (one name in
/// several namespaces, or one namespace's names), a statement each. A `*` under `StringEquals`
/// was meant as a wildcard (the tags go under `StringLike`), a name in capitals in lowercase (as
/// Kubernetes' are); a name of `*` alone is left out (any). Subjects none of that reads (a
/// pattern across the namespace and the name, a placeholder) give tags to fill in, never none:
/// dropped, the condition would let every pod of the account in. `None` for another condition,
/// or one that holds where the key is missing (`…IfExists`, a negated operator).
pub(crate) fn irsa_subject_as_tags(condition: &Condition) -> Option<IrsaTags> {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return None;
    };
    if !matches!(
        base,
        BaseOperator::StringEquals | BaseOperator::StringLike | BaseOperator::StringEqualsIgnoreCase
    ) || missing_key(base, set, if_exists, &condition.values) != Tri::False
    {
        return None;
    }
    let (issuer, claim) = condition.key.rsplit_once(':')?;
    if !claim.eq_ignore_ascii_case("sub") || !crate::checks::is_eks_issuer(&issuer.to_ascii_lowercase()) {
        return None;
    }
    // A `*` compared as written was meant as a wildcard: the tags are compared as patterns.
    let literal_wildcard = base == BaseOperator::StringEquals && condition.values.iter().any(|v| has_wildcard(v));
    let like = base == BaseOperator::StringLike || literal_wildcard;
    let folds = base == BaseOperator::StringEqualsIgnoreCase;
    let operator = match literal_wildcard {
        true => condition.operator_text.replacen("StringEquals", "StringLike", 1),
        false => condition.operator_text.to_string(),
    };
    // A name as Pod Identity's tag holds it: as written, else in lowercase.
    let held = |tag: PodTag, text: &str| -> Option<String> {
        [text.to_owned(), text.to_ascii_lowercase()]
            .into_iter()
            .find(|t| !t.is_empty() && tag.may_hold(t, like, folds))
    };
    let pair = |v: &str| -> Option<(String, String)> {
        const PREFIX: &str = "system:serviceaccount:";
        let rest = v
            .get(PREFIX.len()..)
            .filter(|_| v.get(..PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(PREFIX)))?;
        match rest.split_once(':') {
            Some((namespace, name)) => Some((held(PodTag::Namespace, namespace)?, held(PodTag::ServiceAccount, name)?)),
            // `system:serviceaccount:team-*`: the `*` may take the `:` and the name after it,
            // which a namespace pattern that ends in it leaves to any name too.
            None if like && rest.ends_with('*') && !has_wildcard(rest.trim_end_matches('*')) => {
                Some((held(PodTag::Namespace, rest)?, "*".to_owned()))
            }
            None => None,
        }
    };
    let pairs: Option<Vec<(String, String)>> = condition.values.iter().map(|v| pair(v)).collect();
    let Some(pairs) = pairs.filter(|p| !p.is_empty()) else {
        return Some(IrsaTags::to_fill_in());
    };
    let distinct = |values: &mut Vec<String>, value: &str| {
        if !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
        }
    };
    // One name: one group of its namespaces. Else a group a namespace, of its names.
    let first_name = pairs.first().map(|(_, name)| name.clone()).unwrap_or_default();
    let one_name = pairs.iter().all(|(_, name)| *name == first_name);
    let mut groups: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (namespace, name) in &pairs {
        let found = (groups.iter()).position(|(namespaces, _)| one_name || namespaces.first() == Some(namespace));
        let at = match found {
            Some(at) => at,
            None => {
                groups.push(Default::default());
                groups.len() - 1
            }
        };
        let Some((namespaces, names)) = groups.get_mut(at) else {
            continue;
        };
        distinct(namespaces, namespace);
        distinct(names, name);
    }
    let any = |values: &[String]| like && values.iter().all(|v| v == "*");
    let tags = |(namespaces, names): (Vec<String>, Vec<String>)| -> Vec<(&'static str, Vec<String>)> {
        [(NAMESPACE_KEY, namespaces), (SERVICE_ACCOUNT_KEY, names)]
            .into_iter()
            .filter(|(_, values)| !any(values))
            .collect()
    };
    let groups: Vec<_> = groups.into_iter().map(tags).collect();
    if groups.iter().any(Vec::is_empty) {
        // `*:*`: any service account of the cluster whose issuer the key names, which Pod
        // Identity tells by the cluster's tag (the issuer's id is not its name).
        return Some(IrsaTags {
            operator: "StringEquals".to_owned(),
            groups: vec![vec![(CLUSTER_NAME_KEY, vec![CLUSTER_TO_FILL_IN.to_owned()])]],
        });
    }
    Some(IrsaTags { operator, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `f` of the one statement of a Pod Identity trust with one condition.
    fn with_statement<R>(operator: &str, key: &str, values: &[&str], f: impl FnOnce(&Statement) -> R) -> R {
        let doc = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": POD_IDENTITY},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {operator: {key: values}},
            }],
        })
        .to_string();
        let policy = crate::normalise::parse(&doc).unwrap();
        f(&policy.statements[0])
    }

    fn with_condition<R>(operator: &str, key: &str, values: &[&str], f: impl FnOnce(&Condition) -> R) -> R {
        with_statement(operator, key, values, |s| f(&s.conditions[0]))
    }

    #[test]
    fn values_are_judged_by_kubernetes_and_eks_names() {
        // (tag, value, under StringLike, may be held)
        for (tag, value, like, may) in [
            (PodTag::Namespace, "prod", false, true),
            (PodTag::Namespace, "Prod", false, false),
            (PodTag::Namespace, "prod_apps", false, false),
            (PodTag::Namespace, "-prod", false, false),
            (PodTag::Namespace, "prod-", false, false),
            (PodTag::Namespace, "*", false, false),
            (PodTag::Namespace, "*", true, true),
            (PodTag::Namespace, "team-*", true, true),
            (PodTag::Namespace, "Team-*", true, false),
            (PodTag::ServiceAccount, "my.app-sa", false, true),
            (PodTag::ServiceAccount, "my app", false, false),
            (PodTag::ClusterName, "Prod_Cluster-1", false, true),
            (
                PodTag::ClusterName,
                "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                false,
                false,
            ),
            (PodTag::ClusterName, "arn:aws:eks:*", true, false),
            (
                PodTag::ClusterArn,
                "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                false,
                true,
            ),
            (PodTag::ClusterArn, "prod", false, false),
            (PodTag::ClusterArn, "prod*", true, false),
            (PodTag::ClusterArn, "*:cluster/prod", true, true),
            (PodTag::ClusterArn, "arn:aws:eks:*:111122223333:cluster/*", true, true),
            (PodTag::PodUid, "anything", false, true),
        ] {
            assert_eq!(tag.may_hold(value, like, false), may, "{tag:?} {value} like={like}");
        }
        assert!(PodTag::Namespace.may_hold("PROD", false, true), "IgnoreCase");
        assert!(
            PodTag::Namespace.may_hold("${aws:PrincipalTag/ns}", false, false),
            "a variable"
        );
        assert!(PodTag::Namespace.holds(&"a".repeat(63)) && !PodTag::Namespace.holds(&"a".repeat(64)));
    }

    #[test]
    fn only_a_positive_comparison_of_a_pod_tag_that_no_value_meets_is_found() {
        let judged = |operator: &str, key: &str, values: &[&str]| {
            with_statement(operator, key, values, |s| tag_none_has(s).map(|(_, tag)| tag))
        };
        let ns = "aws:RequestTag/kubernetes-namespace";
        assert_eq!(judged("StringEquals", ns, &["Prod"]), Some(PodTag::Namespace));
        assert_eq!(
            judged("StringEquals", "AWS:requesttag/KUBERNETES-NAMESPACE", &["Prod"]),
            Some(PodTag::Namespace)
        );
        assert_eq!(
            judged("StringEquals", ns, &["Prod", "prod"]),
            None,
            "one value may be held"
        );
        assert_eq!(judged("StringEqualsIgnoreCase", ns, &["Prod"]), None);
        assert_eq!(
            judged("StringEqualsIfExists", ns, &["Prod"]),
            None,
            "session tags may be off"
        );
        assert_eq!(judged("StringNotEquals", ns, &["Prod"]), None);
        assert_eq!(judged("StringEquals", "aws:RequestTag/team", &["Prod"]), None);
        assert_eq!(
            judged("StringEquals", "aws:PrincipalTag/kubernetes-namespace", &["Prod"]),
            None
        );
    }

    #[test]
    fn slips_of_form_are_mended_and_others_are_not() {
        let ns = "aws:RequestTag/kubernetes-namespace";
        let name = "aws:RequestTag/eks-cluster-name";
        let arn = "aws:RequestTag/eks-cluster-arn";
        let cluster = "arn:aws:eks:us-east-1:111122223333:cluster/prod";
        for (key, values, tag, meant) in [
            (
                ns,
                &[" Prod", "QA"][..],
                PodTag::Namespace,
                Mend::Values(vec!["prod".into(), "qa".into()]),
            ),
            (ns, &["team-*"], PodTag::Namespace, Mend::Pattern),
            (name, &[cluster], PodTag::ClusterName, Mend::Key(arn)),
            (arn, &["prod"], PodTag::ClusterArn, Mend::Key(name)),
            (
                ns,
                &["prod_apps"],
                PodTag::Namespace,
                Mend::FillIn("REPLACE_WITH_NAMESPACE"),
            ),
            (
                ns,
                &["<Namespace>"],
                PodTag::Namespace,
                Mend::FillIn("REPLACE_WITH_NAMESPACE"),
            ),
            (
                name,
                &["prod cluster"],
                PodTag::ClusterName,
                Mend::FillIn("REPLACE_WITH_CLUSTER_NAME"),
            ),
        ] {
            let got = with_condition("StringEquals", key, values, |c| mended(c, tag));
            assert_eq!(got, meant, "{values:?}");
        }
    }

    #[test]
    fn a_deny_on_a_tag_value_no_pod_has_holds_for_every_session() {
        let ns = "aws:RequestTag/kubernetes-namespace";
        let holds = |operator: &str, values: &[&str]| with_condition(operator, ns, values, holds_for_every_session);
        assert!(holds("StringNotEquals", &["Prod"]));
        assert!(holds("StringNotLike", &["Team-*"]));
        assert!(!holds("StringNotEquals", &["prod"]));
        assert!(!holds("StringNotEqualsIgnoreCase", &["Prod"]));
        assert!(!holds("ForAllValues:StringNotEquals", &["prod"]));
        assert!(!holds("StringEquals", &["Prod"]));
    }

    #[test]
    fn an_irsa_subject_becomes_the_tags_that_name_its_service_account() {
        let key = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub";
        let tags =
            |operator: &str, key: &str, values: &[&str]| with_condition(operator, key, values, irsa_subject_as_tags);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let group = |namespaces: &[&str], names: &[&str]| {
            vec![(NAMESPACE_KEY, owned(namespaces)), (SERVICE_ACCOUNT_KEY, owned(names))]
        };
        let as_tags = |operator: &str, groups| {
            Some(IrsaTags {
                operator: operator.to_owned(),
                groups,
            })
        };
        assert_eq!(
            tags("StringEquals", key, &["system:serviceaccount:prod:app"]),
            as_tags("StringEquals", vec![group(&["prod"], &["app"])])
        );
        assert_eq!(
            tags(
                "StringEquals",
                key,
                &["system:serviceaccount:prod:app", "system:serviceaccount:prod:worker"]
            ),
            as_tags("StringEquals", vec![group(&["prod"], &["app", "worker"])])
        );
        assert_eq!(
            tags(
                "StringEquals",
                key,
                &["system:serviceaccount:prod:app", "system:serviceaccount:qa:app"]
            ),
            as_tags("StringEquals", vec![group(&["prod", "qa"], &["app"])])
        );
        // Two namespaces and two names: a group each, lest the tags admit the crossed pairs.
        let crossed = [
            "system:serviceaccount:a:x",
            "system:serviceaccount:b:y",
            "system:serviceaccount:a:z",
        ];
        assert_eq!(
            tags("StringEquals", key, &crossed),
            as_tags("StringEquals", vec![group(&["a"], &["x", "z"]), group(&["b"], &["y"])])
        );
        let namespace_only = |ns: &str| vec![vec![(NAMESPACE_KEY, owned(&[ns]))]];
        assert_eq!(
            tags("StringLike", key, &["system:serviceaccount:prod:*"]),
            as_tags("StringLike", namespace_only("prod"))
        );
        // A `*` compared as written was meant as a wildcard; capitals as Kubernetes writes names.
        assert_eq!(
            tags("StringEquals", key, &["system:serviceaccount:prod:*"]),
            as_tags("StringLike", namespace_only("prod"))
        );
        assert_eq!(
            tags("StringLike", key, &["system:serviceaccount:team-*"]),
            as_tags("StringLike", namespace_only("team-*"))
        );
        assert_eq!(
            tags("StringEquals", key, &["system:serviceaccount:Prod:App"]),
            as_tags("StringEquals", vec![group(&["prod"], &["app"])])
        );
        assert_eq!(
            tags(
                "ForAnyValue:StringEqualsIgnoreCase",
                key,
                &["system:serviceaccount:prod:app"]
            ),
            as_tags("ForAnyValue:StringEqualsIgnoreCase", vec![group(&["prod"], &["app"])])
        );
        // What no slip explains: tags to fill in, never none (which would admit every pod).
        for unread in [
            &["sts.amazonaws.com"][..],
            &["system:serviceaccount:*"],
            &["system:serviceaccount:*:*"],
        ] {
            let found = tags("StringLike", key, unread).expect("tags to fill in");
            let mut values = found.groups.iter().flatten().flat_map(|(_, values)| values);
            assert!(
                values.clone().count() > 0 && values.all(|v| crate::fix::is_fill_in(v)),
                "{unread:?}"
            );
        }
        assert_eq!(tags("StringNotEquals", key, &["system:serviceaccount:prod:app"]), None);
        assert_eq!(
            tags("StringEqualsIfExists", key, &["system:serviceaccount:prod:app"]),
            None
        );
        let aud = key.replace(":sub", ":aud");
        assert_eq!(tags("StringEquals", &aud, &["system:serviceaccount:prod:app"]), None);
        let github = "token.actions.githubusercontent.com:sub";
        assert_eq!(tags("StringEquals", github, &["system:serviceaccount:prod:app"]), None);
    }
}
