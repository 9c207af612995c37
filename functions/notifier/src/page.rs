//! The SNS message: a PagerDuty Events API v2 body without `routing_key` (the pager adds it, so
//! the secret never crosses SNS), mirrored `AlarmName` / `NewStateValue` and an `ALARM:` / `OK:`
//! subject so the same topic also feeds PagerDuty's CloudWatch integration. `custom_details`
//! carries `ordering_ms`, when the verdict was made, and `alert_key`, the role's row in the alerts
//! ledger, which the pager reads to send only what the row agrees with (the page's own key also
//! names the severity its incident was opened at, and its number when it replaced another
//! incident of the role). A trigger that replaces incidents on its route names them
//! (`replaces`), and their resolves name it (`replaced_by`): the pager resolves them only once
//! PagerDuty has taken the trigger, so a trigger waiting on retries never leaves the role with no
//! open incident.

use serde_json::{json, Value};
use trustcheck::{Compliance, EventSource, Severity};
use trustcheck_aws::{
    alerts::{finding_name, incident_key, Action, Digest, Step, Transition, NOTIFIER_CLIENT},
    ROLE_RESOURCE_TYPE,
};

/// PagerDuty's limit on `summary`; SNS subjects are under 100 characters.
const SUMMARY_MAX: usize = 1024;
const SUBJECT_MAX: usize = 99;

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub dedup_key: String,
    pub event_action: &'static str,
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

fn console_url(region: &str, resource_id: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/config/home?region={region}#/resources/details?resourceId={resource_id}&resourceType={ROLE_RESOURCE_TYPE}"
    )
}

fn rule_console_url(region: &str, rule: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/config/home?region={region}#/rules/details?configRuleName={rule}")
}

fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - ellipsis.chars().count()).collect();
    cut.push_str(ellipsis);
    cut
}

/// What a resolve says the role is now. A resolve that a new incident of the role replaces
/// says where it went: the role is no better.
fn resolve_text(transition: &Transition, step: &Step) -> (String, String) {
    let role = &transition.role;
    let (name, account) = (&role.name, &role.account);
    let arn = role.arn.as_deref().unwrap_or(&role.id);
    let next = transition.steps.iter().find(|s| s.action == Action::Trigger);
    let worst = transition.findings.iter().map(|f| f.severity).max();
    if let Some(next) = next.filter(|n| n.route == step.route) {
        let summary = format!(
            "Superseded: IAM role {name} ({arn}) in account {account} has a new {} incident: {}",
            next.severity, transition.annotation
        );
        let subject = format!(
            "OK: role {name} in {account} continues in a new {} incident",
            next.severity
        );
        return (summary, subject);
    }
    let state = match transition.compliance {
        Compliance::NonCompliant => {
            // The severity it goes on with: a threshold moved, or a drop below it.
            let now = next.map(|n| n.severity).or(worst);
            let moved = next
                .map(|n| format!(" (sent to the {} route)", n.route.as_str()))
                .unwrap_or_default();
            match now {
                Some(now) if now > step.severity => format!("now {now}{moved}"),
                Some(now) if now == step.severity => format!("still {now}{moved}"),
                _ => format!("no longer {}", step.severity),
            }
        }
        other => format!("now {other}"),
    };
    (
        format!(
            "Resolved: IAM role {name} ({arn}) in account {account} is {state}: {}",
            transition.annotation
        ),
        format!("OK: role {name} in {account} is {state}"),
    )
}

