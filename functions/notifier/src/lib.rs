//! The notifier: the evaluator's notices (a role's alert changed, or a sweep's digest) become SNS
//! messages that PagerDuty understands, on the route the evaluator chose: the page topic, or the
//! notify topic for what is below `PAGE_AT`. Everything a page says arrives as data in the notice.
//! A role's page goes out only when the alerts ledger's row agrees ([`word_on_page`]): the notifier
//! publishes what it is handed, and anyone who may invoke it can hand it a notice.

pub mod page;
pub mod route;

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use trustcheck_aws::{
    alerts::{is_role_key, Ledger, LedgerWord, Notice, Route, RowRead},
    AwsError,
};

use crate::page::Page;
use crate::route::PageRoutes;

/// The function's environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub page_topic_arn: String,
    /// Without it, alerts below `PAGE_AT` go nowhere (the evaluator still records them).
    pub notify_topic_arn: Option<String>,
    /// The alerts ledger (`ALERTS_TABLE`): without it, pages are not checked against it.
    pub alerts_table: Option<String>,
    /// The page topic's subscriptions the stack made, which every page must find there.
    pub page_routes: PageRoutes,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0} is not set")]
    Missing(&'static str),
}

impl Settings {
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|key| std::env::var(key).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let get = |key: &str| get(key).filter(|v| !v.is_empty());
        Ok(Settings {
            page_topic_arn: get("PAGE_TOPIC_ARN").ok_or(SettingsError::Missing("PAGE_TOPIC_ARN"))?,
            notify_topic_arn: get("NOTIFY_TOPIC_ARN"),
            alerts_table: get("ALERTS_TABLE"),
            page_routes: PageRoutes {
                pager_function_arn: get("PAGER_FUNCTION_ARN"),
                https_host: get("PAGE_ROUTE_HTTPS_HOST"),
            },
        })
    }

    fn topic(&self, route: Route) -> Option<&str> {
        match route {
            Route::Page => Some(&self.page_topic_arn),
            Route::Notify => self.notify_topic_arn.as_deref(),
        }
    }
}

