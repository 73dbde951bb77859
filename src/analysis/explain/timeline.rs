//! One pod's story in time order: its events (and the events of its ReplicaSet and Deployment that concern
//! it), its condition transitions, and its containers' state changes, each explained by the catalogue.
//!
//! **Deduplication.** An event read through both APIs (same uid) counts once. Events with the same object,
//! reason, message and source merge into one entry whose count is the sum and whose first/last times span
//! them all.
//!
//! **Order and missing times.** Entries sort by their time; ties keep the order owner events, pod events,
//! conditions, container states, which is the order they happen in a pod's life. An entry without a time is
//! placed where it can best be known, and marked `estimatedTime`:
//! - a container's current waiting state has no time in the API: it is what is true *now*, so it goes last;
//! - a condition without `lastTransitionTime` goes at the pod's creation (the earliest it can have changed);
//! - an event without any time (no last/first timestamp, eventTime, series or creationTimestamp) goes last,
//!   since the API server only keeps recent events.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus, Pod, PodCondition};

use super::catalogue::{Explanation, Subject, Vars, explain, explain_exit_code, signal_name};
use super::event::PodEvent;
use super::scheduling;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TimelineKind {
    Event,
    Condition,
    Container,
    /// The current state of one of an app's pods (in an app timeline).
    Pod,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When it (last) happened; `None` when the API gives no time.
    pub at: Option<Timestamp>,
    /// When a repeated event first happened.
    pub first_at: Option<Timestamp>,
    /// How many times (1 unless a repeated event).
    pub count: u32,
    /// The position was inferred because the fact has no time of its own (see the module docs).
    pub estimated_time: bool,
    pub kind: TimelineKind,
    /// `Pod/checkout-7d9f-x2`, `ReplicaSet/checkout-7d9f`.
    pub object: String,
    pub container: Option<String>,
    pub warning: bool,
    /// Read back from mosaic's event recorder after the API server dropped it.
    pub recorded: bool,
    /// The raw fact, as Kubernetes states it.
    pub fact: String,
    pub explanation: Explanation,
    /// For a terminated container: what its exit code means.
    pub exit_code: Option<Explanation>,
}

impl TimelineEntry {
    /// The entry of an event about `object` (`Pod/web-1`), explained; its time is the event's, else unknown.
    pub(super) fn of_event(
        e: &PodEvent,
        object: String,
        container: Option<String>,
        explanation: Explanation,
    ) -> TimelineEntry {
        let at = e.at();
        TimelineEntry {
            at,
            first_at: e.first,
            count: e.count,
            estimated_time: at.is_none(),
            kind: TimelineKind::Event,
            object,
            container,
            warning: e.warning,
            recorded: e.recorded,
            fact: e.fact(),
            explanation,
            exit_code: None,
        }
    }
}

/// The merged timeline of one pod. `events` are about the pod (others are ignored); `owner_events` are
/// about its ReplicaSet or Deployment, and only those that concern this pod are kept. `now` places the
/// current container states.
pub fn pod_timeline(pod: &Pod, events: &[PodEvent], owner_events: &[PodEvent], now: Timestamp) -> Vec<TimelineEntry> {
    let ctx = PodContext::of(pod);
    let mut entries: Vec<(Timestamp, TimelineEntry)> = Vec::new();

    let owner_events: Vec<PodEvent> = owner_events.iter().filter(|e| ctx.concerns(e)).cloned().collect();
    for e in deduplicate(&owner_events) {
        entries.push(event_entry(&ctx, e, now));
    }
    let pod_events: Vec<PodEvent> = events
        .iter()
        .filter(|e| e.object_name == ctx.name && (e.object_kind.is_empty() || e.object_kind == "Pod"))
        .cloned()
        .collect();
    for e in deduplicate(&pod_events) {
        entries.push(event_entry(&ctx, e, now));
    }
    condition_entries(&ctx, pod, now, &mut entries);
    container_entries(&ctx, pod, now, &mut entries);

    // Stable: equal times keep the insertion order described in the module docs.
    entries.sort_by_key(|(at, _)| *at);
    entries.into_iter().map(|(_, e)| e).collect()
}

/// Merges repeats: same uid once; same object, reason, message and source into one with summed counts.
pub fn deduplicate(events: &[PodEvent]) -> Vec<PodEvent> {
    let mut seen_uids = std::collections::HashSet::new();
    let mut out: Vec<PodEvent> = Vec::new();
    for e in events {
        if let Some(uid) = &e.uid
            && !seen_uids.insert(uid.clone())
        {
            continue;
        }
        let same = out.iter_mut().find(|o| {
            o.object_kind == e.object_kind
                && o.object_name == e.object_name
                && o.reason == e.reason
                && o.message == e.message
                && o.source == e.source
        });
        match same {
            Some(o) => {
                o.count = o.count.saturating_add(e.count);
                o.first = min_known(o.first, e.first);
                o.last = o.last.max(e.last);
                o.warning |= e.warning;
                o.recorded &= e.recorded;
            }
            None => out.push(e.clone()),
        }
    }
    out
}

