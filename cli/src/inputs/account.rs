//! A whole account: offline from `aws iam get-account-authorization-details` (with the functions
//! of `aws lambda list-functions` and the distributions of `aws cloudfront list-distributions`),
//! or live through the scheduled rule's own sweep.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use serde_json::value::RawValue;
use trustcheck::Role;

use super::{read_json, NameKind, Origin, RoleInput, Scanned, UnknownPolicy};
use crate::error::InputError;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthorizationDetails {
    #[serde(default, deserialize_with = "super::objects")]
    role_detail_list: Option<Vec<RoleDetail>>,
    /// `null` (as some tools write a field they lack) is not truncated.
    #[serde(default, deserialize_with = "null_as_default")]
    is_truncated: bool,
    next_token: Option<String>,
}

/// The same file read entry by entry, when one entry is not a role detail: the others are
/// still judged, and each broken one fails on its own.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntryByEntry {
    role_detail_list: Option<Vec<Box<RawValue>>>,
    /// `null` (as some tools write a field they lack) is not truncated.
    #[serde(default, deserialize_with = "null_as_default")]
    is_truncated: bool,
    next_token: Option<String>,
}

/// What a broken entry may still say of itself.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct EntryName {
    #[serde(default)]
    role_name: Option<serde_json::Value>,
    #[serde(default)]
    arn: Option<serde_json::Value>,
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
    /// `None` when the entry says nothing of them (no field, or `null`): then which tags the role
    /// lacks is not known (a trimmed dump may have left them out).
    #[serde(default, deserialize_with = "super::objects")]
    tags: Option<Vec<Tag>>,
    /// Where the role was last used: a region no functions listing covers may hold its functions.
    #[serde(default, deserialize_with = "super::object_or_null")]
    role_last_used: LastUsed,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct LastUsed {
    #[serde(default)]
    region: Option<String>,
}

/// A field written `null` read as its default, as a missing one is.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    #[serde(default, deserialize_with = "null_as_default")]
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FunctionList {
    #[serde(default, deserialize_with = "super::objects")]
    functions: Option<Vec<Function>>,
    next_marker: Option<String>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Function {
    function_arn: String,
    /// Every listed function has one: a listing without it (slimmed by `--query` or jq) can't
    /// say which role a function uses, and is refused as one without `FunctionArn` is.
    role: String,
}

/// An ARN compared and hashed ignoring ASCII case, as IAM names roles, without a lower-cased copy.
struct Caseless<'a>(&'a str);

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Caseless<'_> {}

impl std::hash::Hash for Caseless<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Lower-cased a stack buffer at a time: equal ignoring case, equal bytes hashed.
        let mut buffer = [0u8; 64];
        for part in self.0.as_bytes().chunks(buffer.len()) {
            let lower = &mut buffer[..part.len()];
            lower.copy_from_slice(part);
            lower.make_ascii_lowercase();
            state.write(lower);
        }
        state.write_usize(self.0.len());
    }
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

/// A trust policy as a key that is the same however the dump writes it: an object or its
/// percent-encoded text (the AWS CLI, the raw API), keys in any order, any spacing. Text that
/// the engine can't read (a key written twice, which serde's map would quietly drop, bytes that
/// are no UTF-8) is its own key: such a copy is judged on its own, failing closed.
fn same_policy_key(raw: &RawValue) -> String {
    let text = if raw.get().starts_with('"') {
        let encoded: String = serde_json::from_str(raw.get()).unwrap_or_default();
        match percent_encoding::percent_decode_str(&encoded).decode_utf8() {
            Ok(text) => text.into_owned(),
            Err(_) => return raw.get().to_owned(),
        }
    } else {
        raw.get().to_owned()
    };
    if trustcheck::unreadable(&text).is_some() {
        return text;
    }
    match serde_json::from_str::<serde_json::Value>(&text) {
        // serde_json's map keeps its keys sorted: one text for one policy.
        Ok(policy) => policy.to_string(),
        Err(_) => text,
    }
}

