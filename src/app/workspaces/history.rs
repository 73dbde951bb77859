//! An app's history, reached with Tab after its Services: what mosaic did to it, newest first, across sessions
//! (scale, restart, set image, edits, deletes and execs of its pods, probes and HTTP requests aimed at it, each
//! stage of a build). Enter shows an entry whole; `c` copies its kubectl line. The runtime reads the store
//! (`src/runtime/history.rs`) and answers with [`super::WsMsg::History`].
use super::{AppFilter, WsEffect};
use crate::app::keymap::Command;
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::store::TranscriptEntry;

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPane {
    pub namespace: String,
    /// `deployment`, as kubectl says it.
    pub kind: String,
    pub name: String,
    /// What the history is looked up by: the app (`deployment/checkout`) and its Services (`service/checkout`).
    pub apps: Vec<String>,
    /// `None` while loading; an error says why the store could not answer.
    pub entries: Option<Result<Vec<TranscriptEntry>, String>>,
    pub selected: usize,
    /// The selected entry is shown whole.
    pub open: bool,
    /// How far the open entry is scrolled.
    pub scroll: usize,
}

impl HistoryPane {
    pub fn for_app(app: &AppFilter) -> HistoryPane {
        let kind = app.kind.to_lowercase();
        let mut apps = vec![format!("{kind}/{}", app.name)];
        apps.extend(app.services.iter().map(|s| format!("service/{s}")));
        HistoryPane {
            namespace: app.namespace.clone(),
            kind,
            name: app.name.clone(),
            apps,
            entries: None,
            selected: 0,
            open: false,
            scroll: 0,
        }
    }

    pub fn title(&self) -> String {
        format!("History of {} {} in {}", self.kind, self.name, self.namespace)
    }

    pub fn loaded(&self) -> &[TranscriptEntry] {
        match &self.entries {
            Some(Ok(entries)) => entries,
            _ => &[],
        }
    }

    pub fn selected_entry(&self) -> Option<&TranscriptEntry> {
        self.loaded().get(self.selected)
    }

    /// What the empty history says: nothing done yet, and how to do something.
    pub fn empty_text(&self) -> String {
        let keys = match self.kind.as_str() {
            "daemonset" => "r restarts, i sets the image, B builds and rolls out",
            _ => "s scales, r restarts, i sets the image, B builds and rolls out",
        };
        format!("mosaic has not changed {} yet; on its card (Esc) {keys}.", self.name)
    }
}

/// Tab after the app's last list: the history, read afresh.
pub fn open(state: &mut State, app: &AppFilter, effects: &mut Vec<Effect>) {
    let pane = HistoryPane::for_app(app);
    effects.push(Effect::Ws(WsEffect::LoadHistory {
        context: state.context.context.clone(),
        namespace: pane.namespace.clone(),
        apps: pane.apps.clone(),
    }));
    state.ws.history = Some(pane);
}

/// The store answered; a late answer for another app is dropped.
pub fn on_loaded(state: &mut State, namespace: &str, apps: &[String], result: Result<Vec<TranscriptEntry>, String>) {
    let Some(pane) = &mut state.ws.history else { return };
    if pane.namespace != namespace || pane.apps != apps {
        return;
    }
    if let Ok(entries) = &result {
        pane.selected = pane.selected.min(entries.len().saturating_sub(1));
    }
    pane.entries = Some(result);
}

pub fn on_command(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) {
    let Some(command) = command else { return };
    match command {
        Command::Palette => return crate::app::update::open_palette(state, effects),
        Command::Help => {
            state.mode = crate::app::Mode::Help { scroll: 0 };
            return;
        }
        Command::Quit => {
            state.quit = true;
            effects.push(Effect::Quit);
            return;
        }
        _ => {}
    }
    let Some(pane) = &mut state.ws.history else { return };
    // An entry takes up to three lines: a page is five entries.
    const PAGE: usize = 5;
    let moved = crate::app::actions::moved(pane.selected, command, pane.loaded().len(), PAGE);
    match command {
        Command::Down if pane.open => pane.scroll += 1,
        Command::Up if pane.open => pane.scroll = pane.scroll.saturating_sub(1),
        _ if moved.is_some() => pane.selected = moved.unwrap_or(pane.selected),
        Command::Submit => {
            pane.open = pane.selected_entry().is_some();
            pane.scroll = 0;
        }
        Command::Copy => match pane.selected_entry().map(|e| e.command.clone()) {
            Some(line) => effects.push(Effect::Copy(line)),
            None => state.flash("Nothing to copy: the history is empty", false),
        },
        Command::Back if pane.open => pane.open = false,
        Command::Back => state.ws.history = None,
        // Tab goes round: from the history back to the app's first list.
        Command::AppNext => {
            state.ws.history = None;
            if let Some(app) = state.view.app.clone() {
                state.view = crate::app::state::ListView::new(super::app_view::lists(app.kind)[0]);
                state.view.app = Some(app);
            }
        }
        _ => {}
    }
}
