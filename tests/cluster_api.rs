//! Tier 3: the cluster layer and the app loop against the simulated API server, headless. The same update
//! function and runtime as the binary; only the terminal is missing.
use crate::support;

use std::time::{Duration, Instant};

use mosaic::app::{Msg, State, update};
use mosaic::cluster::{ConnectOptions, Kind, Scope, WatchState, connect, kubeconfig};
use mosaic::runtime::{Runtime, context_info};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
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

async fn sim() -> SimHandle {
    SimServer::start(Scenario::acme(), SimOptions::default()).await.expect("sim starts")
}

async fn open(sim: &SimHandle, user: &str, scope: Option<Scope>) -> Headless {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = connect_as(sim, user, "acme", dir.path()).await;
    let info = context_info(&session, false);
    let scope = scope.unwrap_or_else(|| Scope::Namespace(info.namespace.clone()));
    let mut state = State::new(info, scope, jiff::Timestamp::now());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(session, tx, false);
    for effect in update(&mut state, Msg::Tick) {
        runtime.execute(effect);
    }
    Headless { state, runtime, rx, _dir: dir }
}

impl Headless {
    fn send(&mut self, msg: Msg) {
        if matches!(msg, Msg::Switched(Ok(_))) {
            self.runtime.switched();
        }
        for effect in update(&mut self.state, msg) {
            self.runtime.execute(effect);
        }
    }

    /// Feed messages into the loop until `done` holds, or fail after `secs` with what the state shows.
    async fn until(&mut self, secs: u64, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => panic!("timed out waiting for {what}; view states: {:?}", self.state.view_states()),
            }
        }
    }

    /// Let messages flow for a while without waiting for anything in particular.
    async fn settle(&mut self, millis: u64) {
        let deadline = Instant::now() + Duration::from_millis(millis);
        while let Ok(Some(msg)) =
            tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), self.rx.recv()).await
        {
            self.send(msg);
        }
    }

    fn pod_names(&self) -> Vec<String> {
        self.state.index.keys.iter().map(|(_, name)| name.clone()).collect()
    }
}

fn pod(name: &str) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "acme", "labels": {"app": "probe"}},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    })
}

#[tokio::test]
async fn a_view_costs_one_list_and_one_watch_and_nothing_while_idle() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    ui.until(10, "the pod list", synced).await;
    assert!(!ui.state.index.keys.is_empty(), "the acme namespace has pods");
    ui.settle(300).await;
    assert_eq!(sim.count("list", "pods"), 1, "{:?}", sim.counts());
    assert_eq!(sim.count("watch", "pods"), 1, "{:?}", sim.counts());
    let before = sim.total_requests();
    ui.settle(2_000).await;
    assert_eq!(sim.total_requests(), before, "an idle view makes no requests: {:?}", sim.counts());

    // Another view adds exactly its own list and watch; going back to pods reuses the running watch.
    ui.send(Msg::Key(key(':')));
    for c in "deploy".chars() {
        ui.send(Msg::Key(key(c)));
    }
    ui.send(Msg::Key(enter()));
    ui.until(10, "the deployment list", synced).await;
    ui.settle(300).await;
    assert_eq!(ui.state.view.kind, Kind::Deployment);
    assert_eq!((sim.count("list", "deployments"), sim.count("watch", "deployments")), (1, 1));
    ui.send(Msg::Key(esc()));
    assert_eq!(ui.state.view.kind, Kind::Pod);
    ui.settle(300).await;
    assert_eq!((sim.count("list", "pods"), sim.count("watch", "pods")), (1, 1), "{:?}", sim.counts());
}

#[tokio::test]
async fn created_and_deleted_pods_show_up_live() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    ui.until(10, "the pod list", synced).await;
    sim.upsert(pod("zz-probe")).expect("create");
    ui.until(5, "the new pod", |s| s.index.keys.iter().any(|(_, n)| n == "zz-probe")).await;
    sim.delete("v1", "Pod", Some("acme"), "zz-probe").expect("delete");
    ui.until(10, "the pod to go", |s| !s.index.keys.iter().any(|(_, n)| n == "zz-probe")).await;
}

