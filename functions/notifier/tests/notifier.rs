//! The notifier against the local AWS endpoint: SNS topics with SQS subscriptions; what arrives
//! is asserted (body, subject, attributes, routing by severity), for every transition.

use lambda_runtime::{Context, LambdaEvent};
use notifier::{handler, NotifierError, Outcome, Settings, State};
use serde_json::Value;
use trustcheck::Severity;
use trustcheck_test_support::Moto;

const RULE: &str = "trustcheck-role-trust";

struct Harness {
    _moto: Moto,
    state: State,
    iam: aws_sdk_iam::Client,
    sqs: aws_sdk_sqs::Client,
    page_queue: String,
    notify_queue: String,
}

async fn harness(notify_topic: bool) -> Harness {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let mut topics = Vec::new();
    let mut queues = Vec::new();
    for name in ["page", "notify"] {
        let topic = sns
            .create_topic()
            .name(format!("trustcheck-{name}"))
            .send()
            .await
            .unwrap();
        let topic_arn = topic.topic_arn().unwrap().to_owned();
        let queue = sqs
            .create_queue()
            .queue_name(format!("trustcheck-{name}"))
            .send()
            .await
            .unwrap();
        let queue_url = queue.queue_url().unwrap().to_owned();
        let queue_arn = format!("arn:aws:sqs:us-east-1:123456789012:trustcheck-{name}");
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .unwrap();
        topics.push(topic_arn);
        queues.push(queue_url);
    }
    let settings = Settings {
        rule_name_prefix: "trustcheck-".into(),
        page_topic_arn: topics[0].clone(),
        notify_topic_arn: notify_topic.then(|| topics[1].clone()),
        page_at: Severity::High,
    };
    Harness {
        state: State::new(&sdk, settings),
        iam: aws_sdk_iam::Client::new(&sdk),
        sqs,
        page_queue: queues[0].clone(),
        notify_queue: queues[1].clone(),
        _moto: moto,
    }
}

impl Harness {
    async fn role(&self, name: &str) -> (String, String) {
        let out = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
            .send()
            .await
            .unwrap();
        let role = out.role().unwrap();
        (role.role_id().to_owned(), role.arn().to_owned())
    }

    async fn invoke(&self, fixture: &str, role_id: &str) -> Result<Outcome, NotifierError> {
        let text = std::fs::read_to_string(format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .replace("{{RULE}}", RULE)
            .replace("{{ROLE_ID}}", role_id);
        let event: Value = serde_json::from_str(&text).unwrap();
        handler(&self.state, LambdaEvent::new(event, Context::default())).await
    }

    /// The SNS envelopes waiting in a queue.
    async fn received(&self, queue_url: &str) -> Vec<Value> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        out.messages()
            .iter()
            .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
            .collect()
    }
}

