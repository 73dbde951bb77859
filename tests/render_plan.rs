//! Tier 2: the game plan pane wraps a kubectl line longer than the pane (` \` and an indent, between shell
//! words), so every command is read whole, and the wrapped text pasted runs the same argv; `c` still copies
//! the one line.
use crate::support;

use crossterm::event::{KeyCode, KeyEvent};
use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;
use mosaic::app::actions::selected_actions;
use mosaic::app::plan_pane::LABEL_WIDTH;
use mosaic::app::{Data, Effect, Msg, State, update};
use mosaic::cluster::{Scope, WatchState, WatchUpdate};
use support::screen::{draw, kind_acme, now, text};

const PODS: &str = include_str!("fixtures/real-1.19/pods-list.json");

/// The acme pods listed, the crash-looping `orders` pod selected, the game plan shown.
fn plan_shown(readonly: bool) -> State {
    let mut info = kind_acme("admin");
    info.readonly = readonly;
    let scope = Scope::Namespace("acme".into());
    let mut state = State::new(info, scope.clone(), now());
    update(&mut state, Msg::Resize(80, 24));
    let items = serde_json::from_str::<List<Pod>>(PODS).expect("pods-list.json parses").items;
    for data in [WatchUpdate::State(WatchState::Live), WatchUpdate::Page { items, first: true, last: true }] {
        let epoch = state.epoch;
        update(&mut state, Msg::Data { epoch, scope: scope.clone(), data: Data::Pods(data) });
    }
    for c in "jjjp".chars() {
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    state
}

/// The pane's commands read back from the screen: (key, the wrapped lines), without the key column.
fn commands_on(screen: &str) -> Vec<(String, Vec<String>)> {
    let rows: Vec<&str> = screen.lines().collect();
    let top = rows.iter().position(|r| r.starts_with(" game plan")).expect("the pane is shown");
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for row in &rows[top + 1..rows.len() - 1] {
        let key: String = row.chars().take(LABEL_WIDTH).collect::<String>().trim().to_string();
        let text: String = row.chars().skip(LABEL_WIDTH).collect();
        if text.trim_start().starts_with('✗') || text.starts_with('…') {
            continue;
        }
        let text = text.split("  ✗").next().unwrap_or_default().to_string();
        match out.last_mut() {
            Some((_, lines)) if key.is_empty() => lines.push(text),
            _ => out.push((key, vec![text])),
        }
    }
    out
}

#[test]
fn long_lines_wrap_between_words_and_paste_back_to_the_same_argv() {
    let mut state = plan_shown(false);
    let screen = text(&draw(&mut state, 80, 24));
    insta::assert_snapshot!("game_plan_pod_80x24", screen);
    let ctx = state.plan_ctx();
    let mut plans = vec![("view".to_string(), state.view_action().plan(&ctx))];
    plans.extend(selected_actions(&state).into_iter().map(|(k, a)| (k.to_string(), a.plan(&ctx))));
    let shown = commands_on(&screen);
    assert!(shown.iter().any(|(_, lines)| lines.len() > 1), "some line is long enough to wrap:\n{screen}");
    assert!(shown.len() >= 5, "{screen}");
    for (key, lines) in shown {
        let plan = &plans.iter().find(|(k, _)| *k == key).unwrap_or_else(|| panic!("a plan for {key}")).1;
        assert!(lines[..lines.len() - 1].iter().all(|l| l.ends_with(" \\")), "{lines:#?}");
        let pasted = lines.join("\n").replace(" \\\n", "");
        assert_eq!(shell_words::split(&pasted).expect("the wrapped text parses"), plan.argv, "{key}: {lines:#?}");
    }
    // `c` copies the view's line as one line, exactly.
    let effects = update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('c'))));
    let copied = effects.iter().find_map(|e| if let Effect::Copy(text) = e { Some(text.clone()) } else { None });
    assert_eq!(copied.as_deref(), Some(plans[0].1.command.as_str()));
}

/// Refused actions stay shown, dimmed, with why on their last line or below it when that line is full.
#[test]
fn refused_actions_say_why_after_their_wrapped_command() {
    let mut state = plan_shown(true);
    let screen = text(&draw(&mut state, 80, 24));
    assert!(screen.contains("✗ read-only mode"), "{screen}");
    insta::assert_snapshot!("game_plan_pod_readonly_80x24", screen);
}
