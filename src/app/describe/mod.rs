//! Text for the describe and YAML panes, from an object as the server sent it. Secret values are masked here,
//! before any text exists.
use serde_json::Value;

use crate::analysis::secret_mask::{self, LAST_APPLIED};
use outline::{outline, title_case};

mod items;
mod outline;

/// The object as YAML, without managedFields and the last-applied copy (which no person reads), Secret values
/// masked.
pub fn yaml_lines(object: &Value) -> Vec<String> {
    let mut object = secret_mask::mask(object);
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove(LAST_APPLIED);
            if annotations.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    match serde_yaml::to_string(&object) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(e) => vec![format!("Could not show this object as YAML: {e}")],
    }
}

/// `kubectl describe` for any kind: [`describe_lines`], then the object's events, newest last, as kubectl
/// prints them (or why they could not be listed).
pub fn describe_with_events(object: &Value, events: &Result<Vec<Value>, String>, now: jiff::Timestamp) -> Vec<String> {
    let mut out = describe_lines(object);
    out.push(String::new());
    match events {
        Err(why) => out.push(format!("{:<18}<not shown: {why}>", "Events:")),
        Ok(events) if events.is_empty() => out.push(format!("{:<18}<none>", "Events:")),
        Ok(events) => {
            let mut rows: Vec<(Option<jiff::Timestamp>, [String; 5])> = events
                .iter()
                .map(|e| {
                    let text = |p: &str| e.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
                    let at = ["/lastTimestamp", "/eventTime", "/metadata/creationTimestamp"]
                        .iter()
                        .find_map(|p| e.pointer(p).and_then(Value::as_str).and_then(|t| t.parse().ok()));
                    let count = e.get("count").and_then(Value::as_i64).unwrap_or(1);
                    let age = at.map_or("<unknown>".to_string(), |t| crate::analysis::human_age(t, now));
                    let age = if count > 1 { format!("{age} (x{count})") } else { age };
                    let from = [text("/source/component"), text("/reportingComponent")]
                        .into_iter()
                        .find(|s| !s.is_empty())
                        .unwrap_or_default();
                    (at, [text("/type"), text("/reason"), age, from, text("/message")])
                })
                .collect();
            rows.sort_by_key(|(at, _)| *at);
            let header = ["Type", "Reason", "Age", "From", "Message"].map(str::to_string);
            let rule = ["----", "------", "----", "----", "-------"].map(str::to_string);
            let mut table = vec![header, rule];
            table.extend(rows.into_iter().map(|(_, r)| r));
            let widths: Vec<usize> =
                (0..4).map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            out.push("Events:".into());
            for row in table {
                let mut line = "  ".to_string();
                for (i, cell) in row.iter().enumerate() {
                    match widths.get(i) {
                        Some(w) => line.push_str(&format!("{cell:<w$}  ")),
                        None => line.push_str(cell),
                    }
                }
                out.push(line.trim_end().to_string());
            }
        }
    }
    out
}

/// A kubectl-describe-like outline: `Name:`, `Namespace:`, labels, then every field as `Title Case: value`,
/// nested fields indented, lists as items. A Secret shows only the size of each value, as kubectl does.
pub fn describe_lines(object: &Value) -> Vec<String> {
    if secret_mask::is_secret(object) {
        return describe_secret(object);
    }
    let mut out = describe_general(object);
    for section in ["spec", "status"] {
        if let Some(value) = object.get(section) {
            out.push(String::new());
            out.push(format!("{}:", title_case(section)));
            outline(value, 1, &mut out);
        }
    }
    for (key, value) in object.as_object().into_iter().flatten() {
        if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata" | "spec" | "status") {
            out.push(String::new());
            out.push(format!("{}:", title_case(key)));
            outline(value, 1, &mut out);
        }
    }
    out
}

/// Name, namespace, kind, creation time, labels and annotations (without the last-applied copy).
fn describe_general(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let meta = object.get("metadata").cloned().unwrap_or(Value::Null);
    let field = |k: &str| meta.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    out.push(format!("{:<18}{}", "Name:", field("name")));
    if !field("namespace").is_empty() {
        out.push(format!("{:<18}{}", "Namespace:", field("namespace")));
    }
    if let Some(kind) = object.get("kind").and_then(Value::as_str) {
        out.push(format!("{:<18}{kind}", "Kind:"));
    }
    out.push(format!("{:<18}{}", "Created:", field("creationTimestamp")));
    for (title, key) in [("Labels:", "labels"), ("Annotations:", "annotations")] {
        let pairs: Vec<String> = meta
            .get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.as_str() != LAST_APPLIED)
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        match pairs.split_first() {
            None => out.push(format!("{title:<18}<none>")),
            Some((first, rest)) => {
                out.push(format!("{title:<18}{first}"));
                out.extend(rest.iter().map(|p| format!("{:<18}{p}", "")));
            }
        }
    }
    out
}

