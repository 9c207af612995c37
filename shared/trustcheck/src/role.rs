//! What the caller knows about the role besides its trust policy.

use crate::{
    pattern::{arn_account, arn_fields, is_account_id},
    sources::EventSource,
};

/// The role under evaluation. Everything is optional: the CLI may know only the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// `arn:aws:iam::123456789012:role/path/name`.
    pub arn: Option<String>,
    /// The owning account; defaults to the account in `arn`, then in the first function ARN.
    pub account_id: Option<String>,
    /// The role's path (`/aws-service-role/…/`); defaults to the path in `arn`.
    pub path: Option<String>,
    /// Tag keys on the role (for `exemptTagKey`).
    pub tag_keys: Vec<String>,
    /// `tag_keys` are all the role's tags (an authorization-details entry's):
    /// a condition on a tag the role lacks reads it as missing, and one on a tag of
    /// `tag_values` reads its value. Otherwise a role's own tag in a condition stays unknown (in
    /// a Deny, not counted on to stop anyone).
    pub tags_known: bool,
    /// The value of each tag whose value the reader has, by key (with `tags_known`).
    pub tag_values: Vec<(String, String)>,
    /// The functions that use the role as their execution role: ARNs (or bare names).
    pub functions: Vec<String>,
    /// Those of them CloudFront runs at the edge (a distribution's Lambda@Edge associations):
    /// their replicas assume the role as `edgelambda.amazonaws.com` too. Counted as functions
    /// that use the role whether or not `functions` lists them.
    pub edge_functions: Vec<String>,
    /// The event source mappings of those functions: what stops when Lambda can't assume the role.
    pub event_sources: Vec<EventSource>,
    /// The mappings could not be listed: a Lambda finding may be stopping a stream whose records
    /// expire, so it is judged as one that does (CRITICAL), failing closed.
    pub event_sources_unknown: bool,
    /// The document is a proposal IAM has not accepted yet (a template, a plan, a policy file),
    /// not IAM's stored copy: what IAM would refuse is reported (`TRUST_POLICY_INVALID`). A
    /// stored policy was accepted, so it never is.
    pub proposed: bool,
    /// The change creates the role (a plan's new or replaced role): it doesn't exist yet when IAM
    /// reads this document, and IAM refuses a principal that doesn't exist, the role's own ARN
    /// included (`TRUST_POLICY_INVALID`). Only with `proposed`.
    pub to_be_created: bool,
    /// The account in `arn` (or `account_id`) stands in for one the reader doesn't know (a
    /// template scanned without the account it deploys to): a value of the policy that differs
    /// from it may still be the role's own account.
    pub account_is_stand_in: bool,
    /// The partition in `arn` stands in for one the reader doesn't know (a template scanned
    /// without its region): a principal of another partition may be of the role's own.
    pub partition_is_stand_in: bool,
    /// Whether the role's name in `arn` is the one it has, or stands in for one given at deploy
    /// ([`Naming`]): `exemptRoleArnPatterns` exempt it only by what every such name meets.
    pub naming: Naming,
}

/// How the reader knows a role's name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Naming {
    /// The name it has (IAM's, a plan's, a template's `RoleName` written out).
    #[default]
    Known,
    /// CloudFormation names it `STACK-NAME-SUFFIX` at deploy, NAME its logical id (a template's
    /// role without `RoleName`, SAM's generated roles).
    Generated,
    /// The deployer gives it (a `RoleName` from a parameter whose `Default` stands in).
    Chosen,
}

