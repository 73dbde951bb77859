//! The network wizard pane: from a Service row (or a Deployment row, then its Service), ask for the port when
//! there are several, run the steps once (`Effect::Wizard`, no polling) and walk through them: each step's
//! verdict, why it matters, what it read, the kubectl to check it yourself, and at the end the diagnosis.
//!
//! Pure state. The runtime fetches and runs the steps (the same report as `mosaic diagnose`) and answers with
//! `Msg::Wizard`, tagged with the run's id: the answer of a run the pane no longer waits for is ignored.
//! Steps that run later (the active probes) are appended with [`WizardPane::push_step`]: `P` asks the runtime
//! for the probe (`WizardEffect::Probe`), Esc while it runs aborts it (the probe pod is deleted).
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;

use super::keymap::{Command, KeyContext};
use super::msg::Effect;
use super::state::State;
use crate::analysis::network::labels::{Labels, format_labels, map_selector_matches};
use crate::analysis::network::{Peer, PortRef, Step, StepId, source_flag};
use crate::cluster::Kind;
use crate::diagnose_cmd::Report;

/// The wizard pane, and the id its next run takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WizardState {
    pub pane: Option<WizardPane>,
    next_id: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WizardPane {
    /// The run whose answer the pane waits for or shows.
    pub id: u64,
    pub namespace: String,
    /// What the user started from: `svc/web`, `deploy/web`.
    pub origin: String,
    /// The Service, once known.
    pub service: Option<String>,
    /// The port asked about; `None` is every port.
    pub port: Option<PortRef>,
    /// The app the user had in mind (a Deployment's `matchLabels`), to explain a selector that misses it.
    pub app_selector: Option<Labels>,
    /// The pod template's labels of that Deployment, to find its Services.
    pub app_labels: Option<Labels>,
    /// Where the traffic comes from (`f`); `None` is any pod of the namespace.
    pub source: Option<Peer>,
    /// The step to show when the next report comes in, instead of the root cause's (the NetworkPolicy step
    /// after the source changed).
    pub focus: Option<StepId>,
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Reading the cluster (the Services of a Deployment, or the Service's surroundings).
    Loading,
    /// Several Services route to the Deployment: which one?
    ChooseService(Chooser<ServiceChoice>),
    /// The Service has several ports: which one (or every one)?
    ChoosePort(Chooser<Option<PortRef>>),
    Done(Box<WizardRun>),
    /// Nothing to walk through, and why.
    Failed(String),
}

/// A small list to pick one item from.
#[derive(Debug, Clone, PartialEq)]
pub struct Chooser<T> {
    pub prompt: String,
    pub items: Vec<(String, T)>,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceChoice {
    pub name: String,
    /// Each port as the chooser shows it.
    pub ports: Vec<(String, PortRef)>,
}

/// The steps of one run and where the user is among them. Item `steps.len()` is the diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct WizardRun {
    pub report: Report,
    pub selected: usize,
    /// The selected item's details fill the pane, without the list of steps (Enter toggles).
    pub zoomed: bool,
    /// Rows of the details scrolled past, for details taller than the pane.
    pub scroll: usize,
    pub probe: ProbeState,
}

/// The active probe of a run. Its result is a step of the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ProbeState {
    #[default]
    NotRun,
    /// Reading the Service's ready pods to choose the targets.
    Starting { id: u64 },
    /// The probe pod runs: its name and the `kubectl run` line that does the same.
    Running { id: u64, pod: String, command: String },
    /// Esc stopped it; its pod is deleted.
    Stopped,
    /// Its step is in the report.
    Done,
}

impl ProbeState {
    /// The id of the probe on its way, whose answer the pane waits for.
    pub fn waiting(&self) -> Option<u64> {
        match self {
            ProbeState::Starting { id } | ProbeState::Running { id, .. } => Some(*id),
            _ => None,
        }
    }
}

impl WizardRun {
    fn new(report: Report) -> WizardRun {
        // Start on the step the root cause comes from; else on the diagnosis.
        let selected = report
            .diagnosis
            .step
            .and_then(|id| report.steps.iter().position(|s| s.id == id))
            .unwrap_or(report.steps.len());
        WizardRun { report, selected, zoomed: false, scroll: 0, probe: ProbeState::NotRun }
    }

    pub fn is_diagnosis(&self, item: usize) -> bool {
        item == self.report.steps.len()
    }

