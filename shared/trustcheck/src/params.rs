//! Rule parameters: the Config rule's `InputParameters`, the CLI's `--params`.
//!
//! Config only stores string values, so `"true"` and `"a,b"` are accepted beside JSON booleans
//! and lists. An unknown key or a bad value is an error, never a silent default, except where the
//! deployment's own value stands instead ([`RuleParams::deployed_with`]): then it is a warning.

use serde_json::{Map, Value};

use crate::{error::ParamsError, findings::Severity, pattern::glob};

pub const DEFAULT_EXEMPT_TAG_KEY: &str = "trustcheck:exempt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParams {
    /// Findings at or above this make a role NON_COMPLIANT.
    pub non_compliant_at: Severity,
    /// Raises CONFUSED_DEPUTY_UNSCOPED to MEDIUM.
    pub require_source_account: bool,
    /// Role ARN globs that are NOT_APPLICABLE.
    pub exempt_role_arn_patterns: Vec<String>,
    /// A role carrying this tag key is NOT_APPLICABLE.
    pub exempt_tag_key: String,
    /// Organization deployments: the role to assume in the member account.
    pub execution_role_name: Option<String>,
    /// A Config aggregator that records Lambda functions in every region: one query finds the
    /// functions using a role wherever they run.
    pub config_aggregator_name: Option<String>,
    /// Without an aggregator, the regions whose functions count; empty: every enabled region.
    pub function_regions: Vec<String>,
    /// Not a rule parameter: when the role is judged, in seconds since the epoch, set by the
    /// caller (the evaluator, the CLI, the sandbox page) so that time conditions
    /// (`aws:CurrentTime`, `aws:EpochTime`) are judged: a Lambda trust whose window has closed
    /// is broken, a public one that has closed lets nobody in. `None`: they stay unknown.
    pub evaluated_at: Option<i64>,
}

impl Default for RuleParams {
    fn default() -> Self {
        RuleParams {
            non_compliant_at: Severity::Medium,
            require_source_account: false,
            exempt_role_arn_patterns: Vec::new(),
            exempt_tag_key: DEFAULT_EXEMPT_TAG_KEY.to_owned(),
            execution_role_name: None,
            config_aggregator_name: None,
            function_regions: Vec::new(),
            evaluated_at: None,
        }
    }
}

/// The keys that decide verdicts (all but `executionRoleName`): an account-mode deployment sets
/// every one of them.
const JUDGING_KEYS: [&str; 6] = [
    "nonCompliantAt",
    "requireSourceAccount",
    "exemptRoleArnPatterns",
    "exemptTagKey",
    "configAggregatorName",
    "functionRegions",
];

