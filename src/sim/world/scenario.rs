//! Loading scenarios: multi-document YAML of Kubernetes objects plus an optional `SimScenario` document
//! with users and logs; relative times (`-2h15m`) are resolved against the load time.
use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::cluster::{CLUSTER_SCOPED_KINDS, SYSTEM_NAMESPACES};
use super::objects::Key;
use super::simulate::{self, Mode};
use super::{Scenario, json, kube_time};
use crate::sim::types::{LogSpec, SimRule, SimUser};

pub(crate) const SCENARIO_API_VERSION: &str = "sim.mosaic.dev/v1";

/// The body of a `kind: SimScenario` document (apiVersion, kind and metadata aside); unknown fields are
/// refused so that a typo does not silently drop users or logs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimScenarioDoc {
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    users: Vec<SimUser>,
    #[serde(default)]
    logs: Vec<LogSpec>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

pub(crate) fn parse(text: &str, now: Timestamp) -> anyhow::Result<Scenario> {
    let mut objects: Vec<Value> = Vec::new();
    let mut users = Vec::new();
    let mut logs = Vec::new();
    let mut seen: HashMap<Key, usize> = HashMap::new();
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let n = i + 1;
        let yaml = serde_yaml::Value::deserialize(document).with_context(|| format!("document {n}: invalid YAML"))?;
        if yaml.is_null() {
            continue;
        }
        let mut obj: Value =
            serde_json::to_value(&yaml).with_context(|| format!("document {n}: cannot be read as a JSON object"))?;
        if !obj.is_object() {
            bail!("document {n}: expected a Kubernetes object (a mapping), found {}", type_name(&obj));
        }
        let Some(api_version) = json::str_at(&obj, &["apiVersion"]).map(str::to_string) else {
            bail!("document {n}: missing apiVersion");
        };
        let Some(kind) = json::str_at(&obj, &["kind"]).map(str::to_string) else {
            bail!("document {n}: missing kind");
        };
        if kind == "SimScenario" {
            if api_version != SCENARIO_API_VERSION {
                bail!("document {n}: a SimScenario has apiVersion {SCENARIO_API_VERSION}, not {api_version}");
            }
            if let Some(map) = obj.as_object_mut() {
                for key in ["apiVersion", "kind", "metadata"] {
                    map.remove(key);
                }
            }
            let doc: SimScenarioDoc =
                serde_json::from_value(obj).with_context(|| format!("document {n} (SimScenario): invalid"))?;
            users.extend(doc.users);
            logs.extend(doc.logs);
            continue;
        }
        let name = json::name(&obj).to_string();
        if name.is_empty() {
            bail!("document {n} ({kind}): missing metadata.name");
        }
        if !CLUSTER_SCOPED_KINDS.contains(&kind.as_str()) && json::namespace(&obj).is_empty() {
            json::set(&mut obj, &["metadata", "namespace"], json!("default"));
        }
        let what = format!("document {n} ({kind} {name})");
        resolve_times(&mut obj, now).with_context(|| what.clone())?;
        check_modes(&obj).with_context(|| what.clone())?;
        if let Some(key) = Key::of(&obj)
            && let Some(first) = seen.insert(key, n)
        {
            bail!("{what}: duplicate of document {first}");
        }
        objects.push(obj);
    }
    let main = main_namespace(&objects);
    for default in default_users(&main) {
        if !users.iter().any(|u: &SimUser| u.name == default.name) {
            users.push(default);
        }
    }
    Ok(Scenario { objects, users, logs })
}

