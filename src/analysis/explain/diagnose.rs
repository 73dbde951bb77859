//! The verdict on one pod: "Crashing on start: exit code 1, 7 restarts", "Cannot be scheduled: it asks for
//! 64 CPUs, and the largest node has 4"… and the findings behind it, each with the field that proves it.
//!
//! Findings are gathered from the pod as a whole (terminating, evicted), scheduling, its node, its init
//! containers, then its containers. The verdict is the most severe finding (the first one on a tie); a pod
//! with no finding worse than healthy gets a healthy verdict. Nothing is claimed without evidence: when the
//! facts do not say why, the verdict states the raw fact.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Event, Node, Pod};
use serde::Serialize;

use super::catalogue::{Explanation, Subject, Vars, explain, explain_exit_code};
use super::event::PodEvent;
use super::probe::{self, ProbeKind};
use super::quantity;
use super::scheduling::{self, Misfit};
use crate::analysis::age::human_duration;
use crate::analysis::health::Health;
use crate::analysis::pod_status::pod_summary;

/// A container that stays in ContainerCreating longer than this is stuck, not slow.
const CREATING_STUCK_AFTER: SignedDuration = SignedDuration::from_mins(5);
/// An init container running longer than this is more likely waiting for something than working.
const INIT_SLOW_AFTER: SignedDuration = SignedDuration::from_mins(5);
/// A crash that ended this soon after the start is a crash on start.
const CRASH_ON_START: SignedDuration = SignedDuration::from_mins(1);
/// Restarts (and OOM kills) older than this no longer make the verdict.
const RECENT_TROUBLE: SignedDuration = SignedDuration::from_hours(1);
/// How long a new pod may wait for its claims to bind before that counts as a problem.
const CLAIM_BINDING_GRACE: SignedDuration = SignedDuration::from_mins(2);
/// How long past its deletion deadline a pod may take before it counts as stuck.
const TERMINATING_SLACK: SignedDuration = SignedDuration::from_secs(30);

/// What else in the namespace the diagnosis may look at. `None` means "not known" (not listed, or
/// forbidden): the diagnosis then trusts the kubelet's message and does not guess.
#[derive(Debug, Clone, Default)]
pub struct Related {
    pub config_maps: Option<BTreeSet<String>>,
    pub secrets: Option<BTreeSet<String>>,
    /// PersistentVolumeClaims by name, with their `status.phase`.
    pub claims: Option<BTreeMap<String, String>>,
    /// Events on the pod's ReplicaSet and Deployment (core/v1).
    pub owner_events: Vec<Event>,
}

/// The one-line answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub severity: Health,
    pub headline: String,
    /// One or two plain sentences behind the headline.
    pub detail: Option<String>,
}

/// A field of an object and its value, which proves a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// `status.containerStatuses[0].lastState.terminated.exitCode`, `events[FailedScheduling].message`.
    pub path: String,
    pub value: String,
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}", self.path, self.value)
    }
}

/// One thing found wrong (or notable) about the pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: Health,
    pub headline: String,
    pub container: Option<String>,
    /// Set for a finding about the pod's owner (`ReplicaSet/x`); those never make the pod's verdict.
    pub owner: Option<String>,
    pub evidence: Vec<Evidence>,
    /// The main explanation: meaning, next check, kubectl, docs.
    pub explanation: Explanation,
    /// More explanations of the same finding (the exit code of a crash).
    pub also: Vec<Explanation>,
}

/// The container whose last log line would complete the verdict ("…, last log line: FATAL …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLineWanted {
    pub container: String,
    /// The crashed run (`--previous`) rather than the current one.
    pub previous: bool,
}

/// The verdict and its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// The hook for the UI: fetch this log line, then call [`Diagnosis::add_last_log_line`].
    pub wants_last_log_line: Option<LogLineWanted>,
}

impl Diagnosis {
    /// Completes the verdict with the line the crashed container logged last.
    pub fn add_last_log_line(&mut self, line: &str) {
        let line = line.trim();
        if self.wants_last_log_line.is_some() && !line.is_empty() {
            self.verdict.headline.push_str(&format!(", last log line: {line}"));
            self.wants_last_log_line = None;
        }
    }

    /// Whether the pod needs attention (the headless commands exit 2 then).
    pub fn has_problem(&self) -> bool {
        matches!(self.verdict.severity, Health::Warning | Health::Error | Health::Unknown)
    }
}

/// Diagnoses one pod from its events (core/v1; others are ignored), the cluster's nodes, and what else is
/// known in its namespace.
pub fn diagnose(pod: &Pod, events: &[Event], nodes: &[Node], related: &Related, now: Timestamp) -> Diagnosis {
    let ctx = Ctx::new(pod, events, nodes, related, now);
    let mut d = Diagnoser { ctx: &ctx, findings: Vec::new(), wants_log: None };
    d.terminating();
    d.pod_level();
    d.scheduling();
    d.node();
    d.init_containers();
    d.containers();
    d.owners();
    let Diagnoser { findings, wants_log, .. } = d;
    let verdict = verdict(&ctx, &findings);
    // The log line only completes a verdict about that container.
    let wants_last_log_line = wants_log.filter(|(headline, _)| *headline == verdict.headline).map(|(_, w)| w);
    Diagnosis { verdict, findings, wants_last_log_line }
}

