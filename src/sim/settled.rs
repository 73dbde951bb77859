//! For unit tests: the demo world as `mosaic demo` serves it, once the simulated controllers have nothing left
//! to do, without starting a server.
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::types::Change;
use super::{Scenario, reconcile};

/// An object's identity: apiVersion, kind, namespace (empty when cluster-scoped) and name.
pub(crate) type ObjectKey = (String, String, String, String);

pub(crate) fn identity(o: &Value) -> ObjectKey {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    (s(&o["apiVersion"]), s(&o["kind"]), s(&o["metadata"]["namespace"]), s(&o["metadata"]["name"]))
}

/// The demo's objects at `now`, reconciled until nothing changes (ten rounds at most); what the controllers
/// create gets a uid made of its identity.
pub(crate) fn settled_demo(now: Timestamp) -> BTreeMap<ObjectKey, Value> {
    let mut objects: BTreeMap<_, Value> =
        Scenario::demo_at(now).objects.into_iter().map(|o| (identity(&o), o)).collect();
    for _ in 0..10 {
        let all: Vec<Value> = objects.values().cloned().collect();
        let changes = reconcile(&all, now);
        if changes.is_empty() {
            break;
        }
        for c in changes {
            match c {
                Change::Upsert(mut o) => {
                    if o["metadata"]["uid"].is_null() {
                        let id = identity(&o);
                        o["metadata"]["uid"] = json!(format!("uid-{}-{}-{}", id.1, id.2, id.3));
                    }
                    objects.insert(identity(&o), o);
                }
                Change::Delete { api_version, kind, namespace, name } => {
                    objects.remove(&(api_version, kind, namespace.unwrap_or_default(), name));
                }
            }
        }
    }
    objects
}
