//! The DaemonSet controller: one pod per eligible node, pinned by node affinity, replaced when the
//! template changes, with the status fields `kubectl get ds` shows.
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::events::{self, EventSpec, Involved};
use super::objects::ObjectSet;
use super::workload_common as common;
use super::{defaults, ids, json, pods, revisions, scheduler};

const REVISION_LABEL: &str = "controller-revision-hash";

/// The node a DaemonSet pod is pinned to.
fn pinned_node(pod: &Value) -> Option<&str> {
    json::str_at(pod, &["spec", "nodeName"]).filter(|n| !n.is_empty()).or_else(|| {
        json::array_at(
            pod,
            &[
                "spec",
                "affinity",
                "nodeAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms",
            ],
        )
        .iter()
        .flat_map(|t| json::array_at(t, &["matchFields"]))
        .find(|f| json::str_at(f, &["key"]) == Some("metadata.name"))
        .and_then(|f| json::array_at(f, &["values"]).first())
        .and_then(Value::as_str)
    })
}

/// Nodes that should run the DaemonSet: its node selector matches and their taints are tolerated.
fn eligible_nodes(world: &ObjectSet, ds: &Value) -> Vec<String> {
    let mut probe = json!({"spec": json::get(ds, &["spec", "template", "spec"]).cloned().unwrap_or(json!({}))});
    json::set(&mut probe, &["metadata", "namespace"], json!(json::namespace(ds)));
    pods::admit(&mut probe, true);
    world
        .list("", "Node", None)
        .into_iter()
        .filter(|n| scheduler::node_eligible(n, &probe))
        .map(|n| json::name(n).to_string())
        .collect()
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("apps", "DaemonSet", None) {
        let Some(ds) = world.get_key(&key) else {
            continue;
        };
        if pods::is_deleting(ds) {
            continue;
        }
        let mut ds = ds.clone();
        defaults::daemon_set(&mut ds);
        world.put_if_changed(ds.clone());
        let birth = common::birth_time(&ds, now);
        // The pods' `controller-revision-hash` is the hash part of the current revision's name.
        let rev = revisions::ensure(world, &ds, birth).hash;
        let involved = Involved::of(&ds);
        let nodes = eligible_nodes(world, &ds);
        let owned = common::owned_keys(world, "", "Pod", &key.namespace, &ds);
        let mut covered = Vec::new();
        for k in &owned {
            let Some(pod) = world.get_key(k) else {
                continue;
            };
            if !pods::is_active(pod) {
                continue;
            }
            let node = pinned_node(pod).unwrap_or("").to_string();
            let outdated = json::label(pod, REVISION_LABEL) != Some(rev.as_str());
            if outdated || !nodes.contains(&node) || covered.contains(&node) {
                world.remove(k);
                events::record(
                    world,
                    &involved,
                    EventSpec::once(
                        "daemonset-controller",
                        "SuccessfulDelete",
                        format!("Deleted pod: {}", k.name),
                        now,
                    ),
                );
            } else {
                covered.push(node);
            }
        }
        let template = json::get(&ds, &["spec", "template"]).cloned().unwrap_or(json!({}));
        let generation = common::generation(&ds).to_string();
        for node in nodes.iter().filter(|n| !covered.contains(n)) {
            let name = format!("{}-{}", key.name, ids::suffix(&format!("{}/{node}/{rev}", json::uid(&ds)), 5));
            let pod = pods::build(pods::NewPod {
                template: &template,
                namespace: &key.namespace,
                name: name.clone(),
                generate_name: Some(format!("{}-", key.name)),
                owner: &ds,
                extra_labels: vec![
                    (REVISION_LABEL.into(), rev.clone()),
                    ("pod-template-generation".into(), generation.clone()),
                ],
                extra_annotations: vec![],
                created: birth,
                hostname: None,
                pinned_node: Some(node.clone()),
            });
            world.put(pod);
            events::record(
                world,
                &involved,
                EventSpec::once("daemonset-controller", "SuccessfulCreate", format!("Created pod: {name}"), birth),
            );
        }
    }
}

pub(crate) fn status(world: &mut ObjectSet) {
    for key in world.keys("apps", "DaemonSet", None) {
        let Some(ds) = world.get_key(&key) else {
            continue;
        };
        let ds = ds.clone();
        let desired = eligible_nodes(world, &ds).len() as i64;
        let owned = common::owned_keys(world, "", "Pod", &key.namespace, &ds);
        let counts = common::count_pods(world, &owned);
        let mut s = Map::new();
        s.insert("currentNumberScheduled".into(), json!(counts.active));
        s.insert("numberMisscheduled".into(), json!(0));
        s.insert("desiredNumberScheduled".into(), json!(desired));
        s.insert("numberReady".into(), json!(counts.ready));
        s.insert("observedGeneration".into(), json!(common::generation(&ds)));
        json::put_nonzero(&mut s, "updatedNumberScheduled", counts.active);
        json::put_nonzero(&mut s, "numberAvailable", counts.ready);
        json::put_nonzero(&mut s, "numberUnavailable", (desired - counts.ready).max(0));
        let mut updated = ds;
        json::set(&mut updated, &["status"], Value::Object(s));
        world.put_if_changed(updated);
    }
}
