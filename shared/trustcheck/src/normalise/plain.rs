//! The documents as IAM, Config and templates deliver them, read into the raw model without
//! serde: strings without escapes, condition values as strings or booleans, every element where
//! the grammar puts it. Parsing was a third of a `check`; on the benchmark's corpus this reader
//! takes a fifth less than serde_json's visitors did, most of it in scanning strings a word at a
//! time.
//!
//! Anything else (an escape, a number, a repeated element, a shape IAM refuses, malformed JSON)
//! makes [`read`] answer `None`, and the serde visitors read the document instead: they alone
//! word the errors and read the rarer forms. Both fill the same raw model and normalise it with
//! the same functions, so the two can only differ in which documents this one declines.

use std::borrow::Cow;

use super::{repeats_condition_key, repeats_operator, without_repeats, RawPolicy, RawStatement, Statements};
use crate::policy::{Condition, Operator, Principals};

/// The raw policy of `json`, or `None` when the serde visitors must read it.
pub(super) fn read(json: &str) -> Option<RawPolicy<'_>> {
    let mut reader = Reader { text: json, at: 0 };
    let policy = reader.policy()?;
    // Only whitespace may follow the document, as serde_json requires.
    reader.peek().is_none().then_some(policy)
}

/// How deep an element this reader skips (`Id`, `Resource`, an unknown one) may nest; deeper
/// ones go to serde_json, which refuses beyond 128.
const SKIP_DEPTH: usize = 32;

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    /// The next byte that is not JSON whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.at) {
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `byte`, after whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string without escapes or control characters, borrowed from the text.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let end = start + string_length(self.text.as_bytes().get(start..)?)?;
        self.at = end + 1;
        // The text is UTF-8 and `"` is ASCII: both ends are character boundaries.
        self.text.get(start..end)
    }

    /// An object, each member handed to `member` with its name.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.enclosed(b'{', b'}', |r| {
            let name = r.string()?;
            r.eat(b':')?;
            member(r, name)
        })
    }

    /// A list, each item read by `item`.
    fn list(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.enclosed(b'[', b']', item)
    }

    /// `open`, items read by `item` and separated by commas, `close`.
    fn enclosed(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(open)?;
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                byte if byte == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `"a"` or `["a", …]`.
    fn strings(&mut self) -> Option<Vec<Cow<'a, str>>> {
        if self.peek()? == b'"' {
            return Some(vec![Cow::Borrowed(self.string()?)]);
        }
        let mut items = Vec::new();
        self.list(|r| {
            items.push(Cow::Borrowed(r.string()?));
            Some(())
        })?;
        Some(items)
    }

    /// One condition value: a string or a boolean (a number's text is serde's to write).
    fn value(&mut self) -> Option<Cow<'a, str>> {
        match self.peek()? {
            b'"' => self.string().map(Cow::Borrowed),
            b't' => self.literal("true").map(|()| Cow::Borrowed("true")),
            b'f' => self.literal("false").map(|()| Cow::Borrowed("false")),
            _ => None,
        }
    }

    /// A condition key's value or values.
    fn values(&mut self) -> Option<Vec<Cow<'a, str>>> {
        if self.peek()? != b'[' {
            return Some(vec![self.value()?]);
        }
        let mut items = Vec::new();
        self.list(|r| {
            items.push(r.value()?);
            Some(())
        })?;
        Some(items)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.text.as_bytes().get(self.at..end)? == word.as_bytes()).then(|| self.at = end)
    }

    /// Any value but a number, not kept.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > SKIP_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|r, _| r.skip(depth + 1)),
            b'[' => self.list(|r| r.skip(depth + 1)),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => None,
        }
    }

    fn policy(&mut self) -> Option<RawPolicy<'a>> {
        let (mut version, mut statements, mut unknown) = (None, None, Vec::new());
        self.object(|r, name| match name {
            "Version" => once(&mut version, Cow::Borrowed(r.string()?)),
            "Statement" => {
                let read = if r.peek()? == b'{' {
                    let mut one = Statements(Ok(Vec::with_capacity(1)));
                    one.add(r.statement()?);
                    one
                } else {
                    let mut list = Statements(Ok(Vec::with_capacity(4)));
                    r.list(|r| {
                        list.add(r.statement()?);
                        Some(())
                    })?;
                    list
                };
                once(&mut statements, read)
            }
            "Id" => r.skip(0),
            _ => {
                unknown.push(Cow::Borrowed(name));
                r.skip(0)
            }
        })?;
        Some(RawPolicy {
            version,
            statements: statements?,
            unknown,
        })
    }

    fn statement(&mut self) -> Option<RawStatement<'a>> {
        let mut s = RawStatement::default();
        let mut seen_condition = false;
        self.object(|r, name| match name {
            "Sid" => once(&mut s.sid, Cow::Borrowed(r.string()?)),
            "Effect" => once(&mut s.effect, Cow::Borrowed(r.string()?)),
            "Principal" => once(&mut s.principal, r.principals()?),
            "NotPrincipal" => once(&mut s.not_principal, r.principals()?),
            "Action" => once(&mut s.action, r.strings()?),
            "NotAction" => once(&mut s.not_action, r.strings()?),
            "Condition" if !std::mem::replace(&mut seen_condition, true) => r.conditions(&mut s.conditions),
            "Condition" => None,
            "Resource" | "NotResource" => {
                s.resource = true;
                r.skip(0)
            }
            _ => {
                s.unknown.push(Cow::Borrowed(name));
                r.skip(0)
            }
        })?;
        Some(s)
    }

    fn principals(&mut self) -> Option<Principals<'a>> {
        if self.peek()? == b'"' {
            return (self.string()? == "*").then(|| Principals {
                aws: vec![Cow::Borrowed("*")],
                bare_wildcard: true,
                ..Principals::default()
            });
        }
        let mut p = Principals::default();
        let mut seen = [false; 4];
        self.object(|r, kind| {
            let (slot, index) = match kind {
                "AWS" => (&mut p.aws, 0),
                "Service" => (&mut p.service, 1),
                "Federated" => (&mut p.federated, 2),
                "CanonicalUser" => (&mut p.canonical_user, 3),
                _ => return None,
            };
            if std::mem::replace(&mut seen[index], true) {
                return None;
            }
            *slot = without_repeats(r.strings()?);
            Some(())
        })?;
        Some(p)
    }

    fn conditions(&mut self, out: &mut Vec<Condition<'a>>) -> Option<()> {
        let mut empty: Vec<Cow<'a, str>> = Vec::new();
        self.object(|r, operator_text| {
            let operator_text = Cow::Borrowed(operator_text);
            if repeats_operator(out, &empty, &operator_text) {
                return None;
            }
            let operator = Operator::parse(&operator_text);
            let before = out.len();
            r.object(|r, key| {
                if repeats_condition_key(out, &operator_text, key) {
                    return None;
                }
                let values = r.values()?;
                out.push(Condition {
                    operator_text: operator_text.clone(),
                    operator,
                    key: Cow::Borrowed(key),
                    values,
                });
                Some(())
            })?;
            if out.len() == before {
                empty.push(operator_text);
            }
            Some(())
        })
    }
}

