//! Evaluates the roles an input holds and decides what is reported: the one place where
//! suppressions (template metadata, the exemption tag) turn findings into skipped findings, which
//! stay in every report with their reason.

use trustcheck::{
    Compliance, Evaluation, EventSource, Finding, FindingId, RuleParams, Severity, SuggestedPolicy, Verdict,
};

use crate::inputs::{Deployment, NameKind, Origin, RoleInput, Scanned};

/// Why a finding is listed as skipped rather than counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SkippedBy {
    /// `Metadata: trustcheck: {skip, reason}` in the template, next to the role.
    Metadata,
    /// The role is exempt (the exemption tag, an exempt ARN pattern).
    Exemption,
    /// `--baseline`: found before, accepted until fixed; only new findings count.
    Baseline,
}

impl SkippedBy {
    /// As the JSON report names it.
    pub fn as_str(self) -> &'static str {
        match self {
            SkippedBy::Metadata => "metadata",
            SkippedBy::Exemption => "exemption",
            SkippedBy::Baseline => "baseline",
        }
    }
}

/// `--baseline FILE`: an earlier `--format json` report of a scan. Each role's findings there, by
/// the file the role is in, the role's name and what the finding is about ([`about`]), are
/// accepted (findings the earlier run had accepted from its own baseline too); any other finding
/// counts. A role of another file with the same name is another role.
#[derive(Debug, Default)]
pub(crate) struct Baseline {
    path: String,
    /// (source as the report gives it, `None` for a live account; an account's role by its ARN,
    /// as two accounts' roles can share a name, any other by its name in its file (a plan's role
    /// keeps its address once its ARN is known); finding's id; what it is about).
    accepted: std::collections::HashSet<(Option<String>, String, FindingId, String)>,
    /// Those of them it listed as no baseline accepts (CRITICAL, an unreadable policy, an engine
    /// failure): no stale entry when gone, as they never accepted anything.
    never_accepted: std::collections::HashSet<(Option<String>, String, FindingId, String)>,
}

/// What a baseline tells one finding of a role from another of the same id by: its message,
/// which names the statement and the principals (another account trusted in another statement
/// is a new finding, not the one accepted). The Lambda trust findings (Lambda@Edge's too) are one
/// per role, about its Lambda trust as a whole, and their message names what changes without the trust changing
/// (the functions, the mappings, the days left): their id alone; so are a policy that can't be
/// read (its message names the functions, or the template's lines) and one past IAM's size quota
/// (its length).
pub(crate) fn about(id: FindingId, message: &str) -> &str {
    // One per role, its message naming the functions or the template's lines; the policy's
    // length, which any edit changes.
    let one_per_role = id == FindingId::PolicyUnparseable
        || (id == FindingId::TrustPolicyInvalid && message.starts_with("the policy is "));
    if id.stops_lambda()
        || matches!(id, FindingId::LambdaTrustExpiring | FindingId::LambdaEdgeTrustMissing)
        || one_per_role
    {
        ""
    } else {
        message
    }
}

/// An account's role as a baseline and the text report name it: its ARN, with its name beside it
/// when the ARN doesn't end in it (masked, `arn:aws:iam::XXXXXXXXXXXX:role/REDACTED`, or empty in
/// a dump shared for review: two roles may share it).
pub(crate) fn account_role_key(arn: &str, name: &str) -> String {
    let named = arn
        .rsplit('/')
        .next()
        .is_some_and(|last| !arn.is_empty() && last.eq_ignore_ascii_case(name));
    match named {
        true => arn.to_owned(),
        false => format!("{arn} ({name})"),
    }
}

/// The reason a finding accepted from a baseline is listed under: how a later run reading a
/// report written before `by` told these from other skipped findings.
const ACCEPTED_IN_BASELINE: &str = "accepted in the baseline";

