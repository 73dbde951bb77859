//! The generic half of describe: any JSON value as kubectl-describe-like text. Fields are `Title Case: value`,
//! values of sibling fields line up (kubectl's tabwriter), nested fields are indented, and every item of a list
//! is named: by a kubectl-like one-line form for the lists kubectl knows ([`super::items`]), by its `name`, or
//! by its first field.
use serde_json::{Map, Value};

use super::items;

/// Fields whose keys are user data (label names, config keys): shown as `key=value`, never re-cased.
const DATA_MAPS: &[&str] = &["labels", "matchLabels", "annotations", "nodeSelector", "selector", "data", "stringData"];

/// Fields whose keys are resource names (`cpu`, `memory`, `nvidia.com/gpu`): one per line, as kubectl prints
/// requests and limits, never re-cased.
const RESOURCE_MAPS: &[&str] = &["requests", "limits", "capacity", "allocatable", "hard", "used"];

/// Append `value` at `depth` (two spaces a level).
pub(super) fn outline(value: &Value, depth: usize, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => fields(map, depth, out),
        Value::Array(list) => list_items(None, list, depth, out),
        other => out.push(format!("{}{}", pad(depth), scalar(other))),
    }
}

/// How one field of a map is shown: on its title's line, or below it.
enum Shown {
    Inline(String),
    Below(Vec<String>),
}

fn fields(map: &Map<String, Value>, depth: usize, out: &mut Vec<String>) {
    // A null says nothing (a template's `creationTimestamp: null`): left out, as kubectl leaves it.
    let shown: Vec<(String, Shown)> =
        map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (title_case(k), field(k, v, depth + 1))).collect();
    // Values of consecutive inline fields line up after the widest title among them, as kubectl's tabwriter
    // lines up a run of cells; a field shown below its title ends the run.
    let mut widths = Vec::with_capacity(shown.len());
    for run in shown.chunk_by(|(_, a), (_, b)| matches!(a, Shown::Inline(_)) == matches!(b, Shown::Inline(_))) {
        let width = run.iter().map(|(t, _)| t.chars().count() + 1).max().unwrap_or(0);
        widths.extend(std::iter::repeat_n(width, run.len()));
    }
    for ((title, s), width) in shown.into_iter().zip(widths) {
        match s {
            Shown::Inline(text) => {
                let title = format!("{title}:");
                out.push(format!("{}{title:<width$}  {text}", pad(depth)).trim_end().to_string())
            }
            Shown::Below(lines) => {
                out.push(format!("{}{title}:", pad(depth)));
                out.extend(lines);
            }
        }
    }
}

/// One field `key: value`, with what goes below it at `depth`.
fn field(key: &str, value: &Value, depth: usize) -> Shown {
    match value {
        Value::Object(map) if DATA_MAPS.contains(&key) && map.values().all(is_scalar) => {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={}", scalar(v))).collect();
            Shown::Inline(if pairs.is_empty() { "<none>".into() } else { pairs.join(", ") })
        }
        Value::Object(map) if RESOURCE_MAPS.contains(&key) && !map.is_empty() && map.values().all(is_scalar) => {
            let width = map.keys().map(|k| k.chars().count() + 1).max().unwrap_or(0);
            let lines = map.iter().map(|(k, v)| format!("{}{:<width$}  {}", pad(depth), format!("{k}:"), scalar(v)));
            Shown::Below(lines.collect())
        }
        Value::Object(map) if !map.is_empty() => {
            let mut lines = Vec::new();
            fields(map, depth, &mut lines);
            Shown::Below(lines)
        }
        Value::Array(list) if !list.is_empty() => {
            let mut lines = Vec::new();
            list_items(Some(key), list, depth, &mut lines);
            Shown::Below(lines)
        }
        other => Shown::Inline(scalar(other)),
    }
}

