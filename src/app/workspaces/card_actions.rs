//! The actions of an app card: scale, rollout restart, set image, roll back, annotate with the bound repo's
//! HEAD commit, and force pull. Each goes through the same confirm flow as a list row (plan shown, read-only
//! and RBAC checked, `y` runs); the game plan pane (`p`) lists them for the selected card.
use super::form::{Field, Form, FormPurpose};
use super::{AppCard, Screen};
use crate::action::{Action, CommitAnnotation, ScaleKind, WorkloadKind};
use crate::app::actions::open_confirm;
use crate::app::keymap::Command;
use crate::app::msg::Effect;
use crate::app::state::{Mode, PromptPurpose, PromptState, State};

/// The card the apps screen has selected, when it is the screen shown (no form over it).
pub fn selected_card(state: &State) -> Option<&AppCard> {
    if state.ws.form.is_some() {
        return None;
    }
    match &state.ws.screen {
        Some(Screen::Apps { selected }) => state.ws.cards.get(*selected),
        _ => None,
    }
}

pub fn workload_kind(card: &AppCard) -> WorkloadKind {
    match card.kind {
        "StatefulSet" => WorkloadKind::StatefulSet,
        "DaemonSet" => WorkloadKind::DaemonSet,
        _ => WorkloadKind::Deployment,
    }
}

/// The commit a card's annotate uses: its bound repo's HEAD, on its branch.
pub fn head_annotation(card: &AppCard) -> Option<CommitAnnotation> {
    let status = card.repo.as_ref()?.ready()?;
    Some(CommitAnnotation::from_commit(status.head.as_ref()?, status.branch.as_deref()))
}

/// What the selected card shows, as kubectl lists it: the game plan's view line while the cards show.
pub fn view_action(state: &State) -> Option<Action> {
    let card = selected_card(state)?;
    let kind = match workload_kind(card) {
        WorkloadKind::Deployment => crate::cluster::Kind::Deployment,
        WorkloadKind::StatefulSet => crate::cluster::Kind::StatefulSet,
        WorkloadKind::DaemonSet => crate::cluster::Kind::DaemonSet,
    };
    let selector =
        crate::app::drill::ListSelector { labels: None, fields: Some(format!("metadata.name={}", card.name)) };
    Some(Action::List { kind, namespace: Some(card.namespace.clone()), selector })
}

/// The actions of the selected card, with their keys: what the game plan pane lists while the cards show.
/// `None` when the apps screen is not what the user looks at.
pub fn card_actions(state: &State) -> Option<Vec<(&'static str, Action)>> {
    let card = selected_card(state)?;
    let kind = workload_kind(card);
    let (namespace, name) = (card.namespace.clone(), card.name.clone());
    let mut out = Vec::new();
    let scale_kind = match kind {
        WorkloadKind::Deployment => Some(ScaleKind::Deployment),
        WorkloadKind::StatefulSet => Some(ScaleKind::StatefulSet),
        WorkloadKind::DaemonSet => None,
    };
    if let Some(scale_kind) = scale_kind {
        let current = i32::try_from(card.desired).ok();
        out.push((
            "s",
            Action::Scale {
                kind: scale_kind,
                namespace: namespace.clone(),
                name: name.clone(),
                replicas: current.unwrap_or(1),
                current,
                resource_version: None,
            },
        ));
    }
    out.push(("r", Action::RolloutRestart { kind, namespace: namespace.clone(), name: name.clone() }));
    if let Some((container, image)) = card.images.first() {
        out.push((
            "i",
            Action::SetImage {
                kind,
                namespace: namespace.clone(),
                name: name.clone(),
                container: container.clone(),
                image: image.clone(),
            },
        ));
    }
    out.push(("u", Action::Rollback { kind, namespace: namespace.clone(), name: name.clone(), to_revision: None }));
    if let Some(commit) = head_annotation(card) {
        out.push(("a", Action::AnnotateCommit { kind, namespace: namespace.clone(), name: name.clone(), commit }));
    }
    let containers = card.images.iter().map(|(c, _)| c.clone()).collect();
    out.push(("P", Action::force_pull_at(kind, &namespace, &name, containers, state.now)));
    Some(out)
}