impl Baseline {
    pub fn read(path: &std::path::Path) -> Result<Baseline, crate::error::InputError> {
        let text = crate::inputs::read_text(path)?;
        let shown = path.display().to_string();
        let report: serde_json::Value =
            serde_json::from_str(&text).map_err(|source| crate::error::InputError::Json {
                path: shown.clone(),
                source,
            })?;
        let roles = report["roles"]
            .as_array()
            .ok_or_else(|| crate::error::InputError::NotABaseline { path: shown.clone() })?;
        let mut accepted = std::collections::HashSet::new();
        let mut never_accepted = std::collections::HashSet::new();
        for role in roles {
            let by_arn = (role["name"].as_str())
                .zip(role["arn"].as_str())
                .map(|(name, arn)| account_role_key(arn, name));
            let Some(name) = by_arn.clone().or_else(|| {
                ["logical_id", "address", "name"]
                    .iter()
                    .find_map(|key| role[*key].as_str().map(str::to_owned))
            }) else {
                continue;
            };
            // An account's role is its ARN, whichever day's dump it was read from.
            let source = match by_arn {
                Some(_) => None,
                None => role["source"].as_str().map(same_file),
            };
            let findings = role["findings"].as_array().into_iter().flatten();
            // By `by`: a template's skip reason may read like a baseline's. A report written
            // before `by` existed is read by its reason.
            let carried = role["skipped"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| match s["by"].as_str() {
                    Some(by) => by == SkippedBy::Baseline.as_str(),
                    None => s["reason"]
                        .as_str()
                        .is_some_and(|r| r.starts_with(ACCEPTED_IN_BASELINE)),
                });
            for finding in findings.chain(carried) {
                let Some(id) = finding["id"].as_str().and_then(FindingId::parse) else {
                    continue;
                };
                let message = finding["message"].as_str().unwrap_or_default();
                let entry = (source.clone(), name.to_owned(), id, about(id, message).to_owned());
                let never = finding["severity"].as_str() == Some(Severity::Critical.as_str())
                    || matches!(id, FindingId::PolicyUnparseable | FindingId::EvaluationFailed);
                if never {
                    never_accepted.insert(entry.clone());
                }
                accepted.insert(entry);
            }
        }
        Ok(Baseline {
            path: shown,
            accepted,
            never_accepted,
        })
    }

    /// `source`: the role's file as [`same_file`] spells it. A role judged as the worst of
    /// several deployments by the finding's id alone: the deployment judged worst, and so the
    /// principals its findings name, may be another from run to run.
    fn accepts(&self, source: &Option<String>, role: &RoleInput, finding: &Finding) -> bool {
        let (name, source) = match (role.origin.kind, &role.origin.arn) {
            (NameKind::RoleName, Some(arn)) => (account_role_key(arn, &role.origin.name), &None),
            _ => (role.origin.name.clone(), source),
        };
        let name = &name;
        if role.several_deployments {
            return (self.accepted.iter()).any(|(s, n, id, _)| s == source && n == name && *id == finding.id);
        }
        let about = about(finding.id, &finding.message).to_owned();
        self.accepted
            .contains(&(source.clone(), name.to_owned(), finding.id, about))
    }
}

impl Baseline {
    /// A note when the baseline accepts findings that no role it covers has any more (a role
    /// fixed, or gone): kept, such an entry would accept the finding if it came back, unseen.
    /// Only of the files this scan read, or of an account when it read one: a scan of some of the
    /// baseline's files says nothing of the others.
    fn stale_note(&self, roles: &[RoleReport]) -> Option<String> {
        use std::collections::HashSet;
        let files: HashSet<String> = (roles.iter())
            .filter_map(|r| r.origin.source.as_deref().map(same_file))
            .collect();
        let of_account = roles.iter().any(|r| r.origin.kind == NameKind::RoleName);
        let key = |r: &RoleReport| match (r.origin.kind, &r.origin.arn) {
            (NameKind::RoleName, Some(arn)) => (None, account_role_key(arn, &r.origin.name)),
            _ => (r.origin.source.as_deref().map(same_file), r.origin.name.clone()),
        };
        // Found again, accepted or not (a CRITICAL one never is): the entry still stands for it.
        let found: HashSet<(Option<String>, String, FindingId)> = (roles.iter())
            .flat_map(|r| {
                let (source, name) = key(r);
                let ids = (r.findings.iter().map(|f| f.id)).chain(r.skipped.iter().map(|s| s.finding.id));
                ids.map(move |id| (source.clone(), name.clone(), id))
            })
            .collect();
        let mut stale: Vec<(&str, FindingId)> = (self.accepted.iter())
            .filter(|(source, ..)| source.as_ref().map_or(of_account, |file| files.contains(file)))
            .filter(|entry| !self.never_accepted.contains(*entry))
            .filter(|(source, name, id, _)| !found.contains(&(source.clone(), name.clone(), *id)))
            .map(|(_, name, id, _)| (name.as_str(), *id))
            .collect();
        if stale.is_empty() {
            return None;
        }
        stale.sort_unstable();
        stale.dedup();
        let shown: Vec<String> = (stale.iter().take(3))
            .map(|(name, id)| format!("{name} {}", id.as_str()))
            .collect();
        Some(format!(
            "the baseline {} accepts {} finding(s) no role of this scan has any more ({}{}): write it again from this report, so that one fixed can't come back accepted",
            self.path,
            stale.len(),
            shown.join(", "),
            if stale.len() > 3 { ", …" } else { "" }
        ))
    }

