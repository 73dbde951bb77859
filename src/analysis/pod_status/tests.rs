use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::*;

const PODS_LIST: &str = include_str!("../../../tests/fixtures/real-1.19/pods-list.json");
const PODS_TABLE: &str = include_str!("../../../tests/fixtures/real-1.19/pods-table.json");
const PODS_WATCH: &str = include_str!("../../../tests/fixtures/real-1.19/pods-watch-stream.jsonl");

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp")
}

/// Long after every timestamp in the synthetic pods, so no restart counts as recent.
fn later() -> Timestamp {
    ts("2026-11-22T06:00:00Z")
}

/// The server's own kubectl columns for one pod.
struct TableRow {
    ready: String,
    status: String,
    restarts: u64,
    age: String,
    node: String,
}

/// `pods-table.json` by pod name: `Name, Ready, Status, Restarts, Age, IP, Node, …`.
fn server_table() -> HashMap<String, TableRow> {
    let table: Value = serde_json::from_str(PODS_TABLE).expect("pods-table.json parses");
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .expect("columnDefinitions")
        .iter()
        .map(|c| c["name"].as_str().expect("column name"))
        .collect();
    assert_eq!(columns[..7], ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"]);
    table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let cells = row["cells"].as_array().expect("cells");
            let text = |i: usize| cells[i].as_str().expect("string cell").to_string();
            let restarts = cells[3].as_u64().expect("integer restarts");
            let row = TableRow { ready: text(1), status: text(2), restarts, age: text(4), node: text(6) };
            (text(0), row)
        })
        .collect()
}

fn assert_matches_table(pod: &Pod, row: &TableRow, now: Timestamp) {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let summary = pod_summary(pod, now);
    assert_eq!(summary.status, row.status, "{name}: status");
    assert_eq!(summary.ready_display(), row.ready, "{name}: ready");
    assert_eq!(u64::from(summary.restarts), row.restarts, "{name}: restarts");
    let node = summary.node.as_deref().unwrap_or("<none>");
    assert_eq!(node, row.node, "{name}: node");
    let created = pod.metadata.creation_timestamp.as_ref().expect("creationTimestamp").0;
    assert_eq!(human_age(created, now), row.age, "{name}: age");
}

/// The table was served 93 seconds after the pods were created at 03:31:05.
fn table_served_at() -> Timestamp {
    ts("2026-11-22T03:32:38Z")
}

#[test]
fn every_listed_pod_matches_the_servers_kubectl_columns() {
    let list: List<Pod> = serde_json::from_str(PODS_LIST).expect("pods-list.json parses");
    let table = server_table();
    assert_eq!(list.items.len(), table.len(), "one table row per listed pod");
    assert_eq!(list.items.len(), 6);
    for pod in &list.items {
        let name = pod.metadata.name.as_deref().expect("name");
        let row = table.get(name).unwrap_or_else(|| panic!("no table row for {name}"));
        assert_matches_table(pod, row, table_served_at());
    }
}

#[test]
fn every_watched_pod_matches_the_servers_kubectl_columns() {
    let table = server_table();
    let mut seen = 0;
    for line in PODS_WATCH.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line).expect("watch line parses");
        if event["object"]["kind"] != "Pod" {
            continue;
        }
        let pod: Pod = serde_json::from_value(event["object"].clone()).expect("watched pod parses");
        let name = pod.metadata.name.as_deref().expect("name");
        let row = table.get(name).unwrap_or_else(|| panic!("no table row for {name}"));
        assert_matches_table(&pod, row, table_served_at());
        seen += 1;
    }
    assert!(seen > 0, "the watch stream holds pods");
}

#[test]
fn the_real_pods_get_their_health() {
    let list: List<Pod> = serde_json::from_str(PODS_LIST).expect("pods-list.json parses");
    let health: HashMap<&str, Health> = list
        .items
        .iter()
        .map(|p| {
            let name = p.metadata.name.as_deref().expect("name");
            let app = name.split('-').next().unwrap_or(name);
            (app, pod_summary(p, table_served_at()).health)
        })
        .collect();
    assert_eq!(health["frontend"], Health::Ok);
    assert_eq!(health["billing"], Health::Ok);
    assert_eq!(health["orders"], Health::Error);
    assert_eq!(health["search"], Health::Error);
    assert_eq!(health["reports"], Health::Pending);
}

