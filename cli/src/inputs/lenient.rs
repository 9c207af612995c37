//! What PyYAML reads and YAML 1.2 refuses, made readable. PyYAML (SAM CLI, cfn-lint, `aws
//! cloudformation package`) doesn't check the indentation of a flow collection's continuation
//! lines, so templates that deploy write them at their key's column:
//!
//! ```yaml
//!       ManagedPolicyArns: [
//!       "arn:aws:iam::aws:policy/AWSLambdaExecute"]
//! ```
//!
//! Leading spaces inside a flow collection mean nothing (scalars fold them away), so such a line
//! is indented past its key and the text read again.

/// `text` with line `line` (1-based) indented past the key that opened the flow collection it
/// continues; `None` when that line doesn't continue one, or is indented far enough already.
pub(crate) fn flow_line_indented(text: &str, line: usize) -> Option<String> {
    let mut reader = FlowReader::default();
    let mut lines = text.split_inclusive('\n');
    for _ in 1..line {
        reader.read_line(lines.next()?);
    }
    let target = lines.next()?;
    let wanted = reader.opener_indent.filter(|_| reader.depth > 0)? + 1;
    let has = target.len() - target.trim_start_matches(' ').len();
    if has >= wanted {
        return None;
    }
    let start = text.len() - target.len() - lines.map(str::len).sum::<usize>();
    let mut out = String::with_capacity(text.len() + wanted - has);
    out.push_str(&text[..start]);
    out.extend(std::iter::repeat_n(' ', wanted - has));
    out.push_str(&text[start..]);
    Some(out)
}

