//! The four patch types: JSON merge (RFC 7396), JSON patch (RFC 6902), strategic merge (lists of named
//! objects merge by key), and server-side apply (treated as a strategic merge).
use serde_json::{Map, Value};

use super::status::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Strategic,
    Json,
    Apply,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Option<PatchType> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media {
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/json-patch+json" => Some(PatchType::Json),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Some(PatchType::Apply),
            _ => None,
        }
    }
}

/// Parse a patch body: JSON, or YAML for apply.
pub fn parse_body(kind: PatchType, body: &[u8]) -> Result<Value, ApiError> {
    let parsed = match kind {
        PatchType::Apply => serde_json::from_slice(body).or_else(|_| {
            let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
            serde_yaml::from_str::<Value>(text).map_err(|e| e.to_string())
        }),
        _ => serde_json::from_slice(body).map_err(|e| e.to_string()),
    };
    parsed.map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
}

/// Apply a parsed patch to a document.
pub fn apply(kind: PatchType, doc: &Value, patch: &Value) -> Result<Value, ApiError> {
    let mut out = doc.clone();
    match kind {
        PatchType::Merge => json_patch::merge(&mut out, patch),
        PatchType::Strategic | PatchType::Apply => strategic_merge(&mut out, patch),
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut out, &ops).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            })?;
        }
    }
    Ok(out)
}

/// Strategic merge: like a merge patch, but lists of objects with a merge key merge item by item, and the
/// `$patch`, `$retainKeys`, `$setElementOrder/…` and `$deleteFromPrimitiveList/…` directives are honoured
/// (or, for ordering hints, dropped).
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    merge_value(target, patch, "");
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

fn merge_value(target: &mut Value, patch: &Value, field: &str) {
    match patch {
        Value::Object(p) => {
            if directive(patch) == Some("replace") {
                *target = clean(patch);
                return;
            }
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let Value::Object(t) = target else { return };
            merge_map(t, p);
        }
        Value::Array(items) => merge_list(target, items, field),
        other => *target = other.clone(),
    }
}

fn merge_map(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(existing)), Value::Array(remove)) = (target.get_mut(list), value) {
                existing.retain(|v| !remove.contains(v));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        if value.is_null() || directive(value) == Some("delete") {
            target.remove(key);
            continue;
        }
        let slot = target.entry(key.clone()).or_insert(Value::Null);
        merge_value(slot, value, key);
    }
}

/// The key that identifies items of a list field, as the Kubernetes types declare it.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let has = |k: &str| items.iter().any(|i| i.get(k).is_some());
    match field {
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets" => {
            Some("name")
        }
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "ports" if has("containerPort") => Some("containerPort"),
        "ports" => Some("port"),
        "conditions" | "addresses" => Some("type"),
        "hostAliases" => Some("ip"),
        "ownerReferences" => Some("uid"),
        "topologySpreadConstraints" => Some("topologyKey"),
        _ => None,
    }
}

fn merge_list(target: &mut Value, items: &[Value], field: &str) {
    // A `{"$patch": "replace"}` item replaces the whole list with the other items.
    if items.iter().any(|i| directive(i) == Some("replace")) {
        *target = Value::Array(items.iter().filter(|i| directive(i).is_none()).map(clean).collect());
        return;
    }
    if field == "finalizers" {
        let mut merged = target.as_array().cloned().unwrap_or_default();
        for item in items {
            if !merged.contains(item) {
                merged.push(item.clone());
            }
        }
        *target = Value::Array(merged);
        return;
    }
    let (Some(key), Value::Array(existing)) = (merge_key(field, items), &mut *target) else {
        *target = Value::Array(items.iter().map(clean).collect());
        return;
    };
    for item in items {
        let id = item.get(key);
        let position = id.and_then(|id| existing.iter().position(|e| e.get(key) == Some(id)));
        match (directive(item), position) {
            (Some("delete"), Some(pos)) => {
                existing.remove(pos);
            }
            (Some("delete"), None) => {}
            (_, Some(pos)) => merge_value(&mut existing[pos], item, ""),
            (_, None) => existing.push(clean(item)),
        }
    }
}

