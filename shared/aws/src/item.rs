//! Configuration items in both of Config's models, reduced to what the rule needs.
//!
//! The invoking event uses the notification model (`awsAccountId`, `ARN`, `configuration` an
//! object); `GetResourceConfigHistory` uses the API model (`accountId`, `arn`, `configuration` a
//! JSON string). Both become a [`ConfigItem`].

use aws_sdk_config::{primitives::DateTime, types::ConfigurationItem as ApiItem};
use serde_json::Value;
use trustcheck::Role;

use crate::{
    error::{AwsError, EventError, ItemError},
    event::ItemSummary,
    parse_timestamp,
};

pub const ROLE_RESOURCE_TYPE: &str = "AWS::IAM::Role";

#[derive(Debug, Clone)]
pub struct ConfigItem {
    pub resource_type: String,
    /// For a role, its unique id (`AROA…`): what `ComplianceResourceId` must be.
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub arn: Option<String>,
    pub account_id: Option<String>,
    /// `OK`, `ResourceDiscovered`, `ResourceNotRecorded`, `ResourceDeleted`, `ResourceDeletedNotRecorded`.
    pub status: String,
    pub capture_time: DateTime,
    pub tag_keys: Vec<String>,
    /// `None` for a deleted resource.
    pub configuration: Option<Value>,
}

impl ConfigItem {
    /// The item an oversized notification summarises, without its configuration: enough for a
    /// deleted role, or a resource that is not a role, which need no lookup.
    pub fn from_summary(summary: &ItemSummary) -> Result<ConfigItem, EventError> {
        Ok(ConfigItem {
            resource_type: summary.resource_type.clone(),
            resource_id: summary.resource_id.clone(),
            resource_name: summary.resource_name.clone(),
            arn: summary.arn.clone(),
            account_id: summary.aws_account_id.clone(),
            status: summary.configuration_item_status.clone(),
            capture_time: parse_timestamp("configurationItemCaptureTime", &summary.configuration_item_capture_time)?,
            tag_keys: Vec::new(),
            configuration: None,
        })
    }

    /// The item an oversized notification only summarises, from `GetResourceConfigHistory`: the
    /// one place either function looks an item up. It must be the notified item: an older one
    /// (Config's history not there yet) is an error, to be retried.
    pub async fn fetch(config: &aws_sdk_config::Client, summary: &ItemSummary) -> Result<ConfigItem, ItemError> {
        let capture_time = parse_timestamp("configurationItemCaptureTime", &summary.configuration_item_capture_time)?;
        let output = config
            .get_resource_config_history()
            .resource_type(aws_sdk_config::types::ResourceType::from(
                summary.resource_type.as_str(),
            ))
            .resource_id(&summary.resource_id)
            .later_time(capture_time)
            .limit(1)
            .send()
            .await
            .map_err(|e| AwsError::new("config:GetResourceConfigHistory", e))?;
        let item = output
            .configuration_items()
            .first()
            .ok_or(EventError::Missing("configuration item in GetResourceConfigHistory"))?;
        let mut item = ConfigItem::from_api(item)?;
        if is_older(&item.capture_time, &capture_time) {
            let text = |t: &DateTime| t.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default();
            return Err(EventError::NotInHistoryYet {
                item: item.resource_id,
                notified: summary.configuration_item_capture_time.clone(),
                latest: text(&item.capture_time),
            }
            .into());
        }
        if item.status.is_empty() {
            // The notification said what the item is; an API answer without a status must not
            // make a live role look deleted (NOT_APPLICABLE resolves its page).
            item.status = summary.configuration_item_status.clone();
        }
        Ok(item)
    }

    /// Whether the item holds a role's trust policy to judge: a notified role item may come
    /// without its configuration (null, or without `assumeRolePolicyDocument`), which is then
    /// read from Config's history ([`ConfigItem::fetch`]): judged empty, it would page a role
    /// whose trust IAM holds intact as unreadable.
    pub fn has_trust_policy(&self) -> bool {
        let document = self
            .configuration
            .as_ref()
            .and_then(|c| c.get("assumeRolePolicyDocument"));
        matches!(document, Some(Value::String(_) | Value::Object(_)))
    }

    /// Whether the item's configuration is to be read from Config's history: a recorded role
    /// without its trust policy (an oversized notification's summary, or a notified item without
    /// it). A deleted role, or another resource type, needs no lookup (which could fail and leave
    /// its old result and page standing).
    pub fn needs_history(&self) -> bool {
        self.is_recorded() && self.resource_type == ROLE_RESOURCE_TYPE && !self.has_trust_policy()
    }