/// `kubectl describe secret`: metadata, type, and each key with its size; never a value.
fn describe_secret(object: &Value) -> Vec<String> {
    let mut shown = secret_mask::mask(object);
    for field in ["data", "stringData"] {
        shown.as_object_mut().map(|m| m.remove(field));
    }
    let mut out = describe_general(&shown);
    let kind = object.get("type").and_then(Value::as_str).unwrap_or("Opaque");
    out.push(String::new());
    out.push(format!("{:<18}{kind}", "Type:"));
    out.push(String::new());
    out.push("Data".into());
    out.push("====".into());
    let masked = secret_mask::mask(object);
    let keys = secret_mask::keys(object);
    if keys.is_empty() {
        out.push("<none>".into());
    }
    for key in keys {
        let value = ["data", "stringData"]
            .iter()
            .find_map(|f| masked.get(*f).and_then(|m| m.get(&key)).and_then(Value::as_str))
            .unwrap_or(secret_mask::MASK);
        out.push(format!("{key}:  {value}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_drops_managed_fields() {
        let obj = json!({"metadata": {"name": "a", "managedFields": [{"manager": "x"}]}, "spec": {"replicas": 2}});
        let text = yaml_lines(&obj).join("\n");
        assert!(text.contains("replicas: 2") && !text.contains("managedFields"), "{text}");
    }

    #[test]
    fn describe_titles_fields_and_lists_labels() {
        let obj = json!({
            "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web", "tier": "front"}},
            "spec": {"containers": [{"name": "web", "ports": [{"containerPort": 8080}]}], "nodeName": "node-a"},
        });
        let text = describe_lines(&obj).join("\n");
        assert!(text.contains("Name:             web-1"), "{text}");
        assert!(text.contains("Labels:           app=web\n                  tier=front"), "{text}");
        assert!(text.contains("  Containers:\n    web:\n      Ports:\n        8080/TCP"), "{text}");
        assert!(text.contains("  Node Name:  node-a"), "{text}");
        let deploy = json!({"metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}});
        let text = describe_lines(&deploy).join("\n");
        assert!(text.contains("Match Labels:  app=web"), "label names keep their case: {text}");
    }

    /// Every object a real control plane served, and every manifest the fixtures were made from: each list
    /// item reads as something, never as a bare `-`.
    #[test]
    fn no_line_of_any_fixture_object_is_a_bare_dash() {
        const LISTS: &[&str] = &[
            include_str!("../../../tests/fixtures/real-1.19/pods-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/deployments-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/replicasets-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/services-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/endpoints-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/endpointslices-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/nodes-list.json"),
            include_str!("../../../tests/fixtures/real-1.19/events-core-v1.json"),
        ];
        let manifests = include_str!("../../../tests/fixtures/real-1.19/acme-scenario-manifests.yaml");
        let mut objects: Vec<Value> = serde_yaml::Deserializer::from_str(manifests)
            .map(|doc| serde::Deserialize::deserialize(doc).expect("the manifests parse"))
            .collect();
        for list in LISTS {
            let list: Value = serde_json::from_str(list).expect("a fixture list parses");
            objects.extend(list["items"].as_array().expect("items").iter().cloned());
        }
        assert!(objects.len() > 30, "{} objects", objects.len());
        for object in &objects {
            let lines = describe_lines(object);
            let bare = lines.iter().position(|l| matches!(l.trim(), "-" | "- " | ":"));
            assert!(bare.is_none(), "{}:\n{}", object["metadata"]["name"], lines.join("\n"));
        }
        // The real pod reads as kubectl prints it.
        let pods: Value = serde_json::from_str(LISTS[0]).expect("pods");
        let text = describe_lines(&pods["items"][0]).join("\n");
        for expected in [
            "    billing:\n      Image:",
            "      Ports:\n        8080/TCP (http)",
            "      Volume Mounts:\n        /var/run/secrets/kubernetes.io/serviceaccount from default-token-wcx6v (ro)",
            "  Tolerations:\n    node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
            "    Type              Status\n    ----              ------\n    Initialized       True",
            "  Pod IPs:\n    10.244.1.13",
            "  QoS Class:",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
    }
}
