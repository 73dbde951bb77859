//! The static steps on the real 1.19 fixtures (namespace `acme`) and on small objects shaped like them.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Endpoints, Namespace, Pod, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::Value;

use super::*;
use crate::analysis::network::diagnosis::{Outcome, diagnose};
use crate::analysis::network::policy::Peer;
use crate::analysis::network::snapshot::endpoint_slice_from_v1beta1;

const SERVICES: &str = include_str!("../../../../tests/fixtures/real-1.19/services-list.json");
const ENDPOINTS: &str = include_str!("../../../../tests/fixtures/real-1.19/endpoints-list.json");
const SLICES: &str = include_str!("../../../../tests/fixtures/real-1.19/endpointslices-list.json");
const PODS: &str = include_str!("../../../../tests/fixtures/real-1.19/pods-list.json");

fn items(list: &str) -> Vec<Value> {
    let list: Value = serde_json::from_str(list).expect("fixture list");
    list["items"].as_array().cloned().unwrap_or_default()
}

fn typed<T: serde::de::DeserializeOwned>(list: &str) -> Vec<T> {
    items(list).into_iter().map(|v| serde_json::from_value(v).expect("fixture item")).collect()
}

fn yaml<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_yaml::from_str(text).expect("test object")
}

fn now() -> Timestamp {
    "2026-11-22T04:00:00Z".parse().expect("time")
}

/// The acme namespace as the fixtures show it, asking about `service`, with every list readable.
fn acme(service: &str) -> NetSnapshot {
    let services: Vec<Service> = typed(SERVICES);
    let mut snap = NetSnapshot::new("acme", service, now());
    snap.service = services.into_iter().find(|s| s.metadata.name.as_deref() == Some(service));
    snap.pods = typed(PODS);
    snap.endpoints = Some(typed::<Endpoints>(ENDPOINTS));
    snap.endpoint_slices =
        Some(items(SLICES).iter().map(|v| endpoint_slice_from_v1beta1(v).expect("v1beta1 slice")).collect());
    snap.policies = Some(Vec::new());
    snap.namespaces = Some(vec![yaml("metadata: {name: acme}")]);
    snap.ingresses = Some(Vec::new());
    snap.dns_pods = Some(vec![coredns("coredns-1", true), coredns("coredns-2", true)]);
    snap
}

fn coredns(name: &str, ready: bool) -> Pod {
    yaml(&format!(
        "metadata: {{name: {name}, namespace: kube-system, labels: {{k8s-app: kube-dns}}}}
spec: {{containers: [{{name: coredns, image: coredns:1.7.0}}]}}
status:
  phase: Running
  conditions: [{{type: Ready, status: '{}'}}]
  containerStatuses: [{{name: coredns, ready: {ready}, restartCount: 0, image: coredns, imageID: '', state: {{running: {{}}}}}}]
",
        if ready { "True" } else { "False" }
    ))
}

fn find(steps: &[Step], id: StepId) -> &Step {
    steps.iter().find(|s| s.id == id).expect("step present")
}

fn run(snap: &NetSnapshot) -> Vec<Step> {
    run_static_steps(snap, &Question::default())
}

/// Sets the Service's spec from YAML, keeping the fixture's metadata.
fn with_spec(mut snap: NetSnapshot, spec: &str) -> NetSnapshot {
    if let Some(svc) = snap.service.as_mut() {
        svc.spec = Some(yaml(spec));
    }
    snap
}

#[test]
fn a_healthy_service_passes_every_step() {
    let steps = run(&acme("frontend"));
    for s in &steps {
        assert_eq!(s.verdict, Verdict::Pass, "{:?}: {}", s.id, s.summary);
        assert!(!s.why.is_empty() && !s.doc_url.is_empty() && !s.kubectl.is_empty(), "{:?}", s.id);
    }
    assert!(find(&steps, StepId::Selector).summary.contains("matches 2 pods"));
    assert!(
        find(&steps, StepId::Ports).summary.contains("80/TCP → `http` → 8080/TCP"),
        "{}",
        find(&steps, StepId::Ports).summary
    );
    assert!(find(&steps, StepId::Endpoints).summary.contains("10.244.0.12 (frontend-58484bb74c-cgvbf)"));
    assert_eq!(find(&steps, StepId::Dns).checked[0].value, "frontend.acme.svc.cluster.local");
    let d = diagnose(&steps);
    assert_eq!((d.outcome, d.outcome.exit_code()), (Outcome::TrafficShouldFlow, 0));
}