/// The items of a list, each at `depth`, none of them a bare `-`.
fn list_items(key: Option<&str>, list: &[Value], depth: usize, out: &mut Vec<String>) {
    let pad = pad(depth);
    if list.iter().all(is_scalar) {
        out.extend(list.iter().map(|v| format!("{pad}{}", scalar(v))));
        return;
    }
    if let Some(lines) = key.and_then(|k| items::kubectl_form(k, list)) {
        out.extend(lines.into_iter().map(|l| format!("{pad}{l}").trim_end().to_string()));
        return;
    }
    // Named items (containers, volumes, container statuses): the name is the item's title, as kubectl prints
    // `Containers:` / `  web:`.
    let names: Option<Vec<&str>> = list.iter().map(|v| v.get("name").and_then(Value::as_str)).collect();
    if let Some(names) = names.filter(|n| n.iter().all(|n| !n.is_empty())) {
        for (item, name) in list.iter().zip(names) {
            let mut rest = item.as_object().cloned().unwrap_or_default();
            rest.remove("name");
            if rest.is_empty() {
                out.push(format!("{pad}{name}"));
            } else {
                out.push(format!("{pad}{name}:"));
                fields(&rest, depth + 1, out);
            }
        }
        return;
    }
    // Anything else reads as YAML does: the item's first line carries the `- `, the rest lines up under it.
    for item in list {
        let mut lines = Vec::new();
        outline(item, depth + 1, &mut lines);
        match lines.first_mut() {
            Some(first) if first.starts_with(&format!("{pad}  ")) => {
                first.replace_range(pad.len()..pad.len() + 2, "- ")
            }
            _ => lines.insert(0, format!("{pad}- <none>")),
        }
        out.extend(lines);
    }
}

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(m) if !m.is_empty()) && !matches!(v, Value::Array(a) if !a.is_empty())
}

pub(super) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s) => s.clone(),
        Value::Null => "<none>".into(),
        Value::Object(m) if m.is_empty() => "<none>".into(),
        Value::Array(a) if a.is_empty() => "<none>".into(),
        other => other.to_string(),
    }
}

/// Words kubectl writes in capitals (its `smartLabelFor`), and a few it spells its own way.
const ACRONYMS: &[&str] = &[
    "API", "CIDR", "CPU", "DNS", "GID", "HTTP", "ID", "IP", "JSON", "LB", "QoS", "TCP", "TLS", "UDP", "UID", "URL",
    "UUID",
];

/// `containerPort` → `Container Port`, `podIPs` → `Pod IPs`, `qosClass` → `QoS Class`, as kubectl titles fields.
pub(super) fn title_case(key: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for (i, c) in key.chars().enumerate() {
        match words.last_mut() {
            Some(word) if !(c.is_uppercase() && prev_lower) => word.push(c),
            _ => words.push(if i == 0 { c.to_uppercase().collect() } else { c.to_string() }),
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    let smart = |word: &str| {
        let (stem, plural) = match word.strip_suffix('s') {
            Some(stem) if stem.len() > 1 && !ACRONYMS.iter().any(|a| a.eq_ignore_ascii_case(word)) => (stem, "s"),
            _ => (word, ""),
        };
        match ACRONYMS.iter().find(|a| a.eq_ignore_ascii_case(stem)) {
            Some(acronym) => format!("{acronym}{plural}"),
            None => word.to_string(),
        }
    };
    words.iter().map(|w| smart(w)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(value: &Value) -> String {
        let mut out = Vec::new();
        outline(value, 0, &mut out);
        out.join("\n")
    }

    #[test]
    fn titles_read_as_kubectl_writes_them() {
        let cases = [
            ("containerPort", "Container Port"),
            ("podIPs", "Pod IPs"),
            ("qosClass", "QoS Class"),
            ("imageID", "Image ID"),
            ("httpGet", "HTTP Get"),
            ("hostIP", "Host IP"),
            ("status", "Status"),
            ("dnsNames", "DNS Names"),
        ];
        for (key, title) in cases {
            assert_eq!(title_case(key), title, "{key}");
        }
    }

    #[test]
    fn named_items_are_titled_by_their_name() {
        let value = json!({"containers": [{"name": "web", "image": "nginx", "imagePullPolicy": "Always"}]});
        assert_eq!(text(&value), "Containers:\n  web:\n    Image:              nginx\n    Image Pull Policy:  Always");
    }

    #[test]
    fn unnamed_items_carry_their_dash_on_their_first_field() {
        let value = json!({"rules": [{"apiGroups": [""], "verbs": ["get"]}, {}]});
        assert_eq!(text(&value), "Rules:\n  - API Groups:\n      \"\"\n    Verbs:\n      get\n  - <none>");
        let nested = json!({"x": [[1, 2], [{"a": 1}]]});
        assert_eq!(text(&nested), "X:\n  - 1\n    2\n  - - A:  1");
    }

    #[test]
    fn resources_keep_their_names() {
        let value = json!({"requests": {"cpu": "50m", "memory": "64Mi"}});
        assert_eq!(text(&value), "Requests:\n  cpu:     50m\n  memory:  64Mi");
    }
}
