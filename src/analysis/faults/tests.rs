//! Unit tests on objects shaped like the real v1.19 responses in `tests/fixtures/real-1.19/`, and on the demo
//! scenario as the simulated controllers settle it.
use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::List;
use serde_json::{Value, json};

use super::*;
use crate::sim::settled::settled_demo;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real-1.19/");

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn fixture<T: k8s_openapi::ListableResource + serde::de::DeserializeOwned>(file: &str) -> Vec<T> {
    let text = std::fs::read_to_string(format!("{FIXTURES}{file}")).expect("fixture file");
    serde_json::from_str::<List<T>>(&text).expect("fixture list parses").items
}

fn obj<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("test object deserializes")
}

/// The acme fixture cluster, as one LIST per kind returned it.
fn acme() -> Snapshot {
    Snapshot {
        context: Some("acme".into()),
        now: ts("2026-11-22T04:00:00Z"),
        pods: Some(fixture("pods-list.json")),
        deployments: Some(fixture("deployments-list.json")),
        services: Some(fixture("services-list.json")),
        endpoints: Some(fixture("endpoints-list.json")),
        nodes: Some(fixture("nodes-list.json")),
        events: Some(fixture("events-core-v1.json")),
        ..Snapshot::default()
    }
}

fn the<'a>(faults: &'a [Fault], kind: FaultKind, name: &str) -> &'a Fault {
    faults
        .iter()
        .find(|f| f.kind == kind && f.name.starts_with(name))
        .unwrap_or_else(|| panic!("no {kind:?} fault {name} in {:#?}", summary(faults)))
}

fn summary(faults: &[Fault]) -> Vec<String> {
    faults.iter().map(|f| format!("{} {:?} {}: {}", f.severity.label(), f.kind, f.name, f.verdict)).collect()
}

fn meta(name: &str) -> Value {
    json!({"name": name, "namespace": "acme", "uid": format!("uid-{name}"), "creationTimestamp": "2026-11-22T03:00:00Z"})
}

#[test]
fn acme_fixture_lists_what_is_broken_and_nothing_healthy() {
    let faults = find(&acme());
    let names: Vec<String> = faults.iter().map(|f| f.name.clone()).collect();
    assert!(!names.iter().any(|n| n.starts_with("frontend")), "frontend is healthy: {:#?}", summary(&faults));
    assert!(!faults.iter().any(|f| f.kind != FaultKind::Service && f.name.starts_with("billing")), "{names:?}");
    assert!(!names.iter().any(|n| n == "node-a" || n == "node-b"), "{names:?}");

    let orders = the(&faults, FaultKind::Pod, "orders-");
    assert_eq!(orders.severity, Severity::Critical);
    assert!(orders.verdict.starts_with("Crashing"), "{}", orders.verdict);
    assert_eq!(orders.open, Open::Explain);
    assert_eq!(orders.namespace.as_deref(), Some("acme"));

    let search = the(&faults, FaultKind::Pod, "search-");
    assert!(search.verdict.starts_with("Cannot pull image ghcr.io/acme/search:does-not-exist"), "{}", search.verdict);

    let deploy = the(&faults, FaultKind::Deployment, "orders");
    assert_eq!(deploy.severity, Severity::Critical, "no replica available");
    assert!(
        deploy.verdict.starts_with("0/1 replicas available; pod orders-d88d6dc55-rp9zx: Crashing"),
        "{}",
        deploy.verdict
    );
    assert_eq!(deploy.open, Open::List);
    assert_eq!(deploy.kubectl, "kubectl describe deployment orders -n acme --context acme");

    let billing = the(&faults, FaultKind::Service, "billing");
    assert_eq!(billing.verdict, "No endpoints: its selector tier=billing matches no pod in acme");
    let orders_svc = the(&faults, FaultKind::Service, "orders");
    assert!(
        orders_svc.verdict.starts_with("No ready endpoints: 1 pod matches app=orders, none is Ready; pod orders-"),
        "{}",
        orders_svc.verdict
    );
    assert_eq!(orders_svc.kubectl, "kubectl get endpoints orders -n acme --context acme");

    let node = the(&faults, FaultKind::Node, "node-c");
    assert_eq!(node.severity, Severity::Critical);
    assert_eq!(node.verdict, "Not Ready: the kubelet stopped reporting (Kubelet stopped posting node status.)");
    assert_eq!(node.namespace, None);
    assert_eq!(node.kubectl, "kubectl describe node node-c --context acme");
}

