//! Terraform plans (`terraform show -json PLAN`, or a state's `terraform show -json`): every
//! `aws_iam_role` with its `assume_role_policy` (a JSON string) and every `awscc_iam_role` with
//! its `assume_role_policy_document` (and the `aws_cloudcontrolapi_resource` of type
//! `AWS::IAM::Role`, read as one), and the `aws_lambda_function`s and `awscc_lambda_function`s
//! (and Cloud Control's) that use it, found through the configuration's references (also across
//! module variables and outputs) or a role ARN known at plan time; and the roles of the
//! CloudFormation stacks and stack sets the plan makes (also through Cloud Control).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::Path,
};

use serde::Deserialize;
use serde_json::{Map, Value as Json};
use trustcheck::{EventSource, Role, SourceKind};

use super::{sources, template, NameKind, Origin, RoleExport, RoleInput, Scanned, StackOptions, UnknownPolicy};
use crate::error::InputError;

#[derive(Deserialize)]
struct Plan {
    /// Every `terraform show -json` has it, the state of an empty workspace only it.
    format_version: Option<String>,
    planned_values: Option<Values>,
    /// A state file's `terraform show -json` has `values` instead.
    values: Option<Values>,
    /// Data sources read while planning (`aws_caller_identity`) are here.
    prior_state: Option<State>,
    configuration: Option<Configuration>,
    /// The root module's input variables as planned: `{"region": {"value": "eu-west-1"}}`.
    #[serde(default)]
    variables: Map<String, Json>,
    /// What each resource becomes, with the values known only after apply (`after_unknown`).
    #[serde(default)]
    resource_changes: Vec<ResourceChange>,
    /// Terraform saves a plan that failed (`-out` writes it anyway): its roles are only some.
    #[serde(default)]
    errored: bool,
    /// `false` for a plan of some resources only (`-target`, deferred changes).
    complete: Option<bool>,
}

#[derive(Deserialize)]
struct ResourceChange {
    address: String,
    /// `managed` or `data`.
    #[serde(default)]
    mode: String,
    #[serde(rename = "type", default)]
    kind: String,
    change: Option<Change>,
}

/// Whether `change` replaces an IAM role (deleted and created, in either order) under another
/// name or path: its ARN before names a role that is gone after apply. A name or path known
/// only after apply is not taken to differ, unless the provider makes one anew: from a
/// `name_prefix`, or an `awscc_iam_role` that had a `role_name` and is given none (Cloud Control
/// names it then; one read from another resource is taken so too, failing loudly).
fn is_replaced_under_another_arn(change: &Change) -> bool {
    let replaces = ["delete", "create"]
        .iter()
        .all(|a| change.actions.iter().any(|b| b == a));
    fn field<'j>(values: Option<&'j Json>, key: &str) -> Option<&'j str> {
        values?.get(key)?.as_str()
    }
    let (before, after) = (change.before.as_ref(), change.after.as_ref());
    let differs = |key: &str, default: &str| match (field(before, key), field(after, key)) {
        (before, Some(after)) => !before.unwrap_or(default).eq_ignore_ascii_case(after),
        (_, None) => false,
    };
    // A name `name_prefix` makes, or the Cloud Control provider's (`awscc_iam_role`) without
    // `role_name`, is made anew: known only after apply, and another name.
    let generated =
        |prefix: &str| field(after, prefix).is_some_and(|p| !p.is_empty()) && field(after, "name").is_none();
    // `role_name` is the Cloud Control provider's.
    replaces
        && (differs("name", "")
            || differs("role_name", "")
            || differs("path", "/")
            || generated("name_prefix")
            || (field(before, "role_name").is_some()
                && field(after, "role_name").is_none()
                && field(after, "arn").is_none()))
}

#[derive(Deserialize)]
struct Change {
    /// The resource as planned, without what is known only after apply (an unknown element of a
    /// list is null in its place).
    after: Option<Json>,
    /// `true` for each value (or part of one) known only after apply.
    after_unknown: Option<Json>,
    /// `true` for each value (or part of one) the plan marks sensitive.
    after_sensitive: Option<Json>,
    #[serde(default)]
    actions: Vec<String>,
    /// The resource as it was: a role the plan deletes still has its ARN here.
    before: Option<Json>,
}

#[derive(Deserialize)]
struct State {
    values: Option<Values>,
}

#[derive(Deserialize)]
struct Values {
    root_module: Option<Module>,
}

#[derive(Deserialize, Default)]
struct Module {
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    child_modules: Vec<Module>,
}

impl Module {
    fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.child_modules.iter().all(Module::is_empty)
    }

    fn has_managed(&self) -> bool {
        self.resources.iter().any(|r| r.is_managed()) || self.child_modules.iter().any(Module::has_managed)
    }
}

#[derive(Deserialize)]
struct Resource {
    address: String,
    #[serde(default)]
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    /// Values known at plan time; what is known only after apply is left out.
    #[serde(default)]
    values: Map<String, Json>,
    /// `{"assume_role_policy": true}` for a value Terraform redacts (`sensitive = true`). A
    /// resource the plan forgets (`removed` with `destroy = false`) has `false`, read as none.
    #[serde(default, deserialize_with = "object_or_none")]
    sensitive_values: Map<String, Json>,
}

/// Terraform 0.15 marks what is sensitive only in each change's `after_sensitive`: the planned
/// values' `sensitive_values` came later (1.0). A planned resource without them takes its
/// change's, so that no secret of such a plan is printed.
fn mark_sensitive_as_changes_do(module: &mut Module, changes: &[ResourceChange]) {
    // An object of marks, or `true`: every value of the resource.
    let marks: HashMap<&str, &Json> = (changes.iter())
        .filter_map(|c| match c.change.as_ref()?.after_sensitive.as_ref()? {
            marks @ Json::Object(map) if !map.is_empty() => Some((c.address.as_str(), marks)),
            all @ Json::Bool(true) => Some((c.address.as_str(), all)),
            _ => None,
        })
        .collect();
    if marks.is_empty() {
        return;
    }
    fn mark(module: &mut Module, marks: &HashMap<&str, &Json>) {
        for resource in &mut module.resources {
            let marked = marks.get(resource.address.as_str());
            let Some(marked) = marked.filter(|_| resource.sensitive_values.is_empty()) else {
                continue;
            };
            resource.sensitive_values = match marked {
                Json::Object(map) => map.clone(),
                _ => (resource.values.keys())
                    .map(|key| (key.clone(), Json::Bool(true)))
                    .collect(),
            };
        }
        for child in &mut module.child_modules {
            mark(child, marks);
        }
    }
    mark(module, &marks);
}

/// An object as it is; `false` (a forgotten resource's) as an empty one. Anything else can't be
/// told apart from every value sensitive: an error, rather than a secret printed.
fn object_or_none<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Map<String, Json>, D::Error> {
    match Json::deserialize(deserializer)? {
        Json::Object(map) => Ok(map),
        Json::Bool(false) | Json::Null => Ok(Map::new()),
        other => Err(serde::de::Error::custom(format!(
            "a resource's sensitive_values is {other}, not an object of the values it marks"
        ))),
    }
}

#[derive(Deserialize)]
struct Configuration {
    root_module: Option<ConfigModule>,
    /// Each provider configuration (`aws`, `aws.west`, `module.x:aws`) with its arguments.
    #[serde(default)]
    provider_config: BTreeMap<String, ProviderConfig>,
}

#[derive(Deserialize, Default)]
struct ConfigModule {
    #[serde(default)]
    resources: Vec<ConfigResource>,
    #[serde(default)]
    module_calls: BTreeMap<String, ModuleCall>,
    #[serde(default)]
    outputs: BTreeMap<String, Output>,
}

#[derive(Deserialize)]
struct ProviderConfig {
    #[serde(default)]
    expressions: Map<String, Json>,
}

#[derive(Deserialize)]
struct ModuleCall {
    #[serde(default)]
    expressions: Map<String, Json>,
    module: Option<ConfigModule>,
}

#[derive(Deserialize)]
struct Output {
    expression: Option<Json>,
}

#[derive(Deserialize)]
struct ConfigResource {
    address: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    expressions: Map<String, Json>,
    /// The provider configuration it is made with (`aws`, `aws.workload`, `module.x:aws`).
    provider_config_key: Option<String>,
    /// What its `for_each` is made of: a constant, or the references it reads.
    for_each_expression: Option<Json>,
}

/// One walk of references from an expression ([`Config::follow`]): the variables and outputs
/// being followed, one inside another, and what each one followed led to.
#[derive(Default)]
struct Walk {
    trail: Vec<String>,
    led_to: HashMap<String, Vec<String>>,
}

impl Walk {
    /// What `step` (a module variable or output, by its full reference) leads to: kept from the
    /// first time, else found by `follow`. `None` for a step already being followed: a cycle,
    /// which Terraform refuses and a crafted plan may hold.
    fn step(&mut self, step: String, follow: impl FnOnce(&mut Walk, &mut Vec<String>)) -> Option<Vec<String>> {
        if let Some(known) = self.led_to.get(&step) {
            return Some(known.clone());
        }
        if self.trail.contains(&step) {
            return None;
        }
        let mut found = Vec::new();
        self.trail.push(step.clone());
        follow(self, &mut found);
        self.trail.pop();
        self.led_to.insert(step, found.clone());
        Some(found)
    }
}

/// Module calls nest; following variables and outputs stops at this depth.
const MAX_REFERENCE_DEPTH: usize = 16;

/// A role resource type: the AWS provider's, or the Cloud Control one's (`awscc`), whose
/// attributes are named after CloudFormation's.
struct RoleType {
    kind: &'static str,
    /// The attribute that holds the trust policy.
    policy: &'static str,
    /// The attribute that holds the role's name.
    name: &'static str,
}

const ROLE_TYPES: [RoleType; 2] = [
    RoleType {
        kind: "aws_iam_role",
        policy: "assume_role_policy",
        name: "name",
    },
    RoleType {
        kind: "awscc_iam_role",
        policy: "assume_role_policy_document",
        name: "role_name",
    },
];
const ROLE_KINDS: [&str; 2] = [ROLE_TYPES[0].kind, ROLE_TYPES[1].kind];
/// Both providers name a function's `function_name`, `role` and `arn` alike.
const FUNCTION_KINDS: [&str; 2] = ["aws_lambda_function", "awscc_lambda_function"];

