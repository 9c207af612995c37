//! Organization mode: which member accounts the sweeps reach. A member account whose
//! organization rule was never created, or whose rule can't invoke the evaluator, is never swept
//! and sends nothing, while the other accounts' sweeps keep `evaluator-silent` quiet. So each
//! finished sweep records its account in the alerts table, and once an hour (after a sweep or a
//! change event, one sandbox of all) the evaluator compares those records with the
//! organization's active accounts, less those the organization rule excludes: the
//! `accounts-unswept` alarm counts the accounts due a sweep that had none. The organization rule
//! itself is read then too: an account it excludes beyond those the stack was deployed to leave
//! out (`EXCLUDED_ACCOUNTS`), or a trigger or scope taken from it, is an edit that silences
//! accounts or change events, and is said as a rule edit (`rule_edited`, the `recorder-off`
//! alarm); such an account is still counted due.

use std::{collections::HashMap, time::Duration};

use aws_sdk_config::types::{OrganizationConfigRule, OrganizationConfigRuleTriggerType};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};
use trustcheck_aws::AwsError;

use crate::Hourly;

/// How long a sweep's record is kept: longer than the longest window (a daily sweep and two hours).
const RECORD_DAYS: i64 = 8;
/// The alerts table's key prefix of a sweep's record (the ledger's own rows start `aws-config/`).
const RECORD_PREFIX: &str = "swept#";
/// The row that says since when sweeps are recorded: before, an account had none to record, so
/// its window starts then, not when it joined (a new deployment or an upgrade alarms for nothing).
const SINCE_KEY: &str = "coverage#since";
/// The row whose time says when a sandbox last compared: one comparison an hour for the stack.
const AUDITED_KEY: &str = "coverage#audited";
/// Less time than this left in the invocation, and the comparison waits for another.
const AUDIT_TIME: Duration = Duration::from_secs(30);
/// The keys one `BatchGetItem` takes.
const BATCH_KEYS: usize = 100;
/// How many times unprocessed keys (throttling) are asked for again before the comparison fails.
const BATCH_ROUNDS: usize = 5;

/// `SWEEP_WINDOW_HOURS` (organization mode; the stack sets it: the sweep's interval and two
/// hours, the window `evaluator-silent` waits) and `EXCLUDED_ACCOUNTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageSettings {
    pub window: Duration,
    /// The accounts the organization rule was deployed to leave out (`EXCLUDED_ACCOUNTS`, comma
    /// separated; the stack's parameter): one the live rule excludes beyond them is still due a
    /// sweep, and the edit is said. `None` where the stack doesn't set it (the live rule's
    /// exclusions are taken as they are).
    pub excluded: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoverageSettingsError {
    #[error("SWEEP_WINDOW_HOURS is {0:?}: expected a whole number of hours from 1 to 168")]
    Window(String),
    #[error("EXCLUDED_ACCOUNTS holds {0:?}: expected 12-digit account ids separated by commas")]
    Excluded(String),
}

impl CoverageSettings {
    /// `None` without `SWEEP_WINDOW_HOURS`: account mode, or a stack that doesn't check.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<CoverageSettings>, CoverageSettingsError> {
        let Some(hours) = get("SWEEP_WINDOW_HOURS").filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let window = hours
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|h| (1..=24 * 7).contains(h))
            .ok_or(CoverageSettingsError::Window(hours))?;
        let excluded = match get("EXCLUDED_ACCOUNTS") {
            None => None,
            Some(list) => Some(
                (list.split(',').map(str::trim).filter(|id| !id.is_empty()))
                    .map(|id| match id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                        true => Ok(id.to_owned()),
                        false => Err(CoverageSettingsError::Excluded(id.to_owned())),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Some(CoverageSettings {
            window: Duration::from_secs(window * 3600),
            excluded,
        }))
    }
}

/// An account of the organization expected to be swept, and when it joined (epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub account: String,
    pub joined: i64,
}

/// What the comparison reads: the organization's members, the accounts its rule excludes, each
/// recorded account's last sweep, and since when sweeps are recorded (epoch seconds).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub members: Vec<Member>,
    pub excluded: Vec<String>,
    pub last_swept: HashMap<String, i64>,
    pub recorded_since: i64,
}

