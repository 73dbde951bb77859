//! Custom resources: a stored CustomResourceDefinition makes the server serve its kind (discovery, routes,
//! storage, and a Table built from its `additionalPrinterColumns`), as a real API server does.
//!
//! The registry of built-in kinds is `'static`; a learned kind is interned once per distinct definition and
//! lives for the process. Learned kinds are shared by every simulated server of the process (tests start
//! many), which is harmless: a server only holds objects of the kinds its own scenario or clients created.
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use super::registry::{PrinterColumn, Resource, Served};

pub const CRD_STORAGE: &str = "apiextensions/customresourcedefinitions";

const VERBS: &[&str] = &["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];

fn table() -> &'static Mutex<Vec<&'static Resource>> {
    static LEARNED: OnceLock<Mutex<Vec<&'static Resource>>> = OnceLock::new();
    LEARNED.get_or_init(Default::default)
}

/// Every custom resource learned so far.
pub fn learned() -> Vec<&'static Resource> {
    table().lock().map(|t| t.clone()).unwrap_or_default()
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_all(values: Option<&Value>) -> &'static [&'static str] {
    let names: Vec<&'static str> =
        values.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(leak).collect();
    Box::leak(names.into_boxed_slice())
}

/// Serve the kinds a CustomResourceDefinition defines (each served version). A definition seen before is not
/// learned twice.
pub fn learn(crd: &Value) {
    let spec = &crd["spec"];
    let (Some(group), Some(plural), Some(kind)) =
        (spec["group"].as_str(), spec["names"]["plural"].as_str(), spec["names"]["kind"].as_str())
    else {
        return;
    };
    let Ok(mut learned) = table().lock() else { return };
    for version in spec["versions"].as_array().into_iter().flatten() {
        let Some(name) = version["name"].as_str() else { continue };
        if version["served"] == Value::Bool(false) {
            continue;
        }
        let same = |r: &&&Resource| r.group == group && r.version == name && r.plural == plural;
        if learned.iter().any(|r| same(&r)) {
            continue;
        }
        let printer: Vec<PrinterColumn> = version["additionalPrinterColumns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(PrinterColumn {
                    name: leak(c["name"].as_str()?),
                    kind: leak(c["type"].as_str().unwrap_or("string")),
                    json_path: leak(c["jsonPath"].as_str()?),
                    priority: c["priority"].as_u64().unwrap_or(0).min(255) as u8,
                })
            })
            .collect();
        let subresources: &'static [super::registry::Subresource] =
            if version["subresources"]["status"].is_object() { super::registry::WITH_STATUS } else { &[] };
        let resource = Resource {
            group: leak(group),
            version: leak(name),
            plural: leak(plural),
            singular: leak(spec["names"]["singular"].as_str().unwrap_or(&kind.to_lowercase())),
            kind: leak(kind),
            namespaced: spec["scope"].as_str() != Some("Cluster"),
            verbs: VERBS,
            short_names: leak_all(spec["names"].get("shortNames")),
            categories: leak_all(spec["names"].get("categories")),
            subresources,
            storage: leak(&format!("{group}/{plural}")),
            generation: true,
            served: Served::Both,
            printer: Box::leak(printer.into_boxed_slice()),
        };
        learned.push(Box::leak(Box::new(resource)));
    }
}

/// The value at a printer column's JSONPath: `.status.conditions[?(@.type=="Ready")].status`, `.spec.x[0]`.
/// Enough of JSONPath for printer columns; anything else reads as absent.
pub fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = obj;
    let mut rest = path.trim().trim_start_matches('{').trim_end_matches('}').trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = &after[..end];
            rest = after[end + 1..].trim_start_matches('.');
            current = if let Some(filter) = inside.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (field, wanted) = filter.split_once("==")?;
                let wanted = wanted.trim().trim_matches(|c| c == '"' || c == '\'');
                current.as_array()?.iter().find(|item| item[field.trim()].as_str() == Some(wanted))?
            } else {
                current.as_array()?.get(inside.parse::<usize>().ok()?)?
            };
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        current = current.get(&rest[..end])?;
        rest = rest[end..].trim_start_matches('.');
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_path_reads_fields_indexes_and_filters() {
        let obj = json!({"spec": {"secretName": "tls", "dnsNames": ["a", "b"]},
            "status": {"conditions": [{"type": "Issuing", "status": "False"}, {"type": "Ready", "status": "True"}]}});
        assert_eq!(json_path(&obj, ".spec.secretName"), Some(&json!("tls")));
        assert_eq!(json_path(&obj, ".spec.dnsNames[1]"), Some(&json!("b")));
        assert_eq!(json_path(&obj, ".status.conditions[?(@.type==\"Ready\")].status"), Some(&json!("True")));
        assert_eq!(json_path(&obj, ".status.missing"), None);
    }

    #[test]
    fn a_definition_is_learned_once_per_version() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "gadgets.test.example"},
            "spec": {"group": "test.example", "scope": "Namespaced",
                "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "shortNames": ["gd"]},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}});
        learn(&crd);
        learn(&crd);
        let found: Vec<_> = learned().into_iter().filter(|r| r.plural == "gadgets").collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].short_names, ["gd"]);
        assert_eq!(found[0].printer[0].json_path, ".spec.size");
    }
}
