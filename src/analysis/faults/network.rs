//! Services with no ready endpoint, and Ingresses whose backend Service or port is missing.
//!
//! A Service of type ExternalName, or without a selector (headless with hand-made Endpoints, or a Service in
//! front of something outside the cluster), has no endpoints for mosaic to judge: it is skipped.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};

use super::{Fault, FaultKind, Open, Severity, Snapshot, because, describe, first_pod_fault, kubectl, pods_in};
use crate::analysis::network::labels::{format_labels, map_selector_matches};

type ByPod<'a> = BTreeMap<(String, String), &'a Fault>;

pub fn faults(snapshot: &Snapshot, by_pod: &ByPod<'_>) -> Vec<Fault> {
    let mut out: Vec<Fault> = snapshot.services.iter().flatten().filter_map(|s| service(snapshot, by_pod, s)).collect();
    out.extend(snapshot.ingresses.iter().flatten().filter_map(|i| ingress(snapshot, i)));
    out
}

/// Ready and not-ready addresses of the Service, from its Endpoints, else its EndpointSlices; `None` when
/// neither could be listed.
fn addresses(snapshot: &Snapshot, ns: &str, name: &str) -> Option<(usize, usize)> {
    if let Some(all) = &snapshot.endpoints {
        let ep = all
            .iter()
            .find(|e| e.metadata.namespace.as_deref() == Some(ns) && e.metadata.name.as_deref() == Some(name));
        let subsets = ep.and_then(|e| e.subsets.clone()).unwrap_or_default();
        let ready = subsets.iter().map(|s| s.addresses.as_ref().map_or(0, Vec::len)).sum();
        let not_ready = subsets.iter().map(|s| s.not_ready_addresses.as_ref().map_or(0, Vec::len)).sum();
        return Some((ready, not_ready));
    }
    let slices = snapshot.endpoint_slices.as_ref()?;
    let mut counts = (0, 0);
    for slice in slices.iter().filter(|s| {
        s.metadata.namespace.as_deref() == Some(ns)
            && s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name")).map(String::as_str)
                == Some(name)
    }) {
        for ep in &slice.endpoints {
            // An endpoint whose readiness is not reported counts as ready, as kube-proxy does.
            if ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true) {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
    }
    Some(counts)
}

fn service(snapshot: &Snapshot, by_pod: &ByPod<'_>, s: &Service) -> Option<Fault> {
    let spec = s.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    let selector = spec.selector.as_ref().filter(|sel| !sel.is_empty())?;
    let ns = s.metadata.namespace.clone().unwrap_or_default();
    let name = s.metadata.name.clone().unwrap_or_default();
    let (ready, not_ready) = addresses(snapshot, &ns, &name)?;
    if ready > 0 {
        return None;
    }
    let labels = format_labels(selector);
    let matching: Vec<_> = pods_in(snapshot, &ns)
        .filter(|p| p.metadata.labels.as_ref().is_some_and(|l| map_selector_matches(selector, l)))
        .collect();
    let (verdict, detail) = if snapshot.pods.is_some() && matching.is_empty() {
        (
            format!("No endpoints: its selector {labels} matches no pod in {ns}"),
            format!(
                "Traffic to the Service goes nowhere. Compare the selector with the labels of the pods that \
                 should serve it (kubectl get pods -n {ns} --show-labels), and fix whichever is wrong."
            ),
        )
    } else {
        let culprit = first_pod_fault(by_pod, &ns, matching.iter().copied());
        let count = if snapshot.pods.is_some() { matching.len() } else { not_ready };
        (
            format!("No ready endpoints: {} {labels}, none is Ready{}", matches(count), because(culprit)),
            "Only Ready pods receive traffic, so connections to the Service are refused or time out. Fix \
             why the pods are not Ready."
                .to_string(),
        )
    };
    Some(Fault {
        severity: Severity::Critical,
        kind: FaultKind::Service,
        kubectl: kubectl(snapshot, Some(&ns), &["get", "endpoints", &name]),
        namespace: Some(ns),
        name,
        verdict,
        detail,
        open: Open::List,
    })
}

fn matches(count: usize) -> String {
    if count == 1 { "1 pod matches".to_string() } else { format!("{count} pods match") }
}

/// Every backend of an Ingress with where it is routed from: `shop.example.com/search`, `(default backend)`.
fn backends(ingress: &Ingress) -> Vec<(String, &IngressBackend)> {
    let Some(spec) = &ingress.spec else { return Vec::new() };
    let mut out: Vec<(String, &IngressBackend)> =
        spec.default_backend.iter().map(|b| ("(default backend)".to_string(), b)).collect();
    for rule in spec.rules.iter().flatten() {
        let host = rule.host.clone().unwrap_or_else(|| "*".into());
        for path in rule.http.iter().flat_map(|h| h.paths.iter()) {
            out.push((format!("{host}{}", path.path.as_deref().unwrap_or("/")), &path.backend));
        }
    }
    out
}

fn ingress(snapshot: &Snapshot, ingress: &Ingress) -> Option<Fault> {
    let services = snapshot.services.as_ref()?;
    let ns = ingress.metadata.namespace.clone().unwrap_or_default();
    let name = ingress.metadata.name.clone().unwrap_or_default();
    let mut problems = Vec::new();
    for (location, backend) in backends(ingress) {
        let Some(target) = &backend.service else { continue };
        let svc = services.iter().find(|s| {
            s.metadata.namespace.as_deref() == Some(ns.as_str()) && s.metadata.name.as_deref() == Some(&target.name)
        });
        let Some(svc) = svc else {
            problems.push(format!("{location} → Service {}, which does not exist in {ns}", target.name));
            continue;
        };
        let ports = svc.spec.as_ref().and_then(|s| s.ports.clone()).unwrap_or_default();
        let port = target.port.as_ref();
        let wanted = port.and_then(|p| p.number.map(|n| n.to_string()).or(p.name.clone()));
        let found = match port {
            Some(p) if p.number.is_some() => ports.iter().any(|sp| Some(sp.port) == p.number),
            Some(p) if p.name.is_some() => ports.iter().any(|sp| sp.name == p.name),
            _ => true,
        };
        if !found {
            let has: Vec<String> = ports
                .iter()
                .map(|p| p.name.clone().map_or(p.port.to_string(), |n| format!("{} ({n})", p.port)))
                .collect();
            problems.push(format!(
                "{location} → port {} of Service {}, which has only {}",
                wanted.unwrap_or_default(),
                target.name,
                if has.is_empty() { "no ports".to_string() } else { has.join(", ") }
            ));
        }
    }
    let first = problems.first()?.clone();
    let more = if problems.len() > 1 { format!(" (and {} more)", problems.len() - 1) } else { String::new() };
    Some(Fault {
        severity: Severity::Critical,
        kind: FaultKind::Ingress,
        kubectl: describe(snapshot, FaultKind::Ingress, Some(&ns), &name),
        namespace: Some(ns),
        name,
        verdict: format!("Backend missing: {first}{more}"),
        detail: format!(
            "Requests for a missing backend get 503 (or 404) from the ingress controller. Broken routes: {}.",
            problems.join("; ")
        ),
        open: Open::Detail,
    })
}
