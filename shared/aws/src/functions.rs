//! Which Lambda functions use a role as their execution role, in every region they can run in.
//!
//! IAM roles are global, functions are regional. With a Config aggregator one query answers for
//! every region. Without one, `lambda:ListFunctions` answers for the rule's own region (Config's
//! advanced query stands in when Lambda can't be asked there: Config records a function minutes
//! after it is made), then for every other enabled region, those in parallel. A region whose functions can't be listed (an SCP that denies
//! the region, a throttled listing) is named in the answer, never a failure of the whole: the
//! roles whose verdict can't depend on it are still judged ([`judge_unlisted`]).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    time::{Duration, Instant},
};

use aws_sdk_account::types::RegionOptStatus;
use serde::Deserialize;
use tokio::task::JoinSet;
use trustcheck::{check, reads_function_arn, Compliance, FindingId, Role, RuleParams, Severity, Verdict};

use crate::{
    clients::Clients,
    edge::{may_run_at_edge, EDGE_REGION},
    error::AwsError,
};

/// Where the answer for the rule's own region came from (logged, and asserted in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionSource {
    /// One aggregator query covered every region.
    Aggregator,
    ConfigQuery,
    ListFunctions,
}

/// Where to look: from the rule parameters `configAggregatorName` and `functionRegions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionScope {
    pub aggregator: Option<String>,
    /// Empty: every region enabled for the account (`account:ListRegions`).
    pub regions: Vec<String>,
    /// The account whose functions are looked for, when known: which of an aggregator's account
    /// sources speak for it.
    pub account: Option<String>,
}

impl FunctionScope {
    pub fn from_params(params: &RuleParams) -> FunctionScope {
        FunctionScope {
            aggregator: params.config_aggregator_name.clone(),
            regions: params.function_regions.clone(),
            account: None,
        }
    }

    /// The scope for the functions of `account`.
    pub fn of_account(self, account: Option<&str>) -> FunctionScope {
        FunctionScope {
            account: account.map(str::to_owned),
            ..self
        }
    }
}

/// `SelectResourceConfig` returns each row as JSON text holding the selected properties.
#[derive(Deserialize)]
struct FunctionRow {
    arn: String,
    configuration: FunctionConfiguration,
}

#[derive(Deserialize)]
struct FunctionConfiguration {
    role: String,
}

const QUERY_PAGE: i32 = 100;
const LIST_PAGE: i32 = 50;
const ALL_FUNCTIONS: &str = "SELECT arn, configuration.role WHERE resourceType = 'AWS::Lambda::Function'";

/// What a search for functions found: the functions, where the rule's own region's answer came
/// from, and the regions whose functions could not be listed, with why.
#[derive(Debug)]
pub struct Found<T> {
    pub functions: T,
    pub source: FunctionSource,
    pub unlisted: BTreeMap<String, AwsError>,
}

/// The ARNs of the functions whose execution role is `role_arn`, in every region of `scope`.
pub async fn functions_using_role(
    clients: &Clients,
    scope: &FunctionScope,
    role_arn: &str,
) -> Result<Found<Vec<String>>, AwsError> {
    let query = format!(
        "{ALL_FUNCTIONS} AND configuration.role = '{}'",
        role_arn.replace('\'', "''")
    );
    // The role's own account, which the aggregator's sources must name.
    let account = trustcheck::arn_account(role_arn).filter(|a| trustcheck::is_account_id(a));
    let scope = scope.clone().of_account(scope.account.as_deref().or(account));
    let found = find_functions(clients, &scope, &query, false).await?;
    let arns = found
        .functions
        .into_iter()
        .filter(|(_, role)| role == role_arn)
        .map(|(arn, _)| arn)
        .collect();
    Ok(Found {
        functions: arns,
        source: found.source,
        unlisted: found.unlisted,
    })
}

/// Every function of the account in every region of `scope`, grouped by execution role ARN.
pub async fn functions_of_every_role(
    clients: &Clients,
    scope: &FunctionScope,
) -> Result<Found<HashMap<String, Vec<String>>>, AwsError> {
    let found = find_functions(clients, scope, ALL_FUNCTIONS, true).await?;
    let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
    for (arn, role) in found.functions {
        by_role.entry(role).or_default().push(arn);
    }
    Ok(Found {
        functions: by_role,
        source: found.source,
        unlisted: found.unlisted,
    })
}

