//! The Config rule: decode Config's event, evaluate the role(s) with the rule crate, write the
//! evaluations back, then review each role's alert (`paging`). `main.rs` only builds the
//! [`State`] and runs [`handler`].

pub mod coverage;
pub mod paging;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::{Duration, Instant, SystemTime},
};

use aws_sdk_config::primitives::DateTime;
use aws_sdk_lambda::{primitives::Blob, types::InvocationType};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Mutex;
use trustcheck::{check, Compliance, EventSource, ParamsError, Role, RuleParams, Verdict};
use trustcheck_aws::{
    alerts::{Judged, Ordering, RoleRef},
    confirm_token, edge_functions, edge_looked_for, error_chain, functions_using_role, gather_evidence, held_results,
    judge_unlisted, judged_without_edge, mappings_of_functions, or_unknown, parse_timestamp, put_evaluations, role_ids,
    role_recording, rule_hearing, unlisted_distributions, unlisted_functions, AwsError, Clients, ConfigItem,
    ConfigRuleEvent, Evaluation, EventError, FunctionScope, InvokingEvent, ItemError, RoleRecording, Sweep,
    SweepContinuation, Unlisted, WriteError, EDGE_CLOCK_SKEW, EVERY_OTHER_REGION, ROLE_RESOURCE_TYPE, TEST_MODE_TOKEN,
};

pub use trustcheck_aws::ROLES_PAGE;

use crate::{
    coverage::Coverage,
    paging::{Paging, PagingError, Spent, SweepPaging, Taken},
};

/// Time a sweep keeps in hand before its deadline: below this (plus twice its slowest page) it
/// hands the rest of the account to a new invocation of itself.
pub const SWEEP_RESERVE: Duration = Duration::from_secs(60);
/// How long a change event may spend reading the roles of the versions CloudFront runs at the
/// edge that this sandbox has not read yet (300 at most, at 5 a second): a fifth of the
/// function's 300 s, so that the rest of it always has its time. A sweep's part reads until
/// three times its reserve before its deadline, and at least as long.
pub const EDGE_READS_WITHIN: Duration = Duration::from_secs(60);
/// Time a change event keeps for paging after writing its result: the write stops short of it.
pub const WRITE_RESERVE: Duration = Duration::from_secs(60);
/// How long before a change event's lookups must end ([`WRITE_RESERVE`] before the deadline) the
/// Lambda@Edge reads stop, so that the versions read by then count.
const EDGE_READS_MARGIN: Duration = Duration::from_secs(5);
/// The least time a write of results gets, however near the deadline: one `PutEvaluations` call
/// takes well under a second when Config answers.
pub const WRITE_AT_LEAST: Duration = Duration::from_secs(5);
/// How often a sandbox asks what it asks once an hour ([`Hourly`]): whether the rule is still as
/// deployed, which organization accounts no sweep reached.
const HOURLY: Duration = Duration::from_secs(3600);
/// A chain of sweep parts longer than this is a defect (a marker that doesn't advance), not an account.
const MAX_SWEEP_PARTS: u32 = 200;
/// How far ahead of this sandbox's clock a notification's time may be before it is taken as forged.
const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// An event's time further ahead than clocks differ is forged.
fn reject_future(field: &'static str, time: &DateTime) -> Result<(), EventError> {
    // In milliseconds, as the ledger judges a row's time: a time accepted here is never one its
    // next reader distrusts.
    let millis = |t: &DateTime| t.to_millis().unwrap_or(i64::MAX);
    let now = millis(&DateTime::from(SystemTime::now()));
    if millis(time) > now.saturating_add(MAX_CLOCK_SKEW_SECS * 1000) {
        return Err(EventError::InFuture {
            field,
            value: time
                .fmt(aws_sdk_config::primitives::DateTimeFormat::DateTime)
                .unwrap_or_default(),
        });
    }
    Ok(())
}

/// Built once per process: clients and defaults, borrowed by every invocation.
pub struct State {
    sdk: aws_config::SdkConfig,
    clients: Clients,
    /// The function's own credentials, to hand a sweep on to itself (also in organization mode).
    own_lambda: aws_sdk_lambda::Client,
    /// `RULE_PARAMETERS`: the deployment's rule parameters, which the event's `ruleParameters`
    /// can't change ([`RuleParams::deployed_with`]).
    default_params: String,
    /// Organization deployments: clients acting in each member account, built on first use.
    members: Mutex<HashMap<String, Clients>>,
    roles_page: i32,
    sweep_reserve: Duration,
    edge_reads_within: Duration,
    /// Off only when `PAGING=off` says so (`paging::PagingSettings`).
    paging: Option<Paging>,
    /// `RULE_NAME`: the one rule whose events this function serves (see [`State::with_rule_name`]),
    /// and whether it is an organization rule (the stack's own parameters say, once).
    served_rule: Option<(String, bool)>,
    /// When a change event last asked whether the rule still sweeps ([`State::rule_check_due`]).
    rule_checked: Hourly,
    /// Organization mode: which member accounts the sweeps reach (`coverage`).
    coverage: Option<Coverage>,
}

impl State {
    pub fn new(sdk: aws_config::SdkConfig, default_params: Option<String>) -> State {
        State {
            clients: Clients::new(&sdk),
            own_lambda: aws_sdk_lambda::Client::new(&sdk),
            sdk,
            default_params: default_params.unwrap_or_default(),
            members: Mutex::new(HashMap::new()),
            roles_page: ROLES_PAGE,
            sweep_reserve: SWEEP_RESERVE,
            edge_reads_within: EDGE_READS_WITHIN,
            paging: None,
            served_rule: None,
            rule_checked: Hourly::default(),
            coverage: None,
        }
    }

    /// Whether a change event asks whether the rule still sweeps: the first of each sandbox, then
    /// one an hour. The sweeps ask it of themselves, but a rule stripped of its periodic trigger
    /// sweeps no more, while change events keep the evaluator's invocations (and their alarm) going.
    fn rule_check_due(&self) -> bool {
        self.rule_checked.due()
    }

    /// The rule could not be read: the next change event asks again.
    fn rule_check_failed(&self) {
        self.rule_checked.again();
    }

    /// [`State::new`] for the deployment's `RULE_PARAMETERS`, refused when they can't be read:
    /// the function then stops at init, naming them, rather than failing every event later.
    pub fn deployed(sdk: aws_config::SdkConfig, default_params: Option<String>) -> Result<State, DeployedParamsError> {
        RuleParams::from_layers(&[default_params.as_deref().unwrap_or_default()]).map_err(DeployedParamsError)?;
        Ok(State::new(sdk, default_params))
    }

