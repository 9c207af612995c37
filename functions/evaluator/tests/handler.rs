//! The real handler against the local AWS endpoint, fed the event shapes Config sends.
//! Roles and functions live in moto; results are read back through GetComplianceDetailsByConfigRule.

use std::collections::HashMap;

use aws_sdk_config::types::ComplianceType;
use evaluator::{handler, EvaluatorError, State};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use trustcheck_test_support::{percent_encode, Moto, ACCOUNT};

const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
const EDGE_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

struct Harness {
    moto: Moto,
    state: State,
    config: aws_sdk_config::Client,
    iam: aws_sdk_iam::Client,
    lambda: aws_sdk_lambda::Client,
}

async fn harness(default_params: Option<&str>) -> Harness {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    Harness {
        state: State::new(sdk.clone(), default_params.map(str::to_owned)),
        config: aws_sdk_config::Client::new(&sdk),
        iam: aws_sdk_iam::Client::new(&sdk),
        lambda: aws_sdk_lambda::Client::new(&sdk),
        moto,
    }
}

struct RoleIds {
    id: String,
    arn: String,
    name: String,
}

impl Harness {
    async fn create_role(&self, name: &str, policy: &str) -> RoleIds {
        let out = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(policy)
            .send()
            .await
            .expect("moto creates the role");
        let role = out.role().expect("CreateRole returns the role");
        RoleIds {
            id: role.role_id().to_owned(),
            arn: role.arn().to_owned(),
            name: name.to_owned(),
        }
    }

    async fn create_function(&self, name: &str, role_arn: &str) -> String {
        // The smallest valid zip: an end-of-central-directory record.
        let mut empty_zip = b"PK\x05\x06".to_vec();
        empty_zip.resize(22, 0);
        let out = self
            .lambda
            .create_function()
            .function_name(name)
            .role(role_arn)
            .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
            .handler("bootstrap")
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(empty_zip))
                    .build(),
            )
            .send()
            .await
            .expect("moto creates the function");
        out.function_arn().expect("CreateFunction returns the ARN").to_owned()
    }

    async fn invoke(
        &self,
        fixture: &str,
        rule: &str,
        role: Option<&RoleIds>,
        policy: &str,
    ) -> Result<evaluator::Outcome, EvaluatorError> {
        let mut text = std::fs::read_to_string(format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR")))
            .expect("fixture exists")
            .replace("{{RULE}}", rule)
            .replace("{{POLICY}}", &percent_encode(policy));
        if let Some(role) = role {
            text = text
                .replace("{{ROLE_ID}}", &role.id)
                .replace("{{ROLE_ARN}}", &role.arn)
                .replace("{{ROLE_NAME}}", &role.name);
        }
        let event: Value = serde_json::from_str(&text).expect("fixture is JSON");
        handler(&self.state, LambdaEvent::new(event, Context::default())).await
    }

    /// resource id → (compliance, annotation) of every result the rule holds.
    async fn results(&self, rule: &str) -> HashMap<String, (String, String)> {
        let items: Vec<_> = self
            .config
            .get_compliance_details_by_config_rule()
            .config_rule_name(rule)
            .into_paginator()
            .page_size(100)
            .items()
            .send()
            .try_collect()
            .await
            .expect("results can be read back");
        items
            .into_iter()
            .map(|r| {
                let id = r
                    .evaluation_result_identifier()
                    .and_then(|i| i.evaluation_result_qualifier())
                    .and_then(|q| q.resource_id())
                    .unwrap_or_default()
                    .to_owned();
                let compliance = r.compliance_type().map(|c| c.as_str().to_owned()).unwrap_or_default();
                (id, (compliance, r.annotation().unwrap_or_default().to_owned()))
            })
            .collect()
    }
}

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
    assert!(
        role.id.starts_with("AROA"),
        "ComplianceResourceId is the role id: {}",
        role.id
    );
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
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_of_a_thousand_roles_writes_every_evaluation_and_clears_vanished_roles() {
    let h = harness(None).await;
    let seeded = h.moto.seed(1000, 200, "sweep");
    // A result for a role that no longer exists, left from an earlier run.
    h.config
        .put_evaluations()
        .result_token("trustcheck-sweep")
        .evaluations(
            aws_sdk_config::types::Evaluation::builder()
                .compliance_resource_type("AWS::IAM::Role")
                .compliance_resource_id("AROAVANISHEDROLE0001")
                .compliance_type(ComplianceType::NonCompliant)
                .ordering_timestamp(aws_sdk_config::primitives::DateTime::from_secs(1_700_000_000))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // Throttling, a server error and partial failures on PutEvaluations: everything still lands.
    h.moto.inject("PutEvaluations", &["throttle", "500", "ok", "failed:3"]);
    h.moto.reset_calls();
    let outcome = h.invoke("scheduled.json", "trustcheck-sweep", None, "").await.unwrap();
    let results = h.results("trustcheck-sweep").await;
    assert_eq!(results.len(), 1001);
    assert_eq!(outcome.written, 1001);
    assert_eq!(results["AROAVANISHEDROLE0001"].0, "NOT_APPLICABLE");
    let count = |c: &str| results.values().filter(|(compliance, _)| compliance == c).count();
    let kinds = &seeded["trust_kinds"];
    let expected_bad = kinds["edgelambda_only"].as_u64().unwrap() + kinds["aws_star"].as_u64().unwrap();
    assert_eq!(count("NON_COMPLIANT") as u64, expected_bad);
    assert_eq!(outcome.non_compliant as u64, expected_bad);
    assert_eq!(count("COMPLIANT") as u64, 1000 - expected_bad);
    let calls = h.moto.calls();
    assert_eq!(calls["iam.ListRoles"], 1, "one page of up to 1,000 roles: {calls}");
    assert!(calls.get("iam.GetRole").is_none(), "no GetRole per role: {calls}");
    // 11 batches, plus one resend for each of: throttle, 500, the failed three.
    assert_eq!(calls["config.PutEvaluations"], 11 + 3, "{calls}");
}

#[tokio::test(flavor = "multi_thread")]
async fn evaluations_that_config_keeps_rejecting_are_an_error_naming_them() {
    let h = harness(None).await;
    let role = h.create_role("stubborn", LAMBDA_TRUST).await;
    h.moto
        .inject("PutEvaluations", &["failed:1", "failed:1", "failed:1", "failed:1"]);
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
