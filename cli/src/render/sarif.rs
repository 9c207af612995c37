//! `--format sarif`: SARIF 2.1.0, one rule per finding id with its help text (and per id and
//! severity where a finding's isn't its id's default), one result per finding, located at the
//! line where its statement starts (lines from the reader's positions), else at the role in its
//! template, plan or account. Skipped findings are results with a suppression and its
//! justification: shown, as dismissed where the reader takes suppressions, never left out.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use trustcheck::{Finding, FindingId, Severity};

use crate::inputs::{NameKind, Origin};
use crate::scan::{Report, RoleReport, Scope, Skipped, SkippedBy};

/// The project's home (the workspace's `repository`), where the finding catalog is
/// `docs/findings.md`; `None` while that is a placeholder (an `.invalid` host): a dead link in
/// every code-scanning alert helps no one, and each rule carries its help text anyway.
fn project_home() -> Option<&'static str> {
    home_at(env!("CARGO_PKG_REPOSITORY"))
}

fn home_at(repository: &str) -> Option<&str> {
    let host = repository.split_once("://")?.1.split(['/', ':']).next()?;
    (!host.is_empty() && !host.ends_with(".invalid")).then_some(repository)
}

/// The run's rules: one per finding id, in catalog order (a result's `ruleIndex` is the id's
/// position), then one per id and severity other than its default that a result has
/// (`TRUST_OIDC_UNSCOPED/LOW`): code scanning reads `security-severity` from the rule alone, and
/// would show a LOW finding of a CRITICAL id as critical (and fail a pull request's check that
/// `--fail-on` passed).
struct RuleBook {
    threshold: Severity,
    rules: Vec<Value>,
    /// The rules after the catalog's, by id and severity.
    graded: Vec<(FindingId, Severity)>,
}

impl RuleBook {
    fn new(threshold: Severity) -> RuleBook {
        let rules = (FindingId::ALL.iter())
            .map(|id| rule(id.as_str(), *id, id.default_severity(), threshold))
            .collect();
        RuleBook {
            threshold,
            rules,
            graded: Vec::new(),
        }
    }

    /// The id and index of the rule a finding of `id` at `severity` reports under.
    fn rule_of(&mut self, id: FindingId, severity: Severity) -> (String, usize) {
        let catalog = FindingId::ALL.iter().position(|known| *known == id);
        match catalog {
            Some(index) if severity == id.default_severity() => (id.as_str().to_owned(), index),
            _ => {
                let name = format!("{}/{}", id.as_str(), severity.as_str());
                let at = match self.graded.iter().position(|graded| *graded == (id, severity)) {
                    Some(at) => at,
                    None => {
                        self.rules.push(rule(&name, id, severity, self.threshold));
                        self.graded.push((id, severity));
                        self.graded.len() - 1
                    }
                };
                (name, FindingId::ALL.len() + at)
            }
        }
    }
}

fn rule(name: &str, id: FindingId, severity: Severity, threshold: Severity) -> Value {
    let mut rule = json!({
        "id": name,
        "name": id.as_str(),
        "shortDescription": {"text": id.title()},
        "fullDescription": {"text": id.help()},
        "help": {"text": id.help()},
        "defaultConfiguration": {"level": level(id, severity, threshold)},
        "properties": {"tags": ["security", "iam"], "security-severity": security_severity(severity)}
    });
    if let Some(home) = project_home() {
        rule["helpUri"] = json!(format!("{home}/blob/main/docs/findings.md#{}", id.as_str()));
    }
    rule
}

fn log(rules: Vec<Value>, results: Vec<Value>, notes: &[String]) -> Value {
    let mut run = json!({
        "tool": {"driver": {
            "name": "trustcheck",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules
        }},
        "results": results
    });
    if let Some(home) = project_home() {
        run["tool"]["driver"]["informationUri"] = json!(home);
    }
    // Only a run that read every input writes SARIF (`commands::report`): its notes are notes.
    if !notes.is_empty() {
        let notifications: Vec<Value> = (notes.iter())
            .map(|note| json!({"level": "note", "message": {"text": note}}))
            .collect();
        run["invocations"] = json!([{"executionSuccessful": true, "toolExecutionNotifications": notifications}]);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run]
    })
}

