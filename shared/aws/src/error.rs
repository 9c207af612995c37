//! Errors of the AWS glue. Each names the operation or field and keeps its cause.

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An AWS API call that failed after the SDK's own retries.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct AwsError {
    pub operation: &'static str,
    /// The service's error code (`ThrottlingException`, `AccessDenied`, …) when there is one.
    pub code: Option<String>,
    message: String,
    #[source]
    source: BoxError,
}

impl AwsError {
    pub fn new<E>(operation: &'static str, error: E) -> AwsError
    where
        E: aws_sdk_config::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = error.code().map(str::to_owned);
        // DisplayErrorContext prints the whole chain: "service error: AccessDenied: …".
        let message = aws_sdk_config::error::DisplayErrorContext(&error).to_string();
        AwsError {
            operation,
            code,
            message,
            source: Box::new(error),
        }
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
    #[error("{item}: the configuration item has no configuration for a recorded role")]
    NoConfiguration { item: String },
}

/// Evaluations that could not be written to Config, even after retries.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{count} evaluation(s) could not be written to Config after {attempts} attempts (first: {first})")]
    Rejected {
        count: usize,
        attempts: usize,
        first: String,
        resource_ids: Vec<String>,
    },
    #[error("{count} evaluation(s) could not be written to Config: {source}")]
    Call {
        count: usize,
        #[source]
        source: AwsError,
    },
    #[error("evaluation for {resource_id} can't be built: {message}")]
    Build { resource_id: String, message: String },
}
