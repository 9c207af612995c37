//! The pager: SNS → PagerDuty Events API v2. Accepts only the notifier's pages, adds the routing
//! key (read from an SSM SecureString, never logged, read again when PagerDuty rejects it), and
//! respects PagerDuty's limits: posts are paced to at most 120 a minute per sandbox (the function
//! runs one sandbox at a time), a 429 is waited out with growing pauses while the invocation has
//! time, then handed to Lambda's asynchronous retries (minutes apart), 5xx, 408 and 425 are
//! retried briefly, and a page PagerDuty refuses (400) is never posted again: it goes to the
//! dead-letter queue with the reason. An undeliverable page fails the invocation. A
//! role's page is posted only when its row in the alerts ledger agrees ([`word_on_page`]): a late
//! retry, a replay from the dead-letter queue or a page handed to the pager by hand is dropped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::{Mutex, RwLock};
pub use trustcheck_aws::alerts::NOTIFIER_CLIENT;
use trustcheck_aws::alerts::{is_digest_key, is_incident_of, Ledger, LedgerWord, Route, RowRead};

pub const DEFAULT_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Attempts for a 5xx, a 408 or 425, or a network error, when the invocation has no deadline to
/// go by; with one, they go on while it has the time ([`MAX_BACKOFF`] apart at most): an outage
/// of PagerDuty's outlasts a few quick attempts, and Lambda retries a failed invocation only
/// twice, a minute and two later.
const MAX_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest pause between two posts after a 5xx, a 408 or 425, or a network error.
const MAX_BACKOFF: Duration = Duration::from_secs(16);
/// The longest one post to PagerDuty may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// The first pause after a 429, doubled after each: PagerDuty's limit is per minute, and every
/// page behind this one waits too (one sandbox at a time), so the pauses are long but few.
const RATE_LIMIT_BACKOFF: Duration = Duration::from_secs(5);
/// How long a sandbox keeps the routing key before it reads it from SSM again: a rotated key
/// reaches every page within this, one `GetParameter` a minute at most.
const ROUTING_KEY_KEPT: Duration = Duration::from_secs(60);
/// What an invocation keeps in hand after a pause and its post: the dead-letter queue, and one
/// more post after a 429 (its 10 s timeout is inside this). Less than that left, a 429 goes to
/// Lambda's retries instead; a 5xx, 408 or 425 needs its post's timeout on top.
const DEADLINE_RESERVE: Duration = Duration::from_secs(15);
/// The longest one AWS call (SSM, the ledger, the dead-letter queue) may take with its retries,
/// and one attempt of it. Without them a hung connection held the page until Lambda's timeout
/// (90 s), though a routing key in hand could have sent it: each of these calls answers in
/// milliseconds when its service is well.
const AWS_CALL_TIMEOUT: Duration = Duration::from_secs(5);
const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// PagerDuty accepts about 120 events a minute per routing key: one every half second.
const MIN_INTERVAL: Duration = Duration::from_millis(500);
/// Fields that only serve PagerDuty's CloudWatch integration; the Events API doesn't want them.
const CLOUDWATCH_MIRROR: [&str; 3] = ["AlarmName", "NewStateValue", "OldStateValue"];

/// The length of a PagerDuty Events API v2 integration key (`routing_key`).
const ROUTING_KEY_CHARS: usize = 32;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Name of the SSM SecureString parameter holding the PagerDuty routing (integration) key.
    pub routing_key_parameter: String,
    pub events_url: String,
    /// Where a page PagerDuty refuses goes, with the reason (`DEAD_LETTER_QUEUE_URL`).
    pub dead_letter_queue_url: Option<String>,
    /// The alerts ledger (`ALERTS_TABLE`): without it, pages are not checked for being superseded.
    pub alerts_table: Option<String>,
}

impl Settings {
    pub fn from_env() -> Result<Settings, PagerError> {
        let parameter = std::env::var("ROUTING_KEY_PARAMETER")
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or(PagerError::Setting("ROUTING_KEY_PARAMETER is not set"))?;
        Ok(Settings {
            routing_key_parameter: parameter,
            events_url: std::env::var("PAGERDUTY_EVENTS_URL")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| DEFAULT_EVENTS_URL.to_owned()),
            dead_letter_queue_url: std::env::var("DEAD_LETTER_QUEUE_URL").ok().filter(|v| !v.is_empty()),
            alerts_table: std::env::var("ALERTS_TABLE").ok().filter(|v| !v.is_empty()),
        })
    }
}

