//! The endpoints and endpointslice controllers: for every Service with a selector, the matching pods'
//! addresses (ready ones in `addresses`, others in `notReadyAddresses`) with ports resolved from named
//! target ports, as in `endpoints-list.json`, and the `discovery.k8s.io/v1beta1` EndpointSlice of
//! `endpointslices-list.json`. Services without a selector are left alone.
use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::objects::ObjectSet;
use super::{ids, json, kube_time, pods, selectors};

const TRIGGER: &str = "endpoints.kubernetes.io/last-change-trigger-time";
const SERVICE_NAME: &str = "kubernetes.io/service-name";
const MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
const SLICE_VERSION: &str = "discovery.k8s.io/v1beta1";

/// One pod behind a service.
struct Backend {
    ip: String,
    node: Option<String>,
    zone: Option<String>,
    ready: bool,
    hostname: Option<String>,
    target: Value,
    ports: Vec<Value>,
}

/// Resolves a service port's targetPort against a pod: numbers as they are, names through the
/// containers' named ports (`None` when the pod has no such port).
fn resolve_port(port: &Value, pod: &Value) -> Option<i64> {
    match port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => json::array_at(pod, &["spec", "containers"])
            .iter()
            .flat_map(|c| json::array_at(c, &["ports"]))
            .find(|p| json::str_at(p, &["name"]) == Some(name.as_str()))
            .and_then(|p| json::i64_at(p, &["containerPort"])),
        _ => json::i64_at(port, &["port"]),
    }
}

fn backends(
    world: &ObjectSet,
    svc: &Value,
    selector: &Map<String, Value>,
    candidates: &[&Value],
) -> (Vec<Backend>, Option<Timestamp>) {
    let ns = json::namespace(svc);
    let svc_name = json::name(svc);
    let mut out = Vec::new();
    let mut last_change: Option<Timestamp> = None;
    for &pod in candidates {
        if !selectors::map_matches(selector, json::labels(pod)) || pods::is_deleting(pod) || pods::is_terminal(pod) {
            continue;
        }
        let Some(ip) = json::str_at(pod, &["status", "podIP"]).filter(|ip| !ip.is_empty()) else {
            continue;
        };
        let node = json::str_at(pod, &["spec", "nodeName"]).map(str::to_string);
        let zone = node
            .as_deref()
            .and_then(|n| world.get("", "Node", "", n))
            .and_then(|n| json::label(n, "topology.kubernetes.io/zone"))
            .map(str::to_string);
        let mut target = json!({
            "kind": "Pod",
            "namespace": ns,
            "name": json::name(pod),
            "uid": json::uid(pod),
        });
        if let Some(rv) = json::str_at(pod, &["metadata", "resourceVersion"]) {
            json::set(&mut target, &["resourceVersion"], json!(rv));
        }
        let ports = json::array_at(svc, &["spec", "ports"])
            .iter()
            .filter_map(|p| {
                let resolved = resolve_port(p, pod)?;
                let mut e = Map::new();
                if let Some(name) = json::str_at(p, &["name"]) {
                    e.insert("name".into(), json!(name));
                }
                e.insert("port".into(), json!(resolved));
                e.insert("protocol".into(), json!(json::str_at(p, &["protocol"]).unwrap_or("TCP")));
                Some(Value::Object(e))
            })
            .collect();
        let hostname = (json::str_at(pod, &["spec", "subdomain"]) == Some(svc_name))
            .then(|| json::str_at(pod, &["spec", "hostname"]).map(str::to_string))
            .flatten();
        let changed = json::array_at(pod, &["status", "conditions"])
            .iter()
            .filter(|c| json::str_at(c, &["type"]) == Some("Ready"))
            .filter_map(|c| json::str_at(c, &["lastTransitionTime"]))
            .filter_map(kube_time::parse)
            .next()
            .or_else(|| pods::created(pod));
        if let Some(t) = changed {
            last_change = Some(last_change.map_or(t, |l| l.max(t)));
        }
        out.push(Backend { ip: ip.to_string(), node, zone, ready: pods::is_ready(pod), hostname, target, ports });
    }
    out.sort_by(|a, b| a.ip.cmp(&b.ip));
    (out, last_change)
}