#[test]
fn selector_mismatch_names_the_label_that_differs() {
    // The fixture's billing Service selects tier=billing; its pod carries app=billing.
    let steps = run(&acme("billing"));
    let selector = find(&steps, StepId::Selector);
    assert_eq!(selector.verdict, Verdict::Fail);
    assert!(
        selector.summary.contains("the pods carry no label `tier` (the selector wants `tier=billing`)"),
        "{}",
        selector.summary
    );
    assert_eq!(
        find(&steps, StepId::Readiness).verdict,
        Verdict::NotChecked("the selector matches no pod (see the selector step)".into())
    );
    assert_eq!(find(&steps, StepId::Endpoints).verdict, Verdict::Fail);
    let d = diagnose(&steps);
    assert_eq!((d.outcome, d.step, d.outcome.exit_code()), (Outcome::CauseFound, Some(StepId::Selector), 2));
    assert_eq!(
        d.root_cause,
        "Service `billing` selects `tier=billing`, but the pods of `billing` are labelled `app=billing`, so the Service \
         matches no pod and has no endpoints."
    );
    assert_eq!(d.fix, "Set `spec.selector` of Service `billing` to `app=billing`.");
    assert_eq!(
        d.command.as_deref(),
        Some(r#"kubectl -n acme patch service billing -p '{"spec":{"selector":{"app":"billing","tier":null}}}'"#)
    );
    // The empty Endpoints are explained by the selector, not reported as a cause of their own.
    assert!(d.also.iter().any(|a| a.contains("its selector `tier=billing` matches no pod")), "{:?}", d.also);
}

#[test]
fn selector_mismatch_with_a_hint_and_a_context() {
    let mut snap = acme("billing");
    snap.context = Some("kind acme".into());
    let billing: Vec<Pod> = snap
        .pods
        .iter()
        .filter(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with("billing")))
        .cloned()
        .collect();
    let question = Question { app_pods: Some(billing), ..Question::default() };
    let step = selector_step(&snap, &question);
    assert_eq!(step.verdict, Verdict::Fail);
    let command = step.cause.and_then(|c| c.command).unwrap_or_default();
    assert!(command.starts_with("kubectl --context 'kind acme' -n acme patch service billing"), "{command}");
}