/// The page for one step of a role's transition: a trigger describes the finding that opened the
/// alert, a resolve is graded like the trigger it closes and says what the role is now.
pub fn for_step(transition: &Transition, step: &Step) -> Page {
    let role = &transition.role;
    let account = &role.account;
    let arn = role.arn.as_deref().unwrap_or(&role.id);
    // A trigger for findings another incident of the role didn't cover is about the worst of them.
    let about = transition
        .findings
        .iter()
        .find(|f| step.new.contains(f.id))
        .map(|f| f.id)
        .or(step.finding);
    let finding = finding_name(about);
    let (summary, subject, state) = match step.action {
        Action::Trigger => {
            let detail = transition
                .findings
                .iter()
                .find(|f| Some(f.id) == about)
                .map_or(transition.annotation.as_str(), |f| f.message.as_str());
            // What is breaking leads, whatever the page is about: the most important mapping the
            // Lambda findings stop.
            let breaking = match transition.stopped.first() {
                Some(first) if transition.findings.iter().any(|f| f.id.stops_lambda()) => {
                    format!("{} — ", first.headline())
                }
                _ => String::new(),
            };
            (
                format!(
                    "{breaking}{finding} on IAM role {} ({arn}) in account {account}: {detail}",
                    role.name
                ),
                format!("ALARM: {finding} on role {} in {account}", role.name),
                "ALARM",
            )
        }
        Action::Resolve => {
            let (summary, subject) = resolve_text(transition, step);
            (summary, subject, "OK")
        }
    };
    let url = console_url(&role.region, &role.id);
    let incident = incident_key(&transition.dedup_key, step.severity, step.incident);
    // The incidents of the role this trigger replaces on its route, or the trigger that replaces
    // this resolve's: the pager resolves them after the trigger.
    let on_route = |action: Action| {
        transition
            .steps
            .iter()
            .filter(move |s| s.action == action && s.route == step.route)
            .map(|s| incident_key(&transition.dedup_key, s.severity, s.incident))
    };
    let replacement = match step.action {
        Action::Trigger => ("replaces", Value::from(on_route(Action::Resolve).collect::<Vec<_>>())),
        Action::Resolve => ("replaced_by", on_route(Action::Trigger).next().into()),
    };
    let message = json!({
        "event_action": step.action.as_str(),
        "dedup_key": incident,
        "payload": {
            "summary": truncate(&summary, SUMMARY_MAX, "…"),
            "severity": pagerduty_severity(step.severity),
            "source": arn,
            "component": ROLE_RESOURCE_TYPE,
            "group": account,
            "class": finding,
            "timestamp": transition.evaluated_at,
            "custom_details": {
                "role_name": role.name,
                "role_arn": role.arn,
                "role_id": role.id,
                "account": account,
                "region": role.region,
                "config_rule": transition.rule,
                "finding": finding,
                // Findings that appeared while another incident of the role was open.
                "new_findings": step.new,
                "severity": step.severity,
                "route": step.route,
                "compliance": transition.compliance,
                "annotation": transition.annotation,
                "findings": transition.findings,
                "evaluated_at": transition.evaluated_at,
                "ordering_ms": transition.ordering_ms,
                // The role's row in the alerts ledger, which the pager reads.
                "alert_key": transition.dedup_key,
                (replacement.0): replacement.1,
                "console_url": url,
                "event_source_mappings": transition.stopped.iter().map(mapping_details).collect::<Vec<_>>(),
                // The mappings listed are the most important ones; this counts them all.
                "event_source_mappings_total": transition.stopped_total.max(transition.stopped.len()),
            }
        },
        "client": NOTIFIER_CLIENT,
        "client_url": url,
        "AlarmName": incident,
        "NewStateValue": state,
        "OldStateValue": if state == "ALARM" { "OK" } else { "ALARM" },
    });
    Page {
        dedup_key: incident,
        event_action: step.action.as_str(),
        severity: step.severity,
        subject: truncate(&subject, SUBJECT_MAX, "..."),
        message,
        attributes: vec![
            ("event_action", step.action.as_str().to_owned()),
            ("severity", pagerduty_severity(step.severity).to_owned()),
            ("compliance_type", transition.compliance.as_str().to_owned()),
            ("account", account.clone()),
            ("route", step.route.as_str().to_owned()),
        ],
    }
}

impl Page {
    /// The incident that replaces this resolve's, if the page names one.
    pub fn replaced_by(&self) -> Option<&str> {
        self.message["payload"]["custom_details"]["replaced_by"].as_str()
    }

