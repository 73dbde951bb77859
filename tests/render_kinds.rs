//! Tier 2: one snapshot per typed view at 120x40, from small objects shaped like a real server's, plus a
//! discovered kind shown with its Table columns and a drilled-down list.
use crate::support::screen::now;
use kube::api::DynamicObject;
use mosaic::app::{ContextInfo, Data, Msg, State, update};
use mosaic::cluster::table_watch::ColumnDef;
use mosaic::cluster::{Kind, Scope, WatchState, WatchUpdate, resources};
use mosaic::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

fn state() -> State {
    let info = ContextInfo {
        context: "kind-acme".into(),
        user: "admin".into(),
        server: "https://127.0.0.1:6443".into(),
        server_version: "v1.33.1".into(),
        namespace: "shop".into(),
        contexts: vec!["kind-acme".into()],
        demo: false,
        readonly: false,
    };
    State::new(info, Scope::Namespace("shop".into()), now())
}

fn meta(name: &str, extra: Value) -> Value {
    let mut m = json!({"name": name, "namespace": "shop", "creationTimestamp": "2026-11-08T03:35:00Z", "uid": name});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    m
}

fn cluster_meta(name: &str, extra: Value) -> Value {
    let mut m = meta(name, extra);
    m.as_object_mut().map(|m| m.remove("namespace"));
    m
}

