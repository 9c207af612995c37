//! Paging state and the one paging decision.
//!
//! Config announces a change only when a role's compliance *type* changes, so a role that is
//! NON_COMPLIANT for a MEDIUM finding and then becomes anyone-can-assume would never page. The
//! evaluator holds the real severities, so it decides: it keeps the alert each role has open in a
//! DynamoDB table (the ledger: route, severity, finding, every finding seen while it alerts at its
//! worst severity, the number of its incident and the evaluation that set it),
//! compares it with the alert the new verdict calls for ([`decide`]) and hands the notifier a
//! [`Notice`] with the steps to take. The ledger remembers the route an incident was opened on,
//! so its resolve goes to the same place; the pager reads it to drop a page that a newer
//! evaluation has superseded.

use std::{collections::HashMap, time::SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use trustcheck::{Compliance, EventSource, Finding, FindingId, Severity, Verdict};

use crate::error::AwsError;

/// Where an alert goes: the page topic (PagerDuty) or the notify topic (below `PAGE_AT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Page,
    Notify,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Page => "page",
            Route::Notify => "notify",
        }
    }

    fn parse(text: &str) -> Option<Route> {
        [Route::Page, Route::Notify].into_iter().find(|r| r.as_str() == text)
    }
}

/// The alert a role has open: where it was sent, and how bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub route: Route,
    pub severity: Severity,
    /// `None` for an alert recorded with a finding this release doesn't know: it is still open
    /// on its route, to be resolved or raised like any other.
    pub finding: Option<FindingId>,
    /// Announced in a sweep's digest page instead of a page of its own (the sweep's page budget
    /// was spent): no incident of its own, though its key is resolved in case it has one.
    pub digest: bool,
    /// Every finding seen while the role alerted, failing or not, at the worst severity it had:
    /// a finding on the alert's route that is new, or worse than that, opens a new incident.
    /// Empty for an alert recorded before findings were kept (then nothing is news until it is
    /// recorded again).
    pub findings: Seen,
    /// Every finding of the evaluation recorded last, failing or not: one on the route now that it
    /// lacked came back, which is news (an incident resolved by hand in PagerDuty as the finding
    /// was fixed must not hide the role made public again). Only one it lacked: a severity that
    /// swings (event source mappings listed one time and not the next) is no return, and a
    /// worse one than ever seen is news anyway. Empty when read from a row of a release that
    /// didn't keep them (then nothing comes back until it is recorded again).
    pub latest: Seen,
    /// The failing findings on its route in the verdict that calls for it (page-worthy ones for a
    /// page). Not kept in the ledger.
    pub on_route: Seen,
    /// The number of its incident: each of the role's incidents gets the next number
    /// ([`LedgerEntry::next_incident`]), never one in use or in flight. With the severity it
    /// names the incident ([`incident_key`]).
    pub incident: u32,
    /// The incidents of the role this one's triggers replaced on its route, whose resolves the
    /// pager posts only once PagerDuty has taken the trigger that replaced them: each is resolved
    /// again with this one, in case that trigger never got through (PagerDuty ignores a resolve
    /// with nothing open).
    pub replaced: Replaced,
    /// Read from a row a decision can't trust (a pending notice this release can't read, which
    /// may have been its trigger; a row dated ahead of this clock), or recorded from a result
    /// Config refused (an event it never sent: what it claims may be made up): its incident may
    /// or may not be open, and what it says it saw is no evaluation's. A decision pages what
    /// still fails anew, as an incident that replaces this one, and resolves this one either
    /// way, so that it is never left open and holds no real break back. Kept in the ledger only
    /// for the second kind.
    pub unconfirmed: bool,
}

/// The incidents an open alert's triggers replaced on its route (severity and number), oldest
/// first. Every generation is kept, up to [`Replaced::CAPACITY`]: escalated fast, HIGH → CRITICAL
/// → a new finding → another, before the pager took the first trigger, the first incident is
/// closed only by the last trigger's acceptance. Past the capacity the oldest is let go: it
/// stays open only if none of the triggers since (each a new finding or a worse severity, of
/// which a role has a few dozen at most) was ever posted, each superseded or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replaced {
    incidents: [Option<(Severity, u32)>; Replaced::CAPACITY],
}

impl Replaced {
    pub const CAPACITY: usize = 24;

    /// These and the incident `(severity, number)`, newest.
    pub fn and(mut self, severity: Severity, incident: u32) -> Replaced {
        if self.incidents[Self::CAPACITY - 1].is_some() {
            self.incidents.rotate_left(1);
            self.incidents[Self::CAPACITY - 1] = None;
        }
        if let Some(free) = self.incidents.iter_mut().find(|slot| slot.is_none()) {
            *free = Some((severity, incident));
        }
        self
    }

    /// Oldest first.
    pub fn incidents(self) -> impl DoubleEndedIterator<Item = (Severity, u32)> {
        self.incidents.into_iter().flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.incidents[0].is_none()
    }
}

impl FromIterator<(Severity, u32)> for Replaced {
    fn from_iter<I: IntoIterator<Item = (Severity, u32)>>(incidents: I) -> Replaced {
        incidents
            .into_iter()
            .fold(Replaced::default(), |replaced, (severity, incident)| {
                replaced.and(severity, incident)
            })
    }
}

impl Alert {
    /// The alert a verdict calls for: NON_COMPLIANT roles only, graded by the worst finding that
    /// makes them so (with the severities the rule parameters gave it).
    pub fn for_verdict(verdict: &Verdict, page_at: Severity) -> Option<Alert> {
        if verdict.compliance != Compliance::NonCompliant {
            return None;
        }
        // Paged as the verdict fails: an unreadable policy, or one the engine failed on, pages at
        // any threshold (what it hides is unknown: a role anyone can assume, perhaps), whatever
        // finding of its severity comes first.
        let route_of = |f: &Finding| {
            if f.id.fails_at(f.severity, page_at) {
                Route::Page
            } else {
                Route::Notify
            }
        };
        let route = match verdict.failing().any(|f| route_of(f) == Route::Page) {
            true => Route::Page,
            false => Route::Notify,
        };
        // The first of the worst on that route, as the annotation leads with the first of the
        // worst (`max_by_key` takes the last).
        let worst = (verdict.failing())
            .filter(|f| route_of(f) == route)
            .min_by_key(|f| std::cmp::Reverse(f.severity))?;
        Some(Alert {
            route,
            severity: worst.severity,
            finding: Some(worst.id),
            digest: false,
            findings: verdict.findings.iter().map(|f| (f.id, f.severity)).collect(),
            latest: verdict.findings.iter().map(|f| (f.id, f.severity)).collect(),
            on_route: verdict
                .failing()
                .filter(|f| route_of(f) == route)
                .map(|f| (f.id, f.severity))
                .collect(),
            incident: 0,
            replaced: Replaced::default(),
            unconfirmed: false,
        })
    }

    /// The findings on this alert's route that are new since the open one was opened, or worse
    /// than they were, or back since the evaluation recorded last, which didn't have them (none
    /// of each when that is not known: the open one was recorded before findings, or the latest
    /// ones, were kept).
    fn found_since(&self, open: &Alert) -> FindingSet {
        let worse = match open.findings.is_empty() {
            true => FindingSet::default(),
            false => self.on_route.worse_than(open.findings),
        };
        let back = (self.on_route.iter())
            .filter(|(id, _)| !open.latest.is_empty() && open.latest.severity(*id).is_none())
            .map(|(id, _)| id)
            .collect();
        worse.union(back)
    }
}

/// Whether an evaluation saw all its verdict depends on: `InPart` when functions that could
/// make it more severe could not be listed (a region Lambda refused, CloudFront unanswered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    Wholly,
    InPart,
}

/// What to do about one role: the steps to send, and the alert to record when it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub steps: Vec<Step>,
    /// `Some(None)`: record the role as resolved; `None`: the ledger is already right.
    pub record: Option<Option<Alert>>,
    /// The number the role's next incident takes, after this review.
    pub next_incident: u32,
}

impl Review {
    /// The review of a role whose open alert is `open` (none: resolved, or never alerted) and
    /// whose next incident takes the number `next_incident`.
    pub fn new(open: Option<&Alert>, called_for: Option<Alert>, next_incident: u32) -> Review {
        let mut steps = decide(open, called_for.as_ref());
        // Every incident of the role has a number of its own: a re-break, or a move back to a
        // route, never joins an incident still open there (its resolve in flight, acknowledged).
        let mut next = next_incident;
        for step in steps.iter_mut().filter(|s| s.action == Action::Trigger) {
            step.incident = next;
            next = next.saturating_add(1);
        }
        let trigger = steps.iter().find(|s| s.action == Action::Trigger);
        let recorded = called_for.map(|new| {
            let same_route = open.filter(|old| old.route == new.route);
            let new = Alert {
                // Every finding seen while the role alerts on this route, whatever its incidents:
                // one back again, or two taking turns, is no news. (A move to another route is
                // news anyway, and starts afresh.)
                // (Not those of an alert no evaluation may have written: they hold no news back.)
                findings: (same_route.filter(|old| !old.unconfirmed))
                    .map_or(new.findings, |old| old.findings.merged(new.findings)),
                on_route: Seen::default(),
                incident: trigger.map_or(new.incident, |t| t.incident),
                // A trigger that replaces an incident on its route: that one, and those it replaced.
                replaced: same_route
                    .filter(|old| trigger.is_some() && !old.digest)
                    .map_or_else(Replaced::default, |old| old.replaced.and(old.severity, old.incident)),
                ..new
            };
            match open {
                // Without a trigger of its own the open incident stays the one it was opened as:
                // its key names the severity and the number it was opened with, which its
                // resolve needs (a lower finding now, or a digest's announcement, changes
                // neither). The finding is the newest.
                Some(old) if trigger.is_none() && old.route == new.route => Alert {
                    severity: old.severity,
                    digest: old.digest,
                    incident: old.incident,
                    replaced: old.replaced,
                    ..new
                },
                _ => new,
            }
        });
        Review {
            steps,
            record: (recorded.as_ref() != open).then_some(recorded),
            next_incident: next,
        }
    }

    /// Of an evaluation [`Judged::InPart`]: its verdict may lack a finding that the functions it
    /// could not list decide ([`FindingId::judged_by_functions`]), so the latest findings
    /// recorded keep the previous evaluation's of those, or stay unknown where those are (no
    /// open alert, one recorded without them, or one no evaluation may have written). Recorded
    /// as they are, the next full evaluation would take such a finding for one that came back,
    /// and page it anew. Any other finding it lacks is gone, and pages when it comes back.
    pub fn judged(mut self, judged: Judged, open: Option<&Alert>) -> Review {
        if let (Judged::InPart, Some(Some(alert))) = (judged, self.record.as_mut()) {
            alert.latest = match open.filter(|old| !old.latest.is_empty() && !old.unconfirmed) {
                Some(old) => old.latest.only(FindingId::judged_by_functions).merged(alert.latest),
                None => Seen::default(),
            };
        }
        self
    }

    /// Over the sweep's page budget: the trigger goes into the digest page instead. A role whose
    /// open incident the trigger would have replaced (for a new finding) keeps that incident,
    /// and the digest carries the news; any other alert is recorded as the digest's, and
    /// resolves are still sent.
    pub fn into_digest(mut self, open: Option<&Alert>) -> Review {
        // Not an unconfirmed one: its incident may not exist, and its resolve is still sent.
        let kept = open.filter(|old| !old.digest && !old.unconfirmed && self.trigger_route() == Some(old.route));
        self.steps.retain(|s| kept.is_none() && s.action == Action::Resolve);
        if let Some(Some(alert)) = &mut self.record {
            match kept {
                Some(old) => {
                    alert.severity = old.severity;
                    alert.incident = old.incident;
                    alert.replaced = old.replaced;
                }
                None => {
                    alert.digest = true;
                    alert.replaced = Replaced::default();
                }
            }
        }
        self
    }

