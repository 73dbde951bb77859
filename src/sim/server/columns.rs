//! kubectl's server-side columns for the common kinds besides pods (pods are in `table`), so that
//! `kubectl get deploy,rs,svc,ep,events,nodes,...` against the simulated cluster reads like a real one.
use jiff::Timestamp;
use serde_json::{Value, json};

use super::meta;
use super::registry;
use super::table::human_duration;
use crate::analysis::summary::access_modes;

type Cell = fn(&Value, Timestamp) -> Value;

/// One column: name, type, priority (1 shows with `-o wide`), and how to compute its cell.
pub struct Column {
    pub name: &'static str,
    pub kind: &'static str,
    pub priority: u8,
    pub cell: Cell,
}

const fn col(name: &'static str, kind: &'static str, priority: u8, cell: Cell) -> Column {
    Column { name, kind, priority, cell }
}

fn at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a Value> {
    obj.pointer(pointer)
}

fn int(obj: &Value, pointer: &str) -> i64 {
    at(obj, pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn text(obj: &Value, pointer: &str) -> String {
    at(obj, pointer).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn or_none(value: String) -> Value {
    json!(if value.is_empty() { "<none>".to_string() } else { value })
}

fn name(obj: &Value, _: Timestamp) -> Value {
    json!(meta::name(obj).unwrap_or_default())
}

fn since(obj: &Value, pointer: &str, now: Timestamp) -> Option<String> {
    let ts: Timestamp = at(obj, pointer)?.as_str()?.parse().ok()?;
    Some(human_duration(now.duration_since(ts)))
}

fn age(obj: &Value, now: Timestamp) -> Value {
    json!(since(obj, "/metadata/creationTimestamp", now).unwrap_or_else(|| "<unknown>".into()))
}

fn containers(obj: &Value, _: Timestamp) -> Value {
    let names: Vec<String> = at(obj, "/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    json!(names.join(","))
}

fn images(obj: &Value, _: Timestamp) -> Value {
    let images: Vec<String> = at(obj, "/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
        .collect();
    json!(images.join(","))
}

fn selector(obj: &Value, _: Timestamp) -> Value {
    let labels = at(obj, "/spec/selector/matchLabels").or_else(|| at(obj, "/spec/selector")).and_then(Value::as_object);
    let parts: Vec<String> =
        labels.into_iter().flatten().filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}"))).collect();
    or_none(parts.join(","))
}

fn data_count(obj: &Value, _: Timestamp) -> Value {
    let count = |field: &str| obj.get(field).and_then(Value::as_object).map_or(0, |m| m.len());
    json!(count("data") + count("binaryData"))
}

const DEPLOYMENTS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Ready", "string", 0, |o, _| {
        json!(format!("{}/{}", int(o, "/status/readyReplicas"), int(o, "/spec/replicas")))
    }),
    col("Up-to-date", "integer", 0, |o, _| json!(int(o, "/status/updatedReplicas"))),
    col("Available", "integer", 0, |o, _| json!(int(o, "/status/availableReplicas"))),
    col("Age", "string", 0, age),
    col("Containers", "string", 1, containers),
    col("Images", "string", 1, images),
    col("Selector", "string", 1, selector),
];

const REPLICA_SETS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Desired", "integer", 0, |o, _| json!(int(o, "/spec/replicas"))),
    col("Current", "integer", 0, |o, _| json!(int(o, "/status/replicas"))),
    col("Ready", "integer", 0, |o, _| json!(int(o, "/status/readyReplicas"))),
    col("Age", "string", 0, age),
    col("Containers", "string", 1, containers),
    col("Images", "string", 1, images),
    col("Selector", "string", 1, selector),
];

const STATEFUL_SETS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Ready", "string", 0, |o, _| {
        json!(format!("{}/{}", int(o, "/status/readyReplicas"), int(o, "/spec/replicas")))
    }),
    col("Age", "string", 0, age),
    col("Containers", "string", 1, containers),
    col("Images", "string", 1, images),
];