/// The region of every Lambda function ARN the roles' trust policies write out
/// (`arn:aws:lambda:eu-west-1:…`), when they all write the same one.
fn region_of_named_functions(resources: &[&Resource]) -> Option<String> {
    let policies: Vec<String> = (resources.iter())
        .filter_map(|r| r.values.get(role_type(&r.kind)?.policy))
        .map(|policy| match policy {
            Json::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect();
    super::one_region_of_functions(policies.iter().map(String::as_str)).map(str::to_owned)
}

/// Whether `value` is in what a role's report names of its use: its functions and the mappings
/// they read.
fn names_in_use(role: &Role, value: &str) -> bool {
    (role.functions.iter().chain(&role.edge_functions)).any(|f| f.contains(value))
        || (role.event_sources.iter()).any(|s| s.source.contains(value) || s.function.contains(value))
}

fn role_type(kind: &str) -> Option<&'static RoleType> {
    ROLE_TYPES.iter().find(|t| t.kind == kind)
}

fn is_function(resource: &Resource) -> bool {
    FUNCTION_KINDS.contains(&resource.kind.as_str())
}

/// Whether a JSON file found in a directory is a plan, or a state, as `terraform show -json`
/// writes them.
pub(crate) fn looks_like_plan(text: &str) -> bool {
    text.contains("\"terraform_version\"")
        && (text.contains("\"planned_values\"")
            || text.contains("\"resource_changes\"")
            || (text.contains("\"values\"") && text.contains("\"root_module\""))
            // Cut short before its resources (a plan written to a full disk), beginning as
            // `terraform show -json` begins one: kept, so reading it says why, never passed over.
            || (starts_as_shown(text) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_err()))
}

/// Whether `text` is Terraform's own language: a first block that opens as `resource "…"`,
/// `terraform {`, `provider "…"`, `module "…"`, … does.
fn looks_like_configuration(text: &str) -> bool {
    const BLOCKS: [&str; 8] = [
        "resource",
        "data",
        "module",
        "provider",
        "terraform",
        "variable",
        "locals",
        "output",
    ];
    let first = (text.lines().map(str::trim_start))
        .find(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with("//") && !line.starts_with("/*"));
    first
        .and_then(|line| line.split_once([' ', '{']))
        .is_some_and(|(word, _)| BLOCKS.contains(&word))
}

/// `{"format_version": …`, as `terraform show -json` writes a plan or a state (pretty-printed
/// too): not another JSON file that merely mentions Terraform.
fn starts_as_shown(text: &str) -> bool {
    (text.trim_start().strip_prefix('{'))
        .map(str::trim_start)
        .is_some_and(|rest| rest.starts_with("\"format_version\""))
}

pub(crate) fn read(path: &Path, options: &StackOptions) -> Result<Scanned, InputError> {
    let source = path.display().to_string();
    // The two files most often given instead: the saved plan itself (a zip archive) and the
    // machine-readable log of `terraform plan -json` (one JSON object a line).
    let shape = |message: &str| InputError::Shape {
        path: source.clone(),
        message: message.to_owned(),
    };
    let read_error = |error: std::io::Error| InputError::Read {
        path: source.clone(),
        source: error,
    };
    let bytes = super::read_bytes(path).map_err(read_error)?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(shape(
            "a saved plan file (terraform plan -out), which is binary: scan what `terraform show -json FILE > plan.json` writes",
        ));
    }
    let text = super::text_of(&bytes).map_err(read_error)?;
    if text.trim_start().starts_with("{\"@level\"") {
        return Err(shape(
            "the log of `terraform plan -json` (one message a line), not a plan: save the plan (terraform plan -out FILE) and scan what `terraform show -json FILE` writes",
        ));
    }
    // hashicorp/setup-terraform's wrapper (on by default) writes its own lines around what
    // Terraform prints, so `terraform show -json > plan.json` in a workflow holds them too.
    let first = text.trim_start().lines().next().unwrap_or_default();
    if first.starts_with("[command]") || first.starts_with("::debug::") {
        return Err(shape(
            "terraform's output with setup-terraform's wrapper lines around it ([command]…, ::debug::…), not a plan: set `terraform_wrapper: false` on hashicorp/setup-terraform and write `terraform show -json FILE` again",
        ));
    }
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        // A YAML template given here by mistake: say what to run, not where it stops being JSON.
        if !text.trim_start().starts_with('{') && template::looks_like_template(&text) {
            return shape("a CloudFormation or SAM template, not a plan: use `trustcheck template`");
        }
        if looks_like_configuration(&text) {
            return shape(
                "Terraform configuration (HCL), not a plan: run `terraform plan -out FILE` and scan what `terraform show -json FILE` writes",
            );
        }
        InputError::Json {
            path: source.clone(),
            source: e,
        }
    })?;
    // Terraform raises the major version for changes a reader of 1.x can't follow, and says to
    // refuse a major version not known (its JSON output format's docs); 0.x is Terraform 0.12 to
    // 0.15's, which 1.x extends.
    let major = |version: &str| version.split('.').next().and_then(|m| m.parse::<u32>().ok());
    if let Some(version) = plan
        .format_version
        .as_deref()
        .filter(|v| major(v).is_none_or(|m| m > 1))
    {
        return Err(shape(&format!(
            "format_version {version}, which this trustcheck doesn't know (it reads 0.x and 1.x): a newer Terraform's JSON may mean what these didn't; update trustcheck"
        )));
    }
    // A role of a resource that failed to plan is simply absent: judging the rest would pass it.
    if plan.errored {
        return Err(InputError::Shape {
            path: source,
            message: "the plan errored (\"errored\": true): Terraform could not plan every resource, and the roles it failed on are missing; fix the plan's errors and scan it again".to_owned(),
        });
    }
    // The state of an empty (or destroyed) workspace is `{"format_version": "1.0"}`: no values.
    // Nothing else may be there: `terraform validate -json` and `providers schema -json` also
    // begin with a format_version, and a plan's resource changes without its planned values are
    // no empty workspace either.
    let empty_state = plan.planned_values.is_none()
        && plan.values.is_none()
        && plan.prior_state.is_none()
        && plan.format_version.is_some()
        && serde_json::from_str::<std::collections::HashMap<String, serde::de::IgnoredAny>>(&text)
            .is_ok_and(|keys| keys.keys().all(|k| k == "format_version" || k == "terraform_version"));
    let mut prior = plan.prior_state.and_then(|s| s.values).and_then(|v| v.root_module);
    let mut refreshed = false;
    let mut root = match plan.planned_values.or(plan.values).and_then(|v| v.root_module) {
        // A refresh-only plan (`terraform plan -refresh-only`, the drift check) plans no change:
        // the roles are in the state as refreshed, changes made outside Terraform included.
        Some(planned) if planned.is_empty() && plan.resource_changes.is_empty() => {
            match prior.take().filter(|p| p.has_managed()) {
                Some(state) => {
                    refreshed = true;
                    state
                }
                None => planned,
            }
        }
        Some(planned) => planned,
        None if empty_state => Module::default(),
        // A JSON template (`cdk.out`'s) given here by mistake: say what to run.
        None if template::looks_like_template(&text) => {
            return Err(shape(
                "a CloudFormation or SAM template, not a plan: use `trustcheck template`",
            ))
        }
        // A state file as Terraform keeps it (`terraform.tfstate`), not as `show -json` writes it.
        None if text.contains("\"lineage\"") && text.contains("\"serial\"") => {
            return Err(shape(
                "a raw state file (terraform.tfstate), not a plan: scan what `terraform show -json` writes of it (or of a saved plan)",
            ))
        }
        None => {
            return Err(InputError::Shape {
                path: source.clone(),
                message: "no planned_values.root_module: not the output of terraform show -json".to_owned(),
            })
        }
    };
    mark_sensitive_as_changes_do(&mut root, &plan.resource_changes);
    read_cloud_control(&mut root);
    let mut resources = Vec::new();
    collect(&root, &mut resources);
    // Managed resources come from the planned values; the prior state adds the data sources read
    // while planning.
    let mut known_before = Vec::new();
    if let Some(prior) = &prior {
        collect(prior, &mut known_before);
    }
    known_before.extend(resources.iter().copied());
    // A resource the plan forgets (`removed { lifecycle { destroy = false } }`, Terraform 1.7) stays
    // where it is, no longer managed here: planned without values, it is not this plan's to judge.
    let forgotten: Vec<&str> = (plan.resource_changes.iter())
        .filter(|c| c.change.as_ref().is_some_and(|change| change.actions == ["forget"]))
        .map(|c| c.address.as_str())
        .collect();
    let managed: Vec<&Resource> = (resources.iter().copied())
        .filter(|r| r.is_managed() && !forgotten.contains(&r.address.as_str()))
        .collect();
    let (config_root, providers) = match plan.configuration {
        Some(c) => (c.root_module, c.provider_config),
        None => (None, BTreeMap::new()),
    };
    let instances = managed.iter().map(|r| r.address.clone()).collect();
    let config = Config::new(config_root, &providers, instances, &plan.variables, &known_before);
    let provider_accounts = provider_accounts(&config, &providers, &plan.variables, &known_before);

    let mut notes = Vec::new();
    let is_role = |address: &&str| (resources.iter()).any(|r| r.address == *address && role_type(&r.kind).is_some());
    for address in forgotten.iter().copied().filter(is_role) {
        notes.push(format!(
            "{address}: the plan forgets it (a removed block with destroy = false): the role stays in the account as it is, no longer managed by this configuration, and is not judged here"
        ));
    }
    if refreshed {
        notes.push(
            "a refresh-only plan (no change planned): the roles are judged as the state was refreshed, with the changes made outside Terraform"
                .to_owned(),
        );
    }
    if plan.complete == Some(false) {
        notes.push(
            "the plan is incomplete (\"complete\": false: a -target plan, or changes deferred): only the roles it plans are judged"
                .to_owned(),
        );
    }
    // The account that judges a role (its own account against another's): only what is sure.
    // Any known ARN's account still helps match functions to roles, but it may be another
    // provider's, so a role is then judged by its own known ARN, or not at all.
    let (deploying, identity) = match deploying_account(options, &known_before) {
        Some((account, identity)) => (Some(account), identity),
        // Else the default provider configuration's, where it writes its account out (the role
        // it assumes, a lone `allowed_account_ids`): the most common CI setup has no caller
        // identity, and another account's root trusted there must not pass unjudged.
        None => match provider_accounts.get("aws").cloned().flatten() {
            Some(account) => {
                notes.push(format!(
                    "the account {account} is the default aws provider configuration's (the role it assumes, or its allowed_account_ids): roles made through it are judged in that account"
                ));
                (Some(account), None)
            }
            None => (None, None),
        },
    };
    // A caller identity is its provider's account: with provider aliases a role made through
    // another provider configuration may be in another account.
    let identity_provider = identity.as_deref().and_then(|a| config.provider_of(&config_address(a)));
    let account = deploying.clone().or_else(|| account_of_any_arn(&known_before));
    // Only a plan with something the account judges: a role, a function, a stack.
    let judged =
        |r: &&Resource| role_type(&r.kind).is_some() || is_function(r) || STACK_TYPES.contains(&r.kind.as_str());
    match (&deploying, &account) {
        _ if !managed.iter().any(judged) => {}
        (Some(_), _) => {}
        (None, Some(guess)) => notes.push(format!(
            "the account is not given (no --account-id, no aws_caller_identity in the plan): a role is judged \
             against the account of its own ARN when the plan knows it (an existing role), and a new role against \
             none, not against {guess}, the account of another ARN of the plan (maybe another provider's); pass --account-id"
        )),
        (None, None) => notes.push(
            "the account is unknown (no --account-id, and no aws_caller_identity or known ARN in the plan): \
             aws:SourceAccount conditions and other accounts' roots are not judged; pass --account-id"
                .to_owned(),
        ),
    }
    // What the plan marks sensitive anywhere, long enough to tell apart from a policy's words.
    let mut elsewhere_sensitive = Vec::new();
    for resource in &known_before {
        for (key, mark) in &resource.sensitive_values {
            if let Some(value) = resource.values.get(key) {
                let policy_document = resource.kind == POLICY_DOCUMENT && key == "statement";
                sensitive_strings(value, mark, policy_document, &mut elsewhere_sensitive);
            }
        }
    }
    // What a function or an event source mapping marks sensitive (a `function_name`, an
    // `event_source_arn` from a `sensitive` variable), which a role's report names: its names,
    // not its account (a role's own ARN says that).
    let mut use_sensitive = Vec::new();
    for resource in known_before
        .iter()
        .filter(|r| is_function(r) || r.kind == "aws_lambda_event_source_mapping")
    {
        for (key, mark) in &resource.sensitive_values {
            if let Some(value) = resource.values.get(key) {
                sensitive_strings(value, mark, false, &mut use_sensitive);
            }
        }
    }
    let mut use_sensitive = super::with_parts(use_sensitive);
    use_sensitive.retain(|v| v.chars().count() >= 4 && !trustcheck::is_account_id(v));
    // An ARN's account and name too, which findings quote on their own ("account 999988887777").
    let mut elsewhere_sensitive = super::with_parts(elsewhere_sensitive);
    elsewhere_sensitive.retain(|v| v.chars().count() >= 4 && !matches!(v.as_str(), "true" | "false"));
    let roles: Vec<&Resource> = managed
        .iter()
        .copied()
        .filter(|r| role_type(&r.kind).is_some())
        .collect();
    let provider_accounts = ProviderAccounts {
        providers: &providers,
        accounts: provider_accounts,
        deploying: identity_provider.unwrap_or("aws").to_owned(),
        deploying_module: identity.as_deref().map(module_path).unwrap_or_default(),
    };
    let deploying_provider = provider_accounts.deploying.as_str();
    // The configuration a resource is made through, as `ProviderAccounts::other` reads it.
    let made_through = |resource: &Resource| {
        let provider = config.provider_of(&config_address(&resource.address)).unwrap_or("aws");
        provider_accounts.other(provider, &module_path(&resource.address))
    };
    // The account a resource is made in, as far as the plan says: the deploying account, or
    // another configuration's (`None` when the plan doesn't say it).
    let account_of = |resource: &Resource| -> Option<String> {
        match made_through(resource) {
            None => deploying.clone(),
            Some((_, own)) => own,
        }
    };
    // Its provider's region says its partition (GovCloud, China), else --region's.
    let role_arns: Vec<Option<String>> = roles
        .iter()
        .map(|r| match made_through(r) {
            Some((_, Some(own))) => role_arn(r, Some(&own), &config.region_of(r, &options.region)),
            _ => role_arn(r, account.as_deref(), &config.region_of(r, &options.region)),
        })
        .collect();
    // Each function as the roles' users and the mappings name it: with the deploying account
    // only (a guessed one would become the role's), and only when made through the caller
    // identity's provider configuration.
    // A function whose region the plan doesn't say (a provider region from the environment or
    // computed) is in --region's: said when --region isn't given. Not one whose ARN is known
    // (in state, or an update's): that says its region.
    let unplaced: Vec<&str> = (managed.iter())
        .filter(|r| is_function(r) && config.planned_region(r).is_none() && known(&r.values, "arn").is_none())
        .map(|r| r.address.as_str())
        .collect();
    // The one region the roles' trust policies name Lambda functions in, else --region's,
    // stands in for theirs: a pin to `arn:aws:lambda:eu-west-1:…` then reads as written, not
    // as blocking each function the plan doesn't place.
    let named_region = (!unplaced.is_empty() && !options.region_given)
        .then(|| region_of_named_functions(&managed))
        .flatten();
    let stand_in_region = named_region.clone().unwrap_or_else(|| options.region.clone());
    if !unplaced.is_empty() && !options.region_given {
        let which = match named_region {
            Some(_) => ", the one the roles' trust policies name Lambda functions in,",
            None => "",
        };
        notes.push(format!(
            "the plan doesn't say the region of {} function(s) ({}{}): their provider's region is computed or from the environment, so {stand_in_region}{which} stands in; pass --region",
            unplaced.len(),
            unplaced[..unplaced.len().min(3)].join(", "),
            if unplaced.len() > 3 { ", …" } else { "" },
        ));
    }
    let identities: HashMap<&str, String> = managed
        .iter()
        .filter(|r| is_function(r))
        .map(|function| {
            let account = account_of(function);
            let region = config.region_of(function, &stand_in_region);
            (
                function.address.as_str(),
                function_identity(function, account.as_deref(), &region),
            )
        })
        .collect();
    // The roles the plan deletes, or replaces under another name or path (a new ARN), by their
    // ARN before: a function that stays with one of them can't run once the plan is applied.
    let deleted: Vec<(&str, &str, bool)> = (plan.resource_changes.iter())
        .filter(|c| role_type(&c.kind).is_some())
        .filter_map(|c| {
            let change = c.change.as_ref()?;
            let replaced = is_replaced_under_another_arn(change);
            if change.actions != ["delete"] && !replaced {
                return None;
            }
            let arn = change.before.as_ref()?.get("arn")?.as_str()?;
            Some((c.address.as_str(), arn, replaced))
        })
        .collect();
    // The deleted roles functions still use, by address: each once, with every such function
    // (its address and identity).
    type Users<'f> = Vec<(&'f str, String)>;
    let mut gone: Vec<(&str, &str, bool, Users)> = Vec::new();
    let mut users: Vec<Vec<String>> = vec![Vec::new(); roles.len()];
    // The roles by configuration address, each read once: a function's references are looked up,
    // not compared with every role.
    let parsed_roles: Vec<ParsedAddress> = roles.iter().map(|r| ParsedAddress::new(&r.address)).collect();
    let by_address: HashMap<&str, usize> = (roles.iter().enumerate())
        .map(|(index, r)| (r.address.as_str(), index))
        .collect();
    let mut by_configuration: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, role) in parsed_roles.iter().enumerate() {
        by_configuration
            .entry(role.configured.as_str())
            .or_default()
            .push(index);
    }
    // The roles by name (in lower case, as IAM compares them): an ARN names only a role of its
    // last segment, so a function's is compared with those, not with every role.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, role) in roles.iter().enumerate() {
        let name = role_arns[index]
            .as_deref()
            .map(last_segment)
            .or_else(|| role_name(role));
        if let Some(name) = name {
            by_name.entry(name.to_ascii_lowercase()).or_default().push(index);
        }
    }
    let named_alike = |arn: &str| {
        by_name
            .get(&last_segment(arn).to_ascii_lowercase())
            .map_or(&[][..], Vec::as_slice)
    };
    for function in managed.iter().filter(|r| is_function(r)) {
        let Some(identity) = identities.get(function.address.as_str()) else {
            continue;
        };
        let referenced = config.role_addresses_of(function);
        let mut referred: Vec<usize> = (referenced.iter())
            .flat_map(|written| {
                // One instance's own address names it alone: every instance of one configuration
                // has a key where it has one, or none.
                if let Some(&index) = by_address.get(written.as_str()) {
                    return vec![index];
                }
                let r = ParsedAddress::new(written);
                let candidates = by_configuration.get(r.configured.as_str()).into_iter().flatten();
                candidates
                    .copied()
                    .filter(|&index| r.names(&parsed_roles[index]))
                    .collect::<Vec<_>>()
            })
            .collect();
        referred.sort_unstable();
        referred.dedup();
        let role_value = known(&function.values, "role");
        // A role ARN the plan knows (or builds from a known name) that is one of the roles' decides
        // alone: a reference names every instance of a `for_each` or `count` role whose key it
        // doesn't spell out. Otherwise (a new role's ARN, a guess that matches none) the reference.
        // A new role by path and name only through the function's own provider configuration:
        // another one's role of that name is in another account.
        let same_provider = |role: &Resource| {
            let provider = |address: &str| config.provider_of(&config_address(address));
            match (provider(&role.address), provider(&function.address)) {
                (Some(role), Some(function)) => same_account_provider(role, function),
                (role, function) => role == function,
            }
        };
        // IAM's role names ignore case, as `account` matches them.
        let names_role = |value: &str, index: usize| {
            role_arns[index]
                .as_deref()
                .is_some_and(|arn| arn.eq_ignore_ascii_case(value))
                // The cheap test first: a role whose ARN is known is named by it alone, and finding
                // a provider searches the configuration (with thousands of both, cubic).
                || (names_new_role(value, roles[index], account.as_deref()) && same_provider(roles[index]))
        };
        let by_arn: Vec<usize> = role_value
            .map(|value| {
                (named_alike(value).iter().copied())
                    .filter(|&index| names_role(value, index))
                    .collect()
            })
            .unwrap_or_default();
        let used = if by_arn.is_empty() { referred } else { by_arn };
        let mut tied: Vec<&str> = Vec::new();
        for index in used {
            tied.push(&roles[index].address);
            if !users[index].contains(identity) {
                users[index].push(identity.clone());
            }
        }
        // An expression that chooses among roles (`var.create_role ? aws_iam_role.lambda[0].arn :
        // var.lambda_role`, terraform-aws-lambda's): the plan lists what it reads, not which it
        // takes, so each is judged as this function's role, and the report says why.
        if tied.len() > 1 {
            notes.push(format!(
                "{}: its role is one of {} (the plan lists what its role expression reads, not which of them it takes): each is judged as this function's role; give the function one role to judge only that one",
                function.address,
                tied.join(", ")
            ));
        }
        let tied = !tied.is_empty();
        // A role known only after apply and reached through something the plan doesn't trace (a
        // local, a variable, a module output): say so, rather than judge its role without it.
        match role_value {
            _ if tied => {}
            None => notes.push(format!(
                "{}: its role is known only after apply and is not a direct reference to an aws_iam_role \
                 or awscc_iam_role of the plan (a local, variable or module output?): that role is judged without this function",
                function.address
            )),
            // An existing role (`data "aws_iam_role"`, an ARN written out): not the plan's to judge.
            // Named only when the plan doesn't mark it sensitive (`role = var.secret_role_arn`).
            Some(role) if deleted.iter().any(|(_, arn, _)| arn.eq_ignore_ascii_case(role)) => {
                let (address, _, replaced) = (deleted.iter())
                    .find(|(_, arn, _)| arn.eq_ignore_ascii_case(role))
                    .map_or(("", "", false), |d| *d);
                let user = (function.address.as_str(), identity.clone());
                match gone.iter_mut().find(|(known, ..)| *known == address) {
                    Some((.., users)) => users.push(user),
                    None => gone.push((address, role, replaced, vec![user])),
                }
            }
            Some(role) => {
                let marked = function.sensitive_values.get("role") == Some(&Json::Bool(true));
                let role = if marked { "(sensitive)" } else { role };
                notes.push(format!(
                    "{}: its role {role} is not one the plan creates, so it is not checked here (trustcheck account checks existing roles)",
                    function.address
                ))
            }
        }
    }
    let mappings = event_sources(
        &managed,
        &config,
        &identities,
        account.as_deref(),
        &stand_in_region,
        &mut notes,
    );
    let edge = edge_functions(&managed, &config, &identities, &mut notes);
    // What the plan creates, or replaces: a role among them doesn't exist yet when IAM reads its
    // trust policy. A state (no changes) creates nothing.
    let created: HashSet<&str> = (plan.resource_changes.iter())
        .filter(|c| {
            c.change
                .as_ref()
                .is_some_and(|change| change.actions.iter().any(|a| a == "create"))
        })
        .map(|c| c.address.as_str())
        .collect();
    // The ARN of a role or an identity provider the plan makes, where it can be built before apply:
    // what a policy document read at apply names it by.
    let arn_of = |address: &str| -> Option<String> {
        let resource = managed.iter().find(|r| r.address == address)?;
        let account = account_of(resource)?;
        // Its provider's region says its partition (GovCloud, China), else --region's.
        let region = config.region_of(resource, &options.region);
        match resource.kind.as_str() {
            "aws_iam_role" => role_arn(resource, Some(&account), &region),
            "aws_iam_openid_connect_provider" => {
                let url = known(&resource.values, "url")?;
                let host = super::oidc_issuer(url);
                if host.contains("://") || host.is_empty() || host == "/" {
                    return None;
                }
                Some(format!(
                    "arn:{}:iam::{account}:oidc-provider/{host}",
                    super::partition(&region)
                ))
            }
            // A SAML provider's, whatever its name: one known only after apply stays undetermined.
            "aws_iam_saml_provider" => {
                let name = known(&resource.values, "name").map_or_else(
                    || trustcheck::opaque(&format!("{}.name", resource.address)),
                    str::to_owned,
                );
                Some(format!(
                    "arn:{}:iam::{account}:saml-provider/{name}",
                    super::partition(&region)
                ))
            }
            _ => None,
        }
    };
    // The policy documents Terraform reads only at apply, by address.
    let deferred_reads: HashMap<&str, &Change> = (plan.resource_changes.iter())
        .filter(|c| c.mode == "data" && c.kind == POLICY_DOCUMENT)
        .filter_map(|c| Some((c.address.as_str(), c.change.as_ref()?)))
        .filter(|(_, change)| change.actions.iter().any(|a| a == "read"))
        .collect();
    let mut inputs: Vec<RoleInput> = roles
        .into_iter()
        .zip(role_arns)
        .zip(users)
        .map(|((resource, arn), functions)| {
            let event_sources = functions
                .iter()
                .flat_map(|f| mappings.get(f).cloned().unwrap_or_default())
                .collect();
            let known_arn = known(&resource.values, "arn");
            let assumed = made_through(resource);
            // Through another provider configuration than the deploying one, with credentials
            // of its own (or one the plan doesn't show).
            let other_provider = assumed.is_some();
            // The role's own account: its known ARN's, else its provider configuration's when the
            // plan says it, else the deploying account unless the role is made through another
            // provider configuration than the deploying one.
            let account_id = match known_arn.and_then(|a| a.split(':').nth(4)).filter(|a| !a.is_empty()) {
                Some(own) => Some(own.to_owned()),
                None => match &assumed {
                    Some((_, Some(own))) => Some(own.clone()),
                    _ if other_provider => None,
                    _ => deploying.clone(),
                },
            };
            // A role ARN built from a guessed account would pass the guess on: only a known one.
            let arn = arn.filter(|_| {
                known_arn.is_some() || matches!(assumed, Some((_, Some(_)))) || (deploying.is_some() && !other_provider)
            });
            let mut notes = Vec::new();
            if let (Some((configuration, None)), None) = (&assumed, known_arn) {
                // Terraform lists a module's inherited configuration, its own empty provider block
                // and (past a module that uses no provider) an alias passed to it, all without
                // arguments: which one it is, the plan doesn't say.
                let argumentless = configuration.starts_with("module.")
                    && providers.get(configuration).is_some_and(|p| p.expressions.is_empty());
                let why = match argumentless {
                    true => "which the plan lists without arguments: the module may inherit the deploying configuration, declare an empty one of its own, or have been passed an alias, which the plan shows alike",
                    false => "which may act in another account (credentials of its own, or, in a Terraform 1.1 module, an alias its call may pass) the plan doesn't say",
                };
                notes.push(format!(
                    "made through another provider configuration ({configuration}) than the deploying one ({deploying_provider}), {why}: its account \
                     is unknown, so aws:SourceAccount conditions and other accounts' roots are not judged; give that configuration an aws_caller_identity"
                ));
            }
            let role = Role {
                arn,
                account_id,
                path: known(&resource.values, "path").map(str::to_owned),
                tag_keys: Vec::new(),
                // Not read whole here (a provider's default tags, values known after apply).
                tags_known: false,
                tag_values: Vec::new(),
                edge_functions: functions.iter().filter(|f| edge.contains(f)).cloned().collect(),
                functions,
                event_sources,
                event_sources_unknown: false,
                proposed: true,
                to_be_created: created.contains(resource.address.as_str()),
                account_is_stand_in: false,
                // Built in --region's partition when neither it nor the plan says the region.
                partition_is_stand_in: known_arn.is_none()
                    && !options.region_given
                    && config.planned_region(resource).is_none(),
                // The plan's name is the one applied; one known only after apply leaves no ARN.
                naming: trustcheck::Naming::Known,
            };
            let mut input = role_input(&source, resource, role);
            input.notes.extend(notes);
            if input.unknown_policy.is_some() {
                match deferred_document(&config, &deferred_reads, &arn_of, resource) {
                    Some(Ok(deferred)) => {
                        input.document = deferred.document;
                        input.unknown_policy = None;
                        input.notes.push(deferred.note);
                        if !deferred.sensitive.is_empty() {
                            let hidden = super::with_parts(deferred.sensitive);
                            input.sensitive.get_or_insert_with(Vec::new).extend(hidden);
                        }
                    }
                    Some(Err(why)) => input.unknown_policy = Some(why),
                    None => {}
                }
            }
            // A value the plan marks sensitive elsewhere (a `sensitive` variable in a
            // `data.aws_iam_policy_document`, whose `json` the provider doesn't mark) is as
            // sensitive in the trust that holds it, and so is a function's name or a mapping's
            // source that the findings and the report would name.
            let held: Vec<String> = (elsewhere_sensitive.iter())
                .filter(|value| input.document.contains(value.as_str()))
                .chain(use_sensitive.iter().filter(|value| names_in_use(&input.role, value)))
                .cloned()
                .collect();
            if !held.is_empty() {
                input.sensitive.get_or_insert_with(Vec::new).extend(held);
            }
            input
        })
        .collect();
    // A deleted role still in use: one entry, its functions and what they consume. A replaced
    // one's is named apart from the role the plan makes in its place, which is judged too.
    for (address, arn, replaced, users) in gone {
        let functions: Vec<String> = users.iter().map(|(_, identity)| identity.clone()).collect();
        let event_sources = (functions.iter())
            .flat_map(|f| mappings.get(f).cloned().unwrap_or_default())
            .collect();
        let origin = Origin {
            source: Some(source.clone()),
            name: match replaced {
                true => format!("{address} (as it was before the plan)"),
                false => address.to_owned(),
            },
            kind: NameKind::Address,
            line: None,
            arn: Some(arn.to_owned()),
            deployed: None,
        };
        let judged = Role {
            arn: Some(arn.to_owned()),
            functions,
            event_sources,
            proposed: true,
            ..Role::default()
        };
        let mut input = RoleInput::new(origin, String::new(), judged);
        let names: Vec<&str> = users.iter().map(|(function, _)| *function).collect();
        let (them, use_it) = match names.len() {
            1 => ("the function", "uses"),
            _ => ("the functions", "use"),
        };
        let what = match replaced {
            true => format!("replaces {address} under another name or path (a new ARN, {arn} gone)"),
            false => format!("deletes {address}"),
        };
        input.unknown_policy = Some(UnknownPolicy {
            why: format!(
                "the plan {what}, and {} still {use_it} it: {them} can't run once the plan is applied",
                names.join(", ")
            ),
            fix: format!("keep the role, or give {them} a role the plan keeps or creates"),
        });
        // Its functions' and mappings' sensitive names read "(sensitive)" here too.
        let held: Vec<String> = (use_sensitive.iter())
            .filter(|value| names_in_use(&input.role, value))
            .cloned()
            .collect();
        if !held.is_empty() {
            input.sensitive = Some(held);
        }
        // No trust policy brings a deleted role back.
        input.deleted = true;
        inputs.push(input);
    }
    // Each role by its ARN, for a function of a stack's template that names it so (a parameter
    // the plan passes it: `parameters = { ExecRoleArn = aws_iam_role.worker.arn }`, once known).
    let mut exports: Vec<RoleExport> = (inputs.iter())
        .filter_map(|input| {
            Some(RoleExport {
                name: input.role.arn.clone()?,
                source: input.origin.source.clone()?,
                role: input.origin.name.clone(),
            })
        })
        .collect();
    let mut imports = Vec::new();
    for stack in managed.iter().filter(|r| STACK_TYPES.contains(&r.kind.as_str())) {
        // A stack deploys into its provider's account; a stack set into the accounts it targets.
        let own_account = (stack.kind == STACK_TYPES[0]).then(|| account_of(stack)).flatten();
        let options = StackOptions {
            account_id: own_account,
            region: config.region_of(stack, &options.region),
            stack_set_depth: usize::from(stack.kind == STACK_TYPES[1]),
            ..options.clone()
        };
        let unknown = (plan.resource_changes.iter())
            .find(|c| c.address == stack.address)
            .and_then(|c| c.change.as_ref()?.after_unknown.as_ref()?.get("parameters").cloned());
        let parameters = match unknown {
            Some(Json::Bool(true)) => UnknownParameters::All,
            Some(Json::Object(keys)) => UnknownParameters::These(
                keys.into_iter()
                    .filter(|(_, unknown)| unknown == &Json::Bool(true))
                    .map(|(key, _)| key)
                    .collect(),
            ),
            // A stack set's list of pairs (awscc): a pair of unknown name may be any parameter.
            Some(Json::Array(pairs))
                if pairs
                    .iter()
                    .any(|p| p == &Json::Bool(true) || p.get("parameter_key") == Some(&Json::Bool(true))) =>
            {
                UnknownParameters::All
            }
            // A plan without `resource_changes` (a state's show) or without this stack's: what
            // the configuration sets but the planned values don't show is unknown.
            _ if stack.values.get("parameters").is_none_or(Json::is_null)
                && config.expression(&stack.address, "parameters").is_some() =>
            {
                UnknownParameters::All
            }
            _ => UnknownParameters::These(Vec::new()),
        };
        let mut inner = stack_roles(&source, stack, &parameters, &options);
        // A stack the plan creates creates its roles. Not a stack set's: its instances come and
        // go in their own accounts.
        if stack.kind == STACK_TYPES[0] && created.contains(stack.address.as_str()) {
            for input in inner.roles.iter_mut().filter(|input| input.role.proposed) {
                input.role.to_be_created = true;
            }
        }
        inputs.extend(inner.roles);
        notes.extend(inner.notes);
        exports.extend(inner.exports);
        imports.extend(inner.imports);
    }
    for stack in managed
        .iter()
        .filter(|r| STACKS_FROM_ELSEWHERE.contains(&r.kind.as_str()))
    {
        notes.push(format!(
            "{}: deploys a CloudFormation stack whose template is not in the plan (an application or a product of a \
             catalog): the roles it makes are checked only if that template is scanned too (trustcheck template)",
            stack.address
        ));
    }
    Ok(Scanned {
        roles: inputs,
        // A scan of several plans merges their notes: each names its plan, so that two plans'
        // alike notes stay two.
        notes: notes.into_iter().map(|note| format!("{source}: {note}")).collect(),
        exports,
        imports,
        ..Scanned::default()
    })
}