#[test]
fn a_selector_with_a_wrong_value_is_rewritten() {
    let snap = with_spec(acme("billing"), "{selector: {app: payments}, ports: [{port: 80, targetPort: 8080}]}");
    let d = diagnose(&run(&snap));
    assert_eq!(d.step, Some(StepId::Selector));
    assert!(d.root_cause.contains("labelled `app=billing`"), "{}", d.root_cause);
    assert!(
        d.command.as_deref().is_some_and(|c| c.ends_with(r#"'{"spec":{"selector":{"app":"billing"}}}'"#)),
        "{:?}",
        d.command
    );
}

#[test]
fn intruder_pods_of_another_app_are_named() {
    // Service `frontend` selecting tier=web also catches a pod of another app that is labelled tier=web.
    let mut snap =
        with_spec(acme("frontend"), "{selector: {tier: web}, ports: [{name: http, port: 80, targetPort: http}]}");
    snap.pods.push(yaml(
        "metadata: {name: admin-7d9f-x2x2x, namespace: acme, labels: {app: admin, tier: web}}
spec: {containers: [{name: admin, image: admin:1, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}",
    ));
    let step = selector_step(&snap, &Question::default());
    assert_eq!(step.verdict, Verdict::Fail, "{}", step.summary);
    assert_eq!(step.summary, "The selector `tier=web` also matches 1 pod of another app (`admin`): admin-7d9f-x2x2x.");
    let c = step.cause.expect("cause");
    assert_eq!(c.fix, "Add `app: frontend` to `spec.selector` of Service `frontend` so only its own pods match.");
    assert!(c.command.unwrap_or_default().ends_with(r#"-p '{"spec":{"selector":{"app":"frontend"}}}'"#));
}

#[test]
fn no_ready_pods_are_named_with_the_reason() {
    // orders: its only pod is in CrashLoopBackOff, listed under notReadyAddresses.
    let steps = run(&acme("orders"));
    let readiness = find(&steps, StepId::Readiness);
    assert_eq!(readiness.verdict, Verdict::Fail);
    assert!(
        readiness.summary.contains("`orders-d88d6dc55-rp9zx` is failing (CrashLoopBackOff"),
        "{}",
        readiness.summary
    );
    assert!(readiness.kubectl.iter().any(|k| k == "kubectl -n acme describe pod orders-d88d6dc55-rp9zx"));
    let endpoints = find(&steps, StepId::Endpoints);
    assert_eq!(endpoints.verdict, Verdict::Fail);
    assert!(endpoints.cause.as_ref().is_some_and(|c| c.root_cause.contains("listed as not ready (10.244.1.15")));
    let d = diagnose(&steps);
    assert_eq!(d.step, Some(StepId::Readiness));
    // A crash-looping container: its previous logs tell why.
    assert_eq!(d.command.as_deref(), Some("kubectl -n acme logs orders-d88d6dc55-rp9zx --previous"));
    assert_eq!(d.fix, "Fix why the container crashes: the logs of its last run tell.");
}

#[test]
fn a_failing_readiness_probe_and_publish_not_ready_addresses() {
    let mut snap =
        with_spec(acme("frontend"), "{selector: {app: frontend}, ports: [{name: http, port: 80, targetPort: http}]}");
    for pod in &mut snap.pods {
        if let Some(status) = pod.status.as_mut() {
            for c in status.conditions.iter_mut().flatten() {
                if c.type_ == "Ready" {
                    c.status = "False".into();
                }
            }
            for c in status.container_statuses.iter_mut().flatten() {
                c.ready = false;
            }
        }
    }
    let step = readiness_step(&snap, &Question::default());
    assert_eq!(step.verdict, Verdict::Fail);
    assert!(
        step.summary.contains("is Running but its readiness probe fails (container `frontend`, httpGet :http/healthz)"),
        "{}",
        step.summary
    );
    let snap = with_spec(
        snap,
        "{selector: {app: frontend}, publishNotReadyAddresses: true, ports: [{port: 80, targetPort: http}]}",
    );
    assert_eq!(readiness_step(&snap, &Question::default()).verdict, Verdict::Warn);
}

#[test]
fn target_port_number_mismatch() {
    let snap = with_spec(
        acme("billing"),
        "{selector: {app: billing}, ports: [{name: http, port: 80, targetPort: 9090, protocol: TCP}]}",
    );
    let snap = with_billing_endpoints(snap);
    let steps = run(&snap);
    // Numbers are not checked by the endpoints controller: the endpoints look fine.
    assert_eq!(find(&steps, StepId::Endpoints).verdict, Verdict::Pass);
    let ports = find(&steps, StepId::Ports);
    assert_eq!(ports.verdict, Verdict::Fail);
    let d = diagnose(&steps);
    assert_eq!(d.step, Some(StepId::Ports));
    assert_eq!(
        d.root_cause,
        "Service `billing` sends port 80 to targetPort 9090, but its pods listen on 8080/TCP (http): no container exposes 9090/TCP."
    );
    assert_eq!(d.fix, "Set `spec.ports[0].targetPort` of Service `billing` to `8080`.");
    assert_eq!(
        d.command.as_deref(),
        Some(
            r#"kubectl -n acme patch service billing -p '{"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":8080}]}}'"#
        )
    );
}

#[test]
fn named_target_port_missing() {
    let mut snap =
        with_spec(acme("frontend"), "{selector: {app: frontend}, ports: [{name: web, port: 80, targetPort: web}]}");
    // As the endpoints controller writes it: pods without the named port are left out.
    snap.endpoints = Some(vec![yaml("metadata: {name: frontend, namespace: acme}")]);
    snap.endpoint_slices = Some(Vec::new());
    let steps = run(&snap);
    let ports = find(&steps, StepId::Ports);
    assert_eq!(ports.verdict, Verdict::Fail);
    assert!(ports.summary.contains("named targetPort `web`, but no container of its pods declares a port named `web` (they declare 8080/TCP (http))"), "{}", ports.summary);
    let endpoints = find(&steps, StepId::Endpoints);
    assert!(
        endpoints.cause.as_ref().is_some_and(|c| c.root_cause.contains("no container port named `web`")),
        "{:?}",
        endpoints.cause
    );
    // The empty endpoints come first in the causal order; the named port that empties them gives their fix.
    let d = diagnose(&steps);
    assert_eq!(d.step, Some(StepId::Endpoints), "{d:#?}");
    assert!(d.root_cause.contains("skips pods that declare no container port named `web`"), "{}", d.root_cause);
    assert!(d.fix.starts_with("Set `spec.ports[0].targetPort` of Service `frontend` to `8080`"), "{}", d.fix);
    assert!(d.command.as_deref().is_some_and(|c| c.contains(r#""targetPort":8080"#)), "{:?}", d.command);
}

/// billing's Endpoints as the controller writes them once its selector matches its Ready pod.
fn with_billing_endpoints(mut snap: NetSnapshot) -> NetSnapshot {
    snap.endpoints = Some(vec![yaml(
        "metadata: {name: billing, namespace: acme}
subsets: [{addresses: [{ip: 10.244.1.13, targetRef: {kind: Pod, name: billing-58d786c4c-5h99d}}], ports: [{port: 9090}]}]",
    )]);
    snap.endpoint_slices = Some(Vec::new());
    snap
}

/// Every pod of `app` not Ready: its readiness probe fails, as kubelet reports it.
fn not_ready(mut snap: NetSnapshot, app: &str) -> NetSnapshot {
    for pod in snap.pods.iter_mut().filter(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with(app))) {
        if let Some(status) = pod.status.as_mut() {
            for c in status.conditions.iter_mut().flatten().filter(|c| c.type_ == "Ready") {
                c.status = "False".into();
            }
            for c in status.container_statuses.iter_mut().flatten() {
                c.ready = false;
            }
        }
    }
    snap
}

#[test]
fn no_ready_pod_comes_before_a_port_mismatch_and_the_ports_are_not_checked() {
    // billing's targetPort misses its container port, and its only pod is not Ready either.
    let snap =
        with_spec(acme("billing"), "{selector: {app: billing}, ports: [{name: http, port: 80, targetPort: 9090}]}");
    let snap = not_ready(snap, "billing");
    let steps = run(&snap);
    assert_eq!(find(&steps, StepId::Readiness).verdict, Verdict::Fail);
    let ports = find(&steps, StepId::Ports);
    assert_eq!(ports.verdict, Verdict::NotChecked("no pod is Ready (see the readiness step)".into()));
    assert_eq!(ports.summary, "Not checked: no pod is Ready (see the readiness step).");
    assert_eq!(ports.cause, None, "no fix invented for a step that was not judged");
    let d = diagnose(&steps);
    assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::Readiness)), "{d:#?}");
    let said = format!("{} {} {:?} {:?}", d.root_cause, d.fix, d.command, d.also);
    assert!(!said.contains("targetPort"), "nothing suggests the targetPort: {said}");
    // Once the pod is Ready again, the same mismatch is judged, and is the cause.
    let steps = run(&with_billing_endpoints(with_spec(
        acme("billing"),
        "{selector: {app: billing}, ports: [{name: http, port: 80, targetPort: 9090}]}",
    )));
    assert_eq!(diagnose(&steps).step, Some(StepId::Ports));
}

#[test]
fn one_ready_pod_is_enough_to_judge_the_ports() {
    let snap =
        with_spec(acme("frontend"), "{selector: {app: frontend}, ports: [{name: http, port: 80, targetPort: 9090}]}");
    let mut snap = not_ready(snap, "frontend-58484bb74c-kf2bm");
    snap.endpoints = None;
    let steps = run(&snap);
    assert_eq!(find(&steps, StepId::Readiness).verdict, Verdict::Warn);
    assert_eq!(find(&steps, StepId::Ports).verdict, Verdict::Fail);
    assert_eq!(diagnose(&steps).step, Some(StepId::Ports));
}

#[test]
fn a_selector_that_matches_nothing_leaves_the_ports_and_policies_unchecked() {
    // billing selects tier=billing; its app's pods would not even listen on 9090.
    let mut snap = with_spec(acme("billing"), "{selector: {tier: billing}, ports: [{port: 80, targetPort: 9090}]}");
    snap.policies = Some(vec![yaml::<NetworkPolicy>(DEFAULT_DENY)]);
    let steps = run(&snap);
    for id in [StepId::Readiness, StepId::Ports, StepId::NetworkPolicies] {
        let s = find(&steps, id);
        assert_eq!(
            s.verdict,
            Verdict::NotChecked("the selector matches no pod (see the selector step)".into()),
            "{id:?}"
        );
        assert_eq!(s.cause, None, "{id:?}");
    }
    let d = diagnose(&steps);
    assert_eq!(d.step, Some(StepId::Selector));
    assert!(!format!("{d:?}").contains("9090"), "{d:#?}");
}

#[test]
fn a_missing_service_leaves_every_step_after_it_unchecked() {
    let steps = run(&acme("nothing-here"));
    assert_eq!(find(&steps, StepId::Service).verdict, Verdict::Fail);
    for id in
        [StepId::Selector, StepId::Readiness, StepId::Endpoints, StepId::Ports, StepId::NetworkPolicies, StepId::Dns]
    {
        let s = find(&steps, id);
        assert!(
            matches!(&s.verdict, Verdict::NotChecked(r) if r.starts_with("Service `nothing-here` does not exist")),
            "{id:?}: {:?}",
            s.verdict
        );
    }
    let d = diagnose(&steps);
    assert_eq!((d.step, d.also.len()), (Some(StepId::Service), 0), "{d:#?}");
}

#[test]
fn endpoints_left_empty_by_a_late_controller_are_not_blamed_on_readiness() {
    let mut snap = acme("frontend");
    snap.endpoints = Some(vec![yaml("metadata: {name: frontend, namespace: acme}")]);
    snap.endpoint_slices = Some(Vec::new());
    let steps = run(&snap);
    let c = find(&steps, StepId::Endpoints).cause.clone().expect("cause");
    assert!(
        c.root_cause.contains("its pods are Ready, so the endpoints controller has not caught up"),
        "{}",
        c.root_cause
    );
    assert!(c.fix.starts_with("Check again in a moment"), "{}", c.fix);
}

#[test]
fn probe_ports_are_compared() {
    let mut snap = acme("frontend");
    for pod in &mut snap.pods {
        if let Some(probe) = pod.spec.as_mut().and_then(|s| s.containers[0].readiness_probe.as_mut())
            && let Some(http) = probe.http_get.as_mut()
        {
            http.port = k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String("health".into());
        }
    }
    let step = ports_step(&snap, &Question::default());
    assert_eq!(step.verdict, Verdict::Warn);
    assert!(step.summary.contains("names a port the container does not declare"), "{}", step.summary);
}

#[test]
fn headless_service() {
    let mut snap = with_spec(
        acme("frontend"),
        "{clusterIP: None, selector: {app: frontend}, ports: [{name: http, port: 8080, targetPort: http}]}",
    );
    if let Some(s) = snap.service.as_mut() {
        s.metadata.name = Some("frontend".into());
    }
    let steps = run(&snap);
    let service = find(&steps, StepId::Service);
    assert_eq!(service.verdict, Verdict::Pass);
    assert!(service.summary.contains("headless (`clusterIP: None`)"), "{}", service.summary);
    assert!(find(&steps, StepId::Dns).checked.iter().any(|e| e.value == "the ready pods' IPs (headless)"));
    assert_eq!(diagnose(&steps).outcome, Outcome::TrafficShouldFlow);
    // A headless Service without ports is fine: clients pick the pods' ports.
    let snap = with_spec(snap, "{clusterIP: None, selector: {app: frontend}}");
    assert_eq!(ports_step(&snap, &Question::default()).verdict, Verdict::Pass);
}

#[test]
fn external_name_service() {
    let snap = with_spec(acme("billing"), "{type: ExternalName, externalName: billing.example.com}");
    let steps = run(&snap);
    for s in &steps {
        assert_eq!(s.verdict, Verdict::Pass, "{:?}: {}", s.id, s.summary);
    }
    assert!(find(&steps, StepId::Service).summary.contains("CNAME to `billing.example.com`"));
    assert!(find(&steps, StepId::Dns).checked.iter().any(|e| e.value == "a CNAME to `billing.example.com`"));
}

#[test]
fn a_missing_service_and_an_ingress_to_it() {
    let mut snap = acme("payments");
    snap.ingresses = Some(vec![yaml(
        "metadata: {name: web, namespace: acme}
spec:
  rules:
  - host: acme.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}
      - {path: /pay, pathType: Prefix, backend: {service: {name: payments, port: {name: http}}}}",
    )]);
    let steps = run(&snap);
    assert_eq!(find(&steps, StepId::Service).verdict, Verdict::Fail);
    let ingress = find(&steps, StepId::Ingress);
    assert_eq!(ingress.verdict, Verdict::Fail);
    assert_eq!(
        ingress.summary,
        "Ingress `web` routes acme.example.com/pay to Service `payments`, which does not exist."
    );
    assert_eq!(ingress.checked[0].field, "ingress/web spec.rules[0].http.paths[1].backend");
    let d = diagnose(&steps);
    assert_eq!(d.step, Some(StepId::Service));
    assert!(d.also.iter().any(|a| a.contains("Ingress `web` routes acme.example.com/pay")), "{:?}", d.also);
}

#[test]
fn an_ingress_to_a_missing_port() {
    let mut snap = acme("frontend");
    snap.ingresses = Some(vec![yaml(
        "metadata: {name: web, namespace: acme}
spec: {defaultBackend: {service: {name: frontend, port: {number: 8080}}}}",
    )]);
    let step = ingress_step(&snap, &Question::default());
    assert_eq!(step.verdict, Verdict::Fail);
    assert_eq!(
        step.cause.and_then(|c| c.command).as_deref(),
        Some(
            r#"kubectl -n acme patch ingress web --type=json -p '[{"op":"replace","path":"/spec/defaultBackend/service/port","value":{"number":80}}]'"#
        )
    );
    // And one that routes right passes, listing the route.
    snap.ingresses = Some(vec![yaml(
        "metadata: {name: web, namespace: acme}
spec: {rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: frontend, port: {name: http}}}}]}}]}",
    )]);
    let step = ingress_step(&snap, &Question::default());
    assert_eq!((step.verdict, step.summary.as_str()), (Verdict::Pass, "Routed from a.example.com/ (web)."));
}