/// How a verdict stands against the functions of the regions that could not be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlisted {
    /// Whatever functions those regions hold, the verdict is the same: written and paged.
    Irrelevant,
    /// NON_COMPLIANT either way, but a function there could make it more severe (and page where
    /// it only notifies): the known verdict is written and paged, since a real finding is never
    /// held back for a possible worse one, and the invocation reports the role as not fully judged.
    /// Also any verdict an older version at the edge could change while CloudFront can't be asked.
    MayBeWorse,
    /// A function there would change the compliance: writing COMPLIANT could hide a broken
    /// Lambda trust. Nothing is written; the previous result stands until those regions can be
    /// listed.
    Undetermined,
}

/// Judges `role` (whose functions were looked for in every region but `unlisted`) again as if a
/// function in each of those regions used it (its mappings unknown, its name one no condition
/// names), and compares with `verdict`: see [`Unlisted`]. A policy whose conditions read the
/// function's ARN could treat a real function there unlike the made-up one (a Deny of
/// `…:lambda:us-east-1:…`, an `ArnNotLike`): its verdict stands only when it is already failing,
/// and then it may be worse.
///
/// `edge_unknown`: what CloudFront runs at the edge could not be asked. Each function of the role
/// that could run there (of us-east-1, listed or made up) is judged as one that does, and the
/// verdict is not written if that changes it. A version keeps the role it was published with, so
/// any role Lambda can use may be one that an older version runs at the edge: if that would
/// change its compliance, it is not written either (its result and page stand); if it would only
/// make a failing verdict worse, it is written and reported ([`Unlisted::MayBeWorse`]). A role
/// Lambda can't use is judged as one no version runs as: published versions are not looked for,
/// whatever their edge (docs/config-rule.md).
pub fn judge_unlisted(
    document: &str,
    role: &Role,
    params: &RuleParams,
    verdict: &Verdict,
    unlisted: &BTreeMap<String, AwsError>,
    edge_unknown: bool,
) -> Unlisted {
    if role.is_service_linked() {
        return Unlisted::Irrelevant;
    }
    let arn = role.arn.as_deref().unwrap_or_default();
    let partition = arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws");
    let account = role.account().unwrap_or("000000000000");
    let edge_unknown = edge_unknown && partition == "aws";
    let mut hypothetical = role.clone();
    let made_up = !unlisted.is_empty();
    hypothetical.event_sources_unknown |= made_up;
    hypothetical.functions.extend(
        unlisted
            .keys()
            .map(|region| format!("arn:{partition}:lambda:{region}:{account}:function:unlisted-function")),
    );
    if edge_unknown {
        let anywhere = |f: &String| f.split(':').nth(3) == Some(EVERY_OTHER_REGION);
        for function in hypothetical
            .functions
            .iter()
            .filter(|f| may_run_at_edge(f) || anywhere(f))
        {
            if !hypothetical.edge_functions.contains(function) {
                hypothetical.edge_functions.push(function.clone());
            }
        }
    }
    let worst = |v: &Verdict| v.findings.first().map(|f| f.severity);
    let failing = verdict.compliance == Compliance::NonCompliant;
    let changed = hypothetical.functions != role.functions || hypothetical.edge_functions != role.edge_functions;
    let judged = match changed {
        false => Unlisted::Irrelevant,
        true => {
            let possible = check(document, &hypothetical, params);
            // A made-up function's name is no real one's; at the edge, a listed one keeps its own.
            let name_matters = made_up && reads_function_arn(document);
            if possible.compliance != verdict.compliance || (name_matters && !failing) {
                Unlisted::Undetermined
            } else if failing
                && (worst(&possible) > worst(verdict) || (name_matters && worst(verdict) < Some(Severity::Critical)))
            {
                Unlisted::MayBeWorse
            } else {
                Unlisted::Irrelevant
            }
        }
    };
    if judged != Unlisted::Irrelevant || !edge_unknown {
        return judged;
    }
    let version = format!("arn:{partition}:lambda:{EDGE_REGION}:{account}:function:older-version");
    let mut in_lambda = role.clone();
    in_lambda.functions.push(version.clone());
    // Lambda itself can't use the role: judged as one no version runs as (published versions
    // aren't looked for). A condition on the function's name proves nothing of a made-up one,
    // unless nothing lets Lambda in at all.
    let stops: Vec<FindingId> = (check(document, &in_lambda, params).findings.iter())
        .map(|f| f.id)
        .filter(|id| id.stops_lambda() && !verdict.findings.iter().any(|f| f.id == *id))
        .collect();
    let unusable = stops.contains(&FindingId::LambdaTrustMissing) || !reads_function_arn(document);
    if !stops.is_empty() && unusable {
        return Unlisted::Irrelevant;
    }
    let mut at_edge = in_lambda;
    at_edge.edge_functions.push(version);
    // Where the policy reads the function's name, what a made-up name meets proves nothing
    // either way: in doubt, not written.
    let possible = check(document, &at_edge, params);
    if possible.compliance != verdict.compliance {
        Unlisted::Undetermined
    } else if failing && worst(&possible) > worst(verdict) {
        Unlisted::MayBeWorse
    } else {
        Unlisted::Irrelevant
    }
}

