//! Shared by the workspace render tests: the real 1.19 fixtures, the bound repo's HEAD, and the keys, palette,
//! workspace, binding and repo helpers that build the workspace screens' state.
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::List;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use mosaic::app::workspaces::{WsEffect, WsMsg};
use mosaic::app::{Data, Effect, Msg, State, update};
use mosaic::cluster::{Kind, Scope, WatchState, WatchUpdate};
use mosaic::git::{CommitInfo, RepoState, RepoStatus};
use mosaic::store::{AppBinding, Workspace};

pub const PODS: &str = include_str!("../fixtures/real-1.19/pods-list.json");
pub const DEPLOYMENTS: &str = include_str!("../fixtures/real-1.19/deployments-list.json");
pub const SERVICES: &str = include_str!("../fixtures/real-1.19/services-list.json");
pub const CONTEXT: &str = "kind-acme";
/// The HEAD of the repo frontend is bound to; its image tag carries the short SHA.
pub const HEAD: &str = "3f2a9c1e5b7d4c2a1f0e9d8c7b6a5f4e3d2c1b0a";

pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn code(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(state: &mut State, keys: &str) -> Vec<Effect> {
    keys.chars().flat_map(|c| update(state, Msg::Key(key(c)))).collect()
}

pub fn palette(state: &mut State, command: &str) -> Vec<Effect> {
    let mut effects = press(state, ":");
    effects.extend(press(state, command));
    effects.extend(update(state, Msg::Key(code(KeyCode::Enter))));
    effects
}

pub fn workspace(name: &str, default: bool, namespaces: &[&str]) -> Workspace {
    let mut ws = Workspace::new(CONTEXT, name);
    ws.id = Some(if default { 1 } else { 2 });
    ws.is_default = default;
    ws.filters.namespaces_allow = namespaces.iter().map(|n| n.to_string()).collect();
    ws
}

pub fn binding(name: &str, repo: &str) -> AppBinding {
    let mut b = AppBinding::new(CONTEXT, "acme", "Deployment", name);
    b.repo_path = Some(PathBuf::from(repo));
    b.image_repo = Some(format!("ghcr.io/acme/{name}"));
    b
}

pub fn repo(path: &str, head: &str, changed: usize) -> RepoState {
    let commit = CommitInfo {
        sha: head.into(),
        subject: "Checkout: retry the payment once".into(),
        author: "Ada".into(),
        time: super::screen::now(),
    };
    RepoState::Ready(Box::new(RepoStatus {
        path: path.into(),
        branch: Some("main".into()),
        head: Some(commit.clone()),
        upstream: None,
        changed_files: changed,
        commits: vec![commit],
        branches: Vec::new(),
        remote_url: None,
    }))
}

pub fn deployments() -> Vec<Deployment> {
    let mut items = serde_json::from_str::<List<Deployment>>(DEPLOYMENTS).expect("deployments parse").items;
    for d in &mut items {
        let name = d.metadata.name.clone().unwrap_or_default();
        let container = &mut d.spec.as_mut().unwrap().template.spec.as_mut().unwrap().containers[0];
        match name.as_str() {
            // Built from HEAD: the tag carries its short SHA.
            "frontend" => container.image = Some(format!("ghcr.io/acme/frontend:{}", &HEAD[..7])),
            // Rolled out by mosaic from an older commit.
            "orders" => {
                let annotations = d.metadata.annotations.get_or_insert_with(Default::default);
                annotations.insert("mosaic.dev/commit-sha".into(), "9d8c7b6a5f4e3d2c1b0a3f2a9c1e5b7d4c2a1f0e".into());
            }
            _ => {}
        }
    }
    items
}

/// The acme namespace served, its workspaces and bindings read, and `:apps` open on the default workspace.
pub fn apps_state(width: u16, height: u16) -> State {
    let info = super::screen::kind_acme("dev");
    let scope = Scope::Namespace("acme".into());
    let mut s = State::new(info, scope.clone(), super::screen::now());
    update(&mut s, Msg::Resize(width, height));
    let workspaces = vec![workspace("acme", true, &["acme"]), workspace("payments", false, &["acme"])];
    update(&mut s, Msg::Ws(WsMsg::Workspaces { context: CONTEXT.into(), result: Ok(workspaces) }));
    let bindings = vec![binding("frontend", "/src/acme/frontend"), binding("orders", "/src/acme/orders"), {
        binding("billing", "/src/old/billing")
    }];
    update(&mut s, Msg::Ws(WsMsg::Bindings { context: CONTEXT.into(), result: Ok(bindings) }));
    let effects = palette(&mut s, "apps");
    // The pod list already watches pods; the view adds deployments and services.
    for kind in [Kind::Deployment, Kind::Service] {
        assert!(effects.contains(&Effect::Watch(kind, scope.clone())), "the view watches {kind}: {effects:?}");
    }
    assert!(s.requested.contains(&(Kind::Pod, scope.clone())));
    let reads: Vec<&Effect> = effects.iter().filter(|e| matches!(e, Effect::Ws(WsEffect::ReadRepo(_)))).collect();
    assert_eq!(reads.len(), 3, "each bound repo is read: {effects:?}");
    let epoch = s.epoch;
    let pods = serde_json::from_str::<List<Pod>>(PODS).expect("pods parse").items;
    let services = serde_json::from_str::<List<Service>>(SERVICES).expect("services parse").items;
    for data in [
        Data::Deployments(WatchUpdate::Page { items: deployments(), first: true, last: true }),
        Data::Pods(WatchUpdate::Page { items: pods, first: true, last: true }),
        Data::Services(WatchUpdate::Page { items: services, first: true, last: true }),
        Data::Deployments(WatchUpdate::State(WatchState::Live)),
    ] {
        update(&mut s, Msg::Data { epoch, scope: scope.clone(), data });
    }
    let repos = [
        ("/src/acme/frontend", repo("/src/acme/frontend", HEAD, 0)),
        ("/src/acme/orders", repo("/src/acme/orders", HEAD, 2)),
        ("/src/old/billing", RepoState::Missing { path: "/src/old/billing".into() }),
    ];
    for (path, state) in repos {
        update(&mut s, Msg::Ws(WsMsg::Repo { path: path.into(), state }));
    }
    s
}

/// A git repository at `dir` with one commit adding `file` (`text`); returns HEAD's full SHA.
pub fn one_commit_repo(dir: &std::path::Path, file: &str, text: &str) -> String {
    let repo = git2::Repository::init(dir).expect("git init");
    std::fs::write(dir.join(file), text).expect("write a file");
    let mut index = repo.index().expect("index");
    index.add_path(std::path::Path::new(file)).expect("git add");
    index.write().expect("write the index");
    let tree = repo.find_tree(index.write_tree().expect("tree")).expect("find the tree");
    let who = git2::Signature::now("Ada", "ada@example.com").expect("signature");
    repo.commit(Some("HEAD"), &who, &who, "First commit", &tree, &[]).expect("commit").to_string()
}
