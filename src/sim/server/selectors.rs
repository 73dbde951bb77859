//! Label selectors (the full set-based syntax) and field selectors (per-kind field labels).
use serde_json::{Map, Value};

use super::registry::{self, Resource};
use super::status::ApiError;
use crate::analysis::selector::split_requirements;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    NotExists,
    Gt(i64),
    Lt(i64),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    requirements: Vec<(String, Op)>,
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let requirements = split_requirements(text)
            .into_iter()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                parse_requirement(r).map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(LabelSelector { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.requirements.iter().all(|(key, op)| match op {
            Op::Eq(v) => get(key) == Some(v.as_str()),
            Op::NotEq(v) => get(key) != Some(v.as_str()),
            Op::In(vs) => get(key).is_some_and(|l| vs.iter().any(|v| v == l)),
            Op::NotIn(vs) => get(key).is_none_or(|l| vs.iter().all(|v| v != l)),
            Op::Exists => get(key).is_some(),
            Op::NotExists => get(key).is_none(),
            Op::Gt(n) => get(key).and_then(|l| l.parse::<i64>().ok()).is_some_and(|l| l > *n),
            Op::Lt(n) => get(key).and_then(|l| l.parse::<i64>().ok()).is_some_and(|l| l < *n),
        })
    }
}

fn valid_key(key: &str) -> Result<String, String> {
    let ok = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok { Ok(key.to_string()) } else { Err(format!("invalid label key \"{key}\"")) }
}

fn valid_value(value: &str) -> Result<String, String> {
    let value = value.trim();
    let ok = value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(value.to_string()) } else { Err(format!("invalid label value: \"{value}\"")) }
}

fn parse_requirement(text: &str) -> Result<(String, Op), String> {
    if let Some(key) = text.strip_prefix('!') {
        return Ok((valid_key(key.trim())?, Op::NotExists));
    }
    let end = text.find(|c: char| c.is_whitespace() || matches!(c, '=' | '!' | '<' | '>' | '(')).unwrap_or(text.len());
    let key = valid_key(&text[..end])?;
    let rest = text[end..].trim_start();
    let op = if rest.is_empty() {
        Op::Exists
    } else if let Some(v) = rest.strip_prefix("==") {
        Op::Eq(valid_value(v)?)
    } else if let Some(v) = rest.strip_prefix("!=") {
        Op::NotEq(valid_value(v)?)
    } else if let Some(v) = rest.strip_prefix('=') {
        Op::Eq(valid_value(v)?)
    } else if let Some(v) = rest.strip_prefix('>') {
        Op::Gt(v.trim().parse().map_err(|_| format!("for 'Gt', 'Lt' operators, the value must be an integer: {v}"))?)
    } else if let Some(v) = rest.strip_prefix('<') {
        Op::Lt(v.trim().parse().map_err(|_| format!("for 'Gt', 'Lt' operators, the value must be an integer: {v}"))?)
    } else if let Some(set) = rest.strip_prefix("notin") {
        Op::NotIn(parse_set(set)?)
    } else if let Some(set) = rest.strip_prefix("in") {
        Op::In(parse_set(set)?)
    } else {
        return Err(format!("found '{rest}', expected: in, notin, =, ==, !=, gt, lt"));
    };
    Ok((key, op))
}

fn parse_set(text: &str) -> Result<Vec<String>, String> {
    let inner = text
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("found '{}', expected: '('", text.trim()))?;
    inner.split(',').map(valid_value).collect()
}

/// A parsed field selector: `field=value`, `field==value`, `field!=value`, comma-separated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldSelector {
    requirements: Vec<(String, bool, String)>,
}

impl FieldSelector {
    pub fn parse(text: &str, res: &Resource) -> Result<Self, ApiError> {
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, true, v)
            } else {
                return Err(ApiError::bad_request(format!("invalid selector: '{part}'; can't understand '{part}'")));
            };
            let field = field.trim();
            if !supported(res, field) {
                return Err(ApiError::bad_request(format!("field label not supported: {field}")));
            }
            requirements.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether a stored object matches; events are matched in their stored (core) shape.
    pub fn matches(&self, obj: &Value) -> bool {
        self.requirements.iter().all(|(field, equal, want)| (field_value(obj, field) == *want) == *equal)
    }
}