pub struct State {
    settings: Settings,
    ssm: aws_sdk_ssm::Client,
    sqs: aws_sdk_sqs::Client,
    ledger: Option<Ledger>,
    http: reqwest::Client,
    /// Read on the first page and kept a minute ([`ROUTING_KEY_KEPT`]), or until PagerDuty says
    /// the key is wrong: a rotation whose old integration still takes events would otherwise
    /// send a warm sandbox's pages there for hours, and their resolves, sent with the new key
    /// later, would never reach them.
    routing_key: RwLock<Option<(String, Instant)>>,
    routing_key_kept: Duration,
    /// When this sandbox last posted, to pace posts.
    last_post: Mutex<Option<Instant>>,
    rate_limit_backoff: Duration,
}

impl State {
    pub fn new(sdk: &aws_config::SdkConfig, settings: Settings) -> Result<State, PagerError> {
        let http = reqwest::Client::builder()
            .timeout(POST_TIMEOUT)
            .build()
            .map_err(PagerError::Client)?;
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .operation_timeout(AWS_CALL_TIMEOUT)
            .operation_attempt_timeout(AWS_ATTEMPT_TIMEOUT)
            .build();
        let sdk = &sdk.to_builder().timeout_config(timeouts).build();
        Ok(State {
            ledger: settings.alerts_table.as_ref().map(|table| Ledger::new(sdk, table)),
            settings,
            ssm: aws_sdk_ssm::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            http,
            routing_key: RwLock::new(None),
            routing_key_kept: ROUTING_KEY_KEPT,
            last_post: Mutex::new(None),
            rate_limit_backoff: RATE_LIMIT_BACKOFF,
        })
    }

    /// Another time the routing key is kept: tests read it again at once.
    pub fn with_routing_key_kept(mut self, kept: Duration) -> State {
        self.routing_key_kept = kept;
        self
    }

    /// Another first pause after a 429: tests wait milliseconds, not seconds.
    pub fn with_rate_limit_backoff(mut self, backoff: Duration) -> State {
        self.rate_limit_backoff = backoff;
        self
    }

    /// The routing key, from the cache or, with `fresh`, from SSM again. A key kept past its
    /// minute is still the best this sandbox has: when SSM can't give the parameter's value (SSM
    /// throttled or down, a value no key), the pages go out with it as before, and SSM is asked
    /// again a minute later. Only a key PagerDuty refused (`fresh`) fails without one.
    async fn routing_key(&self, fresh: bool) -> Result<String, PagerError> {
        let cached = self.routing_key.read().await.clone();
        if let Some((key, read)) = cached.as_ref().filter(|_| !fresh) {
            if read.elapsed() < self.routing_key_kept {
                return Ok(key.clone());
            }
        }
        let read = self.read_routing_key().await;
        let key = match (read, cached) {
            (Ok(key), _) => key,
            (Err(error), Some((key, _))) if !fresh => {
                tracing::warn!(%error, "the routing key could not be read again; the one read before is used");
                key
            }
            (Err(error), _) => return Err(error),
        };
        *self.routing_key.write().await = Some((key.clone(), Instant::now()));
        Ok(key)
    }

