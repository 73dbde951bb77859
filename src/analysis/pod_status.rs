//! A pod's row as `kubectl get pods` prints it: READY, STATUS, RESTARTS, and the health behind the colour.
//!
//! [`pod_summary`] is a faithful port of kubectl's `printPod` (kubernetes/kubernetes,
//! `pkg/printers/internalversion/printers.go`, the 1.33 era): init containers, restartable init containers
//! (sidecars), `SchedulingGated`, `NotReady`, `Terminating`, and `Unknown` for a pod on a lost node. Where this
//! code differs from kubectl, a comment says so and why.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};

use super::age::human_age;
use super::health::Health;

/// `status.reason` the node lifecycle controller sets on pods of a node that stopped reporting
/// (`node.NodeUnreachablePodReason`).
const NODE_UNREACHABLE_POD_REASON: &str = "NodeLost";

/// A restart this recent makes an otherwise healthy pod a [`Health::Warning`]. A crash-looping container is
/// restarted at most every five minutes (the kubelet's back-off cap) and looks `Running` and ready between
/// crashes; this window keeps such a pod from flashing green.
pub const RECENT_RESTART: SignedDuration = SignedDuration::from_mins(10);

/// What the pod list shows for one pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodSummary {
    /// Ready containers and all containers, counting sidecars (restartable init containers) as kubectl does.
    pub ready: (u32, u32),
    /// The STATUS column, exactly as kubectl prints it (`Running`, `CrashLoopBackOff`, `Init:0/1`, …).
    pub status: String,
    /// The RESTARTS count, as kubectl counts it.
    pub restarts: u32,
    /// When a counted container last terminated before a restart (kubectl's `(3m ago)`).
    pub last_restart: Option<Timestamp>,
    /// The node the pod is bound to, if any.
    pub node: Option<String>,
    /// How healthy the pod looks; see [`status_health`].
    pub health: Health,
}

impl PodSummary {
    /// The READY column: `1/2`.
    pub fn ready_display(&self) -> String {
        format!("{}/{}", self.ready.0, self.ready.1)
    }

    /// The RESTARTS column as kubectl prints it: `0`, or `5 (3m ago)` when the last restart is known.
    pub fn restarts_display(&self, now: Timestamp) -> String {
        match self.last_restart {
            Some(at) if self.restarts != 0 => {
                format!("{} ({} ago)", self.restarts, human_age(at, now))
            }
            _ => self.restarts.to_string(),
        }
    }
}