fn min_known(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// What every entry of one pod needs to know about it.
struct PodContext {
    name: String,
    namespace: String,
    node: Option<String>,
    /// The controlling owner (`ReplicaSet/x`), whose Deployment's events name it.
    owner: Option<(String, String)>,
    created: Option<Timestamp>,
}

impl PodContext {
    fn of(pod: &Pod) -> PodContext {
        let owner = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
            .map(|o| (o.kind.clone(), o.name.clone()));
        PodContext {
            name: pod.metadata.name.clone().unwrap_or_default(),
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            node: pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty()),
            owner,
            created: pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
        }
    }

    fn vars(&self) -> Vars {
        let mut v = Vars::pod(&self.namespace, &self.name);
        if let Some(node) = &self.node {
            v.set("node", node.as_str());
        }
        v
    }

    /// Whether an owner's event is about this pod: it names the pod (`Created pod: x`), it is a
    /// Deployment's event naming the pod's ReplicaSet (`Scaled up replica set x to 1`), or it is a warning
    /// (`FailedCreate`), which concerns every pod the owner should run.
    fn concerns(&self, e: &PodEvent) -> bool {
        let names_pod = !self.name.is_empty() && e.message.contains(&self.name);
        let names_owner = self.owner.as_ref().is_some_and(|(_, rs)| !rs.is_empty() && e.message.contains(rs.as_str()));
        names_pod || names_owner || e.warning
    }
}

fn event_entry(ctx: &PodContext, e: PodEvent, now: Timestamp) -> (Timestamp, TimelineEntry) {
    let mut vars = ctx.vars();
    if let Some(c) = e.container() {
        vars.set("container", c);
    }
    if e.object_kind != "Pod" && !e.object_kind.is_empty() {
        vars.set("owner", e.object_name.as_str());
    }
    if let Some(host) = &e.host {
        vars.set("node", host.as_str());
    }
    let mut explanation = explain(Subject::Event, &e.reason, &e.message, &vars);
    if e.reason == "FailedScheduling"
        && let Some(parsed) = scheduling::parse(&e.message)
    {
        explanation.meaning = format!("{} {}", explanation.meaning, parsed.summary());
    }
    let object = format!("{}/{}", if e.object_kind.is_empty() { "Pod" } else { &e.object_kind }, e.object_name);
    let entry = TimelineEntry::of_event(&e, object, e.container().map(str::to_string), explanation);
    (entry.at.unwrap_or(now), entry)
}

/// The order in which a pod's conditions first become true.
const LIFECYCLE: [&str; 5] = ["PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"];

fn condition_entries(ctx: &PodContext, pod: &Pod, now: Timestamp, out: &mut Vec<(Timestamp, TimelineEntry)>) {
    let mut conditions: Vec<&PodCondition> =
        pod.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or_default().iter().collect();
    // Conditions changed in the same second are listed in the order of a pod's life.
    conditions.sort_by_key(|c| LIFECYCLE.iter().position(|t| *t == c.type_).unwrap_or(LIFECYCLE.len()));
    let vars = ctx.vars();
    for c in conditions {
        let reason = c.reason.as_deref().filter(|r| !r.is_empty());
        let message = c.message.as_deref().unwrap_or_default();
        // A true condition is explained by its type; a false one by its reason, or as its raw state.
        let key = match (c.status.as_str(), reason) {
            ("True", _) => c.type_.clone(),
            (_, Some(r)) => r.to_string(),
            (status, None) => format!("{}={status}", c.type_),
        };
        let explanation = explain(Subject::Condition, &key, message, &vars);
        let mut fact = format!("{} = {}", c.type_, c.status);
        if let Some(r) = reason {
            fact.push_str(&format!(" ({r})"));
        }
        if !message.is_empty() {
            fact.push_str(&format!(": {message}"));
        }
        let at = c.last_transition_time.as_ref().map(|t| t.0);
        let entry = TimelineEntry {
            at,
            first_at: None,
            count: 1,
            estimated_time: at.is_none(),
            kind: TimelineKind::Condition,
            object: format!("Pod/{}", ctx.name),
            container: None,
            warning: c.status != "True",
            recorded: false,
            fact,
            explanation,
            exit_code: None,
        };
        out.push((at.or(ctx.created).unwrap_or(now), entry));
    }
}

