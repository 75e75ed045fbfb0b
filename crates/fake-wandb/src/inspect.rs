//! A look at an incoming query before it runs: is it a runs page, with which arguments,
//! naming which layers? Fault triggers and the request log need this.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value as ConstValue};

use super::filters::mentioned_layers;

/// What the request asked of `Project.runs`, with variables resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryInfo {
    /// The query selects `runs` (anywhere, fragments included).
    pub runs_page: bool,
    /// The `filters` JSON string given to `runs`.
    pub filters: Option<String>,
    pub after: Option<String>,
    pub first: Option<i64>,
    pub order: Option<String>,
    /// Layers the filters name through `config.layer` (`$eq`, `$in`, bare value).
    pub layers: Vec<i64>,
}

pub fn inspect(query: &str, variables: &serde_json::Value) -> QueryInfo {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return QueryInfo::default();
    };
    let ops: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(map) => map.values().map(|op| &op.node).collect(),
    };
    for op in ops {
        let Some(field) = find_runs(&doc, &op.selection_set.node, 0) else {
            continue;
        };
        let lookup = |name: Name| -> Result<ConstValue, ()> {
            if let Some(v) = variables.get(name.as_str()) {
                return Ok(ConstValue::from_json(v.clone()).unwrap_or(ConstValue::Null));
            }
            let default = op.variable_definitions.iter().find(|d| d.node.name.node == name);
            Ok(default
                .and_then(|d| d.node.default_value.as_ref())
                .map(|v| v.node.clone())
                .unwrap_or(ConstValue::Null))
        };
        let arg = |name: &str| -> serde_json::Value {
            field
                .arguments
                .iter()
                .find(|(n, _)| n.node.as_str() == name)
                .and_then(|(_, v)| v.node.clone().into_const_with(lookup).ok())
                .and_then(|v| v.into_json().ok())
                .unwrap_or(serde_json::Value::Null)
        };
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        let filters = text(arg("filters"));
        let layers = filters.as_deref().map(mentioned_layers).unwrap_or_default();
        return QueryInfo {
            runs_page: true,
            layers,
            filters,
            after: text(arg("after")),
            first: arg("first").as_i64(),
            order: text(arg("order")),
        };
    }
    QueryInfo::default()
}

fn find_runs<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    depth: usize,
) -> Option<&'a async_graphql::parser::types::Field> {
    if depth > 16 {
        return None;
    }
    set.items.iter().find_map(|sel| match &sel.node {
        Selection::Field(f) if f.node.name.node.as_str() == "runs" => Some(&f.node),
        Selection::Field(f) => find_runs(doc, &f.node.selection_set.node, depth + 1),
        Selection::InlineFragment(frag) => find_runs(doc, &frag.node.selection_set.node, depth + 1),
        Selection::FragmentSpread(spread) => doc
            .fragments
            .get(&spread.node.fragment_name.node)
            .and_then(|frag| find_runs(doc, &frag.node.selection_set.node, depth + 1)),
    })
}