    /// A note when the baseline names none of this scan's files but one of the same name: it was
    /// made with the paths spelt otherwise (from another directory), and accepts nothing.
    fn unmatched_note(&self, roles: &[RoleReport]) -> Option<String> {
        let named: std::collections::BTreeSet<&str> = self.accepted.iter().filter_map(|(s, ..)| s.as_deref()).collect();
        let scanned: std::collections::HashSet<String> = (roles.iter())
            .filter_map(|r| r.origin.source.as_deref().map(same_file))
            .collect();
        let name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
        let scanned_names: std::collections::HashSet<String> = scanned.iter().map(|f| name(f)).collect();
        // Only a file of the same name under another spelling of its path: a scan of files the
        // baseline never saw (new ones, one file of many) is no sign of another directory.
        if named.iter().any(|file| scanned.contains(*file))
            || !named.iter().any(|file| scanned_names.contains(&name(file)))
        {
            return None;
        }
        let shown: Vec<&str> = named.iter().take(3).copied().collect();
        Some(format!(
            "the baseline {} names no file of this scan (it names {}{}): it accepts findings by the file as spelt on its command line, so run from the directory it was made in",
            self.path,
            shown.join(", "),
            if named.len() > 3 { ", …" } else { "" }
        ))
    }
}

/// A path as given, spelt one way: `./infra/a.yaml`, `infra//a.yaml` and `infra/./a.yaml` are
/// `infra/a.yaml` (a directory scan of `.` and pre-commit name the same file differently).
pub(crate) fn same_file(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Skipped {
    pub finding: Finding,
    pub reason: String,
    pub by: SkippedBy,
}

/// One evaluated role.
#[derive(Debug, Clone)]
pub(crate) struct RoleReport {
    pub origin: Origin,
    /// The functions that use the role (ARNs, or names where the ARN isn't known).
    pub functions: Vec<String>,
    pub compliance: Compliance,
    pub annotation: String,
    /// The findings that count, most severe first.
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// For a NON_COMPLIANT role: the trust policy that fixes it (every finding, skipped ones too).
    pub suggested_policy: Option<SuggestedPolicy>,
    pub statement_lines: Vec<usize>,
    pub notes: Vec<String>,
    /// The event source mappings the Lambda findings stop, most important first.
    pub stopped: Vec<EventSource>,
}

impl RoleReport {
    /// The line a finding points at: its statement's, else the role's.
    pub fn line_of(&self, finding: &Finding) -> Option<usize> {
        finding
            .statement
            .and_then(|i| self.statement_lines.get(i).copied())
            .or(self.origin.line)
    }
}

/// What was asked for: one policy (`trustcheck policy`), or the roles of templates, plans or an
/// account. The same record either way; the documented outputs of the two differ in shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Policy,
    Scan,
}

/// Every role evaluated, with notes about the inputs.
#[derive(Debug)]
pub(crate) struct Report {
    pub scope: Scope,
    pub roles: Vec<RoleReport>,
    pub notes: Vec<String>,
    pub threshold: Severity,
    /// The inputs of a scan that could not be read (`path: why`): the others' roles are reported
    /// all the same, and the run still fails (status 2).
    pub unread: Vec<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    /// Counted findings by severity: `[LOW, MEDIUM, HIGH, CRITICAL]`.
    pub findings: [usize; 4],
    pub skipped: usize,
}

impl Report {
    /// NON_COMPLIANT when any role is, or an input could not be read (fail closed): the exit
    /// status.
    pub fn compliance(&self) -> Compliance {
        if !self.unread.is_empty() || self.roles.iter().any(|r| r.compliance == Compliance::NonCompliant) {
            Compliance::NonCompliant
        } else {
            Compliance::Compliant
        }
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for role in &self.roles {
            match role.compliance {
                Compliance::Compliant => summary.compliant += 1,
                Compliance::NonCompliant => summary.non_compliant += 1,
                Compliance::NotApplicable => summary.not_applicable += 1,
            }
            for finding in &role.findings {
                summary.findings[finding.severity as usize] += 1;
            }
            summary.skipped += role.skipped.len();
        }
        summary
    }
}