#[test]
fn the_crash_looping_real_pod_shows_when_it_last_restarted() {
    let list: List<Pod> = serde_json::from_str(PODS_LIST).expect("pods-list.json parses");
    let orders = list
        .items
        .iter()
        .find(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with("orders-")))
        .expect("orders pod");
    let summary = pod_summary(orders, table_served_at());
    assert_eq!(summary.last_restart, Some(ts("2026-11-22T03:32:01Z")));
    assert_eq!(summary.restarts_display(table_served_at()), "3 (37s ago)");
}

// Synthetic pods, one per branch of printPod.

fn pod(value: Value) -> Pod {
    serde_json::from_value(value).expect("synthetic pod parses")
}

fn summary(value: Value) -> PodSummary {
    pod_summary(&pod(value), later())
}

fn running() -> Value {
    json!({"running": {"startedAt": "2026-11-22T03:00:00Z"}})
}

fn waiting(reason: &str) -> Value {
    json!({"waiting": {"reason": reason}})
}

fn terminated(exit_code: i32, reason: Option<&str>, signal: Option<i32>) -> Value {
    let mut t = json!({"exitCode": exit_code, "finishedAt": "2026-11-22T03:10:00Z"});
    if let Some(reason) = reason {
        t["reason"] = json!(reason);
    }
    if let Some(signal) = signal {
        t["signal"] = json!(signal);
    }
    json!({ "terminated": t })
}

fn container_status(name: &str, state: Value, ready: bool, restarts: i32) -> Value {
    json!({
        "name": name, "state": state, "ready": ready, "restartCount": restarts,
        "image": "img", "imageID": "",
    })
}

fn conditions(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(t, s)| json!({"type": t, "status": s})).collect())
}

/// A pod with one init container `init` and one container `app`.
fn init_pod(init_state: Value, app_state: Value, initialized: &str) -> Value {
    json!({
        "metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "init"}], "containers": [{"name": "app"}]},
        "status": {
            "phase": "Pending",
            "conditions": conditions(&[("Initialized", initialized), ("Ready", "False")]),
            "initContainerStatuses": [container_status("init", init_state, false, 0)],
            "containerStatuses": [container_status("app", app_state, false, 0)],
        },
    })
}

/// A pod with the given container statuses; its spec names the same containers.
fn app_pod(phase: &str, statuses: Vec<Value>, conds: &[(&str, &str)]) -> Value {
    let containers: Vec<Value> = statuses.iter().map(|s| json!({"name": s["name"]})).collect();
    json!({
        "metadata": {"name": "p"},
        "spec": {"containers": containers, "nodeName": "node-a"},
        "status": {"phase": phase, "conditions": conditions(conds), "containerStatuses": statuses},
    })
}

#[test]
fn init_progress_counts_init_containers() {
    let s = summary(init_pod(running(), waiting("PodInitializing"), "False"));
    assert_eq!((s.status.as_str(), s.ready), ("Init:0/1", (0, 1)));
    assert_eq!(s.health, Health::Pending);

    let s = summary(json!({
        "metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "app"}]},
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                container_status("a", terminated(0, Some("Completed"), None), false, 0),
                container_status("b", running(), false, 0),
            ],
            "containerStatuses": [container_status("app", waiting("PodInitializing"), false, 0)],
        },
    }));
    assert_eq!(s.status, "Init:1/2");
    assert_eq!(s.health, Health::Pending);
}

#[test]
fn an_init_container_waiting_for_pod_initializing_is_progress() {
    let s = summary(init_pod(waiting("PodInitializing"), waiting("PodInitializing"), "False"));
    assert_eq!(s.status, "Init:0/1");
}