#[tokio::test]
async fn dev_may_not_list_pods_cluster_wide_and_falls_back_to_their_namespace() {
    let sim = sim().await;
    let mut ui = open(&sim, "dev", Some(Scope::All)).await;
    ui.until(10, "the fallback", |s| s.fallback.contains_key(&Kind::Pod)).await;
    let fallback = ui.state.fallback[&Kind::Pod].clone();
    assert_eq!(fallback.namespaces, vec!["acme".to_string()]);
    assert!(fallback.how.contains("you may not list namespaces"), "{}", fallback.how);
    ui.until(10, "the pods of acme", synced).await;
    assert!(!ui.state.index.keys.is_empty());
    // The cluster-wide attempt was refused with the server's own words.
    let forbidden = ui.state.pods.scope(&Scope::All).map(|s| s.state.clone());
    match forbidden {
        Some(WatchState::Forbidden { message }) => assert_eq!(
            message,
            "pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
        ),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn dev_is_refused_a_kind_outside_their_role_and_the_rest_keeps_working() {
    let sim = sim().await;
    let mut ui = open(&sim, "dev", Some(Scope::Namespace("kube-system".into()))).await;
    ui.until(10, "forbidden", |s| s.view_states().iter().any(|(_, st)| matches!(st, WatchState::Forbidden { .. })))
        .await;
    // Switching to a namespace dev may read works at once.
    ui.send(Msg::Key(key(':')));
    for c in "ns acme".chars() {
        ui.send(Msg::Key(key(c)));
    }
    ui.send(Msg::Key(enter()));
    ui.until(10, "acme pods", synced).await;
    assert!(!ui.pod_names().is_empty());
}

#[tokio::test]
async fn an_expired_resource_version_leads_to_a_relist() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    ui.until(10, "the pod list", synced).await;
    assert_eq!(sim.count("list", "pods"), 1);
    // A long outage: while mosaic cannot reach the server, objects change and the server compacts its history,
    // so the watch cannot resume from mosaic's resourceVersion.
    sim.stop().await;
    sim.upsert(pod("during-outage")).expect("create");
    sim.compact();
    sim.restart().await.expect("restart");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.count("list", "pods") < 2 && Instant::now() < deadline {
        ui.settle(100).await;
    }
    assert_eq!(sim.count("list", "pods"), 2, "410 Gone makes the watch relist: {:?}", sim.counts());
    ui.until(10, "the relisted pods", |s| synced(s) && s.index.keys.iter().any(|(_, n)| n == "during-outage")).await;
    sim.upsert(pod("after-relist")).expect("create");
    ui.until(5, "a pod created after the relist", |s| s.index.keys.iter().any(|(_, n)| n == "after-relist")).await;
}

#[tokio::test]
async fn a_server_restart_shows_reconnecting_then_recovers() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    ui.until(10, "the pod list", synced).await;
    let shown = ui.pod_names();
    sim.stop().await;
    ui.until(10, "reconnecting", |s| {
        s.view_states().iter().any(|(_, st)| matches!(st, WatchState::Reconnecting { .. }))
    })
    .await;
    assert_eq!(ui.pod_names(), shown, "the last known pods stay while reconnecting");
    sim.restart().await.expect("restart");
    ui.until(20, "live again", synced).await;
    sim.upsert(pod("after-restart")).expect("create");
    ui.until(5, "a pod created after the restart", |s| s.index.keys.iter().any(|(_, n)| n == "after-restart")).await;
}

#[tokio::test]
async fn switching_context_rebuilds_the_client_and_restarts_watches() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    ui.until(10, "the pod list", synced).await;
    ui.send(Msg::Key(key(':')));
    for c in "ctx sim-dev".chars() {
        ui.send(Msg::Key(key(c)));
    }
    ui.send(Msg::Key(enter()));
    ui.until(10, "the switch", |s| s.context.context == "sim-dev").await;
    ui.until(10, "dev's pod list", synced).await;
    assert_eq!(ui.state.epoch, 2);
    assert_eq!(sim.count("list", "pods"), 2, "{:?}", sim.counts());
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)
}

