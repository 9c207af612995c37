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
            PodTag::ClusterName => "aws:RequestTag/eks-cluster-name",
            PodTag::Namespace => NAMESPACE_KEY,
            PodTag::ServiceAccount => SERVICE_ACCOUNT_KEY,
            PodTag::PodName => "aws:RequestTag/kubernetes-pod-name",
            PodTag::PodUid => "aws:RequestTag/kubernetes-pod-uid",
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
    fn may_hold(self, value: &str, like: bool, folds: bool) -> bool {
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

/// How a condition no Pod Identity session meets was meant, when a slip of form alone made it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mend {
    /// The values in lowercase, without spaces around them: Kubernetes' names.
    Values(Vec<String>),
    /// Under `StringLike`: a `*` or `?` compared as written was meant as a wildcard.
    Pattern,
    /// The other cluster tag's key: a cluster's ARN asked of its name, or its name of its ARN.
    Key(&'static str),
}

/// How `condition`, on `tag`, which no Pod Identity session meets, was meant; `None` when no slip
/// of form explains it (a namespace written with `_`), which only its author can mend.
pub(crate) fn mended(condition: &Condition, tag: PodTag) -> Option<Mend> {
    let Operator::Known { base, .. } = condition.operator else {
        return None;
    };
    let like = base == BaseOperator::StringLike;
    let all = |held: &dyn Fn(&str) -> bool| condition.values.iter().all(|v| held(v));
    match tag {
        PodTag::ClusterName if all(&is_cluster_arn) => return Some(Mend::Key(PodTag::ClusterArn.key())),
        PodTag::ClusterArn if all(&|v| PodTag::ClusterName.holds(v)) => {
            return Some(Mend::Key(PodTag::ClusterName.key()))
        }
        _ => {}
    }
    if base == BaseOperator::StringEquals && all(&|v| has_wildcard(v) && tag.may_hold(v, true, false)) {
        return Some(Mend::Pattern);
    }
    let kubernetes = matches!(tag, PodTag::Namespace | PodTag::ServiceAccount | PodTag::PodName);
    let lowered: Vec<String> = condition.values.iter().map(|v| v.trim().to_ascii_lowercase()).collect();
    (kubernetes && lowered.iter().all(|v| tag.may_hold(v, like, false))).then_some(Mend::Values(lowered))
}

/// What to write for `condition` of statement `index`, on `tag`, which no Pod Identity session meets.
pub(crate) fn fix_text(condition: &Condition, tag: PodTag, index: usize) -> String {
    match mended(condition, tag) {
        Some(Mend::Values(values)) => text!(
            "write ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " as ",
            values.join(", "),
            ", in lowercase as Kubernetes names are"
        ),
        Some(Mend::Pattern) => text!(
            "write StringLike for ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " (a pattern): StringEquals compares * and ? as written"
        ),
        Some(Mend::Key(key)) => text!(
            "ask ",
            key,
            " for these values in statement ",
            index,
            ": eks-cluster-name holds the cluster's name, eks-cluster-arn its ARN"
        ),
        None => text!(
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

/// The session tags that name the service accounts an IRSA subject condition asked Pod Identity
/// for (`oidc.eks.…:sub` = `system:serviceaccount:NAMESPACE:NAME`): their namespaces and names,
/// as `(key, values)` under the condition's own operator, in groups that each keep the pairs the
/// subjects named (one name in several namespaces, or one namespace's names): a statement each.
/// A name of `*` alone is left out (any).
pub(crate) type TagGroups = Vec<Vec<(&'static str, Vec<String>)>>;

pub(crate) fn irsa_subject_as_tags(condition: &Condition) -> Option<TagGroups> {
    let Operator::Known {
        base: base @ (BaseOperator::StringEquals | BaseOperator::StringLike),
        set: None,
        if_exists: false,
    } = condition.operator
    else {
        return None;
    };
    let (issuer, claim) = condition.key.rsplit_once(':')?;
    if !claim.eq_ignore_ascii_case("sub") || !crate::checks::is_eks_issuer(&issuer.to_ascii_lowercase()) {
        return None;
    }
    let like = base == BaseOperator::StringLike;
    let pairs: Option<Vec<(&str, &str)>> = (condition.values.iter())
        .map(|v| {
            let (namespace, name) = v.strip_prefix("system:serviceaccount:")?.split_once(':')?;
            let held = PodTag::Namespace.may_hold(namespace, like, false)
                && PodTag::ServiceAccount.may_hold(name, like, false);
            (held && !namespace.is_empty() && !name.is_empty()).then_some((namespace, name))
        })
        .collect();
    let pairs = pairs.filter(|p| !p.is_empty())?;
    let distinct = |values: &mut Vec<String>, value: &str| {
        if !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
        }
    };
    // One name: one group of its namespaces. Else a group a namespace, of its names.
    let first_name = pairs.first()?.1;
    let one_name = pairs.iter().all(|(_, name)| *name == first_name);
    let mut groups: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for &(namespace, name) in &pairs {
        let found =
            (groups.iter()).position(|(namespaces, _)| one_name || namespaces.first().is_some_and(|n| n == namespace));
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
    let groups: TagGroups = groups.into_iter().map(tags).collect();
    groups.iter().all(|g| !g.is_empty()).then_some(groups)
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
                Some(Mend::Values(vec!["prod".into(), "qa".into()])),
            ),
            (ns, &["team-*"], PodTag::Namespace, Some(Mend::Pattern)),
            (name, &[cluster], PodTag::ClusterName, Some(Mend::Key(arn))),
            (arn, &["prod"], PodTag::ClusterArn, Some(Mend::Key(name))),
            (ns, &["prod_apps"], PodTag::Namespace, None),
            (name, &["prod cluster"], PodTag::ClusterName, None),
        ] {
            let got = with_condition("StringEquals", key, values, |c| mended(c, tag));
            assert_eq!(got, meant, "{values:?}");
        }
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
        assert_eq!(
            tags("StringEquals", key, &["system:serviceaccount:prod:app"]),
            Some(vec![group(&["prod"], &["app"])])
        );
        assert_eq!(
            tags(
                "StringEquals",
                key,
                &["system:serviceaccount:prod:app", "system:serviceaccount:prod:worker"]
            ),
            Some(vec![group(&["prod"], &["app", "worker"])])
        );
        assert_eq!(
            tags(
                "StringEquals",
                key,
                &["system:serviceaccount:prod:app", "system:serviceaccount:qa:app"]
            ),
            Some(vec![group(&["prod", "qa"], &["app"])])
        );
        // Two namespaces and two names: a group each, lest the tags admit the crossed pairs.
        let crossed = [
            "system:serviceaccount:a:x",
            "system:serviceaccount:b:y",
            "system:serviceaccount:a:z",
        ];
        assert_eq!(
            tags("StringEquals", key, &crossed),
            Some(vec![group(&["a"], &["x", "z"]), group(&["b"], &["y"])])
        );
        assert_eq!(
            tags("StringLike", key, &["system:serviceaccount:prod:*"]),
            Some(vec![vec![(NAMESPACE_KEY, owned(&["prod"]))]])
        );
        assert_eq!(tags("StringEquals", key, &["sts.amazonaws.com"]), None);
        assert_eq!(tags("StringLike", key, &["system:serviceaccount:*"]), None);
        assert_eq!(
            tags("StringLike", key, &["system:serviceaccount:*:*"]),
            None,
            "any: no tag to ask"
        );
        assert_eq!(tags("StringNotEquals", key, &["system:serviceaccount:prod:app"]), None);
        let aud = key.replace(":sub", ":aud");
        assert_eq!(tags("StringEquals", &aud, &["system:serviceaccount:prod:app"]), None);
        let github = "token.actions.githubusercontent.com:sub";
        assert_eq!(tags("StringEquals", github, &["system:serviceaccount:prod:app"]), None);
    }
}
