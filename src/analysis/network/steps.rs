//! The static steps of the network wizard: pure functions over a [`NetSnapshot`], each returning a [`Step`].
//! They need no pods of ours; the active probes come after them.

mod dns;
mod endpoints;
mod ingress;
mod policies;
mod ports;
mod readiness;
mod selector;
mod service;

use k8s_openapi::api::core::v1::{Pod, Service, ServicePort};

use super::labels::{Labels, format_labels, map_selector_matches};
use super::policy::PortRef;
use super::snapshot::{NetSnapshot, Question};
use super::step::{Cause, Evidence, Step, StepId, Verdict};

pub use dns::dns_step;
pub use endpoints::endpoints_step;
pub use ingress::ingress_step;
pub use policies::policy_step;
pub use ports::ports_step;
pub use readiness::readiness_step;
pub use selector::selector_step;
pub use service::service_step;

/// Every static step, in order.
pub fn run_static_steps(snap: &NetSnapshot, question: &Question) -> Vec<Step> {
    vec![
        service_step(snap, question),
        selector_step(snap, question),
        readiness_step(snap, question),
        endpoints_step(snap, question),
        ports_step(snap, question),
        policy_step(snap, question),
        dns_step(snap, question),
        ingress_step(snap, question),
    ]
}

/// Why a step after the selector is not judged when the selector matches no pod.
const NO_MATCH: &str = "the selector matches no pod (see the selector step)";

/// What several steps derive from the snapshot.
struct Ctx<'a> {
    snap: &'a NetSnapshot,
    question: &'a Question,
    service: Option<&'a Service>,
    /// `spec.selector`; empty when the Service has none.
    selector: Labels,
    /// Pods of the namespace that the selector matches.
    selected: Vec<&'a Pod>,
}

impl<'a> Ctx<'a> {
    fn new(snap: &'a NetSnapshot, question: &'a Question) -> Ctx<'a> {
        let service = snap.service.as_ref();
        let selector = service.and_then(|s| s.spec.as_ref()).and_then(|s| s.selector.clone()).unwrap_or_default();
        let selected = if selector.is_empty() {
            Vec::new()
        } else {
            snap.pods
                .iter()
                .filter(|p| p.metadata.namespace.as_deref().is_none_or(|ns| ns == snap.namespace))
                .filter(|p| map_selector_matches(&selector, &labels_of(p)))
                .collect()
        };
        Ctx { snap, question, service, selector, selected }
    }

    fn ns(&self) -> &str {
        &self.snap.namespace
    }

    fn svc(&self) -> &str {
        &self.snap.service_name
    }

    fn is_external_name(&self) -> bool {
        service_type(self.service) == "ExternalName"
    }

    fn is_headless(&self) -> bool {
        self.service.and_then(|s| s.spec.as_ref()).and_then(|s| s.cluster_ip.as_deref()) == Some("None")
    }

    fn publishes_not_ready(&self) -> bool {
        self.service.and_then(|s| s.spec.as_ref()).and_then(|s| s.publish_not_ready_addresses) == Some(true)
    }

    /// Pods are selected, none is Ready, and the Service does not publish not-ready addresses: no traffic
    /// reaches them whatever the later steps find.
    fn none_ready(&self) -> bool {
        !self.selected.is_empty()
            && !self.publishes_not_ready()
            && !self.selected.iter().any(|p| readiness::is_ready(p))
    }

    /// The pods of the app the user had in mind: the hint, or else a guess from the Service's own labels or
    /// its name (`app=<name>`, `app.kubernetes.io/name=<name>`).
    fn app_pods(&self) -> Vec<&'a Pod> {
        if let Some(hint) = &self.question.app_pods {
            return hint.iter().collect();
        }
        let in_ns =
            || self.snap.pods.iter().filter(|p| p.metadata.namespace.as_deref().is_none_or(|ns| ns == self.ns()));
        let own_labels = self.service.and_then(|s| s.metadata.labels.clone()).unwrap_or_default();
        if !own_labels.is_empty() {
            let by_labels: Vec<&Pod> = in_ns().filter(|p| map_selector_matches(&own_labels, &labels_of(p))).collect();
            if !by_labels.is_empty() {
                return by_labels;
            }
        }
        let name = self.svc();
        in_ns()
            .filter(|p| {
                let labels = labels_of(p);
                ["app.kubernetes.io/name", "app"].iter().any(|k| labels.get(*k).map(String::as_str) == Some(name))
            })
            .collect()
    }

    /// The Service ports the question is about, or why there are none.
    fn chosen_ports(&self) -> Result<Vec<&'a ServicePort>, String> {
        let ports: Vec<&ServicePort> =
            self.service.and_then(|s| s.spec.as_ref()).and_then(|s| s.ports.as_ref()).into_iter().flatten().collect();
        match &self.question.port {
            None => Ok(ports),
            Some(wanted) => {
                let found: Vec<&ServicePort> = ports
                    .iter()
                    .copied()
                    .filter(|p| match wanted {
                        PortRef::Number(n) => p.port == *n,
                        PortRef::Name(name) => p.name.as_deref() == Some(name),
                    })
                    .collect();
                if found.is_empty() {
                    let have: Vec<String> = ports.iter().map(|p| describe_service_port(p)).collect();
                    Err(format!(
                        "Service `{}` has no port `{wanted}`; its ports are {}",
                        self.svc(),
                        if have.is_empty() { "none".to_string() } else { have.join(", ") }
                    ))
                } else {
                    Ok(found)
                }
            }
        }
    }

    /// `kubectl [--context C] -n NS args…`, shell-quoted.
    fn kubectl(&self, args: &[&str]) -> String {
        kubectl_in(self.snap.context.as_deref(), Some(self.ns()), args)
    }

    fn selector_text(&self) -> String {
        format_labels(&self.selector)
    }
}

