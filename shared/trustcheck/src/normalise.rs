//! Parse policy JSON straight into the normalised model (`policy.rs`).
//!
//! The plain form most documents have is read by a reader made for it (`plain`); the rest by
//! hand-written serde visitors instead of `serde_json::Value`: they borrow strings from the text, accept
//! every scalar-or-list form IAM allows in one pass, and report shape errors with serde_json's
//! line and column. Elements the grammar doesn't have, and `Resource`, are not read, only
//! noted, as IAM refuses them in a role trust policy; `Id` is ignored.

use std::{borrow::Cow, fmt};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::{
    error::PolicyError,
    policy::{
        Actions, BaseOperator, Condition, Effect, Operator, Policy, Principals, SetQualifier, Statement, Version,
        Written,
    },
};

// Not in the browser sandbox's WebAssembly, whose download counts and speed doesn't: the serde
// visitors read every document there, as they read the rest here.
#[cfg(not(target_family = "wasm"))]
mod plain;

/// Parses and normalises JSON policy text: the plain form most documents have by the reader
/// made for it, anything else by the serde visitors below.
pub(crate) fn parse(json: &str) -> Result<Policy<'_>, PolicyError> {
    #[cfg(not(target_family = "wasm"))]
    if let Some(raw) = plain::read(json) {
        return normalised(json, raw);
    }
    parse_with_serde(json)
}

fn parse_with_serde(json: &str) -> Result<Policy<'_>, PolicyError> {
    let raw: RawPolicy = serde_json::from_str(json)?;
    normalised(json, raw)
}

/// The policy read as `raw` from `json`. A JSON or shape error anywhere comes first (the reader
/// returned it), then `Version`, then the first statement IAM would not read.
fn normalised<'a>(json: &'a str, raw: RawPolicy<'a>) -> Result<Policy<'a>, PolicyError> {
    let version = match raw.version.as_deref() {
        None => Version::Missing,
        Some("2012-10-17") => Version::V2012,
        Some("2008-10-17") => Version::V2008,
        Some(other) => return Err(PolicyError::Version(other.to_owned())),
    };
    Ok(Policy {
        text: json,
        version,
        statements: raw.statements.0?,
        unknown_elements: {
            let mut unknown = raw.unknown;
            crate::order::sort_small(&mut unknown);
            unknown
        },
    })
}

struct RawPolicy<'a> {
    version: Option<Cow<'a, str>>,
    statements: Statements<'a>,
    unknown: Vec<Cow<'a, str>>,
}

#[derive(Default)]
struct RawStatement<'a> {
    sid: Option<Cow<'a, str>>,
    effect: Option<Cow<'a, str>>,
    principal: Option<Principals<'a>>,
    not_principal: Option<Principals<'a>>,
    action: Option<Vec<Cow<'a, str>>>,
    not_action: Option<Vec<Cow<'a, str>>>,
    conditions: Vec<Condition<'a>>,
    resource: bool,
    /// The elements the policy grammar doesn't have (`condition`, `Principals`).
    unknown: Vec<Cow<'a, str>>,
}

