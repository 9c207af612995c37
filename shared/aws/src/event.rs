//! The event AWS Config sends a custom rule, and the invoking event inside it.
//!
//! Our own serde types rather than `aws_lambda_events::config::ConfigEvent`: that one requires
//! `eventLeftScope` and drops `evaluationMode`, and `invokingEvent` needs a second parse anyway.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::{error::EventError, item::ConfigItem, parse_timestamp};

/// The top-level event. Unknown fields (`evaluationMode`, …) are ignored; `version`,
/// `ruleParameters` and `eventLeftScope` may be missing.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigRuleEvent {
    /// JSON text: see [`InvokingEvent`].
    pub invoking_event: String,
    /// JSON text: the rule's `InputParameters`.
    #[serde(default)]
    pub rule_parameters: Option<String>,
    #[serde(default)]
    pub result_token: Option<String>,
    #[serde(default)]
    pub event_left_scope: bool,
    #[serde(default)]
    pub config_rule_name: Option<String>,
    #[serde(default)]
    pub config_rule_arn: Option<String>,
    /// The account the rule belongs to: the member account in an organization deployment.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Not Config's: where a scheduled sweep that its deadline cut short goes on. The evaluator
    /// sends the original event plus this field to itself.
    #[serde(default, rename = "trustcheckSweep")]
    pub sweep: Option<SweepContinuation>,
}

/// The `ListRoles` marker the next part of a sweep starts at, that part's number (2, 3, …), how
/// much of the sweep's page budget the parts before it spent, and what they failed to do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct SweepContinuation {
    pub marker: String,
    pub part: u32,
    /// Page-route triggers the parts before sent one by one.
    #[serde(default)]
    pub paged: usize,
    /// Notify-route triggers the parts before sent one by one: a budget of their own.
    #[serde(default)]
    pub notified: usize,
    /// Evaluations the parts before could not write (each logged their ids). A part that handed
    /// on does not fail itself, since Lambda's retry would hand on again and run the rest of the
    /// sweep twice: the last part fails for them.
    #[serde(default)]
    pub unwritten: usize,
    /// A part before could not send or record an alert.
    #[serde(default)]
    pub paging_failed: bool,
    /// Roles the parts before did not judge: a function in a region that could not be listed
    /// would have changed their verdict. Like unwritten ones, they keep their old results.
    #[serde(default)]
    pub undetermined: usize,
    /// A part before could not ask CloudFront what runs at the edge: roles that only an older
    /// version runs as were judged without it, so the last part fails even if none was counted.
    #[serde(default)]
    pub edge_unlisted: bool,
    /// Every role was read and written: this part only does the final cleanup (results of
    /// deleted roles, their pages, the digest), which the part before had no time left for.
    #[serde(default)]
    pub cleanup_only: bool,
}

/// What triggered the evaluation.
#[derive(Debug, Clone)]
pub enum InvokingEvent {
    /// A configuration item, carried whole.
    Change(ConfigItem),
    /// An item too large for the event: fetch it with `GetResourceConfigHistory`.
    Oversized(ItemSummary),
    /// The periodic run: evaluate the whole account.
    Scheduled { notification_creation_time: String },
}

/// `configurationItemSummary` of an oversized notification: everything but the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemSummary {
    pub resource_type: String,
    pub resource_id: String,
    #[serde(default)]
    pub resource_name: Option<String>,
    #[serde(rename = "ARN", default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub aws_account_id: Option<String>,
    pub configuration_item_status: String,
    pub configuration_item_capture_time: String,
}

/// Variant names are Config's `messageType` values, hence the shared suffix.
#[derive(Deserialize)]
#[serde(tag = "messageType")]
#[allow(clippy::enum_variant_names)]
enum RawInvokingEvent {
    ConfigurationItemChangeNotification {
        #[serde(rename = "configurationItem")]
        item: NotificationItem,
    },
    OversizedConfigurationItemChangeNotification {
        #[serde(rename = "configurationItemSummary")]
        summary: ItemSummary,
    },
    ScheduledNotification {
        #[serde(rename = "notificationCreationTime")]
        notification_creation_time: String,
    },
}

/// A configuration item in the notification model (the invoking event's field names).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationItem {
    resource_type: String,
    resource_id: String,
    #[serde(default)]
    resource_name: Option<String>,
    #[serde(rename = "ARN", default)]
    arn: Option<String>,
    #[serde(default)]
    aws_account_id: Option<String>,
    configuration_item_status: String,
    configuration_item_capture_time: String,
    #[serde(default)]
    tags: Option<HashMap<String, String>>,
    /// Null for a deleted resource.
    #[serde(default)]
    configuration: Option<Value>,
}

