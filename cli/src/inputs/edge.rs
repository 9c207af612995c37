//! Which function versions CloudFront runs at the edge (Lambda@Edge), from `aws cloudfront
//! list-distributions`: every cache behaviour's `LambdaFunctionAssociations`. A version runs as
//! the role it was published with, which `aws lambda list-functions --function-version ALL`
//! lists beside it.

use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
};

use serde::Deserialize;

use super::read_json;
use crate::error::InputError;

const COMMAND: &str = "aws cloudfront list-distributions";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listing {
    distribution_list: Option<DistributionList>,
    next_token: Option<String>,
    /// Anything else: told from `{}`, which is what the AWS CLI writes for no distributions.
    #[serde(flatten)]
    others: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DistributionList {
    /// Absent (or `null`) in an account without distributions.
    #[serde(default, deserialize_with = "super::objects")]
    items: Option<Vec<Distribution>>,
    #[serde(default)]
    is_truncated: bool,
    next_marker: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Distribution {
    default_cache_behavior: Option<Behaviour>,
    cache_behaviors: Option<Items<Behaviour>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Items<T> {
    items: Option<Vec<T>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Behaviour {
    lambda_function_associations: Option<Items<Association>>,
}

#[derive(Deserialize)]
struct Association {
    #[serde(rename = "LambdaFunctionARN")]
    lambda_function_arn: String,
}

/// Every function version the distributions of `files` associate (one file, or a page each).
pub(crate) fn associated_versions(files: &[PathBuf]) -> Result<BTreeSet<String>, InputError> {
    let mut versions = BTreeSet::new();
    for file in files {
        versions.extend(read_distributions_file(file)?);
    }
    Ok(versions)
}

fn read_distributions_file(path: &Path) -> Result<Vec<String>, InputError> {
    // An account without distributions: CloudFront's answer has no items, and the AWS CLI, which
    // merges the pages' items, writes nothing at all.
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Ok(Vec::new());
    }
    let (listing, source): (Listing, String) = read_json(path, COMMAND)?;
    let Some(list) = listing.distribution_list else {
        if listing.others.is_empty() && listing.next_token.is_none() {
            return Ok(Vec::new());
        }
        return Err(InputError::Shape {
            path: source,
            message: format!("no DistributionList: not the output of {COMMAND}"),
        });
    };
    super::whole_listing(
        &source,
        COMMAND,
        &[
            ("IsTruncated", list.is_truncated),
            ("NextMarker", list.next_marker.as_deref().is_some_and(|m| !m.is_empty())),
            ("NextToken", listing.next_token.is_some()),
        ],
    )?;
    let behaviours = (list.items.into_iter().flatten()).flat_map(|d| {
        let others = d.cache_behaviors.and_then(|b| b.items).unwrap_or_default();
        d.default_cache_behavior.into_iter().chain(others)
    });
    Ok(behaviours
        .filter_map(|b| b.lambda_function_associations?.items)
        .flatten()
        .map(|a| a.lambda_function_arn)
        .collect())
}

/// The functions each role runs at the edge as (role ARN → unqualified function ARNs), from the
/// associated `versions` and the roles the function listings give each version (`users`: role →
/// the functions and versions listed with it). What can't be told is said in `notes`.
pub(crate) fn edge_functions_of_roles(
    versions: &BTreeSet<String>,
    users: &HashMap<String, Vec<String>>,
    notes: &mut Vec<String>,
) -> HashMap<String, Vec<String>> {
    // Most scans have no distributions: no map of every function for them.
    if versions.is_empty() {
        return HashMap::new();
    }
    let mut role_of: HashMap<&str, &str> = HashMap::new();
    for (role, functions) in users {
        for function in functions {
            role_of.insert(function.as_str(), role.as_str());
        }
    }
    let with_versions = super::account::listed_with_versions(role_of.keys().copied());
    let mut edge: HashMap<String, Vec<String>> = HashMap::new();
    let (mut by_latest, mut unlisted, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for version in versions {
        let function = trustcheck::unqualified_function(version);
        let role = match (role_of.get(version.as_str()), role_of.get(function)) {
            (Some(role), _) => *role,
            // Listed with its versions but not this one: Lambda keeps every version CloudFront
            // has replicated, so the listing is older than the association (said below).
            (None, Some(_)) if with_versions.contains(function) => {
                missing.push(version.as_str());
                continue;
            }
            // Listed without versions: the function's role now is the likeliest, and judged so
            // (failing closed), but the version may run as another.
            (None, Some(role)) => {
                by_latest.push(version.as_str());
                *role
            }
            (None, None) => {
                unlisted.push(version.as_str());
                continue;
            }
        };
        let functions = edge.entry(role.to_owned()).or_default();
        if !functions.iter().any(|f| f == function) {
            functions.push(function.to_owned());
        }
    }
    let first = |items: &[&str]| {
        let more = if items.len() > 1 { ", …" } else { "" };
        format!("{}{more}", items.first().copied().unwrap_or_default())
    };
    if !by_latest.is_empty() {
        notes.push(format!(
            "{} version(s) CloudFront runs at the edge ({}) are of functions listed without published versions: each is judged as running as its function's role now, but a version keeps the role it was published with; list us-east-1 with aws lambda list-functions --function-version ALL",
            by_latest.len(),
            first(&by_latest)
        ));
    }
    if !missing.is_empty() {
        notes.push(format!(
            "{} version(s) CloudFront runs at the edge ({}) are missing from their function's listed versions, though Lambda keeps every version CloudFront runs: a --functions file older than the distributions? The roles they run as are not judged for Lambda@Edge; list us-east-1's functions again with aws lambda list-functions --function-version ALL",
            missing.len(),
            first(&missing)
        ));
    }
    if !unlisted.is_empty() {
        notes.push(format!(
            "{} version(s) CloudFront runs at the edge ({}) are of functions no --functions file lists: the roles they run as are not judged for Lambda@Edge; give us-east-1's aws lambda list-functions --function-version ALL (another account's functions run as that account's roles)",
            unlisted.len(),
            first(&unlisted)
        ));
    }
    edge
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: &str = "arn:aws:lambda:us-east-1:111122223333:function:orders";

    fn users(listed: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        let mut users: HashMap<String, Vec<String>> = HashMap::new();
        for (role, function) in listed {
            users
                .entry((*role).to_owned())
                .or_default()
                .push((*function).to_owned());
        }
        users
    }

    #[test]
    fn a_version_runs_as_the_role_listed_with_it() {
        let users = users(&[
            ("old", &format!("{ORDERS}:1")),
            ("new", ORDERS),
            ("new", &format!("{ORDERS}:2")),
        ]);
        let versions = BTreeSet::from([format!("{ORDERS}:1"), format!("{ORDERS}:9")]);
        let mut notes = Vec::new();
        let edge = edge_functions_of_roles(&versions, &users, &mut notes);
        assert_eq!(edge["old"], [ORDERS]);
        // Version 9 isn't listed beside versions 1 and 2: not judged as any role's, and said,
        // since Lambda keeps every version CloudFront runs (the listing is older).
        assert!(!edge.contains_key("new"));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains(&format!("({ORDERS}:9) are missing")), "{notes:?}");
    }

    #[test]
    fn without_versions_listed_the_function_s_role_is_judged_and_said() {
        let users = users(&[("new", ORDERS)]);
        let elsewhere = "arn:aws:lambda:us-east-1:444455556666:function:auth:3";
        let versions = BTreeSet::from([format!("{ORDERS}:1"), elsewhere.to_owned()]);
        let mut notes = Vec::new();
        let edge = edge_functions_of_roles(&versions, &users, &mut notes);
        assert_eq!(edge["new"], [ORDERS]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("listed without published versions"), "{notes:?}");
        assert!(notes[1].contains(elsewhere), "{notes:?}");
    }
}