impl RuleParams {
    /// These parameters for an evaluation at `when` (see [`RuleParams::evaluated_at`]).
    pub fn judged_at(mut self, when: std::time::SystemTime) -> Self {
        self.evaluated_at = when
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|since| i64::try_from(since.as_secs()).ok());
        self
    }

    /// Parses one JSON object of parameters.
    pub fn from_json(text: &str) -> Result<RuleParams, ParamsError> {
        RuleParams::from_layers(&[text])
    }

    /// Parses several JSON objects, later ones overriding earlier ones key by key.
    /// Blank layers count as `{}`.
    pub fn from_layers(layers: &[&str]) -> Result<RuleParams, ParamsError> {
        let mut merged = Map::new();
        for layer in layers {
            merged.extend(object(layer)?);
        }
        RuleParams::from_map(&merged)
    }

    /// The parameters of a rule deployed with `deployed` (the evaluator's `RULE_PARAMETERS`,
    /// which the stack sets from the same values as the rule's `InputParameters`) as its event
    /// gives them (`ruleParameters`), and the keys the event gives another value or that count
    /// for nothing. The event fills in what the deployment leaves open, but a key the deployment
    /// sets keeps the deployment's value: whoever may edit the Config rule could otherwise raise
    /// its threshold, exempt every role or hide a region's functions, and the rule would go
    /// quiet, resolving every page. Nor can such an edit stop the rule: the event's value of a
    /// key the deployment sets is never read as an error (`SEVERE`), and a key the rule doesn't
    /// know or a whole document that can't be read counts for nothing when the
    /// deployment sets every key that judges. Events sent before a stack update reached the rule
    /// carry the old values: they are judged by the new ones. A bad value the deployment gives,
    /// or one the event gives for a key the deployment leaves open, is an error.
    pub fn deployed_with(deployed: &str, event: &str) -> Result<(RuleParams, Vec<String>), ParamsError> {
        let deployed = object(deployed)?;
        // Account mode: the deployment sets every key that judges, and needs nothing of the rule.
        let complete = JUDGING_KEYS.iter().all(|k| deployed.contains_key(*k));
        let mut event = match object(event) {
            Ok(event) => event,
            Err(_) if complete => {
                return Ok((RuleParams::from_map(&deployed)?, vec!["ruleParameters".to_owned()]));
            }
            Err(error) => return Err(error),
        };
        let mut overridden = Vec::new();
        for (key, value) in &deployed {
            let Some(given) = event.remove(key) else { continue };
            let one = |value: Value| RuleParams::from_map(&Map::from_iter([(key.clone(), value)]));
            // Compared by meaning: `medium` is `MEDIUM`, a list is its comma-separated text; a
            // value that can't be read differs.
            if one(given).ok() != Some(one(value.clone())?) {
                overridden.push(key.clone());
            }
        }
        if !deployed.is_empty() {
            // Which role the evaluator acts through is the deployment's alone: an account-mode
            // deployment sets none, and a rule edited to name one would have every call made as it.
            // With every key that judges set (both stacks set them), a key no version of the rule
            // has changes nothing: ignored, not an error. A deployment that leaves keys to the
            // rule (an organization stack of an earlier release) takes the rule's, and a misspelt
            // one is an error.
            let ignored: Vec<String> = (event.keys())
                .filter(|key| *key == "executionRoleName" || (complete && !JUDGING_KEYS.contains(&key.as_str())))
                .cloned()
                .collect();
            for key in ignored {
                event.remove(&key);
                overridden.push(key);
            }
        }
        let mut merged = deployed;
        merged.extend(event);
        Ok((RuleParams::from_map(&merged)?, overridden))
    }

    fn from_map(map: &Map<String, Value>) -> Result<RuleParams, ParamsError> {
        let mut params = RuleParams::default();
        for (key, value) in map {
            match key.as_str() {
                "nonCompliantAt" => {
                    params.non_compliant_at = value
                        .as_str()
                        .and_then(Severity::parse)
                        .ok_or_else(|| bad("nonCompliantAt", value, "expected one of LOW, MEDIUM, HIGH, CRITICAL"))?
                }
                "requireSourceAccount" => {
                    params.require_source_account = match value {
                        Value::Bool(b) => *b,
                        Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                        Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                        _ => return Err(bad("requireSourceAccount", value, "expected true or false")),
                    }
                }
                "exemptRoleArnPatterns" => params.exempt_role_arn_patterns = arn_patterns(value)?,
                "exemptTagKey" => {
                    params.exempt_tag_key = value
                        .as_str()
                        .map(str::trim)
                        .filter(|k| !k.is_empty() && k.len() <= 128)
                        .ok_or_else(|| bad("exemptTagKey", value, "expected a tag key of 1 to 128 characters"))?
                        .to_owned()
                }
                "executionRoleName" => {
                    let name = value.as_str().unwrap_or_default();
                    let valid = !name.is_empty()
                        && name.len() <= 64
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
                    if !valid {
                        return Err(bad(
                            "executionRoleName",
                            value,
                            "expected an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)",
                        ));
                    }
                    // The Config service-linked role does not trust Lambda: assuming it always fails.
                    if name == "AWSServiceRoleForConfig" {
                        return Err(bad(
                            "executionRoleName",
                            value,
                            "AWSServiceRoleForConfig can't be assumed by Lambda; name the member-account role trustcheck deploys",
                        ));
                    }
                    params.execution_role_name = Some(name.to_owned());
                }
                // Config stores every value as text and a template leaves unused ones empty:
                // an empty string means "not set".
                "configAggregatorName" if value.as_str().is_some_and(|s| s.trim().is_empty()) => {}
                "configAggregatorName" => {
                    let name = value.as_str().map(str::trim).unwrap_or_default();
                    let valid = !name.is_empty()
                        && name.len() <= 256
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
                    if !valid {
                        return Err(bad(
                            "configAggregatorName",
                            value,
                            "expected a configuration aggregator name (1-256 of A-Z a-z 0-9 _-)",
                        ));
                    }
                    params.config_aggregator_name = Some(name.to_owned());
                }
                "functionRegions" if value.as_str().is_some_and(|s| s.trim().is_empty()) => {}
                "functionRegions" => params.function_regions = regions(value)?,
                other => return Err(ParamsError::UnknownKey(other.to_owned())),
            }
        }
        Ok(params)
    }

    /// Why a role is exempt, if it is.
    pub fn exemption(&self, role_arn: Option<&str>, tag_keys: &[String]) -> Option<String> {
        if tag_keys.contains(&self.exempt_tag_key) {
            return Some(format!("exempt by tag {}", self.exempt_tag_key));
        }
        self.exempting_pattern(role_arn?)
            .map(|p| format!("exempt by pattern {p}"))
    }

    /// The first of `exemptRoleArnPatterns` that matches the role ARN `arn`.
    pub fn exempting_pattern(&self, arn: &str) -> Option<&str> {
        (self.exempt_role_arn_patterns.iter())
            .find(|p| exempts(p, arn))
            .map(String::as_str)
    }
}

