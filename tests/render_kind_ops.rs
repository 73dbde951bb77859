//! Tier 2: the node and CronJob operations as the user sees them: the drain confirmation naming each pod it
//! evicts and each it leaves (and why), and the game plan of a node and a CronJob row with the refused ones
//! crossed out.
use crate::support::screen::now;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kube::api::DynamicObject;
use mosaic::action::{Action, ActionError, Outcome};
use mosaic::app::{ContextInfo, Data, Effect, ListView, Mode, Msg, State, update};
use mosaic::cluster::{Kind, Scope, WatchState, WatchUpdate};
use mosaic::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use serde_json::{Value, json};

fn state(readonly: bool) -> State {
    let info = ContextInfo {
        context: "kind-acme".into(),
        user: "admin".into(),
        server: "https://127.0.0.1:6443".into(),
        server_version: "v1.33.1".into(),
        namespace: "shop".into(),
        contexts: vec!["kind-acme".into()],
        demo: false,
        readonly,
    };
    State::new(info, Scope::Namespace("shop".into()), now())
}

fn open(state: &mut State, kind: Kind, items: Vec<Value>) {
    let scope = if kind.namespaced() { Scope::Namespace("shop".into()) } else { Scope::All };
    state.view = ListView::new(kind);
    update(state, Msg::Tick);
    let epoch = state.epoch;
    let items: Vec<DynamicObject> = items.into_iter().map(|v| serde_json::from_value(v).expect("object")).collect();
    for u in [WatchUpdate::State(WatchState::Live), WatchUpdate::Page { items, first: true, last: true }] {
        update(state, Msg::Data { epoch, scope: scope.clone(), data: Data::Dynamic(kind, u) });
    }
    state.now = now();
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": name, "creationTimestamp": "2026-10-22T03:35:00Z"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.33.1"},
            "allocatable": {"cpu": "4", "memory": "16Gi"}}})
}

fn pod(ns: &str, name: &str, owner: Option<&str>, annotations: Value) -> Value {
    let owners = owner.map(|kind| {
        json!([{"apiVersion": "apps/v1", "kind": kind, "name": "x", "uid": "u",
        "controller": true}])
    });
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns,
        "ownerReferences": owners.unwrap_or(json!([])), "annotations": annotations},
        "spec": {"nodeName": "worker-1", "containers": []}})
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn draw(state: &State, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| ui::render(f, state, &Theme::default())).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn drain_confirmation_lists_the_pods_it_evicts_and_those_it_leaves() {
    let mut s = state(false);
    open(&mut s, Kind::Node, vec![node("worker-1"), node("worker-2")]);
    update(&mut s, Msg::Resize(100, 30));

    // D lists the node's pods first, across namespaces, by its field selector.
    let effects = update(&mut s, key(KeyCode::Char('D')));
    let [Effect::Run { action: Action::List { kind: Kind::Pod, namespace: None, selector }, dry_run: false, command }] =
        effects.as_slice()
    else {
        panic!("a pod list, got {effects:?}")
    };
    assert_eq!(selector.fields.as_deref(), Some("spec.nodeName=worker-1"));
    assert!(text(&draw(&s, 100, 30)).contains("Listing the pods on node worker-1"));

    let items = vec![
        pod("shop", "web-7d9f-abcde", Some("ReplicaSet"), json!({})),
        pod("shop", "debug", None, json!({})),
        pod("kube-system", "kube-proxy-x6gp4", Some("DaemonSet"), json!({})),
        pod("kube-system", "etcd-worker-1", None, json!({"kubernetes.io/config.mirror": "abc"})),
    ];
    let list = Outcome::Object(json!({"apiVersion": "v1", "kind": "List", "items": items}));
    let effects = update(&mut s, Msg::Done { command: command.clone(), dry_run: false, result: Ok(list) });
    let [Effect::Check { action: Action::Drain { node, pods }, command: drain }] = effects.as_slice() else {
        panic!("the drain's permission check, got {effects:?}")
    };
    assert_eq!(node, "worker-1");
    let names: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-7d9f-abcde", "debug"], "DaemonSet and mirror pods are left");
    update(&mut s, Msg::Checked { command: drain.clone(), result: Ok(()) });
    let screen = text(&draw(&s, 100, 30));
    for line in [
        "Evicts 2 pod(s):",
        "shop/debug  (no controller: nothing recreates it)",
        "Leaves 2 pod(s) running:",
        "kube-system/kube-proxy-x6gp4: a DaemonSet pod",
        "kube-system/etcd-worker-1: a mirror pod of a static pod",
        "drain worker-1 --ignore-daemonsets --delete-emptydir-data",
        "--force",
    ] {
        assert!(screen.contains(line), "{line:?} missing:\n{screen}");
    }
    insta::assert_snapshot!("drain_confirmation_100x30", screen);

    // y runs exactly the drain that was shown.
    let effects = update(&mut s, key(KeyCode::Char('y')));
    assert!(
        matches!(effects.as_slice(), [Effect::Run { action: Action::Drain { pods: sent, .. }, dry_run: false, .. }]
            if sent == pods),
        "{effects:?}"
    );
}

