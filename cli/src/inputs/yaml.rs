//! YAML, and JSON (which YAML 1.2 reads too), into a tree that keeps the position of every node and
//! key, with CloudFormation's short-form tags turned into their long form: `!Sub x` becomes
//! `{"Fn::Sub": x}`, `!Ref x` becomes `{"Ref": x}`. One reader for both template syntaxes, so
//! findings in JSON templates get lines too.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, StrInput, Tag};

/// A place in the source: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn at(marker: Marker) -> Pos {
        Pos {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub value: Value,
    /// A literal block scalar (`|`): its text's lines are the file's, from the line after its
    /// indicator. A quoted or folded scalar's are not (`"Resources:\n  R: …"` on one line).
    pub literal: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    /// Every other scalar as its text: CloudFormation hands resources strings.
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Node {
    /// The entry for `key`; the last one when a key repeats, as CloudFormation and JSON parsers
    /// take it (see [`Node::repeated_key`] for where that must not be trusted).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|e| e.key == key)
    }

    /// The first key that a mapping at or below this node repeats, with the line of its first
    /// occurrence: a trust policy with `Principal` twice is read by whichever parser deploys it.
    pub fn repeated_key(&self) -> Option<(&Entry, usize)> {
        match &self.value {
            Value::Null | Value::Scalar(_) => None,
            Value::Seq(items) => items.iter().find_map(Node::repeated_key),
            Value::Map(entries) => entries
                .iter()
                .enumerate()
                .find_map(|(i, e)| {
                    let first = entries[..i].iter().find(|f| f.key == e.key)?;
                    Some((e, first.key_pos.line))
                })
                .or_else(|| entries.iter().find_map(|e| e.value.repeated_key())),
        }
    }

    /// The lines of the first and the last `key` of this mapping, when it has `key` more than once.
    pub fn repeats(&self, key: &str) -> Option<(usize, usize)> {
        let mut lines = self.as_map()?.iter().filter(|e| e.key == key).map(|e| e.key_pos.line);
        let first = lines.next()?;
        lines.next_back().map(|last| (first, last))
    }

    /// [`Node::repeats`], unless every entry of `key` holds the same value: then whichever the
    /// parser keeps is the one (a region table copied with a region twice).
    pub fn repeats_differently(&self, key: &str) -> Option<(usize, usize)> {
        let lines = self.repeats(key)?;
        let mut values = self.as_map()?.iter().filter(|e| e.key == key).map(|e| &e.value);
        let first = values.next()?;
        values.any(|other| !first.same_value(other)).then_some(lines)
    }

    /// The same value, wherever each is written.
    pub fn same_value(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Null, Value::Null) => true,
            (Value::Scalar(a), Value::Scalar(b)) => a == b,
            (Value::Seq(a), Value::Seq(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_value(y)),
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len() && (a.iter().zip(b)).all(|(x, y)| x.key == y.key && x.value.same_value(&y.value))
            }
            _ => false,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// An intrinsic function call: a mapping whose one key is `Ref` or `Fn::…`.
    pub fn intrinsic(&self) -> Option<(&str, &Node)> {
        match self.as_map()? {
            [only] if only.key == "Ref" || only.key.starts_with("Fn::") => Some((&only.key, &only.value)),
            _ => None,
        }
    }

    /// Levels below this node: 0 for a scalar.
    fn height(&self) -> usize {
        match &self.value {
            Value::Null | Value::Scalar(_) => 0,
            Value::Seq(items) => 1 + items.iter().map(Node::height).max().unwrap_or(0),
            Value::Map(entries) => 1 + entries.iter().map(|e| e.value.height()).max().unwrap_or(0),
        }
    }

    /// The bytes of text in the subtree: its scalars and keys.
    fn text_bytes(&self) -> usize {
        match &self.value {
            Value::Null => 0,
            Value::Scalar(text) => text.len(),
            Value::Seq(items) => items.iter().map(Node::text_bytes).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.key.len() + e.value.text_bytes()).sum(),
        }
    }

    /// Nodes in the subtree, keys counted.
    pub(crate) fn size(&self) -> usize {
        match &self.value {
            Value::Null | Value::Scalar(_) => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => 1 + entries.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct YamlError {
    pub pos: Pos,
    pub message: String,
}

impl YamlError {
    fn new(pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            pos,
            message: message.into(),
        }
    }
}

/// Deeper nesting than any template needs; the limit keeps recursion off the end of the stack.
const MAX_DEPTH: usize = 256;
/// Nodes, and bytes of text, that anchors (`&anchor`, kept as a copy) and aliases (`*anchor`,
/// each another copy) may copy in all, against alias bombs: exponential nesting, a long string
/// aliased thousands of times, anchors nested in anchors.
const ALIAS_BUDGET: usize = 1_000_000;
const ALIAS_BYTES_BUDGET: usize = 64 << 20;

/// Parses one YAML or JSON document. `None` for an empty file.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    // JSON strings can't hold a raw tab, so every tab in a JSON file is whitespace; YAML refuses
    // tabs where JSON pretty-printers put them. Same length, so positions don't move.
    let looks_like_json = text.trim_start().starts_with('{');
    let text = if looks_like_json && text.contains('\t') {
        std::borrow::Cow::Owned(text.replace('\t', " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let text = match looks_like_json {
        true => joined_surrogates(text),
        false => text,
    };
    match load(&text) {
        // Read as PyYAML reads it (see `lenient`), in one more pass; an error that remains is
        // said where the text first failed, if it is the same kind.
        Err(error) if error.message.starts_with("invalid indentation") => {
            match super::lenient::pyyaml_indented(&text) {
                Some(indented) => match load(&indented) {
                    Err(again) if again.message.starts_with("invalid indentation") => Err(error),
                    loaded => loaded,
                },
                None => Err(error),
            }
        }
        loaded => loaded,
    }
}

fn load(text: &str) -> Result<Option<Node>, YamlError> {
    loader(text).stream(false)
}

/// The first document of a stream of them (`---` between Kubernetes manifests), the others
/// unread: enough to tell whether a file is a template, which is one document.
pub(crate) fn first_document(text: &str) -> Result<Option<Node>, YamlError> {
    loader(text).stream(true)
}

fn loader(text: &str) -> Loader<'_> {
    Loader {
        text,
        cursor: (0, 0),
        events: Parser::new_from_str(text),
        anchors: HashMap::new(),
        alias_budget: ALIAS_BUDGET,
        alias_bytes_budget: ALIAS_BYTES_BUDGET,
        last: Pos { line: 1, column: 1 },
    }
}

/// What [`parse`] says of a file holding more than one document.
pub(crate) const SECOND_DOCUMENT: &str = "a second YAML document; a template is one document";

/// JSON writes a character beyond the BMP as an escaped surrogate pair (`"\ud83d\ude80"`, as
/// Python's `json.dumps` does), which the YAML parser refuses half by half: each pair becomes
/// its character. Only in JSON, where every backslash in a string starts an escape; lines stay.
fn joined_surrogates(text: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    if !text.contains("\\u") {
        return text;
    }
    let hex = |s: &str| s.get(2..6).and_then(|h| u32::from_str_radix(h, 16).ok());
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        let pair = (escape.starts_with("\\u") && escape.get(6..8) == Some("\\u"))
            .then(|| Some((hex(escape)?, hex(&escape[6..])?)))
            .flatten()
            .filter(|(high, low)| (0xD800..0xDC00).contains(high) && (0xDC00..0xE000).contains(low))
            .and_then(|(high, low)| char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)));
        match pair {
            Some(c) => {
                out.push(c);
                rest = &escape[12..];
            }
            None => {
                // Any other escape, `\\` included, is kept whole: its second character is never
                // taken for the start of another.
                let len = escape[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
                out.push_str(&escape[..len]);
                rest = &escape[len..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

struct Loader<'input> {
    text: &'input str,
    /// A character index into `text` and its byte offset: the parser's markers count characters,
    /// and go forward, so each is found from the last ([`Loader::byte_at`]).
    cursor: (usize, usize),
    events: Parser<'input, StrInput<'input>>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
    alias_bytes_budget: usize,
    /// Where the last event started: where an unexpected end of input is reported.
    last: Pos,
}

impl<'input> Loader<'input> {
    fn next(&mut self) -> Result<(Event<'input>, Span), YamlError> {
        match self.events.next() {
            Some(Ok((event, span))) => {
                self.last = Pos::at(span.start);
                Ok((event, span))
            }
            Some(Err(e)) => Err(YamlError::new(Pos::at(*e.marker()), e.info())),
            None => Err(YamlError::new(self.last, "unexpected end of input")),
        }
    }

    /// The stream's one document; with `first_only`, its first, whatever follows.
    fn stream(&mut self, first_only: bool) -> Result<Option<Node>, YamlError> {
        let mut document = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
                Event::StreamEnd => return Ok(document),
                Event::DocumentStart(_) if document.is_some() && first_only => return Ok(document),
                Event::DocumentStart(_) if document.is_some() => {
                    return Err(YamlError::new(Pos::at(span.start), SECOND_DOCUMENT))
                }
                Event::DocumentStart(_) => {
                    let (event, span) = self.next()?;
                    document = Some(self.node(event, span, 0)?);
                }
                other => {
                    return Err(YamlError::new(
                        Pos::at(span.start),
                        format!("unexpected YAML event {other:?}"),
                    ))
                }
            }
        }
    }

    fn node(&mut self, event: Event<'input>, span: Span, depth: usize) -> Result<Node, YamlError> {
        let pos = Pos::at(span.start);
        if depth > MAX_DEPTH {
            return Err(YamlError::new(pos, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let (node, anchor, tag) = match event {
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| YamlError::new(pos, "an alias to an unknown anchor"))?;
                self.spend(&node, pos)?;
                // An alias copies a whole subtree: nested aliases must not build, level by level,
                // what the parse limit refuses (every later step walks the tree recursively).
                if depth + node.height() > MAX_DEPTH {
                    return Err(YamlError::new(
                        pos,
                        format!("aliases nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
                return Ok(node);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let value = if plain && is_null(&text) {
                    Value::Null
                } else if let Some(number) = plain.then(|| yaml11_octal(&text)).flatten() {
                    Value::Scalar(number)
                } else if let Some(boolean) = plain.then(|| yaml11_bool(&text)).flatten() {
                    Value::Scalar(boolean.to_owned())
                } else {
                    Value::Scalar(text.into_owned())
                };
                let literal = style == ScalarStyle::Literal;
                (Node { pos, value, literal }, anchor, tag)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, span, depth + 1)?);
                }
                let value = Value::Seq(items);
                let literal = false;
                (Node { pos, value, literal }, anchor, tag)
            }
            Event::MappingStart(anchor, tag) => {
                // A flow mapping (`{…}`, every object of JSON) keeps an implicit key to one line.
                let at = self.byte_at(span.start.index());
                let flow = self.text.as_bytes().get(at) == Some(&b'{');
                let mut entries = Vec::new();
                let mut merges = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    // A plain `<<` (or one tagged `!!merge`) is a merge key; a quoted one is a key
                    // like any other.
                    let merge = match &event {
                        Event::Scalar(text, style, _, tag) if text.as_ref() == "<<" => match tag {
                            None => *style == ScalarStyle::Plain,
                            // `!!merge`, or its long form `!<tag:yaml.org,2002:merge>`.
                            Some(tag) => {
                                (tag.handle == "tag:yaml.org,2002:" && tag.suffix == "merge")
                                    || (tag.handle.is_empty() && tag.suffix == "tag:yaml.org,2002:merge")
                            }
                        },
                        _ => false,
                    };
                    if flow
                        && matches!(event, Event::Scalar(..))
                        && span.start.line() != span.end.line()
                        && !self.explicit_key_at(span.start)
                    {
                        return Err(YamlError::new(
                            Pos::at(span.start),
                            "a mapping key runs over more than one line, which YAML doesn't read as a key (a missing comma, or a comment, which JSON has none of?)",
                        ));
                    }
                    let key = self.node(event, span, depth + 1)?;
                    let Value::Scalar(key_text) = key.value else {
                        return Err(YamlError::new(key.pos, "a mapping key must be a string"));
                    };
                    let (event, span) = self.next()?;
                    let value = self.node(event, span, depth + 1)?;
                    if merge {
                        merges.push((key.pos, value));
                    } else {
                        entries.push(Entry {
                            key: key_text,
                            key_pos: key.pos,
                            value,
                        });
                    }
                }
                let value = Value::Map(merged(entries, merges)?);
                let literal = false;
                (Node { pos, value, literal }, anchor, tag)
            }
            other => return Err(YamlError::new(pos, format!("unexpected YAML event {other:?}"))),
        };
        let node = long_form(node, tag.as_deref());
        if anchor != 0 {
            self.spend(&node, pos)?;
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    /// Whether the key starting at `start`, in a flow mapping, is an explicit one (`{? a\n b: c}`),
    /// which may run over lines. YAML 1.2 (7.4) keeps an implicit key to one line, and PyYAML,
    /// which `sam` and the AWS CLI read templates with, refuses one that isn't: a lenient reader
    /// would take `{ // note` and the next key for one key, and judge a policy nobody can deploy.
    /// The `?` is the indicator only where an entry starts (after `{` or `,`).
    fn explicit_key_at(&mut self, start: Marker) -> bool {
        let at = self.byte_at(start.index());
        let (before, from) = self.text.split_at_checked(at).unwrap_or((self.text, ""));
        let indicated = |before: &str| {
            before
                .trim_end()
                .strip_suffix('?')
                .is_some_and(|rest| rest.trim_end().ends_with(['{', ',']))
        };
        indicated(before) || (from.starts_with('?') && before.trim_end().ends_with(['{', ',']))
    }

    /// The byte offset in `text` of the character at `index` (its length past the end).
    fn byte_at(&mut self, index: usize) -> usize {
        if index < self.cursor.0 {
            self.cursor = (0, 0);
        }
        let (from_char, from_byte) = self.cursor;
        let rest = self.text.get(from_byte..).unwrap_or_default();
        let byte = (rest.char_indices().nth(index - from_char)).map_or(self.text.len(), |(at, _)| from_byte + at);
        self.cursor = (index, byte);
        byte
    }

    /// Counts a copy of `node` against the budgets of what anchors and aliases may copy.
    fn spend(&mut self, node: &Node, pos: Pos) -> Result<(), YamlError> {
        let too_many = || YamlError::new(pos, "aliases expand to too many nodes");
        self.alias_budget = self.alias_budget.checked_sub(node.size()).ok_or_else(too_many)?;
        self.alias_bytes_budget = (self.alias_bytes_budget)
            .checked_sub(node.text_bytes())
            .ok_or_else(|| YamlError::new(pos, "aliases expand to too much text"))?;
        Ok(())
    }
}

/// YAML's merge key (`<<: *defaults`, `<<: [*a, *b]`), which `sam deploy` and `aws cloudformation
/// package` resolve: the merged mappings' keys join the mapping's own, which win, and among the
/// merged ones the first mapping listed wins.
fn merged(mut entries: Vec<Entry>, merges: Vec<(Pos, Node)>) -> Result<Vec<Entry>, YamlError> {
    let own = entries.len();
    let mut inherited_by_all = Vec::new();
    for (pos, merge) in merges {
        let sources = match merge.value {
            Value::Map(map) => vec![map],
            Value::Seq(items) => items
                .into_iter()
                .map(|item| match item.value {
                    Value::Map(map) => Ok(map),
                    _ => Err(YamlError::new(item.pos, "a merge key (<<) lists mappings only")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(YamlError::new(
                    pos,
                    "a merge key (<<) needs a mapping or a list of mappings",
                ))
            }
        };
        let mut inherited_here: Vec<Entry> = Vec::new();
        for map in sources {
            let mut from_map: Vec<Entry> = Vec::new();
            for inherited in map {
                let is_own = entries[..own].iter().any(|e| e.key == inherited.key);
                // A key the mapping merged repeats stays repeated (for `repeated_key` to find);
                // among the mappings of one list the first one's wins.
                let repeated = from_map.iter().any(|e| e.key == inherited.key);
                let listed_earlier = inherited_here.iter().any(|e| e.key == inherited.key);
                if !is_own && (repeated || !listed_earlier) {
                    from_map.push(inherited);
                }
            }
            inherited_here.extend(from_map);
        }
        // What two `<<` keys of one mapping both bring is a repeat: parsers differ on which wins.
        inherited_by_all.extend(inherited_here);
    }
    entries.extend(inherited_by_all);
    Ok(entries)
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A plain `0` followed by octal digits is an octal number in YAML 1.1, which CloudFormation
/// reads: the account id `012345670123` deploys as `1402433619`. The number as CloudFormation
/// passes it on; `None` for anything else (`089…` is text, as in YAML 1.1).
fn yaml11_octal(text: &str) -> Option<String> {
    let digits = text.strip_prefix('0').filter(|d| !d.is_empty())?;
    if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u64::from_str_radix(digits, 8).ok().map(|n| n.to_string())
}

/// A plain boolean of YAML 1.1, which CloudFormation reads and passes on as `true` or `false`
/// (`Yes`, `ON`): `!Equals [!Ref Public, True]` holds for the parameter value `true`, not `True`.
fn yaml11_bool(text: &str) -> Option<&'static str> {
    match text {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some("true"),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some("false"),
        _ => None,
    }
}

/// `!Name value` → `{"Fn::Name": value}` (`!Ref` and `!Condition` keep their bare names).
/// Other tags (`!!str`, …) leave the value as it is: every scalar is text here anyway.
fn long_form(node: Node, tag: Option<&Tag>) -> Node {
    let Some(tag) = tag else { return node };
    if tag.handle != "!" || tag.suffix.is_empty() {
        return node;
    }
    let key = match tag.suffix.as_str() {
        "Ref" | "Condition" => tag.suffix.clone(),
        name => format!("Fn::{name}"),
    };
    let pos = node.pos;
    Node {
        pos,
        literal: false,
        value: Value::Map(vec![Entry {
            key,
            key_pos: pos,
            value: node,
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        parse(text).unwrap().unwrap()
    }

    #[test]
    fn short_form_tags_become_long_form_with_positions() {
        let doc = parse_ok(
            "Resources:\n  Role:\n    Arn: !GetAtt Role.Arn\n    Name: !Sub '${AWS::StackName}-x'\n    List: !Join\n      - ''\n      - [a, !Ref B]\n    Plain: 2012-10-17\n    Empty:\n",
        );
        let role = doc.get("Resources").unwrap().entry("Role").unwrap();
        assert_eq!(role.key_pos, Pos { line: 2, column: 3 });
        let arn = role.value.get("Arn").unwrap();
        let (name, arg) = arn.intrinsic().unwrap();
        assert_eq!((name, arg.as_str()), ("Fn::GetAtt", Some("Role.Arn")));
        assert_eq!(arn.pos.line, 3);
        let (name, _) = role.value.get("Name").unwrap().intrinsic().unwrap();
        assert_eq!(name, "Fn::Sub");
        let (name, arg) = role.value.get("List").unwrap().intrinsic().unwrap();
        assert_eq!(name, "Fn::Join");
        let parts = arg.as_seq().unwrap()[1].as_seq().unwrap();
        assert_eq!(parts[1].intrinsic().unwrap().0, "Ref");
        assert_eq!(role.value.get("Plain").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(role.value.get("Empty").unwrap().value, Value::Null);
    }

    #[test]
    fn json_with_tabs_is_read_with_lines() {
        let doc = parse_ok(
            "{\n\t\"Resources\": {\n\t\t\"Role\": {\"Type\": \"AWS::IAM::Role\", \"Esc\": \"a\\/b\\u00e9\"}\n\t}\n}\n",
        );
        let role = doc.get("Resources").unwrap().entry("Role").unwrap();
        assert_eq!(role.key_pos.line, 3);
        assert_eq!(role.value.get("Type").unwrap().as_str(), Some("AWS::IAM::Role"));
        assert_eq!(role.value.get("Esc").unwrap().as_str(), Some("a/bé"));
    }

    #[test]
    fn plain_octal_numbers_are_read_as_cloudformation_reads_them() {
        let doc = parse_ok("a: 012345670123\nb: '012345670123'\nc: 012345678901\nd: 0\ne: 0755\n");
        let text = |key: &str| doc.get(key).unwrap().as_str().map(str::to_owned);
        assert_eq!(text("a").as_deref(), Some("1402433619"), "YAML 1.1 octal");
        assert_eq!(text("b").as_deref(), Some("012345670123"), "quoted: text");
        assert_eq!(text("c").as_deref(), Some("012345678901"), "not octal digits: text");
        assert_eq!(text("d").as_deref(), Some("0"));
        assert_eq!(text("e").as_deref(), Some("493"));
    }

    #[test]
    fn plain_yaml_1_1_booleans_are_read_as_cloudformation_passes_them() {
        let doc = parse_ok("a: True\nb: yes\nc: OFF\nd: 'Yes'\ne: y\n");
        let text = |key: &str| doc.get(key).unwrap().as_str().map(str::to_owned);
        assert_eq!(text("a").as_deref(), Some("true"));
        assert_eq!(text("b").as_deref(), Some("true"));
        assert_eq!(text("c").as_deref(), Some("false"));
        assert_eq!(text("d").as_deref(), Some("Yes"), "quoted: text");
        assert_eq!(
            text("e").as_deref(),
            Some("y"),
            "not a boolean to CloudFormation's parser"
        );
    }

    #[test]
    fn json_surrogate_pairs_are_one_character() {
        let doc = parse_ok("{\"a\": \"deploy \\ud83d\\ude80\", \"b\": \"\\\\ud83d\", \"c\": \"\\u00e9\"}");
        assert_eq!(doc.get("a").unwrap().as_str(), Some("deploy \u{1F680}"));
        assert_eq!(
            doc.get("b").unwrap().as_str(),
            Some("\\ud83d"),
            "an escaped backslash stays"
        );
        assert_eq!(doc.get("c").unwrap().as_str(), Some("é"));
    }

    #[test]
    fn anchors_aliases_and_core_tags() {
        let doc = parse_ok("a: &x {k: v}\nb: *x\nc: !!str 12\n");
        assert_eq!(doc.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
        assert_eq!(doc.get("c").unwrap().as_str(), Some("12"));
    }

    #[test]
    fn aliases_cannot_nest_past_the_depth_limit() {
        // Each anchor holds the previous one 100 levels down: 40 of them would be 4,000 levels,
        // which the later steps' recursion would not survive.
        let mut text = String::from("a0: &a0 x\n");
        for i in 1..40 {
            let open = "[".repeat(100);
            let close = "]".repeat(100);
            text.push_str(&format!("a{i}: &a{i} {open}*a{} {close}\n", i - 1));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("aliases nest deeper than 256 levels"), "{err}");
        assert_eq!(err.pos.line, 4, "the first alias that goes too deep");
        // Within the limit, the same chain loads.
        let shallow = "a: &a [[x]]\nb: &b [[*a]]\nc: [[*b]]\n";
        let doc = parse_ok(shallow);
        assert!(doc.get("c").is_some());
    }

    #[test]
    fn long_text_aliased_and_anchors_in_anchors_are_bombs_too() {
        // 1 MB of text, aliased 100 times: 100 MB of copies from a file of 1 MB.
        let mut text = format!("a: &big {}\nb: [", "x".repeat(1 << 20));
        text.push_str(&vec!["*big"; 100].join(", "));
        text.push_str("]\n");
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("too much text"), "{err}");
        // Anchors nested 200 deep around 10,000 nodes: each anchor keeps a copy of its subtree.
        let leaf = format!("[{}]", vec!["x"; 10_000].join(","));
        let nested = (0..200).fold(leaf, |inner, i| format!("&a{i} [{inner}]"));
        let err = parse(&format!("a: {nested}\n")).unwrap_err();
        assert!(err.message.contains("too many nodes"), "{err}");
        // A template's anchors and aliases are far within both.
        let doc = parse_ok("a: &x {k: v}\nb: *x\nc: [*x, *x]\n");
        assert_eq!(doc.get("c").and_then(Node::as_seq).map(<[Node]>::len), Some(2));
    }

    #[test]
    fn merge_keys_join_the_mapping_whose_own_keys_win() {
        let doc = parse_ok(
            "base: &base {Role: r1, Runtime: py}\nmore: &more {Runtime: node, Memory: 128}\nf:\n  <<: [*base, *more]\n  Role: r2\ng:\n  <<: *base\n",
        );
        let f = doc.get("f").unwrap();
        assert_eq!(
            f.get("Role").unwrap().as_str(),
            Some("r2"),
            "the mapping's own key wins"
        );
        assert_eq!(
            f.get("Runtime").unwrap().as_str(),
            Some("py"),
            "the first mapping listed wins"
        );
        assert_eq!(f.get("Memory").unwrap().as_str(), Some("128"));
        assert!(f.get("<<").is_none());
        assert_eq!(doc.get("g").unwrap().get("Role").unwrap().as_str(), Some("r1"));
        assert!(
            doc.get("f").unwrap().repeated_key().is_none(),
            "the first mapping listed wins"
        );
        // A repeat inside the merged mapping, or a key two `<<` keys both bring, is a repeat.
        let inside = parse_ok("base: &b\n  P: {S: ec2}\n  P: {A: '*'}\nc:\n  <<: *b\n");
        assert_eq!(
            inside.get("c").unwrap().repeated_key().map(|(e, _)| e.key.as_str()),
            Some("P")
        );
        let twice = parse_ok("s: &s {P: ec2}\np: &p {P: '*'}\nc:\n  <<: *s\n  <<: *p\n");
        assert_eq!(
            twice.get("c").unwrap().repeated_key().map(|(e, _)| e.key.as_str()),
            Some("P")
        );
        let err = parse("a: &a [1]\nb:\n  <<: *a\n").unwrap_err();
        assert!(err.message.contains("merge key"), "{err:?}");
        for tagged in ["!!merge <<", "!<tag:yaml.org,2002:merge> <<"] {
            let doc = parse_ok(&format!("base: &b {{k: v}}\nc:\n  {tagged}: *b\n"));
            assert_eq!(doc.get("c").unwrap().get("k").unwrap().as_str(), Some("v"), "{tagged}");
        }
        // Quoted, `<<` is a key like any other (JSON's are all quoted).
        let doc = parse_ok("base: &b {k: v}\nc:\n  '<<': *b\n");
        assert_eq!(
            doc.get("c").unwrap().get("<<").unwrap().get("k").unwrap().as_str(),
            Some("v")
        );
    }

    #[test]
    fn a_repeated_key_is_found_where_it_repeats() {
        // A public principal followed by a harmless one: the last one is read, and the repeat found.
        for text in [
            "Statement:\n  - Effect: Allow\n    Principal: {AWS: '*'}\n    Principal: {Service: ec2.amazonaws.com}\n",
            "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"},\n \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}}]}",
        ] {
            let doc = parse_ok(text);
            let statement = &doc.get("Statement").unwrap().as_seq().unwrap()[0];
            assert!(statement.get("Principal").unwrap().get("Service").is_some());
            let (repeat, first_line) = doc.repeated_key().expect("the repeat");
            assert_eq!(repeat.key, "Principal");
            assert!(repeat.key_pos.line > first_line || text.starts_with('{'), "{text}");
        }
        // The same key in sibling mappings is no repeat.
        assert!(parse_ok("a: {k: 1}\nb: {k: 2}\n").repeated_key().is_none());
    }

    #[test]
    fn continuation_lines_pyyaml_reads_are_read_as_if_indented() {
        let lenient = "R:\n  P:\n    A: [\n    x, y]\n    B: {\n      k: v\n    }\n    C: !Sub '{\n      \"a\": 1\n    }'\n    D: e\n";
        let indented = "R:\n  P:\n    A: [\n     x, y]\n    B: {\n      k: v\n     }\n    C: !Sub '{\n      \"a\": 1\n     }'\n    D: e\n";
        let read = parse_ok(lenient);
        assert_eq!(read, parse_ok(indented));
        let props = read.get("R").unwrap().get("P").unwrap();
        assert_eq!(props.get("A").unwrap().as_seq().unwrap().len(), 2);
        assert_eq!(props.get("D").unwrap().as_str(), Some("e"));
        // What PyYAML refuses too stays an error, at its line.
        let err = parse("R:\n  P:\n    A: [\n    x\n  Q: 1\n").unwrap_err();
        assert_eq!(err.pos.line, 5, "{err:?}");
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.pos.line >= 2, "{err:?}");
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
        assert!(err.message.contains("second YAML document"));
        let err = parse("{\"a\": [\"b\"\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        assert!(parse(bomb).unwrap_err().message.contains("too many"));
        assert_eq!(parse("").unwrap(), None);
        let deep = "[".repeat(400) + &"]".repeat(400);
        let err = parse(&deep).unwrap_err();
        assert!(
            err.message.contains("nested deeper") || err.message.contains("recursion"),
            "{err:?}"
        );
    }
}
