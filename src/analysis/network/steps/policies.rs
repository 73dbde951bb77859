//! Step 6: no NetworkPolicy drops the traffic, for a source the caller gives (any pod of the Service's
//! namespace by default).

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Ctx, NO_MATCH, cause, protocol, step, target_port};
use crate::analysis::network::labels::{Labels, format_selector};
use crate::analysis::network::policy::{
    self, Decision, Destination, Direction, Peer, PortRef, Verdict as PolicyVerdict,
};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Step, StepId};

pub fn policy_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let (ns, svc) = (ctx.ns(), ctx.svc());
    let mut s = step(
        StepId::NetworkPolicies,
        "No NetworkPolicy drops the traffic",
        "Once any NetworkPolicy selects a pod, only the traffic some policy allows reaches it; the rest is dropped \
         silently, so clients time out. The sender's own egress policies must allow it too.",
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
    )
    .commands(vec![ctx.kubectl(&["get", "networkpolicies"])]);
    if ctx.service.is_none() {
        return s.not_checked(format!("Service `{svc}` does not exist"));
    }
    if ctx.is_external_name() {
        return s.pass("Not applicable: an ExternalName Service has no pods to protect.");
    }
    let Some(policies) = &snap.policies else {
        return s.could_not_check(format!("cannot list NetworkPolicies in namespace `{ns}`"));
    };
    if ctx.selected.is_empty() {
        return s.not_checked(NO_MATCH);
    }
    let Some(port) = ctx.chosen_ports().ok().and_then(|p| p.first().copied()) else {
        return s.not_checked("the Service has no such port (see the Service step)");
    };
    let target = target_port(port);
    let proto = protocol(port.protocol.as_deref()).to_string();
    let source = question.source.clone().unwrap_or(Peer::AnyPodIn { namespace: ns.to_string() });
    let pods: Vec<Pod> = ctx.selected.iter().map(|p| (*p).clone()).collect();
    let namespaces = snap.namespaces.clone().unwrap_or_default();
    let decision =
        policy::evaluate(policies, &namespaces, &source, Destination { pods: &pods, port: &target, protocol: &proto });

    s = s.evidence("source", source.describe()).evidence("destination port", format!("{target}/{proto}"));
    for p in policies.iter().filter(|p| p.metadata.namespace.as_deref() == Some(ns)) {
        let selector = p.spec.as_ref().and_then(|s| s.pod_selector.clone()).unwrap_or_default();
        s = s.evidence(
            format!("networkpolicy/{} spec", p.metadata.name.as_deref().unwrap_or_default()),
            format!("podSelector {} · policyTypes {}", format_selector(&selector), policy::policy_types(p).join(",")),
        );
    }
    let Some(worst) = decision.worst() else {
        return s.could_not_check("no destination pods");
    };
    for d in [&worst.ingress, &worst.egress] {
        s = s.evidence(format!("pod/{} {:?}", worst.pod, d.direction).to_lowercase(), &d.explanation);
        for p in &d.isolated_by {
            let cmd = kubectl_for_policy(&ctx, &p.namespace, &p.name);
            if !s.kubectl.contains(&cmd) {
                s.kubectl.push(cmd);
            }
        }
    }
    match decision.verdict {
        PolicyVerdict::Allowed => {
            s.pass(format!("From {}: {} {}", source.describe(), allowed_summary(&decision), worst.egress.explanation))
        }
        PolicyVerdict::Depends => {
            let d = if worst.ingress.verdict == PolicyVerdict::Depends { &worst.ingress } else { &worst.egress };
            s.warn(
                format!(
                    "From {}, it depends on which pod sends the traffic (name it: `--from`, or `f` in the wizard): {}",
                    source.describe(),
                    d.explanation
                ),
                None,
            )
        }
        PolicyVerdict::Denied => {
            let d = if worst.ingress.verdict == PolicyVerdict::Denied { &worst.ingress } else { &worst.egress };
            let change = d.change.clone().unwrap_or_default();
            let command = (d.direction == Direction::Ingress)
                .then(|| allow_policy_command(&ctx, &source, &target, &proto))
                .flatten();
            s.fail(
                format!(
                    "Traffic from {} to pod {} on port {target}/{proto} is dropped. {}",
                    source.describe(),
                    worst.pod,
                    d.explanation
                ),
                cause(
                    format!(
                        "{} so traffic from {} to Service `{svc}` is dropped.",
                        d.explanation.trim_end_matches('.').to_string() + ",",
                        source.describe()
                    ),
                    format!("To allow it, {change}."),
                    command,
                ),
            )
        }
    }
}