#[test]
fn a_crash_looping_init_container_counts_its_restarts() {
    let mut p = init_pod(waiting("CrashLoopBackOff"), waiting("PodInitializing"), "False");
    p["status"]["initContainerStatuses"][0]["restartCount"] = json!(4);
    p["status"]["initContainerStatuses"][0]["lastState"] = terminated(1, Some("Error"), None);
    let s = summary(p);
    assert_eq!(s.status, "Init:CrashLoopBackOff");
    assert_eq!(s.restarts, 4);
    assert_eq!(s.last_restart, Some(ts("2026-11-22T03:10:00Z")));
    assert_eq!(s.restarts_display(ts("2026-11-22T03:12:00Z")), "4 (2m ago)");
    assert_eq!(s.health, Health::Error);
}

#[test]
fn a_failed_init_container_shows_its_reason_exit_code_or_signal() {
    let cases = [
        (terminated(1, None, None), "Init:ExitCode:1"),
        (terminated(137, None, Some(9)), "Init:Signal:9"),
        (terminated(1, Some("Error"), None), "Init:Error"),
    ];
    for (state, want) in cases {
        let s = summary(init_pod(state, waiting("PodInitializing"), "False"));
        assert_eq!(s.status, want);
        assert_eq!(s.health, Health::Error, "{want}");
    }
}

#[test]
fn pod_initializing_once_init_containers_finished() {
    let s = summary(init_pod(terminated(0, Some("Completed"), None), waiting("PodInitializing"), "True"));
    assert_eq!(s.status, "PodInitializing");
    assert_eq!(s.health, Health::Pending);
}

#[test]
fn container_states_name_the_status() {
    let cases = [
        ("Pending", waiting("ContainerCreating"), "ContainerCreating", Health::Pending),
        ("Running", waiting("CrashLoopBackOff"), "CrashLoopBackOff", Health::Error),
        ("Pending", waiting("ImagePullBackOff"), "ImagePullBackOff", Health::Error),
        ("Pending", waiting("CreateContainerConfigError"), "CreateContainerConfigError", Health::Error),
        ("Failed", terminated(137, Some("OOMKilled"), None), "OOMKilled", Health::Error),
        ("Failed", terminated(137, None, Some(9)), "Signal:9", Health::Error),
        ("Failed", terminated(2, None, None), "ExitCode:2", Health::Error),
        ("Succeeded", terminated(0, Some("Completed"), None), "Completed", Health::Completed),
    ];
    for (phase, state, want, health) in cases {
        let s = summary(app_pod(phase, vec![container_status("app", state, false, 0)], &[]));
        assert_eq!(s.status, want);
        assert_eq!(s.ready, (0, 1), "{want}");
        assert_eq!(s.health, health, "{want}");
    }
}

#[test]
fn a_running_pod_is_ok_only_when_every_container_is_ready() {
    let all = summary(app_pod(
        "Running",
        vec![container_status("a", running(), true, 0), container_status("b", running(), true, 0)],
        &[("Ready", "True")],
    ));
    assert_eq!((all.status.as_str(), all.ready, all.health), ("Running", (2, 2), Health::Ok));
    assert_eq!(all.node.as_deref(), Some("node-a"));

    let some = summary(app_pod(
        "Running",
        vec![container_status("a", running(), true, 0), container_status("b", running(), false, 0)],
        &[("Ready", "False")],
    ));
    assert_eq!((some.status.as_str(), some.ready, some.health), ("Running", (1, 2), Health::Warning));
}

#[test]
fn a_completed_container_beside_a_running_one_is_running_or_not_ready() {
    let statuses = || {
        vec![
            container_status("job", terminated(0, Some("Completed"), None), false, 0),
            container_status("server", running(), true, 0),
        ]
    };
    let ready = summary(app_pod("Running", statuses(), &[("Ready", "True")]));
    assert_eq!((ready.status.as_str(), ready.ready), ("Running", (1, 2)));

    let not_ready = summary(app_pod("Running", statuses(), &[("Ready", "False")]));
    assert_eq!(not_ready.status, "NotReady");
    assert_eq!(not_ready.health, Health::Warning);
}

