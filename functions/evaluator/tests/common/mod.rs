//! The harness of the evaluator's tests: the real handler against the local AWS endpoint, fed
//! the event shapes Config sends. Roles and functions live in moto; results are read back through
//! GetComplianceDetailsByConfigRule.
#![allow(dead_code)] // each test file uses its own part

use std::collections::HashMap;

pub use aws_sdk_config::types::ComplianceType;
pub use evaluator::{handler, EvaluatorError, State};
pub use lambda_runtime::{Context, LambdaEvent};
pub use serde_json::Value;
pub use trustcheck_test_support::{percent_encode, Moto};

pub const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
pub const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
pub const SNS_BY_SOURCE_ARN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:alerts"}}}]}"#;
pub const EDGE_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

pub struct Harness {
    pub moto: Moto,
    pub state: State,
    pub sdk: aws_config::SdkConfig,
    pub config: aws_sdk_config::Client,
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
}

pub async fn harness(default_params: Option<&str>) -> Harness {
    paced_harness(default_params, evaluator::ROLES_PAGE, evaluator::SWEEP_RESERVE).await
}

/// A harness whose sweeps read `roles_page` roles per `ListRoles` call and keep `reserve` in hand.
pub async fn paced_harness(default_params: Option<&str>, roles_page: i32, reserve: std::time::Duration) -> Harness {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    Harness {
        state: State::new(sdk.clone(), default_params.map(str::to_owned)).with_sweep_pacing(roles_page, reserve),
        config: aws_sdk_config::Client::new(&sdk),
        iam: aws_sdk_iam::Client::new(&sdk),
        lambda: aws_sdk_lambda::Client::new(&sdk),
        sdk,
        moto,
    }
}

/// A fixture with its placeholders filled in.
pub fn event(fixture: &str, rule: &str, role: Option<&RoleIds>, policy: &str) -> Value {
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
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub struct RoleIds {
    pub id: String,
    pub arn: String,
    pub name: String,
}

impl Harness {
    pub async fn create_role(&self, name: &str, policy: &str) -> RoleIds {
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

    pub async fn create_function(&self, name: &str, role_arn: &str) -> String {
        self.create_function_with(&self.lambda, name, role_arn).await
    }

    /// A function in another region: roles are global, functions are not.
    pub async fn create_function_in(&self, region: &str, name: &str, role_arn: &str) -> String {
        let config = aws_sdk_lambda::config::Builder::from(&self.sdk)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        self.create_function_with(&aws_sdk_lambda::Client::from_conf(config), name, role_arn)
            .await
    }

    async fn create_function_with(&self, lambda: &aws_sdk_lambda::Client, name: &str, role_arn: &str) -> String {
        // The smallest valid zip: an end-of-central-directory record.
        let mut empty_zip = b"PK\x05\x06".to_vec();
        empty_zip.resize(22, 0);
        let out = lambda
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

    /// Publishes a version of `function` (an ARN): the version's ARN.
    pub async fn publish(&self, function: &str) -> String {
        let out = self.lambda.publish_version().function_name(function).send().await;
        let out = out.expect("moto publishes the version");
        out.function_arn().expect("PublishVersion returns the ARN").to_owned()
    }

    /// A CloudFront distribution that runs each of `versions` (a function version's ARN) at the
    /// edge, the first on its default behaviour, each other on a behaviour of its own.
    pub async fn create_distribution(&self, reference: &str, versions: &[&str]) -> String {
        use aws_sdk_cloudfront::types::{
            CacheBehavior, CacheBehaviors, CustomOriginConfig, DefaultCacheBehavior, DistributionConfig, EventType,
            LambdaFunctionAssociation, LambdaFunctionAssociations, Origin, OriginProtocolPolicy, Origins,
            ViewerProtocolPolicy,
        };
        let associations = |version: &str| {
            let association = LambdaFunctionAssociation::builder()
                .lambda_function_arn(version)
                .event_type(EventType::ViewerRequest)
                .build()
                .expect("an association");
            LambdaFunctionAssociations::builder()
                .quantity(1)
                .items(association)
                .build()
                .expect("associations")
        };
        let origin = Origin::builder()
            .id("site")
            .domain_name("example.com")
            .custom_origin_config(
                CustomOriginConfig::builder()
                    .http_port(80)
                    .https_port(443)
                    .origin_protocol_policy(OriginProtocolPolicy::HttpsOnly)
                    .build()
                    .expect("an origin config"),
            )
            .build()
            .expect("an origin");
        let mut default = DefaultCacheBehavior::builder()
            .target_origin_id("site")
            .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll);
        if let Some(first) = versions.first() {
            default = default.lambda_function_associations(associations(first));
        }
        let mut others = CacheBehaviors::builder().quantity(versions.len().saturating_sub(1) as i32);
        for (i, version) in versions.iter().enumerate().skip(1) {
            let behaviour = CacheBehavior::builder()
                .path_pattern(format!("/edge-{i}/*"))
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll)
                .lambda_function_associations(associations(version))
                .build()
                .expect("a cache behaviour");
            others = others.items(behaviour);
        }
        let config = DistributionConfig::builder()
            .caller_reference(reference)
            .comment("")
            .enabled(true)
            .origins(Origins::builder().quantity(1).items(origin).build().expect("origins"))
            .default_cache_behavior(default.build().expect("a default behaviour"))
            .cache_behaviors(others.build().expect("cache behaviours"))
            .build()
            .expect("a distribution config");
        let out = aws_sdk_cloudfront::Client::new(&self.sdk)
            .create_distribution()
            .distribution_config(config)
            .send()
            .await
            .expect("moto creates the distribution");
        out.distribution()
            .expect("CreateDistribution returns it")
            .id()
            .to_owned()
    }

    pub async fn invoke(
        &self,
        fixture: &str,
        rule: &str,
        role: Option<&RoleIds>,
        policy: &str,
    ) -> Result<evaluator::Outcome, EvaluatorError> {
        self.run(event(fixture, rule, role, policy), Context::default()).await
    }

    pub async fn run(&self, event: Value, context: Context) -> Result<evaluator::Outcome, EvaluatorError> {
        handler(&self.state, LambdaEvent::new(event, context)).await
    }

    /// resource id → (compliance, annotation) of every result the rule holds.
    pub async fn results(&self, rule: &str) -> HashMap<String, (String, String)> {
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

/// The policy that once aborted the engine: a multi-byte character where the OIDC provider's host
/// ends in a condition key, beside a `"Principal": "*"` statement that must still be reported.
pub fn crashing_policy() -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/oidc-multibyte-key.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the shared fixture exists")
}

pub const PUBLIC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

impl Harness {
    /// Writes a result as an earlier run would have, with its own `OrderingTimestamp`.
    pub async fn put_result(&self, rule: &str, resource_id: &str, compliance: ComplianceType, ordering_secs: i64) {
        self.config
            .put_evaluations()
            .result_token(rule)
            .evaluations(
                aws_sdk_config::types::Evaluation::builder()
                    .compliance_resource_type("AWS::IAM::Role")
                    .compliance_resource_id(resource_id)
                    .compliance_type(compliance)
                    .ordering_timestamp(aws_sdk_config::primitives::DateTime::from_secs(ordering_secs))
                    .build()
                    .expect("a complete evaluation"),
            )
            .send()
            .await
            .expect("moto stores the result");
    }
}

/// `notificationCreationTime` of `fixtures/scheduled.json`, in epoch seconds.
pub const SWEEP_NOTIFICATION_SECS: i64 = 1_795_766_400;