/// The role details of a file read entry by entry, and a failing role for each broken entry,
/// named as far as it names itself.
fn entry_by_entry(lenient: EntryByEntry, source: &str) -> (AuthorizationDetails, Vec<RoleInput>) {
    let mut details = Vec::new();
    let mut broken = Vec::new();
    let present = lenient.role_detail_list.is_some();
    for (index, raw) in lenient.role_detail_list.into_iter().flatten().enumerate() {
        match serde_json::from_str::<super::Object<RoleDetail>>(raw.get()) {
            Ok(super::Object(detail)) => details.push(detail),
            Err(error) => {
                let named = serde_json::from_str::<EntryName>(raw.get()).unwrap_or_default();
                let text = |value: Option<serde_json::Value>| value.and_then(|v| v.as_str().map(str::to_owned));
                let arn = text(named.arn);
                let origin = Origin {
                    source: Some(source.to_owned()),
                    name: text(named.role_name).unwrap_or_else(|| format!("RoleDetailList[{index}]")),
                    kind: NameKind::RoleName,
                    line: None,
                    arn: arn.clone(),
                    deployed: None,
                };
                let role = Role { arn, ..Role::default() };
                let mut input = RoleInput::new(origin, String::new(), role);
                let message = trustcheck::quoting_briefly(&error.to_string());
                let position = format!(" at line {} column {}", error.line(), error.column());
                input.unknown_policy = Some(UnknownPolicy {
                    why: format!(
                        "RoleDetailList[{index}] is not a role of {}: {}",
                        "aws iam get-account-authorization-details",
                        message.strip_suffix(&position).unwrap_or(&message)
                    ),
                    fix: "read the entry in the file (an edit, or another tool's output), or run aws iam get-account-authorization-details again".to_owned(),
                });
                broken.push(input);
            }
        }
    }
    let parsed = AuthorizationDetails {
        role_detail_list: present.then_some(details),
        is_truncated: lenient.is_truncated,
        next_token: lenient.next_token,
    };
    (parsed, broken)
}

/// A note on the roles that trust Lambda and were last used in a region no functions listing
/// covers: their functions there are unknown here, and a Lambda finding would not be judged.
fn regions_unlisted(details: &[RoleDetail], users: &HashMap<String, Vec<String>>) -> Option<String> {
    let listed: std::collections::HashSet<&str> =
        (users.values().flatten()).filter_map(|f| f.split(':').nth(3)).collect();
    // In any case, without a lowered copy of every role's policy.
    const LAMBDA: &[u8] = b"lambda.amazonaws.com";
    let trusts_lambda = |d: &RoleDetail| {
        (d.assume_role_policy_document.as_ref()).is_some_and(|doc| {
            doc.get()
                .as_bytes()
                .windows(LAMBDA.len())
                .any(|w| w.eq_ignore_ascii_case(LAMBDA))
        })
    };
    let mut regions: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut roles: Vec<&str> = Vec::new();
    for detail in details {
        let Some(region) = detail.role_last_used.region.as_deref() else {
            continue;
        };
        if !listed.contains(region) && trusts_lambda(detail) {
            regions.insert(region);
            roles.push(&detail.role_name);
        }
    }
    let first: Vec<&str> = roles.iter().take(3).copied().collect();
    (!roles.is_empty()).then(|| {
        format!(
            "{} role(s) trusting Lambda were last used in region(s) no --functions file lists ({}): {}{}; their functions there are not known here, so a Lambda finding on them is not judged; pass those regions' aws lambda list-functions --function-version ALL",
            roles.len(),
            regions.into_iter().collect::<Vec<_>>().join(", "),
            first.join(", "),
            if roles.len() > 3 { ", …" } else { "" }
        )
    })
}

