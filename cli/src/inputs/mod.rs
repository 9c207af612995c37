//! Readers: each turns one kind of input (a template, a Terraform plan, an account) into the roles
//! to evaluate, each with where it came from. Evaluating them is `scan`'s business.

pub(crate) mod account;
mod edge;
mod for_each;
mod intrinsics;
mod lenient;
mod policy_document;
pub(crate) mod sources;
pub(crate) mod template;
pub(crate) mod terraform;
pub(crate) mod yaml;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use trustcheck::{FindingId, Role};

use crate::error::InputError;

/// The account a template or plan stands for when `--account-id` isn't given: evaluated as if
/// real, and said so in a note. (Not the suggested policy's `ACCOUNT_ID`, a token to replace.)
pub(crate) const STAND_IN_ACCOUNT: &str = "123456789012";

/// The partition of a region (`cn-north-1` is in `aws-cn`): the ARNs the CLI builds and
/// `AWS::Partition` must be the ones AWS would use there.
pub(crate) fn partition(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// An OIDC provider's name in its ARN, from its URL: the host and path as written, the scheme
/// (in any case, as IAM takes it) left out, a trailing `/` kept (IAM keeps it, and its keys have it).
pub(crate) fn oidc_issuer(url: &str) -> &str {
    (url.get(..8))
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .and_then(|_| url.get(8..))
        .unwrap_or(url)
}

/// `AWS::URLSuffix` of a region's partition.
pub(crate) fn url_suffix(region: &str) -> &'static str {
    match partition(region) {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

/// The line on which each statement of a policy document starts, from the positions the reader
/// keeps (JSON is YAML to it). None for a document it can't read (percent-encoded, malformed).
pub(crate) fn statement_lines(document: &str) -> Vec<usize> {
    let Ok(Some(policy)) = yaml::parse(document) else {
        return Vec::new();
    };
    let Some(statement) = policy.get("Statement") else {
        return Vec::new();
    };
    match &statement.value {
        yaml::Value::Seq(items) => items.iter().map(|item| item.pos.line).collect(),
        yaml::Value::Map(_) => vec![statement.pos.line],
        _ => Vec::new(),
    }
}

/// The statement of `document` (JSON text) that holds a parser's position in it (`line`,
/// `column`): the last one that starts at or before it.
pub(crate) fn statement_at(document: &str, line: usize, column: usize) -> Option<usize> {
    let policy = yaml::parse(document).ok()??;
    let statement = policy.get("Statement")?;
    let before = |pos: &yaml::Pos| (pos.line, pos.column) <= (line, column);
    match &statement.value {
        yaml::Value::Seq(items) => items.iter().rposition(|item| before(&item.pos)),
        yaml::Value::Map(_) => before(&statement.pos).then_some(0),
        _ => None,
    }
}

/// How a role is named where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// A template's logical id.
    LogicalId,
    /// A Terraform resource address.
    Address,
    /// An IAM role name (an account audit).
    RoleName,
    /// The policy file itself (`trustcheck policy`).
    Policy,
}

impl NameKind {
    /// The JSON key the name goes under.
    pub fn key(self) -> &'static str {
        match self {
            NameKind::LogicalId => "logical_id",
            NameKind::Address => "address",
            NameKind::RoleName => "name",
            NameKind::Policy => "policy",
        }
    }
}

/// Where a role came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The file it was read from; `None` for a live account.
    pub source: Option<String>,
    pub name: String,
    pub kind: NameKind,
    /// The line of the logical id in the template.
    pub line: Option<usize>,
    /// The role's real ARN, when the input knows it (not one made up for a template).
    pub arn: Option<String>,
    /// A nested stack's role judged as a parent deploys it: its own name, and the parent's
    /// (`name` then reads `Role (as parent.yaml Iam)`).
    pub deployed: Option<(String, DeployedBy)>,
}

impl Origin {
    /// Rewrites every text of the origin that can hold a template's values (its names: a way of
    /// deploying is named after the values it takes) as `redact` does.
    pub fn redact(&mut self, redact: impl Fn(&str) -> String) {
        self.name = redact(&self.name);
        if let Some((role, by)) = &mut self.deployed {
            *role = redact(role);
            by.stack = redact(&by.stack);
        }
    }

    /// The role's name with a parent that deploys it named as `parent_as` spells the parent's
    /// path (SARIF's from the repository's root, so that an alert keeps its fingerprint
    /// wherever the scan runs).
    pub fn name_with_parent_as(&self, parent_as: impl FnOnce(&str) -> String) -> String {
        match &self.deployed {
            Some((role, by)) => format!("{role} (as {})", by.with_parent_as(&parent_as(&by.parent))),
            None => self.name.clone(),
        }
    }
}

/// Findings a template documents as accepted for one role (`Metadata: trustcheck: {skip, reason}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skip {
    pub ids: Vec<FindingId>,
    pub reason: String,
}

/// A role to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleInput {
    pub origin: Origin,
    /// The trust policy as JSON text (intrinsics already resolved).
    pub document: String,
    pub role: Role,
    /// Tags as key and value (the keys are also in `role.tag_keys`): the exemption tag's value
    /// becomes part of the reason a role is skipped.
    pub tags: Vec<(String, String)>,
    pub skip: Option<Skip>,
    /// The line on which each statement of the trust policy starts, by statement index.
    pub statement_lines: Vec<usize>,
    /// What the reader could not resolve or had to assume for this role.
    pub notes: Vec<String>,
    /// The other trust policies the template can deploy for this role (conditions it can't
    /// decide), each with how its conditions go: the role is judged on the worst.
    pub alternatives: Vec<Deployment>,
    /// Judged as the worst of several deployments (its [`RoleInput::alternatives`] before the
    /// worst was picked): which one that is, and so what its findings say, can change from run
    /// to run with a baseline.
    pub several_deployments: bool,
    /// Why the input can't show the trust policy at all, and what to do about it: said by its
    /// `POLICY_UNPARSEABLE` finding instead of the parser's complaint about an empty document.
    pub unknown_policy: Option<UnknownPolicy>,
    /// `Some` when the plan marks the trust policy, or what makes it, sensitive (Terraform
    /// prints "(sensitive value)"), with the values to hide: its condition values, a stack's
    /// parameters. Written as "(sensitive)" wherever a finding would quote them, and no
    /// suggested policy, which would print them.
    pub sensitive: Option<Vec<String>>,
    /// The change deletes the role while functions still use it: no trust policy brings it
    /// back, so none is suggested.
    pub deleted: bool,
}

/// The values of every condition of a trust policy (JSON text): what a sensitive one would show.
/// An ARN's account and resource too, which findings quote on their own.
pub(crate) fn condition_values(document: &str) -> Vec<String> {
    let mut values = Vec::new();
    let Ok(policy) = serde_json::from_str::<serde_json::Value>(document) else {
        return values;
    };
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(list) => list.iter().collect(),
        one => vec![one],
    };
    for statement in statements {
        if let Some(conditions) = statement.get("Condition") {
            collect_strings(conditions, &mut values);
        }
    }
    with_parts(values)
}

