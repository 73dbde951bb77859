//! The action side of the loop: from a key on a row to a prompt, a confirmation showing the plan, the
//! permission check, the run, and its outcome. Every command shown comes from `Action::plan`.
use k8s_openapi::api::apps::v1::Deployment;
use kube::ResourceExt;

use super::describe::{describe_lines, yaml_lines};
use super::keymap::Command;
use super::msg::Effect;
use super::state::{Check, ConfirmState, DryRun, Mode, PromptPurpose, PromptState, State, TextPane};
use crate::action::{Action, ActionError, Outcome, PodController, ScaleKind, WorkloadKind, diff};
use crate::cluster::Kind;

/// The actions of the selected row, with the key that starts each: what the game plan pane lists.
pub fn selected_actions(state: &State) -> Vec<(&'static str, Action)> {
    if let Some(actions) = super::workspaces::card_actions::card_actions(state) {
        return actions;
    }
    let Some((ns, name)) = state.selected().cloned() else { return Vec::new() };
    let kind = state.view.kind;
    // Containers and the API resource list are views, not objects to describe.
    if !kind.watched() {
        return Vec::new();
    }
    let target = super::kind_ops::object_ref(state, kind, &ns, &name);
    let mut out = vec![
        ("d", Action::Describe { target: target.clone() }),
        ("y", Action::Yaml { target: target.clone() }),
        ("e", Action::Edit { target: target.clone(), object: Default::default() }),
    ];
    // Pods have their own delete, with the grace period and the controller in the danger.
    if kind != Kind::Pod {
        out.push(("Ctrl-d", Action::Delete { target }));
    }
    match kind {
        Kind::Node | Kind::CronJob => out.extend(super::kind_ops::row_actions(state, kind, &ns, &name)),
        Kind::Deployment => {
            let current = state.selected_deployment().as_ref().and_then(replicas);
            out.push(("s", scale(&ns, &name, current.unwrap_or(1), current)));
            out.push((
                "r",
                Action::RolloutRestart { kind: WorkloadKind::Deployment, namespace: ns.clone(), name: name.clone() },
            ));
            if let Some((container, image)) = state.selected_deployment().as_ref().and_then(first_image) {
                out.push(("i", set_image(&ns, &name, &container, &image)));
            }
            out.push((
                "u",
                Action::Rollback { kind: WorkloadKind::Deployment, namespace: ns, name, to_revision: None },
            ));
        }
        Kind::StatefulSet | Kind::DaemonSet => {
            let kind = if kind == Kind::StatefulSet { WorkloadKind::StatefulSet } else { WorkloadKind::DaemonSet };
            out.push(("r", Action::RolloutRestart { kind, namespace: ns.clone(), name: name.clone() }));
            out.push(("u", Action::Rollback { kind, namespace: ns, name, to_revision: None }));
        }
        Kind::Pod => {
            out.extend(super::logs::selected_action(state).map(|logs| ("l", logs)));
            let controller = state.selected_pod().and_then(|p| PodController::from_owners(p.owner_references()));
            let (namespace, pod) = (ns.clone(), name.clone());
            out.push((
                "Ctrl-d",
                Action::DeletePod { namespace, name: pod, grace_period: None, controller: controller.clone() },
            ));
            out.push(("Ctrl-k", Action::DeletePod { namespace: ns, name, grace_period: Some(0), controller }));
            out.extend(super::exec::row_actions(state));
        }
        Kind::Service => out.extend(super::exec::row_actions(state)),
        _ => {}
    }
    out
}

/// The revision prompt of `U`, on a list row or an app card: where the revision numbers come from.
pub(super) fn rollback_prompt(kind: WorkloadKind, namespace: String, name: String) -> PromptState {
    let from = match kind {
        WorkloadKind::Deployment => "its ReplicaSets' deployment.kubernetes.io/revision",
        _ => "its ControllerRevisions' revision",
    };
    PromptState {
        title: format!("Roll back {} {name}", kind.noun()),
        hint: format!("Revision number ({from}; t lists the revisions)"),
        input: String::new(),
        purpose: PromptPurpose::Rollback { kind, namespace, name },
    }
}

fn replicas(d: &Deployment) -> Option<i32> {
    d.spec.as_ref().and_then(|s| s.replicas)
}

fn first_image(d: &Deployment) -> Option<(String, String)> {
    let c = d.spec.as_ref()?.template.spec.as_ref()?.containers.first()?;
    Some((c.name.clone(), c.image.clone().unwrap_or_default()))
}

