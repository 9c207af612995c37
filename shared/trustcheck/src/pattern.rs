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

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// `ArnLike` / `ArnEquals`: each of the six colon-separated parts is matched on its own, so a `*`
/// never spans a colon except inside the resource part. Not an ARN on either side: no match.
pub(crate) fn arn_like(pattern: &str, value: &str) -> bool {
    let mut p = pattern.splitn(6, ':');
    let mut v = value.splitn(6, ':');
    for _ in 0..6 {
        match (p.next(), v.next()) {
            (Some(pp), Some(vp)) if glob(pp, vp, false) => {}
            _ => return false,
        }
    }
    true
}

pub(crate) fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// True when the pattern matches every string (`*`, `**`).
pub(crate) fn matches_everything(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.bytes().all(|c| c == b'*')
}

/// True when an `ArnLike` pattern matches every ARN (`*` in all six parts, or a bare `*`).
pub(crate) fn arn_matches_everything(pattern: &str) -> bool {
    if matches_everything(pattern) {
        return true;
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    parts.len() == 6 && matches!(parts[0], "arn" | "*") && parts[1..].iter().all(|p| matches_everything(p))
}

/// The account field of an ARN (`arn:partition:service:region:ACCOUNT:resource`).
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let account = parts.nth(3)?;
    parts.next()?;
    Some(account)
}

pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
