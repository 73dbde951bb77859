//! Tier 3: probe pods and the HTTP sender against the simulated demo cluster, whose kubelet runs a probe
//! pod's curl against the simulated apps. The exact pod created; its deletion on success, on failure, on
//! cancel and on exit; leftovers of a crashed run; RBAC; and what the probe finds on the demo's Services.
use crate::support;

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::Api;
use mosaic::action::probe::{self, DEFAULT_IMAGE};
use mosaic::action::{self, Action, HttpSend, Outcome};
use mosaic::analysis::network::{
    NetSnapshot, ProbeOutcome, ProbeResults, ProbeStage, Question, Verdict, probe_step, probe_targets,
};
use mosaic::sim::{Scenario, SimHandle, SimOptions};
use serde_json::{Value, json};
use support::session::SimSession;

/// `delete_running` deletes every probe of the process: that test runs alone (write), the others share (read).
static EXCLUSIVE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn demo_as(user: &str, namespace: &str, probe_delay: Duration) -> SimSession {
    let opts = SimOptions { probe_delay, ..SimOptions::default() };
    SimSession::start(Scenario::demo(), opts, user, namespace).await
}

async fn demo(namespace: &str) -> SimSession {
    demo_as("admin", namespace, Duration::from_millis(50)).await
}

/// The probe the wizard would run for `service`: its targets read from the cluster.
async fn probe_of(c: &SimSession, namespace: &str, service: &str) -> Action {
    let client = c.session.client.clone();
    let mut snap = NetSnapshot::new(namespace, service, Timestamp::now());
    snap.service = Api::<Service>::namespaced(client.clone(), namespace).get_opt(service).await.expect("get");
    snap.pods = Api::<Pod>::namespaced(client, namespace).list(&Default::default()).await.expect("list").items;
    let targets = probe_targets(&snap, &Question::default()).expect("targets");
    Action::probe(namespace, service, DEFAULT_IMAGE, targets)
}

fn pod_name(action: &Action) -> String {
    match action {
        Action::Probe { pod, .. } | Action::SendHttp { pod, .. } => pod.name.clone(),
        other => panic!("not a probe: {other:?}"),
    }
}

fn stored_pod(sim: &SimHandle, namespace: &str, name: &str) -> Option<Value> {
    sim.get("v1", "Pod", Some(namespace), name)
}

/// Waits until `check` holds, or fails the test after five seconds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..250 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

fn codes(results: &ProbeResults) -> Vec<(String, Option<u16>, i32)> {
    match &results.outcome {
        ProbeOutcome::Completed { targets } => {
            targets.iter().map(|t| (t.target.label.clone(), t.status, t.exit)).collect()
        }
        other => panic!("the probe did not complete: {other:?}"),
    }
}

#[tokio::test]
async fn the_probe_pod_is_exactly_this_and_is_deleted_when_done() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo("shop").await;
    let action = probe_of(&c, "shop", "storefront").await;
    let name = pod_name(&action);
    let Action::Probe { targets, .. } = &action else { unreachable!() };
    let n = targets.len() as i64;
    assert!(n >= 2, "the Service and its ready pods: {targets:?}");
    let results = probe::run_probe(&action, &c.session, false).await;

    let created: Vec<_> = c.sim.requests().into_iter().filter(|r| r.verb == "create" && r.resource == "pods").collect();
    assert_eq!(created.len(), 1, "{created:#?}");
    assert_eq!(created[0].path, "/api/v1/namespaces/shop/pods");
    let body = created[0].body.clone().expect("a body");
    assert_eq!(body["metadata"]["name"], json!(name));
    let run_id = name.trim_start_matches("mosaic-probe-");
    assert_eq!(
        body["metadata"]["labels"],
        json!({"app.kubernetes.io/managed-by": "mosaic", "app.kubernetes.io/name": "mosaic-probe",
               "mosaic.dev/probe": run_id})
    );
    let spec = &body["spec"];
    assert_eq!(spec["restartPolicy"], "Never");
    assert_eq!(spec["activeDeadlineSeconds"], json!(180 + 11 * n + 30), "pull allowance + 11s per target + margin");
    assert_eq!(spec["automountServiceAccountToken"], json!(false));
    let container = &spec["containers"][0];
    assert_eq!((container["name"].as_str(), container["image"].as_str()), (Some("probe"), Some("curlimages/curl")));
    let script = container["command"][2].as_str().expect("a script");
    assert_eq!((&container["command"][0], &container["command"][1]), (&json!("sh"), &json!("-c")));
    assert!(
        script.starts_with(
            "curl -s -o /dev/null --connect-timeout 5 --max-time 10 -w \
             \"mosaic-probe\\t0\\t%{http_code}\\t%{time_total}\\t%{exitcode}\\t%{errormsg}\\n\" \
             http://storefront.shop.svc.cluster.local:80/; curl "
        ),
        "{script}"
    );
    assert!(script.ends_with("; true"), "{script}");

    // Healthy: the Service and every ready pod answer 200.
    let got = codes(&results);
    assert_eq!(got.len() as i64, n, "{got:?}");
    assert!(got.iter().all(|(_, status, _)| *status == Some(200)), "{got:?}");
    assert_eq!(probe_step(&results).verdict, Verdict::Pass);
    assert_eq!(results.context.as_deref(), Some("sim-admin"));
    assert!(results.command.starts_with(&format!("kubectl --context sim-admin -n shop run {name} --rm -i")));

    // It was read through its log, then deleted at once.
    assert_eq!(c.sim.count("get", "pods/log"), 1);
    let deletes: Vec<_> = c.sim.requests().into_iter().filter(|r| r.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].path, format!("/api/v1/namespaces/shop/pods/{name}"));
    assert!(stored_pod(&c.sim, "shop", &name).is_none(), "the probe pod is gone");
    assert!(!probe::running_probes().contains(&("shop".into(), name)));
}