/// CloudFormation stacks and stack sets a plan makes: CloudFormation makes the roles of their
/// templates.
const STACK_TYPES: [&str; 2] = ["aws_cloudformation_stack", "aws_cloudformation_stack_set"];

/// What deploys a CloudFormation stack from a template kept elsewhere (the Serverless Application
/// Repository's, a Service Catalog product's): noted, as a stack's `template_url` is.
const STACKS_FROM_ELSEWHERE: [&str; 3] = [
    "aws_serverlessapplicationrepository_cloudformation_stack",
    "aws_servicecatalog_provisioned_product",
    "awscc_servicecatalog_cloud_formation_provisioned_product",
];

/// What a CloudFormation stack of the plan makes: the roles of its template written in the plan
/// (`template_body`, with the `parameters` the plan knows), named `STACK_ADDRESS/LOGICAL_ID`.
/// A template the plan holds but that can't be read, or that is known only after apply, fails
/// closed (one unjudged entry for the stack); one kept elsewhere (`template_url`) is noted.
/// A stack's parameters whose values are known only after apply.
enum UnknownParameters {
    All,
    These(Vec<String>),
}

fn stack_roles(source: &str, stack: &Resource, unknown: &UnknownParameters, options: &StackOptions) -> Scanned {
    let unjudged = |why: String| Scanned {
        roles: vec![unjudged_stack(source, stack, why)],
        ..Scanned::default()
    };
    let Some(body) = known(&stack.values, "template_body") else {
        if known(&stack.values, "template_url").is_some() {
            return Scanned {
                notes: vec![format!(
                    "{}: its template is not in the plan (template_url): the roles it makes are checked only if that \
                     template is scanned too (trustcheck template)",
                    stack.address
                )],
                ..Scanned::default()
            };
        }
        return unjudged("its template is known only after apply (no template_body or template_url in the plan): the roles it makes can't be judged before apply (fails closed)".to_owned());
    };
    let mut options = options.clone();
    let planned = stack.values.get("parameters").and_then(Json::as_object);
    let known_value = |name: &str| planned.and_then(|p| p.get(name)?.as_str());
    // A parameter whose value the plan knows only after apply is the deployer's to fill in, not
    // the template's default: undetermined, as a template parameter without a value. One the
    // configuration doesn't set takes its default.
    // Read once here for what the template declares and names; `read_body` reads it as a template.
    let root = super::yaml::parse(body).ok().flatten();
    let declared: Vec<String> = (root.as_ref())
        .and_then(|root| root.get("Parameters")?.as_map())
        .map(|parameters| parameters.iter().map(|p| p.key.clone()).collect())
        .unwrap_or_default();
    for name in declared {
        let unknown = match unknown {
            UnknownParameters::All => true,
            UnknownParameters::These(keys) => keys.contains(&name),
        };
        match known_value(&name) {
            Some(value) if !unknown => options.parameters.push((name, value.to_owned())),
            _ if unknown => {
                let value = trustcheck::opaque(&format!("Ref {name}"));
                options.parameters.push((name, value));
            }
            _ => {}
        }
    }
    let label = format!("{source} ({}.template_body)", stack.address);
    let mut scanned = match template::read_body(&label, body, &options) {
        Ok(scanned) => scanned,
        // A template that can't be read here but writes no role, nor anything that makes one
        // (SAM, an include, a macro), makes none: said, not failed.
        Err(error) if !may_make_roles(body, root.as_ref()) => {
            return Scanned {
                notes: vec![format!(
                    "{}: its template_body can't be read here ({error}), but it names no IAM role nor anything that makes one",
                    stack.address
                )],
                ..Scanned::default()
            }
        }
        Err(error) => return unjudged(format!("its template_body can't be read as a template ({error}) (fails closed)")),
    };
    // Parameters the plan marks sensitive (all of them, or some) are so in every role they reach.
    let sensitive: Vec<String> = match stack.sensitive_values.get("parameters") {
        Some(Json::Bool(true)) => planned
            .into_iter()
            .flatten()
            .filter_map(|(_, v)| v.as_str())
            .map(str::to_owned)
            .collect(),
        Some(Json::Object(keys)) => (keys.iter())
            .filter(|(_, marked)| **marked == Json::Bool(true))
            .filter_map(|(key, _)| known_value(key).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    // A template the plan marks sensitive hides every value of its roles' trust.
    let body_sensitive = stack.sensitive_values.get("template_body") == Some(&Json::Bool(true));
    // Reported in the plan's file, named by the stack's address: a plan has no useful lines.
    for role in &mut scanned.roles {
        if body_sensitive || !sensitive.is_empty() {
            // Every deployment's document: the one judged worst may be any.
            let documents = || std::iter::once(&role.document).chain(role.alternatives.iter().map(|a| &a.document));
            let mut hidden: Vec<String> = documents()
                .flat_map(|d| super::with_derived(sensitive.clone(), d))
                .collect();
            if body_sensitive {
                hidden.extend(documents().flat_map(|d| super::condition_values(d)));
            }
            role.sensitive.get_or_insert_with(Vec::new).extend(hidden);
        }
        role.origin.source = Some(source.to_owned());
        role.origin.name = format!("{}/{}", stack.address, role.origin.name);
        role.origin.kind = NameKind::Address;
        role.origin.line = None;
        role.statement_lines.clear();
    }
    // Its roles' exports name them as they are reported.
    for export in &mut scanned.exports {
        export.source = source.to_owned();
        export.role = format!("{}/{}", stack.address, export.role);
    }
    scanned
}

/// Whether a template's text (and `root`, as YAML reads it: `None` when it can't) could make an
/// IAM role: one written out, a SAM resource (SAM makes function roles), an include, or a macro
/// (a transform other than the language extensions).
fn may_make_roles(body: &str, root: Option<&super::yaml::Node>) -> bool {
    const MAKERS: [&str; 4] = ["AWS::IAM::Role", "AWS::Serverless", "AWS::Include", "Fn::Transform"];
    let macro_named = root.is_none_or(|root| {
        let transforms: Vec<String> = match root.get("Transform") {
            Some(t) => match t.as_seq() {
                Some(list) => list.iter().filter_map(|t| t.as_str()).map(str::to_owned).collect(),
                None => t.as_str().map(str::to_owned).into_iter().collect(),
            },
            None => Vec::new(),
        };
        transforms.iter().any(|name| name != "AWS::LanguageExtensions")
    });
    macro_named || MAKERS.iter().any(|maker| body.contains(maker))
}

/// A stack whose template can't be judged: one entry that fails closed, saying why.
fn unjudged_stack(source: &str, stack: &Resource, why: String) -> RoleInput {
    let origin = Origin {
        source: Some(source.to_owned()),
        name: stack.address.clone(),
        kind: NameKind::Address,
        line: None,
        arn: None,
        deployed: None,
    };
    let role = Role {
        proposed: true,
        ..Role::default()
    };
    let mut input = RoleInput::new(origin, String::new(), role);
    input.unknown_policy = Some(UnknownPolicy {
        why,
        fix: "write the template so that the plan shows it (template_body from file() or templatefile() of a valid \
              template), or scan the template itself with trustcheck template"
            .to_owned(),
    });
    input
}

/// The source resource types a mapping's `event_source_arn` may refer to.
const SOURCE_TYPES: [&str; 7] = [
    "aws_sqs_queue",
    "aws_kinesis_stream",
    "aws_dynamodb_table",
    "aws_msk_cluster",
    "aws_msk_serverless_cluster",
    "aws_mq_broker",
    "aws_docdb_cluster",
];

/// Function (named as the roles' users are) → its `aws_lambda_event_source_mapping`s: the
/// function by reference or by name, the source by its known ARN, by reference to a source of
/// the plan (its ARN as it will be), or a self-managed Kafka cluster's servers.
fn event_sources(
    managed: &[&Resource],
    config: &Config,
    identities: &HashMap<&str, String>,
    account: Option<&str>,
    region: &str,
    notes: &mut Vec<String>,
) -> HashMap<String, Vec<EventSource>> {
    let functions: Vec<(&Resource, String)> = managed
        .iter()
        .filter_map(|f| Some((*f, identities.get(f.address.as_str())?.clone())))
        .collect();
    // Looked up, not compared with every mapping: a plan may hold thousands of each.
    let function_addresses = AddressIndex::new(functions.iter().map(|(f, _)| f.address.as_str()));
    let managed_addresses = AddressIndex::new(managed.iter().map(|r| r.address.as_str()));
    let mut by_identity: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, (f, identity)) in functions.iter().enumerate() {
        by_identity.entry(identity.as_str()).or_insert(index);
        if let Some(name) = known(&f.values, "function_name") {
            by_name.entry(name).or_default().push(index);
        }
    }
    let mut by_function: HashMap<String, Vec<EventSource>> = HashMap::new();
    for mapping in managed.iter().filter(|r| r.kind == "aws_lambda_event_source_mapping") {
        let address = &mapping.address;
        let kind = "aws_lambda_event_source_mapping";
        let mut referenced = config.addresses_of(address, kind, "function_name", &FUNCTION_KINDS);
        // A mapping on an alias (or a version) stops its function.
        for alias in config.addresses_of(address, kind, "function_name", &["aws_lambda_alias"]) {
            referenced.extend(config.addresses_of(&alias, "aws_lambda_alias", "function_name", &FUNCTION_KINDS));
        }
        let named = known(&mapping.values, "function_name").map(trustcheck::unqualified_function);
        // A bare name means the function of that name in the mapping's own region.
        let mapping_region = config.region_of(mapping, region);
        // The first function, in the plan's order, that the mapping refers to or names.
        let by_reference = function_addresses.first_named(&referenced);
        let by_identity = named.and_then(|n| by_identity.get(n).copied());
        let by_name_here = named.and_then(|n| by_name.get(n)).and_then(|list| {
            (list.iter().copied()).find(|&index| {
                functions
                    .get(index)
                    .is_some_and(|(f, _)| config.region_of(f, region) == mapping_region)
            })
        });
        let function = [by_reference, by_identity, by_name_here]
            .into_iter()
            .flatten()
            .min()
            .and_then(|index| functions.get(index))
            .map(|(_, identity)| identity.clone())
            .or_else(|| named.map(str::to_owned));
        let Some(function) = function else {
            // Which function it invokes is unknown: a role it would stop is judged without it.
            notes.push(format!(
                "{address}: its function_name is known only after apply and is not a reference the plan traces to a \
                 function (a local, variable or data source?): a stream or queue it reads is not counted against any role"
            ));
            continue;
        };
        let enabled = mapping.values.get("enabled").and_then(Json::as_bool).unwrap_or(true);
        let (source, source_kind) = if let Some(arn) = known(&mapping.values, "event_source_arn") {
            (arn.to_owned(), SourceKind::of_arn(arn))
        } else if let Some(servers) = kafka_servers(&mapping.values) {
            (servers, SourceKind::SelfManagedKafka)
        } else {
            let targets = config.addresses_of(address, kind, "event_source_arn", &SOURCE_TYPES);
            let source = managed_addresses
                .first_named(&targets)
                .and_then(|index| managed.get(index));
            match source {
                Some(source) => planned_source(source, account, &config.region_of(source, region)),
                // Known only after apply (a module's input, a local): a mapping that reads from a
                // starting position reads a stream, whose records may expire: judged so.
                None => {
                    let from_position = mapping.values.get("starting_position").is_some_and(|p| !p.is_null());
                    let kind = if from_position {
                        SourceKind::UnnamedStream
                    } else {
                        SourceKind::Other
                    };
                    ("(known after apply)".to_owned(), kind)
                }
            }
        };
        by_function.entry(function.clone()).or_default().push(sources::declared(
            function,
            source,
            source_kind,
            enabled,
        ));
    }
    by_function
}

/// A Lambda@Edge association of a distribution: where it is (`default_cache_behavior.0`), its
/// event type where known, and what its `lambda_arn` is: the resources its configuration refers
/// to, or the ARN the plan knows (`None`: known after apply).
struct Association {
    at: String,
    event_type: Option<String>,
    refers: Vec<String>,
    arn: Option<String>,
}

/// Calls `found` with each `lambda_function_association` block under `value` (at `at`), and
/// where it is. The plan's values and the configuration's expressions nest them alike.
fn association_blocks<'j>(value: &'j Json, at: String, found: &mut impl FnMut(String, &'j Json)) {
    match value {
        Json::Object(map) => {
            for (key, v) in map {
                match key.as_str() {
                    "lambda_function_association" => {
                        for block in v.as_array().into_iter().flatten() {
                            found(at.clone(), block);
                        }
                    }
                    _ => association_blocks(v, format!("{at}.{key}"), found),
                }
            }
        }
        Json::Array(items) => {
            for (index, v) in items.iter().enumerate() {
                association_blocks(v, format!("{at}.{index}"), found);
            }
        }
        _ => {}
    }
}

/// The functions (named as the roles' users are) that CloudFront runs at the edge: those a
/// distribution's `lambda_function_association` blocks name, by `lambda_arn` (a function's
/// `qualified_arn`, a version or alias ARN), as known or by reference. An association whose ARN is
/// known only after apply and whose block as written refers to no function (a `dynamic` block,
/// whose references the plan doesn't list; a local) is noted. The provider keeps a behaviour's
/// associations as a set, in an order of its own: each is matched with the written ones of its
/// behaviour and event type.
fn edge_functions(
    managed: &[&Resource],
    config: &Config,
    identities: &HashMap<&str, String>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let kind = "aws_cloudfront_distribution";
    let mut edge = Vec::new();
    for distribution in managed.iter().filter(|r| r.kind == kind) {
        // Each association written in the configuration: the functions it refers to, directly
        // or through an alias.
        let mut written = config.edge_associations(&distribution.address, kind, &FUNCTION_KINDS);
        let aliases = config.edge_associations(&distribution.address, kind, &["aws_lambda_alias"]);
        for (association, aliases) in written.iter_mut().zip(aliases) {
            for alias in aliases.refers {
                (association.refers).extend(config.addresses_of(
                    &alias,
                    "aws_lambda_alias",
                    "function_name",
                    &FUNCTION_KINDS,
                ));
            }
        }
        let mut planned = Vec::new();
        for (key, value) in &distribution.values {
            association_blocks(value, key.clone(), &mut |at, block| {
                planned.push(Association {
                    at,
                    event_type: block.get("event_type").and_then(Json::as_str).map(str::to_owned),
                    refers: Vec::new(),
                    arn: block.get("lambda_arn").and_then(Json::as_str).map(str::to_owned),
                });
            });
        }
        // By a known ARN: the function's name, and its account where the plan knows one.
        let names = |arn: &str, function: &Resource, identity: &str| {
            let unqualified = trustcheck::unqualified_function(arn);
            unqualified == identity
                || known(&function.values, "arn") == Some(unqualified)
                || (!identity.starts_with("arn:")
                    && unqualified.rsplit_once(":function:").map(|(_, name)| name)
                        == known(&function.values, "function_name"))
        };
        for function in managed.iter().filter(|r| is_function(r)) {
            let Some(identity) = identities.get(function.address.as_str()) else {
                continue;
            };
            let named = planned
                .iter()
                .filter_map(|a| a.arn.as_deref())
                .any(|arn| names(arn, function, identity));
            let traced = written.iter().any(|a| refers_to(&a.refers, &function.address));
            if (named || traced) && !edge.contains(identity) {
                edge.push(identity.clone());
            }
        }
        // Each planned association with one written block of its behaviour and event type: those
        // the plan knows first, with the block that refers to their function or writes an ARN;
        // then those known after apply, with one that refers to a function. Left without one, it
        // is untraced.
        let alike = |w: &Association, p: &Association| {
            w.at == p.at && (w.event_type.is_none() || p.event_type.is_none() || w.event_type == p.event_type)
        };
        let mut unused: Vec<&Association> = written.iter().collect();
        let mut take = |p: &Association, fits: &dyn Fn(&Association) -> bool| {
            let at = unused.iter().position(|w| alike(w, p) && fits(w))?;
            Some(unused.remove(at))
        };
        for p in planned.iter().filter(|p| p.arn.is_some()) {
            let arn = p.arn.as_deref().unwrap_or_default();
            let its_function = |w: &Association| {
                managed.iter().filter(|r| is_function(r)).any(|f| {
                    identities.get(f.address.as_str()).is_some_and(|id| names(arn, f, id))
                        && refers_to(&w.refers, &f.address)
                })
            };
            let _ = take(p, &its_function).or_else(|| take(p, &|w: &Association| w.refers.is_empty()));
        }
        // A `dynamic` block writes none of its associations: where the counts differ, any known
        // only after apply may be one of them.
        let unwritten = written.len() != planned.len();
        let untraced = (planned.iter().filter(|p| p.arn.is_none()))
            .any(|p| unwritten || take(p, &|w: &Association| !w.refers.is_empty()).is_none());
        if untraced {
            notes.push(format!(
                "{}: a Lambda@Edge association's lambda_arn is known only after apply and is not a reference the plan traces to a function (a dynamic block, a local, a module output?): that function's role is not checked for Lambda@Edge's trust",
                distribution.address
            ));
        }
    }
    edge
}

/// `self_managed_event_source { endpoints = { KAFKA_BOOTSTRAP_SERVERS = "a:9092,b:9092" } }`.
fn kafka_servers(values: &Map<String, Json>) -> Option<String> {
    let block = values.get("self_managed_event_source")?.as_array()?.first()?;
    let servers = block.get("endpoints")?.get("KAFKA_BOOTSTRAP_SERVERS")?.as_str()?;
    Some(servers.to_owned())
}

/// A source of the plan: its ARN when known, else the one its name will give it.
fn planned_source(source: &Resource, account: Option<&str>, region: &str) -> (String, SourceKind) {
    let mut kind = sources::kind_of_type(&source.kind).unwrap_or(SourceKind::Other);
    let name = known(&source.values, "name")
        .or_else(|| known(&source.values, "cluster_name"))
        .or_else(|| known(&source.values, "broker_name"))
        .or_else(|| known(&source.values, "cluster_identifier"))
        .unwrap_or(&source.address);
    let fifo = source.values.get("fifo_queue").and_then(Json::as_bool) == Some(true) || name.ends_with(".fifo");
    if kind == SourceKind::Sqs && fifo {
        kind = SourceKind::SqsFifo;
    }
    let known_arn = match kind {
        SourceKind::DynamodbStream => known(&source.values, "stream_arn"),
        _ => known(&source.values, "arn"),
    };
    let arn = known_arn.map(str::to_owned).unwrap_or_else(|| {
        sources::source_arn(
            kind,
            super::partition(region),
            region,
            account.unwrap_or("ACCOUNT"),
            name,
        )
    });
    (arn, kind)
}

/// The provider configuration a `provider_config_key` names (`module.a:aws.shared` → `aws.shared`).
fn provider_name(key: &str) -> &str {
    key.rsplit(':').next().unwrap_or(key)
}

/// Whether two provider configuration keys reach the same account as far as a plan can tell: the
/// same configuration, or the Cloud Control provider's default beside the AWS provider's (both
/// take the credentials of the environment, and awscc has no caller identity of its own to say
/// otherwise). An alias is another configuration, maybe another account.
fn same_account_provider(a: &str, b: &str) -> bool {
    let account = |key| match provider_name(key) {
        "awscc" => "aws",
        name => name,
    };
    account(a) == account(b)
}

/// Whether a role ARN the plan knows (a function's `role`) names this role, new in the plan, by
/// its path and name: in the deploying account, or in any when that isn't known, and in any
/// partition (the one built from `--region` may not be the plan's).
fn names_new_role(arn: &str, role: &Resource, account: Option<&str>) -> bool {
    if known(&role.values, "arn").is_some() {
        return false;
    }
    let Some(name) = role_name(role) else {
        return false;
    };
    let path = known(&role.values, "path").unwrap_or("/");
    match arn.splitn(6, ':').collect::<Vec<_>>()[..] {
        ["arn", _, "iam", "", in_account, resource] => {
            resource
                .strip_prefix("role")
                .and_then(|r| r.strip_prefix(path))
                .is_some_and(|named| named.eq_ignore_ascii_case(name))
                && account.is_none_or(|a| a == in_account)
        }
        _ => false,
    }
}

/// What follows an ARN's last `/` (a role's name), or the whole text without one.
fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The role's ARN: known at plan time for a role that exists, else built from its name.
fn role_arn(role: &Resource, account: Option<&str>, region: &str) -> Option<String> {
    if let Some(arn) = known(&role.values, "arn") {
        return Some(arn.to_owned());
    }
    let name = role_name(role)?;
    let path = known(&role.values, "path").unwrap_or("/");
    Some(format!(
        "arn:{}:iam::{}:role{path}{name}",
        super::partition(region),
        account?
    ))
}

/// How a function is named to the rule: its ARN, known or built; without the account the bare
/// name, which leaves `aws:SourceArn` unknown rather than wrong.
fn function_identity(function: &Resource, account: Option<&str>, region: &str) -> String {
    match (
        known(&function.values, "arn"),
        known(&function.values, "function_name"),
        account,
    ) {
        (Some(arn), _, _) => arn.to_owned(),
        (None, Some(name), Some(account)) => {
            format!(
                "arn:{}:lambda:{region}:{account}:function:{name}",
                super::partition(region)
            )
        }
        (None, Some(name), None) => name.to_owned(),
        (None, None, _) => function.address.clone(),
    }
}

/// The role's name as its type names the attribute, when known at plan time.
fn role_name(role: &Resource) -> Option<&str> {
    known(&role.values, role_type(&role.kind)?.name)
}

/// The strings the plan marks sensitive in `values` (`marks` is a resource's `sensitive_values`,
/// shaped as its values, `true` where one is): what a report must never print.
fn sensitive_strings(values: &Json, marks: &Json, policy_document: bool, out: &mut Vec<String>) {
    match (values, marks) {
        (_, Json::Bool(true)) if policy_document => secret_strings(values, out),
        (_, Json::Bool(true)) => super::collect_strings(values, out),
        (Json::Object(values), Json::Object(marks)) => {
            for (key, mark) in marks {
                if let Some(value) = values.get(key) {
                    sensitive_strings(value, mark, policy_document, out);
                }
            }
        }
        (Json::Array(values), Json::Array(marks)) => {
            for (value, mark) in values.iter().zip(marks) {
                sensitive_strings(value, mark, policy_document, out);
            }
        }
        _ => {}
    }
}

/// The strings of an `aws_iam_policy_document`'s value the plan marks sensitive whole, but for
/// the words its blocks are written in: a `condition`'s operator (`test`) and a key without a
/// `/` (`variable`: `sts:ExternalId`, not a tag key that may name a secret), a `principals`
/// block's `type`, a `statement`'s `effect`, `actions` and `not_actions`. Terraform marks a whole
/// block sensitive when anything in it rests on a sensitive value (a `dynamic` block's
/// `for_each`, as terraform-aws-modules builds an external id's condition): `StringEquals` or
/// `sts:ExternalId` is in every other policy too, and no secret. What they apply to (`values`,
/// `identifiers`), a `sid`, and every field of any other shape stay secret.
fn secret_strings(value: &Json, out: &mut Vec<String>) {
    let has = |fields: &Map<String, Json>, names: &[&str]| names.iter().all(|n| fields.contains_key(*n));
    let global_key = |fields: &Map<String, Json>| {
        fields
            .get("variable")
            .and_then(Json::as_str)
            .is_some_and(|key| !key.contains(['/', '$']))
    };
    match value {
        Json::Object(fields) => {
            let grammar: &[&str] = if has(fields, &["test", "variable", "values"]) {
                if global_key(fields) {
                    &["test", "variable"]
                } else {
                    &["test"]
                }
            } else if has(fields, &["type", "identifiers"]) {
                &["type"]
            } else if has(fields, &["effect", "condition", "principals"]) {
                &["effect", "actions", "not_actions"]
            } else {
                &[]
            };
            let secret = fields.iter().filter(|(name, _)| !grammar.contains(&name.as_str()));
            secret.for_each(|(_, field)| secret_strings(field, out));
        }
        Json::Array(items) => items.iter().for_each(|item| secret_strings(item, out)),
        other => super::collect_strings(other, out),
    }
}

/// The data source that renders policy documents in the AWS provider.
const POLICY_DOCUMENT: &str = "aws_iam_policy_document";

/// A trust policy known only after apply, as the plan's arguments of the data source that renders
/// it show it ([`super::policy_document`]).
struct Deferred {
    document: String,
    note: String,
    /// The values the plan marks sensitive in the data source's arguments.
    sensitive: Vec<String>,
}

/// The trust policy of `role` when its policy attribute is a `data.aws_iam_policy_document`'s
/// `json` (or `minified_json`) and nothing else, and Terraform reads that data source only at
/// apply (it depends on something the plan creates): `None` otherwise; why it can't be judged
/// when the plan leaves the document's shape unknown. `arn_of` builds the ARN of a role or OIDC
/// provider the plan makes, by address.
///
/// The configuration's references can't show a function around the document
/// (`replace(data.….json, …)` refers to what the bare `….json` does): it is read as the document.
fn deferred_document(
    config: &Config,
    reads: &HashMap<&str, &Change>,
    arn_of: &dyn Fn(&str) -> Option<String>,
    role: &Resource,
) -> Option<Result<Deferred, UnknownPolicy>> {
    let attribute = role_type(&role.kind)?.policy;
    if role.values.contains_key(attribute) {
        return None;
    }
    let references = config
        .expression(&role.address, attribute)?
        .get("references")?
        .as_array()?;
    let (prefix, local) = split_module(&role.address)?;
    let each_value = config.each_value_key(&role.address);
    let address = document_address(references, instance_key(local), each_value.as_deref())
        .map(|local| format!("{prefix}{local}"))?;
    let change = reads.get(address.as_str())?;
    let after = change.after.as_ref()?.as_object()?;
    let unknown = change.after_unknown.clone().unwrap_or(Json::Null);
    // The configuration's statements, when they line up with the plan's: `dynamic` blocks are
    // not in the configuration.
    let planned = after.get("statement").and_then(Json::as_array).map_or(0, Vec::len);
    let statements = (config.expression(&address, "statement").and_then(Json::as_array)).filter(|s| s.len() == planned);
    let planned = after.get("statement").and_then(Json::as_array).map(Vec::as_slice);
    let (data_prefix, _) = split_module(&address)?;
    let unknowns = Unknowns {
        statements: statements.map(Vec::as_slice),
        planned,
        data_prefix,
        address: &address,
        arn_of,
        config,
    };
    let resolve =
        |path: &super::policy_document::Path, kind: Option<&str>, whole: bool| unknowns.taken_for(path, kind, whole);
    let rendered = match super::policy_document::rendered(after, &unknown, &resolve) {
        Ok(rendered) => rendered,
        Err(why) => return Some(Err(unrendered(attribute, &address, why))),
    };
    let mut sensitive = Vec::new();
    if let Some(marks) = &change.after_sensitive {
        // The policy document data source's own arguments.
        sensitive_strings(&Json::Object(after.clone()), marks, true, &mut sensitive);
    }
    let (resolved, undetermined) = (rendered.resolved, rendered.undetermined);
    Some(Ok(Deferred {
        document: rendered.document,
        note: format!(
            "{attribute} is known only after apply: judged as {address} renders it from the plan's arguments; of their \
             values known only after apply, {resolved} built from the plan (the ARNs of the roles and OIDC providers it \
             makes, a service principal's name from its service_name) and {undetermined} read as undetermined (UNRESOLVED)"
        ),
        sensitive,
    }))
}

/// What the unknown values of a policy document read at apply are taken for, from what the
/// configuration's expressions refer to ([`super::policy_document::Unknown`]).
struct Unknowns<'a> {
    /// The configuration's statements, when they line up with the plan's.
    statements: Option<&'a [Json]>,
    /// The plan's statements, as the data source's arguments give them.
    planned: Option<&'a [Json]>,
    /// The module the data source is in (`module.x.`), which its references are relative to.
    data_prefix: &'a str,
    /// The data source's address.
    address: &'a str,
    /// The ARN of a role or OIDC provider the plan makes, by address.
    arn_of: &'a dyn Fn(&str) -> Option<String>,
    config: &'a Config,
}

