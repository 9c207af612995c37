//! The request contexts a trust policy is evaluated against, modelled on what IAM would see.
//!
//! - Lambda: the service principal `lambda.amazonaws.com` assuming the role for one function.
//! - Anyone: a stranger in another account, who controls every request key except those AWS fills
//!   in from the caller's identity.

use crate::{
    pattern::{arn_fields, strip_prefix_ignore_case},
    policy::{BaseOperator, Condition, Operator, ASSUME_ROLE, SET_SOURCE_IDENTITY, TAG_SESSION},
    validity::holds_opaque,
};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller<'c> {
    Service(&'c str),
    /// An arbitrary AWS principal in an account the role owner does not control.
    Stranger(Stranger),
}

/// Which of the identity keys that AWS sends only sometimes a stranger's request carries. IAM
/// leaves a key out when it has no value (no organization, no service in between), and a
/// condition on a missing key is judged differently (`…IfExists`, `Null`), so each case is a
/// context of its own: see [`RequestContext::strangers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stranger {
    /// Their account is in an organization: `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` are sent.
    pub in_organization: bool,
    /// A service calls for them on behalf of their resource: the `aws:Source…` keys are sent.
    pub via_service: bool,
    /// They call through a VPC endpoint of theirs (`aws:SourceVpce` and `aws:SourceVpc` are
    /// sent), not over the internet (`aws:SourceIp`): one request has one or the other.
    pub through_endpoint: bool,
    /// Through an endpoint, AWS sends who owns it (`aws:VpceAccount`, `aws:VpceOrgID`,
    /// `aws:VpceOrgPaths`, `aws:SourceVpcArn`): keys only some services support, STS not among
    /// those AWS lists, so a call through their endpoint may carry them or not.
    pub endpoint_owner_sent: bool,
    /// They sign the call with AWS credentials (`sts:AssumeRole`), so AWS fills in who they are.
    /// `AssumeRoleWithWebIdentity` and `AssumeRoleWithSAML` are unsigned: no key that describes
    /// the signer is sent ([`RequestContext::assuming`]). A token's claims or an assertion's
    /// attributes come with either: the federated call's own, or a federated session's that
    /// chains into the role with `sts:AssumeRole`; the caller's, as request keys are.
    pub signed: bool,
    /// They call with a session they federated with SAML (in their own account): its later
    /// requests carry `saml:sub`, `saml:sub_type` and `saml:namequalifier`, and no other SAML key.
    pub saml_session: bool,
    /// They sign with the credentials of a role session AWS gave their EC2 instance or Lambda
    /// function, to whose requests it adds where they come from ([`compute_property`]).
    pub on_compute: bool,
    /// The session actions some Allow of the policy grants: without `sts:SetSourceIdentity` no
    /// request that carries a source identity is let in, without `sts:TagSession` none that
    /// carries session tags ([`SessionAction`]).
    pub session_actions: SessionActions,
}

impl Stranger {
    /// The usual case: a principal of an account in an organization, calling `sts:AssumeRole`
    /// directly over the internet.
    pub const DIRECT: Stranger = Stranger {
        in_organization: true,
        via_service: false,
        through_endpoint: false,
        endpoint_owner_sent: true,
        signed: true,
        saml_session: false,
        on_compute: false,
        session_actions: SessionActions::ALL,
    };
}

/// A permission-only action that a role's trust policy must allow before a request may carry
/// some keys: IAM refuses every request that carries them otherwise ("Permissions required to
/// set source identity", "Permissions required to add session tags"), whether the caller set
/// them or kept them from a chained session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionAction {
    /// `sts:SetSourceIdentity`, for `sts:SourceIdentity` and `aws:SourceIdentity`.
    SetSourceIdentity,
    /// `sts:TagSession`, for `aws:RequestTag/…`, `aws:TagKeys` and `sts:TransitiveTagKeys`.
    TagSession,
}

impl SessionAction {
    pub(crate) fn action(self) -> &'static str {
        match self {
            SessionAction::SetSourceIdentity => SET_SOURCE_IDENTITY,
            SessionAction::TagSession => TAG_SESSION,
        }
    }

    /// What a request carries once the action is allowed, as a fix names it.
    pub(crate) fn carries(self) -> &'static str {
        match self {
            SessionAction::SetSourceIdentity => "the source identity",
            SessionAction::TagSession => "the session tags",
        }
    }

    /// The action a request must be allowed before it carries `key`, if any. (A misspelt key,
    /// such as `aws:RequestTags/team`, needs none: AWS's own keys are a typo or two apart
    /// (`aws:SourceVpc`, `aws:SourceVpce`), and one it adds may be too.)
    pub(crate) fn needed_to_send(key: &str) -> Option<SessionAction> {
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        if is("sts:SourceIdentity") || is("aws:SourceIdentity") {
            Some(SessionAction::SetSourceIdentity)
        } else if strip_prefix_ignore_case(key, "aws:RequestTag/").is_some()
            || is("aws:TagKeys")
            || is("sts:TransitiveTagKeys")
        {
            Some(SessionAction::TagSession)
        } else {
            None
        }
    }
}

/// Which [`SessionAction`]s a trust policy allows (some Allow may grant them), indexed by the
/// action's discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionActions([bool; 2]);

impl SessionActions {
    pub const ALL: SessionActions = SessionActions([true; 2]);

    /// An action without a place here counts as allowed: its keys as the caller's (fail closed).
    pub(crate) fn allows(self, action: SessionAction) -> bool {
        self.0.get(action as usize).copied().unwrap_or(true)
    }

    /// The same, with `action` not allowed.
    pub(crate) fn without(mut self, action: SessionAction) -> SessionActions {
        if let Some(allowed) = self.0.get_mut(action as usize) {
            *allowed = false;
        }
        self
    }
}

/// What a condition key holds in a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyValue<'c> {
    Absent,
    Known(&'c str),
    /// Present or not, with a value we cannot know: conditions on it are unknown.
    Unknown,
    /// The caller sets it (or leaves it out) to whatever satisfies the condition.
    CallerChosen,
    /// No request that gets in carries it, by what IAM documents: a key whose [`SessionAction`]
    /// nothing allows. Absent to an Allow's conditions; a Deny's guard on it is not
    /// trusted to stop anyone (the caller escapes it), failing closed.
    Unsent,
    /// Filled in by AWS from the stranger's identity: never equal to a literal the role owner wrote.
    Foreign(Foreign),
    /// A claim of a token (`token.actions.githubusercontent.com:sub`): the stranger's own identity
    /// at the provider the key names, which signs it, or absent, as they choose. A condition that
    /// names some of your identities there never matches theirs; any other they meet.
    OwnClaim,
    /// The role's own (its organization, its tags): the same whoever calls, and as its owner
    /// wrote it, so it tells no caller apart.
    RoleOwn,
}

