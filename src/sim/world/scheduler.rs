//! The default scheduler, reduced to what shows: node fit by resources, taints, node selectors and
//! affinity to a node name, round-robin over the nodes that fit, and the events and Unschedulable
//! condition with the scheduler's own wording (`0/3 nodes are available: 3 Insufficient cpu.`).
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::events::{self, Involved};
use super::objects::{Key, ObjectSet};
use super::simulate::{self, Mode};
use super::{json, kube_time, pods, quantity};

struct NodeInfo {
    name: String,
    labels: serde_json::Map<String, Value>,
    taints: Vec<Value>,
    ready: bool,
    unschedulable: bool,
    cpu: i64,
    memory: i64,
    max_pods: i64,
    used_cpu: i64,
    used_memory: i64,
    used_pods: i64,
}

impl NodeInfo {
    fn of(node: &Value) -> NodeInfo {
        let alloc = |res: &str| json::str_at(node, &["status", "allocatable", res]);
        let ready = json::array_at(node, &["status", "conditions"])
            .iter()
            .any(|c| json::str_at(c, &["type"]) == Some("Ready") && json::str_at(c, &["status"]) == Some("True"));
        NodeInfo {
            name: json::name(node).to_string(),
            labels: json::labels(node).cloned().unwrap_or_default(),
            taints: json::array_at(node, &["spec", "taints"]).to_vec(),
            ready,
            unschedulable: json::get(node, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true),
            cpu: alloc("cpu").and_then(quantity::cpu_millis).unwrap_or(0),
            memory: alloc("memory").and_then(quantity::bytes).unwrap_or(0),
            max_pods: alloc("pods").and_then(|p| p.parse().ok()).unwrap_or(110),
            used_cpu: 0,
            used_memory: 0,
            used_pods: 0,
        }
    }
}

/// The reasons a node does not fit a pod, in the scheduler's words.
fn misfits(node: &NodeInfo, pod: &Value, (cpu, memory): (i64, i64)) -> Vec<String> {
    let mut reasons = Vec::new();
    if node.unschedulable {
        reasons.push("node(s) were unschedulable".to_string());
        return reasons;
    }
    let tolerations = json::array_at(pod, &["spec", "tolerations"]);
    let mut taints: Vec<Value> = node.taints.clone();
    if !node.ready && taints.is_empty() {
        taints.push(json!({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}));
    }
    for taint in &taints {
        let effect = json::str_at(taint, &["effect"]).unwrap_or("");
        if effect == "PreferNoSchedule" || tolerations.iter().any(|t| tolerates(t, taint)) {
            continue;
        }
        reasons.push(format!(
            "node(s) had taint {{{}: {}}}, that the pod didn't tolerate",
            json::str_at(taint, &["key"]).unwrap_or(""),
            json::str_at(taint, &["value"]).unwrap_or("")
        ));
        return reasons;
    }
    if !node_selector_matches(node, pod) {
        reasons.push("node(s) didn't match node selector".to_string());
        return reasons;
    }
    if node.used_pods + 1 > node.max_pods {
        reasons.push("Too many pods".to_string());
    }
    if cpu > 0 && node.used_cpu + cpu > node.cpu {
        reasons.push("Insufficient cpu".to_string());
    }
    if memory > 0 && node.used_memory + memory > node.memory {
        reasons.push("Insufficient memory".to_string());
    }
    reasons
}

fn tolerates(toleration: &Value, taint: &Value) -> bool {
    let t = |f: &str| json::str_at(toleration, &[f]).unwrap_or("");
    let n = |f: &str| json::str_at(taint, &[f]).unwrap_or("");
    if !t("effect").is_empty() && t("effect") != n("effect") {
        return false;
    }
    match t("operator") {
        "Exists" => t("key").is_empty() || t("key") == n("key"),
        _ => t("key") == n("key") && t("value") == n("value"),
    }
}

fn node_selector_matches(node: &NodeInfo, pod: &Value) -> bool {
    let label = |k: &str| node.labels.get(k).and_then(Value::as_str);
    if let Some(sel) = json::object_at(pod, &["spec", "nodeSelector"])
        && !sel.iter().all(|(k, v)| label(k) == v.as_str())
    {
        return false;
    }
    let terms = json::array_at(
        pod,
        &["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"],
    );
    if terms.is_empty() {
        return true;
    }
    terms.iter().any(|term| {
        let exprs_ok = json::array_at(term, &["matchExpressions"])
            .iter()
            .all(|e| requirement_matches(e, label(json::str_at(e, &["key"]).unwrap_or(""))));
        let fields_ok = json::array_at(term, &["matchFields"]).iter().all(|e| {
            let value = (json::str_at(e, &["key"]) == Some("metadata.name")).then_some(node.name.as_str());
            requirement_matches(e, value)
        });
        exprs_ok && fields_ok
    })
}

