//! The active probe: what a one-off pod in the Service's namespace curls (the Service by its DNS name, then
//! each ready pod on the targetPort), the line it prints per target, and the wizard step its results make.
//! Pure: the pod itself is created, read and deleted by `action::probe`.

use k8s_openapi::api::core::v1::{Pod, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::snapshot::{NetSnapshot, Question};
use super::step::{Cause, Evidence, Step, StepId, Verdict};
use super::steps::kubectl_in;
use super::{PortRef, labels::map_selector_matches};

/// Every line the probe prints about a target starts with this word, so other output is ignored.
pub const LINE_MARK: &str = "mosaic-probe";
/// How long curl may try to connect to one target, in seconds.
pub const CONNECT_TIMEOUT: u32 = 5;
/// How long one request may take, in seconds.
pub const MAX_TIME: u32 = 10;

/// One address the probe pod asks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProbeTarget {
    /// `service storefront` or `pod storefront-7d4b9-x2x9q`.
    pub label: String,
    /// `http://storefront.shop.svc.cluster.local:80/`
    pub url: String,
}

/// What the probe pod asks: the Service by name, then each ready pod on the port the Service sends to.
pub fn probe_targets(snap: &NetSnapshot, question: &Question) -> Result<Vec<ProbeTarget>, String> {
    let ns = &snap.namespace;
    let svc = &snap.service_name;
    let service = snap.service.as_ref().ok_or_else(|| format!("Service `{svc}` does not exist in `{ns}`"))?;
    let spec = service.spec.clone().unwrap_or_default();
    if spec.type_.as_deref() == Some("ExternalName") {
        return Err(format!("Service `{svc}` is an ExternalName: it points outside the cluster, nothing to probe"));
    }
    let ports = spec.ports.clone().unwrap_or_default();
    let tcp: Vec<&ServicePort> = ports.iter().filter(|p| p.protocol.as_deref().is_none_or(|p| p == "TCP")).collect();
    let port = match &question.port {
        None => tcp.first().copied(),
        Some(PortRef::Number(n)) => tcp.iter().copied().find(|p| p.port == *n),
        Some(PortRef::Name(name)) => tcp.iter().copied().find(|p| p.name.as_deref() == Some(name)),
    }
    .ok_or_else(|| format!("Service `{svc}` has no TCP port to probe"))?;
    let domain = question.cluster_domain.as_deref().unwrap_or("cluster.local");
    let mut targets = vec![ProbeTarget {
        label: format!("service {svc}"),
        url: format!("http://{svc}.{ns}.svc.{domain}:{}/", port.port),
    }];
    let selector = spec.selector.clone().unwrap_or_default();
    if selector.is_empty() {
        return Ok(targets);
    }
    for pod in snap.pods.iter().filter(|p| p.metadata.namespace.as_deref().is_none_or(|n| n == ns)) {
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        if !map_selector_matches(&selector, &labels) || !is_ready(pod) {
            continue;
        }
        let Some(ip) = pod.status.as_ref().and_then(|s| s.pod_ip.clone()) else { continue };
        let Some(target_port) = target_port_of(port, pod) else { continue };
        let name = pod.metadata.name.clone().unwrap_or_default();
        targets.push(ProbeTarget { label: format!("pod {name}"), url: format!("http://{ip}:{target_port}/") });
    }
    Ok(targets)
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The port number the Service sends to on this pod: a number, or a named containerPort.
fn target_port_of(port: &ServicePort, pod: &Pod) -> Option<i32> {
    match &port.target_port {
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) if !name.is_empty() => pod
            .spec
            .as_ref()?
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.container_port),
        _ => Some(port.port),
    }
}

