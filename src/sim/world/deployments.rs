//! The Deployment controller: one ReplicaSet per pod template (`<name>-<pod-template-hash>`), the newest
//! scaled to `spec.replicas` and the others to 0 (rollouts are instant), revisions, `ScalingReplicaSet`
//! events, and the status and conditions a real controller writes (`deployments-list.json`).
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::events::{self, EventSpec, Involved};
use super::objects::{Key, ObjectSet};
use super::workload_common::{self as common};
use super::{defaults, ids, json, kube_time, pods};

pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH_LABEL: &str = "pod-template-hash";

fn revision(obj: &Value) -> i64 {
    json::annotation(obj, REVISION).and_then(|r| r.parse().ok()).unwrap_or(0)
}

fn replicas(obj: &Value) -> i64 {
    json::i64_at(obj, &["spec", "replicas"]).unwrap_or(1).max(0)
}

/// The pod-template-hash of a (defaulted) Deployment's template.
fn hash_of(deployment: &Value) -> String {
    ids::template_hash(json::get(deployment, &["spec", "template"]).unwrap_or(&Value::Null))
}

fn max_surge(deployment: &Value, desired: i64) -> i64 {
    common::int_or_percent(json::get(deployment, &["spec", "strategy", "rollingUpdate", "maxSurge"]), desired, true, 1)
}

fn max_unavailable(deployment: &Value, desired: i64) -> i64 {
    if json::str_at(deployment, &["spec", "strategy", "type"]) == Some("Recreate") {
        return desired;
    }
    common::int_or_percent(
        json::get(deployment, &["spec", "strategy", "rollingUpdate", "maxUnavailable"]),
        desired,
        false,
        0,
    )
}

/// The ReplicaSet for `template` of `deployment`, as the controller creates it.
fn new_replica_set(deployment: &Value, hash: &str, revision: i64, desired: i64, created: Timestamp) -> Value {
    let ns = json::namespace(deployment);
    let name = format!("{}-{hash}", json::name(deployment));
    let mut template = json::get(deployment, &["spec", "template"]).cloned().unwrap_or(json!({}));
    json::set(&mut template, &["metadata", "labels", HASH_LABEL], json!(hash));
    let labels = json::get(&template, &["metadata", "labels"]).cloned().unwrap_or(json!({}));
    let mut selector = json::get(deployment, &["spec", "selector"]).cloned().unwrap_or(json!({}));
    json::set(&mut selector, &["matchLabels", HASH_LABEL], json!(hash));
    let mut metadata = json!({
        "name": name,
        "namespace": ns,
        "uid": ids::uid(&format!("rs/{ns}/{name}/{}", created.as_second())),
        "generation": 1,
        "creationTimestamp": kube_time::format(created),
        "annotations": {
            "deployment.kubernetes.io/desired-replicas": desired.to_string(),
            "deployment.kubernetes.io/max-replicas": (desired + max_surge(deployment, desired)).to_string(),
            REVISION: revision.to_string(),
        },
    });
    json::set(&mut metadata, &["labels"], labels);
    json::set(&mut metadata, &["ownerReferences"], Value::Array(vec![pods::owner_ref(deployment)]));
    json::object([
        ("apiVersion", json!("apps/v1")),
        ("kind", json!("ReplicaSet")),
        ("metadata", metadata),
        ("spec", json::object([("replicas", json!(desired)), ("selector", selector), ("template", template)])),
    ])
}