#[test]
fn faults_are_ranked_critical_first_then_by_kind_and_name() {
    let faults = find(&acme());
    let keys: Vec<(Severity, FaultKind, Option<String>, String)> =
        faults.iter().map(|f| (f.severity, f.kind, f.namespace.clone(), f.name.clone())).collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    assert_eq!(keys, sorted);
    assert_eq!(faults[0].kind, FaultKind::Node, "a node down comes first: {:#?}", summary(&faults));
}

#[test]
fn lists_that_could_not_be_read_are_skipped_not_guessed() {
    let snapshot = Snapshot { endpoints: None, endpoint_slices: None, ..acme() };
    let faults = find(&snapshot);
    assert!(!faults.iter().any(|f| f.kind == FaultKind::Service), "{:#?}", summary(&faults));
    assert!(find(&Snapshot::default()).is_empty());
}

fn deployment(status: Value, replicas: i32) -> k8s_openapi::api::apps::v1::Deployment {
    obj(json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("api"),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api"}]}}},
        "status": status,
    }))
}

fn with_deployment(d: k8s_openapi::api::apps::v1::Deployment) -> Vec<Fault> {
    find(&Snapshot { deployments: Some(vec![d]), pods: Some(Vec::new()), ..Snapshot::default() })
}

#[test]
fn a_rollout_past_its_deadline_is_stuck() {
    let d = deployment(
        json!({"replicas": 2, "availableReplicas": 1, "unavailableReplicas": 1, "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"api-5d4f\" has timed out progressing."}]}),
        2,
    );
    let faults = with_deployment(d);
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].severity, Severity::Critical);
    assert_eq!(faults[0].verdict, "Rollout stuck (ProgressDeadlineExceeded)");
    assert!(faults[0].detail.starts_with("ReplicaSet \"api-5d4f\" has timed out progressing."));
    assert_eq!(faults[0].kubectl, "kubectl rollout status deployment api -n acme");
}

#[test]
fn a_replica_failure_says_the_server_refused_the_pods() {
    let d = deployment(
        json!({"conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
            "message": "pods \"api-5d4f-x\" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=8, limited: cpu=8"}]}),
        1,
    );
    let faults = with_deployment(d);
    assert!(faults[0].verdict.starts_with("Cannot create pods: pods \"api-5d4f-x\" is forbidden: exceeded quota"));
}

#[test]
fn some_replicas_missing_is_a_warning_and_none_at_all_is_critical() {
    let settled = json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"});
    let some = with_deployment(deployment(json!({"availableReplicas": 2, "conditions": [settled]}), 3));
    assert_eq!((some[0].severity, some[0].verdict.as_str()), (Severity::Warning, "2/3 replicas available"));
    let none = with_deployment(deployment(json!({"conditions": [settled]}), 3));
    assert_eq!((none[0].severity, none[0].verdict.as_str()), (Severity::Critical, "0/3 replicas available"));
}

#[test]
fn healthy_scaled_to_zero_and_rolling_deployments_are_not_faults() {
    assert!(with_deployment(deployment(json!({"availableReplicas": 2}), 2)).is_empty());
    assert!(with_deployment(deployment(json!({}), 0)).is_empty());
    let rolling = json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"});
    assert!(with_deployment(deployment(json!({"availableReplicas": 1, "conditions": [rolling]}), 2)).is_empty());
}

#[test]
fn stateful_sets_and_daemon_sets_short_of_ready_pods() {
    let sts: k8s_openapi::api::apps::v1::StatefulSet = obj(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta("db"),
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db"}]}}},
        "status": {"replicas": 1, "readyReplicas": 1, "currentReplicas": 1}}));
    let ds: k8s_openapi::api::apps::v1::DaemonSet = obj(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("agent"),
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a"}]}}},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 0,
                   "numberMisscheduled": 0, "numberUnavailable": 3}}));
    let mut healthy = ds.clone();
    healthy.metadata.name = Some("fine".into());
    if let Some(s) = healthy.status.as_mut() {
        s.number_ready = 3;
    }
    let faults =
        find(&Snapshot { stateful_sets: Some(vec![sts]), daemon_sets: Some(vec![ds, healthy]), ..Snapshot::default() });
    assert_eq!(
        summary(&faults),
        ["critical DaemonSet agent: 0/3 pods ready", "warning StatefulSet db: 1/3 replicas ready"]
    );
    assert!(faults.iter().all(|f| f.open == Open::Detail));
}

