//! `mosaic explain sts/NAME` and `mosaic explain ds/NAME`: a StatefulSet's or DaemonSet's verdict, its rollout
//! (revisions, partition, strategy), its pods with their own verdicts, and its timeline.
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::{head_markdown, head_text, pods_markdown, pods_text, recorded, timeline_markdown, timeline_text};
use crate::action::WorkloadKind;
use crate::analysis::age::human_age;
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
    /// When it was read: revision ages count from it.
    #[serde(skip)]
    pub at: jiff::Timestamp,
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
    let (mut app, selector) = match &object {
        Object::StatefulSet(sts) => {
            (statefulset_timeline(sts, &diagnosed, &app_events, now), sts.spec.as_ref().map(|s| &s.selector))
        }
        Object::DaemonSet(ds) => {
            (daemonset_timeline(ds, &diagnosed, &app_events, now), ds.spec.as_ref().map(|s| &s.selector))
        }
    };
    // A user who may not read the revisions still gets the timeline, told why they are missing.
    let selector = selector.and_then(|s| serde_json::to_value(s).ok());
    let params = ListParams::default().labels(&crate::analysis::selector::selector_string(selector.as_ref()));
    match Api::<ControllerRevision>::namespaced(client, namespace).list(&params).await {
        Ok(list) => app.add_revisions(kind.kind(), name, &list.items, &diagnosed),
        Err(e) => app.mark_revisions_unread(format!(
            "Revisions could not be read: {} (kubectl auth can-i list controllerrevisions.apps -n {namespace})",
            Failure::from_kube(&e).summary()
        )),
    }
    Ok(WorkloadReport { kind: noun, namespace: namespace.into(), name: name.into(), app, at: now })
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

/// `Revision 2 (current): redis-5f9c8b7d6, 14d old, 1/1 pods healthy, redis:6.0.9`, newest first; or why
/// there are none.
pub(crate) fn revision_lines(r: &WorkloadReport) -> Vec<String> {
    if let Some(why) = &r.app.revisions_unread {
        return vec![why.clone()];
    }
    r.app
        .revisions
        .iter()
        .map(|rev| {
            let current = if rev.current { " (current)" } else { "" };
            let age = rev.created.map(|t| format!(", {} old", human_age(t, r.at))).unwrap_or_default();
            let pods = match rev.pods {
                0 => "no pods".to_string(),
                n => format!("{}/{n} pods healthy", rev.healthy),
            };
            format!("Revision {}{current}: {}{age}, {pods}, {}", rev.revision, rev.name, rev.images.join(", "))
        })
        .collect()
}

fn revision_word(r: Option<i64>) -> String {
    r.map(|r| format!(" (revision {r})")).unwrap_or_default()
}

pub fn text(r: &WorkloadReport) -> String {
    let app = &r.app;
    let mut out = head_text(&format!("{} {}/{}", r.kind, r.namespace, r.name), &app.verdict);
    out.push_str(&format!(
        "\nPods: {} desired, {} updated, {} ready, {} available\n{}\n",
        app.desired,
        app.updated,
        app.ready,
        app.available,
        rollout_line(app)
    ));
    let revisions = revision_lines(r);
    if !revisions.is_empty() {
        out.push_str("\nRevisions:\n");
    }
    for line in revisions {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&pods_text(&app.pods, revision_word));
    out.push_str(&timeline_text(&app.timeline));
    out
}

pub fn markdown(r: &WorkloadReport) -> String {
    let app = &r.app;
    let mut out = head_markdown(&format!("{} {}/{}", r.kind, r.namespace, r.name), &app.verdict);
    out.push_str(&format!(
        "\n{} desired, {} updated, {} ready, {} available\n\n{}\n",
        app.desired,
        app.updated,
        app.ready,
        app.available,
        rollout_line(app)
    ));
    out.push_str("\n## Revisions\n\n");
    for line in revision_lines(r) {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&pods_markdown(&app.pods, revision_word));
    out.push_str(&timeline_markdown(&app.timeline));
    out
}
