//! The evaluator's side of paging: each evaluated role is reviewed against the alerts ledger, the
//! notifier is handed what changed (an asynchronous invocation), and the ledger records it. The
//! decision itself is `trustcheck_aws::alerts`.

use std::collections::{HashMap, HashSet};

use aws_sdk_lambda::{primitives::Blob, types::InvocationType};
use trustcheck::{Severity, Verdict};
use trustcheck_aws::{
    alerts::{
        dedup_key, digest_key, now_ms, Action, Alert, Digest, DigestRole, FindingSet, Judged, Ledger, LedgerEntry,
        Notice, Ordering, Review, RoleRef, Route, RowVersion, Transition, DIGEST_ROLES_LISTED,
    },
    AwsError, ROLE_RESOURCE_TYPE,
};

/// Individual pages a sweep may send before the rest of its new alerts go into one digest page.
pub const DEFAULT_PAGES_PER_SWEEP: usize = 20;

/// How many times an evaluation decides a role again when other evaluations of it keep writing
/// its row first, before it fails (and is retried).
const DECISION_ATTEMPTS: usize = 5;

/// How long an evaluation waits for the notice another evaluation left pending in a role's row
/// to be sent (normally within a second: an invocation and an update) before it sends it itself.
const PENDING_GRACE: std::time::Duration = std::time::Duration::from_secs(3);
/// How often it looks.
const PENDING_POLL: std::time::Duration = std::time::Duration::from_millis(250);

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
    #[error("paging is not set up: ALERTS_TABLE and NOTIFIER_FUNCTION are unset; set both, or PAGING=off to run the rule without pages")]
    Unset,
    #[error("PAGING is {0:?}: the one value it takes is \"off\" (the rule runs without pages)")]
    Paging(String),
    #[error("PAGING is \"off\" while ALERTS_TABLE or NOTIFIER_FUNCTION is set: say one or the other")]
    OffButSet,
    #[error("PAGE_AT is {0:?}: expected LOW, MEDIUM, HIGH or CRITICAL")]
    PageAt(String),
    #[error("PAGES_PER_SWEEP is {0:?}: expected a whole number from 1")]
    PagesPerSweep(String),
}

