//! Tier 3: the app card's actions and the build pane against the simulated cluster, through the update loop.
//! A card's annotate and force pull are confirmed with `y` and send exactly their patch; `B` runs the real
//! pipeline with a fake `docker` on a private PATH, the pane showing every stage; Esc cancels it.
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use git2::{Repository, Signature};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::ListParams;
use mosaic::action::{self, Action, ExecOptions};
use mosaic::app::workspaces::build::{Phase, StageStatus};
use mosaic::app::workspaces::{Screen, WsEffect, WsMsg};
use mosaic::app::{ContextInfo, Data, Effect, Mode, Msg, State, update};
use mosaic::cluster::{ConnectOptions, Scope, Session, WatchState, WatchUpdate, connect, kubeconfig};
use mosaic::git::pipeline::StageKind;
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use mosaic::store::{AppBinding, Workspace};
use serde_json::{Value, json};

const CONTEXT: &str = "sim-admin";

struct Setup {
    sim: SimHandle,
    session: Session,
    dir: tempfile::TempDir,
    repo: PathBuf,
    /// Where a build records its stages and the image it pushed.
    store: mosaic::store::StoreHandle,
}

async fn setup() -> Setup {
    let sim = SimServer::start(Scenario::acme(), SimOptions::default()).await.expect("sim starts");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig_path = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig_path, "admin", "acme").unwrap();
    let target = kubeconfig::resolve(&ConnectOptions { kubeconfig: Some(kubeconfig_path), ..Default::default() })
        .expect("context");
    let session = connect(target).await.expect("connects");
    let repo_path = dir.path().join("src/frontend");
    fs::create_dir_all(&repo_path).unwrap();
    let repo = Repository::init(&repo_path).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    fs::write(repo_path.join("Dockerfile"), "FROM scratch\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("Dockerfile")).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Ann Dev", "ann@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "Serve the new front page", &tree, &[]).unwrap();
    Setup { sim, session, dir, repo: repo_path, store: mosaic::store::in_memory() }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(state: &mut State, keys: &str) -> Vec<Effect> {
    keys.chars().flat_map(|c| update(state, key(KeyCode::Char(c)))).collect()
}

/// `:apps` on the acme workspace, frontend bound to the test repo, the cards built from the sim's Deployments.
async fn apps_state(s: &Setup) -> State {
    let info = ContextInfo {
        context: CONTEXT.into(),
        user: "admin".into(),
        server: "https://sim".into(),
        server_version: "v1.33.1".into(),
        namespace: "acme".into(),
        contexts: vec![CONTEXT.into()],
        demo: false,
        readonly: false,
    };
    let scope = Scope::Namespace("acme".into());
    let mut state = State::new(info, scope.clone(), jiff::Timestamp::now());
    update(&mut state, Msg::Resize(120, 40));
    let mut ws = Workspace::new(CONTEXT, "acme");
    ws.id = Some(1);
    ws.is_default = true;
    ws.filters.namespaces_allow = vec!["acme".into()];
    update(&mut state, Msg::Ws(WsMsg::Workspaces { context: CONTEXT.into(), result: Ok(vec![ws]) }));
    let mut binding = AppBinding::new(CONTEXT, "acme", "Deployment", "frontend");
    binding.repo_path = Some(s.repo.clone());
    binding.image_repo = Some("registry.local:5000/acme/frontend".into());
    update(&mut state, Msg::Ws(WsMsg::Bindings { context: CONTEXT.into(), result: Ok(vec![binding]) }));
    press(&mut state, ":");
    press(&mut state, "apps");
    update(&mut state, key(KeyCode::Enter));
    let repo = mosaic::git::status(&s.repo, 10);
    update(&mut state, Msg::Ws(WsMsg::Repo { path: s.repo.clone(), state: repo }));
    let api: Api<Deployment> = Api::namespaced(s.session.client.clone(), "acme");
    let items = api.list(&ListParams::default()).await.expect("deployments").items;
    let epoch = state.epoch;
    for data in [
        Data::Deployments(WatchUpdate::Page { items, first: true, last: true }),
        Data::Deployments(WatchUpdate::State(WatchState::Live)),
    ] {
        update(&mut state, Msg::Data { epoch, scope: scope.clone(), data });
    }
    let at = state.ws.cards.iter().position(|c| c.name == "frontend").expect("a frontend card");
    state.ws.screen = Some(Screen::Apps { selected: at });
    state
}

/// Answers the permission check the confirm asked for, then presses `y` and runs what it asks, as the
/// runtime does. Returns the action run and the loop's effects after its answer.
async fn confirm_and_run(s: &Setup, state: &mut State, effects: Vec<Effect>) -> (Action, Vec<Effect>) {
    let Some(Effect::Check { action, command }) = effects.into_iter().find(|e| matches!(e, Effect::Check { .. }))
    else {
        panic!("the confirm asks whether the user may")
    };
    let result = action::check(&action, &s.session, false).await;
    update(state, Msg::Checked { command, result });
    let effects = press(state, "y");
    let Some(Effect::Run { action, dry_run: false, command }) = effects.into_iter().next() else {
        panic!("y runs the action")
    };
    let result = action::run(&action, &s.session, false, &ExecOptions::default()).await;
    assert!(result.is_ok(), "{result:?}");
    let effects = update(state, Msg::Done { command, dry_run: false, result });
    (action, effects)
}

fn patches(sim: &SimHandle) -> Vec<(Option<String>, Value)> {
    sim.requests()
        .into_iter()
        .filter(|r| r.verb == "patch" && r.resource == "deployments")
        .map(|r| (r.content_type, r.body.unwrap_or(Value::Null)))
        .collect()
}

#[tokio::test]
async fn annotate_from_a_card_sends_the_commit_annotations() {
    let s = setup().await;
    let mut state = apps_state(&s).await;
    let head = mosaic::git::status(&s.repo, 1).ready().unwrap().head.clone().unwrap();
    s.sim.reset_counts();
    let effects = press(&mut state, "a");
    assert!(matches!(state.mode, Mode::Confirm(_)));
    confirm_and_run(&s, &mut state, effects).await;
    let time = head.time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let expected = json!({"metadata": {"annotations": {
        "mosaic.dev/commit-sha": head.sha,
        "mosaic.dev/commit-branch": "main",
        "mosaic.dev/commit-message": "Serve the new front page",
        "mosaic.dev/commit-time": time,
    }}});
    let sent = patches(&s.sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0.as_deref(), Some("application/merge-patch+json"));
    assert_eq!(sent[0].1, expected);
    let d = s.sim.get("apps/v1", "Deployment", Some("acme"), "frontend").unwrap();
    assert_eq!(d.pointer("/metadata/annotations/mosaic.dev~1commit-sha"), Some(&json!(head.sha)));
}

#[tokio::test]
async fn force_pull_from_a_card_sends_pull_always_and_a_restart_then_watches() {
    let s = setup().await;
    let mut state = apps_state(&s).await;
    s.sim.reset_counts();
    assert!(press(&mut state, "P").is_empty(), "the form asks which containers first");
    let effects = update(&mut state, key(KeyCode::Enter));
    let (action, effects) = confirm_and_run(&s, &mut state, effects).await;
    let Action::ForcePull { restarted_at, containers, .. } = action else { panic!("{action:?}") };
    assert_eq!(containers, ["frontend"]);
    let expected = json!({"spec": {"template": {
        "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": restarted_at}},
        "spec": {"containers": [{"name": "frontend", "imagePullPolicy": "Always"}]},
    }}});
    let sent = patches(&s.sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0.as_deref(), Some("application/strategic-merge-patch+json"));
    assert_eq!(sent[0].1, expected);
    let d = s.sim.get("apps/v1", "Deployment", Some("acme"), "frontend").unwrap();
    assert_eq!(d.pointer("/spec/template/spec/containers/0/imagePullPolicy"), Some(&json!("Always")));
    // Then the rollout is watched in the pane.
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Ws(WsEffect::WatchRollout { name, .. }) if name == "frontend")),
        "{effects:?}"
    );
    let pane = state.ws.build.as_ref().expect("the watch pane");
    assert!(pane.watch_only && pane.phase == Phase::Running);
}

