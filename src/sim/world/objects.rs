//! The objects a reconcile pass works on: the stored objects (borrowed) plus what the controllers wrote
//! so far in this pass, so that each controller sees the work of the ones before it.
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
        Some(Key::new(json::group_of(json::api_version(obj)), kind, json::namespace(obj), name))
    }
}

enum Slot<'a> {
    Stored(&'a Value),
    Written { value: Value, before: Option<&'a Value> },
    Removed { before: Option<&'a Value> },
}

impl<'a> Slot<'a> {
    fn current(&self) -> Option<&Value> {
        match self {
            Slot::Stored(v) => Some(v),
            Slot::Written { value, .. } => Some(value),
            Slot::Removed { .. } => None,
        }
    }

    fn before(&self) -> Option<&'a Value> {
        match self {
            Slot::Stored(v) => Some(v),
            Slot::Written { before, .. } | Slot::Removed { before } => *before,
        }
    }
}

/// namespace → name → slot, sorted, for one (group, kind).
type Table<'a> = BTreeMap<String, BTreeMap<String, Slot<'a>>>;

/// (group, kind, namespace, owner kind, owner name) of objects with a controller owner.
type OwnerKey = (String, String, String, String, String);

/// The owner key of `obj`, from its controller ownerReference.
fn owner_key(obj: &Value) -> Option<OwnerKey> {
    let owner = json::array_at(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))?;
    Some((
        json::group_of(json::api_version(obj)).to_string(),
        json::kind(obj).to_string(),
        json::namespace(obj).to_string(),
        json::str_at(owner, &["kind"])?.to_string(),
        json::str_at(owner, &["name"])?.to_string(),
    ))
}

pub(crate) struct ObjectSet<'a> {
    /// kind → group → table. Nested so that lookups by `&str` allocate nothing.
    tables: HashMap<String, HashMap<String, Table<'a>>>,
    /// Names of the objects each controller owns, so controllers find their objects without scanning.
    owned: HashMap<OwnerKey, BTreeSet<String>>,
    touched: Vec<Key>,
    touched_set: HashSet<Key>,
}

impl<'a> ObjectSet<'a> {
    pub(crate) fn new(objects: &'a [Value]) -> ObjectSet<'a> {
        let mut set = ObjectSet {
            tables: HashMap::new(),
            owned: HashMap::new(),
            touched: Vec::new(),
            touched_set: HashSet::new(),
        };
        for obj in objects {
            let (Some(kind), Some(name)) = (json::str_at(obj, &["kind"]), json::str_at(obj, &["metadata", "name"]))
            else {
                continue;
            };
            let group = json::group_of(json::api_version(obj));
            set.slot_map(group, kind, json::namespace(obj)).insert(name.to_string(), Slot::Stored(obj));
            if let Some(owner) = owner_key(obj) {
                set.owned.entry(owner).or_default().insert(name.to_string());
            }
        }
        set
    }

    /// The name → slot map of one namespace of one kind, created if needed.
    fn slot_map(&mut self, group: &str, kind: &str, namespace: &str) -> &mut BTreeMap<String, Slot<'a>> {
        self.tables
            .entry(kind.to_string())
            .or_default()
            .entry(group.to_string())
            .or_default()
            .entry(namespace.to_string())
            .or_default()
    }

