//! Which Lambda functions use a role as their execution role.
//!
//! Config's advanced query answers for one role in one call; `lambda:ListFunctions` is the
//! fallback when the query fails, and the authority when Config records no functions at all.

use std::collections::HashMap;

use serde::Deserialize;

use crate::{clients::Clients, error::AwsError};

/// Where the answer came from (logged, and asserted in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionSource {
    ConfigQuery,
    ListFunctions,
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

/// The ARNs of the functions whose execution role is `role_arn`.
pub async fn functions_using_role(
    clients: &Clients,
    role_arn: &str,
) -> Result<(Vec<String>, FunctionSource), AwsError> {
    let query = format!(
        "SELECT arn, configuration.role WHERE resourceType = 'AWS::Lambda::Function' AND configuration.role = '{}'",
        role_arn.replace('\'', "''")
    );
    match select_functions(clients, &query).await {
        Ok(rows) => Ok((
            rows.into_iter().map(|(arn, _)| arn).collect(),
            FunctionSource::ConfigQuery,
        )),
        Err(error) => {
            tracing::warn!(error = %error, "Config query for functions failed; listing functions instead");
            let all = list_functions(clients).await?;
            let arns = all
                .into_iter()
                .filter(|(_, role)| role == role_arn)
                .map(|(arn, _)| arn)
                .collect();
            Ok((arns, FunctionSource::ListFunctions))
        }
    }
}

/// Every function of the account, grouped by execution role ARN.
pub async fn functions_by_role(clients: &Clients) -> Result<(HashMap<String, Vec<String>>, FunctionSource), AwsError> {
    let query = "SELECT arn, configuration.role WHERE resourceType = 'AWS::Lambda::Function'";
    let (rows, source) = match select_functions(clients, query).await {
        // No rows may mean no functions, or a recorder that doesn't record them: one call tells.
        Ok(rows) if !rows.is_empty() || !has_any_function(clients).await? => (rows, FunctionSource::ConfigQuery),
        Ok(_) => (list_functions(clients).await?, FunctionSource::ListFunctions),
        Err(error) => {
            tracing::warn!(error = %error, "Config query for functions failed; listing functions instead");
            (list_functions(clients).await?, FunctionSource::ListFunctions)
        }
    };
    let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
    for (arn, role) in rows {
        by_role.entry(role).or_default().push(arn);
    }
    Ok((by_role, source))
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
        for text in page.results() {
            match serde_json::from_str::<FunctionRow>(text) {
                Ok(row) => rows.push((row.arn, row.configuration.role)),
                Err(error) => {
                    tracing::warn!(error = %error, "skipping a SelectResourceConfig row without arn and role")
                }
            }
        }
    }
    Ok(rows)
}

async fn has_any_function(clients: &Clients) -> Result<bool, AwsError> {
    let page = clients
        .lambda
        .list_functions()
        .max_items(1)
        .send()
        .await
        .map_err(|e| AwsError::new("lambda:ListFunctions", e))?;
    Ok(!page.functions().is_empty())
}

/// `(function ARN, role ARN)` for every function, 50 per page (the API's maximum).
async fn list_functions(clients: &Clients) -> Result<Vec<(String, String)>, AwsError> {
    let mut functions = clients
        .lambda
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
