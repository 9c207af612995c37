//! `trustcheck template`, `terraform` and `account --auth-details` on the fixtures under tests/:
//! what each input holds, lines, intrinsics, suppression, formats (SARIF checked against the SARIF
//! 2.1.0 schema), exit codes and bad input.

mod common;

use common::{assert_golden, ids, json_report, role, stderr, stdout, trustcheck};
use serde_json::Value;

const APP: &str = "tests/templates/app.yaml";
const CDK: &str = "tests/templates/cdk.template.json";
const CLEAN: &str = "tests/templates/clean.yaml";
const PLAN: &str = "tests/terraform/plan.json";
const AUTH: &str = "tests/account/auth-details.json";
const FUNCTIONS: &str = "tests/account/functions.json";
/// app.yaml deployed to a known account with its parameter given.
const APP_ARGS: [&str; 6] = [
    "template",
    "--account-id",
    "111122223333",
    "--parameter",
    "TrustedAccount=444455556666",
    APP,
];

#[test]
fn template_roles_are_cross_referenced_with_their_functions() {
    let (code, report) = json_report(&APP_ARGS);
    assert_eq!(code, Some(1));
    let names = logical_ids(&report);
    assert_eq!(
        names,
        [
            "OrdersFunctionRole",
            "ConsumerRole",
            "EdgeRole",
            "PublicRole",
            "AuditRole",
            "BreakGlassRole",
            "ImportedRole"
        ]
    );
    // SAM's generated role: Lambda's default trust, named as SAM names it, at the function's line.
    let generated = role(&report, "OrdersFunctionRole");
    assert_eq!(generated["line"], 19);
    assert_eq!(generated["compliance"], "COMPLIANT");
    assert_eq!(ids(&generated["findings"]), ["CONFUSED_DEPUTY_UNSCOPED"]);
    assert_eq!(
        generated["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:orders-prod"
    );
    // !GetAtt X.Arn; the function has no FunctionName, so it is known by its logical id.
    let consumer = role(&report, "ConsumerRole");
    assert_eq!(consumer["functions"][0], "ConsumerFunction");
    assert_eq!(consumer["compliance"], "COMPLIANT");
    assert_eq!(consumer["findings"], Value::Array(vec![]));
    // Fn::GetAtt [X, Arn], long form.
    let edge = role(&report, "EdgeRole");
    assert_eq!(edge["compliance"], "NON_COMPLIANT");
    assert_eq!(edge["line"], 46);
    assert_eq!(edge["findings"][0]["id"], "LAMBDA_TRUST_MISSING");
    assert_eq!(edge["findings"][0]["line"], 52, "the statement's line");
    assert!(edge["annotation"].as_str().unwrap().contains("used by EdgeFunction"));
    // A role ARN built with !Sub from the role's name.
    let public = role(&report, "PublicRole");
    assert_eq!(public["functions"][0], "PublicFunction");
    // The bare "Principal": "*" is also what IAM refuses in a trust policy.
    assert_eq!(
        ids(&public["findings"]),
        ["TRUST_PUBLIC", "TRUST_POLICY_INVALID", "CONFUSED_DEPUTY_UNSCOPED"]
    );
    assert_eq!(public["findings"][0]["line"], 76);
    assert_eq!(
        public["suggested_policy"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    let summary = &report["summary"];
    assert_eq!(summary["roles"], 7);
    assert_eq!(summary["non_compliant"], 2);
    assert_eq!(summary["findings"]["CRITICAL"], 1);
    assert_eq!(summary["skipped"], 2);
}

#[test]
fn a_parameter_no_template_declares_is_noted_not_used() {
    let (_, report) = json_report(&[
        "template",
        "--account-id",
        "111122223333",
        "--parameter",
        "TrustedAcount=444455556666",
        "--parameter",
        "TrustedAccount=444455556666",
        APP,
        CLEAN,
    ]);
    assert_eq!(
        report["notes"],
        serde_json::json!([
            "--parameter TrustedAcount: no template scanned declares a parameter TrustedAcount, so it was not used"
        ])
    );
    // A pseudo parameter has an option of its own, which the note names.
    let (_, report) = json_report(&["template", "--parameter", "AWS::AccountId=444455556666", CLEAN]);
    assert!(
        report["notes"]
            .to_string()
            .contains("so it was not used: pass --account-id"),
        "{report:#}"
    );
}

/// A statement IAM can't read is named, at its line in the file, not by a position in the JSON
/// text the template's YAML was written into.
#[test]
fn an_unreadable_statement_of_a_template_is_placed_at_its_line() {
    let file = "tests/templates/statement-type-error.yaml";
    let (code, report) = json_report(&["template", file]);
    assert_eq!(code, Some(1), "{report:#}");
    let finding = &role(&report, "R")["findings"][0];
    assert_eq!(finding["id"], "POLICY_UNPARSEABLE", "{report:#}");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.starts_with("the trust policy is not a policy IAM reads: statement 1: invalid type: map"),
        "{message}"
    );
    assert!(!message.contains("column"), "{message}");
    let sarif: Value = serde_json::from_str(&stdout(&trustcheck(&["template", file, "--format", "sarif"]))).unwrap();
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 13, "{sarif:#}");
}

/// A template given to `terraform`, or a plan to `template`, is an error that names the
/// subcommand to run.
#[test]
fn a_file_given_to_the_wrong_subcommand_names_the_right_one() {
    for (args, says) in [
        (
            ["terraform", APP],
            "a CloudFormation or SAM template, not a plan: use `trustcheck template`",
        ),
        (
            ["template", PLAN],
            "it is a Terraform plan or state; use `trustcheck terraform`",
        ),
        (
            ["terraform", "tests/templates/cdk.template.json"],
            "a CloudFormation or SAM template, not a plan: use `trustcheck template`",
        ),
    ] {
        let out = trustcheck(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

/// A device that never ends (or maps as empty) is read as far as a limit, then refused: not
/// taken for an empty file, nor read until memory runs out.
#[test]
fn authorization_details_are_read_from_standard_input_as_dash() {
    let dump = std::fs::read_to_string(AUTH).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustcheck"))
        .args(["account", "--auth-details", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), dump.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let piped: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, named) = json_report(&["account", "--auth-details", AUTH]);
    assert_eq!(piped["summary"], named["summary"]);
}

#[test]
fn an_input_that_never_ends_is_refused() {
    let out = trustcheck(&["account", "--auth-details", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("more than 256 MiB"), "{}", stderr(&out));
    let out = trustcheck(&["terraform", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("more than 256 MiB"), "{}", stderr(&out));
}

/// A key that decides which roles there are, written twice, leaves it to the deploying parser:
/// the template is not read (exit 2), never passed.
#[test]
fn a_resource_type_written_twice_is_an_error() {
    let out = trustcheck(&["template", "tests/templates/repeated-type.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(
            "tests/templates/repeated-type.yaml:9:1: resource R repeats the key `Type` (line 4, again at line 9)"
        ),
        "{}",
        stderr(&out)
    );
    let doubled = "Parameters:\n  P: {Type: String, Default: \"*\"}\nParameters:\n  P: {Type: String, Default: x}\nResources: {}\n";
    let dir = common::scratch().join(format!("trustcheck-repeated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("doubled.yaml");
    std::fs::write(&file, doubled).unwrap();
    let out = trustcheck(&["template", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the template repeats the key `Parameters`"),
        "{}",
        stderr(&out)
    ); // A condition of one name twice (the public one first), a mapping's key twice.
    for (text, says) in [
        (
            "Conditions:\n  Open: !Equals [a, a]\n  Open: !Equals [a, b]\nResources: {}\n",
            "the Conditions section repeats the key `Open` (line 2, again at line 3)",
        ),
        (
            "Mappings:\n  P:\n    x: {v: \"*\"}\n    x: {v: \"111122223333\"}\nResources: {}\n",
            "mapping P repeats the key `x` (line 3, again at line 4)",
        ),
    ] {
        let dir = common::scratch().join(format!("trustcheck-repeated-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("doubled.yaml");
        std::fs::write(&file, text).unwrap();
        let out = trustcheck(&["template", file.to_str().unwrap()]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    // A key copied with the same value (a region table with a region twice) is one value: the
    // template is read, and its public role judged.
    let copied = "Mappings:\n  RegionMap:\n    eu-west-3: {AMI: ami-1}\n    eu-west-3: {AMI: ami-1}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: 'sts:AssumeRole'}\n";
    let dir = common::scratch().join(format!("trustcheck-repeated-same-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("copied.yaml");
    std::fs::write(&file, copied).unwrap();
    let out = trustcheck(&["template", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("TRUST_PUBLIC"), "{}", stdout(&out));
}

/// A value CloudFormation would refuse (not among AllowedValues, as a list's item too) is no
/// deployment: an error where it is declared, not the branch it happens to pick; one given twice
/// is an error too.
#[test]
fn a_parameter_value_cloudformation_would_refuse_is_an_error() {
    const OPEN: &str = "tests/templates/allowed-open.yaml";
    let (code, report) = json_report(&["template", "--parameter", "Open=yes", OPEN]);
    assert_eq!(code, Some(1), "an allowed value is judged: {report:#}");
    for (given, refused) in [
        ("Open=Yes", "\"Yes\""),
        ("Open=maybe", "\"maybe\""),
        ("Teams=ops,qa", "\"qa\""),
    ] {
        let out = trustcheck(&["template", "--parameter", given, OPEN]);
        assert_eq!(out.status.code(), Some(2), "{given}: {}", stdout(&out));
        let error = stderr(&out);
        assert!(error.contains("tests/templates/allowed-open.yaml:"), "{error}");
        assert!(
            error.contains(&format!("{refused} is not one of its AllowedValues")),
            "{error}"
        );
    }
    // Another template that takes the value: each is judged with what it allows, and a note
    // says which refused it (a monorepo's stacks may allow different stages).
    let dir = common::scratch().join(format!("trustcheck-allowed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let other = dir.join("other.yaml");
    std::fs::write(
        &other,
        "Parameters:\n  Open: {Type: String, AllowedValues: [maybe]}\nResources:\n  T: {Type: AWS::SNS::Topic}\n",
    )
    .unwrap();
    let (code, report) = json_report(&["template", "--parameter", "Open=maybe", OPEN, other.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        code,
        Some(1),
        "judged with each value it allows, yes among them: {report:#}"
    );
    assert!(
        report["notes"].to_string().contains("allowed-open.yaml:3:3: parameter Open: \\\"maybe\\\" is not one of its AllowedValues (yes, no), so CloudFormation would refuse the stack: judged with the values it allows"),
        "{report:#}"
    );
    let out = trustcheck(&["template", "--parameter", "Open=yes", "--parameter", "Open=no", OPEN]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--parameter Open is given twice"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn intrinsics_resolve_to_the_stack_or_stay_opaque() {
    // With the parameter: the other account is resolved, found, and skipped as documented.
    let (_, report) = json_report(&APP_ARGS);
    let audit = role(&report, "AuditRole");
    assert_eq!(ids(&audit["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert!(audit["skipped"][0]["message"]
        .as_str()
        .unwrap()
        .contains("444455556666"));
    let imported = role(&report, "ImportedRole");
    assert_eq!(imported["compliance"], "COMPLIANT");
    assert_eq!(imported["notes"][0], "ImportValue shared-account-id is unresolved");
    assert_eq!(report["notes"], Value::Array(vec![]));

    // Without account or parameter: the placeholder account stands in (and says so); the
    // parameter without a default stays opaque and noted, and, an account the deployer chooses,
    // is taken as another one (here skipped as documented, as with the parameter).
    let (_, report) = json_report(&["template", APP]);
    let note = report["notes"][0].as_str().unwrap();
    assert!(note.contains("123456789012") && note.contains("--account-id"), "{note}");
    assert_eq!(
        role(&report, "ConsumerRole")["compliance"],
        "COMPLIANT",
        "AWS::AccountId is the stack's own"
    );
    let audit = role(&report, "AuditRole");
    assert_eq!(audit["compliance"], "COMPLIANT");
    assert_eq!(ids(&audit["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert!(audit["skipped"][0]["message"]
        .as_str()
        .unwrap()
        .contains("a template parameter, or a value known only after apply: any account may be passed"));
    let note = audit["notes"][0].as_str().unwrap();
    assert!(
        note.contains("Ref TrustedAccount") && note.contains("--parameter TrustedAccount=VALUE"),
        "{note}"
    );
    // Nor does a finding's fix, followed as written: a role that names its own account outright
    // is judged in the stand-in one, and told to fill in the account, not to use the stand-in.
    let hard_coded = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {aws:SourceAccount: '111122223333'}}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12, Handler: a.b, Code: {ZipFile: x}, Role: !GetAtt R.Arn}\n";
    let (_, hard_coded) = template_report("hard-coded-account.yaml", hard_coded);
    let fix = role(&hard_coded, "R")["findings"][0]["fix"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        fix.contains("aws:SourceAccount = ACCOUNT_ID") && !fix.contains("123456789012"),
        "{fix}"
    );
    // The suggested policy names the account to fill in, not the stand-in (pasted, it would
    // pin Lambda to an account that is not the deployer's); a given account is named.
    let edge = role(&report, "EdgeRole")["suggested_policy"].to_string();
    assert!(edge.contains(r#""aws:SourceAccount":"ACCOUNT_ID""#), "{edge}");
    assert!(!edge.contains("123456789012"), "{edge}");
    let (_, report) = json_report(&APP_ARGS);
    let edge = role(&report, "EdgeRole")["suggested_policy"].to_string();
    assert!(edge.contains(r#""aws:SourceAccount":"111122223333""#), "{edge}");
}

#[test]
fn a_function_cloudformation_refuses_fails_the_role_closed() {
    // A slip (`!GetAttr`), another tool's function (`!Rain::Constant`, which `rain pkg` writes
    // out), or a function's arguments in another shape: no stack deploys, so the role is not
    // judged on a value that hides a wildcard (an opaque principal is never public).
    let role_with = |principal: &str| {
        format!("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: {principal}}}\n            Action: sts:AssumeRole\n")
    };
    for (principal, said) in [
        ("!Rain::Constant Trusted", "Fn::Rain::Constant Trusted"),
        ("!GetAttr Other.Arn", "Fn::GetAttr Other.Arn"),
        ("!If [C, '*']", "Fn::If"),
        ("!Join [':']", "Fn::Join"),
    ] {
        let (code, report) = template_report("refused-function.yaml", &role_with(principal));
        let r = role(&report, "R");
        assert_eq!(r["compliance"], "NON_COMPLIANT", "{principal}: {r}");
        assert_eq!(ids(&r["findings"]), ["POLICY_UNPARSEABLE"], "{principal}: {r}");
        let message = r["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with(said) && message.contains("CloudFormation refuses the template"),
            "{message}"
        );
        assert_eq!(code, Some(1), "{principal}");
    }
    // A registry module declares its resources (`Ci.Role`, `CiRole`), and org-formation its
    // accounts (`!Ref MasterAccount`), which it writes out before CloudFormation reads the
    // template: not refused.
    let declared_elsewhere = [
        format!(
            "{}  Ci:\n    Type: My::IAM::CiRole::MODULE\n",
            role_with("!GetAtt CiRole.Arn")
        ),
        format!(
            "AWSTemplateFormatVersion: '2010-09-09-OC'\n{}",
            role_with("!Ref MasterAccount")
        ),
    ];
    for template in &declared_elsewhere {
        let (_, report) = template_report("declared-elsewhere.yaml", template);
        let findings = ids(&role(&report, "R")["findings"]);
        assert!(!findings.contains(&"POLICY_UNPARSEABLE"), "{template}: {report}");
    }
    // `AWS::LanguageExtensions` lets a function name what `Ref` refers to: the name it gives.
    let named_by_a_function = format!(
        "Transform: AWS::LanguageExtensions\nParameters:\n  TrustAccount: {{Type: String, Default: '*'}}\n{}",
        role_with("!Ref {'Fn::Sub': TrustAccount}")
    );
    let (_, report) = template_report("ref-of-a-function.yaml", &named_by_a_function);
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // A function CloudFormation has, resolved only when it deploys, stays a value to judge.
    let (_, report) = template_report("imported.yaml", &role_with("!ImportValue partner-account"));
    let r = role(&report, "R");
    assert!(!ids(&r["findings"]).contains(&"POLICY_UNPARSEABLE"), "{r}");
    assert_eq!(r["notes"][0], "ImportValue partner-account is unresolved", "{r}");
}

#[test]
fn every_way_a_condition_the_template_cant_decide_could_go_is_checked() {
    let dir = fresh_dir("trustcheck-branches");
    let template = |condition: &str| {
        format!(
            "Parameters:\n  Env: {{Type: String, Default: dev}}\nConditions:\n  Open: {condition}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: sts:AssumeRole\n            Principal: !If [Open, {{Service: ec2.amazonaws.com}}, {{AWS: '*'}}]\n"
        )
    };
    let write = |name: &str, condition: &str| {
        let path = dir.join(name);
        std::fs::write(&path, template(condition)).unwrap();
        path.to_str().unwrap().to_owned()
    };
    // A template of its own, scanned with `args`.
    let scan = |name: &str, text: &str, args: &[&str]| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let mut all = vec!["template", path.to_str().unwrap()];
        all.extend(args);
        json_report(&all)
    };
    // A parameter's default, the stand-in account, the default region: none is what every
    // deployment gets, so none decides. The branch that makes the role public is found.
    for (name, condition) in [
        ("default.yaml", "!Equals [!Ref Env, prod]"),
        ("account.yaml", "!Not [!Equals [!Ref AWS::AccountId, '123456789012']]"),
        ("region.yaml", "!Equals [!Ref AWS::Region, eu-west-1]"),
        ("import.yaml", "!Equals [!ImportValue stage, prod]"),
    ] {
        let path = write(name, condition);
        let (code, report) = json_report(&["template", &path]);
        assert_eq!(code, Some(1), "{name}: {report}");
        let r = role(&report, "R");
        assert_eq!(ids(&r["findings"]), ["TRUST_PUBLIC"], "{name}");
        let notes = r["notes"].to_string();
        assert!(notes.contains("each of its branches is checked"), "{name}: {notes}");
    }
    let judged = role(
        &json_report(&["template", &write("default.yaml", "!Equals [!Ref Env, prod]")]).1,
        "R",
    )["notes"]
        .to_string();
    assert!(judged.contains("judged as deployed with Open false"), "{judged}");
    // A condition met only down the other way (an `!If` in a false branch) is taken in too.
    let nested = dir.join("nested.yaml");
    std::fs::write(
        &nested,
        "Parameters:\n  Env: {Type: String, Default: prod}\n  Public: {Type: String, Default: 'no'}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  IsPrivate: !Equals [!Ref Public, 'no']\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: sts:AssumeRole\n            Principal: !If [IsProd, {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}, !If [IsPrivate, {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}, {AWS: '*'}]]\n",
    )
    .unwrap();
    let (code, report) = json_report(&["template", nested.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["TRUST_PUBLIC"]);
    assert!(
        r["notes"].to_string().contains("IsProd false, IsPrivate false"),
        "{}",
        r["notes"]
    );
    // Only deployments that can happen: a condition derived from another (IsDev = !IsProd) is
    // never true with it, so `*` without the organization condition is no deployment.
    let derived = dir.join("derived.yaml");
    std::fs::write(
        &derived,
        "Parameters:\n  Env: {Type: String, Default: prod}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  IsDev: !Not [!Condition IsProd]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: sts:AssumeRole\n            Principal: {AWS: !If [IsDev, '*', !Sub 'arn:aws:iam::${AWS::AccountId}:root']}\n            Condition: !If [IsProd, !Ref AWS::NoValue, {StringEquals: {aws:PrincipalOrgID: o-abc1234567}}]\n",
    )
    .unwrap();
    let (_, report) = json_report(&["template", derived.to_str().unwrap()]);
    assert_eq!(
        ids(&role(&report, "R")["findings"]),
        ["TRUST_PUBLIC_CONDITIONED"],
        "{report:#}"
    );
    // Nor are two conditions that compare one parameter with two values both true.
    let text = std::fs::read_to_string(&derived).unwrap();
    std::fs::write(
        &derived,
        text.replace("!Not [!Condition IsProd]", "!Equals [!Ref Env, dev]"),
    )
    .unwrap();
    let (_, report) = json_report(&["template", derived.to_str().unwrap()]);
    assert_eq!(
        ids(&role(&report, "R")["findings"]),
        ["TRUST_PUBLIC_CONDITIONED"],
        "{report:#}"
    );
    // What the user gives decides.
    let path = write("given.yaml", "!Equals [!Ref Env, prod]");
    let (code, report) = json_report(&["template", &path, "--parameter", "Env=prod"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "R")["findings"], Value::Array(vec![]));
    let path = write("given-account.yaml", "!Equals [!Ref AWS::AccountId, '111122223333']");
    let (code, _) = json_report(&["template", &path, "--account-id", "111122223333"]);
    assert_eq!(code, Some(0));
    // A mapping's row picked by the default region or a parameter's default is one deployment's:
    // every row that reads differently is checked too.
    for (name, key) in [
        ("map-region.yaml", "!Ref AWS::Region"),
        ("map-default.yaml", "!Ref Env"),
    ] {
        let text = format!("Parameters:\n  Env: {{Type: String, Default: us-east-1}}\nMappings:\n  Trust:\n    us-east-1: {{P: 'arn:aws:iam::123456789012:role/ci'}}\n    us-west-2: {{P: 'arn:aws:iam::123456789012:role/ci'}}\n    eu-west-1: {{P: '*'}}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Action: sts:AssumeRole, Principal: {{AWS: !FindInMap [Trust, {key}, P]}}}}\n");
        let (code, report) = scan(name, &text, &["--account-id", "123456789012"]);
        assert_eq!(code, Some(1), "{name}: {report:#}");
        let r = role(&report, "R");
        assert_eq!(ids(&r["findings"]), ["TRUST_PUBLIC"], "{name}: {r:#}");
        assert!(r["notes"].to_string().contains("row eu-west-1 true"), "{name}: {r:#}");
        // Given, the row is decided.
        let given = match key {
            "!Ref AWS::Region" => ["--region", "us-east-1"],
            _ => ["--parameter", "Env=us-east-1"],
        };
        let (code, report) = scan(name, &text, &[&["--account-id", "123456789012"][..], &given].concat());
        assert_eq!(code, Some(0), "{name}: {report:#}");
    }
    // A mapping with an entry per account (StackSets' way) read by the stand-in account: its
    // entries are one choice (one is read), so every one is checked, and a public one is found;
    // given, the account's own entry is judged.
    let mut text = String::from("Mappings:\n  Ci:\n");
    for i in 0..12 {
        let principal = match i {
            7 => "'*'".to_owned(),
            _ => format!("'arn:aws:iam::1000000000{i:02}:role/ci'"),
        };
        text.push_str(&format!("    '1000000000{i:02}': {{Role: {principal}}}\n"));
    }
    text.push_str("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: !FindInMap [Ci, !Ref AWS::AccountId, Role]}}\n");
    let (code, report) = scan("map-accounts.yaml", &text, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["TRUST_PUBLIC"], "{r:#}");
    assert!(r["notes"].to_string().contains("row 100000000007 true"), "{r:#}");
    let (code, report) = scan("map-accounts.yaml", &text, &["--account-id", "100000000005"]);
    assert_eq!(code, Some(0), "{report:#}");
    // Both keys left to values not given: each level's other entries are checked.
    let both = "Parameters:\n  Stage: {Type: String, Default: dev}\nMappings:\n  Trust:\n    us-east-1: {dev: 'arn:aws:iam::123456789012:role/dev', prod: '*'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: !FindInMap [Trust, !Ref AWS::Region, !Ref Stage]}}\n";
    let (code, report) = scan("map-both.yaml", both, &["--account-id", "123456789012"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report:#}");
    // Many undecided conditions before the one that opens the role: every way is still checked,
    // and beyond what can be checked the role fails closed rather than taking the rest as true.
    let many = |count: usize| {
        let mut text = String::from("Parameters:\n");
        for i in 0..count {
            text.push_str(&format!("  P{i}: {{Type: String, Default: a}}\n"));
        }
        text.push_str("Conditions:\n");
        for i in 0..count {
            text.push_str(&format!("  C{i}: !Equals [!Ref P{i}, b]\n"));
        }
        text.push_str("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n");
        for i in 0..count - 1 {
            text.push_str(&format!("          - {{Sid: !If [C{i}, a{i}, b{i}], Effect: Allow, Action: sts:AssumeRole, Principal: {{Service: ec2.amazonaws.com}}}}\n"));
        }
        let last = count - 1;
        text.push_str(&format!("          - {{Effect: Allow, Action: sts:AssumeRole, Principal: !If [C{last}, {{Service: ec2.amazonaws.com}}, {{AWS: '*'}}]}}\n"));
        scan(&format!("many-{count}.yaml"), &text, &[])
    };
    let (code, report) = many(5);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        ids(&role(&report, "R")["findings"]).contains(&"TRUST_PUBLIC"),
        "{report:#}"
    );
    let (code, report) = many(11);
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "R");
    assert_eq!(r["compliance"], "NON_COMPLIANT");
    assert!(r["notes"].to_string().contains("fails closed"), "{r:#}");
    // Its finding says why, not that the document is empty.
    let message = r["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("too many to check, so it fails closed"), "{message}");
    assert!(!message.contains("empty"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_templates_get_lines_and_resolve_joins_and_mappings() {
    let (code, report) = json_report(&["template", "--account-id", "111122223333", CDK]);
    assert_eq!(code, Some(1));
    let handler = role(&report, "HandlerServiceRoleFCDC14AE");
    assert_eq!(handler["line"], 16);
    assert_eq!(handler["functions"][0], "Handler886CB40B");
    let deploy = role(&report, "DeployRoleB2A2C6D1");
    assert_eq!(deploy["line"], 72, "a key indented with a tab still has its line");
    // Statement 0 is the stack's own account (Fn::Join with AWS::AccountId): no finding; statement 1
    // is another account from a mapping (Fn::FindInMap).
    assert_eq!(ids(&deploy["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert_eq!(deploy["findings"][0]["statement"], 1);
    assert_eq!(deploy["findings"][0]["line"], 99);
    assert!(deploy["annotation"].as_str().unwrap().contains("444455556666"));
}

#[test]
fn text_report_summarises_then_lists_failing_roles_first() {
    let out = trustcheck(&APP_ARGS);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("trustcheck: 7 role(s): 2 NON_COMPLIANT, 4 COMPLIANT, 1 NOT_APPLICABLE"));
    assert!(text.contains("\nfindings: CRITICAL 1, HIGH 2, MEDIUM 0, LOW 2; skipped: 2\n"));
    let edge = text.find("tests/templates/app.yaml:46  EdgeRole").unwrap();
    let consumer = text.find("tests/templates/app.yaml:25  ConsumerRole").unwrap();
    assert!(edge < consumer, "failing roles come first");
    assert_golden("app.txt", &text);
}

#[test]
fn suppressions_stay_visible_with_their_reasons() {
    let (_, report) = json_report(&APP_ARGS);
    let audit = role(&report, "AuditRole");
    assert_eq!(audit["compliance"], "COMPLIANT", "a documented skip does not count");
    assert_eq!(
        audit["skipped"][0]["reason"],
        "the security account's auditors; access reviewed quarterly"
    );
    assert_eq!(audit["skipped"][0]["severity"], "MEDIUM");
    let glass = role(&report, "BreakGlassRole");
    assert_eq!(glass["compliance"], "NOT_APPLICABLE");
    assert_eq!(glass["findings"], Value::Array(vec![]));
    assert_eq!(ids(&glass["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert_eq!(
        glass["skipped"][0]["reason"],
        "exempt by tag trustcheck:exempt: INC-1234 break-glass access"
    );

    let mut args = APP_ARGS.to_vec();
    args.extend(["--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout(&trustcheck(&args))).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<(&str, &str, &str)> = results
        .iter()
        .filter_map(|r| {
            let s = &r["suppressions"][0];
            Some((r["ruleId"].as_str()?, s["kind"].as_str()?, s["justification"].as_str()?))
        })
        .collect();
    // A skipped MEDIUM finding makes no role NON_COMPLIANT: a warning, not an error.
    let levels: Vec<&str> = results
        .iter()
        .filter(|r| r["suppressions"].as_array().is_some_and(|s| !s.is_empty()))
        .filter_map(|r| r["level"].as_str())
        .collect();
    assert_eq!(levels, ["warning", "warning"]);
    assert_eq!(
        suppressed,
        [
            (
                "CROSS_ACCOUNT_UNCONDITIONED",
                "inSource",
                "the security account's auditors; access reviewed quarterly"
            ),
            (
                "CROSS_ACCOUNT_UNCONDITIONED",
                "external",
                "exempt by tag trustcheck:exempt: INC-1234 break-glass access"
            ),
        ]
    );
}

fn sarif_schema() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(path).expect("the vendored SARIF schema");
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    // The published schema's `language` patterns have a stray `]`: a literal in ECMAScript
    // regexes, an error in Rust's. Escaping it keeps the meaning (trustcheck sets no language).
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = Value::from("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
    }
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, args: &[&str]) -> Value {
    let out = trustcheck(args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&out));
    let log: Value = serde_json::from_str(&stdout(&out)).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{args:?} is not valid SARIF 2.1.0: {errors:#?}");
    assert_eq!(log["version"], "2.1.0");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let catalog = trustcheck::FindingId::ALL;
    assert!(rules.len() >= catalog.len(), "one rule per finding id at least");
    for (rule, id) in rules.iter().zip(catalog) {
        assert_eq!(rule["id"], id.as_str());
    }
    assert!(rules.iter().all(|r| r["help"]["text"].as_str().unwrap().len() > 40));
    let results = log["runs"][0]["results"].as_array().unwrap();
    // Every result or none has `suppressions` (SARIF 2.1.0, 3.27.23).
    let with_suppressions = results.iter().filter(|r| r.get("suppressions").is_some()).count();
    assert!(
        with_suppressions == 0 || with_suppressions == results.len(),
        "{results:#?}"
    );
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(!result["locations"].as_array().unwrap().is_empty());
        // Code scanning reads the severity from the rule: the finding's own.
        let score = match result["properties"]["severity"].as_str().unwrap() {
            "CRITICAL" => "9.5",
            "HIGH" => "8.0",
            "MEDIUM" => "5.5",
            _ => "3.0",
        };
        assert_eq!(rules[index]["properties"]["security-severity"], score, "{result:#}");
        let fingerprints = &result["partialFingerprints"];
        assert_eq!(
            fingerprints["primaryLocationLineHash"],
            fingerprints["trustcheckFinding/v2"]
        );
    }
    log
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let validator = sarif_schema();
    // The schema has teeth: a result without its message, a bad level.
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "trustcheck"}},
        "results": [{"ruleId": "TRUST_PUBLIC", "level": "fatal"}]
    }]});
    assert!(!validator.is_valid(&broken));
    let sarif = ["--format", "sarif"];
    let with = |args: &[&'static str]| [args, &sarif[..]].concat();

    let log = assert_valid_sarif(&validator, &with(&APP_ARGS));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let edge = results.iter().find(|r| r["ruleId"] == "LAMBDA_TRUST_MISSING").unwrap();
    let location = &edge["locations"][0];
    // From the repository's root (the tests run in cli/), as code scanning resolves it.
    let from_root = format!("cli/{APP}");
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        from_root.as_str()
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 52);
    // However the path is given: `../cli/…`, absolute.
    let absolute = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(APP);
    let uri_of = |path: &str| {
        let log = assert_valid_sarif(
            &validator,
            &["template", path, "--account-id", "111122223333", "--format", "sarif"],
        );
        let result = &log["runs"][0]["results"][0];
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone(),
            result["partialFingerprints"].clone(),
        )
    };
    let as_given = uri_of(APP);
    assert_eq!(as_given.0, from_root.as_str());
    assert_eq!(uri_of(&format!("../cli/{APP}")), as_given);
    assert_eq!(uri_of(absolute.to_str().unwrap()), as_given);
    assert_eq!(location["logicalLocations"][0]["name"], "EdgeRole");
    assert_eq!(edge["level"], "error");
    let low = results
        .iter()
        .find(|r| r["ruleId"] == "CONFUSED_DEPUTY_UNSCOPED")
        .unwrap();
    assert_eq!(low["level"], "note");

    let log = assert_valid_sarif(&validator, &with(&["template", CDK]));
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(notes[0]["message"]["text"].as_str().unwrap().contains("123456789012"));
    // A role without results keeps its notes: said as the run's, after its name.
    let log = assert_valid_sarif(
        &validator,
        &with(&[
            "template",
            "--account-id",
            "111122223333",
            APP,
            "tests/templates/mappings.yaml",
        ]),
    );
    let said = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(
        said.contains("ImportedRole: ImportValue shared-account-id is unresolved"),
        "{said}"
    );
    // After its place: another template may have a role of that name.
    assert!(said.contains(&format!("{APP}:")), "the role's place: {said}");
    // Every result of a plan is in the one file, without lines: each finding of each role is an
    // alert of its own to code scanning by its fingerprint, the same on the next run.
    let log = assert_valid_sarif(&validator, &with(&["terraform", PLAN]));
    let prints = |log: &Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["trustcheckFinding/v2"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let fingerprints = prints(&log);
    let distinct: std::collections::BTreeSet<&String> = fingerprints.iter().collect();
    assert!(
        fingerprints.len() > 1 && distinct.len() == fingerprints.len(),
        "{fingerprints:?}"
    );
    assert_eq!(
        prints(&assert_valid_sarif(&validator, &with(&["terraform", PLAN]))),
        fingerprints
    );
    // However the file is spelt (`./`), and for an account scan whatever the dump is called: a
    // role known by its ARN is fingerprinted by it.
    let dotted = format!("./{PLAN}");
    assert_eq!(
        prints(&assert_valid_sarif(
            &validator,
            &["terraform", &dotted, "--format", "sarif"]
        )),
        fingerprints
    );
    let renamed = common::scratch().join(format!("trustcheck-renamed-{}.json", std::process::id()));
    std::fs::copy(AUTH, &renamed).unwrap();
    let account = |auth: &str| {
        prints(&assert_valid_sarif(
            &validator,
            &["account", "--auth-details", auth, "--format", "sarif"],
        ))
    };
    let by_arn = account(renamed.to_str().unwrap());
    std::fs::remove_file(&renamed).unwrap();
    assert_eq!(by_arn, account(AUTH));
    let log = assert_valid_sarif(
        &validator,
        &with(&["account", "--auth-details", AUTH, "--functions", FUNCTIONS]),
    );
    let first = &log["runs"][0]["results"][0]["locations"][0];
    assert_eq!(
        first["logicalLocations"][0]["fullyQualifiedName"],
        "arn:aws:iam::111122223333:role/edge-only"
    );
    // No line in an account: its first, as code scanning wants a region.
    assert_eq!(first["physicalLocation"]["region"]["startLine"], 1, "{first}");
    assert_valid_sarif(&validator, &with(&["template", CLEAN]));
    // Two providers left unscoped in one statement: two findings, two alerts.
    let two = [
        "template",
        "tests/templates/oidc-two-providers.yaml",
        "--account-id",
        "111122223333",
    ];
    let log = assert_valid_sarif(&validator, &with(&two));
    let fingerprints = prints(&log);
    assert_eq!(fingerprints.len(), 2, "{log}");
    assert_ne!(fingerprints[0], fingerprints[1], "{log}");
    // Each keeps its own, by its message, whichever comes first.
    let by_message = |log: &Value| -> std::collections::BTreeMap<String, String> {
        (log["runs"][0]["results"].as_array().unwrap().iter())
            .map(|r| {
                (
                    r["message"]["text"].to_string(),
                    r["partialFingerprints"]["trustcheckFinding/v2"].to_string(),
                )
            })
            .collect()
    };
    let text = std::fs::read_to_string("tests/templates/oidc-two-providers.yaml").unwrap();
    let (github, gitlab) = (
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        "arn:aws:iam::111122223333:oidc-provider/gitlab.com",
    );
    let swapped = text
        .replace(github, "FIRST")
        .replace(gitlab, github)
        .replace("FIRST", gitlab);
    assert_ne!(swapped, text);
    let dir = common::scratch().join(format!("trustcheck-swapped-{}", std::process::id()));
    // A repository of its own, with the template where the original is in this one.
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("cli/tests/templates")).unwrap();
    // The template, as `text` becomes, scanned where it has the same path as the original.
    let scanned_as = |text: &str| -> Value {
        std::fs::write(dir.join("cli/tests/templates/oidc-two-providers.yaml"), text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_trustcheck"))
            .args([
                "template",
                "tests/templates/oidc-two-providers.yaml",
                "--account-id",
                "111122223333",
                "--format",
                "sarif",
            ])
            .current_dir(dir.join("cli"))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(by_message(&scanned_as(&swapped)), by_message(&log));
    // One provider removed: the other's alert stays the same one (a dismissal of it holds).
    let one = text.replace(&format!("                - {gitlab}\n"), "");
    assert_ne!(one, text);
    let one_log = scanned_as(&one);
    std::fs::remove_dir_all(&dir).unwrap();
    let left = by_message(&one_log);
    assert_eq!(left.len(), 1, "{one_log}");
    assert!(
        by_message(&log).iter().any(|(m, print)| left.get(m) == Some(print)),
        "{one_log}"
    );
    // The single-policy SARIF of `trustcheck policy` too, its fingerprints however the file is spelt.
    let policy = prints(&assert_valid_sarif(
        &validator,
        &with(&["policy", "tests/policies/bad-fix.json"]),
    ));
    assert!(!policy.is_empty());
    let dotted = prints(&assert_valid_sarif(
        &validator,
        &with(&["policy", "./tests/policies/bad-fix.json"]),
    ));
    assert_eq!(dotted, policy);
}

#[test]
fn a_nested_stack_s_reading_as_deployed_keeps_its_fingerprint_wherever_the_scan_runs() {
    let repo = common::scratch().join(format!("trustcheck-nested-prints-{}", std::process::id()));
    let stacks = repo.join("infra/nested");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(&stacks).unwrap();
    // The parent passes "*" for the child's principal: the child's role is public as deployed.
    std::fs::write(
        stacks.join("parent.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Iam:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters:\n        TrustedPrincipal: '*'\n",
    )
    .unwrap();
    std::fs::write(
        stacks.join("child.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  TrustedPrincipal:\n    Type: String\n    Default: arn:aws:iam::111122223333:role/ci\nResources:\n  SharedRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Ref TrustedPrincipal}\n            Action: sts:AssumeRole\n",
    )
    .unwrap();
    let absolute = stacks.to_str().unwrap().to_owned();
    let public = |dir: &std::path::Path, path: &str| -> Vec<(String, String)> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_trustcheck"))
            .args(["template", path, "--account-id", "111122223333", "--format", "sarif"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let log: Value = serde_json::from_slice(&out.stdout).unwrap();
        (log["runs"][0]["results"].as_array().unwrap().iter())
            .filter(|r| r["ruleId"].as_str().is_some_and(|id| id.starts_with("TRUST_PUBLIC")))
            .map(|r| {
                (
                    r["locations"][0]["logicalLocations"][0]["name"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["partialFingerprints"]["trustcheckFinding/v2"].to_string(),
                )
            })
            .collect()
    };
    let from_root = public(&repo, "infra/nested");
    let inside = public(&stacks, ".");
    let spelt_absolute = public(&repo, &absolute);
    let dotted = public(&repo, "./infra//nested/");
    std::fs::remove_dir_all(&repo).unwrap();
    assert_eq!(from_root.len(), 1, "{from_root:?}");
    assert_eq!(from_root[0].0, "SharedRole (as infra/nested/parent.yaml Iam)");
    for other in [inside, spelt_absolute, dotted] {
        assert_eq!(other, from_root, "the same alert, named the same");
    }
}

#[test]
fn a_nested_stack_s_reading_named_after_a_noecho_value_does_not_print_it() {
    // Each allowed value of the parent's NoEcho parameter is a way of deploying the child, named
    // after it: whether the value is in the child's trust policy (the first) or only picks a
    // mapping's row (the second), no report prints it, nor SARIF, which names the reading anew.
    let child = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  TrustedPrincipal:\n    Type: String\n    Default: arn:aws:iam::111122223333:role/ci\nResources:\n  SharedRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Ref TrustedPrincipal}\n            Action: sts:AssumeRole\n";
    let in_the_policy = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Partner:\n    Type: String\n    NoEcho: true\n    AllowedValues: ['arn:aws:iam::111122223333:role/Sup3rS3cret', 'arn:aws:iam::444455556666:root']\nResources:\n  Iam:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters:\n        TrustedPrincipal: !Ref Partner\n";
    let through_a_mapping = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Env:\n    Type: String\n    NoEcho: true\n    AllowedValues: [Sup3rS3cret, An0therS3cret]\nMappings:\n  Partners:\n    Sup3rS3cret: {Arn: 'arn:aws:iam::111122223333:role/ci'}\n    An0therS3cret: {Arn: '*'}\nResources:\n  Iam:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters:\n        TrustedPrincipal: !FindInMap [Partners, !Ref Env, Arn]\n";
    for (parent, reading) in [
        (
            in_the_policy,
            "parent.yaml Iam (Parameters Partner value (sensitive 2 of 2) true))",
        ),
        (
            through_a_mapping,
            "parent.yaml Iam (Parameters Env value (sensitive 2 of 2) true))",
        ),
    ] {
        let dir = fresh_dir("trustcheck-nested-noecho");
        std::fs::write(dir.join("parent.yaml"), parent).unwrap();
        std::fs::write(dir.join("child.yaml"), child).unwrap();
        let scan = |format: &str| stdout(&trustcheck(&["template", dir.to_str().unwrap(), "--format", format]));
        let (sarif, json, text) = (scan("sarif"), scan("json"), scan("text"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            sarif.contains(reading),
            "the child's role is read (and has a finding) as each value deploys it: {sarif}"
        );
        for printed in [sarif, json, text] {
            for secret in ["Sup3rS3cret", "An0therS3cret", "arn:aws:iam::444455556666:root"] {
                assert!(!printed.contains(secret), "{printed}");
            }
        }
    }
}

#[test]
fn a_noecho_list_or_a_refused_noecho_value_is_not_printed_either() {
    // A list parameter's ways are named by their items (short ones too), and a value given that
    // its AllowedValues refuse is said in a note or the error: neither prints a NoEcho value.
    let dir = fresh_dir("trustcheck-noecho-list");
    std::fs::write(
        dir.join("stack.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Ids:\n    Type: CommaDelimitedList\n    NoEcho: true\n    AllowedValues: [ab, cd]\n  Env:\n    Type: String\n    NoEcho: true\n    AllowedValues: [Alpha1111, Beta2222]\n    Default: Alpha1111\nMappings:\n  Trust:\n    ab: {Who: 'arn:aws:iam::111122223333:role/ci'}\n    cd: {Who: '*'}\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !FindInMap [Trust, !Select [0, !Ref Ids], Who]}\n            Action: sts:AssumeRole\n",
    )
    .unwrap();
    let file = dir.join("stack.yaml");
    let mut printed = Vec::new();
    for args in [
        vec!["template", file.to_str().unwrap()],
        vec!["template", file.to_str().unwrap(), "--parameter", "Env=Gamma3333"],
    ] {
        for format in ["text", "json", "sarif"] {
            let out = trustcheck(&[args.as_slice(), &["--format", format]].concat());
            printed.push(format!("{}{}", stdout(&out), stderr(&out)));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        printed[0].contains("(sensitive"),
        "the role is read each way its list can go: {}",
        printed[0]
    );
    for text in &printed {
        for secret in ["\"ab\"", "\"cd\"", "Alpha1111", "Beta2222", "Gamma3333"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

#[test]
fn a_function_whose_role_arn_is_built_from_the_role_still_uses_it() {
    // `role = "arn:aws:iam::${var.account}:role/${aws_iam_role.worker.name}"`: the plan knows the
    // text, but not the new role's ARN (no --account-id), so the reference decides.
    let (code, report) = json_report(&["terraform", "tests/terraform/literal-role-arn.json"]);
    assert_eq!(code, Some(1), "{report}");
    let worker = role(&report, "aws_iam_role.worker");
    assert_eq!(ids(&worker["findings"])[0], "LAMBDA_TRUST_MISSING", "{worker}");
}

#[test]
fn a_function_whose_known_role_arn_names_a_new_role_uses_it_without_the_account() {
    // `role = "arn:aws:iam::${var.account_id}:role/${var.role_name}"`: the plan knows the text
    // but no account; the role's path and name decide (the role trusts only EC2).
    let (code, report) = json_report(&["terraform", "tests/terraform/role-arn-from-variables.json"]);
    assert_eq!(code, Some(1), "{report}");
    let app = role(&report, "aws_iam_role.app");
    assert_eq!(
        ids(&app["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{app}"
    );
}

#[test]
fn a_trust_policy_rendered_at_apply_is_judged_from_the_data_source_s_arguments() {
    // An OIDC provider and its roles in one plan: each role's `data.aws_iam_policy_document`
    // needs the provider's ARN, so Terraform reads it at apply, and the plan shows its arguments.
    let plan = "tests/terraform/policy-document-after-apply.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let open = role(&report, "aws_iam_role.open");
    assert_eq!(ids(&open["findings"]), ["TRUST_OIDC_UNSCOPED"], "{open}");
    // The provider's ARN is built from its planned URL and the account: judged as once it exists.
    let message = open["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("any identity of token.actions.githubusercontent.com"),
        "{message}"
    );
    let note = open["notes"][0].as_str().unwrap();
    assert!(
        note.contains("judged as data.aws_iam_policy_document.open renders it")
            && note.contains("1 built from the plan")
            && note.contains("0 read as undetermined"),
        "{note}"
    );
    let scoped = role(&report, "aws_iam_role.scoped");
    assert_eq!(scoped["compliance"], "COMPLIANT", "{scoped}");
    // A document merged from others is the provider's to merge: still failed closed.
    let merged = role(&report, "aws_iam_role.merged");
    assert_eq!(ids(&merged["findings"]), ["POLICY_UNPARSEABLE"], "{merged}");
    // An EKS cluster's IRSA role on its first plan: the condition keys are the cluster's issuer.
    let irsa = role(&report, "aws_iam_role.irsa");
    assert_eq!(ids(&irsa["findings"]), ["POLICY_UNPARSEABLE"], "{irsa}");
    let finding = &irsa["findings"][0];
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("leaves its condition keys unknown"),
        "{finding}"
    );
    assert!(
        finding["fix"].as_str().unwrap().contains("EKS Pod Identity"),
        "{finding}"
    );
    // `for_each`: each role reads its own key's document (`data.…team[each.key].json`).
    assert_eq!(role(&report, r#"aws_iam_role.team["app"]"#)["compliance"], "COMPLIANT");
    let ops = role(&report, r#"aws_iam_role.team["ops"]"#);
    assert_eq!(ids(&ops["findings"]), ["TRUST_OIDC_UNSCOPED"], "{ops}");
    // The provider writes `&{…}` as the policy variable `${…}`: the caller's own repository.
    let own = role(&report, "aws_iam_role.self_repository");
    assert_eq!(ids(&own["findings"]), ["TRUST_OIDC_UNSCOPED"], "{own}");
    // An AWS principal known only after apply may be any account, unless a role the plan makes.
    let from_ssm = role(&report, "aws_iam_role.from_ssm");
    assert_eq!(
        ids(&from_ssm["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{from_ssm}"
    );
    assert_eq!(role(&report, "aws_iam_role.from_role")["compliance"], "COMPLIANT");
    // A role's ARN beside a variable's value, which may be combined with it
    // (`replace(aws_iam_role.deployer.arn, …, var.peer)`): not built, any account, failing closed.
    let beside = role(&report, "aws_iam_role.deployer_and_admin");
    assert_eq!(ids(&beside["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{beside}");
    // A condition's value may wrap the ARN it refers to (`"${aws_iam_role.deployer.arn}*"`), and
    // under the operators that read wildcards, ArnLike's too, text around it may bring colons of
    // its own (`arn:aws:iam::*:role/*${…arn}` admits any account's role whose path holds the
    // ARN): undetermined, so the wildcard principal is only conditioned. StringLike alike.
    for address in ["aws_iam_role.deployer_prefix", "aws_iam_role.deployer_like"] {
        let wrapped = role(&report, address);
        assert_eq!(ids(&wrapped["findings"]), ["TRUST_PUBLIC_CONDITIONED"], "{wrapped}");
    }
    // Under StringEquals whatever wraps the ARN admits that role at most: it is built.
    assert_eq!(role(&report, "aws_iam_role.deployer_exact")["compliance"], "COMPLIANT");
}

#[test]
fn a_sam_template_whose_generated_role_id_is_taken_is_refused_as_sam_refuses_it() {
    // `Processor` has no Role: SAM makes `ProcessorRole`, which the template already has, and
    // its transform fails (DuplicateLogicalIdException). Nothing deploys; the written role is not
    // the function's.
    let out = trustcheck(&["template", "tests/templates/sam-duplicate-role-id.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sam-duplicate-role-id.yaml:13:3: SAM refuses this template: the role it makes for the function Processor is named ProcessorRole"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_sns_event_through_an_sqs_subscription_is_a_queue_the_function_reads() {
    // SAM puts a queue (its own, or the one named) between the topic and the function, with an
    // event source mapping: a broken trust leaves its messages piling up. Without it, none.
    let template = "tests/templates/sam-sns-sqs.yaml";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let judged = role(&report, "FnRole");
    let sources: Vec<&str> = (judged["stopped_mappings"].as_array().unwrap().iter())
        .map(|m| m["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        ["FnGeneratedQueue", "arn:aws:sqs:us-east-1:111122223333:orders-buffer"],
        "{judged}"
    );
}

#[test]
fn a_function_named_by_a_parameter_the_trust_does_not_read_is_checked_with_each_allowed_value() {
    // The trust is pinned to `function:click-worker-dev`; the function is
    // `click-worker-${Stage}`, and Stage may be prod: that deployment's function can't assume
    // the role, and it reads a Kinesis stream.
    let template = "tests/templates/function-name-by-parameter.yaml";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let judged = role(&report, "Role");
    assert_eq!(ids(&judged["findings"]), ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{judged}");
    assert_eq!(judged["findings"][0]["severity"], "CRITICAL", "{judged}");
    assert!(
        judged["notes"].to_string().contains("Parameters Stage value prod"),
        "{judged}"
    );
    // Deployed as dev, as given, it works.
    let (code, report) = json_report(&[
        "template",
        template,
        "--account-id",
        "111122223333",
        "--parameter",
        "Stage=dev",
    ]);
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn a_loop_over_items_the_template_writes_out_is_expanded_as_cloudformation_expands_it() {
    // In Resources: a role per item, each judged (`Principal: '*'`).
    let (code, report) = json_report(&["template", "tests/templates/for-each.yaml"]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Roledev", "Roleprd"], "{report}");
    for id in ["Roledev", "Roleprd"] {
        let judged = role(&report, id);
        assert_eq!(
            ids(&judged["findings"]),
            ["TRUST_PUBLIC", "TRUST_POLICY_INVALID"],
            "{judged}"
        );
        // At the fragment's lines.
        assert_eq!(judged["line"], 6, "{judged}");
    }
    // In a resource's properties: the function's Role names the EC2 role, which Lambda can't
    // assume.
    let (code, report) = json_report(&["template", "tests/templates/for-each-in-properties.yaml"]);
    assert_eq!(code, Some(1), "{report}");
    let ec2 = role(&report, "Ec2Role");
    assert_eq!(
        ids(&ec2["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{ec2}"
    );
    assert_eq!(ec2["functions"][0], "Worker", "{ec2}");
    // In Outputs: the export is read, the role judged.
    let (code, report) = json_report(&["template", "tests/templates/for-each-in-outputs.yaml"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "Ec2Role")["compliance"], "COMPLIANT", "{report}");
    // As AWS's examples name a copy's resources (`!GetAtt [!Sub "${Name}Role", Arn]`): each
    // function uses its own role, which only Step Functions may assume.
    let (code, report) = json_report(&["template", "tests/templates/for-each-getatt-sub.yaml"]);
    assert_eq!(code, Some(1), "{report}");
    for (id, function) in [("OrdersRole", "OrdersFunction"), ("PaymentsRole", "PaymentsFunction")] {
        let judged = role(&report, id);
        assert_eq!(judged["functions"][0], function, "{judged}");
        assert!(ids(&judged["findings"]).contains(&"LAMBDA_TRUST_MISSING"), "{judged}");
    }
    // In Conditions, with `!Ref {Fn::Sub: "Param${Identifier}"}`: the parameter given decides.
    let template = "tests/templates/for-each-in-conditions.yaml";
    let (code, report) = json_report(&["template", template, "--parameter", "ParamA=false"]);
    assert_eq!(code, Some(0), "{report}");
    let (code, report) = json_report(&["template", template, "--parameter", "ParamA=true"]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "RoleA")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // Over a list parameter given a value: a role for each item, as CloudFormation makes them.
    let template = "tests/templates/for-each-over-parameter.yaml";
    let (code, report) = json_report(&["template", template, "--parameter", "Envs=dev,prd,qa"]);
    assert_eq!(code, Some(1), "{report}");
    for id in ["Roledev", "Roleprd", "Roleqa"] {
        assert!(
            ids(&role(&report, id)["findings"]).contains(&"TRUST_PUBLIC"),
            "{report}"
        );
    }
}

#[test]
fn a_function_s_name_is_tried_before_whether_functions_are_deployed() {
    // The trust pins aws:SourceArn to click-worker-dev; the Kinesis worker is click-worker-${Stage}
    // (dev or prod), and ten other functions each deploy under a condition of their own: 2,048
    // ways, past the 1,024 checked. The names are tried (prod is blocked); whether the others
    // are deployed is not (judged deployed, the worst of it).
    let template = "tests/templates/function-name-beside-many-conditions.json";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let judged = role(&report, "Role");
    assert_eq!(ids(&judged["findings"]), ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{judged}");
    assert_eq!(judged["findings"][0]["severity"], "CRITICAL", "{judged}");
}

#[test]
fn a_role_never_fails_closed_for_its_functions_conditions() {
    // Eleven functions, each under its own condition (2,048 ways, past the 1,024 checked), and a
    // trust that reads their ARNs: the ways only the functions make are not tried past the limit,
    // and the role is judged with its functions as deployed, not failed closed (POLICY_UNPARSEABLE
    // can't be exempted).
    let template = "tests/templates/functions-under-many-conditions.json";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(0), "{report}");
    let judged = role(&report, "Role");
    assert_eq!(judged["compliance"], "COMPLIANT", "{judged}");
    assert_eq!(judged["functions"].as_array().unwrap().len(), 11, "{judged}");
}

#[test]
fn an_eks_cluster_s_issuer_the_template_makes_is_an_eks_issuer() {
    // `!GetAtt Cluster.OpenIdConnectIssuerUrl` is known once the cluster exists, but it is an EKS
    // issuer whatever its id: an audience-only IRSA role lets the cluster's service accounts in
    // (MEDIUM), not an undetermined provider's anyone (CRITICAL, which pages and can't be exempted).
    let template = "tests/templates/eks-irsa.yaml";
    let given = ["--account-id", "111122223333", "--region", "us-east-1"];
    let (code, report) = json_report(&[&["template", template][..], &given].concat());
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(role(&report, "Scoped")["compliance"], "COMPLIANT", "{report}");
    let audience = role(&report, "AudienceOnly");
    assert_eq!(ids(&audience["findings"]), ["TRUST_OIDC_UNSCOPED"], "{audience}");
    assert_eq!(audience["findings"][0]["severity"], "MEDIUM", "{audience}");
    let message = audience["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("every service account of that EKS cluster"),
        "{message}"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("Cluster's OIDC issuer is an EKS cluster's, whose id exists once the cluster does: it stands in as https://oidc.eks.us-east-1.amazonaws.com/id/UNRESOLVED(GetAtt Cluster.OpenIdConnectIssuerUrl)"),
        "{notes}"
    );
    // Its id stays undetermined: keys written with the real one may be the provider's own.
    let literal = role(&report, "LiteralId");
    assert_eq!(ids(&literal["findings"]), ["TRUST_OIDC_UNSCOPED"], "{literal}");
    assert_eq!(literal["findings"][0]["severity"], "MEDIUM", "{literal}");
    assert_eq!(role(&report, "LiteralIdScoped")["compliance"], "COMPLIANT", "{report}");
    // The fix and the suggested policy name the cluster's subject key, as the template writes it.
    let fix = audience["findings"][0]["fix"].as_str().unwrap();
    assert!(fix.contains("system:serviceaccount:NAMESPACE:NAME"), "{fix}");
    assert!(
        audience["suggested_policy"]
            .to_string()
            .contains("OpenIdConnectIssuerUrl):sub"),
        "{audience}"
    );
    // Another cluster's keys of the template: never this provider's.
    let judged = role(&report, "OtherClusterKeys");
    assert_eq!(ids(&judged["findings"]), ["STATEMENT_NEVER_APPLIES"], "{judged}");
    // A key of another region may be its own: a region written in the template may stand in
    // (`${AWS::Region}` without --region), so it is not ruled out, given or not.
    for given in [&given[..], &given[..2]] {
        let (_, report) = json_report(&[&["template", template][..], given].concat());
        let judged = role(&report, "OtherRegionKeys");
        assert_eq!(ids(&judged["findings"]), ["TRUST_OIDC_UNSCOPED"], "{judged}");
        assert_eq!(judged["findings"][0]["severity"], "MEDIUM", "{judged}");
    }
    // Another resource's attribute may be any provider's issuer: undetermined, CRITICAL.
    let undetermined = role(&report, "Undetermined");
    assert_eq!(undetermined["findings"][0]["severity"], "CRITICAL", "{undetermined}");
}

#[test]
fn a_module_s_output_or_variable_that_is_a_role_s_arn_is_followed_to_it() {
    // `module.ci.arn`, whose output is the module's `aws_iam_role.this.arn`, and a module's
    // `var.trusted`, which its caller sets to `aws_iam_role.deployer.arn`: the roles the plan
    // makes, so the first plan is judged as the next one will be.
    let plan = "tests/terraform/module-output-after-apply.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    for address in ["aws_iam_role.from_output", "module.trust.aws_iam_role.narrowed"] {
        let judged = role(&report, address);
        assert_eq!(judged["compliance"], "COMPLIANT", "{judged}");
        let note = judged["notes"][0].as_str().unwrap();
        assert!(note.contains("1 built from the plan"), "{note}");
    }
    // An output that builds an ARN from a variable beside its role's name may be any account's.
    let combined = role(&report, "aws_iam_role.from_combined_output");
    assert_eq!(
        ids(&combined["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{combined}"
    );
    let message = combined["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("UNRESOLVED(Ref module.partner.arn)"), "{message}");
    // An output that reads a variable its call sets from that output (a cycle Terraform refuses,
    // a crafted plan may hold) leads nowhere: undetermined.
    let cycle = role(&report, "aws_iam_role.from_loop");
    assert_eq!(ids(&cycle["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{cycle}");
}

#[test]
fn a_list_known_only_after_apply_as_a_whole_may_hold_anything() {
    // `identifiers = distinct([aws_iam_role.deployer.arn, "*"])`, directly, through a module's
    // variable or its output: the plan marks the whole list unknown and the configuration lists
    // only the reference, not the constant beside it. Taken for anyone's, as a parameter is.
    let plan = "tests/terraform/whole-list-after-apply.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    for address in [
        "aws_iam_role.direct_whole",
        "aws_iam_role.output_whole",
        "module.t.aws_iam_role.var_whole",
    ] {
        let judged = role(&report, address);
        assert_eq!(ids(&judged["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{judged}");
    }
}

#[test]
fn a_sensitive_principal_s_account_is_not_printed() {
    // A principal ARN the plan marks sensitive, in a document read at apply: its account id, which
    // the cross-account message quotes on its own, is hidden too.
    let plan = "tests/terraform/sensitive-principal-after-apply.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let sens = role(&report, "aws_iam_role.sens");
    assert_eq!(ids(&sens["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{sens}");
    assert!(!report.to_string().contains("999988887777"), "{report}");
}

#[test]
fn a_new_role_naming_itself_is_refused_and_an_existing_one_is_not() {
    // IAM reads a trust policy before the role exists: a role the plan creates can't name its own
    // ARN (Invalid principal in policy). One it updates can, and self-trust is no finding.
    let plan = "tests/terraform/names-itself.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let created = role(&report, "aws_iam_role.ci_runner");
    assert_eq!(ids(&created["findings"]), ["TRUST_POLICY_INVALID"], "{created}");
    assert_eq!(created["findings"][0]["statement"], 1, "{created}");
    let suggested = created["suggested_policy"]["Statement"][1].to_string();
    assert!(
        suggested.contains(r#""AWS":"*""#)
            && suggested.contains(r#""aws:PrincipalArn":"arn:aws:iam::111122223333:role/ci-runner""#),
        "{suggested}"
    );
    let updated = role(&report, "aws_iam_role.batch");
    assert_eq!(updated["compliance"], "COMPLIANT", "{updated}");
    // Without the account the new role's ARN is unknown: nothing is claimed about it.
    let (code, report) = json_report(&["terraform", plan]);
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn the_change_s_actions_say_whether_a_role_is_created() {
    // A Cloud Control role has no `arn` in the plan even when it exists: updated, it may name itself.
    let plan = "tests/terraform/cloud-control-role-names-itself.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(0), "{report}");
    // The roles of a stack the plan creates are created with it.
    let plan = "tests/terraform/stack-role-names-itself.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    let role = role(&report, "aws_cloudformation_stack.st/R");
    assert_eq!(ids(&role["findings"]), ["TRUST_POLICY_INVALID"], "{role}");
}

#[test]
fn a_known_role_arn_names_only_the_role_of_its_function_s_provider() {
    // Two new roles named app-role, one through another provider (another account): the
    // function uses the one of its own provider only.
    let (code, report) = json_report(&["terraform", "tests/terraform/same-role-name-two-providers.json"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "aws_iam_role.app")["functions"], serde_json::json!(["f"]));
    let shared = role(&report, "aws_iam_role.shared");
    assert_eq!(shared["functions"], serde_json::json!([]), "{shared}");
    assert_eq!(shared["compliance"], "COMPLIANT", "{shared}");
}

#[test]
fn a_mapping_on_an_alias_or_a_qualified_name_stops_its_function() {
    // Both read Kinesis streams, whose records expire: the broken roles are CRITICAL.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/mapping-on-alias.json",
    ]);
    assert_eq!(code, Some(1), "{report}");
    for (address, stream) in [
        ("aws_iam_role.app", "stream/orders"),
        ("aws_iam_role.other", "stream/audit"),
    ] {
        let r = role(&report, address);
        assert_eq!(r["findings"][0]["id"], "LAMBDA_TRUST_MISSING", "{r}");
        assert_eq!(r["findings"][0]["severity"], "CRITICAL", "{r}");
        assert!(r["stopped_mappings"].to_string().contains(stream), "{r}");
    }
}

#[test]
fn a_role_arn_built_from_a_known_name_picks_its_instance() {
    // `role = "arn:aws:iam::${var.account}:role/${aws_iam_role.svc[local.service].name}"`: the
    // reference names no instance, but the ARN the plan builds names one: only that one is used.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/for-each-built-arn.json",
    ]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        role(&report, "aws_iam_role.svc[\"ecs\"]")["functions"],
        Value::Array(vec![])
    );
    assert_eq!(
        role(&report, "aws_iam_role.svc[\"lambda\"]")["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:worker"
    );
}

#[test]
fn a_caller_identity_judges_only_the_roles_of_its_own_provider() {
    let dir = fresh_dir("trustcheck-tf-providers");
    let hub_root = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;
    let lambda_in_workload = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"222222222222"}}}]}"#;
    let resource = |name: &str, values: serde_json::Value| {
        serde_json::json!({"address": format!("aws_iam_role.{name}"), "mode": "managed", "type": "aws_iam_role",
                           "name": name, "values": values})
    };
    let plan = serde_json::json!({
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [
            // An existing role of the workload account (its ARN known) and a new one, both made
            // through the workload provider; the caller identity is the hub's (default provider).
            resource("deployer", serde_json::json!({"name": "deployer", "path": "/",
                "arn": "arn:aws:iam::222222222222:role/deployer", "assume_role_policy": hub_root})),
            resource("builder", serde_json::json!({"name": "builder", "path": "/", "assume_role_policy": lambda_in_workload})),
            {"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
             "values": {"function_name": "f"}},
            resource("local", serde_json::json!({"name": "local", "path": "/", "assume_role_policy": hub_root})),
        ], "child_modules": [{"address": "module.m", "resources": [
            {"address": "module.m.aws_iam_role.inner", "mode": "managed", "type": "aws_iam_role", "name": "inner",
             "values": {"name": "inner", "path": "/", "assume_role_policy": hub_root}}]}]}},
        "prior_state": {"values": {"root_module": {"resources": [{
            "address": "data.aws_caller_identity.hub", "mode": "data", "type": "aws_caller_identity",
            "name": "hub", "values": {"account_id": "111111111111"}}]}}},
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_role.deployer", "type": "aws_iam_role", "provider_config_key": "aws.workload"},
            {"address": "aws_iam_role.builder", "type": "aws_iam_role", "provider_config_key": "aws.workload"},
            {"address": "aws_iam_role.local", "type": "aws_iam_role", "provider_config_key": "aws"},
            {"address": "aws_lambda_function.f", "type": "aws_lambda_function", "provider_config_key": "aws.workload",
             "expressions": {"role": {"references": ["aws_iam_role.builder.arn", "aws_iam_role.builder"]}}},
            {"address": "data.aws_caller_identity.hub", "mode": "data", "type": "aws_caller_identity", "provider_config_key": "aws"}
        ], "module_calls": {"m": {"module": {"resources": [
            // A module passed no provider inherits its parent's: Terraform names the key after it.
            {"address": "aws_iam_role.inner", "type": "aws_iam_role", "provider_config_key": "m:aws"}]}}}}}
    });
    let path = dir.join("plan.json");
    std::fs::write(&path, plan.to_string()).unwrap();
    let (code, report) = json_report(&["terraform", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    // Its known ARN says whose it is: the hub's root is another account.
    assert_eq!(
        ids(&role(&report, "aws_iam_role.deployer")["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"]
    );
    // A new role of the other provider: its account is unknown, and the report says so.
    let builder = role(&report, "aws_iam_role.builder");
    assert!(
        builder["notes"].to_string().contains("another provider configuration"),
        "{builder:#}"
    );
    // Its function is the workload's too: not named with the hub's account, which would make
    // the workload's own aws:SourceAccount look like it blocks Lambda.
    assert_eq!(builder["functions"][0], "f", "{builder:#}");
    assert_eq!(builder["findings"], Value::Array(vec![]), "{builder:#}");
    // The caller identity's own provider, in the root or a module: the hub's root is its own account.
    for own in ["aws_iam_role.local", "module.m.aws_iam_role.inner"] {
        let r = role(&report, own);
        assert_eq!(r["findings"], Value::Array(vec![]), "{r:#}");
        assert!(!r["notes"].to_string().contains("another provider"), "{r:#}");
    }
}

#[test]
fn a_plan_without_the_deploying_account_never_judges_by_another_provider_s() {
    let dir = fresh_dir("trustcheck-tf-account");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#;
    let plan = serde_json::json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_iam_role.partner", "mode": "managed", "type": "aws_iam_role", "name": "partner",
            "values": {"name": "partner", "path": "/", "assume_role_policy": trust}
        }]}},
        // A data source read through another provider alias, in the trusted account.
        "prior_state": {"values": {"root_module": {"resources": [{
            "address": "data.aws_sns_topic.alerts", "mode": "data", "type": "aws_sns_topic", "name": "alerts",
            "values": {"arn": "arn:aws:sns:us-east-1:999999999999:alerts"}
        }]}}}
    });
    let path = dir.join("plan.json");
    std::fs::write(&path, plan.to_string()).unwrap();
    let path = path.to_str().unwrap();
    // Its account is not the role's: no verdict on another account, and the report says why.
    let (code, report) = json_report(&["terraform", path]);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"].to_string().contains("not against 999999999999"),
        "{report:#}"
    );
    // Given, the account judges.
    let (code, report) = json_report(&["terraform", path, "--account-id", "111122223333"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "aws_iam_role.partner")["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"]
    );
}

#[test]
fn a_terraform_state_is_read_like_a_plan() {
    // `terraform show -json` of a state: `values` instead of `planned_values`. Named where only
    // plans are read (pre-commit's way), it is one, not left out.
    let out = trustcheck(&["terraform", "--only-plans", "tests/terraform/state.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("aws_iam_role.open"), "{}", stdout(&out));
    // Cut short before its resources (written to a full disk): still a plan, never passed over.
    let state = std::fs::read_to_string("tests/terraform/state.json").unwrap();
    let cut = common::scratch().join(format!("trustcheck-cut-{}.json", std::process::id()));
    std::fs::write(&cut, &state[..state.find("\"values\"").unwrap()]).unwrap();
    let out = trustcheck(&["terraform", "--only-plans", cut.to_str().unwrap()]);
    std::fs::remove_file(&cut).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));
    // Not another JSON file that merely mentions Terraform (a config with comments).
    std::fs::write(
        &cut,
        "{\n  // \"terraform_version\" is read by the build\n  \"compilerOptions\": {}\n}\n",
    )
    .unwrap();
    let out = trustcheck(&["terraform", "--only-plans", cut.to_str().unwrap()]);
    std::fs::remove_file(&cut).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_function_uses_only_the_instance_of_a_for_each_role_it_names() {
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/for-each.json",
    ]);
    assert_eq!(code, Some(0), "{report}");
    let roles = report["roles"].as_array().unwrap();
    let functions_of = |address: &str| {
        roles
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["functions"].clone())
            .unwrap_or_else(|| panic!("{address} in {report}"))
    };
    assert_eq!(
        functions_of("aws_iam_role.svc[\"lambda\"]").as_array().unwrap().len(),
        1
    );
    // The ECS and batch roles are other instances: not Lambda execution roles, no finding.
    assert_eq!(functions_of("aws_iam_role.svc[\"ecs\"]"), Value::Array(vec![]));
    assert_eq!(functions_of("aws_iam_role.svc[\"batch\"]"), Value::Array(vec![]));
}

#[test]
fn a_module_instance_s_reference_names_that_instance_only() {
    // A role module called with for_each; the function names one instance's output.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/module-for-each-roles.json",
    ]);
    assert_eq!(code, Some(0), "the ECS role is no Lambda role: {report:#}");
    let lambda = role(&report, r#"module.roles["lambda"].aws_iam_role.this"#);
    assert_eq!(lambda["functions"].as_array().unwrap().len(), 1, "{report:#}");
    let ecs = role(&report, r#"module.roles["ecs"].aws_iam_role.this"#);
    assert_eq!(ecs["functions"], Value::Array(vec![]), "{report:#}");

    // A function module called with for_each: inside each instance, the function uses the role
    // and reads the stream or queue of that instance only.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/module-for-each-functions.json",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    let a = role(&report, r#"module.fn["a"].aws_iam_role.this"#);
    assert_eq!(a["compliance"], "COMPLIANT", "{report:#}");
    assert_eq!(
        a["functions"],
        serde_json::json!(["arn:aws:lambda:us-east-1:111122223333:function:fn-a"])
    );
    let b = role(&report, r#"module.fn["b"].aws_iam_role.this"#);
    assert_eq!(ids(&b["findings"]), ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{report:#}");
    let stopped: Vec<&str> = b["stopped_mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["source"].as_str())
        .collect();
    assert_eq!(stopped, ["arn:aws:sqs:us-east-1:111122223333:orders-b"]);
}

#[test]
fn a_function_whose_role_the_plan_cant_trace_is_noted() {
    // `role = local.role_arn`: the plan's configuration names the local, not the role.
    let (code, report) = json_report(&["terraform", "tests/terraform/role-through-a-local.json"]);
    assert_eq!(code, Some(0), "{report}");
    let note = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|n| n.starts_with("tests/terraform/role-through-a-local.json: aws_lambda_function.f:"))
        .unwrap_or_else(|| panic!("no note for the function: {report}"));
    assert!(note.contains("a local, variable or module output"), "{note}");
    assert_eq!(report["roles"][0]["functions"], Value::Array(vec![]));
    // A direct reference leaves nothing to note.
    let (_, report) = json_report(&["terraform", "--account-id", "111122223333", PLAN]);
    assert!(
        !report["notes"].to_string().contains("not a direct reference"),
        "{}",
        report["notes"]
    );
}

#[test]
fn terraform_plan_roles_are_matched_with_their_functions() {
    let (code, report) = json_report(&["terraform", PLAN]);
    assert_eq!(code, Some(1));
    // The account comes from the plan (aws_caller_identity), so the role's own literal account
    // in aws:SourceAccount matches.
    assert_eq!(report["notes"], Value::Array(vec![]));
    let orders = role(&report, "aws_iam_role.orders");
    assert_eq!(orders["compliance"], "COMPLIANT");
    assert_eq!(orders["line"], Value::Null);
    assert_eq!(
        orders["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:orders-consumer"
    );
    let edge = role(&report, "aws_iam_role.edge");
    assert_eq!(ids(&edge["findings"]), ["LAMBDA_TRUST_MISSING"]);
    assert!(edge["annotation"].as_str().unwrap().contains("used by edge-consumer"));
    // Through the module's variable, to the root module's argument.
    let worker = role(&report, "aws_iam_role.worker");
    assert_eq!(
        worker["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:worker"
    );
    // Referenced by a literal ARN, known at plan time; exempt by its tag.
    let legacy = role(&report, "aws_iam_role.legacy");
    assert_eq!(legacy["arn"], "arn:aws:iam::111122223333:role/legacy");
    assert_eq!(legacy["compliance"], "NOT_APPLICABLE");
    assert_eq!(ids(&legacy["skipped"]), ["LAMBDA_TRUST_MISSING"]);
    assert_eq!(
        legacy["skipped"][0]["reason"],
        "exempt by tag trustcheck:exempt: migrating in Q3"
    );
    // A policy known only after apply fails closed, and its finding and annotation say why (not
    // that the document is empty) and how to make it known at plan time.
    let pending = role(&report, "aws_iam_role.pending");
    assert_eq!(ids(&pending["findings"]), ["POLICY_UNPARSEABLE"]);
    let finding = &pending["findings"][0];
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .starts_with("assume_role_policy is known only after apply"),
        "{finding}"
    );
    assert!(
        finding["fix"].as_str().unwrap().contains("known at plan time"),
        "{finding}"
    );
    assert!(
        pending["annotation"]
            .as_str()
            .unwrap()
            .contains("known only after apply"),
        "{pending}"
    );
}

/// IAM's role names ignore case: a function's role ARN spelt in other capitals is the same role,
/// in a plan and a template as in an account.
#[test]
fn a_function_s_role_arn_in_other_capitals_names_the_role() {
    let plan = std::fs::read_to_string(PLAN)
        .unwrap()
        // The function's value and its configuration's, not the role's own ARN.
        .replace(
            "\"role\":\"arn:aws:iam::111122223333:role/legacy\"",
            "\"role\":\"arn:aws:iam::111122223333:role/Legacy\"",
        )
        .replace(
            "\"constant_value\":\"arn:aws:iam::111122223333:role/legacy\"",
            "\"constant_value\":\"arn:aws:iam::111122223333:role/Legacy\"",
        );
    assert!(plan.contains("role/Legacy"), "the plan's function names role/legacy");
    let dir = fresh_dir("trustcheck-capitals");
    let path = dir.join("plan.json");
    std::fs::write(&path, plan).unwrap();
    let (_, report) = json_report(&["terraform", path.to_str().unwrap()]);
    let legacy = role(&report, "aws_iam_role.legacy");
    assert_eq!(ids(&legacy["skipped"]), ["LAMBDA_TRUST_MISSING"], "{legacy}");
    let (code, report) = template_report(
        "capitals.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: worker\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n  F:\n    Type: AWS::Lambda::Function\n    DependsOn: R\n    Properties:\n      Role: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Worker'\n      Handler: x\n      Runtime: python3.12\n      Code: {ZipFile: x}\n",
    );
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        ids(&role(&report, "R")["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{report}"
    );
}

/// Stacks made through Cloud Control (the awscc provider's, or the AWS provider's
/// aws_cloudcontrolapi_resource) make the roles of their templates as aws_cloudformation_stack's
/// do, a stack set's parameters given as a list of pairs too; a function made so uses its role.
/// Before, all passed as "no IAM roles found". A stack whose template is kept elsewhere (an
/// application of the Serverless Application Repository) is noted.
#[test]
fn terraform_plan_reads_stacks_and_functions_made_through_cloud_control() {
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/cloud-control-stacks.json",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    for address in [
        "awscc_cloudformation_stack.s/R",
        "awscc_cloudformation_stack_set.ss/R",
        "aws_cloudcontrolapi_resource.cs/R",
        "aws_cloudcontrolapi_resource.css/R",
    ] {
        let stack_role = role(&report, address);
        assert_eq!(
            ids(&stack_role["findings"]),
            ["TRUST_PUBLIC"],
            "{address}: {stack_role:#}"
        );
    }
    // A stack set's parameter the plan marks sensitive, pair by pair, stays out of the report;
    // one whose pair is known only after apply is undetermined, not the template's default.
    assert!(!report.to_string().contains("987654321098"), "{report:#}");
    for address in [
        "awscc_cloudformation_stack_set.secret/R",
        "awscc_cloudformation_stack_set.later/R",
    ] {
        let stack_role = role(&report, address);
        assert_eq!(
            ids(&stack_role["findings"]),
            ["CROSS_ACCOUNT_UNCONDITIONED"],
            "{address}: {stack_role:#}"
        );
    }
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("aws_serverlessapplicationrepository_cloudformation_stack.app: deploys a CloudFormation stack whose template is not in the plan"),
        "{notes}"
    );
    let (code, report) = json_report(&["terraform", "tests/terraform/cloud-control-function.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let worker = role(&report, "aws_iam_role.w");
    assert!(ids(&worker["findings"]).contains(&"LAMBDA_TRUST_MISSING"), "{worker:#}");
    // The role made in the same plan: its ARN, and so the function's desired_state, known only
    // after apply; the configuration's references name it.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/cloud-control-function-new-role.json",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    let worker = role(&report, "aws_iam_role.w");
    assert!(ids(&worker["findings"]).contains(&"LAMBDA_TRUST_MISSING"), "{worker:#}");
    // Two roles named in its desired_state (one passed in an environment variable): which one is
    // its role can't be told, so neither is judged as used by it (noted), not both.
    let (_, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/cloud-control-function-two-roles.json",
    ]);
    for address in ["aws_iam_role.w", "aws_iam_role.t"] {
        let listed = role(&report, address);
        assert_eq!(listed["functions"], serde_json::json!([]), "{address}: {listed:#}");
    }
    assert!(
        report["notes"]
            .to_string()
            .contains("aws_cloudcontrolapi_resource.f: its role is known only after apply"),
        "{report:#}"
    );
}

#[test]
fn terraform_plan_reads_the_aws_provider_s_cloud_control_roles() {
    // aws_cloudcontrolapi_resource of AWS::IAM::Role: desired_state is the role's CloudFormation
    // properties as JSON text (the policy an object or text, tags listed); other types are not roles.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/cloudcontrol.json",
    ]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["summary"]["roles"], 5, "{report}");
    // The role's Path is part of the ARN its function names it by.
    let service_role = role(&report, "aws_cloudcontrolapi_resource.service_role");
    assert_eq!(
        ids(&service_role["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{service_role}"
    );
    // What Terraform redacts in desired_state is redacted in the report.
    assert!(!report.to_string().contains("s3cr3t-ext-id"), "{report}");
    let vendor = role(&report, "aws_cloudcontrolapi_resource.vendor");
    assert_eq!(ids(&vendor["findings"]), ["TRUST_PUBLIC"], "{vendor}");
    let public = role(&report, "aws_cloudcontrolapi_resource.public");
    assert_eq!(ids(&public["findings"]), ["TRUST_PUBLIC"], "{public}");
    let exempt = role(&report, "aws_cloudcontrolapi_resource.exempt");
    assert_eq!(exempt["compliance"], "NOT_APPLICABLE", "{exempt}");
    assert_eq!(exempt["skipped"][0]["id"], "CROSS_ACCOUNT_UNCONDITIONED", "{exempt}");
    // A state known only after apply: the policy is unknown, and fails closed.
    let pending = role(&report, "aws_cloudcontrolapi_resource.pending");
    assert_eq!(ids(&pending["findings"]), ["POLICY_UNPARSEABLE"], "{pending}");
}

#[test]
fn terraform_plan_reads_the_cloud_control_provider_s_roles_and_functions() {
    // awscc_iam_role names its policy and name after CloudFormation, and lists its tags.
    let plan = "tests/terraform/awscc.json";
    // The account is the plan's caller identity (the aws provider's): awscc's default
    // configuration takes the same credentials.
    let (code, report) = json_report(&["terraform", plan]);
    assert_eq!(code, Some(1));
    assert_eq!(report["summary"]["roles"], 5, "{report}");
    assert_eq!(report["notes"], Value::Array(vec![]));
    let partner = role(&report, "awscc_iam_role.partner");
    assert_eq!(
        ids(&partner["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{partner:#}"
    );
    let edge = role(&report, "awscc_iam_role.edge");
    assert_eq!(ids(&edge["findings"]), ["LAMBDA_TRUST_MISSING"]);
    assert_eq!(
        edge["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:cc-edge-consumer"
    );
    assert_eq!(
        ids(&role(&report, "awscc_iam_role.public")["findings"]),
        ["TRUST_PUBLIC"]
    );
    // An aws_lambda_function naming the role by its ARN; the role exempt by its listed tag.
    let exempt = role(&report, "awscc_iam_role.exempt");
    assert_eq!(exempt["compliance"], "NOT_APPLICABLE");
    assert_eq!(
        exempt["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:legacy"
    );
    assert_eq!(
        exempt["skipped"][0]["reason"],
        "exempt by tag trustcheck:exempt: migrating in Q3"
    );
    let pending = role(&report, "awscc_iam_role.pending");
    assert_eq!(ids(&pending["findings"]), ["POLICY_UNPARSEABLE"]);
    assert!(
        pending["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("assume_role_policy_document is known only after apply"),
        "{pending}"
    );
}

#[test]
fn account_audit_from_authorization_details() {
    let (code, report) = json_report(&["account", "--auth-details", AUTH, "--functions", FUNCTIONS]);
    assert_eq!(code, Some(1));
    assert_eq!(report["summary"]["roles"], 6);
    // A role listed twice (overlapping pages joined by hand) is one role.
    let mut doubled: Value = serde_json::from_str(&std::fs::read_to_string(AUTH).unwrap()).unwrap();
    let listed = doubled["RoleDetailList"].as_array().unwrap().clone();
    doubled["RoleDetailList"].as_array_mut().unwrap().extend(listed);
    let path = common::scratch().join(format!("trustcheck-doubled-{}.json", std::process::id()));
    std::fs::write(&path, doubled.to_string()).unwrap();
    let (_, again) = json_report(&[
        "account",
        "--auth-details",
        path.to_str().unwrap(),
        "--functions",
        FUNCTIONS,
    ]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(again["summary"], report["summary"]);
    // The same ARN again with another trust policy (a public one) is judged too, not dropped.
    let mut changed: Value = serde_json::from_str(&std::fs::read_to_string(AUTH).unwrap()).unwrap();
    let mut public = changed["RoleDetailList"][0].clone();
    public["AssumeRolePolicyDocument"] = serde_json::json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]});
    changed["RoleDetailList"].as_array_mut().unwrap().push(public);
    let path = common::scratch().join(format!("trustcheck-changed-{}.json", std::process::id()));
    std::fs::write(&path, changed.to_string()).unwrap();
    let (_, both) = json_report(&["account", "--auth-details", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(both["summary"]["roles"], 7, "{}", both["summary"]);
    let arn = changed["RoleDetailList"][0]["Arn"].as_str().unwrap();
    let judged: Vec<&Value> = both["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["arn"] == arn)
        .collect();
    assert_eq!(judged.len(), 2);
    assert!(
        judged.iter().any(|r| ids(&r["findings"]).contains(&"TRUST_PUBLIC")),
        "{judged:?}"
    );
    // A copy whose text repeats a key (the raw API keeps what IAM was sent) is not the same
    // policy as a clean one: whichever comes first, it is judged too, failing closed, and the
    // clean copy as it is.
    let arn = changed["RoleDetailList"][0]["Arn"].clone();
    let clean = serde_json::json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]});
    let repeated = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*","AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
    let encoded = percent_encoding::utf8_percent_encode(repeated, percent_encoding::NON_ALPHANUMERIC).to_string();
    for order in [
        [clean.clone(), Value::String(encoded.clone())],
        [Value::String(encoded.clone()), clean.clone()],
    ] {
        let copies: Vec<Value> = (order.iter())
            .map(|policy| serde_json::json!({"Path": "/", "RoleName": "twice", "RoleId": "AROAEXAMPLETWICE0001", "Arn": arn, "CreateDate": "2024-01-01T00:00:00Z", "AssumeRolePolicyDocument": policy}))
            .collect();
        let dump =
            serde_json::json!({"RoleDetailList": copies, "UserDetailList": [], "GroupDetailList": [], "Policies": []});
        let path = common::scratch().join(format!("trustcheck-repeated-{}.json", std::process::id()));
        std::fs::write(&path, dump.to_string()).unwrap();
        let (code, twice) = json_report(&["account", "--auth-details", path.to_str().unwrap()]);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(code, Some(1), "{twice}");
        assert_eq!(twice["summary"]["roles"], 2, "{}", twice["summary"]);
        let unreadable = (twice["roles"].as_array().unwrap().iter())
            .filter(|r| ids(&r["findings"]).contains(&"POLICY_UNPARSEABLE"))
            .count();
        assert_eq!(unreadable, 1, "{twice}");
    }
    let edge = role(&report, "edge-only");
    assert_eq!(edge["arn"], "arn:aws:iam::111122223333:role/edge-only");
    assert_eq!(edge["source"], AUTH);
    assert_eq!(ids(&edge["findings"]), ["LAMBDA_TRUST_MISSING"]);
    assert_eq!(
        edge["functions"][0],
        "arn:aws:lambda:us-east-1:111122223333:function:edge-consumer"
    );
    assert_eq!(ids(&role(&report, "public-fix")["findings"])[0], "TRUST_PUBLIC");
    // The text lists the worst role first: the public one (CRITICAL) before the one Lambda can't
    // assume (HIGH), which the file lists first.
    let text = stdout(&trustcheck(&[
        "account",
        "--auth-details",
        AUTH,
        "--functions",
        FUNCTIONS,
    ]));
    let at = |name: &str| {
        text.find(&format!("role/{name}\n"))
            .unwrap_or_else(|| panic!("{name}: {text}"))
    };
    assert!(at("public-fix") < at("edge-only"), "{text}");
    let glass = role(&report, "break-glass");
    assert_eq!(glass["compliance"], "NOT_APPLICABLE");
    assert_eq!(ids(&glass["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert_eq!(role(&report, "AWSServiceRoleForConfig")["compliance"], "NOT_APPLICABLE");
    // The raw API's percent-encoded document reads the same as the CLI's object.
    let encoded = role(&report, "encoded-worker");
    assert_eq!(encoded["compliance"], "COMPLIANT");
    assert_eq!(encoded["findings"], Value::Array(vec![]));

    // One listing per region: each --functions file adds its functions.
    let (_, report) = json_report(&[
        "account",
        "--auth-details",
        AUTH,
        "--functions",
        FUNCTIONS,
        "--functions",
        "tests/account/functions-eu-west-1.json",
    ]);
    assert_eq!(
        role(&report, "edge-only")["functions"],
        serde_json::json!([
            "arn:aws:lambda:us-east-1:111122223333:function:edge-consumer",
            "arn:aws:lambda:eu-west-1:111122223333:function:orders-eu"
        ])
    );

    // Without the functions file, only the trust tells which roles are Lambda's.
    let (_, report) = json_report(&["account", "--auth-details", AUTH]);
    assert!(report["notes"][0].as_str().unwrap().contains("no --functions file"));
    assert_eq!(role(&report, "edge-only")["functions"], Value::Array(vec![]));
}

#[test]
fn fail_on_sets_the_threshold_and_the_exit_status() {
    let code = |args: &[&str]| trustcheck(args).status.code();
    assert_eq!(code(&["template", CLEAN]), Some(0), "LOW findings only");
    assert_eq!(code(&["template", "--fail-on", "LOW", CLEAN]), Some(1));
    assert_eq!(
        code(&["template", "--params", r#"{"nonCompliantAt":"LOW"}"#, CLEAN]),
        Some(1)
    );
    assert_eq!(
        code(&[
            "template",
            "--params",
            r#"{"nonCompliantAt":"LOW"}"#,
            "--fail-on",
            "medium",
            CLEAN
        ]),
        Some(0),
        "--fail-on wins over --params"
    );
    assert_eq!(code(&["template", CDK]), Some(1), "MEDIUM fails by default");
    assert_eq!(code(&["template", "--fail-on", "HIGH", CDK]), Some(0));
    assert_eq!(
        code(&["template", "--fail-on", "CRITICAL", "--account-id", "111122223333", APP]),
        Some(1)
    );
    assert_eq!(
        code(&["policy", "--fail-on", "CRITICAL", "tests/policies/edge-only.json"]),
        Some(0)
    );
    let (_, report) = json_report(&["template", "--fail-on", "HIGH", CDK]);
    assert_eq!(report["summary"]["threshold"], "HIGH");
    assert_eq!(report["summary"]["compliance"], "COMPLIANT");
}

#[test]
fn several_templates_make_one_report() {
    let (code, report) = json_report(&["template", "--account-id", "111122223333", APP, CLEAN]);
    assert_eq!(code, Some(1));
    assert_eq!(report["summary"]["roles"], 9);
    assert_eq!(role(&report, "WorkerRole")["source"], CLEAN);
    assert_eq!(role(&report, "ScopedRole")["functions"][0], "Scoped");
}

#[test]
fn bad_input_exits_two_naming_the_file_and_position() {
    let cases: [(&[&str], &str); 16] = [
        (
            &["template", "tests/templates/module-type.yaml"],
            "tests/templates/module-type.yaml:4:7: resource Storage: its Type is not text",
        ),
        (
            &["template", "tests/templates/malformed.yaml"],
            "tests/templates/malformed.yaml:9:19: while parsing a flow mapping",
        ),
        (
            &["template", "tests/templates/malformed.json"],
            "tests/templates/malformed.json:5:",
        ),
        (
            &["template", "tests/templates/bad-skip.yaml"],
            "tests/templates/bad-skip.yaml:6:16: Metadata trustcheck skip: unknown finding id \"TRUST_PUBLIK\"",
        ),
        (
            &["template", PLAN],
            "tests/terraform/plan.json:1:1: no Resources mapping: not a CloudFormation or SAM template",
        ),
        (
            &["template", "tests/nonexistent.yaml"],
            "cannot read tests/nonexistent.yaml",
        ),
        (
            &["terraform", APP],
            "tests/templates/app.yaml: a CloudFormation or SAM template, not a plan",
        ),
        (&["terraform", "Cargo.toml"], "Cargo.toml:1:2: not valid JSON"),
        (
            &["terraform", "tests/terraform/malformed.json"],
            "tests/terraform/malformed.json:4:3: not valid JSON: expected value",
        ),
        (&["account", "--auth-details", PLAN], "no RoleDetailList"),
        // What CI writes most often instead of a plan: setup-terraform's wrapper around the
        // JSON, and the raw state file.
        (
            &["terraform", "tests/terraform/wrapper-output.json"],
            "set `terraform_wrapper: false` on hashicorp/setup-terraform",
        ),
        (
            &["terraform", "tests/terraform/raw-state.tfstate.json"],
            "a raw state file (terraform.tfstate), not a plan",
        ),
        // A loop over a parameter's items makes what the deployment says: refused, never a pass.
        (
            &["template", "tests/templates/for-each-over-parameter.yaml"],
            "for-each-over-parameter.yaml:3:3: Fn::ForEach::Roles (AWS::LanguageExtensions) is expanded here only over a list of items written in the template or a list parameter given with --parameter",
        ),
        (
            &["account"],
            "the following required arguments were not provided: <--auth-details <FILE>|--live>",
        ),
        (
            &["template", "--fail-on", "SEVERE", APP],
            "expected one of LOW, MEDIUM, HIGH, CRITICAL",
        ),
        (&["template", "--parameter", "novalue", APP], "expected NAME=VALUE"),
    ];
    for (args, expected) in cases {
        let out = trustcheck(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with("trustcheck: ") && err.contains(expected),
            "{args:?}: {err}"
        );
        // A scan's file that can't be read is named in its report as well; a bad option, or an
        // account's file, leaves no report.
        let said = stdout(&out);
        assert!(
            said.is_empty() || (said.contains("not read: ") && said.contains(expected)),
            "{args:?}: {said}"
        );
    }
}

/// A code-scanning alert is about whom the finding is about: dismissed for the audit account, it
/// is not the alert of a policy that trusts another account instead; an edit elsewhere in the
/// policy keeps it.
#[test]
fn a_sarif_fingerprint_changes_with_whom_the_finding_is_about() {
    let dir = common::scratch().join(format!("trustcheck-fingerprint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trust.json");
    let fingerprint_of = |policy: &str| -> String {
        std::fs::write(&file, policy).unwrap();
        let out = trustcheck(&[
            "policy",
            file.to_str().unwrap(),
            "--account-id",
            "111122223333",
            "--format",
            "sarif",
        ]);
        let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "CROSS_ACCOUNT_UNCONDITIONED", "{log}");
        // The message, then its fix, as sentences.
        let text = result["message"]["text"].as_str().unwrap();
        assert!(text.contains(". Fix: ") && !text.contains(".. Fix"), "{text}");
        result["partialFingerprints"]["trustcheckFinding/v2"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let trusting = |account: &str, sid: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let audit = fingerprint_of(&trusting("999988887777", "Audit"));
    assert_ne!(audit, fingerprint_of(&trusting("666677778888", "Audit")));
    assert_eq!(audit, fingerprint_of(&trusting("999988887777", "Auditors")));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A template or plan that can't be read hides no other file's findings: the text and JSON reports
/// have the others' roles and name the unread one, which fails the run (status 2, NON_COMPLIANT
/// in the JSON summary) whatever the others' verdict. No SARIF is written then (nor the last run's
/// left): code scanning would take the unread file's roles for fixed and close their alerts.
#[test]
fn an_unreadable_file_is_named_and_hides_no_other_file_s_findings() {
    let dir = common::scratch().join(format!("trustcheck-unread-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sarif = dir.join("report.sarif");
    std::fs::write(&sarif, "the last run's").unwrap();
    let sarif_arg = format!("sarif={}", sarif.display());
    let unreadable = "tests/templates/for-each-over-parameter.yaml";
    let (code, report) = json_report(&["template", APP, unreadable, "--output", &sarif_arg]);
    assert_eq!(code, Some(2), "{report}");
    assert!(report["summary"]["non_compliant"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["unread"].as_array().map(Vec::len), Some(1), "{report}");
    assert!(
        report["unread"][0]
            .as_str()
            .unwrap()
            .starts_with("tests/templates/for-each-over-parameter.yaml:3:3: Fn::ForEach"),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(&sarif).unwrap(),
        "",
        "no SARIF beside an unread input, the last run's emptied"
    );
    let fresh = dir.join("new.sarif");
    let fresh_arg = format!("sarif={}", fresh.display());
    let (code, _) = json_report(&["template", APP, unreadable, "--output", &fresh_arg]);
    assert_eq!(code, Some(2));
    assert!(!fresh.exists(), "none made");
    let out = trustcheck(&["template", APP, unreadable, "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("could not be read, so no SARIF report was written"),
        "{}",
        stderr(&out)
    );
    // A compliant template beside it is no pass either; the text report names the file too.
    let (code, report) = json_report(&["template", CLEAN, "tests/templates/malformed.yaml"]);
    assert_eq!(code, Some(2));
    assert_eq!(report["summary"]["compliance"], "NON_COMPLIANT", "{report}");
    let out = trustcheck(&["template", CLEAN, "tests/templates/malformed.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("not read: tests/templates/malformed.yaml:9:19"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("1 input(s) could not be read"),
        "{}",
        stderr(&out)
    );
    // Nothing read: the error alone, as for one file; the last run's SARIF is emptied all the
    // same (a persistent runner would upload it for this commit), and none is made.
    std::fs::write(&sarif, "the last run's").unwrap();
    for inputs in [&[unreadable][..], &[unreadable, "tests/templates/malformed.yaml"]] {
        let mut args = vec!["template", "--output", &sarif_arg, "--output", &fresh_arg];
        args.extend(inputs);
        let out = trustcheck(&args);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty(), "{}", stdout(&out));
        let first = "tests/templates/for-each-over-parameter.yaml:3:3";
        let said = match inputs.len() {
            1 => format!("trustcheck: {first}"),
            _ => format!("trustcheck: 2 input(s) could not be read, so no report was written; the first: {first}"),
        };
        assert!(stderr(&out).starts_with(&said), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&sarif).unwrap(), "", "{inputs:?}");
        assert!(!fresh.exists(), "none made");
    }
    // So does an account dump that can't be read (an empty file, as `aws iam … > auth.json`
    // leaves when its credentials have expired).
    std::fs::write(&sarif, "the last run's").unwrap();
    let empty_dump = dir.join("auth.json");
    std::fs::write(&empty_dump, "").unwrap();
    let out = trustcheck(&[
        "account",
        "--auth-details",
        empty_dump.to_str().unwrap(),
        "--output",
        &sarif_arg,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&sarif).unwrap(), "", "{}", stderr(&out));
    // Nothing found (an empty directory, a pattern that matches nothing): an earlier run's
    // reports are emptied, a JSON report's verdict too; what the other inputs hold is not known
    // then, so a file that is no report (a template among them) is left as it is.
    let empty = fresh_dir("trustcheck-nothing-found");
    let json = empty.join("last.json");
    let json_arg = format!("json={}", json.display());
    for inputs in [
        empty.to_str().unwrap().to_owned(),
        format!("{}/*.yaml", empty.display()),
    ] {
        let out = trustcheck(&["template", "--output", &sarif_arg, "--output", &json_arg, CLEAN]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(std::fs::metadata(&sarif).unwrap().len() > 0 && std::fs::metadata(&json).unwrap().len() > 0);
        let out = trustcheck(&["template", "--output", &sarif_arg, "--output", &json_arg, &inputs]);
        assert_eq!(out.status.code(), Some(2), "{inputs}");
        assert_eq!(std::fs::read_to_string(&sarif).unwrap(), "", "{inputs}");
        assert_eq!(std::fs::read_to_string(&json).unwrap(), "", "{inputs}");
    }
    let templates = fresh_dir("trustcheck-nothing-found-beside");
    let kept = templates.join("keep.yaml");
    std::fs::copy(CLEAN, &kept).unwrap();
    let kept_arg = format!("json={}", kept.display());
    let out = trustcheck(&[
        "template",
        "--output",
        &kept_arg,
        templates.to_str().unwrap(),
        empty.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        std::fs::read_to_string(CLEAN).unwrap(),
        "a template, not emptied"
    );
    std::fs::write(&sarif, "the last run's").unwrap();
    let out = trustcheck(&["terraform", "tests/terraform/malformed.json", "--output", &sarif_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&sarif).unwrap(), "", "plans alike");
    // Plans alike.
    let (code, report) = json_report(&["terraform", PLAN, "tests/terraform/malformed.json"]);
    assert_eq!(code, Some(2));
    assert!(report["summary"]["roles"].as_u64().unwrap() > 0, "{report}");
    assert!(report["unread"][0]
        .as_str()
        .unwrap()
        .starts_with("tests/terraform/malformed.json:4:3"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_role_named_after_the_stack_is_matched_with_the_function_that_names_it_so() {
    // `RoleName: !Sub '${AWS::StackName}-fn'` and the function's `Role` built the same way: the
    // stack name is unknown, but both sides spell the same ARN, so the role is a Lambda role.
    let (status, report) = json_report(&["template", "tests/templates/stack-named-role.yaml"]);
    assert_eq!(status, Some(1));
    let role = role(&report, "FnRole");
    assert_eq!(ids(&role["findings"])[0], "LAMBDA_TRUST_MISSING", "{role}");
    assert_eq!(
        role["functions"][0],
        "arn:aws:lambda:us-east-1:123456789012:function:worker"
    );
}

#[test]
fn an_oidc_provider_of_the_template_is_named_by_its_url() {
    let (status, report) = json_report(&[
        "template",
        "--account-id",
        "111122223333",
        "tests/templates/github-oidc.yaml",
    ]);
    assert_eq!(status, Some(1));
    // `!Ref` of the provider is its ARN, so the condition on its host's `sub` scopes it.
    let deploy = role(&report, "DeployRole");
    assert_eq!(deploy["compliance"], "COMPLIANT", "{deploy}");
    assert_eq!(deploy["findings"], Value::Array(vec![]));
    // `!GetAtt .Arn` too: without a `sub` condition every repository on GitHub gets in.
    let any_repo = role(&report, "AnyRepoRole");
    assert_eq!(ids(&any_repo["findings"]), ["TRUST_OIDC_UNSCOPED"]);
    assert!(
        any_repo["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("any identity of token.actions.githubusercontent.com")),
        "{any_repo}"
    );
    // The CDK's provider resource alike.
    assert_eq!(role(&report, "GitlabRole")["compliance"], "COMPLIANT");
}

#[test]
fn a_template_with_the_policy_that_once_aborted_the_engine_is_scanned_whole() {
    let (status, report) = json_report(&["template", "tests/templates/oidc-multibyte-key.json"]);
    assert_eq!(status, Some(1));
    let deploy = role(&report, "DeployRole");
    assert_eq!(deploy["compliance"], "NON_COMPLIANT");
    let found = ids(&deploy["findings"]);
    assert!(
        found.contains(&"TRUST_PUBLIC") && !found.contains(&"EVALUATION_FAILED"),
        "{deploy}"
    );
    assert_eq!(role(&report, "Clean")["compliance"], "COMPLIANT");
}

#[test]
fn a_reader_that_goes_away_ends_the_report_quietly() {
    // Enough roles that the report outgrows the pipe's buffer, so the write after the reader
    // left fails with a broken pipe.
    let roles: Vec<Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "Path": "/", "RoleName": format!("role-{i}"), "RoleId": format!("AROA{i:016}"),
                "Arn": format!("arn:aws:iam::111122223333:role/role-{i}"),
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
            })
        })
        .collect();
    let dir = fresh_dir("trustcheck-pipe");
    let file = dir.join("auth-details.json");
    std::fs::write(&file, serde_json::json!({"RoleDetailList": roles}).to_string()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustcheck"))
        .args(["account", "--auth-details", file.to_str().unwrap(), "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take()); // `| head -c 64`
    let out = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // Quietly, and with the verdict's status: under `set -o pipefail` a failing scan still fails.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `trustcheck template --format json` on a template written to a file named `name`.
/// An empty directory of this test's own (`NAME-PID` under the temp directory): one an earlier
/// run with the same process id left is emptied, so its files are no input of this one.
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = common::scratch().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn template_report(name: &str, text: &str) -> (Option<i32>, Value) {
    let dir = common::scratch().join(format!("trustcheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    json_report(&["template", path.to_str().unwrap()])
}

#[test]
fn a_function_module_reads_the_role_module_instance_of_its_own_key() {
    // `role_arn = module.roles[each.key].arn` in a `for_each` call: Terraform lists `module.roles`
    // and `each.key`, not the output; the roles module has one output, the role's ARN.
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/module-for-each-own-key.json",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    let b = role(&report, r#"module.roles["b"].aws_iam_role.this"#);
    assert_eq!(ids(&b["findings"])[0], "LAMBDA_TRUST_MISSING", "{b:#}");
    assert_eq!(b["functions"].as_array().map(Vec::len), Some(1), "{b:#}");
    // The other instance is no role of that function.
    let a = role(&report, r#"module.roles["a"].aws_iam_role.this"#);
    assert_eq!(a["functions"], serde_json::json!([]), "{a:#}");
    assert_eq!(a["compliance"], "COMPLIANT", "{a:#}");
    // Where the plan can't tell which instance or which role is read, none is linked (a note
    // says the role is judged without the function), rather than a role the function may not use
    // judged as a Lambda role: a key computed from the own key (`["${each.key}-exec"]`, listed
    // alike, beside an instance `a-exec`), an output that is an object over two roles, the own
    // key's instance beside a variable (`var.override != null ? var.override : …`).
    for plan in [
        "module-own-key-computed.json",
        "module-own-key-object-of-two-roles.json",
        "module-own-key-or-variable.json",
    ] {
        let (code, report) = json_report(&[
            "terraform",
            "--account-id",
            "111122223333",
            &format!("tests/terraform/{plan}"),
        ]);
        assert_eq!(code, Some(0), "{plan}: {report:#}");
        assert!(
            report["roles"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["functions"] == serde_json::json!([])),
            "{plan}: {report:#}"
        );
    }
}

#[test]
fn a_plan_that_forgets_a_resource_is_read_and_a_forgotten_role_left_out() {
    // Two modules deep, neither declaring the provider: Terraform lists `module.outer.module.inner:aws`
    // without arguments, as it would the module's own empty provider block or an alias passed
    // to it; the account stays unknown, and the note says why.
    let (_, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/module-two-deep-argumentless.json",
    ]);
    let inner = role(&report, "module.outer.module.inner.aws_iam_role.this");
    assert!(
        inner["notes"]
            .to_string()
            .contains("which the plan lists without arguments"),
        "{inner:#}"
    );
    // `removed { lifecycle { destroy = false } }` (Terraform 1.7): the forgotten resource is
    // planned with `"sensitive_values": false` and no values; the plan is read, and a forgotten
    // role is left out with a note.
    let (code, report) = json_report(&["terraform", "tests/terraform/removed-forget.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(ids(&role(&report, "aws_iam_role.r")["findings"]), ["TRUST_PUBLIC"]);
    let (code, report) = json_report(&["terraform", "tests/terraform/removed-forget-role.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["roles"], serde_json::json!([]), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("aws_iam_role.forgotten: the plan forgets it"),
        "{report:#}"
    );
}

#[test]
fn a_template_yaml_or_sam_would_refuse_is_an_error_not_a_verdict() {
    let dir = fresh_dir("trustcheck-refused");
    let scan = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = trustcheck(&["template", path.to_str().unwrap()]);
        (out.status.code(), stderr(&out))
    };
    // A comment in JSON (none is allowed) ran into the next key, which read as one key: the
    // statement's Effect "missing", a verdict on a policy nobody can deploy.
    let commented = "{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"AssumeRolePolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"},\n  { // everyone else\n    \"Effect\": \"Deny\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"sts:AssumeRole\"}\n]}}}}}\n";
    let (code, said) = scan("commented.json", commented);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("commented.json:3:") && said.contains("more than one line"),
        "{said}"
    );
    // A flow mapping's missing comma, likewise (YAML keeps an implicit key to one line).
    let (code, said) = scan(
        "missing-comma.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole, Condition\n             Bool: {aws:SecureTransport: 'true'}}\n",
    );
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("missing-comma.yaml:7:"), "{said}");
    // An explicit key (`? …`) may run over lines.
    let (code, said) = scan(
        "explicit-key.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\nMetadata:\n  ? long\n    key\n  : value\n",
    );
    assert_eq!(code, Some(0), "{said}");
    // SAM refuses a Role in Globals.Function: read as none, every function would seem to get a
    // role of its own.
    let (code, said) = scan(
        "globals-role.yaml",
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: python3.12\n    Role: !GetAtt Shared.Arn\nResources:\n  Shared:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      CodeUri: src/\n",
    );
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("globals-role.yaml:5:") && said.contains("Globals.Function takes no Role"),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_key_repeated_in_a_trust_policy_fails_its_role_closed_and_only_it() {
    let (code, report) = template_report(
        "repeat.yaml",
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: []\n      Tags: []\n  Shared:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: '*'}\n            Principal: {Service: ec2.amazonaws.com}\n            Action: sts:AssumeRole\n  Tasks:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n            Action: sts:AssumeRole\n",
    );
    assert_eq!(code, Some(1), "{report}");
    let shared = role(&report, "Shared");
    assert_eq!(shared["compliance"], "NON_COMPLIANT");
    assert_eq!(ids(&shared["findings"]), ["POLICY_UNPARSEABLE"]);
    // The finding says why, and what to do (not "the policy document is empty").
    let finding = &shared["findings"][0];
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("repeats the key `Principal` (line 13, again at line 14)"),
        "{message}"
    );
    assert!(finding["fix"].as_str().unwrap().starts_with("keep one"), "{finding}");
    // The bucket's repeated key is no role's trust: the other role is read as usual.
    assert_eq!(role(&report, "Tasks")["compliance"], "COMPLIANT");
    // A repeat that a YAML merge key brings in counts too.
    let (_, report) = template_report(
        "merged-repeat.yaml",
        "Metadata:\n  Base: &base\n    Effect: Allow\n    Principal: {Service: ec2.amazonaws.com}\n    Principal: {AWS: '*'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - <<: *base\n            Action: sts:AssumeRole\n",
    );
    assert_eq!(ids(&role(&report, "R")["findings"]), ["POLICY_UNPARSEABLE"], "{report}");
}

#[test]
fn a_trust_policy_written_twice_or_handed_to_a_macro_fails_its_role_closed() {
    let role_with = |properties: &str| {
        format!("Resources:\n  R:\n    Type: AWS::IAM::Role\n{properties}  Other:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: ec2.amazonaws.com}}\n            Action: sts:AssumeRole\n")
    };
    let public = "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: '*'}\n            Action: sts:AssumeRole\n";
    let benign = "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n            Action: sts:AssumeRole\n";
    let cases = [
        (
            format!("    Properties:\n{public}{benign}"),
            "repeats the key `AssumeRolePolicyDocument` (line 5, again at line 10)",
        ),
        (
            format!("    Properties:\n{public}    Properties:\n{benign}"),
            "repeats the key `Properties` (line 4, again at line 10)",
        ),
        // A macro gets the whole mapping, siblings included, and its output replaces it.
        (
            format!("    Properties:\n{benign}        Fn::Transform: {{Name: AWS::Include, Parameters: {{Location: s3://b/trust.yaml}}}}\n"),
            "Transform is unresolved (its output replaces the mapping it is in)",
        ),
        // Beside the trust policy, the macro replaces the whole of `Properties`.
        (
            format!("    Properties:\n{benign}      Fn::Transform: {{Name: AWS::Include, Parameters: {{Location: s3://b/role.yaml}}}}\n"),
            "Transform is unresolved (its output replaces the mapping it is in)",
        ),
    ];
    for (properties, said) in cases {
        let (code, report) = template_report("written-twice.yaml", &role_with(&properties));
        assert_eq!(code, Some(1), "{report}");
        let r = role(&report, "R");
        assert_eq!(ids(&r["findings"]), ["POLICY_UNPARSEABLE"], "{r}");
        let message = r["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains(said), "{message}");
        assert_eq!(role(&report, "Other")["compliance"], "COMPLIANT");
    }
    // Written twice in SAM's Globals, it is no less unknown.
    let (code, report) = template_report(
        "globals-twice.yaml",
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    AssumeRolePolicyDocument:\n      Statement:\n        - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n    AssumeRolePolicyDocument:\n      Statement:\n        - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: s3://b/k}\n",
    );
    assert_eq!(code, Some(1), "{report}");
    let generated = role(&report, "FRole");
    assert_eq!(ids(&generated["findings"]), ["POLICY_UNPARSEABLE"], "{generated}");
    let message = generated["findings"][0]["message"].to_string();
    assert!(
        message.contains("Globals.Function repeats the key `AssumeRolePolicyDocument` (line 4, again at line 7)"),
        "{message}"
    );
}

#[test]
fn a_directory_scan_stops_on_a_file_it_cannot_read_and_passes_over_special_files() {
    let dir = fresh_dir("trustcheck-unreadable");
    let template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Public:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: '*'}\n            Action: sts:AssumeRole\n";
    std::fs::write(
        dir.join("a.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
    )
    .unwrap();
    // As PowerShell's `>` writes it: UTF-16LE with a byte order mark, read as the text it is.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(template.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.join("b.yaml"), utf16).unwrap();
    // A UTF-16 file that is no template (PowerShell's settings.json) is passed over, as in UTF-8.
    let settings: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "{\"editor\": {\"tabSize\": 2}}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(dir.join("settings.json"), settings).unwrap();
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Public"]);
    // A file named again beside its directory (pre-commit's changed files) is one input.
    let again = dir.join("b.yaml");
    let (code, report) = json_report(&["template", dir.to_str().unwrap(), again.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Public"]);
    // Latin-1 (an `é` as one byte): no text the scan can read, and no pass; it says where.
    let latin1: Vec<u8> = template
        .replace("Public:", "Publ\u{e9}:")
        .chars()
        .map(|c| c as u8)
        .collect();
    std::fs::write(dir.join("b.yaml"), latin1).unwrap();
    let out = trustcheck(&["template", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a template the scan can't read is no pass");
    let said = stderr(&out);
    assert!(said.contains("b.yaml") && said.contains("line 3, column 7"), "{said}");
    // A Latin-1 file that is no template (a data file beside them) is passed over.
    std::fs::write(dir.join("b.yaml"), template).unwrap();
    std::fs::write(dir.join("names.json"), b"{\"city\": \"Z\xfcrich\"}").unwrap();
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Public"]);
    std::fs::remove_file(dir.join("names.json")).unwrap();
    // A FIFO is no template, and reading one would wait for ever.
    std::fs::write(dir.join("b.yaml"), template).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Public"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn what_a_template_deploys_is_read_as_cloudformation_and_sam_read_it() {
    let public = "Statement:\n          - Effect: Allow\n            Principal: {AWS: '*'}\n            Action: sts:AssumeRole\n";
    // FindInMap's DefaultValue (AWS::LanguageExtensions), for a key the mapping lacks.
    let defaulted = "Transform: AWS::LanguageExtensions\nMappings:\n  M:\n    a: {b: '111122223333'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !FindInMap [M, nokey, b, {DefaultValue: '*'}]}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("default-value.yaml", defaulted);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // Keyed by a parameter's default, the DefaultValue is a deployment too: a key the mapping
    // lacks reads it.
    let fallback = "Transform: AWS::LanguageExtensions\nParameters:\n  Env: {Type: String, Default: prod}\nMappings:\n  M:\n    prod: {P: 'arn:aws:iam::123456789012:root'}\n    dev: {P: 'arn:aws:iam::123456789012:root'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !FindInMap [M, !Ref Env, P, {DefaultValue: '*'}]}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("fallback.yaml", fallback);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // A mapping key the scan can't know (no default: any allowed value, or anything) reads some
    // entry: each is checked.
    for parameter in ["{Type: String}", "{Type: String, AllowedValues: [prod, dev]}"] {
        let keyed = format!("Parameters:\n  Env: {parameter}\nMappings:\n  M:\n    prod: {{P: 'arn:aws:iam::123456789012:root'}}\n    dev: {{P: '*'}}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Action: sts:AssumeRole, Principal: {{AWS: !FindInMap [M, !Ref Env, P]}}}}\n");
        let (code, report) = template_report("unknown-key.yaml", &keyed);
        assert_eq!(code, Some(1), "{parameter}: {report}");
        assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    }
    // A FindInMap inside a mapping's entry (CloudFormation refuses it) is unresolved, never
    // read again and again; an entry a parameter's only allowed value can't pick is never read;
    // a region by a stage, each left open, is eight regions and three stages, not 24 choices.
    let nested = "Mappings:\n  M:\n    a: {K: !FindInMap [M, !Ref AWS::StackName, K]}\n    b: {K: x}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}\n      Tags:\n        - {Key: k, Value: !FindInMap [M, !Ref AWS::StackName, K]}\n";
    let (code, report) = template_report("nested-find.yaml", nested);
    assert_eq!(code, Some(0), "{report}");
    let only = "Parameters:\n  Stage: {Type: String, AllowedValues: [prod]}\nMappings:\n  Trust:\n    prod: {P: 'arn:aws:iam::123456789012:role/deployer'}\n    sandbox: {P: '*'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: !FindInMap [Trust, !Ref Stage, P]}}\n";
    let (code, report) = template_report("only-allowed.yaml", only);
    assert_eq!(code, Some(0), "{report}");
    let mut grid = String::from("Parameters:\n  Env: {Type: String}\nMappings:\n  Deployer:\n");
    for region in [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "ap-south-1",
    ] {
        grid.push_str(&format!("    {region}:\n"));
        for stage in ["dev", "staging", "prod"] {
            grid.push_str(&format!(
                "      {stage}: 'arn:aws:iam::123456789012:role/deployer-{stage}-{region}'\n"
            ));
        }
    }
    grid.push_str("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: !FindInMap [Deployer, !Ref AWS::Region, !Ref Env]}}\n");
    let (code, report) = template_report("grid.yaml", &grid);
    assert_eq!(code, Some(0), "{report}");
    // One second-level key read under two first-level entries means the same key under both,
    // whichever entries read alike under one of them: Stage=sandbox is the public Allow beside a
    // Deny of another account.
    let paired = "Parameters:\n  Stage: {Type: String, Default: dev}\nMappings:\n  Trust:\n    Allowed: {dev: 'arn:aws:iam::123456789012:root', test: 'arn:aws:iam::123456789012:root', sandbox: '*'}\n    Denied: {dev: '*', test: 'arn:aws:iam::444455556666:root', sandbox: 'arn:aws:iam::444455556666:root'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: !FindInMap [Trust, Allowed, !Ref Stage]}}\n          - {Effect: Deny, Action: sts:AssumeRole, Principal: {AWS: !FindInMap [Trust, Denied, !Ref Stage]}}\n";
    let (code, report) = template_report("paired.yaml", paired);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"])[0], "TRUST_PUBLIC", "{report}");
    // A list's AllowedValues hold for each element: "*" may be any of them.
    let list = "Parameters:\n  Trusted:\n    Type: CommaDelimitedList\n    Default: 'arn:aws:iam::123456789012:root,arn:aws:iam::123456789012:root'\n    AllowedValues: ['arn:aws:iam::123456789012:root', '*']\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: !Select [1, !Ref Trusted]}}\n";
    let (code, report) = template_report("list-allowed.yaml", list);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // `Role:` left empty: SAM generates the role, from the function's own trust.
    let null_role = format!("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.b\n      InlineCode: x\n      Role:\n      AssumeRolePolicyDocument:\n        {public}");
    let (code, report) = template_report("null-role.yaml", &null_role);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "FnRole")["findings"])[0], "TRUST_PUBLIC", "{report}");
    // A macro of the template's own may rewrite any role: each fails closed.
    let with_macro = "Transform: [AWS::Serverless-2016-10-31, MyRoleMacro]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("macro.yaml", with_macro);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["POLICY_UNPARSEABLE"], "{r}");
    let finding = &r["findings"][0];
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("Transform MyRoleMacro is a macro"),
        "{r}"
    );
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .starts_with("scan the processed template"),
        "{r}"
    );
    // An exemption tag whose key a parameter's default picks (the mapping row of `dev`) is not
    // there in every deployment: it exempts nothing.
    let tagged = "Parameters:\n  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\nMappings:\n  TagKeys:\n    dev: {Key: 'trustcheck:exempt'}\n    prod: {Key: team}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Tags:\n        - Key: !FindInMap [TagKeys, !Ref Env, Key]\n          Value: sandbox only\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.b\n      Code: {ZipFile: x}\n      Role: !GetAtt R.Arn\n";
    let (code, report) = template_report("tag-default.yaml", tagged);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(role(&report, "R")["compliance"], "NON_COMPLIANT", "{report}");
    // Given, the parameter settles the key: then the tag exempts.
    let path = common::scratch()
        .join(format!("trustcheck-{}", std::process::id()))
        .join("tag-default.yaml");
    let (code, report) = json_report(&["template", "--parameter", "Env=dev", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "R")["compliance"], "NOT_APPLICABLE", "{report}");
    // A stack set's template written inline is scanned, its roles named SET/ROLE at their lines.
    let inline = "Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: roles\n      PermissionModel: SERVICE_MANAGED\n      TemplateBody: |\n        Resources:\n          Open:\n            Type: AWS::IAM::Role\n            Properties:\n              AssumeRolePolicyDocument:\n                Statement:\n                  - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("stack-set-inline.yaml", inline);
    assert_eq!(code, Some(1), "{report}");
    let open = role(&report, "Set/Open");
    assert_eq!(ids(&open["findings"]), ["TRUST_PUBLIC"], "{open}");
    assert_eq!(open["line"], 9, "{open}");
    assert_eq!(open["findings"][0]["line"], 14, "{open}");
    // Built by an intrinsic function, it is read as the stack would build it: `!Sub` keeps its
    // template's lines; a body joined from pieces has its roles at `TemplateBody`.
    let sub = inline.replace("TemplateBody: |", "TemplateBody: !Sub |").replace(
        "Action: sts:AssumeRole}",
        "Action: sts:AssumeRole, Condition: {StringEquals: {aws:SourceAccount: '${AWS::AccountId}'}}}",
    );
    let (code, report) = template_report("stack-set-sub.yaml", &sub);
    assert_eq!(code, Some(1), "{report}");
    let open = role(&report, "Set/Open");
    assert_eq!(ids(&open["findings"]), ["TRUST_PUBLIC_CONDITIONED"], "{open}");
    assert_eq!(
        (&open["line"], &open["findings"][0]["line"]),
        (&9.into(), &14.into()),
        "{open}"
    );
    let long_form = sub.replace("TemplateBody: !Sub |\n", "TemplateBody:\n       Fn::Sub: |\n ");
    let (code, report) = template_report(
        "stack-set-sub-long.yaml",
        &long_form.replace("\n        ", "\n         "),
    );
    assert_eq!(code, Some(1), "{report}");
    let open = role(&report, "Set/Open");
    assert_eq!(
        (&open["line"], &open["findings"][0]["line"]),
        (&10.into(), &15.into()),
        "{open}"
    );
    let joined = r#"{"Parameters": {"Auditor": {"Type": "String", "Default": "444455556666"}},
 "Resources": {"Set": {"Type": "AWS::CloudFormation::StackSet", "Properties": {"StackSetName": "audit", "PermissionModel": "SERVICE_MANAGED",
  "TemplateBody": {"Fn::Join": ["", ["{\"Resources\": {\"Audit\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"AssumeRolePolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::", {"Ref": "Auditor"}, ":root\"}, \"Action\": \"sts:AssumeRole\"}]}}}}}"]]}}}}}"#;
    let (code, report) = template_report("stack-set-join.json", joined);
    assert_eq!(code, Some(1), "{report}");
    let audit = role(&report, "Set/Audit");
    assert_eq!(ids(&audit["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{audit}");
    assert_eq!(
        (&audit["line"], &audit["findings"][0]["line"]),
        (&3.into(), &3.into()),
        "{audit}"
    );
    // A body written as one string (JSON's only way, or a quoted YAML scalar) has lines that are
    // not the file's: its roles are at `TemplateBody`, never past the end of the file.
    let body = r#"Resources:\n  Open:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n"#;
    let one_line = format!(
        "{{\n \"Resources\": {{\"Set\": {{\"Type\": \"AWS::CloudFormation::StackSet\", \"Properties\": {{\"StackSetName\": \"s\", \"PermissionModel\": \"SELF_MANAGED\",\n  \"TemplateBody\": \"{body}\"}}}}}}\n}}\n"
    );
    let quoted = format!(
        "Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: s\n      PermissionModel: SELF_MANAGED\n      TemplateBody: \"{body}\"\n"
    );
    for (file, text, line) in [
        ("stack-set-string.json", &one_line, 3),
        ("stack-set-quoted.yaml", &quoted, 7),
    ] {
        let (code, report) = template_report(file, text);
        assert_eq!(code, Some(1), "{file}: {report}");
        let open = role(&report, "Set/Open");
        assert_eq!(ids(&open["findings"]), ["TRUST_PUBLIC"], "{file}: {open}");
        assert_eq!(
            (&open["line"], &open["findings"][0]["line"]),
            (&line.into(), &line.into()),
            "{file}: {open}"
        );
    }
    // A built body that rests on a choice the template leaves open (a mapping's row, through a
    // parameter with allowed values) is read as each deployment builds it, not the default alone.
    let by_row = "Parameters:\n  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\nMappings:\n  Trust:\n    dev: {P: 'arn:aws:iam::111122223333:root'}\n    prod: {P: '*'}\nResources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: s\n      PermissionModel: SERVICE_MANAGED\n      TemplateBody: !Sub\n        - |\n          Resources:\n            R:\n              Type: AWS::IAM::Role\n              Properties:\n                AssumeRolePolicyDocument:\n                  Statement:\n                    - {Effect: Allow, Principal: {AWS: '${P}'}, Action: sts:AssumeRole, Condition: {StringEquals: {sts:ExternalId: abcdefgh12345}}}\n        - P: !FindInMap [Trust, !Ref Env, P]\n";
    let (code, report) = template_report("stack-set-by-row.yaml", by_row);
    assert_eq!(code, Some(1), "{report}");
    let prod = role(&report, "Set/R (Parameters Env value prod true)");
    assert_eq!(ids(&prod["findings"]), ["TRUST_PUBLIC"], "{report}");
    assert_eq!(role(&report, "Set/R")["compliance"], "COMPLIANT", "{report}");
    // The default may build no template (an empty parameter chosen by a condition): the other
    // ways are read all the same.
    let by_default_empty = r#"Parameters:
  CustomBody: {Type: String, Default: ""}
  Trusted: {Type: String, Default: "*"}
Conditions:
  HasCustom: !Not [!Equals [!Ref CustomBody, ""]]
Resources:
  Set:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: s
      PermissionModel: SERVICE_MANAGED
      TemplateBody: !If
        - HasCustom
        - !Ref CustomBody
        - !Sub |
          Resources:
            R:
              Type: AWS::IAM::Role
              Properties:
                AssumeRolePolicyDocument:
                  Version: "2012-10-17"
                  Statement:
                    - Effect: Allow
                      Principal: {AWS: "${Trusted}"}
                      Action: sts:AssumeRole
"#;
    let (code, report) = template_report("stack-set-default-empty.yaml", by_default_empty);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        ids(&role(&report, "Set/R (HasCustom false)")["findings"]),
        ["TRUST_PUBLIC"],
        "{report}"
    );
    // So may no value at all: the usual either-URL-or-body stack set.
    let either = by_default_empty
        .replace("- !Ref CustomBody", "- !Ref AWS::NoValue")
        .replace(
            "TemplateBody: !If",
            "TemplateURL: !If [HasCustom, !Ref CustomBody, !Ref AWS::NoValue]\n      TemplateBody: !If",
        );
    let (code, report) = template_report("stack-set-either.yaml", &either);
    assert_eq!(code, Some(1), "{either}\n{report}");
    assert_eq!(
        ids(&role(&report, "Set/R (HasCustom false)")["findings"]),
        ["TRUST_PUBLIC"],
        "{report}"
    );
    // More ways of building it than are checked: an error, as a body that doesn't read is.
    let conditions: String = (0..6)
        .map(|i| format!("  C{i}: !Equals [!Ref P{i}, 'yes']\n"))
        .collect();
    let parameters: String = (0..6)
        .map(|i| format!("  P{i}: {{Type: String, Default: 'no'}}\n"))
        .collect();
    let values: String = (0..6).map(|i| format!("          V{i}: !If [C{i}, a, b]\n")).collect();
    let sixty_four = format!(
        "Parameters:\n{parameters}Conditions:\n{conditions}Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: s\n      PermissionModel: SERVICE_MANAGED\n      TemplateBody: !Sub\n        - \"Description: ${{V0}}${{V1}}${{V2}}${{V3}}${{V4}}${{V5}}\\nResources:\\n  R: {{Type: AWS::IAM::Role, Properties: {{AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{AWS: '*'}}, Action: 'sts:AssumeRole'}}]}}}}}}\\n\"\n        - \n{values}"
    );
    let path = common::scratch().join(format!("trustcheck-{}", std::process::id()));
    std::fs::create_dir_all(&path).unwrap();
    let path = path.join("stack-set-ways.yaml");
    std::fs::write(&path, &sixty_four).unwrap();
    let out = trustcheck(&["template", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{sixty_four}\n{}", stderr(&out));
    assert!(stderr(&out).contains("ways of building it"), "{}", stderr(&out));
    // Nor a stack set it deploys: a default built from a value the template doesn't give is
    // excused only for text that doesn't parse, never for an error inside what it deploys.
    let out = trustcheck(&["template", "tests/templates/stack-set-nested-ways.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Inner's TemplateBody"), "{}", stderr(&out));
    // Nor may the file's limit on stack set bodies pass a built one over in silence.
    let plain: String = (0..1000)
        .map(|i| format!("  S{i}:\n    Type: AWS::CloudFormation::StackSet\n    Properties: {{StackSetName: s{i}, PermissionModel: SERVICE_MANAGED, TemplateBody: \"Resources: {{}}\"}}\n"))
        .collect();
    let over_budget = format!("Resources:\n{plain}  Pub:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: pub\n      PermissionModel: SERVICE_MANAGED\n      TemplateBody: !Sub \"Resources: {{R: {{Type: AWS::IAM::Role, Properties: {{AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{AWS: '*'}}, Action: 'sts:AssumeRole', Condition: {{StringEquals: {{'aws:SourceAccount': '${{AWS::AccountId}}'}}}}}}]}}}}}}}}\"\n");
    let path = path.with_file_name("stack-set-budget.yaml");
    std::fs::write(&path, &over_budget).unwrap();
    let out = trustcheck(&["template", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("inline templates of stack sets"),
        "{}",
        stderr(&out)
    );
    // A Select whose index the template doesn't settle reads each item in some deployment.
    let select = "Parameters:\n  Tier: {Type: Number}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Select [!Ref Tier, [!Sub 'arn:aws:iam::${AWS::AccountId}:root', '*']]}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("select.yaml", select);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["TRUST_PUBLIC"], "{r}");
    assert!(r["notes"].to_string().contains("Select (Ref Tier) item 1 true"), "{r}");
    let path = common::scratch()
        .join(format!("trustcheck-{}", std::process::id()))
        .join("select.yaml");
    let (code, report) = json_report(&["template", "--parameter", "Tier=0", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "given, the index is settled: {report}");
    // Values the template doesn't give inside a built body leave the rest of it to read.
    let unknown_inside = sub
        .replace(
            "Resources:\n  Set:",
            "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n  Set:",
        )
        .replace(
            "          Open:\n",
            "          Open:\n            Metadata: {Stack: '${AWS::StackName}', Topic: '${Topic}'}\n",
        );
    let (code, report) = template_report("stack-set-sub-unknown.yaml", &unknown_inside);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        ids(&role(&report, "Set/Open")["findings"]),
        ["TRUST_PUBLIC_CONDITIONED"],
        "{report}"
    );
    // A body the template doesn't give is noted, and the rest of the file scanned.
    let by_parameter = "Parameters:\n  Body: {Type: String}\nResources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties: {StackSetName: a, PermissionModel: SERVICE_MANAGED, TemplateBody: !Ref Body}\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("stack-set-by-parameter.yaml", by_parameter);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "Role")["findings"]), ["TRUST_PUBLIC"], "{report}");
    assert!(
        report["notes"]
            .to_string()
            .contains("whose TemplateBody the template doesn't give as a template"),
        "{report}"
    );
    // A default reaches the index however it is written.
    for index in ["!Sub '${Idx}'", "!Join ['', [!Ref Idx]]", "!Select [0, [!Ref Idx]]"] {
        let defaulted = format!("Parameters:\n  Idx: {{Type: String, Default: '0'}}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Select [{index}, ['arn:aws:iam::111122223333:role/a', '*']]}}\n            Action: sts:AssumeRole\n");
        let (code, report) = template_report("select-defaulted.yaml", &defaulted);
        assert_eq!(code, Some(1), "{index}: {report}");
        assert_eq!(
            ids(&role(&report, "R")["findings"]),
            ["TRUST_PUBLIC"],
            "{index}: {report}"
        );
    }
    // An index read from a mapping is that row's deployment's: here every row selects item 0.
    let mapped = "Mappings:\n  Env:\n    us-east-1: {Idx: '0'}\n    eu-west-1: {Idx: '0'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Select [!FindInMap [Env, !Ref AWS::Region, Idx], ['arn:aws:iam::111122223333:role/a', '*']]}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("select-mapped.yaml", mapped);
    assert_eq!(code, Some(0), "{report}");
    // The stack set's own account passed to its template (no --account-id: both would be the
    // stand-in) is another account there, not the member's own.
    let passed = "Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: audit\n      PermissionModel: SERVICE_MANAGED\n      Parameters:\n        - {ParameterKey: AuditAccountId, ParameterValue: !Ref AWS::AccountId}\n      TemplateBody: |\n        Parameters:\n          AuditAccountId: {Type: String}\n        Resources:\n          Audit:\n            Type: AWS::IAM::Role\n            Properties:\n              AssumeRolePolicyDocument:\n                Statement:\n                  - {Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AuditAccountId}:root'}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("stack-set-account.yaml", passed);
    assert_eq!(code, Some(1), "{report}");
    let audit = role(&report, "Set/Audit");
    assert_eq!(ids(&audit["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{audit}");
    // One given by URL is noted, not passed over.
    let stack_set = "Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties: {StackSetName: s, PermissionModel: SELF_MANAGED, TemplateURL: https://example.com/t.yaml}\n";
    // Each allowed value of a parameter left to its default is a deployment too.
    let allowed = "Parameters:\n  Trusted:\n    Type: String\n    Default: arn:aws:iam::123456789012:root\n    AllowedValues: [arn:aws:iam::123456789012:root, '*']\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !Ref Trusted}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("allowed.yaml", allowed);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["TRUST_PUBLIC"], "{r}");
    // At its statement's line, as under the value as written.
    assert_eq!(r["findings"][0]["line"], 12, "{r}");
    assert!(
        r["notes"].to_string().contains("Parameters Trusted value * true"),
        "{r}"
    );
    let path = common::scratch()
        .join(format!("trustcheck-{}", std::process::id()))
        .join("allowed.yaml");
    let given = [
        "template",
        "--parameter",
        "Trusted=arn:aws:iam::123456789012:root",
        path.to_str().unwrap(),
    ];
    let (code, report) = json_report(&given);
    assert_eq!(code, Some(0), "given, the value is decided: {report}");
    // Twelve allowed values are thirteen ways to deploy, not 4,096: none fails closed here.
    let teams: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    let many = format!("Parameters:\n  Team: {{Type: String, Default: t00, AllowedValues: [{}]}}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}\n            Action: sts:AssumeRole\n            Condition: {{StringEquals: {{aws:PrincipalTag/team: !Ref Team}}}}\n", teams.join(", "));
    let (code, report) = template_report("many-allowed.yaml", &many);
    assert_eq!(code, Some(0), "{report}");
    // A condition on a parameter with allowed values still goes both ways: the value that
    // isn't the default takes the public branch.
    let branch = "Parameters:\n  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !If [IsProd, !Sub 'arn:aws:iam::${AWS::AccountId}:root', '*']}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("branch.yaml", branch);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // And a condition on it follows the value it takes where its values are gone through: the
    // default (prod) never reads the public row of dev's branch, nor dev the default's.
    let follows = "Parameters:\n  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}\nMappings:\n  M:\n    prod: {P: '*'}\n    dev: {P: 'arn:aws:iam::123456789012:root'}\nConditions:\n  IsNotProd: !Not [!Equals [!Ref Env, prod]]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !If [IsNotProd, !FindInMap [M, !Ref Env, P], !Sub 'arn:aws:iam::${AWS::AccountId}:root']}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("follows.yaml", follows);
    assert_eq!(code, Some(0), "{report}");
    // Entries that read the same stand for every key that has them: a condition on one of those
    // keys still meets the entry (here Env=b, whose entry is a's: "*").
    let same = "Parameters:\n  Env: {Type: String, Default: safe}\nMappings:\n  Trust:\n    safe: {P: 'arn:aws:iam::123456789012:root'}\n    a: {P: '*'}\n    b: {P: '*'}\nConditions:\n  IsB: !Equals [!Ref Env, b]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !If [IsB, !FindInMap [Trust, !Ref Env, P], 'arn:aws:iam::123456789012:root']}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("same-entries.yaml", same);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    // A macro named in the map form of Transform (as AWS::Include is) rewrites roles too.
    let include = "Transform: {Name: AWS::Include, Parameters: {Location: s3://b/snippet.yaml}}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("include.yaml", include);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["POLICY_UNPARSEABLE"], "{report}");
    // Two lookups of one mapping keyed by two parameters read two rows: each pair is checked.
    let two_keys = "Parameters:\n  Slot: {Type: String, Default: c, AllowedValues: [a, b, c]}\n  Tier: {Type: String, Default: c, AllowedValues: [a, b, c]}\nMappings:\n  M:\n    a: {idx: '0', list: '*,arn:aws:iam::123456789012:root'}\n    b: {idx: '1', list: 'arn:aws:iam::123456789012:root,arn:aws:iam::123456789012:root'}\n    c: {idx: '0', list: 'arn:aws:iam::123456789012:root,*'}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Select [!FindInMap [M, !Ref Slot, idx], !Split [',', !FindInMap [M, !Ref Tier, list]]]}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("two-keys.yaml", two_keys);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"]), ["TRUST_PUBLIC"], "{report}");
    let (code, report) = template_report("stack-set.yaml", stack_set);
    assert_eq!(code, Some(0), "{report}");
    assert!(report["notes"].to_string().contains("Set is a stack set"), "{report}");
}

#[test]
fn a_sam_function_s_trust_is_merged_with_the_global_one() {
    // SAM deploys both: the statements of Globals.Function first, then the function's own.
    let globals = "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    AssumeRolePolicyDocument:\n      Version: '2012-10-17'\n      Statement:\n        - Effect: Allow\n          Principal: {AWS: '*'}\n          Action: sts:AssumeRole\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: s3://b/k\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n";
    let (code, report) = template_report("globals.yaml", globals);
    assert_eq!(code, Some(1), "{report}");
    let generated = role(&report, "FnRole");
    assert_eq!(ids(&generated["findings"]), ["TRUST_PUBLIC"], "{generated}");
    assert_eq!(generated["findings"][0]["line"], 7, "the global statement's own line");
    // `IgnoreGlobals` (a resource attribute) leaves the global trust out.
    for ignored in ["'*'", "[AssumeRolePolicyDocument]"] {
        let (code, report) = template_report(
            "ignored.yaml",
            &globals.replace(
                "    Properties:\n",
                &format!("    IgnoreGlobals: {ignored}\n    Properties:\n"),
            ),
        );
        assert_eq!(code, Some(0), "{ignored}: {report}");
    }
}

#[test]
fn an_optional_role_parameter_left_empty_is_no_role() {
    // The usual "bring your own role" switch: with the parameter's default "", SAM generates
    // the role; the empty ARN down the other branch names no role of anyone's.
    let template = "Transform: AWS::Serverless-2016-10-31\nParameters:\n  ExistingRoleArn: {Type: String, Default: ''}\nConditions:\n  HasRole: !Not [!Equals [!Ref ExistingRoleArn, '']]\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: s3://b/k\n      Role: !If [HasRole, !Ref ExistingRoleArn, !Ref AWS::NoValue]\n";
    let (code, report) = template_report("optional-role.yaml", template);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "FnRole")["functions"][0], "Fn", "{report}");
    assert!(!report["notes"].to_string().contains("uses the role"), "{report}");
}

#[test]
fn a_sam_function_s_tags_are_merged_with_the_global_ones() {
    // SAM tags the role it generates with the function's tags, Globals.Function's merged in: an
    // exemption tag written there exempts the role as it will in the account.
    let template = "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Tags:\n      trustcheck:exempt: vendor audit, INC-7\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: s3://b/k\n      Tags: {team: payments}\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}\n          - Effect: Allow\n            Principal: {AWS: 'arn:aws:iam::444455556666:root'}\n            Action: sts:AssumeRole\n";
    let (code, report) = template_report("global-tags.yaml", template);
    assert_eq!(code, Some(0), "{report}");
    let generated = role(&report, "FnRole");
    assert_eq!(generated["compliance"], "NOT_APPLICABLE", "{generated}");
    assert!(
        generated
            .to_string()
            .contains("exempt by tag trustcheck:exempt: vendor audit, INC-7"),
        "{generated}"
    );
    // `IgnoreGlobals: [Tags]` leaves them out: the function's own tags alone don't exempt.
    let ignored = template.replace("    Properties:\n", "    IgnoreGlobals: [Tags]\n    Properties:\n");
    let (code, report) = template_report("global-tags-ignored.yaml", &ignored);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        ids(&role(&report, "FnRole")["findings"]),
        ["LAMBDA_ROLE_EXTRA_TRUST", "CROSS_ACCOUNT_UNCONDITIONED"],
        "{report}"
    );
}

/// What CloudFormation deploys: a YAML 1.1 boolean (`True`, `yes`) is `true`, and `Properties`
/// written as one `Fn::If` are either branch's.
#[test]
fn a_template_is_read_as_cloudformation_deploys_it() {
    for (template, parameter) in [
        ("cfn-true_equals", "Public=true"),
        ("cfn-yes_equals", "Restrict=yes"),
        ("cfn-props_if", "Env=prod"),
    ] {
        let path = format!("tests/templates/{template}.yaml");
        let (code, report) = json_report(&["template", &path, "--parameter", parameter]);
        assert_eq!(code, Some(1), "{template}: {report}");
        assert_eq!(
            ids(&report["roles"][0]["findings"]),
            ["TRUST_PUBLIC"],
            "{template}: {report}"
        );
    }
    // A branch that writes the trust twice fails closed, as without the If.
    let (code, report) = json_report(&["template", "tests/templates/cfn-props_if-repeated.yaml"]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&report["roles"][0]["findings"]), ["POLICY_UNPARSEABLE"], "{report}");
    assert!(
        report.to_string().contains("(line 11, again at line 14)"),
        "the copies' own lines: {report}"
    );
    let (code, report) = json_report(&[
        "template",
        "tests/templates/cfn-props_if.yaml",
        "--parameter",
        "Env=dev",
    ]);
    assert_eq!(code, Some(0), "the other branch, ec2 only: {report}");
    // A role without RoleName is named `<stack>-<id>-<suffix>`: an ARN that spells `role/<id>`
    // is another role, noted, not this one.
    let (code, report) = json_report(&["template", "tests/templates/cfn-unnamed-role-by-arn.yaml"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report["notes"]
            .to_string()
            .contains("which no scanned template defines"),
        "{report}"
    );
    // Nor one whose RoleName is AWS::NoValue.
    let (code, report) = json_report(&[
        "template",
        "--region",
        "us-east-1",
        "tests/templates/cfn-unnamed-role-novalue-name.yaml",
    ]);
    assert_eq!(code, Some(0), "{report}");
    // Built from the role's own Ref (Sub or Join), it is that role.
    let (_, report) = json_report(&["template", "tests/templates/cfn-unnamed-role-by-its-ref.yaml"]);
    assert_eq!(
        role(&report, "AppRole")["functions"],
        serde_json::json!(["F", "G"]),
        "{report}"
    );
    // A function whose Properties are an Fn::If uses its role in either deployment.
    let (_, report) = json_report(&["template", "tests/templates/cfn-ifprops2.yaml"]);
    assert_eq!(
        ids(&role(&report, "R")["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{report}"
    );
}

#[test]
fn a_directory_is_searched_for_templates_by_content() {
    let dir = common::scratch().join(format!("trustcheck-dir-{}", std::process::id()));
    let template = |role: &str| {
        format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  {role}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: '*'}}\n            Action: sts:AssumeRole\n"
        )
    };
    for (path, text) in [
        ("stack.yaml", template("Top")),
        ("nested/more.yml", template("Nested")),
        ("nested/LEGACY.YAML", template("Capitals")),
        ("node_modules/pkg/template.yaml", template("Dependency")),
        ("cdk.out/App.template.json", template("Synthesized")),
        // `sam build` copies the templates beside it here.
        (".aws-sam/build/template.yaml", template("Built")),
        // SAM CLI in a virtualenv: its cookiecutter templates are no CloudFormation yet.
        (
            ".venv/lib/python3.11/site-packages/samcli/init/{{cookiecutter.project_name}}/template.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  {%- if cookiecutter.x %}\n".to_owned(),
        ),
        ("package.json", "{\"name\": \"app\"}".to_owned()),
        // The Serverless Framework nests CloudFormation under `resources:`: not a template.
        (
            "serverless.yml",
            "service: app\nresources:\n  Resources:\n    Queue:\n      Type: AWS::SQS::Queue\n".to_owned(),
        ),
        // Kubernetes manifests, one stream of documents that mentions CloudFormation: not a
        // template, and no reason to stop the scan.
        (
            "k8s/manifests.yml",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  note: Resources made by AWS::CloudFormation\n---\napiVersion: v1\nkind: Service\n".to_owned(),
        ),
        // A template followed by another document is one, and an error: never passed over.
        (
            "split/stack.yaml",
            format!("{}---\nResources: {{}}\n", template("Split")),
        ),
    ] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let split = dir.join("split/stack.yaml");
    let out = trustcheck(&["template", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("second YAML document"), "{}", stderr(&out));
    std::fs::remove_file(&split).unwrap();
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    let names = logical_ids(&report);
    assert_eq!(code, Some(1));
    assert_eq!(
        names,
        ["Capitals", "Nested", "Top"],
        "dependencies, build output and files that only mention CloudFormation are not searched"
    );
    // A CDK app's cdk.out passed over is noted, not passed over in silence; named too, it isn't.
    let cdk_out = dir.join("cdk.out");
    let noted = format!("{}: a CDK app's synthesized templates", cdk_out.display());
    assert!(report["notes"].to_string().contains(&noted), "{report:#}");
    let (_, both) = json_report(&["template", dir.to_str().unwrap(), cdk_out.to_str().unwrap()]);
    assert!(!both["notes"].to_string().contains(&noted), "{both:#}");
    assert!(logical_ids(&both).contains(&"Synthesized"), "{both:#}");
    // Pre-commit hands over every changed YAML file: one that isn't a template is left out.
    let out = trustcheck(&[
        "template",
        "--only-templates",
        dir.join("serverless.yml").to_str().unwrap(),
        dir.join("k8s/manifests.yml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Named explicitly, a skipped directory is searched; so is one a quoted glob names.
    let (_, report) = json_report(&["template", dir.join("cdk.out").to_str().unwrap()]);
    assert_eq!(report["roles"][0]["logical_id"], "Synthesized");
    let built = dir.join(".aws-sam/build/template.yaml");
    let (_, report) = json_report(&["template", built.to_str().unwrap()]);
    assert_eq!(logical_ids(&report), ["Built"]);
    let synthesized = format!("{}/**/cdk.out/*.template.json", dir.display());
    let (_, report) = json_report(&["template", &synthesized]);
    assert_eq!(logical_ids(&report), ["Synthesized"]);
    // A quoted glob, like a shell's, doesn't match dotfiles: a non-template among them would
    // otherwise stop the scan.
    std::fs::write(dir.join(".pre-commit-config.yaml"), "repos: []\n").unwrap();
    let every_yaml = format!("{}/**/*.yaml", dir.display());
    let (code, report) = json_report(&["template", &every_yaml]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Top"]);
    // Bracket expressions as a shell reads them, with --only-templates as a hook passes it.
    let bracketed = format!("{}/[r-t]*.yaml", dir.display());
    let (code, report) = json_report(&["template", "--only-templates", &bracketed]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(logical_ids(&report), ["Top"]);
    // A pattern that names no file is a mistyped gate: it fails the run, --only-templates or not.
    for only in [true, false] {
        let mistyped = format!("{}/[a-c]*.yaml", dir.display());
        let args: Vec<&str> = ["template", "--only-templates", &mistyped]
            .into_iter()
            .filter(|arg| only || *arg != "--only-templates")
            .collect();
        let out = trustcheck(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("no file matches this pattern"),
            "{}",
            stderr(&out)
        );
    }
    let out = trustcheck(&["terraform", "--only-plans", &format!("{}/[a-c]*.json", dir.display())]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no file matches this pattern"),
        "{}",
        stderr(&out)
    );
    // A pattern the CLI refuses (an unclosed bracket, which a shell would take as a `[`) says
    // where, in the whole pattern.
    let unclosed = format!("{}/*[.yaml", dir.display());
    let out = trustcheck(&["template", &unclosed]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let at = format!("(character {})", dir.display().to_string().len() + 3);
    assert!(
        stderr(&out).contains("not a pattern") && stderr(&out).contains(&at),
        "{}",
        stderr(&out)
    );
    let empty = dir.join("nested/empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = trustcheck(&["template", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no CloudFormation or SAM template found"),
        "{}",
        stderr(&out)
    );
    // A CDK project's root: its templates are in cdk.out, which the search skips; the error says so.
    let app = dir.join("cdkapp");
    std::fs::create_dir_all(app.join("cdk.out")).unwrap();
    std::fs::write(app.join("cdk.out/App.template.json"), template("App")).unwrap();
    let out = trustcheck(&["template", app.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a search skips cdk.out unless named: name it to scan what it holds"),
        "{}",
        stderr(&out)
    );
    // A template that isn't UTF-8 is found, and is an error: never passed over in silence.
    let latin1 = dir.join("nested/latin1.yaml");
    let mut bytes = template("Latin").into_bytes();
    bytes.extend(b"Description: caf\xe9\n");
    std::fs::write(&latin1, bytes).unwrap();
    let out = trustcheck(&["template", dir.join("nested").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("latin1.yaml"), "{}", stderr(&out));
    // A link to a directory is followed, once: a link to `.` adds nothing (it would list every
    // role again at each depth), and shared templates linked in are scanned.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", dir.join("nested/loop")).unwrap();
        std::fs::remove_file(&latin1).unwrap();
        let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{report}");
        assert_eq!(logical_ids(&report), ["Capitals", "Nested", "Top"]);
        let (_, report) = json_report(&["template", &every_yaml]);
        assert_eq!(logical_ids(&report), ["Top"]);
        // A hard link is the file it links: its roles are listed once.
        std::fs::hard_link(dir.join("nested/LEGACY.YAML"), dir.join("nested/again.yaml")).unwrap();
        let (_, report) = json_report(&["template", dir.to_str().unwrap()]);
        assert_eq!(logical_ids(&report), ["Capitals", "Nested", "Top"]);
        std::fs::remove_file(dir.join("nested/again.yaml")).unwrap();
        // Out of the repository too; not into the machine's own views (a link to `/dev/fd`
        // lists descriptors gone when read, which ended the scan).
        let repo = common::scratch().join(format!("trustcheck-repo-{}", std::process::id()));
        let outside = common::scratch().join(format!("trustcheck-outside-{}", std::process::id()));
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("common")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(repo.join("common/shared.yaml"), template("Shared")).unwrap();
        std::fs::write(outside.join("outside.yaml"), template("Outside")).unwrap();
        std::fs::create_dir_all(repo.join("infra")).unwrap();
        std::fs::write(repo.join("infra/own.yaml"), template("Own")).unwrap();
        std::os::unix::fs::symlink("../common", repo.join("infra/shared")).unwrap();
        std::os::unix::fs::symlink(&outside, repo.join("infra/elsewhere")).unwrap();
        std::os::unix::fs::symlink("/dev/fd", repo.join("infra/fds")).unwrap();
        // Nor to `/`, the whole machine; a link to a directory that holds the one searched
        // (`..`) is followed, each directory once.
        std::fs::write(repo.join("above.yaml"), template("Above")).unwrap();
        std::os::unix::fs::symlink("..", repo.join("infra/up")).unwrap();
        std::os::unix::fs::symlink("/", repo.join("infra/machine")).unwrap();
        let (code, report) = json_report(&["template", repo.join("infra").to_str().unwrap()]);
        std::fs::remove_dir_all(&repo).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
        assert_eq!(code, Some(1), "{report}");
        assert_eq!(logical_ids(&report), ["Outside", "Own", "Above", "Shared"], "{report}");
    }
    // So is a named file that is missing, even where only templates are read (pre-commit's way).
    let missing = dir.join("typo.yaml");
    let out = trustcheck(&["template", "--only-templates", missing.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("typo.yaml"), "{}", stderr(&out));
    // After `--`, a path that looks like an option is a path.
    let out = trustcheck(&["template", "--", "--fail-on=LOW.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fail-on=LOW.yaml"), "{}", stderr(&out));
}

/// A later baseline carries on what an earlier one accepted, told by `by`, not by a reason a
/// template's skip can write alike; and a wildcard accepted behind one organization is new
/// behind another.
#[test]
fn a_baseline_carries_on_only_its_own_and_sees_a_changed_guard() {
    let dir = fresh_dir("trustcheck-baseline-by");
    let template = dir.join("stack.yaml");
    let role = |metadata: &str| {
        format!("Resources:\n  R:\n    Type: AWS::IAM::Role\n{metadata}    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{AWS: 'arn:aws:iam::444455556666:root'}}, Action: 'sts:AssumeRole'}}\n")
    };
    let skip = "    Metadata:\n      trustcheck:\n        skip: [CROSS_ACCOUNT_UNCONDITIONED]\n        reason: accepted in the baseline review of Q3, SEC-42\n";
    std::fs::write(&template, role(skip)).unwrap();
    let path = template.to_str().unwrap();
    let before = trustcheck(&["template", path, "--format", "json"]);
    assert_eq!(before.status.code(), Some(0), "{}", stdout(&before));
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, &before.stdout).unwrap();
    // The skip removed: the finding counts again.
    std::fs::write(&template, role("")).unwrap();
    let out = trustcheck(&["template", path, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    let public = |org: &str| {
        format!("Resources:\n  P:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{AWS: '*'}}, Action: 'sts:AssumeRole', Condition: {{StringEquals: {{'aws:PrincipalOrgID': {org}}}}}}}\n")
    };
    std::fs::write(&template, public("o-abc123defg")).unwrap();
    let ours = trustcheck(&["template", path, "--format", "json"]);
    assert_eq!(ours.status.code(), Some(1), "{}", stdout(&ours));
    std::fs::write(&baseline, &ours.stdout).unwrap();
    let out = trustcheck(&["template", path, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    std::fs::write(&template, public("o-zzzz999999")).unwrap();
    let out = trustcheck(&["template", path, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("o-zzzz999999"), "{}", stdout(&out));
    // Likewise a guard written as a Deny of every other organization.
    let denied_but = |org: &str| {
        format!("Resources:\n  P:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{AWS: '*'}}, Action: 'sts:AssumeRole'}}\n          - {{Effect: Deny, Principal: {{AWS: '*'}}, Action: 'sts:AssumeRole', Condition: {{StringNotEquals: {{'aws:PrincipalOrgID': {org}}}}}}}\n")
    };
    std::fs::write(&template, denied_but("o-abc123defg")).unwrap();
    let ours = trustcheck(&["template", path, "--format", "json"]);
    assert_eq!(ours.status.code(), Some(1), "{}", stdout(&ours));
    std::fs::write(&baseline, &ours.stdout).unwrap();
    std::fs::write(&template, denied_but("o-zzzz999999")).unwrap();
    let out = trustcheck(&["template", path, "--baseline", baseline.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn a_baseline_accepts_todays_findings_and_fails_only_on_new_ones() {
    let dir = fresh_dir("trustcheck-baseline");
    let role_with = |name: &str, principal: &str| {
        format!("  {name}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {principal}, Action: 'sts:AssumeRole'}}\n")
    };
    let role_yaml = |name: &str| role_with(name, "{AWS: 'arn:aws:iam::444455556666:root'}");
    let template = dir.join("stack.yaml");
    std::fs::write(&template, format!("Resources:\n{}", role_yaml("Old"))).unwrap();
    let path = template.to_str().unwrap();
    let today = trustcheck(&["template", path, "--format", "json"]);
    assert_eq!(today.status.code(), Some(1));
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, &today.stdout).unwrap();
    let accepted = ["template", path, "--baseline", baseline.to_str().unwrap()];
    let (code, report) = json_report(&accepted);
    assert_eq!(code, Some(0), "{report:#}");
    let old = role(&report, "Old");
    assert_eq!(old["compliance"], "COMPLIANT");
    assert_eq!(ids(&old["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert!(old["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("accepted in the baseline"));
    // A new role with the same finding is new: it counts.
    std::fs::write(
        &template,
        format!("Resources:\n{}{}", role_yaml("Old"), role_yaml("New")),
    )
    .unwrap();
    let (code, report) = json_report(&accepted);
    assert_eq!(code, Some(1));
    assert_eq!(ids(&role(&report, "New")["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert!(
        !report["notes"].to_string().contains("no role of this scan has"),
        "{report:#}"
    );
    // Fixed, the accepted finding is gone: the baseline says it accepts what no role has, to be
    // written again before the finding can come back accepted.
    let fixed = role_with("Old", "{Service: ec2.amazonaws.com}");
    std::fs::write(&template, format!("Resources:\n{fixed}")).unwrap();
    let (code, report) = json_report(&accepted);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("accepts 1 finding(s) no role of this scan has any more (Old CROSS_ACCOUNT_UNCONDITIONED)"),
        "{report:#}"
    );
    // A CRITICAL finding a baseline lists it never accepted: gone, it is no stale entry.
    std::fs::write(&template, format!("Resources:\n{}", role_with("Pub", "{AWS: '*'}"))).unwrap();
    let public = dir.join("public-baseline.json");
    let listed = trustcheck(&["template", path, "--format", "json"]).stdout;
    assert_eq!(
        ids(&role(&serde_json::from_slice(&listed).unwrap(), "Pub")["findings"]),
        ["TRUST_PUBLIC"]
    );
    std::fs::write(&public, listed).unwrap();
    std::fs::write(
        &template,
        format!("Resources:\n{}", role_with("Pub", "{Service: ec2.amazonaws.com}")),
    )
    .unwrap();
    let (_, report) = json_report(&["template", path, "--baseline", public.to_str().unwrap()]);
    assert!(
        !report["notes"].to_string().contains("no role of this scan has"),
        "{report:#}"
    );
    // A finding of an accepted id about another statement and account of an accepted role is
    // new: it counts, and the accepted one stays accepted.
    let second =
        "          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::999988887777:root'}, Action: 'sts:AssumeRole'}\n";
    std::fs::write(&template, format!("Resources:\n{}{second}", role_yaml("Old"))).unwrap();
    let (code, report) = json_report(&accepted);
    assert_eq!(code, Some(1), "{report:#}");
    let old = role(&report, "Old");
    assert_eq!(ids(&old["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert!(
        old["findings"][0]["message"].as_str().unwrap().contains("999988887777"),
        "{old:#}"
    );
    assert_eq!(ids(&old["skipped"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    // A role judged as the worst of the deployments its conditions allow: which one is worst,
    // and so which account its finding names, may change with the baseline; by id, it stays
    // accepted run after run.
    let deployments = dir.join("deployments.yaml");
    std::fs::write(
        &deployments,
        "Parameters:\n  Env: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !If [IsProd, 'arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root']}\n            Action: sts:AssumeRole\n",
    )
    .unwrap();
    let deployments = deployments.to_str().unwrap();
    let mut previous = trustcheck(&["template", deployments, "--format", "json"]);
    assert_eq!(previous.status.code(), Some(1));
    for run in 0..2 {
        let file = dir.join(format!("deployments-baseline-{run}.json"));
        std::fs::write(&file, &previous.stdout).unwrap();
        let file = file.to_str().unwrap();
        previous = trustcheck(&["template", deployments, "--baseline", file, "--format", "json"]);
        assert_eq!(previous.status.code(), Some(0), "run {run}: {}", stdout(&previous));
    }
    // A role of another file with an accepted role's name is another role: its findings count.
    let other = dir.join("other.yaml");
    std::fs::write(&other, format!("Resources:\n{}", role_yaml("Old"))).unwrap();
    let other_path = other.to_str().unwrap();
    let out = trustcheck(&["template", other_path, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        !stdout(&out).contains("names no file of this scan"),
        "another file: {}",
        stdout(&out)
    );
    // The same file spelt otherwise (as from another directory): the baseline accepts nothing
    // there, and says why.
    let respelt = format!(
        "{}/../{}/stack.yaml",
        dir.to_str().unwrap(),
        dir.file_name().unwrap().to_str().unwrap()
    );
    let out = trustcheck(&["template", &respelt, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!(
            "the baseline {} names no file of this scan (it names {path})",
            baseline.to_str().unwrap()
        )),
        "{}",
        stdout(&out)
    );
    // A report of a run with the baseline, used as the next baseline, still accepts what it had
    // accepted (listed there as skipped).
    std::fs::write(&template, format!("Resources:\n{}", role_yaml("Old"))).unwrap();
    let next = dir.join("next-baseline.json");
    let run = trustcheck(&[
        "template",
        path,
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(0));
    std::fs::write(&next, &run.stdout).unwrap();
    let out = trustcheck(&["template", path, "--baseline", next.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A CRITICAL finding is never accepted, as no exemption hides one: it still fails the scan,
    // and a note says why (the HIGH one beside it is accepted).
    let open = dir.join("open.yaml");
    std::fs::write(&open, format!("Resources:\n{}", role_with("Open", "'*'"))).unwrap();
    let open_path = open.to_str().unwrap();
    let open_baseline = dir.join("open-baseline.json");
    std::fs::write(
        &open_baseline,
        trustcheck(&["template", open_path, "--format", "json"]).stdout,
    )
    .unwrap();
    let (code, report) = json_report(&["template", open_path, "--baseline", open_baseline.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let open_role = role(&report, "Open");
    assert_eq!(ids(&open_role["findings"]), ["TRUST_PUBLIC"]);
    assert_eq!(ids(&open_role["skipped"]), ["TRUST_POLICY_INVALID"]);
    assert!(
        open_role["notes"]
            .to_string()
            .contains("TRUST_PUBLIC is still reported although the baseline accepts it"),
        "{open_role:#}"
    );
    // Nor a document that can't be read: accepting it would accept whatever it becomes.
    let imported = dir.join("imported.yaml");
    std::fs::write(
        &imported,
        "Resources:\n  Imported:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: !ImportValue SharedTrust\n",
    )
    .unwrap();
    let imported_path = imported.to_str().unwrap();
    let imported_baseline = dir.join("imported-baseline.json");
    let first = trustcheck(&["template", imported_path, "--format", "json"]);
    assert_eq!(first.status.code(), Some(1), "{}", stdout(&first));
    std::fs::write(&imported_baseline, first.stdout).unwrap();
    let (code, report) = json_report(&[
        "template",
        imported_path,
        "--baseline",
        imported_baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(ids(&role(&report, "Imported")["findings"]), ["POLICY_UNPARSEABLE"]);
    // A baseline that isn't a scan report is an input error.
    let out = trustcheck(&["template", path, "--baseline", template.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn one_run_writes_every_format_asked_for() {
    let dir = fresh_dir("trustcheck-outputs");
    let (sarif, json) = (dir.join("report.sarif"), dir.join("report.json"));
    let out = trustcheck(&[
        "template",
        APP,
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("trustcheck: 7 role(s)"), "text on stdout");
    let alone = trustcheck(&["template", APP, "--format", "json"]);
    assert_eq!(
        std::fs::read(&json).unwrap(),
        alone.stdout,
        "the same JSON as --format json"
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    // One output that can't be written leaves the others as they were, not this run's beside
    // the last run's.
    std::fs::write(&json, "last run").unwrap();
    let unwritable = trustcheck(&[
        "template",
        APP,
        "--output",
        &format!("json={}", json.display()),
        "--output",
        "sarif=/nonexistent/dir/report.sarif",
    ]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(stderr(&unwritable).contains("cannot write /nonexistent/dir/report.sarif"));
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "last run");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no file this run created is left: {left:?}");
    // Written through the path as given: a link stays a link, its target gets the report.
    #[cfg(unix)]
    {
        let link = dir.join("linked.json");
        std::os::unix::fs::symlink(&json, &link).unwrap();
        let out = trustcheck(&["template", APP, "--output", &format!("json={}", link.display())]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&json).unwrap(), alone.stdout);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The roles' logical ids, in report order.
fn logical_ids(report: &Value) -> Vec<&str> {
    report["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["logical_id"].as_str().expect("a logical id"))
        .collect()
}

/// (source type, state, failing now) of each mapping a role's report says its trust stops.
fn stopped(role: &Value) -> Vec<(&str, &str, bool)> {
    role["stopped_mappings"]
        .as_array()
        .expect("stopped_mappings")
        .iter()
        .map(|m| {
            (
                m["source_type"].as_str().unwrap(),
                m["state"].as_str().unwrap(),
                m["failing_now"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_template_names_every_mapping_a_broken_trust_would_stop() {
    let args = [
        "template",
        "--account-id",
        "111122223333",
        "tests/templates/mappings.yaml",
    ];
    let (code, report) = json_report(&args);
    assert_eq!(code, Some(1));
    let consumer = role(&report, "ConsumerRole");
    // An enabled Kinesis mapping: records would expire, so CRITICAL.
    assert_eq!(consumer["findings"][0]["id"], "LAMBDA_TRUST_MISSING");
    assert_eq!(consumer["findings"][0]["severity"], "CRITICAL");
    assert_eq!(
        stopped(consumer),
        [
            // Whose records expire first (Kafka's and DocumentDB's too), then the rest.
            ("Kafka", "Enabled", false),
            ("Kinesis", "Enabled", false),
            ("DocumentDB", "Enabled", false),
            ("MSK", "Enabled", false),
            ("SQS", "Enabled", false),
            ("MQ", "Enabled", false),
            ("SQS FIFO", "Enabled", false),
            ("DynamoDB stream", "Disabled", false),
        ]
    );
    let mappings = consumer["stopped_mappings"].as_array().unwrap();
    assert_eq!(mappings[4]["source"], "arn:aws:sqs:us-east-1:111122223333:jobs");
    assert_eq!(
        mappings[7]["source"],
        "arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/*"
    );
    assert_eq!(mappings[6]["source"], "arn:aws:sqs:us-east-1:111122223333:orders.fifo");
    assert_eq!(
        mappings[6]["function"],
        "arn:aws:lambda:us-east-1:111122223333:function:orders-consumer"
    );
    assert!(mappings[0]["risk"].as_str().unwrap().contains("permanent loss"));
    let annotation = consumer["annotation"].as_str().unwrap();
    assert!(
        annotation.contains("stops: clicks-consumer reads Kafka b-1.kafka.example.com:9092: records expire"),
        "{annotation}"
    );
    // Text lists each; SARIF carries them on the Lambda finding.
    let text = stdout(&trustcheck(&args));
    assert!(text.contains("\n  stops: orders-consumer reads SQS FIFO orders.fifo: the message group blocks"));
    let sarif = stdout(&trustcheck(&[&args[..], &["--format", "sarif"]].concat()));
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let result = &log["runs"][0]["results"][0];
    // Raised by what it stops: under the rule of its own severity, which code scanning shows.
    assert_eq!(result["ruleId"], "LAMBDA_TRUST_MISSING/CRITICAL");
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["properties"]["security-severity"], "9.5");
    assert_eq!(result["properties"]["stoppedMappings"].as_array().unwrap().len(), 8);
}

#[test]
fn a_plan_names_the_mappings_by_reference_by_name_and_kafka() {
    let (code, report) = json_report(&[
        "terraform",
        "--account-id",
        "111122223333",
        "tests/terraform/mappings.json",
    ]);
    assert_eq!(code, Some(1));
    let consumer = role(&report, "aws_iam_role.consumer");
    assert_eq!(consumer["findings"][0]["severity"], "CRITICAL");
    assert_eq!(
        stopped(consumer),
        [
            ("Kinesis", "Enabled", false),
            ("DocumentDB", "Enabled", false),
            ("MSK", "Enabled", false),
            ("DynamoDB stream", "Enabled", false),
            ("SQS", "Enabled", false),
            ("MQ", "Enabled", false),
            ("SQS FIFO", "Enabled", false),
            ("Kafka", "Disabled", false),
        ]
    );
    let mappings = consumer["stopped_mappings"].as_array().unwrap();
    assert_eq!(
        mappings[0]["source"],
        "arn:aws:kinesis:us-east-1:111122223333:stream/clicks"
    );
    assert_eq!(
        mappings[7]["source"],
        "b-1.kafka.example.com:9092,b-2.kafka.example.com:9092"
    );
    assert_eq!(
        mappings[2]["source"],
        "arn:aws:kafka:us-east-1:111122223333:cluster/events/*"
    );
    assert_eq!(
        mappings[3]["source"],
        "arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/*"
    );
}

#[test]
fn an_account_reads_its_mappings_from_list_event_source_mappings() {
    let args = [
        "account",
        "--auth-details",
        AUTH,
        "--functions",
        FUNCTIONS,
        "--event-source-mappings",
        "tests/account/event-source-mappings.json",
    ];
    let (code, report) = json_report(&args);
    assert_eq!(code, Some(1));
    let edge = role(&report, "edge-only");
    // The queue's mapping is failing now and comes first; the stream's (on an alias) makes it CRITICAL.
    assert_eq!(stopped(edge), [("SQS", "Enabled", true), ("Kinesis", "Enabled", false)]);
    assert_eq!(edge["findings"][0]["severity"], "CRITICAL");
    assert!(edge["annotation"]
        .as_str()
        .unwrap()
        .contains("stops: edge-consumer reads SQS orders-queue (failing now)"));
    assert_eq!(
        role(&report, "orders-consumer")["stopped_mappings"],
        Value::Array(vec![])
    );
    // The mappings need the functions that tie them to roles.
    let out = trustcheck(&[
        "account",
        "--auth-details",
        AUTH,
        "--event-source-mappings",
        "tests/account/event-source-mappings.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--functions"), "{}", stderr(&out));
    // One page of a paginated listing is refused, not read in part: the API's markers and the
    // AWS CLI's NextToken (from --max-items), in each of the three files.
    let pages = [
        (
            6,
            r#"{"EventSourceMappings": [], "NextMarker": "abc"}"#,
            "NextMarker is set",
        ),
        (
            6,
            r#"{"EventSourceMappings": [], "NextToken": "abc"}"#,
            "NextToken is set",
        ),
        (4, r#"{"Functions": [], "NextMarker": "abc"}"#, "NextMarker is set"),
        (4, r#"{"Functions": [], "NextToken": "abc"}"#, "NextToken is set"),
        (
            2,
            r#"{"RoleDetailList": [], "IsTruncated": true, "Marker": "abc"}"#,
            "IsTruncated is set",
        ),
        (2, r#"{"RoleDetailList": [], "NextToken": "abc"}"#, "NextToken is set"),
    ];
    for (i, (position, text, expected)) in pages.into_iter().enumerate() {
        let page = common::scratch().join(format!("trustcheck-page-{}-{i}.json", std::process::id()));
        std::fs::write(&page, text).unwrap();
        let mut one_page = args;
        one_page[position] = page.to_str().unwrap();
        let out = trustcheck(&one_page);
        std::fs::remove_file(&page).unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(stderr(&out).contains(expected), "{text}: {}", stderr(&out));
        assert!(stderr(&out).contains("without --max-items"), "{}", stderr(&out));
    }
}

/// Files are mapped, not read; a pipe can't be, and is read. Both give the same report, and a
/// file that is not UTF-8 is an error naming it.
#[test]
fn an_account_file_is_read_mapped_or_through_a_pipe_alike() {
    let mapped = trustcheck(&["account", "--auth-details", AUTH, "--format", "json"]);
    let piped = common::trustcheck_with_stdin(
        &["account", "--auth-details", "/dev/stdin", "--format", "json"],
        &std::fs::read_to_string(AUTH).unwrap(),
    );
    assert_eq!(mapped.status.code(), Some(1), "{}", stderr(&mapped));
    assert_eq!(piped.status.code(), Some(1), "{}", stderr(&piped));
    let report = |out: &std::process::Output| {
        let mut report: Value = serde_json::from_str(&stdout(out)).unwrap();
        // Where each role was read from differs, and only that.
        for role in report["roles"].as_array_mut().unwrap() {
            role["source"] = Value::Null;
        }
        report
    };
    assert_eq!(report(&mapped), report(&piped));
    assert!(report(&mapped)["roles"].as_array().unwrap().len() > 3);

    let latin1 = common::scratch().join(format!("trustcheck-latin1-{}.json", std::process::id()));
    std::fs::write(&latin1, b"{\"RoleDetailList\": [], \"Note\": \"caf\xe9\"}").unwrap();
    let out = trustcheck(&["account", "--auth-details", latin1.to_str().unwrap()]);
    std::fs::remove_file(&latin1).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(latin1.to_str().unwrap()), "{}", stderr(&out));
    assert!(stderr(&out).contains("UTF-8"), "{}", stderr(&out));
}

#[test]
fn a_template_role_with_the_service_linked_path_is_judged() {
    // IAM refuses the path in CreateRole, so no template makes a service-linked role: its trust
    // is checked like any other, never waved through as AWS's.
    let dir = fresh_dir("trustcheck-slr-path");
    let template = dir.join("stack.yaml");
    std::fs::write(
        &template,
        "Resources:\n  Open:\n    Type: AWS::IAM::Role\n    Properties:\n      Path: /aws-service-role/x/\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: 'sts:AssumeRole'}\n",
    )
    .unwrap();
    let (code, report) = json_report(&["template", template.to_str().unwrap(), "--account-id", "111122223333"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    let open = role(&report, "Open");
    assert_eq!(open["compliance"], "NON_COMPLIANT");
    assert_eq!(ids(&open["findings"]), ["TRUST_PUBLIC"]);
}

#[test]
fn a_deployment_that_assumes_a_parameter_is_set_does_not_read_its_empty_default() {
    // AWS's GitHub OIDC sample: an existing provider's ARN, or none (the default "") and a new
    // provider. The way where the provider is not created reads the ARN given, not "".
    let dir = fresh_dir("trustcheck-optional");
    let path = dir.join("github-oidc-optional-provider.yaml");
    std::fs::write(
        &path,
        r#"Parameters:
  OIDCProviderArn: {Type: String, Default: ""}
  GitHubOrg: {Type: String}
  RepositoryName: {Type: String}
Conditions:
  CreateOIDCProvider: !Equals [!Ref OIDCProviderArn, ""]
Resources:
  GithubOidc:
    Type: AWS::IAM::OIDCProvider
    Condition: CreateOIDCProvider
    Properties: {Url: "https://token.actions.githubusercontent.com", ClientIdList: [sts.amazonaws.com]}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {Federated: !If [CreateOIDCProvider, !Ref GithubOidc, !Ref OIDCProviderArn]}
            Condition:
              StringEquals: {token.actions.githubusercontent.com:aud: sts.amazonaws.com}
              StringLike: {token.actions.githubusercontent.com:sub: !Sub "repo:${GitHubOrg}/${RepositoryName}:*"}
"#,
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let given = ["--parameter", "GitHubOrg=acme", "--parameter", "RepositoryName=app"];
    let mut args = vec!["template", path];
    args.extend(given);
    let (code, report) = json_report(&args);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        ids(&role(&report, "Role")["findings"]),
        Vec::<&str>::new(),
        "{report:#}"
    );
    // Still judged as written where the template says what the parameter is: a subject open to
    // every repository is found in both ways.
    let open = std::fs::read_to_string(path)
        .unwrap()
        .replace("repo:${GitHubOrg}/${RepositoryName}:*", "*");
    let open_path = dir.join("github-oidc-optional-provider-open.yaml");
    std::fs::write(&open_path, open).unwrap();
    let (code, report) = json_report(&["template", open_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "Role")["findings"]),
        ["TRUST_OIDC_UNSCOPED"],
        "{report:#}"
    );
}

#[test]
fn a_cdk_cfn_json_condition_is_read_as_the_json_it_holds() {
    // CDK's EKS `addServiceAccount` (IRSA): the condition's keys hold the cluster's issuer, a
    // token, so CDK writes them through a CfnJson custom resource.
    let dir = fresh_dir("trustcheck-cfnjson");
    let template = |sub: &str, operator: &str| {
        serde_json::json!({"Resources": {
            "Cluster": {"Type": "Custom::AWSCDK-EKS-Cluster", "Properties": {}},
            "ClusterOpenIdConnectProvider": {"Type": "Custom::AWSCDKOpenIdConnectProvider", "Properties": {}},
            "SAConditionJson": {"Type": "Custom::AWSCDKCfnJson", "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["CfnJsonProvider", "Arn"]},
                "Value": {"Fn::Join": ["", [
                    "{\"", {"Fn::GetAtt": ["Cluster", "OpenIdConnectIssuer"]}, ":aud\":\"sts.amazonaws.com\",\"",
                    {"Fn::GetAtt": ["Cluster", "OpenIdConnectIssuer"]}, format!(":sub\":\"{sub}\"}}")
                ]]}
            }},
            "SARole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {"Federated": {"Ref": "ClusterOpenIdConnectProvider"}},
                    "Condition": {operator: {"Fn::GetAtt": ["SAConditionJson", "Value"]}}
                }]
            }}}
        }})
        .to_string()
    };
    let scan = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        json_report(&["template", path.to_str().unwrap()])
    };
    let (code, report) = scan(
        "irsa.template.json",
        template("system:serviceaccount:default:app", "StringEquals"),
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        ids(&role(&report, "SARole")["findings"]),
        Vec::<&str>::new(),
        "{report:#}"
    );
    // CfnJson values that hold each other, twice each, forty deep (or themselves): each is read
    // once, so the scan ends, and a value that holds itself is opaque (fail closed).
    let mut chain: serde_json::Value =
        serde_json::from_str(&template("system:serviceaccount:default:app", "StringEquals")).unwrap();
    let resources = chain["Resources"].as_object_mut().unwrap();
    for i in 0..40 {
        let next = if i == 39 {
            "Loop0".to_owned()
        } else {
            format!("Loop{}", i + 1)
        };
        let get = serde_json::json!({"Fn::GetAtt": [next, "Value"]});
        resources.insert(
            format!("Loop{i}"),
            serde_json::json!({"Type": "Custom::AWSCDKCfnJson", "Properties": {"Value": {"Fn::Join": ["", [get.clone(), get]]}}}),
        );
    }
    resources["SARole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"] =
        serde_json::json!({"Fn::GetAtt": ["Loop0", "Value"]});
    let (code, report) = scan("irsa-loop.template.json", chain.to_string());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "SARole")["findings"]),
        ["POLICY_UNPARSEABLE"],
        "{report:#}"
    );
    // A chain of 5,000, each value the next one's: opaque past 64 deep, not a stack overflow.
    let resources = chain["Resources"].as_object_mut().unwrap();
    for i in 0..5000 {
        let value = serde_json::json!({"Fn::GetAtt": [format!("Link{}", i + 1), "Value"]});
        resources.insert(
            format!("Link{i}"),
            serde_json::json!({"Type": "Custom::AWSCDKCfnJson", "Properties": {"Value": value}}),
        );
    }
    resources["SARole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"] =
        serde_json::json!({"Fn::GetAtt": ["Link0", "Value"]});
    let (code, report) = scan("irsa-chain.template.json", chain.to_string());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "SARole")["findings"]),
        ["POLICY_UNPARSEABLE"],
        "{report:#}"
    );
    // Read, not waved through: every service account of the cluster is still found, as a bare
    // wildcard or as every subject a cluster signs (the issuer is not known to be EKS's here).
    for sub in ["*", "system:serviceaccount:*"] {
        let (code, report) = scan("irsa-open.template.json", template(sub, "StringLike"));
        assert_eq!(code, Some(1), "{sub}: {report:#}");
        assert_eq!(
            ids(&role(&report, "SARole")["findings"]),
            ["TRUST_OIDC_UNSCOPED"],
            "{sub}: {report:#}"
        );
    }
}

#[test]
fn a_role_another_stack_imports_for_its_function_is_a_lambda_role() {
    // CDK's cross-stack reference: the role's stack exports its ARN, the function's stack
    // imports it. Scanned together, the role is the function's execution role.
    let dir = fresh_dir("trustcheck-xstack");
    let shared = serde_json::json!({
        "Resources": {"SharedRole1A2B3C4D": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com"}
            }]}
        }}},
        "Outputs": {"ExportsOutputFnGetAttSharedRole1A2B3C4DArn5E6F7A8B": {
            "Value": {"Fn::GetAtt": ["SharedRole1A2B3C4D", "Arn"]},
            "Export": {"Name": "Shared:ExportsOutputFnGetAttSharedRole1A2B3C4DArn5E6F7A8B"}
        }}
    });
    let app = serde_json::json!({"Resources": {
        "Handler9A8B7C6D": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "orders",
            "Runtime": "python3.12", "Handler": "a.b", "Code": {"ZipFile": "x"},
            "Role": {"Fn::ImportValue": "Shared:ExportsOutputFnGetAttSharedRole1A2B3C4DArn5E6F7A8B"}
        }},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders"}},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "FunctionName": {"Ref": "Handler9A8B7C6D"}, "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]}
        }}
    }});
    let shared_path = dir.join("Shared.template.json");
    let app_path = dir.join("App.template.json");
    std::fs::write(&shared_path, shared.to_string()).unwrap();
    std::fs::write(&app_path, app.to_string()).unwrap();
    let (shared_path, app_path) = (shared_path.to_str().unwrap(), app_path.to_str().unwrap());
    let args = ["template", "--account-id", "111122223333"];
    let (code, report) = json_report(&[&args[..], &[shared_path, app_path]].concat());
    assert_eq!(code, Some(1), "{report:#}");
    let role = role(&report, "SharedRole1A2B3C4D");
    assert_eq!(
        role["functions"],
        serde_json::json!(["arn:aws:lambda:us-east-1:111122223333:function:orders"]),
        "{report:#}"
    );
    assert_eq!(
        ids(&role["findings"]),
        [
            "LAMBDA_TRUST_MISSING",
            "LAMBDA_ROLE_EXTRA_TRUST",
            "CONFUSED_DEPUTY_UNSCOPED"
        ],
        "{report:#}"
    );
    assert_eq!(role["stopped_mappings"].as_array().map(Vec::len), Some(1), "{report:#}");
    // Two stacks' functions with one logical id (CDK gives one construct path in two stacks the
    // same) and no name: the one name stands for both, and each one's sources count (the
    // Kinesis stream's makes the finding CRITICAL).
    let unnamed = |source: serde_json::Value| {
        serde_json::json!({"Resources": {
            "Handler9A8B7C6D": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "a.b", "Code": {"ZipFile": "x"},
                "Role": {"Fn::ImportValue": "Shared:ExportsOutputFnGetAttSharedRole1A2B3C4DArn5E6F7A8B"}
            }},
            "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": "Handler9A8B7C6D"}, "EventSourceArn": source, "StartingPosition": "LATEST"
            }}
        }})
        .to_string()
    };
    let queue_app = dir.join("QueueApp.template.json");
    let stream_app = dir.join("StreamApp.template.json");
    std::fs::write(&queue_app, unnamed("arn:aws:sqs:us-east-1:111122223333:orders".into())).unwrap();
    std::fs::write(
        &stream_app,
        unnamed("arn:aws:kinesis:us-east-1:111122223333:stream/clicks".into()),
    )
    .unwrap();
    let (queue_app, stream_app) = (queue_app.to_str().unwrap(), stream_app.to_str().unwrap());
    let (_, report) = json_report(&[&args[..], &[shared_path, queue_app, stream_app]].concat());
    let shared_role = common::role(&report, "SharedRole1A2B3C4D");
    assert_eq!(
        shared_role["stopped_mappings"].as_array().map(Vec::len),
        Some(2),
        "{report:#}"
    );
    assert_eq!(shared_role["findings"][0]["severity"], "CRITICAL", "{report:#}");
    // The importing template alone: the import is noted, not guessed.
    let (code, report) = json_report(&[&args[..], &[app_path]].concat());
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"].to_string().contains(
            "uses the role imported as Shared:ExportsOutputFnGetAttSharedRole1A2B3C4DArn5E6F7A8B, which no scanned template exports"
        ),
        "{report:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_role_a_parent_stack_passes_to_its_nested_stack_s_function_is_a_lambda_role() {
    // CDK's NestedStack: the parent passes its role's ARN as a parameter of the nested stack,
    // whose template cdk.out holds (the parent names its file in `aws:asset:path`).
    let dir = fresh_dir("trustcheck-nested-param");
    let nested_file = "ParentWorkersNestedStackWorkersNestedStackResource9C1D2E3F.nested.template.json";
    let parent = serde_json::json!({"Resources": {
        "SharedRole1A2B3C4D": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}
            }]}
        }},
        "WorkersNestedStackWorkersNestedStackResource9C1D2E3F": {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": "https://s3.us-east-1.amazonaws.com/cdk-assets/abc.json",
                "Parameters": {"referencetoParentSharedRole1A2B3C4DArn": {"Fn::GetAtt": ["SharedRole1A2B3C4D", "Arn"]}}
            },
            "Metadata": {"aws:asset:path": nested_file, "aws:asset:property": "TemplateURL"}
        }
    }});
    let nested = serde_json::json!({
        "Parameters": {"referencetoParentSharedRole1A2B3C4DArn": {"Type": "String"}},
        "Resources": {"Worker5E6F7A8B": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "worker", "Runtime": "python3.12", "Handler": "a.b", "Code": {"ZipFile": "x"},
            "Role": {"Ref": "referencetoParentSharedRole1A2B3C4DArn"}
        }}}
    });
    let parent_path = dir.join("Parent.template.json");
    let nested_path = dir.join(nested_file);
    std::fs::write(&parent_path, parent.to_string()).unwrap();
    std::fs::write(&nested_path, nested.to_string()).unwrap();
    let (parent_path, nested_path) = (parent_path.to_str().unwrap(), nested_path.to_str().unwrap());
    let args = ["template", "--account-id", "111122223333"];
    let (code, report) = json_report(&[&args[..], &[parent_path, nested_path]].concat());
    assert_eq!(code, Some(1), "{report:#}");
    let shared = role(&report, "SharedRole1A2B3C4D");
    assert_eq!(
        shared["functions"],
        serde_json::json!(["arn:aws:lambda:us-east-1:111122223333:function:worker"]),
        "{report:#}"
    );
    assert_eq!(ids(&shared["findings"])[0], "LAMBDA_TRUST_MISSING", "{report:#}");
    // The nested template alone: its parameter is noted, not guessed.
    let (code, report) = json_report(&[&args[..], &[nested_path]].concat());
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("uses the role its parameter referencetoParentSharedRole1A2B3C4DArn names"),
        "{report:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cdk_nested_stack_without_asset_metadata_is_found_through_the_asset_manifest() {
    // `cdk synth --no-asset-metadata` (and CDK's integration snapshots): no `aws:asset:path`; the
    // TemplateURL's object key names the nested template in `STACK.assets.json`.
    let dir = fresh_dir("trustcheck-nested-nometa");
    let nested_file = "ParentChild31ECC004.nested.template.json";
    let parent = serde_json::json!({"Resources": {
        "SharedRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "glue.amazonaws.com"}
            }]}
        }},
        "ChildNestedStackResource": {"Type": "AWS::CloudFormation::Stack", "Properties": {
            "TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"},
                "/", {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "/0a0396d7.json"]]},
            "Parameters": {"referencetoParentSharedRoleArn": {"Fn::GetAtt": ["SharedRole", "Arn"]}}
        }}
    }});
    let nested = serde_json::json!({
        "Parameters": {"referencetoParentSharedRoleArn": {"Type": "String"}},
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Role": {"Ref": "referencetoParentSharedRoleArn"}
        }}}
    });
    let assets = serde_json::json!({"version": "55.0.0", "files": {"0a0396d7": {
        "source": {"path": nested_file, "packaging": "file"},
        "destinations": {"current_account-current_region": {"objectKey": "0a0396d7.json"}}
    }}});
    std::fs::write(dir.join("Parent.template.json"), parent.to_string()).unwrap();
    std::fs::write(dir.join("Parent.assets.json"), assets.to_string()).unwrap();
    std::fs::write(dir.join(nested_file), nested.to_string()).unwrap();
    let (parent, nested) = (dir.join("Parent.template.json"), dir.join(nested_file));
    let (code, report) = json_report(&["template", parent.to_str().unwrap(), nested.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let shared = role(&report, "SharedRole");
    assert_eq!(shared["functions"], serde_json::json!(["Fn"]), "{report:#}");
    assert_eq!(ids(&shared["findings"])[0], "LAMBDA_TRUST_MISSING", "{report:#}");
    assert!(!report["notes"].to_string().contains("is a nested stack"), "{report:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_role_a_nested_stack_outputs_is_a_lambda_role_of_the_parent_s_and_a_sibling_s_functions() {
    // The role in one nested stack, read by the parent with `!GetAtt Iam.Outputs.RoleArn` for its
    // own function and passed on to a sibling nested stack's function.
    let dir = fresh_dir("trustcheck-nested-output");
    let iam = "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: apigateway.amazonaws.com}}\nOutputs:\n  RoleArn:\n    Value: !GetAtt AppRole.Arn\n";
    let compute = "Parameters:\n  RoleArn: {Type: String}\nResources:\n  Worker:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: worker\n      Role: !Ref RoleArn\n";
    // `Compute` is nested twice: once passed the output, once a role of the parent's own.
    let main = "Resources:\n  Iam:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./iam.yaml\n  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: api\n      Role: !GetAtt [Iam, Outputs.RoleArn]\n  Compute:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./compute.yaml\n      Parameters:\n        RoleArn: !GetAtt Iam.Outputs.RoleArn\n  Direct:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}\n  ComputeAgain:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./compute.yaml\n      Parameters:\n        RoleArn: !GetAtt Direct.Arn\n";
    for (name, text) in [("iam.yaml", iam), ("compute.yaml", compute), ("main.yaml", main)] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let (code, report) = json_report(&["template", "--account-id", "111122223333", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let app = role(&report, "AppRole");
    let account = "arn:aws:lambda:us-east-1:111122223333:function";
    assert_eq!(
        app["functions"],
        serde_json::json!([format!("{account}:worker"), format!("{account}:api")]),
        "{report:#}"
    );
    assert_eq!(ids(&app["findings"])[0], "LAMBDA_TRUST_MISSING", "{report:#}");
    let direct = role(&report, "Direct");
    assert_eq!(
        direct["functions"],
        serde_json::json!([format!("{account}:worker")]),
        "{report:#}"
    );
    assert_eq!(ids(&direct["findings"])[0], "LAMBDA_TRUST_MISSING", "{report:#}");
    // The parent alone reads its nested stacks' templates from disk, as they are local: the
    // same verdicts.
    let main = dir.join("main.yaml");
    let (code, report) = json_report(&["template", "--account-id", "111122223333", main.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "AppRole")["findings"])[0],
        "LAMBDA_TRUST_MISSING",
        "{report:#}"
    );
    assert!(
        report["notes"].to_string().contains("Iam, read from disk"),
        "{report:#}"
    );
    // Without them (the parent copied alone): the output's role is noted, not guessed.
    let alone = fresh_dir("trustcheck-nested-output-alone");
    std::fs::copy(&main, alone.join("main.yaml")).unwrap();
    let (code, report) = json_report(&["template", alone.join("main.yaml").to_str().unwrap()]);
    std::fs::remove_dir_all(&alone).unwrap();
    assert_eq!(code, Some(0), "{report:#}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("Api uses the role of the nested stack output RoleArn"),
        "{notes}"
    );
    // Not CDK's: no cdk.out to pass.
    assert!(notes.contains("Iam is a nested stack (AWS::CloudFormation::Stack): its roles are checked only if its template is scanned too (pass it too)"), "{notes}");
    // A stack set's template given by URL: noted, unless a template of that name is scanned too.
    let set = "Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties: {StackSetName: s, PermissionModel: SELF_MANAGED, TemplateURL: 'https://example.com/iam.yaml?versionId=1'}\n";
    std::fs::write(dir.join("set.yaml"), set).unwrap();
    let set_note = "Set is a stack set";
    let (_, alone) = json_report(&["template", dir.join("set.yaml").to_str().unwrap()]);
    assert!(alone["notes"].to_string().contains(set_note), "{alone:#}");
    let (_, both) = json_report(&[
        "template",
        dir.join("set.yaml").to_str().unwrap(),
        dir.join("iam.yaml").to_str().unwrap(),
    ]);
    assert!(!both["notes"].to_string().contains(set_note), "{both:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cdk_stack_pinned_to_an_account_is_judged_in_that_account() {
    // `cdk.out` of an app whose stack has `env: {account: '111122223333', region: 'eu-west-1'}`:
    // CDK writes the account out in the stack's own root principal.
    let dir = fresh_dir("trustcheck-cdk-env");
    let template = serde_json::json!({"Resources": {"AdminRole": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111122223333:root"]]}}
        }]}
    }}}});
    let path = dir.join("Prod.template.json");
    std::fs::write(&path, template.to_string()).unwrap();
    let path = path.to_str().unwrap();
    // Without the manifest: the stand-in account, so the account written out is another one.
    let (code, report) = json_report(&["template", path]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "AdminRole")["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"]
    );
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::json!({"version": "36.0.0", "artifacts": {"Prod": {
            "type": "aws:cloudformation:stack",
            "environment": "aws://111122223333/eu-west-1",
            "properties": {"templateFile": "Prod.template.json"}
        }}})
        .to_string(),
    )
    .unwrap();
    let (code, report) = json_report(&["template", path]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(ids(&role(&report, "AdminRole")["findings"]), Vec::<&str>::new());
    assert!(
        report["notes"]
            .to_string()
            .contains("account 111122223333 and region eu-west-1 from the stack's environment"),
        "{report:#}"
    );
    // --account-id still decides.
    let (code, _) = json_report(&["template", path, "--account-id", "123456789012"]);
    assert_eq!(code, Some(1));

    // A nested stack's template: not an artifact of its own, but a file asset of the stack that
    // deploys it, so it is deployed in that stack's account.
    let nested = dir.join("ProdNetworkNestedStackNetworkNestedStackResource1A2B3C4D.nested.template.json");
    std::fs::write(&nested, template.to_string()).unwrap();
    let nested = nested.to_str().unwrap();
    let (code, report) = json_report(&["template", nested]);
    assert_eq!(code, Some(1), "without the stack's assets it is not known: {report:#}");
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::json!({"version": "36.0.0", "artifacts": {
            "Prod.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Prod.assets.json"}},
            "Prod": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://111122223333/eu-west-1",
                "properties": {"templateFile": "Prod.template.json"},
                "dependencies": ["Prod.assets"]
            }
        }})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("Prod.assets.json"),
        serde_json::json!({"version": "36.0.0", "files": {"5f3a": {
            "source": {"path": "ProdNetworkNestedStackNetworkNestedStackResource1A2B3C4D.nested.template.json", "packaging": "file"},
            "destinations": {}
        }}})
        .to_string(),
    )
    .unwrap();
    let (code, report) = json_report(&["template", nested]);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("account 111122223333 and region eu-west-1"),
        "{report:#}"
    );
    // The manifests are inputs the scan reads: a report never overwrites them.
    for side in ["manifest.json", "Prod.assets.json"] {
        let before = std::fs::read_to_string(dir.join(side)).unwrap();
        let output = format!("json={}", dir.join(side).display());
        let out = trustcheck(&["template", "--output", &output, dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{side}");
        assert!(stderr(&out).contains("it is an input of this scan"), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(dir.join(side)).unwrap(), before, "{side}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_the_roles_a_deployment_creates_are_judged() {
    let dir = fresh_dir("trustcheck-deployed");
    let scan = |name: &str, text: &str, args: &[&str]| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let mut all = vec!["template", path.to_str().unwrap(), "--account-id", "111122223333"];
        all.extend(args);
        json_report(&all)
    };
    let logical_ids = |report: &Value| -> Vec<String> {
        (report["roles"].as_array().unwrap().iter())
            .map(|r| r["logical_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // A role whose `Condition` the given parameters make false is not deployed; undecided, it is
    // judged.
    let conditional = "Parameters:\n  Cross: {Type: String, Default: 'false'}\nConditions:\n  CrossAccount: !Equals [!Ref Cross, 'true']\nResources:\n  XRole:\n    Type: AWS::IAM::Role\n    Condition: CrossAccount\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::444455556666:root'}, Action: sts:AssumeRole}\n";
    let (code, report) = scan("conditional.yaml", conditional, &["--parameter", "Cross=false"]);
    assert_eq!((code, logical_ids(&report)), (Some(0), vec![]), "{report:#}");
    assert!(
        report["notes"].to_string().contains("XRole is not deployed"),
        "{report:#}"
    );
    let (code, report) = scan("conditional.yaml", conditional, &[]);
    assert_eq!((code, logical_ids(&report)), (Some(1), vec!["XRole".to_owned()]));

    // SAM generates a role only for a function without one (or down an `AWS::NoValue` branch):
    // not for `!If [C, !GetAtt Role.Arn, !Ref RoleArn]` whose parameter defaults to "".
    let chosen = "Transform: AWS::Serverless-2016-10-31\nParameters:\n  RoleArn: {Type: String, Default: ''}\nConditions:\n  CreateRole: !Equals [!Ref RoleArn, '']\nResources:\n  LambdaRole:\n    Type: AWS::IAM::Role\n    Condition: CreateRole\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: src/\n      Role: !If [CreateRole, !GetAtt LambdaRole.Arn, !Ref RoleArn]\n";
    let (code, report) = scan("chosen.yaml", chosen, &[]);
    assert_eq!(
        (code, logical_ids(&report)),
        (Some(0), vec!["LambdaRole".to_owned()]),
        "{report:#}"
    );

    // The `AWS::NoValue` branch is SAM's role only where the condition lets it be.
    let optional = "Transform: AWS::Serverless-2016-10-31\nParameters:\n  RoleArn: {Type: String, Default: ''}\nConditions:\n  HasRole: !Not [!Equals [!Ref RoleArn, '']]\nGlobals:\n  Function:\n    AssumeRolePolicyDocument:\n      Statement:\n        - {Effect: Allow, Principal: {Service: edgelambda.amazonaws.com}, Action: sts:AssumeRole}\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: src/\n      Role: !If [HasRole, !Ref RoleArn, !Ref AWS::NoValue]\n";
    let (code, report) = scan("optional.yaml", optional, &[]);
    assert_eq!(
        (code, logical_ids(&report)),
        (Some(1), vec!["FnRole".to_owned()]),
        "{report:#}"
    );
    let given = ["--parameter", "RoleArn=arn:aws:iam::111122223333:role/x"];
    let (code, report) = scan("optional.yaml", optional, &given);
    assert_eq!((code, logical_ids(&report)), (Some(0), vec![]), "{report:#}");
}

#[test]
fn a_role_no_edit_can_make_pass_gets_no_suggested_policy() {
    // `sam pipeline bootstrap`'s OIDC role: the provider and its subject are parameters.
    let (code, report) = template_report(
        "undetermined-provider.yaml",
        "Parameters:\n  ProviderUrl: {Type: String}\n  Subject: {Type: String}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Fn::Sub:\n          - '{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Federated\": \"arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/${Url}\"}, \"Action\": \"sts:AssumeRoleWithWebIdentity\", \"Condition\": {\"ForAllValues:StringLike\": {\"${Url}:sub\": \"${Subject}\"}}}]}'\n          - Url: !Select [1, !Split ['//', !Ref ProviderUrl]]\n",
    );
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["TRUST_OIDC_UNSCOPED"]);
    let message = r["findings"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "statement 0 trusts an identity provider the template or plan leaves undetermined \
         (UNRESOLVED(Ref ProviderUrl.1)): no condition scopes its identities whichever it is"
    );
    // The unchanged policy, which still fails, is not offered as the fix.
    assert!(r.get("suggested_policy").is_none_or(Value::is_null), "{r:#}");
    // Nor one that scopes a key no provider has (`UNRESOLVED(Ref P):sub`).
    let (_, report) = template_report(
        "provider-parameter.yaml",
        "Parameters:\n  P: {Type: String}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Federated: !Ref P}, Action: sts:AssumeRoleWithWebIdentity}\n",
    );
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["TRUST_OIDC_UNSCOPED"]);
    assert!(r.get("suggested_policy").is_none_or(Value::is_null), "{r:#}");
}

#[test]
fn a_module_s_own_provider_with_a_computed_region_is_not_the_root_s() {
    // `module.eu:aws` with `region = var.region`, which the module call sets to "eu-west-1":
    // not the root provider's us-east-1, and not --region's either.
    let plan = "tests/terraform/module-provider-region.json";
    for args in [&["terraform", plan][..], &["terraform", plan, "--region", "ap-south-1"]] {
        let (code, report) = json_report(args);
        assert_eq!(code, Some(0), "{report:#}");
        let r = role(&report, "module.eu.aws_iam_role.fn");
        assert!(r["functions"][0].as_str().unwrap().contains(":eu-west-1:"), "{r:#}");
    }
}

#[test]
fn a_subject_left_to_a_parameter_is_named_as_such() {
    let template = "Parameters:\n  Subject: {Type: String}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Federated: !Sub 'arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com'}\n            Action: sts:AssumeRoleWithWebIdentity\n            Condition:\n              StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n                token.actions.githubusercontent.com:sub: !Ref Subject\n";
    let (code, report) = template_report("subject-parameter.yaml", template);
    assert_eq!(code, Some(1), "{report:#}");
    let finding = &role(&report, "R")["findings"][0];
    assert_eq!(finding["id"], "TRUST_OIDC_UNSCOPED");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("is UNRESOLVED(Ref Subject), a template parameter"),
        "{message}"
    );
    // Given, it is judged as what it is.
    let dir = common::scratch().join(format!("trustcheck-{}", std::process::id()));
    let path = dir.join("subject-parameter.yaml");
    let given = "Subject=repo:acme/app:ref:refs/heads/main";
    let (code, report) = json_report(&["template", path.to_str().unwrap(), "--parameter", given]);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn a_mapping_whose_stream_is_known_only_after_apply_is_judged_as_a_stream() {
    // `event_source_arn = local.stream_arn` with a starting position: a stream, whose records may
    // expire, though the plan doesn't name it yet.
    let (code, report) = json_report(&["terraform", "tests/terraform/unnamed-stream.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "module.fn.aws_iam_role.lambda[0]");
    assert_eq!(r["findings"][0]["severity"], "CRITICAL", "{r:#}");
    let unnamed = (r["stopped_mappings"].as_array().unwrap().iter())
        .find(|m| m["source"] == "(known after apply)")
        .unwrap_or_else(|| panic!("{r:#}"));
    assert_eq!(unnamed["source_type"], "stream");
    assert!(unnamed["risk"].as_str().unwrap().contains("permanent loss"));
}

#[test]
fn a_plan_s_functions_are_in_the_region_its_provider_sets() {
    // provider "aws" { region = "eu-west-1" }: the function's ARN, which the role's
    // aws:SourceArn names, is eu-west-1's, whatever --region's default.
    let (code, report) = json_report(&["terraform", "tests/terraform/provider-region.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    let r = role(&report, "aws_iam_role.fn");
    assert_eq!(
        r["functions"][0],
        "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    );
    assert_eq!(r["findings"], Value::Array(vec![]));
}

#[test]
fn a_plan_s_role_is_in_the_partition_its_provider_s_region_says() {
    // provider "aws" { region = "us-gov-west-1" }: a GovCloud role may trust a GovCloud account,
    // and no account of the commercial partition, whatever --region's default.
    let plan = "tests/terraform/govcloud-provider.json";
    let (code, report) = json_report(&["terraform", plan]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(role(&report, "aws_iam_role.r")["findings"], Value::Array(vec![]));
    let text = std::fs::read_to_string(plan)
        .unwrap()
        .replace("arn:aws-us-gov:iam::444455556666", "arn:aws:iam::444455556666");
    let dir = common::scratch().join(format!("trustcheck-gov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let commercial = dir.join("commercial-principal.json");
    std::fs::write(&commercial, text).unwrap();
    let (code, report) = json_report(&["terraform", commercial.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let finding = &role(&report, "aws_iam_role.r")["findings"][0];
    assert_eq!(finding["id"], "TRUST_POLICY_INVALID");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("the role is in aws-us-gov"),
        "{finding:#}"
    );
}

#[test]
fn an_oidc_provider_url_with_a_trailing_slash_keeps_it_in_its_arn_and_keys() {
    // Auth0's issuer ends in `/`: IAM names the provider, and its keys, with it. Kept to an
    // audience only, any user of the tenant gets in; kept to a subject, nobody else.
    let template = "Resources:\n  Auth0:\n    Type: AWS::IAM::OIDCProvider\n    Properties:\n      Url: https://acme.us.auth0.com/\n      ClientIdList: [xRFzU2bj7Lrbo3875aXwyxIArdkq1AOT]\n  AudOnly:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Federated: !Ref Auth0}\n            Action: sts:AssumeRoleWithWebIdentity\n            Condition: {StringEquals: {'acme.us.auth0.com/:aud': xRFzU2bj7Lrbo3875aXwyxIArdkq1AOT}}\n  Subject:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Federated: !GetAtt Auth0.Arn}\n            Action: sts:AssumeRoleWithWebIdentity\n            Condition: {StringEquals: {'acme.us.auth0.com/:aud': xRFzU2bj7Lrbo3875aXwyxIArdkq1AOT, 'acme.us.auth0.com/:sub': 'auth0|deployer'}}\n";
    let (code, report) = template_report("auth0-slash.yaml", template);
    assert_eq!(code, Some(1), "{report:#}");
    let ids = |name: &str| -> Vec<String> {
        (role(&report, name)["findings"].as_array().unwrap().iter())
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("AudOnly"), ["TRUST_OIDC_UNSCOPED"], "{report:#}");
    assert_eq!(ids("Subject"), Vec::<String>::new(), "{report:#}");
}

#[test]
fn a_plan_s_escaped_character_past_latin_1_reaches_iam_as_itself() {
    // The AWS provider reads the document and writes it again: `\u2014` is sent as `—`.
    let (code, report) = json_report(&[
        "terraform",
        "tests/terraform/escaped-character-past-latin-1.json",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    let finding = &role(&report, "aws_iam_role.r")["findings"][0];
    assert_eq!(finding["id"], "TRUST_POLICY_INVALID");
    assert!(finding["message"].as_str().unwrap().contains("U+2014"), "{finding:#}");
}

#[test]
fn a_template_without_its_region_judges_no_principal_by_its_partition() {
    let template = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: 'arn:aws-cn:iam::444455556666:root'}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {sts:ExternalId: vendor-1}}\n";
    let (code, report) = template_report("china-principal.yaml", template);
    assert_eq!(code, Some(0), "the partition is not known: {report:#}");
    let dir = common::scratch().join(format!("trustcheck-{}", std::process::id()));
    let path = dir.join("china-principal.yaml");
    let path = path.to_str().unwrap();
    let (code, report) = json_report(&["template", path, "--region", "cn-north-1"]);
    assert_eq!(code, Some(0), "{report:#}");
    let (code, report) = json_report(&["template", path, "--region", "us-east-1"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(role(&report, "R")["findings"][0]["id"], "TRUST_POLICY_INVALID");
}

#[test]
fn an_exempt_pattern_that_cant_match_a_role_without_an_arn_says_so() {
    let plan = "tests/terraform/no-account-exempt-pattern.json";
    let params = r#"{"exemptRoleArnPatterns":"arn:aws:iam::*:role/legacy-*"}"#;
    let (code, report) = json_report(&["terraform", "--params", params, plan]);
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "aws_iam_role.legacy");
    assert!(
        r["notes"]
            .to_string()
            .contains("exemptRoleArnPatterns can't match this role"),
        "{r:#}"
    );
    // A template's roles get the stand-in account's ARN: said too.
    let (_, report) = template_report(
        "stand-in-exempt.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n",
    );
    assert!(role(&report, "R")["notes"].as_array().unwrap().is_empty());
    let path = common::scratch()
        .join(format!("trustcheck-{}", std::process::id()))
        .join("stand-in-exempt.yaml");
    let (_, report) = json_report(&["template", "--params", params, path.to_str().unwrap()]);
    assert!(
        role(&report, "R")["notes"]
            .to_string()
            .contains("in the stand-in account 123456789012"),
        "{report:#}"
    );
    // With the account, the pattern matches and the role is exempt.
    let (code, report) = json_report(&["terraform", "--params", params, "--account-id", "111122223333", plan]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(role(&report, "aws_iam_role.legacy")["compliance"], "NOT_APPLICABLE");
    // The account given, a name known only after apply: the name is what is missing.
    let unknown_name = "tests/terraform/unknown-name-exempt-pattern.json";
    let every = r#"{"exemptRoleArnPatterns":"arn:aws:iam::111122223333:role/*"}"#;
    let (_, report) = json_report(&[
        "terraform",
        "--params",
        every,
        "--account-id",
        "111122223333",
        unknown_name,
    ]);
    let notes = report["roles"][0]["notes"].to_string();
    assert!(
        notes.contains("its name is known only once it is created"),
        "{report:#}"
    );
    assert!(!notes.contains("pass --account-id"), "{report:#}");
}

#[test]
fn a_module_output_read_with_a_key_names_that_instance() {
    // `role = module.iam_roles.arns["lambda"]`, the output a map over a `for_each` role: the
    // ECS role beside it is not the function's.
    let (code, report) = json_report(&["terraform", "tests/terraform/module-output-map.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    let lambda = role(&report, r#"module.iam_roles.aws_iam_role.this["lambda"]"#);
    assert_eq!(lambda["functions"].as_array().map(Vec::len), Some(1), "{lambda:#}");
    let ecs = role(&report, r#"module.iam_roles.aws_iam_role.this["ecs"]"#);
    assert_eq!(ecs["functions"], Value::Array(vec![]), "{ecs:#}");
    assert_eq!(ecs["findings"], Value::Array(vec![]), "{ecs:#}");
    // A map that also reads a variable may key its entries otherwise
    // (`k => aws_iam_role.this[v.role].arn`): every instance, failing loudly.
    let (code, report) = json_report(&["terraform", "tests/terraform/module-output-map-by-variable.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let ecs = role(&report, r#"module.iam_roles.aws_iam_role.this["ecs"]"#);
    assert_eq!(ecs["functions"].as_array().map(Vec::len), Some(1), "{ecs:#}");
    // Read at a key computed from the function's own (`module.roles.arns[each.key]`, or
    // `["${each.key}-exec"]`: the plan lists the same references for both): every instance of
    // the map, and a note says the function's role is one of them.
    for plan in [
        "tests/terraform/module-output-map-by-each-key.json",
        "tests/terraform/module-output-map-by-each-key-in-a-module.json",
    ] {
        let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
        assert_eq!(code, Some(1), "{plan}: {report:#}");
        let ci = role(&report, r#"module.roles.aws_iam_role.this["ci"]"#);
        assert_eq!(ci["functions"].as_array().map(Vec::len), Some(1), "{plan}: {ci:#}");
        assert!(
            report["notes"].to_string().contains("its role is one of"),
            "{plan}: {report:#}"
        );
    }
}

#[test]
fn a_for_each_function_s_role_by_each_key_is_the_role_of_its_own_key() {
    // `role = aws_iam_role.svc[each.key].arn`: fn["api"] uses svc["api"], not svc["web"] (ECS's).
    let (code, report) = json_report(&["terraform", "tests/terraform/for-each-each-key.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    let web = role(&report, r#"aws_iam_role.svc["web"]"#);
    assert_eq!(web["functions"], Value::Array(vec![]), "{web:#}");
    let api = role(&report, r#"aws_iam_role.svc["api"]"#);
    assert_eq!(api["functions"].as_array().map(Vec::len), Some(1), "{api:#}");
}

#[test]
fn a_document_by_each_value_is_the_instance_the_value_names() {
    // `assume_role_policy = data.aws_iam_policy_document.trust[each.value].json`, the documents
    // `internal` (a role of the plan) and `public` ("*"), known only after apply. Terraform 1.11
    // with the AWS provider 5.100 wrote the plan.
    let (code, report) = json_report(&["terraform", "tests/terraform/for-each-each-value.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let judged = |address: &str| {
        let role = role(&report, address);
        (role["compliance"].as_str().unwrap().to_owned(), ids(&role["findings"]))
    };
    let public = ("NON_COMPLIANT".to_owned(), vec!["TRUST_PUBLIC"]);
    let internal = ("COMPLIANT".to_owned(), Vec::<&str>::new());
    // `for_each = {internal = "public", public = "internal"}`: each role reads the other key's
    // document, not its own.
    assert_eq!(judged(r#"aws_iam_role.swapped["internal"]"#), public);
    assert_eq!(judged(r#"aws_iam_role.swapped["public"]"#), internal);
    // A set variable: each.value is the key.
    assert_eq!(judged(r#"aws_iam_role.by_set["public"]"#), public);
    assert_eq!(judged(r#"aws_iam_role.by_set["internal"]"#), internal);
    // A map variable, as planned: the value at the role's key.
    assert_eq!(judged(r#"aws_iam_role.by_map["web"]"#), public);
    assert_eq!(judged(r#"aws_iam_role.by_map["api"]"#), internal);
    // A local the plan doesn't show: which document is unknown, and the role fails closed.
    let hidden = role(&report, r#"aws_iam_role.by_local["x"]"#);
    assert_eq!(ids(&hidden["findings"]), ["POLICY_UNPARSEABLE"], "{hidden:#}");
}

#[test]
fn a_mapping_whose_function_the_plan_cant_trace_is_noted_not_dropped() {
    // `function_name = local.fn_arn`: a plan has no locals' expressions.
    let (code, report) = json_report(&["terraform", "tests/terraform/mapping-function-through-local.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("aws_lambda_event_source_mapping.m: its function_name is known only after apply"),
        "{report:#}"
    );
}

#[test]
fn a_for_each_module_s_role_by_each_key_is_the_role_of_its_own_key() {
    // `module "fn" { for_each = …; role_arn = aws_iam_role.r[each.key].arn }`: the function of
    // module.fn["a"] uses r["a"] (its trust pinned to fn-a), not r["b"] as well.
    let (code, report) = json_report(&["terraform", "tests/terraform/module-for-each-each-key.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    for key in ["a", "b"] {
        let own = role(&report, &format!(r#"aws_iam_role.r["{key}"]"#));
        assert_eq!(own["functions"], serde_json::json!([format!("fn-{key}")]), "{own:#}");
    }
}

#[test]
fn a_mapping_on_an_alias_or_version_stops_its_function() {
    // The stream is read through an alias (as CodeDeploy and SAM's AutoPublishAlias attach it):
    // a broken trust stops it, CRITICAL, as for a mapping on the function itself.
    let template = |function_name: &str| {
        format!(
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  BadRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: edgelambda.amazonaws.com}}\n            Action: sts:AssumeRole\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {{ShardCount: 1}}\n  F1:\n    Type: AWS::Lambda::Function\n    Properties: {{FunctionName: orders, Runtime: python3.12, Handler: index.handler, Code: {{ZipFile: x}}, Role: !GetAtt BadRole.Arn}}\n  F1Version:\n    Type: AWS::Lambda::Version\n    Properties: {{FunctionName: !Ref F1}}\n  F1Alias:\n    Type: AWS::Lambda::Alias\n    Properties: {{FunctionName: !Ref F1, FunctionVersion: !GetAtt F1Version.Version, Name: live}}\n  F2:\n    Type: AWS::Serverless::Function\n    Properties: {{Runtime: python3.12, Handler: index.handler, InlineCode: x, AutoPublishAlias: live, Role: !GetAtt BadRole.Arn}}\n  Esm:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: {function_name}\n      EventSourceArn: !GetAtt Stream.Arn\n      StartingPosition: LATEST\n"
        )
    };
    for function_name in [
        "!Ref F1Alias",
        "!Ref F1Version",
        "!Ref F2.Alias",
        "!Ref F2.Version",
        "orders:live",
        "'arn:aws:lambda:us-east-1:123456789012:function:orders:live'",
        "'123456789012:function:orders:live'",
    ] {
        let (code, report) = template_report("alias-mapping.yaml", &template(function_name));
        assert_eq!(code, Some(1), "{function_name}: {report:#}");
        let r = role(&report, "BadRole");
        assert_eq!(r["findings"][0]["severity"], "CRITICAL", "{function_name}: {r:#}");
        assert_eq!(
            r["stopped_mappings"].as_array().map(Vec::len),
            Some(1),
            "{function_name}: {r:#}"
        );
    }
}

#[test]
fn a_trust_naming_a_function_of_another_region_asks_for_the_region() {
    let template = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition: {ArnLike: {aws:SourceArn: 'arn:aws:lambda:eu-west-1:123456789012:function:myfn'}}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {FunctionName: myfn, Runtime: python3.12, Handler: index.handler, Code: {ZipFile: x}, Role: !GetAtt R.Arn}\n";
    // The one region the trust names its functions in stands in: the pin reads as written.
    let (code, report) = template_report("other-region.yaml", template);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"].to_string().contains(
            "the region is not given: eu-west-1, the one its trust policies name Lambda functions in, stands in for it"
        ),
        "{report:#}"
    );
    // Two regions named: the default stands in, and the function pinned to neither is said so.
    let two = template.replace(
        "'arn:aws:lambda:eu-west-1:123456789012:function:myfn'",
        "['arn:aws:lambda:eu-west-1:123456789012:function:myfn', 'arn:aws:lambda:eu-central-1:123456789012:function:myfn']",
    );
    let (code, report) = template_report("two-regions.yaml", &two);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("the region is not given: us-east-1 stands in for it"),
        "{report:#}"
    );
    let path = common::scratch()
        .join(format!("trustcheck-{}", std::process::id()))
        .join("other-region.yaml");
    let (code, report) = json_report(&["template", path.to_str().unwrap(), "--region", "eu-west-1"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        !report["notes"].to_string().contains("the region is not given"),
        "{report:#}"
    );
    // A region left to the template or a wildcard names no other region; SAM's generated role's
    // trust is read too.
    for (name, text) in [
        (
            "own-region.yaml",
            template
                .replace("eu-west-1", "${AWS::Region}")
                .replace("'arn:", "!Sub 'arn:"),
        ),
        ("any-region.yaml", template.replace("eu-west-1", "*")),
    ] {
        let (_, report) = template_report(name, &text);
        assert!(
            !report["notes"].to_string().contains("the region is not given"),
            "{name}: {report:#}"
        );
    }
    let sam = "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: myfn\n      Runtime: python3.12\n      Handler: index.handler\n      InlineCode: x\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition: {ArnLike: {aws:SourceArn: 'arn:aws:lambda:eu-west-1:123456789012:function:myfn'}}\n";
    let (_, report) = template_report("sam-other-region.yaml", sam);
    assert!(
        report["notes"].to_string().contains("the region is not given"),
        "{report:#}"
    );
}

#[test]
fn a_condition_true_for_some_values_of_a_parameter_holds_only_with_them() {
    // Datadog's integration template: IsGov is `!Or` of Site = gov, Site = gov2; the row read by
    // the default site (NOT_APPLICABLE as its GovCloud account) is no deployment with IsGov true.
    let (code, report) = json_report(&[
        "template",
        "tests/templates/or-condition-site.yaml",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(role(&report, "R")["findings"], Value::Array(vec![]), "{report:#}");
}

#[test]
fn a_nested_stack_s_note_goes_once_its_template_is_read() {
    let dir = fresh_dir("trustcheck-nested-note");
    let parent = dir.join("parent.yaml");
    std::fs::write(
        &parent,
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Child:\n    Type: AWS::Serverless::Application\n    Properties: {Location: ./child.yaml}\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: https://example.com/templates/network.yaml}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("child.yaml"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n",
    )
    .unwrap();
    let nested_notes = |report: &Value| -> Vec<String> {
        (report["notes"].as_array().unwrap().iter())
            .filter_map(Value::as_str)
            .filter(|n| n.contains("is a nested stack"))
            .map(str::to_owned)
            .collect()
    };
    // The parent alone reads child.yaml from disk (a local path), not the network stack's URL:
    // only that one's note stays; so with the directory.
    for given in [&parent, &dir] {
        let (_, report) = json_report(&["template", given.to_str().unwrap()]);
        let notes = nested_notes(&report);
        assert_eq!(notes.len(), 1, "{report:#}");
        assert!(notes[0].contains("Net is a nested stack"), "{notes:?}");
        assert!(role(&report, "R").is_object(), "{report:#}");
    }
    // Without child.yaml on disk, its note stays too.
    std::fs::remove_file(dir.join("child.yaml")).unwrap();
    let (_, report) = json_report(&["template", parent.to_str().unwrap()]);
    assert_eq!(nested_notes(&report).len(), 2, "{report:#}");
}

#[test]
fn continuation_lines_that_sam_reads_at_their_key_s_column_are_read() {
    // As aws-samples/serverless-patterns writes them (lambda-iot-sam, activemq-private-lambda-java-sam):
    // PyYAML, and so `sam deploy`, reads them; YAML 1.2 refuses them.
    let (code, report) = template_report(
        "pyyaml-indentation.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Open:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns: [\n      \"arn:aws:iam::aws:policy/ReadOnlyAccess\"]\n      AssumeRolePolicyDocument: {\n        \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"},\n        \"Action\": \"sts:AssumeRole\"}]\n      }\n      Policies:\n        - PolicyName: logs\n          PolicyDocument: !Sub '{\n              \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"logs:*\", \"Resource\": \"*\"}]\n          }'\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      InlineCode: x\n",
    );
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "Open")["findings"]), ["TRUST_PUBLIC"], "{report}");
    assert_eq!(role(&report, "FnRole")["compliance"], "COMPLIANT", "{report}");
}

#[test]
fn a_parameter_s_allowed_values_name_the_function_and_its_trust_alike() {
    let template = |pinned: &str| {
        format!("Parameters:\n  Env:\n    Type: String\n    Default: dev\n    AllowedValues: [dev, staging, prod]\nResources:\n  OrdersRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n            Condition:\n              ArnLike:\n                aws:SourceArn: !Sub \"arn:aws:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{pinned}\"\n  Orders:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: !Sub \"orders-${{Env}}\"\n      Role: !GetAtt OrdersRole.Arn\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {{ZipFile: x}}\n")
    };
    // Each deployment names the function and pins the trust with the same value.
    let (code, report) = template_report("env-pinned.yaml", &template("orders-${Env}"));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "OrdersRole")["compliance"], "COMPLIANT", "{report}");
    // A pin that misses the function in one deployment is found in that one, with its function.
    let (code, report) = template_report("env-pinned-prod.yaml", &template("orders-prod"));
    assert_eq!(code, Some(1), "{report}");
    let orders = role(&report, "OrdersRole");
    assert_eq!(ids(&orders["findings"]), ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{report}");
    let message = orders["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("used by orders-dev") || message.contains("used by orders-staging"),
        "{message}"
    );
}

#[test]
fn a_stream_consumer_or_a_source_left_to_a_parameter_is_a_stream_whose_records_expire() {
    let template = |source: &str| {
        format!("Parameters:\n  StreamArn:\n    Type: String\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: ec2.amazonaws.com}}\n            Action: sts:AssumeRole\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: fn\n      Role: !GetAtt R.Arn\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {{ZipFile: x}}\n  K:\n    Type: AWS::Kinesis::Stream\n    Properties: {{ShardCount: 1}}\n  C:\n    Type: AWS::Kinesis::StreamConsumer\n    Properties:\n      ConsumerName: c\n      StreamARN: !GetAtt K.Arn\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: !Ref F\n      EventSourceArn: {source}\n      StartingPosition: LATEST\n")
    };
    for (source, reads) in [
        ("!GetAtt C.ConsumerARN", "reads Kinesis K"),
        ("!Ref StreamArn", "reads stream"),
    ] {
        let (code, report) = template_report("consumer.yaml", &template(source));
        assert_eq!(code, Some(1), "{report}");
        let finding = &role(&report, "R")["findings"][0];
        assert_eq!(finding["id"], "LAMBDA_TRUST_MISSING", "{report}");
        assert_eq!(finding["severity"], "CRITICAL", "{source}: {report}");
        assert!(finding["message"].as_str().unwrap().contains(reads), "{report}");
    }
}

#[test]
fn an_import_named_after_a_stack_parameter_finds_the_export_named_after_its_stack() {
    // AWS's cross-stack walkthrough: the export is `${AWS::StackName}-…`, the importer is told
    // the stack's name by a parameter.
    let dir = fresh_dir("trustcheck-stack-named-export");
    std::fs::write(
        dir.join("roles.yaml"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\nOutputs:\n  O:\n    Value: !GetAtt R.Arn\n    Export: {Name: !Sub \"${AWS::StackName}-RoleArn\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.yaml"),
        "Parameters:\n  RolesStackName: {Type: String, Default: roles}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role:\n        Fn::ImportValue: !Sub \"${RolesStackName}-RoleArn\"\n",
    )
    .unwrap();
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"])[0], "LAMBDA_TRUST_MISSING", "{report}");
    assert!(r["notes"].to_string().contains("imports roles-RoleArn"), "{r}");
    // Two exports the name could fill: neither is taken.
    std::fs::write(
        dir.join("more-roles.yaml"),
        "Resources:\n  S:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}\nOutputs:\n  O:\n    Value: !GetAtt S.Arn\n    Export: {Name: !Sub \"${AWS::StackName}-RoleArn\"}\n",
    )
    .unwrap();
    // Two exports the name could fill: each is the function's where its stack is the one named,
    // and the one Lambda can't assume fails (taking neither passed it).
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"])[0], "LAMBDA_TRUST_MISSING", "{report}");
    assert!(r["notes"].to_string().contains("which 2 scanned roles can be"), "{r}");
    assert_eq!(
        role(&report, "S")["functions"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
}

#[test]
fn a_function_naming_another_template_s_role_by_its_arn_makes_it_a_lambda_role() {
    let dir = fresh_dir("trustcheck-role-by-arn");
    std::fs::write(
        dir.join("roles.yaml"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: shared-role\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n",
    )
    .unwrap();
    // As a nested stack's parameter given with --parameter, or written out.
    std::fs::write(
        dir.join("app.yaml"),
        "Parameters:\n  RoleArn: {Type: String}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !Ref RoleArn\n",
    )
    .unwrap();
    // Without --account-id the scanned role's ARN has the stand-in account: the role of that
    // name and path is the one named.
    for account in [&["--account-id", "111122223333"][..], &[]] {
        let mut args = vec!["template"];
        args.extend(account);
        args.extend(["--parameter", "RoleArn=arn:aws:iam::111122223333:role/shared-role"]);
        args.push(dir.to_str().unwrap());
        let (code, report) = json_report(&args);
        assert_eq!(code, Some(1), "{report}");
        assert_eq!(
            ids(&role(&report, "R")["findings"])[0],
            "LAMBDA_TRUST_MISSING",
            "{report}"
        );
    }
    // A role no scanned template defines is noted.
    let (_, report) = json_report(&[
        "template",
        "--account-id",
        "111122223333",
        "--parameter",
        "RoleArn=arn:aws:iam::111122223333:role/other",
        dir.to_str().unwrap(),
    ]);
    assert!(ids(&role(&report, "R")["findings"]).is_empty(), "{report}");
    assert!(
        report["notes"]
            .to_string()
            .contains("uses the role arn:aws:iam::111122223333:role/other, which no scanned template defines"),
        "{report}"
    );
}

#[test]
fn a_count_function_s_role_by_count_index_is_the_role_of_its_own_index() {
    // `role = aws_iam_role.r[count.index].arn`, each role pinned to its own function.
    let plan = "tests/terraform/count-index.json";
    let (code, report) = json_report(&["terraform", "--account-id", "111122223333", plan]);
    assert_eq!(code, Some(0), "{report:#}");
    for (index, function) in [(0, "worker-0"), (1, "worker-1")] {
        let r = role(&report, &format!("aws_iam_role.r[{index}]"));
        assert_eq!(r["functions"].as_array().map(Vec::len), Some(1), "{r:#}");
        assert!(r["functions"][0].as_str().unwrap().ends_with(function), "{r:#}");
    }
}

#[test]
fn a_function_of_a_plan_s_stack_uses_the_plan_s_role_its_parameter_names() {
    // `aws_cloudformation_stack` with `parameters = { ExecRoleArn = … }` and a SAM function
    // `Role: !Ref ExecRoleArn` in its `template_body`: the role the plan makes, by its ARN.
    let (code, report) = json_report(&["terraform", "tests/terraform/stack-role-by-arn.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let worker = role(&report, "aws_iam_role.worker");
    assert_eq!(worker["functions"], serde_json::json!(["Worker"]), "{worker:#}");
    assert_eq!(ids(&worker["findings"])[0], "LAMBDA_TRUST_MISSING", "{worker:#}");
    // `ExecRoleArn = aws_iam_role.worker.arn` of a role made by this plan: known only after
    // apply, so the function's role is noted, not guessed.
    let (_, report) = json_report(&["terraform", "tests/terraform/stack-role-after-apply.json"]);
    let worker = role(&report, "aws_iam_role.worker");
    assert_eq!(worker["functions"], serde_json::json!([]), "{worker:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("Worker uses the role UNRESOLVED(Ref ExecRoleArn), whose value is not known here"),
        "{report:#}"
    );
}

#[test]
fn a_provider_region_the_plan_computes_is_the_value_it_was_planned_with() {
    // `provider "aws" { region = var.region }`: the plan's variable, else a data "aws_region"
    // read through it, not --region's default.
    for plan in [
        "tests/terraform/provider-region-variable.json",
        "tests/terraform/provider-region-data-source.json",
    ] {
        let (code, report) = json_report(&["terraform", "--account-id", "111122223333", plan]);
        assert_eq!(code, Some(0), "{plan}: {report:#}");
        let r = role(&report, "aws_iam_role.r");
        assert!(r["functions"][0].as_str().unwrap().contains(":eu-west-1:"), "{r:#}");
    }
    // `region = var.env == "prod" ? …`: the plan shows only the variable it reads, which is no
    // region: the one region the role's trust names its function in stands in (its pin reads as
    // written), and the report says so.
    let plan = "tests/terraform/provider-region-from-expression.json";
    let (code, report) = json_report(&["terraform", "--account-id", "111122223333", plan]);
    assert_eq!(code, Some(0), "{report:#}");
    let r = role(&report, "aws_iam_role.r");
    assert!(r["functions"][0].as_str().unwrap().contains(":eu-west-1:"), "{r:#}");
    assert!(
        report["notes"].to_string().contains(
            "so eu-west-1, the one the roles' trust policies name Lambda functions in, stands in; pass --region"
        ),
        "{report:#}"
    );
    // Pinned to no region: --region's stands in.
    let mut unpinned: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(plan).unwrap()).unwrap();
    unpinned["planned_values"]["root_module"]["resources"][0]["values"]["assume_role_policy"] =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into();
    let path = common::scratch().join(format!("trustcheck-unpinned-{}.json", std::process::id()));
    std::fs::write(&path, unpinned.to_string()).unwrap();
    let (_, report) = json_report(&["terraform", "--account-id", "111122223333", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    let r = role(&report, "aws_iam_role.r");
    assert!(r["functions"][0].as_str().unwrap().contains(":us-east-1:"), "{r:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("so us-east-1 stands in; pass --region"),
        "{report:#}"
    );
    // The function already exists (an update, or state): its ARN says the region, and nothing
    // stands in.
    let mut known: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(plan).unwrap()).unwrap();
    let arn = "arn:aws:lambda:eu-west-1:111122223333:function:orders-consumer";
    known["planned_values"]["root_module"]["resources"][1]["values"]["arn"] = arn.into();
    let path = common::scratch().join(format!("trustcheck-known-arn-{}.json", std::process::id()));
    std::fs::write(&path, known.to_string()).unwrap();
    let (_, report) = json_report(&["terraform", "--account-id", "111122223333", path.to_str().unwrap()]);
    assert_eq!(role(&report, "aws_iam_role.r")["functions"][0], arn, "{report:#}");
    assert!(
        !report["notes"].to_string().contains("stands in; pass --region"),
        "{report:#}"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_mapping_naming_its_function_names_the_one_in_its_own_region() {
    // Two functions `orders-consumer`, in us-east-1 and eu-west-1; the mapping is made through
    // the eu-west-1 provider: the eu function's broken role is the one that stops the stream.
    let plan = "tests/terraform/mapping-by-name-two-regions.json";
    let (code, report) = json_report(&["terraform", "--account-id", "111122223333", plan]);
    assert_eq!(code, Some(1), "{report:#}");
    let eu = role(&report, "aws_iam_role.eu");
    assert_eq!(eu["findings"][0]["severity"], "CRITICAL", "{eu:#}");
    let us = role(&report, "aws_iam_role.us");
    assert_eq!(us["findings"][0]["severity"], "HIGH", "{us:#}");
}

/// A dump joined by hand may list one role twice in two spellings (IAM's role names ignore
/// case): each listing is the role with every function that names it, however each function
/// spells it (before, all joined the last spelling listed, or each its own).
#[test]
fn every_spelling_of_a_role_listed_twice_has_all_its_functions() {
    let dir = fresh_dir("trustcheck-account-spellings");
    let detail = |name: &str, principal: &str| {
        format!(
            r#"{{"Path": "/", "RoleName": "{name}", "RoleId": "AROAX", "Arn": "arn:aws:iam::111122223333:role/{name}", "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {principal}, "Action": "sts:AssumeRole"}}]}}}}"#
        )
    };
    let details = dir.join("details.json");
    std::fs::write(
        &details,
        format!(
            r#"{{"RoleDetailList": [{}, {}]}}"#,
            detail("App", r#"{"AWS": "*"}"#),
            detail("app", r#"{"AWS": "arn:aws:iam::444455556666:root"}"#)
        ),
    )
    .unwrap();
    let function = |name: &str, spelt: &str| {
        format!(
            r#"{{"FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:{name}", "Role": "arn:aws:iam::111122223333:role/{spelt}"}}"#
        )
    };
    let functions = dir.join("functions.json");
    std::fs::write(
        &functions,
        format!(
            r#"{{"Functions": [{}, {}, {}]}}"#,
            function("f1", "App"),
            function("f2", "app"),
            function("f3", "APP")
        ),
    )
    .unwrap();
    let (code, report) = json_report(&[
        "account",
        "--auth-details",
        details.to_str().unwrap(),
        "--functions",
        functions.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    let all: Vec<String> = ["f3", "f1", "f2"]
        .iter()
        .map(|f| format!("arn:aws:lambda:us-east-1:111122223333:function:{f}"))
        .collect();
    // Listed again in a third spelling with the first one's policy: the same role, reported once.
    std::fs::write(
        &details,
        format!(
            r#"{{"RoleDetailList": [{}, {}, {}]}}"#,
            detail("App", r#"{"AWS": "*"}"#),
            detail("app", r#"{"AWS": "arn:aws:iam::444455556666:root"}"#),
            detail("APP", r#"{"AWS": "*"}"#)
        ),
    )
    .unwrap();
    let (_, again) = json_report(&[
        "account",
        "--auth-details",
        details.to_str().unwrap(),
        "--functions",
        functions.to_str().unwrap(),
    ]);
    assert_eq!(again["summary"]["roles"], 2, "{again:#}");
    for name in ["App", "app"] {
        let listed = role(&report, name);
        assert_eq!(listed["functions"], serde_json::json!(all), "{name}: {listed:#}");
        assert!(
            ids(&listed["findings"]).contains(&"LAMBDA_TRUST_MISSING"),
            "{name}: {listed:#}"
        );
    }
}

/// A dump shared for review may mask its account (`XXXXXXXXXXXX`) or lose ARNs: each such role
/// says that other accounts' trusts went unjudged, two names under one ARN are two roles, and
/// the text names every role by its ARN (one name may be two accounts' roles). A service-linked
/// role whose trust can't be read fails closed: AWS wrote it readable.
#[test]
fn an_account_s_masked_or_lost_arns_are_each_judged_and_noted() {
    let dir = fresh_dir("trustcheck-account-masked");
    let detail = |name: &str, arn: &str, document: &str| {
        format!(
            r#"{{"Path": "/", "RoleName": "{name}", "RoleId": "AROAX", "Arn": "{arn}", "AssumeRolePolicyDocument": {document}}}"#
        )
    };
    let other = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}"#;
    let details = dir.join("details.json");
    std::fs::write(
        &details,
        format!(
            // `IsTruncated: null` (a tool writing a field it lacks) is no page of many.
            r#"{{"RoleDetailList": [{}, {}, {}, {}, {}, {}], "IsTruncated": null}}"#,
            detail("a", "", other),
            detail("b", "", other),
            detail("masked", "arn:aws:iam::XXXXXXXXXXXX:role/masked", other),
            detail("deploy", "arn:aws:iam::111122223333:role/deploy", other),
            detail("deploy", "arn:aws:iam::111122223333:role/x/deploy", other),
            detail(
                "AWSServiceRoleForConfig",
                "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
                r#""%7B%22Version%22""#
            ),
        ),
    )
    .unwrap();
    let details = details.to_str().unwrap();
    let (code, report) = json_report(&["account", "--auth-details", details]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["summary"]["roles"], 6, "a and b are two roles: {report:#}");
    let unknown = "the role's account is unknown";
    for name in ["a", "b", "masked"] {
        let listed = role(&report, name);
        assert_eq!(listed["compliance"], "COMPLIANT", "{name}: {listed:#}");
        let notes = listed["notes"].as_array().unwrap();
        assert!(
            notes.iter().any(|n| n.as_str().unwrap().starts_with(unknown)),
            "{name}: {listed:#}"
        );
    }
    let linked = role(&report, "AWSServiceRoleForConfig");
    assert_eq!(linked["compliance"], "NON_COMPLIANT", "{linked:#}");
    assert_eq!(ids(&linked["findings"]), ["POLICY_UNPARSEABLE"], "{linked:#}");
    // A baseline tells the two apart too: a finding accepted for `a` is not `b`'s.
    let baseline = std::path::Path::new(details).with_file_name("baseline.json");
    std::fs::write(&baseline, report.to_string()).unwrap();
    let org = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}}}]}"#;
    let changed = std::path::Path::new(details).with_file_name("changed.json");
    std::fs::write(
        &changed,
        format!(
            r#"{{"RoleDetailList": [{}, {}]}}"#,
            detail("a", "", other),
            detail("b", "", org)
        ),
    )
    .unwrap();
    let (code, later) = json_report(&[
        "account",
        "--auth-details",
        changed.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{later:#}");
    assert_eq!(role(&later, "a")["compliance"], "COMPLIANT", "accepted: {later:#}");
    assert_eq!(
        ids(&role(&later, "b")["findings"]),
        ["TRUST_PUBLIC_CONDITIONED"],
        "{later:#}"
    );
    let text = stdout(&trustcheck(&["account", "--auth-details", details]));
    assert!(text.contains("details.json   (a)\n"), "{text}");
    for arn in [
        "arn:aws:iam::111122223333:role/deploy",
        "arn:aws:iam::111122223333:role/x/deploy",
    ] {
        assert!(text.contains(&format!("details.json  {arn}\n")), "{arn}: {text}");
    }
}

#[test]
fn an_account_s_functions_find_their_roles_whatever_the_case_and_are_counted_once() {
    let dir = fresh_dir("trustcheck-account");
    let functions = dir.join("functions.json");
    std::fs::write(
        &functions,
        r#"{"Functions": [
            {"FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:edge-consumer", "Role": "arn:aws:iam::111122223333:role/Edge-Only"},
            {"FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:ghost", "Role": "arn:aws:iam::111122223333:role/deleted"}
        ]}"#,
    )
    .unwrap();
    let functions = functions.to_str().unwrap();
    // The same listing twice, as a shell glob may pass it.
    let (code, report) = json_report(&[
        "account",
        "--auth-details",
        AUTH,
        "--functions",
        functions,
        "--functions",
        functions,
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    // IAM's role names ignore case: the function uses edge-only.
    let edge = role(&report, "edge-only");
    assert_eq!(
        edge["functions"],
        serde_json::json!(["arn:aws:lambda:us-east-1:111122223333:function:edge-consumer"])
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("function:ghost uses arn:aws:iam::111122223333:role/deleted"),
        "{notes}"
    );
    assert!(notes.contains("no --event-source-mappings file"), "{notes}");
    // `--query Functions` writes the list alone: said so.
    std::fs::write(dir.join("queried.json"), "[]").unwrap();
    let queried = dir.join("queried.json");
    let out = trustcheck(&[
        "account",
        "--auth-details",
        AUTH,
        "--functions",
        queried.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("run it without --query"), "{}", stderr(&out));
}

#[test]
fn a_plan_s_function_whose_role_the_plan_doesnt_create_is_noted() {
    // `role = data.aws_iam_role.legacy.arn`: an existing role, known at plan time.
    let dir = fresh_dir("trustcheck-existing-role");
    let plan = serde_json::json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_role.other", "mode": "managed", "type": "aws_iam_role", "name": "other",
             "values": {"name": "other", "path": "/", "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}},
            {"address": "aws_lambda_function.fn", "mode": "managed", "type": "aws_lambda_function", "name": "fn",
             "values": {"function_name": "fn", "role": "arn:aws:iam::111122223333:role/legacy-exec"}}
        ]}}
    });
    let path = dir.join("plan.json");
    std::fs::write(&path, plan.to_string()).unwrap();
    let (code, report) = json_report(&["terraform", "--account-id", "111122223333", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("its role arn:aws:iam::111122223333:role/legacy-exec is not one the plan creates"),
        "{report:#}"
    );
}

#[test]
fn a_function_named_after_the_stack_is_judged_against_a_condition_built_the_same_way() {
    // `${AWS::StackName}` is unknown here, but one value in both: the names differ in what
    // follows it, so no stack name lets the function in.
    let template = |suffix: &str, unknown: &str| {
        format!(
            "Resources:\n  WorkerRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n            Condition:\n              ArnLike: {{aws:SourceArn: !Sub 'arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{{unknown}}}-{suffix}'}}\n  Processor:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: !Sub '${{AWS::StackName}}-processor'\n      Role: !GetAtt WorkerRole.Arn\n"
        )
    };
    let verdict = |name: &str, text: &str| {
        let (_, report) = template_report(name, text);
        let r = role(&report, "WorkerRole");
        (
            r["compliance"].clone(),
            ids(&r["findings"]).iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    let (compliance, found) = verdict("stack-named-other.yaml", &template("worker", "AWS::StackName"));
    assert_eq!(
        (compliance.as_str(), &found[..]),
        (Some("NON_COMPLIANT"), &["LAMBDA_TRUST_CONDITION_BLOCKS".to_owned()][..])
    );
    // The same name: Lambda comes in.
    let (compliance, found) = verdict("stack-named-same.yaml", &template("proc*", "AWS::StackName"));
    assert_eq!((compliance.as_str(), found.len()), (Some("COMPLIANT"), 0), "{found:?}");
    // Another unknown (a parameter): it may be the stack's name or not, so nothing is said of the
    // same suffix; no value of either makes `-worker` of `-processor`.
    let with_parameter = |suffix| format!("Parameters:\n  Env: {{Type: String}}\n{}", template(suffix, "Env"));
    let (compliance, found) = verdict("stack-named-param.yaml", &with_parameter("processor"));
    assert_eq!((compliance.as_str(), found.len()), (Some("COMPLIANT"), 0), "{found:?}");
    let (compliance, found) = verdict("stack-named-param-other.yaml", &with_parameter("worker"));
    assert_eq!(
        (compliance.as_str(), &found[..]),
        (Some("NON_COMPLIANT"), &["LAMBDA_TRUST_CONDITION_BLOCKS".to_owned()][..])
    );
}

#[test]
fn a_function_of_a_written_name_is_judged_against_a_condition_the_template_leaves_open() {
    // The function's name is written; the condition's is the stack's or a parameter's and a
    // suffix. No value of those ends in what `billing-api` ends in: Lambda is kept out whatever
    // the deployer passes. One that may end so is left unjudged.
    let template = |pattern: &str| {
        format!(
            "Parameters:\n  Env: {{Type: String}}\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n            Condition:\n              ArnLike: {{aws:SourceArn: !Sub 'arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{pattern}'}}\n  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: billing-api\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {{ZipFile: x}}\n      Role: !GetAtt Role.Arn\n"
        )
    };
    for (pattern, blocked) in [
        ("${AWS::StackName}-worker", true),
        ("${Env}-worker", true),
        ("billing-${Env}-v2", true),
        ("${AWS::StackName}-api", false),
        ("${Env}", false),
        ("billing-${Env}", false),
    ] {
        let (code, report) = template_report("written-name.yaml", &template(pattern));
        let r = role(&report, "Role");
        let found = ids(&r["findings"]);
        match blocked {
            true => {
                assert_eq!(code, Some(1), "{pattern}: {report:#}");
                assert_eq!(found, ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{pattern}");
            }
            false => assert_eq!((code, found.len()), (Some(0), 0), "{pattern}: {found:?}"),
        }
    }
}

#[test]
fn a_function_named_each_way_of_deploying_is_judged_by_that_way_s_name() {
    // One condition names the function and its pin alike: Lambda comes in both ways. The way
    // where CloudFormation names the function (`AWS::NoValue`) knows it by its logical id only.
    let template = |name: &str, pin: &str| {
        format!(
            "Parameters:\n  Stage: {{Type: String, Default: prod}}\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n            Condition:\n              ArnLike: {{aws:SourceArn: {pin}}}\n  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: {name}\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {{ZipFile: x}}\n      Role: !GetAtt Role.Arn\n"
        )
    };
    let arn = |name: &str| {
        format!("!Sub 'arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}'")
    };
    for (name, pin) in [
        (
            "!If [IsProd, billing-api, !Sub 'billing-api-${Stage}']".to_owned(),
            format!("!If [IsProd, {}, {}]", arn("billing-api"), arn("billing-api-${Stage}")),
        ),
        (
            "!If [IsProd, billing-api, !Ref AWS::NoValue]".to_owned(),
            format!(
                "!If [IsProd, {}, {}]",
                arn("billing-api"),
                arn("${AWS::StackName}-Api-*")
            ),
        ),
    ] {
        let (code, report) = template_report("named-each-way.yaml", &template(&name, &pin));
        let found = ids(&role(&report, "Role")["findings"]);
        assert_eq!((code, found.len()), (Some(0), 0), "{name}: {found:?}");
    }
    // The other way's name pinned in both: that way's function is kept out.
    let pinned_to_prod = template(
        "!If [IsProd, billing-api, !Sub 'billing-api-${Stage}']",
        &arn("billing-api"),
    );
    let (code, report) = template_report("named-each-way-pinned.yaml", &pinned_to_prod);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "Role")["findings"]),
        ["LAMBDA_TRUST_CONDITION_BLOCKS"]
    );
}

#[test]
fn a_name_only_some_deployments_give_is_not_shown_spelt_with_a_default_that_drops_it() {
    // `UseSuffix` is true only where the suffix isn't its default `""`: the name `Worker-` is no
    // deployment's. The function is known by its logical id, in what it stops and who uses it.
    let template = "Parameters:\n  Suffix: {Type: String, Default: ''}\nConditions:\n  UseSuffix: !Not [!Equals [!Ref Suffix, '']]\nResources:\n  Worker:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !GetAtt Role.Arn\n      FunctionName: !If [UseSuffix, !Sub 'Worker-${Suffix}', !Ref AWS::NoValue]\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: {FunctionName: !Ref Worker, EventSourceArn: !GetAtt Stream.Arn, StartingPosition: LATEST}\n";
    let (code, report) = template_report("name-some-deployments-give.yaml", template);
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "Role");
    assert_eq!(r["functions"], serde_json::json!(["Worker"]), "{r:#}");
    let text = r.to_string();
    assert!(text.contains("stops: Worker reads Kinesis Stream"), "{text}");
    assert!(!text.contains("Worker-"), "{text}");
}

#[test]
fn a_serverless_repository_application_is_noted_as_someone_else_s_template() {
    let template = "Transform: AWS::Serverless-2016-10-31\nResources:\n  App:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: {ApplicationId: 'arn:aws:serverlessrepo:us-east-1:123456789012:applications/x', SemanticVersion: 1.0.0}\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n";
    let (code, report) = template_report("sar-app.yaml", template);
    assert_eq!(code, Some(0), "{report}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("App is an application of the Serverless Application Repository"),
        "{notes}"
    );
    assert!(!notes.contains("is a nested stack"), "{notes}");
}

#[test]
fn a_role_a_parent_passes_to_a_local_nested_stack_is_its_functions_role() {
    let dir = fresh_dir("trustcheck-local-child");
    std::fs::write(
        dir.join("parent.yaml"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters: {RoleArn: !GetAtt R.Arn}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("child.yaml"),
        "Parameters:\n  RoleArn: {Type: String}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !Ref RoleArn\n",
    )
    .unwrap();
    let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"])[0], "LAMBDA_TRUST_MISSING", "{report}");
    assert!(!report["notes"].to_string().contains("is a nested stack"), "{report}");
}

/// The JSON report of an account scan of `dir`'s authorization details, functions and mappings.
fn account_report(dir: &str) -> (Option<i32>, Value) {
    account_report_with(dir, &format!("{dir}/event-source-mappings.json"))
}

/// [`account_report`] with another file of mappings.
fn account_report_with(dir: &str, mappings: &str) -> (Option<i32>, Value) {
    json_report(&[
        "account",
        "--auth-details",
        &format!("{dir}/auth-details.json"),
        "--functions",
        &format!("{dir}/functions.json"),
        "--event-source-mappings",
        mappings,
    ])
}

#[test]
fn a_mapping_on_a_listed_version_is_that_version_s_role_s() {
    // `aws lambda list-functions --function-version ALL`: version 1 of orders still uses svc-old,
    // whose trust is broken, and a stream mapping is on that version.
    let (code, report) = account_report("tests/account/versions");
    assert_eq!(code, Some(1), "{report:#}");
    let old = role(&report, "svc-old");
    assert_eq!(old["findings"][0]["severity"], "CRITICAL", "{old:#}");
    let new = role(&report, "svc-new");
    assert_eq!(new["compliance"], "COMPLIANT", "{report:#}");
    // The listing names the function itself `…:orders:$LATEST`: it is the function.
    assert_eq!(
        new["functions"][0], "arn:aws:lambda:us-east-1:111122223333:function:orders",
        "{new:#}"
    );
    // A mapping on a version the listing lacks (digits: no alias is named so) is the function's
    // own, not handed to version 1's role as an alias's would be.
    let dir = "tests/account/versions";
    let mappings = std::fs::read_to_string(format!("{dir}/event-source-mappings.json"))
        .unwrap()
        .replace("function:orders:1", "function:orders:5");
    let file = common::scratch().join(format!("trustcheck-mappings-version-5-{}.json", std::process::id()));
    std::fs::write(&file, mappings).unwrap();
    let (_, report) = account_report_with(dir, file.to_str().unwrap());
    std::fs::remove_file(&file).unwrap();
    let old = role(&report, "svc-old");
    assert_ne!(old["findings"][0]["severity"], "CRITICAL", "{old:#}");
    assert!(
        old.get("stopped")
            .is_none_or(|s| s.as_array().is_some_and(Vec::is_empty)),
        "{old:#}"
    );
}

#[test]
fn an_account_s_distributions_say_which_roles_run_at_the_edge() {
    // Version 1 of rewrite, published with rewrite-v1-role (trusting Lambda alone), runs at the
    // edge; the function's role now trusts both.
    let dir = "tests/account/edge";
    let files = |distributions: bool| {
        let mut args = vec![
            "account".to_owned(),
            "--auth-details".to_owned(),
            format!("{dir}/auth-details.json"),
            "--functions".to_owned(),
            format!("{dir}/functions.json"),
        ];
        if distributions {
            args.extend(["--distributions".to_owned(), format!("{dir}/distributions.json")]);
        }
        args
    };
    let args = files(true);
    let (code, report) = json_report(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(1), "{report:#}");
    let old = role(&report, "rewrite-v1-role");
    assert_eq!(ids(&old["findings"]), ["LAMBDA_EDGE_TRUST_MISSING"], "{old:#}");
    assert!(
        old["findings"][0]["message"].as_str().unwrap().contains("rewrite"),
        "{old:#}"
    );
    assert_eq!(role(&report, "rewrite-role")["compliance"], "COMPLIANT");
    assert_eq!(role(&report, "orders-role")["compliance"], "COMPLIANT");
    assert!(!report["notes"].to_string().contains("--distributions"), "{report:#}");

    // Without the distributions, Lambda@Edge is not judged, and the scan says so.
    let args = files(false);
    let (code, report) = json_report(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"].to_string().contains("no --distributions file"),
        "{report:#}"
    );

    // What the AWS CLI writes for an account without distributions (nothing, or `{}`) lists
    // none; a page of the listing (`--no-paginate`) and another command's output are refused.
    let mut page: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/distributions.json")).unwrap()).unwrap();
    page["DistributionList"]["IsTruncated"] = Value::Bool(true);
    let functions = std::fs::read_to_string(format!("{dir}/functions.json")).unwrap();
    for (case, text, refused) in [
        ("empty", String::new(), None),
        ("braces", "{}".to_owned(), None),
        ("page", page.to_string(), Some("IsTruncated is set")),
        ("functions", functions, Some("no DistributionList")),
    ] {
        let file = common::scratch().join(format!("trustcheck-distributions-{case}-{}.json", std::process::id()));
        std::fs::write(&file, text).unwrap();
        let mut args = files(false);
        args.extend(["--distributions".to_owned(), file.display().to_string()]);
        let out = trustcheck(&args.iter().map(String::as_str).collect::<Vec<_>>());
        std::fs::remove_file(&file).unwrap();
        match refused {
            None => {
                assert_eq!(out.status.code(), Some(0), "{case}: {}", stderr(&out));
                assert!(!stdout(&out).contains("--distributions"), "{case}: {}", stdout(&out));
                // An empty file is also what a failed list-distributions leaves: said so.
                assert_eq!(
                    stdout(&out).contains("is empty: read as an account without CloudFront distributions"),
                    case == "empty",
                    "{case}: {}",
                    stdout(&out)
                );
            }
            Some(why) => {
                assert_eq!(out.status.code(), Some(2), "{case}");
                assert!(stderr(&out).contains(why), "{case}: {}", stderr(&out));
            }
        }
    }

    // A version CloudFront runs that the listing of the function's versions lacks: Lambda keeps
    // every replicated version, so the listing is older than the distribution; said so.
    let later = std::fs::read_to_string(format!("{dir}/distributions.json"))
        .unwrap()
        .replace("function:rewrite:1", "function:rewrite:7");
    let file = common::scratch().join(format!("trustcheck-distributions-later-{}.json", std::process::id()));
    std::fs::write(&file, later).unwrap();
    let mut args = files(false);
    args.extend(["--distributions".to_owned(), file.display().to_string()]);
    let (_, report) = json_report(&args.iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::remove_file(&file).unwrap();
    assert!(
        report["notes"]
            .to_string()
            .contains("missing from their function's listed versions"),
        "{report:#}"
    );

    // A listing slimmed of its roles can't say who uses which role: refused, as one without
    // FunctionArn is.
    let mut listing: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/functions.json")).unwrap()).unwrap();
    listing["Functions"][0].as_object_mut().unwrap().remove("Role");
    let file = common::scratch().join(format!("trustcheck-functions-no-role-{}.json", std::process::id()));
    std::fs::write(&file, listing.to_string()).unwrap();
    let out = trustcheck(&[
        "account",
        "--auth-details",
        &format!("{dir}/auth-details.json"),
        "--functions",
        file.to_str().unwrap(),
    ]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Role"), "{}", stderr(&out));
}

#[test]
fn a_mapping_on_an_alias_stops_every_version_s_role() {
    // The alias `live` may point at version 7, whose role (clicks-v1-role) is broken: its stream
    // mapping is that role's too, not only the function's own ($LATEST's, clicks-v2-role).
    let (code, report) = account_report("tests/account/aliases");
    assert_eq!(code, Some(1), "{report:#}");
    let old = role(&report, "clicks-v1-role");
    assert_eq!(old["findings"][0]["severity"], "CRITICAL", "{old:#}");
}

/// The mappings as Lambda lists them: one on an alias once per role, one on `$LATEST` the
/// function's own; and what the listings leave out is said.
#[test]
fn an_account_s_mappings_count_once_and_what_the_listings_leave_out_is_said() {
    let dir = "tests/account/review";
    let scan = |case: &str, files: &[&str]| {
        let mut args = vec!["account".to_owned()];
        for (flag, file) in ["--auth-details", "--functions", "--event-source-mappings"]
            .iter()
            .zip(files)
        {
            args.extend([flag.to_string(), format!("{dir}/{case}/{file}")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        json_report(&args).1
    };
    let all = ["auth-details.json", "functions.json", "event-source-mappings.json"];
    let report = scan("alias-dup", &all);
    let stopped = report["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stopped_mappings"].as_array().unwrap().len());
    assert_eq!(stopped.max(), Some(1), "one mapping, once: {report}");
    assert!(!report.to_string().contains("used by clicks, clicks"), "{report}");
    let report = scan("latest-qualified", &all);
    let old = role(&report, "clicks-v1-role");
    assert_eq!(
        old["findings"][0]["severity"], "HIGH",
        "the stream runs on $LATEST's role: {old}"
    );
    let report = scan("alias-default-listing", &all);
    assert!(
        report["notes"].to_string().contains("--function-version ALL"),
        "{report}"
    );
    let args = [
        "account",
        "--auth-details",
        "tests/account/review/region-gap/auth.json",
        "--functions",
        "tests/account/review/region-gap/functions-us-east-1.json",
        "--event-source-mappings",
        "tests/account/review/region-gap/mappings-us-east-1.json",
        "--event-source-mappings",
        "tests/account/review/region-gap/mappings-eu-west-1.json",
    ];
    let (_, report) = json_report(&args);
    assert!(
        report["notes"].to_string().contains("in no --functions file"),
        "{report}"
    );
    // A role trusting Lambda last used in a region no --functions file covers: said.
    let dump = r#"{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[{"Path":"/","RoleName":"eu-worker","RoleId":"AROAEXAMPLE1234567890","Arn":"arn:aws:iam::111122223333:role/eu-worker","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]},"Tags":[],"RoleLastUsed":{"LastUsedDate":"2026-12-01T08:00:00Z","Region":"eu-west-1"}}]}"#;
    let file = common::scratch().join(format!("trustcheck-last-used-{}.json", std::process::id()));
    std::fs::write(&file, dump).unwrap();
    let (_, report) = json_report(&[
        "account",
        "--auth-details",
        file.to_str().unwrap(),
        "--functions",
        "tests/account/review/region-gap/functions-us-east-1.json",
    ]);
    std::fs::remove_file(&file).unwrap();
    assert!(
        report["notes"]
            .to_string()
            .contains("last used in region(s) no --functions file lists (eu-west-1): eu-worker"),
        "{report:#}"
    );
    // A dump without roles judged nothing: an input error, not a pass.
    let out = trustcheck(&["account", "--auth-details", "tests/account/review/filter-user.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("lists no role at all"), "{}", stderr(&out));
    // A dump in YAML or text (a profile's default output): what to run instead.
    for (case, text) in [
        ("yaml", "---\nRoleDetailList: []\n"),
        ("text", "ROLEDETAILLIST\tarn:aws:iam::111122223333:role/x\n"),
    ] {
        let file = common::scratch().join(format!("trustcheck-auth-{case}-{}.txt", std::process::id()));
        std::fs::write(&file, text).unwrap();
        let out = trustcheck(&["account", "--auth-details", file.to_str().unwrap()]);
        std::fs::remove_file(&file).unwrap();
        assert_eq!(out.status.code(), Some(2), "{case}");
        assert!(stderr(&out).contains("--output json"), "{case}: {}", stderr(&out));
    }
}

#[test]
fn accounts_are_told_apart_by_a_baseline_and_by_the_mappings_listed() {
    // One role name in two accounts: the baseline accepted one account's finding, not the other's.
    let dir = "tests/account/two-accounts";
    let scan = |auth: &str, extra: &[&str]| {
        let auth = format!("{dir}/{auth}");
        let functions = format!("{dir}/functions.json");
        let mappings = format!("{dir}/event-source-mappings.json");
        let mut args = vec![
            "account",
            "--auth-details",
            &auth,
            "--functions",
            &functions,
            "--event-source-mappings",
            &mappings,
        ];
        args.extend_from_slice(extra);
        json_report(&args)
    };
    let temp = common::scratch().join(format!("trustcheck-two-accounts-{}.json", std::process::id()));
    let output = format!("json={}", temp.display());
    let (code, _) = scan("auth-before.json", &["--output", &output]);
    assert_eq!(code, Some(1));
    let (code, report) = scan("auth-after.json", &["--baseline", temp.to_str().unwrap()]);
    std::fs::remove_file(&temp).unwrap();
    assert_eq!(code, Some(1), "the other account's new finding is new: {report:#}");
    // Another day's dump, another file name: the role is its ARN, and its findings stay accepted.
    let skipped = |arn: &str| {
        let role = (report["roles"].as_array().unwrap().iter())
            .find(|r| r["arn"] == arn)
            .unwrap();
        role["skipped"].as_array().unwrap().len()
    };
    assert!(skipped("arn:aws:iam::111122223333:role/orders-exec") > 0, "{report:#}");
    assert_eq!(skipped("arn:aws:iam::444455556666:role/orders-exec"), 0, "{report:#}");
    // Functions of two accounts in one region, mappings listed for one of them: the other's
    // missing mappings are said.
    let (_, report) = json_report(&[
        "account",
        "--auth-details",
        &format!("{dir}/coverage-auth.json"),
        "--functions",
        &format!("{dir}/coverage-functions-a.json"),
        "--functions",
        &format!("{dir}/coverage-functions-b.json"),
        "--event-source-mappings",
        &format!("{dir}/coverage-mappings-a.json"),
    ]);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("lists a mapping in us-east-1 of 444455556666"),
        "{notes}"
    );
}

#[test]
fn two_nested_templates_of_one_file_name_keep_their_own_roles() {
    // SAM apps keep a template.yaml in each directory: app1's function uses RoleA, app2's RoleB.
    let dir = common::scratch().join(format!("trustcheck-two-children-{}", std::process::id()));
    for app in ["app1", "app2"] {
        std::fs::create_dir_all(dir.join(app)).unwrap();
        std::fs::write(
            dir.join(app).join("template.yaml"),
            "Parameters:\n  RoleArn: {Type: String}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !Ref RoleArn\n",
        )
        .unwrap();
    }
    let role_of = |name: &str, service: &str| {
        format!("  {name}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{Service: {service}}}, Action: sts:AssumeRole}}\n")
    };
    let parent = format!(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n{}{}  App1:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: app1/template.yaml\n      Parameters: {{RoleArn: !GetAtt RoleA.Arn}}\n  App2:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://bucket.s3.amazonaws.com/app2/template.yaml?versionId=3sL4kqtJ\n      Parameters: {{RoleArn: !GetAtt RoleB.Arn}}\n",
        role_of("RoleA", "lambda.amazonaws.com"),
        role_of("RoleB", "ec2.amazonaws.com")
    );
    std::fs::write(dir.join("parent.yaml"), parent).unwrap();
    // By path, app1's function is RoleA's only; app2's URL names its file by name, which both
    // children have: not taken, and noted.
    let (_, report) = json_report(&["template", dir.to_str().unwrap()]);
    let a = role_functions(&report, "RoleA");
    assert_eq!(a.len(), 1, "{report:#}");
    let notes = report["notes"].to_string();
    assert!(
        !notes.contains("app1/template.yaml: F uses the role"),
        "linked by path: {notes}"
    );
    assert!(notes.contains("app2/template.yaml: F uses the role"), "{notes}");
    assert!(
        role(&report, "RoleB")["findings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    // Scanned with app2's template alone, the URL's file name is that one's; app1's, which the
    // parent names by its local path, is read from disk, and takes no name of app2's.
    let parent = dir.join("parent.yaml");
    let app2 = dir.join("app2/template.yaml");
    let args = ["template", parent.to_str().unwrap(), app2.to_str().unwrap()];
    let (code, report) = json_report(&args);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "RoleB")["findings"])[0],
        "LAMBDA_TRUST_MISSING",
        "{report:#}"
    );
    assert_eq!(role_functions(&report, "RoleA").len(), 1, "{report:#}");
    assert!(
        report["notes"].to_string().contains("App1, read from disk"),
        "{report:#}"
    );
}

fn role_functions<'r>(report: &'r Value, name: &str) -> &'r Vec<Value> {
    role(report, name)["functions"].as_array().unwrap()
}

#[test]
fn a_child_nested_twice_or_named_otherwise_keeps_every_role_it_is_passed() {
    let child = "Parameters:\n  RoleArn: {Type: String}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !Ref RoleArn\n";
    let roles = "  RoleA:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}\n  RoleB:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n";
    for (case, stacks) in [
        // One child, two stacks of it: each role is its function's, in one of them.
        (
            "twice",
            "  ChildA:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ./app/child.yaml, Parameters: {RoleArn: !GetAtt RoleA.Arn}}\n  ChildB:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ./app/child.yaml, Parameters: {RoleArn: !GetAtt RoleB.Arn}}\n",
        ),
        // A Windows path.
        (
            "backslash",
            "  ChildB:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: '.\\app\\child.yaml', Parameters: {RoleArn: !GetAtt RoleB.Arn}}\n",
        ),
        // Uploaded under a base the template doesn't give: by its file name.
        (
            "unknown-base",
            "  ChildB:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: !Sub '${BaseUrl}/app/child.yaml', Parameters: {RoleArn: !GetAtt RoleB.Arn}}\n",
        ),
    ] {
        let dir = common::scratch().join(format!("trustcheck-nested-{case}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app/child.yaml"), child).unwrap();
        let parent = format!("Parameters:\n  BaseUrl: {{Type: String}}\nResources:\n{roles}{stacks}");
        std::fs::write(dir.join("parent.yaml"), parent).unwrap();
        let (code, report) = json_report(&["template", dir.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{case}: {report:#}");
        let b = role(&report, "RoleB");
        assert_eq!(ids(&b["findings"])[0], "LAMBDA_TRUST_MISSING", "{case}: {report:#}");
    }
}

/// A parent that deploys a scanned template as a nested stack, or a stack set that deploys its
/// inline template, passes it parameters: the child is judged with them too, besides as it stands.
#[test]
fn a_role_listed_twice_with_other_tags_keeps_its_failing_alert() {
    // Pages fetched before and after the exemption tag came off: both copies are judged, and
    // code scanning keeps one alert per fingerprint, so the SARIF has the failing one only.
    let role = |tags: &str| {
        format!(
            r#"{{"Path":"/","RoleName":"partner","RoleId":"AROAEXAMPLE1234567890","Arn":"arn:aws:iam::111122223333:role/partner","AssumeRolePolicyDocument":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"sts:AssumeRole"}}]}},"Tags":[{tags}]}}"#
        )
    };
    let exempt = role(r#"{"Key":"trustcheck:exempt","Value":"reviewed"}"#);
    let dump = format!(
        r#"{{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[{exempt},{}]}}"#,
        role("")
    );
    let file = common::scratch().join(format!("trustcheck-twice-{}.json", std::process::id()));
    std::fs::write(&file, dump).unwrap();
    let out = trustcheck(&["account", "--auth-details", file.to_str().unwrap(), "--format", "sarif"]);
    std::fs::remove_file(&file).unwrap();
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert!(results[0].get("suppressions").is_none(), "{:#}", results[0]);
}

#[test]
fn a_sarif_path_is_from_the_file_s_repository_when_the_scan_runs_outside_it() {
    // A workflow that checks the repository out into a directory of its workspace
    // (`actions/checkout` with `path: repo`) scans from the workspace, which is no repository.
    let workspace = std::env::temp_dir().join(format!("trustcheck-workspace-{}", std::process::id()));
    let repo = workspace.join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("infra")).unwrap();
    std::fs::copy("tests/templates/repeated/tags.yaml", repo.join("infra/plain.yaml")).unwrap();
    let absolute = repo.join("infra/plain.yaml");
    let uris = |path: &str| -> Vec<String> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_trustcheck"))
            .args(["template", "--format", "sarif", path])
            .current_dir(&workspace)
            .output()
            .unwrap();
        let log: Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = log["runs"][0]["results"].as_array().cloned().unwrap_or_default();
        (results.iter())
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let relative = uris("repo/infra/plain.yaml");
    let from_absolute = uris(absolute.to_str().unwrap());
    std::fs::remove_dir_all(&workspace).unwrap();
    assert!(!relative.is_empty());
    assert!(relative.iter().all(|uri| uri == "infra/plain.yaml"), "{relative:?}");
    assert_eq!(relative, from_absolute);
}

#[test]
fn a_key_written_twice_exempts_nothing_and_links_every_role_it_names() {
    // Tags twice, the second with the exemption tag: no exemption, and a note says why.
    let (code, report) = json_report(&[
        "template",
        "--account-id",
        "111122223333",
        "tests/templates/repeated/tags.yaml",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    let partner = role(&report, "PartnerRole");
    assert_eq!(partner["compliance"], "NON_COMPLIANT", "{partner:#}");
    assert_eq!(
        ids(&partner["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{partner:#}"
    );
    assert!(partner["notes"].to_string().contains("has `Tags` twice"), "{partner:#}");
    // A function's Role twice: it uses each, and the role Lambda can't assume is flagged.
    let (code, report) = json_report(&[
        "template",
        "--account-id",
        "111122223333",
        "tests/templates/repeated/function-role.yaml",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "BadRole")["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"]
    );
    assert_eq!(role(&report, "GoodRole")["compliance"], "COMPLIANT");
    assert!(report["notes"].to_string().contains("has `Role` twice"), "{report:#}");
}

#[test]
fn a_nested_template_is_judged_with_the_parameters_its_parent_passes() {
    let child = "tests/templates/passed/child.yaml";
    let (code, alone) = json_report(&["template", child]);
    assert_eq!(code, Some(0), "with its default, the child trusts one role: {alone}");
    // The parent passes its own parameter, whose default is "*"; another deployment of the
    // parent may pass another value, so the child's conditions are not taken as decided by it.
    let (code, both) = json_report(&["template", "tests/templates/passed/parent.yaml", child]);
    assert_eq!(code, Some(1), "{both}");
    let mut names = logical_ids(&both);
    names.sort_unstable();
    assert_eq!(
        names,
        ["DeployRole", "DeployRole (as tests/templates/passed/parent.yaml Child)"]
    );
    let deployed = role(&both, "DeployRole (as tests/templates/passed/parent.yaml Child)");
    assert_eq!(ids(&deployed["findings"]), ["TRUST_PUBLIC"], "{both}");
    assert!(
        deployed["notes"].to_string().contains("judged with the parameters"),
        "{deployed}"
    );
    assert_eq!(
        role(&both, "DeployRole")["compliance"],
        "COMPLIANT",
        "as it stands, deployed alone"
    );
    // A value the parent writes out deploys, whatever --parameter says.
    let safe = "TrustedPrincipal=arn:aws:iam::123456789012:role/deployer";
    let (code, literal) = json_report(&[
        "template",
        "--parameter",
        safe,
        "tests/templates/passed/parent-literal.yaml",
        child,
    ]);
    assert_eq!(code, Some(1), "{literal}");
    let deployed = role(
        &literal,
        "DeployRole (as tests/templates/passed/parent-literal.yaml Child)",
    );
    assert_eq!(ids(&deployed["findings"]), ["TRUST_PUBLIC"], "{literal}");
    // A parameter of the parent's without a default, passed on: undetermined in the child too,
    // not the child's default (which judged the role COMPLIANT).
    let (code, undetermined) = json_report(&["template", "tests/templates/passed/parent-undetermined.yaml", child]);
    assert_eq!(code, Some(1), "{undetermined}");
    let deployed = role(
        &undetermined,
        "DeployRole (as tests/templates/passed/parent-undetermined.yaml Child)",
    );
    assert_eq!(
        ids(&deployed["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{undetermined}"
    );
    assert!(deployed["findings"].to_string().contains("Ref Partner"), "{deployed}");
    // A function of another template uses each reading of the role: as the parent deploys it,
    // trusting EC2 only, it stops the function.
    let dir = "tests/templates/passed-exec";
    let (code, exec) = json_report(&[
        "template",
        &format!("{dir}/child.yaml"),
        &format!("{dir}/parent.yaml"),
        &format!("{dir}/fn.yaml"),
    ]);
    assert_eq!(code, Some(1), "{exec}");
    let deployed = role(&exec, "ExecRole (as tests/templates/passed-exec/parent.yaml Roles)");
    assert_eq!(
        ids(&deployed["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{exec}"
    );
    assert_eq!(role(&exec, "ExecRole")["compliance"], "COMPLIANT", "{exec}");
    let (code, set) = json_report(&["template", "tests/templates/passed/stack-set.yaml"]);
    assert_eq!(code, Some(1), "{set}");
    assert_eq!(
        ids(&role(&set, "Roles/DeployRole")["findings"]),
        ["TRUST_PUBLIC"],
        "{set}"
    );
}

#[test]
fn a_finding_is_at_its_statement_when_an_if_picks_the_statements() {
    // `Statement: !If` and `AssumeRolePolicyDocument: !If`: the line is the picked branch's
    // statement, whether the parameter decides the condition or each deployment is judged.
    let template = "tests/templates/if-around-statements.yaml";
    for args in [vec!["--parameter", "Env=dev"], vec![]] {
        let mut command = vec!["template", template];
        command.extend(args);
        let (_, report) = json_report(&command);
        for (logical_id, line) in [("R", 19), ("R2", 35)] {
            let found = role(&report, logical_id);
            assert_eq!(ids(&found["findings"]), ["TRUST_PUBLIC"], "{found:#}");
            assert_eq!(found["findings"][0]["line"], line, "{command:?}: {found:#}");
        }
    }
}

#[test]
fn terraform_plan_checks_the_roles_of_the_cloudformation_stacks_it_makes() {
    let plan = "tests/terraform/cloudformation-stacks.json";
    let (code, report) = json_report(&["terraform", plan, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1));
    // The stack's parameter value wins over its template's default (the own account).
    let vendor = role(&report, "aws_cloudformation_stack.vendor/Vendor");
    assert_eq!(ids(&vendor["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"]);
    assert!(
        vendor["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("444455556666"),
        "{vendor:#}"
    );
    assert_eq!(vendor["source"], plan);
    let open = role(&report, "aws_cloudformation_stack_set.everywhere/Open");
    assert_eq!(ids(&open["findings"]), ["TRUST_PUBLIC"]);
    // A parameter the configuration sets but the plan doesn't know is the deployer's, not the
    // template's default (the own account): any account may be passed.
    for unknown in ["partner", "keyed"] {
        let stack = role(&report, &format!("aws_cloudformation_stack.{unknown}/Vendor"));
        assert_eq!(ids(&stack["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{unknown}");
    }
    // One the configuration doesn't set takes the template's default.
    let defaulted = role(&report, "aws_cloudformation_stack.defaulted/Vendor");
    assert_eq!(defaulted["compliance"], "COMPLIANT", "{defaulted:#}");
    // A loop of a template the reader can't expand that makes no role is left out, and said.
    assert!(report["notes"]
        .to_string()
        .contains("aws_cloudformation_stack.topics.template_body): Fn::ForEach::Topics (AWS::LanguageExtensions) is not expanded here"));
    // A template known only after apply, or that can't be read, fails closed.
    for unjudged in ["aws_cloudformation_stack.later", "aws_cloudformation_stack.broken"] {
        let stack = role(&report, unjudged);
        assert_eq!(stack["compliance"], "NON_COMPLIANT", "{stack:#}");
        assert_eq!(ids(&stack["findings"]), ["POLICY_UNPARSEABLE"]);
    }
    // A template the plan doesn't hold is said, not passed over.
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("aws_cloudformation_stack.remote: its template is not in the plan"),
        "{notes}"
    );
    assert!(notes.contains("deploys into every account the set targets"), "{notes}");
}

#[test]
fn a_function_whose_condition_is_false_in_a_way_of_deploying_is_not_its_role_s_user_then() {
    // The role trusts Lambda when the function is deployed, ECS otherwise: no way is broken.
    let template = |function_condition: &str| {
        format!("Parameters:\n  Runtime:\n    Type: String\n    AllowedValues: [lambda, fargate]\n    Default: lambda\n  Fns:\n    Type: String\n    Default: 'yes'\nConditions:\n  UseLambda: !Equals [!Ref Runtime, lambda]\n  WithFn: !Equals [!Ref Fns, 'yes']\nResources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: !If [UseLambda, lambda.amazonaws.com, ecs-tasks.amazonaws.com]\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}\n  Fn:\n    Type: AWS::Lambda::Function\n    Condition: {function_condition}\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {{ZipFile: x}}\n      Role: !GetAtt AppRole.Arn\n")
    };
    let (code, report) = template_report("gated-function.yaml", &template("UseLambda"));
    assert_eq!(code, Some(0), "{report}");
    let app = role(&report, "AppRole");
    assert_eq!(app["compliance"], "COMPLIANT", "{app}");
    // Under a condition of its own, the function may be there while the role trusts ECS: broken.
    let (code, report) = template_report("independent-function.yaml", &template("WithFn"));
    assert_eq!(code, Some(1), "{report}");
    let app = role(&report, "AppRole");
    assert_eq!(
        ids(&app["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{app}"
    );
    // One function name under opposite conditions: whichever way it goes, a function `orders`
    // uses the role, and the ECS way breaks it.
    let (code, report) = template_report("same-name-functions.yaml", "Parameters:\n  Runtime:\n    Type: String\n    AllowedValues: [lambda, fargate]\n    Default: lambda\nConditions:\n  UseLambda: !Equals [!Ref Runtime, lambda]\n  NotLambda: !Not [!Condition UseLambda]\nResources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: !If [UseLambda, lambda.amazonaws.com, ecs-tasks.amazonaws.com]\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n  FnA:\n    Type: AWS::Lambda::Function\n    Condition: UseLambda\n    Properties:\n      FunctionName: orders\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !GetAtt AppRole.Arn\n  FnB:\n    Type: AWS::Lambda::Function\n    Condition: NotLambda\n    Properties:\n      FunctionName: orders\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !GetAtt AppRole.Arn\n");
    assert_eq!(code, Some(1), "{report}");
    let app = role(&report, "AppRole");
    assert_eq!(
        ids(&app["findings"]),
        ["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"],
        "{app}"
    );
    // The same name under the other condition, but another role's function: in the ECS way
    // nothing uses AppRole.
    let (code, report) = template_report("other-role-same-name.yaml", "Parameters:\n  Runtime:\n    Type: String\n    AllowedValues: [lambda, fargate]\n    Default: lambda\nConditions:\n  UseLambda: !Equals [!Ref Runtime, lambda]\n  NotLambda: !Not [!Condition UseLambda]\nResources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: !If [UseLambda, lambda.amazonaws.com, ecs-tasks.amazonaws.com]\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n  OtherRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n  FnA:\n    Type: AWS::Lambda::Function\n    Condition: UseLambda\n    Properties:\n      FunctionName: orders\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !GetAtt AppRole.Arn\n  FnB:\n    Type: AWS::Lambda::Function\n    Condition: NotLambda\n    Properties:\n      FunctionName: orders\n      Runtime: python3.12\n      Handler: index.handler\n      Code: {ZipFile: x}\n      Role: !GetAtt OtherRole.Arn\n");
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "AppRole")["compliance"], "COMPLIANT", "{report}");
    // A SAM function whose role SAM generates in one branch (`!If [C, role, !Ref AWS::NoValue]`)
    // is that generated role's user only where the function exists.
    let (code, report) = template_report("sam-generated-role.yaml", "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Runtime:\n    Type: String\n    AllowedValues: [lambda, fargate]\n  Existing:\n    Type: String\n    AllowedValues: ['yes', 'no']\nConditions:\n  UseLambda: !Equals [!Ref Runtime, lambda]\n  UseExisting: !Equals [!Ref Existing, 'yes']\nResources:\n  SharedRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n  Fn:\n    Type: AWS::Serverless::Function\n    Condition: UseLambda\n    Properties:\n      FunctionName: orders\n      Runtime: python3.12\n      Handler: index.handler\n      InlineCode: x\n      Role: !If [UseExisting, !GetAtt SharedRole.Arn, !Ref AWS::NoValue]\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: !If [UseLambda, lambda.amazonaws.com, ecs-tasks.amazonaws.com]\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n");
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(role(&report, "FnRole")["compliance"], "COMPLIANT", "{report}");
}

#[test]
fn a_function_whose_role_takes_an_if_branch_is_the_user_of_that_branch_s_role_only() {
    // One condition picks both each role's trust and the function's role: when IsProd, F uses
    // R1, which trusts Lambda then; otherwise R2, which trusts Lambda then. No deployment breaks.
    let template = |r2_lambda_when: &str| {
        format!("Parameters:\n  Env: {{Type: String, Default: dev}}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  R1:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: !If [IsProd, lambda.amazonaws.com, ec2.amazonaws.com]\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}\n  R2:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: {r2_lambda_when}\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !If [IsProd, !GetAtt R1.Arn, !GetAtt R2.Arn]\n      Handler: x\n      Runtime: python3.12\n      Code: {{ZipFile: x}}\n")
    };
    let (code, report) = template_report(
        "if-role.yaml",
        &template("!If [IsProd, ec2.amazonaws.com, lambda.amazonaws.com]"),
    );
    assert_eq!(code, Some(0), "{report}");
    for id in ["R1", "R2"] {
        assert_eq!(role(&report, id)["compliance"], "COMPLIANT", "{report}");
    }
    // R2 trusting Lambda only when F uses R1: the other way F is on a role that shuts Lambda out.
    let (code, report) = template_report(
        "if-role-crossed.yaml",
        &template("!If [IsProd, lambda.amazonaws.com, ec2.amazonaws.com]"),
    );
    assert_eq!(code, Some(1), "{report}");
    let r2 = role(&report, "R2");
    assert_eq!(
        ids(&r2["findings"]),
        [
            "LAMBDA_TRUST_MISSING",
            "LAMBDA_ROLE_EXTRA_TRUST",
            "STATEMENT_NEVER_APPLIES"
        ],
        "{r2}"
    );
    assert_eq!(role(&report, "R1")["compliance"], "COMPLIANT", "{report}");
}

/// SAM generates roles for more than functions: a state machine's, and those of the events
/// that start a function or a state machine. Each trusts its service with no condition.
#[test]
fn roles_sam_generates_for_services_are_judged() {
    let template = |state_machine_role: &str, schedule_role: &str| {
        format!("Transform: AWS::Serverless-2016-10-31\nResources:\n  SM:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition: {{StartAt: A, States: {{A: {{Type: Pass, End: true}}}}}}\n{state_machine_role}      Events:\n        Nightly:\n          Type: Schedule\n          Properties: {{Schedule: rate(1 day)}}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: x\n      Runtime: python3.12\n      InlineCode: x\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole, Condition: {{StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}}}}}\n      Events:\n        Sched:\n          Type: ScheduleV2\n          Properties: {{ScheduleExpression: rate(1 hour){schedule_role}}}\n")
    };
    let path = |name: &str, text: &str| {
        let dir = fresh_dir(&format!("trustcheck-sam-{name}"));
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let generated = path("generated.yaml", &template("", ""));
    let args = [
        "template",
        "--params",
        r#"{"requireSourceAccount": true}"#,
        generated.to_str().unwrap(),
    ];
    let (code, report) = json_report(&args);
    assert_eq!(code, Some(1), "{report}");
    for (id, service) in [
        ("SMRole", "states.amazonaws.com"),
        ("SMNightlyRole", "events.amazonaws.com"),
        ("FnSchedRole", "scheduler.amazonaws.com"),
    ] {
        let generated = role(&report, id);
        assert_eq!(ids(&generated["findings"]), ["CONFUSED_DEPUTY_UNSCOPED"], "{generated}");
        assert!(
            generated["findings"][0]["message"].as_str().unwrap().contains(service),
            "{generated}"
        );
        assert!(
            generated["notes"].to_string().contains("SAM generates this role"),
            "{generated}"
        );
    }
    assert_eq!(role(&report, "FnRole")["compliance"], "COMPLIANT", "{report}");
    // Roles of the reader's own: SAM generates none.
    let own = path(
        "own.yaml",
        &template(
            "      Role: arn:aws:iam::123456789012:role/sm\n",
            ", RoleArn: arn:aws:iam::123456789012:role/scheduler",
        ),
    );
    let (_, report) = json_report(&["template", own.to_str().unwrap()]);
    let listed: Vec<&str> = (report["roles"].as_array().unwrap().iter())
        .filter_map(|r| r["logical_id"].as_str())
        .collect();
    assert_eq!(listed, ["SMNightlyRole", "FnRole"], "{report}");
    // The note says how to replace each: the state machine's `Role`, an event's `RoleArn`, or,
    // for an event that takes none, resources of your own.
    let notes = |report: &Value, id: &str| role(report, id)["notes"].to_string();
    let (_, report) = json_report(&args);
    assert!(
        notes(&report, "SMRole").contains("give SM a role of your own (Role)"),
        "{report}"
    );
    assert!(
        notes(&report, "FnSchedRole").contains("give its event Sched a role of your own (the event's RoleArn)"),
        "{report}"
    );
    // A RoleArn written empty is none: SAM generates the role (null for Schedule, "" for ScheduleV2
    // too); the resource's tags reach its own role, and an exemption tag counts.
    let tagged = path(
        "tagged.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  SM:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}\n      Tags: {trustcheck:exempt: sam-made}\n      Events:\n        Nightly:\n          Type: Schedule\n          Properties: {Schedule: rate(1 day), RoleArn: null}\n        Bus:\n          Type: EventBridgeRule\n          Properties: {Pattern: {source: [x]}}\n        V2:\n          Type: ScheduleV2\n          Properties: {ScheduleExpression: rate(1 hour), RoleArn: ''}\n",
    );
    let (_, report) = json_report(&["template", "--fail-on", "LOW", tagged.to_str().unwrap()]);
    assert_eq!(role(&report, "SMRole")["compliance"], "NOT_APPLICABLE", "{report}");
    for id in ["SMNightlyRole", "SMBusRole", "SMV2Role"] {
        assert_eq!(role(&report, id)["compliance"], "NON_COMPLIANT", "{report}");
    }
    assert!(
        notes(&report, "SMBusRole").contains("takes no role of your own"),
        "{report}"
    );
}

/// An account dump as some tools write it (`"Tags": null`), and one role listed twice with and
/// without its exemption tag: judged as both, so the untagged copy's finding is not exempt.
#[test]
fn an_account_role_s_tags_null_or_differing_between_copies_are_read_as_written() {
    let cross = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A444455556666%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let dir = fresh_dir("trustcheck-account-tags");
    let path = dir.join("auth.json");
    let role = |tags: &str| {
        format!(
            r#"{{"RoleName":"vendor","Path":"/","Arn":"arn:aws:iam::111122223333:role/vendor","AssumeRolePolicyDocument":"{cross}","Tags":{tags}}}"#
        )
    };
    let dump = format!(
        r#"{{"RoleDetailList":[{},{},{}]}}"#,
        role(r#"[{"Key":"trustcheck:exempt","Value":null}]"#),
        role("[]"),
        role("null")
            .replace("role/vendor", "role/other")
            .replace(r#""vendor""#, r#""other""#)
    );
    std::fs::write(&path, dump).unwrap();
    let (code, report) = json_report(&["account", "--auth-details", path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let verdicts: Vec<(&str, &str)> = (report["roles"].as_array().unwrap().iter())
        .map(|r| (r["arn"].as_str().unwrap(), r["compliance"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("arn:aws:iam::111122223333:role/vendor", "NOT_APPLICABLE"),
            ("arn:aws:iam::111122223333:role/vendor", "NON_COMPLIANT"),
            ("arn:aws:iam::111122223333:role/other", "NON_COMPLIANT"),
        ],
        "{report:#}"
    );
    assert_eq!(
        ids(&role_of(&report, 2)["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{report:#}"
    );
}

fn role_of(report: &Value, index: usize) -> &Value {
    &report["roles"][index]
}

/// Writes `files` (name, text) into a fresh directory of the test's own and returns it.
fn template_dir(test: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = common::scratch().join(format!("trustcheck-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_mapping_naming_its_function_by_an_intrinsic_of_it_stops_that_function() {
    // A function without `FunctionName`, as CloudFormation and CDK leave most: its name is
    // unknown, but `!Sub "${Fn}"` and an alias ARN built from `Fn.Arn` are still its.
    let template = |function_name: &str| {
        format!(
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: sts:AssumeRole}}\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {{Role: !GetAtt R.Arn, Code: {{ZipFile: x}}, Handler: a.b, Runtime: python3.12}}\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {{ShardCount: 1}}\n  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: {function_name}\n      EventSourceArn: !GetAtt Stream.Arn\n      StartingPosition: LATEST\n"
        )
    };
    for function_name in [
        "!Ref Fn",
        r#"!Sub "${Fn}""#,
        r#"!Sub "${Fn.Arn}:live""#,
        r#"!Join [":", [!GetAtt Fn.Arn, live]]"#,
    ] {
        let (code, report) = template_report("mapping-intrinsic.yaml", &template(function_name));
        assert_eq!(code, Some(1), "{function_name}: {report:#}");
        let finding = &role(&report, "R")["findings"][0];
        assert_eq!(finding["id"], "LAMBDA_TRUST_MISSING", "{function_name}: {report:#}");
        assert_eq!(
            finding["severity"], "CRITICAL",
            "{function_name}: the stream's records expire: {report:#}"
        );
    }
    // Another stack's function: none of this template's roles stops it.
    let (_, report) = template_report("mapping-intrinsic.yaml", &template("!ImportValue other-function"));
    assert_eq!(role(&report, "R")["findings"][0]["severity"], "HIGH", "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("Mapping's FunctionName is not a function the template gives"),
        "the mapping is not dropped in silence: {report:#}"
    );
}

#[test]
fn a_parent_passing_a_role_name_into_a_nested_stack_s_role_arn_links_its_function() {
    let parent = "Resources:\n  WorkerRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: worker-role\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters:\n        RoleName: !Ref WorkerRole\n";
    for role_arn in [
        r#"!Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RoleName}""#,
        r#"!Sub "${RoleName}""#,
    ] {
        let child = format!("Parameters:\n  RoleName: {{Type: String}}\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {{Role: {role_arn}, Code: {{ZipFile: x}}, Handler: a.b, Runtime: python3.12}}\n");
        let dir = template_dir("nested-role-name", &[("parent.yaml", parent), ("child.yaml", &child)]);
        let (code, report) = json_report(&["template", "--account-id", "111122223333", dir.to_str().unwrap()]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(code, Some(1), "{role_arn}: {report:#}");
        assert_eq!(
            ids(&role(&report, "WorkerRole")["findings"])[0],
            "LAMBDA_TRUST_MISSING",
            "{role_arn}: {report:#}"
        );
    }
}

#[test]
fn a_nested_stack_uploaded_to_s3_is_judged_with_the_values_its_parent_passes() {
    let parent = "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://s3.amazonaws.com/my-bucket/child.yaml\n      Parameters: {Trusted: \"*\"}\n";
    let child = "Parameters:\n  Trusted: {Type: String, Default: \"111122223333\"}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !Ref Trusted}, Action: sts:AssumeRole}\n";
    let dir = template_dir("nested-s3", &[("parent.yaml", parent), ("child.yaml", child)]);
    let (code, report) = json_report(&["template", "--account-id", "111122223333", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let roles = report["roles"].as_array().unwrap();
    let as_deployed = roles
        .iter()
        .find(|r| r["logical_id"].as_str().is_some_and(|n| n.starts_with("R (as ")))
        .unwrap_or_else(|| panic!("the parent's reading: {report:#}"));
    assert_eq!(ids(&as_deployed["findings"]), ["TRUST_PUBLIC"], "{report:#}");
    // Two templates of that name: which one the URL is can't be told, so neither is taken.
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("other/child.yaml"), child).unwrap();
    let (code, report) = json_report(&["template", "--account-id", "111122223333", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report:#}");
    std::fs::remove_dir_all(dir.join("other")).unwrap();
    // Nor when the parent names two uploads of that name (orders/child.yaml, billing/child.yaml),
    // of which one is scanned.
    let two = "Resources:\n  Orders:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://s3.amazonaws.com/my-bucket/orders/child.yaml\n      Parameters: {Trusted: \"*\"}\n  Billing:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://s3.amazonaws.com/my-bucket/billing/child.yaml\n      Parameters: {Trusted: \"111122223333\"}\n";
    std::fs::write(dir.join("parent.yaml"), two).unwrap();
    let (code, report) = json_report(&["template", "--account-id", "111122223333", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report:#}");
    // Nor is a template its own nested stack (SAM names every template template.yaml).
    let itself = format!("{child}  Nested:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://s3.amazonaws.com/my-bucket/apps/child.yaml\n      Parameters: {{Trusted: \"*\"}}\n");
    std::fs::remove_file(dir.join("parent.yaml")).unwrap();
    std::fs::write(dir.join("child.yaml"), itself).unwrap();
    let (code, report) = json_report(&["template", "--account-id", "111122223333", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn a_role_of_the_template_named_by_a_parameter_is_the_role_of_a_function_whose_arn_names_it_so() {
    // No Default: the parameter is left to a parent, but the role it names is this template's.
    let template = "Parameters: {RoleName: {Type: String}}\nResources:\n  FnRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Ref RoleName\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Role: !Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RoleName}\", Code: {ZipFile: x}, Handler: a.b, Runtime: python3.12}\n";
    let (code, report) = template_report("own-role-by-parameter.yaml", template);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "FnRole")["findings"])[0],
        "LAMBDA_TRUST_MISSING",
        "{report:#}"
    );
}

#[test]
fn a_trust_policy_the_template_leaves_to_an_import_or_parameter_fails_closed_saying_so() {
    for (document, parameters) in [
        ("!ImportValue shared-trust", ""),
        ("!Ref Trust", "Parameters:\n  Trust: {Type: String}\n"),
    ] {
        let template = format!(
            "{parameters}Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {document}\n"
        );
        let (code, report) = template_report("trust-not-given.yaml", &template);
        assert_eq!(code, Some(1), "{document}: {report:#}");
        let finding = &role(&report, "R")["findings"][0];
        assert_eq!(finding["id"], "POLICY_UNPARSEABLE", "{report:#}");
        // Not "not valid JSON": the template is fine, the policy is elsewhere.
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.starts_with("the template doesn't give the trust policy"),
            "{message}"
        );
    }
}

#[test]
fn references_that_cycle_through_a_module_are_followed_once() {
    // The function's role is a module output; each of the module's eight outputs reads all eight
    // of its variables, which its call feeds from all eight outputs (each reference listed
    // twice). Followed anew from each reference this took time exponential in the depth limit
    // (seven outputs: minutes); each output and variable is followed once.
    let outputs: Vec<String> = (0..8).map(|i| format!("module.c.out{i}")).collect();
    let variables: Vec<String> = (0..8).map(|i| format!("var.v{i}")).collect();
    let twice = |refs: &[String]| -> Vec<String> { refs.iter().chain(refs).cloned().collect() };
    let expressions: serde_json::Map<String, Value> = (0..8)
        .map(|i| (format!("v{i}"), serde_json::json!({"references": twice(&outputs)})))
        .collect();
    let module_outputs: serde_json::Map<String, Value> = (0..8)
        .map(|i| {
            (
                format!("out{i}"),
                serde_json::json!({"expression": {"references": twice(&variables)}}),
            )
        })
        .collect();
    let plan = serde_json::json!({"format_version": "1.2", "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_role.ok", "mode": "managed", "type": "aws_iam_role", "name": "ok",
             "values": {"name": "ok", "assume_role_policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#}},
            {"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
             "values": {"function_name": "f"}}]}},
        "configuration": {"root_module": {
            "resources": [{"address": "aws_lambda_function.f", "type": "aws_lambda_function",
                           "expressions": {"role": {"references": ["module.c.out0"]}}}],
            "module_calls": {"c": {"expressions": expressions, "module": {"outputs": module_outputs}}}}}});
    let path = common::scratch().join(format!("trustcheck-cycle-{}.json", std::process::id()));
    std::fs::write(&path, plan.to_string()).unwrap();
    let (code, report) = json_report(&["terraform", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["summary"]["roles"], 1, "{report:#}");
}

#[test]
fn a_parameter_longer_than_cloudformation_allows_is_opaque_once_not_copied_into_every_reference() {
    // 5,000 bytes (CloudFormation refuses a value past 4,096), referenced 2,000 times: read, it
    // was copied into each reference (memory in gigabytes when larger), and noted as often.
    let big = "a".repeat(5000);
    let parts: Vec<serde_json::Value> = (0..2000).map(|_| serde_json::json!({"Ref": "P"})).collect();
    let template = serde_json::json!({
        "Parameters": {"P": {"Type": "String", "Default": big}},
        "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": {"Fn::Join": ["", parts]}}}}]}}}}});
    let path = common::scratch().join(format!("trustcheck-long-parameter-{}.json", std::process::id()));
    std::fs::write(&path, template.to_string()).unwrap();
    let (code, report) = json_report(&["template", path.to_str().unwrap(), "--account-id", "111122223333"]);
    std::fs::remove_file(&path).unwrap();
    // An external id the template doesn't determine still scopes the other account.
    assert_eq!(code, Some(0), "{report:#}");
    let role = role(&report, "R");
    assert_eq!(
        role["notes"],
        serde_json::json!([
            "Ref P is unresolved (a value longer than the 4,096 bytes CloudFormation allows a parameter)"
        ])
    );
    assert!(
        !report.to_string().contains(&"a".repeat(4097)),
        "the value is not copied into the report"
    );
}

#[test]
fn a_reference_to_a_name_the_template_does_not_declare_says_so() {
    let template = serde_json::json!({
        "Parameters": {"Declared": {"Type": "String"}},
        "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${TrustedAcct}:root"}}, "Action": "sts:AssumeRole"},
                {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${Declared}:root"}}, "Action": "sts:AssumeRole"}]}}}}});
    let path = common::scratch().join(format!("trustcheck-undeclared-{}.json", std::process::id()));
    std::fs::write(&path, template.to_string()).unwrap();
    let (_, report) = json_report(&["template", path.to_str().unwrap(), "--account-id", "111122223333"]);
    std::fs::remove_file(&path).unwrap();
    // CloudFormation refuses the template ("Unresolved resource dependencies"): the role fails
    // closed, the finding saying why.
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["POLICY_UNPARSEABLE"], "{r}");
    assert_eq!(
        r["findings"][0]["message"],
        "Ref TrustedAcct: CloudFormation refuses the template: neither a parameter nor a resource of this template (\"Unresolved resource dependencies\")"
    );
    assert_eq!(
        r["notes"],
        serde_json::json!(["Ref Declared is unresolved (no parameter default; pass --parameter Declared=VALUE)"])
    );
    // With a transform (SAM, a macro), a resource it makes (a state machine's role) is no error.
    let mut transformed = template.clone();
    transformed["Transform"] = serde_json::json!("AWS::Serverless-2016-10-31");
    std::fs::write(&path, transformed.to_string()).unwrap();
    let (_, report) = json_report(&["template", path.to_str().unwrap(), "--account-id", "111122223333"]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        role(&report, "R")["notes"][0],
        "Ref TrustedAcct is unresolved (not declared here: the template's transform may make it)"
    );
}

#[test]
fn one_broken_entry_of_an_account_file_fails_alone() {
    let mut details: Value = serde_json::from_str(&std::fs::read_to_string(AUTH).unwrap()).unwrap();
    let roles = details["RoleDetailList"].as_array_mut().unwrap();
    let listed = roles.len();
    // No RoleName (another tool's output, a hand edit), and one whose Path is a number.
    let mut nameless = roles[0].clone();
    nameless.as_object_mut().unwrap().remove("RoleName");
    roles.insert(1, nameless);
    let mut numbered = roles[2].clone();
    numbered["Path"] = serde_json::json!(5);
    roles.push(numbered);
    // A role written as a list (a dump reshaped by a script) and one whose tags are pairs: serde
    // would read either field by field in order (the pair as an exemption tag).
    roles.push(serde_json::json!([
        "/",
        "ops",
        "arn:aws:iam::111122223333:role/ops",
        "%7B%7D"
    ]));
    let mut paired = roles[0].clone();
    paired["Tags"] = serde_json::json!([["trustcheck:exempt", "reviewed"]]);
    roles.push(paired);
    let path = common::scratch().join(format!("trustcheck-broken-entry-{}.json", std::process::id()));
    std::fs::write(&path, details.to_string()).unwrap();
    let (code, report) = json_report(&["account", "--auth-details", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["summary"]["roles"], listed + 4, "{}", report["summary"]);
    let broken: Vec<&Value> = (report["roles"].as_array().unwrap().iter())
        .filter(|r| {
            r["findings"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("RoleDetailList["))
        })
        .collect();
    assert_eq!(broken.len(), 4, "{report:#}");
    let message = |r: &Value| r["findings"][0]["message"].as_str().unwrap_or_default().to_owned();
    let by_position = (broken.iter()).filter(|r| message(r).contains("invalid type: sequence, expected an object"));
    assert_eq!(by_position.count(), 2, "{report:#}");
    let nameless = broken
        .iter()
        .find(|r| message(r).starts_with("RoleDetailList[1] "))
        .unwrap();
    assert_eq!(ids(&nameless["findings"]), ["POLICY_UNPARSEABLE"]);
    assert_eq!(
        message(nameless),
        "RoleDetailList[1] is not a role of aws iam get-account-authorization-details: missing field `RoleName`"
    );
    assert_eq!(nameless["arn"], details["RoleDetailList"][1]["Arn"]);
    assert!(
        broken.iter().any(|r| message(r).contains("invalid type: integer `5`")),
        "{report:#}"
    );
}

#[test]
fn a_plan_whose_policy_is_not_text_says_so_and_fails_closed() {
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(PLAN).unwrap()).unwrap();
    let resources = plan["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap();
    let planned = resources
        .iter_mut()
        .find(|r| r["type"] == "aws_iam_role")
        .expect("a role at the root");
    planned["values"]["assume_role_policy"] = serde_json::json!(5);
    let address = planned["address"].as_str().unwrap().to_owned();
    let path = common::scratch().join(format!("trustcheck-number-policy-{}.json", std::process::id()));
    std::fs::write(&path, plan.to_string()).unwrap();
    let (code, report) = json_report(&["terraform", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    let judged = role(&report, &address);
    assert_eq!(ids(&judged["findings"])[0], "POLICY_UNPARSEABLE");
    assert_eq!(
        judged["findings"][0]["message"],
        "assume_role_policy is a number in the plan, not a policy document (fails closed)"
    );
}

#[test]
fn cdk_json_values_read_inside_one_another_each_deeply_nested_are_read_not_a_stack_overflow() {
    // 64 CfnJson values, each one's Value the next one's, wrapped in 40 nested Fn::Join: each
    // bound holds, but together they nested deeper than the main thread's stack allowed.
    let mut resources = serde_json::Map::new();
    for i in 0..64 {
        let mut value = serde_json::json!({"Fn::GetAtt": [format!("Link{}", i + 1), "Value"]});
        for _ in 0..40 {
            value = serde_json::json!({"Fn::Join": ["", [value]]});
        }
        resources.insert(
            format!("Link{i}"),
            serde_json::json!({"Type": "Custom::AWSCDKCfnJson", "Properties": {"Value": value}}),
        );
    }
    resources.insert(
        "R".into(),
        serde_json::json!({"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"Fn::GetAtt": ["Link0", "Value"]}}}]}}}),
    );
    let path = common::scratch().join(format!("trustcheck-deep-chain-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::json!({"Resources": resources}).to_string()).unwrap();
    let (code, report) = json_report(&["template", path.to_str().unwrap(), "--account-id", "111122223333"]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "R")["findings"]),
        ["POLICY_UNPARSEABLE"],
        "{report:#}"
    );
}

/// A plan Terraform saved although planning failed (`errored`) lacks the roles it failed on:
/// refused, not judged as if whole. One of some resources only (`complete: false`) says so.
#[test]
fn an_errored_plan_is_refused_and_an_incomplete_one_noted() {
    let out = trustcheck(&["terraform", "tests/terraform/errored.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let error = stderr(&out);
    assert!(
        error.contains("tests/terraform/errored.json: the plan errored"),
        "{error}"
    );
    let text = std::fs::read_to_string("tests/terraform/errored.json").unwrap();
    let incomplete = text.replace(r#""errored":true"#, r#""errored":false"#);
    assert_ne!(incomplete, text, "the fixture says it errored");
    let dir = common::scratch().join(format!("trustcheck-incomplete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plan.json");
    std::fs::write(&path, incomplete).unwrap();
    let (code, report) = json_report(&["terraform", path.to_str().unwrap(), "--account-id", "444455556666"]);
    assert_eq!(code, Some(1), "{report}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("the plan is incomplete"), "{notes}");
}

/// A plan of a JSON format this trustcheck doesn't know (a major version past 1) is refused, as
/// Terraform's docs ask of its readers; Terraform 0.12 to 0.15's 0.x is read.
#[test]
fn a_plan_of_an_unknown_major_format_version_is_refused() {
    let text = std::fs::read_to_string(PLAN).unwrap();
    let written = ["\"format_version\":\"1.2\"", "\"format_version\": \"1.2\""]
        .into_iter()
        .find(|v| text.contains(v))
        .expect("the fixture's format_version");
    let dir = fresh_dir("trustcheck-format-version");
    for (version, code) in [("2.0", Some(2)), ("0.1", Some(1))] {
        let path = dir.join(format!("plan-{version}.json"));
        std::fs::write(
            &path,
            text.replacen(written, &format!("\"format_version\":\"{version}\""), 1),
        )
        .unwrap();
        let out = trustcheck(&["terraform", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), code, "{version}: {}", stderr(&out));
        if code == Some(2) {
            assert!(
                stderr(&out).contains("format_version 2.0, which this trustcheck doesn't know"),
                "{}",
                stderr(&out)
            );
        }
    }
}

/// `Fn::Transform` (AWS::Include) directly under Resources adds resources the scan can't see:
/// the roles written out are judged, and a note says the included ones are not.
#[test]
fn an_include_under_resources_is_noted_and_the_other_roles_judged() {
    let include = "Resources:\n  'Fn::Transform':\n    Name: 'AWS::Include'\n    Parameters:\n      Location: 's3://my-bucket/roles.yaml'\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n";
    let (code, report) = template_report("include-in-resources.yaml", include);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(ids(&role(&report, "R")["findings"])[0], "TRUST_PUBLIC", "{report}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("AWS::Include of s3://my-bucket/roles.yaml"), "{notes}");
    // A macro there is handed every resource: each role fails closed.
    let with_macro = include.replace("'AWS::Include'", "MyMacro");
    let (code, report) = template_report("macro-in-resources.yaml", &with_macro);
    assert_eq!(code, Some(1), "{report}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["POLICY_UNPARSEABLE"], "{r}");
    assert!(
        r["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Fn::Transform of the macro MyMacro"),
        "{r}"
    );
}

/// A trust policy the plan marks sensitive (`sensitive = true` variables in it) is judged, but
/// its suggested policy, which would print its values (an external id), is not.
#[test]
fn a_sensitive_trust_policy_is_judged_without_printing_its_values() {
    // The policy itself, a finding that quotes its condition, a stack's parameters.
    // Terraform 0.15 marks them only in the change's `after_sensitive`.
    for plan in [
        "sensitive",
        "sensitive-condition",
        "sensitive-stack",
        "sensitive-terraform-0.15",
        "sensitive-terraform-0.15-whole",
    ] {
        let path = format!("tests/terraform/{plan}.json");
        for format in ["json", "text", "sarif"] {
            let out = trustcheck(&["terraform", &path, "--account-id", "111122223333", "--format", format]);
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            let printed = stdout(&out);
            assert!(!printed.contains("s3cr3t"), "{plan} {format}: {printed}");
            if format != "sarif" {
                assert!(
                    printed.contains("the plan marks values of this trust policy sensitive"),
                    "{printed}"
                );
            }
        }
    }
    // Nor a part of one: the end of an annotation cut at 256 characters, an ARN's account or
    // host quoted on their own, a value of a template the plan marks sensitive.
    for (plan, secret) in [
        ("sensitive-annotation-cut", "Zq8v"),
        ("sensitive-partial-value", "corp-internal-idp"),
        ("sensitive-partial-value", "444455556666"),
        ("sensitive-template-body", "Zq8vN3kLp2Wx7Rt5"),
        // A stack's list parameter's items, and a part its template cuts out with Fn::Split.
        ("sensitive-stack-list", "444455556666"),
        ("sensitive-stack-list", "777788889999"),
        ("sensitive-stack-split", "444455556666"),
        // Cut at a dot, and quoted in a condition.
        ("sensitive-stack-split-dot", "S3cr3tExtId9f8e7d6c"),
        // A list's short item inside a role ARN; a condition of the deployment judged worst.
        ("sensitive-stack-list-item-in-arn", "hrapp"),
        ("sensitive-template-body-other-deployment", "o-devsecret777"),
        ("sensitive-stack-list-item-dotted", "ops.eu"),
    ] {
        let path = format!("tests/terraform/{plan}.json");
        for format in ["json", "text", "sarif"] {
            let out = trustcheck(&["terraform", &path, "--account-id", "111122223333", "--format", format]);
            assert!(!stdout(&out).contains(secret), "{plan} {format}: {}", stdout(&out));
        }
    }
    // Only what the trust is made of is hidden: a sensitive parameter it doesn't use (a
    // description) takes no word out of the findings' texts.
    let (_, report) = json_report(&[
        "terraform",
        "tests/terraform/sensitive-stack-all-parameters.json",
        "--account-id",
        "111122223333",
    ]);
    let fix = report["roles"][0]["findings"][0]["fix"].as_str().unwrap();
    assert_eq!(
        fix,
        "add StringEquals sts:ExternalId to statement 0, or name the exact role ARN instead of the account"
    );
    // Nor do the words of a sensitive value the trust holds whole (a subject).
    let (_, report) = json_report(&[
        "terraform",
        "tests/terraform/sensitive-stack-subject-whole.json",
        "--account-id",
        "111122223333",
    ]);
    let fix = report["roles"][0]["findings"][0]["fix"].as_str().unwrap();
    assert!(fix.ends_with("e.g. repo:OWNER/REPO:ref:refs/heads/main"), "{fix}");
    // A baseline holds the findings as they read, secrets hidden: it accepts them again.
    let dir = common::scratch().join(format!("trustcheck-sensitive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let plan = "tests/terraform/sensitive-stack-baseline.json";
    let out = trustcheck(&[
        "terraform",
        plan,
        "--account-id",
        "111122223333",
        "--output",
        &format!("json={}", baseline.display()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = trustcheck(&[
        "terraform",
        plan,
        "--account-id",
        "111122223333",
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Where the value was quoted, the finding says it is sensitive.
    let (_, report) = json_report(&[
        "terraform",
        "tests/terraform/sensitive-condition.json",
        "--account-id",
        "111122223333",
    ]);
    assert!(report.to_string().contains("sts:ExternalId (sensitive)"), "{report}");
}

/// A role made through a provider configuration that assumes a role in another account is in
/// that account, not `--account-id`'s; with a caller identity per provider configuration, each
/// role is judged against its own provider's account.
#[test]
fn a_role_made_through_another_account_s_provider_is_judged_in_that_account() {
    let provider_plan = |plan: &str| {
        let path = format!("tests/terraform/providers/{plan}.json");
        json_report(&["terraform", &path, "--account-id", "111122223333"])
    };
    let (code, report) = json_report(&[
        "terraform",
        "tests/terraform/assume-role-provider.json",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(code, Some(1), "{report}");
    // Made in 222233334444, it trusts 111122223333: another account.
    let prod = role(&report, "aws_iam_role.prod_deployer");
    assert_eq!(ids(&prod["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{prod}");
    assert_eq!(role(&report, "aws_iam_role.tooling_local")["compliance"], "COMPLIANT");

    // However the configuration names that account: a web identity's role, the last of a chain
    // of roles, a root variable's value, or a configuration declared in a module.
    for plan in [
        "web_identity",
        "chain",
        "variable",
        "module",
        // The last assumed role wins over the web identity's; a root without an aws provider of
        // its own; a module's configuration keyed as Terraform 1.1 keyed it.
        "web-identity-then-assume-role",
        "module-only-root",
        "module-legacy-key",
        // Terraform 1.1: a module that only declares the provider inherits the root's; a nested
        // module's resources keyed by the innermost name; a module's caller identity.
        "legacy-inherit-required-providers",
        "legacy-nested-module",
        "module-identity-legacy",
        // A nested module that only declares the provider inherits its parent module's.
        "legacy-nested-inherits-parent",
    ] {
        let (code, report) = provider_plan(plan);
        assert_eq!(code, Some(1), "{plan}: {report}");
        let prod = (report["roles"].as_array().unwrap().iter())
            .find(|r| r["address"].as_str().unwrap().ends_with("aws_iam_role.prod_deployer"))
            .unwrap();
        assert_eq!(
            ids(&prod["findings"]),
            ["CROSS_ACCOUNT_UNCONDITIONED"],
            "{plan}: {prod}"
        );
    }
    // A stack and a function made through such a configuration are in its account too: the
    // stack's role as the role beside it, the function named with that account (its role's
    // aws:SourceArn condition naming the deploying account's function blocks Lambda).
    let (_, report) = provider_plan("module-stack-account");
    let stack_role = role(&report, "module.vendor.aws_cloudformation_stack.vendor/Vendor");
    assert_eq!(
        ids(&stack_role["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{stack_role}"
    );
    let (_, report) = provider_plan("module-function-sourcearn-wrong");
    let prod = role(&report, "module.vendor.aws_iam_role.prod_deployer");
    assert_eq!(ids(&prod["findings"]), ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{prod}");
    // Credentials read from values the plan doesn't show (`"${var.env}-prod"`) can't be compared
    // with the deploying configuration's: the account is unknown, and said so.
    let (_, report) = provider_plan("alias-profile-interpolated");
    let prod = role(&report, "aws_iam_role.prod_deployer");
    assert!(
        prod["notes"]
            .to_string()
            .contains("(aws.prod) than the deploying one (aws)"),
        "{prod}"
    );
    // Terraform 1.1 doesn't record a provider passed to a module (`providers = { aws = aws.prod }`):
    // a module that only declares it, beside an alias that could have been passed, has an account
    // of its own, unknown; and a caller identity read in a module names its own configuration's
    // account, not the root's.
    let (_, report) = json_report(&[
        "terraform",
        "tests/terraform/providers/legacy-passed-provider.json",
        "--account-id",
        "111122223333",
    ]);
    let module_role = role(&report, "module.vendor.aws_iam_role.prod_deployer");
    assert!(
        module_role["notes"].to_string().contains("than the deploying one"),
        "{module_role}"
    );
    let (_, report) = json_report(&[
        "terraform",
        "tests/terraform/providers/legacy-module-identity-deploying.json",
    ]);
    let root_role = role(&report, "aws_iam_role.root_role");
    assert!(
        root_role["notes"].to_string().contains("than the deploying one"),
        "{root_role}"
    );
    // An alias that acts as its parent does (a region's) passed or not, the module's account is
    // known; and two 1.1 modules of one innermost name are two configurations.
    for (plan, address, args) in [
        (
            "legacy-region-alias-module-inherits",
            "module.vendor.aws_iam_role.r",
            &["--account-id", "111122223333"][..],
        ),
        (
            "legacy-same-innermost-name",
            "module.x.module.vendor.aws_iam_role.r",
            &[][..],
        ),
    ] {
        let path = format!("tests/terraform/providers/{plan}.json");
        let (_, report) = json_report(&[&["terraform", path.as_str()][..], args].concat());
        let r = role(&report, address);
        assert_eq!(ids(&r["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{plan}: {r}");
    }
    // awscc's assume_role is one attribute, not a list of blocks.
    let (_, report) = provider_plan("awscc-assume-role");
    let prod = role(&report, "awscc_iam_role.prod");
    assert_eq!(ids(&prod["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{prod}");
    // The account the plan states (a caller identity) wins over credentials that only read
    // alike: computed ones (`pathexpand(…)`, `{}` in the plan) are never alike.
    let (_, report) = provider_plan("alias-identity-computed");
    assert_eq!(
        role(&report, "aws_iam_role.worker")["compliance"],
        "COMPLIANT",
        "{report}"
    );
    let ops = role(&report, "aws_iam_role.ops");
    assert_eq!(ids(&ops["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{ops}");
    let (_, report) = provider_plan("alias-credentials-computed");
    let prod = role(&report, "aws_iam_role.prod_deployer");
    assert!(
        prod["notes"].to_string().contains("(aws.prod) than the deploying one"),
        "{prod}"
    );
    // A profile of its own, or a credentials file (as provider v3 spells it): its account is
    // unknown, and the report says so.
    for plan in ["profile", "shared-credentials-file"] {
        let (_, report) = provider_plan(plan);
        let prod = role(&report, "aws_iam_role.prod_deployer");
        assert!(
            prod["notes"]
                .to_string()
                .contains("(aws.prod) than the deploying one (aws), which may act in another account"),
            "{plan}: {prod}"
        );
    }
    // awscc's default configuration, not in the plan, takes the environment's credentials: not
    // the deploying aws one's when that has a profile of its own.
    let (_, report) = provider_plan("awscc-implicit-aws-profile");
    let app = role(&report, "awscc_iam_role.app");
    assert!(
        app["notes"]
            .to_string()
            .contains("(awscc) than the deploying one (aws)"),
        "{app}"
    );

    let (code, report) = json_report(&["terraform", "tests/terraform/two-caller-identities.json"]);
    assert_eq!(code, Some(1), "{report}");
    for (address, trusted) in [
        ("aws_iam_role.prod_deployer", "123456789012"),
        ("aws_iam_role.tooling_local", "999988887777"),
    ] {
        let r = role(&report, address);
        assert_eq!(ids(&r["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{r}");
        assert!(r["findings"][0]["message"].as_str().unwrap().contains(trusted), "{r}");
    }
}

/// Without --account-id, 123456789012 stands in for the template's account: a template that
/// names it (AWS's example account, copied from the guides) is told that its trust of it reads
/// as the role's own.
#[test]
fn a_template_naming_the_stand_in_account_is_told_so() {
    let vendor = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::123456789012:root'}, Action: sts:AssumeRole}\n";
    let (_, report) = template_report("stand-in-named.yaml", vendor);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("names 123456789012, the account that stands in"),
        "{notes}"
    );
    let other = vendor.replace("123456789012", "444455556666");
    let (_, report) = template_report("stand-in-not-named.yaml", &other);
    assert!(!report["notes"].to_string().contains("names 123456789012"), "{report}");
    // A stack set's template is judged in the stand-in account whatever --account-id says.
    let set = std::fs::read_to_string("tests/templates/stack-set-stand-in.yaml").unwrap();
    assert!(set.contains("arn:aws:iam::123456789012:root"));
    let (_, report) = json_report(&[
        "template",
        "tests/templates/stack-set-stand-in.yaml",
        "--account-id",
        "111122223333",
    ]);
    assert!(
        report["notes"]
            .to_string()
            .contains("names 123456789012, the account that stands in"),
        "{report}"
    );
}

/// A dynamic reference (`{{resolve:ssm:NAME}}`) is read as a parameter: inline, or as a
/// parameter's default. Its account is another one, not text IAM would refuse.
#[test]
fn a_dynamic_reference_reads_as_a_parameter_wherever_it_is() {
    for (name, principal) in [
        ("inline", "'{{resolve:ssm:/org/trusted-account:1}}'"),
        ("default", "!Ref Trusted"),
    ] {
        let template = format!(
            "Parameters:\n  Trusted:\n    Type: String\n    Default: '{{{{resolve:ssm:/org/trusted-account:1}}}}'\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{AWS: {principal}}}, Action: sts:AssumeRole}}\n"
        );
        let (code, report) = template_report(&format!("dynamic-{name}.yaml"), &template);
        assert_eq!(code, Some(1), "{report}");
        let r = role(&report, "R");
        assert_eq!(ids(&r["findings"]), ["CROSS_ACCOUNT_UNCONDITIONED"], "{name}: {r}");
        assert!(r["notes"].to_string().contains("a dynamic reference"), "{name}: {r}");
    }
}

#[test]
fn a_function_whose_export_or_role_name_several_templates_have_is_judged_with_each() {
    // The stages of a CDK app, or a copy of the templates per environment: two roles exported
    // under one name, one of them a role Lambda can't assume. Each is the function's where it is
    // deployed; a second copy must not turn the failing one's scan green.
    let dir = fresh_dir("trustcheck-two-exports");
    let role = |service: &str, export: &str| {
        serde_json::json!({"Resources": {"ExecRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "worker",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}}}},
         "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["ExecRole", "Arn"]}, "Export": {"Name": export}}}})
        .to_string()
    };
    let function = |role: serde_json::Value| {
        serde_json::json!({"Resources": {"Worker": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "worker", "Runtime": "python3.12", "Handler": "a.b", "Code": {"ZipFile": "x"},
            "Role": role}}}})
        .to_string()
    };
    let files = [
        ("dev.json", role("lambda.amazonaws.com", "worker-role-arn")),
        ("prod.json", role("ec2.amazonaws.com", "worker-role-arn")),
        (
            "app.json",
            function(serde_json::json!({"Fn::ImportValue": "worker-role-arn"})),
        ),
        ("by-name.json", function("arn:aws:iam::111122223333:role/worker".into())),
    ];
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    for user in ["app.json", "by-name.json"] {
        let args = ["template", "--account-id", "111122223333"];
        let inputs = [path("dev.json"), path("prod.json"), path(user)];
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let (code, report) = json_report(&[&args[..], &inputs[..]].concat());
        assert_eq!(code, Some(1), "{user}: {report:#}");
        let roles = report["roles"].as_array().unwrap();
        assert_eq!(roles.len(), 2, "{report:#}");
        for judged in roles {
            assert_eq!(
                judged["functions"].as_array().map(Vec::len),
                Some(1),
                "{user}: each role is the function's: {report:#}"
            );
        }
        let broken = roles
            .iter()
            .find(|r| r["source"].as_str().unwrap().ends_with("prod.json"));
        assert_eq!(
            broken.map(|r| ids(&r["findings"])),
            Some(vec!["LAMBDA_TRUST_MISSING", "LAMBDA_ROLE_EXTRA_TRUST"]),
            "{user}: {report:#}"
        );
        assert!(
            !report["notes"].to_string().contains("no scanned template"),
            "{report:#}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_registry_module_is_noted_as_resources_not_scanned() {
    let (code, report) = template_report(
        "module.yaml",
        "Resources:\n  Exec:\n    Type: MyOrg::Security::LambdaRole::MODULE\n    Properties:\n      TrustedPrincipal: '*'\n",
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("resource Exec is the CloudFormation module MyOrg::Security::LambdaRole::MODULE, whose resources are not scanned here"),
        "{report:#}"
    );
}

#[test]
fn a_service_catalog_product_is_noted_as_roles_not_judged() {
    let (code, report) = template_report(
        "product.yaml",
        "Resources:\n  Vpc:\n    Type: AWS::ServiceCatalog::CloudFormationProvisionedProduct\n    Properties:\n      ProductName: shared-roles\n      ProvisioningArtifactName: v1\n",
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert!(
        report["notes"]
            .to_string()
            .contains("resource Vpc provisions a Service Catalog product"),
        "{report:#}"
    );
}

#[test]
fn a_no_echo_parameter_s_value_is_never_printed() {
    // CloudFormation masks a NoEcho parameter; the report (kept as a build artifact, or committed
    // as a baseline) must not print it: no suggested policy, "(sensitive)" in the findings.
    let dir = fresh_dir("trustcheck-no-echo");
    let path = dir.join("partner.yaml");
    std::fs::write(
        &path,
        "Parameters:\n  PartnerExternalId:\n    Type: String\n    NoEcho: true\n    Default: Def4ultS3cret\nResources:\n  PartnerRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: 'arn:aws:iam::444455556666:root'}\n            Action: 'sts:*'\n            Condition: {StringEquals: {'sts:ExternalId': !Ref PartnerExternalId}}\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    for given in [None, Some("PartnerExternalId=Sup3rS3cretExtId")] {
        let mut args = vec!["template", "--fail-on", "LOW", "--account-id", "111122223333", path];
        args.extend(given.iter().flat_map(|g| ["--parameter", *g]));
        let (code, report) = json_report(&args);
        assert_eq!(code, Some(1), "{report:#}");
        let printed = report.to_string();
        let text = stdout(&trustcheck(&args));
        for secret in ["Def4ultS3cret", "Sup3rS3cretExtId"] {
            assert!(
                !printed.contains(secret) && !text.contains(secret),
                "{secret}: {report:#}"
            );
        }
        let partner = role(&report, "PartnerRole");
        assert!(partner["suggested_policy"].is_null(), "{report:#}");
        assert!(
            printed.contains("the template's NoEcho parameters give values of this trust policy"),
            "{report:#}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_no_echo_value_the_parser_quotes_is_not_printed() {
    // A trust policy IAM can't read is reported with what the parser stopped at, which may be a
    // NoEcho value (a principal written as a plain string): hidden there too, in every format.
    let dir = fresh_dir("trustcheck-no-echo-unreadable");
    let path = dir.join("partner.yaml");
    let path = path.to_str().unwrap();
    // The parser quotes a value escaped: one with a quote and a backslash is hidden so too.
    for secret in ["Sup3rS3cretPrincipal", r#"Sup3r"S3cret\Princ"#] {
        std::fs::write(
            path,
            format!("Parameters:\n  Partner:\n    Type: String\n    NoEcho: true\n    Default: '{secret}'\nResources:\n  PartnerRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: !Ref Partner\n            Action: sts:AssumeRole\n"),
        )
        .unwrap();
        let (code, report) = json_report(&["template", "--account-id", "111122223333", path]);
        assert_eq!(code, Some(1), "{report:#}");
        let partner = role(&report, "PartnerRole");
        assert_eq!(partner["findings"][0]["id"], "POLICY_UNPARSEABLE", "{report:#}");
        assert!(report.to_string().contains("(sensitive)"), "{report:#}");
        for format in ["text", "json", "sarif"] {
            let printed = stdout(&trustcheck(&[
                "template",
                "--format",
                format,
                "--account-id",
                "111122223333",
                path,
            ]));
            assert!(!printed.contains("S3cret"), "{format} {secret}: {printed}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_role_with_a_condition_is_judged_where_it_deploys() {
    // An optional partner's role: with the empty default of the partner's account no role is
    // made, so it is not judged so (it read as a principal IAM refuses: TRUST_POLICY_INVALID).
    let (code, report) = template_report(
        "optional.yaml",
        "Parameters:\n  PartnerAccount: {Type: String, Default: ''}\n  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}\nConditions:\n  HasPartner: !Not [!Equals [!Ref PartnerAccount, '']]\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  PartnerRole:\n    Type: AWS::IAM::Role\n    Condition: HasPartner\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Sub 'arn:aws:iam::${PartnerAccount}:root'}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {'sts:ExternalId': partner-1}}\n  ProdRole:\n    Type: AWS::IAM::Role\n    Condition: IsProd\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !If [IsProd, 'arn:aws:iam::444455556666:role/deployer', '*']}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {'sts:ExternalId': deployer-1}}\n  DevRole:\n    Type: AWS::IAM::Role\n    Condition: IsProd\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !If [IsProd, '*', 'arn:aws:iam::444455556666:role/deployer']}\n            Action: sts:AssumeRole\n",
    );
    assert_eq!(code, Some(1), "{report:#}");
    for deployed in ["PartnerRole", "ProdRole"] {
        let judged = role(&report, deployed);
        assert_eq!(judged["compliance"], "COMPLIANT", "{deployed}: {report:#}");
        assert!(
            judged["notes"]
                .to_string()
                .contains("judged as deployed, as with its condition"),
            "{report:#}"
        );
    }
    // Where it deploys, it is judged for what it is there: public.
    assert_eq!(
        ids(&role(&report, "DevRole")["findings"]),
        ["TRUST_PUBLIC"],
        "{report:#}"
    );
}

#[test]
fn a_function_s_role_built_from_a_parameter_or_a_mapping_is_each_role_it_can_be() {
    // `Env=dev`, which the template allows, gives the function the role Lambda can't assume.
    let roles = "  ProdExecRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: prod-exec\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole, Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}}\n  DevExecRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: dev-exec\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n";
    let function = |role: &str| {
        format!("  Worker:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.h\n      Code: {{ZipFile: x}}\n      Role: {role}\n")
    };
    let header = "Parameters:\n  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nMappings:\n  Roles:\n    prod: {Arn: 'arn:aws:iam::111122223333:role/prod-exec'}\n    dev: {Arn: 'arn:aws:iam::111122223333:role/dev-exec'}\nResources:\n";
    for built in [
        "!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Env}-exec'",
        "!FindInMap [Roles, !Ref Env, Arn]",
        "!Sub ['arn:aws:iam::${AWS::AccountId}:role/${Name}', {Name: !If [IsProd, prod-exec, dev-exec]}]",
    ] {
        let dir = fresh_dir("trustcheck-role-ways");
        let path = dir.join("app.yaml");
        std::fs::write(&path, format!("{header}{roles}{}", function(built))).unwrap();
        let (code, report) = json_report(&["template", "--account-id", "111122223333", path.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{built}: {report:#}");
        let dev = role(&report, "DevExecRole");
        assert_eq!(
            dev["functions"].as_array().map(Vec::len),
            Some(1),
            "{built}: {report:#}"
        );
        assert!(
            ids(&dev["findings"]).contains(&"LAMBDA_TRUST_MISSING"),
            "{built}: {report:#}"
        );
        assert_eq!(
            role(&report, "ProdExecRole")["compliance"],
            "COMPLIANT",
            "{built}: {report:#}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn what_a_parent_or_a_stack_set_passes_in_another_environment_is_judged_too() {
    // The production deployment passes a deployer role, the other one `"*"`: the child's role
    // and the stack set's are public there, though the defaults read harmless.
    let args = ["template", "--account-id", "111122223333"];
    let (code, report) = json_report(
        &[
            &args[..],
            &["tests/templates/ways/parent.yaml", "tests/templates/ways/child.yaml"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(1), "{report:#}");
    let public = role(
        &report,
        "DeployRole (as tests/templates/ways/parent.yaml Child (IsProd false))",
    );
    assert_eq!(ids(&public["findings"]), ["TRUST_PUBLIC"], "{report:#}");
    assert_eq!(role(&report, "DeployRole")["compliance"], "COMPLIANT", "{report:#}");
    let (code, report) = json_report(&[&args[..], &["tests/templates/ways/stackset.yaml"]].concat());
    assert_eq!(code, Some(1), "{report:#}");
    let public = role(&report, "AuditRoles/AuditRole (IsProd false)");
    assert_eq!(ids(&public["findings"]), ["TRUST_PUBLIC"], "{report:#}");
    assert_eq!(
        role(&report, "AuditRoles/AuditRole")["compliance"],
        "COMPLIANT",
        "{report:#}"
    );
    // A choice met down another's branch only (`!If [IsProd, …, !If [IsStaging, …, "*"]]`).
    let (code, report) = json_report(
        &[
            &args[..],
            &[
                "tests/templates/ways/parent-nested-if.yaml",
                "tests/templates/ways/child.yaml",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, Some(1), "{report:#}");
    let public = role(
        &report,
        "DeployRole (as tests/templates/ways/parent-nested-if.yaml Child (IsProd false, IsStaging false))",
    );
    assert_eq!(ids(&public["findings"]), ["TRUST_PUBLIC"], "{report:#}");
    // Given the production environment, one reading each.
    let prod = ["--parameter", "Env=prod", "tests/templates/ways/stackset.yaml"];
    let (code, report) = json_report(&[&args[..], &prod[..]].concat());
    assert_eq!(
        (code, report["roles"].as_array().map(Vec::len)),
        (Some(0), Some(1)),
        "{report:#}"
    );
}

#[test]
fn an_exemption_tag_under_if_counts_where_its_condition_is_decided() {
    let dir = fresh_dir("trustcheck-tag-if");
    let path = dir.join("tagged.yaml");
    std::fs::write(
        &path,
        "Parameters:\n  Env: {Type: String, Default: dev}\nConditions:\n  IsDev: !Equals [!Ref Env, dev]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Tags:\n        - !If [IsDev, {Key: 'trustcheck:exempt', Value: dev sandbox}, !Ref AWS::NoValue]\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::444455556666:root'}, Action: sts:AssumeRole}\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let args = ["template", "--account-id", "111122223333"];
    for (given, compliance) in [
        ("Env=dev", "NOT_APPLICABLE"),
        ("Env=prod", "NON_COMPLIANT"),
        ("Other=x", "NON_COMPLIANT"),
    ] {
        let (_, report) = json_report(&[&args[..], &["--parameter", given, path]].concat());
        assert_eq!(role(&report, "R")["compliance"], compliance, "{given}: {report:#}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_plan_nested_deeper_than_the_reader_goes_says_so() {
    let dir = fresh_dir("trustcheck-deep-plan");
    let path = dir.join("deep.json");
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    std::fs::write(
        &path,
        format!(
            r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [{{"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", "values": {{"name": "r", "assume_role_policy": "{{}}", "tags_all": {deep}}}}}]}}}}}}"#
        ),
    )
    .unwrap();
    let out = trustcheck(&["terraform", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nested more than 128 levels deep"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The logical ids of a template report's roles, sorted.
fn sorted_logical_ids(report: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = (report["roles"].as_array().unwrap().iter())
        .filter_map(|r| r["logical_id"].as_str())
        .collect();
    names.sort_unstable();
    names
}

#[test]
fn the_roles_sam_generates_for_codedeploy_appsync_and_a_capacity_provider_are_judged() {
    // As the SAM translator writes them (1.110): each trusts its service with no condition.
    let (_, report) = template_report(
        "generated.yaml",
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    DeploymentPreference: {Type: AllAtOnce}\nResources:\n  Orders:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: a.h, CodeUri: s3://b/k.zip, AutoPublishAlias: live}\n  Billing:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: a.h, CodeUri: s3://b/k.zip, AutoPublishAlias: live}\n  Api:\n    Type: AWS::Serverless::GraphQLApi\n    Properties:\n      SchemaInline: 'type Query { hello: String }'\n      Auth: {Type: AWS_IAM}\n      DataSources:\n        DynamoDb:\n          Posts: {TableName: posts, TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/posts'}\n          Owned: {TableName: owned, ServiceRoleArn: 'arn:aws:iam::123456789012:role/owned'}\n        Lambda:\n          Resolver: {FunctionArn: !GetAtt Orders.Arn}\n  Capacity:\n    Type: AWS::Serverless::CapacityProvider\n    Properties:\n      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}\n",
    );
    assert_eq!(
        sorted_logical_ids(&report),
        [
            "ApiCloudWatchRole",
            "ApiPostsDynamoDBDataSourceRole",
            "ApiResolverLambdaDataSourceRole",
            "BillingRole",
            "CapacityOperatorRole",
            "CodeDeployServiceRole",
            "OrdersRole"
        ],
        "{report:#}"
    );
    let codedeploy = role(&report, "CodeDeployServiceRole");
    assert_eq!(ids(&codedeploy["findings"]), ["CONFUSED_DEPUTY_UNSCOPED"], "{report:#}");
}

/// The roles SAM makes, as its translator makes them: at the `RolePath` (of `Globals.Function`
/// too), so a function naming one by its ARN is its user; none for a deployment preference
/// switched off or given a role by its globals, for a GraphQL API without logging, for a
/// capacity provider whose globals give its operator role, or for `AWS::NoValue` nested in a
/// branch; the roles of the newer types; tags propagated by the globals; an unknown type noted.
#[test]
fn the_roles_sam_generates_are_the_translator_s() {
    let path = "tests/templates/sam/translator.yaml";
    let args = ["template", "--account-id", "111122223333", "--region", "us-east-1"];
    let (_, report) = json_report(&[&args[..], &[path]].concat());
    assert_eq!(
        sorted_logical_ids(&report),
        [
            "CodeDeployServiceRole",
            "EgressOperatorRole",
            "FlowRole",
            "GatedRole",
            "ImageBuildRole",
            "QuietRole",
            "SiteRole",
            "WorkerNightlyRole",
            "WorkerRole"
        ],
        "{report:#}"
    );
    // Reader names Worker's role by its ARN, at the globals' path.
    let worker = role(&report, "WorkerRole");
    let users: Vec<&str> = (worker["functions"].as_array().unwrap().iter())
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(users, ["Worker", "Reader"], "{worker:#}");
    assert_eq!(role(&report, "QuietRole")["compliance"], "COMPLIANT", "{report:#}");
    // The state machine's role at its RolePath: an exemption by that path counts.
    assert_eq!(role(&report, "FlowRole")["compliance"], "COMPLIANT", "{report:#}");
    let exempt = r#"{"exemptRoleArnPatterns": ["arn:aws:iam::*:role/flows/*"]}"#;
    let (_, exempted) = json_report(&[&args[..], &["--params", exempt, path]].concat());
    assert_eq!(
        role(&exempted, "FlowRole")["compliance"],
        "NOT_APPLICABLE",
        "{exempted:#}"
    );
    // The globals' tags, propagated to the schedule's role: its exemption counts. So on the
    // CodeDeploy role SAM makes for Gated, which propagates them too.
    for id in ["WorkerNightlyRole", "CodeDeployServiceRole"] {
        assert_eq!(role(&report, id)["compliance"], "NOT_APPLICABLE", "{id}: {report:#}");
    }
    // The one CodeDeploy role takes the tags of each function that propagates them, not only
    // the first function's that needs it.
    let merged = "tests/templates/sam/codedeploy-tags-merged.yaml";
    let (_, merged) = json_report(&[&args[..], &["--params", r#"{"requireSourceAccount": true}"#, merged]].concat());
    assert_eq!(
        role(&merged, "CodeDeployServiceRole")["compliance"],
        "NOT_APPLICABLE",
        "{merged:#}"
    );
    let notes = report["notes"].to_string();
    assert!(!notes.contains("Reader uses the role"), "{notes}");
    assert!(
        notes.contains("Later is an AWS::Serverless::Hologram, a SAM type this scan doesn't know"),
        "{notes}"
    );
}

#[test]
fn a_stack_set_s_parameters_resting_on_too_many_choices_are_an_error() {
    let conditions: String = (0..11).map(|i| format!("  C{i}: !Equals [!Ref P{i}, a]\n")).collect();
    let parameters: String = (0..11)
        .map(|i| format!("  P{i}: {{Type: String, Default: a}}\n"))
        .collect();
    let value: Vec<String> = (0..11).map(|i| format!("!If [C{i}, a, b]")).collect();
    let template = format!(
        "Parameters:\n{parameters}Conditions:\n{conditions}Resources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: s\n      PermissionModel: SELF_MANAGED\n      Parameters:\n        - ParameterKey: Principal\n          ParameterValue: !Join ['', [{}]]\n      TemplateBody: |\n        Parameters:\n          Principal: {{Type: String}}\n        Resources:\n          R:\n            Type: AWS::IAM::Role\n            Properties:\n              AssumeRolePolicyDocument:\n                Statement:\n                  - {{Effect: Allow, Principal: {{AWS: !Ref Principal}}, Action: sts:AssumeRole}}\n",
        value.join(", ")
    );
    let dir = fresh_dir("trustcheck-too-many-ways");
    let path = dir.join("set.yaml");
    std::fs::write(&path, template).unwrap();
    let out = trustcheck(&["template", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).contains("Set's Parameters rests on more choices the template leaves open than the ways of deploying that are checked"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_a_parameter_the_deployer_may_set_to_a_wildcard_is_taken_for_one() {
    // An import, a nested stack's output, a resource's id name what exists; a parameter whose
    // pattern or type allows no `*` can't be one: a wildcard narrowed by them stays MEDIUM (it can
    // be baselined), and a Cognito pool of the stack scopes its role.
    for (file, expected) in [
        ("imports.yaml", "TRUST_PUBLIC_CONDITIONED"),
        ("constrained.yaml", "TRUST_PUBLIC_CONDITIONED"),
        ("resource-ref.yaml", ""),
    ] {
        let path = format!("tests/templates/undetermined/{file}");
        let (_, report) = json_report(&["template", "--account-id", "111122223333", &path]);
        for judged in report["roles"].as_array().unwrap() {
            let found = ids(&judged["findings"]).join(",");
            assert_eq!(found, expected, "{file}: {report:#}");
        }
    }
    // Yet a pattern of account ids only is any account: the principal is another account's. A
    // pattern of ARNs that pins the account names that account's principals, not anyone's.
    let path = "tests/templates/undetermined/accounts.yaml";
    let (_, report) = json_report(&["template", "--account-id", "111122223333", path]);
    let found: Vec<(String, String)> = (report["roles"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["logical_id"].as_str().unwrap().to_owned(),
                ids(&r["findings"]).join(","),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "PeeringAccepterRole".to_owned(),
                "CROSS_ACCOUNT_UNCONDITIONED".to_owned()
            ),
            ("TrustedRole".to_owned(), String::new()),
            ("ScannerDelegateRole".to_owned(), "TRUST_PUBLIC_CONDITIONED".to_owned()),
            ("AnyPrincipalRole".to_owned(), "CROSS_ACCOUNT_UNCONDITIONED".to_owned()),
            ("NumberRole".to_owned(), "CROSS_ACCOUNT_UNCONDITIONED".to_owned()),
            ("SelectedRole".to_owned(), "CROSS_ACCOUNT_UNCONDITIONED".to_owned()),
            ("QuestionMarkRole".to_owned(), "TRUST_PUBLIC".to_owned()),
            (
                "AnyPartitionScannerRole".to_owned(),
                "TRUST_PUBLIC_CONDITIONED".to_owned()
            ),
            ("DeploymentAccountRole".to_owned(), String::new()),
            ("ListAndItemRole".to_owned(), "CROSS_ACCOUNT_UNCONDITIONED".to_owned()),
            (
                "AccountOfAnArnRole".to_owned(),
                "CROSS_ACCOUNT_UNCONDITIONED".to_owned()
            ),
            ("AlternativeAccountRole".to_owned(), "TRUST_PUBLIC".to_owned()),
        ],
        "{report:#}"
    );
    let ssm = (report["roles"].as_array().unwrap().iter())
        .find(|r| r["logical_id"] == "DeploymentAccountRole")
        .unwrap();
    assert!(
        ssm["notes"]
            .to_string()
            .contains("read from the SSM parameter /adf/deployment_account_id when deployed"),
        "{ssm:#}"
    );
}

#[test]
fn a_no_echo_value_is_hidden_wherever_it_goes_and_only_there() {
    let dir = "tests/templates/noecho";
    let secret_cases = [
        (
            vec![
                format!("{dir}/parent.yaml"),
                format!("{dir}/child.yaml"),
                "--parameter".to_owned(),
                "PartnerExternalId=s3cr3t-Extern4l-Id-9f8e7d".to_owned(),
            ],
            "s3cr3t-Extern4l-Id-9f8e7d",
        ),
        (vec![format!("{dir}/b_allowed_values.yaml")], "Other-Secret-2222"),
        (vec![format!("{dir}/b_stackset_allowed.yaml")], "Other-Secret-2222"),
    ];
    for (inputs, secret) in secret_cases {
        let mut args = vec!["template"];
        args.extend(inputs.iter().map(String::as_str));
        let text = stdout(&trustcheck(&args));
        let (_, json) = json_report(&args);
        args.extend(["--format", "sarif"]);
        let sarif = stdout(&trustcheck(&args));
        for (format, printed) in [("text", text), ("json", json.to_string()), ("sarif", sarif)] {
            assert!(!printed.contains(secret), "{inputs:?} {format}: {printed}");
        }
    }
    // A NoEcho value no trust policy holds hides nothing there.
    let (_, report) = json_report(&["template", &format!("{dir}/b_unrelated_arn_noecho.yaml")]);
    let printed = report.to_string();
    assert!(!printed.contains("NoEcho parameters give values"), "{report:#}");
    assert!(!printed.contains("(sensitive)"), "{report:#}");
}

#[test]
fn a_refresh_only_plan_judges_the_refreshed_state_and_an_empty_state_has_no_roles() {
    // `terraform plan -refresh-only` (the drift check) plans no change: its roles are in
    // prior_state, as refreshed, with a trust someone made public outside Terraform.
    let (code, report) = json_report(&["terraform", "tests/terraform/refresh-only-drift.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let exec = role(&report, "aws_iam_role.exec");
    assert_eq!(ids(&exec["findings"])[0], "TRUST_PUBLIC", "{report:#}");
    assert!(
        report["notes"].to_string().contains("a refresh-only plan"),
        "{report:#}"
    );
    // An empty workspace's state (`{"format_version": "1.0"}`) is no error.
    let (code, report) = json_report(&["terraform", "tests/terraform/empty-state.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["roles"], serde_json::json!([]), "{report:#}");
}

/// Other JSON that begins as `terraform show -json` does is no empty workspace: `terraform
/// validate -json`'s output, or a plan's resource changes without its planned values, would pass
/// a public role.
#[test]
fn json_that_is_not_a_plan_or_a_state_is_an_error() {
    for file in [
        "tests/terraform/validate-output.json",
        "tests/terraform/changes-without-planned-values.json",
    ] {
        let out = trustcheck(&["terraform", file]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not the output of terraform show -json"),
            "{file}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_function_role_the_plan_marks_sensitive_is_not_printed() {
    let plan = "tests/terraform/sensitive-function-role.json";
    let text = stdout(&trustcheck(&["terraform", plan]));
    let (_, report) = json_report(&["terraform", plan]);
    let sarif = stdout(&trustcheck(&["terraform", plan, "--format", "sarif"]));
    for printed in [text, report.to_string(), sarif] {
        assert!(!printed.contains("secret-team-role"), "{printed}");
    }
    assert!(
        report["notes"].to_string().contains("its role (sensitive)"),
        "{report:#}"
    );
}

#[test]
fn a_saved_plan_the_log_of_plan_json_or_the_configuration_is_told_apart_from_a_plan() {
    let dir = fresh_dir("trustcheck-not-plans");
    std::fs::write(dir.join("tfplan"), b"PK\x03\x04\x14\x00\x08\x00binary").unwrap();
    std::fs::write(
        dir.join("log.json"),
        "{\"@level\":\"info\",\"@message\":\"Terraform 1.11.4\",\"type\":\"version\"}\n{\"@level\":\"info\",\"type\":\"planned_change\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "# the role\nresource \"aws_iam_role\" \"app\" {\n  name = \"app\"\n}\n",
    )
    .unwrap();
    for (file, says) in [
        ("tfplan", "a saved plan file (terraform plan -out)"),
        ("log.json", "the log of `terraform plan -json`"),
        ("main.tf", "Terraform configuration (HCL), not a plan"),
    ] {
        let out = trustcheck(&["terraform", dir.join(file).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(stderr(&out).contains(says), "{file}: {}", stderr(&out));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_role_listed_as_an_object_and_percent_encoded_is_one_role() {
    let (_, report) = json_report(&[
        "account",
        "--auth-details",
        "tests/account/same-role-two-encodings.json",
    ]);
    assert_eq!(report["roles"].as_array().map(Vec::len), Some(1), "{report:#}");
}

#[test]
fn a_constrained_parameter_still_links_and_many_allowed_values_pass_down() {
    // The parent's role, passed by name to a parameter with IAM's role-name pattern, is the
    // nested function's role: its Lambda trust blocks that function.
    let (code, report) = json_report(&["template", "tests/templates/constrained-pass"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        report.to_string().contains("LAMBDA_TRUST_CONDITION_BLOCKS"),
        "{report:#}"
    );
    // A parameter of 40 allowed values passed down is 40 readings, within what is read.
    let (code, report) = json_report(&["template", "tests/templates/many-values"]);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn a_value_the_plan_marks_sensitive_in_a_policy_document_stays_hidden_in_the_trust() {
    // `data.aws_iam_policy_document` built from a `sensitive` variable: the provider's `json`
    // loses the mark, the data source keeps it.
    let plan = "tests/terraform/policy-document-sensitive.json";
    let args = ["terraform", plan, "--account-id", "111122223333"];
    let text = stdout(&trustcheck(&args));
    let (_, report) = json_report(&args);
    for printed in [text, report.to_string()] {
        assert!(!printed.contains("Sup3rS3cretExternalId"), "{printed}");
    }
}

#[test]
fn a_plan_that_deletes_the_role_a_function_keeps_fails() {
    let (code, report) = json_report(&["terraform", "tests/terraform/deletes-exec-role.json"]);
    assert_eq!(code, Some(1), "{report:#}");
    let gone = role(&report, "aws_iam_role.exec");
    assert!(
        gone["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the plan deletes aws_iam_role.exec, and aws_lambda_function.f still uses it")),
        "{report:#}"
    );
    assert!(
        !report["notes"].to_string().contains("is not one the plan creates"),
        "{report:#}"
    );
    assert!(
        gone["suggested_policy"].is_null(),
        "no trust policy brings it back: {report:#}"
    );
    // Two functions that keep it: one role, both named.
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string("tests/terraform/deletes-exec-role.json").unwrap()).unwrap();
    for section in ["planned_values", "prior_state"] {
        if let Some(resources) = plan[section]["root_module"]["resources"].as_array_mut() {
            let twin = (resources.iter())
                .find(|r| r["address"] == "aws_lambda_function.f")
                .map(|f| {
                    let text = f.to_string().replace("aws_lambda_function.f", "aws_lambda_function.g");
                    let text = text
                        .replace("\"name\":\"f\"", "\"name\":\"g\"")
                        .replace("svcfn", "svcfn2");
                    serde_json::from_str::<Value>(&text).unwrap()
                });
            resources.extend(twin);
        }
    }
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    let twin = (changes.iter())
        .find(|c| c["address"] == "aws_lambda_function.f")
        .map(|c| {
            let text = c.to_string().replace("aws_lambda_function.f", "aws_lambda_function.g");
            serde_json::from_str::<Value>(
                &text
                    .replace("\"name\":\"f\"", "\"name\":\"g\"")
                    .replace("svcfn", "svcfn2"),
            )
            .unwrap()
        });
    changes.extend(twin);
    let dir = fresh_dir("trustcheck-deleted-twice");
    let file = dir.join("plan.json");
    std::fs::write(&file, plan.to_string()).unwrap();
    let (code, report) = json_report(&["terraform", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    let entries = (report["roles"].as_array().unwrap().iter())
        .filter(|r| r["address"] == "aws_iam_role.exec")
        .count();
    assert_eq!(entries, 1, "{report:#}");
    let gone = role(&report, "aws_iam_role.exec");
    assert!(
        gone["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m
                .contains("and aws_lambda_function.f, aws_lambda_function.g still use it: the functions can't run")),
        "{report:#}"
    );
}

#[test]
fn a_function_cloudfront_runs_at_the_edge_needs_its_role_to_trust_lambda_at_edge() {
    // CloudFront refuses to associate a function whose role doesn't trust edgelambda: by a
    // version resource, SAM's `Fn.Version`, a value built from the function's own ARN, and in
    // one branch of an `Fn::If`.
    let template = "tests/templates/lambda-edge.yaml";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    for id in ["RewriteRole", "AuthRole", "JoinedRole"] {
        let judged = role(&report, id);
        assert_eq!(judged["compliance"], "NON_COMPLIANT", "{judged}");
        let missing = &judged["findings"][0];
        assert_eq!(missing["id"], "LAMBDA_EDGE_TRUST_MISSING", "{judged}");
        assert_eq!(missing["severity"], "HIGH", "{judged}");
        let message = missing["message"].as_str().unwrap();
        assert!(
            message.starts_with("no statement allows edgelambda.amazonaws.com"),
            "{message}"
        );
        let suggested = judged["suggested_policy"].to_string();
        assert!(suggested.contains("edgelambda.amazonaws.com"), "{suggested}");
    }
    // Trusting both, or associated with no distribution: Lambda alone is what it needs.
    for id in ["HeadersRole", "PlainRole"] {
        assert_eq!(role(&report, id)["compliance"], "COMPLIANT", "{report}");
    }
    // Deployed where the `Fn::If` around the private behaviour's associations is false (another
    // region), Auth is at no edge.
    let (_, elsewhere) = json_report(&[
        "template",
        template,
        "--account-id",
        "111122223333",
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(
        ids(&role(&elsewhere, "AuthRole")["findings"]),
        ["CONFUSED_DEPUTY_UNSCOPED"],
        "{elsewhere}"
    );
    // The association another stack's function has is said, not passed over.
    assert!(
        report["notes"]
            .to_string()
            .contains("Site has a Lambda@Edge association that names no function"),
        "{report}"
    );
    // A plan: by reference to the function's qualified ARN, by a known ARN with a version, and
    // through an alias.
    let (code, report) = json_report(&[
        "terraform",
        "tests/terraform/lambda-edge.json",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(code, Some(1), "{report}");
    for address in [
        "aws_iam_role.by_reference",
        "aws_iam_role.by_arn",
        "aws_iam_role.through_alias",
    ] {
        let judged = role(&report, address);
        assert_eq!(ids(&judged["findings"]), ["LAMBDA_EDGE_TRUST_MISSING"], "{judged}");
    }
    for address in ["aws_iam_role.both", "aws_iam_role.plain"] {
        assert_eq!(role(&report, address)["compliance"], "COMPLIANT", "{report}");
    }
}

/// Accepting a role's missing Lambda@Edge trust in a baseline accepts that, not a later edit that
/// takes Lambda's own trust away: the two are findings of their own.
#[test]
fn a_baseline_that_accepts_lambda_at_edge_missing_still_sees_lambda_go() {
    let dir = fresh_dir("trustcheck-baseline-edge");
    let template = dir.join("edge.yaml");
    let with_trust = |service: &str| {
        std::fs::read_to_string("tests/templates/lambda-edge.yaml")
            .unwrap()
            .replacen(
                "Principal: {Service: lambda.amazonaws.com}",
                &format!("Principal: {{Service: {service}}}"),
                1,
            )
    };
    std::fs::write(&template, with_trust("lambda.amazonaws.com")).unwrap();
    let path = template.to_str().unwrap();
    let accepted = trustcheck(&["template", path, "--account-id", "111122223333", "--format", "json"]);
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, &accepted.stdout).unwrap();
    let against_baseline = || {
        let baseline = baseline.to_str().unwrap();
        trustcheck(&["template", path, "--account-id", "111122223333", "--baseline", baseline])
    };
    let out = against_baseline();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // RewriteRole now trusts Lambda@Edge alone: its functions stop everywhere.
    std::fs::write(&template, with_trust("edgelambda.amazonaws.com")).unwrap();
    let out = against_baseline();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("LAMBDA_TRUST_MISSING"), "{}", stdout(&out));
}

#[test]
fn a_saml_provider_the_template_makes_is_a_saml_provider() {
    // Its `Ref` and `Arn` are its ARN, named or not: never an undetermined provider (CRITICAL).
    let template = "tests/templates/saml-provider.yaml";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(ids(&role(&report, "Admins")["findings"]).is_empty(), "{report}");
    assert_eq!(
        ids(&role(&report, "WrongAction")["findings"]),
        ["STATEMENT_NEVER_APPLIES"],
        "{report}"
    );
    let broad = role(&report, "Broad");
    assert_eq!(ids(&broad["findings"]), ["BROAD_TRUST_ACTION"], "{broad}");
    let fix = broad["findings"][0]["fix"].as_str().unwrap();
    assert!(fix.contains("sts:AssumeRoleWithSAML"), "{fix}");
}

#[test]
fn a_nested_stack_s_parameters_resting_on_too_many_choices_leave_the_parent_judged() {
    // Eight on/off choices passed to a nested stack (AWS Solutions and Quick Starts pass more):
    // more ways of deploying than are checked. The parent's own roles are judged all the same;
    // only the child's readings as that stack deploys it are left unjudged, and only when the
    // child is scanned too does that fail the run.
    let parameters: String = (0..8)
        .map(|i| format!("  Enable{i}: {{Type: String, Default: 'no', AllowedValues: ['yes', 'no']}}\n"))
        .collect();
    let passed: String = (0..8).map(|i| format!("        Enable{i}: !Ref Enable{i}\n")).collect();
    let parent = format!(
        "Parameters:\n{parameters}Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n      Parameters:\n{passed}  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {{Runtime: python3.12, Handler: i.h, Code: {{ZipFile: x}}, Role: !GetAtt FnRole.Arn}}\n  FnRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: sts:AssumeRole}}\n"
    );
    let child_parameters: String = (0..8)
        .map(|i| format!("  Enable{i}: {{Type: String, Default: 'no'}}\n"))
        .collect();
    let child = format!(
        "Parameters:\n{child_parameters}Resources:\n  ChildRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: sts:AssumeRole}}\n"
    );
    let dir = fresh_dir("trustcheck-nested-too-many-ways");
    let (parent_path, child_path) = (dir.join("parent.yaml"), dir.join("child.yaml"));
    std::fs::write(&parent_path, parent).unwrap();

    // The child's template not there to read: the parent alone.
    let (code, report) = json_report(&["template", parent_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "FnRole")["findings"])[0],
        "LAMBDA_TRUST_MISSING",
        "{report:#}"
    );
    let notes = report["notes"].to_string();
    assert!(notes.contains("Child is a nested stack"), "{notes}");

    // Scanned with its child (given, or read from disk beside the parent): the parent's and the
    // child's own roles are judged, and the run fails on the readings it could not make.
    std::fs::write(&child_path, child).unwrap();
    let followed = trustcheck(&["template", "--format", "json", parent_path.to_str().unwrap()]);
    assert_eq!(
        followed.status.code(),
        Some(2),
        "{}{}",
        stdout(&followed),
        stderr(&followed)
    );
    let out = trustcheck(&[
        "template",
        "--format",
        "json",
        parent_path.to_str().unwrap(),
        child_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ids(&role(&report, "FnRole")["findings"])[0],
        "LAMBDA_TRUST_MISSING",
        "{report:#}"
    );
    assert!(role(&report, "ChildRole").is_object(), "{report:#}");
    let unread = report["unread"].to_string();
    assert!(
        unread.contains("Child's Parameters rests on more choices") && unread.contains("child.yaml is not judged"),
        "{unread}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_repository_parameter_whose_pattern_lets_a_star_through_only_after_the_owner_scopes() {
    // aws-actions/configure-aws-credentials' example: "owner/repo, or owner/* for all of the
    // owner's repositories". The owner is the deployer's to name, never a wildcard: as scoped as
    // `--parameter GitHubRepo=acme/*`. A pattern that lets one into the owner stays CRITICAL.
    let template = |pattern: &str| {
        format!(
            "Parameters:\n  GitHubRepo:\n    Type: String\n    AllowedPattern: '{pattern}'\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: sts:AssumeRoleWithWebIdentity\n            Principal:\n              Federated: !Sub arn:aws:iam::${{AWS::AccountId}}:oidc-provider/token.actions.githubusercontent.com\n            Condition:\n              StringEquals: {{token.actions.githubusercontent.com:aud: sts.amazonaws.com}}\n              StringLike: {{token.actions.githubusercontent.com:sub: !Sub 'repo:${{GitHubRepo}}:*'}}\n"
        )
    };
    let dir = fresh_dir("trustcheck-owner-pattern");
    for (pattern, expected) in [
        (r"^[A-Za-z0-9-]+/([A-Za-z0-9._-]+|\*)$", Vec::<&str>::new()),
        (
            r"^([A-Za-z0-9-]+|\*)/([A-Za-z0-9._-]+|\*)$",
            vec!["TRUST_OIDC_UNSCOPED"],
        ),
        (r"^.+$", vec!["TRUST_OIDC_UNSCOPED"]),
    ] {
        let path = dir.join("github.yaml");
        std::fs::write(&path, template(pattern)).unwrap();
        let (_, report) = json_report(&["template", "--account-id", "111122223333", path.to_str().unwrap()]);
        assert_eq!(
            ids(&role(&report, "Role")["findings"]),
            expected,
            "{pattern}: {report:#}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_wildcard_pinned_to_an_account_is_not_another_account_s_root_when_the_account_stands_in() {
    // Scanned without --account-id, the role's account is a stand-in: the account the condition
    // names may be the deployer's own, whose principals a wildcard lets in with no identity
    // policy of theirs. Given the account, another account's wildcard is its root.
    let template = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: '*'}\n            Action: sts:AssumeRole\n            Condition: {StringEquals: {aws:PrincipalAccount: '111122223333', sts:ExternalId: a1b2c3-vendor-id}}\n";
    let dir = fresh_dir("trustcheck-pinned-stand-in");
    let path = dir.join("vendor.yaml");
    std::fs::write(&path, template).unwrap();
    let path = path.to_str().unwrap();
    for (account, expected) in [
        (None, vec!["TRUST_PUBLIC_CONDITIONED"]),
        (Some("111122223333"), vec!["TRUST_PUBLIC_CONDITIONED"]),
        (Some("444455556666"), vec![]),
    ] {
        let mut args = vec!["template", path];
        args.extend(account.iter().flat_map(|a| ["--account-id", *a]));
        let (_, report) = json_report(&args);
        assert_eq!(
            ids(&role(&report, "Role")["findings"]),
            expected,
            "{account:?}: {report:#}"
        );
    }
    // `--parameter AWS::AccountId=…` gives no account (only --account-id does): still a stand-in.
    let (_, report) = json_report(&["template", path, "--parameter", "AWS::AccountId=444455556666"]);
    assert_eq!(
        ids(&role(&report, "Role")["findings"]),
        ["TRUST_PUBLIC_CONDITIONED"],
        "{report:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_policy_document_block_marked_sensitive_hides_its_values_not_the_policy_grammar() {
    // terraform-aws-iam's iam-assumable-role builds its external id's condition in a `dynamic`
    // block over a sensitive variable: Terraform marks the whole block, `StringEquals` and
    // `sts:ExternalId` too (terraform 1.11, aws 5.100). Only the id is secret: another role's
    // findings, fix and suggested policy stay whole.
    let plan = "tests/terraform/policy-document-sensitive-block.json";
    let args = ["terraform", plan, "--account-id", "123456789012"];
    let text = stdout(&trustcheck(&args));
    let (_, report) = json_report(&args);
    for printed in [&text, &report.to_string()] {
        assert!(!printed.contains("abcdefgh12345678"), "{printed}");
    }
    let github = role(&report, "aws_iam_role.gh");
    assert_eq!(ids(&github["findings"]), ["TRUST_OIDC_UNSCOPED"], "{report:#}");
    let fix = github["findings"][0]["fix"].as_str().unwrap();
    assert!(fix.starts_with("add StringEquals (or StringLike)"), "{fix}");
    assert!(github["suggested_policy"].is_object(), "{report:#}");
    assert!(!github["notes"].to_string().contains("sensitive"), "{report:#}");
}

#[test]
fn a_function_whose_role_expression_chooses_among_roles_links_each_and_says_so() {
    // `var.create_role ? aws_iam_role.lambda.arn : aws_iam_role.ec2.arn`: the plan lists the
    // references, not which branch is taken; each role is judged as the function's, noted.
    let (_, report) = json_report(&[
        "terraform",
        "tests/terraform/role-chosen-by-condition.json",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(
        role(&report, "aws_iam_role.lambda")["compliance"],
        "COMPLIANT",
        "{report:#}"
    );
    assert_eq!(
        ids(&role(&report, "aws_iam_role.ec2")["findings"])[0],
        "LAMBDA_TRUST_MISSING",
        "{report:#}"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("aws_lambda_function.fn: its role is one of aws_iam_role.lambda, aws_iam_role.ec2")
            || notes.contains("aws_lambda_function.fn: its role is one of aws_iam_role.ec2, aws_iam_role.lambda"),
        "{notes}"
    );
}

#[test]
fn an_ssm_parameter_the_template_makes_gives_its_value_to_get_att() {
    // `!GetAtt Param.Value` of the template's own AWS::SSM::Parameter is the value it writes: a
    // `"*"` there makes the role public in every deployment (red team: it read as an unknown name).
    let template = |value: &str| {
        format!(
            "Resources:\n  TrustedPrincipal:\n    Type: AWS::SSM::Parameter\n    Properties: {{Name: /app/trusted-principal, Type: String, Value: '{value}'}}\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - {{Effect: Allow, Principal: {{AWS: !GetAtt TrustedPrincipal.Value}}, Action: sts:AssumeRole}}\n"
        )
    };
    let dir = fresh_dir("trustcheck-ssm-value");
    let path = dir.join("ssm.yaml");
    for (value, expected) in [
        ("*", vec!["TRUST_PUBLIC"]),
        ("arn:aws:iam::111122223333:role/ops", vec![]),
    ] {
        std::fs::write(&path, template(value)).unwrap();
        let (_, report) = json_report(&["template", "--account-id", "111122223333", path.to_str().unwrap()]);
        assert_eq!(ids(&role(&report, "R")["findings"]), expected, "{value}: {report:#}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn values_known_only_after_apply_are_taken_for_what_they_may_be() {
    // Fail-open hunt (terraform 1.11, aws 5.100, against moto): `terraform_data.output` passes its
    // input through, `*` too; a role's description is no role's ARN; a `dynamic` principals block
    // is not in the configuration, so the written block's reference says nothing of its values.
    let judged = |plan: &str| json_report(&["terraform", plan, "--account-id", "123456789012"]).1;
    let report = judged("tests/terraform/unknown-values-from-the-plan.json");
    assert_eq!(
        ids(&role(&report, "aws_iam_role.r1")["findings"]),
        ["TRUST_PUBLIC"],
        "{report:#}"
    );
    assert_eq!(
        ids(&role(&report, "aws_iam_role.r3")["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{report:#}"
    );
    for (plan, name) in [
        ("tests/terraform/dynamic-principals-block.json", "aws_iam_role.b"),
        (
            "tests/terraform/external-id-from-terraform-data.json",
            "aws_iam_role.partner",
        ),
    ] {
        let report = judged(plan);
        assert_eq!(role(&report, name)["compliance"], "NON_COMPLIANT", "{plan}: {report:#}");
    }
}

/// Authorization details list each role's tags whole: a data perimeter's Deny whose exception is a
/// tag the role lacks (`StringNotEqualsIfExists aws:ResourceTag/dp:exclude:identity "true"`)
/// holds for every stranger, so the wildcard it guards is conditioned, not public; on a role with
/// the tag (its value not read) the Deny is not counted on, and the finding says so.
#[test]
fn an_account_role_without_a_perimeter_s_exception_tag_is_guarded_by_it() {
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:ResourceTag/dp:exclude:identity": "true"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]});
    let role = |name: &str, tags: serde_json::Value| {
        serde_json::json!({"RoleName": name, "Arn": format!("arn:aws:iam::111122223333:role/{name}"), "Path": "/",
            "AssumeRolePolicyDocument": trust, "Tags": tags})
    };
    let details = serde_json::json!({"RoleDetailList": [
        role("untagged", serde_json::json!([{"Key": "team", "Value": "data"}])),
        role("excluded", serde_json::json!([{"Key": "dp:exclude:identity", "Value": "true"}])),
        // An entry without its tags (a trimmed dump) says nothing of what the role lacks.
        role("unlisted", serde_json::Value::Null),
    ]});
    let dir = common::scratch().join(format!("trustcheck-perimeter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("auth-details.json");
    std::fs::write(&file, details.to_string()).unwrap();
    let (_, report) = common::json_report(&["account", "--auth-details", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    let findings = |name: &str| -> Vec<String> {
        let role = report["roles"]
            .as_array()
            .and_then(|roles| roles.iter().find(|r| r["name"].as_str() == Some(name)))
            .unwrap_or_else(|| panic!("{name} in {report}"));
        role["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(findings("untagged"), ["TRUST_PUBLIC_CONDITIONED"], "{report}");
    assert_eq!(findings("excluded"), ["TRUST_PUBLIC"], "{report}");
    assert_eq!(findings("unlisted"), ["TRUST_PUBLIC"], "{report}");
}

/// A suggested policy that keeps a value the template leaves open (a parameter without a default)
/// says to write it back as the template writes it: pasted as printed, it names nobody.
#[test]
fn a_suggestion_keeping_an_open_value_says_to_write_it_back() {
    let template = "Parameters:\n  CiRoleArn: {Type: String}\nResources:\n  Target:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !Ref CiRoleArn}, Action: 'sts:AssumeRole'}\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: 'sts:AssumeRole'}\n";
    let dir = common::scratch().join(format!("trustcheck-open-value-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("open.yaml");
    std::fs::write(&file, template).unwrap();
    let (code, report) = json_report(&["template", file.to_str().unwrap(), "--account-id", "111122223333"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{report}");
    let target = role(&report, "Target");
    assert!(
        target["suggested_policy"].to_string().contains("UNRESOLVED("),
        "{target:#}"
    );
    assert!(
        target["before_applying"]
            .to_string()
            .contains("back as the template or configuration writes it"),
        "{target:#}"
    );
}

/// CDK's nested stack template is an asset of the stack that deploys it, which passes every
/// parameter: with that stack scanned, its role is judged only as deployed (no reading of it alone,
/// where the parameter is unknown and a trust of it looks like another account's).
#[test]
fn a_cdk_nested_template_is_judged_as_its_parent_deploys_it_only() {
    let dir = fresh_dir("trustcheck-nested-cdk-only");
    let nested_file = "ParentTrustNestedStackTrustNestedStackResourceA1B2C3D4.nested.template.json";
    let parent = serde_json::json!({"Resources": {
        "CallerRole1A2B3C4D": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}
            }]}
        }},
        "TrustNestedStackTrustNestedStackResourceA1B2C3D4": {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": "https://s3.us-east-1.amazonaws.com/cdk-assets/def.json",
                "Parameters": {"referencetoParentCallerRoleArn": {"Fn::GetAtt": ["CallerRole1A2B3C4D", "Arn"]}}
            },
            "Metadata": {"aws:asset:path": nested_file, "aws:asset:property": "TemplateURL"}
        }
    }});
    let nested = serde_json::json!({
        "Parameters": {"referencetoParentCallerRoleArn": {"Type": "String"}},
        "Resources": {"TargetRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": {"Ref": "referencetoParentCallerRoleArn"}}
            }]}
        }}}
    });
    std::fs::write(dir.join("Parent.template.json"), parent.to_string()).unwrap();
    std::fs::write(dir.join(nested_file), nested.to_string()).unwrap();
    let (parent_path, nested_path) = (dir.join("Parent.template.json"), dir.join(nested_file));
    let args = ["template", "--account-id", "111122223333"];
    let files = [parent_path.to_str().unwrap(), nested_path.to_str().unwrap()];
    let (code, report) = json_report(&[&args[..], &files[..]].concat());
    assert_eq!(code, Some(0), "{report:#}");
    let targets: Vec<&Value> = (report["roles"].as_array().unwrap().iter())
        .filter(|r| r["logical_id"].as_str().is_some_and(|n| n.starts_with("TargetRole")))
        .collect();
    assert_eq!(targets.len(), 1, "{report:#}");
    assert_eq!(targets[0]["compliance"], "COMPLIANT", "{report:#}");
    // Alone, it is read as it stands: its parameter is another account's for all the scan knows.
    let (code, report) = json_report(&[&args[..], &files[1..]].concat());
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "TargetRole")["findings"]),
        ["CROSS_ACCOUNT_UNCONDITIONED"],
        "{report:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The note that the template names the stand-in account (AWS's example account) comes from a
/// value that may reach a trust: not from a description, metadata, or a longer number.
#[test]
fn the_stand_in_account_note_comes_from_values_only() {
    let dir = fresh_dir("trustcheck-stand-in-note");
    let role = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: PRINCIPAL}, Action: 'sts:AssumeRole'}\n";
    let quiet = format!(
        "Description: copy 123456789012 from the guide\nMetadata: {{Example: '123456789012'}}\n{}",
        role.replace("PRINCIPAL", "'arn:aws:iam::444455556666:role/x-0123456789012'")
    );
    let named = role.replace("PRINCIPAL", "'arn:aws:iam::123456789012:root'");
    for (name, text, noted) in [
        ("quiet.yaml", quiet.as_str(), false),
        ("named.yaml", named.as_str(), true),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let (_, report) = json_report(&["template", file.to_str().unwrap()]);
        let said = report["notes"].to_string().contains("names 123456789012");
        assert_eq!(said, noted, "{name}: {report:#}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The default provider configuration that writes its account out (the role it assumes, a lone
/// `allowed_account_ids`), CI's usual setup without a caller identity: its roles are judged in
/// that account, so another account's root trusted with no condition is reported.
#[test]
fn the_default_provider_s_written_account_judges_its_roles() {
    for plan in [
        "tests/terraform/default-provider-allowed-account.json",
        "tests/terraform/default-provider-assume-role.json",
    ] {
        let (code, report) = json_report(&["terraform", plan]);
        assert_eq!(code, Some(1), "{plan}: {report:#}");
        let judged = report["roles"][0].clone();
        assert_eq!(
            ids(&judged["findings"]),
            ["CROSS_ACCOUNT_UNCONDITIONED"],
            "{plan}: {report:#}"
        );
        assert!(
            report["notes"]
                .to_string()
                .contains("the account 111122223333 is the default aws provider configuration's"),
            "{plan}: {report:#}"
        );
    }
}

/// `data.aws_service_principal` read at apply (its module `depends_on` something, as
/// terraform-aws-eks's): its name is the service's principal, built from `service_name`, not an
/// undetermined service that Lambda "can't" be.
#[test]
fn a_service_principal_data_source_read_at_apply_is_its_service() {
    let (code, report) = json_report(&["terraform", "tests/terraform/deferred-service-principal.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    let judged = &report["roles"][0];
    assert_eq!(ids(&judged["findings"]), ["CONFUSED_DEPUTY_UNSCOPED"], "{report:#}");
    assert!(
        judged["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("lambda.amazonaws.com")),
        "{report:#}"
    );
}

/// The provider's region from a `data "aws_region"` a module reads through it (the provider block
/// writes none: CI's environment does): the function is in GovCloud, as its trust says.
#[test]
fn a_module_s_region_data_source_places_its_functions() {
    let (code, report) = json_report(&["terraform", "tests/terraform/module-region-data-source.json"]);
    assert_eq!(code, Some(0), "{report:#}");
    let judged = &report["roles"][0];
    assert_eq!(judged["findings"], Value::Array(vec![]), "{report:#}");
    assert_eq!(
        judged["functions"][0], "arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:orders",
        "{report:#}"
    );
    // One that looks up another region (`name = "us-west-2"`) says nothing of where the
    // provider acts: the function stays in --region's us-east-1, and its trust, kept to
    // us-west-2, shuts Lambda out.
    let args = [
        "terraform",
        "--region",
        "us-east-1",
        "tests/terraform/module-region-lookup.json",
    ];
    let (code, report) = json_report(&args);
    assert_eq!(code, Some(1), "{report:#}");
    let judged = &report["roles"][0];
    assert_eq!(
        ids(&judged["findings"]),
        ["LAMBDA_TRUST_CONDITION_BLOCKS"],
        "{report:#}"
    );
}

/// A loop the scan can't expand that makes only resources no verdict reads (topics) is left out
/// with a note: the public role beside it is judged, not hidden behind an error.
#[test]
fn a_loop_that_makes_no_role_leaves_the_template_readable() {
    let template = "tests/templates/for-each-topics-beside-a-role.yaml";
    let (code, report) = json_report(&["template", template]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        ids(&role(&report, "PublisherRole")["findings"]),
        ["TRUST_PUBLIC"],
        "{report:#}"
    );
    assert!(
        report["notes"]
            .to_string()
            .contains("Fn::ForEach::Topics (AWS::LanguageExtensions) is not expanded here"),
        "{report:#}"
    );
    // One that makes a role is still refused (tests/templates/for-each-over-parameter.yaml).
    let out = trustcheck(&["template", "tests/templates/for-each-over-parameter.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A plan with nothing the account judges (no role, function or stack) says nothing of the
/// account: the note would ask for an option that changes nothing.
#[test]
fn a_plan_without_roles_asks_for_no_account() {
    let dir = fresh_dir("trustcheck-plan-no-roles");
    let file = dir.join("plan.json");
    let plan = serde_json::json!({"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_sns_topic.t", "mode": "managed", "type": "aws_sns_topic", "name": "t", "values": {"name": "t"}}
    ]}}});
    std::fs::write(&file, plan.to_string()).unwrap();
    let out = trustcheck(&["terraform", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!stdout(&out).contains("the account is unknown"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("the account is unknown"), "{}", stderr(&out));
}

/// A distribution, a mapping or a function that CloudFormation makes only where its `Condition`
/// holds counts in the ways of deploying where it does: a role is not judged by a distribution
/// or a stream the same deployment doesn't make, nor by a function whose `Role` takes the other
/// branch of its own condition. And the template's users and groups, named as principals, are
/// judged as IAM reads them.
#[test]
fn resources_count_only_in_the_ways_of_deploying_that_make_them() {
    let template = "tests/templates/resources-deployed-with-their-conditions.yaml";
    let (code, report) = json_report(&["template", template, "--account-id", "111122223333"]);
    assert_eq!(code, Some(1), "{report}");
    // Trusting Lambda@Edge wherever the distribution is made; the other way round, it isn't.
    assert_eq!(
        ids(&role(&report, "EdgeRole")["findings"]),
        ["CONFUSED_DEPUTY_UNSCOPED"],
        "{report}"
    );
    assert_eq!(
        ids(&role(&report, "BackwardsRole")["findings"]),
        ["LAMBDA_EDGE_TRUST_MISSING", "CONFUSED_DEPUTY_UNSCOPED"],
        "{report}"
    );
    // Lambda is shut out only where the stream and its mapping are not made: an outage, but no
    // records expire (HIGH, not CRITICAL), and no mapping is said to stop.
    let stream = role(&report, "StreamRole");
    assert_eq!(ids(&stream["findings"]), ["LAMBDA_TRUST_CONDITION_BLOCKS"], "{stream}");
    assert_eq!(stream["findings"][0]["severity"], "HIGH", "{stream}");
    assert!(
        stream
            .get("stopped_mappings")
            .is_none_or(|m| m.as_array().is_some_and(Vec::is_empty)),
        "{stream}"
    );
    // Where the stream is made, Lambda is let in.
    let (_, streaming) = json_report(&[
        "template",
        template,
        "--account-id",
        "111122223333",
        "--parameter",
        "StreamMode=on",
    ]);
    assert_eq!(role(&streaming, "StreamRole")["compliance"], "COMPLIANT", "{streaming}");
    // ModeFn is made only with UseLambda, and then its role is LambdaRole.
    let ec2 = role(&report, "Ec2Role");
    assert_eq!(ec2["compliance"], "COMPLIANT", "{ec2}");
    assert!(ec2["functions"].as_array().is_none_or(Vec::is_empty), "{ec2}");
    assert_eq!(role(&report, "LambdaRole")["functions"][0], "ModeFn", "{report}");
    // A group's ARN (its name CloudFormation's) and a user's name are refused; a user's ARN is taken.
    for id in ["GroupTrust", "UserNameTrust"] {
        assert_eq!(
            ids(&role(&report, id)["findings"]),
            ["TRUST_POLICY_INVALID"],
            "{report}"
        );
    }
    let user = role(&report, "UserTrust");
    assert_eq!(user["compliance"], "COMPLIANT", "{user}");
    assert!(!user["notes"].to_string().contains("Deployer"), "{user}");

    // A way of deploying leaves out only what its template makes: the stream another scanned
    // template's function reads with the shared role still stops, CRITICAL, where the queue
    // mapping beside it is not made.
    let (code, report) = json_report(&[
        "template",
        "tests/templates/conditional-mappings-across-stacks/shared-role.yaml",
        "tests/templates/conditional-mappings-across-stacks/stream-consumer.yaml",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(code, Some(1), "{report}");
    let shared = role(&report, "R");
    assert_eq!(shared["findings"][0]["severity"], "CRITICAL", "{shared}");
    assert!(shared["stopped_mappings"].to_string().contains("clicks"), "{shared}");

    // Readings of a stack set's body under the parent's ways that differ only in the
    // distribution they make are two readings: where P is on, the distribution is always made.
    let (code, report) = json_report(&[
        "template",
        "tests/templates/stack-set-distribution-under-a-derived-condition.yaml",
        "--account-id",
        "111122223333",
    ]);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        (report["roles"].as_array().unwrap().iter())
            .any(|r| ids(&r["findings"]).contains(&"LAMBDA_EDGE_TRUST_MISSING")),
        "{report}"
    );
}

/// A role the plan replaces under another name (`name` forces a new resource) is gone once the
/// plan is applied: a function that keeps its old ARN written out can't run, as when the plan
/// deletes it. Replaced under the same name and path, the ARN lives on.
#[test]
fn a_plan_that_replaces_the_role_under_another_name_fails_the_function_that_keeps_its_arn() {
    let replaced = |new_name: &str| -> Value {
        let mut plan: Value =
            serde_json::from_str(&std::fs::read_to_string("tests/terraform/deletes-exec-role.json").unwrap()).unwrap();
        let changes = plan["resource_changes"].as_array_mut().unwrap();
        let change = &mut changes
            .iter_mut()
            .find(|c| c["address"] == "aws_iam_role.exec")
            .unwrap()["change"];
        let mut after = change["before"].clone();
        after["name"] = Value::from(new_name);
        for computed in ["arn", "id", "unique_id", "create_date"] {
            after.as_object_mut().unwrap().remove(computed);
        }
        change["actions"] = serde_json::json!(["delete", "create"]);
        change["after"] = after.clone();
        change["after_unknown"] = serde_json::json!({"arn": true, "id": true, "unique_id": true, "create_date": true});
        let role = serde_json::json!({"address": "aws_iam_role.exec", "mode": "managed", "type": "aws_iam_role",
            "name": "exec", "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": after, "sensitive_values": {}});
        plan["planned_values"]["root_module"]["resources"]
            .as_array_mut()
            .unwrap()
            .push(role);
        plan
    };
    let dir = fresh_dir("trustcheck-replaced-role");
    let file = dir.join("plan.json");
    std::fs::write(&file, replaced("svc-role-v2").to_string()).unwrap();
    let (code, report) = json_report(&["terraform", file.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{report:#}");
    let gone = role(&report, "aws_iam_role.exec (as it was before the plan)");
    assert_eq!(ids(&gone["findings"]), ["POLICY_UNPARSEABLE"], "{report:#}");
    assert!(
        gone["findings"][0]["message"].as_str().is_some_and(|m| m.contains(
            "the plan replaces aws_iam_role.exec under another name or path (a new ARN, arn:aws:iam::123456789012:role/service-role/svc-role gone), and aws_lambda_function.f still uses it"
        )),
        "{report:#}"
    );
    // The role made in its place is judged for its own trust.
    assert!(
        (report["roles"].as_array().unwrap().iter()).any(|r| r["address"] == "aws_iam_role.exec"),
        "{report:#}"
    );
    // A name `name_prefix` makes anew (known only after apply): another name too.
    let mut prefixed = replaced("svc-role-v2");
    for pointer in [
        "/resource_changes/0/change/after",
        "/planned_values/root_module/resources/1/values",
    ] {
        let section = prefixed.pointer_mut(pointer).unwrap();
        section.as_object_mut().unwrap().remove("name");
        section["name_prefix"] = Value::from("svc-");
    }
    std::fs::write(&file, prefixed.to_string()).unwrap();
    let (_, report) = json_report(&["terraform", file.to_str().unwrap()]);
    assert!(report.to_string().contains("as it was before the plan"), "{report:#}");
    // The same name (in another case, as IAM compares role names): the ARN lives on.
    std::fs::write(&file, replaced("SVC-ROLE").to_string()).unwrap();
    let (_, report) = json_report(&["terraform", file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!report.to_string().contains("as it was before the plan"), "{report:#}");
}

/// `exemptRoleArnPatterns` exempt a template's role only by a name it is sure to have once
/// deployed: not its logical id (CloudFormation names a role without `RoleName`
/// `STACK-LOGICALID-SUFFIX`), nor a parameter's default the deployer may replace; a note says
/// so. A pattern that exempts any name at the role's path, or the name passed, still does.
#[test]
fn an_exemption_by_a_name_given_at_deploy_exempts_nothing() {
    let path = "tests/templates/exempt-stand-in.yaml";
    let scan = |patterns: &str, more: &[&str]| {
        let params = format!(r#"{{"exemptRoleArnPatterns": "{patterns}"}}"#);
        let args = ["template", "--account-id", "111122223333", "--params", &params, path];
        json_report(&[&args[..], more].concat()).1
    };
    let by_names = "arn:aws:iam::111122223333:role/partners/ProdPartner*,arn:aws:iam::111122223333:role/sandbox-*";
    let report = scan(by_names, &[]);
    for (logical_id, pattern) in [
        ("ProdPartnerRole", "role/partners/ProdPartner*"),
        ("SandboxPartner", "role/sandbox-*"),
    ] {
        let judged = role(&report, logical_id);
        assert_eq!(judged["compliance"], "NON_COMPLIANT", "{judged:#}");
        let noted = judged["notes"].to_string();
        assert!(
            noted.contains(pattern) && noted.contains("it exempts nothing"),
            "{judged:#}"
        );
    }
    // The parameter passed: the name is the deployer's, and the pattern exempts it.
    let passed = scan(by_names, &["--parameter", "PartnerRoleName=sandbox-partner"]);
    assert_eq!(
        role(&passed, "SandboxPartner")["compliance"],
        "NOT_APPLICABLE",
        "{passed:#}"
    );
    assert_eq!(
        role(&passed, "ProdPartnerRole")["compliance"],
        "NON_COMPLIANT",
        "{passed:#}"
    );
    // Every name at the path, or every name CloudFormation gives it (any stack's): exempt.
    for pattern in [
        "arn:aws:iam::111122223333:role/partners/*",
        "arn:aws:iam::111122223333:role/partners/*-ProdPartnerRole-*",
    ] {
        let report = scan(pattern, &[]);
        let exempt = role(&report, "ProdPartnerRole");
        assert_eq!(exempt["compliance"], "NOT_APPLICABLE", "{report:#}");
        assert!(
            !exempt["notes"].to_string().contains("it exempts nothing"),
            "{exempt:#}"
        );
    }
    // A name the deployer gives is any name: only a pattern of every name exempts it.
    let any_sandbox = scan("arn:aws:iam::111122223333:role/*-partner", &[]);
    assert_eq!(
        role(&any_sandbox, "SandboxPartner")["compliance"],
        "NON_COMPLIANT",
        "{any_sandbox:#}"
    );
    let any = scan("arn:aws:iam::111122223333:role/*", &[]);
    assert_eq!(role(&any, "SandboxPartner")["compliance"], "NOT_APPLICABLE", "{any:#}");
}

/// A mapping's `Enabled` is read as CloudFormation resolves it (`!Ref`, `!If`): switched off by
/// the parameter given, the streams a broken trust stops lose no records (HIGH); switched on, or
/// off by its default alone, they may (CRITICAL, which no baseline accepts).
#[test]
fn a_mapping_switched_off_by_a_parameter_is_off() {
    let path = "tests/templates/esm-enabled-by-parameter.yaml";
    let severity = |value: &str| {
        let parameter = format!("ConsumerEnabled={value}");
        let args = ["template", "--account-id", "111122223333", "--region", "us-east-1"];
        let (_, report) = json_report(&[&args[..], &["--parameter", &parameter, path]].concat());
        let judged = role(&report, "ConsumerRole");
        let missing = (judged["findings"].as_array().unwrap().iter())
            .find(|f| f["id"] == "LAMBDA_TRUST_MISSING")
            .unwrap_or_else(|| panic!("{judged:#}"));
        missing["severity"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(severity("false"), "HIGH");
    assert_eq!(severity("true"), "CRITICAL");
    // Off by the parameter's Default only: another deployment may switch it on.
    let args = [
        "template",
        "--account-id",
        "111122223333",
        "--region",
        "us-east-1",
        path,
    ];
    let (_, report) = json_report(&args);
    let judged = role(&report, "ConsumerRole");
    assert_eq!(judged["findings"][0]["severity"], "CRITICAL", "{judged:#}");
}

/// A trust pinned to a function by its logical id, which has no `FunctionName`, names no function
/// CloudFormation makes (it names it `STACK-ID-SUFFIX`): said in a note. Not of a named one.
#[test]
fn a_pin_to_an_unnamed_function_s_logical_id_is_noted() {
    let template = |name: &str| {
        format!("Resources:\n  OrdersRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n            Condition: {{ArnEquals: {{aws:SourceArn: !Sub 'arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:Orders'}}}}\n  Orders:\n    Type: AWS::Lambda::Function\n    Properties: {{{name}Handler: a.h, Runtime: python3.12, Code: {{ZipFile: x}}, Role: !GetAtt OrdersRole.Arn}}\n")
    };
    let said = "a trust policy names the function Orders by its logical id";
    let (_, report) = template_report("unnamed-pin.yaml", &template(""));
    assert!(report["notes"].to_string().contains(said), "{report:#}");
    let (_, report) = template_report("named-pin.yaml", &template("FunctionName: Orders, "));
    assert!(!report["notes"].to_string().contains(said), "{report:#}");
}

/// A role whose `Properties` is no mapping (`!Ref Foo`) fails closed, and its note says why.
#[test]
fn a_role_whose_properties_are_no_mapping_says_so() {
    let (code, report) = template_report(
        "properties-ref.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: !Ref Foo\n",
    );
    assert_eq!(code, Some(1), "{report:#}");
    let r = role(&report, "R");
    assert_eq!(ids(&r["findings"]), ["POLICY_UNPARSEABLE"], "{r:#}");
    assert!(r["notes"].to_string().contains("Properties is not a mapping"), "{r:#}");
}

/// A nested template read from a parent's local path answers that stack's note only: a sibling
/// given by a URL of the same file name (every SAM app's `template.yaml`) is still noted unread.
#[test]
fn a_followed_template_answers_no_url_of_its_file_name() {
    let dir = fresh_dir("trustcheck-followed-and-url");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let parent = dir.join("parent.yaml");
    std::fs::write(
        &parent,
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  App:\n    Type: AWS::Serverless::Application\n    Properties: {Location: ./app/template.yaml}\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: https://example.com/net/template.yaml}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app/template.yaml"),
        "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n",
    )
    .unwrap();
    let (_, report) = json_report(&["template", parent.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(role(&report, "AppRole").is_object(), "{report:#}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("Net is a nested stack"), "{report:#}");
    assert!(!notes.contains("App is a nested stack"), "{report:#}");
}

/// A nested template beside another directory (`../common/child.yaml`) is read and named without
/// the `..`, as the file given so is; a location that names no template (a dotfile) is not read,
/// nor any absolute one: their notes stay.
#[test]
fn a_nested_template_is_followed_by_its_plain_path_and_only_if_it_is_one() {
    let dir = fresh_dir("trustcheck-followed-paths");
    for sub in ["infra", "common"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let parent = dir.join("infra/parent.yaml");
    std::fs::write(
        &parent,
        "Resources:\n  Common:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ../common/child.yaml}\n  Secret:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ../.env}\n  Etc:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: /etc/hostname}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("common/child.yaml"),
        "Resources:\n  Open:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: '*'}, Action: sts:AssumeRole}\n",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "TOKEN=not-a-template\n").unwrap();
    let (code, report) = json_report(&["template", parent.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(ids(&role(&report, "Open")["findings"])[0], "TRUST_PUBLIC", "{report:#}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("common/child.yaml: the template of the nested stack"),
        "{notes}"
    );
    assert!(!notes.contains("infra/../common"), "{notes}");
    assert!(
        notes.contains("Secret is a nested stack") && notes.contains("Etc is a nested stack"),
        "{notes}"
    );
    assert!(!report.to_string().contains("not-a-template"), "{report:#}");
}

/// A function's name and a mapping's source that the plan (here a state) marks sensitive are
/// never printed: not in the findings, the annotation, the functions or the mappings stopped, in
/// any format.
#[test]
fn a_sensitive_function_name_and_mapping_source_are_never_printed() {
    // Also of a role the plan deletes while the function still uses it.
    for plan in [
        "tests/terraform/sensitive-function-and-source.json",
        "tests/terraform/sensitive-function-of-a-deleted-role.json",
    ] {
        for format in ["text", "json", "sarif"] {
            let out = trustcheck(&["terraform", "--format", format, plan]);
            assert!(matches!(out.status.code(), Some(1 | 2)), "{plan}: {}", stderr(&out));
            let printed = stdout(&out);
            assert!(!printed.contains("SecretProjectPhoenix"), "{plan} {format}: {printed}");
            // (SARIF names a deleted role's functions nowhere.)
            if format != "sarif" {
                assert!(printed.contains("(sensitive)"), "{plan} {format}: {printed}");
            }
        }
    }
    // A value the plan marks sensitive on another resource (an SSM parameter holding a region)
    // that a function's ARN happens to hold hides nothing of the role, nor its suggestion.
    let plan = "tests/terraform/sensitive-elsewhere-not-in-the-role.json";
    let (_, report) = json_report(&["terraform", plan]);
    let r = role(&report, "aws_iam_role.exec");
    assert!(!r["functions"].to_string().contains("(sensitive)"), "{r:#}");
    assert!(r["suggested_policy"].is_object(), "{r:#}");
}
