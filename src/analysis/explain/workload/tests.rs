//! StatefulSets and DaemonSets shaped like a v1.19 API server's answers (the fields and defaults it fills in:
//! `updateStrategy`, `revisionHistoryLimit`, `collisionCount`, `controller-revision-hash` on every pod), with
//! pods built from the crash-looping fixture pod's status.
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::*;
use crate::analysis::explain::TimelineKind;
use crate::analysis::explain::diagnose::{Related, diagnose};
use crate::analysis::explain::fixtures::{self, from_json, ts};

fn now() -> Timestamp {
    ts("2026-11-22T04:00:00Z")
}

fn statefulset(replicas: i32, strategy: Value, status: Value) -> StatefulSet {
    from_json(json!({
        "kind": "StatefulSet", "apiVersion": "apps/v1",
        "metadata": {"name": "web", "namespace": "acme", "uid": "sts-1", "generation": 3,
                     "creationTimestamp": "2026-11-22T03:00:00Z"},
        "spec": {"replicas": replicas, "serviceName": "web", "podManagementPolicy": "OrderedReady",
                 "revisionHistoryLimit": 10, "updateStrategy": strategy,
                 "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.19"}]}}},
        "status": status
    }))
}

fn daemonset(status: Value) -> DaemonSet {
    from_json(json!({
        "kind": "DaemonSet", "apiVersion": "apps/v1",
        "metadata": {"name": "node-agent", "namespace": "acme", "uid": "ds-1", "generation": 2,
                     "creationTimestamp": "2026-11-22T03:00:00Z"},
        "spec": {"revisionHistoryLimit": 10,
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                 "selector": {"matchLabels": {"app": "node-agent"}},
                 "template": {"metadata": {"labels": {"app": "node-agent"}},
                              "spec": {"containers": [{"name": "agent", "image": "agent:2"}]}}},
        "status": status
    }))
}

/// A pod of `owner` (kind, name, uid) from revision `hash`: healthy, or with the fixture orders pod's crash loop.
fn pod(name: &str, owner: (&str, &str, &str), hash: &str, crashing: bool) -> (Pod, Diagnosis) {
    let mut value = if crashing {
        serde_json::to_value(fixtures::pod("orders")).expect("json")
    } else {
        serde_json::to_value(fixtures::pod("frontend")).expect("json")
    };
    value["metadata"] = json!({
        "name": name, "namespace": "acme", "uid": format!("pod-{name}"), "creationTimestamp": "2026-11-22T03:30:00Z",
        "labels": {"app": owner.1, "controller-revision-hash": hash},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner.0, "name": owner.1, "uid": owner.2,
                             "controller": true, "blockOwnerDeletion": true}]
    });
    let pod: Pod = from_json(value);
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    (pod, d)
}

fn sts_pod(name: &str, hash: &str, crashing: bool) -> (Pod, Diagnosis) {
    pod(name, ("StatefulSet", "web", "sts-1"), hash, crashing)
}

fn ds_pod(name: &str, hash: &str, crashing: bool) -> (Pod, Diagnosis) {
    pod(name, ("DaemonSet", "node-agent", "ds-1"), hash, crashing)
}

fn rolling() -> Value {
    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
}

#[test]
fn a_healthy_statefulset_counts_its_ordinals() {
    let status = json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                        "updatedReplicas": 3, "currentRevision": "web-6c9d7b8d5f", "updateRevision": "web-6c9d7b8d5f",
                        "collisionCount": 0});
    let pods: Vec<_> = ["web-2", "web-0", "web-1"].iter().map(|n| sts_pod(n, "web-6c9d7b8d5f", false)).collect();
    let app = statefulset_timeline(&statefulset(3, rolling(), status), &pods, &[], now());
    assert_eq!(app.verdict.headline, "Healthy: 3/3 ready");
    assert_eq!(app.verdict.severity, Health::Ok);
    assert!(!app.has_problem());
    let names: Vec<&str> = app.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-0", "web-1", "web-2"], "by ordinal");
    assert_eq!(app.strategy, "RollingUpdate");
    assert_eq!(app.partition, None, "a zero partition is no partition");
    assert!(app.timeline.is_empty());
}

