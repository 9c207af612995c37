//! A trust policy a plan knows only after apply because a `data.aws_iam_policy_document` renders
//! it from a value the same plan creates (an OIDC provider's ARN, another role's): Terraform
//! defers reading the data source to apply, but the plan still shows its arguments, with what is
//! unknown marked (`after_unknown`). The document is rendered from them as the provider renders
//! it, each unknown value resolved where the plan shows it after all (an ARN it builds) and
//! undetermined otherwise (`UNRESOLVED(…)`), so that the role is judged before apply instead of
//! failing closed.

use serde_json::{Map, Value as Json};

/// Where a value sits in the data source's arguments: `["statement", "0", "principals", "1",
/// "identifiers"]`, a condition's with its operator after (`…, "values", "StringEquals"]`). The
/// configuration's expressions nest alike, which names what makes it unknown.
pub(super) type Path<'p> = [&'p str];

/// What an unknown value is taken for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unknown {
    /// The value the plan shows after all: the ARN of a role or an OIDC provider it makes.
    Known(String),
    /// Undetermined, under this text (`UNRESOLVED(TEXT)`).
    Marker(String),
}

/// An unknown value at a path, for a principal of a type (`AWS`) or another value; `whole` when
/// the whole list is unknown (how many values it holds too).
pub(super) type Resolve<'u> = dyn Fn(&Path, Option<&str>, bool) -> Unknown + 'u;

/// Why a document is not rendered: the role then fails closed, and its finding says this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unrendered {
    /// It merges other documents (`source_policy_documents`, `override_policy_documents`): the
    /// provider's merge is not redone here.
    Merged,
    /// The plan leaves this part of its shape unknown.
    Unknown(&'static str),
    /// `&{…}` under version 2008-10-17, which the provider refuses.
    VariableIn2008,
}

/// A document rendered, with how many of its values the plan knows only after apply.
#[derive(Debug)]
pub(super) struct Rendered {
    pub document: String,
    /// Taken for what the plan shows after all ([`Unknown::Known`]).
    pub resolved: usize,
    /// Left undetermined ([`Unknown::Marker`]).
    pub undetermined: usize,
}

/// The part of a document's shape that [`Unrendered::Unknown`] names when a condition's key is
/// unknown (an EKS cluster's OIDC issuer, before the cluster exists).
pub(super) const CONDITION_KEYS: &str = "condition keys";

/// The arguments that merge other documents in.
const MERGED: [&str; 4] = [
    "source_policy_documents",
    "override_policy_documents",
    "source_json",
    "override_json",
];

/// The policy JSON of a data source read deferred to apply, from its planned arguments (`after`)
/// and what of them is unknown (`unknown`, the change's `after_unknown`). `resolve` says what an
/// unknown value is taken for.
pub(super) fn rendered(after: &Map<String, Json>, unknown: &Json, resolve: &Resolve) -> Result<Rendered, Unrendered> {
    for key in MERGED {
        let set = after.get(key).is_some_and(|v| !is_empty(v));
        if set || unknown.get(key).is_some_and(|m| !is_empty(m)) {
            return Err(Unrendered::Merged);
        }
    }
    let version = match (after.get("version"), is_unknown(unknown.get("version"))) {
        (_, true) => return Err(Unrendered::Unknown("version")),
        (Some(Json::String(v)), false) if !v.is_empty() => v.clone(),
        _ => "2012-10-17".to_owned(),
    };
    let mut reader = Reader {
        resolve,
        resolved: 0,
        undetermined: 0,
        variables: version != "2008-10-17",
    };
    if is_unknown(unknown.get("statement")) {
        return Err(Unrendered::Unknown("statements"));
    }
    let mut statements = Vec::new();
    for (index, statement) in (after.get("statement").and_then(Json::as_array).into_iter().flatten()).enumerate() {
        let mask = element(unknown.get("statement"), index);
        let at = index.to_string();
        let statement = statement.as_object().ok_or(Unrendered::Unknown("statements"))?;
        statements.push(reader.statement(statement, mask, &at)?);
    }
    let document = serde_json::json!({"Version": version, "Statement": statements});
    Ok(Rendered {
        document: document.to_string(),
        resolved: reader.resolved,
        undetermined: reader.undetermined,
    })
}

struct Reader<'u> {
    resolve: &'u Resolve<'u>,
    resolved: usize,
    undetermined: usize,
    /// The provider writes `&{…}` as the policy variable `${…}` (HCL keeps `${` for its own), except
    /// under version 2008-10-17, which has no variables: there it refuses the document.
    variables: bool,
}

