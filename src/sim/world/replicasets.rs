//! The ReplicaSet controller: keeps `spec.replicas` active pods, creating them from the template and
//! deleting the least useful ones first, with `SuccessfulCreate`/`SuccessfulDelete` events.
use std::cmp::Reverse;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::events::{self, EventSpec, Involved};
use super::objects::{Key, ObjectSet};
use super::simulate::{self, Mode};
use super::workload_common::{self as common, PodCounts};
use super::{defaults, ids, json, pods, selectors};

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("apps", "ReplicaSet", None) {
        let Some(rs) = world.get_key(&key) else {
            continue;
        };
        if pods::is_deleting(rs) {
            continue;
        }
        let mut rs = rs.clone();
        defaults::replica_set(&mut rs);
        world.put_if_changed(rs.clone());
        let desired = json::i64_at(&rs, &["spec", "replicas"]).unwrap_or(1).max(0);
        let owned = common::owned_keys(world, "", "Pod", &key.namespace, &rs);
        let active: Vec<Key> =
            owned.iter().filter(|k| world.get_key(k).is_some_and(pods::is_active)).cloned().collect();
        let have = active.len() as i64;
        if have < desired {
            let birth = common::birth_time(&rs, now);
            let holding = owned.iter().any(|k| world.get_key(k).is_some_and(pods::is_deleting));
            create_pods(world, &rs, (desired - have) as usize, birth, holding);
        } else if have > desired {
            delete_pods(world, &rs, active, (have - desired) as usize, now);
        }
    }
}

fn create_pods(world: &mut ObjectSet, rs: &Value, count: usize, birth: Timestamp, holding: bool) {
    let ns = json::namespace(rs).to_string();
    let rs_name = json::name(rs).to_string();
    let template = json::get(rs, &["spec", "template"]).cloned().unwrap_or(json!({}));
    // A `terminating` template would make every replacement stuck too; the replacement of a held pod runs.
    let mut extra_annotations = Vec::new();
    if holding && simulate::annotation(&template, "simulate").and_then(Mode::parse) == Some(Mode::Terminating) {
        extra_annotations.push((simulate::SIMULATE.to_string(), "healthy".to_string()));
    }
    let involved = Involved::of(rs);
    let mut attempt = 0usize;
    for _ in 0..count {
        let name = loop {
            let candidate =
                format!("{rs_name}-{}", ids::suffix(&format!("{}/{}/{attempt}", json::uid(rs), birth.as_second()), 5));
            attempt += 1;
            if world.get("", "Pod", &ns, &candidate).is_none() {
                break candidate;
            }
        };
        let pod = pods::build(pods::NewPod {
            template: &template,
            namespace: &ns,
            name: name.clone(),
            generate_name: Some(format!("{rs_name}-")),
            owner: rs,
            extra_labels: vec![],
            extra_annotations: extra_annotations.clone(),
            created: birth,
            hostname: None,
            pinned_node: None,
        });
        world.put(pod);
        events::record(
            world,
            &involved,
            EventSpec::once("replicaset-controller", "SuccessfulCreate", format!("Created pod: {name}"), birth),
        );
    }
}

/// Deletes `count` pods, the least valuable first (unscheduled, pending, not ready, most restarts, newest),
/// as `controller.ActivePods` orders them.
fn delete_pods(world: &mut ObjectSet, rs: &Value, mut active: Vec<Key>, count: usize, now: Timestamp) {
    let rank = |pod: &Value| {
        let assigned = json::str_at(pod, &["spec", "nodeName"]).is_some_and(|n| !n.is_empty());
        let phase = match pods::phase(pod) {
            "Pending" => 0,
            "Running" => 2,
            _ => 1,
        };
        let restarts: i64 = json::array_at(pod, &["status", "containerStatuses"])
            .iter()
            .filter_map(|c| json::i64_at(c, &["restartCount"]))
            .sum();
        let created = pods::created(pod).map_or(0, |t| t.as_second());
        (assigned, phase, pods::is_ready(pod), Reverse(restarts), Reverse(created))
    };
    active.sort_by_key(|k| world.get_key(k).map(rank));
    let involved = Involved::of(rs);
    // The server deletes pods gracefully; the kubelet's `Killing` events follow from the deletion mark.
    for key in active.into_iter().take(count) {
        world.remove(&key);
        events::record(
            world,
            &involved,
            EventSpec::once("replicaset-controller", "SuccessfulDelete", format!("Deleted pod: {}", key.name), now),
        );
    }
}

/// Writes each ReplicaSet's status from its pods.
pub(crate) fn status(world: &mut ObjectSet) {
    for key in world.keys("apps", "ReplicaSet", None) {
        let Some(rs) = world.get_key(&key) else {
            continue;
        };
        let owned = world.owned_by("", "Pod", &key.namespace, "ReplicaSet", &key.name);
        let counts = common::count_pods(world, &owned);
        let template_labels = json!({"matchLabels": json::get(rs, &["spec", "template", "metadata", "labels"])});
        let fully_labeled = owned
            .iter()
            .filter_map(|k| world.get_key(k))
            .filter(|p| pods::is_active(p) && selectors::label_selector_matches(&template_labels, json::labels(p)))
            .count() as i64;
        let status = status_value(rs, counts, fully_labeled);
        if rs.get("status") != Some(&status) {
            let mut updated = rs.clone();
            json::set(&mut updated, &["status"], status);
            world.put(updated);
        }
    }
}

fn status_value(rs: &Value, c: PodCounts, fully_labeled: i64) -> Value {
    let mut s = serde_json::Map::new();
    s.insert("replicas".into(), json!(c.active));
    json::put_nonzero(&mut s, "fullyLabeledReplicas", fully_labeled);
    json::put_nonzero(&mut s, "readyReplicas", c.ready);
    json::put_nonzero(&mut s, "availableReplicas", c.ready);
    s.insert("observedGeneration".into(), json!(common::generation(rs)));
    Value::Object(s)
}