fn job(name: &str, created: &str, failed: bool, owner: Option<&str>) -> k8s_openapi::api::batch::v1::Job {
    let mut m = meta(name);
    m["creationTimestamp"] = json!(created);
    if let Some(cj) = owner {
        m["ownerReferences"] = json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": cj, "uid": format!("uid-{cj}"),
                                        "controller": true}]);
    }
    let condition = if failed {
        json!({"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
               "message": "Job has reached the specified backoff limit"})
    } else {
        json!({"type": "Complete", "status": "True"})
    };
    obj(json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": m,
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "job"}]}}},
        "status": {"conditions": [condition]}}))
}

fn cron_job(name: &str, suspend: bool) -> k8s_openapi::api::batch::v1::CronJob {
    obj(json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta(name),
        "spec": {"schedule": "0 2 * * *", "suspend": suspend,
                 "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "job"}]}}}}}}))
}

#[test]
fn failed_jobs_and_cron_jobs_whose_last_job_failed() {
    let faults = find(&Snapshot {
        jobs: Some(vec![
            job("migrate", "2026-11-22T03:00:00Z", true, None),
            job("done", "2026-11-22T03:00:00Z", false, None),
            // nightly: the latest run failed; weekly: an old run failed, the latest succeeded.
            job("nightly-1", "2026-11-21T02:00:00Z", false, Some("nightly")),
            job("nightly-2", "2026-11-22T02:00:00Z", true, Some("nightly")),
            job("weekly-1", "2026-11-14T02:00:00Z", true, Some("weekly")),
            job("weekly-2", "2026-11-21T02:00:00Z", false, Some("weekly")),
        ]),
        cron_jobs: Some(vec![cron_job("nightly", false), cron_job("weekly", false), cron_job("paused", true)]),
        ..Snapshot::default()
    });
    assert_eq!(
        summary(&faults),
        [
            "critical Job migrate: Failed: its pods failed too many times (BackoffLimitExceeded)",
            "critical CronJob nightly: Last run failed: Job nightly-2: its pods failed too many times \
             (BackoffLimitExceeded)",
        ],
        "a failed run of a CronJob is reported once, on the CronJob; suspended is a choice, not a fault"
    );
    assert_eq!(faults[1].kubectl, "kubectl logs job/nightly-2 -n acme");
}

fn service(name: &str, spec: Value) -> k8s_openapi::api::core::v1::Service {
    obj(json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(name), "spec": spec}))
}

#[test]
fn services_without_selector_or_of_type_external_name_are_not_judged() {
    let faults = find(&Snapshot {
        services: Some(vec![
            service("external", json!({"type": "ExternalName", "externalName": "db.example.com"})),
            service("manual", json!({"clusterIP": "None", "ports": [{"port": 80}]})),
        ]),
        endpoints: Some(Vec::new()),
        pods: Some(Vec::new()),
        ..Snapshot::default()
    });
    assert!(faults.is_empty(), "{:#?}", summary(&faults));
}

#[test]
fn endpoint_slices_answer_when_endpoints_cannot_be_read() {
    let slice = |ready: bool| -> k8s_openapi::api::discovery::v1::EndpointSlice {
        obj(json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": "web-abc", "namespace": "acme", "labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [{"addresses": ["10.244.0.9"], "conditions": {"ready": ready}}]}))
    };
    let snap = |ready| Snapshot {
        services: Some(vec![service("web", json!({"selector": {"app": "web"}, "ports": [{"port": 80}]}))]),
        endpoint_slices: Some(vec![slice(ready)]),
        ..Snapshot::default()
    };
    assert!(find(&snap(true)).is_empty());
    let faults = find(&snap(false));
    assert_eq!(summary(&faults), ["critical Service web: No ready endpoints: 1 pod matches app=web, none is Ready"]);
}

fn ingress(backends: Value) -> k8s_openapi::api::networking::v1::Ingress {
    obj(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("edge"),
        "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": backends}}]}}))
}

fn path(path: &str, service: &str, port: Value) -> Value {
    json!({"path": path, "pathType": "Prefix", "backend": {"service": {"name": service, "port": port}}})
}

