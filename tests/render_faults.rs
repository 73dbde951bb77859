//! Tier 2: render snapshots of the `:faults` list at 80x24 and 120x40, on the acme fixture cluster (a real
//! v1.19 control plane's objects): the ranked rows, the severity colours, the selected verdict, the game plan
//! and what could not be checked.
use crate::support;

use k8s_openapi::List;
use k8s_openapi::api::core::v1::Node;
use mosaic::analysis::faults::{Report, Snapshot, Unchecked, find};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::Scope;
use mosaic::ui::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use support::screen::{draw, kind_acme, text};

fn fixture<T: k8s_openapi::ListableResource + serde::de::DeserializeOwned>(file: &str) -> Vec<T> {
    let path = format!("{}/tests/fixtures/real-1.19/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_json::from_str::<List<T>>(&text).expect("fixture parses").items
}

fn now() -> jiff::Timestamp {
    "2026-11-22T04:00:00Z".parse().expect("timestamp")
}

fn report(unchecked: Vec<Unchecked>) -> Report {
    // node-b short of memory, for a warning among the criticals.
    let mut nodes: Vec<Node> = fixture("nodes-list.json");
    for c in nodes[1].status.as_mut().and_then(|s| s.conditions.as_mut()).expect("conditions") {
        if c.type_ == "MemoryPressure" {
            c.status = "True".into();
        }
    }
    let snapshot = Snapshot {
        context: Some("kind-acme".into()),
        now: now(),
        pods: Some(fixture("pods-list.json")),
        deployments: Some(fixture("deployments-list.json")),
        services: Some(fixture("services-list.json")),
        endpoints: Some(fixture("endpoints-list.json")),
        nodes: Some(nodes),
        events: Some(fixture("events-core-v1.json")),
        ..Snapshot::default()
    };
    Report {
        context: "kind-acme".into(),
        namespace: Some("acme".into()),
        faults: find(&snapshot),
        checked: vec!["pods".into(), "deployments".into(), "services".into(), "endpoints".into(), "nodes".into()],
        unchecked,
    }
}

/// `:faults` typed in the acme namespace, and the fetch answered with `report`.
fn opened(report: Report) -> State {
    let info = kind_acme("admin");
    let mut state = State::new(info, Scope::Namespace("acme".into()), now());
    update(&mut state, Msg::Resize(80, 24));
    let mut effects = Vec::new();
    for key in ":faults".chars() {
        effects.extend(update(&mut state, key_msg(crossterm::event::KeyCode::Char(key))));
    }
    effects.extend(update(&mut state, key_msg(crossterm::event::KeyCode::Enter)));
    let asked = effects.iter().find_map(|e| match e {
        Effect::Faults { epoch, namespace } => Some((*epoch, namespace.clone())),
        _ => None,
    });
    assert_eq!(asked, Some((state.epoch, Some("acme".to_string()))), "`:faults` asks for one fetch: {effects:?}");
    let epoch = state.epoch;
    update(&mut state, Msg::Faults { epoch, result: Ok(report) });
    state
}

fn key_msg(code: crossterm::event::KeyCode) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE))
}

/// Each row's severity word and its colour: what tells a user at a glance how bad it is.
fn severity_colours(buffer: &Buffer) -> Vec<(String, Color)> {
    let area = buffer.area;
    (0..area.height)
        .filter_map(|y| {
            let x = 2;
            let word: String = (x..x + 8).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim().to_string();
            matches!(word.as_str(), "critical" | "warning").then(|| (word, buffer[(x, y)].fg))
        })
        .collect()
}

#[test]
fn fault_list_80x24() {
    let mut state = opened(report(Vec::new()));
    let buffer = draw(&mut state, 80, 24);
    insta::assert_snapshot!("fault_list_80x24", text(&buffer));
}

#[test]
fn fault_list_120x40_with_plan_and_what_could_not_be_checked() {
    let unchecked = vec![Unchecked {
        resource: "cronjobs".into(),
        reason: "cronjobs.batch is forbidden: User \"dev\" cannot list resource \"cronjobs\"".into(),
        can_i: Some("kubectl auth can-i list cronjobs.batch -n acme --context kind-acme".into()),
    }];
    let mut state = opened(report(unchecked));
    update(&mut state, key_msg(crossterm::event::KeyCode::Char('j')));
    update(&mut state, key_msg(crossterm::event::KeyCode::Char('p')));
    let buffer = draw(&mut state, 120, 40);
    insta::assert_snapshot!("fault_list_120x40_plan", text(&buffer));
}

