//! Workloads: Deployments, StatefulSets and DaemonSets short of ready pods, rollouts that gave up, Jobs that
//! failed, and CronJobs whose last Job failed.
//!
//! A suspended CronJob or a Deployment scaled to zero is someone's decision, not a fault. A rollout still
//! within its deadline with no failing pod is on its way, not a fault either.
use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, DeploymentCondition, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{Fault, FaultKind, Open, Severity, Snapshot, because, describe, first_pod_fault, kubectl, pods_in};
use crate::analysis::network::labels::{Match, selector_matches};

type ByPod<'a> = BTreeMap<(String, String), &'a Fault>;

pub fn faults(snapshot: &Snapshot, by_pod: &ByPod<'_>) -> Vec<Fault> {
    let mut out = Vec::new();
    out.extend(snapshot.deployments.iter().flatten().filter_map(|d| deployment(snapshot, by_pod, d)));
    out.extend(snapshot.stateful_sets.iter().flatten().filter_map(|s| stateful_set(snapshot, by_pod, s)));
    out.extend(snapshot.daemon_sets.iter().flatten().filter_map(|d| daemon_set(snapshot, by_pod, d)));
    out.extend(snapshot.jobs.iter().flatten().filter(|j| !owned_by_cron_job(j)).filter_map(|j| job(snapshot, j)));
    out.extend(snapshot.cron_jobs.iter().flatten().filter_map(|c| cron_job(snapshot, c)));
    out
}

fn ns_name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> (String, String) {
    (meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

/// The pods of the namespace the selector picks.
fn selected<'a>(snapshot: &'a Snapshot, ns: &'a str, selector: &'a LabelSelector) -> impl Iterator<Item = &'a Pod> {
    pods_in(snapshot, ns).filter(move |p| selector_matches(selector, p.metadata.labels.as_ref()) == Match::Yes)
}

fn fault(
    snapshot: &Snapshot,
    severity: Severity,
    kind: FaultKind,
    (ns, name): (String, String),
    verdict: String,
    detail: String,
) -> Fault {
    let kubectl = describe(snapshot, kind, Some(&ns), &name);
    let open = if kind == FaultKind::Deployment { Open::List } else { Open::Detail };
    Fault { severity, kind, namespace: Some(ns), name, verdict, detail, kubectl, open }
}

fn condition<'a>(conditions: &'a [DeploymentCondition], kind: &str) -> Option<&'a DeploymentCondition> {
    conditions.iter().find(|c| c.type_ == kind)
}

/// Fewer ready replicas than wanted: critical when none is ready.
fn short_of(ready: i32) -> Severity {
    if ready == 0 { Severity::Critical } else { Severity::Warning }
}

fn deployment(snapshot: &Snapshot, by_pod: &ByPod<'_>, d: &Deployment) -> Option<Fault> {
    let spec = d.spec.as_ref()?;
    let desired = spec.replicas.unwrap_or(1);
    let status = d.status.clone().unwrap_or_default();
    let conditions = status.conditions.clone().unwrap_or_default();
    let key = ns_name(&d.metadata);
    let culprit = first_pod_fault(by_pod, &key.0, selected(snapshot, &key.0, &spec.selector));
    let kubectl_rollout = kubectl(snapshot, Some(&key.0), &["rollout", "status", "deployment", &key.1]);
    if let Some(c) = condition(&conditions, "Progressing")
        .filter(|c| c.status == "False" && c.reason.as_deref() == Some("ProgressDeadlineExceeded"))
    {
        let message = c.message.clone().unwrap_or_default();
        let mut f = fault(
            snapshot,
            Severity::Critical,
            FaultKind::Deployment,
            key,
            format!("Rollout stuck (ProgressDeadlineExceeded){}", because(culprit)),
            format!(
                "{message} The rollout made no progress within its deadline and gave up waiting for new pods to \
                 become available; the old ones keep serving, if any. Fix what the failing pod says, or roll back."
            ),
        );
        f.kubectl = kubectl_rollout;
        return Some(f);
    }
    if let Some(c) = condition(&conditions, "ReplicaFailure").filter(|c| c.status == "True") {
        let message = c.message.clone().unwrap_or_default();
        return Some(fault(
            snapshot,
            Severity::Critical,
            FaultKind::Deployment,
            key,
            format!("Cannot create pods: {message}"),
            "The ReplicaSet could not create its pods (a quota, a LimitRange or an admission webhook refused \
             them). Its events say which."
                .into(),
        ));
    }
    if desired == 0 {
        return None;
    }
    let available = status.available_replicas.unwrap_or(0);
    if available >= desired {
        return None;
    }
    // A rollout within its deadline, with no pod failing, is on its way.
    let rolling = condition(&conditions, "Progressing")
        .is_some_and(|c| c.status == "True" && c.reason.as_deref() != Some("NewReplicaSetAvailable"));
    if rolling && culprit.is_none() {
        return None;
    }
    Some(fault(
        snapshot,
        short_of(available),
        FaultKind::Deployment,
        key,
        format!("{available}/{desired} replicas available{}", because(culprit)),
        format!(
            "{} of its {desired} pods are not available, so it serves with less capacity than asked{}.",
            desired - available,
            if available == 0 { " (none at all)" } else { "" }
        ),
    ))
}

