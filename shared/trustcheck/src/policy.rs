//! The normalised trust policy: every grammar variant IAM accepts reduced to one shape.
//!
//! Strings borrow from the JSON text where they can. Names that IAM compares case-insensitively
//! (actions, condition keys) keep their spelling and are compared with `eq_ignore_ascii_case`.

use std::borrow::Cow;

use crate::pattern::{glob, has_wildcard, strip_prefix_ignore_case};

pub(crate) const ASSUME_ROLE: &str = "sts:AssumeRole";
pub(crate) const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";
pub(crate) const ASSUME_ROLE_WITH_SAML: &str = "sts:AssumeRoleWithSAML";
/// The companion action a request that carries a source identity needs.
pub(crate) const SET_SOURCE_IDENTITY: &str = "sts:SetSourceIdentity";
pub(crate) const TAG_SESSION: &str = "sts:TagSession";
/// The three ways to assume a role.
pub(crate) const ASSUME_ACTIONS: [&str; 3] = [ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_WITH_SAML];

/// Does the statement's `Action` / `NotAction` cover `action`? Action names ignore case.
pub(crate) fn covers(actions: &Actions, action: &str) -> bool {
    match ASSUME_ACTIONS.iter().position(|a| *a == action) {
        Some(i) => actions.assume[i],
        None => matches_action(actions, action),
    }
}

fn matches_action(actions: &Actions, action: &str) -> bool {
    let listed = actions.patterns.iter().any(|p| glob(p, action, true));
    listed != actions.negated
}

pub(crate) fn covers_any_assume(actions: &Actions) -> bool {
    actions.assume.contains(&true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V2008,
    V2012,
    /// No `Version`: IAM then ignores policy variables, as with 2008-10-17.
    Missing,
}

#[derive(Debug, Clone)]
pub(crate) struct Policy<'a> {
    /// The JSON text it was read from (empty for a model the fixer built).
    pub text: &'a str,
    pub version: Version,
    pub statements: Vec<Statement<'a>>,
    /// Top-level elements the policy grammar doesn't have (a misspelt `version`): not read, as
    /// if absent, and refused by IAM (`TRUST_POLICY_INVALID`).
    pub unknown_elements: Vec<Cow<'a, str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
pub(crate) struct Statement<'a> {
    pub sid: Option<Cow<'a, str>>,
    pub effect: Effect,
    pub principals: Principals<'a>,
    pub actions: Actions<'a>,
    pub conditions: Vec<Condition<'a>>,
    /// Elements IAM refuses in a role trust policy, or requires, as written: only a document
    /// IAM has not accepted yet can have them wrong (`TRUST_POLICY_INVALID`).
    pub written: Written,
    /// The elements the policy grammar doesn't have (a misspelt `condition`): not read, as if
    /// absent, and refused by IAM (`TRUST_POLICY_INVALID`).
    pub unknown_elements: Vec<Cow<'a, str>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Written {
    /// `Principal` or `NotPrincipal` is there.
    pub principal: bool,
    /// `Action` or `NotAction` is there (element names are case-sensitive: an `action` is not).
    pub action: bool,
    /// `Resource` or `NotResource` is there.
    pub resource: bool,
}

/// `Principal` or `NotPrincipal`. `"*"` is stored as `aws: ["*"]`, as IAM documents them equal.
#[derive(Debug, Clone, Default)]
pub(crate) struct Principals<'a> {
    /// Written as `NotPrincipal`: the statement applies to everyone *not* listed.
    pub negated: bool,
    /// Written as the bare string `"*"`.
    pub bare_wildcard: bool,
    pub aws: Vec<Cow<'a, str>>,
    pub service: Vec<Cow<'a, str>>,
    pub federated: Vec<Cow<'a, str>>,
    pub canonical_user: Vec<Cow<'a, str>>,
}

/// `Action` or `NotAction` patterns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Actions<'a> {
    pub negated: bool,
    pub patterns: Vec<Cow<'a, str>>,
    /// Whether the patterns cover each of [`ASSUME_ACTIONS`]: every check asks, so ask once.
    pub assume: [bool; 3],
    /// A pattern is a value a template leaves undetermined (`UNRESOLVED(Ref Action)`).
    pub undetermined: bool,
}

