use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::*;
use crate::analysis::explain::fixtures::{self, from_json, ts};

fn now() -> Timestamp {
    ts("2026-11-22T04:00:00Z")
}

fn all_fixture_events() -> Vec<PodEvent> {
    let mut events: Vec<PodEvent> = fixtures::core_events().iter().map(PodEvent::from_core).collect();
    // The same events again through events.k8s.io/v1: they must not count twice.
    events.extend(fixtures::events_v1().iter().map(PodEvent::from_events_v1));
    events
}

fn owner_events(events: &[PodEvent]) -> Vec<PodEvent> {
    events.iter().filter(|e| e.object_kind != "Pod").cloned().collect()
}

fn assert_ordered(entries: &[TimelineEntry]) {
    let times: Vec<Timestamp> = entries.iter().filter_map(|e| e.at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "entries out of order: {times:?}");
}

fn event(name: &str, reason: &str, message: &str, first: Option<&str>, last: Option<&str>, count: u32) -> PodEvent {
    PodEvent {
        uid: Some(format!("uid-{reason}-{}", last.or(first).unwrap_or("none"))),
        object_kind: "Pod".into(),
        object_name: name.into(),
        field_path: Some("spec.containers{orders}".into()),
        reason: reason.into(),
        message: message.into(),
        warning: true,
        source: "kubelet".into(),
        host: Some("node-b".into()),
        count,
        first: first.map(ts),
        last: last.map(ts),
        recorded: false,
    }
}

#[test]
fn the_crash_looping_fixture_pod() {
    let pod = fixtures::pod("orders");
    let events = all_fixture_events();
    let timeline = pod_timeline(&pod, &events, &owner_events(&events), now());
    assert_ordered(&timeline);
    let facts: Vec<&str> = timeline.iter().map(|e| e.fact.as_str()).collect();

    let backoff: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.fact.starts_with("Warning BackOff")).collect();
    assert_eq!(backoff.len(), 1, "one BackOff, read through both APIs: {facts:#?}");
    assert_eq!(backoff[0].count, 15);
    assert_eq!(backoff[0].first_at, Some(ts("2026-11-22T03:31:11Z")));
    assert_eq!(backoff[0].at, Some(ts("2026-11-22T03:32:13Z")));
    assert_eq!(backoff[0].fact, "Warning BackOff (x15): Back-off restarting failed container");
    assert_eq!(backoff[0].explanation.id, "event.back-off.restart");
    assert_eq!(backoff[0].explanation.kubectl, "kubectl logs orders-d88d6dc55-rp9zx -n acme -c orders --previous");

    // The owners' events that concern this pod, and only those.
    assert!(facts.contains(&"Normal SuccessfulCreate: Created pod: orders-d88d6dc55-rp9zx"), "{facts:#?}");
    assert!(facts.contains(&"Normal ScalingReplicaSet: Scaled up replica set orders-d88d6dc55 to 1"), "{facts:#?}");
    assert!(!facts.iter().any(|f| f.contains("frontend") || f.contains("billing")), "{facts:#?}");
    let rs = timeline.iter().find(|e| e.fact.contains("SuccessfulCreate")).expect("SuccessfulCreate");
    assert_eq!(rs.object, "ReplicaSet/orders-d88d6dc55");
    assert_eq!(rs.explanation.kubectl, "kubectl describe replicaset orders-d88d6dc55 -n acme");

    // Conditions and container states.
    assert!(
        facts.contains(&"Ready = False (ContainersNotReady): containers with unready status: [orders]"),
        "{facts:#?}"
    );
    let crash = timeline.iter().find(|e| e.fact.starts_with("Container orders terminated")).expect("the last crash");
    assert_eq!(crash.fact, "Container orders terminated: Error, exit code 1");
    assert_eq!(crash.at, Some(ts("2026-11-22T03:32:01Z")));
    assert_eq!(crash.exit_code.as_ref().map(|e| e.id), Some("exit.1"));
    // The current state has no time of its own: it is now, so it comes last.
    let last = timeline.last().expect("entries");
    assert!(
        last.fact.starts_with("Container orders waiting: CrashLoopBackOff, 3 restarts (back-off 5m0s"),
        "{}",
        last.fact
    );
    assert_eq!((last.at, last.estimated_time), (None, true));
    assert_eq!(last.explanation.id, "waiting.crash-loop-back-off");
    // The ReplicaSet creates it, then conditions change in the order of a pod's life.
    assert_eq!(
        &facts[..4],
        &[
            "Normal SuccessfulCreate: Created pod: orders-d88d6dc55-rp9zx",
            "Normal ScalingReplicaSet: Scaled up replica set orders-d88d6dc55 to 1",
            "PodScheduled = True",
            "Initialized = True",
        ]
    );
}