impl Reader<'_> {
    fn statement(&mut self, s: &Map<String, Json>, unknown: Option<&Json>, at: &str) -> Result<Json, Unrendered> {
        if is_unknown(unknown) {
            return Err(Unrendered::Unknown("statements"));
        }
        let mut out = Map::new();
        // An unknown Sid changes nothing IAM lets in: left out.
        if let Some(Json::String(sid)) = s.get("sid").filter(|_| !is_unknown(field(unknown, "sid"))) {
            if !sid.is_empty() {
                out.insert("Sid".into(), Json::String(sid.clone()));
            }
        }
        let effect = match (s.get("effect"), is_unknown(field(unknown, "effect"))) {
            (_, true) => return Err(Unrendered::Unknown("effects")),
            (Some(Json::String(e)), false) if !e.is_empty() => e.clone(),
            _ => "Allow".to_owned(),
        };
        out.insert("Effect".into(), Json::String(effect));
        for (argument, element) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            let path = ["statement", at, argument];
            // Actions are written as they are; the provider reads variables in the others.
            let variables = argument != "actions" && argument != "not_actions";
            if let Some(values) = self.strings(s.get(argument), field(unknown, argument), &path, None, variables)? {
                out.insert(element.into(), values.into());
            }
        }
        for (argument, element) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
            if let Some(principals) = self.principals(s.get(argument), field(unknown, argument), at, argument)? {
                out.insert(element.into(), principals);
            }
        }
        if let Some(conditions) = self.conditions(s.get("condition"), field(unknown, "condition"), at)? {
            out.insert("Condition".into(), conditions);
        }
        Ok(Json::Object(out))
    }

    /// `principals` blocks as the element: `{"Federated": [...]}`, or `"*"` for the provider's
    /// lone `type = "*"` block with `identifiers = ["*"]`; `None` when there are none.
    fn principals(
        &mut self,
        blocks: Option<&Json>,
        unknown: Option<&Json>,
        at: &str,
        argument: &str,
    ) -> Result<Option<Json>, Unrendered> {
        const TYPES: Unrendered = Unrendered::Unknown("principal types");
        if is_unknown(unknown) {
            return Err(TYPES);
        }
        let blocks = blocks.and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
        let mut by_type: Map<String, Json> = Map::new();
        for (index, block) in blocks.iter().enumerate() {
            let mask = element(unknown, index);
            if is_unknown(mask) || is_unknown(field(mask, "type")) {
                return Err(TYPES);
            }
            let kind = block.get("type").and_then(Json::as_str).ok_or(TYPES)?;
            let place = index.to_string();
            let path = ["statement", at, argument, &place, "identifiers"];
            let identifiers = self
                .strings(
                    block.get("identifiers"),
                    field(mask, "identifiers"),
                    &path,
                    Some(kind),
                    true,
                )?
                .unwrap_or_default();
            if kind == "*" && identifiers == ["*"] && blocks.len() == 1 {
                return Ok(Some(Json::String("*".into())));
            }
            append(by_type.entry(kind), identifiers);
        }
        Ok((!by_type.is_empty()).then_some(Json::Object(by_type)))
    }

    /// `condition` blocks as the element: `{"StringLike": {"KEY": [...]}}`, values of one operator
    /// and key joined; `None` when there are none.
    fn conditions(
        &mut self,
        blocks: Option<&Json>,
        unknown: Option<&Json>,
        at: &str,
    ) -> Result<Option<Json>, Unrendered> {
        const OPERATORS: Unrendered = Unrendered::Unknown("condition operators");
        const KEYS: Unrendered = Unrendered::Unknown(CONDITION_KEYS);
        if is_unknown(unknown) {
            return Err(KEYS);
        }
        let mut by_test: Map<String, Json> = Map::new();
        for (index, block) in blocks.and_then(Json::as_array).into_iter().flatten().enumerate() {
            let mask = element(unknown, index);
            if is_unknown(mask) || is_unknown(field(mask, "variable")) {
                return Err(KEYS);
            }
            if is_unknown(field(mask, "test")) {
                return Err(OPERATORS);
            }
            let test = block.get("test").and_then(Json::as_str).ok_or(OPERATORS)?;
            let variable = block.get("variable").and_then(Json::as_str).ok_or(KEYS)?;
            let place = index.to_string();
            // The operator last: what a value means depends on it (`*` is literal under `StringEquals`).
            let path = ["statement", at, "condition", &place, "values", test];
            let values =
                (self.strings(block.get("values"), field(mask, "values"), &path, None, true)?).unwrap_or_default();
            if let Json::Object(keys) = by_test.entry(test).or_insert_with(|| Json::Object(Map::new())) {
                append(keys.entry(variable), values);
            }
        }
        Ok((!by_test.is_empty()).then_some(Json::Object(by_test)))
    }

    /// A list of strings, each unknown one (or the whole list) resolved or undetermined, for a
    /// principal of `kind` or another value; with `variables`, `&{…}` is the policy variable
    /// `${…}`. `None` when the argument isn't set (absent, null or empty).
    fn strings(
        &mut self,
        value: Option<&Json>,
        unknown: Option<&Json>,
        path: &Path,
        kind: Option<&str>,
        variables: bool,
    ) -> Result<Option<Vec<String>>, Unrendered> {
        let mut undetermined = |whole: bool| match (self.resolve)(path, kind, whole) {
            Unknown::Known(value) => {
                self.resolved += 1;
                value
            }
            Unknown::Marker(text) => {
                self.undetermined += 1;
                trustcheck::opaque(&text)
            }
        };
        if is_unknown(unknown) {
            return Ok(Some(vec![undetermined(true)]));
        }
        let Some(list) = value.and_then(Json::as_array).filter(|l| !l.is_empty()) else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(list.len());
        for (index, item) in list.iter().enumerate() {
            let known = !is_unknown(element(unknown, index));
            match item {
                Json::String(text) if known && variables && text.contains("&{") => {
                    if !self.variables {
                        return Err(Unrendered::VariableIn2008);
                    }
                    out.push(text.replace("&{", "${"));
                }
                Json::String(text) if known => out.push(text.clone()),
                // Terraform writes an unknown element of a list as null, in its place.
                Json::Null | Json::String(_) => out.push(undetermined(false)),
                other => out.push(other.to_string()),
            }
        }
        Ok(Some(out))
    }
}

