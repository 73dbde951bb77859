//! Keys on the workspace screens and forms. Commands come from the keymap table; what is left over is typed
//! into the focused input.
use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::filter::Selector;
use super::form::{Field, Form, FormPurpose, split_selectors};
use super::{AppFilter, MatchRow, Screen, WsEffect, open_apps, open_workspaces};
use crate::app::keymap::{Command, KeyContext};
use crate::app::msg::Effect;
use crate::app::state::{ListView, State};
use crate::cluster::{Kind, Scope};
use crate::git::image::ImageRef;
use crate::git::matching::UnboundApp;
use crate::store::{AppBinding, Workspace, WorkspaceFilters};

pub fn on_key(
    state: &mut State,
    context: KeyContext,
    key: KeyEvent,
    command: Option<Command>,
    effects: &mut Vec<Effect>,
) {
    match context {
        KeyContext::Form => on_form_key(state, key, command, effects),
        KeyContext::Confirm => on_delete_confirm(state, command, effects),
        KeyContext::Workspaces => on_manager(state, command, effects),
        KeyContext::Apps => on_apps(state, command, effects),
        KeyContext::Matches => on_matches(state, command, effects),
        KeyContext::Build if !global(state, command, effects) => super::build::on_command(state, command, effects),
        KeyContext::AppHistory => super::history::on_command(state, command, effects),
        _ => {}
    }
}

/// Global keys that still apply over the screens: the palette, help, quit.
fn global(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) -> bool {
    match command {
        Some(Command::Palette) => {
            crate::app::update::open_palette(state, effects);
            true
        }
        Some(Command::Help) => {
            state.mode = crate::app::Mode::Help { scroll: 0 };
            true
        }
        _ => false,
    }
}

fn step(selected: &mut usize, len: usize, command: Command) {
    let last = len.saturating_sub(1);
    *selected = match command {
        Command::Down => (*selected + 1).min(last),
        Command::Up => selected.saturating_sub(1),
        Command::Top => 0,
        Command::Bottom => last,
        _ => *selected,
    };
}

fn on_manager(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) {
    if global(state, command, effects) {
        return;
    }
    let Some(command) = command else { return };
    let list = state.ws.workspaces.clone().unwrap_or_default();
    let Some(Screen::Manager { selected, deleting }) = &mut state.ws.screen else { return };
    let current = list.get(*selected).cloned();
    match command {
        Command::Down | Command::Up | Command::Top | Command::Bottom => step(selected, list.len(), command),
        Command::Back => state.ws.screen = None,
        Command::DeleteItem if current.is_some() => *deleting = true,
        Command::NewItem => state.ws.form = Some(workspace_form(state, None, 0)),
        Command::Edit if current.is_some() => state.ws.form = Some(workspace_form(state, current, 1)),
        Command::Rename if current.is_some() => state.ws.form = Some(workspace_form(state, current, 0)),
        Command::SetDefault => {
            if let Some(ws) = current {
                effects.push(Effect::Ws(WsEffect::SetDefault { context: ws.context, name: ws.name }));
            }
        }
        Command::Submit => {
            if let Some(ws) = current {
                open_apps(state, Some(ws), effects);
            }
        }
        _ => {}
    }
}

fn on_delete_confirm(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) {
    let list = state.ws.workspaces.clone().unwrap_or_default();
    let Some(Screen::Manager { selected, deleting }) = &mut state.ws.screen else { return };
    *deleting = false;
    if command == Some(Command::Confirm)
        && let Some(ws) = list.get(*selected)
    {
        if state.ws.open.as_ref().is_some_and(|o| o.id == ws.id) {
            state.ws.open = None;
        }
        effects.push(Effect::Ws(WsEffect::Delete { context: ws.context.clone(), name: ws.name.clone() }));
    }
}

