//! Paging decisions through the real handler, against the local AWS endpoint: the alerts ledger in
//! its DynamoDB, and the notices the evaluator hands the notifier as asynchronous invocations
//! (which the endpoint records).

mod common;

use common::*;
use evaluator::paging::{Paging, PagingSettings, Spent, SweepPaging, Taken};
use serde_json::json;
use trustcheck::Severity;
use trustcheck_aws::alerts::{Judged, Ledger, LedgerEntry, Ordering};
use trustcheck_test_support::ACCOUNT;

const NOTIFIER: &str = "trustcheck-notifier";
const MEDIUM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
const UNSCOPED_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

async fn paging_harness(pages_per_sweep: usize, params: Option<&str>) -> Harness {
    let mut h = harness(params).await;
    let table = trustcheck_test_support::create_alerts_table(&h.sdk, "trustcheck-alerts").await;
    assert_eq!(table, "trustcheck-alerts");
    h.state = State::new(h.sdk.clone(), params.map(str::to_owned))
        .with_paging(paging_of(&h, pages_per_sweep))
        .with_sweep_pacing(100, evaluator::SWEEP_RESERVE);
    h
}

/// Replaces the trust policy of role `name`.
async fn set_trust(h: &Harness, name: &str, policy: &str) {
    h.iam
        .update_assume_role_policy()
        .role_name(name)
        .policy_document(policy)
        .send()
        .await
        .unwrap();
}

/// Paging over the harness's alerts table and notifier, paging at HIGH.
fn paging_of(h: &Harness, pages_per_sweep: usize) -> Paging {
    let settings = PagingSettings {
        alerts_table: "trustcheck-alerts".into(),
        notifier_function: NOTIFIER.into(),
        page_at: Severity::High,
        pages_per_sweep,
    };
    Paging::new(&h.sdk, settings)
}

/// The event with one timestamp of its invoking event replaced (capture or notification time).
fn at(mut event: Value, field: &str, time: &str) -> Value {
    let invoking = event["invokingEvent"].as_str().unwrap_or_default().to_owned();
    let mut parsed: Value = serde_json::from_str(&invoking).unwrap();
    match field {
        "configurationItemCaptureTime" => parsed["configurationItem"][field] = time.into(),
        _ => parsed[field] = time.into(),
    }
    event["invokingEvent"] = parsed.to_string().into();
    event
}

/// A configuration change of `role` to `policy`, captured at `time`.
fn changed_at(rule: &str, role: &RoleIds, policy: &str, time: &str) -> Value {
    at(
        event("change.json", rule, Some(role), policy),
        "configurationItemCaptureTime",
        time,
    )
}

/// The scheduled sweep of `rule`, notified at `time`.
fn sweep(rule: &str, time: &str) -> Value {
    at(
        event("scheduled.json", rule, None, ""),
        "notificationCreationTime",
        time,
    )
}

/// Every step of every notice since the last look.
fn sent_steps(h: &Harness) -> Vec<Value> {
    let notices = h.moto.notices(NOTIFIER);
    h.moto.clear_invocations();
    notices
        .iter()
        .filter(|n| n["kind"] == "transition")
        .flat_map(|n| n["steps"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn text(step: &Value, key: &str) -> String {
    step[key].as_str().unwrap_or_default().to_owned()
}

/// (action, route, severity) of every step of every notice since the last look.
fn steps(h: &Harness) -> Vec<(String, String, String)> {
    sent_steps(h)
        .iter()
        .map(|s| (text(s, "action"), text(s, "route"), text(s, "severity")))
        .collect()
}

fn step(action: &str, route: &str, severity: &str) -> (String, String, String) {
    (action.into(), route.into(), severity.into())
}

/// The harness with `deploy-role`, made public by a change on 2026-11-27 at 06:00 and paged.
async fn paged_public_role(rule: &str) -> (Harness, RoleIds) {
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    change_role(&h, rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z").await;
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    (h, role)
}

/// Evaluates a change of `role` to `policy` captured at `time`.
async fn change_role(h: &Harness, rule: &str, role: &RoleIds, policy: &str, time: &str) {
    h.run(changed_at(rule, role, policy, time), Context::default())
        .await
        .unwrap();
}

/// When the sweeps run directly by [`SweepPaging`] happen.
const SWEEP_TIME: &str = "2026-11-28T00:00:00.000Z";

fn sweep_ordering() -> Ordering {
    Ordering::of(&trustcheck_aws::parse_timestamp("sweep", SWEEP_TIME).unwrap())
}

/// The verdict on `role` with the `MEDIUM` trust policy (notified, not paged).
fn medium_verdict(role: &RoleIds) -> trustcheck::Verdict {
    let subject = trustcheck::Role {
        arn: Some(role.arn.clone()),
        ..trustcheck::Role::default()
    };
    let medium = trustcheck::check(MEDIUM, &subject, &trustcheck::RuleParams::default());
    assert_eq!(medium.findings[0].severity, Severity::Medium);
    medium
}

/// A part of the sweep at [`SWEEP_TIME`] whose notify route has spent its budget.
async fn notify_spent_part<'a>(paging: &'a Paging, rule: &'a str) -> SweepPaging<'a> {
    let spent = Spent { paged: 0, notified: 20 };
    SweepPaging::start(paging, (ACCOUNT, "us-east-1", rule), sweep_ordering(), spent)
        .await
        .unwrap()
}

/// Records, as an evaluation at `at` that failed before sending it would, the resolve of the
/// page `role` has open (the role exempted): the row as it was, and the version written.
async fn resolve_left_pending(
    h: &Harness,
    rule: &str,
    role: &RoleIds,
    at: &Ordering,
) -> (LedgerEntry, trustcheck_aws::alerts::RowVersion) {
    let opened = row_of(h, role).await;
    let exempt = trustcheck::Verdict::not_applicable("exempt");
    let review = trustcheck_aws::alerts::Review::new(opened.alert.as_ref(), None, opened.next_incident);
    let notice = trustcheck_aws::alerts::Transition::new(
        opened.dedup_key.clone(),
        rule,
        opened.role.clone(),
        at.clone(),
        &exempt,
        review.steps,
    );
    let left = LedgerEntry {
        alert: None,
        ordering_ms: at.millis,
        pending: Some(notice),
        ..opened.clone()
    };
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    let written = ledger.record(&left, Some(opened.version())).await.unwrap().unwrap();
    steps(h);
    (opened, written)
}

/// Makes the notice pending in row `key` look recorded long ago (by its writer's clock): left by
/// an evaluation that failed, not being sent.
async fn age_pending(h: &Harness, key: &str) {
    aws_sdk_dynamodb::Client::new(&h.sdk)
        .update_item()
        .table_name("trustcheck-alerts")
        .key("dedup_key", aws_sdk_dynamodb::types::AttributeValue::S(key.to_owned()))
        .update_expression("SET pending_since_ms = :old")
        .expression_attribute_values(":old", aws_sdk_dynamodb::types::AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
}

/// The ledger row of `role`.
async fn row_of(h: &Harness, role: &RoleIds) -> LedgerEntry {
    Ledger::new(&h.sdk, "trustcheck-alerts")
        .rows()
        .await
        .unwrap()
        .into_values()
        .find(|r| r.role.id == role.id)
        .expect("the role's row")
}

/// A role Config stops recording (the recorder no longer records IAM roles) keeps its result and
/// its page: stopping the recorder must not resolve them as if the role had left. And the
/// invocation fails, so that the failure queue's alarms say change events have stopped.
#[tokio::test(flavor = "multi_thread")]
async fn a_role_config_stops_recording_keeps_its_result_and_page() {
    let rule = "trustcheck-unrecorded";
    let (h, role) = paged_public_role(rule).await;
    let mut event = changed_at(rule, &role, PUBLIC, "2026-11-27T07:00:00.000Z");
    let invoking = event["invokingEvent"].as_str().unwrap().replace(
        r#""configurationItemStatus":"OK""#,
        r#""configurationItemStatus":"ResourceNotRecorded""#,
    );
    assert!(
        invoking.contains("ResourceNotRecorded"),
        "the fixture's status was replaced"
    );
    event["invokingEvent"] = invoking.into();
    // Whether or not Config also says the role left the rule's scope.
    for left_scope in [false, true] {
        event["eventLeftScope"] = left_scope.into();
        let error = h.run(event.clone(), Context::default()).await.unwrap_err();
        assert!(
            matches!(&error, EvaluatorError::NotRecorded { role_id } if *role_id == role.id),
            "{error}"
        );
        assert!(error.to_string().contains("Record AWS::IAM::Role again"), "{error}");
        assert!(steps(&h).is_empty(), "no resolve (eventLeftScope {left_scope})");
        assert_eq!(h.results(rule).await[&role.id].0, "NON_COMPLIANT");
    }
}

/// A recorded role that "left the rule's scope" (the rule's scope edited outside its stack, to a
/// tag say) is judged all the same: taking it as NOT_APPLICABLE would resolve its page.
#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_role_out_of_an_edited_scope_is_still_judged() {
    let rule = "trustcheck-scope-edited";
    let (h, role) = paged_public_role(rule).await;
    let mut event = changed_at(rule, &role, PUBLIC, "2026-11-27T07:00:00.000Z");
    event["eventLeftScope"] = true.into();
    let outcome = h.run(event, Context::default()).await.unwrap();
    assert_eq!((outcome.written, outcome.non_compliant), (1, 1));
    assert!(steps(&h).is_empty(), "the page stays open");
    assert_eq!(h.results(rule).await[&role.id].0, "NON_COMPLIANT");
}

/// An item of another type whose id is a role's (a function, a table or a parameter may be named
/// `AROA…`), sent by a rule whose scope was widened outside its stack: written NOT_APPLICABLE for
/// its own type, it leaves the role's page open.
#[tokio::test(flavor = "multi_thread")]
async fn another_type_s_item_with_a_role_s_id_leaves_its_page_open() {
    let rule = "trustcheck-other-type";
    let (h, role) = paged_public_role(rule).await;
    let function = |status: &str, time: &str| {
        let mut event = changed_at(rule, &role, PUBLIC, time);
        let mut invoking: Value = serde_json::from_str(event["invokingEvent"].as_str().unwrap()).unwrap();
        invoking["configurationItem"]["resourceType"] = "AWS::Lambda::Function".into();
        invoking["configurationItem"]["configurationItemStatus"] = status.into();
        invoking["configurationItem"]["configuration"] = serde_json::json!({"functionName": role.id});
        event["invokingEvent"] = invoking.to_string().into();
        event
    };
    let outcome = h
        .run(function("OK", "2026-11-27T07:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!((outcome.written, outcome.non_compliant), (1, 0));
    assert!(steps(&h).is_empty(), "the role's page stays open: {:?}", steps(&h));
    // One Config no longer records is no role's unrecorded item: nothing to write, no error.
    let outcome = (h
        .run(
            function("ResourceNotRecorded", "2026-11-27T07:01:00.000Z"),
            Context::default(),
        )
        .await)
        .expect("another type's unrecorded item is no failure");
    assert_eq!(outcome.written, 0);
    assert!(steps(&h).is_empty(), "the role's page stays open: {:?}", steps(&h));
    // The role's own change still resolves it.
    change_role(&h, rule, &role, LAMBDA_TRUST, "2026-11-27T07:05:00.000Z").await;
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
}

/// Runs `event` as one Config never sent (its token refused), which fails; its error type.
async fn forged(h: &Harness, event: Value) -> String {
    h.moto.inject("PutEvaluations", &["error:InvalidResultTokenException"]);
    let error = h.run(event, Context::default()).await.unwrap_err();
    lambda_runtime::Diagnostic::from(error).error_type
}

/// An event Config never sent (a direct invoke of the evaluator, a console test event) can't
/// close a page: Config refuses its token, which is not sent again, and a resolve waits for
/// Config to take the result. Config's own deletion event still resolves it.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_deletion_cannot_resolve_a_page() {
    let rule = "trustcheck-forged";
    let (h, role) = paged_public_role(rule).await;
    let deleted = |time: &str| {
        at(
            event("deleted.json", rule, Some(&role), ""),
            "configurationItemCaptureTime",
            time,
        )
    };
    let sent = |h: &Harness| h.moto.calls()["config.PutEvaluations"].as_u64().unwrap();
    let before = sent(&h);
    assert_eq!(
        forged(&h, deleted("2026-11-27T07:00:00.000Z")).await,
        "InvalidResultToken"
    );
    assert_eq!(sent(&h), before + 1, "a refused token is not sent again");
    assert!(steps(&h).is_empty(), "no resolve");
    assert_eq!(h.results(rule).await[&role.id].0, "NON_COMPLIANT");

    // Nor can one whose policy would only notify move the page down to a notice.
    forged(&h, changed_at(rule, &role, MEDIUM, "2026-11-27T07:01:00.000Z")).await;
    assert!(steps(&h).is_empty(), "no resolve, no notice");
    // Nor one that would page anew, on a new finding, where a page is open: the open incident
    // stays, and nothing is recorded that would hold off the role's next evaluations.
    forged(
        &h,
        changed_at(rule, &role, PUBLIC_AND_ANY_REPO, "2026-11-27T07:02:00.000Z"),
    )
    .await;
    assert!(steps(&h).is_empty(), "the open page is left as it is");

    h.run(deleted("2026-11-27T07:05:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
    assert_eq!(h.results(rule).await[&role.id].0, "NOT_APPLICABLE");
}

/// A time `secs` seconds from now, as Config writes it.
fn from_now(secs: i64) -> String {
    let now = aws_sdk_config::primitives::DateTime::from(std::time::SystemTime::now()).secs();
    aws_sdk_config::primitives::DateTime::from_secs(now + secs)
        .fmt(aws_sdk_config::primitives::DateTimeFormat::DateTime)
        .unwrap()
}

/// A forged sweep (a direct invoke: Config refuses its token) can't resolve a page either, even
/// of a role fixed in IAM; it may only page a broken role that has none open. And one dated
/// ahead of the clock, as far as the skew allowed lets it, holds off no real evaluation: what it
/// records is dated now at the latest, so the fix that Config sends next resolves that page.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_sweep_dated_ahead_neither_resolves_nor_holds_off_a_page() {
    let rule = "trustcheck-forged-sweep";
    let (h, fixed) = paged_public_role(rule).await;
    set_trust(&h, &fixed.name, LAMBDA_TRUST).await;
    let unpaged = h.create_role("unpaged-role", PUBLIC).await;
    h.moto
        .inject("PutEvaluations", &["error:InvalidResultTokenException"; 4]);
    let error = h
        .run(sweep(rule, &from_now(200)), Context::default())
        .await
        .unwrap_err();
    h.moto.clear_faults();
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "InvalidResultToken");
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL")],
        "the broken role without a page is paged; the fixed one's page stays open"
    );
    assert_eq!(h.results(rule).await[&fixed.id].0, "NON_COMPLIANT");

    change_role(&h, rule, &unpaged, LAMBDA_TRUST, &from_now(2)).await;
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
}

/// A forged event that pages a role with no page open (HIGH, say) is recorded at the row's own
/// time, not its own: the role's real break, captured a moment before the forgery, still pages.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_page_holds_off_no_real_escalation() {
    let rule = "trustcheck-forged-first";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", LAMBDA_TRUST).await;
    let unreadable = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    forged(&h, changed_at(rule, &role, unreadable, &from_now(0))).await;
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "HIGH")],
        "a page where none is open"
    );
    assert_eq!(
        row_of(&h, &role).await.ordering_ms,
        0,
        "dated no later than the row it found: none"
    );
    change_role(&h, rule, &role, PUBLIC, &from_now(-5)).await;
    let sent = steps(&h);
    assert!(sent.contains(&step("trigger", "page", "CRITICAL")), "{sent:?}");
    assert_eq!(h.results(rule).await[&role.id].0, "NON_COMPLIANT");
}

