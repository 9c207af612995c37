//! Properties of the engine over generated policies: it never panics, and the verdict depends on
//! what a policy means, not on how it is written.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::{cell::Cell, sync::Once};

use trustcheck::{check, evaluate, Compliance, FindingId, Role, RuleParams, Verdict};

thread_local! {
    /// `check` catches an engine panic and reports `EVALUATION_FAILED`, which would hide defects
    /// from these properties; a hook counts every panic, caught or not, so a property fails on
    /// any. Per thread: another property failing (which panics) on another test thread must not
    /// fail this one.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

fn count_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|n| n.set(n.get() + 1));
            report(info);
        }));
    });
}

fn panics() -> usize {
    PANICS.with(Cell::get)
}

/// The engine ran without panicking and without the fail-closed guard stepping in.
fn sound(verdict: &Verdict) -> Result<(), TestCaseError> {
    prop_assert_eq!(panics(), 0, "the engine panicked (see the message above)");
    prop_assert!(verdict.findings.iter().all(|f| f.id != FindingId::EvaluationFailed));
    prop_assert!((1..=256).contains(&verdict.annotation.chars().count()));
    Ok(())
}

const ACCOUNT: &str = "111122223333";
const FUNCTIONS: [&str; 2] = [
    "arn:aws:lambda:us-east-1:111122223333:function:orders-consumer",
    "arn:aws:lambda:us-east-1:111122223333:function:orders-replay",
];

/// Every principal type IAM accepts in a trust policy, plus misspellings and non-ASCII text.
fn principal() -> impl Strategy<Value = (&'static str, Value)> {
    let key = prop_oneof![4 => Just("Principal"), 1 => Just("NotPrincipal")];
    let fixed = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"AWS": ["*", "arn:aws:iam::111122223333:root"]})),
        Just(json!({"Service": "lambda.amazonaws.com"})),
        Just(json!({"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]})),
        Just(json!({"Service": "ec2.amazonaws.com"})),
        Just(json!({"Service": " Lambda.amazonaws.com"})),
        Just(json!({"Service": "lambda.amazonaws.com.cn"})),
        Just(json!({"Service": "*"})),
        Just(json!({"AWS": "arn:aws:iam::111122223333:root"})),
        Just(json!({"AWS": ["444455556666", "AROAEXAMPLEROLEID1234"]})),
        Just(json!({"AWS": "arn:aws:iam::444455556666:role/deployer"})),
        Just(json!({"AWS": "arn:aws:iam::*:root"})),
        Just(json!({"AWS": "arn:aws:sts::444455556666:assumed-role/r/s"})),
        Just(json!({"AWS": "arn:aws-cn:iam::444455556666:user/ü"})),
        Just(json!({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})),
        Just(json!({"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"})),
        Just(json!({"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"})),
        Just(json!({"Federated": "cognito-identity.amazonaws.com"})),
        Just(json!({"Federated": "accounts.google.com"})),
        Just(json!({"Federated": "arn:aws:iam::111122223333:saml-provider/okta"})),
        Just(json!({"Federated": "arn:aws:iam::111122223333:oidc-provider/ünïcødé.example"})),
        Just(json!({"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::111122223333:role/admin"})),
        // The role itself, which a plan's new role can't name yet.
        Just(json!({"AWS": ["arn:aws:iam::111122223333:role/app", "arn:aws:iam::111122223333:role/admin"]})),
    ];
    let generated = (
        prop_oneof![Just("AWS"), Just("Service"), Just("Federated"), Just("CanonicalUser")],
        text(),
    )
        .prop_map(|(kind, value)| json!({ kind: value }));
    (key, prop_oneof![6 => fixed, 1 => generated])
}

fn action() -> impl Strategy<Value = (&'static str, Value)> {
    let key = prop_oneof![6 => Just("Action"), 1 => Just("NotAction")];
    let value = prop_oneof![
        Just(json!("sts:AssumeRole")),
        Just(json!(["sts:AssumeRole", "sts:TagSession"])),
        Just(json!(["sts:AssumeRole", "sts:SetSourceIdentity", "sts:SetContext"])),
        Just(json!("STS:assumerole")),
        Just(json!("sts:*")),
        Just(json!("sts:Assume*")),
        Just(json!("sts:AssumeRole?")),
        Just(json!("*")),
        Just(json!("sts:TagSession")),
        Just(json!("sts:AssumeRoleWithWebIdentity")),
        Just(json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"])),
        Just(json!("sts:AssumeRoleWithSAML")),
        Just(json!("sts:AssumeRoot")),
        Just(json!("stš:AssumeRole")),
        text().prop_map(Value::from),
    ];
    (key, value)
}

/// Short text with a bias to what breaks byte-indexed code: multi-byte characters, wildcards,
/// separators and percent signs.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:/*?.é€😀%-]{0,16}",
        "\\PC{0,12}",
        Just("token.actions.githubusercontent.coé".to_owned()),
    ]
}

