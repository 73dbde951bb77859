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

/// A selector string's requirements, untrimmed: split on the commas outside parentheses (`a in (x,y),b`).
pub fn split_requirements(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
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

    #[test]
    fn requirements_split_on_commas_outside_parentheses() {
        assert_eq!(split_requirements("app=web, env in (a,b),!legacy"), ["app=web", " env in (a,b)", "!legacy"]);
        assert_eq!(split_requirements(""), [""]);
    }
}