    /// The route of the trigger this review sends, if any (never more than one: one alert a role).
    pub fn trigger_route(&self) -> Option<Route> {
        self.steps.iter().find(|s| s.action == Action::Trigger).map(|s| s.route)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Trigger,
    Resolve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Resolve => "resolve",
        }
    }
}

/// One message to send: a trigger graded by the new alert, or a resolve graded and routed like
/// the trigger it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub action: Action,
    pub route: Route,
    pub severity: Severity,
    pub finding: Option<FindingId>,
    /// Which of the role's incidents on the route it is ([`Alert::incident`]): it names it.
    #[serde(default)]
    pub incident: u32,
    /// A trigger's findings that are new since the role's previous alert was opened, or worse
    /// than they were, or back since its last evaluation: what the page is about.
    #[serde(default)]
    pub new: FindingSet,
}

/// How pages name a finding: its catalog id, or `UNKNOWN_FINDING` for one of another release.
pub fn finding_name(finding: Option<FindingId>) -> &'static str {
    finding.map_or("UNKNOWN_FINDING", FindingId::as_str)
}

impl Step {
    fn new(action: Action, alert: &Alert) -> Step {
        Step {
            action,
            route: alert.route,
            severity: alert.severity,
            finding: alert.finding,
            incident: alert.incident,
            new: FindingSet::default(),
        }
    }
}

/// The one paging decision, from the alert a role has open and the one its new verdict calls for.
/// A new alert triggers; a gone one resolves on the route it was opened on; a change of route
/// triggers the new and resolves the old (MEDIUM → CRITICAL while NON_COMPLIANT pages, CRITICAL →
/// MEDIUM resolves the page); a worse severity on the same route does too, as a new incident
/// ([`incident_key`]): PagerDuty adds a trigger with an open incident's key to that incident and
/// notifies nobody, so an escalation of an acknowledged page would go unseen. A finding on the
/// route that is new since the role alerted, or worse than it was (the role, paged for a broken
/// Lambda trust, is now also public), opens a new incident the same way, whatever its severity:
/// on an acknowledged incident it would go unseen. A digest-covered alert on the page route is
/// resolved too: its key may have an incident after all (a trigger sent whose record was lost
/// before a sweep digested the role), and PagerDuty ignores a resolve with nothing open.
pub fn decide(open: Option<&Alert>, called_for: Option<&Alert>) -> Vec<Step> {
    // A digest-covered alert on the notify route has no incident anywhere: nothing to resolve. The
    // incident its trigger replaced is resolved again with it: that trigger may never have got
    // through, and only its acceptance closes it.
    let resolve = |alert: &Alert| {
        let own_resolve = Step::new(Action::Resolve, alert);
        let replaced = (alert.replaced.incidents().rev()).map(move |(severity, incident)| Step {
            severity,
            incident,
            ..own_resolve
        });
        let own = (!alert.digest || alert.route == Route::Page).then(|| Step::new(Action::Resolve, alert));
        own.into_iter().chain(replaced)
    };
    match (open, called_for) {
        (None, None) => Vec::new(),
        (None, Some(new)) => vec![Step::new(Action::Trigger, new)],
        (Some(old), None) => resolve(old).collect(),
        // Paged as if nothing were open (what it says it saw may be no evaluation's), then the
        // incident it names resolved.
        (Some(old), Some(new)) if old.unconfirmed => [Step::new(Action::Trigger, new)]
            .into_iter()
            .chain(resolve(old))
            .collect(),
        (Some(old), Some(new))
            if old.route != new.route || new.severity > old.severity || !new.found_since(old).is_empty() =>
        {
            let trigger = Step {
                new: new.found_since(old),
                ..Step::new(Action::Trigger, new)
            };
            // The replacement first: should its delivery fail, the old incident stays open (one
            // incident too many) rather than the role left with none.
            [trigger].into_iter().chain(resolve(old)).collect()
        }
        (Some(_), Some(_)) => Vec::new(),
    }
}

/// The `client` of every page the notifier publishes: the pager forwards nothing else.
pub const NOTIFIER_CLIENT: &str = "AWS Config (trustcheck)";

/// PagerDuty's limit on `dedup_key`.
const DEDUP_KEY_MAX: usize = 255;

/// What identifies a role's alert in the ledger and in PagerDuty: the same key for a trigger and
/// its resolve, a new one for a re-created role (new id).
pub fn dedup_key(account: &str, region: &str, rule: &str, resource_type: &str, resource_id: &str) -> String {
    limit_key(format!(
        "aws-config/{account}/{region}/{rule}/{resource_type}/{resource_id}"
    ))
}

/// Whether `key` has the shape of a role's row key ([`dedup_key`] of an `AWS::IAM::Role`):
/// `aws-config/ACCOUNT/REGION/RULE/AWS::IAM::Role/ID`, no field empty, and never cut for
/// PagerDuty (real ones are about half its limit; DynamoDB refuses to read a far longer one).
pub fn is_role_key(key: &str) -> bool {
    let fields: Vec<&str> = key.split('/').collect();
    key.len() <= DEDUP_KEY_MAX
        && matches!(fields.as_slice(), ["aws-config", _, _, _, "AWS::IAM::Role", _])
        && fields.iter().all(|f| !f.is_empty())
}

/// Whether `dedup_key` is the key of one of the role's incidents ([`incident_key`]):
/// its row's key, `aws-config/ACCOUNT/REGION/RULE/AWS::IAM::Role/ID`, then the severity and the
/// incident's number after the first. (Ledger keys are far shorter than PagerDuty's limit, so
/// none is cut.) Exactly so: a shorter `alert_key` with no row of its own would let any incident
/// of any role be resolved unchecked.
pub fn is_incident_of(dedup_key: &str, alert_key: &str) -> bool {
    let incident = dedup_key
        .strip_prefix(alert_key)
        .and_then(|rest| rest.strip_prefix('/'));
    let is_incident = incident.is_some_and(|rest| {
        let (severity, number) = rest.split_once('/').unwrap_or((rest, "1"));
        matches!(severity, "low" | "medium" | "high" | "critical")
            && !number.is_empty()
            && number.bytes().all(|c| c.is_ascii_digit())
    });
    is_role_key(alert_key) && is_incident
}

/// `aws-config/ACCOUNT/REGION/RULE/digest/SWEEP/part-N/roles-HASH[/notify]` ([`digest_key`]; a
/// key of an earlier release has no `roles-` field).
pub fn is_digest_key(dedup_key: &str) -> bool {
    let fields: Vec<&str> = dedup_key.split('/').collect();
    matches!(fields.as_slice(), ["aws-config", _, _, _, "digest", _, part, ..] if part.starts_with("part-"))
        && !dedup_key.contains("/AWS::IAM::Role/")
}

/// The PagerDuty key of one of a role's incidents: the role's alert key, the severity it was
/// opened at and its number ([`Alert::incident`]), so that an escalation, a new finding or a
/// re-break opens a new incident (see [`decide`]) and a resolve closes the one its trigger
/// opened. The first incident's key names the severity alone, as every incident's did before
/// they were numbered.
pub fn incident_key(alert_key: &str, severity: Severity, incident: u32) -> String {
    let severity = severity.as_str().to_ascii_lowercase();
    match incident {
        0 => limit_key(format!("{alert_key}/{severity}")),
        n => limit_key(format!("{alert_key}/{severity}/{n}")),
    }
}

/// A set of catalog findings, as paging keeps them: small, copied, and read back leniently (an id
/// another release wrote and this one doesn't know is left out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindingSet(u32);

impl FindingSet {
    fn bit(id: FindingId) -> u32 {
        // The catalog has fewer than 32 findings (a test holds it to that).
        1 << (id as u32)
    }

    pub fn contains(self, id: FindingId) -> bool {
        self.0 & Self::bit(id) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: FindingSet) -> FindingSet {
        FindingSet(self.0 | other.0)
    }

    /// In catalog order.
    pub fn iter(self) -> impl Iterator<Item = FindingId> {
        FindingId::ALL.into_iter().filter(move |id| self.contains(*id))
    }
}

/// Findings with the worst severity each was seen at, as the ledger keeps them: three bits a
/// finding (0: not seen), small and copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen(u64);

impl Seen {
    fn shift(id: FindingId) -> u32 {
        // The catalog has few enough findings for three bits each (a test holds it to that).
        3 * (id as u32)
    }

    pub fn severity(self, id: FindingId) -> Option<Severity> {
        let level = (self.0 >> Self::shift(id)) & 0b111;
        Severity::ALL.get(usize::try_from(level).ok()?.checked_sub(1)?).copied()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `self` with `id` seen at `severity`, keeping the worse of that and what was seen before.
    fn with(self, id: FindingId, severity: Severity) -> Seen {
        if self.severity(id).is_some_and(|before| before >= severity) {
            return self;
        }
        let level = severity as u64 + 1;
        Seen(self.0 & !(0b111 << Self::shift(id)) | level << Self::shift(id))
    }

    /// Those of its findings `keep` keeps.
    pub fn only(self, keep: impl Fn(FindingId) -> bool) -> Seen {
        self.iter().filter(|(id, _)| keep(*id)).collect()
    }

    /// Both, each finding at the worse of its two severities.
    pub fn merged(self, other: Seen) -> Seen {
        other.iter().fold(self, |seen, (id, severity)| seen.with(id, severity))
    }

    /// The findings of `self` that `before` hasn't, or has at a lower severity.
    pub fn worse_than(self, before: Seen) -> FindingSet {
        self.iter()
            .filter(|(id, severity)| before.severity(*id) < Some(*severity))
            .map(|(id, _)| id)
            .collect()
    }

    /// In catalog order.
    pub fn iter(self) -> impl Iterator<Item = (FindingId, Severity)> {
        FindingId::ALL
            .into_iter()
            .filter_map(move |id| self.severity(id).map(|severity| (id, severity)))
    }

    /// `ID=SEVERITY` joined by `+` (`LAMBDA_TRUST_MISSING=HIGH+TRUST_PUBLIC=CRITICAL`).
    pub fn tag(self) -> String {
        self.iter()
            .map(|(id, severity)| format!("{}={}", id.as_str(), severity.as_str()))
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Reads a [`Seen::tag`], leaving out what this release doesn't know.
    pub fn from_tag(tag: &str) -> Seen {
        tag.split('+')
            .filter_map(|pair| {
                let (id, severity) = pair.split_once('=')?;
                Some((FindingId::parse(id)?, Severity::parse(severity)?))
            })
            .collect()
    }
}

impl FromIterator<(FindingId, Severity)> for Seen {
    fn from_iter<I: IntoIterator<Item = (FindingId, Severity)>>(seen: I) -> Self {
        seen.into_iter()
            .fold(Seen::default(), |all, (id, severity)| all.with(id, severity))
    }
}

impl FromIterator<FindingId> for FindingSet {
    fn from_iter<I: IntoIterator<Item = FindingId>>(ids: I) -> Self {
        FindingSet(ids.into_iter().fold(0, |bits, id| bits | Self::bit(id)))
    }
}

impl Serialize for FindingSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for FindingSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let ids = Vec::<String>::deserialize(deserializer)?;
        Ok(ids.iter().filter_map(|id| FindingId::parse(id)).collect())
    }
}

