//! `update(state, msg) -> effects`: every change to the state happens here, and nothing here does I/O.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::actions;
use super::keymap::{Command, KeyContext, lookup};
use super::msg::{Data, Effect, Msg};
use super::palette::{self, PaletteCommand, PaletteState};
use super::state::{Fallback, ListView, Mode, State};
use crate::cluster::{Kind, Scope, WatchState, WatchUpdate};

/// How long a footer message stays.
const FLASH_SECS: u64 = 6;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(key) => on_key(state, key, &mut effects),
        Msg::Resize(w, h) => {
            state.width = w;
            state.height = h;
            let selected = state.view.selected;
            state.select(selected);
        }
        Msg::Tick => {
            state.now = jiff::Timestamp::now();
            if state.flash.as_ref().is_some_and(|f| f.at.elapsed().as_secs() >= FLASH_SECS) {
                state.flash = None;
            }
        }
        Msg::Data { epoch, scope, data } => {
            if epoch == state.epoch {
                on_data(state, scope, data, &mut effects);
            }
        }
        Msg::Fallback { epoch, kind, namespaces, how } => {
            if epoch == state.epoch {
                state.fallback.insert(kind, Fallback { namespaces, how });
            }
        }
        Msg::Switched(Ok(info)) => {
            state.switching = None;
            // The runtime stopped the old context's log stream with everything else.
            state.logs = None;
            state.wizard.pane = None;
            state.faults = None;
            state.flash(format!("Switched to context {}", info.context), false);
            if let Scope::Namespace(_) = state.scope {
                state.scope = Scope::Namespace(info.namespace.clone());
            }
            state.context = info;
            state.epoch += 1;
            state.requested.clear();
            state.access.clear();
            state.fallback_requested.clear();
            state.fallback.clear();
            state.pods.clear();
            state.deployments.clear();
            state.services.clear();
            state.events.clear();
            state.namespaces.clear();
            state.dynamic.clear();
            state.kinds = Default::default();
        }
        Msg::Switched(Err(message)) => {
            state.switching = None;
            state.flash(message, true);
        }
        Msg::Discovered { epoch, result } => {
            if epoch == state.epoch {
                super::browse::on_discovered(state, result, &mut effects);
            }
        }
        Msg::Notice { text, error } => state.flash(text, error),
        Msg::Checked { command, result } => {
            if !super::editor::on_checked(state, &command, &result) {
                actions::on_checked(state, &command, result);
            }
        }
        Msg::Done { command, dry_run, result } => {
            // Exec output, a shell and a forward are handled by their module; the rest as every action.
            if let Some(result) = super::exec::on_done(state, &command, dry_run, result, &mut effects)
                && let Some(result) = super::kind_ops::on_done(state, &command, result, &mut effects)
                && let Some(result) = super::editor::on_done(state, &command, dry_run, result, &mut effects)
                && let Some(result) = super::object_pane::on_done(state, &command, result)
            {
                actions::on_done(state, &command, dry_run, result);
            }
        }
        Msg::Copied { text, result } => actions::on_copied(state, text, result),
        Msg::Explained { target, result } => super::timeline::on_explained(state, &target, result),
        Msg::Faults { epoch, result } => super::faults::on_loaded(state, epoch, result),
        Msg::Access { query, allowed } => {
            state.access.insert(query, allowed);
        }
        Msg::Logs { stream, update } => super::logs::on_update(state, stream, update),
        Msg::Exec(msg) => super::exec::on_msg(state, msg),
        Msg::Wizard(msg) => super::wizard::on_msg(state, msg, &mut effects),
        Msg::Ws(msg) => super::workspaces::on_msg(state, msg, &mut effects),
        Msg::Http(msg) => super::http::on_msg(state, msg),
    }
    if state.related.is_some() {
        super::related::refresh(state);
    }
    ensure_watches(state, &mut effects);
    super::workspaces::ensure(state, &mut effects);
    ensure_access(state, &mut effects);
    state.refresh_index();
    effects
}

/// While the game plan pane is shown, ask once per permission whether the user may run the selected row's
/// actions, so the pane can show the ones they may not as disabled before anyone presses a key.
fn ensure_access(state: &mut State, effects: &mut Vec<Effect>) {
    if !state.show_plan {
        return;
    }
    let ctx = state.plan_ctx();
    for (_, action) in actions::selected_actions(state) {
        let query = action.plan(&ctx).permission;
        if !state.access.contains_key(&query) {
            state.access.insert(query.clone(), None);
            effects.push(Effect::Access(query));
        }
    }
}