/// A stack's sensitive parameter `values`, with what a role's trust `document` made of a part of
/// one (a `CommaDelimitedList`'s item, `Fn::Split`'s or `Fn::Select`'s piece, whatever the
/// delimiter): each string of the document, and each piece of it between characters no name
/// has (of eight characters or with a digit), that lies within a sensitive value; and, of a
/// sensitive value it doesn't hold whole, each piece it holds as a piece and each list item. Only those: a piece of a value the trust doesn't use,
/// or a word such as `root`, would take the same word out of every message.
pub(crate) fn with_derived(mut values: Vec<String>, document: &str) -> Vec<String> {
    const WORDS: [&str; 8] = [
        "root",
        "role",
        "user",
        "group",
        "function",
        "lambda",
        "amazonaws",
        "service-role",
    ];
    let mut strings = Vec::new();
    if let Ok(policy) = serde_json::from_str::<serde_json::Value>(document) {
        collect_strings(&policy, &mut strings);
    }
    // A piece of a string, to be taken for part of a secret, has a digit or some length: `repo` of
    // a sensitive `repo:*` would take the word out of every fix.
    let telling = |piece: &str| piece.chars().count() >= 8 || piece.bytes().any(|b| b.is_ascii_digit());
    let mut derived = Vec::new();
    for text in &strings {
        let pieces = (text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))).filter(|p| telling(p));
        for candidate in std::iter::once(text.as_str()).chain(pieces) {
            let within = |v: &String| v.contains(candidate);
            if candidate.chars().count() >= 4 && !WORDS.contains(&candidate) && values.iter().any(within) {
                derived.push(candidate.to_owned());
            }
        }
    }
    // A value the trust doesn't hold whole was cut: its own pieces (`Fn::Split`'s parts), however
    // short, where the trust holds one as a piece of its own (`hrapp` of `hrapp,payroll` in
    // `…:role/hrapp`), and a list's items (CloudFormation cuts a `CommaDelimitedList` at its
    // commas) wherever the trust holds them (`ops.eu` in `…:role/ops.eu`, `hrapp` in
    // `…:role/hrapp-admin`). Not a value held whole: its words would leave every message.
    let pieces_of = |text: &str| {
        (text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')))
            .filter(|p| p.chars().count() >= 4 && !WORDS.contains(p))
            .map(str::to_owned)
            .collect::<Vec<String>>()
    };
    let held: Vec<String> = strings.iter().flat_map(|s| pieces_of(s)).collect();
    let holds = |part: &str| strings.iter().any(|s| s.contains(part));
    for value in values.iter().filter(|v| !holds(v)) {
        derived.extend(pieces_of(value).into_iter().filter(|p| held.contains(p)));
        let items = value
            .split(',')
            .map(str::trim)
            .filter(|i| i.chars().count() >= 4 && *i != value);
        derived.extend(items.filter(|i| holds(i)).map(str::to_owned));
    }
    values.append(&mut derived);
    with_parts(values)
}

/// Every string (and number) in `value`.
pub(crate) fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => out.push(text.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// `values` with the parts of each ARN a finding may quote on its own: its account, what
/// follows the resource type (`oidc-provider/HOST`'s host) and its last name.
pub(crate) fn with_parts(mut values: Vec<String>) -> Vec<String> {
    let mut parts = Vec::new();
    for value in &values {
        if let ["arn", _, _, _, account, resource] = value.splitn(6, ':').collect::<Vec<_>>()[..] {
            parts.push(account.to_owned());
            if let Some((_, name)) = resource.split_once('/') {
                parts.push(name.to_owned());
            }
            // The name a finding quotes alone: a queue's (`arn:aws:sqs:…:orders`), a
            // function's (`function:orders`), a path's last.
            parts.extend(resource.rsplit(['/', ':']).next().map(str::to_owned));
        }
    }
    values.extend(parts);
    values
}

/// One way a template can deploy a role ([`RoleInput::alternatives`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deployment {
    /// How its conditions go (empty: as written).
    pub label: String,
    /// The trust policy then.
    pub document: String,
    /// The line each of its statements starts on.
    pub statement_lines: Vec<usize>,
    /// The functions that are named otherwise then (`orders-${Env}`), as their ARN by default
    /// and their ARN in that deployment.
    pub renamed: Vec<(String, String)>,
    /// The functions (as their ARN by default) whose `Condition` is false then: not deployed.
    pub absent: Vec<String>,
    /// The role's functions (as their ARN by default) that CloudFront runs at the edge as the
    /// template is written but not then: no distribution made then associates them (one whose
    /// `Condition` is false then is not made).
    pub not_at_edge: Vec<String>,
    /// The mappings of the role's functions that the template makes as written but not then.
    /// What a way leaves out, not what it has: a role used from other scanned templates keeps
    /// the mappings their functions add.
    pub mappings_not_made: Vec<trustcheck::EventSource>,
}

impl Deployment {
    /// Whether the role's functions, at the edge or not, and their mappings are as written.
    pub fn is_as_written(&self) -> bool {
        self.renamed.is_empty()
            && self.absent.is_empty()
            && self.not_at_edge.is_empty()
            && self.mappings_not_made.is_empty()
    }

    /// Whether `other` judges the role alike: the same trust policy and the same functions, at
    /// the edge and with their mappings, whatever the way is called.
    pub fn judges_as(&self, other: &Deployment) -> bool {
        self.document == other.document
            && self.renamed == other.renamed
            && self.absent == other.absent
            && self.not_at_edge == other.not_at_edge
            && self.mappings_not_made == other.mappings_not_made
    }