/// The accounts due a sweep that had none: not excluded, a member (and recorded) for longer than
/// the window, and no sweep recorded within it. In id order.
pub fn unswept(seen: &Seen, window: Duration, now: i64) -> Vec<String> {
    let since = window_start(window, now);
    let mut due: Vec<String> = (seen.members.iter())
        .filter(|m| m.joined.max(seen.recorded_since) <= since && !seen.excluded.contains(&m.account))
        .filter(|m| seen.last_swept.get(&m.account).is_none_or(|at| *at < since))
        .map(|m| m.account.clone())
        .collect();
    due.sort_unstable();
    due.dedup();
    due
}

/// The accounts `rule` leaves out that are not due a sweep, and its edits that silence accounts
/// or change events: an account excluded beyond `deployed` (the stack's `EXCLUDED_ACCOUNTS`; all
/// the rule's are taken where the stack doesn't say), which stays due; a custom Lambda rule that
/// takes no change events of roles (a trigger type taken out), or whose scope leaves roles out
/// (resource types without `AWS::IAM::Role`, a tag or resource id scope), or is no custom Lambda
/// rule at all. Its periodic trigger and the function it invokes are not judged here: without
/// them the evaluator is invoked no more, so this comparison doesn't run either, and
/// `evaluator-silent` and `evaluator-uninvoked` say so.
pub fn as_deployed(rule: &OrganizationConfigRule, deployed: Option<&[String]>) -> (Vec<String>, Vec<String>) {
    // (The SDK's variant keeps AWS's own slip in its name; its text is spelt right.)
    use OrganizationConfigRuleTriggerType::{
        ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotifcation,
    };
    let (excluded, beyond): (Vec<String>, Vec<String>) = (rule.excluded_accounts().iter().cloned())
        .partition(|account| deployed.is_none_or(|deployed| deployed.contains(account)));
    let mut edits = Vec::new();
    if !beyond.is_empty() {
        edits.push(format!(
            "it excludes accounts the stack was not deployed to leave out ({}): they are counted unswept",
            beyond.join(",")
        ));
    }
    let Some(custom) = rule.organization_custom_rule_metadata() else {
        edits.push(
            "it is no custom Lambda rule now (a managed or a policy rule): trustcheck judges no role through it"
                .to_owned(),
        );
        return (excluded, edits);
    };
    let triggers = custom.organization_config_rule_trigger_types();
    let missing: Vec<&str> = [
        ConfigurationItemChangeNotification,
        OversizedConfigurationItemChangeNotifcation,
    ]
    .iter()
    .filter(|kind| !triggers.contains(kind))
    .map(OrganizationConfigRuleTriggerType::as_str)
    .collect();
    if !missing.is_empty() {
        edits.push(format!(
            "it takes no {} events: a role's change is judged only at the next sweep",
            missing.join(" or ")
        ));
    }
    let types = custom.resource_types_scope();
    if !types.is_empty() && !types.iter().any(|t| t == "AWS::IAM::Role") {
        edits.push(format!("its scope leaves AWS::IAM::Role out ({})", types.join(",")));
    }
    if let Some(tag) = custom.tag_key_scope().filter(|t| !t.is_empty()) {
        edits.push(format!("its scope keeps to roles tagged {tag}"));
    }
    if let Some(id) = custom.resource_id_scope().filter(|id| !id.is_empty()) {
        edits.push(format!("its scope keeps to the resource {id}"));
    }
    (excluded, edits)
}

/// When the window that ends `now` began (epoch seconds).
fn window_start(window: Duration, now: i64) -> i64 {
    now.saturating_sub(i64::try_from(window.as_secs()).unwrap_or(i64::MAX))
}

/// Whether an account of `ListAccounts` is expected to be swept: an active one. `State` first
/// (newer than `Status`, which AWS has said it will retire), then `Status`; with neither, or a
/// state this build doesn't know, it is: in doubt the alarm names it rather than miss it.
fn is_expected(account: &Account) -> bool {
    match (account.state(), account.status()) {
        (
            Some(
                AccountState::Suspended
                | AccountState::PendingClosure
                | AccountState::Closed
                | AccountState::PendingActivation,
            ),
            _,
        ) => false,
        (Some(_), _) => true,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => true,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("a row of the alerts table is malformed: {0}")]
    Record(String),
    #[error("the organization rule {0:?} is not in this account and region (DescribeOrganizationConfigRules): the accounts it excludes can't be told")]
    NoRule(String),
    #[error("the comparison took longer than {0:?}")]
    TimedOut(Duration),
    #[error("dynamodb:BatchGetItem left sweep records unread after {0} rounds (throttled)")]
    Unprocessed(usize),
}

