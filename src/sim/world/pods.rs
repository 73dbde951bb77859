//! Pods as controllers create them and admission completes them, plus the questions every controller asks
//! about a pod (is it active, ready, whose is it).
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{defaults, ids, json, kube_time};

/// `metadata.ownerReferences[]` entry naming `owner` as the controller.
pub(crate) fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": json::api_version(owner),
        "kind": json::kind(owner),
        "name": json::name(owner),
        "uid": json::uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// The controller ownerReference of `obj`, if any.
pub(crate) fn controller_of(obj: &Value) -> Option<&Value> {
    json::array_at(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

/// Whether `obj` is controlled by the object of `kind` named `name` (in the same namespace).
pub(crate) fn controlled_by(obj: &Value, kind: &str, name: &str) -> bool {
    controller_of(obj)
        .is_some_and(|r| json::str_at(r, &["kind"]) == Some(kind) && json::str_at(r, &["name"]) == Some(name))
}

/// Points the controller reference of `obj` at `owner`'s current uid; returns whether it changed.
/// (Keeps ownership intact if the server gave an owner a new uid.)
pub(crate) fn repair_owner_uid(obj: &mut Value, owner: &Value) -> bool {
    let uid = json::uid(owner).to_string();
    let Some(refs) = obj.get_mut("metadata").and_then(|m| m.get_mut("ownerReferences")).and_then(Value::as_array_mut)
    else {
        return false;
    };
    for r in refs {
        if r.get("controller").and_then(Value::as_bool) == Some(true)
            && json::str_at(r, &["uid"]) != Some(uid.as_str())
            && !uid.is_empty()
        {
            json::set(r, &["uid"], json!(uid));
            return true;
        }
    }
    false
}

pub(crate) fn is_deleting(obj: &Value) -> bool {
    json::get(obj, &["metadata", "deletionTimestamp"]).is_some_and(|v| !v.is_null())
}

pub(crate) fn phase(pod: &Value) -> &str {
    json::str_at(pod, &["status", "phase"]).unwrap_or("")
}

pub(crate) fn is_terminal(pod: &Value) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

/// Counted by controllers: not being deleted and not finished.
pub(crate) fn is_active(pod: &Value) -> bool {
    !is_deleting(pod) && !is_terminal(pod)
}

fn condition<'a>(pod: &'a Value, kind: &str) -> Option<&'a Value> {
    json::array_at(pod, &["status", "conditions"]).iter().find(|c| json::str_at(c, &["type"]) == Some(kind))
}

pub(crate) fn is_ready(pod: &Value) -> bool {
    condition(pod, "Ready").and_then(|c| json::str_at(c, &["status"])) == Some("True")
}

/// When the pod last became Ready, if it is.
pub(crate) fn ready_since(pod: &Value) -> Option<Timestamp> {
    condition(pod, "Ready")
        .filter(|c| json::str_at(c, &["status"]) == Some("True"))
        .and_then(|c| json::str_at(c, &["lastTransitionTime"]))
        .and_then(kube_time::parse)
}

pub(crate) fn created(obj: &Value) -> Option<Timestamp> {
    json::str_at(obj, &["metadata", "creationTimestamp"]).and_then(kube_time::parse)
}

/// The Secret holding a ServiceAccount's token, named as the v1.19 token controller names it.
pub(crate) fn token_secret_name(namespace: &str, service_account: &str) -> String {
    format!("{service_account}-token-{}", ids::suffix(&format!("{namespace}/{service_account}"), 5))
}

/// What a new pod is made from.
pub(crate) struct NewPod<'t> {
    pub template: &'t Value,
    pub namespace: &'t str,
    pub name: String,
    /// Set for pods named by `generateName` (ReplicaSet, DaemonSet and Job pods).
    pub generate_name: Option<String>,
    pub owner: &'t Value,
    pub extra_labels: Vec<(String, String)>,
    pub extra_annotations: Vec<(String, String)>,
    pub created: Timestamp,
    /// StatefulSet pods get a stable hostname and the governing service as subdomain.
    pub hostname: Option<(String, String)>,
    /// DaemonSet pods are pinned to a node by affinity, and tolerate node problems.
    pub pinned_node: Option<String>,
}

