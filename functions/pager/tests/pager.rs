//! The pager against a fake PagerDuty on loopback (tests/fake_pagerduty.py, which applies
//! PagerDuty's dedup rules) and SSM in the local AWS endpoint; then the whole loop: a role goes
//! non-compliant, is paged once, is fixed, and its incident resolves, by both delivery routes.

use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::{Context, LambdaEvent};
use pager::{handler, PagerError, Settings, State};
use serde_json::{json, Value};
use trustcheck::Severity;
use trustcheck_test_support::{percent_encode, FakePagerDuty, Moto};

const ROUTING_KEY: &str = "R0UT1NGKEY0000000000000000000000";
const PARAMETER: &str = "/trustcheck/pagerduty-routing-key";

async fn pager_state(moto: &Moto, pd: &FakePagerDuty) -> State {
    let sdk = moto.sdk_config().await;
    aws_sdk_ssm::Client::new(&sdk)
        .put_parameter()
        .name(PARAMETER)
        .value(ROUTING_KEY)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let settings = Settings {
        routing_key_parameter: PARAMETER.into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: None,
    };
    State::new(&sdk, settings).unwrap()
}

/// An SNS event carrying one message, as SNS invokes the function.
fn sns_event(message: &Value) -> LambdaEvent<SnsEvent> {
    let envelope = json!({
        "Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:trustcheck-page",
        "Subject": "ALARM: test", "Message": message.to_string(), "Timestamp": "2026-11-27T06:05:04.000Z",
        "SignatureVersion": "1", "Signature": "x", "SigningCertURL": "https://example.invalid/cert.pem",
        "UnsubscribeURL": "https://example.invalid/unsubscribe", "MessageAttributes": {}
    });
    envelope_event(envelope)
}

fn envelope_event(envelope: Value) -> LambdaEvent<SnsEvent> {
    let event = json!({"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:trustcheck-page:sub", "Sns": envelope
    }]});
    LambdaEvent::new(serde_json::from_value(event).expect("an SNS event"), Context::default())
}

/// A page as the notifier writes it.
fn page(action: &str, key: &str) -> Value {
    let key = format!("aws-config/123456789012/us-east-1/trustcheck/AWS::IAM::Role/{key}");
    json!({"event_action": action, "dedup_key": key, "client": pager::NOTIFIER_CLIENT,
           "payload": {"summary": "TRUST_PUBLIC on IAM role r", "severity": "critical", "source": "arn:aws:iam::123456789012:role/r"},
           "AlarmName": key, "NewStateValue": if action == "trigger" { "ALARM" } else { "OK" }})
}