fn verdict(ctx: &Ctx<'_>, findings: &[Finding]) -> Verdict {
    let top = findings
        .iter()
        .filter(|f| f.owner.is_none())
        .fold(None::<&Finding>, |best, f| match best {
            Some(b) if b.severity >= f.severity => Some(b),
            _ => Some(f),
        })
        .filter(|f| f.severity != Health::Ok);
    match top {
        Some(f) => Verdict { severity: f.severity, headline: f.headline.clone(), detail: Some(detail(f)) },
        None => {
            let summary = pod_summary(ctx.pod, ctx.now);
            let (ready, total) = summary.ready;
            let mut headline = format!("Healthy: {ready}/{total} containers ready");
            if let Some(age) = ctx.created.map(|c| human_duration(ctx.now.duration_since(c))) {
                headline.push_str(&format!(", up {age}"));
            }
            if summary.restarts > 0 {
                headline.push_str(&format!(", {} earlier restarts", summary.restarts));
            }
            Verdict { severity: Health::Ok, headline, detail: None }
        }
    }
}

fn detail(f: &Finding) -> String {
    let mut parts = vec![f.explanation.meaning.clone()];
    parts.extend(f.also.iter().map(|e| e.meaning.clone()));
    parts.join(" ")
}

/// What every check needs, computed once.
struct Ctx<'a> {
    pod: &'a Pod,
    name: String,
    namespace: String,
    node: Option<String>,
    created: Option<Timestamp>,
    events: Vec<PodEvent>,
    owner_events: Vec<PodEvent>,
    nodes: &'a [Node],
    related: &'a Related,
    now: Timestamp,
}

impl<'a> Ctx<'a> {
    fn new(pod: &'a Pod, events: &[Event], nodes: &'a [Node], related: &'a Related, now: Timestamp) -> Ctx<'a> {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let pod_events = events
            .iter()
            .map(PodEvent::from_core)
            .filter(|e| e.object_name == name && (e.object_kind.is_empty() || e.object_kind == "Pod"))
            .collect();
        Ctx {
            pod,
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            node: pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty()),
            created: pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
            events: pod_events,
            owner_events: related.owner_events.iter().map(PodEvent::from_core).collect(),
            name,
            nodes,
            related,
            now,
        }
    }

    fn vars(&self) -> Vars {
        let mut v = Vars::pod(&self.namespace, &self.name);
        if let Some(node) = &self.node {
            v.set("node", node.as_str());
        }
        v
    }

    /// The latest event with this reason (for one container, when given) whose message passes `keep`.
    fn latest_event(&self, reason: &str, container: Option<&str>, keep: impl Fn(&str) -> bool) -> Option<&PodEvent> {
        self.events
            .iter()
            .filter(|e| e.reason == reason && keep(&e.message))
            .filter(|e| container.is_none() || e.container().is_none() || e.container() == container)
            .max_by_key(|e| e.at())
    }

    fn spec_container(&self, name: &str, init: bool) -> Option<&'a Container> {
        let spec = self.pod.spec.as_ref()?;
        let list = if init { spec.init_containers.as_deref().unwrap_or_default() } else { &spec.containers };
        list.iter().find(|c| c.name == name)
    }

    fn age(&self) -> Option<SignedDuration> {
        self.created.map(|c| self.now.duration_since(c))
    }
}

struct Diagnoser<'c, 'a> {
    ctx: &'c Ctx<'a>,
    findings: Vec<Finding>,
    /// The headline a log line would complete, and which log.
    wants_log: Option<(String, LogLineWanted)>,
}

fn ev(path: impl Into<String>, value: impl ToString) -> Evidence {
    Evidence { path: path.into(), value: value.to_string() }
}

impl Diagnoser<'_, '_> {
    fn push(
        &mut self,
        severity: Health,
        headline: String,
        container: Option<&str>,
        evidence: Vec<Evidence>,
        explanation: Explanation,
    ) {
        self.findings.push(Finding {
            severity,
            headline,
            container: container.map(str::to_string),
            owner: None,
            evidence,
            explanation,
            also: Vec::new(),
        });
    }

    fn last_also(&mut self, e: Explanation) {
        if let Some(f) = self.findings.last_mut() {
            f.also.push(e);
        }
    }

    // ---------------------------------------------------------------- the pod as a whole

    fn terminating(&mut self) {
        let ctx = self.ctx;
        let Some(deleted) = ctx.pod.metadata.deletion_timestamp.as_ref().map(|t| t.0) else { return };
        let finalizers = ctx.pod.metadata.finalizers.clone().unwrap_or_default();
        // deletionTimestamp is the deadline (request time + grace period), not the request time.
        let overdue = ctx.now.duration_since(deleted) > TERMINATING_SLACK;
        let node_down = ctx.node.as_deref().and_then(|n| node_ready(ctx.nodes, n)).is_some_and(|ready| !ready);
        let mut evidence = vec![ev("metadata.deletionTimestamp", deleted)];
        let (severity, headline, message) = if overdue && !finalizers.is_empty() {
            evidence.push(ev("metadata.finalizers", finalizers.join(", ")));
            let late = human_duration(ctx.now.duration_since(deleted));
            (
                Health::Error,
                format!("Stuck terminating for {late}: held by finalizers {}", finalizers.join(", ")),
                format!("finalizers: {}", finalizers.join(", ")),
            )
        } else if overdue && node_down {
            let node = ctx.node.clone().unwrap_or_default();
            evidence.push(ev(format!("nodes[{node}].status.conditions[Ready].status"), "not True"));
            (
                Health::Error,
                format!("Stuck terminating: its node {node} is not Ready, so nothing confirms the containers stopped"),
                "node not ready".to_string(),
            )
        } else {
            (Health::Warning, "Terminating: shutting down within its grace period".to_string(), String::new())
        };
        let explanation = explain(Subject::PodPhase, "Terminating", &message, &ctx.vars());
        self.push(severity, headline, None, evidence, explanation);
    }