/// The curl command for target number `index`: no body, one line from `--write-out` whether it worked or not.
pub fn curl_argv(index: usize, url: &str) -> Vec<String> {
    [
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "--connect-timeout",
        &CONNECT_TIMEOUT.to_string(),
        "--max-time",
        &MAX_TIME.to_string(),
        "-w",
        &format!("{LINE_MARK}\\t{index}\\t%{{http_code}}\\t%{{time_total}}\\t%{{exitcode}}\\t%{{errormsg}}\\n"),
        url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// How one target answered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetResult {
    pub target: ProbeTarget,
    /// The HTTP status; `None` when no answer came (connection refused, timed out, no DNS answer).
    pub status: Option<u16>,
    /// Seconds, as curl measured them.
    pub seconds: Option<f64>,
    /// curl's exit code (0: an HTTP answer came).
    pub exit: i32,
    /// curl's words when it failed.
    pub error: Option<String>,
}

impl TargetResult {
    /// `200 in 12 ms`, `connection timed out (curl exit 28: …)`.
    pub fn describe(&self) -> String {
        let time = self.seconds.map(|s| format!(" in {} ms", (s * 1000.0).round() as u64)).unwrap_or_default();
        match self.status {
            Some(code) => format!("HTTP {code}{time}"),
            None => {
                let error = self.error.as_deref().filter(|e| !e.is_empty()).unwrap_or("no answer");
                format!("{} (curl exit {}: {error})", failure_words(self.exit), self.exit)
            }
        }
    }
}

/// What curl's exit code means for traffic.
fn failure_words(exit: i32) -> &'static str {
    match exit {
        6 => "DNS did not resolve the name",
        7 => "connection refused",
        28 => "timed out: packets were dropped",
        52 | 56 => "the connection was cut",
        _ => "no answer",
    }
}

/// Reads the probe's log: one result per target, in order; a target without a line has no result.
pub fn parse_log(log: &str, targets: &[ProbeTarget]) -> Vec<TargetResult> {
    let mut results: Vec<TargetResult> = Vec::new();
    for line in log.lines() {
        let mut fields = line.splitn(6, '\t');
        if fields.next() != Some(LINE_MARK) {
            continue;
        }
        let Some(target) = fields.next().and_then(|i| i.parse::<usize>().ok()).and_then(|i| targets.get(i)) else {
            continue;
        };
        let code: u16 = fields.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let seconds = fields.next().and_then(|t| t.parse::<f64>().ok());
        let exit = fields.next().and_then(|e| e.parse().ok()).unwrap_or(-1);
        let error = fields.next().map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
        results.push(TargetResult {
            target: target.clone(),
            status: (code != 0).then_some(code),
            seconds,
            exit: if code != 0 { 0 } else { exit },
            error,
        });
    }
    results
}

/// Where a probe stopped before it could report on its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeStage {
    /// RBAC (or read-only mode) refused it: no pod was created.
    Permission,
    /// The API server refused the pod.
    Create,
    /// No node took the pod.
    Scheduling,
    /// The probe image could not be pulled (not a connection failure).
    ImagePull,
    /// The pod started but did not finish in time, or ended without output.
    Running,
    /// The pod's log could not be read.
    Logs,
    /// The user stopped it.
    Cancelled,
}

impl ProbeStage {
    pub fn words(self) -> &'static str {
        match self {
            ProbeStage::Permission => "permission",
            ProbeStage::Create => "creating the probe pod",
            ProbeStage::Scheduling => "scheduling the probe pod",
            ProbeStage::ImagePull => "image pull",
            ProbeStage::Running => "running the probe",
            ProbeStage::Logs => "reading the probe's log",
            ProbeStage::Cancelled => "cancelled",
        }
    }
}

/// How a probe ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum ProbeOutcome {
    Completed {
        targets: Vec<TargetResult>,
    },
    /// It did not get as far as asking the targets; `reason` says why and what to do.
    CouldNotRun {
        stage: ProbeStage,
        reason: String,
    },
}

/// What a probe found, with what it was asked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProbeResults {
    pub context: Option<String>,
    pub namespace: String,
    pub service: String,
    /// The probe pod's name (kept for the kubectl lines even after it is deleted).
    pub pod: String,
    pub image: String,
    /// The `kubectl run …` line that does what the probe did.
    pub command: String,
    pub targets: Vec<ProbeTarget>,
    pub outcome: ProbeOutcome,
}

const WHY: &str = "The static checks read the objects; only real traffic proves packets arrive. A one-off pod in \
                   the Service's namespace asks the Service by its DNS name, then each ready pod directly, so a \
                   failure shows whether the Service or the pods (or a policy in between) are at fault.";
const DOC_URL: &str = "https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/";

