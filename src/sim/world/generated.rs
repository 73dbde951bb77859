//! The benchmark cluster: many namespaces of ten-pod Deployments with Services, already materialised by
//! the simulated controllers (so `reconcile` on it has nothing to do), with a given number of Events, and
//! carrying the weight real objects carry (`managedFields`, `last-applied-configuration`).
use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::events::{self, EventSpec, Involved};
use super::scenario::default_users;
use super::{Scenario, cluster, ids, json, kube_time, managed_fields as mf, reconcile};
use crate::sim::types::{Change, LogSpec};

const PODS_PER_DEPLOYMENT: usize = 10;
const PODS_PER_NODE: usize = 90;
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Objects by identity, updated the way the server applies changes.
struct Materialized {
    objects: Vec<Value>,
    index: HashMap<(String, String, String, String), usize>,
}

fn identity(obj: &Value) -> (String, String, String, String) {
    (
        json::api_version(obj).to_string(),
        json::kind(obj).to_string(),
        json::namespace(obj).to_string(),
        json::name(obj).to_string(),
    )
}

impl Materialized {
    fn new(objects: Vec<Value>) -> Materialized {
        let index = objects.iter().enumerate().map(|(i, o)| (identity(o), i)).collect();
        Materialized { objects, index }
    }

    fn apply(&mut self, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Upsert(obj) => match self.index.get(&identity(&obj)) {
                    Some(&i) => self.objects[i] = obj,
                    None => {
                        self.index.insert(identity(&obj), self.objects.len());
                        self.objects.push(obj);
                    }
                },
                Change::Delete { api_version, kind, namespace, name } => {
                    let key = (api_version, kind, namespace.unwrap_or_default(), name);
                    if let Some(i) = self.index.remove(&key) {
                        self.objects.swap_remove(i);
                        if let Some(moved) = self.objects.get(i) {
                            self.index.insert(identity(moved), i);
                        }
                    }
                }
            }
        }
    }
}

/// What a benchmark Deployment's pods do: mostly healthy, ~3% crash-looping, ~2% pending.
fn mode_for(index: usize) -> Option<&'static str> {
    match index % 100 {
        0..=2 => Some("crashloop"),
        3 => Some("unschedulable"),
        4 => Some("imagepull"),
        _ => None,
    }
}

/// The Deployment and Service of app `j` in `ns`, as someone applied them (before any defaulting).
fn app(ns: &str, j: usize, global: usize, replicas: usize, created: Timestamp) -> (Value, Value) {
    let name = format!("app-{j:03}");
    let mut template = json!({
        "metadata": {"labels": {"app": name, "tier": "backend"}},
        "spec": {"containers": [{
            "name": "app",
            "image": format!("ghcr.io/bench/service-{}:1.{}.0", global % 20, global % 7),
            "ports": [{"name": "http", "containerPort": 8080}],
            "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "APP_NAME", "value": name}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
            "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
        }]},
    });
    if let Some(mode) = mode_for(global) {
        json::set(&mut template, &["metadata", "annotations", "sim.mosaic.dev/simulate"], json!(mode));
    }
    let at = kube_time::format(created);
    let mut deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": ids::uid(&format!("deployment/{ns}/{name}")),
            "generation": 1,
            "creationTimestamp": at,
            "labels": {"app": name},
        },
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
    });
    json::set(&mut deployment, &["spec", "template"], template);

    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": ids::uid(&format!("service/{ns}/{name}")),
            "creationTimestamp": at,
            "labels": {"app": name},
        },
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    });
    (deployment, service)
}

/// `kubectl apply`'s record of what was applied.
fn last_applied(obj: &Value) -> String {
    let mut applied = mf::pick(
        obj,
        &[
            &["apiVersion"],
            &["kind"],
            &["metadata", "labels"],
            &["metadata", "name"],
            &["metadata", "namespace"],
            &["spec"],
        ],
    );
    json::set(&mut applied, &["metadata", "annotations"], json!({}));
    format!("{applied}\n")
}

