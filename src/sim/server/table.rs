//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: kubectl's server-side columns. Pods get the real
//! columns of `pods-table.json`; every other kind gets Name and Age, like a kind without printer columns.
use jiff::Timestamp;
use serde_json::{Value, json};

use super::columns;
use super::meta;
use super::registry::Resource;

/// Whether the client asked for a Table (kubectl lists everything that way).
pub fn wants_table(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').next().is_some_and(|first| first.contains("as=Table") && first.contains("g=meta.k8s.io"))
    })
}

/// How the row's object is included: `None`, `Metadata` (the default) or `Object`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names";
const AGE_DESCRIPTION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

fn column(name: &str, kind: &str, format: &str, description: &str, priority: u8) -> Value {
    json!({"name": name, "type": kind, "format": format, "description": description, "priority": priority})
}

fn columns(res: &Resource) -> Vec<Value> {
    if !res.printer.is_empty() {
        // A custom resource: Name, then its printer columns, as the API server builds them.
        let mut all = vec![column("Name", "string", "name", NAME_DESCRIPTION, 0)];
        all.extend(res.printer.iter().map(|c| column(c.name, c.kind, "", "", c.priority)));
        return all;
    }
    if let Some(columns) = columns::for_storage(res.storage, res.group) {
        return columns
            .iter()
            .map(|c| {
                let (format, description) = if c.name == "Name" { ("name", NAME_DESCRIPTION) } else { ("", "") };
                column(c.name, c.kind, format, description, c.priority)
            })
            .collect();
    }
    if !res.is_pods() {
        return vec![
            column("Name", "string", "name", NAME_DESCRIPTION, 0),
            column("Age", "string", "", AGE_DESCRIPTION, 0),
        ];
    }
    vec![
        column("Name", "string", "name", NAME_DESCRIPTION, 0),
        column("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0),
        column("Status", "string", "", "The aggregate status of the containers in this pod.", 0),
        column("Restarts", "integer", "", "The number of times the containers in this pod have been restarted.", 0),
        column("Age", "string", "", AGE_DESCRIPTION, 0),
        column(
            "IP",
            "string",
            "",
            "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
            1,
        ),
        column(
            "Node",
            "string",
            "",
            "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
            1,
        ),
        column(
            "Nominated Node",
            "string",
            "",
            "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
            1,
        ),
        column(
            "Readiness Gates",
            "string",
            "",
            "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/0007-pod-ready%2B%2B.md",
            1,
        ),
    ]
}

/// A Table of served objects (with kind and apiVersion), with the list's metadata.
pub fn table(res: &Resource, objects: &[Value], list_metadata: Value, include: IncludeObject, now: Timestamp) -> Value {
    let rows: Vec<Value> = objects.iter().map(|obj| row(res, obj, include, now)).collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_metadata,
        "columnDefinitions": columns(res),
        "rows": rows,
    })
}

fn row(res: &Resource, obj: &Value, include: IncludeObject, now: Timestamp) -> Value {
    let name = meta::name(obj).unwrap_or_default();
    let age = meta::meta_str(obj, "creationTimestamp")
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map_or_else(|| "<unknown>".to_string(), |t| human_duration(now.duration_since(t)));
    let (cells, conditions) = if !res.printer.is_empty() {
        let mut cells = vec![json!(name)];
        cells.extend(res.printer.iter().map(|c| printer_cell(obj, c.kind, c.json_path, now)));
        (cells, None)
    } else if res.is_pods() {
        pod_cells(obj, name, age)
    } else if let Some(columns) = columns::for_storage(res.storage, res.group) {
        (columns.iter().map(|c| (c.cell)(obj, now)).collect(), None)
    } else {
        (vec![json!(name), json!(age)], None)
    };
    let mut row = json!({"cells": cells});
    if let Some(conditions) = conditions {
        row["conditions"] = conditions;
    }
    match include {
        IncludeObject::None => {}
        IncludeObject::Object => row["object"] = obj.clone(),
        IncludeObject::Metadata => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
            });
        }
    }
    row
}

/// A printer column's cell: dates as ages (as the server prints them), absent values as null.
fn printer_cell(obj: &Value, kind: &str, path: &str, now: Timestamp) -> Value {
    let value = super::crds::json_path(obj, path).cloned().unwrap_or(Value::Null);
    match (kind, value.as_str().and_then(|s| s.parse::<Timestamp>().ok())) {
        ("date", Some(at)) => json!(human_duration(now.duration_since(at))),
        _ => value,
    }
}

fn or_none(value: Option<&str>) -> Value {
    json!(value.filter(|v| !v.is_empty()).unwrap_or("<none>"))
}