/// A forged event that claims a healthy role is public pages it (a page where none is open), but
/// what it says it saw holds no real break back: when the role is then really made public, the
/// result Config takes pages it anew, as an incident that replaces the forged one, which is
/// resolved. A second forgery meanwhile pages nothing more.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_page_does_not_make_the_real_break_old_news() {
    let rule = "trustcheck-forged-news";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", LAMBDA_TRUST).await;
    forged(&h, changed_at(rule, &role, PUBLIC, &from_now(-60))).await;
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    let forged_incident = row_of(&h, &role).await.alert.unwrap();
    assert!(forged_incident.unconfirmed, "kept in the ledger as unconfirmed");
    forged(&h, changed_at(rule, &role, PUBLIC, &from_now(-50))).await;
    assert!(steps(&h).is_empty(), "one forged page, not one per forgery");

    change_role(&h, rule, &role, PUBLIC, &from_now(-10)).await;
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("resolve", "page", "CRITICAL")]
    );
    let real = row_of(&h, &role).await.alert.unwrap();
    assert!(!real.unconfirmed);
    assert_ne!(real.incident, forged_incident.incident, "a new incident");
    // Now it is old news: the next sweep pages nothing.
    set_trust(&h, "deploy-role", PUBLIC).await;
    h.run(sweep(rule, &from_now(0)), Context::default()).await.unwrap();
    let sent = steps(&h);
    assert!(sent.is_empty(), "{sent:?}");
}

/// A role's alert is named where the evaluator runs (its region; in account mode its account),
/// not where an event says: a made-up event naming another region or account pages in the
/// role's own place, where the role's real fix resolves it (named elsewhere, nothing would).
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_place_names_no_alert_of_its_own() {
    let rule = "trustcheck-forged-place";
    let h = paging_harness(20, None).await;
    let left = std::time::Duration::from_secs(300);
    for (name, field, from, to) in [
        ("region-role", "configRuleArn", "us-east-1", "eu-west-3"),
        ("account-role", "accountId", "123456789012", "999999999999"),
    ] {
        let role = h.create_role(name, LAMBDA_TRUST).await;
        let mut event = changed_at(rule, &role, PUBLIC, &from_now(-60));
        event[field] = event[field].as_str().unwrap().replace(from, to).into();
        h.moto.inject("PutEvaluations", &["error:InvalidResultTokenException"]);
        let error = h.run(event, context_with(left)).await.unwrap_err();
        assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "InvalidResultToken");
        assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")], "{field}");
        h.run(
            changed_at(rule, &role, LAMBDA_TRUST, &from_now(-10)),
            context_with(left),
        )
        .await
        .unwrap();
        assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")], "{field}");
    }
}

/// A test event (the Lambda console's sample: resultToken TESTMODE) is written in Config's test
/// mode, which stores nothing, and pages nobody: a developer trying the function wakes no one.
#[tokio::test(flavor = "multi_thread")]
async fn a_test_event_stores_nothing_and_pages_nobody() {
    let rule = "trustcheck-test-mode";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    let calls = |h: &Harness| h.moto.calls()["config.PutEvaluations"].as_u64().unwrap_or(0);
    let before = calls(&h);
    let mut event = changed_at(rule, &role, PUBLIC, &from_now(0));
    event["resultToken"] = "TESTMODE".into();
    let outcome = h.run(event, Context::default()).await.unwrap();
    assert_eq!((outcome.written, outcome.non_compliant), (1, 1));
    assert_eq!(calls(&h), before + 1, "written, in test mode");
    assert!(steps(&h).is_empty(), "nobody paged");
    assert!(!h.results(rule).await.contains_key(&role.id), "nothing stored");
    // The real event pages as ever.
    change_role(&h, rule, &role, PUBLIC, &from_now(1)).await;
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
}

/// A result Config took is recorded at its own capture time, Config's order, even a little ahead
/// of the evaluator's clock (skew): an older event arriving after it changes nothing, as in Config.
#[tokio::test(flavor = "multi_thread")]
async fn a_taken_result_dated_ahead_keeps_config_s_order() {
    let rule = "trustcheck-ahead-taken";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    change_role(&h, rule, &role, PUBLIC, &from_now(100)).await;
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    change_role(&h, rule, &role, LAMBDA_TRUST, &from_now(50)).await;
    assert!(steps(&h).is_empty(), "older than the page's evaluation: no resolve");
    assert_eq!(h.results(rule).await[&role.id].0, "NON_COMPLIANT");
}

/// A real deletion whose result Config could not take resolves nothing yet; Lambda's retry of
/// the same event, written, resolves the page.
#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_resolves_once_its_result_is_written() {
    let rule = "trustcheck-deleted-retried";
    let (h, role) = paged_public_role(rule).await;
    let deleted = at(
        event("deleted.json", rule, Some(&role), ""),
        "configurationItemCaptureTime",
        "2026-11-27T07:00:00.000Z",
    );
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    h.run(deleted.clone(), Context::default()).await.unwrap_err();
    assert!(
        steps(&h).is_empty(),
        "nothing resolved while Config holds the old result"
    );
    h.run(deleted, Context::default()).await.unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
    assert_eq!(h.results(rule).await[&role.id].0, "NOT_APPLICABLE");
}

/// A change whose first attempt recorded its page but could not hand the notice on, and whose
/// retries Config then can't take (a write that keeps failing), still pages with the retry: not
/// at the next sweep.
#[tokio::test(flavor = "multi_thread")]
async fn a_retry_config_cannot_take_still_sends_the_page_its_first_attempt_recorded() {
    let rule = "trustcheck-pending-unwritten";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    let change = changed_at(rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z");
    h.moto.inject("lambda.Invoke", &["500"; 12]);
    assert!(h.run(change.clone(), Context::default()).await.is_err());
    h.moto.clear_faults();
    assert!(row_of(&h, &role).await.pending.is_some());
    assert!(steps(&h).is_empty());
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    assert!(h.run(change, Context::default()).await.is_err(), "the write failed");
    h.moto.clear_faults();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    assert!(row_of(&h, &role).await.pending.is_none());
}

/// An older change whose write fails leaves alone the notice a newer one recorded and is
/// handing on (sent by both, it would page twice): the newer one's retry sends it.
#[tokio::test(flavor = "multi_thread")]
async fn an_older_unwritten_change_leaves_a_newer_one_s_notice_to_it() {
    let rule = "trustcheck-pending-newer";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    let newer = changed_at(rule, &role, PUBLIC, "2026-11-27T06:05:00.000Z");
    h.moto.inject("lambda.Invoke", &["500"; 12]);
    assert!(h.run(newer.clone(), Context::default()).await.is_err());
    h.moto.clear_faults();
    assert!(row_of(&h, &role).await.pending.is_some());
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    let older = changed_at(rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z");
    assert!(h.run(older, Context::default()).await.is_err(), "the write failed");
    h.moto.clear_faults();
    assert!(steps(&h).is_empty(), "not the newer evaluation's notice");
    assert!(row_of(&h, &role).await.pending.is_some());
    h.run(newer, Context::default()).await.unwrap();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
}

/// A real result whose write failed keeps its own time (only a refused token's is recorded at the
/// row's): an older evaluation written after it, a fix retried after a new break, can't resolve
/// the page the break opened.
#[tokio::test(flavor = "multi_thread")]
async fn an_older_fix_written_after_an_unwritten_break_leaves_its_page() {
    let rule = "trustcheck-unwritten-order";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", LAMBDA_TRUST).await;
    let fix = changed_at(rule, &role, LAMBDA_TRUST, "2026-11-27T07:00:00.000Z");
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    h.run(fix.clone(), Context::default()).await.unwrap_err();
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    let broken = changed_at(rule, &role, PUBLIC, "2026-11-27T07:01:00.000Z");
    h.run(broken, Context::default()).await.unwrap_err();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    h.moto.clear_faults();
    h.run(fix, Context::default()).await.unwrap();
    assert!(steps(&h).is_empty(), "older than the break: its page stays open");
}

/// A change that makes a role public pages even while Config refuses its evaluation: the on-call
/// hears now, not with the next sweep; the invocation still fails, for the write.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_pages_even_when_config_refuses_its_evaluation() {
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    let error = h
        .run(
            changed_at("trustcheck-refused", &role, PUBLIC, "2026-11-27T06:00:00.000Z"),
            Context::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "EvaluationsNotWritten"
    );
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
}

/// A Config that doesn't answer at all can't hold the page back: the write gives up in time for
/// it ([`WRITE_RESERVE`] before the deadline), the page goes out, and the invocation still fails
/// for the write.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_pages_even_when_config_never_answers() {
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", PUBLIC).await;
    h.moto.inject("PutEvaluations", &["delay:20"]);
    let started = std::time::Instant::now();
    let left = evaluator::WRITE_RESERVE + std::time::Duration::from_secs(2);
    let error = h
        .run(
            changed_at("trustcheck-stalled", &role, PUBLIC, "2026-11-27T06:00:00.000Z"),
            context_with(left),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "not waited for: {:?}",
        started.elapsed()
    );
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "EvaluationsNotWritten"
    );
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    h.moto.clear_faults();
}

