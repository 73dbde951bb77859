use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::*;
use crate::analysis::explain::diagnose::{Related, diagnose};
use crate::analysis::explain::fixtures::{self, from_json, ts};

fn now() -> Timestamp {
    ts("2026-11-22T04:00:00Z")
}

fn fixture_events() -> Vec<PodEvent> {
    let mut events: Vec<PodEvent> = fixtures::core_events().iter().map(PodEvent::from_core).collect();
    events.extend(fixtures::events_v1().iter().map(PodEvent::from_events_v1));
    events
}

/// Every fixture pod with its own diagnosis, as `mosaic explain deploy/` builds them.
fn diagnosed_fixture_pods() -> Vec<(Pod, Diagnosis)> {
    let events = fixtures::core_events();
    fixtures::pods()
        .into_iter()
        .map(|p| {
            let d = diagnose(&p, &events, &fixtures::nodes(), &Related::default(), now());
            (p, d)
        })
        .collect()
}

#[test]
fn the_crash_looping_fixture_app_names_its_failing_pod() {
    let app = app_timeline(
        &fixtures::deployment("orders"),
        &fixtures::replica_sets(),
        &diagnosed_fixture_pods(),
        &fixture_events(),
        now(),
    );
    assert_eq!(app.verdict.severity, Health::Error);
    assert!(app.verdict.headline.starts_with("Not ready: 0 of 1 pods ready; pod orders-d88d6dc55-rp9zx: "), "{app:#?}");
    assert_eq!(app.revisions.len(), 1, "only its own ReplicaSet");
    assert_eq!(app.revisions[0].replica_set, "orders-d88d6dc55");
    assert_eq!(app.revisions[0].revision, Some(1));
    assert!(app.revisions[0].current);
    assert_eq!(app.pods.len(), 1, "only its own pods");
    assert!(app.pods[0].failing);
    assert!(app.has_problem());

    let facts: Vec<&str> = app.timeline.iter().map(|e| e.fact.as_str()).collect();
    assert_eq!(
        facts.iter().filter(|f| f.starts_with("Normal ScalingReplicaSet")).count(),
        1,
        "read through both APIs, counted once: {facts:#?}"
    );
    assert!(facts.iter().any(|f| f.starts_with("Normal SuccessfulCreate: Created pod: orders-")), "{facts:#?}");
    assert!(!facts.iter().any(|f| f.contains("frontend")), "other apps' events stay out: {facts:#?}");
    let unavailable = app.timeline.iter().find(|e| e.fact.starts_with("Available = False")).expect("condition");
    assert_eq!(unavailable.explanation.id, "condition.deployment.minimum-replicas-unavailable");
    assert!(unavailable.warning);
    assert!(unavailable.explanation.kubectl.contains("-n acme"), "{}", unavailable.explanation.kubectl);
    // The failing pod is its current state: last, placed by estimate, explained by its own finding.
    let last = app.timeline.last().expect("entries");
    assert_eq!(last.kind, TimelineKind::Pod);
    assert!(last.estimated_time && last.at.is_none());
    assert!(last.fact.starts_with("Pod orders-d88d6dc55-rp9zx (revision 1): "), "{}", last.fact);
    assert_ne!(last.explanation.id, "pod.generic");
    let times: Vec<Timestamp> = app.timeline.iter().filter_map(|e| e.at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order: {times:?}");
}

#[test]
fn a_healthy_fixture_app() {
    let app = app_timeline(
        &fixtures::deployment("frontend"),
        &fixtures::replica_sets(),
        &diagnosed_fixture_pods(),
        &fixture_events(),
        now(),
    );
    assert_eq!(app.verdict.headline, "Healthy: 2/2 ready, revision 1");
    assert_eq!(app.verdict.severity, Health::Ok);
    assert!(!app.has_problem());
    assert_eq!(app.pods.len(), 2);
    assert!(app.timeline.iter().all(|e| e.kind != TimelineKind::Pod), "no failing pod entries");
    assert!(app.timeline.iter().any(|e| e.explanation.id == "condition.deployment.new-replica-set-available"));
}

// ---------------------------------------------------------------- a rollout, built like the fixtures

fn deployment(replicas: i32, status: serde_json::Value) -> Deployment {
    from_json(json!({
        "metadata": {"name": "checkout", "namespace": "shop", "uid": "d-1", "generation": 2,
                     "creationTimestamp": "2026-11-22T03:00:00Z"},
        "spec": {"replicas": replicas, "progressDeadlineSeconds": 600, "selector": {"matchLabels": {"app": "checkout"}},
                 "template": {"metadata": {"labels": {"app": "checkout"}},
                              "spec": {"containers": [{"name": "checkout", "image": "checkout:3.1.0"}]}}},
        "status": status
    }))
}

fn replica_set(name: &str, revision: u32, replicas: i32, ready: i32, image: &str) -> ReplicaSet {
    from_json(json!({
        "metadata": {"name": name, "namespace": "shop", "uid": format!("rs-{name}"),
                     "creationTimestamp": format!("2026-11-22T03:{:02}:00Z", revision * 10),
                     "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout",
                                          "uid": "d-1", "controller": true}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "checkout"}},
                 "template": {"metadata": {"labels": {"app": "checkout"}},
                              "spec": {"containers": [{"name": "checkout", "image": image}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready}
    }))
}

fn pod(name: &str, rs: &str, waiting: Option<&str>) -> (Pod, Diagnosis) {
    let state = match waiting {
        Some(reason) => json!({"waiting": {"reason": reason, "message": "back-off 5m0s restarting failed container"}}),
        None => json!({"running": {"startedAt": "2026-11-22T03:50:00Z"}}),
    };
    let pod: Pod = from_json(json!({
        "metadata": {"name": name, "namespace": "shop", "creationTimestamp": "2026-11-22T03:40:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                                          "uid": format!("rs-{rs}"), "controller": true}]},
        "spec": {"nodeName": "node-a", "containers": [{"name": "checkout", "image": "checkout:3.2.0"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if waiting.is_some() { "False" } else { "True" }}],
                   "containerStatuses": [{"name": "checkout", "image": "checkout:3.2.0", "imageID": "", "ready": waiting.is_none(),
                                          "restartCount": if waiting.is_some() { 4 } else { 0 }, "state": state,
                                          "lastState": if waiting.is_some() { json!({"terminated": {"exitCode": 1, "reason": "Error",
                                              "startedAt": "2026-11-22T03:58:00Z", "finishedAt": "2026-11-22T03:58:02Z"}}) } else { json!({}) }}]}
    }));
    let d = diagnose(&pod, &[], &[], &Related::default(), now());
    (pod, d)
}

fn rs_event(object: (&str, &str), reason: &str, message: &str, at: Option<&str>, warning: bool) -> PodEvent {
    PodEvent {
        uid: Some(format!("{reason}-{}", at.unwrap_or("none"))),
        object_kind: object.0.into(),
        object_name: object.1.into(),
        field_path: None,
        reason: reason.into(),
        message: message.into(),
        warning,
        source: "deployment-controller".into(),
        host: None,
        count: 1,
        first: at.map(ts),
        last: at.map(ts),
        recorded: false,
    }
}

fn rolling_status() -> serde_json::Value {
    json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
           "conditions": [
             {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
              "lastTransitionTime": "2026-11-22T03:05:00Z"},
             {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
              "message": "ReplicaSet \"checkout-new\" is progressing.", "lastTransitionTime": "2026-11-22T03:40:00Z"}]})
}

