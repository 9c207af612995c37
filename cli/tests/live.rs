//! `trustcheck account --live` against the local AWS endpoint (moto + tests/moto_ext.py): the
//! binary runs the scheduled rule's sweep with the standard AWS environment variables. Only in the
//! full build (the `live` feature).
#![cfg(feature = "live")]

mod common;

use common::{ids, role, stderr, stdout, trustcheck_with_env};
use serde_json::Value;
use trustcheck_test_support::{Moto, ACCOUNT, REGION};

const CROSS_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;

/// The binary's AWS environment: the local endpoint, dummy credentials, nothing from this
/// machine's own AWS configuration.
fn live(moto: &Moto, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["account", "--live"];
    args.extend(extra);
    let out = trustcheck_with_env(
        &args,
        &[
            ("AWS_ENDPOINT_URL", &moto.endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_SESSION_TOKEN", ""),
            ("AWS_REGION", REGION),
            ("AWS_PROFILE", ""),
            ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    (out.status.code(), stdout(&out), stderr(&out))
}

#[tokio::test]
async fn live_account_scan_uses_the_sweep() {
    let moto = Moto::start();
    // Function i uses role i; by position: Lambda with aws:SourceAccount, Lambda without a
    // condition, Lambda@Edge only (used by a function: LAMBDA_TRUST_MISSING), {"AWS": "*"}.
    moto.seed(20, 20, "cli");
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_role()
        .role_name("break-glass")
        .assume_role_policy_document(CROSS_ACCOUNT)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("trustcheck:exempt")
                .value("INC-1234")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("moto creates the exempt role");
    moto.reset_calls();

    let (code, out, err) = live(&moto, &["--format", "json"]);
    assert_eq!(code, Some(1), "{err}");
    let report: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(report["summary"]["roles"], 21);
    assert_eq!(report["summary"]["non_compliant"], 3);

    let edge = role(&report, "cli-role-00017");
    assert_eq!(edge["source"], Value::Null);
    assert_eq!(edge["arn"], format!("arn:aws:iam::{ACCOUNT}:role/cli-role-00017"));
    assert_eq!(ids(&edge["findings"]), ["LAMBDA_TRUST_MISSING"]);
    assert_eq!(
        edge["functions"][0],
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:cli-fn-00017")
    );
    assert!(edge["suggested_policy"]["Statement"].is_array());
    // Used by a function too, so Lambda missing from its trust is a finding as well.
    assert_eq!(
        ids(&role(&report, "cli-role-00019")["findings"]),
        ["TRUST_PUBLIC", "LAMBDA_TRUST_MISSING"]
    );
    assert_eq!(role(&report, "cli-role-00000")["compliance"], "COMPLIANT");
    // The exemption tag comes from Config, as in the scheduled rule; findings stay listed.
    // (Below CRITICAL: a CRITICAL finding is never exempt, see the rule crate's case table.)
    let glass = role(&report, "break-glass");
    assert_eq!(glass["compliance"], "NOT_APPLICABLE");
    assert_eq!(ids(&glass["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert_eq!(glass["skipped"][0]["reason"], "exempt by tag trustcheck:exempt");

    // The sweep's calls: ListRoles carries the policies (no GetRole per role), one Config query
    // for exempt roles.
    let calls = moto.calls();
    assert!(calls["iam.ListRoles"].as_u64().unwrap_or(0) >= 1, "{calls}");
    assert!(
        calls["config.SelectResourceConfig"].as_u64().unwrap_or(0) >= 1,
        "{calls}"
    );
    assert!(calls.get("iam.GetRole").is_none(), "{calls}");

    // SARIF for code scanning: a role read from the account has a path of its own.
    let (_, out, err) = live(&moto, &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).expect("SARIF");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty(), "{err}");
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default();
        let name = result["locations"][0]["logicalLocations"][0]["name"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(uri, format!("aws-account/{ACCOUNT}/role/{name}"), "{result}");
    }

    // Text for people: the summary first.
    let (code, out, _) = live(&moto, &["--fail-on", "CRITICAL"]);
    assert_eq!(code, Some(1), "TRUST_PUBLIC is CRITICAL");
    assert!(out.starts_with("trustcheck: 21 role(s): 1 NON_COMPLIANT"), "{out}");

    // CloudFront is asked which versions run at the edge, and as which roles; a scan that can't
    // ask it fails, as a role it would misjudge could mislead.
    assert_eq!(moto.calls()["cloudfront.ListDistributions"], 3, "once per scan");
    moto.inject("cloudfront.ListDistributions", &["error:AccessDenied"]);
    let (code, _, err) = live(&moto, &[]);
    moto.clear_faults();
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cloudfront:ListDistributions") && err.contains("AccessDenied"),
        "{err}"
    );

    // Exemption tags that can't be read: every role is judged as if untagged, and the report
    // says so (the rule's sweep fails instead; a person reads this one).
    moto.inject("config.SelectResourceConfig", &["error:AccessDenied"; 8]);
    let (_, out, err) = live(&moto, &["--format", "json"]);
    moto.clear_faults();
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert!(
        report["notes"]
            .to_string()
            .contains("trustcheck:exempt could not be read (config:SelectResourceConfig)"),
        "{report:#}"
    );
    assert_eq!(
        role(&report, "break-glass")["compliance"],
        "NON_COMPLIANT",
        "{report:#}"
    );
}

/// An account that lists no role is no account: refused as authorization details that list none
/// are, never a passing scan of nothing.
#[tokio::test]
async fn a_live_scan_that_lists_no_role_fails() {
    let moto = Moto::start();
    let (code, out, err) = live(&moto, &["--format", "json"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("ListRoles listed no role at all"), "{err}");
}