    fn table(&self, group: &str, kind: &str) -> Option<&Table<'a>> {
        self.tables.get(kind)?.get(group)
    }

    fn slot(&self, group: &str, kind: &str, namespace: &str, name: &str) -> Option<&Slot<'a>> {
        self.table(group, kind)?.get(namespace)?.get(name)
    }

    pub(crate) fn get_key(&self, key: &Key) -> Option<&Value> {
        self.get(&key.group, &key.kind, &key.namespace, &key.name)
    }

    pub(crate) fn get(&self, group: &str, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.slot(group, kind, namespace, name)?.current()
    }

    /// The (namespace, name, object) of one kind, sorted; `namespace: None` is every namespace.
    fn entries<'s>(
        &'s self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = (&'s String, &'s String, &'s Value)> + 's {
        let table = self.table(group, kind);
        let namespaces: Vec<(&'s String, &'s BTreeMap<String, Slot<'a>>)> = match (table, namespace) {
            (None, _) => Vec::new(),
            (Some(t), None) => t.iter().collect(),
            (Some(t), Some(ns)) => t.get_key_value(ns).into_iter().collect(),
        };
        namespaces
            .into_iter()
            .flat_map(|(ns, names)| names.iter().filter_map(move |(name, slot)| slot.current().map(|v| (ns, name, v))))
    }

    /// Keys of the objects of one kind, sorted by namespace and name; `namespace: None` is every namespace.
    pub(crate) fn keys(&self, group: &str, kind: &str, namespace: Option<&str>) -> Vec<Key> {
        self.entries(group, kind, namespace)
            .map(|(ns, name, _)| Key {
                group: group.to_string(),
                kind: kind.to_string(),
                namespace: ns.clone(),
                name: name.clone(),
            })
            .collect()
    }

    /// Keys of the objects of `kind` in `namespace` whose controller is the `owner_kind` named `owner_name`.
    pub(crate) fn owned_by(
        &self,
        group: &str,
        kind: &str,
        namespace: &str,
        owner_kind: &str,
        owner_name: &str,
    ) -> Vec<Key> {
        let key = (
            group.to_string(),
            kind.to_string(),
            namespace.to_string(),
            owner_kind.to_string(),
            owner_name.to_string(),
        );
        self.owned.get(&key).into_iter().flatten().map(|name| Key::new(group, kind, namespace, name)).collect()
    }

    /// The objects of one kind, sorted by namespace and name.
    pub(crate) fn list(&self, group: &str, kind: &str, namespace: Option<&str>) -> Vec<&Value> {
        self.entries(group, kind, namespace).map(|(_, _, v)| v).collect()
    }

    pub(crate) fn count(&self, group: &str, kind: &str) -> usize {
        self.entries(group, kind, None).count()
    }

    /// Every namespace some object of a namespaced kind lives in.
    pub(crate) fn namespaces_used(&self, cluster_scoped: &[&str]) -> BTreeSet<String> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (kind, groups) in &self.tables {
            if cluster_scoped.contains(&kind.as_str()) {
                continue;
            }
            for table in groups.values() {
                for (ns, names) in table {
                    if !ns.is_empty() && names.values().any(|s| s.current().is_some()) {
                        seen.insert(ns);
                    }
                }
            }
        }
        seen.into_iter().map(str::to_string).collect()
    }

    /// Every (group, kind) present.
    pub(crate) fn kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<(String, String)> = self
            .tables
            .iter()
            .flat_map(|(kind, groups)| groups.keys().map(move |g| (g.clone(), kind.clone())))
            .filter(|(g, k)| self.count(g, k) > 0)
            .collect();
        kinds.sort();
        kinds
    }

    /// Creates or replaces an object. Objects without kind or name are ignored.
    pub(crate) fn put(&mut self, value: Value) {
        let Some(key) = Key::of(&value) else {
            return;
        };
        let new_owner = owner_key(&value);
        let map = self.slot_map(&key.group, &key.kind, &key.namespace);
        let old_owner = map.get(&key.name).and_then(Slot::current).and_then(owner_key);
        let before = map.get(&key.name).and_then(Slot::before);
        map.insert(key.name.clone(), Slot::Written { value, before });
        if old_owner != new_owner {
            if let Some(old) = old_owner.and_then(|o| self.owned.get_mut(&o)) {
                old.remove(&key.name);
            }
            if let Some(new) = new_owner {
                self.owned.entry(new).or_default().insert(key.name.clone());
            }
        }
        self.touch(key);
    }

    /// Writes `value` only if it differs from the current object (keeps passes cheap and idempotent).
    pub(crate) fn put_if_changed(&mut self, value: Value) {
        let unchanged = Key::of(&value).and_then(|k| self.get_key(&k)).is_some_and(|cur| *cur == value);
        if !unchanged {
            self.put(value);
        }
    }

    pub(crate) fn remove(&mut self, key: &Key) {
        let Some(slot) = self
            .tables
            .get_mut(&key.kind)
            .and_then(|g| g.get_mut(&key.group))
            .and_then(|t| t.get_mut(&key.namespace))
            .and_then(|names| names.get_mut(&key.name))
        else {
            return;
        };
        let Some(current) = slot.current() else {
            return;
        };
        let owner = owner_key(current);
        *slot = Slot::Removed { before: slot.before() };
        if let Some(names) = owner.and_then(|o| self.owned.get_mut(&o)) {
            names.remove(&key.name);
        }
        self.touch(key.clone());
    }

    fn touch(&mut self, key: Key) {
        if self.touched_set.insert(key.clone()) {
            self.touched.push(key);
        }
    }

    /// The changes of this pass, in the order they were first made; writes that restore the stored object
    /// are dropped.
    pub(crate) fn into_changes(mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        for key in std::mem::take(&mut self.touched) {
            let slot = self
                .tables
                .get_mut(&key.kind)
                .and_then(|g| g.get_mut(&key.group))
                .and_then(|t| t.get_mut(&key.namespace))
                .and_then(|names| names.remove(&key.name));
            match slot {
                Some(Slot::Written { value, before }) if before != Some(&value) => {
                    changes.push(Change::Upsert(value));
                }
                Some(Slot::Removed { before: Some(before) }) => changes.push(Change::Delete {
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
