//! Exec, shells and port-forwards, the app side: from `x`, `S` or `F` on a row to a prompt and the confirmation
//! of the plan, then what comes back: the output pane, the terminal handed to a shell, the `:pf` list. The
//! runtime holds the connections; the state only knows what to show.
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::ResourceExt;

use super::actions::open_confirm;
use super::keymap::Command;
use super::msg::Effect;
use super::state::{Mode, PromptPurpose, PromptState, State, TextPane};
use crate::action::{Action, ActionError, Exit, ForwardTarget, Outcome, Plan, ShellSession, command_argv};
use crate::cluster::Kind;

/// The annotation that names the container `kubectl exec` picks when none is given.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// What the state keeps about exec and forwards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecState {
    /// The commands used before in the app of the open exec prompt, newest first.
    pub history: Vec<String>,
    /// Where Up/Down are in `history`; `None` is the line being typed.
    pub history_pos: Option<usize>,
    /// What was typed before Up, given back by Down.
    pub draft: String,
    /// The exec being confirmed or run, to remember its command once it ran.
    pub pending: Option<PendingExec>,
    /// The port-forwards running, as the runtime last reported them.
    pub forwards: Vec<ForwardRow>,
    /// The `:pf` list is open, with the cursor on this row.
    pub forwards_open: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingExec {
    /// The plan's line, which identifies the run.
    pub command: String,
    pub namespace: String,
    pub app: String,
    /// As typed.
    pub line: String,
}

/// One running port-forward, as the `:pf` list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    pub id: u64,
    /// `127.0.0.1:8080`
    pub local: String,
    pub local_port: u16,
    /// `shop/storefront-7d9c8b6f5-x2x4q:8080`, with `(service storefront)` when asked through a Service.
    pub target: String,
    /// Connections accepted so far, and open now.
    pub served: u64,
    pub active: u64,
    pub error: Option<String>,
}

/// What the runtime and the terminal loop report.
#[derive(Debug)]
pub enum ExecMsg {
    /// The commands used before in an app, newest first.
    History { namespace: String, app: String, commands: Vec<String> },
    /// Every running port-forward, after any change.
    Forwards(Vec<ForwardRow>),
    /// The shell in `pod` ended and the TUI has the terminal again.
    ShellEnded { pod: String, result: Result<Exit, String> },
}

/// Work for the runtime (and, for a shell, the terminal loop).
#[derive(Debug, Clone, PartialEq)]
pub enum ExecEffect {
    /// Read the exec history of an app; answered with [`ExecMsg::History`].
    LoadHistory {
        context: String,
        namespace: String,
        app: String,
    },
    /// Remember a command that ran.
    Remember {
        context: String,
        namespace: String,
        app: String,
        command: String,
    },
    /// Hand the terminal to this shell until it exits (the terminal loop does it).
    Shell(ShellSession),
    StopForward(u64),
}

/// `x`, `S` and `F` on a row.
pub fn on_list_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    match (command, state.view.kind) {
        (Command::Exec, Kind::Pod) => open_exec_prompt(state, effects),
        (Command::Shell, Kind::Pod) => {
            if let Some(action) = shell_action(state) {
                open_confirm(state, action, effects);
            }
        }
        (Command::PortForward, Kind::Pod | Kind::Service) => open_forward_prompt(state),
        _ => {}
    }
}

/// The game plan's entries for the selected row: a shell and a forward for a pod, a forward for a service.
pub fn row_actions(state: &State) -> Vec<(&'static str, Action)> {
    let mut out = Vec::new();
    if let Some(shell) = shell_action(state) {
        out.push(("S", shell));
    }
    if let Some((namespace, target, ports)) = forward_defaults(state)
        && let Ok((local, remote)) = parse_ports(&ports)
    {
        out.push(("F", Action::PortForward { namespace, target, local, remote }));
    }
    out
}

fn selected_service(state: &State) -> Option<Service> {
    let key = state.selected()?;
    state.services.get(&state.scopes_for(Kind::Service), key)?.object()
}

fn shell_action(state: &State) -> Option<Action> {
    if state.view.kind != Kind::Pod {
        return None;
    }
    let pod = state.selected_pod()?;
    Some(Action::Shell {
        namespace: pod.namespace().unwrap_or_default(),
        pod: pod.name_any(),
        container: default_container(&pod)?,
    })
}

