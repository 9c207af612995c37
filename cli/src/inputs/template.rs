//! CloudFormation and SAM templates (JSON or YAML with short-form tags): every `AWS::IAM::Role`,
//! and the role SAM generates for each `AWS::Serverless::Function` without one, cross-referenced
//! with the functions that use them.

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    path::Path,
    rc::Rc,
};

use serde_json::{json, Value as Json};
use trustcheck::{EventSource, FindingId, Naming, Role, SourceKind};

use super::{
    intrinsics::{
        shown_value, ArnShape, Resolver, ResourceValues, Stack, MAPPING_ROW, PARAMETER_VALUE, REFUSED_FUNCTION,
        SELECT_ITEM,
    },
    read_text, sources,
    yaml::{self, Entry, Node, Pos, Value},
    CrossStackUse, DeployedBy, Deployment, NameKind, NestedPass, Origin, RoleExport, RoleInput, Scanned, Skip,
    StackOptions, UnknownPolicy,
};
use crate::error::InputError;

const ROLE: &str = "AWS::IAM::Role";
const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";
const SAM_FUNCTION: &str = "AWS::Serverless::Function";
const SAM_STATE_MACHINE: &str = "AWS::Serverless::StateMachine";
const SAM_GRAPHQL_API: &str = "AWS::Serverless::GraphQLApi";
const SAM_CAPACITY_PROVIDER: &str = "AWS::Serverless::CapacityProvider";
const SAM_NETWORK_CONNECTOR: &str = "AWS::Serverless::NetworkConnector";
const SAM_MICROVM_IMAGE: &str = "AWS::Serverless::MicrovmImage";
const SAM_WEB_FUNCTION: &str = "AWS::Serverless::WebFunction";
/// SAM's resource types whose generated roles the scan knows: these, and the ones that generate
/// none. Another (a type newer than this list) is noted: its roles are not judged.
const SAM_TYPES_KNOWN: [&str; 14] = [
    SAM_FUNCTION,
    SAM_STATE_MACHINE,
    SAM_GRAPHQL_API,
    SAM_CAPACITY_PROVIDER,
    SAM_NETWORK_CONNECTOR,
    SAM_MICROVM_IMAGE,
    SAM_WEB_FUNCTION,
    SAM_APPLICATION,
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::WebSocketApi",
    "AWS::Serverless::SimpleTable",
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::Connector",
];
const LAMBDA_ALIAS: &str = "AWS::Lambda::Alias";
const IAM_USER: &str = "AWS::IAM::User";
const IAM_GROUP: &str = "AWS::IAM::Group";
const LAMBDA_VERSION: &str = "AWS::Lambda::Version";
const CLOUDFRONT_DISTRIBUTION: &str = "AWS::CloudFront::Distribution";
const NESTED_STACK: &str = "AWS::CloudFormation::Stack";
/// Stack sets whose inline templates deploy stack sets, at most this deep.
const MAX_STACK_SET_DEPTH: usize = 8;
/// Inline templates of stack sets in one file, nested ones included, at most.
const MAX_STACK_SET_BODIES: usize = 1_000;
/// Most texts one stack set body built by intrinsic functions is read as, one a way of
/// deploying: each is parsed and judged as a template of its own.
const MAX_BODY_WAYS: usize = 32;
/// Most sets of parameter values a parent (or a stack set) passes what it deploys, one a way of
/// deploying it: each reads and judges that template again, in all its own ways. Enough for a
/// parameter of many allowed values (an instance type) passed down.
const MAX_PASSED_READINGS: usize = 128;
/// And the nodes they hold in all, aliases expanded (a YAML file's own budget, twice).
const MAX_STACK_SET_NODES: usize = 2_000_000;
const SAM_APPLICATION: &str = "AWS::Serverless::Application";
const STACK_SET: &str = "AWS::CloudFormation::StackSet";
const PROVISIONED_PRODUCT: &str = "AWS::ServiceCatalog::CloudFormationProvisionedProduct";
/// The transforms AWS runs whose effect on roles the scan knows: SAM's (read here), the language
/// extensions (read here), and the ones that add no role trust of their own.
const KNOWN_TRANSFORMS: [&str; 5] = [
    "AWS::Serverless-2016-10-31",
    "AWS::LanguageExtensions",
    "AWS::SecretsManager-2020-07-23",
    "AWS::CodeDeployBlueGreen",
    "AWS::ServiceCatalog",
];
const OIDC_PROVIDER: &str = "AWS::IAM::OIDCProvider";
const SAML_PROVIDER: &str = "AWS::IAM::SAMLProvider";
/// The CDK's `OpenIdConnectProvider`, a custom resource with the same `Url` and `Ref`.
const CDK_OIDC_PROVIDER: &str = "Custom::AWSCDKOpenIdConnectProvider";
const EVENT_SOURCE_MAPPING: &str = "AWS::Lambda::EventSourceMapping";
const STREAM_CONSUMER: &str = "AWS::Kinesis::StreamConsumer";

/// The trust SAM gives a role it generates for `service`: that service alone, no condition (a
/// function's without `Role` or `AssumeRolePolicyDocument` is Lambda's).
fn sam_service_trust(service: &str) -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": [service]},
            "Action": ["sts:AssumeRole"]
        }]
    })
}

/// Whether `property` is `!If [C, …, …]` with `AWS::NoValue` in a branch that C, undecided,
/// may take: some deployments give the value and others leave it out.
fn named_in_some_deployments(property: Option<&Node>, resolver: &Resolver) -> bool {
    let no_value = |node: &Node| node.get("Ref").and_then(Node::as_str) == Some("AWS::NoValue");
    let branches = property.map(|node| if_branches(resolver, node)).unwrap_or_default();
    branches.len() > 1 && branches.iter().any(|node| no_value(node))
}

/// A property left out or written empty (`null`): SAM takes it for absent.
fn left_empty(property: Option<&Node>) -> bool {
    property.is_none_or(|node| node.value == Value::Null)
}

/// A resource's `Tags` as key and value, as far as `resolver` knows each value.
fn tags_of(tags: Option<&Node>, resolver: &mut Resolver) -> Vec<(String, String)> {
    (tags.and_then(Node::as_map).unwrap_or_default().iter())
        .map(|entry| {
            (
                entry.key.clone(),
                resolver.known_string(&entry.value).unwrap_or_default(),
            )
        })
        .collect()
}

/// One resource of the template.
struct Resource<'t> {
    id: &'t str,
    pos: Pos,
    kind: &'t str,
    node: &'t Node,
}

impl<'t> Resource<'t> {
    fn property(&self, name: &str) -> Option<&'t Node> {
        self.node.get("Properties")?.get(name)
    }

    /// The note for a resource whose trust policy can't be known from the template, so that the
    /// role fails closed: `Properties`, or the trust policy in them, written twice (which one a
    /// deployment reads is the deploying parser's choice), or an `Fn::Transform` beside them
    /// (the macro's output replaces the mapping it is in).
    fn unknowable_trust(&self) -> Option<String> {
        let properties = self.node.get("Properties");
        if self
            .node
            .get("Fn::Transform")
            .or(properties?.get("Fn::Transform"))
            .is_some()
        {
            return Some(format!(
                "{UNRESOLVED_TRANSFORM} (its output replaces the mapping it is in)"
            ));
        }
        let (key, (first, again)) = self
            .node
            .repeats("Properties")
            .map(|lines| ("Properties", lines))
            .or_else(|| {
                Some((
                    "AssumeRolePolicyDocument",
                    properties?.repeats("AssumeRolePolicyDocument")?,
                ))
            })?;
        Some(repeated_key_note("the resource", key, first, again))
    }

    /// Each value of the `Role` property that names one (not left empty), every copy when the
    /// key is written twice: which one deploys is the deploying parser's choice, so the function
    /// is taken to use each.
    fn roles_named(&self) -> Vec<&'t Node> {
        let properties = self.node.get("Properties").and_then(Node::as_map).unwrap_or_default();
        (properties.iter())
            .filter(|e| e.key == "Role" && e.value.value != Value::Null)
            .map(|e| &e.value)
            .collect()
    }

    /// SAM generates `<LogicalId>Role` for a function that names no role.
    fn generates_role(&self) -> bool {
        // `Role:` left empty (null) is no role: SAM generates one all the same.
        self.kind == SAM_FUNCTION && left_empty(self.property("Role"))
    }
}

/// What one way of deploying gives, with the way's label (`None`: the defaults' way).
type Way<T> = (Option<String>, T);

/// Parameter values passed to another template, by name.
type Passed = Vec<(String, String)>;

/// Which role a function's `Role` property points at.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A role of this template, by logical id.
    Template(String),
    /// A role ARN the template does not define.
    External(String),
    /// `Fn::ImportValue` of this name: a role another stack exports (CDK's cross-stack references).
    Imported(String),
    /// A parameter the template leaves to its parent: a nested stack's, which CDK passes a role.
    FromParent(String),
    /// An output of a nested stack (`!GetAtt Iam.Outputs.RoleArn`), by the link its template's
    /// roles are exported under ([`nested_output_link`]); and the note if none is found.
    NestedOutput(String, String),
    /// `AWS::NoValue` in a branch: SAM then generates a role.
    NoValue,
}

/// Whether a file found in a directory is a template: at its top level it says so
/// (`AWSTemplateFormatVersion`, a `Transform`) or has a `Resources` mapping. A file that only
/// mentions them (a Serverless Framework `serverless.yml` nests CloudFormation under
/// `resources:`) is not one; a file that doesn't parse is kept, so reading it says why. Named
/// files are always read.
pub(crate) fn looks_like_template(text: &str) -> bool {
    // A quick look at the text first; escapes (`AWS\u003a\u003aIAM\u003a\u003aRole`, which
    // CloudFormation reads as `AWS::IAM::Role`) hide the words, so a text with any is parsed.
    let escaped = ["\\u", "\\U", "\\x"].iter().any(|escape| text.contains(escape));
    let mentions = text.contains("AWSTemplateFormatVersion")
        || text.contains("AWS::Serverless-2016-10-31")
        || (text.contains("Resources") && (text.contains("AWS::") || text.contains("::MODULE")));
    // A template cut short in its first resource names no type yet: a top-level `Resources`
    // (YAML's at the start of a line, JSON's key) in a text that doesn't parse says what it is.
    // One that parses without a type is another file's (`Resources: {cpu: 2}`).
    let cut_short = text.lines().any(|l| l.starts_with("Resources:"))
        || (text.trim_start().starts_with('{') && text.contains("\"Resources\""));
    if !mentions && !escaped && !cut_short {
        return false;
    }
    let is_template = |root: &Node| {
        root.get("AWSTemplateFormatVersion").is_some()
            || root.get("Transform").is_some()
            || root.get("Resources").is_some_and(|r| r.as_map().is_some())
    };
    match yaml::parse(text) {
        Ok(Some(root)) => (mentions || escaped) && is_template(&root),
        Ok(None) => false,
        // A stream of documents (Kubernetes manifests) is no template unless its first document
        // is one: then reading it says why it can't be.
        Err(error) if error.message == yaml::SECOND_DOCUMENT => {
            matches!(yaml::first_document(text), Ok(Some(root)) if is_template(&root))
        }
        // Unreadable: maybe a template when its text says so, and reading it says where it
        // fails; one read only for its escapes (a JSON Lines file, a Helm chart) is none.
        Err(_) => mentions || cut_short,
    }
}

/// A template given as text inside another input (a Terraform plan's CloudFormation stack),
/// `source` naming where.
pub(crate) fn read_body(source: &str, body: &str, options: &StackOptions) -> Result<Scanned, InputError> {
    let root = parsed(source, body, &options.parameters)?;
    let scanned = Template::new(source, &root, options)?.roles()?;
    Ok(noting_the_stand_in(scanned, source, &root, options))
}

/// `scanned` with a note when the stand-in account judges the template (no account given, or a
/// stack set's, which deploys into other accounts) and a value of it names that account: it is
/// AWS's own example account, which templates copied from the guides write, and a trust of it
/// would read as the role's own account. Not a description's or metadata's text, nor twelve
/// digits within a longer number.
fn noting_the_stand_in(mut scanned: Scanned, source: &str, root: &Node, options: &StackOptions) -> Scanned {
    if options.account_id.is_none() && names_the_stand_in(root) {
        scanned.notes.push(format!(
            "{source} names {STAND_IN_ACCOUNT}, the account that stands in for the template's own: a trust of it reads as the role's own account, not another; pass --account-id",
            STAND_IN_ACCOUNT = super::STAND_IN_ACCOUNT
        ));
    }
    scanned
}

/// Whether a value of the template (not a `Description` or `Metadata`) holds the stand-in account
/// as a number of its own.
fn names_the_stand_in(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::Scalar(text) => text.match_indices(super::STAND_IN_ACCOUNT).any(|(at, id)| {
            let before = text.get(..at).and_then(|t| t.chars().next_back());
            let after = text.get(at + id.len()..).and_then(|t| t.chars().next());
            !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
        }),
        Value::Seq(items) => items.iter().any(names_the_stand_in),
        Value::Map(entries) => (entries.iter())
            .filter(|e| e.key != "Description" && e.key != "Metadata")
            .any(|e| names_the_stand_in(&e.value)),
    }
}

pub(crate) fn read(path: &Path, options: &StackOptions) -> Result<Scanned, InputError> {
    let options = &StackOptions {
        stack_sets: Default::default(),
        ..options.clone()
    };
    let source = path.display().to_string();
    let text = read_text(path)?;
    let root = parsed(&source, &text, &options.parameters)?;
    match cdk_environment(path).filter(|_| options.account_id.is_none()) {
        Some((account, region)) => {
            let region = region.filter(|_| !options.region_given);
            let taken = match &region {
                Some(region) => format!("account {account} and region {region}"),
                None => format!("account {account}"),
            };
            let options = StackOptions {
                account_id: Some(account),
                region_given: options.region_given || region.is_some(),
                region: region.unwrap_or_else(|| options.region.clone()),
                ..options.clone()
            };
            let mut scanned = Template::new(&source, &root, &options)?.roles()?;
            scanned.notes.push(format!(
                "{source}: {taken} from the stack's environment in manifest.json (the CDK app's env)"
            ));
            Ok(scanned)
        }
        None => {
            let scanned = Template::new(&source, &root, options)?.roles()?;
            Ok(noting_the_stand_in(scanned, &source, &root, options))
        }
    }
}

/// The account (and region) a CDK app pinned the stack of this template to (`env` in the app):
/// the `environment` of its artifact in the `manifest.json` beside it in `cdk.out`, or for a
/// nested stack's template that of the stack whose assets it is. `None` for any other file, or an
/// environment-agnostic stack (`aws://unknown-account/…`). Each stack and stage of one `cdk.out`
/// may target another account, which one `--account-id` can't say.
fn cdk_environment(template: &Path) -> Option<(String, Option<String>)> {
    let name = template.file_name()?.to_str()?;
    let manifest = std::fs::read_to_string(template.with_file_name("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest).ok()?;
    let artifacts = manifest["artifacts"].as_object()?;
    let stacks = || {
        artifacts
            .values()
            .filter(|artifact| artifact["type"] == "aws:cloudformation:stack")
    };
    let artifact = match stacks().find(|artifact| artifact["properties"]["templateFile"] == name) {
        Some(artifact) => artifact,
        None => {
            // A nested stack's template is a file asset of the stack that deploys it, listed in
            // the asset manifest that stack depends on.
            let assets = artifacts.iter().find_map(|(id, artifact)| {
                if artifact["type"] != "cdk:asset-manifest" {
                    return None;
                }
                let file = artifact["properties"]["file"].as_str()?;
                let listed = std::fs::read_to_string(template.with_file_name(file)).ok()?;
                let listed: serde_json::Value = serde_json::from_str(&listed).ok()?;
                let holds = listed["files"]
                    .as_object()?
                    .values()
                    .any(|asset| asset["source"]["path"] == name);
                holds.then_some(id)
            })?;
            stacks().find(|artifact| {
                artifact["dependencies"]
                    .as_array()
                    .is_some_and(|needs| needs.iter().any(|need| need == assets.as_str()))
            })?
        }
    };
    let (account, region) = artifact["environment"]
        .as_str()?
        .strip_prefix("aws://")?
        .split_once('/')?;
    let account = Some(account).filter(|a| trustcheck::is_account_id(a))?;
    let region = Some(region).filter(|r| !r.is_empty() && !r.starts_with("unknown-"));
    Some((account.to_owned(), region.map(str::to_owned)))
}

/// The files a scan of `templates` reads beside them, as they exist: a CDK app's `manifest.json`
/// (the stacks' account and region) and its asset manifests, `STACK.assets.json` (which stack
/// deploys a nested stack's template).
pub(crate) fn side_inputs(templates: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut found: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs: Vec<&Path> = Vec::new();
    for dir in templates.iter().filter_map(|t| t.parent()) {
        if dirs.contains(&dir) {
            continue;
        }
        dirs.push(dir);
        let manifest = dir.join("manifest.json");
        if !manifest.is_file() {
            continue;
        }
        found.push(manifest);
        let listed = std::fs::read_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        });
        for entry in listed.into_iter().flatten().flatten() {
            let path = entry.path();
            if path.to_str().is_some_and(|p| p.ends_with(".assets.json")) && path.is_file() {
                found.push(path);
            }
        }
    }
    found
}

/// The file in `cdk.out` that CDK uploads as `location` (`https://s3…/HASH.json`), as the asset
/// manifest of the stack whose template is `template` (`STACK.assets.json` beside
/// `STACK.template.json`) lists it; `None` for any other template or location.
fn cdk_asset_source(template: &str, location: &str) -> Option<String> {
    let key = file_name(without_query(location))?;
    let stack = Path::new(template)
        .file_name()?
        .to_str()?
        .strip_suffix(".template.json")?;
    let manifest = Path::new(template).with_file_name(format!("{stack}.assets.json"));
    let listed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(manifest).ok()?).ok()?;
    let files = listed["files"].as_object()?;
    files.values().find_map(|asset| {
        let uploaded = (asset["destinations"].as_object()?.values()).any(|d| d["objectKey"] == key.as_str());
        let path = asset["source"]["path"].as_str()?;
        (uploaded && asset["source"]["packaging"] == "file").then(|| path.to_owned())
    })
}

/// The template's YAML (or JSON) document; one that is empty is an error. A resource's
/// `Properties` written as one `Fn::If` are spread over its properties ([`spread_if`]).
fn parsed(source: &str, text: &str, given: &[(String, String)]) -> Result<Node, InputError> {
    let mut root = yaml::parse(text)
        .map_err(|e| InputError::Yaml {
            path: source.to_owned(),
            source: e,
        })?
        .ok_or_else(|| InputError::Shape {
            path: source.to_owned(),
            message: "the template is empty".to_owned(),
        })?;
    // Loops over items the template writes out, or over a list parameter given a value, as
    // CloudFormation expands them; any other loop stays, and is refused (`first_for_each`).
    let lists = given_lists(&root, given);
    super::for_each::expand(&mut root, &|name| lists.get(name).cloned());
    if let Some(Value::Map(resources)) = entry_mut(&mut root, "Resources").map(|r| &mut r.value) {
        for resource in resources {
            if let Some(properties) = entry_mut(&mut resource.value, "Properties") {
                if let Some(spread) = spread_if(properties) {
                    *properties = spread;
                }
            }
        }
    }
    Ok(root)
}

/// The value of `key` in the mapping `node` (its last, as [`Node::get`] reads it), to change.
fn entry_mut<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().rev().find(|e| e.key == key).map(|e| &mut e.value),
        _ => None,
    }
}

/// `Properties: !If [C, A, B]`, which CloudFormation deploys as A or B, as the mapping of each
/// property of either to `!If [C, its value in A, its value in B]` (`AWS::NoValue` where a
/// branch lacks it; a branch that is `AWS::NoValue` has none): every reader of a property then
/// meets the condition as in any other value. `None` for properties written otherwise.
fn spread_if(properties: &Node) -> Option<Node> {
    let [entry] = properties.as_map()? else {
        return None;
    };
    let [condition, then, otherwise] = (entry.key == "Fn::If").then(|| entry.value.as_seq()).flatten()? else {
        return None;
    };
    let pos = properties.pos;
    let no_value = || Node {
        pos,
        literal: false,
        value: Value::Map(vec![Entry {
            key: "Ref".to_owned(),
            key_pos: pos,
            value: Node {
                pos,
                literal: false,
                value: Value::Scalar("AWS::NoValue".to_owned()),
            },
        }]),
    };
    let branch = |node: &Node| -> Option<Vec<Entry>> {
        if node.get("Ref").and_then(Node::as_str) == Some("AWS::NoValue") {
            return Some(Vec::new());
        }
        let spread = spread_if(node);
        spread.as_ref().unwrap_or(node).as_map().map(<[Entry]>::to_vec)
    };
    let (then, otherwise) = (branch(then)?, branch(otherwise)?);
    let mut keys: Vec<(&str, Pos)> = Vec::new();
    for e in then.iter().chain(&otherwise) {
        if !keys.iter().any(|(k, _)| *k == e.key) {
            keys.push((&e.key, e.key_pos));
        }
    }
    // A key a branch repeats stays repeated (its first values, then its last), so that the check
    // for repeated keys still fails the role closed.
    let value_in = |entries: &[Entry], key: &str, last: bool| {
        let mut found = entries.iter().filter(|e| e.key == key);
        let entry = if last { found.next_back() } else { found.next() };
        entry.map_or_else(no_value, |e| e.value.clone())
    };
    let repeating = |key: &str| {
        [&then, &otherwise]
            .into_iter()
            .find(|b| b.iter().filter(|e| e.key == key).count() > 1)
    };
    let spread = |key: &str, key_pos: Pos, last: bool| Entry {
        key: key.to_owned(),
        key_pos,
        value: Node {
            pos: key_pos,
            literal: false,
            value: Value::Map(vec![Entry {
                key: "Fn::If".to_owned(),
                key_pos,
                value: Node {
                    pos: key_pos,
                    literal: false,
                    value: Value::Seq(vec![
                        condition.clone(),
                        value_in(&then, key, last),
                        value_in(&otherwise, key, last),
                    ]),
                },
            }]),
        },
    };
    let mut entries = Vec::new();
    for (key, key_pos) in keys {
        match repeating(key) {
            // At the lines of the copies the branch holds.
            Some(branch) => {
                let mut copies = branch.iter().filter(|e| e.key == key);
                let first = copies.next().map_or(key_pos, |e| e.key_pos);
                let last = copies.next_back().map_or(key_pos, |e| e.key_pos);
                entries.push(spread(key, first, false));
                entries.push(spread(key, last, true));
            }
            None => entries.push(spread(key, key_pos, true)),
        }
    }
    Some(Node {
        pos,
        literal: false,
        value: Value::Map(entries),
    })
}

struct Template<'t> {
    source: &'t str,
    root: &'t Node,
    resources: Vec<Resource<'t>>,
    stack: Stack<'t>,
    notes: Vec<String>,
    /// What the scan was given, for a template inside this one (a stack set's).
    options: StackOptions,
    parameters_refused: Refusals,
    /// What each way of deploying makes, by the assumptions it takes ([`Template::made_in`]).
    made: RefCell<HashMap<Assumptions, Rc<Made>>>,
    /// The values of the template's NoEcho parameters ([`no_echo_values`]), which no report prints.
    secrets: Vec<String>,
}

/// How the conditions a way of deploying takes go, sorted.
type Assumptions = Vec<(String, bool)>;

/// The functions CloudFront runs at the edge and the event source mappings, in a way of
/// deploying: a distribution or a mapping whose `Condition` is false then is not made.
struct Made {
    edge: Vec<String>,
    mappings: HashMap<String, Vec<EventSource>>,
    /// The distributions with an association that names no function of the template, and the
    /// mappings whose function it can't tell: noted as written.
    unlinked_edge: Vec<String>,
    unlinked_mappings: Vec<String>,
}

impl<'t> Template<'t> {
    /// The note for a template whose `Transform` names a macro of its own: the macro may rewrite
    /// any role before deployment, so every role fails closed (scan the processed template).
    fn macro_rewrites(&self) -> Option<String> {
        // One under Resources is handed every resource, this role included, unless it is the
        // include, which only adds.
        let in_resources = (self.root.get("Resources").and_then(|r| r.get("Fn::Transform")))
            .map(|t| t.get("Name").and_then(Node::as_str).unwrap_or("(not a name)"))
            .filter(|name| *name != "AWS::Include");
        if let Some(name) = in_resources {
            return Some(format!(
                "{UNRESOLVED_TRANSFORM}: Resources has an Fn::Transform of the macro {name}, which is handed every resource and may rewrite this role before it deploys; scan the processed template (aws cloudformation get-template --template-stage Processed)"
            ));
        }
        let transform = self.root.get("Transform")?;
        // A name, or `{Name: …, Parameters: …}` (`AWS::Include`, a macro with parameters), or a
        // list of either.
        let name = |node: &'t Node| node.as_str().or_else(|| node.get("Name").and_then(Node::as_str));
        let names: Vec<Option<&str>> = match &transform.value {
            Value::Seq(items) => items.iter().map(name).collect(),
            _ => vec![name(transform)],
        };
        let unknown = names
            .into_iter()
            .find(|name| name.is_none_or(|name| !KNOWN_TRANSFORMS.contains(&name)))?
            .unwrap_or("(not a name)");
        Some(format!(
            "{UNRESOLVED_TRANSFORM}: the template's Transform {unknown} is a macro, which may rewrite this role before it deploys; scan the processed template (aws cloudformation get-template --template-stage Processed)"
        ))
    }

