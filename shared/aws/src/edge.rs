//! Which functions CloudFront runs at the edge (Lambda@Edge), and as which roles: those roles
//! must let `edgelambda.amazonaws.com` assume them as well as Lambda, or CloudFront refuses the
//! association and answers viewers with 502 errors (`LAMBDA_EDGE_TRUST_MISSING`).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use aws_sdk_lambda::{
    config::http::HttpResponse,
    error::SdkError,
    operation::get_function_configuration::{GetFunctionConfigurationError, GetFunctionConfigurationOutput},
};
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{clients::Clients, error::AwsError, sweep::next_marker};

/// Lambda@Edge runs only functions of US East (N. Virginia).
pub(crate) const EDGE_REGION: &str = "us-east-1";

/// How much later than a change an answer must have been asked to serve its change event: the
/// evaluator's clock and Config's may differ by this much.
pub const EDGE_CLOCK_SKEW: Duration = Duration::from_secs(10);

/// At most this many `GetFunctionConfiguration` calls at once, one started every
/// [`READ_INTERVAL`]: Lambda's control plane limits them per account (15 a second), and the
/// customer's own tooling shares the limit.
const READS_AT_ONCE: usize = 4;
const READ_INTERVAL: Duration = Duration::from_millis(200);

/// How long a version's role is kept: it never changes, but a function deleted and made again
/// under its name numbers its versions anew. CloudFront must let go of a version before its
/// function can be deleted, so a version no listing associates any more is forgotten at once;
/// this bounds the rest.
const VERSION_ROLES_KEPT: Duration = Duration::from_secs(24 * 3600);

/// Whether CloudFront could run the function at `arn` at the edge: a function of [`EDGE_REGION`].
pub(crate) fn may_run_at_edge(arn: &str) -> bool {
    arn.split(':').nth(3) == Some(EDGE_REGION)
}

/// Whether the partition of `region` has Lambda@Edge: only the aws partition, whose region names
/// start with none of the other partitions' prefixes.
fn has_lambda_edge(region: &str) -> bool {
    const OTHER_PARTITIONS: [&str; 5] = ["cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-"];
    !OTHER_PARTITIONS.iter().any(|prefix| region.starts_with(prefix))
}

/// Whether Lambda@Edge is looked for: when `function_regions` (`functionRegions`) is empty (every
/// enabled region) or names us-east-1. Leaving us-east-1 out of it leaves Lambda@Edge out too,
/// so an account whose CloudFront the rule may never ask (an SCP) has a way to be judged.
fn edge_in_scope(function_regions: &[String]) -> bool {
    function_regions.is_empty() || function_regions.iter().any(|r| r == EDGE_REGION)
}

/// Whether CloudFront is asked what runs at the edge: in the partition of the clients' region when
/// it has Lambda@Edge (the aws partition), and when the scope looks at us-east-1's functions. A
/// version keeps the role it was published with, so it is asked whatever functions were listed.
pub fn edge_looked_for(clients: &Clients, scope: &crate::functions::FunctionScope) -> bool {
    clients.region().is_none_or(has_lambda_edge) && edge_in_scope(&scope.regions)
}

/// The functions CloudFront runs at the edge, and the execution roles of the versions it runs (a
/// version keeps the role it was published with, whatever the function's role is now).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeFunctions {
    /// Unqualified function ARN → the roles of its associated versions.
    roles_of_function: BTreeMap<String, BTreeSet<String>>,
}

impl EdgeFunctions {
    /// The functions that CloudFront runs at the edge as `role_arn`.
    pub fn of_role(&self, role_arn: &str) -> Vec<String> {
        (self.roles_of_function.iter())
            .filter(|(_, roles)| roles.contains(role_arn))
            .map(|(function, _)| function.clone())
            .collect()
    }
}

/// What a process keeps of CloudFront's and Lambda's answers, per [`Clients`] (one account).
#[derive(Debug, Default)]
pub(crate) struct EdgeCache {
    /// The last answer, when it was asked, and the account it was filtered for.
    answer: Option<(SystemTime, Option<String>, EdgeFunctions)>,
    /// Version ARN → its role (a published version's role never changes; none: a version
    /// Lambda doesn't know, which runs nowhere), each kept for [`VERSION_ROLES_KEPT`] while
    /// CloudFront associates it.
    roles_of_versions: HashMap<String, VersionRead>,
}

#[derive(Debug)]
struct VersionRead {
    role: Option<String>,
    at: SystemTime,
}

