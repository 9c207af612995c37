//! The notifier: Config's compliance changes for trustcheck's rule become SNS messages that
//! PagerDuty understands. NON_COMPLIANT triggers a page; leaving NON_COMPLIANT resolves it.

pub mod change;
pub mod page;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use trustcheck::Severity;
use trustcheck_aws::AwsError;

use crate::{
    change::ComplianceChange,
    page::{Page, RoleIdentity},
};

/// The function's environment (SPEC "How the functions are configured").
#[derive(Debug, Clone)]
pub struct Settings {
    /// Only rules whose name starts with this (organization and conformance-pack deployments add suffixes).
    pub rule_name_prefix: String,
    pub page_topic_arn: String,
    pub notify_topic_arn: Option<String>,
    pub page_at: Severity,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("PAGE_AT is {0:?}: expected LOW, MEDIUM, HIGH or CRITICAL")]
    PageAt(String),
}

impl Settings {
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|key| std::env::var(key).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let required = |key: &'static str| get(key).filter(|v| !v.is_empty()).ok_or(SettingsError::Missing(key));
        let page_at = match get("PAGE_AT").filter(|v| !v.is_empty()) {
            None => Severity::High,
            Some(text) => Severity::parse(&text).ok_or(SettingsError::PageAt(text))?,
        };
        Ok(Settings {
            rule_name_prefix: required("RULE_NAME_PREFIX")?,
            page_topic_arn: required("PAGE_TOPIC_ARN")?,
            notify_topic_arn: get("NOTIFY_TOPIC_ARN").filter(|v| !v.is_empty()),
            page_at,
        })
    }

    /// Severe findings page; the rest go to the optional second topic. A resolve follows its trigger.
    fn topic_for(&self, severity: Severity) -> Option<&str> {
        if severity >= self.page_at {
            Some(&self.page_topic_arn)
        } else {
            self.notify_topic_arn.as_deref()
        }
    }
}

pub struct State {
    pub settings: Settings,
    sns: aws_sdk_sns::Client,
    config: aws_sdk_config::Client,
}

impl State {
    pub fn new(sdk: &aws_config::SdkConfig, settings: Settings) -> State {
        State {
            settings,
            sns: aws_sdk_sns::Client::new(sdk),
            config: aws_sdk_config::Client::new(sdk),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error("the event is not a Config Rules Compliance Change: {0}")]
    BadEvent(#[source] serde_json::Error),
    #[error("publishing the page for {resource_id} to {topic_arn} failed: {source}")]
    Publish {
        resource_id: String,
        topic_arn: String,
        #[source]
        source: PublishError,
    },
}

impl From<NotifierError> for Diagnostic {
    fn from(error: NotifierError) -> Diagnostic {
        let error_type = match &error {
            NotifierError::BadEvent(_) => "InvalidEvent",
            NotifierError::Publish { .. } => "PublishFailed",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// What one invocation did; also the function's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Another rule's event, or another kind of event.
    Ignored { reason: String },
    /// A change that needs no page (first COMPLIANT, COMPLIANT → COMPLIANT), or one below every topic.
    NothingToSend { reason: String },
    Published {
        event_action: String,
        topic_arn: String,
        message_id: String,
    },
}

pub async fn handler(state: &State, event: LambdaEvent<Value>) -> Result<Outcome, NotifierError> {
    let event: EventBridgeEvent<ComplianceChange> =
        serde_json::from_value(event.payload).map_err(NotifierError::BadEvent)?;
    let change = &event.detail;
    if event.source != "aws.config" || event.detail_type != "Config Rules Compliance Change" {
        return Ok(ignored(format!(
            "{} / {} is not a Config compliance change",
            event.source, event.detail_type
        )));
    }
    if !change.config_rule_name.starts_with(&state.settings.rule_name_prefix) {
        return Ok(ignored(format!("rule {} is not trustcheck's", change.config_rule_name)));
    }
    let Some(action) = change.action() else {
        return Ok(nothing(format!(
            "{} → {} needs no page",
            change
                .old_evaluation_result
                .as_ref()
                .map_or("none", |o| o.compliance_type.as_str()),
            change.new_evaluation_result.compliance_type
        )));
    };
    let role = identify(&state.config, change).await;
    let Some(page) = page::build(change, &role) else {
        return Ok(nothing(format!("{} needs no page", action.as_str())));
    };
    let Some(topic_arn) = state.settings.topic_for(page.severity) else {
        return Ok(nothing(format!(
            "{} is below PAGE_AT and no NOTIFY_TOPIC_ARN is set",
            page.severity
        )));
    };
    let message_id = publish(&state.sns, topic_arn, &page)
        .await
        .map_err(|source| NotifierError::Publish {
            resource_id: change.resource_id.clone(),
            topic_arn: topic_arn.to_owned(),
            source,
        })?;
    tracing::info!(
        role = %role.name,
        role_id = %change.resource_id,
        event_action = action.as_str(),
        severity = page.severity.as_str(),
        topic = topic_arn,
        "page published"
    );
    Ok(Outcome::Published {
        event_action: action.as_str().to_owned(),
        topic_arn: topic_arn.to_owned(),
        message_id,
    })
}

fn ignored(reason: String) -> Outcome {
    tracing::info!(%reason, "ignored");
    Outcome::Ignored { reason }
}

fn nothing(reason: String) -> Outcome {
    tracing::info!(%reason, "nothing to send");
    Outcome::NothingToSend { reason }
}

/// The role's name and ARN from Config (the event carries only its `AROA…` id). The page goes
/// out even when the lookup fails: a page naming an id beats no page.
async fn identify(config: &aws_sdk_config::Client, change: &ComplianceChange) -> RoleIdentity {
    let lookup = config
        .get_resource_config_history()
        .resource_type(aws_sdk_config::types::ResourceType::from(change.resource_type.as_str()))
        .resource_id(&change.resource_id)
        .limit(1)
        .send()
        .await;
    match lookup {
        Ok(output) => match output.configuration_items().first() {
            Some(item) => RoleIdentity {
                name: item.resource_name().unwrap_or(&change.resource_id).to_owned(),
                arn: item.arn().map(str::to_owned),
            },
            None => RoleIdentity {
                name: change.resource_id.clone(),
                arn: None,
            },
        },
        Err(e) => {
            let error = AwsError::new("config:GetResourceConfigHistory", e);
            tracing::warn!(%error, role_id = %change.resource_id, "can't name the role; paging with its id");
            RoleIdentity {
                name: change.resource_id.clone(),
                arn: None,
            }
        }
    }
}

async fn publish(sns: &aws_sdk_sns::Client, topic_arn: &str, page: &Page) -> Result<String, PublishError> {
    let mut request = sns
        .publish()
        .topic_arn(topic_arn)
        .subject(&page.subject)
        .message(page.message.to_string());
    for (name, value) in &page.attributes {
        let attribute = aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()?;
        request = request.message_attributes(*name, attribute);
    }
    let output = request.send().await.map_err(|e| AwsError::new("sns:Publish", e))?;
    Ok(output.message_id().unwrap_or_default().to_owned())
}

/// Why a page could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Call(#[from] AwsError),
    #[error("message attribute: {0}")]
    Attribute(#[from] aws_sdk_sns::error::BuildError),
}
