//! The pager: SNS → PagerDuty Events API v2. Adds the routing key (read once from an SSM
//! SecureString, never logged), retries 429 and 5xx with backoff, never retries a 400, and fails
//! the invocation when a page can't be delivered so SNS retries and its dead-letter queue keeps it.

use std::time::Duration;

use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

pub const DEFAULT_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";
const MAX_ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Fields that only serve PagerDuty's CloudWatch integration; the Events API doesn't want them.
const CLOUDWATCH_MIRROR: [&str; 3] = ["AlarmName", "NewStateValue", "OldStateValue"];

#[derive(Debug, Clone)]
pub struct Settings {
    /// Name of the SSM SecureString parameter holding the PagerDuty routing (integration) key.
    pub routing_key_parameter: String,
    pub events_url: String,
}

impl Settings {
    pub fn from_env() -> Result<Settings, PagerError> {
        let parameter = std::env::var("ROUTING_KEY_PARAMETER")
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or(PagerError::Setting("ROUTING_KEY_PARAMETER is not set"))?;
        Ok(Settings {
            routing_key_parameter: parameter,
            events_url: std::env::var("PAGERDUTY_EVENTS_URL")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| DEFAULT_EVENTS_URL.to_owned()),
        })
    }
}

pub struct State {
    settings: Settings,
    ssm: aws_sdk_ssm::Client,
    http: reqwest::Client,
    /// Read on the first page, then kept for the life of the sandbox.
    routing_key: OnceCell<String>,
}

impl State {
    pub fn new(sdk: &aws_config::SdkConfig, settings: Settings) -> Result<State, PagerError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(PagerError::Client)?;
        Ok(State {
            settings,
            ssm: aws_sdk_ssm::Client::new(sdk),
            http,
            routing_key: OnceCell::new(),
        })
    }

    async fn routing_key(&self) -> Result<&str, PagerError> {
        let key = self
            .routing_key
            .get_or_try_init(|| async {
                let output = self
                    .ssm
                    .get_parameter()
                    .name(&self.settings.routing_key_parameter)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| PagerError::RoutingKey {
                        parameter: self.settings.routing_key_parameter.clone(),
                        message: aws_sdk_ssm::error::DisplayErrorContext(&e).to_string(),
                    })?;
                output
                    .parameter()
                    .and_then(|p| p.value())
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| PagerError::RoutingKey {
                        parameter: self.settings.routing_key_parameter.clone(),
                        message: "the parameter has no value".to_owned(),
                    })
            })
            .await?;
        Ok(key)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PagerError {
    #[error("{0}")]
    Setting(&'static str),
    #[error("HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("can't read the routing key from SSM parameter {parameter}: {message}")]
    RoutingKey { parameter: String, message: String },
    #[error("SNS message {message_id} is not a JSON object: {source}")]
    BadMessage {
        message_id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("PagerDuty rejected {dedup_key} with HTTP {status}: {body}")]
    Rejected {
        dedup_key: String,
        status: u16,
        body: String,
    },
    #[error("PagerDuty did not accept {dedup_key} after {attempts} attempts: {last}")]
    Unavailable {
        dedup_key: String,
        attempts: u32,
        last: String,
    },
}

impl From<PagerError> for Diagnostic {
    fn from(error: PagerError) -> Diagnostic {
        let error_type = match &error {
            PagerError::Setting(_) | PagerError::Client(_) | PagerError::RoutingKey { .. } => "Misconfigured",
            PagerError::BadMessage { .. } => "InvalidMessage",
            PagerError::Rejected { .. } => "PageRejected",
            PagerError::Unavailable { .. } => "PagerDutyUnavailable",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub pages: usize,
    pub attempts: u32,
}

pub async fn handler(state: &State, event: LambdaEvent<SnsEvent>) -> Result<Delivered, PagerError> {
    let mut delivered = Delivered { pages: 0, attempts: 0 };
    for record in &event.payload.records {
        let mut body: Map<String, Value> =
            serde_json::from_str(&record.sns.message).map_err(|source| PagerError::BadMessage {
                message_id: record.sns.message_id.clone(),
                source,
            })?;
        for field in CLOUDWATCH_MIRROR {
            body.remove(field);
        }
        let dedup_key = body
            .get("dedup_key")
            .and_then(Value::as_str)
            .unwrap_or("(none)")
            .to_owned();
        body.insert(
            "routing_key".to_owned(),
            Value::String(state.routing_key().await?.to_owned()),
        );
        let attempts = deliver(state, &Value::Object(body), &dedup_key).await?;
        tracing::info!(dedup_key, attempts, "page delivered to PagerDuty");
        delivered.pages += 1;
        delivered.attempts += attempts;
    }
    Ok(delivered)
}

/// POSTs one event; returns the attempts it took.
async fn deliver(state: &State, body: &Value, dedup_key: &str) -> Result<u32, PagerError> {
    let mut last = String::new();
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(attempt - 2)).await;
        }
        let request = state
            .http
            .post(&state.settings.events_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        match request.send().await {
            Ok(response) if response.status().is_success() => return Ok(attempt),
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                if status.as_u16() == 429 || status.is_server_error() {
                    tracing::warn!(dedup_key, status = status.as_u16(), attempt, "PagerDuty asked to retry");
                    last = format!("HTTP {status}: {text}");
                    continue;
                }
                // 400 and other client errors: the same request would fail again.
                return Err(PagerError::Rejected {
                    dedup_key: dedup_key.to_owned(),
                    status: status.as_u16(),
                    body: text,
                });
            }
            Err(error) => {
                tracing::warn!(dedup_key, attempt, error = %error, "PagerDuty unreachable");
                last = error.to_string();
            }
        }
    }
    Err(PagerError::Unavailable {
        dedup_key: dedup_key.to_owned(),
        attempts: MAX_ATTEMPTS,
        last,
    })
}