pub struct State {
    pub settings: Settings,
    sns: aws_sdk_sns::Client,
    ledger: Option<Ledger>,
    /// When this sandbox last found the page route whole ([`check_page_route`]).
    route_whole_at: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How long a page route found whole is taken to stay so: a burst of pages (a first deploy pages
/// every broken role) would otherwise list the topic's subscriptions once a page, past SNS's
/// limit on that call; a subscription removed in that time is still `pages-undelivered`'s.
const ROUTE_WHOLE_FOR: std::time::Duration = std::time::Duration::from_secs(60);

impl State {
    pub fn new(sdk: &aws_config::SdkConfig, settings: Settings) -> State {
        State {
            ledger: settings.alerts_table.as_deref().map(|table| Ledger::new(sdk, table)),
            settings,
            sns: aws_sdk_sns::Client::new(sdk),
            route_whole_at: std::sync::Mutex::new(None),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error("the event is not a trustcheck notice: {0}")]
    BadEvent(#[source] serde_json::Error),
    #[error("the trigger {dedup_key} names a role the alerts ledger has no row for: no evaluation paged it (handed to the notifier by hand, or the ledger lost the row); not published")]
    NotInLedger { dedup_key: String },
    #[error("can't tell whether the resolve {dedup_key} is superseded (the alerts ledger failed): {source}")]
    Ledger {
        dedup_key: String,
        #[source]
        source: std::sync::Arc<AwsError>,
    },
    #[error("publishing the page {dedup_key} to {topic_arn} failed: {source}")]
    Publish {
        dedup_key: String,
        topic_arn: String,
        #[source]
        source: PublishError,
    },
    #[error("the page {dedup_key} was published to {topic_arn}, which lacks {}: SNS delivers it there to nobody. Subscribe it again (docs/deploy.md, section 10: a redeploy doesn't make again a subscription removed outside the stack), then send this notice again from the dead-letter queue", missing.join(" and "))]
    PageRouteMissing {
        dedup_key: String,
        topic_arn: String,
        missing: Vec<&'static str>,
    },
    #[error("the page {dedup_key} was published to {topic_arn}, whose subscriptions could not be listed: {source}")]
    PageRouteUnchecked {
        dedup_key: String,
        topic_arn: String,
        #[source]
        source: AwsError,
    },
}

impl From<NotifierError> for Diagnostic {
    fn from(error: NotifierError) -> Diagnostic {
        let error_type = match &error {
            NotifierError::BadEvent(_) => "InvalidEvent",
            NotifierError::Publish { .. } => "PublishFailed",
            NotifierError::NotInLedger { .. } => "NotInLedger",
            NotifierError::Ledger { .. } => "LedgerUnavailable",
            NotifierError::PageRouteMissing { .. } => "PageRouteMissing",
            NotifierError::PageRouteUnchecked { .. } => "PageRouteUnchecked",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// What one invocation did; also the function's response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub published: Vec<Published>,
    /// Steps for the notify route when no notify topic is set.
    pub unrouted: usize,
    /// Steps the role's ledger row no longer calls for (a newer evaluation, or a notice written
    /// by hand): not sent.
    pub superseded: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub event_action: String,
    pub route: Route,
    pub topic_arn: String,
    pub message_id: String,
}

/// Publishes every step of the notice in order (the trigger of a replacement before the resolve of
/// the incident it replaces: a failure between them leaves one incident too many, never none).
/// A failure fails the invocation; Lambda's retry publishes again, which the dedup key makes
/// harmless. A resolve whose replacement was not published goes on its own: the pager would
/// otherwise wait for a trigger that never comes. Pages published, the page topic must still have
/// the subscriptions the stack made ([`route`]); without one, the invocation fails after
/// publishing (what still has a way goes), so the notice is kept and alarmed.
pub async fn handler(state: &State, event: LambdaEvent<Value>) -> Result<Outcome, NotifierError> {
    let notice: Notice = serde_json::from_value(event.payload).map_err(NotifierError::BadEvent)?;
    let mut pages: Vec<(Route, Page)> = match &notice {
        Notice::Transition(transition) => transition
            .steps
            .iter()
            .map(|step| (step.route, page::for_step(transition, step)))
            .collect(),
        Notice::Digest(digest) => vec![(digest.route, page::digest(digest))],
    };
    // Triggers first, whatever order the notice lists them in.
    pages.sort_by_key(|(_, page)| page.event_action != "trigger");
    // The role's row, read once the notice is decided: the evaluator writes it before it hands
    // the notice on. A digest has no row of its own.
    let row = match (&notice, &state.ledger) {
        // A key no row can have would read as an unreadable ledger, which lets triggers through.
        (Notice::Transition(transition), Some(_)) if !is_role_key(&transition.dedup_key) => {
            return Err(NotifierError::NotInLedger {
                dedup_key: transition.dedup_key.clone(),
            })
        }
        (Notice::Transition(transition), Some(ledger)) => RowRead::of(ledger, &transition.dedup_key).await,
        _ => RowRead::Unchecked,
    };
    if let RowRead::Unreadable(error) = &row {
        tracing::warn!(%error, "alerts ledger unreadable; sending the triggers, holding the resolves for a retry");
    }
    let mut outcome = Outcome::default();
    let mut held_back = None;
    let mut triggered = Vec::new();
    for (route, mut page) in pages {
        let trigger = page.event_action == "trigger";
        // Unread, a trigger goes (a retry sends it again, which its key makes harmless) and a
        // resolve waits for the retry.
        let Ok(word) = row.word(route, &page.dedup_key, trigger) else {
            held_back.get_or_insert(page.dedup_key);
            continue;
        };
        match word {
            LedgerWord::Send => {}
            LedgerWord::Superseded => {
                tracing::info!(
                    dedup_key = page.dedup_key,
                    "the role's ledger row no longer calls for this page; not sent"
                );
                outcome.superseded += 1;
                continue;
            }
            LedgerWord::NoRow => {
                return Err(NotifierError::NotInLedger {
                    dedup_key: page.dedup_key,
                })
            }
        }
        let Some(topic_arn) = state.settings.topic(route) else {
            tracing::info!(
                dedup_key = page.dedup_key,
                "below PAGE_AT and no NOTIFY_TOPIC_ARN: not sent"
            );
            outcome.unrouted += 1;
            continue;
        };
        if !trigger && page.replaced_by().is_some() && !triggered.contains(&route) {
            // Its trigger was not sent: the row moved on. A newer incident open on the route has
            // a trigger of its own that replaces this one's too; with none, it goes on its own.
            if row.holds_an_incident_on(route) {
                outcome.superseded += 1;
                continue;
            }
            page.stand_alone();
        }
        let message_id = publish(&state.sns, topic_arn, &page)
            .await
            .map_err(|source| NotifierError::Publish {
                dedup_key: page.dedup_key.clone(),
                topic_arn: topic_arn.to_owned(),
                source,
            })?;
        tracing::info!(
            dedup_key = page.dedup_key,
            event_action = page.event_action,
            severity = page.severity.as_str(),
            route = route.as_str(),
            "page published"
        );
        if trigger {
            triggered.push(route);
        }
        outcome.published.push(Published {
            event_action: page.event_action.to_owned(),
            route,
            topic_arn: topic_arn.to_owned(),
            message_id,
        });
    }
    if let Some(paged) = outcome.published.iter().find(|p| p.route == Route::Page) {
        let dedup_key = match &notice {
            Notice::Transition(transition) => &transition.dedup_key,
            Notice::Digest(digest) => &digest.dedup_key,
        };
        check_page_route(state, &paged.topic_arn, dedup_key).await?;
    }
    match (row, held_back) {
        (RowRead::Unreadable(source), Some(dedup_key)) => Err(NotifierError::Ledger { dedup_key, source }),
        _ => Ok(outcome),
    }
}

/// Whether the page topic still has every subscription the stack made (`Ok` when none is known,
/// or this sandbox found them all less than [`ROUTE_WHOLE_FOR`] ago).
async fn check_page_route(state: &State, topic_arn: &str, dedup_key: &str) -> Result<(), NotifierError> {
    let routes = &state.settings.page_routes;
    let whole_lately = || {
        let at = *state
            .route_whole_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        at.is_some_and(|at| at.elapsed() < ROUTE_WHOLE_FOR)
    };
    if !routes.is_known() || whole_lately() {
        return Ok(());
    }
    let subscriptions =
        route::subscriptions(&state.sns, topic_arn)
            .await
            .map_err(|source| NotifierError::PageRouteUnchecked {
                dedup_key: dedup_key.to_owned(),
                topic_arn: topic_arn.to_owned(),
                source,
            })?;
    let missing = route::missing(routes, &subscriptions);
    if missing.is_empty() {
        *state
            .route_whole_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::time::Instant::now());
        return Ok(());
    }
    Err(NotifierError::PageRouteMissing {
        dedup_key: dedup_key.to_owned(),
        topic_arn: topic_arn.to_owned(),
        missing,
    })
}

async fn publish(sns: &aws_sdk_sns::Client, topic_arn: &str, page: &Page) -> Result<String, PublishError> {
    let mut request = sns
        .publish()
        .topic_arn(topic_arn)
        .subject(&page.subject)
        .message(page.message.to_string());
    for (name, value) in &page.attributes {
        let attribute = aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()?;
        request = request.message_attributes(*name, attribute);
    }
    let output = request.send().await.map_err(|e| AwsError::new("sns:Publish", e))?;
    Ok(output.message_id().unwrap_or_default().to_owned())
}

/// Why a page could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Call(#[from] AwsError),
    #[error("message attribute: {0}")]
    Attribute(#[from] aws_sdk_sns::error::BuildError),
}