    /// The role as this deployment has it: its functions, those at the edge and their mappings,
    /// by their names then; none that isn't deployed then.
    pub fn role(&self, role: &Role) -> Role {
        let renamed = |function: &mut String| {
            if let Some((_, then)) = self.renamed.iter().find(|(default, _)| default == function) {
                function.clone_from(then);
            }
        };
        let mut role = role.clone();
        for mapping in &self.mappings_not_made {
            if let Some(at) = role.event_sources.iter().position(|s| s == mapping) {
                role.event_sources.remove(at);
            }
        }
        role.functions.retain(|f| !self.absent.contains(f));
        role.edge_functions
            .retain(|f| !self.absent.contains(f) && !self.not_at_edge.contains(f));
        role.event_sources.retain(|s| !self.absent.contains(&s.function));
        role.functions.iter_mut().for_each(renamed);
        role.edge_functions.iter_mut().for_each(renamed);
        role.event_sources.iter_mut().for_each(|s| renamed(&mut s.function));
        role
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnknownPolicy {
    pub why: String,
    pub fix: String,
}

impl RoleInput {
    /// Whether `other` is the same role read the same way: same place, trust policies and users,
    /// whatever its notes say (readings of it under each way of deploying its parent compare so,
    /// and only one that judges something else is reported).
    pub fn reads_as(&self, other: &RoleInput) -> bool {
        let same_alternatives = self.alternatives.len() == other.alternatives.len()
            && (self.alternatives.iter().zip(&other.alternatives)).all(|(a, b)| a.judges_as(b));
        self.origin.source == other.origin.source
            && self.origin.name == other.origin.name
            && self.document == other.document
            && self.role == other.role
            && self.skip == other.skip
            && self.tags == other.tags
            && self.sensitive == other.sensitive
            && same_alternatives
    }

    pub fn new(origin: Origin, document: String, role: Role) -> RoleInput {
        RoleInput {
            origin,
            document,
            role,
            tags: Vec::new(),
            skip: None,
            statement_lines: Vec::new(),
            notes: Vec::new(),
            alternatives: Vec::new(),
            several_deployments: false,
            unknown_policy: None,
            sensitive: None,
            deleted: false,
        }
    }

    pub fn with_tags(mut self, tags: Vec<(String, String)>) -> RoleInput {
        self.role.tag_keys = tags.iter().map(|(k, _)| k.clone()).collect();
        self.role.tag_values = tags.clone();
        self.tags = tags;
        self
    }
}

/// The roles one input holds, and notes about the input as a whole.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub roles: Vec<RoleInput>,
    pub notes: Vec<String>,
    /// The parameters the templates declare: a `--parameter` none of them declares is a typo
    /// or meant for another template, and the scan used the defaults instead.
    pub parameters_declared: BTreeSet<String>,
    /// Those of them some template allows the given value of (no `AllowedValues`, or one of them).
    pub parameters_taken: BTreeSet<String>,
    /// The given parameters some template refuses the value of, with why (the first such).
    pub parameters_refused: std::collections::BTreeMap<String, String>,
    /// Roles the templates export, and functions that use a role by importing it
    /// ([`Scanned::link_imported_roles`]).
    pub exports: Vec<RoleExport>,
    pub imports: Vec<CrossStackUse>,
    /// A name a role is passed under that stands for another: a parent passing a nested stack's
    /// output (`!GetAtt Iam.Outputs.RoleArn`) to another nested stack's parameter.
    pub aliases: Vec<(String, String)>,
    /// The file names of the templates read.
    pub files: Vec<String>,
    /// Those of `files` read from a parent's local path without being given: each is that
    /// parent's, by its path, and takes no file name a URL names.
    pub followed: Vec<String>,
    /// The notes that a nested stack's template was not read, with that template's file name and
    /// whether the parent gives it as a local path: dropped once it is read too
    /// ([`Scanned::drop_notes_of_read_templates`]).
    pub nested: Vec<(String, String, bool)>,
    /// The templates of nested stacks given by a local path (`TemplateURL: ./child.yaml`), beside
    /// the parent as it was named, and the stack that deploys each.
    pub nested_files: Vec<(std::path::PathBuf, DeployedBy)>,
    /// The parameter values parents pass their nested stacks' local templates: a scanned child
    /// is judged with them, not with its own defaults.
    pub passes: Vec<NestedPass>,
}

/// The parameters one nested stack passes the template at `child` ([`template::nested_links`]).
#[derive(Debug, Clone)]
pub(crate) struct NestedPass {
    pub child: String,
    /// Values every deployment of the parent passes alike.
    pub values: Vec<(String, String)>,
    /// Values that rest on the parent's own defaults: another deployment of it may pass others.
    pub defaults: Vec<(String, String)>,
    /// The values of the parent's `NoEcho` parameters: secret in the child too, whatever it
    /// declares.
    pub secrets: Vec<String>,
    /// The parent template and the nested stack's logical id, for the note.
    pub by: DeployedBy,
    /// The parent template, as [`template::nested_links`] links it.
    pub parent: String,
    /// Where the nested stack's template is, as written (a URL without its query).
    pub location: String,
    /// Why the values can't be read (more ways of deploying the parent than are checked): said
    /// only when the child's template is scanned too, whose readings as deployed it leaves
    /// unjudged. The parent's own roles are judged all the same.
    pub unreadable: Option<String>,
}

/// The parent template that deploys a nested stack, and how: the stack's logical id, and the
/// condition values of one way of deploying it (`Iam (IsProd false)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeployedBy {
    /// The parent's path as given.
    pub parent: String,
    /// The nested stack's logical id, and the way of deploying it, if there are several.
    pub stack: String,
}

impl DeployedBy {
    /// `infra/parent.yaml Iam`, the parent's path spelt one way (as the baseline keys files).
    pub fn with_parent_as(&self, parent: &str) -> String {
        format!("{} {}", crate::scan::same_file(parent), self.stack)
    }
}

impl std::fmt::Display for DeployedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.with_parent_as(&self.parent))
    }
}

/// A role a template exports (`Outputs: X: {Value: !GetAtt R.Arn, Export: {Name: N}}`), or passes
/// to a nested stack's parameter (named as `nested_parameter_link` names it).
#[derive(Debug, Clone)]
pub(crate) struct RoleExport {
    /// The export's name; a part the template can't know (`${AWS::StackName}`) is opaque in it.
    pub name: String,
    pub source: String,
    /// The role's logical id in `source`.
    pub role: String,
}

/// A function whose `Role` is `Fn::ImportValue` of an export (CDK writes every cross-stack
/// reference so), or a parameter its parent stack passes (CDK's nested stacks): a role in one
/// stack used by a function in another is a Lambda role only once the two templates are read
/// together.
#[derive(Debug, Clone)]
pub(crate) struct CrossStackUse {
    pub export: String,
    /// The note when no scanned template exports it.
    pub unlinked: String,
    /// The function as the role's users are named.
    pub function: String,
    pub event_sources: Vec<trustcheck::EventSource>,
}

impl Scanned {
    pub fn extend(&mut self, other: Scanned) {
        self.roles.extend(other.roles);
        self.parameters_declared.extend(other.parameters_declared);
        self.parameters_taken.extend(other.parameters_taken);
        for (name, why) in other.parameters_refused {
            self.parameters_refused.entry(name).or_insert(why);
        }
        self.exports.extend(other.exports);
        self.imports.extend(other.imports);
        self.aliases.extend(other.aliases);
        self.files.extend(other.files);
        self.followed.extend(other.followed);
        self.nested.extend(other.nested);
        self.nested_files.extend(other.nested_files);
        self.passes.extend(other.passes);
        for note in other.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }
}

impl CrossStackUse {
    pub fn new(export: String, unlinked: String, function: &str) -> CrossStackUse {
        CrossStackUse {
            export,
            unlinked,
            function: function.to_owned(),
            event_sources: Vec::new(),
        }
    }
}

impl Scanned {
    /// How many templates read a nested stack's URL of file name `file` may name: those given,
    /// not those read from a parent's local path ([`Scanned::followed`]).
    fn read_by_name(&self, file: &str) -> usize {
        let named = |files: &[String]| files.iter().filter(|f| *f == file).count();
        named(&self.files) - named(&self.followed)
    }

