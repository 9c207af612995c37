//! Turn the text of a trust policy into JSON text.
//!
//! IAM, `GetRole`, `ListRoles` and Config items deliver the document percent-encoded (RFC 3986);
//! templates and moto's `ListRoles` deliver it as plain JSON. Only percent-decoding is applied:
//! form decoding would turn a literal `+` into a space and change the policy.

use std::borrow::Cow;

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
    String::from_utf8(percent_decoded(trimmed.as_bytes()))
        .map(Cow::Owned)
        .map_err(|_| PolicyError::NotUtf8AfterDecoding)
}

/// `%XX` becomes the byte XX; a `%` without two hex digits after it stays as written. By hand,
/// not with `percent-encoding`: its iterator costs about 10 instructions a byte, a third of a
/// check of an encoded document, and this loop under half of that.
fn percent_decoded(bytes: &[u8]) -> Vec<u8> {
    // Written by index into a buffer of the input's size (decoding only shrinks): `push` checks
    // the capacity per byte and keeps the vector out of registers.
    let mut out = vec![0; bytes.len()];
    let (mut read, mut written) = (0, 0);
    while let (Some(&byte), Some(slot)) = (bytes.get(read), out.get_mut(written)) {
        *slot = byte;
        read += 1;
        if byte == b'%' {
            if let Some(&[high, low]) = bytes.get(read..read + 2) {
                if let (Some(high), Some(low)) = (hex_digit(high), hex_digit(low)) {
                    *slot = high << 4 | low;
                    read += 2;
                }
            }
        }
        written += 1;
    }
    out.truncate(written);
    out
}

fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
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
    fn decodes_as_the_percent_encoding_crate_does() {
        // Every escape, and every way a `%` can fail to start one (at the end, one digit, bad digits).
        let mut cases: Vec<String> = (0..=255u8).map(|b| format!("a%{b:02X}b%{b:02x}")).collect();
        cases.extend(
            [
                "%", "%4", "%4g", "%g4", "100%", "%%41", "%2", "a%%", "%41%", "+%2B+", "é%C3%A9",
            ]
            .map(String::from),
        );
        for case in cases {
            let expected: Vec<u8> = percent_encoding::percent_decode_str(&case).collect();
            assert_eq!(percent_decoded(case.as_bytes()), expected, "{case}");
        }
    }

    #[test]
    fn empty_and_invalid_utf8_are_errors() {
        assert!(matches!(json_text("  "), Err(PolicyError::Empty)));
        assert!(matches!(json_text("%7B%FF%7D"), Err(PolicyError::NotUtf8AfterDecoding)));
    }
}
