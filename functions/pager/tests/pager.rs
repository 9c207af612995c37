//! The pager against a fake PagerDuty on loopback (tests/fake_pagerduty.py, which applies
//! PagerDuty's dedup rules and rate limit) and SSM and the alerts ledger in the local AWS
//! endpoint. The whole loop through every function is `tests/loop`.

use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::{Context, LambdaEvent};
use pager::{handler, PagerError, Settings, State};
use serde_json::{json, Value};
use trustcheck::{FindingId, Severity};
use trustcheck_aws::alerts::{Alert, Ledger, LedgerEntry, Replaced, RoleRef, Route, Seen};
use trustcheck_test_support::{create_alerts_table, put_routing_key, FakePagerDuty, Moto};

const ROUTING_KEY: &str = "R0UT1NGKEY0000000000000000000000";
const PARAMETER: &str = "/trustcheck/pagerduty-routing-key";
const TABLE: &str = "trustcheck-alerts";

/// The pager with the alerts ledger, as deployed: it posts a page only when the role's row agrees.
async fn pager_state(moto: &Moto, pd: &FakePagerDuty) -> State {
    let sdk = moto.sdk_config().await;
    put_routing_key(&sdk, PARAMETER, ROUTING_KEY).await;
    create_alerts_table(&sdk, TABLE).await;
    let settings = Settings {
        routing_key_parameter: PARAMETER.into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: None,
        alerts_table: Some(TABLE.into()),
    };
    State::new(&sdk, settings).unwrap()
}