/// Evaluates every role of the inputs.
pub(crate) fn evaluate(scanned: Scanned, params: &RuleParams, baseline: Option<&Baseline>) -> Report {
    let roles = scanned
        .roles
        .into_iter()
        .map(|mut input| {
            let evaluation = worst_deployment(&mut input, params, baseline);
            judge(input, evaluation, params, baseline)
        })
        .collect::<Vec<_>>();
    Report::of_scan(roles, scanned.notes, params, baseline)
}

impl Report {
    /// A scan's report: its roles judged, its notes and the baseline's about roles it no longer
    /// finds.
    pub fn of_scan(
        roles: Vec<RoleReport>,
        mut notes: Vec<String>,
        params: &RuleParams,
        baseline: Option<&Baseline>,
    ) -> Report {
        notes.extend(baseline.and_then(|b| b.unmatched_note(&roles)));
        notes.extend(baseline.and_then(|b| b.stale_note(&roles)));
        Report {
            scope: Scope::Scan,
            roles,
            notes,
            threshold: params.non_compliant_at,
            unread: Vec::new(),
        }
    }
}

/// The evaluation of the role's trust policy or, when its template's conditions allow several,
/// of the worst of those (each one a deployment that can happen): NON_COMPLIANT before the rest,
/// then the worst failing severity, both after the template's skips and the baseline, as the
/// verdict will be. The one chosen becomes the role's document, and a note says which it is.
fn worst_deployment(input: &mut RoleInput, params: &RuleParams, baseline: Option<&Baseline>) -> Evaluation {
    if input.alternatives.is_empty() {
        return trustcheck::evaluate(&input.document, &input.role, params);
    }
    input.several_deployments = true;
    let mut worst: Option<(Evaluation, usize)> = None;
    {
        let set_aside = set_aside(input, baseline);
        let rank = |e: &Evaluation| {
            let (verdict, _) = e.verdict.clone().suppressing(&set_aside);
            (
                verdict.compliance == Compliance::NonCompliant,
                verdict.failing().map(|f| f.severity).max(),
                verdict.findings.len(),
            )
        };
        for (index, deployment) in input.alternatives.iter().enumerate() {
            let evaluation = match deployment.is_as_written() {
                true => trustcheck::evaluate(&deployment.document, &input.role, params),
                false => trustcheck::evaluate(&deployment.document, &deployment.role(&input.role), params),
            };
            if worst.as_ref().is_none_or(|(w, _)| rank(&evaluation) > rank(w)) {
                worst = Some((evaluation, index));
            }
        }
    }
    let Some((evaluation, index)) = worst else {
        return trustcheck::evaluate(&input.document, &input.role, params);
    };
    let chosen = input.alternatives.swap_remove(index);
    let count = input.alternatives.len() + 1;
    input.role = chosen.role(&input.role);
    let Deployment {
        label,
        document,
        statement_lines,
        ..
    } = chosen;
    // Every choice at what the template says (its defaults, the first entry of a key it can't know).
    let label = if label.is_empty() {
        "the values as written".to_owned()
    } else {
        label
    };
    input.notes.push(format!(
        "judged as deployed with {label}: the worst of the {count} trust policies the template's conditions allow"
    ));
    // The stand-in for the ways not checked (an empty document): its finding says why, not that
    // the document is empty.
    if label.ends_with(crate::inputs::template::TOO_MANY_WAYS) && input.unknown_policy.is_none() {
        input.unknown_policy = Some(crate::inputs::UnknownPolicy {
            why: format!("{label}: the ways of deploying this role are too many to check, so it fails closed"),
            fix: "pass the values its conditions, mappings and parameters rest on (--parameter, --region, --account-id; the notes name them)".to_owned(),
        });
    }
    input.document = document;
    input.statement_lines = statement_lines;
    evaluation
}

