//! The EventBridge `Config Rules Compliance Change` event and what it means for a page.

use serde::{Deserialize, Serialize};

/// `detail` of the event (the same shape as Config's SNS `ComplianceChangeNotification`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceChange {
    pub aws_account_id: String,
    pub config_rule_name: String,
    /// Note the capital ARN, as Config writes it.
    #[serde(rename = "configRuleARN", default)]
    pub config_rule_arn: Option<String>,
    pub resource_type: String,
    pub resource_id: String,
    #[serde(default)]
    pub aws_region: Option<String>,
    pub new_evaluation_result: EvaluationResult,
    /// Absent on a resource's first evaluation.
    #[serde(default)]
    pub old_evaluation_result: Option<EvaluationResult>,
    #[serde(default)]
    pub message_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationResult {
    pub compliance_type: String,
    #[serde(default)]
    pub annotation: Option<String>,
    #[serde(default)]
    pub result_recorded_time: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Trigger,
    Resolve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Resolve => "resolve",
        }
    }
}

impl ComplianceChange {
    /// NON_COMPLIANT pages; leaving NON_COMPLIANT resolves; anything else sends nothing.
    pub fn action(&self) -> Option<Action> {
        let was_non_compliant = self
            .old_evaluation_result
            .as_ref()
            .is_some_and(|old| old.compliance_type == "NON_COMPLIANT");
        match self.new_evaluation_result.compliance_type.as_str() {
            "NON_COMPLIANT" => Some(Action::Trigger),
            "COMPLIANT" | "NOT_APPLICABLE" if was_non_compliant => Some(Action::Resolve),
            _ => None,
        }
    }

    /// The annotation that names the finding: the new one for a trigger, the old one for a
    /// resolve, so a resolve is routed and graded exactly like the trigger it closes.
    pub fn finding_annotation(&self, action: Action) -> Option<&str> {
        let result = match action {
            Action::Trigger => Some(&self.new_evaluation_result),
            Action::Resolve => self.old_evaluation_result.as_ref(),
        };
        result.and_then(|r| r.annotation.as_deref())
    }

    pub fn region(&self) -> &str {
        self.aws_region.as_deref().unwrap_or("us-east-1")
    }
}
