//! The app timeline of a StatefulSet or a DaemonSet: the Deployment's story ([`super::app`]) told with what
//! these controllers report. Their pods are found by owner reference (no ReplicaSets in between); a rollout is
//! the pods moving to the controller's update revision.
//!
//! **The verdict**, most urgent first:
//! - `Stuck: cannot create pods (…)`: the controller's latest `FailedCreate` while pods are missing;
//! - `Stuck: pod web-1: Crashing on start …`: a rollout that a failing pod holds up (a StatefulSet waits for
//!   each ordinal to be Ready before the next);
//! - `Rolling out: 2 of 3 pods updated`, or `Waiting for deletes (OnDelete): …` when the strategy leaves the
//!   update to the user;
//! - `Not ready: 1 of 3 pods ready; pod web-1: …`;
//! - `Ready 3/3, but …` (a failing pod, or DaemonSet pods on nodes they should not run on);
//! - `Partitioned: …` (a StatefulSet whose partition keeps low ordinals on the old revision), `Healthy: 3/3 ready`.
//!
//! **The timeline** holds the controller's events and one entry per failing pod (its current state, last).
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::app::{AppPod, event_entry, owned_by, pod_entry};
use super::catalogue::{Subject, Vars, explain};
use super::diagnose::{Diagnosis, Verdict};
use super::event::PodEvent;
use super::timeline::{TimelineEntry, deduplicate};
use crate::analysis::health::Health;

/// The label every StatefulSet and DaemonSet pod carries: the controller revision it was made from.
const REVISION_HASH: &str = "controller-revision-hash";

/// The verdict on a StatefulSet or DaemonSet, its rollout, its pods and its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadTimeline {
    pub verdict: Verdict,
    /// `spec.replicas` (StatefulSet) or `status.desiredNumberScheduled` (DaemonSet).
    pub desired: i32,
    /// Pods of the update revision.
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    /// `RollingUpdate` or `OnDelete`.
    pub strategy: String,
    /// The revision pods move to (`status.updateRevision`; StatefulSets only).
    pub update_revision: Option<String>,
    /// The revision of the pods before the rollout (`status.currentRevision`; StatefulSets only).
    pub current_revision: Option<String>,
    /// Ordinals below it stay on the old revision (StatefulSets with a partition).
    pub partition: Option<i32>,
    /// Pods running on nodes they should not (`status.numberMisscheduled`; DaemonSets only).
    pub misscheduled: Option<i32>,
    /// Failing pods first, then by ordinal or name.
    pub pods: Vec<AppPod>,
    /// Its ControllerRevisions, newest first ([`WorkloadTimeline::add_revisions`]).
    pub revisions: Vec<WorkloadRevision>,
    /// Why the revisions could not be read, when they could not.
    pub revisions_unread: Option<String>,
    pub timeline: Vec<TimelineEntry>,
}

impl WorkloadTimeline {
    /// Whether the app needs attention (the headless command exits 2 then).
    pub fn has_problem(&self) -> bool {
        matches!(self.verdict.severity, Health::Warning | Health::Error | Health::Unknown)
    }
}

/// What the verdict is decided from, read from either controller's spec and status.
struct Shape<'a> {
    kind: &'static str,
    meta: &'a ObjectMeta,
    desired: i32,
    updated: i32,
    ready: i32,
    available: i32,
    /// Pods that exist, of any revision.
    total: i32,
    strategy: String,
    partition: Option<i32>,
    misscheduled: Option<i32>,
    update_revision: Option<String>,
    current_revision: Option<String>,
    /// The controller has not yet seen the latest spec: a rollout is about to start.
    stale: bool,
}

/// The app timeline of a StatefulSet. `pods` may hold others (only those it owns count), each with its own
/// diagnosis; `events` may hold any events of the namespace.
pub fn statefulset_timeline(
    sts: &StatefulSet,
    pods: &[(Pod, Diagnosis)],
    events: &[PodEvent],
    now: Timestamp,
) -> WorkloadTimeline {
    let spec = sts.spec.as_ref();
    let status = sts.status.clone().unwrap_or_default();
    let strategy = spec.and_then(|s| s.update_strategy.as_ref());
    let partition = strategy.and_then(|s| s.rolling_update.as_ref()).and_then(|r| r.partition).filter(|p| *p > 0);
    let shape = Shape {
        kind: "StatefulSet",
        meta: &sts.metadata,
        desired: spec.and_then(|s| s.replicas).unwrap_or(1),
        updated: status.updated_replicas.unwrap_or(0),
        ready: status.ready_replicas.unwrap_or(0),
        // `availableReplicas` came with Kubernetes 1.22; before it, ready is what there is.
        available: status.available_replicas.or(status.ready_replicas).unwrap_or(0),
        total: status.replicas,
        strategy: strategy.and_then(|s| s.type_.clone()).unwrap_or_else(|| "RollingUpdate".into()),
        partition,
        misscheduled: None,
        update_revision: status.update_revision.clone(),
        current_revision: status.current_revision.clone(),
        stale: status.observed_generation.is_some_and(|g| Some(g) < sts.metadata.generation),
    };
    build(shape, pods, events, now)
}