/// web-2 moved to the update revision and crashes; web-0 and web-1 wait on the current one.
fn held_up_rollout() -> (Value, Vec<(Pod, Diagnosis)>) {
    let status = json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 2, "currentReplicas": 2,
                        "updatedReplicas": 1, "currentRevision": "web-6c9d7b8d5f", "updateRevision": "web-7f8b9c6d4",
                        "collisionCount": 0});
    let pods = vec![
        sts_pod("web-0", "web-6c9d7b8d5f", false),
        sts_pod("web-1", "web-6c9d7b8d5f", false),
        sts_pod("web-2", "web-7f8b9c6d4", true),
    ];
    (status, pods)
}

#[test]
fn a_statefulset_rollout_held_up_by_a_crashing_ordinal_is_stuck() {
    let (status, pods) = held_up_rollout();
    let other = pod("other-0", ("StatefulSet", "other", "sts-2"), "other-1", true);
    let mut all = pods.clone();
    all.push(other);
    let app = statefulset_timeline(&statefulset(3, rolling(), status), &all, &[], now());
    assert_eq!(app.verdict.severity, Health::Error);
    assert!(
        app.verdict.headline.starts_with("Stuck: pod web-2: Crashing on start: exit code 1"),
        "{}",
        app.verdict.headline
    );
    assert!(app.verdict.headline.ends_with("(1 of 3 pods updated)"), "{}", app.verdict.headline);
    assert_eq!(app.pods.len(), 3, "only its own pods");
    assert_eq!(app.pods[0].name, "web-2", "the failing one first");
    assert_eq!(app.update_revision.as_deref(), Some("web-7f8b9c6d4"));
    let last = app.timeline.last().expect("the failing pod");
    assert_eq!(last.kind, TimelineKind::Pod);
    assert!(last.fact.starts_with("Pod web-2: Crashing on start"), "on the new revision: {}", last.fact);
}

#[test]
fn a_statefulset_rollout_without_failures_and_its_partition() {
    let status = |updated: i32| {
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3 - updated,
               "updatedReplicas": updated, "currentRevision": "web-a", "updateRevision": "web-b"})
    };
    let app = statefulset_timeline(&statefulset(3, rolling(), status(2)), &[], &[], now());
    assert_eq!(app.verdict.headline, "Rolling out: 2 of 3 pods updated");
    assert_eq!(app.verdict.severity, Health::Pending);
    assert!(!app.has_problem(), "a rollout on its way is no problem");

    let partitioned = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
    let app = statefulset_timeline(&statefulset(3, partitioned, status(1)), &[], &[], now());
    assert_eq!(app.partition, Some(2));
    assert_eq!(
        app.verdict.headline, "Partitioned: 1 of 3 pods updated, ordinals below 2 kept on the old revision",
        "the partition's share is done"
    );
    assert_eq!(app.verdict.severity, Health::Ok);
}

#[test]
fn an_on_delete_statefulset_waits_for_the_user() {
    let status = json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "updatedReplicas": 1,
                        "currentRevision": "web-a", "updateRevision": "web-b"});
    let pods =
        vec![sts_pod("web-0", "web-b", false), sts_pod("web-1", "web-a", true), sts_pod("web-2", "web-a", false)];
    let app = statefulset_timeline(&statefulset(3, json!({"type": "OnDelete"}), status), &pods, &[], now());
    assert!(
        app.verdict.headline.starts_with("Waiting for deletes (OnDelete): 1 of 3 pods updated; pod web-1: "),
        "{}",
        app.verdict.headline
    );
    assert_eq!(app.verdict.severity, Health::Warning);
    assert!(app.verdict.detail.as_deref().is_some_and(|d| d.contains("only when it is deleted")));
    let last = app.timeline.last().expect("the failing pod");
    assert!(last.fact.starts_with("Pod web-1 (old revision): "), "{}", last.fact);
}

