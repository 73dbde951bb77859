//! Rows of the kinds watched as dynamic objects: the typed views read the object's JSON (so a v1beta1 CronJob
//! reads like a v1 one), and kinds found through discovery show the cells of the server's Table.
use jiff::Timestamp;
use kube::ResourceExt;
use kube::api::DynamicObject;
use serde_json::Value;

use super::rows::{Cell, Column, Row, col, created, search_text};
use crate::analysis::Health;
use crate::analysis::summary::access_modes;
use crate::cluster::Kind;
use crate::cluster::table_watch::ColumnDef;

/// A `&'static [Column]` from `col(…)` calls.
macro_rules! cols {
    ($($c:expr),* $(,)?) => {{
        const C: &[Column] = &[$($c),*];
        C
    }};
}

/// The columns of a kind watched as dynamic objects (typed views), `None` for kinds shown from a Table.
pub fn columns(kind: Kind) -> Option<&'static [Column]> {
    Some(match kind {
        Kind::ReplicaSet => cols!(col("DESIRED", 8), col("CURRENT", 8), col("READY", 6), col("AGE", 7)),
        Kind::StatefulSet => cols!(col("READY", 6), col("AGE", 7)),
        Kind::DaemonSet => {
            cols!(
                col("DESIRED", 8),
                col("CURRENT", 8),
                col("READY", 6),
                col("UP-TO-DATE", 11),
                col("AVAILABLE", 10),
                col("AGE", 7)
            )
        }
        Kind::Job => cols!(col("STATUS", 10), col("COMPLETIONS", 12), col("FAILED", 7), col("AGE", 7)),
        Kind::CronJob => {
            cols!(col("SCHEDULE", 14), col("SUSPEND", 8), col("ACTIVE", 7), col("LAST SCHEDULE", 14), col("AGE", 7))
        }
        Kind::Endpoints => cols!(col("ENDPOINTS", 30), col("AGE", 7)),
        Kind::EndpointSlice => cols!(col("ADDRESSTYPE", 12), col("PORTS", 10), col("ENDPOINTS", 30), col("AGE", 7)),
        Kind::Ingress => cols!(col("CLASS", 8), col("HOSTS", 20), col("ADDRESS", 14), col("PORTS", 8), col("AGE", 7)),
        Kind::NetworkPolicy => cols!(col("POD-SELECTOR", 20), col("POLICY TYPES", 16), col("AGE", 7)),
        Kind::ConfigMap => cols!(col("DATA", 5), col("AGE", 7)),
        Kind::Secret => cols!(col("TYPE", 30), col("KEYS", 5), col("AGE", 7)),
        Kind::PersistentVolume => cols!(
            col("CAPACITY", 9),
            col("ACCESS MODES", 13),
            col("RECLAIM POLICY", 15),
            col("STATUS", 10),
            col("CLAIM", 20),
            col("STORAGECLASS", 13),
            col("AGE", 7),
        ),
        Kind::PersistentVolumeClaim => cols!(
            col("STATUS", 8),
            col("VOLUME", 20),
            col("CAPACITY", 9),
            col("ACCESS MODES", 13),
            col("STORAGECLASS", 13),
            col("AGE", 7),
        ),
        Kind::StorageClass => {
            cols!(
                col("PROVISIONER", 20),
                col("RECLAIMPOLICY", 14),
                col("VOLUMEBINDINGMODE", 18),
                col("DEFAULT", 8),
                col("AGE", 7)
            )
        }
        Kind::Node => cols!(
            col("STATUS", 26),
            col("ROLES", 14),
            col("TAINTS", 7),
            col("CPU", 5),
            col("MEMORY", 8),
            col("VERSION", 10),
            col("AGE", 7),
        ),
        Kind::ServiceAccount => cols!(col("SECRETS", 8), col("AGE", 7)),
        Kind::Role | Kind::ClusterRole => cols!(col("RULES", 6), col("AGE", 7)),
        Kind::RoleBinding | Kind::ClusterRoleBinding => cols!(col("ROLE", 24), col("SUBJECTS", 30), col("AGE", 7)),
        Kind::Container => {
            cols!(col("READY", 6), col("STATE", 22), col("RESTARTS", 9), col("IMAGE", 30), col("PORTS", 16))
        }
        Kind::ApiResources => {
            cols!(col("SHORTNAMES", 12), col("APIVERSION", 28), col("NAMESPACED", 11), col("KIND", 20))
        }
        _ => return None,
    })
}

fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path).and_then(Value::as_str).unwrap_or("")
}

fn i(v: &Value, path: &str) -> i64 {
    v.pointer(path).and_then(Value::as_i64).unwrap_or(0)
}

fn arr<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    v.pointer(path).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn or_none(text: String) -> String {
    if text.is_empty() { "<none>".into() } else { text }
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

fn time(v: &Value, path: &str) -> Option<Timestamp> {
    s(v, path).parse().ok()
}

fn selector(v: &Value, path: &str) -> String {
    let labels = v.pointer(path).and_then(Value::as_object);
    labels
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(","))
        .unwrap_or_default()
}

fn ready_health(ready: i64, desired: i64) -> Health {
    match (ready, desired) {
        (r, d) if r >= d => Health::Ok,
        (0, _) => Health::Error,
        _ => Health::Warning,
    }
}

/// The row of a dynamic object of `kind`.
pub fn row(kind: Kind, obj: &DynamicObject, _now: Timestamp) -> Row {
    let d = &obj.data;
    let age = Cell::Age(created(obj));
    let (cells, health, status): (Vec<Cell>, Health, String) = match kind {
        Kind::ReplicaSet => {
            let (desired, current, ready) =
                (i(d, "/spec/replicas"), i(d, "/status/replicas"), i(d, "/status/readyReplicas"));
            let health = if desired == 0 { Health::Ok } else { ready_health(ready, desired) };
            (
                vec![text(desired.to_string()), text(current.to_string()), Cell::Status(ready.to_string()), age],
                health,
                String::new(),
            )
        }
        Kind::StatefulSet => {
            let (desired, ready) = (i(d, "/spec/replicas"), i(d, "/status/readyReplicas"));
            (vec![Cell::Status(format!("{ready}/{desired}")), age], ready_health(ready, desired), String::new())
        }
        Kind::DaemonSet => {
            let n = |f: &str| i(d, &format!("/status/{f}"));
            let (desired, ready) = (n("desiredNumberScheduled"), n("numberReady"));
            let cells = vec![
                text(desired.to_string()),
                text(n("currentNumberScheduled").to_string()),
                Cell::Status(ready.to_string()),
                text(n("updatedNumberScheduled").to_string()),
                text(n("numberAvailable").to_string()),
                age,
            ];
            (cells, ready_health(ready, desired), String::new())
        }
        Kind::Job => {
            let completions = d.pointer("/spec/completions").and_then(Value::as_i64).unwrap_or(1);
            let (succeeded, failed, active) =
                (i(d, "/status/succeeded"), i(d, "/status/failed"), i(d, "/status/active"));
            let condition =
                |t: &str| arr(d, "/status/conditions").iter().any(|c| c["type"] == t && c["status"] == "True");
            let (status, health) = if condition("Failed") {
                ("Failed", Health::Error)
            } else if condition("Complete") {
                ("Complete", Health::Completed)
            } else if d.pointer("/spec/suspend") == Some(&Value::Bool(true)) {
                ("Suspended", Health::Warning)
            } else if active > 0 {
                ("Running", Health::Pending)
            } else {
                ("Pending", Health::Pending)
            };
            let cells = vec![
                Cell::Status(status.into()),
                text(format!("{succeeded}/{completions}")),
                text(failed.to_string()),
                age,
            ];
            (
                cells,
                if failed > 0 && health != Health::Error { Health::Warning.max(health) } else { health },
                status.into(),
            )
        }
        Kind::CronJob => {
            let suspended = d.pointer("/spec/suspend") == Some(&Value::Bool(true));
            let cells = vec![
                text(s(d, "/spec/schedule")),
                Cell::Status(if suspended { "True" } else { "False" }.into()),
                text(arr(d, "/status/active").len().to_string()),
                match time(d, "/status/lastScheduleTime") {
                    Some(at) => Cell::Age(Some(at)),
                    None => text("<none>"),
                },
                age,
            ];
            (cells, if suspended { Health::Warning } else { Health::Ok }, String::new())
        }
        Kind::Endpoints => {
            let mut ready = Vec::new();
            for subset in arr(d, "/subsets") {
                let ports: Vec<i64> = arr(subset, "/ports").iter().filter_map(|p| p["port"].as_i64()).collect();
                for addr in arr(subset, "/addresses") {
                    for port in ports.iter().take(1) {
                        ready.push(format!("{}:{port}", s(addr, "/ip")));
                    }
                }
            }
            let health = if ready.is_empty() { Health::Warning } else { Health::Ok };
            let shown = if ready.len() > 3 {
                format!("{} + {} more...", ready[..3].join(","), ready.len() - 3)
            } else {
                or_none(ready.join(","))
            };
            (vec![Cell::Status(shown), age], health, String::new())
        }
        Kind::EndpointSlice => {
            let ports: Vec<String> =
                arr(d, "/ports").iter().filter_map(|p| p["port"].as_i64()).map(|p| p.to_string()).collect();
            let addrs: Vec<&str> =
                arr(d, "/endpoints").iter().flat_map(|e| arr(e, "/addresses")).filter_map(Value::as_str).collect();
            let health = if addrs.is_empty() { Health::Warning } else { Health::Ok };
            (
                vec![
                    text(s(d, "/addressType")),
                    text(or_none(ports.join(","))),
                    Cell::Status(or_none(addrs.join(","))),
                    age,
                ],
                health,
                String::new(),
            )
        }
        Kind::Ingress => {
            let hosts: Vec<&str> = arr(d, "/spec/rules").iter().map(|r| r["host"].as_str().unwrap_or("*")).collect();
            let address: Vec<&str> = arr(d, "/status/loadBalancer/ingress")
                .iter()
                .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
                .collect();
            let ports = if arr(d, "/spec/tls").is_empty() { "80" } else { "80, 443" };
            let class = or_none(s(d, "/spec/ingressClassName").to_string());
            (
                vec![text(class), text(hosts.join(",")), text(address.join(",")), text(ports), age],
                Health::Ok,
                String::new(),
            )
        }
        Kind::NetworkPolicy => {
            let sel = selector(d, "/spec/podSelector/matchLabels");
            let sel = if sel.is_empty() { "<all pods>".to_string() } else { sel };
            let types: Vec<&str> = arr(d, "/spec/policyTypes").iter().filter_map(Value::as_str).collect();
            (vec![text(sel), text(types.join(",")), age], Health::Ok, String::new())
        }
        Kind::ConfigMap => {
            let n = d.get("data").and_then(Value::as_object).map_or(0, |m| m.len())
                + d.get("binaryData").and_then(Value::as_object).map_or(0, |m| m.len());
            (vec![text(n.to_string()), age], Health::Ok, String::new())
        }
        Kind::Secret => {
            // Type and key count only: values never reach a row.
            let n = d.get("data").and_then(Value::as_object).map_or(0, |m| m.len());
            (vec![text(s(d, "/type")), text(n.to_string()), age], Health::Ok, s(d, "/type").to_string())
        }
        Kind::PersistentVolume => {
            let phase = s(d, "/status/phase").to_string();
            let claim = match (s(d, "/spec/claimRef/namespace"), s(d, "/spec/claimRef/name")) {
                (_, "") => String::new(),
                (ns, name) => format!("{ns}/{name}"),
            };
            let health = phase_health(&phase);
            let cells = vec![
                text(s(d, "/spec/capacity/storage")),
                text(access_modes(arr(d, "/spec/accessModes"))),
                text(s(d, "/spec/persistentVolumeReclaimPolicy")),
                Cell::Status(phase.clone()),
                text(claim),
                text(s(d, "/spec/storageClassName")),
                age,
            ];
            (cells, health, phase)
        }
        Kind::PersistentVolumeClaim => {
            let phase = s(d, "/status/phase").to_string();
            let cells = vec![
                Cell::Status(phase.clone()),
                text(s(d, "/spec/volumeName")),
                text(s(d, "/status/capacity/storage")),
                text(access_modes(arr(d, "/status/accessModes"))),
                text(s(d, "/spec/storageClassName")),
                age,
            ];
            (cells, phase_health(&phase), phase)
        }
        Kind::StorageClass => {
            let default =
                obj.annotations().get("storageclass.kubernetes.io/is-default-class").is_some_and(|v| v == "true");
            let cells = vec![
                text(d.get("provisioner").and_then(Value::as_str).unwrap_or("")),
                text(d.get("reclaimPolicy").and_then(Value::as_str).unwrap_or("Delete")),
                text(d.get("volumeBindingMode").and_then(Value::as_str).unwrap_or("Immediate")),
                text(if default { "yes" } else { "" }),
                age,
            ];
            (cells, Health::Ok, String::new())
        }
        Kind::Node => node_row(obj, d, age),
        Kind::ServiceAccount => (vec![text(arr(d, "/secrets").len().to_string()), age], Health::Ok, String::new()),
        Kind::Role | Kind::ClusterRole => {
            (vec![text(arr(d, "/rules").len().to_string()), age], Health::Ok, String::new())
        }
        Kind::RoleBinding | Kind::ClusterRoleBinding => {
            let role = format!("{}/{}", s(d, "/roleRef/kind"), s(d, "/roleRef/name"));
            let subjects: Vec<String> = arr(d, "/subjects")
                .iter()
                .map(|s| format!("{}:{}", s["kind"].as_str().unwrap_or(""), s["name"].as_str().unwrap_or("")))
                .collect();
            (vec![text(role), text(subjects.join(",")), age], Health::Ok, String::new())
        }
        Kind::Container => container_row(d),
        Kind::ApiResources => {
            let cells =
                vec![text(s(d, "/short")), text(s(d, "/version")), text(s(d, "/namespaced")), text(s(d, "/kindName"))];
            (cells, Health::Ok, format!("{} {}", s(d, "/kindName"), s(d, "/short")).to_lowercase())
        }
        _ => return table_row(obj, &[]),
    };
    Row { search: search_text(obj, &status), cells, health, sort_time: None }
}

