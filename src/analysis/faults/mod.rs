//! The cluster-wide fault list: everything with a problem, ranked by severity, each with a one-line verdict.
//! Pure: it reads a [`Snapshot`] of listed objects and never asks the server anything.
//!
//! - [`pods`]: the pod diagnosis of `explain`, kept when it finds a problem;
//! - [`workloads`]: Deployments, StatefulSets, DaemonSets short of ready pods, stuck rollouts, failed Jobs and
//!   CronJobs whose last Job failed;
//! - [`network`]: Services with no ready endpoint, Ingresses whose backend Service or port is missing;
//! - [`infra`]: PersistentVolumeClaims stuck Pending or Lost, Nodes not Ready or under pressure.
//!
//! Healthy objects never appear: each check speaks only when it has evidence of a problem.
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Endpoints, Event, Node, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::Ingress;
use serde::Serialize;

pub mod infra;
pub mod network;
pub mod pods;
pub mod workloads;

#[cfg(test)]
mod tests;

/// How urgent a fault is. Ranked: critical first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Degraded, or on its way to breaking: some replicas missing, a node under pressure, a claim waiting.
    Warning,
    /// Broken: nothing serves, nothing runs, the rollout or the Job gave up.
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

/// The kinds the fault list checks, in the order they are listed within one severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum FaultKind {
    Node,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Service,
    Ingress,
    PersistentVolumeClaim,
}

impl FaultKind {
    /// The kind as kubectl takes it (`kubectl get pvc`).
    pub fn kubectl(self) -> &'static str {
        match self {
            FaultKind::Node => "node",
            FaultKind::Pod => "pod",
            FaultKind::Deployment => "deployment",
            FaultKind::StatefulSet => "statefulset",
            FaultKind::DaemonSet => "daemonset",
            FaultKind::Job => "job",
            FaultKind::CronJob => "cronjob",
            FaultKind::Service => "service",
            FaultKind::Ingress => "ingress",
            FaultKind::PersistentVolumeClaim => "pvc",
        }
    }

    /// A short name for narrow columns.
    pub fn short(self) -> &'static str {
        match self {
            FaultKind::Node => "Node",
            FaultKind::Pod => "Pod",
            FaultKind::Deployment => "Deploy",
            FaultKind::StatefulSet => "StatefulSet",
            FaultKind::DaemonSet => "DaemonSet",
            FaultKind::Job => "Job",
            FaultKind::CronJob => "CronJob",
            FaultKind::Service => "Service",
            FaultKind::Ingress => "Ingress",
            FaultKind::PersistentVolumeClaim => "PVC",
        }
    }
}

/// What Enter on the fault opens in the TUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Open {
    /// The pod's explanation: verdict, findings and timeline.
    Explain,
    /// The list view of its kind, with the cursor on it.
    List,
    /// The fault's own detail, in a text pane.
    Detail,
}

/// One object with a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub severity: Severity,
    pub kind: FaultKind,
    /// `None` for cluster-scoped objects (nodes).
    pub namespace: Option<String>,
    pub name: String,
    /// The one-line answer: "Crashing on start: exit code 1, 7 restarts".
    pub verdict: String,
    /// A sentence or two behind the verdict: what it means, what to check.
    pub detail: String,
    /// The kubectl command for the next check.
    pub kubectl: String,
    pub open: Open,
}

/// The objects the checks read. A list that could not be read is `None`: the checks that need it are skipped,
/// and the fetcher says so in the report.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The kubeconfig context, for `--context` in kubectl lines; `None` leaves it out.
    pub context: Option<String>,
    pub now: Timestamp,
    pub pods: Option<Vec<Pod>>,
    pub deployments: Option<Vec<Deployment>>,
    pub stateful_sets: Option<Vec<StatefulSet>>,
    pub daemon_sets: Option<Vec<DaemonSet>>,
    pub jobs: Option<Vec<Job>>,
    pub cron_jobs: Option<Vec<CronJob>>,
    pub services: Option<Vec<Service>>,
    pub endpoints: Option<Vec<Endpoints>>,
    pub endpoint_slices: Option<Vec<EndpointSlice>>,
    pub ingresses: Option<Vec<Ingress>>,
    pub claims: Option<Vec<PersistentVolumeClaim>>,
    pub nodes: Option<Vec<Node>>,
    pub events: Option<Vec<Event>>,
    /// Names of ConfigMaps and Secrets, as (namespace, name), so a pod's verdict can say one is missing.
    pub config_maps: Option<BTreeSet<(String, String)>>,
    pub secrets: Option<BTreeSet<(String, String)>>,
}