#[test]
fn the_first_container_has_the_last_word() {
    let s = summary(app_pod(
        "Running",
        vec![
            container_status("a", waiting("ImagePullBackOff"), false, 0),
            container_status("b", waiting("CrashLoopBackOff"), false, 2),
        ],
        &[],
    ));
    assert_eq!(s.status, "ImagePullBackOff");
    assert_eq!(s.restarts, 2);
}

#[test]
fn deletion_makes_a_pod_terminating_unless_it_finished() {
    let mut p = app_pod("Running", vec![container_status("a", running(), true, 0)], &[("Ready", "True")]);
    p["metadata"]["deletionTimestamp"] = json!("2026-11-22T03:20:00Z");
    let s = summary(p);
    assert_eq!((s.status.as_str(), s.ready, s.health), ("Terminating", (1, 1), Health::Warning));

    let mut done =
        app_pod("Succeeded", vec![container_status("a", terminated(0, Some("Completed"), None), false, 0)], &[]);
    done["metadata"]["deletionTimestamp"] = json!("2026-11-22T03:20:00Z");
    assert_eq!(summary(done).status, "Completed");
}

#[test]
fn a_deleted_pod_on_a_lost_node_is_unknown() {
    let mut p = app_pod("Running", vec![container_status("a", running(), true, 0)], &[("Ready", "False")]);
    p["metadata"]["deletionTimestamp"] = json!("2026-11-22T03:20:00Z");
    p["status"]["reason"] = json!("NodeLost");
    let s = summary(p);
    assert_eq!((s.status.as_str(), s.health), ("Unknown", Health::Unknown));
}

#[test]
fn status_reason_replaces_the_phase() {
    let s = summary(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."},
    }));
    assert_eq!((s.status.as_str(), s.ready, s.health), ("Evicted", (0, 1), Health::Error));
}

#[test]
fn a_pod_waiting_for_its_scheduling_gates_says_so() {
    let s = summary(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app"}], "schedulingGates": [{"name": "example.com/quota"}]},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
        },
    }));
    assert_eq!((s.status.as_str(), s.health), ("SchedulingGated", Health::Pending));
    assert_eq!(s.node, None);

    let unschedulable = summary(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}],
        },
    }));
    assert_eq!(unschedulable.status, "Pending");
}

/// A pod with a sidecar `proxy` (restartable init container), a regular init container `migrate`, and `app`.
fn sidecar_pod(proxy_started: bool) -> Value {
    let mut proxy = container_status("proxy", running(), proxy_started, 2);
    proxy["started"] = json!(proxy_started);
    proxy["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T03:05:00Z"}});
    let mut migrate = container_status("migrate", terminated(0, Some("Completed"), None), false, 5);
    // The latest termination of all, but a finished init container no longer counts once initialised.
    migrate["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T03:30:00Z"}});
    let mut app = container_status("app", running(), true, 1);
    app["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T03:15:00Z"}});
    json!({
        "metadata": {"name": "p"},
        "spec": {
            "initContainers": [{"name": "proxy", "restartPolicy": "Always"}, {"name": "migrate"}],
            "containers": [{"name": "app"}],
        },
        "status": {
            "phase": "Running",
            "conditions": conditions(&[("Initialized", "True"), ("Ready", "True")]),
            "initContainerStatuses": [proxy, migrate],
            "containerStatuses": [app],
        },
    })
}

#[test]
fn sidecars_count_as_containers_and_keep_their_restarts() {
    let s = summary(sidecar_pod(true));
    assert_eq!(s.status, "Running");
    assert_eq!(s.ready_display(), "2/2");
    // proxy's 2 and app's 1; migrate's 5 are dropped once the pod is initialised.
    assert_eq!(s.restarts, 3);
    assert_eq!(s.last_restart, Some(ts("2026-11-22T03:15:00Z")));
    assert_eq!(s.health, Health::Ok);
}

#[test]
fn a_sidecar_that_has_not_started_holds_initialisation() {
    let mut p = sidecar_pod(false);
    p["status"]["conditions"] = conditions(&[("Initialized", "False"), ("Ready", "False")]);
    p["status"]["containerStatuses"][0] = container_status("app", waiting("PodInitializing"), false, 0);
    let s = summary(p);
    assert_eq!(s.status, "Init:0/2");
    assert_eq!(s.ready_display(), "0/2");
    // While initialising kubectl counts every init container's restarts seen so far.
    assert_eq!(s.restarts, 2);
    assert_eq!(s.health, Health::Pending);
}

