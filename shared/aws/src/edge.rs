//! Which functions CloudFront runs at the edge (Lambda@Edge): their roles must let
//! `edgelambda.amazonaws.com` assume them as well as Lambda, or CloudFront refuses the
//! association and answers viewers with 502 errors (`LAMBDA_EDGE_TRUST_MISSING`).

use std::collections::HashSet;

use crate::{clients::Clients, error::AwsError};

/// Lambda@Edge runs only functions of US East (N. Virginia).
pub const EDGE_REGION: &str = "us-east-1";

/// Whether CloudFront could run the function at `arn` at the edge: a function of [`EDGE_REGION`].
pub fn may_run_at_edge(arn: &str) -> bool {
    arn.split(':').nth(3) == Some(EDGE_REGION)
}

/// The account's functions that a distribution associates with a cache behaviour, by their
/// unqualified ARN (an association names a numbered version): `cloudfront:ListDistributions`,
/// whose summaries carry every behaviour's associations. Disabled and staging distributions
/// count: their associations stand, and so does their need of the role's trust.
pub async fn edge_functions(clients: &Clients) -> Result<HashSet<String>, AwsError> {
    let mut pages = clients.cloudfront.list_distributions().into_paginator().send();
    let mut functions = HashSet::new();
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| AwsError::new("cloudfront:ListDistributions", e))?
    {
        let distributions = page.distribution_list().map(|list| list.items()).unwrap_or_default();
        for distribution in distributions {
            let default = distribution.default_cache_behavior();
            let default = default.and_then(|b| b.lambda_function_associations());
            let others = distribution.cache_behaviors().map(|b| b.items()).unwrap_or_default();
            let associations = default
                .into_iter()
                .chain(others.iter().filter_map(|b| b.lambda_function_associations()))
                .flat_map(|a| a.items());
            functions.extend(associations.map(|a| unqualified(a.lambda_function_arn()).to_owned()));
        }
    }
    Ok(functions)
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
        "CloudFront's distributions could not be listed ({error}), and a Lambda@Edge association of the role's functions in {EDGE_REGION} would change its verdict (let the rule call cloudfront:ListDistributions)"
    )
}

/// Those of `functions` that CloudFront runs at the edge.
pub fn at_the_edge(functions: &[String], edge: &HashSet<String>) -> Vec<String> {
    functions
        .iter()
        .filter(|f| edge.contains(f.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_or_alias_names_its_function() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:rewrite";
        assert_eq!(unqualified(&format!("{function}:7")), function);
        assert_eq!(unqualified(&format!("{function}:live")), function);
        assert_eq!(unqualified(function), function);
        assert!(may_run_at_edge(function));
        assert!(!may_run_at_edge(
            "arn:aws:lambda:eu-west-1:111122223333:function:rewrite"
        ));
        let edge = HashSet::from([function.to_owned()]);
        let functions = [function.to_owned(), format!("{function}-other")];
        assert_eq!(at_the_edge(&functions, &edge), [function]);
    }
}