fn condition_operator() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        Just("StringEquals"),
        Just("StringNotEquals"),
        Just("StringEqualsIgnoreCase"),
        Just("StringNotEqualsIgnoreCase"),
        Just("StringLike"),
        Just("StringNotLike"),
        Just("ArnEquals"),
        Just("ArnLike"),
        Just("ArnNotEquals"),
        Just("ArnNotLike"),
        Just("Bool"),
        Just("Null"),
        Just("NumericEquals"),
        Just("NumericNotEquals"),
        Just("NumericLessThan"),
        Just("NumericGreaterThanEquals"),
        Just("DateEquals"),
        Just("DateLessThan"),
        Just("DateGreaterThan"),
        Just("IpAddress"),
        Just("NotIpAddress"),
        Just("BinaryEquals"),
        Just("StringEqualz"),
        Just("StrïngEquals"),
    ];
    let set = prop_oneof![4 => Just(""), 1 => Just("ForAnyValue:"), 1 => Just("ForAllValues:")];
    let if_exists = prop_oneof![4 => Just(""), 1 => Just("IfExists")];
    (set, base, if_exists).prop_map(|(set, base, if_exists)| format!("{set}{base}{if_exists}"))
}

fn condition_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("aws:SourceAccount".to_owned()),
        Just("aws:SourceArn".to_owned()),
        Just("aws:SourceOrgID".to_owned()),
        Just("aws:PrincipalOrgID".to_owned()),
        Just("aws:PrincipalOrgPaths".to_owned()),
        Just("aws:PrincipalAccount".to_owned()),
        Just("aws:PrincipalArn".to_owned()),
        Just("aws:PrincipalTag/team".to_owned()),
        Just("sts:ExternalId".to_owned()),
        Just("aws:TagKeys".to_owned()),
        Just("aws:ResourceAccount".to_owned()),
        Just("aws:MultiFactorAuthPresent".to_owned()),
        Just("aws:MultiFactorAuthAge".to_owned()),
        Just("aws:SourceIp".to_owned()),
        Just("aws:CurrentTime".to_owned()),
        Just("aws:EpochTime".to_owned()),
        Just("saml:aud".to_owned()),
        Just("cognito-identity.amazonaws.com:aud".to_owned()),
        Just("token.actions.githubusercontent.com:sub".to_owned()),
        Just("token.actions.githubusercontent.com:aud".to_owned()),
        // The provider host with a multi-byte character where the host ends.
        Just("token.actions.githubusercontent.coésub".to_owned()),
        Just("token.actions.githubusercontent.com€ub".to_owned()),
        Just("accounts.google.com:süb".to_owned()),
        text(),
    ]
}

fn condition_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(ACCOUNT)),
        Just(json!("444455556666")),
        Just(json!("*")),
        Just(json!(FUNCTIONS[0])),
        Just(json!("arn:aws:lambda:*:*:function:*")),
        Just(json!("o-abc123defg")),
        Just(json!(["o-a/r-b/*"])),
        Just(json!("repo:acme/orders:*")),
        Just(json!("repo:*")),
        Just(json!(true)),
        Just(json!(3600)),
        Just(json!("2026-01-01T00:00:00Z")),
        Just(json!("2099-12-31T23:59:59.5+14:00")),
        Just(json!(1_577_836_800)),
        Just(json!(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"])),
        Just(json!("QmluYXJ5")),
        text().prop_map(Value::from),
        prop::collection::vec(text(), 0..3).prop_map(|v| json!(v)),
    ]
}

fn condition() -> impl Strategy<Value = (String, String, Value)> {
    (condition_operator(), condition_key(), condition_value())
}

prop_compose! {
    fn statement()(
        deny in prop::bool::weighted(0.15),
        principal in prop::option::weighted(0.95, principal()),
        action in action(),
        conditions in prop::collection::vec(condition(), 0..3),
        sid in prop::option::of("[A-Za-z0-9]{1,8}"),
    ) -> Value {
        let mut s = Map::new();
        if let Some(sid) = sid {
            s.insert("Sid".into(), json!(sid));
        }
        s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        if let Some((key, value)) = principal {
            s.insert(key.into(), value);
        }
        s.insert(action.0.into(), action.1);
        let mut block: Map<String, Value> = Map::new();
        for (op, key, value) in conditions {
            block.entry(op).or_insert_with(|| json!({}))[key.as_str()] = value;
        }
        if !block.is_empty() {
            s.insert("Condition".into(), Value::Object(block));
        }
        Value::Object(s)
    }
}

