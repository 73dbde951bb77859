//! Tier 2: an app's history (Tab after its Services in an app opened from :apps): the list at 80x24 and 120x40
//! with each result's word and colour, an entry opened whole, `c` copying its kubectl line, and the empty and
//! unreadable states in words.
use crate::support;

use crossterm::event::KeyCode;
use mosaic::app::workspaces::{WsEffect, WsMsg};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::Kind;
use mosaic::store::{TranscriptEntry, TranscriptTarget};
use mosaic::ui::Theme;
use support::screen::{draw, text};
use support::workspaces::*;

fn at(time: &str) -> jiff::Timestamp {
    format!("2026-11-22T{time}Z").parse().expect("time")
}

fn entry(time: &str, summary: &str, command: &str, ok: bool, dry_run: bool, outcome: &str) -> TranscriptEntry {
    TranscriptEntry {
        session: "s-1".into(),
        at: at(time),
        context: CONTEXT.into(),
        command: command.into(),
        summary: summary.into(),
        dry_run,
        ok,
        outcome: outcome.into(),
        output: None,
        target: Some(TranscriptTarget {
            namespace: "acme".into(),
            kind: "deployment".into(),
            name: "frontend".into(),
            app: Some("deployment/frontend".into()),
        }),
    }
}

fn history() -> Vec<TranscriptEntry> {
    let k = "kubectl --context kind-acme -n acme";
    let mut exec = entry(
        "03:33:10",
        "Run env in pod frontend-6b7f4c9d8-abcde (container frontend)",
        &format!("{k} exec frontend-6b7f4c9d8-abcde -c frontend -- env"),
        true,
        false,
        "env exited 0",
    );
    exec.output = Some("PATH=/usr/local/bin:/usr/bin\nPORT=8080\nAPI_TOKEN=<redacted>".into());
    exec.target = Some(TranscriptTarget {
        namespace: "acme".into(),
        kind: "pod".into(),
        name: "frontend-6b7f4c9d8-abcde".into(),
        app: Some("deployment/frontend".into()),
    });
    vec![
        exec,
        entry(
            "03:32:00",
            "Restart every pod of deployment frontend in acme",
            &format!("{k} rollout restart deployment/frontend"),
            true,
            false,
            "Restarted deployment frontend in acme: its pods are replaced as its rollout strategy allows",
        ),
        entry(
            "03:20:00",
            "Scale deployment frontend in acme to 3 replicas (now 2)",
            &format!("{k} scale deployment/frontend --replicas=3"),
            true,
            true,
            "Would scale deployment frontend in acme to 3 replicas (was 2) (server dry run: nothing was changed)",
        ),
        entry(
            "01:05:00",
            "Set the image of container frontend of deployment frontend in acme to ghcr.io/acme/frontend:3f2a9c1",
            &format!("{k} set image deployment/frontend frontend=ghcr.io/acme/frontend:3f2a9c1"),
            false,
            false,
            "Forbidden: deployments.apps \"frontend\" is forbidden: User \"dev\" cannot patch resource \
             \"deployments\" in API group \"apps\" in the namespace \"acme\"",
        ),
    ]
}

/// frontend opened from its card, Tab to its history; the effect the runtime would carry out, and the state.
fn opened(width: u16, height: u16) -> (State, Vec<Effect>) {
    let mut s = apps_state(width, height);
    press(&mut s, "j");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let mut effects = Vec::new();
    for _ in 0..3 {
        effects.extend(update(&mut s, Msg::Key(code(KeyCode::Tab))));
    }
    (s, effects)
}

fn loaded(width: u16, height: u16, result: Result<Vec<TranscriptEntry>, String>) -> State {
    let (mut s, _) = opened(width, height);
    let apps = vec!["deployment/frontend".to_string(), "service/frontend".to_string()];
    update(&mut s, Msg::Ws(WsMsg::History { namespace: "acme".into(), apps, result }));
    s
}

#[test]
fn tab_after_the_services_asks_for_the_apps_history_and_its_services() {
    let (mut s, effects) = opened(120, 40);
    assert_eq!(s.view.kind, Kind::Service, "the Services stay under the history");
    let asked = effects.iter().find(|e| matches!(e, Effect::Ws(WsEffect::LoadHistory { .. }))).expect("asked");
    assert_eq!(
        asked,
        &Effect::Ws(WsEffect::LoadHistory {
            context: CONTEXT.into(),
            namespace: "acme".into(),
            apps: vec!["deployment/frontend".into(), "service/frontend".into()],
        })
    );
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("Loading…"), "{screen}");
}

