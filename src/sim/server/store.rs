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
    tables: HashMap<&'static str, BTreeMap<ObjKey, Value>>,
    rv: u64,
    /// Watches and continue tokens from before this resourceVersion get 410 Expired.
    floor: u64,
    history: VecDeque<Arc<WatchEvent>>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    /// Graceful pod deletions to finish once the removal delay has passed.
    pub pending_removals: Vec<PendingRemoval>,
    /// Uids of pods whose grace period is over; they go as soon as their finalizers are gone.
    pub grace_over: HashSet<String>,
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
            tables: HashMap::new(),
            rv: FIRST_RESOURCE_VERSION,
            floor: FIRST_RESOURCE_VERSION,
            history: VecDeque::new(),
            tx,
            pending_removals: Vec::new(),
            grace_over: HashSet::new(),
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
        self.tables.get(storage)?.get(&(namespace.to_string(), name.to_string()))
    }

    /// Objects of a table, sorted by namespace then name; only one namespace when given.
    pub fn list<'a>(&'a self, storage: &str, namespace: Option<&'a str>) -> impl Iterator<Item = (&'a ObjKey, &'a Value)> + 'a {
        self.tables
            .get(storage)
            .into_iter()
            .flat_map(|table| table.iter())
            .filter(move |((ns, _), _)| namespace.is_none_or(|want| want == ns))
    }

    pub fn tables(&self) -> impl Iterator<Item = (&'static str, &BTreeMap<ObjKey, Value>)> {
        self.tables.iter().map(|(k, v)| (*k, v))
    }

    pub fn all_objects(&self) -> Vec<Value> {
        self.tables.values().flat_map(|t| t.values().cloned()).collect()
    }

    pub fn namespace_exists(&self, namespace: &str) -> bool {
        self.get(super::registry::NAMESPACES, "", namespace).is_some()
    }

    /// Store an object (new or replacing), stamping the next resourceVersion, and tell the watches.
    pub fn put(&mut self, storage: &'static str, mut obj: Value) -> Value {
        self.rv += 1;
        let rv = self.rv;
        meta::metadata_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        let namespace = meta::namespace(&obj).unwrap_or_default().to_string();
        let name = meta::name(&obj).unwrap_or_default().to_string();
        let previous = self
            .tables
            .entry(storage)
            .or_default()
            .insert((namespace.clone(), name), obj.clone());
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
        let mut obj = self.tables.get_mut(storage)?.remove(&key)?;
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
        let kinds: Vec<_> = store
            .history_since("core/pods", 1000)
            .expect("history")
            .iter()
            .map(|e| e.kind)
            .collect();
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