/// Ask for the watches the current view needs, once per epoch.
fn ensure_watches(state: &mut State, effects: &mut Vec<Effect>) {
    let kind = state.view.kind;
    if !kind.watched() {
        return;
    }
    for scope in state.scopes_for(kind) {
        if state.requested.insert((kind, scope.clone())) {
            begin(state, kind, &scope);
            effects.push(Effect::Watch(kind, scope));
        }
    }
}

fn begin(state: &mut State, kind: Kind, scope: &Scope) {
    match kind {
        Kind::Pod => state.pods.begin(scope),
        Kind::Deployment => state.deployments.begin(scope),
        Kind::Service => state.services.begin(scope),
        Kind::Event => state.events.begin(scope),
        Kind::Namespace => state.namespaces.begin(scope),
        other => state.dynamic.entry(other).or_default().begin(scope),
    }
}

fn watch_state<K>(update: &WatchUpdate<K>) -> Option<WatchState> {
    match update {
        WatchUpdate::State(s) => Some(s.clone()),
        _ => None,
    }
}

fn on_data(state: &mut State, scope: Scope, data: Data, effects: &mut Vec<Effect>) {
    let now = state.now;
    let (kind, new_state) = match data {
        Data::Pods(u) => (Kind::Pod, {
            let s = watch_state(&u);
            state.pods.apply(&scope, u, now);
            s
        }),
        Data::Deployments(u) => (Kind::Deployment, {
            let s = watch_state(&u);
            state.deployments.apply(&scope, u, now);
            s
        }),
        Data::Services(u) => (Kind::Service, {
            let s = watch_state(&u);
            state.services.apply(&scope, u, now);
            s
        }),
        Data::Events(u) => (Kind::Event, {
            let s = watch_state(&u);
            state.events.apply(&scope, u, now);
            s
        }),
        Data::Namespaces(u) => (Kind::Namespace, {
            let s = watch_state(&u);
            state.namespaces.apply(&scope, u, now);
            s
        }),
        Data::Dynamic(kind, u) => (kind, {
            let s = watch_state(&u);
            super::browse::on_dynamic(state, &scope, kind, u);
            s
        }),
        Data::Columns(kind, defs) => {
            super::browse::on_columns(state, kind, defs);
            return;
        }
    };
    if kind == Kind::Pod {
        super::browse::refresh_containers(state);
    }
    // A forbidden cluster-wide list falls back to the namespaces this user may list.
    if let Some(WatchState::Forbidden { .. }) = new_state
        && scope == Scope::All
        && kind.namespaced()
        && state.fallback_requested.insert(kind)
    {
        effects.push(Effect::ResolveFallback(kind));
    }
}

/// The context keys are read in: the footer hints the same one.
pub fn key_context(state: &State) -> KeyContext {
    match &state.mode {
        Mode::Normal if state.editor.is_some() => {
            state.editor.as_ref().map_or(KeyContext::List, super::editor::key_context)
        }
        Mode::Normal if state.http.is_some() => KeyContext::HttpSender,
        Mode::Normal if let Some(context) = super::workspaces::key_context(state) => context,
        Mode::Normal if state.pane.is_some() => KeyContext::Text,
        Mode::Normal if state.object_pane.as_ref().is_some_and(|p| p.searching()) => KeyContext::LogSearch,
        Mode::Normal if state.object_pane.is_some() => KeyContext::Object,
        Mode::Normal if state.timeline.is_some() => KeyContext::Text,
        Mode::Normal if state.wizard.pane.is_some() => {
            super::wizard::key_context(&state.wizard).unwrap_or(KeyContext::Wizard)
        }
        Mode::Normal if super::faults::filter_input(state).is_some() => KeyContext::Filter,
        Mode::Normal if state.faults.is_some() => KeyContext::Faults,
        Mode::Normal if state.exec.forwards_open.is_some() => KeyContext::Forwards,
        Mode::Normal if state.logs.as_ref().is_some_and(|l| l.searching()) => KeyContext::LogSearch,
        Mode::Normal if state.logs.is_some() => KeyContext::Logs,
        Mode::Normal => KeyContext::List,
        Mode::Palette(_) => KeyContext::Palette,
        Mode::Filter => KeyContext::Filter,
        Mode::Help { .. } => KeyContext::Help,
        Mode::Confirm(_) => KeyContext::Confirm,
        Mode::Prompt(_) => KeyContext::Prompt,
    }
}