/// The shape of a value AWS fills in from a stranger's identity: which part of it is theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Foreign {
    /// All of it: an account id, which also reads as a number.
    Account,
    /// All of it: an organization id.
    Id,
    /// `aws:userid`: the unique id of their principal, then for a role session `:` and the
    /// session name they chose. The id is never one of ours.
    UserId,
    /// An ARN whose account field is the stranger's.
    Arn,
    /// An organization path (`o-…/r-…/ou-…/`) that starts with the stranger's organization.
    OrgPath,
    /// Where their request comes from (`aws:SourceIp`, `aws:SourceVpc`, …): any address or
    /// network of theirs, never one of yours, and the key sent or not as they call.
    Network,
    /// `aws:VpcSourceIp`: sent through an endpoint, an address inside their VPC, which they give
    /// any range, yours included.
    VpcAddress,
}

pub(crate) const LAMBDA: &str = "lambda.amazonaws.com";
pub(crate) const EDGE_LAMBDA: &str = "edgelambda.amazonaws.com";

/// Services that don't send `aws:SourceAccount` / `aws:SourceArn` when they assume a role (AWS
/// Support, as reported in Prowler issues #2810, #4714 and #4745): a statement that demands them
/// never applies to these services. Not EKS: since 2025-08-19 its user guide says it accepts both
/// in a cluster role's trust policy ("Cross-service confused deputy prevention in Amazon EKS").
const SERVICES_WITHOUT_SOURCE_KEYS: [&str; 9] = [
    "ec2.amazonaws.com",
    "elastictranscoder.amazonaws.com",
    "cloudtrail.amazonaws.com",
    // Their names in the ISO partitions.
    "ec2.c2s.ic.gov",
    "ec2.sc2s.sgov.gov",
    "elastictranscoder.c2s.ic.gov",
    "elastictranscoder.sc2s.sgov.gov",
    "cloudtrail.c2s.ic.gov",
    "cloudtrail.sc2s.sgov.gov",
];

/// Whether `service`, which sends no source keys elsewhere ([`sends_no_source_keys`]), may send
/// them for what a statement's conditions say: CloudTrail does for a CloudTrail Lake event data
/// store (`…:eventdatastore/ID`; the CloudTrail guide's trust policy for copying trail events to
/// Lake asks for both keys), not delivering a trail to CloudWatch Logs. Which of the two a
/// statement serves only an `aws:SourceArn` tells: without one (`aws:SourceAccount` alone), or
/// with a value that may name an event data store (`arn:aws:cloudtrail:REGION:ACCOUNT:*`), it
/// may be Lake's, and is not judged to shut CloudTrail out.
pub(crate) fn sends_source_keys_for(service: &str, conditions: &[Condition]) -> bool {
    let cloudtrail = service
        .strip_suffix(".cn")
        .unwrap_or(service)
        .starts_with("cloudtrail.");
    cloudtrail
        && (conditions.iter())
            .filter(|c| c.key.eq_ignore_ascii_case("aws:SourceArn"))
            .all(|c| {
                use BaseOperator::{ArnEquals, ArnLike, StringEquals, StringEqualsIgnoreCase, StringLike};
                // Only a condition that names the resources it admits can rule Lake out.
                let Operator::Known {
                    base: StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike,
                    ..
                } = c.operator
                else {
                    return true;
                };
                c.values.iter().any(|v| may_name_event_data_store(v))
            })
}

/// Whether an `aws:SourceArn` value may name a CloudTrail Lake event data store: its resource
/// may begin `eventdatastore/` (as a pattern, up to its first wildcard), or the value is no ARN
/// whose fields can be read (a template's `!GetAtt Store.EventDataStoreArn`, a pattern whose `*`
/// may span colons, a variable), which other checks judge. Compared ignoring case: a value that
/// writes `eventdataStore/` was meant as Lake's too, and is judged so (it matches none of its ARNs
/// but under `…IgnoreCase`: [`crate::services::source_arn_kind`]).
fn may_name_event_data_store(value: &str) -> bool {
    const RESOURCE: &str = "eventdatastore/";
    let Some([_, _, _, _, _, resource]) = arn_fields::<6>(value) else {
        return true;
    };
    let literal = resource
        .find(['*', '?', '$'])
        .and_then(|at| resource.get(..at))
        .unwrap_or(resource);
    let (shorter, longer) = if literal.len() < RESOURCE.len() {
        (literal, RESOURCE)
    } else {
        (RESOURCE, literal)
    };
    longer
        .get(..shorter.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(shorter))
        || value.contains("EventDataStoreArn")
        || holds_opaque(value)
}

/// The request's time: the same for every caller, so a time condition says when, not who.
pub(crate) fn is_time_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("aws:CurrentTime") || key.eq_ignore_ascii_case("aws:EpochTime")
}

/// One of [`SERVICES_WITHOUT_SOURCE_KEYS`], also under its name in another partition
/// (`ec2.amazonaws.com.cn`, `ec2.c2s.ic.gov`, `ec2.sc2s.sgov.gov`).
pub(crate) fn sends_no_source_keys(service: &str) -> bool {
    // Whole names, not their parts: asked for every key of Lambda's context, which a length
    // tells apart from each of them.
    let global = service.strip_suffix(".cn").unwrap_or(service);
    SERVICES_WITHOUT_SOURCE_KEYS.contains(&global)
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestContext<'c> {
    pub caller: Caller<'c>,
    /// The role's own account, when known.
    pub role_account: Option<&'c str>,
    /// When the request is made, in seconds since the epoch, when the evaluation knows it
    /// ([`crate::RuleParams::evaluated_at`]): the time keys are judged against it.
    pub now: Option<i64>,
    /// Lambda only: the function's account and ARN, when known.
    pub source_account: Option<&'c str>,
    pub source_arn: Option<&'c str>,
    /// The document is a template's or plan's, whose unknown values (`UNRESOLVED(…)`) the
    /// deployer fills in: compared, they are unknown. In a stored policy such text is text.
    pub proposed: bool,
    /// A service that sends no source keys ([`sends_no_source_keys`]) sends them here after all
    /// ([`sends_source_keys_for`]).
    pub source_keys_sent: bool,
    /// The service sends no source keys here (one way Lambda@Edge may ask: which keys it sends
    /// is not documented).
    pub source_keys_withheld: bool,
    /// The role's tags, when the reader read them all: a tag it lacks is no key of its request
    /// (`aws:ResourceTag/…`), which a Deny's exception then reads as missing, and one it has is
    /// its value, whoever calls.
    pub role_tags: Option<RoleTags<'c>>,
    /// The role's partition, when known for sure: the only one a stranger calls from (no role
    /// is assumed across partitions), so the only one their `aws:PrincipalArn` is in.
    pub partition: Option<&'c str>,
    /// A stranger's values of keys they choose, each one value for the whole request (or none:
    /// the key left out), where those are tried one by one ([`RequestContext::choosing`]).
    pub chosen: &'c [(&'c str, Option<&'c str>)],
}

/// The role's tags, when the reader read them all ([`crate::Role::tags_known`]): every key, and
/// the value of those whose value it read ([`crate::Role::tag_values`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoleTags<'c> {
    pub keys: &'c [String],
    pub values: &'c [(String, String)],
}

impl<'c> RoleTags<'c> {
    /// The value of tag `tag` (keys compared ignoring ASCII case, as IAM compares them).
    fn value_of(&self, tag: &str) -> Option<&'c str> {
        (self.values.iter())
            .find(|(key, _)| key.eq_ignore_ascii_case(tag))
            .map(|(_, value)| value.as_str())
    }
}

