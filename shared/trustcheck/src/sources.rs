//! Event source mappings: what stops when Lambda can't assume a role, and what that does to the
//! data waiting in each source. The blast radius of the Lambda findings is decided here.

use serde::{Deserialize, Serialize};

use crate::role::FunctionRef;

/// A function's ARN or name without a version or alias qualifier (`…:function:orders:live`,
/// `orders:live`): a function name has no colon.
pub fn unqualified_function(function: &str) -> &str {
    match FunctionRef::parse(function).arn {
        Some(arn) => arn,
        None if !function.starts_with("arn:") => function.split(':').next().unwrap_or(function),
        None => function,
    }
}

/// One event source mapping of a function that uses the role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct EventSource {
    /// The function the mapping invokes: its ARN or name, as in [`crate::Role::functions`].
    pub function: String,
    /// The mapping's UUID, when known (not before deployment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The source's ARN, or a self-managed Kafka cluster's bootstrap servers.
    pub source: String,
    pub kind: SourceKind,
    /// `Enabled`, `Disabled`, `Creating`, … as Lambda reports it.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_result: Option<String>,
    /// What waits in the source, read from it when cheap ("1204 messages waiting"): evidence for
    /// the page, never part of the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backlog: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SourceKind {
    Sqs,
    SqsFifo,
    Kinesis,
    DynamodbStream,
    Msk,
    SelfManagedKafka,
    Mq,
    DocumentDb,
    /// A stream a plan or template doesn't name yet (its ARN known only after apply) that a
    /// mapping reads from a starting position: Kinesis, DynamoDB or Kafka, whose records may
    /// expire. Judged as one that does, failing closed.
    UnnamedStream,
    /// A source this version doesn't know.
    #[default]
    Other,
}

impl SourceKind {
    /// The kind of source an ARN names; `Other` for anything else (self-managed Kafka has no ARN).
    pub fn of_arn(arn: &str) -> SourceKind {
        let mut fields = arn.splitn(6, ':');
        let service = fields.nth(2).unwrap_or_default();
        let resource = arn.rsplit(':').next().unwrap_or_default();
        match service {
            "sqs" if resource.ends_with(".fifo") => SourceKind::SqsFifo,
            "sqs" => SourceKind::Sqs,
            "kinesis" => SourceKind::Kinesis,
            "dynamodb" => SourceKind::DynamodbStream,
            "kafka" => SourceKind::Msk,
            "mq" => SourceKind::Mq,
            "rds" | "docdb" => SourceKind::DocumentDb,
            _ => SourceKind::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Sqs => "SQS",
            SourceKind::SqsFifo => "SQS FIFO",
            SourceKind::Kinesis => "Kinesis",
            SourceKind::DynamodbStream => "DynamoDB stream",
            SourceKind::Msk => "MSK",
            SourceKind::SelfManagedKafka => "Kafka",
            SourceKind::Mq => "MQ",
            SourceKind::DocumentDb => "DocumentDB",
            SourceKind::UnnamedStream => "stream",
            SourceKind::Other => "event source",
        }
    }

    /// What happens to the source's data while the role is broken.
    pub fn risk(self) -> &'static str {
        match self {
            SourceKind::Sqs => {
                "messages pile up; after maxReceiveCount or the retention period they go to the DLQ or are deleted"
            }
            SourceKind::SqsFifo => "the message group blocks; ordering downstream breaks",
            SourceKind::Kinesis | SourceKind::DynamodbStream => {
                "records expire after the stream's retention: permanent loss"
            }
            SourceKind::Msk | SourceKind::SelfManagedKafka => {
                "records expire after the topic's retention (MSK's default: 7 days): permanent loss; duplicates on recovery"
            }
            SourceKind::Mq => "messages pile up at the broker",
            SourceKind::DocumentDb => {
                "changes expire after the change stream's retention (3 hours by default): permanent loss"
            }
            SourceKind::UnnamedStream => "records may expire after the stream's retention: permanent loss",
            SourceKind::Other => "events are not consumed",
        }
    }

    /// Records that expire while nothing reads them: data is lost for good. A Kafka topic's too,
    /// and a DocumentDB change stream's, after their retention.
    pub fn expires(self) -> bool {
        matches!(
            self,
            SourceKind::Kinesis
                | SourceKind::DynamodbStream
                | SourceKind::UnnamedStream
                | SourceKind::Msk
                | SourceKind::SelfManagedKafka
                | SourceKind::DocumentDb
        )
    }
}