    /// The routing key as the SSM parameter holds it, checked to be one.
    async fn read_routing_key(&self) -> Result<String, PagerError> {
        let output = self
            .ssm
            .get_parameter()
            .name(&self.settings.routing_key_parameter)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| PagerError::RoutingKey {
                parameter: self.settings.routing_key_parameter.clone(),
                message: trustcheck_aws::error_chain(&e),
            })?;
        // Trimmed: a value stored from a file (`--value file://key`) ends in a newline, which
        // PagerDuty would refuse as another key.
        let key = output
            .parameter()
            .and_then(|p| p.value())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| PagerError::RoutingKey {
                parameter: self.settings.routing_key_parameter.clone(),
                message: "the parameter has no value".to_owned(),
            })?;
        // An integration key is 32 letters and digits: another value (a URL, a service id, a key
        // pasted with a quote) would have every page refused.
        if key.chars().count() != ROUTING_KEY_CHARS || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PagerError::RoutingKey {
                parameter: self.settings.routing_key_parameter.clone(),
                message: format!(
                    "the value is not a PagerDuty integration key ({} characters; one has {ROUTING_KEY_CHARS} letters and digits)",
                    key.chars().count()
                ),
            });
        }
        Ok(key)
    }

    /// Waits until at least `MIN_INTERVAL` has passed since the last post.
    async fn pace(&self) {
        let mut last = self.last_post.lock().await;
        if let Some(at) = *last {
            let next = at + MIN_INTERVAL;
            if next > Instant::now() {
                tokio::time::sleep_until(next.into()).await;
            }
        }
        *last = Some(Instant::now());
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PagerError {
    #[error("{0}")]
    Setting(&'static str),
    #[error("HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("can't read the routing key from SSM parameter {parameter}: {message}")]
    RoutingKey { parameter: String, message: String },
    #[error("SNS message {message_id} is not a JSON object: {source}")]
    BadMessage {
        message_id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("SNS message {message_id} is not a trustcheck page ({why}): refused")]
    NotAPage { message_id: String, why: &'static str },
    #[error("can't tell whether the resolve {dedup_key} is superseded (the alerts ledger failed): {source}")]
    Ledger {
        dedup_key: String,
        /// Shared: every resolve of the page waits on the same failed read.
        #[source]
        source: Arc<trustcheck_aws::AwsError>,
    },
    #[error("the trigger {dedup_key} names a role the alerts ledger has no row for: no evaluation paged it (sent by hand to the notifier, or the ledger lost the row); not posted")]
    NotInLedger { dedup_key: String },
    #[error("PagerDuty is rate-limiting (HTTP 429) {dedup_key}, still after the pauses this invocation had time for: Lambda retries the page in minutes")]
    RateLimited { dedup_key: String },
    #[error("can't dead-letter the page {dedup_key} PagerDuty refused: {message}")]
    DeadLetter { dedup_key: String, message: String },
    #[error("PagerDuty rejected {dedup_key} with HTTP {status}: {body}")]
    Rejected {
        dedup_key: String,
        status: u16,
        body: String,
    },
    #[error("PagerDuty did not accept {dedup_key} after {attempts} attempts: {last}")]
    Unavailable {
        dedup_key: String,
        attempts: u32,
        last: String,
    },
}

impl From<PagerError> for Diagnostic {
    fn from(error: PagerError) -> Diagnostic {
        let error_type = match &error {
            PagerError::Setting(_) | PagerError::Client(_) | PagerError::RoutingKey { .. } => "Misconfigured",
            PagerError::BadMessage { .. } | PagerError::NotAPage { .. } => "InvalidMessage",
            PagerError::Rejected { .. } | PagerError::DeadLetter { .. } => "PageRejected",
            PagerError::Unavailable { .. } | PagerError::RateLimited { .. } => "PagerDutyUnavailable",
            PagerError::Ledger { .. } => "LedgerUnavailable",
            PagerError::NotInLedger { .. } => "NotInLedger",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub pages: usize,
    pub attempts: u32,
    /// Pages PagerDuty refused (400), sent to the dead-letter queue with the reason instead.
    pub dead_lettered: usize,
    /// Pages a newer evaluation of the same role superseded: not posted.
    pub superseded: usize,
    /// Resolves of incidents a trigger replaces, which arrived on their own: posted with that
    /// trigger, once PagerDuty has taken it.
    pub left_to_their_trigger: usize,
}

/// Delivers each page of the event in order. A trigger that replaces incidents of the role
/// (`replaces`) is posted first and their resolves only once PagerDuty has taken it, or once
/// the ledger shows it superseded with no incident open on the route: SNS delivers the
/// notifier's messages in no set order, and a resolve posted while its trigger waits on retries
/// (5xx, 408, 425, 429) would leave the role with no open incident. Those resolves, arriving on their own,
/// are left to it.
pub async fn handler(state: &State, event: LambdaEvent<SnsEvent>) -> Result<Delivered, PagerError> {
    let mut delivered = Delivered {
        pages: 0,
        attempts: 0,
        dead_lettered: 0,
        superseded: 0,
        left_to_their_trigger: 0,
    };
    let deadline = deadline(&event.context);
    for record in &event.payload.records {
        let message_id = &record.sns.message_id;
        let mut body: Map<String, Value> =
            serde_json::from_str(&record.sns.message).map_err(|source| PagerError::BadMessage {
                message_id: message_id.clone(),
                source,
            })?;
        let page = notifier_page(&body).map_err(|why| PagerError::NotAPage {
            message_id: message_id.clone(),
            why,
        })?;
        if let Some(trigger) = &page.replaced_by {
            tracing::info!(
                dedup_key = page.dedup_key,
                trigger,
                "resolved with the trigger that replaces it, once PagerDuty has taken it"
            );
            delivered.left_to_their_trigger += 1;
            continue;
        }
        let row = match (&state.ledger, alert_key(&body)) {
            (Some(ledger), Some(alert_key)) => RowRead::of(ledger, alert_key).await,
            _ => RowRead::Unchecked,
        };
        let replaced_may_close = if supersedes(&row, &page.dedup_key, page.trigger)? {
            tracing::info!(
                dedup_key = page.dedup_key,
                "a newer evaluation of the role superseded this page; not posted"
            );
            delivered.superseded += 1;
            // The role moved on: with no incident open on the route now (fixed, or moved to the
            // notify route) the incidents this trigger replaces are closed all the same; a newer
            // incident's trigger replaces them itself, once PagerDuty has taken it.
            !row.holds_an_incident_on(Route::Page)
        } else {
            for field in CLOUDWATCH_MIRROR {
                body.remove(field);
            }
            post(state, &mut body, &page.dedup_key, deadline, &mut delivered).await?
        };
        if !replaced_may_close {
            if !page.replaces.is_empty() {
                tracing::warn!(
                    dedup_key = page.dedup_key,
                    replaces = page.replaces.len(),
                    "the incidents the refused trigger replaces stay open"
                );
            }
            continue;
        }
        for replaced in &page.replaces {
            // Unread, the ledger is no reason to wait: a replaced incident's key is never opened
            // again (each incident of the role has a number of its own).
            if row.holds_open(Route::Page, replaced) {
                delivered.superseded += 1;
                continue;
            }
            let mut resolve = replaced_resolve(&body, replaced);
            post(state, &mut resolve, replaced, deadline, &mut delivered).await?;
        }
    }
    Ok(delivered)
}

/// Posts one page and counts it; whether PagerDuty took it (a refusal is dead-lettered).
async fn post(
    state: &State,
    body: &mut Map<String, Value>,
    dedup_key: &str,
    deadline: Option<Instant>,
    delivered: &mut Delivered,
) -> Result<bool, PagerError> {
    match deliver(state, body, dedup_key, deadline).await? {
        Delivery::Accepted { attempts } => {
            tracing::info!(dedup_key, attempts, "page delivered to PagerDuty");
            delivered.pages += 1;
            delivered.attempts += attempts;
            Ok(true)
        }
        Delivery::Refused { status, reason } => {
            body.remove("routing_key");
            dead_letter(state, body, dedup_key, status, &reason).await?;
            tracing::error!(
                dedup_key,
                status,
                reason,
                "PagerDuty refused the page; dead-lettered, not retried"
            );
            delivered.dead_lettered += 1;
            Ok(false)
        }
    }
}

/// The resolve of an incident a trigger replaces. PagerDuty needs its key alone; the payload
/// says where it went, and names the role's row (`alert_key`), so that a copy in the dead-letter
/// queue can be replayed through the pager.
fn replaced_resolve(trigger: &Map<String, Value>, dedup_key: &str) -> Map<String, Value> {
    let mut resolve = Map::new();
    resolve.insert("event_action".to_owned(), Value::from("resolve"));
    resolve.insert("dedup_key".to_owned(), Value::from(dedup_key));
    for field in ["client", "client_url"] {
        if let Some(value) = trigger.get(field) {
            resolve.insert(field.to_owned(), value.clone());
        }
    }
    let payload = &trigger.get("payload").cloned().unwrap_or_default();
    let replacement = trigger.get("dedup_key").and_then(Value::as_str).unwrap_or_default();
    resolve.insert(
        "payload".to_owned(),
        serde_json::json!({
            "summary": format!("Superseded: continues in incident {replacement}"),
            "source": payload["source"],
            "severity": payload["severity"],
            "custom_details": {"alert_key": payload["custom_details"]["alert_key"]},
        }),
    );
    resolve
}

/// What the pager needs of a notifier's page.
struct PageKeys {
    dedup_key: String,
    trigger: bool,
    /// A trigger's: the role's incidents it replaces on its route.
    replaces: Vec<String>,
    /// A resolve's: the trigger that replaces its incident.
    replaced_by: Option<String>,
}

/// A page's keys, if it is in the notifier's format; why not, otherwise. Only the notifier may
/// publish to the page topic (its topic policy); this refuses anything else that gets there. A
/// role's page names its row in the alerts ledger (`alert_key`), whose incident its key is, as are
/// the keys it replaces or is replaced by; a sweep's digest names none, and only opens an
/// incident.
fn notifier_page(body: &Map<String, Value>) -> Result<PageKeys, &'static str> {
    if body.get("client").and_then(Value::as_str) != Some(NOTIFIER_CLIENT) {
        return Err("its client is not the notifier's");
    }
    let trigger = match body.get("event_action").and_then(Value::as_str) {
        Some("trigger") => true,
        Some("resolve") => false,
        _ => return Err("its event_action is neither trigger nor resolve"),
    };
    let dedup_key = body
        .get("dedup_key")
        .and_then(Value::as_str)
        .filter(|key| key.starts_with("aws-config/"))
        .ok_or("its dedup_key is not a Config rule's")?;
    let details = body.get("payload").and_then(|p| p.get("custom_details"));
    let replaces: Vec<String> = match details.and_then(|d| d.get("replaces")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(keys)) if trigger || keys.is_empty() => keys
            .iter()
            .map(|k| k.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("its replaces are not incident keys")?,
        Some(_) => return Err("its replaces is no trigger's list of incident keys"),
    };
    let replaced_by = match details.and_then(|d| d.get("replaced_by")) {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) if !trigger => Some(key.clone()),
        Some(_) => return Err("its replaced_by is no resolve's incident key"),
    };
    match alert_key(body) {
        Some(row)
            if is_incident_of(dedup_key, row)
                && replaces
                    .iter()
                    .chain(&replaced_by)
                    .all(|k| is_incident_of(k, row) && k != dedup_key) => {}
        Some(_) => return Err("its dedup_key, replaces or replaced_by is no incident of its alert_key, a role's row"),
        None if trigger && is_digest_key(dedup_key) && replaces.is_empty() => {}
        None => return Err("it names no alert_key, and is no sweep's digest"),
    }
    Ok(PageKeys {
        dedup_key: dedup_key.to_owned(),
        trigger,
        replaces,
        replaced_by,
    })
}

/// The role's row in the alerts ledger that a page names (the notifier's `alert_key`).
fn alert_key(body: &Map<String, Value>) -> Option<&str> {
    body.get("payload")?.get("custom_details")?.get("alert_key")?.as_str()
}

/// Whether the ledger says the page is wrong to post ([`RowRead::word`]): superseded by the
/// role's row, or a trigger of a role with no row (an error: Lambda's retries, then the
/// dead-letter queue and its alarm). When the ledger can't be read, a trigger is posted anyway
/// and a resolve fails, to be retried.
fn supersedes(row: &RowRead, dedup_key: &str, trigger: bool) -> Result<bool, PagerError> {
    if let RowRead::Unreadable(error) = row {
        if trigger {
            tracing::warn!(dedup_key, %error, "alerts ledger unreadable; posting the trigger anyway");
        }
    }
    match row.word(Route::Page, dedup_key, trigger) {
        Ok(LedgerWord::Send) => Ok(false),
        Ok(LedgerWord::Superseded) => Ok(true),
        Ok(LedgerWord::NoRow) => Err(PagerError::NotInLedger {
            dedup_key: dedup_key.to_owned(),
        }),
        Err(source) => Err(PagerError::Ledger {
            dedup_key: dedup_key.to_owned(),
            source: Arc::clone(source),
        }),
    }
}

enum Delivery {
    Accepted {
        attempts: u32,
    },
    /// A 4xx but 408, 425 and 429: the same request would fail again.
    Refused {
        status: u16,
        reason: String,
    },
}

/// When the invocation must have ended, as this sandbox's clock tells it; `None` when the
/// runtime doesn't say (no time to wait for anything then).
fn deadline(context: &lambda_runtime::Context) -> Option<Instant> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left_ms = u128::from(context.deadline).checked_sub(now_ms)?;
    // Checked: a deadline that is no real time must not overflow the clock (a panic here aborts).
    Instant::now().checked_add(Duration::from_millis(u64::try_from(left_ms).ok()?))
}

/// POSTs one event with the routing key. A 429 is waited out (pauses of 5, 10, 20 s … while the
/// invocation has time), then handed back (Lambda retries minutes later); 5xx, 408, 425 and
/// network errors are retried here too, while the invocation has time; a 400 naming the routing
/// key re-reads it from SSM once (a rotated key), any other refusal is returned, never posted
/// again.
async fn deliver(
    state: &State,
    body: &mut Map<String, Value>,
    dedup_key: &str,
    deadline: Option<Instant>,
) -> Result<Delivery, PagerError> {
    let mut attempts = 0;
    // 5xx, 408, 425 and network errors only: a 429's waits are bounded by the deadline instead.
    let mut failures = 0;
    let mut key_read_again = false;
    let mut read_key_now = false;
    let mut rate_limit_pause = state.rate_limit_backoff;
    // Read once a page (a read in the middle of its retries could outlast the deadline), and
    // again only when PagerDuty refuses it.
    let mut key = state.routing_key(false).await?;
    loop {
        attempts += 1;
        if std::mem::take(&mut read_key_now) {
            key = state.routing_key(true).await?;
        }
        body.insert("routing_key".to_owned(), Value::String(key.clone()));
        state.pace().await;
        let sent = state
            .http
            .post(&state.settings.events_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(Value::Object(body.clone()).to_string())
            .send()
            .await;
        let failure = match sent {
            Ok(response) if response.status().is_success() => return Ok(Delivery::Accepted { attempts }),
            Ok(response) if response.status().as_u16() == 429 => {
                let has_time = deadline.is_some_and(|end| Instant::now() + rate_limit_pause + DEADLINE_RESERVE < end);
                if !has_time {
                    return Err(PagerError::RateLimited {
                        dedup_key: dedup_key.to_owned(),
                    });
                }
                tracing::warn!(
                    dedup_key,
                    pause_ms = rate_limit_pause.as_millis(),
                    "PagerDuty is rate-limiting (HTTP 429); waiting before posting again"
                );
                tokio::time::sleep(rate_limit_pause).await;
                rate_limit_pause = rate_limit_pause.saturating_mul(2);
                continue;
            }
            // A request timeout (408) or "too early" (425), from PagerDuty or a proxy on the way,
            // says nothing of the page: posted again as a 5xx is, not dead-lettered.
            Ok(response) if response.status().is_server_error() || matches!(response.status().as_u16(), 408 | 425) => {
                let status = response.status();
                format!(
                    "HTTP {status}: {}",
                    reason_of(&response.text().await.unwrap_or_default())
                )
            }
            Ok(response) => {
                let status = response.status().as_u16();
                let reason = reason_of(&response.text().await.unwrap_or_default());
                // PagerDuty names it either way ("Invalid routing key", "'routing_key' cannot …").
                let names_key = ["routing key", "routing_key"]
                    .iter()
                    .any(|k| reason.to_ascii_lowercase().contains(k));
                if !key_read_again && names_key {
                    tracing::warn!(
                        dedup_key,
                        "PagerDuty refused the routing key; reading it again from SSM"
                    );
                    key_read_again = true;
                    read_key_now = true;
                    continue;
                }
                return Ok(Delivery::Refused { status, reason });
            }
            Err(error) => error.to_string(),
        };
        tracing::warn!(dedup_key, attempts, failure, "PagerDuty failed or was unreachable");
        failures += 1;
        let backoff = FIRST_BACKOFF
            .saturating_mul(2u32.saturating_pow(failures - 1))
            .min(MAX_BACKOFF);
        // The wait and one more post must fit before the deadline, with its reserve: without the
        // time, the page goes back to Lambda's retries now rather than the invocation timing out
        // in the middle of a post (after a 429's pauses, say).
        let out_of_time = match deadline {
            Some(end) => Instant::now() + backoff + POST_TIMEOUT + DEADLINE_RESERVE >= end,
            None => failures >= MAX_ATTEMPTS,
        };
        if out_of_time {
            return Err(PagerError::Unavailable {
                dedup_key: dedup_key.to_owned(),
                attempts,
                last: failure,
            });
        }
        tokio::time::sleep(backoff).await;
    }
}

/// The most a reason keeps of PagerDuty's answer: enough for its `message` and `errors`.
const REASON_MAX_CHARS: usize = 300;

/// What PagerDuty said, for logs, errors and the dead-letter queue: the `message` and `errors` of
/// its JSON answer, never a raw body (a proxy in between may answer with a whole HTML page).
fn reason_of(body: &str) -> String {
    let Ok(answer) = serde_json::from_str::<Value>(body) else {
        return format!("a response that is not PagerDuty's JSON ({} bytes)", body.len());
    };
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let parts: Vec<String> = [&answer["status"], &answer["message"]]
        .into_iter()
        .filter_map(text)
        .chain(answer["errors"].as_array().into_iter().flatten().filter_map(text))
        .collect();
    if parts.is_empty() {
        return "PagerDuty gave no reason".to_owned();
    }
    parts.join("; ").chars().take(REASON_MAX_CHARS).collect()
}

/// Puts a refused page (without its routing key) and the reason into the dead-letter queue.
/// Without a queue the refusal is an error, so that it is seen rather than dropped.
async fn dead_letter(
    state: &State,
    page: &Map<String, Value>,
    dedup_key: &str,
    status: u16,
    reason: &str,
) -> Result<(), PagerError> {
    let error = |message: String| PagerError::DeadLetter {
        dedup_key: dedup_key.to_owned(),
        message,
    };
    let Some(queue) = &state.settings.dead_letter_queue_url else {
        return Err(PagerError::Rejected {
            dedup_key: dedup_key.to_owned(),
            status,
            body: reason.to_owned(),
        });
    };
    let record = serde_json::json!({
        "refused_by": "PagerDuty Events API v2",
        "status": status,
        "reason": reason,
        "page": page,
    });
    state
        .sqs
        .send_message()
        .queue_url(queue)
        .message_body(record.to_string())
        .send()
        .await
        .map_err(|e| error(trustcheck_aws::error_chain(&e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_incident_s_resolve_replays_through_the_pager() {
        let row = "aws-config/123456789012/us-east-1/trustcheck/AWS::IAM::Role/AROA1";
        let (old, new) = (format!("{row}/high"), format!("{row}/critical/1"));
        let trigger: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "event_action": "trigger", "dedup_key": new, "client": NOTIFIER_CLIENT,
            "payload": {"summary": "TRUST_PUBLIC on IAM role r", "source": "arn:aws:iam::123456789012:role/r",
                        "severity": "critical", "custom_details": {"alert_key": row, "replaces": [old]}}
        }))
        .unwrap();
        let keys = notifier_page(&trigger).unwrap();
        assert_eq!(keys.replaces, std::slice::from_ref(&old));
        // As a dead-letter queue would keep it: a page of the notifier's format, standing alone.
        let resolve = replaced_resolve(&trigger, &old);
        let replayed = notifier_page(&resolve).unwrap();
        assert_eq!((replayed.dedup_key.as_str(), replayed.trigger), (old.as_str(), false));
        assert_eq!(replayed.replaced_by, None);
        assert_eq!(resolve["payload"]["severity"], "critical");
        // Another role's key in `replaces` is refused.
        let mut forged = trigger.clone();
        forged["payload"]["custom_details"]["replaces"] = serde_json::json!([format!("{row}2/high")]);
        assert!(notifier_page(&forged).is_err());
    }

    #[test]
    fn a_reason_keeps_what_pagerduty_said_and_never_a_raw_body() {
        let refused =
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key"]}"#;
        assert_eq!(
            reason_of(refused),
            "invalid event; Event object is invalid; Invalid routing key"
        );
        let html = format!("<html><body>{}</body></html>", "upstream connect error ".repeat(500));
        let reason = reason_of(&html);
        assert!(!reason.contains("upstream"), "{reason}");
        assert!(reason.contains(&format!("{} bytes", html.len())), "{reason}");
        let long = serde_json::json!({"errors": ["x".repeat(10_000)]}).to_string();
        assert_eq!(reason_of(&long).chars().count(), REASON_MAX_CHARS);
        assert_eq!(reason_of("{}"), "PagerDuty gave no reason");
    }
}
