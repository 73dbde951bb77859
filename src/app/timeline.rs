//! The timeline pane (`t` on a pod or a deployment): the verdict, then one entry per fact. The cursor moves
//! from entry to entry; the selected one shows its next check, kubectl line and docs, and `c` copies its
//! kubectl line.
use super::keymap::Command;
use super::msg::Effect;
use super::state::State;
use crate::cluster::Kind;
use crate::explain_cmd::Target;
use crate::explain_cmd::document::Document;

#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePane {
    pub target: Target,
    pub namespace: String,
    /// `None` while loading.
    pub document: Option<Result<Document, String>>,
    /// The selected entry.
    pub selected: usize,
}

impl TimelinePane {
    pub fn title(&self) -> String {
        format!("Why? {}", self.target.words())
    }

    fn entries(&self) -> usize {
        match &self.document {
            Some(Ok(d)) => d.entries.len(),
            _ => 0,
        }
    }
}

/// `t` on a pod, deployment, statefulset or daemonset row.
pub fn open_selected(state: &mut State, effects: &mut Vec<Effect>) {
    let Some((namespace, name)) = state.selected().cloned() else { return };
    let target = match state.view.kind {
        Kind::Pod => Target::Pod(name),
        Kind::Deployment => Target::Deployment(name),
        Kind::StatefulSet => Target::StatefulSet(name),
        Kind::DaemonSet => Target::DaemonSet(name),
        _ => return,
    };
    open(state, namespace, target, effects);
}

/// Open the timeline of a pod or an app, from a list row or from the fault list.
pub fn open(state: &mut State, namespace: String, target: Target, effects: &mut Vec<Effect>) {
    state.timeline =
        Some(TimelinePane { target: target.clone(), namespace: namespace.clone(), document: None, selected: 0 });
    effects.push(Effect::Explain { namespace, target });
}

/// The explanation arrived: fill the pane if it still waits for it. The cursor starts on the latest entry.
pub fn on_explained(state: &mut State, target: &Target, result: Result<Document, String>) {
    if let Some(pane) = &mut state.timeline
        && pane.document.is_none()
        && pane.target == *target
    {
        pane.selected = result.as_ref().map(|d| d.entries.len().saturating_sub(1)).unwrap_or(0);
        pane.document = Some(result);
    }
}

/// Entries PageUp/PageDown move by: a timeline entry takes several lines.
const PAGE: usize = 5;

pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let Some(pane) = &mut state.timeline else { return };
    if let Some(selected) = crate::app::actions::moved(pane.selected, command, pane.entries(), PAGE) {
        pane.selected = selected;
        return;
    }
    match command {
        Command::Copy => {
            let kubectl = match &pane.document {
                Some(Ok(d)) => d.entries.get(pane.selected).map(|e| e.kubectl.clone()).filter(|k| !k.is_empty()),
                _ => None,
            };
            match kubectl {
                Some(line) => effects.push(Effect::Copy(line)),
                None => state.flash("This entry has no kubectl line to copy", false),
            }
        }
        Command::Back | Command::Cancel => state.timeline = None,
        _ => {}
    }
}
