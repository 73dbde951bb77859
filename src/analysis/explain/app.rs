//! An app's story: a Deployment, its ReplicaSets (one per revision) and their pods. It answers "is my app
//! rolling out, and which pods fail to start?" with one verdict and a timeline.
//!
//! **The verdict**, most urgent first:
//! - `Stuck: cannot create pods (…)`: a ReplicaSet's latest `FailedCreate` (quota, admission) while pods are
//!   missing;
//! - `Stuck: revision N made no progress …`: the `Progressing` condition says `ProgressDeadlineExceeded`;
//! - `Rolling out: 2 of 3 new pods ready`: the newest revision does not run all pods yet, or old ones remain;
//! - `Not ready: 1 of 3 pods ready`: no rollout, but pods are missing or failing;
//! - `Healthy: 3/3 ready`.
//!
//! Each verdict but the healthy one names the worst failing pod and its own verdict.
//!
//! **The timeline** holds the events of the Deployment and its ReplicaSets (scaling, FailedCreate,
//! ProgressDeadlineExceeded), the Deployment's conditions, and one entry per failing pod (its current state,
//! so it goes last). The ordering and deduplication rules are the pod timeline's.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::catalogue::{Severity, Subject, Vars, explain};
use super::diagnose::{Diagnosis, Verdict};
use super::event::PodEvent;
use super::timeline::{TimelineEntry, TimelineKind, deduplicate};
use crate::analysis::health::Health;

const REVISION: &str = "deployment.kubernetes.io/revision";

/// One revision of the app: a ReplicaSet and how far it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub replica_set: String,
    /// `deployment.kubernetes.io/revision`; `None` when the annotation is missing.
    pub revision: Option<i64>,
    /// The newest revision, the one a rollout moves pods to.
    pub current: bool,
    pub desired: i32,
    pub ready: i32,
    pub images: Vec<String>,
    pub created: Option<Timestamp>,
}

/// One pod of the app and its own verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppPod {
    pub name: String,
    pub replica_set: Option<String>,
    pub revision: Option<i64>,
    pub severity: Health,
    pub headline: String,
    /// Whether this pod needs attention.
    pub failing: bool,
}

/// The verdict on an app, its revisions, its pods and its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppTimeline {
    pub verdict: Verdict,
    pub desired: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    /// Newest first.
    pub revisions: Vec<Revision>,
    /// Failing pods first, then by name.
    pub pods: Vec<AppPod>,
    pub timeline: Vec<TimelineEntry>,
}

impl AppTimeline {
    /// Whether the app needs attention (the headless command exits 2 then).
    pub fn has_problem(&self) -> bool {
        matches!(self.verdict.severity, Health::Warning | Health::Error | Health::Unknown)
    }
}

/// Whether `meta` names `owner` (kind and name) among its owners.
pub(super) fn owned_by(meta: &ObjectMeta, kind: &str, owner: &ObjectMeta) -> bool {
    meta.owner_references.iter().flatten().any(|o| {
        o.kind == kind
            && Some(&o.name) == owner.name.as_ref()
            && (owner.uid.is_none() || o.uid.is_empty() || Some(&o.uid) == owner.uid.as_ref())
    })
}

fn revision_of(rs: &ReplicaSet) -> Option<i64> {
    rs.metadata.annotations.as_ref()?.get(REVISION)?.parse().ok()
}

