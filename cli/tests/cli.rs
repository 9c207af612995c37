//! Runs the built `trustcheck` binary: every format, every exit code, stdin, bad input.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use common::{assert_golden, stderr, stdout};
use serde_json::Value;

const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:orders-consumer";

/// Relative to the crate directory, where the binary runs, so golden output has no machine paths.
fn policy(name: &str) -> PathBuf {
    Path::new("tests/policies").join(name)
}

fn trustcheck(args: &[&str], stdin: Option<&str>) -> Output {
    match stdin {
        Some(input) => common::trustcheck_with_stdin(args, input),
        None => common::trustcheck(args),
    }
}

#[test]
fn json_format_is_one_object_with_the_contract_keys() {
    let bad = policy("bad-fix.json");
    let out = trustcheck(
        &[
            "policy",
            "--format",
            "json",
            "--lambda-function",
            FUNCTION,
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let report: Value = serde_json::from_str(&text).expect("exactly one JSON object");
    // Sorted: whether serde_json keeps insertion order depends on features other crates of the
    // workspace turn on (the golden file pins the printed order).
    let mut keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["annotation", "compliance", "findings", "suggested_policy"]);
    assert_eq!(report["compliance"], "NON_COMPLIANT");
    assert_eq!(report["findings"][0]["id"], "TRUST_PUBLIC");
    assert_eq!(report["findings"][0]["statement"], 1);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] != "LAMBDA_TRUST_MISSING"));
    assert_golden("bad-fix.json", &text);
}

#[test]
fn one_policy_of_an_unknown_account_says_what_is_left_unjudged() {
    let other_account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#;
    let out = trustcheck(&["policy", "--format", "json", "-"], Some(other_account));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        report["notes"][0].as_str().unwrap().contains("other accounts' roots"),
        "{report:#}"
    );
    let out = trustcheck(&["policy", "-"], Some(other_account));
    assert!(
        stdout(&out).contains("note: the role's account is unknown"),
        "{}",
        stdout(&out)
    );
    // Given the account, it is judged, and no note is left.
    let out = trustcheck(
        &["policy", "--format", "json", "--account-id", "111122223333", "-"],
        Some(other_account),
    );
    let report: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["findings"][0]["id"], "CROSS_ACCOUNT_UNCONDITIONED", "{report:#}");
    assert!(report.get("notes").is_none(), "{report:#}");
    // Two accounts for the role: a usage error, not a guess.
    let out = trustcheck(
        &[
            "policy",
            "--account-id",
            "999988887777",
            "--role-arn",
            "arn:aws:iam::111122223333:role/x",
            "-",
        ],
        Some(other_account),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--account-id 999988887777 is not the account of --role-arn (111122223333)"),
        "{}",
        stderr(&out)
    );
    // A function of another account is not counted, and the report says so.
    let lambda = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let foreign = "arn:aws:lambda:us-east-1:222233334444:function:f";
    let out = trustcheck(
        &[
            "policy",
            "--format",
            "json",
            "--role-arn",
            "arn:aws:iam::111122223333:role/x",
            "--lambda-function",
            foreign,
            "-",
        ],
        Some(lambda),
    );
    let report: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(
        report["notes"][0],
        format!("{foreign} is in account 222233334444, not the role's 111122223333: Lambda can't use another account's role, so it is not counted"),
        "{report:#}"
    );
    // Without the role's ARN or account, functions of two accounts don't let the first decide.
    let own = "arn:aws:lambda:us-east-1:111122223333:function:a";
    for functions in [[own, foreign], [foreign, own]] {
        let out = trustcheck(
            &[
                "policy",
                "--lambda-function",
                functions[0],
                "--lambda-function",
                functions[1],
                "-",
            ],
            Some(lambda),
        );
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("in accounts 111122223333 and 222233334444, and a role is in one: pass --role-arn"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn suggested_policy_from_json_output_passes_again() {
    let bad = policy("bad-fix.json");
    let out = trustcheck(
        &[
            "policy",
            "--format",
            "json",
            "--lambda-function",
            FUNCTION,
            bad.to_str().unwrap(),
        ],
        None,
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let fixed = report["suggested_policy"].to_string();
    let again = trustcheck(
        &["policy", "--format", "json", "--lambda-function", FUNCTION, "-"],
        Some(&fixed),
    );
    assert_eq!(again.status.code(), Some(0));
    let report: Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(report["compliance"], "COMPLIANT");
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(report["suggested_policy"], Value::Null);
}

/// `--at` judges time conditions as of a given moment: a report reproduces, or looks ahead.
#[test]
fn at_judges_time_conditions_as_of_that_moment() {
    let window = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"DateLessThan":{"aws:CurrentTime":"2026-12-15T00:00:00Z"}}}]}"#;
    let annotation_at = |at: &str| {
        let out = trustcheck(
            &[
                "policy",
                "--format",
                "json",
                "--lambda-function",
                FUNCTION,
                "--at",
                at,
                "-",
            ],
            Some(window),
        );
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        report["annotation"].as_str().unwrap().to_owned()
    };
    let before = annotation_at("2026-12-01");
    assert!(
        before.starts_with("LAMBDA_TRUST_EXPIRING") && before.contains("in 14 day(s)"),
        "{before}"
    );
    assert_eq!(annotation_at("1796083200"), before, "epoch seconds are the same moment");
    // Four to eight digits may be a year or a compact date as much as epoch seconds: refused.
    let out = trustcheck(&["policy", "--at", "20261220", "-"], Some(window));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let after = annotation_at("2026-12-20T08:00:00Z");
    assert!(after.starts_with("LAMBDA_TRUST_CONDITION_BLOCKS"), "{after}");
    let out = trustcheck(&["policy", "--at", "tomorrow", "-"], Some(window));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected an ISO 8601 date or time"),
        "{}",
        stderr(&out)
    );
}

