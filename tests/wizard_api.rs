//! Tier 3 for the network wizard: the app loop and the runtime, headless, against the simulated demo shop.
//! The whole wizard from a key on a row to the diagnosis, as admin and as dev (who may not read some kinds and
//! gets could-not-check steps, not failures), from a Deployment, through the port chooser, a re-run after a
//! fix, and the v1beta1 EndpointSlices of an older server.
use crate::support;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::analysis::network::{Outcome, PortRef, StepId, Verdict};
use mosaic::app::state::ListView;
use mosaic::app::wizard::{ProbeState, Stage, WizardRun};
use mosaic::app::{Msg, State, update};
use mosaic::cluster::{Kind, Session};
use mosaic::runtime::{Runtime, context_info};
use mosaic::sim::{Flavour, Scenario, SimHandle, SimOptions, SimServer};
use serde_json::json;
use support::headless::synced;
use support::session::connect_as;
use tokio::sync::mpsc::UnboundedReceiver;

struct Headless {
    state: State,
    runtime: Runtime,
    rx: UnboundedReceiver<Msg>,
    _dir: tempfile::TempDir,
}

async fn sim(flavour: Flavour) -> SimHandle {
    SimServer::start(Scenario::demo(), SimOptions { flavour, ..SimOptions::default() }).await.expect("sim starts")
}

async fn session(sim: &SimHandle, user: &str, namespace: &str, dir: &tempfile::TempDir) -> Session {
    connect_as(sim, user, namespace, dir.path()).await
}

/// mosaic on namespace shop as `user`, showing the list of `kind`.
async fn open(sim: &SimHandle, user: &str, kind: Kind) -> Headless {
    open_in(sim, user, kind, "shop").await
}

/// mosaic on `namespace` as `user`, showing the list of `kind`.
async fn open_in(sim: &SimHandle, user: &str, kind: Kind, namespace: &str) -> Headless {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(sim, user, namespace, &dir).await;
    let info = context_info(&session, true);
    let scope = mosaic::cluster::Scope::Namespace(info.namespace.clone());
    let mut state = State::new(info, scope, jiff::Timestamp::now());
    state.view = ListView::new(kind);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let runtime = Runtime::new(session, tx, true);
    let mut ui = Headless { state, runtime, rx, _dir: dir };
    ui.send(Msg::Resize(120, 40));
    ui.until("the list", synced).await;
    ui
}

impl Headless {
    fn send(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            self.runtime.execute(effect);
        }
    }

    fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => panic!("timed out waiting for {what}; wizard: {:#?}", self.state.wizard.pane),
            }
        }
    }

    async fn settle(&mut self, millis: u64) {
        let deadline = Instant::now() + Duration::from_millis(millis);
        while let Ok(Some(msg)) =
            tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), self.rx.recv()).await
        {
            self.send(msg);
        }
    }

    fn select(&mut self, name: &str) {
        let at = self.state.index.keys.iter().position(|(_, n)| n == name).unwrap_or_else(|| panic!("{name} listed"));
        self.state.select(at);
    }

    /// `w` on the row `name`, then wait for the steps.
    async fn wizard(&mut self, name: &str) -> WizardRun {
        self.select(name);
        self.key(KeyCode::Char('w'));
        self.done().await
    }

    async fn done(&mut self) -> WizardRun {
        self.until("the wizard's steps", |s| {
            matches!(s.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::Done(_) | Stage::Failed(_)))
        })
        .await;
        match self.state.wizard.pane.as_ref().map(|p| &p.stage) {
            Some(Stage::Done(run)) => (**run).clone(),
            other => panic!("the wizard failed: {other:?}"),
        }
    }
}

fn step(run: &WizardRun, id: StepId) -> &mosaic::analysis::network::Step {
    run.report.steps.iter().find(|s| s.id == id).expect("step")
}