fn enter() -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Enter, crossterm::event::KeyModifiers::NONE)
}

fn esc() -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Esc, crossterm::event::KeyModifiers::NONE)
}

fn deploy_view(ui: &mut Headless) {
    ui.send(Msg::Key(key(':')));
    for c in "deploy".chars() {
        ui.send(Msg::Key(key(c)));
    }
    ui.send(Msg::Key(enter()));
}

fn confirm_state(state: &State) -> Option<&mosaic::app::state::ConfirmState> {
    match &state.mode {
        mosaic::app::Mode::Confirm(c) => Some(c),
        _ => None,
    }
}

#[tokio::test]
async fn dev_sees_scale_refused_with_the_reason_and_the_can_i_line() {
    let sim = sim().await;
    let mut ui = open(&sim, "dev", None).await;
    deploy_view(&mut ui);
    ui.until(10, "dev's deployments", synced).await;
    ui.send(Msg::Key(key('s')));
    ui.send(Msg::Key(enter()));
    ui.until(10, "the permission answer", |s| {
        confirm_state(s).is_some_and(|c| c.check != mosaic::app::state::Check::Pending)
    })
    .await;
    let confirm = confirm_state(&ui.state).expect("confirm dialog");
    match &confirm.check {
        mosaic::app::state::Check::Refused { reason, can_i } => {
            assert!(reason.contains("dev") && reason.contains("scale"), "{reason}");
            assert_eq!(
                can_i.as_deref(),
                Some("kubectl auth can-i patch deployments.apps/scale -n acme --context sim-dev")
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Pressing y anyway sends nothing.
    ui.send(Msg::Key(key('y')));
    ui.settle(300).await;
    assert!(sim.requests().iter().all(|r| r.method != "PATCH"), "no change was attempted");
}

#[tokio::test]
async fn admin_scales_a_deployment_through_the_confirmation() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    deploy_view(&mut ui);
    ui.until(10, "deployments", synced).await;
    let name = ui.state.selected().map(|(_, n)| n.clone()).expect("a deployment is selected");
    ui.send(Msg::Key(key('s')));
    // Replace the suggested count with 4.
    for _ in 0..3 {
        ui.send(Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Backspace,
            crossterm::event::KeyModifiers::NONE,
        )));
    }
    ui.send(Msg::Key(key('4')));
    ui.send(Msg::Key(enter()));
    let plan = confirm_state(&ui.state).expect("confirm").plan.command.clone();
    assert_eq!(plan, format!("kubectl --context sim-admin -n acme scale deployment/{name} --replicas=4"));
    ui.until(10, "allowed", |s| confirm_state(s).is_some_and(|c| c.check == mosaic::app::state::Check::Allowed)).await;
    ui.send(Msg::Key(key('y')));
    ui.until(10, "the deployment at 4 replicas", |s| {
        s.selected_deployment().and_then(|d| d.spec).and_then(|sp| sp.replicas) == Some(4)
    })
    .await;
    assert!(ui.state.flash.as_ref().is_some_and(|f| !f.error), "{:?}", ui.state.flash);
}

#[tokio::test]
async fn read_only_refuses_at_the_executor_too() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", None).await;
    deploy_view(&mut ui);
    ui.until(10, "deployments", synced).await;
    // Even if the UI were bypassed, the runtime's executor refuses: send the effect directly.
    let (ns, name) = ui.state.selected().cloned().expect("selected");
    let action =
        mosaic::action::Action::RolloutRestart { kind: mosaic::action::WorkloadKind::Deployment, namespace: ns, name };
    let mut runtime = std::mem::replace(&mut ui.runtime, dummy_runtime(&sim).await);
    runtime = runtime.with_readonly(true, Default::default());
    runtime.execute(mosaic::app::Effect::Run { action, dry_run: false, command: "x".into() });
    ui.runtime = runtime;
    ui.until(10, "the refusal", |s| s.flash.is_some() || s.pane.is_some()).await;
    assert!(sim.requests().iter().all(|r| r.method != "PATCH"), "nothing was patched");
}