impl Role {
    /// The ARNs `exemptRoleArnPatterns` must each match to exempt the role: its own, or, with
    /// a name given at deploy ([`Role::naming`]), names it may be given: CloudFormation's
    /// `STACK-NAME-SUFFIX` for two stacks (`role/*-ProdPartner-*` covers them, `role/Prod*`
    /// doesn't), or any name (`role/partners/*` alone).
    pub fn exemption_arns(&self) -> Vec<std::borrow::Cow<'_, str>> {
        let Some(arn) = self.arn.as_deref() else {
            return Vec::new();
        };
        let Some((path, name)) = arn.rsplit_once('/') else {
            return vec![arn.into()];
        };
        match self.naming {
            Naming::Known => vec![arn.into()],
            Naming::Generated => vec![
                format!("{path}/app-{name}-1A2B3C4D5E6F").into(),
                format!("{path}/orders-prod-eu-{name}-Z9Y8X7W6V5U4").into(),
            ],
            Naming::Chosen => vec![format!("{path}/*").into()],
        }
    }

    pub fn account(&self) -> Option<&str> {
        self.read().account
    }

    /// What an evaluation leaves unjudged when the role's account is unknown (no account id, no
    /// role or function ARN): readers of one policy are told so beside the verdict.
    pub fn unknown_account_note(&self) -> Option<&'static str> {
        self.account().is_none().then_some(
            "the role's account is unknown: other accounts' roots and aws:SourceAccount conditions are not judged; give its account id or ARN",
        )
    }

    /// What a reader of one policy's verdict is told beside it: the role's account unknown
    /// ([`Role::unknown_account_note`]), and each function of another account, which the
    /// evaluation leaves out (Lambda can't use another account's role).
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self.unknown_account_note().map(str::to_owned).into_iter().collect();
        if let Some(own) = self.account() {
            for function in &self.functions {
                if let Some(theirs) = FunctionRef::parse(function).account.filter(|theirs| *theirs != own) {
                    notes.push(format!(
                        "{function} is in account {theirs}, not the role's {own}: Lambda can't use another account's role, so it is not counted"
                    ));
                }
            }
        }
        notes
    }

    /// The path, given or read from the ARN (`role/a/b/name` → `/a/b/`).
    pub fn path(&self) -> Option<&str> {
        self.read().path
    }

    /// [`Role::account`], [`Role::path`] and the partition, reading the ARN once: every
    /// evaluation needs them all.
    pub(crate) fn read(&self) -> RoleRead<'_> {
        let fields = self.arn.as_deref().and_then(arn_fields::<6>);
        let account = self
            .account_id
            .as_deref()
            .or_else(|| fields.and_then(|[arn, .., account, _]| (arn == "arn").then_some(account)))
            .or_else(|| self.functions.iter().find_map(|f| arn_account(f)))
            .filter(|a| is_account_id(a));
        let path = self.path.as_deref().or_else(|| {
            let after_type = fields?[5].strip_prefix("role")?;
            // By bytes: `rfind` sets up a searcher, which costs more than these few bytes.
            let end = after_type.bytes().rposition(|b| b == b'/')?;
            after_type.get(..=end)
        });
        let partition = fields
            .and_then(|[arn, partition, ..]| (arn == "arn" && !partition.is_empty()).then_some(partition))
            .unwrap_or("aws");
        RoleRead {
            account,
            path,
            partition,
        }
    }

    /// A role AWS made for a service, whose trust AWS manages: its ARN or stored path says so,
    /// and, given both, both do (a path edited into a dump must not hide a role's findings).
    /// A path a template or plan gives a role it would create (`proposed`, `path` given) doesn't:
    /// IAM refuses that path in a CreateRole, so such a role is judged whatever its path says.
    pub fn is_service_linked(&self) -> bool {
        self.is_service_linked_at(self.path())
    }

    /// [`Role::is_service_linked`] with the role's path already read.
    pub(crate) fn is_service_linked_at(&self, path: Option<&str>) -> bool {
        const SERVICE_ROLES: &str = "/aws-service-role/";
        let arn_agrees = || {
            (self.arn.as_deref().and_then(arn_fields::<6>)).is_none_or(|[.., resource]| {
                resource
                    .strip_prefix("role")
                    .is_some_and(|p| p.starts_with(SERVICE_ROLES))
            })
        };
        !(self.proposed && self.path.is_some()) && path.is_some_and(|p| p.starts_with(SERVICE_ROLES)) && arn_agrees()
    }

    /// The role's name, from its ARN.
    pub fn name(&self) -> Option<&str> {
        self.arn.as_deref()?.rsplit('/').next()
    }
}

/// What the role's ARN (and the fields given beside it) say about it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoleRead<'r> {
    pub account: Option<&'r str>,
    pub path: Option<&'r str>,
    /// `aws-us-gov` in `arn:aws-us-gov:iam::…`; `aws` when the ARN is unknown.
    pub partition: &'r str,
}

/// A function that uses the role, as Lambda's request context would describe it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FunctionRef<'r> {
    pub name: &'r str,
    pub account: Option<&'r str>,
    /// The unqualified function ARN: what Lambda sends as `aws:SourceArn`.
    pub arn: Option<&'r str>,
}

