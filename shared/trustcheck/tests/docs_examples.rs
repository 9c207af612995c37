//! The examples of `docs/findings.md` say what they say: under each finding's heading, the policy
//! after **Triggers it** has that finding, and the ones after **Fixed** have no finding at all.
//! The words before the example say which role it is for: "the Lambda role" (a function uses it)
//! or another one; "a template or a policy file" means one IAM has not accepted yet.

use trustcheck::{evaluate, Role, RuleParams};

const ACCOUNT: &str = "111122223333";

struct Example {
    finding: String,
    triggers: bool,
    lambda_role: bool,
    proposed: bool,
    line: usize,
    policy: String,
}

/// Every JSON block after a **Triggers it** or **Fixed** line, up to the next bold paragraph or
/// heading, with the finding heading it is under.
fn examples(text: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut finding = None;
    let mut current: Option<(bool, bool, bool)> = None;
    let mut block: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        if let Some((start, body)) = block.as_mut() {
            if line.starts_with("```") {
                if let (Some(finding), Some((triggers, lambda_role, proposed))) = (&finding, current) {
                    found.push(Example {
                        finding: String::from(finding),
                        triggers,
                        lambda_role,
                        proposed,
                        line: *start,
                        policy: std::mem::take(body),
                    });
                }
                block = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if let Some(heading) = line.strip_prefix("## ") {
            let id = heading.trim();
            finding = id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_')
                .then(|| id.to_owned());
            current = None;
        } else if line.starts_with("**Triggers it**") || line.starts_with("**Fixed") {
            // The role the words before the example name, read up to the paragraph's end.
            let paragraph: String = text.lines().skip(index).take_while(|l| !l.is_empty()).collect();
            current = Some((
                line.starts_with("**Triggers it**"),
                paragraph.contains("Lambda role"),
                paragraph.contains("template or a policy file"),
            ));
            if line.starts_with("**Fixed") {
                // A fixed Lambda trust is still for the Lambda role of the example before it.
                if let Some(last) = found.last().filter(|e| Some(&e.finding) == finding.as_ref()) {
                    current = Some((false, last.lambda_role, last.proposed));
                }
            }
        } else if line.starts_with("**") || line.starts_with('#') {
            current = None;
        } else if line.starts_with("```json") && current.is_some() {
            block = Some((index + 1, String::new()));
        }
    }
    found
}

#[test]
fn every_finding_s_examples_in_the_docs_do_what_they_say() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md");
    let text = std::fs::read_to_string(path).expect("docs/findings.md");
    let examples = examples(&text);
    let triggering = examples.iter().filter(|e| e.triggers).count();
    assert!(triggering >= 15, "every finding has an example: {triggering} found");
    assert!(examples.len() > triggering, "and fixed ones");
    // Every finding, at every severity: the examples say which finding, not which verdict.
    let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW","requireSourceAccount":"true"}"#).unwrap();
    let mut wrong = Vec::new();
    for example in &examples {
        let role = Role {
            arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/orders-role")),
            functions: if example.lambda_role {
                vec![format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders")]
            } else {
                Vec::new()
            },
            proposed: example.proposed,
            ..Role::default()
        };
        let verdict = evaluate(&example.policy, &role, &params).verdict;
        let ids: Vec<&str> = verdict.findings.iter().map(|f| f.id.as_str()).collect();
        let right = if example.triggers {
            ids.contains(&example.finding.as_str())
        } else {
            ids.is_empty()
        };
        if !right {
            let said = if example.triggers { "triggers" } else { "is fixed" };
            wrong.push(format!(
                "docs/findings.md:{}: {} {said}, but the findings are {ids:?}",
                example.line, example.finding
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
