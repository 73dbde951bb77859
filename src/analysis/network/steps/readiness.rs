//! Step 3: the selected pods are Running and Ready; the ones that are not are named, with the reason.

use k8s_openapi::api::core::v1::{Pod, Probe};

use super::{Ctx, NO_MATCH, cause, names, pod_name, step};
use crate::analysis::health::Health;
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Step, StepId};
use crate::analysis::pod_status::pod_summary;

pub fn readiness_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let svc = ctx.svc();
    let s = step(
        StepId::Readiness,
        "The pods are Running and Ready",
        "Only Ready pods receive a Service's traffic. A pod that crashes, waits to be scheduled, or fails its \
         readiness probe is left out of the endpoints.",
        "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions",
    );
    if ctx.service.is_none() {
        return s.not_checked(format!("Service `{svc}` does not exist"));
    }
    if ctx.is_external_name() {
        return s.pass("Not applicable: an ExternalName Service has no pods.");
    }
    if ctx.selector.is_empty() {
        return s.pass("Not applicable: the Service has no selector, so no pods are chosen by labels.");
    }
    if ctx.selected.is_empty() {
        return s.not_checked(NO_MATCH);
    }
    let selector = ctx.selector_text();
    let mut s = s;
    let mut not_ready: Vec<(&Pod, (String, Trouble))> = Vec::new();
    for pod in &ctx.selected {
        let summary = pod_summary(pod, snap.now);
        s = s.evidence(
            format!("pod/{} status", pod_name(pod)),
            format!(
                "{} · ready {} · restarts {} · Ready={}",
                summary.status,
                summary.ready_display(),
                summary.restarts,
                ready_condition(pod)
            ),
        );
        if ready_condition(pod) != "True" {
            not_ready.push((pod, reason(pod, &summary.status, summary.health, summary.restarts)));
        }
    }
    let first_not_ready = not_ready.first().map(|(p, _)| pod_name(p).to_string());
    s.kubectl = vec![ctx.kubectl(&["get", "pods", "-l", &selector, "-o", "wide"])];
    if let Some(first) = &first_not_ready {
        s.kubectl.push(ctx.kubectl(&["describe", "pod", first]));
    }
    let total = ctx.selected.len();
    if not_ready.is_empty() {
        return s.pass(format!("All {total} selected pod{} are Running and Ready.", if total == 1 { "" } else { "s" }));
    }
    let listed: Vec<String> = not_ready.iter().map(|(p, (why, _))| format!("`{}` {why}", pod_name(p))).collect();
    let listed = listed.join("; ");
    let (fix, describe) = match not_ready.first() {
        Some((pod, (_, trouble))) => fix(&ctx, pod_name(pod), trouble),
        None => (String::new(), None),
    };
    if not_ready.len() < total {
        let ready: Vec<&Pod> = ctx
            .selected
            .iter()
            .copied()
            .filter(|p| !not_ready.iter().any(|(n, _)| pod_name(n) == pod_name(p)))
            .collect();
        return s.warn(
            format!(
                "{} of {total} pods are not Ready: {listed}. Traffic goes only to {}.",
                not_ready.len(),
                names(&ready)
            ),
            Some(cause(format!("Some pods of Service `{svc}` are not Ready: {listed}."), fix, describe)),
        );
    }
    let summary = format!("None of the {total} selected pods is Ready: {listed}.");
    let root =
        format!("No pod of Service `{svc}` is Ready ({listed}), so it has no ready endpoint to send traffic to.");
    if ctx.publishes_not_ready() {
        // The addresses are published anyway: traffic flows, to pods that said they are not ready.
        return s.warn(
            format!("{summary} `publishNotReadyAddresses` is set, so traffic reaches them anyway."),
            Some(cause(root, fix, describe)),
        );
    }
    s.fail(summary, cause(root, fix, describe))
}

/// Whether the pod's Ready condition is `True`: only then does it receive a Service's traffic.
pub(super) fn is_ready(pod: &Pod) -> bool {
    ready_condition(pod) == "True"
}

/// The Ready condition's status: `True`, `False`, or `Unknown` when the pod has none yet.
fn ready_condition(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map_or("Unknown", |c| c.status.as_str())
}

