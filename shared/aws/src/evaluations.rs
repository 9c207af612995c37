//! Writing evaluations to Config: batches of 100, `FailedEvaluations` retried, and an error that
//! names what could not be written. Nothing is dropped silently.

use std::time::Duration;

use aws_sdk_config::{
    primitives::DateTime,
    types::{ComplianceType, Evaluation as SdkEvaluation},
    Client,
};
use trustcheck::{Compliance, ANNOTATION_MAX_CHARS};

use crate::error::{AwsError, WriteError};

/// Config's limit per `PutEvaluations` call.
pub const MAX_EVALUATIONS_PER_CALL: usize = 100;
/// Rounds of re-sending evaluations Config reported in `FailedEvaluations`.
const MAX_ROUNDS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
    pub ordering_timestamp: DateTime,
}

impl Evaluation {
    fn to_sdk(&self) -> Result<SdkEvaluation, WriteError> {
        let compliance = match self.compliance {
            Compliance::Compliant => ComplianceType::Compliant,
            Compliance::NonCompliant => ComplianceType::NonCompliant,
            Compliance::NotApplicable => ComplianceType::NotApplicable,
        };
        let mut builder = SdkEvaluation::builder()
            .compliance_resource_type(&self.resource_type)
            .compliance_resource_id(&self.resource_id)
            .compliance_type(compliance)
            .ordering_timestamp(self.ordering_timestamp);
        // Config rejects an empty annotation and one over 256 characters.
        let chars = self.annotation.chars().count();
        if chars > 0 {
            let annotation: String = self.annotation.chars().take(ANNOTATION_MAX_CHARS).collect();
            builder = builder.annotation(annotation);
        }
        builder.build().map_err(|e| WriteError::Build {
            resource_id: self.resource_id.clone(),
            message: e.to_string(),
        })
    }
}

/// Writes every evaluation. Throttling and 5xx are retried by the SDK; evaluations Config
/// reports as failed are re-sent with backoff. Returns the number written.
pub async fn put_evaluations(
    client: &Client,
    result_token: &str,
    evaluations: &[Evaluation],
) -> Result<usize, WriteError> {
    for chunk in evaluations.chunks(MAX_EVALUATIONS_PER_CALL) {
        let mut pending: Vec<SdkEvaluation> = chunk.iter().map(Evaluation::to_sdk).collect::<Result<_, _>>()?;
        let mut round = 0;
        while !pending.is_empty() {
            if round == MAX_ROUNDS {
                let resource_ids: Vec<String> = pending.iter().map(|e| e.compliance_resource_id().to_owned()).collect();
                return Err(WriteError::Rejected {
                    count: resource_ids.len(),
                    attempts: MAX_ROUNDS,
                    first: resource_ids[0].clone(),
                    resource_ids,
                });
            }
            if round > 0 {
                tokio::time::sleep(Duration::from_millis(50 << round)).await;
            }
            round += 1;
            let output = client
                .put_evaluations()
                .result_token(result_token)
                .set_evaluations(Some(pending.clone()))
                .send()
                .await
                .map_err(|e| WriteError::Call {
                    count: pending.len(),
                    source: AwsError::new("config:PutEvaluations", e),
                })?;
            let failed = output.failed_evaluations();
            if !failed.is_empty() {
                tracing::warn!(
                    failed = failed.len(),
                    round,
                    "Config reported failed evaluations; sending them again"
                );
            }
            pending = failed.to_vec();
        }
    }
    Ok(evaluations.len())
}

/// `(resource type, resource id)` of every COMPLIANT or NON_COMPLIANT result this rule holds.
pub async fn previously_evaluated(client: &Client, rule_name: &str) -> Result<Vec<(String, String)>, AwsError> {
    let mut results = client
        .get_compliance_details_by_config_rule()
        .config_rule_name(rule_name)
        .compliance_types(ComplianceType::Compliant)
        .compliance_types(ComplianceType::NonCompliant)
        .into_paginator()
        .page_size(MAX_EVALUATIONS_PER_CALL as i32)
        .items()
        .send();
    let mut held = Vec::new();
    while let Some(result) = results
        .try_next()
        .await
        .map_err(|e| AwsError::new("config:GetComplianceDetailsByConfigRule", e))?
    {
        let qualifier = result
            .evaluation_result_identifier()
            .and_then(|i| i.evaluation_result_qualifier());
        if let Some((Some(t), Some(id))) = qualifier.map(|q| (q.resource_type(), q.resource_id())) {
            held.push((t.to_owned(), id.to_owned()));
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_config::operation::put_evaluations::PutEvaluationsOutput;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn evaluation(i: usize) -> Evaluation {
        Evaluation {
            resource_type: "AWS::IAM::Role".into(),
            resource_id: format!("AROA{i:016}"),
            compliance: Compliance::Compliant,
            annotation: if i == 0 { String::new() } else { "é".repeat(300) },
            ordering_timestamp: DateTime::from_secs(1_700_000_000),
        }
    }

    #[tokio::test]
    async fn batches_of_one_hundred_with_valid_annotations() {
        let batch = mock!(Client::put_evaluations)
            .match_requests(|r| {
                r.result_token() == Some("token")
                    && r.evaluations().len() <= 100
                    && r.evaluations()
                        .iter()
                        .all(|e| e.annotation().is_none_or(|a| (1..=256).contains(&a.chars().count())))
            })
            .then_output(|| PutEvaluationsOutput::builder().build());
        let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&batch]);
        let evaluations: Vec<Evaluation> = (0..250).map(evaluation).collect();
        assert_eq!(put_evaluations(&client, "token", &evaluations).await.unwrap(), 250);
        assert_eq!(batch.num_calls(), 3);
    }

    #[tokio::test]
    async fn failed_evaluations_are_sent_again() {
        let failed_once = mock!(Client::put_evaluations)
            .sequence()
            .output(|| {
                PutEvaluationsOutput::builder()
                    .failed_evaluations(evaluation(7).to_sdk().unwrap())
                    .build()
            })
            .output(|| PutEvaluationsOutput::builder().build())
            .build();
        let client = mock_client!(aws_sdk_config, RuleMode::Sequential, [&failed_once]);
        let evaluations: Vec<Evaluation> = (0..3).map(evaluation).collect();
        assert_eq!(put_evaluations(&client, "token", &evaluations).await.unwrap(), 3);
        assert_eq!(failed_once.num_calls(), 2);
    }
}
