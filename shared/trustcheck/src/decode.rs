//! Turn the text of a trust policy into JSON text.
//!
//! IAM, `GetRole`, `ListRoles` and Config items deliver the document percent-encoded (RFC 3986);
//! templates and moto's `ListRoles` deliver it as plain JSON. Only percent-decoding is applied:
//! form decoding would turn a literal `+` into a space and change the policy.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::error::PolicyError;

/// Returns the JSON text of `document`, decoding it first when it is percent-encoded.
pub(crate) fn json_text(document: &str) -> Result<Cow<'_, str>, PolicyError> {
    let trimmed = document.trim_start();
    if trimmed.is_empty() {
        return Err(PolicyError::Empty);
    }
    // A JSON policy is an object; anything else that contains `%` is taken as percent-encoded.
    if trimmed.starts_with('{') || !trimmed.contains('%') {
        return Ok(Cow::Borrowed(document));
    }
    // Sized once: the crate's own conversion grows its buffer byte by byte as it decodes.
    let mut bytes = Vec::with_capacity(trimmed.len());
    bytes.extend(percent_decode_str(trimmed));
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| PolicyError::NotUtf8AfterDecoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_is_borrowed() {
        let text = json_text(r#"{"Statement":[]}"#).unwrap();
        assert!(matches!(text, Cow::Borrowed(_)));
    }

    #[test]
    fn percent_encoded_json_is_decoded_and_plus_is_kept() {
        let text = json_text("%7B%22Sid%22%3A%22a+b%22%7D").unwrap();
        assert_eq!(text, r#"{"Sid":"a+b"}"#);
    }

    #[test]
    fn empty_and_invalid_utf8_are_errors() {
        assert!(matches!(json_text("  "), Err(PolicyError::Empty)));
        assert!(matches!(json_text("%7B%FF%7D"), Err(PolicyError::NotUtf8AfterDecoding)));
    }
}
