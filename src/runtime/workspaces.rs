//! The runtime's side of workspaces and bindings: the store, git (repo status, discovery and matching), each
//! answer sent back as a message. git runs on the blocking pool: a slow disk never holds the loop.
use std::path::{Path, PathBuf};

use tokio::sync::mpsc::UnboundedSender;

use super::Runtime;
use crate::app::Msg;
use crate::app::workspaces::build::{BuildToken, Prepared};
use crate::app::workspaces::{WsEffect, WsMsg};
use crate::cluster::Session;
use crate::git::pipeline::{self, BuildSpec};
use crate::store::StoreHandle;

/// How many commits of a bound repo are read (the card shows HEAD; the rest is for the app's history).
const COMMITS: usize = 10;

impl Runtime {
    pub(super) fn ws_effect(&mut self, effect: WsEffect) {
        let store = self.transcript.as_ref().map(|(store, _)| store.clone());
        let tx = self.tx.clone();
        match effect {
            WsEffect::Load { context } => {
                tokio::spawn(load(store, context, tx));
            }
            WsEffect::Save { workspace, open } => {
                tokio::spawn(async move {
                    let Some(store) = usable(store, &tx) else { return };
                    let context = workspace.context.clone();
                    match store.save_workspace(workspace).await {
                        Ok(saved) => {
                            notice(&tx, format!("Saved workspace {}", saved.name), false);
                            let _ = tx.send(Msg::Ws(WsMsg::Saved { workspace: saved, open }));
                        }
                        Err(e) => notice(&tx, format!("Could not save the workspace: {e}"), true),
                    }
                    load(Some(store), context, tx).await;
                });
            }
            WsEffect::Delete { context, name } => {
                tokio::spawn(async move {
                    let Some(store) = usable(store, &tx) else { return };
                    match store.delete_workspace(&context, &name).await {
                        Ok(_) => notice(&tx, format!("Deleted workspace {name}"), false),
                        Err(e) => notice(&tx, format!("Could not delete workspace {name}: {e}"), true),
                    }
                    load(Some(store), context, tx).await;
                });
            }
            WsEffect::SetDefault { context, name } => {
                tokio::spawn(async move {
                    let Some(store) = usable(store, &tx) else { return };
                    match store.set_default_workspace(&context, Some(&name)).await {
                        Ok(()) => notice(&tx, format!("{name} is now the default workspace of {context}"), false),
                        Err(e) => notice(&tx, format!("Could not make {name} the default: {e}"), true),
                    }
                    load(Some(store), context, tx).await;
                });
            }
            WsEffect::Bind(bindings) => {
                tokio::spawn(async move {
                    let Some(store) = usable(store, &tx) else { return };
                    let Some(context) = bindings.first().map(|b| b.context.clone()) else { return };
                    let (mut saved, mut missing) = (Vec::new(), Vec::new());
                    for mut binding in bindings {
                        binding.repo_path = binding.repo_path.map(|p| expand_home(&p));
                        if let Some(path) = &binding.repo_path
                            && !path.exists()
                        {
                            missing.push(path.display().to_string());
                        }
                        let name = binding.name.clone();
                        match store.save_binding(binding).await {
                            Ok(_) => saved.push(name),
                            Err(e) => notice(&tx, format!("Could not bind {name}: {e}"), true),
                        }
                    }
                    if !saved.is_empty() {
                        let mut text = format!("Bound {}", saved.join(", "));
                        if !missing.is_empty() {
                            text.push_str(&format!("; {} does not exist yet (the card says so)", missing.join(", ")));
                        }
                        notice(&tx, text, !missing.is_empty());
                    }
                    load(Some(store), context, tx).await;
                });
            }
            WsEffect::PrepareBuild { id, binding, kind, container, rev, branch, ctx } => {
                tokio::spawn(async move {
                    let result = tokio::task::spawn_blocking(move || {
                        let path = std::env::var_os("PATH");
                        prepare_build(&binding, kind, &container, &rev, branch, ctx, path.as_deref())
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("reading the commit stopped: {e}")));
                    let _ = tx.send(Msg::Ws(WsMsg::BuildPrepared { id, result }));
                });
            }
            WsEffect::RunBuild { id, prepared, token } => {
                let Some(session) = self.session() else {
                    notice(&tx, "Not connected to a cluster: the build cannot roll out".into(), true);
                    return;
                };
                let readonly = self.readonly_for(&prepared.ctx.context);
                let recorder =
                    self.transcript.clone().map(|(store, session_id)| stage_recorder(store, session_id, &prepared));
                tokio::spawn(run_build(session, readonly, id, *prepared, token, tx, recorder));
            }
            WsEffect::CancelBuild(token) => token.0.cancel(),
            WsEffect::WatchRollout { id, kind, namespace, name, token } => {
                let Some(session) = self.session() else { return };
                tokio::spawn(async move {
                    let stage = pipeline::StageKind::RolloutStatus;
                    let event = |event| Msg::Ws(WsMsg::BuildEvent { id, event });
                    let _ = tx.send(event(pipeline::Event::Started(stage)));
                    let watched =
                        crate::action::rollout::Watched { kind, namespace: &namespace, name: &name, image: None };
                    let result = crate::action::rollout::watch(
                        &session.client,
                        watched,
                        pipeline::ROLLOUT_TIMEOUT,
                        &token.0,
                        |line| {
                            let _ = tx.send(event(pipeline::Event::Line(stage, line)));
                        },
                    )
                    .await;
                    let result = match result {
                        Ok(last) => {
                            let _ = tx.send(event(pipeline::Event::Finished(stage, Ok(last.clone()))));
                            Ok(pipeline::Delivered { image: String::new(), digest: None, rollout: last })
                        }
                        Err(e) => Err(pipeline::Stopped { stage, message: e.to_string() }),
                    };
                    let _ = tx.send(Msg::Ws(WsMsg::BuildDone { id, result }));
                });
            }
            WsEffect::LoadHistory { context, namespace, apps } => {
                super::history::load(store, context, namespace, apps, tx);
            }
            WsEffect::ReadRepo(path) => {
                tokio::spawn(async move {
                    let at = path.clone();
                    let state = tokio::task::spawn_blocking(move || crate::git::status(&at, COMMITS)).await;
                    let state = state.unwrap_or_else(|e| crate::git::RepoState::Unreadable {
                        path: path.clone(),
                        reason: format!("reading it stopped: {e}"),
                    });
                    let _ = tx.send(Msg::Ws(WsMsg::Repo { path, state }));
                });
            }
            WsEffect::Match { root, apps } => {
                tokio::spawn(async move {
                    let dir = expand_home(Path::new(&root));
                    let result = tokio::task::spawn_blocking(move || {
                        if !dir.is_dir() {
                            return Err(format!(
                                "{} is not a folder: give the folder your repos are under",
                                dir.display()
                            ));
                        }
                        let repos = crate::git::discover(&dir, crate::git::discover::DEFAULT_DEPTH);
                        if repos.is_empty() {
                            return Err(format!("No git repository under {}", dir.display()));
                        }
                        Ok(crate::git::matching::propose(&apps, &repos))
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("looking for repos stopped: {e}")));
                    let _ = tx.send(Msg::Ws(WsMsg::Proposals { root, result }));
                });
            }
        }
    }
}