    /// What an oversized notification would say of this item: what [`ConfigItem::fetch`] reads
    /// its configuration by.
    pub fn summary(&self) -> ItemSummary {
        ItemSummary {
            resource_type: self.resource_type.clone(),
            resource_id: self.resource_id.clone(),
            resource_name: self.resource_name.clone(),
            arn: self.arn.clone(),
            aws_account_id: self.account_id.clone(),
            configuration_item_status: self.status.clone(),
            configuration_item_capture_time: self
                .capture_time
                .fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap_or_default(),
        }
    }

    /// Config's own rule: only a recorded, existing resource is evaluated.
    pub fn is_recorded(&self) -> bool {
        matches!(self.status.as_str(), "OK" | "ResourceDiscovered")
    }

    /// The API model of `GetResourceConfigHistory` / `BatchGetResourceConfig`.
    pub fn from_api(item: &ApiItem) -> Result<ConfigItem, EventError> {
        let configuration = match item.configuration() {
            Some(text) if !text.is_empty() && text != "null" => {
                Some(serde_json::from_str(text).map_err(|source| EventError::Json {
                    field: "configuration",
                    source,
                })?)
            }
            _ => None,
        };
        Ok(ConfigItem {
            resource_type: item.resource_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
            resource_id: item.resource_id().ok_or(EventError::Missing("resourceId"))?.to_owned(),
            resource_name: item.resource_name().map(str::to_owned),
            arn: item.arn().map(str::to_owned),
            account_id: item.account_id().map(str::to_owned),
            status: item
                .configuration_item_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            capture_time: *item
                .configuration_item_capture_time()
                .ok_or(EventError::Missing("configurationItemCaptureTime"))?,
            tag_keys: item.tags().map(|t| t.keys().cloned().collect()).unwrap_or_default(),
            configuration,
        })
    }

    /// The role and its trust policy document (as Config delivers it: usually percent-encoded).
    /// `Ok(None)` for an item that is not a role.
    pub fn role(&self) -> Result<Option<(Role, String)>, EventError> {
        if self.resource_type != ROLE_RESOURCE_TYPE {
            return Ok(None);
        }
        let configuration = self.configuration.as_ref().ok_or_else(|| EventError::NoConfiguration {
            item: self.resource_id.clone(),
        })?;
        let document = match configuration.get("assumeRolePolicyDocument") {
            Some(Value::String(text)) => text.clone(),
            // Hand-made items (RDK samples) carry it decoded.
            Some(object @ Value::Object(_)) => object.to_string(),
            // Every role has a trust policy: an item without one is no reading of it (an error,
            // retried, not a role paged as unreadable).
            _ => {
                return Err(EventError::NoConfiguration {
                    item: self.resource_id.clone(),
                })
            }
        };
        let text = |key: &str| configuration.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut tag_keys = self.tag_keys.clone();
        if let Some(Value::Array(tags)) = configuration.get("tags") {
            tag_keys.extend(
                tags.iter()
                    .filter_map(|t| t.get("key").and_then(Value::as_str))
                    .map(str::to_owned),
            );
        }
        let role = Role {
            arn: text("arn").or_else(|| self.arn.clone()),
            account_id: self.account_id.clone(),
            path: text("path"),
            tag_keys,
            // The item lists them whole, but the periodic sweep (ListRoles) doesn't have them:
            // read here, a role's verdict would differ between the two and its page flap.
            tags_known: false,
            tag_values: Vec::new(),
            functions: Vec::new(),
            edge_functions: Vec::new(),
            event_sources: Vec::new(),
            event_sources_unknown: false,
            // Config records IAM's stored copy: it was accepted, so nothing in it is invalid.
            proposed: false,
            to_be_created: false,
            account_is_stand_in: false,
            partition_is_stand_in: false,
            naming: trustcheck::Naming::Known,
        };
        Ok(Some((role, document)))
    }

    /// The role's name, for people: the item's name, else the end of its ARN, else its id.
    pub fn display_name(&self) -> &str {
        self.resource_name
            .as_deref()
            .or_else(|| self.arn.as_deref().and_then(|a| a.rsplit('/').next()))
            .unwrap_or(&self.resource_id)
    }
}