fn containers(d: &Deployment) -> Vec<String> {
    d.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map(|p| p.containers.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

fn scale(ns: &str, name: &str, replicas: i32, current: Option<i32>) -> Action {
    Action::Scale {
        kind: ScaleKind::Deployment,
        namespace: ns.into(),
        name: name.into(),
        replicas,
        current,
        resource_version: None,
    }
}

fn set_image(ns: &str, name: &str, container: &str, image: &str) -> Action {
    Action::SetImage {
        kind: WorkloadKind::Deployment,
        namespace: ns.into(),
        name: name.into(),
        container: container.into(),
        image: image.into(),
    }
}

/// A list key that names an action. Returns false for commands that are not actions.
pub fn on_list_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) -> bool {
    if super::kind_ops::on_list_command(state, command, effects) {
        return true;
    }
    match command {
        Command::TogglePlan => state.show_plan = !state.show_plan,
        Command::Explain => super::timeline::open_selected(state, effects),
        Command::Copy => effects.push(Effect::Copy(state.view_action().plan(&state.plan_ctx()).command)),
        Command::Describe | Command::Yaml | Command::Edit => {
            if let Some((_, Action::Describe { target })) = selected_actions(state).into_iter().find(|(k, _)| *k == "d")
            {
                match super::object_pane::kind_of(command) {
                    Some(kind) => super::object_pane::open(state, kind, target, effects),
                    None => super::editor::open(state, target, effects),
                }
            }
        }
        Command::Delete => {
            if let Some((_, action)) =
                selected_actions(state).into_iter().find(|(_, a)| matches!(a, Action::Delete { .. }))
            {
                open_confirm(state, action, effects);
            }
        }
        Command::Scale => {
            let Some((ns, name)) = state.selected().cloned() else { return true };
            let current = state.selected_deployment().as_ref().and_then(replicas);
            state.mode = Mode::Prompt(PromptState {
                title: format!("Scale deployment {name}"),
                hint: format!("Replicas (now {}). Enter to review the plan, Esc to cancel.", current.unwrap_or(0)),
                input: current.unwrap_or(1).to_string(),
                purpose: PromptPurpose::Scale { namespace: ns, name, current },
            });
        }
        Command::SetImage => {
            let Some((ns, name)) = state.selected().cloned() else { return true };
            let (container, image) = state.selected_deployment().as_ref().and_then(first_image).unwrap_or_default();
            let names = state.selected_deployment().as_ref().map(containers).unwrap_or_default().join(", ");
            state.mode = Mode::Prompt(PromptState {
                title: format!("Set image of deployment {name}"),
                hint: format!("CONTAINER=IMAGE (containers: {names}). Enter to review the plan."),
                input: format!("{container}={image}"),
                purpose: PromptPurpose::SetImage { namespace: ns, name },
            });
        }
        Command::Logs => super::logs::open_selected(state, effects),
        Command::AppNext | Command::AppTimeline => super::workspaces::app_view::on_command(state, command, effects),
        Command::RollbackTo => {
            let Some((ns, name)) = state.selected().cloned() else { return true };
            let kind = match state.view.kind {
                Kind::StatefulSet => WorkloadKind::StatefulSet,
                Kind::DaemonSet => WorkloadKind::DaemonSet,
                _ => WorkloadKind::Deployment,
            };
            state.mode = Mode::Prompt(rollback_prompt(kind, ns, name));
        }
        Command::Restart | Command::Rollback | Command::DeletePod | Command::KillPod => {
            let wanted = match command {
                Command::Restart => "r",
                Command::Rollback => "u",
                Command::KillPod => "Ctrl-k",
                _ => "Ctrl-d",
            };
            if let Some((_, action)) = selected_actions(state).into_iter().find(|(k, _)| *k == wanted) {
                open_confirm(state, action, effects);
            }
        }
        _ => return false,
    }
    true
}

/// Show the plan and ask; meanwhile ask the server whether the user may do it.
pub fn open_confirm(state: &mut State, action: Action, effects: &mut Vec<Effect>) {
    let plan = action.plan(&state.plan_ctx());
    let check = if state.context.readonly && plan.mutating {
        Check::Refused {
            reason: "mosaic is in read-only mode (--readonly or readonly: true for this context): it changes nothing"
                .into(),
            can_i: None,
        }
    } else {
        effects.push(Effect::Check { action: action.clone(), command: plan.command.clone() });
        Check::Pending
    };
    state.mode =
        Mode::Confirm(Box::new(ConfirmState { action, plan, check, dry_run: None, running: false, notes: Vec::new() }));
}

pub fn on_confirm_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let Mode::Confirm(confirm) = &mut state.mode else { return };
    match command {
        Command::Cancel => state.mode = Mode::Normal,
        Command::Copy => effects.push(Effect::Copy(confirm.plan.command.clone())),
        Command::DryRun if confirm.check == Check::Allowed && confirm.action.has_dry_run() => {
            confirm.dry_run = Some(DryRun::Running);
            effects.push(Effect::Run {
                action: confirm.action.clone(),
                dry_run: true,
                command: confirm.plan.command.clone(),
            });
        }
        Command::Confirm if confirm.check == Check::Allowed && !confirm.running => {
            confirm.running = true;
            effects.push(Effect::Run {
                action: confirm.action.clone(),
                dry_run: false,
                command: confirm.plan.command.clone(),
            });
        }
        Command::Confirm | Command::DryRun => {
            let why = match &confirm.check {
                Check::Pending => "Still asking the server whether you may do this…".to_string(),
                Check::Refused { reason, .. } => reason.clone(),
                Check::Allowed if command == Command::DryRun => {
                    "There is no dry run for this: it runs for real or not at all".to_string()
                }
                Check::Allowed => "Already running…".to_string(),
            };
            state.flash(why, true);
        }
        _ => {}
    }
}

