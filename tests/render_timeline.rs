//! Tier 2: the timeline pane (`t`) on a TestBackend at 80x24 and 120x40, for the crash-looping fixture pod and
//! for its Deployment: the verdict on top in its severity's colour, wrapped entries, the selected entry's
//! next step, kubectl and docs; and its keys (move, copy the selected kubectl, close).
use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::List;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use mosaic::analysis::explain::{Diagnosis, PodEvent, Related, app_timeline, diagnose, pod_timeline};
use mosaic::app::timeline::TimelinePane;
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::Scope;
use mosaic::explain_cmd::document::{self, Document};
use mosaic::explain_cmd::{DeployReport, Report, Target};
use mosaic::ui::Theme;
use ratatui::buffer::Buffer;
use support::screen::{draw, kind_acme, now, text};

fn list<T: k8s_openapi::ListableResource + serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    serde_json::from_str::<List<T>>(text).expect("fixture parses").items
}

fn pods() -> Vec<Pod> {
    list(include_str!("fixtures/real-1.19/pods-list.json"))
}

fn events() -> Vec<Event> {
    list(include_str!("fixtures/real-1.19/events-core-v1.json"))
}

fn nodes() -> Vec<Node> {
    list(include_str!("fixtures/real-1.19/nodes-list.json"))
}

fn orders_pod() -> Pod {
    pods().into_iter().find(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with("orders-"))).expect("orders")
}

fn pod_document() -> Document {
    let pod = orders_pod();
    let events = events();
    let mut diagnosis = diagnose(&pod, &events, &nodes(), &Related::default(), now());
    diagnosis.add_last_log_line("FATAL: could not connect to database orders-db:5432");
    let pod_events: Vec<PodEvent> = events.iter().map(PodEvent::from_core).collect();
    let owner: Vec<PodEvent> = pod_events.iter().filter(|e| e.object_kind != "Pod").cloned().collect();
    let timeline = pod_timeline(&pod, &pod_events, &owner, now());
    let report = Report {
        kind: "pod",
        namespace: "acme".into(),
        pod: pod.metadata.name.clone().unwrap_or_default(),
        diagnosis,
        timeline,
    };
    document::from_pod(&report)
}

fn deploy_document() -> Document {
    let deploy: Deployment = list::<Deployment>(include_str!("fixtures/real-1.19/deployments-list.json"))
        .into_iter()
        .find(|d| d.metadata.name.as_deref() == Some("orders"))
        .expect("orders deployment");
    let sets: Vec<ReplicaSet> = list(include_str!("fixtures/real-1.19/replicasets-list.json"));
    let events = events();
    let diagnosed: Vec<(Pod, Diagnosis)> = pods()
        .into_iter()
        .map(|p| {
            let d = diagnose(&p, &events, &nodes(), &Related::default(), now());
            (p, d)
        })
        .collect();
    let mut app_events: Vec<PodEvent> = events.iter().map(PodEvent::from_core).collect();
    // One event the API server has dropped since, read back from the recorder.
    let mut kept = app_events
        .iter()
        .find(|e| e.reason == "ScalingReplicaSet" && e.object_name == "orders")
        .cloned()
        .expect("scaling");
    kept.uid = Some("expired".into());
    kept.message = "Scaled down replica set orders-6b8f9c7d5 to 0".into();
    kept.recorded = true;
    app_events.push(kept);
    let app = app_timeline(&deploy, &sets, &diagnosed, &app_events, now());
    let report = DeployReport { kind: "deployment", namespace: "acme".into(), deployment: "orders".into(), app };
    document::from_deploy(&report)
}

fn state() -> State {
    let info = kind_acme("dev");
    State::new(info, Scope::Namespace("acme".into()), now())
}

