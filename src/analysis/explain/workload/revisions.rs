//! A StatefulSet's or DaemonSet's revisions, from the ControllerRevisions it controls: their numbers, ages,
//! images and the pods on each, as the Deployment's timeline lists its ReplicaSets. Pods name their revision
//! in `controller-revision-hash`: a StatefulSet's pods the revision's full name, a DaemonSet's the hash part.
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::ControllerRevision;
use k8s_openapi::api::core::v1::Pod;
use serde::Serialize;
use serde_json::Value;

use super::{REVISION_HASH, WorkloadTimeline};
use crate::analysis::explain::app::owned_by;
use crate::analysis::explain::diagnose::Diagnosis;

/// One revision of a StatefulSet or DaemonSet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRevision {
    /// The ControllerRevision (`redis-5f9c8b7d6`).
    pub name: String,
    /// Its `revision` number.
    pub revision: i64,
    /// The newest revision: the one pods are moved to.
    pub current: bool,
    pub images: Vec<String>,
    pub created: Option<Timestamp>,
    /// Pods made from it, and how many of them are not failing.
    pub pods: i32,
    pub healthy: i32,
}

impl WorkloadTimeline {
    /// Adds the revisions `revisions` holds of the workload `kind`/`name` (others are skipped), newest first,
    /// and numbers each pod with its revision. `pods` are those the timeline was built from.
    pub fn add_revisions(
        &mut self,
        kind: &str,
        name: &str,
        revisions: &[ControllerRevision],
        pods: &[(Pod, Diagnosis)],
    ) {
        let owner = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        };
        let mut owned: Vec<&ControllerRevision> =
            revisions.iter().filter(|r| owned_by(&r.metadata, kind, &owner)).collect();
        owned.sort_by_key(|r| std::cmp::Reverse(r.revision));
        let newest = owned.first().map(|r| r.revision);
        let hash_of = |pod: &Pod| pod.metadata.labels.as_ref().and_then(|l| l.get(REVISION_HASH)).cloned();
        let on = |revision: &ControllerRevision, hash: &str| {
            let full = revision.metadata.name.as_deref().unwrap_or_default();
            full == hash || full.strip_prefix(name).and_then(|rest| rest.strip_prefix('-')) == Some(hash)
        };
        self.revisions = owned
            .iter()
            .map(|r| {
                let mine: Vec<&(Pod, Diagnosis)> =
                    pods.iter().filter(|(p, _)| hash_of(p).is_some_and(|h| on(r, &h))).collect();
                WorkloadRevision {
                    name: r.metadata.name.clone().unwrap_or_default(),
                    revision: r.revision,
                    current: Some(r.revision) == newest,
                    images: images(r.data.as_ref().map(|d| &d.0)),
                    created: r.metadata.creation_timestamp.as_ref().map(|t| t.0),
                    pods: mine.len() as i32,
                    healthy: mine.iter().filter(|(_, d)| !d.has_problem()).count() as i32,
                }
            })
            .collect();
        for app_pod in &mut self.pods {
            let hash = pods
                .iter()
                .find(|(p, _)| p.metadata.name.as_ref() == Some(&app_pod.name))
                .and_then(|(p, _)| hash_of(p));
            app_pod.revision = hash.and_then(|h| owned.iter().find(|r| on(r, &h)).map(|r| r.revision));
        }
    }

    /// The revisions could not be read (a 403, a lost connection): the timeline says so and why.
    pub fn mark_revisions_unread(&mut self, why: String) {
        self.revisions.clear();
        self.revisions_unread = Some(why);
    }
}

/// The images of a revision's pod template (`data.spec.template.spec.containers[].image`).
fn images(data: Option<&Value>) -> Vec<String> {
    data.and_then(|d| d.pointer("/spec/template/spec/containers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
        .collect()
}