fn subsets(backends: &[Backend]) -> Vec<Value> {
    // Port set (as text) → (ready addresses, not-ready addresses, ports).
    type Group = (Vec<Value>, Vec<Value>, Vec<Value>);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for b in backends {
        if b.ports.is_empty() && !backends.iter().all(|x| x.ports.is_empty()) {
            continue;
        }
        let key = Value::Array(b.ports.clone()).to_string();
        let entry = groups.entry(key).or_insert_with(|| (Vec::new(), Vec::new(), b.ports.clone()));
        let mut address = json!({"ip": b.ip, "targetRef": b.target});
        if let Some(n) = &b.node {
            json::set(&mut address, &["nodeName"], json!(n));
        }
        if let Some(h) = &b.hostname {
            json::set(&mut address, &["hostname"], json!(h));
        }
        if b.ready {
            entry.0.push(address);
        } else {
            entry.1.push(address);
        }
    }
    groups
        .into_values()
        .map(|(ready, not_ready, ports)| {
            let mut s = Map::new();
            if !ready.is_empty() {
                s.insert("addresses".into(), Value::Array(ready));
            }
            if !not_ready.is_empty() {
                s.insert("notReadyAddresses".into(), Value::Array(not_ready));
            }
            if !ports.is_empty() {
                s.insert("ports".into(), Value::Array(ports));
            }
            Value::Object(s)
        })
        .collect()
}

/// Equality that ignores which resourceVersion a targetRef names (pods change often without moving),
/// though not whether it names one.
fn loose_eq(a: &Value, b: &Value, in_target: bool) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| match y.get(k) {
                    None => false,
                    Some(_) if in_target && k == "resourceVersion" => true,
                    Some(w) => loose_eq(v, w, k == "targetRef"),
                })
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| loose_eq(v, w, false)),
        _ => a == b,
    }
}

fn same(current: Option<&Value>, desired: Option<&Value>) -> bool {
    match (current, desired) {
        (None, None) => true,
        (Some(a), Some(b)) => loose_eq(a, b, false),
        _ => false,
    }
}

fn drop_empty_annotations(v: &mut Value) {
    if json::object_at(v, &["metadata", "annotations"]).is_some_and(Map::is_empty) {
        json::remove(v, &["metadata", "annotations"]);
    }
}

pub(crate) fn run(world: &mut ObjectSet) {
    // Work out every desired object first (reading only), then write them.
    let writes: Vec<Value> = {
        let mut pods_by_ns: HashMap<&str, Vec<&Value>> = HashMap::new();
        for pod in world.list("", "Pod", None) {
            pods_by_ns.entry(json::namespace(pod)).or_default().push(pod);
        }
        let mut slices: HashMap<(&str, &str), &Value> = HashMap::new();
        for slice in world.list("discovery.k8s.io", "EndpointSlice", None) {
            if let Some(svc) = json::label(slice, SERVICE_NAME) {
                slices.entry((json::namespace(slice), svc)).or_insert(slice);
            }
        }
        let mut writes = Vec::new();
        for svc in world.list("", "Service", None) {
            let Some(selector) = json::object_at(svc, &["spec", "selector"]).filter(|s| !s.is_empty()) else {
                continue;
            };
            if json::str_at(svc, &["spec", "type"]) == Some("ExternalName") {
                continue;
            }
            let (ns, name) = (json::namespace(svc), json::name(svc));
            let candidates = pods_by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]);
            let (backends, last_change) = backends(world, svc, selector, candidates);
            let trigger =
                kube_time::format(last_change.or_else(|| pods::created(svc)).unwrap_or(Timestamp::UNIX_EPOCH));
            let current = world.get("", "Endpoints", ns, name);
            writes.extend(desired_endpoints(current, svc, &backends, &trigger));
            writes.extend(desired_slice(slices.get(&(ns, name)).copied(), svc, &backends, &trigger));
        }
        writes
    };
    for obj in writes {
        world.put(obj);
    }
    // Endpoints the controller wrote for services that are gone.
    for key in world.keys("", "Endpoints", None) {
        let ours = world.get_key(&key).is_some_and(|e| json::annotation(e, TRIGGER).is_some());
        if ours && world.get("", "Service", &key.namespace, &key.name).is_none() {
            world.remove(&key);
        }
    }
}

