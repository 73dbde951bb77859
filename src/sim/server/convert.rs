//! Converting stored objects to the version a request asked for, and back: events.k8s.io/v1 events are
//! core events with renamed fields, EndpointSlices differ between v1beta1 and v1, and 1.19 adds `selfLink`.
use serde_json::{Map, Value, json};

use super::Flavour;
use super::meta;
use super::registry::{self, Resource};

/// The object as `res` serves it: apiVersion and kind set, fields converted, `selfLink` on 1.19.
pub fn to_served(res: &Resource, stored: &Value, flavour: Flavour) -> Value {
    let mut obj = if res.storage == registry::EVENTS && !res.group.is_empty() {
        core_event_to_v1(stored)
    } else if res.storage == registry::ENDPOINT_SLICES {
        endpoint_slice_to(res.version, stored)
    } else {
        stored.clone()
    };
    if let Value::Object(map) = &mut obj {
        map.insert("kind".into(), json!(res.kind));
        map.insert("apiVersion".into(), json!(res.api_version()));
    }
    if flavour == Flavour::V1_19 {
        let link = self_link(res, meta::namespace(&obj), meta::name(&obj));
        meta::metadata_mut(&mut obj).insert("selfLink".into(), json!(link));
    }
    obj
}

/// An incoming object in its stored shape: events.k8s.io events become core events.
pub fn to_storage(res: &Resource, mut incoming: Value) -> Value {
    let api_version = if res.storage == registry::EVENTS && !res.group.is_empty() {
        incoming = v1_event_to_core(&incoming);
        "v1".to_string()
    } else {
        res.api_version()
    };
    if let Value::Object(map) = &mut incoming {
        map.insert("kind".into(), json!(res.kind));
        map.insert("apiVersion".into(), json!(api_version));
    }
    // selfLink is derived on the way out; a copied 1.19 object must not carry a stale one.
    meta::metadata_mut(&mut incoming).remove("selfLink");
    incoming
}

pub fn self_link(res: &Resource, namespace: Option<&str>, name: Option<&str>) -> String {
    let mut link = if res.group.is_empty() {
        format!("/api/{}", res.version)
    } else {
        format!("/apis/{}/{}", res.group, res.version)
    };
    if let Some(ns) = namespace.filter(|_| res.namespaced) {
        link.push_str(&format!("/namespaces/{ns}"));
    }
    link.push('/');
    link.push_str(res.plural);
    if let Some(name) = name {
        link.push('/');
        link.push_str(name);
    }
    link
}

/// Move fields between names, keeping the value (or writing `default` when the source is absent).
fn rename(from: &mut Map<String, Value>, to: &mut Map<String, Value>, old: &str, new: &str, default: Option<Value>) {
    match from.remove(old) {
        Some(v) => {
            to.insert(new.into(), v);
        }
        None => {
            if let Some(d) = default {
                to.insert(new.into(), d);
            }
        }
    }
}

/// core/v1 Event → events.k8s.io/v1 Event, as `events-events-k8s-io-v1.json` shows it.
fn core_event_to_v1(stored: &Value) -> Value {
    let Value::Object(src) = stored else { return stored.clone() };
    let mut src = src.clone();
    let mut out = Map::new();
    for key in ["metadata", "eventTime", "series", "action", "reason", "related", "reportingInstance", "type"] {
        rename(&mut src, &mut out, key, key, None);
    }
    if !out.contains_key("eventTime") {
        out.insert("eventTime".into(), Value::Null);
    }
    rename(&mut src, &mut out, "involvedObject", "regarding", None);
    rename(&mut src, &mut out, "message", "note", None);
    if let Some(controller) = src.remove("reportingComponent").filter(|c| c.as_str().is_some_and(|c| !c.is_empty())) {
        out.insert("reportingController".into(), controller);
    }
    if out.get("reportingInstance").and_then(Value::as_str) == Some("") {
        out.remove("reportingInstance");
    }
    rename(&mut src, &mut out, "source", "deprecatedSource", Some(json!({})));
    rename(&mut src, &mut out, "firstTimestamp", "deprecatedFirstTimestamp", Some(Value::Null));
    rename(&mut src, &mut out, "lastTimestamp", "deprecatedLastTimestamp", Some(Value::Null));
    if let Some(count) = src.remove("count").filter(|c| c.as_i64().is_some_and(|c| c != 0)) {
        out.insert("deprecatedCount".into(), count);
    }
    Value::Object(out)
}

