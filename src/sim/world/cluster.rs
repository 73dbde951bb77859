//! What every cluster has before any app: Nodes, Namespaces, the `default` ServiceAccount and its token
//! Secret in each namespace, and the `kubernetes` Service.
use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::ObjectSet;
use super::{ids, json, kube_time, pods};

/// Namespaces a kubeadm cluster starts with.
pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-node-lease", "kube-public", "kube-system"];

/// Kinds that are not namespaced (everything else is).
pub(crate) const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "PriorityClass",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "RuntimeClass",
    "SimScenario",
];

/// The age the simulated cluster pretends to have when it creates its own furniture.
const CLUSTER_AGE_SECS: i64 = 30 * 86_400;

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    let born = kube_time::plus(now, -CLUSTER_AGE_SECS);
    ensure_nodes(world, born);
    ensure_namespaces(world, now, born);
    ensure_service_accounts(world, born);
    ensure_kubernetes_service(world, born);
}

/// A node shaped like those of `nodes-list.json`: 4 CPU, 16Gi, Ready.
pub(crate) fn node(name: &str, index: usize, zone: &str, cpu: &str, memory: &str, created: Timestamp) -> Value {
    let at = kube_time::format(created);
    let cidr = format!("10.{}.{}.0/24", (244 + index / 256).min(255), index % 256);
    let condition = |kind: &str, status: &str, reason: &str, message: &str| {
        json!({"type": kind, "status": status, "lastHeartbeatTime": at, "lastTransitionTime": at,
               "reason": reason, "message": message})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": ids::uid(&format!("node/{name}")),
            "creationTimestamp": at,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "topology.kubernetes.io/zone": zone,
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {
            "podCIDR": cidr,
            "podCIDRs": [cidr],
        },
        "status": {
            "capacity": {"cpu": cpu, "ephemeral-storage": "100Gi", "hugepages-2Mi": "0", "memory": memory, "pods": "110"},
            "allocatable": {"cpu": cpu, "ephemeral-storage": "100Gi", "hugepages-2Mi": "0", "memory": memory, "pods": "110"},
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status. AppArmor enabled"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": format!("10.0.{}.{}", index / 200, 11 + index % 200)},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": ids::hex(&format!("machine/{name}"), 32),
                "systemUUID": ids::hex(&format!("system/{name}"), 32),
                "bootID": ids::hex(&format!("boot/{name}"), 32),
                "kernelVersion": "5.10.0-19-amd64",
                "osImage": "Debian GNU/Linux 11 (bullseye)",
                "containerRuntimeVersion": "containerd://1.4.3",
                "kubeletVersion": "v1.19.0",
                "kubeProxyVersion": "v1.19.0",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    })
}

fn ensure_nodes(world: &mut ObjectSet, born: Timestamp) {
    if world.count("", "Node") > 0 {
        return;
    }
    for (i, name) in ["node-a", "node-b", "node-c"].iter().enumerate() {
        let zone = format!("zone-{}", &name[5..]);
        world.put(node(name, i, &zone, "4", "16Gi", born));
    }
}

fn namespace_object(name: &str, created: Timestamp) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "uid": ids::uid(&format!("namespace/{name}")),
            "creationTimestamp": kube_time::format(created),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

