//! A trust policy a plan knows only after apply because a `data.aws_iam_policy_document` renders
//! it from a value the same plan creates (an OIDC provider's ARN, another role's): Terraform
//! defers reading the data source to apply, but the plan still shows its arguments, with what is
//! unknown marked (`after_unknown`). The document is rendered from them as the provider renders
//! it, each unknown value undetermined (`UNRESOLVED(…)`), so that the role is judged before apply
//! instead of failing closed.

use serde_json::{Map, Value as Json};

/// Where a value sits in the data source's arguments: `["statement", "0", "principals", "1",
/// "identifiers"]`. The configuration's expressions nest alike, which names what makes it unknown.
pub(super) type Path<'p> = [&'p str];

/// The text of an unknown value at a path, for a principal of a type (`AWS`) or another value.
pub(super) type Undetermined<'u> = dyn Fn(&Path, Option<&str>) -> String + 'u;

/// The arguments that merge other documents in: the provider's merge is not redone here.
const MERGED: [&str; 4] = [
    "source_policy_documents",
    "override_policy_documents",
    "source_json",
    "override_json",
];

/// The policy JSON of a data source read deferred to apply, from its planned arguments (`after`)
/// and what of them is unknown (`unknown`, the change's `after_unknown`), with how many values
/// are undetermined in it. `undetermined` gives the text of an unknown value.
///
/// `None` when the plan leaves the document's shape unknown (the statements, an effect, a
/// principal's type, a condition's operator or key) or merges other documents into it, and
/// where the provider would refuse it (`&{` under version 2008-10-17).
pub(super) fn rendered(
    after: &Map<String, Json>,
    unknown: &Json,
    undetermined: &Undetermined,
) -> Option<(String, usize)> {
    for key in MERGED {
        let set = after.get(key).is_some_and(|v| !is_empty(v));
        if set || unknown.get(key).is_some_and(|m| !is_empty(m)) {
            return None;
        }
    }
    let version = match (after.get("version"), is_unknown(unknown.get("version"))) {
        (_, true) => return None,
        (Some(Json::String(v)), false) if !v.is_empty() => v.clone(),
        _ => "2012-10-17".to_owned(),
    };
    let mut reader = Reader {
        undetermined,
        count: 0,
        variables: version != "2008-10-17",
    };
    if is_unknown(unknown.get("statement")) {
        return None;
    }
    let mut statements = Vec::new();
    for (index, statement) in (after.get("statement").and_then(Json::as_array).into_iter().flatten()).enumerate() {
        let mask = element(unknown.get("statement"), index);
        let at = index.to_string();
        statements.push(reader.statement(statement.as_object()?, mask, &at)?);
    }
    let document = serde_json::json!({"Version": version, "Statement": statements});
    Some((document.to_string(), reader.count))
}

struct Reader<'u> {
    undetermined: &'u Undetermined<'u>,
    count: usize,
    /// The provider writes `&{…}` as the policy variable `${…}` (HCL keeps `${` for its own), except
    /// under version 2008-10-17, which has no variables: there it refuses the document.
    variables: bool,
}