impl<'a> RawStatement<'a> {
    fn normalise(self, statement: usize) -> Result<Statement<'a>, PolicyError> {
        // IAM takes the effect in any case: AWS's own Account Factory for Terraform has shipped a
        // trust policy with `"Effect": "allow"` since 2021.
        let effect = match self.effect.as_deref() {
            Some(e) if e.eq_ignore_ascii_case("Allow") => Effect::Allow,
            Some(e) if e.eq_ignore_ascii_case("Deny") => Effect::Deny,
            other => {
                return Err(PolicyError::Effect {
                    statement,
                    effect: other.unwrap_or("missing").to_owned(),
                })
            }
        };
        let written = Written {
            principal: self.principal.is_some() || self.not_principal.is_some(),
            // An empty list is no action either: IAM answers "must contain actions".
            action: [&self.action, &self.not_action]
                .iter()
                .any(|list| list.as_ref().is_some_and(|l| !l.is_empty())),
            resource: self.resource,
        };
        let principals = match (self.principal, self.not_principal) {
            (Some(_), Some(_)) => {
                return Err(PolicyError::Both {
                    statement,
                    first: "Principal",
                    second: "NotPrincipal",
                })
            }
            (Some(p), None) => p,
            (None, Some(mut p)) => {
                p.negated = true;
                p
            }
            // IAM requires a principal in a trust policy; without one the statement matches nobody.
            (None, None) => Principals::default(),
        };
        let actions = match (self.action, self.not_action) {
            (Some(_), Some(_)) => {
                return Err(PolicyError::Both {
                    statement,
                    first: "Action",
                    second: "NotAction",
                })
            }
            (Some(patterns), None) => Actions::new(false, patterns),
            (None, Some(patterns)) => Actions::new(true, patterns),
            (None, None) => Actions::default(),
        };
        let actions = actions.in_statement_of(effect);
        Ok(Statement {
            sid: self.sid,
            effect,
            principals,
            actions,
            conditions: operators_settled(self.conditions),
            written,
            // In name order: the same whichever way a reader keeps a JSON object's keys.
            unknown_elements: {
                let mut unknown = self.unknown;
                crate::order::sort_small(&mut unknown);
                unknown
            },
        })
    }
}

/// Global keys that hold one value, never a list: `ForAnyValue:` with a positive operator on one
/// is the plain operator (true when the value matches, false when the key is missing, whether or
/// not it says `…IfExists`: `ForAnyValue:` is false without the key).
const SINGLE_VALUED: [&str; 10] = [
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:userid",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "sts:ExternalId",
    "aws:SourceVpce",
    "aws:SourceVpc",
];

/// The operators of a statement's conditions read as what they mean there (their text stays as
/// written). The conditions hold together, so `"Null": {"k": "false"}` beside
/// `StringEqualsIfExists k` says the key is there: the `IfExists` changes nothing. And
/// `ForAnyValue:` with a positive operator on a single-valued key is the plain operator.
pub(crate) fn operators_settled(mut conditions: Vec<Condition<'_>>) -> Vec<Condition<'_>> {
    for c in &mut conditions {
        if let Operator::Known {
            base,
            set: Some(SetQualifier::ForAnyValue),
            ..
        } = c.operator
        {
            if !base.is_negated()
                && base != BaseOperator::Null
                && SINGLE_VALUED.iter().any(|k| c.key.eq_ignore_ascii_case(k))
            {
                c.operator = Operator::Known {
                    base,
                    set: None,
                    if_exists: false,
                };
            }
        }
    }
    let present = |key: &str, conditions: &[Condition]| {
        conditions.iter().any(|c| {
            matches!(
                c.operator,
                Operator::Known {
                    base: BaseOperator::Null,
                    set: None,
                    ..
                }
            ) && c.key.eq_ignore_ascii_case(key)
                && !c.values.is_empty()
                && c.values.iter().all(|v| v.eq_ignore_ascii_case("false"))
        })
    };
    for i in 0..conditions.len() {
        if let Operator::Known {
            if_exists: true,
            base,
            set,
        } = conditions[i].operator
        {
            if present(&conditions[i].key, &conditions) {
                conditions[i].operator = Operator::Known {
                    base,
                    set,
                    if_exists: false,
                };
            }
        }
    }
    conditions
}

/// A string that borrows from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> de::Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
}

/// A string or a list of strings (`"a"` ≡ `["a"]`).
struct StrList<'a>(Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> de::Deserialize<'de> for StrList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrListVisitor)
    }
}

struct StrListVisitor;

impl<'de> Visitor<'de> for StrListVisitor {
    type Value = StrList<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a list of strings")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(StrList(vec![Cow::Borrowed(v)]))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(StrList(vec![Cow::Owned(v.to_owned())]))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(2));
        while let Some(Text(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(StrList(items))
    }
}

/// Condition values: strings, booleans or numbers, one or a list. Kept as text, as IAM compares them.
struct ValueList<'a>(Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> de::Deserialize<'de> for ValueList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueListVisitor { nested: false })
    }
}

struct ValueListVisitor {
    nested: bool,
}