/// The editor: the workspace's name and filters. `focus` 0 is the name (rename), 1 the first filter (edit).
fn workspace_form(state: &State, workspace: Option<Workspace>, focus: usize) -> Form {
    let (title, ws) = match workspace {
        Some(ws) => (format!("Edit workspace {}", ws.name), ws),
        None => {
            let mut ws = Workspace::new(state.context.context.clone(), "");
            ws.is_default = state.ws.workspaces.as_ref().is_none_or(Vec::is_empty);
            ("New workspace".to_string(), ws)
        }
    };
    let f = &ws.filters;
    let fields = vec![
        Field::new("Name", "What the workspace is called in this context", &ws.name),
        Field::new(
            "Namespaces (allow)",
            "Comma-separated; empty shows every namespace",
            &f.namespaces_allow.join(", "),
        )
        .placeholder("every namespace"),
        Field::new("Namespaces (deny)", "Comma-separated; hidden even when allowed", &f.namespaces_deny.join(", "))
            .placeholder("e.g. kube-system"),
        Field::new(
            "Labels (allow)",
            "app=web,tier!=cache; separate selectors with ; (any one shows the app)",
            &f.label_selectors_allow.join("; "),
        )
        .placeholder("e.g. app=web,tier!=cache"),
        Field::new(
            "Labels (deny)",
            "Separate selectors with ; (an app matching any one is hidden)",
            &f.label_selectors_deny.join("; "),
        )
        .placeholder("e.g. tier=cache"),
        Field::new(
            "Name patterns",
            "Comma-separated globs like api-*, *-worker; empty shows every name",
            &f.name_patterns.join(", "),
        )
        .placeholder("every name"),
    ];
    let mut form = Form::new(title, FormPurpose::Workspace { id: ws.id, is_default: ws.is_default }, fields);
    form.focus = focus;
    form
}

fn on_form_key(state: &mut State, key: KeyEvent, command: Option<Command>, effects: &mut Vec<Effect>) {
    let Some(form) = &mut state.ws.form else { return };
    match command {
        Some(Command::Cancel) => state.ws.form = None,
        Some(Command::NextField) => form.next(),
        Some(Command::PrevField) => form.previous(),
        Some(Command::Submit) => save_form(state, effects),
        _ => form.type_key(key),
    }
}

fn save_form(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(form) = state.ws.form.clone() else { return };
    if let Some(action) = super::card_actions::form_action(&form.purpose, &form) {
        match action {
            Ok(action) => {
                state.ws.form = None;
                crate::app::actions::open_confirm(state, action, effects);
            }
            Err(e) => {
                if let Some(form) = &mut state.ws.form {
                    form.error = Some(e);
                }
            }
        }
        return;
    }
    let result = match &form.purpose {
        FormPurpose::Workspace { id, is_default } => save_workspace(state, &form, *id, *is_default, effects),
        FormPurpose::Bind { namespace, kind, name, match_row } => {
            save_binding(state, &form, namespace, kind, name, *match_row, effects)
        }
        FormPurpose::MatchRoot => start_matching(state, &form, effects),
        _ => Ok(()),
    };
    match result {
        Ok(()) => state.ws.form = None,
        Err(e) => {
            if let Some(form) = &mut state.ws.form {
                form.error = Some(e);
            }
        }
    }
}

fn save_workspace(
    state: &mut State,
    form: &Form,
    id: Option<i64>,
    is_default: bool,
    effects: &mut Vec<Effect>,
) -> Result<(), String> {
    let name = form.value(0);
    if name.is_empty() {
        return Err("A workspace needs a name.".into());
    }
    let taken = state.ws.workspaces.iter().flatten().any(|w| w.name == name && w.id != id);
    if taken {
        return Err(format!("A workspace named {name} already exists in this context; pick another name."));
    }
    let field = |i: usize| form.field(i).map(Field::list).unwrap_or_default();
    let selectors = |i: usize| split_selectors(&form.value(i));
    let filters = WorkspaceFilters {
        namespaces_allow: field(1),
        namespaces_deny: field(2),
        label_selectors_allow: selectors(3),
        label_selectors_deny: selectors(4),
        name_patterns: field(5),
    };
    for selector in filters.label_selectors_allow.iter().chain(&filters.label_selectors_deny) {
        Selector::parse(selector)?;
    }
    let mut workspace = Workspace::new(state.context.context.clone(), name);
    workspace.id = id;
    workspace.is_default = is_default;
    workspace.filters = filters;
    // A new workspace opens at once; an edit leaves the user in the manager.
    effects.push(Effect::Ws(WsEffect::Save { workspace, open: id.is_none() }));
    Ok(())
}