const DAEMON_SETS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Desired", "integer", 0, |o, _| json!(int(o, "/status/desiredNumberScheduled"))),
    col("Current", "integer", 0, |o, _| json!(int(o, "/status/currentNumberScheduled"))),
    col("Ready", "integer", 0, |o, _| json!(int(o, "/status/numberReady"))),
    col("Up-to-date", "integer", 0, |o, _| json!(int(o, "/status/updatedNumberScheduled"))),
    col("Available", "integer", 0, |o, _| json!(int(o, "/status/numberAvailable"))),
    col("Node Selector", "string", 0, |o, _| {
        let parts: Vec<String> = at(o, "/spec/template/spec/nodeSelector")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
            .collect();
        or_none(parts.join(","))
    }),
    col("Age", "string", 0, age),
];

fn service_ports(obj: &Value, _: Timestamp) -> Value {
    let ports: Vec<String> = at(obj, "/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let port = int(p, "/port");
            let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(node) => format!("{port}:{node}/{protocol}"),
                None => format!("{port}/{protocol}"),
            }
        })
        .collect();
    or_none(ports.join(","))
}

const SERVICES: &[Column] = &[
    col("Name", "string", 0, name),
    col("Type", "string", 0, |o, _| json!(at(o, "/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP"))),
    col("Cluster-IP", "string", 0, |o, _| or_none(text(o, "/spec/clusterIP"))),
    col("External-IP", "string", 0, |o, _| {
        let ips: Vec<String> = at(o, "/status/loadBalancer/ingress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str).map(str::to_string))
            .collect();
        let pending = at(o, "/spec/type").and_then(Value::as_str) == Some("LoadBalancer");
        if ips.is_empty() && pending { json!("<pending>") } else { or_none(ips.join(",")) }
    }),
    col("Port(s)", "string", 0, service_ports),
    col("Age", "string", 0, age),
    col("Selector", "string", 1, selector),
];

const ENDPOINTS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Endpoints", "string", 0, |o, _| {
        let mut out = Vec::new();
        for subset in o.get("subsets").and_then(Value::as_array).into_iter().flatten() {
            let ports: Vec<i64> =
                subset.get("ports").and_then(Value::as_array).into_iter().flatten().map(|p| int(p, "/port")).collect();
            for address in subset.get("addresses").and_then(Value::as_array).into_iter().flatten() {
                let ip = text(address, "/ip");
                if ports.is_empty() {
                    out.push(ip);
                } else {
                    out.extend(ports.iter().map(|port| format!("{ip}:{port}")));
                }
            }
        }
        let total = out.len();
        if total > 3 {
            out.truncate(3);
            return json!(format!("{} + {} more...", out.join(","), total - 3));
        }
        or_none(out.join(","))
    }),
    col("Age", "string", 0, age),
];

fn event_last_seen(obj: &Value, now: Timestamp) -> Value {
    let seen = since(obj, "/lastTimestamp", now)
        .or_else(|| since(obj, "/eventTime", now))
        .or_else(|| since(obj, "/metadata/creationTimestamp", now));
    json!(seen.unwrap_or_else(|| "<unknown>".into()))
}

const EVENTS: &[Column] = &[
    col("Last Seen", "string", 0, event_last_seen),
    col("Type", "string", 0, |o, _| json!(text(o, "/type"))),
    col("Reason", "string", 0, |o, _| json!(text(o, "/reason"))),
    col("Object", "string", 0, |o, _| {
        let kind = text(o, "/involvedObject/kind").to_lowercase();
        json!(format!("{kind}/{}", text(o, "/involvedObject/name")))
    }),
    col("Subobject", "string", 1, |o, _| json!(text(o, "/involvedObject/fieldPath"))),
    col("Source", "string", 1, |o, _| {
        let component = text(o, "/source/component");
        let host = text(o, "/source/host");
        json!(if host.is_empty() { component } else { format!("{component}, {host}") })
    }),
    col("Message", "string", 0, |o, _| json!(text(o, "/message"))),
    col("First Seen", "string", 1, |o, now| {
        json!(since(o, "/firstTimestamp", now).unwrap_or_else(|| "<unknown>".into()))
    }),
    col("Count", "string", 1, |o, _| json!(int(o, "/count").to_string())),
    col("Name", "string", 1, name),
];