impl<'de> Visitor<'de> for ValueListVisitor {
    type Value = ValueList<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a condition value (string, boolean or number) or a list of them")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(ValueList(vec![Cow::Borrowed(v)]))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ValueList(vec![Cow::Owned(v.to_owned())]))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(ValueList(vec![Cow::Borrowed(if v { "true" } else { "false" })]))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(ValueList(vec![Cow::Owned(v.to_string())]))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(ValueList(vec![Cow::Owned(v.to_string())]))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(ValueList(vec![Cow::Owned(v.to_string())]))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.nested {
            return Err(de::Error::custom("condition values cannot be nested lists"));
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(2));
        while let Some(ValueList(mut inner)) = seq.next_element_seed(ValueListVisitor { nested: true })? {
            items.append(&mut inner);
        }
        Ok(ValueList(items))
    }
}

impl<'de> DeserializeSeed<'de> for ValueListVisitor {
    type Value = ValueList<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// `Statement`: one object or a list of them, each normalised as soon as it is read (no list of
/// raw statements in between); the first one IAM would not read, once the whole document is
/// known to parse.
struct Statements<'a>(Result<Vec<Statement<'a>>, PolicyError>);

impl<'de: 'a, 'a> de::Deserialize<'de> for Statements<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StatementsVisitor)
    }
}

impl<'a> Statements<'a> {
    fn add(&mut self, raw: RawStatement<'a>) {
        if let Ok(statements) = &mut self.0 {
            match raw.normalise(statements.len()) {
                Ok(statement) => statements.push(statement),
                Err(error) => self.0 = Err(error),
            }
        }
    }
}

struct StatementsVisitor;

impl<'de> Visitor<'de> for StatementsVisitor {
    type Value = Statements<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a statement object or a list of statements")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut statements = Statements(Ok(Vec::with_capacity(1)));
        statements.add(StatementVisitor.visit_map(map)?);
        Ok(statements)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut statements = Statements(Ok(Vec::with_capacity(seq.size_hint().unwrap_or(4))));
        while let Some(raw) = seq.next_element_seed(StatementVisitor)? {
            statements.add(raw);
        }
        Ok(statements)
    }
}

impl<'de: 'a, 'a> de::Deserialize<'de> for RawPolicy<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PolicyVisitor)
    }
}

struct PolicyVisitor;