/// A pod as the API server stores it after a controller's create and admission
/// (ServiceAccount token volume, default tolerations, priority).
pub(crate) fn build(p: NewPod<'_>) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(p.name));
    if let Some(g) = &p.generate_name {
        metadata.insert("generateName".into(), json!(g));
    }
    metadata.insert("namespace".into(), json!(p.namespace));
    metadata
        .insert("uid".into(), json!(ids::uid(&format!("pod/{}/{}/{}", p.namespace, p.name, p.created.as_second()))));
    metadata.insert("creationTimestamp".into(), json!(kube_time::format(p.created)));
    let mut labels = json::object_at(p.template, &["metadata", "labels"]).cloned().unwrap_or_default();
    for (k, v) in p.extra_labels {
        labels.insert(k, json!(v));
    }
    if !labels.is_empty() {
        metadata.insert("labels".into(), Value::Object(labels));
    }
    let mut annotations = json::object_at(p.template, &["metadata", "annotations"]).cloned().unwrap_or_default();
    for (k, v) in p.extra_annotations {
        annotations.insert(k, json!(v));
    }
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), Value::Object(annotations));
    }
    metadata.insert("ownerReferences".into(), json!([owner_ref(p.owner)]));

    let mut spec = json::get(p.template, &["spec"]).cloned().unwrap_or(json!({}));
    json::ensure_object(&mut spec);
    if let Some((hostname, subdomain)) = p.hostname {
        json::set(&mut spec, &["hostname"], json!(hostname));
        json::set(&mut spec, &["subdomain"], json!(subdomain));
    }
    if let Some(node) = &p.pinned_node {
        json::set(
            &mut spec,
            &["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"],
            json!({"nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node]}
            ]}]}),
        );
    }
    let mut pod = json::object([
        ("apiVersion", json!("v1")),
        ("kind", json!("Pod")),
        ("metadata", Value::Object(metadata)),
        ("spec", spec),
        ("status", json!({"phase": "Pending"})),
    ]);
    admit(&mut pod, p.pinned_node.is_some());
    let qos = qos_class(&pod);
    json::set(&mut pod, &["status", "qosClass"], json!(qos));
    pod
}

/// What admission adds to a pod: spec defaults, the ServiceAccount and its token volume, the default
/// not-ready/unreachable tolerations, priority and service links.
pub(crate) fn admit(pod: &mut Value, daemon: bool) {
    let ns = json::namespace(pod).to_string();
    let Some(spec) = pod.get_mut("spec") else {
        return;
    };
    defaults::pod_spec(spec);
    let sa = json::str_at(spec, &["serviceAccountName"])
        .or_else(|| json::str_at(spec, &["serviceAccount"]))
        .unwrap_or("default")
        .to_string();
    json::set_default(spec, &["serviceAccountName"], json!(sa));
    json::set_default(spec, &["serviceAccount"], json!(sa));
    let automount = json::get(spec, &["automountServiceAccountToken"]).and_then(Value::as_bool) != Some(false);
    let token = token_secret_name(&ns, &sa);
    if automount && !json::array_at(spec, &["volumes"]).iter().any(|v| json::name_field(v) == token) {
        let vols = json::object_mut(spec, &[]).entry("volumes").or_insert(json!([]));
        if let Some(vols) = vols.as_array_mut() {
            vols.push(json!({"name": token, "secret": {"secretName": token, "defaultMode": 420}}));
        }
        for list in ["initContainers", "containers"] {
            if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
                for c in cs {
                    let mounts = json::object_mut(c, &[]).entry("volumeMounts").or_insert(json!([]));
                    if let Some(mounts) = mounts.as_array_mut() {
                        mounts.push(json!({
                            "name": token,
                            "readOnly": true,
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        }));
                    }
                }
            }
        }
    }
    let mut tolerations: Vec<Value> = json::array_at(spec, &["tolerations"]).to_vec();
    let mut wanted =
        vec![("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute")];
    if daemon {
        wanted.extend([
            ("node.kubernetes.io/disk-pressure", "NoSchedule"),
            ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"),
            ("node.kubernetes.io/unschedulable", "NoSchedule"),
        ]);
    }
    for (key, effect) in wanted {
        if !tolerations.iter().any(|t| json::str_at(t, &["key"]) == Some(key)) {
            let mut t = json!({"key": key, "operator": "Exists", "effect": effect});
            if effect == "NoExecute" && !daemon {
                json::set(&mut t, &["tolerationSeconds"], json!(300));
            }
            tolerations.push(t);
        }
    }
    json::set(spec, &["tolerations"], Value::Array(tolerations));
    json::set_default(spec, &["priority"], json!(0));
    json::set_default(spec, &["enableServiceLinks"], json!(true));
    json::set_default(spec, &["preemptionPolicy"], json!("PreemptLowerPriority"));
}