#[tokio::test]
async fn admin_finds_the_broken_selector_then_a_re_run_after_the_fix_says_traffic_flows() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim, "admin", Kind::Service).await;
    let before = sim.total_requests();
    let run = ui.wizard("payments-api").await;
    let d = &run.report.diagnosis;
    assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::Selector)), "{d:#?}");
    assert!(d.root_cause.contains("selects `tier=payments`"), "{}", d.root_cause);
    assert_eq!(run.report.port, Some(PortRef::Number(443)), "the only port is asked about");
    assert_eq!(run.report.steps[run.selected].id, StepId::Selector, "the pane opens on the cause");
    assert!(run.report.unreadable.is_empty(), "admin reads everything: {:?}", run.report.unreadable);
    // One read of each kind, once: the wizard does not poll.
    for resource in ["services", "pods", "endpoints", "endpointslices", "networkpolicies", "ingresses", "namespaces"] {
        let n = sim.count("list", resource) + sim.count("get", resource);
        assert!(n >= 1, "{resource} read: {:?}", sim.counts());
    }
    let after_run = sim.total_requests();
    assert!(after_run - before <= 9, "one request per kind: {:?}", sim.counts());
    ui.settle(1_500).await;
    assert_eq!(sim.total_requests(), after_run, "nothing more while the pane shows the result: {:?}", sim.counts());

    // The fix the diagnosis gives, applied; r reads the cluster again.
    let mut svc = sim.get("v1", "Service", Some("shop"), "payments-api").expect("the service");
    svc["spec"]["selector"] = json!({"app": "payments-api"});
    sim.upsert(svc).expect("fixed");
    ui.key(KeyCode::Char('r'));
    assert!(matches!(ui.state.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::Loading)));
    let run = ui.done().await;
    assert_eq!(run.report.diagnosis.outcome, Outcome::TrafficShouldFlow, "{:#?}", run.report.diagnosis);
    assert!(run.report.steps.iter().all(|s| s.verdict == Verdict::Pass), "{:#?}", run.report.steps);
    ui.key(KeyCode::Esc);
    assert!(ui.state.wizard.pane.is_none());
}

#[tokio::test]
async fn dev_gets_could_not_check_steps_with_the_can_i_line_instead_of_failures() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim, "dev", Kind::Service).await;
    let run = ui.wizard("storefront").await;
    assert_eq!(run.report.diagnosis.outcome, Outcome::Undecided, "{:#?}", run.report.diagnosis);
    assert!(run.report.steps.iter().all(|s| s.verdict != Verdict::Fail), "{:#?}", run.report.steps);
    for (id, can_i) in [
        (
            StepId::NetworkPolicies,
            "kubectl auth can-i list networkpolicies.networking.k8s.io -n shop --context sim-dev",
        ),
        (StepId::Dns, "kubectl auth can-i list pods -n kube-system --context sim-dev"),
        (StepId::Ingress, "kubectl auth can-i list ingresses.networking.k8s.io -n shop --context sim-dev"),
    ] {
        let s = step(&run, id);
        assert!(matches!(s.verdict, Verdict::CouldNotCheck(_)), "{id:?}: {:?}", s.verdict);
        assert!(s.kubectl.iter().any(|k| k == can_i), "{id:?}: {:?}", s.kubectl);
        assert!(
            s.checked.iter().any(|e| e.value.starts_with("could not read: ") && e.value.contains("User \"dev\"")),
            "{id:?} shows the server's words: {:?}",
            s.checked
        );
    }
    // Endpoints are readable, EndpointSlices are not: the step still decides, and says what it could not read.
    let endpoints = step(&run, StepId::Endpoints);
    assert_eq!(endpoints.verdict, Verdict::Pass, "{}", endpoints.summary);
    assert!(endpoints.checked.iter().any(|e| e.field == "endpointslices in shop"), "{:?}", endpoints.checked);
    let resources: Vec<&str> = run.report.unreadable.iter().map(|u| u.resource.as_str()).collect();
    for r in ["endpointslices", "networkpolicies", "ingresses", "pods", "namespaces"] {
        assert!(resources.contains(&r), "{r} in {resources:?}");
    }

    // What dev can read still shows the broken selector.
    ui.key(KeyCode::Esc);
    let run = ui.wizard("payments-api").await;
    assert_eq!(run.report.diagnosis.step, Some(StepId::Selector), "{:#?}", run.report.diagnosis);
}