/// The pager without a ledger: for what PagerDuty's side does with the pages it posts.
async fn delivery_state(moto: &Moto, pd: &FakePagerDuty) -> State {
    let sdk = moto.sdk_config().await;
    put_routing_key(&sdk, PARAMETER, ROUTING_KEY).await;
    let settings = Settings {
        routing_key_parameter: PARAMETER.into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: None,
        alerts_table: None,
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

/// A CRITICAL page as the notifier writes it, for the evaluation at `ordering_ms`.
fn page_at(action: &str, key: &str, ordering_ms: i64) -> Value {
    page_graded(action, key, ordering_ms, "CRITICAL")
}

/// A page of an incident opened at `severity`: its key names it, its details name the ledger row.
fn page_graded(action: &str, key: &str, ordering_ms: i64, severity: &str) -> Value {
    let incident = incident_key(key, severity);
    json!({"event_action": action, "dedup_key": incident, "client": pager::NOTIFIER_CLIENT,
           "payload": {"summary": "TRUST_PUBLIC on IAM role r", "severity": "critical", "source": "arn:aws:iam::123456789012:role/r",
                       "custom_details": {"ordering_ms": ordering_ms, "severity": severity, "alert_key": page_key(key)}},
           "AlarmName": incident, "NewStateValue": if action == "trigger" { "ALARM" } else { "OK" }})
}

/// The key of the role's first incident, opened at `severity`.
fn incident_key(key: &str, severity: &str) -> String {
    let severity = Severity::parse(severity).expect("a severity");
    trustcheck_aws::alerts::incident_key(&page_key(key), severity, 0)
}

fn public() -> Seen {
    [(FindingId::TrustPublic, Severity::Critical)].into_iter().collect()
}

fn page(action: &str, key: &str) -> Value {
    page_at(action, key, 1_000)
}

fn page_key(key: &str) -> String {
    format!("aws-config/123456789012/us-east-1/trustcheck/AWS::IAM::Role/{key}")
}

/// `event` as invoked with `left` until the function's timeout.
fn with_time_left(mut event: LambdaEvent<SnsEvent>, left: std::time::Duration) -> LambdaEvent<SnsEvent> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    event.context.deadline = u64::try_from((now + left).as_millis()).unwrap();
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limit_is_waited_out_while_the_invocation_has_time() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = delivery_state(&moto, &pd)
        .await
        .with_rate_limit_backoff(std::time::Duration::from_millis(20));
    // Two 429s, then PagerDuty takes it: posted in this invocation, after pauses of 20 and 40 ms.
    pd.script(&[429, 429]);
    let event = with_time_left(sns_event(&page("trigger", "k1")), std::time::Duration::from_secs(60));
    let delivered = handler(&state, event).await.unwrap();
    assert_eq!((delivered.pages, delivered.attempts), (1, 3));
    assert_eq!(pd.incidents().len(), 1);
    // A 429 waited out doesn't use up the attempts a 5xx gets: two of those after it still
    // leave a third.
    pd.script(&[429, 500, 500]);
    let event = with_time_left(sns_event(&page("trigger", "k3")), std::time::Duration::from_secs(60));
    let delivered = handler(&state, event).await.unwrap();
    assert_eq!((delivered.pages, delivered.attempts), (1, 4));
    // An outage outlasting a few quick attempts is waited out too, while the invocation has the
    // time (without a deadline, after three attempts: below): the fifth post gets through.
    pd.script(&[500, 503, 502, 500]);
    let event = with_time_left(sns_event(&page("trigger", "k5")), std::time::Duration::from_secs(60));
    let delivered = handler(&state, event).await.unwrap();
    assert_eq!((delivered.pages, delivered.attempts), (1, 5));
    // Without the time for a pause and one more post, the 429 goes back to Lambda's retries.
    pd.script(&[429]);
    let event = with_time_left(sns_event(&page("trigger", "k2")), std::time::Duration::from_secs(10));
    let throttled = handler(&state, event).await.unwrap_err();
    assert!(matches!(throttled, PagerError::RateLimited { .. }), "{throttled}");
    // So does a 5xx: its retry after a wait, one post (up to 10 s) and the reserve wouldn't fit
    // in 20 s, and the invocation would time out in the middle of it.
    pd.script(&[500]);
    let event = with_time_left(sns_event(&page("trigger", "k4")), std::time::Duration::from_secs(20));
    let unavailable = handler(&state, event).await.unwrap_err();
    assert!(
        matches!(unavailable, PagerError::Unavailable { attempts: 1, .. }),
        "{unavailable}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dedup_rules_retries_and_a_cached_routing_key() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = delivery_state(&moto, &pd).await;
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
        "the routing key is read once a minute"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_page_is_not_retried_and_an_unavailable_one_fails_the_invocation() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = delivery_state(&moto, &pd).await;
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
    // A request timeout or a "too early" on the way says nothing of the page: posted again.
    pd.script(&[408, 425]);
    let delivered = handler(&state, sns_event(&page("trigger", "k4"))).await.unwrap();
    assert_eq!((delivered.pages, delivered.attempts), (1, 3));
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
        alerts_table: None,
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
async fn a_routing_key_is_trimmed_and_one_of_another_length_is_a_clear_error() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let sdk = moto.sdk_config().await;
    let settings = || Settings {
        routing_key_parameter: "/keys/pd".into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: None,
        alerts_table: None,
    };
    // Stored from a file: with its newline. Posted without it.
    put_routing_key(&sdk, "/keys/pd", &format!("{ROUTING_KEY}\n")).await;
    let state = State::new(&sdk, settings()).unwrap();
    handler(&state, sns_event(&page("trigger", "k-trim"))).await.unwrap();
    assert_eq!(pd.incidents().last().unwrap()["routing_key"], ROUTING_KEY);
    // A service id or a URL where the key belongs: refused before any post, naming the parameter.
    put_routing_key(&sdk, "/keys/pd", "PABC123").await;
    let state = State::new(&sdk, settings()).unwrap();
    let error = handler(&state, sns_event(&page("trigger", "k-short")))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("can't read the routing key from SSM parameter /keys/pd")
            && error
                .to_string()
                .contains("(7 characters; one has 32 letters and digits)"),
        "{error}"
    );
    assert!(!error.to_string().contains("PABC123"), "never the value");
    // 32 characters, but pasted with a quote: refused too, not posted to have every page refused.
    let quoted = format!("'{}", &ROUTING_KEY[1..]);
    put_routing_key(&sdk, "/keys/pd", &quoted).await;
    let state = State::new(&sdk, settings()).unwrap();
    let error = handler(&state, sns_event(&page("trigger", "k-quoted")))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("one has 32 letters and digits"), "{error}");
    assert_eq!(pd.incidents().len(), 1, "nothing more posted");
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
        alerts_table: None,
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
    let state = delivery_state(&moto, &pd).await;
    handler(&state, sns_event(&page("trigger", "k6"))).await.unwrap();
    // The key is rotated: a new one in SSM, the old one revoked in PagerDuty.
    let rotated = "R0TAT3DKEY0000000000000000000000";
    put_routing_key(&moto.sdk_config().await, PARAMETER, rotated).await;
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

/// A key rotated while the old integration still takes events reaches the next page once the
/// kept key's minute is over (here at once): a warm sandbox sent every page to the old service
/// for hours, and their resolves, sent with the new key, never reached them.
#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_routing_key_is_read_again_though_the_old_one_still_works() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = delivery_state(&moto, &pd)
        .await
        .with_routing_key_kept(std::time::Duration::ZERO);
    handler(&state, sns_event(&page("trigger", "k9"))).await.unwrap();
    let rotated = "R0TAT3DKEY1111111111111111111111";
    put_routing_key(&moto.sdk_config().await, PARAMETER, rotated).await;
    let done = handler(&state, sns_event(&page("trigger", "k10"))).await.unwrap();
    assert_eq!(
        (done.pages, done.attempts),
        (1, 1),
        "delivered with the new key at once"
    );
    assert_eq!(pd.incidents().last().unwrap()["routing_key"], rotated);
    // SSM can't be read (throttled, down): the key read before still takes the page.
    moto.inject("ssm.GetParameter", &["500"; 20]);
    let done = handler(&state, sns_event(&page("trigger", "k11"))).await.unwrap();
    moto.clear_faults();
    assert_eq!(done.pages, 1);
    assert_eq!(pd.incidents().last().unwrap()["routing_key"], rotated);
    // SSM hangs: the read gives up within the pager's own timeout, and the key in hand takes the
    // page long before Lambda's timeout would have ended the invocation.
    moto.inject("ssm.GetParameter", &["delay:30"; 4]);
    let started = std::time::Instant::now();
    let done = handler(&state, sns_event(&page("trigger", "k12"))).await.unwrap();
    let waited = started.elapsed();
    moto.clear_faults();
    assert_eq!(done.pages, 1);
    assert_eq!(pd.incidents().last().unwrap()["routing_key"], rotated);
    assert!(
        waited < std::time::Duration::from_secs(15),
        "a hung SSM held the page {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_notifiers_pages_are_forwarded_and_posts_are_paced() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = delivery_state(&moto, &pd).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_page_is_posted_when_the_newer_word_left_its_route_as_it_was() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    let role = |id: &str| RoleRef {
        id: id.into(),
        name: "r".into(),
        arn: None,
        account: "123456789012".into(),
        region: "us-east-1".into(),
    };
    let paging = |severity| {
        Some(Alert {
            route: Route::Page,
            severity,
            finding: Some(trustcheck::FindingId::TrustPublic),
            digest: false,
            findings: public(),
            latest: Seen::default(),
            on_route: Seen::default(),
            incident: 0,
            replaced: Default::default(),
            unconfirmed: false,
        })
    };
    // The trigger that opened the incident met a 429 and is retried (as part of the evaluation
    // at 1,000) after the evaluation at 2,000 kept that incident open (a lower finding sends no
    // page of its own): without the retried trigger there would be no incident at all.
    let opened = LedgerEntry {
        dedup_key: page_key("lost-trigger"),
        role: role("lost-trigger"),
        alert: paging(Severity::Critical),
        ordering_ms: 2_000,
        next_incident: 1,
        writes: 0,
        pending: None,
        pending_since_ms: 0,
        triggered_ms: 0,
    };
    put_row(&ledger, &opened).await;
    let retried = handler(&state, sns_event(&page_at("trigger", "lost-trigger", 1_000)))
        .await
        .unwrap();
    assert_eq!((retried.pages, retried.superseded), (1, 0));
    // The resolve of the evaluation at 1,000 (CRITICAL fell to MEDIUM: the page route resolves,
    // the notify route opens) is retried after a later evaluation on the notify route: the page
    // route still has nothing open, so the resolve must still close the incident.
    let paged = LedgerEntry {
        dedup_key: page_key("lost-resolve"),
        role: role("lost-resolve"),
        ordering_ms: 500,
        ..opened.clone()
    };
    put_row(&ledger, &paged).await;
    handler(&state, sns_event(&page_at("trigger", "lost-resolve", 500)))
        .await
        .unwrap();
    let moved = LedgerEntry {
        dedup_key: page_key("lost-resolve"),
        role: role("lost-resolve"),
        alert: Some(Alert {
            route: Route::Notify,
            severity: Severity::Medium,
            finding: Some(trustcheck::FindingId::CrossAccountUnconditioned),
            digest: false,
            findings: [(FindingId::CrossAccountUnconditioned, Severity::Medium)]
                .into_iter()
                .collect(),
            latest: Seen::default(),
            on_route: Seen::default(),
            incident: 0,
            replaced: Default::default(),
            unconfirmed: false,
        }),
        ordering_ms: 2_000,
        next_incident: 1,
        writes: 0,
        pending: None,
        pending_since_ms: 0,
        triggered_ms: 0,
    };
    put_row(&ledger, &moved).await;
    let resolved = handler(&state, sns_event(&page_at("resolve", "lost-resolve", 1_000)))
        .await
        .unwrap();
    assert_eq!((resolved.pages, resolved.superseded), (1, 0));
    let incidents = pd.incidents();
    let status = |key: &str| {
        incidents
            .iter()
            .find(|i| i["dedup_key"] == incident_key(key, "CRITICAL"))
            .map(|i| i["status"].clone())
    };
    assert_eq!(status("lost-trigger"), Some(Value::from("triggered")));
    assert_eq!(status("lost-resolve"), Some(Value::from("resolved")));
    // A trigger of an incident a newer evaluation escalated into another (HIGH resolved,
    // CRITICAL opened) is dropped: posted late, it would open an incident nothing resolves.
    let escalated = LedgerEntry {
        ordering_ms: 2_200,
        ..opened.clone()
    };
    put_row(&ledger, &escalated).await;
    let stale = handler(
        &state,
        sns_event(&page_graded("trigger", "lost-trigger", 1_500, "HIGH")),
    )
    .await
    .unwrap();
    assert_eq!((stale.pages, stale.superseded), (0, 1));
    // A resolve of that older incident still goes: it closes that one, never the CRITICAL one.
    let closed = handler(
        &state,
        sns_event(&page_graded("resolve", "lost-trigger", 1_500, "HIGH")),
    )
    .await
    .unwrap();
    assert_eq!((closed.pages, closed.superseded), (1, 0));
    let critical_open = pd
        .incidents()
        .iter()
        .any(|i| i["dedup_key"] == incident_key("lost-trigger", "CRITICAL") && i["status"] == "triggered");
    assert!(critical_open, "{:?}", pd.incidents());
    // A newer evaluation found the role also breaks Lambda: a new CRITICAL incident, the
    // role's second. The old incident's retried trigger is dropped, its resolve still goes.
    let both: Seen = [
        (FindingId::TrustPublic, Severity::Critical),
        (FindingId::LambdaTrustMissing, Severity::Critical),
    ]
    .into_iter()
    .collect();
    let widened = LedgerEntry {
        alert: paging(Severity::Critical).map(|a| Alert {
            findings: both,
            incident: 1,
            ..a
        }),
        ordering_ms: 2_400,
        ..opened.clone()
    };
    put_row(&ledger, &widened).await;
    let stale = handler(&state, sns_event(&page_at("trigger", "lost-trigger", 2_300)))
        .await
        .unwrap();
    assert_eq!((stale.pages, stale.superseded), (0, 1));
    let closed = handler(&state, sns_event(&page_at("resolve", "lost-trigger", 2_300)))
        .await
        .unwrap();
    assert_eq!((closed.pages, closed.superseded), (1, 0));
    // The new incident's own trigger, retried, still goes.
    let new_incident = trustcheck_aws::alerts::incident_key(&page_key("lost-trigger"), Severity::Critical, 1);
    let mut retried_new = page_at("trigger", "lost-trigger", 2_400);
    retried_new["dedup_key"] = Value::from(new_incident.clone());
    let posted = handler(&state, sns_event(&retried_new)).await.unwrap();
    assert_eq!((posted.pages, posted.superseded), (1, 0));
    let status_of = |key: &str| {
        pd.incidents()
            .iter()
            .find(|i| i["dedup_key"] == key)
            .map(|i| i["status"].clone())
    };
    assert_eq!(status_of(&new_incident), Some(Value::from("triggered")));
    assert_eq!(
        status_of(&incident_key("lost-trigger", "CRITICAL")),
        Some(Value::from("resolved"))
    );
    // A trigger whose role a newer evaluation fixed is still dropped.
    let fixed = LedgerEntry {
        alert: None,
        ordering_ms: 3_000,
        ..opened
    };
    put_row(&ledger, &fixed).await;
    let stale = handler(&state, sns_event(&page_at("trigger", "lost-trigger", 2_500)))
        .await
        .unwrap();
    assert_eq!((stale.pages, stale.superseded), (0, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_resolve_never_closes_the_incident_a_newer_trigger_opened() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    // The evaluation at 2,000 opened the page; the evaluator recorded it.
    let entry = paged_at_2000("late", 0);
    put_row(&ledger, &entry).await;
    handler(&state, sns_event(&page_at("trigger", "late", 2_000)))
        .await
        .unwrap();
    // A retry of the resolve from the evaluation at 1,000 arrives now.
    let late = handler(&state, sns_event(&page_at("resolve", "late", 1_000)))
        .await
        .unwrap();
    assert_eq!((late.pages, late.superseded), (0, 1));
    assert_eq!(pd.incidents()[0]["status"], "triggered");
    assert_eq!(pd.events().len(), 1, "the late resolve never reached PagerDuty");
    // A replay of the trigger itself is harmless, and the resolve of a newer evaluation closes it.
    handler(&state, sns_event(&page_at("trigger", "late", 2_000)))
        .await
        .unwrap();
    let resolved = LedgerEntry {
        alert: None,
        ordering_ms: 3_000,
        ..entry
    };
    put_row(&ledger, &resolved).await;
    handler(&state, sns_event(&page_at("resolve", "late", 3_000)))
        .await
        .unwrap();
    let incidents = pd.incidents();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["status"], "resolved");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trigger_retried_after_a_later_decision_at_the_same_time_closed_its_incident_is_dropped() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    // A sweep part at 2,000 opened the page (the row's first write); PagerDuty refused its trigger,
    // and Lambda retries it later. Meanwhile the part, retried at the same sweep time, found the
    // role fixed and recorded the resolve (the second write), which PagerDuty dropped: nothing was
    // open yet.
    let opened = paged_at_2000("tie", 0);
    put_row(&ledger, &opened).await;
    let trigger = || page_at("trigger", "tie", 2_000);
    put_row(
        &ledger,
        &LedgerEntry {
            alert: None,
            ..opened.clone()
        },
    )
    .await;
    let late = handler(&state, sns_event(&trigger())).await.unwrap();
    assert_eq!((late.pages, late.superseded), (0, 1));
    assert!(pd.incidents().is_empty(), "no incident left open for a fixed role");
    // A later decision at the same time that kept the incident open needs the trigger; so does a
    // page of a notifier that didn't say which write it was (told by time alone).
    put_row(&ledger, &opened).await;
    let kept = handler(&state, sns_event(&trigger())).await.unwrap();
    assert_eq!((kept.pages, kept.superseded), (1, 0));
    let unnumbered = handler(&state, sns_event(&page_at("trigger", "tie", 2_000)))
        .await
        .unwrap();
    assert_eq!((unnumbered.pages, unnumbered.superseded), (1, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_later_incident_of_a_role_is_told_apart_by_its_number() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    // The role's third incident on the page route, open.
    let third = paged_at_2000("third", 2);
    put_row(&ledger, &third).await;
    let third_key = format!("{}/critical/2", page_key("third"));
    let third_page = |action: &str, ordering_ms: i64| {
        let mut page = page_at(action, "third", ordering_ms);
        page["dedup_key"] = Value::from(third_key.clone());
        page
    };
    // The first incident's late resolve goes (it closes that one only), its late trigger not.
    let first_resolve = handler(&state, sns_event(&page_at("resolve", "third", 1_000)))
        .await
        .unwrap();
    assert_eq!((first_resolve.pages, first_resolve.superseded), (1, 0));
    let first_trigger = handler(&state, sns_event(&page_at("trigger", "third", 1_000)))
        .await
        .unwrap();
    assert_eq!((first_trigger.pages, first_trigger.superseded), (0, 1));
    // Its own trigger, retried after a newer evaluation kept it open, is posted; an older
    // resolve of it is not: the incident is still open.
    let trigger = handler(&state, sns_event(&third_page("trigger", 1_500))).await.unwrap();
    assert_eq!((trigger.pages, trigger.superseded), (1, 0));
    let resolve = handler(&state, sns_event(&third_page("resolve", 1_500))).await.unwrap();
    assert_eq!((resolve.pages, resolve.superseded), (0, 1));
    let open: Vec<Value> = pd
        .incidents()
        .into_iter()
        .filter(|i| i["status"] == "triggered")
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["dedup_key"], third_key.as_str());
}

/// The row of role `id` as the evaluation at 2,000 left it: paged CRITICAL for a public trust
/// policy, in its incident numbered `incident`.
fn paged_at_2000(id: &str, incident: u32) -> LedgerEntry {
    LedgerEntry {
        dedup_key: page_key(id),
        role: RoleRef {
            id: id.into(),
            name: "r".into(),
            arn: None,
            account: "123456789012".into(),
            region: "us-east-1".into(),
        },
        alert: Some(Alert {
            route: Route::Page,
            severity: Severity::Critical,
            finding: Some(FindingId::TrustPublic),
            digest: false,
            findings: public(),
            latest: Seen::default(),
            on_route: Seen::default(),
            incident,
            replaced: Default::default(),
            unconfirmed: false,
        }),
        ordering_ms: 2_000,
        next_incident: incident + 1,
        writes: 0,
        pending: None,
        pending_since_ms: 0,
        triggered_ms: 0,
    }
}

/// Writes `entry` over the role's row as it is, as an evaluation that read it would.
async fn put_row(ledger: &Ledger, entry: &LedgerEntry) {
    let read = ledger.get(&entry.dedup_key).await.unwrap().map(|row| row.version());
    assert!(ledger.record(entry, read).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ledger_row_dated_in_the_future_supersedes_no_page() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    // Someone with write access to the table closed the role's alert "in the year 2286": no
    // evaluation wrote that, so the page is posted.
    let forged = LedgerEntry {
        alert: None,
        ordering_ms: 9_999_999_999_999,
        ..paged_at_2000("forged", 0)
    };
    put_row(&ledger, &forged).await;
    let posted = handler(&state, sns_event(&page_at("trigger", "forged", 2_000)))
        .await
        .unwrap();
    assert_eq!((posted.pages, posted.superseded), (1, 0));
    assert_eq!(pd.incidents()[0]["status"], "triggered");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_handed_to_it_by_hand_neither_closes_an_open_incident_nor_opens_one_ahead() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    // The role's real incident, opened by the evaluation at 2,000.
    put_row(&ledger, &paged_at_2000("open", 0)).await;
    handler(&state, sns_event(&page_at("trigger", "open", 2_000)))
        .await
        .unwrap();
    // Resolves written by hand (anyone who may invoke the pager or the notifier): one claiming
    // a later evaluation, one claiming none.
    let later = page_at("resolve", "open", 9_000);
    let mut timeless = page_at("resolve", "open", 0);
    timeless["payload"]["custom_details"]
        .as_object_mut()
        .unwrap()
        .remove("ordering_ms");
    for forged in [later, timeless] {
        let dropped = handler(&state, sns_event(&forged)).await.unwrap();
        assert_eq!((dropped.pages, dropped.superseded), (0, 1));
    }
    assert_eq!(pd.incidents()[0]["status"], "triggered", "the incident stays open");
    // A trigger of a role no evaluation paged, under the key its first incident would take
    // (someone acknowledging it would silence the real one): fails, to be retried and then
    // dead-lettered, where an alarm watches.
    let ahead = handler(&state, sns_event(&page_at("trigger", "quiet", 9_000)))
        .await
        .unwrap_err();
    assert!(matches!(ahead, PagerError::NotInLedger { .. }), "{ahead}");
    assert_eq!(lambda_runtime::Diagnostic::from(ahead).error_type, "NotInLedger");
    // Nor of a role whose row holds no such incident open (it was fixed), whatever time it claims.
    put_row(
        &ledger,
        &LedgerEntry {
            alert: None,
            ..paged_at_2000("fixed", 0)
        },
    )
    .await;
    let dropped = handler(&state, sns_event(&page_at("trigger", "fixed", 9_000)))
        .await
        .unwrap();
    assert_eq!((dropped.pages, dropped.superseded), (0, 1));
    // A page naming no row, or a row its key is no incident of, is not the notifier's.
    let mut anonymous = page_at("resolve", "open", 2_000);
    anonymous["payload"]["custom_details"]
        .as_object_mut()
        .unwrap()
        .remove("alert_key");
    let mut borrowed = page_at("resolve", "open", 2_000);
    borrowed["payload"]["custom_details"]["alert_key"] = json!(page_key("fixed"));
    // A prefix of the key that no row has would let any incident be resolved unchecked.
    let mut cut_short = page_at("resolve", "open", 2_000);
    cut_short["payload"]["custom_details"]["alert_key"] = json!("aws-config");
    let mut no_incident = page_at("resolve", "open", 2_000);
    no_incident["dedup_key"] = json!(format!("{}/critical/x", page_key("open")));
    for forged in [anonymous, borrowed, cut_short, no_incident] {
        let error = handler(&state, sns_event(&forged)).await.unwrap_err();
        assert!(matches!(error, PagerError::NotAPage { .. }), "{error}");
    }
    assert_eq!(pd.events().len(), 1, "only the real trigger reached PagerDuty");
    // A sweep's digest has no row of its own: its trigger is posted; a digest never resolves.
    let digest_key = "aws-config/123456789012/us-east-1/trustcheck/digest/2026-12-02T00:00:00Z/part-1";
    let digest = |action: &str| {
        json!({"event_action": action, "dedup_key": digest_key, "client": pager::NOTIFIER_CLIENT,
               "payload": {"summary": "3 more IAM roles need attention", "severity": "critical",
                           "source": "AWS Config rule trustcheck", "custom_details": {"ordering_ms": 9_000}}})
    };
    assert_eq!(handler(&state, sns_event(&digest("trigger"))).await.unwrap().pages, 1);
    let error = handler(&state, sns_event(&digest("resolve"))).await.unwrap_err();
    assert!(matches!(error, PagerError::NotAPage { .. }), "{error}");
}

/// The pages of an escalation of role `id` from its HIGH incident to its CRITICAL incident 1, as
/// the notifier publishes them: the trigger names the incident it replaces, the resolve its
/// replacement.
fn escalation(id: &str) -> (Value, Value, String, String) {
    let old = incident_key(id, "HIGH");
    let new = format!("{}/critical/1", page_key(id));
    let mut trigger = page_at("trigger", id, 2_000);
    trigger["dedup_key"] = json!(new);
    trigger["payload"]["custom_details"]["replaces"] = json!([old]);
    let mut resolve = page_graded("resolve", id, 2_000, "HIGH");
    resolve["payload"]["custom_details"]["replaced_by"] = json!(new);
    (trigger, resolve, old, new)
}

fn status_of(pd: &FakePagerDuty, dedup_key: &str) -> Option<String> {
    pd.incidents()
        .into_iter()
        .find(|i| i["dedup_key"] == dedup_key)
        .and_then(|i| i["status"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_escalation_closes_the_old_incident_only_once_pagerduty_has_taken_the_new_one() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    let (trigger, resolve, old, new) = escalation("esc");
    // The role's HIGH incident is open in PagerDuty; the evaluation at 2,000 escalated it.
    let mut opened = page_graded("trigger", "esc", 1_000, "HIGH");
    opened["payload"]["severity"] = json!("error");
    handler(&delivery_state(&moto, &pd).await, sns_event(&opened))
        .await
        .unwrap();
    put_row(&ledger, &paged_at_2000("esc", 1)).await;
    // PagerDuty fails the trigger (Lambda retries it minutes later), and SNS delivers the resolve
    // meanwhile: it waits for its trigger, and the HIGH incident stays open.
    pd.script(&[500, 502, 503]);
    let failed = handler(&state, sns_event(&trigger)).await.unwrap_err();
    assert!(matches!(failed, PagerError::Unavailable { .. }), "{failed}");
    let alone = handler(&state, sns_event(&resolve)).await.unwrap();
    assert_eq!((alone.pages, alone.left_to_their_trigger), (0, 1));
    assert_eq!(status_of(&pd, &old).as_deref(), Some("triggered"));
    assert_eq!(status_of(&pd, &new), None);
    // The retried trigger opens the CRITICAL incident, then closes the HIGH one.
    let retried = handler(&state, sns_event(&trigger)).await.unwrap();
    assert_eq!((retried.pages, retried.superseded), (2, 0));
    assert_eq!(status_of(&pd, &new).as_deref(), Some("triggered"));
    assert_eq!(status_of(&pd, &old).as_deref(), Some("resolved"));
    let posted: Vec<(Value, Value)> = pd
        .events()
        .into_iter()
        .filter(|e| e["result"] != "scripted 500" && e["dedup_key"].is_string())
        .map(|e| (e["event_action"].clone(), e["dedup_key"].clone()))
        .collect();
    assert_eq!(
        posted[1..],
        [(json!("trigger"), json!(new)), (json!("resolve"), json!(old))],
        "the trigger first: {posted:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incidents_a_superseded_trigger_replaces_are_closed_and_a_refused_ones_stay_open() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    let delivery = delivery_state(&moto, &pd).await;
    for id in ["fixed", "refused"] {
        let mut opened = page_graded("trigger", id, 1_000, "HIGH");
        opened["payload"]["severity"] = json!("error");
        handler(&delivery, sns_event(&opened)).await.unwrap();
    }
    // The role was fixed after the escalation: its row holds nothing open, the escalation's
    // trigger is not posted, and the HIGH incident it replaced is closed all the same.
    let escalated = paged_at_2000("fixed", 1);
    put_row(&ledger, &escalated).await;
    put_row(
        &ledger,
        &LedgerEntry {
            alert: None,
            ordering_ms: 3_000,
            ..escalated
        },
    )
    .await;
    let (trigger, _, old, new) = escalation("fixed");
    let late = handler(&state, sns_event(&trigger)).await.unwrap();
    assert_eq!((late.pages, late.superseded), (1, 1));
    assert_eq!(status_of(&pd, &old).as_deref(), Some("resolved"));
    assert_eq!(status_of(&pd, &new), None);
    // PagerDuty refuses the trigger: the HIGH incident stays open, the only one the role has.
    put_row(&ledger, &paged_at_2000("refused", 1)).await;
    let (mut trigger, _, old, _) = escalation("refused");
    trigger["payload"]["summary"] = json!("");
    let refused = handler(&state, sns_event(&trigger)).await.unwrap_err();
    assert!(matches!(refused, PagerError::Rejected { status: 400, .. }), "{refused}");
    assert_eq!(status_of(&pd, &old).as_deref(), Some("triggered"));
    // A trigger naming a key of another role, or a resolve naming one as its replacement, is
    // not the notifier's.
    let (mut forged, mut forged_resolve, _, _) = escalation("refused");
    forged["payload"]["custom_details"]["replaces"] = json!([incident_key("other", "HIGH")]);
    forged_resolve["payload"]["custom_details"]["replaced_by"] = json!(incident_key("other", "HIGH"));
    for page in [forged, forged_resolve] {
        let error = handler(&state, sns_event(&page)).await.unwrap_err();
        assert!(matches!(error, PagerError::NotAPage { .. }), "{error}");
    }
    assert_eq!(status_of(&pd, &old).as_deref(), Some("triggered"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_escalation_leaves_what_it_replaced_to_the_newer_incident_and_an_unread_ledger_is_no_reason_to_wait() {
    let moto = Moto::start();
    let pd = FakePagerDuty::start();
    let state = pager_state(&moto, &pd).await;
    let ledger = Ledger::new(&moto.sdk_config().await, TABLE);
    let mut opened = page_graded("trigger", "esc2", 1_000, "HIGH");
    opened["payload"]["severity"] = json!("error");
    handler(&delivery_state(&moto, &pd).await, sns_event(&opened))
        .await
        .unwrap();
    // HIGH → CRITICAL 1 (whose trigger PagerDuty failed) → CRITICAL 2 for a new finding: the row
    // holds the second, which remembers both before it.
    let row = paged_at_2000("esc2", 2);
    let second = LedgerEntry {
        alert: row.alert.map(|a| Alert {
            replaced: Replaced::from_iter([(Severity::High, 0), (Severity::Critical, 1)]),
            ..a
        }),
        ..row
    };
    put_row(&ledger, &second).await;
    let (first_trigger, _, high, first) = escalation("esc2");
    // The first escalation's trigger, retried now, is superseded: the HIGH incident stays open
    // for the second's trigger to close, or the role would have none while that one waits.
    let late = handler(&state, sns_event(&first_trigger)).await.unwrap();
    assert_eq!((late.pages, late.superseded), (0, 1));
    assert_eq!(status_of(&pd, &high).as_deref(), Some("triggered"));
    let second_key = format!("{}/critical/2", page_key("esc2"));
    let mut second_trigger = first_trigger.clone();
    second_trigger["dedup_key"] = json!(second_key);
    second_trigger["payload"]["custom_details"]["replaces"] = json!([first, high]);
    let posted = handler(&state, sns_event(&second_trigger)).await.unwrap();
    assert_eq!(posted.pages, 3, "the trigger and both resolves");
    assert_eq!(status_of(&pd, &second_key).as_deref(), Some("triggered"));
    assert_eq!(status_of(&pd, &high).as_deref(), Some("resolved"));
    // With the ledger unreadable the trigger goes, and so do the resolves after its 202: a
    // replaced incident's key is never opened again.
    let mut opened = page_graded("trigger", "blind", 1_000, "HIGH");
    opened["payload"]["severity"] = json!("error");
    handler(&delivery_state(&moto, &pd).await, sns_event(&opened))
        .await
        .unwrap();
    let sdk = moto.sdk_config().await;
    let settings = Settings {
        routing_key_parameter: PARAMETER.into(),
        events_url: pd.events_url(),
        dead_letter_queue_url: None,
        alerts_table: Some("no-such-table".into()),
    };
    let blind = State::new(&sdk, settings).unwrap();
    let (trigger, _, high, new) = escalation("blind");
    let sent = handler(&blind, sns_event(&trigger)).await.unwrap();
    assert_eq!(sent.pages, 2);
    assert_eq!(status_of(&pd, &new).as_deref(), Some("triggered"));
    assert_eq!(status_of(&pd, &high).as_deref(), Some("resolved"));
}