async fn dummy_runtime(sim: &SimHandle) -> Runtime {
    let other = open(sim, "admin", None).await;
    other.runtime
}

#[tokio::test]
async fn an_exec_auth_plugin_supplies_the_token() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // A credential plugin, as `aws eks get-token` or `kubelogin` would be: it prints an ExecCredential.
    let plugin = dir.path().join("get-token");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\
         \"status\":{\"token\":\"admin-token\"}}'\n",
    )
    .expect("write plugin");
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let generated = sim.kubeconfig("admin", "acme");
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&generated).expect("kubeconfig yaml");
    let users = doc.get_mut("users").and_then(|u| u.as_sequence_mut()).expect("users");
    for user in users.iter_mut() {
        if user.get("name").and_then(|n| n.as_str()) == Some("admin") {
            user["user"] = serde_yaml::from_str(&format!(
                "exec: {{apiVersion: client.authentication.k8s.io/v1, command: {}, interactiveMode: Never}}",
                plugin.display()
            ))
            .expect("exec stanza");
        }
    }
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, serde_yaml::to_string(&doc).expect("yaml")).expect("write kubeconfig");
    let target =
        kubeconfig::resolve(&ConnectOptions { kubeconfig: Some(path), ..Default::default() }).expect("context");
    let session = connect(target).await.expect("the plugin's token is accepted");
    assert_eq!(session.server_version, "v1.33.1");
    assert!(sim.requests().iter().any(|r| r.user.as_deref() == Some("admin")), "requests ran as the plugin user");
}

#[tokio::test]
async fn the_game_plan_pane_shows_what_dev_may_not_do_before_any_key() {
    let sim = sim().await;
    let mut ui = open(&sim, "dev", None).await;
    deploy_view(&mut ui);
    ui.until(10, "dev's deployments", synced).await;
    ui.send(Msg::Key(key('p')));
    ui.until(10, "the permission answers", |s| !s.access.is_empty() && s.access.values().all(Option::is_some)).await;
    let scale = mosaic::cluster::rbac::AccessQuery::new("patch", "apps", "deployments/scale", Some("acme"));
    assert_eq!(ui.state.access.get(&scale), Some(&Some(false)), "{:?}", ui.state.access);
    let describe = ui.state.access.iter().find(|(q, _)| q.verb == "get" && q.resource == "deployments");
    assert_eq!(describe.map(|(_, a)| *a), Some(Some(true)), "dev may read");
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(220, 30)).expect("terminal");
    terminal.draw(|f| mosaic::ui::render(f, &ui.state, &mosaic::ui::Theme::default())).expect("draw");
    let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(
        screen.contains("✗ not allowed: kubectl auth can-i patch deployments.apps/scale -n acme --context sim-dev"),
        "the pane shows scale disabled, with the can-i line"
    );
}

#[tokio::test]
async fn explain_gives_the_crashing_pod_its_verdict_and_timeline() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let session = connect_as(&sim, "admin", "acme", dir.path()).await;
    let orders = {
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(session.client.clone(), "acme");
        let list = api.list(&Default::default()).await.expect("pods");
        list.items
            .into_iter()
            .map(|p| kube::ResourceExt::name_any(&p))
            .find(|n| n.starts_with("orders-"))
            .expect("orders")
    };
    let report = mosaic::explain_cmd::report(&session, "acme", &orders).await.expect("report");
    assert!(
        report.diagnosis.verdict.headline.starts_with("Crashing on start: exit code 1"),
        "{}",
        report.diagnosis.verdict.headline
    );
    assert!(report.diagnosis.has_problem());
    assert!(!report.timeline.is_empty());
    let text = mosaic::explain_cmd::text(&report);
    assert!(text.contains("Timeline:") && text.contains("kubectl logs"), "{text}");
    let err = mosaic::explain_cmd::report(&session, "acme", "no-such-pod").await.err().expect("missing pod");
    assert_eq!(err.to_string(), "there is no pod no-such-pod in namespace acme");
    assert!(mosaic::explain_cmd::parse_target("service/x").is_err());
}