/// The key of a digest page: one incident per sweep, part, route and set of roles (`roles`:
/// their ledger keys). Each part sends its own digest: under one key for the whole sweep, a later
/// part's digest would join an incident already acknowledged, which PagerDuty does without
/// notifying anyone. So would a retried part's digest that names a role the first attempt's
/// didn't (its decision failed then): the roles are in the key. A retry naming the same roles
/// sends the same key again, which adds nothing.
pub fn digest_key(
    account: &str,
    region: &str,
    rule: &str,
    sweep_time: &str,
    part: u32,
    route: Route,
    roles: &[&str],
) -> String {
    let suffix = match route {
        Route::Page => "",
        Route::Notify => "/notify",
    };
    let mut sorted = roles.to_vec();
    sorted.sort_unstable();
    let of_roles = fnv1a(sorted.iter().flat_map(|key| key.bytes().chain([b'\n'])));
    limit_key(format!(
        "aws-config/{account}/{region}/{rule}/digest/{sweep_time}/part-{part}/roles-{of_roles:016x}{suffix}"
    ))
}

/// FNV-1a, 64 bits: short, stable ids for keys (not a defence against anyone).
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf29ce484222325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn limit_key(key: String) -> String {
    if key.len() <= DEDUP_KEY_MAX {
        return key;
    }
    // Too long for PagerDuty: keep a readable prefix and make it unique with a hash of the whole.
    let hash = fnv1a(key.bytes());
    let prefix: String = key.chars().take(DEDUP_KEY_MAX - 17).collect();
    format!("{prefix}#{hash:016x}")
}

/// Who an alert is about, as people name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub account: String,
    pub region: String,
}

/// A finding as the notifier shows it, with the severity the verdict gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeFinding {
    pub id: FindingId,
    pub severity: Severity,
    pub message: String,
}

/// What the evaluator hands the notifier (an asynchronous invocation): everything the pages need,
/// as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    Transition(Transition),
    Digest(Digest),
}

/// A role's alert changed: the steps [`decide`] chose, and the verdict behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub dedup_key: String,
    pub rule: String,
    pub role: RoleRef,
    /// When the evaluated configuration was recorded (RFC 3339), and the same in milliseconds:
    /// the order of a role's notices.
    pub evaluated_at: String,
    pub ordering_ms: i64,
    pub compliance: Compliance,
    pub annotation: String,
    pub findings: Vec<NoticeFinding>,
    /// The event source mappings the Lambda findings stop, most important first: the first
    /// [`STOPPED_IN_NOTICE`] of them.
    #[serde(default)]
    pub stopped: Vec<EventSource>,
    /// How many mappings the findings stop in all (`stopped` may hold fewer).
    #[serde(default)]
    pub stopped_total: usize,
    pub steps: Vec<Step>,
}

/// The most mappings a notice carries. A page describes each; a shared role can stop hundreds,
/// and a page over SNS's 256 KB limit could never be published (its alert already recorded).
pub const STOPPED_IN_NOTICE: usize = 20;

impl Transition {
    pub fn new(
        dedup_key: String,
        rule: &str,
        role: RoleRef,
        at: Ordering,
        verdict: &Verdict,
        steps: Vec<Step>,
    ) -> Self {
        Transition {
            dedup_key,
            rule: rule.to_owned(),
            role,
            evaluated_at: at.text,
            ordering_ms: at.millis,
            compliance: verdict.compliance,
            annotation: verdict.annotation.clone(),
            findings: verdict
                .findings
                .iter()
                .map(|f| NoticeFinding {
                    id: f.id,
                    severity: f.severity,
                    message: f.message.clone(),
                })
                .collect(),
            stopped: verdict.stopped.iter().take(STOPPED_IN_NOTICE).cloned().collect(),
            stopped_total: verdict.stopped.len(),
            steps,
        }
    }
}

/// A sweep found more new alerts than its page budget: one page per route names the rest (a
/// digest of alerts below `PAGE_AT` goes to the notify route, never to the pager).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub dedup_key: String,
    #[serde(default = "page_route")]
    pub route: Route,
    pub rule: String,
    pub account: String,
    pub region: String,
    pub evaluated_at: String,
    pub ordering_ms: i64,
    /// Every role announced by this digest, worst first; `roles` lists the first of them.
    pub count: usize,
    pub roles: Vec<DigestRole>,
    /// How many roles of the digest have each finding as their worst.
    pub by_finding: Vec<(Option<FindingId>, usize)>,
}

fn page_route() -> Route {
    Route::Page
}

/// How many roles a digest page lists by name (its message stays far below SNS's 256 KB).
pub const DIGEST_ROLES_LISTED: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRole {
    pub name: String,
    pub id: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub severity: Severity,
    pub finding: Option<FindingId>,
    /// The findings that made it news when its role had an incident open already (kept open,
    /// over the sweep's page budget).
    #[serde(default)]
    pub new: FindingSet,
}

/// A point in a role's history: the evaluation's ordering timestamp, as text and milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordering {
    pub text: String,
    pub millis: i64,
}

impl Ordering {
    pub fn of(time: &aws_smithy_types::DateTime) -> Ordering {
        Ordering {
            text: time
                .fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap_or_default(),
            millis: time.to_millis().unwrap_or(i64::MAX),
        }
    }

    /// [`Ordering::of`] `time`, or of now if that is earlier. Events may be dated a little
    /// ahead of this clock (skew), and a forged one (a direct invoke) as far ahead as that
    /// allows: recorded as it is, it would hold off the role's real evaluations until then.
    pub fn no_later_than_now(time: &aws_smithy_types::DateTime) -> Ordering {
        let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
        let ahead = match (time.to_millis(), now.to_millis()) {
            (Ok(time), Ok(now)) => time > now,
            _ => true,
        };
        Ordering::of(if ahead { &now } else { time })
    }

    /// The point a ledger row's `ordering_ms` names.
    pub fn of_millis(millis: i64) -> Ordering {
        Ordering::of(&aws_smithy_types::DateTime::from_millis(millis))
    }
}

/// A role's row in the ledger: its open alert (none once resolved) and the evaluation that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub dedup_key: String,
    pub role: RoleRef,
    pub alert: Option<Alert>,
    pub ordering_ms: i64,
    /// The number the role's next incident takes. Kept in a resolved row too, so that a
    /// re-break never reuses the key of an incident whose resolve may still be in flight.
    pub next_incident: u32,
    /// How many times the row was written (0: never by a release that counts): each write
    /// lands only on the version it was decided on ([`RowVersion`]).
    pub writes: u64,
    /// The notice the evaluation that wrote the row decided and has not yet handed the notifier,
    /// as it decided it: recorded before it is sent and cleared once it is, so that an
    /// evaluation that failed in between leaves it to its retry or the role's next evaluation,
    /// never lost.
    pub pending: Option<Transition>,
    /// When the pending notice was recorded (milliseconds since the epoch, by the writer's
    /// clock; 0 when unknown): a notice recorded a moment ago is most likely being sent by its
    /// writer, and another evaluation waits for it rather than send it twice.
    pub pending_since_ms: i64,
    /// When its alert's incident was last triggered (the time of the evaluation that decided
    /// it, even one Config refused; 0 when it never was, or by a release that didn't say): what a
    /// sweep's retried part counts as the pages it sent already, not a row it re-recorded
    /// without a page.
    pub triggered_ms: i64,
}

/// The version of a role's row a decision was made on: a write lands only on that version, so
/// that two evaluations deciding on one row at the same time can't both open an incident, nor
/// one overwrite what the other recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowVersion {
    /// How many times it was written; 0 for a row of a release that didn't count (then its
    /// evaluation's time tells it).
    pub writes: u64,
    pub ordering_ms: i64,
}

/// How far ahead of this clock a row's decision time may be: clocks differ by less. A row further
/// ahead was not written by an evaluation (a hand edit, or a forgery to hold the role's alert).
pub const MAX_CLOCK_SKEW_MS: i64 = 300_000;

impl LedgerEntry {
    /// Was the row decided by an evaluation of a later configuration than `millis`? A row from
    /// the future is not: it would hold the role's alert for good.
    pub fn decided_after(&self, millis: i64) -> bool {
        self.ordering_ms > millis && !self.is_from_the_future()
    }

    /// Whether the row holds the role's incident `incident` (its PagerDuty key) open on `route`.
    /// A digest-covered alert has no incident of its own.
    pub fn holds_open(&self, route: Route, incident: &str) -> bool {
        self.alert.is_some_and(|a| {
            a.route == route && !a.digest && incident_key(&self.dedup_key, a.severity, a.incident) == incident
        })
    }

    /// Whether the row holds an incident of the role open on `route` (a digest-covered alert has
    /// none of its own).
    pub fn holds_an_incident_on(&self, route: Route) -> bool {
        self.alert.is_some_and(|a| a.route == route && !a.digest)
    }

    pub fn is_from_the_future(&self) -> bool {
        self.ordering_ms > now_ms().saturating_add(MAX_CLOCK_SKEW_MS)
    }

    pub fn version(&self) -> RowVersion {
        RowVersion {
            writes: self.writes,
            ordering_ms: self.ordering_ms,
        }
    }
}

/// What the alerts ledger says of a role's page about to go out ([`word_on_page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerWord {
    Send,
    /// A trigger of an incident the row doesn't hold open, or a resolve of one it does.
    Superseded,
    /// A trigger of a role the ledger has no row for: no evaluation opened it.
    NoRow,
}

/// The ledger's word on a page of the role whose row is `row` (read after the page was decided:
/// the evaluator writes the row before it hands the notice on). A trigger goes only for the
/// incident the row holds open on its route, a resolve only for one it doesn't (it would close
/// it), whatever time the page claims: a late retry or a replay is told apart from the latest
/// word by the row, and a page someone wrote by hand (anyone who may invoke the notifier or the
/// pager) can't close an open incident, nor open one ahead of the role's real one for someone to
/// acknowledge. A row dated in the future was no evaluation's and is not believed. Without a
/// row, a resolve has nothing to keep open.
pub fn word_on_page(row: Option<&LedgerEntry>, route: Route, incident: &str, trigger: bool) -> LedgerWord {
    match row {
        Some(row) if row.is_from_the_future() => LedgerWord::Send,
        Some(row) if row.holds_open(route, incident) != trigger => LedgerWord::Superseded,
        Some(_) => LedgerWord::Send,
        None if trigger => LedgerWord::NoRow,
        None => LedgerWord::Send,
    }
}

/// A role's row as the notifier or the pager read it, once for all the steps of a page.
#[derive(Debug)]
pub enum RowRead {
    /// No ledger to ask, or a page of no role of its own (a digest).
    Unchecked,
    Read(Option<Box<LedgerEntry>>),
    /// Shared: every resolve of the page waits on the same failed read.
    Unreadable(std::sync::Arc<AwsError>),
}

impl RowRead {
    /// The row `key` of `ledger`, as it reads now.
    pub async fn of(ledger: &Ledger, key: &str) -> RowRead {
        match ledger.get(key).await {
            Ok(row) => RowRead::Read(row.map(Box::new)),
            Err(error) => RowRead::Unreadable(std::sync::Arc::new(error)),
        }
    }

    /// The ledger's word on a page ([`word_on_page`]); the read's error for a resolve while the
    /// row can't be read: it might close an open incident, so it waits for a retry. A trigger
    /// goes then (a page too many beats a lost one), and everything goes where no ledger is asked.
    pub fn word(&self, route: Route, incident: &str, trigger: bool) -> Result<LedgerWord, &std::sync::Arc<AwsError>> {
        match self {
            RowRead::Unchecked => Ok(LedgerWord::Send),
            RowRead::Read(row) => Ok(word_on_page(row.as_deref(), route, incident, trigger)),
            RowRead::Unreadable(_) if trigger => Ok(LedgerWord::Send),
            RowRead::Unreadable(error) => Err(error),
        }
    }

