//! The garbage collector: objects whose controller owner is gone are deleted (ReplicaSets of a deleted
//! Deployment, their pods, Jobs of a deleted CronJob, slices of a deleted Service...). Pods held by a
//! finalizer are only marked for deletion.
use jiff::Timestamp;
use serde_json::json;

use super::objects::{Key, ObjectSet};
use super::{json, kube_time, pods};

/// Kinds whose objects may be owned, parents first so a whole tree goes in one pass.
const OWNED: &[(&str, &str)] = &[
    ("batch", "Job"),
    ("apps", "ReplicaSet"),
    ("apps", "ControllerRevision"),
    ("", "Pod"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("", "PersistentVolumeClaim"),
];

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    for (group, kind) in OWNED {
        for key in world.keys(group, kind, None) {
            let Some(obj) = world.get_key(&key) else {
                continue;
            };
            let Some(owner) = pods::controller_of(obj) else {
                continue;
            };
            let owner_kind = json::str_at(owner, &["kind"]).unwrap_or("");
            let owner_group = json::group_of(json::str_at(owner, &["apiVersion"]).unwrap_or(""));
            let owner_name = json::str_at(owner, &["name"]).unwrap_or("");
            if owner_kind == "Node" {
                continue;
            }
            let owner_key = Key::new(owner_group, owner_kind, &key.namespace, owner_name);
            if world.get_key(&owner_key).is_some() {
                continue;
            }
            let finalized = !json::array_at(obj, &["metadata", "finalizers"]).is_empty();
            if finalized {
                if !pods::is_deleting(obj) {
                    let mut marked = obj.clone();
                    json::set(&mut marked, &["metadata", "deletionTimestamp"], json!(kube_time::format(now)));
                    world.put(marked);
                }
            } else {
                world.remove(&key);
            }
        }
    }
}