impl Unknowns<'_> {
    /// The unknown value at `path`, for a principal of `kind` or another value; `whole` when its
    /// whole list is unknown.
    fn taken_for(
        &self,
        path: &super::policy_document::Path,
        kind: Option<&str>,
        whole: bool,
    ) -> super::policy_document::Unknown {
        use super::policy_document::Unknown;
        let field = path.get(2).copied().unwrap_or_default();
        let index = path.get(1).and_then(|i| i.parse::<usize>().ok());
        // A `dynamic` block is not in the configuration: where the plan has more blocks of the
        // field than the configuration writes, what the written ones refer to says nothing of
        // the others' values.
        let blocks = |statements: Option<&[Json]>| {
            let statement = statements?.get(index?)?;
            Some(statement.get(field).and_then(Json::as_array).map_or(0, Vec::len))
        };
        let lined_up = matches!(field, "principals" | "not_principals" | "condition")
            .then(|| blocks(self.statements) == blocks(self.planned))
            .unwrap_or(true);
        let written = self
            .statements
            .filter(|_| lined_up)
            .and_then(|s| s.get(index?))
            .map(|statement| field_references(statement, field))
            .unwrap_or_default();
        // A module's variable or output that holds one reference alone stands for it
        // (`module.ci.arn` for the module's `aws_iam_role.this.arn`), with the module it is in.
        let references: Vec<(String, String)> = (written.iter())
            .map(|r| {
                self.config
                    .sole_reference(self.data_prefix, r)
                    .unwrap_or_else(|| (self.data_prefix.to_owned(), (*r).to_owned()))
            })
            .collect();
        // A principal of a role or OIDC provider the plan makes (`aws_iam_openid_connect_provider.github.arn`,
        // one value of its own): its ARN, which the plan can build. A condition's value only under
        // `StringEquals`, where whatever wraps it (`"${aws_iam_role.x.arn}*"` refers to the same)
        // is one literal value, as the ARN is. Not under the operators that read wildcards, the
        // ARN ones too: text around the ARN may bring colons of its own, so that its account
        // falls in the resource part of the pattern (`arn:aws:iam::*:role/*${…arn}` admits any
        // account's role whose path holds the ARN; a path may hold colons).
        let literal = path.get(5).is_some_and(|operator| {
            let base = operator.split(':').next_back().unwrap_or(operator);
            ["StringEquals", "StringEqualsIgnoreCase"].iter().any(|o| {
                base.strip_prefix(o)
                    .is_some_and(|rest| rest.is_empty() || rest == "IfExists")
            })
        });
        if let ([(module, one)], true, false) = (references.as_slice(), kind.is_some() || literal, whole) {
            let made = one.strip_suffix(".arn").map(|resource| format!("{module}{resource}"));
            if let Some(arn) = made.and_then(|resource| (self.arn_of)(&resource)) {
                return Unknown::Known(arn);
            }
        }
        // A service principal the provider names from its `service_name`
        // (`data.aws_service_principal.lambda.name`, read at apply when its module depends on
        // something): `SERVICE.amazonaws.com`, as the provider names it in every partition but
        // for a few services.
        if let ([(module, one)], Some("Service"), false) = (references.as_slice(), kind, whole) {
            let data = one
                .strip_suffix(".name")
                .filter(|d| d.starts_with("data.aws_service_principal."));
            let service = data.and_then(|data| {
                let written = self.config.expression(&format!("{module}{data}"), "service_name")?;
                written.get("constant_value")?.as_str()
            });
            // The provider names these otherwise in some partition (`logs.amazonaws.com.cn`,
            // `config.c2s.ic.gov`): left undetermined, as the partition may be one of those.
            const NAMED_BY_PARTITION: [&str; 7] = [
                "cloudhsm",
                "codedeploy",
                "config",
                "dms",
                "elasticmapreduce",
                "logs",
                "workspaces",
            ];
            if let Some(service) = service.filter(|s| !s.is_empty() && !NAMED_BY_PARTITION.contains(s)) {
                return Unknown::Known(format!("{service}.amazonaws.com"));
            }
        }
        let name = match written.as_slice() {
            [one] => (*one).to_owned(),
            _ => format!("{} after apply", self.address),
        };
        let references: Vec<&str> = references.iter().map(|(_, r)| r.as_str()).collect();
        // A value known only after apply may be anything, `*` too (a variable, an SSM parameter,
        // another account's id), as a template parameter's is: an AWS principal unless the
        // statement's principals all come from roles and users the plan makes, and a condition's
        // value unless it comes from resources the plan makes (a topic's ARN is that topic's; not
        // a random string's, which may hold `*` and `?`). A provider or a service is one,
        // whichever.
        // A role's or user's ARN, not any other attribute of it (a description may hold
        // anything); the bare address Terraform lists beside it is gone already (`without_bare`).
        let made_here = |r: &&str| {
            let Some(rest) = r
                .strip_prefix("aws_iam_role.")
                .or_else(|| r.strip_prefix("aws_iam_user."))
            else {
                return false;
            };
            // After the name and any instance key: `.arn` and nothing else.
            let after_name = rest.find(['.', '[']).and_then(|at| rest.get(at..)).unwrap_or_default();
            let attribute = match after_name.strip_prefix('[') {
                Some(keyed) => keyed.find(']').and_then(|at| keyed.get(at + 1..)).unwrap_or_default(),
                None => after_name,
            };
            attribute == ".arn"
        };
        let managed = |r: &&str| {
            ![
                "var.",
                "local.",
                "data.",
                "module.",
                "each.",
                "count.",
                "path.",
                "terraform.",
                "random_",
                // Whatever its input is: `terraform_data.x.output`, a null_resource's triggers.
                "terraform_data.",
                "null_resource.",
            ]
            .iter()
            .any(|from| r.starts_with(from))
        };
        // A list unknown as a whole may hold constants besides what it refers to
        // (`distinct([aws_iam_role.x.arn, "*"])`), which the configuration doesn't list: anything.
        let chosen = match kind {
            Some("AWS") => whole || references.is_empty() || !references.iter().all(made_here),
            Some(_) => false,
            None => field == "condition" && (whole || references.is_empty() || !references.iter().all(managed)),
        };
        Unknown::Marker(match chosen {
            true => format!("Ref {}", name.replace([' ', ','], "_")),
            false => name,
        })
    }
}

