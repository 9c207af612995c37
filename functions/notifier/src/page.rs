//! The SNS message: a PagerDuty Events API v2 body without `routing_key` (the pager adds it, so
//! the secret never crosses SNS), mirrored `AlarmName` / `NewStateValue` and an `ALARM:` / `OK:`
//! subject so the same topic also feeds PagerDuty's CloudWatch integration.

use serde_json::{json, Value};
use trustcheck::{FindingId, Severity};

use crate::change::{Action, ComplianceChange};

/// PagerDuty's limits: dedup_key ≤ 255, summary ≤ 1024; SNS subject < 100.
const DEDUP_KEY_MAX: usize = 255;
const SUMMARY_MAX: usize = 1024;
const SUBJECT_MAX: usize = 99;

/// Who the page is about, as people name it.
#[derive(Debug, Clone)]
pub struct RoleIdentity {
    pub name: String,
    pub arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub action: Action,
    pub severity: Severity,
    pub subject: String,
    pub message: Value,
    /// SNS message attributes, for subscription filter policies.
    pub attributes: Vec<(&'static str, String)>,
}

/// PagerDuty's severities for the finding catalog's.
pub fn pagerduty_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "info",
    }
}

/// The same key for a role's trigger and its resolve; a re-created role (new id) gets a new one.
pub fn dedup_key(change: &ComplianceChange) -> String {
    let key = format!(
        "aws-config/{}/{}/{}/{}/{}",
        change.aws_account_id,
        change.region(),
        change.config_rule_name,
        change.resource_type,
        change.resource_id
    );
    if key.len() <= DEDUP_KEY_MAX {
        return key;
    }
    // Too long for PagerDuty: keep a readable prefix and make it unique with a hash of the whole.
    let hash = fnv1a(key.as_bytes());
    let prefix: String = key.chars().take(DEDUP_KEY_MAX - 17).collect();
    format!("{prefix}#{hash:016x}")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

fn console_url(change: &ComplianceChange) -> String {
    let region = change.region();
    format!(
        "https://{region}.console.aws.amazon.com/config/home?region={region}#/resources/details?resourceId={}&resourceType={}",
        change.resource_id, change.resource_type
    )
}

fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - ellipsis.chars().count()).collect();
    cut.push_str(ellipsis);
    cut
}

/// The page for a change, or `None` when the change needs no page.
pub fn build(change: &ComplianceChange, role: &RoleIdentity) -> Option<Page> {
    let action = change.action()?;
    let annotation = change.finding_annotation(action).unwrap_or_default();
    let finding = FindingId::leading(annotation);
    // An annotation we can't read still pages, as HIGH: better a page too many than a silent role.
    let severity = finding.map_or(Severity::High, FindingId::default_severity);
    let finding_name = finding.map_or("TRUST_POLICY_FINDING", FindingId::as_str);
    let account = &change.aws_account_id;
    let new_compliance = &change.new_evaluation_result.compliance_type;
    let old_compliance = change
        .old_evaluation_result
        .as_ref()
        .map(|o| o.compliance_type.as_str());
    let arn = role.arn.as_deref().unwrap_or(&change.resource_id);
    let detail = annotation.split_once(": ").map_or(annotation, |(_, rest)| rest);
    let (summary, subject, state) = match action {
        Action::Trigger => (
            format!(
                "{finding_name} on IAM role {} ({arn}) in account {account}: {detail}",
                role.name
            ),
            format!("ALARM: {finding_name} on role {} in {account}", role.name),
            "ALARM",
        ),
        Action::Resolve => (
            format!(
                "Resolved: IAM role {} ({arn}) in account {account} is now {new_compliance}",
                role.name
            ),
            format!("OK: role {} in {account} is {new_compliance}", role.name),
            "OK",
        ),
    };
    let key = dedup_key(change);
    let url = console_url(change);
    let message = json!({
        "event_action": action.as_str(),
        "dedup_key": key,
        "payload": {
            "summary": truncate(&summary, SUMMARY_MAX, "…"),
            "severity": pagerduty_severity(severity),
            "source": arn,
            "component": change.resource_type,
            "group": account,
            "class": finding_name,
            "timestamp": change.new_evaluation_result.result_recorded_time,
            "custom_details": {
                "role_name": role.name,
                "role_arn": role.arn,
                "role_id": change.resource_id,
                "account": account,
                "region": change.region(),
                "config_rule": change.config_rule_name,
                "finding": finding.map(FindingId::as_str),
                "annotation": change.new_evaluation_result.annotation,
                "finding_annotation": annotation,
                "old_compliance": old_compliance,
                "new_compliance": new_compliance,
                "console_url": url,
            }
        },
        "client": "AWS Config (trustcheck)",
        "client_url": url,
        "AlarmName": key,
        "NewStateValue": state,
        "OldStateValue": if state == "ALARM" { "OK" } else { "ALARM" },
    });
    Some(Page {
        action,
        severity,
        // SNS subjects are ASCII.
        subject: truncate(&subject, SUBJECT_MAX, "..."),
        message,
        attributes: vec![
            ("event_action", action.as_str().to_owned()),
            ("severity", pagerduty_severity(severity).to_owned()),
            ("compliance_type", new_compliance.clone()),
            ("account", account.clone()),
        ],
    })
}