#[test]
fn a_statefulset_that_cannot_create_pods_says_why() {
    let status = json!({"observedGeneration": 3, "replicas": 1, "readyReplicas": 1, "currentReplicas": 1,
                        "updatedReplicas": 1, "currentRevision": "web-a", "updateRevision": "web-a"});
    let event = PodEvent {
        uid: Some("e-1".into()),
        object_kind: "StatefulSet".into(),
        object_name: "web".into(),
        field_path: None,
        reason: "FailedCreate".into(),
        message: "create Pod web-1 in StatefulSet web failed error: pods \"web-1\" is forbidden: exceeded quota: pods"
            .into(),
        warning: true,
        source: "statefulset-controller".into(),
        host: None,
        count: 4,
        first: Some(ts("2026-11-22T03:50:00Z")),
        last: Some(ts("2026-11-22T03:59:00Z")),
        recorded: false,
    };
    let app = statefulset_timeline(&statefulset(3, rolling(), status), &[], std::slice::from_ref(&event), now());
    assert!(app.verdict.headline.starts_with("Stuck: cannot create pods ("), "{}", app.verdict.headline);
    assert!(app.verdict.headline.ends_with("1 of 3 exist"), "{}", app.verdict.headline);
    assert_eq!(app.timeline.len(), 1);
    assert!(app.timeline[0].fact.contains("FailedCreate"), "{}", app.timeline[0].fact);
}

#[test]
fn a_healthy_daemonset_and_a_misscheduled_one() {
    let status = |misscheduled: i32| {
        json!({"currentNumberScheduled": 2, "numberMisscheduled": misscheduled, "desiredNumberScheduled": 2,
               "numberReady": 2, "observedGeneration": 2, "updatedNumberScheduled": 2, "numberAvailable": 2})
    };
    let pods = vec![ds_pod("node-agent-x7k2p", "5d8f7c9b6", false), ds_pod("node-agent-q9m4t", "5d8f7c9b6", false)];
    let app = daemonset_timeline(&daemonset(status(0)), &pods, &[], now());
    assert_eq!(app.verdict.headline, "Healthy: 2/2 ready");
    assert_eq!(app.misscheduled, Some(0));
    assert_eq!(app.pods.len(), 2);
    let app = daemonset_timeline(&daemonset(status(1)), &pods, &[], now());
    assert_eq!(app.verdict.headline, "Ready 2/2, but 1 pods run on nodes they should not (numberMisscheduled)");
    assert!(app.has_problem());
}

#[test]
fn a_daemonset_rollout_and_a_stuck_one() {
    let status = json!({"currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3,
                        "numberReady": 2, "observedGeneration": 2, "updatedNumberScheduled": 1,
                        "numberAvailable": 2, "numberUnavailable": 1});
    let healthy = vec![ds_pod("node-agent-a", "new", false), ds_pod("node-agent-b", "old", false)];
    let app = daemonset_timeline(&daemonset(status.clone()), &healthy, &[], now());
    assert_eq!(app.verdict.headline, "Rolling out: 1 of 3 pods updated");
    assert_eq!(app.verdict.severity, Health::Pending);

    let mut failing = healthy.clone();
    failing.push(ds_pod("node-agent-c", "new", true));
    let app = daemonset_timeline(&daemonset(status), &failing, &[], now());
    assert!(app.verdict.headline.starts_with("Stuck: pod node-agent-c: Crashing on start"), "{}", app.verdict.headline);
    assert!(app.verdict.detail.as_deref().is_some_and(|d| d.contains("maxUnavailable")));

    let nowhere = json!({"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                         "numberReady": 0, "observedGeneration": 2});
    let app = daemonset_timeline(&daemonset(nowhere), &[], &[], now());
    assert!(app.verdict.headline.starts_with("Runs nowhere"), "{}", app.verdict.headline);
}

#[test]
fn a_stale_status_is_a_rollout_about_to_start() {
    let status = json!({"observedGeneration": 2, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
                        "currentRevision": "web-a", "updateRevision": "web-a"});
    let app = statefulset_timeline(&statefulset(2, rolling(), status), &[], &[], now());
    assert!(app.verdict.headline.starts_with("Rolling out: "), "{}", app.verdict.headline);
}

/// A ControllerRevision of `owner` (kind, name, uid) as a v1.19 control plane writes it.
fn controller_revision(
    owner: (&str, &str, &str),
    name: &str,
    revision: i64,
    image: &str,
    created: &str,
) -> ControllerRevision {
    from_json(json!({
        "kind": "ControllerRevision", "apiVersion": "apps/v1",
        "metadata": {"name": name, "namespace": "acme", "uid": format!("cr-{name}"), "creationTimestamp": created,
                     "labels": {"app": owner.1, "controller.kubernetes.io/hash": name.rsplit('-').next()},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner.0, "name": owner.1, "uid": owner.2,
                                          "controller": true, "blockOwnerDeletion": true}]},
        "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": owner.1}},
                                       "spec": {"containers": [{"name": "c", "image": image}]}}}},
        "revision": revision
    }))
}