pub(crate) fn build(namespaces: usize, pods: usize, events: usize, now: Timestamp) -> Scenario {
    let namespaces = namespaces.max(1);
    let width = (namespaces.saturating_sub(1)).to_string().len().max(2);
    let ns_names: Vec<String> = (0..namespaces).map(|i| format!("bench-{i:0width$}")).collect();
    let born = kube_time::plus(now, -30 * 86_400);
    let mut seed = Vec::new();
    let node_count = pods.div_ceil(PODS_PER_NODE).max(3);
    for i in 0..node_count {
        let zone = format!("zone-{}", ["a", "b", "c"][i % 3]);
        seed.push(cluster::node(&format!("bench-node-{i:03}"), i, &zone, "16", "64Gi", born));
    }
    let mut applied: HashMap<(String, String), String> = HashMap::new();
    let mut global = 0usize;
    for (i, ns) in ns_names.iter().enumerate() {
        seed.push(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns,
                "uid": ids::uid(&format!("namespace/{ns}")),
                "creationTimestamp": kube_time::format(kube_time::plus(now, -7 * 86_400)),
                "labels": {"team": format!("team-{}", i % 7)},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }));
        let mut remaining = pods / namespaces + usize::from(i < pods % namespaces);
        let mut j = 0;
        while remaining > 0 {
            let replicas = remaining.min(PODS_PER_DEPLOYMENT);
            let created = kube_time::plus(now, -(7200 + 37 * global as i64));
            let (deployment, service) = app(ns, j, global, replicas, created);
            applied.insert((ns.clone(), json::name(&deployment).to_string()), last_applied(&deployment));
            seed.push(deployment);
            seed.push(service);
            remaining -= replicas;
            j += 1;
            global += 1;
        }
    }
    let mut world = Materialized::new(seed);
    // One pass materialises everything the seed implies (the tests check that a second finds nothing).
    world.apply(reconcile(&world.objects, now));
    let (mut objects, controller_events): (Vec<Value>, Vec<Value>) =
        world.objects.into_iter().partition(|o| json::kind(o) != "Event");
    let mut events_out = exact_events(&objects, controller_events, events, now);
    let mut cache = HashMap::new();
    for obj in &mut objects {
        add_weight(obj, &applied, &mut cache);
    }
    // Events of one shape own the same fields: compute each shape's set once.
    let mut shapes: HashMap<(bool, bool, bool), Value> = HashMap::new();
    for e in &mut events_out {
        let shape = (
            e["involvedObject"].get("fieldPath").is_some(),
            e["involvedObject"].get("resourceVersion").is_some(),
            e["source"].get("host").is_some(),
        );
        let fields = shapes
            .entry(shape)
            .or_insert_with(|| {
                mf::fields_v1(&mf::pick(
                    e,
                    &[
                        &["count"],
                        &["firstTimestamp"],
                        &["involvedObject"],
                        &["lastTimestamp"],
                        &["message"],
                        &["reason"],
                        &["source"],
                        &["type"],
                    ],
                ))
            })
            .clone();
        let manager = if json::str_at(e, &["source", "component"]) == Some("kubelet") {
            "kubelet"
        } else {
            "kube-controller-manager"
        };
        let at = json::str_at(e, &["metadata", "creationTimestamp"]).and_then(kube_time::parse).unwrap_or(now);
        json::set(e, &["metadata", "managedFields"], json!([mf::entry_with(manager, "v1", at, fields)]));
    }
    objects.extend(events_out);
    for (rv, obj) in objects.iter_mut().enumerate() {
        json::set(obj, &["metadata", "resourceVersion"], json!((rv + 1).to_string()));
    }
    fill_target_versions(&mut objects);
    let logs = ns_names
        .iter()
        .map(|ns| LogSpec {
            namespace: ns.clone(),
            pod_prefix: "app-".into(),
            container: None,
            previous: false,
            lines: vec![
                "level=info msg=\"starting\" version=1.4.0".into(),
                "level=info msg=\"listening\" addr=:8080".into(),
            ],
            periodic: vec!["level=info msg=\"GET /healthz\" status=200 duration=1ms".into()],
        })
        .collect();
    Scenario { objects, users: default_users(ns_names.first().map_or("default", String::as_str)), logs }
}

/// Exactly `wanted` events: the controllers' own, spread evenly over the objects (a stable shuffle by
/// uid), topped up with repeated kubelet events when the controllers wrote fewer.
fn exact_events(objects: &[Value], mut made: Vec<Value>, wanted: usize, now: Timestamp) -> Vec<Value> {
    made.sort_by(|a, b| json::uid(a).cmp(json::uid(b)));
    made.truncate(wanted);
    let pods: Vec<&Value> = objects.iter().filter(|o| json::kind(o) == "Pod").collect();
    let mut round = 0usize;
    while made.len() < wanted && !pods.is_empty() {
        let pod = pods[round % pods.len()];
        let involved = Involved::of(pod);
        let first = json::array_at(pod, &["spec", "containers"]).first();
        let container = first.map_or("app", json::name_field);
        let image = first.and_then(|c| json::str_at(c, &["image"])).unwrap_or("");
        let created = super::pods::created(pod).unwrap_or(now);
        let (reason, message, warning) = match (round / pods.len()) % 3 {
            0 => ("Pulled", format!("Container image \"{image}\" already present on machine"), false),
            1 => ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503".to_string(), true),
            _ => ("Killing", format!("Container {container} failed liveness probe, will be restarted"), false),
        };
        let spec = EventSpec {
            warning,
            host: json::str_at(pod, &["spec", "nodeName"]).map(str::to_string),
            field_path: Some(format!("spec.containers{{{container}}}")),
            ..EventSpec::once("kubelet", reason, message, kube_time::plus(created, 60 + (round / pods.len()) as i64))
        };
        made.push(events::build(&involved, &spec, &round.to_string()));
        round += 1;
    }
    made
}