#[test]
fn failed_scheduling_is_explained_with_its_parts() {
    let pod = fixtures::pod("reports");
    let events = all_fixture_events();
    let timeline = pod_timeline(&pod, &events, &[], now());
    assert_ordered(&timeline);
    let failed: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.fact.contains("FailedScheduling")).collect();
    // Two scheduler events with the same message merge; the series adds its repeat.
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].count, 3);
    assert_eq!(failed[0].first_at, Some(ts("2026-11-22T03:31:05.740757Z")));
    assert_eq!(failed[0].at, Some(ts("2026-11-22T03:32:16.077067Z")));
    assert_eq!(failed[0].explanation.id, "event.failed-scheduling.resources");
    assert!(
        failed[0].explanation.meaning.ends_with("3 nodes lack enough free cpu."),
        "{}",
        failed[0].explanation.meaning
    );
    let condition = timeline.iter().find(|e| e.kind == TimelineKind::Condition).expect("PodScheduled");
    assert_eq!(condition.explanation.id, "condition.unschedulable");
    assert!(condition.warning);
}

#[test]
fn repeated_events_merge_with_counts_and_times() {
    let a = event(
        "p",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        Some("2026-11-22T03:10:00Z"),
        Some("2026-11-22T03:20:00Z"),
        5,
    );
    let mut b = event(
        "p",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        Some("2026-11-22T03:05:00Z"),
        Some("2026-11-22T03:15:00Z"),
        2,
    );
    b.recorded = true;
    let mut other_message = event(
        "p",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 500",
        Some("2026-11-22T03:01:00Z"),
        None,
        1,
    );
    other_message.uid = Some("x".into());
    let merged = deduplicate(&[a.clone(), b, other_message, a.clone()]);
    assert_eq!(merged.len(), 2, "{merged:#?}");
    assert_eq!(merged[0].count, 7, "the second copy of `a` (same uid) is not counted again");
    assert_eq!(merged[0].first, Some(ts("2026-11-22T03:05:00Z")));
    assert_eq!(merged[0].last, Some(ts("2026-11-22T03:20:00Z")));
    assert!(!merged[0].recorded, "seen live once, so not only recorded");
    assert_eq!(merged[1].count, 1);
}

#[test]
fn missing_timestamps_are_placed_and_marked() {
    let pod: Pod = from_json(json!({
        "metadata": {"name": "p", "namespace": "shop", "creationTimestamp": "2026-11-22T03:00:00Z"},
        "spec": {"containers": [{"name": "orders", "image": "app:1"}]},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-22T03:30:00Z"}
        ]}
    }));
    let events = vec![
        event("p", "Pulling", "Pulling image \"app:1\"", None, Some("2026-11-22T03:00:30Z"), 1),
        event("p", "Mystery", "no time at all", None, None, 1),
        event("p", "Pulled", "Successfully pulled image \"app:1\"", Some("2026-11-22T03:01:00Z"), None, 1),
        event("other-pod", "Pulled", "not about this pod", Some("2026-11-22T03:01:00Z"), None, 1),
    ];
    let timeline = pod_timeline(&pod, &events, &[], now());
    let order: Vec<(&str, bool)> = timeline.iter().map(|e| (e.fact.as_str(), e.estimated_time)).collect();
    assert_eq!(
        order,
        vec![
            // No lastTransitionTime: placed at the pod's creation, the earliest it can have changed.
            ("PodScheduled = True", true),
            ("Warning Pulling: Pulling image \"app:1\"", false),
            // Only a first time: that is its time.
            ("Warning Pulled: Successfully pulled image \"app:1\"", false),
            ("Ready = False", false),
            // No time at all: last, as the newest thing the server could hold.
            ("Warning Mystery: no time at all", true),
        ]
    );
    assert_eq!(timeline[0].at, None);
    assert_eq!(timeline[4].explanation.id, "event.generic");
    assert_eq!(timeline[3].explanation.id, "condition.generic", "a false condition without a reason claims nothing");
}