const DEFAULT_DENY: &str =
    "metadata: {name: default-deny, namespace: acme}\nspec: {podSelector: {}, policyTypes: [Ingress]}";

#[test]
fn a_default_deny_policy() {
    let mut snap = acme("frontend");
    snap.policies = Some(vec![yaml::<NetworkPolicy>(DEFAULT_DENY)]);
    let steps = run(&snap);
    let step = find(&steps, StepId::NetworkPolicies);
    assert_eq!(step.verdict, Verdict::Fail);
    assert!(step.kubectl.contains(&"kubectl -n acme describe networkpolicy default-deny".to_string()));
    let d = diagnose(&steps);
    assert_eq!(d.step, Some(StepId::NetworkPolicies));
    assert!(d.root_cause.contains("NetworkPolicy acme/default-deny selects pod"), "{}", d.root_cause);
    assert!(d.root_cause.contains("(default deny)"), "{}", d.root_cause);
    assert!(
        d.fix.starts_with("To allow it, add an ingress rule with a `from` peer matching every pod of this namespace"),
        "{}",
        d.fix
    );
    let command = d.command.unwrap_or_default();
    assert!(command.starts_with("kubectl apply -f - <<'EOF'\n"), "{command}");
    // The manifest in the heredoc is a real policy that lets the traffic through.
    let manifest = command.trim_start_matches("kubectl apply -f - <<'EOF'\n").trim_end_matches("EOF");
    let allow: NetworkPolicy = serde_yaml::from_str(manifest).expect("a NetworkPolicy");
    if let Some(p) = snap.policies.as_mut() {
        p.push(allow);
    }
    assert_eq!(policy_step(&snap, &Question::default()).verdict, Verdict::Pass);
}

