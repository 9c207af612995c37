//! Organization mode: each finished sweep records its member account, and the hour's comparison
//! names the organization's active accounts, less those the organization rule excludes, that had
//! no sweep within the window.

mod common;

use std::time::Duration;

use common::*;
use evaluator::coverage::{Coverage, CoverageSettings};

const ACCOUNT: &str = "123456789012";
/// As the central stack deploys them in organization mode: every key that judges, and the member role.
const ORG_PARAMS: &str = r#"{"nonCompliantAt":"MEDIUM","requireSourceAccount":"false","exemptTagKey":"trustcheck:exempt","exemptRoleArnPatterns":"","configAggregatorName":"","functionRegions":"","executionRoleName":"trustcheck-member"}"#;
const RULE: &str = "trustcheck-org";
const TABLE: &str = "trustcheck-alerts";
const HOUR: i64 = 3600;

fn settings(hours: u64) -> CoverageSettings {
    CoverageSettings {
        window: Duration::from_secs(hours * 3600),
        excluded: None,
    }
}

/// An organization of moto's account and two more, and its Config rule excluding `excluded` of
/// them (by index: 0 payments, 1 sandbox); returns the two accounts' ids.
async fn organization(sdk: &aws_config::SdkConfig, excluded: &[usize]) -> [String; 2] {
    let organizations = aws_sdk_organizations::Client::new(sdk);
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("moto creates the organization");
    let mut ids = Vec::new();
    for name in ["payments", "sandbox"] {
        let created = organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .expect("moto creates the account");
        let status = created
            .create_account_status()
            .expect("CreateAccount returns its status");
        ids.push(status.account_id().expect("moto creates it at once").to_owned());
    }
    aws_sdk_config::Client::new(sdk)
        .put_organization_config_rule()
        .organization_config_rule_name(RULE)
        .set_excluded_accounts(Some(excluded.iter().map(|i| ids[*i].clone()).collect()))
        .send()
        .await
        .expect("the local endpoint keeps the organization rule");
    [ids[0].clone(), ids[1].clone()]
}

fn now() -> i64 {
    aws_sdk_config::primitives::DateTime::from(std::time::SystemTime::now()).secs()
}

fn coverage(sdk: &aws_config::SdkConfig, hours: u64) -> Coverage {
    Coverage::new(sdk, TABLE.to_owned(), RULE.to_owned(), settings(hours))
}

async fn item(
    sdk: &aws_config::SdkConfig,
    key: &str,
) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    aws_sdk_dynamodb::Client::new(sdk)
        .get_item()
        .table_name(TABLE)
        .key("dedup_key", aws_sdk_dynamodb::types::AttributeValue::S(key.to_owned()))
        .send()
        .await
        .unwrap()
        .item()
        .cloned()
}

