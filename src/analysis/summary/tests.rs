use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::List;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Namespace, Service};
use serde_json::json;

use super::*;

const DEPLOYMENTS: &str = include_str!("../../../tests/fixtures/real-1.19/deployments-list.json");
const SERVICES: &str = include_str!("../../../tests/fixtures/real-1.19/services-list.json");
const EVENTS: &str = include_str!("../../../tests/fixtures/real-1.19/events-core-v1.json");

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp")
}

fn by_name<T, S>(items: &[T], name: impl Fn(&T) -> Option<&String>, f: impl Fn(&T) -> S) -> HashMap<String, S> {
    items.iter().map(|item| (name(item).cloned().expect("name"), f(item))).collect()
}

#[test]
fn real_deployments_read_as_kubectl_prints_them() {
    let list: List<Deployment> = serde_json::from_str(DEPLOYMENTS).expect("deployments-list.json parses");
    let rows = by_name(&list.items, |d| d.metadata.name.as_ref(), deployment_summary);
    assert_eq!(rows.len(), 5);
    // name, READY, UP-TO-DATE, AVAILABLE, health
    let want = [
        ("billing", "1/1", 1, 1, Health::Ok),
        ("frontend", "2/2", 2, 2, Health::Ok),
        ("orders", "0/1", 1, 0, Health::Error),
        ("reports", "0/1", 1, 0, Health::Error),
        ("search", "0/1", 1, 0, Health::Error),
    ];
    for (name, ready, up_to_date, available, health) in want {
        let row = &rows[name];
        assert_eq!(row.ready, ready, "{name}");
        assert_eq!(row.up_to_date, up_to_date, "{name}");
        assert_eq!(row.available, available, "{name}");
        assert_eq!(row.health, health, "{name}");
    }
}

fn deployment(value: serde_json::Value) -> Deployment {
    serde_json::from_value(value).expect("synthetic deployment parses")
}

#[test]
fn a_rollout_in_progress_is_a_warning_and_a_stuck_one_an_error() {
    let base = json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {}, "template": {}},
        "status": {"replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3},
    });
    let rolling = deployment_summary(&deployment(base.clone()));
    assert_eq!((rolling.ready.as_str(), rolling.up_to_date, rolling.health), ("3/3", 1, Health::Warning));

    let mut stuck = base;
    stuck["status"]["conditions"] = json!([
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    ]);
    assert_eq!(deployment_summary(&deployment(stuck)).health, Health::Error);

    let scaled_to_zero = deployment(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 0, "selector": {}, "template": {}},
        "status": {},
    }));
    let row = deployment_summary(&scaled_to_zero);
    assert_eq!((row.ready.as_str(), row.health), ("0/0", Health::Ok));
}

#[test]
fn real_services_read_as_kubectl_prints_them() {
    let list: List<Service> = serde_json::from_str(SERVICES).expect("services-list.json parses");
    let rows = by_name(&list.items, |s| s.metadata.name.as_ref(), service_summary);
    let want = [("billing", "10.96.39.62"), ("frontend", "10.96.247.196"), ("orders", "10.96.103.150")];
    assert_eq!(rows.len(), want.len());
    for (name, cluster_ip) in want {
        let row = &rows[name];
        assert_eq!(row.type_, "ClusterIP", "{name}");
        assert_eq!(row.cluster_ip, cluster_ip, "{name}");
        assert_eq!(row.external_ip, "<none>", "{name}");
        assert_eq!(row.ports, "80/TCP", "{name}");
        assert_eq!(row.health, Health::Ok, "{name}");
    }
}

fn service(spec: serde_json::Value, status: serde_json::Value) -> Service {
    serde_json::from_value(json!({"metadata": {"name": "s"}, "spec": spec, "status": status}))
        .expect("synthetic service parses")
}

#[test]
fn service_columns_follow_kubectl() {
    let node_port = service_summary(&service(
        json!({
            "type": "NodePort", "clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1", "fd00::1"],
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "nodePort": 30443, "protocol": "TCP"},
                      {"port": 53, "protocol": "UDP"}],
        }),
        json!({}),
    ));
    assert_eq!(node_port.ports, "80/TCP,443:30443/TCP,53/UDP");
    assert_eq!(node_port.cluster_ip, "10.0.0.1");
    assert_eq!(node_port.external_ip, "<none>");

    let pending = service_summary(&service(
        json!({"type": "LoadBalancer", "clusterIP": "10.0.0.2", "ports": [{"port": 80, "nodePort": 31000}]}),
        json!({"loadBalancer": {}}),
    ));
    assert_eq!((pending.external_ip.as_str(), pending.health), ("<pending>", Health::Pending));
    assert_eq!(pending.ports, "80:31000/TCP");

    let balanced = service_summary(&service(
        json!({"type": "LoadBalancer", "clusterIP": "10.0.0.3", "externalIPs": ["192.0.2.9"]}),
        json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "a.example"}]}}),
    ));
    // kubectl sorts the load balancer addresses and clips them to 16 bytes outside -o wide.
    assert_eq!(balanced.external_ip, "203.0.113.7,a...,192.0.2.9");
    assert_eq!(balanced.ports, "<none>");
    assert_eq!(balanced.health, Health::Ok);

    let external =
        service_summary(&service(json!({"type": "ExternalName", "externalName": "db.example.com"}), json!({})));
    assert_eq!((external.cluster_ip.as_str(), external.external_ip.as_str()), ("<none>", "db.example.com"));

    let headless = service_summary(&service(json!({"clusterIP": "None", "clusterIPs": ["None"]}), json!({})));
    assert_eq!((headless.type_.as_str(), headless.cluster_ip.as_str()), ("ClusterIP", "None"));
}

