//! The Config rule: decode Config's event, evaluate the role(s) with the rule crate, write the
//! evaluations back. `main.rs` only builds the [`State`] and runs [`handler`].

use std::collections::{HashMap, HashSet};

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Mutex;
use trustcheck::{check, Compliance, ParamsError, RuleParams, Verdict};
use trustcheck_aws::{
    functions_using_role, parse_timestamp, previously_evaluated, put_evaluations, sweep_roles, AwsError, Clients,
    ConfigItem, ConfigRuleEvent, Evaluation, EventError, InvokingEvent, ItemSummary, WriteError, ROLE_RESOURCE_TYPE,
};

/// Built once per process: clients and defaults, borrowed by every invocation.
pub struct State {
    sdk: aws_config::SdkConfig,
    clients: Clients,
    /// `RULE_PARAMETERS`: defaults merged under the event's `ruleParameters`.
    default_params: String,
    /// Organization deployments: clients acting in each member account, built on first use.
    members: Mutex<HashMap<String, Clients>>,
}

impl State {
    pub fn new(sdk: aws_config::SdkConfig, default_params: Option<String>) -> State {
        State {
            clients: Clients::new(&sdk),
            sdk,
            default_params: default_params.unwrap_or_default(),
            members: Mutex::new(HashMap::new()),
        }
    }

