//! What the trustcheck functions and the CLI need from AWS, in one place: SDK clients, Config's
//! event and configuration-item shapes, the role → functions map, the account sweep, and
//! `PutEvaluations` that never drops an evaluation.

pub mod alerts;
mod clients;
mod edge;
mod error;
mod evaluations;
mod event;
mod functions;
mod item;
#[cfg(feature = "logging")]
mod logging;
mod mappings;
mod recorder;
mod sweep;

pub use clients::{sdk_config, Clients, RetryPolicy};
pub use edge::{
    edge_functions, edge_looked_for, judged_without_edge, unlisted_distributions, EdgeFunctions, EDGE_CLOCK_SKEW,
};
pub use error::{error_chain, AwsError, EventError, ItemError, WriteError};
pub use evaluations::{
    confirm_token, held_results, put_evaluations, Evaluation, HeldResult, MAX_EVALUATIONS_PER_CALL, TEST_MODE_TOKEN,
};
pub use event::{ConfigRuleEvent, InvokingEvent, ItemSummary, SweepContinuation};
pub use functions::{
    functions_of_every_role, functions_using_role, judge_unlisted, Found, FunctionScope, FunctionSource, Unlisted,
    EVERY_OTHER_REGION,
};
pub use item::{ConfigItem, ROLE_RESOURCE_TYPE};
#[cfg(feature = "logging")]
pub use logging::init_logging;
pub use mappings::{event_source, gather_evidence, mappings_by_function, mappings_of_functions, or_unknown};
pub use recorder::{role_recording, rule_hearing, RoleRecording};
pub use sweep::{
    exempt_tagged_roles, role_ids, sweep_roles_with, unlisted_functions, Sweep, SweptPage, SweptRole, ROLES_PAGE,
};

/// A joined task's output. A listing task only ends early by panicking: the panic goes on, as it
/// would inline.
pub(crate) fn unwound<T>(joined: Result<T, tokio::task::JoinError>) -> T {
    joined.unwrap_or_else(|aborted| std::panic::resume_unwind(aborted.into_panic()))
}

/// Config's timestamps (`2023-03-22T18:09:44.155Z`) as the SDK's `DateTime`.
pub fn parse_timestamp(field: &'static str, text: &str) -> Result<aws_sdk_config::primitives::DateTime, EventError> {
    aws_sdk_config::primitives::DateTime::from_str(text, aws_sdk_config::primitives::DateTimeFormat::DateTime).map_err(
        |source| EventError::Timestamp {
            field,
            value: text.to_owned(),
            source,
        },
    )
}

/// Logs where a panic happened, never its message: a message can quote the text it failed on,
/// and that may be a trust policy. Call once in `main` after the tracing subscriber is set up.
pub fn log_panics_without_payload() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, "trustcheck defect: a panic (its message is not logged: it may quote a policy)");
    }));
}