impl<'de> Visitor<'de> for PolicyVisitor {
    type Value = RawPolicy<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a policy object with `Statement`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut version = None;
        let mut statements = None;
        let mut unknown = Vec::new();
        while let Some(Text(key)) = map.next_key()? {
            match key.as_ref() {
                "Version" => set_once(&mut version, "Version", map.next_value::<Text>()?.0)?,
                "Statement" => set_once(&mut statements, "Statement", map.next_value()?)?,
                "Id" => {
                    map.next_value::<IgnoredAny>()?;
                }
                // Not read, as if absent; noted, as IAM refuses it (`TRUST_POLICY_INVALID`).
                _ => {
                    unknown.push(key);
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let statements = statements.ok_or_else(|| de::Error::missing_field("Statement"))?;
        Ok(RawPolicy {
            version,
            statements,
            unknown,
        })
    }
}

struct StatementVisitor;

impl<'de> DeserializeSeed<'de> for StatementVisitor {
    type Value = RawStatement<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StatementVisitor {
    type Value = RawStatement<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a statement object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut s = RawStatement::default();
        let mut seen_condition = false;
        while let Some(Text(key)) = map.next_key()? {
            match key.as_ref() {
                "Sid" => set_once(&mut s.sid, "Sid", map.next_value::<Text>()?.0)?,
                "Effect" => set_once(&mut s.effect, "Effect", map.next_value::<Text>()?.0)?,
                "Principal" => set_once(&mut s.principal, "Principal", map.next_value_seed(PrincipalVisitor)?)?,
                "NotPrincipal" => set_once(
                    &mut s.not_principal,
                    "NotPrincipal",
                    map.next_value_seed(PrincipalVisitor)?,
                )?,
                "Action" => set_once(&mut s.action, "Action", map.next_value::<StrList>()?.0)?,
                "NotAction" => set_once(&mut s.not_action, "NotAction", map.next_value::<StrList>()?.0)?,
                "Condition" => {
                    if std::mem::replace(&mut seen_condition, true) {
                        return Err(de::Error::duplicate_field("Condition"));
                    }
                    map.next_value_seed(ConditionsVisitor { out: &mut s.conditions })?;
                }
                "Resource" | "NotResource" => {
                    s.resource = true;
                    map.next_value::<IgnoredAny>()?;
                }
                // Not read, as if absent; noted, as IAM refuses it (`TRUST_POLICY_INVALID`).
                _ => {
                    s.unknown.push(key);
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(s)
    }
}

fn set_once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::duplicate_field(name));
    }
    Ok(())
}

struct PrincipalVisitor;

impl<'de> DeserializeSeed<'de> for PrincipalVisitor {
    type Value = Principals<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PrincipalVisitor {
    type Value = Principals<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"*\" or an object of AWS / Service / Federated / CanonicalUser principals")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v != "*" {
            return Err(E::invalid_value(
                de::Unexpected::Str(v),
                &"\"*\" (the only string IAM accepts here)",
            ));
        }
        Ok(Principals {
            aws: vec![Cow::Borrowed("*")],
            bare_wildcard: true,
            ..Principals::default()
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut p = Principals::default();
        let mut seen = [false; 4];
        while let Some(Text(kind)) = map.next_key()? {
            let (slot, index) = match kind.as_ref() {
                "AWS" => (&mut p.aws, 0),
                "Service" => (&mut p.service, 1),
                "Federated" => (&mut p.federated, 2),
                "CanonicalUser" => (&mut p.canonical_user, 3),
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["AWS", "Service", "Federated", "CanonicalUser"],
                    ))
                }
            };
            // Which of two lists of one kind counts is up to the parser that reads it (JSON leaves
            // a repeated name undefined): fail closed, as for a repeated statement element.
            if std::mem::replace(&mut seen[index], true) {
                return Err(de::Error::custom(format_args!("`Principal` repeats the key `{kind}`")));
            }
            let StrList(values) = map.next_value()?;
            *slot = without_repeats(values);
        }
        Ok(p)
    }
}

/// A principal listed twice is one principal: the checks that pair each principal with the others
/// (a provider with its statement's conditions) would otherwise pay for every copy, and a crafted
/// list of copies would make one check take seconds.
fn without_repeats(mut values: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    let mut i = 1;
    while i < values.len() {
        if values[..i].contains(&values[i]) {
            values.remove(i);
        } else {
            i += 1;
        }
    }
    values
}

/// `Condition`: `{operator: {key: value-or-values}}`, flattened into one list (all AND).
struct ConditionsVisitor<'o, 'a> {
    out: &'o mut Vec<Condition<'a>>,
}

impl<'de> DeserializeSeed<'de> for ConditionsVisitor<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ConditionsVisitor<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of condition operators")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Operators whose block is empty: they leave no condition behind to be found repeated.
        let mut empty: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Text(operator_text)) = map.next_key()? {
            if repeats_operator(self.out, &empty, &operator_text) {
                return Err(de::Error::custom(format_args!(
                    "`Condition` repeats the operator `{operator_text}`"
                )));
            }
            let before = self.out.len();
            map.next_value_seed(ConditionBlockVisitor {
                operator: Operator::parse(&operator_text),
                operator_text: operator_text.clone(),
                out: self.out,
            })?;
            if self.out.len() == before {
                empty.push(operator_text);
            }
        }
        Ok(())
    }
}

struct ConditionBlockVisitor<'o, 'a> {
    operator_text: Cow<'a, str>,
    operator: Operator,
    out: &'o mut Vec<Condition<'a>>,
}