fn event(value: serde_json::Value) -> Event {
    serde_json::from_value(value).expect("synthetic event parses")
}

#[test]
fn every_real_event_reads_as_kubectl_prints_it() {
    let list: List<Event> = serde_json::from_str(EVENTS).expect("events-core-v1.json parses");
    assert_eq!(list.items.len(), 37);
    let now = ts("2026-11-22T03:33:00Z");
    for e in &list.items {
        let row = event_summary(e, now);
        let name = e.metadata.name.as_deref().unwrap_or_default();
        let involved = &e.involved_object;
        let kind = involved.kind.as_deref().expect("kind").to_lowercase();
        assert_eq!(row.object, format!("{kind}/{}", involved.name.as_deref().expect("name")), "{name}");
        assert_ne!(row.last_seen, "<unknown>", "{name}");
        assert!(row.count >= 1, "{name}");
        assert_eq!(row.type_, e.type_.as_deref().expect("type"), "{name}");
        assert_eq!(row.health == Health::Warning, row.type_ == "Warning", "{name}");
        assert_eq!(row.message, e.message.as_deref().expect("message").trim(), "{name}");
    }

    let find = |reason: &str, object: &str| {
        list.items
            .iter()
            .map(|e| event_summary(e, now))
            .filter(|r| r.reason == reason && r.object.starts_with(object))
            .collect::<Vec<_>>()
    };
    // A core/v1 event with lastTimestamp and count.
    let back_off = find("BackOff", "pod/orders-");
    assert_eq!(back_off.len(), 1);
    assert_eq!((back_off[0].last_seen.as_str(), back_off[0].count), ("47s", 15));
    assert_eq!(back_off[0].last_seen_at, Some(ts("2026-11-22T03:32:13Z")));

    // The scheduler writes events.k8s.io events: eventTime only, then a series.
    let scheduled = find("Scheduled", "pod/billing-");
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0].last_seen_at, Some(ts("2026-11-22T03:31:05.715125Z")));
    assert_eq!((scheduled[0].last_seen.as_str(), scheduled[0].count), ("114s", 1));

    let mut failed = find("FailedScheduling", "pod/reports-");
    failed.sort_by_key(|r| r.last_seen_at);
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[1].last_seen_at, Some(ts("2026-11-22T03:32:16.077067Z")));
    assert_eq!((failed[1].last_seen.as_str(), failed[1].count), ("43s", 1));
    assert_eq!(failed[1].health, Health::Warning);
}

#[test]
fn event_times_fall_back_as_kubectl_does() {
    let now = ts("2026-11-22T04:00:00Z");
    let series = event_summary(
        &event(json!({
            "metadata": {"name": "e"}, "involvedObject": {"kind": "Node"},
            "type": "Normal", "reason": "Rebooted", "message": "  rebooted\n",
            "eventTime": "2026-11-22T03:00:00.000001Z",
            "series": {"count": 7, "lastObservedTime": "2026-11-22T03:58:00.5Z"},
        })),
        now,
    );
    assert_eq!(series.object, "node");
    assert_eq!(series.message, "rebooted");
    assert_eq!((series.last_seen.as_str(), series.count), ("119s", 7));

    let first_only = event_summary(
        &event(json!({
            "metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "firstTimestamp": "2026-11-22T03:00:00Z", "count": 0,
        })),
        now,
    );
    assert_eq!((first_only.last_seen.as_str(), first_only.count), ("60m", 1));
    assert_eq!(first_only.health, Health::Unknown);

    let timeless =
        event_summary(&event(json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"}})), now);
    assert_eq!((timeless.last_seen.as_str(), timeless.last_seen_at), ("<unknown>", None));
}

#[test]
fn namespace_status_is_its_phase() {
    let ns = |phase: serde_json::Value| -> Namespace {
        serde_json::from_value(json!({"metadata": {"name": "n"}, "status": {"phase": phase}}))
            .expect("namespace parses")
    };
    let active = namespace_summary(&ns(json!("Active")));
    assert_eq!((active.status.as_str(), active.health), ("Active", Health::Ok));
    let terminating = namespace_summary(&ns(json!("Terminating")));
    assert_eq!((terminating.status.as_str(), terminating.health), ("Terminating", Health::Warning));
    let missing = namespace_summary(&ns(serde_json::Value::Null));
    assert_eq!((missing.status.as_str(), missing.health), ("", Health::Unknown));
}

#[test]
fn access_modes_are_abbreviated_as_kubectl_prints_them() {
    let modes = serde_json::json!(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod", "Future"]);
    assert_eq!(access_modes(modes.as_array().unwrap()), "RWO,ROX,RWX,RWOP,Future");
    assert_eq!(access_modes(&[]), "");
}
