//! Finding texts built by concatenation: [`text!`] sizes the string once and copies its pieces.
//! A finding's message and fix are a few literals, names and statement numbers, and `format!`
//! costs several times more than copying them (its formatting machinery was a sixth of a check).

use std::borrow::Cow;

/// One piece of a text: a string or a number.
pub(crate) trait Piece {
    fn size(&self) -> usize;
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for Cow<'_, str> {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn size(&self) -> usize {
        (**self).size()
    }
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

impl Piece for usize {
    fn size(&self) -> usize {
        (*self as u64).size()
    }
    fn push_to(&self, out: &mut String) {
        (*self as u64).push_to(out);
    }
}

impl Piece for u64 {
    fn size(&self) -> usize {
        self.checked_ilog10().map_or(1, |digits| digits as usize + 1)
    }
    fn push_to(&self, out: &mut String) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = *self;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for &digit in &digits[at..] {
            out.push(char::from(digit));
        }
    }
}

impl Piece for i64 {
    fn size(&self) -> usize {
        usize::from(*self < 0) + self.unsigned_abs().size()
    }
    fn push_to(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        self.unsigned_abs().push_to(out);
    }
}

/// Joins the pieces into a string of exactly their size.
pub(crate) fn join(pieces: &[&dyn Piece]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.size()).sum());
    for piece in pieces {
        piece.push_to(&mut out);
    }
    out
}

/// `text!("statement ", index, " trusts ", name)`: the pieces (strings and numbers) joined.
macro_rules! text {
    ($($piece:expr),+ $(,)?) => {
        $crate::text::join(&[$(&$piece as &dyn $crate::text::Piece),+])
    };
}
pub(crate) use text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_join_as_format_would_write_them() {
        let name = String::from("arn:aws:iam::1:root");
        let key: Cow<str> = Cow::Borrowed("aws:SourceArn");
        for n in [0usize, 7, 10, 99, 100, 12345, usize::MAX] {
            let joined = text!("statement ", n, " names ", name, " on ", key, "");
            assert_eq!(joined, format!("statement {n} names {name} on {key}"));
            assert_eq!(joined.len(), joined.capacity(), "sized once");
        }
        for days in [0i64, 5, -1, -30, i64::MIN, i64::MAX] {
            assert_eq!(text!("in ", days, " day(s)"), format!("in {days} day(s)"));
        }
    }
}
