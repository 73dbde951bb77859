//! `mosaic explain sts/NAME` and `mosaic explain ds/NAME`: a StatefulSet's or DaemonSet's verdict, its rollout
//! (revisions, partition, strategy), its pods with their own verdicts, and its timeline.
use k8s_openapi::api::apps::v1::{DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::{recorded, timeline_markdown, timeline_text};
use crate::action::WorkloadKind;
use crate::analysis::explain::{PodEvent, WorkloadTimeline, daemonset_timeline, statefulset_timeline};
use crate::cluster::{Failure, Session};
use crate::store::StoreHandle;

#[derive(Serialize)]
pub struct WorkloadReport {
    /// `statefulset` or `daemonset`.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    #[serde(flatten)]
    pub app: WorkloadTimeline,
}

impl WorkloadReport {
    pub fn has_problem(&self) -> bool {
        self.app.has_problem()
    }
}

/// The report of a StatefulSet or a DaemonSet (a Deployment has its own, with its ReplicaSets).
pub async fn workload_report(
    session: &Session,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    store: Option<&StoreHandle>,
) -> anyhow::Result<WorkloadReport> {
    let client = session.client.clone();
    let noun = kind.noun();
    let not_read = |e: kube::Error| match Failure::from_kube(&e) {
        Failure::NotFound(_) => anyhow::anyhow!("there is no {noun} {name} in namespace {namespace}"),
        other => anyhow::anyhow!("could not read {noun} {name} in {namespace}: {}", other.summary()),
    };
    enum Object {
        StatefulSet(StatefulSet),
        DaemonSet(DaemonSet),
    }
    let object = match kind {
        WorkloadKind::DaemonSet => Object::DaemonSet(
            Api::<DaemonSet>::namespaced(client.clone(), namespace).get(name).await.map_err(not_read)?,
        ),
        _ => Object::StatefulSet(
            Api::<StatefulSet>::namespaced(client.clone(), namespace).get(name).await.map_err(not_read)?,
        ),
    };
    let list = ListParams::default();
    let pods: Vec<Pod> = Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&list)
        .await
        .map_err(|e| anyhow::anyhow!("could not list pods in {namespace}: {}", Failure::from_kube(&e).summary()))?
        .items
        .into_iter()
        .filter(|p| p.owner_references().iter().any(|o| o.kind == kind.kind() && o.name == name))
        .collect();
    let (diagnosed, events) = super::diagnose_app_pods(session, namespace, pods, |_| name.to_string()).await;
    let now = jiff::Timestamp::now();
    let live: Vec<Event> = events
        .iter()
        .filter(|e| {
            let object = e.involved_object.name.as_deref();
            object == Some(name) || diagnosed.iter().any(|(p, _)| p.metadata.name.as_deref() == object)
        })
        .cloned()
        .collect();
    let kept = recorded(store, &session.target.context, namespace, &live, vec![name.to_string()]).await;
    let mut app_events: Vec<PodEvent> = live.iter().map(PodEvent::from_core).collect();
    app_events.extend(kept);
    let app = match &object {
        Object::StatefulSet(sts) => statefulset_timeline(sts, &diagnosed, &app_events, now),
        Object::DaemonSet(ds) => daemonset_timeline(ds, &diagnosed, &app_events, now),
    };
    Ok(WorkloadReport { kind: noun, namespace: namespace.into(), name: name.into(), app })
}

/// `Rollout: RollingUpdate, revision web-7f8b9c6d4 (from web-6c9d7b8d5f), partition 2`.
pub(crate) fn rollout_line(app: &WorkloadTimeline) -> String {
    let mut line = format!("Rollout: {}", app.strategy);
    match (&app.update_revision, &app.current_revision) {
        (Some(update), Some(current)) if update != current => {
            line.push_str(&format!(", revision {update} (from {current})"))
        }
        (Some(update), _) => line.push_str(&format!(", revision {update}")),
        _ => {}
    }
    if let Some(p) = app.partition {
        line.push_str(&format!(", partition {p}"));
    }
    if let Some(n) = app.misscheduled.filter(|n| *n > 0) {
        line.push_str(&format!(", {n} misscheduled"));
    }
    line
}

pub fn text(r: &WorkloadReport) -> String {
    let app = &r.app;
    let v = &app.verdict;
    let mut out = format!("{} {}/{}: {}\n", r.kind, r.namespace, r.name, v.headline);
    if let Some(detail) = v.detail.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(&format!("  {detail}\n"));
    }
    out.push_str(&format!(
        "\nPods: {} desired, {} updated, {} ready, {} available\n{}\n",
        app.desired,
        app.updated,
        app.ready,
        app.available,
        rollout_line(app)
    ));
    if !app.pods.is_empty() {
        out.push_str("\nPods:\n");
    }
    for p in &app.pods {
        let flag = if p.failing { "!" } else { " " };
        out.push_str(&format!("{flag} {}: {}\n", p.name, p.headline));
    }
    out.push_str(&timeline_text(&app.timeline));
    out
}

pub fn markdown(r: &WorkloadReport) -> String {
    let app = &r.app;
    let v = &app.verdict;
    let mut out = format!("# {} {}/{}\n\n**{}**\n", r.kind, r.namespace, r.name, v.headline);
    if let Some(detail) = v.detail.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(&format!("\n{detail}\n"));
    }
    out.push_str(&format!(
        "\n{} desired, {} updated, {} ready, {} available\n\n{}\n",
        app.desired,
        app.updated,
        app.ready,
        app.available,
        rollout_line(app)
    ));
    out.push_str("\n## Pods\n\n");
    for p in &app.pods {
        let mark = if p.failing { "**failing**: " } else { "" };
        out.push_str(&format!("- `{}`: {mark}{}\n", p.name, p.headline));
    }
    out.push_str(&timeline_markdown(&app.timeline));
    out
}
