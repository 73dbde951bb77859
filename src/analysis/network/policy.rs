//! A NetworkPolicy evaluator that follows the Kubernetes semantics
//! (<https://kubernetes.io/docs/concepts/services-networking/network-policies/>):
//!
//! - a pod is isolated for ingress (egress) when any policy in its namespace selects it with that policy
//!   type; `policyTypes` defaults as the API server does: `Ingress`, plus `Egress` when `egress` has rules;
//! - traffic is allowed when some selecting policy has a rule whose peers (`from`/`to`) and ports both
//!   match; no peers or no ports in a rule means all; a peer's `podSelector` alone means pods of the
//!   policy's own namespace, `namespaceSelector` with `podSelector` means both (AND);
//! - a connection needs both the source's egress and the destination's ingress to allow it.
//!
//! A source may be known only partly ("any pod in `shop`"); then an answer that depends on labels we do
//! not know is [`Verdict::Depends`], never a guess.

use std::collections::BTreeMap;
use std::net::IpAddr;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels::{Labels, Match, format_labels, selector_matches};

/// Who opens the connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Peer {
    /// A pod whose namespace and labels are known.
    Pod { namespace: String, labels: Labels },
    /// Any pod of a namespace (its labels are not known).
    AnyPodIn { namespace: String },
    /// Any pod of any namespace.
    AnyPod,
    /// An address outside the cluster's pods (a node, a load balancer, the internet).
    Ip { ip: String },
}

impl Peer {
    /// How the source is named in explanations.
    pub fn describe(&self) -> String {
        match self {
            Peer::Pod { namespace, labels } if labels.is_empty() => format!("a pod in namespace `{namespace}`"),
            Peer::Pod { namespace, labels } => {
                format!("pods labelled `{}` in namespace `{namespace}`", format_labels(labels))
            }
            Peer::AnyPodIn { namespace } => format!("any pod in namespace `{namespace}`"),
            Peer::AnyPod => "any pod in any namespace".to_string(),
            Peer::Ip { ip } => format!("address {ip}"),
        }
    }

    fn namespace(&self) -> Option<&str> {
        match self {
            Peer::Pod { namespace, .. } | Peer::AnyPodIn { namespace } => Some(namespace),
            Peer::AnyPod | Peer::Ip { .. } => None,
        }
    }
}

/// The destination port as the traffic names it: a number, or a container port's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum PortRef {
    Number(i32),
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(name) => write!(f, "{name}"),
        }
    }
}

/// Where the connection goes: these pods (namespace and labels read from each), on this port.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub pods: &'a [Pod],
    pub port: &'a PortRef,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: &'a str,
}

