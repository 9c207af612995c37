//! SDK configuration and clients, built once per process (and once per member account).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use aws_config::{retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Region, SdkConfig};
use tokio::sync::Mutex;

use crate::edge::EdgeCache;

/// How hard to retry throttling and 5xx before an error surfaces.
#[derive(Debug, Clone, Copy)]
pub enum RetryPolicy {
    /// One evaluation per invocation: standard retries.
    Standard,
    /// An account sweep: many calls in a burst, so more attempts. Jittered exponential backoff,
    /// not the adaptive mode: measured against a throttling endpoint, adaptive rate limiting
    /// stalled about 20 s after every throttle (a 10,000-role sweep took 321 s).
    Sweep,
    /// The CLI's scan of an account, from wherever a person or a pipeline runs it: a sweep's
    /// retries, and a minute an attempt (a slow link may need more than a Lambda function's 15 s
    /// for a page of roles), so that a call never answered still ends.
    Scan,
}

impl RetryPolicy {
    /// `sdk` with this policy's retries and timeouts.
    pub fn applied_to(self, sdk: &SdkConfig) -> SdkConfig {
        sdk.to_builder()
            .retry_config(self.config())
            .timeout_config(self.timeouts())
            .build()
    }

    /// A call AWS never answers (a half-open connection, a stalled endpoint) fails its attempt
    /// and is retried, instead of holding the invocation until Lambda's timeout ends it with
    /// everything not yet written. Each attempt gets several times what the slowest call we make
    /// takes (a page of 1,000 roles, an aggregator query: a few seconds). Each of a sweep's calls
    /// ends within 45 s, less than the 60 s a sweep keeps in hand.
    fn timeouts(self) -> TimeoutConfig {
        let (attempt, operation) = match self {
            RetryPolicy::Standard => (Duration::from_secs(5), Some(Duration::from_secs(20))),
            RetryPolicy::Sweep => (Duration::from_secs(15), Some(Duration::from_secs(45))),
            RetryPolicy::Scan => (Duration::from_secs(60), None),
        };
        let mut timeouts = TimeoutConfig::builder().operation_attempt_timeout(attempt);
        timeouts.set_operation_timeout(operation);
        timeouts.build()
    }

    fn config(self) -> RetryConfig {
        match self {
            RetryPolicy::Standard => RetryConfig::standard().with_max_attempts(5),
            RetryPolicy::Sweep | RetryPolicy::Scan => RetryConfig::standard()
                .with_max_attempts(8)
                .with_max_backoff(Duration::from_secs(10)),
        }
    }
}

/// Loads region and credentials from the environment. `AWS_ENDPOINT_URL` (and the per-service
/// `AWS_ENDPOINT_URL_IAM`, …) is honoured by the SDK itself; no network I/O happens here.
pub async fn sdk_config(retry: RetryPolicy) -> SdkConfig {
    retry.applied_to(&aws_config::defaults(BehaviorVersion::latest()).load().await)
}

/// Regions, and when they were asked.
pub(crate) type AskedRegions = (Instant, Vec<String>);

/// The clients every part of trustcheck uses against one account.
#[derive(Debug, Clone)]
pub struct Clients {
    pub config: aws_sdk_config::Client,
    pub iam: aws_sdk_iam::Client,
    /// Lambda in the region the clients were configured for.
    pub lambda: aws_sdk_lambda::Client,
    pub account: aws_sdk_account::Client,
    /// CloudFront, a global service: its endpoint is the same from every region.
    pub cloudfront: aws_sdk_cloudfront::Client,
    /// What CloudFront runs at the edge as last asked, and the roles of the versions it runs.
    pub(crate) edge: Arc<Mutex<EdgeCache>>,
    /// Kept to build Lambda clients for the account's other regions.
    sdk: SdkConfig,
    /// The account's enabled regions and when they were asked: asked again after
    /// [`crate::functions::REGIONS_KEPT`], so that a region enabled since is searched too.
    pub(crate) enabled_regions: Arc<Mutex<Option<AskedRegions>>>,
}

impl Clients {
    pub fn new(sdk: &SdkConfig) -> Clients {
        Clients {
            config: aws_sdk_config::Client::new(sdk),
            iam: aws_sdk_iam::Client::new(sdk),
            lambda: aws_sdk_lambda::Client::new(sdk),
            account: aws_sdk_account::Client::new(sdk),
            cloudfront: aws_sdk_cloudfront::Client::new(sdk),
            sdk: sdk.clone(),
            enabled_regions: Arc::new(Mutex::new(None)),
            edge: Arc::new(Mutex::new(EdgeCache::default())),
        }
    }

    /// Clients acting as `role_arn` (organization deployments: the member account's role).
    /// Credentials are fetched lazily on the first call and cached by the SDK.
    pub async fn assuming(sdk: &SdkConfig, role_arn: &str, session_name: &str) -> Clients {
        let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name(session_name)
            .configure(sdk)
            .build()
            .await;
        let assumed = sdk
            .to_builder()
            .credentials_provider(aws_sdk_config::config::SharedCredentialsProvider::new(provider))
            .build();
        Clients::new(&assumed)
    }

    /// The region the clients were configured for (the rule's region).
    pub fn region(&self) -> Option<&str> {
        self.sdk.region().map(Region::as_ref)
    }

    /// SQS in a region of the same account (a mapped queue's backlog), same credentials and retries.
    pub fn sqs_in(&self, region: &str) -> aws_sdk_sqs::Client {
        let config = aws_sdk_sqs::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .build();
        aws_sdk_sqs::Client::from_conf(config)
    }

    /// Lambda in another region of the same account, with the same credentials and retries.
    pub fn lambda_in(&self, region: &str) -> aws_sdk_lambda::Client {
        let config = aws_sdk_lambda::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_bounds_its_calls_as_its_caller_can_wait() {
        let loaded = SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
        let bounds = |policy: RetryPolicy| {
            let sdk = policy.applied_to(&loaded);
            let timeouts = sdk.timeout_config().expect("timeouts set");
            let retries = sdk.retry_config().expect("retries set");
            (
                timeouts.operation_attempt_timeout(),
                timeouts.operation_timeout(),
                retries.max_attempts(),
            )
        };
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(bounds(RetryPolicy::Standard), (secs(5), secs(20), 5));
        assert_eq!(bounds(RetryPolicy::Sweep), (secs(15), secs(45), 8));
        // A person's scan over any link: a minute an attempt, the retries as long as they take.
        assert_eq!(bounds(RetryPolicy::Scan), (secs(60), None, 8));
    }
}
