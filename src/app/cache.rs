//! What the watches have told us, per kind and scope. Each object carries its display row, computed once when it
//! arrives, so drawing a frame never recomputes 5,000 statuses.
use std::collections::BTreeMap;
use std::sync::Arc;

use kube::{Resource, ResourceExt};

use super::rows::{Row, Rowable};
use crate::cluster::{Scope, WatchState, WatchUpdate};

/// (namespace, name): the order lists are shown in.
pub type ObjectKey = (String, String);

#[derive(Debug)]
pub struct Entry<K> {
    pub object: Arc<K>,
    pub row: Row,
}

impl<K> Clone for Entry<K> {
    fn clone(&self) -> Self {
        Entry { object: Arc::clone(&self.object), row: self.row.clone() }
    }
}

/// The objects of one watch (one kind in one scope).
#[derive(Debug)]
pub struct ScopeCache<K> {
    pub objects: BTreeMap<ObjectKey, Entry<K>>,
    /// During a relist over data already shown: the new listing, swapped in when complete so the list never
    /// flashes empty.
    incoming: Option<BTreeMap<ObjectKey, Entry<K>>>,
    pub state: WatchState,
    /// True once a full list has arrived.
    pub synced: bool,
    /// When data last arrived, for "data 12s old" while reconnecting.
    pub last_update: Option<jiff::Timestamp>,
    /// When the connection was lost: the data is known good up to then.
    pub disconnected_since: Option<jiff::Timestamp>,
}

impl<K> Default for ScopeCache<K> {
    fn default() -> Self {
        ScopeCache {
            objects: BTreeMap::new(),
            incoming: None,
            state: WatchState::Listing,
            synced: false,
            last_update: None,
            disconnected_since: None,
        }
    }
}

/// All scopes of one kind.
#[derive(Debug)]
pub struct ObjectCache<K> {
    pub scopes: BTreeMap<Scope, ScopeCache<K>>,
    /// Bumped on every change, so views know when to rebuild their row index.
    pub generation: u64,
}

impl<K> Default for ObjectCache<K> {
    fn default() -> Self {
        ObjectCache { scopes: BTreeMap::new(), generation: 0 }
    }
}

fn key_of<K: Resource>(obj: &K) -> ObjectKey {
    (obj.namespace().unwrap_or_default(), obj.name_any())
}

impl<K: Resource + Rowable> ObjectCache<K> {
    /// Make room for a watch that is starting.
    pub fn begin(&mut self, scope: &Scope) {
        self.scopes.entry(scope.clone()).or_default();
        self.generation += 1;
    }

    pub fn clear(&mut self) {
        self.scopes.clear();
        self.generation += 1;
    }

    pub fn apply(&mut self, scope: &Scope, update: WatchUpdate<K>, now: jiff::Timestamp) {
        let cache = self.scopes.entry(scope.clone()).or_default();
        self.generation += 1;
        match update {
            WatchUpdate::State(state) => {
                if matches!(state, WatchState::Forbidden { .. } | WatchState::Unavailable { .. }) {
                    cache.objects.clear();
                    cache.incoming = None;
                }
                match state {
                    WatchState::Reconnecting { .. } => {
                        cache.disconnected_since.get_or_insert(now);
                    }
                    _ => cache.disconnected_since = None,
                }
                cache.state = state;
                return;
            }
            WatchUpdate::Page { items, first, last } => {
                if first {
                    // The first listing paints page by page; a relist builds aside and swaps at the end.
                    cache.incoming = if cache.synced { Some(BTreeMap::new()) } else { None };
                    if !cache.synced {
                        cache.objects.clear();
                    }
                }
                let target = cache.incoming.as_mut().unwrap_or(&mut cache.objects);
                for obj in items {
                    let row = obj.row(now);
                    target.insert(key_of(&obj), Entry { object: Arc::new(obj), row });
                }
                if last {
                    if let Some(fresh) = cache.incoming.take() {
                        cache.objects = fresh;
                    }
                    cache.synced = true;
                    cache.state = WatchState::Live;
                }
            }
            WatchUpdate::Applied(obj) => {
                let row = obj.row(now);
                let entry = Entry { object: Arc::new(obj), row };
                let key = key_of(entry.object.as_ref());
                if let Some(incoming) = cache.incoming.as_mut() {
                    incoming.insert(key.clone(), entry.clone());
                }
                cache.objects.insert(key, entry);
            }
            WatchUpdate::Deleted(obj) => {
                let key = key_of(&obj);
                if let Some(incoming) = cache.incoming.as_mut() {
                    incoming.remove(&key);
                }
                cache.objects.remove(&key);
            }
        }
        cache.last_update = Some(now);
        if matches!(cache.state, WatchState::Reconnecting { .. } | WatchState::Listing) && cache.synced {
            cache.state = WatchState::Live;
            cache.disconnected_since = None;
        }
    }