#[test]
fn a_drain_that_cannot_list_the_pods_says_why_and_opens_nothing() {
    let mut s = state(false);
    open(&mut s, Kind::Node, vec![node("worker-1")]);
    let effects = update(&mut s, key(KeyCode::Char('D')));
    let [Effect::Run { command, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    let refused = ActionError::Forbidden {
        user: "dev".into(),
        message: "pods is forbidden: User \"dev\" cannot list resource \"pods\" at the cluster scope".into(),
        can_i: "kubectl auth can-i list pods -A --context kind-acme".into(),
    };
    update(&mut s, Msg::Done { command: command.clone(), dry_run: false, result: Err(refused) });
    assert!(matches!(s.mode, Mode::Normal), "no confirmation");
    let flash = s.flash.as_ref().expect("a message");
    assert!(flash.error && flash.text.starts_with("Cannot plan the drain of node worker-1: "), "{}", flash.text);
}

#[test]
fn keys_that_would_change_nothing_say_so() {
    let mut s = state(false);
    let mut cordoned = node("worker-1");
    cordoned["spec"] = json!({"unschedulable": true});
    open(&mut s, Kind::Node, vec![cordoned]);
    assert!(update(&mut s, key(KeyCode::Char('C'))).is_empty());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("Node worker-1 is already cordoned (SchedulingDisabled)")
    );
    let effects = update(&mut s, key(KeyCode::Char('U')));
    assert!(matches!(effects.as_slice(), [Effect::Check { action: Action::Cordon { unschedulable: false, .. }, .. }]));

    let mut s = state(false);
    let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop", "uid": "c1", "creationTimestamp": "2026-11-08T03:35:00Z"},
        "spec": {"schedule": "0 2 * * *", "suspend": false, "jobTemplate": {"spec": {}}}});
    open(&mut s, Kind::CronJob, vec![cronjob]);
    assert!(update(&mut s, key(KeyCode::Char('r'))).is_empty());
    assert!(s.flash.as_ref().is_some_and(|f| f.text.contains("is not suspended")));
    let effects = update(&mut s, key(KeyCode::Char('t')));
    let [Effect::Check { action: Action::TriggerCronJob { cronjob, job, .. }, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!((cronjob.as_str(), job.as_str()), ("nightly", "nightly-manual-1795318500"));
}

#[test]
fn game_plan_of_node_and_cronjob_rows_crosses_out_what_is_refused() {
    // Read-only mode: every mutating action is crossed out, describe and YAML stay.
    let mut s = state(true);
    open(&mut s, Kind::Node, vec![node("worker-1")]);
    update(&mut s, key(KeyCode::Char('p')));
    let buffer = draw(&s, 120, 30);
    let screen = text(&buffer);
    insta::assert_snapshot!("node_game_plan_readonly", screen);
    let crossed = |needle: &str| {
        let y = (0..30).find(|y| text_row(&buffer, *y).contains(needle)).expect(needle);
        let x = text_row(&buffer, y).find("kubectl").expect("a command") as u16;
        buffer[(x, y)].modifier.contains(Modifier::CROSSED_OUT)
    };
    assert!(crossed(" cordon worker-1") && crossed(" uncordon worker-1") && crossed(" drain worker-1"));
    assert!(!crossed(" describe node worker-1"));

    let mut s = state(false);
    let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop", "uid": "c1", "creationTimestamp": "2026-11-08T03:35:00Z"},
        "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {}}}});
    open(&mut s, Kind::CronJob, vec![cronjob]);
    let effects = update(&mut s, key(KeyCode::Char('p')));
    // The pane asks in advance about each permission; refuse the Job creation.
    let create = effects
        .iter()
        .find_map(|e| match e {
            Effect::Access(q) if q.verb == "create" => Some(q.clone()),
            _ => None,
        })
        .expect("asks whether jobs may be created");
    update(&mut s, Msg::Access { query: create, allowed: Some(false) });
    update(&mut s, Msg::Resize(200, 30));
    let buffer = draw(&s, 200, 30);
    let screen = text(&buffer);
    assert!(
        screen.contains("✗ not allowed: kubectl auth can-i create jobs.batch -n shop --context kind-acme"),
        "{screen}"
    );
    let trigger = (0..30).find(|y| text_row(&buffer, *y).starts_with(" t ")).expect("the trigger row");
    assert!(buffer[(10, trigger)].modifier.contains(Modifier::CROSSED_OUT), "the refused trigger is crossed out");
    let suspend = (0..30).find(|y| text_row(&buffer, *y).starts_with(" s ")).expect("the suspend row");
    assert!(!buffer[(10, suspend)].modifier.contains(Modifier::CROSSED_OUT), "suspend is allowed");
    insta::assert_snapshot!("cronjob_game_plan_refused", screen);
}

fn text_row(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect()
}

#[test]
fn describe_of_a_cronjob_names_the_version_it_was_listed_at() {
    // A 1.19 server: the watch read CronJobs at batch/v1beta1; before discovery answers, the object says so.
    let mut s = state(false);
    let cronjob = json!({"apiVersion": "batch/v1beta1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop", "uid": "c1", "creationTimestamp": "2026-11-08T03:35:00Z"},
        "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {}}}});
    open(&mut s, Kind::CronJob, vec![cronjob]);
    for (c, verb) in [('d', "describe"), ('y', "get")] {
        let effects = update(&mut s, key(KeyCode::Char(c)));
        let target = effects
            .iter()
            .find_map(|e| match e {
                Effect::Run { action: Action::Describe { target } | Action::Yaml { target }, .. } => Some(target),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{verb}: {effects:?}"));
        assert_eq!((target.group.as_str(), target.version.as_str()), ("batch", "v1beta1"), "{verb}");
        update(&mut s, key(KeyCode::Esc));
    }
}