/// The app timeline of `deploy`. `replica_sets` and `pods` may hold others (only those the Deployment owns
/// count); each pod comes with its own diagnosis. `events` may hold any events of the namespace: only those
/// about the Deployment and its ReplicaSets are kept.
pub fn app_timeline(
    deploy: &Deployment,
    replica_sets: &[ReplicaSet],
    pods: &[(Pod, Diagnosis)],
    events: &[PodEvent],
    now: Timestamp,
) -> AppTimeline {
    let name = deploy.metadata.name.clone().unwrap_or_default();
    let namespace = deploy.metadata.namespace.clone().unwrap_or_default();
    let spec = deploy.spec.as_ref();
    let status = deploy.status.clone().unwrap_or_default();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);

    let mut owned: Vec<&ReplicaSet> =
        replica_sets.iter().filter(|rs| owned_by(&rs.metadata, "Deployment", &deploy.metadata)).collect();
    owned.sort_by_key(|rs| std::cmp::Reverse((revision_of(rs), rs.metadata.creation_timestamp.clone())));
    let newest = owned.first().and_then(|rs| rs.metadata.name.clone());
    let revisions: Vec<Revision> = owned.iter().map(|rs| revision(rs, newest.as_deref())).collect();

    let mut app_pods: Vec<AppPod> = pods
        .iter()
        .filter_map(|(pod, d)| {
            let rs = owned.iter().find(|rs| owned_by(&pod.metadata, "ReplicaSet", &rs.metadata))?;
            Some(AppPod {
                name: pod.metadata.name.clone().unwrap_or_default(),
                replica_set: rs.metadata.name.clone(),
                revision: revision_of(rs),
                severity: d.verdict.severity,
                headline: d.verdict.headline.clone(),
                failing: d.has_problem(),
            })
        })
        .collect();
    app_pods.sort_by(|a, b| b.failing.cmp(&a.failing).then(b.severity.cmp(&a.severity)).then(a.name.cmp(&b.name)));

    let owner_names: Vec<String> = owned.iter().filter_map(|rs| rs.metadata.name.clone()).collect();
    let app_events: Vec<PodEvent> = events
        .iter()
        .filter(|e| {
            (e.object_kind == "Deployment" && e.object_name == name)
                || (e.object_kind == "ReplicaSet" && owner_names.contains(&e.object_name))
        })
        .cloned()
        .collect();
    let app_events = deduplicate(&app_events);

    let ready = status.ready_replicas.unwrap_or(0);
    let facts = Facts {
        desired,
        updated: status.updated_replicas.unwrap_or(0),
        ready,
        total: status.replicas.unwrap_or(0),
        newest: revisions.first(),
        conditions: status.conditions.as_deref().unwrap_or_default(),
        events: &app_events,
        worst: app_pods.first().filter(|p| p.failing),
        deadline: spec.and_then(|s| s.progress_deadline_seconds),
        paused: spec.and_then(|s| s.paused).unwrap_or(false),
        stale: status.observed_generation.is_some_and(|g| Some(g) < deploy.metadata.generation),
    };
    let verdict = facts.verdict();

    let vars = Vars::new().with("ns", namespace.as_str()).with("owner", name.as_str());
    let mut entries: Vec<(Timestamp, TimelineEntry)> = Vec::new();
    for e in &app_events {
        entries.push(event_entry(e, &vars, now));
    }
    let created = deploy.metadata.creation_timestamp.as_ref().map(|t| t.0);
    for c in facts.conditions {
        entries.push(condition_entry(&name, c, &vars, created.unwrap_or(now)));
    }
    for p in app_pods.iter().filter(|p| p.failing) {
        entries.push((now, pod_entry(p, pods, &namespace)));
    }
    entries.sort_by_key(|(at, _)| *at);

    AppTimeline {
        verdict,
        desired,
        updated: facts.updated,
        ready,
        available: status.available_replicas.unwrap_or(0),
        revisions,
        pods: app_pods,
        timeline: entries.into_iter().map(|(_, e)| e).collect(),
    }
}

fn revision(rs: &ReplicaSet, newest: Option<&str>) -> Revision {
    let images = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.spec.as_ref())
        .map(|p| p.containers.iter().filter_map(|c| c.image.clone()).collect())
        .unwrap_or_default();
    let status = rs.status.as_ref();
    Revision {
        replica_set: rs.metadata.name.clone().unwrap_or_default(),
        revision: revision_of(rs),
        current: rs.metadata.name.as_deref() == newest,
        desired: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0),
        ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
        images,
        created: rs.metadata.creation_timestamp.as_ref().map(|t| t.0),
    }
}

/// What the verdict is decided from.
struct Facts<'a> {
    desired: i32,
    updated: i32,
    ready: i32,
    /// Pods of every revision.
    total: i32,
    newest: Option<&'a Revision>,
    conditions: &'a [DeploymentCondition],
    events: &'a [PodEvent],
    worst: Option<&'a AppPod>,
    deadline: Option<i32>,
    paused: bool,
    /// The controller has not yet seen the latest spec: a rollout is about to start.
    stale: bool,
}

