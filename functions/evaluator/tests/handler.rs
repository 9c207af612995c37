//! Single evaluations (change, oversized, deleted events) through the real handler against the
//! local AWS endpoint.

mod common;

use common::*;
use serde_json::json;
use trustcheck_test_support::{ACCOUNT, REGION};

#[tokio::test(flavor = "multi_thread")]
async fn change_event_for_a_broken_lambda_role_is_non_compliant_and_names_the_function() {
    let h = harness(None).await;
    let role = h.create_role("orders-consumer-role", EDGE_ONLY).await;
    h.create_function("orders-consumer", &role.arn).await;
    let outcome = h
        .invoke("change.json", "trustcheck-change", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    assert_eq!((outcome.written, outcome.non_compliant), (1, 1));
    let results = h.results("trustcheck-change").await;
    let (compliance, annotation) = &results[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.starts_with("LAMBDA_TRUST_MISSING: only edgelambda"),
        "{annotation}"
    );
    assert!(annotation.contains("used by orders-consumer"), "{annotation}");
}

#[tokio::test(flavor = "multi_thread")]
async fn change_event_for_a_good_role_is_compliant() {
    let h = harness(None).await;
    let role = h.create_role("good-role", LAMBDA_TRUST).await;
    h.invoke("change.json", "trustcheck-good", Some(&role), LAMBDA_TRUST)
        .await
        .unwrap();
    let results = h.results("trustcheck-good").await;
    assert_eq!(
        results[&role.id],
        ("COMPLIANT".to_owned(), "No trust-policy findings".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_evaluation_config_never_acknowledges_is_written_again_within_the_functions_timeout() {
    let mut h = harness(None).await;
    // The evaluator's own configuration (main.rs), on the local endpoint.
    h.state = State::new(trustcheck_aws::RetryPolicy::Sweep.applied_to(&h.sdk), None);
    let role = h.create_role("hung-write-role", LAMBDA_TRUST).await;
    // The first write hangs 30 s: without a timeout of its own it would hold the invocation
    // until Lambda's timeout, and a sweep would lose everything not yet written.
    h.moto.inject("config.PutEvaluations", &["delay:30"]);
    let started = std::time::Instant::now();
    h.invoke("change.json", "trustcheck-hung", Some(&role), LAMBDA_TRUST)
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(25),
        "a hung write held the evaluation {waited:?}"
    );
    assert_eq!(h.moto.calls()["config.PutEvaluations"], 2);
    let results = h.results("trustcheck-hung").await;
    assert_eq!(results[&role.id].0, "COMPLIANT");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_role_is_not_applicable() {
    let h = harness(None).await;
    let role = h.create_role("doomed", EDGE_ONLY).await;
    h.invoke("change.json", "trustcheck-deleted", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    h.invoke("deleted.json", "trustcheck-deleted", Some(&role), "")
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-deleted").await[&role.id];
    assert_eq!(compliance, "NOT_APPLICABLE");
    assert_eq!(annotation, "Role is ResourceDeleted (left the rule's scope)");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_event_fetches_the_item_from_config_history() {
    let h = harness(None).await;
    let star = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    let role = h.create_role("wide-open", star).await;
    h.invoke("oversized.json", "trustcheck-oversized", Some(&role), "")
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-oversized").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("TRUST_PUBLIC"), "{annotation}");
    assert_eq!(h.moto.calls()["config.GetResourceConfigHistory"], 1);
}

/// A change notification of a recorded role that comes without its trust policy (no
/// configuration, or one without `assumeRolePolicyDocument`) is read from Config's history, as an
/// oversized one is: judged empty, the role would be paged as unreadable; failed, it would keep
/// its old result until the next sweep.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_without_the_trust_policy_reads_the_item_from_config_history() {
    let h = harness(None).await;
    let role = h.create_role("wide-open-thin", PUBLIC).await;
    let rule = "trustcheck-thin-item";
    for configuration in [Value::Null, json!({}), json!({"path": "/"})] {
        let mut change = event("change.json", rule, Some(&role), PUBLIC);
        let mut invoking: Value = serde_json::from_str(change["invokingEvent"].as_str().unwrap()).unwrap();
        invoking["configurationItem"]["configuration"] = configuration.clone();
        change["invokingEvent"] = Value::String(invoking.to_string());
        let before = h.moto.calls()["config.GetResourceConfigHistory"].as_u64().unwrap_or(0);
        h.run(change, Context::default()).await.unwrap();
        let (compliance, annotation) = &h.results(rule).await[&role.id];
        assert_eq!(compliance, "NON_COMPLIANT", "{configuration}");
        assert!(annotation.starts_with("TRUST_PUBLIC"), "{configuration}: {annotation}");
        assert_eq!(
            h.moto.calls()["config.GetResourceConfigHistory"].as_u64(),
            Some(before + 1),
            "{configuration}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_deletion_is_decided_from_its_summary() {
    let h = harness(None).await;
    let role = h.create_role("deleted-big", PUBLIC).await;
    let summary = |fixture: Value, status: &str| {
        let mut event = fixture;
        let invoking = event["invokingEvent"].as_str().unwrap().replace(
            r#""configurationItemStatus":"OK""#,
            &format!(r#""configurationItemStatus":"{status}""#),
        );
        event["invokingEvent"] = Value::String(invoking);
        event["eventLeftScope"] = Value::Bool(status != "OK");
        event
    };
    // The history can't be read: a deleted role needs no lookup, so its result is still written
    // (NOT_APPLICABLE, which also resolves its page).
    h.moto.inject("GetResourceConfigHistory", &["500"; 20]);
    let deleted = summary(
        event("oversized.json", "trustcheck-oversized-gone", Some(&role), ""),
        "ResourceDeleted",
    );
    h.run(deleted, Context::default()).await.unwrap();
    h.moto.clear_faults();
    let (compliance, _) = &h.results("trustcheck-oversized-gone").await[&role.id];
    assert_eq!(compliance, "NOT_APPLICABLE");
    assert!(h.moto.calls().get("config.GetResourceConfigHistory").is_none());
    // A notification newer than anything in the history: the older item is not evaluated as the
    // newer one; the invocation fails, and Lambda's retry asks again.
    let mut future = event("oversized.json", "trustcheck-oversized-ahead", Some(&role), "");
    let invoking = future["invokingEvent"]
        .as_str()
        .unwrap()
        .replace("2026-11-27T06:05:00.123Z", "2099-01-01T00:00:00.000Z");
    future["invokingEvent"] = Value::String(invoking);
    let error = h.run(future, Context::default()).await.unwrap_err();
    assert!(error.to_string().contains("no item captured at 2099-01-01"), "{error}");
    // Named as the lag it is, not as a malformed event.
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "ItemNotInHistoryYet"
    );
    assert!(!h.results("trustcheck-oversized-ahead").await.contains_key(&role.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn another_config_rule_s_event_is_refused_and_nothing_is_written() {
    let h = harness(None).await;
    let h = Harness {
        state: h.state.with_rule_name("trustcheck-iam-role-trust".to_owned()),
        ..h
    };
    let role = h.create_role("public", PUBLIC).await;
    // A rule someone else created and pointed at the evaluator: refused, loudly.
    let error = h
        .invoke("change.json", "pager-spam", Some(&role), PUBLIC)
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::ForeignRule { .. }), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "ForeignRule");
    // So is one whose name only starts like the organization rule's.
    let error = h
        .invoke(
            "change.json",
            "OrgConfigRule-trustcheck-iam-role-trust2-ab12cd",
            Some(&role),
            PUBLIC,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::ForeignRule { .. }), "{error}");
    // In account mode there is no organization rule: its member-account name is someone else's.
    for rule in [
        "OrgConfigRule-trustcheck-iam-role-trust-ab12cd",
        "OrgConfigRule-trustcheck-iam-role-trust-other-ab12cd",
    ] {
        let error = h.invoke("change.json", rule, Some(&role), PUBLIC).await.unwrap_err();
        assert!(matches!(error, EvaluatorError::ForeignRule { .. }), "{rule}: {error}");
    }
    assert!(h.moto.calls().get("config.PutEvaluations").is_none());
    // Its own rule is served.
    h.invoke("change.json", "trustcheck-iam-role-trust", Some(&role), PUBLIC)
        .await
        .unwrap();
    assert_eq!(
        h.results("trustcheck-iam-role-trust").await[&role.id].0,
        "NON_COMPLIANT"
    );

    // In organization mode (the stack's own parameters say so), the organization rule's name in a
    // member account is served; one with more after the name is not, nor the bare name, which
    // only a member account's own rule can have there (organization mode deploys none).
    let org = harness(Some(
        r#"{"nonCompliantAt":"MEDIUM","requireSourceAccount":"false","exemptTagKey":"trustcheck:exempt","exemptRoleArnPatterns":"","configAggregatorName":"","functionRegions":"","executionRoleName":"trustcheck-member"}"#,
    ))
    .await;
    let org = Harness {
        state: org.state.with_rule_name("trustcheck-iam-role-trust".to_owned()),
        ..org
    };
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/trustcheck-evaluator"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    org.create_role("trustcheck-member", &trust).await;
    let role = org.create_role("public", PUBLIC).await;
    let member_rule = "OrgConfigRule-trustcheck-iam-role-trust-ab12cd";
    org.invoke("change.json", member_rule, Some(&role), PUBLIC)
        .await
        .unwrap();
    assert_eq!(org.results(member_rule).await[&role.id].0, "NON_COMPLIANT");
    let error = org
        .invoke(
            "change.json",
            "OrgConfigRule-trustcheck-iam-role-trust-other-ab12cd",
            Some(&role),
            PUBLIC,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::ForeignRule { .. }), "{error}");
    let error = org
        .invoke("change.json", "trustcheck-iam-role-trust", Some(&role), PUBLIC)
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::ForeignRule { .. }), "{error}");
    assert!(org.results("trustcheck-iam-role-trust").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rule_parameters_are_an_error_and_nothing_is_written() {
    let h = harness(Some(r#"{"nonCompliantAt":"SEVERE"}"#)).await;
    let role = h.create_role("any", LAMBDA_TRUST).await;
    let error = h
        .invoke("change.json", "trustcheck-params", Some(&role), LAMBDA_TRUST)
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::Params(_)));
    assert!(error.to_string().contains("`nonCompliantAt` is \"SEVERE\""), "{error}");
    let diagnostic = lambda_runtime::Diagnostic::from(error);
    assert_eq!(diagnostic.error_type, "InvalidParameterValueException");
    assert!(h.results("trustcheck-params").await.is_empty());
    assert!(h.moto.calls().get("config.PutEvaluations").is_none());

    // The stack's own parameters, unreadable (a key given twice), are that error too when the
    // evaluator serves one rule: not a member account's event taken for another rule's.
    let twice = harness(Some(r#"{"executionRoleName":"m","executionRoleName":"m"}"#)).await;
    let twice = Harness {
        state: twice.state.with_rule_name("trustcheck-iam-role-trust".to_owned()),
        ..twice
    };
    let role = twice.create_role("any", LAMBDA_TRUST).await;
    let error = twice
        .invoke(
            "change.json",
            "OrgConfigRule-trustcheck-iam-role-trust-ab12cd",
            Some(&role),
            LAMBDA_TRUST,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::Params(_)), "{error}");
    assert!(
        error.to_string().contains("`executionRoleName` is given twice"),
        "{error}"
    );
}

/// Whoever may edit the Config rule can't quiet it: the parameters its stack deployed
/// (RULE_PARAMETERS) count over the rule's, whether an edit raised the threshold, exempted every
/// role or named a region without functions; the same value written otherwise changes nothing,
/// and a value or key the rule can't read stops nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_rule_edited_outside_its_stack_is_judged_by_its_deployed_parameters() {
    // MEDIUM: COMPLIANT at a CRITICAL threshold, and exempt by any pattern that matches it.
    const CROSS_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    let deployed = r#"{"nonCompliantAt":"MEDIUM","requireSourceAccount":"false","exemptTagKey":"trustcheck:exempt","exemptRoleArnPatterns":"","configAggregatorName":"","functionRegions":""}"#;
    let h = harness(Some(deployed)).await;
    let role = h.create_role("vendor-access", CROSS_ACCOUNT).await;
    let edits = [
        r#"{"nonCompliantAt":"CRITICAL"}"#,
        r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role/*"}"#,
        r#"{"functionRegions":"ap-south-2"}"#,
        r#"{"nonCompliantAt":"medium"}"#,
        // Nor can an edit stop it: a value the rule can't read, a key it doesn't know.
        r#"{"nonCompliantAt":"SEVERE"}"#,
        r#"{"foo":"1"}"#,
    ];
    for (i, params) in edits.into_iter().enumerate() {
        // A rule of its own per edit: each result stands apart.
        let rule = format!("trustcheck-edited-{i}");
        let mut event = event("change.json", &rule, Some(&role), CROSS_ACCOUNT);
        event["ruleParameters"] = params.into();
        h.run(event, Context::default()).await.unwrap();
        assert_eq!(h.results(&rule).await[&role.id].0, "NON_COMPLIANT", "{params}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn evaluations_that_config_keeps_rejecting_are_an_error_naming_them() {
    let h = harness(None).await;
    let role = h.create_role("stubborn", LAMBDA_TRUST).await;
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    let error = h
        .invoke("change.json", "trustcheck-reject", Some(&role), LAMBDA_TRUST)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("1 evaluation(s) could not be written") && text.contains(&role.id),
        "{text}"
    );
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "EvaluationsNotWritten"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_mode_assumes_the_member_role() {
    let h = harness(Some(r#"{"executionRoleName":"trustcheck-member"}"#)).await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/trustcheck-evaluator"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    h.create_role("trustcheck-member", &trust).await;
    let role = h.create_role("member-app", LAMBDA_TRUST).await;
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-org", Some(&role), LAMBDA_TRUST)
        .await
        .unwrap();
    assert_eq!(h.results("trustcheck-org").await[&role.id].0, "COMPLIANT");
    assert_eq!(h.moto.calls()["sts.AssumeRole"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_that_once_aborted_the_engine_is_judged_like_any_other() {
    let h = harness(None).await;
    let policy = crashing_policy();
    let role = h.create_role("deployer", &policy).await;
    let outcome = h
        .invoke("change.json", "trustcheck-crash", Some(&role), &policy)
        .await
        .unwrap();
    assert_eq!((outcome.written, outcome.non_compliant), (1, 1));
    let (compliance, annotation) = &h.results("trustcheck-crash").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    // Its provider statement's key names no claim (no request has it): that one lets nobody in.
    assert!(annotation.starts_with("TRUST_PUBLIC"), "{annotation}");
    assert!(!annotation.contains("EVALUATION_FAILED"), "{annotation}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_used_only_by_a_function_in_another_region_is_a_lambda_role() {
    let h = harness(None).await;
    let role = h.create_role("orders-eu-role", EDGE_ONLY).await;
    h.create_function_in("eu-west-1", "orders-eu", &role.arn).await;
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-regions", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-regions").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_TRUST_MISSING"), "{annotation}");
    assert!(annotation.contains("used by orders-eu"), "{annotation}");
    let calls = h.moto.calls();
    assert_eq!(calls["account.ListRegions"], 1, "{calls}");
    // Every enabled region through Lambda's own list: the rule's and the 16 others. Config is
    // not asked.
    assert!(calls.get("config.SelectResourceConfig").is_none(), "{calls}");
    assert_eq!(calls["lambda.ListFunctions"], 17, "{calls}");
}

/// Config records a function minutes after it is made (a day, recording daily): a role changed
/// meanwhile is judged with the functions Lambda lists, not only those Config knows.
#[tokio::test(flavor = "multi_thread")]
async fn a_function_config_has_not_recorded_yet_still_uses_its_role() {
    let h = harness(None).await;
    let role = h.create_role("orders-new-role", EDGE_ONLY).await;
    h.create_function("orders-new", &role.arn).await;
    // Config knows another function of the region, not this one yet.
    let other = h.create_role("reports-role", LAMBDA_TRUST).await;
    h.create_function("reports", &other.arn).await;
    // (So Config's answer for this role would be empty, were it asked.)
    h.moto.inject("SelectResourceConfig", &["empty"]);
    h.invoke("change.json", "trustcheck-lag", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    h.moto.clear_faults();
    let (compliance, annotation) = &h.results("trustcheck-lag").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_TRUST_MISSING"), "{annotation}");
    assert!(annotation.contains("used by orders-new"), "{annotation}");
    // Lambda's list of the region failing, Config's answer stands in for it.
    h.moto.inject(&format!("lambda.ListFunctions@{REGION}"), &["500"; 50]);
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-lag-fallback", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    h.moto.clear_faults();
    let (_, annotation) = &h.results("trustcheck-lag-fallback").await[&role.id];
    assert!(annotation.contains("used by orders-new"), "{annotation}");
    assert!(h.moto.calls().get("config.SelectResourceConfig").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_whose_functions_cant_be_listed_stops_only_the_verdicts_it_could_change() {
    let h = harness(None).await;
    let ec2 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let cross_account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    let instance = h.create_role("instance-role", ec2).await;
    let partner = h.create_role("partner-role", cross_account).await;
    let public = h.create_role("public-role", PUBLIC).await;
    let lambda = h.create_role("lambda-role", LAMBDA_TRUST).await;
    // A region an SCP denies (Control Tower's region deny): every listing there fails.
    h.moto.inject("lambda.ListFunctions@eu-west-3", &["500"; 200]);
    let rule = "trustcheck-unlisted-region";
    // COMPLIANT, unless a function there uses it (Lambda can't assume it): COMPLIANT is not
    // written on a guess; its old result stands, loudly.
    let failed = h.invoke("change.json", rule, Some(&instance), ec2).await;
    let error = failed.expect_err("a role whose verdict the region could change fails");
    let text = error.to_string();
    assert!(text.contains("eu-west-3") && text.contains("functionRegions"), "{text}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    assert!(!h.results(rule).await.contains_key(&instance.id));
    // NON_COMPLIANT at the same severity whatever uses it, or COMPLIANT whatever uses it:
    // judged and written.
    for (role, policy) in [(&public, PUBLIC), (&lambda, LAMBDA_TRUST)] {
        h.invoke("change.json", rule, Some(role), policy).await.unwrap();
    }
    // NON_COMPLIANT (MEDIUM) whatever uses it, but a function there would make it HIGH or
    // CRITICAL (and page): the known verdict is written, and the invocation still fails.
    let understated = h.invoke("change.json", rule, Some(&partner), cross_account).await;
    let error = understated.expect_err("a verdict the region could make more severe fails");
    assert!(error.to_string().contains("eu-west-3"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    h.moto.clear_faults();
    let results = h.results(rule).await;
    assert_eq!(results[&partner.id].0, "NON_COMPLIANT");
    assert_eq!(results[&public.id].0, "NON_COMPLIANT");
    assert_eq!(results[&lambda.id].0, "COMPLIANT");
}

const BOTH_LAMBDAS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_function_cloudfront_runs_at_the_edge_needs_lambda_edge_s_trust_too() {
    let h = harness(None).await;
    let lambda_only = h.create_role("rewrite-role", LAMBDA_TRUST).await;
    let trusted = h.create_role("auth-role", BOTH_LAMBDAS).await;
    let regional = h.create_role("orders-role", LAMBDA_TRUST).await;
    let rewrite = h.create_function("rewrite", &lambda_only.arn).await;
    let auth = h.create_function("auth", &trusted.arn).await;
    h.create_function("orders", &regional.arn).await;
    // The version CloudFront runs keeps the role it was published with: the function's own
    // role (its latest configuration) has changed since.
    let published = h.create_role("headers-v1-role", LAMBDA_TRUST).await;
    let headers = h.create_function("headers", &published.arn).await;
    let version = h.publish(&headers).await;
    // Trusting Lambda alone, which no running version needs: the next version's association
    // will be refused, but nothing at the edge runs as it now.
    let renamed = h.create_role("headers-role", LAMBDA_TRUST).await;
    (h.lambda.update_function_configuration())
        .function_name(&headers)
        .role(&renamed.arn)
        .send()
        .await
        .expect("moto updates the role");
    let (rewrite, auth) = (h.publish(&rewrite).await, h.publish(&auth).await);
    // A version Lambda doesn't know runs nowhere: left out, not an error.
    let gone = format!("{headers}:99");
    h.create_distribution("site", &[&rewrite, &auth, &version, &gone]).await;
    let rule = "trustcheck-edge";
    let outcome = h.invoke("change.json", rule, Some(&lambda_only), LAMBDA_TRUST).await;
    assert_eq!(outcome.unwrap().non_compliant, 1);
    for (role, policy) in [
        (&trusted, BOTH_LAMBDAS),
        (&regional, LAMBDA_TRUST),
        (&published, LAMBDA_TRUST),
        (&renamed, LAMBDA_TRUST),
    ] {
        h.invoke("change.json", rule, Some(role), policy).await.unwrap();
    }
    let results = h.results(rule).await;
    let (compliance, annotation) = &results[&lambda_only.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_EDGE_TRUST_MISSING"), "{annotation}");
    assert!(annotation.contains("rewrite"), "{annotation}");
    let (compliance, annotation) = &results[&published.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_EDGE_TRUST_MISSING"), "{annotation}");
    assert!(annotation.contains("headers"), "{annotation}");
    for role in [&trusted, &regional, &renamed] {
        assert_eq!(results[&role.id].0, "COMPLIANT", "{}", role.name);
    }
    // One listing for the burst of changes, all captured before it; a change captured since
    // asks again.
    assert_eq!(h.moto.calls()["cloudfront.ListDistributions"], 1);
    let mut recent = event("change.json", rule, Some(&published), LAMBDA_TRUST);
    let now = aws_sdk_config::primitives::DateTime::from(std::time::SystemTime::now());
    let now = now.fmt(aws_sdk_config::primitives::DateTimeFormat::DateTime).unwrap();
    let invoking = recent["invokingEvent"]
        .as_str()
        .unwrap()
        .replace("2026-11-27T06:05:00.123Z", &now);
    recent["invokingEvent"] = Value::String(invoking);
    h.run(recent, Context::default()).await.unwrap();
    assert_eq!(h.moto.calls()["cloudfront.ListDistributions"], 2);
    // Each version's role was read once, and so was the version Lambda doesn't know.
    assert_eq!(h.moto.calls()["lambda.GetFunctionConfiguration"], 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn edge_versions_are_read_within_a_time_and_the_next_invocation_reads_on() {
    let h = harness(None).await;
    // Thousands of versions at the edge (a large CDN, or an insider who publishes and associates
    // them) must not hold every change event past the function's timeout: here 8 versions and
    // a second, at one read every 200 ms.
    let h = Harness {
        state: h.state.with_edge_reads_within(std::time::Duration::from_secs(1)),
        ..h
    };
    let role = h.create_role("rewrite-role", LAMBDA_TRUST).await;
    let mut versions = Vec::new();
    for edge in 0..8 {
        let function = h.create_function(&format!("edge-{edge}"), &role.arn).await;
        versions.push(h.publish(&function).await);
    }
    let associated: Vec<&str> = versions.iter().map(String::as_str).collect();
    h.create_distribution("site", &associated).await;
    let rule = "trustcheck-edge-paced";
    let mut failed = 0;
    let outcome = loop {
        match h.invoke("change.json", rule, Some(&role), LAMBDA_TRUST).await {
            Ok(outcome) => break outcome,
            Err(error) => {
                // Lambda@Edge would make the role fail: its verdict is not written on a guess,
                // and the invocation says why.
                let text = error.to_string();
                assert!(
                    text.contains("lambda:GetFunctionConfiguration failed: unfinished"),
                    "{text}"
                );
                assert!(text.contains("of the 8 versions"), "{text}");
                assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
                assert!(!h.results(rule).await.contains_key(&role.id));
                failed += 1;
                assert!(failed < 8, "every invocation reads some versions on");
            }
        }
    };
    assert!(failed >= 1, "8 reads paced 200 ms apart outlast a second");
    assert_eq!(outcome.non_compliant, 1);
    let (compliance, annotation) = &h.results(rule).await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_EDGE_TRUST_MISSING"), "{annotation}");
    // What was read is kept: each version read once, but for reads dropped in flight (at most
    // four an invocation cut short).
    let reads = h.moto.calls()["lambda.GetFunctionConfiguration"]
        .as_u64()
        .unwrap_or_default();
    assert!(
        (8..=8 + 4 * failed).contains(&reads),
        "{reads} reads, {failed} invocations cut short"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_last_read_of_an_edge_version_is_not_waited_for_past_the_time() {
    // Started in time, answered after it (throttled and retried, in Lambda): not waited for.
    slow_edge_call_is_not_waited_for("lambda.GetFunctionConfiguration", "unfinished: 1 of the 1 versions").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_distribution_listing_is_not_waited_for_past_the_time() {
    // Throttled and retried page by page, CloudFront's listing would hold the invocation up to
    // its timeout, and nothing would be written for any role.
    slow_edge_call_is_not_waited_for(
        "cloudfront.ListDistributions",
        "cloudfront:ListDistributions failed: unfinished: the distributions were not all listed",
    )
    .await;
}

/// `operation` answering after the time a change event gives the edge's reads: the invocation
/// fails saying `expected` and what to do (nothing), holds the role an association could change,
/// and the next one, answered in time, writes it.
async fn slow_edge_call_is_not_waited_for(operation: &str, expected: &str) {
    let h = harness(None).await;
    let h = Harness {
        state: h.state.with_edge_reads_within(std::time::Duration::from_millis(500)),
        ..h
    };
    let role = h.create_role("rewrite-role", LAMBDA_TRUST).await;
    let rewrite = h.create_function("rewrite", &role.arn).await;
    let version = h.publish(&rewrite).await;
    h.create_distribution("site", &[&version]).await;
    h.moto.inject(operation, &["delay:3"]);
    let rule = "trustcheck-edge-slow";
    let started = std::time::Instant::now();
    let error = h
        .invoke("change.json", rule, Some(&role), LAMBDA_TRUST)
        .await
        .expect_err("the call outlasts the time");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "not waited for");
    let text = error.to_string();
    assert!(text.contains(expected), "{text}");
    assert!(text.contains("nothing to change"), "{text}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    assert!(!h.results(rule).await.contains_key(&role.id));
    h.moto.clear_faults();
    h.invoke("change.json", rule, Some(&role), LAMBDA_TRUST).await.unwrap();
    let (compliance, annotation) = &h.results(rule).await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_EDGE_TRUST_MISSING"), "{annotation}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cloudfront_unread_stops_only_the_verdicts_lambda_edge_could_change() {
    let h = harness(None).await;
    let regional = h.create_role("orders-role", LAMBDA_TRUST).await;
    let trusted = h.create_role("auth-role", BOTH_LAMBDAS).await;
    let instance = h.create_role("instance-role", EC2_TRUST).await;
    h.create_function("orders", &regional.arn).await;
    h.create_function("auth", &trusted.arn).await;
    // A stack from before the rule asked CloudFront, an SCP: its Lambda@Edge functions can't be
    // listed. A role whose verdict one of its functions running at the edge would change keeps
    // its old result, loudly; the others are judged.
    let orphan = h.create_role("leftover-role", LAMBDA_TRUST).await;
    h.moto
        .inject("cloudfront.ListDistributions", &["error:AccessDenied"; 4]);
    let rule = "trustcheck-edge-unlisted";
    let failed = h.invoke("change.json", rule, Some(&regional), LAMBDA_TRUST).await;
    let error = failed.expect_err("a verdict Lambda@Edge could change is not written");
    assert!(error.to_string().contains("cloudfront:ListDistributions"), "{error}");
    assert!(error.to_string().contains("AccessDenied"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    // Judged and written whatever runs at the edge; the invocation still says CloudFront
    // couldn't be asked.
    let error = h
        .invoke("change.json", rule, Some(&trusted), BOTH_LAMBDAS)
        .await
        .unwrap_err();
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    // A role Lambda can't use: judged as one no version runs as, written, and the invocation
    // still fails, naming CloudFront.
    let error = h
        .invoke("change.json", rule, Some(&instance), EC2_TRUST)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cloudfront:ListDistributions"), "{error}");
    // A Lambda role no function uses, as a role only an older version runs at the edge looks:
    // not written either.
    let error = h
        .invoke("change.json", rule, Some(&orphan), LAMBDA_TRUST)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cloudfront:ListDistributions"), "{error}");
    assert_eq!(
        h.moto.calls()["cloudfront.ListDistributions"],
        4,
        "an error is not kept"
    );
    h.moto.clear_faults();
    let results = h.results(rule).await;
    assert!(!results.contains_key(&regional.id) && !results.contains_key(&orphan.id));
    assert_eq!(results[&trusted.id].0, "COMPLIANT");
    assert_eq!(results[&instance.id].0, "COMPLIANT");

    // CloudFront answers, but Lambda can't say which role a version runs as: the same.
    let orders = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders");
    let version = h.publish(&orders).await;
    h.create_distribution("site", &[&version]).await;
    h.moto.inject("lambda.GetFunctionConfiguration", &["500"; 10]);
    let failed = h.invoke("change.json", rule, Some(&regional), LAMBDA_TRUST).await;
    h.moto.clear_faults();
    let error = failed.expect_err("the version's role unknown, nothing is written");
    assert!(error.to_string().contains("lambda:GetFunctionConfiguration"), "{error}");
    assert!(!h.results(rule).await.contains_key(&regional.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_that_cant_be_listed_stop_only_the_verdicts_they_could_change() {
    let h = harness(None).await;
    let ec2 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let instance = h.create_role("instance-role", ec2).await;
    let public = h.create_role("public-role", PUBLIC).await;
    // The account's regions can't be listed (denied, or throttled past every retry).
    h.moto.inject("ListRegions", &["500"; 50]);
    let rule = "trustcheck-no-regions";
    // A public role is NON_COMPLIANT whatever functions the other regions hold: written.
    h.invoke("change.json", rule, Some(&public), PUBLIC).await.unwrap();
    assert_eq!(h.results(rule).await[&public.id].0, "NON_COMPLIANT");
    // An EC2 role is COMPLIANT unless a function elsewhere uses it: not written, loudly.
    let error = h
        .invoke("change.json", rule, Some(&instance), ec2)
        .await
        .expect_err("a verdict the other regions could change fails");
    assert!(error.to_string().contains("account:ListRegions failed"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    assert!(!h.results(rule).await.contains_key(&instance.id));
    h.moto.clear_faults();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorder_that_leaves_functions_out_changes_nothing_until_lambda_cant_answer() {
    let h = harness(Some(r#"{"functionRegions":"us-east-1"}"#)).await;
    let ecs_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = h.create_role("orders-role", ecs_only).await;
    h.create_function_in("us-east-1", "orders", &role.arn).await;
    // Config records IAM roles only (the role's query and the probe would both come back
    // empty): Lambda's own list is asked first, and finds the function.
    h.moto.inject("SelectResourceConfig", &["empty", "empty"]);
    h.invoke("change.json", "trustcheck-unrecorded", Some(&role), ecs_only)
        .await
        .unwrap();
    h.moto.clear_faults();
    let (compliance, annotation) = &h.results("trustcheck-unrecorded").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_TRUST_MISSING"), "{annotation}");
    assert!(annotation.contains("used by orders"), "{annotation}");
    // Lambda can't be asked there, and Config knows no function: an unused role can't be told
    // from a recorder that leaves functions out. COMPLIANT unless a function uses it: nothing is
    // written, and the invocation fails, naming the region.
    h.moto.inject(&format!("lambda.ListFunctions@{REGION}"), &["500"; 50]);
    h.moto.inject("SelectResourceConfig", &["empty", "empty"]);
    let error = h
        .invoke("change.json", "trustcheck-unprobed", Some(&role), ecs_only)
        .await
        .expect_err("a verdict the unlisted region could change fails");
    h.moto.clear_faults();
    assert!(error.to_string().contains(REGION), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    assert!(!h.results("trustcheck-unprobed").await.contains_key(&role.id));
}

/// An aggregator of `account`'s resources in `region`, or in every region.
async fn put_aggregator(h: &Harness, name: &str, account: &str, region: Option<&str>) {
    let source = aws_sdk_config::types::AccountAggregationSource::builder().account_ids(account);
    let source = match region {
        Some(region) => source.aws_regions(region),
        None => source.all_aws_regions(true),
    };
    h.config
        .put_configuration_aggregator()
        .configuration_aggregator_name(name)
        .account_aggregation_sources(source.build().unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aggregator_finds_the_functions_of_every_region_in_one_query() {
    let h = harness(Some(r#"{"configAggregatorName":"organization"}"#)).await;
    put_aggregator(&h, "organization", ACCOUNT, None).await;
    let role = h.create_role("orders-apse-role", EDGE_ONLY).await;
    h.create_function_in("ap-southeast-2", "orders-apse", &role.arn).await;
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-aggregator", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-aggregator").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("used by orders-apse"), "{annotation}");
    let calls = h.moto.calls();
    assert_eq!(calls["config.SelectAggregateResourceConfig"], 1, "{calls}");
    assert!(calls.get("lambda.ListFunctions").is_none(), "{calls}");
    // An aggregator that records no function at all (its answer and the probe both empty) is not
    // taken at its word: the regions are asked, and the function is found.
    h.moto.reset_calls();
    h.moto.inject("SelectAggregateResourceConfig", &["empty", "empty"]);
    h.invoke("change.json", "trustcheck-aggregator-empty", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    h.moto.clear_faults();
    let (compliance, annotation) = &h.results("trustcheck-aggregator-empty").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("used by orders-apse"), "{annotation}");
    let calls = h.moto.calls();
    assert_eq!(calls["config.SelectAggregateResourceConfig"], 2, "{calls}");
    assert!(calls.get("lambda.ListFunctions").is_some(), "{calls}");
}

/// An organization's aggregator holds every account's functions: a sweep asks it for its own
/// account's only, not for pages of the whole organization's in every part.
#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_asks_an_organization_aggregator_for_its_own_account_only() {
    let rule = "trustcheck-aggregator-sweep";
    let h = harness(Some(r#"{"configAggregatorName":"organization"}"#)).await;
    put_aggregator(&h, "organization", ACCOUNT, None).await;
    h.moto.seed_in("210987654321", "eu-west-1", 250, 250, "neighbour");
    let role = h.create_role("orders-apse-role", EDGE_ONLY).await;
    h.create_function_in("ap-southeast-2", "orders-apse", &role.arn).await;
    h.moto.reset_calls();
    h.invoke("scheduled.json", rule, None, "").await.unwrap();
    let (compliance, annotation) = &h.results(rule).await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("used by orders-apse"), "{annotation}");
    let calls = h.moto.calls();
    assert_eq!(
        calls["config.SelectAggregateResourceConfig"], 1,
        "one page of this account's rows, not three of the organization's: {calls}"
    );
}

/// A region whose source the aggregator can't bring up to date (FAILED, OUTDATED) is missing the
/// functions made since: it is listed with Lambda, whose list replaces the aggregator's rows there.
#[tokio::test(flavor = "multi_thread")]
async fn a_region_an_aggregator_has_stale_is_listed_with_lambda() {
    let h = harness(Some(
        r#"{"configAggregatorName":"organization","functionRegions":"us-east-1,ap-southeast-2,eu-west-1"}"#,
    ))
    .await;
    put_aggregator(&h, "organization", ACCOUNT, None).await;
    let role = h.create_role("orders-apse-role", EDGE_ONLY).await;
    h.create_function_in("ap-southeast-2", "orders-apse", &role.arn).await;
    // The aggregator knows other functions: its answer of none for this role is taken.
    let other = h.create_role("billing-role", LAMBDA_TRUST).await;
    h.create_function("billing", &other.arn).await;
    h.moto.set_aggregator_source("organization", "ap-southeast-2", "FAILED");
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-aggregator-stale", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-aggregator-stale").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("used by orders-apse"), "{annotation}");
    let calls = h.moto.calls();
    assert_eq!(
        calls["config.DescribeConfigurationAggregatorSourcesStatus"], 1,
        "{calls}"
    );
    assert_eq!(calls["lambda.ListFunctions"], 1, "only the stale region: {calls}");
    // The status can't be read: no region is taken on the aggregator's word.
    h.moto.inject(
        "DescribeConfigurationAggregatorSourcesStatus",
        &["error:AccessDeniedException"],
    );
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-aggregator-unread", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    h.moto.clear_faults();
    let (_, annotation) = &h.results("trustcheck-aggregator-unread").await[&role.id];
    assert!(annotation.contains("used by orders-apse"), "{annotation}");
    assert_eq!(h.moto.calls()["lambda.ListFunctions"], 3, "every region");
}

/// An aggregator whose sources name their regions answers for those only: a region it leaves
/// out (enabled since, or forgotten) is listed with Lambda, not taken for one without functions,
/// and a Lambda role whose function is there is judged with it.
#[tokio::test(flavor = "multi_thread")]
async fn the_regions_an_aggregator_leaves_out_are_listed_with_lambda() {
    let h = harness(Some(
        r#"{"configAggregatorName":"home-region","functionRegions":"us-east-1,ap-southeast-2"}"#,
    ))
    .await;
    put_aggregator(&h, "home-region", ACCOUNT, Some(REGION)).await;
    let role = h.create_role("orders-apse-role", EDGE_ONLY).await;
    h.create_function("orders-home", &role.arn).await;
    h.create_function_in("ap-southeast-2", "orders-apse", &role.arn).await;
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-aggregator-regional", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-aggregator-regional").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains("orders-apse") && annotation.contains("orders-home"),
        "{annotation}"
    );
    let calls = h.moto.calls();
    assert_eq!(calls["config.SelectAggregateResourceConfig"], 1, "{calls}");
    assert_eq!(calls["config.DescribeConfigurationAggregators"], 1, "{calls}");
    assert_eq!(calls["lambda.ListFunctions"], 1, "only the region left out: {calls}");
    // An aggregator of every region, but of another account: it speaks for none of this one's.
    put_aggregator(&h, "home-region", "999999999999", None).await;
    h.moto.reset_calls();
    h.invoke("change.json", "trustcheck-aggregator-other", Some(&role), EDGE_ONLY)
        .await
        .unwrap();
    let (_, annotation) = &h.results("trustcheck-aggregator-other").await[&role.id];
    assert!(
        annotation.contains("orders-apse") && annotation.matches("orders-home").count() == 1,
        "each function once: {annotation}"
    );
    assert_eq!(h.moto.calls()["lambda.ListFunctions"], 2, "both regions");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exemption_never_hides_a_critical_finding() {
    let h = harness(None).await;
    let tagged = |fixture_event: Value| {
        let mut event = fixture_event;
        let mut invoking: Value = serde_json::from_str(event["invokingEvent"].as_str().unwrap()).unwrap();
        invoking["configurationItem"]["tags"] = json!({"trustcheck:exempt": "break-glass"});
        event["invokingEvent"] = Value::String(invoking.to_string());
        event
    };
    let public = h.create_role("break-glass", PUBLIC).await;
    h.run(
        tagged(event("change.json", "trustcheck-exempt", Some(&public), PUBLIC)),
        Context::default(),
    )
    .await
    .unwrap();
    let cross_account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    let audit = h.create_role("audit", cross_account).await;
    h.run(
        tagged(event("change.json", "trustcheck-exempt", Some(&audit), cross_account)),
        Context::default(),
    )
    .await
    .unwrap();
    let results = h.results("trustcheck-exempt").await;
    let (compliance, annotation) = &results[&public.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.starts_with(
            "TRUST_PUBLIC: exempt by tag trustcheck:exempt, still reported: CRITICAL findings are never exempt"
        ),
        "{annotation}"
    );
    let (compliance, annotation) = &results[&audit.id];
    assert_eq!(compliance, "NOT_APPLICABLE");
    assert!(
        annotation.starts_with("Exempt by tag trustcheck:exempt"),
        "{annotation}"
    );
}

/// The account-mode stack hands the evaluator, as RULE_PARAMETERS, every parameter of its Config
/// rule from the same stack parameter: a key it left out could be changed by editing the rule,
/// and another value would have the rule's own events refused.
#[test]
fn the_stack_gives_the_evaluator_every_parameter_of_its_rule() {
    let template = include_str!("../../../infra/template.yaml");
    let (_, rule) = template
        .split_once("\n      InputParameters:\n")
        .expect("the rule's InputParameters");
    let input: std::collections::BTreeMap<String, String> = rule
        .lines()
        .take_while(|l| l.starts_with("        "))
        .map(|l| {
            let (key, parameter) = l.trim().split_once(": !Ref ").unwrap_or_else(|| panic!("{l}"));
            (key.to_owned(), format!("${{{parameter}}}"))
        })
        .collect();
    let (_, evaluator) = template
        .split_once("RULE_PARAMETERS: !If\n")
        .expect("the evaluator's RULE_PARAMETERS");
    let account_mode = evaluator.lines().nth(2).unwrap_or_default().trim();
    let json = account_mode
        .strip_prefix("- !Sub '")
        .and_then(|rest| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("account mode's RULE_PARAMETERS: {account_mode}"));
    let pinned: std::collections::BTreeMap<String, String> = serde_json::from_str(json).unwrap();
    assert_eq!(pinned, input);
    assert_eq!(input.len(), 6, "{input:?}");
}

/// Organization mode: the organization rule carries only the member role, and the central
/// stack's RULE_PARAMETERS every key that account mode's do (from the same stack parameters;
/// no aggregator) beside it, so that an edit of the organization rule can't quiet the evaluator.
/// With the stack's defaults, and with regions given (an SCP's region deny), the evaluator
/// accepts them.
#[test]
fn organization_mode_judges_by_the_central_stack_s_parameters() {
    let rule = include_str!("../../../infra/org/organization-rule.yaml");
    let (_, after) = rule
        .split_once("InputParameters: !Sub ")
        .expect("the rule's InputParameters");
    assert_eq!(
        after.lines().next().unwrap_or_default().trim(),
        r#"'{"executionRoleName":"${MemberRoleName}"}'"#
    );
    let template = include_str!("../../../infra/template.yaml");
    let (_, evaluator) = template
        .split_once("RULE_PARAMETERS: !If\n")
        .expect("the evaluator's RULE_PARAMETERS");
    let sub = |line: Option<&str>| -> String {
        let line = line.unwrap_or_default().trim();
        (line.strip_prefix("- !Sub '").and_then(|rest| rest.strip_suffix('\'')))
            .unwrap_or_else(|| panic!("RULE_PARAMETERS: {line}"))
            .to_owned()
    };
    let mut lines = evaluator.lines().skip(1);
    let organization = sub(lines.next());
    let keys = |json: &str| -> std::collections::BTreeMap<String, String> { serde_json::from_str(json).unwrap() };
    let mut account = keys(&sub(lines.next()));
    account.insert("executionRoleName".to_owned(), "${MemberRoleName}".to_owned());
    account.insert("configAggregatorName".to_owned(), String::new());
    assert_eq!(keys(&organization), account);

    let filled = |regions: &str| {
        let mut text = organization.clone();
        while let Some(start) = text.find("${") {
            let end = start + text[start..].find('}').expect("a closed ${…}");
            let name = text[start + 2..end].to_owned();
            let block = template
                .split_once(&format!("\n  {name}:\n"))
                .unwrap_or_else(|| panic!("parameter {name}"))
                .1;
            let default = block
                .lines()
                .take_while(|l| l.starts_with("    "))
                .find_map(|l| l.trim().strip_prefix("Default: "))
                .unwrap_or_else(|| panic!("default of {name}"))
                .trim_matches('"');
            let value = if name == "FunctionRegions" { regions } else { default };
            text.replace_range(start..=end, value);
        }
        trustcheck::RuleParams::from_json(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    };
    let defaults = filled("");
    assert_eq!(defaults.execution_role_name.as_deref(), Some("trustcheck-member"));
    assert_eq!(defaults.non_compliant_at, trustcheck::Severity::Medium);
    assert!(defaults.function_regions.is_empty());
    let denied = filled("eu-west-1,us-east-1");
    assert_eq!(denied.function_regions, ["eu-west-1", "us-east-1"]);
}

/// Deployment parameters the rule can't read stop the function at init, naming them: each event
/// would fail with them anyway, and the stack's patterns let such a value through (`arn:*`).
#[tokio::test(flavor = "multi_thread")]
async fn bad_deployment_parameters_stop_the_function_at_init() {
    let h = harness(None).await;
    let refused = evaluator::State::deployed(
        h.sdk.clone(),
        Some(r#"{"nonCompliantAt":"MEDIUM","exemptRoleArnPatterns":"arn:*"}"#.to_owned()),
    )
    .err()
    .expect("refused");
    let message = refused.to_string();
    assert!(
        message.starts_with("RULE_PARAMETERS: rule parameter `exemptRoleArnPatterns` is"),
        "{message}"
    );
    assert!(evaluator::State::deployed(h.sdk.clone(), Some("{not json".to_owned())).is_err());
    for good in [
        None,
        Some(String::new()),
        Some(r#"{"executionRoleName":"trustcheck-member"}"#.to_owned()),
    ] {
        assert!(
            evaluator::State::deployed(h.sdk.clone(), good.clone()).is_ok(),
            "{good:?}"
        );
    }
}

/// Malformed Config events (no `invokingEvent`, one that is not JSON, an unknown `messageType`,
/// no `resultToken`) fail as `InvalidEvent`, naming what is wrong, and write nothing.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_events_fail_as_invalid_and_write_nothing() {
    let h = harness(None).await;
    let role = h.create_role("public", PUBLIC).await;
    let rule = "trustcheck-malformed";
    let good = event("change.json", rule, Some(&role), PUBLIC);
    let with = |change: &dyn Fn(&mut Value)| {
        let mut event = good.clone();
        change(&mut event);
        event
    };
    let cases: [(Value, &str); 4] = [
        (
            with(&|e| {
                e.as_object_mut().unwrap().remove("invokingEvent");
            }),
            "invokingEvent",
        ),
        (
            with(&|e| e["invokingEvent"] = json!("{not json")),
            "invokingEvent is not valid JSON",
        ),
        (
            with(&|e| e["invokingEvent"] = json!(r#"{"messageType":"Gossip"}"#)),
            "unknown variant `Gossip`",
        ),
        (
            with(&|e| {
                e.as_object_mut().unwrap().remove("resultToken");
            }),
            "resultToken",
        ),
    ];
    for (malformed, expected) in cases {
        let error = h.run(malformed, Context::default()).await.unwrap_err();
        let message = error.to_string();
        assert!(message.contains(expected), "{expected}: {message}");
        assert_eq!(
            lambda_runtime::Diagnostic::from(error).error_type,
            "InvalidEvent",
            "{message}"
        );
    }
    assert!(h.results(rule).await.is_empty(), "nothing written");
    assert!(h.moto.evaluation_log(rule).is_empty());
}
