//! Core v1 Events in the two dialects a v1.19 cluster writes: the kubelet and controller-manager one
//! (`count`, `firstTimestamp`, `lastTimestamp`, `source`) and the scheduler one (`eventTime`, `action`,
//! `reportingComponent`, null timestamps), exactly as in `events-core-v1.json`.
use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::ObjectSet;
use super::{ids, json, kube_time};

/// The object an event is about, copied out so the world can be written while it is held.
#[derive(Clone, Debug)]
pub(crate) struct Involved {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub api_version: String,
    pub resource_version: Option<String>,
}

impl Involved {
    pub(crate) fn of(obj: &Value) -> Involved {
        Involved {
            kind: json::kind(obj).to_string(),
            namespace: json::namespace(obj).to_string(),
            name: json::name(obj).to_string(),
            uid: json::uid(obj).to_string(),
            api_version: json::api_version(obj).to_string(),
            resource_version: json::str_at(obj, &["metadata", "resourceVersion"]).map(str::to_string),
        }
    }

    fn reference(&self, field_path: Option<&str>) -> Value {
        let mut r = json!({
            "kind": self.kind,
            "name": self.name,
            "uid": self.uid,
            "apiVersion": self.api_version,
        });
        if !self.namespace.is_empty() {
            json::set(&mut r, &["namespace"], json!(self.namespace));
        }
        if let Some(rv) = &self.resource_version {
            json::set(&mut r, &["resourceVersion"], json!(rv));
        }
        if let Some(fp) = field_path {
            json::set(&mut r, &["fieldPath"], json!(fp));
        }
        r
    }

    /// Events about cluster-scoped objects (Nodes) live in `default`, as on a real cluster.
    fn event_namespace(&self) -> &str {
        if self.namespace.is_empty() { "default" } else { &self.namespace }
    }
}

/// One event as a kubelet or a controller of kube-controller-manager records it.
#[derive(Clone, Debug)]
pub(crate) struct EventSpec {
    pub reason: &'static str,
    pub message: String,
    pub warning: bool,
    /// `source.component`: `kubelet`, `deployment-controller`, `replicaset-controller`, ...
    pub component: &'static str,
    /// `source.host`: the node, for kubelet events.
    pub host: Option<String>,
    /// `involvedObject.fieldPath`, e.g. `spec.containers{web}`.
    pub field_path: Option<String>,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: i64,
}

impl EventSpec {
    /// A single occurrence at `at`.
    pub(crate) fn once(component: &'static str, reason: &'static str, message: String, at: Timestamp) -> EventSpec {
        EventSpec {
            reason,
            message,
            warning: false,
            component,
            host: None,
            field_path: None,
            first: at,
            last: at,
            count: 1,
        }
    }
}

/// Event names are `<object>.<16 hex digits>`; the digits are the first occurrence in Unix nanoseconds
/// (as client-go does), nudged by a hash of what the event says so that distinct events never collide.
fn event_name(object: &str, at: Timestamp, what: &str) -> String {
    let nanos = u64::try_from(at.as_nanosecond()).unwrap_or(0);
    let nudge = ids::fnv1a_64(what.as_bytes()) % 1_000_000;
    format!("{object}.{:016x}", nanos.wrapping_add(nudge))
}

/// The Event object for `spec` about `involved`, named `<object>.<16 hex>`; `salt` tells apart events
/// that would otherwise share a name.
pub(crate) fn build(involved: &Involved, spec: &EventSpec, salt: &str) -> Value {
    let what = format!("{}|{}|{}|{salt}", spec.reason, spec.field_path.as_deref().unwrap_or(""), spec.message);
    let name = event_name(&involved.name, spec.first, &what);
    let ns = involved.event_namespace().to_string();
    let mut source = json!({"component": spec.component});
    if let Some(host) = &spec.host {
        json::set(&mut source, &["host"], json!(host));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": ids::uid(&format!("event/{ns}/{name}")),
            "creationTimestamp": kube_time::format(spec.last),
        },
        "involvedObject": involved.reference(spec.field_path.as_deref()),
        "reason": spec.reason,
        "message": spec.message,
        "source": source,
        "firstTimestamp": kube_time::format(spec.first),
        "lastTimestamp": kube_time::format(spec.last),
        "count": spec.count,
        "type": if spec.warning { "Warning" } else { "Normal" },
        "eventTime": null,
        "reportingComponent": "",
        "reportingInstance": "",
    })
}