/// Whether `pattern` matches the role ARN `arn` field by field, and in the resource segment by
/// segment, so that a `*` never spans a `:` or a `/`: IAM lets a role's path hold both, and a
/// role created as `/x:role/break-glass-/deploy` must not pass for `role/break-glass-*`.
fn exempts(pattern: &str, arn: &str) -> bool {
    match (arn_parts(pattern), arn_parts(arn)) {
        (Some(p), Some(a)) => p.len() == a.len() && p.iter().zip(&a).all(|(p, a)| glob(p, a, false)),
        _ => false,
    }
}

/// An ARN's five fields, then its resource (which may hold `:` in a path) by its segments.
fn arn_parts(text: &str) -> Option<Vec<&str>> {
    let mut fields: Vec<&str> = text.splitn(6, ':').collect();
    let resource = fields.pop().filter(|_| fields.len() == 5)?;
    fields.extend(resource.split('/'));
    Some(fields)
}

/// A pattern that can match a role's ARN: six fields, and a resource of `role` then at least a
/// name. One that can't (`arn:*`, `…:role*`, which matched every role before patterns were
/// read segment by segment) is refused rather than left to exempt nothing unnoticed.
fn is_role_pattern(pattern: &str) -> bool {
    arn_parts(pattern).is_some_and(|parts| parts[0] == "arn" && parts.len() >= 7 && glob(parts[5], "role", false))
}

/// One layer of parameters: a JSON object, each key once; blank counts as `{}`.
fn object(layer: &str) -> Result<Map<String, Value>, ParamsError> {
    if layer.trim().is_empty() {
        return Ok(Map::new());
    }
    if let Some(key) = repeated_key(layer) {
        return Err(ParamsError::Repeated(key));
    }
    match serde_json::from_str::<Value>(layer).map_err(ParamsError::Json)? {
        Value::Object(map) => Ok(map),
        other => Err(ParamsError::NotAnObject(json_type(&other))),
    }
}

fn regions(value: &Value) -> Result<Vec<String>, ParamsError> {
    let expected = "expected region names (eu-west-1, …), as a JSON list or a comma-separated string";
    string_list(value, crate::pattern::is_region)
        .filter(|regions| !regions.is_empty())
        .ok_or_else(|| bad("functionRegions", value, expected))
}