/// Builds a step with the common parts; the caller fills the rest.
fn step(id: StepId, title: &str, why: &str, doc_url: &str) -> Step {
    Step {
        id,
        title: title.to_string(),
        why: why.to_string(),
        summary: String::new(),
        checked: Vec::new(),
        verdict: Verdict::Pass,
        kubectl: Vec::new(),
        doc_url: doc_url.to_string(),
        cause: None,
    }
}

impl Step {
    fn pass(mut self, summary: impl Into<String>) -> Step {
        self.verdict = Verdict::Pass;
        self.summary = summary.into();
        self
    }

    fn fail(mut self, summary: impl Into<String>, cause: Cause) -> Step {
        self.verdict = Verdict::Fail;
        self.summary = summary.into();
        self.cause = Some(cause);
        self
    }

    fn warn(mut self, summary: impl Into<String>, cause: Option<Cause>) -> Step {
        self.verdict = Verdict::Warn;
        self.summary = summary.into();
        self.cause = cause;
        self
    }

    fn could_not_check(mut self, reason: impl Into<String>) -> Step {
        let reason = reason.into();
        self.summary = format!("Could not check: {reason}.");
        self.verdict = Verdict::CouldNotCheck(reason);
        self
    }

    /// Not judged because an earlier step failed: say which, and invent no fix.
    fn not_checked(mut self, reason: impl Into<String>) -> Step {
        let reason = reason.into();
        self.summary = format!("Not checked: {reason}.");
        self.verdict = Verdict::NotChecked(reason);
        self.cause = None;
        self
    }

    fn evidence(mut self, field: impl Into<String>, value: impl Into<String>) -> Step {
        self.checked.push(Evidence::new(field, value));
        self
    }

    fn commands(mut self, commands: Vec<String>) -> Step {
        self.kubectl = commands;
        self
    }
}

fn cause(root_cause: impl Into<String>, fix: impl Into<String>, command: Option<String>) -> Cause {
    Cause { root_cause: root_cause.into(), fix: fix.into(), command }
}

/// `kubectl [--context C] [-n NS] args…`, each argument shell-quoted unless it is plainly safe.
pub fn kubectl_in(context: Option<&str>, namespace: Option<&str>, args: &[&str]) -> String {
    let mut argv: Vec<&str> = vec!["kubectl"];
    if let Some(context) = context {
        argv.extend(["--context", context]);
    }
    if let Some(ns) = namespace {
        argv.extend(["-n", ns]);
    }
    argv.extend_from_slice(args);
    argv.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
}

/// Quoted for a POSIX shell; plain words (`app=web`, `svc/x`, `-o`) are left as they are. A NUL byte, which no
/// process can receive, is dropped.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && !arg.starts_with('=')
        && arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@%+".contains(&b));
    if plain {
        return arg.to_string();
    }
    let arg = arg.replace('\0', "");
    shlex::try_quote(&arg).map(|q| q.into_owned()).unwrap_or_default()
}

fn labels_of(pod: &Pod) -> Labels {
    pod.metadata.labels.clone().unwrap_or_default()
}

fn pod_name(pod: &Pod) -> &str {
    pod.metadata.name.as_deref().unwrap_or_default()
}

fn names(pods: &[&Pod]) -> String {
    let mut list: Vec<&str> = pods.iter().map(|p| pod_name(p)).collect();
    list.sort_unstable();
    list.join(", ")
}

fn service_type(service: Option<&Service>) -> &str {
    service.and_then(|s| s.spec.as_ref()).and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP")
}

/// `http 80/TCP → 8080`.
fn describe_service_port(port: &ServicePort) -> String {
    let target = target_port(port);
    let name = port.name.as_deref().map(|n| format!("{n} ")).unwrap_or_default();
    format!("{name}{}/{} → {target}", port.port, protocol(port.protocol.as_deref()))
}

/// `targetPort`, defaulting to `port` as the API server does.
fn target_port(port: &ServicePort) -> PortRef {
    match &port.target_port {
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => PortRef::Number(*n),
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) if !s.is_empty() => {
            PortRef::Name(s.clone())
        }
        _ => PortRef::Number(port.port),
    }
}

fn protocol(p: Option<&str>) -> &str {
    p.unwrap_or("TCP")
}

/// A short, stable name for the app a pod belongs to: `app.kubernetes.io/name`, `app`, `k8s-app`, else its
/// controller's name.
fn app_identity(pod: &Pod) -> String {
    let labels = labels_of(pod);
    for key in ["app.kubernetes.io/name", "app", "k8s-app"] {
        if let Some(v) = labels.get(key) {
            return v.clone();
        }
    }
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| o.name.clone())
        .unwrap_or_else(|| pod_name(pod).to_string())
}

/// Labels every one of `pods` carries with the same value, minus the ones controllers add per revision.
fn common_labels(pods: &[&Pod]) -> Labels {
    const PER_REVISION: [&str; 3] =
        ["pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name"];
    let mut iter = pods.iter();
    let Some(first) = iter.next() else { return Labels::new() };
    let mut common = labels_of(first);
    for pod in iter {
        let labels = labels_of(pod);
        common.retain(|k, v| labels.get(k) == Some(v));
    }
    common.retain(|k, _| !PER_REVISION.contains(&k.as_str()));
    common
}

#[cfg(test)]
mod tests;
