//! `kubectl rollout undo` for a Deployment, as kubectl's `DeploymentRollbacker` does it: find the owned
//! ReplicaSet of the wanted revision, and JSON-patch its pod template (without `pod-template-hash`) and its
//! annotations back into the Deployment.
use kube::api::{ListParams, Patch};
use serde_json::{Map, Value, json};

use super::error::{ActionError, Step};
use super::execute::{changed, dry_run_note, get, json_of, namespaced, patch_object};
use super::targets::{ObjectRef, WorkloadKind};
use super::{ExecOptions, Outcome};

const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH_LABEL: &str = "pod-template-hash";

/// Deployment annotations a rollback keeps from the Deployment rather than copying from the ReplicaSet.
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

pub(crate) async fn run(
    client: &kube::Client,
    opts: &ExecOptions,
    namespace: &str,
    name: &str,
    to_revision: Option<i64>,
) -> Result<Outcome, ActionError> {
    let what = format!("deployment {name} in {namespace}");
    if let Some(revision) = to_revision.filter(|r| *r < 0) {
        return Err(ActionError::Invalid(format!("revision {revision} is not a revision number")));
    }
    let deployments = namespaced(client, &WorkloadKind::Deployment.api_resource(), namespace);
    let deployment = get(&deployments, name, &what).await?;

    let replica_sets = namespaced(client, &apps_v1("ReplicaSet", "replicasets"), namespace);
    let params =
        ListParams::default().labels(&crate::analysis::selector::selector_string(deployment.pointer("/spec/selector")));
    let listed = replica_sets
        .list(&params)
        .await
        .map_err(|e| ActionError::from_kube(&e, &format!("the ReplicaSets of {what}"), Step::Read))?;
    let uid = deployment.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
    let owned: Vec<Value> = listed.items.iter().map(json_of).filter(|rs| controlled_by(rs, uid)).collect();
    let (revision, replica_set) = pick(&owned, to_revision.unwrap_or(0), &what)?;

    if deployment.pointer("/spec/paused") == Some(&Value::Bool(true)) {
        return Err(ActionError::Invalid(format!(
            "{what} is paused, so it cannot be rolled back; resume it first with: kubectl rollout resume \
             deployment/{name}"
        )));
    }
    let template = without_hash(replica_set.pointer("/spec/template").cloned().unwrap_or(json!({})));
    let current = without_hash(deployment.pointer("/spec/template").cloned().unwrap_or(json!({})));
    if template == current {
        return Ok(changed(
            format!("Skipped: {what} already runs the template of revision {revision}; nothing was changed"),
            deployment.clone(),
            deployment,
        ));
    }

    let patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations(&deployment, replica_set)},
    ]))
    .map_err(|e| ActionError::Invalid(format!("could not build the rollback patch: {e}")))?;
    let after = patch_object(&deployments, name, opts, &Patch::Json::<()>(patch), &what).await?;
    let done = if opts.dry_run { "Would roll back" } else { "Rolled back" };
    Ok(changed(format!("{done} {what} to revision {revision}{}", dry_run_note(opts)), deployment, after))
}

/// An `apps/v1` kind, for listing what a workload controls (ReplicaSets, ControllerRevisions).
pub(super) fn apps_v1(kind: &str, plural: &str) -> kube::discovery::ApiResource {
    ObjectRef {
        group: "apps".into(),
        version: "v1".into(),
        kind: kind.into(),
        plural: plural.into(),
        namespace: None,
        name: String::new(),
    }
    .api_resource()
}

/// Whether the object's controller owner reference is the workload with this uid.
pub(super) fn controlled_by(object: &Value, uid: &str) -> bool {
    object.pointer("/metadata/ownerReferences").and_then(Value::as_array).into_iter().flatten().any(|owner| {
        owner.get("controller") == Some(&Value::Bool(true)) && owner.get("uid").and_then(Value::as_str) == Some(uid)
    })
}

fn revision_of(replica_set: &Value) -> Option<i64> {
    replica_set.pointer("/metadata/annotations")?.get(REVISION)?.as_str()?.parse().ok()
}