/// Lookups that run late (Lambda throttled in a deploy's burst) can't take the write's time: they
/// end at the write's reserve, what they had not listed is judged as unlisted, and a verdict no
/// function could change is written and paged. A role a function could still break is not
/// written. Either way the invocation fails, saying why, so that Lambda's retry lists again.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_whose_lookups_run_late_is_still_written() {
    let rule = "trustcheck-lookups-late";
    let h = paging_harness(20, None).await;
    // One change with Lambda's first listing 8 s late and 2 s left before the write's reserve:
    // how long it took, and what the invocation said.
    let late_change = |role: &RoleIds, policy: &str, time: &str| {
        let event = changed_at(rule, role, policy, time);
        let h = &h;
        async move {
            h.moto.inject("ListFunctions", &["delay:8"]);
            let started = std::time::Instant::now();
            let left = evaluator::WRITE_RESERVE + std::time::Duration::from_secs(2);
            let error = h.run(event, context_with(left)).await.unwrap_err();
            h.moto.clear_faults();
            (started.elapsed(), lambda_runtime::Diagnostic::from(error))
        }
    };
    let public = h.create_role("deploy-role", PUBLIC).await;
    let (took, said) = late_change(&public, PUBLIC, "2026-11-27T06:00:00.000Z").await;
    assert!(
        took < std::time::Duration::from_secs(7),
        "the lookups were waited for: {took:?}"
    );
    assert_eq!(said.error_type, "RolesNotJudged");
    assert!(
        said.error_message.contains("not all listed in time for the write"),
        "{}",
        said.error_message
    );
    assert_eq!(h.results(rule).await[&public.id].0, "NON_COMPLIANT");
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);

    // A role Lambda and Lambda@Edge may assume is COMPLIANT whichever functions use it, there
    // or at the edge: written so, the invocation failing all the same for the retry to list them.
    let both = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
    let lambda = h.create_role("orders-function-role", both).await;
    let (_, said) = late_change(&lambda, both, "2026-11-27T06:02:00.000Z").await;
    assert_eq!(said.error_type, "RolesNotJudged");
    assert_eq!(h.results(rule).await[&lambda.id].0, "COMPLIANT");
    assert!(steps(&h).is_empty());

    // COMPLIANT, unless a function uses it: then Lambda can't assume it.
    let ec2 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let service = h.create_role("orders-role", ec2).await;
    let (_, said) = late_change(&service, ec2, "2026-11-27T06:05:00.000Z").await;
    assert_eq!(said.error_type, "RolesNotJudged");
    assert!(!h.results(rule).await.contains_key(&service.id));
}

