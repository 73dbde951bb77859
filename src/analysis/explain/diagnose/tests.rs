use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use serde_json::{Value, json};

use super::*;
use crate::analysis::explain::fixtures::{self, from_json, ts};
use crate::sim::settled::settled_demo;

/// The demo cluster as `mosaic demo` serves it, settled by the simulated controllers at `now`.
struct Demo {
    objects: BTreeMap<(String, String, String, String), Value>,
    now: Timestamp,
}

impl Demo {
    fn new() -> Demo {
        let now = ts("2026-11-22T12:00:00Z");
        let objects = settled_demo(now);
        Demo { objects, now }
    }

    fn of_kind<T: serde::de::DeserializeOwned>(&self, kind: &str, ns: Option<&str>) -> Vec<T> {
        self.objects
            .values()
            .filter(|o| o["kind"] == kind && ns.is_none_or(|ns| o["metadata"]["namespace"] == ns))
            .map(|o| from_json(o.clone()))
            .collect()
    }

    fn names(&self, kind: &str) -> BTreeSet<String> {
        self.objects
            .values()
            .filter(|o| o["kind"] == kind && o["metadata"]["namespace"] == "shop")
            .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    }

    fn pod(&self, prefix: &str) -> Pod {
        self.of_kind::<Pod>("Pod", Some("shop"))
            .into_iter()
            .find(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with(prefix)))
            .unwrap_or_else(|| panic!("demo pod {prefix}"))
    }

    fn related(&self) -> Related {
        let claims = self
            .objects
            .values()
            .filter(|o| o["kind"] == "PersistentVolumeClaim" && o["metadata"]["namespace"] == "shop")
            .map(|o| {
                let name = o["metadata"]["name"].as_str().unwrap_or("").to_string();
                (name, o["status"]["phase"].as_str().unwrap_or("").to_string())
            })
            .collect();
        Related {
            config_maps: Some(self.names("ConfigMap")),
            secrets: Some(self.names("Secret")),
            claims: Some(claims),
            owner_events: Vec::new(),
        }
    }

    fn diagnose(&self, prefix: &str) -> Diagnosis {
        let events: Vec<Event> = self.of_kind("Event", Some("shop"));
        let nodes: Vec<Node> = self.of_kind("Node", None);
        diagnose(&self.pod(prefix), &events, &nodes, &self.related(), self.now)
    }
}

fn pod_json(value: Value) -> Pod {
    from_json(value)
}

fn now() -> Timestamp {
    ts("2026-11-22T04:00:00Z")
}

/// The acme fixture: a real 1.19 cluster's pods, events and nodes.
fn acme(prefix: &str) -> Diagnosis {
    diagnose(&fixtures::pod(prefix), &fixtures::core_events(), &fixtures::nodes(), &Related::default(), now())
}

#[test]
fn every_demo_app_gets_the_verdict_users_see() {
    let demo = Demo::new();
    let cases: &[(&str, Health, &str)] = &[
        ("storefront-", Health::Ok, "Healthy: 1/1 containers ready, up 3d"),
        ("cart-", Health::Ok, "Healthy: 1/1 containers ready, up 6d"),
        ("redis-0", Health::Ok, "Healthy: 1/1 containers ready, up 14d"),
        ("checkout-", Health::Error, "Crashing on start: exit code 1, 7 restarts"),
        ("catalog-", Health::Error, "Cannot pull image registry.example.invalid/nope:1: the registry does not resolve"),
        ("payments-api-", Health::Ok, "Healthy: 1/1 containers ready, up 5d"),
        ("recommendations-", Health::Error, "Cannot be scheduled: it asks for 64 CPUs, and the largest node has 4"),
        (
            "inventory-",
            Health::Warning,
            "Running but not Ready: the readiness probe on :8080/healthz fails (HTTP 503), so it receives no traffic",
        ),
        ("mailer-", Health::Error, "Killed for exceeding its 128Mi memory limit (OOMKilled, exit 137)"),
        ("reviews-", Health::Error, "Waiting for ConfigMap app-config, which does not exist in namespace shop"),
        (
            "search-indexer-",
            Health::Warning,
            "Initializing for 34m: init container wait-for-elasticsearch has not finished",
        ),
        ("nightly-report-", Health::Completed, "Completed: every container exited with code 0"),
    ];
    let pods: Vec<Pod> = demo.of_kind("Pod", Some("shop"));
    for pod in &pods {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let (_, severity, headline) = cases
            .iter()
            .find(|(prefix, ..)| name.starts_with(prefix))
            .unwrap_or_else(|| panic!("no expected verdict for demo pod {name}"));
        let d = demo.diagnose(name);
        assert_eq!((d.verdict.severity, d.verdict.headline.as_str()), (*severity, *headline), "{name}");
        assert_eq!(d.has_problem(), matches!(severity, Health::Warning | Health::Error), "{name}");
    }
    assert!(pods.len() >= cases.len(), "every app has a pod");
}