/// A mapping as Lambda lists it (`ListEventSourceMappings`, the SDK's or the AWS CLI's output).
#[derive(Debug, Clone, Copy, Default)]
pub struct Listed<'a> {
    pub function: &'a str,
    pub uuid: Option<&'a str>,
    pub source_arn: Option<&'a str>,
    /// A self-managed Kafka cluster's bootstrap servers, when there is no source ARN.
    pub kafka_servers: &'a [&'a str],
    pub state: Option<&'a str>,
    pub state_reason: Option<&'a str>,
    pub last_result: Option<&'a str>,
}

impl From<Listed<'_>> for EventSource {
    fn from(listed: Listed) -> EventSource {
        let (source, kind) = match listed.source_arn {
            Some(arn) => (arn.to_owned(), SourceKind::of_arn(arn)),
            None if !listed.kafka_servers.is_empty() => {
                let mut servers = listed.kafka_servers.to_vec();
                // Listed from a map: sorted, so the same cluster always reads the same.
                crate::order::sort_small(&mut servers);
                (servers.join(","), SourceKind::SelfManagedKafka)
            }
            None => (String::new(), SourceKind::Other),
        };
        EventSource {
            function: listed.function.to_owned(),
            uuid: listed.uuid.map(str::to_owned),
            source,
            kind,
            state: listed.state.unwrap_or("Unknown").to_owned(),
            state_reason: listed.state_reason.map(str::to_owned),
            last_result: listed.last_result.map(str::to_owned),
            backlog: None,
        }
    }
}

impl EventSource {
    /// Reading, or about to: a mapping being created, enabled or updated reads once it settles.
    pub fn is_enabled(&self) -> bool {
        ["Enabled", "Enabling", "Creating", "Updating"]
            .iter()
            .any(|s| self.state.eq_ignore_ascii_case(s))
    }

    /// Lambda says the mapping can't invoke its function now: a last processing result of
    /// `PROBLEM: …` while it reads (a disabled mapping's last result is from before), or a
    /// consumer Lambda stopped because the function's configuration is not valid.
    pub fn is_failing(&self) -> bool {
        let problem = self.is_enabled()
            && self
                .last_result
                .as_deref()
                .is_some_and(|r| r.trim_start().starts_with("PROBLEM"));
        problem || self.stopped_by_lambda()
    }

    /// The source's name, from its ARN's resource: `orders` of `table/orders/stream/2024-…`,
    /// `clicks` of `stream/clicks`, `orders` of `broker:orders:b-1`; other text as it is.
    pub fn source_name(&self) -> &str {
        let resource = match self.source.splitn(6, ':').nth(5) {
            Some(resource) if self.source.starts_with("arn:") => resource,
            _ => return &self.source,
        };
        let mut parts = resource.split(['/', ':']);
        match (parts.next(), parts.next()) {
            (Some("table" | "stream" | "cluster" | "broker"), Some(name)) => name,
            _ => resource,
        }
    }

    /// The mapping's data is lost for good while it can't run: an enabled stream.
    pub fn loses_data(&self) -> bool {
        (self.is_enabled() || self.stopped_by_lambda()) && self.kind.expires()
    }

    /// Lambda disabled the mapping itself, for the function's configuration (its role among
    /// it): the outage, not a choice; the records still expire. Not for the mapping's own
    /// configuration (`ESM_CONFIG_NOT_VALID`), which no trust policy fixes.
    fn stopped_by_lambda(&self) -> bool {
        self.state_reason.as_deref() == Some("FUNCTION_CONFIG_NOT_VALID")
    }

    /// The function's ARN without a version or alias qualifier (a mapping on an alias names
    /// it), as the functions that use a role are listed.
    pub fn unqualified_function(&self) -> &str {
        unqualified_function(&self.function)
    }

    /// The function's name, from its ARN.
    pub fn function_name(&self) -> &str {
        FunctionRef::parse(&self.function).name
    }

