//! Wildcard matching as IAM does it: `*` is any run of characters, `?` exactly one.

/// Matches `text` against a pattern with `*` and `?`. Iterative with one backtrack point: linear
/// in practice and never recursive, so hostile patterns cannot blow the stack.
pub(crate) fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    if !p.iter().any(|&c| c == b'*' || c == b'?') {
        return if ignore_case { p.eq_ignore_ascii_case(t) } else { p == t };
    }
    let same = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || same(p[pi], t[ti])) {
            // `?` matches one character; step over a whole UTF-8 sequence.
            let width = if p[pi] == b'?' { utf8_width(t[ti]) } else { 1 };
            pi += 1;
            ti += width;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + utf8_width(t[star_t]);
            star = Some((star_p, ti));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether some text matches both patterns (`*` any run of characters, `?` one): the two
/// patterns' automata walked together. `true` past 40,000 pairs of positions (two function ARNs
/// of 200 characters each; a Lambda function's is at most about 140), where the answer is not
/// worth its cost, asked for every value, function and way of deploying a crafted template
/// multiplies: "may meet" is the cautious answer.
pub(crate) fn globs_meet(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    if (a.len() + 1).saturating_mul(width) > 40_000 {
        return true;
    }
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut pending = vec![(0_usize, 0_usize)];
    while let Some((i, j)) = pending.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if std::mem::replace(slot, true) {
            continue;
        }
        let (x, y) = (a.get(i).copied(), b.get(j).copied());
        if x.is_none() && y.is_none() {
            return true;
        }
        // A `*` may match nothing.
        if x == Some('*') {
            pending.push((i + 1, j));
        }
        if y == Some('*') {
            pending.push((i, j + 1));
        }
        // Or both take one character they can share: a `*` stays where it is.
        let (Some(x), Some(y)) = (x, y) else {
            continue;
        };
        let wild = |c: char| c == '*' || c == '?';
        if wild(x) || wild(y) || x == y {
            let next = |at: usize, c: char| if c == '*' { at } else { at + 1 };
            pending.push((next(i, x), next(j, y)));
        }
    }
    false
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// `ArnLike` / `ArnEquals`: each of the six colon-separated parts is matched on its own, so a `*`
/// never spans a colon except inside the resource part. A bare `*` matches any ARN, as the
/// engine reads it everywhere else; otherwise not an ARN on either side: no match.
pub(crate) fn arn_like(pattern: &str, value: &str) -> bool {
    if matches_everything(pattern) {
        return arn_fields::<6>(value).is_some();
    }
    match (arn_fields::<6>(pattern), arn_fields::<6>(value)) {
        (Some(p), Some(v)) => p.iter().zip(v).all(|(p, v)| glob(p, v, false)),
        _ => false,
    }
}

pub(crate) fn has_wildcard(text: &str) -> bool {
    // Bytes, not `contains(['*', '?'])`: that decodes every character, and this runs per principal.
    text.bytes().any(|c| c == b'*' || c == b'?')
}

/// Whether ARN pattern `v` is of another partition than `partition` for sure: compared field by
/// field and with case under an ARN operator; as text, by what it writes before its first
/// wildcard, which must start every ARN of the partition (`arn:PARTITION:`) or be started by it.
/// A policy variable may be anything, what comes before it is as written. `arn:aws-cn:…` and
/// `arn:aws-cn*` are of another partition than `aws`'s; `arn:*:…`, `*:aws-cn:…`, `arn:aws*` of none.
pub(crate) fn of_another_partition(v: &str, arn_operator: bool, partition: &str) -> bool {
    let written = v.find("${").and_then(|at| v.get(..at)).unwrap_or(v);
    if arn_operator {
        return arn_fields::<5>(written).is_some_and(|[_, field, ..]| !glob(field, partition, false));
    }
    let literal = written.split(['*', '?']).next().unwrap_or(written);
    // One starts the other where they agree as far as the shorter goes.
    let start = ["arn:", partition, ":"].into_iter().flat_map(str::bytes);
    let agree = literal.len().min(partition.len() + 5);
    !literal.bytes().take(agree).eq(start.take(agree))
}

/// Whether `pattern` (of `aws:PrincipalArn`) matches the ARN of no caller that can call
/// `sts:AssumeRole`: an IAM role's or user's (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`,
/// `…:user/…`). A role session's `aws:PrincipalArn` is its role's ARN ("Do not specify the
/// assumed role session ARN"), an account's root user can't assume a role, and a federated
/// user's session (GetFederationToken) can call no STS action but `GetCallerIdentity`: patterns
/// of those (`arn:aws:sts::…:assumed-role/…`, `arn:aws:iam::*:root`, `…:federated-user/*`) let
/// nobody in. `false` where unsure (a variable; a wildcard that could reach the fields; a value a
/// template leaves open, which may be anything), and for a suggested policy's placeholder
/// (`…:REPLACE_WITH_USER_OR_ROLE`), which the reader replaces.
/// `arn_operator`: `ArnLike` matches field by field, `StringLike` the whole text, where a
/// wildcard may span colons (a role's path may hold them).
pub(crate) fn names_no_assuming_caller(pattern: &str, arn_operator: bool) -> bool {
    if has_variable(pattern) || crate::fix::is_fill_in(pattern) || crate::validity::holds_opaque(pattern) {
        return false;
    }
    // No ARN at all (a role's unique id `AROA…`, an account id): the key always holds one.
    if !has_wildcard(pattern) && !pattern.get(..4).is_some_and(|start| start.eq_ignore_ascii_case("arn:")) {
        return true;
    }
    // A caller's ARN ends with its name, after a `/`, and a name holds no `:`.
    let literal_end = pattern.rsplit(['*', '?']).next().unwrap_or(pattern);
    if !arn_operator && literal_end.rsplit('/').next().unwrap_or(literal_end).contains(':') {
        return true;
    }
    let Some([arn, partition, service, region, rest]) = arn_fields::<5>(pattern) else {
        return false;
    };
    let fixed = |field: &str| !has_wildcard(field);
    let other_service = fixed(service) && !service.eq_ignore_ascii_case("iam");
    let account_and_resource = rest.split_once(':');
    if arn_operator {
        // Field by field, and with case (`ArnLike`: "Case-sensitive matching of the ARN"): a
        // caller's ARN is `arn:PARTITION:iam::ACCOUNT:role/…`, with no region.
        let no_callers_fields = !glob(arn, "arn", false) || !glob(service, "iam", false) || !glob(region, "", false);
        return other_service
            || no_callers_fields
            || account_and_resource.is_some_and(|(_, resource)| !resource_may_be_caller(resource));
    }
    let written_out = [arn, partition, service, region].iter().all(|f| fixed(f));
    // As one text: written out up to the service, it starts as no caller's ARN does.
    if (other_service && fixed(arn) && fixed(partition))
        || (written_out && (arn != "arn" || service != "iam" || !region.is_empty()))
    {
        return true;
    }
    written_out
        && account_and_resource.is_some_and(|(account, resource)| fixed(account) && !resource_may_be_caller(resource))
}

/// Whether an ARN's resource pattern can match a role's or a user's (`role/…`, `user/…`).
fn resource_may_be_caller(resource: &str) -> bool {
    let literal = resource.split(['*', '?']).next().unwrap_or(resource);
    let patterned = literal.len() < resource.len();
    ["role/", "user/"].iter().any(|kind| match patterned {
        true => literal.starts_with(kind) || kind.starts_with(literal),
        false => resource.len() > kind.len() && resource.starts_with(kind),
    })
}

/// A principal pattern that can name a caller in any account: a wildcard, but not only inside an
/// ARN whose account is written out (`arn:aws:iam::111122223333:role/deploy-*` names that
/// account's roles at most, and IAM refuses it in a policy anyway).
pub(crate) fn names_any_account(principal: &str) -> bool {
    has_wildcard(principal)
        && !matches!(arn_fields::<6>(principal), Some(["arn", _, _, _, account, _]) if is_account_id(account))
}

/// True when the pattern matches every string (`*`, `**`).
pub(crate) fn matches_everything(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.bytes().all(|c| c == b'*')
}

/// A pattern of wildcards alone (`?*`, `??`): it names nobody. A lone `?` is left alone: it
/// matches no external id (2 characters at least), no real subject.
pub(crate) fn names_nothing(pattern: &str) -> bool {
    pattern.len() >= 2 && pattern.bytes().all(|c| c == b'*' || c == b'?')
}

/// True when an `ArnLike` pattern matches every ARN (`*` in all six parts, or a bare `*`).
pub(crate) fn arn_matches_everything(pattern: &str) -> bool {
    if matches_everything(pattern) {
        return true;
    }
    arn_fields::<6>(pattern)
        .is_some_and(|parts| matches!(parts[0], "arn" | "*") && parts[1..].iter().all(|p| matches_everything(p)))
}

/// The account field of an ARN (`arn:partition:service:region:ACCOUNT:resource`).
pub fn arn_account(arn: &str) -> Option<&str> {
    match arn_fields(arn)? {
        ["arn", _, _, _, account, _] => Some(account),
        _ => None,
    }
}

/// Twelve digits and `*`s only: where a `*` can't run on past the account (an ARN operator's
/// field, an account key), it matches only the empty text, and the pattern only the account those
/// digits are, as an account id has twelve.
pub(crate) fn pins_one_account(pattern: &str) -> bool {
    let mut digits = pattern.bytes().filter(|b| *b != b'*');
    digits.clone().count() == 12 && digits.all(|b| b.is_ascii_digit())
}

/// The first `N - 1` colon-separated fields of `text` and the rest as the last, as
/// `splitn(N, ':')` would give them; `None` when there are fewer. A byte scan: every check
/// reads ARNs this way, and `splitn` costs several times more.
pub(crate) fn arn_fields<const N: usize>(text: &str) -> Option<[&str; N]> {
    const { assert!(N >= 2, "a field and the rest at least") };
    let mut fields = [""; N];
    let mut rest = text;
    for field in &mut fields[..N - 1] {
        let at = colon_at(rest.as_bytes())?;
        // `:` is ASCII: both sides of it are character boundaries.
        *field = rest.get(..at)?;
        rest = rest.get(at + 1..)?;
    }
    fields[N - 1] = rest;
    Some(fields)
}

/// Where the first `:` of `bytes` is. Eight bytes a step, with the classic test for a zero byte
/// on the word XOR `:`s (a borrow can flag bytes above the first one found, never below): an
/// ARN's fields are read on every check, the longest of them (a role's path and name) a word or
/// several.
fn colon_at(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const COLONS: u64 = u64::from_le_bytes([b':'; 8]);
    let mut at = 0;
    while let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*word) ^ COLONS;
        let flagged = x.wrapping_sub(ONES) & !x & HIGHS;
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    Some(at + bytes.get(at..)?.iter().position(|&b| b == b':')?)
}

