//! Tier 2: the HTTP sender (`H`) on a TestBackend: the form aimed at the selected pod, the exact request it
//! asks the runtime to send, the answer pane, and the history with its replay.
use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;
use mosaic::action::{HttpExchange, HttpSend};
use mosaic::app::http::{HttpEffect, HttpMsg};
use mosaic::app::{Data, Effect, Msg, State, update};
use mosaic::cluster::{Scope, WatchState, WatchUpdate};
use mosaic::store::HttpRecord;
use support::screen::{draw, kind_acme, now, text};

const PODS: &str = include_str!("fixtures/real-1.19/pods-list.json");

fn pods_state() -> State {
    let info = kind_acme("admin");
    let scope = Scope::Namespace("acme".into());
    let mut state = State::new(info, scope.clone(), now());
    update(&mut state, Msg::Resize(80, 24));
    let items = serde_json::from_str::<List<Pod>>(PODS).expect("pods").items;
    for data in [WatchUpdate::State(WatchState::Live), WatchUpdate::Page { items, first: true, last: true }] {
        let epoch = state.epoch;
        update(&mut state, Msg::Data { epoch, scope: scope.clone(), data: Data::Pods(data) });
    }
    state
}

fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, modifiers)))
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn screen(state: &mut State, width: u16, height: u16) -> String {
    text(&draw(state, width, height))
}

fn sends(effects: &[Effect]) -> Vec<&HttpSend> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Http(HttpEffect::Send { request, .. }) => Some(request),
            _ => None,
        })
        .collect()
}

/// The first pod of the fixture (billing, 10.244.1.13, port 8080) with the sender open on it.
fn opened() -> (State, Vec<Effect>) {
    let mut state = pods_state();
    let effects = press(&mut state, KeyCode::Char('H'), KeyModifiers::SHIFT);
    assert!(state.http.is_some(), "H opens the sender");
    (state, effects)
}

#[test]
fn h_opens_the_form_aimed_at_the_pod_and_loads_its_history() {
    let (mut state, effects) = opened();
    assert_eq!(
        effects,
        vec![Effect::Http(HttpEffect::LoadHistory {
            context: "kind-acme".into(),
            namespace: "acme".into(),
            app: "pod/billing-58d786c4c-5h99d".into(),
        })]
    );
    insta::assert_snapshot!("http_sender_form_80x24", screen(&mut state, 80, 24));
}

#[test]
fn the_form_sends_exactly_what_was_typed() {
    let (mut state, _) = opened();
    typed(&mut state, "items?x=1");
    press(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    typed(&mut state, "X-Trace: abc");
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    typed(&mut state, "Accept: application/json");
    press(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    typed(&mut state, "{\"n\": 1}");
    press(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    for _ in 0..3 {
        press(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
    }
    typed(&mut state, "put");
    let effects = press(&mut state, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(
        sends(&effects),
        vec![&HttpSend {
            method: "PUT".into(),
            url: "http://10.244.1.13:8080/items?x=1".into(),
            headers: vec![("X-Trace".into(), "abc".into()), ("Accept".into(), "application/json".into())],
            body: "{\"n\": 1}".into(),
        }]
    );
    // A second Ctrl-s while the first is on its way sends nothing more.
    assert!(sends(&press(&mut state, KeyCode::Char('s'), KeyModifiers::CONTROL)).is_empty());
    insta::assert_snapshot!("http_sender_sending_80x24", screen(&mut state, 80, 24));
}

fn exchange() -> HttpExchange {
    HttpExchange::parse(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\nServer: billing/1.2.0\r\n\r\n\
         {\"app\":\"billing\",\"pod\":\"billing-58d786c4c-5h99d\",\"ready\":true}\n\
         \nmosaic-http\t200\t0.002134\t0\t\n",
    )
}

#[test]
fn the_answer_pane_shows_status_headers_and_body() {
    let (mut state, _) = opened();
    typed(&mut state, "healthz");
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    update(&mut state, Msg::Http(HttpMsg::Answer(Ok(exchange()))));
    insta::assert_snapshot!("http_sender_answer_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("http_sender_answer_120x40", screen(&mut state, 120, 40));
    update(
        &mut state,
        Msg::Http(HttpMsg::Answer(Err(
            "User \"dev\" may not create pods in namespace \"acme\". Nothing was changed.".into()
        ))),
    );
    let failed = screen(&mut state, 120, 40);
    assert!(failed.contains("Not sent") && failed.contains("may not create pods"), "{failed}");
}

#[test]
fn the_history_lists_and_replays() {
    let (mut state, _) = opened();
    let record = |method: &str, path: &str, summary: &str| HttpRecord {
        context: "kind-acme".into(),
        namespace: "acme".into(),
        app: "pod/billing-58d786c4c-5h99d".into(),
        method: method.into(),
        url: format!("http://10.244.1.13:8080{path}"),
        headers: vec![("Accept".into(), "*/*".into())],
        body: String::new(),
        status: Some(200),
        summary: summary.into(),
        at: now(),
    };
    update(
        &mut state,
        Msg::Http(HttpMsg::History(vec![
            record("GET", "/healthz", "200 OK in 2 ms"),
            record("DELETE", "/items/1", "405 Method Not Allowed in 2 ms"),
        ])),
    );
    press(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL);
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    insta::assert_snapshot!("http_sender_history_80x24", screen(&mut state, 80, 24));
    let effects = press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        sends(&effects),
        vec![&HttpSend {
            method: "DELETE".into(),
            url: "http://10.244.1.13:8080/items/1".into(),
            headers: vec![("Accept".into(), "*/*".into())],
            body: String::new(),
        }]
    );
    // Esc closes the sender.
    press(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert!(state.http.is_none());
}