/// A service that shares a Lambda role (Zappa's API Gateway and EventBridge) is dropped from the
/// suggested policy: text and JSON say first to give it a role of its own.
#[test]
fn a_step_before_applying_the_suggested_policy_is_shown() {
    let zappa = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["apigateway.amazonaws.com","lambda.amazonaws.com","events.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
    let step = "give apigateway.amazonaws.com, events.amazonaws.com a role of their own";
    let text = stdout(&trustcheck(
        &["policy", "--lambda-function", FUNCTION, "-"],
        Some(zappa),
    ));
    let before = text.find(&format!("Before applying it: {step}")).expect(&text);
    assert!(before < text.find("\"Statement\"").unwrap(), "{text}");
    let json = trustcheck(
        &["policy", "--format", "json", "--lambda-function", FUNCTION, "-"],
        Some(zappa),
    );
    let report: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(
        report["before_applying"][0].as_str().unwrap().starts_with(step),
        "{report:#}"
    );
    // Nothing to do first: no key.
    let bad = policy("bad-fix.json");
    let json = trustcheck(
        &[
            "policy",
            "--format",
            "json",
            "--lambda-function",
            FUNCTION,
            bad.to_str().unwrap(),
        ],
        None,
    );
    let report: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(report.get("before_applying").is_none(), "{report:#}");
}

#[test]
fn text_format_shows_verdict_findings_and_fixed_policy() {
    let edge = policy("edge-only.json");
    let out = trustcheck(&["policy", "--lambda-function", FUNCTION, edge.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
    assert_golden("edge-only.txt", &text);
}

#[test]
fn sarif_format_has_rules_and_located_results() {
    let bad = policy("bad-fix.json");
    let out = trustcheck(
        &[
            "policy",
            "--format",
            // Any case, as `--output SARIF=…` and `--fail-on low` take it.
            "SARIF",
            "--lambda-function",
            FUNCTION,
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= trustcheck::FindingId::ALL.len());
    assert!(
        rules.iter().any(|r| r["id"] == "EVALUATION_FAILED"),
        "every finding of the catalog is a rule"
    );
    let first = &run["results"][0];
    assert_eq!(first["ruleId"], "TRUST_PUBLIC");
    assert_eq!(first["level"], "error");
    assert_eq!(first["locations"][0]["physicalLocation"]["region"]["startLine"], 9);
    let index = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "TRUST_PUBLIC");
    // A policy file is a proposal: IAM would refuse the bare "Principal": "*" (HIGH, an error).
    assert_eq!(run["results"][1]["ruleId"], "TRUST_POLICY_INVALID");
    assert_eq!(run["results"][1]["level"], "error");
    assert_eq!(run["results"][2]["level"], "note");
}

#[test]
fn compliant_and_not_applicable_exit_zero() {
    let good = policy("good.json");
    let out = trustcheck(&["policy", "--lambda-function", FUNCTION, good.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("COMPLIANT"));
    let slr = "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";
    let bad = policy("bad-fix.json");
    let out = trustcheck(&["policy", "--role-arn", slr, bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("NOT_APPLICABLE"));
}

#[test]
fn stdin_and_percent_encoding() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%22%2A%22%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    for args in [
        &["policy", "--format", "json"][..],
        &["policy", "--format", "json", "-"][..],
    ] {
        let out = trustcheck(args, Some(encoded));
        assert_eq!(out.status.code(), Some(1));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["findings"][0]["id"], "TRUST_PUBLIC");
    }
}

#[test]
fn a_byte_order_mark_before_the_json_is_skipped() {
    let public = "\u{feff}{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"}]}";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bom");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("policy.json");
    std::fs::write(&file, public).unwrap();
    let from_file = trustcheck(&["policy", "--format", "json", file.to_str().unwrap()], None);
    let from_stdin = trustcheck(&["policy", "--format", "json"], Some(public));
    for out in [from_file, from_stdin] {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["findings"][0]["id"], "TRUST_PUBLIC");
    }
    // A Terraform plan saved by a Windows editor, read mapped.
    let plan = std::fs::read_to_string("tests/terraform/plan.json").unwrap();
    let with_bom = dir.join("plan.json");
    std::fs::write(&with_bom, format!("\u{feff}{plan}")).unwrap();
    let read = |path: &Path| {
        let out = trustcheck(&["terraform", "--format", "json", path.to_str().unwrap()], None);
        assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(
        read(&with_bom),
        read(Path::new("tests/terraform/plan.json")).replace("tests/terraform/plan.json", with_bom.to_str().unwrap())
    );
}

