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
    #[error("the policy is not valid JSON or not a policy: {}", quoting_briefly(&.0.to_string()))]
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
        let said = quoting_briefly(&error.to_string());
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

/// The most characters of a string value the parser's message quotes (`invalid type: string
/// "…"`): enough to show a slip, too few for a policy written as a string (its whole text would
/// reach a log, an annotation, a page) or most secrets.
const QUOTED_MAX_CHARACTERS: usize = 40;

/// The parser's message `said` with each string value it quotes past [`QUOTED_MAX_CHARACTERS`]
/// told by its length (`string of 8910 characters`). The parser writes a value escaped, between
/// double quotes, after `string `.
pub fn quoting_briefly(said: &str) -> String {
    const LEAD: &str = "string \"";
    let mut out = String::with_capacity(said.len().min(256));
    let mut rest = said;
    while let Some(at) = rest.find(LEAD) {
        let (before, quoted) = rest.split_at(at + LEAD.len());
        out.push_str(before);
        // The closing quote: the first one no backslash escapes.
        let mut escaped = false;
        let end = quoted.char_indices().find_map(|(i, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes.then_some(i)
        });
        let Some(end) = end else {
            out.push_str(quoted);
            return out;
        };
        let value = &quoted[..end];
        let characters = value.chars().count();
        if characters > QUOTED_MAX_CHARACTERS {
            out.truncate(out.len() - 1);
            out.push_str(&format!("of {characters} characters"));
        } else {
            out.push_str(value);
            out.push('"');
        }
        rest = &quoted[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_string_the_parser_quotes_is_told_by_its_length() {
        let policy = r#""{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"TOPSECRET\"}}}]}""#;
        let error = crate::normalise::parse(policy).unwrap_err();
        let said = error.to_string();
        assert!(!said.contains("TOPSECRET") && !said.contains("Version"), "{said}");
        assert!(said.contains("invalid type: string of "), "{said}");
        let (_, _, what) = error.json_position().unwrap();
        assert!(
            !what.contains("TOPSECRET") && what.starts_with("invalid type: string of "),
            "{what}"
        );
        // A short value stays, to show the slip; a quote inside one is no end.
        assert_eq!(
            quoting_briefly(r#"invalid value: string "Alow", expected x"#),
            r#"invalid value: string "Alow", expected x"#
        );
        let long = format!(r#"string "{}\"{}" at line 1"#, "a".repeat(30), "b".repeat(30));
        assert_eq!(quoting_briefly(&long), "string of 62 characters at line 1");
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