    /// No `--account-id`: the account is the stand-in.
    fn account_is_stand_in(&self) -> bool {
        !self.stack.given.contains("AWS::AccountId")
    }

    /// No `--region`: the partition is the default region's, a stand-in.
    fn partition_is_stand_in(&self) -> bool {
        !self.stack.given.contains("AWS::Partition")
    }

    fn new(source: &'t str, root: &'t Node, options: &StackOptions) -> Result<Template<'t>, InputError> {
        refuse_repeated_keys(source, root)?;
        let section = root.get("Resources").filter(|r| r.as_map().is_some()).ok_or_else(|| {
            // What it is instead, when another subcommand reads it.
            let has = |key: &str| root.get(key).is_some();
            let instead = if has("planned_values") || has("resource_changes") || has("format_version") {
                ": it is a Terraform plan or state; use `trustcheck terraform`"
            } else if has("RoleDetailList") {
                ": it is an account's authorization details; use `trustcheck account --auth-details`"
            } else if has("Statement") {
                ": it is a policy; use `trustcheck policy`"
            } else {
                ""
            };
            invalid(
                source,
                root.pos,
                format!("no Resources mapping: not a CloudFormation or SAM template{instead}"),
            )
        })?;
        // A loop's roles, properties or exports are unknown until it is expanded, wherever it is
        // (Resources, a resource's properties, Outputs, Conditions): an error, never a pass. Not
        // a loop in Resources that makes only resources no role's verdict reads (topics, queues,
        // buckets): its items change nothing judged here, and a note says it was left out.
        let resource_loops = section.as_map().unwrap_or_default().iter().filter(|e| is_loop(e));
        let (harmless, bearing): (Vec<&Entry>, Vec<&Entry>) = resource_loops.partition(|e| makes_nothing_judged(e));
        let elsewhere = || {
            (root.as_map().unwrap_or_default().iter())
                .map(|e| match e.key == "Resources" {
                    // Inside each resource, and each loop's fragment beyond the ones left out.
                    true => (e.value.as_map().unwrap_or_default().iter())
                        .filter(|r| !harmless.iter().any(|h| std::ptr::eq(*h, *r)))
                        .find_map(|r| if is_loop(r) { Some(r) } else { first_for_each(&r.value) }),
                    false => {
                        if is_loop(e) {
                            Some(e)
                        } else {
                            first_for_each(&e.value)
                        }
                    }
                })
                .find_map(|found| found)
        };
        if let Some(entry) = bearing.first().copied().or_else(elsewhere) {
            return Err(invalid(
                source,
                entry.key_pos,
                format!(
                    "{} (AWS::LanguageExtensions) is expanded here only over a list of items written in the template or a list parameter given with --parameter (a mapping's, or a parameter's not given, are up to the deployment), within {} entries and 64 MiB made and 16 levels of the document, and `sam build` keeps it: scan the template CloudFormation processes, from a change set (aws cloudformation get-template --stack-name STACK --change-set-name SET --template-stage Processed)",
                    entry.key,
                    super::for_each::MAX_MADE
                ),
            ));
        }
        let mut resources = Vec::new();
        let mut notes: Vec<String> = (harmless.iter())
            .map(|entry| {
                format!(
                    "{source}: {} (AWS::LanguageExtensions) is not expanded here, and makes only resources no role's verdict reads (no role, function, stack or distribution): left out",
                    entry.key
                )
            })
            .collect();
        for entry in section.as_map().unwrap_or_default() {
            if harmless.iter().any(|h| std::ptr::eq(*h, entry)) {
                continue;
            }
            // `AWS::Include` of more resources: those it adds are not here, the others are. A
            // macro's output replaces them all: each role says so (`macro_rewrites`).
            if entry.key == "Fn::Transform" {
                let name = entry.value.get("Name").and_then(Node::as_str).unwrap_or("(not a name)");
                let location = (entry.value.get("Parameters").and_then(|p| p.get("Location")))
                    .and_then(Node::as_str)
                    .unwrap_or("a location not written out");
                let what = match name {
                    "AWS::Include" => format!("AWS::Include of {location}"),
                    macro_name => format!("the macro {macro_name}"),
                };
                notes.push(format!(
                    "{source}: Resources has an Fn::Transform ({what}), whose resources are not scanned here: roles it adds are not judged; scan the included file too, or the processed template (aws cloudformation get-template --template-stage Processed)"
                ));
                continue;
            }
            let kind = match entry.value.get("Type") {
                None => {
                    return Err(invalid(
                        source,
                        entry.key_pos,
                        format!("resource {} has no Type", entry.key),
                    ))
                }
                Some(kind) => kind.as_str().ok_or_else(|| {
                    // A Rain module (`Type: {Path: …}`) is expanded by `rain pkg`, not CloudFormation.
                    let why = format!(
                        "resource {}: its Type is not text (a module? scan the packaged template)",
                        entry.key
                    );
                    invalid(source, kind.pos, why)
                })?,
            };
            // A Service Catalog product deploys a template kept in the catalog, roles and all.
            if kind == PROVISIONED_PRODUCT {
                notes.push(format!(
                    "{source}: resource {} provisions a Service Catalog product ({kind}), whose template is kept in the catalog: its roles are not judged here; scan the product's template too",
                    entry.key
                ));
            }
            // A registry module expands into its own resources (roles among them) when it deploys.
            if kind.ends_with("::MODULE") {
                notes.push(format!(
                    "{source}: resource {} is the CloudFormation module {kind}, whose resources are not scanned here: roles it adds are not judged; scan the processed template (aws cloudformation get-template --template-stage Processed)",
                    entry.key
                ));
            }
            resources.push(Resource {
                id: &entry.key,
                pos: entry.key_pos,
                kind,
                node: &entry.value,
            });
        }
        let (parameters, alternatives, parameters_refused) = parameters(source, root, options, &mut notes);
        // The `Parameters` section's entries, and the names of those whose declaration says so.
        let declared = root.get("Parameters").and_then(Node::as_map).unwrap_or_default();
        let named_where = |says: fn(&Node) -> bool| -> HashSet<String> {
            (declared.iter())
                .filter(|p| says(&p.value))
                .map(|p| p.key.clone())
                .collect()
        };
        // Not given, the one region the trust policies name Lambda functions in stands in for it:
        // a pin to `arn:aws:lambda:eu-west-1:…` then reads as the template wrote it, not as
        // blocking every function of the default region.
        let named_region = (!options.region_given)
            .then(|| region_of_named_functions(root, &resources))
            .flatten();
        if let Some(region) = &named_region {
            notes.push(format!(
                "{source}: the region is not given: {region}, the one its trust policies name Lambda functions in, stands in for it (AWS::Region, function ARNs); pass --region"
            ));
        }
        let stack = Stack {
            account: options.account(&mut notes),
            region: named_region.unwrap_or_else(|| options.region.clone()),
            parameters,
            given: given_refs(options),
            resources: HashMap::new(),
            mappings: root.get("Mappings"),
            conditions: root.get("Conditions"),
            alternatives,
            declared: declared.iter().map(|p| p.key.clone()).collect(),
            from_ssm: (declared.iter())
                .filter(|p| {
                    (p.value.get("Type").and_then(Node::as_str))
                        .is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value<"))
                })
                .filter_map(|p| Some((p.key.clone(), p.value.get("Default")?.as_str()?.to_owned())))
                .collect(),
            constrained: named_where(allows_no_wildcard),
            named_owner: named_where(names_one_owner),
            account_arns: (declared.iter())
                .filter_map(|p| {
                    let pattern = p.value.get("AllowedPattern").and_then(Node::as_str)?;
                    Some((p.key.clone(), arn_with_account_field(pattern)?))
                })
                .collect(),
            accounts: named_where(holds_account_ids),
            // A macro's transform, an `AWS::Include` among the resources or parameters, a
            // registry module (`Ci.Role`, `CiRole`) or org-formation (`!Ref MasterAccount`, which
            // it writes out first) may declare what the template refers to.
            transformed: root.get("Transform").is_some()
                || ["Resources", "Parameters"]
                    .iter()
                    .any(|section| root.get(section).and_then(|s| s.get("Fn::Transform")).is_some())
                || resources.iter().any(|r| r.kind.ends_with("::MODULE"))
                || is_org_formation(root),
            eks_clusters: (resources.iter())
                .filter(|r| matches!(r.kind, "AWS::EKS::Cluster" | "Custom::AWSCDK-EKS-Cluster"))
                .map(|r| r.id.to_owned())
                .collect(),
            cdk_json: resources
                .iter()
                .filter(|r| r.kind == "Custom::AWSCDKCfnJson")
                .filter_map(|r| Some((r.id.to_owned(), r.node.get("Properties")?.get("Value")?)))
                .collect(),
            ssm_values: (resources.iter())
                .filter(|r| r.kind == "AWS::SSM::Parameter")
                .filter_map(|r| Some((r.id.to_owned(), r.node.get("Properties")?.get("Value")?)))
                .collect(),
        };
        let mut template = Template {
            source,
            root,
            resources,
            stack,
            notes,
            options: options.clone(),
            parameters_refused,
            made: RefCell::default(),
            secrets: no_echo_values(root, options),
        };
        // A resource whose `Condition` what was given makes false is not deployed: no role, no
        // function, no mapping of it. One the scan can't decide is taken as deployed.
        let mut resolver = Resolver::new(&template.stack);
        // SAM names the role it makes for a function `<Function>Role`, and refuses a template
        // that has a resource of that id already (DuplicateLogicalIdException), whatever its
        // conditions: nothing deploys, and the function never uses the resource written there.
        let ids: HashSet<&str> = template.resources.iter().map(|r| r.id).collect();
        if let Some(function) =
            (template.resources.iter()).find(|f| f.generates_role() && ids.contains(generated_role_id(f.id).as_str()))
        {
            return Err(invalid(
                source,
                function.pos,
                format!(
                    "SAM refuses this template: the role it makes for the function {} is named {}, the id of another resource here (DuplicateLogicalIdException); rename that resource, or give the function its Role",
                    function.id,
                    generated_role_id(function.id)
                ),
            ));
        }
        // SAM refuses a `Role` in `Globals.Function` ("'Role' is not a supported property of
        // 'Function'"): read as no Role, each function would seem to get a role of its own.
        if let Some(role) = (root.get("Globals").and_then(|g| g.get("Function"))).and_then(|f| f.entry("Role")) {
            return Err(invalid(
                source,
                role.key_pos,
                "SAM refuses this template: Globals.Function takes no Role ('Role' is not a supported property of 'Function'); give each function its Role".to_owned(),
            ));
        }
        let notes = &mut template.notes;
        template.resources.retain(|r| {
            let Some(condition) = r.node.get("Condition").and_then(Node::as_str) else {
                return true;
            };
            let deployed = resolver.condition(condition) != Some(false);
            if !deployed {
                notes.push(format!(
                    "{source}: {} is not deployed: its condition {condition} is false with what was given",
                    r.id
                ));
            }
            deployed
        });
        template.stack.resources = template.resource_values();
        // A named function's ARN holds the region: the default one may not be where it runs, and a
        // trust policy naming a function of another region reads as blocking it. Said when one does.
        let named_function = (template.resources.iter())
            .filter(|r| matches!(r.kind, LAMBDA_FUNCTION | SAM_FUNCTION))
            .any(|r| template.stack.resources.get(r.id).is_some_and(|v| v.arn.is_some()));
        // A region written out (`eu-west-1`), not a wildcard or a `${AWS::Region}` left to us.
        let other_region = |text: &str| {
            text.split(":lambda:").skip(1).any(|rest| {
                rest.split(':')
                    .next()
                    .is_some_and(|region| trustcheck::is_region(region) && region != template.stack.region)
            })
        };
        // The trust policies of roles, of SAM's generated ones and of SAM's globals.
        let globals = template.sam_globals().and_then(|g| g.get("AssumeRolePolicyDocument"));
        let names_another_region = (template.resources.iter())
            .filter(|r| matches!(r.kind, ROLE | SAM_FUNCTION))
            .filter_map(|r| r.property("AssumeRolePolicyDocument"))
            .chain(globals)
            .any(|document| any_text(document, &other_region));
        // A function without `FunctionName` is named `STACK-ID-SUFFIX` at deploy: a trust policy
        // that names it by its logical id (`…:function:Orders`) names no function of the stack.
        let unnamed = (template.resources.iter())
            .filter(|r| matches!(r.kind, LAMBDA_FUNCTION | SAM_FUNCTION) && r.property("FunctionName").is_none());
        for function in unnamed {
            let by_logical_id =
                |text: &str| (text.split(":function:").skip(1)).any(|rest| rest.split(':').next() == Some(function.id));
            let trusts = (template.resources.iter())
                .filter(|r| matches!(r.kind, ROLE | SAM_FUNCTION))
                .filter_map(|r| r.property("AssumeRolePolicyDocument"))
                .chain(globals);
            if trusts.into_iter().any(|document| any_text(document, &by_logical_id)) {
                template.notes.push(format!(
                    "{source}: a trust policy names the function {id} by its logical id (…:function:{id}), but {id} has no FunctionName: CloudFormation names it STACK-{id}-SUFFIX at deploy, so that ARN names no function of the stack; give it a FunctionName, or write !GetAtt {id}.Arn",
                    id = function.id
                ));
            }
        }
        let mut clusters: Vec<&String> = template.stack.eks_clusters.iter().collect();
        clusters.sort();
        for cluster in clusters {
            let issuer = trustcheck::template_eks_issuer(template.stack.given_region(), cluster);
            template.notes.push(format!(
                "{source}: {cluster}'s OIDC issuer is an EKS cluster's, whose id exists once the cluster does: it stands in as {issuer}"
            ));
        }
        if named_function && names_another_region && !options.region_given {
            let note = format!(
                "the region is not given: {} stands in for it (AWS::Region, function ARNs); pass --region",
                template.stack.region
            );
            if !template.notes.contains(&note) {
                template.notes.push(note);
            }
        }
        Ok(template)
    }

    /// What `Ref` and `Fn::GetAtt .Arn` give for roles and functions. Names may use parameters
    /// but not other resources' names (CloudFormation generates those), so one pass does.
    fn resource_values(&self) -> HashMap<String, ResourceValues> {
        let mut resolver = Resolver::new(&self.stack);
        let mut values = HashMap::new();
        let account = &self.stack.account;
        let partition = super::partition(&self.stack.region);
        for resource in &self.resources {
            let known = |name: &str, resolver: &mut Resolver| {
                resource
                    .property(name)
                    .and_then(|n| resolver.known_string(n))
                    .filter(|s| !s.is_empty())
            };
            // A name built with what the template doesn't know (`${AWS::StackName}-fn`) keeps its
            // opaque parts: an ARN built the same way elsewhere still matches.
            let written_name = |name: &str, resolver: &mut Resolver| {
                known(name, resolver).or_else(|| {
                    let written = resource.property(name)?;
                    resolver.fork().string(written).filter(|s| !s.is_empty())
                })
            };
            match resource.kind {
                ROLE => {
                    let name = written_name("RoleName", &mut resolver).unwrap_or_else(|| resource.id.to_owned());
                    let path = known("Path", &mut resolver).unwrap_or_else(|| "/".to_owned());
                    values.insert(resource.id.to_owned(), role_values(partition, account, &path, &name));
                }
                LAMBDA_FUNCTION | SAM_FUNCTION => {
                    // As a role's name: `${AWS::StackName}-worker` keeps its opaque part, so a
                    // condition built from the same unknown (`…:function:${AWS::StackName}-*`)
                    // is judged against it, not taken as unknown.
                    // A name only some deployments give (`!If [C, !Sub Worker-${Suffix}, !Ref
                    // AWS::NoValue]`, C undecided) is not this reading's: the branch taken here
                    // would spell it with a default that makes C false (`Worker-`). Known by its
                    // logical id, as a function without a name is; each way of deploying reads
                    // its own name ([`Template::renamed_functions`]).
                    let name = (!named_in_some_deployments(resource.property("FunctionName"), &resolver))
                        .then(|| written_name("FunctionName", &mut resolver))
                        .flatten();
                    let arn = name.as_deref().map(|n| self.function_arn(n));
                    values.insert(resource.id.to_owned(), ResourceValues { ref_value: name, arn });
                    if resource.generates_role() {
                        let role = generated_role_id(resource.id);
                        let path = self.sam_role_path(resource, &mut resolver);
                        values.insert(role.clone(), role_values(partition, account, &path, &role));
                    }
                }
                SAM_STATE_MACHINE => {
                    values.insert(resource.id.to_owned(), ResourceValues::default());
                    if left_empty(resource.property("Role")) {
                        let role = format!("{}Role", resource.id);
                        let path = self.sam_role_path(resource, &mut resolver);
                        values.insert(role.clone(), role_values(partition, account, &path, &role));
                    }
                }
                OIDC_PROVIDER | CDK_OIDC_PROVIDER => {
                    // `Ref` and `Arn` are the provider's ARN, named after its URL.
                    let arn = known("Url", &mut resolver).map(|url| {
                        let issuer = super::oidc_issuer(&url);
                        format!("arn:{partition}:iam::{account}:oidc-provider/{issuer}")
                    });
                    values.insert(
                        resource.id.to_owned(),
                        ResourceValues {
                            ref_value: arn.clone(),
                            arn,
                        },
                    );
                }
                IAM_USER | IAM_GROUP => {
                    // `Ref` is the name, `Arn` the ARN: a user's is a principal a trust may name,
                    // a group's and a bare name are not (IAM refuses them). A name CloudFormation
                    // generates stays undetermined.
                    let (property, kind) = match resource.kind {
                        IAM_USER => ("UserName", "user"),
                        _ => ("GroupName", "group"),
                    };
                    let name = written_name(property, &mut resolver)
                        .unwrap_or_else(|| trustcheck::opaque(&format!("physical id of {}", resource.id)));
                    let path = known("Path", &mut resolver).unwrap_or_else(|| "/".to_owned());
                    values.insert(
                        resource.id.to_owned(),
                        ResourceValues {
                            arn: Some(format!("arn:{partition}:iam::{account}:{kind}{path}{name}")),
                            ref_value: Some(name),
                        },
                    );
                }
                SAML_PROVIDER => {
                    // `Ref` and `Arn` are the provider's ARN: a SAML provider's, whatever its name
                    // (one CloudFormation generates stays undetermined).
                    let name = known("Name", &mut resolver)
                        .unwrap_or_else(|| trustcheck::opaque(&format!("physical id of {}", resource.id)));
                    let arn = Some(format!("arn:{partition}:iam::{account}:saml-provider/{name}"));
                    values.insert(
                        resource.id.to_owned(),
                        ResourceValues {
                            ref_value: arn.clone(),
                            arn,
                        },
                    );
                }
                _ => {
                    values.insert(resource.id.to_owned(), ResourceValues::default());
                }
            }
        }
        values
    }

    /// Where a nested stack's template is: CDK's `aws:asset:path`, else its `TemplateURL` or
    /// SAM's `Location`, as far as the template gives it.
    /// How the roles of a nested stack's template are linked ([`nested_links`]): by its path,
    /// beside this template, or by its file name when it is an upload (a URL, or one the template
    /// doesn't fully give).
    fn nested_link(&self, location: &str) -> String {
        match is_url(location) || trustcheck::holds_opaque(location) {
            true => name_link(location),
            false => {
                let relative = location.replace('\\', "/");
                path_link(&Path::new(self.source).with_file_name(relative).to_string_lossy())
            }
        }
    }

    /// `Fn::GetAtt` of `Outputs.NAME` of the nested stack `id`, as the role its template exports
    /// under that output.
    fn nested_output(&self, id: &str, arg: &Value) -> Option<Target> {
        let attribute = match arg {
            Value::Scalar(dotted) => dotted.split_once('.').map(|(_, attribute)| attribute.to_owned()),
            Value::Seq(parts) => parts.get(1).and_then(|part| Resolver::new(&self.stack).string(part)),
            _ => None,
        }?;
        let output = attribute.strip_prefix("Outputs.")?;
        let stack = (self.resources.iter()).find(|r| r.id == id && matches!(r.kind, NESTED_STACK | SAM_APPLICATION))?;
        let link = self.nested_link(&self.nested_location(stack)?);
        Some(Target::NestedOutput(
            nested_output_link(&link, output),
            output.to_owned(),
        ))
    }

    fn nested_location(&self, stack: &Resource) -> Option<String> {
        if let Some(path) = (stack.node.get("Metadata")).and_then(|m| m.get("aws:asset:path")) {
            return Resolver::new(&self.stack).string(path);
        }
        let location = (stack.property("TemplateURL"))
            .or_else(|| stack.property("Location"))
            .and_then(|n| Resolver::new(&self.stack).string(n))?;
        // CDK without asset metadata (`cdk synth --no-asset-metadata`, integration snapshots):
        // the uploaded object's key names the nested template in the stack's asset manifest.
        Some(cdk_asset_source(self.source, &location).unwrap_or(location))
    }

    /// The ARN of this stack's function named `name`.
    fn function_arn(&self, name: &str) -> String {
        let partition = super::partition(&self.stack.region);
        format!(
            "arn:{partition}:lambda:{}:{}:function:{name}",
            self.stack.region, self.stack.account
        )
    }

    /// The functions of `users` (the role's, as their ARNs by default) that a deployment going
    /// the ways `resolver` assumes names otherwise (`FunctionName: !Sub orders-${Env}` with each
    /// allowed `Env`), with their ARN then: one parameter value holds for the trust and the
    /// function alike.
    fn renamed_functions(&self, users: &[String], resolver: &mut Resolver) -> Vec<(String, String)> {
        let mut renamed = Vec::new();
        for user in users {
            // Known, or with its unknown parts kept, as the function's own ARN is built: in a way
            // where the name is `billing-api-${Stage}`, the function is not the other way's
            // `billing-api`.
            let function = self.user_function(user);
            let written = function.and_then(|f| f.property("FunctionName"));
            let name = (written.and_then(|n| resolver.known_string(n)))
                .or_else(|| written.and_then(|n| resolver.fork().string(n)))
                .filter(|n| !n.is_empty());
            let renamed_to = match (name, written) {
                (Some(name), _) => Some(self.function_arn(&name)),
                // `AWS::NoValue` this way: CloudFormation names it (`STACK-Api-SUFFIX`), known here
                // by its logical id alone, as a function without a name is.
                (None, Some(_)) => function.map(|f| f.id.to_owned()),
                (None, None) => None,
            };
            if let Some(arn) = renamed_to.filter(|arn| arn != user) {
                renamed.push((user.clone(), arn));
            }
        }
        renamed
    }

    /// The functions of `role` (`users`, as their ARN by default) that are not its users in the
    /// resolver's way of deploying: their `Condition` is false then (CloudFormation creates none
    /// of them), or their `Role` takes another branch then (`!If [C, !GetAtt A.Arn, !GetAtt
    /// B.Arn]`: one condition, one value, for the role's trust and the function's role alike). A
    /// user two of the role's functions share (one name under opposite conditions) is absent only
    /// when both are; a function of another role of the same name is not this role's.
    fn absent_functions(&self, role: &str, users: &[String], resolver: &mut Resolver) -> Vec<String> {
        let mut absent = Vec::new();
        for user in users {
            let mut functions = self.user_functions(user).filter(|f| self.uses_role(f, role)).peekable();
            if functions.peek().is_none() {
                continue;
            }
            let none_deployed = functions.all(|f| {
                (f.node.get("Condition"))
                    .and_then(Node::as_str)
                    .is_some_and(|condition| resolver.condition(condition) == Some(false))
                    || !self.uses_role_in(f, role, resolver)
            });
            if none_deployed {
                absent.push(user.clone());
            }
        }
        absent
    }

    /// Whether `function`'s `Role` may be `role` (a logical id), or SAM generates it that role,
    /// where the function is deployed: with its own `Condition` holding.
    fn uses_role(&self, function: &Resource<'t>, role: &str) -> bool {
        self.uses_role_in(function, role, &mut self.resolver_where_deployed(function))
    }

    /// [`Self::uses_role`] with the conditions of its `Fn::If`s decided as `resolver` decides them.
    fn uses_role_in(&self, function: &Resource, role: &str, resolver: &mut Resolver) -> bool {
        let generated = function.kind == SAM_FUNCTION && generated_role_id(function.id) == role;
        let named = function.roles_named();
        if named.is_empty() {
            return generated;
        }
        // `!If [C, …, !Ref AWS::NoValue]`: SAM generates the role in that branch.
        named.into_iter().any(|node| {
            self.role_targets_in(node, resolver)
                .iter()
                .any(|target| *target == Target::Template(role.to_owned()) || (*target == Target::NoValue && generated))
        })
    }

    /// The function resource a role's user (its logical id, or its ARN by default) is.
    fn user_function<'s>(&'s self, user: &'s str) -> Option<&'s Resource<'t>> {
        self.user_functions(user).next()
    }

    /// Every function resource a role's user (its logical id, or its ARN by default) may be.
    fn user_functions<'s>(&'s self, user: &'s str) -> impl Iterator<Item = &'s Resource<'t>> + 's {
        self.resources.iter().filter(move |r| {
            matches!(r.kind, LAMBDA_FUNCTION | SAM_FUNCTION)
                && (r.id == user || self.stack.resources.get(r.id).and_then(|v| v.arn.as_deref()) == Some(user))
        })
    }

    fn roles(mut self) -> Result<Scanned, InputError> {
        let (users, generated, mut imports) = self.role_users();
        let as_written = self.made_in(HashMap::new());
        let (edge, mappings) = (as_written.edge.as_slice(), &as_written.mappings);
        for distribution in &as_written.unlinked_edge {
            self.notes.push(format!(
                "{}: {distribution} has a Lambda@Edge association that names no function of this template (an import, a nested stack's output, a parameter?): that function's role is not checked for Lambda@Edge's trust here",
                self.source
            ));
        }
        for mapping in &as_written.unlinked_mappings {
            self.notes.push(format!(
                "{}: {mapping}'s FunctionName is not a function the template gives (an import, a parameter?): a stream or queue it reads is not counted against any role",
                self.source
            ));
        }
        for import in &mut imports {
            import.event_sources = mappings.get(&import.function).cloned().unwrap_or_default();
        }
        let exports = self.role_exports();
        let aliases = self.passed_outputs();
        let mut roles = Vec::new();
        let mut nested = Vec::new();
        let mut nested_files = Vec::new();
        let mut passes = Vec::new();
        // SAM's roles for services already judged, by where they are in `roles`: one may be made
        // again, tagged by another resource (CodeDeploy's).
        let mut service_roles: Vec<(usize, &Resource, SamServiceRole)> = Vec::new();
        for resource in &self.resources {
            match resource.kind {
                ROLE => roles.push(self.role(resource, &users, edge, mappings)?),
                SAM_FUNCTION if generated.contains(&resource.id) => {
                    roles.push(self.generated_role(resource, &users, edge, mappings)?);
                }
                // Its roles are in a template of its own: say so, rather than pass in silence,
                // unless that template is read too (by its file name: CDK's asset, a local path).
                // A Serverless Application Repository app (`Location: {ApplicationId: …}`) is
                // someone else's template: not one to pass.
                NESTED_STACK | SAM_APPLICATION
                    if resource
                        .property("Location")
                        .is_some_and(|l| l.get("ApplicationId").is_some()) =>
                {
                    self.notes.push(format!(
                        "{}: {} is an application of the Serverless Application Repository: its roles are not checked here (deployed, `trustcheck account` checks them)",
                        self.source, resource.id
                    ));
                }
                NESTED_STACK | SAM_APPLICATION => {
                    // CDK's (its path in the construct tree): its template is in cdk.out.
                    let cdk = (resource.node.get("Metadata")).is_some_and(|m| m.get("aws:cdk:path").is_some());
                    let note = format!(
                        "{}: {} is a nested stack ({}): its roles are checked only if its template is scanned too (pass it{})",
                        self.source,
                        resource.id,
                        resource.kind,
                        if cdk { ", or the cdk.out directory" } else { " too" }
                    );
                    let location = self.nested_location(resource);
                    let local = |location: &str| !is_url(location) && !trustcheck::holds_opaque(location);
                    let child = location
                        .as_deref()
                        .and_then(|location| Some((file_name(without_query(location))?, local(location))));
                    if let Some((child, local)) = child {
                        nested.push((note.clone(), child, local));
                    }
                    if let Some(location) = location {
                        // Beside the parent as it was named (`nest/parent.yaml`'s `./child.yaml` is
                        // `nest/child.yaml`, as the report names files); not an absolute path
                        // (`/etc/…`), which no packaged template uses.
                        let relative = local(&location) && Path::new(&location).is_relative();
                        let beside = relative
                            .then(|| lexically(&Path::new(self.source).with_file_name(location.replace('\\', "/"))));
                        if let Some(path) = beside {
                            let by = DeployedBy {
                                parent: self.source.to_owned(),
                                stack: resource.id.to_owned(),
                            };
                            nested_files.push((path, by));
                        }
                        passes.extend(self.parameters_passed(resource, &location)?);
                    }
                    self.notes.push(note);
                }
                STACK_SET => match resource.property("TemplateBody") {
                    Some(body) => {
                        // Built by intrinsic functions (`!Sub |`, `Fn::Join`), it is read as the
                        // stack builds it, what the template doesn't give marked so (the engine
                        // fails closed on it where a trust policy reads it). A body that is one
                        // such value, or that doesn't read as a template once built, is noted.
                        let inner = match body.as_str() {
                            Some(text) => Some(self.stack_set_body(resource, body, text)?),
                            None => self.built_stack_set_body(resource, body)?,
                        };
                        match inner {
                            Some(inner) => {
                                roles.extend(inner.roles);
                                self.notes.extend(inner.notes);
                            }
                            None => self.notes.push(format!(
                                "{}: {} is a stack set ({STACK_SET}) whose TemplateBody the template doesn't give as a template (a parameter, an import, text that doesn't read as one once built): the roles of the template it deploys are not checked",
                                self.source, resource.id
                            )),
                        }
                    }
                    None => {
                        let note = format!(
                            "{}: {} is a stack set ({STACK_SET}): the roles of the template it deploys are checked only if that template is scanned too (its TemplateURL as a file of its own)",
                            self.source, resource.id
                        );
                        // Dropped when a template of that file name is scanned, as a nested stack's.
                        let url = resource
                            .property("TemplateURL")
                            .and_then(|n| Resolver::new(&self.stack).string(n));
                        if let Some(child) = url.as_deref().and_then(|url| file_name(without_query(url))) {
                            nested.push((note.clone(), child, false));
                        }
                        self.notes.push(note);
                    }
                },
                _ => {}
            }
            if resource.kind.starts_with("AWS::Serverless::") && !SAM_TYPES_KNOWN.contains(&resource.kind) {
                self.notes.push(format!(
                    "{}: {} is an {}, a SAM type this scan doesn't know: a role SAM generates for it is not judged; scan the template SAM makes of it (aws-sam-translator, or the stack's processed template)",
                    self.source, resource.id, resource.kind
                ));
            }
            let globals = self.root.get("Globals");
            let mut resolver = self.resolver_where_deployed(resource);
            for generated in sam_service_roles(resource, globals, &mut resolver) {
                // One for the whole template (CodeDeploy's): the first function that needs it,
                // with the tags of each that propagates its own (SAM merges them): judged again
                // in its place when another adds some.
                if let Some((at, first, made)) = service_roles.iter_mut().find(|(_, _, r)| r.id == generated.id) {
                    if generated.tags.is_some() {
                        made.tags = match (made.tags.take(), generated.tags) {
                            (Some(before), Some(more)) => Some(sam_merged(&before, &more)),
                            (before, more) => before.or(more),
                        };
                        roles[*at] = self.sam_service_role(first, made.clone())?;
                    }
                    continue;
                }
                if !roles.iter().any(|r| r.origin.name == generated.id) {
                    service_roles.push((roles.len(), resource, generated.clone()));
                    roles.push(self.sam_service_role(resource, generated)?);
                }
            }
        }
        let secret = &self.secrets;
        for role in roles.iter_mut().filter(|_| !secret.is_empty()) {
            // Every deployment's document: the one judged worst may be any.
            let documents = std::iter::once(&role.document).chain(role.alternatives.iter().map(|a| &a.document));
            // The values it holds whole (a list's items are values of their own): an ARN's
            // account or name alone is no secret, and the role's own account may be it.
            let mut hidden: Vec<String> = Vec::new();
            for document in documents {
                // Written into the JSON text escaped, where it holds a quote or a backslash.
                let in_text = |value: &&String| {
                    document.contains(value.as_str())
                        || serde_json::to_string(value.as_str())
                            .is_ok_and(|quoted| document.contains(quoted.trim_matches('"')))
                };
                hidden.extend(secret.iter().filter(in_text).cloned());
            }
            if !hidden.is_empty() {
                role.sensitive.get_or_insert_with(Vec::new).extend(hidden);
            }
        }
        let parameters_declared = self.root.get("Parameters").and_then(Node::as_map).unwrap_or_default();
        let refused = &self.parameters_refused;
        Ok(Scanned {
            roles,
            notes: self.notes,
            parameters_declared: parameters_declared.iter().map(|p| p.key.clone()).collect(),
            parameters_taken: (parameters_declared.iter())
                .filter(|p| !refused.contains_key(&p.key))
                .map(|p| p.key.clone())
                .collect(),
            parameters_refused: self.parameters_refused,
            exports,
            imports,
            aliases,
            files: file_name(self.source).into_iter().collect(),
            followed: Vec::new(),
            nested,
            nested_files,
            passes,
        })
    }

    /// What a nested stack whose template is a local file passes its parameters, as far as this
    /// template knows the values (a value it doesn't fully know is left to the nested template's
    /// own reading: its default, or a role passed from here): as the defaults read them, then once
    /// for each other way of deploying the parent whose values differ (an `!If` on a condition
    /// the scan can't decide, a parameter's other allowed values, a mapping's other rows), named
    /// after it. A `"*"` the parent passes in another environment makes the child's role public
    /// there.
    fn parameters_passed(&self, stack: &Resource, location: &str) -> Result<Vec<NestedPass>, InputError> {
        // A local path, beside the parent; or an upload (a URL, or one the template doesn't fully
        // give), by its file name, as the roles it passes are linked.
        let child = self.nested_link(location);
        let listed = stack.property("Parameters").and_then(Node::as_map).unwrap_or_default();
        let read = |resolver: &mut Resolver| {
            let (mut values, mut defaults) = (Vec::new(), Vec::new());
            for parameter in listed {
                let name = parameter.key.clone();
                if let Some(value) = resolver.fork().settled_string(&parameter.value) {
                    values.push((name, value));
                } else if let Some(value) = resolver.known_string(&parameter.value) {
                    defaults.push((name, value));
                } else if let Some(value) =
                    (resolver.fork().string(&parameter.value)).filter(|v| rests_on_parameters(v))
                {
                    // A parameter of the parent's it can't know (no default, not given): the
                    // child's `Default` never applies to what a parent passes, so the child reads
                    // it as undetermined, as the parent does.
                    values.push((name, value));
                }
            }
            (values, defaults)
        };
        let secrets = self.secrets.clone();
        let readings = match self.every_way(&Resolver::new(&self.stack), MAX_PASSED_READINGS, read) {
            Ok(readings) => readings,
            Err(rest_on) => {
                return Ok(vec![NestedPass {
                    child,
                    values: Vec::new(),
                    defaults: Vec::new(),
                    by: DeployedBy {
                        parent: self.source.to_owned(),
                        stack: stack.id.to_owned(),
                    },
                    secrets,
                    parent: path_link(self.source),
                    location: without_query(location).to_owned(),
                    unreadable: Some(self.too_many_ways(stack, "Parameters", &rest_on).to_string()),
                }])
            }
        };
        Ok((readings.into_iter())
            .filter(|(_, (values, defaults))| !values.is_empty() || !defaults.is_empty())
            .map(|(way, (values, defaults))| NestedPass {
                child: child.clone(),
                values,
                defaults,
                by: DeployedBy {
                    parent: self.source.to_owned(),
                    stack: match way {
                        Some(way) => format!("{} ({way})", stack.id),
                        None => stack.id.to_owned(),
                    },
                },
                secrets: secrets.clone(),
                parent: path_link(self.source),
                location: without_query(location).to_owned(),
                unreadable: None,
            })
            .collect())
    }

    /// A stack set's template written inline (`TemplateBody`), scanned as a template of its own.
    /// It deploys into the accounts the stack set targets: none is taken as the role's. `text` is
    /// the body as the stack builds it (`!Sub |`, `Fn::Join` resolved).
    fn stack_set_body(&self, resource: &Resource, body: &Node, text: &str) -> Result<Scanned, InputError> {
        let source = format!("{} ({}.TemplateBody)", self.source, resource.id);
        // Its roles are reported in this file, named `SET/ROLE`, at their lines here: the text of
        // a block scalar starts where its node does, and `Fn::Sub` keeps its template's lines.
        // Text joined from pieces has lines of its own: its roles are put at `TemplateBody`.
        let first_line = block_first_line(body);
        let mut scanned: Option<Scanned> = None;
        for (way, parameters) in self.stack_set_parameters(resource)? {
            let inner = self.stack_set_template(&source, text, parameters)?;
            let Some(all) = scanned.as_mut() else {
                scanned = Some(inner);
                continue;
            };
            // Another way's values: the roles they change, named after the way.
            for mut role in inner.roles {
                if all.roles.iter().any(|other| other.reads_as(&role)) {
                    continue;
                }
                role.origin.name = format!("{} ({})", role.origin.name, way.as_deref().unwrap_or_default());
                all.roles.push(role);
            }
            for note in inner.notes {
                if !all.notes.contains(&note) {
                    all.notes.push(note);
                }
            }
        }
        let mut scanned = scanned.unwrap_or_default();
        for role in &mut scanned.roles {
            role.origin.source = Some(self.source.to_owned());
            role.origin.name = format!("{}/{}", resource.id, role.origin.name);
            match first_line {
                Some(first_line) => {
                    let at = first_line.saturating_sub(1);
                    role.origin.line = role.origin.line.map(|line| line + at);
                    for line in &mut role.statement_lines {
                        *line += at;
                    }
                }
                None => {
                    role.origin.line = Some(body.pos.line);
                    role.statement_lines.fill(body.pos.line);
                }
            }
        }
        Ok(scanned)
    }

    /// A `TemplateBody` built by intrinsic functions, as every way of deploying builds it: text
    /// that rests on a condition, a parameter's value, a mapping's row or a list's item the
    /// template leaves open is scanned once for each text it can be, its roles named with the way
    /// (`Set/R (Mappings Trust row prod true)`): the default alone may be the harmless one. A way
    /// whose text doesn't read as a template is an error, as a plain body's is, and so are more
    /// ways than [`MAX_BODY_WAYS`]. `None` when no way gives a template (one marker, empty text).
    fn built_stack_set_body(&self, resource: &Resource, body: &Node) -> Result<Option<Scanned>, InputError> {
        let too_many = || {
            invalid(
                self.source,
                body.pos,
                format!(
                    "{}'s TemplateBody rests on more choices the template leaves open than the {MAX_BODY_WAYS} ways of building it that are checked: pass the values it rests on (--parameter)",
                    resource.id
                ),
            )
        };
        let mut resolver = Resolver::new(&self.stack);
        // The text of each way, the default's first (no label). A default of no value at all
        // (`!If [HasUrl, !Ref AWS::NoValue, !Sub …]`) leaves the other ways to read.
        let mut texts: Vec<(String, String)> = resolver
            .string(body)
            .map(|text| (String::new(), text))
            .into_iter()
            .collect();
        let mut default_unread = texts.is_empty();
        let mut conditions = resolver.undecided;
        loop {
            let (ways, all) = ways_to_go(&conditions);
            if !all {
                return Err(too_many());
            }
            let mut met: Vec<String> = Vec::new();
            for assume in ways.into_iter().filter(|assume| self.can_hold_together(assume)) {
                let mut assuming = Resolver::assuming(&self.stack, assume);
                let Some(text) = assuming.string(body) else { continue };
                for condition in std::mem::take(&mut assuming.undecided) {
                    if !conditions.contains(&condition) && !met.contains(&condition) {
                        met.push(condition);
                    }
                }
                if !texts.iter().any(|(_, known)| *known == text) {
                    if texts.len() == MAX_BODY_WAYS {
                        return Err(too_many());
                    }
                    texts.push((self.way_label(&assuming.assumed), text));
                }
            }
            if met.is_empty() {
                break;
            }
            conditions.extend(met);
        }
        let mut scanned: Option<Scanned> = None;
        for (way, text) in texts {
            let template = !text.trim().is_empty() && !is_one_marker(text.trim());
            let inner = match template.then(|| self.stack_set_body(resource, body, &text)) {
                Some(Ok(inner)) => inner,
                // The default built from values the template doesn't give may be text that doesn't
                // parse (noted); any other error (a limit reached, here or in a stack set it
                // deploys), and any other way's, is a plain body's: an error, never a pass.
                None if way.is_empty() => {
                    default_unread = true;
                    continue;
                }
                Some(Err(_))
                    if way.is_empty()
                        && text.contains(trustcheck::OPAQUE_PREFIX)
                        && !self.stack_set_limits_reached()
                        && parsed(self.source, &text, &[]).is_err() =>
                {
                    default_unread = true;
                    continue;
                }
                None => continue,
                Some(Err(error)) => return Err(error),
            };
            let roles = inner.roles.into_iter().map(|mut role| {
                if !way.is_empty() {
                    role.origin.name = format!("{} ({way})", role.origin.name);
                }
                role
            });
            match scanned.as_mut() {
                Some(all) => {
                    all.roles.extend(roles);
                    all.notes.extend(inner.notes);
                }
                None => {
                    scanned = Some(Scanned {
                        roles: roles.collect(),
                        ..inner
                    })
                }
            }
        }
        if let (Some(scanned), true) = (scanned.as_mut(), default_unread) {
            scanned.notes.push(format!(
                "{}: {}'s TemplateBody, as the template's defaults build it, doesn't read as a template: the ways that do are checked",
                self.source, resource.id
            ));
        }
        Ok(scanned)
    }

    /// Whether the file's stack set bodies reached a limit ([`Self::stack_set_template`]'s
    /// refusals): no body read after is judged.
    fn stack_set_limits_reached(&self) -> bool {
        let read = &self.options.stack_sets;
        self.options.stack_set_depth >= MAX_STACK_SET_DEPTH
            || read.bodies.get() > MAX_STACK_SET_BODIES
            || read.nodes.get() > MAX_STACK_SET_NODES
    }

    fn stack_set_template(
        &self,
        source: &str,
        body: &str,
        passed: Vec<(String, String)>,
    ) -> Result<Scanned, InputError> {
        // A stack set's template may deploy stack sets of its own; no deployment nests them
        // deeply, and each is parsed and judged on its own (an aliased body, once per alias).
        let refused = |why: String| invalid(source, Pos { line: 1, column: 1 }, why);
        if self.options.stack_set_depth >= MAX_STACK_SET_DEPTH {
            return Err(refused(format!(
                "stack sets' inline templates nest deeper than {MAX_STACK_SET_DEPTH} levels"
            )));
        }
        let read = &self.options.stack_sets;
        read.bodies.set(read.bodies.get() + 1);
        if read.bodies.get() > MAX_STACK_SET_BODIES {
            return Err(refused(format!(
                "more than {MAX_STACK_SET_BODIES} inline templates of stack sets in one file"
            )));
        }
        // A stack set's parameters are its own, not the scan's.
        let root = parsed(source, body, &[])?;
        read.nodes.set(read.nodes.get().saturating_add(root.size()));
        if read.nodes.get() > MAX_STACK_SET_NODES {
            return Err(refused(format!(
                "the inline templates of stack sets in one file expand to more than {MAX_STACK_SET_NODES} nodes"
            )));
        }
        let mut options = StackOptions {
            account_id: None,
            stack_set_depth: self.options.stack_set_depth + 1,
            ..self.options.clone()
        };
        // The stack set's own parameter values win over the template's defaults (a `"*"` passed
        // to a principal parameter deploys a public role); `--parameter` is the parent's.
        options.parameters.extend(passed);
        let scanned = Template::new(source, &root, &options)?.roles()?;
        Ok(noting_the_stand_in(scanned, source, &root, &options))
    }

    /// The values a stack set passes its template (`Parameters: [{ParameterKey, ParameterValue}]`),
    /// as far as this template determines them (the rest marked as undetermined), in every way of
    /// deploying that passes other values ([`Template::every_way`]).
    fn stack_set_parameters(&self, resource: &Resource) -> Result<Vec<Way<Passed>>, InputError> {
        self.every_way(&Resolver::new(&self.stack), MAX_PASSED_READINGS, |resolver| {
            self.stack_set_parameters_as(resource, resolver)
        })
        .map_err(|rest_on| self.too_many_ways(resource, "Parameters", &rest_on))
    }

    fn stack_set_parameters_as(&self, resource: &Resource, resolver: &mut Resolver) -> Passed {
        let listed = resource
            .property("Parameters")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        listed
            .iter()
            .filter_map(|parameter| {
                let key = parameter.get("ParameterKey")?.as_str()?.to_owned();
                let mut value = resolver.string(parameter.get("ParameterValue")?)?;
                // This template's account, not given, is the stand-in, and so is each account the
                // set deploys into: passed on (`!Ref AWS::AccountId`), it would read as the
                // member's own. It is another (a set deploys into other accounts), unknown here:
                // the member's parameter left unresolved, as one the deployer passes.
                if self.account_is_stand_in() && value.contains(super::STAND_IN_ACCOUNT) {
                    value = trustcheck::opaque(&format!("Ref {key}"));
                }
                Some((key, value))
            })
            .collect()
    }

    /// Role logical id → the functions that use it (ARN when the function is named, else its
    /// logical id: CloudFormation generates the name, so `aws:SourceArn` is unknown); and the SAM
    /// functions SAM generates a role for.
    fn role_users(&mut self) -> (HashMap<String, Vec<String>>, Vec<&'t str>, Vec<CrossStackUse>) {
        let mut users: HashMap<String, Vec<String>> = HashMap::new();
        let mut generated = Vec::new();
        let mut imported = Vec::new();
        for resource in &self.resources {
            if !matches!(resource.kind, LAMBDA_FUNCTION | SAM_FUNCTION) {
                continue;
            }
            let values = self.stack.resources.get(resource.id);
            let function = values
                .and_then(|v| v.arn.clone())
                .unwrap_or_else(|| resource.id.to_owned());
            // `Role:` left empty (null) is no role, as SAM reads it.
            let named = resource.roles_named();
            if let Some((first, again)) = (named.len() > 1)
                .then(|| resource.node.get("Properties")?.repeats("Role"))
                .flatten()
            {
                self.notes.push(format!(
                    "{}: {} has `Role` twice (line {first}, again at line {again}): which one counts is up to the parser that deploys it, so the function is taken to use each role it names; keep one",
                    self.source, resource.id
                ));
            }
            // Read where the function is deployed: `Role: !If [UseLambda, …]` on a function with
            // `Condition: UseLambda` never takes its other branch.
            let mut deployed = self.resolver_where_deployed(resource);
            let mut targets: Vec<Target> = Vec::new();
            for node in named {
                targets.extend(self.role_targets_in(node, &mut deployed));
            }
            if targets.is_empty()
                && resource.property("Role").is_none_or(|node| node.value == Value::Null)
                && resource.kind == SAM_FUNCTION
            {
                targets.push(Target::NoValue);
            }
            targets.dedup();
            for target in targets {
                let role = match target {
                    Target::Template(id) => id,
                    Target::NoValue if resource.kind == SAM_FUNCTION => {
                        generated.push(resource.id);
                        generated_role_id(resource.id)
                    }
                    Target::NoValue => continue,
                    // Another scanned template's role, by its ARN, or noted.
                    Target::External(arn) => {
                        let unlinked = match trustcheck::holds_opaque(&arn) {
                            // A parameter whose value a Terraform plan knows only after apply.
                            true => format!(
                                "{}: {} uses the role {arn}, whose value is not known here; it is not checked here",
                                self.source, resource.id
                            ),
                            false => format!(
                                "{}: {} uses the role {arn}, which no scanned template defines; it is not checked here",
                                self.source, resource.id
                            ),
                        };
                        imported.push(CrossStackUse::new(arn, unlinked, &function));
                        continue;
                    }
                    Target::Imported(export) => {
                        let unlinked = format!(
                            "{}: {} uses the role imported as {export}, which no scanned template exports; it is not checked here (scan the exporting template too)",
                            self.source, resource.id
                        );
                        imported.push(CrossStackUse::new(export, unlinked, &function));
                        continue;
                    }
                    Target::NestedOutput(link, output) => {
                        let unlinked = format!(
                            "{}: {} uses the role of the nested stack output {output}, which is checked only when that stack's template is scanned too",
                            self.source, resource.id
                        );
                        imported.push(CrossStackUse::new(link, unlinked, &function));
                        continue;
                    }
                    Target::FromParent(parameter) => {
                        let unlinked = format!(
                            "{}: {} uses the role its parameter {parameter} names, which the template does not define; it is checked here only when the parent stack that passes it is scanned too, or with --parameter {parameter}=ARN",
                            self.source, resource.id
                        );
                        // By its path (a parent naming a local file), or by its name (a parent
                        // naming the URL it was uploaded to).
                        for link in [path_link(self.source), name_link(self.source)] {
                            let link = nested_parameter_link(&link, &parameter);
                            imported.push(CrossStackUse::new(link, unlinked.clone(), &function));
                        }
                        continue;
                    }
                };
                let list = users.entry(role).or_default();
                if !list.contains(&function) {
                    list.push(function.clone());
                }
            }
        }
        (users, generated, imported)
    }

    /// A parameter this template declares that has no value here (none given, no `Default`, no
    /// allowed value to take): its parent passes one.
    fn left_to_parent(&self, name: &str) -> bool {
        let declared = self.root.get("Parameters").and_then(|p| p.get(name)).is_some();
        declared && !self.stack.parameters.contains_key(name)
    }

    /// The roles this template exports (`Outputs` with a literal `Export.Name` whose `Value` is a
    /// role's ARN or name), for the templates that import them; and the roles it passes to the
    /// parameters of its nested stacks whose templates `cdk.out` holds (CDK's `aws:asset:path`).
    fn role_exports(&self) -> Vec<RoleExport> {
        let passed = self
            .resources
            .iter()
            .filter(|r| matches!(r.kind, NESTED_STACK | SAM_APPLICATION))
            .flat_map(|stack| {
                // CDK's asset or a local path (`./child.yaml`, which SAM or `aws cloudformation
                // package` uploads), beside the parent; or the URL it was uploaded to, by name.
                // A location the template doesn't fully give (`!Sub ${BaseUrl}/child.yaml`) is
                // an upload's: by name too.
                let file = self.nested_location(stack).map(|location| self.nested_link(&location));
                let parameters = stack.property("Parameters").and_then(Node::as_map).unwrap_or_default();
                parameters.iter().filter_map(move |parameter| {
                    let [Target::Template(role)] = &self.role_targets(&parameter.value)[..] else {
                        return None;
                    };
                    Some(RoleExport {
                        name: nested_parameter_link(file.as_deref()?, &parameter.key),
                        source: self.source.to_owned(),
                        role: role.clone(),
                    })
                })
            });
        // Every output that is a role, under the name a parent's `!GetAtt STACK.Outputs.NAME`
        // links it by (no export needed: a nested stack's outputs are its parent's to read).
        let outputs = self.root.get("Outputs").and_then(Node::as_map).unwrap_or_default();
        let nested_outputs = outputs
            .iter()
            .filter_map(|output| {
                match output
                    .value
                    .get("Value")
                    .map(|value| self.role_targets(value))
                    .as_deref()
                {
                    Some([Target::Template(role)]) => Some((output, role.clone())),
                    _ => None,
                }
            })
            .flat_map(|(output, role)| {
                [path_link(self.source), name_link(self.source)].map(|link| RoleExport {
                    name: nested_output_link(&link, &output.key),
                    source: self.source.to_owned(),
                    role: role.clone(),
                })
            });
        // Every role an ARN can name, by its ARN, for a function of another template that names
        // it so.
        let named = (self.resources.iter()).filter(|r| r.kind == ROLE && self.spelt_by_arn(r.id));
        let by_arn = named.filter_map(|role| {
            let arn = self.stack.resources.get(role.id)?.arn.clone()?;
            (!trustcheck::holds_opaque(&arn)).then(|| RoleExport {
                name: arn,
                source: self.source.to_owned(),
                role: role.id.to_owned(),
            })
        });
        let outputs = self.root.get("Outputs").and_then(Node::as_map).unwrap_or_default();
        outputs
            .iter()
            .filter_map(|output| {
                let name = Resolver::new(&self.stack).string(output.value.get("Export")?.get("Name")?)?;
                let [Target::Template(role)] = &self.role_targets(output.value.get("Value")?)[..] else {
                    return None;
                };
                Some(RoleExport {
                    name,
                    source: self.source.to_owned(),
                    role: role.clone(),
                })
            })
            .chain(passed)
            .chain(by_arn)
            .chain(nested_outputs)
            .collect()
    }

    /// A nested stack's output this template passes to another nested stack's parameter
    /// (`Parameters: {RoleArn: !GetAtt Iam.Outputs.RoleArn}`): the child's parameter stands for
    /// that output.
    fn passed_outputs(&self) -> Vec<(String, String)> {
        let stacks = self
            .resources
            .iter()
            .filter(|r| matches!(r.kind, NESTED_STACK | SAM_APPLICATION));
        stacks
            .filter_map(|stack| {
                let file = self.nested_link(&self.nested_location(stack)?);
                let parameters = stack.property("Parameters").and_then(Node::as_map).unwrap_or_default();
                Some(parameters.iter().filter_map(move |parameter| {
                    let [Target::NestedOutput(output, _)] = &self.role_targets(&parameter.value)[..] else {
                        return None;
                    };
                    Some((nested_parameter_link(&file, &parameter.key), output.clone()))
                }))
            })
            .flatten()
            .collect()
    }

    /// What the way of deploying that takes `assume` makes ([`Made`]; as written with none),
    /// read once per way: every role judged in it asks.
    fn made_in(&self, assume: HashMap<String, bool>) -> Rc<Made> {
        let mut key: Assumptions = assume.iter().map(|(k, v)| (k.clone(), *v)).collect();
        key.sort();
        if let Some(made) = self.made.borrow().get(&key) {
            return Rc::clone(made);
        }
        let resolver = Resolver::assuming(&self.stack, assume);
        let (edge, unlinked_edge) = self.edge_functions_in(&resolver);
        let (mappings, unlinked_mappings) = self.event_sources_in(&resolver);
        let made = Rc::new(Made {
            edge,
            mappings,
            unlinked_edge: unlinked_edge.into_iter().map(str::to_owned).collect(),
            unlinked_mappings: unlinked_mappings.into_iter().map(str::to_owned).collect(),
        });
        self.made.borrow_mut().insert(key, Rc::clone(&made));
        made
    }

    /// Function (named as in [`Self::role_users`]) → the mappings that invoke it:
    /// `AWS::Lambda::EventSourceMapping` resources and SAM functions' stream and queue `Events`,
    /// as `resolver` decides conditions (a mapping whose `Condition` is false there is not
    /// deployed). Also the ids of the mappings whose function it can't tell.
    fn event_sources_in(&self, resolver: &Resolver) -> (HashMap<String, Vec<EventSource>>, Vec<&'t str>) {
        let mut mappings: HashMap<String, Vec<EventSource>> = HashMap::new();
        let mut unlinked = Vec::new();
        for resource in &self.resources {
            match resource.kind {
                EVENT_SOURCE_MAPPING if is_not_deployed(resolver, resource) => {}
                EVENT_SOURCE_MAPPING => {
                    let Some(function) = resource.property("FunctionName").and_then(|n| self.function_named(n)) else {
                        unlinked.push(resource.id);
                        continue;
                    };
                    let enabled = enabled_in(resolver, resource.property("Enabled"));
                    let mut source = match resource.property("EventSourceArn") {
                        Some(node) => self.source(node, None),
                        None => kafka_servers(resource.property("SelfManagedEventSource")),
                    };
                    // A source the template can't tell (a parameter, an import) read from a
                    // starting position is a stream, whose records may expire: judged so.
                    if source.1 == SourceKind::Other && resource.property("StartingPosition").is_some() {
                        source.1 = SourceKind::UnnamedStream;
                    }
                    mappings.entry(function).or_default().push(sources::declared(
                        String::new(),
                        source.0,
                        source.1,
                        enabled,
                    ));
                }
                SAM_FUNCTION => {
                    let function = self.identity(resource.id);
                    let events = resource.property("Events").and_then(Node::as_map).unwrap_or_default();
                    for event in events {
                        let event_type = event.value.get("Type").and_then(Node::as_str);
                        if event_type == Some("SNS") {
                            // `SqsSubscription` puts a queue between the topic and the function:
                            // SAM adds it, and an event source mapping from it.
                            let queue = format!("{}{}Queue", resource.id, event.key);
                            if let Some(source) = self.sns_queue(resolver, event.value.get("Properties"), queue) {
                                mappings.entry(function.clone()).or_default().push(source);
                            }
                            continue;
                        }
                        let Some(kind) = event_type.and_then(sources::kind_of_sam_event) else {
                            continue;
                        };
                        let properties = event.value.get("Properties");
                        let property = |name: &str| properties.and_then(|p| p.get(name));
                        // SAM hands it to the mapping it makes as written: CloudFormation resolves it.
                        let enabled = enabled_in(resolver, property("Enabled"));
                        let source = match kind {
                            SourceKind::SelfManagedKafka => kafka_servers(properties),
                            _ => ["Queue", "Stream", "Broker", "Cluster"]
                                .iter()
                                .find_map(|name| property(name))
                                .map_or((String::new(), kind), |node| self.source(node, Some(kind))),
                        };
                        mappings.entry(function.clone()).or_default().push(sources::declared(
                            String::new(),
                            source.0,
                            source.1,
                            enabled,
                        ));
                    }
                }
                _ => {}
            }
        }
        // Each mapping names its function as the role's users do.
        for (function, list) in &mut mappings {
            for mapping in list {
                mapping.function = function.clone();
            }
        }
        (mappings, unlinked)
    }

    /// The queue a SAM `SNS` event's `SqsSubscription` (`true`, or a map naming the queue) puts
    /// between the topic and the function, as the mapping SAM adds from it; `None` without one.
    /// A queue SAM makes is named by its logical id (`generated`).
    fn sns_queue(&self, resolver: &Resolver, properties: Option<&Node>, generated: String) -> Option<EventSource> {
        let subscription = properties?.get("SqsSubscription")?;
        let (source, enabled) = match &subscription.value {
            Value::Map(_) => (
                subscription
                    .get("QueueArn")
                    .map_or((generated.clone(), SourceKind::Sqs), |node| {
                        self.source(node, Some(SourceKind::Sqs))
                    }),
                enabled_in(resolver, subscription.get("Enabled")),
            ),
            // `false` (or `"false"`) subscribes the function itself: no queue.
            _ if !is_enabled(Some(subscription)) => return None,
            _ => ((generated, SourceKind::Sqs), true),
        };
        Some(sources::declared(String::new(), source.0, source.1, enabled))
    }

    /// How `role_users` names a function of this template: its ARN when named, else its id.
    fn identity(&self, function_id: &str) -> String {
        self.stack
            .resources
            .get(function_id)
            .and_then(|v| v.arn.clone())
            .unwrap_or_else(|| function_id.to_owned())
    }

    /// The functions CloudFront runs at the edge: those the Lambda@Edge associations of a
    /// distribution name (`LambdaFunctionARN`, a version or alias of the function), as
    /// `role_users` names functions. Every association counts, in either branch of an `Fn::If`:
    /// one deployment or another makes it (where the resolver decides neither). One built from a function's values in a way not read
    /// here (`!Sub "${Fn.Arn}:${FnVersion.Version}"`) is that function's; one that names no
    /// function of the template (a nested stack's output, a parameter) is noted. As `resolver`
    /// decides conditions (a distribution whose `Condition` is false there is not deployed), with
    /// the distributions that have an association naming no function of the template.
    fn edge_functions_in(&self, resolver: &Resolver) -> (Vec<String>, Vec<&'t str>) {
        // An `Fn::If` the scan decides, around an association or a list of them, by its branch.
        fn associations<'n>(resolver: &Resolver, node: &'n Node, out: &mut Vec<&'n Node>) {
            let branches = match node.intrinsic() {
                Some(("Fn::If", _)) => if_branches(resolver, node),
                _ => Vec::new(),
            };
            if !branches.is_empty() && !branches.iter().any(|b| std::ptr::eq(*b, node)) {
                branches.into_iter().for_each(|b| associations(resolver, b, out));
                return;
            }
            match &node.value {
                Value::Map(entries) => entries.iter().for_each(|e| match e.key.as_str() {
                    "LambdaFunctionARN" => out.push(&e.value),
                    _ => associations(resolver, &e.value, out),
                }),
                Value::Seq(items) => items.iter().for_each(|n| associations(resolver, n, out)),
                Value::Scalar(_) | Value::Null => {}
            }
        }
        let functions: Vec<&Resource> = (self.resources.iter())
            .filter(|r| matches!(r.kind, LAMBDA_FUNCTION | SAM_FUNCTION))
            .collect();
        // A version or alias of the template's is its function's.
        let of_function = |node: &Node, function: &Resource| {
            refers_to(node, function.id)
                || self.resources.iter().any(|r| {
                    matches!(r.kind, LAMBDA_ALIAS | LAMBDA_VERSION)
                        && refers_to(node, r.id)
                        && r.property("FunctionName")
                            .is_some_and(|name| refers_to(name, function.id))
                })
        };
        let mut edge = Vec::new();
        let mut unlinked = Vec::new();
        let distributions =
            (self.resources.iter()).filter(|r| r.kind == CLOUDFRONT_DISTRIBUTION && !is_not_deployed(resolver, r));
        for distribution in distributions {
            let mut nodes = Vec::new();
            if let Some(config) = distribution.property("DistributionConfig") {
                associations(resolver, config, &mut nodes);
            }
            for node in nodes {
                let mut found: Vec<String> = Vec::new();
                let mut linked_nothing = false;
                for branch in if_branches(resolver, node) {
                    match branch.intrinsic() {
                        // No association in that deployment.
                        Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue") => continue,
                        _ if branch.value == Value::Null => continue,
                        _ => {}
                    }
                    // What another stack exports is its value, whatever its name is built from
                    // (`!ImportValue !Sub "${Fn}-arn"`): an undetermined value here, read after
                    // the `Fn::If`s inside the value that the scan decides.
                    // An `Fn::If` inside it the scan leaves open is either value (a name built
                    // from one of two literals): each is read.
                    for value in alternatives(&without_imports(&decided(resolver, branch))) {
                        let named = self
                            .function_named(&value)
                            .filter(|f| functions.iter().any(|r| self.identity(r.id) == *f));
                        let linked: Vec<String> = match named {
                            Some(function) => vec![function],
                            None => (functions.iter())
                                .filter(|r| of_function(&value, r))
                                .map(|r| self.identity(r.id))
                                .collect(),
                        };
                        linked_nothing |= linked.is_empty();
                        found.extend(linked);
                    }
                }
                if linked_nothing {
                    unlinked.push(distribution.id);
                }
                edge.extend(found);
            }
        }
        unlinked.dedup();
        edge.sort();
        edge.dedup();
        (edge, unlinked)
    }

    /// The function a mapping's `FunctionName` names: one of this template's (by reference,
    /// name or ARN), or the name or ARN as written. A mapping on an alias or version reads for
    /// its function: an `AWS::Lambda::Alias` or `Version` of this template, SAM's `!Ref Fn.Alias`
    /// (`AutoPublishAlias`), a qualified name or ARN (`orders:live`).
    fn function_named(&self, node: &Node) -> Option<String> {
        self.function_named_within(node, 0)
    }

    fn function_named_within(&self, node: &Node, depth: usize) -> Option<String> {
        if let Some(found) = referenced_id(node).and_then(|id| self.function_by_id(id, depth)) {
            return found;
        }
        let Some(text) = Resolver::new(&self.stack).known_string(node) else {
            return self.function_behind_marker(node, depth);
        };
        // `orders:live`, an ARN with a qualifier, or a partial ARN (`ACCOUNT:function:NAME[:Q]`).
        let unqualified = match text.split(':').collect::<Vec<_>>()[..] {
            [account, "function", name, ..] if trustcheck::is_account_id(account) => name,
            _ if text.starts_with("arn:") || text.matches(':').count() == 1 => trustcheck::unqualified_function(&text),
            _ => text.as_str(),
        };
        let own = self.resources.iter().find(|r| {
            matches!(r.kind, LAMBDA_FUNCTION | SAM_FUNCTION)
                && self.stack.resources.get(r.id).is_some_and(|v| {
                    v.ref_value.as_deref() == Some(unqualified) || v.arn.as_deref() == Some(unqualified)
                })
        });
        Some(own.map_or_else(|| unqualified.to_owned(), |r| self.identity(r.id)))
    }

    /// The function resource `id` is, or the one its alias or version (SAM's `F.Alias`,
    /// `F.Version` too) is of; `None` when `id` is neither.
    fn function_by_id(&self, id: &str, depth: usize) -> Option<Option<String>> {
        let id = id
            .strip_suffix(".Alias")
            .or_else(|| id.strip_suffix(".Version"))
            .unwrap_or(id);
        let is_function = |id: &str| {
            self.resources
                .iter()
                .any(|r| r.id == id && matches!(r.kind, LAMBDA_FUNCTION | SAM_FUNCTION))
        };
        if is_function(id) {
            return Some(Some(self.identity(id)));
        }
        let alias = (self.resources.iter()).find(|r| r.id == id && matches!(r.kind, LAMBDA_ALIAS | LAMBDA_VERSION));
        let function = alias.and_then(|a| a.property("FunctionName")).filter(|_| depth < 4)?;
        Some(self.function_named_within(function, depth + 1))
    }

    /// The function of this template that text built from its name or ARN alone stands for,
    /// with a qualifier or without (`!Sub "${Fn}"`, `!Sub "${Fn.Arn}:live"`,
    /// `!Join [":", [!GetAtt Fn.Arn, live]]`): CloudFormation names a function that has no
    /// `FunctionName`, so its name is unknown here, but not whose it is.
    fn function_behind_marker(&self, node: &Node, depth: usize) -> Option<String> {
        let text = Resolver::new(&self.stack).string(node)?;
        let (inner, rest) = leading_marker(&text)?;
        if !(rest.is_empty()
            || rest
                .strip_prefix(':')
                .is_some_and(|q| !q.is_empty() && !q.contains([':', '('])))
        {
            return None;
        }
        let id = match inner.split_once(' ')? {
            ("Ref", id) => id,
            ("physical", id) => id.strip_prefix("id of ")?,
            ("GetAtt", attribute) => attribute.strip_suffix(".Arn")?,
            _ => return None,
        };
        self.function_by_id(id, depth).flatten()
    }

    /// A mapping's source, as text and kind: a stream, queue, cluster or broker of this template
    /// (by reference: its ARN as it will be), or an ARN as written.
    fn source(&self, node: &Node, declared: Option<SourceKind>) -> (String, SourceKind) {
        let partition = super::partition(&self.stack.region);
        let own = referenced_id(node).and_then(|id| self.resources.iter().find(|r| r.id == id));
        // An enhanced fan-out consumer reads its stream, whose records expire.
        if let Some(consumer) = own.filter(|r| r.kind == STREAM_CONSUMER) {
            return match consumer.property("StreamARN") {
                Some(stream) => self.source(stream, Some(SourceKind::Kinesis)),
                None => (consumer.id.to_owned(), SourceKind::Kinesis),
            };
        }
        if let Some(resource) = own {
            let mut kind = sources::kind_of_type(resource.kind)
                .or(declared)
                .unwrap_or(SourceKind::Other);
            let mut resolver = Resolver::new(&self.stack);
            let name = [
                "QueueName",
                "Name",
                "StreamName",
                "TableName",
                "ClusterName",
                "BrokerName",
                "DBClusterIdentifier",
            ]
            .iter()
            .find_map(|p| resource.property(p).and_then(|n| resolver.known_string(n)))
            .unwrap_or_else(|| resource.id.to_owned());
            let fifo = resource.property("FifoQueue").and_then(Node::as_str) == Some("true") || name.ends_with(".fifo");
            if kind == SourceKind::Sqs && fifo {
                kind = SourceKind::SqsFifo;
            }
            let arn = sources::source_arn(kind, partition, &self.stack.region, &self.stack.account, &name);
            return (arn, kind);
        }
        let text = Resolver::new(&self.stack).string(node).unwrap_or_default();
        let kind = match SourceKind::of_arn(&text) {
            SourceKind::Other => declared.unwrap_or(SourceKind::Other),
            // A FIFO queue's ARN says so; the declared SQS doesn't.
            kind => kind,
        };
        (text, kind)
    }

    /// Whether an ARN written out can name the role `id`: one the template names (`RoleName`).
    /// CloudFormation names any other `<stack>-<logical id>-<suffix>` (SAM's generated ones too),
    /// which no ARN written here can spell, only one built from the role's own `Ref`
    /// ([`refers_to`]).
    fn spelt_by_arn(&self, id: &str) -> bool {
        // A name it is given, not `AWS::NoValue` (nor an `!If` that gives that here).
        let named = |r: &Resource| {
            (r.property("RoleName"))
                .is_some_and(|n| Resolver::new(&self.stack).string(n).is_some_and(|s| !s.is_empty()))
        };
        (self.resources.iter()).any(|r| r.kind == ROLE && r.id == id && named(r))
    }

    fn role_targets(&self, node: &Node) -> Vec<Target> {
        self.role_targets_in(node, &mut Resolver::new(&self.stack))
    }

    /// The roles `node` (a function's `Role`) may name, with its `Fn::If`s decided as `resolver`
    /// decides their conditions (both branches of one it doesn't).
    fn role_targets_in(&self, node: &Node, resolver: &mut Resolver) -> Vec<Target> {
        self.role_targets_at(node, resolver, 0)
    }

    /// [`Self::role_targets_in`] of a node `depth` `Fn::If`s down: SAM generates a role for
    /// `AWS::NoValue` only as a branch of the property's own `Fn::If`; one nested deeper leaves
    /// the function without a role, which CloudFormation refuses.
    fn role_targets_at(&self, node: &Node, resolver: &mut Resolver, depth: usize) -> Vec<Target> {
        let is_role = |id: &str| {
            self.resources
                .iter()
                .any(|r| (r.kind == ROLE && r.id == id) || (r.generates_role() && generated_role_id(r.id) == id))
        };
        match node.intrinsic() {
            Some(("Fn::If", arg)) => {
                if let Some([condition, yes, no]) = arg.as_seq() {
                    // The branch the given values pick, or both.
                    let decided = condition.as_str().and_then(|c| resolver.condition(c));
                    let mut targets = Vec::new();
                    if decided != Some(false) {
                        targets.extend(self.role_targets_at(yes, resolver, depth + 1));
                    }
                    if decided != Some(true) {
                        targets.extend(self.role_targets_at(no, resolver, depth + 1));
                    }
                    return targets;
                }
            }
            Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue") => {
                return match depth {
                    1 => vec![Target::NoValue],
                    _ => Vec::new(),
                };
            }
            Some(("Fn::ImportValue", arg)) => {
                if let Some(name) = Resolver::new(&self.stack)
                    .string(arg)
                    .filter(|name| !trustcheck::holds_opaque(name))
                {
                    return vec![Target::Imported(name)];
                }
            }
            Some(("Ref", arg)) => {
                if let Some(id) = arg.as_str().filter(|id| is_role(id)) {
                    return vec![Target::Template(id.to_owned())];
                }
                // A parameter nothing here gives a value (no `--parameter`, no `Default`): a
                // nested stack's, which its parent passes (CDK passes a role so).
                if let Some(name) = arg.as_str().filter(|name| self.left_to_parent(name)) {
                    return vec![Target::FromParent(name.to_owned())];
                }
            }
            Some(("Fn::GetAtt", arg)) => {
                let id = match &arg.value {
                    Value::Scalar(dotted) => dotted.split_once('.').map(|(id, _)| id),
                    Value::Seq(parts) => parts.first().and_then(Node::as_str),
                    _ => None,
                };
                if let Some(id) = id.filter(|id| is_role(id)) {
                    return vec![Target::Template(id.to_owned())];
                }
                if let Some(target) = id.and_then(|id| self.nested_output(id, &arg.value)) {
                    return vec![target];
                }
            }
            _ => {}
        }
        // A literal ARN or one built with Sub/Join: match it against the roles' ARNs, in every way
        // of deploying it can be built (a parameter's other allowed values, a mapping's other
        // rows, an `!If` inside the `!Sub`), as the trust policies are read: the role the default
        // names may be the one Lambda can assume, and another way's the one it can't.
        let mut targets: Vec<Target> = Vec::new();
        // More ways than are read: the default's, as before (a function's role is no verdict).
        let readings = self
            .every_way(resolver, MAX_WAYS, |r| r.string(node))
            .unwrap_or_else(|_| vec![(None, resolver.fork().string(node))]);
        for (way, arn) in readings {
            for target in arn.into_iter().flat_map(|arn| self.targets_of_arn(node, arn)) {
                // Another way's ARN is matched against the roles as the defaults name them: one
                // it doesn't find may be a role whose own name varies the same way (`${Env}-…`),
                // so only the defaults' reading says a role is not here.
                if way.is_some() && matches!(target, Target::External(_)) {
                    continue;
                }
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
        targets
    }

    /// What `read` gives as `base` reads, then for each other way of deploying the conditions,
    /// parameter values and mapping rows it rests on can go (up to [`MAX_WAYS`] ways, those
    /// that can hold together, each also taking what `base` assumes) that gives something else,
    /// with the way's label. The default alone may be the harmless reading.
    /// `Err` with what they rest on when there are more ways than that, or more than `most`
    /// readings: those not read may be the harmful ones.
    fn every_way<T: PartialEq>(
        &self,
        base: &Resolver,
        most: usize,
        read: impl Fn(&mut Resolver) -> T,
    ) -> Result<Vec<Way<T>>, String> {
        let mut first = base.fork();
        let mut readings = vec![(None, read(&mut first))];
        let mut conditions = first.undecided;
        // A condition met only down one way (an `!If` inside another's other branch) is taken in
        // too, as for a trust policy ([`Template::alternatives`]).
        while !conditions.is_empty() {
            let (ways, all) = ways_to_go(&conditions);
            if !all {
                return Err(conditions.join("; "));
            }
            let mut met: Vec<String> = Vec::new();
            for mut assume in ways {
                assume.extend(base.assumptions().iter().map(|(k, v)| (k.clone(), *v)));
                if !self.can_hold_together(&assume) {
                    continue;
                }
                let mut taken: Vec<(String, bool)> = assume.iter().map(|(k, v)| (k.clone(), *v)).collect();
                taken.sort();
                let mut assuming = Resolver::assuming(&self.stack, assume);
                let reading = read(&mut assuming);
                for condition in std::mem::take(&mut assuming.undecided) {
                    if !conditions.contains(&condition) && !met.contains(&condition) {
                        met.push(condition);
                    }
                }
                if readings.iter().all(|(_, other)| *other != reading) {
                    if readings.len() == most {
                        return Err(conditions.join("; "));
                    }
                    readings.push((Some(self.way_label(&taken)), reading));
                }
            }
            if met.is_empty() {
                break;
            }
            conditions.extend(met);
        }
        Ok(readings)
    }

    /// The label of a way of deploying (`IsProd true, Parameters Env value prod`), with the
    /// values of the template's NoEcho parameters hidden: labels name roles and notes in every
    /// report, whether or not the role's own trust policy holds such a value.
    fn way_label(&self, assumed: &[(String, bool)]) -> String {
        let mut label: Vec<String> = Vec::new();
        for (name, value) in assumed {
            let of_a_choice =
                name.contains(MAPPING_ROW) || name.contains(PARAMETER_VALUE) || name.contains(SELECT_ITEM);
            if of_a_choice && !value {
                continue;
            }
            let way = format!("{} {value}", self.hidden_choice(name).unwrap_or_else(|| name.clone()));
            if !label.contains(&way) {
                label.push(way);
            }
        }
        crate::scan::redacted(&label.join(", "), &self.secrets)
    }

    /// `Parameters NAME value V` of a NoEcho parameter (or a value that is a secret here, a
    /// parent's) as `Parameters NAME value (sensitive 2 of 3)`: each of its ways told apart (two
    /// ways with one label would be one role's name twice, and one alert or baseline entry for
    /// both) by the place of V among the parameter's allowed values, which says nothing of V;
    /// `(sensitive)` where it has none. `None` for any other condition.
    fn hidden_choice(&self, condition: &str) -> Option<String> {
        let (parameter, value) = condition.strip_prefix("Parameters ")?.split_once(PARAMETER_VALUE)?;
        let declared = self.root.get("Parameters").and_then(|p| p.get(parameter));
        let no_echo = declared.and_then(|d| d.get("NoEcho")).and_then(Node::as_str);
        if !no_echo.is_some_and(|v| v.eq_ignore_ascii_case("true")) && !self.secrets.iter().any(|s| s == value) {
            return None;
        }
        // Among `AllowedValues` as written; a list's ways (JSON lists of items) among the ways.
        let allowed: Vec<String> = declared
            .map(allowed_values)
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let ways: Vec<String> = (self.stack.alternatives.get(parameter).into_iter().flatten())
            .map(shown_value)
            .collect();
        let placed = [allowed, ways]
            .into_iter()
            .find_map(|values| Some((values.iter().position(|v| v == value)? + 1, values.len())));
        Some(match placed {
            Some((place, of)) => format!("Parameters {parameter}{PARAMETER_VALUE}(sensitive {place} of {of})"),
            None => format!("Parameters {parameter}{PARAMETER_VALUE}(sensitive)"),
        })
    }

    /// The error for a resource whose `what` rests on more choices than [`MAX_WAYS`] ways.
    fn too_many_ways(&self, resource: &Resource, what: &str, conditions: &str) -> InputError {
        let rest_on = rest_on(conditions.split("; "));
        invalid(
            self.source,
            resource.pos,
            format!(
                "{}'s {what} rests on more choices the template leaves open than the ways of deploying that are checked ({MAX_PASSED_READINGS} readings of what it deploys, of {MAX_WAYS} ways): pass the values they rest on (--parameter): {rest_on}",
                resource.id
            ),
        )
    }

    /// The role an ARN a function's `Role` gives names: one of the template's, one a parent
    /// passes, or another.
    fn targets_of_arn(&self, node: &Node, arn: String) -> Vec<Target> {
        // An empty ARN (a parameter whose default is "", read down the branch its condition
        // doesn't take) names no role; nor does SAM generate one for it: it does only for a
        // function without `Role` (or down an `!If` branch of `AWS::NoValue`).
        if arn.is_empty() {
            return Vec::new();
        }
        let own = self.stack.resources.iter().find(|(id, values)| {
            // IAM's role names ignore case, as `account` matches them.
            (self.spelt_by_arn(id) || refers_to(node, id))
                && values.arn.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(&arn))
        });
        match own {
            Some((id, _)) => vec![Target::Template(id.clone())],
            // The role's name or ARN, as a parameter the parent passes, written into the ARN
            // (when no role of this template is named by that parameter itself).
            None => match parent_parameter_in(&arn).filter(|name| self.left_to_parent(name)) {
                Some(name) => vec![Target::FromParent(name.to_owned())],
                None => vec![Target::External(arn)],
            },
        }
    }

    /// A resolver for the properties of `resource`: one that takes its `Condition` as holding when
    /// the scan can't decide it. Such a resource is taken as deployed, so it is read as deployed:
    /// an optional partner's role (`Condition: HasPartner`) read with the empty default of the
    /// partner's account would be a principal IAM refuses, in a deployment that makes no role.
    fn resolver_where_deployed(&self, resource: &Resource<'t>) -> Resolver<'_, 't> {
        let Some(condition) = resource.node.get("Condition").and_then(Node::as_str) else {
            return Resolver::new(&self.stack);
        };
        match Resolver::new(&self.stack).condition(condition) {
            Some(_) => Resolver::new(&self.stack),
            None => {
                let mut resolver = Resolver::assuming(&self.stack, HashMap::from([(condition.to_owned(), true)]));
                resolver.unresolved.push(format!(
                    "judged as deployed, as with its condition {condition} true: it can't be decided from what was given"
                ));
                resolver
            }
        }
    }

    fn role(
        &self,
        resource: &Resource<'t>,
        users: &HashMap<String, Vec<String>>,
        edge: &[String],
        mappings: &HashMap<String, Vec<EventSource>>,
    ) -> Result<RoleInput, InputError> {
        let mut resolver = self.resolver_where_deployed(resource);
        let trust = resource.property("AssumeRolePolicyDocument");
        let repeated = self.macro_rewrites().or_else(|| resource.unknowable_trust());
        let (document, statement_lines) = match trust {
            _ if repeated.is_some() => {
                resolver.unresolved.extend(repeated);
                (String::new(), Vec::new())
            }
            Some(node) => trust_document(&mut resolver, node),
            None => {
                // `Properties: !Ref Foo`: no mapping to read the trust from (CloudFormation
                // refuses it too).
                let why = match (resource.node.get("Properties"))
                    .map(|p| p.as_map().is_some() && p.intrinsic().is_none())
                {
                    Some(false) => {
                        "the role's Properties is not a mapping of properties, so it has no AssumeRolePolicyDocument"
                    }
                    _ => "the role has no AssumeRolePolicyDocument",
                };
                resolver.unresolved.push(why.to_owned());
                (String::new(), Vec::new())
            }
        };
        let used_by = users.get(resource.id).map_or(&[][..], Vec::as_slice);
        let alternatives = trust.map(|node| self.alternatives(node, &mut resolver, &document, (resource.id, used_by)));
        let tags = match resource.property("Tags") {
            // Which copy deploys is the parser's choice: neither may exempt the role.
            Some(_)
                if resource
                    .node
                    .get("Properties")
                    .and_then(|p| p.repeats("Tags"))
                    .is_some() =>
            {
                let (first, again) = resource
                    .node
                    .get("Properties")
                    .and_then(|p| p.repeats("Tags"))
                    .unwrap_or_default();
                resolver.unresolved.push(format!(
                    "the role has `Tags` twice (line {first}, again at line {again}): which one counts is up to the parser that deploys it, so no tag exempts the role; keep one"
                ));
                Vec::new()
            }
            Some(node) => tag_list(&mut resolver, node),
            None => Vec::new(),
        };
        let skip = metadata_skip(self.source, resource.node)?;
        let values = self.stack.resources.get(resource.id).cloned().unwrap_or_default();
        let path = resource
            .property("Path")
            .and_then(|n| resolver.known_string(n))
            .unwrap_or_else(|| "/".to_owned());
        let role = Role {
            arn: values.arn,
            account_id: Some(self.stack.account.clone()),
            path: Some(path),
            tag_keys: Vec::new(),
            // A stack's own tags propagate to it too: not all are in the template.
            tags_known: false,
            tag_values: Vec::new(),
            functions: users.get(resource.id).cloned().unwrap_or_default(),
            edge_functions: at_edge(used_by, edge),
            event_sources: sources_of(used_by, mappings),
            event_sources_unknown: false,
            proposed: true,
            // A template deploys a new stack or updates one, and doesn't say which: a role naming
            // itself is refused only in the first (unlike a plan, which says).
            to_be_created: false,
            account_is_stand_in: self.account_is_stand_in(),
            partition_is_stand_in: self.partition_is_stand_in(),
            // CloudFormation names a role without `RoleName`; a name the scan read from a
            // parameter's default is the deployer's to give. (One with parts left unknown,
            // `${AWS::StackName}-x`, keeps them in its ARN, which patterns read as such.)
            naming: match resource.property("RoleName") {
                None => Naming::Generated,
                Some(name) => {
                    let mut resolver = resolver.fork();
                    match resolver.known_string(name).is_some() && resolver.settled_string(name).is_none() {
                        true => Naming::Chosen,
                        false => Naming::Known,
                    }
                }
            },
        };
        let document = readable_document(document, &resolver.unresolved);
        let mut input = RoleInput::new(self.origin(resource.id, resource.pos), document, role).with_tags(tags);
        input.skip = skip;
        input.statement_lines = statement_lines;
        input.unknown_policy = unreadable(&resolver.unresolved);
        input.notes = once_each(resolver.unresolved);
        input.alternatives = alternatives.unwrap_or_default();
        Ok(input)
    }

    /// `Globals.Function`, whose properties SAM merges into every function's.
    fn sam_globals(&self) -> Option<&'t Node> {
        self.root.get("Globals")?.get("Function")
    }

    /// The path of the role SAM generates for a function or state machine: its `RolePath`
    /// (a function's from `Globals.Function` too), else `/`.
    fn sam_role_path(&self, resource: &Resource<'t>, resolver: &mut Resolver) -> String {
        let global = (resource.kind == SAM_FUNCTION)
            .then(|| self.sam_globals()?.get("RolePath"))
            .flatten()
            .filter(|_| !ignores_global(resource, "RolePath"));
        (resource.property("RolePath").filter(|n| n.value != Value::Null))
            .or(global)
            .and_then(|node| resolver.string(node))
            .filter(|path| !path.is_empty())
            .unwrap_or_else(|| "/".to_owned())
    }

    /// A role SAM generates for a service ([`sam_service_roles`]): the trust SAM writes, its
    /// service alone. Reported at the resource it is generated for.
    fn sam_service_role(&self, resource: &Resource<'t>, generated: SamServiceRole) -> Result<RoleInput, InputError> {
        let SamServiceRole {
            id,
            service,
            own_instead,
            tags,
            at_role_path,
        } = generated;
        let document = sam_service_trust(service);
        let values = self.stack.resources.get(&id).cloned().unwrap_or_default();
        let mut resolver = Resolver::new(&self.stack);
        let path = match at_role_path {
            true => self.sam_role_path(resource, &mut resolver),
            false => "/".to_owned(),
        };
        let role = Role {
            arn: values.arn,
            account_id: Some(self.stack.account.clone()),
            path: Some(path),
            proposed: true,
            account_is_stand_in: self.account_is_stand_in(),
            partition_is_stand_in: self.partition_is_stand_in(),
            // SAM's roles are named at deploy (`STACK-IDRole-SUFFIX`).
            naming: Naming::Generated,
            ..Role::default()
        };
        // The resource's tags, as SAM writes them on the role: an exemption tag counts.
        let tags = tags_of(tags.as_ref(), &mut resolver);
        let mut input = RoleInput::new(self.origin(&id, resource.pos), document.to_string(), role).with_tags(tags);
        input.skip = metadata_skip(self.source, resource.node)?;
        input.statement_lines = vec![resource.pos.line];
        input.notes.push(format!(
            "SAM generates this role for {} ({service}), and no SAM property sets its trust: to change it, {own_instead}",
            resource.id
        ));
        Ok(input)
    }

    /// The role SAM generates for a function: `AssumeRolePolicyDocument` of the function or of
    /// `Globals.Function`, else Lambda's default trust; the function's tags and those of
    /// `Globals.Function`; the function's metadata. Reported at the function's logical id.
    fn generated_role(
        &self,
        function: &Resource<'t>,
        users: &HashMap<String, Vec<String>>,
        edge: &[String],
        mappings: &HashMap<String, Vec<EventSource>>,
    ) -> Result<RoleInput, InputError> {
        let id = generated_role_id(function.id);
        let mut resolver = self.resolver_where_deployed(function);
        let own = function.property("AssumeRolePolicyDocument");
        // SAM merges the two: the statements of both (a public one in Globals is deployed too),
        // unless the function ignores the globals. A repeated key is read where it is written,
        // so that the role fails closed with its lines.
        let global = self
            .sam_globals()
            .and_then(|f| f.get("AssumeRolePolicyDocument"))
            .filter(|_| !ignores_global(function, "AssumeRolePolicyDocument"));
        let repeated = own.into_iter().chain(global).find(|n| n.repeated_key().is_some());
        let merged = own.zip(global).map(|(own, global)| sam_merged(global, own));
        let trust = repeated.or(merged.as_ref()).or(own).or(global);
        let global_repeat = self
            .sam_globals()
            .and_then(|f| f.repeats("AssumeRolePolicyDocument"))
            .filter(|_| !ignores_global(function, "AssumeRolePolicyDocument"))
            .map(|(first, again)| repeated_key_note("Globals.Function", "AssumeRolePolicyDocument", first, again));
        let repeated = self
            .macro_rewrites()
            .or_else(|| function.unknowable_trust())
            .or(global_repeat);
        let (document, statement_lines) = match trust {
            _ if repeated.is_some() => {
                resolver.unresolved.extend(repeated);
                (String::new(), Vec::new())
            }
            Some(node) => trust_document(&mut resolver, node),
            None => (
                sam_service_trust("lambda.amazonaws.com").to_string(),
                vec![function.pos.line],
            ),
        };
        let used_by = users.get(&id).map_or(&[][..], Vec::as_slice);
        let alternatives = trust.map(|node| self.alternatives(node, &mut resolver, &document, (&id, used_by)));
        let mut tags = vec![("lambda:createdBy".to_owned(), "SAM".to_owned())];
        // The function's tags, with those of `Globals.Function` merged in as SAM merges them.
        let own_tags = function.property("Tags");
        let global_tags = self
            .sam_globals()
            .and_then(|f| f.get("Tags"))
            .filter(|_| !ignores_global(function, "Tags"));
        let merged_tags = own_tags.zip(global_tags).map(|(own, global)| sam_merged(global, own));
        tags.extend(tags_of(
            merged_tags.as_ref().or(own_tags).or(global_tags),
            &mut resolver,
        ));
        let values = self.stack.resources.get(&id).cloned().unwrap_or_default();
        let role = Role {
            arn: values.arn,
            account_id: Some(self.stack.account.clone()),
            path: Some(self.sam_role_path(function, &mut resolver)),
            tag_keys: Vec::new(),
            tags_known: false,
            tag_values: Vec::new(),
            functions: users.get(&id).cloned().unwrap_or_default(),
            edge_functions: at_edge(used_by, edge),
            event_sources: sources_of(used_by, mappings),
            event_sources_unknown: false,
            proposed: true,
            to_be_created: false,
            account_is_stand_in: self.account_is_stand_in(),
            partition_is_stand_in: self.partition_is_stand_in(),
            // SAM's roles are named at deploy (`STACK-FunctionRole-SUFFIX`).
            naming: Naming::Generated,
        };
        let document = readable_document(document, &resolver.unresolved);
        let mut input = RoleInput::new(self.origin(&id, function.pos), document, role).with_tags(tags);
        input.skip = metadata_skip(self.source, function.node)?;
        input.statement_lines = statement_lines;
        input.unknown_policy = unreadable(&resolver.unresolved);
        input.notes = once_each(resolver.unresolved);
        input.alternatives = alternatives.unwrap_or_default();
        input
            .notes
            .insert(0, format!("the role SAM generates for {}", function.id));
        Ok(input)
    }

    /// Every trust policy `trust` can be, one for each way the conditions the template can't
    /// decide could go, each named by the assumptions it took (empty when the template decides
    /// them all). A condition met only down one of those ways (an `!If` in a false branch) is
    /// taken in too, up to [`MAX_WAYS`] ways in all. A role is judged on the worst: a branch that
    /// makes it public must not pass because another one is checked.
    /// `role`: the role's logical id and its users (functions, by their ARN by default).
    fn alternatives(
        &self,
        trust: &Node,
        resolver: &mut Resolver,
        document: &str,
        (role, users): (&str, &[String]),
    ) -> Vec<Deployment> {
        let mut conditions = resolver.undecided.clone();
        // The functions' names and whether they are deployed may rest on what the trust doesn't
        // read (`FunctionName: !Sub click-worker-${Stage}` beside a trust pinned to
        // `function:click-worker-dev`): each way they go is a deployment too. Their names only
        // when the trust tells functions apart by their ARN; whether they are deployed only
        // beside such ways (alone, a function judged as deployed is the worst of them), and only
        // while they fit in the ways checked (the names first; past them with the names, the
        // role fails closed).
        let mut names = Vec::new();
        if trustcheck::reads_function_arn(document) {
            let mut probe = resolver.fork();
            self.renamed_functions(users, &mut probe);
            names = probe.undecided;
        }
        let with = |base: &[String], more: &[String]| -> Vec<String> {
            let mut all = base.to_vec();
            all.extend(more.iter().filter(|c| !base.contains(c)).cloned());
            all
        };
        let mut from_functions = Vec::new();
        if !conditions.is_empty() || !names.is_empty() {
            let mut probe = resolver.fork();
            self.absent_functions(role, users, &mut probe);
            let deployed = probe.undecided;
            let named = with(&conditions, &names);
            let every = with(&named, &deployed);
            from_functions = with(&names, &deployed);
            // Past the ways checked with the names alone, or with the trust's own conditions,
            // some deployment may name a function the trust shuts out: the role fails closed, as
            // past the trust's own (the loop below says so).
            conditions = if ways_to_go(&every).1 { every } else { named };
        }
        if conditions.is_empty() {
            return Vec::new();
        }
        // Where the role's functions run at the edge, and the mappings that read for them, as
        // written: a way of deploying may leave some out.
        let as_written = self.made_in(HashMap::new());
        let (edge_as_written, mappings_as_written) = (
            at_edge(users, &as_written.edge),
            sources_of(users, &as_written.mappings),
        );
        loop {
            let (ways, all) = ways_to_go(&conditions);
            let mut deployments: Vec<Deployment> = Vec::new();
            let mut met: Vec<String> = Vec::new();
            for mut assume in ways {
                // The resource's own condition, taken as holding (it is judged where it deploys).
                assume.extend(resolver.assumptions().iter().map(|(k, v)| (k.clone(), *v)));
                if !self.can_hold_together(&assume) {
                    continue;
                }
                let made = (!users.is_empty()).then(|| self.made_in(assume.clone()));
                let mut assuming = Resolver::assuming(&self.stack, assume);
                let (other, statement_lines) = trust_document(&mut assuming, trust);
                // A function CloudFormation refuses down one way refuses the whole template: the
                // role fails closed ([`readable_document`]), whichever way is judged.
                let refused = (assuming.unresolved.iter()).find(|n| n.contains(REFUSED_FUNCTION));
                if let Some(note) = refused.filter(|n| !resolver.unresolved.contains(n)) {
                    resolver.unresolved.push(note.clone());
                }
                let other = readable_document(other, &assuming.unresolved);
                let renamed = self.renamed_functions(users, &mut assuming);
                let absent = self.absent_functions(role, users, &mut assuming);
                // The functions' own conditions were weighed above: only the trust's count here.
                for condition in std::mem::take(&mut assuming.undecided) {
                    if !conditions.contains(&condition)
                        && !met.contains(&condition)
                        && !from_functions.contains(&condition)
                    {
                        met.push(condition);
                    }
                }
                let (mut not_at_edge, mut mappings_not_made) = (Vec::new(), Vec::new());
                if let Some(made) = made {
                    let edge_then = at_edge(users, &made.edge);
                    not_at_edge = (edge_as_written.iter())
                        .filter(|f| !edge_then.contains(f))
                        .cloned()
                        .collect();
                    let mut made_then = sources_of(users, &made.mappings);
                    for mapping in &mappings_as_written {
                        match made_then.iter().position(|m| m == mapping) {
                            Some(at) => drop(made_then.swap_remove(at)),
                            None => mappings_not_made.push(mapping.clone()),
                        }
                    }
                }
                let mut deployment = Deployment {
                    label: String::new(),
                    document: other,
                    statement_lines,
                    renamed,
                    absent,
                    not_at_edge,
                    mappings_not_made,
                };
                // Labelled once kept: of up to MAX_WAYS ways, most judge as another does.
                if !deployments.iter().any(|d| d.judges_as(&deployment)) {
                    deployment.label = self.way_label(&assuming.assumed);
                    deployments.push(deployment);
                }
            }
            if met.is_empty() || !all {
                if !all {
                    // The ways not checked may be the public one: fail closed, with a deployment
                    // whose trust can't be read (POLICY_UNPARSEABLE, never accepted).
                    let undecided = conditions.len() + met.len();
                    let rest_on = rest_on(conditions.iter().chain(&met).map(String::as_str));
                    resolver.unresolved.push(format!(
                        "{undecided} conditions (or mapping entries, or parameter values) can't be decided: they make more than the {MAX_WAYS} ways of deploying that are checked, so the role fails closed; pass the values they rest on (--parameter, --region, --account-id): {}",
                        rest_on
                    ));
                    deployments.push(Deployment {
                        label: format!("{undecided} undecided conditions, {TOO_MANY_WAYS}"),
                        document: String::new(),
                        statement_lines: Vec::new(),
                        renamed: Vec::new(),
                        absent: Vec::new(),
                        not_at_edge: Vec::new(),
                        mappings_not_made: Vec::new(),
                    });
                }
                // One policy whatever the conditions: the one already read.
                if let [only] = deployments.as_slice() {
                    if only.document == document && only.is_as_written() {
                        return Vec::new();
                    }
                }
                return deployments;
            }
            conditions.extend(met);
        }
    }

    /// Whether conditions can go these ways in one deployment: two that compare the same
    /// parameter with different values (`!Equals [!Ref Env, prod]`, `!Equals [!Ref Env, dev]`)
    /// are never both true, nor one true and one false on the same value.
    fn can_hold_together(&self, assume: &HashMap<String, bool>) -> bool {
        // One entry of a mapping is read, one item of a list selected: "this one is read" holds
        // for one of them at most.
        let mut reading: HashSet<&str> = HashSet::new();
        let mut equal: HashMap<&str, &str> = HashMap::new();
        for (name, _) in assume.iter().filter(|(_, holds)| **holds) {
            // (Which parameter value a row stands for is not inferred: a row also stands for
            // every other key whose entry reads the same.)
            for (prefix, marker) in [("Mappings ", MAPPING_ROW), ("Select ", SELECT_ITEM)] {
                if let Some((read, _)) = name.split_once(marker).filter(|_| name.starts_with(prefix)) {
                    if !reading.insert(read) {
                        return false;
                    }
                }
            }
            // A parameter takes one of its allowed values: as `!Equals [!Ref P, value]` holding.
            if let Some((parameter, value)) = name
                .strip_prefix("Parameters ")
                .and_then(|rest| rest.split_once(PARAMETER_VALUE))
            {
                if equal.insert(parameter, value).is_some_and(|other| other != value) {
                    return false;
                }
            }
        }
        // A parameter whose other allowed values are gone through here, taking none of them, has
        // its default. (Only then: a value never gone through leaves its conditions both ways.)
        for name in assume.keys() {
            let Some((parameter, _)) = name
                .strip_prefix("Parameters ")
                .and_then(|rest| rest.split_once(PARAMETER_VALUE))
            else {
                continue;
            };
            if let Some(Json::String(default)) = self.stack.parameters.get(parameter) {
                equal.entry(parameter).or_insert(default.as_str());
            }
        }
        let mut unequal: Vec<(&str, &str)> = Vec::new();
        for (name, holds) in assume {
            let Some((parameter, value, when_equal)) = self.equality_of(name) else {
                continue;
            };
            // Whether the parameter equals the literal, in this way of deploying.
            let holds = *holds == when_equal;
            if !holds {
                unequal.push((parameter, value));
            } else if equal.insert(parameter, value).is_some_and(|other| other != value) {
                return false;
            }
        }
        if unequal
            .iter()
            .any(|(parameter, value)| equal.get(parameter) == Some(value))
        {
            return false;
        }
        // `!Or [!Equals [!Ref Site, gov], !Equals [!Ref Site, gov2]]`: true only for one of those.
        assume.iter().all(|(name, holds)| {
            let Some((parameter, values, when_member)) = self.stack.conditions.and_then(|c| one_of(c.get(name)?))
            else {
                return true;
            };
            equal
                .get(parameter)
                .is_none_or(|value| values.contains(value) == (*holds == when_member))
        })
    }

    /// A condition that compares a `Ref` with a literal: the name and the literal.
    fn equality_of(&self, condition: &str) -> Option<(&'t str, &'t str, bool)> {
        equality(self.stack.conditions?.get(condition)?)
    }

    fn origin(&self, id: &str, pos: Pos) -> Origin {
        Origin {
            source: Some(self.source.to_owned()),
            name: id.to_owned(),
            kind: NameKind::LogicalId,
            line: Some(pos.line),
            arn: None,
            deployed: None,
        }
    }
}