#[tokio::test]
async fn a_policy_drop_times_out_and_the_pod_is_still_deleted() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo("payments").await;
    let action = probe_of(&c, "payments", "ledger").await;
    let name = pod_name(&action);
    let results = probe::run_probe(&action, &c.session, false).await;
    let got = codes(&results);
    assert!(!got.is_empty());
    assert!(got.iter().all(|(_, status, exit)| status.is_none() && *exit == 28), "{got:?}");
    let step = probe_step(&results);
    assert_eq!(step.verdict, Verdict::Fail);
    assert!(step.cause.expect("cause").root_cause.contains("NetworkPolicy"));
    assert!(
        step.checked.iter().any(|e| e.value.contains("Connection timed out after 5001 milliseconds")),
        "{:#?}",
        step.checked
    );
    assert!(stored_pod(&c.sim, "payments", &name).is_none(), "deleted after a failure too");
}

#[tokio::test]
async fn a_service_without_ready_pods_refuses() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo("shop").await;
    let action = probe_of(&c, "shop", "inventory").await;
    let results = probe::run_probe(&action, &c.session, false).await;
    assert_eq!(codes(&results), vec![("service inventory".to_string(), None, 7)]);
    let step = probe_step(&results);
    assert_eq!(step.verdict, Verdict::Fail);
    assert!(step.summary.contains("connection refused"), "{}", step.summary);
}

#[tokio::test]
async fn a_cancelled_probe_deletes_its_pod() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo_as("admin", "shop", Duration::from_secs(60)).await;
    let action = probe_of(&c, "shop", "storefront").await;
    let name = pod_name(&action);
    let session = c.session.clone();
    let task = {
        let action = action.clone();
        tokio::spawn(async move { probe::run_probe(&action, &session, false).await })
    };
    eventually("the probe pod runs", || {
        stored_pod(&c.sim, "shop", &name).is_some_and(|p| p["status"]["phase"] == "Running")
    })
    .await;
    assert!(probe::running_probes().contains(&("shop".into(), name.clone())));
    task.abort();
    let _ = task.await;
    eventually("the cancelled probe's pod is deleted", || stored_pod(&c.sim, "shop", &name).is_none()).await;
    eventually("it is forgotten", || !probe::running_probes().contains(&("shop".into(), name.clone()))).await;
}

#[tokio::test]
async fn probes_still_running_are_deleted_on_exit() {
    let _alone = EXCLUSIVE.write().await;
    let c = demo_as("admin", "shop", Duration::from_secs(60)).await;
    let action = probe_of(&c, "shop", "storefront").await;
    let name = pod_name(&action);
    let session = c.session.clone();
    let task = tokio::spawn(async move { probe::run_probe(&action, &session, false).await });
    eventually("the probe pod exists", || stored_pod(&c.sim, "shop", &name).is_some()).await;
    eventually("it is tracked", || probe::running_probes().contains(&("shop".into(), name.clone()))).await;
    assert!(probe::delete_running().await >= 1);
    assert!(stored_pod(&c.sim, "shop", &name).is_none());
    task.abort();
}

fn leftover(name: &str, created: Timestamp, deadline: i64) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                     "labels": {"app.kubernetes.io/managed-by": "mosaic", "mosaic.dev/probe": "old"}},
        "spec": {"restartPolicy": "Never", "activeDeadlineSeconds": deadline,
                 "containers": [{"name": "probe", "image": "curlimages/curl", "command": ["sh", "-c", "true"]}]},
    })
}

