//! `mosaic diagnose svc/NAME`: why traffic does not reach a Service, headless, as text, markdown or JSON. The
//! same report fills the wizard pane. The exit code says what the steps add up to: 0 traffic should flow, 2 a
//! cause was found, 3 it could not be decided. The JSON is documented in `docs/json/diagnose.md`.
use serde::Serialize;
use serde_json::{Value, json};

use crate::action::Action;
use crate::analysis::network::{
    Diagnosis, Peer, PortRef, Question, Step, Unreadable, Verdict, diagnose, note_unreadable, parse_source,
    probe_not_run_step, probe_step, probe_targets, run_static_steps, source_flag,
};
use crate::cluster::Session;
use crate::cluster::network::{fetch_net_snapshot, fetch_source_policies};

/// What the wizard found for one Service and port.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub context: String,
    pub namespace: String,
    pub service: String,
    /// The port asked about; `None` is every port of the Service.
    pub port: Option<PortRef>,
    /// Where the traffic comes from, for the NetworkPolicy step: `--from`, else any pod of the namespace.
    pub source: Peer,
    pub steps: Vec<Step>,
    pub unreadable: Vec<Unreadable>,
    pub diagnosis: Diagnosis,
}

impl Report {
    /// Append a step that ran after the static ones (an active probe) and draw the diagnosis again. A step
    /// run again (the probe, a second time) takes the place of its earlier result.
    pub fn push_step(&mut self, step: Step) {
        match self.steps.iter_mut().find(|s| s.id == step.id) {
            Some(earlier) => *earlier = step,
            None => self.steps.push(step),
        }
        self.diagnosis = diagnose(&self.steps);
    }

    pub fn exit_code(&self) -> i32 {
        self.diagnosis.outcome.exit_code()
    }
}

/// `svc/NAME` (also `service/NAME`, `services/NAME`).
pub fn parse_target(target: &str) -> anyhow::Result<String> {
    match target.split_once('/') {
        Some(("svc" | "service" | "services", name)) if !name.is_empty() => Ok(name.to_string()),
        _ => anyhow::bail!("mosaic diagnose takes svc/NAME (for example svc/payments-api)"),
    }
}

/// A Service port by number (`80`) or by name (`http`).
pub fn parse_port(port: &str) -> anyhow::Result<PortRef> {
    let port = port.trim();
    if port.is_empty() {
        anyhow::bail!("--port needs a number (80) or a port name (http)");
    }
    Ok(match port.parse::<i32>() {
        Ok(n) if (1..=65535).contains(&n) => PortRef::Number(n),
        Ok(n) => anyhow::bail!("--port {n} is not a port number (1 to 65535)"),
        Err(_) => PortRef::Name(port.to_string()),
    })
}

/// `--from NS/LABEL=VALUE[,LABEL=VALUE]`, `--from NS` or `--from any-pod`.
pub fn parse_from(text: &str) -> anyhow::Result<Peer> {
    parse_source(text).map_err(|why| anyhow::anyhow!("--from {text:?}: {why}"))
}

/// Read the cluster around the Service and run the static steps. `app_selector` (a Deployment's
/// `matchLabels`) names the pods of the app the user had in mind, to explain a selector that misses them;
/// `source` is who sends the traffic (`None`: any pod of the Service's namespace).
pub async fn report(
    session: &Session,
    namespace: &str,
    service: &str,
    port: Option<PortRef>,
    app_selector: Option<&std::collections::BTreeMap<String, String>>,
    source: Option<Peer>,
) -> anyhow::Result<Report> {
    let mut fetched = fetch_net_snapshot(session, namespace, service).await?;
    let source = source.unwrap_or_else(|| Peer::AnyPodIn { namespace: namespace.to_string() });
    // A sender in another namespace passes its own namespace's egress policies first.
    if let Some(other) = source_namespace(&source).filter(|ns| *ns != namespace) {
        match fetch_source_policies(session, other).await {
            Ok(list) => fetched.snapshot.policies.get_or_insert_with(Vec::new).extend(list),
            Err(unreadable) => fetched.unreadable.push(unreadable),
        }
    }
    let snap = fetched.snapshot;
    let app_pods = app_selector.map(|selector| {
        snap.pods
            .iter()
            .filter(|p| {
                let labels = p.metadata.labels.clone().unwrap_or_default();
                crate::analysis::network::labels::map_selector_matches(selector, &labels)
            })
            .cloned()
            .collect()
    });
    let question = Question { port: port.clone(), app_pods, source: Some(source.clone()), ..Question::default() };
    let mut steps = run_static_steps(&snap, &question);
    note_unreadable(&mut steps, &snap, &fetched.unreadable);
    let diagnosis = diagnose(&steps);
    Ok(Report {
        context: session.target.context.clone(),
        namespace: namespace.into(),
        service: service.into(),
        port,
        source,
        steps,
        unreadable: fetched.unreadable,
        diagnosis,
    })
}

