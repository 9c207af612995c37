//! `Fn::ForEach` loops (`AWS::LanguageExtensions`) over a collection written in the template,
//! expanded as CloudFormation expands them: each item of the collection makes a copy of the
//! loop's fragment, with `${Identifier}` and `&{Identifier}` (the item without its
//! non-alphanumeric characters) replaced in its keys and values, and `{"Ref": Identifier}` the item.
//!
//! A loop over a list parameter the scan was given a value for (`--parameter NAME=a,b`) is
//! expanded over that value, as CloudFormation expands it. A loop over anything else (a parameter
//! left to its default or to the deployment, a mapping) is left as written: which items it makes
//! is up to the deployment, and the template's reader refuses it, saying so.

use super::yaml::{Entry, Node, Value};

/// The most entries the loops of one template may make, and the most bytes they may make (text,
/// and [`NODE_BYTES`] a node): a crafted one (a loop of a thousand items around another, an item
/// repeated in text that the next loop repeats again, a fragment of many empty values) stays a
/// refusal, not a runaway.
pub(crate) const MAX_MADE: usize = 10_000;
const MAX_TEXT_BYTES: usize = 64 << 20;
/// What a node costs besides its text, about its size in memory.
const NODE_BYTES: usize = 64;

/// What the loops have made so far.
#[derive(Default)]
struct Made {
    entries: usize,
    bytes: usize,
}

/// Loops nested deeper than this are left as written (CloudFormation allows five).
const MAX_DEPTH: usize = 16;

/// The items of the list parameter `NAME` the scan was given a value for, `None` for any other.
pub(crate) type GivenList<'g> = &'g dyn Fn(&str) -> Option<Vec<String>>;

/// Expands every loop of `node` whose collection the template writes out, or is a list parameter
/// `given` has the items of.
pub(crate) fn expand(node: &mut Node, given: GivenList) {
    expand_below(node, 0, &mut Made::default(), given);
}

fn expand_below(node: &mut Node, depth: usize, made: &mut Made, given: GivenList) {
    if depth > MAX_DEPTH {
        return;
    }
    match &mut node.value {
        Value::Map(entries) => {
            // A copy may be a loop itself (one nested in the fragment): expanded in its turn, in
            // the place of the loop that made it.
            let mut pending: std::collections::VecDeque<Entry> = std::mem::take(entries).into();
            let mut expanded = Vec::with_capacity(pending.len());
            while let Some(entry) = pending.pop_front() {
                match copies(&entry, made, given) {
                    Some(copies) => copies.into_iter().rev().for_each(|copy| pending.push_front(copy)),
                    None => expanded.push(entry),
                }
            }
            for entry in &mut expanded {
                expand_below(&mut entry.value, depth + 1, made, given);
            }
            *entries = expanded;
        }
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|item| expand_below(item, depth + 1, made, given)),
        Value::Null | Value::Scalar(_) => {}
    }
}

/// The entries a loop entry (`Fn::ForEach::Name: [Identifier, [items…], {OutputKey: value}]`)
/// makes, one copy of its fragment per item; `None` for any other entry, and for a loop whose
/// collection is not written out as text items (or that would make too many).
fn copies(entry: &Entry, made: &mut Made, given: GivenList) -> Option<Vec<Entry>> {
    entry.key.strip_prefix("Fn::ForEach::")?;
    let Value::Seq(parts) = &entry.value.value else {
        return None;
    };
    let [identifier, collection, fragment] = parts.as_slice() else {
        return None;
    };
    let identifier = identifier
        .as_str()
        .filter(|i| !i.is_empty() && i.chars().all(|c| c.is_ascii_alphanumeric()))?;
    let given_items;
    let items: Vec<&str> = match &collection.value {
        Value::Seq(items) => items.iter().map(Node::as_str).collect::<Option<_>>()?,
        _ => match collection.intrinsic()? {
            ("Ref", name) => {
                given_items = given(name.as_str()?)?;
                given_items.iter().map(String::as_str).collect()
            }
            _ => return None,
        },
    };
    let fragment = fragment.as_map()?;
    made.entries += items.len() * fragment.len();
    // Each copy costs the fragment's weight before its item goes in: told before any is made.
    let weight: usize = fragment
        .iter()
        .map(|e| NODE_BYTES + e.key.len() + weight(&e.value))
        .sum();
    made.bytes = made.bytes.saturating_add(items.len().saturating_mul(weight));
    if made.entries > MAX_MADE || made.bytes > MAX_TEXT_BYTES {
        return None;
    }
    let mut out = Vec::with_capacity(items.len() * fragment.len());
    for item in items {
        for original in fragment {
            let mut copy = original.clone();
            copy.key = replaced_within(&copy.key, identifier, item, made)?;
            substitute(&mut copy.value, identifier, item, made)?;
            out.push(copy);
        }
    }
    Some(out)
}