#[tokio::test]
async fn leftovers_of_a_crashed_run_are_deleted_at_start() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo_as("admin", "shop", Duration::from_secs(60)).await;
    let now = Timestamp::now();
    c.sim.upsert(leftover("mosaic-probe-old11", now - jiff::SignedDuration::from_hours(2), 300)).expect("old");
    c.sim.upsert(leftover("mosaic-probe-new22", now - jiff::SignedDuration::from_secs(30), 300)).expect("new");
    // A pod of someone else's with the same label but no run id is not mosaic's probe.
    let mut other = leftover("mosaic-helper", now - jiff::SignedDuration::from_hours(2), 300);
    other["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "mosaic"});
    c.sim.upsert(other).expect("other");
    assert_eq!(probe::delete_leftovers(&c.session.client, "shop", now).await, 1);
    assert!(stored_pod(&c.sim, "shop", "mosaic-probe-old11").is_none());
    assert!(stored_pod(&c.sim, "shop", "mosaic-probe-new22").is_some(), "still within its deadline");
    assert!(stored_pod(&c.sim, "shop", "mosaic-helper").is_some());
}

#[tokio::test]
async fn dev_may_not_create_pods_and_gets_could_not_check_without_a_post() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo_as("dev", "shop", Duration::from_millis(50)).await;
    let action = probe_of(&c, "shop", "storefront").await;
    c.sim.reset_counts();
    let results = probe::run_probe(&action, &c.session, false).await;
    let ProbeOutcome::CouldNotRun { stage, reason } = &results.outcome else { panic!("{results:?}") };
    assert_eq!(*stage, ProbeStage::Permission);
    assert!(reason.contains("User \"dev\" may not create pods in namespace \"shop\""), "{reason}");
    assert!(reason.contains("kubectl auth can-i create pods -n shop --context sim-dev"), "{reason}");
    assert!(c.sim.requests().iter().all(|r| r.method != "POST" || r.resource.contains("selfsubjectaccessreview")));
    assert_eq!(c.sim.count("create", "pods"), 0);
    let step = probe_step(&results);
    assert!(matches!(&step.verdict, Verdict::CouldNotCheck(r) if r.contains("create pods")), "{step:?}");
    // Read-only mode refuses it before any request.
    let admin = demo("shop").await;
    let results = probe::run_probe(&action, &admin.session, true).await;
    assert!(matches!(&results.outcome, ProbeOutcome::CouldNotRun { stage: ProbeStage::Permission, reason }
        if reason.contains("read-only")));
}

#[tokio::test]
async fn the_http_sender_gets_status_headers_and_body() {
    let _shared = EXCLUSIVE.read().await;
    let c = demo("shop").await;
    let request = HttpSend {
        method: "GET".into(),
        url: "http://storefront.shop.svc.cluster.local:80/healthz".into(),
        headers: vec![("Accept".into(), "text/plain".into())],
        body: String::new(),
    };
    let action = Action::send_http("shop", DEFAULT_IMAGE, request.clone());
    let name = pod_name(&action);
    let exchange = action::send_http(&action, &c.session, false).await.expect("sent");
    assert_eq!(exchange.status, Some(200));
    assert_eq!(exchange.status_line, "HTTP/1.1 200 OK");
    assert!(exchange.headers.iter().any(|(k, v)| k == "Server" && v.starts_with("storefront/")), "{exchange:?}");
    assert_eq!(exchange.body, "ok\n");
    assert!(stored_pod(&c.sim, "shop", &name).is_none());

    let post = HttpSend { method: "POST".into(), body: "{}".into(), ..request };
    let action = Action::send_http("shop", DEFAULT_IMAGE, post);
    let Ok(Outcome::Http(exchange)) = action::run(&action, &c.session, false, &Default::default()).await else {
        panic!("sent")
    };
    assert_eq!(exchange.status, Some(405));

    // checkout has no ready pod: no answer, and curl's words without its stderr line.
    let refused = HttpSend {
        method: "GET".into(),
        url: "http://checkout.shop.svc.cluster.local:80/".into(),
        headers: vec![],
        body: String::new(),
    };
    let action = Action::send_http("shop", DEFAULT_IMAGE, refused);
    let exchange = action::send_http(&action, &c.session, false).await.expect("sent");
    assert_eq!((exchange.status, exchange.exit), (None, 7));
    assert_eq!(
        exchange.summary(),
        "no answer (curl exit 7: Failed to connect to checkout.shop.svc.cluster.local port 80 after 0 ms: Connection \
         refused)"
    );
}