fn source_namespace(source: &Peer) -> Option<&str> {
    match source {
        Peer::Pod { namespace, .. } | Peer::AnyPodIn { namespace } => Some(namespace),
        Peer::AnyPod | Peer::Ip { .. } => None,
    }
}

/// The active probe of the Service and port, with its targets read from the cluster now: the Service by its DNS
/// name, then each ready pod on the targetPort. `Err` is the could-not-check step when there is nothing to probe
/// (no such Service, an ExternalName, no TCP port) or the cluster could not be read.
pub async fn probe_action(
    session: &Session,
    namespace: &str,
    service: &str,
    port: Option<PortRef>,
    image: &str,
) -> Result<Action, Step> {
    let fetched =
        fetch_net_snapshot(session, namespace, service).await.map_err(|e| probe_not_run_step(&e.to_string()))?;
    let question = Question { port, ..Question::default() };
    let targets = probe_targets(&fetched.snapshot, &question).map_err(|why| probe_not_run_step(&why))?;
    Ok(Action::probe(namespace, service, image, targets))
}

/// Run the probe through the gate (read-only mode and RBAC refusals become could-not-check) and make its step.
pub async fn run_probe(session: &Session, action: &Action, readonly: bool) -> Step {
    probe_step(&crate::action::run_probe(action, session, readonly).await)
}

/// `mosaic diagnose --probe`: the active probe after the static steps, its step added to the report.
pub async fn probe(session: &Session, report: &mut Report, image: &str, readonly: bool) {
    let step = match probe_action(session, &report.namespace, &report.service, report.port.clone(), image).await {
        Ok(action) => run_probe(session, &action, readonly).await,
        Err(step) => step,
    };
    report.push_step(step);
}

/// `pass`, `fail`, `warn`, `could-not-check`, `not-checked`, as the JSON and the badges say it.
pub fn verdict_word(v: &Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Warn => "warn",
        Verdict::CouldNotCheck(_) => "could-not-check",
        Verdict::NotChecked(_) => "not-checked",
    }
}

fn outcome_word(r: &Report) -> &'static str {
    match r.diagnosis.outcome {
        crate::analysis::network::Outcome::TrafficShouldFlow => "traffic-should-flow",
        crate::analysis::network::Outcome::CauseFound => "cause-found",
        crate::analysis::network::Outcome::Undecided => "undecided",
    }
}

/// The one-line headline of the outcome.
pub fn outcome_headline(r: &Report) -> &'static str {
    match r.diagnosis.outcome {
        crate::analysis::network::Outcome::TrafficShouldFlow => "Traffic should flow",
        crate::analysis::network::Outcome::CauseFound => "Cause found",
        crate::analysis::network::Outcome::Undecided => "Could not decide",
    }
}

fn target(r: &Report) -> String {
    let port = r.port.as_ref().map(|p| format!(" port {p}")).unwrap_or_default();
    format!("service {}/{}{port}", r.namespace, r.service)
}

