//! `:faults`: the cluster-wide fault list over the whole body. Fetched once when opened and on `r` (no
//! polling); Enter opens the pod's explanation, the list view of a Deployment or Service with the cursor on
//! it, or the fault's detail in a text pane.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Command;
use super::msg::Effect;
use super::state::{ListView, State, TextPane};
use crate::analysis::faults::{Fault, FaultKind, Open, Report};
use crate::cluster::{Kind, Scope};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultsView {
    /// The last answer; kept while a refresh runs, so the list does not flash empty.
    pub report: Option<Report>,
    pub loading: bool,
    /// Why the last fetch failed.
    pub error: Option<String>,
    /// The position in the filtered rows.
    pub selected: usize,
    pub offset: usize,
    pub filter: String,
    /// `/` was pressed: keys type into the filter.
    pub filtering: bool,
    /// The game plan: the kubectl that lists what was checked.
    pub show_plan: bool,
    /// The namespace the list is for (`None`: every namespace).
    pub namespace: Option<String>,
}

impl FaultsView {
    /// The faults that pass the filter, in rank order.
    pub fn rows(&self) -> Vec<&Fault> {
        let needle = self.filter.to_lowercase();
        self.report
            .iter()
            .flat_map(|r| r.faults.iter())
            .filter(|f| {
                needle.is_empty()
                    || [f.severity.label(), f.kind.short(), f.namespace.as_deref().unwrap_or(""), &f.name, &f.verdict]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect()
    }

    pub fn selected_fault(&self) -> Option<&Fault> {
        self.rows().get(self.selected).copied()
    }

    fn select(&mut self, position: usize, page: usize) {
        let len = self.rows().len();
        self.selected = position.min(len.saturating_sub(1));
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }
}

/// Rows the list shows: the screen less the header and footer, a notice, the border, the column titles, the
/// "could not check" line and the game plan.
pub fn page_size(state: &State) -> usize {
    let Some(view) = &state.faults else { return 1 };
    let plan = if view.show_plan { PLAN_LINES } else { 0 };
    let unchecked = usize::from(view.report.as_ref().is_some_and(|r| !r.unchecked.is_empty()));
    let notice = usize::from(state.notice().is_some());
    let selected = if view.rows().is_empty() { 0 } else { SELECTED_LINES };
    (state.height as usize).saturating_sub(3 + notice + 3 + plan + unchecked + selected).max(1)
}

/// Lines under the list that show the selected fault's whole verdict.
pub const SELECTED_LINES: usize = 2;

/// Lines the game plan takes: its rule, two kubectl lines and the selected fault's next check.
pub const PLAN_LINES: usize = 4;

fn namespace_of(state: &State) -> Option<String> {
    match &state.scope {
        Scope::Namespace(ns) => Some(ns.clone()),
        Scope::All => None,
    }
}

/// `:faults`: show the list and fetch it.
pub fn open(state: &mut State, effects: &mut Vec<Effect>) {
    let namespace = namespace_of(state);
    let mut view = state.faults.take().filter(|v| v.namespace == namespace).unwrap_or_default();
    view.namespace = namespace.clone();
    view.loading = true;
    view.filtering = false;
    state.faults = Some(view);
    effects.push(Effect::Faults { epoch: state.epoch, namespace });
}

/// The fetch answered.
pub fn on_loaded(state: &mut State, epoch: u64, result: Result<Report, String>) {
    if epoch != state.epoch {
        return;
    }
    let page = page_size(state);
    let Some(view) = &mut state.faults else { return };
    view.loading = false;
    match result {
        Ok(report) => {
            // Keep the cursor on the same object across a refresh.
            let kept = view.selected_fault().map(|f| (f.kind, f.namespace.clone(), f.name.clone()));
            view.report = Some(report);
            view.error = None;
            let position = kept
                .and_then(|k| view.rows().iter().position(|f| (f.kind, f.namespace.clone(), f.name.clone()) == k))
                .unwrap_or(view.selected);
            view.select(position, page);
        }
        Err(why) => view.error = Some(why),
    }
}

/// A key in the fault list.
pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let page = page_size(state);
    let Some(view) = &mut state.faults else { return };
    let sel = view.selected;
    match command {
        Command::Down => view.select(sel + 1, page),
        Command::Up => view.select(sel.saturating_sub(1), page),
        Command::PageDown => view.select(sel + page, page),
        Command::PageUp => view.select(sel.saturating_sub(page), page),
        Command::Top => view.select(0, page),
        Command::Bottom => view.select(usize::MAX, page),
        Command::Filter => view.filtering = true,
        Command::TogglePlan => view.show_plan = !view.show_plan,
        Command::Refresh => open(state, effects),
        Command::Submit => enter(state, effects),
        Command::Back | Command::Cancel => {
            if !view.filter.is_empty() {
                view.filter.clear();
                view.select(0, page);
            } else {
                state.faults = None;
            }
        }
        _ => {}
    }
}

/// Typing a filter: Enter keeps it, Esc clears it.
pub fn on_filter_key(state: &mut State, key: KeyEvent, command: Option<Command>) {
    let page = page_size(state);
    let Some(view) = &mut state.faults else { return };
    match command {
        Some(Command::Submit) => view.filtering = false,
        Some(Command::Cancel) => {
            view.filter.clear();
            view.filtering = false;
        }
        Some(Command::Up) => view.select(view.selected.saturating_sub(1), page),
        Some(Command::Down) => view.select(view.selected + 1, page),
        _ => match key.code {
            KeyCode::Backspace => {
                view.filter.pop();
                view.select(0, page);
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                view.filter.push(c);
                view.select(0, page);
            }
            _ => {}
        },
    }
}

/// The filter being typed, for the footer.
pub fn filter_input(state: &State) -> Option<&str> {
    state.faults.as_ref().filter(|v| v.filtering).map(|v| v.filter.as_str())
}

fn enter(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(fault) = state.faults.as_ref().and_then(|v| v.selected_fault()).cloned() else { return };
    let namespace = fault.namespace.clone().unwrap_or_default();
    match (fault.open, fault.kind) {
        (Open::Explain, _) => {
            // The same pane as `t` on a pod; Esc returns to the fault list.
            super::timeline::open(state, namespace, crate::explain_cmd::Target::Pod(fault.name), effects);
        }
        (Open::List, FaultKind::Deployment | FaultKind::Service) => {
            let kind = if fault.kind == FaultKind::Deployment { Kind::Deployment } else { Kind::Service };
            state.faults = None;
            if state.view.kind != kind {
                let previous = std::mem::replace(&mut state.view, ListView::new(kind));
                state.back.push(previous);
                state.back.truncate(20);
            }
            state.view.filter.clear();
            // The cursor lands on it once the list has arrived.
            state.view.selected_key = Some((namespace, fault.name));
        }
        _ => {
            // `c` copies the last line of a pane without a plan: the next check's command.
            let lines = crate::faults_cmd::detail_lines(&fault, (state.width as usize).saturating_sub(4).max(20));
            state.pane = Some(TextPane {
                title: format!("{} {}", fault.kind.short(), crate::faults_cmd::object(&fault)),
                plan: None,
                lines,
                scroll: 0,
                loading: false,
                selectable: false,
            });
        }
    }
}
