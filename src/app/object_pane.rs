//! The describe and YAML panes of any object: the text (Secret values masked), a search with n/N, and for a
//! Secret the explicit reveal of one key, decoded. A revealed value lives only in this pane's memory.
use super::describe::{describe_with_events, yaml_lines};
use super::keymap::Command;
use super::msg::Effect;
use super::state::State;
use crate::action::wrap::wrap_command;
use crate::action::{Action, ActionError, ObjectRef, Outcome, Plan};
use crate::analysis::secret_mask::{self, Unmasked};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneKind {
    Describe,
    Yaml,
}

/// A search in the pane: what is typed, and the lines that match.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaneSearch {
    pub query: String,
    /// Still typing (the footer shows the input).
    pub editing: bool,
    /// Indexes of the lines that contain the query (case-insensitive).
    pub matches: Vec<usize>,
    /// Which of `matches` is current.
    pub current: Option<usize>,
}

/// Choosing which Secret key to reveal, or the one revealed.
#[derive(Clone, PartialEq)]
pub enum Reveal {
    Choosing { keys: Vec<String>, selected: usize },
    Shown { key: String, value: String },
}

impl std::fmt::Debug for Reveal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reveal::Choosing { keys, selected } => write!(f, "Choosing({keys:?}, {selected})"),
            Reveal::Shown { key, .. } => write!(f, "Shown({key}, {})", secret_mask::MASK),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPane {
    pub kind: PaneKind,
    pub target: ObjectRef,
    pub title: String,
    pub plan: Plan,
    pub lines: Vec<String>,
    pub scroll: usize,
    pub loading: bool,
    pub search: Option<PaneSearch>,
    /// The object as served, kept only for a Secret (to reveal a key); its `Debug` is masked.
    pub secret: Option<Unmasked>,
    pub reveal: Option<Reveal>,
}

impl ObjectPane {
    pub fn searching(&self) -> bool {
        self.search.as_ref().is_some_and(|s| s.editing)
    }

    /// The line the current match is on.
    pub fn current_match(&self) -> Option<usize> {
        let search = self.search.as_ref()?;
        search.matches.get(search.current?).copied()
    }
}

/// `d` or `y` on a row: open the pane, loading, and read the object (and its events for describe).
pub fn open(state: &mut State, kind: PaneKind, target: ObjectRef, effects: &mut Vec<Effect>) {
    let action = match kind {
        PaneKind::Describe => Action::Describe { target: target.clone() },
        PaneKind::Yaml => Action::Yaml { target: target.clone() },
    };
    let plan = action.plan(&state.plan_ctx());
    effects.push(Effect::Run { action, dry_run: false, command: plan.command.clone() });
    state.object_pane = Some(ObjectPane {
        kind,
        target,
        title: plan.summary.clone(),
        plan,
        lines: Vec::new(),
        scroll: 0,
        loading: true,
        search: None,
        secret: None,
        reveal: None,
    });
}

/// The object arrived: fill the pane if it waits for it. Returns the result when it is not the pane's.
pub fn on_done(
    state: &mut State,
    command: &str,
    result: Result<Outcome, ActionError>,
) -> Option<Result<Outcome, ActionError>> {
    let now = state.now;
    let Some(pane) = state.object_pane.as_mut().filter(|p| p.loading && p.plan.command == command) else {
        return Some(result);
    };
    pane.loading = false;
    let object = match result {
        Ok(Outcome::Described { object, events }) => {
            pane.lines = describe_with_events(&object, &events, now);
            object
        }
        Ok(Outcome::Object(object)) => {
            pane.lines = match pane.kind {
                PaneKind::Yaml => yaml_lines(&object),
                PaneKind::Describe => describe_with_events(&object, &Ok(Vec::new()), now),
            };
            object
        }
        Ok(_) => {
            pane.lines = vec!["(nothing to show)".into()];
            return None;
        }
        Err(err) => {
            pane.lines = err.to_string().lines().map(str::to_string).collect();
            return None;
        }
    };
    if secret_mask::is_secret(&object) {
        pane.secret = Some(Unmasked(object));
    }
    None
}

/// Rows of text the pane shows: the list's rows less its command rows, the blank under them and its border.
fn text_rows(state: &State) -> usize {
    let command = state.object_pane.as_ref().map_or(1, |pane| command_rows(&pane.plan.command, state.width).len());
    state.page_size().saturating_sub(2 + command).max(1)
}

/// The pane's kubectl line as shown: `$ kubectl …` wrapped between shell words to the pane's inner width, so
/// the whole command can be read (`c` copies it as one line).
pub fn command_rows(command: &str, width: u16) -> Vec<String> {
    wrap_command(&format!("$ {command}"), usize::from(width.saturating_sub(2)).max(20), 4)
}