const NODES: &[Column] = &[
    col("Name", "string", 0, name),
    col("Status", "string", 0, |o, _| {
        let ready = o
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
            .and_then(|c| c.get("status").and_then(Value::as_str));
        let mut status = match ready {
            Some("True") => "Ready".to_string(),
            Some(_) => "NotReady".to_string(),
            None => "Unknown".to_string(),
        };
        if o.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
            status.push_str(",SchedulingDisabled");
        }
        json!(status)
    }),
    col("Roles", "string", 0, |o, _| {
        let roles: Vec<String> = meta::labels(o)
            .into_iter()
            .flatten()
            .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(str::to_string))
            .collect();
        or_none(roles.join(","))
    }),
    col("Age", "string", 0, age),
    col("Version", "string", 0, |o, _| json!(text(o, "/status/nodeInfo/kubeletVersion"))),
    col("Internal-IP", "string", 1, |o, _| {
        let ip = o
            .pointer("/status/addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
            .map(|a| text(a, "/address"))
            .unwrap_or_default();
        or_none(ip)
    }),
    col("OS-Image", "string", 1, |o, _| json!(text(o, "/status/nodeInfo/osImage"))),
    col("Kernel-Version", "string", 1, |o, _| json!(text(o, "/status/nodeInfo/kernelVersion"))),
    col("Container-Runtime", "string", 1, |o, _| json!(text(o, "/status/nodeInfo/containerRuntimeVersion"))),
];

const NAMESPACES: &[Column] = &[
    col("Name", "string", 0, name),
    col("Status", "string", 0, |o, _| json!(at(o, "/status/phase").and_then(Value::as_str).unwrap_or("Active"))),
    col("Age", "string", 0, age),
];

const CONFIG_MAPS: &[Column] =
    &[col("Name", "string", 0, name), col("Data", "integer", 0, data_count), col("Age", "string", 0, age)];

const SECRETS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Type", "string", 0, |o, _| json!(at(o, "/type").and_then(Value::as_str).unwrap_or("Opaque"))),
    col("Data", "integer", 0, data_count),
    col("Age", "string", 0, age),
];

const JOBS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Completions", "string", 0, |o, _| {
        let wanted = at(o, "/spec/completions").and_then(Value::as_i64).unwrap_or(1);
        json!(format!("{}/{wanted}", int(o, "/status/succeeded")))
    }),
    col("Duration", "string", 0, |o, now| {
        let start: Option<Timestamp> = at(o, "/status/startTime").and_then(Value::as_str).and_then(|t| t.parse().ok());
        let end: Option<Timestamp> =
            at(o, "/status/completionTime").and_then(Value::as_str).and_then(|t| t.parse().ok());
        match start {
            Some(start) => json!(human_duration(end.unwrap_or(now).duration_since(start))),
            None => json!(""),
        }
    }),
    col("Age", "string", 0, age),
];

const CRON_JOBS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Schedule", "string", 0, |o, _| json!(text(o, "/spec/schedule"))),
    col("Suspend", "boolean", 0, |o, _| json!(at(o, "/spec/suspend").and_then(Value::as_bool).unwrap_or(false))),
    col("Active", "integer", 0, |o, _| json!(at(o, "/status/active").and_then(Value::as_array).map_or(0, Vec::len))),
    col("Last Schedule", "string", 0, |o, now| or_none(since(o, "/status/lastScheduleTime", now).unwrap_or_default())),
    col("Age", "string", 0, age),
];