/// The bind screen for the selected card (or a match row's proposal).
pub(super) fn bind_form(
    namespace: &str,
    kind: &str,
    name: &str,
    binding: Option<&AppBinding>,
    image: Option<&str>,
    match_row: Option<usize>,
) -> Form {
    let text = |p: Option<&PathBuf>| p.map(|p| p.display().to_string()).unwrap_or_default();
    let image_repo = binding
        .and_then(|b| b.image_repo.clone())
        .or_else(|| image.map(|i| ImageRef::parse(i).repo))
        .unwrap_or_default();
    let fields = vec![
        Field::new(
            "Repo path",
            "The local git repository of this app (~ is your home)",
            &text(binding.and_then(|b| b.repo_path.as_ref())),
        )
        .placeholder(&format!("e.g. ~/src/{name}")),
        Field::new("Image repository", "registry/repo, without a tag: where built images are pushed", &image_repo)
            .placeholder("e.g. ghcr.io/acme/web"),
        Field::new(
            "Dockerfile",
            "Optional, relative to the repo; empty is Dockerfile",
            &text(binding.and_then(|b| b.dockerfile.as_ref())),
        )
        .placeholder("Dockerfile"),
        Field::new(
            "Build context",
            "Optional, relative to the repo; empty is the repo's root",
            &text(binding.and_then(|b| b.build_context.as_ref())),
        )
        .placeholder("."),
        Field::new(
            "Compare branch",
            "Optional: a branch whose tip is also compared with what runs",
            binding.and_then(|b| b.compare_branch.as_deref()).unwrap_or_default(),
        )
        .placeholder("e.g. release"),
    ];
    let purpose = FormPurpose::Bind { namespace: namespace.into(), kind: kind.into(), name: name.into(), match_row };
    Form::new(format!("Bind {kind} {namespace}/{name}"), purpose, fields)
}

fn save_binding(
    state: &mut State,
    form: &Form,
    namespace: &str,
    kind: &str,
    name: &str,
    match_row: Option<usize>,
    effects: &mut Vec<Effect>,
) -> Result<(), String> {
    let (repo, image) = (form.value(0), form.value(1));
    if repo.is_empty() && image.is_empty() {
        return Err("Give the repo path, the image repository, or both.".into());
    }
    if !image.is_empty() {
        let parsed = ImageRef::parse(&image);
        if parsed.tag.is_some() || parsed.digest.is_some() || image.contains(char::is_whitespace) {
            return Err(format!("{image} is not an image repository: give registry/repo without a tag or digest."));
        }
    }
    let optional = |s: String| (!s.is_empty()).then_some(s);
    let mut binding = AppBinding::new(state.context.context.clone(), namespace, kind, name);
    binding.repo_path = optional(repo).map(PathBuf::from);
    binding.image_repo = optional(image);
    binding.dockerfile = optional(form.value(2)).map(PathBuf::from);
    binding.build_context = optional(form.value(3)).map(PathBuf::from);
    let branch = form.value(4);
    if branch.contains(char::is_whitespace) {
        return Err(format!("{branch:?} is not a branch name: git branch names have no spaces."));
    }
    binding.compare_branch = optional(branch);
    match match_row {
        Some(row) => {
            if let Some(Screen::Matches { rows, .. }) = &mut state.ws.screen
                && let Some(row) = rows.get_mut(row)
            {
                row.binding = Some(binding);
                row.accepted = true;
            }
        }
        None => effects.push(Effect::Ws(WsEffect::Bind(vec![binding]))),
    }
    Ok(())
}

fn start_matching(state: &mut State, form: &Form, effects: &mut Vec<Effect>) -> Result<(), String> {
    let root = Some(form.value(0)).filter(|r| !r.is_empty()).unwrap_or_else(|| "~/src".into());
    let rows: Vec<MatchRow> = state
        .ws
        .cards
        .iter()
        .filter(|c| c.binding.as_ref().is_none_or(|b| b.repo_path.is_none()))
        .map(|c| MatchRow {
            app: UnboundApp {
                namespace: c.namespace.clone(),
                kind: c.kind.to_string(),
                name: c.name.clone(),
                images: c.images.iter().map(|(_, i)| i.clone()).collect(),
            },
            binding: None,
            reason: None,
            accepted: false,
        })
        .collect();
    if rows.is_empty() {
        return Err("Every app in this workspace is bound already.".into());
    }
    let apps = rows.iter().map(|r| r.app.clone()).collect();
    state.ws.screen = Some(Screen::Matches { root: root.clone(), rows, selected: 0, loading: true });
    effects.push(Effect::Ws(WsEffect::Match { root, apps }));
    Ok(())
}

