//! The rule crate for the browser: one JSON request in, the JSON that `trustcheck policy --format
//! json` prints out. Nothing here decides anything; it only reads the request and renders
//! [`trustcheck::evaluate`]'s answer.
//!
//! The boundary is raw WebAssembly exports (no wasm-bindgen): one string in, one string out, so
//! the page needs no generated glue and the build needs no pinned CLI tool. The page writes the
//! request into memory from [`tc_alloc`], calls [`tc_evaluate`], and reads the response at
//! [`tc_output_ptr`], as many bytes as `tc_evaluate` returned.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use trustcheck::{evaluate, Evaluation, Finding, Role, RuleParams, SuggestedPolicy};

/// What the page asks: the policy text and what it knows about the role, as the CLI's
/// `trustcheck policy --account-id … --role-arn … --lambda-function …` options.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    policy: String,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    role_arn: Option<String>,
    #[serde(default)]
    functions: Vec<String>,
    /// Rule parameters, as the Config rule's InputParameters.
    #[serde(default)]
    params: Option<serde_json::Value>,
    /// The page's clock, in seconds since the epoch (WebAssembly has none): time conditions are
    /// judged against it, as the CLI judges them against its own.
    #[serde(default)]
    now: Option<i64>,
}

/// The CLI's `--format json` object for one policy, field for field (the differential test holds
/// the two byte-identical).
#[derive(Serialize)]
struct PolicyReport<'a> {
    compliance: &'static str,
    annotation: &'a str,
    findings: &'a [Finding],
    /// An exempt role's findings (`exemptRoleArnPatterns`), which don't count.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<Skipped<'a>>,
    suggested_policy: Option<&'a SuggestedPolicy>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    before_applying: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// A finding an exemption sets aside, as the CLI lists it: the finding, why, and by what.
#[derive(Serialize)]
struct Skipped<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    reason: &'a str,
    by: &'static str,
}

/// A request the page got wrong: what and where, for the page to show next to the input.
#[derive(Serialize)]
struct RequestError {
    error: String,
    field: &'static str,
}

/// Evaluates one request and renders the response: the report, or `{"error", "field"}`.
pub fn respond(request: &str) -> String {
    match read(request) {
        Ok((document, role, params)) => {
            let Evaluation {
                verdict,
                suggested_policy,
            } = evaluate(&document, &role, &params);
            // Exempt: nothing counts, everything found stays listed, skipped.
            let (findings, skipped) = match &verdict.not_applicable_because {
                Some(because) => (
                    &[][..],
                    (verdict.findings.iter())
                        .map(|finding| Skipped {
                            finding,
                            reason: because,
                            by: "exemption",
                        })
                        .collect(),
                ),
                None => (&verdict.findings[..], Vec::new()),
            };
            let report = PolicyReport {
                compliance: verdict.compliance.as_str(),
                annotation: &verdict.annotation,
                findings,
                skipped,
                suggested_policy: suggested_policy.as_ref(),
                before_applying: suggested_policy.as_ref().map_or(&[], |p| &p.before_applying),
                notes: role.notes(),
            };
            to_json(&report)
        }
        Err(error) => to_json(&error),
    }
}

fn read(request: &str) -> Result<(String, Role, RuleParams), RequestError> {
    let request: Request = serde_json::from_str(request).map_err(|e| RequestError {
        error: format!("the request is not what the page sends: {e}"),
        field: "request",
    })?;
    let invalid = |field, error: String| RequestError { error, field };
    if let Some(account) = &request.account_id {
        if !(account.len() == 12 && account.bytes().all(|c| c.is_ascii_digit())) {
            return Err(invalid(
                "account_id",
                format!("account id {account:?}: an account id is 12 digits"),
            ));
        }
    }
    if let Some(arn) = &request.role_arn {
        if !is_arn_of(arn, "iam", ":role/") {
            return Err(invalid(
                "role_arn",
                format!("role ARN {arn:?}: expected an ARN like arn:aws:iam::123456789012:role/NAME"),
            ));
        }
    }
    for (line, function) in request.functions.iter().enumerate() {
        if !is_arn_of(function, "lambda", ":function:") {
            return Err(invalid(
                "functions",
                format!(
                    "function ARN {} ({function:?}): expected an ARN like arn:aws:lambda:REGION:123456789012:function:NAME",
                    line + 1
                ),
            ));
        }
    }
    let mut params = match &request.params {
        Some(params) => RuleParams::from_json(&params.to_string())
            .map_err(|e| invalid("params", format!("rule parameters: {e}")))?,
        None => RuleParams::default(),
    };
    params.evaluated_at = request.now;
    let role = Role {
        arn: request.role_arn,
        account_id: request.account_id,
        functions: request.functions,
        // As `trustcheck policy`: a policy being written, so what IAM would refuse is reported.
        proposed: true,
        ..Role::default()
    };
    Ok((request.policy, role, params))
}

/// The CLI's own check of `--role-arn` and `--lambda-function` values.
fn is_arn_of(text: &str, service: &str, marker: &str) -> bool {
    text.starts_with("arn:") && text.split(':').nth(2) == Some(service) && text.contains(marker)
}

