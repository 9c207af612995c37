//! The evaluator's side of paging: each evaluated role is reviewed against the alerts ledger, the
//! notifier is handed what changed (an asynchronous invocation), and the ledger records it. The
//! decision itself is `trustcheck_aws::alerts`.

use std::collections::{HashMap, HashSet};

use aws_sdk_lambda::{primitives::Blob, types::InvocationType};
use trustcheck::{Severity, Verdict};
use trustcheck_aws::{
    alerts::{
        dedup_key, digest_key, Action, Alert, Digest, DigestRole, FindingSet, Ledger, LedgerEntry, Notice, Ordering,
        Review, RoleRef, Route, Transition, DIGEST_ROLES_LISTED,
    },
    AwsError, ROLE_RESOURCE_TYPE,
};

/// Individual pages a sweep may send before the rest of its new alerts go into one digest page.
pub const DEFAULT_PAGES_PER_SWEEP: usize = 20;

/// `ALERTS_TABLE`, `NOTIFIER_FUNCTION`, `PAGE_AT`, `PAGES_PER_SWEEP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingSettings {
    pub alerts_table: String,
    pub notifier_function: String,
    pub page_at: Severity,
    pub pages_per_sweep: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("{set} is set but {missing} is not: paging needs both")]
    Half { set: &'static str, missing: &'static str },
    #[error("PAGE_AT is {0:?}: expected LOW, MEDIUM, HIGH or CRITICAL")]
    PageAt(String),
    #[error("PAGES_PER_SWEEP is {0:?}: expected a whole number from 1")]
    PagesPerSweep(String),
}

impl PagingSettings {
    /// `None` when neither the table nor the notifier is set: the rule runs without paging.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<PagingSettings>, SettingsError> {
        let get = |key: &str| get(key).filter(|v| !v.is_empty());
        let (table, notifier) = match (get("ALERTS_TABLE"), get("NOTIFIER_FUNCTION")) {
            (None, None) => return Ok(None),
            (Some(table), Some(notifier)) => (table, notifier),
            (Some(_), None) => {
                return Err(SettingsError::Half {
                    set: "ALERTS_TABLE",
                    missing: "NOTIFIER_FUNCTION",
                })
            }
            (None, Some(_)) => {
                return Err(SettingsError::Half {
                    set: "NOTIFIER_FUNCTION",
                    missing: "ALERTS_TABLE",
                })
            }
        };
        let page_at = match get("PAGE_AT") {
            None => Severity::High,
            Some(text) => Severity::parse(&text).ok_or(SettingsError::PageAt(text))?,
        };
        let pages_per_sweep = match get("PAGES_PER_SWEEP") {
            None => DEFAULT_PAGES_PER_SWEEP,
            Some(text) => text
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(SettingsError::PagesPerSweep(text))?,
        };
        Ok(Some(PagingSettings {
            alerts_table: table,
            notifier_function: notifier,
            page_at,
            pages_per_sweep,
        }))
    }
}

/// Why an alert could not be sent or recorded (the evaluations themselves are written).
#[derive(Debug, thiserror::Error)]
pub enum PagingError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("the notice could not be serialised: {0}")]
    Notice(#[source] serde_json::Error),
}

pub struct Paging {
    ledger: Ledger,
    lambda: aws_sdk_lambda::Client,
    settings: PagingSettings,
}

impl Paging {
    pub fn new(sdk: &aws_config::SdkConfig, settings: PagingSettings) -> Paging {
        Paging {
            ledger: Ledger::new(sdk, &settings.alerts_table),
            lambda: aws_sdk_lambda::Client::new(sdk),
            settings,
        }
    }

    /// One role, evaluated on its own (a configuration change).
    pub async fn review(&self, rule: &str, role: RoleRef, at: &Ordering, verdict: &Verdict) -> Result<(), PagingError> {
        let key = role_key(rule, &role);
        let recorded = self.ledger.get(&key).await?;
        if recorded.as_ref().is_some_and(|r| r.ordering_ms > at.millis) {
            tracing::info!(
                dedup_key = key,
                "a newer evaluation of the role decided its alert already"
            );
            return Ok(());
        }
        let called_for = Alert::for_verdict(verdict, self.settings.page_at);
        let review = Review::new(
            recorded.as_ref().and_then(|r| r.alert.as_ref()),
            called_for,
            recorded.as_ref().map_or(0, |r| r.next_incident),
        );
        if review.record.is_none() {
            // Nothing changed, but this is now the newest word on the role: recorded, so that an
            // older evaluation retried or run after it (a fix retried after a new break, a break
            // run after its fix) can't resolve the alert this one keeps, or open one. A role that
            // never alerted gets a row kept a day: rows kept for every compliant role would swell
            // the table each sweep scans.
            return match recorded {
                // A role that never had an incident: its row stays a day only.
                Some(entry) if entry.alert.is_none() && entry.next_incident == 0 => {
                    self.ledger
                        .record_word(&LedgerEntry {
                            ordering_ms: at.millis,
                            role,
                            ..entry
                        })
                        .await?;
                    Ok(())
                }
                Some(entry) => self.record(key, role, at, entry.alert, entry.next_incident).await,
                None => {
                    let entry = LedgerEntry {
                        dedup_key: key,
                        role,
                        alert: None,
                        ordering_ms: at.millis,
                        next_incident: 0,
                    };
                    self.ledger.record_word(&entry).await?;
                    Ok(())
                }
            };
        }
        self.apply(key, rule, role, at, verdict, review).await
    }