/// A key in the pane.
pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let page = text_rows(state);
    let Some(pane) = state.object_pane.as_mut() else { return };
    if let Some(Reveal::Choosing { keys, selected }) = &mut pane.reveal {
        match command {
            Command::Down => *selected = (*selected + 1).min(keys.len().saturating_sub(1)),
            Command::Up => *selected = selected.saturating_sub(1),
            Command::Submit => {
                let key = keys.get(*selected).cloned().unwrap_or_default();
                let value = pane.secret.as_ref().and_then(|s| secret_mask::reveal(&s.0, &key));
                pane.reveal = value.map(|value| Reveal::Shown { key, value });
            }
            Command::Back | Command::Cancel | Command::Reveal => pane.reveal = None,
            _ => {}
        }
        return;
    }
    if let Some(scroll) = super::actions::scrolled(pane.scroll, command, pane.lines.len(), page) {
        // Never past the last page: the last line stays at the bottom, as a pager stops.
        pane.scroll = scroll.min(pane.lines.len().saturating_sub(page));
        return;
    }
    match command {
        Command::Copy => effects.push(Effect::Copy(pane.plan.command.clone())),
        Command::Search => pane.search = Some(PaneSearch { editing: true, ..PaneSearch::default() }),
        Command::NextMatch | Command::PrevMatch => step(pane, command == Command::NextMatch),
        Command::Reveal => match (&pane.secret, &pane.reveal) {
            (_, Some(Reveal::Shown { .. })) => pane.reveal = None,
            (Some(secret), _) => {
                let keys = secret_mask::keys(&secret.0);
                if keys.is_empty() {
                    state.flash("This Secret has no values", false);
                } else {
                    pane.reveal = Some(Reveal::Choosing { keys, selected: 0 });
                }
            }
            (None, _) => state.flash("Only a Secret's values can be revealed", false),
        },
        Command::Edit => {
            let target = pane.target.clone();
            super::editor::open(state, target, effects);
        }
        Command::Back | Command::Cancel => {
            if pane.search.as_ref().is_some_and(|s| !s.query.is_empty()) {
                pane.search = None;
            } else {
                // Closing drops a revealed value with the pane.
                state.object_pane = None;
            }
        }
        _ => {}
    }
}

/// Typing the search: every key refines it; Enter keeps it, Esc drops it.
pub fn on_search_key(state: &mut State, key: crossterm::event::KeyEvent, command: Option<Command>) {
    use crossterm::event::{KeyCode, KeyModifiers};
    let page = state.page_size();
    let Some(pane) = state.object_pane.as_mut() else { return };
    let Some(search) = pane.search.as_mut() else { return };
    match command {
        Some(Command::Submit) => search.editing = false,
        Some(Command::Cancel) => pane.search = None,
        _ => match key.code {
            KeyCode::Backspace => {
                search.query.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.query.push(c),
            _ => return,
        },
    }
    if let Some(search) = pane.search.as_mut() {
        let needle = search.query.to_lowercase();
        search.matches = if needle.is_empty() {
            Vec::new()
        } else {
            pane.lines
                .iter()
                .enumerate()
                .filter(|(_, l)| !super::logs::find_all(l, &search.query).is_empty())
                .map(|(i, _)| i)
                .collect()
        };
        // The first match at or below the top of the view, as a pager does.
        search.current = search.matches.iter().position(|m| *m >= pane.scroll).or(if search.matches.is_empty() {
            None
        } else {
            Some(0)
        });
    }
    center(pane, page);
}

fn step(pane: &mut ObjectPane, forward: bool) {
    let Some(search) = pane.search.as_mut().filter(|s| !s.matches.is_empty()) else { return };
    let n = search.matches.len();
    search.current = Some(match (search.current, forward) {
        (None, _) => 0,
        (Some(c), true) => (c + 1) % n,
        (Some(c), false) => (c + n - 1) % n,
    });
    center(pane, 3);
}

/// Scroll so the current match is in view, a few lines below the top.
fn center(pane: &mut ObjectPane, margin: usize) {
    if let Some(line) = pane.current_match() {
        pane.scroll = line.saturating_sub(margin.min(3));
    }
}

/// The search being typed, for the footer.
pub fn search_input(state: &State) -> Option<&str> {
    let search = state.object_pane.as_ref()?.search.as_ref()?;
    search.editing.then_some(search.query.as_str())
}

/// Which kind of pane a row key opens, for the list's `d` and `y`.
pub fn kind_of(command: Command) -> Option<PaneKind> {
    match command {
        Command::Describe => Some(PaneKind::Describe),
        Command::Yaml => Some(PaneKind::Yaml),
        _ => None,
    }
}