/// The parameter a role's ARN is made of, as a parameter's value reads unresolved: the whole of it
/// (`!Sub "${RoleArn}"`), or the role's name at the end of an ARN that is otherwise known
/// (`!Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RoleName}"`).
fn parent_parameter_in(arn: &str) -> Option<&str> {
    let (before, _) = arn.strip_suffix(')')?.rsplit_once(trustcheck::OPAQUE_PREFIX)?;
    // A parameter whose pattern allows no wildcard is still the parameter (`Ref X constrained`,
    // `Ref X account`, `Ref X owner`).
    let parameter = trustcheck::marker_parameter(arn.get(before.len()..)?)?;
    let fields = before.splitn(6, ':').collect::<Vec<_>>();
    let named = before.is_empty()
        || matches!(fields[..], ["arn", _, "iam", "", account, path]
            if trustcheck::is_account_id(account) && path.starts_with("role/") && path.ends_with('/'));
    // A parameter of role ARNs whose pattern pins the account reads as its own ARN, the account
    // and the rest unknown (`arn:aws:iam::UNRESOLVED(Ref X account):role/UNRESOLVED(Ref X)`): the
    // whole value is still the parameter.
    let own_account = format!("{}Ref {parameter} account)", trustcheck::OPAQUE_PREFIX);
    let whole = matches!(fields[..], ["arn", _, "iam", "", account, path]
        if account == own_account && path.starts_with("role/") && !trustcheck::holds_opaque(path));
    ((whole || (named && !trustcheck::holds_opaque(before))) && !parameter.contains(['(', ')', ' ']))
        .then_some(parameter)
}

