//! Tier 2: the app actions on a workspace card and the build → push → roll out pane: the confirm of an
//! action from a card (with the game plan pane listing the card's actions), and the build pane while it runs,
//! when it failed, and without a container tool; the keys that choose, run, cancel and open the timeline.
#![allow(dead_code)]
use crate::support;

use std::path::PathBuf;

use crossterm::event::KeyCode;
use mosaic::app::workspaces::{Screen, WsEffect, WsMsg};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::Kind;
use mosaic::git::RepoState;

use support::screen::{draw, text};
use support::workspaces::*;

use mosaic::action::{Action, WorkloadKind};
use mosaic::app::Mode;
use mosaic::app::workspaces::build::{BuildToken, Phase, Prepared};
use mosaic::explain_cmd::Target;
use mosaic::git::pipeline::{BuildSpec, ContainerTool, Delivered, Event, StageKind, Stopped};

fn select(state: &mut State, name: &str) {
    let at = state.ws.cards.iter().position(|c| c.name == name).expect(name);
    state.ws.screen = Some(Screen::Apps { selected: at });
}

/// `B` on frontend, HEAD chosen: the pane asks the runtime to prepare; answered with `tool`.
fn build_state(tool: Option<ContainerTool>) -> State {
    let mut s = apps_state(120, 40);
    select(&mut s, "frontend");
    assert!(press(&mut s, "B").is_empty());
    assert_eq!(s.ws.build.as_ref().map(|b| b.phase), Some(Phase::Choose));
    let effects = update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let Some(Effect::Ws(WsEffect::PrepareBuild { id, binding, rev, branch, container, .. })) =
        effects.into_iter().next()
    else {
        panic!("Enter asks to prepare the build")
    };
    assert_eq!((rev.as_str(), branch.as_deref(), container.as_str()), ("HEAD", Some("main"), "frontend"));
    let commit = match repo("/src/acme/frontend", HEAD, 0) {
        RepoState::Ready(status) => status.head.clone().unwrap(),
        _ => unreachable!(),
    };
    let mut spec = BuildSpec::from_binding(&binding, WorkloadKind::Deployment, &container, commit, branch).unwrap();
    spec.worktree_dir = PathBuf::from("/tmp/mosaic-build-3f2a9c1");
    let ctx = mosaic::action::PlanCtx { context: CONTEXT.into(), namespace: "acme".into() };
    update(&mut s, Msg::Ws(WsMsg::BuildPrepared { id, result: Ok(Prepared { spec, tool, ctx }) }));
    s
}

fn clear(state: &mut State) {
    for _ in 0..20 {
        update(state, Msg::Key(code(KeyCode::Backspace)));
    }
}

fn docker() -> Option<ContainerTool> {
    Some(ContainerTool { name: "docker", path: "/usr/local/bin/docker".into() })
}

fn run(state: &mut State) -> u64 {
    let effects = press(state, "y");
    match effects.as_slice() {
        [Effect::Ws(WsEffect::RunBuild { id, .. })] => *id,
        other => panic!("y runs the build: {other:?}"),
    }
}

fn event(state: &mut State, id: u64, event: Event) {
    update(state, Msg::Ws(WsMsg::BuildEvent { id, event }));
}

#[test]
fn an_action_from_a_card_shows_its_plan_and_asks() {
    let mut s = apps_state(120, 40);
    select(&mut s, "frontend");
    press(&mut s, "p");
    let screen = text(&draw(&mut s, 120, 40));
    for line in [
        "s       kubectl --context kind-acme -n acme scale deployment/frontend --replicas=",
        "r       kubectl --context kind-acme -n acme rollout restart deployment/frontend",
        "u       kubectl --context kind-acme -n acme rollout undo deployment/frontend",
        "a       kubectl --context kind-acme -n acme annotate deployment/frontend \\\n             --overwrite mosaic.dev/commit-sha=3f2a9c1e",
        "P       kubectl --context kind-acme -n acme patch deployment/frontend -p",
    ] {
        assert!(screen.contains(line), "the game plan lists {line:?}:\n{screen}");
    }
    let effects = press(&mut s, "a");
    let Mode::Confirm(confirm) = &s.mode else { panic!("a asks first") };
    assert!(
        matches!(&confirm.action, Action::AnnotateCommit { name, commit, .. } if name == "frontend" && commit.sha == HEAD)
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::Check { .. })), "RBAC is asked: {effects:?}");
    insta::assert_snapshot!("card_annotate_confirm", text(&draw(&mut s, 120, 40)));
}

#[test]
fn force_pull_from_a_card_asks_which_containers() {
    let mut s = apps_state(120, 40);
    select(&mut s, "frontend");
    press(&mut s, "P");
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("Force pull Deployment acme/frontend"), "{screen}");
    // A container the app does not have is refused in the form.
    clear(&mut s);
    press(&mut s, "nope");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    assert!(s.ws.form.as_ref().and_then(|f| f.error.clone()).is_some_and(|e| e.contains("no container nope")));
    clear(&mut s);
    press(&mut s, "frontend");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    let Mode::Confirm(confirm) = &s.mode else { panic!("Enter shows the plan") };
    assert!(
        matches!(&confirm.action, Action::ForcePull { containers, .. } if containers == &["frontend".to_string()]),
        "{:?}",
        confirm.action
    );
}

