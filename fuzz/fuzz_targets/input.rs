//! How a fuzz input drives the engine; shared by the fuzz target and the stable replay test
//! (`shared/trustcheck/tests/fuzz_regressions.rs`). The first byte picks the role and the
//! parameters, the rest is the document.

use trustcheck::{check, evaluate, FindingId, Role, RuleParams};

const FUNCTIONS: [&str; 2] = [
    "arn:aws:lambda:us-east-1:111122223333:function:orders-consumer",
    "arn:aws:lambda:eu-west-1:111122223333:function:orders-replay:live",
];
const PARAMS: [&str; 4] = [
    "{}",
    r#"{"nonCompliantAt":"LOW","requireSourceAccount":true}"#,
    r#"{"nonCompliantAt":"CRITICAL","exemptRoleArnPatterns":["arn:aws:iam::*:role/app"]}"#,
    r#"{"nonCompliantAt":"HIGH","exemptTagKey":"skip"}"#,
];

/// Runs `check` and `evaluate` (which also suggests a policy); an error when the engine fell back to EVALUATION_FAILED
/// or wrote an annotation Config would refuse. A panic, caught or not, is the caller's to see.
pub fn run(data: &[u8]) -> Result<(), &'static str> {
    let Some((&selector, rest)) = data.split_first() else {
        return Ok(());
    };
    let Ok(document) = std::str::from_utf8(rest) else {
        return Ok(());
    };
    let params = RuleParams::from_json(PARAMS[usize::from(selector & 3)]).map_err(|_| "fuzz parameters")?;
    let role = Role {
        arn: (selector & 4 != 0).then(|| "arn:aws:iam::111122223333:role/app".to_owned()),
        functions: FUNCTIONS[..usize::from((selector >> 3) % 3)]
            .iter()
            .map(|f| f.to_string())
            .collect(),
        tag_keys: if selector & 32 != 0 {
            vec!["skip".to_owned()]
        } else {
            Vec::new()
        },
        // A template's or plan's document, and a plan's new role: what IAM would refuse too.
        proposed: selector & 64 != 0,
        to_be_created: selector & 128 != 0,
        ..Role::default()
    };
    let verdict = check(document, &role, &params);
    if verdict.findings.iter().any(|f| f.id == FindingId::EvaluationFailed) {
        return Err("EVALUATION_FAILED");
    }
    if !(1..=256).contains(&verdict.annotation.chars().count()) {
        return Err("annotation outside 1-256 characters");
    }
    if evaluate(document, &role, &params).verdict != verdict {
        return Err("evaluate and check disagree");
    }
    Ok(())
}
