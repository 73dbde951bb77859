//! Workspaces and app bindings, the app side: the `:ws` manager and its editor, the workspace view (one card
//! per app), the bind screen and the en-masse match screen. The store and git are read by the runtime
//! (`src/runtime/workspaces.rs`); answers come back as [`WsMsg`].
pub mod app_view;
pub mod build;
pub mod card_actions;
pub mod cards;
pub mod filter;
pub mod form;
pub mod history;
mod keys;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use cards::AppCard;
pub use form::{Field, Form, FormPurpose};
pub use keys::{accept_offer, on_back, on_key};

use super::msg::Effect;
use super::state::State;
use crate::cluster::{Kind, Scope};
use crate::git::RepoState;
use crate::git::matching::{Proposal, UnboundApp};
use crate::store::{AppBinding, Workspace};

/// The screens of this module, drawn over the list.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// `:ws`: the workspaces of the context; `deleting` while the user confirms a delete.
    Manager { selected: usize, deleting: bool },
    /// The workspace view.
    Apps { selected: usize },
    /// Proposed bindings for the unbound apps, found under `root`.
    Matches { root: String, rows: Vec<MatchRow>, selected: usize, loading: bool },
}

/// One unbound app on the match screen.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub app: UnboundApp,
    /// The proposal, or the user's edit of it; `None` when no repo matched.
    pub binding: Option<AppBinding>,
    /// Why it was proposed (`app name cart matches repo folder cart`), with its score.
    pub reason: Option<String>,
    /// Saved with Enter.
    pub accepted: bool,
}

#[derive(Debug, Default)]
pub struct WsState {
    /// The context the lists below belong to; reloaded when it changes.
    pub loaded_for: Option<String>,
    /// `None` until the store answered.
    pub workspaces: Option<Vec<Workspace>>,
    pub bindings: Vec<AppBinding>,
    /// The images mosaic built for the context's apps, newest first: digest evidence for the cards.
    pub built: Vec<crate::store::BuiltImage>,
    /// The bound repos as last read, by path; a path being read is absent and in `reading`.
    pub repos: BTreeMap<PathBuf, RepoState>,
    pub reading: BTreeSet<PathBuf>,
    /// The workspace the view shows; `None` shows every app (no workspace yet).
    pub open: Option<Workspace>,
    pub screen: Option<Screen>,
    /// The apps screen, put aside while its app's pods are shown; Esc brings it back.
    pub suspended: Option<Screen>,
    /// A form over the screen: the workspace editor, the bind screen, the match root.
    pub form: Option<Form>,
    pub cards: Vec<AppCard>,
    /// Build → push → roll out of one app, over the cards.
    pub build: Option<build::BuildPane>,
    /// The history of the app opened from its card, over its lists.
    pub history: Option<history::HistoryPane>,
    pub build_seq: u64,
    /// Why the open workspace's filters cannot be applied (a stored selector that does not parse).
    pub filter_error: Option<String>,
    /// The user has dismissed or taken the first-run offer.
    pub offer_done: bool,
    /// Bumped whenever something the cards read changed, apart from the caches.
    pub version: u64,
    cards_built_for: Option<(u64, u64, u64, u64, u64, u64)>,
}