/// Replaces relative `creationTimestamp`s and `sim.mosaic.dev/started` annotations, in the object and in
/// its templates, with absolute times.
fn resolve_times(v: &mut Value, now: Timestamp) -> anyhow::Result<()> {
    match v {
        Value::Object(map) => {
            if let Some(meta) = map.get_mut("metadata").filter(|m| m.is_object()) {
                let resolve = |s: &str| -> anyhow::Result<Option<String>> {
                    if !kube_time::is_relative(s) {
                        if kube_time::parse(s).is_none() {
                            bail!(
                                "invalid time {s:?}: use RFC 3339 (2026-01-02T03:04:05Z) or a relative time (-2h15m)"
                            );
                        }
                        return Ok(None);
                    }
                    let secs = kube_time::parse_relative(s)?;
                    Ok(Some(kube_time::format(kube_time::plus(now, secs))))
                };
                for path in [&["creationTimestamp"][..], &["annotations", simulate::STARTED]] {
                    if let Some(s) = json::str_at(meta, path)
                        && let Some(t) = resolve(s)?
                    {
                        json::set(meta, path, json!(t));
                    }
                }
            }
            for (_, child) in map.iter_mut() {
                resolve_times(child, now)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                resolve_times(item, now)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Rejects unknown `sim.mosaic.dev/simulate` modes anywhere in the object.
fn check_modes(v: &Value) -> anyhow::Result<()> {
    match v {
        Value::Object(map) => {
            if let Some(mode) = json::str_at(v, &["metadata", "annotations", simulate::SIMULATE])
                && Mode::parse(mode).is_none()
            {
                bail!("unknown {} mode {mode:?} (one of: {})", simulate::SIMULATE, Mode::NAMES);
            }
            map.values().try_for_each(check_modes)
        }
        Value::Array(items) => items.iter().try_for_each(check_modes),
        _ => Ok(()),
    }
}

/// The namespace the scenario is about: the first one that is not a system namespace.
fn main_namespace(objects: &[Value]) -> String {
    objects
        .iter()
        .map(|o| if json::kind(o) == "Namespace" { json::name(o) } else { json::namespace(o) })
        .find(|ns| !ns.is_empty() && !SYSTEM_NAMESPACES.contains(ns))
        .unwrap_or("default")
        .to_string()
}

/// `admin` (everything) and `dev` (reads the app's namespace, like the fixture's `dev-read` Role).
pub(crate) fn default_users(namespace: &str) -> Vec<SimUser> {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let dev_source = format!("RoleBinding \"devs-read/{namespace}\" of Role \"dev-read\" to Group \"devs\"");
    vec![
        SimUser {
            name: "admin".into(),
            token: "admin-token".into(),
            groups: strings(&["system:masters", "system:authenticated"]),
            rules: vec![SimRule {
                api_groups: strings(&["*"]),
                resources: strings(&["*"]),
                verbs: strings(&["*"]),
                namespaces: None,
                source: Some(
                    "ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" to User \"admin\"".into(),
                ),
            }],
        },
        SimUser {
            name: "dev".into(),
            token: "dev-token".into(),
            groups: strings(&["devs", "system:authenticated"]),
            rules: vec![
                SimRule {
                    api_groups: strings(&["authorization.k8s.io"]),
                    resources: strings(&["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                    verbs: strings(&["create"]),
                    namespaces: None,
                    source: Some(
                        "ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"".into(),
                    ),
                },
                SimRule {
                    api_groups: strings(&[""]),
                    resources: strings(&["pods", "pods/log", "events", "services", "endpoints"]),
                    verbs: strings(&["get", "list", "watch"]),
                    namespaces: Some(vec![namespace.to_string()]),
                    source: Some(dev_source.clone()),
                },
                SimRule {
                    api_groups: strings(&["apps"]),
                    resources: strings(&["deployments", "replicasets"]),
                    verbs: strings(&["get", "list", "watch"]),
                    namespaces: Some(vec![namespace.to_string()]),
                    source: Some(dev_source),
                },
            ],
        },
    ]
}

pub(crate) fn from_file(path: &Path) -> anyhow::Result<Scenario> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read scenario {}", path.display()))?;
    parse(&text, Timestamp::now()).with_context(|| format!("invalid scenario {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn relative_times_resolve_in_objects_and_templates() {
        let text = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, creationTimestamp: "-2h15m"}
spec:
  template:
    metadata:
      annotations: {sim.mosaic.dev/started: "-40m"}
"#;
        let s = parse(text, now()).unwrap();
        let d = &s.objects[0];
        assert_eq!(d["metadata"]["creationTimestamp"], "2026-11-22T09:45:00Z");
        assert_eq!(d["spec"]["template"]["metadata"]["annotations"]["sim.mosaic.dev/started"], "2026-11-22T11:20:00Z");
        let dev = s.users.iter().find(|u| u.name == "dev").unwrap();
        assert_eq!(dev.rules[1].namespaces, Some(vec!["shop".to_string()]));
    }

    #[test]
    fn errors_name_the_document() {
        let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n";
        let e = format!("{:#}", parse(bad, now()).unwrap_err());
        assert!(e.contains("document 2"), "{e}");
        let bad =
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {sim.mosaic.dev/simulate: explode}\n";
        let e = format!("{:#}", parse(bad, now()).unwrap_err());
        assert!(e.contains("document 1 (Pod p)") && e.contains("explode"), "{e}");
    }
}