fn on_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    let context = key_context(state);
    let command = lookup(context, Some(state.view.kind), &key);
    if command == Some(Command::ForceQuit) {
        quit(state, effects);
        return;
    }
    match context {
        KeyContext::HttpSender => super::http::on_key(state, key, command, effects),
        KeyContext::Palette => on_palette_key(state, key, command, effects),
        KeyContext::Filter if state.faults.is_some() => super::faults::on_filter_key(state, key, command),
        KeyContext::Filter => on_filter_key(state, key, command),
        KeyContext::Help => match command {
            Some(Command::Cancel) => state.mode = Mode::Normal,
            Some(Command::Down) => {
                if let Mode::Help { scroll } = &mut state.mode {
                    *scroll = scroll.saturating_add(1);
                }
            }
            Some(Command::Up) => {
                if let Mode::Help { scroll } = &mut state.mode {
                    *scroll = scroll.saturating_sub(1);
                }
            }
            _ => {}
        },
        KeyContext::Confirm if matches!(state.mode, Mode::Normal) => {
            super::workspaces::on_key(state, context, key, command, effects)
        }
        KeyContext::Confirm => {
            if let Some(command) = command {
                actions::on_confirm_command(state, command, effects);
            }
        }
        KeyContext::Prompt => on_prompt_key(state, key, command, effects),
        KeyContext::Editor | KeyContext::EditorReview => super::editor::on_key(state, key, command, effects),
        KeyContext::Text => match command {
            Some(Command::Palette) => open_palette(state, effects),
            Some(Command::Help) => state.mode = Mode::Help { scroll: 0 },
            Some(Command::Quit) => quit(state, effects),
            Some(command) if state.pane.is_none() => super::timeline::on_command(state, command, effects),
            Some(command) => actions::on_text_command(state, command, effects),
            None => {}
        },
        KeyContext::Object => match command {
            Some(Command::Palette) => open_palette(state, effects),
            Some(Command::Help) => state.mode = Mode::Help { scroll: 0 },
            Some(command) => super::object_pane::on_command(state, command, effects),
            None => {}
        },
        KeyContext::Logs => match command {
            Some(Command::Palette) => open_palette(state, effects),
            Some(Command::Help) => state.mode = Mode::Help { scroll: 0 },
            Some(command) => super::logs::on_command(state, command, effects),
            None => {}
        },
        KeyContext::LogSearch if state.object_pane.as_ref().is_some_and(|p| p.searching()) => {
            super::object_pane::on_search_key(state, key, command)
        }
        KeyContext::LogSearch => super::logs::on_search_key(state, key, command),
        KeyContext::Wizard | KeyContext::WizardChoose => match command {
            Some(Command::Palette) => open_palette(state, effects),
            Some(Command::Help) => state.mode = Mode::Help { scroll: 0 },
            Some(command) => super::wizard::on_command(state, command, effects),
            None => {}
        },
        KeyContext::Faults => match command {
            Some(Command::Palette) => open_palette(state, effects),
            Some(Command::Help) => state.mode = Mode::Help { scroll: 0 },
            Some(Command::Quit) => quit(state, effects),
            Some(command) => super::faults::on_command(state, command, effects),
            None => {}
        },
        KeyContext::Forwards => match command {
            Some(Command::Palette) => open_palette(state, effects),
            Some(Command::Help) => state.mode = Mode::Help { scroll: 0 },
            Some(command) => super::exec::on_forwards_command(state, command, effects),
            None => {}
        },
        KeyContext::Workspaces
        | KeyContext::Apps
        | KeyContext::Matches
        | KeyContext::Form
        | KeyContext::Build
        | KeyContext::AppHistory => super::workspaces::on_key(state, context, key, command, effects),
        KeyContext::List | KeyContext::Global => {
            if let Some(command) = command
                && actions::on_list_command(state, command, effects)
            {
            } else if let Some(command) = command {
                on_list_command(state, command, effects);
            } else if key.code == KeyCode::Enter {
                on_enter(state, effects);
            }
        }
    }
}