fn stateful_set(snapshot: &Snapshot, by_pod: &ByPod<'_>, s: &StatefulSet) -> Option<Fault> {
    let spec = s.spec.as_ref()?;
    let desired = spec.replicas.unwrap_or(1);
    let ready = s.status.as_ref().and_then(|st| st.ready_replicas).unwrap_or(0);
    if desired == 0 || ready >= desired {
        return None;
    }
    let key = ns_name(&s.metadata);
    let culprit = first_pod_fault(by_pod, &key.0, selected(snapshot, &key.0, &spec.selector));
    Some(fault(
        snapshot,
        short_of(ready),
        FaultKind::StatefulSet,
        key,
        format!("{ready}/{desired} replicas ready{}", because(culprit)),
        "A StatefulSet starts its pods one by one, in order: a pod that does not become Ready holds back the \
         ones after it."
            .into(),
    ))
}

fn daemon_set(snapshot: &Snapshot, by_pod: &ByPod<'_>, d: &DaemonSet) -> Option<Fault> {
    let status = d.status.as_ref()?;
    let desired = status.desired_number_scheduled;
    let ready = status.number_ready;
    let misscheduled = status.number_misscheduled;
    let key = ns_name(&d.metadata);
    let selector = &d.spec.as_ref()?.selector;
    let culprit = first_pod_fault(by_pod, &key.0, selected(snapshot, &key.0, selector));
    if desired > 0 && ready < desired {
        return Some(fault(
            snapshot,
            short_of(ready),
            FaultKind::DaemonSet,
            key,
            format!("{ready}/{desired} pods ready{}", because(culprit)),
            format!("{} of the nodes it should run on have no ready pod of it.", desired - ready),
        ));
    }
    (misscheduled > 0).then(|| {
        fault(
            snapshot,
            Severity::Warning,
            FaultKind::DaemonSet,
            key,
            format!("{misscheduled} pods run on nodes they should not"),
            "Those nodes no longer match its node selector, affinity or tolerations.".into(),
        )
    })
}

fn owned_by_cron_job(job: &Job) -> bool {
    job.metadata.owner_references.iter().flatten().any(|o| o.kind == "CronJob")
}

/// The Job's Failed condition, as (reason, message).
fn failed(job: &Job) -> Option<(String, String)> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Failed" && c.status == "True")
        .map(|c| (c.reason.clone().unwrap_or_else(|| "Failed".into()), c.message.clone().unwrap_or_default()))
}

fn job_verdict(reason: &str, message: &str) -> String {
    let plain = match reason {
        "BackoffLimitExceeded" => "its pods failed too many times (BackoffLimitExceeded)".to_string(),
        "DeadlineExceeded" => "it ran longer than its activeDeadlineSeconds (DeadlineExceeded)".to_string(),
        other if message.is_empty() => other.to_string(),
        other => format!("{other}: {message}"),
    };
    format!("Failed: {plain}")
}

fn job(snapshot: &Snapshot, j: &Job) -> Option<Fault> {
    let (reason, message) = failed(j)?;
    let key = ns_name(&j.metadata);
    let pods = kubectl(snapshot, Some(&key.0), &["get", "pods", "-l", &format!("job-name={}", key.1)]);
    let mut f = fault(
        snapshot,
        Severity::Critical,
        FaultKind::Job,
        key,
        job_verdict(&reason, &message),
        "The Job stopped trying. Its pods' logs say why they failed; fix that and create the Job again.".into(),
    );
    f.kubectl = pods;
    Some(f)
}

fn created(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<Timestamp> {
    meta.creation_timestamp.as_ref().map(|t| t.0)
}

fn cron_job(snapshot: &Snapshot, c: &CronJob) -> Option<Fault> {
    let key = ns_name(&c.metadata);
    let uid = c.metadata.uid.as_deref();
    // Its Jobs: by owner uid when known, else by owner name.
    let last = snapshot
        .jobs
        .iter()
        .flatten()
        .filter(|j| j.metadata.namespace.as_deref() == Some(key.0.as_str()))
        .filter(|j| {
            j.metadata.owner_references.iter().flatten().any(|o| {
                o.kind == "CronJob" && (uid.is_some_and(|u| u == o.uid) || (o.uid.is_empty() && o.name == key.1))
            })
        })
        .max_by_key(|j| (created(&j.metadata), j.metadata.name.clone()))?;
    let (reason, message) = failed(last)?;
    let job_name = last.metadata.name.clone().unwrap_or_default();
    let suspended = c.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false);
    let logs = kubectl(snapshot, Some(&key.0), &["logs", &format!("job/{job_name}")]);
    let mut f = fault(
        snapshot,
        Severity::Critical,
        FaultKind::CronJob,
        key,
        format!("Last run failed: Job {job_name}: {}", job_verdict(&reason, &message).trim_start_matches("Failed: ")),
        format!(
            "The latest Job it created failed{}. Its pod's logs say why.",
            if suspended { ", and the CronJob is suspended, so it will not run again until resumed" } else { "" }
        ),
    );
    f.kubectl = logs;
    Some(f)
}
