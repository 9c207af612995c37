//! The loop a user lives through, every function real and AWS local: evaluator → alerts ledger +
//! notice → notifier → SNS → SQS → pager → PagerDuty, and PagerDuty's CloudWatch integration as an
//! HTTP subscription of the page topic. Lambda's asynchronous delivery (the notice) and SNS → Lambda
//! are played here; everything else is the functions' own code against the local endpoints.

use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use trustcheck::Severity;
use trustcheck_test_support::{create_alerts_table, drain, percent_encode, put_routing_key, FakePagerDuty, Moto};

const ROUTING_KEY: &str = "R0UT1NGKEY0000000000000000000000";
const PARAMETER: &str = "/trustcheck/pagerduty-routing-key";
const TABLE: &str = "trustcheck-alerts";

/// An SNS event carrying one envelope, as SNS invokes the pager.
fn envelope_event(envelope: Value) -> LambdaEvent<SnsEvent> {
    let event = json!({"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:trustcheck-page:sub", "Sns": envelope
    }]});
    LambdaEvent::new(serde_json::from_value(event).expect("an SNS event"), Context::default())
}

const NOTIFIER: &str = "trustcheck-notifier";
const MEDIUM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
const PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#;
const FIXED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;

struct Loop {
    moto: Moto,
    pd: FakePagerDuty,
    iam: aws_sdk_iam::Client,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    evaluator: evaluator::State,
    notifier: notifier::State,
    pager: pager::State,
}

async fn whole_loop(pages_per_sweep: usize) -> Loop {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let sdk = moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic = sns.create_topic().name("trustcheck-page").send().await.unwrap();
    let topic_arn = topic.topic_arn().unwrap().to_owned();
    let queue = sqs.create_queue().queue_name("pager-feed").send().await.unwrap();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:123456789012:pager-feed")
        .send()
        .await
        .unwrap();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("http")
        .endpoint(format!("{}/integration/CLOUDWATCHKEY/enqueue", pd.endpoint))
        .send()
        .await
        .unwrap();
    put_routing_key(&sdk, PARAMETER, ROUTING_KEY).await;
    create_alerts_table(&sdk, TABLE).await;
    let pager = pager::State::new(
        &sdk,
        pager::Settings {
            routing_key_parameter: PARAMETER.into(),
            events_url: pd.events_url(),
            dead_letter_queue_url: None,
            alerts_table: Some(TABLE.into()),
        },
    )
    .unwrap();
    let paging = evaluator::paging::PagingSettings {
        alerts_table: TABLE.into(),
        notifier_function: NOTIFIER.into(),
        page_at: Severity::High,
        pages_per_sweep,
    };
    Loop {
        evaluator: evaluator::State::new(sdk.clone(), None)
            .with_paging(evaluator::paging::Paging::new(&sdk, paging))
            .with_sweep_pacing(100, evaluator::SWEEP_RESERVE),
        notifier: notifier::State::new(
            &sdk,
            notifier::Settings {
                page_topic_arn: topic_arn,
                notify_topic_arn: None,
                alerts_table: Some(TABLE.into()),
                page_routes: Default::default(),
            },
        ),
        pager,
        iam: aws_sdk_iam::Client::new(&sdk),
        queue_url: queue.queue_url().unwrap().to_owned(),
        sqs,
        pd,
        moto,
    }
}

impl Loop {
    /// The evaluator on one event, then whatever it hands the notifier, through to PagerDuty.
    async fn run(&self, event: Value) {
        for message in self.published(event).await {
            pager::handler(&self.pager, envelope_event(message)).await.unwrap();
        }
    }

    /// The evaluator on one event, then the notifier: the pages it publishes, not yet delivered.
    async fn published(&self, event: Value) -> Vec<Value> {
        evaluator::handler(&self.evaluator, LambdaEvent::new(event, Context::default()))
            .await
            .unwrap();
        for notice in self.moto.notices(NOTIFIER) {
            notifier::handler(&self.notifier, LambdaEvent::new(notice, Context::default()))
                .await
                .unwrap();
        }
        self.moto.clear_invocations();
        drain(&self.sqs, &self.queue_url).await
    }