#[test]
fn a_rollout_in_progress_counts_new_pods_and_names_the_failing_one() {
    let sets = [
        replica_set("checkout-old", 1, 1, 1, "checkout:3.1.0"),
        replica_set("checkout-new", 2, 3, 2, "checkout:3.2.0"),
    ];
    let pods = [
        pod("checkout-old-a", "checkout-old", None),
        pod("checkout-new-a", "checkout-new", None),
        pod("checkout-new-b", "checkout-new", None),
        pod("checkout-new-c", "checkout-new", Some("CrashLoopBackOff")),
    ];
    let events = [
        rs_event(
            ("Deployment", "checkout"),
            "ScalingReplicaSet",
            "Scaled up replica set checkout-new to 3",
            Some("2026-11-22T03:40:00Z"),
            false,
        ),
        rs_event(
            ("Deployment", "checkout"),
            "ScalingReplicaSet",
            "Scaled down replica set checkout-old to 1",
            Some("2026-11-22T03:41:00Z"),
            false,
        ),
        rs_event(
            ("Deployment", "other"),
            "ScalingReplicaSet",
            "Scaled up replica set other-1 to 1",
            Some("2026-11-22T03:41:00Z"),
            false,
        ),
    ];
    let app = app_timeline(&deployment(3, rolling_status()), &sets, &pods, &events, now());
    assert!(
        app.verdict.headline.starts_with("Rolling out: 2 of 3 new pods ready; pod checkout-new-c: Crash"),
        "{}",
        app.verdict.headline
    );
    assert_eq!(app.verdict.severity, Health::Warning);
    assert_eq!(
        app.revisions.iter().map(|r| (r.revision, r.current)).collect::<Vec<_>>(),
        [(Some(2), true), (Some(1), false)]
    );
    assert_eq!(app.revisions[0].images, ["checkout:3.2.0"]);
    assert_eq!(app.pods[0].name, "checkout-new-c", "failing pods first");
    assert_eq!(app.pods.iter().filter(|p| p.failing).count(), 1);
    let facts: Vec<&str> = app.timeline.iter().map(|e| e.fact.as_str()).collect();
    assert_eq!(
        facts,
        [
            "Available = True (MinimumReplicasAvailable)",
            "Normal ScalingReplicaSet: Scaled up replica set checkout-new to 3",
            "Progressing = True (ReplicaSetUpdated): ReplicaSet \"checkout-new\" is progressing.",
            "Normal ScalingReplicaSet: Scaled down replica set checkout-old to 1",
            facts[4],
        ],
        "events tie with conditions in insertion order; the failing pod last"
    );
    assert!(facts[4].starts_with("Pod checkout-new-c (revision 2): Crash"), "{}", facts[4]);
    assert_eq!(app.timeline[4].explanation.id, "waiting.crash-loop-back-off");
}

