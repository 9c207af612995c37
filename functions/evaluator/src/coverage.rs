//! Organization mode: which member accounts the sweeps reach. A member account whose
//! organization rule was never created, or whose rule can't invoke the evaluator, is never swept
//! and sends nothing, while the other accounts' sweeps keep `evaluator-silent` quiet. So each
//! finished sweep records its account in the alerts table, and once an hour a sweep compares
//! those records with the organization's active accounts: the `accounts-unswept` alarm counts
//! the accounts due a sweep that had none.

use std::{collections::HashMap, time::Duration};

use aws_sdk_dynamodb::types::AttributeValue;
use trustcheck_aws::AwsError;

use crate::Hourly;

/// How long a sweep's record is kept: longer than the longest window (a daily sweep and two hours).
const RECORD_DAYS: i64 = 8;
/// The alerts table's key prefix of a sweep's record (alert keys start with an account id).
const RECORD_PREFIX: &str = "swept#";

/// `SWEEP_WINDOW_HOURS` (organization mode; the stack sets it: the sweep's interval and two
/// hours, the window `evaluator-silent` waits) and `EXCLUDED_ACCOUNTS` (the organization rule's
/// excluded accounts, comma-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageSettings {
    pub window: Duration,
    pub excluded: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoverageSettingsError {
    #[error("SWEEP_WINDOW_HOURS is {0:?}: expected a whole number of hours from 1")]
    Window(String),
    #[error("EXCLUDED_ACCOUNTS holds {0:?}: expected 12-digit account ids, comma-separated")]
    Excluded(String),
    #[error("EXCLUDED_ACCOUNTS is set but SWEEP_WINDOW_HOURS is not: the organization's accounts are checked only with both")]
    ExcludedWithoutWindow,
}

impl CoverageSettings {
    /// `None` without `SWEEP_WINDOW_HOURS`: account mode, or a stack that doesn't check.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<CoverageSettings>, CoverageSettingsError> {
        let get = |key: &str| get(key).filter(|v| !v.trim().is_empty());
        let excluded = match get("EXCLUDED_ACCOUNTS") {
            None => Vec::new(),
            Some(text) => text
                .split(',')
                .map(|id| {
                    let id = id.trim();
                    trustcheck::is_account_id(id)
                        .then(|| id.to_owned())
                        .ok_or_else(|| CoverageSettingsError::Excluded(id.to_owned()))
                })
                .collect::<Result<_, _>>()?,
        };
        let Some(hours) = get("SWEEP_WINDOW_HOURS") else {
            return match excluded.is_empty() {
                true => Ok(None),
                false => Err(CoverageSettingsError::ExcludedWithoutWindow),
            };
        };
        let window = hours
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|h| (1..=24 * 7).contains(h))
            .ok_or(CoverageSettingsError::Window(hours))?;
        Ok(Some(CoverageSettings {
            window: Duration::from_secs(window * 3600),
            excluded,
        }))
    }
}

/// An active account of the organization, and when it joined (epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub account: String,
    pub joined: i64,
}

/// The accounts due a sweep that had none: active, not excluded, a member for longer than the
/// window, and no sweep recorded within it. In id order.
pub fn unswept(
    members: &[Member],
    last_swept: &HashMap<String, i64>,
    settings: &CoverageSettings,
    now: i64,
) -> Vec<String> {
    let window = i64::try_from(settings.window.as_secs()).unwrap_or(i64::MAX);
    let since = now.saturating_sub(window);
    let mut due: Vec<String> = members
        .iter()
        .filter(|m| m.joined <= since && !settings.excluded.contains(&m.account))
        .filter(|m| last_swept.get(&m.account).is_none_or(|at| *at < since))
        .map(|m| m.account.clone())
        .collect();
    due.sort_unstable();
    due.dedup();
    due
}

#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("a sweep record of the alerts table is malformed: {0}")]
    Record(String),
}

/// The records and the organization, with the clients of the evaluator's own account.
pub struct Coverage {
    organizations: aws_sdk_organizations::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    settings: CoverageSettings,
    /// One sandbox compares the records with the organization once an hour.
    audited: Hourly,
}