#[test]
fn a_policy_allowing_only_one_namespace() {
    let mut snap = acme("frontend");
    snap.namespaces = Some(vec![
        yaml::<Namespace>("metadata: {name: acme, labels: {team: acme}}"),
        yaml::<Namespace>("metadata: {name: monitoring, labels: {team: ops}}"),
    ]);
    snap.policies = Some(vec![yaml::<NetworkPolicy>(
        "metadata: {name: only-monitoring, namespace: acme}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}], ports: [{port: http}]}]",
    )]);
    let from_monitoring = Question {
        source: Some(Peer::Pod {
            namespace: "monitoring".into(),
            labels: [("app".to_string(), "prometheus".to_string())].into(),
        }),
        ..Question::default()
    };
    let allowed = policy_step(&snap, &from_monitoring);
    assert_eq!(allowed.verdict, Verdict::Pass, "{}", allowed.summary);
    assert!(allowed.summary.contains("`spec.ingress[0]` of NetworkPolicy acme/only-monitoring"), "{}", allowed.summary);

    let denied = policy_step(&snap, &Question::default());
    assert_eq!(denied.verdict, Verdict::Fail);
    let c = denied.cause.expect("cause");
    assert_eq!(
        c.fix,
        "To allow it, add a `from` peer matching every pod of this namespace (`podSelector: {}`) to rule \
         `spec.ingress[0]` of NetworkPolicy acme/only-monitoring."
    );
    // From a third namespace: the generated policy selects it by its own labels on a 1.19 server.
    if let Some(n) = snap.namespaces.as_mut() {
        n.push(yaml("metadata: {name: shop, labels: {team: shop}}"));
    }
    let from_shop = Question { source: Some(Peer::AnyPodIn { namespace: "shop".into() }), ..Question::default() };
    let command = policy_step(&snap, &from_shop).cause.and_then(|c| c.command).unwrap_or_default();
    assert!(command.contains("namespaceSelector:\n        matchLabels:\n          team: shop"), "{command}");
}