#[test]
fn the_crash_verdict_takes_the_last_log_line() {
    let demo = Demo::new();
    let mut d = demo.diagnose("checkout-");
    assert_eq!(d.wants_last_log_line, Some(LogLineWanted { container: "checkout".into(), previous: true }));
    let crash = &d.findings[0];
    let evidence: Vec<String> = crash.evidence.iter().map(ToString::to_string).collect();
    assert!(
        evidence.contains(&"status.containerStatuses[0].lastState.terminated.exitCode = 1".to_string()),
        "{evidence:?}"
    );
    assert!(evidence.contains(&"status.containerStatuses[0].restartCount = 7".to_string()), "{evidence:?}");
    assert_eq!(
        crash.explanation.kubectl,
        format!(
            "kubectl logs {} -n shop -c checkout --previous",
            demo.pod("checkout-").metadata.name.unwrap_or_default()
        )
    );
    assert_eq!(crash.also[0].id, "exit.1");
    d.add_last_log_line("FATAL: could not connect to database postgres:5432: connection refused\n");
    assert_eq!(
        d.verdict.headline,
        "Crashing on start: exit code 1, 7 restarts, last log line: FATAL: could not connect to database postgres:5432: connection refused"
    );
    assert_eq!(d.wants_last_log_line, None, "the hook is used once");

    let mut ready = demo.diagnose("inventory-");
    assert_eq!(ready.wants_last_log_line, None);
    let before = ready.verdict.headline.clone();
    ready.add_last_log_line("[inventory] GET /healthz 503");
    assert_eq!(ready.verdict.headline, before, "only a crash verdict takes a log line");
}

#[test]
fn demo_findings_carry_their_evidence() {
    let demo = Demo::new();
    let evidence = |prefix: &str| -> Vec<String> {
        demo.diagnose(prefix).findings[0].evidence.iter().map(ToString::to_string).collect()
    };
    let e = evidence("recommendations-");
    assert!(e.contains(&"spec.containers[0].resources.requests.cpu = 64".to_string()), "{e:?}");
    assert!(e.iter().any(|l| l.ends_with(".status.allocatable.cpu = 4")), "{e:?}");
    assert!(
        e.contains(&"events[FailedScheduling].message = 0/3 nodes are available: 3 Insufficient cpu.".to_string()),
        "{e:?}"
    );
    let e = evidence("mailer-");
    assert!(e.contains(&"status.containerStatuses[0].lastState.terminated.reason = OOMKilled".to_string()), "{e:?}");
    assert!(e.contains(&"spec.containers[mailer].resources.limits.memory = 128Mi".to_string()), "{e:?}");
    let e = evidence("catalog-");
    assert!(
        e.iter().any(|l| l.starts_with("events[Failed].message = Failed to pull image") && l.ends_with("no such host")),
        "{e:?}"
    );
    let d = demo.diagnose("reviews-");
    assert_eq!(d.findings[0].explanation.kubectl, "kubectl get configmap app-config -n shop");
}

#[test]
fn the_real_acme_pods() {
    let d = acme("orders");
    assert_eq!(d.verdict.headline, "Crashing on start: exit code 1, 3 restarts");
    assert_eq!(d.verdict.severity, Health::Error);
    let d = acme("search");
    assert_eq!(
        d.verdict.headline,
        "Cannot pull image ghcr.io/acme/search:does-not-exist: the registry does not resolve"
    );
    let d = acme("reports");
    assert_eq!(d.verdict.headline, "Cannot be scheduled: it asks for 32 CPUs, and the largest node has 4");
    assert!(d.verdict.detail.as_deref().is_some_and(|t| t.contains("enough free resources")), "{:?}", d.verdict.detail);
    for healthy in ["frontend", "billing"] {
        let d = acme(healthy);
        assert_eq!(d.verdict.severity, Health::Ok, "{healthy}: {}", d.verdict.headline);
        assert!(d.verdict.headline.starts_with("Healthy: 1/1 containers ready"), "{}", d.verdict.headline);
        assert!(!d.has_problem());
    }
}