/// Why a policy document read at apply can't be judged before it, and what to do.
fn unrendered(attribute: &str, address: &str, why: super::policy_document::Unrendered) -> UnknownPolicy {
    use super::policy_document::Unrendered;
    let (what, fix) = match why {
        Unrendered::Merged => (
            "merges other documents (source_policy_documents, override_policy_documents), whose merge the plan doesn't show".to_owned(),
            "apply it and scan the next plan, or write the trust in one document".to_owned(),
        ),
        Unrendered::VariableIn2008 => (
            "writes a policy variable (&{…}) under version 2008-10-17, which the provider refuses".to_owned(),
            "write the document's version 2012-10-17".to_owned(),
        ),
        Unrendered::Unknown(part) if part == super::policy_document::CONDITION_KEYS => (
            "leaves its condition keys unknown (an EKS cluster's OIDC issuer, say, which exists only once the cluster does)".to_owned(),
            "apply what the keys are built from first (terraform apply -target=module.eks, say) and scan the next plan, or give the \
             workload EKS Pod Identity (pods.eks.amazonaws.com), whose trust the plan shows"
                .to_owned(),
        ),
        Unrendered::Unknown(part) => (
            format!("leaves its {part} unknown"),
            "build them from values known at plan time, or apply what they come from first and scan the next plan".to_owned(),
        ),
    };
    UnknownPolicy {
        why: format!(
            "{attribute} is known only after apply: {address}, read at apply, {what}; it can't be judged before apply (fails closed)"
        ),
        fix,
    }
}

/// The instance key of a resource's local address (`["a"]` of `aws_iam_role.r["a"]`, `[0]`), or
/// nothing.
fn instance_key(local: &str) -> &str {
    local.find('[').and_then(|at| local.get(at..)).unwrap_or_default()
}

/// The policy document data source a role's policy expression refers to, and nothing else: its
/// local address, with the instance key the reference writes, or the role's own key when it
/// reads `[each.key]` or `[count.index]` (Terraform then lists the bare data source beside
/// `each.key`), or `each_value` when it reads `[each.value]` (the key that value is, as
/// [`Config::each_value_key`] finds it; `None` when unknown, and so is the document). `….json`,
/// `….minified_json` and the bare data source are one reference.
fn document_address(references: &[Json], own_key: &str, each_value: Option<&str>) -> Option<String> {
    let mut document: Option<String> = None;
    let mut by_key: Option<&str> = None;
    for reference in references.iter().filter_map(Json::as_str) {
        let key = match reference {
            "each.key" | "count.index" => Some(own_key),
            "each.value" => Some(each_value?),
            _ => None,
        };
        if let Some(key) = key {
            // Two keys (`[each.key][each.value]`, or both somewhere in the expression): which
            // instance is unknown.
            if by_key.is_some_and(|seen| seen != key) {
                return None;
            }
            by_key = Some(key);
            continue;
        }
        let written = reference
            .strip_suffix(".minified_json")
            .or_else(|| reference.strip_suffix(".json"))
            .unwrap_or(reference);
        // `data.aws_iam_policy_document.NAME`, with an instance key or not, and no other attribute
        // (`….id`).
        let name = written
            .strip_prefix("data.")?
            .strip_prefix(POLICY_DOCUMENT)?
            .strip_prefix('.')?;
        if name.split('[').next()?.contains('.') {
            return None;
        }
        // Terraform lists `….x["k"]` beside the bare `….x`: the keyed one says which.
        match &document {
            Some(seen) if seen == written || seen.starts_with(&format!("{written}[")) => {}
            Some(seen) if written.starts_with(&format!("{seen}[")) => document = Some(written.to_owned()),
            Some(_) => return None,
            None => document = Some(written.to_owned()),
        }
    }
    let document = document?;
    match by_key {
        Some(key) if !document.ends_with(']') && !key.is_empty() => Some(format!("{document}{key}")),
        Some(_) => None,
        None => Some(document),
    }
}

/// What the expressions of a statement's `field` in the configuration refer to: of the argument
/// itself, or of each block's (`principals`' `identifiers`, `condition`'s `values`: sets, which
/// the plan lists in its own order, so every block's). Without the bare resource Terraform lists
/// beside each attribute (`aws_iam_role.x` beside `aws_iam_role.x.arn`).
fn field_references<'c>(statement: &'c Json, field: &str) -> Vec<&'c str> {
    let all = |expression: Option<&'c Json>| {
        (expression.and_then(|e| e.get("references")).and_then(Json::as_array))
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
    };
    let blocks = |inner: &'static str| {
        (statement.get(field).and_then(Json::as_array).into_iter().flatten())
            .flat_map(move |block| all(block.get(inner)))
    };
    let mut found: Vec<&str> = match field {
        "principals" | "not_principals" => blocks("identifiers").collect(),
        "condition" => blocks("values").collect(),
        _ => all(statement.get(field)).collect(),
    };
    found.sort_unstable();
    found.dedup();
    without_bare(found)
}

/// The references less those Terraform lists beside a longer one: `x` and `x[0]` beside
/// `x[0].arn`.
fn without_bare(found: Vec<&str>) -> Vec<&str> {
    let bare =
        |r: &str| (found.iter()).any(|other| other.strip_prefix(r).is_some_and(|rest| rest.starts_with(['.', '['])));
    found.iter().copied().filter(|r| !bare(r)).collect()
}

fn role_input(source: &str, resource: &Resource, role: Role) -> RoleInput {
    let mut unknown_policy = None;
    let attribute = role_type(&resource.kind).map_or("assume_role_policy", |t| t.policy);
    let document = match resource.values.get(attribute) {
        Some(Json::String(text)) => as_the_provider_sends(text),
        // An object where a string belongs: still the policy.
        Some(value @ Json::Object(_)) => value.to_string(),
        // A number, a list or a boolean: no policy at all (a hand-edited or broken plan).
        Some(value @ (Json::Number(_) | Json::Array(_) | Json::Bool(_))) => {
            let kind = match value {
                Json::Number(_) => "a number",
                Json::Array(_) => "a list",
                _ => "a boolean",
            };
            unknown_policy = Some(UnknownPolicy {
                why: format!("{attribute} is {kind} in the plan, not a policy document (fails closed)"),
                fix: "make the plan again with terraform show -json; a plan edited by hand or by another tool may be broken"
                    .to_owned(),
            });
            String::new()
        }
        _ => {
            // Typically it names something the same plan creates (an OIDC provider's `arn`).
            unknown_policy = Some(UnknownPolicy {
                why: format!(
                    "{attribute} is known only after apply: the plan doesn't show it, so it can't be judged \
                     before apply (fails closed)"
                ),
                fix: "build what it names from values known at plan time (an OIDC provider's ARN as \
                      \"arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/HOST\", not \
                      aws_iam_openid_connect_provider.NAME.arn), or apply it first and scan the next plan"
                    .to_owned(),
            });
            String::new()
        }
    };
    // `tags_all` adds the provider's default_tags to the role's own; awscc lists `{key, value}`s.
    let tags = ["tags_all", "tags"]
        .iter()
        .find_map(|key| resource.values.get(*key)?.as_object().filter(|m| !m.is_empty()))
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .or_else(|| {
            let listed = resource.values.get("tags")?.as_array()?;
            let tag = |t: &Json| {
                Some((
                    known(t.as_object()?, "key")?.to_owned(),
                    t.get("value")?.as_str()?.to_owned(),
                ))
            };
            Some(listed.iter().filter_map(tag).collect())
        })
        .unwrap_or_default();
    let origin = Origin {
        source: Some(source.to_owned()),
        name: resource.address.clone(),
        kind: NameKind::Address,
        line: None,
        arn: known(&resource.values, "arn").map(str::to_owned),
        deployed: None,
    };
    let mut input = RoleInput::new(origin, document, role).with_tags(tags);
    input.unknown_policy = unknown_policy;
    if resource.sensitive_values.get(attribute) == Some(&Json::Bool(true)) {
        input.sensitive = Some(super::condition_values(&input.document));
    }
    input
}

