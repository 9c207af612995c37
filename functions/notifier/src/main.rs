//! The `notifier` Lambda: the evaluator's notices → SNS pages for PagerDuty.

use lambda_runtime::{run, service_fn, Error};
use notifier::{handler, Settings, State};
use trustcheck_aws::{sdk_config, RetryPolicy};

#[tokio::main]
async fn main() -> Result<(), Error> {
    trustcheck_aws::init_logging();
    trustcheck_aws::log_panics_without_payload();
    // A missing setting stops the function at init, with the variable's name in the error.
    let settings = Settings::from_env()?;
    let sdk = sdk_config(RetryPolicy::Standard).await;
    let state = State::new(&sdk, settings);
    run(service_fn(|event| handler(&state, event))).await
}
