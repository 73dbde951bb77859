//! The cluster network as a simulated container sees it: cluster DNS (Services, and the ready pods of headless
//! Services), the Service VIPs that kube-proxy sends to ready endpoints, pod IPs, and NetworkPolicy ingress
//! rules. A snapshot of the store, taken when a command needs it.
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::app_http::App;
use super::meta;
use super::registry;
use super::store::Store;

pub const CLUSTER_DOMAIN: &str = "cluster.local";
pub const DNS_SERVER: &str = "10.96.0.10";

/// Why a TCP connection did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialError {
    /// Nothing listens (or kube-proxy rejects: a Service without ready endpoints).
    Refused,
    /// Packets are dropped: a NetworkPolicy, an address nothing answers for.
    TimedOut,
}

/// Who opens a connection: the pod a command runs in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    pub namespace: String,
    pub ip: String,
    pub labels: Map<String, Value>,
}

/// A name and the addresses DNS gives for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub fqdn: String,
    pub ips: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct ContainerNet {
    name: String,
    image: String,
    /// The TCP ports it declares.
    ports: Ports,
    running: bool,
    ready: bool,
}

/// What the network needs to know of a pod.
#[derive(Debug, Clone, PartialEq)]
pub struct PodNet {
    namespace: String,
    name: String,
    ip: String,
    labels: Map<String, Value>,
    app: String,
    not_ready_mode: bool,
    containers: Vec<ContainerNet>,
}

fn u16_of(v: Option<&Value>) -> Option<u16> {
    v.and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok())
}

fn annotation<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    let annotations = meta::metadata(obj)?.get("annotations")?.as_object()?;
    ["sim.mosaic.dev/", "k8s-real.example/"]
        .iter()
        .find_map(|prefix| annotations.get(&format!("{prefix}{name}")))
        .and_then(Value::as_str)
}

/// `1.8.2` for `ghcr.io/acme/web:1.8.2`; `latest` without a tag.
pub fn image_tag(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') && !repo.is_empty() => tag,
        _ => "latest",
    }
}

impl PodNet {
    pub fn from_pod(pod: &Value) -> PodNet {
        let statuses: Vec<&Value> =
            pod.pointer("/status/containerStatuses").and_then(Value::as_array).into_iter().flatten().collect();
        let containers = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
                let status = statuses.iter().find(|s| s.get("name").and_then(Value::as_str) == Some(name.as_str()));
                let ports = c
                    .get("ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|p| p.get("protocol").and_then(Value::as_str).is_none_or(|proto| proto == "TCP"))
                    .filter_map(|p| {
                        let number = u16_of(p.get("containerPort"))?;
                        Some((p.get("name").and_then(Value::as_str).map(str::to_string), number))
                    })
                    .collect();
                ContainerNet {
                    image: c.get("image").and_then(Value::as_str).unwrap_or_default().to_string(),
                    ports,
                    running: status.is_some_and(|s| s.pointer("/state/running").is_some()),
                    ready: status.is_some_and(|s| s.get("ready").and_then(Value::as_bool) == Some(true)),
                    name,
                }
            })
            .collect::<Vec<_>>();
        let labels = meta::labels(pod).cloned().unwrap_or_default();
        let app = ["app", "app.kubernetes.io/name", "k8s-app"]
            .iter()
            .find_map(|k| labels.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .or_else(|| containers.first().map(|c| c.name.clone()))
            .unwrap_or_default();
        PodNet {
            namespace: meta::namespace(pod).unwrap_or_default().to_string(),
            name: meta::name(pod).unwrap_or_default().to_string(),
            ip: meta::str_at(pod, &["status", "podIP"]).unwrap_or_default().to_string(),
            not_ready_mode: annotation(pod, "simulate") == Some("notready"),
            labels,
            app,
            containers,
        }
    }

    /// Connect to a port of the pod: the app of the container that declares it, if that container runs.
    pub fn dial(&self, port: u16) -> Result<App, DialError> {
        let container = self
            .containers
            .iter()
            .find(|c| c.ports.iter().any(|(_, p)| *p == port))
            .filter(|c| c.running)
            .ok_or(DialError::Refused)?;
        Ok(App {
            name: self.app.clone(),
            version: image_tag(&container.image).to_string(),
            pod: self.name.clone(),
            namespace: self.namespace.clone(),
            port,
            ready: container.ready && !self.not_ready_mode,
        })
    }