impl PagingSettings {
    /// `None` when paging is turned off (`PAGING=off`, and neither the table nor the notifier
    /// set): the rule runs without pages. Off only when said so: a deployment that lost its
    /// settings must not stop paging without a word.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<PagingSettings>, SettingsError> {
        let get = |key: &str| get(key).filter(|v| !v.is_empty());
        let off = match get("PAGING") {
            None => false,
            Some(text) if text == "off" => true,
            Some(text) => return Err(SettingsError::Paging(text)),
        };
        let (table, notifier) = match (get("ALERTS_TABLE"), get("NOTIFIER_FUNCTION")) {
            (None, None) if off => return Ok(None),
            (None, None) => return Err(SettingsError::Unset),
            _ if off => return Err(SettingsError::OffButSet),
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
    #[error("the alert of {dedup_key} was decided {DECISION_ATTEMPTS} times, and each time another evaluation of the role wrote its row first")]
    Contended { dedup_key: String },
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

    /// [`Paging::review`] for an evaluation Config did not take (its write failed, or its token
    /// was not Config's): only a page where none is open goes out now, an escalation of an open
    /// page to a higher severity when the write failed ([`held_back`]), and a page's notice an
    /// earlier evaluation recorded and could not send. Anything else (a resolve, a move down to
    /// a notice, even the record of a decision that changes nothing, which would hold off the
    /// role's next evaluations) waits for a result Config takes: Lambda's retry, or the next
    /// sweep.
    pub async fn review_unwritten(
        &self,
        rule: &str,
        role: RoleRef,
        at: &Ordering,
        verdict: &Verdict,
        judged: Judged,
        refused: bool,
    ) -> Result<(), PagingError> {
        if !on_page(Alert::for_verdict(verdict, self.settings.page_at).as_ref()) {
            return Ok(());
        }
        let read = self.ledger.row_to_decide_on(&role_key(rule, &role)).await?;
        let taken = if refused { Taken::Refused } else { Taken::Failed };
        self.decide_on(rule, role, at, (verdict, judged), read, taken).await
    }

    /// One role, evaluated on its own (a configuration change).
    pub async fn review(
        &self,
        rule: &str,
        role: RoleRef,
        at: &Ordering,
        verdict: &Verdict,
        judged: Judged,
    ) -> Result<(), PagingError> {
        let read = self.ledger.row_to_decide_on(&role_key(rule, &role)).await?;
        self.decide_on(rule, role, at, (verdict, judged), read, Taken::Yes)
            .await
    }

    /// [`Paging::review`] of an evaluation judged wholly, on the role's row as already read
    /// (`None`: there is none). The
    /// decision is recorded only on that row: when another evaluation wrote it first, it is read
    /// and decided again. Even a decision that changes nothing is recorded, as the newest word on
    /// the role: an older evaluation retried or run after it (a fix retried after a new break, a
    /// break run after its fix) then can't resolve the alert this one keeps, or open one.
    pub async fn review_on(
        &self,
        rule: &str,
        role: RoleRef,
        at: &Ordering,
        verdict: &Verdict,
        read: Option<LedgerEntry>,
    ) -> Result<(), PagingError> {
        self.decide_on(rule, role, at, (verdict, Judged::Wholly), read, Taken::Yes)
            .await
    }

    /// [`Paging::review_on`] for a result Config took or not ([`Taken`]).
    async fn decide_on(
        &self,
        rule: &str,
        role: RoleRef,
        at: &Ordering,
        (verdict, judged): (&Verdict, Judged),
        mut read: Option<LedgerEntry>,
        taken: Taken,
    ) -> Result<(), PagingError> {
        let key = role_key(rule, &role);
        let called_for = Alert::for_verdict(verdict, self.settings.page_at);
        for _ in 0..DECISION_ATTEMPTS {
            read = self.settled(&key, read, at).await?;
            if read.as_ref().is_some_and(|r| r.decided_after(at.millis)) {
                tracing::info!(
                    dedup_key = key,
                    "a newer evaluation of the role decided its alert already"
                );
                return Ok(());
            }
            if let Some(row) = read.as_mut() {
                if self.send_pending(&key, row).await? == Resent::Taken {
                    read = self.ledger.row_to_decide_on(&key).await?;
                    continue;
                }
            }
            let open = read.as_ref().and_then(|r| r.alert.as_ref());
            let review =
                Review::new(open, called_for, read.as_ref().map_or(0, |r| r.next_incident)).judged(judged, open);
            // On any reading of the row (a page may have opened since the last): what was left
            // pending on it is sent, above (this event's first attempt may have recorded it and
            // failed to hand it on).
            if held_back(taken, read.as_ref().and_then(|r| r.alert.as_ref()), &review) {
                return Ok(());
            }
            let about = About {
                key: &key,
                rule,
                role: &role,
                at,
                recorded_ms: recorded_at(at, taken, read.as_ref()),
                taken,
            };
            match self.write(&about, verdict, review, read.as_ref()).await? {
                Some(written) => return self.send(&key, written).await,
                None => read = self.ledger.row_to_decide_on(&key).await?,
            }
        }
        Err(PagingError::Contended { dedup_key: key })
    }

    /// Records what `review` decided on the row `read`, with the notice of its steps as pending:
    /// an evaluation that fails before the notice is handed to the notifier ([`Paging::send`])
    /// leaves it in the row for its retry or the role's next evaluation to send. `None` when the
    /// row is no longer the one read: nothing is recorded, and the role is to be decided again.
    async fn write(
        &self,
        about: &About<'_>,
        verdict: &Verdict,
        review: Review,
        read: Option<&LedgerEntry>,
    ) -> Result<Option<Written>, PagingError> {
        let triggers = review.trigger_route().is_some();
        let notice = (!review.steps.is_empty()).then(|| {
            Transition::new(
                about.key.to_owned(),
                about.rule,
                about.role.clone(),
                about.at.clone(),
                verdict,
                review.steps,
            )
        });
        // An alert a refused result opens is what an event Config never sent claims: the role's
        // next result Config takes pages anew what still fails, and resolves it.
        let recorded = review.record.map(|alert| {
            alert.map(|alert| Alert {
                unconfirmed: about.taken == Taken::Refused,
                ..alert
            })
        });
        let entry = LedgerEntry {
            dedup_key: about.key.to_owned(),
            role: about.role.clone(),
            alert: recorded.unwrap_or_else(|| read.and_then(|r| r.alert)),
            ordering_ms: about.recorded_ms,
            next_incident: review.next_incident,
            writes: 0, // counted by the ledger
            pending: notice,
            pending_since_ms: 0, // set by the ledger
            // The evaluation's own time even where Config refused it (recorded earlier): a
            // retry of that sweep counts the pages it sent against its budget too.
            triggered_ms: match triggers {
                true => about.at.millis,
                false => read.map_or(0, |r| r.triggered_ms),
            },
        };
        let version = read.map(LedgerEntry::version);
        // A role that never had an incident keeps its row a day only: rows kept a year for every
        // compliant role would swell the table each sweep scans.
        let written = if entry.alert.is_none() && entry.next_incident == 0 {
            self.ledger.record_word(&entry, version).await?
        } else {
            self.ledger.record(&entry, version).await?
        };
        if written.is_none() {
            tracing::info!(
                dedup_key = about.key,
                "another evaluation wrote the role's row first; deciding again"
            );
        }
        Ok(written.map(|version| Written {
            version,
            notice: entry.pending,
        }))
    }

    /// Hands a recorded notice to the notifier, then clears it from the row.
    async fn send(&self, key: &str, written: Written) -> Result<(), PagingError> {
        let Some(notice) = written.notice else {
            return Ok(());
        };
        let actions: Vec<&str> = notice.steps.iter().map(|s| s.action.as_str()).collect();
        tracing::info!(dedup_key = key, steps = ?actions, "alert changed; notifying");
        self.notify(&Notice::Transition(notice)).await?;
        self.ledger.clear_pending(key, written.version).await?;
        Ok(())
    }

    /// Sends the notice an earlier evaluation recorded in `row` but did not get to send (it
    /// failed in between), as that evaluation decided it, once this evaluation has taken it
    /// (two readers of it would send it twice).
    async fn send_pending(&self, key: &str, row: &mut LedgerEntry) -> Result<Resent, PagingError> {
        let Some(notice) = row.pending.take() else {
            return Ok(Resent::Nothing);
        };
        if !self
            .ledger
            .claim_pending(key, row.version(), row.pending_since_ms)
            .await?
        {
            return Ok(Resent::Taken);
        }
        tracing::warn!(
            dedup_key = key,
            "a notice an earlier evaluation recorded was not sent; sending it"
        );
        let trigger = notice
            .steps
            .iter()
            .find(|s| s.action == Action::Trigger)
            .map(|s| s.route);
        let written = Written {
            version: row.version(),
            notice: Some(notice),
        };
        self.send(key, written).await?;
        Ok(Resent::Sent { trigger })
    }

    /// The role's row once a notice recorded in it a moment ago (less than [`PENDING_GRACE`])
    /// has had time to go: its writer is most likely sending it as this reads it, and sent twice
    /// it would notify the notify route twice. A notice recorded longer ago was left by an
    /// evaluation that failed (a retry of it comes a minute later at the soonest), and the
    /// caller sends it without waiting. A newer evaluation's is left to it.
    async fn settled(
        &self,
        key: &str,
        mut row: Option<LedgerEntry>,
        at: &Ordering,
    ) -> Result<Option<LedgerEntry>, PagingError> {
        let grace = i64::try_from(PENDING_GRACE.as_millis()).unwrap_or(i64::MAX);
        let being_sent = |row: &Option<LedgerEntry>| {
            row.as_ref().is_some_and(|r| {
                r.pending.is_some()
                    && !r.decided_after(at.millis)
                    && now_ms().saturating_sub(r.pending_since_ms) < grace
            })
        };
        // Bounded here too: a time in the future (a writer's clock ahead) is not waited out.
        let started = std::time::Instant::now();
        while being_sent(&row) && started.elapsed() < PENDING_GRACE {
            tokio::time::sleep(PENDING_POLL).await;
            row = self.ledger.row_to_decide_on(key).await?;
        }
        Ok(row)
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

/// What came of a notice found pending in a role's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resent {
    /// None was pending.
    Nothing,
    /// Sent, with the route of its trigger, if it has one (a sweep counts it).
    Sent { trigger: Option<Route> },
    /// Another evaluation took it to send it: the row is to be read again.
    Taken,
}

/// What a decision recorded: the row's version, and the notice it left pending (none when it
/// sends nothing).
struct Written {
    version: RowVersion,
    notice: Option<Transition>,
}

/// The role an evaluation is about and when it was made: what the steps it sends carry.
struct About<'a> {
    key: &'a str,
    rule: &'a str,
    role: &'a RoleRef,
    at: &'a Ordering,
    /// The time the role's row records ([`recorded_at`]).
    recorded_ms: i64,
    taken: Taken,
}

/// What became of an evaluation's result in Config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Yes,
    /// The write failed (throttled, an outage): a real result, which Lambda's retry or the next
    /// sweep writes.
    Failed,
    /// Config refused its token: an event Config never sent (forged, a direct invoke).
    Refused,
}