/// Whether the item captured at `item` is older than the notified one, at Config's precision
/// (milliseconds): the API's epoch seconds pass through a float, which puts the very notified
/// item a few hundred nanoseconds before its own time.
fn is_older(item: &DateTime, notified: &DateTime) -> bool {
    let millis = |t: &DateTime| (t.as_secs_f64() * 1000.0).round();
    millis(item) < millis(notified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_config::types::{ConfigurationItemStatus, ResourceType};

    fn item(configuration: Option<Value>) -> ConfigItem {
        ConfigItem {
            resource_type: ROLE_RESOURCE_TYPE.into(),
            resource_id: "AROAEXAMPLE123456789".into(),
            resource_name: Some("orders".into()),
            arn: Some("arn:aws:iam::123456789012:role/orders".into()),
            account_id: Some("123456789012".into()),
            status: "OK".into(),
            capture_time: DateTime::from_secs(0),
            tag_keys: vec!["team".into()],
            configuration,
        }
    }

    #[test]
    fn the_notified_item_is_not_older_than_itself_through_a_float() {
        // The API's epoch seconds, as the SDK reads them: a float a few hundred ns short.
        let notified = parse_timestamp("t", "2026-11-27T06:05:00.123Z").unwrap();
        let from_api = DateTime::from_secs_f64(1_795_759_500.123);
        assert!(from_api < notified, "the float really is short: {from_api:?}");
        assert!(!is_older(&from_api, &notified));
        assert!(is_older(&DateTime::from_secs_f64(1_795_759_500.122), &notified));
        assert!(is_older(&DateTime::from_secs_f64(1_795_759_500.121), &notified));
        assert!(!is_older(&DateTime::from_secs_f64(1_795_759_600.0), &notified));
    }

    #[test]
    fn role_from_encoded_and_object_documents() {
        let encoded = item(Some(serde_json::json!({
            "path": "/service/", "arn": "arn:aws:iam::123456789012:role/service/orders",
            "assumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D",
            "tags": [{"key": "trustcheck:exempt", "value": "yes"}]
        })));
        let (role, document) = encoded.role().unwrap().unwrap();
        assert_eq!(document, "%7B%22Statement%22%3A%5B%5D%7D");
        assert_eq!(role.path.as_deref(), Some("/service/"));
        assert_eq!(role.tag_keys, vec!["team", "trustcheck:exempt"]);
        assert!(
            !role.tags_known,
            "judged as the periodic sweep judges it, which has no tags"
        );
        let object = item(Some(serde_json::json!({"assumeRolePolicyDocument": {"Statement": []}})));
        assert_eq!(object.role().unwrap().unwrap().1, r#"{"Statement":[]}"#);
    }

    #[test]
    fn a_role_item_without_its_trust_policy_is_read_again_not_judged_empty() {
        let without = [
            None,
            Some(serde_json::json!({})),
            Some(serde_json::json!({"assumeRolePolicyDocument": null})),
            Some(serde_json::json!({"assumeRolePolicyDocument": 7})),
        ];
        for configuration in without {
            let item = item(configuration.clone());
            assert!(!item.has_trust_policy(), "{configuration:?}");
            assert!(
                matches!(item.role(), Err(EventError::NoConfiguration { .. })),
                "{configuration:?}"
            );
        }
        assert!(item(Some(serde_json::json!({"assumeRolePolicyDocument": "%7B%7D"}))).has_trust_policy());
        assert!(item(Some(serde_json::json!({"assumeRolePolicyDocument": {}}))).has_trust_policy());
        // Looked up by what an oversized notification would say, at the notified time.
        let mut notified = item(None);
        notified.capture_time = parse_timestamp("t", "2026-11-27T06:05:00.123Z").unwrap();
        let summary = notified.summary();
        assert_eq!(
            (summary.resource_id.as_str(), summary.configuration_item_status.as_str()),
            ("AROAEXAMPLE123456789", "OK")
        );
        assert_eq!(
            parse_timestamp("t", &summary.configuration_item_capture_time).unwrap(),
            notified.capture_time
        );
    }

    #[test]
    fn deleted_items_and_other_types() {
        assert!(matches!(item(None).role(), Err(EventError::NoConfiguration { .. })));
        let mut other = item(None);
        other.resource_type = "AWS::S3::Bucket".into();
        assert!(other.role().unwrap().is_none());
        assert_eq!(item(None).display_name(), "orders");
    }

    #[test]
    fn api_model_configuration_is_a_json_string() {
        let api = ApiItem::builder()
            .resource_type(ResourceType::Role)
            .resource_id("AROAEXAMPLE123456789")
            .account_id("123456789012")
            .arn("arn:aws:iam::123456789012:role/orders")
            .configuration_item_status(ConfigurationItemStatus::Ok)
            .configuration_item_capture_time(DateTime::from_secs(1_700_000_000))
            .configuration(r#"{"assumeRolePolicyDocument":"%7B%7D","path":"/"}"#)
            .tags("team", "orders")
            .build();
        let item = ConfigItem::from_api(&api).unwrap();
        assert!(item.is_recorded());
        assert_eq!(item.account_id.as_deref(), Some("123456789012"));
        assert_eq!(item.role().unwrap().unwrap().1, "%7B%7D");
        let broken = ApiItem::builder().resource_id("x").configuration("{not json").build();
        assert!(ConfigItem::from_api(&broken)
            .unwrap_err()
            .to_string()
            .starts_with("configuration is not valid JSON"));
    }
}