/// Whether traffic is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allowed,
    /// Depends on labels, namespaces or an address we do not know, or on the network plugin.
    Depends,
    Denied,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn type_name(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// A NetworkPolicy, by namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyRef {
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One rule of a policy: `spec.ingress[index]` or `spec.egress[index]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleRef {
    pub policy: PolicyRef,
    pub direction: Direction,
    pub index: usize,
}

impl std::fmt::Display for RuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`spec.{}[{}]` of NetworkPolicy {}", self.direction.field(), self.index, self.policy)
    }
}

/// The answer for one direction (the destination's ingress, or the source's egress).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DirectionDecision {
    pub direction: Direction,
    pub verdict: Verdict,
    /// Policies that select the pod for this direction, and so isolate it.
    pub isolated_by: Vec<PolicyRef>,
    /// Policies that may select it, depending on labels or a namespace we do not know.
    pub maybe_isolated_by: Vec<PolicyRef>,
    /// The rule that lets the traffic through, when one does.
    pub allowed_by: Option<RuleRef>,
    /// One sentence: why.
    pub explanation: String,
    /// When denied: the rule that would have to change, and how.
    pub change: Option<String>,
}

/// The answer for one destination pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodDecision {
    pub pod: String,
    pub verdict: Verdict,
    pub ingress: DirectionDecision,
    pub egress: DirectionDecision,
}

/// The answer for every destination pod; `verdict` is the worst of them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    pub pods: Vec<PodDecision>,
}

impl Decision {
    /// The first pod decision with the overall verdict: the one to explain.
    pub fn worst(&self) -> Option<&PodDecision> {
        self.pods.iter().find(|p| p.verdict == self.verdict)
    }
}

/// Whether `source` may open a connection to each of `destination`'s pods on its port.
/// `namespaces` gives the labels that `namespaceSelector`s are matched against; a namespace missing from it
/// has unknown labels.
pub fn evaluate(
    policies: &[NetworkPolicy],
    namespaces: &[Namespace],
    source: &Peer,
    destination: Destination<'_>,
) -> Decision {
    let ns_labels: BTreeMap<&str, Labels> = namespaces
        .iter()
        .filter_map(|ns| Some((ns.metadata.name.as_deref()?, ns.metadata.labels.clone().unwrap_or_default())))
        .collect();
    let ctx = Ctx { policies, ns_labels: &ns_labels, source, port: destination.port, protocol: destination.protocol };
    let pods: Vec<PodDecision> = destination
        .pods
        .iter()
        .map(|pod| {
            let target = Target::of(pod, destination.port, destination.protocol);
            let ingress = ctx.ingress(&target);
            let egress = ctx.egress(&target);
            PodDecision { pod: target.name.to_string(), verdict: ingress.verdict.max(egress.verdict), ingress, egress }
        })
        .collect();
    let verdict = pods.iter().map(|p| p.verdict).max().unwrap_or(Verdict::Depends);
    Decision { verdict, pods }
}

/// `spec.policyTypes`, defaulted as the API server does when it is empty.
pub fn policy_types(policy: &NetworkPolicy) -> Vec<&str> {
    let Some(spec) = policy.spec.as_ref() else { return vec!["Ingress"] };
    match spec.policy_types.as_deref() {
        Some(types) if !types.is_empty() => types.iter().map(String::as_str).collect(),
        _ if spec.egress.as_ref().is_some_and(|e| !e.is_empty()) => vec!["Ingress", "Egress"],
        _ => vec!["Ingress"],
    }
}

struct Ctx<'a> {
    policies: &'a [NetworkPolicy],
    ns_labels: &'a BTreeMap<&'a str, Labels>,
    source: &'a Peer,
    port: &'a PortRef,
    protocol: &'a str,
}

/// A destination pod, with its traffic port resolved against its containers.
struct Target<'a> {
    name: &'a str,
    namespace: &'a str,
    labels: Labels,
    ip: Option<&'a str>,
    pod: &'a Pod,
    /// The port number the traffic reaches; `None` when a named port is not declared by the pod.
    port: Option<i32>,
}

impl<'a> Target<'a> {
    fn of(pod: &'a Pod, port: &PortRef, protocol: &str) -> Target<'a> {
        let port = match port {
            PortRef::Number(n) => Some(*n),
            PortRef::Name(name) => named_port(pod, name, protocol),
        };
        Target {
            name: pod.metadata.name.as_deref().unwrap_or_default(),
            namespace: pod.metadata.namespace.as_deref().unwrap_or_default(),
            labels: pod.metadata.labels.clone().unwrap_or_default(),
            ip: pod.status.as_ref().and_then(|s| s.pod_ip.as_deref()).filter(|ip| !ip.is_empty()),
            pod,
            port,
        }
    }
}

/// The number of the container port called `name` with this protocol.
pub fn named_port(pod: &Pod, name: &str, protocol: &str) -> Option<i32> {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name) && p.protocol.as_deref().unwrap_or("TCP") == protocol)
        .map(|p| p.container_port)
}

/// What a peer is matched against: the source (for ingress) or the destination pod (for egress).
struct Endpoint<'a> {
    /// `None` when the namespace is not known.
    namespace: Option<&'a str>,
    labels: Option<&'a Labels>,
    ip: Option<&'a str>,
    /// False for an address outside the cluster's pods.
    is_pod: bool,
}

/// A rule's peers (`from` or `to`) and ports.
type RuleParts<'a> = (Option<&'a [NetworkPolicyPeer]>, Option<&'a [NetworkPolicyPort]>);

/// One rule's answer before the policy's selection is taken into account.
struct RuleEval {
    index: usize,
    peers: Match,
    ports: bool,
}

impl Ctx<'_> {
    fn ingress(&self, target: &Target<'_>) -> DirectionDecision {
        let selecting: Vec<(&NetworkPolicy, Match)> = self
            .policies
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(target.namespace))
            .filter(|p| policy_types(p).contains(&Direction::Ingress.type_name()))
            .map(|p| (p, selector_matches(&pod_selector(p), Some(&target.labels))))
            .filter(|(_, m)| *m != Match::No)
            .collect();
        let source = self.source_endpoint();
        self.decide(Direction::Ingress, &selecting, target, &source)
    }

    fn egress(&self, target: &Target<'_>) -> DirectionDecision {
        let source_labels = match self.source {
            Peer::Pod { labels, .. } => Some(labels),
            _ => None,
        };
        let selecting: Vec<(&NetworkPolicy, Match)> = match self.source {
            // An address outside the cluster's pods has no egress policy.
            Peer::Ip { .. } => Vec::new(),
            _ => self
                .policies
                .iter()
                .filter(|p| policy_types(p).contains(&Direction::Egress.type_name()))
                .filter_map(|p| {
                    let same_ns = match self.source.namespace() {
                        Some(ns) => Match::from_bool(p.metadata.namespace.as_deref() == Some(ns)),
                        None => Match::Unknown,
                    };
                    let m = same_ns.and(selector_matches(&pod_selector(p), source_labels));
                    (m != Match::No).then_some((p, m))
                })
                .collect(),
        };
        let dest =
            Endpoint { namespace: Some(target.namespace), labels: Some(&target.labels), ip: target.ip, is_pod: true };
        self.decide(Direction::Egress, &selecting, target, &dest)
    }

    fn source_endpoint(&self) -> Endpoint<'_> {
        match self.source {
            Peer::Pod { namespace, labels } => {
                Endpoint { namespace: Some(namespace), labels: Some(labels), ip: None, is_pod: true }
            }
            Peer::AnyPodIn { namespace } => {
                Endpoint { namespace: Some(namespace), labels: None, ip: None, is_pod: true }
            }
            Peer::AnyPod => Endpoint { namespace: None, labels: None, ip: None, is_pod: true },
            Peer::Ip { ip } => Endpoint { namespace: None, labels: None, ip: Some(ip), is_pod: false },
        }
    }

    /// Combines the selecting policies' rules into one answer for a direction.
    fn decide(
        &self,
        direction: Direction,
        selecting: &[(&NetworkPolicy, Match)],
        target: &Target<'_>,
        peer: &Endpoint<'_>,
    ) -> DirectionDecision {
        let isolated_by: Vec<PolicyRef> =
            selecting.iter().filter(|(_, m)| *m == Match::Yes).map(|(p, _)| policy_ref(p)).collect();
        let maybe_isolated_by: Vec<PolicyRef> =
            selecting.iter().filter(|(_, m)| *m == Match::Unknown).map(|(p, _)| policy_ref(p)).collect();
        let who = match direction {
            Direction::Ingress => format!("pod {}", target.name),
            Direction::Egress => self.source.describe(),
        };
        let mut decision = DirectionDecision {
            direction,
            verdict: Verdict::Allowed,
            isolated_by,
            maybe_isolated_by,
            allowed_by: None,
            explanation: String::new(),
            change: None,
        };
        if selecting.is_empty() {
            decision.explanation = format!(
                "No NetworkPolicy selects {who} for {}, so all {} traffic is allowed.",
                direction.field(),
                direction.field()
            );
            return decision;
        }

        let mut maybe_rule: Option<RuleRef> = None;
        let mut evals: Vec<(&NetworkPolicy, Vec<RuleEval>)> = Vec::new();
        for (policy, selects) in selecting {
            let rules = self.rules(policy, direction, target, peer);
            for rule in &rules {
                let effective = selects.and(rule.peers).and(Match::from_bool(rule.ports));
                let rule_ref = RuleRef { policy: policy_ref(policy), direction, index: rule.index };
                match effective {
                    Match::Yes => {
                        decision.explanation = format!(
                            "NetworkPolicy {} selects {who} for {}, and its rule `spec.{}[{}]` allows this traffic.",
                            rule_ref.policy,
                            direction.field(),
                            direction.field(),
                            rule_ref.index
                        );
                        decision.allowed_by = Some(rule_ref);
                        return decision;
                    }
                    Match::Unknown => {
                        maybe_rule.get_or_insert(rule_ref);
                    }
                    Match::No => {}
                }
            }
            evals.push((policy, rules));
        }

        if decision.isolated_by.is_empty() || maybe_rule.is_some() {
            decision.verdict = Verdict::Depends;
            decision.explanation = match &maybe_rule {
                Some(rule) => format!(
                    "Whether rule {rule} allows this traffic depends on labels, namespaces or an address that are \
                     not known here (or, for an ipBlock and pod traffic, on the network plugin)."
                ),
                None => format!(
                    "{} may select {who} for {}, depending on labels that are not known here.",
                    join_refs(&decision.maybe_isolated_by),
                    direction.field()
                ),
            };
            return decision;
        }

        decision.verdict = Verdict::Denied;
        let isolating = join_refs(&decision.isolated_by);
        let no_rules = evals.iter().all(|(_, rules)| rules.is_empty());
        decision.explanation = if no_rules {
            format!(
                "{isolating} selects {who} for {} and has no {} rules: it denies all {} traffic (default deny).",
                direction.field(),
                direction.field(),
                direction.field()
            )
        } else {
            format!(
                "{isolating} selects {who} for {}, and none of its rules matches both the {} and port {}/{}.",
                direction.field(),
                match direction {
                    Direction::Ingress => "source",
                    Direction::Egress => "destination",
                },
                self.port,
                self.protocol
            )
        };
        decision.change = Some(self.change(direction, &evals, target));
        decision
    }

    fn rules(
        &self,
        policy: &NetworkPolicy,
        direction: Direction,
        target: &Target<'_>,
        peer: &Endpoint<'_>,
    ) -> Vec<RuleEval> {
        let policy_ns = policy.metadata.namespace.as_deref().unwrap_or_default();
        let spec = policy.spec.as_ref();
        let rules: Vec<RuleParts<'_>> = match direction {
            Direction::Ingress => spec
                .and_then(|s| s.ingress.as_ref())
                .into_iter()
                .flatten()
                .map(|r| (r.from.as_deref(), r.ports.as_deref()))
                .collect(),
            Direction::Egress => spec
                .and_then(|s| s.egress.as_ref())
                .into_iter()
                .flatten()
                .map(|r| (r.to.as_deref(), r.ports.as_deref()))
                .collect(),
        };
        rules
            .into_iter()
            .enumerate()
            .map(|(index, (peers, ports))| RuleEval {
                index,
                peers: self.peers_match(peers, policy_ns, peer),
                ports: self.ports_match(ports, target),
            })
            .collect()
    }

    /// No peers (absent or empty) means every source or destination, addresses included.
    fn peers_match(&self, peers: Option<&[NetworkPolicyPeer]>, policy_ns: &str, who: &Endpoint<'_>) -> Match {
        let peers = peers.unwrap_or_default();
        if peers.is_empty() {
            return Match::Yes;
        }
        let mut best = Match::No;
        for peer in peers {
            match self.peer_matches(peer, policy_ns, who) {
                Match::Yes => return Match::Yes,
                Match::Unknown => best = Match::Unknown,
                Match::No => {}
            }
        }
        best
    }

    fn peer_matches(&self, peer: &NetworkPolicyPeer, policy_ns: &str, who: &Endpoint<'_>) -> Match {
        if let Some(block) = &peer.ip_block {
            let Some(ip) = who.ip else {
                // A pod whose address we do not know: an ipBlock might cover it.
                return if who.is_pod { Match::Unknown } else { Match::No };
            };
            let inside = cidr_contains(&block.cidr, ip)
                && !block.except.iter().flatten().any(|except| cidr_contains(except, ip));
            return match (inside, who.is_pod) {
                (false, _) => Match::No,
                (true, false) => Match::Yes,
                // Whether ipBlocks apply to pod IPs is left to the network plugin.
                (true, true) => Match::Unknown,
            };
        }
        if !who.is_pod {
            // Pod and namespace selectors select pods, never outside addresses.
            return Match::No;
        }
        let namespace = match &peer.namespace_selector {
            Some(selector) => {
                let labels = who.namespace.and_then(|ns| self.ns_labels.get(ns));
                selector_matches(selector, labels)
            }
            None if peer.pod_selector.is_none() => return Match::No, // rejected by validation
            None => match who.namespace {
                Some(ns) => Match::from_bool(ns == policy_ns),
                None => Match::Unknown,
            },
        };
        let pod = match &peer.pod_selector {
            Some(selector) => selector_matches(selector, who.labels),
            None => Match::Yes,
        };
        namespace.and(pod)
    }

    /// No ports (absent or empty) means every port. A named port is looked up in the destination pod.
    fn ports_match(&self, ports: Option<&[NetworkPolicyPort]>, target: &Target<'_>) -> bool {
        let ports = ports.unwrap_or_default();
        ports.is_empty() || ports.iter().any(|p| self.port_matches(p, target))
    }

    fn port_matches(&self, rule: &NetworkPolicyPort, target: &Target<'_>) -> bool {
        let protocol = rule.protocol.as_deref().unwrap_or("TCP");
        if protocol != self.protocol {
            return false;
        }
        match &rule.port {
            None => true,
            Some(IntOrString::Int(start)) => target.port.is_some_and(|port| match rule.end_port {
                Some(end) => (*start..=end).contains(&port),
                None => port == *start,
            }),
            Some(IntOrString::String(name)) => match named_port(target.pod, name, protocol) {
                Some(number) => target.port == Some(number),
                None => matches!(self.port, PortRef::Name(n) if n == name),
            },
        }
    }

    /// The smallest change that would let the traffic through.
    fn change(&self, direction: Direction, evals: &[(&NetworkPolicy, Vec<RuleEval>)], target: &Target<'_>) -> String {
        let peers = direction.peers_field();
        let port =
            format!("{}/{}", target.port.map_or_else(|| self.port.to_string(), |p| p.to_string()), self.protocol);
        let wanted = match direction {
            Direction::Ingress => self.source_peer_text(target.namespace),
            Direction::Egress => {
                format!("namespace `{}` and pods labelled `{}`", target.namespace, format_labels(&target.labels))
            }
        };
        for (policy, rules) in evals {
            for rule in rules {
                let rule_ref = RuleRef { policy: policy_ref(policy), direction, index: rule.index };
                if rule.peers == Match::Yes && !rule.ports {
                    return format!("allow port {port} in rule {rule_ref}");
                }
            }
        }
        for (policy, rules) in evals {
            for rule in rules {
                let rule_ref = RuleRef { policy: policy_ref(policy), direction, index: rule.index };
                if rule.ports && rule.peers == Match::No {
                    return format!("add a `{peers}` peer matching {wanted} to rule {rule_ref}");
                }
            }
        }
        let first = evals.first().map(|(p, _)| policy_ref(p).to_string()).unwrap_or_default();
        format!(
            "add an {} rule with a `{peers}` peer matching {wanted} and port {port} to NetworkPolicy {first} \
             (or create a new NetworkPolicy that selects these pods with such a rule)",
            direction.field()
        )
    }

    fn source_peer_text(&self, policy_ns: &str) -> String {
        match self.source {
            Peer::Pod { namespace, labels } if namespace == policy_ns => {
                format!("pods labelled `{}` (a `podSelector`)", format_labels(labels))
            }
            Peer::Pod { namespace, labels } => format!(
                "namespace `{namespace}` (a `namespaceSelector`) and pods labelled `{}` (a `podSelector` in the same peer)",
                format_labels(labels)
            ),
            Peer::AnyPodIn { namespace } if namespace == policy_ns => {
                "every pod of this namespace (`podSelector: {}`)".into()
            }
            Peer::AnyPodIn { namespace } => format!("namespace `{namespace}` (a `namespaceSelector`)"),
            Peer::AnyPod => "every namespace (`namespaceSelector: {}`)".into(),
            Peer::Ip { ip } => format!("an `ipBlock` containing {ip}"),
        }
    }
}

fn pod_selector(policy: &NetworkPolicy) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector {
    policy.spec.as_ref().and_then(|s| s.pod_selector.clone()).unwrap_or_default()
}

fn policy_ref(policy: &NetworkPolicy) -> PolicyRef {
    PolicyRef {
        namespace: policy.metadata.namespace.clone().unwrap_or_default(),
        name: policy.metadata.name.clone().unwrap_or_default(),
    }
}

fn join_refs(refs: &[PolicyRef]) -> String {
    let names: Vec<String> = refs.iter().map(|r| format!("NetworkPolicy {r}")).collect();
    names.join(" and ")
}

/// `ip` is inside `cidr` (`10.0.0.0/8`, `fd00::/64`, or a bare address). A malformed CIDR contains nothing.
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (net, len) = match cidr.split_once('/') {
        Some((net, len)) => (net, len.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.parse::<IpAddr>()) else { return false };
    match (net, ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(u128::from(net.to_bits()), u128::from(ip.to_bits()), 32, len),
        (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(net.to_bits(), ip.to_bits(), 128, len),
        _ => false,
    }
}

fn prefix_eq(net: u128, ip: u128, bits: u32, len: Option<u32>) -> bool {
    let len = len.unwrap_or(bits);
    if len > bits {
        return false;
    }
    let shift = bits - len;
    // Shifting by the full width would overflow: a /0 contains everything.
    shift >= bits || (net >> shift) == (ip >> shift)
}

#[cfg(test)]
mod tests;