/// `--format sarif`: every finding of every role a result; skipped ones suppressed.
pub(crate) fn sarif(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let checkout = Checkout::find();
    // Each file named once (a stat of it), however many results it has: an account's dump has
    // every role's.
    let mut files: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    let mut results = Vec::new();
    let mut book = RuleBook::new(report.threshold);
    let mut notes = report.notes.clone();
    for role in &report.roles {
        let findings: Vec<(&Finding, Option<&Skipped>)> = (role.findings.iter().map(|f| (f, None)))
            .chain(role.skipped.iter().map(|s| (&s.finding, Some(s))))
            .collect();
        // A role's notes ride on its results; a role without any has them said as the run's,
        // after its place (two templates may each have a role of that name).
        if findings.is_empty() {
            let origin = &role.origin;
            let place = match (&origin.source, origin.line, &origin.arn) {
                (Some(source), Some(line), _) => format!("{source}:{line} {}", origin.name),
                (Some(source), None, _) => format!("{source} {}", origin.name),
                (None, _, Some(arn)) => arn.clone(),
                (None, _, None) => origin.name.clone(),
            };
            notes.extend(role.notes.iter().map(|note| format!("{place}: {note}")));
        }
        let file = (role.origin.source.as_deref()).map(|source| {
            files
                .entry(source)
                .or_insert_with(|| in_checkout(checkout.as_ref(), source))
                .as_str()
        });
        // A nested stack's role as a parent deploys it names the parent as its own file is named.
        let name = role
            .origin
            .name_with_parent_as(|parent| in_checkout(checkout.as_ref(), parent));
        for &(finding, skipped) in &findings {
            let rule = book.rule_of(finding.id, finding.severity);
            results.push(result(
                report.scope,
                role,
                (&name, file),
                finding,
                rule,
                report.threshold,
                skipped,
            ));
        }
    }
    let (mut results, left_out) = most_severe(one_per_alert(results), RESULTS_PER_UPLOAD);
    if left_out > 0 {
        notes.push(format!(
            "{} results, more than the {RESULTS_PER_UPLOAD} GitHub code scanning takes in one upload (it rejects a run of more, and shows the 5,000 most severe): the {RESULTS_PER_UPLOAD} most severe are written, {left_out} left out (suppressed ones and those below the threshold first); --format json lists every one",
            RESULTS_PER_UPLOAD + left_out
        ));
    }
    // SARIF 2.1.0 (3.27.23): every result of a run has `suppressions`, or none has.
    if results.iter().any(|r| r.get("suppressions").is_some()) {
        for result in results.iter_mut().filter(|r| r.get("suppressions").is_none()) {
            result["suppressions"] = json!([]);
        }
    }
    let log = log(book.rules, results, &notes);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The most results of one run GitHub code scanning takes: it rejects an upload of more.
const RESULTS_PER_UPLOAD: usize = 25_000;

/// At most `limit` of `results`, the most severe (not suppressed before suppressed, then by level:
/// error, warning, note, then by the finding's severity), in their order; and how many were left
/// out.
fn most_severe(results: Vec<Value>, limit: usize) -> (Vec<Value>, usize) {
    if results.len() <= limit {
        return (results, 0);
    }
    let rank = |r: &Value| {
        let level = match r["level"].as_str() {
            Some("error") => 0,
            Some("warning") => 1,
            _ => 2,
        };
        let severity = match r["properties"]["severity"].as_str() {
            Some("CRITICAL") => 0,
            Some("HIGH") => 1,
            Some("MEDIUM") => 2,
            _ => 3,
        };
        (r.get("suppressions").is_some(), level, severity)
    };
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| rank(&results[i]));
    let mut kept = vec![false; results.len()];
    for &i in order.iter().take(limit) {
        kept[i] = true;
    }
    let left_out = results.len() - limit;
    let results = (results.into_iter().zip(kept))
        .filter_map(|(r, keep)| keep.then_some(r))
        .collect();
    (results, left_out)
}