#[test]
fn ingresses_whose_backend_service_or_port_is_missing() {
    let web = service("web", json!({"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}));
    let check = |paths: Value| {
        find(&Snapshot {
            services: Some(vec![web.clone()]),
            ingresses: Some(vec![ingress(paths)]),
            ..Snapshot::default()
        })
    };
    assert!(
        check(json!([path("/", "web", json!({"number": 80})), path("/x", "web", json!({"name": "http"}))])).is_empty()
    );
    let faults = check(json!([path("/search", "search", json!({"number": 80}))]));
    assert_eq!(
        summary(&faults),
        [
            "critical Ingress edge: Backend missing: shop.example.com/search → Service search, which does not exist in acme"
        ]
    );
    assert_eq!(faults[0].kubectl, "kubectl describe ingress edge -n acme");
    let faults = check(json!([path("/", "web", json!({"number": 8080})), path("/a", "web", json!({"name": "https"}))]));
    assert_eq!(
        faults[0].verdict,
        "Backend missing: shop.example.com/ → port 8080 of Service web, which has only 80 (http) (and 1 more)"
    );
    // Without the Service list nothing can be said.
    let unknown = find(&Snapshot {
        ingresses: Some(vec![ingress(json!([path("/", "gone", json!({"number": 80}))]))]),
        ..Snapshot::default()
    });
    assert!(unknown.is_empty());
}

fn claim(name: &str, created: &str, phase: &str) -> k8s_openapi::api::core::v1::PersistentVolumeClaim {
    let mut m = meta(name);
    m["creationTimestamp"] = json!(created);
    obj(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": m,
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd", "volumeName": "pvc-123",
                 "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": phase}}))
}

fn claim_event(name: &str, reason: &str, message: &str) -> k8s_openapi::api::core::v1::Event {
    obj(json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.1"), "namespace": "acme"},
        "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": "acme", "name": name},
        "reason": reason, "message": message, "type": "Warning", "count": 40,
        "firstTimestamp": "2026-11-22T01:00:00Z", "lastTimestamp": "2026-11-22T03:59:00Z"}))
}

#[test]
fn claims_stuck_pending_or_lost() {
    let faults = find(&Snapshot {
        now: ts("2026-11-22T04:00:00Z"),
        claims: Some(vec![
            claim("data", "2026-11-22T01:00:00Z", "Pending"),
            claim("new", "2026-11-22T03:59:30Z", "Pending"),
            claim("later", "2026-11-22T01:00:00Z", "Pending"),
            claim("bound", "2026-11-22T01:00:00Z", "Bound"),
            claim("gone", "2026-11-22T01:00:00Z", "Lost"),
        ]),
        events: Some(vec![
            claim_event("data", "ProvisioningFailed", "storageclass.storage.k8s.io \"fast-ssd\" not found"),
            claim_event("later", "WaitForFirstConsumer", "waiting for first consumer to be created before binding"),
        ]),
        ..Snapshot::default()
    });
    assert_eq!(
        summary(&faults),
        [
            "critical PersistentVolumeClaim gone: Lost: its volume pvc-123 no longer exists",
            "warning PersistentVolumeClaim data: Pending for 3h: storageclass.storage.k8s.io \"fast-ssd\" not found",
        ],
        "a claim seconds old, or waiting for its first pod by design, is not stuck"
    );
}

fn node(conditions: Value) -> k8s_openapi::api::core::v1::Node {
    let mut nodes: Vec<k8s_openapi::api::core::v1::Node> = fixture("nodes-list.json");
    let mut n = serde_json::to_value(nodes.remove(0)).expect("node");
    n["metadata"]["name"] = json!("node-x");
    n["status"]["conditions"] = conditions;
    obj(n)
}

fn cond(kind: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": kind, "status": status, "reason": reason, "message": message,
           "lastHeartbeatTime": "2026-11-22T03:00:00Z", "lastTransitionTime": "2026-11-22T03:00:00Z"})
}