/// `(function ARN, role ARN)` rows for `query`, over every region of `scope`. `whole_account`:
/// the query asks for every function, so an empty answer may be a recorder that records none.
async fn find_functions(
    clients: &Clients,
    scope: &FunctionScope,
    query: &str,
    whole_account: bool,
) -> Result<Found<Vec<(String, String)>>, AwsError> {
    if let Some(aggregator) = &scope.aggregator {
        // An organization's aggregator holds every account's functions: only the account's own
        // are asked for (a sweep would page through the whole organization in every part).
        let of_account = |query: &str| match scope.account.as_deref().filter(|a| trustcheck::is_account_id(a)) {
            Some(account) => format!("{query} AND accountId = '{account}'"),
            None => query.to_owned(),
        };
        // No rows may mean no functions, or an aggregator that records none (a recorder without
        // AWS::Lambda::Function, a source not yet authorised): as for the region's own query,
        // an empty answer stands only when the aggregator knows some function, of any account
        // (an account of none would otherwise be listed region by region at every evaluation).
        let scoped = scope.account.as_deref().is_some_and(trustcheck::is_account_id);
        let answer = match select_aggregate(clients, aggregator, &of_account(query), None).await {
            Ok(rows) if rows.is_empty() => match whole_account && !scoped {
                true => Ok(None),
                false => select_aggregate(clients, aggregator, ALL_FUNCTIONS, Some(1))
                    .await
                    .map(|any| (!any.is_empty()).then_some(rows)),
            },
            Ok(rows) => Ok(Some(rows)),
            Err(error) => Err(error),
        };
        match answer {
            Ok(Some(rows)) => {
                let (functions, unlisted) = with_regions_left_out(clients, scope, aggregator, rows).await;
                return Ok(Found {
                    functions,
                    source: FunctionSource::Aggregator,
                    unlisted,
                });
            }
            Ok(None) => {
                tracing::warn!(
                    aggregator,
                    "the aggregator knows no Lambda function; asking every region instead"
                )
            }
            Err(error) => {
                tracing::warn!(error = %error, aggregator, "aggregator query failed; asking every region instead")
            }
        }
    }
    // Lambda's own list of the rule's region, as of the other regions: Config records a function
    // minutes after it is made (a day, when it records functions daily), and a role changed
    // meanwhile would be judged without it, or with a role the function no longer has. Config's
    // answer stands in only when Lambda can't be asked.
    let mut unlisted = BTreeMap::new();
    let (mut rows, source) = match list_functions(&clients.lambda).await {
        Ok(rows) => (rows, FunctionSource::ListFunctions),
        Err(error) => {
            tracing::warn!(%error, "functions of the rule's region not listed; asking Config instead");
            // Boxed: the fallback's future nested in this one takes the evaluator's future past
            // the compiler's query depth (clippy's layout lints overflow it).
            match Box::pin(config_answer(clients, query, whole_account)).await {
                Some(rows) => (rows, FunctionSource::ConfigQuery),
                None => {
                    let region = clients.region().unwrap_or("the rule's region").to_owned();
                    tracing::error!(%error, region, "functions not listed; roles whose verdict depends on them are not judged");
                    unlisted.insert(region, error);
                    (Vec::new(), FunctionSource::ListFunctions)
                }
            }
        }
    };
    let others = match other_regions(clients, scope).await {
        Ok(others) => others,
        Err(error) => {
            // Every other region is unlisted: the roles whose verdict can't depend on functions
            // there are still judged, the rest reported (one failed call must not stop them all).
            tracing::error!(%error, "the account's regions could not be listed; roles whose verdict depends on functions elsewhere are not judged");
            unlisted.insert(EVERY_OTHER_REGION.to_owned(), error);
            Vec::new()
        }
    };
    tracing::debug!(regions = others.len() + 1, "looking for functions in every region");
    let (listed, failed) = list_functions_in(clients, others).await;
    rows.extend(listed);
    unlisted.extend(failed);
    Ok(Found {
        functions: rows,
        source,
        unlisted,
    })
}