/// A state with the pane open on `target`, its document delivered as the runtime delivers it.
fn with_pane(target: Target, doc: Document) -> State {
    let mut s = state();
    s.timeline = Some(TimelinePane { target: target.clone(), namespace: "acme".into(), document: None, selected: 0 });
    update(&mut s, Msg::Explained { target, result: Ok(doc) });
    s
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The verdict's row and its colour: the one line a user reads first.
fn verdict_colour(buffer: &Buffer) -> ratatui::style::Color {
    // Row 3 is the pane's first line inside its border (header 2 rows, border 1).
    buffer[(1, 3)].fg
}

#[test]
fn crashing_pod_timeline_80x24() {
    let mut s = with_pane(Target::Pod(orders_pod().metadata.name.unwrap_or_default()), pod_document());
    let buffer = draw(&mut s, 80, 24);
    let screen = text(&buffer);
    insta::assert_snapshot!("timeline_pod_80x24", screen);
    let footer = screen.lines().last().unwrap_or_default();
    assert!(footer.contains("c copy") && footer.contains("Esc close"), "the timeline's own keys: {footer}");
    assert_eq!(verdict_colour(&buffer), Theme::default().status_error, "an error verdict is drawn in red");
    assert!(screen.lines().all(|l| l.chars().count() <= 80));
}

#[test]
fn crashing_pod_timeline_120x40() {
    let mut s = with_pane(Target::Pod(orders_pod().metadata.name.unwrap_or_default()), pod_document());
    let screen = text(&draw(&mut s, 120, 40));
    insta::assert_snapshot!("timeline_pod_120x40", screen);
    assert!(screen.contains("Crashing on start: exit code 1"), "{screen}");
    assert!(screen.contains("$ kubectl logs"), "the selected entry shows its kubectl");
}

#[test]
fn deployment_timeline_80x24() {
    let mut s = with_pane(Target::Deployment("orders".into()), deploy_document());
    let buffer = draw(&mut s, 80, 24);
    insta::assert_snapshot!("timeline_deploy_80x24", text(&buffer));
    assert_eq!(verdict_colour(&buffer), Theme::default().status_error);
}

#[test]
fn deployment_timeline_120x40() {
    let mut s = with_pane(Target::Deployment("orders".into()), deploy_document());
    // The top of the timeline, with the recorded event.
    update(&mut s, key(KeyCode::Home));
    let screen = text(&draw(&mut s, 120, 40));
    insta::assert_snapshot!("timeline_deploy_120x40", screen);
    assert!(screen.contains("Not ready: 0 of 1 pods ready; pod orders-"), "{screen}");
    assert!(screen.contains("[recorded]"), "{screen}");
}

#[test]
fn keys_move_copy_and_close() {
    let doc = pod_document();
    let last = doc.entries.len() - 1;
    let mut s = with_pane(Target::Pod("orders".into()), doc.clone());
    assert_eq!(s.timeline.as_ref().map(|p| p.selected), Some(last), "the cursor starts on the latest entry");
    update(&mut s, key(KeyCode::Char('k')));
    assert_eq!(s.timeline.as_ref().map(|p| p.selected), Some(last - 1));
    let effects = update(&mut s, key(KeyCode::Char('c')));
    assert_eq!(effects, [Effect::Copy(doc.entries[last - 1].kubectl.clone())], "c copies the selected kubectl");
    update(&mut s, key(KeyCode::Char('g')));
    assert_eq!(s.timeline.as_ref().map(|p| p.selected), Some(0));
    update(&mut s, key(KeyCode::Esc));
    assert!(s.timeline.is_none());

    // A late answer for another target does not fill a pane that waits for something else.
    let mut s = state();
    let pane = TimelinePane { target: Target::Pod("a".into()), namespace: "acme".into(), document: None, selected: 0 };
    s.timeline = Some(pane);
    update(&mut s, Msg::Explained { target: Target::Pod("b".into()), result: Ok(doc) });
    assert!(s.timeline.as_ref().is_some_and(|p| p.document.is_none()));
    update(&mut s, Msg::Explained { target: Target::Pod("a".into()), result: Err("pods \"a\" not found".into()) });
    let screen = text(&draw(&mut s, 80, 24));
    assert!(screen.contains("Could not explain it: pods \"a\" not found"), "{screen}");
}
