//! The objects a reconcile pass works on: the stored objects (borrowed) plus what the controllers wrote
//! so far in this pass, so that each controller sees the work of the ones before it.
use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::json;
use crate::sim::types::Change;

/// Identifies an object as the API does: group, kind, namespace ("" for cluster-scoped) and name.
/// The version is left out so that, say, a `discovery.k8s.io/v1` and a `v1beta1` EndpointSlice are one object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub(crate) fn new(group: &str, kind: &str, namespace: &str, name: &str) -> Key {
        Key {
            group: group.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    pub(crate) fn of(obj: &Value) -> Option<Key> {
        let kind = json::str_at(obj, &["kind"])?;
        let name = json::str_at(obj, &["metadata", "name"])?;
        Some(Key::new(
            json::group_of(json::api_version(obj)),
            kind,
            json::namespace(obj),
            name,
        ))
    }
}

enum Slot<'a> {
    Stored(&'a Value),
    Written {
        value: Value,
        before: Option<&'a Value>,
    },
    Removed {
        before: Option<&'a Value>,
    },
}

type KindIndex = HashMap<(String, String), BTreeSet<(String, String)>>;

pub(crate) struct ObjectSet<'a> {
    slots: HashMap<Key, Slot<'a>>,
    /// (group, kind) → sorted (namespace, name) of the objects that currently exist.
    index: KindIndex,
    touched: Vec<Key>,
    touched_set: HashSet<Key>,
}

impl<'a> ObjectSet<'a> {
    pub(crate) fn new(objects: &'a [Value]) -> ObjectSet<'a> {
        let mut slots = HashMap::with_capacity(objects.len());
        let mut index: KindIndex = HashMap::new();
        for obj in objects {
            let Some(key) = Key::of(obj) else {
                continue;
            };
            index
                .entry((key.group.clone(), key.kind.clone()))
                .or_default()
                .insert((key.namespace.clone(), key.name.clone()));
            slots.insert(key, Slot::Stored(obj));
        }
        ObjectSet {
            slots,
            index,
            touched: Vec::new(),
            touched_set: HashSet::new(),
        }
    }

    pub(crate) fn get_key(&self, key: &Key) -> Option<&Value> {
        match self.slots.get(key)? {
            Slot::Stored(v) => Some(v),
            Slot::Written { value, .. } => Some(value),
            Slot::Removed { .. } => None,
        }
    }

    pub(crate) fn get(&self, group: &str, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.get_key(&Key::new(group, kind, namespace, name))
    }

    /// Keys of the objects of one kind, sorted by namespace and name; `namespace: None` is every namespace.
    pub(crate) fn keys(&self, group: &str, kind: &str, namespace: Option<&str>) -> Vec<Key> {
        let Some(set) = self.index.get(&(group.to_string(), kind.to_string())) else {
            return Vec::new();
        };
        let make = |(ns, name): &(String, String)| Key {
            group: group.to_string(),
            kind: kind.to_string(),
            namespace: ns.clone(),
            name: name.clone(),
        };
        match namespace {
            None => set.iter().map(make).collect(),
            Some(ns) => set
                .range((ns.to_string(), String::new())..)
                .take_while(|(n, _)| n == ns)
                .map(make)
                .collect(),
        }
    }

    /// The objects of one kind, sorted by namespace and name.
    pub(crate) fn list(&self, group: &str, kind: &str, namespace: Option<&str>) -> Vec<&Value> {
        self.keys(group, kind, namespace)
            .iter()
            .filter_map(|k| self.get_key(k))
            .collect()
    }

    pub(crate) fn count(&self, group: &str, kind: &str) -> usize {
        self.index
            .get(&(group.to_string(), kind.to_string()))
            .map_or(0, BTreeSet::len)
    }

    /// Every (group, kind) present.
    pub(crate) fn kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<_> = self
            .index
            .iter()
            .filter(|(_, set)| !set.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        kinds.sort();
        kinds
    }

    /// Creates or replaces an object. Objects without kind or name are ignored.
    pub(crate) fn put(&mut self, value: Value) {
        let Some(key) = Key::of(&value) else {
            return;
        };
        let before = match self.slots.remove(&key) {
            Some(Slot::Stored(v)) => Some(v),
            Some(Slot::Written { before, .. } | Slot::Removed { before }) => before,
            None => None,
        };
        self.index
            .entry((key.group.clone(), key.kind.clone()))
            .or_default()
            .insert((key.namespace.clone(), key.name.clone()));
        self.touch(&key);
        self.slots.insert(key, Slot::Written { value, before });
    }

    /// Writes `value` only if it differs from the current object (keeps passes cheap and idempotent).
    pub(crate) fn put_if_changed(&mut self, value: Value) {
        let unchanged = Key::of(&value)
            .and_then(|k| self.get_key(&k))
            .is_some_and(|cur| *cur == value);
        if !unchanged {
            self.put(value);
        }
    }

    pub(crate) fn remove(&mut self, key: &Key) {
        let before = match self.slots.remove(key) {
            Some(Slot::Stored(v)) => Some(v),
            Some(Slot::Written { before, .. } | Slot::Removed { before }) => before,
            None => return,
        };
        if let Some(set) = self.index.get_mut(&(key.group.clone(), key.kind.clone())) {
            set.remove(&(key.namespace.clone(), key.name.clone()));
        }
        self.touch(key);
        self.slots.insert(key.clone(), Slot::Removed { before });
    }

    fn touch(&mut self, key: &Key) {
        if self.touched_set.insert(key.clone()) {
            self.touched.push(key.clone());
        }
    }

    /// The changes of this pass, in the order they were first made; writes that restore the stored object
    /// are dropped.
    pub(crate) fn into_changes(mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        for key in self.touched {
            match self.slots.remove(&key) {
                Some(Slot::Written { value, before }) => {
                    if before != Some(&value) {
                        changes.push(Change::Upsert(value));
                    }
                }
                Some(Slot::Removed {
                    before: Some(before),
                }) => changes.push(Change::Delete {
                    api_version: json::api_version(before).to_string(),
                    kind: key.kind,
                    namespace: (!key.namespace.is_empty()).then_some(key.namespace),
                    name: key.name,
                }),
                _ => {}
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlay_sees_writes_and_reports_only_real_changes() {
        let stored = vec![
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "x"}}),
        ];
        let mut set = ObjectSet::new(&stored);
        assert_eq!(set.list("", "Pod", Some("x")).len(), 2);
        set.put(stored[0].clone());
        set.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "namespace": "y"}}));
        set.remove(&Key::new("", "Pod", "x", "b"));
        assert_eq!(set.keys("", "Pod", None).len(), 2);
        assert!(set.get("", "Pod", "y", "c").is_some());
        let changes = set.into_changes();
        assert_eq!(changes.len(), 2);
        assert!(matches!(&changes[1], Change::Delete { name, namespace: Some(ns), .. } if name == "b" && ns == "x"));
    }
}