    /// Drops the note that a nested stack's roles are checked only if its template is scanned,
    /// for the nested templates that were.
    /// A template read from a parent's local path answers that parent's note only: not a note
    /// of a template given by URL that has its file name (every SAM app's `template.yaml`).
    pub fn drop_notes_of_read_templates(&mut self) {
        let read = |file: &str, local: bool| match local {
            true => self.files.iter().any(|f| f == file),
            false => self.read_by_name(file) > 0,
        };
        let said: Vec<String> = (self.nested.iter())
            .filter(|(_, file, local)| read(file, *local))
            .map(|(note, ..)| note.clone())
            .collect();
        self.notes.retain(|note| !said.contains(note));
    }

    /// Gives each exported role the functions of the other templates that import it (and their
    /// event sources), so it is judged as the Lambda role it is; an import no scanned template
    /// exports is noted.
    pub fn link_imported_roles(&mut self) {
        // A function may be looked for twice (a nested template by path, and by file name): it
        // is noted only when neither finds its role.
        let mut unlinked: Vec<String> = Vec::new();
        let mut linked: std::collections::HashSet<String> = std::collections::HashSet::new();
        let imports = std::mem::take(&mut self.imports);
        for import in self.with_aliases(imports) {
            // A nested template named by a URL is known by its file name only: not when two
            // templates read have that name (a `template.yaml` in each SAM app).
            let by_file_name = import
                .export
                .strip_prefix("name:")
                .and_then(|rest| rest.split_once('#'));
            if by_file_name.is_some_and(|(name, _)| self.read_by_name(name) != 1) {
                unlinked.push(import.unlinked);
                continue;
            }
            // By name, else by the one export whose unknown parts (`${AWS::StackName}-RoleArn`,
            // as AWS's cross-stack walkthrough writes it) the imported name can fill.
            let mut named = self.exports.iter().filter(|export| export.name == import.export);
            let by_name = named.next();
            let ambiguous =
                by_name.is_some_and(|first| named.any(|o| o.role != first.role || o.source != first.source));
            let filled: Vec<&RoleExport> = self
                .exports
                .iter()
                .filter(|e| names_with_unknowns(&e.name, &import.export))
                .collect();
            // A role ARN written with the real account names the scanned role of that name and
            // path, whose ARN has the stand-in account when no --account-id is given.
            let by_role_name: Vec<&RoleExport> = match by_name {
                Some(_) => Vec::new(),
                None => self
                    .exports
                    .iter()
                    .filter(|e| same_role_in_stand_in_account(&e.name, &import.export))
                    .collect(),
            };
            // Several roles under one name, or that it can be: one child nested twice by path
            // (`./app/child.yaml` with two roles), the stages of a CDK app, a copy of the
            // templates per environment, two templates naming their role alike, two exports named
            // after their stacks. Each is the function's in the deployment where it is the one:
            // every one of them is judged with it (taking none would pass a broken one, and a
            // second copy of a role must never turn a failing scan green).
            let several: Vec<RoleExport> = if ambiguous {
                (self.exports.iter())
                    .filter(|e| e.name == import.export)
                    .cloned()
                    .collect()
            } else if by_name.is_none() && filled.len() > 1 {
                filled.iter().map(|e| (*e).clone()).collect()
            } else if by_name.is_none() && filled.is_empty() && by_role_name.len() > 1 {
                by_role_name.iter().map(|e| (*e).clone()).collect()
            } else {
                Vec::new()
            };
            // The roles it is taken to use, and what a note on each says of why.
            let (candidates, note): (Vec<RoleExport>, Option<String>) = if several.is_empty() {
                let exported = by_name.or(match (&filled[..], &by_role_name[..]) {
                    ([one], _) | ([], [one]) => Some(*one),
                    _ => None,
                });
                let filled_in = exported.filter(|_| by_name.is_none()).map(|export| {
                    format!(
                        "{} is taken to use this role: it imports {}, the export {} of {} once its unknown parts are filled so",
                        import.function, import.export, export.name, export.source
                    )
                });
                (exported.into_iter().cloned().collect(), filled_in)
            } else {
                let sources: Vec<&str> = several.iter().map(|e| e.source.as_str()).collect();
                let note = (!import.export.starts_with("path:")).then(|| {
                    format!(
                        "{} is taken to use this role: it uses {}, which {} scanned roles can be (in {}); each is judged as its role",
                        import.function,
                        import.export,
                        several.len(),
                        sources.join(", ")
                    )
                });
                (several, note)
            };
            for export in &candidates {
                // Every reading of the role (as it stands, as a parent deploys it).
                let roles = (self.roles.iter_mut()).filter(|r| {
                    r.origin.source.as_deref() == Some(export.source.as_str()) && r.origin.name == export.role
                });
                for role in roles {
                    if let Some(note) = note.as_ref().filter(|note| !role.notes.contains(note)) {
                        role.notes.push(note.clone());
                    }
                    attach(role, &import);
                    linked.insert(import.unlinked.clone());
                }
            }
            // Noted at the end unless this import, or another look for it, found a role.
            unlinked.push(import.unlinked);
        }
        for note in unlinked {
            if !linked.contains(&note) && !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }
}

impl Scanned {
    /// Each import, and again under each name its export stands for ([`Scanned::aliases`]): a
    /// nested template's parameter may be passed a role by one stack and another stack's output
    /// by another, so every one of them is looked up. Bounded: a crafted web of aliases can
    /// neither loop nor multiply without end.
    fn with_aliases(&self, imports: Vec<CrossStackUse>) -> Vec<CrossStackUse> {
        const MAX_NAMES: usize = 16;
        let mut all = Vec::with_capacity(imports.len());
        for import in imports {
            let mut names = vec![import.export.clone()];
            let mut next = 0;
            while let Some(name) = names.get(next).cloned() {
                next += 1;
                for (_, to) in self.aliases.iter().filter(|(from, _)| *from == name) {
                    if names.len() < MAX_NAMES && !names.contains(to) {
                        names.push(to.clone());
                    }
                }
            }
            for name in names.into_iter().skip(1) {
                all.push(CrossStackUse {
                    export: name,
                    ..import.clone()
                });
            }
            all.push(import);
        }
        all
    }
}

/// `import`'s function, and its mappings, as users of `role`.
fn attach(role: &mut RoleInput, import: &CrossStackUse) {
    if !role.role.functions.contains(&import.function) {
        role.role.functions.push(import.function.clone());
    }
    // Two stacks' functions may share a logical id (CDK gives one construct path in two stacks
    // the same), so one name can stand for two functions: each one's sources count.
    for source in &import.event_sources {
        if !role.role.event_sources.contains(source) {
            role.role.event_sources.push(source.clone());
        }
    }
}

/// Whether `scanned` is a role ARN in the stand-in account and `named` the same role's ARN in
/// some account: same partition, path and name.
fn same_role_in_stand_in_account(scanned: &str, named: &str) -> bool {
    fn fields(arn: &str) -> Option<(&str, &str, &str)> {
        let mut parts = arn.splitn(6, ':');
        let [Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)] =
            std::array::from_fn(|_| parts.next())
        else {
            return None;
        };
        resource.starts_with("role/").then_some((partition, account, resource))
    }
    match (fields(scanned), fields(named)) {
        (Some((partition, account, role)), Some(named)) => {
            account == STAND_IN_ACCOUNT && (partition, role) == (named.0, named.2)
        }
        _ => false,
    }
}

