//! What could not be read, and what that does to the steps. A list the user may not read is not an error: the
//! steps that need it become could-not-check, with the server's words and the `kubectl auth can-i` line to ask.

use super::snapshot::NetSnapshot;
use super::step::{Evidence, Step, StepId, Verdict};

/// One kind (in one namespace) the wizard could not read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unreadable {
    /// The resource as RBAC names it: `pods`, `networkpolicies`, `services`…
    pub resource: String,
    /// `None` for cluster-scoped kinds (namespaces).
    pub namespace: Option<String>,
    /// The server's words (a 403 message), or what else went wrong.
    pub reason: String,
    /// The command that asks the server whether the user may read it, for a refusal.
    pub can_i: Option<String>,
}

impl Unreadable {
    /// `networkpolicies in shop`, `namespaces`.
    pub fn what(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} in {ns}", self.resource),
            None => self.resource.clone(),
        }
    }
}

/// The steps that cannot say anything without this resource (their verdict becomes could-not-check), and the
/// steps that read it as one source among others (they only carry the note).
fn affected(u: &Unreadable, snap: &NetSnapshot) -> (&'static [StepId], &'static [StepId]) {
    const ALL: &[StepId] = &[
        StepId::Service,
        StepId::Selector,
        StepId::Readiness,
        StepId::Endpoints,
        StepId::Ports,
        StepId::NetworkPolicies,
        StepId::Dns,
        StepId::Ingress,
    ];
    let own = u.namespace.as_deref() == Some(snap.namespace.as_str());
    match u.resource.as_str() {
        "services" if own => (ALL, &[]),
        // The selected pods: whom the selector matches, their readiness, ports and policy labels.
        "pods" if own => (&[StepId::Selector, StepId::Readiness, StepId::Ports, StepId::NetworkPolicies], &[]),
        "pods" => (&[], &[StepId::Dns]),
        "endpoints" | "endpointslices" => (&[], &[StepId::Endpoints]),
        "networkpolicies" => (&[], &[StepId::NetworkPolicies]),
        "namespaces" => (&[], &[StepId::NetworkPolicies]),
        "ingresses" => (&[], &[StepId::Ingress]),
        _ => (&[], &[]),
    }
}

/// Mark the steps that depend on what could not be read: a step that cannot say anything without it becomes
/// could-not-check; a step that reads it as one source among others keeps its verdict. Both gain the server's
/// words and the can-i line.
pub fn note_unreadable(steps: &mut [Step], snap: &NetSnapshot, unreadable: &[Unreadable]) {
    for u in unreadable {
        let (blocked, noted) = affected(u, snap);
        for step in steps.iter_mut() {
            let blocks = blocked.contains(&step.id) || blocked_by_namespace_labels(u, step, snap);
            if !blocks && !noted.contains(&step.id) {
                continue;
            }
            step.checked.push(Evidence::new(u.what(), format!("could not read: {}", u.reason)));
            if let Some(can_i) = &u.can_i
                && !step.kubectl.contains(can_i)
            {
                step.kubectl.push(can_i.clone());
            }
            // A blocked step's own reasoning was about missing objects, not unreadable ones: replace it.
            if blocks && !matches!(&step.verdict, Verdict::CouldNotCheck(r) if r.starts_with("cannot read")) {
                let reason = format!("cannot read {}", u.what());
                step.summary = format!("Could not check: {reason}.");
                step.verdict = Verdict::CouldNotCheck(reason);
                step.cause = None;
            }
        }
    }
}