impl<'a> Actions<'a> {
    pub fn new(negated: bool, patterns: Vec<Cow<'a, str>>) -> Self {
        let mut actions = Actions {
            negated,
            patterns,
            assume: [false; 3],
            undetermined: false,
        };
        // One pass over the patterns: most are a plain action name, compared once, not per action.
        for pattern in &actions.patterns {
            // Spelt as documented, the common case: one comparison of bytes.
            if let Some(i) = ASSUME_ACTIONS.iter().position(|a| *a == pattern) {
                actions.assume[i] = true;
            } else if has_wildcard(pattern) {
                for (covered, action) in actions.assume.iter_mut().zip(ASSUME_ACTIONS) {
                    *covered |= glob(pattern, action, true);
                }
                actions.undetermined |= crate::validity::is_opaque(pattern);
            } else if let Some(i) = ASSUME_ACTIONS.iter().position(|a| a.eq_ignore_ascii_case(pattern)) {
                actions.assume[i] = true;
            } else if crate::validity::is_opaque(pattern) {
                actions.undetermined = true;
            }
        }
        if negated {
            actions.assume = actions.assume.map(|listed| !listed);
        }
        actions
    }

    /// The actions as a statement of `effect` grants or denies them for sure. One a template
    /// leaves undetermined may be any its written text allows ([`Actions::may_cover`]): an
    /// Allow may grant each of those; a Deny denies for sure only the actions written out in
    /// its `Action`, and none with a `NotAction`, whose unknown may be the very one excepted
    /// (whether it may deny one, which the check of Lambda's trust asks, failing closed, is
    /// [`Actions::may_cover`]).
    pub fn in_statement_of(mut self, effect: Effect) -> Self {
        if self.undetermined {
            match (effect, self.negated) {
                (Effect::Allow, false) => self.assume = ASSUME_ACTIONS.map(|a| self.may_cover(a)),
                // What a NotAction doesn't write out is granted already: the unknown can only
                // except more, which an Allow, failing closed, is not taken to.
                (Effect::Allow, true) => {}
                (Effect::Deny, true) => self.assume = [false; 3],
                (Effect::Deny, false) => {}
            }
        }
        self
    }

    /// Whether the actions may cover `action`, whatever the values a template leaves
    /// undetermined turn out to be: those of a NotAction may except anything but what it writes
    /// out, those of an Action may be anything.
    pub fn may_cover(&self, action: &str) -> bool {
        if !self.undetermined {
            return covers(self, action);
        }
        if self.negated {
            let written = (self.patterns.iter())
                .filter(|p| !crate::validity::is_opaque(p))
                .any(|p| glob(p, action, true));
            return !written;
        }
        // An undetermined part may be any text, but the text written beside it stays
        // (`s3:UNRESOLVED(Ref A)` is no sts action).
        self.patterns
            .iter()
            .any(|p| glob(&crate::validity::undetermined_as_wildcard(p), action, true))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Condition<'a> {
    /// The operator as written, kept for messages and the suggested policy.
    pub operator_text: Cow<'a, str>,
    pub operator: Operator,
    pub key: Cow<'a, str>,
    pub values: Vec<Cow<'a, str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Known {
        base: BaseOperator,
        set: Option<SetQualifier>,
        if_exists: bool,
    },
    /// Not an IAM operator: evaluates to unknown, never to a match.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// Every base operator IAM documents, by name.
const BASE_OPERATORS: [(&str, BaseOperator); 27] = {
    use BaseOperator::*;
    [
        ("StringEquals", StringEquals),
        ("StringNotEquals", StringNotEquals),
        ("StringEqualsIgnoreCase", StringEqualsIgnoreCase),
        ("StringNotEqualsIgnoreCase", StringNotEqualsIgnoreCase),
        ("StringLike", StringLike),
        ("StringNotLike", StringNotLike),
        ("NumericEquals", NumericEquals),
        ("NumericNotEquals", NumericNotEquals),
        ("NumericLessThan", NumericLessThan),
        ("NumericLessThanEquals", NumericLessThanEquals),
        ("NumericGreaterThan", NumericGreaterThan),
        ("NumericGreaterThanEquals", NumericGreaterThanEquals),
        ("DateEquals", DateEquals),
        ("DateNotEquals", DateNotEquals),
        ("DateLessThan", DateLessThan),
        ("DateLessThanEquals", DateLessThanEquals),
        ("DateGreaterThan", DateGreaterThan),
        ("DateGreaterThanEquals", DateGreaterThanEquals),
        ("Bool", Bool),
        ("BinaryEquals", BinaryEquals),
        ("IpAddress", IpAddress),
        ("NotIpAddress", NotIpAddress),
        ("ArnEquals", ArnEquals),
        ("ArnLike", ArnLike),
        ("ArnNotEquals", ArnNotEquals),
        ("ArnNotLike", ArnNotLike),
        ("Null", Null),
    ]
};

impl BaseOperator {
    fn parse(name: &str) -> Option<Self> {
        BASE_OPERATORS.iter().find(|(n, _)| *n == name).map(|(_, base)| *base)
    }

