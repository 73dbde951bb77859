//! Every step on the demo shop (`assets/demo/shop.yaml`), settled by the simulated controllers: the
//! diagnosis must name the real cause of each broken Service.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;
use crate::sim::types::Change;
use crate::sim::{Scenario, reconcile};

type Key = (String, String, String, String);

fn key(obj: &Value) -> Key {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (s(&obj["apiVersion"]), s(&obj["kind"]), s(&obj["metadata"]["namespace"]), s(&obj["metadata"]["name"]))
}

/// The demo's objects once the simulated controllers have nothing left to do.
fn settled_demo(now: Timestamp) -> Vec<Value> {
    let mut objects: BTreeMap<Key, Value> = BTreeMap::new();
    let mut rv = 1000;
    let mut write = |objects: &mut BTreeMap<Key, Value>, mut obj: Value| {
        rv += 1;
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        if obj["metadata"]["uid"].is_null() {
            obj["metadata"]["uid"] = json!(format!("uid-{rv}"));
        }
        objects.insert(key(&obj), obj);
    };
    for obj in Scenario::demo_at(now).objects {
        write(&mut objects, obj);
    }
    for _ in 0..10 {
        let all: Vec<Value> = objects.values().cloned().collect();
        let changes = reconcile(&all, now);
        if changes.is_empty() {
            break;
        }
        for change in changes {
            match change {
                Change::Upsert(obj) => write(&mut objects, obj),
                Change::Delete { api_version, kind, namespace, name } => {
                    objects.remove(&(api_version, kind, namespace.unwrap_or_default(), name));
                }
            }
        }
    }
    objects.into_values().collect()
}

fn of_kind<T: DeserializeOwned>(objects: &[Value], kind: &str, namespace: Option<&str>) -> Vec<T> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .map(|o| serde_json::from_value(o.clone()).expect("a demo object"))
        .collect()
}

/// What the wizard reads for `service` in `namespace`, as `admin` sees it.
fn snapshot(objects: &[Value], namespace: &str, service: &str, now: Timestamp) -> NetSnapshot {
    let mut snap = NetSnapshot::new(namespace, service, now);
    snap.service = of_kind(objects, "Service", Some(namespace))
        .into_iter()
        .find(|s: &k8s_openapi::api::core::v1::Service| s.metadata.name.as_deref() == Some(service));
    snap.pods = of_kind(objects, "Pod", Some(namespace));
    snap.endpoints = Some(of_kind(objects, "Endpoints", Some(namespace)));
    snap.endpoint_slices = Some(
        objects
            .iter()
            .filter(|o| o["kind"] == "EndpointSlice" && o["metadata"]["namespace"] == namespace)
            .map(|o| endpoint_slice_from_v1beta1(o).expect("a demo slice"))
            .collect(),
    );
    snap.policies = Some(of_kind(objects, "NetworkPolicy", None));
    snap.namespaces = Some(of_kind(objects, "Namespace", None));
    snap.ingresses = Some(of_kind(objects, "Ingress", Some(namespace)));
    snap.dns_pods = Some(of_kind::<Pod>(objects, "Pod", Some("kube-system")));
    snap
}

struct Demo {
    objects: Vec<Value>,
    now: Timestamp,
}

impl Demo {
    fn new() -> Demo {
        let now = Timestamp::now();
        Demo { objects: settled_demo(now), now }
    }

    fn diagnose(&self, namespace: &str, service: &str, question: &Question) -> (Vec<Step>, Diagnosis) {
        let steps = run_static_steps(&snapshot(&self.objects, namespace, service, self.now), question);
        let d = diagnose(&steps);
        (steps, d)
    }
}