/// The records and the organization, with the clients of the evaluator's own account.
pub struct Coverage {
    organizations: aws_sdk_organizations::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    config: aws_sdk_config::Client,
    table: String,
    /// The organization rule's name here (`RULE_NAME`), whose excluded accounts are not swept.
    rule: String,
    settings: CoverageSettings,
    /// One sandbox asks the table whether the hour's comparison is made at most once an hour.
    audited: Hourly,
}

impl Coverage {
    pub fn new(sdk: &aws_config::SdkConfig, table: String, rule: String, settings: CoverageSettings) -> Coverage {
        Coverage {
            organizations: aws_sdk_organizations::Client::new(sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            config: aws_sdk_config::Client::new(sdk),
            table,
            rule,
            settings,
            audited: Hourly::default(),
        }
    }

    /// After a sweep of `account` finished: records it. Never fails the sweep, whose evaluations
    /// are written: a record that can't be written leaves the account unswept at a later
    /// comparison, which alarms.
    pub async fn swept(&self, account: &str, now: i64) {
        let written = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("dedup_key", AttributeValue::S(format!("{RECORD_PREFIX}{account}")))
            .item("swept_at", AttributeValue::N(now.to_string()))
            .item(
                "expires_at",
                AttributeValue::N((now + RECORD_DAYS * 86_400).to_string()),
            )
            .send()
            .await;
        if let Err(error) = written {
            let error = AwsError::new("dynamodb:PutItem", error);
            tracing::error!(account = %account, error = %error, "this sweep could not be recorded: the account may be counted unswept");
        }
    }

    /// The hour's comparison, when this sandbox's hour has passed, no other sandbox made it
    /// within the hour, and `time_left` (the invocation's, when known) allows: logged for the
    /// alarm. Never fails the invocation.
    pub async fn audit_if_due(&self, now: i64, time_left: Option<Duration>) {
        if time_left.is_some_and(|left| left < AUDIT_TIME) || !self.audited.due() {
            return;
        }
        let Some(previous) = self.claim_the_hour(now).await else {
            return;
        };
        let limit = AUDIT_TIME - Duration::from_secs(5);
        let checked = async {
            // Checks that stopped for longer than the window (organization mode turned off and on
            // again): the records are old, so they start again now.
            if previous.is_some_and(|at| at < window_start(self.settings.window, now)) {
                self.restart_record(now).await?;
            }
            self.audit(now).await
        };
        let result = match tokio::time::timeout(limit, checked).await {
            Ok(result) => result,
            Err(_) => Err(CoverageError::TimedOut(limit)),
        };
        if result.is_err() {
            // Any sandbox's next chance tries again (the hour's claim stays: one retry an hour).
            self.audited.again();
        }
        log_audit(&result);
    }

    /// The accounts unswept at `now`. An edit of the organization rule that silences accounts or
    /// change events is logged for the `recorder-off` alarm ([`as_deployed`]).
    pub async fn audit(&self, now: i64) -> Result<Vec<String>, CoverageError> {
        let recorded_since = self.recorded_since(now).await?;
        let members = self.members().await?;
        let (excluded, edits) = as_deployed(&self.organization_rule().await?, self.settings.excluded.as_deref());
        if !edits.is_empty() {
            // The stacks' EvaluatorRuleEdited filter counts `rule_edited` 1.
            tracing::error!(rule = %self.rule, reason = %edits.join("; "), rule_edited = 1, "the organization rule is not as deployed: member accounts or change events may no longer be judged");
        }
        let last_swept = self.last_swept(&members).await?;
        let seen = Seen {
            members,
            excluded,
            last_swept,
            recorded_since,
        };
        Ok(unswept(&seen, self.settings.window, now))
    }

    /// Takes the hour's comparison for this sandbox: `None` when another made it within the hour,
    /// else when the last one was made (`None` inside: never, as far as the table says). A table
    /// that can't say lets it compare: in doubt, look.
    async fn claim_the_hour(&self, now: i64) -> Option<Option<i64>> {
        let claimed = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key("dedup_key", AttributeValue::S(AUDITED_KEY.to_owned()))
            .update_expression("SET audited_at = :now")
            .condition_expression("attribute_not_exists(audited_at) OR audited_at <= :hour_ago")
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":hour_ago", AttributeValue::N((now - 3600).to_string()))
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match claimed {
            Ok(out) => Some(out.attributes().and_then(|old| seconds(old, "audited_at").ok())),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                None
            }
            Err(error) => {
                let error = AwsError::new("dynamodb:UpdateItem", error);
                tracing::warn!(error = %error, "whether another sandbox compared this hour can't be told: comparing");
                Some(Some(now))
            }
        }
    }

    /// Starts the record again at `now`.
    async fn restart_record(&self, now: i64) -> Result<(), AwsError> {
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item("dedup_key", AttributeValue::S(SINCE_KEY.to_owned()))
            .item("since", AttributeValue::N(now.to_string()))
            .send()
            .await
            .map_err(|e| AwsError::new("dynamodb:PutItem", e))?;
        Ok(())
    }

    /// Since when sweeps are recorded: the first comparison's time, written once.
    async fn recorded_since(&self, now: i64) -> Result<i64, CoverageError> {
        let key = AttributeValue::S(SINCE_KEY.to_owned());
        let read = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("dedup_key", key.clone())
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::new("dynamodb:GetItem", e))?;
        if let Some(item) = read.item() {
            return seconds(item, "since");
        }
        let written = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("dedup_key", key)
            .item("since", AttributeValue::N(now.to_string()))
            .condition_expression("attribute_not_exists(dedup_key)")
            .send()
            .await;
        match written {
            // Another sandbox wrote it first, at about the same time.
            Err(error)
                if !error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(AwsError::new("dynamodb:PutItem", error).into())
            }
            _ => Ok(now),
        }
    }

    /// The organization's accounts expected to be swept ([`is_expected`]).
    async fn members(&self) -> Result<Vec<Member>, AwsError> {
        let mut members = Vec::new();
        let mut pages = self.organizations.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::new("organizations:ListAccounts", e))?;
            for account in page.accounts().iter().filter(|a| is_expected(a)) {
                if let Some(id) = account.id() {
                    members.push(Member {
                        account: id.to_owned(),
                        // No join time: taken as long ago, so the account is due.
                        joined: account.joined_timestamp().map_or(0, |t| t.secs()),
                    });
                }
            }
        }
        Ok(members)
    }

    /// The organization rule, as it is now.
    async fn organization_rule(&self) -> Result<OrganizationConfigRule, CoverageError> {
        let described = self
            .config
            .describe_organization_config_rules()
            .organization_config_rule_names(&self.rule)
            .send()
            .await
            .map_err(|e| AwsError::new("config:DescribeOrganizationConfigRules", e))?;
        let rule = (described.organization_config_rules().iter())
            .find(|r| r.organization_config_rule_name() == self.rule)
            .ok_or_else(|| CoverageError::NoRule(self.rule.clone()))?;
        Ok(rule.clone())
    }

    /// Each member's last sweep (epoch seconds), by key: the table also holds every alert row of
    /// the organization. Strongly consistent: a sweep recorded just now counts.
    async fn last_swept(&self, members: &[Member]) -> Result<HashMap<String, i64>, CoverageError> {
        let mut swept = HashMap::new();
        for batch in members.chunks(BATCH_KEYS) {
            let keys = batch.iter().map(|m| {
                HashMap::from([(
                    "dedup_key".to_owned(),
                    AttributeValue::S(format!("{RECORD_PREFIX}{}", m.account)),
                )])
            });
            let mut wanted = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys.collect()))
                    .consistent_read(true)
                    .projection_expression("dedup_key, swept_at")
                    .build()
                    .map_err(|e| AwsError::malformed("dynamodb:BatchGetItem", &e.to_string()))?,
            );
            for _ in 0..BATCH_ROUNDS {
                let Some(asked) = wanted.take() else {
                    break;
                };
                let out = self
                    .dynamodb
                    .batch_get_item()
                    .request_items(&self.table, asked)
                    .send()
                    .await
                    .map_err(|e| AwsError::new("dynamodb:BatchGetItem", e))?;
                for item in out.responses().and_then(|r| r.get(&self.table)).into_iter().flatten() {
                    let key = item.get("dedup_key").and_then(|v| v.as_s().ok()).map(String::as_str);
                    let Some(account) = key.and_then(|k| k.strip_prefix(RECORD_PREFIX)) else {
                        return Err(CoverageError::Record(key.unwrap_or("(no key)").to_owned()));
                    };
                    swept.insert(account.to_owned(), seconds(item, "swept_at")?);
                }
                wanted = (out.unprocessed_keys().and_then(|u| u.get(&self.table)))
                    .filter(|k| !k.keys().is_empty())
                    .cloned();
            }
            if wanted.is_some() {
                return Err(CoverageError::Unprocessed(BATCH_ROUNDS));
            }
        }
        Ok(swept)
    }
}