/// How a role passed to a nested stack's parameter is linked to the functions of that stack:
/// the nested template (its `path_link` or `name_link`) and the parameter.
fn nested_parameter_link(template: &str, parameter: &str) -> String {
    format!("{template}#{parameter}")
}

/// The name a nested template's output is linked by (see [`nested_parameter_link`]).
fn nested_output_link(template: &str, output: &str) -> String {
    format!("{template}#Outputs.{output}")
}

/// Whether `value` is known but for parameters it can't know (`UNRESOLVED(Ref P)`, an ARN made
/// of such markers): each of its markers is a parameter's.
fn rests_on_parameters(value: &str) -> bool {
    let markers = value.matches(trustcheck::OPAQUE_PREFIX).count();
    markers > 0 && value.matches(&format!("{}Ref ", trustcheck::OPAQUE_PREFIX)).count() == markers
}

/// The links by which a parent names `path` as a nested template (see [`NestedPass`]): by its
/// path (a local `TemplateURL`), or by its file name (the URL it was uploaded to).
pub(crate) fn nested_links(path: &Path) -> [String; 2] {
    let path = path.to_string_lossy();
    [path_link(&path), name_link(&path)]
}

/// A nested template by its path: the file itself when it exists, else the path made absolute.
fn path_link(path: &str) -> String {
    let path = Path::new(path);
    let resolved = path.canonicalize().or_else(|_| std::path::absolute(path));
    format!("path:{}", resolved.unwrap_or_else(|_| path.to_owned()).display())
}

