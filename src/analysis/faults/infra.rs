//! What pods stand on: PersistentVolumeClaims stuck Pending (or Lost), and Nodes not Ready or under pressure.
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim};

use super::{Fault, FaultKind, Open, Severity, Snapshot, describe};
use crate::analysis::age::human_duration;

/// A claim may take this long to bind before it counts as stuck (provisioning takes a few seconds).
const CLAIM_GRACE: SignedDuration = SignedDuration::from_mins(2);

pub fn faults(snapshot: &Snapshot) -> Vec<Fault> {
    let mut out: Vec<Fault> = snapshot.claims.iter().flatten().filter_map(|c| claim(snapshot, c)).collect();
    out.extend(snapshot.nodes.iter().flatten().filter_map(|n| node(snapshot, n)));
    out
}

fn event_time(e: &Event) -> Option<Timestamp> {
    e.last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or(e.event_time.as_ref().map(|t| t.0))
        .or(e.first_timestamp.as_ref().map(|t| t.0))
        .or(e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// The newest event about this object, warnings first.
fn latest_event<'a>(snapshot: &'a Snapshot, kind: &str, ns: Option<&str>, name: &str) -> Option<&'a Event> {
    snapshot
        .events
        .iter()
        .flatten()
        .filter(|e| {
            let o = &e.involved_object;
            o.kind.as_deref() == Some(kind)
                && o.name.as_deref() == Some(name)
                && (ns.is_none() || o.namespace.as_deref().or(e.metadata.namespace.as_deref()) == ns)
        })
        .max_by_key(|e| (e.type_.as_deref() == Some("Warning"), event_time(e)))
}

fn claim(snapshot: &Snapshot, c: &PersistentVolumeClaim) -> Option<Fault> {
    let phase = c.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
    let ns = c.metadata.namespace.clone().unwrap_or_default();
    let name = c.metadata.name.clone().unwrap_or_default();
    let kubectl = describe(snapshot, FaultKind::PersistentVolumeClaim, Some(&ns), &name);
    let fault = |severity, verdict, detail| Fault {
        severity,
        kind: FaultKind::PersistentVolumeClaim,
        namespace: Some(ns.clone()),
        name: name.clone(),
        verdict,
        detail,
        kubectl: kubectl.clone(),
        open: Open::Detail,
    };
    match phase {
        "Lost" => {
            let volume = c.spec.as_ref().and_then(|s| s.volume_name.clone()).unwrap_or_default();
            Some(fault(
                Severity::Critical,
                format!("Lost: its volume {volume} no longer exists"),
                "The PersistentVolume behind the claim was deleted; the data it held is gone or detached. Pods \
                 that mount the claim cannot start."
                    .into(),
            ))
        }
        "Pending" => {
            let age = c.metadata.creation_timestamp.as_ref().map(|t| snapshot.now.duration_since(t.0));
            if age.is_some_and(|a| a < CLAIM_GRACE) {
                return None;
            }
            let event = latest_event(snapshot, "PersistentVolumeClaim", Some(&ns), &name);
            // Binding waits for the first pod that uses the claim: nothing is wrong until one does.
            if event.is_some_and(|e| e.reason.as_deref() == Some("WaitForFirstConsumer")) {
                return None;
            }
            let since = age.map(|a| format!(" for {}", human_duration(a))).unwrap_or_default();
            let why = match event.and_then(|e| e.message.clone()) {
                Some(message) => format!(": {message}"),
                None => ": no volume is bound to it".to_string(),
            };
            let class = c.spec.as_ref().and_then(|s| s.storage_class_name.clone());
            Some(fault(
                Severity::Warning,
                format!("Pending{since}{why}"),
                format!(
                    "No PersistentVolume is bound to the claim{}, so pods that mount it stay Pending. Check \
                     that the StorageClass exists and its provisioner runs (kubectl get storageclass).",
                    class.map(|c| format!(" (StorageClass {c})")).unwrap_or_default()
                ),
            ))
        }
        _ => None,
    }
}

fn node(snapshot: &Snapshot, n: &Node) -> Option<Fault> {
    let name = n.metadata.name.clone().unwrap_or_default();
    let conditions = n.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
    let status_of = |kind: &str| conditions.iter().find(|c| c.type_ == kind);
    let pressures: Vec<&str> = [("MemoryPressure", "memory"), ("DiskPressure", "disk"), ("PIDPressure", "PID")]
        .into_iter()
        .filter(|(kind, _)| status_of(kind).is_some_and(|c| c.status == "True"))
        .map(|(_, word)| word)
        .collect();
    let pressure = match pressures.as_slice() {
        [] => None,
        [one] => Some(format!("under {one} pressure")),
        [rest @ .., last] => Some(format!("under {} and {last} pressure", rest.join(", "))),
    };
    let fault = |severity, verdict: String, detail: String| Fault {
        severity,
        kind: FaultKind::Node,
        namespace: None,
        name: name.clone(),
        verdict,
        detail,
        kubectl: describe(snapshot, FaultKind::Node, None, &name),
        open: Open::Detail,
    };
    let ready = status_of("Ready");
    let also = pressure.as_ref().map(|p| format!(" It is also {p}.")).unwrap_or_default();
    match ready.map(|c| c.status.as_str()) {
        Some("True") => {}
        Some("Unknown") => {
            let message = ready.and_then(|c| c.message.clone()).unwrap_or_default();
            return Some(fault(
                Severity::Critical,
                format!("Not Ready: the kubelet stopped reporting ({message})"),
                format!(
                    "The node has not posted its status: it may be down, cut off from the network, or its \
                     kubelet stopped. Its pods are evicted after a while and nothing new is scheduled there.{also}"
                ),
            ));
        }
        Some(_) => {
            let c = ready?;
            let reason = c.reason.clone().unwrap_or_default();
            let message = c.message.clone().unwrap_or_default();
            return Some(fault(
                Severity::Critical,
                format!("Not Ready: {reason}: {message}").replace(": : ", ": "),
                format!("The kubelet says the node cannot run pods; nothing new is scheduled there.{also}"),
            ));
        }
        None => {
            return Some(fault(
                Severity::Warning,
                "No Ready condition: the kubelet has not reported".to_string(),
                format!("A node without a Ready condition has never been seen by its kubelet.{also}"),
            ));
        }
    }
    if status_of("NetworkUnavailable").is_some_and(|c| c.status == "True") {
        return Some(fault(
            Severity::Critical,
            "Network unavailable: its pod network is not configured".to_string(),
            "The network plugin has not set up routes for this node; its pods cannot reach others.".to_string(),
        ));
    }
    let pressure = pressure?;
    let mut first = pressure.chars();
    let verdict = first.next().map(|c| c.to_uppercase().collect::<String>() + first.as_str()).unwrap_or_default();
    Some(fault(
        Severity::Warning,
        verdict,
        "The kubelet is short of a resource: it evicts pods to recover and the scheduler keeps new ones away."
            .to_string(),
    ))
}