/// The commit `rev` names in the bound repo, and the container tool found on `path_var` (a `PATH` value):
/// what the game plan is drawn from. Blocking (git2).
pub fn prepare_build(
    binding: &crate::store::AppBinding,
    kind: crate::action::WorkloadKind,
    container: &str,
    rev: &str,
    branch: Option<String>,
    ctx: crate::action::PlanCtx,
    path_var: Option<&std::ffi::OsStr>,
) -> Result<Prepared, String> {
    let path = binding.repo_path.clone().ok_or("the app has no repo bound")?;
    let commit = crate::git::resolve(&path, rev)?;
    let spec = BuildSpec::from_binding(binding, kind, container, commit, branch).ok_or("the app has no repo bound")?;
    Ok(Prepared { spec, tool: pipeline::detect_tool(path_var), ctx })
}

/// What records the stages of a build of this app in the transcript, each under the app's history.
pub fn stage_recorder(store: StoreHandle, session_id: String, prepared: &Prepared) -> super::history::StageRecorder {
    let spec = &prepared.spec;
    let kind = spec.kind.noun();
    super::history::StageRecorder {
        store,
        session_id,
        context: prepared.ctx.context.clone(),
        stages: prepared.pipeline().stages(),
        target: crate::store::TranscriptTarget {
            namespace: spec.namespace.clone(),
            kind: kind.into(),
            name: spec.name.clone(),
            app: Some(format!("{kind}/{}", spec.name)),
        },
    }
}