    fn named_port(&self, name: &str) -> Option<u16> {
        self.containers.iter().flat_map(|c| &c.ports).find(|(n, _)| n.as_deref() == Some(name)).map(|(_, p)| *p)
    }
}

/// Named ports: (name, number).
type Ports = Vec<(Option<String>, u16)>;

#[derive(Debug, Clone, PartialEq)]
struct ServicePort {
    name: Option<String>,
    port: u16,
}

#[derive(Debug, Clone, PartialEq)]
struct Service {
    namespace: String,
    name: String,
    cluster_ip: Option<String>,
    ports: Vec<ServicePort>,
    /// Ready endpoints: (ip, [(port name, port)]), as the Endpoints object lists them.
    endpoints: Vec<(String, Ports)>,
}

#[derive(Debug, Clone, PartialEq)]
struct Policy {
    namespace: String,
    selector: Value,
    rules: Vec<Value>,
}

/// The network, as of when it was taken.
#[derive(Debug, Clone, Default)]
pub struct Network {
    services: Vec<Service>,
    pods: Vec<PodNet>,
    by_ip: HashMap<String, usize>,
    namespace_labels: HashMap<String, Map<String, Value>>,
    policies: Vec<Policy>,
}

fn ready_endpoints(endpoints: Option<&Value>) -> Vec<(String, Ports)> {
    let mut out = Vec::new();
    for subset in endpoints.and_then(|e| e.get("subsets")).and_then(Value::as_array).into_iter().flatten() {
        let ports: Ports = subset
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.get("name").and_then(Value::as_str).map(str::to_string), u16_of(p.get("port"))?)))
            .collect();
        for address in subset.get("addresses").and_then(Value::as_array).into_iter().flatten() {
            if let Some(ip) = address.get("ip").and_then(Value::as_str) {
                out.push((ip.to_string(), ports.clone()));
            }
        }
    }
    out.sort();
    out
}

/// Whether a LabelSelector (matchLabels and matchExpressions) selects these labels; `{}` selects all.
fn selects(selector: &Value, labels: &Map<String, Value>) -> bool {
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let by_labels = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|m| m.iter().all(|(k, v)| label(k) == v.as_str()));
    let by_expressions = selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten().all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> =
            e.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => label(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => label(key).is_some(),
            Some("DoesNotExist") => label(key).is_none(),
            _ => false,
        }
    });
    by_labels && by_expressions
}