/// Whether `name` is `pattern` with each of its opaque parts (`UNRESOLVED(…)`, whose text holds no
/// parenthesis) filled by some text.
fn names_with_unknowns(pattern: &str, name: &str) -> bool {
    if !trustcheck::holds_opaque(pattern) || trustcheck::holds_opaque(name) {
        return false;
    }
    let mut parts = pattern.split(trustcheck::OPAQUE_PREFIX);
    let mut pieces = vec![parts.next().unwrap_or_default()];
    for part in parts {
        let Some((_, after)) = part.split_once(')') else {
            return false;
        };
        pieces.push(after);
    }
    let (Some((first, pieces)), Some(last)) = (pieces.split_first(), pieces.last()) else {
        return false;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    // Each unknown part is one character at least.
    for piece in &pieces[..pieces.len() - 1] {
        let Some(at) = rest.get(1..).and_then(|r| r.find(piece)) else {
            return false;
        };
        rest = &rest[1 + at + piece.len()..];
    }
    rest.len() > last.len() && rest.ends_with(last)
}

/// What a template or plan alone doesn't say about where it will be deployed.
/// The region a template or plan is taken to deploy to when `--region` doesn't say.
pub(crate) const DEFAULT_REGION: &str = "us-east-1";

/// The region every Lambda function ARN in `texts` writes out (`arn:aws:lambda:eu-west-1:…`),
/// when they all write the same one: a template's or plan's trust policies, whose functions'
/// region the scan isn't told, name their own region so.
pub(crate) fn one_region_of_functions<'t>(texts: impl IntoIterator<Item = &'t str>) -> Option<&'t str> {
    let mut regions: Vec<&str> = Vec::new();
    for text in texts {
        let written = (text.split(":lambda:").skip(1))
            .filter_map(|rest| rest.split(':').next())
            .filter(|region| trustcheck::is_region(region));
        for region in written {
            if !regions.contains(&region) {
                regions.push(region);
            }
        }
    }
    match regions[..] {
        [region] => Some(region),
        _ => None,
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct StackOptions {
    pub account_id: Option<String>,
    pub region: String,
    /// `--region` was given: it may decide a template's conditions.
    pub region_given: bool,
    /// `--parameter NAME=VALUE`: template parameters.
    pub parameters: Vec<(String, String)>,
    /// Defaults a parent gives the template's parameters (values that rest on the parent's own
    /// defaults): in place of the template's `Default`, not given.
    pub defaults: Vec<(String, String)>,
    /// Values a parent marks `NoEcho`: never printed ([`RoleInput::sensitive`]).
    pub secrets: Vec<String>,
    /// How many stack sets' inline templates (`TemplateBody`) enclose this one.
    pub stack_set_depth: usize,
    /// What the inline templates of stack sets in the file read so far took (shared by the
    /// copies of these options its stack sets' templates are read with).
    pub stack_sets: std::rc::Rc<StackSetsRead>,
}

/// The inline templates of stack sets one file holds, nested ones included, and their nodes,
/// aliases expanded: each is parsed with budgets of its own, so the file's sum is bounded here.
#[derive(Debug, Default)]
pub(crate) struct StackSetsRead {
    pub bodies: std::cell::Cell<usize>,
    pub nodes: std::cell::Cell<usize>,
}

impl StackOptions {
    /// The deployment account; the placeholder, noted once, when it isn't given.
    pub fn account(&self, notes: &mut Vec<String>) -> String {
        if let Some(account) = &self.account_id {
            return account.clone();
        }
        // A stack set's template deploys into the accounts the set targets, whatever is given.
        let note = if self.stack_set_depth > 0 {
            format!(
                "a stack set's template deploys into every account the set targets: {STAND_IN_ACCOUNT} stands in for each (AWS::AccountId, role and function ARNs)"
            )
        } else {
            format!(
                "the account is not given: {STAND_IN_ACCOUNT} stands in for it (AWS::AccountId, role and function ARNs); pass --account-id"
            )
        };
        if !notes.contains(&note) {
            notes.push(note);
        }
        STAND_IN_ACCOUNT.to_owned()
    }
}

/// Directories a search for inputs never enters unless named: dependencies, history, build output.
/// `.aws-sam` holds the copies `sam build` writes of the templates beside it.
const SKIPPED_DIRS: [&str; 9] = [
    "node_modules",
    ".git",
    "cdk.out",
    ".terraform",
    ".aws-sam",
    // Python environments: SAM CLI installed in one brings its cookiecutter templates, which are
    // no CloudFormation until rendered.
    ".venv",
    "venv",
    ".tox",
    "site-packages",
];

/// The files the user pointed at: a file as given; a directory searched (in name order) for files
/// with one of `extensions` whose text `recognised` accepts, skipping [`SKIPPED_DIRS`] below it.
/// A directory with no such file is an error that says so, rather than a silent pass. With
/// `only_recognised` (pre-commit hands over every changed YAML or JSON file), named files that
/// `recognised` refuses are left out too, and finding nothing is no error (save a quoted glob that
/// matches no file at all: a mistyped pattern). Also the directories a
/// search passed over that hold what it looks for (a CDK app's `cdk.out` beside the templates
/// found): worth a note, since a scan that finds something else passes quietly.
pub(crate) fn expand(
    paths: &[std::path::PathBuf],
    extensions: &[&str],
    what: &str,
    recognised: impl Fn(&str) -> bool,
    only_recognised: bool,
) -> Result<(Vec<std::path::PathBuf>, Vec<std::path::PathBuf>), InputError> {
    let mut passed_over = Vec::new();
    // Recognised by its text as the scan reads it (UTF-8, or UTF-16 with its byte order mark, as
    // PowerShell's `>` writes it). A file in another encoding that reads as a template or plan all
    // the same (what is recognised is ASCII), a broken UTF-16 one, or one that can't be read, is
    // kept: reading it later says why, as an error, rather than the scan passing it over. Another
    // file in another encoding (a Latin-1 data file beside the templates) is passed over.
    let is_recognised = |file: &Path| match std::fs::read(file) {
        Ok(bytes) => match text_of(&bytes) {
            Ok(text) => recognised(&text),
            Err(_) => {
                matches!(bytes.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..])
                    || recognised(&String::from_utf8_lossy(&bytes))
            }
        },
        Err(_) => true,
    };
    let mut files = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        // `-` is standard input to `policy`; a scan reads files, and a template's nested ones
        // beside it.
        if text == "-" && !path.exists() {
            return Err(InputError::Shape {
                path: text.into_owned(),
                message: format!(
                    "standard input is read by `trustcheck policy` only: pass the {what} as a file (or /dev/stdin)"
                ),
            });
        }
        let (found, nothing) = if !path.exists() && text.contains(['*', '?', '[']) {
            // A quoted glob (`'infra/**/*.yaml'`): the files it names, as if named one by one.
            // One that names no file at all is a mistyped pattern, even where finding no
            // template is no error: a gate that scanned nothing must not pass.
            let matched = glob_files(&text)?;
            if matched.is_empty() {
                return Err(InputError::NoMatch {
                    pattern: text.into_owned(),
                });
            }
            let kept: Vec<_> = matched
                .into_iter()
                .filter(|f| !only_recognised || is_recognised(f))
                .collect();
            (kept, None)
        } else if path.is_dir() {
            let (below, skipped) = files_below(path)?;
            // Skipped directories that hold files this search takes.
            passed_over.extend(skipped.into_iter().filter(|dir| {
                dir.file_name().is_some_and(|n| n == "cdk.out")
                    && std::fs::read_dir(dir).is_ok_and(|entries| {
                        entries.filter_map(Result::ok).any(|e| {
                            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
                            extensions.iter().any(|ext| name.ends_with(ext)) && is_recognised(&e.path())
                        })
                    })
            }));
            let found: Vec<_> = below
                .into_iter()
                .filter(|f| {
                    let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    // `.YAML` as well: Windows editors and some generators write capitals.
                    let name = name.to_ascii_lowercase();
                    extensions.iter().any(|ext| name.ends_with(ext)) && is_recognised(f)
                })
                .collect();
            let empty = found.is_empty();
            (found, empty.then_some(what))
        } else {
            let keep = !only_recognised || is_recognised(path);
            (keep.then(|| path.clone()).into_iter().collect(), None)
        };
        if let (Some(what), false) = (nothing, only_recognised) {
            // A CDK project's root holds its templates in `cdk.out`, which a search skips.
            let skipped: Vec<&str> = (SKIPPED_DIRS.iter().copied())
                .filter(|dir| path.is_dir() && path.join(dir).is_dir())
                .collect();
            return Err(InputError::NothingFound {
                path: text.into_owned(),
                what: what.to_owned(),
                skipped: match skipped.as_slice() {
                    [] => String::new(),
                    dirs => format!(
                        "; a search skips {} unless named: name it to scan what it holds ({})",
                        dirs.join(", "),
                        path.join(dirs[0]).display()
                    ),
                },
            });
        }
        files.extend(found);
    }
    // A file named twice (a directory and one of its files, as pre-commit adds changed files) is
    // one input: twice, its role would be reported twice and its exports be ambiguous.
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(file_identity(file)));
    // One named as well was searched after all.
    passed_over.retain(|dir| !paths.iter().any(|p| p.starts_with(dir)));
    passed_over.sort();
    passed_over.dedup();
    Ok((files, passed_over))
}