fn arn_patterns(value: &Value) -> Result<Vec<String>, ParamsError> {
    let expected = "expected ARN globs of roles (arn:aws:iam::*:role/NAME; a `*` stays within one field and one level of the path, so write each level: role/legacy/*), as a JSON list or a comma-separated string";
    string_list(value, is_role_pattern).ok_or_else(|| bad("exemptRoleArnPatterns", value, expected))
}

/// A JSON list of strings or, as Config stores every value as text, a comma-separated string;
/// `None` when it is neither or an item fails `valid`.
fn string_list(value: &Value, valid: impl Fn(&str) -> bool) -> Option<Vec<String>> {
    let items: Vec<&str> = match value {
        Value::String(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        Value::Array(items) => items.iter().map(|i| i.as_str().map(str::trim)).collect::<Option<_>>()?,
        _ => return None,
    };
    items
        .iter()
        .all(|item| valid(item))
        .then(|| items.into_iter().map(str::to_owned).collect())
}

fn bad(key: &'static str, value: &Value, expected: &'static str) -> ParamsError {
    ParamsError::BadValue {
        key,
        value: value.to_string(),
        expected,
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A key a JSON object names twice at its top level: one copy would silently win (a looser
/// threshold after a strict one), so it is refused, as in a trust policy. `None` for text that is
/// no object (the parse says why).
fn repeated_key(layer: &str) -> Option<String> {
    struct Keys(Option<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(KeysVisitor)
        }
    }
    struct KeysVisitor;
    impl<'de> serde::de::Visitor<'de> for KeysVisitor {
        type Value = Keys;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
            let mut seen = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                if seen.contains(&key) {
                    return Ok(Keys(Some(key)));
                }
                seen.push(key);
            }
            Ok(Keys(None))
        }
    }
    serde_json::from_str::<Keys>(layer).ok().and_then(|k| k.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_config_style_strings() {
        assert_eq!(RuleParams::from_json("{}").unwrap(), RuleParams::default());
        assert_eq!(RuleParams::from_layers(&["", "  "]).unwrap(), RuleParams::default());
        let p = RuleParams::from_json(
            r#"{"nonCompliantAt":"high","requireSourceAccount":"true",
                "exemptRoleArnPatterns":"arn:aws:iam::*:role/break-glass-*, arn:aws:iam::*:role/legacy",
                "exemptTagKey":"skip","executionRoleName":"trustcheck-member"}"#,
        )
        .unwrap();
        assert_eq!(p.non_compliant_at, Severity::High);
        assert!(p.require_source_account);
        assert_eq!(p.exempt_role_arn_patterns.len(), 2);
        assert_eq!(p.execution_role_name.as_deref(), Some("trustcheck-member"));
        assert_eq!(
            p.exemption(Some("arn:aws:iam::1:role/break-glass-admin"), &[])
                .as_deref(),
            Some("exempt by pattern arn:aws:iam::*:role/break-glass-*")
        );
        assert_eq!(
            p.exemption(Some("arn:aws:iam::1:role/x"), &["skip".into()]).as_deref(),
            Some("exempt by tag skip")
        );
        assert_eq!(p.exemption(Some("arn:aws:iam::1:role/x"), &[]), None);
    }

    #[test]
    fn a_key_given_twice_in_one_layer_is_refused() {
        let twice = r#"{"nonCompliantAt":"LOW","nonCompliantAt":"CRITICAL"}"#;
        assert!(matches!(
            RuleParams::from_json(twice),
            Err(ParamsError::Repeated(key)) if key == "nonCompliantAt"
        ));
        // Across layers, a later one overrides an earlier one by design.
        let layered = RuleParams::from_layers(&[r#"{"nonCompliantAt":"LOW"}"#, r#"{"nonCompliantAt":"HIGH"}"#]);
        assert_eq!(layered.unwrap().non_compliant_at, Severity::High);
        // A key repeated inside a value is that value's business.
        assert!(RuleParams::from_json(r#"{"exemptTagKey":"a","x":{"k":1,"k":2}}"#)
            .is_err_and(|e| !matches!(e, ParamsError::Repeated(_))));
    }

    #[test]
    fn an_exemption_pattern_never_spans_a_field_or_a_path_segment() {
        let p = RuleParams::from_json(
            r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role/break-glass-*, arn:aws:iam::111122223333:role/legacy/*"}"#,
        )
        .unwrap();
        let exempt = |arn: &str| p.exemption(Some(arn), &[]).is_some();
        assert!(exempt("arn:aws:iam::111122223333:role/break-glass-admin"));
        assert!(exempt("arn:aws:iam::111122223333:role/legacy/orders"));
        // A path (IAM allows `:` and `/` in it) that imitates the pattern's fields or name.
        assert!(!exempt(
            "arn:aws:iam::111122223333:role/x:role/break-glass-/payments-deploy"
        ));
        assert!(!exempt("arn:aws:iam::111122223333:role/break-glass-x/payments-deploy"));
        assert!(!exempt("arn:aws:iam::111122223333:role/legacy/deeper/orders"));
        assert!(!exempt("arn:aws:iam::444455556666:role/legacy/orders"));
        assert!(!exempt("arn:aws:iam::111122223333:role/break-glass-admin:extra/x"));
        assert!(!exempt("not-an-arn"));
    }

    #[test]
    fn function_lookup_parameters() {
        let p =
            RuleParams::from_json(r#"{"configAggregatorName":"org-all","functionRegions":"eu-west-1, us-gov-west-1"}"#)
                .unwrap();
        assert_eq!(p.config_aggregator_name.as_deref(), Some("org-all"));
        assert_eq!(p.function_regions, ["eu-west-1", "us-gov-west-1"]);
        let unset = RuleParams::from_json(r#"{"configAggregatorName":"","functionRegions":" "}"#).unwrap();
        assert_eq!((unset.config_aggregator_name, unset.function_regions.len()), (None, 0));
        for bad in [
            r#"{"functionRegions":"eu-west"}"#,
            r#"{"functionRegions":[]}"#,
            r#"{"functionRegions":["EU-WEST-1"]}"#,
            r#"{"configAggregatorName":"a b"}"#,
        ] {
            let error = RuleParams::from_json(bad).unwrap_err().to_string();
            assert!(
                error.contains("functionRegions") || error.contains("configAggregatorName"),
                "{error}"
            );
        }
    }

    #[test]
    fn layers_override_key_by_key() {
        let p = RuleParams::from_layers(&[
            r#"{"nonCompliantAt":"LOW","exemptTagKey":"a"}"#,
            r#"{"nonCompliantAt":"CRITICAL"}"#,
        ])
        .unwrap();
        assert_eq!(p.non_compliant_at, Severity::Critical);
        assert_eq!(p.exempt_tag_key, "a");
    }

    #[test]
    fn the_deployment_s_parameters_can_t_be_changed_by_editing_the_rule() {
        let deployed = r#"{"nonCompliantAt":"MEDIUM","exemptRoleArnPatterns":"arn:aws:iam::*:role/a-*, arn:aws:iam::*:role/b","functionRegions":""}"#;
        // The same values, written otherwise, and a key the deployment leaves open.
        let same = r#"{"nonCompliantAt":"medium","exemptRoleArnPatterns":["arn:aws:iam::*:role/a-*","arn:aws:iam::*:role/b"],"exemptTagKey":"skip"}"#;
        let (p, overridden) = RuleParams::deployed_with(deployed, same).unwrap();
        assert_eq!(
            (p.non_compliant_at, p.exempt_tag_key.as_str()),
            (Severity::Medium, "skip")
        );
        assert!(overridden.is_empty(), "{overridden:?}");
        let (p, _) = RuleParams::deployed_with(deployed, "").unwrap();
        assert_eq!(p.exempt_role_arn_patterns.len(), 2);
        // Each way to quiet the rule by editing it: a higher threshold, every role exempt, a
        // region without functions. The deployment's values count, and the key is named.
        let as_deployed = RuleParams::from_json(deployed).unwrap();
        for (key, edited) in [
            ("nonCompliantAt", r#"{"nonCompliantAt":"CRITICAL"}"#),
            (
                "exemptRoleArnPatterns",
                r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role/*"}"#,
            ),
            ("functionRegions", r#"{"functionRegions":"ap-south-2"}"#),
        ] {
            let (p, overridden) = RuleParams::deployed_with(deployed, edited).unwrap();
            assert_eq!(p, as_deployed, "{key}");
            assert_eq!(overridden, [key]);
        }
        // The role the evaluator acts through is the deployment's: an edit can't name one.
        let (p, overridden) = RuleParams::deployed_with(deployed, r#"{"executionRoleName":"mine"}"#).unwrap();
        assert_eq!(
            (p.execution_role_name, overridden),
            (None, vec!["executionRoleName".to_owned()])
        );
        let org = r#"{"executionRoleName":"trustcheck-member"}"#;
        let (p, _) = RuleParams::deployed_with(org, r#"{"executionRoleName":"mine"}"#).unwrap();
        assert_eq!(p.execution_role_name.as_deref(), Some("trustcheck-member"));
        // Nor can an edit stop the rule: a value of a key the deployment sets that can't be read
        // counts for nothing but the warning.
        let bad = r#"{"nonCompliantAt":"SEVERE"}"#;
        let (p, overridden) = RuleParams::deployed_with(deployed, bad).unwrap();
        assert_eq!(
            (p, overridden),
            (as_deployed.clone(), vec!["nonCompliantAt".to_owned()])
        );
        // A whole document that can't be read, or a key the rule doesn't know, counts for nothing
        // when the deployment sets every key that judges (account mode); otherwise the rule's
        // values are needed, and it fails (a misspelt key in an organization rule).
        let complete = r#"{"nonCompliantAt":"HIGH","requireSourceAccount":"false","exemptTagKey":"t","exemptRoleArnPatterns":"","configAggregatorName":"","functionRegions":""}"#;
        let (p, overridden) = RuleParams::deployed_with(complete, r#"{"foo":"1","nonCompliantAt":"HIGH"}"#).unwrap();
        assert_eq!(
            (p.non_compliant_at, overridden),
            (Severity::High, vec!["foo".to_owned()])
        );
        assert!(matches!(
            RuleParams::deployed_with(org, r#"{"nonCompliantAT":"LOW"}"#),
            Err(ParamsError::UnknownKey(key)) if key == "nonCompliantAT"
        ));
        assert!(RuleParams::deployed_with(deployed, r#"{"foo":"1"}"#).is_err());
        for unreadable in [r#"{"nonCompliantAt":"LOW","nonCompliantAt":"LOW"}"#, "[1]", "{"] {
            let (p, overridden) = RuleParams::deployed_with(complete, unreadable).unwrap();
            assert_eq!(p, RuleParams::from_json(complete).unwrap(), "{unreadable}");
            assert_eq!(overridden, ["ruleParameters"]);
            assert!(RuleParams::deployed_with(deployed, unreadable).is_err(), "{unreadable}");
        }
        // An organization deployment sets every key that judges beside the member role: the
        // organization rule carries only that role, and an edit of it in the delegated
        // administrator (a threshold raised, every role exempt) counts for nothing.
        let organization = r#"{"nonCompliantAt":"MEDIUM","requireSourceAccount":"false","exemptTagKey":"trustcheck:exempt","exemptRoleArnPatterns":"","configAggregatorName":"","functionRegions":"","executionRoleName":"trustcheck-member"}"#;
        let as_deployed = RuleParams::from_json(organization).unwrap();
        let (p, overridden) =
            RuleParams::deployed_with(organization, r#"{"executionRoleName":"trustcheck-member"}"#).unwrap();
        assert_eq!((&p, overridden.len()), (&as_deployed, 0));
        let edited = r#"{"executionRoleName":"trustcheck-member","nonCompliantAt":"CRITICAL","exemptRoleArnPatterns":"arn:aws:iam::*:role/*","nonCompliantAT":"LOW"}"#;
        let (p, mut overridden) = RuleParams::deployed_with(organization, edited).unwrap();
        assert_eq!(p, as_deployed);
        // In the order of the maps' keys, which serde_json's features decide.
        overridden.sort_unstable();
        assert_eq!(
            overridden,
            ["exemptRoleArnPatterns", "nonCompliantAT", "nonCompliantAt"]
        );
        // A bad value of a key the deployment leaves to the rule (an organization stack of an
        // earlier release, which set only the member role), or in the deployment itself, is an
        // error.
        assert!(matches!(
            RuleParams::deployed_with(org, bad),
            Err(ParamsError::BadValue { .. })
        ));
        assert!(matches!(
            RuleParams::deployed_with(bad, "{}"),
            Err(ParamsError::BadValue { .. })
        ));
    }

    /// Account mode counts the rule's values for nothing only because both stacks set every key
    /// that judges: a key added to one but not to `JUDGING_KEYS` fails here.
    #[test]
    fn both_stacks_set_every_key_that_judges() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
        let sam = read("infra/template.yaml");
        // Organization mode's line first, with the member role; then account mode's.
        let mut sam_lines = sam.lines().filter(|l| l.contains(r#"'{"nonCompliantAt""#));
        let keys_of = |line: &str| -> Vec<String> {
            let mut keys: Vec<String> = (line.split(','))
                .filter_map(|pair| pair.split('"').nth(1).map(str::to_owned))
                .collect();
            keys.sort_unstable();
            keys
        };
        let organization = keys_of(sam_lines.next().unwrap());
        let mut sam_keys = keys_of(sam_lines.next().unwrap());
        assert!(sam_lines.next().is_none());
        sam_keys.push("executionRoleName".to_owned());
        sam_keys.sort_unstable();
        assert_eq!(organization, sam_keys);
        sam_keys.retain(|k| k != "executionRoleName");
        let cdk = read("infra/cdk/lib/trustcheck.ts");
        let block = cdk.split("const ruleParameters").nth(1).unwrap();
        let block = &block[..block.find("};").unwrap()];
        let mut cdk_keys: Vec<&str> = (block.lines())
            .filter_map(|l| l.trim().split_once(": props.").map(|(key, _)| key))
            .collect();
        let mut judging = JUDGING_KEYS.to_vec();
        for keys in [&mut cdk_keys, &mut judging] {
            keys.sort_unstable();
        }
        assert_eq!(sam_keys, judging);
        assert_eq!(cdk_keys, judging);
        for key in JUDGING_KEYS {
            let read = RuleParams::from_map(&Map::from_iter([(key.to_owned(), Value::from("x"))]));
            assert!(!matches!(read, Err(ParamsError::UnknownKey(_))), "{key}");
        }
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        let cases = [
            (r#"{"nonCompliantAt":"SEVERE"}"#, "`nonCompliantAt` is \"SEVERE\""),
            (r#"{"requireSourceAccount":"yes"}"#, "expected true or false"),
            (r#"{"exemptRoleArnPatterns":"role/x"}"#, "ARN globs"),
            (r#"{"exemptRoleArnPatterns":[1]}"#, "ARN globs"),
            // Patterns that can match no role ARN, the last two of which once matched every role.
            (r#"{"exemptRoleArnPatterns":"arn:*"}"#, "each level"),
            (r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role*"}"#, "each level"),
            (r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:*"}"#, "each level"),
            (
                r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:user/x"}"#,
                "ARN globs of roles",
            ),
            (r#"{"exemptTagKey":""}"#, "1 to 128"),
            (r#"{"executionRoleName":"a/b"}"#, "IAM role name"),
            (r#"{"executionRoleName":"AWSServiceRoleForConfig"}"#, "can't be assumed"),
            (r#"{"noncompliantat":"LOW"}"#, "unknown rule parameter `noncompliantat`"),
            ("[]", "must be a JSON object, got a list"),
            ("{", "not a JSON object"),
        ];
        for (input, expected) in cases {
            let err = RuleParams::from_json(input).unwrap_err().to_string();
            assert!(err.contains(expected), "{input}: {err}");
        }
    }
}