impl Network {
    pub fn from_store(store: &Store) -> Network {
        let mut network = Network::default();
        for (_, pod) in store.list(registry::PODS, None) {
            let pod = PodNet::from_pod(pod);
            if !pod.ip.is_empty() {
                network.by_ip.insert(pod.ip.clone(), network.pods.len());
                network.pods.push(pod);
            }
        }
        for ((ns, name), svc) in store.list("core/services", None) {
            let ports = svc
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|p| p.get("protocol").and_then(Value::as_str).is_none_or(|proto| proto == "TCP"))
                .filter_map(|p| {
                    Some(ServicePort {
                        name: p.get("name").and_then(Value::as_str).map(str::to_string),
                        port: u16_of(p.get("port"))?,
                    })
                })
                .collect();
            network.services.push(Service {
                namespace: ns.clone(),
                name: name.clone(),
                cluster_ip: meta::str_at(svc, &["spec", "clusterIP"])
                    .filter(|ip| !ip.is_empty() && *ip != "None")
                    .map(str::to_string),
                ports,
                endpoints: ready_endpoints(store.get("core/endpoints", ns, name)),
            });
        }
        for ((_, name), namespace) in store.list(registry::NAMESPACES, None) {
            network.namespace_labels.insert(name.clone(), meta::labels(namespace).cloned().unwrap_or_default());
        }
        for ((ns, _), policy) in store.list("networking.k8s.io/networkpolicies", None) {
            let types: Option<Vec<&str>> = policy
                .pointer("/spec/policyTypes")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect());
            // Without policyTypes, a policy always isolates ingress (and egress only if it has egress rules).
            if types.is_some_and(|t| !t.contains(&"Ingress")) {
                continue;
            }
            network.policies.push(Policy {
                namespace: ns.clone(),
                selector: policy.pointer("/spec/podSelector").cloned().unwrap_or_default(),
                rules: policy.pointer("/spec/ingress").and_then(Value::as_array).cloned().unwrap_or_default(),
            });
        }
        network
    }

    fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.namespace == namespace && s.name == name)
    }

    /// Cluster DNS, with the pod's search path (`NS.svc.cluster.local svc.cluster.local cluster.local`).
    pub fn resolve(&self, name: &str, client_namespace: &str) -> Option<Resolved> {
        let name = name.trim_end_matches('.');
        if name.parse::<std::net::Ipv4Addr>().is_ok() {
            return Some(Resolved { fqdn: name.to_string(), ips: vec![name.to_string()] });
        }
        let suffix = format!(".svc.{CLUSTER_DOMAIN}");
        let candidates = if name.ends_with(CLUSTER_DOMAIN) {
            vec![name.to_string()]
        } else {
            vec![
                format!("{name}.{client_namespace}{suffix}"),
                format!("{name}{suffix}"),
                format!("{name}.{CLUSTER_DOMAIN}"),
            ]
        };
        candidates.into_iter().find_map(|fqdn| {
            let (svc, ns) = fqdn.strip_suffix(&suffix)?.split_once('.')?;
            let service = self.service(ns, svc)?;
            let ips = match &service.cluster_ip {
                Some(ip) => vec![ip.clone()],
                // A headless Service resolves to its ready pods.
                None => service.endpoints.iter().map(|(ip, _)| ip.clone()).collect(),
            };
            (!ips.is_empty()).then_some(Resolved { fqdn, ips })
        })
    }

    /// Open a TCP connection from `from` to `ip:port`: through a Service VIP to its first ready endpoint, or
    /// straight to a pod, subject to the NetworkPolicies that isolate the target.
    pub fn connect(&self, from: &Source, ip: &str, port: u16) -> Result<App, DialError> {
        if ip == "127.0.0.1" || ip == from.ip {
            return self.by_ip.get(&from.ip).map_or(Err(DialError::Refused), |&i| self.pods[i].dial(port));
        }
        if let Some(service) = self.services.iter().find(|s| s.cluster_ip.as_deref() == Some(ip)) {
            // kube-proxy has no rule for a port the Service does not define: the packets go nowhere.
            let service_port = service.ports.iter().find(|p| p.port == port).ok_or(DialError::TimedOut)?;
            let (endpoint_ip, target) = service
                .endpoints
                .iter()
                .find_map(|(ip, ports)| {
                    let target = match &service_port.name {
                        Some(name) => ports.iter().find(|(n, _)| n.as_ref() == Some(name)),
                        None => ports.first(),
                    };
                    target.map(|(_, p)| (ip.as_str(), *p))
                })
                .ok_or(DialError::Refused)?;
            return self.connect_pod(from, endpoint_ip, target);
        }
        self.connect_pod(from, ip, port)
    }

    fn connect_pod(&self, from: &Source, ip: &str, port: u16) -> Result<App, DialError> {
        let pod = self.by_ip.get(ip).map(|&i| &self.pods[i]).ok_or(DialError::TimedOut)?;
        if !self.ingress_allowed(from, pod, port) {
            return Err(DialError::TimedOut);
        }
        pod.dial(port)
    }

    /// NetworkPolicy ingress: allowed unless a policy selects the pod and none of the selecting policies
    /// has a rule that admits this peer on this port.
    fn ingress_allowed(&self, from: &Source, to: &PodNet, port: u16) -> bool {
        let mut selecting =
            self.policies.iter().filter(|p| p.namespace == to.namespace && selects(&p.selector, &to.labels)).peekable();
        if selecting.peek().is_none() {
            return true;
        }
        let source_ns_labels = self.namespace_labels.get(&from.namespace).cloned().unwrap_or_default();
        selecting.any(|policy| {
            policy.rules.iter().any(|rule| {
                let port_ok = rule.get("ports").and_then(Value::as_array).is_none_or(|ports| {
                    ports.is_empty()
                        || ports.iter().any(|p| match p.get("port") {
                            None => true,
                            Some(Value::Number(n)) => n.as_u64() == Some(u64::from(port)),
                            Some(Value::String(name)) => to.named_port(name) == Some(port),
                            Some(_) => false,
                        })
                });
                let peer_ok = rule.get("from").and_then(Value::as_array).is_none_or(|peers| {
                    peers.is_empty()
                        || peers.iter().any(|peer| {
                            let ns_ok = match peer.get("namespaceSelector") {
                                Some(sel) => selects(sel, &source_ns_labels),
                                None => from.namespace == policy.namespace,
                            };
                            let pod_ok = peer.get("podSelector").is_none_or(|sel| selects(sel, &from.labels));
                            let is_ip_block = peer.get("ipBlock").is_some();
                            !is_ip_block && ns_ok && pod_ok
                        })
                });
                port_ok && peer_ok
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ns: &str, ip: &str, labels: Value, ready: bool, annotations: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": annotations},
            "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/web:1.4.0",
                                     "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"podIP": ip, "containerStatuses": [{"name": "app", "ready": ready, "state": {"running": {}}}]},
        })
    }

    fn network() -> Network {
        let mut store = Store::new();
        store.put(registry::NAMESPACES, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
        store.put(registry::PODS, pod("web-1", "shop", "10.244.0.5", json!({"app": "web"}), true, json!({})));
        store.put(
            registry::PODS,
            pod(
                "inv-1",
                "shop",
                "10.244.0.6",
                json!({"app": "inv"}),
                false,
                json!({"sim.mosaic.dev/simulate": "notready"}),
            ),
        );
        store.put(registry::PODS, pod("ledger-1", "payments", "10.244.1.7", json!({"app": "ledger"}), true, json!({})));
        let svc = |ns: &str, name: &str, ip: &str| {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                   "spec": {"clusterIP": ip, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})
        };
        store.put("core/services", svc("shop", "web", "10.96.5.5"));
        store.put("core/services", svc("shop", "inv", "10.96.5.6"));
        store.put("core/services", svc("payments", "ledger", "10.96.7.7"));
        store.put(
            "core/endpoints",
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "shop"},
                   "subsets": [{"addresses": [{"ip": "10.244.0.5"}], "ports": [{"name": "http", "port": 8080}]}]}),
        );
        store.put(
            "core/endpoints",
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ledger", "namespace": "payments"},
                   "subsets": [{"addresses": [{"ip": "10.244.1.7"}], "ports": [{"name": "http", "port": 8080}]}]}),
        );
        store.put(
            "networking.k8s.io/networkpolicies",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "deny", "namespace": "payments"},
                   "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
        );
        Network::from_store(&store)
    }

    fn from_shop() -> Source {
        Source { namespace: "shop".into(), ip: "10.244.0.9".into(), labels: Map::new() }
    }

    #[test]
    fn dns_follows_the_search_path() {
        let net = network();
        let short = net.resolve("web", "shop").expect("web");
        assert_eq!((short.fqdn.as_str(), short.ips), ("web.shop.svc.cluster.local", vec!["10.96.5.5".to_string()]));
        assert_eq!(net.resolve("ledger.payments", "shop").map(|r| r.ips), Some(vec!["10.96.7.7".to_string()]));
        assert_eq!(
            net.resolve("web.shop.svc.cluster.local.", "x").map(|r| r.fqdn),
            Some("web.shop.svc.cluster.local".into())
        );
        assert_eq!(net.resolve("elasticsearch", "shop"), None);
        assert_eq!(net.resolve("ledger", "shop"), None, "another namespace needs its name");
    }

    #[test]
    fn services_route_to_ready_endpoints() {
        let net = network();
        let app = net.connect(&from_shop(), "10.96.5.5", 80).expect("web answers");
        assert_eq!((app.pod.as_str(), app.port, app.version.as_str(), app.ready), ("web-1", 8080, "1.4.0", true));
        assert_eq!(net.connect(&from_shop(), "10.96.5.6", 80), Err(DialError::Refused), "no ready endpoints");
        assert_eq!(net.connect(&from_shop(), "10.96.5.5", 81), Err(DialError::TimedOut));
        assert_eq!(net.connect(&from_shop(), "10.244.0.6", 8080).map(|a| a.ready), Ok(false), "notready pod");
        assert_eq!(net.connect(&from_shop(), "10.244.0.5", 9999), Err(DialError::Refused));
    }

    #[test]
    fn network_policies_drop_what_they_do_not_admit() {
        let net = network();
        assert_eq!(net.connect(&from_shop(), "10.96.7.7", 80), Err(DialError::TimedOut));
        assert_eq!(net.connect(&from_shop(), "10.244.1.7", 8080), Err(DialError::TimedOut));
    }
}