    /// The clients for the account the evaluation belongs to.
    async fn clients_for(&self, event: &ConfigRuleEvent, params: &RuleParams) -> Clients {
        let (Some(role_name), Some(account)) = (&params.execution_role_name, &event.account_id) else {
            return self.clients.clone();
        };
        let mut members = self.members.lock().await;
        if let Some(clients) = members.get(account) {
            return clients.clone();
        }
        let role_arn = format!("arn:{}:iam::{account}:role/{role_name}", event.partition());
        let clients = Clients::assuming(&self.sdk, &role_arn, "trustcheck-evaluator").await;
        members.insert(account.clone(), clients.clone());
        clients
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluatorError {
    #[error("bad Config event: {0}")]
    Event(#[from] EventError),
    #[error("invalid rule parameters: {0}")]
    Params(#[from] ParamsError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl From<EvaluatorError> for Diagnostic {
    fn from(error: EvaluatorError) -> Diagnostic {
        let error_type = match &error {
            EvaluatorError::Event(_) => "InvalidEvent",
            // The code rdklib returns for bad parameters, which Config shows to the rule's owner.
            EvaluatorError::Params(_) => "InvalidParameterValueException",
            EvaluatorError::Aws(_) => "AwsCallFailed",
            EvaluatorError::Write(_) => "EvaluationsNotWritten",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// What one invocation did; also the function's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub message_type: &'static str,
    pub written: usize,
    pub non_compliant: usize,
}

pub async fn handler(state: &State, event: LambdaEvent<Value>) -> Result<Outcome, EvaluatorError> {
    let event = ConfigRuleEvent::from_value(event.payload)?;
    // Parameters first: with bad parameters nothing is written.
    let params = RuleParams::from_layers(&[&state.default_params, event.rule_parameters.as_deref().unwrap_or("")])?;
    let token = event
        .result_token
        .as_deref()
        .ok_or(EventError::Missing("resultToken"))?;
    let invoking = event.invoking()?;
    let clients = state.clients_for(&event, &params).await;
    match invoking {
        InvokingEvent::Change(item) => evaluate_item(&clients, &event, &params, token, item).await,
        InvokingEvent::Oversized(summary) => {
            let item = fetch_item(&clients, &summary).await?;
            evaluate_item(&clients, &event, &params, token, item).await
        }
        InvokingEvent::Scheduled {
            notification_creation_time,
        } => sweep(&clients, &event, &params, token, &notification_creation_time).await,
    }
}

/// `GetResourceConfigHistory` for the item an oversized notification only summarises.
async fn fetch_item(clients: &Clients, summary: &ItemSummary) -> Result<ConfigItem, EvaluatorError> {
    let capture_time = parse_timestamp("configurationItemCaptureTime", &summary.configuration_item_capture_time)?;
    let output = clients
        .config
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
    Ok(ConfigItem::from_api(item)?)
}

async fn evaluate_item(
    clients: &Clients,
    event: &ConfigRuleEvent,
    params: &RuleParams,
    token: &str,
    item: ConfigItem,
) -> Result<Outcome, EvaluatorError> {
    let verdict = if event.event_left_scope || !item.is_recorded() {
        // A deleted role has no configuration; NOT_APPLICABLE also resolves its page.
        Verdict::not_applicable(format!(
            "role is {} (left the rule's scope)",
            describe_status(&item, event)
        ))
    } else {
        match item.role()? {
            None => Verdict::not_applicable(format!("{} is not an IAM role", item.resource_type)),
            Some((mut role, document)) => {
                if let Some(arn) = role.arn.clone() {
                    let (functions, source) = functions_using_role(clients, &arn).await?;
                    tracing::debug!(?source, functions = functions.len(), "functions using the role");
                    role.functions = functions;
                }
                check(&document, &role, params)
            }
        }
    };
    log_evaluation(item.display_name(), &item.resource_id, &verdict);
    let evaluation = Evaluation {
        resource_type: item.resource_type.clone(),
        resource_id: item.resource_id.clone(),
        compliance: verdict.compliance,
        annotation: verdict.annotation.clone(),
        ordering_timestamp: item.capture_time,
    };
    let written = put_evaluations(&clients.config, token, &[evaluation]).await?;
    Ok(Outcome {
        message_type: "ConfigurationItemChangeNotification",
        written,
        non_compliant: usize::from(verdict.compliance == Compliance::NonCompliant),
    })
}

fn describe_status(item: &ConfigItem, event: &ConfigRuleEvent) -> String {
    if event.event_left_scope && item.is_recorded() {
        "out of scope".to_owned()
    } else {
        item.status.clone()
    }
}

/// The scheduled run: every role, then NOT_APPLICABLE for roles evaluated before that are gone.
async fn sweep(
    clients: &Clients,
    event: &ConfigRuleEvent,
    params: &RuleParams,
    token: &str,
    notification_creation_time: &str,
) -> Result<Outcome, EvaluatorError> {
    let ordering = parse_timestamp("notificationCreationTime", notification_creation_time)?;
    let rule_name = event
        .config_rule_name
        .as_deref()
        .ok_or(EventError::Missing("configRuleName"))?;
    let (roles, source) = sweep_roles(clients, params).await?;
    let mut evaluations: Vec<Evaluation> = Vec::with_capacity(roles.len());
    let mut seen: HashSet<&str> = HashSet::with_capacity(roles.len());
    let mut non_compliant = 0;
    for role in &roles {
        log_evaluation(&role.role_name, &role.role_id, &role.verdict);
        non_compliant += usize::from(role.verdict.compliance == Compliance::NonCompliant);
        seen.insert(&role.role_id);
        evaluations.push(Evaluation {
            resource_type: ROLE_RESOURCE_TYPE.to_owned(),
            resource_id: role.role_id.clone(),
            compliance: role.verdict.compliance,
            annotation: role.verdict.annotation.clone(),
            ordering_timestamp: ordering,
        });
    }
    let gone: Vec<(String, String)> = previously_evaluated(&clients.config, rule_name)
        .await?
        .into_iter()
        .filter(|(_, id)| !seen.contains(id.as_str()))
        .collect();
    for (resource_type, resource_id) in gone {
        tracing::info!(role_id = %resource_id, compliance = "NOT_APPLICABLE", "role no longer exists");
        evaluations.push(Evaluation {
            resource_type,
            resource_id,
            compliance: Compliance::NotApplicable,
            annotation: "The role no longer exists".to_owned(),
            ordering_timestamp: ordering,
        });
    }
    let written = put_evaluations(&clients.config, token, &evaluations).await?;
    tracing::info!(roles = roles.len(), written, non_compliant, functions_from = ?source, "sweep done");
    Ok(Outcome {
        message_type: "ScheduledNotification",
        written,
        non_compliant,
    })
}

/// One structured line per evaluation: never the policy document, never credentials.
fn log_evaluation(role_name: &str, role_id: &str, verdict: &Verdict) {
    let findings: Vec<&str> = verdict.findings.iter().map(|f| f.id.as_str()).collect();
    tracing::info!(
        role = role_name,
        role_id,
        compliance = verdict.compliance.as_str(),
        findings = ?findings,
        "evaluated"
    );
}