    /// Sends the steps, then records the alert: a failure in between sends them again on the
    /// retry (same dedup key: harmless), never loses them.
    async fn apply(
        &self,
        key: String,
        rule: &str,
        role: RoleRef,
        at: &Ordering,
        verdict: &Verdict,
        review: Review,
    ) -> Result<(), PagingError> {
        if !review.steps.is_empty() {
            let steps: Vec<&str> = review.steps.iter().map(|s| s.action.as_str()).collect();
            tracing::info!(dedup_key = key, ?steps, "alert changed; notifying");
            let transition = Transition::new(key.clone(), rule, role.clone(), at.clone(), verdict, review.steps);
            self.notify(&Notice::Transition(transition)).await?;
        }
        match review.record {
            Some(alert) => self.record(key, role, at, alert, review.next_incident).await,
            None => Ok(()),
        }
    }

    /// Writes the role's alert (`None`: resolved) and incident count to the ledger, unless a
    /// newer evaluation did.
    async fn record(
        &self,
        key: String,
        role: RoleRef,
        at: &Ordering,
        alert: Option<Alert>,
        next_incident: u32,
    ) -> Result<(), PagingError> {
        let entry = LedgerEntry {
            dedup_key: key,
            role,
            alert,
            ordering_ms: at.millis,
            next_incident,
        };
        if !self.ledger.record(&entry).await? {
            tracing::info!(
                dedup_key = entry.dedup_key,
                "a newer evaluation recorded first; its word stands"
            );
        }
        Ok(())
    }

    /// Hands a notice to the notifier: an asynchronous invocation, which Lambda retries and
    /// sends to the notifier's failure destination if it can't be delivered.
    async fn notify(&self, notice: &Notice) -> Result<(), PagingError> {
        let payload = serde_json::to_vec(notice).map_err(PagingError::Notice)?;
        self.lambda
            .invoke()
            .function_name(&self.settings.notifier_function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| AwsError::new("lambda:Invoke (notifier)", e))?;
        Ok(())
    }
}

fn role_key(rule: &str, role: &RoleRef) -> String {
    dedup_key(&role.account, &role.region, rule, ROLE_RESOURCE_TYPE, &role.id)
}

/// An alert over the sweep's page budget, waiting for its digest to be sent before it is recorded.
struct Digested {
    key: String,
    role: RoleRef,
    /// As the ledger will hold it (announced by the digest).
    alert: Alert,
    /// The findings that made it news on an incident kept open.
    new: FindingSet,
    next_incident: u32,
    /// The `ordering_ms` of the row it was decided on (`None`: no row): recorded only if the row
    /// is still that one when the digest has gone, minutes later maybe.
    read: Option<i64>,
}

/// One part of a sweep: the open alerts read once, the sweep's page budget, and the digest of
/// what went over it. A failure is kept and the sweep goes on; the part fails at the end (a part
/// that handed on passes it to the last part, which fails for it).
pub struct SweepPaging<'a> {
    paging: &'a Paging,
    rule: &'a str,
    at: Ordering,
    /// Every row of the ledger, read once when the part starts.
    open: HashMap<String, LedgerEntry>,
    /// Individual triggers sent by this sweep, its earlier parts included.
    pub spent: Spent,
    /// The new alerts over the budget: listed in the digest, recorded once it is sent.
    digest: Vec<Digested>,
    pub failed: Option<PagingError>,
}

/// The triggers a sweep has sent one by one, its earlier parts included, per route: each route
/// has `PAGES_PER_SWEEP` before the rest go into its digest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub paged: usize,
    pub notified: usize,
}

impl Spent {
    /// What the parts before this one spent.
    pub fn before(sweep: Option<&trustcheck_aws::SweepContinuation>) -> Spent {
        sweep.map_or_else(Spent::default, |c| Spent {
            paged: c.paged,
            notified: c.notified,
        })
    }
}