/// The JSON form, field for field as `docs/json/diagnose.md` documents it.
pub fn json(r: &Report) -> Value {
    let d = &r.diagnosis;
    let steps: Vec<Value> = r
        .steps
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "title": s.title,
                "verdict": verdict_word(&s.verdict),
                "reason": match &s.verdict {
                    Verdict::CouldNotCheck(reason) | Verdict::NotChecked(reason) => Some(reason),
                    _ => None,
                },
                "why": s.why,
                "summary": s.summary,
                "checked": s.checked.iter().map(|e| json!({"field": e.field, "value": e.value})).collect::<Vec<_>>(),
                "kubectl": s.kubectl,
                "doc_url": s.doc_url,
                "cause": s.cause.as_ref().map(|c| json!({
                    "root_cause": c.root_cause, "fix": c.fix, "command": c.command,
                })),
            })
        })
        .collect();
    json!({
        "context": r.context,
        "namespace": r.namespace,
        "service": r.service,
        "port": r.port.as_ref().map(|p| p.to_string()),
        "source": source_flag(&r.source),
        "outcome": outcome_word(r),
        "exit_code": r.exit_code(),
        "diagnosis": {
            "step": d.step,
            "root_cause": d.root_cause,
            "fix": d.fix,
            "command": d.command,
            "also": d.also,
            "further_reading": d.further_reading,
        },
        "steps": steps,
        "could_not_read": r.unreadable.iter().map(|u| json!({
            "resource": u.resource, "namespace": u.namespace, "reason": u.reason, "can_i": u.can_i,
        })).collect::<Vec<_>>(),
    })
}

fn badge(v: &Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Warn => "WARN",
        Verdict::CouldNotCheck(_) => "N/C ",
        Verdict::NotChecked(_) => "SKIP",
    }
}

pub fn text(r: &Report) -> String {
    let mut out = format!("{}: {}\n", target(r), outcome_headline(r));
    out.push_str(&format!("Traffic from {} (--from {})\n\n", r.source.describe(), source_flag(&r.source)));
    for (i, s) in r.steps.iter().enumerate() {
        out.push_str(&format!("{} {}. {}\n", badge(&s.verdict), i + 1, s.title));
        out.push_str(&format!("     {}\n", s.summary));
        for e in &s.checked {
            out.push_str(&format!("       {} = {}\n", e.field, e.value));
        }
        if s.verdict != Verdict::Pass {
            for k in &s.kubectl {
                out.push_str(&format!("     $ {k}\n"));
            }
            out.push_str(&format!("     docs: {}\n", s.doc_url));
        }
    }
    let d = &r.diagnosis;
    out.push_str(&format!("\nDiagnosis: {}\n  {}\n", outcome_headline(r), d.root_cause));
    if !d.fix.is_empty() {
        out.push_str(&format!("  Fix: {}\n", d.fix));
    }
    if let Some(command) = &d.command {
        out.push_str(&format!("  $ {command}\n"));
    }
    for also in &d.also {
        out.push_str(&format!("  Also: {also}\n"));
    }
    for url in &d.further_reading {
        out.push_str(&format!("  Read: {url}\n"));
    }
    out
}

pub fn markdown(r: &Report) -> String {
    let d = &r.diagnosis;
    let mut out = format!("# {}\n\n**{}.** {}\n", target(r), outcome_headline(r), d.root_cause);
    out.push_str(&format!("\nTraffic from {} (`--from {}`).\n", r.source.describe(), source_flag(&r.source)));
    if !d.fix.is_empty() {
        out.push_str(&format!("\n**Fix:** {}\n", d.fix));
    }
    if let Some(command) = &d.command {
        out.push_str(&format!("\n```sh\n{command}\n```\n"));
    }
    for also in &d.also {
        out.push_str(&format!("\n- Also: {also}"));
    }
    if !d.also.is_empty() {
        out.push('\n');
    }
    out.push_str("\n| # | step | verdict |\n|---|---|---|\n");
    for (i, s) in r.steps.iter().enumerate() {
        out.push_str(&format!("| {} | {} | {} |\n", i + 1, s.title.replace('|', "\\|"), verdict_word(&s.verdict)));
    }
    for (i, s) in r.steps.iter().enumerate() {
        out.push_str(&format!(
            "\n## {}. {} — {}\n\n{}\n\n{}\n",
            i + 1,
            s.title,
            verdict_word(&s.verdict),
            s.why,
            s.summary
        ));
        if !s.checked.is_empty() {
            out.push('\n');
        }
        for e in &s.checked {
            out.push_str(&format!("- `{}` = `{}`\n", e.field, e.value.replace('`', "'")));
        }
        if !s.kubectl.is_empty() {
            out.push_str(&format!("\n```sh\n{}\n```\n", s.kubectl.join("\n")));
        }
        out.push_str(&format!("\nDocs: <{}>\n", s.doc_url));
    }
    if !d.further_reading.is_empty() {
        out.push_str("\n## Further reading\n\n");
        for url in &d.further_reading {
            out.push_str(&format!("- <{url}>\n"));
        }
    }
    out
}