const INGRESSES: &[Column] = &[
    col("Name", "string", 0, name),
    col("Class", "string", 0, |o, _| or_none(text(o, "/spec/ingressClassName"))),
    col("Hosts", "string", 0, |o, _| {
        let hosts: Vec<String> = at(o, "/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| r.get("host").and_then(Value::as_str).unwrap_or("*").to_string())
            .collect();
        json!(if hosts.is_empty() { "*".to_string() } else { hosts.join(",") })
    }),
    col("Address", "string", 0, |o, _| {
        let ips: Vec<String> = at(o, "/status/loadBalancer/ingress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str).map(str::to_string))
            .collect();
        json!(ips.join(","))
    }),
    col("Ports", "string", 0, |o, _| json!(if at(o, "/spec/tls").is_some() { "80, 443" } else { "80" })),
    col("Age", "string", 0, age),
];

const CLAIMS: &[Column] = &[
    col("Name", "string", 0, name),
    col("Status", "string", 0, |o, _| json!(text(o, "/status/phase"))),
    col("Volume", "string", 0, |o, _| json!(text(o, "/spec/volumeName"))),
    col("Capacity", "string", 0, |o, _| json!(text(o, "/status/capacity/storage"))),
    col("Access Modes", "string", 0, |o, _| {
        let modes = at(o, "/status/accessModes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        json!(access_modes(modes))
    }),
    col("StorageClass", "string", 0, |o, _| json!(text(o, "/spec/storageClassName"))),
    col("Age", "string", 0, age),
];

/// The columns of a kind, if it has its own (core events only: events.k8s.io has none in kubectl).
pub fn for_storage(storage: &str, group: &str) -> Option<&'static [Column]> {
    Some(match storage {
        "apps/deployments" => DEPLOYMENTS,
        "apps/replicasets" => REPLICA_SETS,
        "apps/statefulsets" => STATEFUL_SETS,
        "apps/daemonsets" => DAEMON_SETS,
        "core/services" => SERVICES,
        "core/endpoints" => ENDPOINTS,
        registry::EVENTS if group.is_empty() => EVENTS,
        "core/nodes" => NODES,
        registry::NAMESPACES => NAMESPACES,
        "core/configmaps" => CONFIG_MAPS,
        "core/secrets" => SECRETS,
        "batch/jobs" => JOBS,
        "batch/cronjobs" => CRON_JOBS,
        "networking.k8s.io/ingresses" => INGRESSES,
        "core/persistentvolumeclaims" => CLAIMS,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sim::server::fixture;

    fn cells(columns: &[Column], obj: &Value) -> Vec<Value> {
        let now: Timestamp = "2026-11-22T03:32:38Z".parse().expect("now");
        columns.iter().filter(|c| c.priority == 0).map(|c| (c.cell)(obj, now)).collect()
    }

    #[test]
    fn deployments_read_like_kubectl() {
        let list = fixture("deployments-list.json");
        let frontend = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["metadata"]["name"] == "frontend")
            .expect("frontend");
        assert_eq!(
            cells(DEPLOYMENTS, frontend),
            vec![json!("frontend"), json!("2/2"), json!(2), json!(2), json!("93s")]
        );
    }

    #[test]
    fn services_and_endpoints_read_like_kubectl() {
        let services = fixture("services-list.json");
        let svc = &services["items"][0];
        let row = cells(SERVICES, svc);
        assert_eq!(row[1], json!("ClusterIP"));
        assert!(row[4].as_str().is_some_and(|p| p.ends_with("/TCP")), "{row:?}");
        let endpoints = fixture("endpoints-list.json");
        let billing = endpoints["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["metadata"]["name"] == "billing")
            .expect("billing");
        assert_eq!(cells(ENDPOINTS, billing)[1], json!("<none>"));
    }
}