/// Sets a ReplicaSet's replicas (bumping its generation) and the annotations that mirror the Deployment.
fn scale(rs: &mut Value, to: i64, deployment: &Value, desired: i64, revision: Option<i64>) {
    if replicas(rs) != to {
        json::set(rs, &["spec", "replicas"], json!(to));
        let generation = common::generation(rs) + 1;
        json::set(rs, &["metadata", "generation"], json!(generation));
    }
    let annotations = json::object_mut(rs, &["metadata", "annotations"]);
    annotations.insert("deployment.kubernetes.io/desired-replicas".into(), json!(desired.to_string()));
    annotations.insert(
        "deployment.kubernetes.io/max-replicas".into(),
        json!((desired + max_surge(deployment, desired)).to_string()),
    );
    if let Some(r) = revision {
        annotations.insert(REVISION.into(), json!(r.to_string()));
    }
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("apps", "Deployment", None) {
        let Some(d) = world.get_key(&key) else {
            continue;
        };
        if pods::is_deleting(d) {
            continue;
        }
        let mut d = d.clone();
        defaults::deployment(&mut d);
        rollout(world, &key, &mut d, now);
        world.put_if_changed(d);
    }
}

fn rollout(world: &mut ObjectSet, key: &Key, d: &mut Value, now: Timestamp) {
    let desired = replicas(d);
    let hash = hash_of(d);
    let paused = json::get(d, &["spec", "paused"]).and_then(Value::as_bool) == Some(true);
    let involved = Involved::of(d);
    let owned = common::owned_keys(world, "apps", "ReplicaSet", &key.namespace, d);
    let max_revision = owned.iter().filter_map(|k| world.get_key(k)).map(revision).max().unwrap_or(0);
    let current_key = owned
        .iter()
        .find(|k| world.get_key(k).and_then(|rs| json::label(rs, HASH_LABEL)) == Some(hash.as_str()))
        .cloned();
    let scaling = |world: &mut ObjectSet, rs: &str, from: i64, to: i64, at: Timestamp| {
        let verb = if to > from { "up" } else { "down" };
        events::record(
            world,
            &involved,
            EventSpec::once(
                "deployment-controller",
                "ScalingReplicaSet",
                format!("Scaled {verb} replica set {rs} to {to}"),
                at,
            ),
        );
    };
    let current_revision = match current_key {
        Some(ck) => {
            let Some(rs) = world.get_key(&ck) else {
                return;
            };
            let mut rs = rs.clone();
            let from = replicas(&rs);
            // Rolling back to an older template makes its ReplicaSet the newest revision again.
            let own = revision(&rs);
            let rev = if own < max_revision { max_revision + 1 } else { own.max(1) };
            scale(&mut rs, desired, d, desired, Some(rev));
            world.put_if_changed(rs);
            if from != desired {
                scaling(world, &ck.name, from, desired, now);
            }
            Some(rev)
        }
        None if !paused => {
            let birth = common::birth_time(d, now);
            let rev = max_revision + 1;
            let rs = new_replica_set(d, &hash, rev, desired, birth);
            let name = json::name(&rs).to_string();
            world.put(rs);
            if desired > 0 {
                scaling(world, &name, 0, desired, birth);
            }
            Some(rev)
        }
        None => None,
    };
    if current_revision.is_some() {
        for k in &owned {
            if world.get_key(k).and_then(|rs| json::label(rs, HASH_LABEL)) == Some(hash.as_str()) {
                continue;
            }
            let Some(rs) = world.get_key(k) else {
                continue;
            };
            let from = replicas(rs);
            if from == 0 {
                continue;
            }
            let mut rs = rs.clone();
            scale(&mut rs, 0, d, desired, None);
            world.put(rs);
            scaling(world, &k.name, from, 0, now);
        }
        prune_history(world, d, &owned, &hash);
    }
    if let Some(rev) = current_revision {
        json::set(d, &["metadata", "annotations", REVISION], json!(rev.to_string()));
    }
}

/// Deletes the oldest scaled-down ReplicaSets beyond `revisionHistoryLimit`.
fn prune_history(world: &mut ObjectSet, d: &Value, owned: &[Key], hash: &str) {
    let limit = json::i64_at(d, &["spec", "revisionHistoryLimit"]).unwrap_or(10).max(0) as usize;
    let mut old: Vec<(i64, Key)> = owned
        .iter()
        .filter_map(|k| world.get_key(k).map(|rs| (rs, k)))
        .filter(|(rs, _)| json::label(rs, HASH_LABEL) != Some(hash) && replicas(rs) == 0)
        .map(|(rs, k)| (revision(rs), k.clone()))
        .collect();
    if old.len() <= limit {
        return;
    }
    old.sort();
    let excess = old.len() - limit;
    for (_, k) in old.into_iter().take(excess) {
        let has_pods =
            world.list("", "Pod", Some(&k.namespace)).iter().any(|p| pods::controlled_by(p, "ReplicaSet", &k.name));
        if !has_pods {
            world.remove(&k);
        }
    }
}

