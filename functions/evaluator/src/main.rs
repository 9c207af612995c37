//! The `evaluator` Lambda: AWS Config's custom rule for `AWS::IAM::Role` trust policies.

use evaluator::{
    coverage::{Coverage, CoverageSettings},
    handler,
    paging::{Paging, PagingSettings},
    State,
};
use lambda_runtime::{run, service_fn, Error};
use trustcheck_aws::{sdk_config, RetryPolicy};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // JSON logs when the function's LoggingConfig says so (AWS_LAMBDA_LOG_FORMAT=JSON); its log
    // level reaches our crates only, never the runtime's or the SDK's bodies.
    trustcheck_aws::init_logging();
    trustcheck_aws::log_panics_without_payload();
    // The sweep makes bursts of calls: its retry policy (more attempts) serves single evaluations too.
    let sdk = sdk_config(RetryPolicy::Sweep).await;
    let paging = PagingSettings::from_lookup(|key| std::env::var(key).ok())?;
    let coverage = CoverageSettings::from_lookup(|key| std::env::var(key).ok())?;
    // Bad deployment parameters stop the function here, naming them, not at every event; logged
    // as every error is (the runtime would print the error's Debug form only).
    let mut state = match State::deployed(sdk.clone(), std::env::var("RULE_PARAMETERS").ok()) {
        Ok(state) => state,
        Err(error) => {
            tracing::error!(error = %error, "the deployment's rule parameters are not valid: the evaluator stops");
            return Err(error.into());
        }
    };
    let rule_name = std::env::var("RULE_NAME").ok().filter(|name| !name.is_empty());
    if let Some(rule_name) = rule_name.clone() {
        state = state.with_rule_name(rule_name);
    }
    if let Some(settings) = coverage {
        // Its records live in the alerts table, the organization rule (RULE_NAME) says which
        // accounts it leaves out, and only organization mode sweeps many accounts.
        let table = paging
            .as_ref()
            .map(|p| p.alerts_table.clone())
            .filter(|_| state.organization_mode());
        let (Some(table), Some(rule)) = (table, rule_name) else {
            let error = "SWEEP_WINDOW_HOURS is set, but the evaluator is not in organization mode with ALERTS_TABLE and RULE_NAME: the member accounts can't be checked";
            tracing::error!(error, "the evaluator stops");
            return Err(error.into());
        };
        state = state.with_coverage(Coverage::new(&sdk, table, rule, settings));
    }
    if let Some(settings) = paging {
        state = state.with_paging(Paging::new(&sdk, settings));
    }
    run(service_fn(|event| handler(&state, event))).await
}