#[tokio::test]
async fn from_a_deployment_and_through_the_port_chooser() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim, "admin", Kind::Deployment).await;
    // payments-api's Service does not select its pods; the wizard still finds it by name.
    let run = ui.wizard("payments-api").await;
    let pane = ui.state.wizard.pane.as_ref().expect("open");
    assert_eq!(pane.title(), "deploy/payments-api → svc/payments-api :443 in shop");
    assert_eq!(run.report.diagnosis.step, Some(StepId::Selector));
    ui.key(KeyCode::Esc);

    // mailer has no Service at all: the pane says so, and how to make one.
    ui.select("mailer");
    ui.key(KeyCode::Char('w'));
    ui.until("the answer", |s| matches!(s.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::Failed(_)))).await;
    let Some(Stage::Failed(why)) = ui.state.wizard.pane.as_ref().map(|p| &p.stage) else { unreachable!() };
    assert!(why.starts_with("No Service in shop routes to deployment mailer: none selects its pods' labels"), "{why}");
    assert!(why.contains("kubectl -n shop expose deployment mailer --port PORT"), "{why}");
    ui.key(KeyCode::Esc);

    // A second Service selecting storefront's pods, with two ports: choose the Service, then the port.
    sim.upsert(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "storefront-admin", "namespace": "shop"},
        "spec": {"selector": {"app": "storefront"}, "ports": [
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "metrics", "port": 9090, "targetPort": 9090}
        ]}
    }))
    .expect("a second service");
    ui.select("storefront");
    ui.key(KeyCode::Char('w'));
    ui.until("the Service chooser", |s| {
        matches!(s.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::ChooseService(_)))
    })
    .await;
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Enter);
    let Some(Stage::ChoosePort(chooser)) = ui.state.wizard.pane.as_ref().map(|p| &p.stage) else {
        panic!("the port chooser: {:#?}", ui.state.wizard.pane)
    };
    let labels: Vec<&str> = chooser.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["http 80/TCP → http", "metrics 9090/TCP → 9090", "every port"]);
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Enter);
    let run = ui.done().await;
    assert_eq!((run.report.service.as_str(), &run.report.port), ("storefront-admin", &Some(PortRef::Number(9090))));
    // storefront declares no container port 9090, and its policy only lets 8080 in.
    let ports = step(&run, StepId::Ports);
    assert_ne!(ports.verdict, Verdict::Pass, "{}", ports.summary);
}

#[tokio::test]
async fn an_older_server_serves_endpointslices_as_v1beta1_and_they_are_read() {
    let sim = sim(Flavour::V1_19).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(&sim, "admin", "shop", &dir).await;
    let fetched = mosaic::cluster::network::fetch_net_snapshot(&session, "shop", "storefront").await.expect("fetched");
    assert!(fetched.unreadable.is_empty(), "{:?}", fetched.unreadable);
    let slices = fetched.snapshot.endpoint_slices.expect("slices read");
    assert!(!slices.is_empty(), "storefront has an EndpointSlice");
    assert!(slices.iter().all(|s| !s.endpoints.is_empty()));
    assert!(sim.count("list", "endpointslices") >= 1, "{:?}", sim.counts());
    let report = mosaic::diagnose_cmd::report(&session, "shop", "storefront", None, None, None).await.expect("report");
    assert_eq!(report.diagnosis.outcome, Outcome::TrafficShouldFlow, "{:#?}", report.diagnosis);

    // A server that is gone is an error, with the Service named.
    sim.stop().await;
    let err = mosaic::cluster::network::fetch_net_snapshot(&session, "shop", "storefront").await.expect_err("down");
    assert!(err.to_string().starts_with("could not read Service storefront in namespace shop: "), "{err}");
}

impl Headless {
    /// P in the done wizard, then wait for the probe's step; the probe pod's name comes with it.
    async fn probe(&mut self) -> (WizardRun, String) {
        self.key(KeyCode::Char('P'));
        let mut pod = String::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.state.wizard.pane.as_ref().map(|p| &p.stage) {
                Some(Stage::Done(run)) if run.probe == ProbeState::Done => return ((**run).clone(), pod),
                Some(Stage::Done(run)) => {
                    if let ProbeState::Running { pod: name, .. } = &run.probe {
                        pod = name.clone();
                    }
                }
                other => panic!("the wizard left its steps: {other:?}"),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => panic!("timed out waiting for the probe; wizard: {:#?}", self.state.wizard.pane),
            }
        }
    }
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