#[test]
fn a_statefulset_lists_its_revisions_newest_first_with_the_pods_on_each() {
    let (status, pods) = held_up_rollout();
    let owner = ("StatefulSet", "web", "sts-1");
    let revisions = vec![
        controller_revision(owner, "web-6c9d7b8d5f", 1, "nginx:1.18", "2026-11-22T03:00:00Z"),
        controller_revision(owner, "web-7f8b9c6d4", 2, "nginx:1.19", "2026-11-22T03:50:00Z"),
        controller_revision(("StatefulSet", "other", "sts-2"), "other-1", 5, "x:1", "2026-11-22T03:00:00Z"),
    ];
    let mut app = statefulset_timeline(&statefulset(3, rolling(), status), &pods, &[], now());
    app.add_revisions("StatefulSet", "web", &revisions, &pods);
    let rows: Vec<(i64, bool, &str, i32, i32)> =
        app.revisions.iter().map(|r| (r.revision, r.current, r.images[0].as_str(), r.pods, r.healthy)).collect();
    assert_eq!(rows, [(2, true, "nginx:1.19", 1, 0), (1, false, "nginx:1.18", 2, 2)], "only its own, newest first");
    assert_eq!(app.revisions[0].created, Some(ts("2026-11-22T03:50:00Z")));
    let numbered: Vec<(&str, Option<i64>)> = app.pods.iter().map(|p| (p.name.as_str(), p.revision)).collect();
    assert_eq!(numbered, [("web-2", Some(2)), ("web-0", Some(1)), ("web-1", Some(1))]);
    let json = serde_json::to_value(&app).expect("json");
    assert_eq!(json["revisions"][0]["name"], "web-7f8b9c6d4");
    assert_eq!(json["revisionsUnread"], Value::Null);
}

#[test]
fn a_daemonset_matches_its_pods_by_the_hash_part() {
    let status = json!({"currentNumberScheduled": 1, "numberMisscheduled": 0, "desiredNumberScheduled": 1,
                        "numberReady": 1, "observedGeneration": 2, "updatedNumberScheduled": 1, "numberAvailable": 1});
    let pods = vec![ds_pod("node-agent-x2k9p", "5d8f7c6b9", false)];
    let owner = ("DaemonSet", "node-agent", "ds-1");
    let revisions = vec![
        controller_revision(owner, "node-agent-5d8f7c6b9", 3, "agent:2", "2026-11-22T03:00:00Z"),
        controller_revision(owner, "node-agent-7b9c4d8f6", 2, "agent:1", "2026-11-21T03:00:00Z"),
    ];
    let mut app = daemonset_timeline(&daemonset(status), &pods, &[], now());
    app.add_revisions("DaemonSet", "node-agent", &revisions, &pods);
    assert_eq!(app.revisions.iter().map(|r| (r.revision, r.pods)).collect::<Vec<_>>(), [(3, 1), (2, 0)]);
    assert_eq!(app.pods[0].revision, Some(3));

    app.mark_revisions_unread("Revisions could not be read: forbidden".into());
    assert!(app.revisions.is_empty());
    let json = serde_json::to_value(&app).expect("json");
    assert_eq!(json["revisionsUnread"], "Revisions could not be read: forbidden");
    assert_eq!(json["revisions"], json!([]));
}