    pub fn items(&self) -> usize {
        self.report.steps.len() + 1
    }
}

impl WizardPane {
    /// Append a step that ran after the static ones (an active probe) and draw the diagnosis again.
    pub fn push_step(&mut self, step: Step) {
        if let Stage::Done(run) = &mut self.stage {
            let on_diagnosis = run.is_diagnosis(run.selected);
            run.report.push_step(step);
            if on_diagnosis {
                run.selected = run.report.steps.len();
            }
        }
    }

    /// `svc/web :80 (shop)`.
    pub fn title(&self) -> String {
        let what = match &self.service {
            Some(svc) if !self.origin.starts_with("svc/") => format!("{} → svc/{svc}", self.origin),
            Some(svc) => format!("svc/{svc}"),
            None => self.origin.clone(),
        };
        let port = match (&self.port, &self.stage) {
            (Some(p), _) => format!(" :{p}"),
            (None, Stage::Done(_)) => " (every port)".to_string(),
            _ => String::new(),
        };
        let from = self.source.as_ref().map(|s| format!(" · from {}", source_flag(s))).unwrap_or_default();
        format!("{what}{port} in {}{from}", self.namespace)
    }
}

/// What the runtime answers.
#[derive(Debug)]
pub enum WizardMsg {
    /// The Services of the Deployment's namespace.
    Services {
        id: u64,
        result: Result<Vec<Service>, String>,
    },
    Report {
        id: u64,
        result: Box<Result<Report, String>>,
    },
    /// The probe's targets are chosen and its pod is being created.
    ProbeStarted {
        id: u64,
        pod: String,
        command: String,
    },
    /// The probe's step (could-not-check when it did not run).
    Probe {
        id: u64,
        step: Box<Step>,
    },
}

/// What the pane asks of the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum WizardEffect {
    /// List the Services of a namespace (to find a Deployment's).
    FindServices { id: u64, namespace: String },
    /// Read the Service's surroundings and run the steps.
    Run {
        id: u64,
        namespace: String,
        service: String,
        port: Option<PortRef>,
        app_selector: Option<Labels>,
        source: Option<Peer>,
    },
    /// Run the active probe of the Service and port (answered by `ProbeStarted`, then `Probe`).
    Probe { id: u64, namespace: String, service: String, port: Option<PortRef> },
    /// Abort the running probe: its pod is deleted.
    CancelProbe,
}

/// The key context while the pane is open.
pub fn key_context(wizard: &WizardState) -> Option<KeyContext> {
    Some(match &wizard.pane.as_ref()?.stage {
        Stage::ChooseService(_) | Stage::ChoosePort(_) => KeyContext::WizardChoose,
        _ => KeyContext::Wizard,
    })
}

/// `w` on a Service or Deployment row.
pub fn open(state: &mut State, effects: &mut Vec<Effect>) {
    let Some((namespace, name)) = state.selected().cloned() else { return };
    let id = next_id(state);
    match state.view.kind {
        Kind::Service => {
            let service = state.services.get(&state.scopes_for(Kind::Service), &(namespace.clone(), name.clone()));
            let ports = service.and_then(|s| s.object()).map(|s| service_ports(&s)).unwrap_or_default();
            let mut pane = pane(id, &namespace, format!("svc/{name}"));
            pane.service = Some(name.clone());
            state.wizard.pane = Some(pane);
            with_service(state, ServiceChoice { name, ports }, effects);
        }
        Kind::Deployment => {
            let deployment = state.selected_deployment();
            let mut pane = pane(id, &namespace, format!("deploy/{name}"));
            pane.app_selector = deployment.as_ref().and_then(match_labels);
            pane.app_labels = deployment.as_ref().map(template_labels);
            state.wizard.pane = Some(pane);
            effects.push(Effect::Wizard(WizardEffect::FindServices { id, namespace }));
        }
        _ => state.flash("The network wizard starts from a Service or a Deployment (:svc, :deploy)", true),
    }
}

fn next_id(state: &mut State) -> u64 {
    state.wizard.next_id += 1;
    state.wizard.next_id
}

fn pane(id: u64, namespace: &str, origin: String) -> WizardPane {
    WizardPane {
        id,
        namespace: namespace.to_string(),
        origin,
        service: None,
        port: None,
        app_selector: None,
        app_labels: None,
        source: None,
        focus: None,
        stage: Stage::Loading,
    }
}