/// An escalation whose write Config can't take (throttled, an outage) pages now: a role paged
/// HIGH that is then made public is heard at once, not when the next sweep's write succeeds, a
/// day later. The retry, written, pages nothing more; a fix whose write fails still resolves
/// nothing, and one Config takes does.
#[tokio::test(flavor = "multi_thread")]
async fn an_escalation_pages_even_when_its_write_fails() {
    let rule = "trustcheck-escalation-unwritten";
    let h = paging_harness(20, None).await;
    let role = h.create_role("deploy-role", MEDIUM).await;
    let unreadable = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    change_role(&h, rule, &role, unreadable, "2026-11-27T06:00:00.000Z").await;
    assert_eq!(steps(&h), [step("trigger", "page", "HIGH")]);

    let public = changed_at(rule, &role, PUBLIC, "2026-11-27T06:10:00.000Z");
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    let error = h.run(public.clone(), Context::default()).await.unwrap_err();
    h.moto.clear_faults();
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "EvaluationsNotWritten",
        "the invocation still fails, for the write"
    );
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("resolve", "page", "HIGH")]
    );
    h.run(public, Context::default()).await.unwrap();
    assert!(steps(&h).is_empty(), "the retry, written, pages nothing more");
    assert_eq!(h.results(rule).await[&role.id].0, "NON_COMPLIANT");

    let fixed = changed_at(rule, &role, MEDIUM, "2026-11-27T06:20:00.000Z");
    h.moto.inject("PutEvaluations", &["failed:1"; 5]);
    h.run(fixed.clone(), Context::default()).await.unwrap_err();
    h.moto.clear_faults();
    assert!(steps(&h).is_empty(), "a move down waits for a result Config takes");
    h.run(fixed, Context::default()).await.unwrap();
    assert_eq!(
        steps(&h),
        [
            step("trigger", "notify", "MEDIUM"),
            step("resolve", "page", "CRITICAL"),
            step("resolve", "page", "HIGH")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn escalation_while_non_compliant_pages_and_de_escalation_resolves_where_it_opened() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-paging";
    let role = h.create_role("orders-consumer-role", MEDIUM).await;
    let change = |policy: &str, time: &str| changed_at(rule, &role, policy, time);

    h.run(change(MEDIUM, "2026-11-27T06:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("trigger", "notify", "MEDIUM")]);

    // Still NON_COMPLIANT, now anyone can assume it: Config sends no compliance change for this.
    h.run(change(PUBLIC, "2026-11-27T06:10:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("resolve", "notify", "MEDIUM")]
    );

    // The same evaluation again (Lambda's retry, a replay): nothing more.
    h.run(change(PUBLIC, "2026-11-27T06:10:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), []);

    h.run(change(MEDIUM, "2026-11-27T06:20:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(
        steps(&h),
        [step("trigger", "notify", "MEDIUM"), step("resolve", "page", "CRITICAL")]
    );

    // A late delivery of the CRITICAL evaluation must not reopen what is settled.
    h.run(change(PUBLIC, "2026-11-27T06:10:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), []);

    let deleted = event("deleted.json", rule, Some(&role), "");
    h.run(deleted, Context::default()).await.unwrap();
    assert_eq!(steps(&h), [step("resolve", "notify", "MEDIUM")]);
}

/// Public, and trusting every GitHub repository: two CRITICAL findings.
const PUBLIC_AND_ANY_REPO: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_new_finding_on_an_open_page_opens_a_new_incident_at_the_same_severity() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-new-finding";
    let role = h.create_role("deploy-role", PUBLIC).await;
    let change = |policy: &str, time: &str| changed_at(rule, &role, policy, time);
    // (action, the incident's number, new findings) of every step since the last look.
    let incidents = |h: &Harness| -> Vec<(String, Value, Value)> {
        sent_steps(h)
            .iter()
            .map(|s| (text(s, "action"), s["incident"].clone(), s["new"].clone()))
            .collect()
    };
    h.run(change(PUBLIC, "2026-11-27T06:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let first = json!(0);
    assert_eq!(incidents(&h), [("trigger".into(), first.clone(), json!([]))]);
    // Still CRITICAL, and now every GitHub repository may assume it too: paged as a new incident.
    h.run(
        change(PUBLIC_AND_ANY_REPO, "2026-11-27T06:10:00.000Z"),
        Context::default(),
    )
    .await
    .unwrap();
    let second = json!(1);
    assert_eq!(
        incidents(&h),
        [
            ("trigger".into(), second.clone(), json!(["TRUST_OIDC_UNSCOPED"])),
            ("resolve".into(), first.clone(), json!([]))
        ]
    );
    // One of the findings fixed: nothing is sent (the incident may be resolved by hand now).
    h.run(change(PUBLIC, "2026-11-27T06:20:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(incidents(&h), []);
    // Then back: a new exposure, paged as a new incident that replaces the open one.
    h.run(
        change(PUBLIC_AND_ANY_REPO, "2026-11-27T06:30:00.000Z"),
        Context::default(),
    )
    .await
    .unwrap();
    let third = json!(2);
    assert_eq!(
        incidents(&h),
        [
            ("trigger".into(), third.clone(), json!(["TRUST_OIDC_UNSCOPED"])),
            ("resolve".into(), second.clone(), json!([])),
            ("resolve".into(), first.clone(), json!([]))
        ]
    );
    // Still so: nothing is sent.
    h.run(
        change(PUBLIC_AND_ANY_REPO, "2026-11-27T06:35:00.000Z"),
        Context::default(),
    )
    .await
    .unwrap();
    assert_eq!(incidents(&h), []);
    // Fixed: the incident that is open is resolved, and again those it replaced (in case their
    // triggers never got through).
    h.run(change(LAMBDA_TRUST, "2026-11-27T06:40:00.000Z"), Context::default())
        .await
        .unwrap();
    let resolved: Vec<(String, Value)> = incidents(&h)
        .into_iter()
        .map(|(action, number, _)| (action, number))
        .collect();
    assert_eq!(
        resolved,
        [
            ("resolve".into(), third),
            ("resolve".into(), second),
            ("resolve".into(), first)
        ]
    );
}

/// An evaluation judged in part (functions of a region Lambda refused to list) may lack a finding
/// those functions decide (Lambda's): it is not taken as fixed, so the next full evaluation, which
/// has it again, pages nothing; recorded as a whole evaluation, it would page it as back. A
/// finding no function decides (the public trust, fixed meanwhile) pages when it comes back,
/// in part or not.
#[tokio::test(flavor = "multi_thread")]
async fn a_finding_an_evaluation_judged_in_part_lacks_is_no_return() {
    let h = paging_harness(20, None).await;
    let paging = paging_of(&h, 20);
    let role = h.create_role("deploy-role", PUBLIC).await;
    let function = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders");
    let verdict = |policy: &str, functions: &[&str]| {
        let subject = trustcheck::Role {
            arn: Some(role.arn.clone()),
            functions: functions.iter().map(|f| (*f).to_owned()).collect(),
            ..trustcheck::Role::default()
        };
        trustcheck::check(policy, &subject, &trustcheck::RuleParams::default())
    };
    // Public, and the function that uses it can't assume it (LAMBDA_TRUST_MISSING).
    let both = verdict(PUBLIC, &[&function]);
    let ids = |v: &trustcheck::Verdict| v.findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>();
    assert_eq!(ids(&both), ["TRUST_PUBLIC", "LAMBDA_TRUST_MISSING"]);
    // The function not listed: public only.
    let unlisted = verdict(PUBLIC, &[]);
    // The public trust fixed, the function listed: Lambda's findings only.
    let private = verdict(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        &[&function],
    );
    assert_eq!(ids(&private), ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"]);
    let role_ref = || trustcheck_aws::alerts::RoleRef {
        id: role.id.clone(),
        name: role.name.clone(),
        arn: Some(role.arn.clone()),
        account: ACCOUNT.into(),
        region: "us-east-1".into(),
    };
    let at = |time: &str| Ordering::of(&trustcheck_aws::parse_timestamp("test", time).unwrap());
    for (rule, between, judged, pages) in [
        ("trustcheck-in-part", &unlisted, Judged::InPart, 0),
        ("trustcheck-wholly", &unlisted, Judged::Wholly, 1),
        ("trustcheck-fixed-in-part", &private, Judged::InPart, 1),
    ] {
        let (t0, t1, t2) = (
            at("2026-11-27T06:00:00.000Z"),
            at("2026-11-27T06:10:00.000Z"),
            at("2026-11-27T06:20:00.000Z"),
        );
        paging
            .review(rule, role_ref(), &t0, &both, Judged::Wholly)
            .await
            .unwrap();
        assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")], "{rule}");
        paging.review(rule, role_ref(), &t1, between, judged).await.unwrap();
        assert_eq!(steps(&h), [], "{rule}");
        paging
            .review(rule, role_ref(), &t2, &both, Judged::Wholly)
            .await
            .unwrap();
        let triggers = steps(&h).iter().filter(|(action, ..)| action == "trigger").count();
        assert_eq!(triggers, pages, "{rule}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn over_the_budget_a_new_finding_keeps_the_open_incident_and_goes_into_the_digest() {
    let h = paging_harness(1, None).await;
    let rule = "trustcheck-new-finding-budget";
    // Two roles paged on their own, by their change events (no budget there).
    let mut roles = Vec::new();
    for name in ["deploy-a", "deploy-b"] {
        let role = h.create_role(name, PUBLIC).await;
        change_role(&h, rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z").await;
        roles.push(role);
    }
    assert_eq!(steps(&h).len(), 2);
    // Both now also trust every GitHub repository; the sweep may page one role on its own.
    for name in ["deploy-a", "deploy-b"] {
        set_trust(&h, name, PUBLIC_AND_ANY_REPO).await;
    }
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let notices = h.moto.notices(NOTIFIER);
    h.moto.clear_invocations();
    let transitions: Vec<&Value> = notices.iter().filter(|n| n["kind"] == "transition").collect();
    let digests: Vec<&Value> = notices.iter().filter(|n| n["kind"] == "digest").collect();
    // One role: its incident superseded by a new one. The other: nothing resolved, listed in
    // the digest with its open incident kept.
    assert_eq!(transitions.len(), 1, "{notices:?}");
    let actions: Vec<&Value> = transitions[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["action"])
        .collect();
    assert_eq!(actions, ["trigger", "resolve"]);
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0]["count"], 1);
    let digested = digests[0]["roles"][0]["name"].as_str().unwrap().to_owned();
    assert_eq!(
        digests[0]["roles"][0]["new"],
        json!(["TRUST_OIDC_UNSCOPED"]),
        "the news is in the digest"
    );
    assert_ne!(digested, transitions[0]["role"]["name"].as_str().unwrap());
    // The next sweep finds the news delivered: nothing is sent again. Fixed, the kept incident
    // is the one resolved.
    h.run(sweep(rule, "2026-11-29T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), []);
    set_trust(&h, &digested, LAMBDA_TRUST).await;
    h.run(sweep(rule, "2026-11-30T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let notices = h.moto.notices(NOTIFIER);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["role"]["name"], digested.as_str());
    assert_eq!(notices[0]["steps"][0]["action"], "resolve");
    assert_eq!(notices[0]["steps"][0]["incident"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_evaluation_retried_after_a_newer_unchanged_one_changes_nothing() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-late";
    let role = h.create_role("shared-role", PUBLIC).await;
    let change = |policy: &str, time: &str| changed_at(rule, &role, policy, time);
    h.run(change(PUBLIC, "2026-11-27T06:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    // Fixed at 06:10, broken again at 06:20; the 06:10 invocation failed for a moment and is
    // retried after the 06:20 one, which changed nothing (still CRITICAL, its page open).
    h.run(change(PUBLIC, "2026-11-27T06:20:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), []);
    h.run(change(LAMBDA_TRUST, "2026-11-27T06:10:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(
        steps(&h),
        [],
        "the late fix must not resolve the page of the newer break"
    );

    // A role the ledger tracks (resolved since) keeps the newest word too: fixed at 06:30,
    // unchanged at 06:40, the retried break of 06:35 opens nothing.
    h.run(change(LAMBDA_TRUST, "2026-11-27T06:30:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
    h.run(change(LAMBDA_TRUST, "2026-11-27T06:40:00.000Z"), Context::default())
        .await
        .unwrap();
    h.run(change(PUBLIC, "2026-11-27T06:35:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [], "the late break must not page a role fixed since");

    // A role that never alerted gets a row with no alert, kept a day: a break of 07:05 run after
    // the fix of 07:10 (a retry, or two invocations out of order) opens nothing.
    let quiet = h.create_role("quiet-role", LAMBDA_TRUST).await;
    h.run(
        changed_at(rule, &quiet, LAMBDA_TRUST, "2026-11-27T07:10:00.000Z"),
        Context::default(),
    )
    .await
    .unwrap();
    h.run(
        changed_at(rule, &quiet, PUBLIC, "2026-11-27T07:05:00.000Z"),
        Context::default(),
    )
    .await
    .unwrap();
    assert_eq!(steps(&h), [], "the older break must not page a role fixed since");
    // The row is no open alert.
    let rows = Ledger::new(&h.sdk, "trustcheck-alerts").rows().await.unwrap();
    assert!(
        rows.values()
            .all(|entry| entry.role.name != "quiet-role" || entry.alert.is_none()),
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_notice_carries_the_severities_the_rule_parameters_gave() {
    let h = paging_harness(20, Some(r#"{"requireSourceAccount":"true"}"#)).await;
    let role = h.create_role("worker-role", UNSCOPED_LAMBDA).await;
    h.invoke("change.json", "trustcheck-params", Some(&role), UNSCOPED_LAMBDA)
        .await
        .unwrap();
    let notices = h.moto.notices(NOTIFIER);
    assert_eq!(notices.len(), 1, "{notices:?}");
    let notice = &notices[0];
    // CONFUSED_DEPUTY_UNSCOPED is LOW by default; requireSourceAccount makes it MEDIUM.
    assert_eq!(notice["findings"][0]["id"], "CONFUSED_DEPUTY_UNSCOPED");
    assert_eq!(notice["findings"][0]["severity"], "MEDIUM");
    assert_eq!(notice["steps"][0]["severity"], "MEDIUM");
    assert_eq!(notice["role"]["name"], "worker-role");
    assert_eq!(notice["role"]["arn"], role.arn.as_str());
    assert_eq!(
        notice["dedup_key"],
        format!(
            "aws-config/123456789012/us-east-1/trustcheck-params/AWS::IAM::Role/{}",
            role.id
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_broken_roles_sends_the_budget_and_one_digest() {
    let budget = 10;
    let h = paging_harness(budget, None).await;
    let rule = "trustcheck-burst";
    let mut roles = Vec::new();
    for i in 0..300 {
        roles.push(h.create_role(&format!("broken-{i:03}"), PUBLIC).await);
    }

    h.moto.reset_calls();
    let outcome = h
        .run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(outcome.non_compliant, 300);
    // What paging costs a sweep: one read of the open alerts, a read and a write per changed alert,
    // an invocation per notice, and an update clearing the steps each page sent.
    let calls = h.moto.calls();
    assert_eq!(
        (
            &calls["dynamodb.Scan"],
            &calls["dynamodb.GetItem"],
            &calls["dynamodb.PutItem"],
            &calls["dynamodb.UpdateItem"],
            &calls["lambda.Invoke"]
        ),
        (
            &Value::from(1),
            &Value::from(300),
            &Value::from(300),
            &Value::from(budget),
            &Value::from(budget + 1)
        ),
        "{calls}"
    );
    let notices = h.moto.notices(NOTIFIER);
    h.moto.clear_invocations();
    let triggers: Vec<&Value> = notices.iter().filter(|n| n["kind"] == "transition").collect();
    let digests: Vec<&Value> = notices.iter().filter(|n| n["kind"] == "digest").collect();
    assert_eq!(triggers.len(), budget, "one page per role up to the budget");
    assert_eq!(digests.len(), 1, "one digest for the rest");
    let digest = digests[0];
    assert_eq!(digest["count"], 300 - budget);
    assert_eq!(digest["roles"].as_array().unwrap().len(), 25);
    assert_eq!(
        digest["by_finding"],
        serde_json::json!([["TRUST_PUBLIC", 300 - budget]])
    );
    assert!(digest["dedup_key"]
        .as_str()
        .unwrap()
        .contains("/digest/2026-11-28T00:00:00.000Z"));

    // The next sweep finds them all open already: nothing is sent again.
    h.moto.reset_calls();
    h.run(sweep(rule, "2026-11-29T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(h.moto.notices(NOTIFIER), Vec::<Value>::new());
    let calls = h.moto.calls();
    assert_eq!(calls["dynamodb.Scan"], 1, "{calls}");
    assert!(
        [
            "dynamodb.GetItem",
            "dynamodb.PutItem",
            "dynamodb.UpdateItem",
            "lambda.Invoke"
        ]
        .iter()
        .all(|call| calls.get(*call).is_none()),
        "{calls}"
    );

    // Fixing a role resolves its page; a digest-covered one's key is resolved too, in case a
    // trigger of it went out whose record was lost (PagerDuty ignores it otherwise).
    let paged_name = triggers[0]["role"]["name"].as_str().unwrap().to_owned();
    let digest_name = digest["roles"][0]["name"].as_str().unwrap().to_owned();
    for name in [&paged_name, &digest_name] {
        set_trust(&h, name, LAMBDA_TRUST).await;
    }
    h.run(sweep(rule, "2026-11-30T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let notices = h.moto.notices(NOTIFIER);
    assert_eq!(notices.len(), 2, "{notices:?}");
    let mut resolved: Vec<&str> = notices.iter().map(|n| n["role"]["name"].as_str().unwrap()).collect();
    resolved.sort_unstable();
    let mut expected = [paged_name.as_str(), digest_name.as_str()];
    expected.sort_unstable();
    assert_eq!(resolved, expected);
    for notice in &notices {
        assert_eq!(notice["steps"][0]["action"], "resolve");
        assert_eq!(notice["steps"][0]["route"], "page");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_decides_on_the_role_s_row_as_it_is_not_as_it_read_it() {
    let rule = "trustcheck-stale-row";
    let (h, role) = paged_public_role(rule).await;
    // A sweep part reads the ledger...
    let paging = paging_of(&h, 20);
    let mut sweep = SweepPaging::start(
        &paging,
        (ACCOUNT, "us-east-1", rule),
        sweep_ordering(),
        Spent::default(),
    )
    .await
    .unwrap();
    // ...then a change captured before the sweep is evaluated: a new incident for a new finding.
    change_role(&h, rule, &role, PUBLIC_AND_ANY_REPO, "2026-11-27T23:00:00.000Z").await;
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("resolve", "page", "CRITICAL")]
    );
    // The sweep finds the same policy: the incident the change event opened is news no more.
    let verdict = trustcheck::check(
        PUBLIC_AND_ANY_REPO,
        &trustcheck::Role::default(),
        &trustcheck::RuleParams::default(),
    );
    let row = row_of(&h, &role).await;
    sweep
        .review(row.role.clone(), &verdict, Judged::Wholly, Taken::Yes)
        .await;
    let (_, failed) = sweep.finish(&row.role.account, &row.role.region, SWEEP_TIME, 1).await;
    assert!(failed.is_none());
    assert_eq!(steps(&h), [], "nothing sent again, no incident left open");
    let now = Ledger::new(&h.sdk, "trustcheck-alerts")
        .get(&row.dedup_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.alert.map(|a| a.incident), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_escalation_of_an_open_page_is_a_new_incident_whatever_the_budget() {
    let h = paging_harness(1, None).await;
    let rule = "trustcheck-escalation-budget";
    // Its own page open at HIGH: Lambda can't assume it.
    let role = h.create_role("b-shared", EDGE_ONLY).await;
    h.create_function("shared", &role.arn).await;
    change_role(&h, rule, &role, EDGE_ONLY, "2026-11-27T06:00:00.000Z").await;
    assert_eq!(steps(&h), [step("trigger", "page", "HIGH")]);
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    let rows = ledger.rows().await.unwrap();
    let entry = rows
        .values()
        .find(|r| r.alert.is_some())
        .expect("the role's open alert");
    // A sweep part whose page budget is spent finds anyone can now assume it (CRITICAL).
    let paging = paging_of(&h, 1);
    let at = Ordering::of(&trustcheck_aws::parse_timestamp("sweep", "2026-11-28T00:00:00.000Z").unwrap());
    let spent = Spent { paged: 1, notified: 0 };
    let mut sweep = SweepPaging::start(&paging, (ACCOUNT, "us-east-1", rule), at, spent)
        .await
        .unwrap();
    let subject = trustcheck::Role {
        arn: Some(role.arn.clone()),
        functions: vec![format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:shared")],
        ..trustcheck::Role::default()
    };
    let verdict = trustcheck::check(PUBLIC, &subject, &trustcheck::RuleParams::default());
    sweep
        .review(entry.role.clone(), &verdict, Judged::Wholly, Taken::Yes)
        .await;
    let (spent, failed) = sweep
        .finish(&entry.role.account, &entry.role.region, "2026-11-28T00:00:00.000Z", 1)
        .await;
    assert!(failed.is_none());
    assert_eq!(spent.paged, 2);
    // An escalation of the role's own page is not digested, whatever the budget: PagerDuty
    // would add a trigger with the open incident's key to it and notify nobody, so the HIGH
    // incident resolves and a CRITICAL one opens.
    let notices = h.moto.notices(NOTIFIER);
    assert!(notices.iter().all(|n| n["kind"] != "digest"), "{notices:?}");
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("resolve", "page", "HIGH")]
    );
    let recorded = ledger.get(&entry.dedup_key).await.unwrap().unwrap();
    assert_eq!(
        recorded.alert.map(|a| (a.severity, a.digest)),
        Some((Severity::Critical, false))
    );
    // Back to HIGH: nothing is sent, and the open incident is still the CRITICAL one...
    change_role(&h, rule, &role, EDGE_ONLY, "2026-11-28T03:00:00.000Z").await;
    assert_eq!(steps(&h), []);
    let recorded = ledger.get(&entry.dedup_key).await.unwrap().unwrap();
    assert_eq!(recorded.alert.map(|a| a.severity), Some(Severity::Critical));
    // ...which the fix resolves, and again the HIGH one it replaced.
    change_role(&h, rule, &role, LAMBDA_TRUST, "2026-11-28T06:00:00.000Z").await;
    assert_eq!(
        steps(&h),
        [step("resolve", "page", "CRITICAL"), step("resolve", "page", "HIGH")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_that_cant_be_sent_is_announced_again_by_the_retry() {
    // No page budget: every new alert goes into the digest.
    let h = paging_harness(0, None).await;
    let rule = "trustcheck-digest-retry";
    for i in 0..3 {
        h.create_role(&format!("broken-{i}"), PUBLIC).await;
    }
    let first = sweep(rule, "2026-11-28T00:00:00.000Z");
    // Every attempt (the SDK makes 4 here) of the digest's invocation fails.
    h.moto.inject("lambda.Invoke", &["500"; 4]);
    h.moto.reset_calls();
    let failed = h.run(first.clone(), Context::default()).await;
    assert!(failed.is_err(), "the part fails when its digest can't be sent");
    assert!(h.moto.notices(NOTIFIER).is_empty());
    let calls = h.moto.calls();
    assert_eq!(calls["lambda.Invoke"], 4, "{calls}");
    assert!(
        calls.get("dynamodb.PutItem").is_none(),
        "alerts a digest never announced are not recorded: {calls}"
    );

    // Lambda retries the invocation: the digest goes out with the same roles, and then they are recorded.
    h.moto.reset_calls();
    h.run(first, Context::default()).await.unwrap();
    let notices = h.moto.notices(NOTIFIER);
    h.moto.clear_invocations();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["kind"], "digest");
    assert_eq!(notices[0]["count"], 3);
    assert_eq!(h.moto.calls()["dynamodb.PutItem"], 3);

    // Recorded as announced: the next sweep sends nothing again.
    h.run(sweep(rule, "2026-11-29T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(h.moto.notices(NOTIFIER), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_alerts_table_stops_the_paging_not_the_evaluations() {
    let h = paging_harness(10, None).await;
    let rule = "trustcheck-ledger-down";
    let broken = h.create_role("broken", PUBLIC).await;
    let good = h.create_role("good", LAMBDA_TRUST).await;
    // Every attempt (the SDK makes 4 here) to read the open alerts fails.
    h.moto.inject("dynamodb.Scan", &["500"; 4]);
    let error = h
        .run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap_err();
    assert!(matches!(error, EvaluatorError::Paging(_)), "{error}");
    let results = h.results(rule).await;
    assert_eq!(results[&broken.id].0, "NON_COMPLIANT");
    assert_eq!(results[&good.id].0, "COMPLIANT");
    assert!(h.moto.notices(NOTIFIER).is_empty(), "nothing paged without the ledger");
    // Lambda's retry, with the table back, pages.
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
}

/// The context of an invocation with `left` until its deadline.
fn context_with(left: std::time::Duration) -> Context {
    let mut context = Context::default();
    context.deadline = (std::time::SystemTime::now() + left)
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    context.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:trustcheck-evaluator".into();
    context
}

/// The event the sweep handed on to its next part (its asynchronous invocation of itself).
fn handed_on(h: &Harness) -> Value {
    let invocations = h.moto.async_invocations();
    let continuation = invocations.iter().find(|i| i["function"] != NOTIFIER);
    continuation.expect("a continuation")["payload"].clone()
}

/// `count` roles with `policy` and the first part of a sweep of them, paging with `budget`: the
/// harness and the event that part handed on.
async fn first_part_of_a_paced_sweep(budget: usize, rule: &str, count: usize, policy: &str) -> (Harness, Value) {
    let mut h = paging_harness(budget, None).await;
    // Pages of two roles and a reserve longer than the deadline: each part does one page.
    h.state = std::mem::replace(&mut h.state, State::new(h.sdk.clone(), None))
        .with_sweep_pacing(2, std::time::Duration::from_secs(30));
    for i in 0..count {
        h.create_role(&format!("{rule}-{i}"), policy).await;
    }
    let first = h
        .run(
            sweep(rule, "2026-11-28T00:00:00.000Z"),
            context_with(std::time::Duration::from_secs(20)),
        )
        .await
        .unwrap();
    assert!(first.continued);
    let next = handed_on(&h);
    (h, next)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_part_that_cant_read_the_ledger_hands_on_the_budget_already_spent() {
    let rule = "trustcheck-ledger-budget";
    let (h, mut next) = first_part_of_a_paced_sweep(10, rule, 5, MEDIUM).await;
    h.moto.clear_invocations();
    // As if earlier parts had spent 7 of the budget; this part can't read the ledger.
    next["trustcheckSweep"]["paged"] = json!(7);
    h.moto.inject("dynamodb.Scan", &["500"; 4]);
    let second = h
        .run(next, context_with(std::time::Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(second.continued, "a part that handed on succeeds");
    let third = handed_on(&h);
    assert_eq!(
        third["trustcheckSweep"]["paged"], 7,
        "the budget spent before still counts"
    );
    assert_eq!(third["trustcheckSweep"]["paging_failed"], true);
    // The last part does its own work and fails for the earlier part's paging.
    h.moto.clear_invocations();
    let error = h
        .run(third, context_with(std::time::Duration::from_secs(300)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            EvaluatorError::EarlierParts {
                unwritten: 0,
                paging_failed: true
            }
        ),
        "{error}"
    );
    assert!(!error.to_string().contains("left as they were"), "{error}");
}

/// The digest notices handed to the notifier since the last look.
fn digests_sent(h: &Harness) -> Vec<Value> {
    h.moto
        .notices(NOTIFIER)
        .into_iter()
        .filter(|n| n["kind"] == "digest")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_part_over_the_budget_sends_a_digest_of_its_own() {
    let (h, next) = first_part_of_a_paced_sweep(1, "trustcheck-digest-parts", 6, PUBLIC).await;
    let first_digests = digests_sent(&h);
    h.moto.clear_invocations();
    h.run(next, context_with(std::time::Duration::from_secs(300)))
        .await
        .unwrap();
    let second_digests = digests_sent(&h);
    assert_eq!((first_digests.len(), second_digests.len()), (1, 1));
    assert_eq!(
        (&first_digests[0]["count"], &second_digests[0]["count"]),
        (&json!(1), &json!(4))
    );
    // Under the first part's key, PagerDuty would fold the second digest into an incident that
    // may be acknowledged already, and notify nobody.
    assert_ne!(
        first_digests[0]["dedup_key"], second_digests[0]["dedup_key"],
        "each part's digest is an incident of its own"
    );
}

/// A public role paged by the sweep of 2026-11-28.
async fn paged_by_a_sweep(rule: &str) -> (Harness, RoleIds) {
    let h = paging_harness(20, None).await;
    let role = h.create_role("short-lived", PUBLIC).await;
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    (h, role)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_role_seen_by_the_sweep_resolves() {
    let rule = "trustcheck-gone";
    let (h, role) = paged_by_a_sweep(rule).await;
    h.iam.delete_role().role_name(&role.name).send().await.unwrap();
    h.run(sweep(rule, "2026-11-29T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_role_whose_resolve_failed_is_resolved_by_the_next_sweep() {
    let rule = "trustcheck-gone-unpaged";
    let (h, role) = paged_by_a_sweep(rule).await;
    // The deletion is evaluated (NOT_APPLICABLE written), but its resolve can't be handed to the
    // notifier (every attempt fails): the invocation fails, and Lambda's retries fail too.
    h.iam.delete_role().role_name(&role.name).send().await.unwrap();
    h.moto.inject("lambda.Invoke", &["500"; 12]);
    let deleted = at(
        event("deleted.json", rule, Some(&role), ""),
        "configurationItemCaptureTime",
        "2026-11-28T06:00:00.000Z",
    );
    assert!(h.run(deleted, Context::default()).await.is_err());
    h.moto.clear_faults();
    assert_eq!(h.results(rule).await[&role.id].0, "NOT_APPLICABLE");
    h.moto.clear_invocations();
    // The next sweep no longer sees the role, and its result is already NOT_APPLICABLE: the
    // open page is resolved all the same.
    h.run(sweep(rule, "2026-11-29T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn over_budget_alerts_below_page_at_get_a_digest_of_their_own_route() {
    let h = paging_harness(1, None).await;
    for (name, policy) in [
        ("public-1", PUBLIC),
        ("public-2", PUBLIC),
        ("partner-1", MEDIUM),
        ("partner-2", MEDIUM),
    ] {
        h.create_role(name, policy).await;
    }
    h.invoke("scheduled.json", "trustcheck-routes", None, "").await.unwrap();
    let notices = h.moto.notices(NOTIFIER);
    // Each route has its own budget: a notification never takes a page's place.
    let mut routes: Vec<&str> = notices
        .iter()
        .filter(|n| n["kind"] == "transition")
        .map(|n| n["steps"][0]["route"].as_str().unwrap())
        .collect();
    routes.sort_unstable();
    assert_eq!(routes, ["notify", "page"], "{notices:?}");
    let digests: Vec<&Value> = notices.iter().filter(|n| n["kind"] == "digest").collect();
    let counted: u64 = digests.iter().map(|d| d["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 2, "{digests:?}");
    for digest in digests {
        let expected = if digest["route"] == "page" {
            "CRITICAL"
        } else {
            "MEDIUM"
        };
        assert!(
            digest["roles"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["severity"] == expected),
            "{digest}"
        );
        assert_eq!(
            digest["dedup_key"].as_str().unwrap().ends_with("/notify"),
            digest["route"] == "notify"
        );
    }
}

/// The sources of a role's functions, wired as in the product's origin story: one broken role
/// shared by the consumers of an SQS queue, a FIFO queue, a Kinesis stream and (disabled) a
/// DynamoDB stream.
async fn wire_sources(h: &Harness, role_arn: &str) {
    let sqs = aws_sdk_sqs::Client::new(&h.sdk);
    let queue = sqs.create_queue().queue_name("orders-queue").send().await.unwrap();
    let queue_url = queue.queue_url().unwrap();
    for i in 0..3 {
        sqs.send_message()
            .queue_url(queue_url)
            .message_body(format!("order {i}"))
            .send()
            .await
            .unwrap();
    }
    let fifo = sqs
        .create_queue()
        .queue_name("orders.fifo")
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .unwrap();
    let queue_arn = |url: &str| {
        let name = url.rsplit('/').next().unwrap();
        format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
    };
    h.moto.aws_json(
        "Kinesis_20131202.CreateStream",
        "kinesis",
        json!({"StreamName": "clicks", "ShardCount": 1}),
    );
    let dynamodb = aws_sdk_dynamodb::Client::new(&h.sdk);
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
        StreamViewType,
    };
    let table = dynamodb
        .create_table()
        .table_name("orders")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewImage)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let table_stream = table
        .table_description()
        .unwrap()
        .latest_stream_arn()
        .unwrap()
        .to_owned();
    let sources = [
        ("orders-consumer", queue_arn(queue_url), true),
        ("orders-fifo-consumer", queue_arn(fifo.queue_url().unwrap()), true),
        (
            "clicks-consumer",
            format!("arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks"),
            true,
        ),
        ("table-consumer", table_stream, false),
    ];
    for (function, source, enabled) in sources {
        let function_arn = h.create_function(function, role_arn).await;
        // The stream is read through an alias, as CodeDeploy and provisioned concurrency attach
        // it: a listing by the function's own name doesn't return that mapping.
        let attached = match function {
            "clicks-consumer" => {
                let published = h
                    .lambda
                    .publish_version()
                    .function_name(&function_arn)
                    .send()
                    .await
                    .unwrap();
                h.lambda
                    .create_alias()
                    .function_name(&function_arn)
                    .name("live")
                    .function_version(published.version().unwrap())
                    .send()
                    .await
                    .unwrap();
                format!("{function_arn}:live")
            }
            _ => function_arn,
        };
        let mut mapping = h
            .lambda
            .create_event_source_mapping()
            .function_name(&attached)
            .event_source_arn(source)
            .enabled(enabled);
        if !function.starts_with("orders") {
            mapping = mapping.starting_position(aws_sdk_lambda::types::EventSourcePosition::TrimHorizon);
        }
        mapping.send().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_role_names_the_mappings_it_stops_and_the_fix_resolves() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-mappings";
    let role = h.create_role("shared-consumer-role", EDGE_ONLY).await;
    wire_sources(&h, &role.arn).await;
    h.moto.reset_calls();
    let change = |policy: &str, time: &str| changed_at(rule, &role, policy, time);
    h.run(change(EDGE_ONLY, "2026-11-30T06:00:00.000Z"), Context::default())
        .await
        .unwrap();

    // Config: the annotation leads with the mapping whose records expire.
    let (compliance, annotation) = &h.results(rule).await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.starts_with("LAMBDA_TRUST_MISSING: only edgelambda.amazonaws.com is trusted; lambda.amazonaws.com can't assume this role; stops: clicks-consumer reads Kinesis clicks: records expire"),
        "{annotation}"
    );
    assert!(annotation.chars().count() <= 256);
    // One listing of the region, as a sweep's, and one backlog read for each enabled queue.
    let calls = h.moto.calls();
    assert_eq!(calls["lambda.ListEventSourceMappings"], 1, "{calls}");
    assert_eq!(calls["sqs.GetQueueAttributes"], 2, "{calls}");

    // The notice: CRITICAL (records expire), every stopped mapping with its risk and evidence.
    let notices = h.moto.notices(NOTIFIER);
    h.moto.clear_invocations();
    let notice = notices.iter().find(|n| n["kind"] == "transition").expect("a notice");
    assert_eq!(notice["steps"][0]["action"], "trigger");
    assert_eq!(notice["steps"][0]["severity"], "CRITICAL");
    let stopped: Vec<(&str, &str, &str)> = notice["stopped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap(),
                s["state"].as_str().unwrap(),
                s["backlog"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        stopped,
        [
            ("KINESIS", "Enabled", "-"),
            ("SQS", "Enabled", "3 messages waiting"),
            ("SQS_FIFO", "Enabled", "0 messages waiting"),
            ("DYNAMODB_STREAM", "Disabled", "-"),
        ]
    );

    // The fix resolves the page where it opened.
    h.run(change(LAMBDA_TRUST, "2026-11-30T06:10:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_names_the_mappings_too_with_one_listing_per_region() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-mapped-sweep";
    let role = h.create_role("shared-consumer-role", EDGE_ONLY).await;
    wire_sources(&h, &role.arn).await;
    // Lambda reports the queue's mapping failing: the page leads with it.
    let listed = h.lambda.list_event_source_mappings().send().await.unwrap();
    let queue_mapping = listed
        .event_source_mappings()
        .iter()
        .find(|m| m.event_source_arn().is_some_and(|a| a.ends_with(":orders-queue")))
        .and_then(|m| m.uuid())
        .unwrap()
        .to_owned();
    h.moto.set_mapping(
        &queue_mapping,
        json!({"lastProcessingResult": "PROBLEM: Function call failed"}),
    );
    h.moto.reset_calls();
    h.run(sweep(rule, "2026-11-30T07:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let (compliance, annotation) = &h.results(rule).await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains("stops: orders-consumer reads SQS orders-queue (failing now)"),
        "{annotation}"
    );
    let calls = h.moto.calls();
    // Every mapping of the region in one listing; no backlog reads in a sweep.
    assert_eq!(calls["lambda.ListEventSourceMappings"], 1, "{calls}");
    assert!(calls.get("sqs.GetQueueAttributes").is_none_or(|n| n == 0), "{calls}");
    let notices = h.moto.notices(NOTIFIER);
    let notice = notices.iter().find(|n| n["kind"] == "transition").expect("a notice");
    assert_eq!(notice["stopped"][0]["last_result"], "PROBLEM: Function call failed");
    assert_eq!(notice["steps"][0]["severity"], "CRITICAL");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_in_another_region_is_read_in_its_region() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-mapped-regions";
    let role = h.create_role("eu-consumer-role", EDGE_ONLY).await;
    let function = h.create_function_in("eu-west-1", "eu-orders-consumer", &role.arn).await;
    let in_eu = |sdk: &aws_config::SdkConfig| sdk.to_builder().region(aws_config::Region::new("eu-west-1")).build();
    let eu = in_eu(&h.sdk);
    let sqs = aws_sdk_sqs::Client::new(&eu);
    let queue = sqs.create_queue().queue_name("eu-orders").send().await.unwrap();
    sqs.send_message()
        .queue_url(queue.queue_url().unwrap())
        .message_body("order")
        .send()
        .await
        .unwrap();
    aws_sdk_lambda::Client::new(&eu)
        .create_event_source_mapping()
        .function_name(&function)
        .event_source_arn(format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:eu-orders"))
        .send()
        .await
        .unwrap();
    h.run(event("change.json", rule, Some(&role), EDGE_ONLY), Context::default())
        .await
        .unwrap();
    let (_, annotation) = &h.results(rule).await[&role.id];
    assert!(
        annotation.contains("stops: eu-orders-consumer reads SQS eu-orders: messages pile up"),
        "{annotation}"
    );
    let notices = h.moto.notices(NOTIFIER);
    let notice = notices.iter().find(|n| n["kind"] == "transition").expect("a notice");
    assert_eq!(notice["stopped"][0]["backlog"], "1 message waiting");
    // An SQS mapping alone: HIGH, not CRITICAL.
    assert_eq!(notice["steps"][0]["severity"], "HIGH");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_whose_mappings_cant_be_listed_fails_closed_for_the_roles_with_functions_only() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-unlisted-sweep";
    let used = h.create_role("used-role", EDGE_ONLY).await;
    h.create_function_in("eu-west-1", "orders", &used.arn).await;
    // A function in a region whose listing works: its mappings are known.
    let listed = h.create_role("listed-role", EDGE_ONLY).await;
    h.create_function_in("us-east-1", "billing", &listed.arn).await;
    // No function uses it: its mappings don't matter, whatever the listing did.
    let unused = h.create_role("unused-role", MEDIUM).await;
    h.moto.inject("lambda.ListEventSourceMappings@eu-west-1", &["500"; 40]);
    h.run(sweep(rule, "2026-11-30T07:00:00.000Z"), Context::default())
        .await
        .unwrap();
    h.moto.clear_faults();
    let results = h.results(rule).await;
    let (_, annotation) = &results[&used.id];
    assert!(
        annotation.contains("event source mappings could not be listed"),
        "{annotation}"
    );
    for other in [&listed, &unused] {
        let (_, annotation) = &results[&other.id];
        assert!(!annotation.contains("could not be listed"), "{annotation}");
    }
    let notices = h.moto.notices(NOTIFIER);
    let severity_of = |role: &RoleIds| {
        notices
            .iter()
            .find(|n| n["kind"] == "transition" && n["role"]["id"] == role.id.as_str())
            .map(|n| n["steps"][0]["severity"].clone())
    };
    assert_eq!(severity_of(&used), Some(json!("CRITICAL")));
    assert_eq!(severity_of(&listed), Some(json!("HIGH")));
    assert_eq!(severity_of(&unused), Some(json!("MEDIUM")));
}

#[tokio::test(flavor = "multi_thread")]
async fn mappings_that_cant_be_listed_fail_closed() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-unlisted";
    let role = h.create_role("shared-consumer-role", EDGE_ONLY).await;
    wire_sources(&h, &role.arn).await;
    // Every attempt of every listing fails: the role is still judged, as if its mappings read a
    // stream whose records expire (CRITICAL), never less: a failed listing must not lower a page
    // below PAGE_AT or let an exemption hide it.
    h.moto.inject("ListEventSourceMappings", &["500"; 40]);
    h.run(event("change.json", rule, Some(&role), EDGE_ONLY), Context::default())
        .await
        .unwrap();
    let (compliance, annotation) = &h.results(rule).await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_TRUST_MISSING"), "{annotation}");
    assert!(
        annotation.contains("event source mappings could not be listed"),
        "{annotation}"
    );
    let notices = h.moto.notices(NOTIFIER);
    let notice = notices.iter().find(|n| n["kind"] == "transition").expect("a notice");
    assert_eq!(notice["steps"][0]["severity"], "CRITICAL");
    assert_eq!(notice["steps"][0]["route"], "page");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolve_sent_over_the_budget_is_in_the_ledger_before_the_digest() {
    let rule = "trustcheck-held-resolve";
    let (h, role) = paged_public_role(rule).await;
    // A sweep whose notify route is spent finds the role MEDIUM (a change event it missed): the
    // page resolves now, the notification goes into the digest at the end of the part.
    let paging = paging_of(&h, 20);
    let mut sweep = notify_spent_part(&paging, rule).await;
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    let row = row_of(&h, &role).await;
    let medium = medium_verdict(&role);
    sweep
        .review(row.role.clone(), &medium, Judged::Wholly, Taken::Yes)
        .await;
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
    let now = ledger.get(&row.dedup_key).await.unwrap().unwrap();
    assert!(now.alert.is_none(), "the row says what PagerDuty has: no incident open");
    // Before the digest goes, the role is made public again: it pages.
    change_role(&h, rule, &role, PUBLIC, "2026-11-28T00:01:00.000Z").await;
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    let (_, failed) = sweep.finish(&row.role.account, &row.role.region, SWEEP_TIME, 1).await;
    assert!(failed.is_none());
    // The change event's incident stands: the digest's alert is not recorded over it.
    let now = ledger.get(&row.dedup_key).await.unwrap().unwrap();
    let alert = now.alert.expect("the new page's alert");
    assert_eq!(
        (alert.route, alert.severity, alert.digest),
        (trustcheck_aws::alerts::Route::Page, Severity::Critical, false)
    );
}

/// (action, severity, incident) of every step of every notice since the last look.
fn numbered_steps(h: &Harness) -> Vec<(String, String, u64)> {
    sent_steps(h)
        .iter()
        .map(|s| {
            (
                text(s, "action"),
                text(s, "severity"),
                s["incident"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_evaluations_deciding_on_one_row_leave_no_incident_open() {
    let rule = "trustcheck-race";
    let (h, role) = paged_public_role(rule).await;
    numbered_steps(&h);
    // Two evaluations of the role read its row (CRITICAL, incident 0 open) at the same time.
    let read = row_of(&h, &role).await;
    // The first to write: a new finding, so incident 0 resolves and incident 1 opens.
    change_role(&h, rule, &role, PUBLIC_AND_ANY_REPO, "2026-11-27T07:00:00.000Z").await;
    assert_eq!(
        numbered_steps(&h),
        [
            ("trigger".into(), "CRITICAL".into(), 1),
            ("resolve".into(), "CRITICAL".into(), 0)
        ]
    );
    // The second (the role made MEDIUM) decided on the row as it read it: its write is refused,
    // so it decides again on the row as it is, and closes incident 1, not 0 again (incident 1
    // would be left open for good).
    let medium = medium_verdict(&role);
    let at = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T08:00:00.000Z").unwrap());
    paging_of(&h, 20)
        .review_on(rule, read.role.clone(), &at, &medium, Some(read.clone()))
        .await
        .unwrap();
    assert_eq!(
        numbered_steps(&h),
        [
            ("trigger".into(), "MEDIUM".into(), 2),
            ("resolve".into(), "CRITICAL".into(), 1),
            // The one incident 1 replaced, again.
            ("resolve".into(), "CRITICAL".into(), 0)
        ]
    );
    let now = row_of(&h, &role).await;
    assert_eq!((now.next_incident, now.pending.is_none()), (3, true));
}

#[tokio::test(flavor = "multi_thread")]
async fn steps_recorded_but_not_handed_to_the_notifier_are_sent_by_the_retry() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-unsent";
    let role = h.create_role("deploy-role", PUBLIC).await;
    let change = changed_at(rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z");
    // The notifier can't be invoked: the trigger is recorded as pending, and the invocation fails.
    h.moto.inject("lambda.Invoke", &["500"; 12]);
    assert!(h.run(change.clone(), Context::default()).await.is_err());
    h.moto.clear_faults();
    assert_eq!(steps(&h), []);
    let row = row_of(&h, &role).await;
    let pending = row.pending.expect("recorded before it was sent");
    assert_eq!(pending.steps.len(), 1);
    // Lambda's retry of the same event finds the row its first attempt wrote: it sends the step
    // and clears it, and decides nothing new.
    h.run(change, Context::default()).await.unwrap();
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    assert!(row_of(&h, &role).await.pending.is_none());
}

/// A sweep whose result for a role Config did not take leaves that role's page as it is, but
/// still sends the notice an earlier evaluation recorded and could not hand on: for a role
/// fixed since, and for one still broken.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sweep_still_sends_a_notice_left_pending() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-refused-pending";
    let fixed = h.create_role("fixed-role", PUBLIC).await;
    let broken = h.create_role("broken-role", PUBLIC).await;
    for role in [&fixed, &broken] {
        h.moto.inject("lambda.Invoke", &["500"; 12]);
        let change = changed_at(rule, role, PUBLIC, "2026-11-27T06:00:00.000Z");
        assert!(h.run(change, Context::default()).await.is_err());
        h.moto.clear_faults();
        assert!(row_of(&h, role).await.pending.is_some());
    }
    set_trust(&h, &fixed.name, LAMBDA_TRUST).await;
    h.moto
        .inject("PutEvaluations", &["error:InvalidResultTokenException"; 4]);
    let refused = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    h.moto.clear_faults();
    assert!(refused.is_err());
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("trigger", "page", "CRITICAL")],
        "both sent, and nothing resolved"
    );
    for role in [&fixed, &broken] {
        assert!(row_of(&h, role).await.pending.is_none());
    }
}

/// A sweep Config never sent (its token refused) that digests a role over its budget records it
/// no later than the row says, as it records every other role: dated at the sweep, it would hold
/// off the role's real evaluations made before it, a fix among them, which must resolve.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sweep_s_digest_holds_off_no_earlier_real_evaluation() {
    let h = paging_harness(1, None).await;
    let rule = "trustcheck-refused-digest";
    let roles = [
        h.create_role("broken-a", PUBLIC).await,
        h.create_role("broken-b", PUBLIC).await,
    ];
    h.moto
        .inject("PutEvaluations", &["error:InvalidResultTokenException"; 4]);
    let refused = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    h.moto.clear_faults();
    assert!(refused.is_err());
    let digests = digests_sent(&h);
    assert_eq!(digests.len(), 1, "one role paged, the other digested");
    let digested = digests[0]["roles"][0]["name"].as_str().unwrap().to_owned();
    h.moto.clear_invocations();
    let role = roles.iter().find(|r| r.name == digested).unwrap();
    // Fixed a minute before the forged sweep's time; Config's change event arrives after it.
    set_trust(&h, &role.name, LAMBDA_TRUST).await;
    let fix = changed_at(rule, role, LAMBDA_TRUST, "2026-11-27T23:59:00.000Z");
    h.run(fix, Context::default()).await.unwrap();
    assert_eq!(
        steps(&h),
        [step("resolve", "page", "CRITICAL")],
        "the fix resolves the digested alert"
    );
}

/// A sweep whose results Config refused (a forged or replayed `ScheduledNotification`) and that
/// Lambda retries counts the pages it sent against its budget as any other: each attempt can't
/// page a budget's worth of roles anew.
#[tokio::test(flavor = "multi_thread")]
async fn a_retried_refused_sweep_counts_the_pages_it_sent_against_its_budget() {
    let h = paging_harness(1, None).await;
    let rule = "trustcheck-refused-budget";
    h.create_role("broken-a", PUBLIC).await;
    h.moto
        .inject("PutEvaluations", &["error:InvalidResultTokenException"; 8]);
    let refused = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    assert!(refused.is_err());
    assert_eq!(steps(&h), [step("trigger", "page", "CRITICAL")]);
    // A role broken since; the retry, refused again, has spent its budget: a digest, not a page.
    h.create_role("broken-b", PUBLIC).await;
    let retried = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    h.moto.clear_faults();
    assert!(retried.is_err());
    let digests = digests_sent(&h);
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(digests[0]["roles"][0]["name"], "broken-b");
    assert!(steps(&h).is_empty(), "no page of its own");
}

/// A retried sweep part counts the pages its first attempt sent, not the rows it re-recorded
/// without one (a finding that is no news on an open page): those would use up the budget, and
/// every role broken since would go into a digest instead of a page of its own.
#[tokio::test(flavor = "multi_thread")]
async fn a_retried_sweep_counts_only_the_pages_it_sent_against_its_budget() {
    let budget = 2;
    let h = paging_harness(budget, None).await;
    let rule = "trustcheck-budget-counted";
    // Three roles paged, then trusting a service too (a LOW finding more: no news on their pages).
    let broad = PUBLIC.replace(
        "}]}",
        r#"},{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    );
    assert_ne!(broad, PUBLIC);
    for i in 0..3 {
        let role = h.create_role(&format!("paged-{i}"), PUBLIC).await;
        change_role(&h, rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z").await;
        set_trust(&h, &role.name, &broad).await;
    }
    assert_eq!(steps(&h).len(), 3);
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert!(steps(&h).is_empty(), "re-recorded, nothing sent");
    // Two roles broken since; the same sweep run again (Lambda's retry) pages both.
    for i in 0..2 {
        h.create_role(&format!("broken-{i}"), PUBLIC).await;
    }
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert!(digests_sent(&h).is_empty(), "no digest");
    assert_eq!(
        steps(&h),
        [step("trigger", "page", "CRITICAL"), step("trigger", "page", "CRITICAL")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_whose_sends_fail_still_keeps_to_its_budget_when_retried() {
    let budget = 2;
    let h = paging_harness(budget, None).await;
    let rule = "trustcheck-budget-kept";
    for i in 0..5 {
        h.create_role(&format!("broken-{i}"), PUBLIC).await;
    }
    // The notifier can't be invoked during the first attempt: two pages are recorded (the
    // budget), the rest wait for a digest that can't be sent either.
    h.moto.inject("lambda.Invoke", &["500"; 200]);
    let first = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    assert!(first.is_err(), "the sweep fails for what it could not send");
    h.moto.clear_faults();
    h.moto.clear_invocations();
    // Lambda's retry sends the two recorded pages, counted against the budget, and one digest
    // of the other three: not five pages.
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let digests = digests_sent(&h);
    let page = step("trigger", "page", "CRITICAL");
    assert_eq!(steps(&h), [page.clone(), page]);
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0]["count"], 3);
}

/// A page the first attempt recorded but could not send is counted once on the retry: as the
/// attempt's own page (from the ledger), not again when the retry sends it, which would leave a
/// role broken since to the digest though the budget has room for its page.
#[tokio::test(flavor = "multi_thread")]
async fn a_retried_sweep_counts_the_page_it_sends_for_its_first_attempt_once() {
    let budget = 2;
    let h = paging_harness(budget, None).await;
    let rule = "trustcheck-budget-resent";
    let mut roles = Vec::new();
    for i in 0..3 {
        roles.push(h.create_role(&format!("role-{i}"), LAMBDA_TRUST).await);
    }
    // The sweep reads the roles in the order of their ids: the first one read is the one broken
    // first, so that its page, sent again, is counted before the others are judged.
    roles.sort_by(|a, b| a.id.cmp(&b.id));
    set_trust(&h, &roles[0].name, PUBLIC).await;
    h.moto.inject("lambda.Invoke", &["500"; 200]);
    let first = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    assert!(first.is_err(), "the page could not be sent");
    h.moto.clear_faults();
    h.moto.clear_invocations();
    for role in &roles[1..] {
        set_trust(&h, &role.name, PUBLIC).await;
    }
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let digests = digests_sent(&h);
    let page = step("trigger", "page", "CRITICAL");
    assert_eq!(steps(&h), [page.clone(), page], "the first page and one of the others'");
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0]["count"], 1);
}

/// A part that paged its budget and then failed before it finished (the cleanup could not read
/// Config's results) is retried by Lambda: the pages it sent are counted again from the ledger,
/// so the retry pages nobody past the budget and sends the rest in one digest.
#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_that_failed_after_paging_keeps_to_its_budget_when_retried() {
    let budget = 2;
    let h = paging_harness(budget, None).await;
    let rule = "trustcheck-budget-after-failure";
    for i in 0..5 {
        h.create_role(&format!("broken-{i}"), PUBLIC).await;
    }
    h.moto.inject("GetComplianceDetailsByConfigRule", &["500"; 20]);
    let first = h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default()).await;
    h.moto.clear_faults();
    assert!(first.is_err(), "the cleanup failed");
    let page = step("trigger", "page", "CRITICAL");
    assert_eq!(steps(&h), [page.clone(), page]);
    assert!(digests_sent(&h).is_empty());
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    let digests = digests_sent(&h);
    assert_eq!(steps(&h), [], "no page past the budget");
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0]["count"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_being_sent_by_the_evaluation_that_wrote_it_is_not_sent_again() {
    let rule = "trustcheck-no-double";
    let (h, role) = paged_public_role(rule).await;
    numbered_steps(&h);
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    let opened = row_of(&h, &role).await;
    // An evaluation at 07:00 has just recorded its decision (a new finding: incident 0 resolves,
    // incident 1 opens) and is handing its notice to the notifier...
    let widened = trustcheck::check(
        PUBLIC_AND_ANY_REPO,
        &trustcheck::Role::default(),
        &trustcheck::RuleParams::default(),
    );
    let at_7 = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T07:00:00.000Z").unwrap());
    let review = trustcheck_aws::alerts::Review::new(
        opened.alert.as_ref(),
        trustcheck_aws::alerts::Alert::for_verdict(&widened, Severity::High),
        opened.next_incident,
    );
    let notice = trustcheck_aws::alerts::Transition::new(
        opened.dedup_key.clone(),
        rule,
        opened.role.clone(),
        at_7.clone(),
        &widened,
        review.steps.clone(),
    );
    let decided = LedgerEntry {
        alert: review.record.unwrap_or(opened.alert),
        ordering_ms: at_7.millis,
        next_incident: review.next_incident,
        pending: Some(notice),
        ..opened.clone()
    };
    let written = ledger.record(&decided, Some(opened.version())).await.unwrap().unwrap();
    let read = row_of(&h, &role).await;
    let key = opened.dedup_key.clone();
    let clearing = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        ledger.clear_pending(&key, written).await.unwrap(); // ...which it has sent
    });
    // An evaluation at 08:00 (the role made MEDIUM) reads the row meanwhile: it waits for that
    // notice to go instead of sending it a second time, then decides on incident 1.
    let medium = medium_verdict(&role);
    let at_8 = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T08:00:00.000Z").unwrap());
    paging_of(&h, 20)
        .review_on(rule, read.role.clone(), &at_8, &medium, Some(read))
        .await
        .unwrap();
    clearing.await.unwrap();
    assert_eq!(
        numbered_steps(&h),
        [
            ("trigger".into(), "MEDIUM".into(), 2),
            ("resolve".into(), "CRITICAL".into(), 1),
            // The one incident 1 replaced, again.
            ("resolve".into(), "CRITICAL".into(), 0)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolve_over_the_budget_that_could_not_be_sent_stays_pending_past_the_digest() {
    let rule = "trustcheck-held-unsent";
    let (h, role) = paged_public_role(rule).await;
    let paging = paging_of(&h, 20);
    let mut sweep = notify_spent_part(&paging, rule).await;
    let row = row_of(&h, &role).await;
    let medium = medium_verdict(&role);
    // The page's resolve is recorded, but the notifier can't be invoked.
    h.moto.inject("lambda.Invoke", &["500"; 50]);
    sweep
        .review(row.role.clone(), &medium, Judged::Wholly, Taken::Yes)
        .await;
    h.moto.clear_faults();
    let (_, failed) = sweep.finish(&row.role.account, &row.role.region, SWEEP_TIME, 1).await;
    assert!(failed.is_some(), "the part fails for the resolve it could not send");
    // The digest's alert was not recorded over the resolve still to be sent.
    let now = row_of(&h, &role).await;
    assert!(now.alert.is_none());
    let pending = now.pending.expect("the resolve, still pending");
    let resolve = (
        trustcheck_aws::alerts::Action::Resolve,
        trustcheck_aws::alerts::Route::Page,
    );
    assert!(
        pending.steps.iter().any(|s| (s.action, s.route) == resolve),
        "{:?}",
        pending.steps
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_part_of_a_sweep_sends_what_an_earlier_part_could_not() {
    let rule = "trustcheck-left-pending";
    let (h, role) = paged_public_role(rule).await;
    // An earlier part resolved the role's page (it was fixed) and could not send the resolve.
    let (opened, _) = resolve_left_pending(&h, rule, &role, &sweep_ordering()).await;
    // The last part, which did not review the role (an earlier part did), sends it.
    let paging = paging_of(&h, 20);
    let mut sweep = SweepPaging::start(
        &paging,
        (ACCOUNT, "us-east-1", rule),
        sweep_ordering(),
        Spent::default(),
    )
    .await
    .unwrap();
    let seen = std::collections::HashSet::from([role.id.clone()]);
    sweep
        .gone_unseen(&opened.role.account, &opened.role.region, &seen)
        .await;
    let (_, failed) = sweep
        .finish(&opened.role.account, &opened.role.region, SWEEP_TIME, 2)
        .await;
    assert!(failed.is_none());
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
    assert!(row_of(&h, &role).await.pending.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_left_pending_is_sent_by_one_reader_only() {
    let rule = "trustcheck-one-reader";
    let (h, role) = paged_public_role(rule).await;
    // An evaluation recorded the page's resolve (the role fixed) and failed before sending it.
    let at_7 = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T07:00:00.000Z").unwrap());
    let (opened, written) = resolve_left_pending(&h, rule, &role, &at_7).await;
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    age_pending(&h, &opened.dedup_key).await;
    // An evaluation at 08:00 (the role still fixed) reads the row; another reader takes the
    // notice first and is sending it...
    let read = row_of(&h, &role).await;
    assert!(ledger.claim_pending(&opened.dedup_key, written, 1).await.unwrap());
    let key = opened.dedup_key.clone();
    let sending = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        ledger.clear_pending(&key, written).await.unwrap();
    });
    // ...so the evaluation finds it taken, waits for it, and sends nothing of its own: the row
    // already says what it would.
    let fixed = trustcheck::Verdict::not_applicable("exempt");
    let at_8 = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T08:00:00.000Z").unwrap());
    paging_of(&h, 20)
        .review_on(rule, read.role.clone(), &at_8, &fixed, Some(read))
        .await
        .unwrap();
    sending.await.unwrap();
    assert_eq!(steps(&h), []);
    assert!(row_of(&h, &role).await.pending.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_taken_by_a_reader_that_then_fails_is_still_sent() {
    let rule = "trustcheck-taken-lost";
    let (h, role) = paged_public_role(rule).await;
    let at_7 = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T07:00:00.000Z").unwrap());
    let (opened, written) = resolve_left_pending(&h, rule, &role, &at_7).await;
    age_pending(&h, &opened.dedup_key).await;
    let read = row_of(&h, &role).await;
    // Another reader takes the notice and fails before sending it: it stays pending.
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    assert!(ledger.claim_pending(&opened.dedup_key, written, 1).await.unwrap());
    // An evaluation that read the row before finds it taken, reads it again rather than write
    // over it, and once the claim is old sends it itself.
    let exempt = trustcheck::Verdict::not_applicable("exempt");
    let at_8 = Ordering::of(&trustcheck_aws::parse_timestamp("t", "2026-11-27T08:00:00.000Z").unwrap());
    paging_of(&h, 20)
        .review_on(rule, read.role.clone(), &at_8, &exempt, Some(read))
        .await
        .unwrap();
    assert_eq!(steps(&h), [step("resolve", "page", "CRITICAL")]);
    assert!(row_of(&h, &role).await.pending.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ledger_write_lands_only_on_the_row_it_was_decided_on() {
    let h = paging_harness(20, None).await;
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    let row = |ordering_ms: i64, next_incident: u32| LedgerEntry {
        dedup_key: "aws-config/k".into(),
        role: trustcheck_aws::alerts::RoleRef {
            id: "AROAEXAMPLE".into(),
            name: "r".into(),
            arn: None,
            account: ACCOUNT.into(),
            region: "us-east-1".into(),
        },
        alert: None,
        ordering_ms,
        next_incident,
        writes: 0,
        pending: None,
        pending_since_ms: 0,
        triggered_ms: 0,
    };
    let first = ledger.record(&row(2_000, 4), None).await.unwrap().expect("written");
    // A second evaluation that found no row either lost the race.
    assert_eq!(ledger.record(&row(2_500, 1), None).await.unwrap(), None);
    // Two evaluations decided on the first row: the one that writes first opens incident 4, the
    // other is refused (newer or not), to read the row again and decide on incident 5.
    let second = ledger
        .record(&row(3_000, 5), Some(first))
        .await
        .unwrap()
        .expect("written");
    assert_eq!(ledger.record(&row(3_500, 5), Some(first)).await.unwrap(), None);
    // Even a write at the same time that opens nothing is a new version (a retry of the same
    // event with another verdict): one decided on the version before it is refused.
    let third = ledger
        .record(&row(3_000, 5), Some(second))
        .await
        .unwrap()
        .expect("written");
    assert_eq!(third.writes, 3);
    assert_eq!(ledger.record(&row(3_000, 5), Some(second)).await.unwrap(), None);
    // A row of the release before, which didn't count its writes, is told by its time.
    let legacy = LedgerEntry {
        dedup_key: "aws-config/legacy".into(),
        ..row(1_000, 1)
    };
    let dynamodb = aws_sdk_dynamodb::Client::new(&h.sdk);
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.into());
    let n = |v: i64| aws_sdk_dynamodb::types::AttributeValue::N(v.to_string());
    dynamodb
        .put_item()
        .table_name("trustcheck-alerts")
        .item("dedup_key", s("aws-config/legacy"))
        .item("role_id", s("AROAEXAMPLE"))
        .item("role_name", s("r"))
        .item("account", s(ACCOUNT))
        .item("region", s("us-east-1"))
        .item("ordering_ms", n(1_000))
        .send()
        .await
        .unwrap();
    let read = ledger.get("aws-config/legacy").await.unwrap().unwrap().version();
    assert_eq!((read.writes, read.ordering_ms), (0, 1_000));
    let stale = trustcheck_aws::alerts::RowVersion {
        writes: 0,
        ordering_ms: 900,
    };
    assert_eq!(ledger.record(&legacy, Some(stale)).await.unwrap(), None);
    assert!(ledger.record(&legacy, Some(read)).await.unwrap().is_some());
    // A row this release can't read (another release's route) is no alert, but its version is
    // kept: the role's next decision replaces it instead of waiting on it for ever.
    dynamodb
        .put_item()
        .table_name("trustcheck-alerts")
        .item("dedup_key", s("aws-config/future"))
        .item("route", s("pager-of-the-future"))
        .item("ordering_ms", n(1_000))
        .item("writes", n(9))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ledger.get("aws-config/future").await.unwrap(),
        None,
        "absent to the pager"
    );
    let future = ledger
        .row_to_decide_on("aws-config/future")
        .await
        .unwrap()
        .expect("a row");
    assert_eq!((future.alert, future.writes), (None, 9));
    let replaced = LedgerEntry {
        dedup_key: "aws-config/future".into(),
        ..row(2_000, 1)
    };
    assert!(ledger
        .record(&replaced, Some(future.version()))
        .await
        .unwrap()
        .is_some());
    assert_eq!(ledger.get("aws-config/future").await.unwrap().unwrap().writes, 10);
    // One without a count or a time (written by hand) too.
    dynamodb
        .put_item()
        .table_name("trustcheck-alerts")
        .item("dedup_key", s("aws-config/bare"))
        .send()
        .await
        .unwrap();
    let bare = ledger
        .row_to_decide_on("aws-config/bare")
        .await
        .unwrap()
        .expect("a row");
    let replaced = LedgerEntry {
        dedup_key: "aws-config/bare".into(),
        ..row(2_000, 1)
    };
    assert!(ledger.record(&replaced, Some(bare.version())).await.unwrap().is_some());
    // A pending notice is cleared only on the version that recorded it.
    let verdict = trustcheck::check(PUBLIC, &trustcheck::Role::default(), &trustcheck::RuleParams::default());
    let notice = trustcheck_aws::alerts::Transition::new(
        "aws-config/k".into(),
        "rule",
        row(4_000, 7).role,
        Ordering::of_millis(4_000),
        &verdict,
        trustcheck_aws::alerts::Review::new(
            None,
            trustcheck_aws::alerts::Alert::for_verdict(&verdict, Severity::High),
            6,
        )
        .steps,
    );
    let with_notice = LedgerEntry {
        pending: Some(notice.clone()),
        ..row(4_000, 7)
    };
    let fourth = ledger
        .record(&with_notice, Some(third))
        .await
        .unwrap()
        .expect("written");
    ledger.clear_pending("aws-config/k", third).await.unwrap();
    let left = ledger.get("aws-config/k").await.unwrap().unwrap();
    assert_eq!(left.pending.as_ref(), Some(&notice));
    // A notice left pending is taken by one reader only, on the version that recorded it.
    assert!(!ledger
        .claim_pending("aws-config/k", third, left.pending_since_ms)
        .await
        .unwrap());
    assert!(ledger
        .claim_pending("aws-config/k", fourth, left.pending_since_ms)
        .await
        .unwrap());
    assert!(!ledger
        .claim_pending("aws-config/k", fourth, left.pending_since_ms)
        .await
        .unwrap());
    ledger.clear_pending("aws-config/k", fourth).await.unwrap();
    let now = ledger.get("aws-config/k").await.unwrap().unwrap();
    assert_eq!((now.pending, now.writes), (None, 4));
    // A notice in a row without a count or a time (edited by hand) is claimed and cleared all
    // the same: a condition on a value it doesn't have would refuse it for good.
    dynamodb
        .update_item()
        .table_name("trustcheck-alerts")
        .key("dedup_key", s("aws-config/k"))
        .update_expression("SET pending = :notice REMOVE writes, pending_since_ms")
        .expression_attribute_values(":notice", s(&serde_json::to_string(&notice).unwrap()))
        .send()
        .await
        .unwrap();
    let edited = ledger.get("aws-config/k").await.unwrap().unwrap();
    assert_eq!((edited.writes, edited.pending_since_ms), (0, 0));
    assert!(ledger
        .claim_pending("aws-config/k", edited.version(), edited.pending_since_ms)
        .await
        .unwrap());
    assert!(!ledger
        .claim_pending("aws-config/k", edited.version(), edited.pending_since_ms)
        .await
        .unwrap());
    ledger.clear_pending("aws-config/k", edited.version()).await.unwrap();
    assert_eq!(ledger.get("aws-config/k").await.unwrap().unwrap().pending, None);
    // A role that never had an incident keeps its row a day, one that had one a year.
    let word = LedgerEntry {
        dedup_key: "aws-config/word".into(),
        ..row(2_000, 0)
    };
    let word_written = ledger.record_word(&word, None).await.unwrap().expect("written");
    let expires = |h: &Harness| {
        let dynamodb = aws_sdk_dynamodb::Client::new(&h.sdk);
        async move {
            let item = dynamodb
                .get_item()
                .table_name("trustcheck-alerts")
                .key(
                    "dedup_key",
                    aws_sdk_dynamodb::types::AttributeValue::S("aws-config/word".into()),
                )
                .send()
                .await
                .unwrap();
            let expires_at = item.item().unwrap()["expires_at"]
                .as_n()
                .unwrap()
                .parse::<u64>()
                .unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            expires_at.saturating_sub(now) / 3600
        }
    };
    assert!(expires(&h).await <= 24, "a day's word");
    let resolved = LedgerEntry {
        dedup_key: "aws-config/word".into(),
        ..row(3_000, 1)
    };
    assert!(ledger.record(&resolved, Some(word_written)).await.unwrap().is_some());
    assert!(expires(&h).await >= 364 * 24, "kept a year with its count");
}

/// Rewrites `role`'s ledger row as an insider with write access to the table could: an open
/// page at CRITICAL, decided in the year 2286.
async fn forge_row(h: &Harness, role: &RoleIds) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let key = row_of(h, role).await.dedup_key;
    aws_sdk_dynamodb::Client::new(&h.sdk)
        .update_item()
        .table_name("trustcheck-alerts")
        .key("dedup_key", AttributeValue::S(key))
        .update_expression("SET ordering_ms = :future, route = :page, severity = :critical")
        .expression_attribute_values(":future", AttributeValue::N("9999999999999".into()))
        .expression_attribute_values(":page", AttributeValue::S("page".into()))
        .expression_attribute_values(":critical", AttributeValue::S("CRITICAL".into()))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ledger_row_dated_in_the_future_holds_no_page_back() {
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-forged";
    let role = h.create_role("deploy-role", MEDIUM).await;
    change_role(&h, rule, &role, MEDIUM, "2026-11-27T06:00:00.000Z").await;
    assert_eq!(steps(&h), [step("trigger", "notify", "MEDIUM")]);

    // The row claims a later decision and an open page: the role made public must page all the
    // same, and the decision replaces the row. The incident the row names is resolved after the
    // new one opens, in case it is open: none is left behind.
    forge_row(&h, &role).await;
    set_trust(&h, "deploy-role", PUBLIC).await;
    change_role(&h, rule, &role, PUBLIC, "2026-11-27T06:10:00.000Z").await;
    assert_eq!(
        numbered_steps(&h),
        [
            ("trigger".into(), "CRITICAL".into(), 1),
            ("resolve".into(), "CRITICAL".into(), 0)
        ]
    );
    let row = row_of(&h, &role).await;
    assert_eq!(row.ordering_ms, 1_795_759_800_000, "replaced by the evaluation's");

    // The sweep does not take such a row as newer either.
    forge_row(&h, &role).await;
    h.run(sweep(rule, "2026-11-28T00:00:00.000Z"), Context::default())
        .await
        .unwrap();
    assert_eq!(
        numbered_steps(&h),
        [
            ("trigger".into(), "CRITICAL".into(), 2),
            ("resolve".into(), "CRITICAL".into(), 1),
            ("resolve".into(), "CRITICAL".into(), 0)
        ]
    );
    assert!(row_of(&h, &role).await.ordering_ms < 9_999_999_999_999);

    // Forged on a role since fixed: its incident is resolved, not left open.
    forge_row(&h, &role).await;
    set_trust(&h, "deploy-role", MEDIUM).await;
    change_role(&h, rule, &role, MEDIUM, "2026-11-28T06:00:00.000Z").await;
    let sent = steps(&h);
    assert!(sent.contains(&step("resolve", "page", "CRITICAL")), "{sent:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_trigger_this_release_cant_read_is_paged_again() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let h = paging_harness(20, None).await;
    let rule = "trustcheck-unreadable-notice";
    let role = h.create_role("deploy-role", PUBLIC).await;
    // The trigger is recorded, and the notifier can't be invoked.
    h.moto.inject("lambda.Invoke", &["500"; 12]);
    let change = changed_at(rule, &role, PUBLIC, "2026-11-27T06:00:00.000Z");
    assert!(h.run(change, Context::default()).await.is_err());
    h.moto.clear_faults();
    // Rolled back to a release that doesn't know the notice's shape (here: hand-edited).
    let key = row_of(&h, &role).await.dedup_key;
    aws_sdk_dynamodb::Client::new(&h.sdk)
        .update_item()
        .table_name("trustcheck-alerts")
        .key("dedup_key", AttributeValue::S(key))
        .update_expression("SET pending = :other")
        .expression_attribute_values(":other", AttributeValue::S(r#"{"format":"next"}"#.into()))
        .send()
        .await
        .unwrap();
    // The role's next evaluation can't send that notice; the page it held is sent all the same,
    // as a new incident, and the row's own is resolved after it in case that notice was sent.
    change_role(&h, rule, &role, PUBLIC, "2026-11-27T06:10:00.000Z").await;
    assert_eq!(
        numbered_steps(&h),
        [
            ("trigger".into(), "CRITICAL".into(), 1),
            ("resolve".into(), "CRITICAL".into(), 0)
        ]
    );
    assert!(row_of(&h, &role).await.alert.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_reads_only_the_rows_of_its_rule_account_and_region() {
    // The ledger all accounts of an organization share, with a year of resolved rows, can
    // outgrow the evaluator's memory: a sweep part holds only its own roles' rows.
    let rule = "trustcheck-rows-of";
    let (h, _) = paged_public_role(rule).await;
    let ledger = Ledger::new(&h.sdk, "trustcheck-alerts");
    let every = ledger.rows().await.unwrap();
    let own = every
        .values()
        .find(|r| r.alert.is_some())
        .expect("the role's open alert");
    let (account, region) = (own.role.account.clone(), own.role.region.clone());
    let rows = ledger.rows_of(&account, &region, rule).await.unwrap();
    assert_eq!(rows.keys().collect::<Vec<_>>(), [&own.dedup_key]);
    for (account, region, rule) in [
        ("999988887777", region.as_str(), rule),
        (account.as_str(), "eu-west-1", rule),
        (account.as_str(), region.as_str(), "trustcheck-rows"),
    ] {
        let rows = ledger.rows_of(account, region, rule).await.unwrap();
        assert!(rows.is_empty(), "{account} {region} {rule}: {rows:?}");
    }
}
