//! The actions that tie a workload to a git commit: annotate it with the commit it runs, and force its
//! nodes to pull its image again. Both faces (plan and execute) are built here from the same patch.
use kube::api::Patch;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::error::ActionError;
use super::execute::{changed, dry_run_note, get, namespaced, patch_object, words};
use super::targets::WorkloadKind;
use super::{ExecOptions, Outcome};
use crate::git::deployed::{COMMIT_BRANCH, COMMIT_MESSAGE, COMMIT_SHA, COMMIT_TIME};

/// The annotation `kubectl rollout restart` stamps on the pod template.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Longest commit subject kept in the annotation: it is for people to recognise, not to archive.
const MESSAGE_LIMIT: usize = 200;

/// The commit written into the `mosaic.dev/commit-*` annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitAnnotation {
    /// Full SHA.
    pub sha: String,
    /// `None` (a detached commit) removes the branch annotation.
    pub branch: Option<String>,
    /// The subject line.
    pub message: String,
    /// RFC 3339, UTC.
    pub time: String,
}

impl CommitAnnotation {
    pub fn from_commit(commit: &crate::git::CommitInfo, branch: Option<&str>) -> CommitAnnotation {
        CommitAnnotation {
            sha: commit.sha.clone(),
            branch: branch.map(str::to_string),
            message: commit.subject.chars().take(MESSAGE_LIMIT).collect(),
            time: commit.time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }

    /// Annotation to value; `None` removes it.
    fn pairs(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            (COMMIT_SHA, Some(self.sha.clone())),
            (COMMIT_BRANCH, self.branch.clone()),
            (COMMIT_MESSAGE, Some(self.message.replace(['\n', '\r'], " "))),
            (COMMIT_TIME, Some(self.time.clone())),
        ]
    }
}

/// `kubectl annotate KIND/NAME --overwrite k=v… k-` arguments (after the namespace).
pub(crate) fn annotate_args(kind: WorkloadKind, name: &str, commit: &CommitAnnotation) -> Vec<String> {
    let mut args = vec!["annotate".to_string(), format!("{}/{name}", kind.noun()), "--overwrite".into()];
    for (key, value) in commit.pairs() {
        args.push(match value {
            Some(value) => format!("{key}={value}"),
            None => format!("{key}-"),
        });
    }
    args
}

/// The merge patch `kubectl annotate` sends: the four annotations, `null` for a removed one.
fn annotate_patch(commit: &CommitAnnotation) -> Value {
    let annotations: Map<String, Value> =
        commit.pairs().into_iter().map(|(k, v)| (k.to_string(), v.map_or(Value::Null, Value::String))).collect();
    json!({"metadata": {"annotations": annotations}})
}

/// The strategic merge patch of a force pull: `Always` on the named containers, and a restart stamp so that
/// the pods are replaced even when the policy already was `Always`.
pub(crate) fn force_pull_patch(containers: &[String], restarted_at: &str) -> Value {
    let mut template = json!({"metadata": {"annotations": {RESTARTED_AT: restarted_at}}});
    if !containers.is_empty() {
        let list: Vec<Value> = containers.iter().map(|c| json!({"name": c, "imagePullPolicy": "Always"})).collect();
        template["spec"] = json!({"containers": list});
    }
    json!({"spec": {"template": template}})
}

/// `kubectl patch KIND/NAME -p '{…}'` arguments (after the namespace).
pub(crate) fn force_pull_args(
    kind: WorkloadKind,
    name: &str,
    containers: &[String],
    restarted_at: &str,
) -> Vec<String> {
    let patch = force_pull_patch(containers, restarted_at).to_string();
    vec!["patch".into(), format!("{}/{name}", kind.noun()), "-p".into(), patch]
}

pub(crate) fn force_pull_summary(kind: WorkloadKind, namespace: &str, name: &str, containers: &[String]) -> String {
    let what = words(kind, name, namespace);
    match containers {
        [] => {
            format!("Restart every pod of {what} (imagePullPolicy unchanged: a node that has the image keeps its copy)")
        }
        [one] => format!(
            "Set imagePullPolicy Always on container {one} of {what} and restart its pods, so every node pulls the image again"
        ),
        many => format!(
            "Set imagePullPolicy Always on containers {} of {what} and restart its pods, so every node pulls the images again",
            many.join(", ")
        ),
    }
}

pub(crate) fn annotate_summary(kind: WorkloadKind, namespace: &str, name: &str, commit: &CommitAnnotation) -> String {
    let short = &commit.sha[..commit.sha.len().min(7)];
    let on = commit.branch.as_deref().map(|b| format!(" on {b}")).unwrap_or_default();
    format!("Annotate {} with commit {short}{on}: {}", words(kind, name, namespace), commit.message)
}

pub(crate) async fn annotate(
    client: &kube::Client,
    opts: &ExecOptions,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    commit: &CommitAnnotation,
) -> Result<Outcome, ActionError> {
    if commit.sha.trim().is_empty() {
        return Err(ActionError::Invalid("no commit to annotate with: the SHA is empty".into()));
    }
    let what = words(kind, name, namespace);
    let api = namespaced(client, &kind.api_resource(), namespace);
    let before = get(&api, name, &what).await?;
    let after = patch_object(&api, name, opts, &Patch::Merge(&annotate_patch(commit)), &what).await?;
    let done = if opts.dry_run { "Would annotate" } else { "Annotated" };
    let short = &commit.sha[..commit.sha.len().min(7)];
    Ok(changed(format!("{done} {what} with commit {short}{}", dry_run_note(opts)), before, after))
}

pub(crate) async fn force_pull(
    client: &kube::Client,
    opts: &ExecOptions,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    containers: &[String],
    restarted_at: &str,
) -> Result<Outcome, ActionError> {
    let what = words(kind, name, namespace);
    let api = namespaced(client, &kind.api_resource(), namespace);
    let before = get(&api, name, &what).await?;
    let present: Vec<&str> = before
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|c| c.get("name")?.as_str()).collect())
        .unwrap_or_default();
    if let Some(missing) = containers.iter().find(|c| !present.contains(&c.as_str())) {
        return Err(ActionError::NotFound(format!(
            "{what} has no container named {missing:?} (it has: {})",
            present.join(", ")
        )));
    }
    if kind == WorkloadKind::Deployment && before.pointer("/spec/paused") == Some(&Value::Bool(true)) {
        return Err(ActionError::Invalid(format!(
            "{what} is paused, so a restart would not roll out; resume it first with: kubectl rollout resume \
             deployment/{name}"
        )));
    }
    let patch = force_pull_patch(containers, restarted_at);
    let after = patch_object(&api, name, opts, &Patch::Strategic(&patch), &what).await?;
    let done = if opts.dry_run { "Would restart" } else { "Restarted" };
    let pulled = if containers.is_empty() { "" } else { " with imagePullPolicy Always: every new pod pulls its image" };
    Ok(changed(format!("{done} {what}{pulled}{}", dry_run_note(opts)), before, after))
}