#[test]
fn history_list_80x24() {
    let mut s = loaded(80, 24, Ok(history()));
    insta::assert_snapshot!(text(&draw(&mut s, 80, 24)));
}

#[test]
fn history_list_120x40() {
    let mut s = loaded(120, 40, Ok(history()));
    let buffer = draw(&mut s, 120, 40);
    insta::assert_snapshot!(text(&buffer));
    // The result word carries the verdict's colour: done green, dry run pending, failed red.
    let theme = Theme::default();
    let colour_of = |word: &str| {
        let y = (0..40).find(|y| (0..120).map(|x| buffer[(x, *y)].symbol()).collect::<String>().contains(word));
        let y = y.unwrap_or_else(|| panic!("{word} on screen"));
        let x = (0..120).find(|x| buffer[(*x, y)].symbol() == word.chars().next().unwrap().to_string()).expect("x");
        buffer[(x, y)].fg
    };
    assert_eq!(colour_of("✓ done"), theme.status_ok);
    assert_eq!(colour_of("✓ dry run"), theme.status_pending);
    assert_eq!(colour_of("✗ failed"), theme.status_error);
}

#[test]
fn an_entry_opened_whole_and_its_kubectl_copied() {
    let mut s = loaded(80, 24, Ok(history()));
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    insta::assert_snapshot!(text(&draw(&mut s, 80, 24)));
    let effects = press(&mut s, "c");
    assert_eq!(
        effects,
        vec![Effect::Copy(
            "kubectl --context kind-acme -n acme exec frontend-6b7f4c9d8-abcde -c frontend -- env".into()
        )]
    );
    // Esc closes the entry, then the history; the app's Services are still there.
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(s.ws.history.as_ref().is_some_and(|h| !h.open));
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(s.ws.history.is_none());
    assert_eq!(s.view.kind, Kind::Service);
    assert!(s.view.app.is_some());
}

#[test]
fn the_failed_entry_opened_shows_the_servers_words() {
    let mut s = loaded(120, 40, Ok(history()));
    press(&mut s, "G");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    insta::assert_snapshot!(text(&draw(&mut s, 120, 40)));
}

#[test]
fn tab_in_the_history_goes_round_to_the_pods() {
    let mut s = loaded(120, 40, Ok(history()));
    update(&mut s, Msg::Key(code(KeyCode::Tab)));
    assert!(s.ws.history.is_none());
    assert_eq!(s.view.kind, Kind::Pod);
    assert!(s.view.app.as_ref().is_some_and(|a| a.name == "frontend"));
}

#[test]
fn an_empty_history_says_what_to_do() {
    let mut s = loaded(80, 24, Ok(Vec::new()));
    let screen = text(&draw(&mut s, 80, 24));
    assert!(screen.contains("mosaic has not changed frontend yet; on its card (Esc) s scales, r"), "{screen}");
    assert!(screen.contains("restarts"), "{screen}");
}

#[test]
fn a_locked_store_says_so_in_the_pane() {
    let why = "Could not read the history: the database /data/mosaic.db is locked by another process (another \
               mosaic?); changes are not saved until it is released";
    let mut s = loaded(80, 24, Err(why.into()));
    let screen = text(&draw(&mut s, 80, 24));
    assert!(screen.contains("Could not read the history: the database"), "{screen}");
    assert!(screen.contains("only the history cannot be shown"), "{screen}");
    // Keys still work: nothing to open, nothing to copy, Esc closes.
    press(&mut s, "c");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(s.ws.history.is_none());
}

#[test]
fn a_late_answer_for_another_app_is_dropped() {
    let (mut s, _) = opened(80, 24);
    let apps = vec!["deployment/orders".to_string()];
    update(&mut s, Msg::Ws(WsMsg::History { namespace: "acme".into(), apps, result: Ok(history()) }));
    assert!(s.ws.history.as_ref().is_some_and(|h| h.entries.is_none()), "still loading its own");
}
