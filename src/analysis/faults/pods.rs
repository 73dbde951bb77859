//! Pods: the verdict of `explain` on each pod, kept when it finds a problem.
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Event;

use super::{Fault, FaultKind, Open, Severity, Snapshot, describe};
use crate::analysis::explain::{Related, diagnose};
use crate::analysis::health::Health;

pub fn faults(snapshot: &Snapshot) -> Vec<Fault> {
    let Some(pods) = &snapshot.pods else { return Vec::new() };
    // Events by the object they are about, so each pod reads only its own.
    let mut events: BTreeMap<(&str, &str), Vec<Event>> = BTreeMap::new();
    for e in snapshot.events.iter().flatten() {
        let ns = e.involved_object.namespace.as_deref().or(e.metadata.namespace.as_deref()).unwrap_or_default();
        let name = e.involved_object.name.as_deref().unwrap_or_default();
        events.entry((ns, name)).or_default().push(e.clone());
    }
    let nodes = snapshot.nodes.clone().unwrap_or_default();
    let names_in = |set: &Option<BTreeSet<(String, String)>>, ns: &str| {
        set.as_ref().map(|s| s.iter().filter(|(n, _)| n == ns).map(|(_, name)| name.clone()).collect())
    };
    let mut out = Vec::new();
    for pod in pods {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let owner_events = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .next()
            .and_then(|o| events.get(&(ns.as_str(), o.name.as_str())))
            .map(|all| {
                // Only what concerns this pod: its own creation, and failures (FailedCreate names no pod).
                all.iter()
                    .filter(|e| {
                        let routine = matches!(e.reason.as_deref(), Some("SuccessfulCreate" | "SuccessfulDelete"));
                        !routine || e.message.as_deref().is_some_and(|m| m.contains(&name))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let claims = snapshot.claims.as_ref().map(|claims| {
            claims
                .iter()
                .filter(|c| c.metadata.namespace.as_deref() == Some(ns.as_str()))
                .map(|c| {
                    let phase = c.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
                    (c.metadata.name.clone().unwrap_or_default(), phase)
                })
                .collect()
        });
        let related = Related {
            config_maps: names_in(&snapshot.config_maps, &ns),
            secrets: names_in(&snapshot.secrets, &ns),
            claims,
            owner_events,
        };
        let own = events.get(&(ns.as_str(), name.as_str())).map(Vec::as_slice).unwrap_or_default();
        let diagnosis = diagnose(pod, own, &nodes, &related, snapshot.now);
        if !diagnosis.has_problem() {
            continue;
        }
        let severity = match diagnosis.verdict.severity {
            Health::Error => Severity::Critical,
            _ => Severity::Warning,
        };
        // A pod shutting down within its grace period is doing what it was told; stuck ones are errors.
        if pod.metadata.deletion_timestamp.is_some() && severity == Severity::Warning {
            continue;
        }
        let top = diagnosis.findings.iter().find(|f| f.headline == diagnosis.verdict.headline);
        let kubectl = top
            .map(|f| f.explanation.kubectl.clone())
            .filter(|k| !k.is_empty())
            .map(|k| with_context(snapshot, k))
            .unwrap_or_else(|| describe(snapshot, FaultKind::Pod, Some(&ns), &name));
        out.push(Fault {
            severity,
            kind: FaultKind::Pod,
            namespace: Some(ns),
            name,
            verdict: diagnosis.verdict.headline,
            detail: diagnosis.verdict.detail.unwrap_or_default(),
            kubectl,
            open: Open::Explain,
        });
    }
    out
}

/// The catalogue's kubectl lines name no context; the list's lines all do.
fn with_context(snapshot: &Snapshot, line: String) -> String {
    match snapshot.context.as_deref() {
        Some(ctx) if line.starts_with("kubectl ") && !line.contains("--context") => {
            format!("{line} --context {}", shlex::try_quote(ctx).unwrap_or_default())
        }
        _ => line,
    }
}