impl<'c> RequestContext<'c> {
    pub fn lambda(
        role_account: Option<&'c str>,
        function_account: Option<&'c str>,
        function_arn: Option<&'c str>,
    ) -> Self {
        RequestContext {
            caller: Caller::Service(LAMBDA),
            role_account,
            now: None,
            source_account: function_account.or(role_account),
            source_arn: function_arn,
            proposed: false,
            source_keys_sent: false,
            source_keys_withheld: false,
            role_tags: None,
            partition: None,
            chosen: &[],
        }
    }

    /// Lambda@Edge's replica assuming the role for a function CloudFront runs at the edge: with
    /// the function's source keys, as Lambda sends them, or `withholding` them.
    pub fn edge(
        role_account: Option<&'c str>,
        function_account: Option<&'c str>,
        function_arn: Option<&'c str>,
        withholding: bool,
    ) -> Self {
        RequestContext {
            caller: Caller::Service(EDGE_LAMBDA),
            source_keys_withheld: withholding,
            role_tags: None,
            ..Self::lambda(role_account, function_account, function_arn)
        }
    }

    pub fn stranger(role_account: Option<&'c str>, stranger: Stranger) -> Self {
        RequestContext {
            caller: Caller::Stranger(stranger),
            role_account,
            now: None,
            source_account: None,
            source_arn: None,
            proposed: false,
            source_keys_sent: false,
            source_keys_withheld: false,
            role_tags: None,
            partition: None,
            chosen: &[],
        }
    }

