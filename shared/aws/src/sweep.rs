//! The account sweep: every role (ListRoles carries the trust policy: no GetRole per role), every
//! function, every verdict, one `ListRoles` page at a time so that a caller can write as it goes.
//! Shared by the scheduled rule and `trustcheck account --live`.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::SystemTime,
};

use trustcheck::{check, evaluate, Compliance, Evaluation, EventSource, Role, RuleParams};

use crate::{
    alerts::Judged,
    clients::Clients,
    edge::{edge_functions, edge_looked_for, unlisted_distributions, EdgeFunctions},
    error::AwsError,
    functions::{functions_of_every_role, judge_unlisted, FunctionScope, FunctionSource, Unlisted},
    mappings::{in_regions, mappings_by_function},
};

/// `ListRoles`' largest page.
pub const ROLES_PAGE: i32 = 1000;

#[derive(Debug, Clone)]
pub struct SweptRole {
    pub role_id: String,
    pub role_name: String,
    pub role_arn: String,
    /// The verdict, with the suggested policy when the sweep was asked for fixes.
    pub evaluation: Evaluation,
    /// The verdict may be wrong: a function in a region that could not be listed, or the
    /// exemption tag when the tagged roles could not be read, would change it (see
    /// [`crate::functions::judge_unlisted`]). Not to be written or paged.
    pub undetermined: bool,
    /// Written and paged, but a function in a region that could not be listed, or one CloudFront
    /// runs at the edge while it can't be asked, could change it ([`Unlisted::MayBeWorse`]):
    /// reported as not fully judged.
    pub may_be_worse: bool,
    /// [`Judged::InPart`] when judged without some function that may use it (a region Lambda
    /// refused, CloudFront unanswered), whatever they would change: a finding they decide may be
    /// missing, not fixed.
    pub judged: Judged,
}

/// What a sweep needs besides the roles: who uses each role and which roles are tagged exempt.
/// Looked up once per sweep (or per part of one).
pub struct Sweep<'a> {
    clients: &'a Clients,
    params: &'a RuleParams,
    /// Role ARN → the functions using it.
    functions_of_role: HashMap<String, Vec<String>>,
    /// The regions whose functions could not be listed, and why.
    pub functions_unlisted: BTreeMap<String, AwsError>,
    /// What CloudFront runs at the edge, and as which roles.
    edge: EdgeFunctions,
    /// Why CloudFront's Lambda@Edge functions could not be listed, when they could not: any role
    /// may be one a function runs as at the edge ([`judge_unlisted`]'s `edge_unknown`).
    pub edge_unlisted: Option<AwsError>,
    /// Function ARN → its event source mappings.
    mappings_of_function: HashMap<String, Vec<EventSource>>,
    /// The regions whose mappings could not be listed: Lambda findings of roles with functions
    /// there fail closed (CRITICAL).
    unlisted_regions: BTreeSet<String>,
    /// Ids of the roles carrying the exemption tag; `None` when they could not be read.
    exempt: Option<HashSet<String>>,
    pub functions_from: FunctionSource,
    pub page_size: i32,
    /// Suggest the fixing policy of NON_COMPLIANT roles (the CLI shows it; the Config rule doesn't).
    pub suggest_fixes: bool,
}

/// One `ListRoles` page, evaluated, and where the next one starts.
pub struct SweptPage<T> {
    pub roles: Vec<T>,
    pub next_marker: Option<String>,
}