/// Every file below `root`, in name order, not entering [`SKIPPED_DIRS`]; and the directories
/// not entered.
fn files_below(root: &Path) -> Result<(Vec<std::path::PathBuf>, Vec<std::path::PathBuf>), InputError> {
    files_below_except(root, |name| SKIPPED_DIRS.contains(&name))
}

/// Every file below `root`, in name order, not entering the directories `skipped` names; and
/// those directories.
fn files_below_except(
    root: &Path,
    skipped: impl Fn(&str) -> bool,
) -> Result<(Vec<std::path::PathBuf>, Vec<std::path::PathBuf>), InputError> {
    let mut files = Vec::new();
    let mut not_entered = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    // Each directory entered once, by its real path: a link to a directory (templates a monorepo
    // shares) is followed, and one to `.` or to a directory already read adds nothing.
    let mut entered: std::collections::HashSet<std::path::PathBuf> = std::collections::HashSet::new();
    // The kernel's views of the machine hold no templates, and their entries come and go (a
    // link to `/dev/fd` lists descriptors gone when read): not entered from a search that started
    // elsewhere.
    const MACHINE: [&str; 4] = ["/proc", "/dev", "/sys", "/run"];
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let of_the_machine = |real: &Path| MACHINE.iter().any(|m| real.starts_with(m) && !real_root.starts_with(m));
    // A link to `/` would search the whole machine; one to another directory that holds the root
    // (`..`: the repository a link in `infra/` leads back to) is followed, as linked.
    let the_machine = |real: &Path| real != real_root && real.parent().is_none();
    while let Some(dir) = pending.pop() {
        let real = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if of_the_machine(&real) || the_machine(&real) || !entered.insert(real) {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|source| InputError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if path.is_dir() {
                if !skipped(name) {
                    pending.push(path);
                } else {
                    not_entered.push(path);
                }
            } else if !is_special(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok((files, not_entered))
}

/// A FIFO, socket or device (or a link to one): reading it could wait for ever, and it holds no
/// template.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file())
}

/// The files a glob names, in name order, as a shell with `globstar` names them: `*`, `?` and
/// `[…]` within a path component, `**` across components, and no wildcard matching a name's
/// leading dot; the search starts at the longest path before the first wildcard. The directories a
/// directory search skips (`node_modules`, `cdk.out`, …) are entered when the pattern names them.
fn glob_files(pattern: &str) -> Result<Vec<std::path::PathBuf>, InputError> {
    // A bracket before the first `*` or `?` is taken as written (`stacks/[legacy]/*.yaml`, a
    // directory so named), as it always was; only a pattern with neither reads one as a class.
    let wild = (pattern.find(['*', '?']))
        .or_else(|| pattern.find('['))
        .unwrap_or(pattern.len());
    let base_end = pattern[..wild].rfind('/').map_or(0, |i| i + 1);
    let (base, rest) = pattern.split_at(base_end);
    let (read, from) = as_globstar_reads(rest);
    let matcher = glob::Pattern::new(&read).map_err(|error| InputError::BadPattern {
        pattern: pattern.to_owned(),
        at: base.chars().count() + from.get(error.pos).copied().unwrap_or(rest.chars().count()) + 1,
        why: error.msg,
    })?;
    let root = Path::new(if base.is_empty() { "." } else { base });
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    let named = |dir: &str| rest.split('/').any(|component| component == dir);
    let skipped = |dir: &str| SKIPPED_DIRS.contains(&dir) && !named(dir);
    let matched = files_below_except(root, skipped)?.0.into_iter().filter_map(|file| {
        let relative = file.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
        glob_matches(&matcher, &relative).then(|| if base.is_empty() { relative.into() } else { file })
    });
    Ok(matched.collect())
}

/// `pattern` as the `glob` crate reads what a shell with `globstar` does: a `**` that is not a
/// whole path component (`app-**.yaml`) is one `*`, as it is to the shell (the crate refuses it).
/// Also where each character of it was in `pattern` (counted in characters), for an error's place.
fn as_globstar_reads(pattern: &str) -> (String, Vec<usize>) {
    let (mut out, mut from) = (String::with_capacity(pattern.len()), Vec::new());
    let mut at = 0;
    for (i, part) in pattern.split('/').enumerate() {
        if i > 0 {
            out.push('/');
            from.push(at);
            at += 1;
        }
        for c in part.chars() {
            if part == "**" || !(c == '*' && out.ends_with('*')) {
                out.push(c);
                from.push(at);
            }
            at += 1;
        }
    }
    (out, from)
}

/// `path` (relative to the pattern's base, `/`-separated) as a shell with `globstar` matches it.
fn glob_matches(pattern: &glob::Pattern, path: &str) -> bool {
    const AS_A_SHELL: glob::MatchOptions = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    pattern.matches_with(path, AS_A_SHELL)
}

/// What makes two names one file: its device and inode, which a hard link shares with its
/// target (it has no path in common with it), else the path resolved (links, `..`).
fn file_identity(file: &Path) -> Result<(u64, u64), PathBuf> {
    #[cfg(unix)]
    if let Ok(metadata) = std::fs::metadata(file) {
        use std::os::unix::fs::MetadataExt;
        return Ok((metadata.dev(), metadata.ino()));
    }
    Err(file.canonicalize().unwrap_or_else(|_| file.to_path_buf()))
}

/// The most of a pipe or device read (256 MiB): an account of 5,000 roles (IAM's most) writes
/// about 10 MB of authorization details, a made-up one of 60,000 about 110 MB. Past it the input
/// is refused, so that a pipe that never ends (`yes |`) or a device (`/dev/urandom`) can't take
/// the memory. A regular file is read whole: its size is known.
const MAX_STREAM_BYTES: u64 = 256 << 20;

/// The bytes of `path`, or of standard input for `-` (as `policy` reads it).
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().take(MAX_STREAM_BYTES + 1).read_to_end(&mut bytes)?;
    } else {
        let mut file = std::fs::File::open(path)?;
        if file.metadata().is_ok_and(|m| m.is_file()) {
            file.read_to_end(&mut bytes)?;
            return Ok(bytes);
        }
        file.take(MAX_STREAM_BYTES + 1).read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > MAX_STREAM_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "more than {} MiB from a pipe or device: no template, plan or account listing is this long (one that never ends?)",
                MAX_STREAM_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

pub(crate) fn read_text(path: &Path) -> Result<String, InputError> {
    let read_error = |source| InputError::Read {
        path: path.display().to_string(),
        source,
    };
    let bytes = read_bytes(path).map_err(read_error)?;
    text_of(&bytes).map(std::borrow::Cow::into_owned).map_err(read_error)
}

/// The text of a file's bytes: UTF-8, without the byte order mark some Windows editors write
/// first (no JSON or YAML parser here takes it for whitespace), or UTF-16 with its byte order
/// mark, as PowerShell's `>` writes it. Other bytes are an error that says where.
pub(crate) fn text_of(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, std::io::Error> {
    let invalid = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    let utf16 = |units: &[u8], unit: fn([u8; 2]) -> u16| {
        let units = units.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
        let text: Result<String, _> = char::decode_utf16(units).collect();
        match text {
            Ok(text) if bytes.len() % 2 == 0 => Ok(std::borrow::Cow::Owned(text)),
            _ => Err(invalid(
                "not UTF-16 text, though it starts as such (a byte order mark)".to_owned(),
            )),
        }
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        [0x1F, 0x8B, ..] => Err(invalid(
            "gzip-compressed: decompress it first (gunzip), then read the file it holds".to_owned(),
        )),
        // `{\0"\0` or `\0{\0"`: UTF-16 without its byte order mark, which no parser here reads.
        [first, second, ..] if (*first == 0) != (*second == 0) => Err(invalid(
            "UTF-16 text without a byte order mark (a NUL in every other byte): save the file as UTF-8".to_owned(),
        )),
        _ => {
            let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
            std::str::from_utf8(bytes).map(std::borrow::Cow::Borrowed).map_err(|e| {
                let before = &bytes[..e.valid_up_to()];
                let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
                let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
                let column = 1 + String::from_utf8_lossy(&before[line_start..]).chars().count();
                invalid(format!(
                    "not UTF-8 text: a byte at line {line}, column {column} is no UTF-8 character (save the file as UTF-8)"
                ))
            })
        }
    }
}

/// Refuses a listing that holds one page of a paginated call, which would silently leave items
/// out: `more` names each field that says so (`NextToken` from the AWS CLI's `--max-items`, the
/// API's own markers) and whether the file has it.
pub(crate) fn whole_listing(source: &str, command: &str, more: &[(&str, bool)]) -> Result<(), InputError> {
    match more.iter().find(|(_, set)| *set) {
        Some((field, _)) => Err(InputError::Shape {
            path: source.to_owned(),
            message: format!(
                "{field} is set: the file holds one page; run {command} without --max-items or --no-paginate"
            ),
        }),
        None => Ok(()),
    }
}

/// A JSON file of `command`'s output read into `T`, and the name to report it by.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path, command: &str) -> Result<(T, String), InputError> {
    let source = path.display().to_string();
    let parsed = with_mapped_text(path, |text| {
        let start = text.trim_start();
        // `--query RoleDetailList` (or `Functions`, …) writes the list alone.
        if start.starts_with('[') {
            return Ok(Err(format!(
                "a JSON list, where the output of {command} is an object: run it without --query"
            )));
        }
        // `--output yaml`, `text` or `table` (a profile's default output may be one of them).
        if !start.is_empty() && !start.starts_with('{') {
            return Ok(Err(format!(
                "not JSON (YAML, text or a table?): run {command} with --output json"
            )));
        }
        serde_json::from_str(text).map(Ok)
    })?
    .map_err(|e| InputError::Json {
        path: source.clone(),
        source: e,
    })?
    .map_err(|message| InputError::Shape {
        path: source.clone(),
        message,
    })?;
    Ok((parsed, source))
}

/// `parse` of the file's text, mapped rather than read when it is a file that can be mapped (a
/// pipe can't). An account's authorization details run to tens of megabytes: reading copies each
/// page into memory the process must first fault in, which took 60–90 ms of a 20,000-role scan's
/// 200 on a 2-vCPU VM; mapped, 5 ms.
fn with_mapped_text<R>(path: &Path, parse: impl FnOnce(&str) -> R) -> Result<R, InputError> {
    let read_error = |source| InputError::Read {
        path: path.display().to_string(),
        source,
    };
    // Standard input (`-`), a pipe or a device (`/dev/zero` maps as empty, whatever it holds):
    // read, as far as [`read_bytes`] reads one.
    let file = match path.as_os_str() == "-" {
        true => None,
        false => Some(std::fs::File::open(path).map_err(read_error)?),
    };
    let Some(file) = file.filter(|f| f.metadata().is_ok_and(|m| m.is_file())) else {
        return Ok(parse(&read_text(path)?));
    };
    // SAFETY: the map is only read, and only while `parse` runs. Were another process to change
    // or truncate the file meanwhile, the text could change under the parser or a read could
    // fault (SIGBUS) and end the CLI: the usual price of mapping (ripgrep pays it too).
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => Ok(parse(&text_of(&map).map_err(read_error)?)),
        Err(_) => Ok(parse(&read_text(path)?)),
    }
}

/// `T` read from a JSON object only: serde's derived structs take a list too, field by field in
/// order, so `["/", "ops", "arn:…", "%7B…%7D"]` would read as a role (and `[["key", "value"]]` as
/// tags, exempting it) where the dump is reshaped.
pub(crate) struct Object<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(Fields(std::marker::PhantomData))
            .map(Object)
    }
}