    /// `orders-consumer-role` created with `policy`: its id.
    async fn create_role(&self, policy: &str) -> String {
        let role = (self.iam.create_role())
            .role_name("orders-consumer-role")
            .assume_role_policy_document(policy)
            .send()
            .await
            .unwrap();
        role.role().unwrap().role_id().to_owned()
    }

    fn incidents_on(&self, routing_key: &str) -> Vec<Value> {
        self.pd
            .incidents()
            .into_iter()
            .filter(|i| i["routing_key"] == routing_key)
            .collect()
    }
}

fn change_event(role_id: &str, policy: &str, capture_time: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/../../functions/evaluator/tests/fixtures/change.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("{{RULE}}", "trustcheck-e2e")
    .replace("{{ROLE_ID}}", role_id)
    .replace("{{ROLE_ARN}}", "arn:aws:iam::123456789012:role/orders-consumer-role")
    .replace("{{ROLE_NAME}}", "orders-consumer-role")
    .replace("{{POLICY}}", &percent_encode(policy))
    .replace("2026-11-27T06:05:00.123Z", capture_time);
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_that_escalates_pages_once_and_resolves_when_fixed() {
    let l = whole_loop(20).await;
    let role_id = l.create_role(MEDIUM).await;
    let steps = [
        // NON_COMPLIANT for a MEDIUM finding: below PAGE_AT, no notify topic: no page.
        (MEDIUM, "2026-11-27T06:00:00.000Z", None),
        // Still NON_COMPLIANT, now anyone can assume it: paged.
        (PUBLIC, "2026-11-27T06:10:00.000Z", Some("triggered")),
        // The same evaluation delivered again: still one incident.
        (PUBLIC, "2026-11-27T06:10:00.000Z", Some("triggered")),
        (FIXED, "2026-11-27T06:20:00.000Z", Some("resolved")),
    ];
    for (policy, time, expected) in steps {
        l.run(change_event(&role_id, policy, time)).await;
        for route in [ROUTING_KEY, "CLOUDWATCHKEY"] {
            let incidents = l.incidents_on(route);
            match expected {
                None => assert!(incidents.is_empty(), "{route} at {time}: {incidents:?}"),
                Some(status) => {
                    assert_eq!(incidents.len(), 1, "paged once on {route} at {time}: {incidents:?}");
                    assert_eq!(incidents[0]["status"], status, "{route} at {time}");
                }
            }
        }
    }
    let incident = &l.incidents_on(ROUTING_KEY)[0];
    let summary = incident["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("TRUST_PUBLIC on IAM role orders-consumer-role"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_broken_roles_pages_within_budget_and_rate() {
    let budget = 10;
    let l = whole_loop(budget).await;
    // The fake answers 429 beyond this many events a minute: exactly the budget's pages and the
    // digest. A sweep that paged past its budget, or sent a page twice, would be throttled.
    l.pd.limits(budget as u32 + 1, &[ROUTING_KEY, "CLOUDWATCHKEY"]);
    for i in 0..300 {
        l.iam
            .create_role()
            .role_name(format!("broken-{i:03}"))
            .assume_role_policy_document(PUBLIC)
            .send()
            .await
            .unwrap();
    }
    let sweep = std::fs::read_to_string(format!(
        "{}/../../functions/evaluator/tests/fixtures/scheduled.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("{{RULE}}", "trustcheck-e2e");
    l.run(serde_json::from_str(&sweep).unwrap()).await;
    let events: Vec<Value> =
        l.pd.events()
            .into_iter()
            .filter(|e| e["route"] == "events-v2")
            .collect();
    assert_eq!(
        events.len(),
        budget + 1,
        "the budget's pages and one digest: {events:?}"
    );
    assert!(
        events.iter().all(|e| e["result"] != "throttled"),
        "nothing beyond the budget reached PagerDuty: {events:?}"
    );
    let incidents = l.incidents_on(ROUTING_KEY);
    let digest: Vec<&Value> = incidents
        .iter()
        .filter(|i| i["dedup_key"].as_str().unwrap_or_default().contains("/digest/"))
        .collect();
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0]["summary"].as_str().unwrap().starts_with("290 more IAM roles"),
        "{}",
        digest[0]
    );
}

/// `PUBLIC`, and any GitHub repository too: a new CRITICAL finding, so a new incident.
const PUBLIC_AND_OIDC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_new_incident_whose_trigger_pagerduty_fails_never_leaves_the_role_without_one() {
    let l = whole_loop(20).await;
    let role_id = l.create_role(PUBLIC).await;
    l.run(change_event(&role_id, PUBLIC, "2026-11-27T06:00:00.000Z")).await;
    let first = l.incidents_on(ROUTING_KEY);
    assert_eq!(first.len(), 1, "{first:?}");
    let first_key = first[0]["dedup_key"].clone();
    // Made open to every GitHub repository too: a new incident replaces the first. PagerDuty
    // answers 5xx to its trigger (Lambda retries it minutes later) while SNS hands the pager the
    // first incident's resolve.
    let messages = (l.published(change_event(&role_id, PUBLIC_AND_OIDC, "2026-11-27T06:10:00.000Z"))).await;
    assert_eq!(messages.len(), 2, "a trigger and a resolve: {messages:?}");
    l.pd.script(&[500, 502, 503]);
    let mut failed = Vec::new();
    for message in messages {
        if pager::handler(&l.pager, envelope_event(message.clone())).await.is_err() {
            failed.push(message);
        }
    }
    assert_eq!(failed.len(), 1, "the trigger failed");
    let open: Vec<Value> = l
        .incidents_on(ROUTING_KEY)
        .into_iter()
        .filter(|i| i["status"] == "triggered")
        .collect();
    assert_eq!(open.len(), 1, "the first incident stays open meanwhile: {open:?}");
    assert_eq!(open[0]["dedup_key"], first_key);
    // Lambda's retry: the new incident opens, and only then the first closes.
    pager::handler(&l.pager, envelope_event(failed.remove(0)))
        .await
        .unwrap();
    let incidents = l.incidents_on(ROUTING_KEY);
    let open: Vec<&Value> = incidents.iter().filter(|i| i["status"] == "triggered").collect();
    assert_eq!(open.len(), 1, "{incidents:?}");
    assert_ne!(open[0]["dedup_key"], first_key);
    assert!(
        open[0]["summary"].as_str().unwrap().starts_with("TRUST_OIDC_UNSCOPED"),
        "{}",
        open[0]
    );
}

/// `PUBLIC_AND_OIDC` with Lambda's statement kept to another account: a new HIGH finding.
const BLOCKED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}},{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
/// `BLOCKED` and a Deny of Lambda: one more.
const BLOCKED_AND_DENIED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}},{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"},{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn escalations_faster_than_the_pager_leave_one_incident_open_and_the_fix_none() {
    let l = whole_loop(20).await;
    let role_id = l.create_role(PUBLIC).await;
    l.run(change_event(&role_id, PUBLIC, "2026-11-27T06:00:00.000Z")).await;
    // Three escalations, each a new finding, evaluated before the pager reads any of their pages
    // (SNS late, the pager's invocations throttled): each trigger replaces every incident before it.
    let mut queued = Vec::new();
    let escalations = [
        (PUBLIC_AND_OIDC, "2026-11-27T06:10:00.000Z"),
        (BLOCKED, "2026-11-27T06:11:00.000Z"),
        (BLOCKED_AND_DENIED, "2026-11-27T06:12:00.000Z"),
    ];
    for (policy, time) in escalations {
        queued.extend(l.published(change_event(&role_id, policy, time)).await);
    }
    for message in queued {
        pager::handler(&l.pager, envelope_event(message)).await.unwrap();
    }
    let incidents = l.incidents_on(ROUTING_KEY);
    let open: Vec<&Value> = incidents.iter().filter(|i| i["status"] == "triggered").collect();
    assert_eq!(open.len(), 1, "only the newest incident is open: {incidents:#?}");
    assert!(
        open[0]["summary"].as_str().unwrap().starts_with("LAMBDA_TRUST_DENIED"),
        "the last escalation's: {}",
        open[0]
    );
    assert_eq!(
        incidents.len(),
        2,
        "the superseded triggers opened none: {incidents:#?}"
    );
    // Fixed: nothing of the role stays open.
    l.run(change_event(&role_id, FIXED, "2026-11-27T06:20:00.000Z")).await;
    let incidents = l.incidents_on(ROUTING_KEY);
    assert!(incidents.iter().all(|i| i["status"] == "resolved"), "{incidents:#?}");
}