/// `${identifier}` as `item`, and `&{identifier}` as `item`'s alphanumeric characters.
fn replaced(text: &str, identifier: &str, item: &str) -> String {
    let alphanumeric: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{identifier}}}"), item)
        .replace(&format!("&{{{identifier}}}"), &alphanumeric)
}

/// The fragment with the identifier replaced by `item` in every key and text, and each
/// `{"Ref": identifier}` as the item itself; `None` past [`MAX_TEXT_BYTES`] made. A loop of
/// nodes: a fragment is as deep as the input.
fn substitute(node: &mut Node, identifier: &str, item: &str, made: &mut Made) -> Option<()> {
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        match node.intrinsic() {
            Some(("Ref", target)) if target.as_str() == Some(identifier) => {
                node.value = Value::Scalar(item.to_owned());
                continue;
            }
            // `!Sub "${Name}Role"`, as AWS's examples name a copy's resources
            // (`!GetAtt [!Sub "${Name}Role", Arn]`, `!Ref {Fn::Sub: "Param${Name}"}`): with the
            // item in, text with nothing left to substitute is that text.
            Some((
                "Fn::Sub",
                Node {
                    value: Value::Scalar(text),
                    ..
                },
            )) => {
                let text = replaced_within(text, identifier, item, made)?;
                if !text.contains("${") {
                    node.value = Value::Scalar(text);
                    continue;
                }
            }
            _ => {}
        }
        match &mut node.value {
            Value::Scalar(text) if text.contains('{') => *text = replaced_within(text, identifier, item, made)?,
            Value::Map(entries) => {
                for entry in entries.iter_mut() {
                    if entry.key.contains('{') {
                        entry.key = replaced_within(&entry.key, identifier, item, made)?;
                    }
                }
                pending.extend(entries.iter_mut().map(|e| &mut e.value));
            }
            Value::Seq(items) => pending.extend(items.iter_mut()),
            Value::Null | Value::Scalar(_) => {}
        }
    }
    Some(())
}

/// [`replaced`], counting what the item adds to the text, unless that takes what the loops made
/// past [`MAX_TEXT_BYTES`].
fn replaced_within(text: &str, identifier: &str, item: &str, made: &mut Made) -> Option<String> {
    let uses = text.matches(&format!("{{{identifier}}}")).count();
    made.bytes = made.bytes.saturating_add(uses.saturating_mul(item.len()));
    (made.bytes <= MAX_TEXT_BYTES).then(|| replaced(text, identifier, item))
}

