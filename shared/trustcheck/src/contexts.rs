//! The request contexts a trust policy is evaluated against, modelled on what IAM would see.
//!
//! - Lambda: the service principal `lambda.amazonaws.com` assuming the role for one function.
//! - Anyone: a stranger in another account, who controls every request key except those AWS fills
//!   in from the caller's identity.

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller<'c> {
    Service(&'c str),
    /// An arbitrary AWS principal in an account the role owner does not control.
    Stranger,
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
    /// Filled in by AWS from the stranger's identity: never equal to a literal the role owner wrote.
    Foreign(Foreign),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Foreign {
    /// The value is an ARN whose account field is the stranger's.
    pub arn: bool,
    /// AWS always sends the key (`aws:PrincipalAccount`); others only sometimes (`aws:PrincipalOrgID`).
    pub always_present: bool,
}

pub(crate) const LAMBDA: &str = "lambda.amazonaws.com";
pub(crate) const EDGE_LAMBDA: &str = "edgelambda.amazonaws.com";

#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestContext<'c> {
    pub caller: Caller<'c>,
    /// The role's own account, when known.
    pub role_account: Option<&'c str>,
    /// Lambda only: the function's account and ARN, when known.
    pub source_account: Option<&'c str>,
    pub source_arn: Option<&'c str>,
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
            source_account: function_account.or(role_account),
            source_arn: function_arn,
        }
    }

    pub fn anyone(role_account: Option<&'c str>) -> Self {
        RequestContext {
            caller: Caller::Stranger,
            role_account,
            source_account: None,
            source_arn: None,
        }
    }

    pub fn value(&self, key: &str) -> KeyValue<'c> {
        let known_or_unknown = |v: Option<&'c str>| v.map_or(KeyValue::Unknown, KeyValue::Known);
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        // Present in every request, with values no policy author can predict here.
        if is("aws:CurrentTime") || is("aws:EpochTime") {
            return KeyValue::Unknown;
        }
        if is("aws:ResourceAccount") {
            return known_or_unknown(self.role_account);
        }
        match self.caller {
            Caller::Service(service) => {
                if is("aws:SourceAccount") {
                    known_or_unknown(self.source_account)
                } else if is("aws:SourceArn") {
                    known_or_unknown(self.source_arn)
                } else if is("aws:PrincipalServiceName") {
                    KeyValue::Known(service)
                } else if is("aws:PrincipalIsAWSService") {
                    KeyValue::Known("true")
                } else if is("aws:SourceOrgID") || is("aws:SourceOrgPaths") || is("aws:SecureTransport") {
                    // Sent when the function's account is in an organization, which we cannot see.
                    KeyValue::Unknown
                } else {
                    // A service principal is in no organization and sends no external id, MFA, IP or VPC.
                    KeyValue::Absent
                }
            }
            Caller::Stranger => {
                let foreign = |arn, always_present| KeyValue::Foreign(Foreign { arn, always_present });
                if is("aws:PrincipalAccount") || is("aws:userid") {
                    foreign(false, true)
                } else if is("aws:PrincipalArn") {
                    foreign(true, true)
                } else if is("aws:SourceArn") {
                    foreign(true, false)
                } else if is("aws:PrincipalOrgID")
                    || is("aws:PrincipalOrgPaths")
                    || is("aws:SourceAccount")
                    || is("aws:SourceOrgID")
                    || is("aws:SourceOrgPaths")
                {
                    foreign(false, false)
                } else if is("aws:PrincipalIsAWSService") {
                    KeyValue::Known("false")
                } else if is("aws:PrincipalServiceName") {
                    KeyValue::Absent
                } else {
                    KeyValue::CallerChosen
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let c = RequestContext::anyone(Some("111111111111"));
        assert_eq!(c.value("sts:ExternalId"), KeyValue::CallerChosen);
        assert!(matches!(c.value("aws:PrincipalOrgID"), KeyValue::Foreign(_)));
        assert_eq!(c.value("aws:ResourceAccount"), KeyValue::Known("111111111111"));
        assert!(is_identity_key("AWS:PrincipalArn"));
        assert!(is_source_key("aws:sourcearn"));
    }
}
