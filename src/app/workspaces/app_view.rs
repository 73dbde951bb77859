//! An app opened from its card (Enter): its pods, then with Tab its ReplicaSets (the revisions of a
//! Deployment), its Services, all narrowed to the app, and its history (what mosaic did to it); T opens the
//! app's timeline. Esc goes back to the cards.
use crate::app::keymap::Command;
use crate::app::msg::Effect;
use crate::app::state::{ListView, State};
use crate::cluster::Kind;
use crate::explain_cmd::Target;

/// The lists of an app, in the order Tab walks them.
pub fn lists(kind: &str) -> &'static [Kind] {
    match kind {
        "Deployment" => &[Kind::Pod, Kind::ReplicaSet, Kind::Service],
        _ => &[Kind::Pod, Kind::Service],
    }
}

pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let Some(app) = state.view.app.clone() else {
        state.flash("Tab and T work in an app opened from :apps (Enter on its card)", true);
        return;
    };
    match command {
        Command::AppNext => {
            let lists = lists(app.kind);
            let at = lists.iter().position(|k| *k == state.view.kind).map_or(0, |i| i + 1);
            if at == lists.len() {
                return super::history::open(state, &app, effects);
            }
            state.view = ListView::new(lists[at]);
            state.view.app = Some(app);
        }
        Command::AppTimeline => {
            let target = match app.kind {
                "StatefulSet" => Target::StatefulSet(app.name.clone()),
                "DaemonSet" => Target::DaemonSet(app.name.clone()),
                _ => Target::Deployment(app.name.clone()),
            };
            crate::app::timeline::open(state, app.namespace.clone(), target, effects);
        }
        _ => {}
    }
}