impl<'a> Sweep<'a> {
    /// `account`: the swept account, when known (which of an aggregator's sources speak for it).
    /// `edge_reads_until`: when reading the roles of edge versions stops ([`edge_functions`]).
    pub async fn start(
        clients: &'a Clients,
        params: &'a RuleParams,
        account: Option<&str>,
        edge_reads_until: Option<SystemTime>,
    ) -> Result<Sweep<'a>, AwsError> {
        let scope = FunctionScope::from_params(params).of_account(account);
        let found = functions_of_every_role(clients, &scope).await?;
        let functions_of_role = found.functions;
        let functions = functions_of_role.values().flatten().map(String::as_str);
        let (mappings_of_function, unlisted_regions) = mappings_by_function(clients, functions).await;
        let (edge, edge_unlisted) = match edge_looked_for(clients, &scope) {
            false => (EdgeFunctions::default(), None),
            true => match edge_functions(clients, account, SystemTime::now(), edge_reads_until).await {
                Ok(edge) => (edge, None),
                Err(error) => {
                    tracing::error!(%error, "CloudFront's Lambda@Edge functions not listed; roles whose verdict they would change are not fully judged");
                    (EdgeFunctions::default(), Some(error))
                }
            },
        };
        let exempt = exempt_tagged_roles(clients, &params.exempt_tag_key).await;
        Ok(Sweep {
            clients,
            params,
            functions_of_role,
            functions_unlisted: found.unlisted,
            edge,
            edge_unlisted,
            mappings_of_function,
            unlisted_regions,
            exempt,
            functions_from: found.source,
            page_size: ROLES_PAGE,
            suggest_fixes: false,
        })
    }

    /// Evaluates the page of roles that starts at `marker` (the first page for `None`), and turns
    /// each into what the caller keeps with `report`, which also gets what the role was evaluated
    /// on (the role as the rule saw it and its trust policy document).
    pub async fn page<T>(
        &mut self,
        marker: Option<String>,
        mut report: impl FnMut(&Role, &str, SweptRole) -> T,
    ) -> Result<SweptPage<T>, AwsError> {
        let (page, next_marker) = roles_page(self.clients, self.page_size, marker).await?;
        let mut roles = Vec::with_capacity(page.roles().len());
        for role in page.roles() {
            let tagged = vec![self.params.exempt_tag_key.clone()];
            let tag_keys = match &self.exempt {
                Some(exempt) if exempt.contains(role.role_id()) => tagged.clone(),
                _ => Vec::new(),
            };
            let functions = self.functions_of_role.remove(role.arn()).unwrap_or_default();
            let event_sources = functions
                .iter()
                .flat_map(|f| self.mappings_of_function.remove(f).unwrap_or_default())
                .collect();
            let subject = Role {
                arn: Some(role.arn().to_owned()),
                account_id: None,
                path: Some(role.path().to_owned()),
                tag_keys,
                // ListRoles gives no tags: only the exemption tag's was looked up.
                tags_known: false,
                tag_values: Vec::new(),
                event_sources_unknown: functions.iter().any(|f| in_regions(f, &self.unlisted_regions)),
                edge_functions: self.edge.of_role(role.arn()),
                functions,
                event_sources,
                // IAM's stored copy: it was accepted, so nothing in it is reported as invalid.
                proposed: false,
                to_be_created: false,
                account_is_stand_in: false,
                partition_is_stand_in: false,
                naming: trustcheck::Naming::Known,
            };
            let document = role.assume_role_policy_document().unwrap_or_default();
            // The engine is isolated: a defect on one document fails only this role. No backlog
            // reads here: a sweep re-reads every role, and the evidence would cost a call per
            // broken queue every time. Change events read it (the page of a new break).
            let evaluation = if self.suggest_fixes {
                evaluate(document, &subject, self.params)
            } else {
                Evaluation {
                    verdict: check(document, &subject, self.params),
                    suggested_policy: None,
                }
            };
            let unlisted = judge_unlisted(
                document,
                &subject,
                self.params,
                &evaluation.verdict,
                &self.functions_unlisted,
                self.edge_unlisted.is_some(),
            );
            let undetermined = unlisted == Unlisted::Undetermined
                || (self.exempt.is_none() && {
                    // Unread exemption tags: the role is judged only if its tag would not change
                    // whether it is NON_COMPLIANT (COMPLIANT or NOT_APPLICABLE page alike: not at all).
                    let exempted = Role {
                        tag_keys: tagged,
                        ..subject.clone()
                    };
                    let failing = |c: Compliance| c == Compliance::NonCompliant;
                    failing(check(document, &exempted, self.params).compliance)
                        != failing(evaluation.verdict.compliance)
                });
            let swept = SweptRole {
                role_id: role.role_id().to_owned(),
                role_name: role.role_name().to_owned(),
                role_arn: role.arn().to_owned(),
                evaluation,
                undetermined,
                may_be_worse: unlisted == Unlisted::MayBeWorse,
                judged: match self.functions_unlisted.is_empty() && self.edge_unlisted.is_none() {
                    true => Judged::Wholly,
                    false => Judged::InPart,
                },
            };
            roles.push(report(&subject, document, swept));
        }
        Ok(SweptPage { roles, next_marker })
    }
}

