//! The `pager` Lambda: trustcheck's SNS pages → PagerDuty Events API v2.

use aws_config::BehaviorVersion;
use lambda_runtime::{run, service_fn, Error};
use pager::{handler, Settings, State};

#[tokio::main]
async fn main() -> Result<(), Error> {
    trustcheck_aws::init_logging();
    trustcheck_aws::log_panics_without_payload();
    let settings = Settings::from_env()?;
    // Only SSM is called, at most once a minute: the SDK's standard retries suffice.
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let state = State::new(&sdk, settings)?;
    run(service_fn(|event| handler(&state, event))).await
}