/// What the template's skips and the baseline set aside (never a finding no exemption hides).
fn set_aside<'i>(input: &'i RoleInput, baseline: Option<&'i Baseline>) -> impl Fn(&Finding) -> bool + 'i {
    let source = baseline.and(input.origin.source.as_deref()).map(same_file);
    move |f: &Finding| {
        !f.is_never_exempt()
            && (input.skip.as_ref().is_some_and(|skip| skip.ids.contains(&f.id))
                || baseline.is_some_and(|b| b.accepts(&source, input, f)))
    }
}

/// A template's trust policy is judged as JSON text written from the template, so the parser's
/// position in a `POLICY_UNPARSEABLE` message is in that text, not the file: the finding names
/// the statement instead (the report gives its line in the file), and says "trust policy", not
/// "JSON", of what may be YAML.
fn placed_in_template(finding: &mut Finding, document: &str) {
    if finding.id != FindingId::PolicyUnparseable {
        return;
    }
    let Some(error) = trustcheck::unreadable(document) else {
        return;
    };
    let Some((line, column, what)) = error.json_position() else {
        return;
    };
    // What the engine says after the error (the functions that use the role) stays.
    let after = finding
        .message
        .strip_prefix(&error.to_string())
        .unwrap_or_default()
        .to_owned();
    let statement = crate::inputs::statement_at(document, line, column);
    finding.message = match statement {
        Some(index) => format!("the trust policy is not a policy IAM reads: statement {index}: {what}{after}"),
        None => format!("the trust policy is not a policy IAM reads: {what}{after}"),
    };
    finding.statement = finding.statement.or(statement);
}