#[test]
fn the_demo_diagnoses_name_the_real_causes() {
    let demo = Demo::new();
    let ask = Question::default();

    // payments-api: the Service selects tier=payments, the pods carry app=payments-api.
    let (_, d) = demo.diagnose("shop", "payments-api", &ask);
    assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::Selector)), "{d:#?}");
    assert!(d.root_cause.contains("selects `tier=payments`"), "{}", d.root_cause);
    assert!(d.root_cause.contains("`app=payments-api`"), "{}", d.root_cause);
    assert_eq!(
        d.command.as_deref(),
        Some(
            r#"kubectl -n shop patch service payments-api -p '{"spec":{"selector":{"app":"payments-api","tier":null}}}'"#
        )
    );

    // ledger: healthy, but default-deny-ingress drops traffic from shop.
    let from_api = Question {
        source: Some(Peer::Pod {
            namespace: "shop".into(),
            labels: [("app".to_string(), "payments-api".to_string())].into(),
        }),
        ..Question::default()
    };
    let (steps, d) = demo.diagnose("payments", "ledger", &from_api);
    for id in [StepId::Service, StepId::Selector, StepId::Readiness, StepId::Endpoints, StepId::Ports, StepId::Dns] {
        let s = steps.iter().find(|s| s.id == id).expect("step");
        assert_eq!(s.verdict, Verdict::Pass, "{id:?}: {}", s.summary);
    }
    assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::NetworkPolicies)), "{d:#?}");
    assert!(d.root_cause.contains("NetworkPolicy payments/default-deny-ingress"), "{}", d.root_cause);
    assert!(d.root_cause.contains("default deny"), "{}", d.root_cause);
    assert!(d.command.as_deref().is_some_and(|c| c.contains("team: storefront")), "{:?}", d.command);

    // inventory: running, never Ready; its readiness probe fails.
    let (_, d) = demo.diagnose("shop", "inventory", &ask);
    assert_eq!(d.step, Some(StepId::Readiness), "{d:#?}");
    assert!(d.root_cause.contains("readiness probe fails"), "{}", d.root_cause);
    assert!(
        d.fix.starts_with("Make the readiness probe of container `inventory` (httpGet :8080/healthz) succeed"),
        "{}",
        d.fix
    );
    assert!(
        d.command
            .as_deref()
            .is_some_and(|c| c.starts_with("kubectl -n shop logs inventory-") && c.ends_with(" -c inventory"))
    );

    // recommendations: Pending for want of CPU.
    let (_, d) = demo.diagnose("shop", "recommendations", &ask);
    assert_eq!(d.step, Some(StepId::Readiness), "{d:#?}");
    assert!(d.root_cause.contains("Insufficient cpu"), "{}", d.root_cause);
    assert!(d.fix.contains("lower its resource requests"), "{}", d.fix);

    // checkout and catalog: their pods fail.
    for (svc, status) in [("checkout", "CrashLoopBackOff"), ("catalog", "ImagePullBackOff")] {
        let (_, d) = demo.diagnose("shop", svc, &ask);
        assert_eq!(d.step, Some(StepId::Readiness), "{svc}: {d:#?}");
        assert!(d.root_cause.contains(status), "{svc}: {}", d.root_cause);
    }
}

#[test]
fn the_demo_healthy_services_should_flow() {
    let demo = Demo::new();
    // storefront: its policy lets anyone in on 8080, and its Ingress routes to port 80.
    for (ns, svc) in [("shop", "storefront"), ("shop", "cart"), ("shop", "redis"), ("kube-system", "kube-dns")] {
        let (steps, d) = demo.diagnose(ns, svc, &Question::default());
        assert_eq!(d.outcome, Outcome::TrafficShouldFlow, "{svc}: {d:#?}\n{steps:#?}");
    }
    let (steps, _) = demo.diagnose("shop", "storefront", &Question::default());
    let policy = steps.iter().find(|s| s.id == StepId::NetworkPolicies).expect("step");
    assert!(policy.summary.contains("NetworkPolicy shop/storefront-from-anywhere"), "{}", policy.summary);
    let ingress = steps.iter().find(|s| s.id == StepId::Ingress).expect("step");
    assert_eq!(ingress.summary, "Routed from shop.example.com/ (storefront).");
}

#[test]
fn the_demo_as_dev_cannot_check_everything() {
    let demo = Demo::new();
    // dev reads pods, services and endpoints in shop only.
    let mut snap = snapshot(&demo.objects, "shop", "storefront", demo.now);
    snap.endpoint_slices = None;
    snap.policies = None;
    snap.namespaces = None;
    snap.ingresses = None;
    snap.dns_pods = None;
    let steps = run_static_steps(&snap, &Question::default());
    let unchecked: Vec<StepId> =
        steps.iter().filter(|s| matches!(s.verdict, Verdict::CouldNotCheck(_))).map(|s| s.id).collect();
    assert_eq!(unchecked, vec![StepId::NetworkPolicies, StepId::Dns, StepId::Ingress]);
    assert_eq!(diagnose(&steps).outcome, Outcome::Undecided);
    // A cause is still found when the readable part shows one.
    snap = NetSnapshot { service_name: "payments-api".into(), ..snap };
    snap.service = of_kind(&demo.objects, "Service", Some("shop"))
        .into_iter()
        .find(|s: &k8s_openapi::api::core::v1::Service| s.metadata.name.as_deref() == Some("payments-api"));
    assert_eq!(diagnose(&run_static_steps(&snap, &Question::default())).step, Some(StepId::Selector));
}
