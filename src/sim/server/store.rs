//! Objects as JSON, one global resourceVersion counter, a bounded history of watch events, and the broadcast
//! channel that fans events out to open watches.
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::meta;

/// Where the counter starts: high, like a real cluster's, so that `resourceVersion=1` is too old.
pub const FIRST_RESOURCE_VERSION: u64 = 1000;
/// How many events a watch can replay before it gets 410 Expired.
const HISTORY_LIMIT: usize = 20_000;
const BROADCAST_CAPACITY: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One write, as every watch sees it.
#[derive(Debug)]
pub struct WatchEvent {
    pub rv: u64,
    pub storage: &'static str,
    pub namespace: String,
    pub kind: EventType,
    pub object: Arc<Value>,
    /// The object before a modification, so that selector-filtered watches can turn a change that leaves
    /// (or enters) their selection into DELETED (or ADDED).
    pub previous: Option<Arc<Value>>,
}

/// (namespace, name); the namespace is empty for cluster-scoped objects. Sorted like a real list.
pub type ObjKey = (String, String);

/// A pod whose graceful deletion the server must finish later.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRemoval {
    pub storage: &'static str,
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

pub struct Store {
    /// Every object, in no particular order: a slab the controllers read as one slice, without copying.
    objects: Vec<Value>,
    /// Where each slot of `objects` is filed (parallel to it).
    slots: Vec<(&'static str, ObjKey)>,
    /// Per storage table, the slot of each object, sorted like a real list.
    tables: HashMap<&'static str, BTreeMap<ObjKey, usize>>,
    rv: u64,
    /// Watches and continue tokens from before this resourceVersion get 410 Expired.
    floor: u64,
    history: VecDeque<Arc<WatchEvent>>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    /// Graceful pod deletions to finish once the removal delay has passed.
    pub pending_removals: Vec<PendingRemoval>,
    /// Uids of pods whose grace period is over; they go as soon as their finalizers are gone.
    pub grace_over: HashSet<String>,
    /// Set by every removal, so that the garbage collector only scans when an owner may have gone.
    pub removed_since_gc: bool,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            objects: Vec::new(),
            slots: Vec::new(),
            tables: HashMap::new(),
            rv: FIRST_RESOURCE_VERSION,
            floor: FIRST_RESOURCE_VERSION,
            history: VecDeque::new(),
            tx,
            pending_removals: Vec::new(),
            grace_over: HashSet::new(),
            removed_since_gc: false,
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    pub fn floor(&self) -> u64 {
        self.floor
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<WatchEvent>> {
        self.tx.subscribe()
    }

    /// Forget all history: older watches and continue tokens now get 410 Expired.
    pub fn compact(&mut self) {
        self.history.clear();
        self.floor = self.rv;
    }

    pub fn get(&self, storage: &str, namespace: &str, name: &str) -> Option<&Value> {
        let slot = *self.tables.get(storage)?.get(&(namespace.to_string(), name.to_string()))?;
        self.objects.get(slot)
    }

    /// Objects of a table, sorted by namespace then name; only one namespace when given.
    pub fn list<'a>(
        &'a self,
        storage: &str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a Value)> + 'a {
        let table = self.tables.get(storage);
        let rows: Box<dyn Iterator<Item = (&'a ObjKey, &'a usize)> + 'a> = match (table, namespace) {
            (None, _) => Box::new(std::iter::empty()),
            (Some(table), None) => Box::new(table.iter()),
            // Keys sort by namespace first, so one namespace is one contiguous range.
            (Some(table), Some(ns)) => Box::new(
                table.range((ns.to_string(), String::new())..).take_while(move |((key_ns, _), _)| key_ns == ns),
            ),
        };
        rows.filter_map(move |(key, slot)| self.objects.get(*slot).map(|obj| (key, obj)))
    }

    /// Every object with its table and key, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &ObjKey, &Value)> {
        self.slots.iter().zip(&self.objects).map(|((storage, key), obj)| (*storage, key, obj))
    }

    /// Every object, as the controllers read them.
    pub fn objects(&self) -> &[Value] {
        &self.objects
    }

    pub fn namespace_exists(&self, namespace: &str) -> bool {
        self.get(super::registry::NAMESPACES, "", namespace).is_some()
    }

    /// Store an object (new or replacing), stamping the next resourceVersion, and tell the watches.
    pub fn put(&mut self, storage: &'static str, mut obj: Value) -> Value {
        if storage == super::crds::CRD_STORAGE {
            super::crds::learn(&obj);
        }
        self.rv += 1;
        let rv = self.rv;
        meta::metadata_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        let namespace = meta::namespace(&obj).unwrap_or_default().to_string();
        let name = meta::name(&obj).unwrap_or_default().to_string();
        let key = (namespace.clone(), name);
        let existing = self.tables.get(storage).and_then(|table| table.get(&key)).copied();
        let previous = match existing.and_then(|slot| self.objects.get_mut(slot)) {
            Some(current) => Some(std::mem::replace(current, obj.clone())),
            None => {
                self.objects.push(obj.clone());
                self.slots.push((storage, key.clone()));
                self.tables.entry(storage).or_default().insert(key, self.objects.len() - 1);
                None
            }
        };
        let kind = if previous.is_some() { EventType::Modified } else { EventType::Added };
        self.emit(WatchEvent {
            rv,
            storage,
            namespace,
            kind,
            object: Arc::new(obj.clone()),
            previous: previous.map(Arc::new),
        });
        obj
    }

    /// Remove an object; the DELETED event carries it with a fresh resourceVersion, as a real server's does.
    pub fn remove(&mut self, storage: &'static str, namespace: &str, name: &str) -> Option<Value> {
        let key = (namespace.to_string(), name.to_string());
        let slot = self.tables.get_mut(storage)?.remove(&key)?;
        if slot >= self.objects.len() {
            return None;
        }
        let mut obj = self.objects.swap_remove(slot);
        self.slots.swap_remove(slot);
        // The last object moved into the freed slot: file it under its new slot.
        if let Some((moved_storage, moved_key)) = self.slots.get(slot)
            && let Some(entry) = self.tables.get_mut(moved_storage).and_then(|table| table.get_mut(moved_key))
        {
            *entry = slot;
        }
        self.removed_since_gc = true;
        self.rv += 1;
        let rv = self.rv;
        meta::metadata_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        self.emit(WatchEvent {
            rv,
            storage,
            namespace: namespace.to_string(),
            kind: EventType::Deleted,
            object: Arc::new(obj.clone()),
            previous: None,
        });
        Some(obj)
    }

    fn emit(&mut self, event: WatchEvent) {
        let event = Arc::new(event);
        self.history.push_back(event.clone());
        while self.history.len() > HISTORY_LIMIT {
            if let Some(old) = self.history.pop_front() {
                self.floor = old.rv;
            }
        }
        // No receiver is fine: nobody is watching.
        let _ = self.tx.send(event);
    }

    /// The retained events of one table after `rv`, or the floor when `rv` is older than the history.
    pub fn history_since(&self, storage: &str, rv: u64) -> Result<Vec<Arc<WatchEvent>>, u64> {
        if rv < self.floor {
            return Err(self.floor);
        }
        Ok(self.history.iter().filter(|e| e.rv > rv && e.storage == storage).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "acme"}})
    }

    #[test]
    fn writes_bump_the_counter_and_keep_history() {
        let mut store = Store::new();
        let mut rx = store.subscribe();
        let a = store.put("core/pods", pod("a"));
        assert_eq!(meta::resource_version(&a), Some("1001"));
        store.put("core/pods", pod("a"));
        store.remove("core/pods", "acme", "a");
        let kinds: Vec<_> = store.history_since("core/pods", 1000).expect("history").iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EventType::Added, EventType::Modified, EventType::Deleted]);
        assert_eq!(rx.try_recv().map(|e| e.rv).ok(), Some(1001));
        assert_eq!(store.history_since("core/pods", 1002).map(|h| h.len()), Ok(1));
    }

    #[test]
    fn compaction_expires_older_versions() {
        let mut store = Store::new();
        store.put("core/pods", pod("a"));
        store.compact();
        assert_eq!(store.history_since("core/pods", 1000).map(|h| h.len()), Err(1001));
        assert_eq!(store.history_since("core/pods", 1001).map(|h| h.len()), Ok(0));
    }

    #[test]
    fn removals_keep_the_slab_consistent() {
        let mut store = Store::new();
        for name in ["a", "b", "c", "d"] {
            store.put("core/pods", pod(name));
        }
        store.remove("core/pods", "acme", "a");
        store.remove("core/pods", "acme", "c");
        let names: Vec<_> =
            store.list("core/pods", Some("acme")).map(|(_, o)| meta::name(o).unwrap_or_default().to_string()).collect();
        assert_eq!(names, ["b", "d"]);
        assert_eq!(store.objects().len(), 2);
        assert!(store.get("core/pods", "acme", "d").is_some() && store.get("core/pods", "acme", "a").is_none());
        assert_eq!(store.entries().count(), 2);
    }

    #[test]
    fn lists_are_sorted_by_namespace_then_name() {
        let mut store = Store::new();
        for (ns, name) in [("b", "x"), ("a", "z"), ("a", "y")] {
            store.put("core/pods", json!({"metadata": {"name": name, "namespace": ns}}));
        }
        let keys: Vec<_> = store.list("core/pods", None).map(|(k, _)| k.clone()).collect();
        let expected: Vec<ObjKey> = vec![("a".into(), "y".into()), ("a".into(), "z".into()), ("b".into(), "x".into())];
        assert_eq!(keys, expected);
        assert_eq!(store.list("core/pods", Some("b")).count(), 1);
    }
}
