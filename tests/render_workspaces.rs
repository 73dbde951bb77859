//! Tier 2: render snapshots of the workspace screens (the `:ws` manager and editor, the workspace view's
//! cards, the bind screen, the match screen) at 80x24 and 120x40, on the real 1.19 fixtures; and the keys
//! that move between them.
use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::app::workspaces::{Screen, WsEffect, WsMsg};
use mosaic::app::{ContextInfo, Effect, Msg, State, update};
use mosaic::cluster::{Kind, Scope};
use mosaic::ui::Theme;
use support::screen::{draw, now, text};

use support::workspaces::*;

#[test]
fn workspace_view_shows_each_app_with_its_rollout_pods_service_and_commit() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = apps_state(w, h);
        let screen = text(&draw(&mut s, w, h));
        insta::assert_snapshot!(format!("workspace_view_{w}x{h}"), screen);
        let footer = screen.lines().last().unwrap_or_default();
        assert!(footer.ends_with("Esc close") && footer.contains("? help"), "the way out is hinted: {footer}");
    }
    let s = apps_state(120, 40);
    let card = |name: &str| s.ws.cards.iter().find(|c| c.name == name).expect(name).clone();
    assert_eq!(card("frontend").deployed.expect("frontend has an answer").head.word(), "yes");
    assert_eq!(card("orders").deployed.expect("orders has an answer").head.word(), "no");
    assert_eq!(card("frontend").services, ["frontend"]);
    assert_eq!(card("frontend").pods.len(), 2);
    assert!(card("billing").deployed.is_none(), "a missing repo gives no answer");
    assert_eq!(card("search").rollout.word(), "progressing");
}

#[test]
fn the_card_says_commit_deployed_yes_and_no_in_words() {
    let mut s = apps_state(120, 40);
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("main 3f2a9c1 · commit deployed: yes · repo /src/acme/frontend"), "{screen}");
    assert!(screen.contains("main 3f2a9c1, 2 changed · commit deployed: no (running 9d8c7b6)"), "{screen}");
    assert!(screen.contains("repo /src/old/billing is missing"), "{screen}");
    assert!(screen.contains("svc frontend.acme.svc.cluster.local"), "{screen}");
}

#[test]
fn workspace_manager_and_editor() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = apps_state(w, h);
        press(&mut s, "w");
        assert!(matches!(s.ws.screen, Some(Screen::Manager { selected: 0, .. })));
        insta::assert_snapshot!(format!("workspace_manager_{w}x{h}"), text(&draw(&mut s, w, h)));
        press(&mut s, "e");
        insta::assert_snapshot!(format!("workspace_editor_{w}x{h}"), text(&draw(&mut s, w, h)));
    }
}

#[test]
fn bind_screen() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = apps_state(w, h);
        // reports is unbound: the form starts with its image's repository.
        press(&mut s, "jjjb");
        insta::assert_snapshot!(format!("bind_screen_{w}x{h}"), text(&draw(&mut s, w, h)));
    }
}

#[test]
fn binding_from_the_bind_screen_asks_the_store() {
    let mut s = apps_state(120, 40);
    press(&mut s, "jjjb");
    press(&mut s, "/src/acme/reports");
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let Some(Effect::Ws(WsEffect::Bind(bindings))) = effects.iter().find(|e| matches!(e, Effect::Ws(_))) else {
        panic!("no binding saved: {effects:?}");
    };
    assert_eq!(bindings[0].name, "reports");
    assert_eq!(bindings[0].repo_path.as_deref(), Some(std::path::Path::new("/src/acme/reports")));
    assert_eq!(bindings[0].image_repo.as_deref(), Some("ghcr.io/acme/reports"));
    assert!(s.ws.form.is_none());
}

#[test]
fn an_image_with_a_tag_is_refused_in_the_bind_screen() {
    let mut s = apps_state(120, 40);
    press(&mut s, "jjjb");
    update(&mut s, Msg::Key(code(KeyCode::Tab)));
    press(&mut s, ":1.0");
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Ws(WsEffect::Bind(_)))));
    let error = s.ws.form.as_ref().and_then(|f| f.error.clone()).expect("the form says why");
    assert!(error.contains("without a tag"), "{error}");
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("not an image repository"), "{screen}");
}

#[test]
fn the_workspace_editor_refuses_a_bad_selector_and_saves_a_good_one() {
    let mut s = apps_state(120, 40);
    press(&mut s, "wn");
    press(&mut s, "web");
    for _ in 0..3 {
        update(&mut s, Msg::Key(code(KeyCode::Tab)));
    }
    press(&mut s, "app in web");
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Ws(_))), "{effects:?}");
    assert!(s.ws.form.as_ref().and_then(|f| f.error.as_deref()).is_some_and(|e| e.contains("app in web")));
    for _ in 0.."app in web".len() {
        update(&mut s, Msg::Key(code(KeyCode::Backspace)));
    }
    press(&mut s, "app=frontend; tier=web");
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let Some(Effect::Ws(WsEffect::Save { workspace, open: true })) = effects.first() else {
        panic!("not saved: {effects:?}");
    };
    assert_eq!(workspace.name, "web");
    assert_eq!(workspace.filters.label_selectors_allow, ["app=frontend", "tier=web"]);
    assert!(!workspace.is_default, "the context has a default already");
}