/// Where the next page of roles starts: `None` after the last. A truncated page without a
/// marker is an error: taken for the last, it would end the sweep early and have the roles after
/// it taken for deleted. So is a page that points back at itself (`previous`, the marker it was
/// asked with), which would be read again for ever.
pub(crate) fn next_marker(
    operation: &'static str,
    truncated: bool,
    marker: Option<&str>,
    previous: Option<&str>,
) -> Result<Option<String>, AwsError> {
    match (truncated, marker.filter(|marker| !marker.is_empty())) {
        (false, _) => Ok(None),
        (true, None) => Err(AwsError::malformed(
            operation,
            "a truncated page without a marker: the items after it can't be listed",
        )),
        (true, Some(marker)) if Some(marker) == previous => Err(AwsError::malformed(
            operation,
            "a page whose marker is the one it was asked with: the items after it can't be listed",
        )),
        (true, Some(marker)) => Ok(Some(marker.to_owned())),
    }
}

impl Sweep<'_> {
    /// Why roles of this sweep may be left unjudged, for the error that reports them.
    pub fn undetermined_because(&self) -> Vec<String> {
        let mut because = Vec::new();
        if !self.functions_unlisted.is_empty() {
            let regions: Vec<&str> = self.functions_unlisted.keys().map(String::as_str).collect();
            because.push(unlisted_functions(&regions));
        }
        if let Some(error) = &self.edge_unlisted {
            because.push(unlisted_distributions(error));
        }
        if self.exempt.is_none() {
            because.push(format!(
                "the roles tagged {} could not be read (config:SelectResourceConfig), and the tag would change their verdict",
                self.params.exempt_tag_key
            ));
        }
        because
    }
}

/// Why a role a function in `regions` could change is not judged, and what to do.
pub fn unlisted_functions(regions: &[&str]) -> String {
    let named: Vec<&str> = regions
        .iter()
        .map(|region| match *region {
            crate::functions::EVERY_OTHER_REGION => "the other regions (account:ListRegions failed: allow it, or name the regions with the functionRegions rule parameter)",
            region => region,
        })
        .collect();
    format!(
        "the Lambda functions of {} could not be listed, and a function there using the role would change its verdict (let the rule list those regions, or leave them out with the functionRegions rule parameter)",
        named.join(", ")
    )
}

/// The account of the credentials, as its roles' ARNs say (one `ListRoles` item): which of an
/// aggregator's account sources speak for it. `None` when it can't be read: then none does, and
/// every region is listed with Lambda as well.
async fn own_account(clients: &Clients) -> Option<String> {
    let page = clients.iam.list_roles().max_items(1).send().await.ok()?;
    let account = trustcheck::arn_account(page.roles().first()?.arn())?;
    trustcheck::is_account_id(account).then(|| account.to_owned())
}