    pub fn scope(&self, scope: &Scope) -> Option<&ScopeCache<K>> {
        self.scopes.get(scope)
    }

    /// Every object in the given scopes, in (namespace, name) order within each scope.
    pub fn entries<'a>(&'a self, scopes: &'a [Scope]) -> impl Iterator<Item = &'a Entry<K>> + 'a {
        scopes.iter().filter_map(|s| self.scopes.get(s)).flat_map(|c| c.objects.values())
    }

    pub fn get(&self, scopes: &[Scope], key: &ObjectKey) -> Option<&Entry<K>> {
        scopes.iter().filter_map(|s| self.scopes.get(s)).find_map(|c| c.objects.get(key))
    }

    pub fn len(&self, scopes: &[Scope]) -> usize {
        scopes.iter().filter_map(|s| self.scopes.get(s)).map(|c| c.objects.len()).sum()
    }

    pub fn is_empty(&self, scopes: &[Scope]) -> bool {
        self.len(scopes) == 0
    }
}

pub fn namespace_of<K: Resource>(entry: &Entry<K>) -> String {
    entry.object.namespace().unwrap_or_default()
}

pub fn name_of<K: Resource>(entry: &Entry<K>) -> String {
    entry.object.name_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn pod(ns: &str, name: &str) -> Pod {
        serde_json::from_value(serde_json::json!({"metadata": {"name": name, "namespace": ns}})).expect("pod")
    }

    fn names(cache: &ObjectCache<Pod>, scope: &Scope) -> Vec<String> {
        cache.entries(std::slice::from_ref(scope)).map(|e| e.object.name_any()).collect()
    }

    #[test]
    fn first_list_paints_page_by_page_and_relist_swaps_at_the_end() {
        let now = jiff::Timestamp::now();
        let scope = Scope::Namespace("shop".into());
        let mut cache = ObjectCache::<Pod>::default();
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "a")], first: true, last: false }, now);
        assert_eq!(names(&cache, &scope), ["a"], "the first page shows before the list is complete");
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "b")], first: false, last: true }, now);
        assert_eq!(names(&cache, &scope), ["a", "b"]);
        // A relist (after 410) that no longer has "a": the old data stays until the relist completes.
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "c")], first: true, last: false }, now);
        assert_eq!(names(&cache, &scope), ["a", "b"]);
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "b")], first: false, last: true }, now);
        assert_eq!(names(&cache, &scope), ["b", "c"]);
    }

    #[test]
    fn watch_events_apply_and_delete() {
        let now = jiff::Timestamp::now();
        let scope = Scope::All;
        let mut cache = ObjectCache::<Pod>::default();
        cache.apply(&scope, WatchUpdate::Page { items: vec![], first: true, last: true }, now);
        cache.apply(&scope, WatchUpdate::Applied(pod("a", "x")), now);
        cache.apply(&scope, WatchUpdate::Applied(pod("b", "x")), now);
        assert_eq!(cache.len(std::slice::from_ref(&scope)), 2);
        cache.apply(&scope, WatchUpdate::Deleted(pod("a", "x")), now);
        assert_eq!(cache.len(std::slice::from_ref(&scope)), 1);
    }

    #[test]
    fn forbidden_clears_and_records_the_reason() {
        let now = jiff::Timestamp::now();
        let scope = Scope::All;
        let mut cache = ObjectCache::<Pod>::default();
        cache.apply(&scope, WatchUpdate::State(WatchState::Forbidden { message: "no".into() }), now);
        assert!(matches!(cache.scope(&scope).map(|s| &s.state), Some(WatchState::Forbidden { .. })));
    }
}
