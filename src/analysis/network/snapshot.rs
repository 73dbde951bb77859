//! What the static steps read: the objects around one Service, and what the user asked.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Endpoints, Namespace, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use serde_json::Value;

use super::policy::{Peer, PortRef};

/// The objects the static steps read. A list that could not be read (forbidden, not served) is `None`,
/// and the steps that need it say they could not check.
#[derive(Debug, Clone)]
pub struct NetSnapshot {
    /// The kubeconfig context, for the kubectl commands; `None` leaves `--context` out.
    pub context: Option<String>,
    pub namespace: String,
    pub service_name: String,
    /// `None` when the Service does not exist.
    pub service: Option<Service>,
    /// The pods of the namespace.
    pub pods: Vec<Pod>,
    /// Endpoints of the namespace (or just the Service's).
    pub endpoints: Option<Vec<Endpoints>>,
    /// EndpointSlices of the namespace, as discovery.k8s.io/v1 (see [`endpoint_slice_from_v1beta1`]).
    pub endpoint_slices: Option<Vec<EndpointSlice>>,
    /// NetworkPolicies of the Service's namespace and of the source's.
    pub policies: Option<Vec<NetworkPolicy>>,
    /// Namespaces, for the labels `namespaceSelector`s match.
    pub namespaces: Option<Vec<Namespace>>,
    /// Ingresses of the namespace.
    pub ingresses: Option<Vec<Ingress>>,
    /// The pods of kube-system; `None` when that namespace could not be read.
    pub dns_pods: Option<Vec<Pod>>,
    /// Pod readiness and restarts are judged at this time.
    pub now: Timestamp,
}

impl NetSnapshot {
    /// A snapshot with only the Service's name: fill in what could be read.
    pub fn new(namespace: impl Into<String>, service_name: impl Into<String>, now: Timestamp) -> NetSnapshot {
        NetSnapshot {
            context: None,
            namespace: namespace.into(),
            service_name: service_name.into(),
            service: None,
            pods: Vec::new(),
            endpoints: None,
            endpoint_slices: None,
            policies: None,
            namespaces: None,
            ingresses: None,
            dns_pods: None,
            now,
        }
    }
}

/// What the user asked.
#[derive(Debug, Clone, Default)]
pub struct Question {
    /// The Service port (number or name); `None` checks every port.
    pub port: Option<PortRef>,
    /// The pods of the app the user had in mind, to explain a selector that matches none of them.
    pub app_pods: Option<Vec<Pod>>,
    /// Who sends the traffic; `None` is any pod in the Service's namespace.
    pub source: Option<Peer>,
    /// `None` is `cluster.local`.
    pub cluster_domain: Option<String>,
}

/// A discovery.k8s.io/v1beta1 EndpointSlice (what a 1.19 server serves) as v1: `topology` became
/// `nodeName`, `zone` and `deprecatedTopology`. A v1 object passes through.
pub fn endpoint_slice_from_v1beta1(value: &Value) -> Result<EndpointSlice, serde_json::Error> {
    let mut obj = value.clone();
    if let Some(map) = obj.as_object_mut() {
        map.insert("apiVersion".into(), Value::from("discovery.k8s.io/v1"));
        map.insert("kind".into(), Value::from("EndpointSlice"));
    }
    for ep in obj.get_mut("endpoints").and_then(Value::as_array_mut).into_iter().flatten() {
        let Some(ep) = ep.as_object_mut() else { continue };
        if let Some(Value::Object(mut topology)) = ep.remove("topology") {
            if let Some(node) = topology.remove("kubernetes.io/hostname") {
                ep.entry("nodeName").or_insert(node);
            }
            if let Some(zone) = topology.remove("topology.kubernetes.io/zone") {
                ep.entry("zone").or_insert(zone);
            }
            if !topology.is_empty() {
                ep.insert("deprecatedTopology".into(), Value::Object(topology));
            }
        }
    }
    serde_json::from_value(obj)
}
