//! Errors of the AWS glue. Each names the operation or field and keeps its cause.

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An AWS API call that failed after the SDK's own retries.
#[derive(thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct AwsError {
    pub operation: &'static str,
    /// The service's error code (`ThrottlingException`, `AccessDenied`, …) when there is one.
    pub code: Option<String>,
    message: String,
    /// Calls left unmade for lack of time, not refused ([`AwsError::unfinished`]).
    unfinished: bool,
    #[source]
    source: BoxError,
}

impl AwsError {
    pub fn new<E>(operation: &'static str, error: E) -> AwsError
    where
        E: aws_sdk_config::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = error.code().map(str::to_owned);
        let message = error_chain(&error);
        AwsError {
            operation,
            code,
            message,
            unfinished: false,
            source: Box::new(error),
        }
    }
}

impl AwsError {
    /// A response the service should never send: `message` says what was wrong with it.
    pub fn malformed(operation: &'static str, message: &str) -> AwsError {
        AwsError::ours(operation, "malformed response", message, false)
    }

    /// Calls left unmade, for lack of time: `message` says how many and why.
    pub fn unfinished(operation: &'static str, message: &str) -> AwsError {
        AwsError::ours(operation, "unfinished", message, true)
    }

    /// An error trustcheck tells, not the service: `what: message`.
    fn ours(operation: &'static str, what: &str, message: &str, unfinished: bool) -> AwsError {
        AwsError {
            operation,
            code: None,
            message: format!("{what}: {message}"),
            unfinished,
            source: message.to_owned().into(),
        }
    }

    /// Whether the calls were left unmade for lack of time (nothing to fix but to wait).
    pub fn is_unfinished(&self) -> bool {
        self.unfinished
    }
}

/// An SDK error and its causes as they display themselves: "service error: AccessDenied: …".
/// Not the SDK's `DisplayErrorContext`: it appends the error's `Debug`, and with it the raw HTTP
/// response, body and all (trust policies from an `iam:ListRoles` it could not read, a routing
/// key from `ssm:GetParameter`).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        message.push_str(": ");
        message.push_str(&next.to_string());
        cause = next.source();
    }
    message
}

/// Operation, code and message only. The SDK error kept as the source would print the raw HTTP
/// response, body and all, and the Lambda runtime logs a handler's error with `{:?}`: an
/// `iam:ListRoles` answer the SDK could not read would put up to 1,000 trust policies in the log.
impl std::fmt::Debug for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsError")
            .field("operation", &self.operation)
            .field("code", &self.code)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// A Config rule event that can't be understood. Nothing is written for it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("{field} is not valid JSON of the expected shape: {source}")]
    Json {
        field: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{field} {value:?} is not an RFC 3339 timestamp: {source}")]
    Timestamp {
        field: &'static str,
        value: String,
        #[source]
        source: aws_smithy_types::date_time::DateTimeParseError,
    },
    #[error("the event has no {0}")]
    Missing(&'static str),
    /// A time ahead of the clock would be written as every result's ordering timestamp, and Config
    /// keeps the latest: the real results after it would be ignored.
    #[error("{field} {value} is in the future")]
    InFuture { field: &'static str, value: String },
    #[error("{item}: the configuration item of a recorded role has no trust policy (no configuration, or none with assumeRolePolicyDocument), in the event or in Config's history")]
    NoConfiguration { item: String },
    /// Config's history does not hold the notified item yet: evaluating the one before it would
    /// write an older configuration's verdict as the newer one's. Lambda's retry asks again.
    #[error("{item}: GetResourceConfigHistory has no item captured at {notified} yet (its latest is from {latest})")]
    NotInHistoryYet {
        item: String,
        notified: String,
        latest: String,
    },
}

/// Evaluations that could not be written to Config, even after retries. Every batch was still
/// attempted: what is named here is all that is missing.
#[derive(Debug, thiserror::Error)]
#[error(
    "{count} of {total} evaluation(s) could not be written to Config after {attempts} attempt(s): {}{}",
    resource_ids.join(", "),
    last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default()
)]
pub struct WriteError {
    pub count: usize,
    pub total: usize,
    pub attempts: usize,
    pub resource_ids: Vec<String>,
    /// The last call error, when a call failed rather than Config rejecting single evaluations.
    #[source]
    pub last_error: Option<Box<AwsError>>,
}

impl WriteError {
    /// Config refused the invocation's result token: the event may not be Config's.
    pub fn token_refused(&self) -> bool {
        self.last_error
            .as_ref()
            .is_some_and(|e| e.code.as_deref() == Some(crate::evaluations::INVALID_RESULT_TOKEN))
    }

    /// One error for everything a multi-write run could not write (a sweep writes page by page).
    pub fn absorb(&mut self, other: WriteError) {
        self.count += other.count;
        self.total += other.total;
        self.attempts = self.attempts.max(other.attempts);
        self.resource_ids.extend(other.resource_ids);
        if other.last_error.is_some() {
            self.last_error = other.last_error;
        }
    }
}

/// A configuration item that could not be fetched: the call failed, or its answer can't be read.
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Aws(#[from] AwsError),
}

#[cfg(test)]
mod tests {
    use aws_sdk_config::{
        config::http::HttpResponse, error::SdkError, operation::put_evaluations::PutEvaluationsError,
    };
    use aws_smithy_types::body::SdkBody;

    use super::*;

    #[test]
    fn an_aws_error_never_prints_the_raw_response() {
        let body = r#"{"AssumeRolePolicyDocument":"%7B%22Statement%22%3A%5B%5D%7D","SecretAccessKey":"wJalr"}"#;
        let raw = HttpResponse::new(200.try_into().unwrap(), SdkBody::from(body));
        let error: SdkError<PutEvaluationsError, HttpResponse> = SdkError::response_error("unreadable answer", raw);
        // The control: the SDK's own Debug carries the body, so the test can see a leak.
        assert!(format!("{error:?}").contains("wJalr"));
        let wrapped = AwsError::new("config:PutEvaluations", error);
        for shown in [format!("{wrapped:?}"), format!("{wrapped}")] {
            assert!(
                !shown.contains("wJalr") && !shown.contains("AssumeRolePolicyDocument"),
                "{shown}"
            );
            assert!(shown.contains("config:PutEvaluations"), "{shown}");
        }
        let write = WriteError {
            count: 1,
            total: 1,
            attempts: 5,
            resource_ids: vec!["AROAEXAMPLE".into()],
            last_error: Some(Box::new(wrapped)),
        };
        assert!(!format!("{write:?}").contains("wJalr"));
    }
}