#[test]
fn unparseable_policy_is_non_compliant() {
    let out = trustcheck(&["policy", "--format", "json"], Some("{\"Statement\": [}"));
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["findings"][0]["id"], "POLICY_UNPARSEABLE");
    assert!(report["annotation"].as_str().unwrap().contains("line 1 column"));
    // Nothing at all (a pipe whose command failed) is no policy to judge: a usage error.
    let empty = trustcheck(&["policy"], Some(" \n"));
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("stdin: empty"), "{}", stderr(&empty));
    assert!(stdout(&empty).is_empty());
}

#[test]
fn a_file_of_another_kind_is_a_usage_error_that_says_what_to_run() {
    let cases = [
        (
            r#"{"Role": {"RoleName": "r", "AssumeRolePolicyDocument": {"Statement": []}}}"#,
            "stdin: this is `aws iam get-role` output, not a trust policy: pass its document (`--query Role.AssumeRolePolicyDocument`)",
        ),
        (r#"{"RoleDetailList": []}"#, "use `trustcheck account --auth-details`"),
        (
            r#"{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r", "AssumeRolePolicyDocument": {"Statement": []}}"#,
            "a role (`aws iam get-role --query Role`), not a trust policy",
        ),
        (r#"{"Roles": [{"RoleName": "r"}]}"#, "`aws iam list-roles` output, not a trust policy"),
        (r#"{"Resources": {}}"#, "use `trustcheck template`"),
        ("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", "use `trustcheck template`"),
        (r#"{"format_version": "1.2", "planned_values": {}}"#, "use `trustcheck terraform`"),
    ];
    for (input, expected) in cases {
        let out = trustcheck(&["policy"], Some(input));
        assert_eq!(out.status.code(), Some(2), "{input}");
        let err = stderr(&out);
        assert!(err.starts_with("trustcheck: ") && err.contains(expected), "{err}");
        assert!(out.stdout.is_empty());
    }
    // A policy with a misspelt element is still a policy: judged, not refused.
    let near = trustcheck(&["policy", "--format", "json"], Some(r#"{"Statment": []}"#));
    assert_eq!(near.status.code(), Some(1), "{}", stderr(&near));
}

#[test]
fn usage_errors_exit_two_with_one_line() {
    let missing = trustcheck(&["policy", "/nonexistent/policy.json"], None);
    let bad_flag = trustcheck(&["policy", "--bogus"], None);
    let bad_flag_of_template = trustcheck(&["template", "--bogus"], None);
    let bad_account = trustcheck(&["policy", "--account-id", "12345", "-"], Some("{}"));
    let bad_params = trustcheck(
        &["policy", "--params", r#"{"nonCompliantAt":"SEVERE"}"#, "-"],
        Some("{}"),
    );
    let bad_format = trustcheck(&["policy", "--format", "xml", "-"], Some("{}"));
    let bad_region = trustcheck(&["template", "--region", "eu-west1", "-"], None);
    let template_stdin = trustcheck(&["template", "-"], Some("Resources: {}"));
    let shouting_region = trustcheck(&["terraform", "--region", "EU-WEST-1", "-"], None);
    let bare = trustcheck(&[], None);
    let endless = trustcheck(&["policy"], Some(&" ".repeat((1 << 20) + 1)));
    let cases = [
        (
            bare,
            "trustcheck: a subcommand is needed: policy, template, terraform or account",
        ),
        (endless, "stdin: larger than 1 MiB: not a trust policy"),
        (missing, "cannot read /nonexistent/policy.json"),
        (bad_flag, "unexpected argument '--bogus'"),
        (bad_flag_of_template, "(see trustcheck template --help)"),
        (template_stdin, "-: standard input is read by `trustcheck policy` only"),
        (bad_account, "an account id is 12 digits"),
        (bad_params, "--params: rule parameter `nonCompliantAt` is \"SEVERE\""),
        (bad_format, "invalid value 'xml'"),
        (
            bad_region,
            "invalid value 'eu-west1' for '--region <REGION>': a region's code",
        ),
        (shouting_region, "invalid value 'EU-WEST-1' for '--region <REGION>'"),
    ];
    for (out, expected) in cases {
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("trustcheck: ") && err.contains(expected), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_policy_that_once_aborted_the_engine_gets_its_findings() {
    let out = trustcheck(
        &[
            "policy",
            "--format",
            "json",
            "../tests/fixtures/oidc-multibyte-key.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        // Its provider's key names no claim (`…githubusercontent.coésub`): no request has it.
        ids.contains(&"TRUST_PUBLIC") && ids.contains(&"STATEMENT_NEVER_APPLIES"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"EVALUATION_FAILED"), "{ids:?}");
}

#[test]
fn an_output_file_never_overwrites_an_input_or_another_output() {
    let dir = common::scratch().join(format!("trustcheck-outputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("policy.json");
    let original = std::fs::read_to_string(policy("bad-fix.json")).unwrap();
    std::fs::write(&input, &original).unwrap();
    let input = input.to_str().unwrap();
    let report = dir.join("report.json");
    let report = report.to_str().unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let _ = std::fs::remove_file(dir.join("linked.json"));
    std::fs::hard_link(input, dir.join("linked.json")).unwrap();
    for (outputs, said) in [
        (vec![format!("json={input}")], "is an input of this scan"),
        (
            vec![format!("json={report}"), format!("sarif={report}")],
            "is named by another --output",
        ),
        (vec!["json=-".to_owned()], "standard output is --format's"),
        // One file under two spellings, before it exists.
        (
            vec![
                format!("json={report}"),
                format!("sarif={}", dir.join("sub/../report.json").display()),
            ],
            "is named by another --output",
        ),
        // A hard link to the input has no path in common with it.
        (
            vec![format!("json={}", dir.join("linked.json").display())],
            "is an input of this scan",
        ),
    ] {
        let mut args = vec!["policy"];
        for output in &outputs {
            args.extend(["--output", output.as_str()]);
        }
        args.push(input);
        let out = trustcheck(&args, None);
        assert_eq!(out.status.code(), Some(2), "{outputs:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{}", stderr(&out));
        assert!(stdout(&out).is_empty(), "nothing is reported: {}", stdout(&out));
    }
    assert_eq!(std::fs::read_to_string(dir.join("policy.json")).unwrap(), original);
    // Standard input redirected from a file (`- < policy.json`) is that file.
    let redirected = std::process::Command::new(env!("CARGO_BIN_EXE_trustcheck"))
        .args(["policy", "-", "--output", &format!("json={input}")])
        .stdin(std::fs::File::open(input).unwrap())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&redirected.stderr);
    assert_eq!(redirected.status.code(), Some(2), "{said}");
    assert!(said.contains("is an input of this scan"), "{said}");
    assert_eq!(std::fs::read_to_string(dir.join("policy.json")).unwrap(), original);
    // A template a directory scan finds is an input too.
    let template = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n";
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("t.yaml"), template).unwrap();
    let over = format!("json={}", templates.join("t.yaml").display());
    let out = trustcheck(&["template", "--output", &over, templates.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(templates.join("t.yaml")).unwrap(), template);
    assert!(!dir.join("report.json").exists() && !Path::new("-").exists());
}

#[test]
fn an_exemption_pattern_that_cant_match_one_policy_says_so() {
    let params = r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role/legacy-*"}"#;
    let policy = policy("bad-fix.json");
    let without = trustcheck(&["policy", "--params", params, policy.to_str().unwrap()], None);
    assert!(
        stderr(&without).contains("exemptRoleArnPatterns can't match"),
        "{}",
        stderr(&without)
    );
    let arn = "arn:aws:iam::111122223333:role/legacy-app";
    let with = trustcheck(
        &[
            "policy",
            "--params",
            params,
            "--role-arn",
            arn,
            policy.to_str().unwrap(),
        ],
        None,
    );
    assert!(!stderr(&with).contains("can't match"), "{}", stderr(&with));
}

/// An exempt role's findings are skipped in every format, as a scan lists them: never an active
/// SARIF error beside a NOT_APPLICABLE verdict and exit 0.
#[test]
fn an_exempt_policy_lists_its_findings_as_skipped_in_every_format() {
    let params = r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role/legacy-*"}"#;
    let cross_account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    let run = |format: &str| {
        let args = [
            "policy",
            "--params",
            params,
            "--role-arn",
            "arn:aws:iam::111122223333:role/legacy-app",
            "--format",
            format,
            "-",
        ];
        let out = trustcheck(&args, Some(cross_account));
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["compliance"], "NOT_APPLICABLE");
    assert_eq!(json["findings"], serde_json::json!([]));
    let skipped = json["skipped"].as_array().unwrap();
    assert!(!skipped.is_empty());
    assert!(skipped
        .iter()
        .all(|s| s["by"] == "exemption" && s["reason"] == "exempt by pattern arn:aws:iam::*:role/legacy-*"));
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), skipped.len());
    for result in results {
        assert_ne!(result["level"], "error", "{result}");
        assert_eq!(result["suppressions"][0]["kind"], "external", "{result}");
    }
    let text = run("text");
    assert!(
        text.contains("skipped  ") && text.contains("exempt by pattern"),
        "{text}"
    );
}

/// Positions count columns from 1, as editors and problem matchers read `file:line:column`:
/// serde_json's column 0 (an empty file's end) is column 1.
#[test]
fn an_error_at_an_empty_file_s_end_is_at_column_one() {
    let empty = common::scratch().join(format!("trustcheck-empty-baseline-{}.json", std::process::id()));
    std::fs::write(&empty, "").unwrap();
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates/clean.yaml");
    let out = trustcheck(&["template", "--baseline", empty.to_str().unwrap(), template], None);
    assert_eq!(out.status.code(), Some(2));
    let said = format!("{}:1:1: not valid JSON", empty.display());
    assert!(stderr(&out).contains(&said), "{}", stderr(&out));
    std::fs::remove_file(&empty).unwrap();
}

/// Text from the input can't write escape sequences or line breaks to a terminal or CI log: a
/// principal that would erase its line and print a verdict of its own is shown escaped.
#[test]
fn text_output_escapes_what_the_input_could_forge_a_line_with() {
    let forged = "arn:aws:iam::*:root\u{1b}[2K\r\nCOMPLIANT  \u{202e}fake";
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": forged}, "Action": "sts:AssumeRole"}]
    })
    .to_string();
    let out = trustcheck(&["policy", "--format", "text", "-"], Some(&policy));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(text.contains("[2K"), "the principal is shown, escaped: {text}");
    assert!(
        !text.lines().any(|line| line.starts_with("COMPLIANT")),
        "no forged line: {text}"
    );
}

#[test]
fn standard_input_is_named_once_at_most() {
    // Read twice, the second read finds it empty and would call that input broken.
    let out = trustcheck(&["account", "--auth-details", "-", "--functions", "-"], Some("{}"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("standard input (-) can be read once"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}
