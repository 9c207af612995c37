//! Writing evaluations to Config: batches of 100, `FailedEvaluations` retried, and an error that
//! names what could not be written. Nothing is dropped silently.

use std::time::{Duration, SystemTime};

use aws_sdk_config::{
    primitives::DateTime,
    types::{ComplianceType, Evaluation as SdkEvaluation},
    Client,
};
use trustcheck::{Compliance, ANNOTATION_MAX_CHARS};

use crate::error::{AwsError, WriteError};

/// Config's limit per `PutEvaluations` call.
pub const MAX_EVALUATIONS_PER_CALL: usize = 100;
/// Passes over the evaluations still unwritten: the first, then re-sends of what failed.
const MAX_ROUNDS: usize = 5;
/// The result token of a test event (the Lambda console's sample Config events): written with
/// `TestMode`, which Config checks and stores nothing of.
pub const TEST_MODE_TOKEN: &str = "TESTMODE";
/// Config's answer to a result token it didn't issue, or one that expired.
pub(crate) const INVALID_RESULT_TOKEN: &str = "InvalidResultTokenException";

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
    pub ordering_timestamp: DateTime,
}

impl Evaluation {
    /// `None` only if the SDK's builder refused it (every field it requires is set here).
    fn to_sdk(&self) -> Option<SdkEvaluation> {
        let compliance = match self.compliance {
            Compliance::Compliant => ComplianceType::Compliant,
            Compliance::NonCompliant => ComplianceType::NonCompliant,
            Compliance::NotApplicable => ComplianceType::NotApplicable,
        };
        // Config rejects an empty annotation and one over 256 characters, which it counts in
        // UTF-16 units as Java does: a character outside the BMP (an emoji a role's name or a
        // principal can carry into the text) counts twice.
        let mut units = 0;
        let annotation: String = self
            .annotation
            .chars()
            .take_while(|c| {
                units += c.len_utf16();
                units <= ANNOTATION_MAX_CHARS
            })
            .collect();
        SdkEvaluation::builder()
            .compliance_resource_type(&self.resource_type)
            .compliance_resource_id(&self.resource_id)
            .compliance_type(compliance)
            .ordering_timestamp(self.ordering_timestamp)
            .set_annotation(Some(annotation).filter(|a| !a.is_empty()))
            .build()
            .ok()
    }
}

/// Writes every evaluation. Throttling and 5xx are retried by the SDK within a call; on top of
/// that every batch is attempted, and whatever failed (a call error, or evaluations Config lists in
/// `FailedEvaluations`) is sent again across the whole write with growing pauses, until `by`
/// when one is given: a call still waiting then is given up, and no round or batch starts that
/// can't finish by it, so that what follows the write (the pages) keeps its time. Returns the
/// number written, or an error naming every evaluation that still could not be written.
pub async fn put_evaluations(
    client: &Client,
    result_token: &str,
    evaluations: &[Evaluation],
    by: Option<SystemTime>,
) -> Result<usize, WriteError> {
    let left = || by.map(|by| by.duration_since(SystemTime::now()).unwrap_or_default());
    let out_of_time = || {
        Box::new(AwsError::unfinished(
            "config:PutEvaluations",
            "the write ran out of the time the invocation leaves it (Config answered too slowly, or not at all)",
        ))
    };
    let mut pending = Vec::with_capacity(evaluations.len());
    let mut unbuildable = Vec::new();
    for evaluation in evaluations {
        match evaluation.to_sdk() {
            Some(sdk) => pending.push(sdk),
            None => unbuildable.push(evaluation.resource_id.clone()),
        }
    }
    let mut last_error = None;
    let mut round = 0;
    // One evaluation Config refuses fails its whole call: after such a refusal every evaluation
    // still unwritten goes on its own, so the bad one fails only itself.
    let mut per_call = MAX_EVALUATIONS_PER_CALL;
    let mut token_refused = false;
    while !pending.is_empty() && round < MAX_ROUNDS && !token_refused {
        if round > 0 {
            if left().is_some_and(|left| left <= backoff(round)) {
                last_error = Some(out_of_time());
                break;
            }
            tracing::warn!(
                unwritten = pending.len(),
                round,
                "evaluations not written yet; sending them again"
            );
            tokio::time::sleep(backoff(round)).await;
        }
        round += 1;
        let mut failed = Vec::new();
        let mut refused = false;
        for batch in pending.chunks(per_call) {
            if token_refused {
                failed.extend_from_slice(batch);
                continue;
            }
            let call = client
                .put_evaluations()
                .result_token(result_token)
                .test_mode(result_token == TEST_MODE_TOKEN)
                .set_evaluations(Some(batch.to_vec()))
                .send();
            let sent = match left() {
                None => call.await,
                Some(left) if left.is_zero() => {
                    failed.extend_from_slice(batch);
                    last_error = Some(out_of_time());
                    continue;
                }
                Some(left) => match tokio::time::timeout(left, call).await {
                    Ok(sent) => sent,
                    Err(_) => {
                        failed.extend_from_slice(batch);
                        last_error = Some(out_of_time());
                        continue;
                    }
                },
            };
            match sent {
                Ok(output) => failed.extend_from_slice(output.failed_evaluations()),
                Err(error) => {
                    failed.extend_from_slice(batch);
                    let error = AwsError::new("config:PutEvaluations", error);
                    refused |= matches!(
                        error.code.as_deref(),
                        Some("InvalidParameterValueException" | "ValidationException")
                    );
                    // The token is the invocation's: no call can make it valid, and the event
                    // that carried it may not be Config's (a forged invoke, a console test event).
                    token_refused = error.code.as_deref() == Some(INVALID_RESULT_TOKEN);
                    last_error = Some(Box::new(error));
                }
            }
        }
        if refused {
            per_call = 1;
        }
        pending = failed;
    }
    if pending.is_empty() && unbuildable.is_empty() {
        return Ok(evaluations.len());
    }
    unbuildable.extend(pending.iter().map(|e| e.compliance_resource_id().to_owned()));
    Err(WriteError {
        count: unbuildable.len(),
        total: evaluations.len(),
        attempts: round,
        resource_ids: unbuildable,
        last_error,
    })
}