/// A policy that selects peers by namespace labels cannot be judged without the namespaces' labels.
fn blocked_by_namespace_labels(u: &Unreadable, step: &Step, snap: &NetSnapshot) -> bool {
    if u.resource != "namespaces" || step.id != StepId::NetworkPolicies {
        return false;
    }
    let by_namespace = |rules: Option<Vec<Vec<k8s_openapi::api::networking::v1::NetworkPolicyPeer>>>| {
        rules.into_iter().flatten().flatten().any(|peer| peer.namespace_selector.is_some())
    };
    snap.policies.iter().flatten().filter_map(|p| p.spec.as_ref()).any(|spec| {
        by_namespace(spec.ingress.as_ref().map(|r| r.iter().map(|r| r.from.clone().unwrap_or_default()).collect()))
            || by_namespace(spec.egress.as_ref().map(|r| r.iter().map(|r| r.to.clone().unwrap_or_default()).collect()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::network::{Question, run_static_steps};
    use serde_json::json;

    fn snapshot() -> NetSnapshot {
        let mut snap = NetSnapshot::new("shop", "web", jiff::Timestamp::now());
        snap.service = Some(
            serde_json::from_value(json!({
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.5",
                         "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}
            }))
            .expect("service"),
        );
        snap
    }

    fn forbidden(resource: &str, namespace: Option<&str>) -> Unreadable {
        Unreadable {
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
            reason: format!("{resource} is forbidden: User \"dev\" cannot list resource \"{resource}\""),
            can_i: Some(format!("kubectl auth can-i list {resource} -n shop")),
        }
    }

    #[test]
    fn unreadable_pods_make_the_pod_steps_could_not_check_instead_of_failing() {
        let snap = snapshot();
        let mut steps = run_static_steps(&snap, &Question::default());
        let selector = steps.iter().find(|s| s.id == StepId::Selector).expect("selector");
        assert_eq!(selector.verdict, Verdict::Fail, "no pods read looks like a selector that matches none");
        note_unreadable(&mut steps, &snap, &[forbidden("pods", Some("shop"))]);
        for id in [StepId::Selector, StepId::Readiness, StepId::Ports, StepId::NetworkPolicies] {
            let s = steps.iter().find(|s| s.id == id).expect("step");
            assert_eq!(s.verdict, Verdict::CouldNotCheck("cannot read pods in shop".into()), "{id:?}");
            assert!(s.cause.is_none());
            assert!(s.kubectl.contains(&"kubectl auth can-i list pods -n shop".to_string()), "{id:?}");
            assert!(s.checked.iter().any(|e| e.field == "pods in shop" && e.value.contains("forbidden")));
        }
        let service = steps.iter().find(|s| s.id == StepId::Service).expect("service");
        assert_eq!(service.verdict, Verdict::Pass, "the Service itself was read");
    }

    #[test]
    fn an_unreadable_list_a_step_already_misses_adds_the_servers_words() {
        let snap = snapshot();
        let mut steps = run_static_steps(&snap, &Question::default());
        note_unreadable(&mut steps, &snap, &[forbidden("ingresses", Some("shop"))]);
        let ingress = steps.iter().find(|s| s.id == StepId::Ingress).expect("ingress");
        let Verdict::CouldNotCheck(reason) = &ingress.verdict else { panic!("{:?}", ingress.verdict) };
        assert!(reason.contains("Ingress") || reason.contains("ingress"), "its own reason stays: {reason}");
        assert!(ingress.checked.iter().any(|e| e.value.starts_with("could not read: ingresses is forbidden")));
    }

    #[test]
    fn unreadable_namespaces_block_policies_only_when_one_selects_by_namespace() {
        let mut snap = snapshot();
        let policy = |from: serde_json::Value| {
            serde_json::from_value(json!({
                "metadata": {"name": "p", "namespace": "shop"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": from}]}
            }))
            .expect("policy")
        };
        let namespaces = forbidden("namespaces", None);
        let step = |snap: &NetSnapshot| {
            let mut steps = run_static_steps(snap, &Question::default());
            note_unreadable(&mut steps, snap, std::slice::from_ref(&namespaces));
            steps.into_iter().find(|s| s.id == StepId::NetworkPolicies).expect("step")
        };
        snap.policies = Some(vec![policy(json!([{"podSelector": {"matchLabels": {"app": "x"}}}]))]);
        assert!(!blocked_by_namespace_labels(&namespaces, &step(&snap), &snap));
        snap.policies = Some(vec![policy(json!([{"namespaceSelector": {"matchLabels": {"team": "x"}}}]))]);
        assert!(blocked_by_namespace_labels(&namespaces, &step(&snap), &snap));
    }
}
