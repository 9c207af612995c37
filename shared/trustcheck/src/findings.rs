//! The finding catalog: every id, its default severity and its help text, in one place.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// Parses `LOW` … `CRITICAL` (any case).
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingId {
    LambdaTrustMissing,
    LambdaTrustConditionBlocks,
    LambdaTrustDenied,
    LambdaTrustExpiring,
    LambdaEdgeTrustMissing,
    TrustPublic,
    TrustPublicConditioned,
    TrustOidcUnscoped,
    CrossAccountUnconditioned,
    LambdaRoleExtraTrust,
    ConfusedDeputyUnscoped,
    ConfusedDeputyIneffective,
    BroadTrustAction,
    DanglingPrincipal,
    TrustPolicyInvalid,
    StatementNeverApplies,
    PolicyUnparseable,
    EvaluationFailed,
}

impl FindingId {
    pub const ALL: [FindingId; 18] = [
        FindingId::LambdaTrustMissing,
        FindingId::LambdaTrustConditionBlocks,
        FindingId::LambdaTrustDenied,
        FindingId::LambdaTrustExpiring,
        FindingId::LambdaEdgeTrustMissing,
        FindingId::TrustPublic,
        FindingId::TrustPublicConditioned,
        FindingId::TrustOidcUnscoped,
        FindingId::CrossAccountUnconditioned,
        FindingId::LambdaRoleExtraTrust,
        FindingId::ConfusedDeputyUnscoped,
        FindingId::ConfusedDeputyIneffective,
        FindingId::BroadTrustAction,
        FindingId::DanglingPrincipal,
        FindingId::TrustPolicyInvalid,
        FindingId::StatementNeverApplies,
        FindingId::PolicyUnparseable,
        FindingId::EvaluationFailed,
    ];

    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    pub fn parse(text: &str) -> Option<FindingId> {
        FindingId::ALL.into_iter().find(|id| id.as_str() == text)
    }

    /// The findings that stop Lambda from assuming the role: the ones event source mappings
    /// make worse.
    pub fn stops_lambda(self) -> bool {
        matches!(
            self,
            FindingId::LambdaTrustMissing | FindingId::LambdaTrustConditionBlocks | FindingId::LambdaTrustDenied
        )
    }

    /// The findings the functions that use the role decide (Lambda's, Lambda@Edge's, a Lambda
    /// role's other trusts): an evaluation that could not list them all may lack one.
    pub fn judged_by_functions(self) -> bool {
        matches!(
            self,
            FindingId::LambdaTrustMissing
                | FindingId::LambdaTrustConditionBlocks
                | FindingId::LambdaTrustDenied
                | FindingId::LambdaTrustExpiring
                | FindingId::LambdaEdgeTrustMissing
                | FindingId::LambdaRoleExtraTrust
        )
    }

    /// A finding a statement holds once per identity provider, its message naming that provider
    /// and nothing that changes by itself: a report tells them apart by it (SARIF's fingerprint).
    /// (The others that can repeat in a statement name counts or lists of principals.)
    pub fn once_per_provider(self) -> bool {
        self == FindingId::TrustOidcUnscoped
    }

    /// The severity before rule parameters adjust it (`requireSourceAccount`).
    pub fn default_severity(self) -> Severity {
        self.entry().1
    }