/// A few objects of each typed kind: a healthy one and one that shows the kind's trouble colour.
fn objects(kind: Kind) -> Vec<Value> {
    let o = |name: &str, body: Value| {
        let mut v = body;
        v["metadata"] = meta(name, json!({}));
        v
    };
    let c = |name: &str, body: Value| {
        let mut v = body;
        v["metadata"] = cluster_meta(name, json!({}));
        v
    };
    match kind {
        Kind::ReplicaSet => vec![
            o("web-7d9f", json!({"spec": {"replicas": 3}, "status": {"replicas": 3, "readyReplicas": 3}})),
            o("cart-5c6b", json!({"spec": {"replicas": 2}, "status": {"replicas": 2, "readyReplicas": 1}})),
        ],
        Kind::StatefulSet => vec![o("redis", json!({"spec": {"replicas": 1}, "status": {"readyReplicas": 1}}))],
        Kind::DaemonSet => vec![o(
            "log-agent",
            json!({"status": {"desiredNumberScheduled": 3,
            "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2}}),
        )],
        Kind::Job => vec![
            o(
                "report-1",
                json!({"spec": {"completions": 1}, "status": {"succeeded": 1,
                "conditions": [{"type": "Complete", "status": "True"}]}}),
            ),
            o(
                "report-2",
                json!({"spec": {"completions": 1}, "status": {"failed": 6,
                "conditions": [{"type": "Failed", "status": "True"}]}}),
            ),
            o("report-3", json!({"spec": {"completions": 3}, "status": {"active": 1, "succeeded": 1}})),
        ],
        Kind::CronJob => vec![
            o(
                "nightly",
                json!({"spec": {"schedule": "0 2 * * *"}, "status": {"lastScheduleTime": "2026-11-22T02:00:00Z"}}),
            ),
            o("paused", json!({"spec": {"schedule": "*/5 * * * *", "suspend": true}})),
        ],
        Kind::Endpoints => vec![
            o(
                "web",
                json!({"subsets": [{"addresses": [{"ip": "10.244.0.5"}, {"ip": "10.244.1.6"}], "ports": [{"port": 8080}]}]}),
            ),
            o("recommendations", json!({})),
        ],
        Kind::EndpointSlice => vec![o(
            "web-abcde",
            json!({"addressType": "IPv4", "ports": [{"port": 8080}],
            "endpoints": [{"addresses": ["10.244.0.5"]}]}),
        )],
        Kind::Ingress => vec![o(
            "storefront",
            json!({"spec": {"ingressClassName": "nginx",
            "rules": [{"host": "shop.example.com"}], "tls": [{"hosts": ["shop.example.com"]}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}}),
        )],
        Kind::NetworkPolicy => vec![
            o("default-deny", json!({"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})),
            o(
                "web-from-anywhere",
                json!({"spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"]}}),
            ),
        ],
        Kind::ConfigMap => vec![o("storefront-config", json!({"data": {"a": "1", "b": "2"}}))],
        Kind::Secret => {
            vec![o("cart-redis", json!({"type": "Opaque", "data": {"password": "c2VjcmV0", "user": "YWRtaW4="}}))]
        }
        Kind::PersistentVolume => vec![c(
            "pvc-0a1b",
            json!({"spec": {"capacity": {"storage": "5Gi"},
            "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
            "claimRef": {"namespace": "shop", "name": "uploads"}}, "status": {"phase": "Bound"}}),
        )],
        Kind::PersistentVolumeClaim => vec![
            o(
                "uploads",
                json!({"spec": {"volumeName": "pvc-0a1b", "storageClassName": "standard"},
                "status": {"phase": "Bound", "capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"]}}),
            ),
            o("scratch", json!({"spec": {"storageClassName": "fast"}, "status": {"phase": "Pending"}})),
        ],
        Kind::StorageClass => {
            let mut sc = c(
                "standard",
                json!({"provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                "volumeBindingMode": "Immediate"}),
            );
            sc["metadata"]["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
            vec![sc]
        }
        Kind::Node => {
            let node = |name: &str, ready: &str, unschedulable: bool, taints: usize, role: Option<&str>| {
                let mut n = c(
                    name,
                    json!({"spec": {"unschedulable": unschedulable,
                    "taints": vec![json!({"key": "k", "effect": "NoSchedule"}); taints]},
                    "status": {"conditions": [{"type": "Ready", "status": ready}],
                        "allocatable": {"cpu": "4", "memory": "16Gi"}, "nodeInfo": {"kubeletVersion": "v1.33.1"}}}),
                );
                if let Some(role) = role {
                    n["metadata"]["labels"] = json!({format!("node-role.kubernetes.io/{role}"): ""});
                }
                n
            };
            vec![
                node("control-plane", "True", false, 1, Some("control-plane")),
                node("node-a", "True", true, 1, None),
                node("node-b", "False", false, 0, None),
            ]
        }
        Kind::ServiceAccount => vec![o("default", json!({"secrets": []}))],
        Kind::Role => vec![o("dev-read", json!({"rules": [{}, {}]}))],
        Kind::RoleBinding => vec![o(
            "devs-read",
            json!({"roleRef": {"kind": "Role", "name": "dev-read"},
            "subjects": [{"kind": "Group", "name": "devs"}]}),
        )],
        Kind::ClusterRole => vec![c("view", json!({"rules": [{}, {}, {}]}))],
        Kind::ClusterRoleBinding => vec![c(
            "admins",
            json!({"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "User", "name": "admin"}]}),
        )],
        _ => Vec::new(),
    }
}

fn feed(state: &mut State, kind: Kind, scope: &Scope, items: Vec<Value>) {
    let epoch = state.epoch;
    let items: Vec<DynamicObject> = items.into_iter().map(|v| serde_json::from_value(v).expect("object")).collect();
    for update_ in [WatchUpdate::State(WatchState::Live), WatchUpdate::Page { items, first: true, last: true }] {
        update(state, Msg::Data { epoch, scope: scope.clone(), data: Data::Dynamic(kind, update_) });
    }
}

fn screen(state: &mut State) -> String {
    update(state, Msg::Resize(120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    terminal.draw(|f| ui::render(f, state, &Theme::default())).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let area = buffer.area;
    // The list and its header; the empty rows below them say nothing.
    let lines: Vec<String> = (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect();
    let mut shown: Vec<String> = lines.iter().take_while(|l| !l.is_empty()).cloned().collect();
    shown.push(lines.last().cloned().unwrap_or_default());
    shown.join("\n")
}

/// Each row's health, as the colour a user sees it in.
fn healths(state: &State) -> String {
    state
        .index
        .keys
        .iter()
        .map(|k| format!("{}: {:?}", k.1, state.row(k).expect("row").health))
        .collect::<Vec<_>>()
        .join("\n")
}

fn open(state: &mut State, kind: Kind) {
    let scope = if kind.namespaced() { Scope::Namespace("shop".into()) } else { Scope::All };
    state.view = mosaic::app::ListView::new(kind);
    update(state, Msg::Tick);
    feed(state, kind, &scope, objects(kind));
    state.now = now();
}

#[test]
fn every_typed_view() {
    for kind in Kind::TYPED.into_iter().skip(5) {
        let mut s = state();
        open(&mut s, kind);
        assert!(!s.index.keys.is_empty(), "{kind} has rows");
        let shot = format!("{}\n\n{}", screen(&mut s), healths(&s));
        insta::assert_snapshot!(format!("kind_{}", kind.plural()), shot);
    }
}

#[test]
fn secrets_show_key_counts_never_values() {
    let mut s = state();
    open(&mut s, Kind::Secret);
    let shot = screen(&mut s);
    assert!(!shot.contains("c2VjcmV0") && !shot.contains("secret") && !shot.contains("YWRtaW4"), "{shot}");
    assert!(shot.contains("Opaque"));
}

#[test]
fn a_discovered_kind_shows_the_servers_table_columns() {
    let verbs: Vec<String> = ["get", "list", "watch"].iter().map(|s| s.to_string()).collect();
    let id =
        resources::intern("cert-manager.io", "v1", "certificates", "certificate", "Certificate", true, &[], &verbs);
    let kind = Kind::Other(id);
    let mut s = state();
    s.view = mosaic::app::ListView::new(kind);
    update(&mut s, Msg::Tick);
    let scope = Scope::Namespace("shop".into());
    let def = |name: &str, format: &str, priority: i32| ColumnDef {
        name: name.into(),
        type_: "string".into(),
        format: format.into(),
        priority,
    };
    let defs = vec![
        def("Name", "name", 0),
        def("Ready", "", 0),
        def("Secret", "", 0),
        def("Issuer", "", 1),
        def("Age", "", 0),
    ];
    let epoch = s.epoch;
    update(&mut s, Msg::Data { epoch, scope: scope.clone(), data: Data::Columns(kind, defs) });
    let row = |name: &str, ready: &str| {
        json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": meta(name, json!({})),
            "cells": [name, ready, format!("{name}-tls"), "letsencrypt", "14d"]})
    };
    feed(&mut s, kind, &scope, vec![row("storefront", "True"), row("ledger", "False")]);
    s.now = now();
    insta::assert_snapshot!("kind_certificates", format!("{}\n\n{}", screen(&mut s), healths(&s)));
}