#[test]
fn policies_that_cannot_be_read_or_depend_on_the_source() {
    let mut snap = acme("frontend");
    snap.policies = None;
    assert!(matches!(policy_step(&snap, &Question::default()).verdict, Verdict::CouldNotCheck(_)));
    snap.policies = Some(vec![yaml(
        "metadata: {name: from-api, namespace: acme}
spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {role: api}}}]}]}",
    )]);
    // Any pod of acme: those labelled role=api get through, the others do not.
    assert_eq!(policy_step(&snap, &Question::default()).verdict, Verdict::Warn);
}

#[test]
fn dns_could_not_check_and_dns_not_ready() {
    let mut snap = acme("frontend");
    snap.dns_pods = None;
    let steps = run(&snap);
    let dns = find(&steps, StepId::Dns);
    assert!(matches!(&dns.verdict, Verdict::CouldNotCheck(r) if r.contains("kube-system")), "{:?}", dns.verdict);
    let d = diagnose(&steps);
    assert_eq!((d.outcome, d.outcome.exit_code()), (Outcome::Undecided, 3));
    assert!(
        d.root_cause.contains("could not run: Cluster DNS answers for the Service: cannot read pods"),
        "{}",
        d.root_cause
    );

    snap.dns_pods = Some(vec![coredns("coredns-1", false)]);
    assert_eq!(dns_step(&snap, &Question::default()).verdict, Verdict::Fail);
    snap.dns_pods = Some(vec![coredns("coredns-1", false), coredns("coredns-2", true)]);
    assert_eq!(dns_step(&snap, &Question::default()).verdict, Verdict::Warn);
    snap.dns_pods = Some(Vec::new());
    assert_eq!(dns_step(&snap, &Question::default()).verdict, Verdict::Fail);
}