/// One result per fingerprint, as code scanning keeps one alert per fingerprint: a role listed
/// twice with other tags (its copies judged apart, one exempt) keeps the result that fails, not
/// a suppressed copy of it that would dismiss the alert.
fn one_per_alert(results: Vec<Value>) -> Vec<Value> {
    let fingerprint = |r: &Value| r["partialFingerprints"].to_string();
    let suppressed = |r: &Value| r.get("suppressions").is_some();
    let mut kept: Vec<Value> = Vec::with_capacity(results.len());
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for result in results {
        match at.get(&fingerprint(&result)) {
            Some(&i) if suppressed(&kept[i]) && !suppressed(&result) => kept[i] = result,
            Some(_) => {}
            None => {
                at.insert(fingerprint(&result), kept.len());
                kept.push(result);
            }
        }
    }
    kept
}

/// One finding, at the line of its statement (else of its role) in its source. A scan names the
/// role too (a logical location and the message's first word); a policy is its file.
fn result(
    scope: Scope,
    role: &RoleReport,
    // The role's name, as [`sarif`] spells it, and its file, as [`in_checkout`] names it.
    (name, file): (&str, Option<&str>),
    finding: &Finding,
    // The id and index of its rule ([`RuleBook::rule_of`]).
    (rule_id, rule_index): (String, usize),
    threshold: Severity,
    skipped: Option<&Skipped>,
) -> Value {
    let origin = &role.origin;
    let mut location = json!({});
    if scope == Scope::Scan {
        location["logicalLocations"] = json!([{
            "name": name,
            "fullyQualifiedName": origin.arn.as_deref().unwrap_or(name),
            "kind": "resource"
        }]);
    }
    if let Some(file) = file {
        let mut physical = json!({"artifactLocation": {"uri": uri(file)}});
        // A plan or an authorization-details file has no line for a role: its first line, as
        // code scanning wants a region.
        physical["region"] = json!({"startLine": role.line_of(finding).unwrap_or(1)});
        location["physicalLocation"] = physical;
    } else {
        // A role read from the account has no file; code scanning (GitHub's upload) refuses a
        // result without a physical location, so it gets a path that names the role.
        location["physicalLocation"] =
            json!({"artifactLocation": {"uri": account_path(origin)}, "region": {"startLine": 1}});
    }
    let message = match scope {
        Scope::Policy => format!(
            "{}{} Fix: {}",
            finding.message,
            full_stop(&finding.message),
            finding.fix
        ),
        Scope::Scan => format!(
            "{}: {}{} Fix: {}",
            name,
            finding.message,
            full_stop(&finding.message),
            finding.fix
        ),
    };
    let mut properties = json!({"severity": finding.severity.as_str(), "statement": finding.statement});
    if scope == Scope::Scan {
        properties["compliance"] = json!(role.compliance.as_str());
        properties["notes"] = json!(role.notes);
    }
    if finding.id.stops_lambda() && !role.stopped.is_empty() {
        properties["stoppedMappings"] = json!(role.stopped.iter().map(super::mapping).collect::<Vec<_>>());
    }
    let fingerprint = fingerprint(origin, name, file, finding);
    let mut result = json!({
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        // A skipped finding makes no role NON_COMPLIANT: never an error.
        "level": match skipped {
            Some(_) => level_below_threshold(finding.severity),
            None => level(finding.id, finding.severity, threshold),
        },
        "message": {"text": message},
        "locations": [location],
        // Code scanning uses `primaryLocationLineHash` alone (and computes one from the line's
        // text where it is missing, which would take a plan's roles, all at line 1, for one).
        "partialFingerprints": {
            "trustcheckFinding/v2": fingerprint.clone(),
            "primaryLocationLineHash": fingerprint
        },
        "properties": properties
    });
    if let Some(skipped) = skipped {
        let kind = match skipped.by {
            SkippedBy::Metadata => "inSource",
            SkippedBy::Exemption | SkippedBy::Baseline => "external",
        };
        result["suppressions"] = json!([{"kind": kind, "justification": skipped.reason}]);
    }
    result
}

/// The stop a message needs before the fix that follows it in one line (most end without one).
fn full_stop(message: &str) -> &'static str {
    match message.ends_with(['.', '!', '?']) {
        true => "",
        false => ".",
    }
}

