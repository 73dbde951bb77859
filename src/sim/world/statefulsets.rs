//! The StatefulSet controller: pods `<name>-0..n` with stable hostnames, one PersistentVolumeClaim per
//! claim template and ordinal, ordered start (a pod that is not ready holds back the next one), updates
//! by replacing outdated pods, and the status a real controller writes.
use std::collections::HashSet;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::events::{self, EventSpec, Involved};
use super::objects::{Key, ObjectSet};
use super::workload_common as common;
use super::{defaults, ids, json, kube_time, pods, revisions};

const REVISION_LABEL: &str = "controller-revision-hash";

/// The pods' `controller-revision-hash`: the full name of the revision of the current template.
fn revision(world: &ObjectSet, sts: &Value) -> String {
    revisions::find(world, sts).map(|r| r.name).unwrap_or_else(|| {
        format!(
            "{}-{}",
            json::name(sts),
            ids::template_hash(json::get(sts, &["spec", "template"]).unwrap_or(&Value::Null))
        )
    })
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("apps", "StatefulSet", None) {
        let Some(sts) = world.get_key(&key) else {
            continue;
        };
        if pods::is_deleting(sts) {
            continue;
        }
        let mut sts = sts.clone();
        defaults::stateful_set(&mut sts);
        world.put_if_changed(sts.clone());
        reconcile_one(world, &key, &sts, now);
    }
}

fn reconcile_one(world: &mut ObjectSet, key: &Key, sts: &Value, now: Timestamp) {
    let replicas = json::i64_at(sts, &["spec", "replicas"]).unwrap_or(1).max(0);
    let rev = revisions::ensure(world, sts, common::birth_time(sts, now)).name;
    let involved = Involved::of(sts);
    let birth = common::birth_time(sts, now);
    let ordered = json::str_at(sts, &["spec", "podManagementPolicy"]) != Some("Parallel");
    let owned = common::owned_keys(world, "", "Pod", &key.namespace, sts);
    let mut removed: HashSet<String> = HashSet::new();
    // Scale down and replace outdated pods.
    for k in &owned {
        let Some(pod) = world.get_key(k) else {
            continue;
        };
        let ordinal = k.name.rsplit_once('-').and_then(|(_, o)| o.parse::<i64>().ok()).unwrap_or(i64::MAX);
        let outdated = json::label(pod, REVISION_LABEL) != Some(rev.as_str());
        if pods::is_active(pod) && (ordinal >= replicas || outdated) {
            world.remove(k);
            removed.insert(k.name.clone());
            events::record(
                world,
                &involved,
                EventSpec::once(
                    "statefulset-controller",
                    "SuccessfulDelete",
                    format!("delete Pod {} in StatefulSet {} successful", k.name, key.name),
                    now,
                ),
            );
        }
    }
    let service = json::str_at(sts, &["spec", "serviceName"]).unwrap_or("").to_string();
    let template = json::get(sts, &["spec", "template"]).cloned().unwrap_or(json!({}));
    let claims = json::array_at(sts, &["spec", "volumeClaimTemplates"]).to_vec();
    for ordinal in 0..replicas {
        let name = format!("{}-{ordinal}", key.name);
        if removed.contains(&name) {
            // Recreated once the server has removed the old one.
            return;
        }
        if let Some(existing) = world.get("", "Pod", &key.namespace, &name) {
            if ordered && !(pods::is_ready(existing) && pods::is_active(existing)) {
                return;
            }
            continue;
        }
        let mut tpl = template.clone();
        for claim in &claims {
            let claim_name = format!("{}-{name}", json::name(claim));
            ensure_claim(world, sts, claim, &claim_name, &name, birth);
            let vols = json::object_mut(&mut tpl, &["spec"]).entry("volumes").or_insert(json!([]));
            if let Some(vols) = vols.as_array_mut() {
                vols.push(json!({"name": json::name(claim), "persistentVolumeClaim": {"claimName": claim_name}}));
            }
        }
        let pod = pods::build(pods::NewPod {
            template: &tpl,
            namespace: &key.namespace,
            name: name.clone(),
            generate_name: Some(format!("{}-", key.name)),
            owner: sts,
            extra_labels: vec![
                (REVISION_LABEL.into(), rev.clone()),
                ("statefulset.kubernetes.io/pod-name".into(), name.clone()),
            ],
            extra_annotations: vec![],
            created: birth,
            hostname: (!service.is_empty()).then(|| (name.clone(), service.clone())),
            pinned_node: None,
        });
        world.put(pod);
        events::record(
            world,
            &involved,
            EventSpec::once(
                "statefulset-controller",
                "SuccessfulCreate",
                format!("create Pod {name} in StatefulSet {} successful", key.name),
                birth,
            ),
        );
        if ordered {
            // The next ordinal waits until this one is Ready (on a later pass).
            return;
        }
    }
}

fn ensure_claim(world: &mut ObjectSet, sts: &Value, claim: &Value, claim_name: &str, pod: &str, birth: Timestamp) {
    let ns = json::namespace(sts);
    if world.get("", "PersistentVolumeClaim", ns, claim_name).is_some() {
        return;
    }
    let labels = json::object_at(sts, &["spec", "selector", "matchLabels"]).cloned().unwrap_or_default();
    let spec = json::get(claim, &["spec"]).cloned().unwrap_or(json!({}));
    world.put(json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": claim_name,
            "namespace": ns,
            "uid": ids::uid(&format!("pvc/{ns}/{claim_name}")),
            "creationTimestamp": kube_time::format(birth),
            "labels": Value::Object(labels),
        },
        "spec": spec,
        "status": {"phase": "Pending"},
    }));
    events::record(
        world,
        &Involved::of(sts),
        EventSpec::once(
            "statefulset-controller",
            "SuccessfulCreate",
            format!("create Claim {claim_name} Pod {pod} in StatefulSet {} success", json::name(sts)),
            birth,
        ),
    );
}

pub(crate) fn status(world: &mut ObjectSet) {
    for key in world.keys("apps", "StatefulSet", None) {
        let Some(sts) = world.get_key(&key) else {
            continue;
        };
        let sts = sts.clone();
        let rev = revision(world, &sts);
        let owned = common::owned_keys(world, "", "Pod", &key.namespace, &sts);
        let counts = common::count_pods(world, &owned);
        let current = owned
            .iter()
            .filter_map(|k| world.get_key(k))
            .filter(|p| pods::is_active(p) && json::label(p, REVISION_LABEL) == Some(rev.as_str()))
            .count() as i64;
        let mut s = Map::new();
        s.insert("observedGeneration".into(), json!(common::generation(&sts)));
        s.insert("replicas".into(), json!(counts.active));
        json::put_nonzero(&mut s, "readyReplicas", counts.ready);
        json::put_nonzero(&mut s, "currentReplicas", current);
        json::put_nonzero(&mut s, "updatedReplicas", current);
        s.insert("currentRevision".into(), json!(rev));
        s.insert("updateRevision".into(), json!(rev));
        s.insert("collisionCount".into(), json!(0));
        let mut updated = sts;
        json::set(&mut updated, &["status"], Value::Object(s));
        world.put_if_changed(updated);
    }
}