#[tokio::test]
async fn p_probes_storefront_every_target_answers_200_and_the_probe_pod_is_deleted() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim, "admin", Kind::Service).await;
    let run = ui.wizard("storefront").await;
    assert_eq!(run.probe, ProbeState::NotRun);
    assert_eq!(run.report.diagnosis.outcome, Outcome::TrafficShouldFlow);
    let (run, pod) = ui.probe().await;
    assert!(pod.starts_with("mosaic-probe-"), "the pane showed the running pod: {pod:?}");
    let probe = step(&run, StepId::Probe);
    assert_eq!(probe.verdict, Verdict::Pass, "{probe:#?}");
    let answers: Vec<&str> = probe.checked.iter().skip(1).map(|e| e.value.as_str()).collect();
    assert!(answers.len() >= 2 && answers.iter().all(|v| v.starts_with("HTTP 200")), "{answers:?}");
    assert!(probe.kubectl[0].starts_with(&format!("kubectl --context sim-admin -n shop run {pod} --rm -i")));
    assert_eq!(run.report.steps.last().map(|s| s.id), Some(StepId::Probe), "appended after the static steps");
    assert!(run.report.diagnosis.root_cause.contains("traffic flows"), "{:#?}", run.report.diagnosis);
    assert_eq!(sim.count("create", "pods"), 1);
    assert!(sim.get("v1", "Pod", Some("shop"), &pod).is_none(), "the probe pod is deleted");
    // P again replaces the probe step instead of adding a second one.
    let (run, second) = ui.probe().await;
    assert_ne!(second, pod);
    assert_eq!(run.report.steps.iter().filter(|s| s.id == StepId::Probe).count(), 1);
}

#[tokio::test]
async fn p_probes_ledger_and_the_networkpolicy_drop_times_out() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open_in(&sim, "admin", Kind::Service, "payments").await;
    let run = ui.wizard("ledger").await;
    assert_eq!(run.report.diagnosis.step, Some(StepId::NetworkPolicies));
    let (run, pod) = ui.probe().await;
    let probe = step(&run, StepId::Probe);
    assert_eq!(probe.verdict, Verdict::Fail, "{probe:#?}");
    assert!(probe.summary.contains("timed out"), "{}", probe.summary);
    assert!(probe.cause.as_ref().expect("a cause").root_cause.contains("NetworkPolicy"), "{probe:#?}");
    let d = &run.report.diagnosis;
    assert_eq!(
        (d.outcome, d.step),
        (Outcome::CauseFound, Some(StepId::NetworkPolicies)),
        "the policy is named: {d:#?}"
    );
    assert!(d.also.iter().any(|a| a.contains("dropped")), "the probe confirms it: {:?}", d.also);
    assert!(sim.get("v1", "Pod", Some("payments"), &pod).is_none(), "deleted after a failure too");
}

#[tokio::test]
async fn dev_may_not_create_pods_so_the_probe_step_could_not_check_and_names_the_permission() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim, "dev", Kind::Service).await;
    ui.wizard("storefront").await;
    let (run, _) = ui.probe().await;
    let probe = step(&run, StepId::Probe);
    let Verdict::CouldNotCheck(reason) = &probe.verdict else { panic!("{probe:#?}") };
    assert!(reason.contains("may not create pods"), "{reason}");
    assert!(reason.contains("kubectl auth can-i create pods -n shop --context sim-dev"), "{reason}");
    assert_eq!(sim.count("create", "pods"), 0);
    assert_eq!(run.report.diagnosis.outcome, Outcome::Undecided, "dev still cannot read some kinds");
}