#[test]
fn a_port_the_service_does_not_have() {
    let snap = acme("frontend");
    let question = Question { port: Some(PortRef::Number(8443)), ..Question::default() };
    let step = service_step(&snap, &question);
    assert_eq!(step.verdict, Verdict::Fail);
    assert_eq!(step.summary, "Service `frontend` has no port `8443`; its ports are http 80/TCP → http.");
    let by_name = Question { port: Some(PortRef::Name("http".into())), ..Question::default() };
    assert_eq!(service_step(&snap, &by_name).verdict, Verdict::Pass);
}

#[test]
fn endpoints_fall_back_to_endpoints_without_slices() {
    let mut snap = acme("frontend");
    snap.endpoint_slices = None; // a server (or user) without EndpointSlices
    let step = endpoints_step(&snap, &Question::default());
    assert_eq!(step.verdict, Verdict::Pass, "{}", step.summary);
    assert!(step.checked.iter().any(|e| e.field == "endpointslices of frontend" && e.value == "could not read"));
    snap.endpoints = None;
    assert!(matches!(endpoints_step(&snap, &Question::default()).verdict, Verdict::CouldNotCheck(_)));
}

#[test]
fn v1beta1_slices_convert_to_v1() {
    let slice = endpoint_slice_from_v1beta1(&items(SLICES)[1]).expect("convert");
    let ep = &slice.endpoints[1];
    assert_eq!(ep.node_name.as_deref(), Some("node-b"));
    assert_eq!(ep.zone.as_deref(), Some("zone-b"));
    assert_eq!(ep.conditions.as_ref().and_then(|c| c.ready), Some(true));
    // `endpoints: null` (a Service with no pods) is an empty list.
    assert!(endpoint_slice_from_v1beta1(&items(SLICES)[0]).expect("convert").endpoints.is_empty());
}