/// When a decision is recorded as made: at its evaluation's time, unless Config refused its
/// token. A forged event's is recorded no later than the row already says (none: the start of
/// time): dated "now", it would hold off the role's real evaluations made before now (a break to
/// CRITICAL captured a second earlier would page nobody). A real one whose write failed keeps its
/// own time, so that an older evaluation written after it (a fix retried after a new break) can't
/// resolve what it opened.
fn recorded_at(at: &Ordering, taken: Taken, row: Option<&LedgerEntry>) -> i64 {
    match taken {
        Taken::Yes | Taken::Failed => at.millis,
        Taken::Refused => row.map_or(0, |r| r.ordering_ms).min(at.millis),
    }
}

/// Whether a result Config did not take is kept off the role's open page: all of it is (a
/// resolve, a move down to a notice or to a lower severity, a new finding as severe, even a record
/// that changes nothing) but an escalation. A write that failed (throttled, an outage) most likely
/// carries a real evaluation: a role paged for a broken Lambda trust and now public pages now, not
/// at the next sweep's successful write a day later. Its token was not confirmed, though (a flood
/// of forged events can keep the writes throttled), so it may only page worse than the open page,
/// never replace it with one as severe or milder: the role stays paged more loudly whatever it
/// said. A result whose token Config refused (an event it never sent) never touches an open page.
fn held_back(taken: Taken, open: Option<&Alert>, review: &Review) -> bool {
    let escalates = || {
        review.steps.iter().any(|step| {
            step.action == Action::Trigger
                && step.route == Route::Page
                && open.is_none_or(|old| step.severity > old.severity)
        })
    };
    match taken {
        Taken::Yes => false,
        // An unconfirmed alert's page may never have been sent: a page the role still calls for
        // goes out (a result that would only resolve it waits, as for any open page).
        Taken::Failed => {
            let repages = open.is_some_and(|alert| alert.unconfirmed) && review.trigger_route() == Some(Route::Page);
            on_page(open) && !escalates() && !repages
        }
        Taken::Refused => on_page(open),
    }
}