/// A fake `docker`: `build` prints two steps (after `build_extra`), `push` prints a digest.
fn fake_docker(dir: &Path, build_extra: &str) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in\n\
         build) echo 'Step 1/2 : FROM scratch'; {build_extra} echo 'Successfully tagged' \"$3\" ;;\n\
         push) echo \"${{2##*:}}: digest: sha256:9d0c2b6f1e3a4b5c6d7e8f90112233445566778899aabbccddeeff0011223344 size: 528\" ;;\n\
         esac\n"
    );
    let path = bin.join("docker");
    fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// `B`, HEAD, the plan prepared as the runtime does with `bin` as PATH, then `y`: the pipeline runs in a task,
/// its messages fed to the loop. `on_message` may press keys as they come.
async fn build(
    s: &Setup,
    state: &mut State,
    bin: &Path,
    mut on_message: impl FnMut(&mut State, &WsMsg) -> Vec<Effect>,
) -> Vec<Effect> {
    press(state, "B");
    let effects = update(state, key(KeyCode::Enter));
    let Some(Effect::Ws(WsEffect::PrepareBuild { id, binding, kind, container, rev, branch, ctx })) =
        effects.into_iter().next()
    else {
        panic!("Enter prepares the build")
    };
    let mut prepared = mosaic::runtime::workspaces::prepare_build(
        &binding,
        kind,
        &container,
        &rev,
        branch,
        ctx,
        Some(bin.as_os_str()),
    )
    .expect("prepared");
    prepared.spec.worktree_dir = s.dir.path().join("checkout");
    update(state, Msg::Ws(WsMsg::BuildPrepared { id, result: Ok(prepared) }));
    assert_eq!(state.ws.build.as_ref().map(|b| b.phase), Some(Phase::Plan));
    let effects = press(state, "y");
    let Some(Effect::Ws(WsEffect::RunBuild { id, prepared, token })) = effects.into_iter().next() else {
        panic!("y runs the build")
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recorder = mosaic::runtime::workspaces::stage_recorder(s.store.clone(), "s-1".into(), &prepared);
    let task = tokio::spawn(mosaic::runtime::workspaces::run_build(
        s.session.clone(),
        false,
        id,
        *prepared,
        token,
        tx,
        Some(recorder),
    ));
    let mut asked = Vec::new();
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.expect("the build ends") {
        let Msg::Ws(msg) = msg else { continue };
        asked.extend(on_message(state, &msg));
        let done = matches!(msg, WsMsg::BuildDone { .. });
        update(state, Msg::Ws(msg));
        if done {
            break;
        }
    }
    task.await.unwrap();
    asked
}

fn screen(state: &mut State) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| mosaic::ui::render(f, state, &mosaic::ui::Theme::default())).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..40).map(|y| (0..120).map(|x| buffer[(x, y)].symbol()).collect::<String>()).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn the_build_pane_runs_every_stage_of_the_pipeline() {
    let s = setup().await;
    let bin = fake_docker(s.dir.path(), "");
    let mut state = apps_state(&s).await;
    build(&s, &mut state, &bin, |_, _| Vec::new()).await;
    let pane = state.ws.build.as_ref().expect("the pane stays open");
    assert_eq!(pane.phase, Phase::Finished);
    assert!(matches!(&pane.outcome, Some(Ok(text)) if text.contains("successfully rolled out")), "{:?}", pane.outcome);
    assert!(pane.stages.iter().all(|st| matches!(st.status, StageStatus::Done(_))), "{:#?}", pane.stages);
    let build = pane.stages.iter().find(|st| st.stage.kind == StageKind::Build).unwrap();
    assert!(build.lines.contains(&"Step 1/2 : FROM scratch".to_string()), "{:?}", build.lines);
    let text = screen(&mut state);
    for stage in ["1/6 Check out the commit", "2/6 Build the image", "3/6 Push the image", "4/6 Set the image"] {
        assert!(text.contains(&format!("✓ {stage}")), "{stage}:\n{text}");
    }
    assert!(text.contains("✓ 6/6 Watch the rollout"), "{text}");
    let short = &mosaic::git::status(&s.repo, 1).ready().unwrap().head.clone().unwrap().sha[..7];
    let d = s.sim.get("apps/v1", "Deployment", Some("acme"), "frontend").unwrap();
    assert_eq!(
        d.pointer("/spec/template/spec/containers/0/image"),
        Some(&json!(format!("registry.local:5000/acme/frontend:{short}")))
    );
    assert!(!s.dir.path().join("checkout").exists(), "the checkout is removed");

    // The pushed digest is remembered with its commit, and the cards have it at once.
    let context = s.session.target.context.clone();
    let built = s.store.list_built(&context).await.expect("reads");
    assert_eq!(built.len(), 1, "{built:?}");
    let head = mosaic::git::status(&s.repo, 1).ready().unwrap().head.clone().unwrap().sha;
    assert_eq!(
        (built[0].kind.as_str(), built[0].name.as_str(), built[0].sha.as_str()),
        ("Deployment", "frontend", head.as_str())
    );
    assert_eq!(built[0].digest, "sha256:9d0c2b6f1e3a4b5c6d7e8f90112233445566778899aabbccddeeff0011223344");
    assert_eq!(state.ws.built, built);
}