/// Runs a build → push → roll out, each pipeline event sent on as it comes, then how it ended. With a recorder,
/// each stage goes into the transcript as it ends and the pushed digest is kept.
pub async fn run_build(
    session: Session,
    readonly: bool,
    id: u64,
    prepared: Prepared,
    token: BuildToken,
    tx: UnboundedSender<Msg>,
    recorder: Option<super::history::StageRecorder>,
) {
    let (events, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let store = recorder.as_ref().map(|r| (r.store.clone(), r.context.clone()));
    let forward = {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if let Some(recorder) = &recorder {
                    recorder.on_event(&event).await;
                }
                let _ = tx.send(Msg::Ws(WsMsg::BuildEvent { id, event }));
            }
        })
    };
    let result = prepared.pipeline().run(&session, readonly, &events, &token.0).await;
    drop(events);
    let _ = forward.await;
    // Which commit the pushed digest holds, kept so the cards' digest evidence outlives this session.
    if let (Ok(pipeline::Delivered { image, digest: Some(digest), .. }), Some((store, context))) = (&result, store) {
        let spec = &prepared.spec;
        let built = crate::store::BuiltImage {
            context: context.clone(),
            namespace: spec.namespace.clone(),
            kind: spec.kind.kind().to_string(),
            name: spec.name.clone(),
            sha: spec.commit.sha.clone(),
            image: image.clone(),
            digest: digest.clone(),
            built_at: jiff::Timestamp::now(),
        };
        let result = match store.record_built(built).await {
            Ok(()) => store.list_built(&context).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("Could not remember the image just built: {e}")),
        };
        let _ = tx.send(Msg::Ws(WsMsg::Built { context, result }));
    }
    let _ = tx.send(Msg::Ws(WsMsg::BuildDone { id, result }));
}

/// The context's workspaces and bindings, each sent as it is read. Without a store both are empty.
async fn load(store: Option<StoreHandle>, context: String, tx: UnboundedSender<Msg>) {
    let (workspaces, bindings, built) = match &store {
        Some(store) => (
            store.list_workspaces(&context).await.map_err(|e| format!("Could not read the workspaces: {e}")),
            store.list_bindings(&context).await.map_err(|e| format!("Could not read the app bindings: {e}")),
            store.list_built(&context).await.map_err(|e| format!("Could not read the images mosaic built: {e}")),
        ),
        None => (Ok(Vec::new()), Ok(Vec::new()), Ok(Vec::new())),
    };
    let _ = tx.send(Msg::Ws(WsMsg::Workspaces { context: context.clone(), result: workspaces }));
    let _ = tx.send(Msg::Ws(WsMsg::Built { context: context.clone(), result: built }));
    let _ = tx.send(Msg::Ws(WsMsg::Bindings { context, result: bindings }));
}

fn usable(store: Option<StoreHandle>, tx: &UnboundedSender<Msg>) -> Option<StoreHandle> {
    if store.is_none() {
        notice(tx, "mosaic runs without saved state here, so workspaces and bindings cannot be saved".into(), true);
    }
    store
}

fn notice(tx: &UnboundedSender<Msg>, text: String, error: bool) {
    let _ = tx.send(Msg::Notice { text, error });
}

/// `~/src` → `$HOME/src`; other paths as given.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}
