//! `kubectl rollout status`: wait until a workload's new pods are all updated and available, or fail as soon
//! as one of them cannot start (image pull, crash loop, bad config) or the Deployment's progress deadline
//! passes. Lines are reported as kubectl prints them.
use std::time::{Duration, Instant};

use kube::Api;
use kube::api::{DynamicObject, ListParams};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::execute::{json_of, namespaced, words};
use super::targets::{ObjectRef, WorkloadKind};
use super::{ActionError, PlanCtx};
use crate::cluster::Kind;

/// How often the workload is read again.
const POLL: Duration = Duration::from_millis(500);

/// Waiting reasons that mean a new pod will not become Ready by itself.
const STUCK: [&str; 6] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "InvalidImageName",
    "RunContainerError",
];

/// `kubectl --context C -n NS rollout status KIND/NAME`
pub fn status_argv(ctx: &PlanCtx, kind: WorkloadKind, namespace: &str, name: &str) -> Vec<String> {
    ["kubectl", "--context", &ctx.context, "-n", namespace, "rollout", "status", &format!("{}/{name}", kind.noun())]
        .map(str::to_string)
        .to_vec()
}

/// Where a rollout stands, from the workload as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Waiting(String),
    Done(String),
    Failed(String),
}

/// kubectl's status viewer, for the three workload kinds.
pub fn progress(kind: WorkloadKind, workload: &Value) -> Progress {
    let int = |path: &str| workload.pointer(path).and_then(Value::as_i64).unwrap_or(0);
    let name = workload.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let noun = kind.noun();
    if int("/status/observedGeneration") < int("/metadata/generation") {
        return Progress::Waiting(format!("Waiting for {noun} spec update to be observed..."));
    }
    match kind {
        WorkloadKind::Deployment => {
            let conditions = workload.pointer("/status/conditions").and_then(Value::as_array);
            if conditions
                .into_iter()
                .flatten()
                .any(|c| c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded"))
            {
                return Progress::Failed(format!("deployment {name:?} exceeded its progress deadline"));
            }
            let desired = workload.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let (updated, replicas, available) =
                (int("/status/updatedReplicas"), int("/status/replicas"), int("/status/availableReplicas"));
            let waiting = format!("Waiting for deployment {name:?} rollout to finish: ");
            if updated < desired {
                Progress::Waiting(format!("{waiting}{updated} out of {desired} new replicas have been updated..."))
            } else if replicas > updated {
                Progress::Waiting(format!("{waiting}{} old replicas are pending termination...", replicas - updated))
            } else if available < updated {
                Progress::Waiting(format!("{waiting}{available} of {updated} updated replicas are available..."))
            } else {
                Progress::Done(format!("deployment {name:?} successfully rolled out"))
            }
        }
        WorkloadKind::StatefulSet => {
            let desired = workload.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let (updated, ready) = (int("/status/updatedReplicas"), int("/status/readyReplicas"));
            let same_revision =
                workload.pointer("/status/currentRevision") == workload.pointer("/status/updateRevision");
            if ready < desired {
                Progress::Waiting(format!("Waiting for {desired} pods to be ready..."))
            } else if updated < desired && !same_revision {
                Progress::Waiting(format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {desired} new pods have been updated..."
                ))
            } else {
                Progress::Done(format!("partitioned roll out complete: {updated} new pods have been updated..."))
            }
        }
        WorkloadKind::DaemonSet => {
            let desired = int("/status/desiredNumberScheduled");
            let (updated, available) = (int("/status/updatedNumberScheduled"), int("/status/numberAvailable"));
            let waiting = format!("Waiting for daemon set {name:?} rollout to finish: ");
            if updated < desired {
                Progress::Waiting(format!("{waiting}{updated} out of {desired} new pods have been updated..."))
            } else if available < desired {
                Progress::Waiting(format!("{waiting}{available} of {desired} updated pods are available..."))
            } else {
                Progress::Done(format!("daemon set {name:?} successfully rolled out"))
            }
        }
    }
}

/// The first pod running `image` that is stuck, as `pod NAME: REASON: message`.
fn stuck_pod(pods: &[Value], image: &str) -> Option<String> {
    pods.iter().find_map(|pod| {
        let runs_it = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .is_some_and(|cs| cs.iter().any(|c| c.get("image").and_then(Value::as_str) == Some(image)));
        if !runs_it {
            return None;
        }
        let statuses = pod.pointer("/status/containerStatuses").and_then(Value::as_array)?;
        statuses.iter().find_map(|s| {
            let waiting = s.pointer("/state/waiting")?;
            let reason = waiting.get("reason").and_then(Value::as_str)?;
            STUCK.contains(&reason).then(|| {
                let name = pod.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
                let message = waiting.get("message").and_then(Value::as_str).unwrap_or("");
                format!(
                    "pod {name}: {reason}{}{message}; see its timeline with: mosaic explain pod/{name}",
                    if message.is_empty() { "" } else { ": " }
                )
            })
        })
    })
}