/// What CloudFront runs at the edge in the account of `clients` (`account`, when known: another
/// account's function, which no role of this account runs, is left out), as asked no earlier
/// than `asked_since`: a change event takes an answer asked after its change (an association
/// made before it is in that answer, one made after it was made with the role as changed:
/// CloudFront checks the trust then); a sweep asks anew.
///
/// `reads_until`: when this call stops reading roles of versions not read before. The reads are
/// paced, so thousands of associated versions (a large CDN, or an insider's) would outlast the
/// invocation and, with it, every role's evaluation; past it the answer is an error (its callers
/// then judge what the edge can't change; [`AwsError::is_unfinished`]), and the roles read so far
/// are kept for the next call, which reads on.
pub async fn edge_functions(
    clients: &Clients,
    account: Option<&str>,
    asked_since: SystemTime,
    reads_until: Option<SystemTime>,
) -> Result<EdgeFunctions, AwsError> {
    let mut cache = clients.edge.lock().await;
    if let Some((asked, for_account, edge)) = &cache.answer {
        if *asked >= asked_since && for_account.as_deref() == account {
            return Ok(edge.clone());
        }
    }
    let asked = SystemTime::now();
    // As an Instant: a clock set back must not lengthen the reads.
    let read_by = reads_until.map(|until| Instant::now() + until.duration_since(SystemTime::now()).unwrap_or_default());
    // The listing too: throttled and retried page by page, it must not outlast the invocation.
    let versions = by(read_by, associated_versions(clients)).await.ok_or_else(|| {
        AwsError::unfinished(
            LIST_OPERATION,
            "the distributions were not all listed in the time this invocation gives them: the next invocation lists them again",
        )
    })??;
    let fresh = |read: &VersionRead| asked.duration_since(read.at).is_ok_and(|age| age <= VERSION_ROLES_KEPT);
    (cache.roles_of_versions).retain(|version, read| versions.contains(version) && fresh(read));
    let versions = (versions.into_iter())
        .filter(|v| account.is_none() || v.split(':').nth(4) == account)
        .collect();
    let edge = roles_of_versions(clients, &mut cache.roles_of_versions, versions, read_by).await?;
    cache.answer = Some((asked, account.map(str::to_owned), edge.clone()));
    Ok(edge)
}

/// Every function version a distribution associates with a cache behaviour
/// (`cloudfront:ListDistributions`, whose summaries carry every behaviour's associations).
/// Disabled and staging distributions count: their associations stand.
async fn associated_versions(clients: &Clients) -> Result<BTreeSet<String>, AwsError> {
    let mut versions = BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        let page = (clients.cloudfront.list_distributions())
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::new(LIST_OPERATION, e))?;
        let Some(list) = page.distribution_list() else {
            return Err(AwsError::malformed(
                LIST_OPERATION,
                "an answer without a DistributionList",
            ));
        };
        for distribution in list.items() {
            let default = distribution.default_cache_behavior();
            let default = default.and_then(|b| b.lambda_function_associations());
            let others = distribution.cache_behaviors().map(|b| b.items()).unwrap_or_default();
            let associations = default
                .into_iter()
                .chain(others.iter().filter_map(|b| b.lambda_function_associations()))
                .flat_map(|a| a.items());
            versions.extend(associations.map(|a| a.lambda_function_arn().to_owned()));
        }
        // A truncated list without a way on would drop the distributions after it, and with them
        // the roles they run: an error, as for ListRoles.
        marker = next_marker(
            LIST_OPERATION,
            list.is_truncated(),
            list.next_marker(),
            marker.as_deref(),
        )?;
        if marker.is_none() {
            return Ok(versions);
        }
    }
}

/// The role of each version: `known`, else `lambda:GetFunctionConfiguration` in us-east-1 (a few
/// at once), kept in `known`. A version Lambda doesn't know runs nowhere and is left out. Nothing
/// is waited for past `read_by`: the answer is then an error saying how many are left.
async fn roles_of_versions(
    clients: &Clients,
    known: &mut HashMap<String, VersionRead>,
    versions: Vec<String>,
    read_by: Option<Instant>,
) -> Result<EdgeFunctions, AwsError> {
    let lambda = clients.lambda_in(EDGE_REGION);
    let permits = Arc::new(Semaphore::new(READS_AT_ONCE));
    let mut reads = JoinSet::new();
    let mut edge = EdgeFunctions::default();
    let mut started = false;
    for version in &versions {
        if let Some(read) = known.get(version) {
            if let Some(role) = &read.role {
                edge.add(version, role.clone());
            }
            continue;
        }
        if started {
            tokio::time::sleep(READ_INTERVAL).await;
        }
        started = true;
        // A read that failed (a role without the permission) fails the answer now, not after
        // every other version has been paced through.
        while let Some(joined) = reads.try_join_next() {
            read_into(&mut edge, known, crate::unwound(joined))?;
        }
        if read_by.is_some_and(|by| Instant::now() >= by) {
            return Err(unfinished(&versions, known));
        }
        let version = version.clone();
        let (lambda, permits) = (lambda.clone(), permits.clone());
        reads.spawn(async move {
            // Never closed: a permit always comes.
            let _permit = permits.acquire_owned().await;
            let read = lambda.get_function_configuration().function_name(&version).send().await;
            (version, read)
        });
    }
    // The last reads, throttled and retried, may take long too.
    loop {
        let Some(joined) = by(read_by, reads.join_next()).await else {
            return Err(unfinished(&versions, known));
        };
        let Some(joined) = joined else {
            return Ok(edge);
        };
        read_into(&mut edge, known, crate::unwound(joined))?;
    }
}

