//! CloudFormation intrinsic functions in the values trustcheck reads from a template (trust
//! policies, role and function names, tags): resolved as the stack would resolve them where the
//! template alone says what they become, and an opaque marker where it doesn't. The marker matches
//! no wildcard and parses as no account or ARN, so an unknown value never makes a policy look safe
//! or public by accident; each one is noted on the role it appears in.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value as Json};

use super::yaml::{Entry, Node, Value};

/// An org-formation function written as text (`"Fn::EnumTargetAccounts Binding '${account}'"`),
/// which its tool replaces with the quoted template written once for each account (or region) of
/// the binding before CloudFormation reads the template.
struct OrgFormationExpression<'t> {
    function: &'t str,
    binding: &'t str,
    /// `${account}` when none is quoted.
    template: &'t str,
}

/// The org-formation function `text` is, or `None` for any other text.
fn org_formation_function(text: &str) -> Option<OrgFormationExpression<'_>> {
    ["Fn::EnumTargetAccounts", "Fn::EnumTargetRegions"]
        .into_iter()
        .find_map(|function| {
            let rest = text.strip_prefix(function)?.strip_prefix(' ')?.trim_start();
            let (binding, rest) = match rest.starts_with('\'') {
                true => ("", rest),
                false => rest.split_once(char::is_whitespace).unwrap_or((rest, "")),
            };
            // Quoted (`'arn:aws:iam::${account}:root'`) or not (`arn:aws:iam::${account}:root`, as its
            // guide writes it); none is `${account}`.
            let rest = rest.trim();
            let template = match rest.strip_prefix('\'') {
                Some(quoted) => quoted.split_once('\'').map_or(quoted, |(template, _)| template),
                None if rest.is_empty() => "${account}",
                None => rest,
            };
            Some(OrgFormationExpression {
                function,
                binding,
                template,
            })
        })
}

/// What `Ref` and `Fn::GetAtt X.Arn` give for a resource of the template; `None` when the template
/// doesn't say (CloudFormation generates the name).
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceValues {
    pub ref_value: Option<String>,
    pub arn: Option<String>,
}

/// What the template alone knows about the stack it would create.
#[derive(Debug, Default)]
pub(crate) struct Stack<'t> {
    pub account: String,
    pub region: String,
    /// Parameter values: `--parameter` overrides, else the `Default`.
    pub parameters: HashMap<String, Json>,
    /// The `Ref`s whose values the user gave (`--parameter`, `--account-id`, `--region`): only
    /// these decide a condition. A default or a stand-in is one deployment's value, and a
    /// condition exists to tell deployments apart.
    pub given: HashSet<String>,
    pub resources: HashMap<String, ResourceValues>,
    pub mappings: Option<&'t Node>,
    pub conditions: Option<&'t Node>,
    /// The other values a parameter not given may take (its `AllowedValues` besides the default):
    /// each one is a deployment too.
    pub alternatives: HashMap<String, Vec<Json>>,
    /// CDK's `CfnJson` custom resources (`Custom::AWSCDKCfnJson`) by logical id: the `Value`
    /// property, JSON text whose `Fn::GetAtt [id, Value]` is the parsed value (how CDK writes a
    /// condition whose keys hold a token, an EKS cluster's OIDC issuer for IRSA).
    pub cdk_json: HashMap<String, &'t Node>,
    /// The template's own SSM parameters (`AWS::SSM::Parameter`) by logical id: their `Value`
    /// property, which `Fn::GetAtt [id, Value]` returns as the template writes it.
    pub ssm_values: HashMap<String, &'t Node>,
    /// The names the `Parameters` section declares, with a value here or not.
    pub declared: HashSet<String>,
    /// The declared parameters whose value CloudFormation reads from an SSM parameter when it
    /// deploys (`Type: AWS::SSM::Parameter::Value<…>`), with that parameter's name (`Default`).
    pub from_ssm: HashMap<String, String>,
    /// The declared parameters whose type or `AllowedPattern` allows no wildcard (a number, an
    /// AWS-specific type such as `AWS::EC2::VPC::Id`): one left unknown is marked
    /// `Ref NAME constrained`, which the engine doesn't take for a `*` the deployer may pass.
    pub constrained: HashSet<String>,
    /// The other declared parameters whose `AllowedPattern` lets a wildcard through only after the
    /// value's first `/` (`OWNER/*`): marked `Ref NAME owner`, an owner the deployer names.
    pub named_owner: HashSet<String>,
    /// Of those, the parameters whose `AllowedPattern` lets through account ids only (one, or a
    /// list: `^(\d{12}(,|, ))*\d{12}$`): marked `Ref NAME account`, any account the deployer
    /// passes.
    pub accounts: HashSet<String>,
    /// The declared parameters whose `AllowedPattern` is of ARNs with a 12-digit account field
    /// (`arn:aws:iam::[0-9]{12}:role/.*`): the ARN's text before that field, the literal start
    /// of the rest (`role/`), and whether the pattern after it lets no `*` through. One left
    /// unknown reads as that ARN with the account (`Ref NAME account`) and the rest after its
    /// start (`Ref NAME`, or `Ref NAME constrained`) unknown: some account's principals, not
    /// anyone's.
    pub account_arns: HashMap<String, ArnShape>,
    /// The template names a `Transform` (SAM, a macro), which may add resources of its own
    /// (`ServerlessRestApi`, a state machine's role).
    pub transformed: bool,
    /// The EKS clusters the template makes (`AWS::EKS::Cluster`, CDK's
    /// `Custom::AWSCDK-EKS-Cluster`), by logical id: their OIDC issuer is an EKS issuer whose id
    /// exists only once the cluster does ([`trustcheck::template_eks_issuer`]).
    pub eks_clusters: HashSet<String>,
}

impl Stack<'_> {
    /// The region, when the scan was given it (`--region`); not the one that stands in for it.
    pub fn given_region(&self) -> Option<&str> {
        self.given.contains("AWS::Region").then_some(self.region.as_str())
    }
}

/// Item `index` of a value a template leaves to parameters (`UNRESOLVED(Ref P account)`, or an
/// ARN made of such markers): each `Ref P` named `Ref P.INDEX` (`P.n` for an index not known),
/// so that it is told apart from the whole and from the other items. `None` for any other value.
fn item_of_parameter(value: &str, index: Option<usize>) -> Option<String> {
    let whole = value
        .strip_prefix(trustcheck::OPAQUE_PREFIX)
        .is_some_and(|rest| rest.starts_with("Ref "));
    let made_of = value.starts_with("arn:") && value.contains(&format!("{}Ref ", trustcheck::OPAQUE_PREFIX));
    if !(whole || made_of) {
        return None;
    }
    let index = index.map_or_else(|| "n".to_owned(), |i| i.to_string());
    let marker = format!("{}Ref ", trustcheck::OPAQUE_PREFIX);
    let mut out = String::with_capacity(value.len() + 8);
    let mut rest = value;
    while let Some(at) = rest.find(&marker) {
        let (before, from) = rest.split_at(at + marker.len());
        out.push_str(before);
        // The parameter's name runs to a space (its tag) or the marker's end.
        let end = from.find([' ', ')']).unwrap_or(from.len());
        out.push_str(&from[..end]);
        out.push('.');
        out.push_str(&index);
        rest = &from[end..];
    }
    out.push_str(rest);
    Some(out)
}

/// How a parameter's `AllowedPattern` of IAM ARNs whose account field holds digits only shapes
/// its values (`arn:aws:iam::[0-9]{12}:role/.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnShape {
    /// The partition written out (`aws`); `None` for one the pattern leaves open.
    pub partition: Option<String>,
    /// A partition left to the pattern may hold a wildcard (`[^:]+`), not only some of several
    /// (`(aws|aws-cn)`).
    pub partition_open: bool,
    /// What the rest after the account surely starts with (`role/`).
    pub start: String,
    /// The rest lets no wildcard through.
    pub rest_constrained: bool,
}

/// Resolves values against one stack, collecting what it could not resolve.
pub(crate) struct Resolver<'s, 't> {
    stack: &'s Stack<'t>,
    /// One line per value left opaque, or per assumption made (a condition taken as true).
    pub unresolved: Vec<String>,
    /// Each named condition decided once: conditions may refer to each other, in a cycle or a
    /// chain that doubles at each step (`A: !Or [!Condition B, !Condition B]`). A condition
    /// still being decided reads as undecidable, which ends a cycle.
    decided: HashMap<String, Option<bool>>,
    /// Resolving a `Mappings` value: CloudFormation allows no intrinsic there, and a
    /// `FindInMap` in one could refer to itself.
    in_mapping: bool,
    /// A value the user did not give (a default, the stand-in account) went into what is being
    /// resolved: a comparison of it decides nothing.
    assumed_value: bool,
    /// Undecidable conditions taken as true or false: one of the deployments the template allows.
    assume: HashMap<String, bool>,
    /// The conditions found undecidable (and not assumed), in the order first met.
    pub undecided: Vec<String>,
    /// The assumptions taken, in the order first taken: how the conditions went.
    pub assumed: Vec<(String, bool)>,
    /// Named conditions being decided, one inside another: a chain of thousands would overflow
    /// the stack, so beyond [`MAX_CONDITION_CHAIN`] a condition is undecidable.
    chain: usize,
    /// Each CDK `CfnJson` value read once (`None` while being read: one that holds itself is
    /// opaque), as conditions are: values that hold another one twice would double at each step.
    cdk_json_read: HashMap<String, Option<Json>>,
    /// `CfnJson` values being read, one inside another: as with conditions, a chain of thousands
    /// would overflow the stack, so beyond [`MAX_CONDITION_CHAIN`] a value is opaque.
    cdk_json_chain: usize,
    /// Bytes of text the intrinsic functions gave so far: values that references multiply (a
    /// long mapping value read a thousand times) stop at [`MAX_RESOLVED_BYTES`].
    resolved_bytes: usize,
    /// A mapping's row was picked for one deployment ([`Resolver::row_of`]) in what is being
    /// resolved: a value read from it is that deployment's, not a default to look past.
    read_a_row: bool,
}