#[test]
fn a_rollout_without_failures_is_pending_not_a_problem() {
    let sets = [
        replica_set("checkout-old", 1, 1, 1, "checkout:3.1.0"),
        replica_set("checkout-new", 2, 3, 2, "checkout:3.2.0"),
    ];
    let app = app_timeline(&deployment(3, rolling_status()), &sets, &[], &[], now());
    assert_eq!(app.verdict.headline, "Rolling out: 2 of 3 new pods ready");
    assert_eq!(app.verdict.severity, Health::Pending);
    assert!(!app.has_problem());
}

#[test]
fn progress_deadline_exceeded_is_stuck() {
    let status = json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 1, "readyReplicas": 1,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                        "message": "ReplicaSet \"checkout-new\" has timed out progressing.",
                        "lastTransitionTime": "2026-11-22T03:55:00Z"}]});
    let sets = [
        replica_set("checkout-old", 1, 1, 1, "checkout:3.1.0"),
        replica_set("checkout-new", 2, 1, 0, "checkout:3.2.0"),
    ];
    let pods = [pod("checkout-new-a", "checkout-new", Some("CrashLoopBackOff"))];
    let app = app_timeline(&deployment(1, status), &sets, &pods, &[], now());
    assert!(
        app.verdict.headline.starts_with("Stuck: revision 2 made no progress in 600s; pod checkout-new-a: Crash"),
        "{}",
        app.verdict.headline
    );
    assert_eq!(app.verdict.severity, Health::Error);
    let stalled = app.timeline.iter().find(|e| e.kind == TimelineKind::Condition).expect("condition");
    assert_eq!(stalled.explanation.id, "condition.progress-deadline-exceeded");
    assert_eq!(stalled.explanation.kubectl, "kubectl rollout status deployment/checkout -n shop");
}