/// `work`'s output, or `None` when `read_by` comes first (it is dropped then).
async fn by<T>(read_by: Option<Instant>, work: impl std::future::Future<Output = T>) -> Option<T> {
    match read_by {
        None => Some(work.await),
        Some(deadline) => tokio::time::timeout_at(deadline.into(), work).await.ok(),
    }
}

/// How many of `versions` are left unread when the time is up. What has been read stays known;
/// the reads in flight are dropped.
fn unfinished(versions: &[String], known: &HashMap<String, VersionRead>) -> AwsError {
    let unread = versions.iter().filter(|v| !known.contains_key(*v)).count();
    AwsError::unfinished(
        READ_OPERATION,
        &format!(
            "{unread} of the {} versions CloudFront runs at the edge not read yet in the time this invocation gives them (one read every {} ms, within Lambda's control-plane limit): the versions read are kept, and the next invocation reads on",
            versions.len(),
            READ_INTERVAL.as_millis()
        ),
    )
}

const READ_OPERATION: &str = "lambda:GetFunctionConfiguration";
const LIST_OPERATION: &str = "cloudfront:ListDistributions";

type Answer = (
    String,
    Result<GetFunctionConfigurationOutput, SdkError<GetFunctionConfigurationError, HttpResponse>>,
);

/// A version's role, into `edge` and `known`. A version Lambda doesn't know runs nowhere.
fn read_into(
    edge: &mut EdgeFunctions,
    known: &mut HashMap<String, VersionRead>,
    (version, read): Answer,
) -> Result<(), AwsError> {
    let role = match read {
        Ok(configuration) => configuration.role().map(str::to_owned),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            None
        }
        Err(error) => return Err(AwsError::new(READ_OPERATION, error)),
    };
    if let Some(role) = &role {
        edge.add(&version, role.clone());
    }
    let at = SystemTime::now();
    known.insert(version, VersionRead { role, at });
    Ok(())
}

impl EdgeFunctions {
    fn add(&mut self, version: &str, role: String) {
        self.roles_of_function
            .entry(trustcheck::unqualified_function(version).to_owned())
            .or_default()
            .insert(role);
    }
}

/// What a role judged and written while CloudFront couldn't be asked was judged without.
pub fn judged_without_edge(error: &AwsError) -> String {
    format!(
        "CloudFront's Lambda@Edge functions could not be listed ({error}): the role was judged and written as one no version runs at the edge as ({})",
        remedy(error)
    )
}

/// Why a role whose verdict a Lambda@Edge association would change is not fully judged, and what
/// to do.
pub fn unlisted_distributions(error: &AwsError) -> String {
    format!(
        "CloudFront's Lambda@Edge functions could not be listed ({error}), and a function running at the edge as the role would change its verdict ({})",
        remedy(error)
    )
}

fn remedy(error: &AwsError) -> &'static str {
    match (error.is_unfinished(), error.operation) {
        // The versions read are kept; the listing starts again each time.
        (true, LIST_OPERATION) => {
            "the next invocation lists them again; nothing to change, unless this lasts: then other callers throttle CloudFront's listing in this account, or leave us-east-1 out of functionRegions to leave Lambda@Edge out"
        }
        (true, _) => "later invocations read the rest; nothing to change",
        (false, _) => "let the rule call cloudfront:ListDistributions and lambda:GetFunctionConfiguration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_runs_at_the_edge_as_the_role_its_version_was_published_with() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:rewrite";
        assert!(may_run_at_edge(function));
        assert!(!may_run_at_edge(
            "arn:aws:lambda:eu-west-1:111122223333:function:rewrite"
        ));
        let (v1, v2) = (
            "arn:aws:iam::111122223333:role/rewrite-v1",
            "arn:aws:iam::111122223333:role/rewrite-v2",
        );
        let mut edge = EdgeFunctions::default();
        edge.add(&format!("{function}:7"), v1.to_owned());
        edge.add(&format!("{function}:9"), v2.to_owned());
        edge.add(function, v2.to_owned());
        assert_eq!(edge.of_role(v1), [function]);
        assert_eq!(edge.of_role(v2), [function]);
        assert!(edge.of_role("arn:aws:iam::111122223333:role/other").is_empty());
    }

    #[test]
    fn leaving_us_east_1_out_of_the_function_regions_leaves_lambda_edge_out() {
        let regions = |names: &[&str]| names.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        assert!(edge_in_scope(&[]));
        assert!(edge_in_scope(&regions(&["eu-west-1", "us-east-1"])));
        assert!(!edge_in_scope(&regions(&["eu-west-1", "eu-central-1"])));
    }

    #[test]
    fn only_the_aws_partition_has_lambda_edge() {
        for region in ["us-east-1", "eu-west-3", "ap-southeast-7", "mx-central-1"] {
            assert!(has_lambda_edge(region), "{region}");
        }
        for region in [
            "cn-north-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
        ] {
            assert!(!has_lambda_edge(region), "{region}");
        }
    }
}