/// Whether a review sends or records anything.
fn changes(review: &Review) -> bool {
    !review.steps.is_empty() || review.record.is_some()
}

/// An alert on the page route: what a result Config did not take may open, and must leave alone.
fn on_page(alert: Option<&Alert>) -> bool {
    alert.is_some_and(|alert| alert.route == Route::Page)
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
    /// The version of the row it was decided on (`None`: no row), or of the row that recorded
    /// its resolves: recorded only if the row is still that one when the digest has gone,
    /// minutes later maybe.
    read: Option<RowVersion>,
    /// When it is recorded as decided ([`recorded_at`]): a sweep whose results Config refused
    /// must not hold off the role's real evaluations, digested or not.
    recorded_ms: i64,
    /// When the row's incident was last triggered, kept: a digest triggers none of its own.
    triggered_ms: i64,
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
    fn of(&self, route: Route) -> usize {
        match route {
            Route::Page => self.paged,
            Route::Notify => self.notified,
        }
    }

    fn add(&mut self, route: Route) {
        let spent = match route {
            Route::Page => &mut self.paged,
            Route::Notify => &mut self.notified,
        };
        *spent = spent.saturating_add(1);
    }

    /// What the parts before this one spent.
    pub fn before(sweep: Option<&trustcheck_aws::SweepContinuation>) -> Spent {
        sweep.map_or_else(Spent::default, |c| Spent {
            paged: c.paged,
            notified: c.notified,
        })
    }
}