impl<'a> SweepPaging<'a> {
    pub async fn start(paging: &'a Paging, rule: &'a str, at: Ordering, spent: Spent) -> Result<Self, PagingError> {
        Ok(SweepPaging {
            open: paging.ledger.rows().await?,
            paging,
            rule,
            at,
            spent,
            digest: Vec::new(),
            failed: None,
        })
    }

    pub async fn review(&mut self, role: RoleRef, verdict: &Verdict) {
        let key = role_key(self.rule, &role);
        let called_for = Alert::for_verdict(verdict, self.paging.settings.page_at);
        let review_of = |row: Option<&LedgerEntry>| {
            Review::new(
                row.and_then(|r| r.alert.as_ref()),
                called_for,
                row.map_or(0, |r| r.next_incident),
            )
        };
        let mut row = self.open.remove(&key);
        let changes = |review: &Review| !review.steps.is_empty() || review.record.is_some();
        if !changes(&review_of(row.as_ref())) {
            return;
        }
        // Something changes: decided again on the row as it is now, not as the part read it (a
        // change event may have opened a new incident since, which a stale row would overwrite).
        match self.paging.ledger.get(&key).await {
            Ok(now) => row = now,
            Err(error) => return self.keep(Err(error.into())),
        }
        if row.as_ref().is_some_and(|o| o.ordering_ms > self.at.millis) {
            return; // changed during the sweep: its change event decided
        }
        let open_alert = row.as_ref().and_then(|o| o.alert.as_ref());
        let escalation = open_alert
            .zip(called_for.as_ref())
            .is_some_and(|(old, new)| old.route == new.route && !old.digest && new.severity > old.severity);
        let mut review = review_of(row.as_ref());
        if let Some(route) = review.trigger_route() {
            // Each route has its own budget: notifications never use up the pages.
            let spent = match route {
                Route::Page => &mut self.spent.paged,
                Route::Notify => &mut self.spent.notified,
            };
            // An escalation of the role's own open incident pages whatever the budget: it is news
            // about a page someone is already on, and digested it would resolve that incident. (A
            // new finding on it over the budget keeps the incident and goes into the digest.)
            if *spent < self.paging.settings.pages_per_sweep || escalation {
                *spent = spent.saturating_add(1);
            } else {
                let new = review
                    .steps
                    .iter()
                    .find(|s| s.action == Action::Trigger)
                    .map(|s| s.new)
                    .unwrap_or_default();
                review = review.into_digest(open_alert);
                // The alert is recorded only once the digest that announces it is sent
                // (`finish`): recorded first, a digest that never left would leave it looking
                // announced, and the next sweep would send nothing. The resolves go now, and the
                // row says so now: a change event meanwhile must decide on the incident closed,
                // not on one the row still shows open (a break back would page nobody).
                if let Some(Some(alert)) = review.record.take() {
                    let resolves = !review.steps.is_empty();
                    if resolves {
                        review.record = Some(None);
                    }
                    self.digest.push(Digested {
                        key: key.clone(),
                        role: role.clone(),
                        alert,
                        new,
                        next_incident: review.next_incident,
                        read: match resolves {
                            true => Some(self.at.millis),
                            false => row.as_ref().map(|r| r.ordering_ms),
                        },
                    });
                }
            }
        }
        let result = self.paging.apply(key, self.rule, role, &self.at, verdict, review).await;
        self.keep(result);
    }

    /// A role that no longer exists: its open alert, if any, resolves.
    pub async fn gone(&mut self, account: &str, region: &str, role_id: &str) {
        let key = dedup_key(account, region, self.rule, ROLE_RESOURCE_TYPE, role_id);
        let Some(open) = self.open.get(&key).cloned() else {
            return;
        };
        let verdict = Verdict::not_applicable("The role no longer exists");
        let role = open.role.clone();
        self.review(role, &verdict).await;
    }

    /// Every role of this rule, account and region still alerting in the ledger but not among
    /// `seen` (every role of the account): gone, so its alerts resolve. Not one changed during
    /// the sweep ([`Self::review`] leaves those to their change events).
    pub async fn gone_unseen(&mut self, account: &str, region: &str, seen: &HashSet<String>) {
        let gone: Vec<String> = self
            .open
            .iter()
            .filter(|(key, entry)| {
                entry.alert.is_some()
                    && !seen.contains(&entry.role.id)
                    && **key == dedup_key(account, region, self.rule, ROLE_RESOURCE_TYPE, &entry.role.id)
            })
            .map(|(_, entry)| entry.role.id.clone())
            .collect();
        for role_id in gone {
            tracing::info!(%role_id, "still alerting, and the role no longer exists");
            self.gone(account, region, &role_id).await;
        }
    }