/// The app timeline of a DaemonSet, as [`statefulset_timeline`]: one pod per node it should run on.
pub fn daemonset_timeline(
    ds: &DaemonSet,
    pods: &[(Pod, Diagnosis)],
    events: &[PodEvent],
    now: Timestamp,
) -> WorkloadTimeline {
    let status = ds.status.clone().unwrap_or_default();
    let strategy = ds.spec.as_ref().and_then(|s| s.update_strategy.as_ref()).and_then(|s| s.type_.clone());
    let shape = Shape {
        kind: "DaemonSet",
        meta: &ds.metadata,
        desired: status.desired_number_scheduled,
        updated: status.updated_number_scheduled.unwrap_or(0),
        ready: status.number_ready,
        available: status.number_available.unwrap_or(0),
        total: status.current_number_scheduled + status.number_misscheduled,
        strategy: strategy.unwrap_or_else(|| "RollingUpdate".into()),
        partition: None,
        misscheduled: Some(status.number_misscheduled),
        update_revision: None,
        current_revision: None,
        stale: status.observed_generation.is_some_and(|g| Some(g) < ds.metadata.generation),
    };
    build(shape, pods, events, now)
}

/// `web-10` → 10: StatefulSet pods sort by ordinal, not by text.
fn ordinal(name: &str) -> Option<u32> {
    name.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
}

fn build(shape: Shape<'_>, pods: &[(Pod, Diagnosis)], events: &[PodEvent], now: Timestamp) -> WorkloadTimeline {
    let name = shape.meta.name.clone().unwrap_or_default();
    let namespace = shape.meta.namespace.clone().unwrap_or_default();
    let mut app_pods: Vec<(AppPod, bool)> = pods
        .iter()
        .filter(|(pod, _)| owned_by(&pod.metadata, shape.kind, shape.meta))
        .map(|(pod, d)| {
            let hash = pod.metadata.labels.as_ref().and_then(|l| l.get(REVISION_HASH));
            let old = shape.update_revision.is_some() && hash != shape.update_revision.as_ref();
            let app_pod = AppPod {
                name: pod.metadata.name.clone().unwrap_or_default(),
                replica_set: None,
                revision: None,
                severity: d.verdict.severity,
                headline: d.verdict.headline.clone(),
                failing: d.has_problem(),
            };
            (app_pod, old)
        })
        .collect();
    app_pods.sort_by(|(a, _), (b, _)| {
        b.failing
            .cmp(&a.failing)
            .then(b.severity.cmp(&a.severity))
            .then(ordinal(&a.name).cmp(&ordinal(&b.name)))
            .then(a.name.cmp(&b.name))
    });

    let own_events: Vec<PodEvent> =
        events.iter().filter(|e| e.object_kind == shape.kind && e.object_name == name).cloned().collect();
    let own_events = deduplicate(&own_events);
    let worst = app_pods.first().filter(|(p, _)| p.failing).map(|(p, _)| p);
    let verdict = verdict(&shape, &name, worst, &own_events);

    let vars = Vars::new().with("ns", namespace.as_str()).with("owner", name.as_str());
    // The catalogue's controller events speak of ReplicaSets; these come from this controller.
    let (replicaset, own) = (format!("replicaset {name} "), format!("{} {name} ", shape.kind.to_lowercase()));
    let mut entries: Vec<(Timestamp, TimelineEntry)> = own_events
        .iter()
        .map(|e| {
            let (at, mut entry) = event_entry(e, &vars, now);
            entry.explanation.kubectl = entry.explanation.kubectl.replace(&replicaset, &own);
            (at, entry)
        })
        .collect();
    entries.sort_by_key(|(at, _)| *at);
    let mut timeline: Vec<TimelineEntry> = entries.into_iter().map(|(_, e)| e).collect();
    for (p, old) in app_pods.iter().filter(|(p, _)| p.failing) {
        let mut entry = pod_entry(p, pods, &namespace);
        if *old {
            entry.fact = format!("Pod {} (old revision): {}", p.name, p.headline);
        }
        timeline.push(entry);
    }

    WorkloadTimeline {
        verdict,
        desired: shape.desired,
        updated: shape.updated,
        ready: shape.ready,
        available: shape.available,
        strategy: shape.strategy,
        update_revision: shape.update_revision,
        current_revision: shape.current_revision,
        partition: shape.partition,
        misscheduled: shape.misscheduled,
        pods: app_pods.into_iter().map(|(p, _)| p).collect(),
        revisions: Vec::new(),
        revisions_unread: None,
        timeline,
    }
}

