//! The notifier against the local AWS endpoint: SNS topics with SQS subscriptions. The evaluator's
//! notices go in; what arrives on each topic is asserted (body, subject, attributes, route).

use lambda_runtime::{Context, LambdaEvent};
use notifier::route::PageRoutes;
use notifier::{handler, NotifierError, Outcome, Settings, State};
use serde_json::{json, Value};
use trustcheck::{FindingId, Severity};
use trustcheck_aws::alerts::{Alert, Ledger, LedgerEntry, RoleRef, Route, Seen};
use trustcheck_aws::RetryPolicy;
use trustcheck_test_support::{create_alerts_table, drain, Moto};

const RULE: &str = "trustcheck-role-trust";
const ROLE_ID: &str = "AROAEXAMPLEID0000001";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/orders-consumer-role";

struct Harness {
    moto: Moto,
    state: State,
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
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(format!("arn:aws:sqs:us-east-1:123456789012:trustcheck-{name}"))
            .send()
            .await
            .unwrap();
        topics.push(topic_arn);
        queues.push(queue.queue_url().unwrap().to_owned());
    }
    let settings = Settings {
        page_topic_arn: topics[0].clone(),
        notify_topic_arn: notify_topic.then(|| topics[1].clone()),
        alerts_table: None,
        page_routes: PageRoutes::default(),
    };
    Harness {
        state: State::new(&sdk, settings),
        sqs,
        page_queue: queues[0].clone(),
        notify_queue: queues[1].clone(),
        moto,
    }
}

impl Harness {
    async fn notify(&self, notice: Value) -> Result<Outcome, NotifierError> {
        handler(&self.state, LambdaEvent::new(notice, Context::default())).await
    }

    async fn received(&self, queue_url: &str) -> Vec<Value> {
        drain(&self.sqs, queue_url).await
    }
}

fn key() -> String {
    format!("aws-config/123456789012/us-east-1/{RULE}/AWS::IAM::Role/{ROLE_ID}")
}

/// A transition notice as the evaluator sends it.
fn transition(compliance: &str, annotation: &str, findings: Value, steps: Value) -> Value {
    json!({
        "kind": "transition", "dedup_key": key(), "rule": RULE,
        "role": {"id": ROLE_ID, "name": "orders-consumer-role", "arn": ROLE_ARN, "account": "123456789012", "region": "us-east-1"},
        "evaluated_at": "2026-11-27T06:05:00.123Z", "ordering_ms": 1_795_759_500_123_i64,
        "compliance": compliance, "annotation": annotation, "findings": findings, "steps": steps
    })
}

fn public_findings() -> Value {
    json!([
        {"id": "TRUST_PUBLIC", "severity": "CRITICAL", "message": "statement 1 lets any AWS principal assume the role"},
        {"id": "CROSS_ACCOUNT_UNCONDITIONED", "severity": "MEDIUM", "message": "account 111122223333 is trusted unconditionally"}
    ])
}