#[tokio::test]
async fn esc_cancels_a_running_build() {
    let s = setup().await;
    let bin = fake_docker(s.dir.path(), "sleep 30;");
    let mut state = apps_state(&s).await;
    let started = Instant::now();
    let image_before = s.sim.get("apps/v1", "Deployment", Some("acme"), "frontend").unwrap();
    let asked = build(&s, &mut state, &bin, |state, msg| {
        if let WsMsg::BuildEvent { event: mosaic::git::pipeline::Event::Line(StageKind::Build, _), .. } = msg {
            let effects = update(state, key(KeyCode::Esc));
            for effect in &effects {
                if let Effect::Ws(WsEffect::CancelBuild(token)) = effect {
                    token.0.cancel();
                }
            }
            return effects;
        }
        Vec::new()
    })
    .await;
    assert!(asked.iter().any(|e| matches!(e, Effect::Ws(WsEffect::CancelBuild(_)))), "{asked:?}");
    assert!(started.elapsed() < Duration::from_secs(20), "cancel stopped the 30 s build");
    let pane = state.ws.build.as_ref().expect("the pane says how it ended");
    assert!(matches!(&pane.outcome, Some(Err(text)) if text.contains("Build the image")), "{:?}", pane.outcome);
    let build = pane.stages.iter().find(|st| st.stage.kind == StageKind::Build).unwrap();
    assert!(matches!(&build.status, StageStatus::Failed(why) if why.contains("cancel")), "{:?}", build.status);
    assert!(pane.stages.iter().skip(2).all(|st| st.status == StageStatus::Pending));
    let after = s.sim.get("apps/v1", "Deployment", Some("acme"), "frontend").unwrap();
    assert_eq!(after.pointer("/spec/template"), image_before.pointer("/spec/template"), "nothing rolled out");
    assert!(!s.dir.path().join("checkout").exists(), "the checkout is removed");
    assert!(Repository::open(&s.repo).unwrap().worktrees().unwrap().is_empty());
    // Closed once stopped.
    update(&mut state, key(KeyCode::Esc));
    assert!(state.ws.build.is_none());
}