/// The workload a rollout is watched on; with `image`, a new pod stuck on that image fails the rollout at once.
#[derive(Debug, Clone, Copy)]
pub struct Watched<'a> {
    pub kind: WorkloadKind,
    pub namespace: &'a str,
    pub name: &'a str,
    pub image: Option<&'a str>,
}

/// Polls the workload until the rollout is done, failed, cancelled or `timeout` passes, sending each new
/// status line to `line`.
pub async fn watch(
    client: &kube::Client,
    watched: Watched<'_>,
    timeout: Duration,
    cancel: &CancellationToken,
    mut line: impl FnMut(String),
) -> Result<String, ActionError> {
    let Watched { kind, namespace, name, image } = watched;
    let what = words(kind, name, namespace);
    let api = namespaced(client, &kind.api_resource(), namespace);
    let pods: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), namespace, &ObjectRef::of(Kind::Pod, None, "").api_resource());
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let workload = super::execute::get(&api, name, &what).await?;
        let progress = progress(kind, &workload);
        let text = match &progress {
            Progress::Waiting(t) | Progress::Done(t) | Progress::Failed(t) => t.clone(),
        };
        if text != last {
            line(text.clone());
            last = text.clone();
        }
        match progress {
            Progress::Done(text) => return Ok(text),
            Progress::Failed(text) => return Err(ActionError::Invalid(text)),
            Progress::Waiting(_) => {}
        }
        if let Some(image) = image {
            let selector = crate::analysis::selector::selector_string(workload.pointer("/spec/selector"));
            if let Ok(list) = pods.list(&ListParams::default().labels(&selector)).await {
                let list: Vec<Value> = list.items.iter().map(json_of).collect();
                if let Some(stuck) = stuck_pod(&list, image) {
                    return Err(ActionError::Invalid(format!("the rollout of {what} is stuck: {stuck}")));
                }
            }
        }
        if started.elapsed() >= timeout {
            return Err(ActionError::Invalid(format!(
                "the rollout of {what} did not finish within {}s; it goes on in the cluster: watch it with kubectl \
                 rollout status {}/{name} -n {namespace}",
                timeout.as_secs(),
                kind.noun()
            )));
        }
        tokio::select! {
            _ = cancel.cancelled() => {
                return Err(ActionError::Invalid(format!(
                    "stopped watching the rollout of {what}; it goes on in the cluster"
                )));
            }
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(generation: i64, observed: i64, updated: i64, replicas: i64, available: i64) -> Value {
        json!({
            "metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": 2},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "replicas": replicas, "availableReplicas": available}
        })
    }

    #[test]
    fn deployment_progress_reads_like_kubectl() {
        let p = |d| progress(WorkloadKind::Deployment, &d);
        assert_eq!(
            p(deployment(3, 2, 2, 2, 2)),
            Progress::Waiting("Waiting for deployment spec update to be observed...".into())
        );
        assert!(matches!(p(deployment(3, 3, 1, 3, 2)), Progress::Waiting(t) if t.contains("1 out of 2 new replicas")));
        assert!(
            matches!(p(deployment(3, 3, 2, 3, 2)), Progress::Waiting(t) if t.contains("1 old replicas are pending"))
        );
        assert!(
            matches!(p(deployment(3, 3, 2, 2, 1)), Progress::Waiting(t) if t.contains("1 of 2 updated replicas are available"))
        );
        assert_eq!(p(deployment(3, 3, 2, 2, 2)), Progress::Done("deployment \"web\" successfully rolled out".into()));
        let mut stuck = deployment(3, 3, 1, 3, 2);
        stuck["status"]["conditions"] =
            json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
        assert!(matches!(p(stuck), Progress::Failed(_)));
    }

    #[test]
    fn a_new_pod_that_cannot_pull_is_stuck_and_named() {
        let pod = |name: &str, image: &str, reason: &str| {
            json!({
                "metadata": {"name": name},
                "spec": {"containers": [{"name": "web", "image": image}]},
                "status": {"containerStatuses": [{"name": "web", "state": {"waiting": {"reason": reason, "message": "not found"}}}]}
            })
        };
        let pods = [pod("web-old", "web:1", "CrashLoopBackOff"), pod("web-new", "web:2", "ImagePullBackOff")];
        let stuck = stuck_pod(&pods, "web:2").unwrap();
        assert!(
            stuck.starts_with("pod web-new: ImagePullBackOff: not found")
                && stuck.contains("mosaic explain pod/web-new"),
            "{stuck}"
        );
        assert_eq!(stuck_pod(&pods[1..], "web:3"), None);
        assert_eq!(stuck_pod(&[pod("web-new", "web:2", "ContainerCreating")], "web:2"), None);
    }
}