fn to_json(value: &impl Serialize) -> String {
    // Serialising these plain records can't fail; the fallback keeps the page's contract anyway.
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!(r#"{{"error":"the response could not be rendered: {e}","field":"request"}}"#))
}

thread_local! {
    /// The last response, kept until the next call so the page can read it.
    static OUTPUT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Reserves `len` bytes for the page to write a request into.
#[no_mangle]
pub extern "C" fn tc_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Evaluates the UTF-8 request at `ptr` (`len` bytes, from [`tc_alloc`], released here) and
/// returns the response's length; the response is at [`tc_output_ptr`].
///
/// # Safety
/// `ptr` must come from `tc_alloc(len)` and hold `len` bytes written by the caller.
#[no_mangle]
pub unsafe extern "C" fn tc_evaluate(ptr: *mut u8, len: usize) -> usize {
    // SAFETY: the caller's contract above: the buffer was allocated by tc_alloc with this capacity.
    let bytes = unsafe { Vec::from_raw_parts(ptr, len, len) };
    let response = match String::from_utf8(bytes) {
        Ok(request) => respond(&request),
        Err(_) => to_json(&RequestError {
            error: "the request is not UTF-8".into(),
            field: "request",
        }),
    };
    let len = response.len();
    OUTPUT.with(|output| *output.borrow_mut() = response);
    len
}

/// Where the last response starts.
#[no_mangle]
pub extern "C" fn tc_output_ptr() -> *const u8 {
    OUTPUT.with(|output| output.borrow().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const EDGE_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    const FUNCTION: &str = "arn:aws:lambda:eu-west-1:123456789012:function:orders";

    fn ask(request: Value) -> Value {
        serde_json::from_str(&respond(&request.to_string())).unwrap()
    }

    #[test]
    fn answers_with_the_cli_report_and_a_compliant_fix() {
        let report = ask(json!({"policy": EDGE_ONLY, "functions": [FUNCTION]}));
        assert_eq!(report["compliance"], "NON_COMPLIANT");
        assert_eq!(report["findings"][0]["id"], "LAMBDA_TRUST_MISSING");
        assert!(report["annotation"]
            .as_str()
            .unwrap()
            .starts_with("LAMBDA_TRUST_MISSING"));
        let fixed = report["suggested_policy"].to_string();
        let again = ask(json!({"policy": fixed, "functions": [FUNCTION]}));
        assert_eq!(again["compliance"], "COMPLIANT", "{again}");
        assert_eq!(again["suggested_policy"], Value::Null);
    }

    #[test]
    fn time_conditions_are_judged_by_the_pages_clock() {
        let until_2020 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#;
        let expired = ask(json!({"policy": until_2020, "functions": [FUNCTION], "now": 1_796_083_200}));
        assert_eq!(
            expired["findings"][0]["id"], "LAMBDA_TRUST_CONDITION_BLOCKS",
            "{expired}"
        );
        // Without a clock the time is unknown, as before.
        let unknown = ask(json!({"policy": until_2020, "functions": [FUNCTION]}));
        assert_eq!(unknown["compliance"], "COMPLIANT", "{unknown}");
    }

    #[test]
    fn says_which_input_is_wrong() {
        let cases = [
            (
                json!({"policy": "{}", "account_id": "12345"}),
                "account_id",
                "12 digits",
            ),
            (
                json!({"policy": "{}", "role_arn": "arn:aws:s3:::b"}),
                "role_arn",
                "role ARN",
            ),
            (
                json!({"policy": "{}", "functions": [FUNCTION, "orders"]}),
                "functions",
                "function ARN 2",
            ),
            (
                json!({"policy": "{}", "params": {"nonCompliantAt": "SEVERE"}}),
                "params",
                "rule parameters",
            ),
            (json!({"document": "{}"}), "request", "not what the page sends"),
        ];
        for (request, field, says) in cases {
            let answer = ask(request.clone());
            assert_eq!(answer["field"], field, "{request}");
            assert!(answer["error"].as_str().unwrap().contains(says), "{answer}");
        }
    }

    #[test]
    fn an_unreadable_policy_is_a_verdict_not_an_error() {
        let report = ask(json!({"policy": "{not json"}));
        assert_eq!(report["compliance"], "NON_COMPLIANT");
        assert_eq!(report["findings"][0]["id"], "POLICY_UNPARSEABLE");
    }

    #[test]
    fn the_exports_carry_a_request_and_its_response() {
        let request = json!({"policy": EDGE_ONLY, "functions": [FUNCTION]}).to_string();
        let ptr = tc_alloc(request.len());
        // SAFETY: ptr has capacity request.len(), and exactly that many bytes are written.
        let len = unsafe {
            std::ptr::copy_nonoverlapping(request.as_ptr(), ptr, request.len());
            tc_evaluate(ptr, request.len())
        };
        // SAFETY: the response lives in OUTPUT until the next call, and is len bytes long.
        let response = unsafe { std::slice::from_raw_parts(tc_output_ptr(), len) };
        let response: Value = serde_json::from_slice(response).unwrap();
        assert_eq!(response["compliance"], "NON_COMPLIANT");
    }
}