    /// Every kind of stranger that `conditions` can tell apart: one context when no condition
    /// reads a key that only some strangers' requests carry, up to eight when they do (in an
    /// organization or not, through a service or not, through an endpoint or the internet).
    pub fn strangers<'p>(
        role_account: Option<&'c str>,
        conditions: impl IntoIterator<Item = &'p str>,
        session_actions: SessionActions,
    ) -> impl Iterator<Item = RequestContext<'c>> {
        let (mut org, mut source, mut network, mut saml, mut owner) = (false, false, false, false, false);
        let mut compute = false;
        for key in conditions {
            saml |= strip_prefix_ignore_case(key, "saml:").is_some();
            compute |= compute_property(key).is_some();
            org |= is_organization_key(key);
            source |= is_source_key(key);
            owner |= is_endpoint_owner_key(key);
            network |= is_network_key(key) || key.eq_ignore_ascii_case("aws:VpcSourceIp") || owner;
            org |= is_endpoint_organization_key(key);
        }
        let either: &[bool] = &[false, true];
        let organizations: &[bool] = if org { &[true, false] } else { &[true] };
        let sources: &[bool] = if source { either } else { &[false] };
        let paths: &[bool] = if network { either } else { &[false] };
        let sessions: &[bool] = if saml { either } else { &[false] };
        let computes: &[bool] = if compute { either } else { &[false] };
        // Only through an endpoint can its owner's keys be sent or not.
        let owners = move |through_endpoint: bool| -> &'static [bool] {
            if owner && through_endpoint {
                &[true, false]
            } else {
                &[true]
            }
        };
        organizations.iter().flat_map(move |&in_organization| {
            sources.iter().flat_map(move |&via_service| {
                paths.iter().flat_map(move |&through_endpoint| {
                    owners(through_endpoint).iter().flat_map(move |&endpoint_owner_sent| {
                        sessions.iter().flat_map(move |&saml_session| {
                            computes.iter().map(move |&on_compute| {
                                Self::stranger(
                                    role_account,
                                    Stranger {
                                        in_organization,
                                        via_service,
                                        through_endpoint,
                                        endpoint_owner_sent,
                                        saml_session,
                                        on_compute,
                                        session_actions,
                                        ..Stranger::DIRECT
                                    },
                                )
                            })
                        })
                    })
                })
            })
        })
    }

    /// A service principal assuming the role for a resource we know nothing about.
    pub fn service(service: &'c str, role_account: Option<&'c str>) -> Self {
        RequestContext {
            caller: Caller::Service(service),
            role_account,
            now: None,
            source_account: None,
            source_arn: None,
            proposed: false,
            source_keys_sent: false,
            source_keys_withheld: false,
            role_tags: None,
            partition: None,
            chosen: &[],
        }
    }

    /// The same stranger, calling `action`: signed for `sts:AssumeRole`, unsigned for the
    /// federated actions (see [`Stranger::signed`]). Any other caller is left as it is.
    pub fn assuming(mut self, action: &str) -> Self {
        if let Caller::Stranger(stranger) = &mut self.caller {
            stranger.signed = action == ASSUME_ROLE;
        }
        self
    }

    /// The same request, made at `now` (seconds since the epoch) when that is known.
    pub fn at(mut self, now: Option<i64>) -> Self {
        self.now = now;
        self
    }

    /// The same request, for a role whose tag keys are all `tags` when given
    /// ([`RequestContext::role_tags`]).
    pub fn with_role_tags(mut self, tags: Option<RoleTags<'c>>) -> Self {
        self.role_tags = tags;
        self
    }

    /// The same request, to a role of `partition` (when known for sure).
    pub fn in_partition(mut self, partition: Option<&'c str>) -> Self {
        self.partition = partition;
        self
    }

    /// The same stranger, with these values of keys they choose (`None`: left out).
    pub fn choosing(self, chosen: &'c [(&'c str, Option<&'c str>)]) -> Self {
        RequestContext { chosen, ..self }
    }

    /// The value of a condition's key: [`RequestContext::value`], and a tag the role is known not
    /// to have missing (a Deny's exception `StringNotEqualsIfExists aws:ResourceTag/dp:exclude
    /// "true"` holds for an untagged role), where a role's own value otherwise stays unknown.
    #[inline]
    pub fn condition_value(&self, key: &str) -> KeyValue<'c> {
        match (self.value(key), self.role_tags) {
            (KeyValue::RoleOwn, Some(tags)) => role_own_value(key, tags),
            (value, _) => value,
        }
    }

    /// The same request, against a template's or plan's document (see [`RequestContext::proposed`]).
    pub fn against_proposed(mut self, proposed: bool) -> Self {
        self.proposed = proposed;
        self
    }

    /// The same request, for what the statement's `conditions` name ([`sends_source_keys_for`]).
    pub fn for_source_in(mut self, conditions: &[Condition]) -> Self {
        if let Caller::Service(service) = self.caller {
            self.source_keys_sent = sends_source_keys_for(service, conditions);
        }
        self
    }

    pub fn value(&self, key: &str) -> KeyValue<'c> {
        let known_or_unknown = |v: Option<&'c str>| v.map_or(KeyValue::Unknown, KeyValue::Known);
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        // Present in every request, the same for every caller: a time condition says when, not
        // who. A stranger comes when it holds (and when a Deny's does not); for a service, whose
        // breaks are judged on a known context, it stays unknown.
        if is_time_key(key) {
            return match self.caller {
                Caller::Stranger(_) => KeyValue::CallerChosen,
                Caller::Service(_) => KeyValue::Unknown,
            };
        }
        if is("aws:ResourceAccount") {
            return known_or_unknown(self.role_account);
        }
        if is_role_own_key(key) {
            return KeyValue::RoleOwn;
        }
        match self.caller {
            Caller::Service(service) => {
                // The service first: Lambda's keys are looked up on every check.
                let withheld = self.source_keys_withheld || (sends_no_source_keys(service) && !self.source_keys_sent);
                if withheld && is_source_key(key) {
                    KeyValue::Absent
                } else if is("aws:SourceAccount") {
                    known_or_unknown(self.source_account)
                } else if is("aws:SourceArn") {
                    known_or_unknown(self.source_arn)
                } else if is("aws:PrincipalServiceName") || is("aws:PrincipalServiceNamesList") {
                    KeyValue::Known(service)
                } else if is("aws:PrincipalIsAWSService") {
                    KeyValue::Known("true")
                } else if is("aws:ViaAWSService") {
                    // Sent in every request; true only for a service calling with a principal's
                    // credentials, never for a service principal's own call.
                    KeyValue::Known("false")
                } else if is("aws:RequestedRegion") || is("aws:PrincipalType") || is("aws:UserAgent") {
                    // Sent in every request, with values we can't know here.
                    KeyValue::Unknown
                } else if is("aws:SourceOrgID") || is("aws:SourceOrgPaths") || is("aws:SecureTransport") {
                    // Sent when the resource's account is in an organization, which we cannot see.
                    KeyValue::Unknown
                } else if is("sts:RoleSessionName") {
                    // Every AssumeRole request names its session; Lambda names it after the
                    // function (`assumed-role/ROLE/FUNCTION`), other services as they choose.
                    match (service, self.source_arn.and_then(lambda_function_name)) {
                        (LAMBDA, Some(name)) => KeyValue::Known(name),
                        _ => KeyValue::Unknown,
                    }
                } else if service == ROLES_ANYWHERE && strip_prefix_ignore_case(key, "aws:PrincipalTag/").is_some() {
                    // Roles Anywhere maps the certificate's subject and issuer to principal tags.
                    KeyValue::Unknown
                } else if service == LAMBDA
                    || service == EDGE_LAMBDA
                    || is_principal_attribute(key)
                    || is_federation_key_of_another(key, service)
                {
                    // A service principal is in no organization and has no tags or MFA, and it
                    // asks with its own credentials, never a federated session's, so no token's
                    // claim or SAML attribute; Lambda sends no external id, IP or VPC either, nor
                    // does Lambda@Edge, which assumes the role as Lambda does (only its source
                    // keys are undocumented).
                    KeyValue::Absent
                } else if is_cloudformation_pseudo_parameter(key) {
                    KeyValue::Absent
                } else {
                    // Other services send keys of their own (Cognito an sts:ExternalId): unknown.
                    KeyValue::Unknown
                }
            }
            // A value tried for a key they choose ([`RequestContext::choosing`]).
            Caller::Stranger(_) if self.chosen.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) => {
                let chosen = self.chosen.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
                chosen.and_then(|(_, v)| *v).map_or(KeyValue::Absent, KeyValue::Known)
            }
            Caller::Stranger(stranger) => {
                let owner_sent = stranger.through_endpoint && stranger.endpoint_owner_sent;
                let sometimes = |present: bool, shape| {
                    if present {
                        KeyValue::Foreign(shape)
                    } else {
                        KeyValue::Absent
                    }
                };
                if !stranger.signed && (is_signer_key(key) || is("sts:ExternalId")) {
                    // Nobody signs a federated call: AWS knows no principal to describe. Nor
                    // has it an external id: only `AssumeRole` takes one.
                    KeyValue::Absent
                } else if is("aws:PrincipalAccount") {
                    KeyValue::Foreign(Foreign::Account)
                } else if is("aws:userid") {
                    KeyValue::Foreign(Foreign::UserId)
                } else if is("aws:PrincipalArn") {
                    KeyValue::Foreign(Foreign::Arn)
                } else if is("aws:PrincipalOrgID") {
                    sometimes(stranger.in_organization, Foreign::Id)
                } else if is("aws:PrincipalOrgPaths") {
                    sometimes(stranger.in_organization, Foreign::OrgPath)
                } else if is("aws:SourceArn") {
                    sometimes(stranger.via_service, Foreign::Arn)
                } else if is("aws:SourceOrgPaths") {
                    sometimes(stranger.via_service, Foreign::OrgPath)
                } else if is("aws:SourceAccount") {
                    sometimes(stranger.via_service, Foreign::Account)
                } else if is_source_key(key) {
                    sometimes(stranger.via_service, Foreign::Id)
                } else if let Some(property) = compute_property(key) {
                    match stranger.on_compute {
                        true => property,
                        false => KeyValue::Absent,
                    }
                } else if is("aws:PrincipalIsAWSService") {
                    KeyValue::Known("false")
                } else if is("aws:PrincipalServiceName") || is("aws:PrincipalServiceNamesList") {
                    KeyValue::Absent
                } else if is("aws:VpcSourceIp") {
                    sometimes(stranger.through_endpoint, Foreign::VpcAddress)
                } else if is("aws:VpceAccount") {
                    // Who owns the endpoint they call through: their account, organization, VPC.
                    sometimes(owner_sent, Foreign::Account)
                } else if is("aws:SourceVpcArn") {
                    sometimes(owner_sent, Foreign::Arn)
                } else if is("aws:VpceOrgID") {
                    sometimes(owner_sent && stranger.in_organization, Foreign::Id)
                } else if is("aws:VpceOrgPaths") {
                    sometimes(owner_sent && stranger.in_organization, Foreign::OrgPath)
                } else if is_network_key(key) {
                    // Where the call comes from: any network they have, never yours; an
                    // endpoint's keys or the internet's, as the call goes.
                    let endpoint_key = !key.eq_ignore_ascii_case("aws:SourceIp");
                    sometimes(endpoint_key == stranger.through_endpoint, Foreign::Network)
                } else if stranger.signed && strip_prefix_ignore_case(key, "saml:").is_some() {
                    // A session they federated with SAML carries three of the assertion's keys
                    // into its later requests ("SAML role permissions policies"); the rest, as
                    // `saml:aud`, only `AssumeRoleWithSAML` has, and any other session none. The
                    // name qualifier hashes their provider with their account: never ours.
                    match saml_key_a_session_carries(key) {
                        Some(_) if !stranger.saml_session => KeyValue::Absent,
                        Some("namequalifier") => KeyValue::Foreign(Foreign::Id),
                        Some(_) => KeyValue::CallerChosen,
                        None => KeyValue::Absent,
                    }
                } else if SessionAction::needed_to_send(key).is_some_and(|a| !stranger.session_actions.allows(a)) {
                    KeyValue::Unsent
                } else if crate::checks::key_issuer(key)
                    .is_some_and(|host| crate::checks::is_known_issuer(&crate::checks::oidc_host(host)))
                {
                    KeyValue::OwnClaim
                } else if is_cloudformation_pseudo_parameter(key) || never_sent(key).is_some_and(UnsentKey::is_certain)
                {
                    // Asked last, of the keys no other branch knows: most are asked often. A key
                    // no request to STS carries (`aws:PrincipleOrgID`) is no stranger's to send.
                    KeyValue::Absent
                } else {
                    // Request keys (sts:ExternalId, …) and their own tags.
                    KeyValue::CallerChosen
                }
            }
        }
    }
}