fn message(envelope: &Value) -> Value {
    serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trigger_pages_with_the_finding_and_the_severity_the_evaluator_gave() {
    let h = harness(true).await;
    let notice = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1 lets any AWS principal assume the role",
        public_findings(),
        json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
    );
    let outcome = h.notify(notice).await.unwrap();
    assert_eq!(outcome.published.len(), 1);
    assert_eq!(outcome.published[0].event_action, "trigger");
    let pages = h.received(&h.page_queue).await;
    assert_eq!(pages.len(), 1);
    let envelope = &pages[0];
    assert_eq!(
        envelope["Subject"],
        "ALARM: TRUST_PUBLIC on role orders-consumer-role in 123456789012"
    );
    let attributes = &envelope["MessageAttributes"];
    assert_eq!(attributes["event_action"]["Value"], "trigger");
    assert_eq!(attributes["severity"]["Value"], "critical");
    assert_eq!(attributes["compliance_type"]["Value"], "NON_COMPLIANT");
    assert_eq!(attributes["route"]["Value"], "page");
    let body = message(envelope);
    assert_eq!(body["event_action"], "trigger");
    // The incident's key names the severity it opens at: an escalation is a new incident. (This
    // notice, like an earlier evaluator's, names no findings for the incident: see below.)
    assert_eq!(body["dedup_key"], format!("{}/critical", key()));
    assert_eq!(body["client"], pager_client());
    assert!(body.get("routing_key").is_none(), "the routing key never crosses SNS");
    assert_eq!(
        body["payload"]["summary"],
        format!("TRUST_PUBLIC on IAM role orders-consumer-role ({ROLE_ARN}) in account 123456789012: statement 1 lets any AWS principal assume the role")
    );
    assert_eq!(body["payload"]["severity"], "critical");
    assert_eq!(body["payload"]["source"], ROLE_ARN);
    let details = &body["payload"]["custom_details"];
    assert_eq!(details["ordering_ms"], 1_795_759_500_123_i64);
    assert_eq!(details["alert_key"], key(), "the ledger row the pager reads");
    assert_eq!(details["findings"][1]["severity"], "MEDIUM");
    assert!(details["console_url"].as_str().unwrap().contains(ROLE_ID));
    assert_eq!(body["AlarmName"], body["dedup_key"]);
    assert_eq!(body["NewStateValue"], "ALARM");
    assert!(h.received(&h.notify_queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_finding_pages_as_a_new_incident_about_that_finding() {
    let h = harness(true).await;
    let mut findings = public_findings();
    findings.as_array_mut().unwrap().insert(
        1,
        json!({"id": "TRUST_OIDC_UNSCOPED", "severity": "CRITICAL", "message": "statement 2 lets any identity of token.actions.githubusercontent.com assume this role"}),
    );
    let notice = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1 lets any AWS principal assume the role [also TRUST_OIDC_UNSCOPED]",
        findings,
        json!([
            // Listed resolve first: published trigger first all the same.
            {"action": "resolve", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC", "incident": 0},
            {"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC",
             "incident": 1, "new": ["TRUST_OIDC_UNSCOPED"]}
        ]),
    );
    h.notify(notice).await.unwrap();
    let pages = h.received(&h.page_queue).await;
    let bodies: Vec<Value> = pages.iter().map(message).collect();
    assert_eq!(bodies.len(), 2);
    // The trigger first, naming the incident it replaces; the resolve names its replacement (the
    // pager posts it only once PagerDuty has taken the trigger).
    let (trigger, resolve) = (&bodies[0], &bodies[1]);
    assert_eq!(
        trigger["payload"]["custom_details"]["replaces"],
        json!([format!("{}/critical", key())])
    );
    assert_eq!(
        resolve["payload"]["custom_details"]["replaced_by"],
        json!(format!("{}/critical/1", key()))
    );
    // The role's second incident is numbered: its key differs from the first's.
    assert_eq!(
        (&resolve["event_action"], &resolve["dedup_key"]),
        (&json!("resolve"), &json!(format!("{}/critical", key())))
    );
    // The role is no better: the resolve says where its incident went, not that it is fixed.
    assert_eq!(
        pages[1]["Subject"],
        "OK: role orders-consumer-role in 123456789012 continues in a new CRITICAL incident"
    );
    assert!(
        resolve["payload"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Superseded: IAM role orders-consumer-role"),
        "{resolve}"
    );
    assert_eq!(trigger["dedup_key"], format!("{}/critical/1", key()));
    // About what is new, graded by the worst the role has.
    assert_eq!(
        pages[0]["Subject"],
        "ALARM: TRUST_OIDC_UNSCOPED on role orders-consumer-role in 123456789012"
    );
    assert!(
        trigger["payload"]["summary"]
            .as_str()
            .unwrap()
            .ends_with("lets any identity of token.actions.githubusercontent.com assume this role"),
        "{trigger}"
    );
    assert_eq!(trigger["payload"]["severity"], "critical");
    let details = &trigger["payload"]["custom_details"];
    assert_eq!(details["finding"], "TRUST_OIDC_UNSCOPED");
    assert_eq!(details["new_findings"], json!(["TRUST_OIDC_UNSCOPED"]));
}

fn pager_client() -> &'static str {
    trustcheck_aws::alerts::NOTIFIER_CLIENT
}

#[tokio::test(flavor = "multi_thread")]
async fn a_de_escalation_resolves_on_the_page_route_and_notifies_the_rest() {
    let h = harness(true).await;
    let notice = transition(
        "NON_COMPLIANT",
        "CROSS_ACCOUNT_UNCONDITIONED: account 111122223333 is trusted unconditionally",
        json!([{"id": "CROSS_ACCOUNT_UNCONDITIONED", "severity": "MEDIUM", "message": "account 111122223333 is trusted unconditionally"}]),
        json!([
            {"action": "trigger", "route": "notify", "severity": "MEDIUM", "finding": "CROSS_ACCOUNT_UNCONDITIONED"},
            {"action": "resolve", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}
        ]),
    );
    let outcome = h.notify(notice).await.unwrap();
    let actions: Vec<&str> = outcome.published.iter().map(|p| p.event_action.as_str()).collect();
    assert_eq!(actions, ["trigger", "resolve"]);
    let pages = h.received(&h.page_queue).await;
    assert_eq!(pages.len(), 1);
    let resolve = message(&pages[0]);
    assert_eq!(resolve["event_action"], "resolve");
    // The key of the incident it closes, graded like the trigger that opened it.
    assert_eq!(resolve["dedup_key"], format!("{}/critical", key()));
    assert_eq!(resolve["payload"]["severity"], "critical");
    assert_eq!(resolve["NewStateValue"], "OK");
    assert!(
        resolve["payload"]["summary"]
            .as_str()
            .unwrap()
            .contains("is no longer CRITICAL: CROSS_ACCOUNT_UNCONDITIONED"),
        "{resolve}"
    );
    assert_eq!(
        pages[0]["Subject"],
        "OK: role orders-consumer-role in 123456789012 is no longer CRITICAL"
    );
    let notes = h.received(&h.notify_queue).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(message(&notes[0])["payload"]["severity"], "warning");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolve_says_what_the_role_is_now() {
    let h = harness(true).await;
    let cross_account = json!([{"id": "CROSS_ACCOUNT_UNCONDITIONED", "severity": "HIGH", "message": "account 111122223333 is trusted unconditionally"}]);
    // PAGE_AT raised from HIGH to CRITICAL: the page resolves, the role is as bad as it was.
    let moved = transition(
        "NON_COMPLIANT",
        "CROSS_ACCOUNT_UNCONDITIONED: account 111122223333 is trusted unconditionally",
        cross_account.clone(),
        json!([
            {"action": "resolve", "route": "page", "severity": "HIGH", "finding": "CROSS_ACCOUNT_UNCONDITIONED"},
            {"action": "trigger", "route": "notify", "severity": "HIGH", "finding": "CROSS_ACCOUNT_UNCONDITIONED"}
        ]),
    );
    h.notify(moved).await.unwrap();
    let pages = h.received(&h.page_queue).await;
    assert_eq!(
        pages[0]["Subject"],
        "OK: role orders-consumer-role in 123456789012 is still HIGH (sent to the notify route)"
    );
    // Raised from the notify route to the page route: the notification says where it went.
    let raised = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1 lets any AWS principal assume the role",
        public_findings(),
        json!([
            {"action": "resolve", "route": "notify", "severity": "MEDIUM", "finding": "CROSS_ACCOUNT_UNCONDITIONED"},
            {"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}
        ]),
    );
    h.notify(raised).await.unwrap();
    let notes = h.received(&h.notify_queue).await;
    let resolved = notes
        .iter()
        .find(|n| n["Subject"].as_str().unwrap().starts_with("OK:"))
        .expect("the resolve");
    assert_eq!(
        resolved["Subject"],
        "OK: role orders-consumer-role in 123456789012 is now CRITICAL (sent to the page route)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_notify_topic_lesser_alerts_go_nowhere_and_a_digest_pages_once() {
    let h = harness(false).await;
    let notice = transition(
        "NON_COMPLIANT",
        "CROSS_ACCOUNT_UNCONDITIONED: account 111122223333 is trusted unconditionally",
        json!([]),
        json!([{"action": "trigger", "route": "notify", "severity": "MEDIUM", "finding": "CROSS_ACCOUNT_UNCONDITIONED"}]),
    );
    let outcome = h.notify(notice).await.unwrap();
    assert_eq!((outcome.published.len(), outcome.unrouted), (0, 1));
    assert!(h.received(&h.page_queue).await.is_empty());

    let digest = json!({
        "kind": "digest", "dedup_key": format!("aws-config/123456789012/us-east-1/{RULE}/digest/2026-11-28T00:00:00.000Z"),
        "rule": RULE, "account": "123456789012", "region": "us-east-1",
        "evaluated_at": "2026-11-28T00:00:00.000Z", "ordering_ms": 1_795_824_000_000_i64, "count": 290,
        "roles": [{"name": "broken-007", "id": "AROA7", "arn": null, "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}],
        "by_finding": [["TRUST_PUBLIC", 288], ["LAMBDA_TRUST_MISSING", 2]]
    });
    let outcome = h.notify(digest).await.unwrap();
    assert_eq!(outcome.published.len(), 1);
    let pages = h.received(&h.page_queue).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(
        pages[0]["Subject"],
        "ALARM: 290 more IAM roles with trust findings in 123456789012"
    );
    let body = message(&pages[0]);
    assert_eq!(body["event_action"], "trigger");
    assert_eq!(body["payload"]["severity"], "critical");
    assert_eq!(body["payload"]["class"], "TRUSTCHECK_DIGEST");
    let summary = body["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("290 more IAM roles in account 123456789012"),
        "{summary}"
    );
    assert!(summary.contains("worst: TRUST_PUBLIC on broken-007"), "{summary}");
    assert!(
        summary.contains("TRUST_PUBLIC ×288, LAMBDA_TRUST_MISSING ×2"),
        "{summary}"
    );
    assert!(body["payload"]["custom_details"]["console_url"]
        .as_str()
        .unwrap()
        .contains("configRuleName=trustcheck-role-trust"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_of_lesser_alerts_never_reaches_the_pager() {
    let h = harness(true).await;
    let digest = json!({
        "kind": "digest", "route": "notify",
        "dedup_key": format!("aws-config/123456789012/us-east-1/{RULE}/digest/2026-11-28T00:00:00.000Z/notify"),
        "rule": RULE, "account": "123456789012", "region": "us-east-1",
        "evaluated_at": "2026-11-28T00:00:00.000Z", "ordering_ms": 1_795_824_000_000_i64, "count": 40,
        "roles": [{"name": "partner-7", "id": "AROA7", "arn": null, "severity": "MEDIUM", "finding": "CROSS_ACCOUNT_UNCONDITIONED"}],
        "by_finding": [["CROSS_ACCOUNT_UNCONDITIONED", 40]]
    });
    let outcome = h.notify(digest).await.unwrap();
    assert_eq!(outcome.published.len(), 1);
    assert!(h.received(&h.page_queue).await.is_empty());
    let notes = h.received(&h.notify_queue).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(message(&notes[0])["payload"]["severity"], "warning");
    assert_eq!(notes[0]["MessageAttributes"]["route"]["Value"], "notify");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_notices_and_failed_publishes_are_errors() {
    let h = harness(true).await;
    let error = h
        .notify(json!({"kind": "transition", "dedup_key": "k"}))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not a trustcheck notice"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "InvalidEvent");
    let settings = Settings {
        page_topic_arn: "arn:aws:sns:us-east-1:123456789012:no-such-topic".into(),
        notify_topic_arn: None,
        alerts_table: None,
        page_routes: PageRoutes::default(),
    };
    let broken = State::new(&h.moto.sdk_config().await, settings);
    let notice = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1",
        public_findings(),
        json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
    );
    let error = handler(&broken, LambdaEvent::new(notice, Context::default()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no-such-topic"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "PublishFailed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publish_sns_never_answers_is_tried_again_within_the_functions_timeout() {
    let h = harness(false).await;
    // The notifier's own configuration (main.rs), on the local endpoint.
    let sdk = RetryPolicy::Standard.applied_to(&h.moto.sdk_config().await);
    let settings = Settings {
        page_topic_arn: "arn:aws:sns:us-east-1:123456789012:trustcheck-page".into(),
        notify_topic_arn: None,
        alerts_table: None,
        page_routes: PageRoutes::default(),
    };
    let state = State::new(&sdk, settings);
    // The first attempt hangs 30 s, as long as the function may run (Timeout 30).
    h.moto.inject("sns.Publish", &["delay:30"]);
    let notice = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1",
        public_findings(),
        json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
    );
    let started = std::time::Instant::now();
    let outcome = handler(&state, LambdaEvent::new(notice, Context::default()))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(outcome.published.len(), 1);
    assert!(
        waited < std::time::Duration::from_secs(15),
        "a hung publish held the page {waited:?}"
    );
    assert_eq!(
        h.moto.calls()["sns.Publish"],
        2,
        "the hung attempt, then the one that went through"
    );
}

const PAGER_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:trustcheck-pager";

fn critical_trigger() -> Value {
    transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1",
        public_findings(),
        json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_topic_without_a_subscription_the_stack_made_fails_the_invocation_after_publishing() {
    let h = harness(true).await;
    let sdk = h.moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let page_topic = "arn:aws:sns:us-east-1:123456789012:trustcheck-page";
    let with_routes = |pager: bool, https: bool| {
        State::new(
            &sdk,
            Settings {
                page_topic_arn: page_topic.into(),
                notify_topic_arn: None,
                alerts_table: None,
                page_routes: PageRoutes {
                    pager_function_arn: pager.then(|| PAGER_ARN.to_owned()),
                    https_host: https.then(|| "events.pagerduty.com".to_owned()),
                },
            },
        )
    };
    async fn notify(state: &State) -> Result<Outcome, NotifierError> {
        handler(state, LambdaEvent::new(critical_trigger(), Context::default())).await
    }
    // Subscribed as the stacks do (a filter policy only keeps the local endpoint from delivering
    // to a function or URL it doesn't have; pages-filtered-out watches filter policies).
    let subscribe = |protocol: &'static str, endpoint: &'static str| {
        sns.subscribe()
            .topic_arn(page_topic)
            .protocol(protocol)
            .endpoint(endpoint)
            .attributes("FilterPolicy", r#"{"never": ["sent"]}"#)
            .send()
    };
    // The pager's subscription removed (only the test's own queue is subscribed): the page still
    // goes out, and the invocation fails so that Lambda keeps the notice.
    let pager_only = with_routes(true, false);
    let error = notify(&pager_only).await.unwrap_err();
    assert!(
        error.to_string().contains("lacks the pager function's subscription"),
        "{error}"
    );
    assert!(error.to_string().contains("dead-letter queue"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "PageRouteMissing");
    assert_eq!(h.received(&h.page_queue).await.len(), 1, "published before the check");
    // Restored: the page goes, nothing fails.
    let pager = subscribe("lambda", PAGER_ARN).await.unwrap();
    notify(&pager_only).await.unwrap();
    // An HTTPS route the stack made must be there too, and another HTTPS subscriber (a chat
    // webhook) is not PagerDuty's.
    subscribe("https", "https://hooks.example.com/services/T0/B0")
        .await
        .unwrap();
    let error = notify(&with_routes(true, true)).await.unwrap_err();
    assert!(
        error.to_string().contains("lacks the PagerDuty HTTPS subscription"),
        "{error}"
    );
    assert!(!error.to_string().contains("pager function"), "{error}");
    subscribe("https", "https://events.pagerduty.com/integration/KEY/enqueue")
        .await
        .unwrap();
    let both = with_routes(true, true);
    notify(&both).await.unwrap();
    // Found whole, the route is taken to stay so for a minute in that sandbox (a burst of pages
    // lists it once), not in a new one.
    let lists = || h.moto.calls()["sns.ListSubscriptionsByTopic"].as_u64().unwrap_or(0);
    sns.unsubscribe()
        .subscription_arn(pager.subscription_arn().unwrap())
        .send()
        .await
        .unwrap();
    let before = lists();
    notify(&both).await.unwrap();
    assert_eq!(lists(), before, "not listed again within the minute");
    let error = notify(&with_routes(true, true)).await.unwrap_err();
    assert!(
        error.to_string().contains("lacks the pager function's subscription"),
        "{error}"
    );
    // Notices alone are not pages: the page route is not asked about.
    let notice_only = transition(
        "NON_COMPLIANT",
        "CROSS_ACCOUNT_UNCONDITIONED: account 111122223333 is trusted unconditionally",
        json!([{"id": "CROSS_ACCOUNT_UNCONDITIONED", "severity": "MEDIUM", "message": "account 111122223333 is trusted unconditionally"}]),
        json!([{"action": "trigger", "route": "notify", "severity": "MEDIUM", "finding": "CROSS_ACCOUNT_UNCONDITIONED"}]),
    );
    let before = lists();
    handler(
        &with_routes(true, true),
        LambdaEvent::new(notice_only, Context::default()),
    )
    .await
    .unwrap();
    assert_eq!(lists(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_that_cannot_be_listed_fail_the_invocation_after_publishing() {
    let h = harness(false).await;
    let settings = Settings {
        page_topic_arn: "arn:aws:sns:us-east-1:123456789012:trustcheck-page".into(),
        notify_topic_arn: None,
        alerts_table: None,
        page_routes: PageRoutes {
            pager_function_arn: Some(PAGER_ARN.into()),
            https_host: None,
        },
    };
    let state = State::new(&h.moto.sdk_config().await, settings);
    h.moto
        .inject("sns.ListSubscriptionsByTopic", &["500", "500", "500", "500", "500"]);
    let error = handler(&state, LambdaEvent::new(critical_trigger(), Context::default()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("could not be listed"), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "PageRouteUnchecked");
    assert_eq!(h.received(&h.page_queue).await.len(), 1, "published before the check");
}

#[test]
fn settings_come_from_the_environment_and_are_validated() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
    };
    let ok = Settings::from_lookup(env(&[("PAGE_TOPIC_ARN", "arn:t"), ("NOTIFY_TOPIC_ARN", "")])).unwrap();
    assert_eq!(ok.page_topic_arn, "arn:t");
    assert!(ok.notify_topic_arn.is_none());
    assert!(ok.alerts_table.is_none());
    let with_ledger = Settings::from_lookup(env(&[("PAGE_TOPIC_ARN", "arn:t"), ("ALERTS_TABLE", "alerts")])).unwrap();
    assert_eq!(with_ledger.alerts_table.as_deref(), Some("alerts"));
    let err = Settings::from_lookup(env(&[])).unwrap_err();
    assert_eq!(err.to_string(), "PAGE_TOPIC_ARN is not set");
    assert_eq!(ok.page_routes, PageRoutes::default(), "no route known: none checked");
    let routes = Settings::from_lookup(env(&[
        ("PAGE_TOPIC_ARN", "arn:t"),
        ("PAGER_FUNCTION_ARN", PAGER_ARN),
        ("PAGE_ROUTE_HTTPS_HOST", "events.pagerduty.com"),
    ]))
    .unwrap();
    assert_eq!(routes.page_routes.pager_function_arn.as_deref(), Some(PAGER_ARN));
    assert_eq!(routes.page_routes.https_host.as_deref(), Some("events.pagerduty.com"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_for_a_broken_lambda_trust_leads_with_what_stops_and_lists_every_mapping() {
    let h = harness(true).await;
    let mut notice = transition(
        "NON_COMPLIANT",
        "LAMBDA_TRUST_MISSING: only edgelambda.amazonaws.com is trusted; lambda.amazonaws.com can't assume this role; stops: …",
        json!([{"id": "LAMBDA_TRUST_MISSING", "severity": "CRITICAL", "message": "only edgelambda.amazonaws.com is trusted"}]),
        json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "LAMBDA_TRUST_MISSING"}]),
    );
    let function = |name: &str| format!("arn:aws:lambda:eu-west-1:123456789012:function:{name}");
    notice["stopped"] = json!([
        {"function": function("clicks-consumer"), "uuid": "b2", "source": "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks",
         "kind": "KINESIS", "state": "Enabled", "last_result": "PROBLEM: Function call failed"},
        {"function": function("orders-consumer"), "uuid": "a1", "source": "arn:aws:sqs:eu-west-1:123456789012:orders-queue",
         "kind": "SQS", "state": "Enabled", "backlog": "1204 messages waiting"}
    ]);
    // The evaluator lists the first mappings only and counts them all.
    notice["stopped_total"] = json!(57);
    h.notify(notice).await.unwrap();
    let pages = h.received(&h.page_queue).await;
    let body = message(&pages[0]);
    let summary = body["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("clicks-consumer stopped reading Kinesis clicks (failing now): records expire after the stream's retention: permanent loss — LAMBDA_TRUST_MISSING on IAM role orders-consumer-role"),
        "{summary}"
    );
    let mappings = body["payload"]["custom_details"]["event_source_mappings"]
        .as_array()
        .unwrap();
    assert_eq!(mappings.len(), 2);
    assert_eq!(body["payload"]["custom_details"]["event_source_mappings_total"], 57);
    assert_eq!(mappings[0]["failing_now"], true);
    assert_eq!(mappings[1]["source_type"], "SQS");
    assert_eq!(mappings[1]["backlog"], "1204 messages waiting");
    assert!(mappings[1]["risk"].as_str().unwrap().starts_with("messages pile up"));
    assert_eq!(
        mappings[1]["function_console_url"],
        "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/orders-consumer?tab=configure"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_about_a_new_finding_still_leads_with_what_is_breaking() {
    let h = harness(true).await;
    // Paged for the broken Lambda trust, then made public too: the new page is about the public
    // trust, and what stops still comes first.
    let mut notice = transition(
        "NON_COMPLIANT",
        "LAMBDA_TRUST_MISSING: only edgelambda.amazonaws.com is trusted [also TRUST_PUBLIC]",
        json!([
            {"id": "LAMBDA_TRUST_MISSING", "severity": "CRITICAL", "message": "only edgelambda.amazonaws.com is trusted"},
            {"id": "TRUST_PUBLIC", "severity": "CRITICAL", "message": "statement 1 lets any AWS principal assume the role"}
        ]),
        json!([
            {"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "LAMBDA_TRUST_MISSING",
             "incident": 1, "new": ["TRUST_PUBLIC"]},
            {"action": "resolve", "route": "page", "severity": "CRITICAL", "finding": "LAMBDA_TRUST_MISSING", "incident": 0}
        ]),
    );
    notice["stopped"] = json!([
        {"function": "arn:aws:lambda:eu-west-1:123456789012:function:clicks-consumer", "uuid": "b2",
         "source": "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks", "kind": "KINESIS", "state": "Enabled"}
    ]);
    notice["stopped_total"] = json!(1);
    h.notify(notice).await.unwrap();
    let pages = h.received(&h.page_queue).await;
    let trigger = message(&pages[0]);
    let summary = trigger["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("clicks-consumer stopped reading Kinesis clicks"),
        "{summary}"
    );
    assert!(
        summary.ends_with("TRUST_PUBLIC on IAM role orders-consumer-role (arn:aws:iam::123456789012:role/orders-consumer-role) in account 123456789012: statement 1 lets any AWS principal assume the role"),
        "{summary}"
    );
}

/// The role's row as the evaluation that paged it CRITICAL (its first incident) left it.
fn paged_row() -> LedgerEntry {
    LedgerEntry {
        dedup_key: key(),
        role: RoleRef {
            id: ROLE_ID.into(),
            name: "orders-consumer-role".into(),
            arn: Some(ROLE_ARN.into()),
            account: "123456789012".into(),
            region: "us-east-1".into(),
        },
        alert: Some(Alert {
            route: Route::Page,
            severity: Severity::Critical,
            finding: Some(FindingId::TrustPublic),
            digest: false,
            findings: [(FindingId::TrustPublic, Severity::Critical)]
                .into_iter()
                .collect::<Seen>(),
            latest: Seen::default(),
            on_route: Seen::default(),
            incident: 0,
            replaced: Default::default(),
            unconfirmed: false,
        }),
        ordering_ms: 1_795_759_500_123,
        next_incident: 1,
        writes: 1,
        pending: None,
        pending_since_ms: 0,
        triggered_ms: 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_handed_to_it_by_hand_is_sent_only_when_the_ledger_agrees() {
    let mut h = harness(true).await;
    let sdk = h.moto.sdk_config().await;
    create_alerts_table(&sdk, "trustcheck-alerts").await;
    h.state = State::new(
        &sdk,
        Settings {
            alerts_table: Some("trustcheck-alerts".into()),
            ..h.state.settings.clone()
        },
    );
    let trigger = || {
        transition(
            "NON_COMPLIANT",
            "TRUST_PUBLIC: statement 1",
            public_findings(),
            json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
        )
    };
    let resolve = transition(
        "COMPLIANT",
        "No trust-policy findings",
        json!([]),
        json!([{"action": "resolve", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
    );
    // No evaluation paged the role: a trigger written by hand (which someone might acknowledge
    // ahead of the real one) is an error, retried and then dead-lettered where an alarm watches.
    let error = h.notify(trigger()).await.unwrap_err();
    assert!(matches!(error, NotifierError::NotInLedger { .. }), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "NotInLedger");
    // Nor one under a key no role's row can have (which DynamoDB would refuse to read).
    let mut keyless = trigger();
    keyless["dedup_key"] = json!("");
    let mut too_long = trigger();
    too_long["dedup_key"] = json!(format!("{}{}", key(), "A".repeat(2100)));
    for forged in [keyless, too_long] {
        let error = h.notify(forged).await.unwrap_err();
        assert!(matches!(error, NotifierError::NotInLedger { .. }), "{error}");
    }
    // The evaluation that paged it wrote its row first: its trigger goes.
    let ledger = Ledger::new(&sdk, "trustcheck-alerts");
    assert!(ledger.record(&paged_row(), None).await.unwrap().is_some());
    assert_eq!(h.notify(trigger()).await.unwrap().published.len(), 1);
    // A resolve written by hand while the row holds the incident open would close it: not sent,
    // on either route (the page topic's pager and PagerDuty's own HTTPS subscription alike).
    let held = h.notify(resolve.clone()).await.unwrap();
    assert_eq!((held.published.len(), held.superseded), (0, 1));
    let pages = h.received(&h.page_queue).await;
    let actions: Vec<Value> = pages.iter().map(|p| message(p)["event_action"].clone()).collect();
    assert_eq!(actions, [json!("trigger")]);
    // Once the role's fix is recorded, the resolve goes and a late trigger doesn't.
    let read = ledger.get(&key()).await.unwrap().map(|row| row.version());
    let fixed = LedgerEntry {
        alert: None,
        writes: 2,
        ..paged_row()
    };
    assert!(ledger.record(&fixed, read).await.unwrap().is_some());
    assert_eq!(h.notify(resolve).await.unwrap().published.len(), 1);
    let late = h.notify(trigger()).await.unwrap();
    assert_eq!((late.published.len(), late.superseded), (0, 1));
    h.received(&h.page_queue).await;
    // A late escalation of the fixed role: its trigger is not sent, and the resolve of the
    // incident it replaced goes on its own, naming no replacement for the pager to wait for.
    let late_escalation = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1",
        public_findings(),
        json!([{"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC", "incident": 1},
               {"action": "resolve", "route": "page", "severity": "HIGH", "finding": "CROSS_ACCOUNT_UNCONDITIONED"}]),
    );
    let late = h.notify(late_escalation.clone()).await.unwrap();
    assert_eq!((late.published.len(), late.superseded), (1, 1));
    let pages = h.received(&h.page_queue).await;
    let resolve = message(&pages[0]);
    assert_eq!(resolve["event_action"], "resolve");
    assert_eq!(resolve["payload"]["custom_details"]["replaced_by"], Value::Null);
    assert!(resolve["payload"]["custom_details"]
        .as_object()
        .unwrap()
        .contains_key("replaced_by"));
    // The same late escalation while a newer incident is open on the page route: that incident's
    // trigger replaces the HIGH one too, so its resolve is not sent on its own (the role would
    // have no incident while the newer trigger waits on retries).
    let read = ledger.get(&key()).await.unwrap().map(|row| row.version());
    let newer = LedgerEntry {
        alert: paged_row().alert.map(|a| Alert { incident: 2, ..a }),
        next_incident: 3,
        writes: 3,
        ..paged_row()
    };
    assert!(ledger.record(&newer, read).await.unwrap().is_some());
    let late = h.notify(late_escalation).await.unwrap();
    assert_eq!((late.published.len(), late.superseded), (0, 2));
    assert!(h.received(&h.page_queue).await.is_empty());
    let read = ledger.get(&key()).await.unwrap().map(|row| row.version());
    let fixed = LedgerEntry {
        alert: None,
        writes: 4,
        ..newer
    };
    assert!(ledger.record(&fixed, read).await.unwrap().is_some());
    // The ledger unreadable (an outage, a denied read): an escalation's trigger still goes at
    // once, its resolve waits for the retry (it might close an open incident), which the error asks.
    let blind = State::new(
        &sdk,
        Settings {
            alerts_table: Some("no-such-table".into()),
            ..h.state.settings.clone()
        },
    );
    let escalation = transition(
        "NON_COMPLIANT",
        "TRUST_PUBLIC: statement 1",
        public_findings(),
        json!([{"action": "resolve", "route": "page", "severity": "HIGH", "finding": "CROSS_ACCOUNT_UNCONDITIONED"},
               {"action": "trigger", "route": "page", "severity": "CRITICAL", "finding": "TRUST_PUBLIC"}]),
    );
    let error = handler(&blind, LambdaEvent::new(escalation, Context::default()))
        .await
        .unwrap_err();
    assert!(matches!(error, NotifierError::Ledger { .. }), "{error}");
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "LedgerUnavailable");
    let pages = h.received(&h.page_queue).await;
    let actions: Vec<Value> = pages.iter().map(|p| message(p)["event_action"].clone()).collect();
    assert_eq!(actions, [json!("trigger")]);
}