fn on_list_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let page = state.page_size();
    let sel = state.view.selected;
    match command {
        Command::Quit | Command::ForceQuit => quit(state, effects),
        Command::Help => state.mode = Mode::Help { scroll: 0 },
        Command::Palette => open_palette(state, effects),
        Command::Filter => state.mode = Mode::Filter,
        Command::AcceptOffer => super::workspaces::accept_offer(state, effects),
        Command::Back => {
            if super::workspaces::on_back(state) {
            } else if !state.view.filter.is_empty() {
                state.view.filter.clear();
            } else if let Some(previous) = state.back.pop() {
                state.view = previous;
            }
        }
        Command::Down => state.select(sel + 1),
        Command::Up => state.select(sel.saturating_sub(1)),
        Command::PageDown => state.select(sel + page),
        Command::PageUp => state.select(sel.saturating_sub(page)),
        Command::Top => state.select(0),
        Command::Bottom => state.select(usize::MAX),
        Command::Exec | Command::Shell | Command::PortForward => super::exec::on_list_command(state, command, effects),
        Command::Owner => super::browse::jump_to_owner(state),
        Command::Related => super::related::open(state, effects),
        Command::Open => on_enter(state, effects),
        Command::NetworkWizard => super::wizard::open(state, effects),
        Command::HttpSend => super::http::open(state, effects),
        _ => {}
    }
}

/// Enter on a namespace picks it; on other kinds it drills down.
fn on_enter(state: &mut State, effects: &mut Vec<Effect>) {
    if state.view.kind != Kind::Namespace {
        super::browse::drill_down(state, effects);
    } else if state.view.kind == Kind::Namespace
        && let Some((_, name)) = state.view.selected_key.clone()
    {
        set_namespace(state, Scope::Namespace(name));
        if let Some(previous) = state.back.pop() {
            state.view = ListView { selected: 0, offset: 0, selected_key: None, ..previous };
        } else {
            state.view = ListView::new(Kind::Pod);
        }
    }
}

fn quit(state: &mut State, effects: &mut Vec<Effect>) {
    state.quit = true;
    effects.push(Effect::Quit);
}

fn known_namespaces(state: &State) -> Vec<String> {
    let mut names: Vec<String> = state.namespaces.entries(&[Scope::All]).map(|((_, name), _)| name.clone()).collect();
    if names.is_empty() {
        names.push(state.context.namespace.clone());
        for fb in state.fallback.values() {
            names.extend(fb.namespaces.iter().cloned());
        }
        names.sort();
        names.dedup();
    }
    names
}

pub(crate) fn open_palette(state: &mut State, effects: &mut Vec<Effect>) {
    super::browse::ensure_discovery(state, effects);
    let suggestions = palette::suggest("", &[], &state.context.contexts, &state.kinds.suggestions());
    state.mode = Mode::Palette(PaletteState { input: String::new(), suggestions, selected: 0 });
}

