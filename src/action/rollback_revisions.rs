//! `kubectl rollout undo` for a StatefulSet or a DaemonSet, as kubectl's `StatefulSetRollbacker` and
//! `DaemonSetRollbacker` do it: list the ControllerRevisions the workload controls, pick the wanted one (by
//! default the newest before the current), and send its `data` (the pod template with `"$patch": "replace"`)
//! as a strategic merge patch. Going back to the template already running changes nothing.
use kube::api::{ListParams, Patch};
use serde_json::{Value, json};

use super::error::{ActionError, Step};
use super::execute::{changed, dry_run_note, get, json_of, namespaced, patch_object};
use super::rollback::{apps_v1, controlled_by};
use super::targets::WorkloadKind;
use super::{ExecOptions, Outcome};

pub(crate) async fn run(
    client: &kube::Client,
    opts: &ExecOptions,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    to_revision: Option<i64>,
) -> Result<Outcome, ActionError> {
    let what = format!("{} {name} in {namespace}", kind.noun());
    if let Some(revision) = to_revision.filter(|r| *r < 0) {
        return Err(ActionError::Invalid(format!("revision {revision} is not a revision number")));
    }
    let workloads = namespaced(client, &kind.api_resource(), namespace);
    let workload = get(&workloads, name, &what).await?;

    let revisions = namespaced(client, &apps_v1("ControllerRevision", "controllerrevisions"), namespace);
    let params =
        ListParams::default().labels(&crate::analysis::selector::selector_string(workload.pointer("/spec/selector")));
    let listed = revisions
        .list(&params)
        .await
        .map_err(|e| ActionError::from_kube(&e, &format!("the ControllerRevisions of {what}"), Step::Read))?;
    let uid = workload.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
    let owned: Vec<Value> = listed.items.iter().map(json_of).filter(|r| controlled_by(r, uid)).collect();
    let (revision, chosen) = pick(&owned, to_revision.unwrap_or(0), &what)?;

    let data = chosen.get("data").cloned().unwrap_or(json!({}));
    if applied_template(&data) == workload.pointer("/spec/template").cloned() {
        return Ok(changed(
            format!(
                "Skipped rollback of {what}: the current template already matches revision {revision}; nothing was \
                 changed"
            ),
            workload.clone(),
            workload,
        ));
    }
    let after = patch_object(&workloads, name, opts, &Patch::Strategic(&data), &what).await?;
    let done = if opts.dry_run { "Would roll back" } else { "Rolled back" };
    Ok(changed(format!("{done} {what} to revision {revision}{}", dry_run_note(opts)), workload, after))
}

fn number(revision: &Value) -> Option<i64> {
    revision.get("revision").and_then(Value::as_i64)
}

/// The template the revision's data puts in place: its `spec.template` without the `$patch` directive (the
/// data always replaces the whole template).
fn applied_template(data: &Value) -> Option<Value> {
    let mut template = data.pointer("/spec/template")?.clone();
    template.as_object_mut()?.remove("$patch");
    Some(template)
}

/// kubectl's `findHistory`: the revision numbered `to_revision`, or for 0 the newest before the current one.
fn pick<'a>(owned: &'a [Value], to_revision: i64, what: &str) -> Result<(i64, &'a Value), ActionError> {
    let mut revisions: Vec<(i64, &Value)> = owned.iter().filter_map(|r| number(r).map(|n| (n, r))).collect();
    revisions.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    if to_revision > 0 {
        return revisions.into_iter().find(|(n, _)| *n == to_revision).ok_or_else(|| {
            ActionError::NotFound(format!(
                "{what} has no revision {to_revision} in its history ({})",
                super::rollback::kept_words(revisions_of(owned))
            ))
        });
    }
    revisions.get(1).copied().ok_or_else(|| {
        ActionError::NotFound(format!(
            "{what} has no previous revision to roll back to ({})",
            super::rollback::kept_words(revisions_of(owned))
        ))
    })
}

fn revisions_of(owned: &[Value]) -> Vec<i64> {
    owned.iter().filter_map(number).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(n: i64, image: &str) -> Value {
        json!({"metadata": {"name": format!("redis-{n}"), "ownerReferences": [{"uid": "u", "controller": true}]},
               "revision": n,
               "data": {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"image": image}]}}}}})
    }

    #[test]
    fn picks_the_one_before_the_newest_or_the_named_one() {
        let owned = vec![revision(1, "a"), revision(3, "c"), revision(2, "b")];
        assert_eq!(pick(&owned, 0, "s").map(|(n, _)| n), Ok(2));
        assert_eq!(pick(&owned, 1, "s").map(|(n, _)| n), Ok(1));
        assert_eq!(
            pick(&owned, 9, "statefulset redis in shop").map(|(n, _)| n),
            Err(ActionError::NotFound(
                "statefulset redis in shop has no revision 9 in its history (revisions kept: 1, 2, 3)".into()
            ))
        );
        assert_eq!(
            pick(&owned[..1], 0, "daemonset kube-proxy in kube-system").map(|(n, _)| n),
            Err(ActionError::NotFound(
                "daemonset kube-proxy in kube-system has no previous revision to roll back to (revisions kept: 1)"
                    .into()
            ))
        );
    }

    #[test]
    fn the_applied_template_drops_the_directive() {
        assert_eq!(
            applied_template(&revision(1, "a")["data"]),
            Some(json!({"spec": {"containers": [{"image": "a"}]}}))
        );
        assert_eq!(applied_template(&json!({})), None);
        assert!(controlled_by(&revision(1, "a"), "u"));
        assert!(!controlled_by(&revision(1, "a"), "v"));
    }
}