    /// The resolve without its replacement: sent on its own, for the pager to post as it is
    /// (its trigger was not published: the ledger's row moved on past it).
    pub fn stand_alone(&mut self) {
        let details = (self.message.get_mut("payload"))
            .and_then(|payload| payload.get_mut("custom_details"))
            .and_then(Value::as_object_mut);
        if let Some(details) = details {
            details.insert("replaced_by".to_owned(), Value::Null);
        }
    }
}

/// A stopped mapping as the responder needs it: source, state, risk, evidence, where to look.
fn mapping_details(source: &EventSource) -> Value {
    let function = source.function_name();
    let region = source.function.split(':').nth(3).unwrap_or("us-east-1");
    json!({
        "function": source.function,
        "source": source.source,
        "source_type": source.kind.label(),
        "state": source.state,
        "state_transition_reason": source.state_reason,
        "last_processing_result": source.last_result,
        "failing_now": source.is_failing(),
        "backlog": source.backlog,
        "risk": source.kind.risk(),
        "mapping_uuid": source.uuid,
        // The function's configuration lists its triggers, the mapping among them.
        "function_console_url": format!(
            "https://{region}.console.aws.amazon.com/lambda/home?region={region}#/functions/{function}?tab=configure"
        ),
    })
}

/// One page for the roles a sweep found over its page budget: how many, the worst of them, the
/// findings they have, and the rule's page in the Config console.
pub fn digest(digest: &Digest) -> Page {
    let severity = digest.roles.iter().map(|r| r.severity).max().unwrap_or(Severity::High);
    let worst = digest
        .roles
        .first()
        .map(|r| format!("; worst: {} on {}", finding_name(r.finding), r.name))
        .unwrap_or_default();
    let findings: Vec<String> = digest
        .by_finding
        .iter()
        .map(|(id, n)| format!("{} ×{n}", finding_name(*id)))
        .collect();
    let summary = format!(
        "{} more IAM roles in account {} need attention (trustcheck sweep, over its page budget){worst}. Findings: {}",
        digest.count,
        digest.account,
        findings.join(", ")
    );
    let subject = format!(
        "ALARM: {} more IAM roles with trust findings in {}",
        digest.count, digest.account
    );
    let url = rule_console_url(&digest.region, &digest.rule);
    let message = json!({
        "event_action": "trigger",
        "dedup_key": digest.dedup_key,
        "payload": {
            "summary": truncate(&summary, SUMMARY_MAX, "…"),
            "severity": pagerduty_severity(severity),
            "source": format!("AWS Config rule {}", digest.rule),
            "component": ROLE_RESOURCE_TYPE,
            "group": digest.account,
            "class": "TRUSTCHECK_DIGEST",
            "timestamp": digest.evaluated_at,
            "custom_details": {
                "count": digest.count,
                "listed": digest.roles.len(),
                "roles": digest.roles,
                "by_finding": digest.by_finding,
                "account": digest.account,
                "region": digest.region,
                "config_rule": digest.rule,
                "evaluated_at": digest.evaluated_at,
                "ordering_ms": digest.ordering_ms,
                "console_url": url,
                "note": "Each role keeps its own dedup key: a later change to one of them pages on its own.",
            }
        },
        "client": NOTIFIER_CLIENT,
        "client_url": url,
        "AlarmName": digest.dedup_key,
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
    });
    Page {
        dedup_key: digest.dedup_key.clone(),
        event_action: "trigger",
        severity,
        subject: truncate(&subject, SUBJECT_MAX, "..."),
        message,
        attributes: vec![
            ("event_action", "trigger".to_owned()),
            ("severity", pagerduty_severity(severity).to_owned()),
            ("compliance_type", Compliance::NonCompliant.as_str().to_owned()),
            ("account", digest.account.clone()),
            ("route", digest.route.as_str().to_owned()),
        ],
    }
}