#[test]
fn nodes_not_ready_or_under_pressure() {
    let verdict = |conditions: Value| {
        find(&Snapshot { nodes: Some(vec![node(conditions)]), ..Snapshot::default() })
            .first()
            .map(|f| (f.severity, f.verdict.clone()))
    };
    let ready = cond("Ready", "True", "KubeletReady", "kubelet is posting ready status");
    assert_eq!(verdict(json!([ready.clone(), cond("MemoryPressure", "False", "", "")])), None);
    assert_eq!(
        verdict(json!([ready.clone(), cond("MemoryPressure", "True", "KubeletHasInsufficientMemory", "")])),
        Some((Severity::Warning, "Under memory pressure".to_string()))
    );
    assert_eq!(
        verdict(json!([ready, cond("DiskPressure", "True", "", ""), cond("PIDPressure", "True", "", "")])),
        Some((Severity::Warning, "Under disk and PID pressure".to_string()))
    );
    assert_eq!(
        verdict(json!([cond("Ready", "False", "KubeletNotReady", "container runtime network not ready")])),
        Some((Severity::Critical, "Not Ready: KubeletNotReady: container runtime network not ready".to_string()))
    );
}

/// The demo cluster as `mosaic demo` serves it, settled by the simulated controllers.
fn demo() -> Snapshot {
    let now = ts("2026-11-22T12:00:00Z");
    let objects = settled_demo(now);
    fn of<T: serde::de::DeserializeOwned>(
        objects: &BTreeMap<(String, String, String, String), Value>,
        kind: &str,
    ) -> Option<Vec<T>> {
        Some(objects.values().filter(|o| o["kind"] == kind).map(|o| obj(o.clone())).collect())
    }
    let names = |kind: &str| {
        Some(
            objects
                .values()
                .filter(|o| o["kind"] == kind)
                .map(|o| {
                    (
                        o["metadata"]["namespace"].as_str().unwrap_or("").to_string(),
                        o["metadata"]["name"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
        )
    };
    Snapshot {
        context: None,
        now,
        pods: of(&objects, "Pod"),
        deployments: of(&objects, "Deployment"),
        stateful_sets: of(&objects, "StatefulSet"),
        daemon_sets: of(&objects, "DaemonSet"),
        jobs: of(&objects, "Job"),
        cron_jobs: None,
        services: of(&objects, "Service"),
        endpoints: of(&objects, "Endpoints"),
        endpoint_slices: None,
        ingresses: of(&objects, "Ingress"),
        claims: of(&objects, "PersistentVolumeClaim"),
        nodes: of(&objects, "Node"),
        events: of(&objects, "Event"),
        config_maps: names("ConfigMap"),
        secrets: names("Secret"),
    }
}

#[test]
fn the_demo_shop_lists_each_broken_thing_once_and_nothing_healthy() {
    let faults = find(&demo());
    let lines = summary(&faults);
    for healthy in ["storefront", "cart", "redis", "payments-api-", "ledger", "coredns", "kube-proxy", "nightly-report"]
    {
        assert!(
            !faults.iter().any(|f| f.name.starts_with(healthy) && f.kind != FaultKind::Service),
            "{healthy} is healthy: {lines:#?}"
        );
    }
    let checkout = the(&faults, FaultKind::Pod, "checkout-");
    assert_eq!(
        (checkout.severity, checkout.verdict.as_str()),
        (Severity::Critical, "Crashing on start: exit code 1, 7 restarts")
    );
    let payments = the(&faults, FaultKind::Service, "payments-api");
    assert_eq!(payments.verdict, "No endpoints: its selector tier=payments matches no pod in shop");
    let inventory = the(&faults, FaultKind::Service, "inventory");
    assert!(
        inventory.verdict.starts_with("No ready endpoints: 2 pods match app=inventory, none is Ready; pod inventory-"),
        "{}",
        inventory.verdict
    );
    let deploy = the(&faults, FaultKind::Deployment, "checkout");
    assert!(
        deploy.verdict.starts_with("Rollout stuck (ProgressDeadlineExceeded); pod checkout-"),
        "{}",
        deploy.verdict
    );
    for pod in ["catalog-", "recommendations-", "inventory-", "mailer-", "reviews-", "search-indexer-"] {
        the(&faults, FaultKind::Pod, pod);
    }
    let claim = the(&faults, FaultKind::PersistentVolumeClaim, "exports");
    assert_eq!(claim.verdict, "Pending for 2d: storageclass.storage.k8s.io \"fast-ssd\" not found");
    let ingress = the(&faults, FaultKind::Ingress, "search");
    assert!(ingress.verdict.contains("Service search, which does not exist in shop"), "{}", ingress.verdict);
    // Pods, Services, Deployments and the rest: every fault is listed once.
    let mut keys: Vec<_> = faults.iter().map(|f| (f.kind, f.namespace.clone(), f.name.clone())).collect();
    keys.dedup();
    assert_eq!(keys.len(), faults.len());
}