fn open_exec_prompt(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(pod) = state.selected_pod() else { return };
    let (namespace, name, app) = (pod.namespace().unwrap_or_default(), pod.name_any(), app_of(&pod));
    let Some(container) = default_container(&pod) else {
        state.flash(format!("Pod {name} has no containers to run a command in"), true);
        return;
    };
    let others: Vec<String> = container_names(&pod).into_iter().filter(|c| *c != container).collect();
    let also = if others.is_empty() { String::new() } else { format!("; others: {}", others.join(", ")) };
    state.exec.history.clear();
    state.exec.history_pos = None;
    state.exec.draft.clear();
    state.mode = Mode::Prompt(PromptState {
        title: format!("Exec in pod {name}"),
        hint: format!(
            "A command for container {container}{also}. Up/Down: commands used before in {app}. Enter to review \
             the plan."
        ),
        input: String::new(),
        purpose: PromptPurpose::Exec { namespace: namespace.clone(), pod: name, container, app: app.clone() },
    });
    effects.push(Effect::Exec(ExecEffect::LoadHistory { context: state.context.context.clone(), namespace, app }));
}

/// The namespace, the target and the prompt's first `LOCAL:REMOTE` of the selected pod or service.
fn forward_defaults(state: &State) -> Option<(String, ForwardTarget, String)> {
    let (namespace, target, remote) = match state.view.kind {
        Kind::Pod => {
            let pod = state.selected_pod()?;
            (pod.namespace().unwrap_or_default(), ForwardTarget::Pod(pod.name_any()), first_port(&pod))
        }
        Kind::Service => {
            let service = selected_service(state)?;
            let port = service.spec.as_ref()?.ports.as_ref()?.first().and_then(|p| u16::try_from(p.port).ok());
            (service.namespace().unwrap_or_default(), ForwardTarget::Service(service.name_any()), port)
        }
        _ => return None,
    };
    let ports = remote.map(|remote| match local_for(state, remote) {
        Some(local) => format!("{local}:{remote}"),
        None => format!(":{remote}"),
    });
    Some((namespace, target, ports.unwrap_or_default()))
}

/// The same port as the pod's, unless it needs root (80 → 8080) or one of mosaic's forwards holds it (`None`:
/// any free port, chosen when it opens).
fn local_for(state: &State, remote: u16) -> Option<u16> {
    let wanted = if remote < 1024 { remote.saturating_add(8000) } else { remote };
    (!state.exec.forwards.iter().any(|f| f.local_port == wanted)).then_some(wanted)
}

fn open_forward_prompt(state: &mut State) {
    let Some((namespace, target, ports)) = forward_defaults(state) else { return };
    let declared = match &target {
        ForwardTarget::Pod(_) => state.selected_pod().map(|p| port_names(&p)).unwrap_or_default(),
        ForwardTarget::Service(_) => selected_service(state).map(|s| service_port_names(&s)).unwrap_or_default(),
    };
    let declared = if declared.is_empty() { "none declared".to_string() } else { declared.join(", ") };
    state.mode = Mode::Prompt(PromptState {
        title: format!("Port-forward {}", target.kubectl_ref()),
        hint: format!("LOCAL:REMOTE (ports: {declared}); :REMOTE picks a free local port. Enter to review the plan."),
        input: ports,
        purpose: PromptPurpose::PortForward { namespace, target },
    });
}

/// `8080:80`, `:80` (any free local port) or `8080` (the same on both sides).
pub fn parse_ports(input: &str) -> Result<(u16, u16), String> {
    let wrong =
        || format!("{input:?} is not LOCAL:REMOTE: type for example 8080:8080, or :8080 for any free local port");
    let (local, remote) = match input.trim().split_once(':') {
        Some((local, remote)) => (local.trim(), remote.trim()),
        None => (input.trim(), input.trim()),
    };
    let remote: u16 = remote.parse().ok().filter(|p| *p > 0).ok_or_else(wrong)?;
    let local: u16 = if local.is_empty() { 0 } else { local.parse().map_err(|_| wrong())? };
    Ok((local, remote))
}

/// Enter in an exec or port-forward prompt. Returns false for other prompts.
pub fn on_prompt_submit(state: &mut State, effects: &mut Vec<Effect>) -> bool {
    let Mode::Prompt(prompt) = &state.mode else { return false };
    let input = prompt.input.trim().to_string();
    match prompt.purpose.clone() {
        PromptPurpose::Exec { namespace, pod, container, app } => {
            if input.is_empty() {
                state.flash("Type a command, for example: ls -la, or env | sort", true);
                return true;
            }
            let action = Action::Exec { namespace: namespace.clone(), pod, container, command: command_argv(&input) };
            let command = action.plan(&state.plan_ctx()).command;
            state.exec.pending = Some(PendingExec { command, namespace, app, line: input });
            open_confirm(state, action, effects);
        }
        PromptPurpose::PortForward { namespace, target } => match parse_ports(&input) {
            Ok((local, remote)) => {
                open_confirm(state, Action::PortForward { namespace, target, local, remote }, effects)
            }
            Err(message) => state.flash(message, true),
        },
        _ => return false,
    }
    true
}