impl Reader<'_> {
    fn statement(&mut self, s: &Map<String, Json>, unknown: Option<&Json>, at: &str) -> Option<Json> {
        if is_unknown(unknown) {
            return None;
        }
        let mut out = Map::new();
        // An unknown Sid changes nothing IAM lets in: left out.
        if let Some(Json::String(sid)) = s.get("sid").filter(|_| !is_unknown(field(unknown, "sid"))) {
            if !sid.is_empty() {
                out.insert("Sid".into(), Json::String(sid.clone()));
            }
        }
        let effect = match (s.get("effect"), is_unknown(field(unknown, "effect"))) {
            (_, true) => return None,
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
        Some(Json::Object(out))
    }

    /// `principals` blocks as the element: `{"Federated": [...]}`, or `"*"` for the provider's
    /// `type = "*"` with `identifiers = ["*"]`. `Some(None)` when there are none; `None` when a
    /// type is unknown.
    fn principals(
        &mut self,
        blocks: Option<&Json>,
        unknown: Option<&Json>,
        at: &str,
        argument: &str,
    ) -> Option<Option<Json>> {
        if is_unknown(unknown) {
            return None;
        }
        let blocks = blocks.and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
        let mut by_type: Map<String, Json> = Map::new();
        for (index, block) in blocks.iter().enumerate() {
            let mask = element(unknown, index);
            if is_unknown(mask) || is_unknown(field(mask, "type")) {
                return None;
            }
            let kind = block.get("type").and_then(Json::as_str)?;
            let place = index.to_string();
            let path = ["statement", at, argument, &place, "identifiers"];
            let identifiers = self.strings(
                block.get("identifiers"),
                field(mask, "identifiers"),
                &path,
                Some(kind),
                true,
            )??;
            // The provider's `type = "*"` is the bare `"*"` when it is the only block.
            if kind == "*" && identifiers == ["*"] && blocks.len() == 1 {
                return Some(Some(Json::String("*".into())));
            }
            let listed = by_type.entry(kind).or_insert_with(|| Json::Array(Vec::new()));
            if let Json::Array(list) = listed {
                list.extend(identifiers.into_iter().map(Json::String));
            }
        }
        Some((!by_type.is_empty()).then_some(Json::Object(by_type)))
    }

    /// `condition` blocks as the element: `{"StringLike": {"KEY": [...]}}`, values of one operator
    /// and key joined. `Some(None)` when there are none; `None` when an operator or key is unknown.
    fn conditions(&mut self, blocks: Option<&Json>, unknown: Option<&Json>, at: &str) -> Option<Option<Json>> {
        if is_unknown(unknown) {
            return None;
        }
        let mut by_test: Map<String, Json> = Map::new();
        for (index, block) in blocks.and_then(Json::as_array).into_iter().flatten().enumerate() {
            let mask = element(unknown, index);
            if is_unknown(mask) || is_unknown(field(mask, "test")) || is_unknown(field(mask, "variable")) {
                return None;
            }
            let test = block.get("test").and_then(Json::as_str)?;
            let variable = block.get("variable").and_then(Json::as_str)?;
            let place = index.to_string();
            let path = ["statement", at, "condition", &place, "values"];
            let values = self.strings(block.get("values"), field(mask, "values"), &path, None, true)??;
            let keys = by_test.entry(test).or_insert_with(|| Json::Object(Map::new()));
            if let Json::Array(list) = keys
                .as_object_mut()?
                .entry(variable)
                .or_insert_with(|| Json::Array(Vec::new()))
            {
                list.extend(values.into_iter().map(Json::String));
            }
        }
        Some((!by_test.is_empty()).then_some(Json::Object(by_test)))
    }

    /// A list of strings, each unknown one (or the whole list) undetermined, for a principal of
    /// `kind` or another value; with `variables`, `&{…}` is the policy variable `${…}`.
    /// `Some(None)` when the argument isn't set (absent, null or empty); `None` when the provider
    /// would refuse it.
    fn strings(
        &mut self,
        value: Option<&Json>,
        unknown: Option<&Json>,
        path: &Path,
        kind: Option<&str>,
        variables: bool,
    ) -> Option<Option<Vec<String>>> {
        let mut undetermined = || {
            self.count += 1;
            trustcheck::opaque(&(self.undetermined)(path, kind))
        };
        if is_unknown(unknown) {
            return Some(Some(vec![undetermined()]));
        }
        let Some(list) = value.and_then(Json::as_array).filter(|l| !l.is_empty()) else {
            return Some(None);
        };
        let mut out = Vec::with_capacity(list.len());
        for (index, item) in list.iter().enumerate() {
            let known = !is_unknown(element(unknown, index));
            match item {
                Json::String(text) if known && variables && text.contains("&{") => {
                    if !self.variables {
                        return None;
                    }
                    out.push(text.replace("&{", "${"));
                }
                Json::String(text) if known => out.push(text.clone()),
                // Terraform writes an unknown element of a list as null, in its place.
                Json::Null | Json::String(_) => out.push(undetermined()),
                other => out.push(other.to_string()),
            }
        }
        Some(Some(out))
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

    fn render(after: Json, unknown: Json) -> Option<(Json, usize)> {
        let named = |path: &Path, kind: Option<&str>| {
            format!("{}{}", kind.map_or(String::new(), |k| format!("{k} ")), path.join("."))
        };
        let (text, count) = rendered(after.as_object().unwrap(), &unknown, &named)?;
        Some((serde_json::from_str(&text).unwrap(), count))
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
                "Condition": {"StringEquals": {"sts:ExternalId": ["x", "UNRESOLVED(statement.0.condition.1.values)"]}},
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
        assert_eq!(render(statement("2008-10-17"), json!({})), None);
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
            "condition": [{"test": "StringEquals", "variable": "aws:PrincipalOrgID", "values": ["o-1"]}]});
        let after = json!({"statement": [statement]});
        for unknown in [
            json!({"statement": true}),
            json!({"statement": [true]}),
            json!({"statement": [{"effect": true}]}),
            json!({"statement": [{"principals": true}]}),
            json!({"statement": [{"principals": [{"type": true}]}]}),
            json!({"statement": [{"condition": [{"test": true}]}]}),
            json!({"statement": [{"condition": [{"variable": true}]}]}),
            json!({"version": true}),
            json!({"source_policy_documents": true}),
            json!({"override_policy_documents": [true]}),
        ] {
            assert_eq!(render(after.clone(), unknown.clone()), None, "{unknown}");
        }
        let merged = json!({"statement": [statement], "override_policy_documents": ["{}"]});
        assert_eq!(render(merged, json!({})), None);
        // Unset merges (null, empty, false masks) are no merge.
        let unset = json!({"statement": [statement], "source_policy_documents": null, "override_policy_documents": []});
        assert!(render(unset, json!({"source_policy_documents": false})).is_some());
    }
}