fn verdict(shape: &Shape<'_>, name: &str, worst: Option<&AppPod>, events: &[PodEvent]) -> Verdict {
    let (desired, updated, ready) = (shape.desired, shape.updated, shape.ready);
    let worst_words = worst.map(|p| format!("; pod {}: {}", p.name, p.headline)).unwrap_or_default();
    let failed_create = events.iter().filter(|e| e.reason == "FailedCreate").max_by_key(|e| e.at());
    if let Some(failed) = failed_create.filter(|_| shape.total < desired) {
        let why = explain(Subject::Event, "FailedCreate", &failed.message, &Vars::new());
        return Verdict {
            severity: Health::Error,
            headline: format!(
                "Stuck: cannot create pods ({}), {} of {desired} exist",
                why.title.to_lowercase(),
                shape.total
            ),
            detail: Some(format!("{} {}", why.meaning, failed.message)),
        };
    }
    if desired == 0 && shape.total == 0 {
        return match shape.kind {
            "DaemonSet" => Verdict {
                severity: Health::Warning,
                headline: "Runs nowhere: no node matches it (desiredNumberScheduled is 0)".into(),
                detail: Some(format!(
                    "No node fits daemonset {name}'s node selector, affinity and tolerations, so it runs no pod."
                )),
            },
            _ => Verdict { severity: Health::Ok, headline: "Scaled to zero: no pods wanted".into(), detail: None },
        };
    }
    // The pods a rollout moves: all of them, or those at or above the partition's ordinal.
    let target = (desired - shape.partition.unwrap_or(0)).max(0);
    let on_delete = shape.strategy == "OnDelete";
    let rolling = shape.stale || updated < target;
    if rolling && on_delete {
        return Verdict {
            severity: if worst.is_some() { Health::Warning } else { Health::Pending },
            headline: format!("Waiting for deletes (OnDelete): {updated} of {desired} pods updated{worst_words}"),
            detail: Some(format!(
                "The update strategy is OnDelete: each pod of {} {name} moves to the new revision only when it is \
                 deleted.",
                shape.kind.to_lowercase()
            )),
        };
    }
    if rolling && let Some(p) = worst {
        let how = match shape.kind {
            "StatefulSet" => "A StatefulSet updates one ordinal at a time and waits for each to be Ready.",
            _ => "A DaemonSet replaces pods node by node, only as many unavailable at once as maxUnavailable allows.",
        };
        return Verdict {
            severity: Health::Error,
            headline: format!("Stuck: pod {}: {} ({updated} of {target} pods updated)", p.name, p.headline),
            detail: Some(format!("{how} Fix pod {} and the rollout goes on.", p.name)),
        };
    }
    if rolling {
        let moving = shape.update_revision.as_ref().map(|r| format!("Pods move to revision {r}."));
        return Verdict {
            severity: Health::Pending,
            headline: format!("Rolling out: {updated} of {target} pods updated"),
            detail: moving,
        };
    }
    if ready < desired {
        return Verdict {
            severity: if ready == 0 { Health::Error } else { Health::Warning },
            headline: format!("Not ready: {ready} of {desired} pods ready{worst_words}"),
            detail: None,
        };
    }
    if let Some(p) = worst {
        return Verdict {
            severity: Health::Warning,
            headline: format!("Ready {ready}/{desired}, but pod {}: {}", p.name, p.headline),
            detail: None,
        };
    }
    if let Some(n) = shape.misscheduled.filter(|n| *n > 0) {
        return Verdict {
            severity: Health::Warning,
            headline: format!(
                "Ready {ready}/{desired}, but {n} pods run on nodes they should not (numberMisscheduled)"
            ),
            detail: Some(
                "A node's labels or taints changed after its pod started; delete those pods to clear it.".into(),
            ),
        };
    }
    if let Some(partition) = shape.partition
        && updated < desired
    {
        return Verdict {
            severity: Health::Ok,
            headline: format!(
                "Partitioned: {updated} of {desired} pods updated, ordinals below {partition} kept on the old revision"
            ),
            detail: Some("Lower the partition to update the rest.".into()),
        };
    }
    Verdict { severity: Health::Ok, headline: format!("Healthy: {ready}/{desired} ready"), detail: None }
}

mod revisions;
#[cfg(test)]
mod tests;

pub use revisions::WorkloadRevision;