/// Evaluates every role of the account with suggested policies (the CLI's `account --live`).
pub async fn sweep_roles_with<T>(
    clients: &Clients,
    params: &RuleParams,
    mut report: impl FnMut(&Role, &str, SweptRole) -> T,
) -> Result<(Vec<T>, Vec<String>), AwsError> {
    let account = own_account(clients).await;
    // A person waits for the whole answer, however many versions CloudFront runs.
    let mut sweep = Sweep::start(clients, params, account.as_deref(), None).await?;
    // A scan is read by a person: a region it could not see fails it, as a guess would mislead.
    if let Some((_, error)) = sweep.functions_unlisted.pop_first() {
        return Err(error);
    }
    if let Some(error) = sweep.edge_unlisted.take() {
        return Err(error);
    }
    // A person reads the scan: a tagged role is judged on its policy, and a note says why.
    let mut notes = Vec::new();
    if sweep.exempt.is_none() {
        notes.push(format!(
            "the roles tagged {} could not be read (config:SelectResourceConfig): every role is judged as if untagged, so an exempt one may fail",
            params.exempt_tag_key
        ));
    }
    sweep.exempt.get_or_insert_with(HashSet::new);
    sweep.suggest_fixes = true;
    let mut swept = Vec::new();
    let mut marker = None;
    loop {
        let page = sweep.page(marker, &mut report).await?;
        swept.extend(page.roles);
        marker = page.next_marker;
        if marker.is_none() {
            return Ok((swept, notes));
        }
    }
}

/// The id of every role of the account (`ListRoles`, ids only). What a sweep of several parts
/// checks its stale results against: the last part saw only its own roles, and whether Config
/// already shows the earlier parts' results is not documented.
/// Paged by hand, as [`Sweep::page`] is: the SDK's paginator takes a truncated page without a
/// marker for the last, and every role after it would be taken for deleted.
pub async fn role_ids(clients: &Clients) -> Result<HashSet<String>, AwsError> {
    let mut ids = HashSet::new();
    let mut marker: Option<String> = None;
    loop {
        let (page, next) = roles_page(clients, ROLES_PAGE, marker).await?;
        ids.extend(page.roles().iter().map(|role| role.role_id().to_owned()));
        marker = next;
        if marker.is_none() {
            return Ok(ids);
        }
    }
}

/// One `ListRoles` page from `marker`, and where the next starts ([`next_marker`]).
async fn roles_page(
    clients: &Clients,
    size: i32,
    marker: Option<String>,
) -> Result<(aws_sdk_iam::operation::list_roles::ListRolesOutput, Option<String>), AwsError> {
    let page = clients
        .iam
        .list_roles()
        .max_items(size)
        .set_marker(marker.clone())
        .send()
        .await
        .map_err(|e| AwsError::new("iam:ListRoles", e))?;
    let next = next_marker("iam:ListRoles", page.is_truncated(), page.marker(), marker.as_deref())?;
    Ok((page, next))
}

/// Ids of the roles carrying the exemption tag. ListRoles returns no tags, so ask Config in one
/// query instead of ListRoleTags per role. `None` when the query fails: a role whose verdict the
/// tag would change is then not judged (see [`SweptRole::undetermined`]), neither exempted nor
/// paged by a guess.
pub async fn exempt_tagged_roles(clients: &Clients, tag_key: &str) -> Option<HashSet<String>> {
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
            Ok(None) => return Some(ids),
            Err(e) => {
                let error = AwsError::new("config:SelectResourceConfig", e);
                tracing::error!(error = %error, tag_key, "can't find exempt-tagged roles; roles the tag would change are not judged");
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_page_without_a_marker_is_an_error_not_the_last_page() {
        let next_marker = |truncated, marker, previous| next_marker("iam:ListRoles", truncated, marker, previous);
        assert_eq!(next_marker(false, None, None).unwrap(), None);
        assert_eq!(next_marker(false, Some("m"), None).unwrap(), None);
        assert_eq!(next_marker(true, Some("m"), None).unwrap().as_deref(), Some("m"));
        assert_eq!(next_marker(true, Some("n"), Some("m")).unwrap().as_deref(), Some("n"));
        for missing in [None, Some("")] {
            let error = next_marker(true, missing, Some("m")).unwrap_err();
            assert_eq!(error.operation, "iam:ListRoles");
            assert!(error.to_string().contains("truncated page without a marker"), "{error}");
        }
        let error = next_marker(true, Some("m"), Some("m")).unwrap_err();
        assert!(error.to_string().contains("the one it was asked with"), "{error}");
    }
}