/// kubectl's pod columns, following its printer (init containers, waiting and terminated reasons,
/// Terminating).
fn pod_cells(pod: &Value, name: &str, age: String) -> (Vec<Value>, Option<Value>) {
    let statuses =
        |field: &str| pod.pointer(&format!("/status/{field}")).and_then(Value::as_array).cloned().unwrap_or_default();
    let total = pod.pointer("/spec/containers").and_then(Value::as_array).map_or(0, Vec::len);
    let init_total = pod.pointer("/spec/initContainers").and_then(Value::as_array).map_or(0, Vec::len);
    let phase = meta::str_at(pod, &["status", "phase"]).unwrap_or_default();
    let mut reason = meta::str_at(pod, &["status", "reason"]).filter(|r| !r.is_empty()).unwrap_or(phase).to_string();
    let conditions = match phase {
        "Succeeded" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]),
        ),
        "Failed" => {
            Some(json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]))
        }
        _ => None,
    };
    let count = |s: &Value| s.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
    let state_str = |s: &Value, path: &str| s.pointer(path).and_then(Value::as_str).map(str::to_string);
    let mut restarts = 0;
    let mut ready = 0;
    let mut initializing = false;
    for (i, status) in statuses("initContainerStatuses").iter().enumerate() {
        restarts += count(status);
        let terminated = status.pointer("/state/terminated");
        let exit_code = terminated.and_then(|t| t.get("exitCode")).and_then(Value::as_i64).unwrap_or(0);
        if terminated.is_some() && exit_code == 0 {
            continue;
        }
        initializing = true;
        reason = if let Some(t) = terminated {
            match state_str(t, "/reason").filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.get("signal").and_then(Value::as_i64).filter(|s| *s != 0) {
                    Some(signal) => format!("Init:Signal:{signal}"),
                    None => format!("Init:ExitCode:{exit_code}"),
                },
            }
        } else {
            match state_str(status, "/state/waiting/reason").filter(|r| !r.is_empty() && r != "PodInitializing") {
                Some(r) => format!("Init:{r}"),
                None => format!("Init:{i}/{init_total}"),
            }
        };
        break;
    }
    if !initializing {
        restarts = 0;
        let mut has_running = false;
        for status in statuses("containerStatuses").iter().rev() {
            restarts += count(status);
            let waiting = state_str(status, "/state/waiting/reason").filter(|r| !r.is_empty());
            let terminated = status.pointer("/state/terminated");
            if let Some(r) = waiting {
                reason = r;
            } else if let Some(t) = terminated {
                reason = match state_str(t, "/reason").filter(|r| !r.is_empty()) {
                    Some(r) => r,
                    None => match t.get("signal").and_then(Value::as_i64).filter(|s| *s != 0) {
                        Some(signal) => format!("Signal:{signal}"),
                        None => format!("ExitCode:{}", t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)),
                    },
                };
            } else if status.get("ready").and_then(Value::as_bool) == Some(true)
                && status.pointer("/state/running").is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".into();
        }
    }
    if meta::is_terminating(pod) {
        reason = if meta::str_at(pod, &["status", "reason"]) == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    let gates = pod.pointer("/spec/readinessGates").and_then(Value::as_array).cloned().unwrap_or_default();
    let gates_cell = if gates.is_empty() {
        json!("<none>")
    } else {
        let conditions = statuses("conditions");
        let true_gates = gates
            .iter()
            .filter(|g| {
                let wanted = g.get("conditionType");
                conditions
                    .iter()
                    .any(|c| c.get("type") == wanted && c.get("status").and_then(Value::as_str) == Some("True"))
            })
            .count();
        json!(format!("{true_gates}/{}", gates.len()))
    };
    let cells = vec![
        json!(name),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts),
        json!(age),
        or_none(meta::str_at(pod, &["status", "podIP"])),
        or_none(meta::str_at(pod, &["spec", "nodeName"])),
        or_none(meta::str_at(pod, &["status", "nominatedNodeName"])),
        gates_cell,
    ];
    (cells, conditions)
}

/// Kubernetes' `duration.HumanDuration`, the same as the UI's ages.
pub use crate::analysis::age::human_duration;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::server::{Flavour, registry};
    use jiff::SignedDuration;

    use crate::sim::server::fixture;

    #[test]
    fn pod_table_matches_the_real_server() {
        let list = fixture("pods-list.json");
        let expected = fixture("pods-table.json");
        let pods = registry::find(Flavour::V1_19, "", "v1", "pods").expect("pods");
        let created: Timestamp =
            list["items"][0]["metadata"]["creationTimestamp"].as_str().expect("ts").parse().expect("ts");
        let now = created.checked_add(SignedDuration::from_secs(93)).expect("now");
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let ours = table(pods, &items, expected["metadata"].clone(), IncludeObject::Metadata, now);
        assert_eq!(ours["columnDefinitions"], expected["columnDefinitions"]);
        for (got, want) in
            ours["rows"].as_array().into_iter().flatten().zip(expected["rows"].as_array().into_iter().flatten())
        {
            assert_eq!(got["cells"], want["cells"]);
            assert_eq!(got["object"]["metadata"]["name"], want["object"]["metadata"]["name"]);
        }
    }

    #[test]
    fn human_durations_follow_kubernetes() {
        let cases = [
            (93, "93s"),
            (302, "5m2s"),
            (600, "10m"),
            (3 * 3600 + 240, "3h4m"),
            (20 * 3600, "20h"),
            (51 * 3600, "2d3h"),
            (400 * 86400, "400d"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(SignedDuration::from_secs(secs)), want, "{secs}");
        }
    }

    #[test]
    fn only_table_requests_get_tables() {
        assert!(wants_table(Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")));
        assert!(!wants_table(Some("application/json")));
        assert!(!wants_table(None));
    }
}
