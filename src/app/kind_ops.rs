//! The operations of nodes and CronJobs on their lists: cordon, uncordon and drain a node; suspend, resume and
//! trigger a CronJob. Each key builds its `Action` and opens the usual confirmation; a drain first lists the
//! node's pods (`kubectl get pods -A --field-selector spec.nodeName=…`) so the confirmation names each pod it
//! evicts and each it leaves.
use serde_json::Value;

use super::drill::ListSelector;
use super::keymap::Command;
use super::msg::Effect;
use super::state::{Mode, State};
use crate::action::{Action, ActionError, DrainPod, ObjectRef, Outcome, drain_candidates, job_name_for};
use crate::cluster::Kind;

/// Pods listed per group in the drain confirmation; the rest are counted.
const SHOWN_PODS: usize = 8;

/// A drain waiting for the pods of its node.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDrain {
    pub node: String,
    /// The line of the pod list it waits for.
    pub command: String,
}

/// The object a row stands for, at the version this server serves: a kind that moved between versions (CronJob
/// `batch/v1beta1` → `v1`) is read where discovery found it, as its list is, else at the version the cached
/// object carries (watch events name it; list items may not).
pub fn object_ref(state: &State, kind: Kind, namespace: &str, name: &str) -> ObjectRef {
    let mut target = ObjectRef::of(kind, Some(namespace), name);
    if kind.versions().len() < 2 {
        return target;
    }
    let discovered = state
        .kinds
        .served()
        .iter()
        .find(|s| s.kind == kind)
        .map(|s| crate::cluster::resources::get(s.resource).version);
    let cached = || {
        let key = (namespace.to_string(), name.to_string());
        let object = state.dynamic(kind).get(&state.scopes_for(kind), &key).and_then(|e| e.object())?;
        let api_version = object.types?.api_version;
        let (group, version) = api_version.rsplit_once('/')?;
        (group == kind.group()).then(|| kind.versions().iter().copied().find(|v| *v == version)).flatten()
    };
    if let Some(version) = discovered.filter(|v| kind.versions().contains(v)).or_else(cached) {
        target.version = version.to_string();
    }
    target
}

/// The node and CronJob actions of the selected row, for the game plan and the keys.
pub fn row_actions(state: &State, kind: Kind, namespace: &str, name: &str) -> Vec<(&'static str, Action)> {
    let (ns, name) = (namespace.to_string(), name.to_string());
    match kind {
        Kind::Node => vec![
            ("C", Action::Cordon { node: name.clone(), unschedulable: true }),
            ("U", Action::Cordon { node: name.clone(), unschedulable: false }),
            // The pods are listed when the key is pressed; the game plan shows the kubectl line alone.
            ("D", Action::Drain { node: name, pods: Vec::new() }),
        ],
        Kind::CronJob => vec![
            ("s", Action::SuspendCronJob { namespace: ns.clone(), name: name.clone(), suspend: true }),
            ("r", Action::SuspendCronJob { namespace: ns.clone(), name: name.clone(), suspend: false }),
            ("t", Action::TriggerCronJob { namespace: ns, job: job_name_for(&name, state.now), cronjob: name }),
        ],
        _ => Vec::new(),
    }
}

/// A node or CronJob key on its list. Returns false for other commands.
pub fn on_list_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) -> bool {
    let (key, kind) = match command {
        Command::Cordon => ("C", Kind::Node),
        Command::Uncordon => ("U", Kind::Node),
        Command::Drain => ("D", Kind::Node),
        Command::Suspend => ("s", Kind::CronJob),
        Command::Resume => ("r", Kind::CronJob),
        Command::Trigger => ("t", Kind::CronJob),
        _ => return false,
    };
    let Some((ns, name)) = state.selected().cloned().filter(|_| state.view.kind == kind) else { return true };
    if let Some(why) = already(state, command, &ns, &name) {
        state.flash(why, false);
        return true;
    }
    if command == Command::Drain {
        list_pods_of(state, &name, effects);
        return true;
    }
    if let Some((_, action)) = row_actions(state, kind, &ns, &name).into_iter().find(|(k, _)| *k == key) {
        super::actions::open_confirm(state, action, effects);
    }
    true
}

