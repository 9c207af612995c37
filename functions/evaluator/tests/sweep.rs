//! The scheduled sweep through the real handler against the local AWS endpoint: pages, writes
//! that partly fail, the deadline, stale results, functions in other regions.

mod common;

use common::*;
use trustcheck_aws::EventError;

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

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:trustcheck-evaluator";

/// The context Lambda gives an invocation with `left` until its deadline.
fn context_with(left: Duration) -> Context {
    let mut context = Context::default();
    context.deadline = (SystemTime::now() + left)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    context.invoked_function_arn = FUNCTION_ARN.to_owned();
    context
}

/// How many times the sweep wrote each resource, from the endpoint's log of every write.
fn writes_per_resource(h: &Harness, rule: &str) -> std::collections::HashMap<String, usize> {
    let mut writes = std::collections::HashMap::new();
    for evaluation in h.moto.evaluation_log(rule) {
        *writes
            .entry(evaluation["resourceId"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    writes
}

#[tokio::test(flavor = "multi_thread")]
async fn one_crafted_policy_never_stops_the_sweep() {
    let h = harness(None).await;
    let crashing = h.create_role("deployer", &crashing_policy()).await;
    let good = h.create_role("good", LAMBDA_TRUST).await;
    let broken = h.create_role("broken", EDGE_ONLY).await;
    h.create_function("orders", &broken.arn).await;
    let outcome = h
        .invoke("scheduled.json", "trustcheck-crash-sweep", None, "")
        .await
        .unwrap();
    assert_eq!((outcome.written, outcome.non_compliant), (3, 2));
    let results = h.results("trustcheck-crash-sweep").await;
    assert_eq!(results[&crashing.id].0, "NON_COMPLIANT");
    assert!(
        results[&crashing.id].1.contains("TRUST_PUBLIC"),
        "{:?}",
        results[&crashing.id]
    );
    assert_eq!(results[&good.id].0, "COMPLIANT");
    assert!(
        results[&broken.id].1.starts_with("LAMBDA_TRUST_MISSING"),
        "{:?}",
        results[&broken.id]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_that_keeps_failing_never_stops_the_others_or_the_cleanup() {
    let h = harness(None).await;
    h.moto.seed(250, 0, "batch");
    let rule = "trustcheck-failing-batch";
    h.put_result(
        rule,
        "AROAVANISHEDROLE0001",
        ComplianceType::NonCompliant,
        1_700_000_000,
    )
    .await;
    // Batch 1 is refused in every round; batches 2 and 3 and the cleanup go through.
    h.moto.inject(
        "PutEvaluations",
        &[
            "failed:100",
            "ok",
            "ok",
            "failed:100",
            "failed:100",
            "failed:100",
            "failed:100",
            "ok",
        ],
    );
    let error = h.invoke("scheduled.json", rule, None, "").await.unwrap_err();
    let EvaluatorError::Write(unwritten) = &error else {
        panic!("expected the write error, got {error}");
    };
    assert_eq!(unwritten.count, 100);
    assert_eq!(unwritten.resource_ids.len(), 100);
    let results = h.results(rule).await;
    assert_eq!(results.len(), 150 + 1, "batches 2 and 3 and the cleanup landed");
    assert_eq!(results["AROAVANISHEDROLE0001"].0, "NOT_APPLICABLE");
    for id in &unwritten.resource_ids {
        assert!(!results.contains_key(id), "{id} is named unwritten but was stored");
        assert!(error.to_string().contains(id.as_str()));
    }
    assert!(error.to_string().contains("100 of 251 evaluation(s)"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_walks_every_listroles_page() {
    let h = paced_harness(None, 2, evaluator::SWEEP_RESERVE).await;
    for i in 0..5 {
        h.create_role(&format!("paged-{i}"), LAMBDA_TRUST).await;
    }
    h.moto.reset_calls();
    let outcome = h.invoke("scheduled.json", "trustcheck-pages", None, "").await.unwrap();
    assert_eq!(outcome.written, 5);
    assert_eq!(h.results("trustcheck-pages").await.len(), 5);
    let calls = h.moto.calls();
    assert_eq!(calls["iam.ListRoles"], 3, "{calls}");
    // Written page by page, as the sweep goes.
    assert_eq!(calls["config.PutEvaluations"], 3, "{calls}");
}

/// `count` roles Lambda can't assume and the result of a role that is gone, then the first part
/// of a sweep with ten seconds left (thirty kept in reserve): it writes its page of two and hands
/// on. Returns the harness, the roles' ids and the first part's outcome.
async fn first_of_two_parts(rule: &str, count: usize, vanished: &str) -> (Harness, Vec<String>, evaluator::Outcome) {
    let h = paced_harness(None, 2, Duration::from_secs(30)).await;
    let mut ids = Vec::new();
    for i in 0..count {
        ids.push(h.create_role(&format!("slow-{i}"), EDGE_ONLY).await.id);
    }
    h.put_result(rule, vanished, ComplianceType::NonCompliant, 1_700_000_000)
        .await;
    let first = h
        .run(
            event("scheduled.json", rule, None, ""),
            context_with(Duration::from_secs(10)),
        )
        .await
        .unwrap();
    (h, ids, first)
}

/// Config shows the roles' results (and the vanished role's) as an earlier sweep wrote them: its
/// view has not caught up with what this sweep wrote.
async fn results_look_old(h: &Harness, rule: &str, ids: &[String], vanished: &str) {
    h.config
        .delete_evaluation_results()
        .config_rule_name(rule)
        .send()
        .await
        .expect("the endpoint deletes the rule's results");
    for id in ids.iter().map(String::as_str).chain([vanished]) {
        h.put_result(rule, id, ComplianceType::NonCompliant, 1_700_000_000)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_cut_by_its_deadline_goes_on_without_losing_or_repeating_work() {
    let rule = "trustcheck-deadline";
    let (h, ids, first) = first_of_two_parts(rule, 5, "AROAVANISHEDROLE0002").await;
    assert_eq!(
        (first.part, first.continued, first.written, first.stale),
        (Some(1), true, 2, None)
    );
    let invocations = h.moto.async_invocations();
    assert_eq!(invocations.len(), 1, "{invocations:?}");
    assert_eq!(invocations[0]["function"], FUNCTION_ARN);
    let next = invocations[0]["payload"].clone();
    assert_eq!(next["trustcheckSweep"]["part"], 2);
    assert_eq!(
        next["resultToken"], rule,
        "the continuation carries Config's event unchanged"
    );
    // Lambda delivers the continuation; this time there is enough time for the rest.
    let second = h.run(next, context_with(Duration::from_secs(300))).await.unwrap();
    assert_eq!(
        (second.part, second.continued, second.written, second.stale),
        (Some(2), false, 4, Some(1))
    );
    assert_eq!(h.moto.async_invocations().len(), 1, "no further continuation");
    let results = h.results(rule).await;
    assert_eq!(results.len(), 6);
    assert_eq!(results["AROAVANISHEDROLE0002"].0, "NOT_APPLICABLE");
    let writes = writes_per_resource(&h, rule);
    for id in &ids {
        assert_eq!(results[id].0, "NON_COMPLIANT");
        assert_eq!(writes.get(id), Some(&1), "{id} written once: {writes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_with_no_time_left_for_its_cleanup_hands_the_cleanup_on() {
    // Two roles: one page, after which ten seconds are left and thirty kept in reserve.
    let rule = "trustcheck-cleanup-later";
    let (h, ids, first) = first_of_two_parts(rule, 2, "AROAVANISHEDROLE0006").await;
    assert_eq!(
        (first.part, first.continued, first.written, first.stale),
        (Some(1), true, 2, None)
    );
    let next = h.moto.async_invocations()[0]["payload"].clone();
    assert_eq!(next["trustcheckSweep"]["cleanup_only"], true);
    let second = h.run(next, context_with(Duration::from_secs(300))).await.unwrap();
    assert_eq!((second.part, second.written, second.stale), (Some(2), 1, Some(1)));
    assert!(second.counted, "Config took the token it wrote with");
    let results = h.results(rule).await;
    assert_eq!(results["AROAVANISHEDROLE0006"].0, "NOT_APPLICABLE");
    let writes = writes_per_resource(&h, rule);
    for id in &ids {
        assert_eq!(
            writes.get(id),
            Some(&1),
            "read and written by the first part only: {writes:?}"
        );
    }
    // A cleanup part numbered 1 (anyone allowed to invoke the function can send one) still lists
    // the roles again: it never takes a live role whose result looks old for a deleted one.
    results_look_old(&h, rule, &ids, "AROAVANISHEDROLE0006").await;
    let mut crafted = event("scheduled.json", rule, None, "");
    crafted["trustcheckSweep"] = serde_json::json!({"marker": "", "part": 1, "cleanup_only": true});
    let cleanup = h
        .run(crafted.clone(), context_with(Duration::from_secs(300)))
        .await
        .unwrap();
    assert_eq!(cleanup.stale, Some(1), "only the role that is gone");
    // When the roles can't be listed again the part fails (Lambda retries it): no cleanup is
    // skipped behind a success.
    results_look_old(&h, rule, &ids, "AROAVANISHEDROLE0006").await;
    h.moto.inject("ListRoles", &["500"; 20]);
    let failed = h.run(crafted, context_with(Duration::from_secs(300))).await;
    h.moto.clear_faults();
    assert!(matches!(failed, Err(EvaluatorError::Aws(_))), "{failed:?}");
}

/// A "cleanup only" continuation with nothing to write (anyone allowed to invoke the function can
/// send one, with any token and an old time) counts as the day's sweep only when Config takes its
/// token: else the alarm that the rule stopped sweeping would stay quiet for a rule Config no
/// longer runs.
#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_part_that_writes_nothing_counts_only_if_config_takes_its_token() {
    let h = harness(None).await;
    let rule = "trustcheck-nothing-to-write";
    let mut crafted = event("scheduled.json", rule, None, "");
    crafted["trustcheckSweep"] = serde_json::json!({"marker": "", "part": 1, "cleanup_only": true});
    let taken = h
        .run(crafted.clone(), context_with(Duration::from_secs(300)))
        .await
        .unwrap();
    assert_eq!((taken.written, taken.stale), (0, Some(0)), "{taken:?}");
    assert!(taken.counted, "{taken:?}");
    h.moto.inject("PutEvaluations", &["error:InvalidResultTokenException"]);
    let refused = h.run(crafted, context_with(Duration::from_secs(300))).await.unwrap();
    h.moto.clear_faults();
    assert_eq!(refused.written, 0, "{refused:?}");
    assert!(!refused.counted, "a token Config refused: {refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_dated_in_the_future_is_refused() {
    let h = harness(None).await;
    let mut forged = event("scheduled.json", "trustcheck-future", None, "");
    let invoking = forged["invokingEvent"]
        .as_str()
        .unwrap()
        .replace("2026-11-27T08:00:00.000Z", "2099-01-01T00:00:00.000Z");
    forged["invokingEvent"] = invoking.into();
    let refused = h.run(forged, context_with(Duration::from_secs(300))).await;
    assert!(
        matches!(refused, Err(EvaluatorError::Event(EventError::InFuture { .. }))),
        "{refused:?}"
    );
    assert!(h.results("trustcheck-future").await.is_empty(), "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_captured_in_the_future_is_refused() {
    let h = harness(None).await;
    let role = h.create_role("future-role", PUBLIC).await;
    let mut forged = event("change.json", "trustcheck-future-change", Some(&role), PUBLIC);
    let mut invoking: Value = serde_json::from_str(forged["invokingEvent"].as_str().unwrap()).unwrap();
    invoking["configurationItem"]["configurationItemCaptureTime"] = "2099-01-01T00:00:00.000Z".into();
    forged["invokingEvent"] = invoking.to_string().into();
    let refused = h.run(forged, Context::default()).await;
    assert!(
        matches!(
            refused,
            Err(EvaluatorError::Event(EventError::InFuture {
                field: "configurationItemCaptureTime",
                ..
            }))
        ),
        "{refused:?}"
    );
    assert!(
        h.results("trustcheck-future-change").await.is_empty(),
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_part_never_takes_an_earlier_part_s_role_for_deleted() {
    let rule = "trustcheck-earlier-parts";
    let (h, ids, first) = first_of_two_parts(rule, 4, "AROAVANISHEDROLE0005").await;
    assert!(first.continued);
    // Config shows older results for the first part's roles than the part wrote (its view not
    // caught up yet): the last part must not take them for deleted roles.
    results_look_old(&h, rule, &ids, "AROAVANISHEDROLE0005").await;
    let next = h.moto.async_invocations()[0]["payload"].clone();
    let second = h.run(next, context_with(Duration::from_secs(300))).await.unwrap();
    assert_eq!(second.stale, Some(1), "only the role that is gone");
    let results = h.results(rule).await;
    assert_eq!(results["AROAVANISHEDROLE0005"].0, "NOT_APPLICABLE");
    for id in &ids {
        assert_eq!(results[id].0, "NON_COMPLIANT", "{id}");
    }
    // The same part sent again numbered 1 (anyone allowed to invoke the function can): it starts
    // at the marker, and still never takes the roles before it for deleted ones.
    results_look_old(&h, rule, &ids, "AROAVANISHEDROLE0005").await;
    let mut crafted = h.moto.async_invocations()[0]["payload"].clone();
    crafted["trustcheckSweep"]["part"] = 1.into();
    let replayed = h.run(crafted, context_with(Duration::from_secs(300))).await.unwrap();
    assert_eq!(replayed.stale, Some(1), "only the role that is gone");
    let results = h.results(rule).await;
    for id in &ids {
        assert_eq!(results[id].0, "NON_COMPLIANT", "{id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_part_that_could_not_write_hands_on_once_and_the_last_part_reports_it() {
    let h = paced_harness(None, 2, Duration::from_secs(30)).await;
    let rule = "trustcheck-unwritten-part";
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(h.create_role(&format!("unwritten-{i}"), EDGE_ONLY).await.id);
    }
    h.put_result(
        rule,
        "AROAVANISHEDROLE0004",
        ComplianceType::NonCompliant,
        1_700_000_000,
    )
    .await;
    // Part 1's one batch (two roles) is refused in every round.
    h.moto.inject("PutEvaluations", &["failed:2"; 5]);
    let first = h
        .run(
            event("scheduled.json", rule, None, ""),
            context_with(Duration::from_secs(20)),
        )
        .await
        .expect("a part that handed on succeeds: Lambda's retry would hand on again");
    assert_eq!((first.part, first.continued, first.written), (Some(1), true, 0));
    let invocations = h.moto.async_invocations();
    assert_eq!(invocations.len(), 1, "{invocations:?}");
    let next = invocations[0]["payload"].clone();
    assert_eq!(next["trustcheckSweep"]["unwritten"], 2);
    assert_eq!(next["trustcheckSweep"]["paging_failed"], false);

    let error = h.run(next, context_with(Duration::from_secs(300))).await.unwrap_err();
    assert!(
        matches!(
            error,
            EvaluatorError::EarlierParts {
                unwritten: 2,
                paging_failed: false
            }
        ),
        "{error}"
    );
    assert_eq!(
        lambda_runtime::Diagnostic::from(error).error_type,
        "EvaluationsNotWritten"
    );
    let results = h.results(rule).await;
    // Part 2 wrote its three roles; the two unwritten ones hold no result. The last part listed
    // every role again, so the unwritten ones are known to exist, and the role that doesn't is
    // cleaned up all the same.
    assert_eq!(results.len(), 3 + 1, "{results:?}");
    assert_eq!(results["AROAVANISHEDROLE0004"].0, "NOT_APPLICABLE");
    assert_eq!(h.moto.async_invocations().len(), 1, "handed on once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_whose_functions_cant_be_listed_leaves_only_the_roles_it_could_change_unjudged() {
    let h = paced_harness(None, 2, Duration::from_secs(30)).await;
    let rule = "trustcheck-unlisted-functions";
    let ec2 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    // Three COMPLIANT roles a function in the unlisted region would break (so each part of two
    // has one), each with the result an earlier sweep wrote, and one role anyone can assume.
    let mut partners = Vec::new();
    for name in ["a-instance", "b-instance", "c-instance"] {
        let partner = h.create_role(name, ec2).await;
        h.put_result(rule, &partner.id, ComplianceType::NonCompliant, 1_700_000_000)
            .await;
        partners.push(partner);
    }
    let public = h.create_role("d-public", PUBLIC).await;
    // A region an SCP denies: every listing there fails, in both parts.
    h.moto.inject("lambda.ListFunctions@eu-west-3", &["500"; 200]);
    let first = h
        .run(
            event("scheduled.json", rule, None, ""),
            context_with(Duration::from_secs(20)),
        )
        .await
        .expect("a part that handed on succeeds");
    assert_eq!((first.part, first.continued), (Some(1), true));
    let next = h.moto.async_invocations()[0]["payload"].clone();
    assert_eq!(next["trustcheckSweep"]["undetermined"], 2 - first.written);
    let error = h.run(next, context_with(Duration::from_secs(300))).await.unwrap_err();
    h.moto.clear_faults();
    assert!(
        matches!(&error, EvaluatorError::Undetermined { roles: 3, because } if because.contains("functions of eu-west-3 could not")),
        "{error}"
    );
    assert_eq!(lambda_runtime::Diagnostic::from(error).error_type, "RolesNotJudged");
    let results = h.results(rule).await;
    assert_eq!(results[&public.id].0, "NON_COMPLIANT");
    // The roles it could change keep their earlier results: neither rewritten nor taken for gone.
    let writes = writes_per_resource(&h, rule);
    for partner in &partners {
        assert_eq!(results[&partner.id], ("NON_COMPLIANT".to_owned(), String::new()));
        assert_eq!(writes[&partner.id], 1, "only the earlier sweep wrote it: {writes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unread_exemption_tags_leave_only_the_roles_a_tag_would_change_unjudged() {
    let h = harness(None).await;
    let rule = "trustcheck-unread-tags";
    let cross_account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    // MEDIUM: NON_COMPLIANT, or NOT_APPLICABLE if it carries the exemption tag.
    let partner = h.create_role("partner", cross_account).await;
    h.put_result(rule, &partner.id, ComplianceType::NotApplicable, 1_700_000_000)
        .await;
    // CRITICAL, which no exemption hides, and COMPLIANT: the tag changes neither.
    let public = h.create_role("public", PUBLIC).await;
    let lambda = h.create_role("lambda", LAMBDA_TRUST).await;
    // Config's advanced queries fail (the functions are then listed instead).
    h.moto.inject("SelectResourceConfig", &["500"; 200]);
    let error = h.invoke("scheduled.json", rule, None, "").await.unwrap_err();
    h.moto.clear_faults();
    let text = error.to_string();
    assert!(
        text.starts_with("1 role(s) not fully judged")
            && text.contains("roles tagged trustcheck:exempt could not be read"),
        "{text}"
    );
    let results = h.results(rule).await;
    assert_eq!(results[&public.id].0, "NON_COMPLIANT");
    assert_eq!(results[&lambda.id].0, "COMPLIANT");
    // Neither paged as NON_COMPLIANT nor exempted by a guess: its earlier result stands.
    assert_eq!(results[&partner.id].0, "NOT_APPLICABLE");
    assert_eq!(writes_per_resource(&h, rule)[&partner.id], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_created_while_the_sweep_runs_keeps_its_change_result() {
    let h = harness(None).await;
    let rule = "trustcheck-race";
    h.create_role("existing", LAMBDA_TRUST).await;
    // Evaluated by its change event a minute after the sweep began, and not yet in ListRoles.
    h.put_result(
        rule,
        "AROACREATEDMIDSWEEP01",
        ComplianceType::NonCompliant,
        SWEEP_NOTIFICATION_SECS + 60,
    )
    .await;
    // Gone before the sweep began.
    h.put_result(
        rule,
        "AROAVANISHEDROLE0003",
        ComplianceType::Compliant,
        SWEEP_NOTIFICATION_SECS - 3600,
    )
    .await;
    let outcome = h.invoke("scheduled.json", rule, None, "").await.unwrap();
    assert_eq!(outcome.stale, Some(1));
    let results = h.results(rule).await;
    assert_eq!(results["AROACREATEDMIDSWEEP01"].0, "NON_COMPLIANT");
    assert_eq!(results["AROAVANISHEDROLE0003"].0, "NOT_APPLICABLE");
    let writes = writes_per_resource(&h, rule);
    assert_eq!(
        writes["AROACREATEDMIDSWEEP01"], 1,
        "only its change event wrote it: {writes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_counts_functions_in_every_region() {
    let h = harness(Some(r#"{"functionRegions":"us-east-1,eu-west-1,ap-northeast-1"}"#)).await;
    let role = h.create_role("orders-tokyo-role", EDGE_ONLY).await;
    h.create_function_in("ap-northeast-1", "orders-tokyo", &role.arn).await;
    h.moto.reset_calls();
    h.invoke("scheduled.json", "trustcheck-sweep-regions", None, "")
        .await
        .unwrap();
    let (compliance, annotation) = &h.results("trustcheck-sweep-regions").await[&role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("used by orders-tokyo"), "{annotation}");
    let calls = h.moto.calls();
    // The rule's region's listing, then the two others.
    assert_eq!(calls["lambda.ListFunctions"], 3, "{calls}");
    assert!(calls.get("account.ListRegions").is_none(), "regions given: {calls}");
    // No function of us-east-1, but a version may still run at the edge as a role (it keeps the
    // role it was published with): CloudFront is asked, once.
    assert_eq!(calls["cloudfront.ListDistributions"], 1, "{calls}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_asks_cloudfront_once_which_functions_run_at_the_edge() {
    let h = harness(None).await;
    let rewrite_role = h.create_role("rewrite-role", LAMBDA_TRUST).await;
    let orders_role = h.create_role("orders-role", LAMBDA_TRUST).await;
    let instance = h.create_role("instance-role", EC2_TRUST).await;
    // Judged whatever CloudFront says: a role whose condition reads the source's ARN, and a
    // failing Lambda role whose function is in a region CloudFront doesn't run.
    let topic = h.create_role("topic-role", SNS_BY_SOURCE_ARN).await;
    let regional = h.create_role("regional-role", EDGE_ONLY).await;
    h.create_function_in("eu-west-1", "regional", &regional.arn).await;
    let rewrite = h.create_function("rewrite", &rewrite_role.arn).await;
    h.create_function("orders", &orders_role.arn).await;
    let rewrite = h.publish(&rewrite).await;
    h.create_distribution("site", &[&rewrite]).await;
    h.moto.reset_calls();
    let rule = "trustcheck-sweep-edge";
    h.invoke("scheduled.json", rule, None, "").await.unwrap();
    let results = h.results(rule).await;
    let (compliance, annotation) = &results[&rewrite_role.id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("LAMBDA_EDGE_TRUST_MISSING"), "{annotation}");
    assert_eq!(results[&orders_role.id].0, "COMPLIANT");
    assert_eq!(h.moto.calls()["cloudfront.ListDistributions"], 1);

    // CloudFront can't be asked: the roles with a function of us-east-1 keep their results,
    // and the sweep says why; the others are judged.
    h.moto
        .inject("cloudfront.ListDistributions", &["error:AccessDenied"; 2]);
    let rule = "trustcheck-sweep-edge-unlisted";
    let error = h.invoke("scheduled.json", rule, None, "").await.unwrap_err();
    h.moto.clear_faults();
    assert!(
        matches!(&error, EvaluatorError::Undetermined { roles: 2, because } if because.contains("cloudfront:ListDistributions")),
        "{error}"
    );
    let results = h.results(rule).await;
    assert_eq!(results[&instance.id].0, "COMPLIANT");
    assert_eq!(results[&topic.id].0, "COMPLIANT");
    assert_eq!(results[&regional.id].0, "NON_COMPLIANT");
    assert!(!results.contains_key(&rewrite_role.id) && !results.contains_key(&orders_role.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_out_of_time_for_edge_versions_judges_every_role_they_cant_change() {
    let h = harness(None).await;
    // No time at all for listing the distributions and reading the roles of the versions they
    // run: as a sweep of an account with thousands of them is in its first minute.
    let h = Harness {
        state: h.state.with_edge_reads_within(std::time::Duration::ZERO),
        ..h
    };
    let rewrite_role = h.create_role("rewrite-role", LAMBDA_TRUST).await;
    let instance = h.create_role("instance-role", EC2_TRUST).await;
    let rewrite = h.create_function("rewrite", &rewrite_role.arn).await;
    let rewrite = h.publish(&rewrite).await;
    h.create_distribution("site", &[&rewrite]).await;
    h.moto.reset_calls();
    let rule = "trustcheck-sweep-edge-unread";
    let error = h.invoke("scheduled.json", rule, None, "").await.unwrap_err();
    assert!(
        matches!(&error, EvaluatorError::Undetermined { roles: 1, because } if because.contains("cloudfront:ListDistributions") && because.contains("not all listed")),
        "{error}"
    );
    let results = h.results(rule).await;
    assert_eq!(results[&instance.id].0, "COMPLIANT");
    assert!(!results.contains_key(&rewrite_role.id));
    assert_eq!(h.moto.calls().get("lambda.GetFunctionConfiguration"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_sweep_says_whether_config_records_roles_and_judges_them_either_way() {
    let h = harness(None).await;
    let good = h.create_role("good", LAMBDA_TRUST).await;
    let rule = "trustcheck-recorder";
    let unrecorded = || async {
        let outcome = h.invoke("scheduled.json", rule, None, "").await.unwrap();
        assert_eq!(outcome.written, 1, "judged and written whatever the recorder does");
        outcome.roles_unrecorded
    };
    let put_recorder = |include_global: bool| {
        h.config
            .put_configuration_recorder()
            .configuration_recorder(
                aws_sdk_config::types::ConfigurationRecorder::builder()
                    .name("default")
                    .role_arn("arn:aws:iam::123456789012:role/config-recorder")
                    .recording_group(
                        aws_sdk_config::types::RecordingGroup::builder()
                            .all_supported(true)
                            .include_global_resource_types(include_global)
                            .build(),
                    )
                    .build(),
            )
            .send()
    };
    // This endpoint starts with no recorder, as an account that never turned Config on.
    assert_eq!(
        unrecorded().await.as_deref(),
        Some("no configuration recorder in this region")
    );
    // Config's default recording group: every type but the global IAM ones.
    put_recorder(false).await.unwrap();
    h.config
        .put_delivery_channel()
        .delivery_channel(
            aws_sdk_config::types::DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name("config-bucket")
                .build(),
        )
        .send()
        .await
        .unwrap();
    h.config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(
        unrecorded().await.as_deref(),
        Some("the configuration recorder default leaves AWS::IAM::Role out of its recording group")
    );
    put_recorder(true).await.unwrap();
    // Recorded, but no rule of that name: none takes the change events.
    assert_eq!(
        unrecorded().await.as_deref(),
        Some("the Config rule trustcheck-recorder was not found")
    );
    // The rule as the stacks deploy it, then as an insider edits it: the change triggers dropped,
    // the scope narrowed to one role. Either silences every change event while sweeps go on.
    let evaluator = h.create_function("trustcheck-evaluator", &good.arn).await;
    let put_rule = |kinds: &[&str], only: Option<&str>| {
        use aws_sdk_config::types::{EventSource, MessageType, Owner, Scope, Source, SourceDetail};
        let details = kinds.iter().map(|kind| {
            let periodic = (*kind == "ScheduledNotification")
                .then_some(aws_sdk_config::types::MaximumExecutionFrequency::TwentyFourHours);
            SourceDetail::builder()
                .event_source(EventSource::AwsConfig)
                .message_type(MessageType::from(*kind))
                .set_maximum_execution_frequency(periodic)
                .build()
        });
        h.config
            .put_config_rule()
            .config_rule(
                aws_sdk_config::types::ConfigRule::builder()
                    .config_rule_name(rule)
                    .source(
                        Source::builder()
                            .owner(Owner::CustomLambda)
                            .source_identifier(&evaluator)
                            .set_source_details(Some(details.collect()))
                            .build()
                            .unwrap(),
                    )
                    .scope(
                        Scope::builder()
                            .compliance_resource_types("AWS::IAM::Role")
                            .set_compliance_resource_id(only.map(str::to_owned))
                            .build(),
                    )
                    .build(),
            )
            .send()
    };
    let deployed = [
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ScheduledNotification",
    ];
    put_rule(&deployed, None).await.unwrap();
    assert_eq!(unrecorded().await, None);
    // The rule must invoke the function asking (a version or alias of it): pointed at another
    // one, that one gets Config's events and result tokens, and may drop them or forward them
    // rewritten (a sweep's time set back, so that Config keeps none of its results).
    let swept_by = |function: String| {
        let mut context = Context::default();
        context.invoked_function_arn = function;
        h.run(event("scheduled.json", rule, None, ""), context)
    };
    let outcome = swept_by(format!("{evaluator}:live")).await.unwrap();
    assert_eq!(outcome.roles_unrecorded, None);
    let other = evaluator.replace("trustcheck-evaluator", "another-evaluator");
    let outcome = swept_by(other.clone()).await.unwrap();
    assert_eq!(
        outcome.roles_unrecorded,
        Some(format!(
            "the Config rule trustcheck-recorder was edited: it invokes {evaluator}, not this function ({other})"
        ))
    );
    put_rule(&["ScheduledNotification"], None).await.unwrap();
    assert_eq!(
        unrecorded().await.as_deref(),
        Some("the Config rule trustcheck-recorder was edited: it lacks the trigger ConfigurationItemChangeNotification and OversizedConfigurationItemChangeNotification")
    );
    put_rule(&deployed, Some("AROAONLYTHISROLE0001")).await.unwrap();
    assert_eq!(
        unrecorded().await.as_deref(),
        Some("the Config rule trustcheck-recorder was edited: its scope takes only the resource AROAONLYTHISROLE0001")
    );
    put_rule(&deployed, None).await.unwrap();
    assert_eq!(unrecorded().await, None);
    // An insider's first step before changing a trust policy unheard.
    h.config
        .stop_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(
        unrecorded().await.as_deref(),
        Some("the configuration recorder default is stopped")
    );
    // Started again before the next sweep: what changed and changed back meanwhile went unheard.
    h.config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
    let reason = unrecorded().await.unwrap();
    assert!(
        reason.starts_with("the configuration recorder default was stopped from 20")
            && reason.ends_with(": a change made and undone in between was recorded by no item (CloudTrail has it)"),
        "{reason}"
    );
    // An answer that can't be had counts as not recorded: the alarm says to look.
    h.moto.inject(
        "config.DescribeConfigurationRecorders",
        &["error:AccessDeniedException"],
    );
    let reason = unrecorded().await.unwrap();
    assert!(
        reason.starts_with("the recorder could not be read: config:DescribeConfigurationRecorders failed")
            && reason.contains("AccessDeniedException"),
        "{reason}"
    );
    // Stripped of its periodic trigger, the rule sweeps no more, and its change events keep the
    // evaluator invoked: the first change event of a sandbox says so, then one an hour.
    put_rule(&deployed[..2], None).await.unwrap();
    let changed = || h.invoke("change.json", rule, Some(&good), LAMBDA_TRUST);
    // A throttled answer is no finding on a change event (a burst of changes would be a day of
    // alarm): the next change event asks again.
    h.moto
        .inject("config.DescribeConfigRules", &["error:ThrottlingException"; 10]);
    assert_eq!(changed().await.unwrap().rule_edited, None, "no answer");
    h.moto.clear_faults();
    let outcome = changed().await.unwrap();
    assert_eq!(outcome.written, 1, "judged and written all the same");
    assert_eq!(
        outcome.rule_edited.as_deref(),
        Some("the Config rule trustcheck-recorder was edited: it lacks the trigger ScheduledNotification")
    );
    assert_eq!(changed().await.unwrap().rule_edited, None, "asked once an hour");
}
