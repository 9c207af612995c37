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
/// check of an encoded document. Every document IAM and Config deliver is encoded, so this runs
/// on every role a sweep judges.
fn percent_decoded(bytes: &[u8]) -> Vec<u8> {
    // Written by index into a buffer of the input's size (decoding only shrinks): `push` checks
    // the capacity per byte and keeps the vector out of registers.
    let mut out = vec![0; bytes.len()];
    let (mut read, mut written) = (0, 0);
    while let (Some(&byte), Some(slot)) = (bytes.get(read), out.get_mut(written)) {
        *slot = byte;
        read += 1;
        written += 1;
        if byte == b'%' {
            // One table look-up a digit; a byte that is no hex digit has the high bit set.
            let high = HEX[usize::from(*bytes.get(read).unwrap_or(&0))];
            let low = HEX[usize::from(*bytes.get(read + 1).unwrap_or(&0))];
            if (high | low) & 0x80 == 0 {
                *slot = high << 4 | low;
                read += 2;
            }
        }
    }
    out.truncate(written);
    out
}

/// Each byte's value as a hex digit, or 0xFF for a byte that is none.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut digit = 0;
    while digit < 10 {
        table[b'0' as usize + digit] = digit as u8;
        digit += 1;
    }
    let mut letter = 0;
    while letter < 6 {
        table[b'a' as usize + letter] = 10 + letter as u8;
        table[b'A' as usize + letter] = 10 + letter as u8;
        letter += 1;
    }
    table
};

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