fn message(envelope: &Value) -> Value {
    serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn non_compliant_triggers_a_page_that_names_the_role() {
    let h = harness(true).await;
    let (role_id, role_arn) = h.role("orders-consumer-role").await;
    let outcome = h.invoke("trigger.json", &role_id).await.unwrap();
    assert!(matches!(outcome, Outcome::Published { ref event_action, .. } if event_action == "trigger"));
    let pages = h.received(&h.page_queue).await;
    assert_eq!(pages.len(), 1);
    let envelope = &pages[0];
    let subject = envelope["Subject"].as_str().unwrap();
    assert_eq!(
        subject,
        "ALARM: TRUST_PUBLIC on role orders-consumer-role in 123456789012"
    );
    assert!(subject.len() < 100);
    let attributes = &envelope["MessageAttributes"];
    assert_eq!(attributes["event_action"]["Value"], "trigger");
    assert_eq!(attributes["severity"]["Value"], "critical");
    assert_eq!(attributes["compliance_type"]["Value"], "NON_COMPLIANT");
    assert_eq!(attributes["account"]["Value"], "123456789012");
    let body = message(envelope);
    let key = format!("aws-config/123456789012/us-east-1/{RULE}/AWS::IAM::Role/{role_id}");
    assert_eq!(body["event_action"], "trigger");
    assert_eq!(body["dedup_key"], key);
    assert!(body.get("routing_key").is_none(), "the routing key never crosses SNS");
    let summary = body["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!(
            "TRUST_PUBLIC on IAM role orders-consumer-role ({role_arn}) in account 123456789012: statement 1"
        )),
        "{summary}"
    );
    assert_eq!(body["payload"]["severity"], "critical");
    assert_eq!(body["payload"]["source"], role_arn);
    assert_eq!(body["payload"]["custom_details"]["old_compliance"], Value::Null);
    assert_eq!(body["payload"]["custom_details"]["new_compliance"], "NON_COMPLIANT");
    assert!(body["payload"]["custom_details"]["console_url"]
        .as_str()
        .unwrap()
        .contains(&role_id));
    assert_eq!(body["AlarmName"], key);
    assert_eq!(body["NewStateValue"], "ALARM");
    assert!(h.received(&h.notify_queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn fixed_and_deleted_roles_resolve_with_the_same_key_on_the_same_topic() {
    let h = harness(true).await;
    let (role_id, _) = h.role("fixed-role").await;
    for fixture in ["resolve.json", "deleted.json"] {
        let outcome = h.invoke(fixture, &role_id).await.unwrap();
        assert!(
            matches!(outcome, Outcome::Published { ref event_action, .. } if event_action == "resolve"),
            "{fixture}"
        );
        let pages = h.received(&h.page_queue).await;
        assert_eq!(pages.len(), 1, "{fixture}");
        let body = message(&pages[0]);
        assert_eq!(body["event_action"], "resolve");
        assert_eq!(
            body["dedup_key"],
            format!("aws-config/123456789012/us-east-1/{RULE}/AWS::IAM::Role/{role_id}")
        );
        assert_eq!(body["NewStateValue"], "OK");
        assert!(pages[0]["Subject"]
            .as_str()
            .unwrap()
            .starts_with("OK: role fixed-role in 123456789012 is "));
        // Graded like the trigger it closes, so it goes where the trigger went.
        assert_eq!(pages[0]["MessageAttributes"]["severity"]["Value"], "critical");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_that_need_no_page_send_nothing() {
    let h = harness(false).await;
    let (role_id, _) = h.role("quiet-role").await;
    for fixture in ["compliant-again.json", "first-compliant.json", "low-trigger.json"] {
        let outcome = h.invoke(fixture, &role_id).await.unwrap();
        assert!(
            matches!(outcome, Outcome::NothingToSend { .. }),
            "{fixture}: {outcome:?}"
        );
    }
    let outcome = h.invoke("other-rule.json", &role_id).await.unwrap();
    assert!(matches!(outcome, Outcome::Ignored { ref reason } if reason.contains("s3-bucket-public-read-prohibited")));
    assert!(h.received(&h.page_queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn lower_severities_go_to_the_second_topic() {
    let h = harness(true).await;
    let (role_id, _) = h.role("hardening-role").await;
    h.invoke("low-trigger.json", &role_id).await.unwrap();
    let notes = h.received(&h.notify_queue).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(message(&notes[0])["payload"]["severity"], "info");
    assert!(h.received(&h.page_queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_events_and_failed_publishes_are_errors() {
    let h = harness(true).await;
    let (role_id, _) = h.role("any-role").await;
    let error = h.invoke("malformed.json", &role_id).await.unwrap_err();
    assert!(error.to_string().contains("newEvaluationResult"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "InvalidEvent");
    let mut settings = h.state.settings.clone();
    settings.page_topic_arn = "arn:aws:sns:us-east-1:123456789012:no-such-topic".into();
    let sdk = h._moto.sdk_config().await;
    let broken = State::new(&sdk, settings);
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/trigger.json", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .replace("{{RULE}}", RULE)
        .replace("{{ROLE_ID}}", &role_id);
    let error = handler(
        &broken,
        LambdaEvent::new(serde_json::from_str(&text).unwrap(), Context::default()),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("no-such-topic"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "PublishFailed");
}

#[test]
fn settings_come_from_the_environment_and_are_validated() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
    };
    let ok = Settings::from_lookup(env(&[("RULE_NAME_PREFIX", "trustcheck"), ("PAGE_TOPIC_ARN", "arn:t")])).unwrap();
    assert_eq!(ok.page_at, Severity::High);
    assert!(ok.notify_topic_arn.is_none());
    let err = Settings::from_lookup(env(&[("RULE_NAME_PREFIX", "trustcheck")])).unwrap_err();
    assert_eq!(err.to_string(), "PAGE_TOPIC_ARN is not set");
    let err = Settings::from_lookup(env(&[
        ("RULE_NAME_PREFIX", "t"),
        ("PAGE_TOPIC_ARN", "a"),
        ("PAGE_AT", "LOUD"),
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("LOUD"));
}