    /// Serve only the rule of this name (in organization mode only `OrgConfigRule-NAME-SUFFIX`,
    /// its name in the member accounts): anyone who can create a Config rule in the account could otherwise point one at
    /// the evaluator and page the on-call with rule names and verdicts of their choosing. Another
    /// rule's event fails (loudly: retried, then kept in the failure queue, which alarms).
    pub fn with_rule_name(mut self, rule_name: String) -> State {
        // The organization rule's name in a member account, `OrgConfigRule-NAME-SUFFIX`, only in
        // organization mode, which the stack's own parameters say (not the event's: another
        // rule's parameters are its author's).
        let organization = self.organization_mode();
        self.served_rule = Some((rule_name, organization));
        self
    }

    fn serves(&self, event: &ConfigRuleEvent) -> Result<(), EvaluatorError> {
        let Some((expected, organization)) = &self.served_rule else {
            return Ok(());
        };
        // The stack's own parameters decide organization mode: unreadable, they are the error
        // (not every member account's event taken for another rule's).
        RuleParams::from_layers(&[&self.default_params])?;
        let rule = rule_name(event)?;
        let in_member_account = *organization
            && rule
                .strip_prefix("OrgConfigRule-")
                .and_then(|rest| rest.strip_prefix(expected.as_str()))
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|suffix| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric()));
        // Organization mode deploys no rule of the bare name (the stack's own rule is account
        // mode's): one of that name is a member account's own, whose parameters are its author's.
        if (!*organization && rule == expected) || in_member_account {
            return Ok(());
        }
        Err(EvaluatorError::ForeignRule {
            rule: rule.to_owned(),
            expected: expected.clone(),
        })
    }

    /// Organization mode, as the deployment's own rule parameters say (`executionRoleName`).
    pub fn organization_mode(&self) -> bool {
        RuleParams::from_layers(&[&self.default_params]).is_ok_and(|params| params.execution_role_name.is_some())
    }

    /// Records each finished sweep's account and checks the organization's accounts against
    /// the records (organization mode).
    pub fn with_coverage(mut self, coverage: Coverage) -> State {
        self.coverage = Some(coverage);
        self
    }

    pub fn with_paging(mut self, paging: Paging) -> State {
        self.paging = Some(paging);
        self
    }

    /// Smaller `ListRoles` pages and another reserve: tests drive several pages and a deadline.
    pub fn with_sweep_pacing(mut self, roles_page: i32, reserve: Duration) -> State {
        self.roles_page = roles_page;
        self.sweep_reserve = reserve;
        self
    }

    /// Another time for reading the roles of edge versions (tests: a shorter one).
    pub fn with_edge_reads_within(mut self, within: Duration) -> State {
        self.edge_reads_within = within;
        self
    }

    /// The clients for the account the evaluation belongs to.
    async fn clients_for(&self, event: &ConfigRuleEvent, params: &RuleParams) -> Clients {
        let (Some(role_name), Some(account)) = (&params.execution_role_name, &event.account_id) else {
            return self.clients.clone();
        };
        let mut members = self.members.lock().await;
        if let Some(clients) = members.get(account) {
            return clients.clone();
        }
        let role_arn = format!("arn:{}:iam::{account}:role/{role_name}", event.partition());
        let clients = Clients::assuming(&self.sdk, &role_arn, "trustcheck-evaluator").await;
        members.insert(account.clone(), clients.clone());
        clients
    }
}

/// Something done at most once an hour per sandbox: the first time, then an hour after the last.
#[derive(Default)]
pub(crate) struct Hourly(std::sync::Mutex<Option<Instant>>);

impl Hourly {
    /// Whether it is due now; if so, the hour starts again. A poisoned lock says yes: in doubt, look.
    pub(crate) fn due(&self) -> bool {
        let Ok(mut last) = self.0.lock() else {
            return true;
        };
        let due = last.is_none_or(|at| at.elapsed() >= HOURLY);
        if due {
            *last = Some(Instant::now());
        }
        due
    }