/// The document as the AWS provider sends it to IAM, which reads the JSON and writes it again
/// (`NormalizeJsonString`): a character past U+00FF written as an escape (`\u2014`) reaches IAM
/// as itself, which IAM refuses. Only a document with such an escape is written again.
fn as_the_provider_sends(text: &str) -> String {
    let escaped_past_latin1 = text.match_indices("\\u").any(|(at, _)| {
        (text.get(at + 2..at + 6))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .is_some_and(|code| code > 0xFF)
    });
    if !escaped_past_latin1 {
        return text.to_owned();
    }
    // Go's encoder, unlike serde_json's, writes the two line separators as escapes.
    serde_json::from_str::<Json>(text).map_or_else(
        |_| text.to_owned(),
        |value| {
            value
                .to_string()
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029")
        },
    )
}

/// The configuration a provider key names in the plan: its own, else (a module's inherited one,
/// `worker:aws`) the root's of its name; and whether that is uncertain ([`Resolved::passed`]).
///
/// `module` is the module path of the resource or data source the key is of
/// (`module.a.module.b`): Terraform before 1.2 keys a module's resources by the innermost name
/// (`b:aws`), its configurations by the whole path (`module.a.module.b:aws`), and lists an
/// inherited one there too when the module only declares the provider (`required_providers`),
/// with no arguments: that one is its parent module's, or the root's.
fn configuration_key(providers: &BTreeMap<String, ProviderConfig>, key: &str, module: &str) -> Resolved {
    let name = provider_name(key);
    if providers.contains_key(key) || !key.contains(':') || key.starts_with("module.") {
        let key = [key, name]
            .into_iter()
            .find(|k| providers.contains_key(*k))
            .map(str::to_owned);
        return Resolved { key, passed: false };
    }
    let mut path = module;
    let mut declared_in = None;
    let found = loop {
        let candidate = format!("{path}:{name}");
        match providers.get(&candidate) {
            Some(found) if !found.expressions.is_empty() => break Some(candidate),
            Some(_) => declared_in = declared_in.or(Some(path)),
            None => {}
        }
        match path.rsplit_once(".module.") {
            Some((parent, _)) => path = parent,
            None => break providers.contains_key(name).then(|| name.to_owned()),
        }
    };
    // 1.1 doesn't record a provider passed to a module (`providers = { aws = aws.prod }`): one
    // that only declares it may have been given an alias of its parent's instead of inheriting.
    // That matters only when such an alias acts with other credentials.
    let passed = declared_in.is_some_and(|module| {
        let parent = module.rsplit_once(".module.").map_or("", |(parent, _)| parent);
        let prefix = match parent {
            "" => format!("{name}."),
            parent => format!("{parent}:{name}."),
        };
        let inherited = credentials_of(providers, found.as_deref());
        (providers.keys().filter(|k| k.starts_with(&prefix))).any(|alias| {
            let theirs = credentials_of(providers, Some(alias));
            theirs.is_none() || theirs != inherited
        })
    });
    Resolved { key: found, passed }
}

/// A provider key as the plan's configuration has it ([`configuration_key`]).
struct Resolved {
    key: Option<String>,
    /// A Terraform 1.1 module's: it may have been passed an alias acting in another account.
    passed: bool,
}

/// The credentials a configuration writes ([`OWN_CREDENTIALS`]), when they are constants that
/// can be compared; none for a configuration the plan doesn't show.
fn credentials_of<'p>(
    providers: &'p BTreeMap<String, ProviderConfig>,
    key: Option<&str>,
) -> Option<Vec<(&'static str, &'p Json)>> {
    let Some(config) = key.and_then(|k| providers.get(k)) else {
        return Some(Vec::new());
    };
    let written: Vec<(&'static str, &Json)> = (OWN_CREDENTIALS.iter())
        .filter_map(|k| Some((*k, config.expressions.get(*k)?)))
        .collect();
    written
        .iter()
        .all(|(_, value)| only_constants(value))
        .then_some(written)
}

/// The module path of a resource's address (`module.a.module.b` of
/// `module.a["x"].module.b.aws_iam_role.r`), empty in the root.
fn module_path(address: &str) -> String {
    let configured = config_address(address);
    let (prefix, _) = split_module(&configured).unwrap_or_default();
    prefix.trim_end_matches('.').to_owned()
}

/// Which account each provider configuration acts in ([`provider_accounts`]), beside the
/// deploying one's (the caller identity's configuration, else the default `aws`).
struct ProviderAccounts<'p> {
    providers: &'p BTreeMap<String, ProviderConfig>,
    accounts: HashMap<String, Option<String>>,
    deploying: String,
    /// The module the caller identity that names the deploying account is read in.
    deploying_module: String,
}

impl ProviderAccounts<'_> {
    /// For a resource made through the configuration `provider` (its `provider_config_key`):
    /// `None` when that acts in the deploying account, as the deploying configuration itself or
    /// one whose credentials are written as its are, in constants (a region's alias); else the
    /// configuration and its account when the plan says it. Credentials read from variables or
    /// other values can't be compared: the plan keeps what they read, not how (`"${var.env}-prod"`
    /// and `"${var.env}-tooling"` read alike).
    fn other(&self, provider: &str, module: &str) -> Option<(String, Option<String>)> {
        let Resolved { key: own, passed } = configuration_key(self.providers, provider, module);
        let deploying = configuration_key(self.providers, &self.deploying, &self.deploying_module).key;
        if own.is_some() && own == deploying && !passed {
            return None;
        }
        // A module that may have been passed another account's alias: unknown.
        if passed {
            return Some((own.unwrap_or_else(|| provider.to_owned()), None));
        }
        // An account the plan states for the configuration (its caller identity, the role it
        // assumes) is its account, however its credentials read.
        if let Some((own, Some(account))) = own.as_ref().map(|k| (k, self.accounts.get(k).cloned().flatten())) {
            return Some((own.clone(), Some(account)));
        }
        let credentials = |key: Option<&String>| credentials_of(self.providers, key.map(String::as_str));
        let alike =
            matches!((credentials(own.as_ref()), credentials(deploying.as_ref())), (Some(a), Some(b)) if a == b);
        match own {
            Some(_) | None if alike && (own.is_some() || same_account_provider(provider, &self.deploying)) => None,
            Some(own) => {
                let account = self.accounts.get(&own).cloned().flatten();
                Some((own, account))
            }
            // The same provider's default configuration, which the plan doesn't list: the
            // deploying one. Not awscc's beside aws's: it is the deploying account only when their
            // credentials read alike (above).
            None if provider_name(provider) == provider_name(&self.deploying) => None,
            None => Some((provider.to_owned(), None)),
        }
    }
}

/// Whether a configuration's expression holds constants only (`{"constant_value": …}`, or blocks
/// of them), nothing it reads from elsewhere (`{"references": …}`) or computes (`{}`: a function
/// call the plan doesn't evaluate, `pathexpand("~/.aws/prod")`).
fn only_constants(value: &Json) -> bool {
    match value {
        Json::Object(map) if map.contains_key("constant_value") => true,
        Json::Object(map) => !map.is_empty() && !map.contains_key("references") && map.values().all(only_constants),
        Json::Array(items) => items.iter().all(only_constants),
        _ => true,
    }
}

/// A provider configuration's arguments that say which credentials, and so which account, it
/// acts with: two configurations that write them alike act in one account.
const OWN_CREDENTIALS: [&str; 9] = [
    "assume_role",
    "assume_role_with_web_identity",
    "profile",
    "access_key",
    "secret_key",
    "token",
    "shared_credentials_files",
    "shared_config_files",
    // Provider v3's only spelling (v4 still reads it).
    "shared_credentials_file",
];

/// The account each provider configuration (by its key: `aws.prod`, `module.vendor:aws`) acts
/// in, as far as the plan says: the `aws_caller_identity` read through it, else the account of
/// the last role it assumes (`assume_role`, chained, or `assume_role_with_web_identity`) when that
/// ARN is written out or a root variable's value. `None` for one that takes credentials of its
/// own (a role the plan doesn't name, a `profile`, keys): it may act in another account. A
/// configuration that sets none (a region's alias) is left out: it is the deploying one's.
fn provider_accounts(
    config: &Config,
    providers: &BTreeMap<String, ProviderConfig>,
    variables: &Map<String, Json>,
    read: &[&Resource],
) -> HashMap<String, Option<String>> {
    let mut accounts = HashMap::new();
    for (key, provider) in providers {
        let expressions = &provider.expressions;
        if !OWN_CREDENTIALS.iter().any(|k| expressions.contains_key(*k)) {
            continue;
        }
        // The provider takes the web identity's role first, then each `assume_role` in turn:
        // the last one's account is where it acts.
        // Blocks (the aws provider's, a list) or one attribute (awscc's: `{"constant_value":
        // {"role_arn": …}}`).
        let assumed = ["assume_role", "assume_role_with_web_identity"].iter().find_map(|k| {
            let written = expressions.get(*k)?;
            (written.as_array().and_then(|blocks| blocks.last())).or_else(|| written.get("constant_value"))
        });
        let role = assumed.and_then(|a| {
            let arn = a.get("role_arn")?;
            if let Some(text) = arn.as_str().or_else(|| arn.get("constant_value")?.as_str()) {
                return Some(text);
            }
            // `role_arn = var.NAME`: the value the plan was made with (a root configuration's), or
            // the one its module call writes out (a module's).
            let [reference] = &arn.get("references")?.as_array()?[..] else {
                return None;
            };
            let variable = reference.as_str()?.strip_prefix("var.")?;
            let value = match key.split_once(':') {
                Some((module, _)) => module_call(&config.root, module)?
                    .expressions
                    .get(variable)?
                    .get("constant_value")?,
                None => variables.get(variable)?.get("value")?,
            };
            value.as_str()
        });
        let account = role
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|a| trustcheck::is_account_id(a));
        accounts.insert(key.clone(), account.map(str::to_owned));
    }
    // `allowed_account_ids` of one account written out: the provider refuses to act in any
    // other, so that is where it acts (unless the plan says more).
    for (key, provider) in providers {
        let allowed = provider
            .expressions
            .get("allowed_account_ids")
            .and_then(|a| a.get("constant_value"));
        let [only] = allowed.and_then(Json::as_array).map(Vec::as_slice).unwrap_or_default() else {
            continue;
        };
        if let Some(account) = only.as_str().filter(|a| trustcheck::is_account_id(a)) {
            let entry = accounts.entry(key.clone()).or_insert(None);
            entry.get_or_insert_with(|| account.to_owned());
        }
    }
    for identity in read
        .iter()
        .filter(|r| r.mode == "data" && r.kind == "aws_caller_identity")
    {
        let Some(account) = known(&identity.values, "account_id") else {
            continue;
        };
        let provider = config.provider_of(&config_address(&identity.address)).unwrap_or("aws");
        let key = configuration_key(providers, provider, &module_path(&identity.address)).key;
        accounts.insert(key.unwrap_or_else(|| provider.to_owned()), Some(account.to_owned()));
    }
    accounts
}

/// The account deployed to: `--account-id`, else the plan's `aws_caller_identity`, with the
/// address of that data source (`None` for `--account-id`, which holds for every role).
fn deploying_account(options: &StackOptions, resources: &[&Resource]) -> Option<(String, Option<String>)> {
    if let Some(account) = &options.account_id {
        return Some((account.clone(), None));
    }
    resources
        .iter()
        .filter(|r| r.mode == "data" && r.kind == "aws_caller_identity")
        .find_map(|r| Some((known(&r.values, "account_id")?.to_owned(), Some(r.address.clone()))))
}

/// The account of the first known ARN of the plan: good enough to build the ARNs that match
/// functions with roles, not to judge a role by.
fn account_of_any_arn(resources: &[&Resource]) -> Option<String> {
    resources
        .iter()
        .filter_map(|r| known(&r.values, "arn")?.split(':').nth(4))
        .find(|a| trustcheck::is_account_id(a))
        .map(str::to_owned)
}

impl Resource {
    fn is_managed(&self) -> bool {
        self.mode.is_empty() || self.mode == "managed"
    }
}

/// The AWS provider's Cloud Control resource: any CloudFormation type, by its `type_name`.
const CLOUD_CONTROL: &str = "aws_cloudcontrolapi_resource";

/// The Cloud Control forms of what the plan reads, as the resources they make alike: the AWS
/// provider's `aws_cloudcontrolapi_resource` of `type_name` `AWS::IAM::Role` (an
/// `awscc_iam_role`), `AWS::Lambda::Function` (an `awscc_lambda_function`: a user of its role),
/// `AWS::CloudFormation::Stack` and `…::StackSet` (stacks whose template makes roles), whose
/// `desired_state` is the resource's CloudFormation properties as JSON text; and the awscc
/// provider's `awscc_cloudformation_stack` and `…_stack_set`. A state known only after apply
/// leaves what it holds unknown, which fails closed.
fn read_cloud_control(module: &mut Module) {
    for resource in &mut module.resources {
        match (resource.kind.as_str(), known(&resource.values, "type_name")) {
            (CLOUD_CONTROL, Some("AWS::IAM::Role")) => {
                let role = &ROLE_TYPES[1];
                let state = from_desired_state(
                    resource,
                    role.kind,
                    &[
                        ("RoleName", role.name),
                        ("AssumeRolePolicyDocument", role.policy),
                        ("Path", "path"),
                    ],
                    &[role.policy],
                );
                if let Some(Json::Array(tags)) = state.as_ref().and_then(|s| s.get("Tags")) {
                    let tag = |t: &Json| Some(serde_json::json!({"key": t.get("Key")?, "value": t.get("Value")?}));
                    let tags = Json::Array(tags.iter().filter_map(tag).collect());
                    resource.values.insert("tags".to_owned(), tags);
                }
            }
            (CLOUD_CONTROL, Some("AWS::Lambda::Function")) => {
                from_desired_state(
                    resource,
                    FUNCTION_KINDS[1],
                    &[("FunctionName", "function_name"), ("Role", "role")],
                    &[],
                );
            }
            (
                "aws_cloudcontrolapi_resource",
                Some(kind @ ("AWS::CloudFormation::Stack" | "AWS::CloudFormation::StackSet")),
            ) => {
                let stack = if kind.ends_with("StackSet") {
                    STACK_TYPES[1]
                } else {
                    STACK_TYPES[0]
                };
                from_desired_state(
                    resource,
                    stack,
                    &[
                        ("TemplateBody", "template_body"),
                        ("TemplateURL", "template_url"),
                        ("Parameters", "parameters"),
                    ],
                    &["template_body", "parameters"],
                );
                as_stack_values(resource, "ParameterKey", "ParameterValue");
            }
            ("awscc_cloudformation_stack", _) => {
                resource.kind = STACK_TYPES[0].to_owned();
                as_stack_values(resource, "parameter_key", "parameter_value");
            }
            ("awscc_cloudformation_stack_set", _) => {
                resource.kind = STACK_TYPES[1].to_owned();
                as_stack_values(resource, "parameter_key", "parameter_value");
            }
            _ => {}
        }
    }
    for child in &mut module.child_modules {
        read_cloud_control(child);
    }
}

/// A Cloud Control resource's `desired_state`, read: `None` when unknown or not an object.
fn desired_state(resource: &Resource) -> Option<Map<String, Json>> {
    known(&resource.values, "desired_state").and_then(|text| serde_json::from_str(text).ok())
}

/// `resource` as a resource of `kind` with the `attributes` its desired state gives (property,
/// attribute). What Terraform redacts in the state stays redacted in the `redacted` attributes
/// read from it (the values a report could show).
/// Returns the desired state, as read.
fn from_desired_state(
    resource: &mut Resource,
    kind: &str,
    attributes: &[(&str, &str)],
    redacted: &[&str],
) -> Option<Map<String, Json>> {
    resource.kind = kind.to_owned();
    if resource.sensitive_values.get("desired_state") == Some(&Json::Bool(true)) {
        for attribute in redacted {
            (resource.sensitive_values).insert((*attribute).to_owned(), Json::Bool(true));
        }
    }
    let state = desired_state(resource);
    for (property, attribute) in attributes {
        if let Some(value) = state.as_ref().and_then(|s| s.get(*property)) {
            resource.values.insert((*attribute).to_owned(), value.clone());
        }
    }
    state
}