prop_compose! {
    fn policy()(
        statements in prop::collection::vec(statement(), 1..6),
        version in prop_oneof![Just(Some("2012-10-17")), Just(Some("2008-10-17")), Just(None)],
    ) -> Value {
        let mut p = Map::new();
        if let Some(v) = version {
            p.insert("Version".into(), json!(v));
        }
        p.insert("Statement".into(), Value::Array(statements));
        Value::Object(p)
    }
}

fn role() -> impl Strategy<Value = Role> {
    (0..=2usize, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(functions, knows_arn, proposed, created)| {
        Role {
            arn: knows_arn.then(|| "arn:aws:iam::111122223333:role/app".to_owned()),
            account_id: Some(ACCOUNT.to_owned()),
            functions: FUNCTIONS[..functions].iter().map(|f| f.to_string()).collect(),
            proposed,
            to_be_created: proposed && created,
            ..Role::default()
        }
    })
}

/// The identity keys a stranger's request carries only sometimes, or always with their own value.
fn identity_key() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("aws:PrincipalOrgID"),
        Just("aws:PrincipalOrgPaths"),
        Just("aws:PrincipalAccount"),
        Just("aws:PrincipalArn"),
        Just("aws:SourceAccount"),
        Just("aws:SourceArn"),
        Just("aws:SourceOrgID"),
        // A token's claims: the stranger's own identity at the provider, or absent.
        Just("token.actions.githubusercontent.com:sub"),
        Just("Token.Actions.GithubUserContent.com:sub"),
        Just("accounts.google.com:aud"),
        Just("cognito-identity.amazonaws.com:aud"),
        Just("gitlab.example.com:sub"),
    ]
}

