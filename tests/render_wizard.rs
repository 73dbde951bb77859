//! Tier 2 for the network wizard pane: snapshots of each state (loading, the port chooser, the steps with the
//! failing one selected, the diagnosis) at 80x24 and 120x40, driven through `update` with the real keys, and
//! the verdict badges' colours.
use crate::support;
use support::screen::now;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Service;
use mosaic::analysis::network::{
    NetSnapshot, Peer, PortRef, ProbeOutcome, ProbeResults, ProbeTarget, Question, StepId, TargetResult, diagnose,
    probe_step, run_static_steps,
};
use mosaic::app::state::ListView;
use mosaic::app::wizard::{Stage, WizardEffect, WizardMsg};
use mosaic::app::{ContextInfo, Data, Effect, Msg, State, update};
use mosaic::cluster::{Kind, Scope, WatchState, WatchUpdate};
use mosaic::diagnose_cmd::Report;
use mosaic::ui::Theme;
use serde_json::{Value, json};
use support::screen::{draw, text};

fn service(name: &str, ports: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                     "creationTimestamp": "2026-11-20T03:35:00Z", "labels": {"app": name}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.14.7", "selector": {"tier": "payments"}, "ports": ports}
    })
}

fn services() -> Vec<Service> {
    [
        service("payments-api", json!([{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}])),
        service(
            "web",
            json!([
                {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}
            ]),
        ),
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).expect("service"))
    .collect()
}

fn pod(name: &str, namespace: &str, labels: Value, ip: &str, port: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "uid": format!("uid-{name}"),
                     "creationTimestamp": "2026-11-21T03:35:00Z"},
        "spec": {"containers": [{"name": "app", "image": "app:1", "ports": port}]},
        "status": {
            "phase": "Running", "podIP": ip, "startTime": "2026-11-21T03:35:00Z",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "app:1",
                                   "imageID": "", "state": {"running": {"startedAt": "2026-11-21T03:35:00Z"}}}]
        }
    })
}

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("object")
}

/// The broken payments-api as the wizard reads it: its selector wants `tier=payments`, the pods carry
/// `app=payments-api`.
fn report() -> Report {
    let mut snap = NetSnapshot::new("shop", "payments-api", now());
    snap.context = Some("sim-admin".into());
    snap.service = Some(services().remove(0));
    let https = json!([{"name": "https", "containerPort": 8443, "protocol": "TCP"}]);
    snap.pods = vec![
        parse(pod(
            "payments-api-5fbcbbf784-4n2br",
            "shop",
            json!({"app": "payments-api"}),
            "10.244.1.7",
            https.clone(),
        )),
        parse(pod("payments-api-5fbcbbf784-j6cwq", "shop", json!({"app": "payments-api"}), "10.244.2.9", https)),
    ];
    snap.endpoints = Some(vec![parse(json!({"metadata": {"name": "payments-api", "namespace": "shop"}}))]);
    snap.endpoint_slices = Some(Vec::new());
    snap.policies = Some(Vec::new());
    snap.namespaces = Some(vec![parse(json!({"metadata": {"name": "shop"}}))]);
    snap.ingresses = Some(Vec::new());
    let dns = json!([{"name": "dns", "containerPort": 53, "protocol": "UDP"}]);
    snap.dns_pods = Some(vec![
        parse(pod(
            "coredns-775d4fd869-4qb22",
            "kube-system",
            json!({"k8s-app": "kube-dns"}),
            "10.244.0.2",
            dns.clone(),
        )),
        parse(pod("coredns-775d4fd869-rfgdf", "kube-system", json!({"k8s-app": "kube-dns"}), "10.244.0.3", dns)),
    ]);
    let question = Question { port: Some(PortRef::Number(443)), ..Question::default() };
    let steps = run_static_steps(&snap, &question);
    let diagnosis = diagnose(&steps);
    Report {
        context: "sim-admin".into(),
        namespace: "shop".into(),
        service: "payments-api".into(),
        port: Some(PortRef::Number(443)),
        source: Peer::AnyPodIn { namespace: "shop".into() },
        steps,
        unreadable: Vec::new(),
        diagnosis,
    }
}

