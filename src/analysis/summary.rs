//! Row summaries for the lists: the columns `kubectl get` prints for deployments, services, events and
//! namespaces, each with the [`Health`] the UI colours it by.
//!
//! The formatting follows kubectl's printers (`pkg/printers/internalversion/printers.go`); where this code
//! differs, a comment says why.

use std::collections::BTreeSet;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Namespace, Service, ServicePort};
use serde_json::Value;

use super::age::human_age;
use super::health::Health;

/// kubectl clips a load balancer's addresses to this many bytes outside `-o wide`.
const LOAD_BALANCER_WIDTH: usize = 16;

/// A deployment's row: `kubectl get deployments`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeploymentSummary {
    /// READY: ready replicas over desired replicas, `2/3`.
    pub ready: String,
    /// Ready replicas (`status.readyReplicas`).
    pub ready_replicas: u32,
    /// Desired replicas (`spec.replicas`, 1 when unset, as the API server defaults it).
    pub desired: u32,
    /// UP-TO-DATE: replicas running the current template (`status.updatedReplicas`).
    pub up_to_date: u32,
    /// AVAILABLE: replicas ready for at least `minReadySeconds` (`status.availableReplicas`).
    pub available: u32,
    pub health: Health,
}

/// Summarise a deployment as `kubectl get deployments` does.
///
/// Health: a rollout past its progress deadline, or no available replica while some are wanted, is an
/// [`Health::Error`]; every replica ready, available and up to date (or none wanted) is [`Health::Ok`];
/// anything between (a rollout in progress, part of the replicas down, deletion) is a [`Health::Warning`].
pub fn deployment_summary(deployment: &Deployment) -> DeploymentSummary {
    let status = deployment.status.as_ref();
    let count = |field: Option<i32>| u32::try_from(field.unwrap_or(0)).unwrap_or(0);
    let desired = count(Some(deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)));
    let ready_replicas = count(status.and_then(|s| s.ready_replicas));
    let up_to_date = count(status.and_then(|s| s.updated_replicas));
    let available = count(status.and_then(|s| s.available_replicas));

    let deadline_exceeded = status.and_then(|s| s.conditions.as_deref()).unwrap_or_default().iter().any(|c| {
        c.type_ == "Progressing" && c.status == "False" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    let health = if deadline_exceeded || (desired > 0 && available == 0) {
        Health::Error
    } else if deployment.metadata.deletion_timestamp.is_some() {
        Health::Warning
    } else if ready_replicas >= desired && available >= desired && up_to_date >= desired {
        Health::Ok
    } else {
        Health::Warning
    };

    DeploymentSummary {
        ready: format!("{ready_replicas}/{desired}"),
        ready_replicas,
        desired,
        up_to_date,
        available,
        health,
    }
}

/// A service's row: `kubectl get services`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceSummary {
    /// TYPE: `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    pub type_: String,
    /// CLUSTER-IP: the first cluster IP, `None` for a headless service, `<none>` when there is none.
    pub cluster_ip: String,
    /// EXTERNAL-IP: external IPs and load balancer addresses, `<pending>` while a load balancer is awaited.
    pub external_ip: String,
    /// PORT(S): `80/TCP,443:30443/TCP`.
    pub ports: String,
    pub health: Health,
}

/// Summarise a service as `kubectl get services` does (not `-o wide`).
///
/// Health: a load balancer still awaiting its address is [`Health::Pending`]; any other service is
/// [`Health::Ok`] here, as whether it reaches pods is a question for the network diagnosis.
pub fn service_summary(service: &Service) -> ServiceSummary {
    let spec = service.spec.as_ref();
    // The API server defaults the type; an object without one is a ClusterIP service.
    let type_ = spec.and_then(|s| s.type_.clone()).unwrap_or_else(|| "ClusterIP".to_string());
    // kubectl reads only `clusterIPs`, which servers before 1.20 do not send; fall back to `clusterIP` so
    // those servers (such as the captured v1.19 one) show the address kubectl showed at the time.
    let cluster_ip = spec
        .and_then(|s| s.cluster_ips.as_ref().and_then(|ips| ips.first()).or(s.cluster_ip.as_ref()))
        .filter(|ip| !ip.is_empty())
        .cloned()
        .unwrap_or_else(|| "<none>".to_string());
    let external_ip = external_ip(service, &type_);
    let ports = port_string(spec.and_then(|s| s.ports.as_deref()).unwrap_or_default());
    let ports = if ports.is_empty() { "<none>".to_string() } else { ports };
    let health = if external_ip == "<pending>" { Health::Pending } else { Health::Ok };
    ServiceSummary { type_, cluster_ip, external_ip, ports, health }
}