/// A nested template by its file name: all a URL (without its query) says of the local file.
fn name_link(location: &str) -> String {
    format!("name:{}", file_name(without_query(location)).unwrap_or_default())
}

/// A URL without its query or fragment (`child.yaml?versionId=…`).
fn without_query(location: &str) -> &str {
    location.split(['?', '#']).next().unwrap_or(location)
}

fn is_url(location: &str) -> bool {
    location.contains("://")
}

/// The logical id a `Ref` or `Fn::GetAtt` points at.
fn referenced_id(node: &Node) -> Option<&str> {
    match node.intrinsic()? {
        ("Ref", arg) => arg.as_str(),
        ("Fn::GetAtt", arg) => match &arg.value {
            Value::Scalar(dotted) => dotted.split_once('.').map(|(id, _)| id),
            Value::Seq(parts) => parts.first().and_then(Node::as_str),
            _ => None,
        },
        _ => None,
    }
}

/// The file name at the end of a path or URL (`./child.yaml`, `https://…/child.template.json`).
fn file_name(path: &str) -> Option<String> {
    let name = path.rsplit(['/', '\\']).next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// Whether some text of `node` (a scalar anywhere below it) meets `wanted`.
/// `path` without its `.` steps and the `..` steps that name a directory back
/// (`infra/../common/child.yaml` is `common/child.yaml`, as the file given so is named; a
/// leading `../` stays).
fn lexically(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut kept: Vec<Component> = Vec::new();
    for step in path.components() {
        match step {
            Component::CurDir => {}
            Component::ParentDir if matches!(kept.last(), Some(Component::Normal(_))) => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    kept.iter().collect()
}

/// The region of every Lambda function ARN the trust policies of `resources` (and SAM's
/// globals) write out (`arn:aws:lambda:eu-west-1:…`), when they all write the same one.
fn region_of_named_functions(root: &Node, resources: &[Resource]) -> Option<String> {
    fn each_text<'n>(node: &'n Node, found: &mut impl FnMut(&'n str)) {
        match &node.value {
            Value::Scalar(text) => found(text),
            Value::Seq(items) => items.iter().for_each(|n| each_text(n, found)),
            Value::Map(entries) => entries.iter().for_each(|e| each_text(&e.value, found)),
            Value::Null => {}
        }
    }
    let globals = root
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .and_then(|f| f.get("AssumeRolePolicyDocument"));
    let documents = (resources.iter())
        .filter(|r| matches!(r.kind, ROLE | SAM_FUNCTION))
        .filter_map(|r| r.property("AssumeRolePolicyDocument"))
        .chain(globals);
    let mut texts: Vec<&str> = Vec::new();
    for document in documents {
        each_text(document, &mut |text| texts.push(text));
    }
    super::one_region_of_functions(texts).map(str::to_owned)
}

fn any_text(node: &Node, wanted: &impl Fn(&str) -> bool) -> bool {
    match &node.value {
        Value::Scalar(text) => wanted(text),
        Value::Seq(items) => items.iter().any(|n| any_text(n, wanted)),
        Value::Map(entries) => entries.iter().any(|e| any_text(&e.value, wanted)),
        Value::Null => false,
    }
}

/// A self-managed Kafka source: its bootstrap servers (`Endpoints.KafkaBootstrapServers` of a
/// mapping, `KafkaBootstrapServers` of a SAM event).
fn kafka_servers(node: Option<&Node>) -> (String, SourceKind) {
    let servers = node.and_then(|n| {
        n.get("KafkaBootstrapServers")
            .or_else(|| n.get("Endpoints")?.get("KafkaBootstrapServers"))
    });
    let list: Vec<&str> = servers
        .and_then(Node::as_seq)
        .map(|items| items.iter().filter_map(Node::as_str).collect())
        .unwrap_or_default();
    if list.is_empty() {
        // Neither a source ARN nor Kafka servers: a source this reading doesn't know.
        return (String::new(), SourceKind::Other);
    }
    (list.join(","), SourceKind::SelfManagedKafka)
}

/// The values `node` may be in some deployment: the branch of an `Fn::If` its condition takes
/// here, each branch of one it leaves open, nested ones too.
fn if_branches<'n>(resolver: &Resolver, node: &'n Node) -> Vec<&'n Node> {
    let Some(("Fn::If", arg)) = node.intrinsic() else {
        return vec![node];
    };
    let Some([condition, then, otherwise]) = arg.as_seq() else {
        return vec![node];
    };
    match condition.as_str().and_then(|c| resolver.fork().condition(c)) {
        Some(true) => if_branches(resolver, then),
        Some(false) => if_branches(resolver, otherwise),
        None => {
            let mut branches = if_branches(resolver, then);
            branches.extend(if_branches(resolver, otherwise));
            branches
        }
    }
}

/// The values `node` may be, each `Fn::If` inside it taken either way (up to 64 of them; past
/// that, `node` as it is, both branches read at once).
fn alternatives(node: &Node) -> Vec<Node> {
    fn first_if(node: &mut Node) -> Option<&mut Node> {
        if node.intrinsic().is_some_and(|(function, _)| function == "Fn::If") {
            return Some(node);
        }
        match &mut node.value {
            Value::Map(entries) => entries.iter_mut().find_map(|e| first_if(&mut e.value)),
            Value::Seq(items) => items.iter_mut().find_map(first_if),
            Value::Scalar(_) | Value::Null => None,
        }
    }
    let mut done = Vec::new();
    let mut open = vec![node.clone()];
    while let Some(mut value) = open.pop() {
        let Some(at) = first_if(&mut value) else {
            done.push(value);
            continue;
        };
        let branches: Vec<Node> = match at.intrinsic().and_then(|(_, arg)| arg.as_seq()) {
            Some([_, then, otherwise]) => vec![then.clone(), otherwise.clone()],
            _ => return vec![node.clone()],
        };
        if done.len() + open.len() + 2 > 64 {
            return vec![node.clone()];
        }
        for branch in branches {
            let mut taken = value.clone();
            if let Some(at) = first_if(&mut taken) {
                *at = branch;
            }
            open.push(taken);
        }
    }
    done
}

/// Whether `resource`'s `Condition` is false as `resolver` decides it: CloudFormation doesn't
/// create it then.
fn is_not_deployed(resolver: &Resolver, resource: &Resource) -> bool {
    (resource.node.get("Condition").and_then(Node::as_str)).is_some_and(|c| resolver.fork().condition(c) == Some(false))
}

/// `node` with each `Fn::If` in it whose condition the scan decides replaced by its branch.
fn decided(resolver: &Resolver, node: &Node) -> Node {
    if let [only] = if_branches(resolver, node)[..] {
        if !std::ptr::eq(only, node) {
            return decided(resolver, only);
        }
    }
    let mut node = node.clone();
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().for_each(|e| e.value = decided(resolver, &e.value)),
        Value::Seq(items) => items.iter_mut().for_each(|item| *item = decided(resolver, item)),
        Value::Scalar(_) | Value::Null => {}
    }
    node
}