/// Up (`older`) and Down in the exec prompt: walk the commands used before.
pub fn history_step(state: &mut State, older: bool) {
    let Mode::Prompt(prompt) = &mut state.mode else { return };
    let exec = &mut state.exec;
    if !matches!(prompt.purpose, PromptPurpose::Exec { .. }) || exec.history.is_empty() {
        return;
    }
    let last = exec.history.len() - 1;
    exec.history_pos = match (exec.history_pos, older) {
        (None, true) => {
            exec.draft = prompt.input.clone();
            Some(0)
        }
        (Some(i), true) => Some((i + 1).min(last)),
        (Some(0), false) | (None, false) => None,
        (Some(i), false) => Some(i - 1),
    };
    prompt.input = match exec.history_pos {
        Some(i) => exec.history[i].clone(),
        None => exec.draft.clone(),
    };
}

pub fn on_msg(state: &mut State, msg: ExecMsg) {
    match msg {
        ExecMsg::History { namespace, app, commands } => {
            let Mode::Prompt(prompt) = &mut state.mode else { return };
            let PromptPurpose::Exec { namespace: ns, app: prompt_app, .. } = &prompt.purpose else { return };
            if *ns != namespace || *prompt_app != app {
                return;
            }
            // Prefilled with the last command used, unless the user already typed.
            if prompt.input.is_empty()
                && let Some(last) = commands.first()
            {
                prompt.input = last.clone();
                state.exec.history_pos = Some(0);
            }
            state.exec.history = commands;
        }
        ExecMsg::Forwards(rows) => {
            state.exec.forwards = rows;
            if let Some(selected) = &mut state.exec.forwards_open {
                *selected = (*selected).min(state.exec.forwards.len().saturating_sub(1));
            }
        }
        ExecMsg::ShellEnded { pod, result: Ok(exit) } => {
            state.flash(format!("Back from the shell in {pod} ({})", exit.describe()), exit.code.is_none());
        }
        ExecMsg::ShellEnded { pod, result: Err(why) } => state.flash(format!("The shell in {pod} failed: {why}"), true),
    }
}

/// An action's answer that only this module understands (output, a shell, a forward); anything else is given
/// back for the generic handling.
pub fn on_done(
    state: &mut State,
    command: &str,
    dry_run: bool,
    result: Result<Outcome, ActionError>,
    effects: &mut Vec<Effect>,
) -> Option<Result<Outcome, ActionError>> {
    if dry_run {
        return Some(result);
    }
    match result {
        Ok(Outcome::Output { output, .. }) => {
            let plan = close_confirm(state, command);
            // Short, so the exit status is never cut off; the `$ kubectl` line above the output says what ran.
            let ended = if output.timed_out { "still running".to_string() } else { output.exit.describe() };
            state.pane = Some(TextPane {
                title: format!("Output: {ended}"),
                plan,
                lines: output.lines(),
                scroll: 0,
                loading: false,
                selectable: false,
            });
            remember(state, command, effects);
        }
        Ok(Outcome::Shell(session)) => {
            close_confirm(state, command);
            effects.push(Effect::Exec(ExecEffect::Shell(session)));
        }
        Ok(Outcome::Forwarding(forward)) => {
            close_confirm(state, command);
            state.flash(format!("forwarding {} (:pf lists forwards)", forward.label()), false);
        }
        other => return Some(other),
    }
    None
}

/// Close the confirmation of `command` if it is still open; its plan.
fn close_confirm(state: &mut State, command: &str) -> Option<Plan> {
    let Mode::Confirm(confirm) = &state.mode else { return None };
    if confirm.plan.command != command {
        return None;
    }
    let plan = confirm.plan.clone();
    state.mode = Mode::Normal;
    Some(plan)
}

/// The command ran: keep it in the app's history, unless it carries something that looks like a credential.
fn remember(state: &mut State, command: &str, effects: &mut Vec<Effect>) {
    let Some(pending) = state.exec.pending.take_if(|p| p.command == command) else { return };
    if crate::transcript::redact(&pending.line) != pending.line {
        return;
    }
    effects.push(Effect::Exec(ExecEffect::Remember {
        context: state.context.context.clone(),
        namespace: pending.namespace,
        app: pending.app,
        command: pending.line,
    }));
}

/// `:pf`
pub fn open_forwards(state: &mut State) {
    state.exec.forwards_open = Some(0);
}