#[test]
fn enter_on_a_card_lists_the_apps_pods_and_esc_comes_back() {
    let mut s = apps_state(120, 40);
    press(&mut s, "j");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    assert!(s.ws.screen.is_none());
    assert_eq!(s.view.kind, Kind::Pod);
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("Pods of app frontend (acme) · Tab next list · T timeline [2]"), "{screen}");
    assert_eq!(s.index.keys.len(), 2);
    assert!(s.index.keys.iter().all(|(_, name)| name.starts_with("frontend-")), "{:?}", s.index.keys);
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(matches!(s.ws.screen, Some(Screen::Apps { selected: 1 })));
    assert!(s.view.app.is_none());
}

#[test]
fn deleting_a_workspace_asks_first() {
    let mut s = apps_state(120, 40);
    press(&mut s, "wj");
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)));
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("Delete workspace payments?"), "{screen}");
    let effects = press(&mut s, "n");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Ws(WsEffect::Delete { .. }))));
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)));
    let effects = press(&mut s, "y");
    assert!(effects.contains(&Effect::Ws(WsEffect::Delete { context: CONTEXT.into(), name: "payments".into() })));
}

#[test]
fn first_run_offers_a_workspace_from_the_contexts_namespace() {
    let info = ContextInfo { context: CONTEXT.into(), namespace: "acme".into(), ..ContextInfo::default() };
    let mut s = State::new(info, Scope::Namespace("acme".into()), now());
    let effects = update(&mut s, Msg::Resize(120, 40));
    assert!(effects.contains(&Effect::Ws(WsEffect::Load { context: CONTEXT.into() })));
    let view_line = |s: &mut State| text(&draw(s, 120, 40)).lines().nth(1).unwrap_or_default().to_string();
    assert!(!view_line(&mut s).contains("W makes"), "nothing is offered before the store answered");
    update(&mut s, Msg::Ws(WsMsg::Workspaces { context: CONTEXT.into(), result: Ok(Vec::new()) }));
    let line = view_line(&mut s);
    assert!(line.contains("no workspace yet: W makes one of namespace acme"), "{line}");
    assert_eq!(s.notice(), None, "the offer never moves the list down");
    let effects = press(&mut s, "W");
    let Some(Effect::Ws(WsEffect::Save { workspace, open: true })) = effects.first() else {
        panic!("not saved: {effects:?}");
    };
    assert!(workspace.is_default);
    assert_eq!(workspace.filters.namespaces_allow, ["acme"]);
    assert!(!view_line(&mut s).contains("W makes"), "the offer is gone once taken");
}

#[test]
fn match_screen_lists_proposals_to_accept_edit_or_skip() {
    use mosaic::git::matching::Proposal;
    let mut s = apps_state(120, 40);
    press(&mut s, "M");
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let Some(Effect::Ws(WsEffect::Match { root, apps })) = effects.iter().find(|e| matches!(e, Effect::Ws(_))) else {
        panic!("no match asked: {effects:?}");
    };
    assert_eq!(root, "~/src", "the placeholder is the default root");
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["reports", "search"], "only unbound apps");
    let proposal = Proposal {
        app: apps[0].clone(),
        repo_path: "/home/ada/src/acme-reports".into(),
        image_repo: Some("ghcr.io/acme/reports".into()),
        score: 80,
        reason: "app name reports matches repo folder acme-reports".into(),
    };
    update(&mut s, Msg::Ws(WsMsg::Proposals { root: root.clone(), result: Ok(vec![proposal]) }));
    insta::assert_snapshot!("match_screen_120x40", text(&draw(&mut s, 120, 40)));
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let Some(Effect::Ws(WsEffect::Bind(bindings))) = effects.iter().find(|e| matches!(e, Effect::Ws(_))) else {
        panic!("not saved: {effects:?}");
    };
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].repo_path.as_deref(), Some(std::path::Path::new("/home/ada/src/acme-reports")));
}

/// The pod strip is coloured by pod health: frontend's running pods are not drawn like orders' failing one.
#[test]
fn the_pod_strip_is_coloured_by_health() {
    let mut s = apps_state(120, 40);
    let buffer = draw(&mut s, 120, 40);
    let theme = Theme::default();
    let strip = |app: &str| -> Vec<ratatui::style::Color> {
        let y = (0..40)
            .find(|y| (0..120).map(|x| buffer[(x, *y)].symbol()).collect::<String>().contains(&format!(" {app} ")));
        let y = y.unwrap_or_else(|| panic!("{app} on screen"));
        (0..120).filter(|x| buffer[(*x, y)].symbol() == "■").map(|x| buffer[(x, y)].fg).collect()
    };
    let frontend = strip("frontend");
    assert_eq!(frontend.len(), 2);
    assert!(frontend.iter().all(|c| *c == theme.status_ok), "{frontend:?}");
    let orders = strip("orders");
    assert_eq!(orders.len(), 1);
    assert_ne!(orders[0], theme.status_ok, "orders' pod is not ready");
}