/// What a stranger's request carries for `key` when they sign with their EC2 instance's or Lambda
/// function's role credentials, to which AWS adds the "role session properties" (the global keys
/// reference): their instance's ARN and VPC, their function's ARN, all theirs; the instance's
/// private address is any they give it. `None` for any other key.
fn compute_property(key: &str) -> Option<KeyValue<'static>> {
    let is = |k: &str| key.eq_ignore_ascii_case(k);
    if is("ec2:SourceInstanceArn") || is("lambda:SourceFunctionArn") {
        Some(KeyValue::Foreign(Foreign::Arn))
    } else if is("aws:Ec2InstanceSourceVpc") {
        Some(KeyValue::Foreign(Foreign::Network))
    } else if is("aws:Ec2InstanceSourcePrivateIPv4") {
        Some(KeyValue::CallerChosen)
    } else {
        None
    }
}

/// The role's own values (its organization, its tags): the same whoever calls, as its owner set
/// them, and not read with its trust policy.
pub(crate) fn is_role_own_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("aws:ResourceOrgID")
        || key.eq_ignore_ascii_case("aws:ResourceOrgPaths")
        || strip_prefix_ignore_case(key, "aws:ResourceTag/").is_some()
        || strip_prefix_ignore_case(key, "iam:ResourceTag/").is_some()
}

/// Whether `key` is a tag of the role's (`aws:ResourceTag/…`, `iam:ResourceTag/…`) that its tag
/// keys, when known, don't hold.
pub(crate) fn lacks_tag(key: &str, role_tags: Option<RoleTags>) -> bool {
    match (role_tag(key), role_tags) {
        // How IAM folds the case of a key beyond ASCII is not documented: such a tag may be one it has.
        (Some(tag), Some(tags)) => tag.is_ascii() && !tags.keys.iter().any(|t| t.eq_ignore_ascii_case(tag)),
        _ => false,
    }
}

/// The value of the role's own key `key` when the reader read all its tags: a tag it lacks is
/// missing, and one it has is its value, the same for every caller.
fn role_own_value<'c>(key: &str, tags: RoleTags<'c>) -> KeyValue<'c> {
    if lacks_tag(key, Some(tags)) {
        return KeyValue::Absent;
    }
    match role_tag(key).and_then(|tag| tags.value_of(tag)) {
        Some(value) => KeyValue::Known(value),
        None => KeyValue::RoleOwn,
    }
}

/// The role's tag a condition key reads (`aws:ResourceTag/team`, `iam:ResourceTag/team`: `team`).
fn role_tag(key: &str) -> Option<&str> {
    strip_prefix_ignore_case(key, "aws:ResourceTag/").or_else(|| strip_prefix_ignore_case(key, "iam:ResourceTag/"))
}

/// The keys that name the owner of the VPC endpoint a request comes through (its account,
/// organization, VPC): AWS fills them in, and sends them only through an endpoint.
fn is_endpoint_owner_key(key: &str) -> bool {
    ["aws:VpceAccount", "aws:SourceVpcArn"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
        || is_endpoint_organization_key(key)
}

/// [`is_endpoint_owner_key`]s sent only when the endpoint's account is in an organization.
fn is_endpoint_organization_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("aws:VpceOrgID") || key.eq_ignore_ascii_case("aws:VpceOrgPaths")
}

/// The keys that say where a request comes from, by what only you have: your public addresses,
/// your VPCs and endpoints. Not `aws:VpcSourceIp`: a private address inside a VPC, which anyone
/// can give their own VPC and reach STS through their own endpoint from (caller-chosen).
fn is_network_key(key: &str) -> bool {
    ["aws:SourceIp", "aws:SourceVpc", "aws:SourceVpce"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
}

/// What AWS sends about whoever signs a request (the IAM reference: "included in the request
/// context for all signed requests", or for those whose principal has the attribute), and so
/// never with an unsigned one. Of the credentials they sign with too: whether and when MFA was
/// used and when the session was issued, "only when the principal uses temporary credentials";
/// a SAML or web identity call signs with none (so a trust of a SAML provider asking for MFA
/// lets nobody in, and a Deny "unless MFA" stops every sign-in). Nor does a federated call come
/// from a service (`aws:PrincipalServiceName`, `aws:CalledVia…`) or a session that has a source
/// identity already (`aws:SourceIdentity`; the one it asks for is `sts:SourceIdentity`).
pub(crate) fn is_signer_key(key: &str) -> bool {
    const OF_THE_CREDENTIALS: [&str; 8] = [
        "aws:PrincipalType",
        "aws:PrincipalIsAWSService",
        "aws:MultiFactorAuthPresent",
        "aws:MultiFactorAuthAge",
        "aws:TokenIssueTime",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:SourceIdentity",
    ];
    // Each starts `aws:`: most keys asked are another's (a provider's claim, `sts:`), told at once.
    let Some(name) = strip_prefix_ignore_case(key, "aws:") else {
        return false;
    };
    is_identity_key(key)
        || OF_THE_CREDENTIALS.iter().any(|k| key.eq_ignore_ascii_case(k))
        // `aws:CalledVia`, `aws:CalledViaFirst`, `aws:CalledViaLast`.
        || strip_prefix_ignore_case(name, "CalledVia").is_some()
        || strip_prefix_ignore_case(name, "PrincipalTag/").is_some()
}

/// A claim of an identity provider's token (`token.actions.githubusercontent.com:sub`,
/// `accounts.google.com:aud`) or an attribute of a SAML assertion (`saml:aud`): sent only with
/// `AssumeRoleWithWebIdentity` or `AssumeRoleWithSAML`, or by a session they made.
pub(crate) fn is_federation_key(key: &str) -> bool {
    crate::checks::key_issuer(key).is_some() || strip_prefix_ignore_case(key, "saml:").is_some()
}

/// A token's claim or a SAML attribute ([`is_federation_key`]) other than one named after the
/// service `service` itself: `cognito-identity.amazonaws.com:aud` beside Cognito's identity
/// pools as a service is left unjudged (a name both a provider and a service have).
pub(crate) fn is_federation_key_of_another(key: &str, service: &str) -> bool {
    is_federation_key(key) && !crate::checks::key_issuer(key).is_some_and(|issuer| issuer.eq_ignore_ascii_case(service))
}

/// Whether the policy variable `name` in `value`, compared with `key`, may put the stranger's own
/// identity there on some of their ways of calling only: their organization's, a service's for a
/// resource of theirs, what their SAML session asserts, the owner of a VPC endpoint of theirs (`aws:PrincipalAccount` =
/// `${aws:VpceAccount}`, `aws:PrincipalArn` like `arn:aws:iam::${aws:VpceAccount}:role/*`,
/// `aws:PrincipalOrgID` = `${aws:VpceOrgID}`), the network they call from or their instance's
/// (`aws:Ec2InstanceSourceVpc` = `${aws:SourceVpc}`: their instance calling through their own
/// endpoint). Such a variable tells their ways apart as a
/// condition on its key does (adding that condition can't let more strangers in). Only where the
/// two can be equal: an account id is never an organization id or a VPC's ARN.
pub(crate) fn theirs_on_some_calls_as(key: &str, value: &str, name: &str) -> bool {
    use Foreign::*;
    // A SAML session's own attributes (`${saml:sub}`), whatever the stranger's IdP asserts: any
    // value on the calls of such a session, none on the others.
    if saml_key_a_session_carries(name).is_some() {
        return true;
    }
    let network = is_network_key(name) || compute_property(name).is_some();
    if !(is_organization_key(name) || is_source_key(name) || is_endpoint_owner_key(name) || network) {
        return false;
    }
    let everywhere = Stranger {
        via_service: true,
        through_endpoint: true,
        on_compute: true,
        ..Stranger::DIRECT
    };
    let ctx = RequestContext::stranger(None, everywhere);
    let (KeyValue::Foreign(compared), KeyValue::Foreign(put)) = (ctx.value(key), ctx.value(name)) else {
        return false;
    };
    let whole = value
        .trim()
        .strip_prefix("${")
        .is_some_and(|rest| rest.find('}') == Some(rest.len() - 1));
    match (compared, put) {
        // Two ARNs of different things (a principal's, a VPC's) are never equal.
        (Arn, Arn) => false,
        (same, put) if same == put => true,
        // Part of a longer value: an account in an ARN, an organization in a path.
        (Arn, Account) | (OrgPath, Id) => !whole,
        _ => false,
    }
}

/// The SAML key (`saml:sub`, …) a SAML session carries into its later requests, as the
/// list spells it; `None` for another key, or one only `AssumeRoleWithSAML` has (`saml:aud`).
pub(crate) fn saml_key_a_session_carries(key: &str) -> Option<&'static str> {
    let attribute = strip_prefix_ignore_case(key, "saml:")?;
    ["sub", "sub_type", "namequalifier"]
        .into_iter()
        .find(|carried| carried.eq_ignore_ascii_case(attribute))
}