fn on_apps(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) {
    if global(state, command, effects) {
        return;
    }
    let Some(command) = command else { return };
    if super::card_actions::on_command(state, command, effects) {
        return;
    }
    let len = state.ws.cards.len();
    let Some(Screen::Apps { selected }) = &mut state.ws.screen else { return };
    let card = state.ws.cards.get(*selected).cloned();
    match command {
        Command::Down | Command::Up | Command::Top | Command::Bottom => step(selected, len, command),
        Command::Back => state.ws.screen = None,
        Command::OpenWorkspaces => open_workspaces(state, None, effects),
        Command::Build => super::build::open(state),
        Command::Refresh => {
            super::read_repos(state, true, effects);
            state.flash("Reading the bound repos again", false);
        }
        Command::MatchAll => {
            let mut root = Field::new("Root folder", "Where your git repositories are (searched 4 levels deep)", "");
            root.input.set_placeholder_text("~/src");
            state.ws.form = Some(Form::new("Match apps to repos", FormPurpose::MatchRoot, vec![root]));
        }
        Command::Bind => {
            if let Some(card) = card {
                let image = card.images.first().map(|(_, i)| i.as_str());
                state.ws.form =
                    Some(bind_form(&card.namespace, card.kind, &card.name, card.binding.as_ref(), image, None));
            }
        }
        Command::Submit => {
            if let Some(card) = card {
                open_app(state, &card);
            }
        }
        _ => {}
    }
}

/// Enter on a card: the pod list narrowed to the app's pods, in its namespace. Esc comes back to the cards.
fn open_app(state: &mut State, card: &super::AppCard) {
    state.ws.suspended = state.ws.screen.take();
    state.scope = Scope::Namespace(card.namespace.clone());
    let previous = std::mem::replace(&mut state.view, ListView::new(Kind::Pod));
    state.back.push(previous);
    state.view.app = Some(AppFilter {
        namespace: card.namespace.clone(),
        name: card.name.clone(),
        selector: card.selector.clone(),
        kind: card.kind,
        services: card.services.clone(),
    });
}

/// Esc in the pod list of an app: back to the cards. `true` when it handled the key.
pub fn on_back(state: &mut State) -> bool {
    if state.view.app.is_none() {
        return false;
    }
    match state.back.pop() {
        Some(previous) => state.view = previous,
        None => state.view = ListView::new(Kind::Pod),
    }
    state.view.app = None;
    if let Some(screen) = state.ws.suspended.take() {
        state.ws.screen = Some(screen);
    }
    true
}

fn on_matches(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) {
    if global(state, command, effects) {
        return;
    }
    let Some(command) = command else { return };
    let Some(Screen::Matches { rows, selected, .. }) = &mut state.ws.screen else { return };
    match command {
        Command::Down | Command::Up | Command::Top | Command::Bottom => step(selected, rows.len(), command),
        Command::Back => state.ws.screen = Some(Screen::Apps { selected: 0 }),
        Command::Accept => {
            if let Some(row) = rows.get_mut(*selected)
                && row.binding.is_some()
            {
                row.accepted = !row.accepted;
            }
        }
        Command::Skip => {
            if let Some(row) = rows.get_mut(*selected) {
                row.accepted = false;
            }
            step(selected, rows.len(), Command::Down);
        }
        Command::Edit => {
            if let Some(row) = rows.get(*selected) {
                let app = &row.app;
                let image = app.images.first().map(String::as_str);
                state.ws.form =
                    Some(bind_form(&app.namespace, &app.kind, &app.name, row.binding.as_ref(), image, Some(*selected)));
            }
        }
        Command::Submit => {
            let chosen: Vec<AppBinding> =
                rows.iter().filter(|r| r.accepted).filter_map(|r| r.binding.clone()).collect();
            if chosen.is_empty() {
                state.flash("Nothing accepted: a accepts a proposal, e edits one", true);
                return;
            }
            state.ws.screen = Some(Screen::Apps { selected: 0 });
            effects.push(Effect::Ws(WsEffect::Bind(chosen)));
        }
        _ => {}
    }
}

/// `W` on a list: take the first-run offer, a workspace of the context's namespace, made the default.
pub fn accept_offer(state: &mut State, effects: &mut Vec<Effect>) {
    if super::offer(state).is_none() {
        state.flash("There is no workspace to create here; :ws manages workspaces", false);
        return;
    }
    state.ws.offer_done = true;
    let ns = state.context.namespace.clone();
    let mut workspace = Workspace::new(state.context.context.clone(), ns.clone());
    workspace.is_default = true;
    workspace.filters.namespaces_allow = vec![ns];
    effects.push(Effect::Ws(WsEffect::Save { workspace, open: true }));
}