    /// One line: what the finding means.
    pub fn title(self) -> &'static str {
        self.entry().2
    }

    /// Why it matters and how to fix it, for SARIF rules and documentation.
    pub fn help(self) -> &'static str {
        self.entry().3
    }

    // Inlined into each accessor, so that a build that reads ids alone (the sandbox page's
    // WebAssembly, within its 300 KB budget) leaves the titles and help texts out.
    #[inline(always)]
    fn entry(self) -> (&'static str, Severity, &'static str, &'static str) {
        use FindingId::*;
        use Severity::*;
        match self {
            LambdaTrustMissing => (
                "LAMBDA_TRUST_MISSING",
                High,
                "Lambda can't assume this execution role",
                "No Allow statement lets the service principal lambda.amazonaws.com perform sts:AssumeRole. \
                 Functions using the role fail and event source mappings (SQS, Kinesis, DynamoDB Streams) stop \
                 consuming without an error anywhere: the finding names the mappings it stops, and is CRITICAL \
                 when an enabled Kinesis, DynamoDB stream, Kafka or DocumentDB mapping is among them (records \
                 expire: permanent loss). Add a statement for lambda.amazonaws.com with sts:AssumeRole and a StringEquals \
                 aws:SourceAccount condition.",
            ),
            LambdaTrustConditionBlocks => (
                "LAMBDA_TRUST_CONDITION_BLOCKS",
                High,
                "A condition keeps Lambda from assuming the role",
                "The Lambda statement's conditions are false when Lambda assumes the role for a function that \
                 uses it: a different aws:SourceAccount, an aws:SourceArn naming another function, or a key a \
                 service never sends (aws:PrincipalOrgID, sts:ExternalId, MFA, source IP). The finding names the \
                 event source mappings of those functions that stop (CRITICAL for an enabled stream: records \
                 expire). Replace the condition with StringEquals aws:SourceAccount set to the function's account.",
            ),
            LambdaTrustDenied => (
                "LAMBDA_TRUST_DENIED",
                High,
                "A Deny statement stops Lambda from assuming the role",
                "An explicit Deny applies to lambda.amazonaws.com assuming the role and overrides every Allow. \
                 The finding names the event source mappings that stop (CRITICAL for an enabled stream: records \
                 expire). Narrow the Deny so that it no longer matches Lambda, for example with a StringNotEquals \
                 aws:SourceAccount guard.",
            ),
            LambdaTrustExpiring => (
                "LAMBDA_TRUST_EXPIRING",
                Medium,
                "A time condition ends Lambda's trust within 30 days",
                "Lambda can assume the role today, but a condition on aws:CurrentTime or aws:EpochTime (an \
                 Allow's window that closes, a Deny that starts) keeps it out from a date within the next 30 \
                 days: the functions and their event source mappings stop then, without an error anywhere. \
                 The finding names the date. Remove the time condition from Lambda's statement, or spare \
                 Lambda from the Deny.",
            ),
            LambdaEdgeTrustMissing => (
                "LAMBDA_EDGE_TRUST_MISSING",
                High,
                "Lambda@Edge can't assume this execution role",
                "CloudFront runs a function that uses the role at the edge (Lambda@Edge), and no Allow lets \
                 edgelambda.amazonaws.com perform sts:AssumeRole (none names it, its conditions are false, or a \
                 Deny stops it). CloudFront refuses to associate the function with a distribution, and an \
                 association made before the trust changed answers viewers with 502 errors. Add a statement \
                 for edgelambda.amazonaws.com with sts:AssumeRole beside Lambda's.",
            ),
            TrustPublic => (
                "TRUST_PUBLIC",
                Critical,
                "Anyone can assume this role",
                "A wildcard principal (\"*\", {\"AWS\":\"*\"}, NotPrincipal) may assume the role and no condition \
                 pins the caller's identity, so any AWS account can obtain its credentials. Name the exact \
                 principals that need the role.",
            ),
            TrustPublicConditioned => (
                "TRUST_PUBLIC_CONDITIONED",
                Medium,
                "A wildcard principal is narrowed only by conditions",
                "The role trusts a wildcard principal and relies on identity conditions (aws:PrincipalOrgID, \
                 aws:PrincipalAccount, aws:PrincipalArn), your networks (aws:SourceVpce, aws:SourceVpc, \
                 aws:SourceIp), a time window that has closed, or a Deny guard to keep strangers out. A mistake in those conditions (or a new date) makes the role public. Name \
                 the principals explicitly.",
            ),
            TrustOidcUnscoped => (
                "TRUST_OIDC_UNSCOPED",
                Critical,
                "Any identity of the OIDC provider can assume the role",
                "A Federated OIDC principal may call sts:AssumeRoleWithWebIdentity with no condition on the \
                 token's subject (:sub), or one that matches anything. For GitHub Actions that means any \
                 repository on GitHub. Add a StringEquals or StringLike condition on <provider>:sub naming \
                 your repository, branch or service account; for a Cognito identity pool, its aud and \
                 cognito-identity.amazonaws.com:amr (authenticated).",
            ),
            CrossAccountUnconditioned => (
                "CROSS_ACCOUNT_UNCONDITIONED",
                Medium,
                "Another account is trusted without a condition",
                "A whole other account (its root or bare id) may assume the role, so every principal that \
                 account's administrators allow can. Add sts:ExternalId, or name the exact role with \
                 aws:PrincipalArn (aws:PrincipalOrgID doesn't narrow it: every principal of the account \
                 is in its organization).",
            ),
            LambdaRoleExtraTrust => (
                "LAMBDA_ROLE_EXTRA_TRUST",
                Medium,
                "A Lambda execution role also trusts other principals",
                "The execution role can be assumed by principals other than Lambda, Lambda@Edge or the role \
                 itself, who then get the function's permissions. Give those principals a role of their own.",
            ),
            ConfusedDeputyUnscoped => (
                "CONFUSED_DEPUTY_UNSCOPED",
                Low,
                "A service principal is trusted without aws:SourceAccount",
                "The service can assume the role on behalf of any account's resources (confused deputy). Add \
                 StringEquals aws:SourceAccount with your account id.",
            ),
            ConfusedDeputyIneffective => (
                "CONFUSED_DEPUTY_INEFFECTIVE",
                Low,
                "A confused-deputy condition does nothing",
                "The source condition matches any caller (StringLike \"*\", an ArnLike with a wildcard account, \
                 IfExists, only aws:ResourceAccount) or a sibling statement trusts the same service without it. \
                 Use StringEquals aws:SourceAccount with your account id on every statement for the service.",
            ),
            BroadTrustAction => (
                "BROAD_TRUST_ACTION",
                Low,
                "The trust grants more actions than assuming the role",
                "The statement allows \"*\", \"sts:*\", a wildcard or NotAction where sts:AssumeRole (with \
                 sts:TagSession or sts:SetSourceIdentity when needed) is meant. List the actions.",
            ),
            DanglingPrincipal => (
                "DANGLING_PRINCIPAL",
                Low,
                "A trusted principal no longer exists",
                "IAM replaced a principal ARN with its unique id (AROA…, AIDA…) because the principal was \
                 deleted. It matches nobody, and re-creating the principal does not restore it. Remove it or \
                 put the ARN back.",
            ),
            TrustPolicyInvalid => (
                "TRUST_POLICY_INVALID",
                High,
                "IAM would refuse this trust policy",
                "Reported for templates, plans, policy files and the sandbox only (a stored policy was accepted by IAM): the \
                 document holds what IAM refuses in a role trust policy with MalformedPolicyDocument, so the \
                 deployment fails: Resource or NotResource, NotPrincipal, the bare \"Principal\": \"*\", a \
                 statement without Principal, a wildcard inside a principal ARN, a group or a bucket's canonical \
                 user as principal, a malformed service or identity-provider name, an action outside sts, a \
                 principal of another partition, a GitHub trust without a sub condition, a Cognito identity \
                 pool's trust without its aud condition, a document past 4,096 characters, among others (the \
                 finding's message says which). Write the principals out as ARNs, service names or provider ARNs.",
            ),
            StatementNeverApplies => (
                "STATEMENT_NEVER_APPLIES",
                Low,
                "A statement can never apply",
                "Nobody can use the statement, or some of its principals can't: the action doesn't match the \
                 principal (a service or AWS principal needs sts:AssumeRole, an OIDC provider \
                 sts:AssumeRoleWithWebIdentity, a SAML provider sts:AssumeRoleWithSAML), a condition asks for \
                 a key the service never sends (aws:PrincipalOrgID, aws:PrincipalTag/…, MFA), or an \
                 unconditional Deny covers every caller it lets in. Whoever it was meant for is not let in: \
                 remove it or correct it.",
            ),
            PolicyUnparseable => (
                "POLICY_UNPARSEABLE",
                High,
                "The trust policy can't be read",
                "The document is not valid percent-encoded or plain JSON, or not valid IAM policy grammar. \
                 The rule fails closed: an unreadable policy is never COMPLIANT.",
            ),
            EvaluationFailed => (
                "EVALUATION_FAILED",
                High,
                "trustcheck itself failed on this trust policy",
                "The engine hit an internal defect while evaluating this document. The role fails closed \
                 (never COMPLIANT) and every other role is evaluated as usual. Review the trust policy by \
                 hand and report the defect with the role id; the document is never logged.",
            ),
        }
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in one trust policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Severity,
    /// Index in the normalised statement list, when the finding concerns one statement.
    pub statement: Option<usize>,
    /// One line a person understands.
    pub message: String,
    /// What to change.
    pub fix: String,
}