fn allowed_summary(decision: &Decision) -> String {
    match decision.pods.iter().find_map(|p| p.ingress.allowed_by.as_ref()) {
        Some(rule) => format!("Allowed by rule {rule}."),
        None => decision.pods.first().map(|p| p.ingress.explanation.clone()).unwrap_or_default(),
    }
}

fn kubectl_for_policy(ctx: &Ctx<'_>, namespace: &str, name: &str) -> String {
    super::kubectl_in(ctx.snap.context.as_deref(), Some(namespace), &["describe", "networkpolicy", name])
}

/// A NetworkPolicy that lets `source` reach the Service's pods on the port, as a copyable `kubectl apply`.
fn allow_policy_command(ctx: &Ctx<'_>, source: &Peer, target: &PortRef, proto: &str) -> Option<String> {
    let (peer, from_name) = match source {
        Peer::Pod { namespace, labels } => {
            let pods = Some(LabelSelector { match_labels: Some(labels.clone()), ..Default::default() });
            if namespace == ctx.ns() {
                (NetworkPolicyPeer { pod_selector: pods, ..Default::default() }, namespace.clone())
            } else {
                (
                    NetworkPolicyPeer {
                        namespace_selector: Some(namespace_selector(ctx, namespace)),
                        pod_selector: pods,
                        ..Default::default()
                    },
                    namespace.clone(),
                )
            }
        }
        Peer::AnyPodIn { namespace } if namespace == ctx.ns() => (
            NetworkPolicyPeer { pod_selector: Some(LabelSelector::default()), ..Default::default() },
            namespace.clone(),
        ),
        Peer::AnyPodIn { namespace } => (
            NetworkPolicyPeer { namespace_selector: Some(namespace_selector(ctx, namespace)), ..Default::default() },
            namespace.clone(),
        ),
        Peer::AnyPod => (
            NetworkPolicyPeer { namespace_selector: Some(LabelSelector::default()), ..Default::default() },
            "all".to_string(),
        ),
        Peer::Ip { ip } => (
            NetworkPolicyPeer {
                ip_block: Some(k8s_openapi::api::networking::v1::IPBlock { cidr: single_ip_cidr(ip), except: None }),
                ..Default::default()
            },
            "ip".to_string(),
        ),
    };
    let port = match target {
        PortRef::Number(n) => IntOrString::Int(*n),
        PortRef::Name(n) => IntOrString::String(n.clone()),
    };
    let policy = NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(format!("allow-{from_name}-to-{}", ctx.svc())),
            namespace: Some(ctx.ns().to_string()),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector { match_labels: Some(ctx.selector.clone()), ..Default::default() }),
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![peer]),
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(port),
                    protocol: Some(proto.to_string()),
                    end_port: None,
                }]),
            }]),
            egress: None,
        }),
    };
    let yaml = serde_yaml::to_string(&policy).ok()?;
    Some(format!(
        "{} <<'EOF'\n{}EOF",
        super::kubectl_in(ctx.snap.context.as_deref(), None, &["apply", "-f", "-"]),
        yaml
    ))
}

/// Selects one namespace: by `kubernetes.io/metadata.name` when the server sets it (1.21+), else by the
/// namespace's own labels, else by the name label all the same (it must then be added to the namespace).
fn namespace_selector(ctx: &Ctx<'_>, namespace: &str) -> LabelSelector {
    const NAME_LABEL: &str = "kubernetes.io/metadata.name";
    let labels: Labels = ctx
        .snap
        .namespaces
        .iter()
        .flatten()
        .find(|n| n.metadata.name.as_deref() == Some(namespace))
        .and_then(|n| n.metadata.labels.clone())
        .unwrap_or_default();
    let match_labels = if labels.contains_key(NAME_LABEL) || labels.is_empty() {
        Labels::from([(NAME_LABEL.to_string(), namespace.to_string())])
    } else {
        labels
    };
    LabelSelector { match_labels: Some(match_labels), ..Default::default() }
}

fn single_ip_cidr(ip: &str) -> String {
    if ip.contains('/') {
        ip.to_string()
    } else if ip.contains(':') {
        format!("{ip}/128")
    } else {
        format!("{ip}/32")
    }
}