/// Records a kubelet/controller event unless the same event was already recorded (reconcile is idempotent).
pub(crate) fn record(world: &mut ObjectSet, involved: &Involved, spec: EventSpec) {
    let event = build(involved, &spec, "");
    let exists = world.get("", "Event", json::namespace(&event), json::name(&event)).is_some();
    if !exists {
        world.put(event);
    }
}

/// A scheduler event (`Scheduled` with action `Binding`, `FailedScheduling` with action `Scheduling`) in
/// the dialect the v1.19 scheduler writes through the events.k8s.io API.
pub(crate) fn build_scheduler(pod: &Involved, reason: &'static str, message: &str, at: Timestamp, salt: &str) -> Value {
    let name = event_name(&pod.name, at, &format!("{reason}{salt}"));
    let ns = pod.event_namespace().to_string();
    let warning = reason != "Scheduled";
    let action = if warning { "Scheduling" } else { "Binding" };
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": ids::uid(&format!("event/{ns}/{name}")),
            "creationTimestamp": kube_time::format(at),
        },
        "involvedObject": pod.reference(None),
        "reason": reason,
        "message": message,
        "source": {},
        "firstTimestamp": null,
        "lastTimestamp": null,
        "type": if warning { "Warning" } else { "Normal" },
        "eventTime": kube_time::format_micros(at),
        "action": action,
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-control-plane",
    })
}

/// Records a scheduler event unless it was already recorded.
pub(crate) fn record_scheduler(
    world: &mut ObjectSet,
    pod: &Involved,
    reason: &'static str,
    message: String,
    at: Timestamp,
) {
    let event = build_scheduler(pod, reason, &message, at, "");
    let exists = world.get("", "Event", json::namespace(&event), json::name(&event)).is_some();
    if !exists {
        world.put(event);
    }
}

/// Points events at the resourceVersion their object got once stored: objects created in the same pass
/// as their events had none yet.
pub(crate) fn fill_versions(world: &mut ObjectSet) {
    let mut fixes = Vec::new();
    for event in world.list("", "Event", None) {
        let target = &event["involvedObject"];
        if target.get("resourceVersion").is_some() {
            continue;
        }
        let group = json::group_of(json::str_at(target, &["apiVersion"]).unwrap_or(""));
        let found = world.get(
            group,
            json::str_at(target, &["kind"]).unwrap_or(""),
            json::str_at(target, &["namespace"]).unwrap_or(""),
            json::str_at(target, &["name"]).unwrap_or(""),
        );
        let Some(rv) = found
            .filter(|o| json::uid(o) == json::str_at(target, &["uid"]).unwrap_or(""))
            .and_then(|o| json::str_at(o, &["metadata", "resourceVersion"]))
        else {
            continue;
        };
        let mut fixed = event.clone();
        json::set(&mut fixed, &["involvedObject", "resourceVersion"], json!(rv));
        fixes.push(fixed);
    }
    for fixed in fixes {
        world.put(fixed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_recorded_once_with_fixture_names() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "web-1", "namespace": "shop", "uid": "u-1", "resourceVersion": "7"}});
        let stored = vec![pod.clone()];
        let mut world = ObjectSet::new(&stored);
        let at: Timestamp = "2026-11-22T03:31:05Z".parse().unwrap();
        let involved = Involved::of(&pod);
        let spec = EventSpec {
            host: Some("node-a".into()),
            field_path: Some("spec.containers{web}".into()),
            ..EventSpec::once("kubelet", "Started", "Started container web".into(), at)
        };
        record(&mut world, &involved, spec.clone());
        record(&mut world, &involved, spec);
        record_scheduler(&mut world, &involved, "Scheduled", "Successfully assigned shop/web-1 to node-a".into(), at);
        let events = world.list("", "Event", Some("shop"));
        assert_eq!(events.len(), 2);
        let name = json::name(events[0]);
        let (object, digits) = name.rsplit_once('.').unwrap();
        assert_eq!(object, "web-1");
        assert_eq!(digits.len(), 16);
        let kubelet = events.iter().find(|e| e["reason"] == "Started").unwrap();
        assert_eq!(kubelet["source"], json!({"component": "kubelet", "host": "node-a"}));
        assert_eq!(kubelet["involvedObject"]["fieldPath"], "spec.containers{web}");
        let sched = events.iter().find(|e| e["reason"] == "Scheduled").unwrap();
        assert_eq!(sched["firstTimestamp"], Value::Null);
        assert_eq!(sched["eventTime"], "2026-11-22T03:31:05.000000Z");
    }
}