/// What a value costs to copy: [`NODE_BYTES`] a node, and its text. A loop of nodes.
fn weight(node: &Node) -> usize {
    let mut total = 0usize;
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        total = total.saturating_add(NODE_BYTES);
        match &node.value {
            Value::Scalar(text) => total = total.saturating_add(text.len()),
            Value::Map(entries) => {
                for entry in entries {
                    total = total.saturating_add(NODE_BYTES + entry.key.len());
                    pending.push(&entry.value);
                }
            }
            Value::Seq(items) => pending.extend(items),
            Value::Null => {}
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::yaml::parse;

    fn expanded(yaml: &str) -> Node {
        let mut root = parse(yaml).unwrap().unwrap();
        expand(&mut root, &|_| None);
        root
    }

    #[test]
    fn a_loop_over_a_list_parameter_given_a_value_makes_a_copy_for_each_item() {
        let mut root = parse(
            "Resources:\n  Fn::ForEach::Roles:\n    - Env\n    - !Ref Envs\n    - Role${Env}: {Type: AWS::IAM::Role}\n",
        )
        .unwrap()
        .unwrap();
        let given = |name: &str| (name == "Envs").then(|| vec!["dev".to_owned(), "prd".to_owned()]);
        expand(&mut root, &given);
        assert_eq!(keys(root.get("Resources").unwrap()), ["Roledev", "Roleprd"]);
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.as_map().unwrap().iter().map(|e| e.key.as_str()).collect()
    }

    #[test]
    fn a_loop_over_written_items_makes_a_copy_of_its_fragment_for_each() {
        let root = expanded(
            "Resources:\n  Fn::ForEach::Topics:\n    - Name\n    - [Orders, in-voice]\n    - Topic${Name}:\n        Type: AWS::SNS::Topic\n        Properties:\n          TopicName: !Sub 'app-${Name}'\n          DisplayName: !Ref Name\n      Queue&{Name}:\n        Type: AWS::SQS::Queue\n  Kept:\n    Type: AWS::SQS::Queue\n",
        );
        let resources = root.get("Resources").unwrap();
        assert_eq!(
            keys(resources),
            ["TopicOrders", "QueueOrders", "Topicin-voice", "Queueinvoice", "Kept"]
        );
        let properties = resources.get("Topicin-voice").unwrap().get("Properties").unwrap();
        assert_eq!(properties.get("DisplayName").unwrap().as_str(), Some("in-voice"));
        // A Sub left with nothing to substitute is its text.
        assert_eq!(properties.get("TopicName").unwrap().as_str(), Some("app-in-voice"));
        // The copies keep the fragment's lines.
        assert_eq!(resources.entry("TopicOrders").unwrap().key_pos.line, 5);
    }

    #[test]
    fn nested_loops_and_loops_in_properties_expand() {
        let root = expanded(
            "Resources:\n  Fn::ForEach::Envs:\n    - Env\n    - [dev, prd]\n    - Fn::ForEach::Apps:\n        - App\n        - [a, b]\n        - ${Env}${App}Role:\n            Type: AWS::IAM::Role\n            Properties:\n              Fn::ForEach::Tags:\n                - Key\n                - [Team]\n                - ${Key}: !Sub '${Env}-${App}'\n",
        );
        let resources = root.get("Resources").unwrap();
        assert_eq!(
            keys(resources),
            ["deva", "devb", "prda", "prdb"].map(|k| format!("{k}Role"))
        );
        let team = resources
            .get("prdbRole")
            .unwrap()
            .get("Properties")
            .unwrap()
            .get("Team")
            .unwrap();
        assert_eq!(team.as_str(), Some("prd-b"));
    }

    #[test]
    fn a_loop_whose_items_the_template_does_not_write_stays_as_written() {
        for yaml in [
            // Over a parameter: the deployment says which items.
            "Resources:\n  Fn::ForEach::Roles:\n    - Env\n    - !Ref Envs\n    - Role${Env}: {Type: AWS::IAM::Role}\n",
            // Not the loop's shape.
            "Resources:\n  Fn::ForEach::Roles:\n    - Env\n    - [a]\n",
            "Resources:\n  Fn::ForEach::Roles: [Env, [a], x]\n",
            "Resources:\n  Fn::ForEach::Roles: [1-2, [a], {'X${1-2}': {}}]\n",
            "Resources:\n  Fn::ForEach::Roles: [Env, [[a]], {'X${Env}': {}}]\n",
        ] {
            let root = expanded(yaml);
            assert!(
                keys(root.get("Resources").unwrap())[0].starts_with("Fn::ForEach::"),
                "{yaml}"
            );
        }
    }

    #[test]
    fn a_sub_left_with_nothing_to_substitute_is_its_text() {
        let root = expanded(
            "Resources:\n  Fn::ForEach::Fns:\n    - Name\n    - [orders]\n    - ${Name}Fn:\n        Type: AWS::Lambda::Function\n        Properties:\n          Role: !GetAtt [!Sub '${Name}Role', Arn]\n          Description: !Sub '${Name} in ${AWS::Region}'\n",
        );
        let properties = root
            .get("Resources")
            .unwrap()
            .get("ordersFn")
            .unwrap()
            .get("Properties")
            .unwrap();
        let get_att = properties.get("Role").unwrap().intrinsic().unwrap().1;
        assert_eq!(get_att.as_seq().unwrap()[0].as_str(), Some("ordersRole"));
        // What is left to substitute stays a Sub.
        let description = properties.get("Description").unwrap().intrinsic().unwrap();
        assert_eq!(description.0, "Fn::Sub");
        assert_eq!(description.1.as_str(), Some("orders in ${AWS::Region}"));
    }

    #[test]
    fn a_loop_whose_text_would_grow_past_the_bound_stays_as_written() {
        // The innermost key holds the outermost identifier, each loop's one item the next
        // loop's identifier eighty times: five loops would write gigabytes. Refused once the
        // text made passes the bound.
        let mut fragment = serde_json::json!({"R${V0}": {"Type": "AWS::SQS::Queue"}});
        for level in (0..5).rev() {
            let item = format!("${{V{}}}", level + 1).repeat(80);
            fragment = serde_json::json!({format!("Fn::ForEach::L{level}"): [format!("V{level}"), [item], fragment]});
        }
        let fragment = serde_json::to_string(&serde_json::json!({"Resources": fragment})).unwrap();
        let root = expanded(&fragment);
        assert!(node_count(&root) < 1_000_000);
        assert!(keys(root.get("Resources").unwrap())
            .iter()
            .any(|k| k.starts_with("Fn::ForEach::")));
    }

    #[test]
    fn a_loop_copying_many_empty_values_stays_as_written() {
        // Text costs nothing here: ten thousand copies of two thousand nulls are refused by
        // what the nodes cost.
        let items: Vec<String> = (0..10_000).map(|i| format!("i{i}")).collect();
        let nulls = vec![serde_json::Value::Null; 2_000];
        let template = serde_json::json!({"Resources": {"Fn::ForEach::A": ["X", items, {"R${X}": nulls}]}});
        let root = expanded(&template.to_string());
        assert_eq!(keys(root.get("Resources").unwrap()), ["Fn::ForEach::A"]);
    }

    #[test]
    fn a_loop_key_that_would_grow_past_the_bound_stays_as_written() {
        // The item goes into the key 50,000 times: a hundred 1 KB items would make 5 GB of keys.
        let items: Vec<String> = (0..100).map(|i| format!("{i:01000}")).collect();
        let key = format!("R{}", "${X}".repeat(50_000));
        let template = serde_json::json!({"Resources": {"Fn::ForEach::A": ["X", items, {key: {}}]}});
        let root = expanded(&template.to_string());
        assert_eq!(keys(root.get("Resources").unwrap()), ["Fn::ForEach::A"]);
    }

    fn node_count(node: &Node) -> usize {
        1 + match &node.value {
            Value::Map(entries) => entries.iter().map(|e| node_count(&e.value)).sum(),
            Value::Seq(items) => items.iter().map(node_count).sum(),
            _ => 0,
        }
    }

    #[test]
    fn a_loop_that_would_make_too_much_stays_as_written() {
        let items: Vec<String> = (0..200).map(|i| format!("i{i}")).collect();
        let yaml = format!(
            "Resources:\n  Fn::ForEach::A:\n    - X\n    - [{items}]\n    - Fn::ForEach::B:\n        - Y\n        - [{items}]\n        - R${{X}}${{Y}}: {{Type: AWS::SQS::Queue}}\n",
            items = items.join(", ")
        );
        let root = expanded(&yaml);
        let resources = root.get("Resources").unwrap();
        // The outer loop makes 200 inner loops; 200 × 200 entries would be past the bound, so
        // those beyond it stay loops, which the reader refuses.
        assert!(keys(resources).iter().any(|k| k.starts_with("Fn::ForEach::B")));
    }
}