impl Facts<'_> {
    fn verdict(&self) -> Verdict {
        let worst = self.worst.map(|p| format!("; pod {}: {}", p.name, p.headline)).unwrap_or_default();
        let revision = self.newest.and_then(|r| r.revision).map(|r| format!("revision {r}"));
        let revision_words = revision.clone().unwrap_or_else(|| "the new revision".into());
        // The headline names the worst pod already; the detail only adds what it does not say.
        let detail: Option<String> = None;

        if let Some(failed) = self.failed_create() {
            let why = explain(Subject::Event, "FailedCreate", &failed.message, &Vars::new());
            return Verdict {
                severity: Health::Error,
                headline: format!(
                    "Stuck: cannot create pods ({}), {} of {} exist",
                    why.title.to_lowercase(),
                    self.total,
                    self.desired
                ),
                detail: Some(format!("{} {}", why.meaning, failed.message)),
            };
        }
        if let Some(c) = self.progressing().filter(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded")) {
            let seconds = self.deadline.map(|s| format!(" in {s}s")).unwrap_or_default();
            return Verdict {
                severity: Health::Error,
                headline: format!("Stuck: {revision_words} made no progress{seconds}{worst}"),
                detail: c.message.clone().or(detail),
            };
        }
        let new_ready = self.newest.map_or(self.ready, |r| r.ready);
        let rolling = self.stale || self.updated < self.desired || self.total > self.updated;
        if self.desired == 0 && self.total == 0 {
            return Verdict { severity: Health::Ok, headline: "Scaled to zero: no pods wanted".into(), detail: None };
        }
        if rolling {
            let paused = if self.paused { " (paused)" } else { "" };
            return Verdict {
                severity: if self.worst.is_some() { Health::Warning } else { Health::Pending },
                headline: format!("Rolling out{paused}: {new_ready} of {} new pods ready{worst}", self.desired),
                detail: self.worst.is_none().then(|| revision.map(|r| format!("Pods move to {r}."))).flatten(),
            };
        }
        if self.ready < self.desired {
            return Verdict {
                severity: if self.ready == 0 { Health::Error } else { Health::Warning },
                headline: format!("Not ready: {} of {} pods ready{worst}", self.ready, self.desired),
                detail,
            };
        }
        if let Some(p) = self.worst {
            return Verdict {
                severity: Health::Warning,
                headline: format!("Ready {}/{}, but pod {}: {}", self.ready, self.desired, p.name, p.headline),
                detail,
            };
        }
        let on = revision.map(|r| format!(", {r}")).unwrap_or_default();
        Verdict {
            severity: Health::Ok,
            headline: format!("Healthy: {}/{} ready{on}", self.ready, self.desired),
            detail: None,
        }
    }

    fn progressing(&self) -> Option<&DeploymentCondition> {
        self.conditions.iter().find(|c| c.type_ == "Progressing")
    }

    /// The latest FailedCreate, while pods are still missing (an old one the controller got past is history).
    fn failed_create(&self) -> Option<&PodEvent> {
        if self.total >= self.desired {
            return None;
        }
        self.events.iter().filter(|e| e.reason == "FailedCreate").max_by_key(|e| e.at())
    }
}

pub(super) fn event_entry(e: &PodEvent, vars: &Vars, now: Timestamp) -> (Timestamp, TimelineEntry) {
    let vars = vars.clone().with("owner", e.object_name.as_str());
    let explanation = explain(Subject::Event, &e.reason, &e.message, &vars);
    let entry = TimelineEntry::of_event(e, format!("{}/{}", e.object_kind, e.object_name), None, explanation);
    (entry.at.unwrap_or(now), entry)
}

/// A condition without a transition time goes at the Deployment's creation, as the pod timeline does.
fn condition_entry(
    name: &str,
    c: &DeploymentCondition,
    vars: &Vars,
    fallback: Timestamp,
) -> (Timestamp, TimelineEntry) {
    let reason = c.reason.as_deref().filter(|r| !r.is_empty());
    let message = c.message.as_deref().unwrap_or_default();
    let key = match reason {
        Some(r) => r.to_string(),
        None => format!("{}={}", c.type_, c.status),
    };
    let explanation = explain(Subject::Condition, &key, message, vars);
    let mut fact = format!("{} = {}", c.type_, c.status);
    if let Some(r) = reason {
        fact.push_str(&format!(" ({r})"));
    }
    if !message.is_empty() {
        fact.push_str(&format!(": {message}"));
    }
    let at = c.last_transition_time.as_ref().or(c.last_update_time.as_ref()).map(|t| t.0);
    let entry = TimelineEntry {
        at,
        first_at: None,
        count: 1,
        estimated_time: at.is_none(),
        kind: TimelineKind::Condition,
        object: format!("Deployment/{name}"),
        container: None,
        warning: explanation.severity != Severity::Info,
        recorded: false,
        fact,
        explanation,
        exit_code: None,
    };
    (at.unwrap_or(fallback), entry)
}

/// A failing pod, explained by the finding behind its verdict.
pub(super) fn pod_entry(p: &AppPod, pods: &[(Pod, Diagnosis)], namespace: &str) -> TimelineEntry {
    let diagnosis = pods.iter().find(|(pod, _)| pod.metadata.name.as_deref() == Some(p.name.as_str())).map(|(_, d)| d);
    let finding = diagnosis.and_then(|d| {
        d.findings
            .iter()
            .find(|f| f.headline == d.verdict.headline)
            .or_else(|| d.findings.iter().find(|f| f.owner.is_none()))
    });
    let explanation = finding
        .map(|f| f.explanation.clone())
        .unwrap_or_else(|| explain(Subject::PodPhase, &p.headline, "", &Vars::pod(namespace, &p.name)));
    let revision = p.revision.map(|r| format!(" (revision {r})")).unwrap_or_default();
    TimelineEntry {
        at: None,
        first_at: None,
        count: 1,
        estimated_time: true,
        kind: TimelineKind::Pod,
        object: format!("Pod/{}", p.name),
        container: finding.and_then(|f| f.container.clone()),
        warning: true,
        recorded: false,
        fact: format!("Pod {}{revision}: {}", p.name, p.headline),
        explanation,
        exit_code: None,
    }
}

#[cfg(test)]
mod tests;