/// A patch fragment as a plain value: directives and nulls removed.
fn clean(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| !k.starts_with('$') && !v.is_null())
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(clean).collect()),
        other => other.clone(),
    }
}

/// The `fieldsV1` a patch touches, in the managed-fields notation (`f:name`, `k:{"name":"x"}`).
pub fn fields_v1(patch: &Value) -> Value {
    fields_of(patch, "")
}

fn fields_of(v: &Value, field: &str) -> Value {
    let mut out = Map::new();
    match v {
        Value::Object(map) => {
            if matches!(field, "labels" | "annotations" | "matchLabels" | "selector" | "data") {
                out.insert(".".into(), Value::Object(Map::new()));
            }
            for (k, child) in map.iter().filter(|(k, _)| !k.starts_with('$')) {
                out.insert(format!("f:{k}"), fields_of(child, k));
            }
        }
        Value::Array(items) => {
            if let Some(key) = merge_key(field, items) {
                for item in items {
                    let Some(id) = item.get(key) else { continue };
                    let mut entry = match fields_of(item, "") {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    };
                    entry.insert(".".into(), Value::Object(Map::new()));
                    let id = serde_json::json!({ key: id });
                    out.insert(format!("k:{id}"), Value::Object(entry));
                }
            }
        }
        _ => {}
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "web", "image": "web:1", "env": [{"name": "A", "value": "1"}], "ports": [{"containerPort": 80, "name": "http"}]},
            {"name": "sidecar", "image": "proxy:1"}
        ]}}}})
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:2", "env": [{"name": "B", "value": "2"}]}]}}}});
        let out = apply(PatchType::Strategic, &deployment(), &patch).expect("patch");
        let containers = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers.as_array().map(Vec::len), Some(2));
        assert_eq!(containers[0]["image"], "web:2");
        assert_eq!(containers[0]["env"], json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]));
        assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
        assert_eq!(containers[1]["image"], "proxy:1");
    }

    #[test]
    fn merge_patch_replaces_lists() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:2"}]}}}});
        let out = apply(PatchType::Merge, &deployment(), &patch).expect("patch");
        assert_eq!(out["spec"]["template"]["spec"]["containers"], json!([{"name": "web", "image": "web:2"}]));
    }

    #[test]
    fn strategic_directives_delete_and_replace() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}, "replicas": null}});
        let out = apply(PatchType::Strategic, &deployment(), &patch).expect("patch");
        assert_eq!(out["spec"]["template"]["spec"]["containers"].as_array().map(Vec::len), Some(1));
        assert!(out["spec"].get("replicas").is_none());
        let patch = json!({"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "x": "y"}}}}});
        let out = apply(PatchType::Strategic, &deployment(), &patch).expect("patch");
        assert_eq!(out["spec"]["template"]["metadata"]["labels"], json!({"x": "y"}));
    }

    #[test]
    fn json_patch_applies_operations_and_reports_failures() {
        let ops = json!([{"op": "replace", "path": "/spec/replicas", "value": 5}]);
        let out = apply(PatchType::Json, &deployment(), &ops).expect("patch");
        assert_eq!(out["spec"]["replicas"], 5);
        let bad = json!([{"op": "test", "path": "/spec/replicas", "value": 9}]);
        assert_eq!(apply(PatchType::Json, &deployment(), &bad).map_err(|e| e.code), Err(422));
    }

    #[test]
    fn apply_bodies_may_be_yaml() {
        let body = b"spec:\n  replicas: 4\n";
        let patch = parse_body(PatchType::Apply, body).expect("yaml");
        let out = apply(PatchType::Apply, &deployment(), &patch).expect("patch");
        assert_eq!(out["spec"]["replicas"], 4);
    }

    #[test]
    fn managed_fields_follow_the_fixture_notation() {
        let patch =
            json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "x"}}}}});
        assert_eq!(
            fields_v1(&patch),
            json!({"f:spec": {"f:template": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/restartedAt": {}}}}}})
        );
    }
}