/// The aggregator's rows, with the functions of the regions it leaves out listed by Lambda, and
/// the regions that could not be: an aggregator whose sources name their regions collects only
/// those, and a region enabled since (or forgotten) would pass for one without functions, its
/// Lambda roles judged as none. So would a region whose source the aggregator can't bring up to
/// date (authorisation revoked, a Config outage): a function made since is missing from it. When
/// its sources can't be read, every region is listed too.
async fn with_regions_left_out(
    clients: &Clients,
    scope: &FunctionScope,
    aggregator: &str,
    mut rows: Vec<(String, String)>,
) -> (Vec<(String, String)>, BTreeMap<String, AwsError>) {
    let mut unlisted = BTreeMap::new();
    let coverage = match Coverage::of(clients, aggregator, scope.account.as_deref()).await {
        Ok(coverage) => coverage,
        Err(error) => {
            tracing::warn!(%error, aggregator, "the aggregator's sources could not be read; every region is listed as well");
            Coverage::none()
        }
    };
    if coverage.is_whole() {
        return (rows, unlisted);
    }
    let wanted: Vec<String> = match &coverage.regions {
        // Every region but the stale ones: those alone, without asking which are enabled.
        None => (coverage.stale.iter())
            .filter(|region| {
                scope.regions.is_empty() || scope.regions.contains(region) || clients.region() == Some(region.as_str())
            })
            .cloned()
            .collect(),
        Some(_) => {
            let mut wanted = match other_regions(clients, scope).await {
                Ok(others) => others,
                Err(error) => {
                    tracing::error!(%error, "the account's regions could not be listed; roles whose verdict depends on functions elsewhere are not judged");
                    unlisted.insert(EVERY_OTHER_REGION.to_owned(), error);
                    Vec::new()
                }
            };
            wanted.extend(clients.region().map(str::to_owned));
            wanted.retain(|region| !coverage.covers(region));
            wanted
        }
    };
    if !wanted.is_empty() {
        tracing::info!(aggregator, regions = ?wanted, stale = ?coverage.stale, "regions the aggregator leaves out or has stale: listed with Lambda");
        let (listed, failed) = list_functions_in(clients, wanted.clone()).await;
        // Lambda's list of a region replaces the aggregator's rows there: a stale source's rows
        // may name functions deleted since, or a role a function no longer has.
        let answered: BTreeSet<&str> = (wanted.iter())
            .filter(|region| !failed.contains_key(*region))
            .map(String::as_str)
            .collect();
        rows.retain(|(function, _)| {
            let ours = scope.account.is_none() || trustcheck::arn_account(function) == scope.account.as_deref();
            !(ours && crate::mappings::region_of(function).is_some_and(|region| answered.contains(region)))
        });
        unlisted.extend(failed);
        let mut role_of: BTreeMap<String, String> = rows.into_iter().collect();
        role_of.extend(listed);
        rows = role_of.into_iter().collect();
    }
    (rows, unlisted)
}

/// Where an aggregator answers for the swept account: every region or those its sources name
/// (`DescribeConfigurationAggregators`), less the regions whose data from the account's source it
/// couldn't bring up to date (`DescribeConfigurationAggregatorSourcesStatus`: FAILED or OUTDATED).
#[derive(Debug)]
struct Coverage {
    /// `None`: one of its sources takes every region.
    regions: Option<BTreeSet<String>>,
    stale: BTreeSet<String>,
}

impl Coverage {
    async fn of(clients: &Clients, aggregator: &str, account: Option<&str>) -> Result<Coverage, AwsError> {
        let regions = aggregated_regions(clients, aggregator, account).await?;
        let stale = stale_regions(clients, aggregator, account).await?;
        Ok(Coverage { regions, stale })
    }

    /// No region: what an aggregator whose sources can't be read is taken for.
    fn none() -> Coverage {
        Coverage {
            regions: Some(BTreeSet::new()),
            stale: BTreeSet::new(),
        }
    }

    fn is_whole(&self) -> bool {
        self.regions.is_none() && self.stale.is_empty()
    }

    fn covers(&self, region: &str) -> bool {
        !self.stale.contains(region) && self.regions.as_ref().is_none_or(|r| r.contains(region))
    }
}

/// The regions `aggregator` collects `account`'s resources from (`DescribeConfigurationAggregators`):
/// `None` when one of its sources takes every region. An account source speaks only for the
/// accounts it names (none, when the account is unknown); an organization source for every
/// account of the organization.
async fn aggregated_regions(
    clients: &Clients,
    aggregator: &str,
    account: Option<&str>,
) -> Result<Option<BTreeSet<String>>, AwsError> {
    let described = clients
        .config
        .describe_configuration_aggregators()
        .configuration_aggregator_names(aggregator)
        .send()
        .await
        .map_err(|e| AwsError::new("config:DescribeConfigurationAggregators", e))?;
    let mut covered = BTreeSet::new();
    for found in described.configuration_aggregators() {
        let ours = |source: &&aws_sdk_config::types::AccountAggregationSource| {
            account.is_some_and(|account| source.account_ids().iter().any(|id| id == account))
        };
        for source in found.account_aggregation_sources().iter().filter(ours) {
            if source.all_aws_regions() {
                return Ok(None);
            }
            covered.extend(source.aws_regions().iter().cloned());
        }
        if let Some(source) = found.organization_aggregation_source() {
            if source.all_aws_regions() {
                return Ok(None);
            }
            covered.extend(source.aws_regions().iter().cloned());
        }
    }
    Ok(Some(covered))
}