/// `node` with each `Fn::ImportValue` in it an undetermined value: another stack's, whatever its
/// name is built from.
fn without_imports(node: &Node) -> Node {
    fn strip(node: &mut Node) {
        if node
            .intrinsic()
            .is_some_and(|(function, _)| function == "Fn::ImportValue")
        {
            node.value = Value::Scalar(trustcheck::opaque("Fn::ImportValue"));
            return;
        }
        match &mut node.value {
            Value::Map(entries) => entries.iter_mut().for_each(|e| strip(&mut e.value)),
            Value::Seq(items) => items.iter_mut().for_each(strip),
            Value::Scalar(_) | Value::Null => {}
        }
    }
    let mut node = node.clone();
    strip(&mut node);
    node
}

/// Those of a role's functions that CloudFront runs at the edge.
fn at_edge(functions: &[String], edge: &[String]) -> Vec<String> {
    functions.iter().filter(|f| edge.contains(f)).cloned().collect()
}

/// The mappings of a role's functions.
fn sources_of(functions: &[String], mappings: &HashMap<String, Vec<EventSource>>) -> Vec<EventSource> {
    functions
        .iter()
        .flat_map(|f| mappings.get(f).cloned().unwrap_or_default())
        .collect()
}

/// Whether `node` is built from the resource `id`'s own value: `!Ref id`, `!GetAtt id.…`, or
/// `${id}` / `${id.…}` in an `Fn::Sub`.
fn refers_to(node: &Node, id: &str) -> bool {
    if let Some(referenced) = referenced_id(node) {
        return referenced == id;
    }
    match node.intrinsic() {
        Some(("Fn::Sub", arg)) => {
            let text = arg
                .as_str()
                .or_else(|| arg.as_seq()?.first()?.as_str())
                .unwrap_or_default();
            text.contains(&format!("${{{id}}}"))
                || text.contains(&format!("${{{id}."))
                || arg
                    .as_seq()
                    .is_some_and(|parts| parts.iter().skip(1).any(|p| refers_to(p, id)))
        }
        _ => match &node.value {
            Value::Seq(items) => items.iter().any(|n| refers_to(n, id)),
            Value::Map(entries) => entries.iter().any(|e| refers_to(&e.value, id)),
            Value::Null | Value::Scalar(_) => false,
        },
    }
}

/// The roles SAM generates for a service rather than a function, by logical id and the service
/// each trusts (SAM writes no condition): a state machine's without `Role` (`<Id>Role`, Step
/// Functions), and those of the events that start a function or a state machine (`<Id><Event>Role`):
/// a `ScheduleV2` without `RoleArn` (EventBridge Scheduler), a state machine's `Schedule` without
/// one, `EventBridgeRule` or `CloudWatchEvent` (EventBridge) and `Api` (API Gateway). Also
/// CodeDeploy's (`CodeDeployServiceRole`, one a template) for a function's `DeploymentPreference`
/// without `Role` (its own or `Globals.Function`'s), a GraphQL API's (AppSync): `<Id>CloudWatchRole`
/// without `Logging.CloudWatchLogsRoleArn`, and one for each DynamoDB or Lambda data source without
/// `ServiceRoleArn`, and a capacity provider's `<Id>OperatorRole` (Lambda) without `OperatorRole`.
fn sam_service_roles(resource: &Resource, globals: Option<&Node>, resolver: &mut Resolver) -> Vec<SamServiceRole> {
    let mut roles = Vec::new();
    let fixed = |id: String, service: &'static str, own_instead: String| SamServiceRole {
        id,
        service,
        own_instead,
        tags: None,
        at_role_path: false,
    };
    // The resource's property, else its globals' (`Globals.CapacityProvider`), as SAM merges
    // them: a mapping key by key, unless the resource ignores the globals.
    let section = resource.kind.strip_prefix("AWS::Serverless::").unwrap_or_default();
    let global = |name: &str| {
        (globals?.get(section)?.get(name))
            .filter(|_| !ignores_global(resource, name))
            .filter(|n| n.value != Value::Null)
    };
    let merged = |name: &str| -> Option<Node> {
        match (resource.property(name).filter(|n| n.value != Value::Null), global(name)) {
            (Some(own), Some(global)) => Some(sam_merged(global, own)),
            (own, global) => own.or(global).cloned(),
        }
    };
    // SAM copies the resource's tags onto the roles it makes for it when asked to.
    let propagated = (resource.property("PropagateTags").or_else(|| global("PropagateTags")))
        .and_then(Node::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let propagated_tags = || propagated.then(|| merged("Tags")).flatten();
    match resource.kind {
        SAM_GRAPHQL_API => {
            let logging = resource.property("Logging");
            // `Logging: false` alone makes no logging configuration, and no role for it.
            let no_logging = logging
                .and_then(Node::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case("false"));
            if !no_logging && left_empty(logging.and_then(|l| l.get("CloudWatchLogsRoleArn"))) {
                roles.push(fixed(
                    format!("{}CloudWatchRole", resource.id),
                    "appsync.amazonaws.com",
                    format!(
                        "give {} a logging role of your own (Logging.CloudWatchLogsRoleArn)",
                        resource.id
                    ),
                ));
            }
            let sources = resource.property("DataSources");
            for (kind, suffix) in [
                ("DynamoDb", "DynamoDBDataSourceRole"),
                ("Lambda", "LambdaDataSourceRole"),
            ] {
                for source in sources
                    .and_then(|d| d.get(kind))
                    .and_then(Node::as_map)
                    .unwrap_or_default()
                {
                    if left_empty(source.value.get("ServiceRoleArn")) {
                        roles.push(fixed(
                            format!("{}{}{suffix}", resource.id, source.key),
                            "appsync.amazonaws.com",
                            format!(
                                "give its data source {} a role of your own (ServiceRoleArn)",
                                source.key
                            ),
                        ));
                    }
                }
            }
            return roles;
        }
        // Lambda's operators and builders, each a role of Lambda's unless given one.
        SAM_CAPACITY_PROVIDER | SAM_NETWORK_CONNECTOR | SAM_MICROVM_IMAGE => {
            let (property, suffix) = match resource.kind {
                SAM_MICROVM_IMAGE => ("BuildRoleArn", "BuildRole"),
                _ => ("OperatorRole", "OperatorRole"),
            };
            if left_empty(resource.property(property)) && global(property).is_none() {
                roles.push(SamServiceRole {
                    tags: propagated_tags(),
                    ..fixed(
                        format!("{}{suffix}", resource.id),
                        "lambda.amazonaws.com",
                        format!("give {} a role of your own ({property})", resource.id),
                    )
                });
            }
            return roles;
        }
        SAM_WEB_FUNCTION => {
            if left_empty(resource.property("ExecutionRoleArn")) {
                roles.push(SamServiceRole {
                    tags: merged("Tags"),
                    ..fixed(
                        format!("{}Role", resource.id),
                        "lambda.amazonaws.com",
                        format!("give {} a role of your own (ExecutionRoleArn)", resource.id),
                    )
                });
            }
            return roles;
        }
        SAM_FUNCTION => {
            // SAM reads `Enabled` with the parameters' values: `false` or `"False"` turn it off.
            let preference = merged("DeploymentPreference");
            let enabled = preference.as_ref().is_some_and(|p| {
                // SAM resolves a parameter's `Ref` (and `FindInMap`) there, nothing else: an `!If`
                // stays a mapping, which it takes as on.
                let written = p.get("Enabled").map(|n| match n.intrinsic() {
                    None | Some(("Ref" | "Fn::FindInMap", _)) => resolver.known_string(n).unwrap_or_default(),
                    Some(_) => String::new(),
                });
                !written.is_some_and(|v| matches!(v.as_str(), "false" | "False" | "FALSE"))
            });
            if enabled && preference.as_ref().is_some_and(|p| left_empty(p.get("Role"))) {
                roles.push(SamServiceRole {
                    tags: propagated_tags(),
                    ..fixed(
                        "CodeDeployServiceRole".to_owned(),
                        "codedeploy.amazonaws.com",
                        format!("give {}'s DeploymentPreference a role of your own (Role)", resource.id),
                    )
                });
            }
        }
        _ => {}
    }
    let state_machine = resource.kind == SAM_STATE_MACHINE;
    if !state_machine && resource.kind != SAM_FUNCTION {
        return roles;
    }
    if state_machine && left_empty(resource.property("Role")) {
        roles.push(SamServiceRole {
            id: format!("{}Role", resource.id),
            service: "states.amazonaws.com",
            own_instead: format!("give {} a role of your own (Role)", resource.id),
            tags: resource.property("Tags").cloned(),
            at_role_path: true,
        });
    }
    for event in resource.property("Events").and_then(Node::as_map).unwrap_or_default() {
        let kind = event.value.get("Type").and_then(Node::as_str);
        let role_arn = event.value.get("Properties").and_then(|p| p.get("RoleArn"));
        // `Schedule` takes any RoleArn written (null is none), `ScheduleV2` a non-empty one.
        let no_role_arn = left_empty(role_arn);
        let no_role_arn_v2 = no_role_arn || role_arn.and_then(Node::as_str) == Some("");
        let (service, own_instead) = match kind {
            Some("ScheduleV2") if no_role_arn_v2 => ("scheduler.amazonaws.com", true),
            Some("Schedule") if state_machine && no_role_arn => ("events.amazonaws.com", true),
            // These take no RoleArn: SAM always writes their role.
            Some("EventBridgeRule" | "CloudWatchEvent") if state_machine => ("events.amazonaws.com", false),
            Some("Api") if state_machine => ("apigateway.amazonaws.com", false),
            _ => continue,
        };
        let own_instead = match own_instead {
            true => format!("give its event {} a role of your own (the event's RoleArn)", event.key),
            false => format!(
                "its event {} ({}) takes no role of your own: write its resources without SAM's event for that",
                event.key,
                kind.unwrap_or_default()
            ),
        };
        roles.push(SamServiceRole {
            id: format!("{}{}Role", resource.id, event.key),
            service,
            own_instead,
            tags: propagated_tags(),
            at_role_path: false,
        });
    }
    roles
}

/// A role SAM generates for a service ([`sam_service_roles`]).
#[derive(Clone)]
struct SamServiceRole {
    id: String,
    service: &'static str,
    /// How the reader replaces it with a role of their own: SAM has no property for its trust.
    own_instead: String,
    /// The resource's `Tags`, when SAM puts them on it (with its globals' merged in).
    tags: Option<Node>,
    /// Whether SAM puts it at the resource's `RolePath` (a state machine's own role).
    at_role_path: bool,
}

fn generated_role_id(function_id: &str) -> String {
    format!("{function_id}Role")
}

/// A mapping's `Enabled`: on unless written false, as YAML 1.2 spells it (`false`, `False`, `FALSE`).
fn is_enabled(written: Option<&Node>) -> bool {
    written.is_none_or(|n| !matches!(n.as_str(), Some("false" | "False" | "FALSE")))
}

/// A mapping's `Enabled` as the deployment `resolver` reads resolves it (`!Ref ConsumerEnabled`,
/// an `!If`): off only when it comes to `false` in every deployment (not by a parameter's
/// `Default`, which another deployment replaces); on otherwise, as a stream's records that may
/// expire are judged.
fn enabled_in(resolver: &Resolver, written: Option<&Node>) -> bool {
    written.is_none_or(|n| {
        let value = resolver.fork().settled_string(n);
        !matches!(value.as_deref(), Some("false" | "False" | "FALSE"))
    })
}

fn role_values(partition: &str, account: &str, path: &str, name: &str) -> ResourceValues {
    ResourceValues {
        ref_value: Some(name.to_owned()),
        arn: Some(format!("arn:{partition}:iam::{account}:role{path}{name}")),
    }
}

/// What undecided `conditions` rest on, once each: a condition, a mapping read through a key, a
/// parameter's values; for a message that asks for them.
fn rest_on<'c>(conditions: impl IntoIterator<Item = &'c str>) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for name in conditions {
        let group = [MAPPING_ROW, PARAMETER_VALUE, SELECT_ITEM]
            .iter()
            .find_map(|marker| name.split_once(marker).map(|(group, _)| group))
            .unwrap_or(name);
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups.join("; ")
}

/// How many undecidable conditions of one trust policy have each of their ways checked (up to
/// 2^10 policies, a few milliseconds); with more, the role fails closed.
const MAX_WAYS: usize = 1024;
/// How the deployment that stands for the ways not checked is labelled (its document is empty).
pub(crate) const TOO_MANY_WAYS: &str = "more than can be checked";

/// A condition that compares a `Ref` with a literal, `!Equals [!Ref P, v]` (either way round) or
/// its `!Not`: the parameter, the literal, and whether the condition holds when they are equal.
/// A list parameter joined and compared with `''` (`!Equals ['', !Join ['', !Ref P]]`, how the
/// CDK's bootstrap template asks whether a list is empty) compares `P` with `''`.
pub(crate) fn equality<'n>(node: &'n Node) -> Option<(&'n str, &'n str, bool)> {
    let [only] = node.as_map()? else { return None };
    if only.key == "Fn::Not" {
        let [inner] = only.value.as_seq()? else { return None };
        return equality(inner).map(|(parameter, value, when_equal)| (parameter, value, !when_equal));
    }
    let [left, right] = only.value.as_seq()? else {
        return None;
    };
    let reference = |n: &'n Node| match n.intrinsic() {
        Some(("Ref", target)) => target.as_str(),
        _ => None,
    };
    if only.key != "Fn::Equals" {
        return None;
    }
    let joined = |n: &'n Node| match n.intrinsic() {
        Some(("Fn::Join", args)) => match args.as_seq()? {
            [_, list] => reference(list),
            _ => None,
        },
        _ => None,
    };
    match (reference(left), reference(right)) {
        (Some(name), None) => Some((name, right.as_str()?, true)),
        (None, Some(name)) => Some((name, left.as_str()?, true)),
        _ => match (joined(left), joined(right)) {
            (Some(name), None) if right.as_str() == Some("") => Some((name, "", true)),
            (None, Some(name)) if left.as_str() == Some("") => Some((name, "", true)),
            _ => None,
        },
    }
}

/// A condition that holds when a parameter is one of some literals, `!Or` of `!Equals [!Ref P, v]`
/// on one parameter (or its `!Not`): the parameter, the literals, and whether it holds when the
/// parameter is one of them.
pub(crate) fn one_of(node: &Node) -> Option<(&str, Vec<&str>, bool)> {
    let [only] = node.as_map()? else { return None };
    match only.key.as_str() {
        "Fn::Not" => {
            let [inner] = only.value.as_seq()? else { return None };
            one_of(inner).map(|(parameter, values, member)| (parameter, values, !member))
        }
        "Fn::Or" => {
            let mut parameter = None;
            let mut values = Vec::new();
            for branch in only.value.as_seq()? {
                let (name, value, true) = equality(branch)? else {
                    return None;
                };
                if parameter.replace(name).is_some_and(|p| p != name) {
                    return None;
                }
                values.push(value);
            }
            Some((parameter?, values, true))
        }
        _ => None,
    }
}

