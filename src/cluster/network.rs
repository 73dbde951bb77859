//! Reading what the network wizard checks around one Service: the Service, the namespace's pods, its
//! Endpoints and EndpointSlices (v1, else v1beta1 on older servers), NetworkPolicies, Ingresses, the cluster DNS
//! pods and the namespaces' labels. One request per kind, all at once. A kind the user may not read (or the
//! server does not serve) is left out of the snapshot and listed as [`Unreadable`], so the steps that need it
//! say they could not check; only a lost connection to the server is an error. `mosaic diagnose` and the
//! wizard pane both read through here.
use k8s_openapi::api::core::v1::{Endpoints, Namespace, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};

use super::client::Session;
use super::errors::Failure;
use super::rbac::AccessQuery;
use crate::analysis::network::{NetSnapshot, Unreadable, endpoint_slice_from_v1beta1};

/// The label both kube-dns and CoreDNS pods carry.
const DNS_SELECTOR: &str = "k8s-app=kube-dns";
const DNS_NAMESPACE: &str = "kube-system";

/// The snapshot, and what could not be read.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub snapshot: NetSnapshot,
    pub unreadable: Vec<Unreadable>,
}

/// Why the fetch stopped: the server could not be reached (or answered with an error that is not a refusal).
#[derive(Debug, thiserror::Error)]
#[error("could not read Service {service} in namespace {namespace}: {reason}")]
pub struct FetchError {
    pub namespace: String,
    pub service: String,
    pub reason: String,
}

/// Why one read gave nothing.
enum Problem {
    /// Forbidden, not served, or another answer of the server: could-not-check.
    Refused(Unreadable),
    /// No answer: the whole fetch fails.
    Lost(String),
}

pub async fn fetch_net_snapshot(session: &Session, namespace: &str, service: &str) -> Result<Fetched, FetchError> {
    let client = session.client.clone();
    let context = session.target.context.clone();
    let refusal = |resource: &str, group: &str, verb: &str, ns: Option<&str>, failure: Failure| -> Problem {
        let not_served = matches!(failure, Failure::NotFound(_));
        let query = AccessQuery::new(verb, group, resource, ns);
        let query = if ns.is_none() { query.cluster_scoped() } else { query };
        let unreadable = |reason: String, can_i| Unreadable {
            resource: resource.to_string(),
            namespace: ns.map(str::to_string),
            reason,
            can_i,
        };
        match failure {
            Failure::Forbidden(message) => Problem::Refused(unreadable(message, Some(query.can_i_command(&context)))),
            _ if not_served => Problem::Refused(unreadable(format!("this server does not serve {resource}"), None)),
            Failure::Connection(reason) => Problem::Lost(reason),
            other => Problem::Refused(unreadable(other.summary(), None)),
        }
    };
    let all = ListParams::default();
    let by_service = ListParams::default().labels(&format!("kubernetes.io/service-name={service}"));
    let dns = ListParams::default().labels(DNS_SELECTOR);
    let (services, pods_api, endpoints_api) = (
        Api::<Service>::namespaced(client.clone(), namespace),
        Api::<Pod>::namespaced(client.clone(), namespace),
        Api::<Endpoints>::namespaced(client.clone(), namespace),
    );
    let (policies_api, ingresses_api, dns_api, namespaces_api) = (
        Api::<NetworkPolicy>::namespaced(client.clone(), namespace),
        Api::<Ingress>::namespaced(client.clone(), namespace),
        Api::<Pod>::namespaced(client.clone(), DNS_NAMESPACE),
        Api::<Namespace>::all(client.clone()),
    );
    let (svc, pods, endpoints, slices, policies, ingresses, dns_pods, namespaces) = futures::join!(
        services.get_opt(service),
        pods_api.list(&all),
        endpoints_api.get_opt(service),
        endpoint_slices(&client, namespace, &by_service),
        policies_api.list(&all),
        ingresses_api.list(&all),
        dns_api.list(&dns),
        namespaces_api.list(&all),
    );
    let ns = Some(namespace);
    let reads = (
        lift(svc, |f| refusal("services", "", "get", ns, f)),
        lift(pods.map(|l| l.items), |f| refusal("pods", "", "list", ns, f)),
        lift(endpoints.map(|e| e.into_iter().collect::<Vec<_>>()), |f| refusal("endpoints", "", "get", ns, f)),
        lift(slices, |f| refusal("endpointslices", "discovery.k8s.io", "list", ns, f)),
        lift(policies.map(|l| l.items), |f| refusal("networkpolicies", "networking.k8s.io", "list", ns, f)),
        lift(ingresses.map(|l| l.items), |f| refusal("ingresses", "networking.k8s.io", "list", ns, f)),
        lift(dns_pods.map(|l| l.items), |f| refusal("pods", "", "list", Some(DNS_NAMESPACE), f)),
        lift(namespaces.map(|l| l.items), |f| refusal("namespaces", "", "list", None, f)),
    );

    let mut problems = Vec::new();
    let mut snap = NetSnapshot::new(namespace, service, jiff::Timestamp::now());
    snap.context = Some(session.target.context.clone());
    snap.service = take(reads.0, &mut problems).flatten();
    snap.pods = take(reads.1, &mut problems).unwrap_or_default();
    snap.endpoints = take(reads.2, &mut problems);
    snap.endpoint_slices = take(reads.3, &mut problems);
    snap.policies = take(reads.4, &mut problems);
    snap.ingresses = take(reads.5, &mut problems);
    snap.dns_pods = take(reads.6, &mut problems);
    snap.namespaces = take(reads.7, &mut problems);
    let mut unreadable = Vec::new();
    for problem in problems {
        match problem {
            Problem::Refused(u) => unreadable.push(u),
            Problem::Lost(reason) => {
                return Err(FetchError { namespace: namespace.into(), service: service.into(), reason });
            }
        }
    }
    Ok(Fetched { snapshot: snap, unreadable })
}