fn on_palette_key(state: &mut State, key: KeyEvent, command: Option<Command>, effects: &mut Vec<Effect>) {
    let Mode::Palette(p) = &mut state.mode else { return };
    match command {
        Some(Command::Cancel) => {
            state.mode = Mode::Normal;
            return;
        }
        Some(Command::Up) => {
            p.selected = p.selected.saturating_sub(1);
            return;
        }
        Some(Command::Down) => {
            p.selected = (p.selected + 1).min(p.suggestions.len().saturating_sub(1));
            return;
        }
        Some(Command::Complete) => {
            if let Some(s) = p.suggestions.get(p.selected) {
                p.input = s.text.clone();
                if matches!(p.input.as_str(), "ns" | "ctx") {
                    p.input.push(' ');
                }
            }
        }
        Some(Command::Submit) => {
            // An unknown word runs the highlighted suggestion, as `:dep` Enter opens deployments.
            // A word that names a kind (or may, once discovery answers) is kept as typed.
            let input = match (palette::parse(&p.input), p.suggestions.get(p.selected)) {
                (Err(palette::PaletteError::Unknown(word)), Some(s))
                    if matches!(state.kinds.resolve(&word), super::kinds::Resolved::Unknown { .. }) =>
                {
                    s.text.clone()
                }
                _ => p.input.clone(),
            };
            state.mode = Mode::Normal;
            run_palette(state, &input, effects);
            return;
        }
        _ => match key.code {
            KeyCode::Backspace => {
                p.input.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => p.input.push(c),
            _ => return,
        },
    }
    let input = {
        let Mode::Palette(p) = &state.mode else { return };
        p.input.clone()
    };
    // The namespace list is only watched once someone asks for namespaces.
    if input.starts_with("ns") && state.requested.insert((Kind::Namespace, Scope::All)) {
        state.namespaces.begin(&Scope::All);
        effects.push(Effect::Watch(Kind::Namespace, Scope::All));
    }
    let suggestions =
        palette::suggest(&input, &known_namespaces(state), &state.context.contexts, &state.kinds.suggestions());
    if let Mode::Palette(p) = &mut state.mode {
        p.suggestions = suggestions;
        p.selected = 0;
    }
}

fn run_palette(state: &mut State, input: &str, effects: &mut Vec<Effect>) {
    match palette::parse(input) {
        Ok(PaletteCommand::View(kind)) => show(state, kind),
        Ok(PaletteCommand::Namespace(Some(ns))) => {
            let scope = if matches!(ns.as_str(), "all" | "-A" | "*") { Scope::All } else { Scope::Namespace(ns) };
            set_namespace(state, scope);
        }
        Ok(PaletteCommand::Namespace(None)) => {
            show(state, Kind::Namespace);
            // Start on the namespace in view, so Enter alone keeps it.
            if let Scope::Namespace(ns) = &state.scope {
                state.view.selected_key = Some((String::new(), ns.clone()));
            }
        }
        Ok(PaletteCommand::Context(Some(name))) => {
            if name == state.context.context {
                state.flash(format!("Already on context {name}"), false);
            } else if !state.context.contexts.contains(&name) {
                let list = state.context.contexts.join(", ");
                state.flash(format!("No context named {name}. Contexts: {list}"), true);
            } else {
                state.switching = Some(name.clone());
                effects.push(Effect::SwitchContext(name));
            }
        }
        Ok(PaletteCommand::Context(None)) => {
            let list = state.context.contexts.join(", ");
            state.flash(format!("Contexts: {list}. Switch with :ctx NAME"), false);
        }
        Ok(PaletteCommand::Help) => state.mode = Mode::Help { scroll: 0 },
        Ok(PaletteCommand::Forwards) => super::exec::open_forwards(state),
        Ok(PaletteCommand::Faults) => super::faults::open(state, effects),
        Ok(PaletteCommand::Workspaces(name)) => super::workspaces::open_workspaces(state, name, effects),
        Ok(PaletteCommand::Apps) => super::workspaces::open_apps(state, None, effects),
        Ok(PaletteCommand::Quit) => quit(state, effects),
        Err(palette::PaletteError::Unknown(word)) => super::browse::open_kind(state, &word, effects),
        Err(e) => state.flash(e.to_string(), true),
    }
}

fn show(state: &mut State, kind: Kind) {
    // Asking for a list leaves the workspace screens and whatever covers the list.
    state.close_overlays();
    state.ws.screen = None;
    state.ws.suspended = None;
    if state.view.kind != kind {
        let previous = std::mem::replace(&mut state.view, ListView::new(kind));
        state.back.push(previous);
        state.back.truncate(20);
    }
}

fn set_namespace(state: &mut State, scope: Scope) {
    state.flash(format!("Showing {scope}"), false);
    state.scope = scope;
    state.view.selected = 0;
    state.view.offset = 0;
    state.view.selected_key = None;
}

fn on_prompt_key(state: &mut State, key: KeyEvent, command: Option<Command>, effects: &mut Vec<Effect>) {
    match command {
        Some(Command::Submit) => actions::on_prompt_submit(state, effects),
        Some(Command::Cancel) => state.mode = Mode::Normal,
        Some(Command::Up) => super::exec::history_step(state, true),
        Some(Command::Down) => super::exec::history_step(state, false),
        _ => {
            let Mode::Prompt(prompt) = &mut state.mode else { return };
            match key.code {
                KeyCode::Backspace => {
                    prompt.input.pop();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => prompt.input.push(c),
                _ => {}
            }
        }
    }
}

fn on_filter_key(state: &mut State, key: KeyEvent, command: Option<Command>) {
    match command {
        Some(Command::Submit) => state.mode = Mode::Normal,
        Some(Command::Cancel) => {
            state.view.filter.clear();
            state.mode = Mode::Normal;
        }
        Some(Command::Up) => state.select(state.view.selected.saturating_sub(1)),
        Some(Command::Down) => state.select(state.view.selected + 1),
        _ => match key.code {
            KeyCode::Backspace => {
                state.view.filter.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                state.view.filter.push(c);
                state.view.selected = 0;
                state.view.selected_key = None;
            }
            _ => {}
        },
    }
}