/// kubectl's choice: the ReplicaSet of `to_revision`, or for 0 the second-newest revision.
fn pick<'a>(owned: &'a [Value], to_revision: i64, what: &str) -> Result<(i64, &'a Value), ActionError> {
    let mut revisions: Vec<(i64, &Value)> =
        owned.iter().filter_map(|rs| revision_of(rs).map(|revision| (revision, rs))).collect();
    revisions.sort_by_key(|(revision, _)| std::cmp::Reverse(*revision));
    if to_revision > 0 {
        return revisions.into_iter().find(|(revision, _)| *revision == to_revision).ok_or_else(|| {
            ActionError::NotFound(format!(
                "{what} has no revision {to_revision} in its history ({})",
                known_revisions(owned)
            ))
        });
    }
    revisions.get(1).copied().ok_or_else(|| {
        ActionError::NotFound(format!("{what} has no previous revision to roll back to ({})", known_revisions(owned)))
    })
}

fn known_revisions(owned: &[Value]) -> String {
    kept_words(owned.iter().filter_map(revision_of).collect())
}

/// `revisions kept: 1, 2, 3`, or that there is no history.
pub(super) fn kept_words(mut revisions: Vec<i64>) -> String {
    revisions.sort_unstable();
    match revisions.as_slice() {
        [] => "it has no rollout history".into(),
        known => format!("revisions kept: {}", known.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// A pod template without the ReplicaSet's `pod-template-hash` label (and without `labels` if that empties it).
fn without_hash(mut template: Value) -> Value {
    if let Some(metadata) = template.get_mut("metadata").and_then(Value::as_object_mut) {
        let emptied = match metadata.get_mut("labels").and_then(Value::as_object_mut) {
            Some(labels) => {
                labels.remove(HASH_LABEL);
                labels.is_empty()
            }
            None => false,
        };
        if emptied {
            metadata.remove("labels");
        }
    }
    template
}

/// The Deployment keeps its own bookkeeping annotations and takes the ReplicaSet's others.
fn annotations(deployment: &Value, replica_set: &Value) -> Value {
    let of = |object: &Value| {
        object.pointer("/metadata/annotations").and_then(Value::as_object).cloned().unwrap_or_default()
    };
    let mut out = Map::new();
    for (key, value) in of(deployment) {
        if ANNOTATIONS_TO_SKIP.contains(&key.as_str()) {
            out.insert(key, value);
        }
    }
    for (key, value) in of(replica_set) {
        if !ANNOTATIONS_TO_SKIP.contains(&key.as_str()) {
            out.insert(key, value);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(revision: &str, uid: &str) -> Value {
        json!({"metadata": {"annotations": {REVISION: revision, "deployment.kubernetes.io/desired-replicas": "2",
               "team": "web"}, "ownerReferences": [{"uid": uid, "controller": true}]}})
    }

    #[test]
    fn picks_the_previous_or_the_named_revision() {
        let owned = vec![rs("1", "d"), rs("3", "d"), rs("2", "d")];
        assert_eq!(pick(&owned, 0, "d").map(|(r, _)| r), Ok(2));
        assert_eq!(pick(&owned, 1, "d").map(|(r, _)| r), Ok(1));
        let missing = pick(&owned, 7, "deployment web in shop").map(|(r, _)| r);
        assert_eq!(
            missing,
            Err(ActionError::NotFound(
                "deployment web in shop has no revision 7 in its history (revisions kept: 1, 2, 3)".into()
            ))
        );
        assert!(matches!(pick(&owned[..1], 0, "d"), Err(ActionError::NotFound(_))));
    }

    #[test]
    fn keeps_the_deployment_bookkeeping_annotations() {
        let deployment = json!({"metadata": {"annotations": {REVISION: "3", "team": "old"}}});
        assert_eq!(annotations(&deployment, &rs("1", "d")), json!({REVISION: "3", "team": "web"}));
    }

    #[test]
    fn selectors_render_as_the_query_expects() {
        let selector = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "canary", "operator": "DoesNotExist"}]});
        assert_eq!(crate::analysis::selector::selector_string(Some(&selector)), "app=web,tier in (a,b),!canary");
        assert!(controlled_by(&rs("1", "d"), "d"));
        assert!(!controlled_by(&rs("1", "d"), "e"));
    }
}
