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