/// The report for one role from the rule's evaluation: suppressions applied (exemption, template
/// metadata, the baseline), the fix suggested while the role is still NON_COMPLIANT.
pub(crate) fn judge(
    mut input: RoleInput,
    evaluation: Evaluation,
    params: &RuleParams,
    baseline: Option<&Baseline>,
) -> RoleReport {
    let Evaluation {
        mut verdict,
        suggested_policy,
    } = evaluation;
    // Placed first: the parser's message it writes may quote a NoEcho value, redacted below.
    if input.origin.kind == NameKind::LogicalId {
        verdict = verdict.edited(|finding| placed_in_template(finding, &input.document));
    }
    if input.unknown_policy.is_some() || input.role.account_is_stand_in || input.sensitive.is_some() {
        verdict = verdict.edited(|finding| {
            match &input.unknown_policy {
                Some(unknown) if finding.id == FindingId::PolicyUnparseable => {
                    finding.message.clone_from(&unknown.why);
                    finding.fix.clone_from(&unknown.fix);
                }
                _ if input.role.account_is_stand_in => {
                    finding.write_account_to_fill_in(crate::inputs::STAND_IN_ACCOUNT)
                }
                _ => {}
            }
            // Before the annotation is made of them (and cut), and before a baseline, which
            // holds them so, is read.
            if let Some(hidden) = &input.sensitive {
                finding.message = redacted(&finding.message, hidden);
                finding.fix = redacted(&finding.fix, hidden);
            }
        });
    }
    let mut skipped = Vec::new();
    let mut notes = std::mem::take(&mut input.notes);
    // A pattern that matches the name the scan gives the role but not every name it may have
    // once deployed (`Role::naming`) exempts nothing: said, as the author meant it to.
    let exempting = |arn: &str| params.exempting_pattern(arn);
    let every_name = || input.role.exemption_arns().iter().all(|arn| exempting(arn).is_some());
    let stand_in_exempted = (input.role.arn.as_deref())
        .filter(|_| input.role.naming != trustcheck::Naming::Known && verdict.not_applicable_because.is_none())
        .and_then(exempting)
        .filter(|_| !every_name());
    if let Some(pattern) = stand_in_exempted {
        let given = match input.role.naming {
            trustcheck::Naming::Chosen => "a RoleName from a parameter's default may be given another at deploy",
            _ => "CloudFormation names a role without RoleName STACK-LOGICALID-SUFFIX at deploy, SAM its generated roles so",
        };
        notes.push(format!(
            "exemptRoleArnPatterns {pattern} matches the name this scan gives the role, not every name it may have once deployed ({given}): it exempts nothing, as it would exempt nothing in the Config rule; match any stack's name (role/*-LOGICALID-*), give the role a RoleName, or pass the parameter"
        ));
    }
    // Notes and the role's name can hold them too: a way of deploying is named after the values
    // it takes (`Parameters ExternalId value …`).
    if let Some(hidden) = &input.sensitive {
        for note in &mut notes {
            *note = redacted(note, hidden);
        }
        input.origin.redact(|text| redacted(text, hidden));
        // The functions that use the role, and the mappings a finding stops, by name.
        for function in &mut input.role.functions {
            *function = redacted(function, hidden);
        }
        for mapping in &mut verdict.stopped {
            mapping.function = redacted(&mapping.function, hidden);
            mapping.source = redacted(&mapping.source, hidden);
        }
    }
    // A note the finding now says is not said twice.
    if let Some(unknown) = &input.unknown_policy {
        if verdict.findings.iter().any(|f| f.message == unknown.why) {
            notes.retain(|note| *note != unknown.why);
        }
    }
    if !params.exempt_role_arn_patterns.is_empty() {
        // An exemption by ARN pattern silently not applying would read as "not exempt".
        if input.role.arn.is_none() {
            // Its account, or else its name (a plan's `name_prefix`, a name known after apply).
            let why = match input.role.account_id {
                None => "the account is not known; pass --account-id",
                Some(_) => "its name is known only once it is created",
            };
            notes.push(format!(
                "exemptRoleArnPatterns can't match this role: its ARN is unknown here ({why})"
            ));
        } else if input.role.account_is_stand_in {
            notes.push(format!(
                "exemptRoleArnPatterns are matched against this role's ARN in the stand-in account {}: pass --account-id",
                crate::inputs::STAND_IN_ACCOUNT
            ));
        }
    }
    let named_in_metadata = |f: &Finding| input.skip.as_ref().is_some_and(|skip| skip.ids.contains(&f.id));
    // Only a baseline needs the file spelt one way: not worked out for every role of a scan.
    let source = baseline.and(input.origin.source.as_deref()).map(same_file);
    let named_in_baseline = |f: &Finding| baseline.is_some_and(|b| b.accepts(&source, &input, f));
    // As the rule's exemptions, a skip or a baseline never hides a CRITICAL finding.
    for finding in verdict.findings.iter().filter(|f| f.is_never_exempt()) {
        for (named, by) in [
            (named_in_metadata(finding), "the template's Metadata skips it"),
            (named_in_baseline(finding), "the baseline accepts it"),
        ] {
            if named {
                notes.push(format!(
                    "{} is still reported although {by}: {} findings are never skipped",
                    finding.id,
                    if finding.severity == Severity::Critical {
                        "CRITICAL"
                    } else {
                        "such"
                    }
                ));
            }
        }
    }
    let in_metadata = |f: &Finding| !f.is_never_exempt() && named_in_metadata(f);
    let verdict = match &verdict.not_applicable_because {
        // Exempt: nothing counts, everything found stays listed.
        Some(because) => {
            let reason = exemption_reason(because, &input, params);
            let mut verdict = verdict;
            skipped.extend(exempted(&mut verdict, &reason));
            verdict
        }
        None if input.skip.is_some() || baseline.is_some() => {
            let (verdict, aside) = verdict.suppressing(set_aside(&input, baseline));
            skipped.extend(aside.into_iter().map(|finding| match (&input.skip, baseline) {
                (Some(skip), _) if in_metadata(&finding) => Skipped {
                    finding,
                    reason: skip.reason.clone(),
                    by: SkippedBy::Metadata,
                },
                (_, baseline) => Skipped {
                    finding,
                    reason: format!("{ACCEPTED_IN_BASELINE} {}", baseline.map_or("", |b| b.path.as_str())),
                    by: SkippedBy::Baseline,
                },
            }));
            verdict
        }
        None => verdict,
    };
    // The suggestion is withheld where it would print a sensitive value: one of the trust's, or a
    // function's name it writes (a pin to the function's ARN).
    let hidden = input.sensitive.as_deref().unwrap_or_default();
    let in_trust = hidden.iter().any(|v| input.document.contains(v.as_str()));
    let in_suggestion = || {
        let suggested = suggested_policy.as_ref().map(|p| p.to_json()).unwrap_or_default();
        hidden.iter().any(|v| suggested.contains(v.as_str()))
    };
    let sensitive = in_trust || in_suggestion();
    if sensitive && suggested_policy.is_some() && verdict.compliance == Compliance::NonCompliant {
        let marked = match input.origin.kind {
            NameKind::LogicalId => "the template's NoEcho parameters give values of this trust policy",
            _ if in_trust => "the plan marks values of this trust policy sensitive",
            _ => "the plan marks values sensitive that the suggested policy would write (a function's name)",
        };
        notes.push(format!(
            "{marked}: they read \"(sensitive)\" in the findings, and the suggested policy is not printed"
        ));
    }
    let suggested_policy = suggested_policy
        .filter(|_| verdict.compliance == Compliance::NonCompliant && !sensitive && !input.deleted)
        .map(|policy| match input.role.account_is_stand_in {
            true => policy.with_account_to_fill_in(crate::inputs::STAND_IN_ACCOUNT),
            false => policy,
        })
        .map(with_open_values_said);
    // Nothing left, because the template or the baseline set it aside: say so, not "no findings".
    let annotation = match (verdict.compliance, skipped.is_empty(), verdict.findings.is_empty()) {
        (Compliance::Compliant, false, true) => {
            let ids: Vec<&str> = skipped.iter().map(|s| s.finding.id.as_str()).collect();
            format!("No findings that count; skipped: {}", ids.join(", "))
        }
        _ => verdict.annotation,
    };
    RoleReport {
        origin: input.origin,
        functions: input.role.functions,
        compliance: verdict.compliance,
        annotation,
        findings: verdict.findings,
        skipped,
        suggested_policy,
        statement_lines: input.statement_lines,
        notes,
        stopped: verdict.stopped,
    }
}