/// The Service is known: ask for the port if it has several, else run.
fn with_service(state: &mut State, choice: ServiceChoice, effects: &mut Vec<Effect>) {
    let Some(pane) = &mut state.wizard.pane else { return };
    pane.service = Some(choice.name.clone());
    if choice.ports.len() > 1 {
        let mut items: Vec<(String, Option<PortRef>)> =
            choice.ports.into_iter().map(|(label, port)| (label, Some(port))).collect();
        items.push(("every port".to_string(), None));
        pane.stage = Stage::ChoosePort(Chooser {
            prompt: format!("Service {} has several ports. Which one does the traffic use?", choice.name),
            items,
            selected: 0,
        });
        return;
    }
    let port = choice.ports.into_iter().next().map(|(_, p)| p);
    run(state, port, effects);
}

/// Start a run for the pane's Service and this port.
fn run(state: &mut State, port: Option<PortRef>, effects: &mut Vec<Effect>) {
    let id = next_id(state);
    let Some(pane) = &mut state.wizard.pane else { return };
    let Some(service) = pane.service.clone() else { return };
    pane.id = id;
    pane.port = port.clone();
    pane.stage = Stage::Loading;
    effects.push(Effect::Wizard(WizardEffect::Run {
        id,
        namespace: pane.namespace.clone(),
        service,
        port,
        app_selector: pane.app_selector.clone(),
        source: pane.source.clone(),
    }));
}

/// Run the steps again for the same Service and port (the source changed); a probe on its way is stopped.
pub(super) fn rerun(state: &mut State, effects: &mut Vec<Effect>) {
    stop_probe(state, effects);
    let Some(port) = state.wizard.pane.as_ref().map(|p| p.port.clone()) else { return };
    run(state, port, effects);
}

pub fn on_msg(state: &mut State, msg: WizardMsg, effects: &mut Vec<Effect>) {
    let Some(pane) = &mut state.wizard.pane else { return };
    match msg {
        WizardMsg::Services { id, result } if id == pane.id => {
            let services = match result {
                Ok(services) => services,
                Err(why) => {
                    pane.stage = Stage::Failed(format!("Could not list the Services of {}: {why}", pane.namespace));
                    return;
                }
            };
            let deployment = pane.origin.trim_start_matches("deploy/").to_string();
            let labels = pane.app_labels.clone().unwrap_or_default();
            let mut found = services_for(&deployment, &labels, &services);
            match found.len() {
                0 => {
                    pane.stage = Stage::Failed(format!(
                        "No Service in {} routes to deployment {deployment}: none selects its pods' labels ({}), \
                         and none is named after it. Create one: kubectl -n {} expose deployment {deployment} --port \
                         PORT",
                        pane.namespace,
                        format_labels(&labels),
                        pane.namespace
                    ))
                }
                1 => {
                    let only = found.remove(0);
                    with_service(state, only, effects);
                }
                _ => {
                    pane.stage = Stage::ChooseService(Chooser {
                        prompt: format!("Several Services route to deployment {deployment}. Which one?"),
                        items: found.into_iter().map(|c| (c.name.clone(), c)).collect(),
                        selected: 0,
                    })
                }
            }
        }
        WizardMsg::Report { id, result } if id == pane.id => {
            let focus = pane.focus.take();
            pane.stage = match *result {
                Ok(report) => {
                    let mut run = WizardRun::new(report);
                    if let Some(at) = focus.and_then(|id| run.report.steps.iter().position(|s| s.id == id)) {
                        run.selected = at;
                    }
                    Stage::Done(Box::new(run))
                }
                Err(why) => Stage::Failed(why),
            };
        }
        WizardMsg::ProbeStarted { id, pod, command } => {
            if let Stage::Done(run) = &mut pane.stage
                && run.probe.waiting() == Some(id)
            {
                run.probe = ProbeState::Running { id, pod, command };
            }
        }
        WizardMsg::Probe { id, step } => {
            let waited = matches!(&pane.stage, Stage::Done(run) if run.probe.waiting() == Some(id));
            if waited {
                pane.push_step(*step);
                if let Stage::Done(run) = &mut pane.stage {
                    run.probe = ProbeState::Done;
                }
            }
        }
        _ => {}
    }
}

