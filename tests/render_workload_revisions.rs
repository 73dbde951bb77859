//! Tier 2: the timeline pane of a StatefulSet lists its ControllerRevisions (number, name, age, pods on it,
//! images), and says so when they could not be read.
use crate::support;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use mosaic::analysis::explain::{Diagnosis, Related, diagnose, statefulset_timeline};
use mosaic::app::timeline::TimelinePane;
use mosaic::app::{Msg, State, update};
use mosaic::cluster::Scope;
use mosaic::explain_cmd::document::{self, Document};
use mosaic::explain_cmd::{Target, WorkloadReport};
use serde_json::{Value, json};
use support::screen::{draw, kind_acme, now, text};

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("parses")
}

fn statefulset() -> StatefulSet {
    parse(json!({
        "kind": "StatefulSet", "apiVersion": "apps/v1",
        "metadata": {"name": "redis", "namespace": "acme", "uid": "sts-1", "generation": 2,
                     "creationTimestamp": "2026-11-08T03:35:00Z"},
        "spec": {"replicas": 1, "serviceName": "redis", "selector": {"matchLabels": {"app": "redis"}},
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                 "template": {"metadata": {"labels": {"app": "redis"}},
                              "spec": {"containers": [{"name": "redis", "image": "redis:6.0.9"}]}}},
        "status": {"observedGeneration": 2, "replicas": 1, "readyReplicas": 1, "currentReplicas": 1,
                   "updatedReplicas": 1, "currentRevision": "redis-7c9f5b8d4", "updateRevision": "redis-7c9f5b8d4",
                   "collisionCount": 0}
    }))
}

fn revision(name: &str, number: i64, image: &str, created: &str) -> ControllerRevision {
    parse(json!({
        "kind": "ControllerRevision", "apiVersion": "apps/v1",
        "metadata": {"name": name, "namespace": "acme", "creationTimestamp": created,
                     "labels": {"app": "redis", "controller.kubernetes.io/hash": name.trim_start_matches("redis-")},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "redis",
                                          "uid": "sts-1", "controller": true, "blockOwnerDeletion": true}]},
        "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "redis"}},
                                       "spec": {"containers": [{"name": "redis", "image": image}]}}}},
        "revision": number
    }))
}

/// The healthy fixture pod, as `redis-0` of the current revision.
fn redis_pod() -> (Pod, Diagnosis) {
    let pods: k8s_openapi::List<Pod> =
        serde_json::from_str(include_str!("fixtures/real-1.19/pods-list.json")).expect("fixture");
    let nodes: k8s_openapi::List<Node> =
        serde_json::from_str(include_str!("fixtures/real-1.19/nodes-list.json")).expect("fixture");
    let mut pod = pods
        .items
        .into_iter()
        .find(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with("frontend-")))
        .expect("frontend");
    pod.metadata = parse(json!({
        "name": "redis-0", "namespace": "acme", "creationTimestamp": "2026-11-21T03:35:00Z",
        "labels": {"app": "redis", "controller-revision-hash": "redis-7c9f5b8d4"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "redis", "uid": "sts-1",
                             "controller": true}]
    }));
    let d = diagnose(&pod, &[], &nodes.items, &Related::default(), now());
    (pod, d)
}

fn document(readable: bool) -> Document {
    let pods = vec![redis_pod()];
    let mut app = statefulset_timeline(&statefulset(), &pods, &[], now());
    if readable {
        let revisions = [
            revision("redis-5f9c8b7d6", 1, "redis:6.0.8", "2026-11-08T03:35:00Z"),
            revision("redis-7c9f5b8d4", 2, "redis:6.0.9", "2026-11-21T03:35:00Z"),
        ];
        app.add_revisions("StatefulSet", "redis", &revisions, &pods);
    } else {
        app.mark_revisions_unread(
            "Revisions could not be read: forbidden (kubectl auth can-i list controllerrevisions.apps -n acme)".into(),
        );
    }
    let report = WorkloadReport { kind: "statefulset", namespace: "acme".into(), name: "redis".into(), app, at: now() };
    document::from_workload(&report)
}

fn pane(doc: Document) -> State {
    let mut s = State::new(kind_acme("dev"), Scope::Namespace("acme".into()), now());
    let target = Target::StatefulSet("redis".into());
    s.timeline = Some(TimelinePane { target: target.clone(), namespace: "acme".into(), document: None, selected: 0 });
    update(&mut s, Msg::Explained { target, result: Ok(doc) });
    s
}

#[test]
fn statefulset_timeline_lists_its_revisions_120x30() {
    let screen = text(&draw(&mut pane(document(true)), 120, 30));
    insta::assert_snapshot!("timeline_statefulset_revisions", screen);
    assert!(
        screen.contains("Revision 2 (current): redis-7c9f5b8d4, 24h old, 1/1 pods healthy, redis:6.0.9"),
        "{screen}"
    );
    assert!(screen.contains("Revision 1: redis-5f9c8b7d6, 14d old, no pods, redis:6.0.8"), "{screen}");
}

#[test]
fn statefulset_timeline_says_when_revisions_are_unreadable() {
    let screen = text(&draw(&mut pane(document(false)), 120, 30));
    assert!(screen.contains("Revisions could not be read: forbidden (kubectl auth can-i list"), "{screen}");
    assert!(screen.contains("Healthy: 1/1 ready"), "the rest of the timeline still shows: {screen}");
}
