//! The JSON outputs' schemas in `docs/json/*.md`, read from their field tables, and a document's values by the
//! same paths, so a test can check the output against its documentation both ways.
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A page's field table: each row `` | `path` | types | meaning | `` gives a field's path
/// (`steps[].checked[].field`) and the JSON types it may take, written `a or b` or `a \| b`.
pub fn documented(page: &str) -> BTreeMap<String, BTreeSet<String>> {
    page.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let field = cells.first()?.strip_prefix("| `")?.strip_suffix('`')?;
            let types = cells.get(1)?.replace("\\|", "|").replace(" or ", "|");
            Some((field.to_string(), types.split('|').map(|t| t.trim().to_string()).collect()))
        })
        .collect()
}

/// A value's JSON type, as the tables name it.
pub fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every value below `doc` with its path (`steps[].checked[].field`), parents before their children.
pub fn values(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    walk(doc, "", &mut out);
    out
}

fn walk<'a>(v: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(map) => {
            for (key, child) in map {
                let p = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                out.push((p.clone(), child));
                walk(child, &p, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                let p = format!("{path}[]");
                out.push((p.clone(), item));
                walk(item, &p, out);
            }
        }
        _ => {}
    }
}
