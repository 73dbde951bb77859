//! What the timeline pane shows, built from a pod's or a deployment's report: the verdict, a few summary
//! lines, then one entry per timeline fact with its meaning, next check, kubectl line and documentation link.
//! Plain data: the pane renders it, tests build it.
use crate::analysis::Health;
use crate::analysis::explain::{Severity, TimelineEntry};

use super::{DeployReport, Report, WorkloadReport};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// `pod shop/checkout-7d9f-x2`, `deployment shop/checkout`.
    pub subject: String,
    pub severity: Health,
    pub headline: String,
    pub detail: Option<String>,
    /// Findings (pod) or replicas, revisions and pods (deployment), one line each.
    pub summary: Vec<String>,
    pub entries: Vec<DocEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocEntry {
    /// `11-22 03:31:11`, or `now` for a current state the API gives no time for.
    pub when: String,
    pub severity: Severity,
    /// Kept by mosaic's recorder after the API server dropped it.
    pub recorded: bool,
    pub fact: String,
    /// Empty when the catalogue does not know the fact (the fact then speaks for itself).
    pub meaning: String,
    pub next_step: String,
    pub kubectl: String,
    pub docs: String,
}

impl Document {
    pub fn has_problem(&self) -> bool {
        matches!(self.severity, Health::Warning | Health::Error | Health::Unknown)
    }
}

fn entry(e: &TimelineEntry) -> DocEntry {
    let when = match e.at {
        Some(t) => format!("{}{}", if e.estimated_time { "~" } else { "" }, t.strftime("%m-%d %H:%M:%S")),
        None => "now".into(),
    };
    let severity = if e.warning { e.explanation.severity.max(Severity::Warning) } else { Severity::Info };
    let mut meaning = if e.explanation.known { e.explanation.meaning.clone() } else { String::new() };
    if let Some(code) = &e.exit_code {
        meaning = format!("{meaning} {}", code.meaning).trim().to_string();
    }
    DocEntry {
        when,
        severity,
        recorded: e.recorded,
        fact: e.fact.clone(),
        meaning,
        next_step: e.explanation.next_step.clone(),
        kubectl: e.explanation.kubectl.clone(),
        docs: e.explanation.docs.to_string(),
    }
}

pub fn from_pod(r: &Report) -> Document {
    let v = &r.diagnosis.verdict;
    let summary = r
        .diagnosis
        .findings
        .iter()
        .filter(|f| f.headline != v.headline && f.severity != Health::Ok)
        .map(|f| format!("Also: {}", f.headline))
        .collect();
    Document {
        subject: format!("pod {}/{}", r.namespace, r.pod),
        severity: v.severity,
        headline: v.headline.clone(),
        detail: v.detail.clone().filter(|d| !d.is_empty()),
        summary,
        entries: r.timeline.iter().map(entry).collect(),
    }
}

pub fn from_deploy(r: &DeployReport) -> Document {
    let app = &r.app;
    let v = &app.verdict;
    let mut summary = vec![format!(
        "Replicas: {} desired, {} updated, {} ready, {} available",
        app.desired, app.updated, app.ready, app.available
    )];
    for rev in app.revisions.iter().filter(|rev| rev.current || rev.desired > 0) {
        let number = rev.revision.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
        let current = if rev.current { ", current" } else { "" };
        summary.push(format!(
            "Revision {number}{current}: {} {}/{} ready, {}",
            rev.replica_set,
            rev.ready,
            rev.desired,
            rev.images.join(", ")
        ));
    }
    let failing = app.pods.iter().filter(|p| p.failing).count();
    if failing > 0 {
        summary.push(format!("{failing} of {} pods failing", app.pods.len()));
    }
    Document {
        subject: format!("deployment {}/{}", r.namespace, r.deployment),
        severity: v.severity,
        headline: v.headline.clone(),
        detail: v.detail.clone().filter(|d| !d.is_empty()),
        summary,
        entries: app.timeline.iter().map(entry).collect(),
    }
}

const MAX_REVISION_LINES: usize = 5;

pub fn from_workload(r: &WorkloadReport) -> Document {
    let app = &r.app;
    let v = &app.verdict;
    let mut summary = vec![
        format!(
            "Pods: {} desired, {} updated, {} ready, {} available",
            app.desired, app.updated, app.ready, app.available
        ),
        super::workload::rollout_line(app),
    ];
    // The revisions a rollback can go to; the oldest of a long history are left to `mosaic explain`.
    summary.extend(super::workload::revision_lines(r).into_iter().take(MAX_REVISION_LINES));
    let failing = app.pods.iter().filter(|p| p.failing).count();
    if failing > 0 {
        summary.push(format!("{failing} of {} pods failing", app.pods.len()));
    }
    Document {
        subject: format!("{} {}/{}", r.kind, r.namespace, r.name),
        severity: v.severity,
        headline: v.headline.clone(),
        detail: v.detail.clone().filter(|d| !d.is_empty()),
        summary,
        entries: app.timeline.iter().map(entry).collect(),
    }
}