/// Which finding of which role this is, the same from run to run while the role keeps its name
/// and the finding its statement: code scanning tells alerts apart by it. Without it, the roles of
/// one plan (no lines) with the same finding would be one alert, and an edit above a template's
/// role would make its alerts new ones. What the finding is about is told as a baseline tells it
/// ([`crate::scan::about`]: its message, which names the principals, save for the Lambda trust
/// findings, whose messages name what changes without the trust changing): an alert dismissed for
/// the audit account is not the one that trusts another account, and two findings of one id in one
/// statement (two unscoped providers) are two alerts whatever their order. (`v1` left the message
/// out where a statement had one finding of the id.)
fn fingerprint(origin: &Origin, name: &str, file: Option<&str>, finding: &Finding) -> String {
    let statement = finding.statement.map_or(String::new(), |s| s.to_string());
    // The role: in an account scan by its ARN, whatever the dump file is called; else by its file,
    // spelt one way (`./a.yaml` is `a.yaml`; in a repository, from its root, however the path
    // was given), and its name there (a plan knows a role's ARN only once it exists: by ARN, a
    // new role's alerts would reopen after its first apply).
    let file = || crate::scan::same_file(file.unwrap_or_default());
    let (source, name) = match (origin.kind, &origin.arn) {
        (NameKind::RoleName, Some(arn)) => (String::new(), arn.clone()),
        // A policy file's name is its path: spelt one way too.
        (NameKind::Policy, _) => (file(), file()),
        _ => (file(), name.to_owned()),
    };
    let identity = [finding.id.as_str(), &source, &name, &statement];
    // FNV-1a, 64 bits: stable across releases and platforms, unlike std's hasher.
    let about = crate::scan::about(finding.id, &finding.message);
    let hash = (identity.iter().copied().chain([about]))
        .flat_map(|part| part.bytes().chain([0]))
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
}

/// What a path segment keeps as it is: RFC 3986's unreserved characters and `/`; everything
/// else (spaces, `#`, `?`, `%`, `[`, `{`, non-ASCII, …) is percent-encoded.
const PATH_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `aws-account/111122223333/role/path/name` for a role's ARN (its name alone without one).
fn account_path(origin: &Origin) -> String {
    let resource = origin.arn.as_deref().and_then(|arn| {
        let mut fields = arn.splitn(6, ':');
        let account = fields.nth(4)?;
        Some(format!("{account}/{}", fields.next()?))
    });
    let path = resource.unwrap_or_else(|| origin.name.clone());
    format!("aws-account/{}", utf8_percent_encode(&path, PATH_KEEPS))
}

/// The repository the scan runs in: the nearest directory up from the working one that holds
/// `.git`. Code scanning resolves a relative URI against the repository's root, so a file is
/// named from there, whether the scan ran in a subdirectory or was given absolute paths. A file
/// outside it (or a scan run outside any, as a workflow that checks the repository out into a
/// directory of the workspace runs it) is named from its own repository's root.
struct Checkout {
    working: PathBuf,
    root: Option<PathBuf>,
}

impl Checkout {
    fn find() -> Option<Checkout> {
        let working = std::env::current_dir().ok()?;
        let root = repository_of(&working);
        Some(Checkout { working, root })
    }
}