/// The regions where `aggregator`'s data from `account`'s source (an account source naming it, or
/// the organization; any account source when the account is unknown) is not up to date. A stale
/// entry without a region is an error: the aggregator is then trusted for no region.
async fn stale_regions(
    clients: &Clients,
    aggregator: &str,
    account: Option<&str>,
) -> Result<BTreeSet<String>, AwsError> {
    use aws_sdk_config::types::{AggregatedSourceStatusType, AggregatedSourceType};
    let mut pages = clients
        .config
        .describe_configuration_aggregator_sources_status()
        .configuration_aggregator_name(aggregator)
        .update_status(AggregatedSourceStatusType::Failed)
        .update_status(AggregatedSourceStatusType::Outdated)
        .into_paginator()
        .items()
        .send();
    let mut stale = BTreeSet::new();
    while let Some(status) = pages
        .try_next()
        .await
        .map_err(|e| AwsError::new("config:DescribeConfigurationAggregatorSourcesStatus", e))?
    {
        let ours = match status.source_type() {
            Some(AggregatedSourceType::Account) => account.is_none_or(|a| status.source_id() == Some(a)),
            _ => true,
        };
        if !ours {
            continue;
        }
        match status.aws_region() {
            Some(region) => stale.insert(region.to_owned()),
            None => {
                return Err(AwsError::malformed(
                    "config:DescribeConfigurationAggregatorSourcesStatus",
                    "a stale source without a region",
                ))
            }
        };
    }
    Ok(stale)
}

/// Stands for the regions not known when `account:ListRegions` fails: a name no region has, so
/// that a condition naming a region is not taken to match it.
pub const EVERY_OTHER_REGION: &str = "every-other-region";

/// The regions to list besides the rule's own: `functionRegions`, else every enabled region.
async fn other_regions(clients: &Clients, scope: &FunctionScope) -> Result<Vec<String>, AwsError> {
    let regions = if scope.regions.is_empty() {
        enabled_regions(clients).await?
    } else {
        scope.regions.clone()
    };
    let own = clients.region();
    Ok(regions.into_iter().filter(|r| Some(r.as_str()) != own).collect())
}

/// How long the account's enabled regions are kept before they are asked again: a region an
/// administrator enables is searched for functions within the hour, not when the sandbox ends.
pub(crate) const REGIONS_KEPT: Duration = Duration::from_secs(3600);

/// The account's enabled regions, asked at most once per [`REGIONS_KEPT`] per process. A
/// failure is an error: guessing would hide the functions of the regions left out.
async fn enabled_regions(clients: &Clients) -> Result<Vec<String>, AwsError> {
    let mut kept = clients.enabled_regions.lock().await;
    if let Some((asked, regions)) = kept.as_ref().filter(|(asked, _)| asked.elapsed() < REGIONS_KEPT) {
        tracing::debug!(age_secs = asked.elapsed().as_secs(), "enabled regions as asked before");
        return Ok(regions.clone());
    }
    let mut pages = clients
        .account
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .items()
        .send();
    let mut names = Vec::new();
    while let Some(region) = pages
        .try_next()
        .await
        .map_err(|e| AwsError::new("account:ListRegions", e))?
    {
        names.extend(region.region_name().map(str::to_owned));
    }
    *kept = Some((Instant::now(), names.clone()));
    Ok(names)
}

/// `ListFunctions` in each region, all at once: the rows, and the regions that could not be listed.
async fn list_functions_in(
    clients: &Clients,
    regions: Vec<String>,
) -> (Vec<(String, String)>, BTreeMap<String, AwsError>) {
    let mut listings = JoinSet::new();
    for region in regions {
        let lambda = clients.lambda_in(&region);
        listings.spawn(async move { (list_functions(&lambda).await, region) });
    }
    let mut rows = Vec::new();
    let mut unlisted = BTreeMap::new();
    while let Some(joined) = listings.join_next().await {
        match crate::unwound(joined) {
            (Ok(listed), _) => rows.extend(listed),
            (Err(error), region) => {
                tracing::error!(%error, region, "functions not listed; roles whose verdict depends on them are not judged");
                unlisted.insert(region, error);
            }
        }
    }
    (rows, unlisted)
}