impl<'a> SweepPaging<'a> {
    /// The paging of a sweep of `rule` in `account` and `region`, with the rows of its roles.
    pub async fn start(
        paging: &'a Paging,
        (account, region, rule): (&str, &str, &'a str),
        at: Ordering,
        spent: Spent,
    ) -> Result<Self, PagingError> {
        let open = paging.ledger.rows_of(account, region, rule).await?;
        // What this sweep paged already, at its own time: the continuation counts what earlier
        // parts spent, but not what a failed attempt of this part spent before Lambda retried it
        // (its pages stand unchanged in the ledger, and would no longer be counted). Only the
        // triggers: a row re-recorded without a page (a finding no news) spent nothing.
        let mut recorded = Spent::default();
        for row in open.values() {
            if row.triggered_ms == at.millis && row.dedup_key == role_key(rule, &row.role) {
                if let Some(alert) = row.alert.as_ref().filter(|alert| !alert.digest) {
                    recorded.add(alert.route);
                }
            }
        }
        Ok(SweepPaging {
            open,
            paging,
            rule,
            at,
            spent: Spent {
                paged: spent.paged.max(recorded.paged),
                notified: spent.notified.max(recorded.notified),
            },
            digest: Vec::new(),
            failed: None,
        })
    }

    /// One role of the sweep, whose result Config took (`taken`) or not: then, as
    /// [`Paging::review_unwritten`] says, only a page where none is open goes out now.
    pub async fn review(&mut self, role: RoleRef, verdict: &Verdict, judged: Judged, taken: Taken) {
        let key = role_key(self.rule, &role);
        let called_for = Alert::for_verdict(verdict, self.paging.settings.page_at);
        if taken != Taken::Yes && !on_page(called_for.as_ref()) {
            // Left in `open`: a notice an earlier evaluation left pending there is still sent.
            return;
        }
        let row = self.open.remove(&key);
        let review = self.review_of(row.as_ref(), called_for, judged);
        if !changes(&review) && row.as_ref().is_none_or(|r| r.pending.is_none()) {
            return;
        }
        let result = self.decide(&key, role, verdict, judged, called_for, taken).await;
        self.keep(result);
    }

    fn review_of(&self, row: Option<&LedgerEntry>, called_for: Option<Alert>, judged: Judged) -> Review {
        let open = row.and_then(|r| r.alert.as_ref());
        Review::new(open, called_for, row.map_or(0, |r| r.next_incident)).judged(judged, open)
    }

    /// Decides a role that changes on its row as it is now, not as the part read it (a change
    /// event may have opened a new incident since, which a stale row would overwrite), and again
    /// whenever another evaluation writes the row first.
    async fn decide(
        &mut self,
        key: &str,
        role: RoleRef,
        verdict: &Verdict,
        judged: Judged,
        called_for: Option<Alert>,
        taken: Taken,
    ) -> Result<(), PagingError> {
        for _ in 0..DECISION_ATTEMPTS {
            let row = self.paging.ledger.row_to_decide_on(key).await?;
            let mut row = self.paging.settled(key, row, &self.at).await?;
            if row.as_ref().is_some_and(|o| o.decided_after(self.at.millis)) {
                return Ok(()); // changed during the sweep: its change event decided
            }
            if let Some(row) = row.as_mut() {
                // A trigger sent now counts against the budget like one decided now: a part
                // retried after its sends failed must not page its roles past it. Not one this
                // sweep triggered itself, which `start` counted already.
                let counted = row.triggered_ms == self.at.millis;
                match self.paging.send_pending(key, row).await? {
                    Resent::Sent { trigger: Some(route) } if !counted => self.spent.add(route),
                    Resent::Taken => continue,
                    Resent::Sent { .. } | Resent::Nothing => {}
                }
            }
            let mut review = self.review_of(row.as_ref(), called_for, judged);
            // What was left pending on the row is sent, above.
            if held_back(taken, row.as_ref().and_then(|r| r.alert.as_ref()), &review) || !changes(&review) {
                return Ok(());
            }
            let open_alert = row.as_ref().and_then(|o| o.alert.as_ref());
            // An escalation of the role's own open incident pages whatever the budget: it is news
            // about a page someone is already on, and digested it would resolve that incident. (A
            // new finding on it over the budget keeps the incident and goes into the digest.)
            let escalation = open_alert
                .zip(called_for.as_ref())
                .is_some_and(|(old, new)| old.route == new.route && !old.digest && new.severity > old.severity);
            // Each route has its own budget: notifications never use up the pages.
            let within_budget = |route| self.spent.of(route) < self.paging.settings.pages_per_sweep || escalation;
            let paid = review.trigger_route().filter(|route| within_budget(*route));
            let mut held = None;
            if review.trigger_route().is_some() && paid.is_none() {
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
                    held = Some(Digested {
                        key: key.to_owned(),
                        role: role.clone(),
                        // As a refused result's own page would be ([`Paging::write`]).
                        alert: Alert {
                            unconfirmed: taken == Taken::Refused,
                            ..alert
                        },
                        new,
                        next_incident: review.next_incident,
                        // The row the resolves are recorded in, once written (below).
                        read: row.as_ref().map(LedgerEntry::version),
                        recorded_ms: recorded_at(&self.at, taken, row.as_ref()),
                        triggered_ms: row.as_ref().map_or(0, |r| r.triggered_ms),
                    });
                }
                if !changes(&review) {
                    self.digest.extend(held);
                    return Ok(());
                }
            }
            let about = About {
                key,
                rule: self.rule,
                role: &role,
                at: &self.at,
                recorded_ms: recorded_at(&self.at, taken, row.as_ref()),
                taken,
            };
            let Some(written) = self.paging.write(&about, verdict, review, row.as_ref()).await? else {
                continue;
            };
            // Counted once recorded, sent or not: a part whose sends fail must not page past it.
            if let Some(route) = paid {
                self.spent.add(route);
            }
            let version = written.version;
            self.paging.send(key, written).await?;
            // Held only once its resolves are sent: `finish` records the digest's alert over the
            // row, which would otherwise drop a resolve still pending in it.
            self.digest.extend(held.map(|held| Digested {
                read: Some(version),
                ..held
            }));
            return Ok(());
        }
        Err(PagingError::Contended {
            dedup_key: key.to_owned(),
        })
    }