/// The ways the undecided `conditions` can go together, and whether they are all of them (at
/// most [`MAX_WAYS`]). A condition goes two ways; the entries of one mapping read through one
/// key, or the allowed values of one parameter, are one choice: none of them (the default) or
/// exactly one, so twelve allowed values are thirteen ways, not 4,096.
fn ways_to_go(conditions: &[String]) -> (Vec<HashMap<String, bool>>, bool) {
    let one_of = |name: &str| {
        let marker = match () {
            _ if name.starts_with("Mappings ") => MAPPING_ROW,
            _ if name.starts_with("Parameters ") => PARAMETER_VALUE,
            _ => return None,
        };
        name.split_once(marker).map(|(group, _)| group.to_owned())
    };
    let mut groups: Vec<(Option<String>, Vec<&String>)> = Vec::new();
    for name in conditions {
        let group = one_of(name);
        match groups.iter_mut().find(|(g, _)| group.is_some() && *g == group) {
            Some((_, members)) => members.push(name),
            None => groups.push((group, vec![name])),
        }
    }
    // A condition: true or false. A choice of k: none, or the first, …, or the k-th.
    let count = |(group, members): &(Option<String>, Vec<&String>)| match group {
        Some(_) => members.len() + 1,
        None => 2,
    };
    let mut considered = 0;
    let mut total = 1;
    while let Some(group) = groups.get(considered) {
        if total * count(group) > MAX_WAYS {
            break;
        }
        total *= count(group);
        considered += 1;
    }
    let all = considered == groups.len();
    let groups = &groups[..considered];
    let ways = (0..total)
        .map(|mut index| {
            let mut assume = HashMap::new();
            for group in groups {
                let (way, rest) = (index % count(group), index / count(group));
                index = rest;
                match group {
                    (None, members) => {
                        assume.insert(members[0].clone(), way == 0);
                    }
                    (Some(_), members) => {
                        for (i, member) in members.iter().enumerate() {
                            assume.insert((*member).clone(), way == i + 1);
                        }
                    }
                }
            }
            assume
        })
        .collect();
    (ways, all)
}

/// The `Ref`s the user gave values for: only they decide a condition.
fn given_refs(options: &StackOptions) -> HashSet<String> {
    // A pseudo parameter is given by --account-id or --region only: `--parameter AWS::AccountId=…`
    // sets no value (no template declares it), so it must not count as given either.
    let mut given: HashSet<String> = (options.parameters.iter())
        .map(|(name, _)| name.clone())
        .filter(|name| !name.starts_with("AWS::"))
        .collect();
    if options.account_id.is_some() {
        given.insert("AWS::AccountId".to_owned());
    }
    if options.region_given {
        given.extend(["AWS::Region", "AWS::Partition", "AWS::URLSuffix"].map(str::to_owned));
    }
    given
}

/// Each parameter's value, by name.
type Values = HashMap<String, Json>;
/// The other values a deployment may give a parameter not given, by name.
type Alternatives = HashMap<String, Vec<Json>>;
/// The given parameters whose value this template's `AllowedValues` refuses, with why.
type Refusals = std::collections::BTreeMap<String, String>;

/// Each parameter's value: `--parameter`, else its `Default`, else its first allowed value (a
/// deployment must pass one); lists split on commas; SSM parameter types stay unknown. And, for a
/// parameter not given that has `AllowedValues`, the other values a deployment may give it: each
/// is another deployment (a `"*"` among them deploys a public role).
fn parameters(
    source: &str,
    root: &Node,
    options: &StackOptions,
    notes: &mut Vec<String>,
) -> (Values, Alternatives, Refusals) {
    let mut refusals = Refusals::new();
    let mut values = HashMap::new();
    let mut alternatives = HashMap::new();
    for entry in root.get("Parameters").and_then(Node::as_map).unwrap_or_default() {
        let kind = entry.value.get("Type").and_then(Node::as_str).unwrap_or("String");
        // An SSM parameter's value is unknown, and its AllowedValues name SSM parameters.
        let ssm = kind.starts_with("AWS::SSM::Parameter::");
        let list = kind.starts_with("List<") || kind == "CommaDelimitedList";
        let mut given = options
            .parameters
            .iter()
            .rev()
            .find(|(name, _)| *name == entry.key)
            .map(|(_, value)| value.clone());
        // A parent's default for it (what the parent passes rests on its own default) first.
        let parents = || {
            let given = options.defaults.iter().rev().find(|(name, _)| *name == entry.key);
            given.map(|(_, value)| value.clone())
        };
        let default = || match &entry.value.get("Default")?.value {
            Value::Scalar(text) => Some(text.clone()),
            Value::Seq(items) => {
                let texts: Option<Vec<&str>> = items.iter().map(Node::as_str).collect();
                texts.map(|t| t.join(","))
            }
            _ => None,
        };
        let allowed = if ssm { Vec::new() } else { allowed_values(&entry.value) };
        // A value CloudFormation would refuse deploys no stack: this template is judged with the
        // values it allows, as if the parameter were not given. (The scan fails when no template
        // takes the value: a misspelt "Yes" would otherwise pick a branch nobody deploys.)
        let checked = kind == "String" || kind == "CommaDelimitedList";
        let refused = given
            .as_deref()
            .filter(|g| checked && !allowed.is_empty() && !trustcheck::holds_opaque(g))
            .and_then(|given| match list {
                true => given.split(',').map(str::trim).find(|item| !allowed.contains(item)),
                false => (!allowed.contains(&given)).then_some(given),
            })
            .map(|refused| {
                // A NoEcho parameter's values are said by none of them.
                let no_echo = entry.value.get("NoEcho").and_then(Node::as_str);
                let (refused, allowed) = match no_echo.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                    true => ("(sensitive)".to_owned(), format!("{} NoEcho values", allowed.len())),
                    false => (refused.to_owned(), allowed.join(", ")),
                };
                format!(
                    "{source}:{}:{}: parameter {}: \"{refused}\" is not one of its AllowedValues ({allowed}), so CloudFormation would refuse the stack",
                    entry.key_pos.line,
                    entry.key_pos.column,
                    entry.key,
                )
            });
        if let Some(why) = refused {
            notes.push(format!("{why}: judged with the values it allows"));
            refusals.insert(entry.key.clone(), why);
            given = None;
        }
        let first_allowed = || allowed.first().map(|v| v.to_string());
        let Some(text) = given
            .clone()
            .or_else(parents)
            .or_else(|| default().filter(|_| !ssm))
            .or_else(first_allowed)
        else {
            continue;
        };
        if given.is_none() && !allowed.is_empty() {
            // A list's AllowedValues hold for each element: the value's length of one allowed
            // value stands for the lists that value allows.
            let length = text.split(',').count();
            let others: Vec<Json> = allowed
                .iter()
                .filter(|value| list || **value != text)
                .map(|value| match list {
                    true => Json::Array(vec![Json::String(value.trim().to_owned()); length]),
                    false => Json::String(value.to_string()),
                })
                .collect();
            alternatives.insert(entry.key.clone(), others);
        }
        let value = if list {
            Json::Array(text.split(',').map(|s| Json::String(s.trim().to_owned())).collect())
        } else {
            Json::String(text)
        };
        values.insert(entry.key.clone(), value);
    }
    (values, alternatives, refusals)
}

/// A parameter's `AllowedValues`, as text.
/// The values the template's `NoEcho` parameters can have here (given, a parent's default, their
/// own default, an allowed value): CloudFormation masks them, and a report committed or kept as
/// a build artifact must not print them either (a partner's `sts:ExternalId` passed from a CI
/// secret). An empty value hides nothing.
fn no_echo_values(root: &Node, options: &StackOptions) -> Vec<String> {
    let mut values = Vec::new();
    for entry in root.get("Parameters").and_then(Node::as_map).unwrap_or_default() {
        let no_echo = entry.value.get("NoEcho").and_then(Node::as_str);
        if !no_echo.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            continue;
        }
        let named = |list: &[(String, String)]| {
            let found = list.iter().rev().find(|(name, _)| *name == entry.key);
            found.map(|(_, value)| value.clone())
        };
        let mut own = Vec::new();
        own.extend(named(&options.parameters));
        own.extend(named(&options.defaults));
        own.extend(entry.value.get("Default").and_then(Node::as_str).map(str::to_owned));
        own.extend(allowed_values(&entry.value).into_iter().map(str::to_owned));
        // A list's items each reach a trust policy on their own (`!Select`, `!Join`).
        let kind = entry.value.get("Type").and_then(Node::as_str).unwrap_or("String");
        if kind.starts_with("List<") || kind == "CommaDelimitedList" {
            let items: Vec<String> = own
                .iter()
                .flat_map(|v| v.split(','))
                .map(|i| i.trim().to_owned())
                .collect();
            own.extend(items);
        }
        values.extend(own);
    }
    values.extend(options.secrets.iter().cloned());
    values.retain(|value| !value.is_empty());
    values.sort_unstable();
    values.dedup();
    values
}

/// Whether a parameter's type or `AllowedPattern` keeps a wildcard out of its value: a number,
/// an AWS-specific type (`AWS::EC2::VPC::Id`; not an SSM parameter's value, which is any text),
/// or a pattern that lets no `*` through ([`pattern_admits_wildcard`]).
fn allows_no_wildcard(parameter: &Node) -> bool {
    let kind = parameter.get("Type").and_then(Node::as_str).unwrap_or("String");
    let typed = matches!(kind, "Number" | "List<Number>")
        || (kind.starts_with("AWS::") && !kind.starts_with("AWS::SSM::Parameter::"))
        || (kind.starts_with("List<AWS::") && !kind.contains("SSM"));
    let pattern = parameter.get("AllowedPattern").and_then(Node::as_str);
    typed || pattern.is_some_and(|p| !pattern_admits_wildcard(p))
}

/// Whether a parameter's `AllowedPattern` keeps a wildcard out of what comes before the value's
/// first `/`, and lets one through only after it (`^[A-Za-z0-9-]+/([A-Za-z0-9._-]+|\*)$`, "owner/repo,
/// or owner/* for all of the owner's repositories"): its owner is one the deployer names. Read
/// as CloudFormation matches it, against the whole value: a literal `/` that no alternative or
/// group comes before, and before it only what [`pattern_admits_wildcard`] keeps wildcards out
/// of (so whatever `/` the value has before it is in that part too).
fn names_one_owner(parameter: &Node) -> bool {
    let Some(pattern) = parameter.get("AllowedPattern").and_then(Node::as_str) else {
        return false;
    };
    let chars: Vec<char> = pattern.chars().collect();
    let (mut at, mut in_class) = (0, false);
    while let Some(&c) = chars.get(at) {
        match c {
            // `\/` is the `/` outside a class; inside one it is one of the class's members.
            '\\' if !in_class && chars.get(at + 1) == Some(&'/') => break,
            '\\' => at += 1,
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => break,
            // A group or an alternative before the `/` may hold it, or stand without it.
            '(' | ')' | '|' if !in_class => return false,
            _ => {}
        }
        at += 1;
    }
    // The `/` must be there once: one a quantifier makes optional (`/?`, `/*`, `/{0,1}`) lets
    // the owner run on into what may hold a wildcard.
    let slash_len = if chars.get(at) == Some(&'\\') { 2 } else { 1 };
    let quantified = chars
        .get(at + slash_len)
        .is_some_and(|c| matches!(c, '?' | '*' | '{' | '+'));
    // No alternative outside a group: `owner/x|*` matches a whole `*` too.
    at < chars.len()
        && !quantified
        && !has_top_level_alternative(pattern)
        && !pattern_admits_wildcard(&chars[..at].iter().collect::<String>())
}

/// Whether a regular expression has a `|` outside every group and class (not escaped).
fn has_top_level_alternative(pattern: &str) -> bool {
    let (mut depth, mut in_class, mut escaped) = (0usize, false, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Whether a regular expression may match a wildcard of IAM's patterns, `*` or `?` (a `?` is one
/// in `StringLike` and `ArnLike` too). Read conservatively: anything but letters, digits, the
/// classes `\d`, `\w`, `\s`, escaped punctuation other than `*` and `?`, and classes whose members
/// and ranges leave both out may: an unescaped `.`, a negated class, a range spanning one
/// (`[ -~]`), a POSIX class, `\S`, `\W`, `\D`, `\p{…}`, `\x2A`, `\Q…\E`. An unescaped `?` outside a
/// class is a quantifier or a group's flag, not a character.
fn pattern_admits_wildcard(pattern: &str) -> bool {
    // Free spacing (`(?x)`) makes `#` start a comment, inside a class too: not read.
    let flags = pattern.match_indices("(?").any(|(at, _)| {
        let rest = &pattern[at + 2..];
        rest.chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .any(|c| c == 'x')
    });
    if flags {
        return true;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let wildcard = |c: char| c == '*' || c == '?';
    let mut in_class = false;
    // The last single character of the class, which a `-` may make a range's start.
    let mut previous: Option<char> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '\\' => {
                let escaped = chars.get(i).copied();
                i += 1;
                match escaped {
                    Some('d' | 'w' | 's' | 'n' | 't' | 'r' | 'b' | 'B' | 'A' | 'z' | 'Z') => previous = None,
                    Some(literal) if !literal.is_ascii_alphanumeric() && !wildcard(literal) => previous = Some(literal),
                    _ => return true,
                }
            }
            '[' if in_class => return true,
            '[' => {
                in_class = true;
                previous = None;
                // A negated class; and a `]` first in a class is one of its members, not its end.
                if matches!(chars.get(i), Some('^' | ']')) {
                    return true;
                }
            }
            ']' if in_class => in_class = false,
            '-' if in_class && previous.is_some() && chars.get(i).is_some_and(|n| *n != ']') => {
                let (Some(low), Some(&high)) = (previous, chars.get(i)) else {
                    return true;
                };
                // A `[` ending a range opens a nested class in Java's patterns.
                if high == '\\' || high == '[' || (low..=high).contains(&'*') || (low..=high).contains(&'?') {
                    return true;
                }
                previous = None;
                i += 1;
            }
            _ if in_class && wildcard(c) => return true,
            _ if in_class => previous = Some(c),
            '.' => return true,
            _ => {}
        }
    }
    false
}

/// Whether a regular expression lets through digits only, alone or listed with `,` and spaces:
/// digit classes (`\d`, `[0-9]`) with any count (`{12}`, `+`, `{10,12}`), grouped, alternated,
/// repeated and anchored (`^(\d{12})$|^((\d{12}(,|, ))*\d{12})$`). Such a value, as a principal,
/// is an account id or a list of them. Read conservatively: anything else (a letter, a `.`,
/// another class) says no.
fn holds_digits_only(pattern: &str) -> bool {
    const DIGITS: [&str; 2] = [r"\d", "[0-9]"];
    let mut rest = pattern;
    let mut digits = false;
    while !rest.is_empty() {
        if let Some(after) = DIGITS.iter().find_map(|d| rest.strip_prefix(d)) {
            digits = true;
            rest = after;
            // A count: `{12}`, `{10,12}`, `{1,}`.
            if let Some(count) = rest.strip_prefix('{') {
                let Some(end) = count.find('}') else {
                    return false;
                };
                if !count[..end].bytes().all(|b| b.is_ascii_digit() || b == b',') {
                    return false;
                }
                rest = &count[end + 1..];
            }
        } else if let Some(after) = rest.strip_prefix("(?:") {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(['^', '$', '(', ')', '|', '*', '+', '?', ',', ' ']) {
            rest = after;
        } else {
            return false;
        }
    }
    digits
}

/// Whether a parameter holds account ids only: a number (`Number`, `List<Number>`) or digits
/// ([`holds_digits_only`]).
fn holds_account_ids(parameter: &Node) -> bool {
    let kind = parameter.get("Type").and_then(Node::as_str).unwrap_or("String");
    matches!(kind, "Number" | "List<Number>")
        || (parameter.get("AllowedPattern").and_then(Node::as_str)).is_some_and(holds_digits_only)
}

/// Whether a regular expression is of IAM ARNs whose account field holds digits only
/// (`^arn:aws:iam::[0-9]{12}:role/.*$`, `arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:…`): its shape
/// ([`ArnShape`]). Read conservatively: `arn`, `iam` and the empty region written out; a
/// partition of letters, digits, `-`, groups, alternatives, counts and classes of those (or
/// `[^:]`), which can't hold a `:`; no alternative outside a group; `(?i)` ahead is let be.
fn arn_with_account_field(pattern: &str) -> Option<ArnShape> {
    let pattern = pattern.strip_prefix("(?i)").unwrap_or(pattern);
    let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
    let pattern = pattern.strip_suffix('$').unwrap_or(pattern);
    // Quoted text (`\Q…\E`) is read as no field of an ARN.
    if pattern.contains(r"\Q") {
        return None;
    }
    // The class `[^:]` holds a `:` that separates nothing: kept out of the split.
    const NOT_COLON: &str = "\u{1}";
    let pattern = pattern.replace("[^:]", NOT_COLON);
    let fields: Vec<&str> = pattern.splitn(6, ':').collect();
    let [arn, partition, service, region, account, rest] = fields[..] else {
        return None;
    };
    let literal = |field: &str| {
        !field.is_empty()
            && field
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    // Alternatives only within the partition, a group of them (`(aws|aws-cn)`): one anywhere
    // else may span fields (`(\d{12}:role/x|\*:role/x)`) or stand for the whole pattern.
    if [arn, service, region, account, rest].iter().any(|f| f.contains('|')) {
        return None;
    }
    let grouped = |field: &str| {
        !field.contains('|')
            || ((field.strip_prefix("(?:").or_else(|| field.strip_prefix('(')))
                .and_then(|inner| inner.strip_suffix(')'))
                .is_some_and(|inner| !inner.contains(['(', ')', '[', ']'])))
    };
    let colonless = |field: &str| {
        matches!(field.strip_prefix(NOT_COLON), Some("+" | "*"))
            || (!field.is_empty() && (field.bytes()).all(|b| b.is_ascii_alphanumeric() || b"-()|[]*+?{},".contains(&b)))
    };
    if arn != "arn"
        || service != "iam"
        || !region.is_empty()
        || !colonless(partition)
        || !grouped(partition)
        || !holds_digits_only(account)
    {
        return None;
    }
    // A character a quantifier after it may repeat or drop is not the rest's for sure.
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "/_-".contains(c)))
        .unwrap_or(rest.len());
    let quantified = rest[end..].starts_with(['*', '+', '?', '{']);
    Some(ArnShape {
        partition: literal(partition).then(|| partition.to_owned()),
        partition_open: pattern_admits_wildcard(&partition.replace(NOT_COLON, "[^:]")),
        start: rest[..if quantified { end.saturating_sub(1) } else { end }].to_owned(),
        rest_constrained: !pattern_admits_wildcard(&rest.replace(NOT_COLON, "[^:]")),
    })
}

fn allowed_values(parameter: &Node) -> Vec<&str> {
    let values = parameter
        .get("AllowedValues")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    values.iter().filter_map(Node::as_str).collect()
}

/// `IgnoreGlobals: "*"`, or a list naming `property` (a resource attribute, beside `Properties`):
/// SAM leaves that global out for the function.
fn ignores_global(function: &Resource, property: &str) -> bool {
    match function.node.get("IgnoreGlobals") {
        Some(node) => match &node.value {
            Value::Scalar(text) => text == "*" || text == property,
            Value::Seq(items) => items.iter().any(|i| i.as_str() == Some(property)),
            _ => false,
        },
        None => false,
    }
}

/// A function's property merged with `Globals.Function`'s as SAM merges them: mappings key by
/// key, lists one after the other (the global items first), anything else the function's own.
/// An intrinsic function is a value, not a mapping to merge.
fn sam_merged(global: &Node, own: &Node) -> Node {
    match (&global.value, &own.value) {
        (Value::Map(globals), Value::Map(owns)) if global.intrinsic().is_none() && own.intrinsic().is_none() => {
            let mut entries: Vec<Entry> = globals
                .iter()
                .map(|g| match owns.iter().rev().find(|o| o.key == g.key) {
                    Some(o) => Entry {
                        value: sam_merged(&g.value, &o.value),
                        ..o.clone()
                    },
                    None => g.clone(),
                })
                .collect();
            entries.extend(owns.iter().filter(|o| !globals.iter().any(|g| g.key == o.key)).cloned());
            Node {
                pos: own.pos,
                literal: false,
                value: Value::Map(entries),
            }
        }
        (Value::Seq(globals), Value::Seq(owns)) => Node {
            pos: own.pos,
            literal: false,
            value: Value::Seq(globals.iter().chain(owns).cloned().collect()),
        },
        _ => own.clone(),
    }
}

/// A key written twice where it decides which roles there are or what a value is (a section, a
/// parameter, condition or mapping's name, a mapping's second-level key, a resource's `Type` or
/// `Condition`, a parameter's `Type`, `Default` or `AllowedValues`): which one counts is up to
/// the parser that deploys it, so the template is not read (an error, never a pass). Those in a
/// role's properties make the role fail closed instead ([`repeated_key_note`]).
fn refuse_repeated_keys(source: &str, root: &Node) -> Result<(), InputError> {
    let refused = |place: String, key: &str, (first, again): (usize, usize)| {
        let pos = Pos { line: again, column: 1 };
        let message = format!("{place}{REPEATS_THE_KEY}`{key}` (line {first}, again at line {again}): which one counts is up to the parser that deploys it; keep one");
        Err(invalid(source, pos, message))
    };
    for section in [
        "Parameters",
        "Conditions",
        "Resources",
        "Transform",
        "Mappings",
        "Globals",
    ] {
        if let Some(lines) = root.repeats(section) {
            return refused("the template".to_owned(), section, lines);
        }
    }
    let entries = |section: &str| root.get(section).and_then(Node::as_map).unwrap_or_default();
    // Two resources of one name are both judged; two parameters, conditions or mappings of one
    // name are one value, whichever the parser keeps (the same when every copy is).
    for section in ["Parameters", "Conditions", "Mappings"] {
        let Some(node) = root.get(section) else { continue };
        for entry in entries(section) {
            if let Some(lines) = node.repeats_differently(&entry.key) {
                return refused(format!("the {section} section"), &entry.key, lines);
            }
        }
    }
    for mapping in entries("Mappings") {
        for entry in mapping.value.as_map().unwrap_or_default() {
            if let Some(lines) = mapping.value.repeats_differently(&entry.key) {
                return refused(format!("mapping {}", mapping.key), &entry.key, lines);
            }
        }
    }
    for (section, keys) in [
        ("Resources", &["Type", "Condition"][..]),
        ("Parameters", &["Type", "Default", "AllowedValues"][..]),
    ] {
        for entry in entries(section) {
            for key in keys {
                if let Some(lines) = entry.value.repeats(key) {
                    return refused(
                        format!("{} {}", section.trim_end_matches('s').to_lowercase(), entry.key),
                        key,
                        lines,
                    );
                }
            }
        }
    }
    Ok(())
}

/// The note for a key written twice where the trust policy is read.
fn repeated_key_note(in_what: &str, key: &str, first: usize, again: usize) -> String {
    format!(
        "{in_what}{REPEATS_THE_KEY}`{key}` (line {first}, again at line {again}): which one counts is up to the parser that deploys it, so the role fails closed; keep one"
    )
}

/// How the notes that say a trust policy can't be read from the template begin.
const UNRESOLVED_TRANSFORM: &str = "Transform is unresolved";
const NOT_GIVEN: &str = "the template doesn't give the trust policy";

/// Text that is one opaque marker and nothing else (`UNRESOLVED(ImportValue shared-trust)`).
fn is_one_marker(text: &str) -> bool {
    leading_marker(text).is_some_and(|(_, rest)| rest.is_empty())
}

/// The opaque marker `text` starts with, by what it names (`ImportValue shared-trust`), and the
/// text after it. A marker holds no parenthesis, so the first `)` ends it.
fn leading_marker(text: &str) -> Option<(&str, &str)> {
    text.strip_prefix(trustcheck::OPAQUE_PREFIX)?.split_once(')')
}
const REPEATS_THE_KEY: &str = " repeats the key ";

/// Notes in the order first met, each once: a value referenced a thousand times is one note.
fn once_each(notes: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    notes.into_iter().filter(|note| seen.insert(note.clone())).collect()
}

/// An org-formation template (`AWSTemplateFormatVersion: 2010-09-09-OC`, organization bindings),
/// whose names of the organization's accounts org-formation writes out before CloudFormation
/// reads it.
fn is_org_formation(root: &Node) -> bool {
    root.get("AWSTemplateFormatVersion")
        .and_then(Node::as_str)
        .is_some_and(|version| version.ends_with("-OC"))
        || ["OrganizationBinding", "OrganizationBindings", "Organization"]
            .iter()
            .any(|key| root.get(key).is_some())
}

/// The trust policy as resolved, or none where a function CloudFormation refuses was met on the
/// way ([`REFUSED_FUNCTION`]): no deployment has that role, which fails closed.
fn readable_document(document: String, notes: &[String]) -> String {
    match notes.iter().any(|n| n.contains(REFUSED_FUNCTION)) {
        true => String::new(),
        false => document,
    }
}

/// Why the template can't show a role's trust policy at all (a macro may rewrite it, a key is
/// written twice), as a note says it: what its `POLICY_UNPARSEABLE` finding says, rather than
/// the parser's complaint about what was left.
fn unreadable(notes: &[String]) -> Option<UnknownPolicy> {
    let why = notes
        .iter()
        .find(|n| {
            n.starts_with(UNRESOLVED_TRANSFORM)
                || n.contains(REPEATS_THE_KEY)
                || n.starts_with(NOT_GIVEN)
                || n.contains(REFUSED_FUNCTION)
        })?
        .clone();
    let fix = if why.starts_with(UNRESOLVED_TRANSFORM) {
        "scan the processed template (aws cloudformation get-template --template-stage Processed), where the transform's output is"
    } else if why.contains(REFUSED_FUNCTION) {
        "write the value with a function CloudFormation has (its Intrinsic function reference), or scan what the tool whose function it is writes (rain pkg, the processed template)"
    } else if why.starts_with(NOT_GIVEN) {
        "give its value (--parameter NAME=VALUE for a parameter), or judge the role where the policy is written (trustcheck policy FILE, or trustcheck account once deployed)"
    } else {
        "keep one of the repeated keys: the one meant to deploy"
    };
    Some(UnknownPolicy {
        why,
        fix: fix.to_owned(),
    })
}

/// The trust policy as JSON text, and the line each statement starts on.
fn trust_document(resolver: &mut Resolver, node: &Node) -> (String, Vec<usize>) {
    // Which of the two a deployment reads is the deploying parser's choice: fail closed.
    if let Some((repeat, first_line)) = node.repeated_key() {
        let note = repeated_key_note("the trust policy", &repeat.key, first_line, repeat.key_pos.line);
        resolver.unresolved.push(note);
        return (String::new(), Vec::new());
    }
    match resolver.value(node) {
        // The whole policy is a value the template doesn't give (an import, a parameter without
        // a default): nothing to read, and the template is not wrong.
        Some(Json::String(text)) if is_one_marker(&text) => {
            resolver.unresolved.push(format!(
                "{NOT_GIVEN}: it is {text}, so the role can't be judged here and fails closed"
            ));
            (String::new(), Vec::new())
        }
        // A policy written as JSON text (a string, or a Sub of one): whether its lines are the
        // file's, the reader can't tell (escapes, folds), so its findings are at the role.
        Some(Json::String(text)) => (text, Vec::new()),
        Some(value) => (value.to_string(), statement_lines(resolver, node)),
        None => (String::new(), Vec::new()),
    }
}

/// The line a stack set's body written as a block scalar starts on (`|`, also under `!Sub`,
/// whose substitutions keep the lines), as the reader places it: a short-form tag (`!Sub |`)
/// where its node starts, the text on the line after. `None` for text built from pieces.
fn block_first_line(node: &Node) -> Option<usize> {
    let scalar = match node.intrinsic() {
        None => node,
        Some(("Fn::Sub", template)) if template.as_str().is_some() => template,
        Some(("Fn::Sub", template)) => template.as_seq()?.first()?,
        Some(_) => return None,
    };
    let tagged_here = node.intrinsic().is_some() && scalar.pos == node.pos;
    // A quoted or folded scalar's lines are not the file's (a JSON string holds the whole body on
    // one line): its roles are put at `TemplateBody`.
    (scalar.literal && scalar.as_str().is_some()).then(|| scalar.pos.line + usize::from(tagged_here))
}

/// Lines of the statements that stay in the policy (an `Fn::If` may drop one with `AWS::NoValue`).
fn statement_lines(resolver: &Resolver, document: &Node) -> Vec<usize> {
    let Some(statement) = chosen(resolver, document).get("Statement") else {
        return Vec::new();
    };
    let statement = chosen(resolver, statement);
    match &statement.value {
        Value::Map(_) if statement.intrinsic().is_none() => vec![statement.pos.line],
        Value::Seq(items) => items
            .iter()
            .filter(|item| resolver.fork().value(item).is_some())
            .map(|item| chosen(resolver, item).pos.line)
            .collect(),
        _ => Vec::new(),
    }
}

/// The branch an `Fn::If` takes, as the resolver reads it (the first when its condition can't be
/// decided, as each deployment is then judged in turn); any other node as it is.
fn chosen<'n>(resolver: &Resolver, node: &'n Node) -> &'n Node {
    let mut node = node;
    for _ in 0..MAX_IF_NESTING {
        let Some((
            "Fn::If",
            Node {
                value: Value::Seq(parts),
                ..
            },
        )) = node.intrinsic()
        else {
            break;
        };
        let [condition, then, otherwise] = &parts[..] else {
            break;
        };
        let taken = condition.as_str().and_then(|c| resolver.fork().condition(c));
        node = if taken == Some(false) { otherwise } else { then };
    }
    node
}