/// Rows of an aggregator's advanced query: every account and region the aggregator covers, or
/// the first page of at most `limit` rows.
async fn select_aggregate(
    clients: &Clients,
    aggregator: &str,
    query: &str,
    limit: Option<i32>,
) -> Result<Vec<(String, String)>, AwsError> {
    let mut pages = clients
        .config
        .select_aggregate_resource_config()
        .configuration_aggregator_name(aggregator)
        .expression(query)
        .into_paginator()
        .page_size(limit.unwrap_or(QUERY_PAGE))
        .send();
    let mut rows = Vec::new();
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| AwsError::new("config:SelectAggregateResourceConfig", e))?
    {
        rows.extend(page.results().iter().filter_map(|text| function_row(text)));
        if limit.is_some() {
            break;
        }
    }
    Ok(rows)
}

fn function_row(text: &str) -> Option<(String, String)> {
    match serde_json::from_str::<FunctionRow>(text) {
        Ok(row) => Some((row.arn, row.configuration.role)),
        Err(error) => {
            tracing::warn!(error = %error, "skipping a query row without arn and role");
            None
        }
    }
}

/// `(function ARN, role ARN)` rows of an advanced query.
async fn select_functions(clients: &Clients, query: &str) -> Result<Vec<(String, String)>, AwsError> {
    let mut pages = clients
        .config
        .select_resource_config()
        .expression(query)
        .into_paginator()
        .page_size(QUERY_PAGE)
        .send();
    let mut rows = Vec::new();
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| AwsError::new("config:SelectResourceConfig", e))?
    {
        rows.extend(page.results().iter().filter_map(|text| function_row(text)));
    }
    Ok(rows)
}

/// Config's rows for `query` in the rule's region, when they can be taken as every function
/// there: no rows may mean no functions, or a recorder that doesn't record them (one call tells
/// for the whole account, two for one role: does Config know any function at all?).
async fn config_answer(clients: &Clients, query: &str, whole_account: bool) -> Option<Vec<(String, String)>> {
    match select_functions(clients, query).await {
        Ok(rows) if rows.is_empty() => match records_no_functions(clients, whole_account).await {
            Ok(false) => Some(rows),
            Ok(true) => None,
            Err(error) => {
                tracing::warn!(error = %error, "could not tell whether Config records functions");
                None
            }
        },
        Ok(rows) => Some(rows),
        Err(error) => {
            tracing::warn!(error = %error, "Config query for functions failed");
            None
        }
    }
}

/// After an empty answer: whether the region has functions that Config doesn't record. For one
/// role's query the empty answer may be right (the role has no functions), so Config is asked
/// whether it knows any function at all first.
async fn records_no_functions(clients: &Clients, whole_account: bool) -> Result<bool, AwsError> {
    if !whole_account && config_knows_a_function(clients).await? {
        return Ok(false);
    }
    has_any_function(&clients.lambda).await
}

async fn config_knows_a_function(clients: &Clients) -> Result<bool, AwsError> {
    let page = clients
        .config
        .select_resource_config()
        .expression(ALL_FUNCTIONS)
        .limit(1)
        .send()
        .await
        .map_err(|e| AwsError::new("config:SelectResourceConfig", e))?;
    Ok(!page.results().is_empty())
}

async fn has_any_function(lambda: &aws_sdk_lambda::Client) -> Result<bool, AwsError> {
    let page = lambda
        .list_functions()
        .max_items(1)
        .send()
        .await
        .map_err(|e| AwsError::new("lambda:ListFunctions", e))?;
    Ok(!page.functions().is_empty())
}