fn ensure_namespaces(world: &mut ObjectSet, now: Timestamp, born: Timestamp) {
    let mut used = world.namespaces_used(CLUSTER_SCOPED_KINDS);
    used.extend(SYSTEM_NAMESPACES.iter().map(|s| s.to_string()));
    let missing: Vec<String> = used.into_iter().filter(|ns| world.get("", "Namespace", "", ns).is_none()).collect();
    if !missing.is_empty() {
        // A namespace is as old as the oldest thing in it (scenarios often omit Namespace documents).
        let mut oldest: BTreeMap<&str, Timestamp> = BTreeMap::new();
        for (group, kind) in world.kinds() {
            for obj in world.list(&group, &kind, None) {
                let ns = json::namespace(obj);
                if let (Some(m), Some(t)) = (missing.iter().find(|m| *m == ns), pods::created(obj)) {
                    let e = oldest.entry(m.as_str()).or_insert(t);
                    *e = (*e).min(t);
                }
            }
        }
        let created: Vec<(String, Timestamp)> = missing
            .iter()
            .map(|ns| {
                let t = if SYSTEM_NAMESPACES.contains(&ns.as_str()) {
                    born
                } else {
                    oldest.get(ns.as_str()).map_or(now, |t| kube_time::plus(*t, -60))
                };
                (ns.clone(), t)
            })
            .collect();
        for (ns, t) in created {
            world.put(namespace_object(&ns, t));
        }
    }
    // Scenario namespaces are often just a name: give them what the API server would.
    for key in world.keys("", "Namespace", None) {
        let Some(ns) = world.get_key(&key) else {
            continue;
        };
        if json::get(ns, &["status", "phase"]).is_some() {
            continue;
        }
        let mut ns = ns.clone();
        json::set_default(&mut ns, &["spec", "finalizers"], json!(["kubernetes"]));
        json::set_default(&mut ns, &["status", "phase"], json!("Active"));
        world.put(ns);
    }
}

fn ensure_service_accounts(world: &mut ObjectSet, born: Timestamp) {
    for key in world.keys("", "Namespace", None) {
        let Some(ns_obj) = world.get_key(&key) else {
            continue;
        };
        if pods::is_deleting(ns_obj) {
            continue;
        }
        let ns = key.name.clone();
        let created = pods::created(ns_obj).unwrap_or(born);
        if world.get("", "ServiceAccount", &ns, "default").is_none() {
            world.put(json!({
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": "default",
                    "namespace": ns,
                    "uid": ids::uid(&format!("sa/{ns}/default")),
                    "creationTimestamp": kube_time::format(created),
                },
            }));
        }
    }
    for key in world.keys("", "ServiceAccount", None) {
        let Some(sa) = world.get_key(&key) else {
            continue;
        };
        let token = pods::token_secret_name(&key.namespace, &key.name);
        let created = pods::created(sa).unwrap_or(born);
        let sa_uid = json::uid(sa).to_string();
        if json::array_at(sa, &["secrets"]).is_empty() {
            let mut sa = sa.clone();
            json::set(&mut sa, &["secrets"], json!([{"name": token}]));
            world.put(sa);
        }
        if world.get("", "Secret", &key.namespace, &token).is_none() {
            let encode = |s: &str| BASE64.encode(s);
            world.put(json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": token,
                    "namespace": key.namespace,
                    "uid": ids::uid(&format!("secret/{}/{token}", key.namespace)),
                    "creationTimestamp": kube_time::format(created),
                    "annotations": {
                        "kubernetes.io/service-account.name": key.name,
                        "kubernetes.io/service-account.uid": sa_uid,
                    },
                },
                "type": "kubernetes.io/service-account-token",
                "data": {
                    "ca.crt": encode("-----BEGIN CERTIFICATE-----\nsimulated cluster CA\n-----END CERTIFICATE-----\n"),
                    "namespace": encode(&key.namespace),
                    "token": encode(&format!("sim-token.{}", ids::hex(&token, 40))),
                },
            }));
        }
    }
}

fn ensure_kubernetes_service(world: &mut ObjectSet, born: Timestamp) {
    if world.get("", "Service", "default", "kubernetes").is_some() {
        return;
    }
    let at = kube_time::format(born);
    world.put(json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "uid": ids::uid("service/default/kubernetes"),
            "creationTimestamp": at,
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 6443}],
            "clusterIP": "10.96.0.1",
            "type": "ClusterIP",
            "sessionAffinity": "None",
        },
        "status": {"loadBalancer": {}},
    }));
    world.put(json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "uid": ids::uid("endpoints/default/kubernetes"),
            "creationTimestamp": at,
        },
        "subsets": [{
            "addresses": [{"ip": "10.0.0.10"}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        }],
    }));
}