#[test]
fn build_pane_without_a_container_tool_shows_the_plan_and_the_missing_tool() {
    let mut s = build_state(None);
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("blocked: no container tool on PATH: install docker, podman, nerdctl"), "{screen}");
    assert!(press(&mut s, "y").is_empty(), "nothing runs");
    insta::assert_snapshot!("build_pane_missing_tool", screen);
}

#[test]
fn build_pane_while_running_shows_the_stage_progress_and_output() {
    let mut s = build_state(docker());
    let id = run(&mut s);
    event(&mut s, id, Event::Started(StageKind::Checkout));
    event(&mut s, id, Event::Finished(StageKind::Checkout, Ok("3f2a9c1 checked out clean".into())));
    event(&mut s, id, Event::Started(StageKind::Build));
    for line in ["Step 1/3 : FROM rust:1.90 AS build", "Step 2/3 : RUN cargo build --release"] {
        event(&mut s, id, Event::Line(StageKind::Build, line.into()));
    }
    s.now += jiff::SignedDuration::from_secs(83);
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("stage 2 of 6: Build the image · 1:23"), "{screen}");
    insta::assert_snapshot!("build_pane_running", screen);
    // Esc cancels through the token; the pane stays until the pipeline has stopped.
    let effects = update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(matches!(effects.as_slice(), [Effect::Ws(WsEffect::CancelBuild(BuildToken(_)))]), "{effects:?}");
    assert!(s.ws.build.is_some());
}

#[test]
fn build_pane_failed_rollout_links_to_the_pods_timeline() {
    let mut s = build_state(docker());
    let id = run(&mut s);
    for kind in [StageKind::Checkout, StageKind::Build, StageKind::Push, StageKind::SetImage, StageKind::Annotate] {
        event(&mut s, id, Event::Started(kind));
        event(&mut s, id, Event::Finished(kind, Ok(format!("{} done", kind.title()))));
    }
    event(&mut s, id, Event::Started(StageKind::RolloutStatus));
    event(&mut s, id, Event::Line(StageKind::RolloutStatus, "Waiting: 0 of 2 updated replicas are available".into()));
    let message = "the rollout of deployment frontend in acme is stuck: pod frontend-5d9b-x7k2p: ImagePullBackOff: \
                   Back-off pulling image; see its timeline with: mosaic explain pod/frontend-5d9b-x7k2p";
    event(&mut s, id, Event::Finished(StageKind::RolloutStatus, Err(message.into())));
    let stopped = Stopped { stage: StageKind::RolloutStatus, message: message.into() };
    update(&mut s, Msg::Ws(WsMsg::BuildDone { id, result: Err(stopped) }));
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("t opens its timeline, or run: mosaic explain pod/frontend-5d9b-x7k2p"), "{screen}");
    insta::assert_snapshot!("build_pane_failed", screen);
    let effects = press(&mut s, "t");
    assert!(
        effects
            .contains(&Effect::Explain { namespace: "acme".into(), target: Target::Pod("frontend-5d9b-x7k2p".into()) }),
        "{effects:?}"
    );
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("Why? pod frontend-5d9b-x7k2p"), "the timeline shows over the cards:\n{screen}");
}

#[test]
fn a_finished_build_says_what_was_rolled_out() {
    let mut s = build_state(docker());
    let id = run(&mut s);
    let delivered = Delivered {
        image: "ghcr.io/acme/frontend:3f2a9c1".into(),
        digest: None,
        rollout: "deployment \"frontend\" successfully rolled out".into(),
    };
    let effects = update(&mut s, Msg::Ws(WsMsg::BuildDone { id, result: Ok(delivered) }));
    assert!(effects.iter().any(|e| matches!(e, Effect::Ws(WsEffect::ReadRepo(_)))), "the card reads its repo again");
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("✓ Done in 0:00: ghcr.io/acme/frontend:3f2a9c1 rolled out"), "{screen}");
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(s.ws.build.is_none());
}

#[test]
fn an_opened_app_walks_its_pods_replicasets_and_services_and_opens_its_timeline() {
    let mut s = apps_state(120, 40);
    select(&mut s, "frontend");
    update(&mut s, Msg::Key(code(KeyCode::Enter)));
    assert_eq!(s.view.kind, Kind::Pod);
    let effects = update(&mut s, Msg::Key(code(KeyCode::Tab)));
    assert_eq!(s.view.kind, Kind::ReplicaSet);
    assert!(effects.iter().any(|e| matches!(e, Effect::Watch(Kind::ReplicaSet, _))), "{effects:?}");
    let screen = text(&draw(&mut s, 120, 40));
    assert!(screen.contains("ReplicaSets of app frontend (acme) · Tab next list · T timeline"), "{screen}");
    update(&mut s, Msg::Key(code(KeyCode::Tab)));
    assert_eq!(s.view.kind, Kind::Service);
    assert_eq!(s.index.keys, [("acme".to_string(), "frontend".to_string())], "only the app's Service");
    let effects = press(&mut s, "T");
    assert!(
        effects.contains(&Effect::Explain { namespace: "acme".into(), target: Target::Deployment("frontend".into()) }),
        "{effects:?}"
    );
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    update(&mut s, Msg::Key(code(KeyCode::Esc)));
    assert!(matches!(s.ws.screen, Some(Screen::Apps { .. })), "Esc comes back to the cards");
    assert!(s.view.app.is_none());
}