/// The Services list of namespace shop, with the cursor on `name`.
fn services_view(name: &str) -> State {
    let info = ContextInfo {
        context: "sim-admin".into(),
        user: "admin".into(),
        server: "https://127.0.0.1:6443".into(),
        server_version: "v1.33.1".into(),
        namespace: "shop".into(),
        contexts: vec!["sim-admin".into(), "sim-dev".into()],
        demo: true,
        readonly: false,
    };
    let scope = Scope::Namespace("shop".into());
    let mut state = State::new(info, scope.clone(), now());
    state.view = ListView::new(Kind::Service);
    for data in [
        Data::Services(WatchUpdate::State(WatchState::Live)),
        Data::Services(WatchUpdate::Page { items: services(), first: true, last: true }),
    ] {
        let epoch = state.epoch;
        update(&mut state, Msg::Data { epoch, scope: scope.clone(), data });
    }
    let at = state.index.keys.iter().position(|(_, n)| n == name).expect("the service is listed");
    state.select(at);
    state
}

fn key(state: &mut State, c: char) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

/// The wizard on payments-api with its report in: it opens on the failing selector step.
fn with_report() -> State {
    let mut state = services_view("payments-api");
    let effects = key(&mut state, 'w');
    let id = match effects.as_slice() {
        [Effect::Wizard(WizardEffect::Run { id, service, port, .. })] => {
            assert_eq!((service.as_str(), port), ("payments-api", &Some(PortRef::Number(443))));
            *id
        }
        other => panic!("w runs the wizard for the only port: {other:?}"),
    };
    update(&mut state, Msg::Wizard(WizardMsg::Report { id, result: Box::new(Ok(report())) }));
    state
}

#[test]
fn wizard_loading() {
    let mut state = services_view("payments-api");
    key(&mut state, 'w');
    assert!(matches!(state.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::Loading)));
    insta::assert_snapshot!("wizard_loading_80x24", text(&draw(&mut state, 80, 24)));
    insta::assert_snapshot!("wizard_loading_120x40", text(&draw(&mut state, 120, 40)));
}

#[test]
fn wizard_port_chooser() {
    let mut state = services_view("web");
    assert!(key(&mut state, 'w').is_empty(), "nothing is read before the port is chosen");
    key(&mut state, 'j');
    insta::assert_snapshot!("wizard_port_chooser_80x24", text(&draw(&mut state, 80, 24)));
    insta::assert_snapshot!("wizard_port_chooser_120x40", text(&draw(&mut state, 120, 40)));
    let effects = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(
        matches!(effects.as_slice(), [Effect::Wizard(WizardEffect::Run { port: Some(PortRef::Number(9090)), .. })]),
        "{effects:?}"
    );
}

#[test]
fn wizard_steps_with_the_failing_one_selected() {
    let mut state = with_report();
    let Some(Stage::Done(run)) = state.wizard.pane.as_ref().map(|p| &p.stage) else { panic!("done") };
    assert_eq!(run.report.steps[run.selected].id, StepId::Selector);
    let small = draw(&mut state, 80, 24);
    insta::assert_snapshot!("wizard_steps_80x24", text(&small));
    insta::assert_snapshot!("wizard_steps_120x40", text(&draw(&mut state, 120, 40)));
    // The badges carry the theme's status colours.
    let theme = Theme::default();
    let screen = text(&small);
    for (badge, colour) in [("✗ fail", theme.status_error), ("✓ pass", theme.status_ok)] {
        let (row, line) = screen.lines().enumerate().find(|(_, l)| l.contains(badge)).expect("badge shown");
        let col = line[..line.find(badge).expect("badge")].chars().count() as u16;
        assert_eq!(small[(col, row as u16)].fg, colour, "{badge} on row {row}");
    }
}

#[test]
fn wizard_diagnosis() {
    let mut state = with_report();
    key(&mut state, 'G');
    insta::assert_snapshot!("wizard_diagnosis_80x24", text(&draw(&mut state, 80, 24)));
    insta::assert_snapshot!("wizard_diagnosis_120x40", text(&draw(&mut state, 120, 40)));
    // c copies the fix; Esc closes.
    let effects = key(&mut state, 'c');
    assert!(
        matches!(effects.as_slice(), [Effect::Copy(cmd)] if cmd.starts_with("kubectl --context sim-admin -n shop patch service payments-api")),
        "{effects:?}"
    );
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(state.wizard.pane.is_none());
}

#[test]
fn a_late_answer_of_an_older_run_is_ignored() {
    let mut state = with_report();
    let effects = key(&mut state, 'r');
    assert!(matches!(effects.as_slice(), [Effect::Wizard(WizardEffect::Run { .. })]), "r re-runs: {effects:?}");
    let stale = Msg::Wizard(WizardMsg::Report { id: 1, result: Box::new(Err("old".into())) });
    update(&mut state, stale);
    assert!(matches!(state.wizard.pane.as_ref().map(|p| &p.stage), Some(Stage::Loading)));
}