    /// Operators that read `*` and `?` in their values as wildcards (IAM reads them in
    /// `ArnEquals` as in `ArnLike`).
    /// A string or ARN comparison: one that compares the key's value as text.
    pub fn compares_text(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
        )
    }

    pub fn reads_wildcards(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike
        )
    }

    /// A positive string comparison as `(reads wildcards, ignores case)`: `StringEquals`,
    /// `StringLike`, `StringEqualsIgnoreCase`; `None` for another operator.
    pub(crate) fn positive_string_comparison(self) -> Option<(bool, bool)> {
        match self {
            BaseOperator::StringEquals => Some((false, false)),
            BaseOperator::StringLike => Some((true, false)),
            BaseOperator::StringEqualsIgnoreCase => Some((false, true)),
            _ => None,
        }
    }

    /// A negated string comparison as `(reads wildcards, ignores case)`: `StringNotEquals`,
    /// `StringNotLike`, `StringNotEqualsIgnoreCase`; `None` for another operator.
    pub(crate) fn negated_string_comparison(self) -> Option<(bool, bool)> {
        match self {
            BaseOperator::StringNotEquals => Some((false, false)),
            BaseOperator::StringNotLike => Some((true, false)),
            BaseOperator::StringNotEqualsIgnoreCase => Some((false, true)),
            _ => None,
        }
    }

    /// Negated operators are true when the key is missing and AND their values.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

impl Operator {
    /// A known negated operator ([`BaseOperator::is_negated`]), whatever its qualifiers.
    pub fn is_negated(self) -> bool {
        matches!(self, Operator::Known { base, .. } if base.is_negated())
    }

    /// Parses `[ForAnyValue:|ForAllValues:]Base[IfExists]`. Operator names are case-sensitive in IAM.
    pub fn parse(text: &str) -> Operator {
        let (set, rest) = if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, text)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        match BaseOperator::parse(base) {
            // IAM rejects `NullIfExists`: it would be meaningless.
            Some(BaseOperator::Null) if if_exists => Operator::Unknown,
            Some(base) => Operator::Known { base, set, if_exists },
            None => Operator::Unknown,
        }
    }

    /// The operator an unknown one was surely meant to be, spelt as IAM wants it: the same name
    /// in another case (`stringEquals`), or the one documented name a typo or two away
    /// (`StringEqualz`). `None` when that is not clear.
    pub fn correction(text: &str) -> Option<String> {
        let (set, rest) = match (
            strip_prefix_ignore_case(text, "ForAnyValue:"),
            strip_prefix_ignore_case(text, "ForAllValues:"),
        ) {
            (Some(rest), _) => ("ForAnyValue:", rest),
            (_, Some(rest)) => ("ForAllValues:", rest),
            _ => ("", text),
        };
        let suffix = "IfExists";
        // The suffix as written, or with a slip of its own (`BoolIfExist`, `StringEqualsIfExits`):
        // from the last `If` on, within two edits of it. Further from it (`StringLikeIf`), which
        // way a missing key was meant to go is not clear: no guess.
        let at_if = rest
            .to_ascii_lowercase()
            .rfind("if")
            .filter(|at| *at > 0 && rest.len() - at <= 10);
        let (if_exists, base) = match rest
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| rest.split_at_checked(at))
        {
            Some((base, tail)) if tail.eq_ignore_ascii_case(suffix) && !base.is_empty() => (suffix, base),
            _ => match at_if.and_then(|at| rest.split_at_checked(at)) {
                Some((base, tail)) if edit_distance(&tail.to_ascii_lowercase(), "ifexists") <= 2 => (suffix, base),
                Some(_) => return None,
                None => ("", rest),
            },
        };
        let lower = base.to_ascii_lowercase();
        let distances: Vec<(usize, &str)> = BASE_OPERATORS
            .iter()
            .map(|(name, _)| (edit_distance(&lower, &name.to_ascii_lowercase()), *name))
            .collect();
        let best = distances.iter().map(|(d, _)| *d).min()?;
        let (_, name) = distances.iter().find(|(d, _)| *d == best)?;
        // Clear only when no other name is nearly as close: `Bull` is one edit from `Null` and
        // two from `Bool`, whose meanings are opposite ways of reading a key.
        if best > 2 || distances.iter().filter(|(d, _)| *d < best + 2).count() > 1 {
            return None;
        }
        // `NullIfExists` is meaningless, and IAM refuses it: `Null` is what it can mean.
        [format!("{set}{name}{if_exists}"), format!("{set}{name}")]
            .into_iter()
            .find(|corrected| Operator::parse(corrected) != Operator::Unknown)
    }

    #[cfg(test)]
    pub fn base(self) -> Option<BaseOperator> {
        match self {
            Operator::Known { base, .. } => Some(base),
            Operator::Unknown => None,
        }
    }
}