/// The Endpoints of `svc`, or `None` when the current one already says the same.
fn desired_endpoints(current: Option<&Value>, svc: &Value, backends: &[Backend], trigger: &str) -> Option<Value> {
    let (ns, name) = (json::namespace(svc), json::name(svc));
    let labels = json::labels(svc).cloned().map(Value::Object);
    let subsets = subsets(backends);
    let subsets = (!subsets.is_empty()).then_some(Value::Array(subsets));
    if let Some(cur) = current
        && json::get(cur, &["metadata", "labels"]) == labels.as_ref()
        && same(cur.get("subsets"), subsets.as_ref())
    {
        return None;
    }
    let mut ep = current.cloned().unwrap_or_else(|| {
        json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": name,
                "namespace": ns,
                "uid": ids::uid(&format!("endpoints/{ns}/{name}/{}", json::uid(svc))),
                "creationTimestamp": json::str_at(svc, &["metadata", "creationTimestamp"]),
            },
        })
    });
    match labels {
        Some(labels) => json::set(&mut ep, &["metadata", "labels"], labels),
        None => json::remove(&mut ep, &["metadata", "labels"]),
    }
    json::set(&mut ep, &["metadata", "annotations", TRIGGER], json!(trigger));
    match subsets {
        Some(subsets) => json::set(&mut ep, &["subsets"], subsets),
        None => json::remove(&mut ep, &["subsets"]),
    }
    Some(ep)
}

/// The EndpointSlice of `svc`, or `None` when the current one already says the same.
fn desired_slice(current: Option<&Value>, svc: &Value, backends: &[Backend], trigger: &str) -> Option<Value> {
    if current.is_some_and(|c| json::api_version(c) != SLICE_VERSION) {
        // Stored in another version by the server: its conversion owns the shape.
        return None;
    }
    let (ns, svc_name) = (json::namespace(svc), json::name(svc));
    let endpoints: Vec<Value> = backends
        .iter()
        .map(|b| {
            let mut topology = Map::new();
            if let Some(n) = &b.node {
                topology.insert("kubernetes.io/hostname".into(), json!(n));
            }
            if let Some(z) = &b.zone {
                topology.insert("topology.kubernetes.io/zone".into(), json!(z));
            }
            let mut e = json::object([
                ("addresses", json!([b.ip])),
                ("conditions", json!({"ready": b.ready})),
                ("targetRef", b.target.clone()),
                ("topology", Value::Object(topology)),
            ]);
            if let Some(h) = &b.hostname {
                json::set(&mut e, &["hostname"], json!(h));
            }
            e
        })
        .collect();
    let ports: Vec<Value> = backends
        .iter()
        .find(|b| !b.ports.is_empty())
        .map(|b| {
            b.ports
                .iter()
                .map(|p| {
                    json!({
                        "name": json::str_at(p, &["name"]).unwrap_or(""),
                        "protocol": json::str_at(p, &["protocol"]).unwrap_or("TCP"),
                        "port": json::i64_at(p, &["port"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let empty = endpoints.is_empty();
    let endpoints = if empty { Value::Null } else { Value::Array(endpoints) };
    let ports = if empty || ports.is_empty() { Value::Null } else { Value::Array(ports) };
    let owners = Value::Array(vec![pods::owner_ref(svc)]);
    if let Some(cur) = current {
        let unchanged = same(cur.get("endpoints"), Some(&endpoints))
            && same(cur.get("ports"), Some(&ports))
            && json::get(cur, &["metadata", "ownerReferences"]) == Some(&owners)
            && json::label(cur, MANAGED_BY).is_some();
        if unchanged {
            return None;
        }
    }
    let mut slice = match current {
        Some(cur) => {
            let mut s = cur.clone();
            let generation = json::i64_at(cur, &["metadata", "generation"]).unwrap_or(1) + 1;
            json::set(&mut s, &["metadata", "generation"], json!(generation));
            s
        }
        None => {
            let name = format!("{svc_name}-{}", ids::suffix(&format!("slice/{}", json::uid(svc)), 5));
            json!({
                "apiVersion": SLICE_VERSION,
                "kind": "EndpointSlice",
                "metadata": {
                    "name": name,
                    "generateName": format!("{svc_name}-"),
                    "namespace": ns,
                    "uid": ids::uid(&format!("slice/{ns}/{name}")),
                    "generation": 1,
                    "creationTimestamp": json::str_at(svc, &["metadata", "creationTimestamp"]),
                },
                "addressType": "IPv4",
            })
        }
    };
    json::set(&mut slice, &["metadata", "labels", MANAGED_BY], json!("endpointslice-controller.k8s.io"));
    json::set(&mut slice, &["metadata", "labels", SERVICE_NAME], json!(svc_name));
    json::set(&mut slice, &["metadata", "ownerReferences"], owners);
    json::set(&mut slice, &["endpoints"], endpoints);
    json::set(&mut slice, &["ports"], ports);
    if empty {
        json::remove(&mut slice, &["metadata", "annotations", TRIGGER]);
        drop_empty_annotations(&mut slice);
    } else {
        json::set(&mut slice, &["metadata", "annotations", TRIGGER], json!(trigger));
    }
    Some(slice)
}