/// What an assumed condition says of a parameter ([`Resolver::assumed_equality`]).
enum Assumed<'t> {
    Equal(&'t str),
    NotTheDefault,
}

/// Of a note on a value CloudFormation refuses (a function it lacks, a name nothing declares, a
/// list item past the end): the role fails closed on it.
pub(crate) const REFUSED_FUNCTION: &str = ": CloudFormation refuses the template: ";

/// The functions CloudFormation has in a resource's properties ("Intrinsic function reference";
/// `Fn::ForEach` and `Fn::Length` with `AWS::LanguageExtensions`, whose `Fn::ToJsonString` is
/// read on its own), and org-formation's, which it writes out before CloudFormation reads the
/// template (its text functions are read, the rest left unresolved).
const CLOUDFORMATION_FUNCTIONS: [&str; 28] = [
    "Ref",
    "Condition",
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::ForEach",
    "Fn::GetAZs",
    "Fn::GetAtt",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Length",
    "Fn::Not",
    "Fn::Or",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::Transform",
    "Fn::CopyValue",
    "Fn::EnumTargetAccounts",
    "Fn::EnumTargetRegions",
    "Fn::Include",
    "Fn::JsonString",
    "Fn::MD5",
    "Fn::ReadFile",
    "Fn::TargetCount",
];

/// The functions [`Resolver::intrinsic`] reads in each shape CloudFormation takes them in: one
/// that reaches its last arm has arguments of another shape. (Not `Ref`, which
/// `AWS::LanguageExtensions` lets take a function: one left unresolved.)
const SHAPED_HERE: [&str; 7] = [
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::FindInMap",
];

/// Marks the name of the condition "this mapping entry is the one read" (`Mappings M (Ref Env) row eu-west-1`):
/// at most one entry of a mapping is read.
pub(crate) const MAPPING_ROW: &str = " row ";
/// The key a deployment passes that a mapping lacks (its `FindInMap` reads the `DefaultValue`).
const KEY_IT_LACKS: &str = "(a key it lacks)";

/// Marks the name of the condition "this item of a list is the one selected" (`Select (Ref Tier) item 1`):
/// one item is read.
pub(crate) const SELECT_ITEM: &str = " item ";

/// Marks the name of the condition "the parameter has this allowed value" (`Parameters Env value prod`).
pub(crate) const PARAMETER_VALUE: &str = " value ";