    /// It failed: due again at the next chance.
    pub(crate) fn again(&self) {
        if let Ok(mut last) = self.0.lock() {
            *last = None;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluatorError {
    #[error("bad Config event: {0}")]
    Event(#[from] EventError),
    #[error("invalid rule parameters: {0}")]
    Params(#[from] ParamsError),
    #[error("an event of the Config rule {rule:?}, not of this evaluator's {expected:?} (RULE_NAME; OrgConfigRule-{expected}-… in a member account): refused, nothing written")]
    ForeignRule { rule: String, expected: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Item(#[from] ItemError),
    #[error("the sweep can't go on in a new invocation: {0}")]
    Continuation(String),
    /// Change events for IAM roles have stopped: the rule now judges roles only when it sweeps.
    #[error("Config no longer records the IAM role {role_id} (ResourceNotRecorded): the recorder leaves AWS::IAM::Role out, so roles are judged only by the periodic sweep; its result and page stand. Record AWS::IAM::Role again (docs/deploy.md, evaluator-failures-depth)")]
    NotRecorded { role_id: String },
    /// The evaluations are written; an alert could not be sent or recorded. The retry sends it.
    #[error("paging: {0}")]
    Paging(#[source] PagingError),
    /// This part did its work; parts before it of the same sweep did not (their logs name what).
    #[error("{}", earlier_parts(*.unwritten, *.paging_failed))]
    EarlierParts { unwritten: usize, paging_failed: bool },
    /// Nothing is written for these roles, so their previous results stand: a guess either way
    /// could resolve a real page or raise a false one. Or a role is written NON_COMPLIANT, but what
    /// could not be looked up could make it more severe. Each such role is logged.
    #[error("{roles} role(s) not fully judged (each is logged: its previous result left standing, or written NON_COMPLIANT at a severity that may be too low): {because}")]
    Undetermined { roles: usize, because: String },
}

fn earlier_parts(unwritten: usize, paging_failed: bool) -> String {
    let mut failed = Vec::new();
    if unwritten > 0 {
        failed.push(format!("left {unwritten} evaluation(s) unwritten"));
    }
    if paging_failed {
        failed.push("could not send or record an alert".to_owned());
    }
    let mut text = format!("this sweep {}", failed.join(" and "));
    text.push_str(" (the logs of its parts name what; the next sweep writes and pages it)");
    text
}

impl From<EvaluatorError> for Diagnostic {
    fn from(error: EvaluatorError) -> Diagnostic {
        let error_type = match &error {
            EvaluatorError::Event(_) => "InvalidEvent",
            // The code rdklib returns for bad parameters, which Config shows to the rule's owner.
            EvaluatorError::Params(_) => "InvalidParameterValueException",
            EvaluatorError::ForeignRule { .. } => "ForeignRule",
            EvaluatorError::Aws(_) | EvaluatorError::Item(ItemError::Aws(_)) => "AwsCallFailed",
            // Config's history lags the notification: Lambda's retry asks again.
            EvaluatorError::Item(ItemError::Event(EventError::NotInHistoryYet { .. })) => "ItemNotInHistoryYet",
            EvaluatorError::Item(ItemError::Event(_)) => "InvalidEvent",
            // Config didn't issue the token: a forged or test event (or one long expired).
            EvaluatorError::Write(error) if error.token_refused() => "InvalidResultToken",
            EvaluatorError::Write(_) => "EvaluationsNotWritten",
            EvaluatorError::Continuation(_) => "SweepNotContinued",
            EvaluatorError::NotRecorded { .. } => "RoleNotRecorded",
            EvaluatorError::Paging(_) => "PagingFailed",
            EvaluatorError::EarlierParts { unwritten: 0, .. } => "PagingFailed",
            EvaluatorError::EarlierParts { .. } => "EvaluationsNotWritten",
            EvaluatorError::Undetermined { .. } => "RolesNotJudged",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// The deployment's rule parameters (`RULE_PARAMETERS`, from the stack) are not valid.
#[derive(Debug, thiserror::Error)]
#[error("RULE_PARAMETERS: {0}")]
pub struct DeployedParamsError(#[source] pub ParamsError);

/// What one invocation did; also the function's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub message_type: &'static str,
    pub written: usize,
    pub non_compliant: usize,
    /// Sweeps: which part of the sweep this invocation was (1 for the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// Sweeps: the deadline came near and the rest of the account went to a new invocation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub continued: bool,
    /// Sweeps: results of roles that no longer exist, written NOT_APPLICABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<usize>,
    /// A sweep's last part: why Config sends no change event for roles here (the recorder is
    /// stopped, missing, leaves roles out, or could not be read; in account mode, the rule was
    /// edited to take none); `None` while it records them and the rule takes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles_unrecorded: Option<String>,
    /// A change event in account mode, once an hour ([`State::rule_check_due`]): how the rule was
    /// edited (a trigger dropped, its scope narrowed) or why it could not be read; `None` when it
    /// is as deployed, or was not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_edited: Option<String>,
    /// A sweep's last part: it counts as the day's sweep (for the alarm that says the rule has
    /// stopped sweeping): Config took its result token, and it is no test.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub counted: bool,
}

pub async fn handler(state: &State, event: LambdaEvent<Value>) -> Result<Outcome, EvaluatorError> {
    let LambdaEvent { payload, context } = event;
    let event = ConfigRuleEvent::from_value(payload.clone())?;
    state.serves(&event)?;
    // Parameters first: with bad parameters nothing is written. The deployment's count over the
    // rule's: an edit of the rule outside its stack can't quiet it.
    let (params, overridden) =
        RuleParams::deployed_with(&state.default_params, event.rule_parameters.as_deref().unwrap_or(""))?;
    if !overridden.is_empty() {
        tracing::warn!(
            keys = ?overridden,
            "the Config rule's parameters differ from the deployment's (RULE_PARAMETERS), which count: the rule was edited outside its stack, a stack update has not reached it yet, or (organization mode) the two stacks name different member roles or the organization rule still carries an earlier release's parameters"
        );
    }
    let params = params.judged_at(std::time::SystemTime::now());
    let token = event
        .result_token
        .as_deref()
        .ok_or(EventError::Missing("resultToken"))?;
    let invoking = event.invoking()?;
    let clients = state.clients_for(&event, &params).await;
    let item = match invoking {
        InvokingEvent::Change(item) => item,
        // Decided from its summary first: a deleted role, or another resource type, needs no
        // lookup.
        InvokingEvent::Oversized(summary) => ConfigItem::from_summary(&summary)?,
        InvokingEvent::Scheduled {
            notification_creation_time,
        } => {
            let run = SweepRun {
                state,
                clients: &clients,
                event: &event,
                payload: &payload,
                context: &context,
                params: &params,
                token,
            };
            // Boxed: the sweep's future beside the single evaluation's in one state machine takes
            // the handler's past the compiler's query depth.
            return Box::pin(run.sweep(&notification_creation_time)).await;
        }
    };
    // A recorded role without its trust policy (oversized, or notified without it) is read from
    // Config's history.
    let item = match item.needs_history() {
        true => ConfigItem::fetch(&clients.config, &item.summary()).await?,
        false => item,
    };
    let judged = evaluate_item(state, &clients, &event, &params, token, item, &context).await;
    // Organization mode: change events come from any account, often, so an unswept account is
    // found within the hour after its window, not only when the next sweep ends.
    if let Some(coverage) = &state.coverage {
        coverage
            .audit_if_due(DateTime::from(SystemTime::now()).secs(), time_left(&context))
            .await;
    }
    with_rule_checked(state, &clients, &event, &params, &context.invoked_function_arn, judged).await
}

async fn evaluate_item(
    state: &State,
    clients: &Clients,
    event: &ConfigRuleEvent,
    params: &RuleParams,
    token: &str,
    item: ConfigItem,
    context: &Context,
) -> Result<Outcome, EvaluatorError> {
    let deadline = deadline(context);
    // Config keeps the result with the latest ordering time: one from the future would outlast
    // every real result after it, and hold the role's alert.
    reject_future("configurationItemCaptureTime", &item.capture_time)?;
    // Only a role's result touches the ledger: another type's item (the rule's scope widened
    // outside its stack) may carry a role's id as its own (a function, a table, a parameter
    // named `AROA…`), and its NOT_APPLICABLE would resolve that role's page.
    let is_role = item.resource_type == ROLE_RESOURCE_TYPE;
    if !is_role {
        tracing::warn!(
            resource_type = %item.resource_type,
            resource_id = %item.resource_id,
            status = %item.status,
            "Config sent an item that is no IAM role: the rule's scope was edited outside its stack; written NOT_APPLICABLE (unless Config no longer records it), paged nowhere"
        );
        if item.status == "ResourceNotRecorded" {
            // Nothing of ours to judge or to keep: no result Config would take, no page.
            return Ok(Outcome {
                message_type: "ConfigurationItemChangeNotification",
                written: 0,
                non_compliant: 0,
                part: None,
                continued: false,
                stale: None,
                roles_unrecorded: None,
                rule_edited: None,
                counted: false,
            });
        }
    }
    // The role is there, but Config no longer records IAM roles: whoever stopped the recorder
    // must not turn its result NOT_APPLICABLE and resolve its page. Nothing is written: the
    // result and the page stand, and the sweep, which lists the roles from IAM, judges it. But
    // change events have stopped, and a role broken now waits for the next sweep: an error, so
    // that the failure queue's alarms say so, not a log line nobody reads.
    if item.status == "ResourceNotRecorded" {
        return Err(EvaluatorError::NotRecorded {
            role_id: item.resource_id.clone(),
        });
    }
    // The stack scopes the rule to every IAM role: a recorded role "leaving" it means the rule's
    // scope was edited outside its stack (a tag scope, say), and taking that as NOT_APPLICABLE
    // would resolve the pages of the roles it leaves out. The role is judged as ever.
    if event.event_left_scope && item.is_recorded() {
        tracing::warn!(
            role = %item.display_name(),
            role_id = %item.resource_id,
            "Config says this role left the rule's scope, which the stack sets to every IAM role: the rule was edited outside its stack; the role is judged all the same"
        );
    }
    let mut may_be_worse = None;
    // Judged without some function that uses the role (a region Lambda refused, CloudFront
    // unanswered, listings late): a finding they decide may be missing, not fixed.
    let mut judged = Judged::Wholly;
    let verdict = if !item.is_recorded() {
        // A deleted role has no configuration; NOT_APPLICABLE also resolves its page.
        Verdict::not_applicable(format!("role is {} (left the rule's scope)", item.status))
    } else {
        match item.role()? {
            None => Verdict::not_applicable(format!("{} is not an IAM role", item.resource_type)),
            Some((mut role, document)) => {
                let mut unlisted = Default::default();
                let mut edge_unlisted = None;
                let mut late = false;
                if let Some(arn) = role.arn.clone() {
                    // The lookups end in time for the write: what they could not finish by then
                    // is judged as unlisted, as a region Lambda refused to list.
                    let lookups_by = deadline.and_then(|d| d.checked_sub(WRITE_RESERVE));
                    let users = users_of_role(state, clients, params, &item, &role, &arn, lookups_by);
                    let users = match lookups_by {
                        None => Some(users.await?),
                        Some(by) => {
                            let left = by.duration_since(SystemTime::now()).unwrap_or_default();
                            tokio::time::timeout(left, users).await.ok().transpose()?
                        }
                    };
                    match users {
                        Some(users) => {
                            (role.functions, role.edge_functions) = (users.functions, users.edge_functions);
                            (role.event_sources, role.event_sources_unknown) = users.event_sources;
                            (unlisted, edge_unlisted) = (users.unlisted, users.edge_unlisted);
                        }
                        None => {
                            tracing::error!(role = %item.display_name(), role_id = %item.resource_id, "the functions using the role were not all listed before the write's reserve; judged only if they can't change the verdict");
                            late = true;
                            let unfinished = || {
                                AwsError::unfinished(
                                    "lambda:ListFunctions",
                                    "the functions using the role were not all listed in time for the write",
                                )
                            };
                            unlisted = [
                                (clients.region().unwrap_or(EVERY_OTHER_REGION), unfinished()),
                                (EVERY_OTHER_REGION, unfinished()),
                            ]
                            .into_iter()
                            .map(|(region, error)| (region.to_owned(), error))
                            .collect();
                            edge_unlisted = edge_looked_for(clients, &FunctionScope::from_params(params)).then(|| {
                                AwsError::unfinished(
                                    "cloudfront:ListDistributions",
                                    "Lambda@Edge functions not listed in time for the write",
                                )
                            });
                        }
                    }
                }
                let mut verdict = check(&document, &role, params);
                if late || !unlisted.is_empty() || edge_unlisted.is_some() {
                    judged = Judged::InPart;
                }
                let regions: Vec<&str> = unlisted.keys().map(String::as_str).collect();
                let because = || {
                    if late {
                        return "the functions using the role (Lambda's, in every region, and CloudFront's) were not all listed in time for the write; one could change its verdict (the retry, the next change or the next sweep lists them again)".to_owned();
                    }
                    let functions = (!regions.is_empty()).then(|| unlisted_functions(&regions));
                    let edge = edge_unlisted.as_ref().map(unlisted_distributions);
                    functions.into_iter().chain(edge).collect::<Vec<_>>().join("; ")
                };
                match judge_unlisted(&document, &role, params, &verdict, &unlisted, edge_unlisted.is_some()) {
                    // Judged, but a role only an older version runs at the edge, which Lambda
                    // itself could no longer use, would be judged without it: said all the same.
                    Unlisted::Irrelevant => {
                        // Written, but judged without the functions late listings missed: the
                        // invocation fails all the same, so that Lambda's retry lists them.
                        if late {
                            may_be_worse = Some((0, because()));
                        } else if let Some(error) = &edge_unlisted {
                            tracing::warn!(role = %item.display_name(), role_id = %item.resource_id, "written, judged as a role no version runs at the edge as: CloudFront could not be asked");
                            may_be_worse = Some((0, judged_without_edge(error)));
                        }
                    }
                    Unlisted::MayBeWorse => {
                        tracing::warn!(role = %item.display_name(), role_id = %item.resource_id, "written, but functions that could not be listed (of other regions, or at the edge) could make it more severe");
                        may_be_worse = Some((1, because()));
                    }
                    Unlisted::Undetermined => {
                        return Err(EvaluatorError::Undetermined {
                            roles: 1,
                            because: because(),
                        })
                    }
                }
                gather_evidence(clients, &mut verdict).await;
                verdict
            }
        }
    };
    log_evaluation(item.display_name(), &item.resource_id, &verdict);
    let evaluation = Evaluation {
        resource_type: item.resource_type.clone(),
        resource_id: item.resource_id.clone(),
        compliance: verdict.compliance,
        annotation: verdict.annotation.clone(),
        ordering_timestamp: item.capture_time,
    };
    // The write stops in time for the page (a Config that doesn't answer can't hold it back),
    // and its time is counted from now: however long the lookups took, it gets at least
    // `WRITE_AT_LEAST`.
    let written = put_evaluations(&clients.config, token, &[evaluation], write_by(deadline, WRITE_RESERVE)).await;
    // A page doesn't wait for Config: a role that just broke is paged even while Config refuses
    // its result (a sweep pages likewise); the write's failure still fails the invocation, and a
    // retry finds the page already in the ledger. Anything else waits: only a result Config took
    // may resolve, move or even touch an open page, so an event Config never sent (a direct
    // invoke, a console test event, whose token Config refuses) can't quiet one.
    let paged = match paging_of(state, token).filter(|_| is_role) {
        Some(paging) => {
            let (account, region) = alert_place(params, event, clients, context, item.account_id.as_deref());
            let role = RoleRef {
                id: item.resource_id.clone(),
                name: item.display_name().to_owned(),
                arn: item.arn.clone(),
                account,
                region,
            };
            // A result Config took is recorded at its capture time, Config's order; one it did
            // not (perhaps a forged event) at most at the evaluator's clock.
            let reviewed = match &written {
                Ok(_) => {
                    let at = Ordering::of(&item.capture_time);
                    paging.review(rule_name(event)?, role, &at, &verdict, judged).await
                }
                Err(error) => {
                    let at = Ordering::no_later_than_now(&item.capture_time);
                    let refused = error.token_refused();
                    paging
                        .review_unwritten(rule_name(event)?, role, &at, &verdict, judged, refused)
                        .await
                }
            };
            reviewed.map_err(EvaluatorError::Paging)
        }
        None => Ok(()),
    };
    let written = match (written, paged) {
        (Ok(written), paged) => {
            paged?;
            written
        }
        (Err(unwritten), paged) => {
            if let Err(paging) = paged {
                tracing::error!(error = %error_chain(&paging), "paging failed too");
            }
            return Err(unwritten.into());
        }
    };
    if let Some((roles, because)) = may_be_worse {
        return Err(EvaluatorError::Undetermined { roles, because });
    }
    Ok(Outcome {
        message_type: "ConfigurationItemChangeNotification",
        written,
        non_compliant: usize::from(verdict.compliance == Compliance::NonCompliant),
        part: None,
        continued: false,
        stale: None,
        roles_unrecorded: None,
        rule_edited: None,
        counted: false,
    })
}

/// The paging of a real evaluation: a test event's (the Lambda console's sample, whose results
/// Config stores nothing of) pages nobody and records nothing in the ledger.
fn paging_of<'s>(state: &'s State, token: &str) -> Option<&'s Paging> {
    if token == TEST_MODE_TOKEN {
        tracing::info!("a test event (resultToken TESTMODE): written in Config's test mode, paged nowhere");
        return None;
    }
    state.paging.as_ref()
}

/// Asks whether the rule is still as deployed (`rule_hearing`: its triggers, the periodic one
/// included, and its scope), and logs the line the stacks' recorder-off alarm counts when it is
/// not, or can't be read: a rule stripped of its periodic trigger sweeps no more, and its
/// evaluator-silent alarm counts log lines anyone allowed to write the log group can make up.
async fn rule_edited(state: &State, config: &aws_sdk_config::Client, rule: &str, own_function: &str) -> Option<String> {
    let reason = match rule_hearing(config, rule, own_function).await {
        Ok(reason) => reason?,
        // A throttle or an outage is no finding: the next change event asks again (every new
        // sandbox of a burst of changes asking would turn a throttle into a day of alarm).
        Err(error) if is_transient(&error) => {
            tracing::warn!(rule, %error, "whether the Config rule is as deployed could not be read; the next change event asks again");
            state.rule_check_failed();
            return None;
        }
        // Refused (a permission removed, an SCP): it may never be read again, so it is said, as
        // the sweeps say it, rather than asked about for ever in silence.
        Err(error) => format!("the rule could not be read: {error}"),
    };
    // The stacks' EvaluatorRuleEdited filter counts `rule_edited` 1: keep the field, or change the
    // filter with it.
    tracing::error!(rule, reason = %reason, rule_edited = 1, "the Config rule is not as deployed: sweeps or change events may no longer come");
    Some(reason)
}

/// An error that asking again may clear: a throttle, a service fault, or no answer at all.
fn is_transient(error: &AwsError) -> bool {
    error.code.as_deref().is_none_or(|code| {
        code.contains("Throttl")
            || code.contains("Timeout")
            || code.contains("TooManyRequests")
            || code.contains("LimitExceeded")
            || code.contains("Internal")
            || code.contains("Unavailable")
    })
}

/// A change event's outcome with the rule checked ([`State::rule_check_due`]), whether the
/// evaluation succeeded or not: an edit that silences the rule is heard either way. An
/// organization rule can't be edited from its member accounts: only account mode's is asked.
async fn with_rule_checked(
    state: &State,
    clients: &Clients,
    event: &ConfigRuleEvent,
    params: &RuleParams,
    own_function: &str,
    judged: Result<Outcome, EvaluatorError>,
) -> Result<Outcome, EvaluatorError> {
    let Some(rule) = event.config_rule_name.as_deref() else {
        return judged;
    };
    if params.execution_role_name.is_some() || !state.rule_check_due() {
        return judged;
    }
    let edited = rule_edited(state, &clients.config, rule, own_function).await;
    judged.map(|outcome| Outcome {
        rule_edited: edited,
        ..outcome
    })
}

fn rule_name(event: &ConfigRuleEvent) -> Result<&str, EventError> {
    event
        .config_rule_name
        .as_deref()
        .ok_or(EventError::Missing("configRuleName"))
}

/// The account and region that name a role's alert: the rule's, as the evaluator's own place
/// says it.
fn alert_place(
    params: &RuleParams,
    event: &ConfigRuleEvent,
    clients: &Clients,
    context: &Context,
    item_account: Option<&str>,
) -> (String, String) {
    let (account, region) = event.account_and_region();
    // Where the evaluator runs, not what an event says: one naming another region or (account
    // mode) another account, made up, would open alerts that no real evaluation reads again, and
    // so never resolves. Config invokes a rule's function in the rule's own region; in account
    // mode the roles judged are the function's own account's.
    let own_account = (context.invoked_function_arn.split(':').nth(4))
        // Organization mode as the clients were chosen by ([`State::clients_for`]).
        .filter(|a| trustcheck::is_account_id(a) && params.execution_role_name.is_none());
    (
        own_account
            .or(account)
            .or(item_account)
            .unwrap_or("unknown-account")
            .to_owned(),
        clients.region().or(region).unwrap_or("unknown-region").to_owned(),
    )
}

/// One invocation of the scheduled sweep: everything it needs from the handler.
struct SweepRun<'a> {
    state: &'a State,
    clients: &'a Clients,
    event: &'a ConfigRuleEvent,
    /// The event as Config sent it: a continuation carries it on unchanged.
    payload: &'a Value,
    context: &'a Context,
    params: &'a RuleParams,
    token: &'a str,
}

impl SweepRun<'_> {
    /// Evaluates and writes one `ListRoles` page at a time, so a timeout loses at most the page in
    /// flight. Near the deadline the rest goes to a new invocation (same event, the marker to
    /// start at). The last part writes NOT_APPLICABLE for results of roles that no longer exist.
    /// A failed write never stops the pages after it: the invocation fails at the end, naming
    /// every evaluation that could not be written, so Lambda retries it. A part that handed on
    /// carries its failures to the next instead, and the last part fails for them.
    async fn sweep(&self, notification_creation_time: &str) -> Result<Outcome, EvaluatorError> {
        // Every part writes with the notification's time: Config keeps the latest result per role,
        // so a role changed during the sweep keeps its newer change-triggered result.
        let ordering = parse_timestamp("notificationCreationTime", notification_creation_time)?;
        // A continuation carries the original event's time, which is in the past.
        reject_future("notificationCreationTime", &ordering)?;
        let rule_name = rule_name(self.event)?;
        let part = self.event.sweep.as_ref().map_or(1, |c| c.part);
        let earlier = Earlier::of(self.event.sweep.as_ref());
        let (account, region) = alert_place(self.params, self.event, self.clients, self.context, None);
        // An alerts table that can't be read stops the paging, never the evaluations.
        let mut paging_unstarted = None;
        let mut paging = match paging_of(self.state, self.token) {
            None => None,
            Some(paging) => {
                let spent = Spent::before(self.event.sweep.as_ref());
                // Config dates a sweep's notification before it invokes: one dated ahead of this
                // clock (forged, its token refused) must hold off no evaluation after now.
                let at = Ordering::no_later_than_now(&ordering);
                match SweepPaging::start(paging, (&account, &region, rule_name), at, spent).await {
                    Ok(started) => Some(started),
                    Err(error) => {
                        tracing::error!(error = %error, "the alerts ledger can't be read: this part pages nothing");
                        paging_unstarted = Some(error);
                        None
                    }
                }
            }
        };
        let deadline = deadline(self.context);
        // A part handed on only for the final cleanup reads no roles, so it looks up nothing
        // about them either (a failed lookup would stop the cleanup).
        let cleanup_only = self.event.sweep.as_ref().is_some_and(|c| c.cleanup_only);
        let mut sweep = match cleanup_only {
            true => None,
            false => {
                let (account, _) = self.event.account_and_region();
                let least = SystemTime::now() + self.state.edge_reads_within;
                // Three reserves: the exemption tags and the first page of roles come after.
                let until = deadline
                    .and_then(|d| d.checked_sub(self.state.sweep_reserve * 3))
                    .map_or(least, |until| until.max(least));
                Some(Sweep::start(self.clients, self.params, account, Some(until)).await?)
            }
        };
        if let Some(sweep) = sweep.as_mut() {
            sweep.page_size = self.state.roles_page;
        }
        let mut marker = self.event.sweep.as_ref().map(|c| c.marker.clone());
        let mut seen: HashSet<String> = HashSet::new();
        let mut unwritten: Option<WriteError> = None;
        let mut undetermined = 0_usize;
        let mut outcome = Outcome {
            message_type: "ScheduledNotification",
            written: 0,
            non_compliant: 0,
            part: Some(part),
            continued: false,
            stale: None,
            roles_unrecorded: None,
            rule_edited: None,
            counted: false,
        };
        let mut slowest_page = Duration::ZERO;
        while let Some(sweep) = sweep.as_mut() {
            let started = Instant::now();
            let mut page = sweep.page(marker.take(), |_, _, swept| swept).await?;
            // A role a function in an unlisted region could change is seen (so never declared
            // gone) but neither written nor paged anew: its previous result stands (a notice an
            // earlier evaluation recorded for it and could not send is still sent).
            for role in page.roles.iter().filter(|role| role.may_be_worse && !role.undetermined) {
                tracing::warn!(role = %role.role_name, role_id = %role.role_id, "written, but functions that could not be listed (of other regions, or at the edge) could change it");
                undetermined += 1;
            }
            page.roles.retain(|role| {
                if role.undetermined {
                    tracing::warn!(role = %role.role_name, role_id = %role.role_id, "not judged: functions that could not be listed (of other regions, or at the edge) would change it");
                    seen.insert(role.role_id.clone());
                    undetermined += 1;
                }
                !role.undetermined
            });
            let evaluations: Vec<Evaluation> = page
                .roles
                .iter()
                .map(|role| {
                    log_evaluation(&role.role_name, &role.role_id, &role.evaluation.verdict);
                    outcome.non_compliant +=
                        usize::from(role.evaluation.verdict.compliance == Compliance::NonCompliant);
                    seen.insert(role.role_id.clone());
                    Evaluation {
                        resource_type: ROLE_RESOURCE_TYPE.to_owned(),
                        resource_id: role.role_id.clone(),
                        compliance: role.evaluation.verdict.compliance,
                        annotation: role.evaluation.verdict.annotation.clone(),
                        ordering_timestamp: ordering,
                    }
                })
                .collect();
            let write_by = write_by(deadline, self.state.sweep_reserve);
            let not_taken = write(
                self.clients,
                self.token,
                &evaluations,
                write_by,
                &mut outcome,
                &mut unwritten,
            )
            .await;
            let refused = unwritten.as_ref().is_some_and(WriteError::token_refused);
            if let Some(paging) = paging.as_mut() {
                for role in &page.roles {
                    let taken = match (not_taken.contains(&role.role_id), refused) {
                        (false, _) => Taken::Yes,
                        (true, false) => Taken::Failed,
                        (true, true) => Taken::Refused,
                    };
                    let role_ref = RoleRef {
                        id: role.role_id.clone(),
                        name: role.role_name.clone(),
                        arn: Some(role.role_arn.clone()),
                        account: account.clone(),
                        region: region.clone(),
                    };
                    paging
                        .review(role_ref, &role.evaluation.verdict, role.judged, taken)
                        .await;
                }
            }
            slowest_page = slowest_page.max(started.elapsed());
            let time_left = deadline.map(|d| d.duration_since(SystemTime::now()).unwrap_or_default());
            let short = time_left.is_some_and(|left| left < self.state.sweep_reserve + slowest_page * 2);
            // Near the deadline the rest goes to a new part: more roles, or after the last page
            // the cleanup (results of deleted roles, the digest), which can take as long.
            let next = match (page.next_marker, short) {
                (Some(next), false) => {
                    marker = Some(next);
                    continue;
                }
                (None, false) => break,
                (next, true) => next,
            };
            let (spent, paging_failed) = match paging {
                Some(paging) => paging.finish(&account, &region, notification_creation_time, part).await,
                // Paging never started here: the budget spent before still counts.
                None => (Spent::before(self.event.sweep.as_ref()), paging_unstarted),
            };
            if let Some(error) = &paging_failed {
                tracing::error!(error = %error, "paging failed in this part; the last part reports it");
            }
            let continuation = SweepContinuation {
                cleanup_only: next.is_none(),
                marker: next.unwrap_or_default(),
                // Saturating: `part` comes from the event, which any caller may send.
                part: part.saturating_add(1),
                paged: spent.paged,
                notified: spent.notified,
                unwritten: earlier
                    .unwritten
                    .saturating_add(unwritten.as_ref().map_or(0, |e| e.count)),
                paging_failed: earlier.paging_failed || paging_failed.is_some(),
                undetermined: earlier.undetermined.saturating_add(undetermined),
                edge_unlisted: earlier.edge_unlisted || sweep.edge_unlisted.is_some(),
            };
            // Once the next part is on its way this part succeeds, whatever it failed to do
            // (logged above): failing would make Lambda run it again and hand on twice.
            self.continue_later(continuation).await?;
            outcome.continued = true;
            tracing::info!(
                part,
                written = outcome.written,
                ?time_left,
                "sweep part done; the next part goes on"
            );
            return Ok(outcome);
        }
        let held = held_results(&self.clients.config, rule_name).await?;
        // The last of several parts saw only its own roles: every role's id is listed again,
        // rather than trusting Config to show the earlier parts' results already. So a role an
        // earlier part could not write (or judge), which still holds an old result, is never
        // taken for a deleted one. A continuation's part number is the caller's word, so any
        // continuation lists them again (a crafted "part 1" starting at a marker would take the
        // roles before it for deleted). A failed listing fails the part, as a failed read of the
        // results does: Lambda retries it.
        if self.event.sweep.is_some() {
            seen.extend(role_ids(self.clients).await?);
        }
        // Only results written before this sweep began: a role created while it ran keeps the
        // result its change event wrote.
        let unseen: Vec<_> = held
            .into_iter()
            .filter(|held| !seen.contains(&held.resource_id) && held.ordering_timestamp.is_some_and(|t| t < ordering))
            .collect();
        let stale: Vec<Evaluation> = unseen
            .into_iter()
            .map(|held| {
                tracing::info!(role_id = %held.resource_id, compliance = "NOT_APPLICABLE", "role no longer exists");
                Evaluation {
                    resource_type: held.resource_type,
                    resource_id: held.resource_id,
                    compliance: Compliance::NotApplicable,
                    annotation: "The role no longer exists".to_owned(),
                    ordering_timestamp: ordering,
                }
            })
            .collect();
        outcome.stale = Some(stale.len());
        let write_by = write_by(deadline, self.state.sweep_reserve);
        write(self.clients, self.token, &stale, write_by, &mut outcome, &mut unwritten).await;
        let paging_failed = match paging {
            Some(mut paging) => {
                for gone in &stale {
                    paging.gone(&account, &region, &gone.resource_id).await;
                }
                // Still alerting though the role is gone, whatever its result says (a deletion
                // event wrote NOT_APPLICABLE and its paging failed): found in the ledger's open
                // alerts, rather than in every NOT_APPLICABLE result the rule ever wrote, which
                // only grow.
                paging.gone_unseen(&account, &region, &seen).await;
                paging
                    .finish(&account, &region, notification_creation_time, part)
                    .await
                    .1
            }
            None => paging_unstarted,
        };
        // Change events come only while Config records roles here, and while the rule takes them:
        // asked once a sweep. An answer that can't be had counts as none: the alarm then says to
        // look. An organization rule can't be edited from its member accounts: its own is asked
        // only in account mode.
        let recording = role_recording(&self.clients.config)
            .await
            .unwrap_or_else(|error| RoleRecording::NotRecorded {
                reason: format!("the recorder could not be read: {error}"),
            });
        let recording = match recording {
            RoleRecording::Recorded { .. } if self.params.execution_role_name.is_none() => {
                match rule_hearing(&self.clients.config, rule_name, &self.context.invoked_function_arn).await {
                    Ok(None) => recording,
                    Ok(Some(reason)) => RoleRecording::NotRecorded { reason },
                    Err(error) => RoleRecording::NotRecorded {
                        reason: format!("the rule could not be read: {error}"),
                    },
                }
            }
            other => other,
        };
        if let RoleRecording::NotRecorded { reason } = &recording {
            tracing::error!(
                account = %account,
                region = %region,
                reason = %reason,
                "Config does not record IAM roles here, or the rule takes no change of one: no change event comes, only sweeps judge roles"
            );
            outcome.roles_unrecorded = Some(reason.clone());
        }
        // The stacks' evaluator-silent alarm counts these lines (a metric filter on the message),
        // and their recorder-off alarm every line with `recorder_off` 1, counted or not: keep the
        // words and the field, or change the filters with them. Not a test sweep's (`TESTMODE`, whose results Config
        // keeps nothing of) nor one whose token Config refused: invoked by hand every day, either
        // would keep the alarm quiet for a rule that no longer sweeps.
        let mut counted = self.token != TEST_MODE_TOKEN && !unwritten.as_ref().is_some_and(WriteError::token_refused);
        // A part that wrote nothing has not shown that Config took its token: a "cleanup only"
        // continuation anyone allowed to invoke the function can send (any token, an old time:
        // nothing to write) would count for a rule Config no longer runs. Asked of Config; an
        // answer that can't be had counts as a refusal, so the alarm says to look.
        if counted && outcome.written == 0 {
            if let Err(error) = confirm_token(&self.clients.config, self.token).await {
                tracing::warn!(error = %error_chain(&error), "Config did not take this sweep's result token, or could not be asked: not counted as a sweep");
                counted = false;
            }
        }
        outcome.counted = counted;
        let done = match counted {
            true => "sweep done",
            false => "sweep done in test mode, or with a token Config refused: not counted as a sweep",
        };
        tracing::info!(
            account = %account,
            region = %region,
            part,
            written = outcome.written,
            non_compliant = outcome.non_compliant,
            stale = stale.len(),
            functions_from = ?sweep.as_ref().map(|s| s.functions_from),
            recorder_off = u8::from(!recording.is_recorded()),
            "{done}"
        );
        if let (true, Some(coverage)) = (counted, &self.state.coverage) {
            let now = DateTime::from(SystemTime::now()).secs();
            coverage.swept(&account, now).await;
            coverage.audit_if_due(now, time_left(self.context)).await;
        }
        // Unwritten evaluations first, this part's or an earlier one's: the worse failure. The
        // error about earlier parts also says when this part's paging failed.
        let earlier = Earlier {
            paging_failed: earlier.paging_failed || paging_failed.is_some(),
            ..earlier
        };
        let undetermined = earlier.undetermined.saturating_add(undetermined);
        let edge_unlisted = earlier.edge_unlisted || sweep.as_ref().is_some_and(|s| s.edge_unlisted.is_some());
        // Then a page that was not sent (this part's or an earlier one's), then roles not judged
        // (each logged as it was met).
        match finish(outcome, unwritten, paging_failed) {
            Err(EvaluatorError::Write(error)) => Err(EvaluatorError::Write(error)),
            _ if earlier.unwritten > 0 => Err(earlier.error()),
            Err(error) => Err(error),
            Ok(_) if earlier.paging_failed => Err(earlier.error()),
            // CloudFront unasked leaves roles only an older version runs at the edge judged without
            // it, even when none was counted: said all the same.
            Ok(_) if undetermined > 0 || edge_unlisted => {
                let mut because = sweep.as_ref().map(|s| s.undetermined_because()).unwrap_or_default();
                if earlier.edge_unlisted && sweep.as_ref().is_none_or(|s| s.edge_unlisted.is_none()) {
                    because.push("an earlier part of this sweep: CloudFront's Lambda@Edge functions could not be listed, or not all their versions read in its time (its log says which)".to_owned());
                }
                if earlier.undetermined > 0 || because.is_empty() {
                    because.push("an earlier part of this sweep could not judge some (its log says why)".to_owned());
                }
                Err(EvaluatorError::Undetermined {
                    roles: undetermined,
                    because: because.join("; "),
                })
            }
            own => own,
        }
    }

    /// Invokes this function asynchronously with the same event and where to go on.
    async fn continue_later(&self, continuation: SweepContinuation) -> Result<(), EvaluatorError> {
        // A cleanup part never hands on: it ends the chain whatever its number.
        if continuation.part > MAX_SWEEP_PARTS && !continuation.cleanup_only {
            return Err(EvaluatorError::Continuation(format!(
                "{MAX_SWEEP_PARTS} parts and the account is not done; ListRoles' marker may not advance"
            )));
        }
        let function = &self.context.invoked_function_arn;
        if function.is_empty() {
            return Err(EvaluatorError::Continuation(
                "the invocation has no function ARN to invoke".into(),
            ));
        }
        // Without the continuation the next part would start the sweep over, forever.
        let mut payload = self.payload.clone();
        let (Some(event), Ok(continuation)) = (payload.as_object_mut(), serde_json::to_value(continuation)) else {
            return Err(EvaluatorError::Continuation(
                "the event is not a JSON object to carry the sweep's continuation".into(),
            ));
        };
        event.insert("trustcheckSweep".into(), continuation);
        self.state
            .own_lambda
            .invoke()
            .function_name(function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload.to_string()))
            .send()
            .await
            .map_err(|e| AwsError::new("lambda:Invoke", e))?;
        Ok(())
    }
}

/// Writes one batch of a sweep; what can't be written is added to `unwritten`, for the error at
/// the end. Returns the resource ids of the batch's evaluations that Config did not take.
async fn write(
    clients: &Clients,
    token: &str,
    evaluations: &[Evaluation],
    by: Option<SystemTime>,
    outcome: &mut Outcome,
    unwritten: &mut Option<WriteError>,
) -> HashSet<String> {
    match put_evaluations(&clients.config, token, evaluations, by).await {
        Ok(written) => {
            outcome.written += written;
            HashSet::new()
        }
        Err(error) => {
            // Saturating: a misbehaving endpoint could report more failures than it was sent.
            outcome.written += error.total.saturating_sub(error.count);
            tracing::error!(unwritten = error.count, resource_ids = ?error.resource_ids, "evaluations not written");
            let not_taken = error.resource_ids.iter().cloned().collect();
            match unwritten {
                Some(all) => all.absorb(error),
                None => *unwritten = Some(error),
            }
            not_taken
        }
    }
}

/// What the parts of a sweep before this one failed to do.
struct Earlier {
    unwritten: usize,
    paging_failed: bool,
    undetermined: usize,
    edge_unlisted: bool,
}

impl Earlier {
    fn of(continuation: Option<&SweepContinuation>) -> Earlier {
        Earlier {
            unwritten: continuation.map_or(0, |c| c.unwritten),
            paging_failed: continuation.is_some_and(|c| c.paging_failed),
            undetermined: continuation.map_or(0, |c| c.undetermined),
            edge_unlisted: continuation.is_some_and(|c| c.edge_unlisted),
        }
    }

    fn error(&self) -> EvaluatorError {
        EvaluatorError::EarlierParts {
            unwritten: self.unwritten,
            paging_failed: self.paging_failed,
        }
    }
}

/// The part's result: unwritten evaluations first (the worse failure), then a paging failure.
fn finish(
    outcome: Outcome,
    unwritten: Option<WriteError>,
    paging_failed: Option<PagingError>,
) -> Result<Outcome, EvaluatorError> {
    match (unwritten, paging_failed) {
        (Some(mut error), _) => {
            error.total = outcome.written + error.count;
            Err(error.into())
        }
        (None, Some(error)) => Err(EvaluatorError::Paging(error)),
        (None, None) => Ok(outcome),
    }
}

/// What uses a role, as [`users_of_role`] finds it.
struct Users {
    functions: Vec<String>,
    edge_functions: Vec<String>,
    event_sources: (Vec<EventSource>, bool),
    unlisted: BTreeMap<String, AwsError>,
    edge_unlisted: Option<AwsError>,
}

/// The functions that use the role `arn` (in every region of the rule's scope, and at the edge)
/// and their event source mappings; CloudFront's versions read until `by` at the latest.
async fn users_of_role(
    state: &State,
    clients: &Clients,
    params: &RuleParams,
    item: &ConfigItem,
    role: &Role,
    arn: &str,
    by: Option<SystemTime>,
) -> Result<Users, AwsError> {
    let scope = FunctionScope::from_params(params);
    let found = functions_using_role(clients, &scope, arn).await?;
    let event_sources = or_unknown(mappings_of_functions(clients, &found.functions).await);
    tracing::debug!(
        source = ?found.source,
        functions = found.functions.len(),
        mappings = event_sources.0.len(),
        "functions using the role"
    );
    let mut users = Users {
        functions: found.functions,
        edge_functions: Vec::new(),
        event_sources,
        unlisted: found.unlisted,
        edge_unlisted: None,
    };
    // A version CloudFront runs may keep a role its function no longer names: CloudFront is
    // asked for every role.
    if edge_looked_for(clients, &scope) {
        // An answer asked after the change serves it (and the changes after it).
        let changed = SystemTime::try_from(item.capture_time).unwrap_or_else(|_| SystemTime::now());
        // Within the lookups' own time: the versions read by then serve, the rest are unlisted.
        // A few seconds before the lookups' own end, so that what was read still counts.
        let within = SystemTime::now() + state.edge_reads_within;
        let until = Some(
            by.and_then(|by| by.checked_sub(EDGE_READS_MARGIN))
                .map_or(within, |by| by.min(within)),
        );
        match edge_functions(clients, role.account(), changed + EDGE_CLOCK_SKEW, until).await {
            Ok(edge) => users.edge_functions = edge.of_role(arn),
            Err(error) => {
                tracing::error!(%error, "CloudFront's Lambda@Edge functions not listed; judged only if they can't change the verdict");
                users.edge_unlisted = Some(error);
            }
        }
    }
    Ok(users)
}

/// When a write of results must stop: `reserve` before `deadline`, so that what follows it (the
/// pages, a hand-on) keeps its time; but never sooner than [`WRITE_AT_LEAST`] from now (within
/// the deadline): a write always gets its try. `None` without a real deadline.
fn write_by(deadline: Option<SystemTime>, reserve: Duration) -> Option<SystemTime> {
    let deadline = deadline?;
    let least = (SystemTime::now() + WRITE_AT_LEAST).min(deadline);
    Some(deadline.checked_sub(reserve).map_or(least, |by| by.max(least)))
}

/// The time left in the invocation, when its deadline is a real one ([`deadline`]).
fn time_left(context: &Context) -> Option<Duration> {
    deadline(context).map(|d| d.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The invocation's deadline, when it is a real one: local emulators send a fixed value in the
/// past, and Lambda never runs a function longer than 15 minutes.
fn deadline(context: &Context) -> Option<SystemTime> {
    let deadline = context.deadline();
    let left = deadline.duration_since(SystemTime::now()).ok()?;
    (left <= Duration::from_secs(15 * 60)).then_some(deadline)
}

/// One structured line per evaluation: never the policy document, never credentials.
fn log_evaluation(role_name: &str, role_id: &str, verdict: &Verdict) {
    let findings: Vec<&str> = verdict.findings.iter().map(|f| f.id.as_str()).collect();
    tracing::info!(
        role = role_name,
        role_id,
        compliance = verdict.compliance.as_str(),
        findings = ?findings,
        "evaluated"
    );
}
