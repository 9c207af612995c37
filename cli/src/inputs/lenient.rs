//! What PyYAML reads and YAML 1.2 refuses, made readable. PyYAML (SAM CLI, cfn-lint, `aws
//! cloudformation package`) doesn't check the indentation of a flow collection's or a quoted
//! scalar's continuation lines, so templates that deploy write them at their key's column:
//!
//! ```yaml
//!       ManagedPolicyArns: [
//!       "arn:aws:iam::aws:policy/AWSLambdaExecute"]
//!       PolicyDocument: !Sub '{
//!           "Statement": […]
//!       }'
//! ```
//!
//! Leading spaces there mean nothing (scalars fold them away), so such lines are indented past
//! their key, all in one pass, and the text read again.

/// `text` with every line that continues a flow collection or a quoted scalar indented past the
/// key it belongs to; `None` when no line needs it.
pub(crate) fn pyyaml_indented(text: &str) -> Option<String> {
    let mut reader = FlowReader::default();
    let mut out = String::with_capacity(text.len() + 256);
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let has = line.len() - line.trim_start_matches(' ').len();
        if let Some(wanted) = reader
            .continuation_indent()
            .filter(|w| has < *w && !line.trim().is_empty())
        {
            out.extend(std::iter::repeat_n(' ', wanted - has));
            changed = true;
        }
        out.push_str(line);
        reader.read_line(line);
    }
    changed.then_some(out)
}

/// The column of a line's content past its indentation and `- ` markers: the key's, for a line
/// that starts a mapping entry.
fn content_indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(['-', ' ']).len()
}

/// Enough of YAML's lexical rules to tell whether a line starts inside a flow collection or a
/// quoted scalar: quotes, comments, block scalars, and brackets that start a node (not the `[` of
/// a plain scalar such as `^[a-z]+$`).
#[derive(Default)]
struct FlowReader {
    depth: usize,
    /// The content column of the line that opened the outermost collection.
    opener_indent: usize,
    /// Inside a quoted scalar that spans lines, and the content column of the line it opened on.
    quote: Option<(char, usize)>,
    /// The indentation of the line that started a block scalar (`|`, `>`), while in it.
    block_scalar: Option<usize>,
    /// Where the last line ended a node may start (after `[`, `{`, `,` or `:`).
    node_start: bool,
}

impl FlowReader {
    /// How far a line that starts here must be indented, when it continues something.
    fn continuation_indent(&self) -> Option<usize> {
        if self.block_scalar.is_some() {
            return None;
        }
        match (self.depth, self.quote) {
            (1.., _) => Some(self.opener_indent + 1),
            (0, Some((_, indent))) => Some(indent + 1),
            (0, None) => None,
        }
    }

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
        // A line in block context starts a node; in a flow collection, where the last one left off.
        let mut node_start = self.depth == 0 || self.node_start;
        let mut chars = content.chars().peekable();
        let mut previous = ' ';
        while let Some(c) = chars.next() {
            let next = chars.peek().copied().unwrap_or(' ');
            if let Some((quote, _)) = self.quote {
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
                '"' | '\'' if node_start => self.quote = Some((c, content_indent(body))),
                '[' | '{' if node_start => {
                    if self.depth == 0 {
                        self.opener_indent = content_indent(body);
                    }
                    self.depth += 1;
                }
                ']' | '}' if self.depth > 0 => {
                    self.depth -= 1;
                    node_start = false;
                }
                ',' if self.depth > 0 => node_start = true,
                // In a flow collection a value may follow a JSON-style key's `:` at once (`"k":"v"`).
                ':' if next == ' ' || next == '\t' || self.depth > 0 => node_start = true,
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
        self.node_start = node_start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_at_their_key_s_column_are_indented_past_it() {
        let text = "A:\n  B: [\n  x, \"y]\"]\n  C: d\n";
        assert_eq!(
            pyyaml_indented(text).as_deref(),
            Some("A:\n  B: [\n   x, \"y]\"]\n  C: d\n")
        );
        // Indented enough already: nothing to do.
        assert_eq!(pyyaml_indented("A: [\n   x]\n"), None);
        // A quoted key on a line of its own, holding a bracket (the line broke after `{`).
        let quoted = "A:\n  B: {\n    \"k]\": 1\n  }\n";
        assert_eq!(
            pyyaml_indented(quoted).as_deref(),
            Some("A:\n  B: {\n    \"k]\": 1\n   }\n")
        );
        // A JSON-style value right after its key's `:`.
        let json = "A:\n  B: [{\"K\":\"a]\",\n  \"V\": 1}]\n";
        assert_eq!(
            pyyaml_indented(json).as_deref(),
            Some("A:\n  B: [{\"K\":\"a]\",\n   \"V\": 1}]\n")
        );
        // Under a sequence entry the key is past the `- `.
        let listed = "L:\n  - K: [\n    x]\n";
        assert_eq!(pyyaml_indented(listed).as_deref(), Some("L:\n  - K: [\n     x]\n"));
    }

    #[test]
    fn a_quoted_scalar_s_lines_are_indented_past_its_key_up_to_its_closing_quote() {
        let text = "A:\n  - K: !Sub '{\n  \"a\": \"it''s\",\n      \"b\": 1\n  }'\n  - L: x\n";
        assert_eq!(
            pyyaml_indented(text).as_deref(),
            Some("A:\n  - K: !Sub '{\n     \"a\": \"it''s\",\n      \"b\": 1\n     }'\n  - L: x\n")
        );
        let double = "K: \"a\\\"\nb\"\nL: x\n";
        assert_eq!(pyyaml_indented(double).as_deref(), Some("K: \"a\\\"\n b\"\nL: x\n"));
        assert_eq!(pyyaml_indented("K: 'a\n   b'\n"), None);
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
            assert_eq!(pyyaml_indented(text), None, "{text:?}");
        }
        // A tag before the collection: `!Join [`.
        let tagged = "A:\n  B: !Join ['', [\n  a, b]]\n";
        assert_eq!(
            pyyaml_indented(tagged).as_deref(),
            Some("A:\n  B: !Join ['', [\n   a, b]]\n")
        );
    }
}
