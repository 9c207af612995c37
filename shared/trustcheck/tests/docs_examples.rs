//! The examples of `docs/findings.md` say what they say: under each finding's heading, the policy
//! after **Triggers it** has that finding, and the ones after **Fixed** have no finding at all.
//! The words before the example say which role it is for: "the Lambda role" (a function uses it),
//! "the Lambda@Edge role" (CloudFront runs that function at the edge) or another one; "a template or a policy file" means one IAM has not accepted yet; "evaluated on
//! YYYY-MM-DD" gives the evaluation that clock (midnight UTC), which time conditions need.

use trustcheck::{evaluate, Role, RuleParams};

const ACCOUNT: &str = "111122223333";

struct Example {
    finding: String,
    triggers: bool,
    lambda_role: bool,
    edge_role: bool,
    proposed: bool,
    /// "evaluated on YYYY-MM-DD": midnight UTC of that day, in epoch seconds.
    evaluated_at: Option<i64>,
    line: usize,
    policy: String,
}

/// Every JSON block after a **Triggers it** or **Fixed** line, up to the next bold paragraph or
/// heading, with the finding heading it is under.
fn examples(text: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut finding = None;
    let mut current: Option<(bool, bool, bool, bool, Option<i64>)> = None;
    let mut block: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        if let Some((start, body)) = block.as_mut() {
            if line.starts_with("```") {
                if let (Some(finding), Some((triggers, lambda_role, edge_role, proposed, evaluated_at))) =
                    (&finding, current)
                {
                    found.push(Example {
                        finding: String::from(finding),
                        triggers,
                        lambda_role,
                        edge_role,
                        proposed,
                        evaluated_at,
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
                paragraph.contains("Lambda role") || paragraph.contains("Lambda@Edge role"),
                paragraph.contains("Lambda@Edge role"),
                paragraph.contains("template or a policy file"),
                evaluated_on(&paragraph),
            ));
            if line.starts_with("**Fixed") {
                // A fixed Lambda trust is still for the Lambda role of the example before it.
                if let Some(last) = found.last().filter(|e| Some(&e.finding) == finding.as_ref()) {
                    current = Some((
                        false,
                        last.lambda_role,
                        last.edge_role,
                        last.proposed,
                        last.evaluated_at,
                    ));
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

/// "evaluated on 2026-12-01" in `paragraph`: that day's midnight UTC in epoch seconds.
fn evaluated_on(paragraph: &str) -> Option<i64> {
    let (_, rest) = paragraph.split_once("evaluated on ")?;
    let date = rest.get(..10)?;
    let number = |range: std::ops::Range<usize>| date.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    // Days from 1970-01-01 (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some((era * 146_097 + day_of_era - 719_468) * 86_400)
}

#[test]
fn every_finding_s_examples_in_the_docs_do_what_they_say() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md");
    let text = std::fs::read_to_string(path).expect("docs/findings.md");
    let examples = examples(&text);
    let triggering = examples.iter().filter(|e| e.triggers).count();
    assert!(triggering >= 15, "every finding has an example: {triggering} found");
    assert_eq!(evaluated_on("(evaluated on 2026-12-01: …)"), Some(1_796_083_200));
    assert!(examples.len() > triggering, "and fixed ones");
    // Every finding, at every severity: the examples say which finding, not which verdict.
    let params = RuleParams::from_json(r#"{"nonCompliantAt":"LOW","requireSourceAccount":"true"}"#).unwrap();
    let mut wrong = Vec::new();
    for example in &examples {
        let function = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders");
        let role = Role {
            arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/orders-role")),
            functions: if example.lambda_role {
                vec![function.clone()]
            } else {
                Vec::new()
            },
            edge_functions: if example.edge_role { vec![function] } else { Vec::new() },
            proposed: example.proposed,
            ..Role::default()
        };
        let params = RuleParams {
            evaluated_at: example.evaluated_at,
            ..params.clone()
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