fn container_entries(ctx: &PodContext, pod: &Pod, now: Timestamp, out: &mut Vec<(Timestamp, TimelineEntry)>) {
    let status = pod.status.as_ref();
    let inits = status.and_then(|s| s.init_container_statuses.as_deref()).unwrap_or_default();
    let apps = status.and_then(|s| s.container_statuses.as_deref()).unwrap_or_default();
    for (init, statuses) in [(true, inits), (false, apps)] {
        for cs in statuses {
            container_states(ctx, cs, init, now, out);
        }
    }
}

fn container_states(
    ctx: &PodContext,
    cs: &ContainerStatus,
    init: bool,
    now: Timestamp,
    out: &mut Vec<(Timestamp, TimelineEntry)>,
) {
    let vars = ctx.vars().with("container", cs.name.as_str());
    let label = if init { format!("Init container {}", cs.name) } else { format!("Container {}", cs.name) };
    let entry = |at: Option<Timestamp>, warning: bool, fact: String, explanation: Explanation| TimelineEntry {
        at,
        first_at: None,
        count: 1,
        estimated_time: at.is_none(),
        kind: TimelineKind::Container,
        object: format!("Pod/{}", ctx.name),
        container: Some(cs.name.clone()),
        warning,
        recorded: false,
        fact,
        explanation,
        exit_code: None,
    };
    let started = |at: Option<Timestamp>, restarts: Option<i32>| {
        let suffix = restarts.filter(|&r| r > 0).map(|r| format!(" (restart count {r})")).unwrap_or_default();
        entry(at, false, format!("{label} started{suffix}"), explain(Subject::Event, "Started", "", &vars))
    };

    if let Some(last) = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()) {
        let at = last.started_at.as_ref().map(|t| t.0);
        out.push((at.unwrap_or(now), started(at, None)));
        let (at, e) = terminated_entry(&label, last, &vars, entry);
        out.push((at.unwrap_or(now), e));
    }
    let Some(state) = cs.state.as_ref() else { return };
    if let Some(running) = &state.running {
        let at = running.started_at.as_ref().map(|t| t.0);
        out.push((at.unwrap_or(now), started(at, Some(cs.restart_count))));
    }
    if let Some(t) = &state.terminated {
        let at = t.started_at.as_ref().map(|t| t.0);
        out.push((at.unwrap_or(now), started(at, None)));
        let (at, e) = terminated_entry(&label, t, &vars, entry);
        out.push((at.unwrap_or(now), e));
    }
    if let Some(w) = &state.waiting {
        let reason = w.reason.as_deref().unwrap_or_default();
        let message = w.message.as_deref().unwrap_or_default();
        let restarts = if cs.restart_count > 0 { format!(", {} restarts", cs.restart_count) } else { String::new() };
        let mut fact = format!("{label} waiting: {reason}{restarts}");
        if !message.is_empty() {
            fact.push_str(&format!(" ({message})"));
        }
        let explanation = explain(Subject::Waiting, reason, message, &vars);
        let warning = explanation.severity != super::catalogue::Severity::Info;
        // The API keeps no time for a waiting state: it is the current one.
        out.push((now, entry(None, warning, fact, explanation)));
    }
}

fn terminated_entry(
    label: &str,
    t: &ContainerStateTerminated,
    vars: &Vars,
    entry: impl Fn(Option<Timestamp>, bool, String, Explanation) -> TimelineEntry,
) -> (Option<Timestamp>, TimelineEntry) {
    let reason = t
        .reason
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| if t.exit_code == 0 { "Completed" } else { "Error" }.to_string());
    let mut fact = format!("{label} terminated: {reason}, exit code {}", t.exit_code);
    if let Some(signal) = t.signal.filter(|&s| s != 0) {
        let name = signal_name(signal).map(|n| format!(" ({n})")).unwrap_or_default();
        fact.push_str(&format!(", signal {signal}{name}"));
    }
    if let Some(m) = t.message.as_deref().filter(|m| !m.is_empty()) {
        fact.push_str(&format!(": {m}"));
    }
    let at = t.finished_at.as_ref().map(|t| t.0);
    let explanation = explain(Subject::Terminated, &reason, t.message.as_deref().unwrap_or_default(), vars);
    let mut e = entry(at, t.exit_code != 0, fact, explanation);
    // OOMKilled already says why the 137 happened; the exit code's own entry would only blur it.
    if reason != "OOMKilled" {
        e.exit_code = Some(explain_exit_code(t.exit_code, vars));
    }
    (at, e)
}

#[cfg(test)]
mod tests;
