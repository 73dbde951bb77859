//! Drill down and up: Enter on an object opens what it owns or selects (deployment → replicasets → pods →
//! containers, service → endpoints → pods, node → pods, PVC → PV, CronJob → jobs → pods), filtered the way
//! kubectl would be asked (`-l app=web`, `--field-selector spec.nodeName=n1`), and `o` jumps to an owner.
use super::cache::{Facts, ObjectKey};
use super::rows::Row;
use crate::cluster::Kind;

/// What a drilled-down list is limited to. Shown in the header; rendered into the game plan's kubectl.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Drill {
    /// Only objects in this namespace (the parent's).
    pub namespace: Option<String>,
    /// A label selector (`app=web,pod-template-hash=abc`).
    pub labels: Vec<(String, String)>,
    /// A field selector: `metadata.name` or `spec.nodeName`.
    pub field: Option<(String, String)>,
    /// Owned by (kind, name): no selector says this, so kubectl lists the namespace and the header says it.
    pub owner: Option<(String, String)>,
    /// The container view's pod.
    pub pod: Option<String>,
    /// In words, for the header: "of deployment web".
    pub what: String,
}

/// How `kubectl get` is told a drill's filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListSelector {
    pub labels: Option<String>,
    pub fields: Option<String>,
}

impl Drill {
    pub fn selector(&self) -> ListSelector {
        let labels = (!self.labels.is_empty())
            .then(|| self.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","));
        ListSelector { labels, fields: self.field.as_ref().map(|(k, v)| format!("{k}={v}")) }
    }

    /// Whether an object of the drilled list belongs in it.
    pub fn matches(&self, key: &ObjectKey, facts: &Facts, row: &Row) -> bool {
        if self.namespace.as_ref().is_some_and(|ns| *ns != key.0) {
            return false;
        }
        if !self.labels.iter().all(|(k, v)| facts.label(k) == Some(v.as_str())) {
            return false;
        }
        if let Some((kind, name)) = &self.owner
            && !facts.owners().any(|(k, n)| k == kind && n == name)
        {
            return false;
        }
        match self.field.as_ref() {
            Some((field, value)) if field == "metadata.name" => key.1 == *value,
            // The pod row's NODE cell is its spec.nodeName (kept in the row, so nothing is read back).
            Some((field, value)) if field == "spec.nodeName" => {
                row.cells.get(NODE_CELL).is_some_and(|c| matches!(c, super::rows::Cell::Text(t) if t == value))
            }
            _ => true,
        }
    }
}

/// The pod row's node column.
const NODE_CELL: usize = 4;

/// A drill target: which kind opens, limited how.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub kind: Kind,
    pub drill: Drill,
}

fn labels_of(obj: &serde_json::Value, pointer: &str) -> Vec<(String, String)> {
    obj.pointer(pointer)
        .and_then(|v| v.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

/// Where Enter on `key` of `kind` leads, given the object's JSON. `None` when the kind has nowhere to go.
pub fn target(kind: Kind, key: &ObjectKey, obj: &serde_json::Value) -> Option<Target> {
    let (ns, name) = (key.0.clone(), key.1.clone());
    let in_ns = |labels: Vec<(String, String)>, what: String| Drill {
        namespace: Some(ns.clone()),
        labels,
        what,
        ..Default::default()
    };
    let t = |kind: Kind, drill: Drill| Some(Target { kind, drill });
    match kind {
        Kind::Deployment => t(
            Kind::ReplicaSet,
            Drill {
                owner: Some(("Deployment".into(), name.clone())),
                ..in_ns(labels_of(obj, "/spec/selector/matchLabels"), format!("of deployment {name}"))
            },
        ),
        // A Job's selector is its controller's uid; the `job-name` label its pods carry says the same, readably.
        Kind::Job if obj.pointer("/spec/template/metadata/labels/job-name").is_some() => {
            t(Kind::Pod, in_ns(vec![("job-name".into(), name.clone())], format!("of job {name}")))
        }
        Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet | Kind::Job => {
            let noun = kind.kind_name().to_lowercase();
            t(Kind::Pod, in_ns(labels_of(obj, "/spec/selector/matchLabels"), format!("of {noun} {name}")))
        }
        Kind::CronJob => t(
            Kind::Job,
            Drill { owner: Some(("CronJob".into(), name.clone())), ..in_ns(Vec::new(), format!("of cronjob {name}")) },
        ),
        Kind::Service => t(
            Kind::Endpoints,
            Drill {
                field: Some(("metadata.name".into(), name.clone())),
                ..in_ns(Vec::new(), format!("of service {name}"))
            },
        ),
        // Endpoints carry the name of their Service; its pods are the ones the addresses point at, which the
        // Service's selector picks (the caller looks the Service up and passes its selector in `obj`).
        Kind::Endpoints => {
            let labels = labels_of(obj, "/spec/selector");
            (!labels.is_empty())
                .then(|| Target { kind: Kind::Pod, drill: in_ns(labels, format!("behind service {name}")) })
        }
        Kind::Node => t(
            Kind::Pod,
            Drill {
                field: Some(("spec.nodeName".into(), name.clone())),
                what: format!("on node {name}"),
                ..Default::default()
            },
        ),
        Kind::PersistentVolumeClaim => {
            let volume = obj.pointer("/spec/volumeName").and_then(|v| v.as_str()).filter(|v| !v.is_empty())?;
            t(
                Kind::PersistentVolume,
                Drill {
                    field: Some(("metadata.name".into(), volume.to_string())),
                    what: format!("of claim {name}"),
                    ..Default::default()
                },
            )
        }
        Kind::Pod => t(
            Kind::Container,
            Drill {
                namespace: Some(ns),
                pod: Some(name.clone()),
                what: format!("of pod {name}"),
                ..Default::default()
            },
        ),
        _ => None,
    }
}

/// The containers of a pod as objects of the container view: `{metadata: {name, namespace}, spec, status}`.
pub fn containers(pod: &serde_json::Value) -> Vec<serde_json::Value> {
    let ns = pod.pointer("/metadata/namespace").cloned().unwrap_or_default();
    let statuses: Vec<serde_json::Value> = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .flat_map(|f| pod.pointer(&format!("/status/{f}")).and_then(|v| v.as_array()).cloned().unwrap_or_default())
        .collect();
    ["initContainers", "containers"]
        .iter()
        .flat_map(|f| pod.pointer(&format!("/spec/{f}")).and_then(|v| v.as_array()).cloned().unwrap_or_default())
        .map(|spec| {
            let name = spec["name"].clone();
            let status = statuses.iter().find(|s| s["name"] == name).cloned().unwrap_or_default();
            serde_json::json!({"apiVersion": "v1", "kind": "Container", "metadata": {"name": name, "namespace": ns}, "spec": spec, "status": status})
        })
        .collect()
}