/// `P`: run the active probe for the pane's Service and port, unless one is on its way.
fn start_probe(state: &mut State, effects: &mut Vec<Effect>) {
    let id = next_id(state);
    let Some(pane) = &mut state.wizard.pane else { return };
    let (Stage::Done(run), Some(service)) = (&mut pane.stage, pane.service.clone()) else {
        state.flash("The probe runs once the steps are done", true);
        return;
    };
    if run.probe.waiting().is_some() {
        state.flash("The probe is running; Esc stops it", false);
        return;
    }
    run.probe = ProbeState::Starting { id };
    effects.push(Effect::Wizard(WizardEffect::Probe {
        id,
        namespace: pane.namespace.clone(),
        service,
        port: run.report.port.clone(),
    }));
}

/// Esc while the probe runs: stop it (the runtime aborts its task, which deletes the pod). Whether one ran.
fn stop_probe(state: &mut State, effects: &mut Vec<Effect>) -> bool {
    let Some(Stage::Done(run)) = state.wizard.pane.as_mut().map(|p| &mut p.stage) else { return false };
    if run.probe.waiting().is_none() {
        return false;
    }
    run.probe = ProbeState::Stopped;
    effects.push(Effect::Wizard(WizardEffect::CancelProbe));
    state.flash("Probe stopped; its pod is deleted", false);
    true
}

/// `H`: the HTTP sender aimed at the wizard's Service and port.
fn open_http(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(pane) = &state.wizard.pane else { return };
    let Some(service) = pane.service.clone() else { return };
    let namespace = pane.namespace.clone();
    let cached = || {
        let key = (namespace.clone(), service.clone());
        let svc = state.services.get(&state.scopes_for(Kind::Service), &key).and_then(|s| s.object())?;
        let ports = svc.spec.and_then(|s| s.ports).unwrap_or_default();
        match &pane.port {
            Some(PortRef::Name(name)) => ports.iter().find(|p| p.name.as_deref() == Some(name)).map(|p| p.port),
            _ => ports.first().map(|p| p.port),
        }
    };
    let port = match &pane.port {
        Some(PortRef::Number(n)) => Some(*n),
        _ => cached(),
    };
    let url = format!("http://{service}.{namespace}.svc.cluster.local:{}", port.unwrap_or(80));
    super::http::open_at(state, effects, &namespace, &format!("service/{service}"), &url);
}

pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    match command {
        Command::Back | Command::Cancel => {
            if !stop_probe(state, effects) {
                state.wizard.pane = None;
            }
            return;
        }
        Command::RunProbe => return start_probe(state, effects),
        Command::HttpSend => return open_http(state, effects),
        Command::TrafficSource => return super::wizard_source::open(state),
        // A new run forgets the probe on its way.
        Command::Rerun => {
            stop_probe(state, effects);
        }
        _ => {}
    }
    let height = state.height;
    let Some(pane) = &mut state.wizard.pane else { return };
    let next = match &mut pane.stage {
        Stage::ChooseService(chooser) => on_chooser(chooser, command).map(Next::Service),
        Stage::ChoosePort(chooser) => on_chooser(chooser, command).map(Next::Port),
        Stage::Done(run) => on_run_command(run, command, height),
        Stage::Failed(_) if command == Command::Rerun => {
            Some(if pane.service.is_some() { Next::Port(pane.port.clone()) } else { Next::FindServices })
        }
        Stage::Loading | Stage::Failed(_) => None,
    };
    match next {
        None => {}
        Some(Next::Service(choice)) => with_service(state, choice, effects),
        Some(Next::Port(port)) => run(state, port, effects),
        Some(Next::FindServices) => {
            let id = next_id(state);
            if let Some(pane) = &mut state.wizard.pane {
                pane.id = id;
                pane.stage = Stage::Loading;
                effects.push(Effect::Wizard(WizardEffect::FindServices { id, namespace: pane.namespace.clone() }));
            }
        }
        Some(Next::Copy(Some(text))) => effects.push(Effect::Copy(text)),
        Some(Next::Copy(None)) => state.flash("Nothing to copy here: this has no command", true),
    }
}

/// What a key in the pane leads to beyond the pane itself.
enum Next {
    Service(ServiceChoice),
    /// Run (again) for this port.
    Port(Option<PortRef>),
    FindServices,
    Copy(Option<String>),
}