#[test]
fn severities_take_the_theme_status_colours() {
    let mut state = opened(report(Vec::new()));
    let buffer = draw(&mut state, 120, 40);
    let theme = Theme::default();
    let colours = severity_colours(&buffer);
    assert!(colours.len() >= 5, "{colours:?}");
    // The first row is selected (selection colours); every other row shows its severity's colour.
    for (word, colour) in colours.iter().skip(1) {
        let want = if word == "critical" { theme.status_error } else { theme.status_warning };
        assert_eq!(*colour, want, "{word}");
    }
    assert!(colours.iter().any(|(w, _)| w == "warning"), "the acme fixture has warnings too: {colours:?}");
}

#[test]
fn the_filter_narrows_the_list_and_esc_clears_it() {
    let mut state = opened(report(Vec::new()));
    for key in "/service".chars() {
        update(&mut state, key_msg(crossterm::event::KeyCode::Char(key)));
    }
    let screen = text(&draw(&mut state, 120, 40));
    assert!(screen.contains("Service  billing"), "{screen}");
    assert!(!screen.contains("Pod    "), "only services match: {screen}");
    update(&mut state, key_msg(crossterm::event::KeyCode::Enter));
    update(&mut state, key_msg(crossterm::event::KeyCode::Esc));
    let screen = text(&draw(&mut state, 120, 40));
    assert!(screen.contains("Pod    "), "{screen}");
    update(&mut state, key_msg(crossterm::event::KeyCode::Esc));
    assert!(state.faults.is_none(), "Esc with no filter closes the list");
}

#[test]
fn enter_opens_the_explanation_the_list_view_or_the_detail() {
    use crossterm::event::KeyCode;
    let mut state = opened(report(Vec::new()));
    let pick = |state: &mut State, needle: &str| {
        update(state, key_msg(KeyCode::Char('g')));
        let rows: Vec<String> =
            state.faults.as_ref().expect("open").rows().iter().map(|f| format!("{:?} {}", f.kind, f.name)).collect();
        let at = rows.iter().position(|r| r.starts_with(needle)).unwrap_or_else(|| panic!("{needle} in {rows:?}"));
        for _ in 0..at {
            update(state, key_msg(KeyCode::Char('j')));
        }
        update(state, key_msg(KeyCode::Enter))
    };

    // A pod: the explanation pane of `t`, over the list; Esc returns to the list.
    let effects = pick(&mut state, "Pod orders-");
    let target = mosaic::explain_cmd::Target::Pod("orders-d88d6dc55-rp9zx".into());
    assert!(effects.contains(&Effect::Explain { namespace: "acme".into(), target }));
    assert_eq!(state.timeline.as_ref().map(|p| p.title()), Some("Why? pod orders-d88d6dc55-rp9zx".to_string()));
    update(&mut state, key_msg(KeyCode::Esc));
    assert!(state.timeline.is_none() && state.faults.is_some());

    // A node: its verdict, what it means and the next check, in a pane; `c` copies the command.
    pick(&mut state, "Node node-c");
    let pane = state.pane.clone().expect("detail pane");
    assert_eq!(pane.title, "Node node-c");
    assert_eq!(pane.lines.last().map(String::as_str), Some("kubectl describe node node-c --context kind-acme"));
    let effects = update(&mut state, key_msg(KeyCode::Char('c')));
    assert!(effects.contains(&Effect::Copy("kubectl describe node node-c --context kind-acme".into())), "{effects:?}");
    update(&mut state, key_msg(KeyCode::Esc));

    // `r` checks again: one fetch, while the last answer stays on screen; a tick asks nothing.
    let effects = update(&mut state, key_msg(KeyCode::Char('r')));
    assert_eq!(effects.iter().filter(|e| matches!(e, Effect::Faults { .. })).count(), 1, "{effects:?}");
    assert!(state.faults.as_ref().is_some_and(|f| f.loading && f.report.is_some()));
    let effects = update(&mut state, Msg::Tick);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Faults { .. })), "nothing polls");

    // A Service: its list view, with the cursor asked to land on it.
    pick(&mut state, "Service billing");
    assert!(state.faults.is_none());
    assert_eq!(state.view.kind, mosaic::cluster::Kind::Service);
    assert_eq!(state.view.selected_key, Some(("acme".to_string(), "billing".to_string())));
}
