//! The event source mappings of the functions that use a role: what stops consuming, and how
//! badly, when Lambda can't assume it. Lambda's own API is the authority (Config doesn't record
//! the mappings' state or last processing result): a change event and a sweep alike list every
//! mapping once per region that has functions.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_lambda::types::EventSourceMappingConfiguration;
use aws_sdk_sqs::types::QueueAttributeName;
use tokio::task::JoinSet;
use trustcheck::{Compliance, EventSource, Listed, SourceKind, Verdict};

use crate::{clients::Clients, error::AwsError, unwound};

/// `ListEventSourceMappings`' largest page.
const MAPPINGS_PAGE: i32 = 100;

/// The mappings that invoke `functions` (ARNs), as a sweep finds them: every mapping of each of
/// their regions, filed by unqualified function. A mapping on an alias or version (how CodeDeploy
/// and provisioned concurrency attach a stream) names the function with its qualifier, and a
/// listing by the function's own name need not return it.
pub async fn mappings_of_functions(clients: &Clients, functions: &[String]) -> Result<Vec<EventSource>, AwsError> {
    let wanted: BTreeSet<&str> = functions.iter().map(|f| trustcheck::unqualified_function(f)).collect();
    let mut all = Vec::new();
    for (mappings, _region) in list_regions(clients, functions.iter().map(String::as_str)).await {
        all.extend(
            mappings?
                .into_iter()
                .filter(|m| wanted.contains(m.unqualified_function())),
        );
    }
    Ok(all)
}

/// The mappings are the blast radius, not the verdict: when they can't be listed, the role is
/// still judged (every other role of a sweep too), with `true` for "unknown": its Lambda findings
/// are then judged as if a stream were losing data (CRITICAL), failing closed, and the failure is
/// logged as an error.
pub fn or_unknown<T: Default>(listed: Result<T, AwsError>) -> (T, bool) {
    match listed {
        Ok(listed) => (listed, false),
        Err(error) => {
            tracing::error!(error = %error, "event source mappings not listed; Lambda findings are judged CRITICAL");
            (T::default(), true)
        }
    }
}

/// Every mapping of the account in the regions of `functions` (ARNs), by function ARN (one
/// paginated listing per region, all regions at once), and the regions whose listing failed
/// (logged as errors): only the functions there have mappings unknown.
pub async fn mappings_by_function<'f>(
    clients: &Clients,
    functions: impl IntoIterator<Item = &'f str>,
) -> (HashMap<String, Vec<EventSource>>, BTreeSet<String>) {
    let mut by_function: HashMap<String, Vec<EventSource>> = HashMap::new();
    let mut unlisted = BTreeSet::new();
    for (listed, region) in list_regions(clients, functions).await {
        match listed {
            Ok(mappings) => {
                for mapping in mappings {
                    // A mapping on an alias or version names the function with its qualifier.
                    let function = mapping.unqualified_function().to_owned();
                    by_function.entry(function).or_default().push(mapping);
                }
            }
            Err(error) => {
                tracing::error!(%error, region, "event source mappings not listed; Lambda findings of the region's functions are judged CRITICAL");
                unlisted.insert(region);
            }
        }
    }
    (by_function, unlisted)
}

/// Every mapping of each region of `functions` (ARNs): one paginated listing per region, all
/// regions at once, with the region listed.
async fn list_regions<'f>(
    clients: &Clients,
    functions: impl IntoIterator<Item = &'f str>,
) -> Vec<(Result<Vec<EventSource>, AwsError>, String)> {
    let regions: BTreeSet<&str> = functions.into_iter().filter_map(region_of).collect();
    let mut listings = JoinSet::new();
    for region in regions {
        let lambda = if Some(region) == clients.region() {
            clients.lambda.clone()
        } else {
            clients.lambda_in(region)
        };
        let region = region.to_owned();
        listings.spawn(async move { (list_mappings(&lambda).await, region) });
    }
    let mut listed = Vec::new();
    while let Some(joined) = listings.join_next().await {
        listed.push(unwound(joined));
    }
    listed
}

/// Whether `function` (an ARN) is in one of `regions`.
pub fn in_regions(function: &str, regions: &BTreeSet<String>) -> bool {
    region_of(function).is_some_and(|r| regions.contains(r))
}

/// Every mapping `ListEventSourceMappings` returns for the region.
async fn list_mappings(lambda: &aws_sdk_lambda::Client) -> Result<Vec<EventSource>, AwsError> {
    let mut pages = lambda
        .list_event_source_mappings()
        .into_paginator()
        .page_size(MAPPINGS_PAGE)
        .items()
        .send();
    let mut mappings = Vec::new();
    while let Some(mapping) = pages
        .try_next()
        .await
        .map_err(|e| AwsError::new("lambda:ListEventSourceMappings", e))?
    {
        mappings.extend(event_source(&mapping));
    }
    Ok(mappings)
}

/// For a role whose Lambda trust is broken, adds to `verdict.stopped` the evidence the queues of
/// its stopped mappings hold: how many messages wait. Evidence for the page only: the verdict
/// doesn't depend on it. How far behind a source is (a queue's oldest message, a stream's
/// iterator age) is a CloudWatch metric, not read: a stream's is not even measured while its
/// poller can't assume the role, and the local endpoint the tests run against can't answer the
/// CloudWatch client.
pub async fn gather_evidence(clients: &Clients, verdict: &mut Verdict) {
    let broken = verdict.compliance == Compliance::NonCompliant && verdict.findings.iter().any(|f| f.id.stops_lambda());
    if !broken {
        return;
    }
    // Only the mappings a notice carries: a backlog read for any other would only hold up the
    // write and the page. And within a bound: what wasn't read by then is left unsaid.
    let mut queues: Vec<&mut EventSource> = (verdict.stopped.iter_mut())
        .take(crate::alerts::STOPPED_IN_NOTICE)
        .filter(|s| s.is_enabled() && matches!(s.kind, SourceKind::Sqs | SourceKind::SqsFifo))
        .collect();
    if tokio::time::timeout(BACKLOG_READS_WITHIN, read_backlog(clients, &mut queues))
        .await
        .is_err()
    {
        tracing::warn!("queue backlogs not all read within {BACKLOG_READS_WITHIN:?}; the notice says what was read");
    }
}