/// What kind of trouble keeps a pod from being Ready; it decides the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Trouble {
    Terminating,
    Unschedulable,
    /// Failing; `crashed` when a container has restarted, so the previous logs tell why.
    Failing {
        crashed: bool,
    },
    Starting,
    /// The readiness probe of this container fails; the probe, described.
    Probe(String, String),
    NotReady,
}

/// Why a pod is not Ready, in a few words, from its status as `kubectl get pods` shows it.
fn reason(pod: &Pod, status: &str, health: Health, restarts: u32) -> (String, Trouble) {
    if pod.metadata.deletion_timestamp.is_some() {
        return ("is terminating".to_string(), Trouble::Terminating);
    }
    let scheduled = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False"));
    if let Some(cond) = scheduled {
        let message = cond.message.as_deref().unwrap_or("not scheduled");
        return (format!("is Pending: {message}"), Trouble::Unschedulable);
    }
    match health {
        Health::Error => {
            let restarts = if restarts > 0 { format!(", {restarts} restarts") } else { String::new() };
            (format!("is failing ({status}{restarts})"), Trouble::Failing { crashed: !restarts.is_empty() })
        }
        Health::Pending => (format!("is starting ({status})"), Trouble::Starting),
        _ => match failing_readiness_probe(pod) {
            Some((container, probe)) => (
                format!("is {status} but its readiness probe fails (container `{container}`, {probe})"),
                Trouble::Probe(container, probe),
            ),
            None => (format!("is {status} but not Ready"), Trouble::NotReady),
        },
    }
}

/// The fix for the first not-ready pod's trouble, and a command that shows more.
fn fix(ctx: &Ctx<'_>, pod: &str, trouble: &Trouble) -> (String, Option<String>) {
    let describe = Some(ctx.kubectl(&["describe", "pod", pod]));
    match trouble {
        Trouble::Probe(container, probe) => (
            format!(
                "Make the readiness probe of container `{container}` ({probe}) succeed: find out why the app answers \
                 it with an error (its logs), or fix `readinessProbe` in the pod template if it checks the wrong thing."
            ),
            Some(ctx.kubectl(&["logs", pod, "-c", container])),
        ),
        Trouble::Failing { crashed: true } => (
            "Fix why the container crashes: the logs of its last run tell.".to_string(),
            Some(ctx.kubectl(&["logs", pod, "--previous"])),
        ),
        Trouble::Failing { crashed: false } => {
            ("Fix why the container cannot start (image, configuration): the pod's events tell.".to_string(), describe)
        }
        Trouble::Unschedulable => (
            "Give the pod somewhere to run: lower its resource requests or add capacity, or fix its node \
             selector, affinity or tolerations."
                .to_string(),
            describe,
        ),
        Trouble::Terminating | Trouble::Starting | Trouble::NotReady => {
            ("Find what keeps the pod from being Ready in its events and conditions.".to_string(), describe)
        }
    }
}

/// The first container that is not ready and has a readiness probe, and the probe, described.
fn failing_readiness_probe(pod: &Pod) -> Option<(String, String)> {
    let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref())?;
    let spec = pod.spec.as_ref()?;
    statuses.iter().filter(|s| !s.ready).find_map(|status| {
        let container = spec.containers.iter().find(|c| c.name == status.name)?;
        let probe = container.readiness_probe.as_ref()?;
        Some((status.name.clone(), describe_probe(probe)))
    })
}

/// `httpGet :8080/healthz`, `tcpSocket :https`, `exec`, `grpc :9000`.
pub(super) fn describe_probe(probe: &Probe) -> String {
    if let Some(http) = &probe.http_get {
        return format!("httpGet :{}{}", int_or_string(&http.port), http.path.as_deref().unwrap_or("/"));
    }
    if let Some(tcp) = &probe.tcp_socket {
        return format!("tcpSocket :{}", int_or_string(&tcp.port));
    }
    if let Some(grpc) = &probe.grpc {
        return format!("grpc :{}", grpc.port);
    }
    "exec".to_string()
}

fn int_or_string(v: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    match v {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
    }
}
