//! The persistent volume controller with a dynamic provisioner: claims of an existing (or the default)
//! StorageClass are bound to a new PersistentVolume; the others stay Pending with the controller's event.
use jiff::Timestamp;
use serde_json::json;

use super::events::{self, EventSpec, Involved};
use super::objects::ObjectSet;
use super::{json, kube_time, pods};

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

fn default_class(world: &ObjectSet) -> Option<String> {
    world
        .list("storage.k8s.io", "StorageClass", None)
        .into_iter()
        .find(|sc| json::annotation(sc, DEFAULT_CLASS) == Some("true"))
        .map(|sc| json::name(sc).to_string())
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    let default = default_class(world);
    for key in world.keys("", "PersistentVolumeClaim", None) {
        let Some(pvc) = world.get_key(&key) else {
            continue;
        };
        if json::str_at(pvc, &["status", "phase"]) == Some("Bound") || pods::is_deleting(pvc) {
            continue;
        }
        let mut pvc = pvc.clone();
        let involved = Involved::of(&pvc);
        let created = pods::created(&pvc).unwrap_or(now);
        json::set_default(&mut pvc, &["spec", "volumeMode"], json!("Filesystem"));
        if let Some(d) = &default {
            json::set_default(&mut pvc, &["spec", "storageClassName"], json!(d));
        }
        let class_name = json::str_at(&pvc, &["spec", "storageClassName"]).map(str::to_string);
        let class = class_name.as_deref().and_then(|c| world.get("storage.k8s.io", "StorageClass", "", c)).cloned();
        let uid = json::uid(&pvc).to_string();
        match (class_name, class) {
            (Some(class_name), Some(class)) if !uid.is_empty() => {
                let provisioner = json::str_at(&class, &["provisioner"]).unwrap_or("rancher.io/local-path").to_string();
                let volume = format!("pvc-{uid}");
                let request =
                    json::str_at(&pvc, &["spec", "resources", "requests", "storage"]).unwrap_or("1Gi").to_string();
                let modes = json::get(&pvc, &["spec", "accessModes"]).cloned().unwrap_or(json!(["ReadWriteOnce"]));
                json::set(&mut pvc, &["spec", "volumeName"], json!(volume));
                for (k, v) in [
                    ("pv.kubernetes.io/bind-completed", "yes"),
                    ("pv.kubernetes.io/bound-by-controller", "yes"),
                    ("volume.beta.kubernetes.io/storage-provisioner", provisioner.as_str()),
                ] {
                    json::set(&mut pvc, &["metadata", "annotations", k], json!(v));
                }
                json::set(&mut pvc, &["metadata", "finalizers"], json!(["kubernetes.io/pvc-protection"]));
                json::set(
                    &mut pvc,
                    &["status"],
                    json!({"phase": "Bound", "accessModes": modes, "capacity": {"storage": request}}),
                );
                let at = kube_time::plus(created, 2);
                world.put(pvc);
                if world.get("", "PersistentVolume", "", &volume).is_none() {
                    world.put(json!({
                        "apiVersion": "v1",
                        "kind": "PersistentVolume",
                        "metadata": {
                            "name": volume,
                            "uid": super::ids::uid(&format!("pv/{volume}")),
                            "creationTimestamp": kube_time::format(at),
                            "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
                            "finalizers": ["kubernetes.io/pv-protection"],
                        },
                        "spec": {
                            "capacity": {"storage": request},
                            "hostPath": {"path": format!("/var/local-path-provisioner/{volume}_{}_{}", key.namespace, key.name), "type": "DirectoryOrCreate"},
                            "accessModes": modes,
                            "claimRef": {
                                "kind": "PersistentVolumeClaim",
                                "namespace": key.namespace,
                                "name": key.name,
                                "uid": uid,
                                "apiVersion": "v1",
                            },
                            "persistentVolumeReclaimPolicy": json::str_at(&class, &["reclaimPolicy"]).unwrap_or("Delete"),
                            "storageClassName": class_name,
                            "volumeMode": "Filesystem",
                        },
                        "status": {"phase": "Bound"},
                    }));
                }
                events::record(
                    world,
                    &involved,
                    EventSpec::once(
                        "persistentvolume-controller",
                        "ProvisioningSucceeded",
                        format!("Successfully provisioned volume {volume} using {provisioner}"),
                        at,
                    ),
                );
            }
            (class_name, _) => {
                json::set(&mut pvc, &["status", "phase"], json!("Pending"));
                if world.get_key(&key) == Some(&pvc) {
                    continue;
                }
                world.put(pvc);
                let (reason, message, warning) = match class_name {
                    Some(c) => ("ProvisioningFailed", format!("storageclass.storage.k8s.io \"{c}\" not found"), true),
                    None => (
                        "FailedBinding",
                        "no persistent volumes available for this claim and no storage class is set".to_string(),
                        false,
                    ),
                };
                let (first, last) = (created, now.max(created));
                events::record(
                    world,
                    &involved,
                    EventSpec {
                        warning,
                        first,
                        last,
                        count: (kube_time::secs_between(first, last) / 15 + 1).min(5000),
                        ..EventSpec::once("persistentvolume-controller", reason, message, first)
                    },
                );
            }
        }
    }
}