/// A list of objects ([`Object`]), or `null`.
pub(crate) fn objects<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let list = <Option<Vec<Object<T>>> as serde::Deserialize>::deserialize(deserializer)?;
    Ok(list.map(|items| items.into_iter().map(|Object(item)| item).collect()))
}

/// An object ([`Object`]), or `null` read as the default, as a missing one is.
pub(crate) fn object_or_null<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    Ok(<Option<Object<T>> as serde::Deserialize>::deserialize(deserializer)?
        .map_or_else(T::default, |Object(item)| item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_and_unmarked_utf16_files_say_what_they_are() {
        let said = |bytes: &[u8]| text_of(bytes).unwrap_err().to_string();
        assert!(said(&[0x1F, 0x8B, 8, 0]).starts_with("gzip-compressed"));
        let utf16le: Vec<u8> = "{\"a\": 1}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = "{\"a\": 1}".encode_utf16().flat_map(u16::to_be_bytes).collect();
        for unmarked in [utf16le, utf16be] {
            assert!(said(&unmarked).starts_with("UTF-16 text without a byte order mark"));
        }
        assert_eq!(text_of(b"{}").unwrap(), "{}");
    }

    #[test]
    fn an_import_fills_an_export_s_unknown_parts() {
        let pattern = "UNRESOLVED(Ref AWS__StackName)-RoleArn";
        assert!(names_with_unknowns(pattern, "roles-RoleArn"));
        assert!(
            !names_with_unknowns(pattern, "-RoleArn"),
            "a stack name has one character at least"
        );
        assert!(!names_with_unknowns(pattern, "roles-RoleArnX"));
        assert!(
            !names_with_unknowns("roles-RoleArn", "roles-RoleArn"),
            "no unknown part: by name only"
        );
        let two = "UNRESOLVED(Ref AWS__StackName)-UNRESOLVED(Ref Env)-Arn";
        assert!(names_with_unknowns(two, "roles-prod-Arn"));
        assert!(!names_with_unknowns(two, "roles--Arn"));
        assert!(!names_with_unknowns(two, "roles-prod-Ar"));
    }

    #[test]
    fn statement_lines_come_from_the_readers_positions() {
        let doc = "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Effect\": \"Allow\",\n   \"Principal\": {\"AWS\": \"*\"}},\n  {\"Sid\": \"a{\\\"b\"}\n ]\n}";
        assert_eq!(statement_lines(doc), vec![4, 6]);
        let single = "{\"Statement\":\n{\"Effect\":\"Allow\"}}";
        assert_eq!(statement_lines(single), vec![2]);
        assert_eq!(statement_lines("%7B"), Vec::<usize>::new());
    }

    fn glob_matches(pattern: &str, path: &str) -> bool {
        super::glob_matches(&glob::Pattern::new(&as_globstar_reads(pattern).0).unwrap(), path)
    }

    #[test]
    fn a_bad_glob_is_placed_in_the_pattern_as_given_and_a_bracket_in_a_directory_is_a_name() {
        let place = |pattern: &str| match glob_files(pattern) {
            Err(InputError::BadPattern { at, .. }) => Some(at),
            _ => None,
        };
        // The `[` is the pattern's 3rd character, and its 7th: a `**` read as `*` and a character
        // of two bytes before it count as written.
        assert_eq!(place("**[.yaml"), Some(3));
        assert_eq!(place("dé/x**[.yaml"), Some(7));
        let dir = std::env::temp_dir().join(format!("trustcheck-glob-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("[legacy]")).unwrap();
        std::fs::write(dir.join("[legacy]/stack.yaml"), "").unwrap();
        let found = glob_files(&format!("{}/[legacy]/*.yaml", dir.display()));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.unwrap(), [dir.join("[legacy]/stack.yaml")]);
    }

    #[test]
    fn globs_match_within_and_across_components() {
        assert!(glob_matches("*.yaml", "app.yaml"));
        assert!(!glob_matches("*.yaml", "sub/app.yaml"));
        assert!(glob_matches("**/*.yaml", "app.yaml"));
        assert!(glob_matches("**/*.yaml", "a/b/app.yaml"));
        assert!(glob_matches("stacks/??.json", "stacks/ab.json"));
        assert!(!glob_matches("stacks/??.json", "stacks/abc.json"));
        assert!(!glob_matches("*.yml", "app.yaml"));
        // As in a shell: no wildcard matches a name's leading dot, unless the pattern writes it.
        assert!(!glob_matches("**/*.yaml", ".pre-commit-config.yaml"));
        assert!(!glob_matches("**/*.yaml", ".github/workflows/ci.yaml"));
        assert!(!glob_matches("*/ci.yaml", ".github/ci.yaml"));
        assert!(glob_matches(".github/**/*.yaml", ".github/workflows/ci.yaml"));
        assert!(glob_matches("**/.*.yaml", "a/.hidden.yaml"));
        // A trailing `**` is every file below, at any depth.
        assert!(glob_matches("infra/**", "infra/a.yaml"));
        assert!(glob_matches("infra/**", "infra/sub/b.yaml"));
        assert!(!glob_matches("infra/**", "infra/.hidden/b.yaml"));
        assert!(!glob_matches("infra/**", "other/b.yaml"));
        assert!(
            glob_matches("*", "a.b.yaml"),
            "a dot inside a name is any character's match"
        );
        // Bracket expressions, as a shell reads them.
        assert!(glob_matches("[a-d]*.yaml", "b-directive.yaml"));
        assert!(!glob_matches("[a-d]*.yaml", "e.yaml"));
        assert!(glob_matches("s[u]b/*.yaml", "sub/a.yaml"));
        assert!(glob_matches("[!x]*.json", "plan.json"));
        assert!(!glob_matches("[!p]*.json", "plan.json"));
        // No bracket expression matches a leading dot either.
        assert!(!glob_matches("[.]*.yaml", ".x.yaml"));
        // A `**` within a name is a `*`, as to the shell.
        assert!(glob_matches("app-**.yaml", "app-api.yaml"));
        assert!(!glob_matches("app-**.yaml", "app-x/api.yaml"));
        assert!(glob_matches("***", "a.yaml"));
        assert!(!glob_matches("***", "d/a.yaml"));
    }

    #[test]
    fn arns_are_built_in_the_regions_partition() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition("us-iso-east-1"), "aws-iso");
        assert_eq!(partition("us-isof-south-1"), "aws-iso-f");
        assert_eq!(partition("eu-isoe-west-1"), "aws-iso-e");
        assert_eq!(partition("eusc-de-east-1"), "aws-eusc");
        assert_eq!(url_suffix("cn-northwest-1"), "amazonaws.com.cn");
        assert_eq!(url_suffix("us-east-1"), "amazonaws.com");
    }
}