/// P on the wizard: the probe effect for the pane's Service and port, and its id.
fn press_probe(state: &mut State) -> u64 {
    let effects = key(state, 'P');
    match effects.as_slice() {
        [Effect::Wizard(WizardEffect::Probe { id, namespace, service, port })] => {
            assert_eq!((namespace.as_str(), service.as_str()), ("shop", "payments-api"));
            assert_eq!(port, &Some(PortRef::Number(443)));
            *id
        }
        other => panic!("P runs the probe: {other:?}"),
    }
}

const RUN_LINE: &str = "kubectl --context sim-admin -n shop run mosaic-probe-k3x9z --rm -i --restart=Never \
                        --image=curlimages/curl --labels=app.kubernetes.io/managed-by=mosaic,mosaic.dev/probe=k3x9z \
                        --command -- sh -c 'curl -s -o /dev/null --connect-timeout 5 --max-time 10 -w …'";

/// What the probe of payments-api finds: its selector matches no pod, so the Service refuses connections.
fn refused() -> ProbeResults {
    let target = ProbeTarget {
        label: "service payments-api".into(),
        url: "http://payments-api.shop.svc.cluster.local:443/".into(),
    };
    ProbeResults {
        context: Some("sim-admin".into()),
        namespace: "shop".into(),
        service: "payments-api".into(),
        pod: "mosaic-probe-k3x9z".into(),
        image: "curlimages/curl".into(),
        command: RUN_LINE.into(),
        targets: vec![target.clone()],
        outcome: ProbeOutcome::Completed {
            targets: vec![TargetResult {
                target,
                status: None,
                seconds: Some(0.002),
                exit: 7,
                error: Some("Failed to connect to payments-api.shop.svc.cluster.local port 443".into()),
            }],
        },
    }
}

#[test]
fn wizard_probe_not_run_then_running_then_its_step() {
    let mut state = with_report();
    let screen = text(&draw(&mut state, 80, 24));
    assert!(screen.contains("Active probes: not run — press P (creates a one-off pod in shop)"), "{screen}");
    let id = press_probe(&mut state);
    let started = WizardMsg::ProbeStarted { id, pod: "mosaic-probe-k3x9z".into(), command: RUN_LINE.into() };
    update(&mut state, Msg::Wizard(started));
    insta::assert_snapshot!("wizard_probe_running_80x24", text(&draw(&mut state, 80, 24)));
    insta::assert_snapshot!("wizard_probe_running_120x40", text(&draw(&mut state, 120, 40)));

    update(&mut state, Msg::Wizard(WizardMsg::Probe { id, step: Box::new(probe_step(&refused())) }));
    let Some(Stage::Done(run)) = state.wizard.pane.as_ref().map(|p| &p.stage) else { panic!("done") };
    assert_eq!(run.report.steps.last().map(|s| s.id), Some(StepId::Probe));
    assert_eq!(run.report.diagnosis.step, Some(StepId::Selector), "the static cause is still named first");
    assert!(run.report.diagnosis.also.iter().any(|a| a.contains("refuses connections")), "{:?}", run.report.diagnosis);
    key(&mut state, 'G');
    key(&mut state, 'k');
    insta::assert_snapshot!("wizard_probe_step_80x24", text(&draw(&mut state, 80, 24)));
    insta::assert_snapshot!("wizard_probe_step_120x40", text(&draw(&mut state, 120, 40)));
    // c copies the kubectl run line and the logs line.
    let effects = key(&mut state, 'c');
    assert!(matches!(effects.as_slice(), [Effect::Copy(text)] if text.starts_with(RUN_LINE)), "{effects:?}");
}

#[test]
fn esc_stops_the_running_probe_and_keeps_the_pane_and_its_late_answer_is_ignored() {
    let mut state = with_report();
    let id = press_probe(&mut state);
    assert!(key(&mut state, 'P').is_empty(), "a second P while it runs starts nothing");
    let effects = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_eq!(effects, vec![Effect::Wizard(WizardEffect::CancelProbe)]);
    let screen = text(&draw(&mut state, 80, 24));
    assert!(screen.contains("Active probes: stopped, the probe pod is deleted — P runs them again"), "{screen}");
    update(&mut state, Msg::Wizard(WizardMsg::Probe { id, step: Box::new(probe_step(&refused())) }));
    let Some(Stage::Done(run)) = state.wizard.pane.as_ref().map(|p| &p.stage) else { panic!("done") };
    assert!(run.report.steps.iter().all(|s| s.id != StepId::Probe), "a stopped probe's answer is dropped");
    // P runs it again; r re-runs the steps and stops it too; a second Esc closes.
    press_probe(&mut state);
    let effects = key(&mut state, 'r');
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Wizard(WizardEffect::CancelProbe), Effect::Wizard(WizardEffect::Run { .. })]
        ),
        "{effects:?}"
    );
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(state.wizard.pane.is_none());
}