#[test]
fn kubectl_lines_are_shell_quoted() {
    assert_eq!(
        kubectl_in(None, Some("acme"), &["get", "pods", "-l", "app=web,tier in (a,b)"]),
        "kubectl -n acme get pods -l 'app=web,tier in (a,b)'"
    );
    assert_eq!(kubectl_in(Some("it's"), None, &["get", "ns"]), r#"kubectl --context "it's" get ns"#);
}

#[test]
fn steps_serialize_for_the_headless_output() {
    let steps = run(&acme("billing"));
    let json = serde_json::to_value(&steps).expect("serialize");
    assert_eq!(json[1]["id"], "selector");
    assert_eq!(json[1]["verdict"], serde_json::json!({"verdict": "fail"}));
    assert_eq!(json[2]["verdict"]["verdict"], "not-checked");
    let d = serde_json::to_value(diagnose(&steps)).expect("serialize");
    assert_eq!(d["outcome"], "cause-found");
}

#[test]
fn a_service_without_selector() {
    let mut snap = with_spec(acme("billing"), "{ports: [{port: 80}]}");
    snap.endpoints = Some(vec![yaml(
        "metadata: {name: billing, namespace: acme}\nsubsets: [{addresses: [{ip: 192.168.1.20}], ports: [{port: 80}]}]",
    )]);
    snap.endpoint_slices = Some(Vec::new());
    let steps = run(&snap);
    assert_eq!(find(&steps, StepId::Selector).verdict, Verdict::Warn);
    assert_eq!(find(&steps, StepId::Endpoints).verdict, Verdict::Pass);
}