fn phase_health(phase: &str) -> Health {
    match phase {
        "Bound" | "Available" => Health::Ok,
        "Pending" | "Released" => Health::Pending,
        "Lost" | "Failed" => Health::Error,
        _ => Health::Unknown,
    }
}

/// kubectl's node status (`Ready,SchedulingDisabled`), roles from the role labels, taint count, allocatable.
fn node_row(obj: &DynamicObject, d: &Value, age: Cell) -> (Vec<Cell>, Health, String) {
    let ready =
        arr(d, "/status/conditions").iter().find(|c| c["type"] == "Ready").map(|c| c["status"].as_str().unwrap_or(""));
    let mut status = match ready {
        Some("True") => "Ready".to_string(),
        Some("False") => "NotReady".to_string(),
        _ => "Unknown".to_string(),
    };
    let cordoned = d.pointer("/spec/unschedulable") == Some(&Value::Bool(true));
    if cordoned {
        status.push_str(",SchedulingDisabled");
    }
    let health = match (ready, cordoned) {
        (Some("True"), false) => Health::Ok,
        (Some("True"), true) => Health::Warning,
        (Some("False"), _) => Health::Error,
        _ => Health::Unknown,
    };
    let mut roles: Vec<&str> = obj
        .labels()
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort();
    let cells = vec![
        Cell::Status(status.clone()),
        text(or_none(roles.join(","))),
        text(arr(d, "/spec/taints").len().to_string()),
        text(s(d, "/status/allocatable/cpu")),
        text(s(d, "/status/allocatable/memory")),
        text(s(d, "/status/nodeInfo/kubeletVersion")),
        age,
    ];
    (cells, health, status)
}

