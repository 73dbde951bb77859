//! Label selectors in the string form kubectl and the API use (`app=web,tier in (a,b),!canary`).
use serde_json::Value;

/// A LabelSelector (or a plain label map, as ReplicationControllers and Services have) as a selector string:
/// what `?labelSelector=` takes and what a Scale's `status.selector` holds.
pub fn selector_string(selector: Option<&Value>) -> String {
    let Some(selector) = selector else { return String::new() };
    // ReplicationControllers have a plain map; the others a LabelSelector.
    let match_labels =
        selector.get("matchLabels").or(if selector.get("matchExpressions").is_none() { Some(selector) } else { None });
    let mut parts: Vec<String> = match_labels
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}"))).collect())
        .unwrap_or_default();
    for expr in selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> =
            expr.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        parts.push(match expr.get("operator").and_then(Value::as_str) {
            Some("In") => format!("{key} in ({})", values.join(",")),
            Some("NotIn") => format!("{key} notin ({})", values.join(",")),
            Some("DoesNotExist") => format!("!{key}"),
            _ => key.to_string(),
        });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn match_labels_expressions_and_plain_maps() {
        let selector = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "canary", "operator": "DoesNotExist"}]});
        assert_eq!(selector_string(Some(&selector)), "app=web,tier in (a,b),!canary");
        assert_eq!(selector_string(Some(&json!({"app": "web"}))), "app=web");
        assert_eq!(selector_string(None), "");
    }
}
