//! The account sweep: every role (ListRoles carries the trust policy: no GetRole per role),
//! every function, every verdict. Shared by the scheduled rule and `trustcheck account --live`.

use std::collections::HashSet;

use trustcheck::{check, Role, RuleParams, Verdict};

use crate::{
    clients::Clients,
    error::AwsError,
    functions::{functions_by_role, FunctionSource},
};

const ROLES_PAGE: i32 = 1000;

#[derive(Debug, Clone)]
pub struct SweptRole {
    pub role_id: String,
    pub role_name: String,
    pub role_arn: String,
    pub verdict: Verdict,
}

/// Evaluates every role of the account.
pub async fn sweep_roles(clients: &Clients, params: &RuleParams) -> Result<(Vec<SweptRole>, FunctionSource), AwsError> {
    sweep_roles_with(clients, params, |_, _, swept| swept).await
}

/// The sweep, handing each role to `keep` with what it was evaluated on (the role as the rule
/// saw it and its trust policy document), so a caller can derive more than the verdict (the
/// CLI's suggested policies) without a second pass or holding every document.
pub async fn sweep_roles_with<T>(
    clients: &Clients,
    params: &RuleParams,
    mut keep: impl FnMut(&Role, &str, SweptRole) -> T,
) -> Result<(Vec<T>, FunctionSource), AwsError> {
    let (mut functions, source) = functions_by_role(clients).await?;
    let exempt = exempt_tagged_roles(clients, &params.exempt_tag_key).await;
    let mut roles = clients
        .iam
        .list_roles()
        .into_paginator()
        .page_size(ROLES_PAGE)
        .items()
        .send();
    let mut swept = Vec::new();
    while let Some(role) = roles.try_next().await.map_err(|e| AwsError::new("iam:ListRoles", e))? {
        let tag_keys = if exempt.contains(role.role_id()) {
            vec![params.exempt_tag_key.clone()]
        } else {
            Vec::new()
        };
        let subject = Role {
            arn: Some(role.arn().to_owned()),
            account_id: None,
            path: Some(role.path().to_owned()),
            tag_keys,
            functions: functions.remove(role.arn()).unwrap_or_default(),
        };
        let document = role.assume_role_policy_document().unwrap_or_default();
        let verdict = check(document, &subject, params);
        let result = SweptRole {
            role_id: role.role_id().to_owned(),
            role_name: role.role_name().to_owned(),
            role_arn: role.arn().to_owned(),
            verdict,
        };
        swept.push(keep(&subject, document, result));
    }
    Ok((swept, source))
}

/// Ids of the roles carrying the exemption tag. ListRoles returns no tags, so ask Config in one
/// query instead of ListRoleTags per role. If the query fails, nothing is exempt from the sweep,
/// and the warning says so: a tagged role is then judged on its policy, never silently skipped.
pub async fn exempt_tagged_roles(clients: &Clients, tag_key: &str) -> HashSet<String> {
    let query = format!(
        "SELECT resourceId WHERE resourceType = 'AWS::IAM::Role' AND tags.key = '{}'",
        tag_key.replace('\'', "''")
    );
    let mut pages = clients
        .config
        .select_resource_config()
        .expression(query)
        .into_paginator()
        .send();
    let mut ids = HashSet::new();
    loop {
        match pages.try_next().await {
            Ok(Some(page)) => ids.extend(page.results().iter().filter_map(|row| {
                serde_json::from_str::<serde_json::Value>(row)
                    .ok()?
                    .get("resourceId")?
                    .as_str()
                    .map(str::to_owned)
            })),
            Ok(None) => return ids,
            Err(e) => {
                let error = AwsError::new("config:SelectResourceConfig", e);
                tracing::warn!(error = %error, tag_key, "can't find exempt-tagged roles; the sweep exempts none");
                return HashSet::new();
            }
        }
    }
}