/// A container of a pod: the drill-down view's object holds its spec and status side by side.
fn container_row(d: &Value) -> (Vec<Cell>, Health, String) {
    let status = &d["status"];
    let (state, health) = if let Some(w) = status.pointer("/state/waiting") {
        let reason = w["reason"].as_str().unwrap_or("Waiting").to_string();
        let bad = matches!(
            reason.as_str(),
            "CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" | "CreateContainerConfigError"
        );
        (reason, if bad { Health::Error } else { Health::Pending })
    } else if let Some(t) = status.pointer("/state/terminated") {
        let reason = t["reason"].as_str().unwrap_or("Terminated").to_string();
        let ok = t["exitCode"].as_i64() == Some(0);
        (
            format!("{reason} ({})", t["exitCode"].as_i64().unwrap_or(0)),
            if ok { Health::Completed } else { Health::Error },
        )
    } else if status.pointer("/state/running").is_some() {
        let ready = status["ready"] == Value::Bool(true);
        ("Running".to_string(), if ready { Health::Ok } else { Health::Warning })
    } else {
        ("Unknown".to_string(), Health::Unknown)
    };
    let ports: Vec<String> = arr(d, "/spec/ports")
        .iter()
        .filter_map(|p| p["containerPort"].as_i64().map(|n| format!("{n}/{}", p["protocol"].as_str().unwrap_or("TCP"))))
        .collect();
    let ready = if status["ready"] == Value::Bool(true) { "true" } else { "false" };
    let cells = vec![
        text(ready),
        Cell::Status(state.clone()),
        text(i(status, "/restartCount").to_string()),
        text(s(d, "/spec/image")),
        text(or_none(ports.join(","))),
    ];
    (cells, health, state)
}