#[test]
fn restarts_display_follows_kubectl() {
    let mut p = app_pod("Running", vec![container_status("a", running(), true, 5)], &[("Ready", "True")]);
    let no_last_state = summary(p.clone());
    assert_eq!(no_last_state.restarts_display(later()), "5");

    p["status"]["containerStatuses"][0]["lastState"] = terminated(1, Some("Error"), None);
    let s = pod_summary(&pod(p), later());
    assert_eq!(s.restarts_display(ts("2026-11-22T03:13:00Z")), "5 (3m ago)");

    let none = summary(app_pod("Running", vec![container_status("a", running(), true, 0)], &[]));
    assert_eq!(none.restarts_display(later()), "0");
}

#[test]
fn a_recent_restart_turns_a_healthy_pod_into_a_warning() {
    let mut p = app_pod("Running", vec![container_status("a", running(), true, 1)], &[("Ready", "True")]);
    p["status"]["containerStatuses"][0]["lastState"] = terminated(1, Some("Error"), None);
    let p = pod(p);
    assert_eq!(pod_summary(&p, ts("2026-11-22T03:12:00Z")).health, Health::Warning);
    assert_eq!(pod_summary(&p, ts("2026-11-22T03:30:00Z")).health, Health::Ok);
}

#[test]
fn status_health_table() {
    let cases: &[(&str, (u32, u32), Health)] = &[
        ("Running", (1, 1), Health::Ok),
        ("Running", (0, 1), Health::Warning),
        ("NotReady", (0, 1), Health::Warning),
        ("Terminating", (1, 1), Health::Warning),
        ("Completed", (0, 1), Health::Completed),
        ("ExitCode:0", (0, 1), Health::Completed),
        ("Unknown", (1, 1), Health::Unknown),
        ("Pending", (0, 1), Health::Pending),
        ("ContainerCreating", (0, 1), Health::Pending),
        ("PodInitializing", (0, 1), Health::Pending),
        ("SchedulingGated", (0, 1), Health::Pending),
        ("Init:0/1", (0, 1), Health::Pending),
        ("Init:12/13", (0, 1), Health::Pending),
        ("Init:ContainerCreating", (0, 1), Health::Pending),
        ("Init:CrashLoopBackOff", (0, 1), Health::Error),
        ("Init:ImagePullBackOff", (0, 1), Health::Error),
        ("Init:ExitCode:1", (0, 1), Health::Error),
        ("Init:Signal:9", (0, 1), Health::Error),
        ("CrashLoopBackOff", (0, 1), Health::Error),
        ("Error", (0, 1), Health::Error),
        ("ErrImagePull", (0, 1), Health::Error),
        ("ImagePullBackOff", (0, 1), Health::Error),
        ("OOMKilled", (0, 1), Health::Error),
        ("CreateContainerConfigError", (0, 1), Health::Error),
        ("Evicted", (0, 1), Health::Error),
        ("OutOfcpu", (0, 1), Health::Error),
        ("ExitCode:2", (0, 1), Health::Error),
        ("Signal:9", (0, 1), Health::Error),
        ("SomeNewKubeletReason", (0, 1), Health::Warning),
    ];
    for &(status, ready, want) in cases {
        assert_eq!(status_health(status, ready), want, "{status} {ready:?}");
    }
}

/// After a sandbox restart an init container runs again while the pod stays initialised; kubectl then reads
/// the app containers.
#[test]
fn an_initialised_pod_reads_its_containers_even_while_an_init_container_reruns() {
    let mut p = init_pod(running(), waiting("CrashLoopBackOff"), "True");
    p["status"]["initContainerStatuses"][0]["restartCount"] = json!(1);
    p["status"]["containerStatuses"][0]["restartCount"] = json!(6);
    let s = summary(p);
    assert_eq!(s.status, "CrashLoopBackOff");
    assert_eq!(s.restarts, 6);
}