fn on_run_command(run: &mut WizardRun, command: Command, height: u16) -> Option<Next> {
    match command {
        Command::Down => select(run, run.selected + 1),
        Command::Up => select(run, run.selected.saturating_sub(1)),
        Command::Top => select(run, 0),
        Command::Bottom => select(run, usize::MAX),
        Command::PageDown => run.scroll += page(height),
        Command::PageUp => run.scroll = run.scroll.saturating_sub(page(height)),
        Command::Expand => {
            run.zoomed = !run.zoomed;
            run.scroll = 0;
        }
        Command::Copy => {
            return Some(Next::Copy(if run.is_diagnosis(run.selected) {
                run.report.diagnosis.command.clone()
            } else {
                run.report.steps.get(run.selected).map(|s| s.kubectl.join("\n")).filter(|t| !t.is_empty())
            }));
        }
        Command::Rerun => return Some(Next::Port(run.report.port.clone())),
        _ => {}
    }
    None
}

fn on_chooser<T: Clone>(chooser: &mut Chooser<T>, command: Command) -> Option<T> {
    match command {
        Command::Down => chooser.selected = (chooser.selected + 1).min(chooser.items.len().saturating_sub(1)),
        Command::Up => chooser.selected = chooser.selected.saturating_sub(1),
        Command::Submit => return chooser.items.get(chooser.selected).map(|(_, v)| v.clone()),
        _ => {}
    }
    None
}

fn select(run: &mut WizardRun, item: usize) {
    run.selected = item.min(run.items() - 1);
    run.scroll = 0;
}

/// Rows a page scroll moves: most of the pane.
fn page(height: u16) -> usize {
    usize::from(height.saturating_sub(8)).max(1)
}

/// Each port of a Service as the chooser shows it: `http 80/TCP → 8080`.
pub fn service_ports(service: &Service) -> Vec<(String, PortRef)> {
    service
        .spec
        .iter()
        .flat_map(|s| s.ports.iter().flatten())
        .map(|p| {
            let name = p.name.as_deref().map(|n| format!("{n} ")).unwrap_or_default();
            let target = match &p.target_port {
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => n.to_string(),
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s.clone(),
                None => p.port.to_string(),
            };
            let protocol = p.protocol.as_deref().unwrap_or("TCP");
            (format!("{name}{}/{protocol} → {target}", p.port), PortRef::Number(p.port))
        })
        .collect()
}

fn match_labels(d: &Deployment) -> Option<Labels> {
    d.spec.as_ref()?.selector.match_labels.clone().filter(|l| !l.is_empty())
}

fn template_labels(d: &Deployment) -> Labels {
    d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone()).unwrap_or_default()
}

/// The Services that route to a Deployment's pods: those whose selector its pod template's labels satisfy.
/// A Service named after the Deployment (or labelled with its app name) is offered too, even when its selector
/// misses: that is the Service most likely broken.
pub fn services_for(deployment: &str, labels: &Labels, services: &[Service]) -> Vec<ServiceChoice> {
    let mut found: Vec<ServiceChoice> = services
        .iter()
        .filter(|s| {
            let selector = s.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default();
            let selects = !selector.is_empty() && map_selector_matches(&selector, labels);
            let own = s.metadata.labels.clone().unwrap_or_default();
            let named = s.metadata.name.as_deref() == Some(deployment)
                || ["app.kubernetes.io/name", "app"]
                    .iter()
                    .any(|k| own.get(*k).map(String::as_str) == Some(deployment));
            selects || named
        })
        .map(|s| ServiceChoice { name: s.metadata.name.clone().unwrap_or_default(), ports: service_ports(s) })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(name: &str, selector: serde_json::Value, labels: serde_json::Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop", "labels": labels},
            "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
        }))
        .expect("service")
    }

    #[test]
    fn a_deployments_services_are_those_that_select_it_or_carry_its_name() {
        let labels: Labels = [("app".into(), "payments-api".into())].into();
        let services = vec![
            service("payments-api", json!({"tier": "payments"}), json!({"app": "payments-api"})),
            service("payments-internal", json!({"app": "payments-api"}), json!({})),
            service("storefront", json!({"app": "storefront"}), json!({"app": "storefront"})),
            service("everything", json!({}), json!({})),
        ];
        let names: Vec<String> = services_for("payments-api", &labels, &services).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["payments-api", "payments-internal"]);
        let ports = service_ports(&services[0]);
        assert_eq!(ports, vec![("http 80/TCP → http".to_string(), PortRef::Number(80))]);
    }
}