/// `Fn::If`s nested in each other's branches that [`chosen`] follows: any template's fit.
const MAX_IF_NESTING: usize = 64;

/// `Tags: [{Key, Value}]` of an IAM role.
fn tag_list(resolver: &mut Resolver, node: &Node) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    for tag in node.as_seq().unwrap_or_default() {
        // A tag under `!If` is there when what was given decides its condition so; one the scan
        // can't decide may not be there: it exempts nothing.
        let mut tag = tag;
        while let Some(("Fn::If", arg)) = tag.intrinsic() {
            let Some([condition, yes, no]) = arg.as_seq() else {
                break;
            };
            match condition.as_str().and_then(|c| resolver.condition(c)) {
                Some(true) => tag = yes,
                Some(false) => tag = no,
                None => break,
            }
        }
        // A key one deployment's defaults decide may not be there in another: it exempts nothing.
        let key = tag.get("Key").and_then(|k| resolver.settled_string(k));
        let value = tag.get("Value").and_then(|v| resolver.known_string(v));
        if let Some(key) = key {
            tags.push((key, value.unwrap_or_default()));
        }
    }
    tags
}

/// `Metadata: trustcheck: {skip: [FINDING_ID, …], reason: "…"}`. A mistake here is an error, not
/// a silently ignored suppression.
fn metadata_skip(source: &str, resource: &Node) -> Result<Option<Skip>, InputError> {
    let Some(entry) = resource.get("Metadata").and_then(|m| m.entry("trustcheck")) else {
        return Ok(None);
    };
    let node = &entry.value;
    let entries = node.as_map().ok_or_else(|| {
        invalid(
            source,
            node.pos,
            "Metadata trustcheck must be a mapping with skip and reason",
        )
    })?;
    let mut ids = Vec::new();
    let mut reason = None;
    for item in entries {
        match item.key.as_str() {
            "skip" => {
                let listed: Vec<&Node> = match &item.value.value {
                    Value::Scalar(_) => vec![&item.value],
                    Value::Seq(list) => list.iter().collect(),
                    _ => Vec::new(),
                };
                for id in listed {
                    let text = id.as_str().unwrap_or_default();
                    let known = FindingId::parse(text).ok_or_else(|| {
                        let all: Vec<&str> = FindingId::ALL.iter().map(|f| f.as_str()).collect();
                        invalid(
                            source,
                            id.pos,
                            format!(
                                "Metadata trustcheck skip: unknown finding id {text:?}; known: {}",
                                all.join(", ")
                            ),
                        )
                    })?;
                    ids.push(known);
                }
            }
            "reason" => {
                reason = item
                    .value
                    .as_str()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
            }
            other => {
                return Err(invalid(
                    source,
                    item.key_pos,
                    format!("Metadata trustcheck: unknown key {other:?}; known: skip, reason"),
                ))
            }
        }
    }
    if ids.is_empty() {
        return Err(invalid(
            source,
            entry.key_pos,
            "Metadata trustcheck: skip names no finding id",
        ));
    }
    let reason =
        reason.ok_or_else(|| invalid(source, entry.key_pos, "Metadata trustcheck: skip needs a reason (text)"))?;
    Ok(Some(Skip { ids, reason }))
}

/// The list parameters (`CommaDelimitedList`, `List<…>`) the template declares and the scan was
/// given a value for, as CloudFormation splits it at commas. Not a value left undetermined (a
/// plan's stack parameter known only after apply, a parent's unknown one: it may be any items),
/// nor one a `CommaDelimitedList`'s `AllowedValues` refuses an item of (no stack deploys with it,
/// and the template is read as if it were not given: `Stack`'s parameters). Not one left to its
/// `Default`: items made from it would be written in as literals, and the other values the scan
/// tries of a defaulted parameter (its `AllowedValues`, a mapping's rows) never tried.
fn given_lists(root: &Node, given: &[(String, String)]) -> HashMap<String, Vec<String>> {
    let declared = root.get("Parameters").and_then(Node::as_map).unwrap_or_default();
    (given.iter())
        .filter(|(_, value)| !value.contains(trustcheck::OPAQUE_PREFIX))
        .filter_map(|(name, value)| {
            let declaration = &declared.iter().find(|p| p.key == *name)?.value;
            let kind = declaration.get("Type").and_then(Node::as_str)?;
            if !(kind == "CommaDelimitedList" || kind.starts_with("List<")) {
                return None;
            }
            let items: Vec<String> = value.split(',').map(|item| item.trim().to_owned()).collect();
            let allowed =
                (declaration.get("AllowedValues").and_then(Node::as_seq)).filter(|_| kind == "CommaDelimitedList");
            let allowed_item = |item: &String| allowed.is_none_or(|a| a.iter().any(|v| v.as_str() == Some(item)));
            items.iter().all(allowed_item).then(|| (name.clone(), items))
        })
        .collect()
}

/// A `Fn::ForEach::…` loop.
fn is_loop(entry: &Entry) -> bool {
    entry.key.starts_with("Fn::ForEach::")
}

/// A loop of `Resources` whose fragment makes only resources of types this scan reads nothing
/// of (no role, function, event source, stack, distribution, product, module), each typed in
/// text, with no loop inside: whatever items it goes over, no verdict changes.
fn makes_nothing_judged(entry: &Entry) -> bool {
    const READ: [&str; 7] = [
        "AWS::IAM::",
        "AWS::Lambda::",
        "AWS::Serverless::",
        "AWS::CloudFormation::",
        "AWS::CloudFront::",
        "AWS::ServiceCatalog::",
        "AWS::CloudControl",
    ];
    let Some([_, _, fragment]) = entry.value.as_seq() else {
        return false;
    };
    let made = fragment.as_map().unwrap_or_default();
    !made.is_empty()
        && made.iter().all(|resource| {
            let kind = resource.value.get("Type").and_then(Node::as_str);
            !is_loop(resource)
                && first_for_each(&resource.value).is_none()
                && kind.is_some_and(|k| {
                    !READ.iter().any(|prefix| k.starts_with(prefix))
                        && !k.ends_with("::MODULE")
                        && !k.starts_with("Custom::")
                })
        })
}

/// A `Fn::ForEach::…` key anywhere in the template (the outermost first). A loop of nodes,
/// not recursion: the tree is as deep as the input makes it.
fn first_for_each(root: &Node) -> Option<&Entry> {
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Map(entries) => {
                if let Some(entry) = entries.iter().find(|e| e.key.starts_with("Fn::ForEach::")) {
                    return Some(entry);
                }
                pending.extend(entries.iter().rev().map(|e| &e.value));
            }
            Value::Seq(items) => pending.extend(items.iter().rev()),
            Value::Null | Value::Scalar(_) => {}
        }
    }
    None
}

fn invalid(source: &str, pos: Pos, message: impl Into<String>) -> InputError {
    InputError::Invalid {
        path: source.to_owned(),
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_arn_parameter_read_as_its_arn_is_still_the_parameter() {
        assert_eq!(
            parent_parameter_in(
                "arn:aws:iam::UNRESOLVED(Ref RoleArn account):role/UNRESOLVED(Ref RoleArn constrained)"
            ),
            Some("RoleArn")
        );
        assert_eq!(parent_parameter_in("UNRESOLVED(Ref RoleArn)"), Some("RoleArn"));
        // Another parameter's account: not one parameter's value.
        assert_eq!(
            parent_parameter_in("arn:aws:iam::UNRESOLVED(Ref Other account):role/UNRESOLVED(Ref RoleArn)"),
            None
        );
    }

    #[test]
    fn a_pattern_of_arns_with_a_pinned_account_is_told_apart() {
        let shape = |partition: Option<&str>, start: &str, rest_constrained| {
            Some(ArnShape {
                partition: partition.map(str::to_owned),
                partition_open: false,
                start: start.to_owned(),
                rest_constrained,
            })
        };
        assert_eq!(
            arn_with_account_field("arn:aws:iam::[0-9]{12}:role/.*"),
            shape(Some("aws"), "role/", false)
        );
        assert_eq!(
            arn_with_account_field(r"^arn:aws-us-gov:iam::\d{12}:role/[\w+=,.@/-]+$"),
            shape(Some("aws-us-gov"), "role/", true)
        );
        assert_eq!(
            arn_with_account_field("arn:aws:iam::[0-9]{12}:.*"),
            shape(Some("aws"), "", false)
        );
        // `roles?/…`: the `s` may be dropped, so only `role` is sure.
        assert_eq!(
            arn_with_account_field("arn:aws:iam::[0-9]{12}:roles?/.*"),
            shape(Some("aws"), "role", false)
        );
        // Partitions as patterns, a count of digits, no case: the account is still pinned.
        for pinned in [
            r"arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/.*",
            r"arn:aws[a-zA-Z-]*:iam::\d{12}:role/.*",
            r"arn:[^:]+:iam::\d{12}:role/.*",
            r"(?i)arn:aws:iam::\d{12}:role/.*",
            r"arn:aws:iam::\d+:role/.*",
        ] {
            assert!(
                arn_with_account_field(pinned).is_some_and(|s| s.start == "role/"),
                "{pinned}"
            );
        }
        for other in [
            "arn:aws:iam::.*:role/.*",
            r"arn:aws:iam::\d{12}:role/x|.*",
            r"arn:aws.*:iam::\d{12}:role/.*",
            r"arn:aws:iam::\d{12}",
            r".*arn:aws:iam::\d{12}:role/.*",
            r"arn:aws:sts::\d{12}:assumed-role/.*",
            r"arn:aws:iam::\d{12}.*:role/.*",
            r"arn:aws:iam::\d{12}:role/\(x|.*",
            r"^arn:aws:iam::(\d{12}:role/[\w+=,.@/-]+|\*:role/[\w+=,.@/-]+)$",
            r"arn:aws:iam::\d{12}:role/[(]x|.*",
            r"arn:aws:iam::\d{12}:role/\Q(\E|.*",
        ] {
            assert_eq!(arn_with_account_field(other), None, "{other}");
        }
    }

    #[test]
    fn a_pattern_of_digits_only_is_told_apart() {
        for digits in [
            r"^\d{12}$",
            "[0-9]{12}",
            r"^(\d{12})$|^((\d{12}(,|, ))*\d{12})$",
            r"(?:\d{12},)*\d{12}",
            r"\d+",
            "^[0-9]*$",
            r"\d{10,12}",
        ] {
            assert!(holds_digits_only(digits), "{digits}");
        }
        for other in [
            r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$",
            r"\d{12}.*",
            r"[0-9]{12}|root",
            r"\d{12}|\*",
            r"[0-9*]{12}",
            r"\d{12",
            "",
            "^$",
        ] {
            assert!(!holds_digits_only(other), "{other}");
        }
    }

    #[test]
    fn a_pattern_lets_a_star_through_unless_plainly_it_cant() {
        for constrained in [
            r"^o-[a-z0-9]{10,32}$",
            r"[a-zA-Z0-9-]*",
            r"[\w+=,.@:\/-]*",
            r"^\d{12}$",
            r"[\w+=,.@-]+",
        ] {
            assert!(!pattern_admits_wildcard(constrained), "{constrained}");
        }
        for open in [
            ".*",
            r"\S+",
            r"[\x20-\x7E]+",
            "[ -~]+",
            "[!-~]{2,1224}",
            r"\p{Print}+",
            r"[\p{Punct}\w]+",
            r"[a-z\x2A]+",
            r"\Q*\E|[a-z]+",
            r"\H+",
            "[^a]",
            "[[:print:]]+",
            r"\*",
            "[*]",
            "[0-9?]{12}",
            r"[\w?]+",
            r"\?",
            "[ -?]",
            r"[]*\w-]+",
            "^[a-[^b]]+$",
            "(?x)[\\w#]\n*]",
        ] {
            assert!(pattern_admits_wildcard(open), "{open}");
        }
    }

    #[test]
    fn a_pattern_that_lets_a_star_through_only_after_the_first_slash_names_one_owner() {
        let with = |pattern: &str| {
            let node = crate::inputs::yaml::parse(&format!("{{Type: String, AllowedPattern: '{pattern}'}}"));
            names_one_owner(&node.expect("YAML").expect("a parameter"))
        };
        for one_owner in [
            r"^[A-Za-z0-9-]+/([A-Za-z0-9._-]+|\*)$",
            r"[a-z0-9-]+\/.*",
            r"^[\w-]{1,39}/[\w.*-]+$",
        ] {
            assert!(with(one_owner), "{one_owner}");
        }
        for any_owner in [
            // A wildcard, or what may hold one, before the `/`; an alternative or a group there.
            r"^([A-Za-z0-9-]+|\*)/[A-Za-z0-9._-]+$",
            r"^[A-Za-z0-9*-]+/.*$",
            r"^.+/.*$",
            r"^[^/]+/.*$",
            r"^[a-z]+/x|\*$",
            // The `/` made optional, or repeated: the owner may run on past it.
            r"^[A-Za-z0-9-]+/?[A-Za-z0-9._*-]*$",
            r"^[a-z]+/*.*$",
            r"^[a-z]+/{0}.*$",
            r"^[a-z]+/{0,1}.*$",
            r"^[a-z]+\/?.*$",
            r"^[a-z]+/??.*$",
            r"^[a-z]*/?.*$",
            r"^[a-z]+/+.*$",
            // An escaped `/` inside a class is a member of it, not the split: `*` is one too.
            r"^[a-z\/_*]+/.*$",
            r"(?x)[a-z]+/.*",
            // No `/` at all.
            r"^[A-Za-z0-9-]+$",
            "",
        ] {
            assert!(!with(any_owner), "{any_owner}");
        }
    }

    #[test]
    fn a_template_is_known_by_its_shape_however_its_text_spells_it() {
        let escaped = r#"{"Resources": {"R": {"Type": "AWS\u003a\u003aIAM\u003a\u003aRole", "Properties": {}}}}"#;
        assert!(looks_like_template(escaped), "escapes hide AWS::");
        let modules = "Resources:\n  Exec:\n    Type: MyOrg::Security::LambdaRole::MODULE\n";
        assert!(looks_like_template(modules), "a template of modules only");
        assert!(
            !looks_like_template(r#"{"name": "caf\u00e9", "Resources": []}"#),
            "no Resources mapping"
        );
        assert!(
            !looks_like_template("resources:\n  Resources: x\n"),
            "not at the top level"
        );
        let json_lines = "{\"name\": \"caf\\u00e9\"}\n{\"name\": \"b\"}\n";
        assert!(!looks_like_template(json_lines), "JSON Lines with an escape");
        // Cut short in its first resource, before any type: reading it says where it breaks.
        assert!(looks_like_template("Resources:\n  PublicRole: [\n"));
        assert!(looks_like_template("{\"Resources\": {\"PublicRole\": {"));
        assert!(
            !looks_like_template("resources:\n  Resources:\n    X: [\n"),
            "not at the top level"
        );
        assert!(
            !looks_like_template("Resources: {cpu: 2}\n"),
            "another file's Resources, read whole"
        );
    }

    #[test]
    fn one_marker_is_a_whole_marker_and_nothing_else() {
        assert!(is_one_marker("UNRESOLVED(ImportValue shared-trust)"));
        for text in [
            "UNRESOLVED(",
            "UNRESOLVED()",
            "x UNRESOLVED(Ref A)",
            "UNRESOLVED(Ref A):x",
            "UNRESOLVED(Ref A)UNRESOLVED(Ref B)",
        ] {
            assert_eq!(is_one_marker(text), text == "UNRESOLVED()", "{text}");
        }
        assert_eq!(parent_parameter_in("UNRESOLVED(Ref RoleArn)"), Some("RoleArn"));
        assert_eq!(
            parent_parameter_in("arn:aws:iam::111122223333:role/app/UNRESOLVED(Ref Name)"),
            Some("Name")
        );
        for text in [
            "UNRESOLVED(",
            "arn:aws:iam::UNRESOLVED(Ref A):role/UNRESOLVED(Ref B)",
            "arn:aws:s3:::UNRESOLVED(Ref B)",
            "x-UNRESOLVED(Ref B)",
        ] {
            assert_eq!(parent_parameter_in(text), None, "{text}");
        }
    }

    #[test]
    fn stack_sets_nested_in_stack_sets_stop_at_a_depth() {
        let role = r#"{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}}}}}"#;
        let nest = |depth: usize| {
            (0..depth).fold(role.to_owned(), |body, _| {
                serde_json::json!({"Resources": {"Set": {"Type": STACK_SET, "Properties": {"TemplateBody": body}}}})
                    .to_string()
            })
        };
        let read = |text: &str| {
            let root = yaml::parse(text).unwrap().unwrap();
            Template::new("t.json", &root, &StackOptions::default())?.roles()
        };
        let within = read(&nest(MAX_STACK_SET_DEPTH)).unwrap();
        assert_eq!(within.roles.len(), 1);
        let err = read(&nest(MAX_STACK_SET_DEPTH + 1)).unwrap_err().to_string();
        assert!(err.contains("nest deeper than 8 levels"), "{err}");
    }

    fn roles(text: &str) -> Scanned {
        let root = yaml::parse(text).unwrap().unwrap();
        let options = StackOptions {
            account_id: Some("111122223333".into()),
            region: "eu-west-1".into(),
            region_given: true,
            parameters: vec![("Trusted".into(), "444455556666".into())],
            defaults: Vec::new(),
            secrets: Vec::new(),
            stack_set_depth: 0,
            stack_sets: Default::default(),
        };
        Template::new("t.yaml", &root, &options).unwrap().roles().unwrap()
    }

    #[test]
    fn a_nested_stack_is_noted_not_passed_over() {
        let scanned = roles(
            "Resources:\n  Network:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ./network.yaml}\n  Auth:\n    Type: AWS::Serverless::Application\n    Properties: {Location: ./auth.yaml}\n",
        );
        assert!(scanned.roles.is_empty());
        assert_eq!(scanned.notes.len(), 2, "{:?}", scanned.notes);
        assert!(
            scanned.notes[0].contains("Network is a nested stack"),
            "{:?}",
            scanned.notes
        );
        assert!(
            scanned.notes[1].contains("AWS::Serverless::Application"),
            "{:?}",
            scanned.notes
        );
    }

    #[test]
    fn roles_functions_and_generated_roles() {
        let scanned = roles(
            "Resources:
  Shared:
    Type: AWS::IAM::Role
    Properties:
      RoleName: shared
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  A:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: a, Role: !GetAtt Shared.Arn}
  B:
    Type: AWS::Serverless::Function
    Properties: {Role: !Sub 'arn:aws:iam::${AWS::AccountId}:role/shared'}
  C:
    Type: AWS::Serverless::Function
    Properties: {Tags: {team: x}}
  D:
    Type: AWS::Serverless::Function
    Properties: {Role: 'arn:aws:iam::999999999999:role/elsewhere'}
",
        );
        let names: Vec<&str> = scanned.roles.iter().map(|r| r.origin.name.as_str()).collect();
        assert_eq!(names, ["Shared", "CRole"]);
        let shared = &scanned.roles[0];
        assert_eq!(shared.origin.line, Some(2));
        assert_eq!(
            shared.role.arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/shared")
        );
        assert_eq!(
            shared.role.functions,
            ["arn:aws:lambda:eu-west-1:111122223333:function:a", "B"]
        );
        assert_eq!(shared.statement_lines, [8]);
        let generated = &scanned.roles[1];
        assert_eq!(generated.origin.line, Some(17));
        assert_eq!(generated.role.functions, ["C"]);
        assert!(generated.role.tag_keys.contains(&"team".to_owned()));
        assert!(generated.document.contains("lambda.amazonaws.com"));
        // Another template's role, if one scanned defines it (else noted when linking).
        let [elsewhere] = &scanned.imports[..] else {
            panic!("{:?}", scanned.imports.iter().map(|i| &i.export).collect::<Vec<_>>());
        };
        assert_eq!(elsewhere.export, "arn:aws:iam::999999999999:role/elsewhere");
        assert!(elsewhere
            .unlinked
            .contains("D uses the role arn:aws:iam::999999999999:role/elsewhere"));
    }

    #[test]
    fn statement_lines_skip_statements_left_out() {
        let scanned = roles(
            "Parameters:
  Trusted: {Type: String}
Conditions:
  Never: !Equals [a, b]
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - !If [Never, {Effect: Allow}, !Ref AWS::NoValue]
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:aws:iam::${Trusted}:root'}
            Action: sts:AssumeRole
",
        );
        let role = &scanned.roles[0];
        assert_eq!(role.statement_lines, [12]);
        assert!(role.document.contains("arn:aws:iam::444455556666:root"));
        assert!(role.notes.is_empty(), "{:?}", role.notes);
    }

    #[test]
    fn metadata_skip_is_checked() {
        let base = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Metadata:\n      trustcheck: ";
        let ok = roles(&format!("{base}{{skip: [TRUST_PUBLIC], reason: demo}}\n"));
        assert_eq!(
            ok.roles[0].skip,
            Some(Skip {
                ids: vec![FindingId::TrustPublic],
                reason: "demo".into()
            })
        );
        let root = |extra: &str| yaml::parse(&format!("{base}{extra}\n")).unwrap().unwrap();
        let options = StackOptions::default();
        for (extra, expected) in [
            ("{skip: [NOPE], reason: x}", "unknown finding id \"NOPE\""),
            ("{skip: TRUST_PUBLIC}", "needs a reason"),
            ("{skip: [], reason: x}", "names no finding id"),
            ("{skip: [TRUST_PUBLIC], reason: x, until: y}", "unknown key \"until\""),
        ] {
            let root = root(extra);
            let err = Template::new("t.yaml", &root, &options)
                .unwrap()
                .roles()
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("t.yaml:5:") && err.contains(expected), "{err}");
        }
    }
}