    /// A role that no longer exists: its open alert, if any, resolves. Whether Config took its
    /// NOT_APPLICABLE or not: the sweep read IAM's own list of roles, which no event can forge.
    pub async fn gone(&mut self, account: &str, region: &str, role_id: &str) {
        let key = dedup_key(account, region, self.rule, ROLE_RESOURCE_TYPE, role_id);
        let Some(open) = self.open.get(&key).cloned() else {
            return;
        };
        let verdict = Verdict::not_applicable("The role no longer exists");
        let role = open.role.clone();
        self.review(role, &verdict, Judged::Wholly, Taken::Yes).await;
    }

    /// Every role of this rule, account and region still alerting in the ledger (or with steps
    /// an evaluation recorded but could not send) but not among `seen` (every role of the
    /// account): gone, so its alerts resolve. Not one changed during
    /// the sweep ([`Self::review`] leaves those to their change events).
    pub async fn gone_unseen(&mut self, account: &str, region: &str, seen: &HashSet<String>) {
        let gone: Vec<String> = self
            .open
            .iter()
            .filter(|(key, entry)| {
                (entry.alert.is_some() || entry.pending.is_some())
                    && !seen.contains(&entry.role.id)
                    && **key == dedup_key(account, region, self.rule, ROLE_RESOURCE_TYPE, &entry.role.id)
            })
            .map(|(_, entry)| entry.role.id.clone())
            .collect();
        for role_id in gone {
            tracing::info!(%role_id, "still alerting, and the role no longer exists");
            self.gone(account, region, &role_id).await;
        }
        self.send_left_pending(account, region, seen).await;
    }