/// `text` with the continuation lines of the quoted scalar that starts at `line`, `column` (1-based,
/// in characters) indented past the key it is the value of, as PyYAML reads them; `None` when no
/// quoted scalar starts there or its lines are indented far enough already. Their leading spaces
/// fold into one, whatever their number.
pub(crate) fn quoted_lines_indented(text: &str, line: usize, column: usize) -> Option<String> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let first = text.get(line_start..)?.split('\n').next()?;
    let (at, quote) = first.char_indices().nth(column.checked_sub(1)?)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let wanted = content_indent(first) + 1;
    // The scalar's end, found as its own escapes allow (`\"` in double quotes, `''` in single).
    let body = &text.as_bytes()[line_start + at + 1..];
    let mut end = 0;
    loop {
        match *body.get(end)? {
            b'\\' if quote == '"' => end += 2,
            b'\'' if quote == '\'' && body.get(end + 1) == Some(&b'\'') => end += 2,
            byte if byte == quote as u8 => break,
            _ => end += 1,
        }
    }
    let body_start = line_start + at + 1;
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    for (offset, _) in text[body_start..body_start + end].match_indices('\n') {
        let next_line = body_start + offset + 1;
        let has = text[next_line..].len() - text[next_line..].trim_start_matches(' ').len();
        if has < wanted {
            out.push_str(&text[copied..next_line]);
            out.extend(std::iter::repeat_n(' ', wanted - has));
            copied = next_line;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The column of a line's content past its indentation and `- ` markers: the key's, for a line
/// that starts a mapping entry.
fn content_indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(['-', ' ']).len()
}

/// Enough of YAML's lexical rules to tell whether a line starts inside a flow collection: quotes,
/// comments, block scalars, and brackets that start a node (not the `[` of a plain scalar such
/// as `^[a-z]+$`).
#[derive(Default)]
struct FlowReader {
    depth: usize,
    /// The column of the content (past `- ` markers) of the line that opened the outermost collection.
    opener_indent: Option<usize>,
    /// Inside a quoted scalar that spans lines.
    quote: Option<char>,
    /// The indentation of the line that started a block scalar (`|`, `>`), while in it.
    block_scalar: Option<usize>,
    /// Where the last line ended a node may start (after `[`, `{`, `,` or `: `).
    node_start: bool,
}

impl FlowReader {
    fn read_line(&mut self, line: &str) {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(parent) = self.block_scalar {
            if body.trim().is_empty() || indent > parent {
                return;
            }
            self.block_scalar = None;
        }
        let content = body.trim_start_matches(' ');
        let content_indent = content_indent(body);
        // A line in block context starts a node; in a flow collection, after `[`, `{` or `,` only,
        // wherever the line breaks.
        let mut node_start = self.depth == 0 || self.node_start;
        let mut chars = content.chars().peekable();
        let mut previous = ' ';
        while let Some(c) = chars.next() {
            let next = chars.peek().copied().unwrap_or(' ');
            if let Some(quote) = self.quote {
                match c {
                    '\\' if quote == '"' => {
                        chars.next();
                    }
                    '\'' if quote == '\'' && next == '\'' => {
                        chars.next();
                    }
                    _ if c == quote => {
                        self.quote = None;
                        node_start = false;
                    }
                    _ => {}
                }
                previous = c;
                continue;
            }
            match c {
                '#' if previous == ' ' || previous == '\t' => break,
                '"' | '\'' if node_start => self.quote = Some(c),
                '[' | '{' if node_start => {
                    if self.depth == 0 {
                        self.opener_indent = Some(content_indent);
                    }
                    self.depth += 1;
                }
                ']' | '}' if self.depth > 0 => {
                    self.depth -= 1;
                    node_start = false;
                }
                ',' if self.depth > 0 => node_start = true,
                ':' if next == ' ' || next == '\t' || (self.depth > 0 && matches!(next, ',' | ']' | '}')) => {
                    node_start = true;
                }
                '-' | '?' if node_start && self.depth == 0 && (next == ' ' || next == '\t') => {}
                '|' | '>' if node_start && self.depth == 0 => {
                    self.block_scalar = Some(indent);
                    return;
                }
                // A tag or an anchor before a node: the node starts after it.
                '!' | '&' if node_start => while chars.next_if(|&n| n != ' ' && n != '\t').is_some() {},
                ' ' | '\t' => {}
                _ => node_start = false,
            }
            previous = c;
        }
        if self.depth == 0 {
            self.opener_indent = None;
        }
        self.node_start = node_start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continuation_line_at_its_key_s_column_is_indented_past_it() {
        let text = "A:\n  B: [\n  x, \"y]\"]\n  C: d\n";
        assert_eq!(
            flow_line_indented(text, 3).as_deref(),
            Some("A:\n  B: [\n   x, \"y]\"]\n  C: d\n")
        );
        // Past the collection's end, and indented enough already: nothing to do.
        assert_eq!(flow_line_indented(text, 4), None);
        assert_eq!(flow_line_indented("A: [\n   x]\n", 2), None);
        // A quoted key on a line of its own, holding a bracket (the line broke after `{`).
        let quoted = "A:\n  B: {\n    \"k]\": 1\n  }\n";
        assert_eq!(
            flow_line_indented(quoted, 4).as_deref(),
            Some("A:\n  B: {\n    \"k]\": 1\n   }\n")
        );
        // Under a sequence entry the key is past the `- `.
        let listed = "L:\n  - K: [\n    x]\n";
        assert_eq!(
            flow_line_indented(listed, 3).as_deref(),
            Some("L:\n  - K: [\n     x]\n")
        );
    }

    #[test]
    fn a_quoted_scalar_s_lines_are_indented_past_its_key_up_to_its_closing_quote() {
        let text = "A:\n  - K: !Sub '{\n  \"a\": \"it''s\",\n      \"b\": 1\n  }'\n  - L: x\n";
        assert_eq!(
            quoted_lines_indented(text, 2, 13).as_deref(),
            Some("A:\n  - K: !Sub '{\n     \"a\": \"it''s\",\n      \"b\": 1\n     }'\n  - L: x\n")
        );
        let double = "K: \"a\\\"\nb\"\nL: x\n";
        assert_eq!(
            quoted_lines_indented(double, 1, 4).as_deref(),
            Some("K: \"a\\\"\n b\"\nL: x\n")
        );
        // No quote there, no closing quote, or nothing to indent.
        assert_eq!(quoted_lines_indented(text, 2, 5), None);
        assert_eq!(quoted_lines_indented("K: 'a\nb", 1, 4), None);
        assert_eq!(quoted_lines_indented("K: 'a\n   b'\n", 1, 4), None);
    }

    #[test]
    fn brackets_in_plain_scalars_quotes_comments_and_block_scalars_open_nothing() {
        for text in [
            "A:\n  B: ^[a-z]+$\n  C: d\n",
            "A:\n  B: \"[\"\n  C: d\n",
            "A:\n  B: it's [\n  C: d\n",
            "A:\n  B: x # [\n  C: d\n",
            "A:\n  B: |\n    [\n  C: d\n",
            "A:\n  B: 'a ''[ b'\n  C: d\n",
        ] {
            assert_eq!(flow_line_indented(text, 3), None, "{text:?}");
        }
        // A tag before the collection: `!Join [`.
        let tagged = "A:\n  B: !Join ['', [\n  a, b]]\n";
        assert_eq!(
            flow_line_indented(tagged, 3).as_deref(),
            Some("A:\n  B: !Join ['', [\n   a, b]]\n")
        );
    }
}