#[test]
fn a_pod_on_a_node_that_stopped_reporting() {
    let mut pod = fixtures::pod("frontend");
    pod.spec.as_mut().expect("spec").node_name = Some("node-c".into());
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.severity, Health::Error);
    assert_eq!(d.verdict.headline, "Its node node-c is not Ready: the pod's state is unknown and it may be evicted");
    assert_eq!(d.findings[0].explanation.kubectl, "kubectl describe node node-c");
}

fn minimal_pod(extra: Value) -> Pod {
    let mut base = json!({
        "metadata": {"name": "db-0", "namespace": "shop", "uid": "p1", "creationTimestamp": "2026-11-22T03:00:00Z"},
        "spec": {"containers": [{"name": "db", "image": "postgres:13",
            "resources": {"requests": {"cpu": "500m", "memory": "64Gi"}, "limits": {"memory": "64Gi"}}}]},
        "status": {"phase": "Pending"}
    });
    merge(&mut base, extra);
    pod_json(base)
}

fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

fn running(name: &str, extra: Value) -> Value {
    let mut s = json!({"name": name, "state": {"running": {"startedAt": "2026-11-22T03:00:05Z"}}, "lastState": {},
        "ready": true, "restartCount": 0, "image": "postgres:13", "imageID": "", "started": true});
    merge(&mut s, extra);
    s
}

#[test]
fn pending_on_an_unbound_claim() {
    let pod = minimal_pod(json!({
        "spec": {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]},
        "status": {"conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "lastTransitionTime": "2026-11-22T03:00:00Z",
            "message": "0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims."}]}
    }));
    let related =
        Related { claims: Some([("data-db-0".to_string(), "Pending".to_string())].into()), ..Related::default() };
    let d = diagnose(&pod, &[], &fixtures::nodes(), &related, now());
    assert_eq!(d.verdict.headline, "Pending: PersistentVolumeClaim data-db-0 is Pending, not bound to a volume");
    assert_eq!(d.verdict.severity, Health::Error);
    assert_eq!(d.findings[0].explanation.id, "event.failed-scheduling.unbound-pvc");
    // Without knowing the claims, the claim named in the spec is still the one to look at.
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Pending: PersistentVolumeClaim data-db-0 is not bound to a volume yet");
    // A claim that does not exist at all.
    let related = Related { claims: Some(BTreeMap::new()), ..Related::default() };
    let d = diagnose(&pod, &[], &fixtures::nodes(), &related, now());
    assert_eq!(d.verdict.headline, "Pending: PersistentVolumeClaim data-db-0 does not exist in namespace shop");
}

#[test]
fn memory_larger_than_any_node_and_taints() {
    let unschedulable = |message: &str| {
        minimal_pod(json!({"status": {"conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "lastTransitionTime": "2026-11-22T03:00:00Z", "message": message}]}}))
    };
    let pod = unschedulable("0/3 nodes are available: 3 Insufficient memory.");
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Cannot be scheduled: it asks for 64Gi of memory, and the largest node has 8Gi");
    // CPU fits a node: the nodes are full, which is all the message says.
    let pod = unschedulable("0/3 nodes are available: 3 Insufficient cpu.");
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Cannot be scheduled: no node has enough free cpu for it (the nodes are full)");
    let pod = unschedulable(
        "0/3 nodes are available: 1 node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate, 2 node(s) didn't match node selector.",
    );
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(
        d.verdict.headline,
        "Cannot be scheduled: nodes have taints it does not tolerate (node.kubernetes.io/unreachable)"
    );
    let pod = unschedulable("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Cannot be scheduled: no node matches its node selector or affinity");
}

#[test]
fn stuck_terminating_on_finalizers() {
    let pod = minimal_pod(json!({
        "metadata": {"deletionTimestamp": "2026-11-22T03:30:00Z", "deletionGracePeriodSeconds": 30,
            "finalizers": ["example.com/block-deletion"]},
        "spec": {"nodeName": "node-a"},
        "status": {"phase": "Running", "containerStatuses": [running("db", json!({}))]}
    }));
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.severity, Health::Error);
    assert_eq!(d.verdict.headline, "Stuck terminating for 30m: held by finalizers example.com/block-deletion");
    assert_eq!(d.findings[0].explanation.id, "pod.terminating.finalizers");
    // Within its grace period it is only terminating.
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), ts("2026-11-22T03:30:10Z"));
    assert_eq!(
        (d.verdict.severity, d.verdict.headline.as_str()),
        (Health::Warning, "Terminating: shutting down within its grace period")
    );
}

#[test]
fn evicted_names_the_resource() {
    let pod = minimal_pod(json!({"spec": {"nodeName": "node-a"}, "status": {"phase": "Failed", "reason": "Evicted",
        "message": "The node was low on resource: memory. Container db was using 9Gi, which exceeds its request of 64Gi."}}));
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Evicted: the node ran low on memory");
    assert_eq!(d.findings[0].explanation.id, "event.evicted.memory");
}

#[test]
fn a_failing_init_container() {
    let pod = minimal_pod(json!({
        "spec": {"nodeName": "node-a", "initContainers": [{"name": "migrate", "image": "app:1"}]},
        "status": {"phase": "Pending",
            "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"}],
            "initContainerStatuses": [{"name": "migrate", "ready": false, "restartCount": 4, "image": "app:1", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 2, "reason": "Error",
                    "startedAt": "2026-11-22T03:50:00Z", "finishedAt": "2026-11-22T03:50:03Z"}}}],
            "containerStatuses": [{"name": "db", "ready": false, "restartCount": 0, "image": "postgres:13", "imageID": "",
                "state": {"waiting": {"reason": "PodInitializing"}}, "lastState": {}}]}
    }));
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Init container migrate crashing on start: exit code 2, 4 restarts");
    assert_eq!(d.wants_last_log_line, Some(LogLineWanted { container: "migrate".into(), previous: true }));
    assert_eq!(d.findings.len(), 1, "the app container waiting for init is not a finding: {:?}", d.findings);
    let evidence: Vec<String> = d.findings[0].evidence.iter().map(ToString::to_string).collect();
    assert!(
        evidence.contains(&"status.initContainerStatuses[0].lastState.terminated.exitCode = 2".to_string()),
        "{evidence:?}"
    );
}

