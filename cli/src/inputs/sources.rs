//! Event source mappings declared next to the roles (templates, plans) or listed from an account
//! (`aws lambda list-event-source-mappings`): what a broken trust would stop, before it ships.

use std::{collections::HashMap, path::Path};

use serde::Deserialize;
use trustcheck::{EventSource, Listed, SourceKind};

use super::read_json;
use crate::error::InputError;

/// The source kind of a resource type, CloudFormation's or Terraform's.
pub(crate) fn kind_of_type(resource_type: &str) -> Option<SourceKind> {
    Some(match resource_type {
        "AWS::SQS::Queue" | "aws_sqs_queue" => SourceKind::Sqs,
        "AWS::Kinesis::Stream" | "aws_kinesis_stream" => SourceKind::Kinesis,
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "aws_dynamodb_table" => SourceKind::DynamodbStream,
        "AWS::MSK::Cluster" | "AWS::MSK::ServerlessCluster" | "aws_msk_cluster" | "aws_msk_serverless_cluster" => {
            SourceKind::Msk
        }
        "AWS::AmazonMQ::Broker" | "aws_mq_broker" => SourceKind::Mq,
        "AWS::DocDB::DBCluster" | "aws_docdb_cluster" => SourceKind::DocumentDb,
        _ => return None,
    })
}

/// The source kind of a SAM function event's `Type`.
pub(crate) fn kind_of_sam_event(event_type: &str) -> Option<SourceKind> {
    Some(match event_type {
        "SQS" => SourceKind::Sqs,
        "Kinesis" => SourceKind::Kinesis,
        "DynamoDB" => SourceKind::DynamodbStream,
        "MSK" => SourceKind::Msk,
        "SelfManagedKafka" => SourceKind::SelfManagedKafka,
        "MQ" => SourceKind::Mq,
        "DocumentDB" => SourceKind::DocumentDb,
        _ => return None,
    })
}

/// The ARN a source will have, from its kind and name: all a template or plan may know of it.
pub(crate) fn source_arn(kind: SourceKind, partition: &str, region: &str, account: &str, name: &str) -> String {
    let (service, resource) = match kind {
        SourceKind::Sqs | SourceKind::SqsFifo => ("sqs", name.to_owned()),
        SourceKind::Kinesis => ("kinesis", format!("stream/{name}")),
        SourceKind::DynamodbStream => ("dynamodb", format!("table/{name}/stream/*")),
        SourceKind::Msk => ("kafka", format!("cluster/{name}/*")),
        SourceKind::Mq => ("mq", format!("broker:{name}:*")),
        SourceKind::DocumentDb => ("rds", format!("cluster:{name}")),
        SourceKind::SelfManagedKafka | SourceKind::UnnamedStream | SourceKind::Other => return name.to_owned(),
    };
    format!("arn:{partition}:{service}:{region}:{account}:{resource}")
}

/// A mapping as a template or plan declares it (nothing has run yet: no processing result).
pub(crate) fn declared(function: String, source: String, kind: SourceKind, enabled: bool) -> EventSource {
    EventSource {
        function,
        source,
        kind,
        state: if enabled { "Enabled" } else { "Disabled" }.to_owned(),
        ..EventSource::default()
    }
}

/// `aws lambda list-event-source-mappings` output.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MappingList {
    #[serde(default, deserialize_with = "super::objects")]
    event_source_mappings: Option<Vec<Mapping>>,
    next_marker: Option<String>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Mapping {
    #[serde(rename = "UUID")]
    uuid: Option<String>,
    function_arn: Option<String>,
    event_source_arn: Option<String>,
    self_managed_event_source: Option<SelfManaged>,
    state: Option<String>,
    state_transition_reason: Option<String>,
    last_processing_result: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SelfManaged {
    #[serde(default)]
    endpoints: HashMap<String, Vec<String>>,
}

/// The mappings of a list-event-source-mappings file, by unqualified function ARN.
pub(crate) fn read_mappings_file(path: &Path) -> Result<HashMap<String, Vec<EventSource>>, InputError> {
    let (list, source): (MappingList, String) = read_json(path, "aws lambda list-event-source-mappings")?;
    let shape = |message: &str| InputError::Shape {
        path: source.clone(),
        message: message.to_owned(),
    };
    super::whole_listing(
        &source,
        "aws lambda list-event-source-mappings",
        &[
            ("NextMarker", list.next_marker.is_some()),
            ("NextToken", list.next_token.is_some()),
        ],
    )?;
    let mappings = list
        .event_source_mappings
        .ok_or_else(|| shape("no EventSourceMappings: not the output of aws lambda list-event-source-mappings"))?;
    let mut by_function: HashMap<String, Vec<EventSource>> = HashMap::new();
    for mapping in mappings {
        // A mapping on `…:NAME:$LATEST` is the function's own, as `list-functions` names it.
        let Some(function) = mapping
            .function_arn
            .as_deref()
            .map(|f| f.strip_suffix(":$LATEST").unwrap_or(f))
        else {
            continue;
        };
        let kafka_servers: Vec<&str> = mapping
            .self_managed_event_source
            .iter()
            .flat_map(|kafka| kafka.endpoints.values().flatten().map(String::as_str))
            .collect();
        let read: EventSource = Listed {
            function,
            uuid: mapping.uuid.as_deref(),
            source_arn: mapping.event_source_arn.as_deref(),
            kafka_servers: &kafka_servers,
            state: mapping.state.as_deref(),
            state_reason: mapping.state_transition_reason.as_deref(),
            last_result: mapping.last_processing_result.as_deref(),
        }
        .into();
        by_function
            .entry(read.unqualified_function().to_owned())
            .or_default()
            .push(read);
    }
    Ok(by_function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_sources_get_the_arn_they_will_have() {
        let arn = |kind, name| source_arn(kind, "aws", "eu-west-1", "111122223333", name);
        assert_eq!(
            arn(SourceKind::Sqs, "orders"),
            "arn:aws:sqs:eu-west-1:111122223333:orders"
        );
        assert_eq!(
            arn(SourceKind::Kinesis, "clicks"),
            "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
        );
        for (kind, name) in [
            (SourceKind::DynamodbStream, "orders"),
            (SourceKind::Msk, "events"),
            (SourceKind::Mq, "broker-1"),
            (SourceKind::DocumentDb, "docs"),
        ] {
            let source = declared("f".into(), arn(kind, name), kind, true);
            assert_eq!(SourceKind::of_arn(&source.source), kind, "{}", source.source);
            assert_eq!(source.source_name(), name, "{}", source.source);
        }
        assert_eq!(kind_of_type("aws_dynamodb_table"), Some(SourceKind::DynamodbStream));
        assert_eq!(
            kind_of_sam_event("SelfManagedKafka"),
            Some(SourceKind::SelfManagedKafka)
        );
        assert_eq!(kind_of_sam_event("Api"), None);
    }
}