#[tokio::test(flavor = "multi_thread")]
async fn dedup_rules_retries_and_a_cached_routing_key() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    pd.script(&[429]);
    // A 429 goes back to Lambda, whose asynchronous retries come minutes later; that retry delivers.
    let throttled = handler(&state, sns_event(&page("trigger", "k1"))).await.unwrap_err();
    assert!(matches!(throttled, PagerError::RateLimited { .. }), "{throttled}");
    let first = handler(&state, sns_event(&page("trigger", "k1"))).await.unwrap();
    assert_eq!((first.pages, first.attempts), (1, 1));
    handler(&state, sns_event(&page("resolve", "k1"))).await.unwrap();
    handler(&state, sns_event(&page("resolve", "k1"))).await.unwrap();
    let incidents = pd.incidents();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["status"], "resolved");
    assert_eq!(incidents[0]["routing_key"], ROUTING_KEY);
    assert_eq!(incidents[0]["events"], json!(["trigger", "resolve"]));
    let events = pd.events();
    let results: Vec<&str> = events.iter().filter_map(|e| e["result"].as_str()).collect();
    assert_eq!(
        results.last(),
        Some(&"dropped"),
        "a resolve for no open incident is dropped: {results:?}"
    );
    assert_eq!(
        moto.calls()["ssm.GetParameter"],
        1,
        "the routing key is read once per process"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_page_is_not_retried_and_an_unavailable_one_fails_the_invocation() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let mut malformed = page("trigger", "k2");
    malformed["payload"]["summary"] = json!("");
    // Without a dead-letter queue to keep it, a refused page is an error, never a silent drop.
    let error = handler(&state, sns_event(&malformed)).await.unwrap_err();
    assert!(matches!(error, PagerError::Rejected { status: 400, .. }), "{error}");
    assert!(pd.incidents().is_empty(), "a 400 leaves no incident");
    assert_eq!(pd.events().len(), 1, "and was posted once");
    pd.script(&[500, 502, 503]);
    let error = handler(&state, sns_event(&page("trigger", "k3"))).await.unwrap_err();
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "PagerDutyUnavailable"
    );
    let not_json = sns_event(&json!("not an object"));
    assert!(matches!(
        handler(&state, not_json).await.unwrap_err(),
        PagerError::BadMessage { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_routing_key_parameter_is_a_clear_error() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let sdk = moto.sdk_config().await;
    let settings = Settings {
        routing_key_parameter: "/nope".into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: None,
    };
    let state = State::new(&sdk, settings).unwrap();
    let error = handler(&state, sns_event(&page("trigger", "k4"))).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("can't read the routing key from SSM parameter /nope"),
        "{error}"
    );
    assert!(!error.to_string().contains(ROUTING_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_page_is_posted_once_and_dead_lettered_with_its_reason() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let sdk = moto.sdk_config().await;
    pager_state(&moto, &pd).await; // stores the routing key
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = sqs.create_queue().queue_name("dlq").send().await.unwrap();
    let queue_url = queue.queue_url().unwrap().to_owned();
    let settings = Settings {
        routing_key_parameter: PARAMETER.into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: Some(queue_url.clone()),
    };
    let state = State::new(&sdk, settings).unwrap();
    let mut malformed = page("trigger", "k5");
    malformed["payload"]["severity"] = json!("apocalyptic");
    let done = handler(&state, sns_event(&malformed)).await.unwrap();
    assert_eq!(
        (done.pages, done.dead_lettered),
        (0, 1),
        "handled: Lambda must not post it again"
    );
    assert_eq!(pd.events().len(), 1, "posted once");
    let messages = sqs
        .receive_message()
        .queue_url(&queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let [message] = messages.messages() else {
        panic!("one dead letter, got {messages:?}")
    };
    let record: Value = serde_json::from_str(message.body().unwrap()).unwrap();
    assert_eq!(record["status"], 400);
    assert!(
        record["reason"].as_str().unwrap().contains("payload.severity"),
        "{record}"
    );
    assert_eq!(record["page"]["dedup_key"], malformed["dedup_key"]);
    assert!(!message.body().unwrap().contains(ROUTING_KEY), "never the routing key");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_routing_key_is_read_again_when_pagerduty_refuses_the_old_one() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    handler(&state, sns_event(&page("trigger", "k6"))).await.unwrap();
    // The key is rotated: a new one in SSM, the old one revoked in PagerDuty.
    let rotated = "R0TAT3DKEY0000000000000000000000";
    aws_sdk_ssm::Client::new(&moto.sdk_config().await)
        .put_parameter()
        .name(PARAMETER)
        .value(rotated)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .unwrap();
    pd.limits(120, &[rotated]);
    let done = handler(&state, sns_event(&page("trigger", "k7"))).await.unwrap();
    assert_eq!(
        (done.pages, done.attempts),
        (1, 2),
        "refused with the old key, delivered with the new"
    );
    assert_eq!(pd.incidents().last().unwrap()["routing_key"], rotated);
    assert_eq!(moto.calls()["ssm.GetParameter"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_notifiers_pages_are_forwarded_and_posts_are_paced() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let mut forged = page("resolve", "k8");
    forged.as_object_mut().unwrap().remove("client");
    let error = handler(&state, sns_event(&forged)).await.unwrap_err();
    assert!(matches!(error, PagerError::NotAPage { .. }), "{error}");
    let mut foreign_key = page("resolve", "k8");
    foreign_key["dedup_key"] = json!("my-own-incident");
    assert!(matches!(
        handler(&state, sns_event(&foreign_key)).await.unwrap_err(),
        PagerError::NotAPage { .. }
    ));
    assert!(pd.events().is_empty(), "nothing forged reached PagerDuty");
    // At most 120 a minute per routing key: one post every half second from a sandbox.
    let started = std::time::Instant::now();
    for i in 0..5 {
        handler(&state, sns_event(&page("trigger", &format!("paced-{i}"))))
            .await
            .unwrap();
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
}

/// The loop a user lives through, every function real, AWS local:
/// evaluator → Config → (EventBridge) → notifier → SNS → SQS → pager → PagerDuty.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_role_pages_once_and_resolves_when_fixed() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let sdk = moto.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let config = aws_sdk_config::Client::new(&sdk);
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic_arn = sns
        .create_topic()
        .name("trustcheck-page")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_owned();
    let queue_url = sqs
        .create_queue()
        .queue_name("pager-feed")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:123456789012:pager-feed")
        .send()
        .await
        .unwrap();
    // The second route: PagerDuty's CloudWatch integration as an SNS HTTP(S) subscription.
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("http")
        .endpoint(format!("{}/integration/CLOUDWATCHKEY/enqueue", pd.endpoint))
        .send()
        .await
        .unwrap();

    let evaluator = evaluator::State::new(sdk.clone(), None);
    let notifier = notifier::State::new(
        &sdk,
        notifier::Settings {
            rule_name_prefix: "trustcheck".into(),
            page_topic_arn: topic_arn.clone(),
            notify_topic_arn: None,
            page_at: Severity::High,
        },
    );
    let pager = pager_state(&moto, &pd).await;

    let broken = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#;
    let fixed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
    let role = iam
        .create_role()
        .role_name("orders-consumer-role")
        .assume_role_policy_document(broken)
        .send()
        .await
        .unwrap();
    let role_id = role.role().unwrap().role_id().to_owned();

    let mut previous: Option<(String, String)> = None;
    for (policy, expect_open) in [(broken, true), (broken, true), (fixed, false)] {
        iam.update_assume_role_policy()
            .role_name("orders-consumer-role")
            .policy_document(policy)
            .send()
            .await
            .unwrap();
        let current = evaluate(&evaluator, &config, &role_id, policy).await;
        // EventBridge emits Config Rules Compliance Change only when compliance changes.
        if previous.as_ref().map(|p| &p.0) != Some(&current.0) {
            let change = compliance_change(&role_id, previous.as_ref(), &current);
            notifier::handler(&notifier, LambdaEvent::new(change, Context::default()))
                .await
                .unwrap();
            for message in drain(&sqs, &queue_url).await {
                pager::handler(&pager, envelope_event(message)).await.unwrap();
            }
        }
        previous = Some(current);
        let incidents = pd.incidents();
        let by_route = |key: &str| {
            incidents
                .iter()
                .filter(|i| i["routing_key"] == key)
                .cloned()
                .collect::<Vec<_>>()
        };
        for route in [ROUTING_KEY, "CLOUDWATCHKEY"] {
            let list = by_route(route);
            assert_eq!(list.len(), 1, "paged once on {route}: {incidents:?}");
            assert_eq!(list[0]["status"] == "triggered", expect_open, "{route}: {:?}", list[0]);
        }
    }
    let incident = &pd.incidents()[0];
    assert!(
        incident["summary"].as_str().unwrap().contains("orders-consumer-role"),
        "{incident}"
    );
}

/// Runs the evaluator on a change event for the role and reads back (compliance, annotation).
async fn evaluate(
    state: &evaluator::State,
    config: &aws_sdk_config::Client,
    role_id: &str,
    policy: &str,
) -> (String, String) {
    let encoded = percent_encode(policy);
    let text = std::fs::read_to_string(format!(
        "{}/../evaluator/tests/fixtures/change.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("{{RULE}}", "trustcheck-e2e")
    .replace("{{ROLE_ID}}", role_id)
    .replace("{{ROLE_ARN}}", "arn:aws:iam::123456789012:role/orders-consumer-role")
    .replace("{{ROLE_NAME}}", "orders-consumer-role")
    .replace("{{POLICY}}", &encoded);
    evaluator::handler(
        state,
        LambdaEvent::new(serde_json::from_str(&text).unwrap(), Context::default()),
    )
    .await
    .unwrap();
    let out = config
        .get_compliance_details_by_config_rule()
        .config_rule_name("trustcheck-e2e")
        .send()
        .await
        .unwrap();
    let result = &out.evaluation_results()[0];
    (
        result.compliance_type().unwrap().as_str().to_owned(),
        result.annotation().unwrap_or_default().to_owned(),
    )
}

fn compliance_change(role_id: &str, old: Option<&(String, String)>, new: &(String, String)) -> Value {
    let result = |(compliance, annotation): &(String, String)| json!({"complianceType": compliance, "annotation": annotation, "resultRecordedTime": "2026-11-27T06:05:02.000Z"});
    let mut detail = json!({
        "resourceId": role_id, "awsRegion": "us-east-1", "awsAccountId": "123456789012",
        "configRuleName": "trustcheck-e2e", "resourceType": "AWS::IAM::Role",
        "messageType": "ComplianceChangeNotification", "newEvaluationResult": result(new)
    });
    if let Some(old) = old {
        detail["oldEvaluationResult"] = result(old);
    }
    json!({"version": "0", "id": "e", "detail-type": "Config Rules Compliance Change", "source": "aws.config",
           "account": "123456789012", "time": "2026-11-27T06:05:03Z", "region": "us-east-1", "resources": [], "detail": detail})
}

async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Value> {
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let mut messages = Vec::new();
    for m in out.messages() {
        messages.push(serde_json::from_str(m.body().unwrap()).unwrap());
        sqs.delete_message()
            .queue_url(queue_url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    messages
}