/// Guaranteed, Burstable or BestEffort, from the containers' requests and limits.
pub(crate) fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> =
        ["initContainers", "containers"].iter().flat_map(|l| json::array_at(pod, &["spec", l])).collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let requests = json::object_at(c, &["resources", "requests"]);
        let limits = json::object_at(c, &["resources", "limits"]);
        if requests.is_some_and(|r| !r.is_empty()) || limits.is_some_and(|l| !l.is_empty()) {
            any = true;
        }
        for res in ["cpu", "memory"] {
            let limit = limits.and_then(|l| l.get(res));
            let request = requests.and_then(|r| r.get(res)).or(limit);
            if limit.is_none() || request != limit {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// Sum of the containers' requests (init containers count by their maximum), in millicores and bytes.
pub(crate) fn requests(pod: &Value) -> (i64, i64) {
    let sum = |list: &str| -> Vec<(i64, i64)> {
        json::array_at(pod, &["spec", list])
            .iter()
            .map(|c| {
                let cpu = json::str_at(c, &["resources", "requests", "cpu"])
                    .and_then(super::quantity::cpu_millis)
                    .unwrap_or(0);
                let mem =
                    json::str_at(c, &["resources", "requests", "memory"]).and_then(super::quantity::bytes).unwrap_or(0);
                (cpu, mem)
            })
            .collect()
    };
    let app = sum("containers").into_iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let init = sum("initContainers").into_iter().fold((0, 0), |a, b| (a.0.max(b.0), a.1.max(b.1)));
    (app.0.max(init.0), app.1.max(init.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_pods_carry_admission_defaults() {
        let owner = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-abc", "namespace": "shop", "uid": "rs-uid"}});
        let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "web", "image": "nginx:1.19", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}});
        let pod = build(NewPod {
            template: &template,
            namespace: "shop",
            name: "web-abc-xyz12".into(),
            generate_name: Some("web-abc-".into()),
            owner: &owner,
            extra_labels: vec![("pod-template-hash".into(), "abc".into())],
            extra_annotations: vec![],
            created: "2026-11-22T03:31:05Z".parse().unwrap(),
            hostname: None,
            pinned_node: None,
        });
        assert_eq!(pod["metadata"]["ownerReferences"][0]["uid"], "rs-uid");
        assert_eq!(pod["metadata"]["labels"]["pod-template-hash"], "abc");
        assert_eq!(pod["spec"]["serviceAccountName"], "default");
        assert_eq!(pod["spec"]["tolerations"].as_array().map(Vec::len), Some(2));
        let vol = &pod["spec"]["volumes"][0];
        assert!(vol["name"].as_str().unwrap().starts_with("default-token-"));
        assert_eq!(pod["spec"]["containers"][0]["volumeMounts"][0]["readOnly"], true);
        assert_eq!(pod["status"]["qosClass"], "Burstable");
        assert_eq!(requests(&pod), (100, 64 * 1024 * 1024));
        let mut again = pod.clone();
        admit(&mut again, false);
        assert_eq!(again, pod, "admission is idempotent");
    }
}