/// Sent only for a principal in an organization.
pub(crate) fn is_organization_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("aws:PrincipalOrgID") || key.eq_ignore_ascii_case("aws:PrincipalOrgPaths")
}

/// IAM Roles Anywhere: it assumes roles for workloads outside AWS, with their certificates'
/// fields as principal tags (`aws:PrincipalTag/x509Subject/CN`).
pub(crate) const ROLES_ANYWHERE: &str = "rolesanywhere.amazonaws.com";

/// The condition keys IAM documents for a request to assume a role whose names are fixed: the
/// global keys ("AWS global condition context keys") and STS's ("Actions, resources, and
/// condition keys for AWS Security Token Service"). Tag keys are [`DOCUMENTED_TAG_PREFIXES`].
const DOCUMENTED_KEYS: [&str; 64] = [
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaAWSMCP",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ChatbotSourceArn",
    "aws:CurrentTime",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:IsMcpServiceAction",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:SecureTransport",
    "aws:SignInSessionArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSMCPService",
    "aws:ViaAWSService",
    "aws:VpcSourceIp",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "sts:AWSServiceName",
    "sts:DurationSeconds",
    "sts:ExternalId",
    "sts:IdentityTokenAudience",
    "sts:RequestContextProviders",
    "sts:RoleAuthorizedByIdp",
    "sts:RoleSessionName",
    "sts:SigningAlgorithm",
    "sts:SourceIdentity",
    "sts:TaskPolicyArn",
    "sts:TransitiveTagKeys",
    "sts:RequestContext",
    "iam:AssociatedResourceArn",
    "iam:PassedToService",
];

/// For each length, the documented keys of that length (bit `i` for `DOCUMENTED_KEYS[i]`): a key
/// is compared with a few of them, not all.
const DOCUMENTED_BY_LENGTH: [u128; 48] = {
    let mut table = [0; 48];
    let mut i = 0;
    while i < DOCUMENTED_KEYS.len() {
        table[DOCUMENTED_KEYS[i].len()] |= 1 << i;
        i += 1;
    }
    table
};

/// A documented key, of a fixed name or a tag's (any case, as IAM compares them).
fn is_documented(key: &str) -> bool {
    let mut candidates = DOCUMENTED_BY_LENGTH.get(key.len()).copied().unwrap_or(0);
    while candidates != 0 {
        let candidate = DOCUMENTED_KEYS.get(candidates.trailing_zeros() as usize);
        if candidate.is_some_and(|k| k.eq_ignore_ascii_case(key)) {
            return true;
        }
        candidates &= candidates - 1;
    }
    (DOCUMENTED_TAG_PREFIXES.iter()).any(|prefix| strip_prefix_ignore_case(key, prefix).is_some())
}

/// The documented keys named after a tag or a context (`aws:PrincipalTag/team`).
const DOCUMENTED_TAG_PREFIXES: [&str; 5] = [
    "aws:PrincipalTag/",
    "aws:RequestTag/",
    "aws:ResourceTag/",
    "iam:ResourceTag/",
    "sts:RequestContext/",
];

/// Services whose keys a request to STS may carry, besides the global and STS's own: a SAML
/// assertion's, a compute session's properties (`ec2:SourceInstanceArn`,
/// `lambda:SourceFunctionArn`), and those of services that hand out role sessions, kept unknown
/// (failing closed) rather than judged absent. An identity provider's claims (`host:claim`)
/// are judged by the provider.
const NAMESPACES_STS_MAY_READ: [&str; 16] = [
    "saml",
    "codebuild",
    "identitycenter",
    "glue",
    "sagemaker",
    "ec2",
    "lambda",
    "ssm",
    "ecs",
    "eks",
    "identitystore",
    "sso",
    "sso-directory",
    "rolesanywhere",
    "cognito-identity",
    "cognito-idp",
];