/// How public a verdict says the role is: 2 anyone, 1 narrowed only by conditions, 0 neither.
fn publicity(verdict: &Verdict) -> u8 {
    verdict
        .findings
        .iter()
        .map(|f| match f.id {
            FindingId::TrustPublic => 2,
            FindingId::TrustPublicConditioned => 1,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn params() -> impl Strategy<Value = RuleParams> {
    // Judged at no known time, or at one (time conditions are then evaluated).
    (0..4usize, any::<bool>(), prop::option::of(0..4_102_444_800i64)).prop_map(|(threshold, require, now)| {
        let at = ["LOW", "MEDIUM", "HIGH", "CRITICAL"][threshold];
        let mut params = RuleParams::from_json(&format!(
            r#"{{"nonCompliantAt":"{at}","requireSourceAccount":{require}}}"#
        ))
        .unwrap();
        params.evaluated_at = now;
        params
    })
}

/// What a verdict says, independent of statement numbering.
fn meaning(v: &Verdict) -> (Compliance, Vec<String>) {
    let mut ids: Vec<String> = v.findings.iter().map(|f| format!("{}:{}", f.id, f.severity)).collect();
    ids.sort();
    (v.compliance, ids)
}

/// Wraps every scalar that IAM also accepts as a one-element list.
fn listify(policy: &Value) -> Value {
    let mut p = policy.clone();
    let wrap = |v: &mut Value| {
        if !v.is_array() {
            *v = Value::Array(vec![v.take()]);
        }
    };
    if let Some(statements) = p["Statement"].as_array_mut() {
        for s in statements {
            for key in ["Action", "NotAction"] {
                if let Some(v) = s.get_mut(key) {
                    wrap(v);
                }
            }
            for key in ["Principal", "NotPrincipal"] {
                if let Some(Value::Object(kinds)) = s.get_mut(key) {
                    kinds.values_mut().for_each(wrap);
                }
            }
            if let Some(Value::Object(ops)) = s.get_mut("Condition") {
                for keys in ops.values_mut().filter_map(Value::as_object_mut) {
                    keys.values_mut().for_each(wrap);
                }
            }
        }
    }
    p
}

fn json_value() -> impl Strategy<Value = Value> {
    let words = prop_oneof![
        Just("Statement"),
        Just("Effect"),
        Just("Allow"),
        Just("Deny"),
        Just("Principal"),
        Just("NotPrincipal"),
        Just("Action"),
        Just("NotAction"),
        Just("Condition"),
        Just("Service"),
        Just("AWS"),
        Just("*"),
        Just("StringEquals"),
        Just("aws:SourceAccount"),
        Just("Version"),
        Just("2012-10-17"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        words.clone().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    // No regression files: CI runs on a clean clone, and a found case belongs in fixtures/cases.json.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(text in ".{0,300}", role in role()) {
        count_panics();
        sound(&check(&text, &role, &RuleParams::default()))?;
        let encoded: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
        sound(&check(&encoded, &role, &RuleParams::default()))?;
        let _ = evaluate(&text, &role, &RuleParams::default()).suggested_policy;
        prop_assert_eq!(panics(), 0);
    }

    #[test]
    fn never_panics_on_the_whole_grammar(policy in policy(), role in role(), params in params()) {
        count_panics();
        let plain = policy.to_string();
        let encoded: String = plain.bytes().map(|b| format!("%{b:02X}")).collect();
        for doc in [&plain, &encoded] {
            sound(&check(doc, &role, &params))?;
            let _ = evaluate(doc, &role, &params).suggested_policy;
            prop_assert_eq!(panics(), 0);
        }
    }

    #[test]
    fn never_panics_on_arbitrary_json(value in json_value(), role in role()) {
        let doc = json!({"Version": "2012-10-17", "Statement": value.clone()}).to_string();
        count_panics();
        for text in [value.to_string(), doc] {
            let v = check(&text, &role, &RuleParams::default());
            sound(&v)?;
            if v.compliance == Compliance::Compliant {
                prop_assert!(v.findings.iter().all(|f| f.severity < v.threshold));
            }
            let _ = evaluate(&text, &role, &RuleParams::default()).suggested_policy;
            prop_assert_eq!(panics(), 0);
        }
    }

    #[test]
    fn percent_encoding_never_changes_the_verdict(policy in policy(), role in role(), params in params()) {
        let plain = policy.to_string();
        let encoded: String = plain
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        prop_assert_eq!(check(&plain, &role, &params), check(&encoded, &role, &params));
    }

    /// The plain reader takes the compact and the pretty text; an escaped string in an `Id`,
    /// which IAM ignores, sends the same policy to the serde visitors instead.
    #[test]
    fn either_reader_gives_one_verdict(policy in policy(), role in role(), params in params()) {
        let compact = policy.to_string();
        let pretty = serde_json::to_string_pretty(&policy).unwrap();
        let escaped = format!(r#"{{"Id":"\u0041",{}"#, &compact[1..]);
        let verdict = check(&compact, &role, &params);
        prop_assert_eq!(&verdict, &check(&pretty, &role, &params));
        prop_assert_eq!(&verdict, &check(&escaped, &role, &params));
    }

    #[test]
    fn lists_and_statement_order_never_change_the_verdict(policy in policy(), role in role(), params in params(), seed in any::<u64>()) {
        let original = meaning(&check(&policy.to_string(), &role, &params));
        prop_assert_eq!(&original, &meaning(&check(&listify(&policy).to_string(), &role, &params)));
        let mut shuffled = policy.clone();
        if let Some(statements) = shuffled["Statement"].as_array_mut() {
            let n = statements.len();
            statements.rotate_left((seed as usize) % n);
            if seed % 2 == 0 {
                statements.reverse();
            }
        }
        prop_assert_eq!(&original, &meaning(&check(&shuffled.to_string(), &role, &params)));
    }

    #[test]
    fn the_suggested_policy_is_compliant(policy in policy(), role in role(), params in params()) {
        let doc = policy.to_string();
        let verdict = check(&doc, &role, &params);
        let evaluation = evaluate(&doc, &role, &params);
        prop_assert_eq!(&evaluation.verdict, &verdict);
        let fixed = evaluation.suggested_policy;
        // An operator IAM doesn't know and whose meaning isn't clear gets no suggestion: dropping
        // its condition would widen what it guards.
        let unclear_operator = verdict
            .findings
            .iter()
            .any(|f| f.id == FindingId::PolicyUnparseable && f.statement.is_some());
        // Nor does a Deny naming an action IAM refuses, which may have been a trust action: which
        // way in it was to stop is unclear, and dropping it would let in whom it stopped.
        let statements = match &policy["Statement"] {
            Value::Array(all) => all.clone(),
            one => vec![one.clone()],
        };
        let unclear_guard = verdict.findings.iter().any(|f| {
            f.id == FindingId::TrustPolicyInvalid
                && f.message.contains("names the action")
                && f.statement.and_then(|i| statements.get(i)).is_some_and(|s| s["Effect"] == "Deny")
        });
        // Nor one holding a character IAM refuses: which was meant is the author's to say.
        let unclear_character = verdict.findings.iter().any(|f| {
            f.id == FindingId::TrustPolicyInvalid && f.statement.is_none() && f.message.contains("holds the character")
        });
        if unclear_operator || unclear_guard || unclear_character {
            prop_assert!(fixed.is_none() || verdict.compliance == Compliance::NonCompliant);
        } else {
            prop_assert_eq!(fixed.is_some(), verdict.compliance == Compliance::NonCompliant);
        }
        if let Some(fixed) = fixed {
            let again = check(&fixed.to_json(), &role, &params);
            prop_assert_eq!(again.compliance, Compliance::Compliant, "{}\nfixed:\n{}\nwas: {:?}", doc, fixed.to_json(), verdict.findings);
        }
    }

    #[test]
    fn an_allow_a_deny_covers_for_everyone_is_never_public(
        allow in statement(),
        deny_action in prop_oneof![Just(json!("sts:*")), Just(json!("*")), Just(json!(["sts:AssumeRole*", "sts:TagSession"]))],
        role in role(),
    ) {
        let mut allow = allow;
        allow["Effect"] = json!("Allow");
        // The bare "*": `{"AWS": "*"}` names no identity provider's caller nor a service.
        let deny = json!({"Effect": "Deny", "Principal": "*", "Action": deny_action});
        let doc = json!({"Version": "2012-10-17", "Statement": [allow, deny]}).to_string();
        let verdict = check(&doc, &role, &RuleParams::default());
        sound(&verdict)?;
        prop_assert_eq!(publicity(&verdict), 0, "{}: {:?}", doc, verdict.findings);
    }

    #[test]
    fn another_condition_never_makes_a_wildcard_more_public(
        conditions in prop::collection::vec(condition(), 0..3),
        (op, key, value) in (condition_operator(), prop_oneof![identity_key().prop_map(str::to_owned), condition_key()], condition_value()),
        principal in prop_oneof![Just(json!("*")), Just(json!({"AWS": "*"}))],
        role in role(),
    ) {
        let policy = |extra: bool| {
            let mut block = json!({});
            for (o, k, v) in &conditions {
                block.as_object_mut().unwrap().entry(o.clone()).or_insert_with(|| json!({}))[k.as_str()] = v.clone();
            }
            if extra {
                block.as_object_mut().unwrap().entry(op.clone()).or_insert_with(|| json!({}))[key.as_str()] = value.clone();
            }
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal.clone(), "Action": "sts:AssumeRole", "Condition": block}
            ]}).to_string()
        };
        // The extra condition must add to the block, not replace one of its own.
        // (Keys ignore case: one spelt twice in a block is a duplicate IAM refuses.)
        prop_assume!(!conditions.iter().any(|(o, k, _)| *o == op && k.eq_ignore_ascii_case(&key)));
        let params = RuleParams::default();
        let before = check(&policy(false), &role, &params);
        let after = check(&policy(true), &role, &params);
        sound(&after)?;
        prop_assert!(
            publicity(&after) <= publicity(&before),
            "{} is flagged {:?}, with one more condition {:?}", policy(false), before.findings, after.findings
        );
    }

    #[test]
    fn if_exists_on_an_identity_guard_never_makes_a_policy_less_flagged(
        base in prop_oneof![Just("StringEquals"), Just("StringLike"), Just("ArnLike"), Just("ArnEquals"), Just("StringNotEquals"), Just("ForAnyValue:StringLike")],
        key in identity_key(),
        value in condition_value(),
        principal in prop_oneof![Just(json!("*")), Just(json!({"AWS": "*"}))],
        extra in prop::option::of(condition()),
        role in role(),
    ) {
        // An extra condition under the guard's own operator and key would replace the guard in
        // one form and sit beside it in the other: not the change this property is about.
        prop_assume!(extra.as_ref().is_none_or(|(op, k, _)| !k.eq_ignore_ascii_case(key) || (op != base && *op != format!("{base}IfExists"))));
        let policy = |operator: String| {
            let mut condition = json!({ operator: { key: value.clone() } });
            if let Some((op, k, v)) = &extra {
                condition.as_object_mut().unwrap().entry(op.clone()).or_insert_with(|| json!({}))[k.as_str()] = v.clone();
            }
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal.clone(), "Action": "sts:AssumeRole", "Condition": condition}
            ]}).to_string()
        };
        let params = RuleParams::default();
        let strict = check(&policy(base.to_owned()), &role, &params);
        let lenient = check(&policy(format!("{base}IfExists")), &role, &params);
        sound(&lenient)?;
        prop_assert!(
            publicity(&lenient) >= publicity(&strict),
            "{} is flagged {:?}, its IfExists form {:?}", policy(base.to_owned()), strict.findings, lenient.findings
        );
    }
}