/// Endpoints and events name the resourceVersion of the object they point at; those only got theirs now.
fn fill_target_versions(objects: &mut [Value]) {
    type Versions = HashMap<(String, String, String), String>;
    let versions: Versions = objects
        .iter()
        .filter_map(|o| {
            let rv = json::str_at(o, &["metadata", "resourceVersion"])?;
            Some((
                (json::kind(o).to_string(), json::namespace(o).to_string(), json::name(o).to_string()),
                rv.to_string(),
            ))
        })
        .collect();
    let lookup = |target: &Value, versions: &Versions| {
        let key = (
            json::str_at(target, &["kind"]).unwrap_or("").to_string(),
            json::str_at(target, &["namespace"]).unwrap_or("").to_string(),
            json::str_at(target, &["name"]).unwrap_or("").to_string(),
        );
        versions.get(&key).cloned()
    };
    fn fill(v: &mut Value, versions: &Versions, lookup: &dyn Fn(&Value, &Versions) -> Option<String>) {
        match v {
            Value::Object(map) => {
                if let Some(target) = map.get_mut("targetRef")
                    && let Some(rv) = lookup(target, versions)
                {
                    json::set(target, &["resourceVersion"], json!(rv));
                }
                map.values_mut().for_each(|c| fill(c, versions, lookup));
            }
            Value::Array(items) => items.iter_mut().for_each(|c| fill(c, versions, lookup)),
            _ => {}
        }
    }
    for obj in objects.iter_mut() {
        match json::kind(obj) {
            "Endpoints" | "EndpointSlice" => fill(obj, &versions, &lookup),
            "Event" => {
                if let Some(rv) = lookup(&obj["involvedObject"], &versions) {
                    json::set(obj, &["involvedObject", "resourceVersion"], json!(rv));
                }
            }
            _ => {}
        }
    }
}

/// `managedFields` on everything, and `last-applied-configuration` on what was applied.
fn add_weight(obj: &mut Value, applied: &HashMap<(String, String), String>, cache: &mut HashMap<String, Value>) {
    let kind = json::kind(obj).to_string();
    let api_version = json::api_version(obj).to_string();
    let created = super::pods::created(obj).unwrap_or(Timestamp::UNIX_EPOCH);
    let key = (json::namespace(obj).to_string(), json::name(obj).to_string());
    let entries = match kind.as_str() {
        "Pod" => {
            // Pods of one ReplicaSet share the controller's fields (the node is the scheduler's).
            let owner = super::pods::controller_of(obj).map(json::uid).unwrap_or("").to_string();
            let controller_fields = cache
                .entry(format!("pod/{}/{owner}", key.0))
                .or_insert_with(|| {
                    let mut owned = mf::pick(
                        obj,
                        &[
                            &["metadata", "generateName"],
                            &["metadata", "labels"],
                            &["metadata", "ownerReferences"],
                            &["spec"],
                        ],
                    );
                    json::remove(&mut owned, &["spec", "nodeName"]);
                    mf::fields_v1(&owned)
                })
                .clone();
            vec![
                mf::entry_with("kube-controller-manager", &api_version, created, controller_fields),
                mf::entry("kubelet", &api_version, kube_time::plus(created, 4), &mf::pick(obj, &[&["status"]])),
            ]
        }
        "Deployment" | "Service" => {
            let mut entries = Vec::new();
            if let Some(text) = applied.get(&key) {
                json::set(obj, &["metadata", "annotations", LAST_APPLIED], json!(text));
            }
            entries.push(mf::entry(
                "kubectl-client-side-apply",
                &api_version,
                created,
                &mf::pick(obj, &[&["metadata", "annotations", LAST_APPLIED], &["metadata", "labels"], &["spec"]]),
            ));
            entries.push(mf::entry(
                "kube-controller-manager",
                &api_version,
                kube_time::plus(created, 5),
                &mf::pick(obj, &[&["metadata", "annotations", "deployment.kubernetes.io/revision"], &["status"]]),
            ));
            entries
        }
        "ReplicaSet" | "Endpoints" | "EndpointSlice" => vec![mf::entry(
            "kube-controller-manager",
            &api_version,
            created,
            &mf::pick(
                obj,
                &[
                    &["metadata", "annotations"],
                    &["metadata", "labels"],
                    &["metadata", "ownerReferences"],
                    &["spec"],
                    &["status"],
                    &["subsets"],
                    &["endpoints"],
                    &["ports"],
                ],
            ),
        )],
        _ => return,
    };
    json::set(obj, &["metadata", "managedFields"], Value::Array(entries));
}