/// Whether Config takes `result_token` now: a `PutEvaluations` of no evaluation, which writes
/// nothing. A sweep's part that had nothing to write asks it before counting as the day's sweep:
/// an invocation by hand (a forged "cleanup only" continuation with any token) must not keep
/// the alarms on a rule Config no longer runs quiet.
pub async fn confirm_token(client: &Client, result_token: &str) -> Result<(), AwsError> {
    client
        .put_evaluations()
        .result_token(result_token)
        .set_evaluations(Some(Vec::new()))
        .send()
        .await
        .map(drop)
        .map_err(|error| AwsError::new("config:PutEvaluations", error))
}

/// The pause before round `round` of re-sending: 0.4 s, 0.8 s, 1.6 s, … so that a throttled
/// account recovers before the next pass over what failed.
fn backoff(round: usize) -> Duration {
    Duration::from_millis(200 << round.min(6))
}

/// A result this rule holds in Config.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldResult {
    pub resource_type: String,
    pub resource_id: String,
    /// The `OrderingTimestamp` the result was written with: Config keeps the latest per resource.
    pub ordering_timestamp: Option<DateTime>,
    pub compliance: Compliance,
}

/// The COMPLIANT and NON_COMPLIANT results this rule holds: what a deleted role may have left.
/// Not the NOT_APPLICABLE ones: every role deleted since the rule began left one, so they only
/// grow, and they need nothing.
pub async fn held_results(client: &Client, rule_name: &str) -> Result<Vec<HeldResult>, AwsError> {
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
        let identifier = result.evaluation_result_identifier();
        let qualifier = identifier.and_then(|i| i.evaluation_result_qualifier());
        let compliance = match result.compliance_type() {
            Some(ComplianceType::Compliant) => Compliance::Compliant,
            Some(ComplianceType::NonCompliant) => Compliance::NonCompliant,
            Some(ComplianceType::NotApplicable) => Compliance::NotApplicable,
            _ => continue,
        };
        if let Some((Some(t), Some(id))) = qualifier.map(|q| (q.resource_type(), q.resource_id())) {
            held.push(HeldResult {
                resource_type: t.to_owned(),
                resource_id: id.to_owned(),
                ordering_timestamp: identifier.and_then(|i| i.ordering_timestamp()).copied(),
                compliance,
            });
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
        assert_eq!(
            put_evaluations(&client, "token", &evaluations, None).await.unwrap(),
            250
        );
        assert_eq!(batch.num_calls(), 3);
    }

    #[tokio::test]
    async fn a_failing_batch_never_stops_the_others_and_is_named() {
        let first_batch = |r: &aws_sdk_config::operation::put_evaluations::PutEvaluationsInput| {
            r.evaluations().first().map(|e| e.compliance_resource_id()) == Some(evaluation(0).resource_id.as_str())
        };
        let refused = mock!(Client::put_evaluations)
            .match_requests(move |r| first_batch(r))
            .then_error(|| {
                aws_sdk_config::operation::put_evaluations::PutEvaluationsError::generic(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        // Not retried by the SDK itself, so every call here is one of ours.
                        .code("InsufficientPermissionsException")
                        .message("not allowed")
                        .build(),
                )
            });
        let written = mock!(Client::put_evaluations)
            .match_requests(move |r| !first_batch(r))
            .then_output(|| PutEvaluationsOutput::builder().build());
        let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&refused, &written]);
        let evaluations: Vec<Evaluation> = (0..250).map(evaluation).collect();
        let error = put_evaluations(&client, "token", &evaluations, None).await.unwrap_err();
        assert_eq!(error.count, 100);
        assert_eq!(error.total, 250);
        assert_eq!(
            error.resource_ids,
            (0..100).map(|i| evaluation(i).resource_id).collect::<Vec<_>>()
        );
        assert_eq!(
            error.last_error.as_ref().and_then(|e| e.code.as_deref()),
            Some("InsufficientPermissionsException")
        );
        // Batches 2 and 3 were written once; batch 1 was tried in every round.
        assert_eq!(written.num_calls(), 2);
        assert_eq!(refused.num_calls(), MAX_ROUNDS);
        assert!(error.to_string().contains("100 of 250 evaluation(s)"), "{error}");
    }

    #[tokio::test]
    async fn no_round_starts_that_the_time_given_can_t_hold() {
        let refused = mock!(Client::put_evaluations).then_error(|| {
            aws_sdk_config::operation::put_evaluations::PutEvaluationsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder()
                    .code("InsufficientPermissionsException")
                    .message("not allowed")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&refused]);
        let evaluations: Vec<Evaluation> = (0..150).map(evaluation).collect();
        // Less time than the first pause: the first round, then nothing.
        let by = SystemTime::now() + backoff(1) / 2;
        let error = put_evaluations(&client, "token", &evaluations, Some(by))
            .await
            .unwrap_err();
        assert_eq!((error.count, error.total, error.attempts), (150, 150, 1));
        assert_eq!(refused.num_calls(), 2, "each batch of the first round, once");
        let last = error.last_error.as_ref().expect("why");
        assert!(
            last.is_unfinished() && last.to_string().contains("ran out of the time"),
            "{last}"
        );
        // A time already past: nothing is sent, and everything is named.
        let past = SystemTime::now() - Duration::from_secs(1);
        let error = put_evaluations(&client, "token", &evaluations, Some(past))
            .await
            .unwrap_err();
        assert_eq!((error.count, refused.num_calls()), (150, 2));
    }

    #[tokio::test]
    async fn an_evaluation_config_refuses_fails_only_itself() {
        let holds_bad = |r: &aws_sdk_config::operation::put_evaluations::PutEvaluationsInput| {
            r.evaluations()
                .iter()
                .any(|e| e.compliance_resource_id() == evaluation(7).resource_id)
        };
        let refused = mock!(Client::put_evaluations)
            .match_requests(move |r| holds_bad(r))
            .then_error(|| {
                aws_sdk_config::operation::put_evaluations::PutEvaluationsError::generic(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code("InvalidParameterValueException")
                        .message("an evaluation is invalid")
                        .build(),
                )
            });
        let written = mock!(Client::put_evaluations)
            .match_requests(move |r| !holds_bad(r))
            .then_output(|| PutEvaluationsOutput::builder().build());
        let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&refused, &written]);
        let evaluations: Vec<Evaluation> = (0..250).map(evaluation).collect();
        let error = put_evaluations(&client, "token", &evaluations, None).await.unwrap_err();
        // The other 99 of its batch were sent again one by one and written.
        assert_eq!((error.count, error.total), (1, 250));
        assert_eq!(error.resource_ids, [evaluation(7).resource_id]);
        assert_eq!(written.num_calls(), 2 + 99);
    }

    #[test]
    fn annotations_fit_in_256_utf16_units() {
        let long = Evaluation {
            annotation: "🔓".repeat(200),
            ..evaluation(1)
        };
        let sdk = long.to_sdk().unwrap();
        let annotation = sdk.annotation().unwrap();
        assert_eq!(annotation.encode_utf16().count(), 256);
        assert_eq!(annotation.chars().count(), 128);
    }

    #[tokio::test]
    async fn failed_evaluations_are_sent_again() {
        let ids = |r: &aws_sdk_config::operation::put_evaluations::PutEvaluationsInput| -> Vec<String> {
            r.evaluations()
                .iter()
                .map(|e| e.compliance_resource_id().to_owned())
                .collect()
        };
        let all: Vec<String> = (0..3).map(|i| evaluation(i).resource_id).collect();
        let first = all.clone();
        // Config reports one of the three as not written; only that one is sent again, as it was.
        let whole_batch = mock!(Client::put_evaluations)
            .match_requests(move |r| ids(r) == first && r.result_token() == Some("token"))
            .then_output(|| {
                PutEvaluationsOutput::builder()
                    .failed_evaluations(evaluation(1).to_sdk().unwrap())
                    .build()
            });
        let again = mock!(Client::put_evaluations)
            .match_requests(|r| {
                r.evaluations() == [evaluation(1).to_sdk().unwrap()] && r.result_token() == Some("token")
            })
            .then_output(|| PutEvaluationsOutput::builder().build());
        let client = mock_client!(aws_sdk_config, RuleMode::Sequential, [&whole_batch, &again]);
        let evaluations: Vec<Evaluation> = (0..3).map(evaluation).collect();
        assert_eq!(put_evaluations(&client, "token", &evaluations, None).await.unwrap(), 3);
        assert_eq!((whole_batch.num_calls(), again.num_calls()), (1, 1));
    }
}