#[test]
fn liveness_failures_and_a_recent_crash() {
    let pod = minimal_pod(json!({
        "spec": {"nodeName": "node-a", "containers": [{"name": "db", "image": "postgres:13",
            "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}}}]},
        "status": {"phase": "Running", "containerStatuses": [running("db", json!({"restartCount": 2,
            "lastState": {"terminated": {"exitCode": 143, "reason": "Error",
                "startedAt": "2026-11-22T03:40:00Z", "finishedAt": "2026-11-22T03:55:00Z"}}}))]}
    }));
    let event: Event = from_json(json!({
        "metadata": {"name": "db-0.1", "namespace": "shop", "uid": "e1"},
        "involvedObject": {"kind": "Pod", "name": "db-0", "namespace": "shop", "fieldPath": "spec.containers{db}"},
        "reason": "Unhealthy", "type": "Warning", "count": 9, "source": {"component": "kubelet", "host": "node-a"},
        "message": "Liveness probe failed: HTTP probe failed with statuscode: 500",
        "firstTimestamp": "2026-11-22T03:41:00Z", "lastTimestamp": "2026-11-22T03:58:00Z"
    }));
    let d = diagnose(&pod, &[event], &fixtures::nodes(), &Related::default(), now());
    let headlines: Vec<&str> = d.findings.iter().map(|f| f.headline.as_str()).collect();
    assert_eq!(
        headlines,
        vec![
            "Restarting: exit code 143 (Error) 5m ago, 2 restarts",
            "The liveness probe on :8080/live fails (HTTP 500), so the kubelet restarts the container",
        ]
    );
    assert_eq!(d.verdict.severity, Health::Warning);
    assert_eq!(d.findings[0].also[0].id, "exit.143");
}

#[test]
fn an_existing_configmap_is_not_called_missing() {
    let pod = minimal_pod(json!({"spec": {"nodeName": "node-a"}, "status": {"containerStatuses": [{
        "name": "db", "ready": false, "restartCount": 0, "image": "postgres:13", "imageID": "", "lastState": {},
        "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"db-config\" not found"}}}]}}));
    let related = Related { config_maps: Some(["db-config".to_string()].into()), ..Related::default() };
    let d = diagnose(&pod, &[], &fixtures::nodes(), &related, now());
    assert_eq!(
        d.verdict.headline,
        "Waiting for ConfigMap db-config: it was missing at the kubelet's last try, and exists now"
    );
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Waiting for ConfigMap db-config, which does not exist in namespace shop");
}

#[test]
fn an_unknown_waiting_reason_states_the_raw_fact() {
    let pod = minimal_pod(json!({"spec": {"nodeName": "node-a"}, "status": {"containerStatuses": [{
        "name": "db", "ready": false, "restartCount": 0, "image": "postgres:13", "imageID": "", "lastState": {},
        "state": {"waiting": {"reason": "FluxCapacitorOverload", "message": "1.21 gigawatts"}}}]}}));
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Cannot start container db: FluxCapacitorOverload: 1.21 gigawatts");
    assert_eq!(d.verdict.severity, Health::Warning, "not known to be broken, not known to be fine");
    assert!(!d.findings[0].explanation.known);
    assert_eq!(d.findings[0].explanation.id, "waiting.generic");
}

#[test]
fn stuck_creating_on_a_missing_volume_source() {
    let pod = minimal_pod(json!({"spec": {"nodeName": "node-a"}, "status": {"containerStatuses": [{
        "name": "db", "ready": false, "restartCount": 0, "image": "postgres:13", "imageID": "", "lastState": {},
        "state": {"waiting": {"reason": "ContainerCreating"}}}]}}));
    let event: Event = from_json(json!({
        "metadata": {"name": "db-0.2", "namespace": "shop", "uid": "e2"},
        "involvedObject": {"kind": "Pod", "name": "db-0", "namespace": "shop"},
        "reason": "FailedMount", "type": "Warning", "count": 12, "source": {"component": "kubelet", "host": "node-a"},
        "message": "MountVolume.SetUp failed for volume \"templates\" : configmap \"mailer-templates\" not found",
        "firstTimestamp": "2026-11-22T03:00:01Z", "lastTimestamp": "2026-11-22T03:58:00Z"
    }));
    let d = diagnose(&pod, std::slice::from_ref(&event), &fixtures::nodes(), &Related::default(), now());
    assert_eq!(
        d.verdict.headline,
        "Cannot start: a volume needs ConfigMap mailer-templates, which does not exist in namespace shop"
    );
    // Without a blocking event, an hour in ContainerCreating is stuck; a few seconds is starting.
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(
        (d.verdict.severity, d.verdict.headline.as_str()),
        (Health::Warning, "Stuck creating container db for 60m")
    );
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), ts("2026-11-22T03:00:20Z"));
    assert_eq!((d.verdict.severity, d.verdict.headline.as_str()), (Health::Pending, "Starting: creating container db"));
}