/// Summarise a pod as `kubectl get pods` does; `now` only decides whether a restart is recent.
pub fn pod_summary(pod: &Pod, now: Timestamp) -> PodSummary {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or_default();
    let init_statuses = status.and_then(|s| s.init_container_statuses.as_deref()).unwrap_or_default();
    let container_statuses = status.and_then(|s| s.container_statuses.as_deref()).unwrap_or_default();
    let init_specs = spec.and_then(|s| s.init_containers.as_deref()).unwrap_or_default();

    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or_default();
    let status_reason = status.and_then(|s| s.reason.as_deref()).unwrap_or_default();

    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_init_restart: Option<Timestamp> = None;
    let mut ready: u32 = 0;
    let mut total = u32::try_from(spec.map_or(0, |s| s.containers.len())).unwrap_or(u32::MAX);

    let mut reason = if status_reason.is_empty() { phase.to_string() } else { status_reason.to_string() };
    if conditions.iter().any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated")) {
        reason = "SchedulingGated".to_string();
    }

    let init_by_name: HashMap<&str, &Container> = init_specs.iter().map(|c| (c.name.as_str(), c)).collect();
    total = total
        .saturating_add(u32::try_from(init_specs.iter().filter(|c| is_restartable(c)).count()).unwrap_or(u32::MAX));
    let is_sidecar =
        |status: &ContainerStatus| init_by_name.get(status.name.as_str()).is_some_and(|c| is_restartable(c));

    let mut initializing = false;
    for (i, container) in init_statuses.iter().enumerate() {
        restarts += i64::from(container.restart_count);
        note_last_termination(container, &mut last_restart);
        let sidecar = is_sidecar(container);
        if sidecar {
            restartable_init_restarts += i64::from(container.restart_count);
            note_last_termination(container, &mut last_restartable_init_restart);
        }
        let state = container.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason =
            state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty());

        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && container.started == Some(true) {
            if container.ready {
                ready += 1;
            }
            continue;
        }
        reason = if let Some(t) = terminated {
            // Initialisation failed.
            match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|&s| s != 0) {
                    Some(signal) => format!("Init:Signal:{signal}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            }
        } else if let Some(r) = waiting_reason.filter(|&r| r != "PodInitializing") {
            format!("Init:{r}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    if !initializing || condition_is_true(conditions, "Initialized") {
        // Once initialised, finished init containers no longer count; sidecars keep counting.
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        // kubectl walks the containers backwards, so the first container's state has the last word.
        for container in container_statuses.iter().rev() {
            restarts += i64::from(container.restart_count);
            note_last_termination(container, &mut last_restart);
            let state = container.state.as_ref();
            let waiting_reason =
                state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            let running = state.is_some_and(|s| s.running.is_some());

            if let Some(r) = waiting_reason {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => match t.signal.filter(|&s| s != 0) {
                        Some(signal) => format!("Signal:{signal}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if container.ready && running {
                has_running = true;
                ready += 1;
            }
        }

        // A pod whose finished containers say "Completed" but that still runs one is not complete.
        if reason == "Completed" && has_running {
            reason = if condition_is_true(conditions, "Ready") { "Running" } else { "NotReady" }.to_string();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if status_reason == NODE_UNREACHABLE_POD_REASON {
            reason = "Unknown".to_string();
        } else if phase != "Failed" && phase != "Succeeded" {
            reason = "Terminating".to_string();
        }
    }

    let ready = (ready, total);
    let restarts = u32::try_from(restarts.max(0)).unwrap_or(u32::MAX);
    let mut health = status_health(&reason, ready);
    let restarted_recently = last_restart.is_some_and(|at| now.duration_since(at) < RECENT_RESTART);
    if health == Health::Ok && restarts > 0 && restarted_recently {
        health = Health::Warning;
    }

    PodSummary {
        ready,
        status: reason,
        restarts,
        last_restart,
        node: spec.and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty()),
        health,
    }
}

/// The health behind a pod STATUS, from the reviewed table:
/// - broken (`CrashLoopBackOff`, `Error`, `ImagePullBackOff`, `OOMKilled`, `ExitCode:2`, `Evicted`, …) →
///   [`Health::Error`];
/// - on its way (`Pending`, `ContainerCreating`, `PodInitializing`, `SchedulingGated`, `Init:0/1`) →
///   [`Health::Pending`]; an init container that failed (`Init:CrashLoopBackOff`, `Init:ExitCode:1`) is an
///   [`Health::Error`] all the same;
/// - `Running` with every container ready → [`Health::Ok`], otherwise [`Health::Warning`];
/// - `Completed` (and `Succeeded`, `ExitCode:0`) → [`Health::Completed`];
/// - `Terminating`, `NotReady` → [`Health::Warning`]; `Unknown` → [`Health::Unknown`].
///
/// A reason this table does not know (kubelets add new ones) is a [`Health::Warning`]: it is not known to
/// be fine, and [`Health::Unknown`] is kept for a node that stopped reporting.
pub fn status_health(status: &str, ready: (u32, u32)) -> Health {
    if let Some(init) = status.strip_prefix("Init:") {
        return match status_health(init, ready) {
            Health::Error => Health::Error,
            // `Init:0/1`, `Init:ContainerCreating`, and the rest of initialisation.
            _ => Health::Pending,
        };
    }
    if let Some(code) = status.strip_prefix("ExitCode:") {
        return if code == "0" { Health::Completed } else { Health::Error };
    }
    if status.starts_with("Signal:") || status.starts_with("OutOf") {
        // `OutOfcpu`, `OutOfmemory`, …: the kubelet rejected the pod at admission.
        return Health::Error;
    }
    // `Init:0/1` after the prefix is stripped above.
    if status.split_once('/').is_some_and(|(a, b)| is_number(a) && is_number(b)) {
        return Health::Pending;
    }
    match status {
        "Running" if ready.1 > 0 && ready.0 >= ready.1 => Health::Ok,
        "Running" | "NotReady" | "Terminating" | "Preempting" => Health::Warning,
        "Completed" | "Succeeded" => Health::Completed,
        "Unknown" => Health::Unknown,
        "Pending" | "ContainerCreating" | "PodInitializing" | "SchedulingGated" => Health::Pending,
        "CrashLoopBackOff"
        | "Error"
        | "Failed"
        | "ImagePullBackOff"
        | "ErrImagePull"
        | "ErrImageNeverPull"
        | "InvalidImageName"
        | "ImageInspectError"
        | "RegistryUnavailable"
        | "SignatureValidationFailed"
        | "OOMKilled"
        | "CreateContainerConfigError"
        | "CreateContainerError"
        | "RunContainerError"
        | "ContainerCannotRun"
        | "StartError"
        | "PreStartHookError"
        | "PostStartHookError"
        | "ContainerStatusUnknown"
        | "DeadlineExceeded"
        | "Evicted"
        | "NodeAffinity"
        | "UnexpectedAdmissionError" => Health::Error,
        _ => Health::Warning,
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A sidecar: an init container with `restartPolicy: Always`.
fn is_restartable(container: &Container) -> bool {
    container.restart_policy.as_deref() == Some("Always")
}

fn condition_is_true(conditions: &[PodCondition], type_: &str) -> bool {
    conditions.iter().any(|c| c.type_ == type_ && c.status == "True")
}

/// Keep the latest `lastState.terminated.finishedAt` seen; kubectl's "(3m ago)" is measured from it.
fn note_last_termination(container: &ContainerStatus, latest: &mut Option<Timestamp>) {
    let finished = container
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0);
    if let Some(at) = finished
        && latest.is_none_or(|l| l < at)
    {
        *latest = Some(at);
    }
}

#[cfg(test)]
mod tests;