    /// Whether the row, as read, holds the incident `incident` open on `route` (unread: no).
    pub fn holds_open(&self, route: Route, incident: &str) -> bool {
        matches!(self, RowRead::Read(Some(row)) if row.holds_open(route, incident))
    }

    /// Whether the row, as read, holds an incident of the role open on `route` (unread: yes, in
    /// doubt).
    pub fn holds_an_incident_on(&self, route: Route) -> bool {
        match self {
            RowRead::Unchecked | RowRead::Read(None) => false,
            RowRead::Read(Some(row)) => row.holds_an_incident_on(route),
            RowRead::Unreadable(_) => true,
        }
    }
}

/// How long a resolved row is kept: long enough for any retry or replay of its pages, and for
/// its incident count to outlive any incident of the role left open (its resolve lost): expired,
/// the count starts again.
const RESOLVED_KEPT_SECS: u64 = 365 * 24 * 3600;
/// How long the row of a role that never alerted is kept: long enough for any retry of an older
/// evaluation of it (Lambda retries an event for at most 6 hours) to find a newer word.
const WORD_KEPT_SECS: u64 = 24 * 3600;

/// The alerts ledger: one DynamoDB row per role that has ever alerted.
#[derive(Debug, Clone)]
pub struct Ledger {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl Ledger {
    pub fn new(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Ledger {
        Ledger {
            client: aws_sdk_dynamodb::Client::new(sdk),
            table: table.into(),
        }
    }

    /// The role's row; one this release can't read is treated as absent (and logged).
    pub async fn get(&self, dedup_key: &str) -> Result<Option<LedgerEntry>, AwsError> {
        Ok(self.item(dedup_key).await?.as_ref().and_then(from_item))
    }

    /// The role's row as a decision sees it: one this release can't read is no alert, with the
    /// version it has ([`unreadable`]), so that the decision replaces it.
    pub async fn row_to_decide_on(&self, dedup_key: &str) -> Result<Option<LedgerEntry>, AwsError> {
        Ok(self
            .item(dedup_key)
            .await?
            .map(|item| to_decide_on(&item).unwrap_or_else(|| unreadable(dedup_key, &item))))
    }

    async fn item(&self, dedup_key: &str) -> Result<Option<HashMap<String, AttributeValue>>, AwsError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("dedup_key", AttributeValue::S(dedup_key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::new("dynamodb:GetItem", e))?;
        Ok(output.item)
    }

    /// Every row, by dedup key: the open alerts, and the resolved rows that keep their role's
    /// incident count.
    pub async fn rows(&self) -> Result<HashMap<String, LedgerEntry>, AwsError> {
        self.rows_of_roles_in("").await
    }

    /// The rows of `rule`'s roles in `account` and `region` ([`dedup_key`]), by dedup key: what a
    /// sweep reads once, not once per role. Only those are held: the ledger every account of an
    /// organization shares, with a year of resolved rows, can outgrow the function's memory.
    pub async fn rows_of(
        &self,
        account: &str,
        region: &str,
        rule: &str,
    ) -> Result<HashMap<String, LedgerEntry>, AwsError> {
        let prefix = format!(
            "aws-config/{account}/{region}/{rule}/{}/",
            crate::item::ROLE_RESOURCE_TYPE
        );
        // A key too long for PagerDuty keeps this much of itself (`limit_key`).
        let kept: String = prefix.chars().take(DEDUP_KEY_MAX - 17).collect();
        self.rows_of_roles_in(&kept).await
    }

    async fn rows_of_roles_in(&self, prefix: &str) -> Result<HashMap<String, LedgerEntry>, AwsError> {
        let mut scan = self.client.scan().table_name(&self.table).consistent_read(true);
        if !prefix.is_empty() {
            scan = scan
                .filter_expression("begins_with(dedup_key, :prefix)")
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()));
        }
        let mut pages = scan.into_paginator().send();
        let mut open = HashMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::new("dynamodb:Scan", e))?;
            for entry in page.items().iter().filter_map(to_decide_on) {
                open.insert(entry.dedup_key.clone(), entry);
            }
        }
        Ok(open)
    }

    /// Records a role's row, if it is still the version the decision was made on (`read`;
    /// `None`: there was no row): the version written, or `None` when another evaluation wrote
    /// the row since (to be read and decided again). A resolved row is kept a year, with its
    /// incident count.
    pub async fn record(&self, entry: &LedgerEntry, read: Option<RowVersion>) -> Result<Option<RowVersion>, AwsError> {
        self.put(entry, RESOLVED_KEPT_SECS, read).await
    }

    /// [`Ledger::record`] for the newest word on a role that never alerted (no alert, kept a day).
    pub async fn record_word(
        &self,
        entry: &LedgerEntry,
        read: Option<RowVersion>,
    ) -> Result<Option<RowVersion>, AwsError> {
        self.put(entry, WORD_KEPT_SECS, read).await
    }

    async fn put(
        &self,
        entry: &LedgerEntry,
        resolved_kept_secs: u64,
        read: Option<RowVersion>,
    ) -> Result<Option<RowVersion>, AwsError> {
        let n = |v: String| AttributeValue::N(v);
        let written = RowVersion {
            writes: read.map_or(0, |r| r.writes).saturating_add(1),
            ordering_ms: entry.ordering_ms,
        };
        let entry = LedgerEntry {
            writes: written.writes,
            pending_since_ms: if entry.pending.is_some() { now_ms() } else { 0 },
            ..entry.clone()
        };
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&entry, resolved_kept_secs)));
        let request = match read {
            None => request.condition_expression("attribute_not_exists(dedup_key)"),
            // A row without a count or a time (unreadable, or written by hand).
            Some(RowVersion {
                writes: 0,
                ordering_ms: i64::MIN,
            }) => request.condition_expression("attribute_not_exists(writes) AND attribute_not_exists(ordering_ms)"),
            // A row of a release that didn't count its writes: told by its evaluation's time.
            Some(RowVersion { writes: 0, ordering_ms }) => request
                .condition_expression("attribute_not_exists(writes) AND ordering_ms = :read")
                .expression_attribute_values(":read", n(ordering_ms.to_string())),
            Some(read) => request
                .condition_expression("writes = :writes")
                .expression_attribute_values(":writes", n(read.writes.to_string())),
        };
        match request.send().await {
            Ok(_) => Ok(Some(written)),
            Err(e) if refused(&e) => Ok(None),
            Err(e) => Err(AwsError::new("dynamodb:PutItem", e)),
        }
    }

    /// Takes the row's pending notice (recorded at `since_ms`) to send it, stamping it as
    /// recorded now: false when another evaluation took it first, or the row changed (that one
    /// sends it, and the caller waits for it as for a fresh notice).
    pub async fn claim_pending(&self, dedup_key: &str, written: RowVersion, since_ms: i64) -> Result<bool, AwsError> {
        let mut numbers = vec![(":now", now_ms().to_string())];
        // A row without the count or the time (edited by hand) is claimed as it is: a condition
        // on a value it doesn't have would refuse every claim, for good.
        let since = if since_ms == 0 {
            "attribute_not_exists(pending_since_ms)"
        } else {
            numbers.push((":since", since_ms.to_string()));
            "pending_since_ms = :since"
        };
        let condition = format!(
            "{} AND attribute_exists(pending) AND {since}",
            written_as(written, &mut numbers)
        );
        self.update_if(dedup_key, "SET pending_since_ms = :now", &condition, &numbers)
            .await
    }

    /// Clears the row's pending notice once it is handed to the notifier, unless the row was
    /// written since (`written` is the version that recorded it): the newer writer decided on it.
    pub async fn clear_pending(&self, dedup_key: &str, written: RowVersion) -> Result<(), AwsError> {
        let mut numbers = Vec::new();
        let condition = written_as(written, &mut numbers);
        self.update_if(dedup_key, "REMOVE pending", condition, &numbers)
            .await
            .map(drop)
    }

    /// Updates the row if `condition` holds (`numbers`: its placeholders' values): false when
    /// it doesn't.
    async fn update_if(
        &self,
        dedup_key: &str,
        update: &str,
        condition: &str,
        numbers: &[(&str, String)],
    ) -> Result<bool, AwsError> {
        let request = numbers.iter().fold(
            self.client
                .update_item()
                .table_name(&self.table)
                .key("dedup_key", AttributeValue::S(dedup_key.to_owned()))
                .update_expression(update)
                .condition_expression(condition),
            |request, (name, value)| request.expression_attribute_values(*name, AttributeValue::N(value.clone())),
        );
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e) if refused(&e) => Ok(false),
            Err(e) => Err(AwsError::new("dynamodb:UpdateItem", e)),
        }
    }
}

/// The condition that the row still has the write count of `written` (none: a row without it).
fn written_as(written: RowVersion, numbers: &mut Vec<(&str, String)>) -> &'static str {
    if written.writes == 0 {
        "attribute_not_exists(writes)"
    } else {
        numbers.push((":writes", written.writes.to_string()));
        "writes = :writes"
    }
}

