//! Organization mode: each finished sweep records its member account, and the audit names the
//! organization's active accounts that had no sweep within the window.

mod common;

use std::time::Duration;

use common::*;
use evaluator::coverage::{Coverage, CoverageSettings};

const ACCOUNT: &str = "123456789012";
const ORG_PARAMS: &str = r#"{"executionRoleName":"trustcheck-member"}"#;

fn settings(hours: u64, excluded: &[&str]) -> CoverageSettings {
    CoverageSettings {
        window: Duration::from_secs(hours * 3600),
        excluded: excluded.iter().map(|a| a.to_string()).collect(),
    }
}

/// An organization of moto's account and two more; returns their ids.
async fn organization(sdk: &aws_config::SdkConfig) -> (String, String) {
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
    (ids[0].clone(), ids[1].clone())
}

fn now() -> i64 {
    aws_sdk_config::primitives::DateTime::from(std::time::SystemTime::now()).secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_sweep_is_recorded_and_the_accounts_without_one_are_named() {
    let mut h = harness(Some(ORG_PARAMS)).await;
    let table = trustcheck_test_support::create_alerts_table(&h.sdk, "trustcheck-alerts").await;
    let (payments, sandbox) = organization(&h.sdk).await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/trustcheck-evaluator"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    h.create_role("trustcheck-member", &trust).await;
    h.create_role("member-app", LAMBDA_TRUST).await;
    h.state = State::new(h.sdk.clone(), Some(ORG_PARAMS.to_owned())).with_coverage(Coverage::new(
        &h.sdk,
        table.clone(),
        settings(26, &[]),
    ));

    let before = now();
    h.invoke("scheduled.json", "trustcheck-org", None, LAMBDA_TRUST)
        .await
        .unwrap();
    let record = aws_sdk_dynamodb::Client::new(&h.sdk)
        .get_item()
        .table_name(&table)
        .key(
            "dedup_key",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("swept#{ACCOUNT}")),
        )
        .send()
        .await
        .unwrap();
    let item = record.item().expect("the sweep recorded its account");
    let swept_at: i64 = item["swept_at"].as_n().unwrap().parse().unwrap();
    assert!((before..=now()).contains(&swept_at), "{swept_at}");
    let expires_at: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    assert_eq!(expires_at - swept_at, 8 * 86_400, "kept longer than any window");

    // Just after: every account joined within the window, so none is due yet.
    let audit = Coverage::new(&h.sdk, table.clone(), settings(1, &[]));
    assert_eq!(audit.audit(now()).await.unwrap(), Vec::<String>::new());
    // Two hours on, with an hour's window: the swept account swept again, one excluded, the
    // other named.
    let later = now() + 2 * 3600;
    let audit = Coverage::new(&h.sdk, table.clone(), settings(1, &[&sandbox]));
    audit.after_sweep(ACCOUNT, later).await;
    assert_eq!(audit.audit(later + 600).await.unwrap(), std::slice::from_ref(&payments));
    // Without the exclusion both are, in id order.
    let mut both = vec![payments, sandbox];
    both.sort();
    let audit = Coverage::new(&h.sdk, table.clone(), settings(1, &[]));
    assert_eq!(audit.audit(later + 600).await.unwrap(), both);
    // A day and more on, the last sweep too is out of the window.
    assert_eq!(audit.audit(later + 2 * 3600).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_audit_that_cant_list_the_organization_fails_rather_than_passing() {
    let h = harness(Some(ORG_PARAMS)).await;
    let table = trustcheck_test_support::create_alerts_table(&h.sdk, "trustcheck-alerts").await;
    organization(&h.sdk).await;
    let audit = Coverage::new(&h.sdk, table, settings(1, &[]));
    h.moto
        .inject("organizations.ListAccounts", &["error:AccessDeniedException"]);
    let error = audit.audit(now() + 7200).await.unwrap_err();
    assert!(error.to_string().contains("organizations:ListAccounts"), "{error}");
    // Once it can, it names the unswept accounts.
    assert_eq!(audit.audit(now() + 7200).await.unwrap().len(), 3);
}