fn requirement_matches(req: &Value, value: Option<&str>) -> bool {
    let values: Vec<&str> = json::array_at(req, &["values"]).iter().filter_map(Value::as_str).collect();
    let num = |s: &str| s.parse::<i64>().ok();
    match json::str_at(req, &["operator"]).unwrap_or("") {
        "In" => value.is_some_and(|v| values.contains(&v)),
        "NotIn" => value.is_none_or(|v| !values.contains(&v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" => matches!((value.and_then(num), values.first().and_then(|v| num(v))), (Some(a), Some(b)) if a > b),
        "Lt" => matches!((value.and_then(num), values.first().and_then(|v| num(v))), (Some(a), Some(b)) if a < b),
        _ => false,
    }
}

/// `0/3 nodes are available: 1 node(s) had taint {…}, that the pod didn't tolerate, 2 Insufficient cpu.`
fn unschedulable_message(total: usize, reasons: &BTreeMap<String, usize>) -> String {
    let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    format!("0/{total} nodes are available: {}.", parts.join(", "))
}

/// Whether `node` could run `pod` at all, leaving resources aside (the DaemonSet controller's question).
pub(crate) fn node_eligible(node: &Value, pod: &Value) -> bool {
    misfits(&NodeInfo::of(node), pod, (0, 0)).is_empty()
}

/// Why no node can take the pod because of its claims: a claim that does not exist, or one not bound yet.
fn claim_problem(world: &ObjectSet, pod: &Value) -> Option<String> {
    let ns = json::namespace(pod);
    for v in json::array_at(pod, &["spec", "volumes"]) {
        let Some(claim) = json::str_at(v, &["persistentVolumeClaim", "claimName"]) else {
            continue;
        };
        match world.get("", "PersistentVolumeClaim", ns, claim) {
            None => return Some(format!("persistentvolumeclaim \"{claim}\" not found")),
            Some(pvc) if json::str_at(pvc, &["status", "phase"]) != Some("Bound") => {
                return Some("pod has unbound immediate PersistentVolumeClaims".to_string());
            }
            Some(_) => {}
        }
    }
    None
}

/// Whether the scheduler still has to place this pod.
pub(crate) fn needs_scheduling(pod: &Value) -> bool {
    json::str_at(pod, &["spec", "nodeName"]).is_none_or(str::is_empty)
        && pods::is_active(pod)
        && simulate::mode_of(pod) != Mode::Static
}

/// Admission for pods written directly (not by a controller): the same defaults a controller's pods get.
fn admit_bare_pods(world: &mut ObjectSet) {
    let unadmitted: Vec<Key> = world
        .keys("", "Pod", None)
        .into_iter()
        .filter(|k| {
            world.get_key(k).is_some_and(|p| {
                simulate::mode_of(p) != Mode::Static
                    && (json::get(p, &["spec", "serviceAccountName"]).is_none()
                        || json::get(p, &["spec", "schedulerName"]).is_none())
            })
        })
        .collect();
    for key in unadmitted {
        if let Some(pod) = world.get_key(&key) {
            let mut pod = pod.clone();
            pods::admit(&mut pod, false);
            if json::get(&pod, &["status", "qosClass"]).is_none() {
                let qos = pods::qos_class(&pod);
                json::set(&mut pod, &["status", "qosClass"], json!(qos));
                json::set_default(&mut pod, &["status", "phase"], json!("Pending"));
            }
            world.put(pod);
        }
    }
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    admit_bare_pods(world);
    let pending: Vec<Key> =
        world.keys("", "Pod", None).into_iter().filter(|k| world.get_key(k).is_some_and(needs_scheduling)).collect();
    if pending.is_empty() {
        return;
    }
    let mut nodes: Vec<NodeInfo> = world.list("", "Node", None).into_iter().map(NodeInfo::of).collect();
    let mut scheduled = 0usize;
    {
        let index: BTreeMap<String, usize> = nodes.iter().enumerate().map(|(i, n)| (n.name.clone(), i)).collect();
        for pod in world.list("", "Pod", None) {
            let Some(node) = json::str_at(pod, &["spec", "nodeName"]).filter(|n| !n.is_empty()) else {
                continue;
            };
            if !pods::is_active(pod) {
                continue;
            }
            scheduled += 1;
            if let Some(&i) = index.get(node) {
                let (cpu, mem) = pods::requests(pod);
                nodes[i].used_cpu += cpu;
                nodes[i].used_memory += mem;
                nodes[i].used_pods += 1;
            }
        }
    }
    let mut cursor = if nodes.is_empty() { 0 } else { scheduled % nodes.len() };
    for key in pending {
        let Some(pod) = world.get_key(&key) else {
            continue;
        };
        let pod = pod.clone();
        let involved = Involved::of(&pod);
        let created = pods::created(&pod).unwrap_or(now);
        let request = pods::requests(&pod);
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut chosen = None;
        let mut whole_message = None;
        if simulate::mode_of(&pod) == Mode::Unschedulable {
            reasons.insert("Insufficient cpu".to_string(), nodes.len());
        } else if let Some(problem) = claim_problem(world, &pod) {
            if problem.starts_with("persistentvolumeclaim") {
                whole_message = Some(problem);
            } else {
                reasons.insert(problem, nodes.len());
            }
        } else {
            for step in 0..nodes.len() {
                let i = (cursor + step) % nodes.len();
                let misfit = misfits(&nodes[i], &pod, request);
                if misfit.is_empty() {
                    chosen = Some(i);
                    break;
                }
                for r in misfit {
                    *reasons.entry(r).or_default() += 1;
                }
            }
        }
        match chosen {
            Some(i) => {
                let count = nodes.len();
                let node = &mut nodes[i];
                node.used_cpu += request.0;
                node.used_memory += request.1;
                node.used_pods += 1;
                cursor = (i + 1) % count;
                let was_waiting = !json::array_at(&pod, &["status", "conditions"]).is_empty();
                let mut bound = pod;
                json::set(&mut bound, &["spec", "nodeName"], json!(node.name));
                let qos = pods::qos_class(&bound);
                json::set(&mut bound, &["status"], json!({"phase": "Pending", "qosClass": qos}));
                let at = if was_waiting { now } else { created };
                let message = format!("Successfully assigned {}/{} to {}", key.namespace, key.name, node.name);
                world.put(bound);
                events::record_scheduler(world, &involved, "Scheduled", message, at);
            }
            None => {
                let message = if let Some(m) = whole_message {
                    m
                } else if nodes.is_empty() {
                    "no nodes available to schedule pods".to_string()
                } else {
                    unschedulable_message(nodes.len(), &reasons)
                };
                let transition = json::array_at(&pod, &["status", "conditions"])
                    .iter()
                    .find(|c| json::str_at(c, &["type"]) == Some("PodScheduled"))
                    .and_then(|c| json::str_at(c, &["lastTransitionTime"]))
                    .map(str::to_string)
                    .unwrap_or_else(|| kube_time::format(created));
                let qos = pods::qos_class(&pod);
                let mut waiting = pod;
                json::set(
                    &mut waiting,
                    &["status"],
                    json!({
                        "phase": "Pending",
                        "conditions": [{
                            "type": "PodScheduled",
                            "status": "False",
                            "lastProbeTime": null,
                            "lastTransitionTime": transition,
                            "reason": "Unschedulable",
                            "message": message,
                        }],
                        "qosClass": qos,
                    }),
                );
                // The scheduler reports each new reason once; an unchanged verdict writes nothing.
                if world.get_key(&key) != Some(&waiting) {
                    world.put(waiting);
                    events::record_scheduler(world, &involved, "FailedScheduling", message, created);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_the_scheduler() {
        let mut reasons = BTreeMap::new();
        reasons.insert("Insufficient cpu".to_string(), 3);
        assert_eq!(unschedulable_message(3, &reasons), "0/3 nodes are available: 3 Insufficient cpu.");
        reasons.insert("node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate".into(), 1);
        assert_eq!(
            unschedulable_message(4, &reasons),
            "0/4 nodes are available: 1 node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate, 3 Insufficient cpu."
        );
    }

    #[test]
    fn tolerations_match_taints() {
        let taint = json!({"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"});
        assert!(tolerates(&json!({"operator": "Exists"}), &taint));
        assert!(!tolerates(
            &json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}),
            &taint
        ));
    }
}