impl<'r> FunctionRef<'r> {
    pub fn parse(text: &'r str) -> FunctionRef<'r> {
        // arn:partition:lambda:region:account:function:name[:qualifier]
        if let Some(["arn", _, _, _, account, "function", rest]) = arn_fields(text) {
            // Drop a version or alias qualifier: Lambda names the function itself.
            let name = rest
                .bytes()
                .position(|b| b == b':')
                .and_then(|at| rest.get(..at))
                .unwrap_or(rest);
            let unqualified_len = text.len() - (rest.len() - name.len());
            return FunctionRef {
                name,
                account: Some(account).filter(|a| is_account_id(a)),
                arn: Some(&text[..unqualified_len]),
            };
        }
        FunctionRef {
            name: text,
            account: None,
            arn: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_say_what_one_policy_s_verdict_leaves_out() {
        assert_eq!(Role::default().notes().len(), 1, "the account unknown");
        let role = Role {
            arn: Some("arn:aws:iam::111122223333:role/x".into()),
            functions: vec![
                "arn:aws:lambda:us-east-1:111122223333:function:own".into(),
                "arn:aws:lambda:us-east-1:222233334444:function:theirs".into(),
                "bare-name".into(),
            ],
            ..Role::default()
        };
        assert_eq!(
            role.notes(),
            ["arn:aws:lambda:us-east-1:222233334444:function:theirs is in account 222233334444, not the role's 111122223333: Lambda can't use another account's role, so it is not counted"]
        );
    }

    #[test]
    fn account_and_path_come_from_the_arn() {
        let role = Role {
            arn: Some(
                "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig".into(),
            ),
            ..Role::default()
        };
        assert_eq!(role.account(), Some("123456789012"));
        assert_eq!(role.path(), Some("/aws-service-role/config.amazonaws.com/"));
        assert_eq!(role.read().partition, "aws");
        let gov = Role {
            arn: Some("arn:aws-us-gov:iam::123456789012:role/app".into()),
            ..Role::default()
        };
        assert_eq!(gov.read().partition, "aws-us-gov");
        assert_eq!(Role::default().read().partition, "aws", "unknown: taken to be aws");
        assert!(role.is_service_linked());
        assert_eq!(role.name(), Some("AWSServiceRoleForConfig"));
        let plain = Role {
            arn: Some("arn:aws:iam::123456789012:role/orders".into()),
            ..Role::default()
        };
        assert_eq!(plain.path(), Some("/"));
        assert!(!plain.is_service_linked());
        // A policy written for an existing service-linked role, named by its ARN: still AWS's.
        let named = Role {
            proposed: true,
            ..role.clone()
        };
        assert!(named.is_service_linked());
        let proposed = Role {
            proposed: true,
            path: Some("/aws-service-role/x/".into()),
            ..role
        };
        assert!(!proposed.is_service_linked(), "IAM makes no such role from a template");
        // A stored path its ARN doesn't have (a dump edited by hand) makes no role AWS's.
        let edited = Role {
            path: Some("/aws-service-role/x.amazonaws.com/".into()),
            ..plain.clone()
        };
        assert!(!edited.is_service_linked());
        let path_alone = Role {
            path: Some("/aws-service-role/x.amazonaws.com/".into()),
            ..Role::default()
        };
        assert!(path_alone.is_service_linked());
    }

    #[test]
    fn account_falls_back_to_functions() {
        let role = Role {
            functions: vec!["arn:aws:lambda:eu-west-1:210987654321:function:f".into()],
            ..Role::default()
        };
        assert_eq!(role.account(), Some("210987654321"));
        assert_eq!(Role::default().account(), None);
    }

    #[test]
    fn function_refs_drop_qualifiers() {
        let f = FunctionRef::parse("arn:aws:lambda:eu-west-1:210987654321:function:orders:live");
        assert_eq!(f.name, "orders");
        assert_eq!(f.arn, Some("arn:aws:lambda:eu-west-1:210987654321:function:orders"));
        assert_eq!(f.account, Some("210987654321"));
        let bare = FunctionRef::parse("orders");
        assert_eq!((bare.name, bare.arn), ("orders", None));
    }
}