impl Finding {
    /// Writes `account`, a stand-in for the role's unknown account, in the fix as the account to
    /// fill in, as [`SuggestedPolicy::with_account_to_fill_in`] writes it: a
    /// fix followed as written must not name a made-up account.
    ///
    /// [`SuggestedPolicy::with_account_to_fill_in`]: crate::SuggestedPolicy::with_account_to_fill_in
    pub fn write_account_to_fill_in(&mut self, account: &str) {
        if self.fix.contains(account) {
            self.fix = self.fix.replace(account, crate::fix::ACCOUNT_TO_FILL_IN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_id_in_declaration_order() {
        // serde's derive knows every variant: its error for an unknown one lists them all, so a
        // variant missing from `ALL` fails here.
        let error = serde_json::from_str::<FindingId>(r#""?""#).unwrap_err().to_string();
        let declared: Vec<&str> = error
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected serde error: {error}"))
            .split(", ")
            .map(|name| name.split('`').nth(1).unwrap_or(name))
            .collect();
        let listed: Vec<&str> = FindingId::ALL.iter().map(|id| id.as_str()).collect();
        assert_eq!(listed, declared);
        for id in FindingId::ALL {
            assert_eq!(FindingId::parse(id.as_str()), Some(id));
        }
    }

    #[test]
    fn catalog_is_complete_and_ids_match_serde() {
        for id in FindingId::ALL {
            let json = serde_json::to_value(id).unwrap();
            assert_eq!(json, id.as_str());
            assert!(!id.title().is_empty() && id.help().len() > 40);
        }
        assert_eq!(FindingId::TrustPublic.default_severity(), Severity::Critical);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("SEVERE"), None);
        assert_eq!(FindingId::parse("TRUST_PUBLIC"), Some(FindingId::TrustPublic));
        assert_eq!(FindingId::parse("TRUST_PUBLICX"), None);
        assert!(Severity::Critical > Severity::High);
    }
}