/// A notified item's configuration: an object, or the API model's JSON text of one (as a
/// hand-made or relayed event may carry it). `None` for null, and for anything that is no
/// object: the item is then looked up ([`ConfigItem::has_trust_policy`]), not judged empty.
fn notified_configuration(configuration: Value) -> Option<Value> {
    match configuration {
        Value::Object(_) => Some(configuration),
        Value::String(text) => serde_json::from_str::<Value>(&text).ok().filter(Value::is_object),
        _ => None,
    }
}

impl ConfigRuleEvent {
    pub fn from_value(value: Value) -> Result<ConfigRuleEvent, EventError> {
        serde_json::from_value(value).map_err(|source| EventError::Json {
            field: "the event",
            source,
        })
    }

    pub fn invoking(&self) -> Result<InvokingEvent, EventError> {
        let raw: RawInvokingEvent = serde_json::from_str(&self.invoking_event).map_err(|source| EventError::Json {
            field: "invokingEvent",
            source,
        })?;
        Ok(match raw {
            RawInvokingEvent::ConfigurationItemChangeNotification { item } => InvokingEvent::Change(ConfigItem {
                capture_time: parse_timestamp("configurationItemCaptureTime", &item.configuration_item_capture_time)?,
                resource_type: item.resource_type,
                resource_id: item.resource_id,
                resource_name: item.resource_name,
                arn: item.arn,
                account_id: item.aws_account_id,
                status: item.configuration_item_status,
                tag_keys: item.tags.map(|t| t.into_keys().collect()).unwrap_or_default(),
                configuration: item.configuration.and_then(notified_configuration),
            }),
            RawInvokingEvent::OversizedConfigurationItemChangeNotification { summary } => {
                InvokingEvent::Oversized(summary)
            }
            RawInvokingEvent::ScheduledNotification {
                notification_creation_time,
            } => InvokingEvent::Scheduled {
                notification_creation_time,
            },
        })
    }

    /// The rule's partition, from its ARN (`aws`, `aws-cn`, `aws-us-gov`).
    /// The rule's account and region (from its ARN; the account also from `accountId`), which
    /// name a role's alert. `None` where the event says neither.
    pub fn account_and_region(&self) -> (Option<&str>, Option<&str>) {
        let arn_field = |n: usize| {
            self.config_rule_arn
                .as_deref()
                .and_then(|arn| arn.split(':').nth(n))
                .filter(|f| !f.is_empty())
        };
        (self.account_id.as_deref().or_else(|| arn_field(4)), arn_field(3))
    }

    pub fn partition(&self) -> &str {
        self.config_rule_arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerates_missing_optional_fields_and_extra_ones() {
        let event = ConfigRuleEvent::from_value(json!({
            "invokingEvent": "{\"messageType\":\"ScheduledNotification\",\"notificationCreationTime\":\"2026-11-27T06:00:00.000Z\",\"awsAccountId\":\"123456789012\"}",
            "resultToken": "token", "evaluationMode": "DETECTIVE", "configRuleName": "trustcheck"
        }))
        .unwrap();
        assert!(!event.event_left_scope);
        assert!(event.rule_parameters.is_none());
        assert!(matches!(event.invoking().unwrap(), InvokingEvent::Scheduled { .. }));
        assert_eq!(event.partition(), "aws");
    }

    #[test]
    fn a_configuration_given_as_json_text_is_read_and_anything_else_is_none() {
        let change = |configuration: Value| {
            let item = json!({
                "messageType": "ConfigurationItemChangeNotification",
                "configurationItem": {
                    "resourceType": "AWS::IAM::Role", "resourceId": "AROAEXAMPLE",
                    "configurationItemStatus": "OK",
                    "configurationItemCaptureTime": "2026-11-27T06:00:00.000Z",
                    "configuration": configuration
                }
            });
            let event = ConfigRuleEvent::from_value(json!({"invokingEvent": item.to_string()})).unwrap();
            match event.invoking().unwrap() {
                InvokingEvent::Change(item) => item.configuration,
                _ => panic!("a change"),
            }
        };
        let object = json!({"assumeRolePolicyDocument": "%7B%7D"});
        assert_eq!(change(object.clone()), Some(object.clone()));
        assert_eq!(change(Value::String(object.to_string())), Some(object));
        for nothing in [Value::Null, json!("null"), json!("not json"), json!([1]), json!(7)] {
            assert_eq!(change(nothing.clone()), None, "{nothing}");
        }
    }

    #[test]
    fn unknown_message_types_and_bad_json_are_clear_errors() {
        let event = ConfigRuleEvent::from_value(json!({"invokingEvent": "{\"messageType\":\"Gossip\"}"})).unwrap();
        let err = event.invoking().unwrap_err().to_string();
        assert!(
            err.starts_with("invokingEvent is not valid JSON") && err.contains("Gossip"),
            "{err}"
        );
        let err = ConfigRuleEvent::from_value(json!({"resultToken": "t"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `invokingEvent`"), "{err}");
    }
}