/// Every role of an authorization-details file, with the functions of a list-functions file.
pub(crate) fn read_offline(
    details: &Path,
    function_files: &[PathBuf],
    mapping_files: &[PathBuf],
    distribution_files: &[PathBuf],
) -> Result<Scanned, InputError> {
    // One listing per region: the functions and mappings of all of them.
    let users = every_listing(function_files, read_functions_file)?;
    let mappings = every_listing(mapping_files, super::sources::read_mappings_file)?;
    let edge_versions = super::edge::associated_versions(distribution_files)?;
    let command = "aws iam get-account-authorization-details";
    let (parsed, source, broken) = match read_json::<AuthorizationDetails>(details, command) {
        Ok((parsed, source)) => (parsed, source, Vec::new()),
        // One entry that is not a role detail (a missing field, a wrong type) must not cost every
        // other role its verdict: read entry by entry.
        Err(strict @ InputError::Json { .. }) => match read_json::<EntryByEntry>(details, command) {
            Ok((lenient, source)) => {
                let (parsed, broken) = entry_by_entry(lenient, &source);
                (parsed, source, broken)
            }
            Err(_) => return Err(strict),
        },
        Err(other) => return Err(other),
    };
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
    // Every account has roles (AWS's own service-linked ones): none is a dump filtered without
    // them (`--filter User`), not a clean account, and a scan that judged nothing must not pass.
    if details.is_empty() && broken.is_empty() {
        return Err(shape(
            "lists no role at all, which no account has (AWS makes service-linked roles in every one): a dump made with --filter User or Group? Run aws iam get-account-authorization-details --filter Role (or without --filter)",
        ));
    }
    // The AWS CLI writes nothing for an account without distributions, and a failed
    // `list-distributions > FILE` leaves the same empty file.
    for file in distribution_files {
        if std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() == 0) {
            notes.push(format!(
                "{} is empty: read as an account without CloudFront distributions; if aws cloudfront list-distributions failed when it was written, Lambda@Edge is not judged",
                file.display()
            ));
        }
    }
    if function_files.is_empty() {
        notes.push(
            "no --functions file: only roles whose trust names Lambda are treated as Lambda execution roles".to_owned(),
        );
    } else if let Some(note) = mappings_missing(&users, &mappings, mapping_files.is_empty()) {
        notes.push(note);
    }
    if !function_files.is_empty() {
        notes.extend(regions_unlisted(&details, &users));
    }
    let runs_at_edge = users
        .values()
        .flatten()
        .any(|f| f.split(':').nth(3) == Some("us-east-1"));
    if distribution_files.is_empty() && runs_at_edge {
        notes.push("no --distributions file: functions of us-east-1 may run at the edge (Lambda@Edge), whose roles must trust edgelambda.amazonaws.com too, which is not judged here; pass the output of aws cloudfront list-distributions".to_owned());
    }
    let mut edge_of = super::edge::edge_functions_of_roles(&edge_versions, &users, &mut notes);
    // Each role by the first position its ARN is listed at, in any case (IAM's role names ignore
    // it: a function may name its role, or a hand-joined dump list it again, spelt otherwise):
    // the functions join it there, and every listing of it is the role with all of them, compared
    // by policy and tags below. One hash a role: hashing every role again per look-up (and a
    // lower-cased copy of each ARN) was a tenth of a scan.
    let mut first_at: HashMap<Caseless, usize> = HashMap::with_capacity(details.len());
    let owner: Vec<usize> = (details.iter().enumerate())
        .map(|(at, detail)| *first_at.entry(Caseless(&detail.arn)).or_insert(at))
        .collect();
    let role_of = |arn: &str| first_at.get(&Caseless(arn)).copied();
    let mut functions_of: Vec<Vec<String>> = vec![Vec::new(); details.len()];
    let mut edge_functions_of: Vec<Vec<String>> = vec![Vec::new(); details.len()];
    // Matched as the functions are, ignoring case; a role the details don't list was noted with
    // its functions.
    for (role, functions) in edge_of.drain() {
        if let Some(at) = role_of(&role) {
            // Two spellings of one role may name one function each.
            for function in functions {
                if !edge_functions_of[at].contains(&function) {
                    edge_functions_of[at].push(function);
                }
            }
        }
    }
    let mut unlisted = Vec::new();
    // In one order: the ARNs spelt differently that name one role join in it, not the map's.
    let mut users: Vec<(String, Vec<String>)> = users.into_iter().collect();
    users.sort_by(|(a, _), (b, _)| a.cmp(b));
    // Every function and version listed, whatever its role: a mapping on a version whose role
    // is gone is that version's still, not the function's.
    let mut every_function = std::collections::HashSet::with_capacity(users.iter().map(|(_, f)| f.len()).sum());
    every_function.extend(users.iter().flat_map(|(_, functions)| functions.iter().cloned()));
    for (role, functions) in users {
        match role_of(&role) {
            Some(at) => functions_of[at].extend(functions),
            None => unlisted.extend(functions.into_iter().map(|f| (f, role.clone()))),
        }
    }
    let repeated: Vec<bool> = {
        let mut listings = vec![0u32; details.len()];
        owner.iter().for_each(|&at| listings[at] += 1);
        owner.iter().map(|&at| listings[at] > 1).collect()
    };
    // Freed before the roles are built: the scan's peak memory.
    drop(first_at);
    if !unlisted.is_empty() {
        unlisted.sort();
        let shown: Vec<String> = unlisted
            .iter()
            .take(3)
            .map(|(f, role)| format!("{f} uses {role}"))
            .collect();
        let more = unlisted.len().saturating_sub(3);
        notes.push(format!(
            "{} function(s) use a role the authorization details don't list, which is not checked here (deleted, or another account's): {}{}",
            unlisted.len(),
            shown.join("; "),
            if more > 0 { format!(" (+{more} more)") } else { String::new() }
        ));
    }
    if !function_files.is_empty() {
        notes.extend(mappings_unmatched(&mappings, &every_function));
    }
    // `list-functions --function-version ALL` lists versions too, each with its own role: a
    // mapping on a listed version is that version's, not the function's. One on an alias may
    // point at any version: it counts for the function's role and each listed version's.
    let listed = every_function;
    let mappings_of = |function: &str| -> Vec<trustcheck::EventSource> {
        let unqualified = trustcheck::unqualified_function(function);
        // A version the listing lacks (digits: no alias is named so) counts for the function
        // itself, not for every version as an alias would.
        let unlisted_version = |qualified: &str| {
            (qualified.rsplit(':').next()).is_some_and(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()))
        };
        let own = |mapping: &&trustcheck::EventSource| {
            mapping.function == function
                || (mapping.function != unqualified
                    && !listed.contains(&mapping.function)
                    && (function == unqualified || !unlisted_version(&mapping.function)))
        };
        mappings
            .get(unqualified)
            .into_iter()
            .flatten()
            .filter(own)
            .cloned()
            .collect()
    };
    // A role listed twice (overlapping pages joined by hand) is one role; one ARN with two trust
    // policies or two sets of tags (pages fetched before and after a change, or a crafted file)
    // is judged twice: keeping either alone could drop the failing one (an exemption tag the
    // other copy no longer has).
    // Most dumps list each ARN once: only an ARN listed again is compared by policy and tags
    // (hashing every role's policy text and tags was a sixth of a scan).
    let mut seen = std::collections::HashSet::new();
    // Sized at once: a role's input is large, and growing the list copied each one again.
    let mut roles: Vec<RoleInput> = Vec::with_capacity(details.len() + broken.len());
    roles.extend(
        (details.into_iter().enumerate())
            .filter(|(at, detail)| {
                if !repeated[*at] {
                    return true;
                }
                let document = detail.assume_role_policy_document.as_ref().map(|d| same_policy_key(d));
                // In any order: IAM keeps a role's tags as a set.
                let mut tags: Vec<(&str, &str)> =
                    detail.tags.iter().flatten().map(|t| (t.key.as_str(), t.value.as_str())).collect();
                tags.sort_unstable();
                let tags = format!("{tags:?}");
                // In any case, as the listings were matched: one role spelt twice alike is one.
                // Its name too (IAM ignores its case): two names under one ARN (an ARN masked in
                // a shared dump, `""`) are two entries, each judged.
                seen.insert((
                    detail.arn.to_ascii_lowercase(),
                    detail.role_name.to_ascii_lowercase(),
                    document,
                    tags,
                ))
            })
            .map(|(at, detail)| {
                let document = detail.assume_role_policy_document.map_or_else(String::new, policy_text);
                let origin = Origin {
                    source: Some(source.clone()),
                    name: detail.role_name,
                    kind: NameKind::RoleName,
                    line: None,
                    arn: Some(detail.arn.clone()),
                    deployed: None,
                };
                // Each copy of a repeated ARN is the role with all its functions.
                let (functions, edge_functions) = if repeated[at] {
                    (functions_of[owner[at]].clone(), edge_functions_of[owner[at]].clone())
                } else {
                    (
                        std::mem::take(&mut functions_of[at]),
                        std::mem::take(&mut edge_functions_of[at]),
                    )
                };
                // A mapping on an alias counts for each version's role, once for this role however
                // many of its versions it has.
                let mut event_sources: Vec<trustcheck::EventSource> = Vec::new();
                // By hash: a role may have tens of thousands of versions, each with the mappings.
                let mut counted = std::collections::HashSet::new();
                for mapping in functions.iter().flat_map(|f| mappings_of(f)) {
                    if !counted.contains(&mapping) {
                        counted.insert(mapping.clone());
                        event_sources.push(mapping);
                    }
                }
                let role = Role {
                    functions,
                    edge_functions,
                    arn: Some(detail.arn),
                    account_id: None,
                    path: detail.path,
                    tag_keys: Vec::new(),
                    // An entry that lists the role's tags lists them whole (set below).
                    tags_known: detail.tags.is_some(),
                    tag_values: Vec::new(),
                    event_sources,
                    event_sources_unknown: false,
                    // An account's authorization details hold IAM's stored copies.
                    proposed: false,
                    to_be_created: false,
                    account_is_stand_in: false,
                    partition_is_stand_in: false,
                    naming: trustcheck::Naming::Known,
                };
                let tags = detail.tags.into_iter().flatten().map(|t| (t.key, t.value)).collect();
                // An ARN that names no account (masked, `XXXXXXXXXXXX`, in a dump shared for
                // review) leaves other accounts' trusts unjudged; a function of another account
                // is not counted: each role says so, as a single policy's verdict does.
                let unknown = role.unknown_account_note();
                let notes = (role.notes().into_iter())
                    .map(|note| match unknown.is_some_and(|u| note == u) {
                        // No flag gives an account scan the account: the dump's ARN must.
                        true => "the role's account is unknown (its ARN in the file names none): other accounts' roots and aws:SourceAccount conditions are not judged".to_owned(),
                        false => note,
                    })
                    .collect();
                let mut input = RoleInput::new(origin, document, role).with_tags(tags);
                input.notes = notes;
                input
            }),
    );
    roles.extend(broken);
    Ok(Scanned {
        roles,
        notes,
        ..Scanned::default()
    })
}