/// A key in the `:pf` list.
pub fn on_forwards_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let Some(selected) = state.exec.forwards_open else { return };
    let last = state.exec.forwards.len().saturating_sub(1);
    match command {
        Command::Down => state.exec.forwards_open = Some((selected + 1).min(last)),
        Command::Up => state.exec.forwards_open = Some(selected.saturating_sub(1)),
        Command::StopForward => {
            if let Some(row) = state.exec.forwards.get(selected) {
                effects.push(Effect::Exec(ExecEffect::StopForward(row.id)));
                let text = format!("Stopping the forward {} → {}", row.local, row.target);
                state.flash(text, false);
            }
        }
        Command::Back | Command::Cancel => state.exec.forwards_open = None,
        _ => {}
    }
}

/// The container `kubectl exec` picks: the annotated default, else the first.
fn default_container(pod: &Pod) -> Option<String> {
    let names = container_names(pod);
    let annotated = pod.annotations().get(DEFAULT_CONTAINER).filter(|c| names.contains(c)).cloned();
    annotated.or_else(|| names.into_iter().next())
}

fn container_names(pod: &Pod) -> Vec<String> {
    pod.spec.as_ref().map(|s| s.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default()
}

fn first_port(pod: &Pod) -> Option<u16> {
    let spec = pod.spec.as_ref()?;
    spec.containers.iter().flat_map(|c| c.ports.iter().flatten()).find_map(|p| u16::try_from(p.container_port).ok())
}

fn port_names(pod: &Pod) -> Vec<String> {
    let Some(spec) = pod.spec.as_ref() else { return Vec::new() };
    spec.containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .map(|p| match &p.name {
            Some(name) => format!("{}/{name}", p.container_port),
            None => p.container_port.to_string(),
        })
        .collect()
}

fn service_port_names(service: &Service) -> Vec<String> {
    let ports = service.spec.as_ref().and_then(|s| s.ports.as_ref());
    ports
        .map(|ports| {
            ports
                .iter()
                .map(|p| match &p.name {
                    Some(name) => format!("{}/{name}", p.port),
                    None => p.port.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The app a pod belongs to, for its exec history: its owning workload (`deployment/storefront`, through the
/// ReplicaSet a Deployment names `NAME-HASH`), else the pod itself (`pod/debug`).
pub fn app_of(pod: &Pod) -> String {
    let Some(owner) = pod.owner_references().iter().find(|o| o.controller == Some(true)) else {
        return format!("pod/{}", pod.name_any());
    };
    let hash = pod.labels().get("pod-template-hash");
    if owner.kind == "ReplicaSet"
        && let Some(deployment) = hash.and_then(|h| owner.name.strip_suffix(&format!("-{h}")))
    {
        return format!("deployment/{deployment}");
    }
    format!("{}/{}", owner.kind.to_lowercase(), owner.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
    use serde_json::json;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).expect("a pod")
    }

    #[test]
    fn the_app_is_the_owning_workload() {
        let mut p =
            pod(json!({"metadata": {"name": "web-7d9c8b6f5-x2x4q", "labels": {"pod-template-hash": "7d9c8b6f5"}}}));
        assert_eq!(app_of(&p), "pod/web-7d9c8b6f5-x2x4q");
        let owner = |kind: &str, name: &str| OwnerReference {
            kind: kind.into(),
            name: name.into(),
            controller: Some(true),
            ..Default::default()
        };
        p.metadata.owner_references = Some(vec![owner("ReplicaSet", "web-7d9c8b6f5")]);
        assert_eq!(app_of(&p), "deployment/web");
        p.metadata.owner_references = Some(vec![owner("StatefulSet", "redis")]);
        assert_eq!(app_of(&p), "statefulset/redis");
    }

    #[test]
    fn ports_parse_in_kubectl_forms() {
        assert_eq!(parse_ports("8080:80"), Ok((8080, 80)));
        assert_eq!(parse_ports(" :8080 "), Ok((0, 8080)));
        assert_eq!(parse_ports("9000"), Ok((9000, 9000)));
        assert!(parse_ports("80:0").is_err());
        assert!(parse_ports("web").is_err());
        assert!(parse_ports("70000:80").is_err());
    }

    #[test]
    fn the_default_container_honours_the_annotation() {
        let p = pod(json!({
            "metadata": {"name": "p", "annotations": {DEFAULT_CONTAINER: "app"}},
            "spec": {"containers": [{"name": "sidecar"}, {"name": "app"}]}
        }));
        assert_eq!(default_container(&p).as_deref(), Some("app"));
        let p = pod(json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "sidecar"}, {"name": "app"}]}}));
        assert_eq!(default_container(&p).as_deref(), Some("sidecar"));
    }
}