/// The columns kubectl shows by default (priority 0), without Name (from the key).
pub fn table_columns(defs: &[ColumnDef]) -> Vec<ColumnDef> {
    defs.iter().filter(|c| c.priority == 0 && !is_name(c)).cloned().collect()
}

fn is_name(c: &ColumnDef) -> bool {
    c.format == "name" || c.name == "Name"
}

/// A row from the server's Table cells (`data.cells`), keeping the columns kubectl shows by default. Age
/// columns become live ages from the creation time; status-like words get a health.
pub fn table_row(obj: &DynamicObject, defs: &[ColumnDef]) -> Row {
    let mut cells = Vec::new();
    let mut health = Health::Ok;
    let values = obj.data["cells"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for (def, value) in defs.iter().zip(values) {
        if def.priority != 0 || is_name(def) {
            continue;
        }
        if def.name == "Age" {
            cells.push(Cell::Age(created(obj)));
            continue;
        }
        let word = match value {
            Value::String(s) => s.clone(),
            Value::Null => "<none>".into(),
            other => other.to_string(),
        };
        if matches!(def.name.as_str(), "Ready" | "Status" | "Phase" | "State") {
            health = health.max(word_health(&word));
            cells.push(Cell::Status(word));
        } else {
            cells.push(text(word));
        }
    }
    let status = cells.iter().map(|c| c.display(Timestamp::UNIX_EPOCH)).collect::<Vec<_>>().join(" ");
    Row { search: search_text(obj, &status), cells, health, sort_time: None }
}

fn word_health(word: &str) -> Health {
    match word {
        "True" | "Ready" | "Running" | "Active" | "Bound" | "Succeeded" | "Complete" | "Available" => Health::Ok,
        "False" | "Failed" | "Error" | "NotReady" | "Lost" => Health::Error,
        "Pending" | "Unknown" | "Terminating" | "<none>" => Health::Pending,
        _ => Health::Ok,
    }
}
