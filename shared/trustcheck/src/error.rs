//! Errors of the rule crate. Each keeps its cause and says where the problem is.

/// The longest trust policy IAM's API takes (`AssumeRolePolicyDocument`, 131,072 characters);
/// a role's own quota is far lower (2,048 by default, 4,096 at most).
pub const MAX_POLICY_CHARACTERS: usize = 131_072;

/// Why a trust policy could not be read. Reported as the `POLICY_UNPARSEABLE` finding.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy document is empty")]
    Empty,
    #[error("the percent-encoded policy does not decode to UTF-8 text")]
    NotUtf8AfterDecoding,
    #[error("the policy is {characters} characters long; IAM takes a trust policy of at most {MAX_POLICY_CHARACTERS} (its API's limit), so none longer is deployed or stored")]
    TooLong { characters: usize },
    #[error("the policy is not valid JSON or not a policy: {0}")]
    Json(#[from] serde_json::Error),
    #[error("`Version` is {0:?}; IAM accepts \"2012-10-17\" or \"2008-10-17\"")]
    Version(String),
    #[error("statement {statement}: `Effect` is {effect:?}; IAM accepts \"Allow\" or \"Deny\" (in any case)")]
    Effect { statement: usize, effect: String },
    #[error("statement {statement}: has both `{first}` and `{second}`; IAM accepts only one")]
    Both {
        statement: usize,
        first: &'static str,
        second: &'static str,
    },
}

impl PolicyError {
    /// For text that is not JSON or not IAM's grammar: the parser's line and column in the
    /// (decoded) document, and what it says there without them.
    pub fn json_position(&self) -> Option<(usize, usize, String)> {
        let PolicyError::Json(error) = self else {
            return None;
        };
        let said = error.to_string();
        let at = format!(" at line {} column {}", error.line(), error.column());
        let what = said.strip_suffix(&at).unwrap_or(&said).to_owned();
        Some((error.line(), error.column(), what))
    }

    /// The statement the error is in, when it is in one.
    pub fn statement(&self) -> Option<usize> {
        match self {
            PolicyError::Effect { statement, .. } | PolicyError::Both { statement, .. } => Some(*statement),
            _ => None,
        }
    }
}

/// Why rule parameters (`InputParameters` of the Config rule, `--params` of the CLI) were refused.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    #[error("rule parameters are not a JSON object: {0}")]
    Json(#[source] serde_json::Error),
    #[error("rule parameters must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    #[error("rule parameter `{0}` is given twice: which one counts would be the parser's choice")]
    Repeated(String),
    #[error("unknown rule parameter `{0}`; known: nonCompliantAt, requireSourceAccount, exemptRoleArnPatterns, exemptTagKey, executionRoleName, configAggregatorName, functionRegions")]
    UnknownKey(String),
    #[error("rule parameter `{key}` is {value}: {expected}")]
    BadValue {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
}