    /// What a page leads with: `orders-consumer stopped reading SQS orders-queue: messages pile up …`.
    pub fn headline(&self) -> String {
        let function = self.function_name();
        let now = if self.is_failing() { " (failing now)" } else { "" };
        format!(
            "{function} stopped reading {} {}{now}: {}",
            self.kind.label(),
            self.source_name(),
            self.kind.risk()
        )
    }

    /// `orders-consumer reads Kinesis clicks: records expire …`, with the evidence when there is.
    pub fn describe(&self) -> String {
        let function = self.function_name();
        let mut text = format!("{function} reads {} {}", self.kind.label(), self.source_name());
        if !self.is_enabled() {
            text.push_str(&format!(" (mapping {})", self.state));
        }
        // The evidence before the risk: an annotation cut at 256 characters keeps it.
        if self.is_failing() {
            text.push_str(" (failing now)");
        }
        text.push_str(": ");
        text.push_str(self.kind.risk());
        // No backlog here: it changes with every evaluation even when nothing else does, and
        // Config's annotation would change with it. The page shows it. A mapping that starts or
        // stops failing is news, and says so.
        text
    }
}

/// The mappings of `functions` that stop, most important first: failing now, then data lost for
/// good, then enabled, then the rest.
pub(crate) fn stopped<'s>(sources: &'s [EventSource], functions: &[FunctionRef]) -> Vec<&'s EventSource> {
    if sources.is_empty() {
        return Vec::new();
    }
    // By name, sorted once: a role may have tens of thousands of versions, each with mappings.
    let mut by_name: Vec<(&str, Option<&str>)> = functions.iter().map(|f| (f.name, f.arn)).collect();
    crate::order::sort_list_dedup(&mut by_name);
    let mut hit: Vec<&EventSource> = sources
        .iter()
        .filter(|s| {
            let of = FunctionRef::parse(&s.function);
            let first = by_name.partition_point(|(name, _)| *name < of.name);
            (by_name.iter().skip(first))
                .take_while(|(name, _)| *name == of.name)
                .any(|(_, arn)| arn.is_none() || of.arn.is_none() || *arn == of.arn)
        })
        .collect();
    // Ties broken by source, function and mapping: the same mappings always name the same first.
    crate::order::sort_list_by(&mut hit, |a, b| {
        let rank = |s: &EventSource| (!s.is_failing(), !s.loses_data(), !s.is_enabled());
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.source_name().cmp(b.source_name()))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.function.cmp(&b.function))
            .then_with(|| a.uuid.cmp(&b.uuid))
    });
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(function: &str, arn: &str, state: &str) -> EventSource {
        EventSource {
            function: function.into(),
            source: arn.into(),
            kind: SourceKind::of_arn(arn),
            state: state.into(),
            ..EventSource::default()
        }
    }

    #[test]
    fn kinds_come_from_the_arn() {
        let cases = [
            ("arn:aws:sqs:eu-west-1:111122223333:orders", SourceKind::Sqs),
            ("arn:aws:sqs:eu-west-1:111122223333:orders.fifo", SourceKind::SqsFifo),
            (
                "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks",
                SourceKind::Kinesis,
            ),
            (
                "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/stream/2024-01-01T00:00:00.000",
                SourceKind::DynamodbStream,
            ),
            (
                "arn:aws:kafka:eu-west-1:111122223333:cluster/events/abc",
                SourceKind::Msk,
            ),
            ("arn:aws:mq:eu-west-1:111122223333:broker:orders:b-1", SourceKind::Mq),
            (
                "arn:aws:rds:eu-west-1:111122223333:cluster:docs",
                SourceKind::DocumentDb,
            ),
            ("b-1.example.com:9092", SourceKind::Other),
        ];
        for (arn, kind) in cases {
            assert_eq!(SourceKind::of_arn(arn), kind, "{arn}");
        }
        assert!(SourceKind::Kinesis.expires() && !SourceKind::Sqs.expires());
    }

    #[test]
    fn names_and_descriptions_say_what_breaks() {
        let stream = source(
            "arn:aws:lambda:eu-west-1:111122223333:function:clicks-consumer",
            "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks",
            "Enabled",
        );
        assert_eq!(stream.source_name(), "clicks");
        let on_alias = EventSource {
            function: "arn:aws:lambda:eu-west-1:111122223333:function:clicks-consumer:live".into(),
            ..stream.clone()
        };
        assert_eq!(on_alias.unqualified_function(), stream.function);
        assert_eq!(on_alias.function_name(), "clicks-consumer");
        assert_eq!(
            stream.describe(),
            "clicks-consumer reads Kinesis clicks: records expire after the stream's retention: permanent loss"
        );
        let table = source(
            "orders",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/stream/2024-01-01T00:00:00.000",
            "Disabled",
        );
        assert_eq!(table.source_name(), "orders");
        assert!(!table.loses_data(), "a disabled mapping reads nothing anyway");
        let failing = EventSource {
            last_result: Some("PROBLEM: Lambda couldn't assume the execution role".into()),
            backlog: Some("1,204 messages waiting".into()),
            ..source("orders", "arn:aws:sqs:eu-west-1:111122223333:orders", "Enabled")
        };
        assert_eq!(
            failing.describe(),
            "orders reads SQS orders (failing now): messages pile up; after maxReceiveCount or the retention period they go to the DLQ or are deleted"
        );
        assert!(failing
            .headline()
            .starts_with("orders stopped reading SQS orders (failing now): messages pile up"));
        // A disabled mapping reads nothing: its last result is from before, not now. Unless
        // Lambda disabled it for the function's configuration (a role it can't assume).
        let disabled = EventSource {
            state: "Disabled".into(),
            ..failing.clone()
        };
        assert!(!disabled.is_failing());
        assert!(!disabled.describe().contains("failing now"));
        let stopped_by_lambda = EventSource {
            state_reason: Some("FUNCTION_CONFIG_NOT_VALID".into()),
            ..disabled
        };
        assert!(stopped_by_lambda.is_failing());
        assert!(!stopped_by_lambda.loses_data(), "SQS: its messages go to the DLQ");
        // A stream Lambda stopped for the function's configuration still loses its records,
        // unlike one a person disabled; so does a Kafka topic after its retention.
        let stream_disabled = EventSource {
            state: "Disabled".into(),
            state_reason: Some("USER_INITIATED".into()),
            ..stream.clone()
        };
        assert!(!stream_disabled.loses_data());
        let stream_stopped = EventSource {
            state_reason: Some("FUNCTION_CONFIG_NOT_VALID".into()),
            ..stream_disabled
        };
        assert!(stream_stopped.loses_data());
        // Not for the mapping's own configuration, which no trust policy fixes.
        let mapping_invalid = EventSource {
            state_reason: Some("ESM_CONFIG_NOT_VALID".into()),
            ..stream_stopped.clone()
        };
        assert!(!mapping_invalid.is_failing() && !mapping_invalid.loses_data());
        let changes = source("orders", "arn:aws:rds:eu-west-1:111122223333:cluster:docs", "Enabled");
        assert_eq!(changes.kind, SourceKind::DocumentDb);
        assert!(changes.loses_data(), "a change stream keeps 3 hours by default");
        let kafka = source(
            "orders",
            "arn:aws:kafka:eu-west-1:111122223333:cluster/orders/1a2b",
            "Enabled",
        );
        assert_eq!(kafka.kind, SourceKind::Msk);
        assert!(kafka.loses_data());
    }

    #[test]
    fn stopped_mappings_come_failing_first_then_lost_data() {
        let sources = [
            source("orders", "arn:aws:sqs:eu-west-1:1:a-queue", "Enabled"),
            source("orders", "arn:aws:kinesis:eu-west-1:1:stream/b-stream", "Enabled"),
            source("other", "arn:aws:kinesis:eu-west-1:1:stream/not-ours", "Enabled"),
            EventSource {
                last_result: Some("PROBLEM: Function call failed".into()),
                ..source("orders", "arn:aws:sqs:eu-west-1:1:z-queue", "Enabled")
            },
        ];
        let orders = [FunctionRef::parse("arn:aws:lambda:eu-west-1:1:function:orders")];
        let names: Vec<&str> = stopped(&sources, &orders).iter().map(|s| s.source_name()).collect();
        assert_eq!(names, ["z-queue", "b-stream", "a-queue"]);
    }
}