/// Writes each Deployment's status and conditions from its ReplicaSets' pods.
pub(crate) fn status(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("apps", "Deployment", None) {
        let Some(d) = world.get_key(&key) else {
            continue;
        };
        let hash = hash_of(d);
        let owned = world.owned_by("apps", "ReplicaSet", &key.namespace, "Deployment", &key.name);
        let mut all_pods = Vec::new();
        let mut new_pods = Vec::new();
        let mut current: Option<&Value> = None;
        for k in &owned {
            let Some(rs) = world.get_key(k) else {
                continue;
            };
            let is_new = json::label(rs, HASH_LABEL) == Some(hash.as_str());
            if is_new {
                current = Some(rs);
            }
            let pods = world.owned_by("", "Pod", &key.namespace, "ReplicaSet", &k.name);
            if is_new {
                new_pods.extend(pods.iter().cloned());
            }
            all_pods.extend(pods);
        }
        let all = common::count_pods(world, &all_pods);
        let updated = common::count_pods(world, &new_pods);
        let desired = replicas(d);
        let mut s = Map::new();
        s.insert("observedGeneration".into(), json!(common::generation(d)));
        json::put_nonzero(&mut s, "replicas", all.active);
        json::put_nonzero(&mut s, "updatedReplicas", updated.active);
        json::put_nonzero(&mut s, "readyReplicas", all.ready);
        json::put_nonzero(&mut s, "availableReplicas", all.ready);
        json::put_nonzero(&mut s, "unavailableReplicas", (desired - all.ready).max(0));

        let existing = json::array_at(d, &["status", "conditions"]);
        let rs_name = current.map(json::name).unwrap_or_default().to_string();
        let progress_start = current.and_then(pods::created).or_else(|| pods::created(d)).unwrap_or(now);
        let ready_at = all.ready_at.unwrap_or(progress_start).max(progress_start);
        let available = all.ready >= desired - max_unavailable(d, desired);
        let was_available = existing
            .iter()
            .any(|c| json::str_at(c, &["type"]) == Some("Available") && json::str_at(c, &["status"]) == Some("True"));
        let available_condition = if available {
            common::condition(
                existing,
                "Available",
                true,
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                ready_at,
                ready_at,
            )
        } else {
            let at = if was_available { now } else { progress_start };
            common::condition(
                existing,
                "Available",
                false,
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                at,
                at,
            )
        };
        let complete = updated.active == desired && updated.ready == desired && all.active == desired;
        let deadline = json::i64_at(d, &["spec", "progressDeadlineSeconds"]).unwrap_or(600);
        let timed_out_at = kube_time::plus(progress_start, deadline);
        let progressing_condition = if complete {
            common::condition(
                existing,
                "Progressing",
                true,
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                ready_at,
                progress_start,
            )
        } else if timed_out_at < now {
            common::condition(
                existing,
                "Progressing",
                false,
                "ProgressDeadlineExceeded",
                &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                timed_out_at,
                timed_out_at,
            )
        } else {
            common::condition(
                existing,
                "Progressing",
                true,
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{rs_name}\" is progressing."),
                progress_start,
                progress_start,
            )
        };
        let mut conditions = vec![available_condition];
        if current.is_some() {
            conditions.push(progressing_condition);
        }
        s.insert("conditions".into(), Value::Array(conditions));
        let status = Value::Object(s);
        if d.get("status") != Some(&status) {
            let mut updated = d.clone();
            json::set(&mut updated, &["status"], status);
            world.put(updated);
        }
    }
}