/// The nearest directory at or above `path` that holds `.git` (a directory, or the file a
/// submodule or a worktree has).
fn repository_of(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `source` from its repository's root (`/`-separated) when it is a file inside one: the scan's,
/// else its own; as given otherwise.
fn in_checkout(checkout: Option<&Checkout>, source: &str) -> String {
    let Some(checkout) = checkout else {
        return source.to_owned();
    };
    let path = checkout.working.join(source);
    if !path.is_file() {
        // Standard input, or a file gone since it was read.
        return source.to_owned();
    }
    // Lexically, as the path was written: a link inside the repository stays where it is.
    let mut resolved = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    let root = match &checkout.root {
        Some(root) if resolved.starts_with(root) => Some(root.clone()),
        _ => resolved.parent().and_then(repository_of),
    };
    let parts: Option<Vec<&str>> = (root.as_ref().and_then(|root| resolved.strip_prefix(root).ok()))
        .map(Path::components)
        .and_then(|parts| parts.map(|p| p.as_os_str().to_str()).collect());
    parts.map_or_else(|| source.to_owned(), |parts| parts.join("/"))
}

/// A path as a URI reference: relative paths stay relative (code scanning resolves them against
/// the repository), absolute ones (`/…`, a Windows drive `D:\…`) become `file://` URIs.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    if let [drive, b':', b'/', ..] = path.as_bytes() {
        if drive.is_ascii_alphabetic() {
            let rest = path.get(2..).unwrap_or_default();
            return format!(
                "file:///{}:{}",
                char::from(*drive),
                utf8_percent_encode(rest, PATH_KEEPS)
            );
        }
    }
    let text = utf8_percent_encode(&path, PATH_KEEPS).to_string();
    if text.starts_with('/') {
        format!("file://{text}")
    } else {
        text
    }
}

/// Findings that make the role NON_COMPLIANT (the verdict's own rule, fail-closed ones included)
/// are errors; the rest are warnings (MEDIUM and up) or notes.
fn level(id: FindingId, severity: Severity, threshold: Severity) -> &'static str {
    if id.fails_at(severity, threshold) {
        "error"
    } else {
        level_below_threshold(severity)
    }
}

fn level_below_threshold(severity: Severity) -> &'static str {
    if severity >= Severity::Medium {
        "warning"
    } else {
        "note"
    }
}

/// GitHub code scanning reads this 0-10 score to rank security alerts.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

#[cfg(test)]
mod tests {
    use super::{home_at, most_severe, uri};
    use serde_json::json;

    #[test]
    fn past_the_upload_limit_the_most_severe_results_are_kept_in_order() {
        let result = |n: u32, level: &str, suppressed: bool| {
            let mut r = json!({"ruleId": n.to_string(), "level": level});
            if suppressed {
                r["suppressions"] = json!([{"kind": "external"}]);
            }
            r
        };
        let mut results = vec![
            result(0, "note", false),
            result(1, "error", true),
            result(2, "warning", false),
            result(3, "error", false),
            result(4, "note", false),
            result(5, "error", false),
        ];
        results[3]["properties"] = json!({"severity": "MEDIUM"});
        results[5]["properties"] = json!({"severity": "CRITICAL"});
        let (kept, left_out) = most_severe(results.clone(), 2);
        let ids: Vec<&str> = kept.iter().filter_map(|r| r["ruleId"].as_str()).collect();
        assert_eq!((ids, left_out), (vec!["3", "5"], 4));
        let (kept, _) = most_severe(results.clone(), 1);
        assert_eq!(kept[0]["ruleId"], "5", "a CRITICAL before a MEDIUM of the same level");
        assert_eq!(most_severe(results, 6).1, 0);
    }

    #[test]
    fn a_placeholder_home_links_nowhere() {
        assert_eq!(home_at("https://example.invalid/trustcheck"), None);
        assert_eq!(home_at("https://git.example.invalid:8443/trustcheck"), None);
        assert_eq!(home_at("not a url"), None);
        assert_eq!(
            home_at("https://github.com/acme/trustcheck"),
            Some("https://github.com/acme/trustcheck")
        );
    }

    #[test]
    fn paths_become_valid_uri_references() {
        assert_eq!(uri("infra/stack.yaml"), "infra/stack.yaml");
        assert_eq!(uri("infra/my stack#1?.yaml"), "infra/my%20stack%231%3F.yaml");
        assert_eq!(uri("infra/{env}/[a]/ü.yaml"), "infra/%7Benv%7D/%5Ba%5D/%C3%BC.yaml");
        assert_eq!(uri("100%.yaml"), "100%25.yaml");
        assert_eq!(uri("/repo/infra/a.yaml"), "file:///repo/infra/a.yaml");
        // A Windows drive is absolute, never a URI scheme `D:`.
        assert_eq!(uri("D:\\work\\infra\\a b.yaml"), "file:///D:/work/infra/a%20b.yaml");
        assert_eq!(uri("infra\\a.yaml"), "infra/a.yaml");
    }
}