/// How long a change event spends reading queue backlogs, which are evidence for the page, not
/// the verdict: the write and the page come first.
pub const BACKLOG_READS_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads how many messages wait in each queue: one `GetQueueAttributes` per queue. A queue that
/// can't be read keeps no backlog (logged): it is evidence, not the verdict.
async fn read_backlog(clients: &Clients, queues: &mut [&mut EventSource]) {
    for source in queues.iter_mut() {
        let Some(url) = queue_url(&source.source) else { continue };
        let region = source.source.split(':').nth(3).unwrap_or_default();
        let read = clients
            .sqs_in(region)
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await;
        match read {
            Ok(out) => {
                source.backlog = out
                    .attributes()
                    .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
                    .map(|n| match n.as_str() {
                        "1" => "1 message waiting".to_owned(),
                        n => format!("{n} messages waiting"),
                    });
            }
            Err(error) => {
                let error = AwsError::new("sqs:GetQueueAttributes", error);
                tracing::warn!(error = %error, queue = source.source_name(), "queue backlog not read");
            }
        }
    }
}

/// `arn:PARTITION:sqs:REGION:ACCOUNT:NAME` → its queue URL (the client's endpoint serves it).
fn queue_url(arn: &str) -> Option<String> {
    match arn.splitn(6, ':').collect::<Vec<_>>()[..] {
        ["arn", partition, "sqs", region, account, name] => {
            let domain = if partition == "aws-cn" {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            Some(format!("https://sqs.{region}.{domain}/{account}/{name}"))
        }
        _ => None,
    }
}

/// The rule crate's view of a mapping; `None` for one that names no function.
pub fn event_source(mapping: &EventSourceMappingConfiguration) -> Option<EventSource> {
    let kafka_servers: Vec<&str> = mapping
        .self_managed_event_source()
        .and_then(|kafka| kafka.endpoints())
        .into_iter()
        .flat_map(|endpoints| endpoints.values().flatten().map(String::as_str))
        .collect();
    let listed = Listed {
        function: mapping.function_arn()?,
        uuid: mapping.uuid(),
        source_arn: mapping.event_source_arn(),
        kafka_servers: &kafka_servers,
        state: mapping.state(),
        state_reason: mapping.state_transition_reason(),
        last_result: mapping.last_processing_result(),
    };
    Some(listed.into())
}

/// `arn:aws:lambda:REGION:…` → REGION.
pub(crate) fn region_of(function_arn: &str) -> Option<&str> {
    function_arn.split(':').nth(3).filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_lambda::types::{EndPointType, SelfManagedEventSource};

    use super::*;

    #[test]
    fn only_the_functions_of_a_region_left_unlisted_have_mappings_unknown() {
        let unlisted = BTreeSet::from(["eu-west-1".to_owned()]);
        assert!(in_regions(
            "arn:aws:lambda:eu-west-1:111122223333:function:a",
            &unlisted
        ));
        assert!(!in_regions(
            "arn:aws:lambda:us-east-1:111122223333:function:b",
            &unlisted
        ));
        assert!(!in_regions("b", &unlisted), "a bare name has no region");
    }

    #[test]
    fn mappings_read_as_the_rule_crate_needs_them() {
        let sqs = EventSourceMappingConfiguration::builder()
            .uuid("a1")
            .function_arn("arn:aws:lambda:eu-west-1:111122223333:function:orders")
            .event_source_arn("arn:aws:sqs:eu-west-1:111122223333:orders.fifo")
            .state("Enabled")
            .last_processing_result("PROBLEM: Function call failed")
            .build();
        let read = event_source(&sqs).unwrap();
        assert_eq!(read.kind, SourceKind::SqsFifo);
        assert!(read.is_failing() && read.is_enabled());
        let kafka = EventSourceMappingConfiguration::builder()
            .function_arn("arn:aws:lambda:eu-west-1:111122223333:function:events")
            .self_managed_event_source(
                SelfManagedEventSource::builder()
                    .set_endpoints(Some(HashMap::from([(
                        EndPointType::KafkaBootstrapServers,
                        vec!["b-1.example.com:9092".to_owned()],
                    )])))
                    .build(),
            )
            .state("Disabled")
            .build();
        let read = event_source(&kafka).unwrap();
        assert_eq!(
            (read.kind, read.source.as_str()),
            (SourceKind::SelfManagedKafka, "b-1.example.com:9092")
        );
        assert!(event_source(&EventSourceMappingConfiguration::builder().build()).is_none());
        assert_eq!(region_of("arn:aws:lambda:ap-south-1:1:function:f"), Some("ap-south-1"));
        assert_eq!(
            queue_url("arn:aws:sqs:eu-west-1:111122223333:orders.fifo").as_deref(),
            Some("https://sqs.eu-west-1.amazonaws.com/111122223333/orders.fifo")
        );
        assert_eq!(
            queue_url("arn:aws-cn:sqs:cn-north-1:111122223333:orders").as_deref(),
            Some("https://sqs.cn-north-1.amazonaws.com.cn/111122223333/orders")
        );
    }
}
