//! Before and after as a unified diff of YAML, for confirming a dry run.
use serde_json::Value;

/// A unified diff (`--- before` / `+++ after`) of the two objects as YAML, without `managedFields`.
/// Empty when they are the same.
pub fn diff(before: &Value, after: &Value) -> String {
    let before = yaml(before);
    let after = yaml(after);
    if before == after {
        return String::new();
    }
    similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string()
}

fn yaml(object: &Value) -> String {
    let object = without_managed_fields(object.clone());
    serde_yaml::to_string(&object).unwrap_or_else(|e| format!("# cannot be shown as YAML: {e}\n"))
}

/// The object without `metadata.managedFields`, which only the server's bookkeeping needs.
pub(crate) fn without_managed_fields(mut object: Value) -> Value {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_only_what_changed() {
        let before =
            json!({"metadata": {"name": "web", "managedFields": [{"manager": "kubectl"}]}, "spec": {"replicas": 2}});
        let after =
            json!({"metadata": {"name": "web", "managedFields": [{"manager": "mosaic"}]}, "spec": {"replicas": 3}});
        let text = diff(&before, &after);
        assert!(text.starts_with("--- before\n+++ after\n"), "{text}");
        assert!(text.contains("-  replicas: 2\n+  replicas: 3\n"), "{text}");
        assert!(!text.contains("managedFields"), "{text}");
        assert_eq!(diff(&before, &before), "");
    }
}