impl Coverage {
    pub fn new(sdk: &aws_config::SdkConfig, table: String, settings: CoverageSettings) -> Coverage {
        Coverage {
            organizations: aws_sdk_organizations::Client::new(sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            table,
            settings,
            audited: Hourly::default(),
        }
    }

    /// After a sweep of `account` finished: records it and, once an hour, logs the accounts
    /// unswept (the line `accounts-unswept` counts). Never fails the sweep, whose evaluations
    /// are written: a record that can't be written leaves the account unswept at the next audit,
    /// and an audit that can't be made counts as one account unswept, so either alarms.
    pub async fn after_sweep(&self, account: &str, now: i64) {
        if let Err(error) = self.record(account, now).await {
            tracing::error!(account = %account, error = %error, "this sweep could not be recorded: the account may be counted unswept");
        }
        if self.audited.due() {
            // Logged, for the alarm: the sweep's own outcome stands either way.
            let _ = self.audit(now).await;
        }
    }

    /// The accounts unswept at `now`, logged with their count (the line `accounts-unswept`
    /// counts). One that can't be told is logged as one account unswept.
    pub async fn audit(&self, now: i64) -> Result<Vec<String>, CoverageError> {
        let unswept = self.unswept_now(now).await;
        match &unswept {
            Ok(accounts) if accounts.is_empty() => {
                tracing::info!(unswept = 0, "organization accounts checked")
            }
            Ok(accounts) => tracing::error!(
                unswept = accounts.len(),
                accounts = %accounts.join(","),
                "organization accounts checked: these active accounts had no sweep within SWEEP_WINDOW_HOURS (their organization rule is missing or failed, or can't invoke the evaluator; or list them in EXCLUDED_ACCOUNTS)"
            ),
            Err(error) => {
                // Counted as one: a check that can't be made must not look like a clean one. The
                // next sweep tries again.
                self.audited.again();
                tracing::error!(unswept = 1, error = %error, "organization accounts checked: they could not be listed or compared, so one is counted unswept")
            }
        }
        unswept
    }

    async fn record(&self, account: &str, now: i64) -> Result<(), AwsError> {
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item("dedup_key", AttributeValue::S(format!("{RECORD_PREFIX}{account}")))
            .item("swept_at", AttributeValue::N(now.to_string()))
            .item(
                "expires_at",
                AttributeValue::N((now + RECORD_DAYS * 86_400).to_string()),
            )
            .send()
            .await
            .map_err(|e| AwsError::new("dynamodb:PutItem", e))?;
        Ok(())
    }

    async fn unswept_now(&self, now: i64) -> Result<Vec<String>, CoverageError> {
        let members = self.members().await?;
        let last_swept = self.last_swept().await?;
        Ok(unswept(&members, &last_swept, &self.settings, now))
    }

    /// The organization's active accounts.
    async fn members(&self) -> Result<Vec<Member>, AwsError> {
        let mut members = Vec::new();
        let mut pages = self.organizations.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::new("organizations:ListAccounts", e))?;
            for account in page.accounts() {
                let active = account
                    .status()
                    .is_some_and(|s| *s == aws_sdk_organizations::types::AccountStatus::Active);
                if let (true, Some(id)) = (active, account.id()) {
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

    /// Each recorded account's last sweep (epoch seconds).
    async fn last_swept(&self) -> Result<HashMap<String, i64>, CoverageError> {
        let mut swept = HashMap::new();
        let mut pages = self
            .dynamodb
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(dedup_key, :prefix)")
            .expression_attribute_values(":prefix", AttributeValue::S(RECORD_PREFIX.to_owned()))
            .projection_expression("dedup_key, swept_at")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::new("dynamodb:Scan", e))?;
            for item in page.items() {
                let key = item.get("dedup_key").and_then(|v| v.as_s().ok()).map(String::as_str);
                let account = key.and_then(|k| k.strip_prefix(RECORD_PREFIX));
                let at = item
                    .get("swept_at")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok());
                let (Some(account), Some(at)) = (account, at) else {
                    return Err(CoverageError::Record(key.unwrap_or("(no key)").to_owned()));
                };
                swept.insert(account.to_owned(), at);
            }
        }
        Ok(swept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn settings(hours: u64, excluded: &[&str]) -> CoverageSettings {
        CoverageSettings {
            window: Duration::from_secs(hours * 3600),
            excluded: excluded.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn member(account: &str, joined: i64) -> Member {
        Member {
            account: account.to_owned(),
            joined,
        }
    }

    #[test]
    fn an_account_is_unswept_when_due_and_not_swept_within_the_window() {
        let now = 1_000 * HOUR;
        let members = [
            member("111111111111", 0),               // swept an hour ago
            member("222222222222", 0),               // swept 27 hours ago
            member("333333333333", 0),               // never swept
            member("444444444444", now - HOUR),      // joined an hour ago: not due yet
            member("555555555555", 0),               // excluded
            member("666666666666", now - 26 * HOUR), // joined exactly a window ago: due
        ];
        let swept = HashMap::from([
            ("111111111111".to_owned(), now - HOUR),
            ("222222222222".to_owned(), now - 27 * HOUR),
        ]);
        assert_eq!(
            unswept(&members, &swept, &settings(26, &["555555555555"]), now),
            ["222222222222", "333333333333", "666666666666"]
        );
        // A sweep exactly a window ago still counts.
        let edge = HashMap::from([("333333333333".to_owned(), now - 26 * HOUR)]);
        assert!(!unswept(&members, &edge, &settings(26, &[]), now).contains(&"333333333333".to_owned()));
        assert!(unswept(&[], &swept, &settings(26, &[]), now).is_empty());
    }

    #[test]
    fn settings_are_read_or_refused_by_name() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
        };
        assert_eq!(CoverageSettings::from_lookup(lookup(&[])), Ok(None));
        assert_eq!(
            CoverageSettings::from_lookup(lookup(&[("SWEEP_WINDOW_HOURS", "26"), ("EXCLUDED_ACCOUNTS", "")])),
            Ok(Some(settings(26, &[])))
        );
        assert_eq!(
            CoverageSettings::from_lookup(lookup(&[
                ("SWEEP_WINDOW_HOURS", "3"),
                ("EXCLUDED_ACCOUNTS", "111122223333, 444455556666")
            ])),
            Ok(Some(settings(3, &["111122223333", "444455556666"])))
        );
        assert_eq!(
            CoverageSettings::from_lookup(lookup(&[("SWEEP_WINDOW_HOURS", "0")])),
            Err(CoverageSettingsError::Window("0".into()))
        );
        assert_eq!(
            CoverageSettings::from_lookup(lookup(&[("SWEEP_WINDOW_HOURS", "daily")])),
            Err(CoverageSettingsError::Window("daily".into()))
        );
        assert_eq!(
            CoverageSettings::from_lookup(lookup(&[("SWEEP_WINDOW_HOURS", "26"), ("EXCLUDED_ACCOUNTS", "12345")])),
            Err(CoverageSettingsError::Excluded("12345".into()))
        );
        assert_eq!(
            CoverageSettings::from_lookup(lookup(&[("EXCLUDED_ACCOUNTS", "111122223333")])),
            Err(CoverageSettingsError::ExcludedWithoutWindow)
        );
    }
}