/// events.k8s.io/v1 Event → core/v1 Event.
fn v1_event_to_core(incoming: &Value) -> Value {
    let Value::Object(src) = incoming else { return incoming.clone() };
    let mut src = src.clone();
    let mut out = Map::new();
    for key in ["metadata", "eventTime", "series", "action", "reason", "related", "reportingInstance", "type"] {
        rename(&mut src, &mut out, key, key, None);
    }
    rename(&mut src, &mut out, "regarding", "involvedObject", Some(json!({})));
    rename(&mut src, &mut out, "note", "message", None);
    rename(&mut src, &mut out, "reportingController", "reportingComponent", Some(json!("")));
    rename(&mut src, &mut out, "deprecatedSource", "source", Some(json!({})));
    rename(&mut src, &mut out, "deprecatedFirstTimestamp", "firstTimestamp", Some(Value::Null));
    rename(&mut src, &mut out, "deprecatedLastTimestamp", "lastTimestamp", Some(Value::Null));
    rename(&mut src, &mut out, "deprecatedCount", "count", None);
    Value::Object(out)
}

/// EndpointSlice endpoints: v1beta1 `topology` became `nodeName`, `zone` and `deprecatedTopology` in v1.
fn endpoint_slice_to(version: &str, stored: &Value) -> Value {
    let mut obj = stored.clone();
    let Some(endpoints) = obj.get_mut("endpoints").and_then(Value::as_array_mut) else { return obj };
    for ep in endpoints.iter_mut().filter_map(Value::as_object_mut) {
        if version == "v1" {
            if let Some(Value::Object(mut topology)) = ep.remove("topology") {
                if let Some(node) = topology.remove("kubernetes.io/hostname") {
                    ep.insert("nodeName".into(), node);
                }
                if let Some(zone) = topology.remove("topology.kubernetes.io/zone") {
                    ep.insert("zone".into(), zone);
                }
                if !topology.is_empty() {
                    ep.insert("deprecatedTopology".into(), Value::Object(topology));
                }
            }
        } else {
            let mut topology = match ep.remove("deprecatedTopology") {
                Some(Value::Object(t)) => t,
                _ => Map::new(),
            };
            if let Some(node) = ep.remove("nodeName") {
                topology.insert("kubernetes.io/hostname".into(), node);
            }
            if let Some(zone) = ep.remove("zone") {
                topology.insert("topology.kubernetes.io/zone".into(), zone);
            }
            if !topology.is_empty() {
                ep.insert("topology".into(), Value::Object(topology));
            }
        }
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sim::server::fixture;

    #[test]
    fn core_events_convert_to_events_k8s_io_exactly() {
        let core = fixture("events-core-v1.json");
        let v1 = fixture("events-events-k8s-io-v1.json");
        let res = registry::find(Flavour::V1_19, "events.k8s.io", "v1", "events").expect("events.k8s.io");
        let (Some(core_items), Some(v1_items)) = (core["items"].as_array(), v1["items"].as_array()) else {
            panic!("fixture lists");
        };
        assert_eq!(core_items.len(), v1_items.len());
        for (c, expected) in core_items.iter().zip(v1_items) {
            let mut served = to_served(res, c, Flavour::V1_19);
            let map = served.as_object_mut().expect("object");
            map.remove("kind");
            map.remove("apiVersion");
            assert_eq!(&served, expected);
        }
    }

    #[test]
    fn events_round_trip_through_events_k8s_io() {
        let core = fixture("events-core-v1.json");
        let res = registry::find(Flavour::Modern, "events.k8s.io", "v1", "events").expect("events.k8s.io");
        let core_res = registry::find(Flavour::Modern, "", "v1", "events").expect("events");
        let event = &core["items"][5];
        let back = to_storage(res, to_served(res, event, Flavour::Modern));
        let mut expected = to_storage(core_res, event.clone());
        // eventTime null is kept either way; reportingInstance "" is dropped by the conversion.
        if let Some(map) = expected.as_object_mut() {
            map.retain(|k, v| !(k == "reportingInstance" && v == ""));
        }
        assert_eq!(back["involvedObject"], expected["involvedObject"]);
        assert_eq!(back["message"], expected["message"]);
        assert_eq!(back["count"], expected["count"]);
    }

    #[test]
    fn endpoint_slices_convert_topology() {
        let stored = json!({"apiVersion": "discovery.k8s.io/v1beta1", "kind": "EndpointSlice",
            "metadata": {"name": "web-abc", "namespace": "shop"},
            "endpoints": [{"addresses": ["10.0.0.1"], "topology": {"kubernetes.io/hostname": "node-a"}}]});
        let res = registry::find(Flavour::Modern, "discovery.k8s.io", "v1", "endpointslices").expect("slices");
        let served = to_served(res, &stored, Flavour::Modern);
        assert_eq!(served["apiVersion"], "discovery.k8s.io/v1");
        assert_eq!(served["endpoints"][0]["nodeName"], "node-a");
        assert!(served["endpoints"][0].get("topology").is_none());
        assert!(served["metadata"].get("selfLink").is_none());
    }
}