    /// Sends the digest pages (one per route) of the roles that went over the budget in this part,
    /// and then records their alerts. A digest that can't be sent leaves its alerts unrecorded:
    /// the sweep fails, and a retry of this part or the next sweep announces them again (a retry of
    /// a later part doesn't resend an earlier part's digest; unrecorded alerts
    /// are new alerts).
    pub async fn finish(
        mut self,
        account: &str,
        region: &str,
        sweep_time: &str,
        part: u32,
    ) -> (Spent, Option<PagingError>) {
        let mut waiting = std::mem::take(&mut self.digest);
        for route in [Route::Page, Route::Notify] {
            let (covered, rest): (Vec<Digested>, Vec<Digested>) =
                waiting.into_iter().partition(|d| d.alert.route == route);
            waiting = rest;
            if covered.is_empty() {
                continue;
            }
            let mut roles: Vec<DigestRole> = covered
                .iter()
                .map(|d| DigestRole {
                    name: d.role.name.clone(),
                    id: d.role.id.clone(),
                    arn: d.role.arn.clone(),
                    severity: d.alert.severity,
                    finding: d.alert.finding,
                    new: d.new,
                })
                .collect();
            roles.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.name.cmp(&b.name)));
            let mut by_finding: Vec<(Option<trustcheck::FindingId>, usize)> = Vec::new();
            for role in &roles {
                match by_finding.iter_mut().find(|(id, _)| *id == role.finding) {
                    Some((_, n)) => *n += 1,
                    None => by_finding.push((role.finding, 1)),
                }
            }
            let digest = Digest {
                dedup_key: digest_key(account, region, self.rule, sweep_time, part, route),
                route,
                rule: self.rule.to_owned(),
                account: account.to_owned(),
                region: region.to_owned(),
                evaluated_at: self.at.text.clone(),
                ordering_ms: self.at.millis,
                count: roles.len(),
                roles: roles.into_iter().take(DIGEST_ROLES_LISTED).collect(),
                by_finding,
            };
            tracing::info!(
                roles = digest.count,
                route = route.as_str(),
                "over the sweep's page budget; one digest page names them"
            );
            if let Err(error) = self.paging.notify(&Notice::Digest(digest)).await {
                tracing::error!(%error, roles = covered.len(), "the digest could not be sent; its alerts stay unrecorded");
                self.failed.get_or_insert(error);
                continue;
            }
            for d in covered {
                let entry = LedgerEntry {
                    dedup_key: d.key,
                    role: d.role,
                    alert: Some(d.alert),
                    ordering_ms: self.at.millis,
                    next_incident: d.next_incident,
                };
                let result = match self.paging.ledger.record_if_unchanged(&entry, d.read).await {
                    Ok(true) => Ok(()),
                    Ok(false) => {
                        // A change event decided the role since: its word stands.
                        tracing::info!(
                            dedup_key = entry.dedup_key,
                            "the role's row changed since the sweep decided; not recorded"
                        );
                        Ok(())
                    }
                    Err(error) => Err(PagingError::from(error)),
                };
                self.keep(result);
            }
        }
        (self.spent, self.failed)
    }

    fn keep(&mut self, result: Result<(), PagingError>) {
        if let Err(error) = result {
            tracing::error!(%error, "paging failed; the sweep goes on and fails at its end");
            self.failed.get_or_insert(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Option<PagingSettings>, SettingsError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        PagingSettings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn paging_needs_the_table_and_the_notifier() {
        assert_eq!(settings(&[]), Ok(None));
        let on = settings(&[("ALERTS_TABLE", "t"), ("NOTIFIER_FUNCTION", "n")])
            .unwrap()
            .unwrap();
        assert_eq!(
            (on.page_at, on.pages_per_sweep),
            (Severity::High, DEFAULT_PAGES_PER_SWEEP)
        );
        assert_eq!(
            settings(&[("ALERTS_TABLE", "t")]),
            Err(SettingsError::Half {
                set: "ALERTS_TABLE",
                missing: "NOTIFIER_FUNCTION"
            })
        );
        let both = [("ALERTS_TABLE", "t"), ("NOTIFIER_FUNCTION", "n")];
        let with = |extra: (&'static str, &'static str)| {
            let mut pairs = both.to_vec();
            pairs.push(extra);
            settings(&pairs)
        };
        assert_eq!(with(("PAGE_AT", "severe")), Err(SettingsError::PageAt("severe".into())));
        assert_eq!(
            with(("PAGES_PER_SWEEP", "0")),
            Err(SettingsError::PagesPerSweep("0".into()))
        );
        assert_eq!(with(("PAGES_PER_SWEEP", "5")).unwrap().unwrap().pages_per_sweep, 5);
    }
}