pub fn on_prompt_submit(state: &mut State, effects: &mut Vec<Effect>) {
    let Mode::Prompt(prompt) = &state.mode else { return };
    let input = prompt.input.trim().to_string();
    let action = match &prompt.purpose {
        PromptPurpose::Scale { namespace, name, current } => match input.parse::<i32>() {
            Ok(n) if n >= 0 => scale(namespace, name, n, *current),
            _ => {
                state.flash(format!("{input:?} is not a number of replicas: type 0 or more"), true);
                return;
            }
        },
        PromptPurpose::Rollback { kind, namespace, name } => match input.parse::<i64>() {
            Ok(n) if n > 0 => {
                Action::Rollback { kind: *kind, namespace: namespace.clone(), name: name.clone(), to_revision: Some(n) }
            }
            _ => {
                state.flash(format!("{input:?} is not a revision: type a number such as 2"), true);
                return;
            }
        },
        PromptPurpose::SetImage { namespace, name } => match input.split_once('=') {
            Some((c, i)) if !c.trim().is_empty() && !i.trim().is_empty() => {
                set_image(namespace, name, c.trim(), i.trim())
            }
            _ => {
                state.flash("Type CONTAINER=IMAGE, for example web=registry.example/web:1.2", true);
                return;
            }
        },
        PromptPurpose::Exec { .. } | PromptPurpose::PortForward { .. } => {
            super::exec::on_prompt_submit(state, effects);
            return;
        }
        PromptPurpose::WizardSource => return super::wizard_source::on_submit(state, &input, effects),
    };
    open_confirm(state, action, effects);
}

/// Where a pane of `lines` lines, `page` shown at once, starts after a moving key; `None` for any other key.
pub(crate) fn scrolled(scroll: usize, command: Command, lines: usize, page: usize) -> Option<usize> {
    let last = lines.saturating_sub(1);
    Some(match command {
        Command::Down => (scroll + 1).min(last),
        Command::Up => scroll.saturating_sub(1),
        Command::PageDown => (scroll + page).min(last),
        Command::PageUp => scroll.saturating_sub(page),
        Command::Top => 0,
        Command::Bottom => last.saturating_sub(page.saturating_sub(1)),
        _ => return None,
    })
}

/// Where the cursor of a list of `len` entries goes after a moving key (`page` entries a page); `None` for any
/// other key.
pub(crate) fn moved(selected: usize, command: Command, len: usize, page: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    match command {
        Command::Bottom => Some(last),
        _ => scrolled(selected, command, len, page),
    }
}

pub fn on_text_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let page = state.page_size();
    let Some(pane) = &mut state.pane else { return };
    if let Some(scroll) = scrolled(pane.scroll, command, pane.lines.len(), page) {
        pane.scroll = scroll;
        return;
    }
    match command {
        Command::Copy => {
            let text = match (&pane.plan, pane.selectable) {
                (Some(plan), _) => plan.command.clone(),
                (None, _) => pane.lines.last().cloned().unwrap_or_default(),
            };
            effects.push(Effect::Copy(text));
        }
        Command::Back | Command::Cancel => state.pane = None,
        _ => {}
    }
}