/// The wizard step of a probe: pass when every target answered, fail when traffic did not arrive, warn when
/// it arrived but the app answered with server errors, could-not-check when the probe did not run.
pub fn probe_step(results: &ProbeResults) -> Step {
    let mut step = Step {
        id: StepId::Probe,
        title: "Traffic reaches the Service and its pods".into(),
        why: WHY.into(),
        summary: String::new(),
        checked: vec![Evidence::new("probe pod", format!("{} ({})", results.pod, results.image))],
        verdict: Verdict::Pass,
        kubectl: vec![
            results.command.clone(),
            kubectl_in(results.context.as_deref(), Some(&results.namespace), &["logs", &results.pod]),
        ],
        doc_url: DOC_URL.into(),
        cause: None,
    };
    let answers = match &results.outcome {
        ProbeOutcome::CouldNotRun { stage, reason } => {
            step.checked.push(Evidence::new("stopped at", stage.words()));
            step.summary = format!("Could not check: {reason}.");
            step.verdict = Verdict::CouldNotCheck(reason.clone());
            return step;
        }
        ProbeOutcome::Completed { targets } => targets,
    };
    for target in &results.targets {
        let value = answers
            .iter()
            .find(|a| a.target == *target)
            .map_or_else(|| "no result: the probe stopped before it".to_string(), TargetResult::describe);
        step.checked.push(Evidence::new(format!("{} {}", target.label, target.url), value));
    }
    if answers.is_empty() {
        let reason = "the probe pod ended without reporting on any target".to_string();
        step.summary = format!("Could not check: {reason}.");
        step.verdict = Verdict::CouldNotCheck(reason);
        return step;
    }
    let service = answers.first().filter(|a| a.target.label.starts_with("service "));
    let pods: Vec<&TargetResult> = answers.iter().filter(|a| a.target.label.starts_with("pod ")).collect();
    let dead_pods: Vec<&TargetResult> = pods.iter().copied().filter(|a| a.status.is_none()).collect();
    let svc = &results.service;
    match service {
        Some(s) if s.status.is_none() => {
            let how = failure_words(s.exit);
            let (root_cause, fix) = if !pods.is_empty() && dead_pods.is_empty() {
                (
                    format!("The pods answer directly, but Service `{svc}` does not ({how})."),
                    "Check the Service's port and targetPort, and its endpoints.".to_string(),
                )
            } else if s.exit == 28 {
                (
                    format!("Traffic to Service `{svc}` is dropped ({how}): a NetworkPolicy most likely."),
                    "Allow this traffic in the NetworkPolicy that selects the pods (spec.ingress[].from and ports)."
                        .to_string(),
                )
            } else if s.exit == 6 {
                (
                    format!("The name of Service `{svc}` does not resolve from its own namespace."),
                    "Check cluster DNS (CoreDNS pods in kube-system) and the Service's name.".to_string(),
                )
            } else {
                (
                    format!("Service `{svc}` refuses connections ({how}): it has no ready endpoint on that port."),
                    "Make the Service's targetPort match a port the pods listen on, and their readiness pass."
                        .to_string(),
                )
            };
            step.summary = format!("Service `{svc}` did not answer: {}.", s.describe());
            step.verdict = Verdict::Fail;
            step.cause = Some(Cause { root_cause, fix, command: None });
        }
        Some(s) if s.status.is_some_and(|c| c >= 500) => {
            step.summary = format!("Traffic arrives, but Service `{svc}` answers {}.", s.describe());
            step.verdict = Verdict::Warn;
            step.cause = Some(Cause {
                root_cause: format!("Service `{svc}` is reached, but its app answers with a server error."),
                fix: "Read the app's logs: the network is not at fault.".into(),
                command: None,
            });
        }
        _ if !dead_pods.is_empty() => {
            let names: Vec<&str> = dead_pods.iter().map(|a| a.target.label.trim_start_matches("pod ")).collect();
            step.summary = format!("The Service answers, but not every pod does: {}.", names.join(", "));
            step.verdict = Verdict::Warn;
            step.cause = Some(Cause {
                root_cause: format!("Some pods of Service `{svc}` do not answer on the targetPort."),
                fix: "Look at those pods: their process, their port, their NetworkPolicies.".into(),
                command: None,
            });
        }
        _ => {
            let n = answers.len();
            step.summary = format!("All {n} target{} answered over HTTP: traffic reaches Service `{svc}`.", plural(n));
        }
    }
    step
}

/// The probe step when there was nothing to probe (no Service, an ExternalName, no TCP port) or its targets
/// could not be read: could-not-check, with the reason.
pub fn probe_not_run_step(reason: &str) -> Step {
    Step {
        id: StepId::Probe,
        title: "Traffic reaches the Service and its pods".into(),
        why: WHY.into(),
        summary: format!("Could not check: {reason}."),
        checked: Vec::new(),
        verdict: Verdict::CouldNotCheck(reason.to_string()),
        kubectl: Vec::new(),
        doc_url: DOC_URL.into(),
        cause: None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;
