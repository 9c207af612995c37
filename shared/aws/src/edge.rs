//! Which functions CloudFront runs at the edge (Lambda@Edge), and as which roles: those roles
//! must let `edgelambda.amazonaws.com` assume them as well as Lambda, or CloudFront refuses the
//! association and answers viewers with 502 errors (`LAMBDA_EDGE_TRUST_MISSING`).

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use tokio::task::JoinSet;

use crate::{clients::Clients, error::AwsError, sweep::next_marker};

/// Lambda@Edge runs only functions of US East (N. Virginia).
pub const EDGE_REGION: &str = "us-east-1";

/// How long an answer serves the change events after it: a burst of IAM changes (a deployment)
/// asks CloudFront once. CloudFront checks the role's trust when an association is made, so an
/// association newer than the answer was made with a role that trusted Lambda@Edge then. A sweep
/// always asks.
pub const EDGE_KEPT: Duration = Duration::from_secs(60);

/// Whether CloudFront could run the function at `arn` at the edge: a function of [`EDGE_REGION`].
pub fn may_run_at_edge(arn: &str) -> bool {
    region_of(arn) == Some(EDGE_REGION)
}

fn region_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(3)
}

/// The functions CloudFront runs at the edge, and the execution roles their associated versions
/// run as (a version keeps the role it was published with).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeFunctions {
    /// Unqualified function ARN → the roles of its associated versions.
    roles_of_function: BTreeMap<String, BTreeSet<String>>,
}

impl EdgeFunctions {
    /// The functions that run at the edge as `role_arn`, and those of `functions` (whose latest
    /// configuration uses the role) that CloudFront runs: the next version published runs as it.
    pub fn of_role(&self, role_arn: &str, functions: &[String]) -> Vec<String> {
        (self.roles_of_function.iter())
            .filter(|(function, roles)| roles.contains(role_arn) || functions.contains(function))
            .map(|(function, _)| function.clone())
            .collect()
    }
}

/// What CloudFront runs at the edge in the account of `clients` (`account`, when known: another
/// account's function, which no role of this account runs, is left out), as asked at most
/// `max_age` ago.
pub async fn edge_functions(
    clients: &Clients,
    account: Option<&str>,
    max_age: Duration,
) -> Result<EdgeFunctions, AwsError> {
    let mut kept = clients.edge_functions.lock().await;
    if let Some((_, edge)) = kept.as_ref().filter(|(asked, _)| asked.elapsed() < max_age) {
        return Ok(edge.clone());
    }
    let versions = associated_versions(clients).await?;
    let versions = versions
        .into_iter()
        .filter(|v| account.is_none() || v.split(':').nth(4) == account);
    let edge = roles_of_versions(clients, versions).await?;
    *kept = Some((Instant::now(), edge.clone()));
    Ok(edge)
}

/// Every function version a distribution associates with a cache behaviour
/// (`cloudfront:ListDistributions`, whose summaries carry every behaviour's associations).
/// Disabled and staging distributions count: their associations stand.
async fn associated_versions(clients: &Clients) -> Result<BTreeSet<String>, AwsError> {
    const OPERATION: &str = "cloudfront:ListDistributions";
    let mut versions = BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        let page = (clients.cloudfront.list_distributions())
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::new(OPERATION, e))?;
        let Some(list) = page.distribution_list() else {
            return Ok(versions);
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
        marker = next_marker(OPERATION, list.is_truncated(), list.next_marker(), marker.as_deref())?;
        if marker.is_none() {
            return Ok(versions);
        }
    }
}

/// The role of each version (`lambda:GetFunctionConfiguration` in us-east-1, all at once). A
/// version Lambda doesn't know runs nowhere and is left out.
async fn roles_of_versions(
    clients: &Clients,
    versions: impl Iterator<Item = String>,
) -> Result<EdgeFunctions, AwsError> {
    let lambda = clients.lambda_in(EDGE_REGION);
    let mut reads = JoinSet::new();
    for version in versions {
        let lambda = lambda.clone();
        reads.spawn(async move {
            let read = lambda.get_function_configuration().function_name(&version).send().await;
            (version, read)
        });
    }
    let mut edge = EdgeFunctions::default();
    while let Some(joined) = reads.join_next().await {
        let (version, read) = crate::unwound(joined);
        let role = match read {
            Ok(configuration) => configuration.role().map(str::to_owned),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                continue
            }
            Err(error) => return Err(AwsError::new("lambda:GetFunctionConfiguration", error)),
        };
        let roles = edge
            .roles_of_function
            .entry(unqualified(&version).to_owned())
            .or_default();
        roles.extend(role);
    }
    Ok(edge)
}

/// `arn:aws:lambda:us-east-1:111122223333:function:name` of a version's (or an alias's) ARN.
fn unqualified(arn: &str) -> &str {
    match arn.match_indices(':').nth(6) {
        Some((qualifier, _)) => &arn[..qualifier],
        None => arn,
    }
}

/// Why a role whose verdict a Lambda@Edge association would change is not judged, and what to do.
pub fn unlisted_distributions(error: &AwsError) -> String {
    format!(
        "CloudFront's Lambda@Edge functions could not be listed ({error}), and one of the role's functions in {EDGE_REGION} running at the edge would change its verdict (let the rule call cloudfront:ListDistributions and lambda:GetFunctionConfiguration)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_runs_at_the_edge_as_its_version_s_role_and_its_latest_s() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:rewrite";
        assert_eq!(unqualified(&format!("{function}:7")), function);
        assert_eq!(unqualified(function), function);
        assert!(may_run_at_edge(function));
        assert!(!may_run_at_edge(
            "arn:aws:lambda:eu-west-1:111122223333:function:rewrite"
        ));
        let published = "arn:aws:iam::111122223333:role/rewrite-v1";
        let edge = EdgeFunctions {
            roles_of_function: BTreeMap::from([(function.to_owned(), BTreeSet::from([published.to_owned()]))]),
        };
        // The role version 7 was published with, which the function no longer names.
        assert_eq!(edge.of_role(published, &[]), [function]);
        // The role its latest configuration names: the next version runs as it.
        let latest = "arn:aws:iam::111122223333:role/rewrite-v2";
        assert_eq!(edge.of_role(latest, &[function.to_owned()]), [function]);
        // Another function of the role, which CloudFront doesn't run.
        assert!(edge.of_role(latest, &[format!("{function}-other")]).is_empty());
    }
}