    fn pod_level(&mut self) {
        let ctx = self.ctx;
        let Some(status) = ctx.pod.status.as_ref() else { return };
        let reason = status.reason.as_deref().unwrap_or_default();
        let message = status.message.as_deref().unwrap_or_default();
        let phase = status.phase.as_deref().unwrap_or_default();
        let vars = ctx.vars();
        match (reason, phase) {
            ("Evicted", _) => {
                let resource = message
                    .split_once("low on resource: ")
                    .map(|(_, r)| r.split(|c: char| c == '.' || c == ',' || c.is_whitespace()).next().unwrap_or(""))
                    .filter(|r| !r.is_empty());
                let headline = match resource {
                    Some(r) => format!("Evicted: the node ran low on {r}"),
                    None if message.is_empty() => "Evicted from its node".to_string(),
                    None => format!("Evicted: {message}"),
                };
                let evidence = vec![ev("status.reason", reason), ev("status.message", message)];
                let explanation = explain(Subject::Event, "Evicted", message, &vars);
                self.push(Health::Error, headline, None, evidence, explanation);
            }
            ("NodeLost", _) => {
                let node = ctx.node.clone().unwrap_or_default();
                let evidence = vec![ev("status.reason", reason)];
                let explanation = explain(Subject::PodPhase, "NodeLost", message, &vars);
                self.push(
                    Health::Unknown,
                    format!("Unknown: its node {node} stopped reporting"),
                    None,
                    evidence,
                    explanation,
                );
            }
            (_, "Succeeded") => {
                let explanation = explain(Subject::PodPhase, "Succeeded", "", &vars);
                let evidence = vec![ev("status.phase", phase)];
                self.push(
                    Health::Completed,
                    "Completed: every container exited with code 0".into(),
                    None,
                    evidence,
                    explanation,
                );
            }
            (r, "Failed") if !r.is_empty() => {
                let explanation = explain(Subject::PodPhase, r, message, &vars);
                let evidence = vec![ev("status.phase", phase), ev("status.reason", r)];
                let headline =
                    if message.is_empty() { format!("Failed: {r}") } else { format!("Failed: {r}: {message}") };
                self.push(Health::Error, headline, None, evidence, explanation);
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- scheduling

    fn scheduling(&mut self) {
        let ctx = self.ctx;
        if ctx.node.is_some() {
            return;
        }
        let status = ctx.pod.status.as_ref();
        if status.and_then(|s| s.phase.as_deref()).is_some_and(|p| p == "Succeeded" || p == "Failed") {
            return;
        }
        let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or_default();
        let scheduled = conditions.iter().find(|c| c.type_ == "PodScheduled");
        let vars = ctx.vars();
        if let Some(c) = scheduled.filter(|c| c.reason.as_deref() == Some("SchedulingGated")) {
            let gates: Vec<String> = ctx
                .pod
                .spec
                .as_ref()
                .and_then(|s| s.scheduling_gates.as_ref())
                .map(|g| g.iter().map(|g| g.name.clone()).collect())
                .unwrap_or_default();
            let evidence = vec![ev("status.conditions[PodScheduled].reason", "SchedulingGated")];
            let explanation = explain(Subject::Condition, "SchedulingGated", c.message.as_deref().unwrap_or(""), &vars);
            let headline = if gates.is_empty() {
                "Not scheduled yet: scheduling gates hold it".to_string()
            } else {
                format!("Not scheduled yet: waiting for scheduling gates {}", gates.join(", "))
            };
            self.push(Health::Warning, headline, None, evidence, explanation);
            return;
        }
        let from_condition = scheduled.filter(|c| c.status == "False").and_then(|c| {
            c.message
                .clone()
                .filter(|m| !m.is_empty())
                .map(|m| (m, "status.conditions[PodScheduled].message".to_string()))
        });
        let from_event = ctx
            .latest_event("FailedScheduling", None, |_| true)
            .map(|e| (e.message.clone(), "events[FailedScheduling].message".to_string()));
        let Some((message, path)) = from_event.or(from_condition) else {
            let explanation = explain(Subject::PodPhase, "Pending", "", &vars);
            let evidence = vec![ev("spec.nodeName", "(none)")];
            self.push(Health::Pending, "Waiting to be scheduled".into(), None, evidence, explanation);
            return;
        };
        let mut evidence = vec![ev(path, &message)];
        let explanation = explain(Subject::Event, "FailedScheduling", &message, &vars);
        let parsed = scheduling::parse(&message);
        let headline = match &parsed {
            Some(f) if f.has(|m| matches!(m, Misfit::UnboundClaims | Misfit::MissingClaim { .. })) => {
                self.claim_headline(f, &mut evidence)
            }
            Some(f) if !f.insufficient().is_empty() => self.resources_headline(f, &mut evidence),
            Some(f) if f.has(|m| matches!(m, Misfit::Taint { .. })) => {
                let keys: BTreeSet<&str> = f
                    .reasons
                    .iter()
                    .filter_map(|r| match &r.misfit {
                        Misfit::Taint { key, .. } => Some(key.as_str()),
                        _ => None,
                    })
                    .collect();
                format!(
                    "Cannot be scheduled: nodes have taints it does not tolerate ({})",
                    keys.into_iter().collect::<Vec<_>>().join(", ")
                )
            }
            Some(f) if f.has(|m| *m == Misfit::NodeAffinity) => {
                "Cannot be scheduled: no node matches its node selector or affinity".to_string()
            }
            Some(f) => format!("Cannot be scheduled: {}", f.summary().trim_end_matches('.')),
            None => format!("Cannot be scheduled: {message}"),
        };
        // A claim is often bound within seconds of the pod's creation: only a lasting wait is a problem.
        let young = ctx.age().is_some_and(|a| a < CLAIM_BINDING_GRACE);
        let severity = if message.contains("unbound immediate") && young { Health::Pending } else { Health::Error };
        self.push(severity, headline, None, evidence, explanation);
    }

    fn claim_headline(&self, f: &scheduling::SchedulingFailure, evidence: &mut Vec<Evidence>) -> String {
        let ctx = self.ctx;
        if let Some(claim) = f.reasons.iter().find_map(|r| match &r.misfit {
            Misfit::MissingClaim { claim } => Some(claim.clone()),
            _ => None,
        }) {
            return format!("Pending: PersistentVolumeClaim {claim} does not exist in namespace {}", ctx.namespace);
        }
        let claims: Vec<(usize, String)> = ctx
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.volumes.as_ref())
            .map(|vs| {
                vs.iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.persistent_volume_claim.as_ref().map(|c| (i, c.claim_name.clone())))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(known) = &ctx.related.claims {
            for (i, claim) in &claims {
                evidence.push(ev(format!("spec.volumes[{i}].persistentVolumeClaim.claimName"), claim));
                match known.get(claim) {
                    None => {
                        return format!(
                            "Pending: PersistentVolumeClaim {claim} does not exist in namespace {}",
                            ctx.namespace
                        );
                    }
                    Some(phase) if phase != "Bound" => {
                        evidence.push(ev(format!("persistentvolumeclaims[{claim}].status.phase"), phase));
                        return format!("Pending: PersistentVolumeClaim {claim} is {phase}, not bound to a volume");
                    }
                    Some(_) => {}
                }
            }
        }
        match claims.as_slice() {
            [(_, only)] => format!("Pending: PersistentVolumeClaim {only} is not bound to a volume yet"),
            _ => "Pending: a PersistentVolumeClaim of the pod is not bound to a volume yet".to_string(),
        }
    }

    /// "it asks for 64 CPUs, and the largest node has 4", when a request exceeds every node; otherwise the
    /// nodes are merely full.
    fn resources_headline(&self, f: &scheduling::SchedulingFailure, evidence: &mut Vec<Evidence>) -> String {
        let ctx = self.ctx;
        for resource in f.insufficient() {
            let Some(asked) = pod_request(ctx.pod, resource) else { continue };
            let largest = ctx
                .nodes
                .iter()
                .filter_map(|n| {
                    let q = n.status.as_ref()?.allocatable.as_ref()?.get(resource)?;
                    Some((n.metadata.name.clone().unwrap_or_default(), quantity::value(q)?, q.0.clone()))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((node, most, raw)) = largest else { continue };
            if let Some(path) = request_path(ctx.pod, resource) {
                evidence.push(ev(path.0, path.1));
            }
            evidence.push(ev(format!("nodes[{node}].status.allocatable.{resource}"), raw));
            if asked > most {
                return match resource {
                    "cpu" => format!(
                        "Cannot be scheduled: it asks for {}, and the largest node has {}",
                        quantity::cpu_words(asked),
                        quantity::cpu_number(most)
                    ),
                    "memory" => format!(
                        "Cannot be scheduled: it asks for {} of memory, and the largest node has {}",
                        quantity::bytes_words(asked),
                        quantity::bytes_words(most)
                    ),
                    other => {
                        format!("Cannot be scheduled: it asks for {asked} {other}, and the largest node has {most}")
                    }
                };
            }
        }
        let resources = f.insufficient().join(" and ");
        format!("Cannot be scheduled: no node has enough free {resources} for it (the nodes are full)")
    }

    // ---------------------------------------------------------------- the node

    fn node(&mut self) {
        let ctx = self.ctx;
        let Some(node) = ctx.node.as_deref() else { return };
        if ctx.pod.metadata.deletion_timestamp.is_some() {
            return;
        }
        if node_ready(ctx.nodes, node) == Some(false) {
            let evidence = vec![ev(format!("nodes[{node}].status.conditions[Ready].status"), "not True")];
            let explanation = explain(Subject::Event, "NodeNotReady", "", &ctx.vars());
            let headline = format!("Its node {node} is not Ready: the pod's state is unknown and it may be evicted");
            self.push(Health::Error, headline, None, evidence, explanation);
        }
    }

    // ---------------------------------------------------------------- init containers

    fn init_containers(&mut self) {
        let ctx = self.ctx;
        let statuses = ctx.pod.status.as_ref().and_then(|s| s.init_container_statuses.as_deref()).unwrap_or_default();
        for (i, cs) in statuses.iter().enumerate() {
            let spec = ctx.spec_container(&cs.name, true);
            if spec.is_some_and(|c| c.restart_policy.as_deref() == Some("Always")) {
                // A sidecar: it runs alongside the app, like an app container.
                self.container(cs, i, true);
                continue;
            }
            let state = cs.state.as_ref();
            if state.and_then(|s| s.terminated.as_ref()).is_some_and(|t| t.exit_code == 0) {
                continue;
            }
            let base = format!("status.initContainerStatuses[{i}]");
            if let Some(running) = state.and_then(|s| s.running.as_ref()) {
                let since = running.started_at.as_ref().map(|t| ctx.now.duration_since(t.0));
                let vars = ctx.vars().with("container", cs.name.as_str());
                let explanation = explain(Subject::PodPhase, "Init:Running", "", &vars);
                let mut evidence = vec![ev(
                    format!("{base}.state.running.startedAt"),
                    running.started_at.as_ref().map(|t| t.0.to_string()).unwrap_or_default(),
                )];
                evidence.push(ev("status.conditions[Initialized].status", "False"));
                let (severity, headline) = match since {
                    Some(d) if d > INIT_SLOW_AFTER => (
                        Health::Warning,
                        format!("Initializing for {}: init container {} has not finished", human_duration(d), cs.name),
                    ),
                    _ => (Health::Pending, format!("Initializing: init container {} is running", cs.name)),
                };
                self.push(severity, headline.clone(), Some(&cs.name), evidence, explanation);
                self.wants_log = Some((headline, LogLineWanted { container: cs.name.clone(), previous: false }));
            } else {
                self.container(cs, i, true);
            }
            // Init containers run one at a time: the first unfinished one is the story.
            return;
        }
    }

    // ---------------------------------------------------------------- containers

    fn containers(&mut self) {
        let ctx = self.ctx;
        let initialized = ctx
            .pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_none_or(|cs| cs.iter().all(|c| c.type_ != "Initialized" || c.status == "True"));
        let statuses = ctx.pod.status.as_ref().and_then(|s| s.container_statuses.as_deref()).unwrap_or_default();
        for (i, cs) in statuses.iter().enumerate() {
            let waiting_for_init = cs
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .is_some_and(|w| w.reason.as_deref() == Some("PodInitializing"));
            if waiting_for_init && !initialized {
                continue;
            }
            self.container(cs, i, false);
        }
    }

    fn container(&mut self, cs: &ContainerStatus, index: usize, init: bool) {
        let ctx = self.ctx;
        let list = if init { "initContainerStatuses" } else { "containerStatuses" };
        let base = format!("status.{list}[{index}]");
        let who = if init { format!("init container {}", cs.name) } else { format!("container {}", cs.name) };
        let vars = ctx.vars().with("container", cs.name.as_str());
        let spec = ctx.spec_container(&cs.name, init);
        let state = cs.state.as_ref();
        let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());

        if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
            let reason = w.reason.as_deref().unwrap_or_default();
            let message = w.message.as_deref().unwrap_or_default();
            let mut evidence = vec![ev(format!("{base}.state.waiting.reason"), reason)];
            if !message.is_empty() {
                evidence.push(ev(format!("{base}.state.waiting.message"), message));
            }
            let prefix = if init { format!("Init container {}: ", cs.name) } else { String::new() };
            match reason {
                "CrashLoopBackOff" => {
                    if let Some(t) = last.filter(|t| t.reason.as_deref() == Some("OOMKilled")) {
                        self.oom(cs, &base, spec, t, init);
                        return;
                    }
                    let code = last.map(|t| t.exit_code);
                    if let Some(code) = code {
                        evidence.push(ev(format!("{base}.lastState.terminated.exitCode"), code));
                    }
                    evidence.push(ev(format!("{base}.restartCount"), cs.restart_count));
                    let ran =
                        last.and_then(|t| Some(t.finished_at.as_ref()?.0.duration_since(t.started_at.as_ref()?.0)));
                    let restarts = plural(cs.restart_count, "restart");
                    let what =
                        if init { format!("Init container {} crashing", cs.name) } else { "Crashing".to_string() };
                    let when = match ran {
                        Some(d) if d >= CRASH_ON_START => format!(" after running {}", human_duration(d)),
                        Some(_) => " on start".to_string(),
                        None => String::new(),
                    };
                    let headline = match code {
                        // Exit 0 is not a crash: the process finished, and the restart policy starts it again.
                        Some(0) => format!("Restarting in a loop: {who} exits with code 0{when}, {restarts}"),
                        Some(code) => format!("{what}{when}: exit code {code}, {restarts}"),
                        None => format!("{what}{when}: {restarts}"),
                    };
                    let explanation = explain(Subject::Waiting, reason, message, &vars);
                    self.push(Health::Error, headline.clone(), Some(&cs.name), evidence, explanation);
                    if let Some(code) = code {
                        self.last_also(explain_exit_code(code, &vars));
                    }
                    self.wants_log = Some((headline, LogLineWanted { container: cs.name.clone(), previous: true }));
                }
                "ImagePullBackOff" | "ErrImagePull" => {
                    let image = spec.map(|c| c.image.clone().unwrap_or_default()).unwrap_or_else(|| cs.image.clone());
                    let from_event = ctx.latest_event("Failed", Some(&cs.name), |m| {
                        m.contains("Failed to pull image") && (image.is_empty() || m.contains(image.as_str()))
                    });
                    let (explanation, cause) = match from_event {
                        Some(e) => {
                            evidence.push(ev("events[Failed].message", &e.message));
                            (explain(Subject::Event, "Failed", &e.message, &vars), e.message.clone())
                        }
                        None => (explain(Subject::Waiting, reason, message, &vars), message.to_string()),
                    };
                    let why = match explanation.id.rsplit('.').next().unwrap_or_default() {
                        "dns" => Some("the registry does not resolve"),
                        "not-found" => Some("the registry has no such image or tag"),
                        "unauthorized" => Some("the registry refused access (missing or wrong credentials)"),
                        "unreachable" => Some("the registry cannot be reached"),
                        _ => None,
                    };
                    let headline = match why {
                        Some(why) => format!("{prefix}Cannot pull image {image}: {why}"),
                        None if cause.is_empty() => format!("{prefix}Cannot pull image {image} ({reason})"),
                        None => format!("{prefix}Cannot pull image {image}: {}", short(&cause)),
                    };
                    self.push(Health::Error, headline, Some(&cs.name), evidence, explanation);
                }
                "InvalidImageName" => {
                    let image = spec.and_then(|c| c.image.clone()).unwrap_or_else(|| cs.image.clone());
                    let explanation = explain(Subject::Waiting, reason, message, &vars);
                    self.push(
                        Health::Error,
                        format!("{prefix}Invalid image name {image:?}"),
                        Some(&cs.name),
                        evidence,
                        explanation,
                    );
                }
                "CreateContainerConfigError" => {
                    let explanation = explain(Subject::Waiting, reason, message, &vars);
                    let headline = self.config_headline(&explanation, message, &prefix, &who);
                    self.push(Health::Error, headline, Some(&cs.name), evidence, explanation);
                }
                "ContainerCreating" => self.creating(cs, evidence, &vars),
                "PodInitializing" => {}
                _ => {
                    let explanation = explain(Subject::Waiting, reason, message, &vars);
                    let severity = if explanation.known { Health::Error } else { Health::Warning };
                    let headline = if message.is_empty() {
                        format!("{prefix}Cannot start {who}: {reason}")
                    } else {
                        format!("{prefix}Cannot start {who}: {reason}: {}", short(message))
                    };
                    self.push(severity, headline, Some(&cs.name), evidence, explanation);
                }
            }
            return;
        }

        if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            if t.reason.as_deref() == Some("OOMKilled") {
                self.oom(cs, &base, spec, t, init);
                return;
            }
            if t.exit_code == 0 {
                return;
            }
            let reason = t.reason.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| "Error".to_string());
            let evidence = vec![
                ev(format!("{base}.state.terminated.exitCode"), t.exit_code),
                ev(format!("{base}.state.terminated.reason"), &reason),
            ];
            let explanation = explain(Subject::Terminated, &reason, t.message.as_deref().unwrap_or(""), &vars);
            let headline = if init {
                format!("Init container {} failed: exit code {} ({reason})", cs.name, t.exit_code)
            } else {
                format!("Failed: {who} exited with code {} ({reason})", t.exit_code)
            };
            self.push(Health::Error, headline.clone(), Some(&cs.name), evidence, explanation);
            self.last_also(explain_exit_code(t.exit_code, &vars));
            self.wants_log = Some((headline, LogLineWanted { container: cs.name.clone(), previous: false }));
            return;
        }

        if state.and_then(|s| s.running.as_ref()).is_some() {
            self.running(cs, &base, spec, last, &vars);
        }
    }

    fn running(
        &mut self,
        cs: &ContainerStatus,
        base: &str,
        spec: Option<&Container>,
        last: Option<&k8s_openapi::api::core::v1::ContainerStateTerminated>,
        vars: &Vars,
    ) {
        let ctx = self.ctx;
        // Restarts: an OOM kill or a crash that happened lately.
        if let Some(t) = last.filter(|_| cs.restart_count > 0) {
            let finished = t.finished_at.as_ref().map(|f| f.0);
            let recent = finished.is_some_and(|f| ctx.now.duration_since(f) < RECENT_TROUBLE);
            if t.reason.as_deref() == Some("OOMKilled") && recent {
                self.oom(cs, base, spec, t, false);
            } else if recent && t.exit_code != 0 {
                let ago = finished.map(|f| human_duration(ctx.now.duration_since(f))).unwrap_or_default();
                let reason = t.reason.clone().unwrap_or_else(|| "Error".into());
                let headline = format!(
                    "Restarting: exit code {} ({reason}) {ago} ago, {}",
                    t.exit_code,
                    plural(cs.restart_count, "restart")
                );
                let evidence = vec![
                    ev(format!("{base}.lastState.terminated.exitCode"), t.exit_code),
                    ev(format!("{base}.restartCount"), cs.restart_count),
                ];
                let explanation = explain(Subject::Terminated, &reason, "", vars);
                self.push(Health::Warning, headline.clone(), Some(&cs.name), evidence, explanation);
                self.last_also(explain_exit_code(t.exit_code, vars));
                self.wants_log = Some((headline, LogLineWanted { container: cs.name.clone(), previous: true }));
            }
        }

        // Liveness failures restart the container: worth saying even when it is ready right now.
        if let Some(e) =
            ctx.latest_event("Unhealthy", Some(&cs.name), |m| ProbeKind::from_message(m) == Some(ProbeKind::Liveness))
        {
            let headline =
                capitalized(&probe_headline(ProbeKind::Liveness, e, spec, "so the kubelet restarts the container"));
            let evidence = vec![ev("events[Unhealthy].message", &e.message), ev("events[Unhealthy].count", e.count)];
            let explanation = explain(Subject::Event, "Unhealthy", &e.message, vars);
            self.push(Health::Warning, headline, Some(&cs.name), evidence, explanation);
        }

        if cs.ready {
            return;
        }
        let mut evidence = vec![ev(format!("{base}.ready"), false)];
        let started = cs.started == Some(true);
        let unhealthy = |kind: ProbeKind| {
            ctx.latest_event("Unhealthy", Some(&cs.name), move |m| ProbeKind::from_message(m) == Some(kind))
        };
        if let Some(e) = unhealthy(ProbeKind::Readiness) {
            evidence.push(ev("events[Unhealthy].message", &e.message));
            let headline = probe_headline(ProbeKind::Readiness, e, spec, "so it receives no traffic");
            let explanation = explain(Subject::Event, "Unhealthy", &e.message, vars);
            self.push(
                Health::Warning,
                format!("Running but not Ready: {headline}"),
                Some(&cs.name),
                evidence,
                explanation,
            );
        } else if let Some(e) = unhealthy(ProbeKind::Startup).filter(|_| !started) {
            evidence.push(ev("events[Unhealthy].message", &e.message));
            let headline = probe_headline(ProbeKind::Startup, e, spec, "so it is not started yet");
            let explanation = explain(Subject::Event, "Unhealthy", &e.message, vars);
            self.push(Health::Warning, format!("Starting: {headline}"), Some(&cs.name), evidence, explanation);
        } else {
            let explanation = explain(Subject::Condition, "ContainersNotReady", "", vars);
            let headline = format!("Running but not Ready: container {} is not ready yet", cs.name);
            self.push(Health::Warning, headline, Some(&cs.name), evidence, explanation);
        }
    }

    fn oom(
        &mut self,
        cs: &ContainerStatus,
        base: &str,
        spec: Option<&Container>,
        t: &k8s_openapi::api::core::v1::ContainerStateTerminated,
        init: bool,
    ) {
        let ctx = self.ctx;
        let state = if cs.state.as_ref().is_some_and(|s| s.terminated.is_some()) { "state" } else { "lastState" };
        let limit = spec
            .and_then(|c| c.resources.as_ref())
            .and_then(|r| r.limits.as_ref())
            .and_then(|l| l.get("memory"))
            .map(|q| q.0.clone());
        let mut evidence = vec![
            ev(format!("{base}.{state}.terminated.reason"), "OOMKilled"),
            ev(format!("{base}.{state}.terminated.exitCode"), t.exit_code),
        ];
        if let Some(l) = &limit {
            let list = if init { "initContainers" } else { "containers" };
            evidence.push(ev(format!("spec.{list}[{}].resources.limits.memory", cs.name), l));
        }
        evidence.push(ev(format!("{base}.restartCount"), cs.restart_count));
        let headline = match &limit {
            Some(l) => format!("Killed for exceeding its {l} memory limit (OOMKilled, exit {})", t.exit_code),
            None => {
                format!("Killed for running out of memory (OOMKilled, exit {}); it has no memory limit", t.exit_code)
            }
        };
        let vars = ctx.vars().with("container", cs.name.as_str());
        let explanation = explain(Subject::Terminated, "OOMKilled", "", &vars);
        self.push(Health::Error, headline, Some(&cs.name), evidence, explanation);
    }

    fn config_headline(&self, explanation: &Explanation, message: &str, prefix: &str, who: &str) -> String {
        let ctx = self.ctx;
        let ns = &ctx.namespace;
        let (entry_kind, exists) = match explanation.id.rsplit('.').next().unwrap_or_default() {
            "missing-configmap" => ("ConfigMap", &ctx.related.config_maps),
            "missing-secret" => ("Secret", &ctx.related.secrets),
            "missing-configmap-key" | "missing-secret-key" => {
                // The key's name and object come from the message, as the catalogue captured them.
                return format!("{prefix}Cannot start {who}: {}", explanation.meaning.trim_end_matches('.'));
            }
            _ => {
                return if message.is_empty() {
                    format!("{prefix}Cannot configure {who} (CreateContainerConfigError)")
                } else {
                    format!("{prefix}Cannot configure {who}: {}", short(message))
                };
            }
        };
        let name = quoted_name(message).unwrap_or_default();
        match exists {
            Some(names) if names.contains(&name) => format!(
                "{prefix}Waiting for {entry_kind} {name}: it was missing at the kubelet's last try, and exists now"
            ),
            _ => format!("{prefix}Waiting for {entry_kind} {name}, which does not exist in namespace {ns}"),
        }
    }

    fn creating(&mut self, cs: &ContainerStatus, mut evidence: Vec<Evidence>, vars: &Vars) {
        let ctx = self.ctx;
        let blocker = ["FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox"]
            .into_iter()
            .find_map(|r| ctx.latest_event(r, None, |_| true));
        if let Some(e) = blocker {
            evidence.push(ev(format!("events[{}].message", e.reason), &e.message));
            let explanation = explain(Subject::Event, &e.reason, &e.message, vars);
            let headline = match e.reason.as_str() {
                "FailedMount" => match explanation.id {
                    "event.failed-mount.configmap" | "event.failed-mount.secret" => {
                        let kind = if explanation.id.ends_with("configmap") { "ConfigMap" } else { "Secret" };
                        let name = quoted_name(e.message.rsplit(':').next().unwrap_or_default()).unwrap_or_default();
                        format!(
                            "Cannot start: a volume needs {kind} {name}, which does not exist in namespace {}",
                            ctx.namespace
                        )
                    }
                    _ => format!("Cannot start: a volume cannot be mounted: {}", short(&e.message)),
                },
                "FailedAttachVolume" => format!("Cannot start: a volume cannot be attached: {}", short(&e.message)),
                _ => format!("Cannot start: the pod's sandbox cannot be created: {}", short(&e.message)),
            };
            self.push(Health::Error, headline, Some(&cs.name), evidence, explanation);
            return;
        }
        let explanation = explain(Subject::Waiting, "ContainerCreating", "", vars);
        match ctx.age() {
            Some(age) if age > CREATING_STUCK_AFTER => {
                let headline = format!("Stuck creating container {} for {}", cs.name, human_duration(age));
                self.push(Health::Warning, headline, Some(&cs.name), evidence, explanation);
            }
            _ => self.push(
                Health::Pending,
                format!("Starting: creating container {}", cs.name),
                Some(&cs.name),
                evidence,
                explanation,
            ),
        }
    }

    // ---------------------------------------------------------------- owners

    fn owners(&mut self) {
        let ctx = self.ctx;
        let vars = ctx.vars();
        for e in ctx.owner_events.iter().filter(|e| e.warning) {
            let owner = format!("{}/{}", e.object_kind, e.object_name);
            let explanation =
                explain(Subject::Event, &e.reason, &e.message, &vars.clone().with("owner", e.object_name.as_str()));
            self.findings.push(Finding {
                severity: Health::Warning,
                headline: format!("{owner}: {} {}", e.reason, short(&e.message)),
                container: None,
                owner: Some(owner),
                evidence: vec![ev(format!("events[{}].message", e.reason), &e.message)],
                explanation,
                also: Vec::new(),
            });
        }
    }
}

/// "the readiness probe on :8080/healthz fails (HTTP 503), so it receives no traffic".
fn probe_headline(kind: ProbeKind, e: &PodEvent, spec: Option<&Container>, consequence: &str) -> String {
    let target = spec.and_then(|c| kind.of(c).and_then(|p| probe::target(p, c)));
    let how = probe::failure(&e.message).map(|f| format!(" ({f})")).unwrap_or_default();
    match target {
        Some(t) => format!("the {} probe on {t} fails{how}, {consequence}", kind.word()),
        None => format!("the {} probe fails{how}, {consequence}", kind.word()),
    }
}

/// Whether the named node is Ready; `None` when the node is not known.
fn node_ready(nodes: &[Node], name: &str) -> Option<bool> {
    let node = nodes.iter().find(|n| n.metadata.name.as_deref() == Some(name))?;
    let conditions = node.status.as_ref()?.conditions.as_ref()?;
    conditions.iter().find(|c| c.type_ == "Ready").map(|c| c.status == "True")
}

/// What the scheduler counts for a resource: the larger of the containers' sum and the largest init
/// container, plus the pod's overhead. `None` when nothing requests it.
fn pod_request(pod: &Pod, resource: &str) -> Option<f64> {
    let spec = pod.spec.as_ref()?;
    let request = |c: &Container| {
        c.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get(resource)).and_then(quantity::value)
    };
    let sum: f64 = spec.containers.iter().filter_map(request).sum();
    let init = spec.init_containers.iter().flatten().filter_map(request).fold(0.0, f64::max);
    let overhead = spec.overhead.as_ref().and_then(|o| o.get(resource)).and_then(quantity::value).unwrap_or(0.0);
    Some(sum.max(init) + overhead).filter(|v| *v > 0.0)
}

/// The field path and raw value of the largest single request for a resource, as evidence.
fn request_path(pod: &Pod, resource: &str) -> Option<(String, String)> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let q = c.resources.as_ref()?.requests.as_ref()?.get(resource)?;
            Some((format!("spec.containers[{i}].resources.requests.{resource}"), q.0.clone(), quantity::value(q)?))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(p, raw, _)| (p, raw))
}

/// The first `"quoted"` name in a message: `configmap "app-config" not found` → `app-config`.
fn quoted_name(message: &str) -> Option<String> {
    let (_, rest) = message.split_once('"')?;
    let (name, _) = rest.split_once('"')?;
    Some(name.to_string())
}

/// A long runtime message cut to a readable length.
fn short(message: &str) -> String {
    const MAX: usize = 160;
    let line = message.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= MAX {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn plural(n: i32, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
mod tests;