/// What the mappings say the function listings leave out: mappings of functions no listing has
/// (a region's listing forgotten: their roles' blast radius is unjudged), and mappings on an alias
/// or version of a function listed without its versions (`list-functions` without
/// `--function-version ALL`: the versions' own roles are not judged).
fn mappings_unmatched(
    mappings: &HashMap<String, Vec<trustcheck::EventSource>>,
    listed: &std::collections::HashSet<String>,
) -> Vec<String> {
    // `N … (first, …)`: how many, and the first in order.
    let counted = |mut items: Vec<&str>, what: &str| -> Option<String> {
        items.sort_unstable();
        items.dedup();
        let more = if items.len() > 1 { ", …" } else { "" };
        Some(format!("{} {what} ({}{more})", items.len(), items.first()?))
    };
    let unlisted = (mappings.keys())
        .filter(|f| !listed.contains(*f))
        .map(String::as_str)
        .collect();
    let unlisted = counted(unlisted, "function(s) the event source mappings name are in no --functions file").map(|told| {
        format!("{told}: their mappings are not counted for any role; give the functions listing of each region the mappings cover")
    });
    // Once, not per mapping: a listing may hold tens of thousands of versions.
    let with_versions = listed_with_versions(listed.iter().map(String::as_str));
    let on_qualifier = (mappings.iter())
        .filter(|(function, _)| listed.contains(*function) && !with_versions.contains(function.as_str()))
        .flat_map(|(function, list)| list.iter().filter(move |m| m.function != *function))
        .map(|m| m.function.as_str())
        .collect();
    let on_qualifier = counted(on_qualifier, "event source mapping(s) invoke an alias or version").map(|told| {
        format!("{told} of a function listed without published versions: if the listing was made without --function-version ALL, a version behind the alias may run on a role not judged here; list with aws lambda list-functions --function-version ALL")
    });
    unlisted.into_iter().chain(on_qualifier).collect()
}