fn supported(res: &Resource, field: &str) -> bool {
    if matches!(field, "metadata.name" | "metadata.namespace") {
        return true;
    }
    let extra: &[&str] = match res.storage {
        registry::PODS => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        registry::EVENTS if res.group.is_empty() => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        registry::EVENTS => &[
            "regarding.kind",
            "regarding.namespace",
            "regarding.name",
            "regarding.uid",
            "regarding.apiVersion",
            "regarding.resourceVersion",
            "regarding.fieldPath",
            "reason",
            "reportingController",
            "type",
        ],
        "core/secrets" => &["type"],
        "core/nodes" => &["spec.unschedulable"],
        registry::NAMESPACES => &["status.phase"],
        "apps/replicasets" | "core/replicationcontrollers" => &["status.replicas"],
        "batch/jobs" => &["status.successful"],
        _ => &[],
    };
    extra.contains(&field)
}

/// The value of a field label on a stored object, as a string ("" when absent).
fn field_value(obj: &Value, field: &str) -> String {
    // events.k8s.io field labels name the same stored fields under their new names.
    let field = match field {
        "reportingController" => "reportingComponent".to_string(),
        "source" => "source.component".to_string(),
        other => other.strip_prefix("regarding.").map_or_else(|| other.to_string(), |f| format!("involvedObject.{f}")),
    };
    let value = field.split('.').try_fold(obj, |v, key| v.get(key));
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::server::Flavour;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn matches(selector: &str, l: &Map<String, Value>) -> bool {
        LabelSelector::parse(selector).expect("parses").matches(Some(l))
    }

    #[test]
    fn label_selectors_cover_the_full_syntax() {
        let l = labels(json!({"app": "web", "tier": "front", "n": "5"}));
        assert!(matches("app=web", &l));
        assert!(matches("app==web", &l));
        assert!(!matches("app!=web", &l));
        assert!(matches("app in (web, api)", &l));
        assert!(!matches("app notin (web)", &l));
        assert!(matches("missing notin (web)", &l));
        assert!(matches("tier", &l));
        assert!(matches("!missing", &l));
        assert!(!matches("!tier", &l));
        assert!(matches("app in (web,api),tier=front", &l));
        assert!(!matches("app in (web,api),tier=back", &l));
        assert!(matches("n>3", &l) && !matches("n<3", &l));
        assert!(matches("", &l));
    }

    #[test]
    fn bad_label_selectors_are_400() {
        for bad in ["app in web", "a b", "=x", "app=(x"] {
            let err = LabelSelector::parse(bad).expect_err(bad);
            assert_eq!(err.code, 400, "{bad}");
            assert!(err.message.starts_with("unable to parse requirement"), "{}", err.message);
        }
    }

    #[test]
    fn field_selectors_check_their_labels() {
        let pods = registry::find(Flavour::Modern, "", "v1", "pods").expect("pods");
        let events = registry::find(Flavour::Modern, "", "v1", "events").expect("events");
        let err = FieldSelector::parse("spec.bogus=x", pods).expect_err("unsupported");
        assert_eq!(err.message, "field label not supported: spec.bogus");
        assert_eq!(err.code, 400);

        let pod = json!({"metadata": {"name": "a"}, "spec": {"nodeName": "node-a"}, "status": {"phase": "Running"}});
        let sel = FieldSelector::parse("spec.nodeName=node-a,status.phase!=Pending", pods).expect("parses");
        assert!(sel.matches(&pod));
        let sel = FieldSelector::parse("status.phase=Pending", pods).expect("parses");
        assert!(!sel.matches(&pod));

        let event = json!({"involvedObject": {"name": "orders", "kind": "Pod"}, "type": "Warning"});
        let sel = FieldSelector::parse("involvedObject.name=orders,type=Warning", events).expect("parses");
        assert!(sel.matches(&event));
        assert!(FieldSelector::parse("spec.nodeName=x", events).is_err());
    }
}