fn number(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, name: &str) -> i64 {
    item[name].as_n().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_sweep_is_recorded_and_the_accounts_without_one_are_named() {
    let mut h = harness(Some(ORG_PARAMS)).await;
    trustcheck_test_support::create_alerts_table(&h.sdk, TABLE).await;
    let [payments, sandbox] = organization(&h.sdk, &[1]).await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/trustcheck-evaluator"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    h.create_role("trustcheck-member", &trust).await;
    h.create_role("member-app", LAMBDA_TRUST).await;
    h.state = State::new(h.sdk.clone(), Some(ORG_PARAMS.to_owned())).with_coverage(coverage(&h.sdk, 26));

    // The sweep records its account, and (the sandbox's first chance) makes the hour's
    // comparison, which starts the record: nobody is due yet.
    let before = now();
    h.invoke("scheduled.json", RULE, None, LAMBDA_TRUST).await.unwrap();
    let record = item(&h.sdk, &format!("swept#{ACCOUNT}"))
        .await
        .expect("the sweep recorded its account");
    let swept_at = number(&record, "swept_at");
    assert!((before..=now()).contains(&swept_at), "{swept_at}");
    assert_eq!(
        number(&record, "expires_at") - swept_at,
        8 * 86_400,
        "kept longer than any window"
    );
    let since = number(
        &item(&h.sdk, "coverage#since")
            .await
            .expect("the first comparison starts the record"),
        "since",
    );
    assert!((before..=now()).contains(&since));
    assert!(item(&h.sdk, "coverage#audited").await.is_some(), "the hour is claimed");

    let audit = coverage(&h.sdk, 1);
    assert_eq!(
        audit.audit(now()).await.unwrap(),
        Vec::<String>::new(),
        "recorded for less than the window"
    );
    // Two hours on, with an hour's window: the swept account swept again, the excluded one left
    // out, the other named.
    let later = now() + 2 * HOUR;
    audit.swept(ACCOUNT, later).await;
    assert_eq!(audit.audit(later + 600).await.unwrap(), std::slice::from_ref(&payments));
    // Two hours more, the last sweep too is out of the window.
    let mut both = vec![ACCOUNT.to_owned(), payments];
    both.sort();
    assert_eq!(audit.audit(later + 2 * HOUR).await.unwrap(), both);
    assert!(!both.contains(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_sandbox_of_all_compares_in_an_hour() {
    let h = harness(Some(ORG_PARAMS)).await;
    trustcheck_test_support::create_alerts_table(&h.sdk, TABLE).await;
    organization(&h.sdk, &[]).await;
    h.moto.reset_calls();
    let (first, second) = (coverage(&h.sdk, 1), coverage(&h.sdk, 1));
    let at = now();
    first.audit_if_due(at, None).await;
    second.audit_if_due(at + 60, None).await;
    first.audit_if_due(at + 120, None).await;
    assert_eq!(h.moto.calls()["organizations.ListAccounts"], 1, "{}", h.moto.calls());
    // An hour on, another sandbox's first chance compares again.
    coverage(&h.sdk, 1).audit_if_due(at + HOUR + 60, None).await;
    assert_eq!(h.moto.calls()["organizations.ListAccounts"], 2);
    // Too little time left in the invocation: not now.
    coverage(&h.sdk, 1)
        .audit_if_due(at + 3 * HOUR, Some(Duration::from_secs(10)))
        .await;
    assert_eq!(h.moto.calls()["organizations.ListAccounts"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comparison_that_cant_be_made_fails_rather_than_passing() {
    let h = harness(Some(ORG_PARAMS)).await;
    trustcheck_test_support::create_alerts_table(&h.sdk, TABLE).await;
    organization(&h.sdk, &[]).await;
    let audit = coverage(&h.sdk, 1);
    // The record starts an hour and more ago.
    audit.audit(now() - 2 * HOUR).await.unwrap();
    h.moto
        .inject("organizations.ListAccounts", &["error:AccessDeniedException"]);
    let error = audit.audit(now()).await.unwrap_err();
    assert!(error.to_string().contains("organizations:ListAccounts"), "{error}");
    // Without the organization rule here, its excluded accounts can't be told.
    let elsewhere = Coverage::new(&h.sdk, TABLE.to_owned(), "another-rule".to_owned(), settings(1));
    let error = elsewhere.audit(now()).await.unwrap_err();
    assert!(error.to_string().contains("another-rule"), "{error}");
    // Once it can, it names the unswept accounts.
    assert_eq!(audit.audit(now() + 2 * HOUR).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_that_stopped_for_longer_than_the_window_start_the_record_again() {
    let h = harness(Some(ORG_PARAMS)).await;
    trustcheck_test_support::create_alerts_table(&h.sdk, TABLE).await;
    organization(&h.sdk, &[]).await;
    let at = now();
    let audit = coverage(&h.sdk, 26);
    // Organization mode on ten days ago, off after three.
    audit.audit(at - 10 * 24 * HOUR).await.unwrap();
    let put = |key: &'static str, name: &'static str, value: i64| {
        aws_sdk_dynamodb::Client::new(&h.sdk)
            .put_item()
            .table_name(TABLE)
            .item("dedup_key", aws_sdk_dynamodb::types::AttributeValue::S(key.to_owned()))
            .item(name, aws_sdk_dynamodb::types::AttributeValue::N(value.to_string()))
            .send()
    };
    put("coverage#audited", "audited_at", at - 7 * 24 * HOUR).await.unwrap();
    audit.audit_if_due(at, None).await;
    let since = number(&item(&h.sdk, "coverage#since").await.unwrap(), "since");
    assert_eq!(since, at, "started again: no account is due for the old records");
    assert_eq!(
        number(&item(&h.sdk, "coverage#audited").await.unwrap(), "audited_at"),
        at
    );
}

/// An account the organization rule leaves out beyond those the stack was deployed to
/// (`EXCLUDED_ACCOUNTS`) is still due a sweep: an edit of the rule silences no account unseen.
#[tokio::test(flavor = "multi_thread")]
async fn an_account_the_rule_excludes_beyond_the_deployment_is_still_due() {
    let h = harness(Some(ORG_PARAMS)).await;
    trustcheck_test_support::create_alerts_table(&h.sdk, TABLE).await;
    let [payments, sandbox] = organization(&h.sdk, &[1]).await;
    let deployed = |excluded: Option<Vec<String>>| {
        Coverage::new(
            &h.sdk,
            TABLE.to_owned(),
            RULE.to_owned(),
            CoverageSettings {
                window: Duration::from_secs(3600),
                excluded,
            },
        )
    };
    let start = now();
    assert_eq!(
        deployed(None).audit(start).await.unwrap(),
        Vec::<String>::new(),
        "the record starts"
    );
    let later = start + 2 * HOUR;
    for account in [ACCOUNT, payments.as_str()] {
        deployed(None).swept(account, later).await;
    }
    // As the live rule says, where the stack doesn't: the sandbox is left out.
    assert_eq!(deployed(None).audit(later + 600).await.unwrap(), Vec::<String>::new());
    // Deployed to leave out none: the sandbox the rule now excludes is due, and unswept.
    assert_eq!(
        deployed(Some(Vec::new())).audit(later + 600).await.unwrap(),
        std::slice::from_ref(&sandbox)
    );
    // Deployed to leave it out: as the rule says.
    assert_eq!(
        deployed(Some(vec![sandbox.clone()])).audit(later + 600).await.unwrap(),
        Vec::<String>::new()
    );
}