/// Why the key would change nothing: the node is already cordoned, the CronJob not suspended…
fn already(state: &State, command: Command, ns: &str, name: &str) -> Option<String> {
    let kind = state.view.kind;
    let key = (ns.to_string(), name.to_string());
    let object = state.dynamic(kind).get(&state.scopes_for(kind), &key).and_then(|e| e.object())?;
    let flag = |field: &str| object.data.pointer(&format!("/spec/{field}")).and_then(Value::as_bool) == Some(true);
    match command {
        Command::Cordon if flag("unschedulable") => {
            Some(format!("Node {name} is already cordoned (SchedulingDisabled)"))
        }
        Command::Uncordon if !flag("unschedulable") => {
            Some(format!("Node {name} is not cordoned: new pods may already be scheduled on it"))
        }
        Command::Suspend if flag("suspend") => Some(format!("Cronjob {name} is already suspended (r resumes it)")),
        Command::Resume if !flag("suspend") => Some(format!("Cronjob {name} is not suspended: nothing to resume")),
        _ => None,
    }
}

/// `D`: list the node's pods across namespaces; the confirmation opens when they arrive.
fn list_pods_of(state: &mut State, node: &str, effects: &mut Vec<Effect>) {
    let action = Action::List {
        kind: Kind::Pod,
        namespace: None,
        selector: ListSelector { labels: None, fields: Some(format!("spec.nodeName={node}")) },
    };
    let command = action.plan(&state.plan_ctx()).command;
    state.drain = Some(PendingDrain { node: node.to_string(), command: command.clone() });
    state.flash(format!("Listing the pods on node {node} to plan the drain…"), false);
    effects.push(Effect::Run { action, dry_run: false, command });
}

/// The pod list of a pending drain arrived: open its confirmation. Returns the result when it is not for it.
pub fn on_done(
    state: &mut State,
    command: &str,
    result: Result<Outcome, ActionError>,
    effects: &mut Vec<Effect>,
) -> Option<Result<Outcome, ActionError>> {
    if state.drain.as_ref().is_none_or(|d| d.command != command) {
        return Some(result);
    }
    let PendingDrain { node, .. } = state.drain.take()?;
    let pods = match result {
        Ok(Outcome::Object(list)) => list.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
        Ok(_) => Vec::new(),
        Err(err) => {
            state.flash(format!("Cannot plan the drain of node {node}: {err}"), true);
            return None;
        }
    };
    let (evict, leave) = drain_candidates(&pods);
    let notes = drain_notes(&evict, &leave);
    state.flash = None;
    super::actions::open_confirm(state, Action::Drain { node, pods: evict }, effects);
    if let Mode::Confirm(confirm) = &mut state.mode {
        confirm.notes = notes;
    }
    None
}

/// The confirmation's list: each pod evicted, each left and why.
pub fn drain_notes(evict: &[DrainPod], leave: &[(DrainPod, &'static str)]) -> Vec<String> {
    let mut notes = Vec::new();
    if evict.is_empty() {
        notes.push("No pod to evict: the node is only cordoned.".to_string());
    } else {
        notes.push(format!("Evicts {} pod(s):", evict.len()));
        for pod in evict.iter().take(SHOWN_PODS) {
            let why = if pod.unmanaged { "  (no controller: nothing recreates it)" } else { "" };
            notes.push(format!("  {}/{}{why}", pod.namespace, pod.name));
        }
        more(&mut notes, evict.len());
    }
    if !leave.is_empty() {
        notes.push(format!("Leaves {} pod(s) running:", leave.len()));
        for (pod, why) in leave.iter().take(SHOWN_PODS) {
            notes.push(format!("  {}/{}: {why}", pod.namespace, pod.name));
        }
        more(&mut notes, leave.len());
    }
    notes
}

fn more(notes: &mut Vec<String>, total: usize) {
    if total > SHOWN_PODS {
        notes.push(format!("  … and {} more", total - SHOWN_PODS));
    }
}