/// A stack's values as `aws_cloudformation_stack` writes them: the template as text (CloudFormation
/// takes an object too), the parameters as a map of text (a stack set's list of `key`/`value`
/// pairs too). A parameter whose value is unknown (null: known only after apply) is the
/// deployer's to fill in, undetermined.
fn as_stack_values(resource: &mut Resource, key: &str, value: &str) {
    if let Some(body @ Json::Object(_)) = resource.values.get("template_body") {
        let text = body.to_string();
        resource.values.insert("template_body".to_owned(), Json::String(text));
    }
    let pairs: Vec<(String, Json)> = match resource.values.get("parameters") {
        Some(Json::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(Json::Array(list)) => {
            // What the plan marks sensitive, pair by pair, as the map `stack_roles` reads.
            if let Some(Json::Array(marks)) = resource.sensitive_values.get("parameters") {
                let marked = (list.iter().zip(marks))
                    .filter(|(_, mark)| **mark == Json::Bool(true) || mark.get(value) == Some(&Json::Bool(true)))
                    .filter_map(|(pair, _)| Some((pair.get(key)?.as_str()?.to_owned(), Json::Bool(true))))
                    .collect();
                (resource.sensitive_values).insert("parameters".to_owned(), Json::Object(marked));
            }
            (list.iter())
                .filter_map(|pair| {
                    Some((
                        pair.get(key)?.as_str()?.to_owned(),
                        pair.get(value).cloned().unwrap_or(Json::Null),
                    ))
                })
                .collect()
        }
        _ => return,
    };
    let parameters = (pairs.into_iter())
        .map(|(name, value)| {
            let text = match value {
                Json::String(text) => text,
                Json::Null => trustcheck::opaque(&format!("Ref {name}")),
                other => other.to_string(),
            };
            (name, Json::String(text))
        })
        .collect();
    resource
        .values
        .insert("parameters".to_owned(), Json::Object(parameters));
}

fn collect<'m>(module: &'m Module, out: &mut Vec<&'m Resource>) {
    out.extend(module.resources.iter());
    for child in &module.child_modules {
        collect(child, out);
    }
}

fn known<'v>(values: &'v Map<String, Json>, key: &str) -> Option<&'v str> {
    values.get(key)?.as_str().filter(|s| !s.is_empty())
}

/// The configuration address of an instance: `module.a["x"].aws_iam_role.r[0]` →
/// `module.a.aws_iam_role.r`. Brackets inside quoted keys are part of the key.
fn config_address(address: &str) -> String {
    outside_keys(address).map(|(_, c)| c).collect()
}

/// Every `data "aws_region"` of `module` and the modules it calls, by configuration address
/// (`module.orders.data.aws_region.current`), with the provider configuration it is read through.
fn region_data_sources<'m>(module: &'m ConfigModule, prefix: String, found: &mut Vec<(String, &'m str)>) {
    // Only the current region's: one that sets `name` (v5) or `region` (v6) looks up another.
    let current = |r: &&ConfigResource| !r.expressions.contains_key("name") && !r.expressions.contains_key("region");
    for data in module
        .resources
        .iter()
        .filter(|r| r.kind == "aws_region")
        .filter(current)
    {
        found.push((
            format!("{prefix}{}", data.address),
            data.provider_config_key.as_deref().unwrap_or("aws"),
        ));
    }
    for (name, call) in &module.module_calls {
        if let Some(called) = &call.module {
            region_data_sources(called, format!("{prefix}module.{name}."), found);
        }
    }
}

/// The characters of an address outside its instance keys (`[...]`, quoted keys holding any of
/// `.[]"`), with their byte offsets.
fn outside_keys(address: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    address.char_indices().filter(move |&(_, c)| {
        if depth > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '[' if !quoted => depth += 1,
                ']' if !quoted => depth -= 1,
                _ => {}
            }
            false
        } else if c == '[' {
            depth = 1;
            false
        } else {
            true
        }
    })
}

/// The call of the module at `address` (`module.a.module.b`), instance keys left aside.
fn module_call<'m>(root: &'m ConfigModule, address: &str) -> Option<&'m ModuleCall> {
    let mut module = root;
    let mut call = None;
    for pair in address.split('.').collect::<Vec<_>>().chunks(2) {
        let ["module", name] = pair else { return None };
        let found = module.module_calls.get(name.split('[').next()?)?;
        module = found.module.as_ref()?;
        call = Some(found);
    }
    call
}

/// The configuration section: modules are found by walking module calls from the root.
struct Config {
    root: ConfigModule,
    /// Each provider configuration, with the region it sets as a literal (`region = "eu-west-1"`),
    /// `None` for one it computes (`region = var.region`).
    regions: HashMap<String, Option<String>>,
    /// The address of every managed resource instance the plan has (`aws_iam_role.this["lambda"]`).
    instances: HashSet<String>,
    /// The root module's input variables as planned.
    variables: Map<String, Json>,
}

impl Config {
    fn new(
        root: Option<ConfigModule>,
        providers: &BTreeMap<String, ProviderConfig>,
        instances: HashSet<String>,
        variables: &Map<String, Json>,
        read: &[&Resource],
    ) -> Config {
        let regions = providers
            .iter()
            .map(|(key, provider)| {
                let expression = provider.expressions.get("region");
                let literal = expression.and_then(|r| r.get("constant_value")).and_then(Json::as_str);
                // A root configuration's `region = var.region`: the value the plan was made with
                // (a module's variables are its own). The expression's text isn't in the plan,
                // only what it reads: one variable whose value is a region, not `var.env == …`.
                let planned = || {
                    let [reference] = &expression?.get("references")?.as_array()?[..] else {
                        return None;
                    };
                    let variable = reference.as_str()?.strip_prefix("var.")?;
                    let value = match key.split_once(':') {
                        // A module's own configuration: what its call passes, when written out.
                        Some((module, _)) => module_call(root.as_ref()?, module)?
                            .expressions
                            .get(variable)?
                            .get("constant_value")?,
                        None => variables.get(variable)?.get("value")?,
                    };
                    value.as_str().filter(|v| trustcheck::is_region(v))
                };
                // Else the region a `data "aws_region"` read through it says, the root's or a
                // module's (since Terraform 1.1 a module's resource names the root configuration
                // it inherits).
                let read_through = || {
                    let mut data = Vec::new();
                    region_data_sources(root.as_ref()?, String::new(), &mut data);
                    let (address, _) = data.iter().find(|(_, provider)| *provider == key)?;
                    let region = read.iter().find(|r| config_address(&r.address) == *address)?;
                    known(&region.values, "name").or_else(|| known(&region.values, "region"))
                };
                (
                    key.clone(),
                    literal.or_else(planned).or_else(read_through).map(str::to_owned),
                )
            })
            .collect();
        Config {
            root: root.unwrap_or_default(),
            regions,
            instances,
            variables: variables.clone(),
        }
    }

    /// The instance key `each.value` names for the resource instance at `address`
    /// (`aws_iam_role.app["internal"]` with `for_each = {internal = "public"}` → `["public"]`):
    /// the value of its `for_each` at its own key when the plan shows the collection (a constant,
    /// or one root variable), its own key for a set. `None` when the plan doesn't show it, or the
    /// value is not a string: which instance it names is then unknown.
    fn each_value_key(&self, address: &str) -> Option<String> {
        let (prefix, local) = split_module(address)?;
        let own: String = serde_json::from_str(instance_key(local).strip_prefix('[')?.strip_suffix(']')?).ok()?;
        let resource = (self.module(prefix)?.resources.iter()).find(|r| r.address == config_address(local))?;
        let expression = resource.for_each_expression.as_ref()?;
        let collection = match expression.get("constant_value") {
            Some(constant) => constant,
            None => {
                let [reference] = &expression.get("references")?.as_array()?[..] else {
                    return None;
                };
                let variable = reference.as_str()?.strip_prefix("var.")?;
                // A module's variables are its own; the plan lists the root's.
                if !prefix.is_empty() {
                    return None;
                }
                self.variables.get(variable)?.get("value")?
            }
        };
        let value = match collection {
            Json::Object(map) => map.get(&own)?.as_str()?,
            Json::Array(set) => set.iter().filter_map(Json::as_str).find(|v| *v == own)?,
            _ => return None,
        };
        Some(format!("[{}]", Json::from(value)))
    }

    /// The region a resource is made in, as the plan says: its own `region` (the AWS provider's
    /// per-resource argument), else its provider configuration's literal `region`, else
    /// `fallback` (`--region`). A module's own configuration (`module.eu:aws`) whose region is
    /// computed from what its call doesn't write out is not the root's: `fallback` then.
    fn region_of(&self, resource: &Resource, fallback: &str) -> String {
        self.planned_region(resource).unwrap_or_else(|| fallback.to_owned())
    }

    /// The region the plan itself says a resource is made in (see [`Config::region_of`]).
    fn planned_region(&self, resource: &Resource) -> Option<String> {
        if let Some(region) = known(&resource.values, "region") {
            return Some(region.to_owned());
        }
        let key = self.provider_of(&config_address(&resource.address)).unwrap_or("aws");
        let configured = match self.regions.get(key) {
            Some(configured) => configured.as_ref(),
            // Terraform 1.1 and earlier wrote `call:aws` for a provider a module inherits.
            None if !key.starts_with("module.") => self.regions.get(provider_name(key)).and_then(Option::as_ref),
            None => None,
        };
        configured.cloned()
    }

    /// The module at a path prefix (`""`, `"module.a."`, `"module.a.module.b."`), instance keys
    /// (`module.a["x"].`) left aside.
    fn module(&self, prefix: &str) -> Option<&ConfigModule> {
        let mut module = &self.root;
        let prefix = config_address(prefix);
        let mut rest = prefix.as_str();
        while let Some(after) = rest.strip_prefix("module.") {
            let dot = after.find('.')?;
            module = module.module_calls.get(&after[..dot])?.module.as_ref()?;
            rest = &after[dot + 1..];
        }
        Some(module)
    }

    /// The provider configuration key of the resource at a configuration address.
    fn provider_of(&self, address: &str) -> Option<&str> {
        let (prefix, local) = split_module(address)?;
        self.module(prefix)?
            .resources
            .iter()
            .find(|r| r.address == local)?
            .provider_config_key
            .as_deref()
    }

    /// The configuration's expression of an attribute of the resource instance at `address`.
    fn expression(&self, address: &str, attribute: &str) -> Option<&Json> {
        let (prefix, local) = split_module(address)?;
        let local = config_address(local);
        let resource = self.module(prefix)?.resources.iter().find(|r| r.address == local)?;
        resource.expressions.get(attribute)
    }