#[tokio::test]
async fn esc_while_the_probe_runs_stops_it_and_deletes_its_pod() {
    let opts = SimOptions { probe_delay: Duration::from_secs(60), ..SimOptions::default() };
    let sim = SimServer::start(Scenario::demo(), opts).await.expect("sim starts");
    let mut ui = open(&sim, "admin", Kind::Service).await;
    ui.wizard("storefront").await;
    ui.key(KeyCode::Char('P'));
    ui.until("the probe pod runs", |s| {
        matches!(s.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::Done(run)) if matches!(run.probe, ProbeState::Running { .. }))
    })
    .await;
    let Some(Stage::Done(run)) = ui.state.wizard.pane.as_ref().map(|p| &p.stage) else { unreachable!() };
    let ProbeState::Running { pod, .. } = run.probe.clone() else { unreachable!() };
    eventually("the pod is created", || sim.get("v1", "Pod", Some("shop"), &pod).is_some()).await;
    ui.key(KeyCode::Esc);
    assert!(ui.state.wizard.pane.is_some(), "the first Esc stops the probe, the pane stays");
    eventually("the stopped probe's pod is deleted", || sim.get("v1", "Pod", Some("shop"), &pod).is_none()).await;
    ui.settle(500).await;
    let Some(Stage::Done(run)) = ui.state.wizard.pane.as_ref().map(|p| &p.stage) else { panic!("done") };
    assert_eq!(run.probe, ProbeState::Stopped);
    assert!(run.report.steps.iter().all(|s| s.id != StepId::Probe));
}

/// What the NetworkPolicy step of ledger (payments, behind the demo's default-deny) says for traffic from
/// `source`, read through `mosaic diagnose`'s report.
async fn ledger_from(session: &Session, source: &str) -> mosaic::diagnose_cmd::Report {
    let source = mosaic::diagnose_cmd::parse_from(source).expect("a source");
    mosaic::diagnose_cmd::report(session, "payments", "ledger", None, None, Some(source)).await.expect("report")
}

#[tokio::test]
async fn the_traffic_source_decides_what_the_demo_deny_policy_drops() {
    let sim = sim(Flavour::Modern).await;
    // Beside default-deny-ingress: checkout's pods in shop (team=storefront) may reach the ledger's http port.
    sim.upsert(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "ledger-from-checkout", "namespace": "payments"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "ledger"}},
            "ingress": [{
                "from": [{"namespaceSelector": {"matchLabels": {"team": "storefront"}},
                          "podSelector": {"matchLabels": {"app": "checkout"}}}],
                "ports": [{"port": "http"}]
            }]
        }
    }))
    .expect("policy");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(&sim, "admin", "payments", &dir).await;

    let passes = ledger_from(&session, "shop/app=checkout").await;
    let policy = step_of(&passes, StepId::NetworkPolicies);
    assert_eq!(policy.verdict, Verdict::Pass, "{policy:#?}");
    assert!(
        policy
            .checked
            .iter()
            .any(|e| e.field == "source" && e.value == "pods labelled `app=checkout` in namespace `shop`")
    );
    assert!(
        policy.summary.starts_with("From pods labelled `app=checkout` in namespace `shop`: Allowed by rule"),
        "{}",
        policy.summary
    );
    assert!(policy.summary.contains("payments/ledger-from-checkout"), "{}", policy.summary);
    assert_eq!(passes.diagnosis.outcome, Outcome::TrafficShouldFlow, "{:#?}", passes.diagnosis);

    // The same labels in another namespace: dropped, and the policy that drops it named.
    for source in ["kube-system/app=checkout", "shop/app=cart", "payments"] {
        let dropped = ledger_from(&session, source).await;
        let d = &dropped.diagnosis;
        assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::NetworkPolicies)), "{source}: {d:#?}");
        assert!(d.root_cause.contains("payments/"), "{source}: {}", d.root_cause);
        let said = mosaic::analysis::network::parse_source(source).expect("source").describe();
        assert!(d.root_cause.contains(&said), "{source} named: {}", d.root_cause);
    }

    // The sender's own namespace is read too: an egress policy in shop that lets checkout reach DNS only.
    sim.upsert(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "checkout-dns-only", "namespace": "shop"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "checkout"}},
            "policyTypes": ["Egress"],
            "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]
        }
    }))
    .expect("policy");
    let dropped = ledger_from(&session, "shop/app=checkout").await;
    let d = &dropped.diagnosis;
    assert_eq!(d.step, Some(StepId::NetworkPolicies), "{d:#?}");
    assert!(d.root_cause.contains("shop/checkout-dns-only"), "the sender's egress policy: {}", d.root_cause);
}

fn step_of(report: &mosaic::diagnose_cmd::Report, id: StepId) -> &mosaic::analysis::network::Step {
    report.steps.iter().find(|s| s.id == id).expect("step")
}