#[test]
fn recorded_events_stay_marked() {
    let pod = fixtures::pod("orders");
    let mut old = event(
        "orders-d88d6dc55-rp9zx",
        "Killing",
        "Stopping container orders",
        Some("2026-11-22T02:00:00Z"),
        Some("2026-11-22T02:00:00Z"),
        1,
    );
    old.recorded = true;
    let timeline = pod_timeline(&pod, &[old], &[], now());
    let killing = timeline.iter().find(|e| e.fact.contains("Killing")).expect("the recorded event");
    assert!(killing.recorded);
    assert_eq!(timeline[0].fact, killing.fact, "the oldest entry comes first");
}

#[test]
fn recorded_and_live_copies_of_one_event_count_once_as_live() {
    let pod = fixtures::pod("orders");
    let events = all_fixture_events();
    // The recorder read back every live event, plus one the server has dropped since.
    let mut with_recorded = events.clone();
    with_recorded.extend(events.iter().cloned().map(|mut e| {
        e.recorded = true;
        e
    }));
    let mut dropped = event(
        "orders-d88d6dc55-rp9zx",
        "Pulling",
        "Pulling image \"ghcr.io/acme/orders:1.0.6\"",
        Some("2026-11-22T03:00:00Z"),
        None,
        1,
    );
    dropped.recorded = true;
    with_recorded.push(dropped);
    let live = pod_timeline(&pod, &events, &owner_events(&events), now());
    let merged = pod_timeline(&pod, &with_recorded, &owner_events(&with_recorded), now());
    assert_eq!(merged.len(), live.len() + 1, "only the dropped event is new");
    assert_ordered(&merged);
    assert_eq!(merged.iter().filter(|e| e.recorded).count(), 1, "live copies are not marked");
    assert_eq!(merged[0].fact, "Warning Pulling: Pulling image \"ghcr.io/acme/orders:1.0.6\"", "oldest first");
    assert!(merged[0].recorded);
    let backoff = merged.iter().find(|e| e.fact.starts_with("Warning BackOff")).expect("BackOff");
    assert_eq!(backoff.count, 15, "counts are not doubled by the recorder's copy");
}

#[test]
fn oom_kills_are_not_explained_as_a_bare_137() {
    let pod: Pod = from_json(json!({
        "metadata": {"name": "mailer-1", "namespace": "shop", "creationTimestamp": "2026-11-22T03:00:00Z"},
        "spec": {"containers": [{"name": "mailer", "image": "mailer:2"}], "nodeName": "node-a"},
        "status": {"phase": "Running", "containerStatuses": [{"name": "mailer", "ready": true, "restartCount": 4,
            "image": "mailer:2", "imageID": "", "started": true,
            "state": {"running": {"startedAt": "2026-11-22T03:54:00Z"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                "startedAt": "2026-11-22T03:53:00Z", "finishedAt": "2026-11-22T03:53:59Z"}}}]}
    }));
    let timeline = pod_timeline(&pod, &[], &[], now());
    let facts: Vec<&str> = timeline.iter().map(|e| e.fact.as_str()).collect();
    assert_eq!(
        facts,
        vec![
            "Container mailer started",
            "Container mailer terminated: OOMKilled, exit code 137",
            "Container mailer started (restart count 4)",
        ]
    );
    assert_eq!(timeline[1].explanation.id, "terminated.oom-killed");
    assert_eq!(timeline[1].exit_code, None);
    assert_eq!(
        timeline[1].explanation.kubectl,
        "kubectl get pod mailer-1 -n shop -o 'jsonpath={.spec.containers[*].resources}'"
    );
}

#[test]
fn signals_are_named_in_the_fact() {
    let pod: Pod = from_json(json!({
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"containers": [{"name": "w", "image": "w:1"}]},
        "status": {"phase": "Failed", "containerStatuses": [{"name": "w", "ready": false, "restartCount": 0,
            "image": "w:1", "imageID": "",
            "state": {"terminated": {"exitCode": 139, "signal": 11, "finishedAt": "2026-11-22T03:53:59Z"}}, "lastState": {}}]}
    }));
    let timeline = pod_timeline(&pod, &[], &[], now());
    let t = timeline.iter().find(|e| e.fact.contains("terminated")).expect("terminated");
    assert_eq!(t.fact, "Container w terminated: Error, exit code 139, signal 11 (SIGSEGV)");
    assert_eq!(t.exit_code.as_ref().map(|e| e.id), Some("exit.139"));
    let v = serde_json::to_value(t).expect("serializes");
    assert_eq!(v["kind"], "container");
    assert_eq!(v["exitCode"]["id"], "exit.139");
    assert_eq!(v["estimatedTime"], false);
}