impl<'de> DeserializeSeed<'de> for ConditionBlockVisitor<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ConditionBlockVisitor<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object of condition keys under `{}`", self.operator_text)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Text(key)) = map.next_key()? {
            if repeats_condition_key(self.out, &self.operator_text, &key) {
                return Err(de::Error::custom(format_args!(
                    "`{}` repeats the condition key `{key}`",
                    self.operator_text
                )));
            }
            let ValueList(values) = map.next_value()?;
            self.out.push(Condition {
                operator_text: self.operator_text.clone(),
                operator: self.operator,
                key,
                values,
            });
        }
        Ok(())
    }
}

/// A repeated operator or key: which one counts is the reading parser's choice, so neither is
/// read. `empty`: operators whose block was empty, which left no condition behind.
fn repeats_operator(read: &[Condition], empty: &[Cow<str>], operator_text: &str) -> bool {
    read.iter().any(|c| c.operator_text == operator_text) || empty.iter().any(|e| e == operator_text)
}

/// Whether `key` was read under `operator_text` already. Keys ignore case in IAM:
/// `aws:PrincipalArn` and `AWS:PrincipalArn` are one key.
fn repeats_condition_key(read: &[Condition], operator_text: &str, key: &str) -> bool {
    read.iter()
        .any(|c| c.operator_text == operator_text && c.key.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{BaseOperator, PrincipalKind};

    #[test]
    fn single_statement_object_and_scalars_normalise_to_lists() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},
            "Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":123456789012}}}}"#,
        )
        .unwrap();
        assert_eq!(p.version, Version::V2012);
        assert_eq!(p.statements.len(), 1);
        let s = &p.statements[0];
        assert_eq!(s.principals.service, vec!["lambda.amazonaws.com"]);
        assert_eq!(s.actions.patterns, vec!["sts:AssumeRole"]);
        assert_eq!(s.conditions[0].values, vec!["123456789012"]);
        assert_eq!(s.conditions[0].operator.base(), Some(BaseOperator::StringEquals));
    }

    #[test]
    fn star_principal_equals_aws_star_and_not_principal_is_negated() {
        let p = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
            {"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:iam::1:root"]},"NotAction":"iam:*"}]}"#,
        )
        .unwrap();
        assert_eq!(p.version, Version::Missing);
        assert_eq!(p.statements[0].principals.aws, vec!["*"]);
        assert!(!p.statements[0].principals.negated);
        assert!(p.statements[1].principals.negated);
        assert!(p.statements[1].actions.negated);
        let entries: Vec<_> = p.statements[1].principals.entries().collect();
        assert_eq!(entries, vec![(PrincipalKind::Aws, "arn:aws:iam::1:root")]);
    }

    #[test]
    fn shape_errors_name_the_problem_and_place() {
        let err = parse(r#"{"Statement":[{"Effect":"Permit"}]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "statement 0: `Effect` is \"Permit\"; IAM accepts \"Allow\" or \"Deny\" (in any case)"
        );
        let err = parse("{\"Statement\":[{\"Effect\":\"Allow\",\n\"Principal\":\"lambda\"}]}").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse(r#"{"Version":"2020-01-01","Statement":[]}"#).unwrap_err();
        assert!(err.to_string().contains("2020-01-01"));
        let err = parse(r#"{"Statement":[{"Effect":"Allow","Action":"a","NotAction":"b"}]}"#).unwrap_err();
        assert!(err.to_string().contains("both `Action` and `NotAction`"));
        let err = parse(r#"{"Statement":[],"Statement":[]}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field"));
        assert!(parse(r#"{"Version":"2012-10-17"}"#)
            .unwrap_err()
            .to_string()
            .contains("Statement"));
        assert!(parse(r#"[1,2]"#).is_err());
    }

    #[test]
    fn escaped_strings_and_unknown_elements_are_handled() {
        let p = parse(
            r#"{"Id":"x","Statement":[{"Sid":"a\"b","Effect":"Allow","Resource":"*",
            "Principal":{"AWS":"arn:aws:iam::1:role/x\/y"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#,
        )
        .unwrap();
        assert_eq!(p.statements[0].sid.as_deref(), Some("a\"b"));
        assert_eq!(p.statements[0].principals.aws, vec!["arn:aws:iam::1:role/x/y"]);
        assert_eq!(p.statements[0].actions.patterns.len(), 2);
    }
}