#[test]
fn h_in_the_wizard_opens_the_http_sender_on_the_service_and_port() {
    let mut state = with_report();
    let effects = key(&mut state, 'H');
    assert!(matches!(effects.as_slice(), [Effect::Http(_)]), "{effects:?}");
    let sender = state.http.as_ref().expect("the sender is open");
    assert_eq!(sender.base_url, "http://payments-api.shop.svc.cluster.local:443");
    assert_eq!(sender.app, "service/payments-api");
    // Esc closes the sender and the wizard is still there.
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(state.http.is_none() && state.wizard.pane.is_some());
}

/// Service web (port 80 → 8080) behind a default-deny policy in shop, as the wizard reads it: every step
/// passes but the NetworkPolicy one, whose fix is a NetworkPolicy to apply.
fn denied_web_report() -> Report {
    let mut snap = NetSnapshot::new("shop", "web", now());
    snap.context = Some("sim-admin".into());
    snap.service = Some(services().remove(1));
    let http = json!([{"name": "http", "containerPort": 8080, "protocol": "TCP"}]);
    snap.pods = vec![parse(pod("web-7d4b9c6f5-x2k4p", "shop", json!({"tier": "payments"}), "10.244.1.8", http))];
    snap.endpoints = Some(vec![parse(json!({
        "metadata": {"name": "web", "namespace": "shop"},
        "subsets": [{"addresses": [{"ip": "10.244.1.8", "targetRef": {"kind": "Pod", "name": "web-7d4b9c6f5-x2k4p"}}],
                     "ports": [{"port": 8080}]}]
    }))]);
    snap.endpoint_slices = Some(Vec::new());
    snap.policies = Some(vec![parse(json!({
        "metadata": {"name": "default-deny-ingress", "namespace": "shop"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}
    }))]);
    snap.namespaces = Some(vec![parse(json!({"metadata": {"name": "shop"}}))]);
    snap.ingresses = Some(Vec::new());
    let dns = json!([{"name": "dns", "containerPort": 53, "protocol": "UDP"}]);
    snap.dns_pods = Some(vec![parse(pod(
        "coredns-775d4fd869-4qb22",
        "kube-system",
        json!({"k8s-app": "kube-dns"}),
        "10.244.0.2",
        dns,
    ))]);
    let question = Question { port: Some(PortRef::Number(80)), ..Question::default() };
    let steps = run_static_steps(&snap, &question);
    let diagnosis = diagnose(&steps);
    Report {
        context: "sim-admin".into(),
        namespace: "shop".into(),
        service: "web".into(),
        port: Some(PortRef::Number(80)),
        source: Peer::AnyPodIn { namespace: "shop".into() },
        steps,
        unreadable: Vec::new(),
        diagnosis,
    }
}