#[test]
fn owner_failures_are_findings_but_not_the_pods_verdict() {
    let pod = fixtures::pod("frontend");
    let owner_event: Event = from_json(json!({
        "metadata": {"name": "frontend-58484bb74c.1", "namespace": "acme", "uid": "e3"},
        "involvedObject": {"kind": "ReplicaSet", "name": "frontend-58484bb74c", "namespace": "acme"},
        "reason": "FailedCreate", "type": "Warning", "count": 3, "source": {"component": "replicaset-controller"},
        "message": "Error creating: pods \"frontend-58484bb74c-zzzzz\" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10",
        "firstTimestamp": "2026-11-22T03:40:00Z", "lastTimestamp": "2026-11-22T03:50:00Z"
    }));
    let related = Related { owner_events: vec![owner_event], ..Related::default() };
    let d = diagnose(&pod, &[], &fixtures::nodes(), &related, now());
    assert_eq!(d.verdict.severity, Health::Ok);
    assert_eq!(d.findings.len(), 1);
    assert_eq!(d.findings[0].owner.as_deref(), Some("ReplicaSet/frontend-58484bb74c"));
    assert_eq!(d.findings[0].explanation.id, "event.failed-create.quota");
}

#[test]
fn the_diagnosis_serializes() {
    let d = acme("orders");
    let v = serde_json::to_value(&d).expect("serializes");
    assert_eq!(v["verdict"]["severity"], "error");
    assert_eq!(v["verdict"]["headline"], "Crashing on start: exit code 1, 3 restarts");
    assert_eq!(v["findings"][0]["explanation"]["id"], "waiting.crash-loop-back-off");
    assert_eq!(v["findings"][0]["explanation"]["severity"], "error");
    assert_eq!(v["wantsLastLogLine"]["container"], "orders");
}

#[test]
fn exiting_with_zero_is_not_called_a_crash() {
    let pod =
        minimal_pod(json!({"spec": {"nodeName": "node-a"}, "status": {"phase": "Running", "containerStatuses": [{
        "name": "db", "ready": false, "restartCount": 3, "image": "postgres:13", "imageID": "",
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}},
        "lastState": {"terminated": {"exitCode": 0, "reason": "Completed",
            "startedAt": "2026-11-22T03:50:00Z", "finishedAt": "2026-11-22T03:50:01Z"}}}]}}));
    let d = diagnose(&pod, &[], &fixtures::nodes(), &Related::default(), now());
    assert_eq!(d.verdict.headline, "Restarting in a loop: container db exits with code 0 on start, 3 restarts");
    assert_eq!(d.findings[0].also[0].id, "exit.0");
}