/// A suggested policy that keeps a value the template or plan leaves open (`UNRESOLVED(Ref
/// CiRoleArn)`, an import, a name CloudFormation makes) is no document to paste as printed: a
/// step says to write those values back as the input writes them.
fn with_open_values_said(mut policy: SuggestedPolicy) -> SuggestedPolicy {
    if policy.to_json().contains(trustcheck::OPAQUE_PREFIX) {
        policy.before_applying.push(format!(
            "write each value shown as {}…) back as the template or configuration writes it (a parameter, an import, an attribute known only after apply): the scan could not know it",
            trustcheck::OPAQUE_PREFIX
        ));
    }
    policy
}

/// `text` with each of `values` written "(sensitive)": the longest first, so that one inside
/// another goes whole. Not a value of fewer than four characters, nor `true` or `false`, which
/// would take words and statement numbers with them.
pub(crate) fn redacted(text: &str, values: &[String]) -> String {
    // A parser's message quotes a value escaped (`"Sup3r\"S3cret"`): that form goes too.
    let escaped: Vec<String> = (values.iter())
        .map(|v| format!("{v:?}"))
        .filter_map(|quoted| Some(quoted.strip_prefix('"')?.strip_suffix('"')?.to_owned()))
        .collect();
    let mut values: Vec<&str> = (values.iter().chain(&escaped))
        .map(String::as_str)
        .filter(|v| v.chars().count() >= 4 && !matches!(*v, "true" | "false"))
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut text = text.to_owned();
    for value in values {
        if text.contains(value) {
            text = text.replace(value, "(sensitive)");
        }
    }
    text
}

/// An exempt role's findings, taken out of its verdict: nothing counts, everything found stays
/// listed, skipped for `reason`.
pub(crate) fn exempted(verdict: &mut Verdict, reason: &str) -> Vec<Skipped> {
    (verdict.findings.drain(..))
        .map(|finding| Skipped {
            finding,
            reason: reason.to_owned(),
            by: SkippedBy::Exemption,
        })
        .collect()
}