/// The functions of `listed` that are listed with their published versions (`list-functions
/// --function-version ALL`), by unqualified ARN.
pub(super) fn listed_with_versions<'f>(listed: impl Iterator<Item = &'f str>) -> std::collections::HashSet<&'f str> {
    listed
        .map(|f| (f, trustcheck::unqualified_function(f)))
        .filter(|(f, unqualified)| f != unqualified)
        .map(|(_, unqualified)| unqualified)
        .collect()
}

/// The listings of `files` (one per region), read by `read`, joined by key.
fn every_listing<T: Eq + std::hash::Hash + Clone>(
    files: &[PathBuf],
    read: impl Fn(&Path) -> Result<HashMap<String, Vec<T>>, InputError>,
) -> Result<HashMap<String, Vec<T>>, InputError> {
    let mut joined: HashMap<String, Vec<T>> = HashMap::new();
    // A file given twice (or two pages listing one item) lists it once: by a set, as one role
    // may have tens of thousands of function versions.
    let mut listed: std::collections::HashSet<(String, T)> = std::collections::HashSet::new();
    for file in files {
        let listing = read(file)?;
        // Sized per file: growing a set rehashes every item in it again.
        joined.reserve(listing.len());
        listed.reserve(listing.values().map(Vec::len).sum());
        for (key, items) in listing {
            for item in items {
                if listed.insert((key.clone(), item.clone())) {
                    joined.entry(key.clone()).or_default().push(item);
                }
            }
        }
    }
    Ok(joined)
}