    /// Sends the notices left pending in the rows of roles this part didn't review but the
    /// sweep saw (an earlier part recorded them and could not send them, and succeeded all the
    /// same: only the last part is retried), so they don't wait for the next sweep.
    async fn send_left_pending(&mut self, account: &str, region: &str, seen: &HashSet<String>) {
        let left: Vec<String> = self
            .open
            .iter()
            .filter(|(key, entry)| {
                entry.pending.is_some()
                    && !entry.decided_after(self.at.millis)
                    && seen.contains(&entry.role.id)
                    && **key == dedup_key(account, region, self.rule, ROLE_RESOURCE_TYPE, &entry.role.id)
            })
            .map(|(key, _)| key.clone())
            .collect();
        // Not counted against the budget: the parts that recorded them counted them (all but a
        // trigger an earlier part took from a failed evaluation and could not send either).
        for key in left {
            let result = async {
                let row = self.paging.ledger.row_to_decide_on(&key).await?;
                let Some(mut row) = self.paging.settled(&key, row, &self.at).await? else {
                    return Ok(());
                };
                if !row.decided_after(self.at.millis) {
                    self.paging.send_pending(&key, &mut row).await?;
                }
                Ok::<(), PagingError>(())
            }
            .await;
            // The notifier failing for one fails it for the rest: the part fails now, and is
            // retried, rather than spend its time on each of them.
            if result.is_err() {
                self.keep(result);
                return;
            }
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
            let keys: Vec<&str> = covered.iter().map(|d| d.key.as_str()).collect();
            let digest = Digest {
                dedup_key: digest_key(account, region, self.rule, sweep_time, part, route, &keys),
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
                    ordering_ms: d.recorded_ms,
                    next_incident: d.next_incident,
                    writes: 0, // counted by the ledger
                    pending: None,
                    pending_since_ms: 0,
                    triggered_ms: d.triggered_ms,
                };
                let result = match self.paging.ledger.record(&entry, d.read).await {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) => {
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
        assert_eq!(settings(&[]), Err(SettingsError::Unset), "off only when said so");
        assert_eq!(settings(&[("PAGING", "off")]), Ok(None));
        assert!(matches!(settings(&[("PAGING", "of")]), Err(SettingsError::Paging(_))));
        assert_eq!(
            settings(&[("PAGING", "off"), ("ALERTS_TABLE", "t")]),
            Err(SettingsError::OffButSet)
        );
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

    #[test]
    fn a_failed_write_pages_an_escalation_and_a_refused_token_touches_no_open_page() {
        let alert = |policy: &str| {
            let role = trustcheck::Role {
                arn: Some("arn:aws:iam::123456789012:role/deploy".into()),
                ..trustcheck::Role::default()
            };
            let verdict = trustcheck::check(policy, &role, &trustcheck::RuleParams::default());
            Alert::for_verdict(&verdict, Severity::High)
        };
        let statement = |principal: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
            )
        };
        let critical = alert(&statement(r#"{"AWS":"*"}"#));
        let high = alert(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit"}]}"#);
        let notice = alert(&statement(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#));
        // Public, and trusting every GitHub repository too: a new finding, as severe.
        let critical_and_any_repo = alert(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#,
        );
        assert_eq!(
            [critical, high, notice].map(|a| a.map(|a| (a.route, a.severity))),
            [
                Some((Route::Page, Severity::Critical)),
                Some((Route::Page, Severity::High)),
                Some((Route::Notify, Severity::Medium))
            ]
        );
        // (open, called for, held back when the write failed)
        for (open, called_for, failed_held) in [
            (high, critical, false),                 // an escalation
            (None, high, false),                     // a page where none is open
            (notice, critical, false),               // from a notice up to a page
            (critical, critical_and_any_repo, true), // a new finding as severe: waits for a confirmed result
            (critical, high, true),                  // a new finding, but milder: waits for a confirmed result
            (critical, critical, true),              // nothing new: the open incident stays
            (critical, notice, true),                // a move down
            (critical, None, true),                  // a resolve
        ] {
            let review = Review::new(open.as_ref(), called_for, 1);
            let case = format!("{open:?} -> {called_for:?}");
            assert!(!held_back(Taken::Yes, open.as_ref(), &review), "{case}");
            assert_eq!(held_back(Taken::Failed, open.as_ref(), &review), failed_held, "{case}");
            assert_eq!(
                held_back(Taken::Refused, open.as_ref(), &review),
                on_page(open.as_ref()),
                "{case}"
            );
        }
        // An unconfirmed open page (its trigger may never have been sent): a failed write still
        // sends the page the role calls for, but doesn't resolve it; a refused one touches nothing.
        let unconfirmed = critical.map(|a| Alert { unconfirmed: true, ..a });
        for (called_for, failed_held) in [(critical, false), (high, false), (None, true)] {
            let review = Review::new(unconfirmed.as_ref(), called_for, 1);
            let case = format!("unconfirmed -> {called_for:?}");
            assert_eq!(
                held_back(Taken::Failed, unconfirmed.as_ref(), &review),
                failed_held,
                "{case}"
            );
            assert!(held_back(Taken::Refused, unconfirmed.as_ref(), &review), "{case}");
        }
    }
}
