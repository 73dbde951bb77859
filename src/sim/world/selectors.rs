//! Label selectors: the plain map form (Services) and the LabelSelector form (workloads).
use serde_json::{Map, Value};

use super::json;

/// A Service-style selector: every key must equal. An empty selector matches nothing here,
/// because a Service without a selector is not managed by the endpoints controller.
pub(crate) fn map_matches(selector: &Map<String, Value>, labels: Option<&Map<String, Value>>) -> bool {
    if selector.is_empty() {
        return false;
    }
    let Some(labels) = labels else {
        return false;
    };
    selector.iter().all(|(k, v)| labels.get(k).and_then(Value::as_str) == v.as_str())
}

/// A metav1.LabelSelector (`matchLabels` and `matchExpressions`). An empty selector matches everything.
pub(crate) fn label_selector_matches(selector: &Value, labels: Option<&Map<String, Value>>) -> bool {
    let empty = Map::new();
    let labels = labels.unwrap_or(&empty);
    let value_of = |key: &str| labels.get(key).and_then(Value::as_str);
    if let Some(match_labels) = json::object_at(selector, &["matchLabels"]) {
        for (k, v) in match_labels {
            if value_of(k) != v.as_str() {
                return false;
            }
        }
    }
    for expr in json::array_at(selector, &["matchExpressions"]) {
        let key = json::str_at(expr, &["key"]).unwrap_or("");
        let values: Vec<&str> = json::array_at(expr, &["values"]).iter().filter_map(Value::as_str).collect();
        let actual = value_of(key);
        let ok = match json::str_at(expr, &["operator"]).unwrap_or("") {
            "In" => actual.is_some_and(|a| values.contains(&a)),
            "NotIn" => actual.is_none_or(|a| !values.contains(&a)),
            "Exists" => actual.is_some(),
            "DoesNotExist" => actual.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_match() {
        let labels = json!({"app": "web", "tier": "front"});
        let labels = labels.as_object();
        let sel = json!({"app": "web"});
        assert!(map_matches(sel.as_object().unwrap(), labels));
        let sel = json!({"tier": "payments"});
        assert!(!map_matches(sel.as_object().unwrap(), labels));
        let ls = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "back"]},
            {"key": "gone", "operator": "DoesNotExist"}
        ]});
        assert!(label_selector_matches(&ls, labels));
        let ls = json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]});
        assert!(!label_selector_matches(&ls, labels));
        assert!(label_selector_matches(&json!({}), labels));
    }
}