/// The wizard on web, port 80 chosen, with `report` in; the run's id.
fn web_with(report: Report) -> (State, u64) {
    let mut state = services_view("web");
    key(&mut state, 'w');
    let effects = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let id = match effects.as_slice() {
        [Effect::Wizard(WizardEffect::Run { id, .. })] => *id,
        other => panic!("Enter runs the wizard for port 80: {other:?}"),
    };
    update(&mut state, Msg::Wizard(WizardMsg::Report { id, result: Box::new(Ok(report)) }));
    (state, id)
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[test]
fn the_policy_fix_is_a_preformatted_block_copied_as_shown() {
    let (mut state, _) = web_with(denied_web_report());
    let Some(Stage::Done(run)) = state.wizard.pane.as_ref().map(|p| &p.stage) else { panic!("done") };
    assert_eq!(run.report.steps[run.selected].id, StepId::NetworkPolicies, "the pane opens on the cause");
    // The step's details alone, a page down: its fix.
    press(&mut state, KeyCode::Enter);
    draw(&mut state, 80, 24);
    press(&mut state, KeyCode::PageDown);
    let screen = text(&draw(&mut state, 80, 24));
    insta::assert_snapshot!("wizard_policy_fix_block_80x24", screen);
    insta::assert_snapshot!("wizard_policy_fix_block_120x40", text(&draw(&mut state, 120, 40)));

    // On the diagnosis, c copies exactly the block's lines: `$ ` and the pane's margin aside.
    press(&mut state, KeyCode::Enter);
    key(&mut state, 'G');
    let screen = text(&draw(&mut state, 120, 40));
    let Some(Stage::Done(run)) = state.wizard.pane.as_ref().map(|p| &p.stage) else { panic!("done") };
    let command = run.report.diagnosis.command.clone().expect("a policy to apply");
    assert!(command.starts_with("kubectl --context sim-admin apply -f - <<'EOF'\n"), "{command}");
    let rows: Vec<&str> = screen.lines().map(|l| l.trim_start_matches('│').trim_end_matches('│')).collect();
    let first = rows.iter().position(|r| r.starts_with(" $ kubectl --context sim-admin apply")).expect("shown");
    let shown: Vec<String> = rows[first..first + command.lines().count()]
        .iter()
        .enumerate()
        .map(
            |(i, r)| {
                if i == 0 { r.trim_start_matches(" $ ").to_string() } else { r.get(3..).unwrap_or("").to_string() }
            },
        )
        .map(|r| r.trim_end().to_string())
        .collect();
    assert_eq!(shown.join("\n"), command, "the block on screen is the command, line for line");
    let effects = key(&mut state, 'c');
    assert_eq!(effects, vec![Effect::Copy(command)]);
}

#[test]
fn a_docs_link_is_shown_whole_on_its_own_row_at_80x24() {
    let (mut state, _) = web_with(denied_web_report());
    // The NetworkPolicy step's details alone, scrolled to their end: its docs link is too long to follow
    // `Docs:` on one row, short enough for a row of its own.
    press(&mut state, KeyCode::Enter);
    draw(&mut state, 80, 24);
    for _ in 0..5 {
        press(&mut state, KeyCode::PageDown);
    }
    let screen = text(&draw(&mut state, 80, 24));
    insta::assert_snapshot!("wizard_docs_link_80x24", screen);
    let url = "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
    assert!(screen.lines().any(|l| l.trim_matches('│').trim() == url), "{screen}");
    assert!(!screen.contains("…"), "nothing is cut: {screen}");
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, c);
    }
}

#[test]
fn f_edits_the_traffic_source_and_the_steps_re_run_for_it() {
    let (mut state, _) = web_with(denied_web_report());
    key(&mut state, 'f');
    assert!(matches!(&state.mode, mosaic::app::state::Mode::Prompt(p) if p.input == "shop"), "the current source");
    for _ in 0.."shop".len() {
        press(&mut state, KeyCode::Backspace);
    }
    // A source without a namespace is refused, and the input stays open to correct it.
    typed(&mut state, "app=checkout");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    insta::assert_snapshot!("wizard_source_refused_80x24", text(&draw(&mut state, 80, 24)));
    for _ in 0.."app=checkout".len() {
        press(&mut state, KeyCode::Backspace);
    }
    typed(&mut state, "payments/app=checkout");
    let effects = press(&mut state, KeyCode::Enter);
    let id = match effects.as_slice() {
        [Effect::Wizard(WizardEffect::Run { id, port, source: Some(source), .. })] => {
            assert_eq!(port, &Some(PortRef::Number(80)));
            assert_eq!(
                source,
                &Peer::Pod {
                    namespace: "payments".into(),
                    labels: [("app".to_string(), "checkout".to_string())].into()
                }
            );
            *id
        }
        other => panic!("Enter re-runs the steps from the new source: {other:?}"),
    };
    // The answer opens on the NetworkPolicy step, which names the source.
    let mut report = denied_web_report();
    report.source = Peer::Pod { namespace: "payments".into(), labels: [("app".into(), "checkout".into())].into() };
    report.diagnosis = diagnose(&report.steps);
    update(&mut state, Msg::Wizard(WizardMsg::Report { id, result: Box::new(Ok(report)) }));
    let pane = state.wizard.pane.as_ref().expect("open");
    assert_eq!(pane.title(), "svc/web :80 in shop · from payments/app=checkout");
    let Stage::Done(run) = &pane.stage else { panic!("done") };
    assert_eq!(run.report.steps[run.selected].id, StepId::NetworkPolicies);
    // r keeps the source.
    let effects = key(&mut state, 'r');
    assert!(matches!(effects.as_slice(), [Effect::Wizard(WizardEffect::Run { source: Some(_), .. })]), "{effects:?}");
}