/// A note when the functions' mappings may be missing: a Lambda finding is then judged as if no
/// function read a stream (HIGH at most, where an expiring stream makes it CRITICAL).
fn mappings_missing(
    users: &HashMap<String, Vec<String>>,
    mappings: &HashMap<String, Vec<trustcheck::EventSource>>,
    no_file: bool,
) -> Option<String> {
    // Where mappings were listed: each account's regions on their own.
    // (region, account) of `arn:partition:lambda:REGION:ACCOUNT:…`, borrowed: a listing may
    // hold tens of thousands of functions.
    fn region(function: &str) -> Option<(&str, &str)> {
        let mut fields = function.splitn(6, ':').skip(3);
        Some((fields.next()?, fields.next()?))
    }
    let with_functions: std::collections::BTreeSet<(&str, &str)> =
        users.values().flatten().filter_map(|f| region(f)).collect();
    let with_mappings: std::collections::BTreeSet<(&str, &str)> = mappings.keys().filter_map(|f| region(f)).collect();
    let without: Vec<String> = (with_functions.difference(&with_mappings))
        .map(|(region, account)| format!("{region} of {account}"))
        .collect();
    if no_file {
        return Some("no --event-source-mappings file: a Lambda finding is judged as if no function read a stream (HIGH at most; one whose records expire makes it CRITICAL): pass the output of aws lambda list-event-source-mappings for each region".to_owned());
    }
    (!without.is_empty()).then(|| {
        format!(
            "no --event-source-mappings file lists a mapping in {}, where functions are: unless those regions have none, a Lambda finding there is judged as if no function read a stream (HIGH at most); pass each region's aws lambda list-event-source-mappings",
            without.join(", ")
        )
    })
}

fn read_functions_file(path: &Path) -> Result<HashMap<String, Vec<String>>, InputError> {
    let (list, source): (FunctionList, String) = read_json(path, "aws lambda list-functions")?;
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
    let mut by_role: HashMap<String, Vec<String>> = HashMap::with_capacity(functions.len());
    for function in functions {
        // `--function-version ALL` lists the function itself as `…:orders:$LATEST`.
        let arn = match function.function_arn.strip_suffix(":$LATEST") {
            Some(unqualified) => unqualified.to_owned(),
            None => function.function_arn,
        };
        by_role.entry(function.role).or_default().push(arn);
    }
    Ok(by_role)
}

/// The account of the current credentials, through the scheduled rule's sweep (ListRoles,
/// functions from Config or ListFunctions, exemption tags from Config).
#[cfg(feature = "live")]
pub(crate) async fn sweep_live(
    params: &trustcheck::RuleParams,
    baseline: Option<&crate::scan::Baseline>,
) -> Result<(Vec<crate::scan::RoleReport>, Vec<String>), trustcheck_aws::AwsError> {
    use trustcheck_aws::{sdk_config, sweep_roles_with, Clients, RetryPolicy};
    let sdk = sdk_config(RetryPolicy::Scan).await;
    let clients = Clients::new(&sdk);
    let swept = sweep_roles_with(&clients, params, |role, document, swept| {
        let origin = Origin {
            source: None,
            name: swept.role_name,
            kind: NameKind::RoleName,
            line: None,
            arn: Some(swept.role_arn),
            deployed: None,
        };
        let input = RoleInput::new(origin, document.to_owned(), role.clone());
        crate::scan::judge(input, swept.evaluation, params, baseline)
    })
    .await?;
    Ok(swept)
}
