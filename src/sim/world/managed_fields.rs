//! `metadata.managedFields` as server-side field tracking writes them (FieldsV1), derived from the fields
//! an object actually has. Used by the bench cluster so that its objects weigh what real ones weigh.
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{json, kube_time};

/// The keys that identify entries of well-known lists (`k:{"name":"web"}`); other lists are atomic.
fn list_key(list: &str, item: &Value) -> Option<String> {
    let fields: &[&str] = match list {
        "containers" | "initContainers" | "volumes" | "env" | "imagePullSecrets" => &["name"],
        "ports" if item.get("containerPort").is_some() => &["containerPort", "protocol"],
        "ports" => &["port", "protocol"],
        "volumeMounts" => &["mountPath"],
        "conditions" => &["type"],
        "ownerReferences" => &["uid"],
        "podIPs" => &["ip"],
        "addresses" => &["type"],
        _ => return None,
    };
    let mut key = Map::new();
    for f in fields {
        key.insert((*f).to_string(), item.get(*f)?.clone());
    }
    Some(format!("k:{}", Value::Object(key)))
}

/// The FieldsV1 set of `value`: `f:<field>` for map keys, `k:{…}` for keyed list entries, `.` for a
/// map or entry that is itself owned.
pub(crate) fn fields_v1(value: &Value) -> Value {
    let Value::Object(map) = value else {
        return json!({});
    };
    let mut out = Map::new();
    for (k, v) in map {
        let entry = match v {
            Value::Object(m) if !m.is_empty() => {
                let mut inner = fields_v1(v);
                if let Some(m) = inner.as_object_mut() {
                    m.insert(".".into(), json!({}));
                }
                inner
            }
            Value::Array(items) if items.iter().all(|i| list_key(k, i).is_some()) && !items.is_empty() => {
                let mut inner = Map::new();
                inner.insert(".".into(), json!({}));
                for item in items {
                    if let Some(key) = list_key(k, item) {
                        let mut fields = fields_v1(item);
                        if let Some(m) = fields.as_object_mut() {
                            m.insert(".".into(), json!({}));
                        }
                        inner.insert(key, fields);
                    }
                }
                Value::Object(inner)
            }
            _ => json!({}),
        };
        out.insert(format!("f:{k}"), entry);
    }
    Value::Object(out)
}

/// One managedFields entry for `manager`, owning the fields of `owned`.
pub(crate) fn entry(manager: &str, api_version: &str, at: Timestamp, owned: &Value) -> Value {
    entry_with(manager, api_version, at, fields_v1(owned))
}

/// One managedFields entry with an already computed FieldsV1 set.
pub(crate) fn entry_with(manager: &str, api_version: &str, at: Timestamp, fields: Value) -> Value {
    json::object([
        ("manager", json!(manager)),
        ("operation", json!("Update")),
        ("apiVersion", json!(api_version)),
        ("time", json!(kube_time::format(at))),
        ("fieldsType", json!("FieldsV1")),
        ("fieldsV1", fields),
    ])
}

/// Picks `paths` (each a list of keys) out of `obj` into a new object with the same shape.
pub(crate) fn pick(obj: &Value, paths: &[&[&str]]) -> Value {
    let mut out = json!({});
    for path in paths {
        if let Some(v) = json::get(obj, path) {
            json::set(&mut out, path, v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_look_like_the_fixture() {
        let pod = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [
            {"name": "web", "image": "x", "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]}});
        let f = fields_v1(&pod);
        let c = &f["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
        assert_eq!(c["f:image"], json!({}));
        assert_eq!(c["f:ports"]["k:{\"containerPort\":8080,\"protocol\":\"TCP\"}"]["f:containerPort"], json!({}));
        assert_eq!(f["f:metadata"]["f:labels"]["."], json!({}));
    }
}
