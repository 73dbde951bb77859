//! ControllerRevisions (apps/v1): the history a StatefulSet or DaemonSet keeps of its pod templates, as their
//! controllers write it. One revision per distinct template, named `<workload>-<hash>`, owned by the workload,
//! its `data` the patch that puts the template back (`{"spec":{"template":{…,"$patch":"replace"}}}`) and its
//! `revision` a number. When the template goes back to an older one (a rollback), that revision is found by
//! its data and renumbered as the newest, as the real controllers do; the oldest beyond
//! `spec.revisionHistoryLimit` are deleted.
use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::ObjectSet;
use super::workload_common as common;
use super::{defaults, ids, json, kube_time, pods};

const KIND: &str = "ControllerRevision";

/// The label a StatefulSet's revisions carry their hash in (a DaemonSet's use `controller-revision-hash`).
const STS_HASH_LABEL: &str = "controller.kubernetes.io/hash";
const DS_HASH_LABEL: &str = "controller-revision-hash";

/// The current revision of `workload`: its name and its hash (the hash label's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Current {
    pub name: String,
    pub hash: String,
}

fn hash_label(workload: &Value) -> &'static str {
    if json::kind(workload) == "DaemonSet" { DS_HASH_LABEL } else { STS_HASH_LABEL }
}

/// The template a revision's data puts back, without the `$patch` directive and with the pod-template
/// defaults the API server gives a workload's template (so a scenario's hand-written revision matches).
fn template_of(revision: &Value) -> Value {
    let mut template = json::get(revision, &["data", "spec", "template"]).cloned().unwrap_or(json!({}));
    if let Some(map) = template.as_object_mut() {
        map.remove("$patch");
    }
    defaults::pod_template(&mut template);
    template
}

/// A scenario's hand-written revision with the template defaults a controller-written one carries (its data is
/// a copy of the stored, defaulted workload template), so undoing to it compares and patches as on a real cluster.
fn with_defaults(mut revision: Value) -> Value {
    if let Some(template) = revision.pointer_mut("/data/spec/template") {
        defaults::pod_template(template);
    }
    revision
}

fn number(revision: &Value) -> i64 {
    json::i64_at(revision, &["revision"]).unwrap_or(0)
}

/// The stored revision whose template is the workload's, without changing anything.
pub(crate) fn find(world: &ObjectSet, workload: &Value) -> Option<Current> {
    let mut template = json::get(workload, &["spec", "template"]).cloned().unwrap_or(json!({}));
    defaults::pod_template(&mut template);
    let owned = world.owned_by("apps", KIND, json::namespace(workload), json::kind(workload), json::name(workload));
    owned
        .iter()
        .filter_map(|k| world.get_key(k))
        .filter(|r| template_of(r) == template)
        .max_by_key(|r| number(r))
        .map(|r| current_of(workload, r))
}

fn current_of(workload: &Value, revision: &Value) -> Current {
    let name = json::name(revision).to_string();
    let prefix = format!("{}-", json::name(workload));
    let hash = json::label(revision, hash_label(workload))
        .map(str::to_string)
        .unwrap_or_else(|| name.strip_prefix(&prefix).unwrap_or(&name).to_string());
    Current { name, hash }
}

/// The revision of the workload's current template: found (and made the newest if a rollback went back to
/// it) or created, then the history trimmed to its limit.
pub(crate) fn ensure(world: &mut ObjectSet, workload: &Value, created: Timestamp) -> Current {
    let ns = json::namespace(workload).to_string();
    let owned = common::owned_keys(world, "apps", KIND, &ns, workload);
    for key in &owned {
        if let Some(revision) = world.get_key(key).cloned() {
            world.put_if_changed(with_defaults(revision));
        }
    }
    let newest = owned.iter().filter_map(|k| world.get_key(k)).map(number).max().unwrap_or(0);
    let current = match find(world, workload) {
        Some(found) => {
            let stored = world.get("apps", KIND, &ns, &found.name).cloned();
            if let Some(mut revision) = stored.filter(|r| number(r) < newest) {
                revision["revision"] = json!(newest + 1);
                world.put(revision);
            }
            found
        }
        None => {
            let revision = build(workload, newest + 1, created);
            let current = current_of(workload, &revision);
            world.put(revision);
            current
        }
    };
    trim(world, workload, &current.name);
    current
}