/// The length of the string that `bytes` start, up to its closing `"`; `None` when an escape or a
/// control character comes first, or no `"`. Eight bytes a step, with the classic test for a
/// zero byte on the word XOR each byte sought (a borrow can flag bytes above the first one
/// found, never below).
fn string_length(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_le_bytes([b'\\'; 8]);
    const SPACES: u64 = u64::from_le_bytes([0x20; 8]);
    let mut at = 0;
    while let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*word);
        let (quote, backslash) = (word ^ QUOTES, word ^ BACKSLASHES);
        let flagged = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (word.wrapping_sub(SPACES) & !word);
        let flagged = flagged & HIGHS;
        if flagged != 0 {
            at += (flagged.trailing_zeros() / 8) as usize;
            return (bytes[at] == b'"').then_some(at);
        }
        at += 8;
    }
    let end = at
        + bytes
            .get(at..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (bytes[end] == b'"').then_some(end)
}

/// Sets an element met once; a repeated one is serde's to report.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.replace(value).is_none().then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy as this reader and as the serde visitors read it, normalised alike; `None`
    /// from this one when it declines.
    fn both(json: &str) -> (Option<String>, String) {
        let plain = read(json).map(|raw| format!("{:?}", super::super::normalised(json, raw)));
        let serde = format!("{:?}", super::super::parse_with_serde(json));
        (plain, serde)
    }

    /// The fixtures' policies, as their text or pretty-printed.
    fn fixture_documents() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let cases: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("tests/fixtures/cases.json")).unwrap()).unwrap();
        (cases.as_array().unwrap().iter())
            .filter_map(|case| match &case["policy"] {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Null => None,
                policy => Some(serde_json::to_string_pretty(policy).unwrap()),
            })
            .collect()
    }

    #[test]
    fn reads_every_fixture_and_fuzz_input_as_serde_does_or_declines() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut documents = fixture_documents();
        let fixtures = documents.len();
        for entry in std::fs::read_dir(root.join("../../fuzz/corpus/check")).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            documents.extend(String::from_utf8(bytes).ok());
        }
        let mut fixtures_read_here = 0;
        for (index, json) in documents.iter().enumerate() {
            let (plain, serde) = both(json);
            if let Some(plain) = plain {
                assert_eq!(plain, serde, "{json}");
                fixtures_read_here += usize::from(index < fixtures);
            }
        }
        // Most fixtures are of the plain form (the fuzz corpus mostly isn't): this reader must
        // not decline them all.
        assert!(
            fixtures_read_here * 10 > fixtures * 8,
            "{fixtures_read_here} of {fixtures} fixtures"
        );
    }

    /// The fixtures compact, each with one to three bytes changed, inserted or dropped at random
    /// (a fixed seed: the same inputs each run), from the bytes JSON's structure and IAM's
    /// grammar turn on: each is read alike by both readers, or declined by this one.
    #[test]
    fn reads_mutated_fixtures_as_serde_does_or_declines() {
        const BYTES: &[u8] = b"{}[]:,\" \\\t\n0123456789eE.+-tfnul*?$AaSs";
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |below: usize| {
            // xorshift64: reproducible without a dependency.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        };
        let documents: Vec<String> = (fixture_documents().iter())
            .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .map(|v| v.to_string())
            .collect();
        let (mut read_here, mut tried) = (0, 0);
        for _ in 0..20 {
            for document in &documents {
                let mut bytes = document.clone().into_bytes();
                for _ in 0..1 + next(3) {
                    let at = next(bytes.len() + 1);
                    let byte = BYTES[next(BYTES.len())];
                    match next(3) {
                        0 if at < bytes.len() => bytes[at] = byte,
                        1 if at < bytes.len() => drop(bytes.remove(at)),
                        _ => bytes.insert(at, byte),
                    }
                }
                let Ok(json) = String::from_utf8(bytes) else { continue };
                tried += 1;
                let (plain, serde) = both(&json);
                if let Some(plain) = plain {
                    assert_eq!(plain, serde, "{json}");
                    read_here += 1;
                }
            }
        }
        // Many mutants stay in the plain form (a changed letter in a value): they are compared.
        assert!(read_here * 4 > tried, "{read_here} of {tried} read here");
    }

    proptest::proptest! {
        #[test]
        fn a_string_ends_where_a_byte_by_byte_scan_says(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::sample::select(vec![b'"', b'\\', 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xA0, 0xFF]),
                proptest::num::u8::ANY,
                b'a'..=b'z',
            ], 0..40)
        ) {
            let first = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let expected = first.filter(|&at| bytes[at] == b'"');
            proptest::prop_assert_eq!(string_length(&bytes), expected);
        }
    }

    #[test]
    fn declines_what_serde_must_word_or_read() {
        for json in [
            r#"{"Statement":[]} x"#,
            r#"{"Statement":[],}"#,
            r#"{"Statement":[],"Statement":[]}"#,
            r#"{"Statement":{"Sid":"a\"b","Effect":"Allow"}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":{"NumericLessThan":{"k":3}}}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":"lambda"}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":{"aws":"*"}}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"a","AWS":"b"}}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":{"Bool":{"k":[["true"]]}}}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":{"Bool":{"k":"true","K":"true"}}}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":{},"Condition":{}}}"#,
            r#"{"Statement":{"Effect":"Allow","Condition":{"Null":{"k":null}}}}"#,
            r#"{"Version":"2012-10-17"}"#,
            "{\"Statement\":{\"Sid\":\"tab\there\"}}",
            &format!(r#"{{"Statement":[],"X":{}{}}}"#, "[".repeat(40), "]".repeat(40)),
        ] {
            assert!(read(json).is_none(), "{json}");
        }
    }

    #[test]
    fn reads_the_plain_forms_as_serde_does() {
        for json in [
            r#" {"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}} "#,
            r#"{"Id":{"a":[true,false,null,"x"]},"Statement":[{"Sid":"","Effect":"Deny","NotPrincipal":{"AWS":["a","a"],"Service":[]},
                "NotAction":[],"Resource":["*"],"Foo":"bar","Condition":{"Bool":{"aws:SecureTransport":false},"StringLike":{},
                "StringEquals":{"k":["é",true]}}}],"Extra":"x"}"#,
            "{\n\t\"Statement\" : [ ]\r\n}",
        ] {
            let (plain, serde) = both(json);
            assert_eq!(plain.as_ref(), Some(&serde), "{json}");
        }
    }
}