/// Whether `text` holds a policy variable (`${…}`). Bytes: `contains("${")` builds a substring
/// searcher per call, and this runs per condition value.
pub(crate) fn has_variable(text: &str) -> bool {
    // Most values have no `$`: a byte search (word at a time) tells them first.
    let bytes = text.as_bytes();
    bytes.contains(&b'$') && bytes.windows(2).any(|pair| pair == b"${")
}

/// `text` after `prefix`, compared ignoring ASCII case (IAM's keys and operator prefixes are
/// case-insensitive); `None` when it doesn't start so. `get`, not slicing: a multi-byte character
/// at `prefix.len()` has no char boundary there.
pub(crate) fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| text.get(prefix.len()..))
}

/// A SAML provider (`arn:aws:iam::ID:saml-provider/NAME`) rather than an OIDC one: it takes
/// `sts:AssumeRoleWithSAML` and `SAML:` keys.
pub(crate) fn is_saml_provider(principal: &str) -> bool {
    principal.contains(":saml-provider/")
}

/// An AWS account id: 12 digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|c| c.is_ascii_digit())
}

/// A region's name as written out: words, then a number (`eu-west-1`, `us-gov-west-1`,
/// `cn-north-1`, `eusc-de-east-1`); not a wildcard, nor a `${AWS::Region}` left as written.
pub fn is_region(text: &str) -> bool {
    let mut parts = text.split('-');
    let (Some(area), Some(number)) = (parts.next(), parts.next_back()) else {
        return false;
    };
    let word = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let mut middle = parts.peekable();
    word(area)
        && middle.peek().is_some()
        && middle.all(word)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The account id a `Numeric…` condition value stands for, compared as a number as IAM compares
/// it (`0444455556666`, `12345678901`: 444455556666, 012345678901); `None` for a value that is no
/// number of at most 12 digits.
pub(crate) fn account_as_number(value: &str) -> Option<String> {
    let number: u64 = value.parse().ok()?;
    (number < 1_000_000_000_000).then(|| format!("{number:012}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_arns_no_caller_of_assume_role_has() {
        // (pattern, ArnLike rather than StringLike, whether it names no caller)
        let cases = [
            ("arn:aws:sts::111122223333:assumed-role/deploy/*", true, true),
            ("arn:aws:sts::*:assumed-role/*", false, true),
            ("arn:aws:sts::*:federated-user/*", true, true),
            ("arn:aws:iam::*:root", true, true),
            ("arn:aws:iam::*:root", false, true),
            ("arn:aws:iam::111122223333:root", false, true),
            ("arn:aws-cn:iam::*:group/*", true, true),
            ("arn:aws:sts:*:*", false, true),
            ("arn:*:root", false, true),
            ("arn:aws:iam::111122223333:role/deploy", true, false),
            ("arn:aws:iam::*:role/*", false, false),
            ("arn:aws:iam::*:user/ci", true, false),
            ("arn:aws:iam::*:r*", true, false),
            ("arn:aws:iam::111122223333:*", false, false),
            ("arn:aws:*:root", true, false),
            ("*", false, false),
            ("arn:aws:iam::${aws:PrincipalAccount}:root", true, false),
            ("arn:aws:iam::*:ROOT*", false, false),
            ("arn:aws:iam::*:UNRESOLVED(Fn__ImportValue X)", false, false),
            // No ARN: a role's unique id, an account id; a pattern may still match one.
            ("AROA4EXAMPLEEXAMPLE12", false, true),
            ("111122223333", true, true),
            ("*deploy*", false, false),
            ("ARN:aws:iam::111122223333:role/deploy", true, true),
            // Field by field with case: no caller's ARN has a region, `IAM` or `ARN`.
            ("arn:aws:iam:us-east-1:*:role/deploy", true, true),
            ("arn:aws:iam:us-east-1:*:role/deploy", false, true),
            ("arn:aws:IAM::*:role/deploy", true, true),
            ("arn:aws:iam:*:*:role/deploy", true, false),
        ];
        for (pattern, arn_operator, no_caller) in cases {
            assert_eq!(
                names_no_assuming_caller(pattern, arn_operator),
                no_caller,
                "{pattern} ({arn_operator})"
            );
        }
    }

    #[test]
    fn globs_meet_when_some_text_matches_both() {
        let meet = globs_meet;
        assert!(meet("*-worker", "billing-*"));
        assert!(meet("fn:*", "fn:billing-api"));
        assert!(meet("a?c", "*b*"));
        assert!(meet("*", ""));
        assert!(!meet("*-worker", "*-processor"));
        assert!(!meet(
            "arn:aws:lambda:eu-west-1:*",
            "arn:aws:lambda:us-east-1:1:function:*"
        ));
        assert!(!meet("a?", "a"));
        assert!(!meet("ab", "a"));
        assert!(!meet("AB*", "ab"));
        assert!(meet("é?", "?ü"));
        // Past the bound, "may meet".
        assert!(meet(&"a".repeat(201), &"b".repeat(200)));
    }

    #[test]
    fn glob_semantics() {
        assert!(glob("sts:Assume*", "sts:AssumeRole", false));
        assert!(glob("STS:ASSUMEROLE", "sts:AssumeRole", true));
        assert!(!glob("STS:ASSUMEROLE", "sts:AssumeRole", false));
        assert!(glob("sts:?ssumeRole", "sts:AssumeRole", false));
        assert!(glob("*", "", false));
        assert!(glob("a*b*c", "aXXbYYc", false));
        assert!(!glob("a*b*c", "aXXbYY", false));
        assert!(glob("*Role", "sts:AssumeRole", false));
        assert!(!glob("", "x", false));
        assert!(glob("é?", "éü", false));
        assert!(glob(&"*a".repeat(50), &"a".repeat(200), false));
    }

    #[test]
    fn arn_fields_split_like_splitn() {
        for text in [
            "arn:aws:iam::1:role/a:b",
            "a:b",
            "",
            ":::::",
            "arn:aws:lambda:r:1:function:f:live",
            "é:ü:::x:y",
        ] {
            let expected: Vec<&str> = text.splitn(6, ':').collect();
            match arn_fields::<6>(text) {
                Some(fields) => assert_eq!(fields[..], expected[..], "{text}"),
                None => assert!(expected.len() < 6, "{text}"),
            }
        }
        assert_eq!(
            arn_fields::<7>("arn:aws:lambda:r:1:function:f:live"),
            Some(["arn", "aws", "lambda", "r", "1", "function", "f:live"])
        );
        assert_eq!(arn_account("arn:aws:iam::123456789012:root"), Some("123456789012"));
        assert_eq!(arn_account("arx:aws:iam::123456789012:root"), None);
        assert_eq!(arn_account("arn:aws:iam::123456789012"), None);
    }

    proptest::proptest! {
        /// Any bytes, a colon anywhere or nowhere, at every offset of a word.
        #[test]
        fn a_colon_is_found_where_a_byte_by_byte_scan_finds_it(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![proptest::sample::select(vec![b':', b';', 0x3B, 0xBA, 0x00, 0xFF]), proptest::num::u8::ANY],
                0..40,
            )
        ) {
            proptest::prop_assert_eq!(colon_at(&bytes), bytes.iter().position(|&b| b == b':'));
        }

        /// Fields of every length and characters of every width: the fields `splitn` gives.
        #[test]
        fn arn_fields_split_as_splitn_does(text in "([a-zé:]{0,3}|[-a-z0-9/é]{5,20}|:){0,12}") {
            let expected: Vec<&str> = text.splitn(7, ':').collect();
            match arn_fields::<7>(&text) {
                Some(fields) => proptest::prop_assert_eq!(&fields[..], &expected[..]),
                None => proptest::prop_assert!(expected.len() < 7),
            }
        }
    }

    #[test]
    fn arn_like_matches_each_part_separately() {
        let f = "arn:aws:lambda:eu-west-1:123456789012:function:orders";
        assert!(arn_like("arn:aws:lambda:*:123456789012:function:*", f));
        assert!(arn_like("arn:aws:lambda:eu-west-1:123456789012:function:orders", f));
        // In StringLike a `*` crosses colons; in ArnLike it cannot leave its part.
        assert!(glob("arn:aws:lambda:*:function:orders", f, false));
        assert!(!arn_like("arn:aws:lambda:*:function:orders", f));
        assert!(!arn_like("*", "not-an-arn"));
        assert!(arn_like(
            "arn:aws:lambda:*:*:function:orders:*",
            "arn:aws:lambda:r:1:function:orders:live"
        ));
    }

    #[test]
    fn a_region_is_words_then_a_number() {
        for region in [
            "eu-west-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-5",
            "eusc-de-east-1",
        ] {
            assert!(is_region(region), "{region}");
        }
        for text in [
            "east-1",
            "eu-west",
            "eu-west-x",
            "EU-WEST-1",
            "eu--1",
            "*",
            "${AWS::Region}",
            "eu-west-1a",
            "",
        ] {
            assert!(!is_region(text), "{text}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(arn_account("arn:aws:iam::123456789012:role/x"), Some("123456789012"));
        assert_eq!(arn_account("arn:aws:iam::123456789012"), None);
        assert_eq!(arn_account("AROA123"), None);
        assert!(arn_matches_everything("arn:*:*:*:*:*"));
        assert!(!arn_matches_everything("arn:aws:*:*:*:*"));
        assert!(matches_everything("**"));
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901x"));
    }

    #[test]
    fn a_pattern_of_wildcards_alone_names_nobody() {
        assert!(names_nothing("?*") && names_nothing("**") && names_nothing("??"));
        // A lone `?` matches no external id and no real subject: it opens nothing.
        assert!(!names_nothing("?") && !names_nothing("") && !names_nothing("a*"));
    }
}