/// `(function ARN, role ARN)` for every function, 50 per page (the API's maximum).
async fn list_functions(lambda: &aws_sdk_lambda::Client) -> Result<Vec<(String, String)>, AwsError> {
    let mut functions = lambda
        .list_functions()
        .into_paginator()
        .page_size(LIST_PAGE)
        .items()
        .send();
    let mut rows = Vec::new();
    while let Some(f) = functions
        .try_next()
        .await
        .map_err(|e| AwsError::new("lambda:ListFunctions", e))?
    {
        if let (Some(arn), Some(role)) = (f.function_arn(), f.role()) {
            rows.push((arn.to_owned(), role.to_owned()));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_account::{operation::list_regions::ListRegionsOutput, types::Region};
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    #[tokio::test]
    async fn the_enabled_regions_are_asked_again_after_an_hour() {
        let list = mock!(aws_sdk_account::Client::list_regions).then_output(|| {
            ListRegionsOutput::builder()
                .regions(Region::builder().region_name("eu-west-1").build())
                .build()
        });
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let mut clients = Clients::new(&sdk);
        clients.account = mock_client!(aws_sdk_account, RuleMode::MatchAny, [&list]);
        assert_eq!(enabled_regions(&clients).await.unwrap(), ["eu-west-1"]);
        assert_eq!(enabled_regions(&clients).await.unwrap(), ["eu-west-1"]);
        assert_eq!(list.num_calls(), 1, "kept");
        let over_an_hour_ago = Instant::now().checked_sub(REGIONS_KEPT + Duration::from_secs(1));
        if let Some((asked, _)) = clients.enabled_regions.lock().await.as_mut() {
            *asked = over_an_hour_ago.unwrap();
        }
        assert_eq!(enabled_regions(&clients).await.unwrap(), ["eu-west-1"]);
        assert_eq!(list.num_calls(), 2, "asked again");
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/orders";
    const LAMBDA_TRUST: &str = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#;
    const EC2_TRUST: &str =
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;

    fn judged(statements: &[&str], role_arn: &str, failed_region: &str) -> Unlisted {
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","));
        let role = Role {
            arn: Some(role_arn.to_owned()),
            ..Role::default()
        };
        let params = RuleParams::default();
        let verdict = check(&document, &role, &params);
        let unlisted = BTreeMap::from([(
            failed_region.to_owned(),
            AwsError::malformed("lambda:ListFunctions", "throttled"),
        )]);
        judge_unlisted(&document, &role, &params, &verdict, &unlisted, false)
    }

    #[test]
    fn a_condition_on_the_function_s_arn_leaves_a_compliant_verdict_open() {
        // A function in us-east-1 would be denied (CRITICAL), the made-up one elsewhere isn't.
        let deny = r#"{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:*:function:*"}}}"#;
        assert_eq!(
            judged(&[LAMBDA_TRUST, deny], ROLE, EVERY_OTHER_REGION),
            Unlisted::Undetermined
        );
        assert_eq!(judged(&[LAMBDA_TRUST, deny], ROLE, "us-east-1"), Unlisted::Undetermined);
        // The same Deny of functions named legacy-*, whose names the made-up one doesn't have.
        let by_name = deny.replace("us-east-1:*:function:*", "*:*:function:legacy-*");
        assert_eq!(
            judged(&[LAMBDA_TRUST, &by_name], ROLE, "eu-west-3"),
            Unlisted::Undetermined
        );
        // Without it, a Lambda trust any function can use is judged.
        assert_eq!(judged(&[LAMBDA_TRUST], ROLE, EVERY_OTHER_REGION), Unlisted::Irrelevant);
    }

    #[test]
    fn a_failing_verdict_stands_and_may_be_worse_when_the_function_s_arn_counts() {
        let partner =
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#;
        let deny = r#"{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111122223333:function:*"}}}"#;
        // Failing either way; the made-up function (not in us-east-1) shows nothing worse, but a
        // function in us-east-1 would be denied.
        assert_eq!(
            judged(&[LAMBDA_TRUST, partner, deny], ROLE, EVERY_OTHER_REGION),
            Unlisted::MayBeWorse
        );
        // Public is CRITICAL already: nothing is worse.
        let public = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}"#;
        assert_eq!(
            judged(&[LAMBDA_TRUST, public, deny], ROLE, EVERY_OTHER_REGION),
            Unlisted::Irrelevant
        );
    }

    #[test]
    fn unlisted_distributions_leave_open_only_what_lambda_edge_would_change() {
        let judged_with = |statements: &[&str], functions: &[&str], unlisted: &[&str], edge_unknown: bool| {
            let document = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","));
            let role = Role {
                arn: Some(ROLE.to_owned()),
                functions: (functions.iter())
                    .map(|region| format!("arn:aws:lambda:{region}:111122223333:function:rewrite"))
                    .collect(),
                ..Role::default()
            };
            // As the rule judges: now, so that a window closing soon is seen.
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            let params = RuleParams {
                evaluated_at: now.ok().and_then(|d| i64::try_from(d.as_secs()).ok()),
                ..RuleParams::default()
            };
            let verdict = check(&document, &role, &params);
            let unlisted = (unlisted.iter())
                .map(|r| (r.to_string(), AwsError::malformed("lambda:ListFunctions", "denied")))
                .collect();
            judge_unlisted(&document, &role, &params, &verdict, &unlisted, edge_unknown)
        };
        let judged =
            |statements: &[&str], function_region: &str| judged_with(statements, &[function_region], &[], true);
        let edge = r#"{"Effect":"Allow","Principal":{"Service":"edgelambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#;
        // Lambda alone: an association of its function would break it, so it isn't written.
        assert_eq!(judged(&[LAMBDA_TRUST], "us-east-1"), Unlisted::Undetermined);
        // Lambda@Edge trusted too: judged.
        assert_eq!(judged(&[LAMBDA_TRUST, edge], "us-east-1"), Unlisted::Irrelevant);
        // A Lambda role, with a function CloudFront can't run or with none: an older version at
        // the edge could run as it, and would make it fail: not written.
        assert_eq!(judged(&[LAMBDA_TRUST], "eu-west-1"), Unlisted::Undetermined);
        assert_eq!(judged_with(&[LAMBDA_TRUST], &[], &[], true), Unlisted::Undetermined);
        // Failing already (another account trusted): written, and reported, as it could be worse.
        let partner =
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#;
        assert_eq!(
            judged_with(&[LAMBDA_TRUST, partner], &[], &[], true),
            Unlisted::MayBeWorse
        );
        // Lambda beside another service, which Lambda can use: an older version could run as it.
        let api = r#"{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","apigateway.amazonaws.com"]},"Action":"sts:AssumeRole"}"#;
        assert_eq!(judged_with(&[api], &[], &[], true), Unlisted::Undetermined);
        assert_eq!(judged_with(&[LAMBDA_TRUST], &[], &[], false), Unlisted::Irrelevant);
        // A role Lambda can't use: no version runs as it that Lambda itself would not fail.
        assert_eq!(judged_with(&[EC2_TRUST], &[], &[], true), Unlisted::Irrelevant);
        // The function's ARN in a condition: a made-up name proves nothing either way, so an
        // older version of a function it names could run at the edge as the role: not written,
        // Lambda@Edge trusted or not.
        let by_arn = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:111122223333:function:rewrite"}}}"#;
        assert_eq!(judged_with(&[by_arn], &[], &[], true), Unlisted::Undetermined);
        let both_by_arn = by_arn.replace(
            r#""Service":"lambda.amazonaws.com""#,
            r#""Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]"#,
        );
        assert_eq!(judged_with(&[&both_by_arn], &[], &[], true), Unlisted::Undetermined);
        // Lambda@Edge's own grant closing within 30 days (LAMBDA_TRUST_EXPIRING, MEDIUM): an
        // older version at the edge would make it fail.
        let soon = std::time::SystemTime::now() + Duration::from_secs(10 * 24 * 3600);
        let soon = aws_smithy_types::DateTime::from(soon).fmt(aws_smithy_types::date_time::Format::DateTime);
        let closing = format!(
            r#"{{"Effect":"Allow","Principal":{{"Service":"edgelambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"DateLessThan":{{"aws:CurrentTime":"{}"}}}}}}"#,
            soon.expect("a date")
        );
        assert_eq!(
            judged_with(&[LAMBDA_TRUST, &closing], &[], &[], true),
            Unlisted::Undetermined
        );
        // Another service's trust kept to its own source's ARN: no Lambda grant to pass at all.
        let topic = r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:alerts"}}}"#;
        assert_eq!(judged_with(&[topic], &[], &[], true), Unlisted::Irrelevant);
        // Exempt: NOT_APPLICABLE whatever runs where.
        let exempt_role = Role {
            arn: Some("arn:aws:iam::111122223333:role/exempt".to_owned()),
            tag_keys: vec!["trustcheck:exempt".to_owned()],
            ..Role::default()
        };
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{LAMBDA_TRUST}]}}"#);
        let params = RuleParams::default();
        let verdict = check(&document, &exempt_role, &params);
        assert_eq!(
            judge_unlisted(&document, &exempt_role, &params, &verdict, &BTreeMap::new(), true),
            Unlisted::Irrelevant
        );
        // Failing at HIGH whatever runs at the edge: nothing more to know.
        assert_eq!(judged(&[edge], "eu-west-1"), Unlisted::Irrelevant);
        // A region's listing failed and CloudFront wasn't asked (every other region: us-east-1 too).
        assert_eq!(
            judged_with(&[LAMBDA_TRUST], &[], &[EVERY_OTHER_REGION], true),
            Unlisted::Undetermined
        );
        assert_eq!(
            judged_with(&[LAMBDA_TRUST], &[], &[EVERY_OTHER_REGION], false),
            Unlisted::Irrelevant
        );
    }

    #[test]
    fn a_service_linked_role_is_never_left_open() {
        let linked = "arn:aws:iam::111122223333:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForX";
        let deny = r#"{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:*:function:*"}}}"#;
        assert_eq!(
            judged(&[LAMBDA_TRUST, deny], linked, EVERY_OTHER_REGION),
            Unlisted::Irrelevant
        );
    }
}