/// The NetworkPolicies of the traffic source's namespace, whose egress rules the sender must pass too. A
/// refusal (or any other failure) is what could not be read; the step then judges the destination's side alone.
pub async fn fetch_source_policies(session: &Session, namespace: &str) -> Result<Vec<NetworkPolicy>, Unreadable> {
    let api = Api::<NetworkPolicy>::namespaced(session.client.clone(), namespace);
    api.list(&ListParams::default()).await.map(|l| l.items).map_err(|e| {
        let failure = Failure::from_kube(&e);
        let query = AccessQuery::new("list", "networking.k8s.io", "networkpolicies", Some(namespace));
        let (reason, can_i) = match failure {
            Failure::Forbidden(message) => (message, Some(query.can_i_command(&session.target.context))),
            other => (other.summary(), None),
        };
        Unreadable { resource: "networkpolicies".into(), namespace: Some(namespace.into()), reason, can_i }
    })
}

fn lift<T>(result: Result<T, kube::Error>, refused: impl FnOnce(Failure) -> Problem) -> Result<T, Problem> {
    result.map_err(|e| refused(Failure::from_kube(&e)))
}

fn take<T>(read: Result<T, Problem>, problems: &mut Vec<Problem>) -> Option<T> {
    read.map_err(|p| problems.push(p)).ok()
}

/// discovery.k8s.io/v1, else v1beta1 (Kubernetes before 1.21), read as v1.
async fn endpoint_slices(
    client: &kube::Client,
    namespace: &str,
    params: &ListParams,
) -> Result<Vec<EndpointSlice>, kube::Error> {
    match Api::<EndpointSlice>::namespaced(client.clone(), namespace).list(params).await {
        Ok(list) => return Ok(list.items),
        Err(e) if !matches!(Failure::from_kube(&e), Failure::NotFound(_)) => return Err(e),
        Err(_) => {}
    }
    let gvk = GroupVersionKind::gvk("discovery.k8s.io", "v1beta1", "EndpointSlice");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "endpointslices");
    let list = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource).list(params).await?;
    Ok(list
        .items
        .iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .filter_map(|v| endpoint_slice_from_v1beta1(&v).ok())
        .collect())
}