    /// The argument the call of the module at `prefix` passes for its `variable`, with the module
    /// the call is written in and the call as written (`roles["lambda"]`, its instance key kept).
    fn variable_argument<'p>(&self, prefix: &'p str, variable: &str) -> Option<(&'p str, &'p str, &Json)> {
        let (parent, call) = parent_of(prefix)?;
        let argument = self
            .module(parent)?
            .module_calls
            .get(&config_address(call))?
            .expressions
            .get(variable)?;
        Some((parent, call, argument))
    }

    /// The expression of the output a module reference written in the module at `prefix` reads
    /// (`module.roles.arns["lambda"]`), with the module that has it (its instance key kept) and
    /// what the reference reads after the call (`.arns["lambda"]`).
    fn output_read<'w>(&self, prefix: &str, written: &'w str, output: &str) -> Option<(String, &'w str, &Json)> {
        let called = written.strip_prefix("module.")?;
        let call = dot_outside_brackets(called).map_or(called, |dot| &called[..dot]);
        let child = format!("{prefix}module.{call}.");
        let expression = self.module(&child)?.outputs.get(output)?.expression.as_ref()?;
        Some((child, called.get(call.len()..)?, expression))
    }

    /// Where the module variable or output `written` (in the module at `prefix`) leads when each
    /// step holds one reference and nothing else: that reference, with the module it is written
    /// in (`var.trusted` → the caller's `aws_iam_role.ci.arn`; `module.ci.arn` → the module's
    /// `aws_iam_role.this.arn`). `None` for a step that combines references (a variable beside
    /// the ARN may be anything), an output read by key, and a chain deeper than
    /// [`MAX_REFERENCE_DEPTH`] (a cycle, which a crafted plan may hold). Another reference is
    /// itself.
    fn sole_reference(&self, prefix: &str, written: &str) -> Option<(String, String)> {
        let (mut prefix, mut written) = (prefix.to_owned(), written.to_owned());
        for _ in 0..MAX_REFERENCE_DEPTH {
            let reference = config_address(&written);
            let (module, expression) = match reference.split('.').collect::<Vec<_>>().as_slice() {
                ["var", variable] => {
                    let (parent, _, argument) = self.variable_argument(&prefix, variable)?;
                    (parent.to_owned(), argument)
                }
                ["module", _, output] => {
                    let (child, after_call, expression) = self.output_read(&prefix, &written, output)?;
                    // The whole output (`module.ci.arn`), not an entry of it (`….arns["x"]`).
                    if after_call.strip_prefix('.') != Some(*output) {
                        return None;
                    }
                    (child, expression)
                }
                _ => return Some((prefix, written)),
            };
            let references = (expression
                .get("references")
                .and_then(Json::as_array)
                .into_iter()
                .flatten())
            .filter_map(Json::as_str)
            .collect();
            let [one] = without_bare(references)[..] else {
                return None;
            };
            (prefix, written) = (module, one.to_owned());
        }
        None
    }

    /// The addresses of the roles a function instance's `role` refers to.
    fn role_addresses_of(&self, function: &Resource) -> Vec<String> {
        // Made through Cloud Control (its type name kept, see `read_cloud_control`): the
        // configuration writes its role inside `desired_state` (`jsonencode({Role = …})`), known
        // only after apply when the role is new.
        if known(&function.values, "type_name") == Some("AWS::Lambda::Function") {
            // Known, its `Role` decides (by ARN). Unknown, the expression's references name every
            // role it holds (an environment variable's too): one alone is its role; more, none
            // can be told (noted as a role not traced).
            if known(&function.values, "desired_state").is_some() {
                return Vec::new();
            }
            let found = self.addresses_of(&function.address, CLOUD_CONTROL, "desired_state", &ROLE_KINDS);
            let roles: HashSet<String> = found.iter().map(|a| every_instance_of(a)).collect();
            return if roles.len() == 1 { found } else { Vec::new() };
        }
        self.addresses_of(&function.address, &function.kind, "role", &ROLE_KINDS)
    }

    /// The addresses of the resources of `kinds` that the `attribute` of the resource instance at
    /// `address` (of type `kind`) refers to: configuration addresses, with the instance keys
    /// that are known (of the modules `address` is in, and those a reference spells out), so that
    /// a reference inside one instance of a module names what that instance holds (see
    /// [`refers_to`]).
    fn addresses_of(&self, address: &str, kind: &str, attribute: &str, kinds: &[&str]) -> Vec<String> {
        let Some((prefix, local)) = split_module(address) else {
            return Vec::new();
        };
        let local = config_address(local);
        let expression = self
            .module(prefix)
            .and_then(|m| m.resources.iter().find(|r| r.address == local && r.kind == kind))
            .and_then(|r| r.expressions.get(attribute));
        let mut found = Vec::new();
        if let Some(expression) = expression {
            let own_key = address
                .strip_prefix(prefix)
                .map(instance_key)
                .filter(|key| !key.is_empty());
            let mut walk = Walk::default();
            self.follow(prefix, expression, kinds, &mut walk, &mut found);
            // `role = aws_iam_role.svc[each.key].arn` in a `for_each` function, or
            // `aws_iam_role.r[count.index].arn` in a `count` one: the role of the function's own
            // key or index.
            if let Some(key) = own_key.filter(|_| by_own_key(expression, kinds)) {
                self.key_instances(&mut found, key);
            }
            // `role = module.roles[each.key].arn`: that module's instance of the own key.
            if let Some(key) = own_key {
                for address in self.own_keyed_module_roles(prefix, expression, key, kinds, &mut walk) {
                    if !found.contains(&address) {
                        found.push(address);
                    }
                }
            }
        }
        found
    }

    /// The resource `expression` (written in the module at `prefix`) reads through a module call
    /// by the own key or index (`module.roles[each.key].arn`, which Terraform lists as
    /// `module.roles` and `each.key`, not which output): in that module's instance of `key`, read
    /// at the module's one output when it leads to one resource of `kinds` in the module. None
    /// otherwise (more outputs, an object over two roles, an instance the plan doesn't have, one
    /// whose key another's holds): a role linked to a function it may not be the role of would
    /// be judged as a Lambda role.
    fn own_keyed_module_roles(
        &self,
        prefix: &str,
        expression: &Json,
        key: &str,
        kinds: &[&str],
        walk: &mut Walk,
    ) -> Vec<String> {
        let Some(called) = own_keyed_module(expression) else {
            return Vec::new();
        };
        let child = format!("{prefix}module.{called}.");
        let instance = format!("{prefix}module.{called}{key}.");
        if !self.instances.iter().any(|i| i.starts_with(&instance)) {
            return Vec::new();
        }
        // A key computed from the own key (`module.roles["${each.key}-exec"]`) is listed alike:
        // where another instance's key holds this one, which instance is read can't be told.
        let own = key.trim_start_matches('[').trim_end_matches(']').trim_matches('"');
        let keyed = format!("{prefix}module.{called}[");
        let ambiguous = (self.instances.iter())
            .filter_map(|i| {
                i.strip_prefix(&keyed)?
                    .split_once("].")
                    .map(|(other, _)| other.trim_matches('"'))
            })
            .any(|other| other != own && other.contains(own));
        if ambiguous {
            return Vec::new();
        }
        let Some(module) = self.module(&child) else {
            return Vec::new();
        };
        let mut outputs = module.outputs.iter();
        let (Some((name, output)), None) = (outputs.next(), outputs.next()) else {
            return Vec::new();
        };
        let Some(output) = output.expression.as_ref() else {
            return Vec::new();
        };
        let step = format!("{child}{name}");
        let found = walk.step(step, |walk, found| self.follow(&child, output, kinds, walk, found));
        match found.as_deref() {
            Some([address]) => address
                .strip_prefix(&child)
                .map(|rest| format!("{instance}{rest}"))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The Lambda@Edge associations (`lambda_function_association` blocks, in whichever block) a
    /// distribution's configuration writes, each with where it is and the resources of `kinds`
    /// its `lambda_arn` refers to (as [`Config::addresses_of`] follows them).
    fn edge_associations(&self, address: &str, kind: &str, kinds: &[&str]) -> Vec<Association> {
        let Some((prefix, local)) = split_module(address) else {
            return Vec::new();
        };
        let local = config_address(local);
        let Some(resource) =
            (self.module(prefix)).and_then(|m| m.resources.iter().find(|r| r.address == local && r.kind == kind))
        else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (key, expression) in &resource.expressions {
            association_blocks(expression, key.clone(), &mut |at, block| {
                let event_type = (block.get("event_type"))
                    .and_then(|e| e.get("constant_value"))
                    .and_then(Json::as_str)
                    .map(str::to_owned);
                let mut refers = Vec::new();
                if let Some(arn) = block.get("lambda_arn") {
                    self.follow(prefix, arn, kinds, &mut Walk::default(), &mut refers);
                }
                found.push(Association {
                    at,
                    event_type,
                    refers,
                    arn: None,
                });
            });
        }
        found
    }

    /// Each address of every instance of a resource as the instance of `key`, when the plan has
    /// one: what an expression keyed by its own instance (see [`by_own_key`]) names.
    fn key_instances(&self, found: &mut [String], key: &str) {
        for address in found {
            let keyed = format!("{address}{key}");
            if !address.ends_with(']') && self.instances.contains(&keyed) {
                *address = keyed;
            }
        }
    }

    /// Follows one expression's references to resources of `kinds`, through module variables (to
    /// the caller's argument) and module outputs (to the output's expression). Each variable or
    /// output is followed once per walk ([`Walk`]): what it leads to is kept, as following it
    /// anew from each reference to it takes time exponential in the depth.
    fn follow(&self, prefix: &str, expression: &Json, kinds: &[&str], walk: &mut Walk, found: &mut Vec<String>) {
        if walk.trail.len() > MAX_REFERENCE_DEPTH {
            return;
        }
        let references = expression.get("references").and_then(Json::as_array);
        // Terraform lists `module.roles.arns["lambda"]` beside the bare `module.roles.arns`: the
        // keyed reference says which entry.
        let keyed_outputs: Vec<&str> = (references.into_iter().flatten().filter_map(Json::as_str))
            .filter(|r| r.starts_with("module.") && r.ends_with(']'))
            .filter_map(|r| r.rfind('[').map(|at| &r[..at]))
            .collect();
        let mut followed: Vec<&str> = Vec::new();
        for written in references.into_iter().flatten().filter_map(Json::as_str) {
            // A reference listed twice is followed once.
            if followed.contains(&written) {
                continue;
            }
            followed.push(written);
            let reference = config_address(written);
            let parts: Vec<&str> = reference.split('.').collect();
            match parts.as_slice() {
                // `aws_iam_role.svc["lambda"]` (Terraform lists it beside `….arn` and the bare
                // `aws_iam_role.svc`) names one instance of a `for_each` or `count`: only that one.
                [kind, name] if kinds.contains(kind) && written.ends_with(']') => {
                    let keyed = format!("{prefix}{written}");
                    let every_instance = format!("{prefix}{kind}.{name}");
                    found.retain(|f| *f != every_instance);
                    if !found.contains(&keyed) {
                        found.push(keyed);
                    }
                }
                [kind, name, ..] if kinds.contains(kind) => {
                    let address = format!("{prefix}{kind}.{name}");
                    let instance_named = found
                        .iter()
                        .any(|f| f.ends_with(']') && every_instance_of(f) == address);
                    if !instance_named && !found.contains(&address) {
                        found.push(address);
                    }
                }
                ["var", variable, ..] => {
                    if let Some((parent, call, argument)) = self.variable_argument(prefix, variable) {
                        let call_key = call.find('[').map(|at| &call[at..]);
                        let step = format!("{prefix}{written}");
                        let Some(mut passed) = walk.step(step, |walk, passed| {
                            self.follow(parent, argument, kinds, walk, passed);
                        }) else {
                            continue;
                        };
                        // `role_arn = aws_iam_role.r[each.key].arn` in a `for_each` (or
                        // `count`) module call: the role of the call's own key or index.
                        if let Some(key) = call_key.filter(|_| by_own_key(argument, kinds)) {
                            self.key_instances(&mut passed, key);
                        }
                        // `role_arn = module.roles[each.key].arn`: the role of that module's
                        // instance of the call's own key or index.
                        if let Some(key) = call_key {
                            passed.extend(self.own_keyed_module_roles(parent, argument, key, kinds, walk));
                        }
                        for address in passed {
                            if !found.contains(&address) {
                                found.push(address);
                            }
                        }
                    }
                }
                ["module", _, output, ..] if !keyed_outputs.contains(&written) => {
                    let Some((child, after_call, expression)) = self.output_read(prefix, written, output) else {
                        continue;
                    };
                    // An output read with a static key (`module.roles.arns["lambda"]`) of a map
                    // built over a `for_each` (`{for k, r in aws_iam_role.this : k => r.arn}`)
                    // names the instance of that key, when the plan has one; else every instance.
                    // Not one read with a key computed from the own key: the plan lists the same
                    // references for `[each.key]` and `["${each.key}-exec"]`.
                    let key = after_call
                        .strip_prefix('.')
                        .and_then(|rest| rest.strip_prefix(*output))
                        .filter(|key| key.starts_with('[') && key.ends_with(']'));
                    let step = format!("{prefix}{written}");
                    let Some(inner) = walk.step(step, |walk, inner| {
                        self.follow(&child, expression, kinds, walk, inner);
                    }) else {
                        continue;
                    };
                    // Only a map over one resource and nothing else (`{for k, r in
                    // aws_iam_role.this : k => r.arn}`): one that also reads a variable may key
                    // its entries otherwise (`k => aws_iam_role.this[v.role].arn`).
                    let over_one_resource =
                        (expression.get("references").and_then(Json::as_array)).is_some_and(|refs| {
                            refs.iter()
                                .filter_map(Json::as_str)
                                .all(|r| kinds.iter().any(|k| r.starts_with(&format!("{k}."))))
                        });
                    for address in inner {
                        let keyed = key
                            .filter(|_| over_one_resource)
                            .map(|key| format!("{address}{key}"))
                            .filter(|keyed| !address.ends_with(']') && self.instances.contains(keyed));
                        let address = keyed.unwrap_or(address);
                        if !found.contains(&address) {
                            found.push(address);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether the resource instance at `address` is one that `referenced` (from
/// [`Config::addresses_of`]) names: by its configuration address, each instance key written
/// there naming that instance only (`module.roles["lambda"].aws_iam_role.this` is not
/// `module.roles["ecs"]`'s role; `aws_iam_role.svc` is every instance of it).
fn refers_to(referenced: &[String], address: &str) -> bool {
    let instance = ParsedAddress::new(address);
    referenced.iter().any(|r| ParsedAddress::new(r).names(&instance))
}

/// An address as [`refers_to`] compares it, read once: where thousands of functions are each
/// compared with thousands of roles, reading both at every comparison was most of a plan's scan.
struct ParsedAddress<'a> {
    configured: String,
    segments: Vec<&'a str>,
}

impl<'a> ParsedAddress<'a> {
    fn new(address: &'a str) -> Self {
        ParsedAddress {
            configured: config_address(address),
            segments: segments(address),
        }
    }

    /// Whether this address, as a reference writes it, names the resource instance `instance`.
    fn names(&self, instance: &ParsedAddress) -> bool {
        self.configured == instance.configured
            && (self.segments.iter())
                .zip(&instance.segments)
                .all(|(wanted, own)| !wanted.ends_with(']') || wanted == own)
    }
}

/// Resource addresses read once and grouped by their configuration address, so that what a
/// reference names is looked up rather than compared with every resource: exactly, when it spells
/// out every instance key the group's addresses have (a `for_each` module's thousands of
/// instances), else among the group.
struct AddressIndex<'a> {
    parsed: Vec<ParsedAddress<'a>>,
    /// By configuration address: the addresses, and which of their segments any has a key in.
    by_configured: HashMap<String, (Vec<usize>, Vec<bool>)>,
    /// The first of each address as written.
    exact: HashMap<&'a str, usize>,
}

impl<'a> AddressIndex<'a> {
    fn new(addresses: impl Iterator<Item = &'a str>) -> Self {
        let mut exact = HashMap::new();
        let parsed: Vec<ParsedAddress> = addresses
            .enumerate()
            .map(|(index, address)| {
                exact.entry(address).or_insert(index);
                ParsedAddress::new(address)
            })
            .collect();
        let mut by_configured: HashMap<String, (Vec<usize>, Vec<bool>)> = HashMap::new();
        for (index, address) in parsed.iter().enumerate() {
            let (members, keyed) = by_configured.entry(address.configured.clone()).or_default();
            members.push(index);
            keyed.resize(keyed.len().max(address.segments.len()), false);
            for (at, segment) in address.segments.iter().enumerate() {
                if let Some(slot) = keyed.get_mut(at) {
                    *slot |= segment.ends_with(']');
                }
            }
        }
        AddressIndex {
            parsed,
            by_configured,
            exact,
        }
    }

    /// The first address (in the order given) that one of `referenced` names ([`refers_to`]).
    fn first_named(&self, referenced: &[String]) -> Option<usize> {
        (referenced.iter())
            .filter_map(|r| {
                let wanted = ParsedAddress::new(r);
                let (members, keyed) = self.by_configured.get(&wanted.configured)?;
                let spelt_out = (keyed.iter().enumerate())
                    .all(|(at, keyed)| !keyed || wanted.segments.get(at).is_some_and(|s| s.ends_with(']')));
                match spelt_out {
                    // Names only the address written so (keys compare as written).
                    true => self.exact.get(r.as_str()).copied(),
                    false => {
                        (members.iter().copied()).find(|&index| self.parsed.get(index).is_some_and(|a| wanted.names(a)))
                    }
                }
            })
            .min()
    }
}

/// An address split at the dots outside its instance keys: `module.a["x.y"].aws_iam_role.r[0]`
/// → `module`, `a["x.y"]`, `aws_iam_role`, `r[0]`.
fn segments(address: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, c) in outside_keys(address) {
        if c == '.' {
            parts.push(&address[start..at]);
            start = at + 1;
        }
    }
    parts.push(&address[start..]);
    parts
}

/// `module.a["x"].aws_iam_role.r[0]` → `module.a["x"].aws_iam_role.r`: the resource's instance
/// key dropped, its modules' kept.
fn every_instance_of(address: &str) -> String {
    match split_module(address) {
        Some((prefix, local)) => format!("{prefix}{}", config_address(local)),
        None => config_address(address),
    }
}

/// `module.a.aws_lambda_function.f` → (`module.a.`, `aws_lambda_function.f`); a module's instance
/// key (`module.a["x.y"].…`) is part of its prefix, dots and brackets in quotes included.
fn split_module(address: &str) -> Option<(&str, &str)> {
    let mut rest = address;
    let mut consumed = 0;
    while let Some(after) = rest.strip_prefix("module.") {
        let dot = dot_outside_brackets(after)?;
        consumed += "module.".len() + dot + 1;
        rest = &after[dot + 1..];
    }
    Some((&address[..consumed], rest))
}

/// The byte offset of the first `.` of `text` outside its instance keys.
fn dot_outside_brackets(text: &str) -> Option<usize> {
    outside_keys(text).find(|&(_, c)| c == '.').map(|(at, _)| at)
}

/// Whether `expression` picks the instance of its own `for_each` key or `count` index
/// (`aws_iam_role.r[each.key].arn`): it reads `each.key` or `count.index` and otherwise only
/// resources of `kinds`, when nothing else picks one.
fn by_own_key(expression: &Json, kinds: &[&str]) -> bool {
    let references: Vec<&str> = (expression.get("references").and_then(Json::as_array))
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let own = |r: &str| r == "each.key" || r == "count.index";
    references.iter().any(|r| own(r))
        && references
            .iter()
            .all(|r| own(r) || kinds.iter().any(|k| r.starts_with(&format!("{k}."))))
}

/// The module call an expression reads by the instance's own key and nothing else
/// (`module.roles[each.key].arn`, which Terraform lists as `module.roles` and `each.key`).
fn own_keyed_module(expression: &Json) -> Option<&str> {
    let references: Vec<&str> = (expression.get("references").and_then(Json::as_array))?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let own = |r: &str| r == "each.key" || r == "count.index";
    let mut modules = references.iter().filter(|r| !own(r));
    let module = modules.next()?.strip_prefix("module.")?;
    (modules.next().is_none() && !module.contains(['.', '[']) && references.iter().any(|r| own(r))).then_some(module)
}

/// `module.a.module.b["x"].` → (`module.a.`, `b["x"]`); dots inside instance keys are the keys'.
fn parent_of(prefix: &str) -> Option<(&str, &str)> {
    let trimmed = prefix.strip_suffix('.')?;
    let dots: Vec<usize> = outside_keys(trimmed)
        .filter(|&(_, c)| c == '.')
        .map(|(at, _)| at)
        .collect();
    let last = *dots.last()?;
    let start = dots.len().checked_sub(2).map_or(0, |i| dots[i] + 1);
    (&trimmed[start..last] == "module").then(|| (&prefix[..start], &trimmed[last + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_marked_sensitive_whole_keeps_its_policy_words_out_of_the_secrets() {
        let secrets = |value: Json| {
            let mut out = Vec::new();
            sensitive_strings(&value, &Json::Bool(true), true, &mut out);
            out.sort();
            out
        };
        // A policy document's condition, principals and statement: their values only.
        let condition =
            serde_json::json!([{"test": "StringEquals", "variable": "sts:ExternalId", "values": ["s3cr3t-id"]}]);
        assert_eq!(secrets(condition.clone()), ["s3cr3t-id"]);
        let principals = serde_json::json!({"type": "AWS", "identifiers": ["arn:aws:iam::444455556666:root"]});
        assert_eq!(secrets(principals.clone()), ["arn:aws:iam::444455556666:root"]);
        let statement = serde_json::json!({"effect": "Allow", "actions": ["sts:AssumeRole"], "sid": "Vendor",
            "condition": condition, "principals": [principals]});
        assert_eq!(
            secrets(statement),
            ["Vendor", "arn:aws:iam::444455556666:root", "s3cr3t-id"]
        );
        // A key that may name a secret (a tag's) stays secret with its values.
        let tag =
            serde_json::json!({"test": "StringEquals", "variable": "aws:PrincipalTag/s3cr3t-tag", "values": ["x"]});
        assert_eq!(secrets(tag), ["aws:PrincipalTag/s3cr3t-tag", "x"]);
        // Any other shape keeps every field: a map whose key happens to be a block's word.
        let tags = serde_json::json!({"type": "s3cr3t-type", "sid": "s3cr3t-sid", "version": "v-secret"});
        assert_eq!(secrets(tags), ["s3cr3t-sid", "s3cr3t-type", "v-secret"]);
        // Outside a policy document even a block's shape keeps every field.
        let mut elsewhere = Vec::new();
        let shaped = serde_json::json!({"type": "s3cr3t-type", "identifiers": ["s3cr3t-id"]});
        sensitive_strings(&shaped, &Json::Bool(true), false, &mut elsewhere);
        elsewhere.sort();
        assert_eq!(elsewhere, ["s3cr3t-id", "s3cr3t-type"]);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            config_address("module.a[\"x]\"].aws_iam_role.r[0]"),
            "module.a.aws_iam_role.r"
        );
        assert_eq!(config_address("aws_iam_role.r"), "aws_iam_role.r");
        assert_eq!(
            split_module("module.a.module.b.aws_lambda_function.f"),
            Some(("module.a.module.b.", "aws_lambda_function.f"))
        );
        assert_eq!(
            split_module("aws_lambda_function.f"),
            Some(("", "aws_lambda_function.f"))
        );
        assert_eq!(
            split_module("module.svc[\"api.v1\"].aws_iam_role.this[\"lambda\"]"),
            Some(("module.svc[\"api.v1\"].", "aws_iam_role.this[\"lambda\"]"))
        );
        assert_eq!(parent_of("module.a.module.b."), Some(("module.a.", "b")));
        assert_eq!(
            parent_of("module.a[\"module.x\"].module.b[0]."),
            Some(("module.a[\"module.x\"].", "b[0]"))
        );
        assert_eq!(
            segments("module.a[\"x.y\"].aws_iam_role.r[0]"),
            ["module", "a[\"x.y\"]", "aws_iam_role", "r[0]"]
        );
        let lambda_role = "module.roles[\"lambda\"].aws_iam_role.this";
        assert!(refers_to(&[lambda_role.to_owned()], lambda_role));
        assert!(!refers_to(
            &[lambda_role.to_owned()],
            "module.roles[\"ecs\"].aws_iam_role.this"
        ));
        assert!(refers_to(&["module.roles.aws_iam_role.this".to_owned()], lambda_role));
        assert_eq!(
            every_instance_of("module.a[\"x\"].aws_iam_role.r[0]"),
            "module.a[\"x\"].aws_iam_role.r"
        );
        assert_eq!(parent_of("module.a."), Some(("", "a")));
        assert_eq!(parent_of(""), None);
    }
}