fn build(workload: &Value, number: i64, created: Timestamp) -> Value {
    let ns = json::namespace(workload);
    let template = json::get(workload, &["spec", "template"]).cloned().unwrap_or(json!({}));
    let hash = ids::template_hash(&template);
    let name = format!("{}-{hash}", json::name(workload));
    let mut labels = json::object_at(&template, &["metadata", "labels"]).cloned().unwrap_or_default();
    labels.insert(hash_label(workload).into(), json!(hash));
    let mut data = template;
    json::ensure_object(&mut data).insert("$patch".into(), json!("replace"));
    json!({
        "apiVersion": "apps/v1",
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": ids::uid(&format!("controllerrevision/{ns}/{name}")),
            "creationTimestamp": kube_time::format(created),
            "labels": labels,
            "ownerReferences": [pods::owner_ref(workload)],
        },
        "data": {"spec": {"template": data}},
        "revision": number,
    })
}

/// Deletes the oldest revisions beyond `spec.revisionHistoryLimit` (the current one always stays).
fn trim(world: &mut ObjectSet, workload: &Value, current: &str) {
    let limit = json::i64_at(workload, &["spec", "revisionHistoryLimit"]).unwrap_or(10).max(0) as usize;
    let ns = json::namespace(workload);
    let mut old: Vec<(i64, String)> = world
        .owned_by("apps", KIND, ns, json::kind(workload), json::name(workload))
        .iter()
        .filter(|k| k.name != current)
        .filter_map(|k| world.get_key(k).map(|r| (number(r), k.name.clone())))
        .collect();
    old.sort();
    let excess = old.len().saturating_sub(limit);
    for (_, name) in old.into_iter().take(excess) {
        world.remove(&super::objects::Key::new("apps", KIND, ns, &name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "redis", "namespace": "shop", "uid": "u-redis"},
               "spec": {"revisionHistoryLimit": 2, "template": {"metadata": {"labels": {"app": "redis"}},
                        "spec": {"containers": [{"name": "redis", "image": image}]}}}})
    }

    fn owned(world: &ObjectSet) -> Vec<(i64, String)> {
        let mut out: Vec<(i64, String)> = world
            .owned_by("apps", KIND, "shop", "StatefulSet", "redis")
            .iter()
            .filter_map(|k| world.get_key(k).map(|r| (number(r), k.name.clone())))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_new_template_is_a_new_revision_and_going_back_renumbers_the_old_one() {
        let objects = vec![];
        let mut world = ObjectSet::new(&objects);
        let now = Timestamp::UNIX_EPOCH;
        let first = ensure(&mut world, &sts("redis:6.0.8"), now);
        assert!(first.name.starts_with("redis-"), "{first:?}");
        assert_eq!(first.hash, first.name.trim_start_matches("redis-"));
        let stored = world.get("apps", KIND, "shop", &first.name).expect("stored").clone();
        assert_eq!(stored["revision"], 1);
        assert_eq!(stored["metadata"]["labels"], json!({"app": "redis", STS_HASH_LABEL: first.hash}));
        assert_eq!(stored["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        assert_eq!(stored["data"]["spec"]["template"]["$patch"], "replace");
        assert_eq!(stored["data"]["spec"]["template"]["spec"]["containers"][0]["image"], "redis:6.0.8");
        // Idempotent.
        assert_eq!(ensure(&mut world, &sts("redis:6.0.8"), now), first);
        let second = ensure(&mut world, &sts("redis:6.0.9"), now);
        assert_ne!(second, first);
        // Back to the first template: the same object, now revision 3.
        assert_eq!(ensure(&mut world, &sts("redis:6.0.8"), now), first);
        assert_eq!(owned(&world), vec![(2, second.name.clone()), (3, first.name.clone())]);
    }

    #[test]
    fn the_history_keeps_its_limit_and_the_current_revision() {
        let objects = vec![];
        let mut world = ObjectSet::new(&objects);
        for image in ["a:1", "a:2", "a:3", "a:4"] {
            ensure(&mut world, &sts(image), Timestamp::UNIX_EPOCH);
        }
        let numbers: Vec<i64> = owned(&world).into_iter().map(|(n, _)| n).collect();
        assert_eq!(numbers, vec![2, 3, 4]);
    }

    #[test]
    fn a_daemonset_revision_carries_the_pod_label_hash() {
        let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
                        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "uid": "u"},
                        "spec": {"template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}}, "spec": {}}}});
        let objects = vec![];
        let mut world = ObjectSet::new(&objects);
        let current = ensure(&mut world, &ds, Timestamp::UNIX_EPOCH);
        let stored = world.get("apps", KIND, "kube-system", &current.name).expect("stored");
        assert_eq!(json::label(stored, DS_HASH_LABEL), Some(current.hash.as_str()));
        assert_eq!(current.name, format!("kube-proxy-{}", current.hash));
    }
}