/// Why no request to STS carries a condition key ([`never_sent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnsentKey {
    /// Written without a service (`PrincipalOrgID`): IAM's keys are `service:name`. With the
    /// documented key of that name, if any.
    NoService(Option<&'static str>),
    /// An identity provider's name without a claim after it (`token.actions.githubusercontent.com`).
    NoClaim,
    /// A service's whose keys STS never reads (`s3:prefix`).
    OtherService,
    /// A documented name under another of STS's services (`sts:PrincipalOrgID`).
    WrongService(&'static str),
    /// A slip of a documented key (`aws:PrincipleOrgID`, `sts:ExtrenalId`), with the key surely
    /// meant when one is nearest. Only likely: AWS's own keys are a typo or two apart
    /// (`aws:SourceVpc`, `aws:SourceVpce`), and one it adds may be too.
    Slip(Option<&'static str>),
}

impl UnsentKey {
    /// The documented key surely meant, if any.
    pub fn meant(self) -> Option<&'static str> {
        match self {
            UnsentKey::NoService(meant) | UnsentKey::Slip(meant) => meant,
            UnsentKey::WrongService(meant) => Some(meant),
            UnsentKey::NoClaim | UnsentKey::OtherService => None,
        }
    }

    /// Whether no request carries the key for sure: not a slip, nor a service's key (some services
    /// add keys to their sessions' requests, as Glue's `glue:RoleAssumedBy`: only likely none).
    pub fn is_certain(self) -> bool {
        !matches!(self, UnsentKey::Slip(_) | UnsentKey::OtherService)
    }
}

/// Whether no request to STS ever carries `key`, whoever calls: a key without a service, one of
/// a service STS reads no keys of, a documented name under another service, or, likely only, a
/// slip of a documented global or STS key. An unknown key of `aws:`, `sts:` or `iam:` that is no
/// slip stays a request key the caller may send (AWS adds keys, and a role let in by one must not
/// go unflagged), as does a value a template leaves open.
pub(crate) fn never_sent(key: &str) -> Option<UnsentKey> {
    // Most keys are documented or a provider's claim (`accounts.google.com:sub`, written after its
    // URL or ARN too: the provider's checks judge it). Each test that answers `None` may come
    // first, and these two are the cheapest: this runs for each condition of a check.
    if is_documented(key) || key.rsplit_once(':').is_some_and(|(issuer, _)| issuer.contains('.')) {
        return None;
    }
    // A placeholder of the suggested policy's (`replace_with_provider_host:aud`) is a key to fill in.
    let to_fill_in = || (key.as_bytes().windows(13)).any(|w| w.eq_ignore_ascii_case(b"REPLACE_WITH_"));
    if holds_opaque(key) || key.contains('$') || is_cloudformation_pseudo_parameter(key) || to_fill_in() {
        return None;
    }
    let documented_name = |name: &str| {
        DOCUMENTED_KEYS
            .iter()
            .find(|k| k.split_once(':').is_some_and(|(_, n)| n.eq_ignore_ascii_case(name)))
            .copied()
    };
    let Some((service, name)) = key.split_once(':') else {
        return Some(match key.contains('.') {
            true => UnsentKey::NoClaim,
            false => UnsentKey::NoService(documented_name(key)),
        });
    };
    let read_by_sts = ["aws", "sts", "iam"].iter().any(|s| s.eq_ignore_ascii_case(service));
    if !read_by_sts {
        let may_read = NAMESPACES_STS_MAY_READ.iter().any(|s| s.eq_ignore_ascii_case(service));
        return (!may_read).then_some(UnsentKey::OtherService);
    }
    if let Some(meant) = documented_name(name) {
        return Some(UnsentKey::WrongService(meant));
    }
    slip_of_documented(name).map(UnsentKey::Slip)
}

/// A slip of a documented key's name, whatever the service written before it: within two edits
/// of one (`PrincipleOrgID`, `PrincipalOrgIDs`), or of a tag key's prefix within one
/// (`PrincipalTags/team`). `Some(None)` when two documented names are as near.
fn slip_of_documented(name: &str) -> Option<Option<&'static str>> {
    let name = name.to_ascii_lowercase();
    if let Some((prefix, _)) = name.split_once('/') {
        let near = |p: &&str| {
            let (_, documented) = p.split_once(':').unwrap_or(("", p));
            documented.len().abs_diff(prefix.len() + 1) <= 1
                && crate::policy::edit_distance(&format!("{prefix}/"), &documented.to_ascii_lowercase()) <= 1
        };
        return DOCUMENTED_TAG_PREFIXES.iter().any(near).then_some(None);
    }
    // Two edits change a length by two at most: the others are not compared.
    let distances = DOCUMENTED_KEYS.iter().filter_map(|k| {
        let (_, documented) = k.split_once(':')?;
        (documented.len().abs_diff(name.len()) <= 2).then(|| {
            (
                crate::policy::edit_distance(&name, &documented.to_ascii_lowercase()),
                *k,
            )
        })
    });
    let nearest: Vec<(usize, &'static str)> = distances.filter(|(d, _)| *d <= 2).collect();
    let best = nearest.iter().map(|(d, _)| *d).min()?;
    let mut at_best = nearest.iter().filter(|(d, _)| *d == best).map(|(_, k)| *k);
    let first = at_best.next();
    // The same name in two services (`aws:SourceIdentity`, `sts:SourceIdentity`) is one meaning.
    Some(
        first.filter(|k| {
            at_best.all(|other| other.split_once(':').map(|(_, n)| n) == k.split_once(':').map(|(_, n)| n))
        }),
    )
}

/// A CloudFormation pseudo parameter (`AWS::AccountId`), left as written where `Fn::Sub` was
/// forgotten: `${AWS::AccountId}` reaches IAM as a policy variable of a key no request has
/// (IAM's keys are `service:name`), so its value "is effectively null" for every caller.
pub(crate) fn is_cloudformation_pseudo_parameter(key: &str) -> bool {
    strip_prefix_ignore_case(key, "AWS::").is_some()
}

/// Attributes only an IAM principal has: a service principal never sends them.
pub(crate) fn is_principal_attribute(key: &str) -> bool {
    let starts = |prefix: &str| strip_prefix_ignore_case(key, prefix).is_some();
    is_organization_key(key) || starts("aws:PrincipalTag/") || starts("aws:MultiFactorAuth")
}

/// True for the identity keys that pin who the caller is (used to tell TRUST_PUBLIC_CONDITIONED apart).
pub(crate) fn is_identity_key(key: &str) -> bool {
    [
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",
    ]
    .iter()
    .any(|k| key.eq_ignore_ascii_case(k))
}

/// The confused-deputy keys that tie a service's request to the resource it acts for.
pub(crate) fn is_source_key(key: &str) -> bool {
    [
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
    ]
    .iter()
    .any(|k| key.eq_ignore_ascii_case(k))
}

/// A function's name from its unqualified ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`).
fn lambda_function_name(arn: &str) -> Option<&str> {
    match crate::pattern::arn_fields::<7>(arn)? {
        ["arn", _, "lambda", _, _, "function", name] if !name.is_empty() && !name.contains(':') => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_keys_are_found_by_their_length_in_any_case() {
        for key in DOCUMENTED_KEYS {
            for written in [key.to_owned(), key.to_ascii_uppercase(), key.to_ascii_lowercase()] {
                assert!(is_documented(&written), "{written}");
                assert_eq!(never_sent(&written), None, "{written}");
            }
            // One character more or less is another key, or none (`aws:SourceVpc`, `aws:SourceVpce`).
            for near in [format!("{key}s"), format!("{key}e"), key[..key.len() - 1].to_owned()] {
                let listed = DOCUMENTED_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&near));
                assert_eq!(is_documented(&near), listed, "{near}");
            }
        }
        assert!(is_documented("aws:PrincipalTag/team") && is_documented("STS:REQUESTCONTEXT/x"));
        assert!(!is_documented("") && !is_documented(&"a".repeat(200)));
        assert_eq!(
            never_sent("aws:PrincipleOrgID"),
            Some(UnsentKey::Slip(Some("aws:PrincipalOrgID")))
        );
    }

    #[test]
    fn lambda_context_knows_source_keys_and_nothing_personal() {
        let c = RequestContext::lambda(
            Some("111111111111"),
            None,
            Some("arn:aws:lambda:r:111111111111:function:f"),
        );
        assert_eq!(c.value("AWS:SOURCEACCOUNT"), KeyValue::Known("111111111111"));
        assert_eq!(
            c.value("aws:SourceArn"),
            KeyValue::Known("arn:aws:lambda:r:111111111111:function:f")
        );
        assert_eq!(c.value("aws:PrincipalOrgID"), KeyValue::Absent);
        assert_eq!(c.value("sts:ExternalId"), KeyValue::Absent);
        assert_eq!(c.value("aws:CurrentTime"), KeyValue::Unknown);
        let no_function = RequestContext::lambda(None, None, None);
        assert_eq!(no_function.value("aws:SourceArn"), KeyValue::Unknown);
        assert_eq!(no_function.value("aws:SourceAccount"), KeyValue::Unknown);
    }

    #[test]
    fn stranger_controls_request_keys_but_not_identity() {
        let c = RequestContext::stranger(Some("111111111111"), Stranger::DIRECT);
        assert_eq!(c.value("sts:ExternalId"), KeyValue::CallerChosen);
        assert_eq!(c.value("aws:PrincipalTag/team"), KeyValue::CallerChosen);
        assert_eq!(c.value("sts:SourceIdentity"), KeyValue::CallerChosen);
        // Keys no request to STS carries: none of a service STS reads none of, none without a
        // service, no documented name under another service.
        for never in [
            "PrincipalOrgID",
            "sts:PrincipalOrgID",
            "token.actions.githubusercontent.com",
        ] {
            assert_eq!(c.value(never), KeyValue::Absent, "{never}");
        }
        // A service's key may be one it adds to its sessions' requests: in doubt, sent.
        assert_eq!(c.value("acme:team"), KeyValue::CallerChosen);
        // A compute session's properties, a service's that hands out sessions: maybe.
        for maybe in ["ssm:SourceInstanceArn", "ecs:TaskArn", "identitystore:UserId"] {
            assert_ne!(c.value(maybe), KeyValue::Absent, "{maybe}");
        }
        // A misspelt key may be one AWS adds (its own are a typo or two apart): in doubt, sent.
        for maybe in [
            "aws:PrincipleOrgID",
            "aws:SourceVpceArn",
            "sts:RequestContext/identitycenter:InstanceArn",
        ] {
            assert_eq!(c.value(maybe), KeyValue::CallerChosen, "{maybe}");
        }
        assert!(matches!(c.value("aws:PrincipalOrgID"), KeyValue::Foreign(_)));
        assert_eq!(
            c.value("aws:SourceArn"),
            KeyValue::Absent,
            "a direct call names no source"
        );
        let alone = RequestContext::stranger(
            None,
            Stranger {
                in_organization: false,
                via_service: true,
                through_endpoint: true,
                endpoint_owner_sent: true,
                signed: true,
                saml_session: false,
                on_compute: false,
                session_actions: SessionActions([false; 2]),
            },
        );
        assert_eq!(alone.value("aws:principalorgid"), KeyValue::Absent);
        // Through an endpoint a request has the endpoint's keys, over the internet an address.
        assert_eq!(alone.value("aws:SourceVpce"), KeyValue::Foreign(Foreign::Network));
        assert_eq!(alone.value("aws:SourceIp"), KeyValue::Absent);
        assert_eq!(alone.value("aws:VpceAccount"), KeyValue::Foreign(Foreign::Account));
        // STS is not among the services AWS lists as sending the endpoint owner's keys.
        let unlisted = RequestContext::stranger(
            None,
            Stranger {
                through_endpoint: true,
                endpoint_owner_sent: false,
                ..Stranger::DIRECT
            },
        );
        assert_eq!(unlisted.value("aws:VpceAccount"), KeyValue::Absent);
        assert_eq!(unlisted.value("aws:SourceVpce"), KeyValue::Foreign(Foreign::Network));
        let kinds = |keys: &[&str]| RequestContext::strangers(None, keys.iter().copied(), SessionActions::ALL).count();
        assert_eq!(kinds(&["aws:SourceVpce"]), 2, "internet or endpoint");
        assert_eq!(
            kinds(&["aws:VpceAccount"]),
            3,
            "internet, endpoint with its owner's keys or without"
        );
        for unsent in [
            "sts:SourceIdentity",
            "aws:sourceidentity",
            "aws:RequestTag/team",
            "aws:TagKeys",
            "sts:TransitiveTagKeys",
        ] {
            assert_eq!(alone.value(unsent), KeyValue::Unsent, "nothing allows sending {unsent}");
            assert_eq!(c.value(unsent), KeyValue::CallerChosen, "{unsent} allowed");
        }
        assert_eq!(
            alone.value("aws:RequestTags/team"),
            KeyValue::CallerChosen,
            "misspelt: in doubt, sent"
        );
        assert_eq!(c.value("aws:SourceVpc"), KeyValue::Absent);
        assert_eq!(c.value("aws:SourceIp"), KeyValue::Foreign(Foreign::Network));
        assert_eq!(alone.value("aws:SourceArn"), KeyValue::Foreign(Foreign::Arn));
        assert_eq!(c.value("aws:ResourceAccount"), KeyValue::Known("111111111111"));
        // An unsigned, federated call describes no signer; a token's claims come with either
        // (a federated session chaining in signs its call).
        assert_eq!(c.value("token.actions.githubusercontent.com:sub"), KeyValue::OwnClaim);
        let federated = c.assuming("sts:AssumeRoleWithWebIdentity");
        assert_eq!(federated.value("aws:PrincipalAccount"), KeyValue::Absent);
        assert_eq!(federated.value("aws:PrincipalTag/team"), KeyValue::Absent);
        assert_eq!(federated.value("aws:PrincipalIsAWSService"), KeyValue::Absent);
        assert_eq!(c.value("aws:PrincipalIsAWSService"), KeyValue::Known("false"));
        assert_eq!(
            federated.value("token.actions.githubusercontent.com:sub"),
            KeyValue::OwnClaim
        );
        assert_eq!(federated.assuming("sts:AssumeRole").caller, c.caller);
        assert!(is_identity_key("AWS:PrincipalArn"));
        assert!(is_source_key("aws:sourcearn"));
    }

    #[test]
    fn strangers_differ_only_where_the_conditions_can_tell() {
        let none: Vec<_> = RequestContext::strangers(None, ["sts:ExternalId"], SessionActions::ALL).collect();
        assert_eq!(none.len(), 1);
        let org: Vec<_> = RequestContext::strangers(None, ["aws:PrincipalOrgID"], SessionActions::ALL).collect();
        assert_eq!(org.len(), 2);
        let both: Vec<_> = RequestContext::strangers(
            None,
            ["aws:PrincipalOrgPaths", "AWS:SourceAccount"],
            SessionActions::ALL,
        )
        .collect();
        assert_eq!(both.len(), 4);
        let network: Vec<_> =
            RequestContext::strangers(None, ["aws:SourceVpce", "aws:SourceIp"], SessionActions::ALL).collect();
        assert_eq!(network.len(), 2);
    }

    #[test]
    fn other_services_keep_their_own_keys_unknown() {
        let cognito = RequestContext::service("cognito-idp.amazonaws.com", None);
        assert_eq!(cognito.value("sts:ExternalId"), KeyValue::Unknown);
        assert_eq!(cognito.value("aws:PrincipalOrgID"), KeyValue::Absent);
        assert_eq!(cognito.value("aws:PrincipalTag/team"), KeyValue::Absent);
        assert_eq!(cognito.value("aws:MultiFactorAuthPresent"), KeyValue::Absent);
        assert_eq!(
            RequestContext::service(LAMBDA, None).value("sts:ExternalId"),
            KeyValue::Absent
        );
    }
}
