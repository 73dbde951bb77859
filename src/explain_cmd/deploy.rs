//! `mosaic explain deploy/NAME`: the app's verdict, its revisions, its pods with their own verdicts, and the
//! app timeline.
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::{head_markdown, head_text, pods_markdown, pods_text, recorded, timeline_markdown, timeline_text};
use crate::analysis::explain::{AppTimeline, Diagnosis, PodEvent, app_timeline};
use crate::cluster::{Failure, Session};
use crate::store::StoreHandle;

#[derive(Serialize)]
pub struct DeployReport {
    /// Always `deployment`.
    pub kind: &'static str,
    pub namespace: String,
    pub deployment: String,
    #[serde(flatten)]
    pub app: AppTimeline,
}

impl DeployReport {
    pub fn has_problem(&self) -> bool {
        self.app.has_problem()
    }
}

pub async fn deploy_report(
    session: &Session,
    namespace: &str,
    name: &str,
    store: Option<&StoreHandle>,
) -> anyhow::Result<DeployReport> {
    let client = session.client.clone();
    let deploy =
        Api::<Deployment>::namespaced(client.clone(), namespace).get(name).await.map_err(
            |e| match Failure::from_kube(&e) {
                Failure::NotFound(_) => anyhow::anyhow!("there is no deployment {name} in namespace {namespace}"),
                other => anyhow::anyhow!("could not read deployment {name} in {namespace}: {}", other.summary()),
            },
        )?;
    let list = ListParams::default();
    let replica_sets: Vec<ReplicaSet> = Api::<ReplicaSet>::namespaced(client.clone(), namespace)
        .list(&list)
        .await
        .map_err(|e| {
            anyhow::anyhow!("could not list replicasets in {namespace}: {}", Failure::from_kube(&e).summary())
        })?
        .items;
    let owned: Vec<String> = replica_sets
        .iter()
        .filter(|rs| rs.owner_references().iter().any(|o| o.kind == "Deployment" && o.name == name))
        .map(|rs| rs.name_any())
        .collect();
    let pods: Vec<Pod> = Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&list)
        .await
        .map_err(|e| anyhow::anyhow!("could not list pods in {namespace}: {}", Failure::from_kube(&e).summary()))?
        .items
        .into_iter()
        .filter(|p| p.owner_references().iter().any(|o| o.kind == "ReplicaSet" && owned.contains(&o.name)))
        .collect();
    // A pod's owner events are its ReplicaSet's.
    let owner = |pod: &Pod| pod.owner_references().first().map(|o| o.name.clone()).unwrap_or_default();
    let (diagnosed, events) = super::diagnose_app_pods(session, namespace, pods, owner).await;
    let now = jiff::Timestamp::now();

    let mut objects = vec![name.to_string()];
    objects.extend(owned.iter().cloned());
    let live: Vec<Event> = events.iter().filter(|e| is_about_app(e, &objects, &diagnosed)).cloned().collect();
    let kept = recorded(store, &session.target.context, namespace, &live, objects).await;
    let mut app_events: Vec<PodEvent> = live.iter().map(PodEvent::from_core).collect();
    app_events.extend(kept);
    let app = app_timeline(&deploy, &replica_sets, &diagnosed, &app_events, now);
    Ok(DeployReport { kind: "deployment", namespace: namespace.into(), deployment: name.into(), app })
}

/// The events worth recording for this app: its Deployment's, its ReplicaSets' and its pods'.
fn is_about_app(e: &Event, objects: &[String], pods: &[(Pod, Diagnosis)]) -> bool {
    let Some(name) = e.involved_object.name.as_deref() else { return false };
    objects.iter().any(|o| o == name) || pods.iter().any(|(p, _)| p.metadata.name.as_deref() == Some(name))
}

fn revision_word(r: Option<i64>) -> String {
    r.map(|r| format!("revision {r}")).unwrap_or_else(|| "revision ?".into())
}

pub fn text(r: &DeployReport) -> String {
    let app = &r.app;
    let mut out = head_text(&format!("deployment {}/{}", r.namespace, r.deployment), &app.verdict);
    out.push_str(&format!(
        "\nReplicas: {} desired, {} updated, {} ready, {} available\n",
        app.desired, app.updated, app.ready, app.available
    ));
    if !app.revisions.is_empty() {
        out.push_str("\nRevisions:\n");
    }
    for rev in &app.revisions {
        let current = if rev.current { " (current)" } else { "" };
        out.push_str(&format!(
            "- {}{current}: replicaset {}, {}/{} ready, {}\n",
            revision_word(rev.revision),
            rev.replica_set,
            rev.ready,
            rev.desired,
            rev.images.join(", ")
        ));
    }
    out.push_str(&pods_text(&app.pods, |r| format!(" ({})", revision_word(r))));
    out.push_str(&timeline_text(&app.timeline));
    out
}

pub fn markdown(r: &DeployReport) -> String {
    let app = &r.app;
    let mut out = head_markdown(&format!("deployment {}/{}", r.namespace, r.deployment), &app.verdict);
    out.push_str(&format!(
        "\n{} desired, {} updated, {} ready, {} available\n",
        app.desired, app.updated, app.ready, app.available
    ));
    out.push_str("\n## Revisions\n\n| revision | replicaset | ready | images |\n|---|---|---|---|\n");
    for rev in &app.revisions {
        let current = if rev.current { " (current)" } else { "" };
        out.push_str(&format!(
            "| {}{current} | {} | {}/{} | {} |\n",
            revision_word(rev.revision),
            rev.replica_set,
            rev.ready,
            rev.desired,
            rev.images.join(", ")
        ));
    }
    out.push_str(&pods_markdown(&app.pods, |r| format!(" ({})", revision_word(r))));
    out.push_str(&timeline_markdown(&app.timeline));
    out
}