/// A row's number attribute `name`, in seconds.
fn seconds(item: &HashMap<String, AttributeValue>, name: &str) -> Result<i64, CoverageError> {
    (item.get(name).and_then(|v| v.as_n().ok()))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| CoverageError::Record(format!("{name} is missing or no number")))
}

/// The line `accounts-unswept` counts (`unswept`): how many, and which. One that can't be told is
/// logged as one account unswept: a check that can't be made must not look like a clean one.
fn log_audit(result: &Result<Vec<String>, CoverageError>) {
    match result {
        Ok(accounts) if accounts.is_empty() => tracing::info!(unswept = 0, "organization accounts checked"),
        Ok(accounts) => tracing::error!(
            unswept = accounts.len(),
            accounts = %accounts.join(","),
            "organization accounts checked: these active accounts had no finished sweep within SWEEP_WINDOW_HOURS (their organization rule is missing or failed there, or can't invoke the evaluator, or the member role is missing)"
        ),
        Err(error) => tracing::error!(
            unswept = 1,
            error = %error,
            "organization accounts checked: they could not be listed or compared, so one is counted unswept"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn member(account: &str, joined: i64) -> Member {
        Member {
            account: account.to_owned(),
            joined,
        }
    }

    #[test]
    fn an_account_is_unswept_when_due_and_not_swept_within_the_window() {
        let now = 1_000 * HOUR;
        let window = Duration::from_secs(26 * 3600);
        let mut seen = Seen {
            members: vec![
                member("111111111111", 0),               // swept an hour ago
                member("222222222222", 0),               // swept 27 hours ago
                member("333333333333", 0),               // never swept
                member("444444444444", now - HOUR),      // joined an hour ago: not due yet
                member("555555555555", 0),               // excluded
                member("666666666666", now - 26 * HOUR), // joined exactly a window ago: due
            ],
            excluded: vec!["555555555555".to_owned()],
            last_swept: HashMap::from([
                ("111111111111".to_owned(), now - HOUR),
                ("222222222222".to_owned(), now - 27 * HOUR),
            ]),
            recorded_since: 0,
        };
        assert_eq!(
            unswept(&seen, window, now),
            ["222222222222", "333333333333", "666666666666"]
        );
        // A sweep exactly a window ago still counts.
        seen.last_swept.insert("333333333333".to_owned(), now - 26 * HOUR);
        assert_eq!(unswept(&seen, window, now), ["222222222222", "666666666666"]);
        // Recorded only since an hour ago (a new deployment): nobody is due yet.
        seen.recorded_since = now - HOUR;
        assert!(unswept(&seen, window, now).is_empty());
        assert!(unswept(&Seen::default(), window, now).is_empty());
    }

    #[test]
    fn an_active_account_is_expected_whichever_field_says_so_and_in_doubt() {
        let account = |state: Option<AccountState>, status: Option<AccountStatus>| {
            let mut a = Account::builder().id("111122223333");
            if let Some(state) = state {
                a = a.state(state);
            }
            if let Some(status) = status {
                a = a.status(status);
            }
            a.build()
        };
        assert!(is_expected(&account(Some(AccountState::Active), None)));
        assert!(!is_expected(&account(
            Some(AccountState::Suspended),
            Some(AccountStatus::Active)
        )));
        assert!(!is_expected(&account(Some(AccountState::PendingClosure), None)));
        assert!(is_expected(&account(None, Some(AccountStatus::Active))));
        assert!(!is_expected(&account(None, Some(AccountStatus::Suspended))));
        assert!(is_expected(&account(None, None)));
        assert!(is_expected(&account(Some(AccountState::from("NEW_STATE")), None)));
    }

    #[test]
    fn the_window_is_read_or_refused_by_name() {
        let lookup = |value: &'static str| move |key: &str| (key == "SWEEP_WINDOW_HOURS").then(|| value.to_owned());
        assert_eq!(CoverageSettings::from_lookup(|_| None), Ok(None));
        assert_eq!(CoverageSettings::from_lookup(lookup("")), Ok(None));
        assert_eq!(
            CoverageSettings::from_lookup(lookup("26")),
            Ok(Some(CoverageSettings {
                window: Duration::from_secs(26 * 3600),
                excluded: None,
            }))
        );
        for bad in ["0", "169", "daily", "-3"] {
            assert_eq!(
                CoverageSettings::from_lookup(lookup(bad)),
                Err(CoverageSettingsError::Window(bad.to_owned()))
            );
        }
        let with_excluded = |list: &'static str| {
            move |key: &str| match key {
                "SWEEP_WINDOW_HOURS" => Some("26".to_owned()),
                "EXCLUDED_ACCOUNTS" => Some(list.to_owned()),
                _ => None,
            }
        };
        let excluded = |list| CoverageSettings::from_lookup(with_excluded(list)).map(|s| s.and_then(|s| s.excluded));
        // Set empty by the stack: none is left out.
        assert_eq!(excluded(""), Ok(Some(Vec::new())));
        assert_eq!(
            excluded("111122223333, 444455556666"),
            Ok(Some(vec!["111122223333".to_owned(), "444455556666".to_owned()]))
        );
        assert_eq!(
            excluded("111122223333,sandbox"),
            Err(CoverageSettingsError::Excluded("sandbox".to_owned()))
        );
    }

    #[test]
    fn an_organization_rule_edited_to_silence_accounts_or_change_events_is_said() {
        use aws_sdk_config::types::{OrganizationCustomRuleMetadata, OrganizationManagedRuleMetadata};
        use OrganizationConfigRuleTriggerType::{
            ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotifcation, ScheduledNotification,
        };
        let scoped = |triggers: Vec<OrganizationConfigRuleTriggerType>, types: &str, tag: Option<&str>| {
            OrganizationCustomRuleMetadata::builder()
                .lambda_function_arn("arn:aws:lambda:us-east-1:111122223333:function:trustcheck-evaluator")
                .set_organization_config_rule_trigger_types(Some(triggers))
                .resource_types_scope(types)
                .set_tag_key_scope(tag.map(str::to_owned))
                .build()
                .unwrap()
        };
        let custom = |triggers| scoped(triggers, "AWS::IAM::Role", None);
        let every_trigger = || {
            vec![
                ConfigurationItemChangeNotification,
                OversizedConfigurationItemChangeNotifcation,
                ScheduledNotification,
            ]
        };
        let all = || custom(every_trigger());
        let builder = |excluded: &[&str]| {
            OrganizationConfigRule::builder()
                .organization_config_rule_name("trustcheck-org")
                .organization_config_rule_arn("arn:aws:config:us-east-1:111122223333:organization-config-rule/x")
                .set_excluded_accounts(Some(excluded.iter().map(|a| (*a).to_owned()).collect()))
        };
        let rule = |excluded: &[&str], metadata: OrganizationCustomRuleMetadata| {
            builder(excluded)
                .organization_custom_rule_metadata(metadata)
                .build()
                .unwrap()
        };
        let deployed = ["444455556666".to_owned()];
        // As deployed.
        let (excluded, edits) = as_deployed(&rule(&["444455556666"], all()), Some(&deployed));
        assert_eq!(
            (excluded, edits),
            (vec!["444455556666".to_owned()], Vec::<String>::new())
        );
        // Another account left out: still due, and said; where the stack doesn't say, taken.
        let (excluded, edits) = as_deployed(&rule(&["444455556666", "555566667777"], all()), Some(&deployed));
        assert_eq!(excluded, ["444455556666"]);
        assert!(edits[0].contains("(555566667777)"), "{edits:?}");
        let (excluded, edits) = as_deployed(&rule(&["555566667777"], all()), None);
        assert_eq!((excluded.len(), edits.len()), (1, 0));
        // Change events taken out, or the scope narrowed.
        let (_, edits) = as_deployed(&rule(&[], custom(vec![ScheduledNotification])), Some(&deployed));
        assert_eq!(edits.len(), 1);
        assert!(
            edits[0].contains("ConfigurationItemChangeNotification or OversizedConfigurationItemChangeNotification"),
            "{edits:?}"
        );
        let tagged = scoped(every_trigger(), "AWS::S3::Bucket", Some("team"));
        let (_, edits) = as_deployed(&rule(&[], tagged), Some(&deployed));
        assert_eq!(edits.len(), 2, "{edits:?}");
        // Made a managed rule.
        let managed = builder(&[])
            .organization_managed_rule_metadata(
                OrganizationManagedRuleMetadata::builder()
                    .rule_identifier("IAM_ROLE_MANAGED_POLICY_CHECK")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        assert_eq!(as_deployed(&managed, Some(&deployed)).1.len(), 1);
    }
}