/// What the runtime reports.
#[derive(Debug)]
pub enum WsMsg {
    Workspaces {
        context: String,
        result: Result<Vec<Workspace>, String>,
    },
    Bindings {
        context: String,
        result: Result<Vec<AppBinding>, String>,
    },
    /// The images mosaic built for the context's apps, newest first.
    Built {
        context: String,
        result: Result<Vec<crate::store::BuiltImage>, String>,
    },
    /// A workspace was saved: open it when asked.
    Saved {
        workspace: Workspace,
        open: bool,
    },
    Repo {
        path: PathBuf,
        state: RepoState,
    },
    Proposals {
        root: String,
        result: Result<Vec<Proposal>, String>,
    },
    /// The commit of a build resolved and the container tool looked for.
    BuildPrepared {
        id: u64,
        result: Result<build::Prepared, String>,
    },
    BuildEvent {
        id: u64,
        event: crate::git::pipeline::Event,
    },
    BuildDone {
        id: u64,
        result: Result<crate::git::pipeline::Delivered, crate::git::pipeline::Stopped>,
    },
    /// An app's history, as asked by [`WsEffect::LoadHistory`].
    History {
        namespace: String,
        apps: Vec<String>,
        result: Result<Vec<crate::store::TranscriptEntry>, String>,
    },
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum WsEffect {
    /// Read the workspaces and bindings of a context.
    Load {
        context: String,
    },
    /// Save a workspace (a changed name renames it), then reload; `open` opens it in the view once saved.
    Save {
        workspace: Workspace,
        open: bool,
    },
    Delete {
        context: String,
        name: String,
    },
    SetDefault {
        context: String,
        name: String,
    },
    /// Save bindings, then reload; the notice names them.
    Bind(Vec<AppBinding>),
    /// Read a bound repo with git (answered by [`WsMsg::Repo`]).
    ReadRepo(PathBuf),
    /// Find the repos under `root` and propose a binding for each app (answered by [`WsMsg::Proposals`]).
    Match {
        root: String,
        apps: Vec<UnboundApp>,
    },
    /// Resolve `rev` in the bound repo and find the container tool (answered by [`WsMsg::BuildPrepared`]).
    PrepareBuild {
        id: u64,
        binding: Box<AppBinding>,
        kind: crate::action::WorkloadKind,
        container: String,
        rev: String,
        branch: Option<String>,
        ctx: crate::action::PlanCtx,
    },
    /// Run the pipeline, streaming [`WsMsg::BuildEvent`]s, then [`WsMsg::BuildDone`].
    RunBuild {
        id: u64,
        prepared: Box<build::Prepared>,
        token: build::BuildToken,
    },
    CancelBuild(build::BuildToken),
    /// Read what mosaic did to an app (its workload and Services, `apps`), answered by [`WsMsg::History`].
    LoadHistory {
        context: String,
        namespace: String,
        apps: Vec<String>,
    },
    /// Watch a workload's rollout to its end in the build pane (after a force pull).
    WatchRollout {
        id: u64,
        kind: crate::action::WorkloadKind,
        namespace: String,
        name: String,
        token: build::BuildToken,
    },
}

/// The namespaces the view watches: the workspace's allow list, else every namespace (or, when that is
/// forbidden, the namespaces the user may list).
pub fn scopes(state: &State, kind: Kind) -> Vec<Scope> {
    if let Some(ws) = &state.ws.open
        && !ws.filters.namespaces_allow.is_empty()
    {
        return ws.filters.namespaces_allow.iter().map(|n| Scope::Namespace(n.clone())).collect();
    }
    match state.fallback.get(&kind) {
        Some(fb) => fb.namespaces.iter().map(|n| Scope::Namespace(n.clone())).collect(),
        None => vec![Scope::All],
    }
}

/// Called after every update: load the context's workspaces once, start the watches the view needs, and
/// rebuild the cards when what they read changed.
pub fn ensure(state: &mut State, effects: &mut Vec<Effect>) {
    let context = state.context.context.clone();
    if state.ws.loaded_for.as_deref() != Some(context.as_str()) {
        // Another context: its own workspaces, bindings and offer.
        state.ws = WsState { loaded_for: Some(context.clone()), ..WsState::default() };
        effects.push(Effect::Ws(WsEffect::Load { context }));
    }
    build::take_pending(state, effects);
    if state.view.app.is_none() {
        // The app was left (Esc, the palette): its history goes with it.
        state.ws.history = None;
    }
    if !matches!(state.ws.screen, Some(Screen::Apps { .. }) | Some(Screen::Matches { .. })) {
        return;
    }
    for kind in [Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet, Kind::Pod, Kind::Service] {
        for scope in scopes(state, kind) {
            if state.requested.insert((kind, scope.clone())) {
                match kind {
                    Kind::Deployment => state.deployments.begin(&scope),
                    Kind::Pod => state.pods.begin(&scope),
                    Kind::Service => state.services.begin(&scope),
                    other => state.dynamic.entry(other).or_default().begin(&scope),
                }
                effects.push(Effect::Watch(kind, scope));
            }
        }
    }
    refresh_cards(state);
}

fn refresh_cards(state: &mut State) {
    let stamp = (
        state.deployments.generation,
        state.dynamic(Kind::StatefulSet).generation,
        state.dynamic(Kind::DaemonSet).generation,
        state.pods.generation,
        state.services.generation,
        state.ws.version,
    );
    if state.ws.cards_built_for == Some(stamp) {
        return;
    }
    state.ws.cards_built_for = Some(stamp);
    let filters = state.ws.open.as_ref().map(|w| w.filters.clone()).unwrap_or_default();
    let filter = match filter::Filter::new(&filters) {
        Ok(f) => {
            state.ws.filter_error = None;
            f
        }
        Err(e) => {
            state.ws.filter_error = Some(format!("{e}; edit the workspace with :ws"));
            filter::Filter::default()
        }
    };
    let scopes = scopes(state, Kind::Deployment);
    let inputs = cards::Inputs {
        filter: &filter,
        scopes: &scopes,
        bindings: &state.ws.bindings,
        repos: &state.ws.repos,
        built: &state.ws.built,
    };
    let caches = cards::Caches {
        deployments: &state.deployments,
        statefulsets: state.dynamic(Kind::StatefulSet),
        daemonsets: state.dynamic(Kind::DaemonSet),
        pods: &state.pods,
        services: &state.services,
    };
    let cards = cards::build(&caches, &inputs);
    state.ws.cards = cards;
    if let Some(Screen::Apps { selected }) = &mut state.ws.screen {
        *selected = (*selected).min(state.ws.cards.len().saturating_sub(1));
    }
}

/// Ask git for every bound repo not read yet (or every one, with `again`).
fn read_repos(state: &mut State, again: bool, effects: &mut Vec<Effect>) {
    if again {
        state.ws.reading.clear();
    }
    let paths: BTreeSet<PathBuf> = state.ws.bindings.iter().filter_map(|b| b.repo_path.clone()).collect();
    for path in paths {
        if (again || !state.ws.repos.contains_key(&path)) && state.ws.reading.insert(path.clone()) {
            effects.push(Effect::Ws(WsEffect::ReadRepo(path)));
        }
    }
}

pub fn on_msg(state: &mut State, msg: WsMsg, effects: &mut Vec<Effect>) {
    let context = state.context.context.clone();
    state.ws.version += 1;
    match msg {
        WsMsg::Workspaces { context: c, result } if c == context => match result {
            Ok(list) => {
                // The open workspace follows its stored version (renamed or edited).
                if let Some(open) = &state.ws.open {
                    state.ws.open = list.iter().find(|w| w.id == open.id).cloned().or(state.ws.open.take());
                }
                state.ws.workspaces = Some(list);
                clamp_manager(state);
            }
            Err(e) => {
                state.ws.workspaces = Some(Vec::new());
                state.flash(e, true);
            }
        },
        WsMsg::Bindings { context: c, result } if c == context => match result {
            Ok(list) => {
                state.ws.bindings = list;
                read_repos(state, false, effects);
            }
            Err(e) => state.flash(e, true),
        },
        WsMsg::Saved { workspace, open: true } if workspace.context == context => {
            open_apps(state, Some(workspace), effects);
        }
        WsMsg::Built { context: c, result } if c == context => match result {
            Ok(list) => state.ws.built = list,
            Err(e) => state.flash(e, true),
        },
        WsMsg::BuildPrepared { id, result } => build::on_prepared(state, id, result),
        WsMsg::BuildEvent { id, event } => build::on_event(state, id, event),
        WsMsg::BuildDone { id, result } => build::on_done(state, id, result, effects),
        WsMsg::History { namespace, apps, result } => history::on_loaded(state, &namespace, &apps, result),
        WsMsg::Repo { path, state: repo } => {
            state.ws.reading.remove(&path);
            state.ws.repos.insert(path, repo);
        }
        WsMsg::Proposals { root, result } => {
            let Some(Screen::Matches { root: shown, rows, loading, .. }) = &mut state.ws.screen else { return };
            if *shown != root {
                return;
            }
            *loading = false;
            match result {
                Ok(proposals) => {
                    for row in rows.iter_mut() {
                        if let Some(p) = proposals.iter().find(|p| p.app == row.app) {
                            row.binding = Some(p.binding(&context));
                            row.reason = Some(format!("{} (score {})", p.reason, p.score));
                            row.accepted = true;
                        }
                    }
                    let found = rows.iter().filter(|r| r.binding.is_some()).count();
                    let text = format!("{found} of {} unbound apps have a proposed repo under {root}", rows.len());
                    state.flash(text, false);
                }
                Err(e) => state.flash(e, true),
            }
        }
        _ => {}
    }
}

fn clamp_manager(state: &mut State) {
    let len = state.ws.workspaces.as_ref().map_or(0, Vec::len);
    if let Some(Screen::Manager { selected, .. }) = &mut state.ws.screen {
        *selected = (*selected).min(len.saturating_sub(1));
    }
}

/// Opens the workspace view on `workspace` (`None`: the default one, else every app).
pub fn open_apps(state: &mut State, workspace: Option<Workspace>, effects: &mut Vec<Effect>) {
    let workspace = workspace.or_else(|| state.ws.workspaces.iter().flatten().find(|w| w.is_default).cloned());
    state.ws.open = workspace;
    state.ws.screen = Some(Screen::Apps { selected: 0 });
    state.ws.suspended = None;
    state.ws.form = None;
    state.ws.version += 1;
    read_repos(state, true, effects);
}

/// `:ws` alone opens the manager; `:ws NAME` opens that workspace's view.
pub fn open_workspaces(state: &mut State, name: Option<String>, effects: &mut Vec<Effect>) {
    match name {
        None => {
            let selected = state
                .ws
                .workspaces
                .iter()
                .flatten()
                .position(|w| Some(&w.name) == state.ws.open.as_ref().map(|o| &o.name))
                .unwrap_or(0);
            state.ws.screen = Some(Screen::Manager { selected, deleting: false });
            state.ws.suspended = None;
            state.ws.form = None;
        }
        Some(name) => match state.ws.workspaces.iter().flatten().find(|w| w.name == name).cloned() {
            Some(ws) => open_apps(state, Some(ws), effects),
            None => state
                .flash(format!("No workspace named {name} in context {}; :ws lists them", state.context.context), true),
        },
    }
}

/// The first-run offer, while there is no workspace in this context: one line in the header, between the
/// view's title and its freshness, so it never moves the list. `W` takes it; nothing happens otherwise.
pub fn offer(state: &State) -> Option<String> {
    if state.ws.offer_done || state.ws.workspaces.as_ref().is_none_or(|l| !l.is_empty()) {
        return None;
    }
    Some(format!("no workspace yet: W makes one of namespace {}", state.context.namespace))
}

/// Whether a pane opened from the screens (an action's failure, a timeline) covers them.
pub fn covered(state: &State) -> bool {
    state.ws.screen.is_some() && (state.pane.is_some() || state.timeline.is_some())
}

/// The key context of the open screen or form, if any.
pub fn key_context(state: &State) -> Option<super::keymap::KeyContext> {
    use super::keymap::KeyContext;
    // A failed action's output or a timeline opened from a card is shown over the cards until closed.
    if covered(state) {
        return None;
    }
    if state.ws.build.is_some() {
        return Some(KeyContext::Build);
    }
    // Under a text pane (a copy to do by hand), an object pane or a timeline, those take the keys.
    if state.ws.history.is_some() && state.pane.is_none() && state.object_pane.is_none() && state.timeline.is_none() {
        return Some(KeyContext::AppHistory);
    }
    if state.ws.form.is_some() {
        return Some(KeyContext::Form);
    }
    match state.ws.screen.as_ref()? {
        Screen::Manager { deleting: true, .. } => Some(KeyContext::Confirm),
        Screen::Manager { .. } => Some(KeyContext::Workspaces),
        Screen::Apps { .. } => Some(KeyContext::Apps),
        Screen::Matches { .. } => Some(KeyContext::Matches),
    }
}

/// The pods of one app: what the pod list is narrowed to after Enter on a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFilter {
    pub namespace: String,
    pub name: String,
    pub selector: BTreeMap<String, String>,
    /// `Deployment`, `StatefulSet` or `DaemonSet`.
    pub kind: &'static str,
    /// The Services selecting its pods, by name.
    pub services: Vec<String>,
}

impl AppFilter {
    /// Whether a row of a `kind` list belongs to the app: its pods and ReplicaSets by the pod selector, its
    /// Services by name.
    pub fn shows(&self, kind: Kind, (namespace, name): &(String, String), labels: &BTreeMap<String, String>) -> bool {
        match kind {
            Kind::Service => *namespace == self.namespace && self.services.contains(name),
            _ => self.matches(namespace, labels),
        }
    }

    pub fn matches(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        namespace == self.namespace && self.selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}