#[test]
fn failed_create_from_a_quota_is_stuck_and_says_why() {
    let status = json!({"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
        "conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                        "message": "pods \"checkout-new-x\" is forbidden: exceeded quota: shop-quota"}]});
    let sets = [replica_set("checkout-new", 2, 3, 1, "checkout:3.2.0")];
    let quota = "pods \"checkout-new-x\" is forbidden: exceeded quota: shop-quota, requested: pods=1, used: pods=1, limited: pods=1";
    let events = [
        rs_event(("ReplicaSet", "checkout-new"), "FailedCreate", quota, Some("2026-11-22T03:50:00Z"), true),
        rs_event(("ReplicaSet", "checkout-new"), "FailedCreate", quota, Some("2026-11-22T03:51:00Z"), true),
    ];
    let app =
        app_timeline(&deployment(3, status), &sets, &[pod("checkout-new-a", "checkout-new", None)], &events, now());
    assert_eq!(app.verdict.headline, "Stuck: cannot create pods (quota exceeded), 1 of 3 exist");
    assert!(app.verdict.detail.as_deref().is_some_and(|d| d.contains("exceeded quota")));
    let failed: Vec<&TimelineEntry> = app.timeline.iter().filter(|e| e.kind == TimelineKind::Event).collect();
    assert_eq!(failed.len(), 1, "repeats of one refusal merge into one entry");
    assert_eq!(failed[0].count, 2);
    assert_eq!(failed[0].first_at, Some(ts("2026-11-22T03:50:00Z")));
    assert_eq!(failed[0].explanation.id, "event.failed-create.quota");
    let condition = app.timeline.iter().find(|e| e.fact.starts_with("ReplicaFailure")).expect("ReplicaFailure");
    assert!(condition.estimated_time, "no transition time: placed at the Deployment's creation");
    assert_eq!(condition.explanation.id, "condition.deployment.replica-failure");
    assert_eq!(app.timeline[0].fact, condition.fact, "creation time sorts first");
}

#[test]
fn recorded_events_are_kept_marked_and_merge_with_live_ones() {
    let sets = [replica_set("checkout-new", 2, 1, 1, "checkout:3.2.0")];
    let status = json!({"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1});
    let mut expired = rs_event(
        ("Deployment", "checkout"),
        "ScalingReplicaSet",
        "Scaled up replica set checkout-new to 1",
        Some("2026-11-22T01:00:00Z"),
        false,
    );
    expired.recorded = true;
    let live = rs_event(
        ("ReplicaSet", "checkout-new"),
        "SuccessfulCreate",
        "Created pod: checkout-new-a",
        Some("2026-11-22T01:00:01Z"),
        false,
    );
    let mut live_again = live.clone();
    live_again.recorded = true;
    let app = app_timeline(&deployment(1, status), &sets, &[], &[live, live_again, expired], now());
    assert_eq!(app.verdict.headline, "Healthy: 1/1 ready, revision 2");
    let recorded: Vec<(&str, bool)> = app.timeline.iter().map(|e| (e.fact.as_str(), e.recorded)).collect();
    assert_eq!(
        recorded,
        [
            ("Normal ScalingReplicaSet: Scaled up replica set checkout-new to 1", true),
            ("Normal SuccessfulCreate: Created pod: checkout-new-a", false),
        ],
        "the same uid from the recorder and the server counts once, as live"
    );
}

#[test]
fn scaled_to_zero_and_missing_times() {
    let status = json!({"observedGeneration": 2,
        "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]});
    let app = app_timeline(
        &deployment(0, status),
        &[],
        &[],
        &[rs_event(
            ("Deployment", "checkout"),
            "ScalingReplicaSet",
            "Scaled down replica set checkout-new to 0",
            None,
            false,
        )],
        now(),
    );
    assert_eq!(app.verdict.headline, "Scaled to zero: no pods wanted");
    assert_eq!(app.timeline.len(), 2);
    assert!(app.timeline[0].fact.starts_with("Available"), "a condition without time goes at creation");
    assert!(app.timeline[1].estimated_time && app.timeline[1].at.is_none(), "an event without time goes last");
}