/// A kind that could not be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unchecked {
    /// The resource, as kubectl names it (`nodes`, `cronjobs`).
    pub resource: String,
    /// The server's words, or what was missing.
    pub reason: String,
    /// `kubectl auth can-i list nodes --context …` when the answer was "forbidden".
    pub can_i: Option<String>,
}

/// The fault list and what it is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The kubeconfig context.
    pub context: String,
    /// The namespace checked, or `None` for every namespace.
    pub namespace: Option<String>,
    /// Ranked: critical first.
    pub faults: Vec<Fault>,
    /// The resources that were listed.
    pub checked: Vec<String>,
    pub unchecked: Vec<Unchecked>,
}

impl Report {
    pub fn has_faults(&self) -> bool {
        !self.faults.is_empty()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.faults.iter().filter(|f| f.severity == severity).count()
    }
}

/// Every fault in the snapshot, ranked: severity, then kind, then namespace and name.
pub fn find(snapshot: &Snapshot) -> Vec<Fault> {
    let pod_faults = pods::faults(snapshot);
    // Workloads and Services name the pod that explains them: "0/1 available; checkout-…: Crashing on start…".
    let by_pod: BTreeMap<(String, String), &Fault> =
        pod_faults.iter().map(|f| ((f.namespace.clone().unwrap_or_default(), f.name.clone()), f)).collect();
    let mut faults = Vec::new();
    faults.extend(workloads::faults(snapshot, &by_pod));
    faults.extend(network::faults(snapshot, &by_pod));
    faults.extend(infra::faults(snapshot));
    faults.extend(pod_faults);
    rank(&mut faults);
    faults
}

pub fn rank(faults: &mut [Fault]) {
    faults.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.namespace.cmp(&b.namespace))
            .then(a.name.cmp(&b.name))
    });
}

/// A kubectl line with `-n` and `--context` when known, shell-quoted.
pub(crate) fn kubectl(snapshot: &Snapshot, namespace: Option<&str>, args: &[&str]) -> String {
    let mut argv: Vec<&str> = vec!["kubectl"];
    argv.extend_from_slice(args);
    if let Some(ns) = namespace {
        argv.extend(["-n", ns]);
    }
    if let Some(ctx) = snapshot.context.as_deref() {
        argv.extend(["--context", ctx]);
    }
    shlex::try_join(argv.iter().copied()).unwrap_or_else(|_| argv.join(" "))
}

/// `kubectl describe KIND NAME -n NS`.
pub(crate) fn describe(snapshot: &Snapshot, kind: FaultKind, namespace: Option<&str>, name: &str) -> String {
    kubectl(snapshot, namespace, &["describe", kind.kubectl(), name])
}

/// The pods of a namespace.
pub(crate) fn pods_in<'a>(snapshot: &'a Snapshot, namespace: &'a str) -> impl Iterator<Item = &'a Pod> + 'a {
    snapshot.pods.iter().flatten().filter(move |p| p.metadata.namespace.as_deref() == Some(namespace))
}

/// The first pod fault among these pods: the one that explains why a workload or Service has no ready pod.
pub(crate) fn first_pod_fault<'a, 'p>(
    by_pod: &BTreeMap<(String, String), &'a Fault>,
    namespace: &str,
    pods: impl Iterator<Item = &'p Pod>,
) -> Option<&'a Fault> {
    let mut found: Vec<&Fault> = pods
        .filter_map(|p| by_pod.get(&(namespace.to_string(), p.metadata.name.clone().unwrap_or_default())).copied())
        .collect();
    found.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.name.cmp(&b.name)));
    found.first().copied()
}

/// "; checkout-7b5…: Crashing on start: exit code 1" for a verdict, or "" when no pod explains it.
pub(crate) fn because(pod: Option<&Fault>) -> String {
    pod.map(|f| format!("; pod {}: {}", f.name, f.verdict)).unwrap_or_default()
}