/// An action key on a card. `true` when it was one.
pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) -> bool {
    let Some(card) = selected_card(state).cloned() else { return false };
    let kind = workload_kind(&card);
    let find = |state: &State, key: &str| {
        card_actions(state).unwrap_or_default().into_iter().find(|(k, _)| *k == key).map(|(_, a)| a)
    };
    match command {
        Command::TogglePlan => state.show_plan = !state.show_plan,
        Command::Restart => {
            if let Some(action) = find(state, "r") {
                open_confirm(state, action, effects);
            }
        }
        Command::Rollback => {
            if let Some(action) = find(state, "u") {
                open_confirm(state, action, effects);
            }
        }
        Command::AnnotateCommit => match find(state, "a") {
            Some(action) => open_confirm(state, action, effects),
            None => state.flash(no_commit(&card), true),
        },
        Command::Scale if kind == WorkloadKind::Deployment => {
            state.mode = Mode::Prompt(PromptState {
                title: format!("Scale deployment {}", card.name),
                hint: format!("Replicas (now {}). Enter to review the plan, Esc to cancel.", card.desired),
                input: card.desired.to_string(),
                purpose: PromptPurpose::Scale {
                    namespace: card.namespace.clone(),
                    name: card.name.clone(),
                    current: i32::try_from(card.desired).ok(),
                },
            });
        }
        Command::Scale => match find(state, "s") {
            Some(Action::Scale { kind: scale_kind, .. }) => state.ws.form = Some(scale_form(&card, scale_kind)),
            _ => state.flash(format!("A DaemonSet runs one pod per node: {} cannot be scaled", card.name), true),
        },
        Command::SetImage if kind == WorkloadKind::Deployment => {
            let (container, image) = card.images.first().cloned().unwrap_or_default();
            let names: Vec<&str> = card.images.iter().map(|(c, _)| c.as_str()).collect();
            state.mode = Mode::Prompt(PromptState {
                title: format!("Set image of deployment {}", card.name),
                hint: format!("CONTAINER=IMAGE (containers: {}). Enter to review the plan.", names.join(", ")),
                input: format!("{container}={image}"),
                purpose: PromptPurpose::SetImage { namespace: card.namespace.clone(), name: card.name.clone() },
            });
        }
        Command::SetImage => state.ws.form = Some(set_image_form(&card)),
        Command::RollbackTo => {
            let prompt = crate::app::actions::rollback_prompt(kind, card.namespace.clone(), card.name.clone());
            state.mode = Mode::Prompt(prompt);
        }
        Command::ForcePull => state.ws.form = Some(force_pull_form(&card)),
        Command::Explain => {
            let target = crate::explain_cmd::Target::workload(kind, &card.name);
            crate::app::timeline::open(state, card.namespace.clone(), target, effects);
        }
        _ => return false,
    }
    true
}

fn no_commit(card: &AppCard) -> String {
    match card.repo.as_ref().and_then(|r| r.problem()) {
        Some(problem) => format!("Nothing to annotate {} with: {problem}", card.name),
        None if card.binding.as_ref().is_none_or(|b| b.repo_path.is_none()) => {
            format!("{} has no git repo bound: b binds it, then a annotates it with HEAD", card.name)
        }
        None => format!("The repo of {} is still being read, or has no commit yet; R reads it again", card.name),
    }
}

fn app_purpose(card: &AppCard) -> (String, String, String) {
    (card.namespace.clone(), card.kind.to_string(), card.name.clone())
}

/// Force pull asks which containers get `imagePullPolicy: Always` (all of them at first).
pub fn force_pull_form(card: &AppCard) -> Form {
    let names: Vec<&str> = card.images.iter().map(|(c, _)| c.as_str()).collect();
    let field =
        Field::new("Containers", "Comma-separated, these pull always; empty only restarts the pods", &names.join(", "));
    let (namespace, kind, name) = app_purpose(card);
    Form::new(
        format!("Force pull {} {}/{}", card.kind, card.namespace, card.name),
        FormPurpose::ForcePull { namespace, kind, name, containers: names.iter().map(|s| s.to_string()).collect() },
        vec![field],
    )
}

fn scale_form(card: &AppCard, _kind: ScaleKind) -> Form {
    let (namespace, kind, name) = app_purpose(card);
    Form::new(
        format!("Scale {} {}/{}", card.kind, card.namespace, card.name),
        FormPurpose::Scale { namespace, kind, name, current: i32::try_from(card.desired).ok() },
        vec![Field::new("Replicas", "How many pods; Enter reviews the plan", &card.desired.to_string())],
    )
}

fn set_image_form(card: &AppCard) -> Form {
    let (container, image) = card.images.first().cloned().unwrap_or_default();
    let (namespace, kind, name) = app_purpose(card);
    Form::new(
        format!("Set image of {} {}/{}", card.kind, card.namespace, card.name),
        FormPurpose::SetImage { namespace, kind, name },
        vec![Field::new("Image", "CONTAINER=IMAGE; Enter reviews the plan", &format!("{container}={image}"))],
    )
}

fn kind_of(kind: &str) -> WorkloadKind {
    match kind {
        "StatefulSet" => WorkloadKind::StatefulSet,
        "DaemonSet" => WorkloadKind::DaemonSet,
        _ => WorkloadKind::Deployment,
    }
}

/// Enter on one of the forms above: the action it names, or why the input does not do.
pub fn form_action(purpose: &FormPurpose, form: &Form) -> Option<Result<Action, String>> {
    let value = form.value(0);
    Some(match purpose {
        FormPurpose::ForcePull { namespace, kind, name, containers } => {
            let chosen: Vec<String> = super::form::split_list(&value);
            match chosen.iter().find(|c| !containers.contains(c)) {
                Some(unknown) => Err(format!("{name} has no container {unknown}: it has {}", containers.join(", "))),
                None => Ok(Action::force_pull(kind_of(kind), namespace, name, chosen)),
            }
        }
        FormPurpose::Scale { namespace, kind, name, current } => match value.parse::<i32>() {
            Ok(replicas) if replicas >= 0 => Ok(Action::Scale {
                kind: if kind == "StatefulSet" { ScaleKind::StatefulSet } else { ScaleKind::Deployment },
                namespace: namespace.clone(),
                name: name.clone(),
                replicas,
                current: *current,
                resource_version: None,
            }),
            _ => Err(format!("{value:?} is not a number of replicas: type 0 or more")),
        },
        FormPurpose::SetImage { namespace, kind, name } => match value.split_once('=') {
            Some((c, i)) if !c.trim().is_empty() && !i.trim().is_empty() => Ok(Action::SetImage {
                kind: kind_of(kind),
                namespace: namespace.clone(),
                name: name.clone(),
                container: c.trim().into(),
                image: i.trim().into(),
            }),
            _ => Err("Type CONTAINER=IMAGE, for example web=registry.example/web:1.2".into()),
        },
        _ => return None,
    })
}