pub fn on_checked(state: &mut State, command: &str, result: Result<(), ActionError>) {
    let Mode::Confirm(confirm) = &mut state.mode else { return };
    if confirm.plan.command != command {
        return;
    }
    confirm.check = match result {
        Ok(()) => Check::Allowed,
        Err(ActionError::Forbidden { message, can_i, .. }) => Check::Refused { reason: message, can_i: Some(can_i) },
        Err(err) => Check::Refused { reason: err.to_string(), can_i: None },
    };
}

pub fn on_done(state: &mut State, command: &str, dry_run: bool, result: Result<Outcome, ActionError>) {
    // A describe or YAML pane waiting for its object.
    if let Some(pane) = &mut state.pane
        && pane.loading
        && pane.plan.as_ref().is_some_and(|p| p.command == command)
    {
        pane.loading = false;
        let is_yaml = pane.plan.as_ref().is_some_and(|p| p.argv.iter().any(|a| a == "yaml"));
        pane.lines = match result {
            Ok(Outcome::Object(object)) if is_yaml => yaml_lines(&object),
            Ok(Outcome::Object(object)) => describe_lines(&object),
            Ok(_) => vec!["(nothing to show)".into()],
            Err(err) => vec![err.to_string()],
        };
        return;
    }
    let Mode::Confirm(confirm) = &mut state.mode else {
        // The dialog was closed before the answer came: still say what happened.
        match (dry_run, &result) {
            (false, Ok(outcome)) => state.flash(summary(outcome), false),
            (_, Err(err)) => state.flash(err.to_string(), true),
            _ => {}
        }
        return;
    };
    if confirm.plan.command != command {
        return;
    }
    if dry_run {
        confirm.dry_run = Some(match result {
            Ok(Outcome::Changed { before: Some(before), after: Some(after), .. }) => {
                DryRun::Diff(diff(&before, &after))
            }
            Ok(outcome) => DryRun::Diff(format!("# {}", summary(&outcome))),
            Err(err) => DryRun::Failed(err.to_string()),
        });
        return;
    }
    let title = confirm.plan.summary.clone();
    let plan = confirm.plan.clone();
    let action = confirm.action.clone();
    state.mode = Mode::Normal;
    match result {
        Ok(outcome) => {
            state.flash(summary(&outcome), false);
            super::workspaces::build::after_action(state, &action);
        }
        Err(err) => {
            state.pane = Some(TextPane {
                title: format!("Failed: {title}"),
                lines: err.to_string().lines().map(str::to_string).collect(),
                plan: Some(plan),
                scroll: 0,
                loading: false,
                selectable: false,
            });
        }
    }
}

fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Changed { summary, .. } | Outcome::Deleted { summary } => summary.clone(),
        Outcome::Object(_) | Outcome::Text(_) | Outcome::Described { .. } => "Done".into(),
        Outcome::Output { summary, .. } => summary.clone(),
        Outcome::Shell(shell) => shell.summary(),
        Outcome::Forwarding(forward) => format!("forwarding {}", forward.label()),
        Outcome::Probe(results) => crate::analysis::network::probe_step(results).summary,
        Outcome::Http(exchange) => exchange.summary(),
    }
}

pub fn on_copied(state: &mut State, text: String, result: Result<&'static str, String>) {
    match result {
        Ok(via) => state.flash(format!("Copied {} characters ({via})", text.chars().count()), false),
        Err(reason) => {
            state.pane = Some(TextPane {
                title: "Copy this by hand".into(),
                plan: None,
                lines: vec![format!("Nothing could copy it ({reason}). Select the line below:"), String::new(), text],
                scroll: 0,
                loading: false,
                selectable: true,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_stays_inside_the_text() {
        // 30 lines, 10 shown at once.
        let at = |scroll, command| scrolled(scroll, command, 30, 10);
        assert_eq!(at(0, Command::Down), Some(1));
        assert_eq!(at(29, Command::Down), Some(29));
        assert_eq!(at(0, Command::Up), Some(0));
        assert_eq!(at(25, Command::PageDown), Some(29));
        assert_eq!(at(5, Command::PageUp), Some(0));
        assert_eq!(at(12, Command::Top), Some(0));
        assert_eq!(at(0, Command::Bottom), Some(20), "the last page fills the pane");
        assert_eq!(scrolled(0, Command::Bottom, 0, 10), Some(0), "an empty pane stays at the top");
        assert_eq!(at(3, Command::Copy), None, "not a moving key");
    }
}