/// Levenshtein distance of two short ASCII names.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

impl Principals<'_> {
    pub fn is_empty(&self) -> bool {
        self.aws.is_empty() && self.service.is_empty() && self.federated.is_empty() && self.canonical_user.is_empty()
    }

    /// Every principal string with the name of its kind, in document order of kinds.
    pub fn entries(&self) -> impl Iterator<Item = (PrincipalKind, &str)> {
        let kinds = [
            (PrincipalKind::Aws, &self.aws),
            (PrincipalKind::Service, &self.service),
            (PrincipalKind::Federated, &self.federated),
            (PrincipalKind::CanonicalUser, &self.canonical_user),
        ];
        kinds
            .into_iter()
            .flat_map(|(kind, values)| values.iter().map(move |v| (kind, v.as_ref())))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unknown_operator_is_corrected_only_when_what_was_meant_is_clear() {
        let correction = |text: &str| Operator::correction(text);
        assert_eq!(correction("StringEqualz").as_deref(), Some("StringEquals"));
        assert_eq!(correction("stringequals").as_deref(), Some("StringEquals"));
        assert_eq!(
            correction("forAnyValue:stringlikeifexists").as_deref(),
            Some("ForAnyValue:StringLikeIfExists")
        );
        assert_eq!(correction("ArnLik").as_deref(), Some("ArnLike"));
        assert_eq!(correction("NullIfExists").as_deref(), Some("Null"));
        // Too far from any operator, or as close to two: no guess.
        assert_eq!(correction("Boolean"), None);
        assert_eq!(correction("Whatever"), None);
        // Nearly as close to another, whose meaning may be the opposite: `Bull` is one edit from
        // Null and two from Bool.
        assert_eq!(correction("Bull"), None);
        assert_eq!(correction("Nool"), None);
        assert_eq!(correction("Bol").as_deref(), Some("Bool"));
        assert_eq!(correction("DateLessThanEqualsX").as_deref(), Some("DateLessThanEquals"));
        // A slip in the suffix too.
        assert_eq!(correction("BoolIfExist").as_deref(), Some("BoolIfExists"));
        assert_eq!(
            correction("StringEqualsIfExits").as_deref(),
            Some("StringEqualsIfExists")
        );
        assert_eq!(
            correction("ForAnyValue:StringNotEqualsIfExist").as_deref(),
            Some("ForAnyValue:StringNotEqualsIfExists")
        );
        assert_eq!(correction("StringLikeIf"), None);
    }

    use super::*;

    #[test]
    fn actions_know_which_ways_of_assuming_they_cover() {
        let assume = |negated: bool, patterns: &[&str]| {
            Actions::new(negated, patterns.iter().map(|p| Cow::Borrowed(*p)).collect()).assume
        };
        assert_eq!(
            assume(false, &["sts:AssumeRole", "sts:TagSession"]),
            [true, false, false]
        );
        assert_eq!(assume(false, &["STS:assumerolewithsaml"]), [false, false, true]);
        assert_eq!(assume(false, &["sts:AssumeRoleWith*"]), [false, true, true]);
        assert_eq!(assume(false, &["sts:Assume?ole", "*"]), [true, true, true]);
        assert_eq!(assume(false, &["sts:AssumeRoleX", "s3:*"]), [false, false, false]);
        assert_eq!(assume(true, &["sts:AssumeRoleWithWebIdentity"]), [true, false, true]);
        assert_eq!(assume(true, &["sts:*"]), [false, false, false]);
        assert_eq!(assume(true, &[]), [true, true, true]);
    }

    #[test]
    fn operators_parse_with_prefixes_and_suffix() {
        assert_eq!(
            Operator::parse("ForAnyValue:StringLikeIfExists"),
            Operator::Known {
                base: BaseOperator::StringLike,
                set: Some(SetQualifier::ForAnyValue),
                if_exists: true
            }
        );
        assert_eq!(Operator::parse("stringequals"), Operator::Unknown);
        assert_eq!(Operator::parse("NullIfExists"), Operator::Unknown);
        assert_eq!(Operator::parse("ForAnyValues:StringEquals"), Operator::Unknown);
        assert!(BaseOperator::ArnNotLike.is_negated());
        assert!(!BaseOperator::Null.is_negated());
    }
}