/// The rule's reason, with the exemption tag's value when it says why.
fn exemption_reason(because: &str, input: &RoleInput, params: &RuleParams) -> String {
    let value = input
        .tags
        .iter()
        .find(|(key, _)| *key == params.exempt_tag_key)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty() && !value.eq_ignore_ascii_case("true"));
    match value {
        Some(value) => format!("{because}: {value}"),
        None => because.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use trustcheck::{FindingId, Role};

    use super::*;
    use crate::inputs::{NameKind, Skip};

    const CROSS_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;

    /// What a finding is about (a baseline's key, SARIF's fingerprint) changes with whom it is
    /// about, not with what changes beside the trust: the functions, a template's lines, the
    /// policy's length.
    #[test]
    fn a_finding_is_about_whom_it_names_not_what_changes_beside_it() {
        let cross = |account: &str| format!("statement 0 trusts the whole account {account}");
        assert_ne!(
            about(FindingId::CrossAccountUnconditioned, &cross("444455556666")),
            about(FindingId::CrossAccountUnconditioned, &cross("999988887777"))
        );
        for (id, one, other) in [
            (
                FindingId::PolicyUnparseable,
                "not JSON; 1 function(s) use this role",
                "not JSON; 2 function(s) use this role",
            ),
            (
                FindingId::PolicyUnparseable,
                "repeats the key `Effect` (line 8, again at line 13)",
                "repeats the key `Effect` (line 9, again at line 14)",
            ),
            (
                FindingId::TrustPolicyInvalid,
                "the policy is 4100 characters long",
                "the policy is 4120 characters long",
            ),
            (FindingId::LambdaTrustExpiring, "in 14 days", "in 13 days"),
        ] {
            assert_eq!(about(id, one), about(id, other), "{id:?}");
        }
    }

    #[test]
    fn a_file_is_the_same_however_its_path_is_spelt() {
        for spelt in ["./infra/a.yaml", "infra//a.yaml", "infra/./a.yaml", "infra/a.yaml"] {
            assert_eq!(same_file(spelt), "infra/a.yaml", "{spelt}");
        }
        assert_eq!(same_file("/repo/./infra/a.yaml"), "/repo/infra/a.yaml");
        assert_ne!(same_file("infra/a.yaml"), same_file("other/a.yaml"));
    }

    fn input(skip: Option<Skip>, tags: Vec<(String, String)>) -> RoleInput {
        let origin = Origin {
            source: Some("t.yaml".into()),
            name: "R".into(),
            kind: NameKind::LogicalId,
            line: Some(3),
            arn: None,
            deployed: None,
        };
        let role = Role {
            account_id: Some("111122223333".into()),
            ..Role::default()
        };
        let mut input = RoleInput::new(origin, CROSS_ACCOUNT.into(), role).with_tags(tags);
        input.skip = skip;
        input
    }

    fn report(input: RoleInput) -> RoleReport {
        let params = RuleParams::default();
        let mut scanned = Scanned::default();
        scanned.roles.push(input);
        evaluate(scanned, &params, None).roles.remove(0)
    }

    #[test]
    fn unsuppressed_role_fails_with_a_fix() {
        let r = report(input(None, vec![]));
        assert_eq!(r.compliance, Compliance::NonCompliant);
        assert_eq!(r.findings[0].id, FindingId::CrossAccountUnconditioned);
        assert!(r.suggested_policy.is_some());
        assert!(r.skipped.is_empty());
    }

    #[test]
    fn metadata_skip_moves_findings_and_decides_again() {
        let skip = Skip {
            ids: vec![FindingId::CrossAccountUnconditioned],
            reason: "the audit account".into(),
        };
        let r = report(input(Some(skip), vec![]));
        assert_eq!(r.compliance, Compliance::Compliant);
        assert!(r.findings.is_empty());
        assert_eq!(r.skipped[0].finding.id, FindingId::CrossAccountUnconditioned);
        assert_eq!(r.skipped[0].reason, "the audit account");
        assert_eq!(r.skipped[0].by, SkippedBy::Metadata);
        assert!(r.suggested_policy.is_none());
    }

    #[test]
    fn a_metadata_skip_never_hides_a_critical_finding() {
        let skip = Skip {
            ids: vec![FindingId::TrustPublic, FindingId::CrossAccountUnconditioned],
            reason: "public by design".into(),
        };
        let mut open = input(Some(skip), vec![]);
        open.document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#.into();
        let r = report(open);
        assert_eq!(r.compliance, Compliance::NonCompliant);
        assert_eq!(r.findings[0].id, FindingId::TrustPublic);
        assert!(r.skipped.is_empty());
        assert!(
            r.notes.iter().any(|n| n
                == "TRUST_PUBLIC is still reported although the template's Metadata skips it: CRITICAL findings are never skipped"),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn exemption_tag_lists_every_finding_as_skipped_with_the_tag_value() {
        let tags = vec![("trustcheck:exempt".to_owned(), "break-glass, INC-42".to_owned())];
        let r = report(input(None, tags));
        assert_eq!(r.compliance, Compliance::NotApplicable);
        assert!(r.findings.is_empty());
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(
            r.skipped[0].reason,
            "exempt by tag trustcheck:exempt: break-glass, INC-42"
        );
        assert_eq!(r.skipped[0].by, SkippedBy::Exemption);
        assert!(r.annotation.contains("would be NON_COMPLIANT"));
    }
}