/// Adds `values` to the list at `entry`: the provider joins the blocks of one principal type, or
/// of one operator and key.
fn append(entry: serde_json::map::Entry, values: Vec<String>) {
    if let Json::Array(list) = entry.or_insert_with(|| Json::Array(Vec::new())) {
        list.extend(values.into_iter().map(Json::String));
    }
}

fn is_unknown(mask: Option<&Json>) -> bool {
    matches!(mask, Some(Json::Bool(true)))
}

fn field<'m>(mask: Option<&'m Json>, key: &str) -> Option<&'m Json> {
    mask?.get(key)
}

fn element(mask: Option<&Json>, index: usize) -> Option<&Json> {
    mask?.get(index)
}

fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null | Json::Bool(false) => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.iter().all(is_empty),
        Json::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(after: Json, unknown: Json) -> Result<(Json, usize), Unrendered> {
        let named = |path: &Path, kind: Option<&str>, _whole: bool| {
            Unknown::Marker(format!(
                "{}{}",
                kind.map_or(String::new(), |k| format!("{k} ")),
                path.join(".")
            ))
        };
        let rendered = rendered(after.as_object().unwrap(), &unknown, &named)?;
        Ok((serde_json::from_str(&rendered.document).unwrap(), rendered.undetermined))
    }

    #[test]
    fn a_value_the_plan_shows_after_all_is_taken_as_it() {
        let after = json!({"statement": [{"actions": ["sts:AssumeRoleWithWebIdentity"],
            "principals": [{"type": "Federated", "identifiers": [null]}]}]});
        let unknown = json!({"statement": [{"principals": [{"identifiers": [true]}]}]});
        let arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let built = |_: &Path, _: Option<&str>, whole: bool| match whole {
            false => Unknown::Known(arn.to_owned()),
            true => Unknown::Marker("list".to_owned()),
        };
        let rendered = rendered(after.as_object().unwrap(), &unknown, &built).unwrap();
        let document: Json = serde_json::from_str(&rendered.document).unwrap();
        assert_eq!(document["Statement"][0]["Principal"]["Federated"], json!([arn]));
        assert_eq!((rendered.resolved, rendered.undetermined), (1, 0));
    }

    #[test]
    fn renders_as_the_provider_does_with_unknown_values_undetermined() {
        let after = json!({"statement": [{
            "sid": "", "effect": null, "actions": ["sts:AssumeRole", null],
            "principals": [
                {"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:role/a"]},
                {"type": "AWS", "identifiers": null},
            ],
            "condition": [
                {"test": "StringEquals", "variable": "sts:ExternalId", "values": ["x"]},
                {"test": "StringEquals", "variable": "sts:ExternalId", "values": [null]},
            ],
            "resources": [],
        }]});
        let unknown = json!({"json": true, "statement": [{
            "actions": [false, true],
            "principals": [{}, {"identifiers": true}],
            "condition": [{}, {"values": [true]}],
        }]});
        let (document, count) = render(after, unknown).unwrap();
        assert_eq!(
            document,
            json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "UNRESOLVED(statement.0.actions)"],
                "Principal": {"AWS": [
                    "arn:aws:iam::111122223333:role/a",
                    "UNRESOLVED(AWS statement.0.principals.1.identifiers)",
                ]},
                "Condition": {"StringEquals": {"sts:ExternalId": ["x", "UNRESOLVED(statement.0.condition.1.values.StringEquals)"]}},
            }]})
        );
        assert_eq!(count, 3);
    }

    #[test]
    fn the_provider_s_variables_are_policy_variables_where_it_reads_them() {
        let statement = |version: &str| {
            json!({"version": version, "statement": [{"actions": ["sts:&{x}"],
                "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:role/&{aws:username}"]}],
                "condition": [{"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["&{aws:PrincipalTag/team}"]}]}]})
        };
        let (document, _) = render(statement("2012-10-17"), json!({})).unwrap();
        assert_eq!(document["Statement"][0]["Action"], json!(["sts:&{x}"]));
        assert_eq!(
            document["Statement"][0]["Principal"]["AWS"],
            json!(["arn:aws:iam::111122223333:role/${aws:username}"])
        );
        assert_eq!(
            document["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalTag/team"],
            json!(["${aws:PrincipalTag/team}"])
        );
        // Under 2008-10-17 the provider refuses them.
        assert_eq!(
            render(statement("2008-10-17"), json!({})),
            Err(Unrendered::VariableIn2008)
        );
    }

    #[test]
    fn the_provider_s_wildcard_principal_is_the_bare_wildcard() {
        let after = json!({"version": "2008-10-17", "statement": [{"effect": "Deny", "actions": ["sts:AssumeRole"],
            "not_principals": [{"type": "*", "identifiers": ["*"]}]}]});
        let (document, count) = render(after, json!({})).unwrap();
        assert_eq!(
            document,
            json!({"Version": "2008-10-17", "Statement": [{"Effect": "Deny", "Action": ["sts:AssumeRole"], "NotPrincipal": "*"}]})
        );
        assert_eq!(count, 0);
        // Beside another block it is a principal type of its own, which IAM refuses.
        let after = json!({"statement": [{"actions": ["sts:AssumeRole"],
            "principals": [{"type": "*", "identifiers": ["*"]}, {"type": "AWS", "identifiers": ["111122223333"]}]}]});
        let (document, _) = render(after, json!({})).unwrap();
        assert_eq!(
            document["Statement"][0]["Principal"],
            json!({"*": ["*"], "AWS": ["111122223333"]})
        );
    }

    #[test]
    fn an_unknown_shape_or_a_merge_is_not_rendered() {
        let statement = json!({"actions": ["sts:AssumeRole"], "principals": [{"type": "AWS", "identifiers": ["*"]}],
            "condition": [{"test": "StringEquals", "variable": "aws:PrincipalOrgID", "values": ["o-1111111111"]}]});
        let after = json!({"statement": [statement]});
        for (unknown, why) in [
            (json!({"statement": true}), "statements"),
            (json!({"statement": [true]}), "statements"),
            (json!({"statement": [{"effect": true}]}), "effects"),
            (json!({"statement": [{"principals": true}]}), "principal types"),
            (
                json!({"statement": [{"principals": [{"type": true}]}]}),
                "principal types",
            ),
            (
                json!({"statement": [{"condition": [{"test": true}]}]}),
                "condition operators",
            ),
            (
                json!({"statement": [{"condition": [{"variable": true}]}]}),
                "condition keys",
            ),
            (json!({"version": true}), "version"),
        ] {
            assert_eq!(
                render(after.clone(), unknown.clone()),
                Err(Unrendered::Unknown(why)),
                "{unknown}"
            );
        }
        for unknown in [
            json!({"source_policy_documents": true}),
            json!({"override_policy_documents": [true]}),
        ] {
            assert_eq!(
                render(after.clone(), unknown.clone()),
                Err(Unrendered::Merged),
                "{unknown}"
            );
        }
        let merged = json!({"statement": [statement], "override_policy_documents": ["{}"]});
        assert_eq!(render(merged, json!({})), Err(Unrendered::Merged));
        // Unset merges (null, empty, false masks) are no merge.
        let unset = json!({"statement": [statement], "source_policy_documents": null, "override_policy_documents": []});
        assert!(render(unset, json!({"source_policy_documents": false})).is_ok());
    }
}
