//! Tier 3: an app's history through the app loop (the binary's update function and runtime, transcript in an
//! in-memory store) against the simulated demo cluster: actions on an app and on one of its pods are listed,
//! newest first, with their outcome; an action on another app is not.
use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::app::state::Check;
use mosaic::app::workspaces::Screen;
use mosaic::app::{Mode, Msg};
use mosaic::cluster::Kind;
use mosaic::sim::{Scenario, SimOptions, SimServer};
use support::headless::{Headless, synced};
use support::screen::{paint, text};

/// The action the open confirmation shows, once the server said yes, run with `y`; its outcome's flash.
async fn confirm(ui: &mut Headless) -> String {
    ui.until("the confirmation, allowed", |s| matches!(&s.mode, Mode::Confirm(c) if c.check == Check::Allowed)).await;
    ui.press('y');
    ui.until("the outcome", |s| matches!(s.mode, Mode::Normal) && s.flash.is_some()).await;
    let flash = ui.state.flash.clone().expect("flash");
    assert!(!flash.error, "{}", flash.text);
    flash.text
}

fn select_card(ui: &mut Headless, name: &str) {
    let at = ui.state.ws.cards.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("a card for {name}"));
    ui.state.ws.screen = Some(Screen::Apps { selected: at });
}

#[tokio::test]
async fn the_history_lists_what_was_done_to_the_app_and_its_pods_but_not_to_another_app() {
    let sim = SimServer::start(Scenario::demo(), SimOptions::default()).await.expect("sim starts");
    let mut ui = Headless::open(&sim, "admin", "shop", false).await;
    ui.send(Msg::Resize(120, 40));
    ui.press(':');
    ui.type_text("apps");
    ui.enter();
    ui.until("the cards of cart and storefront", |s| {
        ["cart", "storefront"].iter().all(|n| s.ws.cards.iter().any(|c| c.name == *n))
    })
    .await;

    // Another app first: it must stay out of cart's history.
    select_card(&mut ui, "storefront");
    ui.press('r');
    confirm(&mut ui).await;
    select_card(&mut ui, "cart");
    ui.press('r');
    let restarted = confirm(&mut ui).await;
    assert!(restarted.starts_with("Restarted deployment cart"), "{restarted}");

    // Then one of cart's pods, from the app's pod list: the pod's app is read from the pod before it goes.
    ui.enter();
    ui.until("cart's pods", |s| synced(s) && s.view.kind == Kind::Pod && !s.index.keys.is_empty()).await;
    let pod = ui.state.index.keys[0].1.clone();
    assert!(pod.starts_with("cart-"), "{pod}");
    ui.send(Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)));
    confirm(&mut ui).await;

    for _ in 0..3 {
        ui.key(KeyCode::Tab);
    }
    ui.until("cart's history", |s| s.ws.history.as_ref().is_some_and(|h| h.entries.is_some())).await;
    let history = ui.state.ws.history.clone().expect("the history pane");
    let entries = history.entries.clone().expect("answered").expect("read");
    let commands: Vec<&str> = entries.iter().map(|e| e.command.as_str()).collect();
    assert_eq!(entries.len(), 2, "cart's two actions, not storefront's: {commands:#?}");
    assert!(commands[0].ends_with(&format!("delete pod {pod}")), "newest first: {commands:#?}");
    assert!(commands[1].ends_with("rollout restart deployment/cart"), "{commands:#?}");
    assert!(entries.iter().all(|e| e.ok && !e.dry_run), "{entries:#?}");
    assert!(entries[1].outcome.starts_with("Restarted deployment cart"), "{}", entries[1].outcome);
    let target = entries[0].target.as_ref().expect("a target");
    assert_eq!((target.kind.as_str(), target.name.as_str()), ("pod", pod.as_str()));
    assert_eq!(target.app.as_deref(), Some("deployment/cart"), "the pod's owner, through its ReplicaSet");

    let screen = text(&paint(&ui.state, 120, 40));
    assert!(screen.contains("History of deployment cart in shop"), "{screen}");
    assert!(screen.contains("✓ done"), "{screen}");
    assert!(screen.contains("rollout restart deployment/cart"), "{screen}");
    assert!(!screen.contains("storefront"), "{screen}");

    // The store keeps storefront's own.
    let storefront =
        ui.store.app_history("sim-admin", "shop", vec!["deployment/storefront".into()]).await.expect("reads");
    assert_eq!(storefront.len(), 1);
}

#[tokio::test]
async fn each_stage_of_a_build_is_recorded_in_the_apps_history_as_it_ends() {
    use mosaic::git::pipeline::{Event, Stage, StageKind};
    use mosaic::runtime::history::StageRecorder;
    use mosaic::store::TranscriptTarget;
    let store = mosaic::store::in_memory();
    let stage = |kind, command: &str| Stage {
        kind,
        argv: command.split(' ').map(str::to_string).collect(),
        command: command.into(),
        blocked: None,
    };
    let recorder = StageRecorder {
        store: store.clone(),
        session_id: "s-1".into(),
        context: "sim-admin".into(),
        stages: vec![
            stage(StageKind::Build, "docker build -t registry.local/cart:3f2a9c1 -f Dockerfile ."),
            stage(StageKind::Push, "docker push registry.local/cart:3f2a9c1"),
        ],
        target: TranscriptTarget {
            namespace: "shop".into(),
            kind: "deployment".into(),
            name: "cart".into(),
            app: Some("deployment/cart".into()),
        },
    };
    for event in [
        Event::Started(StageKind::Build),
        Event::Line(StageKind::Build, "Step 1/2 : FROM scratch".into()),
        Event::Finished(StageKind::Build, Ok("built registry.local/cart:3f2a9c1".into())),
        Event::Finished(StageKind::Push, Err("denied: requested access to the resource is denied".into())),
    ] {
        recorder.on_event(&event).await;
    }
    let entries = store.app_history("sim-admin", "shop", vec!["deployment/cart".into()]).await.expect("reads");
    let seen: Vec<(&str, bool, &str)> =
        entries.iter().map(|e| (e.command.as_str(), e.ok, e.outcome.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("docker push registry.local/cart:3f2a9c1", false, "denied: requested access to the resource is denied"),
            ("docker build -t registry.local/cart:3f2a9c1 -f Dockerfile .", true, "built registry.local/cart:3f2a9c1"),
        ]
    );
    assert_eq!(entries[1].summary, "Build the image of deployment/cart (build → push → roll out)");
}