/// An allowed value of a parameter as a way of deploying names it (after [`PARAMETER_VALUE`]).
pub(crate) fn shown_value(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// CloudFormation's limit on a parameter's value: a longer one (a default or `--parameter`) is
/// refused at deploy time, and read here it could be copied into every reference of it.
const MAX_PARAMETER_BYTES: usize = 4096;

/// The longest text `Fn::Sub` or `Fn::Join` builds here. Far beyond any IAM policy; past it the
/// text is opaque, so that a template whose references multiply a value can't take the memory.
const MAX_BUILT_BYTES: usize = 1 << 20;

/// The most text the intrinsic functions of one resolver (one role's reading) give: far beyond
/// any template CloudFormation takes (1 MB), whose values a trust policy reads.
const MAX_RESOLVED_BYTES: usize = 4 << 20;

/// How many named conditions may refer one to the next (CloudFormation sets no limit; a real
/// template nests a handful).
const MAX_CONDITION_CHAIN: usize = 64;

/// The text standing in for a value the template doesn't determine: the rule crate's, so that
/// no check mistakes it for a value IAM would refuse.
pub(crate) use trustcheck::opaque;

/// The bytes of text a value holds (a list's items, an object's keys and values, together).
fn text_bytes(value: &Json) -> usize {
    match value {
        Json::String(text) => text.len(),
        Json::Array(items) => items.iter().map(text_bytes).sum(),
        Json::Object(map) => map.iter().map(|(key, value)| key.len() + text_bytes(value)).sum(),
        _ => 0,
    }
}

impl<'s, 't> Resolver<'s, 't> {
    pub fn new(stack: &'s Stack<'t>) -> Self {
        Resolver {
            stack,
            unresolved: Vec::new(),
            decided: HashMap::new(),
            in_mapping: false,
            assumed_value: false,
            assume: HashMap::new(),
            undecided: Vec::new(),
            assumed: Vec::new(),
            chain: 0,
            cdk_json_read: HashMap::new(),
            cdk_json_chain: 0,
            resolved_bytes: 0,
            read_a_row: false,
        }
    }

    /// A resolver that takes each condition of `assume` as given when the template can't decide it.
    pub fn assuming(stack: &'s Stack<'t>, assume: HashMap<String, bool>) -> Self {
        Resolver {
            assume,
            ..Resolver::new(stack)
        }
    }

    /// The conditions this resolver takes as given.
    pub fn assumptions(&self) -> &HashMap<String, bool> {
        &self.assume
    }

    /// A resolver on the same stack and deployment (the conditions it assumes) with notes of its
    /// own, for a look that should leave none.
    pub fn fork(&self) -> Resolver<'s, 't> {
        Resolver {
            assume: self.assume.clone(),
            ..Resolver::new(self.stack)
        }
    }

    /// The JSON the stack would hand the resource. `None` for `AWS::NoValue` (the key or element
    /// is then left out).
    pub fn value(&mut self, node: &Node) -> Option<Json> {
        match &node.value {
            Value::Null => Some(Json::Null),
            Value::Scalar(text) => match org_formation_function(text) {
                Some(expression) => Some(Json::String(self.org_formation_expansion(&expression))),
                None => Some(Json::String(self.dynamic_references(text.clone()))),
            },
            Value::Seq(items) => Some(Json::Array(items.iter().filter_map(|n| self.value(n)).collect())),
            Value::Map(entries) => {
                if let Some((name, arg)) = node.intrinsic() {
                    return self.call(name, arg);
                }
                if entries.iter().any(|e| e.key == "Fn::Transform") {
                    // The macro is handed the whole mapping, siblings included, and its output
                    // replaces it: what deploys is unknown.
                    let marker = self.unknown_because("Transform", " (its output replaces the mapping it is in)");
                    return Some(Json::String(marker));
                }
                let mut map = Map::new();
                for entry in entries {
                    if let Some(value) = self.value(&entry.value) {
                        map.insert(entry.key.clone(), value);
                    }
                }
                Some(Json::Object(map))
            }
        }
    }

    /// The value as text; `None` when it is `AWS::NoValue`. Lists and objects are opaque.
    pub fn string(&mut self, node: &Node) -> Option<String> {
        let value = self.value(node)?;
        Some(self.text_of(value, "a list or object where text was expected"))
    }

    /// The value as text when it is fully known (no opaque part): names, tag values.
    pub fn known_string(&mut self, node: &Node) -> Option<String> {
        let before = self.unresolved.len();
        let text = self.string(node);
        if self.unresolved.len() > before {
            self.unresolved.truncate(before);
            return None;
        }
        text
    }

    /// The value as text when every deployment gives it alike: known, and decided by nothing left
    /// to a default (a parameter's `Default`, the mapping row one picks). Exemption tags.
    pub fn settled_string(&mut self, node: &Node) -> Option<String> {
        let before = std::mem::replace(&mut self.assumed_value, false);
        let text = self.known_string(node);
        let assumed = std::mem::replace(&mut self.assumed_value, before);
        text.filter(|_| !assumed)
    }

    fn text_of(&mut self, value: Json, what: &str) -> String {
        match value {
            Json::String(text) => text,
            Json::Null => String::new(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.to_string(),
            Json::Array(_) | Json::Object(_) => self.unknown(what),
        }
    }

    /// Item `index` of `!Split [D, TEXT]` as split ([`split_outside_unknowns`]), as written while
    /// no unknown before it may hold D. From an unknown that may (a parameter, the stack's name
    /// split at `-`), which text is which item is no longer known: that unknown's item ends at it
    /// (what follows may be a later item's), and an item written after it is unknown. An item
    /// that holds an unknown keeps it (a part of a parameter's value is the deployer's, as an
    /// ARN parameter's account field is).
    fn split_item(&mut self, split: &Node, index: usize, item: Json) -> Json {
        let (Value::Seq(args), Json::String(text)) = (&split.value, &item) else {
            return item;
        };
        let [delimiter, source] = &args[..] else {
            return item;
        };
        let mut fork = self.fork();
        let (Some(delimiter), Some(source)) = (fork.string(delimiter), fork.string(source)) else {
            return item;
        };
        let first = match trustcheck::holds_opaque(&delimiter) {
            true => Some(0),
            false => (split_outside_unknowns(&source, &delimiter).iter())
                .position(|piece| unknown_holding(piece, &delimiter).is_some()),
        };
        let written = !trustcheck::holds_opaque(text);
        match first.map(|first| index.cmp(&first)) {
            Some(std::cmp::Ordering::Equal) if !written => match unknown_holding(text, &delimiter) {
                Some((_, end)) => Json::String(text[..end].to_owned()),
                None => item,
            },
            Some(std::cmp::Ordering::Equal | std::cmp::Ordering::Greater) if written => {
                Json::String(self.unknown("Select of a Split item at or after a value that may hold its delimiter"))
            }
            _ => item,
        }
    }

    fn unknown(&mut self, what: &str) -> String {
        self.unknown_because(what, "")
    }

    /// A value of a template CloudFormation refuses (`why`): noted so, which fails the role closed
    /// ([`REFUSED_FUNCTION`]), and opaque.
    fn refused(&mut self, what: &str, why: &str) -> String {
        self.unresolved.push(format!("{what}{REFUSED_FUNCTION}{why}"));
        opaque(what)
    }

    /// The marker names `what`; the note adds `why`.
    fn unknown_because(&mut self, what: &str, why: &str) -> String {
        self.unresolved.push(format!("{what} is unresolved{why}"));
        opaque(what)
    }

    /// An org-formation expression's template with its variables as the deployer's values: each
    /// account of the binding (`${account}`) as a parameter of account ids, anything else as a
    /// parameter of any value; noted once. The rest of the template stays as written (`'*'` is
    /// everyone, in every account).
    fn org_formation_expansion(&mut self, expression: &OrgFormationExpression) -> String {
        if !expression.template.contains("${") {
            return expression.template.to_owned();
        }
        let binding = match expression.binding {
            "" => "binding",
            named => named,
        };
        let account = self.unknown_because(
            &format!("Ref {binding} account"),
            &format!(
                " (org-formation's {} writes each account or region of that binding there before CloudFormation reads the template)",
                expression.function
            ),
        );
        let other = opaque(&format!("Ref {binding}"));
        // org-formation's own variables (the account and its attributes, the region) it writes
        // itself; any other it leaves to CloudFormation, in a `Fn::Sub` (`${AWS::AccountId}`).
        let own = [
            ("${account}", &account),
            ("${AccountId}", &account),
            ("${region}", &other),
            ("${AccountName}", &other),
            ("${RootEmail}", &other),
            ("${LogicalId}", &other),
        ];
        let out = (own.iter()).fold(expression.template.to_owned(), |text, (variable, value)| {
            text.replace(variable, value)
        });
        self.sub(&out, &[])
    }

    fn unknown_json(&mut self, what: &str) -> Option<Json> {
        Some(Json::String(self.unknown(what)))
    }

    /// An intrinsic function's value, counted against [`MAX_RESOLVED_BYTES`]: past it, opaque.
    fn call(&mut self, name: &str, arg: &Node) -> Option<Json> {
        if self.resolved_bytes > MAX_RESOLVED_BYTES {
            return self.unknown_json("a value past the 4 MiB of values read for one role");
        }
        let value = self.intrinsic(name, arg)?;
        self.resolved_bytes = self.resolved_bytes.saturating_add(text_bytes(&value));
        if self.resolved_bytes > MAX_RESOLVED_BYTES {
            return self.unknown_json("a value past the 4 MiB of values read for one role");
        }
        Some(value)
    }

    fn intrinsic(&mut self, name: &str, arg: &Node) -> Option<Json> {
        let short = name.trim_start_matches("Fn::");
        match (name, &arg.value) {
            ("Ref", Value::Scalar(target)) => self.reference(target),
            // `AWS::LanguageExtensions` lets a function name what is referred to
            // (`!Ref {Fn::Sub: "${Stage}TrustedAccount"}`): the name it gives, when known.
            ("Ref", Value::Map(_)) if self.stack.transformed => match self.known_string(arg) {
                Some(target) => self.reference(&target),
                None => self.unknown_json("Ref of a name the template does not give"),
            },
            ("Fn::GetAtt", Value::Scalar(dotted)) => match dotted.split_once('.') {
                Some((resource, attribute)) => Some(self.get_att(resource, attribute)),
                None => self.unknown_json(&format!("GetAtt {dotted}")),
            },
            ("Fn::GetAtt", Value::Seq(parts)) if parts.len() == 2 => {
                let resource = self.string(&parts[0]).unwrap_or_default();
                let attribute = self.string(&parts[1]).unwrap_or_default();
                Some(self.get_att(&resource, &attribute))
            }
            ("Fn::Sub", Value::Scalar(template)) => Some(Json::String(self.sub(template, &[]))),
            ("Fn::Sub", Value::Seq(parts)) if parts.len() == 2 => {
                let vars = parts[1].as_map().unwrap_or_default();
                match parts[0].as_str() {
                    Some(template) => Some(Json::String(self.sub(template, vars))),
                    None => self.unknown_json("Sub with a template that is not text"),
                }
            }
            ("Fn::Join", Value::Seq(parts)) if parts.len() == 2 => {
                let delimiter = self.string(&parts[0]).unwrap_or_default();
                match self.value(&parts[1]) {
                    Some(Json::Array(items)) => {
                        let mut joined = String::new();
                        for (i, item) in items.into_iter().enumerate() {
                            if i > 0 {
                                joined.push_str(&delimiter);
                            }
                            joined.push_str(&self.text_of(item, "a Join element that is not text"));
                            if joined.len() > MAX_BUILT_BYTES {
                                return self.unknown_json("Join of text past 1 MiB");
                            }
                        }
                        Some(Json::String(joined))
                    }
                    // Text where the list is (`!Join [":", "a"]`): CloudFormation refuses it.
                    Some(Json::String(_)) if matches!(parts[1].value, Value::Scalar(_)) => {
                        Some(Json::String(self.refused("Fn::Join", "it joins text, not a list")))
                    }
                    _ => self.unknown_json("Join of a list the template does not give"),
                }
            }
            // `AWS::LanguageExtensions`: the number of items, as text, as the template writes
            // the number it is compared with (`!Equals [!Length [a, b], 2]`). A list written
            // around a list (`!Length [!Ref Accounts]`) is one item or the inner list's count
            // (the reference doesn't say which): unknown, so each way is checked.
            // An item the template leaves undetermined (a parameter without a value, split into
            // one marker) may be any number of items: unknown too.
            ("Fn::Length", _) => match self.value(arg) {
                Some(Json::Array(items))
                    if (!items.iter().any(Json::is_array) || !matches!(arg.value, Value::Seq(_)))
                        && !items.iter().any(|item| {
                            item.as_str()
                                .is_some_and(|text| text.contains(trustcheck::OPAQUE_PREFIX))
                        }) =>
                {
                    Some(Json::String(items.len().to_string()))
                }
                _ => self.unknown_json("Length of a list the template does not give"),
            },
            ("Fn::Select", Value::Seq(parts)) if parts.len() == 2 => {
                let before = std::mem::replace(&mut self.assumed_value, false);
                let row_before = std::mem::replace(&mut self.read_a_row, false);
                let index = self.known_string(&parts[0]);
                let assumed = std::mem::replace(&mut self.assumed_value, before);
                let from_a_row = std::mem::replace(&mut self.read_a_row, row_before);
                self.assumed_value |= assumed;
                self.read_a_row |= from_a_row;
                let index = index.and_then(|i| i.trim().parse::<usize>().ok());
                match self.value(&parts[1]) {
                    Some(Json::Array(mut items)) => {
                        // An index the template doesn't give, or a default: each item is a way
                        // the deployment can go, as a mapping's rows are. One read from a
                        // mapping's row is already one deployment's.
                        let index = match index {
                            Some(i) if !assumed || from_a_row => i,
                            _ if items.is_empty() => 0,
                            _ => self.item_of(&items, index, &parts[0]),
                        };
                        if index < items.len() {
                            let item = items.swap_remove(index);
                            return Some(match parts[1].get("Fn::Split") {
                                Some(split) => self.split_item(split, index, item),
                                None => item,
                            });
                        }
                        // A list written out in the template, and an index it gives: past the end,
                        // CloudFormation refuses the template ("cannot select nonexistent value").
                        if matches!(parts[1].value, Value::Seq(_)) && !assumed {
                            return Some(Json::String(self.refused(
                                "Fn::Select",
                                &format!(
                                    "index {index} of a list of {} written here (\"cannot select nonexistent value\")",
                                    items.len()
                                ),
                            )));
                        }
                        // Past the one item a value the template doesn't give splits into
                        // (`!Select [4, !Split [":", !Ref RoleArn]]`): a part of the deployer's value.
                        if let [Json::String(whole)] = &items[..] {
                            if let Some(item) = item_of_parameter(whole, Some(index)) {
                                return Some(Json::String(item));
                            }
                        }
                    }
                    // An item of a list parameter the template doesn't give is the deployer's, as
                    // the list is: it reads as the list does, named apart from it and the other
                    // items (a Deny of one item covers no Allow of another, nor of the list).
                    Some(Json::String(list))
                        if (parts[1].intrinsic()).is_some_and(|(name, arg)| {
                            name == "Ref" && arg.as_str().is_some_and(|p| self.stack.declared.contains(p))
                        }) =>
                    {
                        if let Some(item) = item_of_parameter(&list, index) {
                            return Some(Json::String(item));
                        }
                    }
                    _ => {}
                }
                self.unknown_json("Select from a list the template does not give")
            }
            ("Fn::Split", Value::Seq(parts)) if parts.len() == 2 => {
                let delimiter = self.string(&parts[0]).unwrap_or_default();
                let source = self.string(&parts[1]).unwrap_or_default();
                if delimiter.is_empty() {
                    return self.unknown_json("Split with an empty delimiter");
                }
                // Never inside an unknown's own text (`UNRESOLVED(ImportValue team-app)` split at
                // `-` would give `app)`). An unknown that may hold the delimiter stands for the
                // items it makes, which keep their kind (a parameter's), beside the items written
                // (a `*` after them is still there); an index past it may name another item.
                let items: Vec<Json> = split_outside_unknowns(&source, &delimiter)
                    .into_iter()
                    .map(Json::String)
                    .collect();
                Some(Json::Array(items))
            }
            ("Fn::If", Value::Seq(parts)) if parts.len() == 3 => {
                let condition = parts[0].as_str().unwrap_or_default();
                match self.condition(condition) {
                    Some(true) => self.value(&parts[1]),
                    Some(false) => self.value(&parts[2]),
                    None => {
                        self.unresolved.push(format!(
                            "condition {condition} can't be decided from what was given (pass the parameters it rests on, --account-id or --region): each of its branches is checked"
                        ));
                        self.value(&parts[1])
                    }
                }
            }
            // With `AWS::LanguageExtensions`, a fourth argument `{DefaultValue: …}` is the value
            // for keys the mapping doesn't have.
            ("Fn::FindInMap", Value::Seq(parts))
                if parts.len() == 3 || (parts.len() == 4 && parts[3].get("DefaultValue").is_some()) =>
            {
                if self.in_mapping {
                    // Read again inside a mapping's entry, it could go on for ever.
                    return self.unknown_json("FindInMap inside Mappings, which CloudFormation does not allow");
                }
                let default = parts.get(3).and_then(|p| p.get("DefaultValue"));
                // Each key, and whether it is a value the user did not give (a default, the
                // default region): then the row it picks is one deployment's.
                let mut keys: Vec<(Option<String>, bool)> = parts[..3]
                    .iter()
                    .map(|p| {
                        let before = std::mem::replace(&mut self.assumed_value, false);
                        let key = self.known_string(p);
                        let assumed = std::mem::replace(&mut self.assumed_value, before);
                        self.assumed_value |= assumed;
                        (key, assumed)
                    })
                    .collect();
                if let Some(map) = keys[0].0.clone() {
                    // A key the scan can't know (no default, the stack's name, an SSM parameter):
                    // some entry is read, so each one is checked, as for a key left to a default.
                    if keys[1].0.is_none() {
                        keys[1] = (self.first_key(&map, None), true);
                        self.assumed_value = true;
                    }
                    if let Some(mut top) = keys[1].0.clone() {
                        if keys[1].1 {
                            top = self.row_of(&map, None, top, &parts[1], default.is_some());
                        }
                        if keys[2].0.is_none() {
                            keys[2] = (self.first_key(&map, Some(&top)), true);
                            self.assumed_value = true;
                        }
                        if let Some(mut second) = keys[2].0.clone() {
                            if keys[2].1 {
                                second = self.row_of(&map, Some(&top), second, &parts[2], default.is_some());
                            }
                            keys[2].0 = Some(second);
                        }
                        keys[1].0 = Some(top);
                    }
                }
                let found = match (&keys[0].0, &keys[1].0, &keys[2].0) {
                    (Some(map), Some(top), Some(second)) => self
                        .stack
                        .mappings
                        .and_then(|m| m.get(map))
                        .and_then(|m| m.get(top))
                        .and_then(|m| m.get(second)),
                    _ => None,
                };
                match found {
                    Some(_) if self.in_mapping => {
                        self.unknown_json("FindInMap inside Mappings, which CloudFormation does not allow")
                    }
                    Some(node) => {
                        self.in_mapping = true;
                        let value = self.value(node);
                        self.in_mapping = false;
                        value
                    }
                    None => match default {
                        Some(default) if keys.iter().all(|(key, _)| key.is_some()) => self.value(default),
                        _ => self.unknown_json("FindInMap with keys the template does not give"),
                    },
                }
            }
            ("Fn::ToJsonString", _) => {
                let value = self.value(arg)?;
                Some(Json::String(value.to_string()))
            }
            _ => {
                let detail = arg.as_str().map(|a| format!(" {a}")).unwrap_or_default();
                // CloudFormation deploys no template with a function it lacks (a slip such as
                // `!GetAttr`, a tool's own `!Rain::Constant`) or with one's arguments in another
                // shape (`!If` of two): the role fails closed rather than be judged on a value
                // no deployment has.
                let shaped = SHAPED_HERE.contains(&name);
                if shaped || !CLOUDFORMATION_FUNCTIONS.contains(&name) {
                    let why = match shaped {
                        true => "its arguments are not as CloudFormation takes them",
                        false => "CloudFormation has no such function (\"Encountered unsupported function\"); a tool's own (rain's, a macro's) is resolved in what it writes, which is what to scan",
                    };
                    self.unresolved.push(format!("{name}{detail}{REFUSED_FUNCTION}{why}"));
                    return Some(Json::String(opaque(short)));
                }
                self.unknown_json(&format!("{short}{detail}"))
            }
        }
    }

    /// The first key of mapping `map` (its top level, or the second under `top`).
    fn first_key(&self, map: &str, top: Option<&str>) -> Option<String> {
        let mapping = self.stack.mappings?.get(map)?;
        let level = match top {
            Some(top) => mapping.get(top)?,
            None => mapping,
        };
        level.as_map()?.first().map(|entry| entry.key.clone())
    }

    /// The key of mapping `map` (its top level, or the second under `top`) to read, when the key
    /// the template gives (`assumed`) is one deployment's value: each other key whose row reads
    /// differently is a way the deployment can go, an undecidable condition named after it, and
    /// the first one taken as true picks its row. So every row is checked, as a condition's
    /// branches are.
    fn row_of(&mut self, map: &str, top: Option<&str>, assumed: String, key: &Node, fallback: bool) -> String {
        self.read_a_row = true;
        // The parameter (or pseudo parameter) the key is, if it is one.
        let referenced = match key.intrinsic() {
            Some(("Ref", target)) => target.as_str(),
            // `!Sub "${P}"` is `!Ref P`.
            Some(("Fn::Sub", text)) => (text.as_str())
                .and_then(|t| t.strip_prefix("${")?.strip_suffix('}'))
                .filter(|name| !name.contains(['$', '{', '}', '.'])),
            _ => None,
        };
        // Keyed by a parameter whose allowed values are gone through one by one: each of them
        // reads its own row already (a value it isn't allowed, CloudFormation refuses).
        if referenced.is_some_and(|name| self.stack.alternatives.contains_key(name)) {
            return assumed;
        }
        let Some(mapping) = self.stack.mappings.and_then(|m| m.get(map)) else {
            return assumed;
        };
        let level = match top {
            Some(top) => mapping.get(top),
            None => Some(mapping),
        };
        let Some(rows) = level.and_then(Node::as_map) else {
            return assumed;
        };
        let read = |resolver: &Resolver, key: &str| -> Option<Json> {
            let mut look = resolver.fork();
            look.in_mapping = true;
            look.value(&rows.iter().find(|e| e.key == key)?.value)
        };
        let mut seen = vec![read(self, &assumed)];
        let mut others = Vec::new();
        // An entry reading as another stands for it (`others` holds one key per reading), except
        // at the second level, whose entries are one choice under every first-level entry: a
        // key must mean itself there, whichever entry reads the same under this one.
        for row in rows {
            let value = read(self, &row.key);
            if row.key != assumed && (top.is_some() || !seen.contains(&value)) {
                seen.push(value);
                others.push(row.key.as_str());
            }
        }
        // With a `DefaultValue`, a key the mapping lacks is a way too: it reads the default.
        if fallback {
            others.push(KEY_IT_LACKS);
        }
        // What picks the row: lookups keyed by the same parameter read the same row in a
        // deployment; lookups keyed otherwise (another parameter) may read another.
        let by = match referenced {
            Some(name) => format!("Ref {name}"),
            None => format!("line {} column {}", key.pos.line, key.pos.column),
        };
        // The second level's entries are one choice whatever the first level's entry: the same
        // key picks them all (a stage read in whichever region's entry).
        let group = match top {
            Some(_) => format!("Mappings {map} second level ({by})"),
            None => format!("Mappings {map} ({by})"),
        };
        // Each entry is a condition of the scan's: with more than it checks, the role fails
        // closed, and the note says to pass the value.
        for key in others {
            if self.taken(format!("{group}{MAPPING_ROW}{key}")) {
                return key.to_owned();
            }
        }
        assumed
    }

    /// The item of `items` a `Fn::Select` reads when its index is not settled (`assumed`: the
    /// index a default gives, if any): each other item that reads differently is a way the
    /// deployment can go, an undecidable condition named after it, as [`Resolver::row_of`]
    /// makes of a mapping's rows. An index gone through by its allowed values is settled there.
    fn item_of(&mut self, items: &[Json], assumed: Option<usize>, index: &Node) -> usize {
        let referenced = match index.intrinsic() {
            Some(("Ref", target)) => target.as_str(),
            _ => None,
        };
        let assumed = assumed.filter(|i| *i < items.len()).unwrap_or(0);
        if referenced.is_some_and(|name| self.stack.alternatives.contains_key(name)) {
            return assumed;
        }
        let by = match referenced {
            Some(name) => format!("Ref {name}"),
            None => format!("line {} column {}", index.pos.line, index.pos.column),
        };
        let mut seen = vec![&items[assumed]];
        for (i, item) in items.iter().enumerate() {
            if i == assumed || seen.contains(&item) {
                continue;
            }
            seen.push(item);
            if self.taken(format!("Select ({by}){SELECT_ITEM}{i}")) {
                return i;
            }
        }
        assumed
    }

    /// Whether this deployment takes the choice `name` (a mapping's row, a list's item): as
    /// assumed, noted among the assumptions; not assumed yet, noted as undecided, and not taken.
    fn taken(&mut self, name: String) -> bool {
        match self.assume.get(&name).copied() {
            Some(taken) => {
                self.assumed.push((name, taken));
                taken
            }
            None => {
                if !self.undecided.contains(&name) {
                    self.undecided.push(name);
                }
                false
            }
        }
    }

    fn reference(&mut self, target: &str) -> Option<Json> {
        let stack = self.stack;
        if !stack.given.contains(target) && (target.starts_with("AWS::") || stack.parameters.contains_key(target)) {
            self.assumed_value = true;
        }
        let text = match target {
            "AWS::AccountId" => stack.account.clone(),
            "AWS::Region" => stack.region.clone(),
            "AWS::Partition" => super::partition(&stack.region).to_owned(),
            "AWS::URLSuffix" => super::url_suffix(&stack.region).to_owned(),
            "AWS::NoValue" => return None,
            _ => {
                if let Some(value) = stack.parameters.get(target) {
                    if text_bytes(value) > MAX_PARAMETER_BYTES {
                        return Some(Json::String(self.unknown_because(
                            &format!("Ref {target}"),
                            " (a value longer than the 4,096 bytes CloudFormation allows a parameter)",
                        )));
                    }
                    if let Some(allowed) = self.allowed_value(target) {
                        return Some(allowed);
                    }
                    return Some(match self.assumed_equality(target, value) {
                        Some(Assumed::Equal(literal)) => Json::String(literal.to_owned()),
                        Some(Assumed::NotTheDefault) => {
                            Json::String(self.unknown_parameter(target, " (not its default in this deployment)"))
                        }
                        // A default may be a dynamic reference (`{{resolve:ssm:NAME:1}}`) too.
                        None => match value {
                            Json::String(text) => Json::String(self.dynamic_references(text.clone())),
                            other => other.clone(),
                        },
                    });
                }
                let why = match stack.resources.get(target) {
                    Some(ResourceValues {
                        ref_value: Some(text), ..
                    }) => return Some(Json::String(text.clone())),
                    // Not `Ref NAME`: the engine takes that form for a parameter, whose value
                    // the deployer picks; a resource's id names what the stack makes.
                    Some(_) => {
                        let what = format!("physical id of {target}");
                        return Some(Json::String(
                            self.unknown_because(&what, " (a name CloudFormation generates)"),
                        ));
                    }
                    None if target.starts_with("AWS::") => String::new(),
                    None if stack.from_ssm.contains_key(target) => format!(
                        " (read from the SSM parameter {} when deployed; pass --parameter {target}=VALUE)",
                        stack.from_ssm[target]
                    ),
                    None if stack.declared.contains(target) => {
                        format!(" (no parameter default; pass --parameter {target}=VALUE)")
                    }
                    None if stack.transformed => {
                        " (not declared here: the template's transform may make it)".to_owned()
                    }
                    // CloudFormation refuses the template ("Unresolved resource dependencies").
                    None => {
                        let why = "neither a parameter nor a resource of this template (\"Unresolved resource dependencies\")";
                        return Some(Json::String(self.refused(&format!("Ref {target}"), why)));
                    }
                };
                return Some(Json::String(self.unknown_parameter(target, &why)));
            }
        };
        Some(Json::String(text))
    }

    /// The value of parameter `target`, unknown (`why`): its marker ([`Self::parameter_ref`]), or
    /// for a parameter of ARNs with a 12-digit account ([`Stack::account_arns`]) that ARN with the
    /// account and the rest unknown.
    fn unknown_parameter(&mut self, target: &str, why: &str) -> String {
        // The note names the parameter as the template does; the marker says what it may hold.
        self.unresolved.push(format!("Ref {target} is unresolved{why}"));
        let Some(shape) = self.stack.account_arns.get(target) else {
            return opaque(&self.parameter_ref(target));
        };
        let rest = match shape.rest_constrained {
            true => format!("Ref {target} constrained"),
            false => format!("Ref {target}"),
        };
        // A partition left to a pattern (`(aws|aws-cn)`) is the deployer's too.
        let partition = shape.partition.clone().unwrap_or_else(|| match shape.partition_open {
            true => opaque(&format!("Ref {target}")),
            false => opaque(&format!("Ref {target} constrained")),
        });
        format!(
            "arn:{partition}:iam::{}:{}{}",
            opaque(&format!("Ref {target} account")),
            shape.start,
            opaque(&rest)
        )
    }

    /// How a marker names `Ref target`: `Ref NAME account` for a parameter that holds account ids
    /// only ([`Stack::accounts`]), `Ref NAME constrained` for another whose type or pattern allows
    /// no wildcard ([`Stack::constrained`]).
    fn parameter_ref(&self, target: &str) -> String {
        if self.stack.accounts.contains(target) {
            format!("Ref {target} account")
        } else if self.stack.constrained.contains(target) {
            format!("Ref {target} constrained")
        } else if self.stack.named_owner.contains(target) {
            format!("Ref {target} owner")
        } else {
            format!("Ref {target}")
        }
    }

    /// What the deployment being read says of parameter `name` (whose default is `default`)
    /// through the conditions it assumes that compare it with a literal (`!Equals [!Ref P, ""]`):
    /// that it is that literal, or that it is not its default. A way of deploying where
    /// `HasArn: !Not [!Equals [!Ref Arn, ""]]` holds is read with an `Arn` given, not the empty
    /// default, which would be a principal IAM refuses.
    fn assumed_equality(&self, name: &str, default: &Json) -> Option<Assumed<'t>> {
        let conditions = self.stack.conditions?;
        let mut not_default = false;
        for (condition, holds) in &self.assume {
            let Some((parameter, literal, when_equal)) = conditions.get(condition).and_then(super::template::equality)
            else {
                continue;
            };
            if parameter != name {
                continue;
            }
            if *holds == when_equal {
                return Some(Assumed::Equal(literal));
            }
            // A list compared with `''` is one joined and compared (`!Join ['', !Ref P]`): its
            // default is that when every element is empty (`''` is `[""]`, `','` is `["", ""]`).
            let is_default = match default {
                Json::Array(items) if literal.is_empty() => items.iter().all(|i| i.as_str() == Some("")),
                Json::Array(_) => false,
                other => other.as_str() == Some(literal),
            };
            not_default |= is_default;
        }
        not_default.then_some(Assumed::NotTheDefault)
    }

    /// The allowed value of parameter `name` that the deployment being read takes, when not its
    /// default: each other allowed value is a way the deployment can go, an undecidable condition
    /// named after it, as a mapping's rows are ([`Resolver::row_of`]).
    fn allowed_value(&mut self, name: &str) -> Option<Json> {
        let stack = self.stack;
        for value in stack.alternatives.get(name)? {
            let condition = format!("Parameters {name}{PARAMETER_VALUE}{}", shown_value(value));
            match self.assume.get(&condition).copied() {
                Some(true) => {
                    self.assumed.push((condition, true));
                    return Some(value.clone());
                }
                Some(false) => self.assumed.push((condition, false)),
                None if !self.undecided.contains(&condition) => self.undecided.push(condition),
                None => {}
            }
        }
        None
    }

    /// `Fn::GetAtt`: a CDK `CfnJson`'s `Value` is its JSON, parsed (keys and values the template
    /// doesn't determine stay opaque inside it); any other attribute is text.
    fn get_att(&mut self, resource: &str, attribute: &str) -> Json {
        // An SSM parameter the template makes holds what the template writes (`"*"` too): read
        // as that value, not as a name of something that exists already.
        if let Some(node) = self.stack.ssm_values.get(resource).filter(|_| attribute == "Value") {
            return match self.value_of(resource, node, |text| Some(Json::String(text))) {
                Some(Some(value)) => value,
                _ => Json::String(self.unknown_because(
                    &format!("GetAtt {resource}.Value"),
                    " (an SSM parameter whose value the template doesn't determine here)",
                )),
            };
        }
        let Some(node) = self.stack.cdk_json.get(resource).filter(|_| attribute == "Value") else {
            return Json::String(self.attribute(resource, attribute));
        };
        match self.value_of(resource, node, |text| serde_json::from_str::<Json>(&text).ok()) {
            Some(Some(parsed)) => parsed,
            None => Json::String(self.unknown_because(
                &format!("GetAtt {resource}.Value"),
                " (CDK CfnJson values that read one another more than 64 deep)",
            )),
            Some(None) => Json::String(self.unknown_because(
                &format!("GetAtt {resource}.Value"),
                " (a CDK CfnJson whose value is not JSON here)",
            )),
        }
    }

    /// The `Value` of resource `resource` (`node`), read once and made a value by `parse`: `None`
    /// past a chain of 64 such values reading one another, `Some(None)` for one that reads itself
    /// or that `parse` refuses.
    fn value_of(
        &mut self,
        resource: &str,
        node: &Node,
        parse: impl FnOnce(String) -> Option<Json>,
    ) -> Option<Option<Json>> {
        if let Some(read) = self.cdk_json_read.get(resource) {
            return Some(read.clone());
        }
        if self.cdk_json_chain >= MAX_CONDITION_CHAIN {
            return None;
        }
        self.cdk_json_read.insert(resource.to_owned(), None);
        self.cdk_json_chain += 1;
        let text = self.string(node);
        self.cdk_json_chain -= 1;
        let value = text.and_then(parse);
        self.cdk_json_read.insert(resource.to_owned(), value.clone());
        Some(value)
    }

    fn attribute(&mut self, resource: &str, attribute: &str) -> String {
        // An ARN holds the account: the stand-in, unless given.
        self.assumed_value |= attribute == "Arn" && !self.stack.given.contains("AWS::AccountId");
        let known = match attribute {
            "Arn" => self.stack.resources.get(resource).and_then(|r| r.arn.clone()),
            // `OpenIdConnectIssuer` is CDK's cluster's, without the scheme.
            "OpenIdConnectIssuerUrl" | "OpenIdConnectIssuer" if self.stack.eks_clusters.contains(resource) => {
                self.assumed_value = true;
                let url = trustcheck::template_eks_issuer(self.stack.given_region(), resource);
                Some(match attribute {
                    "OpenIdConnectIssuer" => url.trim_start_matches("https://").to_owned(),
                    _ => url,
                })
            }
            _ => None,
        };
        let why = match self.stack.resources.contains_key(resource) {
            true => "",
            false if self.stack.transformed => " (not declared here: the template's transform may make it)",
            // CloudFormation refuses the template ("Unresolved resource dependencies").
            false if known.is_some() => "",
            false => {
                let why = "no resource of this template has that id (\"Unresolved resource dependencies\")";
                return self.refused(&format!("GetAtt {resource}.{attribute}"), why);
            }
        };
        known.unwrap_or_else(|| self.unknown_because(&format!("GetAtt {resource}.{attribute}"), why))
    }

    /// `Fn::Sub`: `${Name}` from the variable map, else a parameter, pseudo parameter or resource;
    /// `${Resource.Attribute}` as `Fn::GetAtt`; `${!Literal}` stays `${Literal}`.
    fn sub(&mut self, template: &str, vars: &[Entry]) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            if out.len() > MAX_BUILT_BYTES {
                return self.unknown_because("Sub", " (text past 1 MiB)");
            }
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = after[..end].trim();
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(var) = vars.iter().rev().find(|e| e.key == name) {
                let value = self.string(&var.value).unwrap_or_default();
                out.push_str(&value);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                let value = self.attribute(resource, attribute);
                out.push_str(&value);
            } else {
                let value = self.reference(name);
                let text = value.map_or_else(String::new, |v| self.text_of(v, "a list in Sub"));
                out.push_str(&text);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        self.dynamic_references(out)
    }

    /// `text` with each CloudFormation dynamic reference (`{{resolve:ssm:NAME}}`) opaque: its
    /// value is read when the stack deploys, chosen by whoever may set the parameter or secret,
    /// as a deployer chooses a parameter's (so it reads as one).
    fn dynamic_references(&mut self, text: String) -> String {
        const START: &str = "{{resolve:";
        if !text.contains(START) {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find(START) {
            out.push_str(&rest[..start]);
            let reference = &rest[start + 2..];
            let Some(end) = reference.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &reference[..end];
            self.unresolved.push(format!(
                "{{{{{name}}}}} is unresolved (a dynamic reference: its value is read when the stack deploys)"
            ));
            out.push_str(&opaque(&format!("Ref {name}")));
            rest = &reference[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// A named condition of the `Conditions` section; `None` when the template can't decide it.
    pub fn condition(&mut self, name: &str) -> Option<bool> {
        let node = self.stack.conditions?.get(name)?;
        if let Some(decided) = self.decided.get(name) {
            return *decided;
        }
        self.decided.insert(name.to_owned(), None);
        let mut result = if self.chain < MAX_CONDITION_CHAIN {
            self.chain += 1;
            let value = self.condition_value(node);
            self.chain -= 1;
            value
        } else {
            None
        };
        if result.is_none() {
            result = self.assume.get(name).copied();
            match result {
                Some(value) => self.assumed.push((name.to_owned(), value)),
                None if !self.undecided.iter().any(|u| u == name) => self.undecided.push(name.to_owned()),
                None => {}
            }
        }
        self.decided.insert(name.to_owned(), result);
        result
    }

    fn condition_value(&mut self, node: &Node) -> Option<bool> {
        let [only] = node.as_map()? else { return None };
        let args = only.value.as_seq().unwrap_or_default();
        match only.key.as_str() {
            "Condition" => {
                let name = only.value.as_str()?.to_owned();
                self.condition(&name)
            }
            "Fn::Equals" if args.len() == 2 => {
                let before = self.unresolved.len();
                let (undecided_before, assumed_count) = (self.undecided.len(), self.assumed.len());
                let assumed_before = std::mem::replace(&mut self.assumed_value, false);
                let left = self.value(&args[0]);
                let right = self.value(&args[1]);
                let known = self.unresolved.len() == before && !self.assumed_value;
                self.unresolved.truncate(before);
                self.assumed_value = assumed_before;
                if !known {
                    // The comparison is undecided and checked both ways as it is: which mapping
                    // entry fed it changes nothing.
                    self.undecided.truncate(undecided_before);
                    self.assumed.truncate(assumed_count);
                }
                known.then(|| left == right)
            }
            "Fn::Not" if args.len() == 1 => self.condition_value(&args[0]).map(|b| !b),
            "Fn::And" => {
                let values: Vec<Option<bool>> = args.iter().map(|a| self.condition_value(a)).collect();
                if values.contains(&Some(false)) {
                    Some(false)
                } else {
                    values.into_iter().collect::<Option<Vec<bool>>>().map(|_| true)
                }
            }
            "Fn::Or" => {
                let values: Vec<Option<bool>> = args.iter().map(|a| self.condition_value(a)).collect();
                if values.contains(&Some(true)) {
                    Some(true)
                } else {
                    values.into_iter().collect::<Option<Vec<bool>>>().map(|_| false)
                }
            }
            _ => None,
        }
    }
}

/// `text` split at each `delimiter` outside the unknowns it holds (`UNRESOLVED(…)`, whose text
/// may hold the delimiter and stays whole).
fn split_outside_unknowns(text: &str, delimiter: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut rest = text;
    loop {
        let marker = rest.find(trustcheck::OPAQUE_PREFIX);
        let delimited = rest.find(delimiter);
        match (delimited, marker) {
            (Some(at), Some(start)) if at >= start => {
                // The marker, to its closing parenthesis (markers nest), goes whole.
                let end = trustcheck::marker_len(&rest[start..]).map_or(rest.len(), |end| start + end);
                if let Some(last) = pieces.last_mut() {
                    last.push_str(&rest[..end]);
                }
                rest = &rest[end..];
            }
            (Some(at), _) => {
                if let Some(last) = pieces.last_mut() {
                    last.push_str(&rest[..at]);
                }
                pieces.push(String::new());
                rest = &rest[at + delimiter.len()..];
            }
            (None, _) => {
                if let Some(last) = pieces.last_mut() {
                    last.push_str(rest);
                }
                return pieces;
            }
        }
    }
}

/// Where in `piece` the first unknown that may hold `delimiter` begins and ends (the end: the
/// piece's length when it has no `)`).
fn unknown_holding(piece: &str, delimiter: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = piece.get(from..).and_then(|rest| rest.find(trustcheck::OPAQUE_PREFIX)) {
        let start = from + found;
        let end = trustcheck::marker_len(&piece[start..]).map_or(piece.len(), |end| start + end);
        if may_hold(&piece[..start], &piece[start..end], delimiter) {
            return Some((start, end));
        }
        from = end;
    }
    None
}

/// Whether the value the unknown `marker` stands for (after `before`) may hold `delimiter`: the
/// stack's region and name, an account id and an EKS cluster's id are letters, digits and
/// hyphens only; anything else may hold anything.
fn may_hold(before: &str, marker: &str, delimiter: &str) -> bool {
    let inner = (marker.strip_prefix(trustcheck::OPAQUE_PREFIX))
        .and_then(|m| m.strip_suffix(')'))
        .unwrap_or(marker);
    let cluster_id = before.ends_with(".amazonaws.com/id/") && inner.ends_with(".OpenIdConnectIssuerUrl");
    let made_of: fn(char) -> bool = match inner {
        "AWS__Region" | "Ref AWS__Region" | "Ref AWS__StackName" => |c| c.is_ascii_alphanumeric() || c == '-',
        _ if cluster_id => |c| c.is_ascii_alphanumeric(),
        _ if inner.starts_with("Ref ") && inner.ends_with(" account") => |c| c.is_ascii_digit(),
        _ => return true,
    };
    delimiter.chars().all(made_of)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inputs::yaml::parse;

    fn stack<'t>(template: &'t Node) -> Stack<'t> {
        let mut stack = Stack {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            mappings: template.get("Mappings"),
            conditions: template.get("Conditions"),
            ..Stack::default()
        };
        stack.parameters.insert("Env".into(), json!("prod"));
        // Declared without a default.
        stack.declared.insert("TrustedAccount".into());
        stack.given.insert("Env".into());
        stack.resources.insert(
            "OrdersRole".into(),
            ResourceValues {
                ref_value: Some("orders-role".into()),
                arn: Some("arn:aws:iam::111122223333:role/orders-role".into()),
            },
        );
        stack.resources.insert("Queue".into(), ResourceValues::default());
        stack
    }

    fn resolve(yaml: &str) -> (Option<Json>, Vec<String>) {
        let template = parse(yaml).unwrap().unwrap();
        let stack = stack(&template);
        let mut resolver = Resolver::new(&stack);
        let value = resolver.value(template.get("Value").unwrap());
        (value, resolver.unresolved)
    }

    #[test]
    fn a_list_the_cdk_tests_for_emptiness_is_not_its_empty_default_where_it_is_not_empty() {
        // The CDK bootstrap template's `HasTrustedAccounts`, with `TrustedAccounts` left to ''.
        let template =
            parse("Conditions:\n  HasTrusted: !Not [!Equals ['', !Join ['', !Ref Trusted]]]\nValue: !Ref Trusted\n")
                .unwrap()
                .unwrap();
        let mut stack = stack(&template);
        stack.parameters.insert("Trusted".into(), json!([""]));
        let value = template.get("Value").unwrap();
        let assume = HashMap::from([("HasTrusted".to_owned(), true)]);
        let mut resolver = Resolver::assuming(&stack, assume);
        assert_eq!(resolver.value(value), Some(json!("UNRESOLVED(Ref Trusted)")));
        let assume = HashMap::from([("HasTrusted".to_owned(), false)]);
        assert_eq!(Resolver::assuming(&stack, assume).value(value), Some(json!("")));
        // `','` is two empty elements: as empty when joined.
        stack.parameters.insert("Trusted".into(), json!(["", ""]));
        let assume = HashMap::from([("HasTrusted".to_owned(), true)]);
        let mut resolver = Resolver::assuming(&stack, assume);
        assert_eq!(resolver.value(value), Some(json!("UNRESOLVED(Ref Trusted)")));
    }

    #[test]
    fn a_way_that_assumes_a_parameter_equals_a_literal_reads_it() {
        let template = parse(
            "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n  NoArn: !Equals [!Ref Arn, '']\nValue: [!Ref Stage, !Ref Arn]\n",
        )
        .unwrap()
        .unwrap();
        let mut stack = stack(&template);
        stack.parameters.insert("Stage".into(), json!("dev"));
        stack.parameters.insert("Arn".into(), json!(""));
        let value = template.get("Value").unwrap();
        // No assumption: the defaults.
        assert_eq!(Resolver::new(&stack).value(value), Some(json!(["dev", ""])));
        // IsProd true: Stage is prod; NoArn false: Arn is not its default "", so unknown.
        let assume = HashMap::from([("IsProd".to_owned(), true), ("NoArn".to_owned(), false)]);
        let mut resolver = Resolver::assuming(&stack, assume);
        assert_eq!(resolver.value(value), Some(json!(["prod", "UNRESOLVED(Ref Arn)"])));
        assert!(resolver.unresolved[0].contains("not its default in this deployment"));
        // IsProd false says only that Stage is not prod: its default dev stands.
        let assume = HashMap::from([("IsProd".to_owned(), false), ("NoArn".to_owned(), true)]);
        assert_eq!(
            Resolver::assuming(&stack, assume).value(value),
            Some(json!(["dev", ""]))
        );
    }

    #[test]
    fn length_counts_a_list_the_template_gives() {
        let (v, _) = resolve("Value:\n  two: !Length [a, b]\n  split: !Length {'Fn::Split': [',', 'x,y,z']}\n");
        assert_eq!(v.unwrap(), json!({"two": "2", "split": "3"}));
        // A list around a list: one item, or the inner list's count.
        let (v, notes) = resolve("Value: !Length [!Split [',', 'x,y,z']]\n");
        assert!(v.unwrap().as_str().is_some_and(|text| text.starts_with("UNRESOLVED(")));
        assert_eq!(notes.len(), 1, "{notes:?}");
        // A value left undetermined, split into one marker: any number of items.
        let (v, _) = resolve("Value: !Length {'Fn::Split': [',', {Ref: Unknown}]}\n");
        assert!(v.unwrap().as_str().is_some_and(|text| text.starts_with("UNRESOLVED(")));
    }

    #[test]
    fn a_split_leaves_unknowns_whole_and_keeps_what_is_written() {
        assert_eq!(
            split_outside_unknowns("team-UNRESOLVED(ImportValue team-app)-x", "-"),
            ["team", "UNRESOLVED(ImportValue team-app)", "x"]
        );
        assert_eq!(
            split_outside_unknowns("a,UNRESOLVED(Sub UNRESOLVED(Ref P),q),b", ","),
            ["a", "UNRESOLVED(Sub UNRESOLVED(Ref P),q)", "b"]
        );
        assert_eq!(split_outside_unknowns("UNRESOLVED(open,", ","), ["UNRESOLVED(open,"]);
        assert_eq!(split_outside_unknowns("a--b", "--"), ["a", "b"]);
        // Not the text `app)` of the marker's own: unknown.
        let (value, _) = resolve("Value: !Select [1, !Split ['-', !ImportValue team-app]]\n");
        assert!(value.is_some_and(|v| v.as_str().is_some_and(trustcheck::holds_opaque)));
        let (value, _) = resolve("Value: !Select [0, !Split ['-', !Sub 'pre-${AWS::StackName}-x']]\n");
        assert_eq!(value, Some(Json::String("pre".into())));
        // The items written after an unknown stay (`*` is still in the list), as does a
        // parameter's kind (each item of an account list an account id).
        let (value, _) = resolve("Value: !Split [',', !Sub '${Names},*']\n");
        assert_eq!(value, Some(serde_json::json!(["UNRESOLVED(Ref Names)", "*"])));
        // Selected: from an unknown that may hold the delimiter, which text is which item is not
        // known (a stack named `x-api` makes item 1 `api`; Names `billing-api,x` makes item 0
        // `billing-api`); before it, and an unknown that can't hold it (an account id), it is.
        let (value, _) = resolve("Value: !Select [1, !Split ['-', !Sub '${AWS::StackName}-worker']]\n");
        assert!(value.is_some_and(|v| v
            .as_str()
            .is_some_and(|v| v.starts_with("UNRESOLVED(Select of a Split"))));
        let (value, _) = resolve("Value: !Select [0, !Split [',', !Sub 'fn:${Names}-worker']]\n");
        assert_eq!(value, Some(Json::String("fn:UNRESOLVED(Ref Names)".into())));
        let (value, _) = resolve("Value: !Select [1, !Split [',', !Sub 'a,${AWS::StackName},b']]\n");
        assert_eq!(value, Some(Json::String("UNRESOLVED(Ref AWS__StackName)".into())));
        let (value, _) = resolve("Value: !Select [2, !Split [',', !Sub 'a,${AWS::StackName},b']]\n");
        assert_eq!(value, Some(Json::String("b".into())));
    }

    #[test]
    fn org_formation_s_text_functions_are_opaque_and_noted() {
        let (v, notes) = resolve(
            "Value:\n  a: \"Fn::EnumTargetAccounts AssumeRoleBinding '${account}'\"\n  b: Fn::EnumTargetAccountsX\n",
        );
        assert_eq!(
            v.unwrap(),
            json!({"a": "UNRESOLVED(Ref AssumeRoleBinding account)", "b": "Fn::EnumTargetAccountsX"})
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(
                "Ref AssumeRoleBinding account is unresolved (org-formation's Fn::EnumTargetAccounts writes"
            ),
            "{notes:?}"
        );
        // The template as written around the accounts: `'*'` is everyone's.
        for (expression, expected) in [
            ("Fn::EnumTargetAccounts B '*'", "*"),
            (
                "Fn::EnumTargetAccounts B 'arn:aws:iam::${account}:role/Deployer'",
                "arn:aws:iam::UNRESOLVED(Ref B account):role/Deployer",
            ),
            ("Fn::EnumTargetAccounts B", "UNRESOLVED(Ref B account)"),
            (
                "Fn::EnumTargetAccounts  '${account}'",
                "UNRESOLVED(Ref binding account)",
            ),
            ("Fn::EnumTargetRegions B '${region}'", "UNRESOLVED(Ref B)"),
            // Unquoted, as org-formation's guide writes it.
            ("Fn::EnumTargetAccounts B *", "*"),
            // What org-formation leaves, CloudFormation fills in (a `Fn::Sub`).
            (
                "Fn::EnumTargetAccounts B 'arn:aws:iam::${AWS::AccountId}:role/${account}'",
                "arn:aws:iam::111122223333:role/UNRESOLVED(Ref B account)",
            ),
            (
                "Fn::EnumTargetAccounts B arn:aws:iam::${account}:root",
                "arn:aws:iam::UNRESOLVED(Ref B account):root",
            ),
        ] {
            let (v, _) = resolve(&format!("Value: \"{expression}\"\n"));
            assert_eq!(v.unwrap(), json!(expected), "{expression}");
        }
    }

    #[test]
    fn dynamic_references_are_opaque_as_parameters_and_noted() {
        let (v, notes) = resolve(
            "Value:\n  a: '{{resolve:ssm:/org/trusted}}'\n  b: !Sub 'arn:aws:iam::{{resolve:ssm:/org/account}}:root'\n  c: 'plain {{resolve:ssm:unclosed'\n",
        );
        assert_eq!(
            v.unwrap(),
            json!({
                "a": "UNRESOLVED(Ref resolve_ssm_/org/trusted)",
                "b": "arn:aws:iam::UNRESOLVED(Ref resolve_ssm_/org/account):root",
                "c": "plain {{resolve:ssm:unclosed",
            })
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("{{resolve:ssm:/org/trusted}} is unresolved (a dynamic reference"),
            "{notes:?}"
        );
    }

    #[test]
    fn pseudo_parameters_parameters_and_resources() {
        let (v, notes) = resolve(
            "Value:\n  a: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'\n  b: !Ref Env\n  c: !GetAtt OrdersRole.Arn\n  d: !Ref OrdersRole\n  e: !Sub '${!Literal}-${AWS::Region}'\n  f: !Join [':', [a, !Ref AWS::AccountId]]\n  g: !Sub ['${X}-y', {X: !Ref Env}]\n  h: {'Fn::GetAtt': [OrdersRole, Arn]}\n  i: !Ref AWS::NoValue\n",
        );
        assert_eq!(
            v.unwrap(),
            json!({"a": "arn:aws:iam::111122223333:root", "b": "prod",
                   "c": "arn:aws:iam::111122223333:role/orders-role", "d": "orders-role",
                   "e": "${Literal}-eu-west-1", "f": "a:111122223333", "g": "prod-y",
                   "h": "arn:aws:iam::111122223333:role/orders-role"})
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn what_cloudformation_refuses_is_noted_as_such() {
        let (v, notes) = resolve(
            "Value:\n  - !Select [5, [a, b]]\n  - !Join [':', notalist]\n  - !GetAtt Missing.Arn\n  - !Select [1, [a, b]]\n",
        );
        let v = v.unwrap();
        assert_eq!(v[3], "b");
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes[0].contains("Fn::Select: CloudFormation refuses the template: index 5 of a list of 2 written here"),
            "{notes:?}"
        );
        assert!(
            notes[1].contains("Fn::Join: CloudFormation refuses the template: it joins text, not a list"),
            "{notes:?}"
        );
        assert!(
            notes[2].contains(
                "GetAtt Missing.Arn: CloudFormation refuses the template: no resource of this template has that id"
            ),
            "{notes:?}"
        );
        // A resource of the template whose attribute isn't known here is not refused.
        let (_, notes) = resolve("Value: !GetAtt Queue.Arn\n");
        assert!(!notes[0].contains("refuses"), "{notes:?}");
    }

    #[test]
    fn unknowns_are_opaque_and_noted() {
        let (v, notes) = resolve(
            "Value:\n  - !ImportValue Shared\n  - !Sub 'arn:aws:iam::${TrustedAccount}:root'\n  - !GetAtt Queue.Arn\n  - !Ref Queue\n",
        );
        let v = v.unwrap();
        assert_eq!(v[0], "UNRESOLVED(ImportValue Shared)");
        assert_eq!(v[1], "arn:aws:iam::UNRESOLVED(Ref TrustedAccount):root");
        assert!(notes[1].contains("pass --parameter TrustedAccount=VALUE"), "{notes:?}");
        assert_eq!(v[2], "UNRESOLVED(GetAtt Queue.Arn)");
        assert_eq!(notes.len(), 4);
        for text in v.as_array().unwrap() {
            let text = text.as_str().unwrap();
            assert!(!text.contains('*') && !text.contains('?'));
        }
    }

    #[test]
    fn conditions_mappings_and_if() {
        let yaml = "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n  IsDev: !Not [!Condition IsProd]\n  Unknown: !Equals [!ImportValue X, y]\n  Both: !And [!Condition IsProd, !Condition Unknown]\n  Either: !Or [!Condition IsProd, !Condition Unknown]\nMappings:\n  Accounts:\n    prod: {Id: '444455556666'}\nValue:\n  - !If [IsProd, a, b]\n  - !If [IsDev, a, b]\n  - !If [IsDev, a, !Ref AWS::NoValue]\n  - !FindInMap [Accounts, !Ref Env, Id]\n  - !If [Unknown, t, f]\n";
        let template = parse(yaml).unwrap().unwrap();
        let stack = stack(&template);
        let mut resolver = Resolver::new(&stack);
        assert_eq!(resolver.condition("Both"), None);
        assert_eq!(resolver.condition("Either"), Some(true));
        assert!(resolver.unresolved.is_empty());
        let v = resolver.value(template.get("Value").unwrap()).unwrap();
        assert_eq!(v, json!(["a", "b", "444455556666", "t"]));
        assert_eq!(resolver.unresolved.len(), 1);
        assert!(resolver.unresolved[0].contains("condition Unknown"));
    }

    #[test]
    fn conditions_that_double_at_each_step_are_decided_once() {
        // Decided anew at each reference, this chain would take 2^40 steps.
        let mut yaml = String::from("Conditions:\n");
        for i in 0..40 {
            yaml.push_str(&format!("  C{i}: !Or [!Condition C{n}, !Condition C{n}]\n", n = i + 1));
        }
        yaml.push_str("  C40: !Equals [!Ref Env, prod]\nValue: !If [C0, x, y]\n");
        let (v, notes) = resolve(&yaml);
        assert_eq!(v.unwrap(), json!("x"));
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_chain_of_conditions_too_long_to_follow_is_undecided_not_a_stack_overflow() {
        let mut yaml = String::from("Conditions:\n");
        for i in 0..100_000 {
            yaml.push_str(&format!("  C{i}: !Not [!Condition C{n}]\n", n = i + 1));
        }
        yaml.push_str("  C100000: !Equals [!Ref Env, prod]\nValue: !If [C0, x, y]\n");
        let template = parse(&yaml).unwrap().unwrap();
        let stack = stack(&template);
        let mut resolver = Resolver::new(&stack);
        assert_eq!(resolver.condition("C0"), None);
        assert!(
            resolver.undecided.contains(&"C0".to_owned()),
            "{:?}",
            resolver.undecided
        );
        // A short chain is followed to its end.
        assert_eq!(resolver.condition("C99990"), Some(true));
    }

    #[test]
    fn a_mapping_that_refers_to_itself_is_opaque() {
        let yaml = "Mappings:\n  M:\n    a: {b: !FindInMap [M, a, b]}\n    c: {d: plain}\nValue: [!FindInMap [M, a, b], !FindInMap [M, c, d]]\n";
        let (v, notes) = resolve(yaml);
        let v = v.unwrap();
        assert!(v[0].as_str().unwrap().starts_with("UNRESOLVED("), "{v}");
        assert_eq!(v[1], json!("plain"));
        assert!(
            notes.iter().any(|n| n.contains("FindInMap inside Mappings")),
            "{notes:?}"
        );
    }

    #[test]
    fn cyclic_conditions_stop() {
        let yaml = "Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nValue: !If [A, x, y]\n";
        let (v, notes) = resolve(yaml);
        assert_eq!(v.unwrap(), json!("x"));
        assert_eq!(notes.len(), 1);
    }
}
