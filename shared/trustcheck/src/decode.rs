//! Turn the text of a trust policy into JSON text.
//!
//! IAM, `GetRole`, `ListRoles` and Config items deliver the document percent-encoded (RFC 3986);
//! templates and moto's `ListRoles` deliver it as plain JSON. Only percent-decoding is applied:
//! form decoding would turn a literal `+` into a space and change the policy.

use std::borrow::Cow;

use crate::error::{PolicyError, MAX_POLICY_CHARACTERS};

/// Returns the JSON text of `document`, decoding it first when it is percent-encoded. One longer
/// than IAM takes ([`MAX_POLICY_CHARACTERS`]) is refused before it is read: no role has it, and a
/// crafted one of megabytes must not stall a scan.
pub(crate) fn json_text(document: &str) -> Result<Cow<'_, str>, PolicyError> {
    let trimmed = document.trim_start();
    if trimmed.is_empty() {
        return Err(PolicyError::Empty);
    }
    // A JSON policy is an object; anything else that contains `%` is taken as percent-encoded.
    let text = if trimmed.starts_with('{') || !trimmed.contains('%') {
        Cow::Borrowed(document)
    } else {
        String::from_utf8(percent_decoded(trimmed.as_bytes()))
            .map(Cow::Owned)
            .map_err(|_| PolicyError::NotUtf8AfterDecoding)?
    };
    // Bytes first: no fewer than characters, and most documents are far shorter.
    if text.len() > MAX_POLICY_CHARACTERS {
        let characters = text.chars().count();
        if characters > MAX_POLICY_CHARACTERS {
            return Err(PolicyError::TooLong { characters });
        }
    }
    Ok(text)
}

/// `%XX` becomes the byte XX; a `%` without two hex digits after it stays as written. By hand,
/// not with `percent-encoding`: its iterator costs about 10 instructions a byte, a third of a
/// check of an encoded document. Every document IAM and Config deliver is encoded, so this runs
/// on every role a sweep judges.
fn percent_decoded(bytes: &[u8]) -> Vec<u8> {
    // Decoding only shrinks; the 8 spare bytes let a literal run be copied a word at a time.
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut rest = bytes;
    loop {
        // One table look-up a digit; a byte that is no hex digit has the high bit set. Escapes
        // come in runs (`%22%3A%22`): the next is tried before a word is scanned for it.
        rest = match rest {
            [b'%', high, low, after @ ..] if (HEX[usize::from(*high)] | HEX[usize::from(*low)]) & 0x80 == 0 => {
                out.push(HEX[usize::from(*high)] << 4 | HEX[usize::from(*low)]);
                after
            }
            [b'%', after @ ..] => {
                out.push(b'%');
                after
            }
            [] => return out,
            _ => copied_to_percent(rest, &mut out),
        };
    }
}

/// Appends the bytes of `bytes` before its first `%` to `out` and returns the rest (from that `%`
/// on, or empty). Eight bytes a step: a word with no `%` in it is copied whole, and one with a
/// `%` is copied whole and cut back to it (appending a fixed eight bytes is one store; a run of
/// any length would be a call to `memcpy`). The runs between escapes are a few bytes long.
fn copied_to_percent<'b>(mut bytes: &'b [u8], out: &mut Vec<u8>) -> &'b [u8] {
    const PERCENTS: u64 = u64::from_le_bytes([b'%'; 8]);
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    while let Some((word, after)) = bytes.split_first_chunk::<8>() {
        out.extend_from_slice(word);
        // The classic test for a zero byte, on the word XOR `%`s: the lowest flagged byte is
        // the first `%` (a borrow can flag bytes above it, never below).
        let x = u64::from_le_bytes(*word) ^ PERCENTS;
        let flagged = x.wrapping_sub(ONES) & !x & HIGHS;
        if flagged != 0 {
            let at = (flagged.trailing_zeros() / 8) as usize;
            out.truncate(out.len() - (8 - at));
            return &bytes[at..];
        }
        bytes = after;
    }
    let at = bytes.iter().position(|&b| b == b'%').unwrap_or(bytes.len());
    out.extend_from_slice(&bytes[..at]);
    &bytes[at..]
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
    fn a_policy_longer_than_iam_takes_is_refused_before_it_is_read() {
        // Padding inside a value: a document of 131,072 characters is taken, one more is not,
        // counted in characters (`é` is two bytes) and after percent-decoding.
        let padded = |characters: usize, pad: &str| {
            let frame = r#"{"Statement":[],"Id":""}"#.len();
            format!(r#"{{"Statement":[],"Id":"{}"}}"#, pad.repeat(characters - frame))
        };
        assert!(json_text(&padded(MAX_POLICY_CHARACTERS, "é")).is_ok());
        let refused = json_text(&padded(MAX_POLICY_CHARACTERS + 1, "a")).unwrap_err();
        assert!(
            matches!(refused, PolicyError::TooLong { characters: 131_073 }),
            "{refused}"
        );
        assert!(refused.to_string().contains("at most 131072"), "{refused}");
        let encoded = padded(MAX_POLICY_CHARACTERS + 1, "a")
            .replace('{', "%7B")
            .replace('"', "%22");
        assert!(matches!(json_text(&encoded), Err(PolicyError::TooLong { .. })));
    }

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

    proptest::proptest! {
        /// Long inputs too, whose runs are copied a word at a time: escapes, stray `%`s and
        /// literal bytes at every offset of a word.
        #[test]
        fn decodes_any_bytes_as_the_percent_encoding_crate_does(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("%[0-9a-fA-F]{2}").unwrap(),
                    proptest::string::string_regex("%[0-9a-gG%]?").unwrap(),
                    proptest::string::string_regex("[a-z0-9:+é\\-]{0,12}").unwrap(),
                ],
                0..40,
            )
        ) {
            let case = parts.concat();
            let expected: Vec<u8> = percent_encoding::percent_decode_str(&case).collect();
            proptest::prop_assert_eq!(percent_decoded(case.as_bytes()), expected, "{}", case);
        }
    }

    #[test]
    fn empty_and_invalid_utf8_are_errors() {
        assert!(matches!(json_text("  "), Err(PolicyError::Empty)));
        assert!(matches!(json_text("%7B%FF%7D"), Err(PolicyError::NotUtf8AfterDecoding)));
    }
}
