//! A whole account: offline from `aws iam get-account-authorization-details` (with the functions
//! of `aws lambda list-functions`), or live through the scheduled rule's own sweep.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use serde_json::value::RawValue;
use trustcheck::Role;

use super::{read_json, NameKind, Origin, RoleInput, Scanned};
use crate::error::InputError;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthorizationDetails {
    role_detail_list: Option<Vec<RoleDetail>>,
    #[serde(default)]
    is_truncated: bool,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    #[serde(default)]
    path: Option<String>,
    role_name: String,
    arn: String,
    /// An object from the AWS CLI, percent-encoded text from the raw API. Kept as its text: the
    /// engine parses it once, borrowing from it.
    #[serde(default)]
    assume_role_policy_document: Option<Box<RawValue>>,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FunctionList {
    functions: Option<Vec<Function>>,
    next_marker: Option<String>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Function {
    function_arn: String,
    #[serde(default)]
    role: Option<String>,
}

/// The policy's text: a JSON string's contents (percent-encoded), or the object's own text
/// (taken over, not copied: an account holds thousands).
fn policy_text(raw: Box<RawValue>) -> String {
    // `null` never gets here: serde makes it `None`.
    if raw.get().starts_with('"') {
        return serde_json::from_str(raw.get()).unwrap_or_default();
    }
    Box::<str>::from(raw).into_string()
}

/// Every role of an authorization-details file, with the functions of a list-functions file.
pub(crate) fn read_offline(
    details: &Path,
    function_files: &[PathBuf],
    mapping_files: &[PathBuf],
) -> Result<Scanned, InputError> {
    // One listing per region: the functions and mappings of all of them.
    let users = every_listing(function_files, read_functions_file)?;
    let mappings = every_listing(mapping_files, super::sources::read_mappings_file)?;
    let (parsed, source): (AuthorizationDetails, String) = read_json(details)?;
    let shape = |message: &str| InputError::Shape {
        path: source.clone(),
        message: message.to_owned(),
    };
    super::whole_listing(
        &source,
        "aws iam get-account-authorization-details",
        &[
            ("IsTruncated", parsed.is_truncated),
            ("NextToken", parsed.next_token.is_some()),
        ],
    )?;
    let details = parsed
        .role_detail_list
        .ok_or_else(|| shape("no RoleDetailList: not the output of aws iam get-account-authorization-details"))?;
    let mut notes = Vec::new();
    if function_files.is_empty() {
        notes.push(
            "no --functions file: only roles whose trust names Lambda are treated as Lambda execution roles".to_owned(),
        );
    }
    let roles = details
        .into_iter()
        .map(|detail| {
            let document = detail.assume_role_policy_document.map_or_else(String::new, policy_text);
            let origin = Origin {
                source: Some(source.clone()),
                name: detail.role_name,
                kind: NameKind::RoleName,
                line: None,
                arn: Some(detail.arn.clone()),
            };
            let functions = users.get(&detail.arn).cloned().unwrap_or_default();
            let event_sources = functions
                .iter()
                .flat_map(|f| mappings.get(f).cloned().unwrap_or_default())
                .collect();
            let role = Role {
                functions,
                arn: Some(detail.arn),
                account_id: None,
                path: detail.path,
                tag_keys: Vec::new(),
                event_sources,
                event_sources_unknown: false,
                // An account's authorization details hold IAM's stored copies.
                proposed: false,
            };
            let tags = detail.tags.into_iter().map(|t| (t.key, t.value)).collect();
            RoleInput::new(origin, document, role).with_tags(tags)
        })
        .collect();
    Ok(Scanned {
        roles,
        notes,
        ..Scanned::default()
    })
}

/// The listings of `files` (one per region), read by `read`, joined by key.
fn every_listing<T>(
    files: &[PathBuf],
    read: impl Fn(&Path) -> Result<HashMap<String, Vec<T>>, InputError>,
) -> Result<HashMap<String, Vec<T>>, InputError> {
    let mut joined: HashMap<String, Vec<T>> = HashMap::new();
    for file in files {
        for (key, items) in read(file)? {
            joined.entry(key).or_default().extend(items);
        }
    }
    Ok(joined)
}

fn read_functions_file(path: &Path) -> Result<HashMap<String, Vec<String>>, InputError> {
    let (list, source): (FunctionList, String) = read_json(path)?;
    super::whole_listing(
        &source,
        "aws lambda list-functions",
        &[
            ("NextMarker", list.next_marker.is_some()),
            ("NextToken", list.next_token.is_some()),
        ],
    )?;
    let functions = list.functions.ok_or_else(|| InputError::Shape {
        path: source,
        message: "no Functions list: not the output of aws lambda list-functions".to_owned(),
    })?;
    let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
    for function in functions {
        if let Some(role) = function.role {
            by_role.entry(role).or_default().push(function.function_arn);
        }
    }
    Ok(by_role)
}

/// The account of the current credentials, through the scheduled rule's sweep (ListRoles,
/// functions from Config or ListFunctions, exemption tags from Config).
#[cfg(feature = "live")]
pub(crate) async fn sweep_live(
    params: &trustcheck::RuleParams,
    baseline: Option<&crate::scan::Baseline>,
) -> Result<Vec<crate::scan::RoleReport>, trustcheck_aws::AwsError> {
    use trustcheck_aws::{sdk_config, sweep_roles_with, Clients, RetryPolicy};
    let sdk = sdk_config(RetryPolicy::Sweep).await;
    let clients = Clients::new(&sdk);
    let reports = sweep_roles_with(&clients, params, |role, document, swept| {
        let origin = Origin {
            source: None,
            name: swept.role_name,
            kind: NameKind::RoleName,
            line: None,
            arn: Some(swept.role_arn),
        };
        let input = RoleInput::new(origin, document.to_owned(), role.clone());
        crate::scan::judge(input, swept.evaluation, params, baseline)
    })
    .await?;
    Ok(reports)
}