/// kubectl's `getServiceExternalIP`, without `-o wide`.
fn external_ip(service: &Service, type_: &str) -> String {
    let spec = service.spec.as_ref();
    let external_ips = spec.and_then(|s| s.external_ips.as_deref()).unwrap_or_default();
    match type_ {
        "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external_ips.join(","),
        "LoadBalancer" => {
            let lb = load_balancer_addresses(service);
            let mut parts: Vec<&str> = Vec::new();
            if !lb.is_empty() {
                parts.push(&lb);
            }
            parts.extend(external_ips.iter().map(String::as_str));
            if parts.is_empty() { "<pending>".to_string() } else { parts.join(",") }
        }
        "ExternalName" => spec.and_then(|s| s.external_name.clone()).unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

/// kubectl's `loadBalancerStatusStringer`: the ingress IPs (or hostnames), sorted and unique, clipped.
fn load_balancer_addresses(service: &Service) -> String {
    let ingress = service
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_deref())
        .unwrap_or_default();
    let addresses: BTreeSet<&str> = ingress
        .iter()
        .filter_map(|i| {
            let ip = i.ip.as_deref().filter(|ip| !ip.is_empty());
            ip.or(i.hostname.as_deref().filter(|h| !h.is_empty()))
        })
        .collect();
    let joined = addresses.into_iter().collect::<Vec<_>>().join(",");
    if joined.len() > LOAD_BALANCER_WIDTH {
        let clipped: String = joined.chars().take(LOAD_BALANCER_WIDTH - 3).collect();
        format!("{clipped}...")
    } else {
        joined
    }
}

/// kubectl's `makePortString`: `port/protocol`, or `port:nodePort/protocol`, joined by commas.
fn port_string(ports: &[ServicePort]) -> String {
    ports
        .iter()
        .map(|p| {
            // The API server defaults the protocol to TCP.
            let protocol = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port.filter(|&n| n > 0) {
                Some(node_port) => format!("{}:{node_port}/{protocol}", p.port),
                None => format!("{}/{protocol}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// An event's row: `kubectl get events` (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE) plus its count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventSummary {
    /// LAST SEEN as kubectl prints it (`93s`), `<unknown>` when the event carries no time at all.
    pub last_seen: String,
    /// The moment LAST SEEN is measured from, for sorting.
    pub last_seen_at: Option<Timestamp>,
    /// TYPE: `Normal` or `Warning`.
    pub type_: String,
    /// REASON: `BackOff`, `FailedScheduling`, …
    pub reason: String,
    /// OBJECT: the lower-cased kind and the name, `pod/orders-d88d6dc55-rp9zx`.
    pub object: String,
    /// MESSAGE, trimmed.
    pub message: String,
    /// How many times it happened (`count`, or `series.count` for events.k8s.io events).
    pub count: u32,
    pub health: Health,
}

/// Summarise an event as `kubectl get events` does.
///
/// Events written through events.k8s.io carry `eventTime` and `series` instead of `firstTimestamp`,
/// `lastTimestamp` and `count`; this reads both, as kubectl does. Health: `Warning` events are
/// [`Health::Warning`], `Normal` ones [`Health::Ok`].
pub fn event_summary(event: &Event, now: Timestamp) -> EventSummary {
    let first_at = event.first_timestamp.as_ref().map(|t| t.0).or_else(|| event.event_time.as_ref().map(|t| t.0));
    let mut last_at = event.last_timestamp.as_ref().map(|t| t.0).or(first_at);
    let count = match &event.series {
        Some(series) => {
            last_at = series.last_observed_time.as_ref().map(|t| t.0);
            series.count.unwrap_or(0)
        }
        // Singleton events do not set a count in the new API.
        None => event.count.filter(|&c| c != 0).unwrap_or(1),
    };
    let last_seen = last_at.map_or_else(|| "<unknown>".to_string(), |at| human_age(at, now));

    let involved = &event.involved_object;
    let kind = involved.kind.as_deref().unwrap_or_default().to_lowercase();
    let object = match involved.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{kind}/{name}"),
        None => kind,
    };
    let type_ = event.type_.clone().unwrap_or_default();
    let health = match type_.as_str() {
        "Warning" => Health::Warning,
        "Normal" => Health::Ok,
        _ => Health::Unknown,
    };

    EventSummary {
        last_seen,
        last_seen_at: last_at,
        type_,
        reason: event.reason.clone().unwrap_or_default(),
        object,
        message: event.message.as_deref().unwrap_or_default().trim().to_string(),
        count: u32::try_from(count).unwrap_or(0),
        health,
    }
}

/// A namespace's row: `kubectl get namespaces`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NamespaceSummary {
    /// STATUS: the phase, `Active` or `Terminating`.
    pub status: String,
    pub health: Health,
}

/// Summarise a namespace as `kubectl get namespaces` does: `Active` is [`Health::Ok`], `Terminating` a
/// [`Health::Warning`], anything else [`Health::Unknown`].
pub fn namespace_summary(namespace: &Namespace) -> NamespaceSummary {
    let status = namespace.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
    let health = match status.as_str() {
        "Active" => Health::Ok,
        "Terminating" => Health::Warning,
        _ => Health::Unknown,
    };
    NamespaceSummary { status, health }
}

/// Access modes as kubectl prints them for volumes and claims: `RWO,RWX`.
pub fn access_modes(modes: &[Value]) -> String {
    modes
        .iter()
        .filter_map(Value::as_str)
        .map(|m| match m {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests;
