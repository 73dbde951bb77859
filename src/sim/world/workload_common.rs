//! Pieces shared by the workload controllers: owned objects, int-or-percent values, status conditions.
use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::{Key, ObjectSet};
use super::{json, kube_time, pods};

/// Resolves an IntOrString such as `25%` against `total` (rounding up or down as the controller does).
pub(crate) fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default: i64) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(pct) => {
                let scaled = total * pct;
                if round_up { (scaled + 99) / 100 } else { scaled / 100 }
            }
            None => s.parse().unwrap_or(default),
        },
        _ => default,
    }
}

/// Keys of the objects of `kind` in `namespace` controlled by `owner` (a `kind`/`name` pair), after
/// pointing their owner reference at the owner's current uid.
pub(crate) fn owned_keys(world: &mut ObjectSet, group: &str, kind: &str, namespace: &str, owner: &Value) -> Vec<Key> {
    let keys = world.owned_by(group, kind, namespace, json::kind(owner), json::name(owner));
    let owner_uid = json::uid(owner);
    for k in &keys {
        let stale = world
            .get_key(k)
            .and_then(pods::controller_of)
            .is_some_and(|r| !owner_uid.is_empty() && json::str_at(r, &["uid"]) != Some(owner_uid));
        if let Some(obj) = world.get_key(k).filter(|_| stale) {
            let mut fixed = obj.clone();
            pods::repair_owner_uid(&mut fixed, owner);
            world.put(fixed);
        }
    }
    keys
}

/// Whether the controller has never written a status for `obj` (the scenario just created it): what it
/// creates then inherits its creation time, so a scenario's "created 2h ago" reads true all the way down.
pub(crate) fn birth_time(obj: &Value, now: Timestamp) -> Timestamp {
    if json::get(obj, &["status", "observedGeneration"]).is_none() {
        pods::created(obj).unwrap_or(now).min(now)
    } else {
        now
    }
}

/// A Deployment/StatefulSet-style condition, keeping its times when nothing about it changed.
pub(crate) fn condition(
    existing: &[Value],
    kind: &str,
    status: bool,
    reason: &str,
    message: &str,
    changed_at: Timestamp,
    transition_if_new: Timestamp,
) -> Value {
    let status = if status { "True" } else { "False" };
    let old = existing.iter().find(|c| json::str_at(c, &["type"]) == Some(kind));
    let at = kube_time::format(changed_at);
    let (update, transition) = match old {
        Some(o) if json::str_at(o, &["status"]) == Some(status) => {
            let transition = json::str_at(o, &["lastTransitionTime"]).unwrap_or(&at).to_string();
            let update =
                if json::str_at(o, &["reason"]) == Some(reason) && json::str_at(o, &["message"]) == Some(message) {
                    json::str_at(o, &["lastUpdateTime"]).unwrap_or(&at).to_string()
                } else {
                    at.clone()
                };
            (update, transition)
        }
        _ => (at, kube_time::format(transition_if_new)),
    };
    json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": update,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    })
}

/// Counts over a set of pods as workload statuses report them.
#[derive(Default, Debug, Clone, Copy)]
pub(crate) struct PodCounts {
    pub active: i64,
    pub ready: i64,
    /// When the last of the ready pods became ready.
    pub ready_at: Option<Timestamp>,
}

pub(crate) fn count_pods(world: &ObjectSet, keys: &[Key]) -> PodCounts {
    let mut c = PodCounts::default();
    for pod in keys.iter().filter_map(|k| world.get_key(k)) {
        if !pods::is_active(pod) {
            continue;
        }
        c.active += 1;
        if pods::is_ready(pod) {
            c.ready += 1;
            if let Some(t) = pods::ready_since(pod) {
                c.ready_at = Some(c.ready_at.map_or(t, |r| r.max(t)));
            }
        }
    }
    c
}

pub(crate) fn generation(obj: &Value) -> i64 {
    json::i64_at(obj, &["metadata", "generation"]).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_like_the_controller() {
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, true, 0), 1);
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, false, 0), 0);
        assert_eq!(int_or_percent(Some(&json!(2)), 3, false, 0), 2);
        assert_eq!(int_or_percent(None, 3, false, 1), 1);
    }
}