/// A conditional write the condition refused.
fn refused<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(
    error: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> bool {
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// `expires_at` for a row kept `secs` from now.
fn expiry(secs: u64) -> AttributeValue {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    AttributeValue::N((now + secs).to_string())
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The row of `entry`; a resolved one expires `resolved_kept_secs` from now.
fn to_item(entry: &LedgerEntry, resolved_kept_secs: u64) -> HashMap<String, AttributeValue> {
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let mut item = HashMap::from([
        ("dedup_key".to_owned(), s(&entry.dedup_key)),
        (
            "next_incident".to_owned(),
            AttributeValue::N(entry.next_incident.to_string()),
        ),
        ("role_id".to_owned(), s(&entry.role.id)),
        ("role_name".to_owned(), s(&entry.role.name)),
        ("account".to_owned(), s(&entry.role.account)),
        ("region".to_owned(), s(&entry.role.region)),
        (
            "ordering_ms".to_owned(),
            AttributeValue::N(entry.ordering_ms.to_string()),
        ),
    ]);
    if let Some(arn) = &entry.role.arn {
        item.insert("role_arn".to_owned(), s(arn));
    }
    if entry.writes > 0 {
        item.insert("writes".to_owned(), AttributeValue::N(entry.writes.to_string()));
    }
    if entry.triggered_ms != 0 {
        item.insert(
            "triggered_ms".to_owned(),
            AttributeValue::N(entry.triggered_ms.to_string()),
        );
    }
    if let Some(notice) = &entry.pending {
        // A notice serialises to plain JSON: it can't fail.
        item.insert(
            "pending".to_owned(),
            s(&serde_json::to_string(notice).unwrap_or_default()),
        );
        item.insert(
            "pending_since_ms".to_owned(),
            AttributeValue::N(entry.pending_since_ms.to_string()),
        );
    }
    match &entry.alert {
        Some(alert) => {
            item.insert("route".to_owned(), s(alert.route.as_str()));
            item.insert("severity".to_owned(), s(alert.severity.as_str()));
            if let Some(finding) = alert.finding {
                item.insert("finding".to_owned(), s(finding.as_str()));
            }
            item.insert("digest".to_owned(), AttributeValue::Bool(alert.digest));
            if alert.unconfirmed {
                item.insert("unconfirmed".to_owned(), AttributeValue::Bool(true));
            }
            if !alert.findings.is_empty() {
                item.insert("findings".to_owned(), s(&alert.findings.tag()));
            }
            if !alert.latest.is_empty() {
                item.insert("latest".to_owned(), s(&alert.latest.tag()));
            }
            if alert.incident > 0 {
                item.insert("incident".to_owned(), AttributeValue::N(alert.incident.to_string()));
            }
            // The newest where a release that kept one generation reads it, the earlier ones beside.
            let mut replaced = alert.replaced.incidents();
            if let Some((severity, incident)) = replaced.next_back() {
                item.insert("replaced_severity".to_owned(), s(severity.as_str()));
                item.insert("replaced_incident".to_owned(), AttributeValue::N(incident.to_string()));
            }
            let earlier: Vec<String> = replaced
                .map(|(severity, incident)| format!("{}:{incident}", severity.as_str()))
                .collect();
            if !earlier.is_empty() {
                item.insert("replaced_earlier".to_owned(), s(&earlier.join(" ")));
            }
        }
        None => {
            // Resolved rows stay a while so that a late page can be told apart, then expire.
            item.insert("expires_at".to_owned(), expiry(resolved_kept_secs));
        }
    }
    item
}

/// A row [`from_item`] can't read (another release's route, a field missing), as a decision
/// sees it: no alert and nothing pending, but the version it has, so that the role's next
/// decision replaces it; written only onto a row that isn't there, it would be refused for ever.
fn unreadable(dedup_key: &str, item: &HashMap<String, AttributeValue>) -> LedgerEntry {
    let n = |name: &str| item.get(name).and_then(|v| v.as_n().ok());
    LedgerEntry {
        dedup_key: dedup_key.to_owned(),
        role: RoleRef {
            id: String::new(),
            name: String::new(),
            arn: None,
            account: String::new(),
            region: String::new(),
        },
        alert: None,
        ordering_ms: n("ordering_ms").and_then(|v| v.parse().ok()).unwrap_or(i64::MIN),
        next_incident: n("next_incident").and_then(|v| v.parse().ok()).unwrap_or(1),
        writes: n("writes").and_then(|v| v.parse().ok()).unwrap_or(0),
        pending: None,
        pending_since_ms: 0,
        triggered_ms: 0,
    }
}

/// A row dated further ahead than clocks differ, as a decision sees it: its alert and notice are
/// no evaluation's, so they are not trusted (the role is paged anew if it fails, and the alert's
/// incident resolved either way: [`Alert::unconfirmed`]), and its version is kept, so that the
/// decision replaces it.
fn distrust_the_future(mut entry: LedgerEntry) -> LedgerEntry {
    if entry.is_from_the_future() {
        tracing::error!(
            dedup_key = entry.dedup_key,
            ordering_ms = entry.ordering_ms,
            "a ledger row is dated ahead of this clock: no evaluation wrote it; its alert is not trusted and this decision replaces it"
        );
        distrust_alert(&mut entry);
        entry.pending = None;
    }
    entry
}

fn distrust_alert(entry: &mut LedgerEntry) {
    if let Some(alert) = &mut entry.alert {
        alert.unconfirmed = true;
    }
}

/// `entry` with the notice its row holds pending. One this release can't read (of another
/// release, or edited by hand) can't be sent; the row's alert stands for the notifier and the
/// pager, whose pages it still holds open ([`to_decide_on`] distrusts it for a decision).
fn with_pending(mut entry: LedgerEntry, pending: Option<String>) -> LedgerEntry {
    let Some(json) = pending else { return entry };
    match serde_json::from_str(&json) {
        Ok(notice) => entry.pending = Some(notice),
        Err(error) => tracing::error!(
            dedup_key = entry.dedup_key,
            %error,
            "unreadable pending notice in an alerts-ledger row: not sent"
        ),
    }
    entry
}

/// A row as a decision reads it ([`from_item`]). A pending notice this release can't read may
/// have been the trigger of the row's alert: the alert is not trusted then, so the decision pages
/// again what still fails (a page too many, where a resolve was lost, beats a page lost) and
/// resolves the alert's incident in case it is open ([`Alert::unconfirmed`]).
fn to_decide_on(item: &HashMap<String, AttributeValue>) -> Option<LedgerEntry> {
    let mut entry = from_item(item)?;
    let written = item.get("pending").is_some_and(|v| v.as_s().is_ok());
    if written && entry.pending.is_none() {
        tracing::warn!(
            dedup_key = entry.dedup_key,
            "the row's pending notice is unreadable: its alert is decided again"
        );
        distrust_alert(&mut entry);
    }
    Some(distrust_the_future(entry))
}

/// A row as written by [`to_item`]; a row it can't read is treated as absent (and logged).
fn from_item(item: &HashMap<String, AttributeValue>) -> Option<LedgerEntry> {
    let s = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let entry = (|| {
        let alert = match s("route") {
            None => None,
            // An alert open on a route stays open whatever else can't be read (a severity or
            // finding of another release): read as LOW, any new alert raises it again.
            Some(route) => Some(Alert {
                route: Route::parse(&route)?,
                severity: s("severity")
                    .and_then(|text| Severity::parse(&text))
                    .unwrap_or(Severity::Low),
                finding: s("finding").and_then(|text| FindingId::parse(&text)),
                digest: item
                    .get("digest")
                    .and_then(|v| v.as_bool().ok())
                    .copied()
                    .unwrap_or(false),
                findings: s("findings").map_or_else(Seen::default, |tag| Seen::from_tag(&tag)),
                latest: s("latest").map_or_else(Seen::default, |tag| Seen::from_tag(&tag)),
                on_route: Seen::default(),
                incident: item
                    .get("incident")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
                // Severity and number both or neither: a severity this release can't read names
                // no incident it can resolve.
                replaced: (s("replaced_earlier").unwrap_or_default().split(' '))
                    .filter_map(|earlier| {
                        let (severity, incident) = earlier.split_once(':')?;
                        Severity::parse(severity).zip(incident.parse().ok())
                    })
                    .chain(
                        s("replaced_severity").and_then(|text| Severity::parse(&text)).zip(
                            item.get("replaced_incident")
                                .and_then(|v| v.as_n().ok())
                                .and_then(|n| n.parse().ok()),
                        ),
                    )
                    .collect(),
                unconfirmed: item
                    .get("unconfirmed")
                    .and_then(|v| v.as_bool().ok())
                    .is_some_and(|&b| b),
            }),
        };
        Some(LedgerEntry {
            dedup_key: s("dedup_key")?,
            role: RoleRef {
                id: s("role_id")?,
                name: s("role_name")?,
                arn: s("role_arn"),
                account: s("account")?,
                region: s("region")?,
            },
            // A row written before incidents were numbered: its open incident (or the last
            // one, resolved) may hold the first number.
            next_incident: item
                .get("next_incident")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| alert.map_or(1, |a| a.incident.saturating_add(1))),
            alert,
            ordering_ms: item.get("ordering_ms")?.as_n().ok()?.parse().ok()?,
            // Steps of another release that can't be read can't be sent: the row's alert still
            // stands, and its next change sends what it calls for.
            writes: item
                .get("writes")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            pending_since_ms: item
                .get("pending_since_ms")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            triggered_ms: item
                .get("triggered_ms")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            pending: None,
        })
    })()
    .map(|entry| with_pending(entry, s("pending")));
    if entry.is_none() {
        tracing::warn!(dedup_key = ?s("dedup_key"), "unreadable alerts-ledger row; treated as absent");
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The alert a verdict with one failing finding, `TRUST_PUBLIC` at `severity`, calls for.
    fn alert(route: Route, severity: Severity) -> Alert {
        let public = Seen::from_iter([(FindingId::TrustPublic, severity)]);
        Alert {
            route,
            severity,
            finding: Some(FindingId::TrustPublic),
            digest: false,
            findings: public,
            latest: public,
            on_route: public,
            incident: 0,
            replaced: Replaced::default(),
            unconfirmed: false,
        }
    }

    /// `alert` as the ledger keeps it.
    fn recorded(alert: Alert) -> Alert {
        Alert {
            on_route: Seen::default(),
            ..alert
        }
    }

    /// Each step's action, severity and incident number.
    fn numbered(steps: &[Step]) -> Vec<(Action, Severity, u32)> {
        steps.iter().map(|s| (s.action, s.severity, s.incident)).collect()
    }

    /// `like` with the findings `news` new beside those `open` has seen.
    fn with_news(open: &Alert, news: Seen, like: Alert) -> Alert {
        Alert {
            findings: open.findings.merged(news),
            on_route: news,
            ..like
        }
    }

    fn actions(steps: &[Step]) -> Vec<(Action, Route)> {
        steps.iter().map(|s| (s.action, s.route)).collect()
    }

    #[test]
    fn an_alert_names_the_finding_the_annotation_leads_with() {
        // Public (statement 0) and any GitHub repository (statement 1): both CRITICAL.
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#;
        let verdict = trustcheck::check(policy, &trustcheck::Role::default(), &trustcheck::RuleParams::default());
        let severities: Vec<Severity> = verdict.failing().map(|f| f.severity).collect();
        assert_eq!(severities, [Severity::Critical, Severity::Critical]);
        let alert = Alert::for_verdict(&verdict, Severity::High).unwrap();
        assert_eq!(alert.finding, Some(FindingId::TrustPublic));
        assert!(verdict.annotation.starts_with("TRUST_PUBLIC"), "{}", verdict.annotation);
    }

    #[test]
    fn an_unreadable_policy_pages_whatever_the_paging_threshold() {
        let critical_only = Severity::Critical;
        let role = trustcheck::Role::default();
        let params = trustcheck::RuleParams::default();
        // HIGH, and failing closed: what it hides is unknown, so it pages as a CRITICAL would.
        let unreadable = trustcheck::check("{\"Statement\": 42}", &role, &params);
        let alert = Alert::for_verdict(&unreadable, critical_only).unwrap();
        assert_eq!(alert.finding, Some(FindingId::PolicyUnparseable));
        assert_eq!((alert.route, alert.severity), (Route::Page, Severity::High));
        assert_eq!(
            alert.on_route.severity(FindingId::PolicyUnparseable),
            Some(Severity::High)
        );
        // A HIGH finding of a policy that could be read stays below that threshold.
        let edge_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let lambda_role = trustcheck::Role {
            functions: vec!["arn:aws:lambda:us-east-1:123456789012:function:f".to_owned()],
            ..trustcheck::Role::default()
        };
        let broken = trustcheck::check(edge_only, &lambda_role, &params);
        let alert = Alert::for_verdict(&broken, critical_only).unwrap();
        assert_eq!((alert.route, alert.severity), (Route::Notify, Severity::High));
        // Beside it, an operator IAM doesn't know (the statement can't be read): the page goes,
        // for the unreadable statement, whichever HIGH finding comes first.
        let both = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/x"},"Action":"sts:AssumeRole","Condition":{"StringEqualz":{"aws:PrincipalTag/team":"a"}}}]}"#;
        let verdict = trustcheck::check(both, &lambda_role, &params);
        let failing: Vec<FindingId> = verdict.failing().map(|f| f.id).collect();
        assert!(
            failing.contains(&FindingId::PolicyUnparseable) && failing[0] != FindingId::PolicyUnparseable,
            "{failing:?}"
        );
        let alert = Alert::for_verdict(&verdict, critical_only).unwrap();
        assert_eq!(alert.route, Route::Page);
        assert_eq!(alert.finding, Some(FindingId::PolicyUnparseable));
        assert_eq!(
            alert.on_route.severity(FindingId::PolicyUnparseable),
            Some(Severity::High)
        );
    }

    #[test]
    fn every_crossing_of_the_paging_threshold_pages_or_resolves_on_the_route_it_opened() {
        use Action::*;
        let medium = alert(Route::Notify, Severity::Medium);
        let high = alert(Route::Page, Severity::High);
        let critical = alert(Route::Page, Severity::Critical);
        assert_eq!(actions(&decide(None, None)), []);
        assert_eq!(actions(&decide(None, Some(&critical))), [(Trigger, Route::Page)]);
        assert_eq!(actions(&decide(Some(&critical), None)), [(Resolve, Route::Page)]);
        // MEDIUM → CRITICAL while NON_COMPLIANT all along: the page Config never announces.
        assert_eq!(
            actions(&decide(Some(&medium), Some(&critical))),
            [(Trigger, Route::Page), (Resolve, Route::Notify)]
        );
        // CRITICAL → MEDIUM: the page is resolved where it was opened.
        assert_eq!(
            actions(&decide(Some(&critical), Some(&medium))),
            [(Trigger, Route::Notify), (Resolve, Route::Page)]
        );
        // HIGH → CRITICAL on the page route: a new incident, the old one resolved.
        assert_eq!(
            actions(&decide(Some(&high), Some(&critical))),
            [(Trigger, Route::Page), (Resolve, Route::Page)]
        );
        assert_eq!(decide(Some(&high), Some(&critical))[1].severity, Severity::High);
        assert_eq!(actions(&decide(Some(&critical), Some(&high))), []);
        // Lower now, the open incident is still the CRITICAL one: its resolve needs that key. (The
        // row learns the lower finding; CRITICAL again is no return: the finding never left, and
        // a severity that swings, mappings listed one time and not the next, pages nobody.)
        let lower = Review::new(Some(&recorded(critical)), Some(high), 1).record.flatten();
        assert_eq!(
            lower.map(|a| (a.severity, a.incident, a.latest)),
            Some((Severity::Critical, 0, high.latest))
        );
        assert_eq!(decide(lower.as_ref(), Some(&critical)), []);
        let other_finding = Alert {
            finding: Some(FindingId::LambdaTrustMissing),
            ..high
        };
        assert_eq!(
            Review::new(Some(&critical), Some(other_finding), 1).record,
            Some(Some(recorded(Alert {
                severity: Severity::Critical,
                findings: critical.findings,
                ..other_finding
            })))
        );
        assert_ne!(
            incident_key("aws-config/k", Severity::High, 0),
            incident_key("aws-config/k", Severity::Critical, 0)
        );
        assert!(incident_key(&"x".repeat(300), Severity::Critical, 1).len() <= 255);
        assert_eq!(actions(&decide(Some(&critical), Some(&critical))), []);
        let resolve = decide(Some(&critical), Some(&medium))[1];
        assert_eq!(
            (resolve.severity, resolve.finding),
            (Severity::Critical, Some(FindingId::TrustPublic))
        );
    }

    #[test]
    fn a_finding_new_or_worse_since_the_role_alerted_opens_a_new_incident() {
        use FindingId::*;
        use Severity::*;
        let set = |ids: &[FindingId]| ids.iter().copied().collect::<FindingSet>();
        let seen = |found: &[(FindingId, Severity)]| found.iter().copied().collect::<Seen>();
        // The page-route alert a verdict with these failing findings calls for.
        let paged = |found: &[(FindingId, Severity)]| {
            let worst = found.iter().max_by_key(|(_, severity)| *severity).copied();
            Alert {
                route: Route::Page,
                severity: worst.map_or(Critical, |(_, severity)| severity),
                finding: worst.map(|(id, _)| id),
                digest: false,
                findings: seen(found),
                latest: seen(found),
                on_route: seen(found),
                incident: 0,
                replaced: Replaced::default(),
                unconfirmed: false,
            }
        };
        let lambda = recorded(paged(&[(LambdaTrustMissing, Critical)]));
        // Paged for a broken Lambda trust, then made public too: same severity, a new incident
        // about the public trust, numbered after the one it replaces.
        let both = paged(&[(LambdaTrustMissing, Critical), (TrustPublic, Critical)]);
        let review = Review::new(Some(&lambda), Some(both), 1);
        assert_eq!(
            actions(&review.steps),
            [(Action::Trigger, Route::Page), (Action::Resolve, Route::Page)]
        );
        assert_eq!(
            (review.steps[0].new, review.steps[1].new),
            (set(&[TrustPublic]), set(&[]))
        );
        let keys: Vec<String> = review
            .steps
            .iter()
            .map(|s| incident_key("aws-config/k", s.severity, s.incident))
            .collect();
        assert_eq!(keys, ["aws-config/k/critical/1", "aws-config/k/critical"]);
        let both = review.record.flatten().expect("recorded");
        assert_eq!(both.incident, 1);
        // Whichever evaluation decides it (a trigger sent whose record was lost, decided again),
        // the new incident has the same key: a second trigger joins it.
        assert_eq!(
            Review::new(
                Some(&lambda),
                Some(paged(&[(LambdaTrustMissing, Critical), (TrustPublic, Critical)])),
                1
            )
            .steps,
            review.steps
        );
        // A lower new finding on the page route pages too, and so does one found as the
        // incident's own is fixed.
        let lambda_and_oidc = paged(&[(LambdaTrustMissing, Critical), (TrustOidcUnscoped, High)]);
        assert_eq!(decide(Some(&lambda), Some(&lambda_and_oidc)).len(), 2);
        let oidc = paged(&[(TrustOidcUnscoped, High)]);
        assert_eq!(
            actions(&decide(Some(&lambda), Some(&oidc))),
            [(Action::Trigger, Route::Page), (Action::Resolve, Route::Page)]
        );
        // Still failing: nothing new. One of the findings fixed: no page; the incident keeps its
        // key, and the row the findings of this evaluation.
        assert_eq!(
            decide(
                Some(&both),
                Some(&paged(&[(TrustPublic, Critical), (LambdaTrustMissing, Critical)]))
            ),
            []
        );
        let review = Review::new(Some(&both), Some(paged(&[(LambdaTrustMissing, Critical)])), 2);
        assert_eq!(review.steps, []);
        let fixed = review.record.flatten().expect("recorded: it has fewer findings now");
        assert_eq!(
            (fixed.incident, fixed.findings, fixed.latest),
            (1, both.findings, seen(&[(LambdaTrustMissing, Critical)]))
        );
        // Then back (its incident perhaps resolved by hand meanwhile): a new exposure, a new
        // incident about it, replacing the open one.
        let review = Review::new(
            Some(&fixed),
            Some(paged(&[(TrustPublic, Critical), (LambdaTrustMissing, Critical)])),
            2,
        );
        assert_eq!(
            (review.steps.iter())
                .map(|s| (s.action, s.incident, s.new))
                .collect::<Vec<_>>(),
            [
                (Action::Trigger, 2, set(&[TrustPublic])),
                (Action::Resolve, 1, set(&[])),
                (Action::Resolve, 0, set(&[]))
            ]
        );
        // An evaluation judged in part (a region's functions not listed) that lacks the Lambda
        // finding lost it to the listing, not to a fix: the next full evaluation's is no return.
        let partial = Review::new(Some(&both), Some(paged(&[(TrustPublic, Critical)])), 2);
        assert_eq!(partial.steps, []);
        let kept = partial
            .judged(Judged::InPart, Some(&both))
            .record
            .flatten()
            .expect("recorded");
        assert_eq!(kept.latest, both.latest);
        let full = paged(&[(TrustPublic, Critical), (LambdaTrustMissing, Critical)]);
        assert_eq!(decide(Some(&kept), Some(&full)), []);
        // Recorded as a whole evaluation, the same one would have paged it anew.
        let whole = Review::new(Some(&both), Some(paged(&[(TrustPublic, Critical)])), 2);
        let lost = whole
            .judged(Judged::Wholly, Some(&both))
            .record
            .flatten()
            .expect("recorded");
        assert_eq!(decide(Some(&lost), Some(&full)).len(), 3);
        // A finding no function decides that an evaluation in part lacks is gone: when it comes
        // back (the public trust fixed, its incident resolved by hand, then made public again),
        // it pages.
        let fixed = Review::new(Some(&both), Some(paged(&[(LambdaTrustMissing, Critical)])), 2);
        let fixed = fixed
            .judged(Judged::InPart, Some(&both))
            .record
            .flatten()
            .expect("recorded");
        assert_eq!(fixed.latest, seen(&[(LambdaTrustMissing, Critical)]));
        let back = decide(Some(&fixed), Some(&full));
        assert_eq!(back.first().map(|s| s.new), Some(set(&[TrustPublic])));
        // Nor is what an alert no evaluation may have written says kept.
        let unconfirmed = Alert {
            unconfirmed: true,
            ..both
        };
        let review = Review::new(Some(&unconfirmed), Some(paged(&[(TrustPublic, Critical)])), 2);
        let kept = review
            .judged(Judged::InPart, Some(&unconfirmed))
            .record
            .flatten()
            .expect("recorded");
        assert_eq!(kept.latest, Seen::default());
        // With no open alert to keep them from, the latest stay unknown (the finding the full
        // evaluation adds was never announced, and pages as new).
        let opened = Review::new(None, Some(paged(&[(TrustPublic, Critical)])), 2).judged(Judged::InPart, None);
        let opened = opened.record.flatten().expect("recorded");
        assert_eq!(opened.latest, Seen::default());
        // Two findings taking turns page at each return.
        let with_c = paged(&[(TrustPublic, Critical), (TrustOidcUnscoped, Critical)]);
        let review = Review::new(Some(&both), Some(with_c), 2);
        // The trigger, the open incident's resolve and that of the one it replaced.
        let incidents: Vec<(Action, u32)> = review.steps.iter().map(|s| (s.action, s.incident)).collect();
        assert_eq!(
            incidents,
            [(Action::Trigger, 2), (Action::Resolve, 1), (Action::Resolve, 0)]
        );
        let now = review.record.flatten().expect("recorded");
        assert_eq!(now.incident, 2);
        assert_eq!(
            now.findings.iter().map(|(id, _)| id).collect::<FindingSet>(),
            set(&[LambdaTrustMissing, TrustPublic, TrustOidcUnscoped])
        );
        let back = decide(
            Some(&now),
            Some(&paged(&[(TrustPublic, Critical), (LambdaTrustMissing, Critical)])),
        );
        assert_eq!(
            back.first().map(|s| (s.action, s.new)),
            Some((Action::Trigger, set(&[LambdaTrustMissing])))
        );
        // A finding seen below the route before (the paging threshold lowered since) is no news;
        // the same finding worse than it was is (an OIDC trust widened to every repository).
        let with_medium_before = Alert {
            findings: seen(&[(TrustPublic, Critical), (TrustOidcUnscoped, Medium)]),
            latest: seen(&[(TrustPublic, Critical), (TrustOidcUnscoped, Medium)]),
            ..recorded(paged(&[(TrustPublic, Critical)]))
        };
        let medium_paged = paged(&[(TrustPublic, Critical), (TrustOidcUnscoped, Medium)]);
        assert_eq!(decide(Some(&with_medium_before), Some(&medium_paged)), []);
        let widened = paged(&[(TrustPublic, Critical), (TrustOidcUnscoped, Critical)]);
        let steps = decide(Some(&with_medium_before), Some(&widened));
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].new, set(&[TrustOidcUnscoped]));
        // An alert recorded before findings were kept: nothing is taken as new; it keeps its key
        // (the severity alone) and learns its findings.
        let legacy = Alert {
            findings: Seen::default(),
            latest: Seen::default(),
            ..lambda
        };
        let review = Review::new(
            Some(&legacy),
            Some(paged(&[(LambdaTrustMissing, Critical), (TrustPublic, Critical)])),
            1,
        );
        assert_eq!(review.steps, []);
        let learnt = review.record.flatten().expect("recorded with its findings");
        assert_eq!((learnt.findings.is_empty(), learnt.incident), (false, 0));
        assert_eq!(
            incident_key("aws-config/k", Critical, learnt.incident),
            "aws-config/k/critical"
        );
        assert_eq!(
            decide(Some(&learnt), Some(&paged(&[(TrustOidcUnscoped, Critical)]))).len(),
            2
        );
        let high_legacy = Alert {
            severity: High,
            ..legacy
        };
        assert_eq!(
            decide(Some(&high_legacy), Some(&paged(&[(TrustPublic, Critical)]))).len(),
            2
        );
    }

    #[test]
    fn every_incident_of_a_role_has_a_number_of_its_own() {
        let critical = alert(Route::Page, Severity::Critical);
        let medium = alert(Route::Notify, Severity::Medium);
        // Paged, fixed, broken again: the second incident never takes the first one's key (its
        // resolve may still be in flight, the incident acknowledged).
        let first = Review::new(None, Some(critical), 0);
        assert_eq!((first.steps[0].incident, first.next_incident), (0, 1));
        let fixed = Review::new(Some(&recorded(critical)), None, first.next_incident);
        assert_eq!((fixed.steps[0].incident, fixed.next_incident), (0, 1));
        let again = Review::new(None, Some(critical), fixed.next_incident);
        assert_eq!(again.steps[0].incident, 1);
        assert_eq!(
            incident_key("aws-config/k", Severity::Critical, again.steps[0].incident),
            "aws-config/k/critical/1"
        );
        // CRITICAL → MEDIUM → CRITICAL: the page comes back under a new number too.
        let down = Review::new(Some(&recorded(critical)), Some(medium), 1);
        let down_alert = down.record.flatten().expect("recorded");
        let up = Review::new(Some(&down_alert), Some(critical), down.next_incident);
        assert_eq!(
            up.steps.iter().map(|s| (s.action, s.incident)).collect::<Vec<_>>(),
            [(Action::Trigger, 2), (Action::Resolve, 1)]
        );
        // Nothing sent: the count stays.
        assert_eq!(
            Review::new(Some(&recorded(critical)), Some(critical), 5).next_incident,
            5
        );
        // A move to another route starts the findings afresh: a finding seen on the old route's
        // incident, back on the new route, is news again.
        assert_eq!(down_alert.findings, medium.findings);
    }

    #[test]
    fn the_incident_a_trigger_replaced_is_resolved_again_with_its_replacement() {
        let (high, critical) = (
            alert(Route::Page, Severity::High),
            alert(Route::Page, Severity::Critical),
        );
        // HIGH, then CRITICAL: the new incident remembers the one it replaced.
        let escalated = Review::new(Some(&recorded(high)), Some(critical), 1);
        let opened = escalated.record.flatten().expect("recorded");
        assert_eq!(
            (opened.incident, opened.replaced),
            (1, Replaced::from_iter([(Severity::High, 0)]))
        );
        // Fixed: both are resolved (the escalation's trigger may never have got through, and
        // only its acceptance closed the HIGH one).
        let fixed = Review::new(Some(&opened), None, escalated.next_incident);
        assert_eq!(
            numbered(&fixed.steps),
            [
                (Action::Resolve, Severity::Critical, 1),
                (Action::Resolve, Severity::High, 0)
            ]
        );
        // Escalated again by a new finding: the new trigger replaces both, and remembers both (its
        // trigger may be superseded before the pager reads it, the previous one never taken).
        let oidc = Seen::from_iter([(FindingId::TrustOidcUnscoped, Severity::Critical)]);
        let newer = with_news(&opened, oidc, critical);
        let again = Review::new(Some(&opened), Some(newer), escalated.next_incident);
        assert_eq!(
            numbered(&again.steps),
            [
                (Action::Trigger, Severity::Critical, 2),
                (Action::Resolve, Severity::Critical, 1),
                (Action::Resolve, Severity::High, 0)
            ]
        );
        let again_opened = again.record.flatten().expect("recorded");
        assert_eq!(
            again_opened.replaced,
            Replaced::from_iter([(Severity::High, 0), (Severity::Critical, 1)])
        );
        // And again, a third finding before PagerDuty took either trigger: the fourth incident's
        // trigger still closes the first one, and so does the fix.
        let github = Seen::from_iter([
            (FindingId::TrustOidcUnscoped, Severity::Critical),
            (FindingId::CrossAccountUnconditioned, Severity::Critical),
        ]);
        let third = Review::new(
            Some(&again_opened),
            Some(with_news(&again_opened, github, critical)),
            again.next_incident,
        );
        assert_eq!(
            numbered(&third.steps),
            [
                (Action::Trigger, Severity::Critical, 3),
                (Action::Resolve, Severity::Critical, 2),
                (Action::Resolve, Severity::Critical, 1),
                (Action::Resolve, Severity::High, 0)
            ]
        );
        let third_opened = third.record.flatten().expect("recorded");
        let fixed = Review::new(Some(&third_opened), None, third.next_incident);
        let resolved: Vec<u32> = fixed.steps.iter().map(|s| s.incident).collect();
        assert_eq!(resolved, [3, 2, 1, 0]);
        let row = LedgerEntry {
            next_incident: 4,
            ..row_with(third_opened)
        };
        assert_eq!(from_item(&to_item(&row, RESOLVED_KEPT_SECS)), Some(row));
        // Kept (nothing new): it keeps what it replaced. A move to another route replaces nothing.
        let kept = Review::new(Some(&opened), Some(critical), 2);
        assert_eq!(kept.record, None);
        let moved = Review::new(Some(&opened), Some(alert(Route::Notify, Severity::Medium)), 2);
        assert_eq!(moved.record.flatten().map(|a| a.replaced), Some(Replaced::default()));
        // A row keeps it.
        let row = LedgerEntry {
            next_incident: 2,
            ..row_with(opened)
        };
        assert_eq!(from_item(&to_item(&row, RESOLVED_KEPT_SECS)), Some(row));
    }

    #[test]
    fn replaced_incidents_keep_every_generation_up_to_the_capacity() {
        let chain = |n: u32| (0..n).fold(Replaced::default(), |r, i| r.and(Severity::High, i));
        let numbers = |r: Replaced| r.incidents().map(|(_, i)| i).collect::<Vec<_>>();
        assert!(chain(0).is_empty());
        assert_eq!(numbers(chain(3)), [0, 1, 2]);
        let full = Replaced::CAPACITY as u32;
        assert_eq!(numbers(chain(full)), (0..full).collect::<Vec<_>>());
        // Past it the oldest goes, and the list stays in order.
        assert_eq!(numbers(chain(full + 2)), (2..full + 2).collect::<Vec<_>>());
        assert_eq!(chain(full + 2), (2..full + 2).map(|i| (Severity::High, i)).collect());
    }

    #[test]
    fn a_row_of_a_release_that_kept_one_replaced_incident_reads_as_one() {
        let opened = Alert {
            incident: 5,
            replaced: Replaced::from_iter([(Severity::Medium, 2), (Severity::High, 4)]),
            ..recorded(alert(Route::Page, Severity::Critical))
        };
        let row = LedgerEntry {
            next_incident: 6,
            ..row_with(opened)
        };
        let mut item = to_item(&row, RESOLVED_KEPT_SECS);
        // The newest where the earlier release reads it.
        assert_eq!(
            item.get("replaced_severity"),
            Some(&AttributeValue::S("HIGH".to_owned()))
        );
        assert_eq!(item.get("replaced_incident"), Some(&AttributeValue::N("4".to_owned())));
        item.remove("replaced_earlier");
        let read = from_item(&item).and_then(|entry| entry.alert).expect("an alert");
        assert_eq!(read.replaced, Replaced::from_iter([(Severity::High, 4)]));
        // An earlier one of a severity this release can't read is skipped, the others kept.
        item.insert(
            "replaced_earlier".to_owned(),
            AttributeValue::S("SEVERE:1 MEDIUM:2 LOW:x".to_owned()),
        );
        let read = from_item(&item).and_then(|entry| entry.alert).expect("an alert");
        assert_eq!(
            read.replaced,
            Replaced::from_iter([(Severity::Medium, 2), (Severity::High, 4)])
        );
    }

    #[test]
    fn over_budget_a_new_finding_keeps_the_open_incident() {
        let open = recorded(alert(Route::Page, Severity::Critical));
        let both = Seen::from_iter([
            (FindingId::TrustPublic, Severity::Critical),
            (FindingId::TrustOidcUnscoped, Severity::Critical),
        ]);
        let new_finding = Alert {
            findings: both,
            on_route: both,
            ..alert(Route::Page, Severity::Critical)
        };
        let review = Review::new(Some(&open), Some(new_finding), 1).into_digest(Some(&open));
        // Nothing sent: the incident stays open, the digest carries the news; recorded once the
        // digest is sent, with the finding, so it is not news again.
        assert_eq!(review.steps, []);
        let kept = review.record.flatten().expect("recorded");
        assert_eq!((kept.incident, kept.digest), (open.incident, false));
        assert_eq!(kept.findings, both);
    }

    #[test]
    fn findings_seen_are_kept_as_a_tag_and_read_back_leniently() {
        assert!(FindingId::ALL.len() * 3 <= 64, "Seen keeps three bits per finding");
        assert!(FindingId::ALL.len() <= 32, "FindingSet keeps one bit per finding");
        let seen: Seen = [
            (FindingId::TrustPublic, Severity::Critical),
            (FindingId::LambdaTrustMissing, Severity::High),
            (FindingId::LambdaTrustMissing, Severity::Medium),
        ]
        .into_iter()
        .collect();
        assert_eq!(seen.tag(), "LAMBDA_TRUST_MISSING=HIGH+TRUST_PUBLIC=CRITICAL");
        assert_eq!(Seen::from_tag(&seen.tag()), seen);
        assert_eq!(
            Seen::from_tag("TRUST_PUBLIC=CRITICAL+A_FINDING_OF_LATER=HIGH+DANGLING_PRINCIPAL=SEVERE"),
            [(FindingId::TrustPublic, Severity::Critical)].into_iter().collect()
        );
        for id in FindingId::ALL {
            for severity in Severity::ALL {
                let one = Seen::from_iter([(id, severity)]);
                assert_eq!(one.iter().collect::<Vec<_>>(), [(id, severity)]);
                assert_eq!(FindingSet::from_iter([id]).iter().collect::<Vec<_>>(), [id]);
            }
        }
        let set: FindingSet = [FindingId::TrustPublic, FindingId::LambdaTrustMissing]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["LAMBDA_TRUST_MISSING","TRUST_PUBLIC"]"#
        );
        let read: FindingSet = serde_json::from_str(r#"["TRUST_PUBLIC","A_FINDING_OF_LATER"]"#).unwrap();
        assert_eq!(read.iter().collect::<Vec<_>>(), [FindingId::TrustPublic]);
    }

    #[test]
    fn a_notice_carries_the_first_mappings_and_counts_them_all() {
        let mapping = |i: usize| EventSource {
            function: "orders".into(),
            uuid: None,
            source: format!("arn:aws:sqs:us-east-1:111122223333:queue-{i}"),
            kind: trustcheck::SourceKind::Sqs,
            state: "Enabled".into(),
            state_reason: None,
            last_result: None,
            backlog: None,
        };
        let mut verdict = Verdict::not_applicable("any verdict");
        verdict.stopped = (0..400).map(mapping).collect();
        let role = RoleRef {
            id: "AROAEXAMPLE".into(),
            name: "shared".into(),
            arn: None,
            account: "111122223333".into(),
            region: "us-east-1".into(),
        };
        let at = Ordering {
            text: "2026-11-30T00:00:00Z".into(),
            millis: 0,
        };
        let notice = Transition::new("key".into(), "rule", role, at, &verdict, Vec::new());
        assert_eq!(notice.stopped, verdict.stopped[..STOPPED_IN_NOTICE]);
        assert_eq!(notice.stopped_total, 400);
        // Far below SNS's 256 KB, with room for the page's text around it.
        let size = serde_json::to_string(&notice).unwrap().len();
        assert!(size < 16 * 1024, "{size} bytes");
    }

    #[test]
    fn a_digest_s_key_names_its_roles_so_a_retry_naming_another_joins_no_incident() {
        let key = |roles: &[&str]| digest_key("1", "us-east-1", "r", "2026-12-02T00:00:00Z", 3, Route::Page, roles);
        let (a, b) = (
            "aws-config/1/us-east-1/r/AWS::IAM::Role/A",
            "aws-config/1/us-east-1/r/AWS::IAM::Role/B",
        );
        // A retry of the part naming the same roles, in any order: the same incident.
        assert_eq!(key(&[a, b]), key(&[b, a]));
        // One naming a role more (its decision failed the first time): a new one, which notifies.
        assert_ne!(key(&[a]), key(&[a, b]));
        assert!(is_digest_key(&key(&[a, b])), "{}", key(&[a, b]));
        assert!(key(&[a]).contains("/digest/2026-12-02T00:00:00Z/part-3/roles-"));
        let notify = digest_key("1", "us-east-1", "r", "2026-12-02T00:00:00Z", 3, Route::Notify, &[a]);
        assert!(notify.ends_with("/notify") && is_digest_key(&notify), "{notify}");
    }

    #[test]
    fn a_digest_covered_alert_is_resolved_in_case_its_key_has_an_incident() {
        let digested = Alert {
            digest: true,
            ..alert(Route::Page, Severity::High)
        };
        assert_eq!(
            actions(&decide(Some(&digested), None)),
            [(Action::Resolve, Route::Page)]
        );
        // On the notify route a digest-covered alert has no incident anywhere: nothing to resolve.
        let notify_digested = Alert {
            digest: true,
            ..alert(Route::Notify, Severity::Medium)
        };
        assert_eq!(decide(Some(&notify_digested), None), []);
        let same = Alert {
            digest: false,
            ..digested
        };
        assert!(decide(Some(&digested), Some(&same)).is_empty());
        assert_eq!(Review::new(Some(&recorded(digested)), Some(same), 1).record, None);
        assert_eq!(Review::new(Some(&digested), None, 1).record, Some(None));
        let critical = alert(Route::Page, Severity::Critical);
        assert_eq!(
            actions(&decide(Some(&digested), Some(&critical))),
            [(Action::Trigger, Route::Page), (Action::Resolve, Route::Page)]
        );
        // Numbered after the digest-covered alert, like any trigger on its route.
        assert_eq!(
            Review::new(Some(&digested), Some(critical), 1).record,
            Some(Some(recorded(Alert {
                incident: 1,
                findings: digested.findings.merged(critical.findings),
                ..critical
            })))
        );
    }

    #[test]
    fn over_budget_the_trigger_becomes_the_digests_and_resolves_still_go() {
        let medium = alert(Route::Notify, Severity::Medium);
        let critical = alert(Route::Page, Severity::Critical);
        let review = Review::new(Some(&medium), Some(critical), 1).into_digest(Some(&medium));
        assert_eq!(actions(&review.steps), [(Action::Resolve, Route::Notify)]);
        assert_eq!(
            review.record,
            Some(Some(recorded(Alert {
                digest: true,
                incident: 1,
                ..critical
            })))
        );
        assert_eq!(review.trigger_route(), None);
        assert_eq!(Review::new(Some(&recorded(critical)), Some(critical), 1).record, None);
    }

    #[test]
    fn keys_stay_within_pagerduty_limits_and_apart() {
        let short = dedup_key("123456789012", "us-east-1", "rule", "AWS::IAM::Role", "AROA1");
        assert_eq!(short, "aws-config/123456789012/us-east-1/rule/AWS::IAM::Role/AROA1");
        let long_a = dedup_key("1", "r", &"x".repeat(300), "t", "a");
        let long_b = dedup_key("1", "r", &"x".repeat(300), "t", "b");
        assert!(long_a.len() <= DEDUP_KEY_MAX && long_b.len() <= DEDUP_KEY_MAX);
        assert_ne!(long_a, long_b);
    }

    #[test]
    fn a_row_of_the_release_before_latest_findings_holds_nothing_back_and_learns_them() {
        use FindingId::{LambdaTrustMissing, TrustPublic};
        let both = Seen::from_iter([
            (LambdaTrustMissing, Severity::Critical),
            (TrustPublic, Severity::Critical),
        ]);
        let entry = row_with(Alert {
            findings: both,
            ..alert(Route::Page, Severity::Critical)
        });
        let mut item = to_item(&entry, RESOLVED_KEPT_SECS);
        item.remove("latest");
        let read = from_item(&item).expect("readable");
        let open = read.alert.expect("its alert");
        assert_eq!((open.findings, open.latest), (both, Seen::default()));
        // Nothing comes back from a row that doesn't say what its last evaluation found; the
        // review records it.
        let now = Alert {
            findings: both,
            latest: both,
            on_route: both,
            ..alert(Route::Page, Severity::Critical)
        };
        let review = Review::new(Some(&open), Some(now), 1);
        assert_eq!(review.steps, []);
        assert_eq!(review.record.flatten().map(|a| a.latest), Some(both));
    }

    #[test]
    fn ledger_rows_read_back_as_written() {
        let entry = LedgerEntry {
            dedup_key: "k".into(),
            role: RoleRef {
                id: "AROA1".into(),
                name: "orders".into(),
                arn: Some("arn:aws:iam::123456789012:role/orders".into()),
                account: "123456789012".into(),
                region: "eu-west-1".into(),
            },
            alert: Some(recorded(Alert {
                digest: true,
                ..alert(Route::Notify, Severity::Medium)
            })),
            ordering_ms: 1_700_000_000_123,
            next_incident: 4,
            writes: 7,
            pending: None,
            pending_since_ms: 0,
            triggered_ms: 1_700_000_000_123,
        };
        assert_eq!(from_item(&to_item(&entry, RESOLVED_KEPT_SECS)), Some(entry.clone()));
        // With the notice it has yet to send, as it was decided.
        let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let verdict = trustcheck::check(public, &trustcheck::Role::default(), &trustcheck::RuleParams::default());
        let steps = Review::new(None, Alert::for_verdict(&verdict, Severity::High), 4).steps;
        let notice = Transition::new(
            "k".into(),
            "rule",
            entry.role.clone(),
            Ordering::of_millis(entry.ordering_ms),
            &verdict,
            steps,
        );
        let pending = LedgerEntry {
            pending: Some(notice),
            pending_since_ms: 1_700_000_000_456,
            ..entry.clone()
        };
        assert_eq!(from_item(&to_item(&pending, RESOLVED_KEPT_SECS)), Some(pending));
        let resolved = LedgerEntry { alert: None, ..entry };
        let item = to_item(&resolved, RESOLVED_KEPT_SECS);
        assert!(item.contains_key("expires_at"));
        assert_eq!(from_item(&item), Some(resolved));
    }

    #[test]
    fn a_pending_notice_of_another_release_is_not_sent_and_its_alert_is_decided_again() {
        let entry = row_with(recorded(alert(Route::Page, Severity::Critical)));
        let mut item = to_item(&entry, RESOLVED_KEPT_SECS);
        item.insert(
            "pending".into(),
            AttributeValue::S(r#"{"kind":"of a later release"}"#.into()),
        );
        // The notifier and the pager still see the open alert whose pages they send and resolve.
        assert_eq!(from_item(&item), Some(entry.clone()));
        // A decision doesn't trust it: that notice may have been its trigger.
        let decided_on = to_decide_on(&item).expect("readable");
        let open = decided_on.alert.expect("still open, to be resolved");
        assert!(open.unconfirmed);
        assert_eq!(decided_on.pending, None);
        assert_eq!(to_decide_on(&to_item(&entry, RESOLVED_KEPT_SECS)), Some(entry));

        // The role still failing alike is paged anew, as an incident that replaces the one the
        // row names (resolved after it, whether it is open or not); fixed, that one is resolved.
        let mut review = Review::new(Some(&open), Some(alert(Route::Page, Severity::Critical)), 2);
        assert_eq!(
            numbered(&review.steps),
            [
                (Action::Trigger, Severity::Critical, 2),
                (Action::Resolve, Severity::Critical, open.incident)
            ]
        );
        let recorded = review.record.take().flatten().expect("recorded");
        assert!(!recorded.unconfirmed);
        assert_eq!(
            recorded.replaced.incidents().collect::<Vec<_>>(),
            [(Severity::Critical, open.incident)]
        );
        // What it says it saw holds no news back, and over a sweep's budget its incident is not
        // kept: the digest announces the role and the resolve still goes.
        let everything = Alert {
            findings: Seen::from_iter([
                (FindingId::TrustPublic, Severity::Critical),
                (FindingId::LambdaTrustMissing, Severity::Critical),
            ]),
            ..open
        };
        let review = Review::new(Some(&everything), Some(alert(Route::Page, Severity::Critical)), 2);
        let recorded = review.record.flatten().expect("recorded");
        assert_eq!(recorded.findings, alert(Route::Page, Severity::Critical).findings);
        let digested = review.into_digest(Some(&everything));
        assert_eq!(
            numbered(&digested.steps),
            [(Action::Resolve, Severity::Critical, open.incident)]
        );
        let recorded = digested.record.flatten().expect("recorded");
        assert!(recorded.digest && !recorded.unconfirmed);
        let fixed = Review::new(Some(&open), None, 2);
        assert_eq!(
            numbered(&fixed.steps),
            [(Action::Resolve, Severity::Critical, open.incident)]
        );
        assert_eq!(fixed.record, Some(None));
    }

    /// The row of role `orders` with `alert` open, as its first evaluation wrote it.
    fn row_with(alert: Alert) -> LedgerEntry {
        LedgerEntry {
            dedup_key: "k".into(),
            role: RoleRef {
                id: "AROA1".into(),
                name: "orders".into(),
                arn: None,
                account: "123456789012".into(),
                region: "eu-west-1".into(),
            },
            alert: Some(alert),
            ordering_ms: 1,
            next_incident: 1,
            writes: 0,
            pending: None,
            pending_since_ms: 0,
            triggered_ms: 0,
        }
    }

    #[test]
    fn an_alert_of_another_release_stays_open_and_resolves() {
        let entry = row_with(recorded(alert(Route::Page, Severity::Critical)));
        let mut item = to_item(&entry, RESOLVED_KEPT_SECS);
        assert_eq!(item["findings"], AttributeValue::S("TRUST_PUBLIC=CRITICAL".into()));
        assert_eq!(from_item(&item), Some(entry.clone()));
        item.insert("finding".into(), AttributeValue::S("RENAMED_FINDING".into()));
        item.insert("severity".into(), AttributeValue::S("SEVERE".into()));
        let open = from_item(&item).and_then(|e| e.alert).expect("still open on its route");
        assert_eq!(
            (open.route, open.severity, open.finding),
            (Route::Page, Severity::Low, None)
        );
        // Fixed: resolved where it was opened. Worse: raised again, as a new incident.
        let resolve = decide(Some(&open), None);
        assert_eq!(actions(&resolve), [(Action::Resolve, Route::Page)]);
        assert_eq!(finding_name(resolve[0].finding), "UNKNOWN_FINDING");
        let high = alert(Route::Page, Severity::High);
        assert_eq!(
            actions(&decide(Some(&open), Some(&high))),
            [(Action::Trigger, Route::Page), (Action::Resolve, Route::Page)]
        );
    }
}
